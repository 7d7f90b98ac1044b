import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { Profile } from '../core/profile';
import { KinesisPipeline, KinesisPipelineProps } from './kinesis-pipeline';

/** Props of {@link KinesisPipelineStack}. */
export interface KinesisPipelineStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
}

/**
 * Demo: a website's clickstream. Browsers (here: the AWS CLI) put click events on the stream; a Lambda
 * function reads them as they arrive and Firehose lands them in an S3 data lake, partitioned by hour.
 */
export class KinesisPipelineStack extends Stack {
  /** The pipeline. */
  public readonly pipeline: KinesisPipeline;

  constructor(scope: Construct, id: string, props: KinesisPipelineStackProps) {
    super(scope, id, {
      description: `Reference architecture: Kinesis clickstream pipeline (${props.profile})`,
      ...props,
    });
    const sandbox = props.profile === 'sandbox';
    this.pipeline = new KinesisPipeline(this, 'Clickstream', sandbox ? sandboxProps() : productionProps());
    // Names the README's "try it" commands need.
    const p = this.pipeline;
    new CfnOutput(this, 'StreamName', { value: p.stream.streamName });
    new CfnOutput(this, 'BucketName', { value: p.bucket.bucketName });
    new CfnOutput(this, 'OnFailureQueueUrl', { value: p.onFailureQueue.queueUrl });
    new CfnOutput(this, 'ConsumerLogGroup', { value: p.consumer.logGroup.logGroupName });
    if (p.query) {
      new CfnOutput(this, 'GlueDatabase', { value: p.query.databaseName });
      new CfnOutput(this, 'AthenaWorkGroup', { value: p.query.workGroupName });
    }
    // The CDK's own helper functions log into log groups of this stack (deleted with the sandbox).
    adoptCdkManagedFunctions(this, { removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN });
  }
}

function sandboxProps(): KinesisPipelineProps {
  return {
    // One provisioned shard (about $11/month) costs less idle than an on-demand stream (about $29/month).
    streamMode: kinesis.StreamMode.PROVISIONED,
    shardCount: 1,
    retentionPeriod: Duration.hours(24),
    // A short buffer so a learner sees objects in S3 about a minute after putting records.
    bufferingInterval: Duration.seconds(60),
    // No reserved concurrency (a new account's quota of 10 allows no reservation; one shard x 1 slot bounds
    // the consumer) and no Object Lock retention (locked objects would stop `cdk destroy` emptying the bucket).
    removalPolicy: RemovalPolicy.DESTROY,
  };
}

function productionProps(): KinesisPipelineProps {
  return {
    streamMode: kinesis.StreamMode.ON_DEMAND,
    // A week to replay after a bad consumer deployment.
    retentionPeriod: Duration.days(7),
    maxRecordAge: Duration.hours(6),
    parallelizationFactor: 2,
    // The on-demand stream starts with the capacity of 4 shards (4 MB/s in, 001 L4427), 8 concurrent batches
    // at 2 per shard; 20 lets it grow to 10 shards before batches wait (the consumerIteratorAge alarm then
    // tells), and no traffic spike can take more of the account's concurrency (002 L1413-1432).
    reservedConcurrentExecutions: 20,
    // No Object Lock default retention (objectLockRetention), though the lake holds the only copy after the
    // 7 days above: S3 then requires a Content-MD5 or checksum header on every upload, and whether Firehose
    // sends one is not documented. A demo that may silently stop delivering is worse than one without the
    // lock; see the README, "Data protection".
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
