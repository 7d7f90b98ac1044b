import { Match, Template } from 'aws-cdk-lib/assertions';
import { CognitoApiStack } from '../../lib/cognito-api/cognito-api-stack';
import { Profile } from '../../lib/core/profile';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

const stacks = {} as Record<Profile, CognitoApiStack>;
const templates = {} as Record<Profile, Template>;

beforeAll(() => {
  for (const profile of ['sandbox', 'production'] as const) {
    stacks[profile] = new CognitoApiStack(testApp({ profile }), 'RefArch-CognitoApi', { profile });
    templates[profile] = Template.fromStack(stacks[profile]);
  }
});

const resources = (t: Template, type: string) =>
  Object.entries(t.findResources(type)) as [string, Resource][];

test('is registered in the reference app as RefArch-CognitoApi', () => {
  const entry = PATTERN_STACKS.find((e) => e.stackId === 'RefArch-CognitoApi');
  expect(entry?.folder).toBe('cognito-api');
  expect(entry?.create(testApp(), 'RefArch-CognitoApi', 'sandbox')).toBeInstanceOf(CognitoApiStack);
  // A learner whose default prefix is taken passes their own: -c cognitoDomainPrefix=...
  const own = entry!.create(
    testApp({ cognitoDomainPrefix: 'my-own-notes' }),
    'RefArch-CognitoApi',
    'sandbox',
  );
  Template.fromStack(own).hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'my-own-notes' });
});

describe.each(['sandbox', 'production'] as const)('%s: every method is authorized', (profile) => {
  test('non-OPTIONS methods use the Cognito authorizer with the read scope on GET, write otherwise', () => {
    const t = templates[profile];
    const [authorizerId] = Object.keys(t.findResources('AWS::ApiGateway::Authorizer'));
    const methods = resources(t, 'AWS::ApiGateway::Method').filter(
      ([, m]) => m.Properties.HttpMethod !== 'OPTIONS',
    );
    expect(methods.map(([, m]) => m.Properties.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'GET', 'POST']);
    for (const [, m] of methods) {
      const scope = m.Properties.HttpMethod === 'GET' ? 'notes/read' : 'notes/write';
      expect(m.Properties).toMatchObject({
        AuthorizationType: 'COGNITO_USER_POOLS',
        AuthorizerId: { Ref: authorizerId },
        AuthorizationScopes: [scope],
      });
    }
  });

  test('OPTIONS (CORS preflight) methods carry no authorizer and no scopes', () => {
    const options = resources(templates[profile], 'AWS::ApiGateway::Method').filter(
      ([, m]) => m.Properties.HttpMethod === 'OPTIONS',
    );
    expect(options).toHaveLength(3);
    for (const [, m] of options) {
      expect(m.Properties.AuthorizationType).toBe('NONE');
      expect(m.Properties.AuthorizerId).toBeUndefined();
      expect(m.Properties.AuthorizationScopes).toBeUndefined();
    }
  });

  test('the authorizer reads the Authorization header and trusts this user pool', () => {
    const t = templates[profile];
    const [poolId] = Object.keys(t.findResources('AWS::Cognito::UserPool'));
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [poolId, 'Arn'] }],
    });
  });

  test("API Gateway's own errors carry the CORS header; a rejected body says which rule it broke", () => {
    const t = templates[profile];
    const responses = resources(t, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties);
    expect(responses.map((r) => r.ResponseType).sort()).toEqual([
      'BAD_REQUEST_BODY',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ]);
    for (const r of responses) {
      expect(r.ResponseParameters).toEqual({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'http://localhost:3000'",
        'gatewayresponse.header.Vary': "'Origin'",
      });
    }
    expect(JSON.stringify(responses.find((r) => r.ResponseType === 'BAD_REQUEST_BODY'))).toContain(
      '$context.error.validationErrorString',
    );
  });

  test('CORS preflight allows only the configured origin', () => {
    const options = resources(templates[profile], 'AWS::ApiGateway::Method').filter(
      ([, m]) => m.Properties.HttpMethod === 'OPTIONS',
    );
    for (const [, m] of options) {
      expect(JSON.stringify(m.Properties.Integration)).toContain(
        `"method.response.header.Access-Control-Allow-Origin":"'http://localhost:3000'"`,
      );
    }
  });
});

