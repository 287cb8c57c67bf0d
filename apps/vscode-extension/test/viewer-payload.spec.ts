// The image as the viewer gets it (displayPixels): gray as one channel, above MAX_DISPLAY_PIXELS
// the mean of each display-step block, partial blocks at the right and bottom edges included.
import { displayPixels } from '../src/viewer-payload';
import { displayStep, MAX_DISPLAY_PIXELS } from '../src/webview/messages';

describe('displayPixels', () => {
  it('sends a small gray image as one channel and a colour one as RGB, each a copy, each encoding its own id', () => {
    const gray = { width: 3, height: 1, data: Uint8Array.from([5, 5, 5, 9, 9, 9, 200, 200, 200]) };
    const g = displayPixels(gray);
    expect(g).toMatchObject({ width: 3, height: 1, channels: 1 });
    expect(Array.from(g.data)).toEqual([5, 9, 200]);
    const colour = { width: 2, height: 1, data: Uint8Array.from([5, 5, 5, 1, 2, 3]) };
    const c = displayPixels(colour);
    expect(c).toMatchObject({ width: 2, height: 1, channels: 3 });
    expect(Array.from(c.data)).toEqual([5, 5, 5, 1, 2, 3]);
    expect(c.data.buffer).not.toBe(colour.data.buffer);
    expect(displayPixels(colour).id).not.toBe(c.id);
  });

  it('shrinks a large image by the display step, each pixel the mean of its block (edge blocks partial)', () => {
    const W = 4001;
    const H = 4001;
    expect(W * H).toBeGreaterThan(MAX_DISPLAY_PIXELS);
    expect(displayStep(W, H)).toBe(2);
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([x % 2 ? 100 : 50, y % 2 ? 10 : 30, 7], (y * W + x) * 3);
    const p = displayPixels({ width: W, height: H, data });
    expect(p).toMatchObject({ width: 2001, height: 2001, channels: 3 });
    const at = (x: number, y: number) => Array.from(p.data.subarray((y * p.width + x) * 3, (y * p.width + x) * 3 + 3));
    expect(at(0, 0)).toEqual([75, 20, 7]);
    expect(at(1999, 1999)).toEqual([75, 20, 7]);
    // The last column and row hold one image column / row each.
    expect(at(2000, 0)).toEqual([50, 20, 7]);
    expect(at(0, 2000)).toEqual([75, 30, 7]);
    expect(at(2000, 2000)).toEqual([50, 30, 7]);
  });
});
