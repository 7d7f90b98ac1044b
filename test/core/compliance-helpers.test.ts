import * as path from 'path';
import { App, Duration, PolicyViolation, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  CONTROL_TOWER_RULES_DIR,
  ControlTowerGuard,
  registerComplianceGates,
} from '../../lib/core/compliance-gates';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { acknowledge, guardRule } from '../../lib/core/acknowledge';
import { AlarmTopic, notify } from '../../lib/core/alarms';
import { SecureBucket } from '../../lib/core/secure-bucket';
import { acknowledgeCdkManagedFunctions } from '../../lib/core/cdk-managed-functions';
import { NonCompliantStack } from '../fixtures/non-compliant-stack';
import { cdkJsonContext, testApp, testTempDir } from '../support/app';
import { expectNagClean, gateFindings, nagFindings } from '../support/compliance';

const REASON = 'The fixture acknowledges this to prove acknowledgments reach the gates.';

describe('nagFindings / expectNagClean (six packs via validateScope)', () => {
  test('finds the problems in the deliberately bad fixture, in every pack', () => {
    const stack = new NonCompliantStack(testApp(), 'Bad');
    const findings = nagFindings(stack);
    const rules = findings.map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining([
        'AwsSolutions-SQS3',
        'AwsSolutions-SQS4',
        'AwsSolutions-S1',
        'AwsSolutions-S10',
        'AwsSolutions-EC23',
        'Serverless-SQSRedrivePolicy',
        'NIST.800.53.R4-S3BucketLoggingEnabled',
        'NIST.800.53.R5-S3BucketVersioningEnabled',
        'HIPAA.Security-S3BucketSSLRequestsOnly',
        'PCI.DSS.321-EC2RestrictedSSH',
      ]),
    );
    expect(new Set(findings.map((f) => f.plugin))).toEqual(
      new Set([
        'AwsSolutions',
        'Serverless',
        'NIST.800.53.R4',
        'NIST.800.53.R5',
        'HIPAA.Security',
        'PCI.DSS.321',
      ]),
    );
    expect(() => expectNagClean(stack)).toThrow(/unacknowledged cdk-nag finding\(s\):\n- \[AwsSolutions\] /);
    expect(() => expectNagClean(stack)).toThrow(/AwsSolutions-SQS3 at Bad\/PlainQueue\/Resource/);
  });

  test('an acknowledgment on the construct removes exactly that finding', () => {
    const stack = new NonCompliantStack(testApp(), 'Bad');
    acknowledge(stack.queue, { id: 'AwsSolutions-SQS3', reason: REASON });
    const rules = nagFindings(stack).map((f) => `${f.rule} ${f.path}`);
    expect(rules).not.toContain('AwsSolutions-SQS3 Bad/PlainQueue/Resource');
    expect(rules).toContain('AwsSolutions-SQS4 Bad/PlainQueue/Resource');
  });

  test('the shared core constructs are clean', () => {
    const stack = new Stack(testApp(), 'Core');
    const alarms = new AlarmTopic(stack, 'Alarms');
    notify(
      new cloudwatch.Alarm(stack, 'Alarm', {
        metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Errors' }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
      alarms.topic,
    );
    new SecureBucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, whyNoReplication: REASON });
    acknowledgeCdkManagedFunctions(stack);
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('gateFindings (nag + Control Tower guard rules + built-in CloudFormation validation, full synth)', () => {
  const makeApp = (outdir: string) => new App({ outdir, context: cdkJsonContext() });

  test('reports guard findings on the bad fixture and honours a per-resource guard acknowledgment', () => {
    const findings = gateFindings((app) => {
      const stack = new NonCompliantStack(app, 'Bad');
      acknowledge(stack.queue, { id: guardRule('sqs_dlq_check'), reason: REASON });
    }, makeApp);
    const byPlugin = (plugin: string) => findings.filter((f) => f.plugin === plugin).map((f) => f.rule);
    expect(byPlugin('cdk-validator-cfnguard')).toEqual(
      expect.arrayContaining(['sqs_queue_encrypted_check', 's3_bucket_versioning_enabled_check']),
    );
    expect(byPlugin('cdk-validator-cfnguard')).not.toContain('sqs_dlq_check');
    expect(byPlugin('AwsSolutions')).toContain('AwsSolutions-SQS3');
  });

  test('a guard finding still fails synth after another guard rule was acknowledged (no gate hole)', () => {
    // aws-cdk-lib recomputes a report's success from severities once an acknowledgment matches;
    // guard findings carry none, so without EveryFindingFailsSynth this synth would pass.
    const app = new App({
      outdir: testTempDir('hole-'),
      context: cdkJsonContext(),
    });
    const stack = new Stack(app, 'OneGuardFinding');
    const queue = new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    acknowledge(queue, { id: guardRule('sqs_dlq_check'), reason: REASON });
    registerComplianceGates(app);
    const nagOff = ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'];
    for (const id of nagOff) acknowledge(queue, { id, reason: REASON });
    expect(() => app.synth()).toThrow(/sqs_queue_encrypted_check/);
  });

  test('ControlTowerGuard (rules pruned by type, templates reduced to their types) finds what the full rule set finds', () => {
    const app = new App({
      outdir: testTempDir('prune-'),
      context: cdkJsonContext(),
    });
    // One template (the full rule set costs about 15 ms per rule and template): the bad fixture plus
    // the core constructs, so both failing and passing rules of several resource types are compared.
    const bad = new NonCompliantStack(app, 'Bad');
    new SecureBucket(bad, 'Data', { removalPolicy: RemovalPolicy.DESTROY, whyNoReplication: REASON });
    new AlarmTopic(bad, 'Alarms');
    const assembly = app.synth();
    const context = {
      templatePaths: assembly.stacks.map((s) => s.templateFullPath),
      stackTemplates: [],
      appConstruct: app,
    };
    const key = (v: PolicyViolation) =>
      v.violatingResources.map(
        (r) => `${v.ruleName} ${path.basename(r.templatePath ?? '')} ${r.resourceLogicalId}`,
      );
    const full = new CfnGuardValidator({ controlTowerRulesEnabled: true }).validate(context);
    const pruned = new ControlTowerGuard().validate(context);
    expect(full.violations.length).toBeGreaterThan(3);
    expect(pruned.violations.flatMap(key).sort()).toEqual(full.violations.flatMap(key).sort());
    expect(pruned.success).toBe(false);
    // The pruning keeps only rules about types in the template: a queue-only template gets SQS rules.
    const sqsOnly = new ControlTowerGuard().rulesFor(new Set(['AWS::SQS::Queue']));
    expect(sqsOnly.map((f) => path.basename(f))).toEqual(['ct-sqs-pr-1.guard', 'ct-sqs-pr-2.guard']);
  });

  test('the reduced copies keep what a kept resource refers to (a local reference the rule only looks up)', () => {
    // ct-lambda-pr-2 accepts a Lambda permission's SourceArn given as a GetAtt of a resource of the template,
    // whatever its type. Without the EventBridge rule in the copy, cfn-guard reported a broken reference and
    // CfnGuardValidator threw while reading it ("Cannot read properties of undefined (reading 'to')").
    const app = new App({
      outdir: testTempDir('refs-'),
      context: cdkJsonContext(),
    });
    const stack = new Stack(app, 'LocalReference');
    const fn = new lambda.Function(stack, 'Fn', {
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
    });
    new events.Rule(stack, 'Rule', {
      schedule: events.Schedule.rate(Duration.hours(1)),
      targets: [new targets.LambdaFunction(fn)],
    });
    const template = app.synth().stacks[0].templateFullPath;
    const context = { templatePaths: [template], stackTemplates: [], appConstruct: app };
    const rule = path.join(CONTROL_TOWER_RULES_DIR, 'lambda', 'ct-lambda-pr-2.guard');
    const full = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [rule] }).validate(context);
    const pruned = new ControlTowerGuard().validate(context);
    const about = (v: PolicyViolation) => v.ruleName === 'lambda_function_public_access_prohibited_check';
    expect(full.violations.filter(about)).toEqual([]);
    expect(pruned.violations.filter(about)).toEqual([]);
  });

  test('passes a stack built from the core constructs', () => {
    const findings = gateFindings((app) => {
      const stack = new Stack(app, 'Core');
      new SecureBucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, whyNoReplication: REASON });
      new AlarmTopic(stack, 'Alarms');
      acknowledgeCdkManagedFunctions(stack);
    }, makeApp);
    expect(findings).toEqual([]);
  });
});