describe('Cognito', () => {
  test('user pool: admin-created users, email sign-in verified, strong passwords, TOTP only, email recovery', () => {
    templates.sandbox.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
  });

  test('sandbox: MFA optional, Essentials plan, no deletion protection, deleted with the stack', () => {
    const [[, pool]] = resources(templates.sandbox, 'AWS::Cognito::UserPool');
    expect(pool.Properties).toMatchObject({ MfaConfiguration: 'OPTIONAL', UserPoolTier: 'ESSENTIALS' });
    expect(pool.Properties.DeletionProtection).toBe('INACTIVE');
    expect(pool.DeletionPolicy).toBe('Delete');
  });

  test('production: MFA required, Plus plan with threat protection enforced, deletion protection, retained', () => {
    const [[, pool]] = resources(templates.production, 'AWS::Cognito::UserPool');
    expect(pool.Properties).toMatchObject({
      MfaConfiguration: 'ON',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  test('SPA client: no secret, code grant only, SRP (no USER_PASSWORD), resource-server scopes, localhost callback', () => {
    const [[, client]] = resources(templates.sandbox, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      CallbackURLs: ['http://localhost:3000/callback'],
      LogoutURLs: ['http://localhost:3000/'],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
    const scopes = JSON.stringify(client.Properties.AllowedOAuthScopes);
    expect(scopes).toContain('/read');
    expect(scopes).toContain('/write');
    expect(scopes).toContain('openid');
    expect(JSON.stringify(client.Properties)).not.toContain('USER_PASSWORD_AUTH');
  });

  test('resource server with read and write scopes; managed login (v2) domain with a branding style', () => {
    const t = templates.sandbox;
    t.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'notes',
      Scopes: [
        { ScopeName: 'read', ScopeDescription: Match.anyValue() },
        { ScopeName: 'write', ScopeDescription: Match.anyValue() },
      ],
    });
    t.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['refarch-notes-sandbox-', { Ref: 'AWS::AccountId' }]] },
      ManagedLoginVersion: 2,
    });
    t.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true });
  });

  test('identity pool: no guests, no classic flow; the signed-in role trusts only this pool and authenticated identities', () => {
    const t = templates.sandbox;
    const [[poolId]] = resources(t, 'AWS::Cognito::IdentityPool');
    t.hasResourceProperties('AWS::Cognito::IdentityPool', {
      AllowUnauthenticatedIdentities: false,
      AllowClassicFlow: false,
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Principal: { Federated: 'cognito-identity.amazonaws.com' },
            Condition: {
              StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: poolId } },
              'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
            },
          }),
        ],
      },
    });
    // Least privilege: the identity pool roles get no permissions until the caller grants some.
    const policies = resources(t, 'AWS::IAM::Policy').map(([, p]) => JSON.stringify(p.Properties.Roles));
    expect(policies.join()).not.toContain('IdentityPool');
  });
});

