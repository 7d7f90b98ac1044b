import { App, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import {
  DEFAULT_DATA_PREFIX,
  DEFAULT_ERROR_PREFIX,
  KinesisPipeline,
  PARTITIONS_SUFFIX,
  KinesisPipelineProps,
} from '../../lib/kinesis-pipeline/kinesis-pipeline';
import { ClickstreamQueryLayer, ClickstreamQueryLayerProps } from '../../lib/kinesis-pipeline/query-layer';
import { acknowledgeCdkManagedFunctions } from '../../lib/core/cdk-managed-functions';
import { EncryptionKey } from '../../lib/core/encryption-key';
import { SecureBucket } from '../../lib/core/secure-bucket';
import { cdkJsonContext, testApp } from '../support/app';
import { expectNagClean, gateFindings } from '../support/compliance';

function build(props?: KinesisPipelineProps): {
  stack: Stack;
  pipeline: KinesisPipeline;
  template: Template;
} {
  const stack = new Stack(testApp(), 'Test');
  const pipeline = new KinesisPipeline(stack, 'Pipeline', props);
  return { stack, pipeline, template: Template.fromStack(stack) };
}

/** The acknowledgments placed on one construct: rule id -> reason. */
function acknowledgmentsOn(construct: IConstruct): Map<string, string> {
  const acks = new Map<string, string>();
  for (const entry of construct.node.metadata) {
    if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
    for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
      acks.set(id.replace(/^annotation::/i, ''), reason);
  }
  return acks;
}

const REPLICATION_RULES = [
  'NIST.800.53.R4-S3BucketReplicationEnabled',
  'NIST.800.53.R5-S3BucketReplicationEnabled',
  'HIPAA.Security-S3BucketReplicationEnabled',
  'PCI.DSS.321-S3BucketReplicationEnabled',
];

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve((construct.node.defaultChild as { ref: string }).ref);
const arn = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [stack.getLogicalId(construct.node.defaultChild as never), 'Arn'],
});

