import * as fs from 'fs';
import * as path from 'path';
import { loadModel, type ModelMetadata, type TilePredictor } from '@nuclei/model';
import { onnxPredictor } from '@nuclei/onnx';
import { segmentOptionsForModel, type SegmentOptions } from '@nuclei/segmentation';

export const DEFAULT_MODEL = path.resolve(__dirname, '../../../../models/default');

/** The bundled model through ONNX Runtime (one thread: tests run beside others), with its recommended settings. */
export async function bundledPredictor(): Promise<{ predictor: TilePredictor; options: SegmentOptions; metadata: ModelMetadata }> {
  const { model, metadata } = await loadModel(DEFAULT_MODEL);
  model.dispose();
  const bytes = new Uint8Array(fs.readFileSync(path.join(DEFAULT_MODEL, 'model.onnx')));
  const predictor = await onnxPredictor(
    bytes,
    { size: metadata.inputSize, channels: metadata.config.inputChannels ?? 3, outputs: metadata.config.outputChannels ?? 1 },
    { threads: 1 },
  );
  return { predictor, options: segmentOptionsForModel(metadata), metadata };
}
