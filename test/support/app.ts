import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps } from 'aws-cdk-lib';

const CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

/** The `context` block of cdk.json: the feature flags the real app runs with. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')).context;
}

/**
 * The context of {@link testApp}: cdk.json's, for an App configured like `npx cdk synth` (`new App()`
 * inside jest does not read cdk.json, and without its feature flags an Auto Scaling group renders a
 * launch configuration and nag results change), with what unit tests do not read left out:
 * - Lambda bundling (`aws:cdk:bundling-stacks: []`): unit tests check templates, not bundles;
 * - what every CfnElement records in the assembly metadata (not in the template) for the CLI: the stack
 *   trace of its creation (`cdk synth --debug` is where a user reads them; inside jest each one is mapped
 *   through the source maps of the test's TypeScript) and its logical id (a token resolved for each
 *   element at synth). Construct-heavy test files ran 10-17% faster without the traces and about 13%
 *   faster again without the ids (measured 2026-12-07); no test reads either;
 * - asset staging (`aws:cdk:disable-asset-staging`, what `cdk synth --no-staging` sets): the assembly points
 *   at each asset's source instead of a copy. The template is the same (the asset hash is computed from the
 *   source either way); the copies were the AWS CLI layer of every BucketDeployment (21 MB) and each
 *   function's code, written again for every App.
 */
export function testAppContext(): Record<string, unknown> {
  return {
    ...cdkJsonContext(),
    'aws:cdk:bundling-stacks': [],
    'aws:cdk:disable-creation-stack-traces': true,
    'aws:cdk:disable-logicalId-metadata': true,
    'aws:cdk:disable-asset-staging': true,
  };
}

/** An App with {@link testAppContext}, plus `context`, writing to a {@link testTempDir}. */
export function testApp(context: Record<string, unknown> = {}, props: Omit<AppProps, 'context'> = {}): App {
  return new App({ outdir: testTempDir('app-'), ...props, context: { ...testAppContext(), ...context } });
}

/**
 * A fresh directory for a test's files (an App's output, a fixture), inside the jest run's directory
 * (made by test/support/global-setup.ts), which the run's teardown removes; outside jest, under the system
 * temp directory. An App given no outdir makes its own under the system temp directory and nothing removes
 * it: until 2026-12-07 every `npm test` left about 2,400 of them there, with 1-2 GB of staged asset copies.
 */
export function testTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(process.env.REFARCH_TEST_RUN_DIR ?? os.tmpdir(), prefix));
}
