// Unit tests of the template resolver: one small hand-written template per intrinsic and per rule,
// then every demo stack of the app, resolved for both profiles.
import { PROFILES } from '../../lib/core/profile';
import { synthesizeApp } from '../reliability/synthesized-app';
import {
  containsUnresolved,
  knownResourceTypes,
  resolveTemplate,
  ResolvedResource,
  ResolvedTemplate,
  TEST_ENV,
  testEnvironment,
  UNRESOLVED,
} from './resolve-template';

const ENV = testEnvironment('TestStack');

/** A template with these resources (and optionally Parameters, Mappings, Conditions). */
function template(resources: Record<string, unknown>, sections: Record<string, unknown> = {}) {
  return { Resources: resources, ...sections };
}

/** Resolves one fragment in the context of a small template. */
function resolveIn(
  value: unknown,
  resources: Record<string, unknown> = {},
  sections: Record<string, unknown> = {},
) {
  return resolveTemplate(template(resources, sections), ENV).resolve(value);
}

/** A queue with a fixed name, so that its URL and ARN are known exactly. */
const ORDERS_QUEUE = { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders' } } };
const ORDERS_URL = 'https://sqs.eu-west-1.amazonaws.com/111111111111/orders';
const ORDERS_ARN = 'arn:aws:sqs:eu-west-1:111111111111:orders';

describe('test environment', () => {
  test('is the fixed test account and Region, with the stack name given', () => {
    expect(TEST_ENV).toEqual({
      account: '111111111111',
      region: 'eu-west-1',
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
    });
    expect(testEnvironment('RefArch-SnsSqsFanout')).toEqual({
      ...TEST_ENV,
      stackName: 'RefArch-SnsSqsFanout',
    });
  });
});

describe('pseudo parameters', () => {
  test.each([
    ['AWS::AccountId', '111111111111'],
    ['AWS::Region', 'eu-west-1'],
    ['AWS::Partition', 'aws'],
    ['AWS::URLSuffix', 'amazonaws.com'],
    ['AWS::StackName', 'TestStack'],
    [
      'AWS::StackId',
      'arn:aws:cloudformation:eu-west-1:111111111111:stack/TestStack/00000000-0000-0000-0000-000000000000',
    ],
  ])('Ref %s', (name, expected) => {
    expect(resolveIn({ Ref: name })).toBe(expected);
  });

  test('AWS::NoValue removes the object key or the list item', () => {
    expect(resolveIn({ Keep: 1, Drop: { Ref: 'AWS::NoValue' } })).toEqual({ Keep: 1 });
    expect(resolveIn(['a', { Ref: 'AWS::NoValue' }, 'b'])).toEqual(['a', 'b']);
  });
});

describe('parameters', () => {
  const Parameters = {
    Stage: { Type: 'String', Default: 'test' },
    BootstrapVersion: {
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/cdk-bootstrap/hnb659fds/version',
    },
    Zones: { Type: 'CommaDelimitedList', Default: 'a,b' },
    NoDefault: { Type: 'String' },
  };

  test('resolve to their Default (an SSM-typed one to its parameter path)', () => {
    expect(resolveIn({ Ref: 'Stage' }, {}, { Parameters })).toBe('test');
    expect(resolveIn({ Ref: 'BootstrapVersion' }, {}, { Parameters })).toBe(
      '/cdk-bootstrap/hnb659fds/version',
    );
    expect(resolveIn({ Ref: 'Zones' }, {}, { Parameters })).toEqual(['a', 'b']);
  });

  test('without a Default resolve to a marker', () => {
    const value = resolveIn({ Ref: 'NoDefault' }, {}, { Parameters });
    expect(value).toBe('UNRESOLVED(Parameter NoDefault has no Default)');
    expect(containsUnresolved(value)).toBe(true);
  });
});

describe('Ref and Fn::GetAtt', () => {
  test('Ref of a queue is its URL; GetAtt gives Arn, QueueName, QueueUrl', () => {
    expect(resolveIn({ Ref: 'Queue' }, ORDERS_QUEUE)).toBe(ORDERS_URL);
    expect(resolveIn({ 'Fn::GetAtt': ['Queue', 'Arn'] }, ORDERS_QUEUE)).toBe(ORDERS_ARN);
    expect(resolveIn({ 'Fn::GetAtt': ['Queue', 'QueueUrl'] }, ORDERS_QUEUE)).toBe(ORDERS_URL);
  });

  test("string form 'Id.Attr', split at the first dot only", () => {
    expect(resolveIn({ 'Fn::GetAtt': 'Queue.QueueName' }, ORDERS_QUEUE)).toBe('orders');
    const db = {
      Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceIdentifier: 'mydb', Engine: 'postgres' } },
    };
    expect(resolveIn({ 'Fn::GetAtt': 'Db.Endpoint.Port' }, db)).toBe('5432');
    expect(resolveIn({ 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }, db)).toMatch(
      /^mydb\.[a-z0-9]{12}\.eu-west-1\.rds\.amazonaws\.com$/,
    );
  });

  test('an attribute missing from the table, or a type missing from it, resolves to a marker', () => {
    expect(resolveIn({ 'Fn::GetAtt': ['Queue', 'Nope'] }, ORDERS_QUEUE)).toBe('UNRESOLVED(Queue.Nope)');
    const thing = { Thing: { Type: 'Custom::Thing', Properties: { Size: 1 } } };
    expect(resolveIn({ Ref: 'Thing' }, thing)).toBe('UNRESOLVED(Thing)');
    expect(resolveIn({ 'Fn::Join': ['/', ['x', { 'Fn::GetAtt': ['Thing', 'Out'] }]] }, thing)).toBe(
      'x/UNRESOLVED(Thing.Out)',
    );
    const resolved = resolveTemplate(template(thing), ENV).byLogicalId('Thing');
    expect(resolved).toMatchObject({ ref: 'UNRESOLVED(Thing)', attributes: {}, properties: { Size: 1 } });
    expect(resolved.arn).toBeUndefined();
  });

  test('a Ref or GetAtt of a logical id that does not exist throws, naming the place', () => {
    expect(() =>
      resolveTemplate(
        template({ P: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [{ Ref: 'Missing' }] } } }),
        ENV,
      ),
    ).toThrow(
      "Resources.P.Properties.Queues[0].Ref: Ref to 'Missing', which is neither a pseudo parameter, a parameter nor a resource",
    );
    expect(() => resolveIn({ 'Fn::GetAtt': ['Missing', 'Arn'] })).toThrow(
      "Fn::GetAtt of 'Missing', which is not a resource of the template",
    );
  });

  test('an intrinsic the resolver does not support resolves to a marker', () => {
    expect(resolveIn({ 'Fn::ImportValue': 'SharedVpcId' })).toBe(
      'UNRESOLVED(Fn::ImportValue is not supported offline)',
    );
  });
});

