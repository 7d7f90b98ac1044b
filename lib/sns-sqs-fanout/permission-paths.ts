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

export const SNS_SQS_FANOUT_PERMISSIONS: PatternPermissions = {
  paths: [
    ...onlyTheTopicSends,
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
    'OrderEvents/Billing/ConsumerRole': {
      'OrderEvents/Billing/Queue':
        'Its event source mapping receives and deletes the messages of its own queue, and nothing else.',
    },
  },
};
