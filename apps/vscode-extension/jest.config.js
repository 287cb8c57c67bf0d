const preset = require('../../jest.preset.js');
module.exports = {
  ...preset,
  displayName: 'vscode-extension',
  rootDir: __dirname,
  // `vscode` exists only inside the editor: unit tests get a small mock.
  moduleNameMapper: { ...preset.moduleNameMapper, '^vscode$': '<rootDir>/test/vscode-mock.ts' },
};
