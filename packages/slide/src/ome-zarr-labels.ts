import * as path from 'path';
import { createZarrArray, openZarrArray, writeZarrGroup, type ZarrWriter } from './zarr';

/** Where the labels live inside the output: the NGFF layout `labels/<name>` of an image group. */
export const LABELS_PATH = 'labels/nuclei';

/** Number of pyramid levels: halving until the slide fits one chunk (at least `minLevels`). */
export function pyramidLevels(width: number, height: number, chunk: number, minLevels = 1): number {
  let levels = 1;
  while (Math.max(width, height) / 2 ** (levels - 1) > chunk) levels++;
  return Math.max(levels, minLevels);
}

/**
 * An OME-Zarr (NGFF 0.4, Zarr v2) labels image: root group with `labels: ["nuclei"]`, and
 * `labels/nuclei` a multiscale uint32 pyramid with `image-label` metadata. Level 0 is written by
 * the caller chunk by chunk; `finish` builds the other levels from it (nearest neighbour: every
 * second pixel, so ids stay ids) and writes the metadata last.
 */
export async function createLabelsZarr(
  root: string,
  width: number,
  height: number,
  chunk: number,
  levels: number,
): Promise<{ level0: ZarrWriter; finish(pixelSize?: number): Promise<void> }> {
  const dir = path.join(root, LABELS_PATH);
  const level0 = await createZarrArray(path.join(dir, '0'), [height, width], [chunk, chunk], 'uint32');
  return {
    level0,
    async finish(pixelSize) {
      for (let k = 1; k < levels; k++) await halveLevel(dir, k, chunk);
      const s = pixelSize ?? 1;
      const unit = pixelSize ? { unit: 'micrometer' } : {};
      await writeZarrGroup(root, {});
      await writeZarrGroup(path.join(root, 'labels'), { labels: ['nuclei'] });
      await writeZarrGroup(dir, {
        multiscales: [
          {
            version: '0.4',
            name: 'nuclei',
            axes: [
              { name: 'y', type: 'space', ...unit },
              { name: 'x', type: 'space', ...unit },
            ],
            datasets: Array.from({ length: levels }, (_, k) => ({
              path: String(k),
              coordinateTransformations: [{ type: 'scale', scale: [s * 2 ** k, s * 2 ** k] }],
            })),
            type: 'nearest',
          },
        ],
        'image-label': { version: '0.4', source: { image: '../../' } },
      });
    },
  };
}

/** Level k from level k - 1: pixel (y, x) = level k-1 pixel (2y, 2x). */
async function halveLevel(dir: string, k: number, chunk: number): Promise<void> {
  const prev = openZarrArray(path.join(dir, String(k - 1)));
  const [ph, pw] = prev.shape;
  const h = Math.ceil(ph / 2);
  const w = Math.ceil(pw / 2);
  const out = await createZarrArray(path.join(dir, String(k)), [h, w], [chunk, chunk], 'uint32');
  for (let cy = 0; cy * chunk < h; cy++) {
    for (let cx = 0; cx * chunk < w; cx++) {
      const values = new Uint32Array(chunk * chunk);
      // The level k chunk (cy, cx) samples level k-1 chunks (2cy..2cy+1, 2cx..2cx+1).
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const py = 2 * cy + dy;
          const px = 2 * cx + dx;
          if (py * chunk >= ph || px * chunk >= pw) continue;
          const src = await prev.readChunk([py, px]);
          const half = chunk / 2;
          for (let y = 0; y < half; y++) for (let x = 0; x < half; x++) values[(dy * half + y) * chunk + dx * half + x] = src[2 * y * chunk + 2 * x];
        }
      }
      await out.writeChunk([cy, cx], values);
    }
  }
}
