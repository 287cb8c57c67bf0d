import * as zlib from 'zlib';

/**
 * Decompresses a Blosc 1 frame (what Zarr v2's default compressor and ome-zarr-py write): the
 * 16-byte header, the block offsets, each block split into `typesize` streams or not, each stream
 * LZ4 (Zarr's default), zlib or stored, then byte-unshuffled. BloscLZ, zstd, snappy and
 * bit-shuffle are refused by name (format of c-blosc's blosc_d).
 */
export function bloscDecompress(src: Uint8Array): Uint8Array {
  if (src.length < 16) throw new Error('blosc: a frame shorter than its header');
  const flags = src[2];
  const typesize = src[3];
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const nbytes = view.getUint32(4, true);
  const blocksize = view.getUint32(8, true);
  const out = new Uint8Array(nbytes);
  if (flags & 0x02) {
    out.set(src.subarray(16, 16 + nbytes)); // stored (memcpyed)
    return out;
  }
  if (flags & 0x04) throw new Error('blosc: bit-shuffled chunks are not supported (byte shuffle or none)');
  const format = (flags & 0xe0) >> 5;
  const name = ['blosclz', 'lz4', 'snappy', 'zlib', 'zstd'][format] ?? `format ${format}`;
  if (format !== 1 && format !== 3) throw new Error(`blosc: ${name} streams are not supported (lz4 or zlib)`);
  const dontSplit = (flags & 0x10) !== 0;
  const shuffled = (flags & 0x01) !== 0 && typesize > 1;
  const nblocks = Math.ceil(nbytes / blocksize);
  const tmp = new Uint8Array(blocksize);
  for (let j = 0; j < nblocks; j++) {
    const leftover = j === nblocks - 1 && nbytes % blocksize > 0;
    const bsize = leftover ? nbytes % blocksize : blocksize;
    const splits = !dontSplit && typesize <= 16 && bsize / typesize >= 128 && !leftover ? typesize : 1;
    const neblock = bsize / splits;
    let at = view.getInt32(16 + 4 * j, true);
    const dest = shuffled ? tmp : out.subarray(j * blocksize, j * blocksize + bsize);
    for (let k = 0; k < splits; k++) {
      const cbytes = view.getInt32(at, true);
      at += 4;
      const part = src.subarray(at, at + cbytes);
      const target = dest.subarray(k * neblock, (k + 1) * neblock);
      if (cbytes === neblock) target.set(part);
      else if (format === 1) lz4Block(part, target);
      else target.set(zlib.inflateSync(part));
      at += cbytes;
    }
    if (shuffled) unshuffle(tmp.subarray(0, bsize), out.subarray(j * blocksize, j * blocksize + bsize), typesize);
  }
  return out;
}

/** Byte-unshuffle: byte k of element i was stored at k * n + i (the tail that is not a whole element is as is). */
function unshuffle(src: Uint8Array, dest: Uint8Array, typesize: number): void {
  const n = Math.floor(src.length / typesize);
  for (let k = 0; k < typesize; k++) for (let i = 0; i < n; i++) dest[i * typesize + k] = src[k * n + i];
  dest.set(src.subarray(n * typesize), n * typesize);
}

/** An LZ4 block (no frame) into `dest`, which must be filled exactly. */
export function lz4Block(src: Uint8Array, dest: Uint8Array): void {
  let ip = 0;
  let op = 0;
  while (ip < src.length) {
    const token = src[ip++];
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do lit += b = src[ip++];
      while (b === 255);
    }
    dest.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip >= src.length) break; // the last sequence has literals only
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do len += b = src[ip++];
      while (b === 255);
    }
    len += 4;
    if (offset === 0 || offset > op) throw new Error('blosc: damaged lz4 stream');
    for (let i = 0; i < len; i++, op++) dest[op] = dest[op - offset];
  }
  if (op !== dest.length) throw new Error(`blosc: lz4 stream gave ${op} bytes, expected ${dest.length}`);
}
