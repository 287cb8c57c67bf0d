// Training tests run real (tiny) fits on the cpu backend of a shared 2-core machine: allow slack.
module.exports = { ...require('../../jest.preset.js'), displayName: 'training', rootDir: __dirname, testTimeout: 180000 };
