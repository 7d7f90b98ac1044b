import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  CognitoProtectedApi,
  CognitoProtectedApiProps,
  originsOf,
} from '../../lib/cognito-api/cognito-protected-api';
import { acknowledge } from '../../lib/core/acknowledge';
import { PropValidationError } from '../../lib/core/errors';
import { SecureBucket } from '../../lib/core/secure-bucket';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';

const REQUIRED: CognitoProtectedApiProps = {
  domainPrefix: 'my-notes-app',
  callbackUrls: ['https://app.example.com/callback'],
};

function build(props: Partial<CognitoProtectedApiProps> = {}): { stack: Stack; api: CognitoProtectedApi } {
  const stack = new Stack(testApp(), 'Test');
  const api = new CognitoProtectedApi(stack, 'Api', { ...REQUIRED, ...props });
  return { stack, api };
}

describe('defaults (only domainPrefix and callbackUrls given)', () => {
  let stack: Stack;
  let t: Template;
  beforeAll(() => {
    stack = build().stack;
    t = Template.fromStack(stack);
  });

  test('user pool: MFA required, Plus with full threat protection, deletion protection, retained, no self sign-up', () => {
    const [pool] = Object.values(t.findResources('AWS::Cognito::UserPool'));
    expect(pool.Properties).toMatchObject({
      MfaConfiguration: 'ON',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  test('WAF on, no identity pool, throttling 50/100, reserved concurrency 10, CORS from the callback origin', () => {
    t.resourceCountIs('AWS::WAFv2::WebACL', 1);
    t.resourceCountIs('AWS::Cognito::IdentityPool', 0);
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })],
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 10,
      MemorySize: 256,
      Timeout: 10,
      Environment: {
        Variables: { ALLOWED_ORIGINS: 'https://app.example.com', TABLE_NAME: Match.anyValue() },
      },
    });
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      LogoutURLs: ['https://app.example.com/callback'],
    });
    t.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Quota: { Limit: 10000, Period: 'DAY' } });
  });

  test('table, keys and log groups are retained; table deletion protection on', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      for (const r of Object.values(t.findResources(type)))
        expect([type, r.DeletionPolicy]).toEqual([type, 'Retain']);
    }
    t.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  test('all six nag packs are clean with the secure defaults (no acknowledgment of MFA, plan or WAF needed)', () =>
    expectNagClean(stack));
});

test('identity pool with guests: allowed only when asked, and nag-clean with the acknowledgment', () => {
  const { stack, api } = build({ createIdentityPool: true, allowGuests: true, enableWaf: false });
  expect(api.identityPool).toBeDefined();
  Template.fromStack(stack).hasResourceProperties('AWS::Cognito::IdentityPool', {
    AllowUnauthenticatedIdentities: true,
  });
  expectNagClean(stack);
});

test('custom routes and scopes: each method requires the scope it names', () => {
  const { stack, api } = build({
    enableWaf: false,
    resourceServerIdentifier: 'https://api.example.com',
    scopes: [
      { name: 'read', description: 'Read' },
      { name: 'write', description: 'Write' },
      { name: 'admin', description: 'Administer' },
    ],
    routes: [
      { path: '/items', method: 'get' },
      { path: '/items/{id}', method: 'PUT', requestSchema: { type: apigateway.JsonSchemaType.OBJECT } },
      { path: '/items/{id}', method: 'DELETE', scope: 'admin' },
    ],
  });
  expect(api.scopeNames).toEqual({
    read: 'https://api.example.com/read',
    write: 'https://api.example.com/write',
    admin: 'https://api.example.com/admin',
  });
  const methods = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::Method'))
    .filter((m) => m.Properties.HttpMethod !== 'OPTIONS')
    .map((m) => [m.Properties.HttpMethod, m.Properties.AuthorizationScopes]);
  expect(methods).toEqual([
    ['GET', ['https://api.example.com/read']],
    ['PUT', ['https://api.example.com/write']],
    ['DELETE', ['https://api.example.com/admin']],
  ]);
});

