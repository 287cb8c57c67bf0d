import * as tf from '@tensorflow/tfjs';
import { loadModel, type Preprocessing, type UNetConfig } from '@nuclei/model';
import type { RecipeName } from './recipes';

/** What fine-tuning starts from: a saved model's network, input normalisation, recipe and weights. */
export interface StartingModel {
  dir: string;
  config: UNetConfig;
  preprocessing?: Preprocessing;
  /** Models with normalised input train with the nuclei recipe, seed models with the seed's. */
  recipe: RecipeName;
  /** Sets these weights on a network built from `config` (same layers, same order). */
  applyTo(model: tf.LayersModel): void;
  dispose(): void;
}

/**
 * Loads a model to fine-tune (how Cellpose users adapt a model to their images: a few epochs on a
 * few annotated images, from trained weights instead of random ones). The learning rate defaults
 * to a tenth of the model's, so the first steps do not undo what it learned.
 */
export async function loadStartingModel(dir: string, learningRate?: number): Promise<StartingModel> {
  // Kept loaded until dispose(): its weights are copied onto the network being trained.
  const { model, metadata } = await loadModel(dir, { compile: false });
  const config: UNetConfig = { ...metadata.config, learningRate: learningRate ?? metadata.config.learningRate / 10 };
  return {
    dir,
    config,
    ...(metadata.preprocessing ? { preprocessing: metadata.preprocessing } : {}),
    recipe: metadata.preprocessing ? 'nuclei' : 'seed',
    applyTo(target) {
      const weights = model.getWeights();
      const shapes = (ws: tf.Tensor[]) => ws.map((w) => w.shape.join('x')).join(',');
      if (shapes(target.getWeights()) !== shapes(weights))
        throw new Error(`${dir}: its weights do not fit the network being trained (${weights.length} tensors against ${target.getWeights().length})`);
      target.setWeights(weights);
    },
    dispose() {
      model.dispose();
    },
  };
}
