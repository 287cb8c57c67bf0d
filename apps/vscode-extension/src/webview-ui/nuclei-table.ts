// The viewer's per-nucleus measurement table: sortable by any column (click or Enter on a header),
// a row per nucleus that selects it (click or Enter), and highlighting driven from the image. Edits
// replace a few rows in place (provisional ones, marked, until the host has measured them). Only the
// rows in view are in the DOM, so thousands of nuclei cost what a screenful costs.
import type { NucleusRow } from '../webview/messages';

type ShapeKey = Exclude<keyof NucleusRow, 'box' | 'centroidX' | 'centroidY' | 'intensity' | 'meanIntensity'>;

interface Column {
  /** The sort key: a row field, or `<channel>_<stat>` for an intensity column. */
  key: string;
  title: string;
  /** 'area' and 'length' columns carry the unit in their header. */
  dim?: 'area' | 'length';
  digits: number;
  tip: string;
  value: (r: NucleusRow) => number;
}

const shape = (key: ShapeKey, title: string, digits: number, tip: string, dim?: 'area' | 'length'): Column => ({
  key,
  title,
  digits,
  tip,
  dim,
  value: (r) => r[key],
});

/** The shape columns, always shown. */
export const COLUMNS: readonly Column[] = [
  shape('label', '#', 0, 'Label: the value of this nucleus in the saved label image'),
  shape('area', 'Area', 1, 'Pixels in the nucleus (times the pixel area in microns)', 'area'),
  shape('perimeter', 'Perimeter', 1, 'Length of the outline (scikit-image, 4-connected)', 'length'),
  shape('equivalentDiameter', 'Diameter', 1, 'Diameter of the circle with the same area', 'length'),
  shape('majorAxisLength', 'Major', 1, 'Major axis of the ellipse with the same second moments', 'length'),
  shape('minorAxisLength', 'Minor', 1, 'Minor axis of the ellipse with the same second moments', 'length'),
  shape('eccentricity', 'Ecc.', 3, 'Eccentricity of that ellipse: 0 a circle, towards 1 elongated'),
  shape('solidity', 'Solidity', 3, 'Area over convex-hull area: 1 convex, lower for lobed or notched nuclei'),
];

const STATS = [
  ['mean', 'mean', 1, 'Mean intensity in the nucleus, on the original values'],
  ['std', 'SD', 1, 'Standard deviation of the intensities (n - 1, as ImageJ)'],
  ['min', 'min', 1, 'Lowest intensity in the nucleus'],
  ['max', 'max', 1, 'Highest intensity in the nucleus'],
  ['integrated', 'sum', 0, 'Integrated intensity: the sum over the nucleus (ImageJ RawIntDen)'],
] as const;

/** The intensity columns of one channel (the CSV's NAME_mean, NAME_std, ...). */
export function channelColumns(channel: string): Column[] {
  return STATS.map(([stat, title, digits, tip]) => ({
    key: `${channel}_${stat}`,
    title: `${channel} ${title}`,
    digits,
    tip: `${tip} (${channel})`,
    value: (r: NucleusRow) => r.intensity?.find((s) => s.channel === channel)?.[stat] ?? NaN,
  }));
}

export interface TableState {
  key: string;
  descending: boolean;
}

/** Rows drawn beyond the visible ones, each way (so a short scroll shows rows at once). */
const OVERSCAN = 6;

/**
 * The table keeps every row's data but puts in the DOM only the rows in view (and a few more): with
 * thousands of nuclei a table relayout costs hundreds of milliseconds, so a scroll, a selection or
 * an edit must not relayout them all. Margins above and below the table stand for the rows left out.
 */
