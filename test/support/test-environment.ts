import NodeEnvironment from 'jest-environment-node';
import {
  SHARED_CLOUDFORMATION_VALIDATE,
  sharedCloudFormationValidate,
} from './cloudformation-validate-engine';

/**
 * Jest's Node environment, plus one CloudFormation validation engine per jest worker, shared by every test
 * file the worker runs.
 *
 * Why: the CloudFormation validation built into aws-cdk-lib (`CloudFormationValidatePlugin`, which the
 * gate tests run through `gateFindings` in test/support/compliance.ts) validates with a WebAssembly engine
 * from `@aws/cloudformation-validate`. Building it loads every resource schema (about 2 s), and its first
 * template of each resource type costs about 0.5 s more. Jest gives each test file its own module registry,
 * so every test file that ran a gate built its own engine: 12 gate runs spent 70 s of the suite's CPU time
 * there (measured 2026-12-07, 2 workers). Here the engine is built once per worker, outside the test files'
 * registries, and jest.config.js maps `@aws/cloudformation-validate` to
 * test/support/shared-cloudformation-validate.ts, which hands this shared module to aws-cdk-lib.
 *
 * It changes nothing that is checked: aws-cdk-lib still builds its validation configuration, calls the
 * engine and reads its diagnostics itself. Validating a template keeps no state in the engine (every call
 * passes its template and options); test/core/shared-cloudformation-validate.test.ts shows that aws-cdk-lib
 * gets the shared engine and that it finds the same on a template before and after validating others.
 */
export default class ReferenceArchitecturesEnvironment extends NodeEnvironment {
  constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
    super(...args);
    this.global[SHARED_CLOUDFORMATION_VALIDATE] = sharedCloudFormationValidate();
  }
}
