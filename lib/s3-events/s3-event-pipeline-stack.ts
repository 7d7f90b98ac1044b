import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { Profile } from '../core/profile';
import { demoApiProps } from '../cognito-api/cognito-api-stack';
import { CognitoProtectedApi } from '../cognito-api/cognito-protected-api';
import { S3EventPipeline, S3EventPipelineProps } from './s3-event-pipeline';
import { UploadUrlRoute } from './upload-url-route';

/** Props of {@link S3EventPipelineStack}. */
export interface S3EventPipelineStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
  /**
   * Adds the browser upload path: a Cognito-protected REST API (the Cognito pattern's
   * `CognitoProtectedApi`, with the demo's settings) and an {@link UploadUrlRoute} `POST /uploads` on it
   * that hands signed-in users pre-signed PUT URLs. The reference app turns it on with the context key
   * `s3UploadApi` (keep it in cdk.json: a deploy without it deletes the API).
   * @default false
   */
  readonly uploadApi?: boolean;
  /**
   * Managed-login domain prefix of the upload API (unique in the Region across all accounts, and kept
   * from deploy to deploy: see the Cognito pattern's `domainPrefix`).
   * @default 'refarch-uploads-<profile>-<account id>'
   */
  readonly uploadApiDomainPrefix?: string;
}

/**
 * Demo: CSV exports uploaded to a bucket (here: with the AWS CLI) are turned into JSON documents in a
 * second bucket, each recorded in a table, as they arrive.
 */
export class S3EventPipelineStack extends Stack {
  /** The pipeline. */
  public readonly pipeline: S3EventPipeline;
  /** The Cognito-protected API of the upload path (`uploadApi`). */
  public readonly uploadApi?: CognitoProtectedApi;
  /** `POST /uploads` on it (`uploadApi`). */
  public readonly uploadRoute?: UploadUrlRoute;

  constructor(scope: Construct, id: string, props: S3EventPipelineStackProps) {
    super(scope, id, {
      description: `Reference architecture: S3 event processing (${props.profile})`,
      ...props,
    });
    const sandbox = props.profile === 'sandbox';
    this.pipeline = new S3EventPipeline(this, 'Pipeline', sandbox ? sandboxProps() : productionProps());
    // Names the README's "try it" commands need.
    const p = this.pipeline;
    new CfnOutput(this, 'UploadBucketName', { value: p.uploadBucket.bucketName });
    new CfnOutput(this, 'UploadPrefix', { value: p.uploadPrefix });
    new CfnOutput(this, 'ResultsBucketName', { value: p.resultsBucket.bucketName });
    new CfnOutput(this, 'RecordsTableName', { value: p.recordsTable.tableName });
    new CfnOutput(this, 'FailedEventsQueueUrl', { value: p.failedEventsQueue.queueUrl });
    new CfnOutput(this, 'ProcessorName', { value: p.processor.functionName });
    new CfnOutput(this, 'ProcessorLogGroup', { value: p.processor.logGroup.logGroupName });
    if (props.uploadApi) {
      const api = new CognitoProtectedApi(this, 'UploadApi', {
        ...demoApiProps(props.profile),
        domainPrefix: props.uploadApiDomainPrefix ?? `refarch-uploads-${props.profile}-${this.account}`,
        // Scopes uploads/read and uploads/write; the route needs uploads/write.
        resourceServerIdentifier: 'uploads',
        // Uploads need no AWS credentials in the browser: no identity pool (less to secure).
        createIdentityPool: false,
        alarmTopic: p.alarmTopic,
      });
      this.uploadApi = api;
      this.uploadRoute = new UploadUrlRoute(this, 'UploadRoute', {
        pipeline: p,
        api: api.api,
        authorizer: api.authorizer,
        // An access token with the API's write scope, as the notes routes that create items need.
        authorizationScopes: [api.scopeNames.write],
        // The demo's single-page app (the Cognito pattern's callback origin).
        allowedOrigins: ['http://localhost:3000'],
        removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
        // Production: at most 10 URLs signed at once; the sandbox reserves none (a quota of 10 allows none).
        reservedConcurrency: sandbox ? undefined : 10,
      });
      new CfnOutput(this, 'UploadApiUrl', {
        description:
          'POST <UploadApiUrl>uploads {"fileName": "...csv", "size": <bytes>} with an access token',
        value: api.api.url,
      });
      new CfnOutput(this, 'UploadApiUserPoolId', { value: api.userPool.userPoolId });
      new CfnOutput(this, 'UploadApiClientId', { value: api.userPoolClient.userPoolClientId });
      new CfnOutput(this, 'UploadApiLoginUrl', { value: api.userPoolDomain.baseUrl() });
    }
    // The CDK's own helper functions (emptying the sandbox buckets) log into log groups of this stack.
    adoptCdkManagedFunctions(this, { removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN });
  }
}

function sandboxProps(): S3EventPipelineProps {
  return {
    // No reserved concurrency: a new account's quota of 10 allows no reservation.
    removalPolicy: RemovalPolicy.DESTROY,
  };
}

function productionProps(): S3EventPipelineProps {
  return {
    // At most 20 uploads processed at once: a burst of uploads cannot take the account's concurrency, and
    // the tables see a bounded write rate; the rest wait in Lambda's event queue (up to maxEventAge).
    reservedConcurrency: 20,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
