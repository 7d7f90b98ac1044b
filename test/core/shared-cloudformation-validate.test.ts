// The CloudFormation validation engine that the test files of a jest worker share
// (test/support/test-environment.ts): aws-cdk-lib gets it, it keeps no state between templates, and the
// sharing (one engine per configuration, free() kept from it, a failed engine replaced) works as described.
// Only the worker's own engine is used here: building another costs 2-3 s, several times that on a busy
// machine.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationValidatePlugin, IPolicyValidationContext, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { testApp } from '../support/app';
import {
  CloudFormationValidate,
  ENGINES_BUILT,
  ENGINES_CONSTRUCTED,
  SHARED_CLOUDFORMATION_VALIDATE,
  withSharedEngines,
} from '../support/cloudformation-validate-engine';

type Diagnostic = { ruleId: string; severity: string; message: string; propertyPath?: string };
type Engine = {
  free(): void;
  validateTemplate(t: unknown, o?: unknown): { diagnostics: Diagnostic[] };
  validateStandard(t: unknown, o?: unknown): { diagnostics: Diagnostic[] };
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

const count = (module: unknown, key: string) => (module as Record<string, number>)[key];

describe("the worker's engine", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mapped = require('@aws/cloudformation-validate') as Module;

  test('is what a test file gets for @aws/cloudformation-validate', () => {
    expect(mapped).toBe((globalThis as Record<string, unknown>)[SHARED_CLOUDFORMATION_VALIDATE]);
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
      const [constructedBefore, builtBefore] = [
        count(mapped, ENGINES_CONSTRUCTED),
        count(mapped, ENGINES_BUILT),
      ];
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
      expect(count(mapped, ENGINES_CONSTRUCTED)).toBe(constructedBefore + 2);
      // ... and got the worker's one engine: built here only if no test before built it.
      expect(count(mapped, ENGINES_BUILT)).toBe(Math.max(builtBefore, 1));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('keeps no state between templates: the same findings before and after validating others', () => {
    const engine = new mapped.CompositeEngine({});
    const bad = () => engine.validateTemplate(new mapped.TemplateContent(badTemplate(), 'bad.json'), OPTIONS);
    const first = summary(bad());
    expect(first.join('\n')).toMatch(/MessageRetentionPeriod/);
    expect(first.join('\n')).toMatch(/DelaySeconds/);
    // Other templates in between: a clean one, one with other findings, one with other options.
    const stack = new Stack(testApp(), 'Other');
    new sqs.Queue(stack, 'Clean');
    const clean = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(
      summary(engine.validateTemplate(new mapped.TemplateContent(clean, 'clean.json'), OPTIONS)),
    ).toEqual([]);
    const broken = JSON.parse(badTemplate());
    broken.Resources.Extra = { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon' } };
    engine.validateTemplate(new mapped.TemplateContent(JSON.stringify(broken), 'broken.json'), {
      ...OPTIONS,
      severityLevel: 'INFO',
      exclude: { ids: [] },
    });
    expect(summary(bad())).toEqual(first);
  });
});

describe('withSharedEngines (on a stand-in module: the logic, without building real engines)', () => {
  /** A module whose engines record their calls and can be told to fail. */
  function standIn() {
    const calls: string[] = [];
    let failNext = false;
    class CompositeEngine {
      public freed = false;
      constructor(public readonly config: unknown) {
        calls.push(`new ${JSON.stringify(config)}`);
      }
      validateTemplate(template: string, options?: unknown) {
        if (this.freed) throw new Error('used after free');
        if (failNext) {
          failNext = false;
          throw new Error('engine failure');
        }
        calls.push(`validate ${template} ${JSON.stringify(options)}`);
        return { diagnostics: [], options };
      }
      validateStandard(template: string, options?: object) {
        return this.validateTemplate(template, { ...options, detailLevel: 'STANDARD' });
      }
      free() {
        this.freed = true;
      }
    }
    const module = withSharedEngines({
      CompositeEngine,
      version: () => '1.2.3',
    } as unknown as CloudFormationValidate) as unknown as Module & { version(): string };
    return { module, calls, failNextCall: () => (failNext = true) };
  }

  test('one engine per configuration, whatever the number of constructions', () => {
    const { module, calls } = standIn();
    new module.CompositeEngine({}).validateTemplate('a', {});
    new module.CompositeEngine({}).validateTemplate('b', {});
    new module.CompositeEngine({ regoRules: [{ name: 'r' }] }).validateTemplate('c', {});
    expect(calls.filter((c) => c.startsWith('new'))).toEqual(['new {}', 'new {"regoRules":[{"name":"r"}]}']);
    expect(count(module, ENGINES_CONSTRUCTED)).toBe(3);
    expect(count(module, ENGINES_BUILT)).toBe(2);
    expect(module.version()).toBe('1.2.3');
  });

  test('free() on a handle leaves the engine to the next one', () => {
    const { module, calls } = standIn();
    new module.CompositeEngine({}).free();
    expect(() => new module.CompositeEngine({}).validateTemplate('a', {})).not.toThrow();
    expect(calls.filter((c) => c.startsWith('new'))).toHaveLength(1);
  });

  test("the engine's other methods stay, and go through the copied options", () => {
    const { module, calls } = standIn();
    const options = { severityLevel: 'WARN', nested: { ids: ['W1'] } };
    const result = new module.CompositeEngine({}).validateStandard('a', options) as unknown as {
      options: object;
    };
    expect(calls).toContain(
      'validate a {"severityLevel":"WARN","nested":{"ids":["W1"]},"detailLevel":"STANDARD"}',
    );
    expect(result.options).not.toBe(options);
  });

  test('an engine that fails a call is dropped: the next construction builds a new one', () => {
    const { module, calls, failNextCall } = standIn();
    const handle = new module.CompositeEngine({});
    failNextCall();
    expect(() => handle.validateTemplate('a', {})).toThrow('engine failure');
    new module.CompositeEngine({}).validateTemplate('b', {});
    expect(calls.filter((c) => c.startsWith('new'))).toHaveLength(2);
    expect(count(module, ENGINES_BUILT)).toBe(2);
  });
});