describe('REST API', () => {
  test('regional, JSON access logs to a KMS-encrypted log group, INFO execution logs without bodies, X-Ray, throttling', () => {
    const t = templates.sandbox;
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    const [[, stage]] = resources(t, 'AWS::ApiGateway::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: expect.anything(), Format: expect.any(String) },
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'INFO',
          DataTraceEnabled: false,
          MetricsEnabled: true,
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
        },
      ],
    });
    const format = JSON.parse((stage.Properties.AccessLogSetting as { Format: string }).Format);
    expect(format).toHaveProperty('requestId');
    // Every log group of the stack under the API's own key, not merely some key.
    const stack = stacks.sandbox;
    const logGroups = resources(t, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(0);
    for (const [, lg] of logGroups) {
      expect(lg.Properties.KmsKeyId).toEqual(stack.resolve(stack.notesApi.key.keyArn));
      expect(lg.Properties.RetentionInDays).toBe(365);
    }
  });

  test('production stage throttles at 100 rps / 200 burst', () => {
    templates.production.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 })],
    });
  });

  test('bodies and path parameters are validated; POST /notes has a JSON-schema model', () => {
    const t = templates.sandbox;
    const [[validatorId]] = resources(t, 'AWS::ApiGateway::RequestValidator');
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    const [[modelId, model]] = resources(t, 'AWS::ApiGateway::Model');
    expect(model.Properties).toMatchObject({
      ContentType: 'application/json',
      Schema: {
        type: 'object',
        required: ['title'],
        additionalProperties: false,
        properties: { title: { type: 'string', minLength: 1, maxLength: 200 } },
      },
    });
    const methods = resources(t, 'AWS::ApiGateway::Method').filter(
      ([, m]) => m.Properties.HttpMethod !== 'OPTIONS',
    );
    for (const [, m] of methods) expect(m.Properties.RequestValidatorId).toEqual({ Ref: validatorId });
    const post = methods.find(([, m]) => m.Properties.HttpMethod === 'POST')![1];
    expect(post.Properties.RequestModels).toEqual({ 'application/json': { Ref: modelId } });
    const withId = methods.filter(([, m]) =>
      JSON.stringify(m.Properties.RequestParameters ?? {}).includes('noteId'),
    );
    expect(withId).toHaveLength(2);
  });

  test('usage plan on the stage with the stage limits and a daily quota', () => {
    templates.sandbox.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 10, BurstLimit: 20 },
      Quota: { Limit: 10000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
    });
  });

  test('execution logging works on a fresh account: the account-level CloudWatch role is created and kept', () => {
    for (const t of [templates.sandbox, templates.production]) {
      const [[roleId, role]] = resources(t, 'AWS::IAM::Role').filter(([id]) => id.includes('CloudWatchRole'));
      expect(role.DeletionPolicy).toBe('Retain');
      t.hasResourceProperties('AWS::ApiGateway::Account', {
        CloudWatchRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      });
    }
  });

  test('invoke permissions name the API method and the account', () => {
    const perms = resources(templates.sandbox, 'AWS::Lambda::Permission');
    expect(perms).toHaveLength(4); // one per method; no test-invoke permissions
    for (const [, p] of perms) {
      expect(p.Properties).toMatchObject({
        Principal: 'apigateway.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: expect.anything(),
      });
    }
  });

  test('sandbox has no WAF; production puts a web ACL with AWS managed rules on the stage and logs it without tokens', () => {
    templates.sandbox.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const t = templates.production;
    const [[aclId, acl]] = resources(t, 'AWS::WAFv2::WebACL');
    expect(acl.Properties.Scope).toBe('REGIONAL');
    const rules = acl.Properties.Rules as { Name: string }[];
    expect(rules.map((r) => r.Name)).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'RatePerIp',
    ]);
    const [[stageId]] = resources(t, 'AWS::ApiGateway::Stage');
    const [[, association]] = resources(t, 'AWS::WAFv2::WebACLAssociation');
    expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(JSON.stringify(association.Properties.ResourceArn)).toContain(stageId);
    t.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      // aws-waf-logs-<construct path>-<stack id's UUID>: unique per deployment (lib/core/web-acl.ts).
      LogGroupName: { 'Fn::Join': ['-', [Match.stringLikeRegexp('^aws-waf-logs-'), Match.anyValue()]] },
    });
  });
});

