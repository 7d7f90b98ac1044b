import { ArnFormat, Duration, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as identitypool from 'aws-cdk-lib/aws-cognito-identitypool';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge } from '../core/acknowledge';
import {
  acknowledgeInlinePolicy,
  acknowledgeNoFunctionDlq,
  acknowledgeNoReservedConcurrency,
  acknowledgeOutsideVpc,
  acknowledgeXrayWildcard,
  restrictApiInvokePermissions,
} from '../core/function-acknowledgments';
import { AlarmTopic, notify } from '../core/alarms';
import { dailyAndWeeklyBackups } from '../core/backup-plan';
import { EncryptionKey } from '../core/encryption-key';
import { allowCloudWatchLogs } from '../core/service-grants';
import { createWebAcl, WebAclScope } from '../core/web-acl';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validateLogRetention,
  validatePattern,
  validateRetainOrDestroy,
  validateWholeDuration,
} from '../core/errors';
import { bundledNodejsCode, validateHandlerEntry } from '../core/bundled-code';
import { stackCreationId } from '../core/physical-names';
import { runtimeEntry } from '../core/runtime-entry';

const CONSTRUCT = 'CognitoProtectedApi';
/** The API's one stage (the path prefix of every URL: `https://<api>.execute-api.<region>.amazonaws.com/v1/`). */
const STAGE_NAME = 'v1';
/** Requests in 5 minutes below which the 4XX alarm does not judge the rate (one 401 alone would be 100%). */
export const CLIENT_ERROR_ALARM_MIN_REQUESTS = 20;

/** The notes handler shipped with the construct (list, create, get, delete per user). */
export const NOTES_HANDLER_ENTRY = runtimeEntry(__dirname, 'notes');

/** HTTP methods a route may use (OPTIONS is the CORS preflight, added by the construct). */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** One OAuth scope of the resource server, e.g. `{ name: 'read', description: 'Read notes' }`. */
export interface ApiScope {
  /** Scope name: letters, digits and `_-.`, at most 30 characters (the full scope is `<identifier>/<name>`). */
  readonly name: string;
  /** What the scope allows, shown on the consent and in the console. */
  readonly description: string;
}

/** One method of the API, backed by the handler. */
export interface ApiRoute {
  /** Resource path under the stage, e.g. `/notes/{noteId}`. */
  readonly path: string;
  /** HTTP method: GET, POST, PUT, PATCH or DELETE. */
  readonly method: string;
  /**
   * Resource-server scope name the access token must carry (must be one of `scopes`).
   * @default 'read' for GET, 'write' for the other methods
   */
  readonly scope?: string;
  /**
   * JSON schema the request body must match; API Gateway answers 400 before the function runs.
   * @default - no body model (the body is not validated by API Gateway)
   */
  readonly requestSchema?: apigateway.JsonSchema;
}

