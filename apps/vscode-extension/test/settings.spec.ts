// The extension's setting defaults are the libraries' defaults, written once there (package.json
// cannot import them, so this test keeps the two from drifting apart).
import * as fs from 'fs';
import * as path from 'path';
import { resolveConfig } from '@nuclei/model';
import { DEFAULT_OPTIONS, DEFAULT_RECIPE, RECIPES } from '@nuclei/training';
import { settingsOf } from './settings-of';

const props = settingsOf(JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8')));

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

  it('are grouped for the Settings UI: Model, Segmentation, Training', () => {
    const groups = JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8')).contributes.configuration as Array<{
      title: string;
      properties: object;
    }>;
    expect(groups.map((g) => g.title)).toEqual(['Nuclei: Model', 'Nuclei: Segmentation', 'Nuclei: Training']);
    expect(Object.keys(groups[2].properties)).toContain('nuclei.epochs');
  });
});
