import { DEFAULT_PREPROCESSING } from '@nuclei/model';
import { CropSampler, DEFAULT_CROP_OPTIONS } from '@nuclei/training';
import { createRng } from '@nuclei/data';
// image = labels (bright nucleus on dark); every augmented crop must have image ~ mask.
const W = 300, H = 260;
const labels = new Int32Array(W * H);
for (let k = 0; k < 40; k++) { const cx = (k * 53) % W, cy = (k * 97) % H, r = 6 + (k % 9); for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) labels[y * W + x] = k + 1; }
const data = new Uint8Array(W * H * 3); for (let i = 0; i < W * H; i++) data.fill(labels[i] ? 200 : 20, 3 * i, 3 * i + 3);
const s = new CropSampler([{ id: 'a', image: { width: W, height: H, data }, labels }], 128, { ...DEFAULT_CROP_OPTIONS, preprocessing: DEFAULT_PREPROCESSING, outputs: 2 });
const rng = createRng(1);
for (let t = 0; t < 6; t++) {
  const x = new Float32Array(128 * 128 * 3), y = new Float32Array(128 * 128 * 2);
  const d = s.cropInto(0, rng, true, x, 0, y, 0);
  let agree = 0, n = 0; for (let p = 0; p < 128 * 128; p++) { const m = y[2 * p]; const v = (x[3 * p] - d.offset) / d.gain; if (v < 0.2 || v > 0.8) { n++; if ((v > 0.5 ? 1 : 0) === m) agree++; } }
  console.log(d.scale.toFixed(2), d.turns, d.flipX, d.flipY, (agree / n).toFixed(4));
}
