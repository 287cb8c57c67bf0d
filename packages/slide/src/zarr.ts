import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { NucleiInputError, writeFileAtomic } from '@nuclei/data';
import { bloscDecompress } from './blosc';

/**
 * Just enough Zarr for slides: arrays of Zarr v2 (what NGFF 0.4 uses and most viewers read today)
 * and v3 (NGFF 0.5), read chunk by chunk, uncompressed, zlib, gzip or blosc (lz4 or zlib inside:
 * Zarr's and ome-zarr-py's default) compressed; and writing v2 with zlib. (zarrita is ESM-only, which this CommonJS toolkit cannot load under Node 20.9.)
 */
export type ZarrDtype = 'uint8' | 'uint16' | 'uint32' | 'int16' | 'int32' | 'float32' | 'float64';

export interface ZarrArray {
  dir: string;
  shape: number[];
  chunks: number[];
  dtype: ZarrDtype;
  /** Reads the chunk at these chunk indices (fill value where it is missing). */
  readChunk(idx: number[]): Promise<ArrayLike<number>>;
}

const V2_DTYPES: Record<string, ZarrDtype> = {
  '|u1': 'uint8',
  '<u2': 'uint16',
  '<u4': 'uint32',
  '<i2': 'int16',
  '<i4': 'int32',
  '<f4': 'float32',
  '<f8': 'float64',
  '|i1': 'int16',
};
const BYTES: Record<ZarrDtype, number> = { uint8: 1, uint16: 2, uint32: 4, int16: 2, int32: 4, float32: 4, float64: 8 };

function typed(dtype: ZarrDtype, buf: ArrayBuffer): ArrayLike<number> {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buf);
    case 'uint16':
      return new Uint16Array(buf);
    case 'uint32':
      return new Uint32Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new NucleiInputError(file, `cannot read Zarr metadata (${(e as Error).message})`);
  }
}

/** Group (or array) attributes: `.zattrs` (v2) or `attributes` in `zarr.json` (v3). */
export function zarrAttributes(dir: string): Record<string, unknown> | undefined {
  if (fs.existsSync(path.join(dir, 'zarr.json')))
    return ((readJson(path.join(dir, 'zarr.json')) as { attributes?: Record<string, unknown> }).attributes ?? {}) as Record<string, unknown>;
  if (fs.existsSync(path.join(dir, '.zattrs'))) return readJson(path.join(dir, '.zattrs')) as Record<string, unknown>;
  if (fs.existsSync(path.join(dir, '.zgroup'))) return {};
  return undefined;
}

