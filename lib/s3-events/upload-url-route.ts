import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../core/acknowledge';
import { notify } from '../core/alarms';
import { bundledNodejsCode } from '../core/bundled-code';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validateLogRetention,
  validatePattern,
  validateRetainOrDestroy,
  validateWholeDuration,
} from '../core/errors';
import {
  acknowledgeInlinePolicy,
  acknowledgeNoFunctionDlq,
  acknowledgeNoReservedConcurrency,
  acknowledgeOutsideVpc,
  acknowledgeXrayWildcard,
  restrictApiInvokePermissions,
} from '../core/function-acknowledgments';
import { runtimeEntry } from '../core/runtime-entry';
import { S3EventPipeline } from './s3-event-pipeline';
import { FILE_NAME_PATTERN, MAX_FILE_NAME_LENGTH } from './upload-file-names';

const CONSTRUCT = 'UploadUrlRoute';

/** The function behind the route: signs one PUT URL per request (runtime/upload-url.ts). */
export const UPLOAD_URL_ENTRY = runtimeEntry(__dirname, 'upload-url');

/** Lifetime of a pre-signed URL: the SDK's default, and SigV4's longest (7 days, 001 L2110). */
export const URL_EXPIRY = {
  default: Duration.hours(1),
  min: Duration.seconds(1),
  max: Duration.days(7),
} as const;

