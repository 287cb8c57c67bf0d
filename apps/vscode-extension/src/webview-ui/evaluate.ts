// Evaluation report (one model, a two-model comparison, or a batch summary): per-image rows that
// sort by any column (click or Enter on a header), the mean row below them, header tooltips that
// say what each metric means, and an Export CSV button.
import type { MetricsTable } from '../webview/messages';
import { $, onMessage, post, showError } from './api';

function format(v: number | undefined): string {
  if (v === undefined || !isFinite(v)) return '\u2013';
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

let table: MetricsTable | undefined;
let sort: { column: string; descending: boolean } = { column: 'image', descending: false };

function header(el: HTMLTableElement, columns: string[], tips: Record<string, string>): void {
  const head = el.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.tabIndex = 0;
    th.textContent = c;
    th.title = `${tips[c] ?? (c === 'image' ? 'The image (sample id)' : c)}. Click to sort.`;
    th.setAttribute('aria-sort', c === sort.column ? (sort.descending ? 'descending' : 'ascending') : 'none');
    const by = () => {
      sort = { column: c, descending: sort.column === c ? !sort.descending : c !== 'image' };
      render();
    };
    th.addEventListener('click', by);
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        by();
      }
    });
    head.appendChild(th);
  }
}

function render(): void {
  if (!table) return;
  const t = table;
  const el = $('metrics') as HTMLTableElement;
  el.replaceChildren();
  header(el, ['image', ...t.columns], t.tips ?? {});
  const sign = sort.descending ? -1 : 1;
  const rows = [...t.rows].sort((a, b) =>
    sort.column === 'image'
      ? sign * a.name.localeCompare(b.name, undefined, { numeric: true })
      : sign * ((a.values[sort.column] ?? -Infinity) - (b.values[sort.column] ?? -Infinity)) || a.name.localeCompare(b.name),
  );
  const body = el.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.insertCell().textContent = row.name;
    for (const c of t.columns) tr.insertCell().textContent = format(row.values[c]);
  }
  const mean = el.createTFoot().insertRow();
  mean.className = 'mean';
  mean.insertCell().textContent = 'mean';
  for (const c of t.columns) mean.insertCell().textContent = format(t.mean[c]);
}

$('export-csv').addEventListener('click', () => post({ type: 'exportCsv' }));

onMessage((message) => {
  if (message.type === 'evaluation') {
    table = message.table;
    render();
    $('status').textContent = `${message.datasetName}: ${message.table.rows.length} image(s)`;
    if (message.text) $('note').textContent = message.text;
    ($('export-csv') as HTMLButtonElement).disabled = false;
    document.body.dataset.state = 'done';
  } else if (message.type === 'error') showError(message.message);
});

post({ type: 'ready' });