describe('string and list functions', () => {
  test('Fn::Join', () => {
    expect(
      resolveIn({ 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'sqs', { Ref: 'AWS::Region' }]] }),
    ).toBe('arn:aws:sqs:eu-west-1');
    expect(resolveIn({ 'Fn::Join': [',', { 'Fn::GetAZs': '' }] })).toBe('eu-west-1a,eu-west-1b,eu-west-1c');
  });

  test('Fn::Sub, string form: pseudo parameters, ${Id}, ${Id.Attr} and ${!Literal}', () => {
    const text =
      'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Queue.QueueName} ${Queue} ${!Literal}';
    expect(resolveIn({ 'Fn::Sub': text }, ORDERS_QUEUE)).toBe(`${ORDERS_ARN} ${ORDERS_URL} \${Literal}`);
  });

  test('Fn::Sub, [string, variables] form: variables first, then template names', () => {
    const sub = { 'Fn::Sub': ['${Name}-${AWS::Region}', { Name: { 'Fn::GetAtt': ['Queue', 'QueueName'] } }] };
    expect(resolveIn(sub, ORDERS_QUEUE)).toBe('orders-eu-west-1');
  });

  test('Fn::Select and Fn::Split (the CDK takes a name out of an ARN this way)', () => {
    expect(resolveIn({ 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] })).toBe('b');
    const nameFromArn = { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] }] };
    expect(resolveIn(nameFromArn, ORDERS_QUEUE)).toBe('orders');
    expect(resolveIn({ 'Fn::Select': ['0', { 'Fn::GetAZs': { Ref: 'AWS::Region' } }] })).toBe('eu-west-1a');
    expect(() => resolveIn({ 'Fn::Select': [3, ['a', 'b']] })).toThrow('Fn::Select index 3 is out of range');
  });

  test('Fn::Split of an unknown value keeps the marker instead of cutting it apart', () => {
    const thing = { Thing: { Type: 'Custom::Thing' } };
    const value = { 'Fn::Select': [1, { 'Fn::Split': ['.', { 'Fn::GetAtt': ['Thing', 'A.B'] }] }] };
    expect(resolveIn(value, thing)).toBe('UNRESOLVED(Thing.A.B)');
  });

  test('Fn::GetAZs returns the three test Availability Zones', () => {
    expect(resolveIn({ 'Fn::GetAZs': '' })).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  test('Fn::Base64 encodes the resolved text; an unknown text stays a visible marker', () => {
    expect(resolveIn({ 'Fn::Base64': { 'Fn::Sub': 'hello ${AWS::Region}' } })).toBe('aGVsbG8gZXUtd2VzdC0x');
    const thing = { Thing: { Type: 'Custom::Thing' } };
    expect(
      containsUnresolved(resolveIn({ 'Fn::Base64': { 'Fn::GetAtt': ['Thing', 'Script'] } }, thing)),
    ).toBe(true);
  });

  test('Fn::FindInMap: found, missing (marker), missing with DefaultValue, unknown map (throws)', () => {
    const Mappings = { RegionMap: { 'eu-west-1': { account: '156460612806' } } };
    const find = (second: string, extra: unknown[] = []) =>
      resolveIn(
        { 'Fn::FindInMap': ['RegionMap', { Ref: 'AWS::Region' }, second, ...extra] },
        {},
        { Mappings },
      );
    expect(find('account')).toBe('156460612806');
    expect(find('nope')).toBe('UNRESOLVED(Fn::FindInMap RegionMap.eu-west-1.nope)');
    expect(find('nope', [{ DefaultValue: 'fallback' }])).toBe('fallback');
    expect(() => resolveIn({ 'Fn::FindInMap': ['Nope', 'a', 'b'] }, {}, { Mappings })).toThrow(
      "no mapping 'Nope' in the template",
    );
  });
});

