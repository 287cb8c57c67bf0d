// Segmentation end to end: read a PNG, predict (tiled, native resolution), split nuclei, write
// mask/labels/overlay/JSON/CSV, for a 256x256 and a 1024x1024 synthetic image on wasm with the
// seed U-Net (or models/default when present). Then the split decision: DSB score of watershed vs
// connected components on synthetic images with touching pairs.
// Each size runs with the model's own tile size (default) and with the whole image as one tile,
// then (with models/default) end to end through segment() with the options the model recommends,
// on each engine (TF.js wasm, ONNX Runtime).
// Not a test: it prints figures. Run: npm run bench -- segment [-- --runs 2 --split-images 24 --engines tfjs,onnx]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { generateSyntheticSample, masksToLabels } from '@nuclei/data';
import { buildUNet, loadModel, type ModelMetadata, type TilePredictor } from '@nuclei/model';
import { selectBackend } from '@nuclei/backend';
import { selectEngine, type EnginePreference } from '@nuclei/onnx';
import { dsbScore } from '@nuclei/evaluation';
import {
  gaussianBlur,
  instancesFromPrediction,
  predictImage,
  segment,
  segmentOptionsForModel,
  readImageForSegmentation,
  modelInputSize,
  splitInstances,
  writeSegmentationOutputs,
  type SegmentResult,
  type SplitMethod,
} from '@nuclei/segmentation';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const runs = Number(arg('runs', '2'));
const splitImages = Number(arg('split-images', '24'));
const engines = arg('engines', 'tfjs,onnx').split(',') as EnginePreference[];
const ms = (t0: number) => performance.now() - t0;
const f = (v: number) => v.toFixed(0).padStart(6);

async function timeOne(model: TilePredictor, metadata: ModelMetadata | undefined, size: number, dir: string, tileSize?: number) {
  const trained = metadata !== undefined;
  const { image, masks } = generateSyntheticSample({ width: size, height: size, seed: size });
  const file = path.join(dir, `synthetic_${size}.png`);
  await sharp(image.data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toFile(file);
  // An untrained U-Net outputs noise (tens of thousands of specks), so its mask is replaced by the
  // synthetic truth for the split and write steps: realistic nucleus counts, same code path.
  const truthMask = Uint8Array.from(masksToLabels(masks, size, size), (v) => (v > 0 ? 1 : 0));
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    const img = await readImageForSegmentation(file);
    const tRead = ms(t0);
    const t1 = performance.now();
    // What segment({ tileSize }) does, with the model's own input normalisation (a copy of the
    // model at the tile size is built inside the timing).
    const pred = await predictImage(img, model, { tileSize, preprocessing: metadata?.preprocessing });
    const { tiles } = pred;
    const probability = pred.planes[0];
    const tPredict = ms(t1);
    const t2 = performance.now();
    const split = trained
      ? instancesFromPrediction(pred, {})
      : { ...splitInstances(truthMask, size, size, { split: 'watershed' }), mask: truthMask, split: 'watershed' as SplitMethod };
    const inst = split;
    const tSplit = ms(t2);
    const result: SegmentResult = {
      width: size,
      height: size,
      probability,
      mask: split.mask,
      labels: inst.labels,
      count: inst.count,
      areas: inst.areas,
      meanArea: inst.areas.reduce((a, b) => a + b, 0) / Math.max(1, inst.count),
      mode: 'tile',
      tiles,
      threshold: 0.5,
      split: split.split,
    };
    const t3 = performance.now();
    await writeSegmentationOutputs(result, img, path.join(dir, 'out'), `synthetic_${size}`, { imagePath: file });
    const tWrite = ms(t3);
    const total = tRead + tPredict + tSplit + tWrite;
    console.log(
      `${model.engine.padEnd(5)} ${`${size}x${size}`.padEnd(10)} tile ${String(tileSize ?? modelInputSize(model)).padStart(4)}  run ${run}  total ${f(total)} ms = read ${f(tRead)} + predict ${f(tPredict)} (${tiles} tiles, ${(tPredict / tiles).toFixed(0)} ms/tile) + split ${f(tSplit)} + write ${f(tWrite)}   nuclei ${inst.count}`,
    );
  }
}