describe("gateway responses: API Gateway's own errors are readable by the SPA", () => {
  const cors = {
    'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
    'gatewayresponse.header.Vary': "'Origin'",
  };

  test('a body the model rejects says which rule it broke, with the CORS header', () => {
    const t = Template.fromStack(build({ enableWaf: false }).stack);
    t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseParameters: cors,
      ResponseTemplates: {
        'application/json': '{"message":"Invalid request body: $context.error.validationErrorString"}',
      },
    });
  });

  test('every other 4XX (401 no token, 403 missing scope, 429 throttled) and 5XX carries the CORS header', () => {
    const t = Template.fromStack(build({ enableWaf: false }).stack);
    const responses = Object.values(t.findResources('AWS::ApiGateway::GatewayResponse')).map(
      (r) => r.Properties,
    );
    expect(responses.map((r) => r.ResponseType).sort()).toEqual([
      'BAD_REQUEST_BODY',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ]);
    for (const r of responses) expect(r.ResponseParameters).toEqual(cors);
    // UNAUTHORIZED, ACCESS_DENIED and THROTTLED are not overridden, so DEFAULT_4XX applies to them.
    for (const r of responses.filter((x) => x.ResponseType !== 'BAD_REQUEST_BODY')) {
      expect(r.ResponseTemplates).toBeUndefined();
      expect(r.StatusCode).toBeUndefined();
    }
  });

  test('the header names the same origin as the preflight: the first allowed origin', () => {
    const { stack } = build({
      enableWaf: false,
      allowedOrigins: ['https://one.example.com', 'https://two.example.com'],
    });
    const t = Template.fromStack(stack);
    for (const r of Object.values(t.findResources('AWS::ApiGateway::GatewayResponse'))) {
      expect(r.Properties.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin']).toBe(
        "'https://one.example.com'",
      );
    }
  });

  test('the stage deployment depends on them (a gateway response only takes effect once deployed)', () => {
    const t = Template.fromStack(build({ enableWaf: false }).stack);
    const [deployment] = Object.values(t.findResources('AWS::ApiGateway::Deployment'));
    const responseIds = Object.keys(t.findResources('AWS::ApiGateway::GatewayResponse'));
    expect(deployment.DependsOn).toEqual(expect.arrayContaining(responseIds));
  });
});

