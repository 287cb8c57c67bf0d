import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { NucleiInputError, writeFileAtomic, type Rect } from '@nuclei/data';
import { flatMeasurements, measurementsCsv, nucleusFeature, renderOverlay } from '@nuclei/segmentation';
import { readBlockData, readBlockMeta, type BlockMeta } from './block-file';
import { createLabelsZarr, pyramidLevels } from './ome-zarr-labels';
import type { SlidePlan } from './plan';
import { blockFile } from './run';
import { openZarrArray, readZarrWindow } from './zarr';

/** The files merge writes for a slide named `base`. */
export function slideOutputPaths(outDir: string, base: string) {
  return {
    zarr: path.join(outDir, `${base}.ome.zarr`),
    measurements: path.join(outDir, `${base}_measurements.csv`),
    geojson: path.join(outDir, `${base}.geojson`),
    overlay: path.join(outDir, `${base}_overlay.png`),
    summary: path.join(outDir, `${base}.json`),
  };
}

/** Refuses (before any work) outputs that already exist: nothing is replaced without `--overwrite`. */
export function refuseExistingOutputs(outDir: string, base: string): void {
  const there = Object.values(slideOutputPaths(outDir, base)).filter((p) => fs.existsSync(p));
  if (there.length)
    throw new NucleiInputError(there[0], `already exists; refusing to replace ${there.map((p) => path.basename(p)).join(', ')} (--overwrite replaces them)`);
}

export interface SlideSummary {
  image: string;
  /** The channel (sample or page) segmented, when the image has several. */
  channel?: number;
  width: number;
  height: number;
  count: number;
  blocks: number;
  tiles: number;
  /** Nuclei in clusters wider than the halo (their shape may depend on the block border). */
  uncertain: number;
  /** Pixels two blocks both claimed (0 when the halo holds every cluster). */
  conflicts: number;
  model: string;
  pixelSize: number | null;
  outputs: ReturnType<typeof slideOutputPaths>;
  plan: { id: string; block: number; halo: number; chunk: number; previewFactor: number };
}