describe('KinesisPipeline defaults', () => {
  let stack: Stack;
  let pipeline: KinesisPipeline;
  let t: Template;
  beforeAll(() => ({ stack, pipeline, template: t } = build()));

  test('stream: one provisioned shard, 24 h retention, AWS managed key written explicitly, retained', () => {
    t.hasResource('AWS::Kinesis::Stream', {
      Properties: {
        ShardCount: 1,
        RetentionPeriodHours: 24,
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        // Not wrapped in Fn::If: Control Tower's kinesis_stream_encrypted_check must see it.
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      },
      DeletionPolicy: 'Retain',
    });
    expect(Object.keys(t.toJSON().Conditions ?? {})).toEqual([]);
  });

  test('event source mapping: batch 100, window 1 s, bisect, 3 retries, 1 h max age, on-failure queue, partial batches', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arn(stack, pipeline.stream),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: arn(stack, pipeline.onFailureQueue) } },
    });
  });

  test('consumer: Node.js 24 on arm64, 256 MB, 30 s, X-Ray active, its own encrypted log group', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: ref(stack, pipeline.consumer.logGroup) },
    });
    // No AWS managed policy on the consumer role (AwsSolutions-IAM4).
    const roles = t.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] },
      },
    });
    const consumerRole = Object.values(roles).find((r) => !r.Properties.ManagedPolicyArns);
    expect(consumerRole).toBeDefined();
  });

  test('log groups: KMS key, one year, retained', () => {
    const groups = t.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(2);
    for (const g of Object.values(groups)) {
      expect(g.Properties.KmsKeyId).toEqual(arn(stack, pipeline.dataKey));
      expect(g.Properties.RetentionInDays).toBe(365);
      expect(g.DeletionPolicy).toBe('Retain');
    }
  });

  test('the data key: rotation on, CloudWatch Logs may use it for this account only', () => {
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DenyGrantsExceptForAwsServices', Effect: 'Deny' }),
          Match.objectLike({
            Sid: 'AllowCloudWatchLogs',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('on-failure queue: SSE-SQS, 14 days, marked as a dead-letter store, TLS only', () => {
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
      RedriveAllowPolicy: { redrivePermission: 'allowAll' },
    });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });

  test('Firehose: reads the stream, 300 s / 5 MiB buffer, GZIP, hourly partitions, error prefix, SSE-KMS, logging', () => {
    t.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: arn(stack, pipeline.stream) },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: arn(stack, pipeline.bucket),
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 5 },
        CompressionFormat: 'GZIP',
        Prefix: DEFAULT_DATA_PREFIX,
        ErrorOutputPrefix: DEFAULT_ERROR_PREFIX,
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: arn(stack, pipeline.dataKey) } },
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
      }),
    });
    expect(DEFAULT_DATA_PREFIX).toBe('data/dt=!{timestamp:yyyy-MM-dd-HH}/');
    // Firehose-side SSE is impossible with a Kinesis source; KDF1 is acknowledged instead.
    const [fh] = Object.values(t.findResources('AWS::KinesisFirehose::DeliveryStream'));
    expect(fh.Properties.DeliveryStreamEncryptionConfigurationInput).toBeUndefined();
  });

  test('data lake bucket: SSE-KMS with bucket key, versioned, no public access, access logs, EventBridge', () => {
    t.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: arn(stack, pipeline.dataKey),
              },
            },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'access-logs/' }),
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
        // Object Lock available (no default retention), so lifecycle expiry and sandbox deletes still work.
        ObjectLockEnabled: true,
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('no concurrency reserved; LambdaConcurrency acknowledged with the PROVISIONED bound', () => {
    const [fn] = Object.values(
      t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
    );
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    const reason = acknowledgmentsOn(pipeline.consumer).get('NIST.800.53.R5-LambdaConcurrency');
    expect(reason).toMatch(/new account whose concurrency quota is 10/);
    expect(reason).toMatch(/at most shardCount x parallelizationFactor batches/);
  });

  test('Object Lock on without a default retention, and no replica: the replication rules say what is lost', () => {
    const [bucket] = Object.values(
      t.findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } }),
    ).filter((b) => b.Properties.ReplicationConfiguration === undefined && b.Properties.LoggingConfiguration);
    expect(bucket.Properties.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    const acks = acknowledgmentsOn(pipeline.bucket);
    for (const id of REPLICATION_RULES) {
      expect(acks.get(id)).toMatch(
        /The stream keeps each record only 1 day; after that this bucket holds the only copy until it expires after 365 days/,
      );
      expect(acks.get(id)).toMatch(/versioning keeps a deleted or overwritten version 30 days/);
    }
  });

  test('lifecycle: Standard-IA at 30 days, Glacier Instant Retrieval (which Athena reads) at 90, expiry at 365', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
            ],
            ExpirationInDays: 365,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }),
        ]),
      },
    });
  });

  test('access log bucket: SSE-S3, TLS only, log delivery by bucket policy (no ACL: E3045)', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    const buckets = Object.values(t.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(2);
    for (const b of buckets) expect(b.Properties.AccessControl).toBeUndefined();
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
  });

  test('no unreferenced Firehose CIDR mapping is left in the template (validator W7001)', () => {
    expect(t.toJSON().Mappings).toBeUndefined();
  });

  test('query layer: one date-projected partition column, derived from the Firehose prefix itself', () => {
    // Read the partition column and its Java DateTimeFormatter pattern out of the Firehose Prefix in the
    // template, and check the Glue table projects exactly that: the two cannot drift apart.
    const [fh] = Object.values(t.findResources('AWS::KinesisFirehose::DeliveryStream'));
    const prefix: string = fh.Properties.ExtendedS3DestinationConfiguration.Prefix;
    const m = /^([^!]*?)(\w+)=!\{timestamp:([^}]+)\}\/$/.exec(prefix);
    expect(m).not.toBeNull();
    const [, fixed, column, format] = m!;
    expect(prefix.match(/!\{timestamp:/g)).toHaveLength(1);
    const [table] = Object.values(t.findResources('AWS::Glue::Table'));
    const input = table.Properties.TableInput;
    const params: Record<string, unknown> = input.Parameters;
    expect(input.PartitionKeys).toEqual([{ Name: column, Type: 'string' }]);
    expect(params).toMatchObject({
      'projection.enabled': 'true',
      [`projection.${column}.type`]: 'date',
      [`projection.${column}.format`]: format,
      [`projection.${column}.interval`]: '1',
      [`projection.${column}.interval.unit`]: 'HOURS',
    });
    // Hourly objects, so the finest field of the format is the hour (HH) and nothing finer.
    expect(format).toMatch(/HH/);
    expect(format).not.toMatch(/[mshSa]/);
    // Starts where the oldest object can still exist (expiry 365 days, rounded up to midnight by S3).
    expect(params[`projection.${column}.range`]).toBe('NOW-366DAYS,NOW');
    expect(
      Object.keys(params).filter((k) => k.startsWith('projection.') && k !== 'projection.enabled'),
    ).toEqual(expect.arrayContaining([`projection.${column}.range`]));
    expect(Object.keys(params).some((k) => /^projection\.(year|month|day|hour)\./.test(k))).toBe(false);
    expect(params['storage.location.template']).toEqual({
      'Fn::Join': ['', ['s3://', ref(stack, pipeline.bucket), `/${fixed}${column}=\${${column}}/`]],
    });
    expect(input.StorageDescriptor.Location).toEqual({
      'Fn::Join': ['', ['s3://', ref(stack, pipeline.bucket), `/${fixed}`]],
    });
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(pipeline.query!.databaseName).toMatch(/^[a-z0-9_]+$/);
  });

  test('query layer: the projection starts at the expiry of the data lake, wherever expireAfter puts it', () => {
    const { template } = build({ expireAfter: Duration.days(400) });
    const [table] = Object.values(template.findResources('AWS::Glue::Table'));
    expect(table.Properties.TableInput.Parameters['projection.dt.range']).toBe('NOW-401DAYS,NOW');
  });

  test('query layer: Athena workgroup enforces encrypted results in the lake and a 10 GiB scan cap', () => {
    t.hasResourceProperties('AWS::Athena::WorkGroup', {
      RecursiveDeleteOption: false,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', ref(stack, pipeline.bucket), '/athena-results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: arn(stack, pipeline.dataKey) },
        },
      },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          { Id: 'ExpireQueryResults', Prefix: 'athena-results/', ExpirationInDays: 7, Status: 'Enabled' },
        ]),
      },
    });
  });

  test('the default alarm topic is created and encrypted with a key of its own', () => {
    const topics = t.findResources('AWS::SNS::Topic');
    // The one topic of the stack is the one the pipeline exposes.
    expect(Object.keys(topics)).toEqual([stack.getLogicalId(pipeline.alarmTopic.node.defaultChild as never)]);
    // Its own customer-managed key (AlarmTopic's 'Key'): not the data key, not an AWS managed key, which
    // CloudWatch alarms cannot use.
    const own = (pipeline.node.findChild('AlarmTopic').node.findChild('Key') as EncryptionKey).key;
    expect(Object.values(topics)[0].Properties.KmsMasterKeyId).toEqual(stack.resolve(own.keyArn));
    expect(own).not.toBe(pipeline.dataKey);
  });

  test('every cdk-nag pack is clean', () => {
    expectNagClean(stack);
  });
});