describe('conditions', () => {
  const Parameters = { Env: { Type: 'String', Default: 'prod' } };
  const Conditions = {
    IsEu: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
    IsUs: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
    NotUs: { 'Fn::Not': [{ Condition: 'IsUs' }] },
    EuAndNotUs: { 'Fn::And': [{ Condition: 'IsEu' }, { Condition: 'NotUs' }] },
    UsOrEu: { 'Fn::Or': [{ Condition: 'IsUs' }, { Condition: 'IsEu' }] },
    KnownEnv: { 'Fn::Contains': [['dev', 'prod'], { Ref: 'Env' }] },
  };
  const resources = {
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: { 'Fn::If': ['IsEu', 'eu-orders', 'us-orders'] },
        DelaySeconds: { 'Fn::If': ['IsUs', 5, { Ref: 'AWS::NoValue' }] },
      },
    },
    UsOnlyQueue: { Type: 'AWS::SQS::Queue', Condition: 'IsUs', Properties: { QueueName: 'us-only' } },
  };
  const resolved = resolveTemplate(template(resources, { Parameters, Conditions }), ENV);

  test('are evaluated, including references to other conditions', () => {
    expect(resolved.conditions).toEqual({
      IsEu: true,
      IsUs: false,
      NotUs: true,
      EuAndNotUs: true,
      UsOrEu: true,
      KnownEnv: true,
    });
  });

  test('Fn::If picks the branch, and an AWS::NoValue branch removes the property', () => {
    expect(resolved.byLogicalId('Queue').properties).toEqual({ QueueName: 'eu-orders' });
    expect(resolved.byLogicalId('Queue').ref).toBe(
      'https://sqs.eu-west-1.amazonaws.com/111111111111/eu-orders',
    );
  });

  test('a resource whose Condition is false is not created', () => {
    expect(resolved.ofType('AWS::SQS::Queue').map((r) => r.logicalId)).toEqual(['Queue']);
    expect(() => resolved.byLogicalId('UsOnlyQueue')).toThrow(
      "Resource 'UsOnlyQueue' of stack 'TestStack' is not created: its Condition 'IsUs' is false in eu-west-1",
    );
    expect(resolved.resolve({ Ref: 'UsOnlyQueue' })).toBe(
      'UNRESOLVED(UsOnlyQueue, not created: its condition IsUs is false)',
    );
  });

  test('an undefined condition and a circular one throw', () => {
    expect(() => resolveIn({ 'Fn::If': ['Nope', 'a', 'b'] }, {}, { Parameters, Conditions })).toThrow(
      "Condition 'Nope' is not defined in stack 'TestStack'",
    );
    const circular = { A: { 'Fn::Not': [{ Condition: 'B' }] }, B: { 'Fn::Not': [{ Condition: 'A' }] } };
    expect(() => resolveTemplate(template({}, { Conditions: circular }), ENV)).toThrow(
      "Circular reference in stack 'TestStack': Conditions.A -> Conditions.B -> Conditions.A",
    );
  });
});

