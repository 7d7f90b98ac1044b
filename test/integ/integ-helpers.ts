// Shared by the integration tests in this folder (integ.<pattern>.ts). Not an integ test itself: the
// runner only picks up files named integ.*.ts, and jest only *.test.ts.
//
// Each integ file deploys one pattern's sandbox demo stack plus an assertion stack whose custom
// resources call AWS APIs (or HTTP endpoints) and compare the answers. Every expectation uses
// waitForAssertions, so a failed expectation fails the deployment itself: the test gives the same
// verdict under integ-runner and under a plain `cdk deploy` of the integ app (see the pattern READMEs).
import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsApiCall, ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { SnsSqsFanout } from '../../lib/sns-sqs-fanout/sns-sqs-fanout';
import { cdkJsonContext } from '../support/app';

/**
 * Stack names of the integration tests start with this, never with the demo's `RefArch-`: a test run
 * must not update, or later destroy, the demo stack a learner deployed in the same account.
 */
export const INTEG_STACK_PREFIX = 'RefArchInteg-';

/** What each integ file builds into an app: the test, the stack under test and the assertion stack. */
export interface IntegCase {
  readonly integ: IntegTest;
  /** The pattern's demo stack (sandbox profile) under test. */
  readonly stack: Stack;
  /** The stack that holds the assertion custom resources. */
  readonly assertionStack: Stack;
}

/**
 * The app an integ file synthesizes when it runs as a program (integ-runner or `cdk deploy --app`).
 * cdk.json's feature flags go in as post-CLI context so they win over the flags integ-runner passes
 * (it runs the app from test/integ with its own recommended flags, not the project's cdk.json):
 * the deployed templates are the ones the unit tests and the jest snapshot check.
 */
export function integApp(): App {
  return new App({ postCliContext: cdkJsonContext() });
}

/**
 * The assertion stack of an integ test. Its own stack (instead of the one IntegTest would create)
 * gives it a readable name and lets the test add the log groups below.
 */
export function assertionStack(app: App, pattern: string): Stack {
  return new Stack(app, `${INTEG_STACK_PREFIX}${pattern}-Assertions`, {
    description: `Integration test assertions for the ${pattern} pattern (deleted with the test)`,
  });
}

/** IntegTest with the options every test here shares. */
export function integTest(app: App, pattern: string, stack: Stack, assertions: Stack): IntegTest {
  return new IntegTest(app, `${pattern}Integ`, {
    testCases: [stack],
    assertionStack: assertions,
    // The demo stacks are deployed fresh; there is no earlier snapshot to update from.
    stackUpdateWorkflow: false,
    // The runner destroys the stacks after the assertions (its default); never ask for confirmation.
    cdkCommandOptions: { destroy: { args: { force: true } } },
  });
}

/**
 * The actual value must equal `value` exactly (deep equality; `{}` means "no keys at all").
 *
 * Use this instead of `ExpectedResult.exact`: in @aws-cdk/integ-tests-alpha 2.245.0-alpha.0 that one
 * sends `{"$Exact": value}`, which the assertion handler does not decode (it knows $ObjectLike,
 * $ArrayWith, $StringLike and $SerializedJson), so it compares against the wrapper and always fails.
 * A plain JSON value is what the handler matches with `Match.exact` (test/integ/integ-snapshots.test.ts
 * runs the handler on both to keep this true).
 */
export function exactly(value: unknown): ExpectedResult {
  return { result: JSON.stringify(value) };
}

/**
 * Adds an expectation that fails the deployment when it does not hold within `timeout`: the
 * assertion is retried every `interval` (for things that take time, such as Firehose buffering) and
 * the waiter's timeout fails the custom resource, so `cdk deploy` of the integ app fails too.
 */
export function expectWithin(
  call: IApiCall,
  expected: ExpectedResult,
  timeout: Duration,
  interval: Duration = Duration.seconds(15),
): IApiCall {
  return call.expect(expected).waitForAssertions({ totalTimeout: timeout, interval, backoffRate: 1 });
}

/**
 * Like {@link expectWithin}, for one value of an SDK response (`DBInstances.0.MultiAZ`). The custom
 * resource then returns only that path, which keeps large responses under CloudFormation's 4 KB limit.
 */
export function assertAtPathWithin(
  call: IApiCall,
  path: string,
  expected: ExpectedResult,
  timeout: Duration,
  interval: Duration = Duration.seconds(15),
): IApiCall {
  return call
    .assertAtPath(path, expected)
    .waitForAssertions({ totalTimeout: timeout, interval, backoffRate: 1 });
}

