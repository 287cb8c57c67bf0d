import * as path from 'path';
import { NucleiInputError, type Rect, type RgbImage } from '@nuclei/data';
import { deepImage, type SlideSource, type SourceOptions } from './source';
import { openZarrArray, readZarrWindow, zarrAttributes } from './zarr';

interface Multiscale {
  axes?: ({ name: string } | string)[];
  datasets: { path: string }[];
}

/**
 * An OME-Zarr image (NGFF 0.4 `.zattrs` or 0.5 `zarr.json` `ome`): its full-resolution level,
 * read chunk by chunk. Axes t, c, z come first (t and z at index 0); c is the channel: a
 * three-channel 8-bit image without `channel` is RGB, any other several-channel image needs one.
 */
export function openZarrImage(dir: string, options: SourceOptions): SlideSource {
  const attrs = zarrAttributes(dir);
  if (!attrs) throw new NucleiInputError(dir, 'is a folder, not an image or an OME-Zarr image (no .zattrs or zarr.json)');
  const ome = (attrs.ome as Record<string, unknown> | undefined) ?? attrs;
  const ms = (ome.multiscales as Multiscale[] | undefined)?.[0];
  if (!ms?.datasets?.length) throw new NucleiInputError(dir, 'is a Zarr group without OME-Zarr multiscales metadata');
  const arr = openZarrArray(path.join(dir, ms.datasets[0].path));
  const names = (ms.axes ?? ['t', 'c', 'z', 'y', 'x'].slice(5 - arr.shape.length)).map((a) => (typeof a === 'string' ? a : a.name));
  if (names.length !== arr.shape.length || names[names.length - 2] !== 'y' || names[names.length - 1] !== 'x')
    throw new NucleiInputError(dir, `OME-Zarr axes ${names.join(',')} are not supported (the last two must be y, x)`);
  const height = arr.shape[names.length - 2];
  const width = arr.shape[names.length - 1];
  const ci = names.indexOf('c');
  const nc = ci >= 0 ? arr.shape[ci] : 1;
  const labels = ((ome.omero as { channels?: { label?: string }[] } | undefined)?.channels ?? []).map((c, i) => c.label ?? `${i}`);
  const { channel } = options;
  if (channel !== undefined && !(Number.isInteger(channel) && channel >= 0 && channel < nc))
    throw new NucleiInputError(dir, `channel ${channel} is out of range: the image has ${nc} channels (0..${nc - 1})`);
  const rgb = channel === undefined && nc === 3 && arr.dtype === 'uint8';
  if (channel === undefined && nc > 1 && !rgb)
    throw new NucleiInputError(
      dir,
      `has ${nc} channels (${labels.length ? labels.map((l, i) => `${i}: ${l}`).join(', ') : `0..${nc - 1}`}); choose the nuclear one with --channel N`,
    );
  const picks = rgb ? [0, 1, 2] : [channel ?? 0];
  const lead = (c: number) => names.slice(0, -2).map((n) => (n === 'c' ? c : 0));
  const deep = arr.dtype !== 'uint8';
  const range = { uint16: 65535, int16: 32767, uint32: 4294967295, int32: 2147483647 }[arr.dtype as 'uint16'] ?? 1;
  const readRegion = async (r: Rect): Promise<RgbImage> => {
    const planes = await Promise.all(picks.map((c) => readZarrWindow(arr, lead(c), r.x, r.y, r.width, r.height)));
    const n = r.width * r.height;
    const k = planes.length;
    const values = new Float32Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) values[i * k + c] = planes[c][i];
    if (deep) return deepImage(values, r.width, r.height, k, range, arr.dtype);
    const data = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = values[i * k + Math.min(c, k - 1)];
    return { width: r.width, height: r.height, data };
  };
  return { path: dir, width, height, depth: deep ? arr.dtype : 'uchar', gray: !rgb, readRegion };
}
