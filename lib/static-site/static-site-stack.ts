import * as path from 'node:path';
import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { Profile } from '../core/profile';
import { CLOUDFRONT_REGION, StaticSite } from './static-site';

/** Props of {@link StaticSiteStack}. */
export interface StaticSiteStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
}

/** The sample site the demo publishes: an index page, a 404 page, a folder with its own index, a stylesheet. */
export const SAMPLE_SITE_PATH = path.join(__dirname, 'sample-site');

/**
 * Demo: the sample site of this folder, published to a private bucket and served by CloudFront. The stack
 * lives in us-east-1 whatever the CLI's Region (unless `env.region` names another, which fails at synth): CloudFront's metrics, web ACLs and log delivery sources
 * exist only there (README, "Why us-east-1").
 */
export class StaticSiteStack extends Stack {
  /** The site. */
  public readonly site: StaticSite;

  constructor(scope: Construct, id: string, props: StaticSiteStackProps) {
    super(scope, id, {
      description: `Reference architecture: static website on S3 + CloudFront (${props.profile})`,
      ...props,
      // us-east-1 unless the caller names another Region, which the construct then refuses with the reason.
      env: {
        account: props.env?.account ?? process.env.CDK_DEFAULT_ACCOUNT,
        region: props.env?.region ?? CLOUDFRONT_REGION,
      },
    });
    const sandbox = props.profile === 'sandbox';
    this.site = new StaticSite(this, 'Site', {
      contentPath: SAMPLE_SITE_PATH,
      // Sandbox: cdk destroy empties and deletes the buckets, keys and logs; production keeps them.
      removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      // North America and Europe only in the sandbox, the cheapest edge locations (001 L1286).
      priceClass: sandbox ? cloudfront.PriceClass.PRICE_CLASS_100 : cloudfront.PriceClass.PRICE_CLASS_ALL,
      // The web ACL ($5 a month and up) and the additional metrics ($2.40 a month) are production's.
      webAclEnabled: !sandbox,
      additionalMetrics: !sandbox,
    });
    new CfnOutput(this, 'SiteUrl', { description: 'Open this in a browser', value: this.site.url });
    new CfnOutput(this, 'DistributionId', {
      description: 'For aws cloudfront create-invalidation and the CloudWatch metrics',
      value: this.site.distribution.distributionId,
    });
    new CfnOutput(this, 'OriginBucketName', {
      description: 'The private origin bucket (try: its objects are not public)',
      value: this.site.bucket.bucketName,
    });
    new CfnOutput(this, 'LogBucketName', {
      description: "Standard logs (AWSLogs/<account>/) and the origin bucket's server access logs",
      value: this.site.logBucket.bucketName,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Subscribe an email address here to receive the alarms',
      value: this.site.alarmTopic.topicArn,
    });
    // The CDK's own helper functions log into log groups of this stack (deleted with the sandbox).
    adoptCdkManagedFunctions(this, { removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN });
  }
}
