import * as path from 'path';
import { CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { EncryptionKey } from '../../lib/core/encryption-key';
import { PropValidationError } from '../../lib/core/errors';
import {
  FanoutSubscriberProps,
  fanoutResourceCount,
  MAX_STACK_RESOURCES,
  SnsSqsFanout,
  SnsSqsFanoutProps,
} from '../../lib/sns-sqs-fanout/sns-sqs-fanout';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';

const ENTRY = path.join(__dirname, '..', '..', 'lib', 'sns-sqs-fanout', 'runtime', 'consumer.ts');

function build(props: SnsSqsFanoutProps): { stack: Stack; fanout: SnsSqsFanout } {
  const stack = new Stack(testApp(), 'Test');
  return { stack, fanout: new SnsSqsFanout(stack, 'Fanout', props) };
}

/**
 * Builds a fan-out with one subscriber: undefined when it builds, the message when the construct rejects
 * the props. Only a PropValidationError counts as a rejection: anything else (a TypeError, an aws-cdk-lib
 * error) is a defect and fails the test that asked.
 */
function errorOf(
  sub: Partial<FanoutSubscriberProps>,
  top: Partial<SnsSqsFanoutProps> = {},
): string | undefined {
  try {
    build({ subscribers: [{ name: 'A', ...sub }], ...top });
    return undefined;
  } catch (e) {
    if (e instanceof PropValidationError) return e.message;
    throw e;
  }
}

/** The resources of a template that belong to `scope` (found through the construct tree, not counted by the construct). */
function resourcesUnder(stack: Stack, scope: SnsSqsFanout, template: Template): string[] {
  const ids = new Set(
    scope.node
      .findAll()
      .filter((c): c is CfnResource => c instanceof CfnResource)
      .map((c) => stack.getLogicalId(c)),
  );
  return Object.keys(template.toJSON().Resources).filter((id) => ids.has(id));
}

/** Every alarm of the template notifies exactly `topicArn`, on alarm and on recovery; returns how many there are. */
function expectEveryAlarmNotifies(template: Template, topicArn: unknown): number {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  for (const a of alarms) {
    expect(a.Properties.AlarmActions).toEqual([topicArn]);
    expect(a.Properties.OKActions).toEqual([topicArn]);
  }
  return alarms.length;
}

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
>;

describe('defaults (one plain subscriber, one with a Lambda consumer)', () => {
  let stack: Stack;
  let fanout: SnsSqsFanout;
  let t: Template;
  let resources: Resources;
  const props: SnsSqsFanoutProps = {
    subscribers: [{ name: 'Plain' }, { name: 'Worker', consumer: { entry: ENTRY } }],
  };
  const ref = (c: { node: { defaultChild?: unknown } }) =>
    stack.resolve((c.node.defaultChild as { ref: string }).ref);
  const arn = (c: { node: { defaultChild?: unknown } }) =>
    stack.resolve((c.node.defaultChild as { attrArn: string }).attrArn);

  beforeAll(() => {
    ({ stack, fanout } = build(props));
    t = Template.fromStack(stack);
    resources = t.toJSON().Resources;
  });

  test('the topic has its own customer-managed key and denies non-TLS requests', () => {
    t.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: stack.resolve(fanout.topicEncryptionKey.keyArn),
    });
    expect(fanout.queues.map((q) => q.encryptionMasterKey)).toEqual([undefined, undefined]);
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(fanout.topic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('queues: SSE-SQS written out, 4 days, 30 s visibility, 20 s long polling, DLQ after 5 receives', () => {
    const q = resources[stack.getLogicalId(fanout.queues[0].node.defaultChild as never)].Properties;
    expect(q).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 4 * 86400,
      VisibilityTimeout: 30,
      ReceiveMessageWaitTimeSeconds: 20,
      RedrivePolicy: { deadLetterTargetArn: arn(fanout.deadLetterQueues[0]), maxReceiveCount: 5 },
    });
  });

  test('both dead-letter queues: 14 days, SSE-SQS, RedriveAllowPolicy allowAll (Control Tower sqs_dlq_check)', () => {
    for (const dlq of [...fanout.deadLetterQueues, ...fanout.deliveryDeadLetterQueues]) {
      expect(resources[stack.getLogicalId(dlq.node.defaultChild as never)].Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 86400,
        RedriveAllowPolicy: { redrivePermission: 'allowAll' },
      });
    }
  });

  test('data is retained by default', () => {
    for (const type of ['AWS::SQS::Queue', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      const found = Object.values(t.findResources(type));
      expect(found.length).toBeGreaterThan(0);
      for (const r of found) expect([type, r.DeletionPolicy]).toEqual([type, 'Retain']);
    }
  });

  test('one SQS subscription per queue, enveloped, with the delivery DLQ as SNS redrive target', () => {
    t.resourceCountIs('AWS::SNS::Subscription', 2);
    fanout.subscribers.forEach((s) => {
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        TopicArn: ref(fanout.topic),
        Endpoint: arn(s.queue),
        RedrivePolicy: { deadLetterTargetArn: arn(s.deliveryDeadLetterQueue) },
        RawMessageDelivery: Match.absent(),
        FilterPolicy: Match.absent(),
      });
    });
  });

  test('only this topic may send to the queue and the delivery DLQ, and only over TLS', () => {
    for (const q of [fanout.queues[0], fanout.deliveryDeadLetterQueues[0]]) {
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(q)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            {
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: arn(q),
              Condition: { ArnEquals: { 'aws:SourceArn': ref(fanout.topic) } },
            },
          ]),
        },
      });
    }
  });

  test('everyone else is denied sqs:SendMessage, same-account principals included: the exact complement of the SNS Allow', () => {
    for (const q of [fanout.queues[0], fanout.deliveryDeadLetterQueues[0]]) {
      const policy = Object.values(t.findResources('AWS::SQS::QueuePolicy')).find(
        (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([ref(q)]),
      )!;
      const statements = policy.Properties.PolicyDocument.Statement as Record<string, unknown>[];
      const denies = statements.filter(
        (st) => st.Effect === 'Deny' && JSON.stringify(st.Action).includes('sqs:SendMessage'),
      );
      // Exactly this statement: only sqs:SendMessage (never SetQueueAttributes, so an administrator
      // can always change the policy), and a condition on aws:SourceArn alone, which IAM callers
      // never carry (negated operators match a missing key) and SNS sets to this topic.
      expect(denies).toEqual([
        {
          Sid: 'DenySendUnlessFromTopic',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sqs:SendMessage',
          Resource: arn(q),
          Condition: { ArnNotEquals: { 'aws:SourceArn': ref(fanout.topic) } },
        },
      ]);
    }
    // The receive DLQ is not an SNS target: SQS itself moves messages there, so it gets no such Deny.
    const dlqPolicy = Object.values(t.findResources('AWS::SQS::QueuePolicy')).find(
      (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([ref(fanout.deadLetterQueues[0])]),
    )!;
    expect(JSON.stringify(dlqPolicy.Properties.PolicyDocument)).not.toContain('sqs:SendMessage');
  });

  test('the receive dead-letter queue denies non-TLS requests too', () => {
    for (const dlq of fanout.deadLetterQueues) {
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(dlq)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sqs:*',
              Resource: arn(dlq),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  test('the topic is standard: not FIFO, no content-based deduplication', () => {
    const topic = resources[stack.getLogicalId(fanout.topic.node.defaultChild as never)].Properties;
    expect(topic.FifoTopic).toBeUndefined();
    expect(topic.ContentBasedDeduplication).toBeUndefined();
    expect(topic.TopicName).toBeUndefined();
  });

  test('the event source mapping invokes as soon as messages arrive: no batching window', () => {
    const [mapping] = Object.values(t.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mapping.Properties).not.toHaveProperty('MaximumBatchingWindowInSeconds');
  });

  test('three alarms per subscriber with the QueueName dimension, notifying the alarm topic on alarm and OK', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    const alarmTopic = stack.resolve(fanout.alarmTopic.topicArn);
    const s = fanout.subscribers[0];
    const expectations: [unknown, string, number][] = [
      [s.queue, 'ApproximateAgeOfOldestMessage', 900],
      [s.deadLetterQueue, 'ApproximateNumberOfMessagesVisible', 0],
      [s.deliveryDeadLetterQueue, 'ApproximateNumberOfMessagesVisible', 0],
    ];
    for (const [queue, metric, threshold] of expectations) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: metric,
        Dimensions: [{ Name: 'QueueName', Value: stack.resolve((queue as typeof s.queue).queueName) }],
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [alarmTopic],
        OKActions: [alarmTopic],
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test('a consumer gets an Errors alarm bound to its own function, notifying the alarm topic', () => {
    const worker = fanout.subscriber('Worker');
    const alarmTopic = stack.resolve(fanout.alarmTopic.topicArn);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(worker.consumer!) }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [alarmTopic],
    });
    expect(worker.alarms).toHaveLength(4);
    expect(fanout.subscriber('Plain').alarms).toHaveLength(3);
  });

  test('consumer: partial batch responses, 10 per batch, max concurrency 5, visibility 6x the 10 s timeout', () => {
    const worker = fanout.subscriber('Worker');
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arn(worker.queue),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Timeout: 10,
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
    t.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 60,
      RedrivePolicy: { deadLetterTargetArn: arn(worker.deadLetterQueue), maxReceiveCount: 5 },
    });
    // The consumer logs under the fan-out's own log key, not the topic key or any other.
    const logKey = (fanout.node.findChild('LogKey') as EncryptionKey).key;
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(1);
    for (const g of groups) {
      expect(g.Properties.RetentionInDays).toBe(365);
      expect(g.Properties.KmsKeyId).toEqual(stack.resolve(logKey.keyArn));
    }
  });

  test('the consumer may receive, delete and extend visibility on its own queue only', () => {
    const worker = fanout.subscriber('Worker');
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: Match.arrayWith([
              'sqs:ChangeMessageVisibility',
              'sqs:DeleteMessage',
              'sqs:ReceiveMessage',
            ]),
            Resource: arn(worker.queue),
          },
        ]),
      },
    });
  });

  test('the resource estimate used for the 500-resource check matches the template', () => {
    expect(Object.keys(resources)).toHaveLength(fanoutResourceCount(props));
    expect(fanoutResourceCount({ subscribers: [{ name: 'A' }] })).toBe(3 + 3 + 10);
  });

  test('all six nag packs are clean', () => expectNagClean(stack));
});

