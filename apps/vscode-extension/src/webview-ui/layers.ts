// The viewer's overlay layers: the nuclei filled and outlined in their colours, with the saved
// overlay's edge rule, drawn at most MAX_DISPLAY_PIXELS big (large images are downsampled for
// display; hover, click and the table use the full-resolution labels). After an edit only the
// edit's box is redrawn, so correcting one nucleus of a large image costs what the box costs.
import { labelColour } from '@nuclei/segmentation/label-colours';
import type { Box } from '@nuclei/segmentation/label-edit';
import { displayStep } from '../webview/messages';

export interface Layers {
  fill: HTMLCanvasElement;
  outline: HTMLCanvasElement;
  /** Image pixels per display pixel (each way). */
  step: number;
  /** Image pixel at the layers' top left (a full-resolution detail of a part of the image); default 0, 0. */
  x0?: number;
  y0?: number;
}

/** The overlay's two layers for a label image: fill (every nucleus pixel) and outline, at display resolution. */
export function buildLayers(width: number, height: number, lab: Int32Array): Layers {
  const k = displayStep(width, height);
  const fill = document.createElement('canvas');
  const outline = document.createElement('canvas');
  fill.width = outline.width = Math.ceil(width / k);
  fill.height = outline.height = Math.ceil(height / k);
  const layers = { fill, outline, step: k };
  updateLayers(layers, width, height, lab, { x0: 0, y0: 0, x1: width, y1: height });
  return layers;
}

/** Full-resolution layers of one part of the image (`box`, half-open, in image pixels), for a zoomed-in view of a large image. */
export function buildRegionLayers(width: number, height: number, lab: Int32Array, box: Box): Layers {
  const fill = document.createElement('canvas');
  const outline = document.createElement('canvas');
  fill.width = outline.width = box.x1 - box.x0;
  fill.height = outline.height = box.y1 - box.y0;
  const layers = { fill, outline, step: 1, x0: box.x0, y0: box.y0 };
  updateLayers(layers, width, height, lab, box);
  return layers;
}

/**
 * Redraws the layers where an edit changed the labels (`box`, half-open, in image pixels): the fill
 * inside it, the outline one pixel beyond it (a neighbour's edge depends on the pixels in the box).
 * Each display pixel is drawn from the labels alone, so nothing is read back from the canvases.
 */
export function updateLayers(layers: Layers, width: number, height: number, lab: Int32Array, box: Box): void {
  const k = layers.step;
  // Layer pixel (x, y) shows image pixel (lx + x * k, ly + y * k); the box is taken in layer pixels.
  const lx = layers.x0 ?? 0;
  const ly = layers.y0 ?? 0;
  const dw = layers.fill.width;
  const dh = layers.fill.height;
  const colours = new Map<number, [number, number, number]>();
  const colourOf = (id: number) => {
    let col = colours.get(id);
    if (!col) {
      col = labelColour(id);
      colours.set(id, col);
    }
    return col;
  };
  // Fill: the label at each display pixel's corner sample (nearest neighbour when downsampled);
  // the display pixels whose sample lies in the box.
  const fx0 = Math.max(0, Math.ceil((box.x0 - lx) / k));
  const fy0 = Math.max(0, Math.ceil((box.y0 - ly) / k));
  const fx1 = Math.min(dw, Math.ceil((box.x1 - lx) / k));
  const fy1 = Math.min(dh, Math.ceil((box.y1 - ly) / k));
  if (fx1 > fx0 && fy1 > fy0) {
    const ctx = layers.fill.getContext('2d')!;
    const out = ctx.createImageData(fx1 - fx0, fy1 - fy0);
    const w = fx1 - fx0;
    for (let y = fy0; y < fy1; y++) {
      for (let x = fx0; x < fx1; x++) {
        const id = lab[(ly + y * k) * width + lx + x * k];
        if (id <= 0) continue;
        const col = colourOf(id);
        const o = ((y - fy0) * w + (x - fx0)) * 4;
        out.data[o] = col[0];
        out.data[o + 1] = col[1];
        out.data[o + 2] = col[2];
        out.data[o + 3] = 255;
      }
    }
    ctx.putImageData(out, fx0, fy0);
  }
  // Outline: the saved overlay's edge rule and colour (nucleus pixels next to another label, in the
  // nucleus colour, opaque; the image border is not an edge; as outlineOf in label-colours), every
  // edge pixel kept when downsampled (in row order, the last edge pixel of a block gives its colour).
  const ox0 = Math.max(0, Math.floor((box.x0 - 1 - lx) / k));
  const oy0 = Math.max(0, Math.floor((box.y0 - 1 - ly) / k));
  const ox1 = Math.min(dw, Math.ceil((box.x1 + 1 - lx) / k));
  const oy1 = Math.min(dh, Math.ceil((box.y1 + 1 - ly) / k));
  if (ox1 <= ox0 || oy1 <= oy0) return;
  const ctx = layers.outline.getContext('2d')!;
  const w = ox1 - ox0;
  const out = ctx.createImageData(w, oy1 - oy0);
  const xEnd = Math.min(width, lx + ox1 * k);
  const yEnd = Math.min(height, ly + oy1 * k);
  for (let y = ly + oy0 * k; y < yEnd; y++) {
    const row = ((((y - ly) / k) | 0) - oy0) * w;
    for (let x = lx + ox0 * k; x < xEnd; x++) {
      const i = y * width + x;
      const l = lab[i];
      if (l <= 0) continue;
      if ((x > 0 && lab[i - 1] !== l) || (x < width - 1 && lab[i + 1] !== l) || (y > 0 && lab[i - width] !== l) || (y < height - 1 && lab[i + width] !== l)) {
        const col = colourOf(l);
        const o = (row + (((x - lx) / k) | 0) - ox0) * 4;
        out.data[o] = col[0];
        out.data[o + 1] = col[1];
        out.data[o + 2] = col[2];
        out.data[o + 3] = 255;
      }
    }
  }
  ctx.putImageData(out, ox0, oy0);
}
