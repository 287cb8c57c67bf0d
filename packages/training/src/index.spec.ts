import * as training from './index';

describe('@nuclei/training', () => {
  it('exports the callbacks as one namespace (as tfjs-layers does), not one by one', () => {
    for (const name of ['progress', 'earlyStopping', 'reduceLrOnPlateau', 'cosineSchedule', 'historyLogger', 'checkpoint', 'defaultCallbacks'])
      expect([name, typeof (training.callbacks as Record<string, unknown>)[name]]).toEqual([name, 'function']);
    expect(Object.keys(training)).not.toContain('earlyStopping');
    expect(typeof training.trainWithRecipe).toBe('function');
  });
});
