module.exports = { ...require('../../jest.preset.js'), displayName: 'vscode-extension', rootDir: __dirname };
