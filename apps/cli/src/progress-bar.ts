// A one-line progress bar on stderr. On a terminal it redraws in place; elsewhere (CI, pipes)
// it prints at most one line per `logEvery` updates so logs stay readable.
export interface ProgressBar {
  update(done: number, total: number, suffix?: string): void;
  done(message?: string): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export function renderBar(label: string, done: number, total: number, suffix = '', width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${suffix ? ' ' + suffix : ''}`;
}

export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr, logEvery = 10): ProgressBar {
  const tty = Boolean(stream.isTTY);
  let calls = 0;
  let last = '';
  return {
    update(done, total, suffix) {
      last = renderBar(label, done, total, suffix);
      if (tty) stream.write(`\r${last.slice(0, (stream.columns || 120) - 1)}\x1b[K`);
      else if (calls++ % logEvery === 0 || done === total) stream.write(last + '\n');
    },
    done(message) {
      if (tty) stream.write(`\r${message ?? last}\x1b[K\n`);
      else if (message) stream.write(message + '\n');
    },
  };
}