describe('backend', () => {
  test('Node 24 function with explicit memory, timeout, X-Ray; production reserves 50, sandbox nothing', () => {
    for (const [profile, reserved] of [
      ['sandbox', Match.absent()],
      ['production', 50],
    ] as const) {
      templates[profile].hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        MemorySize: 256,
        Timeout: 10,
        TracingConfig: { Mode: 'Active' },
        ReservedConcurrentExecutions: reserved,
        Environment: {
          Variables: { TABLE_NAME: Match.anyValue(), ALLOWED_ORIGINS: 'http://localhost:3000' },
        },
      });
    }
    // Sandbox deploys in a new account whose Lambda concurrency quota is 10: no function of the stack
    // reserves concurrency (Lambda refuses a reservation that leaves less than its minimum unreserved).
    const reserving = resources(templates.sandbox, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Properties.ReservedConcurrentExecutions !== undefined,
    );
    expect(reserving).toEqual([]);
  });

  test('the missing reservation is acknowledged on the function in the sandbox only, with the reason', () => {
    const ids = ['NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency'];
    const acks = (profile: Profile) =>
      JSON.stringify(stacks[profile].notesApi.handler.node.metadata.map((m) => m.data));
    for (const id of ids) {
      expect(acks('sandbox')).toContain(id);
      expect(acks('production')).not.toContain(id);
    }
    expect(acks('sandbox')).toContain('concurrency quota is 10');
  });

  test('the handler may only get, put, delete and query items of its table (no Scan, no table admin)', () => {
    const t = templates.sandbox;
    const [[tableId]] = resources(t, 'AWS::DynamoDB::Table');
    const policy = resources(t, 'AWS::IAM::Policy').find(([id]) => id.includes('HandlerRole'))![1];
    const statements = (
      policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }
    ).Statement;
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      }),
    ]);
    expect(JSON.stringify(statements)).not.toContain('kms:ReEncrypt*');
  });

  test('table keyed by user then note, PITR, KMS; sandbox deletes it, production protects and keeps it', () => {
    const base = {
      KeySchema: [
        { AttributeName: 'userId', KeyType: 'HASH' },
        { AttributeName: 'noteId', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
    };
    const [[, sb]] = resources(templates.sandbox, 'AWS::DynamoDB::Table');
    expect(sb.Properties).toMatchObject({ ...base, DeletionProtectionEnabled: false });
    expect(sb.DeletionPolicy).toBe('Delete');
    const [[, prod]] = resources(templates.production, 'AWS::DynamoDB::Table');
    expect(prod.Properties).toMatchObject({ ...base, DeletionProtectionEnabled: true });
    expect(prod.DeletionPolicy).toBe('Retain');
  });
});

describe('alarms', () => {
  test('4XX/5XX rates, latency on the stage; errors and throttles on the function; all notify the alarm topic', () => {
    const t = templates.sandbox;
    const [[topicId]] = resources(t, 'AWS::SNS::Topic');
    const alarms = resources(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    // The 4XX alarm is metric math (errors / requests, given enough requests): its metrics are in Metrics.
    type Stat = { MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string }[] } } };
    const stats = (a: Record<string, unknown>) =>
      a.Metrics
        ? (a.Metrics as Stat[]).filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric)
        : [{ MetricName: a.MetricName as string, Dimensions: a.Dimensions as { Name: string }[] }];
    expect(alarms.map((a) => stats(a).map((m) => m.MetricName))).toEqual([
      ['5XXError'],
      ['4XXError', 'Count'],
      ['Latency'],
      ['Errors'],
      ['Throttles'],
    ]);
    for (const a of alarms.slice(0, 3)) {
      for (const m of stats(a)) expect(m.Dimensions.map((d) => d.Name).sort()).toEqual(['ApiName', 'Stage']);
    }
    for (const a of alarms.slice(3)) {
      expect((a.Dimensions as { Name: string }[]).map((d) => d.Name)).toEqual(['FunctionName']);
    }
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.OKActions).toEqual([{ Ref: topicId }]);
    }
  });
});

