// Integration test: S3 event processing (RefArch-S3EventPipeline, sandbox profile), against a real account.
// Proves that an upload travels the whole pipeline, and that a corrupt one ends in the failed-events queue:
//   1. PutObject of a small CSV under uploads/ (SSE-KMS: the bucket's default encryption);
//   2. its JSON result appears at results/<key>/<versionId>.json in the results bucket (within 5 minutes);
//   3. the records table holds exactly one item for that key and version, with the CSV's columns and rows;
//   4. PutObject of a CSV with a ragged row: the processor fails, Lambda retries twice (about 1, then
//      2 minutes later) and sends the on-failure record to the failed-events queue (within 8 minutes);
//   5. last, an alarm of the pipeline reaches the alarm topic (alarmNotifies).
// Run: see "Run the integration test against a sandbox account" in lib/s3-events/README.md.
import { App, Duration } from 'aws-cdk-lib';
import { ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { S3EventPipelineStack } from '../../lib/s3-events/s3-event-pipeline-stack';
import {
  allow,
  assertAtPathWithin,
  assertionStack,
  alarmNotifies,
  destroyableAssertionLogs,
  exactly,
  expectWithin,
  INTEG_STACK_PREFIX,
  IntegCase,
  integTest,
  synthIntegApp,
} from './integ-helpers';

/**
 * The valid upload: under the upload prefix, with the upload suffix, and no character S3 or EventBridge
 * would encode (the processor and the result key use the key as the event gives it).
 */
export const ORDERS = {
  key: 'uploads/integ-orders.csv',
  body: 'orderId,amount\nA-1,12.50\nA-2,7.00\n',
  columns: ['orderId', 'amount'],
  rows: 2,
};
/** The corrupt upload: its second data row has one field where the header has two (a ragged row). */
export const BROKEN = { key: 'uploads/integ-broken.csv', body: 'orderId,amount\nA-1,12.50\nA-2\n' };

/** `a.b` -> `a\.b`: a literal key inside a regular expression. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function build(app: App): IntegCase {
  const stack = new S3EventPipelineStack(app, `${INTEG_STACK_PREFIX}S3EventPipeline`, {
    profile: 'sandbox',
  });
  const assertions = assertionStack(app, 'S3EventPipeline');
  const integ = integTest(app, 'S3EventPipeline', stack, assertions);
  const pipeline = stack.pipeline;
  for (const { key } of [ORDERS, BROKEN]) {
    if (!key.startsWith(pipeline.uploadPrefix) || !key.endsWith(pipeline.uploadSuffix)) {
      throw new Error(`${key} does not match the rule (${pipeline.uploadPrefix}*${pipeline.uploadSuffix})`);
    }
  }
  const keyArn = pipeline.encryptionKey.keyArn;
  // Uses of the pipeline key on the caller's behalf by one service only (S3, DynamoDB).
  const through = (service: string) => ({ StringLike: { 'kms:ViaService': `${service}.*.amazonaws.com` } });

  const upload = (object: { key: string; body: string }) => {
    const call = integ.assertions.awsApiCall('S3', 'putObject', {
      Bucket: pipeline.uploadBucket.bucketName,
      Key: object.key,
      Body: object.body,
      ContentType: 'text/csv',
    });
    // The bucket's default encryption is SSE-KMS with the pipeline key: S3 asks KMS for a data key
    // with the caller's permissions (kms:GenerateDataKey; a single-part upload needs no kms:Decrypt).
    allow(call, {
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey'],
      Resource: [keyArn],
      Condition: through('s3'),
    });
    return call;
  };

  // 1. The valid upload. Its version id names the result and the record.
  const putOrders = upload(ORDERS);
  const versionId = putOrders.getAttString('VersionId');

  // 2. The result of exactly that version: results/<key>/<versionId>.json.
  const resultKey = `${pipeline.resultsPrefix}${ORDERS.key}/`;
  const resultWritten = expectWithin(
    integ.assertions.awsApiCall('S3', 'listObjectsV2', {
      Bucket: pipeline.resultsBucket.bucketName,
      Prefix: `${resultKey}${versionId}.json`,
      MaxKeys: 10,
    }),
    ExpectedResult.objectLike({
      Contents: Match.arrayWith([
        Match.objectLike({ Key: Match.stringLikeRegexp(`^${literal(resultKey)}[^/]+\\.json$`) }),
      ]),
    }),
    Duration.minutes(5),
  );
  // ListObjectsV2 is authorized by s3:ListBucket (the generated policy names s3:ListObjectsV2, which
  // is not an IAM action). Listing reads no object, so no key is needed.
  allow(resultWritten, {
    Effect: 'Allow',
    Action: ['s3:ListBucket'],
    Resource: [pipeline.resultsBucket.bucketArn],
  });

  // 3. One record for that key and version (the array literal matches its length), pointing at the result.
  const recorded = expectWithin(
    integ.assertions.awsApiCall('DynamoDB', 'query', {
      TableName: pipeline.recordsTable.tableName,
      KeyConditionExpression: 'objectKey = :k AND versionId = :v',
      ExpressionAttributeValues: { ':k': { S: ORDERS.key }, ':v': { S: versionId } },
    }),
    ExpectedResult.objectLike({
      Count: 1,
      Items: [
        Match.objectLike({
          objectKey: { S: ORDERS.key },
          rowCount: { N: String(ORDERS.rows) },
          columns: { L: ORDERS.columns.map((c) => ({ S: c })) },
          resultKey: { S: Match.stringLikeRegexp(`^${literal(resultKey)}[^/]+\\.json$`) },
        }),
      ],
    }),
    Duration.minutes(3),
  );
  // The table is encrypted with the pipeline key: DynamoDB decrypts the table key with the caller's
  // permission (dynamodb:Query itself is in the generated policy).
  allow(recorded, {
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: [keyArn],
    Condition: through('dynamodb'),
  });

  // 4. The corrupt upload fails three times (the first try and Lambda's two retries, about 3 minutes
  // apart in all), then Lambda sends its on-failure record to the queue: the original EventBridge event
  // as requestPayload. Only the key is returned (assertAtPath), which keeps the response of the custom
  // resource under CloudFormation's 4 KB (the record carries the event and the error with its stack).
  // VisibilityTimeout 0: looking at the queue does not hide the message from the next look.
  const putBroken = upload(BROKEN);
  const failedEvent = assertAtPathWithin(
    integ.assertions.awsApiCall('SQS', 'receiveMessage', {
      QueueUrl: pipeline.failedEventsQueue.queueUrl,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 5,
      VisibilityTimeout: 0,
    }),
    'Messages.0.Body.requestPayload.detail.object.key',
    exactly(BROKEN.key),
    Duration.minutes(8),
    Duration.seconds(30),
  );

  // 5. Last: an alarm of the pipeline reaches its topic (alarmNotifies). The failed-events alarm: the
  // message above may already have set it off, which the history check accepts just as well.
  const failedEventsAlarm = pipeline.alarms.find((a) => a.node.id === 'FailedEventsAlarm');
  if (!failedEventsAlarm) throw new Error('S3EventPipeline has no FailedEventsAlarm');

  putOrders
    .next(resultWritten)
    .next(recorded)
    .next(putBroken)
    .next(failedEvent)
    .next(alarmNotifies(integ, failedEventsAlarm)[0]);

  destroyableAssertionLogs(assertions);
  return { integ, stack, assertionStack: assertions };
}

if (require.main === module) synthIntegApp(build);
