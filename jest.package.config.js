/**
 * `npm run test:package`: packs the library (`npm pack` runs `npm run build`), installs the tarball into
 * a fresh app and synthesizes from it. Kept out of `npm run jest` because the TypeScript build alone
 * takes 20-40 s on two cores; CI runs it as its own step.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/package'],
  testPathIgnorePatterns: ['/node_modules/'],
};