describe('FIFO topic with a customer key for the queues', () => {
  let stack: Stack;
  let fanout: SnsSqsFanout;
  let queueKey: kms.Key;
  let t: Template;
  beforeAll(() => {
    stack = new Stack(testApp(), 'Fifo');
    queueKey = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true });
    fanout = new SnsSqsFanout(stack, 'Fanout', {
      fifo: true,
      contentBasedDeduplication: true,
      queueEncryptionKey: queueKey,
      removalPolicy: RemovalPolicy.DESTROY,
      subscribers: [
        { name: 'Ledger', consumer: { entry: ENTRY } },
        { name: 'Audit', maxReceiveCount: 3 },
      ],
    });
    t = Template.fromStack(stack);
  });

  test('FIFO topic with content-based deduplication feeds FIFO queues whose names end in .fifo', () => {
    t.hasResourceProperties('AWS::SNS::Topic', {
      FifoTopic: true,
      ContentBasedDeduplication: true,
      TopicName: Match.stringLikeRegexp('\\.fifo$'),
    });
    const queues = Object.values(t.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(6);
    for (const q of queues) {
      expect(q.Properties.FifoQueue).toBe(true);
      expect(q.Properties.QueueName).toMatch(/^[A-Za-z0-9_-]+\.fifo$/);
      expect(q.Properties.QueueName.length).toBeLessThanOrEqual(80);
    }
    expect(new Set(queues.map((q) => q.Properties.QueueName)).size).toBe(6);
  });

  test('queues use the separate key (no SqsManagedSseEnabled) and SNS may use it for this topic only', () => {
    const queues = Object.values(t.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(6);
    for (const q of queues) {
      // Exactly the given key: each queue, both dead-letter queues included.
      expect(q.Properties.KmsMasterKeyId).toEqual(stack.resolve(queueKey.keyArn));
      expect(q.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
    const policy =
      t.toJSON().Resources[stack.getLogicalId(queueKey.node.defaultChild as never)].Properties.KeyPolicy;
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'sns.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: { ArnEquals: { 'aws:SourceArn': stack.resolve(fanout.topic.topicArn) } },
      }),
    );
  });

  test('the FIFO DLQ may keep messages as long as its queue (FIFO resets the enqueue time)', () => {
    expect(
      errorOf(
        { retentionPeriod: Duration.days(14), deadLetterRetentionPeriod: Duration.days(14) },
        { fifo: true },
      ),
    ).toBeUndefined();
  });

  test('all six nag packs are clean', () => expectNagClean(stack));
});

