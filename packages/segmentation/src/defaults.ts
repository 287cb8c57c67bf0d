// The defaults of prediction and the mask cut, written once: segment / predictImage fall back to
// them, `describeOptions` names them, the CLI's help and the extension's settings say them.
// (The marker split's own are DEFAULT_MARKERS in markers.ts.)

export const DEFAULT_SEGMENT = {
  /** Overlapping tiles at native resolution (not the seed's squeeze-predict-stretch). */
  mode: 'tile',
  /** Mask probability at or above this is foreground (t1). */
  threshold: 0.5,
  /** Tile overlap: a fraction of the tile (if < 1, else pixels). */
  overlap: 0.25,
  /** Tiles per model call. */
  batchSize: 8,
  /** Tile mode: the image is predicted at this scale (1 = native resolution). */
  scale: 1,
} as const;