describe('Ref and GetAtt table', () => {
  /** Resolves one resource of the given type and properties. */
  function one(type: string, properties: Record<string, unknown> = {}, logicalId = 'Res', env = ENV) {
    return resolveTemplate(
      template({ [logicalId]: { Type: type, Properties: properties } }),
      env,
    ).byLogicalId(logicalId);
  }

  test('SQS: a generated queue name is <stack>-<logical id>-<suffix>, .fifo for a FIFO queue', () => {
    const queue = one('AWS::SQS::Queue', {}, 'JobsQueue');
    expect(queue.attributes.QueueName).toMatch(/^TestStack-JobsQueue-[A-Z0-9]{12}$/);
    expect(queue.ref).toBe(`https://sqs.eu-west-1.amazonaws.com/111111111111/${queue.attributes.QueueName}`);
    expect(queue.arn).toBe(`arn:aws:sqs:eu-west-1:111111111111:${queue.attributes.QueueName}`);
    const fifo = one('AWS::SQS::Queue', { FifoQueue: true }, 'J'.repeat(100));
    expect(fifo.attributes.QueueName).toMatch(/\.fifo$/);
    expect(fifo.attributes.QueueName.length).toBeLessThanOrEqual(80);
  });

  test('SNS: Ref of a topic is its ARN', () => {
    const topic = one('AWS::SNS::Topic', { TopicName: 'alerts' });
    expect(topic.ref).toBe('arn:aws:sns:eu-west-1:111111111111:alerts');
    expect(topic.attributes).toEqual({ TopicArn: topic.ref, TopicName: 'alerts' });
  });

  test('KMS: Ref of a key is a UUID-like key id, Arn is key/<id>', () => {
    const key = one('AWS::KMS::Key');
    expect(key.ref).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(key.arn).toBe(`arn:aws:kms:eu-west-1:111111111111:key/${key.ref}`);
    expect(key.attributes).toEqual({ Arn: key.arn, KeyId: key.ref });
  });

  test('S3: a generated bucket name is lowercase and at most 63 characters', () => {
    const bucket = one('AWS::S3::Bucket', {}, 'LogsBucket');
    expect(bucket.ref).toMatch(/^teststack-logsbucket-[a-z0-9]{12}$/);
    expect(bucket.arn).toBe(`arn:aws:s3:::${bucket.ref}`);
    expect(bucket.attributes.RegionalDomainName).toBe(`${bucket.ref}.s3.eu-west-1.amazonaws.com`);
    const long = one(
      'AWS::S3::Bucket',
      {},
      `Access${'Logs'.repeat(20)}Bucket`,
      testEnvironment('RefArch-ThreeTierWebApp'),
    );
    expect(long.ref).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
    expect(one('AWS::S3::Bucket', { BucketName: 'my-bucket' }).ref).toBe('my-bucket');
  });

  test('IAM: role ARNs respect Path; a managed policy Ref is its ARN', () => {
    const role = one('AWS::IAM::Role', { RoleName: 'app-role', Path: '/service/' });
    expect(role.ref).toBe('app-role');
    expect(role.arn).toBe('arn:aws:iam::111111111111:role/service/app-role');
    expect(role.attributes.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    const generated = one('AWS::IAM::Role', {}, `Handler${'Service'.repeat(10)}Role`);
    expect(generated.ref).toMatch(/^TestStack-HandlerService/);
    expect(generated.ref.length).toBeLessThanOrEqual(64);
    const policy = one('AWS::IAM::ManagedPolicy', { ManagedPolicyName: 'my-policy' });
    expect(policy.ref).toBe('arn:aws:iam::111111111111:policy/my-policy');
    expect(policy.attributes.PolicyArn).toBe(policy.ref);
  });

  test("Logs: a log group's Arn ends with ':*', like CloudFormation's", () => {
    const group = one('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/fn' });
    expect(group.ref).toBe('/aws/lambda/fn');
    expect(group.arn).toBe('arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/fn:*');
  });

  test('Lambda: Ref is the function name', () => {
    const fn = one('AWS::Lambda::Function', { FunctionName: 'my-fn' });
    expect(fn).toMatchObject({ ref: 'my-fn', arn: 'arn:aws:lambda:eu-west-1:111111111111:function:my-fn' });
  });

  test('Secrets Manager: Ref is the ARN, with a six-character suffix; attachments return the secret ARN', () => {
    const resources = {
      DbSecret: { Type: 'AWS::SecretsManager::Secret', Properties: {} },
      Named: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'prod/db' } },
      Attachment: {
        Type: 'AWS::SecretsManager::SecretTargetAttachment',
        Properties: { SecretId: { Ref: 'DbSecret' }, TargetId: 'db', TargetType: 'AWS::RDS::DBInstance' },
      },
    };
    const resolved = resolveTemplate(template(resources), ENV);
    const secret = resolved.byLogicalId('DbSecret');
    expect(secret.ref).toMatch(
      /^arn:aws:secretsmanager:eu-west-1:111111111111:secret:DbSecret-[A-Za-z0-9]{12}-[A-Za-z0-9]{6}$/,
    );
    expect(resolved.byLogicalId('Named').ref).toMatch(
      /^arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod\/db-[A-Za-z0-9]{6}$/,
    );
    expect(resolved.byLogicalId('Attachment').ref).toBe(secret.ref);
  });

  test('CloudWatch: a generated alarm name gives arn:…:alarm:<stack>-<logical id>-<suffix>', () => {
    const alarm = one('AWS::CloudWatch::Alarm', {}, 'QueueDepthAlarm1234');
    expect(alarm.arn).toMatch(
      /^arn:aws:cloudwatch:eu-west-1:111111111111:alarm:TestStack-QueueDepthAlarm1234-[A-Z0-9]{12}$/,
    );
    expect(alarm.attributes.Arn).toBe(alarm.arn);
  });

  test('CloudFront: global ARNs (no Region); a distribution Ref is its id, E and 13 characters', () => {
    const distribution = one('AWS::CloudFront::Distribution', {}, 'Site');
    expect(distribution.ref).toMatch(/^E[A-Z0-9]{13}$/);
    expect(distribution.arn).toBe(`arn:aws:cloudfront::111111111111:distribution/${distribution.ref}`);
    expect(distribution.attributes.DomainName).toMatch(/^d[a-z0-9]{13}\.cloudfront\.net$/);
    const fn = one('AWS::CloudFront::Function', { Name: 'index-pages', AutoPublish: true });
    expect(fn.attributes).toEqual({
      FunctionARN: 'arn:aws:cloudfront::111111111111:function/index-pages',
      Stage: 'LIVE',
    });
    expect(one('AWS::CloudFront::OriginAccessControl').attributes.Id).toMatch(/^E[A-Z0-9]{13}$/);
  });

  test('Logs: delivery sources and destinations are named; a delivery has an id', () => {
    const source = one('AWS::Logs::DeliverySource', {
      Name: 'site-src',
      ResourceArn: 'arn:aws:cloudfront::111111111111:distribution/E123',
    });
    expect(source.ref).toBe('site-src');
    expect(source.arn).toBe('arn:aws:logs:eu-west-1:111111111111:delivery-source:site-src');
    expect(source.attributes.Service).toBe('cloudfront');
    const destination = one('AWS::Logs::DeliveryDestination', {
      Name: 'site-dst',
      DestinationResourceArn: 'arn:aws:s3:::logs',
    });
    expect(destination.arn).toBe('arn:aws:logs:eu-west-1:111111111111:delivery-destination:site-dst');
    expect(destination.attributes.DestinationType).toBe('S3');
    const delivery = one('AWS::Logs::Delivery', { DeliverySourceName: 'site-src' });
    expect(delivery.arn).toBe(`arn:aws:logs:eu-west-1:111111111111:delivery:${delivery.ref}`);
  });

  test('Cognito: a user pool id is <region>_<id>', () => {
    const pool = one('AWS::Cognito::UserPool');
    expect(pool.ref).toMatch(/^eu-west-1_[A-Za-z0-9]{9}$/);
    expect(pool.attributes.ProviderName).toBe(`cognito-idp.eu-west-1.amazonaws.com/${pool.ref}`);
    expect(pool.arn).toBe(`arn:aws:cognito-idp:eu-west-1:111111111111:userpool/${pool.ref}`);
  });

  test('EC2: ids have their prefixes; a subnet reports its Availability Zone and VPC', () => {
    const resources = {
      Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
      Subnet: {
        Type: 'AWS::EC2::Subnet',
        Properties: {
          VpcId: { Ref: 'Vpc' },
          CidrBlock: '10.0.1.0/24',
          AvailabilityZone: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
        },
      },
      Group: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: { GroupDescription: 'x', VpcId: { Ref: 'Vpc' } },
      },
    };
    const resolved = resolveTemplate(template(resources), ENV);
    const vpc = resolved.byLogicalId('Vpc');
    expect(vpc.ref).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(resolved.byLogicalId('Subnet').attributes).toMatchObject({
      AvailabilityZone: 'eu-west-1b',
      VpcId: vpc.ref,
    });
    expect(resolved.byLogicalId('Group').attributes.GroupId).toMatch(/^sg-[0-9a-f]{17}$/);
  });

  test('generated values are deterministic per stack name and logical id', () => {
    const resources = { Key: { Type: 'AWS::KMS::Key' }, Queue: { Type: 'AWS::SQS::Queue' } };
    const first = resolveTemplate(template(resources), ENV);
    const again = resolveTemplate(template(resources), ENV);
    const otherStack = resolveTemplate(template(resources), testEnvironment('OtherStack'));
    expect(again.resources).toEqual(first.resources);
    expect(otherStack.byLogicalId('Key').ref).not.toBe(first.byLogicalId('Key').ref);
    expect(first.byLogicalId('Key').ref).not.toBe(first.resolve({ Ref: 'Queue' }));
  });
});

