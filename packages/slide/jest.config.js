module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'slide',
  rootDir: __dirname,
  testEnvironment: require.resolve('../../jest.ort-environment.js'),
};
