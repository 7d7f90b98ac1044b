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
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
