// What the end-to-end correction loop does to a segmentation, chosen from the viewer's own label
// image (not from pixels fixed in advance, which a retrained model would move) and tried on a
// LabelEditor first, so that the count after delete + split + draw is known before the mouse moves.
import sharp from 'sharp';
import { LabelEditor, type EditTally, type Point } from '@nuclei/segmentation/label-edit';

export interface CorrectionPlan {
  /** Nuclei before any edit. */
  count: number;
  /** The nucleus to delete and a point deep inside it to click. */
  remove: { label: number; at: Point };
  /** The nucleus to split and the line dragged across it. */
  split: { label: number; line: [Point, Point] };
  /** A freehand outline in empty background: the nucleus drawn. */
  outline: Point[];
  /** Count and tally after the three edits, as the LabelEditor found them. */
  expected: { count: number; tally: EditTally };
}

interface Blob {
  label: number;
  area: number;
  sx: number;
  sy: number;
  sxx: number;
  syy: number;
  sxy: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function blobsOf(labels: Int32Array, w: number, h: number): Blob[] {
  const blobs = new Map<number, Blob>();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const l = labels[y * w + x];
      if (!l) continue;
      let b = blobs.get(l);
      if (!b) blobs.set(l, (b = { label: l, area: 0, sx: 0, sy: 0, sxx: 0, syy: 0, sxy: 0, x0: x, y0: y, x1: x, y1: y }));
      const [cx, cy] = [x + 0.5, y + 0.5];
      b.area++;
      b.sx += cx;
      b.sy += cy;
      b.sxx += cx * cx;
      b.syy += cy * cy;
      b.sxy += cx * cy;
      b.x0 = Math.min(b.x0, x);
      b.x1 = Math.max(b.x1, x);
      b.y1 = y;
    }
  }
  return [...blobs.values()];
}

/** The edits applied to a copy of `labels` in order; undefined when one of them changed nothing. */
function tryEdits(labels: Int32Array, w: number, h: number, ops: Parameters<LabelEditor['apply']>[0][]): LabelEditor | undefined {
  const editor = new LabelEditor(Int32Array.from(labels), w, h);
  return ops.every((op) => editor.apply(op)) ? editor : undefined;
}

/**
 * Picks the nuclei to correct: the split one is the largest nucleus away from the border whose
 * line (through its centroid, across its major axis, 2.5 px beyond it) crosses no other nucleus and
 * leaves exactly two pieces even when the pointer puts it half a pixel off; the deleted one is the
 * largest other nucleus, clicked where it is deepest; the drawn one is a circle in the largest
 * square of background, 2 px clear of any nucleus, nearest the image centre.
 */
