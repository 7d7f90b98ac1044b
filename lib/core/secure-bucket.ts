import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, guardRule } from './acknowledge';
import { EncryptionKey } from './encryption-key';

/** Settings both bucket kinds share. */
export interface BucketBaseProps {
  /**
   * What happens to the bucket when it leaves the stack. With DESTROY the bucket also empties itself
   * on delete (`autoDeleteObjects`), so `cdk destroy` leaves nothing behind.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Lifecycle rules. Each object version is kept until a rule expires it.
   * @default - noncurrent versions expire after 30 days, incomplete multipart uploads after 7 days
   */
  readonly lifecycleRules?: s3.LifecycleRule[];
}

const DEFAULT_LIFECYCLE: s3.LifecycleRule[] = [
  {
    id: 'ExpireOldVersionsAndAbandonedUploads',
    noncurrentVersionExpiration: Duration.days(30),
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  },
];

// Cross-region replication needs a second bucket in another region and doubles storage; the NIST, HIPAA
// and PCI packs ask for it on every bucket. Each pattern states why its data does not need a copy.
const REPLICATION_RULES = [
  'NIST.800.53.R4-S3BucketReplicationEnabled',
  'NIST.800.53.R5-S3BucketReplicationEnabled',
  'HIPAA.Security-S3BucketReplicationEnabled',
  'PCI.DSS.321-S3BucketReplicationEnabled',
];

/**
 * Settings the L2 cannot write without extra machinery, set on the CloudFormation resource:
 * - Object Lock on, without a default retention: deletes stay possible (so a sandbox can be destroyed),
 *   but a legal hold or retention can be put on any object later; it can only be enabled at creation
 *   (Control Tower CT.S3.PR.9, NIST 800-53 R4 SC-28).
 * - S3 events to EventBridge, written natively (the L2's `eventBridgeEnabled` adds a custom-resource
 *   Lambda function); they cost nothing until a rule consumes them (Control Tower CT.S3.PR.4).
 */
function applyCommonCfnSettings(bucket: s3.Bucket): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  cfn.objectLockConfiguration = { objectLockEnabled: 'Enabled' };
  cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}

function commonBucketProps(props: BucketBaseProps): s3.BucketProps {
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  return {
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectLockEnabled: true,
    lifecycleRules: props.lifecycleRules ?? DEFAULT_LIFECYCLE,
  };
}

/** Props of {@link AccessLogBucket}. */
export type AccessLogBucketProps = BucketBaseProps;

/**
 * The bucket that receives S3 server access logs and load balancer access logs.
 *
 * Encrypted with SSE-S3: neither S3 server access logging nor ALB access logging can write to a bucket
 * whose default encryption is SSE-KMS. The CDK grants log delivery with a bucket policy (not the
 * LOG_DELIVERY_WRITE ACL, which the CloudFormation validator rejects as E3045).
 */
export class AccessLogBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Resource', {
      ...commonBucketProps(props),
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    });
    applyCommonCfnSettings(this.bucket);
    const sseS3 =
      'S3 server access logs and ALB access logs can only be delivered to a bucket encrypted with SSE-S3 ' +
      '(AES-256); SSE-KMS on this bucket would make AWS drop the logs.';
    const noSelfLogging =
      'This bucket is the access-log destination; logging it into itself would create a log entry for every ' +
      'log delivery, and logging it elsewhere only moves the question one bucket further.';
    acknowledge(
      this.bucket,
      { id: 'AwsSolutions-S1', reason: noSelfLogging },
      { id: 'NIST.800.53.R4-S3BucketLoggingEnabled', reason: noSelfLogging },
      { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: noSelfLogging },
      { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: noSelfLogging },
      { id: 'PCI.DSS.321-S3BucketLoggingEnabled', reason: noSelfLogging },
      { id: guardRule('s3_bucket_logging_enabled_check'), reason: noSelfLogging },
      { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason: sseS3 },
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: sseS3 },
      { id: 'PCI.DSS.321-S3DefaultEncryptionKMS', reason: sseS3 },
      { id: guardRule('s3_bucket_default_encryption_kms_check'), reason: sseS3 },
      ...REPLICATION_RULES.map((id) => ({
        id,
        reason:
          'Access logs are an audit trail for this region only; replicating them to a second region doubles ' +
          'their cost without protecting the workload.',
      })),
    );
  }
}

/** Props of {@link SecureBucket}. */
export interface SecureBucketProps extends BucketBaseProps {
  /**
   * Key for default encryption (SSE-KMS, with S3 Bucket Keys to cut KMS request costs).
   * @default - a new key from {@link EncryptionKey}, with the bucket's removal policy
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Bucket receiving this bucket's server access logs.
   * @default - a new {@link AccessLogBucket} beside this bucket
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Why this bucket's data does not need a cross-region copy; recorded as the acknowledgment of the
   * NIST/HIPAA/PCI replication rules. Replication is out of scope for a single-region pattern.
   */
  readonly whyNoReplication: string;
}

/**
 * A data bucket with every control the six cdk-nag packs and the Control Tower guard rules ask for:
 * SSE-KMS, TLS only, public access blocked, versioning, Object Lock available, server access logs,
 * lifecycle rules and EventBridge notifications.
 */
export class SecureBucket extends Construct {
  public readonly bucket: s3.Bucket;
  /** The key encrypting the bucket. */
  public readonly encryptionKey: kms.IKey;
  /** Where server access logs go. */
  public readonly serverAccessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.encryptionKey =
      props.encryptionKey ??
      new EncryptionKey(this, 'Key', {
        description: `Encrypts the bucket ${this.node.path}`,
        removalPolicy: props.removalPolicy,
      }).key;
    this.serverAccessLogsBucket =
      props.serverAccessLogsBucket ??
      new AccessLogBucket(this, 'AccessLogs', { removalPolicy: props.removalPolicy }).bucket;
    this.bucket = new s3.Bucket(this, 'Resource', {
      ...commonBucketProps(props),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.serverAccessLogsBucket,
      serverAccessLogsPrefix: 'access-logs/',
    });
    applyCommonCfnSettings(this.bucket);
    acknowledge(this.bucket, ...REPLICATION_RULES.map((id) => ({ id, reason: props.whyNoReplication })));
    if (props.serverAccessLogsBucket && !(props.serverAccessLogsBucket instanceof s3.Bucket)) {
      // An imported log bucket's policy cannot be changed from this stack, so the CDK warns that it did not
      // grant logging.s3.amazonaws.com; cdk.json's annotationsInValidationReport turns that warning into a
      // failed synth. The prop is documented for an existing, central log bucket, which grants it already.
      Annotations.of(this.bucket).acknowledgeWarning(
        '@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
        'The server access logs go to an existing bucket given by the caller, whose own bucket policy must allow ' +
          'logging.s3.amazonaws.com to write (a central log bucket usually does); this stack cannot change it.',
      );
    }
  }
}
