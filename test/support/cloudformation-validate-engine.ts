import * as path from 'path';

// The CloudFormation validation engine shared by the test files of a jest worker: see
// test/support/test-environment.ts for why. This module imports nothing of jest, so a test file can load it.

/** The global under which a test file finds the worker's shared module. */
export const SHARED_CLOUDFORMATION_VALIDATE = '__refarchSharedCloudFormationValidate';

/**
 * Properties of the shared module that count, for test/core/shared-cloudformation-validate.test.ts, the
 * engines constructed through it (one per plugin that validates) and the engines the worker built.
 */
export const ENGINES_CONSTRUCTED = 'enginesConstructed';
export const ENGINES_BUILT = 'enginesBuilt';

/** The `@aws/cloudformation-validate` that aws-cdk-lib requires (it has its own copy in its node_modules). */
function cloudFormationValidatePath(): string {
  return require.resolve('@aws/cloudformation-validate', {
    paths: [path.dirname(require.resolve('aws-cdk-lib/package.json'))],
  });
}

type Engine = { free(): void; validateTemplate(template: unknown, config?: unknown): unknown };
export type CloudFormationValidate = Record<string, unknown> & {
  CompositeEngine: new (config?: unknown) => Engine;
};

let shared: CloudFormationValidate | undefined;

/**
 * The module, loaded once per worker, with `CompositeEngine` replaced: constructing one returns the
 * worker's engine for that configuration (built on first use) behind a handle whose `free()` does nothing,
 * so a plugin that disposes or rebuilds its engine leaves it for the next test file. Every other method
 * is the engine's own. An engine that fails a call is dropped, and the next construction builds a new one
 * (the module refuses further calls to an engine after a failure inside it).
 *
 * Objects a test file creates belong to that file's JavaScript realm, and the module checks plain objects
 * against its own realm's `Object.prototype`: configurations and options are copied into this realm (as
 * JSON) before they reach it. aws-cdk-lib passes plain data; an option that is a class instance would
 * reach the engine as plain data instead of being refused.
 *
 * The module stays loaded for the worker's life: `jest --watch` picks up a change to this file or to
 * aws-cdk-lib only after a restart.
 */
export function sharedCloudFormationValidate(): CloudFormationValidate {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  shared ??= withSharedEngines(require(cloudFormationValidatePath()) as CloudFormationValidate);
  return shared;
}

/** `real` with its `CompositeEngine` shared as {@link sharedCloudFormationValidate} describes. */
export function withSharedEngines(real: CloudFormationValidate): CloudFormationValidate {
  const engines = new Map<string, Engine>();
  let constructed = 0;
  let built = 0;
  const inThisRealm = (value: unknown) =>
    value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  function SharedCompositeEngine(config?: unknown): Engine {
    constructed++;
    const copy = inThisRealm(config ?? {});
    const key = JSON.stringify(copy);
    let engine = engines.get(key);
    if (!engine) {
      engine = new real.CompositeEngine(copy);
      engines.set(key, engine);
      built++;
    }
    const inner = engine;
    // The engine's own methods through the prototype chain (validateStandard and validateDetailed call
    // this.validateTemplate), with these two replaced.
    return Object.create(inner, {
      validateTemplate: {
        value(template: unknown, options?: unknown) {
          try {
            return inner.validateTemplate(template, inThisRealm(options));
          } catch (e) {
            if (engines.get(key) === inner) engines.delete(key);
            throw e;
          }
        },
      },
      free: { value: () => undefined },
    }) as Engine;
  }
  const module: CloudFormationValidate = {
    ...real,
    CompositeEngine: SharedCompositeEngine as unknown as CloudFormationValidate['CompositeEngine'],
  };
  // Not part of the module, so not enumerable; __esModule as the module itself defines it.
  Object.defineProperty(module, '__esModule', { value: true });
  Object.defineProperty(module, ENGINES_CONSTRUCTED, { get: () => constructed });
  Object.defineProperty(module, ENGINES_BUILT, { get: () => built });
  return module;
}