describe('account-level logging role', () => {
  type Statement = { Action: string | string[]; Resource: unknown };
  const logGroupArn = (name: string) => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':logs:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:log-group:${name}`,
      ],
    ],
  });

  test.each(['sandbox', 'production'] as const)(
    '%s: no AWS managed policy; creates and reads only REST API execution logs and the welcome group, writes any group',
    (profile) => {
      const t = templates[profile];
      const [[, role]] = resources(t, 'AWS::IAM::Role').filter(([id]) => id.includes('CloudWatchRole'));
      // AmazonAPIGatewayPushToCloudWatchLogs allows these actions on every log group of the account.
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
      expect(policies).toHaveLength(1);
      expect(policies[0].PolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: [
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:DescribeLogStreams',
            'logs:FilterLogEvents',
            'logs:GetLogEvents',
            'logs:PutLogEvents',
          ],
          // API Gateway checks the role by creating and writing /aws/apigateway/welcome: without it the
          // account setting fails to deploy.
          Resource: [logGroupArn('/aws/apigateway/welcome:*'), logGroupArn('API-Gateway-Execution-Logs_*')],
        },
        {
          // Access logs of any REST API of the account: add events, never create (the stack's access-log
          // group is encrypted, with retention) nor read; and DescribeLogGroups, metadata only, which
          // CloudWatch Logs authorizes on the whole log-group space. (The CDK merges the two statements.)
          Effect: 'Allow',
          Action: [
            'logs:CreateLogStream',
            'logs:DescribeLogGroups',
            'logs:DescribeLogStreams',
            'logs:PutLogEvents',
          ],
          Resource: logGroupArn('*'),
        },
      ]);
    },
  );

  test('the stage waits for the account setting that names the role (logging needs it)', () => {
    for (const t of [templates.sandbox, templates.production]) {
      const [[accountId]] = resources(t, 'AWS::ApiGateway::Account');
      const [[, stage]] = resources(t, 'AWS::ApiGateway::Stage') as [
        string,
        Resource & { DependsOn?: string[] },
      ][];
      expect(stage.DependsOn).toContain(accountId);
    }
  });

  test('the role keeps its construct path, so a stack deployed before keeps its role and account setting', () => {
    for (const profile of ['sandbox', 'production'] as const) {
      const api = stacks[profile].notesApi;
      expect(api.cloudWatchRole?.node.path).toBe('RefArch-CognitoApi/NotesApi/Api/CloudWatchRole');
      expect(api.api.node.tryFindChild('Account')).toBeDefined();
    }
  });
});

