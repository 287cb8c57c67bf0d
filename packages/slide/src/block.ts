import type { IntensityChannel, Rect, RgbImage } from '@nuclei/data';
import type { TilePredictor } from '@nuclei/model';
import { instancesFromPrediction, labelComponents, measureNuclei, outlines, predictRegion, regionNeeded, type NucleusMeasurements } from '@nuclei/segmentation';
import type { BlockPlan, SlidePlan } from './plan';
import { cropImage, type SlideSource } from './source';

/** A nucleus a block owns, in slide coordinates. */
export interface BlockNucleus {
  measurements: NucleusMeasurements;
  /** Outline on pixel corners, slide coordinates. */
  outline: [number, number][];
}

/** What a shard writes for one block: its own nuclei (whole, even where they reach into a neighbour's core). */
export interface BlockResult {
  planId: string;
  index: number;
  zone: Rect;
  /** Over the zone: the owned nuclei 1..count, everything else 0. */
  labels: Int32Array;
  count: number;
  nuclei: BlockNucleus[];
  /** Owned nuclei whose cluster reaches the zone's edge inside the slide: their shape may depend on the block (raise the halo). */
  uncertain: number;
  /** Model calls' worth of tiles. */
  tiles: number;
  /** The core shrunk by the plan's preview factor (area average), RGB, at `preview.x, preview.y` of the preview image. */
  preview: Rect & { data: Uint8Array };
}

/**
 * Segments one block as the whole slide would be segmented: the tiles over its zone (core + halo)
 * come from the whole slide's tile grid and its normalisation, so every pixel's prediction is the
 * one-pass value; a nucleus belongs to the block whose core holds its centroid (StarDist's rule),
 * so each is kept whole and exactly once.
 */
export async function segmentBlock(
  plan: SlidePlan,
  block: BlockPlan,
  source: SlideSource,
  predictor: TilePredictor,
  signal?: AbortSignal,
): Promise<BlockResult> {
  const { zone, core } = block;
  const whole = { width: plan.width, height: plan.height };
  const read = regionNeeded(plan.width, plan.height, zone, predictor.size, plan.options);
  const region = await source.readRegion(read);
  const pred = await predictRegion(region, read, whole, zone, predictor, { ...plan.options, ranges: plan.ranges, signal });
  const inst = instancesFromPrediction(pred, plan.options);
  const W = zone.width;
  const H = zone.height;
  // Clusters (connected foreground) within 3 px of an edge of the zone that is not the slide's
  // edge may be cut by the zone: their nuclei can differ from a one-pass run.
  const domain = new Uint8Array(W * H);
  for (let i = 0; i < domain.length; i++) domain[i] = inst.mask[i] || inst.labels[i] ? 1 : 0;
  const clusters = labelComponents(domain, W, H, 8);
  const cut = new Uint8Array(clusters.count + 1);
  const m = 3;
  const open = { left: zone.x > 0, top: zone.y > 0, right: zone.x + W < plan.width, bottom: zone.y + H < plan.height };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = clusters.labels[y * W + x];
      if (c && ((open.left && x < m) || (open.top && y < m) || (open.right && x >= W - m) || (open.bottom && y >= H - m))) cut[c] = 1;
    }
  }
  // Centroids (slide coordinates) decide the owner.
  const n = inst.count;
  const sx = new Float64Array(n + 1);
  const sy = new Float64Array(n + 1);
  const area = new Float64Array(n + 1);
  const isCut = new Uint8Array(n + 1);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const l = inst.labels[y * W + x];
      if (!l) continue;
      sx[l] += x;
      sy[l] += y;
      area[l]++;
      if (cut[clusters.labels[y * W + x]]) isCut[l] = 1;
    }
  }
  const keep = new Int32Array(n + 1);
  let count = 0;
  let uncertain = 0;
  for (let l = 1; l <= n; l++) {
    if (!area[l]) continue;
    const cx = Math.floor(zone.x + sx[l] / area[l]);
    const cy = Math.floor(zone.y + sy[l] / area[l]);
    if (cx < core.x || cx >= core.x + core.width || cy < core.y || cy >= core.y + core.height) continue;
    keep[l] = ++count;
    if (isCut[l]) uncertain++;
  }
  const labels = new Int32Array(W * H);
  for (let i = 0; i < labels.length; i++) labels[i] = keep[inst.labels[i]];
  const zoneChannels = slideChannels(cropImage(region, read, zone), source.gray);
  const px = plan.pixelSize ?? 1;
  const measured = measureNuclei(labels, W, H, count, zoneChannels, { pixelSize: px });
  const polygons = outlines(labels, W, H, count);
  const nuclei = measured.map((row) => ({
    measurements: {
      ...row,
      centroidX: row.centroidX + zone.x * px,
      centroidY: row.centroidY + zone.y * px,
      bboxX: row.bboxX + zone.x * px,
      bboxY: row.bboxY + zone.y * px,
    },
    outline: (polygons.get(row.label) ?? []).map(([x, y]): [number, number] => [x + zone.x, y + zone.y]),
  }));
  return {
    planId: plan.id,
    index: block.index,
    zone,
    labels,
    count,
    nuclei,
    uncertain,
    tiles: pred.tiles,
    preview: shrink(region, read, core, plan.previewFactor),
  };
}

/**
 * The intensity channels of a block, the same for every block of a slide: one for a gray slide,
 * red, green and blue for a colour one, decided by the slide and never by a block (a colour block
 * that happens to be all gray must keep the slide's measurement columns). Names as
 * `intensityChannelsOf` gives them for whole images.
 */
function slideChannels(image: RgbImage, gray: boolean): IntensityChannel[] {
  const n = image.width * image.height;
  const { data, channels } = image.source ?? { data: image.data, channels: 3 };
  const band = (k: number) => Float32Array.from({ length: n }, (_, i) => data[i * channels + k]);
  return gray || channels === 1 ? [{ name: 'ch0', values: band(0) }] : ['red', 'green', 'blue'].map((name, k) => ({ name, values: band(k) }));
}

/** The core of a region shrunk by `f` (area average of f x f cells; cells cut by the slide's edge average what they hold). */
function shrink(region: RgbImage, at: { x: number; y: number }, core: Rect, f: number): Rect & { data: Uint8Array } {
  const w = Math.ceil(core.width / f);
  const h = Math.ceil(core.height / f);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sum = [0, 0, 0];
      let k = 0;
      for (let yy = core.y + y * f; yy < Math.min(core.y + core.height, core.y + (y + 1) * f); yy++) {
        for (let xx = core.x + x * f; xx < Math.min(core.x + core.width, core.x + (x + 1) * f); xx++) {
          const i = ((yy - at.y) * region.width + (xx - at.x)) * 3;
          for (let c = 0; c < 3; c++) sum[c] += region.data[i + c];
          k++;
        }
      }
      for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.round(sum[c] / k);
    }
  }
  return { x: core.x / f, y: core.y / f, width: w, height: h, data };
}
