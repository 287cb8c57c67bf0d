// Shared setup of the opt-in end-to-end tests: the packaged .vsix (built once per run), a
// workspace folder with a synthetic microscopy image, and a model when the package has none.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { generateSyntheticDataset, generateSyntheticSample } from '@nuclei/data';

export const E2E = process.env.NUCLEI_E2E === '1';
export const APP = path.resolve(__dirname, '../..');
export const CACHE = process.env.NUCLEI_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'nuclei-e2e');

const packaging = require(path.join(APP, 'scripts/package.js')) as {
  packageVsix(): string;
  checkPackage(vsix: string): { files: string[]; hasModel: boolean };
  unpack(vsix: string): string;
};

let packaged: { vsix: string; hasModel: boolean } | undefined;

/** Builds and packages the extension (once per jest worker), with the package checks. */
export function packagedVsix(): { vsix: string; hasModel: boolean } {
  if (!packaged) {
    const vsix = process.env.NUCLEI_VSIX ?? packaging.packageVsix();
    const { hasModel } = packaging.checkPackage(vsix);
    packaged = { vsix, hasModel };
  }
  return packaged;
}

export function unpackVsix(vsix: string): string {
  return path.join(packaging.unpack(vsix), 'extension');
}

/**
 * A folder with `cells.png` and the same pixels as `cells.tif` (synthetic nuclei), a small
 * DSB-layout dataset `train-data/` (10 images, for the training dialog), and, if asked, a small
 * untrained model.
 */
export async function makeWorkspace(root: string, withModel: boolean): Promise<{ dir: string; image: string; dataset: string; modelDir?: string }> {
  const dir = path.join(root, 'workspace');
  fs.mkdirSync(dir, { recursive: true });
  const { image } = generateSyntheticSample({ width: 192, height: 160, seed: 7, style: 'fluorescent' });
  const file = path.join(dir, 'cells.png');
  await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toFile(file);
  await sharp(file).tiff().toFile(path.join(dir, 'cells.tif'));
  const dataset = path.join(dir, 'train-data');
  await generateSyntheticDataset(dataset, { count: 10, width: 64, height: 64, seed: 5 });
  let modelDir: string | undefined;
  if (withModel) {
    modelDir = path.join(dir, 'tiny-model');
    const model = await import('@nuclei/model');
    await (await import('@nuclei/backend')).selectBackend('cpu');
    const config = model.resolveConfig({ inputSize: 64, depth: 3, baseFilters: 4 });
    const warn = console.warn;
    console.warn = () => undefined; // tfjs's "use tfjs-node for speed" banner
    try {
      const net = model.buildUNet(config);
      await model.saveModel(net, modelDir, { preset: 'custom', config });
      net.dispose();
    } finally {
      console.warn = warn;
    }
  }
  return { dir, image: file, dataset, modelDir };
}