describe('circular references', () => {
  test('a resource whose properties use its own attribute throws', () => {
    const resources = {
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
      },
    };
    expect(() => resolveTemplate(template(resources), ENV)).toThrow(
      "Circular reference in stack 'TestStack': Resources.Queue -> Resources.Queue " +
        '(at Resources.Queue.Properties.RedrivePolicy.deadLetterTargetArn.Fn::GetAtt)',
    );
  });

  test('a resource whose properties Ref itself throws', () => {
    const resources = {
      Topic: { Type: 'AWS::SNS::Topic', Properties: { Tags: [{ Key: 'self', Value: { Ref: 'Topic' } }] } },
    };
    expect(() => resolveTemplate(template(resources), ENV)).toThrow(
      "Circular reference in stack 'TestStack': Resources.Topic -> Resources.Topic " +
        '(at Resources.Topic.Properties.Tags[0].Value.Ref)',
    );
  });

  test('two resources that use each other throw', () => {
    const resources = {
      A: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['B', 'QueueName'] } } },
      B: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['A', 'QueueName'] } } },
    };
    expect(() => resolveTemplate(template(resources), ENV)).toThrow(
      /Circular reference .*Resources\.A -> Resources\.B -> Resources\.A/,
    );
  });
});

describe('lookups', () => {
  const resources = {
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: 'orders' },
      Metadata: { 'aws:cdk:path': 'TestStack/Orders/Queue/Resource' },
    },
    Dlq: {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: 'orders-dlq' },
      Metadata: { 'aws:cdk:path': 'TestStack/Orders/Dlq/Resource' },
    },
    Logs: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: 'app' },
      Metadata: { 'aws:cdk:path': 'TestStack/Logs/Resource' },
    },
    Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'my-bucket' } },
    BucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: { Bucket: { Ref: 'Bucket' }, PolicyDocument: {} },
    },
  };
  const resolved: ResolvedTemplate = resolveTemplate(template(resources), ENV);

  test('byLogicalId finds a resource, or throws naming the stack', () => {
    expect(resolved.byLogicalId('Queue').ref).toBe(ORDERS_URL);
    expect(() => resolved.byLogicalId('Nope')).toThrow(
      "No resource with logical id 'Nope' in stack 'TestStack'",
    );
    expect(() => resolved.byLogicalId('QueueX')).toThrow(
      "No resource with logical id 'QueueX' in stack 'TestStack'. Logical ids starting like it: Queue",
    );
  });

  test('ofType lists resources of a type in template order', () => {
    expect(resolved.ofType('AWS::SQS::Queue').map((r) => r.logicalId)).toEqual(['Queue', 'Dlq']);
    expect(resolved.ofType('AWS::SNS::Topic')).toEqual([]);
  });

  test('byPath matches a whole trailing path segment, or the whole path', () => {
    expect(resolved.byPath('Queue/Resource').logicalId).toBe('Queue');
    expect(resolved.byPath('TestStack/Orders/Dlq/Resource').logicalId).toBe('Dlq');
    expect(resolved.byPath('Logs/Resource').cdkPath).toBe('TestStack/Logs/Resource');
  });

  test('byPath throws listing the candidates when none or several match', () => {
    expect(() => resolved.byPath('Resource')).toThrow(
      "Construct path suffix 'Resource' matches 3 resources in stack 'TestStack'; give a longer suffix:\n" +
        '  TestStack/Orders/Queue/Resource (Queue, AWS::SQS::Queue)\n' +
        '  TestStack/Orders/Dlq/Resource (Dlq, AWS::SQS::Queue)\n' +
        '  TestStack/Logs/Resource (Logs, AWS::Logs::LogGroup)',
    );
    expect(() => resolved.byPath('Orders/Topic/Resource')).toThrow(
      "No resource whose construct path ends with '/Orders/Topic/Resource' in stack 'TestStack'. Candidates:\n" +
        '  TestStack/Orders/Queue/Resource (Queue, AWS::SQS::Queue)\n' +
        '  TestStack/Orders/Dlq/Resource (Dlq, AWS::SQS::Queue)',
    );
    // 'eue/Resource' is the end of a path, but not a whole segment.
    expect(() => resolved.byPath('eue/Resource')).toThrow('No resource whose construct path ends with');
  });

  test('findByArnOrRef maps a URL, an ARN (a log group one with or without :*) or a name back', () => {
    expect(resolved.findByArnOrRef(ORDERS_URL)?.logicalId).toBe('Queue');
    expect(resolved.findByArnOrRef(ORDERS_ARN)?.logicalId).toBe('Queue');
    expect(resolved.findByArnOrRef('arn:aws:logs:eu-west-1:111111111111:log-group:app')?.logicalId).toBe(
      'Logs',
    );
    expect(resolved.findByArnOrRef('arn:aws:logs:eu-west-1:111111111111:log-group:app:*')?.logicalId).toBe(
      'Logs',
    );
    // The bucket policy's Ref is the bucket name as well: the bucket wins.
    expect(resolved.findByArnOrRef('my-bucket')?.logicalId).toBe('Bucket');
    expect(resolved.findByArnOrRef('arn:aws:sqs:eu-west-1:111111111111:nope')).toBeUndefined();
  });
});

