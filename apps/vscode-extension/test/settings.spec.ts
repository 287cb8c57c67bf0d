// The extension's setting defaults are the libraries' defaults, written once there (package.json
// cannot import them, so this test keeps the two from drifting apart).
import * as fs from 'fs';
import * as path from 'path';
import { METADATA_FILE, MODEL_JSON, resolveConfig } from '@nuclei/model';
import { MODEL_JSON as EXT_MODEL_JSON, MODEL_METADATA, readConfig, SECTION } from '../src/config';
import { IMAGE_EXTENSIONS } from '../src/image-files';
import { DEFAULT_SEGMENT } from '@nuclei/segmentation';
import { DEFAULT_OPTIONS, DEFAULT_RECIPE, FINE_TUNE, RECIPES } from '@nuclei/training';
import { settingsOf } from './settings-of';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8'));
const props = settingsOf(pkg);

describe('setting defaults', () => {
  it('match the training defaults of @nuclei/training and @nuclei/model', () => {
    expect(props['nuclei.batchSize'].default).toBe(DEFAULT_OPTIONS.batchSize);
    expect(props['nuclei.inputSize'].default).toBe(resolveConfig(RECIPES[DEFAULT_RECIPE].preset).inputSize);
    expect(props['nuclei.trainingRecipe'].default).toBe(DEFAULT_RECIPE);
    expect(props['nuclei.trainingRecipe'].enum.sort()).toEqual(Object.keys(RECIPES).sort());
    // Epochs: empty means the recipe's, and the description says what that is.
    expect(props['nuclei.epochs'].default).toBeNull();
    for (const [name, r] of Object.entries(RECIPES)) expect(props['nuclei.epochs'].description).toContain(`${r.epochs} for ${name}`);
  });

  it("leave segmentation to the model's recommendation, and say the fallback of @nuclei/segmentation's DEFAULT_SEGMENT", () => {
    expect(props['nuclei.threshold'].default).toBeNull();
    expect(props['nuclei.threshold'].description).toContain(`else ${DEFAULT_SEGMENT.threshold}.`);
    expect(props['nuclei.tiling'].default).toBe('auto');
    expect(props['nuclei.tiling'].enum).toContain(DEFAULT_SEGMENT.mode);
    expect(props['nuclei.tiling'].enumDescriptions[0]).toContain(`else ${DEFAULT_SEGMENT.mode}`);
  });

  it("are what config.ts falls back to when a setting is missing (and fine-tuning's mix share is FINE_TUNE's)", () => {
    const config = readConfig() as unknown as Record<string, unknown>;
    for (const [key, p] of Object.entries(props)) expect([key, config[key.slice(SECTION.length + 1)] ?? null]).toEqual([key, p.default]);
    expect(props['nuclei.fineTuneMixShare'].default).toBe(FINE_TUNE.mixShare);
  });

  it('are grouped for the Settings UI: Model, Segmentation, Training', () => {
    const groups = JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8')).contributes.configuration as Array<{
      title: string;
      properties: object;
    }>;
    expect(groups.map((g) => g.title)).toEqual(['Nuclei: Model', 'Nuclei: Segmentation', 'Nuclei: Training']);
    expect(Object.keys(groups[2].properties)).toContain('nuclei.epochs');
  });
});

describe('names written once in the extension', () => {
  it("the model folder's files are @nuclei/model's (config.ts repeats them so activation does not load TF.js)", () => {
    expect(EXT_MODEL_JSON).toBe(MODEL_JSON);
    expect(MODEL_METADATA).toBe(METADATA_FILE);
  });

  it("the menus' image pattern accepts exactly image-files.ts's IMAGE_EXTENSIONS", () => {
    const whens: string[] = Object.values(pkg.contributes.menus as Record<string, Array<{ when?: string }>>)
      .flat()
      .map((m) => m.when ?? '')
      .filter((w) => w.includes('resourceExtname'));
    expect(whens.length).toBeGreaterThan(0);
    for (const when of whens) {
      const re = new RegExp(/resourceExtname =~ \/(.+)\/i/.exec(when)![1], 'i');
      for (const ext of IMAGE_EXTENSIONS) expect(re.test(`.${ext}`)).toBe(true);
      for (const ext of ['.webp', '.bmp', '.gif', '.json']) expect(re.test(ext)).toBe(false);
    }
    // The TIFF viewer opens a part of them.
    const tiffs = /\{(.+)\}/.exec(pkg.contributes.customEditors[0].selector[0].filenamePattern)![1].split(',');
    for (const ext of tiffs) expect(IMAGE_EXTENSIONS).toContain(ext);
  });
});
