import { measureNuclei, measurementsCsv, parseMeasurementsCsv } from './measurements';

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
    // Pixel centres at +0.5 (ImageJ's convention); scikit-image's are at integers.
    expect(r.centroidY).toBeCloseTo(ref.centroid[0] + 0.5, 5);
    expect(r.centroidX).toBeCloseTo(ref.centroid[1] + 0.5, 5);
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
    const [r] = measureNuclei(labels, W, H, 3, [], { pixelSize: 0.5 });
    expect(r.area).toBe(3); // 12 px x 0.25 um^2
    expect(r.perimeter).toBeCloseTo(5);
    expect(r.intensity).toEqual([]);
  });

  it('writes one CSV row per nucleus with units in the header', () => {
    const csv = measurementsCsv(rows).trimEnd().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0]).toMatch(/^label,area_px2,perimeter_px,centroid_x_px,.*,solidity,ch0_mean,ch0_min,ch0_max,ch0_integrated,ch0_std$/);
    expect(csv[1].split(',')[0]).toBe('1');
  });
});

describe('measureNuclei: every channel and a ring, by hand', () => {
  // 7 x 3: nucleus 1 at (1,1) and (2,1), nucleus 2 at (5,1).
  const w = 7;
  const h = 3;
  const lab = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  const at = (f: (x: number, y: number) => number) => Float32Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w)));
  const channels = [
    { name: 'DAPI', values: at((x, y) => x + 10 * y) },
    { name: 'GFP', values: at((x) => 100 - x) },
  ];

  it('intensity statistics of each channel by name: mean, min, max, integrated, sample std', () => {
    const [one, two] = measureNuclei(lab, w, h, 2, channels);
    // DAPI in nucleus 1: 11 and 12; GFP: 99 and 98.
    expect(one.intensity[0]).toEqual({ channel: 'DAPI', mean: 11.5, min: 11, max: 12, integrated: 23, std: Math.sqrt(0.5) });
    expect(one.intensity[1]).toEqual({ channel: 'GFP', mean: 98.5, min: 98, max: 99, integrated: 197, std: Math.sqrt(0.5) });
    expect(two.intensity[0]).toEqual({ channel: 'DAPI', mean: 15, min: 15, max: 15, integrated: 15, std: 0 });
    expect([one.centroidX, one.centroidY, two.centroidX]).toEqual([2, 1.5, 5.5]);
  });

  it('a ring of 1 px: the background pixels at most 1 px from the nucleus and nearer to it than to another', () => {
    const [one, two] = measureNuclei(lab, w, h, 2, channels, { ring: 1 });
    // Nucleus 1: (0,1) (1,0) (2,0) (1,2) (2,2) (3,1) -> DAPI 10 1 2 21 22 13.
    expect(one.ring!.area).toBe(6);
    expect(one.ring!.intensity[0]).toMatchObject({ channel: 'DAPI', mean: 69 / 6, min: 1, max: 22, integrated: 69 });
    // Nucleus 2: (4,1) (6,1) (5,0) (5,2) -> DAPI 14 16 5 25, mean 15, squared deviations 1 1 100 100.
    expect(two.ring!.area).toBe(4);
    expect(two.ring!.intensity[0]).toEqual({ channel: 'DAPI', mean: 15, min: 5, max: 25, integrated: 60, std: Math.sqrt(202 / 3) });
    expect(two.ring!.intensity[1]).toMatchObject({ channel: 'GFP', mean: 95, integrated: 380 });
    // A wide ring takes the whole background, shared out, and never a nucleus pixel.
    const wide = measureNuclei(lab, w, h, 2, channels, { ring: 10 });
    expect(wide[0].ring!.area + wide[1].ring!.area).toBe(w * h - 3);
    expect(wide[0].ring!.intensity[0].integrated + wide[1].ring!.intensity[0].integrated).toBe(
      Array.from(channels[0].values).reduce((a, v, i) => a + (lab[i] ? 0 : v), 0),
    );
  });

  it('names every column by channel and unit, in microns once a pixel size is known', () => {
    const rows = measureNuclei(lab, w, h, 2, channels, { ring: 1, pixelSize: 0.5 });
    const [head, first] = measurementsCsv(rows, 'um')
      .split('\n')
      .map((l) => l.split(','));
    expect(head.slice(0, 5)).toEqual(['label', 'area_um2', 'perimeter_um', 'centroid_x_um', 'centroid_y_um']);
    expect(head.slice(15)).toEqual([
      ...['DAPI', 'GFP'].flatMap((c) => ['mean', 'min', 'max', 'integrated', 'std'].map((k) => `${c}_${k}`)),
      'ring_area_um2',
      ...['DAPI', 'GFP'].flatMap((c) => ['mean', 'min', 'max', 'integrated', 'std'].map((k) => `${c}_ring_${k}`)),
    ]);
    const value = (name: string) => Number(first[head.indexOf(name)]);
    expect([value('area_um2'), value('centroid_x_um'), value('centroid_y_um'), value('ring_area_um2'), value('GFP_mean')]).toEqual([0.5, 1, 0.75, 1.5, 98.5]);
    // Read back (a slide viewer's table): the same rows, to the CSV's 4 decimals.
    const back = parseMeasurementsCsv(measurementsCsv(rows, 'um'));
    expect(back.unit).toBe('um');
    expect(back.rows).toHaveLength(rows.length);
    for (let i = 0; i < rows.length; i++) {
      expect(back.rows[i].label).toBe(rows[i].label);
      expect(back.rows[i].area).toBeCloseTo(rows[i].area, 4);
      expect(back.rows[i].intensity.map((c) => [c.channel, c.mean])).toEqual(rows[i].intensity.map((c) => [c.channel, +c.mean.toFixed(4)]));
      expect(back.rows[i].ring!.intensity[1].integrated).toBeCloseTo(rows[i].ring!.intensity[1].integrated, 4);
    }
    expect(() => parseMeasurementsCsv('label,x,y\n1,2,3\n')).toThrow(/not a nuclei measurements table/);
    // The first rows only (a slide's table), and how many there are.
    const cut = parseMeasurementsCsv(measurementsCsv(rows, 'um'), 1);
    expect([cut.rows.length, cut.rows[0].label, cut.total, back.total]).toEqual([1, rows[0].label, rows.length, rows.length]);
    // No nuclei: the header still names the channels.
    expect(measurementsCsv([], 'px', { channels: ['DAPI'], ring: true })).toMatch(
      /solidity,DAPI_mean,DAPI_min,DAPI_max,DAPI_integrated,DAPI_std,ring_area_px2,DAPI_ring_mean,.*DAPI_ring_std\n$/,
    );
  });
});
