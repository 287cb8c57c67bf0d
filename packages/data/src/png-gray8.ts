import { inflateSync } from 'zlib';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Fast path for the one format DSB masks use: 8-bit grayscale, non-interlaced PNG.
 *
 * Why not sharp: a dataset has ~26,000 mask files, each one nucleus on an otherwise empty
 * full-size canvas. sharp's per-file pipeline costs ~1.7 ms each on this machine; inflating here
 * and decoding only the rows that are not empty is several times cheaper, which is the
 * difference between a ~45 s and a ~10 s cold load of the DSB set.
 */
export interface Gray8Png {
  width: number;
  height: number;
  /** Inflated, still filtered scanlines: height * (1 filter byte + width). */
  raw: Buffer;
}

/**
 * Parses and inflates an 8-bit gray PNG. Returns `null` for any other PNG flavour (the caller
 * falls back to sharp); throws on damaged data (the caller then lets sharp describe the damage).
 */
export function inflateGray8Png(buf: Uint8Array): Gray8Png | null {
  if (buf.length < 33) return null;
  for (let i = 0; i < 8; i++) if (buf[i] !== PNG_SIGNATURE[i]) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (pos + 8 <= buf.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(buf[pos + 4], buf[pos + 5], buf[pos + 6], buf[pos + 7]);
    const start = pos + 8;
    if (start + len + 4 > buf.length) throw new Error(`truncated ${type} chunk`);
    if (type === 'IHDR') {
      width = view.getUint32(start);
      height = view.getUint32(start + 4);
      const depth = buf[start + 8];
      const colorType = buf[start + 9];
      const interlace = buf[start + 12];
      if (depth !== 8 || colorType !== 0 || interlace !== 0) return null;
    } else if (type === 'IDAT') {
      idat.push(buf.subarray(start, start + len));
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    } else if (type === 'tRNS') {
      return null; // transparency: let sharp decide what it means
    }
    pos = start + len + 4; // CRCs are not checked: zlib's adler32 already guards the pixel data
  }
  if (!sawEnd || width === 0 || height === 0 || idat.length === 0) throw new Error('truncated PNG');
  const expected = (width + 1) * height;
  // One output chunk of the exact size: no concatenation copy of a mostly-empty canvas.
  const raw = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), { chunkSize: Math.max(64, expected) });
  if (raw.length !== expected) throw new Error(`PNG pixel data has ${raw.length} bytes, expected ${expected}`);
  return { width, height, raw };
}

let zeros = Buffer.alloc(0);
function zeroBuffer(n: number): Buffer {
  if (zeros.length < n) zeros = Buffer.alloc(Math.max(n, 2 * zeros.length));
  return zeros;
}

const BLOCK_ROWS = 16;

/** Receives a non-empty row; `row[x]` is 0 outside `[x0, x1)`. `row` is reused between calls. */
export type RowVisitor = (y: number, row: Uint8Array, x0: number, x1: number) => void;

/**
 * Calls `visit` for every row holding non-zero pixels, with the row unfiltered and the span of
 * its non-zero pixels. A filtered row of zeros following a zero row is zero under every PNG
 * filter, so whole blocks of such rows are skipped with one native comparison; in unfiltered
 * rows of 0/255 masks the span is found natively too. This keeps the per-mask cost near the
 * nucleus size rather than the canvas size.
 */
export function forEachNonZeroRow(png: Gray8Png, visit: RowVisitor): void {
  const { width, height, raw } = png;
  const stride = width + 1;
  let prev = new Uint8Array(width);
  let cur = new Uint8Array(width);
  let prevZero = true;
  // Shortcut for 0/255 masks: the first and last 255 bytes bound the rows worth visiting, if
  // everything outside those rows is zero (checked natively; otherwise scan all rows).
  let yStart = 0;
  let yEnd = height;
  const first = raw.indexOf(255);
  if (first < 0) {
    if (raw.compare(zeroBuffer(raw.length), 0, raw.length) === 0) return;
  } else {
    const last = raw.lastIndexOf(255);
    const a = Math.floor(first / stride) * stride;
    const b = (Math.floor(last / stride) + 1) * stride;
    const z = zeroBuffer(Math.max(a, raw.length - b));
    if (raw.compare(z, 0, a, 0, a) === 0 && raw.compare(z, 0, raw.length - b, b, raw.length) === 0) {
      yStart = a / stride;
      yEnd = b / stride;
    }
  }
  const zero = zeroBuffer(stride * BLOCK_ROWS);
  for (let y = yStart; y < yEnd;) {
    if (prevZero) {
      const n = Math.min(BLOCK_ROWS, yEnd - y);
      const off = y * stride;
      if (raw.compare(zero, 0, n * stride, off, off + n * stride) === 0) {
        y += n; // filter bytes are 0 too: these rows are all zero
        continue;
      }
    }
    const off = y * stride;
    const filter = raw[off];
    const ri = off + 1;
    // After a zero row, zero data decodes to zero whatever the filter byte says.
    if (prevZero && raw.compare(zero, 0, width, ri, ri + width) === 0) {
      y++;
      continue;
    }
    if (filter === 0) {
      cur.set(raw.subarray(ri, ri + width));
      const first = raw.indexOf(255, ri);
      const last = raw.lastIndexOf(255, ri + width - 1);
      // Valid when everything outside [first, last] is zero (true for 0/255 masks).
      if (
        first >= ri &&
        first < ri + width &&
        raw.compare(zero, 0, first - ri, ri, first) === 0 &&
        raw.compare(zero, 0, ri + width - 1 - last, last + 1, ri + width) === 0
      ) {
        prevZero = false;
        visit(y, cur, first - ri, last + 1 - ri);
        [prev, cur] = [cur, prev];
        y++;
        continue;
      }
    }
    switch (filter) {
      case 0:
        break; // already copied above
      case 1: {
        let a = 0;
        for (let x = 0; x < width; x++) cur[x] = a = (raw[ri + x] + a) & 255;
        break;
      }
      case 2:
        for (let x = 0; x < width; x++) cur[x] = (raw[ri + x] + prev[x]) & 255;
        break;
      case 3:
        for (let x = 0; x < width; x++) cur[x] = (raw[ri + x] + (((x > 0 ? cur[x - 1] : 0) + prev[x]) >> 1)) & 255;
        break;
      case 4:
        for (let x = 0; x < width; x++) {
          const a = x > 0 ? cur[x - 1] : 0;
          const b = prev[x];
          const c = x > 0 ? prev[x - 1] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          cur[x] = (raw[ri + x] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        throw new Error(`bad PNG row filter ${filter} in row ${y}`);
    }
    let x0 = 0;
    while (x0 < width && cur[x0] === 0) x0++;
    prevZero = x0 === width;
    if (!prevZero) {
      let x1 = width;
      while (cur[x1 - 1] === 0) x1--;
      visit(y, cur, x0, x1);
    }
    [prev, cur] = [cur, prev];
    y++;
  }
}

/** Full decode (values as stored), or `null` when the PNG is not 8-bit gray. */
export function decodeGray8Png(buf: Uint8Array): { width: number; height: number; data: Uint8Array } | null {
  const png = inflateGray8Png(buf);
  if (!png) return null;
  const data = new Uint8Array(png.width * png.height);
  forEachNonZeroRow(png, (y, row, x0, x1) => data.set(row.subarray(x0, x1), y * png.width + x0));
  return { width: png.width, height: png.height, data };
}
