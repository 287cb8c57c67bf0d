// Evaluation report: per-image metrics and the mean row.
import type { MetricsTable } from '../webview/messages';
import { $, onMessage, post, showError } from './api';

function format(v: number | undefined): string {
  if (v === undefined || !isFinite(v)) return '\u2013';
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

function render(datasetName: string, table: MetricsTable): void {
  const el = $('metrics') as HTMLTableElement;
  el.replaceChildren();
  const head = el.createTHead().insertRow();
  for (const c of ['image', ...table.columns]) {
    const th = document.createElement('th');
    th.textContent = c;
    head.appendChild(th);
  }
  const body = el.createTBody();
  for (const row of table.rows) {
    const tr = body.insertRow();
    tr.insertCell().textContent = row.name;
    for (const c of table.columns) tr.insertCell().textContent = format(row.values[c]);
  }
  const mean = body.insertRow();
  mean.className = 'mean';
  mean.insertCell().textContent = 'mean';
  for (const c of table.columns) mean.insertCell().textContent = format(table.mean[c]);
  $('status').textContent = `${datasetName}: ${table.rows.length} image(s)`;
  document.body.dataset.state = 'done';
}

onMessage((message) => {
  if (message.type === 'evaluation') render(message.datasetName, message.table);
  else if (message.type === 'error') showError(message.message);
});

post({ type: 'ready' });
