// Time left, as the training page and the segmentation notification say it. Free of `vscode`
// imports: the webview bundles use it too.

/** "1 min 5 s", "40 s"; a dash when unknown. */
export function formatEta(seconds?: number): string {
  if (seconds === undefined || !isFinite(seconds)) return '\u2013';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

/** Seconds left after `done` of `total` steps in `elapsedMs`, once there is something to go by (else undefined). */
export function etaSeconds(done: number, total: number, elapsedMs: number): number | undefined {
  if (done <= 0 || total <= done) return undefined;
  return ((elapsedMs / 1000) * (total - done)) / done;
}
