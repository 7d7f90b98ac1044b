/*
 * Unit tests of test/permissions/simulate.ts, and the experiments behind it: the tests under
 * "iam-simulate itself" call the simulator directly and pin the behaviours the wrapper works around,
 * so that an upgrade of @cloud-copilot/iam-simulate that changes one of them fails here first.
 */
import { anonymousPrincipal, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import {
  describeVerdict,
  ENCRYPTION_CONTEXT_STAND_IN,
  evaluatePath,
  requestContextOf,
  type NamedPolicy,
  type PathRequest,
  type PathVerdict,
} from './simulate';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';
const REGION = 'eu-west-1';

type Statement = Record<string, unknown>;
const doc = (...statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });
const policy = (name: string, ...statements: Statement[]): NamedPolicy => ({
  name,
  document: doc(...statements),
});

/** The decision and the deciding statements as 'policy/sid-or-#index/effect', for short assertions. */
const summary = (v: PathVerdict) => ({
  decision: v.decision,
  deciding: v.deciding.map((s) => `${s.policy}/${s.sid ?? `#${s.index}`}/${s.effect}`),
});

/** Runs the simulator directly with only a resource policy (and optional identity policies). */
async function raw(
  principal: Simulation['request']['principal'],
  action: string,
  resource: string,
  resourceStatements: Statement[] | undefined,
  contextVariables: Record<string, string | string[]>,
  extra: Partial<Simulation> = {},
) {
  const result = await runSimulation(
    {
      request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourceStatements && doc(...resourceStatements),
      ...extra,
    },
    {},
  );
  if (result.resultType !== 'single') throw new Error(`expected a single result: ${JSON.stringify(result)}`);
  return {
    decision: result.overallResult,
    ignored: result.result.ignoredContextKeys,
    analysis: result.result.analysis,
  };
}

// ---------------------------------------------------------------------------------------------------
// 1. A service principal publishing to an SNS topic (CloudWatch alarms).
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:Alarms`;
const TOPIC_POLICY = 'AWS::SNS::TopicPolicy AlarmsPolicy';
const denyNonTls = (action: string, resource: string | string[]): Statement => ({
  Sid: 'DenyNonTls',
  Effect: 'Deny',
  Principal: '*',
  Action: action,
  Resource: resource,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});
const allowAlarms: Statement = {
  Sid: 'AllowCloudWatchAlarms',
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: 'sns:Publish',
  Resource: TOPIC,
  Condition: {
    StringEquals: { 'aws:SourceAccount': ACCOUNT },
    ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:*` },
  },
};
const alarmPublish = (
  account: string,
  statements: Statement[],
  extra: Record<string, string> = {},
): PathRequest => ({
  caller: { kind: 'service', service: 'cloudwatch.amazonaws.com' },
  action: 'sns:Publish',
  resource: TOPIC,
  resourceAccount: ACCOUNT,
  context: {
    'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${account}:alarm:HighErrors`,
    'aws:SourceAccount': account,
    ...extra,
  },
  identityPolicies: [],
  resourcePolicy: policy(TOPIC_POLICY, ...statements),
});