describe('KinesisPipeline alarms', () => {
  let stack: Stack;
  let pipeline: KinesisPipeline;
  let t: Template;
  beforeAll(() => ({ stack, pipeline, template: t } = build()));

  const alarmOf = (a: { node: { defaultChild?: unknown } }) =>
    t.toJSON().Resources[stack.getLogicalId(a.node.defaultChild as never)].Properties;
  const topicRef = () => stack.resolve(pipeline.alarmTopic.topicArn);

  test('seven alarms, each notifying the topic on alarm and on recovery', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    for (const a of Object.values(pipeline.alarms)) {
      const p = alarmOf(a);
      expect(p.AlarmActions).toEqual([topicRef()]);
      expect(p.OKActions).toEqual([topicRef()]);
      expect(p.TreatMissingData).toBe('notBreaching');
    }
  });

  test.each([
    [
      'streamIteratorAge',
      'GetRecords.IteratorAgeMilliseconds',
      'AWS/Kinesis',
      'StreamName',
      12 * 3600 * 1000,
    ],
    ['writeThrottled', 'WriteProvisionedThroughputExceeded', 'AWS/Kinesis', 'StreamName', 1],
    ['readThrottled', 'ReadProvisionedThroughputExceeded', 'AWS/Kinesis', 'StreamName', 1],
    ['consumerIteratorAge', 'IteratorAge', 'AWS/Lambda', 'FunctionName', 30 * 60 * 1000],
    ['consumerErrors', 'Errors', 'AWS/Lambda', 'FunctionName', 1],
    ['onFailureQueueNotEmpty', 'ApproximateNumberOfMessagesVisible', 'AWS/SQS', 'QueueName', 1],
    ['deliveryFreshness', 'DeliveryToS3.DataFreshness', 'AWS/Firehose', 'DeliveryStreamName', 300 + 900],
  ] as const)(
    '%s watches %s (%s) with dimension %s, threshold %d',
    (key, metric, namespace, dimension, threshold) => {
      const p = alarmOf(pipeline.alarms[key]);
      expect(p).toMatchObject({ MetricName: metric, Namespace: namespace, Threshold: threshold });
      expect(p.Dimensions).toHaveLength(1);
      expect(p.Dimensions[0].Name).toBe(dimension);
      const target = {
        StreamName: ref(stack, pipeline.stream),
        FunctionName: ref(stack, pipeline.consumer),
        QueueName: stack.resolve(pipeline.onFailureQueue.queueName),
        DeliveryStreamName: stack.resolve(pipeline.deliveryStream.deliveryStreamName),
      }[dimension];
      expect(p.Dimensions[0].Value).toEqual(target);
    },
  );

  test('iterator-age thresholds follow retention and maxRecordAge', () => {
    const { pipeline: p2, stack: s2 } = build({
      retentionPeriod: Duration.days(7),
      maxRecordAge: Duration.hours(6),
    });
    const t2 = Template.fromStack(s2).toJSON().Resources;
    const th = (a: { node: { defaultChild?: unknown } }) =>
      t2[s2.getLogicalId(a.node.defaultChild as never)].Properties.Threshold;
    expect(th(p2.alarms.streamIteratorAge)).toBe(3.5 * 24 * 3600 * 1000);
    expect(th(p2.alarms.consumerIteratorAge)).toBe(3 * 3600 * 1000);
  });
});