describe('per-subscriber options', () => {
  test('attribute filter, raw delivery, delay, custom retention and receive count reach the template', () => {
    const { stack } = build({
      subscribers: [
        {
          name: 'Shipping',
          filterPolicy: { eventType: sns.SubscriptionFilter.stringFilter({ allowlist: ['OrderPlaced'] }) },
          rawMessageDelivery: true,
          deliveryDelay: Duration.seconds(30),
          retentionPeriod: Duration.days(2),
          deadLetterRetentionPeriod: Duration.days(3),
          visibilityTimeout: Duration.minutes(2),
          receiveMessageWaitTime: Duration.seconds(5),
          maxReceiveCount: 2,
          oldestMessageAgeThreshold: Duration.hours(1),
        },
      ],
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      RawMessageDelivery: true,
      FilterPolicy: { eventType: ['OrderPlaced'] },
      FilterPolicyScope: Match.absent(),
    });
    t.hasResourceProperties('AWS::SQS::Queue', {
      DelaySeconds: 30,
      MessageRetentionPeriod: 2 * 86400,
      VisibilityTimeout: 120,
      ReceiveMessageWaitTimeSeconds: 5,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 2 }),
    });
    t.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 3 * 86400,
      RedriveAllowPolicy: Match.anyValue(),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 3600,
    });
  });

  test('a body filter sets FilterPolicyScope MessageBody', () => {
    const { stack } = build({
      subscribers: [
        {
          name: 'Big',
          filterPolicyWithMessageBody: {
            amount: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.numericFilter({ greaterThan: 100 })),
          },
        },
      ],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { amount: [{ numeric: ['>', 100] }] },
    });
  });

  test('an existing alarm topic is used by every alarm and no AlarmTopic is created', () => {
    const stack = new Stack(testApp(), 'Shared');
    const alarmTopic = new sns.Topic(stack, 'Alarms');
    const fanout = new SnsSqsFanout(stack, 'Fanout', {
      alarmTopic,
      subscribers: [{ name: 'A' }, { name: 'B', consumer: { entry: ENTRY } }],
    });
    expect(fanout.alarmTopic).toBe(alarmTopic);
    expect(fanout.node.tryFindChild('AlarmTopic')).toBeUndefined();
    const t = Template.fromStack(stack);
    // Three alarms per subscriber and the consumer's Errors alarm, each notifying exactly the given topic.
    expect(expectEveryAlarmNotifies(t, stack.resolve(alarmTopic.topicArn))).toBe(7);
    // The fan-out's own topic and the given one: no other topic to notify.
    t.resourceCountIs('AWS::SNS::Topic', 2);
  });

  test('grantPublish allows sns:Publish and the topic key', () => {
    const { stack, fanout } = build({ subscribers: [{ name: 'A' }] });
    const role = new iam.Role(stack, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
    fanout.grantPublish(role);
    const policy = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [stack.resolve(role.roleName)] },
    });
    const statements = JSON.stringify(Object.values(policy)[0].Properties.PolicyDocument.Statement);
    expect(statements).toContain('sns:Publish');
    expect(statements).toContain('kms:GenerateDataKey*');
  });

  test('redriveRoles are exempt from the send Deny (a DLQ redrive sends as its caller); nothing else changes', () => {
    const stack = new Stack(testApp(), 'Redrive');
    const operators = new iam.Role(stack, 'Operators', { assumedBy: new iam.AccountRootPrincipal() });
    const fanout = new SnsSqsFanout(stack, 'Fanout', {
      subscribers: [{ name: 'A' }],
      redriveRoles: [operators],
    });
    const t = Template.fromStack(stack);
    for (const q of [fanout.queues[0], fanout.deliveryDeadLetterQueues[0]]) {
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [stack.resolve(q.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'DenySendUnlessFromTopic',
              Effect: 'Deny',
              Action: 'sqs:SendMessage',
              // Both keys under one operator are ANDed: denied unless from the topic or an operator role.
              Condition: {
                ArnNotEquals: {
                  'aws:SourceArn': stack.resolve(fanout.topic.topicArn),
                  'aws:PrincipalArn': [stack.resolve(operators.roleArn)],
                },
              },
            }),
          ]),
        },
      });
    }
    expectNagClean(stack);
  });

  test('grantReplay: receive and delete on the delivery DLQ, send on the queue, only for a redrive role', () => {
    const stack = new Stack(testApp(), 'Replay');
    const operators = new iam.Role(stack, 'Operators', { assumedBy: new iam.AccountRootPrincipal() });
    const stranger = new iam.Role(stack, 'Stranger', { assumedBy: new iam.AccountRootPrincipal() });
    const fanout = new SnsSqsFanout(stack, 'Fanout', {
      subscribers: [{ name: 'A' }],
      redriveRoles: [operators],
    });
    const a = fanout.subscriber('A');
    expect(() => a.grantReplay(stranger)).toThrow(
      /grantReplay\(Replay\/Stranger\) on subscriber 'A': the role is not in the fan-out's redriveRoles/,
    );
    a.grantReplay(operators);
    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const policy = Object.values(statements).find(
      (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(operators.roleName)]),
    );
    const doc = policy!.Properties.PolicyDocument.Statement as { Action: string[]; Resource: unknown }[];
    const on = (q: { queueArn: string }): string[] =>
      doc
        .filter((st) => JSON.stringify(st.Resource) === JSON.stringify(stack.resolve(q.queueArn)))
        .flatMap((st) => st.Action);
    expect(on(a.queue)).toContain('sqs:SendMessage');
    expect(on(a.queue)).not.toContain('sqs:ReceiveMessage');
    expect(on(a.deliveryDeadLetterQueue)).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
    expect(on(a.deliveryDeadLetterQueue)).not.toContain('sqs:SendMessage');
    expect(on(a.deadLetterQueue)).toEqual([]);
  });

  test('subscriber() throws for an unknown name', () => {
    const { fanout } = build({ subscribers: [{ name: 'A' }] });
    expect(() => fanout.subscriber('B')).toThrow("no subscriber 'B'; known: A");
  });
});

