import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { Profile } from '../core/profile';
import { S3EventPipeline, S3EventPipelineProps } from './s3-event-pipeline';

/** Props of {@link S3EventPipelineStack}. */
export interface S3EventPipelineStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
}

/**
 * Demo: CSV exports uploaded to a bucket (here: with the AWS CLI) are turned into JSON documents in a
 * second bucket, each recorded in a table, as they arrive.
 */
export class S3EventPipelineStack extends Stack {
  /** The pipeline. */
  public readonly pipeline: S3EventPipeline;

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
