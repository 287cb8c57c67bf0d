// Training monitor: live loss and IoU curves drawn on canvases from pushed progress messages.
import { MODEL_ACTIONS, type TrainProgress } from '../webview/messages';
import { $, onMessage, post, showError } from './api';
import { formatEta } from '../webview/eta';

interface Point {
  x: number;
  y: number;
}
/** A curve: its points, colour and whether it is dashed (validation). */
interface Series {
  points: Point[];
  colour: string;
  dashed?: boolean;
  label: string;
}
const loss: Point[] = [];
const iou: Point[] = [];
// Validation, one point per completed epoch (at the epoch's end on the x axis).
const valLoss: Point[] = [];
const valIou: Point[] = [];
let epochs = 1;
/** The epoch `best/` holds: the lowest validation loss so far (as the checkpoint callback chooses). */
let bestEpoch: number | undefined;

export function drawChart(canvas: HTMLCanvasElement, series: Series[], fixedMax?: number, best?: number): void {
  const points = series.flatMap((s) => s.points);
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width,
    h = canvas.height,
    pad = 34;
  ctx.clearRect(0, 0, w, h);
  const fg = getComputedStyle(document.body).color || '#888';
  ctx.strokeStyle = fg;
  ctx.globalAlpha = 0.5;
  ctx.lineWidth = 1;
  ctx.strokeRect(pad, 8, w - pad - 8, h - pad - 8);
  ctx.globalAlpha = 1;
  const maxX = Math.max(epochs, ...points.map((p) => p.x));
  const maxY = fixedMax ?? Math.max(1e-6, ...points.map((p) => p.y)) * 1.05;
  ctx.fillStyle = fg;
  ctx.font = '11px sans-serif';
  ctx.fillText(maxY.toFixed(maxY < 1 ? 2 : 1), 2, 16);
  ctx.fillText('0', 2, h - pad);
  ctx.fillText('epoch', w - 44, h - 6);
  for (let e = 0; e <= maxX; e += Math.max(1, Math.ceil(maxX / 10))) {
    ctx.fillText(String(e), pad + ((w - pad - 8) * e) / maxX - 3, h - pad + 14);
  }
  const at = (p: Point) => [pad + ((w - pad - 8) * p.x) / maxX, 8 + (h - pad - 8) * (1 - p.y / maxY)];
  // Legend, top right.
  series.forEach((s, k) => {
    const lx = w - 150,
      ly = 20 + 14 * k;
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [5, 3] : []);
    ctx.beginPath();
    ctx.moveTo(lx, ly - 4);
    ctx.lineTo(lx + 18, ly - 4);
    ctx.stroke();
    ctx.fillStyle = fg;
    ctx.fillText(s.label, lx + 24, ly);
  });
  for (const s of series) {
    if (s.points.length === 0) continue;
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [5, 3] : []);
    ctx.beginPath();
    s.points.forEach((p, i) => {
      const [x, y] = at(p);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    if (s.dashed)
      for (const p of s.points) {
        const [x, y] = at(p);
        ctx.fillStyle = s.colour;
        ctx.fillRect(x - 2, y - 2, 4, 4);
      }
  }
  ctx.setLineDash([]);
  if (best !== undefined) {
    // The best epoch (what best/ holds): a vertical marker at the end of that epoch.
    const [x] = at({ x: best, y: 0 });
    ctx.strokeStyle = fg;
    ctx.globalAlpha = 0.6;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(x, 8);
    ctx.lineTo(x, h - pad);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    ctx.fillStyle = fg;
    ctx.fillText(`best ${best}`, Math.min(x + 3, w - 50), h - pad - 4);
  }
  canvas.dataset.points = String(points.length);
  canvas.dataset.validation = String(series.filter((s) => s.dashed).reduce((n, s) => n + s.points.length, 0));
  if (best !== undefined) canvas.dataset.best = String(best);
}

/** A colour of the theme's chart palette (VS Code's --vscode-charts-*), else a fallback. */
function chartColour(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(`--vscode-charts-${name}`).trim() || fallback;
}

