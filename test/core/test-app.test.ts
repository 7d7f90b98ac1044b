import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { addReferenceStacks } from '../../lib/stacks/reference-app';
import { synthesizeApp } from '../reliability/synthesized-app';
import { testApp, testAppContext, testTempDir } from '../support/app';

/*
 * What testApp() leaves behind and what it changes in a template (test/support/app.ts): its output goes
 * into the jest run's directory, which the run's teardown removes, and it stages no asset copies, with the
 * same template as an App that does.
 */

const runDir = process.env.REFARCH_TEST_RUN_DIR!;

/** A function's code folder. */
const code = testTempDir('code-');
fs.writeFileSync(path.join(code, 'index.js'), 'exports.handler = async () => {};\n');

/** A stack with one directory asset (a function's code), as most patterns have. */
function withAsset(app: App): Stack {
  const stack = new Stack(app, 'WithAsset');
  new lambda.Function(stack, 'Fn', {
    code: lambda.Code.fromAsset(code),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
  });
  return stack;
}

test('testApp() and testTempDir() write inside the jest run directory, which the teardown removes', () => {
  expect(runDir).toBeTruthy();
  expect(path.dirname(testApp().outdir)).toBe(runDir);
  expect(path.dirname(testTempDir('fixture-'))).toBe(runDir);
});

test('testApp() stages no asset copy, and the template is the one a staging App writes', () => {
  const app = testApp();
  const unstaged = Template.fromStack(withAsset(app)).toJSON();
  expect(fs.readdirSync(app.outdir).filter((f) => f.startsWith('asset.'))).toEqual([]);

  const context = testAppContext();
  delete context['aws:cdk:disable-asset-staging'];
  const stagingApp = new App({ outdir: testTempDir('staging-'), context });
  const staged = Template.fromStack(withAsset(stagingApp)).toJSON();
  // The App that stages copies the asset into its output directory: the check above can fail.
  expect(fs.readdirSync(stagingApp.outdir).filter((f) => f.startsWith('asset.')).length).toBe(1);
  expect(unstaged).toEqual(staged);
});

test('every demo stack has the same template with and without asset staging (file, folder and zip assets, custom resource providers)', () => {
  const stagingApp = testApp({
    profile: 'sandbox',
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:disable-asset-staging': false,
  });
  const staged = addReferenceStacks(stagingApp, 'sandbox').map((s) => ({
    stackId: s.stackName,
    template: Template.fromStack(s).toJSON(),
  }));
  // The staging App copied every kind of asset the patterns have: the comparison covers each.
  const copies = fs.readdirSync(stagingApp.outdir).filter((f) => f.startsWith('asset.'));
  const kinds = copies.map((f) =>
    fs.statSync(path.join(stagingApp.outdir, f)).isDirectory() ? 'folder' : path.extname(f),
  );
  expect(new Set(kinds)).toEqual(new Set(['folder', '.js', '.zip']));
  // synthesizeApp: the same App with testApp()'s context, asset staging off.
  const unstaged = synthesizeApp('sandbox').map((s) => ({ stackId: s.stackId, template: s.template }));
  expect(unstaged).toEqual(staged);
});
