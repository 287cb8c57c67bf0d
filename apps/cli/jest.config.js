// The commands predict through ONNX Runtime: its environment gives the sandbox Node's typed arrays.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'cli',
  rootDir: __dirname,
  testEnvironment: require.resolve('../../jest.ort-environment.js'),
};