export class NucleiTable {
  /** The rows in the DOM now, by label. */
  private rowsByLabel = new Map<number, HTMLTableRowElement>();
  private readonly dataByLabel = new Map<number, NucleusRow>();
  /** Labels whose rows are edited here and not measured by the host yet. */
  private readonly provisional = new Set<number>();
  /** Every row in table order. */
  private sorted: NucleusRow[] = [];
  private hovered: number | undefined;
  private selected = new Set<number>();
  /** Height of one row in CSS pixels (measured once rows are shown). */
  private rowHeight = 0;
  private renderQueued = false;
  private readonly wrap: HTMLElement;
  /** The shape columns and the intensity columns of the channels shown. */
  private columns: Column[] = [...COLUMNS];
  private unit: 'px' | 'um' = 'px';
  state: TableState;

  constructor(
    private readonly table: HTMLTableElement,
    private readonly onSelect: (label: number, event: MouseEvent | KeyboardEvent) => void,
    private readonly onSort: (state: TableState) => void,
    initial?: TableState,
  ) {
    this.state = initial ?? { key: 'label', descending: false };
    this.wrap = table.parentElement ?? document.body;
    const later = () => {
      if (this.renderQueued) return;
      this.renderQueued = true;
      requestAnimationFrame(() => {
        this.renderQueued = false;
        this.render();
      });
    };
    this.wrap.addEventListener('scroll', later, { passive: true });
    // The table's height changes under a selection (the readout above it grows, the panel is
    // resized): the selected row is kept in view, not left under the bottom edge.
    new ResizeObserver(() => {
      const last = [...this.selected].pop();
      if (last !== undefined) this.reveal(last);
      later();
    }).observe(this.wrap);
  }

  /** Shows `rows`; `channels`: whose intensity columns are shown (default: none). */
  show(rows: NucleusRow[], unit: 'px' | 'um', channels: readonly string[] = []): void {
    this.rowsByLabel.clear();
    this.dataByLabel.clear();
    this.provisional.clear();
    this.hovered = undefined;
    this.selected.clear();
    this.unit = unit;
    this.columns = [...COLUMNS, ...channels.flatMap(channelColumns)];
    if (!this.columns.some((c) => c.key === this.state.key)) this.state = { key: 'label', descending: false };
    for (const r of rows) this.dataByLabel.set(r.label, r);
    this.renderHead();
    this.wrap.scrollTop = 0;
    this.applySort();
  }

  /** Shows the intensity columns of other channels, keeping the rows, the selection and the scroll. */
  showChannels(channels: readonly string[]): void {
    this.columns = [...COLUMNS, ...channels.flatMap(channelColumns)];
    if (!this.columns.some((c) => c.key === this.state.key)) this.state = { key: 'label', descending: false };
    this.rowsByLabel.clear();
    this.renderHead();
    this.applySort();
  }

