import { PatternPermissions } from '../core/permission-paths';

/*
 * What the Kinesis pipeline demo stack (RefArch-KinesisPipeline) lets through and what it refuses,
 * proven on its templates by test/permissions/. Derived for every pattern, not repeated here: Lambda
 * polling the stream and writing failures to the on-failure queue, Firehose reading the stream and
 * writing to the bucket, its key and its log stream, S3 access logging, CloudWatch Logs using the data
 * key, CloudWatch alarms publishing to the alarm topic.
 */

const OBJECT = '${Clickstream/Bucket.Arn}/data/dt=2026-12-06-10/clicks-1.gz';

export const KINESIS_PIPELINE_PERMISSIONS: PatternPermissions = {
  paths: [
    {
      why: 'Firehose may add objects to the data lake but never delete, overwrite-protect or lock them',
      caller: { role: 'Clickstream/DeliveryStream/S3 Destination Role' },
      actions: [
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:PutObjectRetention',
        's3:PutObjectLegalHold',
        's3:BypassGovernanceRetention',
      ],
      resource: OBJECT,
      expect: 'deny',
    },
    {
      why:
        'Firehose writes objects into the Object Lock bucket although it may not set a retention: S3 gives each new ' +
        "version the bucket's default retention (production: GOVERNANCE, 365 days) itself, with s3:PutObject only",
      caller: { role: 'Clickstream/DeliveryStream/S3 Destination Role' },
      actions: ['s3:PutObject'],
      resource: OBJECT,
      expect: 'allow',
      profiles: ['production'],
    },
    {
      why: 'Writes to the data lake without TLS are refused (bucket policy enforceSSL)',
      caller: { role: 'Clickstream/DeliveryStream/S3 Destination Role' },
      actions: ['s3:PutObject'],
      resource: OBJECT,
      context: { 'aws:SecureTransport': 'false' },
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads the data lake',
      caller: { anonymous: true },
      actions: ['s3:GetObject'],
      resource: OBJECT,
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account lists the data lake',
      caller: { anonymous: true },
      actions: ['s3:ListBucket'],
      resource: '${Clickstream/Bucket.Arn}',
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account lists the access logs',
      caller: { anonymous: true },
      actions: ['s3:ListBucket'],
      resource: '${Clickstream/Bucket/AccessLogs.Arn}',
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads or writes the stream',
      caller: { anonymous: true },
      actions: ['kinesis:GetRecords', 'kinesis:PutRecord'],
      resource: '${Clickstream.Arn}',
      expect: 'deny',
    },
    {
      why: 'The Lambda consumer reads the stream but cannot write to the data lake',
      caller: { role: 'Clickstream/ConsumerRole' },
      actions: ['s3:PutObject'],
      resource: OBJECT,
      expect: 'deny',
    },
  ],
  dataAccess: {
    'Clickstream/ConsumerRole': {
      Clickstream: 'Its event source mapping reads the stream.',
      'Clickstream/OnFailureQueue':
        'Lambda records the batches it gives up on (shard and sequence range) here.',
    },
    'Clickstream/DeliveryStream/Service Role': { Clickstream: 'Firehose reads its source stream.' },
    'Clickstream/DeliveryStream/S3 Destination Role': {
      'Clickstream/Bucket':
        "Firehose writes the objects. The Firehose L2's read-write grant also lets it read and list; deleting, " +
        'Object Lock retention and legal holds are denied by the DenyDeletingOrLockingData statement.',
      'Clickstream/Key':
        'S3 encrypts each object with the data key on behalf of Firehose (SSE-KMS). The L2 grants the key ' +
        'without a kms:ViaService condition.',
    },
    'Custom::S3AutoDeleteObjectsCustomResourceProvider/Role': {
      'Clickstream/Bucket':
        'Sandbox only: empties the bucket when the stack is destroyed, so that it can be deleted.',
      'Clickstream/Bucket/AccessLogs': 'Sandbox only: empties the access-log bucket on destroy.',
    },
  },
};
