// The viewer's overlay layers: the nuclei filled and outlined in their colours, with the saved
// overlay's edge rule, drawn at most MAX_DISPLAY_PIXELS big (large images are downsampled for
// display; hover, click and the table use the full-resolution labels).
import { labelColour, outlineOf } from '@nuclei/segmentation/label-colours';
import { MAX_DISPLAY_PIXELS } from '../webview/messages';

/**
 * The display step: 1, or the factor that brings a large image's layers and contrast copy under
 * MAX_DISPLAY_PIXELS (hover, click and the table stay exact: they use the full label image).
 */
export function displayStep(width: number, height: number): number {
  return Math.max(1, Math.ceil(Math.sqrt((width * height) / MAX_DISPLAY_PIXELS)));
}

/** The overlay's two layers for a label image: fill (every nucleus pixel) and outline, at display resolution. */
export function buildLayers(width: number, height: number, lab: Int32Array): { fill: HTMLCanvasElement; outline: HTMLCanvasElement; step: number } {
  const k = displayStep(width, height);
  const dw = Math.ceil(width / k);
  const dh = Math.ceil(height / k);
  const fill = document.createElement('canvas');
  const outline = document.createElement('canvas');
  fill.width = outline.width = dw;
  fill.height = outline.height = dh;
  const fctx = fill.getContext('2d')!;
  const octx = outline.getContext('2d')!;
  const fdata = fctx.createImageData(dw, dh);
  const odata = octx.createImageData(dw, dh);
  const colours = new Map<number, [number, number, number]>();
  const colourOf = (id: number) => {
    let col = colours.get(id);
    if (!col) {
      col = labelColour(id);
      colours.set(id, col);
    }
    return col;
  };
  // Fill: the label at each display pixel's corner sample (nearest neighbour when downsampled).
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const id = lab[y * k * width + x * k];
      if (id <= 0) continue;
      const col = colourOf(id);
      const o = (y * dw + x) * 4;
      fdata.data[o] = col[0];
      fdata.data[o + 1] = col[1];
      fdata.data[o + 2] = col[2];
      fdata.data[o + 3] = 255;
    }
  }
  // Outline: the saved overlay's edge rule and colour (nucleus pixels next to another label, in the
  // nucleus colour, opaque; the image border is not an edge), every edge pixel kept when downsampled.
  const edges = outlineOf(lab, width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (edges[y * width + x] !== 1) continue;
      const col = colourOf(lab[y * width + x]);
      const o = (((y / k) | 0) * dw + ((x / k) | 0)) * 4;
      odata.data[o] = col[0];
      odata.data[o + 1] = col[1];
      odata.data[o + 2] = col[2];
      odata.data[o + 3] = 255;
    }
  }
  fctx.putImageData(fdata, 0, 0);
  octx.putImageData(odata, 0, 0);
  return { fill, outline, step: k };
}
