// Full-resolution detail over a downsampled display. Images above MAX_DISPLAY_PIXELS reach the page
// shrunk (and its layers are drawn at the same step); once the view magnifies that copy (more than
// one screen pixel per display pixel) the part in view, with a margin, is asked from the host at
// full resolution, and the overlay's layers of that part are drawn from the full label image, so
// outlines can be checked pixel by pixel at any zoom.
import type { Box } from '@nuclei/segmentation/label-edit';
import { MAX_REGION_PIXELS, type Region } from '../webview/messages';
import { stretchLevels } from './contrast';
import { buildRegionLayers, updateLayers, type Layers } from './layers';

/** Where the image is drawn on the canvas: canvas pixel = offset + image pixel * scale. */
export interface ViewPlacement {
  scale: number;
  offsetX: number;
  offsetY: number;
  /** Canvas size in canvas pixels. */
  width: number;
  height: number;
}

/** How long the view must rest before a new part is asked for (panning asks once, at the end). */
const SETTLE_MS = 120;

/**
 * The part of the image to show at full resolution for a view, with a quarter of the view as a
 * margin each way (a short pan stays inside it), or undefined when the display is enough: not
 * downsampled, not magnified past its own resolution, or a part too large to ask for.
 */
export function detailWanted(view: ViewPlacement, width: number, height: number, step: number): Box | undefined {
  if (step <= 1 || view.scale * step <= 1) return undefined;
  const x0 = -view.offsetX / view.scale;
  const y0 = -view.offsetY / view.scale;
  const w = view.width / view.scale;
  const h = view.height / view.scale;
  const box = {
    x0: Math.max(0, Math.floor(x0 - w / 4)),
    y0: Math.max(0, Math.floor(y0 - h / 4)),
    x1: Math.min(width, Math.ceil(x0 + w + w / 4)),
    y1: Math.min(height, Math.ceil(y0 + h + h / 4)),
  };
  if (box.x1 <= box.x0 || box.y1 <= box.y0) return undefined;
  return (box.x1 - box.x0) * (box.y1 - box.y0) <= MAX_REGION_PIXELS ? box : undefined;
}

const inside = (a: Box, b: Box) => a.x0 >= b.x0 && a.y0 >= b.y0 && a.x1 <= b.x1 && a.y1 <= b.y1;

export class Detail {
  /** The part shown, its pixels as received, the contrast-stretched copy drawn, and its layers. */
  private box: Box | undefined;
  private raw: ImageData | undefined;
  private shown: HTMLCanvasElement | undefined;
  private layers: Layers | undefined;
  private asked: Box | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped for every new image: answers about an earlier one are dropped. */
  private generation = 0;

  constructor(private readonly ask: (region: Region) => void) {}

  /** A new image (or none): everything about the last one goes. */
  reset(): void {
    this.generation++;
    this.box = this.raw = this.shown = this.layers = this.asked = undefined;
    if (this.timer) clearTimeout(this.timer);
  }

  /** After each draw: asks (once the view rests) for the part in view when the display no longer shows it well. */
  want(view: ViewPlacement, width: number, height: number, step: number): void {
    if (this.timer) clearTimeout(this.timer);
    const wanted = detailWanted(view, width, height, step);
    if (!wanted) return;
    // Only the part in view (without the margin) needs to be covered already.
    const w = view.width / view.scale;
    const h = view.height / view.scale;
    const visible = {
      x0: Math.max(0, Math.floor(-view.offsetX / view.scale)),
      y0: Math.max(0, Math.floor(-view.offsetY / view.scale)),
      x1: Math.min(width, Math.ceil(-view.offsetX / view.scale + w)),
      y1: Math.min(height, Math.ceil(-view.offsetY / view.scale + h)),
    };
    if ((this.box && inside(visible, this.box)) || (this.asked && inside(visible, this.asked))) return;
    this.timer = setTimeout(() => {
      this.asked = wanted;
      this.ask({ x: wanted.x0, y: wanted.y0, width: wanted.x1 - wanted.x0, height: wanted.y1 - wanted.y0 });
    }, SETTLE_MS);
  }

  /** The host's answer: decoded, stretched to `levels`, its layers built from `labels`; `done` when it can be drawn. */
  receive(region: Region & { src: string }, labels: Int32Array, width: number, height: number, levels: [number, number], done: () => void): void {
    const generation = this.generation;
    const img = new Image();
    img.onload = () => {
      if (generation !== this.generation) return;
      const c = document.createElement('canvas');
      c.width = region.width;
      c.height = region.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      this.raw = ctx.getImageData(0, 0, c.width, c.height);
      this.shown = c;
      this.box = { x0: region.x, y0: region.y, x1: region.x + region.width, y1: region.y + region.height };
      this.asked = undefined;
      this.layers = buildRegionLayers(width, height, labels, this.box);
      this.setLevels(levels);
      done();
    };
    img.src = region.src;
  }

  /** The display contrast changed: the detail follows it. */
  setLevels([low, high]: [number, number]): void {
    if (!this.raw || !this.shown) return;
    const out = new ImageData(this.raw.width, this.raw.height);
    stretchLevels(this.raw.data, low, high, out.data);
    this.shown.getContext('2d')!.putImageData(out, 0, 0);
  }

  /** Other labels are drawn (the filters changed): the detail's layers are rebuilt from them. */
  relabel(labels: Int32Array, width: number, height: number): void {
    if (this.box) this.layers = buildRegionLayers(width, height, labels, this.box);
  }

  /** Labels changed inside `box` (an edit): the detail's layers there are redrawn. */
  update(labels: Int32Array, width: number, height: number, box: Box): void {
    if (this.layers) updateLayers(this.layers, width, height, labels, box);
  }

  /** What to draw over the display copy, in image pixels (undefined: nothing yet). */
  get part(): { box: Box; image: HTMLCanvasElement; fill: HTMLCanvasElement; outline: HTMLCanvasElement } | undefined {
    if (!this.box || !this.shown || !this.layers) return undefined;
    return { box: this.box, image: this.shown, fill: this.layers.fill, outline: this.layers.outline };
  }
}
