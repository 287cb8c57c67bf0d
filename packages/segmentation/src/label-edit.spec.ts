import { isEditOp, LabelEditor, type Box, type EditChange, type EditOp, type Point } from './label-edit';

/** A label image from rows of space-separated tokens: '.' = background, numbers = labels. */
function image(rows: string[]): { labels: Int32Array; width: number; height: number } {
  const cells = rows.map((r) => r.trim().split(/\s+/));
  const width = cells[0].length;
  const labels = new Int32Array(width * cells.length);
  cells.forEach((r, y) => r.forEach((c, x) => (labels[y * width + x] = c === '.' ? 0 : Number(c))));
  return { labels, width, height: cells.length };
}

/** The editor's labels in the same notation. */
const rows = (ed: LabelEditor): string[] =>
  Array.from({ length: ed.height }, (_, y) => Array.from(ed.labels.subarray(y * ed.width, (y + 1) * ed.width), (v) => (v ? String(v) : '.')).join(' '));

function editor(picture: string[], probability?: (x: number, y: number) => number): LabelEditor {
  const { labels, width, height } = image(picture);
  if (!probability) return new LabelEditor(labels, width, height);
  const p = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) p[y * width + x] = probability(x, y);
  return new LabelEditor(labels, width, height, { probability: p });
}

/** Pixel indices outside `box` where two label images differ (should be none). */
function changedOutside(a: Int32Array, b: Int32Array, width: number, box: Box): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = i % width;
    const y = Math.floor(i / width);
    const inBox = x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1;
    if (!inBox && a[i] !== b[i]) out.push(i);
  }
  return out;
}

/** Area and tight box of every label by a full recount. */
function recount(ed: LabelEditor): Map<number, { area: number; box: Box }> {
  const m = new Map<number, { area: number; box: Box }>();
  for (let y = 0; y < ed.height; y++) {
    for (let x = 0; x < ed.width; x++) {
      const l = ed.labels[y * ed.width + x];
      if (!l) continue;
      const s = m.get(l);
      if (!s) m.set(l, { area: 1, box: { x0: x, y0: y, x1: x + 1, y1: y + 1 } });
      else {
        s.area++;
        s.box.x0 = Math.min(s.box.x0, x);
        s.box.x1 = Math.max(s.box.x1, x + 1);
        s.box.y1 = y + 1;
      }
    }
  }
  return m;
}

/** The first index where two label images differ, or -1 (much faster than toEqual on big typed arrays). */
function firstDifference(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function expectBookkeeping(ed: LabelEditor): void {
  const m = recount(ed);
  expect(ed.count).toBe(m.size);
  expect(Math.max(0, ...m.keys())).toBeLessThan(ed.nextLabel());
  const seen: unknown[] = [];
  const truth: unknown[] = [];
  for (let l = 1; l <= ed.nextLabel(); l++) {
    seen.push([l, ed.areaOf(l), ed.boxOf(l)]);
    truth.push([l, m.get(l)?.area ?? 0, m.get(l)?.box]);
  }
  expect(seen).toEqual(truth);
}

/** Applies `op`, checks the picture after it, after undo (exactly as before) and after redo. */
function roundTrip(ed: LabelEditor, op: EditOp, after: string[]): EditChange {
  const start = ed.labels.slice();
  const change = ed.apply(op) as EditChange;
  expect(change).toBeDefined();
  expect(rows(ed)).toEqual(after);
  expect(changedOutside(start, ed.labels, ed.width, change.box)).toEqual([]);
  expectBookkeeping(ed);
  const end = ed.labels.slice();
  expect(ed.undo()).toEqual(change);
  expect(ed.labels).toEqual(start);
  expectBookkeeping(ed);
  expect(ed.redo()).toEqual(change);
  expect(ed.labels).toEqual(end);
  expectBookkeeping(ed);
  return change;
}

/** Whether the pixels of `label` form one 4-connected region. */
function fourConnected(ed: LabelEditor, label: number): boolean {
  const start = ed.labels.indexOf(label);
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    const i = stack.pop() as number;
    const x = i % ed.width;
    for (const j of [x > 0 ? i - 1 : -1, x < ed.width - 1 ? i + 1 : -1, i - ed.width, i + ed.width]) {
      if (j >= 0 && j < ed.labels.length && ed.labels[j] === label && !seen.has(j)) {
        seen.add(j);
        stack.push(j);
      }
    }
  }
  return seen.size === ed.areaOf(label);
}

const none = { deleted: 0, drawn: 0, split: 0, merged: 0, painted: 0, erased: 0 };