export function planCorrections(labels: Int32Array, w: number, h: number): CorrectionPlan {
  const count = new Set(labels).size - (labels.includes(0) ? 1 : 0);
  const inside = (p: Point) => p[0] > 0.5 && p[1] > 0.5 && p[0] < w - 0.5 && p[1] < h - 0.5;
  const labelAt = (p: Point) => (inside(p) ? labels[Math.floor(p[1]) * w + Math.floor(p[0])] : 0);
  const candidates = blobsOf(labels, w, h)
    .filter((b) => b.area >= 40 && b.x0 > 1 && b.y0 > 1 && b.x1 < w - 2 && b.y1 < h - 2)
    .sort((a, b) => b.area - a.area || a.label - b.label);

  let split: CorrectionPlan['split'] | undefined;
  for (const b of candidates) {
    const [cx, cy] = [b.sx / b.area, b.sy / b.area];
    const theta = 0.5 * Math.atan2(2 * (b.sxy / b.area - cx * cy), b.sxx / b.area - cx * cx - (b.syy / b.area - cy * cy));
    const n: Point = [-Math.sin(theta), Math.cos(theta)];
    let reach = 0;
    for (let y = b.y0; y <= b.y1; y++)
      for (let x = b.x0; x <= b.x1; x++) if (labels[y * w + x] === b.label) reach = Math.max(reach, Math.abs((x + 0.5 - cx) * n[0] + (y + 0.5 - cy) * n[1]));
    const e = reach + 2.5;
    const line: [Point, Point] = [
      [cx - e * n[0], cy - e * n[1]],
      [cx + e * n[0], cy + e * n[1]],
    ];
    if (!line.every(inside)) continue;
    const crossed = Array.from({ length: 101 }, (_, i) =>
      labelAt([line[0][0] + ((line[1][0] - line[0][0]) * i) / 100, line[0][1] + ((line[1][1] - line[0][1]) * i) / 100]),
    );
    if (crossed.some((l) => l && l !== b.label)) continue;
    const nudges: Point[] = [
      [0, 0],
      [0.5, 0],
      [-0.5, 0],
      [0, 0.5],
      [0, -0.5],
    ];
    const twoPieces = nudges.every(([dx, dy]) => {
      const moved = line.map(([x, y]) => [x + dx, y + dy]) as Point[];
      return tryEdits(labels, w, h, [{ kind: 'split', label: b.label, line: moved }])?.count === count + 1;
    });
    if (twoPieces) {
      split = { label: b.label, line };
      break;
    }
  }
  if (!split) throw new Error(`no nucleus of ${count} splits cleanly in two with a straight line`);

  const victim = candidates.find((b) => b.label !== split!.label);
  if (!victim) throw new Error(`no second nucleus to delete among ${count}`);
  // Deepest: the widest square window of its own label round the pixel, then nearest the centroid.
  const depth = (x: number, y: number) => {
    let r = 0;
    const own = (xx: number, yy: number) => xx >= 0 && yy >= 0 && xx < w && yy < h && labels[yy * w + xx] === victim.label;
    while (
      r < 6 &&
      Array.from({ length: 2 * r + 3 }, (_, i) => i - r - 1).every(
        (d) => own(x + d, y - r - 1) && own(x + d, y + r + 1) && own(x - r - 1, y + d) && own(x + r + 1, y + d),
      )
    )
      r++;
    return r;
  };
  const [vx, vy] = [victim.sx / victim.area, victim.sy / victim.area];
  let at: Point = [vx, vy];
  let best = -1;
  for (let y = victim.y0; y <= victim.y1; y++) {
    for (let x = victim.x0; x <= victim.x1; x++) {
      if (labels[y * w + x] !== victim.label) continue;
      const score = depth(x, y) * 1e6 - Math.hypot(x + 0.5 - vx, y + 0.5 - vy);
      if (score > best) [best, at] = [score, [x + 0.5, y + 0.5]];
    }
  }

  // Background squares from a summed-area table of the foreground.
  const sat = new Int32Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      sat[(y + 1) * (w + 1) + x + 1] = (labels[y * w + x] ? 1 : 0) + sat[y * (w + 1) + x + 1] + sat[(y + 1) * (w + 1) + x] - sat[y * (w + 1) + x];
  const filled = (x0: number, y0: number, x1: number, y1: number) =>
    sat[y1 * (w + 1) + x1] - sat[y0 * (w + 1) + x1] - sat[y1 * (w + 1) + x0] + sat[y0 * (w + 1) + x0];
  let outline: Point[] | undefined;
  for (const s of [16, 12, 10, 8]) {
    let spot: Point | undefined;
    let near = Infinity;
    for (let y = 3; y + s <= h - 3; y++) {
      for (let x = 3; x + s <= w - 3; x++) {
        if (filled(x - 2, y - 2, x + s + 2, y + s + 2)) continue;
        const d = Math.hypot(x + s / 2 - w / 2, y + s / 2 - h / 2);
        if (d < near) [near, spot] = [d, [x + s / 2, y + s / 2]];
      }
    }
    if (spot) {
      const r = s / 2 - 1;
      outline = Array.from({ length: 24 }, (_, i): Point => [spot![0] + r * Math.cos((i * Math.PI) / 12), spot![1] + r * Math.sin((i * Math.PI) / 12)]);
      break;
    }
  }
  if (!outline) throw new Error('no empty background (8 x 8 px, 2 px clear of nuclei) to draw a nucleus in');

  const remove = { label: victim.label, at };
  const done = tryEdits(labels, w, h, [
    { kind: 'delete', labels: [remove.label] },
    { kind: 'split', label: split.label, line: split.line },
    { kind: 'fill', polygon: outline, onlyBackground: true },
  ]);
  if (!done) throw new Error('the planned corrections do not all apply');
  return { count, remove, split, outline, expected: { count: done.count, tally: done.tally() } };
}

/** A label image file's labels, size and sample depth (sharp: 'ushort' for a 16-bit PNG). */
export async function readLabelImage(file: string): Promise<{ labels: Uint32Array; width: number; height: number; depth?: string }> {
  const meta = await sharp(file).metadata();
  let pipeline = sharp(file);
  if (meta.depth === 'ushort') pipeline = pipeline.toColourspace('grey16');
  const { data, info } = await pipeline
    .extractChannel(0)
    .raw({ depth: meta.depth === 'ushort' ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const copy = data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
  const values = meta.depth === 'ushort' ? new Uint16Array(copy) : new Uint8Array(copy);
  return { labels: Uint32Array.from(values), width: info.width, height: info.height, depth: meta.depth };
}

/**
 * Whether two label images hold the same nuclei, ids aside: the same foreground, and each id of one
 * maps to exactly one id of the other. Returns the first pixel where they disagree, or -1.
 */
export function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    if (!x !== !y) return i;
    if (!x) continue;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return i;
    ab.set(x, y);
    ba.set(y, x);
  }
  return -1;
}
