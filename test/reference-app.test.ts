import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { buildReferenceApp } from '../bin/reference-app';
import { GATE_RUNS_FILE, GateRun, nagPacks } from '../lib/core/compliance-gates';
import { PATTERN_STACKS } from '../lib/stacks/reference-app';
import { NonCompliantStack } from './fixtures/non-compliant-stack';
import { cdkJsonContext } from './support/app';

/*
 * `npm run synth:all` passing shows the demo stacks are clean only if the app it synthesizes runs the
 * gates. This builds that app (buildReferenceApp, what bin/app.ts runs) with a deliberately bad stack
 * added and shows every gate family fails the synth: the six cdk-nag packs, the Control Tower guard
 * rules, and the CloudFormation validation built into aws-cdk-lib (with cdk.json's flags: as errors).
 */

const GUARD = 'cdk-validator-cfnguard';
/** The name aws-cdk-lib's built-in CloudFormation validation reports under. */
const CFN_VALIDATE = 'CloudFormation Validate';
const BAD = 'Bad';
const FANOUT = PATTERN_STACKS.filter((e) => e.stackId === 'RefArch-SnsSqsFanout');

interface ReportedViolation {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly paths: string[];
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      severity: string;
      description: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

function readReport(file: string): ReportedViolation[] {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationReport;
  return report.pluginReports.flatMap((p) =>
    p.violations.map((v) => ({
      plugin: p.pluginName,
      rule: v.ruleName,
      severity: v.severity,
      description: v.description,
      paths: v.violatingConstructs.map((c) => c.constructPath),
    })),
  );
}

describe('the real app (buildReferenceApp) with a deliberately non-compliant stack', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-app-'));
  let synthError: unknown;
  let violations: ReportedViolation[] = [];
  let templates: string[] = [];

  beforeAll(() => {
    const previous = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'true';
    try {
      // cdk.json's flags, as `npx cdk synth` reads them; bundling skipped (the gates read templates).
      const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
      // One demo stack (the fan-out, the quickest to check) beside the bad one: the gates are registered by
      // the same call whatever the stacks are, and `npm run synth:all` checks that they ran over all five.
      const stacks = buildReferenceApp(app, 'sandbox', FANOUT);
      const bad = new NonCompliantStack(app, BAD);
      // A value CloudFormation refuses (a queue keeps messages 60 s to 14 days) that no nag pack or guard
      // rule reads: only the built-in CloudFormation validation can fail the synth on it.
      (bad.queue.node.defaultChild as sqs.CfnQueue).addPropertyOverride('MessageRetentionPeriod', 30);
      templates = [...stacks, bad].map((s) => s.templateFile);
      try {
        app.synth();
      } catch (e) {
        synthError = e;
      }
    } finally {
      if (previous === undefined) delete process.env.CDK_VALIDATION;
      else process.env.CDK_VALIDATION = previous;
    }
    const report = path.join(outdir, 'validation-report.json');
    if (fs.existsSync(report)) violations = readReport(report);
  }, 300_000);

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  const onBadStack = (plugin: string) =>
    violations.filter((v) => v.plugin === plugin && v.paths.some((p) => p.startsWith(`${BAD}/`)));

  test('synth fails', () => {
    expect(synthError).toBeInstanceOf(Error);
    expect(String(synthError)).toMatch(/Validation/);
  });

  test.each(nagPacks().map((pack) => pack.name))('cdk-nag pack %s reports the bad stack', (pack) => {
    expect(onBadStack(pack).map((v) => v.rule)).not.toEqual([]);
  });

  test('the Control Tower guard rules report the bad stack', () => {
    expect(onBadStack(GUARD).map((v) => v.rule)).toEqual(
      expect.arrayContaining(['sqs_queue_encrypted_check', 's3_bucket_versioning_enabled_check']),
    );
  });

  test("the built-in CloudFormation validation reports the queue's retention period as an error", () => {
    const found = onBadStack(CFN_VALIDATE).filter((v) => v.description.includes('MessageRetentionPeriod'));
    // An error, not a warning: cdk.json's @aws-cdk/core:validateAgainstDefaultRules makes it one.
    expect(found.map((v) => v.severity)).toEqual(['error']);
  });

  test('every finding is on the bad stack: the demo stack passes every gate', () => {
    expect(FANOUT).toHaveLength(1);
    const elsewhere = violations.filter((v) => !v.paths.every((p) => p.startsWith(`${BAD}/`)));
    expect(elsewhere).toEqual([]);
  });

  test(`every gate records in ${GATE_RUNS_FILE} that it checked every template (what synth:all reads)`, () => {
    const { runs } = JSON.parse(fs.readFileSync(path.join(outdir, GATE_RUNS_FILE), 'utf8')) as {
      runs: GateRun[];
    };
    const checked = (plugin: string) =>
      [...new Set(runs.filter((r) => r.plugin === plugin).flatMap((r) => r.templates))].sort();
    for (const gate of [...nagPacks().map((p) => p.name), GUARD]) {
      expect({ gate, templates: checked(gate) }).toEqual({ gate, templates: [...templates].sort() });
    }
  });
});