test("README identity-pool example: S3 access under the caller's own identity id only, nag-clean", () => {
  const { stack, api } = build({ createIdentityPool: true, enableWaf: false });
  const uploads = new SecureBucket(stack, 'Uploads', {
    whyNoReplication: 'Uploads are user scratch files that can be uploaded again.',
  });
  // An IAM policy variable in a plain string: IAM, not TypeScript, fills it in.
  const own = 'private/${cognito-identity.amazonaws.com:sub}/*';
  const role = api.identityPool!.authenticatedRole;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [uploads.bucket.arnForObjects(own)],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [uploads.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [own] } },
    }),
  );
  uploads.encryptionKey.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
  const policy = role.node.findChild('DefaultPolicy');
  const bucketId = stack.getLogicalId(uploads.bucket.node.defaultChild as s3.CfnBucket);
  acknowledge(policy, {
    id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/private/<cognito-identity.amazonaws.com:sub>/*]`,
    reason: "The wildcard is below the caller's own prefix: IAM substitutes the identity id per request.",
  });
  for (const pack of ['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
    acknowledge(policy, {
      id: `${pack}-IAMNoInlinePolicy`,
      reason:
        'One statement set for this one role, deleted with it: the one-to-one case for inline policies.',
    });
  }
  const statements = JSON.stringify(
    Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(policy.node.defaultChild as never)]
      .Properties.PolicyDocument.Statement,
  );
  expect(statements).toContain('/private/${cognito-identity.amazonaws.com:sub}/*');
  expect(statements).toContain('"s3:prefix":["private/${cognito-identity.amazonaws.com:sub}/*"]');
  expectNagClean(stack);
});

test('reserveConcurrency: false reserves nothing, acknowledges the concurrency findings, and stays nag-clean', () => {
  const { stack, api } = build({ reserveConcurrency: false, enableWaf: false });
  const t = Template.fromStack(stack);
  const fn = t.toJSON().Resources[stack.getLogicalId(api.handler.node.defaultChild as never)];
  expect(fn.Type).toBe('AWS::Lambda::Function');
  expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  t.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: 'Throttles',
    AlarmDescription: Match.stringLikeRegexp('account concurrency is used up'),
  });
  expectNagClean(stack);
});

test('originsOf keeps scheme, host and port, once each', () => {
  expect(originsOf(['https://a.example/cb', 'https://a.example/other', 'http://localhost:3000/cb'])).toEqual([
    'https://a.example',
    'http://localhost:3000',
  ]);
});

test('backupPlan: on by default with the default RETAIN, off with DESTROY unless asked for', () => {
  const count = (props: Partial<CognitoProtectedApiProps>) =>
    Template.fromStack(build(props).stack).toJSON().Resources as Record<string, { Type: string }>;
  const plans = (props: Partial<CognitoProtectedApiProps>) =>
    Object.values(count(props)).filter((r) => r.Type === 'AWS::Backup::BackupPlan').length;
  expect(plans({})).toBe(1);
  expect(plans({ removalPolicy: RemovalPolicy.DESTROY })).toBe(0);
  expect(plans({ removalPolicy: RemovalPolicy.DESTROY, backupPlan: true })).toBe(1);
  expect(plans({ backupPlan: false })).toBe(0);
});

test('cloudWatchRole: false creates no role and no account setting; the stage still logs', () => {
  const { stack, api } = build({ cloudWatchRole: false });
  const t = Template.fromStack(stack);
  expect(api.cloudWatchRole).toBeUndefined();
  t.resourceCountIs('AWS::ApiGateway::Account', 0);
  expect(JSON.stringify(t.findResources('AWS::IAM::Role'))).not.toContain('apigateway.amazonaws.com');
  t.hasResourceProperties('AWS::ApiGateway::Stage', {
    MethodSettings: [Match.objectLike({ LoggingLevel: 'INFO' })],
  });
});

describe('validation', () => {
  const invalid = (props: Partial<CognitoProtectedApiProps>) => () => build(props);

  test.each([
    ['uppercase', 'My-Notes', /invalid domainPrefix: must be 1-63 lowercase letters.*received 'My-Notes'/],
    ['trailing hyphen', 'notes-', /invalid domainPrefix: must be 1-63 lowercase letters/],
    ['too long', 'a'.repeat(64), /invalid domainPrefix/],
    ['reserved word', 'my-cognito-notes', /contains the reserved word 'cognito'/],
    ['reserved word aws', 'awsnotes', /contains the reserved word 'aws'/],
  ])('domain prefix: %s', (_, domainPrefix, message) => {
    expect(invalid({ domainPrefix })).toThrow(PropValidationError);
    expect(invalid({ domainPrefix })).toThrow(message);
  });

  test.each([
    [
      'http://app.example.com/callback',
      /callbackUrls\[0\]: 'http:\/\/app.example.com\/callback' must use https:\/\/, or http:\/\/localhost/,
    ],
    ['app.example.com/callback', /callbackUrls\[0\]: 'app.example.com\/callback' is not an absolute URL/],
    ['https://app.example.com/#frag', /must not contain a fragment/],
  ])('callback URL %s is rejected', (url, message) => {
    expect(invalid({ callbackUrls: [url] })).toThrow(message);
  });

  test('http://localhost and http://127.0.0.1 callbacks are accepted for local development', () => {
    expect(
      () =>
        new CognitoProtectedApi(new Stack(testApp(), 'T'), 'Api', {
          ...REQUIRED,
          callbackUrls: ['http://localhost:5173/cb', 'http://127.0.0.1/cb'],
          enableWaf: false,
        }),
    ).not.toThrow();
  });

  test('no callback URL, a plain-http logout URL, or a * origin', () => {
    expect(invalid({ callbackUrls: [] })).toThrow(/invalid callbackUrls: give at least one URL/);
    expect(invalid({ logoutUrls: ['http://example.com/'] })).toThrow(/invalid logoutUrls\[0\]/);
    expect(invalid({ allowedOrigins: ['*'] })).toThrow(
      /invalid allowedOrigins\[0\]: '\*' would let any website/,
    );
  });

  test('a method scope the resource server does not define', () => {
    expect(invalid({ routes: [{ path: '/notes', method: 'DELETE', scope: 'admin' }] })).toThrow(
      "CognitoProtectedApi: invalid routes[0].scope: DELETE /notes requires scope 'admin', which the resource server does not define (defined: read, write)",
    );
    // The default scope of a non-GET method is 'write': a server without it is caught too.
    expect(
      invalid({ scopes: [{ name: 'read', description: 'r' }], routes: [{ path: '/notes', method: 'POST' }] }),
    ).toThrow(/POST \/notes requires scope 'write'/);
  });

  test('throttling burst below the rate', () => {
    expect(invalid({ throttlingRateLimit: 100, throttlingBurstLimit: 50 })).toThrow(
      'CognitoProtectedApi: invalid throttlingBurstLimit: must be at least throttlingRateLimit (100); received 50.',
    );
    expect(invalid({ throttlingRateLimit: 0 })).toThrow(/throttlingRateLimit: must be between 1 and 10000/);
    expect(invalid({ throttlingBurstLimit: 6000 })).toThrow(
      /throttlingBurstLimit: must be between 1 and 5000/,
    );
  });

  test('function limits: timeout within the 29 s integration timeout, memory, reserved concurrency', () => {
    expect(invalid({ timeout: Duration.seconds(30) })).toThrow(
      /invalid timeout: must be between 1 second and 29 seconds; received 30 seconds \(API Gateway REST integrations time out after 29 seconds/,
    );
    expect(invalid({ memorySize: 64 })).toThrow(/memorySize: must be between 128 and 10240 MiB/);
    expect(invalid({ reservedConcurrentExecutions: 0 })).toThrow(
      /reservedConcurrentExecutions: must be between 1 and 1000/,
    );
    expect(invalid({ reserveConcurrency: false, reservedConcurrentExecutions: 5 })).toThrow(
      /reservedConcurrentExecutions: is 5 but reserveConcurrency is false/,
    );
  });

  test('routes and scopes: unknown method, bad path, duplicates, bad scope name', () => {
    expect(invalid({ routes: [{ path: '/notes', method: 'OPTIONS' }] })).toThrow(
      /routes\[0\].method: must be one of GET, POST/,
    );
    expect(invalid({ routes: [{ path: 'notes', method: 'GET' }] })).toThrow(
      /routes\[0\].path: must start with '\/'/,
    );
    expect(
      invalid({
        routes: [
          { path: '/notes', method: 'GET' },
          { path: '/notes', method: 'get' },
        ],
      }),
    ).toThrow(/routes\[1\]: GET \/notes is defined twice/);
    expect(invalid({ routes: [] })).toThrow(/routes: give at least one route/);
    expect(invalid({ scopes: [] })).toThrow(/scopes: give at least one scope/);
    expect(invalid({ scopes: [{ name: 'a/b', description: 'x' }] })).toThrow(/scopes\[0\].name/);
  });

  test('guests without an identity pool', () => {
    expect(invalid({ allowGuests: true })).toThrow(/allowGuests: is true but createIdentityPool is not/);
  });
});

describe('email sender (issue 16)', () => {
  const pool = (t: Template) => Object.values(t.findResources('AWS::Cognito::UserPool'))[0].Properties;

  test("by default Cognito's built-in sender (about 50 emails a day) sends invitations and codes", () => {
    const cfg = pool(Template.fromStack(build().stack)).EmailConfiguration;
    expect(cfg?.EmailSendingAccount ?? 'COGNITO_DEFAULT').toBe('COGNITO_DEFAULT');
  });

  test('email: UserPoolEmail.withSES sends through an SES from-address (the SES quota, not 50 a day)', () => {
    const { stack } = build({
      email: cognito.UserPoolEmail.withSES({
        fromEmail: 'notes@example.com',
        sesRegion: 'eu-west-1',
        sesVerifiedDomain: 'example.com',
      }),
    });
    expect(pool(Template.fromStack(stack)).EmailConfiguration).toMatchObject({
      EmailSendingAccount: 'DEVELOPER',
      From: 'notes@example.com',
      SourceArn: expect.anything(),
    });
  });
});