describe('backups', () => {
  test('production: an AWS Backup plan, daily and weekly, into a kept vault under a kept key of its own, selects the table', () => {
    const t = templates.production;
    const [[tableId]] = resources(t, 'AWS::DynamoDB::Table');
    // Not the table's key: losing that one key must not take the table and its recovery points together.
    const [[keyId, key]] = resources(t, 'AWS::KMS::Key').filter(([id]) => id.startsWith('NotesApiBackupKey'));
    expect(key.DeletionPolicy).toBe('Retain');
    const [[vaultId, vault]] = resources(t, 'AWS::Backup::BackupVault');
    expect(vault.Properties.EncryptionKeyArn).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(vault.DeletionPolicy).toBe('Retain');
    const [[planId, plan]] = resources(t, 'AWS::Backup::BackupPlan');
    const body = plan.Properties.BackupPlan as {
      BackupPlanName: string;
      BackupPlanRule: { RuleName: string; TargetBackupVault: unknown; Lifecycle: unknown }[];
    };
    expect(body.BackupPlanName).toMatch(/^RefArchCognitoApiNotesApi/);
    expect(body.BackupPlanRule.map((r) => [r.RuleName, r.Lifecycle])).toEqual([
      ['Daily', { DeleteAfterDays: 35 }],
      ['Weekly', { DeleteAfterDays: 90 }],
    ]);
    for (const r of body.BackupPlanRule) {
      expect(r.TargetBackupVault).toEqual({ 'Fn::GetAtt': [vaultId, 'BackupVaultName'] });
    }
    const [[, selection]] = resources(t, 'AWS::Backup::BackupSelection');
    expect(selection.Properties.BackupPlanId).toEqual({ 'Fn::GetAtt': [planId, 'BackupPlanId'] });
    expect((selection.Properties.BackupSelection as { Resources: unknown }).Resources).toEqual([
      { 'Fn::GetAtt': [tableId, 'Arn'] },
    ]);
    expect(stacks.production.notesApi.backupPlan).toBeDefined();
  });

  test('the vault name ends with part of the stack id, so a vault kept by a destroy never blocks the next deploy', () => {
    const [[, vault]] = resources(templates.production, 'AWS::Backup::BackupVault');
    expect(vault.Properties.BackupVaultName).toEqual({
      'Fn::Join': [
        '-',
        [
          expect.stringMatching(/^RefArchCognitoApiNotesApi[A-Za-z0-9]*$/),
          {
            'Fn::Select': [
              0,
              { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
            ],
          },
        ],
      ],
    });
    // Vault names are at most 50 characters: the prefix, a hyphen and 8 hex digits of the stack id.
    const prefix = (vault.Properties.BackupVaultName as { 'Fn::Join': [string, [string]] })['Fn::Join'][1][0];
    expect(prefix.length + 1 + 8).toBeLessThanOrEqual(50);
  });

  test('sandbox: no plan, vault or selection; only the sandbox acknowledges the missing plan on the table', () => {
    for (const type of [
      'AWS::Backup::BackupPlan',
      'AWS::Backup::BackupVault',
      'AWS::Backup::BackupSelection',
    ]) {
      templates.sandbox.resourceCountIs(type, 0);
    }
    expect(stacks.sandbox.notesApi.backupPlan).toBeUndefined();
    const acks = (profile: Profile) =>
      JSON.stringify(stacks[profile].notesApi.table.node.metadata.map((m) => m.data));
    for (const pack of ['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security']) {
      expect(acks('sandbox')).toContain(`${pack}-DynamoDBInBackupPlan`);
      expect(acks('production')).not.toContain(`${pack}-DynamoDBInBackupPlan`);
    }
    expect(acks('sandbox')).toContain('cannot delete a backup vault that holds recovery points');
  });
});

describe('sandbox profile', () => {
  test('nothing stateful is retained except the account-level API Gateway logging role', () => {
    const retained = Object.entries(templates.sandbox.toJSON().Resources as Record<string, Resource>)
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .map(([, r]) => r.Type);
    expect(retained.sort()).toEqual(['AWS::ApiGateway::Account', 'AWS::IAM::Role']);
  });

  test('all six nag packs are clean', () => expectNagClean(stacks.sandbox));

  test('snapshot', () => expect(templates.sandbox.toJSON()).toMatchSnapshot());
});

describe('production profile', () => {
  test('all six nag packs are clean', () => expectNagClean(stacks.production));

  test('snapshot', () => expect(templates.production.toJSON()).toMatchSnapshot());
});

describe('issue 16: WAF body rules, API name, 4XX alarm', () => {
  // The body rules of the Core Rule Set that block text a note may hold (`<script>`, `../`, a URL, a
  // body over 8 KB), counted instead of blocking: the API model is the size guard.
  const COUNTED_BODY_RULES = [
    'SizeRestrictions_BODY',
    'CrossSiteScripting_BODY',
    'GenericLFI_BODY',
    'GenericRFI_BODY',
    'EC2MetaDataSSRF_BODY',
  ];
  type Rule = {
    Name: string;
    Statement: {
      ManagedRuleGroupStatement?: {
        Name: string;
        RuleActionOverrides?: { Name: string; ActionToUse: Record<string, unknown> }[];
      };
    };
  };
  const rules = () => resources(templates.production, 'AWS::WAFv2::WebACL')[0][1].Properties.Rules as Rule[];

  test('the Core Rule Set counts (never blocks) its body rules, the size rule among them', () => {
    const crs = rules().find((r) => r.Name === 'AWSManagedRulesCommonRuleSet')!;
    const overrides = crs.Statement.ManagedRuleGroupStatement!.RuleActionOverrides ?? [];
    expect(overrides.map((o) => o.Name).sort()).toEqual([...COUNTED_BODY_RULES].sort());
    for (const o of overrides) expect(o.ActionToUse).toEqual({ Count: {} });
  });

  test('the largest valid note is larger than the 8 KB the size rule would block, so that rule must be COUNT', () => {
    const [[, model]] = resources(templates.production, 'AWS::ApiGateway::Model');
    const props = (model.Properties.Schema as { properties: Record<string, { maxLength: number }> })
      .properties;
    // Worst case: 4 UTF-8 bytes per character, plus the JSON around the two strings.
    const worst =
      Buffer.byteLength(JSON.stringify({ title: '', body: '' })) +
      4 * (props.title.maxLength + props.body.maxLength);
    expect(worst).toBeGreaterThan(8192);
    const crs = rules().find((r) => r.Name === 'AWSManagedRulesCommonRuleSet')!;
    const size = crs.Statement.ManagedRuleGroupStatement!.RuleActionOverrides?.find(
      (o) => o.Name === 'SizeRestrictions_BODY',
    );
    expect(size?.ActionToUse).toEqual({ Count: {} });
  });

  test('the REST API name is unique per stack, and the stage alarms read that name', () => {
    const app = testApp();
    const demo = new CognitoApiStack(app, 'RefArch-CognitoApi', { profile: 'sandbox' });
    const integ = new CognitoApiStack(app, 'RefArchInteg-CognitoApi', {
      profile: 'sandbox',
      domainPrefix: 'refarch-integ-notes',
    });
    const nameOf = (s: CognitoApiStack) =>
      resources(Template.fromStack(s), 'AWS::ApiGateway::RestApi')[0][1].Properties.Name as string;
    expect(nameOf(demo)).not.toEqual(nameOf(integ));
    expect(nameOf(demo)).toContain('RefArchCognitoApi');
    expect(nameOf(integ)).toContain('RefArchIntegCognitoApi');
    const apiNames = JSON.stringify(
      Object.values(Template.fromStack(demo).findResources('AWS::CloudWatch::Alarm')),
    ).match(/"ApiName","Value":"[^"]*"/g);
    expect(new Set(apiNames)).toEqual(new Set([`"ApiName","Value":"${nameOf(demo)}"`]));
  });

  test('the 4XX alarm needs a minimum number of requests: one 401 at low traffic does not fire it', () => {
    type Query = {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string }[] }; Stat: string };
    };
    const alarm = resources(templates.sandbox, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .find((a) => JSON.stringify(a.Metrics ?? a.MetricName).includes('4XXError'))!;
    const queries = alarm.Metrics as Query[];
    const byName = (name: string) => queries.find((q) => q.MetricStat?.Metric.MetricName === name)!;
    expect(byName('4XXError').MetricStat!.Stat).toBe('Sum');
    expect(byName('Count').MetricStat!.Stat).toBe('Sum');
    const expr = queries.find((q) => q.ReturnData !== false && q.Expression)!.Expression!;
    // Evaluate the alarm's expression as CloudWatch would, for a few traffic levels.
    const evaluate = (errors: number, requests: number): number =>
      new Function(byName('4XXError').Id, byName('Count').Id, 'IF', `return ${expr};`)(
        errors,
        requests,
        (c: boolean, a: number, b: number) => (c ? a : b),
      ) as number;
    const fires = (errors: number, requests: number) =>
      evaluate(errors, requests) > (alarm.Threshold as number);
    expect(fires(1, 1)).toBe(false); // one 401, nobody else
    expect(fires(5, 10)).toBe(false); // half of ten: still too few to judge
    expect(fires(20, 100)).toBe(true); // 20 %
    expect(fires(5, 100)).toBe(false); // 5 %
    expect(alarm.Threshold).toBe(0.1);
  });
});