describe('validation', () => {
  test('no subscribers', () => {
    expect(() => build({ subscribers: [] })).toThrow(
      'SnsSqsFanout: invalid subscribers: give at least one subscriber',
    );
  });

  test('duplicate subscriber names', () => {
    expect(() => build({ subscribers: [{ name: 'A' }, { name: 'B' }, { name: 'A' }] })).toThrow(
      "SnsSqsFanout: invalid subscribers[2].name: 'A' is used by an earlier subscriber",
    );
  });

  test('a name that cannot be a construct id', () => {
    expect(errorOf({ name: 'bad-name' })).toMatch(
      /subscribers\[0\]\.name: must be 1-40 letters or digits.*received 'bad-name'/,
    );
  });

  test('retention outside 1 minute - 14 days', () => {
    expect(errorOf({ retentionPeriod: Duration.seconds(59) })).toMatch(
      /subscribers\[0\]\.retentionPeriod: must be between 1 minute and 14 days; received 59 seconds/,
    );
    expect(errorOf({ retentionPeriod: Duration.days(15) })).toMatch(
      /retentionPeriod: must be between 1 minute and 14 days/,
    );
    expect(errorOf({ deadLetterRetentionPeriod: Duration.days(15) })).toMatch(
      /deadLetterRetentionPeriod: must be between 1 minute and 14 days/,
    );
  });

  test('standard-queue DLQ retention not longer than the source queue', () => {
    expect(errorOf({ retentionPeriod: Duration.days(14) })).toMatch(
      /deadLetterRetentionPeriod: must be longer than the queue's retentionPeriod \(14 days\); received 14 days.*original enqueue time.*000 L51/,
    );
    expect(errorOf({ retentionPeriod: Duration.days(13) })).toBeUndefined();
  });

  test('property: a standard DLQ is accepted exactly when it keeps messages longer than its queue', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 1209600 }), fc.integer({ min: 60, max: 1209600 }), (q, d) => {
        const err = errorOf({
          retentionPeriod: Duration.seconds(q),
          deadLetterRetentionPeriod: Duration.seconds(d),
        });
        if (d > q) expect(err).toBeUndefined();
        else
          expect(err).toMatch(
            /^SnsSqsFanout: invalid subscribers\[0\]\.deadLetterRetentionPeriod: must be longer than the queue's retentionPeriod/,
          );
      }),
      { numRuns: 25 },
    );
  });

  test('visibility timeout over 12 hours', () => {
    expect(errorOf({ visibilityTimeout: Duration.hours(13) })).toMatch(
      /visibilityTimeout: must be between 0 seconds and 12 hours; received 13 hours \(SQS maximum visibility timeout, 000 L23\)/,
    );
  });

  test('long polling over 20 s, delay over 15 min, maxReceiveCount outside 1-1000', () => {
    expect(errorOf({ receiveMessageWaitTime: Duration.seconds(21) })).toMatch(
      /receiveMessageWaitTime: must be between/,
    );
    expect(errorOf({ deliveryDelay: Duration.minutes(16) })).toMatch(
      /deliveryDelay: must be between 0 seconds and 15 minutes/,
    );
    expect(errorOf({ maxReceiveCount: 0 })).toMatch(
      /maxReceiveCount: must be between 1 and 1000; received 0/,
    );
  });

  test('an age alarm threshold the messages never reach', () => {
    expect(
      errorOf({ retentionPeriod: Duration.hours(1), oldestMessageAgeThreshold: Duration.hours(1) }),
    ).toMatch(
      /oldestMessageAgeThreshold: must be between 1 minute and .*received 1 hour \(the alarm must fire before messages/,
    );
  });

  test('FIFO / standard mix, both ways', () => {
    expect(errorOf({ fifo: true })).toMatch(
      /subscribers\[0\]\.fifo: is true but the topic is standard. SNS rejects/,
    );
    expect(errorOf({ fifo: false }, { fifo: true })).toMatch(
      /subscribers\[0\]\.fifo: is false but the topic is FIFO/,
    );
  });

  test('content-based deduplication on a standard topic', () => {
    expect(errorOf({}, { contentBasedDeduplication: true })).toMatch(
      /contentBasedDeduplication: only FIFO topics/,
    );
  });

  test('attribute and body filter together', () => {
    expect(
      errorOf({
        filterPolicy: { a: sns.SubscriptionFilter.existsFilter() },
        filterPolicyWithMessageBody: { b: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.existsFilter()) },
      }),
    ).toMatch(/filterPolicy: set either filterPolicy .* or filterPolicyWithMessageBody/);
  });

  test('the topic key reused for the queues (F3004 circular dependency)', () => {
    const stack = new Stack(testApp(), 'SameKey');
    const key = new kms.Key(stack, 'Key');
    expect(
      () =>
        new SnsSqsFanout(stack, 'F', {
          topicEncryptionKey: key,
          queueEncryptionKey: key,
          subscribers: [{ name: 'A' }],
        }),
    ).toThrow(
      /queueEncryptionKey: must not be the topic key.*circular dependency CloudFormation rejects \(F3004\)/,
    );
  });

  test('an imported queue key: an error, since the SNS grant on its policy would be silently dropped', () => {
    const stack = new Stack(testApp(), 'ImportedKey');
    const key = kms.Key.fromKeyArn(
      stack,
      'QueueKey',
      'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555',
    );
    // What the old code relied on: the statement is not added, and nothing says so.
    expect(
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: ['*'],
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        }),
      ).statementAdded,
    ).toBe(false);
    let n = 0;
    const build = (queueKeyAdmitsSns?: boolean) => () =>
      new SnsSqsFanout(stack, `F${n++}`, {
        queueEncryptionKey: key,
        queueKeyAdmitsSns,
        subscribers: [{ name: 'A' }],
      });
    for (const flag of [undefined, false]) {
      expect(build(flag)).toThrow(PropValidationError);
      expect(build(flag)).toThrow(
        /invalid queueEncryptionKey: received a key this stack does not own \(ImportedKey\/QueueKey, imported\).*sns\.amazonaws\.com kms:GenerateDataKey and kms:Decrypt .*aws:SourceArn = the topic ARN; then set queueKeyAdmitsSns: true/,
      );
    }
    // An imported alias is no better.
    const alias = kms.Alias.fromAliasName(stack, 'Alias', 'alias/queues');
    expect(
      () => new SnsSqsFanout(stack, 'ByAlias', { queueEncryptionKey: alias, subscribers: [{ name: 'A' }] }),
    ).toThrow(/invalid queueEncryptionKey: received a key this stack does not own/);
  });

  test('an imported queue key whose policy the caller says admits SNS: built, queues encrypted with it', () => {
    const stack = new Stack(testApp(), 'ImportedKeyAdmitted');
    const arn = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';
    const fanout = new SnsSqsFanout(stack, 'F', {
      queueEncryptionKey: kms.Key.fromKeyArn(stack, 'QueueKey', arn),
      queueKeyAdmitsSns: true,
      subscribers: [{ name: 'A' }],
    });
    const t = Template.fromStack(stack);
    for (const q of [fanout.queues[0], fanout.deadLetterQueues[0], fanout.deliveryDeadLetterQueues[0]]) {
      expect(
        t.toJSON().Resources[stack.getLogicalId(q.node.defaultChild as CfnResource)].Properties
          .KmsMasterKeyId,
      ).toBe(arn);
    }
    // A key of this app needs no flag: the construct adds the SNS statement itself.
    const own = new Stack(testApp(), 'OwnKey');
    const key = new kms.Key(own, 'QueueKey', { enableKeyRotation: true });
    new SnsSqsFanout(own, 'F', { queueEncryptionKey: key, subscribers: [{ name: 'A' }] });
    Template.fromStack(own).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
  });

  test('visibility timeout shorter than 6x the Lambda timeout', () => {
    expect(
      errorOf({
        visibilityTimeout: Duration.seconds(59),
        consumer: { entry: ENTRY, timeout: Duration.seconds(10) },
      }),
    ).toMatch(
      /visibilityTimeout: must be at least 6x the consumer timeout \(10 seconds\), i.e. 1 minute; received 59 seconds/,
    );
    expect(
      errorOf({
        visibilityTimeout: Duration.seconds(60),
        consumer: { entry: ENTRY, timeout: Duration.seconds(10) },
      }),
    ).toBeUndefined();
  });

  test('consumer batch size, batching window on FIFO, concurrency', () => {
    expect(errorOf({ consumer: { entry: ENTRY, batchSize: 11 } })).toMatch(
      /consumer\.batchSize: must be between 1 and 10; received 11 \(more than 10 messages per batch needs maxBatchingWindow\)/,
    );
    expect(
      errorOf({ consumer: { entry: ENTRY, batchSize: 100, maxBatchingWindow: Duration.seconds(5) } }),
    ).toBeUndefined();
    expect(
      errorOf({ consumer: { entry: ENTRY, maxBatchingWindow: Duration.seconds(5) } }, { fifo: true }),
    ).toMatch(/consumer\.maxBatchingWindow: is not supported for FIFO queues/);
    expect(errorOf({ consumer: { entry: ENTRY, maxConcurrency: 1 } })).toMatch(
      /consumer\.maxConcurrency: must be between 2 and 1000/,
    );
  });

  test('too many subscribers for one stack (CloudFormation 500-resource quota)', () => {
    const subs = (n: number, consumer = false) =>
      Array.from({ length: n }, (_, i) => ({
        name: `S${i}`,
        ...(consumer ? { consumer: { entry: ENTRY } } : {}),
      }));
    // Counted in the templates, not by the construct's own estimate: what one subscriber adds, with and
    // without a consumer, and that the largest accepted fan-outs fit in a stack.
    const count = (subscribers: FanoutSubscriberProps[]) => {
      const { stack, fanout } = build({ subscribers });
      return resourcesUnder(stack, fanout, Template.fromStack(stack)).length;
    };
    const perSubscriber = count(subs(2)) - count(subs(1));
    const perSubscriberWithConsumer = count(subs(3, true)) - count(subs(2, true));
    const largest = count(subs(49));
    expect(largest).toBeLessThanOrEqual(MAX_STACK_RESOURCES);
    expect(largest + perSubscriber).toBeGreaterThan(MAX_STACK_RESOURCES);
    const largestWithConsumers = count(subs(30, true));
    expect(largestWithConsumers).toBeLessThanOrEqual(MAX_STACK_RESOURCES);
    expect(largestWithConsumers + perSubscriberWithConsumer).toBeGreaterThan(MAX_STACK_RESOURCES);
    expect(() => build({ subscribers: subs(50) })).toThrow(
      /invalid subscribers: 50 subscribers need 506 CloudFormation resources \(10 per subscriber, 6 more with a Lambda consumer.*at most 500 \(CloudFormation quota\)/,
    );
    expect(() => build({ subscribers: subs(31, true) })).toThrow(
      /31 subscribers need 503 CloudFormation resources/,
    );
  });
});
