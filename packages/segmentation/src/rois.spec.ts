import { zipStore } from '@nuclei/data';
import { encodeRoi, nucleiGeoJson, outlines, roiSetZip } from './rois';
import { polygonArea } from './outline';
import { inflateRawSync } from 'zlib';

describe('ImageJ ROIs and GeoJSON', () => {
  const W = 6;
  const labels = Int32Array.from([0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 2, 2, 0, 0, 0, 0, 2, 2]);

  it("encodes a polygon in ImageJ's binary ROI format (header, bounds, relative vertices)", () => {
    const poly = outlines(labels, W, 3, 2).get(2)!;
    expect(poly).toEqual([
      [4, 1],
      [6, 1],
      [6, 3],
      [4, 3],
    ]);
    const roi = new DataView(encodeRoi(poly).buffer);
    expect(String.fromCharCode(...[0, 1, 2, 3].map((i) => roi.getUint8(i)))).toBe('Iout');
    expect(roi.getUint8(6)).toBe(0); // polygon
    expect([roi.getInt16(8), roi.getInt16(10), roi.getInt16(12), roi.getInt16(14)]).toEqual([1, 4, 3, 6]); // top, left, bottom, right
    expect(roi.getUint16(16)).toBe(4);
    expect([0, 1, 2, 3].map((i) => roi.getInt16(64 + 2 * i))).toEqual([0, 2, 2, 0]);
    expect([0, 1, 2, 3].map((i) => roi.getInt16(64 + 8 + 2 * i))).toEqual([0, 0, 2, 2]);
  });

  it('zips one ROI per nucleus, named after its label, readable by any unzip', () => {
    const zip = roiSetZip(outlines(labels, W, 3, 2));
    const view = new DataView(zip.buffer);
    const end = zip.length - 22;
    expect(view.getUint32(end, true)).toBe(0x06054b50);
    expect(view.getUint16(end + 10, true)).toBe(2);
    const nameLen = view.getUint16(26, true);
    expect(new TextDecoder().decode(zip.subarray(30, 30 + nameLen))).toBe('nucleus-0001.roi');
    const stored = zipStore([{ name: 'a.txt', data: new TextEncoder().encode('hello') }]);
    expect(new TextDecoder().decode(stored.subarray(30 + 5, 30 + 10))).toBe('hello');
    expect(inflateRawSync).toBeDefined();
  });

  it('writes QuPath detections: closed polygons in pixel coordinates with names and measurements', () => {
    const polys = outlines(labels, W, 3, 2);
    const geo = JSON.parse(nucleiGeoJson(polys, new Map([[1, { area: 4 }]])));
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features).toHaveLength(2);
    const f = geo.features[0];
    expect(f.properties).toMatchObject({ objectType: 'detection', name: 'Nucleus 1', measurements: { area: 4 } });
    const ring = f.geometry.coordinates[0];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(polygonArea(ring.slice(0, -1))).toBe(4);
  });
});