/** Props of {@link CognitoProtectedApi}. */
export interface CognitoProtectedApiProps {
  /**
   * Prefix of the managed-login (hosted UI) domain `https://<prefix>.auth.<region>.amazoncognito.com`:
   * 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen, without the
   * reserved words `aws`, `amazon` or `cognito`. Must be unique in the Region.
   */
  readonly domainPrefix: string;
  /**
   * Where Cognito may send users (with the authorization code) after sign-in: `https://` URLs, or
   * `http://localhost` / `http://127.0.0.1` for local development, without a fragment (OAuth 2.0 rules
   * Cognito applies).
   */
  readonly callbackUrls: string[];
  /**
   * Where Cognito may send users after sign-out (same rules as callbackUrls).
   * @default - the callbackUrls
   */
  readonly logoutUrls?: string[];
  /**
   * Origins allowed to call the API from a browser (CORS, 004 L868-873). `*` is not accepted: the API
   * is for the app's own pages.
   * @default - the origins of the callbackUrls
   */
  readonly allowedOrigins?: string[];
  /**
   * Whether anyone may create an account from the sign-up page; false means administrators create users,
   * so nobody gets an account by accident. Turn it on for a public app.
   * @default false
   */
  readonly selfSignUpEnabled?: boolean;
  /**
   * How the user pool sends email (invitations, verification and password-reset codes). Cognito's built-in
   * sender allows about 50 emails a day per account and Region (a quota that cannot be raised), which an
   * invite-only pool reaches on the first busy day; `cognito.UserPoolEmail.withSES({ fromEmail, sesRegion,
   * sesVerifiedDomain })` sends from an address verified in Amazon SES under the SES quotas instead.
   * @default - Cognito's built-in sender (no-reply@verificationemail.com, about 50 emails a day)
   */
  readonly email?: cognito.UserPoolEmail;
  /**
   * Whether users must set up TOTP (authenticator app) MFA (000 L919, 003 L1880-1881). SMS is never
   * offered (SIM swapping, cost per message).
   * @default cognito.Mfa.REQUIRED
   */
  readonly mfa?: cognito.Mfa;
  /**
   * Cognito feature plan. PLUS adds threat protection (compromised credentials, adaptive
   * authentication, cdk-nag COG8), switched to full enforcement here; it is priced per monthly active user.
   * @default cognito.FeaturePlan.PLUS
   */
  readonly featurePlan?: cognito.FeaturePlan;
  /**
   * Blocks deleting the user pool and the DynamoDB table (console, API, or CloudFormation) until
   * switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Identifier of the resource server (the prefix of every scope, e.g. `notes/read`). API Gateway checks
   * the scopes per method, so Cognito no longer only authenticates, as the notes say (003 L1870).
   * @default 'notes'
   */
  readonly resourceServerIdentifier?: string;
  /**
   * Scopes of the resource server; each route requires one of them.
   * @default - `read` and `write`
   */
  readonly scopes?: ApiScope[];
  /**
   * Methods of the API. Each gets the Cognito authorizer and requires its route's scope, `read` for
   * GET and `write` for the others unless the route names one; a scope not in `scopes` is an error.
   * @default - the notes API: GET /notes, POST /notes, GET /notes/{noteId}, DELETE /notes/{noteId}
   */
  readonly routes?: ApiRoute[];
  /**
   * Handler file (TypeScript or JavaScript) serving every route, bundled by esbuild.
   * @default NOTES_HANDLER_ENTRY, the notes handler in ./runtime
   */
  readonly handlerEntry?: string;
  /**
   * Function memory in MiB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Function timeout; at most 29 seconds, the REST API integration timeout (002 L1677): a longer
   * function timeout would bill work nobody waits for.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Reserve concurrency for the function (`reservedConcurrentExecutions`). Set false where a
   * reservation cannot be made: Lambda keeps a minimum of unreserved concurrency (100, or 10 in a new
   * account whose concurrency quota is 10), so in such an account any reservation fails to deploy.
   * Without it, the stage throttling limits bound the function instead.
   * @default true
   */
  readonly reserveConcurrency?: boolean;
  /**
   * Concurrent executions reserved for (and capping) the function, so a flood of requests cannot
   * take the account's whole Lambda concurrency (1,000 by default, 002 L1434) from other functions.
   * Only with reserveConcurrency.
   * @default 10
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Steady-state requests per second for the whole stage (API Gateway token bucket): throttling keeps
   * a flood of requests away from the function (004 L866).
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst capacity of the stage's token bucket; a burst below the rate limit is an error.
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Requests per day a usage plan allows each API key it meters (002 L1587-1607).
   * @default 10000
   */
  readonly dailyQuota?: number;
  /**
   * Put an AWS WAF web ACL (AWS managed rule groups and a rate rule of 1,000 requests per 5 minutes
   * per IP) in front of the stage. WAF attaches to REST API stages now (000 L447 lists only CloudFront
   * and ALB).
   * @default true
   */
  readonly enableWaf?: boolean;
  /**
   * Create a Cognito identity pool that exchanges user-pool tokens for temporary AWS credentials
   * (000 L6, 002 L1717-1718).
   * @default false
   */
  readonly createIdentityPool?: boolean;
  /**
   * Let the identity pool give credentials to guests (unauthenticated identities, cdk-nag COG7). Only
   * with createIdentityPool.
   * @default false
   */
  readonly allowGuests?: boolean;
  /**
   * Create the account-level role API Gateway writes CloudWatch logs through (AWS::ApiGateway::Account):
   * execution and access logging fail at deploy time without one. API Gateway uses this one role for every
   * REST API of the account and Region. This construct's role creates and reads only the execution log
   * groups of REST APIs (`API-Gateway-Execution-Logs_*`) and adds events to any existing group (access logs
   * of any API), where the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs would also let it create
   * and read every log group. Where another API of the account and Region needs API Gateway to create its
   * group (WebSocket API execution logs under `/aws/apigateway/`), set false and keep the account's own role.
   * @default true
   */
  readonly cloudWatchRole?: boolean;
  /**
   * What happens to that account-level role when it leaves the stack. Every REST API of the account
   * and Region logs through it, so the default keeps it.
   * @default RemovalPolicy.RETAIN
   */
  readonly cloudWatchRoleRemovalPolicy?: RemovalPolicy;
  /**
   * Protect the table with an AWS Backup plan: daily backups kept 35 days and weekly ones kept 90 days, in
   * a vault of the construct (NIST/HIPAA DynamoDBInBackupPlan). Point-in-time recovery alone is a copy kept
   * by DynamoDB itself, for 35 days; the plan's recovery points live in a vault outside the table and can
   * outlive it.
   * @default - true when removalPolicy is RETAIN; false with DESTROY, because CloudFormation cannot delete
   * a vault that holds recovery points, so a destroy would fail on it
   */
  readonly backupPlan?: boolean;
  /**
   * What happens to the user pool, table, keys and log groups (API access and execution logs, function
   * logs) when they leave the stack. The default keeps users and notes through a stack deletion; the
   * sandbox demo passes DESTROY.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the access, execution, function (and WAF) log groups (Control Tower CT.CLOUDWATCH.PR.2).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Topic every alarm notifies, on alarm and on recovery.
   * @default - a new {@link AlarmTopic}
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Rules of the AWS Core Rule Set that inspect the request body and are switched to COUNT (matches are
 * logged and labelled, never blocked). A note is free text: `SizeRestrictions_BODY` blocks bodies over
 * 8 KB while the model accepts 10,000 characters (up to ~40 KB in UTF-8), and the others block notes that
 * merely contain `<script>`, `../`, a URL or `169.254.169.254`. The API model bounds the body instead, the
 * handler stores it as data and returns it as JSON, never as HTML.
 */
export const CORE_RULE_SET_COUNTED_BODY_RULES = [
  'SizeRestrictions_BODY',
  'CrossSiteScripting_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'EC2MetaDataSSRF_BODY',
] as const;

/** The default routes: the notes API. */
export const NOTES_ROUTES: ApiRoute[] = [
  { path: '/notes', method: 'GET' },
  {
    path: '/notes',
    method: 'POST',
    requestSchema: {
      schema: apigateway.JsonSchemaVersion.DRAFT4,
      title: 'NewNote',
      type: apigateway.JsonSchemaType.OBJECT,
      required: ['title'],
      additionalProperties: false,
      properties: {
        title: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 200 },
        body: { type: apigateway.JsonSchemaType.STRING, maxLength: 10000 },
      },
    },
  },
  { path: '/notes/{noteId}', method: 'GET' },
  { path: '/notes/{noteId}', method: 'DELETE' },
];

const DEFAULT_SCOPES: ApiScope[] = [
  { name: 'read', description: 'Read your own items' },
  { name: 'write', description: 'Create and delete your own items' },
];

/**
 * A REST API only signed-in users reach (000 L6-7, 003 L1864-1875): a Cognito user pool with
 * managed login, a single-page-app client (authorization code + PKCE), a resource server whose
 * scopes each method requires, a Lambda backend over a per-user DynamoDB table, WAF, logs, tracing
 * and alarms. Optionally an identity pool for temporary AWS credentials (000 L6, 002 L1717-1718).
 */
