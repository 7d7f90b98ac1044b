import * as path from 'path';
import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { Profile } from '../../lib/core/profile';
import * as consumerRuntime from '../../lib/sns-sqs-fanout/runtime/consumer';
import { DEMO_CONSUMER_ENTRY, SnsSqsFanoutStack } from '../../lib/sns-sqs-fanout/sns-sqs-fanout-stack';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';
import { RedrivePolicy, SimulatedQueue, snsEnvelope } from './sqs-simulator';

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
      // The role the README's delivery-DLQ replay assumes.
      ReplayRoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ReplayRole[0-9A-F]{8}$/), 'Arn'] },
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

  test(
    "poison order: the real handler reports it on every receive, so under the template's redrive " +
      '(maxReceiveCount 5, then the billing DLQ) it is delivered 5 times and moved to that DLQ; good orders ' +
      'are processed once (SQS itself is modelled by SimulatedQueue, not tested)',
    async () => {
      // Everything the model runs with comes from the synthesized template: the billing queue's
      // RedrivePolicy and VisibilityTimeout, its event source mapping's BatchSize and response types, and
      // the handler the function names. Only SQS's redrive behaviour is the model's assumption.
      const stack = stacks.sandbox;
      const resources = templates.sandbox.toJSON().Resources as Record<
        string,
        { Type: string; Properties: Record<string, unknown> }
      >;
      const billing = stack.fanout.subscriber('Billing');
      const id = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
      const queue = resources[id(billing.queue)].Properties;

      // The redrive target is the billing queue's own DLQ: not the delivery DLQ, not another subscriber's.
      const redrive = queue.RedrivePolicy as RedrivePolicy;
      expect(redrive).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [id(billing.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      });
      expect(resources[id(billing.deadLetterQueue)].Type).toBe('AWS::SQS::Queue');

      const mappings = Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::Lambda::EventSourceMapping' &&
          JSON.stringify(r.Properties.EventSourceArn) ===
            JSON.stringify({ 'Fn::GetAtt': [id(billing.queue), 'Arn'] }),
      );
      expect(mappings).toHaveLength(1);
      const mapping = mappings[0].Properties as {
        FunctionName: unknown;
        BatchSize: number;
        FunctionResponseTypes?: string[];
      };
      expect(mapping.FunctionName).toEqual({ Ref: id(billing.consumer!) });

      // The function runs runtime/consumer (the demo's entry) and names the export Lambda calls.
      expect(DEMO_CONSUMER_ENTRY).toBe(path.join(__dirname, '../../lib/sns-sqs-fanout/runtime/consumer.ts'));
      const handlerName = /^index\.(\w+)$/.exec(
        String(resources[id(billing.consumer!)].Properties.Handler),
      )?.[1];
      const realHandler = (consumerRuntime as Record<string, unknown>)[handlerName ?? ''];
      expect(realHandler).toBe(consumerRuntime.handler);

      const sim = new SimulatedQueue({
        redrivePolicy: redrive,
        visibilityTimeoutSeconds: queue.VisibilityTimeout as number,
        batchSize: mapping.BatchSize,
        reportBatchItemFailures: (mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
      });
      sim.send('good-1', snsEnvelope('{"orderId":"o-1","eventType":"OrderPlaced","amount":100}'));
      sim.send('poison', snsEnvelope('{"orderId":"o-2","eventType":"OrderPlaced","amount":-5}'));
      sim.send('good-2', snsEnvelope('{"orderId":"o-3","eventType":"OrderShipped"}'));

      const receives: number[] = [];
      const processed: string[] = [];
      // The handler's default sink writes one JSON log line per order it processed.
      const log = jest.spyOn(console, 'log').mockImplementation((line: string) => {
        processed.push(JSON.parse(line).orderId);
      });
      const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await sim.drain(async (event) => {
          receives.push(
            ...event.Records.filter((r) => r.messageId === 'poison').map((r) =>
              Number(r.attributes.ApproximateReceiveCount),
            ),
          );
          return (realHandler as typeof consumerRuntime.handler)(event);
        });
      } finally {
        log.mockRestore();
        error.mockRestore();
      }

      expect(processed).toEqual(['o-1', 'o-3']);
      expect(receives).toEqual(Array.from({ length: redrive.maxReceiveCount }, (_, i) => i + 1));
      expect(sim.deadLetterQueue).toEqual(['poison']);
      expect(sim.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [id(billing.deadLetterQueue), 'Arn'] });
      expect(sim.depth).toBe(0);
    },
  );
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
