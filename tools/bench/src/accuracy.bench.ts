// Accuracy per kind of image (figures, not assertions): the shipped model (models/default) and the
// seed-recipe model (models/seed), each segmenting as its metadata recommends, and the classical
// ImageJ macro (when ImageJ is installed), on the held-out images that models/default records,
// scored at full size against the full-size truth.
// Data: $NUCLEI_DSB_DIR, else ../shared/data/dsb2018-train. Run: npm run bench -- accuracy [-- --limit N]
import { existsSync } from 'fs';
import { resolve } from 'path';
import { formatKindTable, type EvaluationReport } from '@nuclei/evaluation';
import { loadModel } from '@nuclei/model';
import { selectBackend } from '@nuclei/backend';
import { selectEngine } from '@nuclei/onnx';
import { evaluateModelOnDataset, segmentOptionsForModel } from '@nuclei/segmentation';
import { imageJMacroReport, imageJMissing } from './imagej-macro';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const dir = resolve(process.cwd(), process.env.NUCLEI_DSB_DIR ?? '../shared/data/dsb2018-train');
  if (!existsSync(dir)) {
    console.log(`accuracy bench skipped: no dataset at ${dir} (set NUCLEI_DSB_DIR to the DSB 2018 stage1_train folder)`);
    return;
  }
  console.log((await selectBackend('auto')).describe());
  const models = ['models/default', 'models/seed'].map((m) => resolve(process.cwd(), m)).filter((m) => existsSync(m));
  const reference = await loadModel(models[0], { compile: false });
  let ids = reference.metadata.training?.validationIds as string[] | undefined;
  reference.model.dispose();
  if (!ids?.length) throw new Error(`${models[0]} records no validation ids`);
  const limit = arg('limit');
  if (limit) ids = ids.slice(0, Number(limit));
  const table: string[] = [];
  const add = (title: string, report: EvaluationReport) => {
    table.push(title);
    table.push(
      `  all            ${String(report.imageCount).padStart(4)} images  DSB ${report.mean.dsb.toFixed(3)}  AP50 ${report.mean.ap50.toFixed(3)}  IoU ${report.mean.iou.toFixed(3)}`,
    );
    table.push(
      ...formatKindTable(report)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  };
  for (const m of models) {
    const { model, metadata } = await loadModel(m, { compile: false });
    const engine = await selectEngine(model, 'auto');
    const t = performance.now();
    const report = await evaluateModelOnDataset(dir, engine.predictor, { ...segmentOptionsForModel(metadata), ids });
    engine.predictor.dispose();
    model.dispose();
    add(`${m} (${metadata.preset}; ${engine.predictor.engine}, ${((performance.now() - t) / 1000).toFixed(0)} s for ${ids.length} images)`, report);
  }
  const missing = imageJMissing();
  if (missing) table.push(`ImageJ macro: skipped, ${missing}`);
  else {
    const t = performance.now();
    const report = await imageJMacroReport(dir, ids);
    add(`ImageJ 1.53 macro: 8-bit, Otsu, Fill Holes, Watershed, Analyze Particles >= 10 px (${((performance.now() - t) / 1000).toFixed(0)} s)`, report);
  }
  console.log(`\nOn ${ids.length} held-out images of ${dir}, full-size truth:\n${table.join('\n')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
