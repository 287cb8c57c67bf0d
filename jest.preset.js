// Shared jest settings: swc compiles TypeScript (types are checked by each project's `lint`),
// and @nuclei/* imports resolve to the sources so tests need no build.
const path = require('path');
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleNameMapper: {
    '^@nuclei/(data|model|backend|training|evaluation|segmentation|onnx|slide)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^@nuclei/segmentation/label-colours$': path.join(__dirname, 'packages/segmentation/src/label-colours.ts'),
    '^@nuclei/segmentation/label-edit$': path.join(__dirname, 'packages/segmentation/src/label-edit.ts'),
  },
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
