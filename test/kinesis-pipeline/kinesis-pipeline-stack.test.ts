import { Template } from 'aws-cdk-lib/assertions';
import { KinesisPipelineStack } from '../../lib/kinesis-pipeline/kinesis-pipeline-stack';
import { Profile } from '../../lib/core/profile';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';

const stacks = {} as Record<Profile, KinesisPipelineStack>;
const templates = {} as Record<Profile, Template>;

beforeAll(() => {
  for (const profile of ['sandbox', 'production'] as const) {
    stacks[profile] = new KinesisPipelineStack(testApp(), 'RefArch-KinesisPipeline', { profile });
    templates[profile] = Template.fromStack(stacks[profile]);
  }
});

test('is registered in the reference app as RefArch-KinesisPipeline', () => {
  const entry = PATTERN_STACKS.find((e) => e.stackId === 'RefArch-KinesisPipeline');
  expect(entry?.folder).toBe('kinesis-pipeline');
  expect(entry?.create(testApp(), 'RefArch-KinesisPipeline', 'sandbox')).toBeInstanceOf(KinesisPipelineStack);
});

describe('sandbox profile', () => {
  test('one provisioned shard, 24 h, 60 s Firehose buffer', () => {
    const t = templates.sandbox;
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 1,
      RetentionPeriodHours: 24,
    });
    t.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: { BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 } },
    });
  });

  test('cdk destroy leaves nothing: every stateful resource is deleted and both buckets are emptied', () => {
    const t = templates.sandbox;
    const resources = t.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>;
    const retained = Object.entries(resources).filter(([, r]) => r.DeletionPolicy === 'Retain');
    expect(retained).toEqual([]);
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  test('no reserved concurrency (a new account cannot reserve any)', () => {
    const t = templates.sandbox;
    const [consumer] = Object.values(
      t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
    );
    expect(consumer.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('all six nag packs are clean', () => expectNagClean(stacks.sandbox));

  test('snapshot', () => expect(templates.sandbox.toJSON()).toMatchSnapshot());
});

describe('production profile', () => {
  test('on-demand stream with 7 days to replay, consumer limited to 6 h record age, 2 batches per shard', () => {
    const t = templates.production;
    const [stream] = Object.values(t.findResources('AWS::Kinesis::Stream'));
    expect(stream.Properties.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(stream.Properties.ShardCount).toBeUndefined();
    expect(stream.Properties.RetentionPeriodHours).toBe(168);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumRecordAgeInSeconds: 6 * 3600,
      ParallelizationFactor: 2,
    });
  });

  test('the consumer reserves 20 concurrent executions: the on-demand stream cannot take more', () => {
    templates.production.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 20,
    });
  });

  test('data is retained: stream, buckets, keys, log groups and queue', () => {
    const t = templates.production;
    for (const type of [
      'AWS::Kinesis::Stream',
      'AWS::S3::Bucket',
      'AWS::KMS::Key',
      'AWS::Logs::LogGroup',
      'AWS::SQS::Queue',
    ]) {
      const found = Object.values(t.findResources(type));
      expect(found.length).toBeGreaterThan(0);
      for (const r of found) expect([type, r.DeletionPolicy]).toEqual([type, 'Retain']);
    }
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('all six nag packs are clean', () => expectNagClean(stacks.production));

  test('snapshot', () => expect(templates.production.toJSON()).toMatchSnapshot());
});

test('outputs the names the README commands use', () => {
  const outputs = Object.keys(templates.sandbox.toJSON().Outputs);
  expect(outputs.sort()).toEqual(
    [
      'AthenaWorkGroup',
      'BucketName',
      'ConsumerLogGroup',
      'GlueDatabase',
      'OnFailureQueueUrl',
      'StreamName',
    ].sort(),
  );
});

// A default retention makes S3 require a checksum header on every upload, which Firehose is not documented
// to send; server access logging refuses a destination bucket with Object Lock at all.
test.each(['sandbox', 'production'] as const)(
  '%s: the data lake has Object Lock without a default retention; the access-log bucket has none',
  (profile) => {
    const stack = stacks[profile];
    const lake = stack.getLogicalId(stack.pipeline.bucket.node.defaultChild as never);
    const buckets = templates[profile].findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const [id, b] of Object.entries(buckets)) {
      expect([id, b.Properties.ObjectLockConfiguration]).toEqual([
        id,
        id === lake ? { ObjectLockEnabled: 'Enabled' } : undefined,
      ]);
      expect([id, b.Properties.ObjectLockEnabled]).toEqual([id, id === lake]);
    }
  },
);
