import { spawnSync } from 'child_process';
import { bloscDecompress, lz4Block } from './blosc';

// Frames written by Python's numcodecs (Debian python3-numcodecs, c-blosc inside): what Zarr and
// ome-zarr-py write by default. Skipped with a message where Python's zarr stack is absent.
const SCRIPT = `
import sys, json, numpy as np
from numcodecs import Blosc
a = ((np.arange(70001) * 7919) % 65521).astype(np.uint16)
a[1000:30000] = 42  # runs, so lz4 finds matches
out = []
for cname, shuffle, blocksize in [("lz4", 1, 0), ("lz4", 0, 0), ("lz4", 1, 4096), ("zlib", 1, 0), ("lz4hc", 1, 10000)]:
    b = Blosc(cname=cname, clevel=5, shuffle=shuffle, blocksize=blocksize).encode(a)
    out.append({"name": f"{cname} shuffle={shuffle} blocksize={blocksize}", "hex": b.hex()})
print(json.dumps({"data": a.tobytes().hex(), "frames": out}))
`;

describe('blosc', () => {
  const py = spawnSync('/usr/bin/python3', ['-c', SCRIPT], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (py.status !== 0) console.warn(`blosc frames from Python skipped: ${py.stderr.trim().split('\n').pop() ?? 'no /usr/bin/python3'}`);
  (py.status === 0 ? it : it.skip)('decompresses what numcodecs writes (lz4 and zlib, shuffled or not, split and leftover blocks)', () => {
    const { data, frames } = JSON.parse(py.stdout) as { data: string; frames: { name: string; hex: string }[] };
    const want = Buffer.from(data, 'hex');
    for (const f of frames) expect([f.name, Buffer.compare(Buffer.from(bloscDecompress(Buffer.from(f.hex, 'hex'))), want)]).toEqual([f.name, 0]);
  });

  it('lz4 blocks: literals, overlapping matches, long lengths; damage is refused', () => {
    // "abc" then a match of offset 3, length 4 + 15 + 2 = 21 (overlapping), then 2 literals.
    const src = Uint8Array.from([0x3f, 97, 98, 99, 3, 0, 2, 0x20, 120, 121]);
    const out = new Uint8Array(3 + 21 + 2);
    lz4Block(src, out);
    expect(Buffer.from(out).toString()).toBe('abc'.repeat(8) + 'xy');
    expect(() => lz4Block(Uint8Array.from([0x1f, 97, 9, 0, 0]), new Uint8Array(30))).toThrow(/damaged lz4 stream/);
    expect(() => bloscDecompress(Uint8Array.from([2, 1, 0x81, 2, 8, 0, 0, 0, 8, 0, 0, 0, 40, 0, 0, 0]))).toThrow(/zstd streams are not supported/);
  });
});
