// Integration test: SNS -> SQS fan-out (RefArch-SnsSqsFanout, sandbox profile), against a real account.
// Proves that one published order event reaches every queue whose filter allows it and no other:
//   1. publish OrderShipped: analytics (no filter) receives it, billing's Lambda consumer processes it,
//      and the shipping queue (body filter: OrderPlaced / OrderCancelled) stays empty for 20 s;
//   2. publish OrderPlaced: shipping receives exactly that message, analytics and billing receive it too.
// Run: see "Run the integration test against a sandbox account" in lib/sns-sqs-fanout/README.md.
import { App, Duration } from 'aws-cdk-lib';
import { ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { SnsSqsFanoutStack } from '../../lib/sns-sqs-fanout/sns-sqs-fanout-stack';
import {
  publishToFanout,
  allowReadingLogGroup,
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

/** The two order events the test publishes (fixed ids: the assertions look for them). */
export const SHIPPED = { orderId: 'integ-o-1', eventType: 'OrderShipped' };
export const PLACED = { orderId: 'integ-o-2', eventType: 'OrderPlaced', amount: 1250 };

export function build(app: App): IntegCase {
  const stack = new SnsSqsFanoutStack(app, `${INTEG_STACK_PREFIX}SnsSqsFanout`, { profile: 'sandbox' });
  const assertions = assertionStack(app, 'SnsSqsFanout');
  const integ = integTest(app, 'SnsSqsFanout', stack, assertions);
  const fanout = stack.fanout;
  const queueUrl = (name: string) => fanout.subscriber(name).queue.queueUrl;

  const publish = (event: object) => publishToFanout(integ, fanout, event);

  // VisibilityTimeout 0: looking at a queue does not hide its messages from the next look.
  const receive = (name: string, waitSeconds: number) =>
    integ.assertions.awsApiCall('SQS', 'receiveMessage', {
      QueueUrl: queueUrl(name),
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
      VisibilityTimeout: 0,
    });
  // Analytics has raw message delivery: the SQS body is the published JSON itself.
  const analyticsHas = (event: { orderId: string }) =>
    expectWithin(
      receive('Analytics', 5),
      ExpectedResult.objectLike({
        Messages: Match.arrayWith([
          Match.objectLike({ Body: Match.serializedJson(Match.objectLike({ orderId: event.orderId })) }),
        ]),
      }),
      Duration.minutes(3),
      Duration.seconds(10),
    );
  // Billing is consumed by its Lambda function: look for the consumer's log line instead of the queue.
  const billingLogs = fanout.subscriber('Billing').consumer!.logGroup;
  const billingProcessed = (event: { orderId: string }) => {
    const call = expectWithin(
      integ.assertions.awsApiCall('CloudWatchLogs', 'filterLogEvents', {
        logGroupName: billingLogs.logGroupName,
        filterPattern: `"${event.orderId}"`,
        limit: 10,
      }),
      ExpectedResult.objectLike({
        events: Match.arrayWith([
          Match.objectLike({ message: Match.stringLikeRegexp('order event processed') }),
        ]),
      }),
      Duration.minutes(5),
      Duration.seconds(20),
    );
    allowReadingLogGroup(call, billingLogs);
    return call;
  };

  // 1. OrderShipped: not for shipping.
  const publishShipped = publish(SHIPPED);
  const analyticsGotShipped = analyticsHas(SHIPPED);
  // SNS delivers to all subscriptions of one message at about the same time, and the 20-second long
  // poll covers a late delivery: a message in the shipping queue now can only have passed its filter.
  const shippingStaysEmpty = expectWithin(receive('Shipping', 20), exactly({}), Duration.minutes(2));
  // 2. OrderPlaced: for everyone, shipping included.
  const publishPlaced = publish(PLACED);
  // Exactly one message in shipping (the array literal matches its length), and it is OrderPlaced.
  // Without raw delivery the body is the SNS envelope; the published text is its Message field.
  const shippingGotPlaced = expectWithin(
    receive('Shipping', 5),
    ExpectedResult.objectLike({
      Messages: [
        Match.objectLike({
          Body: Match.serializedJson(
            Match.objectLike({
              Type: 'Notification',
              Message: Match.serializedJson(
                Match.objectLike({ orderId: PLACED.orderId, eventType: 'OrderPlaced' }),
              ),
            }),
          ),
        }),
      ],
    }),
    Duration.minutes(3),
    Duration.seconds(10),
  );
  const analyticsGotPlaced = analyticsHas(PLACED);
  const billingGotShipped = billingProcessed(SHIPPED);
  const billingGotPlaced = billingProcessed(PLACED);

  publishShipped
    .next(analyticsGotShipped)
    .next(shippingStaysEmpty)
    .next(publishPlaced)
    .next(shippingGotPlaced)
    .next(analyticsGotPlaced)
    .next(billingGotShipped)
    .next(billingGotPlaced)
    // Last: an alarm of the fan-out reaches its topic (alarmNotifies).
    .next(alarmNotifies(integ, fanout.subscribers[0].alarms[0])[0]);

  destroyableAssertionLogs(assertions);
  return { integ, stack, assertionStack: assertions };
}

if (require.main === module) synthIntegApp(build);
