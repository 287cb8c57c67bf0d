// Training monitor: live loss and IoU curves drawn on canvases from pushed progress messages.
import type { TrainProgress } from '../webview/messages';
import { $, onMessage, post, showError } from './api';

interface Point { x: number; y: number }
const loss: Point[] = [];
const iou: Point[] = [];
let epochs = 1;

function formatEta(seconds?: number): string {
  if (seconds === undefined || !isFinite(seconds)) return '\u2013';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

export function drawChart(canvas: HTMLCanvasElement, points: Point[], colour: string, fixedMax?: number): void {
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width, h = canvas.height, pad = 34;
  ctx.clearRect(0, 0, w, h);
  const fg = getComputedStyle(document.body).color || '#888';
  ctx.strokeStyle = fg; ctx.globalAlpha = 0.5; ctx.lineWidth = 1;
  ctx.strokeRect(pad, 8, w - pad - 8, h - pad - 8);
  ctx.globalAlpha = 1;
  const maxX = Math.max(epochs, ...points.map((p) => p.x));
  const maxY = fixedMax ?? Math.max(1e-6, ...points.map((p) => p.y)) * 1.05;
  ctx.fillStyle = fg; ctx.font = '11px sans-serif';
  ctx.fillText(maxY.toFixed(maxY < 1 ? 2 : 1), 2, 16);
  ctx.fillText('0', 2, h - pad);
  ctx.fillText('epoch', w - 44, h - 6);
  for (let e = 0; e <= maxX; e += Math.max(1, Math.ceil(maxX / 10))) {
    ctx.fillText(String(e), pad + ((w - pad - 8) * e) / maxX - 3, h - pad + 14);
  }
  if (points.length === 0) return;
  ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.beginPath();
  points.forEach((p, i) => {
    const x = pad + ((w - pad - 8) * p.x) / maxX;
    const y = 8 + (h - pad - 8) * (1 - p.y / maxY);
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.stroke();
  canvas.dataset.points = String(points.length);
}

function redraw(): void {
  drawChart($('chart-loss') as HTMLCanvasElement, loss, '#e0533d');
  drawChart($('chart-iou') as HTMLCanvasElement, iou, '#2e9e5b', 1);
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

onMessage((message) => {
  switch (message.type) {
    case 'trainStart':
      epochs = message.epochs;
      $('status').textContent = `Training on ${message.datasetName} (${message.samples} samples, ${message.epochs} epochs)`;
      redraw();
      break;
    case 'trainProgress':
      onProgress(message.progress);
      break;
    case 'trainDone':
      ($('cancel') as HTMLButtonElement).disabled = true;
      $('status').textContent = message.status === 'completed' ? `Done: model saved to ${message.modelDir}`
        : message.status === 'cancelled' ? `Cancelled${message.modelDir ? `: last checkpoint in ${message.modelDir}` : ''}`
        : `Failed: ${message.message ?? ''}`;
      document.body.dataset.state = message.status;
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
