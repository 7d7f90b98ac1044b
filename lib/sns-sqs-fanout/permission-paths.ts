import { PatternPermissions, PermissionPath } from '../core/permission-paths';

/*
 * What the fan-out demo stack (RefArch-SnsSqsFanout) lets through and what it refuses, proven on its
 * templates by test/permissions/. Derived for every pattern, not repeated here: SNS delivering into each
 * queue and each subscription dead-letter queue (only from this topic), CloudWatch alarms publishing to
 * the alarm topic and its key, CloudWatch Logs using the consumer log key, Lambda polling the queue.
 */

const SUBSCRIBERS = ['Billing', 'Shipping', 'Analytics'];

/** Only SNS, for this topic, may send into the queues SNS delivers to (queue policy DenySendUnlessFromTopic). */
const onlyTheTopicSends: PermissionPath[] = SUBSCRIBERS.flatMap((name) =>
  ['Queue', 'DeliveryDeadLetterQueue'].map((queue) => ({
    why: `Only the topic sends into ${name}/${queue}: not even an administrator of the account`,
    caller: { otherPrincipalOfAccount: true } as const,
    actions: ['sqs:SendMessage'],
    resource: `\${OrderEvents/${name}/${queue}.Arn}`,
    expect: 'deny' as const,
  })),
);

/**
 * The replay of a delivery dead-letter queue (README, "Replay the delivery dead-letter queue"): SQS's
 * message move task does not take a DLQ fed by an SNS subscription, and republishing to the topic would
 * copy the message to every subscriber again, so the operators' ReplayRole (in `redriveRoles`) receives
 * from the delivery DLQ and sends to the subscriber's queue. Nobody else may do the send.
 */
const replay: PermissionPath[] = SUBSCRIBERS.flatMap((name) => [
  {
    why: `The replay role sends replayed messages into ${name}/Queue (it is in redriveRoles, exempt from DenySendUnlessFromTopic)`,
    caller: { role: 'ReplayRole' } as const,
    actions: ['sqs:SendMessage'],
    resource: `\${OrderEvents/${name}/Queue.Arn}`,
    expect: 'allow' as const,
  },
  {
    why: `The replay role receives and deletes the messages of ${name}/DeliveryDeadLetterQueue`,
    caller: { role: 'ReplayRole' } as const,
    actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
    resource: `\${OrderEvents/${name}/DeliveryDeadLetterQueue.Arn}`,
    expect: 'allow' as const,
  },
]);

export const SNS_SQS_FANOUT_PERMISSIONS: PatternPermissions = {
  paths: [
    ...onlyTheTopicSends,
    ...replay,
    {
      why: 'The replay role cannot publish to the topic: a replay that went through the topic would copy the message to every subscriber again',
      caller: { role: 'ReplayRole' },
      actions: ['sns:Publish'],
      resource: '${OrderEvents.Arn}',
      expect: 'deny',
    },
    {
      why: 'The replay role sends only to the subscriber queues, not back into a delivery dead-letter queue',
      caller: { role: 'ReplayRole' },
      actions: ['sqs:SendMessage'],
      resource: '${OrderEvents/Billing/DeliveryDeadLetterQueue.Arn}',
      expect: 'deny',
    },
    {
      why: 'Another principal of the account, whatever its own policy allows, cannot replay: it may not send into a subscriber queue',
      caller: { otherPrincipalOfAccount: true },
      actions: ['sqs:SendMessage'],
      resource: '${OrderEvents/Billing/Queue.Arn}',
      expect: 'deny',
    },
    {
      why: 'The billing consumer cannot read a delivery dead-letter queue (only the replay role drains it)',
      caller: { role: 'OrderEvents/Billing/ConsumerRole' },
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      resource: '${OrderEvents/Billing/DeliveryDeadLetterQueue.Arn}',
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account publishes to the topic',
      caller: { anonymous: true },
      actions: ['sns:Publish', 'sns:Subscribe'],
      resource: '${OrderEvents.Arn}',
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads a queue',
      caller: { anonymous: true },
      actions: ['sqs:ReceiveMessage', 'sqs:SendMessage'],
      resource: '${OrderEvents/Billing/Queue.Arn}',
      expect: 'deny',
    },
    {
      why: 'Publishing without TLS is refused, whoever publishes (topic policy enforceSSL)',
      caller: { otherPrincipalOfAccount: true },
      actions: ['sns:Publish'],
      resource: '${OrderEvents.Arn}',
      context: { 'aws:SecureTransport': 'false' },
      expect: 'deny',
    },
    {
      why: 'The billing consumer cannot read the queues of the other subscribers',
      caller: { role: 'OrderEvents/Billing/ConsumerRole' },
      actions: ['sqs:ReceiveMessage'],
      resource: '${OrderEvents/Shipping/Queue.Arn}',
      expect: 'deny',
    },
  ],
  dataAccess: {
    ReplayRole: Object.fromEntries(
      SUBSCRIBERS.flatMap((name) => [
        [
          `OrderEvents/${name}/Queue`,
          'Sends replayed messages back into the subscriber queue (grantReplay); it cannot read or delete there.',
        ],
        [
          `OrderEvents/${name}/DeliveryDeadLetterQueue`,
          'Receives and deletes the messages SNS could not deliver, to replay them (grantReplay).',
        ],
      ]),
    ),
    'OrderEvents/Billing/ConsumerRole': {
      'OrderEvents/Billing/Queue':
        'Its event source mapping receives and deletes the messages of its own queue, and nothing else.',
    },
  },
};