describe('LabelEditor bookkeeping', () => {
  it('counts nuclei, areas and boxes once, with gaps in the ids', () => {
    const ed = editor(['. 1 1 . .', '. 1 1 . 7', '4 . . . 7']);
    expect(ed.count).toBe(3);
    expect(ed.nextLabel()).toBe(8);
    expect(ed.areaOf(1)).toBe(4);
    expect(ed.boxOf(1)).toEqual({ x0: 1, y0: 0, x1: 3, y1: 2 });
    expect(ed.boxOf(7)).toEqual({ x0: 4, y0: 1, x1: 5, y1: 3 });
    expect(ed.areaOf(2)).toBe(0);
    expect(ed.boxOf(2)).toBeUndefined();
    expect(ed.canUndo).toBe(false);
    expect(ed.canRedo).toBe(false);
    expect(ed.undo()).toBeUndefined();
    expect(ed.redo()).toBeUndefined();
    expect(ed.tally()).toEqual(none);
    expectBookkeeping(ed);
  });

  it('lists each nucleus present with its area, as edits change them', () => {
    const ed = editor(['. 1 1 . .', '. 1 1 . 7', '4 . . . 7']);
    expect(new Map(ed.areas())).toEqual(
      new Map([
        [1, 4],
        [7, 2],
        [4, 1],
      ]),
    );
    expect(ed.apply({ kind: 'delete', labels: [7] })).toBeDefined();
    expect(new Map(ed.areas())).toEqual(
      new Map([
        [1, 4],
        [4, 1],
      ]),
    );
  });

  it('rejects a size that does not match, negative labels and a probability map of the wrong size', () => {
    expect(() => new LabelEditor(new Int32Array(5), 3, 2)).toThrow(/expected 3x2/);
    expect(() => new LabelEditor(new Int32Array([0, -1]), 2, 1)).toThrow(/negative/);
    expect(() => new LabelEditor(new Int32Array(4), 2, 2, { probability: new Uint8Array(3) })).toThrow(/probability/);
  });

  it('refuses a malformed op', () => {
    const ed = editor(['1 1']);
    expect(() => ed.apply({ kind: 'erase', points: [[0, 0]], radius: 0 })).toThrow(TypeError);
    expect(() => ed.apply({ kind: 'nuke' } as unknown as EditOp)).toThrow(TypeError);
    expect(ed.canUndo).toBe(false);
  });
});

describe('delete', () => {
  const picture = ['. 1 1 . .', '. 1 1 2 2', '3 . . 2 2'];

  it('turns the listed nuclei into background, ignoring absent ones', () => {
    const ed = editor(picture);
    const change = roundTrip(ed, { kind: 'delete', labels: [1, 9] }, ['. . . . .', '. . . 2 2', '3 . . 2 2']);
    expect(change.box).toEqual({ x0: 1, y0: 0, x1: 3, y1: 2 });
    expect(change.labels).toEqual([1]);
    expect(ed.count).toBe(2);
    expect(ed.tally()).toEqual({ ...none, deleted: 1 });
    roundTrip(ed, { kind: 'delete', labels: [2, 3, 3] }, ['. . . . .', '. . . . .', '. . . . .']);
    expect(ed.tally()).toEqual({ ...none, deleted: 3 });
    expect(ed.count).toBe(0);
  });

  it('does nothing (and records nothing) for absent nuclei', () => {
    const ed = editor(picture);
    expect(ed.apply({ kind: 'delete', labels: [9, 10] })).toBeUndefined();
    expect(ed.canUndo).toBe(false);
    expect(rows(ed)).toEqual(picture);
  });

  it('never gives a deleted id to a new nucleus', () => {
    const ed = editor(picture);
    ed.apply({ kind: 'delete', labels: [3] });
    expect(ed.nextLabel()).toBe(4);
    ed.undo();
    ed.apply({ kind: 'delete', labels: [3] });
    ed.apply({
      kind: 'fill',
      polygon: [
        [0, 2],
        [1, 2],
        [1, 3],
        [0, 3],
      ],
    });
    expect(rows(ed)[2]).toBe('4 . . 2 2');
    expect(ed.nextLabel()).toBe(5);
    // Undoing the drawing does not give its id back either.
    ed.undo();
    expect(ed.nextLabel()).toBe(5);
  });
});

