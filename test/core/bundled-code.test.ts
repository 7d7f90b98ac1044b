// bundledNodejsCode: the Lambda bundling every pattern uses (esbuild in process, as NodejsFunction does
// through npx). Here with bundling on, so the bundle itself is checked, loaded and called.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { bundledNodejsCode } from '../../lib/core/bundled-code';
import { PropValidationError } from '../../lib/core/errors';
import { SnsSqsFanout } from '../../lib/sns-sqs-fanout/sns-sqs-fanout';
import { testApp } from '../support/app';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundled-code-'));
  fs.writeFileSync(
    path.join(dir, 'helper.ts'),
    'export const greet = (name: string): string => `hello ${name}`;\n',
  );
  fs.writeFileSync(
    path.join(dir, 'handler.ts'),
    [
      "import { S3Client } from '@aws-sdk/client-s3';",
      "import { greet } from './helper';",
      'export const client = (): unknown => S3Client;',
      'export async function handler(event: { name: string }): Promise<string> {',
      '  return greet(event.name);',
      '}',
      '',
    ].join('\n'),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Synthesizes a function from `entry` with bundling on and returns the directory of its bundle. */
function bundle(entry: string): { bundleDir: string; template: Template } {
  const outdir = fs.mkdtempSync(path.join(dir, 'out-'));
  // Bundling on for every stack (testApp turns it off).
  const app = testApp({ 'aws:cdk:bundling-stacks': ['**'] }, { outdir });
  const stack = new Stack(app, 'Bundled');
  const runtime = lambda.Runtime.NODEJS_24_X;
  new lambda.Function(stack, 'Fn', {
    code: bundledNodejsCode('Test', 'entry', entry, runtime),
    handler: 'index.handler',
    runtime,
  });
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName('Bundled').template);
  const key = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Code.S3Key;
  return { bundleDir: path.join(outdir, `asset.${String(key).replace(/\.zip$/, '')}`), template };
}

test('bundles the entry and its imports into one CommonJS index.js that Lambda can call', async () => {
  const { bundleDir } = bundle(path.join(dir, 'handler.ts'));
  expect(fs.readdirSync(bundleDir)).toEqual(['index.js']);
  const code = fs.readFileSync(path.join(bundleDir, 'index.js'), 'utf8');
  // The local import is inlined; the AWS SDK v3 (in every Node.js runtime) stays a require.
  expect(code).toContain('hello ${name}');
  expect(code).toMatch(/require\("@aws-sdk\/client-s3"\)/);
  expect(code).not.toMatch(/^\s*(import|export)\s/m);
  const loaded = { exports: {} as { handler?: (e: { name: string }) => Promise<string> } };
  // The bundle's only require is the SDK (external); stand in for it.
  const fakeRequire = (id: string) => {
    if (id !== '@aws-sdk/client-s3') throw new Error(`unexpected require: ${id}`);
    return { S3Client: class {} };
  };
  new Function('require', 'module', 'exports', code)(fakeRequire, loaded, loaded.exports);
  await expect(loaded.exports.handler!({ name: 'lambda' })).resolves.toBe('hello lambda');
});

test('the asset hash follows the bundle: same code, same hash; changed code, new hash', () => {
  const hash = () => path.basename(bundle(path.join(dir, 'handler.ts')).bundleDir);
  const first = hash();
  expect(hash()).toBe(first);
  fs.writeFileSync(
    path.join(dir, 'helper.ts'),
    'export const greet = (name: string): string => `hi ${name}`;\n',
  );
  expect(hash()).not.toBe(first);
});

test('two entries of one folder, in one app, each get their own bundle (not the first one staged)', () => {
  fs.writeFileSync(
    path.join(dir, 'other.ts'),
    'export async function handler(): Promise<string> {\n  return "the other handler";\n}\n',
  );
  const outdir = fs.mkdtempSync(path.join(dir, 'out-'));
  const app = testApp({ 'aws:cdk:bundling-stacks': ['**'] }, { outdir });
  const stack = new Stack(app, 'TwoEntries');
  const runtime = lambda.Runtime.NODEJS_24_X;
  for (const [id, file] of [
    ['First', 'handler.ts'],
    ['Second', 'other.ts'],
  ]) {
    new lambda.Function(stack, id, {
      code: bundledNodejsCode('Test', 'entry', path.join(dir, file), runtime),
      handler: 'index.handler',
      runtime,
    });
  }
  const template = Template.fromJSON(app.synth().getStackByName('TwoEntries').template);
  const codeOf = (id: string) => {
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([logical]) =>
      logical.startsWith(id),
    )![1];
    const key = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
    return fs.readFileSync(path.join(outdir, `asset.${key}`, 'index.js'), 'utf8');
  };
  expect(codeOf('First')).toContain('greet');
  expect(codeOf('First')).not.toContain('the other handler');
  expect(codeOf('Second')).toContain('the other handler');
});

test.each([
  [
    'a missing file',
    '/does/not/exist/handler.ts',
    /must be an existing file; received '\/does\/not\/exist\/handler.ts'/,
  ],
  ['a directory', '/tmp', /must be a .ts, .mts, .cts, .js, .mjs, .cjs file/],
  ['a non-script file', '/etc/hostname', /received '\/etc\/hostname'/],
])('%s is a PropValidationError naming the prop', (_, entry, message) => {
  let error: unknown;
  try {
    bundledNodejsCode('Test', 'consumer.entry', entry, lambda.Runtime.NODEJS_24_X);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PropValidationError);
  expect((error as PropValidationError).prop).toBe('consumer.entry');
  expect((error as Error).message).toMatch(message);
});

test('a fan-out consumer whose entry does not exist is rejected, naming the subscriber', () => {
  const stack = new Stack(testApp(), 'Fanout');
  expect(
    () =>
      new SnsSqsFanout(stack, 'Orders', {
        subscribers: [{ name: 'Billing', consumer: { entry: path.join(dir, 'missing.ts') } }],
      }),
  ).toThrow(/subscribers\[0\]\.consumer\.entry: must be an existing file/);
});
