// The viewer's per-nucleus measurement table: sortable by any column (click or Enter on a header),
// a row per nucleus that selects it (click or Enter), and highlighting driven from the image.
import type { NucleusRow } from '../webview/messages';

type NumericKey = Exclude<keyof NucleusRow, 'box' | 'centroidX' | 'centroidY'>;

interface Column {
  key: NumericKey;
  title: string;
  /** 'area' and 'length' columns carry the unit in their header. */
  dim?: 'area' | 'length';
  digits: number;
  tip: string;
}

export const COLUMNS: readonly Column[] = [
  { key: 'label', title: '#', digits: 0, tip: 'Label: the value of this nucleus in the saved label image' },
  { key: 'area', title: 'Area', dim: 'area', digits: 1, tip: 'Pixels in the nucleus (times the pixel area in microns)' },
  { key: 'perimeter', title: 'Perimeter', dim: 'length', digits: 1, tip: 'Length of the outline (scikit-image, 4-connected)' },
  { key: 'equivalentDiameter', title: 'Diameter', dim: 'length', digits: 1, tip: 'Diameter of the circle with the same area' },
  { key: 'majorAxisLength', title: 'Major', dim: 'length', digits: 1, tip: 'Major axis of the ellipse with the same second moments' },
  { key: 'minorAxisLength', title: 'Minor', dim: 'length', digits: 1, tip: 'Minor axis of the ellipse with the same second moments' },
  { key: 'eccentricity', title: 'Ecc.', digits: 3, tip: 'Eccentricity of that ellipse: 0 a circle, towards 1 elongated' },
  { key: 'solidity', title: 'Solidity', digits: 3, tip: 'Area over convex-hull area: 1 convex, lower for lobed or notched nuclei' },
  { key: 'meanIntensity', title: 'Mean int.', digits: 1, tip: 'Mean intensity of the first channel, on the original values' },
];

export interface TableState {
  key: NumericKey;
  descending: boolean;
}

export class NucleiTable {
  private readonly rowsByLabel = new Map<number, HTMLTableRowElement>();
  private readonly dataByLabel = new Map<number, NucleusRow>();
  private hovered: number | undefined;
  private selected: number | undefined;
  state: TableState;

  constructor(
    private readonly table: HTMLTableElement,
    private readonly onSelect: (label: number) => void,
    private readonly onSort: (state: TableState) => void,
    initial?: TableState,
  ) {
    this.state = initial && COLUMNS.some((c) => c.key === initial.key) ? initial : { key: 'label', descending: false };
  }

  show(rows: NucleusRow[], unit: 'px' | 'um'): void {
    this.rowsByLabel.clear();
    this.dataByLabel.clear();
    this.hovered = this.selected = undefined;
    const units = { area: unit === 'um' ? 'µm²' : 'px', length: unit === 'um' ? 'µm' : 'px' };
    const head = document.createElement('thead');
    const hr = head.insertRow();
    for (const c of COLUMNS) {
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
    const body = document.createElement('tbody');
    for (const r of rows) {
      const tr = document.createElement('tr');
      tr.tabIndex = 0;
      tr.dataset.label = String(r.label);
      for (const c of COLUMNS) tr.insertCell().textContent = r[c.key].toFixed(c.digits);
      tr.addEventListener('click', () => this.onSelect(r.label));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.onSelect(r.label);
        }
      });
      this.rowsByLabel.set(r.label, tr);
      this.dataByLabel.set(r.label, r);
      body.appendChild(tr);
    }
    this.table.replaceChildren(head, body);
    this.applySort();
  }

  row(label: number): NucleusRow | undefined {
    return this.dataByLabel.get(label);
  }

  private sortBy(key: NumericKey): void {
    this.state = { key, descending: this.state.key === key ? !this.state.descending : key !== 'label' };
    this.applySort();
    this.onSort(this.state);
  }

  private applySort(): void {
    const { key, descending } = this.state;
    const sign = descending ? -1 : 1;
    const sorted = [...this.dataByLabel.values()].sort((a, b) => sign * (a[key] - b[key]) || a.label - b.label);
    const body = this.table.tBodies[0];
    if (body) for (const r of sorted) body.appendChild(this.rowsByLabel.get(r.label)!);
    for (const th of Array.from(this.table.tHead?.rows[0]?.cells ?? [])) {
      th.setAttribute('aria-sort', th.dataset.key === key ? (descending ? 'descending' : 'ascending') : 'none');
    }
  }

  /** Highlights the row of the nucleus under the pointer (0 or undefined: none), scrolled into view. */
  hover(label: number | undefined): void {
    if (label === this.hovered) return;
    if (this.hovered !== undefined) this.rowsByLabel.get(this.hovered)?.classList.remove('hovered');
    this.hovered = label || undefined;
    const tr = this.hovered === undefined ? undefined : this.rowsByLabel.get(this.hovered);
    tr?.classList.add('hovered');
    tr?.scrollIntoView({ block: 'nearest' });
  }

  select(label: number | undefined): void {
    if (this.selected !== undefined) {
      const old = this.rowsByLabel.get(this.selected);
      old?.classList.remove('selected');
      old?.setAttribute('aria-selected', 'false');
    }
    this.selected = label || undefined;
    const tr = this.selected === undefined ? undefined : this.rowsByLabel.get(this.selected);
    tr?.classList.add('selected');
    tr?.setAttribute('aria-selected', 'true');
    tr?.scrollIntoView({ block: 'nearest' });
  }
}

/** One line describing a nucleus, for the selection readout. */
export function describeRow(r: NucleusRow, unit: 'px' | 'um'): string {
  const len = unit === 'um' ? 'µm' : 'px';
  const area = unit === 'um' ? 'µm²' : 'px';
  return (
    `Nucleus #${r.label}: area ${r.area.toFixed(1)} ${area}, perimeter ${r.perimeter.toFixed(1)} ${len}, diameter ${r.equivalentDiameter.toFixed(1)} ${len}, ` +
    `axes ${r.majorAxisLength.toFixed(1)} x ${r.minorAxisLength.toFixed(1)} ${len}, eccentricity ${r.eccentricity.toFixed(3)}, solidity ${r.solidity.toFixed(3)}, ` +
    `mean intensity ${r.meanIntensity.toFixed(1)}, centre (${r.centroidX.toFixed(1)}, ${r.centroidY.toFixed(1)}) px`
  );
}
