import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  DEFAULT_DATA_PREFIX,
  DEFAULT_ERROR_PREFIX,
  KinesisPipeline,
  PARTITIONS_SUFFIX,
  KinesisPipelineProps,
} from '../../lib/kinesis-pipeline/kinesis-pipeline';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';

function build(props?: KinesisPipelineProps): {
  stack: Stack;
  pipeline: KinesisPipeline;
  template: Template;
} {
  const stack = new Stack(testApp(), 'Test');
  const pipeline = new KinesisPipeline(stack, 'Pipeline', props);
  return { stack, pipeline, template: Template.fromStack(stack) };
}

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
    expect(DEFAULT_DATA_PREFIX).toMatch(/year=!\{timestamp:yyyy\}\/month=.*day=.*hour=/);
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

  test('lifecycle: Standard-IA at 30 days, Glacier at 90, expiry at 365, old versions after 30', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER', TransitionInDays: 90 },
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

  test('query layer: Glue table with partition projection over the Firehose prefix', () => {
    const bucketRef = ref(stack, pipeline.bucket);
    t.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: pipeline.query!.databaseName,
      TableInput: Match.objectLike({
        Name: 'clicks',
        PartitionKeys: ['year', 'month', 'day', 'hour'].map((n) => ({ Name: n, Type: 'string' })),
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.hour.range': '0,23',
          'storage.location.template': {
            'Fn::Join': [
              '',
              ['s3://', bucketRef, '/data/year=${year}/month=${month}/day=${day}/hour=${hour}/'],
            ],
          },
        }),
        StorageDescriptor: Match.objectLike({
          SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
        }),
      }),
    });
    expect(pipeline.query!.databaseName).toMatch(/^[a-z0-9_]+$/);
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

  test('the default alarm topic is created and encrypted', () => {
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    expect(pipeline.alarmTopic).toBeDefined();
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

  test('a given alarm topic is used and none is created', () => {
    const stack = new Stack(testApp(), 'Topic');
    const topic = new sns.Topic(stack, 'Ops');
    const pipeline = new KinesisPipeline(stack, 'Pipeline', { alarmTopic: topic });
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Topic', 1);
    expect(pipeline.alarmTopic).toBe(topic);
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
  ])('%s out of range is rejected', (_label, props, message) => {
    expect(invalid(props as KinesisPipelineProps)).toThrow(message);
    expect(invalid(props as KinesisPipelineProps)).toThrow(/^KinesisPipeline: invalid /);
  });

  test('a data prefix the Glue table cannot project is rejected while queryable', () => {
    expect(invalid({ dataOutputPrefix: 'raw/!{timestamp:yyyy}/' })).toThrow(
      "KinesisPipeline: invalid dataOutputPrefix: must end with 'year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/' after a fixed part when queryable is true; received 'raw/!{timestamp:yyyy}/'",
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
  });
});