  private renderHead(): void {
    const unit = this.unit;
    const units = { area: unit === 'um' ? 'µm²' : 'px', length: unit === 'um' ? 'µm' : 'px' };
    const head = document.createElement('thead');
    const hr = head.insertRow();
    for (const c of this.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.tabIndex = 0;
      th.title = `${c.tip}. Click to sort.`;
      th.dataset.key = c.key;
      th.textContent = c.dim ? `${c.title} (${units[c.dim]})` : c.title;
      th.addEventListener('click', () => this.sortBy(c.key));
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.sortBy(c.key);
        }
      });
      hr.appendChild(th);
    }
    this.table.replaceChildren(head, document.createElement('tbody'));
  }

  private makeRow(r: NucleusRow): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.tabIndex = 0;
    tr.dataset.label = String(r.label);
    // Provisional: edited here, not measured by the host yet (unknown values show as an ellipsis).
    if (this.provisional.has(r.label)) {
      tr.classList.add('provisional');
      tr.title = 'Edited: measuring\u2026';
    }
    for (const c of this.columns) {
      const v = c.value(r);
      tr.insertCell().textContent = Number.isFinite(v) ? v.toFixed(c.digits) : '\u2026';
    }
    tr.addEventListener('click', (e) => this.onSelect(r.label, e));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.onSelect(r.label, e);
      }
    });
    if (this.selected.has(r.label)) {
      tr.classList.add('selected');
      tr.setAttribute('aria-selected', 'true');
    }
    if (this.hovered === r.label) tr.classList.add('hovered');
    return tr;
  }

  /** Puts the rows in view (plus OVERSCAN each way) in the DOM, reusing the ones already there. */
  private render(): void {
    const body = this.table.tBodies[0];
    if (!body) return;
    const n = this.sorted.length;
    const h = this.rowHeight || 24;
    const top = this.wrap.scrollTop;
    const height = this.wrap.clientHeight || 800;
    const first = Math.max(0, Math.min(n, Math.floor(top / h) - OVERSCAN));
    const last = Math.max(first, Math.min(n, Math.ceil((top + height) / h) + OVERSCAN));
    const shown = new Map<number, HTMLTableRowElement>();
    const trs: HTMLTableRowElement[] = [];
    for (let i = first; i < last; i++) {
      const r = this.sorted[i];
      const tr = this.rowsByLabel.get(r.label) ?? this.makeRow(r);
      if (tr.getAttribute('aria-rowindex') !== String(i + 2)) tr.setAttribute('aria-rowindex', String(i + 2));
      shown.set(r.label, tr);
      trs.push(tr);
    }
    this.rowsByLabel = shown;
    // Rows that stay are left where they are (moving every row would make the browser lay them all out again).
    const keep = new Set(trs);
    for (let c = body.firstElementChild; c;) {
      const next = c.nextElementSibling;
      if (!keep.has(c as HTMLTableRowElement)) c.remove();
      c = next;
    }
    let at = body.firstElementChild;
    for (const tr of trs) {
      if (tr === at) at = at.nextElementSibling;
      else body.insertBefore(tr, at);
    }
    this.table.setAttribute('aria-rowcount', String(n + 1));
    this.table.style.marginTop = `${first * h}px`;
    this.table.style.marginBottom = `${(n - last) * h}px`;
    // The first time rows are visible: their real height (then the window is recomputed with it).
    if (!this.rowHeight && trs.length) {
      const measured = trs[0].getBoundingClientRect().height;
      if (measured > 0) {
        this.rowHeight = measured;
        if (Math.abs(measured - h) > 0.5) this.render();
      }
    }
  }

  row(label: number): NucleusRow | undefined {
    return this.dataByLabel.get(label);
  }

  /**
   * After an edit: drops the rows of `removed` and puts `rows` in (replacing a label's row, or a new
   * one), each at its place in the current order; `provisional`: not measured by the host yet.
   */
  update(rows: readonly NucleusRow[], removed: readonly number[], provisional: boolean): void {
    const gone = new Set<number>([...removed, ...rows.map((r) => r.label)]);
    for (const label of gone) {
      this.rowsByLabel.delete(label);
      this.dataByLabel.delete(label);
      this.provisional.delete(label);
    }
    for (const label of removed) {
      this.selected.delete(label);
      if (this.hovered === label) this.hovered = undefined;
    }
    if (gone.size) this.sorted = this.sorted.filter((r) => !gone.has(r.label));
    for (const r of rows) {
      this.dataByLabel.set(r.label, r);
      if (provisional) this.provisional.add(r.label);
      this.sorted.splice(this.indexOf(r), 0, r);
    }
    this.render();
  }

  /** Where row `r` is (or goes) in the table order. */
  private indexOf(r: NucleusRow): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(this.sorted[mid], r) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private sortBy(key: string): void {
    this.state = { key, descending: this.state.key === key ? !this.state.descending : key !== 'label' };
    this.applySort();
    this.onSort(this.state);
  }

  /** Table order: by the sort column (rows not measured yet last), then by label. */
  private compare(a: NucleusRow, b: NucleusRow): number {
    const { key, descending } = this.state;
    const column = this.columns.find((c) => c.key === key) ?? this.columns[0];
    const last = descending ? -Infinity : Infinity;
    const [ra, rb] = [column.value(a), column.value(b)];
    const va = Number.isFinite(ra) ? ra : last;
    const vb = Number.isFinite(rb) ? rb : last;
    const d = va === vb ? 0 : va < vb ? -1 : 1;
    return (descending ? -d : d) || a.label - b.label;
  }

  private applySort(): void {
    const { key, descending } = this.state;
    this.sorted = [...this.dataByLabel.values()].sort((a, b) => this.compare(a, b));
    this.render();
    for (const th of Array.from(this.table.tHead?.rows[0]?.cells ?? [])) {
      th.setAttribute('aria-sort', th.dataset.key === key ? (descending ? 'descending' : 'ascending') : 'none');
    }
  }

  /** Scrolls the table (only as far as needed) so that `label`'s row is in view, and puts it in the DOM. */
  private reveal(label: number): void {
    const r = this.dataByLabel.get(label);
    if (!r) return;
    const i = this.indexOf(r);
    const h = this.rowHeight || 24;
    const head = this.table.tHead?.getBoundingClientRect().height ?? 0;
    const view = this.wrap.clientHeight;
    const top = this.wrap.scrollTop;
    // Row i spans head + i*h .. head + (i+1)*h of the scrolled content; the sticky header covers the first `head` px.
    if (i * h < top) this.wrap.scrollTop = i * h;
    else if (head + (i + 1) * h > top + view) this.wrap.scrollTop = head + (i + 1) * h - view;
    if (!this.rowsByLabel.has(label)) this.render();
  }

  /** Highlights the row of the nucleus under the pointer (0 or undefined: none), scrolled into view. */
  hover(label: number | undefined): void {
    if (label === this.hovered) return;
    if (this.hovered !== undefined) this.rowsByLabel.get(this.hovered)?.classList.remove('hovered');
    this.hovered = label || undefined;
    if (this.hovered === undefined) return;
    this.reveal(this.hovered);
    this.rowsByLabel.get(this.hovered)?.classList.add('hovered');
  }

  /** Marks the selected rows (the last one is scrolled into view). */
  select(labels: readonly number[]): void {
    for (const label of this.selected) {
      const old = this.rowsByLabel.get(label);
      old?.classList.remove('selected');
      old?.setAttribute('aria-selected', 'false');
    }
    this.selected = new Set(labels.filter((l) => l > 0));
    if (labels.length) this.reveal(labels[labels.length - 1]);
    for (const label of this.selected) {
      const tr = this.rowsByLabel.get(label);
      tr?.classList.add('selected');
      tr?.setAttribute('aria-selected', 'true');
    }
  }
}

/** One line describing a nucleus, for the selection readout. */
export function describeRow(r: NucleusRow, unit: 'px' | 'um'): string {
  const len = unit === 'um' ? 'µm' : 'px';
  const area = unit === 'um' ? 'µm²' : 'px';
  if (!Number.isFinite(r.perimeter)) return `Nucleus #${r.label}: area ${r.area.toFixed(1)} ${area} (edited; measuring\u2026)`;
  return (
    `Nucleus #${r.label}: area ${r.area.toFixed(1)} ${area}, perimeter ${r.perimeter.toFixed(1)} ${len}, diameter ${r.equivalentDiameter.toFixed(1)} ${len}, ` +
    `axes ${r.majorAxisLength.toFixed(1)} x ${r.minorAxisLength.toFixed(1)} ${len}, eccentricity ${r.eccentricity.toFixed(3)}, solidity ${r.solidity.toFixed(3)}, ` +
    `mean intensity ${(r.intensity ?? [{ channel: '', mean: r.meanIntensity }]).map((s) => `${s.channel ? `${s.channel} ` : ''}${s.mean.toFixed(1)}`).join(', ')}, ` +
    `centre (${r.centroidX.toFixed(1)}, ${r.centroidY.toFixed(1)}) px`
  );
}