/**
 * Proves in the real account that an alarm can notify its topic: sets the alarm to ALARM
 * (cloudwatch:SetAlarmState) and waits for "Successfully executed action" in its history. A topic or
 * key policy that refuses CloudWatch shows there as "Failed to execute action" while the stack deploys
 * cleanly. It is the one permission path the offline proof (test/permissions) cannot observe: whether
 * CloudWatch's KMS request through SNS carries the aws:SourceArn and aws:SourceAccount the key policy
 * conditions on. Returns the first and the last call, to chain them.
 */
export function alarmNotifies(integ: IntegTest, alarm: cloudwatch.IAlarm): [IApiCall, IApiCall] {
  const set = integ.assertions.awsApiCall('CloudWatch', 'setAlarmState', {
    AlarmName: alarm.alarmName,
    StateValue: 'ALARM',
    StateReason: 'Integration test: does the alarm action reach its topic?',
  });
  const notified = expectWithin(
    integ.assertions.awsApiCall('CloudWatch', 'describeAlarmHistory', {
      AlarmName: alarm.alarmName,
      HistoryItemType: 'Action',
      MaxRecords: 10,
    }),
    ExpectedResult.objectLike({
      AlarmHistoryItems: Match.arrayWith([
        Match.objectLike({ HistorySummary: Match.stringLikeRegexp('^Successfully executed action') }),
      ]),
    }),
    Duration.minutes(3),
  );
  set.next(notified);
  return [set, notified];
}

/**
 * Adds an IAM statement to the roles that make an SDK call: the first attempt runs in the assertion
 * provider, the retries of waitForAssertions in the waiter's own function (call this after it).
 * For permissions integ-tests cannot derive from the API name (KMS keys, differently named actions).
 */
export function allow(call: IApiCall, statement: Record<string, unknown>): void {
  call.provider.addToRolePolicy(statement);
  (call as AwsApiCall).waiterProvider?.addToRolePolicy(statement);
}

/**
 * An SNS Publish of `message` (as JSON) to the fan-out's topic, with what its encryption asks of a publisher:
 * the topic's KMS key as well as sns:Publish.
 */
export function publishToFanout(integ: IntegTest, fanout: SnsSqsFanout, message: object): IApiCall {
  const call = integ.assertions.awsApiCall('SNS', 'publish', {
    TopicArn: fanout.topic.topicArn,
    Message: JSON.stringify(message),
  });
  allow(call, {
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    Resource: [fanout.topicEncryptionKey.keyArn],
  });
  return call;
}

/**
 * Lets a call read a log group encrypted with a customer-managed key. CloudWatch Logs decrypts with
 * its own permission from the key policy, but may also act on the caller's behalf (kms:ViaService),
 * so the caller gets kms:Decrypt through CloudWatch Logs only.
 */
export function allowReadingLogGroup(call: IApiCall, logGroup: logs.ILogGroup): void {
  const keyArn = (logGroup.node.defaultChild as logs.CfnLogGroup | undefined)?.kmsKeyId;
  if (!keyArn) return;
  allow(call, {
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: [keyArn],
    Condition: { StringLike: { 'kms:ViaService': 'logs.*.amazonaws.com' } },
  });
}

/**
 * Gives each assertion Lambda function (integ-tests writes them as raw CfnResources) a log group
 * that belongs to the stack. Without it Lambda creates `/aws/lambda/<name>` on first invocation and
 * the group outlives `destroy` with no retention: the sandbox must leave nothing behind. Call it
 * after the last assertion is defined (waitForAssertions adds functions). Returns how many it fixed.
 */
export function destroyableAssertionLogs(stack: Stack): number {
  let fixed = 0;
  for (const child of stack.node.findAll()) {
    if (!(child instanceof CfnResource) || child.cfnResourceType !== 'AWS::Lambda::Function') continue;
    const scope = child.node.scope!;
    if (scope.node.tryFindChild('Logs')) continue;
    const group = new logs.CfnLogGroup(scope, 'Logs', { retentionInDays: 7 });
    // The function references the group, so CloudFormation deletes the group after the function (and
    // after the custom resources whose Delete events the function still handles and logs).
    child.addPropertyOverride('LoggingConfig', { LogGroup: group.ref });
    fixed++;
  }
  return fixed;
}

/** Runs an integ file's builder as a program: build into the app, then write the cloud assembly. */
export function synthIntegApp(build: (app: App) => IntegCase): void {
  const app = integApp();
  build(app);
  app.synth();
}
