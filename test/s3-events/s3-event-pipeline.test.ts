import { App, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Profile } from '../../lib/core/profile';
import { S3EventPipeline, S3EventPipelineProps } from '../../lib/s3-events/s3-event-pipeline';
import { S3EventPipelineStack } from '../../lib/s3-events/s3-event-pipeline-stack';
import { cdkJsonContext, testApp } from '../support/app';
import { gateFindings } from '../support/compliance';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;

const templates = {} as Record<Profile, Template>;
beforeAll(() => {
  for (const profile of ['sandbox', 'production'] as const) {
    templates[profile] = Template.fromStack(
      new S3EventPipelineStack(testApp(), 'RefArch-S3EventPipeline', { profile }),
    );
  }
});

const resources = (profile: Profile): Resources => templates[profile].toJSON().Resources as Resources;
/** The logical id of the one resource of a type whose id is `<prefix><8 hex digits>`. */
const idOf = (profile: Profile, type: string, prefix: string): string => {
  const r = resources(profile);
  const ids = Object.keys(r).filter(
    (id) => r[id].Type === type && new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
  );
  if (ids.length !== 1)
    throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(', ') || 'none'}`);
  return ids[0];
};

describe('the event path: S3 -> EventBridge -> Lambda', () => {
  test('the upload bucket sends its events to EventBridge natively, with no notification custom resource', () => {
    const t = templates.sandbox;
    const upload = idOf('sandbox', 'AWS::S3::Bucket', 'PipelineUploads');
    expect(resources('sandbox')[upload].Properties?.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
    expect(Object.keys(t.findResources('Custom::S3BucketNotifications'))).toEqual([]);
  });

  test('one rule matches objects created under the prefix with the suffix, in the upload bucket only', () => {
    const upload = idOf('sandbox', 'AWS::S3::Bucket', 'PipelineUploads');
    templates.sandbox.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: upload }] },
          // Both conditions in one wildcard: two matchers listed for one field would be ORed.
          object: { key: [{ wildcard: 'uploads/*.csv' }] },
        },
      },
      State: 'ENABLED',
    });
  });

  test('EventBridge retries delivery and keeps what it cannot deliver in the undelivered-events queue', () => {
    const undelivered = idOf('sandbox', 'AWS::SQS::Queue', 'PipelineUndeliveredEvents');
    const processor = idOf('sandbox', 'AWS::Lambda::Function', 'PipelineProcessor');
    templates.sandbox.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [processor, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [undelivered, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
    // The queue policy lets EventBridge send, for this rule only.
    templates.sandbox.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: undelivered }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('Lambda retries a failed upload twice over up to 6 hours, then sends it to the failed-events queue', () => {
    const failed = idOf('sandbox', 'AWS::SQS::Queue', 'PipelineFailedEvents');
    templates.sandbox.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failed, 'Arn'] } } },
    });
  });

  test('the processor is told its buckets, prefixes, tables and size limit', () => {
    const vars = templates.sandbox.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('Turns CSV uploads') },
    }) as Resources;
    const [fn] = Object.values(vars);
    const env = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      RESULTS_PREFIX: 'results/',
      UPLOAD_PREFIX: 'uploads/',
      UPLOAD_SUFFIX: '.csv',
      MAX_OBJECT_BYTES: String(10 * 1024 * 1024),
    });
    for (const name of ['RESULTS_BUCKET', 'RECORDS_TABLE', 'IDEMPOTENCY_TABLE'])
      expect(env[name]).toHaveProperty('Ref');
  });
});

describe('least privilege: the processor cannot trigger itself', () => {
  const statements = (profile: Profile) => {
    const policies = templates[profile].findResources('AWS::IAM::Policy') as Resources;
    const id = Object.keys(policies).find((k) => k.startsWith('PipelineProcessorRoleDefaultPolicy'));
    const doc = policies[id!].Properties?.PolicyDocument as {
      Statement: { Action: string | string[]; Resource: unknown }[];
    };
    return doc.Statement.map((s) => ({ actions: [s.Action].flat(), resource: JSON.stringify(s.Resource) }));
  };

  test('it reads only uploads under the prefix and writes only results under the prefix', () => {
    const upload = idOf('sandbox', 'AWS::S3::Bucket', 'PipelineUploads');
    const results = idOf('sandbox', 'AWS::S3::Bucket', 'PipelineResults');
    const s3 = statements('sandbox').filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    const onUpload = s3.filter((s) => s.resource.includes(upload));
    const onResults = s3.filter((s) => s.resource.includes(results));
    expect(onUpload.flatMap((s) => s.actions).filter((a) => /Put|Delete/.test(a))).toEqual([]);
    expect(
      onUpload.every(
        (s) => s.resource.includes('/uploads/*') || !s.actions.some((a) => a.includes('Object')),
      ),
    ).toBe(true);
    expect(onResults.flatMap((s) => s.actions)).toEqual(expect.arrayContaining(['s3:PutObject']));
    expect(onResults.every((s) => s.resource.includes('/results/*'))).toBe(true);
    expect(onResults.flatMap((s) => s.actions).filter((a) => /Get|Delete/.test(a))).toEqual([]);
  });

  test('its table access is item-level only', () => {
    const ddb = statements('sandbox')
      .flatMap((s) => s.actions)
      .filter((a) => a.startsWith('dynamodb:'));
    expect(new Set(ddb)).toEqual(
      new Set(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
    );
  });
});

describe('profiles', () => {
  test('sandbox: nothing is kept, the buckets are emptied on destroy, no table is protected', () => {
    const r = resources('sandbox');
    for (const [id, res] of Object.entries(r)) {
      if (
        [
          'AWS::S3::Bucket',
          'AWS::DynamoDB::Table',
          'AWS::KMS::Key',
          'AWS::Logs::LogGroup',
          'AWS::SQS::Queue',
        ].includes(res.Type)
      ) {
        expect([id, res.DeletionPolicy]).toEqual([id, 'Delete']);
      }
    }
    expect(Object.keys(templates.sandbox.findResources('Custom::S3AutoDeleteObjects')).length).toBe(4);
    templates.sandbox.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  test('production: data kept, tables protected, concurrency reserved', () => {
    const r = resources('production');
    for (const [id, res] of Object.entries(r)) {
      if (['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::KMS::Key'].includes(res.Type)) {
        expect([id, res.DeletionPolicy]).toEqual([id, 'Retain']);
      }
    }
    templates.production.allResourcesProperties('AWS::DynamoDB::Table', {
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
    });
    templates.production.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Turns CSV uploads'),
      ReservedConcurrentExecutions: 20,
    });
  });

  test('the tables: records by object key and version, idempotency items expire by TTL', () => {
    templates.sandbox.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'objectKey', KeyType: 'HASH' },
        { AttributeName: 'versionId', KeyType: 'RANGE' },
      ],
    });
    templates.sandbox.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });
});

test('every alarm notifies the alarm topic, and the rule alarm is dimensioned by the rule', () => {
  const alarms = templates.sandbox.findResources('AWS::CloudWatch::Alarm') as Resources;
  expect(Object.keys(alarms).length).toBe(4);
  for (const a of Object.values(alarms)) expect((a.Properties?.AlarmActions as unknown[]).length).toBe(1);
  const rule = idOf('sandbox', 'AWS::Events::Rule', 'PipelineUploadRule');
  templates.sandbox.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/Events',
    MetricName: 'InvocationsFailedToBeSentToDlq',
    Dimensions: [{ Name: 'RuleName', Value: { Ref: rule } }],
  });
});

describe('bad input is refused at synth, naming the prop, the value and the range', () => {
  const build = (props: S3EventPipelineProps) => () =>
    new S3EventPipeline(new Stack(testApp(), 'S'), 'P', props);
  test.each<[string, S3EventPipelineProps, RegExp]>([
    [
      'a results prefix inside the upload prefix',
      { uploadPrefix: 'in/', resultsPrefix: 'in/out/' },
      /invalid resultsPrefix: must not overlap uploadPrefix 'in\/'; received 'in\/out\/'/,
    ],
    [
      'an upload prefix inside the results prefix',
      { uploadPrefix: 'results/new/' },
      /invalid resultsPrefix: must not overlap uploadPrefix 'results\/new\/'; received 'results\/'/,
    ],
    ['a wildcard in the prefix', { uploadPrefix: 'up*/' }, /invalid uploadPrefix: .*received 'up\*\/'/],
    ['a parenthesis in the prefix', { uploadPrefix: 'a(1)/' }, /invalid uploadPrefix: .*received 'a\(1\)\/'/],
    [
      'a prefix without a trailing slash',
      { uploadPrefix: 'uploads' },
      /invalid uploadPrefix: .*end with '\/'; received 'uploads'/,
    ],
    ['a suffix with a slash', { uploadSuffix: 'a/.csv' }, /invalid uploadSuffix: .*received 'a\/\.csv'/],
    [
      'three retries',
      { retryAttempts: 3 },
      /invalid retryAttempts: must be between 0 and 2; received 3 \(Lambda retries/,
    ],
    [
      'an event age under a minute',
      { maxEventAge: Duration.seconds(30) },
      /invalid maxEventAge: .*30 seconds/,
    ],
    ['an event age over 6 hours', { maxEventAge: Duration.hours(7) }, /invalid maxEventAge: .*7 hours/],
    [
      'a 16-minute timeout',
      { processorTimeout: Duration.minutes(16) },
      /invalid processorTimeout: .*16 minutes/,
    ],
    [
      '64 MB of memory',
      { processorMemorySize: 64 },
      /invalid processorMemorySize: must be between 128 and 10240 MB; received 64 MB/,
    ],
    [
      'a 2 GiB object limit',
      { maxObjectSize: Size.gibibytes(2) },
      /invalid maxObjectSize: must be a whole number of bytes between 1 byte and 1 GiB; received 2147483648 bytes/,
    ],
    [
      'SNAPSHOT',
      { removalPolicy: RemovalPolicy.SNAPSHOT },
      /invalid removalPolicy: must be RETAIN or DESTROY; received SNAPSHOT/,
    ],
    [
      'infinite log retention',
      { logRetention: logs.RetentionDays.INFINITE },
      /invalid logRetention: must be a finite number of days; received INFINITE/,
    ],
  ])('%s', (_, props, message) => {
    expect(build(props)).toThrow(message);
  });
});

describe('every gate passes on the demo stack (six nag packs, Control Tower guard, built-in validation)', () => {
  test.each(['sandbox', 'production'] as const)('%s', (profile) => {
    const findings = gateFindings(
      (app) => new S3EventPipelineStack(app, 'RefArch-S3EventPipeline', { profile }),
      (outdir) => new App({ outdir, context: cdkJsonContext() }),
    );
    expect(findings).toEqual([]);
  });
});