describe('KinesisPipeline options', () => {
  test('ON_DEMAND writes no shard count', () => {
    const { template } = build({ streamMode: kinesis.StreamMode.ON_DEMAND });
    const [s] = Object.values(template.findResources('AWS::Kinesis::Stream'));
    expect(s.Properties.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(s.Properties.ShardCount).toBeUndefined();
  });

  test('custom values reach the template', () => {
    const { template: t } = build({
      shardCount: 4,
      retentionPeriod: Duration.days(365),
      batchSize: 10000,
      maxBatchingWindow: Duration.seconds(300),
      retryAttempts: 0,
      maxRecordAge: Duration.days(7),
      parallelizationFactor: 10,
      bisectBatchOnError: false,
      startingPosition: lambda.StartingPosition.LATEST,
      bufferingInterval: Duration.seconds(0),
      bufferingSize: Size.mebibytes(128),
      compression: firehose.Compression.SNAPPY,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    t.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4, RetentionPeriodHours: 8760 });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10000,
      MaximumBatchingWindowInSeconds: 300,
      MaximumRetryAttempts: 0,
      MaximumRecordAgeInSeconds: 604800,
      ParallelizationFactor: 10,
      BisectBatchOnFunctionError: false,
      StartingPosition: 'LATEST',
    });
    t.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 128 },
        CompressionFormat: 'Snappy',
      }),
    });
    t.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Delete' });
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::Logs::LogGroup',
      'AWS::Logs::LogStream',
      'AWS::KMS::Key',
      'AWS::SQS::Queue',
    ]) {
      for (const r of Object.values(t.findResources(type)))
        expect([type, r.DeletionPolicy]).toEqual([type, 'Delete']);
    }
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  test('enhanced fan-out and a customer-managed stream key: consumer registered, key used, nag clean', () => {
    const stack = new Stack(testApp(), 'Efo');
    const key = new kms.Key(stack, 'StreamKey', { enableKeyRotation: true });
    const pipeline = new KinesisPipeline(stack, 'Pipeline', {
      enhancedFanOut: true,
      streamEncryptionKey: key,
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Kinesis::StreamConsumer', { StreamARN: arn(stack, pipeline.stream) });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: {
        'Fn::GetAtt': [
          stack.getLogicalId(pipeline.streamConsumer!.node.defaultChild as never),
          'ConsumerARN',
        ],
      },
    });
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: {
        EncryptionType: 'KMS',
        KeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as never), 'Arn'] },
      },
    });
    expectNagClean(stack);
  });

  test('queryable: false builds no Glue or Athena resources and allows any prefix', () => {
    const { template, pipeline } = build({
      queryable: false,
      dataOutputPrefix: 'raw/',
      errorOutputPrefix: 'failed/',
    });
    template.resourceCountIs('AWS::Glue::Table', 0);
    template.resourceCountIs('AWS::Athena::WorkGroup', 0);
    expect(pipeline.query).toBeUndefined();
  });

  test('a custom fixed prefix before the partitions keeps the query layer', () => {
    const { template } = build({ dataOutputPrefix: `clicks/v2/${PARTITIONS_SUFFIX}` });
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        StorageDescriptor: Match.objectLike({
          Location: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/clicks/v2/'])] }),
        }),
      }),
    });
  });

  test('reservedConcurrentExecutions caps the consumer and needs no LambdaConcurrency acknowledgment', () => {
    const { template, pipeline, stack } = build({
      streamMode: kinesis.StreamMode.ON_DEMAND,
      parallelizationFactor: 2,
      reservedConcurrentExecutions: 20,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 20,
    });
    const acks = acknowledgmentsOn(pipeline.consumer);
    expect(acks.has('NIST.800.53.R5-LambdaConcurrency')).toBe(false);
    expect(acks.has('HIPAA.Security-LambdaConcurrency')).toBe(false);
    expectNagClean(stack);
  });

  test('an ON_DEMAND consumer without a reservation is acknowledged as unbounded, not as bounded', () => {
    const { pipeline, stack } = build({ streamMode: kinesis.StreamMode.ON_DEMAND });
    const reason = acknowledgmentsOn(pipeline.consumer).get('HIPAA.Security-LambdaConcurrency');
    expect(reason).toMatch(/adds shards as traffic grows, so nothing here bounds the consumer/);
    expect(reason).not.toMatch(/at most shardCount/);
    expectNagClean(stack);
  });

  test('objectLockRetention: GOVERNANCE default retention in days, Firehose still denied retention changes', () => {
    const { template, pipeline, stack } = build({ objectLockRetention: Duration.days(365) });
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } },
      },
    });
    // The log bucket gets none: server access logs are delivered without Object Lock parameters.
    const logBucket =
      template.toJSON().Resources[stack.getLogicalId(pipeline.accessLogsBucket.node.defaultChild as never)];
    expect([logBucket.Properties.ObjectLockEnabled, logBucket.Properties.ObjectLockConfiguration]).toEqual([
      false,
      undefined,
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyDeletingOrLockingData',
            Effect: 'Deny',
            Action: Match.arrayWith(['s3:BypassGovernanceRetention', 's3:PutObjectRetention']),
          }),
        ]),
      },
    });
    expect(acknowledgmentsOn(pipeline.bucket).get('PCI.DSS.321-S3BucketReplicationEnabled')).toMatch(
      /locked \(Object Lock, GOVERNANCE\) for 365 days, so in that time no one without s3:BypassGovernanceRetention/,
    );
    expectNagClean(stack);
  });

  describe('replicationDestination', () => {
    const replicated = () => {
      const stack = new Stack(testApp(), 'Replicated');
      const destination = s3.Bucket.fromBucketArn(
        stack,
        'Replica',
        'arn:aws:s3:::clicks-replica-111111111111',
      );
      const replicaKey = kms.Key.fromKeyArn(
        stack,
        'ReplicaKey',
        'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
      );
      const pipeline = new KinesisPipeline(stack, 'Pipeline', {
        replicationDestination: { bucket: destination, encryptionKey: replicaKey },
      });
      return { stack, pipeline, template: Template.fromStack(stack) };
    };
    let stack: Stack;
    let pipeline: KinesisPipeline;
    let t: Template;
    beforeAll(() => ({ stack, pipeline, template: t } = replicated()));

    test('replicates every SSE-KMS object to the destination with the replica key; delete markers stay', () => {
      t.hasResourceProperties('AWS::S3::Bucket', {
        ReplicationConfiguration: {
          Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReplicationRole'), 'Arn'] },
          Rules: [
            {
              Status: 'Enabled',
              Filter: { Prefix: '' },
              Destination: {
                Bucket: 'arn:aws:s3:::clicks-replica-111111111111',
                EncryptionConfiguration: {
                  ReplicaKmsKeyID:
                    'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
                },
              },
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
              DeleteMarkerReplication: { Status: 'Disabled' },
            },
          ],
        },
      });
    });

    test('the replication role reads versions with their Object Lock settings and writes only replicas', () => {
      t.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 's3.amazonaws.com' } })],
        },
      });
      const bucketArn = arn(stack, pipeline.bucket);
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Allow',
              Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
              Resource: bucketArn,
            },
            {
              Effect: 'Allow',
              Action: [
                's3:GetObjectLegalHold',
                's3:GetObjectRetention',
                's3:GetObjectVersionAcl',
                's3:GetObjectVersionForReplication',
                's3:GetObjectVersionTagging',
              ],
              Resource: { 'Fn::Join': ['', [bucketArn, '/*']] },
            },
            {
              Effect: 'Allow',
              Action: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
              Resource: 'arn:aws:s3:::clicks-replica-111111111111/*',
            },
            { Effect: 'Allow', Action: 'kms:Decrypt', Resource: arn(stack, pipeline.dataKey) },
            {
              Effect: 'Allow',
              Action: 'kms:Encrypt',
              Resource: 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
            },
          ]),
        },
        Roles: [{ Ref: Match.stringLikeRegexp('ReplicationRole') }],
      });
    });

    test('the replication rules hold, so they are no longer acknowledged; every nag pack is clean', () => {
      const acks = acknowledgmentsOn(pipeline.bucket);
      for (const id of REPLICATION_RULES) expect(acks.has(id)).toBe(false);
      expectNagClean(stack);
    });

    test('passes every gate of a full synth (Control Tower rules, CloudFormation validation)', () => {
      const findings = gateFindings(
        (app) => {
          const s = new Stack(app, 'Replicated');
          new KinesisPipeline(s, 'Pipeline', {
            objectLockRetention: Duration.days(30),
            replicationDestination: {
              bucket: s3.Bucket.fromBucketArn(s, 'Replica', 'arn:aws:s3:::clicks-replica-111111111111'),
              encryptionKey: kms.Key.fromKeyArn(
                s,
                'ReplicaKey',
                'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
              ),
            },
          });
          acknowledgeCdkManagedFunctions(s);
        },
        (outdir) => new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } }),
      );
      expect(findings).toEqual([]);
    });
  });

  test('a given alarm topic is used by every alarm and none is created', () => {
    const stack = new Stack(testApp(), 'Topic');
    const topic = new sns.Topic(stack, 'Ops');
    const pipeline = new KinesisPipeline(stack, 'Pipeline', { alarmTopic: topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(pipeline.alarmTopic).toBe(topic);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms).toHaveLength(Object.keys(pipeline.alarms).length);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([stack.resolve(topic.topicArn)]);
      expect(a.Properties.OKActions).toEqual([stack.resolve(topic.topicArn)]);
    }
  });
});

