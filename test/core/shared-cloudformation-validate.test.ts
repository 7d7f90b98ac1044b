// The CloudFormation validation engine that the test files of a jest worker share
// (test/support/test-environment.ts): aws-cdk-lib gets it, and it reports what a fresh engine reports.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationValidatePlugin, IPolicyValidationContext, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  cloudFormationValidatePath,
  ENGINES_BUILT,
  ENGINES_CONSTRUCTED,
  SHARED_CLOUDFORMATION_VALIDATE,
} from '../support/cloudformation-validate-engine';
import { testApp } from '../support/app';

type Diagnostic = { ruleId: string; severity: string; message: string; propertyPath?: string };
type Engine = {
  free(): void;
  validateTemplate(t: unknown, o?: unknown): { diagnostics: Diagnostic[] };
};
type Module = {
  CompositeEngine: new (config?: unknown) => Engine;
  TemplateContent: new (content: string, name: string) => unknown;
};

/** The options aws-cdk-lib's CloudFormationValidatePlugin passes (2.276), in this file's realm. */
const OPTIONS = {
  detailLevel: 'STANDARD',
  pseudoParameterOverrides: { accountId: '123456789012', region: 'us-east-1' },
  exclude: { ids: ['W3005'], services: [{ ruleId: 'W3697', service: 'AWS::AutoScaling' }] },
  severityLevel: 'WARN',
};

/** A template with findings: a queue CloudFormation refuses (retention 60 s to 14 days, delay at most 900 s). */
function badTemplate(): string {
  const stack = new Stack(testApp(), 'Bad');
  const queue = new sqs.Queue(stack, 'Queue');
  (queue.node.defaultChild as sqs.CfnQueue).addPropertyOverride('MessageRetentionPeriod', 30);
  (queue.node.defaultChild as sqs.CfnQueue).addPropertyOverride('DelaySeconds', 901);
  return JSON.stringify(Template.fromStack(stack).toJSON());
}

const summary = (r: { diagnostics: Diagnostic[] }) =>
  r.diagnostics.map((d) => `${d.ruleId} ${d.severity} ${d.propertyPath ?? ''}: ${d.message}`).sort();

describe('the shared CloudFormation validation engine', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mapped = require('@aws/cloudformation-validate') as Module;

  test('is what aws-cdk-lib gets for @aws/cloudformation-validate in a test file', () => {
    expect(mapped).toBe((globalThis as Record<string, unknown>)[SHARED_CLOUDFORMATION_VALIDATE]);
  });

  test('reports what a fresh engine of the real module reports, after a handle to it was freed', () => {
    const template = badTemplate();
    // A plugin that rebuilds or disposes its engine frees it: the next handle must still work (a free()
    // that reached the shared engine would make the validation below throw).
    new mapped.CompositeEngine({}).free();
    const shared = new mapped.CompositeEngine({}).validateTemplate(
      new mapped.TemplateContent(template, 'bad.template.json'),
      OPTIONS,
    );
    // The real module, loaded into this test file's own registry: a new engine, outside the sharing.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const real = require(cloudFormationValidatePath()) as Module;
    expect(real).not.toBe(mapped);
    const engine = new real.CompositeEngine({});
    try {
      const fresh = engine.validateTemplate(new real.TemplateContent(template, 'bad.template.json'), OPTIONS);
      expect(summary(fresh).length).toBeGreaterThanOrEqual(2);
      expect(summary(fresh).join('\n')).toMatch(/MessageRetentionPeriod/);
      expect(summary(fresh).join('\n')).toMatch(/DelaySeconds/);
      expect(summary(shared)).toEqual(summary(fresh));
    } finally {
      engine.free();
    }
  });

  test("is the engine aws-cdk-lib's built-in validation uses, built once for the worker", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-engine-'));
    try {
      const file = path.join(dir, 'Bad.template.json');
      fs.writeFileSync(file, badTemplate());
      const context = {
        templatePaths: [file],
        stackTemplates: [{ stackConstructPath: 'Bad', templatePath: file }],
      } as unknown as IPolicyValidationContext;
      const count = (key: string) => (mapped as unknown as Record<string, number>)[key];
      const [constructedBefore, builtBefore] = [count(ENGINES_CONSTRUCTED), count(ENGINES_BUILT)];
      // Two plugins, as two test files would each have.
      const reports = [new CloudFormationValidatePlugin(), new CloudFormationValidatePlugin()].map((p) =>
        p.validate(context),
      );
      for (const report of reports) {
        expect(report.success).toBe(false);
        expect(report.violations.map((v) => v.description).join('\n')).toMatch(/MessageRetentionPeriod/);
      }
      // Each plugin asked the shared module for its engine (an aws-cdk-lib that loaded the module some other
      // way would leave this count as it was) ...
      expect(count(ENGINES_CONSTRUCTED)).toBe(constructedBefore + 2);
      // ... and got the worker's one engine: built here only if no test before built it.
      expect(count(ENGINES_BUILT)).toBe(Math.max(builtBefore, 1));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an engine that fails a call is dropped: the next construction builds a new one', () => {
    const built = () => (mapped as unknown as Record<string, number>)[ENGINES_BUILT];
    const handle = new mapped.CompositeEngine({});
    const before = built();
    // A template object without readBytes(): the module throws before the engine runs.
    expect(() => handle.validateTemplate({ name: 'broken' }, OPTIONS)).toThrow();
    const next = new mapped.CompositeEngine({});
    expect(built()).toBe(before + 1);
    const report = next.validateTemplate(
      new mapped.TemplateContent(badTemplate(), 'bad.template.json'),
      OPTIONS,
    );
    expect(summary(report).join('\n')).toMatch(/MessageRetentionPeriod/);
  });
});
