// Messages between the extension host and the webviews, as discriminated unions on `type`.
// Imported by both sides: the extension (Node) and the webview scripts (browser bundles),
// so this file must stay free of `vscode` and Node imports.

/** Which page a webview shows. */
export type ViewKind = 'segment' | 'train' | 'evaluate';

/** A label image, packed for postMessage: base64 of little-endian Uint16 or Int32 values. */
export interface PackedLabels {
  dtype: 'uint16' | 'int32';
  base64: string;
}

export interface SegmentationPayload {
  fileName: string;
  /** A URI the webview can load (webview resource URI or a data: URL). */
  imageSrc: string;
  width: number;
  height: number;
  labels: PackedLabels;
  count: number;
  meanArea: number;
  /** areas[i] is the area in pixels of nucleus i + 1. */
  areas: number[];
}

export type SaveKind = 'mask' | 'labels' | 'overlay' | 'csv' | 'all';

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  iou?: number;
  etaSeconds?: number;
}

export interface MetricsRow {
  name: string;
  values: Record<string, number>;
}

export interface MetricsTable {
  columns: string[];
  rows: MetricsRow[];
  mean: Record<string, number>;
}

/** Extension -> webview. */
export type ToWebview =
  | { type: 'segmentation'; payload: SegmentationPayload }
  | { type: 'saved'; files: string[] }
  | { type: 'trainStart'; epochs: number; datasetName: string; samples: number }
  | { type: 'trainProgress'; progress: TrainProgress }
  /** One completed epoch (1-based): train means and validation figures. */
  | { type: 'trainEpoch'; epoch: number; loss: number; iou?: number; valLoss?: number; valIou?: number }
  | { type: 'trainDone'; status: 'completed' | 'cancelled' | 'failed'; modelDir?: string; message?: string }
  | { type: 'evaluation'; datasetName: string; table: MetricsTable; text?: string }
  | { type: 'error'; message: string };

/** Webview -> extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'save'; what: SaveKind; pickLocation: boolean }
  | { type: 'cancelTraining' };

export function isFromWebview(value: unknown): value is FromWebview {
  if (!value || typeof value !== 'object') return false;
  const t = (value as { type?: unknown }).type;
  if (t === 'ready' || t === 'cancelTraining') return true;
  if (t === 'save') {
    const v = value as { what?: unknown; pickLocation?: unknown };
    return ['mask', 'labels', 'overlay', 'csv', 'all'].includes(v.what as string) && typeof v.pickLocation === 'boolean';
  }
  return false;
}

/** Packs a label image for a message: Uint16 when every label fits, else Int32. */
export function packLabels(labels: Int32Array, count: number): PackedLabels {
  if (count < 65536) {
    const u16 = new Uint16Array(labels.length);
    for (let i = 0; i < labels.length; i++) u16[i] = labels[i];
    return { dtype: 'uint16', base64: bytesToBase64(new Uint8Array(u16.buffer)) };
  }
  return { dtype: 'int32', base64: bytesToBase64(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)) };
}

export function unpackLabels(packed: PackedLabels): Int32Array {
  const bytes = base64ToBytes(packed.base64);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  if (packed.dtype === 'uint16') return Int32Array.from(new Uint16Array(buf));
  return new Int32Array(buf);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function bytesToBase64(bytes: Uint8Array): string {
  const out: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i], b = bytes[i + 1], c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    chunk += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (b === undefined ? '=' : B64[(n >> 6) & 63]) + (c === undefined ? '=' : B64[n & 63]);
    if (chunk.length > 8192) { out.push(chunk); chunk = ''; }
  }
  out.push(chunk);
  return out.join('');
}

export function base64ToBytes(text: string): Uint8Array {
  const lookup = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) lookup[B64.charCodeAt(i)] = i;
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n = (lookup[clean.charCodeAt(i)] << 18) | (lookup[clean.charCodeAt(i + 1)] << 12) |
      ((i + 2 < clean.length ? lookup[clean.charCodeAt(i + 2)] : 0) << 6) | (i + 3 < clean.length ? lookup[clean.charCodeAt(i + 3)] : 0);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