export class CognitoProtectedApi extends Construct {
  /** The user directory. */
  public readonly userPool: cognito.UserPool;
  /** The single-page-app client (no secret). */
  public readonly userPoolClient: cognito.UserPoolClient;
  /** The managed-login domain. */
  public readonly userPoolDomain: cognito.UserPoolDomain;
  /** The resource server that defines the API's scopes. */
  public readonly resourceServer: cognito.UserPoolResourceServer;
  /** The identity pool, when asked for. */
  public readonly identityPool?: identitypool.IdentityPool;
  /** The REST API. */
  public readonly api: apigateway.RestApi;
  /** The Cognito user-pool authorizer on every method. */
  public readonly authorizer: apigateway.CognitoUserPoolsAuthorizer;
  /** The usage plan bound to the stage. */
  public readonly usagePlan: apigateway.UsagePlan;
  /** The backend function. */
  public readonly handler: lambda.Function;
  /** The per-user table (partition key `userId` = the caller's sub, sort key `noteId`). */
  public readonly table: dynamodb.Table;
  /** The AWS Backup plan protecting the table, when `backupPlan` is on. */
  public readonly backupPlan?: backup.BackupPlan;
  /** The account-level role API Gateway logs through, when `cloudWatchRole` is on. */
  public readonly cloudWatchRole?: iam.Role;
  /** The web ACL in front of the stage, when enabled. */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** Key of the table and the log groups. */
  public readonly key: kms.IKey;
  /** Where alarms go. */
  public readonly alarmTopic: sns.ITopic;
  /** The alarms: 4XX rate, 5XX rate, latency, function errors, function throttles. */
  public readonly alarms: cloudwatch.Alarm[];
  /** Full scope names (`<identifier>/<name>`) by scope name. */
  public readonly scopeNames: Record<string, string>;

  constructor(scope: Construct, id: string, props: CognitoProtectedApiProps) {
    super(scope, id);
    const routes = props.routes ?? NOTES_ROUTES;
    const scopes = props.scopes ?? DEFAULT_SCOPES;
    validateProps(props, routes, scopes);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const featurePlan = props.featurePlan ?? cognito.FeaturePlan.PLUS;
    const mfa = props.mfa ?? cognito.Mfa.REQUIRED;
    const rate = props.throttlingRateLimit ?? 50;
    const burst = props.throttlingBurstLimit ?? 100;
    const allowedOrigins = props.allowedOrigins ?? originsOf(props.callbackUrls);

    this.alarmTopic =
      props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { keyRemovalPolicy: removalPolicy }).topic;
    this.key = this.createKey(removalPolicy);

