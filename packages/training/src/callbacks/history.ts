import * as fs from 'fs';
import * as path from 'path';
import type { EpochLogs, TrainingCallback } from '../types';

export const HISTORY_CSV = 'history.csv';
export const HISTORY_JSONL = 'history.jsonl';

const PREFERRED = ['epoch', 'loss', 'acc', 'iou', 'val_loss', 'val_acc', 'val_iou', 'lr', 'seconds'];

function columnsOf(logs: EpochLogs): string[] {
  const extra = Object.keys(logs)
    .filter((k) => !PREFERRED.includes(k))
    .sort();
  return [...PREFERRED.filter((k) => k in logs), ...extra];
}

/** Append and fsync: an interrupted (even killed) run keeps every completed epoch. */
function appendDurably(file: string, text: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function rewrite(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function readLines(file: string): string[] {
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
    : [];
}

/**
 * Writes one row per completed epoch to `<outDir>/history.csv` and `<outDir>/history.jsonl`.
 * A fresh run (initial epoch 0) starts new files; a resumed run keeps the rows of the epochs
 * before it and drops later ones (epochs whose checkpoint never landed are run again).
 */
export function historyLogger(outDir: string): TrainingCallback {
  const csv = path.join(outDir, HISTORY_CSV);
  const jsonl = path.join(outDir, HISTORY_JSONL);
  let columns: string[] | undefined;
  return {
    name: 'history',
    onTrainBegin(ctx) {
      fs.mkdirSync(outDir, { recursive: true });
      const start = ctx.options.initialEpoch;
      columns = undefined;
      if (start === 0) {
        for (const f of [csv, jsonl]) fs.rmSync(f, { force: true });
        return;
      }
      const keptJson = readLines(jsonl).filter((l) => (JSON.parse(l) as EpochLogs).epoch < start);
      rewrite(jsonl, keptJson.map((l) => `${l}\n`).join(''));
      const [header, ...rows] = readLines(csv);
      if (header) {
        columns = header.split(',');
        const epochCol = columns.indexOf('epoch');
        const kept = rows.filter((r) => Number(r.split(',')[epochCol]) < start);
        rewrite(csv, [header, ...kept].map((l) => `${l}\n`).join(''));
      }
    },
    onEpochEnd(logs) {
      appendDurably(jsonl, `${JSON.stringify(logs)}\n`);
      let text = '';
      if (!columns) {
        columns = columnsOf(logs);
        text += `${columns.join(',')}\n`;
      }
      text += `${columns.map((c) => (logs[c] === undefined ? '' : String(logs[c]))).join(',')}\n`;
      appendDurably(csv, text);
    },
  };
}
