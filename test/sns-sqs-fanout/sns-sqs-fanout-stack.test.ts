import { Template } from 'aws-cdk-lib/assertions';
import { Profile } from '../../lib/core/profile';
import { processBatch } from '../../lib/sns-sqs-fanout/runtime/consumer';
import { SnsSqsFanoutStack } from '../../lib/sns-sqs-fanout/sns-sqs-fanout-stack';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';
import { SimulatedQueue, snsEnvelope } from './sqs-simulator';

const stacks = {} as Record<Profile, SnsSqsFanoutStack>;
const templates = {} as Record<Profile, Template>;

beforeAll(() => {
  for (const profile of ['sandbox', 'production'] as const) {
    stacks[profile] = new SnsSqsFanoutStack(testApp(), 'RefArch-SnsSqsFanout', { profile });
    templates[profile] = Template.fromStack(stacks[profile]);
  }
});

test('is registered in the reference app as RefArch-SnsSqsFanout', () => {
  const entry = PATTERN_STACKS.find((e) => e.stackId === 'RefArch-SnsSqsFanout');
  expect(entry?.folder).toBe('sns-sqs-fanout');
  expect(entry?.create(testApp(), 'RefArch-SnsSqsFanout', 'sandbox')).toBeInstanceOf(SnsSqsFanoutStack);
});

describe('demo: order events to billing, shipping and analytics', () => {
  test('three subscriptions: shipping filters on the body, analytics gets raw JSON', () => {
    const t = templates.sandbox;
    t.resourceCountIs('AWS::SNS::Subscription', 3);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { eventType: ['OrderPlaced', 'OrderCancelled'] },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { RawMessageDelivery: true });
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  test('outputs for the README\'s "try it": topic ARN, each queue and DLQ URL, the consumer log group', () => {
    const stack = stacks.sandbox;
    const outputs = templates.sandbox.toJSON().Outputs as Record<string, { Value: unknown }>;
    const ref = (c: { node: { defaultChild?: unknown } }) =>
      stack.resolve((c.node.defaultChild as { ref: string }).ref);
    const fanout = stack.fanout;
    const expected: Record<string, unknown> = {
      TopicArn: ref(fanout.topic),
      AlarmTopicArn: stack.resolve(fanout.alarmTopic.topicArn),
      BillingConsumerLogGroupName: stack.resolve(
        fanout.subscriber('Billing').consumer!.logGroup.logGroupName,
      ),
    };
    for (const name of ['Billing', 'Shipping', 'Analytics']) {
      const s = fanout.subscriber(name);
      expected[`${name}QueueUrl`] = ref(s.queue);
      expected[`${name}DeadLetterQueueUrl`] = ref(s.deadLetterQueue);
      expected[`${name}DeliveryDeadLetterQueueUrl`] = ref(s.deliveryDeadLetterQueue);
    }
    expect(Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.Value]))).toEqual(expected);
    // The same outputs in production (the README's commands work for both profiles).
    expect(Object.keys(templates.production.toJSON().Outputs).sort()).toEqual(Object.keys(expected).sort());
  });

  test('a poison order is retried maxReceiveCount times, then lands in the DLQ; good orders are processed once', async () => {
    // Read the redrive configuration the billing queue really gets, and run the real handler against it.
    const fanout = stacks.sandbox.fanout;
    const billing = fanout.subscriber('Billing');
    const queue =
      templates.sandbox.toJSON().Resources[
        stacks.sandbox.getLogicalId(billing.queue.node.defaultChild as never)
      ].Properties;
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(queue.VisibilityTimeout).toBe(60);

    const sim = new SimulatedQueue(queue.RedrivePolicy.maxReceiveCount, queue.VisibilityTimeout);
    sim.send('good-1', snsEnvelope('{"orderId":"o-1","eventType":"OrderPlaced","amount":100}'));
    sim.send('poison', snsEnvelope('{"orderId":"o-2","eventType":"OrderPlaced","amount":-5}'));
    sim.send('good-2', snsEnvelope('{"orderId":"o-3","eventType":"OrderShipped"}'));

    const processed: string[] = [];
    const receives: number[] = [];
    const silence = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await sim.drain(async (event) => {
      receives.push(
        ...event.Records.filter((r) => r.messageId === 'poison').map((r) =>
          Number(r.attributes.ApproximateReceiveCount),
        ),
      );
      return processBatch(event, (e) => {
        processed.push(e.orderId);
      });
    });
    silence.mockRestore();

    expect(processed).toEqual(['o-1', 'o-3']);
    expect(receives).toEqual([1, 2, 3, 4, 5]);
    expect(sim.deadLetterQueue).toEqual(['poison']);
    expect(sim.depth).toBe(0);
  });
});

describe('sandbox profile', () => {
  test('cdk destroy leaves nothing: queues, keys and log groups are deleted', () => {
    const resources = templates.sandbox.toJSON().Resources as Record<
      string,
      { Type: string; DeletionPolicy?: string }
    >;
    expect(Object.entries(resources).filter(([, r]) => r.DeletionPolicy === 'Retain')).toEqual([]);
    templates.sandbox.hasResourceProperties('AWS::KMS::Key', { PendingWindowInDays: 7 });
    templates.sandbox.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  test('all six nag packs are clean', () => expectNagClean(stacks.sandbox));

  test('snapshot', () => expect(templates.sandbox.toJSON()).toMatchSnapshot());
});

describe('production profile', () => {
  test('queues, keys and log groups are retained; billing may run 10 consumers', () => {
    const t = templates.production;
    for (const type of ['AWS::SQS::Queue', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      const found = Object.values(t.findResources(type));
      expect(found.length).toBeGreaterThan(0);
      for (const r of found) expect([type, r.DeletionPolicy]).toEqual([type, 'Retain']);
    }
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 10 } });
  });

  test('all six nag packs are clean', () => expectNagClean(stacks.production));

  test('snapshot', () => expect(templates.production.toJSON()).toMatchSnapshot());
});
