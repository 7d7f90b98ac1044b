/**
 * Jest transpiles only; `npm run typecheck` (tsc --noEmit) does the type-checking once. The transpiler is
 * swc (@swc/jest), not ts-jest: on a fresh clone (no transform cache) ts-jest spent about 13 s of the
 * suite's wall time loading TypeScript in each worker and transpiling every file (measured 2026-12-06).
 * swc's options below mirror tsconfig.json: ES2022 class fields (useDefineForClassFields), CommonJS.
 */
module.exports = {
  // Node's environment, plus one CloudFormation validation engine per worker (see the file).
  testEnvironment: '<rootDir>/test/support/test-environment.ts',
  moduleNameMapper: {
    '^@aws/cloudformation-validate$': '<rootDir>/test/support/shared-cloudformation-validate.ts',
  },
  roots: ['<rootDir>/test', '<rootDir>/lib'],
  testMatch: ['**/*.test.ts'],
  // The packed-package test builds and packs the library (20-40 s): `npm run test:package` runs it.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/'],
  transform: {
    '^.+\\.tsx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript' },
          target: 'es2022',
          transform: { useDefineForClassFields: true },
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  snapshotSerializers: ['<rootDir>/test/support/snapshot-serializer.ts'],
  testTimeout: 120000,
};
