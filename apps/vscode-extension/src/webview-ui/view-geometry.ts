// How the viewers (the image viewer and the slide viewer) place an image on their canvas, written
// once: the canvas sized to its stage in device pixels, the fit, the zoom a row click goes to, and
// the selected nucleus's box.

/** Where the image is drawn: canvas pixel = offset + image pixel * scale. */
export interface Placement {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** Sizes the canvas to its stage in device pixels (its CSS size the stage's), when it changed. */
export function sizeToStage(view: HTMLCanvasElement, stage: HTMLElement): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.floor(stage.clientWidth * dpr));
  const h = Math.max(1, Math.floor(stage.clientHeight * dpr));
  if (view.width !== w || view.height !== h) {
    view.width = w;
    view.height = h;
    view.style.width = `${stage.clientWidth}px`;
    view.style.height = `${stage.clientHeight}px`;
  }
}

/** The whole width x height image in the canvas, centred. */
export function fitPlacement(view: HTMLCanvasElement, width: number, height: number): Placement {
  const scale = Math.min(view.width / width, view.height / height);
  return { scale, offsetX: (view.width - width * scale) / 2, offsetY: (view.height - height * scale) / 2 };
}

/**
 * The view a row click goes to: the nucleus (box, centroid) centred; small nuclei zoomed to about
 * 80 screen pixels, up to 400 % (a tiny one keeps its surroundings in view); larger views are kept.
 */
export function centredOn(view: HTMLCanvasElement, scale: number, box: readonly number[], centroidX: number, centroidY: number): Placement {
  const [, , bw, bh] = box;
  const next = Math.max(scale, Math.min(4 * (window.devicePixelRatio || 1), 80 / Math.max(bw, bh, 1)));
  // Centroids put pixel centres at +0.5 (as the CSV).
  return { scale: next, offsetX: view.width / 2 - centroidX * next, offsetY: view.height / 2 - centroidY * next };
}

/** A selected nucleus's box at screen resolution (the context untransformed), dark under light so it shows on bright and dark images alike. */
export function strokeSelection(ctx: CanvasRenderingContext2D, box: readonly number[], at: Placement): void {
  const dpr = window.devicePixelRatio || 1;
  const [bx, by, bw, bh] = box;
  const r = [at.offsetX + bx * at.scale - 3 * dpr, at.offsetY + by * at.scale - 3 * dpr, bw * at.scale + 6 * dpr, bh * at.scale + 6 * dpr] as const;
  ctx.lineWidth = 4 * dpr;
  ctx.strokeStyle = '#000';
  ctx.strokeRect(...r);
  ctx.lineWidth = 2 * dpr;
  ctx.strokeStyle = '#00e5ff';
  ctx.strokeRect(...r);
}
