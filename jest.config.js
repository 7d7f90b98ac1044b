/** Jest transpiles only; `npm run typecheck` (tsc --noEmit) does the type-checking once. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/lib'],
  testMatch: ['**/*.test.ts'],
  // The packed-package test builds and packs the library (20-40 s): `npm run test:package` runs it.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  snapshotSerializers: ['<rootDir>/test/support/snapshot-serializer.ts'],
  testTimeout: 120000,
};