describe('merge', () => {
  const picture = ['1 1 . 4 4', '1 1 . 4 4', '. . . . .', '6 6 . . .'];

  it('gives every listed nucleus the smallest listed id present', () => {
    const ed = editor(picture);
    const change = roundTrip(ed, { kind: 'merge', labels: [6, 4, 9] }, ['1 1 . 4 4', '1 1 . 4 4', '. . . . .', '4 4 . . .']);
    expect(change.box).toEqual({ x0: 0, y0: 3, x1: 2, y1: 4 });
    expect(change.labels).toEqual([4, 6]);
    expect(ed.boxOf(4)).toEqual({ x0: 0, y0: 0, x1: 5, y1: 4 });
    expect(ed.areaOf(4)).toBe(6);
    expect(ed.count).toBe(2);
    expect(ed.tally()).toEqual({ ...none, merged: 1 });
  });

  it('needs two nuclei present', () => {
    const ed = editor(picture);
    expect(ed.apply({ kind: 'merge', labels: [4, 9] })).toBeUndefined();
    expect(ed.apply({ kind: 'merge', labels: [4, 4] })).toBeUndefined();
    expect(ed.canUndo).toBe(false);
  });
});

describe('paint and erase', () => {
  const picture = ['. . . . . .', '. 1 1 . 2 2', '. 1 1 . 2 2', '. . . . . .'];

  it('paints a disk dab over a neighbour, or around it with onlyBackground', () => {
    const dab: EditOp = { kind: 'paint', label: 1, points: [[3.5, 1.5]], radius: 1 };
    const ed = editor(picture);
    const change = roundTrip(ed, dab, ['. . . 1 . .', '. 1 1 1 1 2', '. 1 1 1 2 2', '. . . . . .']);
    expect(change.labels).toEqual([1, 2]);
    expect(ed.boxOf(1)).toEqual({ x0: 1, y0: 0, x1: 5, y1: 3 });
    expect(ed.areaOf(2)).toBe(3);
    expect(ed.tally()).toEqual({ ...none, painted: 1 });

    const careful = editor(picture);
    const safe = roundTrip(careful, { ...dab, onlyBackground: true }, ['. . . 1 . .', '. 1 1 1 2 2', '. 1 1 1 2 2', '. . . . . .']);
    expect(safe.labels).toEqual([1]);
    expect(careful.areaOf(2)).toBe(4);
  });

  it('draws a new nucleus along a stroke', () => {
    const ed = editor(picture);
    roundTrip(
      ed,
      {
        kind: 'paint',
        label: ed.nextLabel(),
        points: [
          [0.5, 3.5],
          [5.5, 3.5],
        ],
        radius: 0.5,
      },
      ['. . . . . .', '. 1 1 . 2 2', '. 1 1 . 2 2', '3 3 3 3 3 3'],
    );
    expect(ed.tally()).toEqual({ ...none, drawn: 1 });
    expect(ed.nextLabel()).toBe(4);
    expect(ed.count).toBe(3);
  });

  it('clips strokes that start outside the image, with fractional coordinates', () => {
    const ed = editor(['. . . .', '. . . .', '. . . .', '. . . .']);
    const change = roundTrip(
      ed,
      {
        kind: 'paint',
        label: 5,
        points: [
          [-3, -3],
          [1, 1],
        ],
        radius: 1.5,
      },
      ['5 5 . .', '5 5 . .', '. . . .', '. . . .'],
    );
    expect(change.box).toEqual({ x0: 0, y0: 0, x1: 2, y1: 2 });
    expect(ed.apply({ kind: 'paint', label: 5, points: [[1e9, -1e9]], radius: 3 })).toBeUndefined();
    // A dab too small to cover any pixel centre changes nothing.
    expect(ed.apply({ kind: 'paint', label: 6, points: [[3.1, 3.1]], radius: 0.2 })).toBeUndefined();
  });

  it('does nothing when painting a nucleus with itself', () => {
    const ed = editor(picture);
    expect(ed.apply({ kind: 'paint', label: 1, points: [[2, 2]], radius: 0.8 })).toBeUndefined();
    expect(ed.canUndo).toBe(false);
  });

  it('erases under a stroke', () => {
    const ed = editor(picture);
    const change = roundTrip(
      ed,
      {
        kind: 'erase',
        points: [
          [1.5, 1.5],
          [2.5, 2.5],
          [5.5, 2.5],
        ],
        radius: 0.5,
      },
      ['. . . . . .', '. . 1 . 2 2', '. 1 . . . .', '. . . . . .'],
    );
    expect(change.labels).toEqual([1, 2]);
    expect(ed.boxOf(2)).toEqual({ x0: 4, y0: 1, x1: 6, y1: 2 });
    expect(ed.tally()).toEqual({ ...none, erased: 1 });
    expect(ed.apply({ kind: 'erase', points: [[0.5, 0.5]], radius: 0.5 })).toBeUndefined();
  });
});