describe('KinesisPipeline validation', () => {
  const invalid = (props: KinesisPipelineProps) => () =>
    new KinesisPipeline(new Stack(testApp(), 'V'), 'P', props);

  test.each([
    [
      'retentionPeriod',
      { retentionPeriod: Duration.hours(23) },
      /invalid retentionPeriod: must be between 1 day and 365 days; received 23 hours \(Kinesis keeps records 24 hours to 365 days/,
    ],
    [
      'retentionPeriod',
      { retentionPeriod: Duration.hours(8761) },
      /invalid retentionPeriod: must be between 1 day and 365 days; received 365 days 1 hour/,
    ],
    [
      'streamMode + shardCount',
      { streamMode: kinesis.StreamMode.ON_DEMAND, shardCount: 2 },
      /invalid shardCount: must not be set when streamMode is ON_DEMAND; received 2/,
    ],
    ['shardCount', { shardCount: 0 }, /invalid shardCount: must be a whole number of at least 1; received 0/],
    [
      'shardCount',
      { shardCount: 1.5 },
      /invalid shardCount: must be a whole number of at least 1; received 1.5/,
    ],
    [
      'batchSize',
      { batchSize: 0 },
      /invalid batchSize: must be between 1 and 10000 records; received 0 records \(the Lambda event source limit for Kinesis\)/,
    ],
    [
      'batchSize',
      { batchSize: 10001 },
      /invalid batchSize: must be between 1 and 10000 records; received 10001/,
    ],
    [
      'maxBatchingWindow',
      { maxBatchingWindow: Duration.seconds(301) },
      /invalid maxBatchingWindow: must be between 0 seconds and 5 minutes; received 5 minutes 1 second/,
    ],
    [
      'retryAttempts',
      { retryAttempts: -1 },
      /invalid retryAttempts: must be between 0 and 10000; received -1 \(retries must be bounded/,
    ],
    [
      'maxRecordAge',
      { maxRecordAge: Duration.seconds(59) },
      /invalid maxRecordAge: must be between 1 minute and 7 days; received 59 seconds/,
    ],
    [
      'maxRecordAge',
      { maxRecordAge: Duration.hours(25) },
      /invalid maxRecordAge: must not exceed retentionPeriod \(1 day\); received 1 day 1 hour/,
    ],
    [
      'parallelizationFactor',
      { parallelizationFactor: 11 },
      /invalid parallelizationFactor: must be between 1 and 10 batches per shard; received 11/,
    ],
    [
      'consumerMemorySize',
      { consumerMemorySize: 64 },
      /invalid consumerMemorySize: must be between 128 and 10240 MB; received 64 MB/,
    ],
    [
      'consumerTimeout',
      { consumerTimeout: Duration.minutes(16) },
      /invalid consumerTimeout: must be between 1 second and 15 minutes; received 16 minutes/,
    ],
    [
      'bufferingInterval',
      { bufferingInterval: Duration.seconds(901) },
      /invalid bufferingInterval: must be between 0 seconds and 15 minutes; received 15 minutes 1 second \(the Firehose limit today/,
    ],
    [
      'bufferingSize',
      { bufferingSize: Size.mebibytes(129) },
      /invalid bufferingSize: must be between 1 and 128 MiB; received 129 MiB/,
    ],
    [
      'bufferingSize',
      { bufferingSize: Size.kibibytes(512) },
      /invalid bufferingSize: must be between 1 and 128 MiB; received 0.5 MiB/,
    ],
    [
      'infrequentAccessAfter',
      { infrequentAccessAfter: Duration.days(10) },
      /invalid infrequentAccessAfter: must be between 30 days and 36500 days; received 10 days/,
    ],
    [
      'glacierAfter',
      { glacierAfter: Duration.days(30) },
      /invalid glacierAfter: must be later than infrequentAccessAfter \(30 days\); received 30 days/,
    ],
    [
      'expireAfter',
      { expireAfter: Duration.days(60) },
      /invalid expireAfter: must be later than glacierAfter \(90 days\); received 60 days/,
    ],
    [
      'reservedConcurrentExecutions',
      { reservedConcurrentExecutions: 0 },
      /invalid reservedConcurrentExecutions: must be between 1 and 1000; received 0 \(the default Lambda account concurrency is 1,000/,
    ],
    [
      'reservedConcurrentExecutions',
      { reservedConcurrentExecutions: 2.5 },
      /invalid reservedConcurrentExecutions: must be a whole number between 1 and 1000; received 2.5/,
    ],
    [
      'reservedConcurrentExecutions',
      { shardCount: 4, parallelizationFactor: 2, reservedConcurrentExecutions: 7 },
      /invalid reservedConcurrentExecutions: must be at least shardCount x parallelizationFactor \(4 x 2 = 8\) for a PROVISIONED stream; received 7/,
    ],
    [
      'objectLockRetention',
      { objectLockRetention: Duration.hours(12) },
      /invalid objectLockRetention: must be between 1 day and 36500 days; received 12 hours \(S3 Object Lock default retention/,
    ],
    [
      'objectLockRetention',
      { objectLockRetention: Duration.hours(36) },
      /invalid objectLockRetention: must be a whole number of days/,
    ],
    [
      'objectLockRetention',
      { objectLockRetention: Duration.days(366) },
      /invalid objectLockRetention: must not exceed expireAfter \(365 days\); received 366 days \(a lifecycle rule cannot delete a locked version/,
    ],
    [
      'objectLockRetention',
      { objectLockRetention: Duration.days(30), removalPolicy: RemovalPolicy.DESTROY },
      /invalid objectLockRetention: must not be set with removalPolicy DESTROY; received 30 days \(locked versions cannot be deleted/,
    ],
  ])('%s out of range is rejected', (_label, props, message) => {
    expect(invalid(props as KinesisPipelineProps)).toThrow(message);
    expect(invalid(props as KinesisPipelineProps)).toThrow(/^KinesisPipeline: invalid /);
  });

  test('a data prefix the Glue table cannot project is rejected while queryable', () => {
    expect(invalid({ dataOutputPrefix: 'raw/!{timestamp:yyyy}/' })).toThrow(
      "KinesisPipeline: invalid dataOutputPrefix: must end with 'dt=!{timestamp:yyyy-MM-dd-HH}/' after a fixed part when queryable is true; received 'raw/!{timestamp:yyyy}/'",
    );
    expect(invalid({ dataOutputPrefix: `!{timestamp:yyyy}/${PARTITIONS_SUFFIX}` })).toThrow(
      /invalid dataOutputPrefix/,
    );
  });

  test('a query scan limit under 10 MiB is rejected', () => {
    expect(invalid({ queryScanLimit: Size.mebibytes(5) })).toThrow(
      'KinesisPipeline: invalid queryScanLimit: must be at least 10 MiB; received 5 MiB (the smallest per-query scan limit Athena accepts is 10 MB).',
    );
  });

  test('the edges of every range are accepted', () => {
    expect(
      invalid({
        retentionPeriod: Duration.hours(24),
        shardCount: 1,
        batchSize: 1,
        maxBatchingWindow: Duration.seconds(0),
        retryAttempts: 10000,
        maxRecordAge: Duration.hours(24),
        parallelizationFactor: 1,
        bufferingInterval: Duration.seconds(900),
        bufferingSize: Size.mebibytes(1),
      }),
    ).not.toThrow();
    expect(
      invalid({
        shardCount: 4,
        parallelizationFactor: 2,
        reservedConcurrentExecutions: 8,
        objectLockRetention: Duration.days(365),
      }),
    ).not.toThrow();
    expect(
      invalid({ reservedConcurrentExecutions: 1000, objectLockRetention: Duration.days(1) }),
    ).not.toThrow();
    // An ON_DEMAND stream's shard count is unknown at synth: any reservation from 1 is accepted.
    expect(
      invalid({
        streamMode: kinesis.StreamMode.ON_DEMAND,
        parallelizationFactor: 10,
        reservedConcurrentExecutions: 1,
      }),
    ).not.toThrow();
  });
});

describe('SecureBucket options the data lake uses (lib/core)', () => {
  const bucket = (props: ConstructorParameters<typeof SecureBucket>[2]) => () =>
    new SecureBucket(new Stack(testApp(), 'B'), 'Data', props);
  const replication = (stack: Stack) => ({
    bucket: s3.Bucket.fromBucketArn(stack, 'Replica', 'arn:aws:s3:::replica-111111111111'),
    encryptionKey: kms.Key.fromKeyArn(
      stack,
      'ReplicaKey',
      'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
    ),
  });

  test('needs exactly one of whyNoReplication and replication', () => {
    expect(bucket({})).toThrow(
      /^SecureBucket: invalid replication: give exactly one of whyNoReplication and replication; received neither/,
    );
    const stack = new Stack(testApp(), 'Both');
    expect(
      () =>
        new SecureBucket(stack, 'Data', {
          whyNoReplication: 'A reason long enough to explain the decision to a learner.',
          replication: replication(stack),
        }),
    ).toThrow(
      /invalid whyNoReplication: give exactly one of whyNoReplication and replication; received both/,
    );
  });

  test('a default retention needs a retained bucket: a locked one cannot be emptied on destroy', () => {
    expect(
      bucket({
        whyNoReplication: 'A reason long enough to explain the decision to a learner.',
        removalPolicy: RemovalPolicy.DESTROY,
        objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(1)),
      }),
    ).toThrow(
      /^SecureBucket: invalid objectLockDefaultRetention: must not be set with removalPolicy DESTROY; received GOVERNANCE 1 day/,
    );
  });

  test('a COMPLIANCE default retention is written as given', () => {
    const stack = new Stack(testApp(), 'Compliance');
    new SecureBucket(stack, 'Data', {
      whyNoReplication: 'A reason long enough to explain the decision to a learner.',
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(7)),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 7 } },
      },
    });
  });
});

describe('KinesisPipeline in other partitions and Regions', () => {
  // The stream names the AWS managed key by its alias *name* (alias/aws/kinesis), which Kinesis resolves in
  // the stream's own account and Region (StartStreamEncryption KeyId: "Master key owned by Kinesis Data
  // Streams: alias/aws/kinesis"); an alias ARN would have to carry a partition and a Region. Every ARN the
  // construct writes takes its partition from AWS::Partition (or the stack's env), never a literal "aws".
  test.each([
    ['env-agnostic', undefined],
    ['aws-cn', { account: '123456789012', region: 'cn-north-1' }],
    ['aws-us-gov', { account: '123456789012', region: 'us-gov-west-1' }],
  ])('%s: the stream key is the alias name, and no ARN hard-codes a partition or Region', (_label, env) => {
    const stack = new Stack(testApp(), 'Partitioned', { env });
    new KinesisPipeline(stack, 'Pipeline', { queryable: true });
    const template = Template.fromStack(stack);
    const [stream] = Object.values(template.findResources('AWS::Kinesis::Stream'));
    expect(stream.Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    const json = JSON.stringify(template.toJSON());
    const strings = json.match(/"(?:[^"\\]|\\.)*"/g) ?? [];
    const arns = strings.filter((x) => x.includes('arn:'));
    const partition = env ? (env.region.startsWith('cn-') ? 'aws-cn' : 'aws-us-gov') : undefined;
    for (const a of arns) {
      // Env-agnostic: no literal partition at all (it comes from AWS::Partition); with an env: only its own.
      if (partition) expect(a).toMatch(new RegExp(`arn:${partition}:|^"arn:"$|^":"$`));
      else expect(a).not.toMatch(/arn:aws(-cn|-us-gov)?:/);
      expect(a).not.toMatch(/us-east-1|alias\/aws\/kinesis/);
    }
  });
});

describe('ClickstreamQueryLayer validation', () => {
  const layer = (props: Partial<ClickstreamQueryLayerProps>) => () => {
    const stack = new Stack(testApp(), 'Q');
    const key = new kms.Key(stack, 'Key');
    new ClickstreamQueryLayer(stack, 'Query', {
      bucket: new s3.Bucket(stack, 'Bucket'),
      encryptionKey: key,
      dataPrefix: 'data/',
      resultsPrefix: 'athena-results/',
      bytesScannedCutoffPerQuery: Size.gibibytes(1),
      removalPolicy: RemovalPolicy.DESTROY,
      ...props,
    });
  };

  test('a partition format finer or coarser than the hour is rejected', () => {
    expect(layer({ partitionFormat: 'yyyy-MM-dd' })).toThrow(
      "ClickstreamQueryLayer: invalid partitionFormat: must be a DateTimeFormatter pattern whose finest field is the hour (HH): the projection steps by 1 hour; received 'yyyy-MM-dd'.",
    );
    expect(layer({ partitionFormat: 'yyyy-MM-dd-HH-mm' })).toThrow(/invalid partitionFormat/);
    expect(layer({ partitionFormat: 'yyyy/MM/dd/HH' })).not.toThrow();
  });

  test('a partition column Hive cannot name is rejected', () => {
    expect(layer({ partitionColumn: 'Date Hour' })).toThrow(
      "ClickstreamQueryLayer: invalid partitionColumn: must be a lower-case Hive column name (a-z, 0-9, _); received 'Date Hour'.",
    );
  });

  test('dataExpireAfter in part days is rejected', () => {
    expect(layer({ dataExpireAfter: Duration.hours(36) })).toThrow(/invalid dataExpireAfter/);
  });
});
