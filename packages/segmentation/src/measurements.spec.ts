import { measureNuclei, measurementsCsv } from './measurements';

// Reference values from scikit-image 0.19.3 regionprops on the same label and intensity images
// (python3-skimage: label, area, perimeter, centroid (row, col), bbox, equivalent_diameter,
// major/minor_axis_length, eccentricity, orientation, solidity, mean/min/max_intensity).
const LABELS = [
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [0, 1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0],
  [0, 1, 1, 1, 1, 0, 0, 2, 2, 2, 2, 2, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0],
  [0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 0],
  [0, 3, 3, 3, 3, 0, 0, 2, 2, 2, 2, 2, 0, 0],
  [0, 3, 3, 0, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0],
  [0, 3, 3, 0, 0, 3, 0, 2, 2, 2, 2, 2, 0, 0],
  [0, 3, 3, 3, 3, 3, 0, 0, 2, 2, 2, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
];
const SKIMAGE = [
  {
    label: 1,
    area: 12,
    perimeter: 10.0,
    centroid: [2.0, 2.5],
    bbox: [1, 1, 4, 5],
    eqd: 3.90882,
    major: 4.472136,
    minor: 3.265986,
    ecc: 0.68313,
    orient: 1.570796,
    solidity: 1.0,
    mean: 41.0,
    min: 40,
    max: 42,
  },
  {
    label: 2,
    area: 43,
    perimeter: 23.313708,
    centroid: [6.0, 9.0],
    bbox: [2, 6, 11, 13],
    eqd: 7.399277,
    major: 9.37091,
    minor: 5.85086,
    ecc: 0.781133,
    orient: 0.0,
    solidity: 0.914894,
    mean: 81.116279,
    min: 80,
    max: 82,
  },
  {
    label: 3,
    area: 14,
    perimeter: 11.207107,
    centroid: [8.642857, 2.571429],
    bbox: [7, 1, 11, 6],
    eqd: 4.222008,
    major: 5.863921,
    minor: 4.605026,
    ecc: 0.619096,
    orient: 1.06995,
    solidity: 0.736842,
    mean: 121.285714,
    min: 120,
    max: 122,
  },
];

const W = 14;
const H = 12;
const labels = Int32Array.from(LABELS.flat());
// Gray intensity image: label * 40 + (x mod 3).
const data = new Uint8Array(W * H * 3);
for (let i = 0; i < W * H; i++) data.fill(labels[i] * 40 + ((i % W) % 3), 3 * i, 3 * i + 3);

describe('measureNuclei', () => {
  const rows = measureNuclei(labels, W, H, 3, { width: W, height: H, data });

  it.each(SKIMAGE)('label $label matches scikit-image regionprops', (ref) => {
    const r = rows.find((m) => m.label === ref.label)!;
    expect(r.area).toBe(ref.area);
    expect(r.perimeter).toBeCloseTo(ref.perimeter, 5);
    expect(r.centroidY).toBeCloseTo(ref.centroid[0], 5);
    expect(r.centroidX).toBeCloseTo(ref.centroid[1], 5);
    expect([r.bboxY, r.bboxX, r.bboxY + r.bboxHeight, r.bboxX + r.bboxWidth]).toEqual(ref.bbox);
    expect(r.equivalentDiameter).toBeCloseTo(ref.eqd, 5);
    expect(r.majorAxisLength).toBeCloseTo(ref.major, 5);
    expect(r.minorAxisLength).toBeCloseTo(ref.minor, 5);
    expect(r.eccentricity).toBeCloseTo(ref.ecc, 5);
    expect(r.orientation).toBeCloseTo(ref.orient, 5);
    expect(r.solidity).toBeCloseTo(ref.solidity, 5);
    expect(r.intensity).toHaveLength(1); // a gray image has one channel
    expect(r.intensity[0].mean).toBeCloseTo(ref.mean, 5);
    expect([r.intensity[0].min, r.intensity[0].max]).toEqual([ref.min, ref.max]);
    expect(r.intensity[0].integrated).toBeCloseTo(ref.mean * ref.area, 4);
  });

  it('measures intensities on the original 16-bit values when the image carries them', () => {
    // The same pattern x 1000 in the source: the 8-bit view (all zeros here) is not what is measured.
    const source = { channels: 1, data: Float32Array.from({ length: W * H }, (_, i) => (labels[i] * 40 + ((i % W) % 3)) * 1000), depth: 'ushort' };
    const deep = measureNuclei(labels, W, H, 3, { width: W, height: H, data: new Uint8Array(W * H * 3), source });
    for (const ref of SKIMAGE) {
      const r = deep.find((m) => m.label === ref.label)!;
      expect(r.intensity[0].mean).toBeCloseTo(ref.mean * 1000, 2);
      expect([r.intensity[0].min, r.intensity[0].max]).toEqual([ref.min * 1000, ref.max * 1000]);
    }
  });

  it('scales lengths and areas by the pixel size', () => {
    const [r] = measureNuclei(labels, W, H, 3, undefined, 0.5);
    expect(r.area).toBe(3); // 12 px x 0.25 um^2
    expect(r.perimeter).toBeCloseTo(5);
    expect(r.intensity).toEqual([]);
  });

  it('writes one CSV row per nucleus with units in the header', () => {
    const csv = measurementsCsv(rows).trimEnd().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0]).toMatch(/^label,area_px2,perimeter_px,centroid_x_px,.*,solidity,mean_intensity,min_intensity,max_intensity,integrated_intensity$/);
    expect(csv[1].split(',')[0]).toBe('1');
  });
});