describe('fill', () => {
  const picture = ['. . . . . .', '. . . . 1 1', '. . . . 1 1', '. . . . . .', '. . . . . .'];
  const square: Point[] = [
    [1, 1],
    [5, 1],
    [5, 4],
    [1, 4],
  ];

  it('fills an outline as a new nucleus, over a neighbour or around it', () => {
    const ed = editor(picture);
    roundTrip(ed, { kind: 'fill', polygon: square }, ['. . . . . .', '. 2 2 2 2 1', '. 2 2 2 2 1', '. 2 2 2 2 .', '. . . . . .']);
    expect(ed.tally()).toEqual({ ...none, drawn: 1 });
    expect(ed.nextLabel()).toBe(3);
    const careful = editor(picture);
    roundTrip(careful, { kind: 'fill', polygon: square, onlyBackground: true }, ['. . . . . .', '. 2 2 2 1 1', '. 2 2 2 1 1', '. 2 2 2 2 .', '. . . . . .']);
  });

  it('adds to an existing nucleus when given its label (counted as painting it)', () => {
    const ed = editor(picture);
    roundTrip(ed, { kind: 'fill', polygon: square, label: 1 }, ['. . . . . .', '. 1 1 1 1 1', '. 1 1 1 1 1', '. 1 1 1 1 .', '. . . . . .']);
    expect(ed.tally()).toEqual({ ...none, painted: 1 });
  });

  it('uses the even-odd rule: where an outline overlaps itself is outside', () => {
    const ed = editor(Array(7).fill('. . . . . . .'));
    roundTrip(
      ed,
      {
        kind: 'fill',
        polygon: [
          [0, 0],
          [4, 0],
          [4, 4],
          [0, 4],
          [0, 0],
          [2, 2],
          [6, 2],
          [6, 6],
          [2, 6],
          [2, 2],
        ],
      },
      ['1 1 1 1 . . .', '1 1 1 1 . . .', '1 1 . . 1 1 .', '1 1 . . 1 1 .', '. . 1 1 1 1 .', '. . 1 1 1 1 .', '. . . . . . .'],
    );
  });

  it('clips to the image and ignores outlines that cover no pixel centre', () => {
    const ed = editor(['. .', '. .']);
    roundTrip(
      ed,
      {
        kind: 'fill',
        polygon: [
          [-10, -10],
          [1.4, -10],
          [1.4, 10],
        ],
      },
      ['1 .', '1 .'],
    );
    expect(
      ed.apply({
        kind: 'fill',
        polygon: [
          [0.6, 0],
          [0.9, 0],
          [0.9, 2],
        ],
      }),
    ).toBeUndefined();
  });
});

