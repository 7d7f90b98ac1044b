import * as path from 'path';

// The CloudFormation validation engine shared by the test files of a jest worker: see
// test/support/test-environment.ts for why. This module imports nothing of jest, so a test file can load it.

/** The global under which a test file finds the worker's shared module. */
export const SHARED_CLOUDFORMATION_VALIDATE = '__refarchSharedCloudFormationValidate';

/** The property of the shared module that counts the engines the worker built. */
export const ENGINES_BUILT = 'enginesBuilt';

/** The `@aws/cloudformation-validate` that aws-cdk-lib requires (it has its own copy in its node_modules). */
export function cloudFormationValidatePath(): string {
  return require.resolve('@aws/cloudformation-validate', {
    paths: [path.dirname(require.resolve('aws-cdk-lib/package.json'))],
  });
}

type Engine = { free(): void; validateTemplate(template: unknown, config?: unknown): unknown };
type CloudFormationValidate = Record<string, unknown> & {
  CompositeEngine: new (config?: unknown) => Engine;
};

let shared: CloudFormationValidate | undefined;

/**
 * The module, loaded once per worker, with `CompositeEngine` replaced: constructing one returns the
 * worker's engine for that configuration (built on first use), whose `free()` does nothing, so a plugin that
 * disposes or rebuilds its engine leaves it for the next test file.
 *
 * Objects a test file creates belong to that file's JavaScript realm, and the module checks plain objects
 * against its own realm's `Object.prototype`: configurations are copied into this realm (as JSON) before
 * they reach it.
 */
export function sharedCloudFormationValidate(): CloudFormationValidate {
  if (shared) return shared;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require(cloudFormationValidatePath()) as CloudFormationValidate;
  const engines = new Map<string, Engine>();
  let built = 0;
  const inThisRealm = (value: unknown) =>
    value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  function SharedCompositeEngine(config?: unknown): Engine {
    const copy = inThisRealm(config ?? {});
    const key = JSON.stringify(copy);
    let engine = engines.get(key);
    if (!engine) {
      engine = new real.CompositeEngine(copy);
      engines.set(key, engine);
      built++;
    }
    const inner = engine;
    return {
      validateTemplate: (template, options) => inner.validateTemplate(template, inThisRealm(options)),
      free: () => undefined,
    };
  }
  shared = {
    ...real,
    CompositeEngine: SharedCompositeEngine as unknown as CloudFormationValidate['CompositeEngine'],
  };
  // How many engines this worker built, for the test that shows aws-cdk-lib uses them (not enumerable: it is
  // not part of the module).
  Object.defineProperty(shared, ENGINES_BUILT, { get: () => built, enumerable: false });
  return shared;
}
