import { PatternPermissions } from '../core/permission-paths';

/*
 * What the worker-fleet demo stack (RefArch-QueueWorkers) lets through and what it refuses, proven on its
 * templates by test/permissions/. Derived for every pattern, not repeated here: SNS delivering into the
 * Fulfilment queue and its delivery dead-letter queue (only from the order topic), CloudWatch alarms and
 * Auto Scaling notifications publishing to the alarm topic and its key, S3 access logging.
 */

const WORKER = { role: 'Workers/InstanceRole' } as const;
const FULFILMENT = '${Orders/Fulfilment/Queue.Arn}';
const PRIORITY = '${Workers/PriorityJobs.Arn}';
const RECEIPT = '${Workers/Results.Arn}/receipts/order-1001.json';
const via = (service: string) => ({ 'kms:ViaService': `${service}.\${AWS::Region}.amazonaws.com` });
/**
 * The fleet tag of the demo's group (`refarch:queue-worker-fleet` = the construct's address, a hash of its
 * path `RefArch-QueueWorkers/Workers`); the worker policy allows scale-in protection only on a group that
 * carries it. test/queue-workers/queue-worker-fleet.test.ts checks this is the demo's address.
 */
export const DEMO_FLEET_ADDRESS = 'c8ef8ae4b94651f1b29d1bd4d81c01000245014594';
const taggedAs = (address: string) => ({ 'autoscaling:ResourceTag/refarch:queue-worker-fleet': address });
const GROUP =
  'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:' +
  '6d2c1e0a-1111-4222-8333-944455556666:autoScalingGroupName/${Workers/AutoScalingGroup/ASG.Ref}';

export const QUEUE_WORKERS_PERMISSIONS: PatternPermissions = {
  paths: [
    ...[FULFILMENT, PRIORITY].map((queue) => ({
      why: `The workers receive, extend (heartbeat) and delete the jobs of ${queue === PRIORITY ? 'the priority queue' : 'the Fulfilment queue'}`,
      caller: WORKER,
      actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
      resource: queue,
      expect: 'allow' as const,
    })),
    {
      why: "The workers decrypt the priority messages with the fleet's key, through SQS",
      caller: WORKER,
      actions: ['kms:Decrypt'],
      resource: '${Workers/Key.Arn}',
      context: via('sqs'),
      expect: 'allow',
    },
    {
      why: 'The workers write one receipt per order under receipts/, encrypted through S3',
      caller: WORKER,
      actions: ['s3:PutObject'],
      resource: RECEIPT,
      expect: 'allow',
    },
    {
      why: "S3 encrypts the receipts with the fleet's key for the workers",
      caller: WORKER,
      actions: ['kms:GenerateDataKey'],
      resource: '${Workers/Key.Arn}',
      context: via('s3'),
      expect: 'allow',
    },
    {
      why: 'A worker sets and clears scale-in protection in its own group (tagged with the fleet address)',
      caller: WORKER,
      actions: ['autoscaling:SetInstanceProtection'],
      resource: GROUP,
      context: taggedAs(DEMO_FLEET_ADDRESS),
      expect: 'allow',
    },
    {
      why: 'A worker cannot protect (and so pin) instances of another group: one without the tag',
      caller: WORKER,
      actions: ['autoscaling:SetInstanceProtection'],
      resource:
        'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:' +
        '6d2c1e0a-1111-4222-8333-944455556666:autoScalingGroupName/web-tier',
      expect: 'deny',
    },
    {
      why: "A worker cannot protect instances of another fleet's group (another address in the tag)",
      caller: WORKER,
      actions: ['autoscaling:SetInstanceProtection'],
      resource:
        'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:' +
        '6d2c1e0a-1111-4222-8333-944455556666:autoScalingGroupName/other-fleet',
      context: taggedAs('c8000000000000000000000000000000000000000'),
      expect: 'deny',
    },
    {
      why: 'The workers cannot put jobs on their own queues (a job that fails could not requeue itself forever)',
      caller: WORKER,
      actions: ['sqs:SendMessage', 'sqs:PurgeQueue'],
      resource: PRIORITY,
      expect: 'deny',
    },
    {
      why: 'The workers do not touch the dead-letter queues: failed jobs wait there for a person',
      caller: WORKER,
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      resource: '${Orders/Fulfilment/DeadLetterQueue.Arn}',
      expect: 'deny',
    },
    {
      why: 'The workers cannot read receipts back, delete them, or write outside receipts/',
      caller: WORKER,
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resource: RECEIPT,
      expect: 'deny',
    },
    {
      why: 'The workers write nothing outside receipts/',
      caller: WORKER,
      actions: ['s3:PutObject'],
      resource: '${Workers/Results.Arn}/index.html',
      expect: 'deny',
    },
    {
      why: "The workers cannot use the fleet's key directly, outside SQS and S3 (kms:ViaService)",
      caller: WORKER,
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resource: '${Workers/Key.Arn}',
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account puts jobs on the priority queue',
      caller: { anonymous: true },
      actions: ['sqs:SendMessage'],
      resource: PRIORITY,
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads the receipts',
      caller: { anonymous: true },
      actions: ['s3:GetObject'],
      resource: RECEIPT,
      expect: 'deny',
    },
    {
      why: 'Jobs are not received without TLS (queue policy enforceSSL)',
      caller: WORKER,
      actions: ['sqs:ReceiveMessage'],
      resource: PRIORITY,
      context: { 'aws:SecureTransport': 'false' },
      expect: 'deny',
    },
  ],
  dataAccess: {
    'Workers/InstanceRole': {
      'Orders/Fulfilment/Queue':
        'Receives, extends and deletes the orders it fulfils (ReceiveMessage, ChangeMessageVisibility, DeleteMessage).',
      'Workers/PriorityJobs': 'The same on the priority queue, which it drains first.',
      'Orders/QueueKey':
        'SQS decrypts the Fulfilment messages with this key for the workers (kms:ViaService SQS).',
      'Workers/Key':
        'SQS decrypts the priority messages and S3 encrypts the receipts with this key for the workers (kms:ViaService ' +
        'SQS and S3 only).',
      'Workers/Results': 'Writes one receipt per order under receipts/; reads nothing back.',
    },
    'Custom::S3AutoDeleteObjectsCustomResourceProvider/Role': {
      'Workers/Results': 'Sandbox only: empties the receipts bucket when the stack is destroyed.',
      'Workers/Results/AccessLogs': 'Sandbox only: empties its access-log bucket on destroy.',
    },
  },
};