/** Props of {@link UploadUrlRoute}. */
export interface UploadUrlRouteProps {
  /** The pipeline whose upload bucket the URLs write to (under its upload prefix, with its suffix). */
  readonly pipeline: S3EventPipeline;
  /**
   * The REST API to add the route to, for instance the `api` of the Cognito pattern's
   * `CognitoProtectedApi`. Its stage throttling, logging and firewall apply to the route.
   */
  readonly api: apigateway.IRestApi;
  /**
   * A Cognito user-pool authorizer of that API (for instance `CognitoProtectedApi.authorizer`). Required:
   * each user's uploads go to a folder named after their verified `sub` claim.
   */
  readonly authorizer: apigateway.IAuthorizer;
  /**
   * OAuth scopes the access token must carry (for instance `<resource server>/write`). Without scopes API
   * Gateway accepts the user pool's ID tokens too.
   * @default - none
   */
  readonly authorizationScopes?: string[];
  /**
   * The route's path under the API root: segments of letters, digits, `.`, `_` and `-` separated by `/`.
   * @default 'uploads'
   */
  readonly path?: string;
  /**
   * How long a URL stays valid: 1 second to 7 days, whole seconds. A URL signed with the function's
   * temporary credentials stops working when they expire, whichever comes first.
   * @default Duration.hours(1)
   */
  readonly urlExpiry?: Duration;
  /**
   * Origins of browser apps that use the route: the function's answers carry their CORS header, and the
   * upload bucket gets a CORS rule letting them PUT (the browser sends the file to S3 itself).
   * @default - none: non-browser callers only
   */
  readonly allowedOrigins?: string[];
  /**
   * The function's reserved concurrency: 1-1000. Leave it out in accounts whose concurrency quota is 10.
   * @default - none (the API's stage throttling bounds it)
   */
  readonly reservedConcurrency?: number;
  /**
   * What happens to the function's log group when the stack is destroyed: `RETAIN` or `DESTROY`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * `POST /uploads` on a Cognito-protected REST API: a signed-in user sends a file name and size, and gets a
 * pre-signed PUT URL for `<upload prefix><their sub>/<file name>` in the pipeline's upload bucket, valid
 * for that size only and for `urlExpiry`. The browser uploads straight to S3 with it (001 L2008-2014,
 * L2105-2116): no AWS credentials in the browser, no file bytes through API Gateway or Lambda. API Gateway
 * checks the token and the body (a model) before the function runs; the function checks the body again.
 */
export class UploadUrlRoute extends Construct {
  /** The function that signs the URLs. Its role may only put objects under the upload prefix. */
  public readonly signer: lambda.Function;
  /** The POST method. */
  public readonly method: apigateway.Method;
  /** The signer's errors (a failure to sign: the callers see 500s). */
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: UploadUrlRouteProps) {
    super(scope, id);
    validateProps(props);
    const { pipeline } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const expiry = props.urlExpiry ?? URL_EXPIRY.default;
    const maxBytes = pipeline.maxObjectSize.toBytes();

    const logGroup = new logs.LogGroup(this, 'SignerLogs', {
      encryptionKey: pipeline.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy (AwsSolutions-IAM4).
    const role = new iam.Role(this, 'SignerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Signs upload URLs for ${this.node.path}`,
    });
    logGroup.grantWrite(role);
    // What the URL allows is what this role may do when S3 checks the signed request: PutObject under the
    // upload prefix, and the data key through S3 for the SSE-KMS default encryption. Nothing else: the
    // role cannot read uploads or results, so a leaked URL or a bug here can only add an upload.
    pipeline.grantUpload(role);
    const runtime = lambda.Runtime.NODEJS_24_X;
    this.signer = new lambda.Function(this, 'Signer', {
      code: bundledNodejsCode(CONSTRUCT, 'signer', UPLOAD_URL_ENTRY, runtime),
      handler: 'index.handler',
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      description: `Signs upload URLs for ${pipeline.node.path}`,
      environment: {
        UPLOAD_BUCKET: pipeline.uploadBucket.bucketName,
        UPLOAD_PREFIX: pipeline.uploadPrefix,
        UPLOAD_SUFFIX: pipeline.uploadSuffix,
        MAX_OBJECT_BYTES: String(maxBytes),
        URL_EXPIRY_SECONDS: String(expiry.toSeconds()),
        ALLOWED_ORIGINS: (props.allowedOrigins ?? []).join(','),
      },
    });

    // A browser PUTs the file to S3 itself, a cross-origin request with a preflight: the bucket must answer
    // it for the app's origins (the URL still decides what may be written; CORS only lets the browser ask).
    if (props.allowedOrigins && props.allowedOrigins.length > 0) {
      pipeline.uploadBucket.addCorsRule({
        allowedMethods: [s3.HttpMethods.PUT],
        allowedOrigins: props.allowedOrigins,
        // fetch() sets Content-Type from the Blob; Content-Length is set by the browser and signed.
        allowedHeaders: ['content-type'],
        // The version id tells the app which result to wait for (results/<key>/<versionId>.json).
        exposedHeaders: ['ETag', 'x-amz-version-id'],
        maxAge: Duration.hours(1).toSeconds(),
      });
    }

    // API Gateway refuses a malformed body with 400 before the function runs (and before it is billed).
    const validator = new apigateway.RequestValidator(this, 'RequestValidator', {
      restApi: props.api,
      validateRequestBody: true,
      validateRequestParameters: false,
    });
    const model = new apigateway.Model(this, 'RequestModel', {
      restApi: props.api,
      contentType: 'application/json',
      description: 'An upload: the file name (in the caller’s folder) and its exact size in bytes',
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        type: apigateway.JsonSchemaType.OBJECT,
        additionalProperties: false,
        required: ['fileName', 'size'],
        properties: {
          fileName: {
            type: apigateway.JsonSchemaType.STRING,
            maxLength: MAX_FILE_NAME_LENGTH,
            pattern: FILE_NAME_PATTERN,
          },
          size: { type: apigateway.JsonSchemaType.INTEGER, minimum: 1, maximum: maxBytes },
        },
      },
    });
    const resource = props.api.root.resourceForPath(props.path ?? 'uploads');
    this.method = resource.addMethod(
      'POST',
      new apigateway.LambdaIntegration(this.signer, { allowTestInvoke: false }),
      {
        authorizer: props.authorizer,
        authorizationType: apigateway.AuthorizationType.COGNITO,
        authorizationScopes: props.authorizationScopes,
        requestValidator: validator,
        requestModels: { 'application/json': model },
      },
    );
    restrictApiInvokePermissions(this.method);

    this.acknowledgeFindings(props, role);
    this.alarms = [
      notify(
        new cloudwatch.Alarm(this, 'SignerErrorsAlarm', {
          alarmDescription: `${this.node.path}: the upload-URL function failed; callers got 500s and no URL.`,
          metric: this.signer.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        pipeline.alarmTopic,
      ),
    ];
  }

  private acknowledgeFindings(props: UploadUrlRouteProps, role: iam.Role): void {
    const fn = this.signer;
    acknowledgeOutsideVpc(
      fn,
      'The signer computes a signature locally and calls only CloudWatch Logs and X-Ray; inside a VPC it would need a ' +
        'NAT gateway or interface endpoints (hourly cost) and there is no private resource for it to reach.',
    );
    acknowledgeNoFunctionDlq(
      fn,
      'API Gateway invokes the signer synchronously and returns its error to the caller, who asks again ' +
        '(001 L2852-2860); a dead-letter queue only receives failed asynchronous invocations and would stay empty.',
    );
    if (props.reservedConcurrency === undefined) {
      acknowledgeNoReservedConcurrency(
        fn,
        'No concurrency is reserved (reservedConcurrency not set): Lambda leaves 100 of the account concurrency ' +
          "unreserved, so a new account whose quota is 10 could not deploy a reservation. The API stage's throttling " +
          'bounds the invocations instead.',
      );
    }
    const policy = role.node.findChild('DefaultPolicy');
    const uploads = props.pipeline.uploadBucket;
    const bucketId = Stack.of(this).getLogicalId(uploads.node.defaultChild as s3.CfnBucket);
    acknowledge(policy, {
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${props.pipeline.uploadPrefix}*]`,
      reason:
        'The signer signs PUT URLs for every user, each under their own folder of the upload prefix (<prefix><sub>/): ' +
        'the prefix is the narrowest resource that names them all. Which folder a URL names is decided by the ' +
        'function from the verified token, never by the caller.',
    });
    acknowledgeXrayWildcard(policy);
    acknowledgeInlinePolicy(
      policy,
      'The signer permissions (put objects under the upload prefix, the data key through S3, its log group, X-Ray) ' +
        'are an inline policy of this one role, deleted with it: the one-to-one case AWS recommends inline policies for.',
    );
  }
}

function validateProps(props: UploadUrlRouteProps): void {
  if (props.authorizer.authorizationType !== apigateway.AuthorizationType.COGNITO) {
    throw new PropValidationError(
      CONSTRUCT,
      'authorizer',
      `must be a Cognito user-pool authorizer; received one of type ${props.authorizer.authorizationType ?? 'unknown'} ` +
        "(each user's uploads go to a folder named after the verified sub claim of their token).",
    );
  }
  if (props.path !== undefined) {
    validatePattern(
      CONSTRUCT,
      'path',
      props.path,
      /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
      'must be path segments of letters, digits, ".", "_" and "-" separated by "/", with no leading or trailing "/" ' +
        'and no {parameter}',
    );
  }
  props.authorizationScopes?.forEach((scope, i) =>
    validatePattern(
      CONSTRUCT,
      `authorizationScopes[${i}]`,
      scope,
      /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/,
      'must be 1-256 printable ASCII characters without spaces, quotes or backslashes (an OAuth scope)',
    ),
  );
  validateWholeDuration(CONSTRUCT, 'urlExpiry', props.urlExpiry, 'seconds');
  validateDuration(CONSTRUCT, 'urlExpiry', props.urlExpiry, URL_EXPIRY.min, URL_EXPIRY.max, {
    because: 'a SigV4 pre-signed URL is valid for at most 7 days, 001 L2110',
  });
  props.allowedOrigins?.forEach((origin, i) =>
    validatePattern(
      CONSTRUCT,
      `allowedOrigins[${i}]`,
      origin,
      /^(https:\/\/[a-z0-9.-]+(:\d{1,5})?|http:\/\/localhost(:\d{1,5})?)$/,
      'must be an https origin (scheme and host, optional port, no path) or http://localhost[:port]',
    ),
  );
  validateInteger(CONSTRUCT, 'reservedConcurrency', props.reservedConcurrency, 1, 1000, '', {
    because:
      "at most the account's concurrency quota (1,000 by default) minus the 100 Lambda leaves unreserved",
  });
  validateRetainOrDestroy(CONSTRUCT, 'removalPolicy', props.removalPolicy);
  validateLogRetention(CONSTRUCT, 'logRetention', props.logRetention);
}
