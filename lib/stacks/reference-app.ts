import { App, Stack } from 'aws-cdk-lib';
import { Profile } from '../core/profile';
import { CognitoApiStack } from '../cognito-api/cognito-api-stack';
import { MultiAzDatabaseStack } from '../multi-az-database/multi-az-database-stack';
import { KinesisPipelineStack } from '../kinesis-pipeline/kinesis-pipeline-stack';
import { SnsSqsFanoutStack } from '../sns-sqs-fanout/sns-sqs-fanout-stack';
import { ThreeTierWebAppStack } from '../three-tier-web-app/three-tier-web-app-stack';

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
}

export const PATTERN_STACKS: PatternStackEntry[] = [
  {
    stackId: 'RefArch-MultiAzDatabase',
    folder: 'multi-az-database',
    title: 'Multi-AZ RDS database',
    construct: 'MultiAzDatabase',
    create: (app, stackId, profile) => new MultiAzDatabaseStack(app, stackId, { profile }),
  },
  {
    stackId: 'RefArch-KinesisPipeline',
    folder: 'kinesis-pipeline',
    title: 'Kinesis pipeline: Data Streams → Lambda and Firehose → S3',
    construct: 'KinesisPipeline',
    create: (app, stackId, profile) => new KinesisPipelineStack(app, stackId, { profile }),
  },
  {
    stackId: 'RefArch-SnsSqsFanout',
    folder: 'sns-sqs-fanout',
    title: 'SNS → SQS fan-out, standard and FIFO',
    construct: 'SnsSqsFanout',
    create: (app, stackId, profile) => new SnsSqsFanoutStack(app, stackId, { profile }),
  },
  {
    stackId: 'RefArch-ThreeTierWebApp',
    folder: 'three-tier-web-app',
    title: 'Three-tier web app: ALB + Auto Scaling EC2 + RDS',
    construct: 'ThreeTierWebApp',
    create: (app, stackId, profile) => new ThreeTierWebAppStack(app, stackId, { profile }),
  },
  {
    stackId: 'RefArch-CognitoApi',
    folder: 'cognito-api',
    title: 'Cognito + API Gateway',
    construct: 'CognitoProtectedApi',
    create: (app, stackId, profile) =>
      new CognitoApiStack(app, stackId, {
        profile,
        domainPrefix: app.node.tryGetContext('cognitoDomainPrefix'),
      }),
  },
];

/** Adds every pattern's demo stack to the app, configured for the profile. */
export function addReferenceStacks(app: App, profile: Profile): Stack[] {
  return PATTERN_STACKS.map((entry) => entry.create(app, entry.stackId, profile));
}