    // ---- Cognito: who the users are -------------------------------------------------------------
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: props.selfSignUpEnabled ?? false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      email: props.email,
      // Written out so the template shows it (cdk-nag COG1 reads the template): 12 characters and
      // every character class, and temporary passwords an administrator sets expire after 3 days.
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa,
      // TOTP only: SMS codes can be intercepted (SIM swap) and cost money per message.
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan,
      standardThreatProtectionMode:
        featurePlan === cognito.FeaturePlan.PLUS
          ? cognito.StandardThreatProtectionMode.FULL_FUNCTION
          : undefined,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy,
    });
    if (mfa !== cognito.Mfa.REQUIRED) {
      acknowledge(this.userPool, {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is OPTIONAL here (the sandbox profile) so a learner can sign in a test user without an authenticator ' +
          'app; TOTP is still offered to every user. The production profile sets Mfa.REQUIRED.',
      });
    }
    if (featurePlan !== cognito.FeaturePlan.PLUS) {
      acknowledge(this.userPool, {
        id: 'AwsSolutions-COG8',
        reason:
          `The ${featurePlan} feature plan is chosen to keep the sandbox free: Plus (threat protection) is billed per ` +
          'monthly active user with no free tier. The production profile uses Plus with full-function enforcement.',
      });
    }

    const scopeByName = new Map<string, cognito.ResourceServerScope>(
      scopes.map((s) => [
        s.name,
        new cognito.ResourceServerScope({ scopeName: s.name, scopeDescription: s.description }),
      ]),
    );
    const identifier = props.resourceServerIdentifier ?? 'notes';
    this.resourceServer = this.userPool.addResourceServer('ResourceServer', {
      identifier,
      // The name defaults to the identifier, but allows fewer characters ([\w\s+=,.@-]): an identifier such
      // as https://api.example.com is valid and its name would not be.
      userPoolResourceServerName: Token.isUnresolved(identifier)
        ? undefined
        : identifier.replace(/[^\w\s+=,.@-]/g, '-'),
      scopes: [...scopeByName.values()],
    });
    this.scopeNames = Object.fromEntries(scopes.map((s) => [s.name, `${identifier}/${s.name}`]));

    this.userPoolClient = this.userPool.addClient('SpaClient', {
      // A browser cannot keep a secret; the authorization code is protected by PKCE instead.
      generateSecret: false,
      // SRP only (the password never leaves the browser); no ALLOW_USER_PASSWORD_AUTH.
      authFlows: { userSrp: true },
      oAuth: {
        // Authorization code grant (with PKCE from the app); the implicit grant puts tokens in URLs.
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [
          cognito.OAuthScope.OPENID,
          cognito.OAuthScope.EMAIL,
          ...[...scopeByName.values()].map((s) => cognito.OAuthScope.resourceServer(this.resourceServer, s)),
        ],
        callbackUrls: props.callbackUrls,
        logoutUrls: props.logoutUrls ?? props.callbackUrls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.userPoolDomain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login (v2) shows an error page for a client without a branding style; this one uses
    // Cognito's default look.
    new cognito.CfnManagedLoginBranding(this, 'ManagedLoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.userPoolClient.userPoolClientId,
      useCognitoProvidedValues: true,
    }).node.addDependency(this.userPoolDomain);

    if (props.createIdentityPool) {
      this.identityPool = this.createIdentityPool(props.allowGuests ?? false);
    }

    // ---- Data: one partition per user -------------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'noteId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy,
    });

    if (props.backupPlan ?? removalPolicy === RemovalPolicy.RETAIN) {
      this.backupPlan = this.createBackupPlan(removalPolicy);
    } else {
      const noPlan =
        'No AWS Backup plan (backupPlan false, the sandbox profile): CloudFormation cannot delete a backup vault ' +
        'that holds recovery points, so cdk destroy would fail on it. Point-in-time recovery is on: any second of ' +
        'the last 35 days can be restored to a new table while the table exists. The production profile adds a plan.';
      acknowledge(
        this.table,
        ...['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
          id: `${pack}-DynamoDBInBackupPlan`,
          reason: noPlan,
        })),
      );
    }

    // ---- Backend function ------------------------------------------------------------------------
    this.handler = this.createFunction(props, allowedOrigins);

    // ---- REST API -----------------------------------------------------------------------------------
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: this.key,
      retention,
      removalPolicy,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      // Stage metrics are dimensioned by ApiName and Stage only: two APIs named alike (the CDK's default name
      // is the construct id, 'Api') with the same stage in one account and Region would read each other's
      // traffic in every alarm. The name carries the construct path, stack name included.
      restApiName: Names.uniqueResourceName(this, { maxLength: 255, separator: '-' }),
      description: `Per-user API of ${this.node.path}, Cognito-protected`,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // The construct writes the account-level logging role itself (createCloudWatchRole), with a policy
      // narrower than the AWS managed one the CDK would attach.
      cloudWatchRole: false,
      deployOptions: {
        stageName: STAGE_NAME,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        // Execution logs with errors and info, never request/response bodies (personal data).
        loggingLevel: apigateway.MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: rate,
        throttlingBurstLimit: burst,
      },
      defaultCorsPreflightOptions: {
        allowOrigins: allowedOrigins,
        allowMethods: [...new Set(routes.map((r) => r.method.toUpperCase())), 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type'],
        maxAge: Duration.hours(1),
      },
    });
    if (props.cloudWatchRole ?? true) {
      this.cloudWatchRole = this.createCloudWatchRole(
        props.cloudWatchRoleRemovalPolicy ?? RemovalPolicy.RETAIN,
      );
    }
    this.createExecutionLogGroup(retention, removalPolicy);
    this.addGatewayResponses(allowedOrigins);

    this.authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [this.userPool],
      identitySource: apigateway.IdentitySource.header('Authorization'),
    });
    const validator = new apigateway.RequestValidator(this, 'RequestValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const integration = new apigateway.LambdaIntegration(this.handler, { allowTestInvoke: false });
    routes.forEach((route, i) => {
      const method = route.method.toUpperCase();
      const scopeName = route.scope ?? defaultScopeFor(method);
      const resource = this.api.root.resourceForPath(route.path);
      const pathParams = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const model = route.requestSchema
        ? this.api.addModel(`Model${i}`, { contentType: 'application/json', schema: route.requestSchema })
        : undefined;
      resource.addMethod(method, integration, {
        authorizer: this.authorizer,
        authorizationType: apigateway.AuthorizationType.COGNITO,
        // With scopes, API Gateway accepts only access tokens that carry one of them; an ID token has
        // no scope claim and is rejected (401).
        authorizationScopes: [`${identifier}/${scopeName}`],
        requestValidator: validator,
        requestModels: model ? { 'application/json': model } : undefined,
        requestParameters: Object.fromEntries(pathParams.map((p) => [`method.request.path.${p}`, true])),
      });
    });
    restrictApiInvokePermissions(this.api);

    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      description: `Meters API keys of ${this.node.path}; users are still authenticated by Cognito.`,
      throttle: { rateLimit: rate, burstLimit: burst },
      quota: { limit: props.dailyQuota ?? 10000, period: apigateway.Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });

    this.acknowledgeApiFindings(props.enableWaf ?? true);
    if (props.enableWaf ?? true) this.webAcl = this.createWebAcl(removalPolicy, retention);

    this.alarms = this.createAlarms(props.reserveConcurrency ?? true);
  }

  /** Lets a principal read and write the table (and use its key). */
  public grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }

  private createKey(removalPolicy: RemovalPolicy): kms.Key {
    const key = new EncryptionKey(this, 'Key', {
      description: `Encrypts the table and log groups of ${this.node.path}`,
      removalPolicy,
    }).key;
    allowCloudWatchLogs(key);
    return key;
  }

  /**
   * An AWS Backup plan for the table, built as the multi-AZ database builds its own: daily and weekly
   * rules into a vault encrypted with the construct's key, the vault kept like the table.
   *
   * AWS Backup needs a vault name (CloudFormation cannot generate one) and a name is taken as long as
   * the vault exists: a vault kept by a destroy (RETAIN) would make the next deploy of the same stack
   * fail with "already exists". So the name ends with the first part of the stack's id, which
   * CloudFormation draws anew each time it creates the stack, and which stays put across updates.
   */
  private createBackupPlan(removalPolicy: RemovalPolicy): backup.BackupPlan {
    const vault = new backup.BackupVault(this, 'BackupVault', {
      // Vault names: 2-50 letters, digits, hyphens and underscores; 40 + '-' + 8 hex digits.
      backupVaultName: Fn.join('-', [Names.uniqueResourceName(this, { maxLength: 40 }), stackCreationId()]),
      // A key of its own: with the table's key, losing or disabling that one key would take the table and
      // its recovery points together.
      encryptionKey: new EncryptionKey(this, 'BackupKey', {
        description: `Encrypts the recovery points of ${this.node.path}`,
        removalPolicy: RemovalPolicy.RETAIN,
      }).key,
      removalPolicy,
    });
    return dailyAndWeeklyBackups(this, {
      vault,
      resource: backup.BackupResource.fromDynamoDbTable(this.table),
      what: 'the DynamoDB table',
      // Named after the construct (the CDK would name every plan 'BackupPlan'); the plan goes with the stack.
      planName: Names.uniqueResourceName(this, { maxLength: 50 }),
    });
  }

  private createIdentityPool(allowGuests: boolean): identitypool.IdentityPool {
    const pool = new identitypool.IdentityPool(this, 'IdentityPool', {
      allowUnauthenticatedIdentities: allowGuests,
      // The enhanced (simplified) flow only: the classic flow lets clients pick any role the pool trusts.
      allowClassicFlow: false,
      authenticationProviders: {
        userPools: [
          new identitypool.UserPoolAuthenticationProvider({
            userPool: this.userPool,
            userPoolClient: this.userPoolClient,
          }),
        ],
      },
    });
    if (allowGuests) {
      acknowledge(pool, {
        id: 'AwsSolutions-COG7',
        reason:
          'Guest (unauthenticated) identities were asked for with allowGuests: true (000 L6); the guest role has ' +
          'no permissions until the caller grants some, and each grant should be read-only public data.',
      });
    }
    return pool;
  }

  private createFunction(props: CognitoProtectedApiProps, allowedOrigins: string[]): lambda.Function {
    const logGroup = new logs.LogGroup(this, 'HandlerLogs', {
      encryptionKey: this.key,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy (AwsSolutions-IAM4).
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the API handler of ${this.node.path}`,
    });
    logGroup.grantWrite(role);
    const runtime = lambda.Runtime.NODEJS_24_X;
    const fn = new lambda.Function(this, 'Handler', {
      code: bundledNodejsCode(CONSTRUCT, 'handlerEntry', props.handlerEntry ?? NOTES_HANDLER_ENTRY, runtime),
      handler: 'index.handler',
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions:
        (props.reserveConcurrency ?? true) ? (props.reservedConcurrentExecutions ?? 10) : undefined,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      environment: { TABLE_NAME: this.table.tableName, ALLOWED_ORIGINS: allowedOrigins.join(',') },
      description: `Serves the per-user API of ${this.node.path}`,
    });
    // Least privilege: item-level reads and writes on this one table, no Scan, no table management.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        resources: [this.table.tableArn],
      }),
    );
    // What DynamoDB needs to use the table key for this role's item reads and writes, written out
    // instead of grantEncryptDecrypt's kms:ReEncrypt* and kms:GenerateDataKey* wildcards.
    this.key.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');

    const outsideVpc =
      'The handler only calls DynamoDB, CloudWatch Logs and X-Ray, all AWS APIs; inside a VPC it would need a NAT ' +
      'gateway or interface endpoints (hourly cost) and there is no private resource for it to reach.';
    const synchronous =
      'API Gateway invokes the function synchronously and returns its error to the caller, who retries ' +
      '(001 L2852-2860); a dead-letter queue only receives failed asynchronous invocations and would stay empty.';
    acknowledgeOutsideVpc(fn, outsideVpc);
    acknowledgeNoFunctionDlq(fn, synchronous);
    if (!(props.reserveConcurrency ?? true)) {
      const unreserved =
        'No concurrency is reserved (reserveConcurrency: false, the sandbox profile): Lambda keeps a minimum of ' +
        'unreserved concurrency, so a new account whose concurrency quota is 10 cannot reserve any and the stack ' +
        'would fail to deploy. The stage throttling (rate and burst) bounds the invocations instead; the ' +
        'production profile reserves concurrency.';
      acknowledgeNoReservedConcurrency(fn, unreserved);
    }
    const policy = role.node.findChild('DefaultPolicy');
    acknowledgeXrayWildcard(policy);
    acknowledgeInlinePolicy(
      policy,
      'The handler permissions (four item-level DynamoDB actions on this table, its key, this log group, X-Ray) are ' +
        'an inline policy of this one role, deleted with it: the one-to-one case AWS recommends inline policies for.',
    );
    return fn;
  }

  /**
   * Errors API Gateway answers itself (401 without a valid token, 403 for a missing scope, 400 for a
   * body the model rejects, 429 when throttled, 5XX when the integration fails) never reach the
   * function, so they carry none of its CORS headers, and a browser hides them from the SPA as "CORS
   * errors". Gateway responses add the header. Their header values are static or copied from the
   * request (templates are not run through VTL), so the header names the first allowed origin, the
   * same static value the CORS preflight sends; with several origins the others cannot read these
   * errors. A specific response type (BAD_REQUEST_BODY) replaces DEFAULT_4XX entirely, so it repeats
   * the headers; UNAUTHORIZED, ACCESS_DENIED and THROTTLED fall back to DEFAULT_4XX.
   */
  private addGatewayResponses(allowedOrigins: string[]): void {
    const cors = { 'Access-Control-Allow-Origin': `'${allowedOrigins[0]}'`, Vary: "'Origin'" };
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigateway.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      responseHeaders: cors,
      // Which schema rule the body broke, e.g. object has missing required properties (["title"]),
      // instead of the generic "Invalid request body".
      templates: {
        'application/json': '{"message":"Invalid request body: $context.error.validationErrorString"}',
      },
    });
    this.api.addGatewayResponse('Default4xx', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      responseHeaders: cors,
    });
    this.api.addGatewayResponse('Default5xx', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      responseHeaders: cors,
    });
  }

  /**
   * The log group API Gateway writes the stage's execution logs to, created by the stack.
   *
   * API Gateway names it `API-Gateway-Execution-Logs_<api id>/<stage>` and, when it does not exist,
   * creates it itself on the first request, outside CloudFormation: unencrypted, kept forever and left
   * behind by `cdk destroy`. Created here, it has the construct's key, retention and removal policy.
   * The stage waits for it, so API Gateway never gets there first.
   */
  private createExecutionLogGroup(retention: logs.RetentionDays, removalPolicy: RemovalPolicy): void {
    // The stage name as written, not stage.stageName (a reference to the stage, which waits for the group).
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${STAGE_NAME}`,
      encryptionKey: this.key,
      retention,
      removalPolicy,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);
  }

  /**
   * The account-level role API Gateway writes CloudWatch logs through (AWS::ApiGateway::Account), with a
   * policy of its own. The AWS managed AmazonAPIGatewayPushToCloudWatchLogs allows creating, describing,
   * writing, reading and searching every log group of the account ("*"). This one reads and creates only
   * the execution logs `API-Gateway-Execution-Logs_<api id>/<stage>` of the REST APIs of the account and
   * Region (the role is theirs too) and `/aws/apigateway/welcome` (API Gateway's check of the role), and
   * adds events to any existing group, since each API names its own access-log group.
   *
   * Ids and removal policy are the ones the CDK's own `cloudWatchRole` uses, so a stack deployed before
   * keeps its role and account setting. Every REST API of the account and Region logs through the role,
   * so by default it is kept when the stack goes.
   */
  private createCloudWatchRole(removalPolicy: RemovalPolicy): iam.Role {
    const stack = Stack.of(this);
    const logGroupArn = (name: string) =>
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    // The trailing '*' also covers each group's log streams (':log-stream:<name>').
    const executionLogs = logGroupArn('API-Gateway-Execution-Logs_*');
    // When the account setting names a role, API Gateway checks it by creating and writing this group; a
    // role that cannot makes AWS::ApiGateway::Account fail ("The role ARN does not have required
    // permissions configured", aws-cloudformation/cloudformation-coverage-roadmap#2312).
    const welcome = logGroupArn('/aws/apigateway/welcome:*');
    const everyLogGroup = logGroupArn('*');
    const role = new iam.Role(this.api, 'CloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway writes the CloudWatch logs of the REST APIs of this account and Region',
      // Inline: the policy lives and is kept exactly as long as the role (see the acknowledgment below).
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: [
                'logs:CreateLogGroup',
                'logs:CreateLogStream',
                'logs:DescribeLogStreams',
                'logs:PutLogEvents',
                'logs:GetLogEvents',
                'logs:FilterLogEvents',
              ],
              resources: [executionLogs, welcome],
            }),
            // Access logs go to a group each API names, through this one role of the account and Region: any
            // REST API of the account (a second deployment of this construct too) must be able to write its
            // own. So the role may add events to any existing group, but neither create a group (this API's
            // is the stack's, encrypted, with retention) nor read one.
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
              resources: [everyLogGroup],
            }),
            new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: [everyLogGroup] }),
          ],
        }),
      },
    });
    role.applyRemovalPolicy(removalPolicy);
    const account = new apigateway.CfnAccount(this.api, 'Account', { cloudWatchRoleArn: role.roleArn });
    account.applyRemovalPolicy(removalPolicy);
    account.node.addDependency(this.api.node.defaultChild!);
    // The stage turns logging on, which API Gateway refuses until the account names a role.
    this.api.deploymentStage.node.addDependency(account);

    acknowledgeInlinePolicy(
      role,
      'The logging policy belongs to this one role and must live exactly as long as it: the role is kept when the ' +
        'stack is deleted (every REST API of the account and Region logs through it), and an inline policy is kept ' +
        'with it, where a separate managed policy would be one more resource to keep and could be detached alone.',
    );
    acknowledge(
      role,
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:API-Gateway-Execution-Logs_*]',
        reason:
          'API Gateway names the execution log group of each stage API-Gateway-Execution-Logs_<api id>/<stage> and ' +
          'writes those of every REST API of the account and Region through this one role, so the role must reach ' +
          'each such group (and create the groups of APIs that have none); it reads no other log group.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/apigateway/welcome:*]',
        reason:
          "Not a wildcard over groups: '<name>:*' is the ARN form CloudWatch Logs authorizes a log group's actions " +
          'against, and it covers this one group (/aws/apigateway/welcome, which API Gateway creates and writes to ' +
          'check the role) and its streams.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
        reason:
          'logs:DescribeLogGroups (names and settings, never events), authorized on the whole log-group space ' +
          'whatever prefix is asked for; and adding events to a group (CreateLogStream, DescribeLogStreams, ' +
          'PutLogEvents; never reading or creating one): each REST API of the account and Region names its own ' +
          'access-log group, and all of them write through this one role.',
      },
    );
    return role;
  }

  private acknowledgeApiFindings(enableWaf: boolean): void {
    // These findings are about the stage (cache, client certificate, WAF), so they sit on it.
    const stage = this.api.deploymentStage;
    const noCache =
      "Responses are per user (each carries the caller's own notes); a stage cache keyed without the token could " +
      "serve one user's data to another, and a cache cluster is billed per hour even when idle.";
    const noClientCert =
      'A client certificate lets a backend HTTP server verify calls come from API Gateway; the backend here is a ' +
      'Lambda function invoked through IAM (resource policy with SourceArn and SourceAccount), so there is no TLS hop to authenticate.';
    acknowledge(
      stage,
      { id: 'NIST.800.53.R4-APIGWCacheEnabledAndEncrypted', reason: noCache },
      { id: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', reason: noCache },
      { id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted', reason: noCache },
      { id: 'PCI.DSS.321-APIGWCacheEnabledAndEncrypted', reason: noCache },
      { id: 'NIST.800.53.R4-APIGWSSLEnabled', reason: noClientCert },
      { id: 'NIST.800.53.R5-APIGWSSLEnabled', reason: noClientCert },
      { id: 'HIPAA.Security-APIGWSSLEnabled', reason: noClientCert },
      { id: 'PCI.DSS.321-APIGWSSLEnabled', reason: noClientCert },
    );
    if (!enableWaf) {
      const noWaf =
        'WAF is off here (the sandbox profile): a web ACL costs $5 a month plus $1 per rule even with no traffic. The ' +
        'API still requires a Cognito token on every method and is throttled; the production profile adds WAF.';
      acknowledge(
        stage,
        { id: 'AwsSolutions-APIG3', reason: noWaf },
        { id: 'NIST.800.53.R5-APIGWAssociatedWithWAF', reason: noWaf },
        { id: 'PCI.DSS.321-APIGWAssociatedWithWAF', reason: noWaf },
      );
    }
  }

  private createWebAcl(removalPolicy: RemovalPolicy, retention: logs.RetentionDays): wafv2.CfnWebACL {
    return createWebAcl(this, {
      scope: WebAclScope.REGIONAL,
      managedRuleGroups: [
        { name: 'AWSManagedRulesAmazonIpReputationList' },
        { name: 'AWSManagedRulesCommonRuleSet', countOnlyRules: CORE_RULE_SET_COUNTED_BODY_RULES },
        { name: 'AWSManagedRulesKnownBadInputsRuleSet' },
      ],
      // One address may send at most 1,000 requests in 5 minutes, whoever it signs in as.
      rateLimitPerIp: 1000,
      rateRuleName: 'RatePerIp',
      associateWith: this.api.deploymentStage.stageArn,
      // The construct's key already admits CloudWatch Logs (createKey) for its other log groups.
      logKey: this.key,
      logRetention: retention,
      removalPolicy,
      // Requests carry the user's bearer token; a log of tokens would let a log reader call the API.
      redactedHeaders: ['authorization'],
    }).webAcl;
  }

  private createAlarms(reservedConcurrency: boolean): cloudwatch.Alarm[] {
    const stage = this.api.deploymentStage;
    const period = Duration.minutes(5);
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric, threshold: number) =>
      notify(
        new cloudwatch.Alarm(this, id, {
          alarmDescription: description,
          metric,
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        this.alarmTopic,
      );
    return [
      // Average of the 0/1 error metric is the error rate.
      alarm(
        'Api5xxAlarm',
        'More than 1% of API requests failed on the server side (5XX) over 5 minutes: handler, table or integration errors.',
        stage.metricServerError({ period, statistic: 'Average' }),
        0.01,
      ),
      alarm(
        'Api4xxAlarm',
        `More than 10% of API requests were rejected (4XX) over 5 minutes, out of at least ${CLIENT_ERROR_ALARM_MIN_REQUESTS} ` +
          'requests: expired tokens, missing scopes, bad bodies or throttling (429). Below that traffic the rate reads 0, ' +
          'so one 401 of a lone user does not page anyone.',
        new cloudwatch.MathExpression({
          expression: `IF(requests >= ${CLIENT_ERROR_ALARM_MIN_REQUESTS}, errors / requests, 0)`,
          usingMetrics: {
            errors: stage.metricClientError({ period, statistic: 'Sum' }),
            requests: stage.metricCount({ period, statistic: 'Sum' }),
          },
          period,
          label: '4XX rate (0 below the minimum traffic)',
        }),
        0.1,
      ),
      alarm(
        'ApiLatencyAlarm',
        'p99 API latency above 2 seconds over 5 minutes (the integration times out at 29 s).',
        stage.metricLatency({ period, statistic: 'p99' }),
        2000,
      ),
      alarm(
        'HandlerErrorsAlarm',
        'The API handler threw errors (unhandled exceptions or timeouts) in the last 5 minutes.',
        this.handler.metricErrors({ period, statistic: 'Sum' }),
        0,
      ),
      alarm(
        'HandlerThrottlesAlarm',
        reservedConcurrency
          ? 'The API handler was throttled (reserved concurrency reached): callers got 5XX errors.'
          : 'The API handler was throttled (the account concurrency is used up): callers got 5XX errors.',
        this.handler.metricThrottles({ period, statistic: 'Sum' }),
        0,
      ),
    ];
  }
}

function defaultScopeFor(method: string): string {
  return method === 'GET' ? 'read' : 'write';
}

/** `https://app.example.com/callback` -> `https://app.example.com`. */
export function originsOf(urls: string[]): string[] {
  return [...new Set(urls.filter((u) => !Token.isUnresolved(u)).map((u) => new URL(u).origin))];
}

const LOCALHOST = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?(\/.*)?$/;

/** Cognito app clients: at most 100 callback and 100 sign-out URLs, each at most 1,024 characters. */
const MAX_APP_CLIENT_URLS = 100;
const MAX_URL_LENGTH = 1024;

function validateUrl(prop: string, url: string): void {
  if (Token.isUnresolved(url)) return;
  if (url.length > MAX_URL_LENGTH) {
    throw new PropValidationError(
      CONSTRUCT,
      prop,
      `must be at most ${MAX_URL_LENGTH} characters (the Cognito limit); received ${url.length} characters.`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PropValidationError(CONSTRUCT, prop, `'${url}' is not an absolute URL.`);
  }
  if (parsed.protocol === 'https:' || LOCALHOST.test(url)) {
    if (parsed.hash) {
      throw new PropValidationError(
        CONSTRUCT,
        prop,
        `'${url}' must not contain a fragment (#); OAuth 2.0 redirect URIs cannot.`,
      );
    }
    return;
  }
  throw new PropValidationError(
    CONSTRUCT,
    prop,
    `'${url}' must use https://, or http://localhost or http://127.0.0.1 for local development; Cognito sends ` +
      'the authorization code to this URL and rejects plain http elsewhere (OAuth 2.0 security rules).',
  );
}

function validateProps(props: CognitoProtectedApiProps, routes: ApiRoute[], scopes: ApiScope[]): void {
  const prefix = props.domainPrefix;
  if (!Token.isUnresolved(prefix)) {
    validatePattern(
      CONSTRUCT,
      'domainPrefix',
      prefix,
      /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
      'must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (Cognito domain prefix rules)',
    );
    const reserved = ['aws', 'amazon', 'cognito'].find((w) => prefix.includes(w));
    if (reserved) {
      throw new PropValidationError(
        CONSTRUCT,
        'domainPrefix',
        `'${prefix}' contains the reserved word '${reserved}'; Cognito rejects prefixes containing aws, amazon or cognito.`,
      );
    }
  }
  if (props.featurePlan === cognito.FeaturePlan.LITE) {
    throw new PropValidationError(
      CONSTRUCT,
      'featurePlan',
      'received LITE, which offers only the classic hosted UI; the managed login pages (and branding) this ' +
        'construct sets up need ESSENTIALS or PLUS. ESSENTIALS has a free tier of 10,000 monthly active users.',
    );
  }
  if (!props.callbackUrls || props.callbackUrls.length === 0) {
    throw new PropValidationError(
      CONSTRUCT,
      'callbackUrls',
      'give at least one URL Cognito may redirect to after sign-in (the authorization code grant needs one); received none.',
    );
  }
  for (const [prop, urls] of [
    ['callbackUrls', props.callbackUrls],
    ['logoutUrls', props.logoutUrls ?? []],
  ] as const) {
    if (urls.length > MAX_APP_CLIENT_URLS) {
      throw new PropValidationError(
        CONSTRUCT,
        prop,
        `must list at most ${MAX_APP_CLIENT_URLS} URLs (the Cognito app client limit); received ${urls.length}.`,
      );
    }
  }
  if (props.allowedOrigins && props.allowedOrigins.length === 0) {
    throw new PropValidationError(
      CONSTRUCT,
      'allowedOrigins',
      "received an empty list; list the app's origins, or leave allowedOrigins out to use those of callbackUrls.",
    );
  }
  props.callbackUrls.forEach((u, i) => validateUrl(`callbackUrls[${i}]`, u));
  (props.logoutUrls ?? []).forEach((u, i) => validateUrl(`logoutUrls[${i}]`, u));
  (props.allowedOrigins ?? []).forEach((o, i) => {
    if (o === '*') {
      throw new PropValidationError(
        CONSTRUCT,
        `allowedOrigins[${i}]`,
        "'*' would let any website call the API with a user's token; list the app's own origins (004 L868-873).",
      );
    }
    validateUrl(`allowedOrigins[${i}]`, o);
  });
  validateRetainOrDestroy(CONSTRUCT, 'removalPolicy', props.removalPolicy);
  validateRetainOrDestroy(CONSTRUCT, 'cloudWatchRoleRemovalPolicy', props.cloudWatchRoleRemovalPolicy);
  if (props.cloudWatchRole === false && props.cloudWatchRoleRemovalPolicy !== undefined) {
    throw new PropValidationError(
      CONSTRUCT,
      'cloudWatchRoleRemovalPolicy',
      'is set but cloudWatchRole is false; there is no role to apply it to. Remove one of the two.',
    );
  }
  validateLogRetention(CONSTRUCT, 'logRetention', props.logRetention);
  if (props.handlerEntry !== undefined) validateHandlerEntry(CONSTRUCT, 'handlerEntry', props.handlerEntry);
  if (props.allowGuests && !props.createIdentityPool) {
    throw new PropValidationError(
      CONSTRUCT,
      'allowGuests',
      'is true but createIdentityPool is not; guests get credentials from an identity pool (000 L6). Set createIdentityPool: true.',
    );
  }

  validatePattern(
    CONSTRUCT,
    'resourceServerIdentifier',
    props.resourceServerIdentifier,
    /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/,
    'must be 1-256 printable characters without spaces, quotes or backslashes (Cognito resource server identifier)',
  );
  if (scopes.length === 0) {
    throw new PropValidationError(
      CONSTRUCT,
      'scopes',
      'give at least one scope; every method requires one. Received none.',
    );
  }
  const names = new Set<string>();
  scopes.forEach((s, i) => {
    validatePattern(
      CONSTRUCT,
      `scopes[${i}].name`,
      s.name,
      /^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,30}$/,
      'must be 1-30 printable characters without spaces, quotes, slashes or backslashes (Cognito scope names)',
    );
    if (names.has(s.name)) {
      throw new PropValidationError(CONSTRUCT, `scopes[${i}].name`, `'${s.name}' is defined twice.`);
    }
    names.add(s.name);
    if (!Token.isUnresolved(s.description) && (s.description.length < 1 || s.description.length > 256)) {
      throw new PropValidationError(
        CONSTRUCT,
        `scopes[${i}].description`,
        `must be 1-256 characters (Cognito scope descriptions); received ${s.description.length} characters.`,
      );
    }
  });

  if (routes.length === 0) {
    throw new PropValidationError(CONSTRUCT, 'routes', 'give at least one route; received none.');
  }
  const seen = new Set<string>();
  const variables = new Map<string, string>();
  routes.forEach((r, i) => {
    const method = r.method.toUpperCase();
    if (!(ROUTE_METHODS as readonly string[]).includes(method)) {
      throw new PropValidationError(
        CONSTRUCT,
        `routes[${i}].method`,
        `must be one of ${ROUTE_METHODS.join(', ')}; received '${r.method}' (OPTIONS is the CORS preflight the construct adds itself).`,
      );
    }
    validatePattern(
      CONSTRUCT,
      `routes[${i}].path`,
      r.path,
      /^(\/([A-Za-z0-9._-]+|\{[A-Za-z0-9._-]+\}))+$/,
      "must start with '/' and have segments of letters, digits, '.', '_', '-' or {parameter}, e.g. /notes/{noteId}",
    );
    // API Gateway allows one variable path part per parent resource: /notes/{id} and /notes/{noteId}
    // cannot both exist (the deployment fails with "A sibling ... already has a variable path part").
    const segments = r.path.split('/').slice(1);
    segments.forEach((segment, depth) => {
      if (!segment.startsWith('{')) return;
      const parent = `/${segments.slice(0, depth).join('/')}`;
      const other = variables.get(parent);
      if (other !== undefined && other !== segment) {
        throw new PropValidationError(
          CONSTRUCT,
          `routes[${i}].path`,
          `received '${r.path}', whose ${segment} is a sibling of ${other} under '${parent}'; API Gateway allows one ` +
            'variable path part per resource, so use the same parameter name in both routes.',
        );
      }
      variables.set(parent, segment);
    });
    const key = `${method} ${r.path}`;
    if (seen.has(key)) throw new PropValidationError(CONSTRUCT, `routes[${i}]`, `${key} is defined twice.`);
    seen.add(key);
    const scopeName = r.scope ?? defaultScopeFor(method);
    if (!names.has(scopeName)) {
      throw new PropValidationError(
        CONSTRUCT,
        `routes[${i}].scope`,
        `${key} requires scope '${scopeName}', which the resource server does not define (defined: ${[...names].join(', ')}). ` +
          'No token could ever carry it, so every call would be rejected with 401.',
      );
    }
  });

  validateInteger(CONSTRUCT, 'memorySize', props.memorySize, 128, 10240, 'MiB', {
    because: 'Lambda memory limits',
  });
  validateDuration(CONSTRUCT, 'timeout', props.timeout, Duration.seconds(1), Duration.seconds(29), {
    because:
      'API Gateway REST integrations time out after 29 seconds (002 L1677); a longer function timeout only bills work nobody waits for',
  });
  validateWholeDuration(CONSTRUCT, 'timeout', props.timeout, 'seconds');
  validateInteger(
    CONSTRUCT,
    'reservedConcurrentExecutions',
    props.reservedConcurrentExecutions,
    1,
    1000,
    '',
    {
      because: 'default Lambda account concurrency is 1,000 (002 L1434); 0 would throttle every request',
    },
  );
  if (props.reserveConcurrency === false && props.reservedConcurrentExecutions !== undefined) {
    throw new PropValidationError(
      CONSTRUCT,
      'reservedConcurrentExecutions',
      `is ${props.reservedConcurrentExecutions} but reserveConcurrency is false; nothing would be reserved. ` +
        'Remove one of the two.',
    );
  }
  validateRangeInt(
    'throttlingRateLimit',
    props.throttlingRateLimit,
    1,
    10000,
    'the default account limit is 10,000 requests per second per Region',
  );
  validateRangeInt(
    'throttlingBurstLimit',
    props.throttlingBurstLimit,
    1,
    5000,
    'the default account burst is 5,000 requests per Region',
  );
  const rate = props.throttlingRateLimit ?? 50;
  const burst = props.throttlingBurstLimit ?? 100;
  if (!Token.isUnresolved(rate) && !Token.isUnresolved(burst) && burst < rate) {
    throw new PropValidationError(
      CONSTRUCT,
      'throttlingBurstLimit',
      `must be at least throttlingRateLimit (${rate}); received ${burst}. The burst is the size of the token bucket ` +
        'refilled at the rate: a bucket smaller than one second of refill throttles traffic below the rate you set.',
    );
  }
  validateInteger(CONSTRUCT, 'dailyQuota', props.dailyQuota, 1, 1_000_000_000, 'requests');
}

function validateRangeInt(
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
  because: string,
): void {
  validateInteger(CONSTRUCT, prop, value, min, max, '', { because });
}
