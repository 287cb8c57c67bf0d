/** What encodeTiff writes: pages of interleaved samples, all of one size and type. */
export interface TiffPages {
  width: number;
  height: number;
  /** One array per page, `height*width*samplesPerPixel` interleaved. Uint8Array, Uint16Array or Float32Array. */
  pages: (Uint8Array | Uint16Array | Float32Array)[];
  /** Default 1. */
  samplesPerPixel?: number;
  /** PhotometricInterpretation: 1 gray (default), 2 RGB. */
  photometric?: 1 | 2;
  /** ExtraSamples values, one per sample beyond the colour ones (0 unspecified, 2 alpha). */
  extraSamples?: number[];
  /** ImageDescription of the first page (OME-XML, ImageJ's `ImageJ=...` block). */
  description?: string;
  /** ImageJ's slice labels (IJMetadata 'labl'), one per page: how ImageJ stores channel names. */
  sliceLabels?: string[];
  /** Pixels per centimetre (XResolution / YResolution with ResolutionUnit 3). */
  pixelsPerCm?: number;
}

/**
 * A plain little-endian TIFF (uncompressed, one strip per page) with the tags microscopy files use
 * to describe channels: ImageDescription, SamplesPerPixel, ExtraSamples, ImageJ's IJMetadata. It is
 * how tests and tools make OME-TIFFs, ImageJ hyperstacks and interleaved files that sharp cannot
 * write; readers (ImageJ, tifffile, sharp) open it.
 */
export function encodeTiff(t: TiffPages): Buffer {
  const spp = t.samplesPerPixel ?? 1;
  const first = t.pages[0];
  const bits = first instanceof Uint8Array ? 8 : 16 + 16 * Number(first instanceof Float32Array);
  const format = first instanceof Float32Array ? 3 : 1;
  for (const p of t.pages)
    if (p.length !== t.width * t.height * spp) throw new RangeError(`encodeTiff: a page holds ${p.length} samples, expected ${t.width * t.height * spp}`);
  const chunks: Buffer[] = [];
  let at = 8;
  const put = (b: Buffer, align = true): number => {
    const start = at;
    chunks.push(b);
    at += b.length;
    if (align && at % 2) put(Buffer.alloc(1)); // word alignment for the next offset
    return start;
  };
  const head = Buffer.alloc(8);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  const ifdLinks: { buf: Buffer; at: number }[] = [];
  // All pixels first, contiguous, then the IFDs: ImageJ reads an uncompressed stack whose
  // description says `images=N` as N images one after the other from the first strip.
  const starts = t.pages.map((page, i) => put(Buffer.from(page.buffer, page.byteOffset, page.byteLength), i === t.pages.length - 1));
  t.pages.forEach((page, index) => {
    const pixels = starts[index];
    type Entry = [tag: number, type: number, values: number[] | Buffer];
    const entries: Entry[] = [
      [256, 4, [t.width]],
      [257, 4, [t.height]],
      [258, 3, Array(spp).fill(bits)],
      [259, 3, [1]],
      [262, 3, [t.photometric ?? 1]],
      [273, 4, [pixels]],
      [277, 3, [spp]],
      [278, 4, [t.height]],
      [279, 4, [page.byteLength]],
      [284, 3, [1]],
      [339, 3, Array(spp).fill(format)],
    ];
    if (index === 0 && t.description !== undefined) entries.push([270, 2, Buffer.from(t.description + '\0', 'utf8')]);
    if (t.extraSamples?.length) entries.push([338, 3, t.extraSamples]);
    if (t.pixelsPerCm) {
      const r = Buffer.alloc(8);
      r.writeUInt32LE(Math.round(t.pixelsPerCm * 1000), 0);
      r.writeUInt32LE(1000, 4);
      entries.push([282, 5, r], [283, 5, r], [296, 3, [3]]);
    }
    if (index === 0 && t.sliceLabels) {
      const labels = t.sliceLabels.map((s) => Buffer.from(s, 'utf16le').swap16()); // ImageJ writes UTF-16 big-endian
      const header = Buffer.alloc(12);
      header.write('IJIJ', 0, 'latin1');
      header.write('labl', 4, 'latin1');
      header.writeUInt32BE(labels.length, 8);
      entries.push([50838, 4, [header.length, ...labels.map((l) => l.length)]], [50839, 1, Buffer.concat([header, ...labels])]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
    ifd.writeUInt16LE(entries.length, 0);
    const later: { o: number; data: Buffer }[] = [];
    entries.forEach(([tag, type, values], i) => {
      const o = 2 + i * 12;
      const data = Buffer.isBuffer(values) ? values : Buffer.alloc(values.length * (type === 3 ? 2 : 4));
      if (!Buffer.isBuffer(values)) values.forEach((v, k) => (type === 3 ? data.writeUInt16LE(v, 2 * k) : data.writeUInt32LE(v, 4 * k)));
      ifd.writeUInt16LE(tag, o);
      ifd.writeUInt16LE(type, o + 2);
      ifd.writeUInt32LE(Buffer.isBuffer(values) ? values.length / (type === 5 ? 8 : 1) : values.length, o + 4);
      if (data.length <= 4) data.copy(ifd, o + 8);
      else later.push({ o: o + 8, data });
    });
    for (const l of later) ifd.writeUInt32LE(put(l.data), l.o);
    const ifdAt = put(ifd);
    ifdLinks.push({ buf: ifd, at: ifdAt });
  });
  head.writeUInt32LE(ifdLinks[0].at, 4);
  for (let i = 0; i + 1 < ifdLinks.length; i++) ifdLinks[i].buf.writeUInt32LE(ifdLinks[i + 1].at, ifdLinks[i].buf.length - 4);
  return Buffer.concat([head, ...chunks]);
}
