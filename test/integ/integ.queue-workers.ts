// Integration test: EC2 worker fleet on an SQS backlog (RefArch-QueueWorkers, sandbox profile), against a
// real account. Proves that the fleet starts from zero instances when work arrives, that the workers write a
// receipt per order, drain the priority queue, and keep a failed order for the dead-letter queue:
//   1. publish a valid order to the order topic (it reaches the Fulfilment queue), send a second one to the
//      fleet's priority queue, and publish an invalid order (an item of quantity 0) to the topic;
//   2. the receipt receipts/<orderId>.json of the topic's order appears in the results bucket within
//      20 minutes: the backlog alarm starts the first instance (the group idles at zero), which boots,
//      installs Node.js, downloads the worker and polls: several minutes;
//   3. the receipt of the priority order appears too (within 5 more minutes);
//   4. the invalid order is held, not deleted: the Fulfilment queue has no visible message and exactly
//      one in flight (the valid orders were deleted after their receipts), and its redrive policy moves a
//      message to the dead-letter queue after 5 receives. Why not wait for the dead-letter queue itself:
//      a failed job keeps its message hidden for the queue's visibility timeout (11 minutes in the demo,
//      runtime/worker.ts: no early return, or a poison message would burn through maxReceiveCount in a
//      tight loop), so the move comes with the 6th receive, about 5 x 11 = 55 minutes after the first,
//      an hour into the test and at CloudFormation's one-hour limit for a custom resource. The redrive
//      itself is SQS's, and the offline tests check its wiring; what only a real account shows is that the
//      worker leaves a failed message in the queue, which step 4 does. To see the move by hand, leave
//      the stack deployed for an hour after the test and receive from the Fulfilment dead-letter queue;
//   5. last, an alarm of the fleet reaches the alarm topic (alarmNotifies).
// The whole run takes about 30 minutes of assertions on top of the deployment (the VPC's NAT instance,
// the fleet), so run it when the fleet or its worker changes, not on every commit.
//
// Run (AWS_PROFILE and AWS_REGION of a sandbox account, bootstrapped once; see test/integ/README.md):
//   npx cdk deploy --app "npx tsx test/integ/integ.queue-workers.ts" -o cdk.out/integ-queue-workers \
//     --all --require-approval never
//   npx cdk destroy --app "npx tsx test/integ/integ.queue-workers.ts" -o cdk.out/integ-queue-workers \
//     --all --force   # also after a failure
// or with integ-runner: npx integ-runner --language typescript --directory test/integ --parallel-regions
//   $AWS_REGION integ.queue-workers.ts
import { App, Duration } from 'aws-cdk-lib';
import { ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { QueueWorkersStack } from '../../lib/queue-workers/queue-workers-stack';
import {
  allow,
  publishToFanout,
  alarmNotifies,
  assertionStack,
  destroyableAssertionLogs,
  expectWithin,
  INTEG_STACK_PREFIX,
  IntegCase,
  integTest,
  synthIntegApp,
} from './integ-helpers';

/**
 * The orders the test sends (fixed ids: the assertions look for their receipts). The shape is the
 * fan-out's order event with the items the fulfil-order job packs (lib/queue-workers/runtime/fulfil-order.ts).
 */
export const ORDER = {
  orderId: 'integ-qw-1',
  eventType: 'OrderPlaced',
  amount: 2500,
  items: [
    { sku: 'SKU-RED', quantity: 2, unitPrice: 1000 },
    { sku: 'SKU-BLUE', quantity: 1, unitPrice: 500 },
  ],
};
export const URGENT = {
  orderId: 'integ-qw-urgent-1',
  eventType: 'OrderPlaced',
  items: [{ sku: 'SKU-GREEN', quantity: 1, unitPrice: 750 }],
};
/** Never fulfillable: an item of quantity 0 (parseOrder throws InvalidOrderError, not retryable). */
export const INVALID = {
  orderId: 'integ-qw-bad-1',
  eventType: 'OrderPlaced',
  items: [{ sku: 'SKU-RED', quantity: 0, unitPrice: 1000 }],
};
/** Receives before SQS moves a Fulfilment message to its dead-letter queue (SnsSqsFanout's default). */
export const FULFILMENT_MAX_RECEIVE_COUNT = 5;

export function build(app: App): IntegCase {
  const stack = new QueueWorkersStack(app, `${INTEG_STACK_PREFIX}QueueWorkers`, { profile: 'sandbox' });
  const assertions = assertionStack(app, 'QueueWorkers');
  const integ = integTest(app, 'QueueWorkers', stack, assertions);
  const { orders, workers } = stack;
  const fulfilment = orders.subscriber('Fulfilment');
  if (!workers.priorityQueue) throw new Error('QueueWorkersStack has no priority queue');
  // Uses of a key on the caller's behalf by SQS only.
  const throughSqs = { StringLike: { 'kms:ViaService': 'sqs.*.amazonaws.com' } };

  const publish = (order: object) => publishToFanout(integ, orders, order);

  // The priority queue is encrypted with the fleet's key: SQS asks KMS for a data key with the sender's
  // permissions.
  const sendUrgent = integ.assertions.awsApiCall('SQS', 'sendMessage', {
    QueueUrl: workers.priorityQueue.queueUrl,
    MessageBody: JSON.stringify(URGENT),
  });
  allow(sendUrgent, {
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: [workers.encryptionKey.keyArn],
    Condition: throughSqs,
  });

  // A receipt is `receipts/<orderId>.json`; listing reads no object, so no key is needed. ListObjectsV2
  // is authorized by s3:ListBucket (the generated policy names s3:ListObjectsV2, not an IAM action).
  const receiptWritten = (orderId: string, timeout: Duration) => {
    const key = `receipts/${orderId}.json`;
    const call = expectWithin(
      integ.assertions.awsApiCall('S3', 'listObjectsV2', {
        Bucket: workers.resultsBucket.bucketName,
        Prefix: key,
        MaxKeys: 10,
      }),
      ExpectedResult.objectLike({ Contents: Match.arrayWith([Match.objectLike({ Key: key })]) }),
      timeout,
      Duration.seconds(30),
    );
    allow(call, {
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [workers.resultsBucket.bucketArn],
    });
    return call;
  };

  // 1. The work: a valid order through the topic, an urgent one straight to the priority queue, and
  // an invalid one through the topic.
  const publishOrder = publish(ORDER);
  const publishInvalid = publish(INVALID);
  // 2-3. From zero instances: the backlog alarm needs two one-minute periods, then launch and boot.
  const orderReceipt = receiptWritten(ORDER.orderId, Duration.minutes(20));
  const urgentReceipt = receiptWritten(URGENT.orderId, Duration.minutes(5));
  // 4. The invalid order is in flight, held by a worker that failed it and did not delete it: nothing
  // visible, exactly one message not visible (both valid orders were deleted after their receipts). Up
  // to 12 minutes: longer than one visibility timeout, so a look in the moment the message reappears
  // before the next receive (or the approximate counts lagging a minute) is retried past. The queue key
  // is not needed: GetQueueAttributes reads no message.
  const invalidHeld = expectWithin(
    integ.assertions.awsApiCall('SQS', 'getQueueAttributes', {
      QueueUrl: fulfilment.queue.queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'RedrivePolicy',
      ],
    }),
    ExpectedResult.objectLike({
      Attributes: Match.objectLike({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '1',
        RedrivePolicy: Match.serializedJson(
          Match.objectLike({ maxReceiveCount: FULFILMENT_MAX_RECEIVE_COUNT }),
        ),
      }),
    }),
    Duration.minutes(12),
    Duration.seconds(15),
  );

  // 5. Last: an alarm of the fleet reaches its topic (the fan-out's alarm topic, shared by the demo).
  const deadLettersAlarm = workers.alarms.find((a) => a.node.id === 'DeadLettersAlarm');
  if (!deadLettersAlarm) throw new Error('QueueWorkerFleet has no DeadLettersAlarm');

  publishOrder
    .next(sendUrgent)
    .next(publishInvalid)
    .next(orderReceipt)
    .next(urgentReceipt)
    .next(invalidHeld)
    .next(alarmNotifies(integ, deadLettersAlarm)[0]);

  destroyableAssertionLogs(assertions);
  return { integ, stack, assertionStack: assertions };
}

if (require.main === module) synthIntegApp(build);
