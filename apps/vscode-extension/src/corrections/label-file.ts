// The corrected label image as a file the dataset loader reads (`readLabelImage`): a 16-bit PNG
// while every label fits, else a 32-bit TIFF. Reached through nuclei-api.ts (sharp is loaded lazily).
import sharp from 'sharp';
import { deflateSync } from 'zlib';

export interface LabelFile {
  ext: 'png' | 'tif';
  data: Buffer;
}

/** Encodes labels as they are (ids kept, gaps allowed: the loader renumbers them). */
export async function encodeLabelImage(labels: Int32Array, width: number, height: number): Promise<LabelFile> {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  if (max <= 65535) {
    // A Uint16Array input is 16-bit to sharp; grey16 keeps it so in the PNG (as the saved _labels.png).
    const data = await sharp(Uint16Array.from(labels), { raw: { width, height, channels: 1 } })
      .toColourspace('grey16')
      .png({ compressionLevel: 6 })
      .toBuffer();
    return { ext: 'png', data };
  }
  return { ext: 'tif', data: tiff32(labels, width, height) };
}

const ROWS_PER_STRIP = 64;

/**
 * A one-channel 32-bit unsigned TIFF, deflate-compressed strips (sharp casts what it writes to
 * TIFF down to 8 or 16 bits, so this writes the file itself). Little-endian, baseline tags only.
 */
export function tiff32(labels: Int32Array, width: number, height: number): Buffer {
  const strips: Buffer[] = [];
  for (let y = 0; y < height; y += ROWS_PER_STRIP) {
    const rows = labels.subarray(y * width, Math.min(height, y + ROWS_PER_STRIP) * width);
    const le = Buffer.alloc(rows.length * 4);
    for (let i = 0; i < rows.length; i++) le.writeUInt32LE(rows[i] >>> 0, i * 4);
    strips.push(deflateSync(le));
  }
  const n = strips.length;
  const tags: Array<[tag: number, type: number, count: number, value: number | number[]]> = [
    [256, 4, 1, width], // ImageWidth
    [257, 4, 1, height], // ImageLength
    [258, 3, 1, 32], // BitsPerSample
    [259, 3, 1, 8], // Compression: deflate
    [262, 3, 1, 1], // PhotometricInterpretation: BlackIsZero
    [273, 4, n, []], // StripOffsets (filled below)
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 4, 1, ROWS_PER_STRIP], // RowsPerStrip
    [279, 4, n, strips.map((s) => s.length)], // StripByteCounts
    [284, 3, 1, 1], // PlanarConfiguration: chunky
    [339, 3, 1, 1], // SampleFormat: unsigned integer
  ];
  const ifdSize = 2 + tags.length * 12 + 4;
  const arrays = tags.filter(([, , count]) => count > 1).length;
  let at = 8 + ifdSize + arrays * n * 4;
  const offsets = strips.map((s) => {
    const o = at;
    at += s.length;
    return o;
  });
  tags[5][3] = offsets;
  const head = Buffer.alloc(8 + ifdSize + arrays * n * 4);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(8, 4);
  head.writeUInt16LE(tags.length, 8);
  let extra = 8 + ifdSize;
  tags.forEach(([tag, type, count, value], k) => {
    const p = 10 + k * 12;
    head.writeUInt16LE(tag, p);
    head.writeUInt16LE(type, p + 2);
    head.writeUInt32LE(count, p + 4);
    const values = Array.isArray(value) ? value : [value];
    if (count === 1) {
      if (type === 3) head.writeUInt16LE(values[0], p + 8);
      else head.writeUInt32LE(values[0], p + 8);
    } else {
      // Arrays that do not fit the entry go after the IFD.
      head.writeUInt32LE(extra, p + 8);
      for (const v of values) {
        head.writeUInt32LE(v, extra);
        extra += 4;
      }
    }
  });
  return Buffer.concat([head, ...strips]);
}
