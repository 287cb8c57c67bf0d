// Correcting a label image by hand: delete, merge, split, paint, erase and draw nuclei, with
// unlimited undo / redo. Shared by the VS Code viewer (a browser bundle: this file and what it
// imports stay free of Node and TF.js) and the extension host, which applies the same edits to its
// own copy so both hold the same labels. Every edit touches only the pixels of its box.

/** A point in image pixels (x right, y down; pixel centres at integers + 0.5 are inside the pixel). */
export type Point = [number, number];

/** A half-open pixel box: x0 <= x < x1, y0 <= y < y1. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One correction, as the viewer sends it (plain JSON: it crosses postMessage and is kept in backups). */
export type EditOp =
  /** Remove these nuclei (their pixels become background). */
  | { kind: 'delete'; labels: number[] }
  /** Join these nuclei into one, keeping the smallest label. */
  | { kind: 'merge'; labels: number[] }
  /**
   * Split one nucleus: by a line drawn across it (the pieces either side become seeds), or by two or
   * more seed points inside it; the pieces are re-made by a seeded watershed on the model's mask
   * probability when the editor has one, else on the distance to the background.
   */
  | { kind: 'split'; label: number; line?: Point[]; seeds?: Point[] }
  /**
   * A brush stroke of `radius` px along `points`, painting `label` (an existing nucleus, or
   * `nextLabel()` for a new one). `onlyBackground`: never paints over another nucleus.
   */
  | { kind: 'paint'; label: number; points: Point[]; radius: number; onlyBackground?: boolean }
  /** An eraser stroke: the pixels under it become background. */
  | { kind: 'erase'; points: Point[]; radius: number }
  /** A freehand outline, filled: a new nucleus (`label`, default `nextLabel()`). `onlyBackground` as for paint. */
  | { kind: 'fill'; polygon: Point[]; label?: number; onlyBackground?: boolean };

/** What an applied (or undone / redone) edit changed, so views update only that box. */
export interface EditChange {
  op: EditOp;
  /** The box the edit touched (clipped to the image). */
  box: Box;
  /** Labels whose pixels changed (present before or after): the rows to re-measure or remove. */
  labels: number[];
}

/** Net counts of the corrections made (undone edits are not counted), for the sidecar. */
export interface EditTally {
  deleted: number;
  drawn: number;
  split: number;
  merged: number;
  painted: number;
  erased: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isLabel = (v: unknown): v is number => isNum(v) && Number.isInteger(v) && v > 0;
const isPoints = (v: unknown, min: number): v is Point[] =>
  Array.isArray(v) && v.length >= min && v.every((p) => Array.isArray(p) && p.length === 2 && isNum(p[0]) && isNum(p[1]));

/** Whether a value (e.g. a webview message) is a well-formed EditOp; nothing else is ever applied. */
export function isEditOp(value: unknown): value is EditOp {
  if (!value || typeof value !== 'object') return false;
  const o = value as Record<string, unknown>;
  switch (o.kind) {
    case 'delete':
      return Array.isArray(o.labels) && o.labels.length > 0 && o.labels.every(isLabel);
    case 'merge':
      return Array.isArray(o.labels) && o.labels.length > 1 && o.labels.every(isLabel);
    case 'split':
      return (
        isLabel(o.label) &&
        (o.line === undefined || isPoints(o.line, 2)) &&
        (o.seeds === undefined || isPoints(o.seeds, 2)) &&
        (o.line !== undefined || o.seeds !== undefined)
      );
    case 'paint':
      return (
        isLabel(o.label) &&
        isPoints(o.points, 1) &&
        isNum(o.radius) &&
        o.radius > 0 &&
        o.radius <= 256 &&
        (o.onlyBackground === undefined || typeof o.onlyBackground === 'boolean')
      );
    case 'erase':
      return isPoints(o.points, 1) && isNum(o.radius) && o.radius > 0 && o.radius <= 256;
    case 'fill':
      return isPoints(o.polygon, 3) && (o.label === undefined || isLabel(o.label)) && (o.onlyBackground === undefined || typeof o.onlyBackground === 'boolean');
    default:
      return false;
  }
}