describe('split', () => {
  const rect = ['1 1 1 1 1 1 1 1', '1 1 1 1 1 1 1 1', '1 1 1 1 1 1 1 1'];

  it('cuts along a line: the largest side keeps the label, the cut joins a side', () => {
    const ed = editor(rect);
    const change = roundTrip(
      ed,
      {
        kind: 'split',
        label: 1,
        line: [
          [5.5, -1],
          [5.5, 4],
        ],
      },
      ['1 1 1 1 1 1 2 2', '1 1 1 1 1 1 2 2', '1 1 1 1 1 1 2 2'],
    );
    expect(change.labels).toEqual([1, 2]);
    expect(change.box).toEqual({ x0: 6, y0: 0, x1: 8, y1: 3 });
    expect(ed.tally()).toEqual({ ...none, split: 1 });
    expect(ed.count).toBe(2);
    expect(ed.nextLabel()).toBe(3);
  });

  it('cuts along a slanted line, new pieces numbered from nextLabel', () => {
    const ed = editor(['. 1 1 1 1 1 1 1 1', '. 1 1 1 1 1 1 1 1', '9 1 1 1 1 1 1 1 1']);
    roundTrip(
      ed,
      {
        kind: 'split',
        label: 1,
        line: [
          [1, 3],
          [9, 0],
        ],
      },
      ['. 1 1 1 1 1 10 10 10', '. 1 1 1 1 10 10 10 10', '9 1 1 1 10 10 10 10 10'],
    );
  });

  it('makes three pieces from a line crossing twice', () => {
    const ed = editor(['1 1 1 1 1 1 1', '1 1 1 1 1 1 1', '1 1 1 1 1 1 1', '. . . . . . .']);
    roundTrip(
      ed,
      {
        kind: 'split',
        label: 1,
        line: [
          [1.5, -1],
          [1.5, 3.5],
          [4.5, 3.5],
          [4.5, -1],
        ],
      },
      ['2 1 1 1 1 3 3', '2 1 1 1 1 3 3', '2 1 1 1 1 3 3', '. . . . . . .'],
    );
    for (const l of [1, 2, 3]) expect(fourConnected(ed, l)).toBe(true);
  });

  it('makes a part of the nucleus lying wholly under the line a piece of its own', () => {
    const ed = editor(['1 1 1 . .', '1 1 1 . .', '1 1 1 . .', '. . . 1 .']);
    const line: Point[] = [
      [1.5, -1],
      [1.5, 3.2],
      [4.5, 3.2],
    ];
    roundTrip(ed, { kind: 'split', label: 1, line }, ['1 1 2 . .', '1 1 2 . .', '1 1 2 . .', '. . . 3 .']);
  });

  it('does not split when the line misses the nucleus or leaves it in one piece', () => {
    const ed = editor(rect);
    expect(
      ed.apply({
        kind: 'split',
        label: 1,
        line: [
          [0, 5],
          [8, 5],
        ],
      }),
    ).toBeUndefined();
    expect(
      ed.apply({
        kind: 'split',
        label: 1,
        line: [
          [3.5, -1],
          [3.5, 1.5],
        ],
      }),
    ).toBeUndefined();
    expect(
      ed.apply({
        kind: 'split',
        label: 2,
        line: [
          [3.5, -1],
          [3.5, 4],
        ],
      }),
    ).toBeUndefined();
    expect(ed.canUndo).toBe(false);
    expect(rows(ed)).toEqual(rect);
  });

  const dumbbell = ['. 1 1 1 . . . 1 1 1 .', '1 1 1 1 1 . 1 1 1 1 1', '1 1 1 1 1 1 1 1 1 1 1', '1 1 1 1 1 . 1 1 1 1 1', '. 1 1 1 . . . 1 1 1 .'];

  it('splits a dumbbell at its neck from two seeds; the first seed keeps the label', () => {
    const ed = editor(dumbbell);
    roundTrip(
      ed,
      {
        kind: 'split',
        label: 1,
        seeds: [
          [2.5, 2.5],
          [8.5, 2.5],
        ],
      },
      ['. 1 1 1 . . . 2 2 2 .', '1 1 1 1 1 . 2 2 2 2 2', '1 1 1 1 1 1 2 2 2 2 2', '1 1 1 1 1 . 2 2 2 2 2', '. 1 1 1 . . . 2 2 2 .'],
    );
    const other = editor(dumbbell);
    roundTrip(
      other,
      {
        kind: 'split',
        label: 1,
        seeds: [
          [8.5, 2.5],
          [2.5, 2.5],
        ],
      },
      ['. 2 2 2 . . . 1 1 1 .', '2 2 2 2 2 . 1 1 1 1 1', '2 2 2 2 2 2 1 1 1 1 1', '2 2 2 2 2 . 1 1 1 1 1', '. 2 2 2 . . . 1 1 1 .'],
    );
  });

  it('needs two distinct seed pixels on the nucleus', () => {
    const ed = editor(dumbbell);
    const split = (seeds: Point[]) => ed.apply({ kind: 'split', label: 1, seeds });
    expect(
      split([
        [2.5, 2.5],
        [0.2, 0.2],
      ]),
    ).toBeUndefined();
    expect(
      split([
        [2.5, 2.5],
        [2.9, 2.1],
      ]),
    ).toBeUndefined();
    expect(
      split([
        [2.5, 2.5],
        [-5, 2.5],
        [50, 2.5],
      ]),
    ).toBeUndefined();
    expect(ed.canUndo).toBe(false);
  });

  it('makes parts no seed reaches into pieces of their own, so every piece is 4-connected', () => {
    const ed = editor(['1 1 1 1 . 1', '1 1 1 1 . 1']);
    roundTrip(
      ed,
      {
        kind: 'split',
        label: 1,
        seeds: [
          [0.5, 0.5],
          [3.5, 1.5],
        ],
      },
      ['1 1 1 2 . 3', '1 1 2 2 . 3'],
    );
    for (const l of [1, 2, 3]) expect(fourConnected(ed, l)).toBe(true);
  });

  const bar = Array(5).fill(Array(12).fill('1').join(' '));
  // A slanted valley of low probability where two nuclei touch: x = 9, 8, 7, 6, 5 on rows 0..4.
  const valley = (x: number, y: number) => (x === 9 - y ? 40 : 250);
  const seeds: Point[] = [
    [2.5, 2.5],
    [9.5, 2.5],
  ];

  it('splits between seeds by the distance alone: a straight boundary', () => {
    roundTrip(editor(bar), { kind: 'split', label: 1, seeds }, Array(5).fill('1 1 1 1 1 1 2 2 2 2 2 2'));
  });

  it('with a probability map, the seeded split follows the valley, not a straight line', () => {
    const ed = editor(bar, valley);
    roundTrip(ed, { kind: 'split', label: 1, seeds }, [
      '1 1 1 1 1 1 1 1 1 2 2 2',
      '1 1 1 1 1 1 1 1 2 2 2 2',
      '1 1 1 1 1 1 1 2 2 2 2 2',
      '1 1 1 1 1 1 2 2 2 2 2 2',
      '1 1 1 1 1 1 2 2 2 2 2 2',
    ]);
    for (const l of [1, 2]) expect(fourConnected(ed, l)).toBe(true);
  });

  it('two seeds at the ends of a plain nucleus cut it half-way between them, with or without a flat probability', () => {
    // 10x6: the depth-first flood gave the first seed 54 pixels and the second 6.
    for (const probability of [undefined, new Uint8Array(10 * 6).fill(250)]) {
      const ed = new LabelEditor(new Int32Array(10 * 6).fill(1), 10, 6, { probability });
      ed.apply({
        kind: 'split',
        label: 1,
        seeds: [
          [0.5, 2.5],
          [9.5, 2.5],
        ],
      });
      expect([ed.areaOf(1), ed.areaOf(2)]).toEqual([30, 30]);
    }
  });

  it('with a probability map, a line split gives each cut pixel to its side of the valley', () => {
    const line: Point[] = [
      [7.5, -1],
      [7.5, 6],
    ];
    // The cut is column 7. Without a map it joins one side whole (equal depth: the first pixel wins); with
    // one, the cut pixels above the valley's crossing (row 2) join the left, those below it the right.
    roundTrip(editor(bar), { kind: 'split', label: 1, line }, Array(5).fill('1 1 1 1 1 1 1 1 2 2 2 2'));
    roundTrip(editor(bar, valley), { kind: 'split', label: 1, line }, [
      '1 1 1 1 1 1 1 1 2 2 2 2',
      '1 1 1 1 1 1 1 1 2 2 2 2',
      '1 1 1 1 1 1 1 1 2 2 2 2',
      '1 1 1 1 1 1 1 2 2 2 2 2',
      '1 1 1 1 1 1 1 2 2 2 2 2',
    ]);
  });
});

