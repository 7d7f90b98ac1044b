// The browser upload path: UploadUrlRoute on the Cognito pattern's API, as the S3 event pipeline's demo
// stack builds it with `uploadApi` (-c s3UploadApi=true). The route is opt-in, so `npx cdk synth` and the
// app-wide permission proof do not see it: this file runs every gate and the permission-path proof on the
// stack with the route, in both profiles.
import { App, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CognitoProtectedApi } from '../../lib/cognito-api/cognito-protected-api';
import { Profile, PROFILES } from '../../lib/core/profile';
import { S3_UPLOAD_API_PERMISSIONS } from '../../lib/s3-events/permission-paths';
import { S3EventPipeline } from '../../lib/s3-events/s3-event-pipeline';
import { S3EventPipelineStack } from '../../lib/s3-events/s3-event-pipeline-stack';
import { FILE_NAME_PATTERN, MAX_FILE_NAME_LENGTH } from '../../lib/s3-events/upload-file-names';
import { UploadUrlRoute, UploadUrlRouteProps } from '../../lib/s3-events/upload-url-route';
import { addReferenceStacks, PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { provePattern } from '../permissions/prove';
import { cdkJsonContext, testApp } from '../support/app';
import { formatFindings, gateFindings } from '../support/compliance';

const STACK = 'RefArch-S3EventPipeline';
type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;

const stacks = {} as Record<Profile, S3EventPipelineStack>;
const templates = {} as Record<Profile, Template>;
beforeAll(() => {
  for (const profile of PROFILES) {
    stacks[profile] = new S3EventPipelineStack(testApp({ 'aws:cdk:enable-path-metadata': true }), STACK, {
      profile,
      uploadApi: true,
    });
    templates[profile] = Template.fromStack(stacks[profile]);
  }
});
const resources = (profile: Profile): Resources => templates[profile].toJSON().Resources as Resources;
const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as never);