/** Opens a Zarr array folder (v2 `.zarray` or v3 `zarr.json`). */
export function openZarrArray(dir: string): ZarrArray {
  const bad = (what: string): never => {
    throw new NucleiInputError(dir, what);
  };
  let shape: number[];
  let chunks: number[];
  let dtype: ZarrDtype;
  let codec: 'none' | 'zlib' | 'gzip' | 'blosc';
  let fill = 0;
  let key: (idx: number[]) => string;
  if (fs.existsSync(path.join(dir, '.zarray'))) {
    const m = readJson(path.join(dir, '.zarray')) as Record<string, any>;
    shape = m.shape;
    chunks = m.chunks;
    dtype = V2_DTYPES[m.dtype] ?? bad(`Zarr data type ${m.dtype} is not supported (uint8, uint16, uint32, int16, int32, float32, float64, little-endian)`);
    if (m.order && m.order !== 'C') bad('Zarr arrays in Fortran order are not supported');
    if (m.filters?.length) bad(`Zarr filters (${m.filters.map((f: { id: string }) => f.id).join(', ')}) are not supported`);
    const id = m.compressor?.id ?? 'none';
    codec =
      id === 'zlib' || id === 'gzip' || id === 'none' || id === 'blosc'
        ? id
        : bad(`Zarr compressor "${id}" is not supported (blosc with lz4 or zlib, zlib, gzip or none; re-save the image with one of these, or as a tiled TIFF)`);
    fill = typeof m.fill_value === 'number' ? m.fill_value : 0;
    const sep = m.dimension_separator ?? '.';
    key = (idx) => idx.join(sep);
  } else if (fs.existsSync(path.join(dir, 'zarr.json'))) {
    const m = readJson(path.join(dir, 'zarr.json')) as Record<string, any>;
    if (m.node_type !== 'array') bad('is a Zarr group, not an array');
    shape = m.shape;
    chunks = m.chunk_grid?.configuration?.chunk_shape ?? bad('Zarr v3 array without a regular chunk grid');
    dtype =
      (['uint8', 'uint16', 'uint32', 'int16', 'int32', 'float32', 'float64'] as const).find((d) => d === m.data_type) ??
      bad(`Zarr data type ${m.data_type} is not supported`);
    const codecs = (m.codecs ?? []) as { name: string; configuration?: Record<string, unknown> }[];
    if (codecs.some((c) => c.name === 'sharding_indexed')) bad('sharded Zarr v3 arrays are not supported');
    const bytes = codecs.find((c) => c.name === 'bytes');
    if (bytes?.configuration?.endian === 'big') bad('big-endian Zarr arrays are not supported');
    const other = codecs.filter((c) => c.name !== 'bytes').map((c) => c.name);
    if (other.length > 1 || (other[0] && other[0] !== 'gzip' && other[0] !== 'zlib' && other[0] !== 'blosc'))
      bad(`Zarr codecs ${other.join(', ')} are not supported (blosc with lz4 or zlib, gzip or none; re-save the image with one of these, or as a tiled TIFF)`);
    codec = (other[0] as 'gzip' | 'blosc' | undefined) ?? 'none';
    fill = typeof m.fill_value === 'number' ? m.fill_value : 0;
    const enc = m.chunk_key_encoding ?? { name: 'default' };
    const sep = enc.configuration?.separator ?? (enc.name === 'v2' ? '.' : '/');
    key = (idx) => (enc.name === 'v2' ? idx.join(sep) : ['c', ...idx].join(sep));
  } else return bad('is not a Zarr array (no .zarray or zarr.json)');
  const size = chunks.reduce((a, b) => a * b, 1);
  return {
    dir,
    shape,
    chunks,
    dtype,
    async readChunk(idx) {
      const file = path.join(dir, ...key(idx).split('/'));
      let raw: Buffer;
      try {
        raw = await fs.promises.readFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        return new Float64Array(size).fill(fill); // a chunk never written holds the fill value
      }
      let bytes: Uint8Array;
      try {
        bytes = codec === 'none' ? raw : codec === 'zlib' ? zlib.inflateSync(raw) : codec === 'gzip' ? zlib.gunzipSync(raw) : bloscDecompress(raw);
      } catch (e) {
        throw new NucleiInputError(file, `cannot decompress this Zarr chunk (${(e as Error).message})`);
      }
      if (bytes.length !== size * BYTES[dtype]) throw new NucleiInputError(file, `Zarr chunk has ${bytes.length} bytes, expected ${size * BYTES[dtype]}`);
      return typed(dtype, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
    },
  };
}

/** A Zarr v2 array being written chunk by chunk (zlib, C order, '/' chunk keys). */
export interface ZarrWriter {
  dir: string;
  shape: number[];
  chunks: number[];
  writeChunk(idx: number[], values: ArrayLike<number>): Promise<void>;
}

const V2_NAMES: Record<ZarrDtype, string> = { uint8: '|u1', uint16: '<u2', uint32: '<u4', int16: '<i2', int32: '<i4', float32: '<f4', float64: '<f8' };

/** Creates a Zarr v2 array (its `.zarray`); chunks never written read as 0. */
export async function createZarrArray(dir: string, shape: number[], chunks: number[], dtype: ZarrDtype): Promise<ZarrWriter> {
  await fs.promises.mkdir(dir, { recursive: true });
  const meta = {
    zarr_format: 2,
    shape,
    chunks,
    dtype: V2_NAMES[dtype],
    compressor: { id: 'zlib', level: 1 },
    fill_value: 0,
    order: 'C',
    filters: null,
    dimension_separator: '/',
  };
  await writeFileAtomic(path.join(dir, '.zarray'), JSON.stringify(meta, null, 2) + '\n');
  const size = chunks.reduce((a, b) => a * b, 1);
  return {
    dir,
    shape,
    chunks,
    async writeChunk(idx, values) {
      if (values.length !== size) throw new RangeError(`chunk of ${values.length} values, expected ${size}`);
      const arr =
        dtype === 'uint32'
          ? Uint32Array.from(values)
          : dtype === 'uint8'
            ? Uint8Array.from(values)
            : dtype === 'uint16'
              ? Uint16Array.from(values)
              : Float32Array.from(values);
      const file = path.join(dir, ...idx.map(String));
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, zlib.deflateSync(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), { level: 1 }));
    },
  };
}

/** Writes a Zarr v2 group with attributes. */
export async function writeZarrGroup(dir: string, attributes: Record<string, unknown>): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, '.zgroup'), JSON.stringify({ zarr_format: 2 }) + '\n');
  await writeFileAtomic(path.join(dir, '.zattrs'), JSON.stringify(attributes, null, 2) + '\n');
}

/** Reads a 2-D window [y0, y0+h) x [x0, x0+w) of the last two axes of an array, with leading indices `lead` (e.g. t, c, z). */
export async function readZarrWindow(arr: ZarrArray, lead: number[], x0: number, y0: number, w: number, h: number): Promise<Float32Array> {
  const nd = arr.shape.length;
  const [ch, cw] = [arr.chunks[nd - 2], arr.chunks[nd - 1]];
  const leadChunk = lead.map((v, i) => Math.floor(v / arr.chunks[i]));
  const leadOffset = lead.reduce((acc, v, i) => acc * arr.chunks[i] + (v % arr.chunks[i]), 0) * ch * cw;
  const out = new Float32Array(w * h);
  for (let cy = Math.floor(y0 / ch); cy * ch < y0 + h; cy++) {
    for (let cx = Math.floor(x0 / cw); cx * cw < x0 + w; cx++) {
      const chunk = await arr.readChunk([...leadChunk, cy, cx]);
      const ya = Math.max(y0, cy * ch);
      const yb = Math.min(y0 + h, (cy + 1) * ch);
      const xa = Math.max(x0, cx * cw);
      const xb = Math.min(x0 + w, (cx + 1) * cw);
      for (let y = ya; y < yb; y++) {
        const src = leadOffset + (y - cy * ch) * cw - cx * cw;
        const dst = (y - y0) * w - x0;
        for (let x = xa; x < xb; x++) out[dst + x] = chunk[src + x];
      }
    }
  }
  return out;
}
