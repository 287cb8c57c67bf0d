// A slide segmented on this machine, the way `nuclei segment` and the VS Code extension do it:
// the plan written to a hidden work folder beside the outputs, every block, the merge. The work
// folder stays when interrupted (or cancelled), so the next run resumes from the finished blocks.
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { NucleiInputError, readPixelSize, writeFileAtomic } from '@nuclei/data';
import type { TilePredictor } from '@nuclei/model';
import type { SegmentOptions } from '@nuclei/segmentation';
import { createPlan } from './create-plan';
import { mergeSlide, refuseExistingOutputs, type SlideSummary } from './merge';
import type { SlidePlan } from './plan';
import { runShard, type ShardProgress } from './run';
import { openSlideSource, type SlideSource } from './source';

/** The plan's file name in a work folder. */
export const PLAN_FILE = 'plan.json';

/** Images above this many pixels are segmented block by block (their outputs: the slide outputs). */
export const BLOCKWISE_PIXELS = 50_000_000;

export interface SlideSettings {
  model: string;
  options: SegmentOptions;
  block?: number;
  halo?: number;
  shards?: number;
  channel?: number;
  pixelSize?: number;
}

/** Why `file` goes block by block (an OME-Zarr folder, a large image, `forced`), or undefined. */
export async function blockwiseReason(file: string, forced: boolean): Promise<string | undefined> {
  if (fs.statSync(file).isDirectory()) return 'an OME-Zarr image';
  if (forced) return '--blocks';
  const meta = await sharp(file, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  const px = (meta?.width ?? 0) * (meta?.height ?? 0);
  return px > BLOCKWISE_PIXELS ? `${(px / 1e6).toFixed(0)} megapixels, above ${BLOCKWISE_PIXELS / 1e6}` : undefined;
}

/** A slide's output name: the file name without its image extension (`s.ome.tif` -> `s`). */
export function slideBase(image: string): string {
  return path.basename(image.replace(/[\\/]+$/, '')).replace(/(\.ome)?\.(tiff?|zarr|png|jpe?g|svs|btf)$/i, '');
}

/** The microns per pixel a file records (TIFF tags, OME-XML, ImageJ), none for other inputs. */
function recordedPixelSize(image: string): number | undefined {
  if (fs.statSync(image).isDirectory()) return undefined;
  try {
    return readPixelSize(image)?.microns;
  } catch {
    return undefined;
  }
}

/** A plan for `image`, written to DIR/plan.json (an identical plan there is kept, with its finished blocks). */
export async function writePlan(image: string, dir: string, s: SlideSettings, overwrite: boolean): Promise<{ plan: SlidePlan; source: SlideSource }> {
  const source = await openSlideSource(path.resolve(image), { channel: s.channel });
  const plan = await createPlan(source, {
    model: s.model,
    options: s.options,
    block: s.block,
    halo: s.halo,
    shards: s.shards,
    channel: s.channel,
    pixelSize: s.pixelSize ?? recordedPixelSize(image),
  });
  const file = path.join(dir, PLAN_FILE);
  if (fs.existsSync(file)) {
    const old = (() => {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')) as SlidePlan;
      } catch {
        return undefined;
      }
    })();
    if (old?.id === plan.id) return { plan, source };
    if (!overwrite) throw new NucleiInputError(file, `holds another plan (of ${old?.image ?? 'an unreadable file'}); --overwrite replaces it`);
  }
  await fs.promises.mkdir(dir, { recursive: true });
  await writeFileAtomic(file, JSON.stringify(plan, null, 2) + '\n');
  return { plan, source };
}

/**
 * Segments a slide here: plan, every block, merge into `out` as `base`'s outputs, in a hidden work
 * folder beside them (removed once merged). Existing outputs are refused unless `overwrite`.
 * `onBlock` follows the blocks; `signal` cancels between tiles (the finished blocks are kept).
 */
export async function segmentSlide(
  image: string,
  out: string,
  base: string,
  s: SlideSettings & { overwrite: boolean },
  predictor: TilePredictor,
  options: { onBlock?: (p: ShardProgress) => void; signal?: AbortSignal } = {},
): Promise<SlideSummary> {
  if (!s.overwrite) refuseExistingOutputs(out, base);
  const work = path.join(out, `.${base}.slide`);
  // The source writePlan opened and measured: not opened a second time.
  const { plan, source } = await writePlan(image, work, s, true);
  await runShard(work, plan, 0, 1, source, predictor, options);
  const summary = await mergeSlide(work, plan, out, base, { overwrite: s.overwrite });
  fs.rmSync(work, { recursive: true, force: true });
  return summary;
}