describe('the route on the API', () => {
  test('POST /uploads needs a Cognito access token with the write scope and a valid body', () => {
    const stack = stacks.sandbox;
    const api = stack.uploadApi!;
    const t = templates.sandbox;
    const signerId = logicalId(stack, stack.uploadRoute!.signer as never);
    const posts = Object.fromEntries(
      Object.entries(
        t.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } }),
      ).filter(([, m]) => JSON.stringify(m.Properties.Integration?.Uri).includes(signerId)),
    );
    expect(Object.keys(posts)).toHaveLength(1);
    const method = Object.values(posts)[0].Properties;
    expect(method.AuthorizationType).toBe('COGNITO_USER_POOLS');
    expect(method.AuthorizerId).toEqual(stack.resolve(api.authorizer.authorizerId));
    expect(method.AuthorizationScopes).toEqual([stack.resolve(api.scopeNames.write)]);
    expect(method.RequestValidatorId).toBeDefined();
    expect(method.RequestModels['application/json']).toBeDefined();
    // On the /uploads resource of the API.
    templates.sandbox.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'uploads' });
    expect(method.ResourceId).toEqual(stack.resolve(stack.uploadRoute!.method.resource.resourceId));
  });

  test("the request model is the handler's own file-name rule and the pipeline's size limit", () => {
    const models = templates.sandbox.findResources('AWS::ApiGateway::Model', {
      Properties: { Schema: { required: ['fileName', 'size'] } },
    });
    expect(Object.keys(models)).toHaveLength(1);
    const schema = Object.values(models)[0].Properties.Schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.fileName).toEqual({
      type: 'string',
      maxLength: MAX_FILE_NAME_LENGTH,
      pattern: FILE_NAME_PATTERN,
    });
    expect(schema.properties.size).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: Size.mebibytes(10).toBytes(),
    });
  });

  test("the signer's code is its own bundle, not the processor's (two entries of one runtime folder)", () => {
    const stack = stacks.sandbox;
    const key = (fn: unknown) =>
      (resources('sandbox')[logicalId(stack, fn as never)].Properties?.Code as { S3Key: string }).S3Key;
    expect(key(stack.uploadRoute!.signer)).not.toBe(key(stack.pipeline.processor));
  });

  test('the signer gets the bucket, prefix, suffix, size limit and a one-hour expiry', () => {
    const stack = stacks.sandbox;
    const fn = resources('sandbox')[logicalId(stack, stack.uploadRoute!.signer as never)];
    expect(fn.Properties?.Environment).toEqual({
      Variables: {
        UPLOAD_BUCKET: { Ref: logicalId(stack, stack.pipeline.uploadBucket as never) },
        UPLOAD_PREFIX: 'uploads/',
        UPLOAD_SUFFIX: '.csv',
        MAX_OBJECT_BYTES: String(10 * 1024 * 1024),
        URL_EXPIRY_SECONDS: '3600',
        ALLOWED_ORIGINS: 'http://localhost:3000',
      },
    });
  });

  test("the signer's policy: put under the upload prefix and the key through S3, nothing else of the data", () => {
    const stack = stacks.sandbox;
    const role = logicalId(stack, {
      node: { defaultChild: stack.uploadRoute!.signer.role!.node.defaultChild },
    });
    const policies = templates.sandbox.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: role }] },
    });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement) as {
      Action: string | string[];
      Resource: unknown;
      Condition?: unknown;
    }[];
    const dataStatements = statements.filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('s3:') || a.startsWith('kms:')),
    );
    expect(dataStatements).toEqual([
      expect.objectContaining({ Action: 's3:PutObject' }),
      expect.objectContaining({
        Action: 'kms:GenerateDataKey',
        Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
      }),
    ]);
    expect(JSON.stringify(dataStatements[0].Resource)).toContain('/uploads/*');
  });

  test('the upload bucket lets the app origin PUT (browser preflight), and nothing else', () => {
    const stack = stacks.sandbox;
    const bucket = resources('sandbox')[logicalId(stack, stack.pipeline.uploadBucket as never)];
    expect(bucket.Properties?.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['PUT'],
          AllowedOrigins: ['http://localhost:3000'],
          AllowedHeaders: ['content-type'],
          ExposedHeaders: ['ETag', 'x-amz-version-id'],
          MaxAge: 3600,
        },
      ],
    });
    // Without the route, the bucket answers no cross-origin request.
    const plain = Template.fromStack(new S3EventPipelineStack(testApp(), STACK, { profile: 'sandbox' }));
    expect(JSON.stringify(plain.findResources('AWS::S3::Bucket'))).not.toContain('CorsConfiguration');
  });

  test('the signer errors alarm notifies the pipeline alarm topic', () => {
    const stack = stacks.sandbox;
    templates.sandbox.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.uploadRoute!.signer as never) } },
      ],
      AlarmActions: [stack.resolve(stack.pipeline.alarmTopic.topicArn)],
    });
  });

  test('production reserves 10 signer executions; the sandbox none', () => {
    const concurrency = (profile: Profile) =>
      resources(profile)[logicalId(stacks[profile], stacks[profile].uploadRoute!.signer as never)].Properties
        ?.ReservedConcurrentExecutions;
    expect(concurrency('production')).toBe(10);
    expect(concurrency('sandbox')).toBeUndefined();
  });
});

describe('opt-in', () => {
  test('the demo stack has no API unless asked (-c s3UploadApi=true in the reference app)', () => {
    const entry = PATTERN_STACKS.filter((e) => e.stackId === STACK);
    const count = (context: Record<string, unknown>) => {
      const [stack] = addReferenceStacks(testApp(context), 'sandbox', entry);
      return Object.keys(Template.fromStack(stack).findResources('AWS::ApiGateway::RestApi')).length;
    };
    expect(count({})).toBe(0);
    expect(count({ s3UploadApi: 'false' })).toBe(0);
    expect(count({ s3UploadApi: 'true' })).toBe(1);
    expect(count({ s3UploadApi: true })).toBe(1);
  });
});