describe('containsUnresolved', () => {
  test('finds a marker in nested values and keys, and nothing in clean values', () => {
    expect(UNRESOLVED).toBe('UNRESOLVED');
    expect(containsUnresolved({ a: [{ b: 'x/UNRESOLVED(Db.Endpoint.Address)' }] })).toBe(true);
    expect(containsUnresolved({ 'UNRESOLVED(Key)': 1 })).toBe(true);
    expect(containsUnresolved({ a: ['UNRESOLVED without parenthesis', 1, true, null] })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// The real app: every demo stack, both profiles
// ---------------------------------------------------------------------------------------------------

/** Ref, Fn::… keys left in a value: there must be none after resolution. */
function remainingIntrinsics(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => remainingIntrinsics(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(k === 'Ref' || k.startsWith('Fn::') ? [`${path}.${k}`] : []),
    ...remainingIntrinsics(v, `${path}.${k}`),
  ]);
}

/** Every policy document a resource carries (identity, resource and key policies), with where it is. */
function policiesOf(resource: ResolvedResource): { where: string; policy: unknown }[] {
  const p = resource.properties;
  const at = (name: string, policy: unknown) => ({ where: `${resource.logicalId}.${name}`, policy });
  switch (resource.type) {
    case 'AWS::IAM::Role':
      return [
        at('AssumeRolePolicyDocument', p.AssumeRolePolicyDocument),
        ...(p.Policies ?? []).map((inline: { PolicyDocument: unknown }, i: number) =>
          at(`Policies[${i}]`, inline.PolicyDocument),
        ),
        ...(p.ManagedPolicyArns ? [at('ManagedPolicyArns', p.ManagedPolicyArns)] : []),
      ];
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
    case 'AWS::SNS::TopicPolicy':
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::S3::BucketPolicy':
      return [at('PolicyDocument', p.PolicyDocument)];
    case 'AWS::KMS::Key':
      return [at('KeyPolicy', p.KeyPolicy)];
    case 'AWS::SecretsManager::ResourcePolicy':
      return [at('ResourcePolicy', p.ResourcePolicy)];
    case 'AWS::Lambda::Permission':
      return [at('(permission)', p)]; // a Lambda permission is one resource-policy statement
    default:
      return [];
  }
}

/** True when the resource's Ref is another resource's identity (a bucket policy returns the bucket name). */
function isAlias(resource: ResolvedResource, resolved: ResolvedTemplate): boolean {
  const owner = resolved.findByArnOrRef(resource.ref);
  return owner !== undefined && owner !== resource;
}

describe.each(PROFILES)('the %s app', (profile) => {
  // Every demo stack, with construct paths as `cdk synth` writes them, synthesized once per jest run. A
  // stack pinned to a Region (the static site, in us-east-1) writes it out: resolve it there.
  const stacks = synthesizeApp(profile).map(({ stackId, region, template: t }) => ({
    stackName: stackId,
    resolved: resolveTemplate(t, { ...testEnvironment(stackId), ...(region ? { region } : {}) }),
  }));
  const byName = (name: string) => stacks.find((s) => s.stackName === name)!.resolved;

  test('has the eight demo stacks', () => {
    expect(stacks.map((s) => s.stackName).sort()).toEqual([
      'RefArch-CognitoApi',
      'RefArch-KinesisPipeline',
      'RefArch-MultiAzDatabase',
      'RefArch-QueueWorkers',
      'RefArch-S3EventPipeline',
      'RefArch-SnsSqsFanout',
      'RefArch-StaticSite',
      'RefArch-ThreeTierWebApp',
    ]);
  });

  test.each(stacks.map((s) => [s.stackName, s.resolved] as const))(
    '%s: every resource type has a Ref/GetAtt rule (only CDK metadata and custom resources do not)',
    (_, resolved) => {
      const missing = [...new Set(resolved.resources.map((r) => r.type))].filter(
        (type) =>
          !knownResourceTypes().includes(type) &&
          type !== 'AWS::CDK::Metadata' &&
          !type.startsWith('Custom::'),
      );
      expect(missing).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackName, s.resolved] as const))(
    '%s: every policy document resolves to concrete values',
    (_, resolved) => {
      const policies = resolved.resources.flatMap(policiesOf);
      expect(policies.length).toBeGreaterThan(0);
      const problems = policies.flatMap(({ where, policy }) => [
        ...(policy === undefined ? [`${where}: missing`] : []),
        ...(containsUnresolved(policy) ? [`${where}: ${JSON.stringify(policy)}`] : []),
        ...remainingIntrinsics(policy).map((key) => `${where}${key}`),
      ]);
      expect(problems).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackName, s.resolved] as const))(
    '%s: no property of any resource keeps an intrinsic or an unresolved marker',
    (_, resolved) => {
      const problems = resolved.resources.flatMap((r) => [
        ...remainingIntrinsics(r.properties).map((key) => `${r.logicalId}${key}`),
        ...(containsUnresolved(r.properties)
          ? [`${r.logicalId}: ${JSON.stringify(r.properties).slice(0, 300)}`]
          : []),
      ]);
      expect(problems).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackName, s.resolved] as const))(
    '%s: the reverse lookup finds every resource again from its Ref and from its ARN',
    (_, resolved) => {
      const lost = resolved.resources
        .filter((r) => !containsUnresolved(r.ref)) // CDK metadata and custom resources
        .flatMap((r) => [
          ...(resolved.findByArnOrRef(r.ref) === r || isAlias(r, resolved)
            ? []
            : [`${r.logicalId} by Ref ${r.ref}`]),
          ...(r.arn === undefined || resolved.findByArnOrRef(r.arn) === r
            ? []
            : [`${r.logicalId} by ARN ${r.arn}`]),
        ]);
      expect(lost).toEqual([]);
    },
  );

  test('SNS to SQS fan-out: each queue policy names its queue and only lets the topic send', () => {
    const fanout = byName('RefArch-SnsSqsFanout');
    const topic = fanout.byPath('OrderEvents/Resource/Resource');
    expect(topic.ref).toMatch(/^arn:aws:sns:eu-west-1:111111111111:RefArch-SnsSqsFanout-OrderEvents/);
    const queue = fanout.byPath('Billing/Queue/Resource');
    const policy = fanout
      .ofType('AWS::SQS::QueuePolicy')
      .find((p) => p.properties.Queues.includes(queue.ref));
    expect(policy).toBeDefined();
    const statements = policy!.properties.PolicyDocument.Statement;
    expect(statements.every((s: { Resource: string }) => s.Resource === queue.arn)).toBe(true);
    const allow = statements.find((s: { Effect: string; Action: string }) => s.Effect === 'Allow');
    expect(allow).toMatchObject({
      Action: 'sqs:SendMessage',
      Principal: { Service: 'sns.amazonaws.com' },
      Condition: { ArnEquals: { 'aws:SourceArn': topic.arn } },
    });
    // Reverse lookup from the values a policy holds back to the resources.
    expect(fanout.findByArnOrRef(allow.Resource)?.logicalId).toBe(queue.logicalId);
    expect(fanout.findByArnOrRef(allow.Condition.ArnEquals['aws:SourceArn'])?.logicalId).toBe(
      topic.logicalId,
    );
  });

  test('Cognito API: the Lambda permissions name the REST API, its stage and the handler ARN', () => {
    const api = byName('RefArch-CognitoApi');
    const restApi = api.ofType('AWS::ApiGateway::RestApi')[0];
    const stage = api.ofType('AWS::ApiGateway::Stage')[0];
    const handler = api.findByArnOrRef(api.ofType('AWS::Lambda::Permission')[0].properties.FunctionName);
    expect(handler?.type).toBe('AWS::Lambda::Function');
    const sourceArns = api.ofType('AWS::Lambda::Permission').map((p) => p.properties.SourceArn);
    expect(sourceArns).toContain(
      `arn:aws:execute-api:eu-west-1:111111111111:${restApi.ref}/${stage.ref}/GET/notes`,
    );
  });

  test('three-tier web app: the ALB log bucket trusts the eu-west-1 ELB account (Fn::If over Fn::FindInMap)', () => {
    const web = byName('RefArch-ThreeTierWebApp');
    const logDelivery = Object.entries(web.conditions).filter(([name]) =>
      name.startsWith('WebAppLoadBalancerLogDeliveryByAccount'),
    );
    expect(logDelivery).toEqual([[expect.any(String), true]]);
    const principals = web
      .ofType('AWS::S3::BucketPolicy')
      .flatMap((p) => p.properties.PolicyDocument.Statement.map((s: { Principal: unknown }) => s.Principal));
    expect(principals).toContainEqual({ AWS: 'arn:aws:iam::156460612806:root' });
  });
});