/** A file written through a stream to a temporary name and renamed into place when whole. */
function atomicStream(file: string) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.partial-${process.pid}`);
  const out = fs.createWriteStream(tmp);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  return {
    write,
    async close() {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await fs.promises.rename(tmp, file);
    },
    abort() {
      out.destroy();
      fs.rmSync(tmp, { force: true });
    },
  };
}

/**
 * Stitches the finished blocks of a plan into the slide's outputs: labels as an OME-Zarr pyramid
 * (ids 1..n, unique across blocks, in block order), the measurements CSV and a QuPath GeoJSON in
 * slide coordinates (both streamed), a downsampled overlay PNG and a JSON summary. Memory holds one
 * block at a time. Refuses to start while a block is missing (naming them), and never replaces an
 * existing output unless `overwrite`.
 */
export async function mergeSlide(dir: string, plan: SlidePlan, outDir: string, base: string, options: { overwrite?: boolean } = {}): Promise<SlideSummary> {
  const metas: BlockMeta[] = [];
  const missing: number[] = [];
  for (const b of plan.blocks) {
    const m = readBlockMeta(blockFile(dir, b.index), plan.id);
    if (m) metas.push(m);
    else missing.push(b.index);
  }
  if (missing.length)
    throw new NucleiInputError(
      dir,
      `${missing.length} of ${plan.blocks.length} blocks are not done (${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}); run their shards first`,
    );
  const paths = slideOutputPaths(outDir, base);
  if (!options.overwrite) refuseExistingOutputs(outDir, base);
  await fs.promises.mkdir(outDir, { recursive: true });
  const offsets: number[] = [];
  let total = 0;
  for (const m of metas) {
    offsets.push(total);
    total += m.count;
  }
  if (total > 0xffffffff) throw new RangeError(`${total} nuclei do not fit uint32 labels`);
  // Each spill run goes to the blocks whose cores it crosses.
  const cols = Math.ceil(plan.width / plan.block);
  const spillTo = new Map<number, { run: [number, number, number, number]; from: number }[]>();
  for (const m of metas) {
    for (const run of m.spill) {
      const [y, x, len] = run;
      const by = Math.floor(y / plan.block);
      for (let bx = Math.floor(x / plan.block); bx <= Math.floor((x + len - 1) / plan.block); bx++) {
        const t = by * cols + bx;
        if (!spillTo.has(t)) spillTo.set(t, []);
        spillTo.get(t)!.push({ run, from: m.index });
      }
    }
  }
  const f = plan.previewFactor;
  const pw = Math.ceil(plan.width / f);
  const ph = Math.ceil(plan.height / f);
  const preview = new Uint8Array(pw * ph * 3);
  const levels = pyramidLevels(plan.width, plan.height, plan.chunk, Math.log2(f) + 1);
  const tmpZarr = path.join(outDir, `.${base}.ome.zarr.partial-${process.pid}`);
  fs.rmSync(tmpZarr, { recursive: true, force: true });
  const zarr = await createLabelsZarr(tmpZarr, plan.width, plan.height, plan.chunk, levels);
  const csv = atomicStream(paths.measurements);
  const geo = atomicStream(paths.geojson);
  const unit = plan.pixelSize ? 'um' : 'px';
  let conflicts = 0;
  let uncertain = 0;
  let tiles = 0;
  let firstFeature = true;
  try {
    await geo.write('{"type":"FeatureCollection","features":[\n');
    let header = true;
    for (const m of metas) {
      const { nuclei, coreLabels, preview: pv } = readBlockData(blockFile(dir, m.index));
      const core = m.core;
      const off = offsets[m.index];
      const labels = new Uint32Array(core.width * core.height);
      for (let i = 0; i < labels.length; i++) if (coreLabels[i]) labels[i] = off + coreLabels[i];
      for (const { run, from } of spillTo.get(m.index) ?? []) {
        const [y, x, len, l] = run;
        const id = offsets[from] + l;
        for (let gx = Math.max(x, core.x); gx < Math.min(x + len, core.x + core.width); gx++) {
          const i = (y - core.y) * core.width + (gx - core.x);
          if (labels[i] && labels[i] !== id) {
            conflicts++;
            if (labels[i] < id) continue; // the lower id keeps a pixel two blocks claim
          }
          labels[i] = id;
        }
      }
      await writeCoreChunks(zarr.level0.writeChunk, labels, core, plan.chunk);
      const rows = nuclei.map((n) => ({ ...n.measurements, label: off + n.measurements.label }));
      if (rows.length) {
        const text = measurementsCsv(rows, unit);
        await csv.write(header ? text : text.slice(text.indexOf('\n') + 1));
        header = false;
      }
      for (let k = 0; k < nuclei.length; k++) {
        const feature = nucleusFeature(rows[k].label, nuclei[k].outline, flatMeasurements(rows[k], unit));
        await geo.write((firstFeature ? '' : ',\n') + JSON.stringify(feature));
        firstFeature = false;
      }
      for (let y = 0; y < m.preview.height; y++)
        preview.set(pv.subarray(y * m.preview.width * 3, (y + 1) * m.preview.width * 3), ((m.preview.y + y) * pw + m.preview.x) * 3);
      uncertain += m.uncertain;
      tiles += m.tiles;
    }
    if (header) await csv.write(measurementsCsv([], unit));
    await geo.write('\n]}\n');
    await zarr.finish(plan.pixelSize);
    await csv.close();
    await geo.close();
  } catch (e) {
    csv.abort();
    geo.abort();
    fs.rmSync(tmpZarr, { recursive: true, force: true });
    throw e;
  }
  // The preview: the pyramid level of the preview's scale, outlined over the shrunk slide.
  const level = openZarrArray(path.join(tmpZarr, 'labels', 'nuclei', String(Math.log2(f))));
  const small = await readZarrWindow(level, [], 0, 0, pw, ph);
  const overlay = renderOverlay({ width: pw, height: ph, data: preview }, Int32Array.from(small));
  await writeFileAtomic(
    paths.overlay,
    await sharp(Buffer.from(overlay.data), { raw: { width: pw, height: ph, channels: 3 } })
      .png()
      .toBuffer(),
  );
  fs.rmSync(paths.zarr, { recursive: true, force: true });
  await fs.promises.rename(tmpZarr, paths.zarr);
  const summary: SlideSummary = {
    image: plan.image,
    ...(plan.channel !== undefined ? { channel: plan.channel } : {}),
    width: plan.width,
    height: plan.height,
    count: total,
    blocks: metas.length,
    tiles,
    uncertain,
    conflicts,
    model: plan.model,
    pixelSize: plan.pixelSize ?? null,
    outputs: paths,
    plan: { id: plan.id, block: plan.block, halo: plan.halo, chunk: plan.chunk, previewFactor: f },
  };
  await writeFileAtomic(paths.summary, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** Writes a core's labels as the level-0 chunks it covers (cores are aligned to the chunk grid). */
async function writeCoreChunks(write: (idx: number[], v: ArrayLike<number>) => Promise<void>, labels: Uint32Array, core: Rect, chunk: number): Promise<void> {
  for (let cy = 0; cy * chunk < core.height; cy++) {
    for (let cx = 0; cx * chunk < core.width; cx++) {
      const values = new Uint32Array(chunk * chunk);
      const h = Math.min(chunk, core.height - cy * chunk);
      const w = Math.min(chunk, core.width - cx * chunk);
      for (let y = 0; y < h; y++)
        values.set(labels.subarray((cy * chunk + y) * core.width + cx * chunk, (cy * chunk + y) * core.width + cx * chunk + w), y * chunk);
      await write([(core.y + cy * chunk) / chunk, (core.x + cx * chunk) / chunk], values);
    }
  }
}
