import { cropRgb } from '../src/image-region';
import { isFromWebview, MAX_REGION_PIXELS } from '../src/webview/messages';

describe('full-resolution regions of a large image', () => {
  it('crops the part asked for, clipped to the image', () => {
    // 4x3, pixel value = its index.
    const data = new Uint8Array(4 * 3 * 3);
    for (let i = 0; i < 12; i++) data.fill(i, 3 * i, 3 * i + 3);
    const part = cropRgb({ width: 4, height: 3, data }, { x: 2, y: 1, width: 5, height: 5 })!;
    expect([part.width, part.height]).toEqual([2, 2]);
    expect(Array.from(part.data.filter((_, k) => k % 3 === 0))).toEqual([6, 7, 10, 11]);
    expect(cropRgb({ width: 4, height: 3, data }, { x: 4, y: 0, width: 2, height: 2 })).toBeUndefined();
  });

  it('takes only whole, positive, bounded regions from the page', () => {
    expect(isFromWebview({ type: 'region', x: 0, y: 10, width: 100, height: 80 })).toBe(true);
    expect(isFromWebview({ type: 'region', x: -1, y: 10, width: 100, height: 80 })).toBe(false);
    expect(isFromWebview({ type: 'region', x: 0, y: 0, width: 0.5, height: 80 })).toBe(false);
    expect(isFromWebview({ type: 'region', x: 0, y: 0, width: MAX_REGION_PIXELS, height: 2 })).toBe(false);
  });
});
