import { App, Stack } from 'aws-cdk-lib';
import { PatternPermissions } from '../core/permission-paths';
import { Profile } from '../core/profile';
import { COGNITO_API_PERMISSIONS } from '../cognito-api/permission-paths';
import { KINESIS_PIPELINE_PERMISSIONS } from '../kinesis-pipeline/permission-paths';
import { MULTI_AZ_DATABASE_PERMISSIONS } from '../multi-az-database/permission-paths';
import { SNS_SQS_FANOUT_PERMISSIONS } from '../sns-sqs-fanout/permission-paths';
import { S3_EVENT_PIPELINE_PERMISSIONS } from '../s3-events/permission-paths';
import { STATIC_SITE_PERMISSIONS } from '../static-site/permission-paths';
import { THREE_TIER_WEB_APP_PERMISSIONS } from '../three-tier-web-app/permission-paths';
import { QUEUE_WORKERS_PERMISSIONS } from '../queue-workers/permission-paths';
import { CognitoApiStack } from '../cognito-api/cognito-api-stack';
import { MultiAzDatabaseStack } from '../multi-az-database/multi-az-database-stack';
import { KinesisPipelineStack } from '../kinesis-pipeline/kinesis-pipeline-stack';
import { SnsSqsFanoutStack } from '../sns-sqs-fanout/sns-sqs-fanout-stack';
import { S3EventPipelineStack } from '../s3-events/s3-event-pipeline-stack';
import { StaticSiteStack } from '../static-site/static-site-stack';
import { ThreeTierWebAppStack } from '../three-tier-web-app/three-tier-web-app-stack';
import { QueueWorkersStack } from '../queue-workers/queue-workers-stack';

/**
 * One demo stack per pattern. Each entry maps the profile to construct props inside its stack;
 * the stack id is stable (it is the CloudFormation stack name a learner deploys and destroys).
 */
export interface PatternStackEntry {
  /** Stack id and CloudFormation stack name, e.g. `RefArch-SnsSqsFanout`. */
  readonly stackId: string;
  /** Folder under lib/ that holds the pattern (and its README). */
  readonly folder: string;
  /** The pattern's name, as the README table shows it. */
  readonly title: string;
  /** The reusable construct the pattern exports. */
  readonly construct: string;
  /** Creates the demo stack for a profile. */
  readonly create: (app: App, stackId: string, profile: Profile) => Stack;
  /** The calls the demo stack must let through and must refuse (`<folder>/permission-paths.ts`). */
  readonly permissions: PatternPermissions;
}

export const PATTERN_STACKS: PatternStackEntry[] = [
  {
    stackId: 'RefArch-MultiAzDatabase',
    folder: 'multi-az-database',
    permissions: MULTI_AZ_DATABASE_PERMISSIONS,
    title: 'Multi-AZ RDS database',
    construct: 'MultiAzDatabase',
    create: (app, stackId, profile) => new MultiAzDatabaseStack(app, stackId, { profile }),
  },
  {
    stackId: 'RefArch-KinesisPipeline',
    folder: 'kinesis-pipeline',
    permissions: KINESIS_PIPELINE_PERMISSIONS,
    title: 'Kinesis pipeline: Data Streams → Lambda and Firehose → S3',
    construct: 'KinesisPipeline',
    create: (app, stackId, profile) => new KinesisPipelineStack(app, stackId, { profile }),
  },
  {
    stackId: 'RefArch-SnsSqsFanout',
    folder: 'sns-sqs-fanout',
    permissions: SNS_SQS_FANOUT_PERMISSIONS,
    title: 'SNS → SQS fan-out, standard and FIFO',
    construct: 'SnsSqsFanout',
    create: (app, stackId, profile) => new SnsSqsFanoutStack(app, stackId, { profile }),
  },
  {
    stackId: 'RefArch-ThreeTierWebApp',
    folder: 'three-tier-web-app',
    permissions: THREE_TIER_WEB_APP_PERMISSIONS,
    title: 'Three-tier web app: ALB + Auto Scaling EC2 + RDS',
    construct: 'ThreeTierWebApp',
    create: (app, stackId, profile) =>
      new ThreeTierWebAppStack(app, stackId, {
        profile,
        certificateArn: app.node.tryGetContext('certificateArn'),
      }),
  },
  {
    stackId: 'RefArch-CognitoApi',
    folder: 'cognito-api',
    permissions: COGNITO_API_PERMISSIONS,
    title: 'Cognito + API Gateway',
    construct: 'CognitoProtectedApi',
    create: (app, stackId, profile) =>
      new CognitoApiStack(app, stackId, {
        profile,
        domainPrefix: app.node.tryGetContext('cognitoDomainPrefix'),
      }),
  },
  {
    stackId: 'RefArch-StaticSite',
    folder: 'static-site',
    permissions: STATIC_SITE_PERMISSIONS,
    title: 'Static website: S3 + CloudFront with origin access control',
    construct: 'StaticSite',
    create: (app, stackId, profile) => new StaticSiteStack(app, stackId, { profile }),
  },
  {
    stackId: 'RefArch-S3EventPipeline',
    folder: 's3-events',
    permissions: S3_EVENT_PIPELINE_PERMISSIONS,
    title: 'S3 event processing: upload → EventBridge → Lambda → results bucket and DynamoDB',
    construct: 'S3EventPipeline',
    create: (app, stackId, profile) =>
      new S3EventPipelineStack(app, stackId, {
        profile,
        // The browser upload path (an API with a pre-signed URL route) is opt-in: context key s3UploadApi,
        // kept in cdk.json (a deploy without it deletes the API).
        uploadApi: ['true', true].includes(app.node.tryGetContext('s3UploadApi')),
        uploadApiDomainPrefix: app.node.tryGetContext('s3UploadApiDomainPrefix'),
      }),
  },
  {
    stackId: 'RefArch-QueueWorkers',
    folder: 'queue-workers',
    permissions: QUEUE_WORKERS_PERMISSIONS,
    title: 'EC2 worker fleet scaling on an SQS backlog (queue-based load levelling)',
    construct: 'QueueWorkerFleet',
    create: (app, stackId, profile) => new QueueWorkersStack(app, stackId, { profile }),
  },
];

/** Adds every pattern's demo stack to the app, configured for the profile. */
export function addReferenceStacks(
  app: App,
  profile: Profile,
  patterns: readonly PatternStackEntry[] = PATTERN_STACKS,
): Stack[] {
  return patterns.map((entry) => entry.create(app, entry.stackId, profile));
}
