// Evaluation report (one model, a two-model comparison, or a batch summary): the answer in one
// line above per-image rows that sort by any column (click or Enter on a header), the mean row
// below them, header tooltips that say what each metric means, and an Export CSV button. Long
// sample ids are shortened (the full one in the tooltip); the better value of a comparison is
// marked; flagged rows say why; a row that opens its image does so on a click or Enter.
import type { MetricsRow, MetricsTable } from '../webview/messages';
import { $, onMessage, post, showError } from './api';
import { shortNames } from './short-names';

/** A value with the column's decimals; whole counts stay whole, their mean gets one decimal. */
function format(v: number | undefined, decimals = 3, isMean = false): string {
  if (v === undefined || !isFinite(v)) return '\u2013';
  if (decimals === 0) return isMean && !Number.isInteger(v) ? v.toFixed(1) : String(Math.round(v));
  return v.toFixed(decimals);
}

/** Differences (B - A) carry their sign. */
const isDelta = (column: string) => column.endsWith('B\u2212A');

let table: MetricsTable | undefined;
let names = new Map<string, string>();
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

function cells(tr: HTMLTableRowElement, t: MetricsTable, values: Record<string, number>, marks: readonly string[], isMean: boolean): void {
  for (const c of t.columns) {
    const td = tr.insertCell();
    const v = values[c];
    td.textContent = (isDelta(c) && v > 0 ? '+' : '') + format(v, t.decimals?.[c], isMean).replace(/^-/, '\u2212');
    if (isDelta(c) && v !== 0 && isFinite(v)) td.className = v > 0 ? 'up' : 'down';
    if (marks.includes(c)) {
      td.classList.add('better');
      td.title = 'The better of A and B';
    }
  }
}

function openRow(row: MetricsRow): void {
  post({ type: 'openRow', name: row.name });
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
    const name = tr.insertCell();
    name.textContent = names.get(row.name) ?? row.name;
    name.title = row.name;
    if (row.flag) {
      tr.classList.add('flagged');
      const flag = document.createElement('span');
      flag.className = 'flag';
      flag.textContent = ` \u26A0 ${row.flag}`;
      name.appendChild(flag);
    }
    cells(tr, t, row.values, row.marks ?? [], false);
    if (t.opens) {
      tr.classList.add('opens');
      tr.tabIndex = 0;
      tr.title = `${row.name}: ${t.opens}`;
      tr.addEventListener('click', () => openRow(row));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') openRow(row);
      });
    }
  }
  const mean = el.createTFoot().insertRow();
  mean.className = 'mean';
  mean.insertCell().textContent = 'mean';
  cells(mean, t, t.mean, t.meanMarks ?? [], true);
}

$('export-csv').addEventListener('click', () => post({ type: 'exportCsv' }));

onMessage((message) => {
  if (message.type === 'evaluation') {
    table = message.table;
    names = shortNames(table.rows.map((r) => r.name));
    render();
    $('status').textContent = message.heading;
    $('verdict').textContent = message.table.verdict ?? '';
    $('verdict').classList.toggle('hidden', !message.table.verdict);
    if (message.text) $('note').textContent = message.text;
    ($('export-csv') as HTMLButtonElement).disabled = false;
    document.body.dataset.state = 'done';
  } else if (message.type === 'error') showError(message.message);
});

post({ type: 'ready' });
