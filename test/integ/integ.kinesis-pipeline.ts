// Integration test: Kinesis pipeline (RefArch-KinesisPipeline, sandbox profile), against a real account.
// Proves that a record put on the stream reaches both consumers:
//   1. PutRecord of one click event;
//   2. the Lambda consumer decodes it (its "click" log line, within 5 minutes);
//   3. Firehose lands it in the data lake under the partitioned data/ prefix (the sandbox buffers for
//      60 s; the check waits up to 10 minutes), not under errors/.
// Run: see "Run the integration test against a sandbox account" in lib/kinesis-pipeline/README.md.
import { App, Duration } from 'aws-cdk-lib';
import { ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { KinesisPipelineStack } from '../../lib/kinesis-pipeline/kinesis-pipeline-stack';
import {
  allow,
  allowReadingLogGroup,
  assertionStack,
  alarmNotifies,
  destroyableAssertionLogs,
  expectWithin,
  INTEG_STACK_PREFIX,
  IntegCase,
  integTest,
  synthIntegApp,
} from './integ-helpers';

/** The click the test puts on the stream (a fixed time keeps the template stable between synths). */
export const CLICK = { userId: 'integ-user-1', page: '/integ', at: '2026-01-01T00:00:00.000Z' };

export function build(app: App): IntegCase {
  const stack = new KinesisPipelineStack(app, `${INTEG_STACK_PREFIX}KinesisPipeline`, { profile: 'sandbox' });
  const assertions = assertionStack(app, 'KinesisPipeline');
  const integ = integTest(app, 'KinesisPipeline', stack, assertions);
  const pipeline = stack.pipeline;

  // A Uint8Array is sent as the blob; the newline keeps one JSON object per line in the S3 objects.
  // The stream uses the AWS managed key aws/kinesis, which any principal of the account may use
  // through Kinesis: kinesis:PutRecord is all the caller needs.
  const put = integ.assertions.awsApiCall('Kinesis', 'putRecord', {
    StreamName: pipeline.stream.streamName,
    PartitionKey: CLICK.userId,
    Data: new TextEncoder().encode(`${JSON.stringify(CLICK)}\n`),
  });

  const consumerLogs = pipeline.consumer.logGroup;
  const consumerLogged = expectWithin(
    integ.assertions.awsApiCall('CloudWatchLogs', 'filterLogEvents', {
      logGroupName: consumerLogs.logGroupName,
      filterPattern: `"${CLICK.userId}"`,
      limit: 10,
    }),
    ExpectedResult.objectLike({
      events: Match.arrayWith([Match.objectLike({ message: Match.stringLikeRegexp('"message":"click"') })]),
    }),
    Duration.minutes(5),
    Duration.seconds(20),
  );
  allowReadingLogGroup(consumerLogged, consumerLogs);

  // Firehose writes data/dt=YYYY-MM-DD-HH/<delivery stream>-<date>-<id> once its
  // 60-second buffer closes; records it could not deliver would go to errors/ instead.
  const landed = integ.assertions.awsApiCall('S3', 'listObjectsV2', {
    Bucket: pipeline.bucket.bucketName,
    Prefix: 'data/',
    MaxKeys: 10,
  });
  expectWithin(
    landed,
    ExpectedResult.objectLike({
      Contents: Match.arrayWith([
        Match.objectLike({
          Key: Match.stringLikeRegexp('^data/dt=\\d{4}-\\d{2}-\\d{2}-\\d{2}/.+'),
        }),
      ]),
    }),
    Duration.minutes(10),
    Duration.seconds(30),
  );
  // ListObjectsV2 is authorized by s3:ListBucket (the generated policy names s3:ListObjectsV2, which
  // is not an IAM action).
  allow(landed, { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [pipeline.bucket.bucketArn] });

  // Last: an alarm of the pipeline reaches its topic (alarmNotifies).
  put.next(consumerLogged).next(landed).next(alarmNotifies(integ, pipeline.alarms.consumerErrors)[0]);

  destroyableAssertionLogs(assertions);
  return { integ, stack, assertionStack: assertions };
}

if (require.main === module) synthIntegApp(build);
