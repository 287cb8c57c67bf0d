module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'onnx',
  rootDir: __dirname,
  testEnvironment: require.resolve('../../jest.ort-environment.js'),
};