/** What `nuclei segment` does with the model's own recommended options: read, segment(), write. */
async function timeRecommended(model: TilePredictor, metadata: ModelMetadata, size: number, dir: string) {
  const { image } = generateSyntheticSample({ width: size, height: size, seed: size });
  const file = path.join(dir, `recommended_${size}.png`);
  await sharp(image.data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toFile(file);
  const options = segmentOptionsForModel(metadata);
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    const img = await readImageForSegmentation(file);
    const result = await segment(img, model, options);
    await writeSegmentationOutputs(result, img, path.join(dir, 'out'), `recommended_${size}`, { imagePath: file });
    console.log(
      `${model.engine.padEnd(5)} ${`${size}x${size}`.padEnd(10)} model's defaults (${JSON.stringify(options)})  run ${run}  total ${f(ms(t0))} ms  (${result.tiles} tiles, nuclei ${result.count})`,
    );
  }
}

/** Mean DSB of both split methods on masks from synthetic truth: exact, and rounded like a U-Net's. */
function compareSplits() {
  const methods: SplitMethod[] = ['components', 'watershed'];
  const sums: Record<string, number> = {};
  let pairs = 0;
  for (let k = 0; k < splitImages; k++) {
    const size = 256;
    const { masks } = generateSyntheticSample({ width: size, height: size, seed: 1000 + k });
    const truth = masksToLabels(masks, size, size);
    const exact = Uint8Array.from(truth, (v) => (v > 0 ? 1 : 0));
    // "Soft" masks: blurred truth cut at 0.5, whose rounded corners and filled necks are what a
    // U-Net tends to output at touching nuclei.
    const blurred = gaussianBlur(Float32Array.from(exact), size, size, 2);
    const soft = Uint8Array.from(blurred, (v) => (v >= 0.5 ? 1 : 0));
    for (const [name, mask] of [
      ['exact', exact],
      ['soft', soft],
    ] as const) {
      for (const m of methods) {
        const { labels } = splitInstances(mask, size, size, { split: m });
        const key = `${name}/${m}`;
        sums[key] = (sums[key] ?? 0) + dsbScore(labels, truth, size, size).score;
      }
    }
    pairs += masks.length;
  }
  console.log(`\nsplit decision: mean DSB score over ${splitImages} synthetic 256x256 images (${pairs} nuclei)`);
  for (const mask of ['exact', 'soft']) {
    console.log(
      `  ${mask.padEnd(6)} mask   components ${(sums[`${mask}/components`] / splitImages).toFixed(4)}   watershed ${(sums[`${mask}/watershed`] / splitImages).toFixed(4)}`,
    );
  }
}

async function main() {
  const sel = await selectBackend('wasm');
  console.log(
    `${sel.describe()}; load average ${os
      .loadavg()
      .map((v) => v.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  const modelDir = path.join(__dirname, '../../../models/default');
  let model: tf.LayersModel;
  let metadata: ModelMetadata | undefined;
  if (fs.existsSync(path.join(modelDir, 'model.json'))) {
    ({ model, metadata } = await loadModel(modelDir, { compile: false }));
    console.log(`model: ${modelDir}`);
  } else {
    model = buildUNet('seed');
    console.log('model: buildUNet("seed"), untrained: split and write run on the synthetic truth mask');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-bench-seg-'));
  try {
    for (const engine of engines) {
      const { predictor } = await selectEngine(model, engine);
      console.log(`\nengine: ${predictor.engine} (${predictor.description})`);
      try {
        for (const size of [256, 1024]) {
          await timeOne(predictor, metadata, size, dir);
          await timeOne(predictor, metadata, size, dir, size); // the whole image as one tile
        }
        if (metadata) for (const size of [256, 1024]) await timeRecommended(predictor, metadata, size, dir);
      } finally {
        predictor.dispose();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
  compareSplits();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