function redraw(): void {
  const red = chartColour('red', '#e0533d');
  const blue = chartColour('blue', '#3b8eea');
  const green = chartColour('green', '#2e9e5b');
  drawChart(
    $('chart-loss') as HTMLCanvasElement,
    [
      { points: loss, colour: red, label: 'train loss' },
      { points: valLoss, colour: blue, dashed: true, label: 'validation loss' },
    ],
    undefined,
    bestEpoch,
  );
  drawChart(
    $('chart-iou') as HTMLCanvasElement,
    [
      { points: iou, colour: green, label: 'train IoU' },
      { points: valIou, colour: blue, dashed: true, label: 'validation IoU' },
    ],
    1,
    bestEpoch,
  );
}

function onEpoch(epoch: number, vLoss?: number, vIou?: number): void {
  if (vLoss !== undefined) {
    valLoss.push({ x: epoch, y: vLoss });
    const min = Math.min(...valLoss.map((p) => p.y));
    bestEpoch = valLoss.find((p) => p.y === min)!.x;
  }
  if (vIou !== undefined) valIou.push({ x: epoch, y: vIou });
  $('val').textContent =
    vLoss === undefined ? '\u2013' : `loss ${vLoss.toFixed(4)}${vIou === undefined ? '' : `, IoU ${vIou.toFixed(3)}`} (best epoch ${bestEpoch})`;
  redraw();
}

function onProgress(p: TrainProgress): void {
  epochs = p.epochs;
  const x = p.epoch - 1 + (p.batches > 0 ? p.batch / p.batches : 1);
  loss.push({ x, y: p.loss });
  if (p.iou !== undefined) iou.push({ x, y: p.iou });
  $('epoch').textContent = `${p.epoch}/${p.epochs}`;
  $('batch').textContent = `${p.batch}/${p.batches}`;
  $('loss').textContent = p.loss.toFixed(4);
  $('iou').textContent = p.iou === undefined ? '\u2013' : p.iou.toFixed(3);
  $('eta').textContent = formatEta(p.etaSeconds);
  redraw();
}

$('cancel').addEventListener('click', () => {
  ($('cancel') as HTMLButtonElement).disabled = true;
  $('status').textContent = 'Cancelling after the current batch\u2026';
  post({ type: 'cancelTraining' });
});

for (const action of MODEL_ACTIONS) $(`action-${action}`).addEventListener('click', () => post({ type: 'modelAction', action }));

onMessage((message) => {
  switch (message.type) {
    case 'trainStart':
      epochs = message.epochs;
      $('status').textContent = `Training on ${message.datasetName} (${message.samples} samples, ${message.epochs} epochs)`;
      if (message.skipped?.length) {
        $('skipped').classList.remove('hidden');
        $('skipped-title').textContent = `${message.skipped.length} sample${message.skipped.length > 1 ? 's' : ''} skipped`;
        $('skipped-list').replaceChildren(
          ...message.skipped.map((s) => {
            const li = document.createElement('li');
            li.textContent = `${s.id}: ${s.reason}`;
            return li;
          }),
        );
      }
      redraw();
      break;
    case 'trainProgress':
      // A late progress message (replayed or in flight) must not bring back an ETA after the end.
      if (!document.body.dataset.state) onProgress(message.progress);
      break;
    case 'trainEpoch':
      onEpoch(message.epoch, message.valLoss, message.valIou);
      break;
    case 'trainDone':
      // Finished: nothing left to wait for or to cancel.
      $('cancel').classList.add('hidden');
      $('eta').parentElement!.classList.add('hidden');
      $('status').textContent =
        message.status === 'completed'
          ? `Done: model saved to ${message.modelDir}`
          : message.status === 'cancelled'
            ? `Cancelled${message.modelDir ? `: last checkpoint in ${message.modelDir}` : ''}`
            : `Failed: ${message.message ?? ''}`;
      document.body.dataset.state = message.status;
      $('done-actions').classList.toggle('hidden', !message.modelDir);
      break;
    case 'error':
      showError(message.message);
      break;
    default:
      break;
  }
});

redraw();
post({ type: 'ready' });