describe('undo, redo and the tally', () => {
  it('counts only the edits in effect, and a new edit clears the redo stack', () => {
    const ed = editor(['1 1 . 2 2', '1 1 . 2 2', '. . . . .', '3 3 3 3 3']);
    ed.apply({ kind: 'delete', labels: [1, 2] });
    ed.apply({ kind: 'paint', label: 3, points: [[2.5, 2.5]], radius: 0.5 });
    ed.apply({
      kind: 'split',
      label: 3,
      seeds: [
        [0.5, 3.5],
        [4.5, 3.5],
      ],
    });
    ed.apply({ kind: 'merge', labels: [3, 4] });
    ed.apply({ kind: 'erase', points: [[0.5, 3.5]], radius: 0.5 });
    ed.apply({
      kind: 'fill',
      polygon: [
        [0, 0],
        [2, 0],
        [2, 2],
        [0, 2],
      ],
    });
    expect(ed.tally()).toEqual({ deleted: 2, drawn: 1, split: 1, merged: 1, painted: 1, erased: 1 });
    expect(ed.nextLabel()).toBe(6);
    ed.undo();
    ed.undo();
    expect(ed.tally()).toEqual({ deleted: 2, drawn: 0, split: 1, merged: 1, painted: 1, erased: 0 });
    expect(ed.canRedo).toBe(true);
    ed.redo();
    expect(ed.tally()).toEqual({ deleted: 2, drawn: 0, split: 1, merged: 1, painted: 1, erased: 1 });
    ed.apply({ kind: 'delete', labels: [3] });
    expect(ed.canRedo).toBe(false);
    expect(ed.redo()).toBeUndefined();
    expect(ed.tally()).toEqual({ deleted: 3, drawn: 0, split: 1, merged: 1, painted: 1, erased: 1 });
    while (ed.canUndo) ed.undo();
    expect(ed.tally()).toEqual(none);
    expect(rows(ed)).toEqual(['1 1 . 2 2', '1 1 . 2 2', '. . . . .', '3 3 3 3 3']);
    expectBookkeeping(ed);
  });
});