describe('every gate and the permission-path proof, with the route', () => {
  test.each(PROFILES)(
    '%s: cdk-nag (six packs), Control Tower guard, CloudFormation validation',
    (profile) => {
      const findings = gateFindings(
        (app) => new S3EventPipelineStack(app, STACK, { profile, uploadApi: true }),
        (outdir) => new App({ outdir, context: cdkJsonContext() }),
      );
      expect(formatFindings(findings)).toBe('');
    },
  );

  test.each(PROFILES)('%s: every declared and derived path holds', async (profile) => {
    const proof = await provePattern(templates[profile].toJSON(), STACK, profile, S3_UPLOAD_API_PERMISSIONS);
    expect(proof.failures.join('\n\n')).toBe('');
    // The signer's paths were proven, not skipped.
    const signerPaths = S3_UPLOAD_API_PERMISSIONS.paths.filter(
      (p) => 'role' in p.caller && p.caller.role === 'UploadRoute/SignerRole',
    );
    const signer = proof.cases.filter((c) => signerPaths.some((p) => p.why === c.case.why));
    expect(signer.filter((c) => c.case.expect === 'allow').length).toBeGreaterThanOrEqual(2);
    expect(signer.filter((c) => c.case.expect === 'deny').length).toBeGreaterThanOrEqual(5);
  });
});

describe('bad input', () => {
  const build = (overrides: Partial<UploadUrlRouteProps> = {}) => {
    const stack = new Stack(testApp(), 'Test');
    const pipeline = new S3EventPipeline(stack, 'Pipeline', { removalPolicy: RemovalPolicy.DESTROY });
    const api = new CognitoProtectedApi(stack, 'Api', {
      domainPrefix: 'refarch-test',
      callbackUrls: ['http://localhost:3000/callback'],
    });
    return new UploadUrlRoute(stack, 'Route', {
      pipeline,
      api: api.api,
      authorizer: api.authorizer,
      ...overrides,
    });
  };

  test.each([
    [
      { urlExpiry: Duration.seconds(0) },
      /UploadUrlRoute.*urlExpiry.*between 1 second and 7 days; received 0 seconds/,
    ],
    [{ urlExpiry: Duration.days(8) }, /urlExpiry.*received 8 days/],
    [{ urlExpiry: Duration.millis(1500) }, /urlExpiry.*whole number of seconds/],
    [{ path: '/uploads' }, /path.*no leading or trailing.*received '\/uploads'/],
    [{ path: 'uploads/{id}' }, /path.*no \{parameter\}; received 'uploads\/\{id\}'/],
    [{ authorizationScopes: ['a b'] }, /authorizationScopes\[0\].*received 'a b'/],
    [
      { allowedOrigins: ['http://example.com'] },
      /allowedOrigins\[0\].*https origin.*received 'http:\/\/example.com'/,
    ],
    [{ allowedOrigins: ['https://example.com/app'] }, /allowedOrigins\[0\].*no path/],
    [{ reservedConcurrency: 0 }, /reservedConcurrency.*received 0/],
    [{ removalPolicy: RemovalPolicy.SNAPSHOT }, /removalPolicy/],
    [{ logRetention: logs.RetentionDays.INFINITE }, /logRetention.*received INFINITE/],
  ])('%o is refused', (overrides, message) => {
    expect(() => build(overrides as Partial<UploadUrlRouteProps>)).toThrow(message);
  });

  test('an authorizer that is not a Cognito user-pool authorizer is refused, naming its type', () => {
    const stack = new Stack(testApp(), 'Test');
    const pipeline = new S3EventPipeline(stack, 'Pipeline');
    const api = new apigateway.RestApi(stack, 'Api');
    api.root.addMethod('GET');
    const authorizer = { authorizerId: 'abc', authorizationType: apigateway.AuthorizationType.IAM };
    expect(
      () =>
        new UploadUrlRoute(stack, 'Route', {
          pipeline,
          api,
          authorizer: authorizer as apigateway.IAuthorizer,
        }),
    ).toThrow(/UploadUrlRoute.*authorizer.*Cognito user-pool authorizer; received one of type AWS_IAM/);
  });

  test('valid edges are accepted: 1 s, 7 days, a nested path, an https origin with a port', () => {
    expect(() => build({ urlExpiry: Duration.seconds(1) })).not.toThrow();
    expect(() =>
      build({
        urlExpiry: Duration.days(7),
        path: 'v2/csv-uploads',
        allowedOrigins: ['https://app.example.com:8443'],
      }),
    ).not.toThrow();
  });
});
