// What `require('@aws/cloudformation-validate')` gives inside a test file (jest.config.js maps it here): the
// module loaded once per jest worker by test/support/test-environment.ts, whose engine every test file of
// the worker shares. See ReferenceArchitecturesEnvironment for why and what it changes.
import { SHARED_CLOUDFORMATION_VALIDATE } from './cloudformation-validate-engine';

const shared = (globalThis as Record<string, unknown>)[SHARED_CLOUDFORMATION_VALIDATE];
if (!shared) {
  throw new Error(
    '@aws/cloudformation-validate is mapped to test/support/shared-cloudformation-validate.ts, but the test ' +
      "environment did not provide it: run the tests with jest.config.js's testEnvironment " +
      '(test/support/test-environment.ts).',
  );
}
module.exports = shared;