describe('isEditOp', () => {
  it('accepts well-formed ops', () => {
    const good: EditOp[] = [
      { kind: 'delete', labels: [1] },
      { kind: 'merge', labels: [1, 2] },
      {
        kind: 'split',
        label: 1,
        line: [
          [0, 0],
          [1.5, 2],
        ],
      },
      {
        kind: 'split',
        label: 1,
        seeds: [
          [0, 0],
          [3, 3],
        ],
      },
      { kind: 'paint', label: 3, points: [[-1, 2.5]], radius: 0.5, onlyBackground: true },
      {
        kind: 'erase',
        points: [
          [0, 0],
          [2, 2],
        ],
        radius: 256,
      },
      {
        kind: 'fill',
        polygon: [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      },
      {
        kind: 'fill',
        polygon: [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
        label: 7,
        onlyBackground: false,
      },
    ];
    for (const op of good) expect(isEditOp(op)).toBe(true);
  });

  it('refuses malformed ones', () => {
    const bad: unknown[] = [
      null,
      undefined,
      42,
      'delete',
      {},
      { kind: 'explode', labels: [1] },
      { kind: 'delete', labels: [] },
      { kind: 'delete', labels: [0] },
      { kind: 'delete', labels: [1.5] },
      { kind: 'delete', labels: ['1'] },
      { kind: 'merge', labels: [1] },
      { kind: 'split', label: 1 },
      { kind: 'split', label: 1, line: [[0, 0]] },
      { kind: 'split', label: 1, seeds: [[0, 0]] },
      {
        kind: 'split',
        label: 1,
        line: [
          [0, NaN],
          [1, 1],
        ],
      },
      {
        kind: 'split',
        label: -1,
        seeds: [
          [0, 0],
          [1, 1],
        ],
      },
      { kind: 'paint', label: 1, points: [[0, 0]], radius: 0 },
      { kind: 'paint', label: 1, points: [[0, 0]], radius: -2 },
      { kind: 'paint', label: 1, points: [[0, 0]], radius: NaN },
      { kind: 'paint', label: 1, points: [[0, 0]], radius: 1000 },
      { kind: 'paint', label: 1, points: [], radius: 1 },
      { kind: 'paint', points: [[0, 0]], radius: 1 },
      { kind: 'paint', label: 1, points: [[0, 0, 0]], radius: 1 },
      { kind: 'paint', label: 1, points: [[0, 0]], radius: 1, onlyBackground: 'yes' },
      { kind: 'erase', points: [[Infinity, 0]], radius: 1 },
      {
        kind: 'fill',
        polygon: [
          [0, 0],
          [1, 1],
        ],
      },
      {
        kind: 'fill',
        polygon: [
          [0, 0],
          [1, 1],
          [2, 0],
        ],
        label: 0,
      },
    ];
    for (const op of bad) expect([op, isEditOp(op)]).toEqual([op, false]);
  });
});

/** mulberry32: a small seeded generator, so the randomised test is the same every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('randomised edits', () => {
  const size = 64;

  function start(rand: () => number): Int32Array {
    const labels = new Int32Array(size * size);
    for (let k = 1; k <= 30; k++) {
      const cx = rand() * size;
      const cy = rand() * size;
      const r = 2 + rand() * 6;
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) labels[y * size + x] = 3 * k;
    }
    return labels;
  }

  function randomOp(ed: LabelEditor, rand: () => number): EditOp {
    const coord = () => rand() * (size + 16) - 8;
    // Mostly a nucleus under a random pixel (present ones), sometimes any id (often absent).
    const pick = () => ed.labels[Math.floor(rand() * size * size)] || 1 + Math.floor(rand() * ed.nextLabel());
    const inBox = (l: number): Point => {
      const b = ed.boxOf(l) ?? { x0: 0, y0: 0, x1: size, y1: size };
      return [b.x0 + rand() * (b.x1 - b.x0), b.y0 + rand() * (b.y1 - b.y0)];
    };
    const points = (n: number, around: Point, spread: number): Point[] =>
      Array.from({ length: n }, () => [around[0] + (rand() - 0.5) * spread, around[1] + (rand() - 0.5) * spread]);
    switch (Math.floor(rand() * 7)) {
      case 0:
        return { kind: 'delete', labels: [pick()] };
      case 1:
        return { kind: 'merge', labels: [pick(), pick(), pick()] };
      case 2: {
        const l = pick();
        const b = ed.boxOf(l) ?? { x0: 0, y0: 0, x1: 1, y1: 1 };
        const across = rand() < 0.5;
        const at = across ? b.x0 + rand() * (b.x1 - b.x0) : b.y0 + rand() * (b.y1 - b.y0);
        const line: Point[] = across
          ? [
              [at + rand() * 4 - 2, b.y0 - 2],
              [at + rand() * 4 - 2, b.y1 + 2],
            ]
          : [
              [b.x0 - 2, at + rand() * 4 - 2],
              [b.x1 + 2, at + rand() * 4 - 2],
            ];
        return { kind: 'split', label: l, line };
      }
      case 3: {
        const l = pick();
        return { kind: 'split', label: l, seeds: [inBox(l), inBox(l), inBox(l)] };
      }
      case 4:
        return {
          kind: 'paint',
          label: rand() < 0.3 ? ed.nextLabel() : pick(),
          points: points(1 + Math.floor(rand() * 4), [coord(), coord()], 20),
          radius: 0.3 + rand() * 5,
          onlyBackground: rand() < 0.5,
        };
      case 5:
        return { kind: 'erase', points: points(1 + Math.floor(rand() * 4), [coord(), coord()], 20), radius: 0.3 + rand() * 5 };
      default:
        return {
          kind: 'fill',
          polygon: points(3 + Math.floor(rand() * 5), [coord(), coord()], 24),
          label: rand() < 0.3 ? pick() : undefined,
          onlyBackground: rand() < 0.5,
        };
    }
  }

  it.each([false, true])('200 random ops undo to the start and redo to the end, bookkeeping exact (probability map: %s)', (withMap) => {
    const rand = random(withMap ? 7 : 3);
    const initial = start(rand);
    let probability: Uint8Array | undefined;
    if (withMap) {
      probability = new Uint8Array(size * size);
      for (let i = 0; i < probability.length; i++) probability[i] = Math.floor(rand() * 256);
    }
    const ed = new LabelEditor(initial.slice(), size, size, { probability });
    // The extension host applies the same edits to its own copy and must end up identical.
    const host = new LabelEditor(initial.slice(), size, size, { probability });
    const states = [initial.slice()];
    const kinds = new Set<string>();
    for (let step = 0; step < 200; step++) {
      const op = randomOp(ed, rand);
      const before = ed.labels.slice();
      const change = ed.apply(op);
      expect(host.apply(op)).toEqual(change);
      if (!change) {
        expect(firstDifference(ed.labels, before)).toBe(-1);
        continue;
      }
      kinds.add(op.kind);
      expect(changedOutside(before, ed.labels, size, change.box)).toEqual([]);
      expectBookkeeping(ed);
      states.push(ed.labels.slice());
    }
    expect(firstDifference(host.labels, ed.labels)).toBe(-1);
    expect(states.length).toBeGreaterThan(100);
    expect([...kinds].sort()).toEqual(['delete', 'erase', 'fill', 'merge', 'paint', 'split']);
    const tally = ed.tally();
    for (let k = states.length - 2; k >= 0; k--) {
      ed.undo();
      expect(firstDifference(ed.labels, states[k])).toBe(-1);
      expectBookkeeping(ed);
    }
    expect(ed.canUndo).toBe(false);
    expect(ed.tally()).toEqual(none);
    for (let k = 1; k < states.length; k++) {
      ed.redo();
      expect(firstDifference(ed.labels, states[k])).toBe(-1);
      expectBookkeeping(ed);
    }
    expect(ed.canRedo).toBe(false);
    expect(ed.tally()).toEqual(tally);
  });
});

describe('LabelEditor nextLabel option', () => {
  it('continues the numbering of another editor, so new nuclei get the same ids on both sides', () => {
    const host = new LabelEditor(Int32Array.from([1, 1, 0, 2, 2, 0, 3, 3, 0]), 3, 3);
    host.apply({ kind: 'delete', labels: [3] });
    expect(host.nextLabel()).toBe(4);
    const page = new LabelEditor(host.labels.slice(), 3, 3, { nextLabel: host.nextLabel() });
    const op = {
      kind: 'fill' as const,
      polygon: [
        [0, 2],
        [3, 2],
        [3, 3],
        [0, 3],
      ] as [number, number][],
    };
    host.apply(op);
    page.apply(op);
    expect(Array.from(page.labels)).toEqual(Array.from(host.labels));
    expect(page.labels[8]).toBe(4);
    expect(() => new LabelEditor(Int32Array.from([5]), 1, 1, { nextLabel: 5 })).toThrow(/above every label present/);
  });
});