describe('iam-simulate itself', () => {
  test('matches a service caller only when passed as the bare service principal', async () => {
    const ctx = {
      'aws:SecureTransport': 'true',
      'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:A`,
      'aws:SourceAccount': ACCOUNT,
    };
    const statements = [denyNonTls('sns:Publish', TOPIC), allowAlarms];
    expect((await raw('cloudwatch.amazonaws.com', 'sns:Publish', TOPIC, statements, ctx)).decision).toBe(
      'Allowed',
    );
    for (const form of ['cloudwatch', 'arn:aws:iam::cloudwatch.amazonaws.com', 'CloudWatch.amazonaws.com']) {
      expect((await raw(form, 'sns:Publish', TOPIC, statements, ctx)).decision).toBe('ImplicitlyDenied');
    }
  });

  test('fills in no caller-derived context key: a Deny on aws:PrincipalServiceName hits the exempted service', async () => {
    const queue = `arn:aws:sqs:${REGION}:${ACCOUNT}:Q`;
    const statements = [
      {
        Sid: 'AllowSns',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queue,
      },
      {
        Sid: 'DenyOthers',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:SendMessage',
        Resource: queue,
        Condition: { StringNotEquals: { 'aws:PrincipalServiceName': 'sns.amazonaws.com' } },
      },
    ];
    expect((await raw('sns.amazonaws.com', 'sqs:SendMessage', queue, statements, {})).decision).toBe(
      'ExplicitlyDenied',
    );
    const withKey = { 'aws:PrincipalServiceName': 'sns.amazonaws.com' };
    expect((await raw('sns.amazonaws.com', 'sqs:SendMessage', queue, statements, withKey)).decision).toBe(
      'Allowed',
    );
  });

  test('ignores every kms:EncryptionContext:<key> request key except the literal template key', async () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`;
    const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/app`;
    const allowLogs = (conditionKey: string): Statement[] => [
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: { ArnLike: { [conditionKey]: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*` } },
      },
    ];
    for (const ecKey of ['kms:EncryptionContext:aws:logs:arn', 'kms:EncryptionContext:awslogsarn']) {
      const result = await raw('logs.eu-west-1.amazonaws.com', 'kms:GenerateDataKey', key, allowLogs(ecKey), {
        [ecKey]: logGroup,
      });
      expect(result).toMatchObject({ decision: 'ImplicitlyDenied', ignored: [ecKey] });
    }
    const stand = ENCRYPTION_CONTEXT_STAND_IN;
    const result = await raw('logs.eu-west-1.amazonaws.com', 'kms:GenerateDataKey', key, allowLogs(stand), {
      [stand]: logGroup,
    });
    expect(result).toMatchObject({ decision: 'Allowed', ignored: [] });
  });

  test('S3 Block Public Access only matters for a public bucket policy', async () => {
    const object = 'arn:aws:s3:::site/index.html';
    const publicRead = [
      {
        Sid: 'Public',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::site/*',
      },
    ];
    const bpa = { additionalSettings: { s3: { blockPublicAccess: true } } };
    expect((await raw(anonymousPrincipal, 's3:GetObject', object, publicRead, {})).decision).toBe('Allowed');
    const blocked = await raw(anonymousPrincipal, 's3:GetObject', object, publicRead, {}, bpa);
    expect(blocked.decision).toBe('ExplicitlyDenied');
    expect(blocked.analysis.blockedBy).toEqual(['s3-bpa']);
  });

  test('answers a wildcard resource with the patterns it tried, and none when "*" is implicitly denied', async () => {
    const allowMetrics = {
      name: 'P',
      policy: doc({
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'App' } },
      }),
    };
    const run = (namespace: string) =>
      runSimulation(
        {
          request: {
            principal: `arn:aws:iam::${ACCOUNT}:role/R`,
            action: 'cloudwatch:PutMetricData',
            resource: { resource: '*', accountId: ACCOUNT },
            contextVariables: { 'cloudwatch:namespace': namespace },
          },
          identityPolicies: [allowMetrics],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
    expect(await run('App')).toMatchObject({
      resultType: 'wildcard',
      overallResult: 'Allowed',
      results: [{ resourcePattern: '*' }],
    });
    expect(await run('Other')).toMatchObject({
      resultType: 'wildcard',
      overallResult: 'ImplicitlyDenied',
      results: [],
    });
  });
});

describe('evaluatePath: a service principal and an SNS topic policy', () => {
  test('a topic policy holding only the TLS Deny refuses CloudWatch (no statement allows it)', async () => {
    const req = alarmPublish(ACCOUNT, [denyNonTls('sns:Publish', TOPIC)]);
    const v = await evaluatePath(req);
    expect(summary(v)).toEqual({ decision: 'ImplicitlyDenied', deciding: [] });
    expect(v.ignoredContextKeys).toEqual([]);
    expect(describeVerdict(req, v)).toContain('no statement allows it');
  });

  test('the Allow for cloudwatch.amazonaws.com of this account admits the alarm', async () => {
    const v = await evaluatePath(alarmPublish(ACCOUNT, [denyNonTls('sns:Publish', TOPIC), allowAlarms]));
    expect(summary(v)).toEqual({
      decision: 'Allowed',
      deciding: [`${TOPIC_POLICY}/AllowCloudWatchAlarms/Allow`],
    });
    expect(v.ignoredContextKeys).toEqual([]);
  });

  test('an alarm of another account is refused, and the failing conditions are named', async () => {
    const v = await evaluatePath(alarmPublish(OTHER, [denyNonTls('sns:Publish', TOPIC), allowAlarms]));
    expect(summary(v)).toEqual({ decision: 'ImplicitlyDenied', deciding: [] });
    const miss = v.notApplied.find((s) => s.sid === 'AllowCloudWatchAlarms');
    expect(miss?.why).toContain('aws:SourceArn');
    expect(miss?.why).toContain('aws:SourceAccount');
  });

  test('a request that says aws:SecureTransport false meets the Deny (the default true is not forced)', async () => {
    const v = await evaluatePath(
      alarmPublish(ACCOUNT, [denyNonTls('sns:Publish', TOPIC), allowAlarms], {
        'aws:SecureTransport': 'false',
      }),
    );
    expect(summary(v)).toEqual({
      decision: 'ExplicitlyDenied',
      deciding: [`${TOPIC_POLICY}/DenyNonTls/Deny`],
    });
  });

  test.each(['cloudwatch', 'arn:aws:iam::111111111111:role/cloudwatch.amazonaws.com'])(
    'rejects the malformed service caller %s',
    async (service) => {
      const req = { ...alarmPublish(ACCOUNT, [allowAlarms]), caller: { kind: 'service' as const, service } };
      await expect(evaluatePath(req)).rejects.toThrow(/not a service principal/);
    },
  );
});

// ---------------------------------------------------------------------------------------------------
// 2 and 3. KMS key policies.
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const KEY_POLICY = 'AWS::KMS::Key Key1234 KeyPolicy';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/AppRole`;
const rootStatement: Statement = {
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
};
const denyGrants: Statement = {
  Sid: 'DenyGrantsExceptForAwsServices',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};
const roleDecrypt = policy('AWS::IAM::Policy AppRolePolicy', {
  Sid: 'Decrypt',
  Effect: 'Allow',
  Action: 'kms:Decrypt',
  Resource: KEY,
});
const keyRequest = (over: Partial<PathRequest>): PathRequest => ({
  caller: { kind: 'role', arn: ROLE },
  action: 'kms:Decrypt',
  resource: KEY,
  resourceAccount: ACCOUNT,
  context: {},
  identityPolicies: [],
  resourcePolicy: policy(KEY_POLICY, rootStatement, denyGrants),
  ...over,
});

describe('evaluatePath: KMS key policies', () => {
  test('the root statement and an identity policy together admit a role', async () => {
    const v = await evaluatePath(keyRequest({ identityPolicies: [roleDecrypt] }));
    expect(summary(v)).toEqual({
      decision: 'Allowed',
      deciding: ['AWS::IAM::Policy AppRolePolicy/Decrypt/Allow', `${KEY_POLICY}/#1/Allow`],
    });
  });

  test('the root statement alone does not admit a role without an identity policy', async () => {
    const req = keyRequest({});
    const v = await evaluatePath(req);
    expect(summary(v)).toEqual({ decision: 'ImplicitlyDenied', deciding: [] });
    expect(v.notApplied).toEqual([
      expect.objectContaining({ policy: KEY_POLICY, index: 1, why: expect.stringMatching(/account only/) }),
    ]);
    expect(describeVerdict(req, v)).toMatch(
      /Allow statement #1 of AWS::KMS::Key Key1234 KeyPolicy: applies, but/,
    );
  });

  test('an identity policy alone does not admit a role when the key policy does not trust the account', async () => {
    const v = await evaluatePath(
      keyRequest({ identityPolicies: [roleDecrypt], resourcePolicy: policy(KEY_POLICY, denyGrants) }),
    );
    expect(summary(v)).toEqual({ decision: 'ImplicitlyDenied', deciding: [] });
  });

  test('a service principal allowed directly by the key policy is admitted', async () => {
    const allowService = {
      Sid: 'Allowsns',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
    };
    const v = await evaluatePath(
      keyRequest({
        caller: { kind: 'service', service: 'sns.amazonaws.com' },
        action: 'kms:GenerateDataKey',
        resourcePolicy: policy(KEY_POLICY, rootStatement, denyGrants, allowService),
      }),
    );
    expect(summary(v)).toEqual({ decision: 'Allowed', deciding: [`${KEY_POLICY}/Allowsns/Allow`] });
  });

  test('the CreateGrant Deny does not block Decrypt, but blocks a role creating a grant for itself', async () => {
    expect((await evaluatePath(keyRequest({ identityPolicies: [roleDecrypt] }))).decision).toBe('Allowed');
    const grantor = policy('AWS::IAM::Policy Grantor', {
      Sid: 'Grant',
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Resource: KEY,
    });
    const forItself = await evaluatePath(
      keyRequest({ action: 'kms:CreateGrant', identityPolicies: [grantor] }),
    );
    expect(summary(forItself)).toEqual({
      decision: 'ExplicitlyDenied',
      deciding: [`${KEY_POLICY}/DenyGrantsExceptForAwsServices/Deny`],
    });
    const forAws = await evaluatePath(
      keyRequest({
        action: 'kms:CreateGrant',
        identityPolicies: [grantor],
        context: { 'kms:GrantIsForAWSResource': 'true' },
      }),
    );
    expect(forAws.decision).toBe('Allowed');
  });

  test('the CreateGrant Deny spares a service caller (aws:PrincipalIsAWSService true by default)', async () => {
    const allowRds = {
      Sid: 'Rds',
      Effect: 'Allow',
      Principal: { Service: 'rds.amazonaws.com' },
      Action: 'kms:CreateGrant',
      Resource: '*',
    };
    const v = await evaluatePath(
      keyRequest({
        caller: { kind: 'service', service: 'rds.amazonaws.com' },
        action: 'kms:CreateGrant',
        resourcePolicy: policy(KEY_POLICY, rootStatement, denyGrants, allowRds),
      }),
    );
    expect(summary(v)).toEqual({ decision: 'Allowed', deciding: [`${KEY_POLICY}/Rds/Allow`] });
  });

  test('kms:CallerAccount is filled in for an IAM caller (CDK ViaServicePrincipal conditions)', async () => {
    const viaSecretsManager = {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`,
          'kms:CallerAccount': ACCOUNT,
        },
      },
    };
    const req = keyRequest({
      identityPolicies: [roleDecrypt],
      resourcePolicy: policy(KEY_POLICY, viaSecretsManager),
      context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
    });
    expect(requestContextOf(req).context['kms:CallerAccount']).toBe(ACCOUNT);
    expect((await evaluatePath(req)).decision).toBe('Allowed');
    expect(
      (await evaluatePath({ ...req, context: { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` } })).decision,
    ).toBe('ImplicitlyDenied');
  });
});

describe('evaluatePath: the kms:EncryptionContext fold', () => {
  const LOGS = `logs.${REGION}.amazonaws.com`;
  const EC = 'kms:EncryptionContext:aws:logs:arn';
  const allowLogs: Statement = {
    Sid: 'AllowCloudWatchLogs',
    Effect: 'Allow',
    Principal: { Service: LOGS },
    Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    Resource: '*',
    Condition: { ArnLike: { [EC]: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*` } },
  };
  const logsRequest = (account: string, over: Partial<PathRequest> = {}): PathRequest =>
    keyRequest({
      caller: { kind: 'service', service: LOGS },
      action: 'kms:GenerateDataKey',
      context: { [EC]: `arn:aws:logs:${REGION}:${account}:log-group:/app/errors` },
      resourcePolicy: policy(KEY_POLICY, rootStatement, denyGrants, allowLogs),
      ...over,
    });

  test('admits CloudWatch Logs for a log group of this account, with no key ignored', async () => {
    const v = await evaluatePath(logsRequest(ACCOUNT));
    expect(summary(v)).toEqual({
      decision: 'Allowed',
      deciding: [`${KEY_POLICY}/AllowCloudWatchLogs/Allow`],
    });
    expect(v.ignoredContextKeys).toEqual([]);
  });

  test('refuses a log group of another account, naming the original condition key', async () => {
    const req = logsRequest(OTHER);
    const v = await evaluatePath(req);
    expect(summary(v)).toEqual({ decision: 'ImplicitlyDenied', deciding: [] });
    expect(v.ignoredContextKeys).toEqual([]);
    expect(v.notApplied.find((s) => s.sid === 'AllowCloudWatchLogs')?.why).toContain(`ArnLike ${EC}`);
    expect(describeVerdict(req, v)).not.toContain('${EncryptionContextKey}');
  });

  test('refuses a request without encryption context', async () => {
    expect((await evaluatePath(logsRequest(ACCOUNT, { context: {} }))).decision).toBe('ImplicitlyDenied');
  });

  test('folds identity policies too, and a key without colons (the defect is not about colons)', async () => {
    const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf`;
    const scoped = policy('AWS::IAM::Policy Scoped', {
      Sid: 'DecryptThisSecret',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: KEY,
      Condition: { StringEquals: { 'kms:EncryptionContext:SecretARN': SECRET } },
    });
    const req = keyRequest({
      identityPolicies: [scoped],
      context: { 'kms:EncryptionContext:SecretARN': SECRET },
    });
    expect(summary(await evaluatePath(req))).toEqual({
      decision: 'Allowed',
      deciding: ['AWS::IAM::Policy Scoped/DecryptThisSecret/Allow', `${KEY_POLICY}/#1/Allow`],
    });
    const other = { 'kms:EncryptionContext:SecretARN': `${SECRET}x` };
    expect((await evaluatePath({ ...req, context: other })).decision).toBe('ImplicitlyDenied');
  });

  test('leaves the caller’s policy documents untouched', async () => {
    const req = logsRequest(ACCOUNT);
    const before = JSON.stringify(req.resourcePolicy);
    await evaluatePath(req);
    expect(JSON.stringify(req.resourcePolicy)).toBe(before);
    expect(before).toContain(EC);
  });

  test('still reports the key as ignored, by its own name, for an action without encryption context', async () => {
    const v = await evaluatePath(logsRequest(ACCOUNT, { action: 'kms:DescribeKey' }));
    expect(v.ignoredContextKeys).toEqual([EC]);
  });

  test('refuses two different encryption-context keys: one stand-in cannot hold both', async () => {
    const req = logsRequest(ACCOUNT);
    req.context['kms:EncryptionContext:aws:s3:arn'] = 'arn:aws:s3:::b';
    await expect(evaluatePath(req)).rejects.toThrow(/several encryption-context keys/);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Anonymous callers and a bucket policy.
describe('evaluatePath: an anonymous caller and an S3 bucket policy', () => {
  const BUCKET = 'arn:aws:s3:::access-logs';
  const BUCKET_POLICY = 'AWS::S3::BucketPolicy AccessLogsPolicy';
  const bucketPolicy = policy(BUCKET_POLICY, denyNonTls('s3:*', [BUCKET, `${BUCKET}/*`]), {
    Sid: 'AllowLogDelivery',
    Effect: 'Allow',
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `${BUCKET}/*`,
    Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
  });
  const anonymous = (action: string, context: Record<string, string> = {}): PathRequest => ({
    caller: { kind: 'anonymous' },
    action,
    resource: `${BUCKET}/AWSLogs/x.log`,
    resourceAccount: ACCOUNT,
    context,
    identityPolicies: [],
    resourcePolicy: bucketPolicy,
  });

  test.each(['s3:GetObject', 's3:PutObject'])(
    'refuses anonymous %s (implicitly, without Block Public Access)',
    async (action) => {
      expect(summary(await evaluatePath(anonymous(action)))).toEqual({
        decision: 'ImplicitlyDenied',
        deciding: [],
      });
    },
  );

  test('an anonymous request without TLS meets the Deny', async () => {
    const v = await evaluatePath(anonymous('s3:GetObject', { 'aws:SecureTransport': 'false' }));
    expect(summary(v)).toEqual({
      decision: 'ExplicitlyDenied',
      deciding: [`${BUCKET_POLICY}/DenyNonTls/Deny`],
    });
  });

  test('the log delivery service of this account is admitted', async () => {
    const v = await evaluatePath({
      ...anonymous('s3:PutObject', { 'aws:SourceAccount': ACCOUNT }),
      caller: { kind: 'service', service: 'logging.s3.amazonaws.com' },
    });
    expect(summary(v)).toEqual({
      decision: 'Allowed',
      deciding: [`${BUCKET_POLICY}/AllowLogDelivery/Allow`],
    });
  });

  test('a public bucket policy shows as public (Block Public Access is not modelled)', async () => {
    const pub = policy('P', {
      Sid: 'Public',
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `${BUCKET}/*`,
    });
    expect((await evaluatePath({ ...anonymous('s3:GetObject'), resourcePolicy: pub })).decision).toBe(
      'Allowed',
    );
  });

  test('rejects identity policies for an anonymous caller', async () => {
    await expect(
      evaluatePath({ ...anonymous('s3:GetObject'), identityPolicies: [roleDecrypt] }),
    ).rejects.toThrow(/anonymous caller has no identity policies/);
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. A Lambda permission, written as the policy statement the harness derives from AWS::Lambda::Permission.
describe('evaluatePath: a Lambda resource policy', () => {
  const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Api`;
  const PERMISSION = 'AWS::Lambda::Permission ApiInvoke';
  const permission = policy(PERMISSION, {
    Sid: 'ApiInvoke',
    Effect: 'Allow',
    Principal: { Service: 'apigateway.amazonaws.com' },
    Action: 'lambda:InvokeFunction',
    Resource: FUNCTION,
    Condition: {
      ArnLike: { 'AWS:SourceArn': `arn:aws:execute-api:${REGION}:${ACCOUNT}:abc123/*/*/*` },
      StringEquals: { 'AWS:SourceAccount': ACCOUNT },
    },
  });
  const invoke = (sourceArn: string | undefined, resource = FUNCTION): PathRequest => ({
    caller: { kind: 'service', service: 'apigateway.amazonaws.com' },
    action: 'lambda:InvokeFunction',
    resource,
    resourceAccount: ACCOUNT,
    context: sourceArn ? { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': ACCOUNT } : {},
    identityPolicies: [],
    resourcePolicy: permission,
  });

  test('admits the API named by the permission (condition keys match case-insensitively)', async () => {
    const v = await evaluatePath(invoke(`arn:aws:execute-api:${REGION}:${ACCOUNT}:abc123/prod/GET/items`));
    expect(summary(v)).toEqual({ decision: 'Allowed', deciding: [`${PERMISSION}/ApiInvoke/Allow`] });
  });

  test.each([
    ['another API', `arn:aws:execute-api:${REGION}:${ACCOUNT}:zzz999/prod/GET/items`],
    ['no source ARN', undefined],
  ])('refuses %s', async (_label, sourceArn) => {
    expect(summary(await evaluatePath(invoke(sourceArn)))).toEqual({
      decision: 'ImplicitlyDenied',
      deciding: [],
    });
  });

  test('a permission on the unqualified ARN does not cover an alias', async () => {
    const v = await evaluatePath(
      invoke(`arn:aws:execute-api:${REGION}:${ACCOUNT}:abc123/prod/GET/items`, `${FUNCTION}:live`),
    );
    expect(v.decision).toBe('ImplicitlyDenied');
    expect(v.notApplied[0].why).toMatch(/resource .* does not cover it/);
  });
});

// ---------------------------------------------------------------------------------------------------
// 6. An SQS queue policy for an SNS subscription, with a Deny for everybody else.
describe('evaluatePath: an SQS queue policy', () => {
  const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:Orders`;
  const QUEUE_POLICY = 'AWS::SQS::QueuePolicy OrdersPolicy';
  const SOURCE = `arn:aws:sns:${REGION}:${ACCOUNT}:OrderEvents`;
  const USER = `arn:aws:iam::${ACCOUNT}:user/someone-else`;
  const allowTopic: Statement = {
    Sid: 'AllowTopic',
    Effect: 'Allow',
    Principal: { Service: 'sns.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: QUEUE,
    Condition: { ArnEquals: { 'aws:SourceArn': SOURCE } },
  };
  const denies: Record<string, Statement> = {
    'StringNotEquals aws:PrincipalServiceName': {
      Sid: 'DenyOthers',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: QUEUE,
      Condition: { StringNotEquals: { 'aws:PrincipalServiceName': 'sns.amazonaws.com' } },
    },
    'ArnNotEquals aws:SourceArn': {
      Sid: 'DenyOthers',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: QUEUE,
      Condition: { ArnNotEquals: { 'aws:SourceArn': SOURCE } },
    },
  };
  const sns = (topic: string, deny: Statement): PathRequest => ({
    caller: { kind: 'service', service: 'sns.amazonaws.com' },
    action: 'sqs:SendMessage',
    resource: QUEUE,
    resourceAccount: ACCOUNT,
    context: { 'aws:SourceArn': topic, 'aws:SourceAccount': ACCOUNT },
    identityPolicies: [],
    resourcePolicy: policy(QUEUE_POLICY, allowTopic, deny),
  });
  const user = (statements: Statement[]): PathRequest => ({
    caller: { kind: 'account-principal', arn: USER },
    action: 'sqs:SendMessage',
    resource: QUEUE,
    resourceAccount: ACCOUNT,
    context: {},
    identityPolicies: [
      policy('AWS::IAM::Policy UserPolicy', {
        Sid: 'AllSqs',
        Effect: 'Allow',
        Action: 'sqs:*',
        Resource: '*',
      }),
    ],
    resourcePolicy: policy(QUEUE_POLICY, ...statements),
  });

  test.each(Object.keys(denies))('with a Deny on %s', async (name) => {
    const deny = denies[name];
    expect(summary(await evaluatePath(sns(SOURCE, deny)))).toEqual({
      decision: 'Allowed',
      deciding: [`${QUEUE_POLICY}/AllowTopic/Allow`],
    });
    // Another topic: the Allow does not apply; the Deny applies only when it tests the source.
    expect(summary(await evaluatePath(sns(`${SOURCE}-other`, deny)))).toEqual(
      name.includes('SourceArn')
        ? { decision: 'ExplicitlyDenied', deciding: [`${QUEUE_POLICY}/DenyOthers/Deny`] }
        : { decision: 'ImplicitlyDenied', deciding: [] },
    );
    // Another principal of the account, allowed sqs:* by its identity policy: the Deny holds.
    expect(summary(await evaluatePath(user([allowTopic, deny])))).toEqual({
      decision: 'ExplicitlyDenied',
      deciding: [`${QUEUE_POLICY}/DenyOthers/Deny`],
    });
  });

  test('without the Deny, the identity policy alone admits another principal of the account', async () => {
    expect(summary(await evaluatePath(user([allowTopic])))).toEqual({
      decision: 'Allowed',
      deciding: ['AWS::IAM::Policy UserPolicy/AllSqs/Allow'],
    });
  });

  test('fills the caller-derived keys only where the request does not name them', () => {
    expect(requestContextOf(sns(SOURCE, allowTopic))).toEqual({
      context: {
        'aws:SecureTransport': 'true',
        'aws:PrincipalIsAWSService': 'true',
        'aws:PrincipalServiceName': 'sns.amazonaws.com',
        'aws:SourceArn': SOURCE,
        'aws:SourceAccount': ACCOUNT,
      },
      defaulted: ['aws:SecureTransport', 'aws:PrincipalIsAWSService', 'aws:PrincipalServiceName'],
    });
    const own = { ...user([]), context: { 'AWS:PrincipalArn': 'arn:aws:iam::111111111111:role/Other' } };
    expect(requestContextOf(own).context).toEqual({
      'aws:SecureTransport': 'true',
      'aws:PrincipalAccount': ACCOUNT,
      'aws:PrincipalIsAWSService': 'false',
      'AWS:PrincipalArn': 'arn:aws:iam::111111111111:role/Other',
    });
    expect(requestContextOf({ ...own, caller: { kind: 'anonymous' }, context: {} }).context).toEqual({
      'aws:SecureTransport': 'true',
    });
  });

  test('a caller-supplied key wins over the default', async () => {
    const req = sns(SOURCE, denies['StringNotEquals aws:PrincipalServiceName']);
    req.context['aws:PrincipalServiceName'] = 'events.amazonaws.com';
    expect((await evaluatePath(req)).decision).toBe('ExplicitlyDenied');
  });
});

// ---------------------------------------------------------------------------------------------------
// 7. Actions without a resource ARN.
describe('evaluatePath: wildcard resources', () => {
  const METRICS = 'AWS::IAM::Policy MetricsPolicy';
  const metrics = (namespace: string, context: Record<string, string> = {}): PathRequest => ({
    caller: { kind: 'role', arn: ROLE },
    action: 'cloudwatch:PutMetricData',
    resource: '*',
    resourceAccount: ACCOUNT,
    context: { 'cloudwatch:namespace': namespace, ...context },
    identityPolicies: [
      policy(METRICS, {
        Sid: 'PutAppMetrics',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'App' } },
      }),
    ],
  });

  test('an action on "*" is allowed by a statement on "*"', async () => {
    expect(summary(await evaluatePath(metrics('App')))).toEqual({
      decision: 'Allowed',
      deciding: [`${METRICS}/PutAppMetrics/Allow`],
    });
  });

  test('an implicit denial of "*" comes back without results, and ignored keys are still found', async () => {
    expect(summary(await evaluatePath(metrics('Other')))).toEqual({
      decision: 'ImplicitlyDenied',
      deciding: [],
    });
    const v = await evaluatePath(metrics('Other', { 'sqs:Bogus': 'x' }));
    expect(v.ignoredContextKeys).toEqual(['sqs:Bogus']);
  });

  test('a grant on one queue does not prove an action on "*"', async () => {
    const req: PathRequest = {
      caller: { kind: 'role', arn: ROLE },
      action: 'sqs:SendMessage',
      resource: '*',
      resourceAccount: ACCOUNT,
      context: {},
      identityPolicies: [
        policy('Q', {
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:q1`,
        }),
      ],
    };
    expect((await evaluatePath(req)).decision).toBe('ImplicitlyDenied');
  });

  test('rejects a resource pattern other than "*"', async () => {
    await expect(
      evaluatePath({
        ...metrics('App'),
        action: 'sqs:SendMessage',
        resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:q*`,
      }),
    ).rejects.toThrow(/holds a wildcard/);
  });
});

// ---------------------------------------------------------------------------------------------------
// 8. Role callers and principals in resource policies.
describe('evaluatePath: a role caller against resource-policy principals', () => {
  const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf`;
  const SECRET_POLICY = 'AWS::SecretsManager::ResourcePolicy DbSecretPolicy';
  const read = (statement: Statement, over: Partial<PathRequest> = {}): PathRequest => ({
    caller: { kind: 'role', arn: ROLE },
    action: 'secretsmanager:GetSecretValue',
    resource: SECRET,
    resourceAccount: ACCOUNT,
    context: {},
    identityPolicies: [],
    resourcePolicy: policy(SECRET_POLICY, {
      Sid: 'Read',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      ...statement,
    }),
    ...over,
  });
  const readPolicy = policy('AWS::IAM::Policy ReadSecret', {
    Sid: 'Read',
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: SECRET,
  });

  test('Principal {AWS: <role arn>} admits the role without an identity policy', async () => {
    const v = await evaluatePath(read({ Principal: { AWS: ROLE } }));
    expect(summary(v)).toEqual({ decision: 'Allowed', deciding: [`${SECRET_POLICY}/Read/Allow`] });
    const other = { kind: 'account-principal' as const, arn: `arn:aws:iam::${ACCOUNT}:role/Other` };
    expect((await evaluatePath(read({ Principal: { AWS: ROLE } }, { caller: other }))).decision).toBe(
      'ImplicitlyDenied',
    );
  });

  test('Principal {AWS: <account root>} trusts the account: the role needs its identity policy', async () => {
    const root = { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } };
    expect((await evaluatePath(read(root))).decision).toBe('ImplicitlyDenied');
    expect(summary(await evaluatePath(read(root, { identityPolicies: [readPolicy] })))).toEqual({
      decision: 'Allowed',
      deciding: ['AWS::IAM::Policy ReadSecret/Read/Allow', `${SECRET_POLICY}/Read/Allow`],
    });
  });

  test('an aws:PrincipalArn condition works, from the default context', async () => {
    const byArn = { Principal: { AWS: '*' }, Condition: { ArnEquals: { 'aws:PrincipalArn': ROLE } } };
    expect((await evaluatePath(read(byArn))).decision).toBe('Allowed');
    const someoneElse = {
      kind: 'account-principal' as const,
      arn: `arn:aws:iam::${ACCOUNT}:user/someone-else`,
    };
    expect((await evaluatePath(read(byArn, { caller: someoneElse }))).decision).toBe('ImplicitlyDenied');
  });

  test('an identity Deny beats a resource Allow', async () => {
    const deny = policy('AWS::IAM::Policy NoSecrets', {
      Sid: 'NoSecrets',
      Effect: 'Deny',
      Action: 'secretsmanager:*',
      Resource: '*',
    });
    expect(
      summary(await evaluatePath(read({ Principal: { AWS: ROLE } }, { identityPolicies: [deny] }))),
    ).toEqual({
      decision: 'ExplicitlyDenied',
      deciding: ['AWS::IAM::Policy NoSecrets/NoSecrets/Deny'],
    });
  });
});

// ---------------------------------------------------------------------------------------------------
describe('evaluatePath: invalid input', () => {
  test('throws the simulator validation errors, message and JSON', async () => {
    const req = alarmPublish(ACCOUNT, [{ ...allowAlarms, Effect: 'Allowed' }]);
    await expect(evaluatePath(req)).rejects.toThrow(/policy\.errors[\s\S]*"path": "Statement\[0\]\.Effect"/);
  });

  test('throws on an unknown action', async () => {
    await expect(
      evaluatePath({ ...alarmPublish(ACCOUNT, [allowAlarms]), action: 'sns:Publsh' }),
    ).rejects.toThrow(/invalid\.action/);
  });

  test('throws on a list for a single-valued key (the simulator would keep its first element)', async () => {
    const req = alarmPublish(ACCOUNT, [allowAlarms]);
    req.context['aws:SourceArn'] = [
      `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:A`,
      'arn:aws:cloudwatch:x',
    ];
    await expect(evaluatePath(req)).rejects.toThrow(/aws:SourceArn is single-valued/);
  });

  test('throws on a role caller that is not a role ARN', async () => {
    await expect(
      evaluatePath(keyRequest({ caller: { kind: 'role', arn: `arn:aws:iam::${ACCOUNT}:user/u` } })),
    ).rejects.toThrow(/not an IAM role ARN/);
  });

  test('reports context keys that do not apply to the action', async () => {
    const v = await evaluatePath(
      alarmPublish(ACCOUNT, [allowAlarms], { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' }),
    );
    expect(v.ignoredContextKeys).toEqual(['kms:ViaService']);
    expect(describeVerdict(alarmPublish(ACCOUNT, [allowAlarms]), v)).toContain(
      'ignored (not applicable): kms:ViaService',
    );
  });
});

describe('describeVerdict', () => {
  test('names caller, action, resource, context, decision and deciding statements', async () => {
    const req = alarmPublish(ACCOUNT, [denyNonTls('sns:Publish', TOPIC), allowAlarms], {
      'aws:SecureTransport': 'false',
    });
    const text = describeVerdict(req, await evaluatePath(req));
    expect(text).toContain(`sns:Publish on ${TOPIC} (account ${ACCOUNT})`);
    expect(text).toContain('caller:   service principal cloudwatch.amazonaws.com');
    expect(text).toContain('aws:SecureTransport = false');
    expect(text).toContain('aws:PrincipalServiceName = cloudwatch.amazonaws.com  (default)');
    expect(text).toContain(
      `decision: ExplicitlyDenied, decided by:\n    Deny 'DenyNonTls' of ${TOPIC_POLICY}`,
    );
  });

  test('for an implicit denial, says no statement allows it and lists the policies consulted', async () => {
    const req = keyRequest({
      identityPolicies: [roleDecrypt],
      resourcePolicy: policy(KEY_POLICY, denyGrants),
    });
    const text = describeVerdict(req, await evaluatePath(req));
    expect(text).toContain('decision: ImplicitlyDenied: no statement allows it');
    expect(text).toContain(`resource policy: ${KEY_POLICY}`);
    expect(text).toContain('identity policies: AWS::IAM::Policy AppRolePolicy');
    expect(text).toMatch(/Allow 'Decrypt' of AWS::IAM::Policy AppRolePolicy: applies, but is not enough/);
  });
});
