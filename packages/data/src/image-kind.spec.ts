import { imageKind } from './image-kind';
import { generateSyntheticSample, SYNTHETIC_STYLES } from './synthetic';

describe('imageKind', () => {
  it('tells the three synthetic styles apart', () => {
    const expected = { fluorescent: 'fluorescence', stained: 'stained', brightfield: 'brightfield' } as const;
    for (const style of SYNTHETIC_STYLES) {
      for (const seed of [1, 2, 3]) {
        const { image } = generateSyntheticSample({ width: 96, height: 96, seed, style });
        expect([style, imageKind(image.data)]).toEqual([style, expected[style]]);
      }
    }
  });

  it('calls a gray image with a light background bright-field and a dark one fluorescence', () => {
    expect(imageKind(new Uint8Array(300).fill(200))).toBe('brightfield');
    expect(imageKind(new Uint8Array(300).fill(20))).toBe('fluorescence');
    const purple = new Uint8Array(300);
    for (let i = 0; i < 100; i++) purple.set([150, 60, 160], 3 * i);
    expect(imageKind(purple)).toBe('stained');
  });
});
