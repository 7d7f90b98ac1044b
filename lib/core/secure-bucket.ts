import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, guardRule } from './acknowledge';
import { EncryptionKey } from './encryption-key';
import { PropValidationError } from './errors';
import { acknowledgeInlinePolicy } from './function-acknowledgments';

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
 * - Object Lock on where `objectLock` says so; it can only be enabled at creation (Control Tower
 *   CT.S3.PR.9, NIST 800-53 R4 SC-28). Never on a log bucket: S3 server access logging refuses it.
 *   Without `defaultRetention` nothing is locked: deletes stay possible (so a sandbox can be destroyed),
 *   but a legal hold or retention can be put on any object later. With it, S3 locks every new object
 *   version for that long itself; the writer needs no s3:PutObjectRetention.
 * - S3 events to EventBridge, written natively (the L2's `eventBridgeEnabled` adds a custom-resource
 *   Lambda function); they cost nothing until a rule consumes them (Control Tower CT.S3.PR.4).
 */
function applyCommonCfnSettings(
  bucket: s3.Bucket,
  lock: { readonly objectLock: boolean; readonly defaultRetention?: s3.ObjectLockRetention },
): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  const retention = lock.defaultRetention;
  cfn.objectLockConfiguration = lock.objectLock
    ? {
        objectLockEnabled: 'Enabled',
        rule: retention
          ? { defaultRetention: { mode: retention.mode, days: retention.duration.toDays() } }
          : undefined,
      }
    : undefined;
  cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}

function commonBucketProps(props: BucketBaseProps, objectLockEnabled: boolean): s3.BucketProps {
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  return {
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectLockEnabled,
    lifecycleRules: props.lifecycleRules ?? DEFAULT_LIFECYCLE,
  };
}

/**
 * How long an access-log bucket keeps a current log object. A year covers the usual audit look-back
 * (Control Tower asks for a year of CloudWatch log retention, CT.CLOUDWATCH.PR.2); without an expiration
 * the logs, one object per delivery, grow and cost forever.
 */
export const ACCESS_LOG_EXPIRATION = Duration.days(365);

const ACCESS_LOG_LIFECYCLE: s3.LifecycleRule[] = [
  {
    id: 'ExpireAccessLogsAfterAYear',
    expiration: ACCESS_LOG_EXPIRATION,
    // The bucket is versioned: an expired current log becomes a noncurrent version (behind a delete
    // marker) that the next action removes 30 days later.
    noncurrentVersionExpiration: Duration.days(30),
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  },
];

/** Props of {@link AccessLogBucket}. */
export interface AccessLogBucketProps extends BucketBaseProps {
  /**
   * Lifecycle rules. Each object version is kept until a rule expires it.
   * @default - current log objects expire after 365 days ({@link ACCESS_LOG_EXPIRATION}), noncurrent versions 30 days later, incomplete multipart uploads after 7 days
   */
  readonly lifecycleRules?: s3.LifecycleRule[];
}

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
    // No Object Lock: "S3 buckets with Object Lock can't be used as destination buckets for server access
    // logs" (S3 User Guide, Object Lock considerations).
    this.bucket = new s3.Bucket(this, 'Resource', {
      ...commonBucketProps({ ...props, lifecycleRules: props.lifecycleRules ?? ACCESS_LOG_LIFECYCLE }, false),
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    });
    applyCommonCfnSettings(this.bucket, { objectLock: false });
    const sseS3 =
      'S3 server access logs and ALB access logs can only be delivered to a bucket encrypted with SSE-S3 ' +
      '(AES-256); SSE-KMS on this bucket would make AWS drop the logs.';
    const noObjectLock =
      "S3 buckets with Object Lock can't be used as destination buckets for server access logs (S3 User Guide, " +
      'Object Lock considerations): with it, S3 would deliver none. Versioning, TLS-only access and the ' +
      'lifecycle still protect the logs.';
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
      { id: 'NIST.800.53.R4-S3BucketDefaultLockEnabled', reason: noObjectLock },
      { id: guardRule('s3_bucket_object_lock_enabled_check'), reason: noObjectLock },
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
   * Why this bucket's data needs no copy in a second bucket; recorded as the acknowledgment of the
   * NIST/HIPAA/PCI replication rules. Give exactly one of `whyNoReplication` and `replication`.
   * @default - none; required unless `replication` is given
   */
  readonly whyNoReplication?: string;
  /**
   * Copy every new object version to another bucket with S3 Replication (the NIST/HIPAA/PCI replication
   * rules then hold). Give exactly one of `whyNoReplication` and `replication`.
   * @default - no replication
   */
  readonly replication?: BucketReplication;
  /**
   * Default Object Lock retention: S3 locks every new object version for this long (the writer needs no
   * s3:PutObjectRetention). GOVERNANCE lets a principal with s3:BypassGovernanceRetention delete early;
   * COMPLIANCE lets nobody. A locked version cannot be deleted by lifecycle rules or by the `DESTROY`
   * removal policy's emptying of the bucket until its retention ends, so use it with RETAIN only.
   * @default - Object Lock enabled without a default retention
   */
  readonly objectLockDefaultRetention?: s3.ObjectLockRetention;
}

/**
 * Where a {@link SecureBucket} replicates its objects (S3 Replication, usually to another Region).
 *
 * S3 needs, on the destination: versioning, and Object Lock (the source has it enabled); S3 copies each
 * version's retention with it. Replication copies objects written after it is configured (S3 Batch
 * Replication copies older ones), does not copy lifecycle actions or delete markers (the replica keeps
 * what the source deletes; give the destination its own lifecycle rules), and for a destination in
 * another account that bucket's policy must also admit the replication role.
 */
export interface BucketReplication {
  /** The destination bucket, versioned and with Object Lock enabled. */
  readonly bucket: s3.IBucket;
  /**
   * The KMS key in the destination's Region that encrypts the replicas: the source objects are SSE-KMS,
   * and S3 replicates those only with `SseKmsEncryptedObjects` on and a replica key named.
   */
  readonly encryptionKey: kms.IKey;
}

/**
 * A data bucket with every control the six cdk-nag packs and the Control Tower guard rules ask for:
 * SSE-KMS, TLS only, public access blocked, versioning, Object Lock available, server access logs,
 * lifecycle rules and EventBridge notifications; optionally replicated to another bucket.
 */
export class SecureBucket extends Construct {
  public readonly bucket: s3.Bucket;
  /** The key encrypting the bucket. */
  public readonly encryptionKey: kms.IKey;
  /** Where server access logs go. */
  public readonly serverAccessLogsBucket: s3.IBucket;
  /** The role S3 Replication uses, when `replication` is given. */
  public readonly replicationRole?: iam.Role;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    if ((props.whyNoReplication === undefined) === (props.replication === undefined)) {
      throw new PropValidationError(
        'SecureBucket',
        props.replication ? 'whyNoReplication' : 'replication',
        `give exactly one of whyNoReplication and replication; received ${props.replication ? 'both' : 'neither'} ` +
          '(the NIST/HIPAA/PCI replication rules are either satisfied by a replica or acknowledged with the reason).',
      );
    }
    if (
      props.objectLockDefaultRetention &&
      (props.removalPolicy ?? RemovalPolicy.RETAIN) !== RemovalPolicy.RETAIN
    ) {
      throw new PropValidationError(
        'SecureBucket',
        'objectLockDefaultRetention',
        `must not be set with removalPolicy ${String(props.removalPolicy).toUpperCase()}; received ` +
          `${props.objectLockDefaultRetention.mode} ${props.objectLockDefaultRetention.duration.toHumanString()} ` +
          '(locked versions cannot be deleted, so the bucket could not be emptied and deleted with the stack).',
      );
    }
    this.encryptionKey =
      props.encryptionKey ??
      new EncryptionKey(this, 'Key', {
        description: `Encrypts the bucket ${this.node.path}`,
        removalPolicy: props.removalPolicy,
      }).key;
    this.serverAccessLogsBucket =
      props.serverAccessLogsBucket ??
      new AccessLogBucket(this, 'AccessLogs', { removalPolicy: props.removalPolicy }).bucket;
    // A role of our own rather than the L2's: the L2 does not grant what replication needs when the source
    // has Object Lock (s3:GetObjectRetention, s3:GetObjectLegalHold), and grants more than it needs
    // (wildcard KMS actions, s3:ObjectOwnerOverrideToBucketOwner for cross-account ownership changes).
    const ownLogBucket =
      this.serverAccessLogsBucket instanceof s3.Bucket &&
      Stack.of(this.serverAccessLogsBucket) === Stack.of(this)
        ? this.serverAccessLogsBucket
        : undefined;
    this.replicationRole = props.replication
      ? new iam.Role(this, 'ReplicationRole', {
          assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
          description: `Replicates the objects of ${this.node.path}`,
        })
      : undefined;
    this.bucket = new s3.Bucket(this, 'Resource', {
      ...commonBucketProps(props, true),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      // A log bucket of this stack gets its statement below; the L2 writes it only under the feature flag
      // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy, and an app without that flag (any app that does not
      // copy this repository's cdk.json) would get the LOG_DELIVERY_WRITE ACL, which the log bucket's
      // BucketOwnerEnforced ownership refuses at synth.
      serverAccessLogsBucket: ownLogBucket ? undefined : this.serverAccessLogsBucket,
      serverAccessLogsPrefix: ownLogBucket ? undefined : SERVER_ACCESS_LOGS_PREFIX,
      replicationRole: this.replicationRole,
      replicationRules: props.replication
        ? [
            {
              destination: props.replication.bucket,
              kmsKey: props.replication.encryptionKey,
              sseKmsEncryptedObjects: true,
              // Deletes (delete markers) stay in the source: the replica is the copy that survives them.
              deleteMarkerReplication: false,
            },
          ]
        : undefined,
    });
    if (ownLogBucket) allowServerAccessLogs(this.bucket, ownLogBucket);
    applyCommonCfnSettings(this.bucket, {
      objectLock: true,
      defaultRetention: props.objectLockDefaultRetention,
    });
    if (props.replication && this.replicationRole) {
      grantReplication(this.bucket, this.encryptionKey, this.replicationRole, props.replication);
    } else if (props.whyNoReplication !== undefined) {
      const reason = props.whyNoReplication;
      acknowledge(this.bucket, ...REPLICATION_RULES.map((id) => ({ id, reason })));
    }
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

/** Where in the log bucket a data bucket's server access logs go. */
const SERVER_ACCESS_LOGS_PREFIX = 'access-logs/';

/**
 * Server access logging from `source` into `logBucket` of the same stack, written as the L2 writes it with
 * @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy: the logging configuration, and a bucket-policy statement
 * letting the S3 logging service write under the prefix for this source bucket and account only.
 */
function allowServerAccessLogs(source: s3.Bucket, logBucket: s3.Bucket): void {
  (source.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: logBucket.bucketName,
    logFilePrefix: SERVER_ACCESS_LOGS_PREFIX,
  };
  logBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [logBucket.arnForObjects(`${SERVER_ACCESS_LOGS_PREFIX}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': source.bucketArn },
        StringEquals: { 'aws:SourceAccount': source.env.account },
      },
    }),
  );
}

/**
 * What S3 Replication needs from the role, written out: read the replication configuration and each
 * object version with its ACL, tags and Object Lock settings from the source; replicate objects, delete
 * markers and tags to the destination; decrypt with the source key, encrypt with the replica key.
 */
function grantReplication(
  bucket: s3.Bucket,
  sourceKey: kms.IKey,
  role: iam.Role,
  replication: BucketReplication,
): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      resources: [bucket.bucketArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        's3:GetObjectVersionForReplication',
        's3:GetObjectVersionAcl',
        's3:GetObjectVersionTagging',
        's3:GetObjectRetention',
        's3:GetObjectLegalHold',
      ],
      resources: [bucket.arnForObjects('*')],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
      resources: [replication.bucket.arnForObjects('*')],
    }),
  );
  sourceKey.grant(role, 'kms:Decrypt');
  replication.encryptionKey.grant(role, 'kms:Encrypt');
  const policy = role.node.findChild('DefaultPolicy');
  const wildcard = (resource: string, why: string) => ({
    id: `AwsSolutions-IAM5[Resource::${flattenForNag(Stack.of(bucket).resolve(resource))}]`,
    reason: `${why}; S3 Replication works on every object version, whose keys are not known in advance.`,
  });
  acknowledge(
    policy,
    wildcard(bucket.arnForObjects('*'), 'The role reads each new object version of the source bucket'),
    wildcard(
      replication.bucket.arnForObjects('*'),
      'The role writes each replica into the destination bucket',
    ),
  );
  acknowledgeInlinePolicy(
    policy,
    'The statements name only this bucket, its replica and their keys; the policy belongs to this one ' +
      'replication role and is deleted with it, the one-to-one case AWS recommends inline policies for.',
  );
}

/**
 * A resolved CloudFormation value as cdk-nag writes it into granular finding ids (its
 * flattenCfnReference): `Fn::GetAtt` as `<Id.Attr>`, `Ref` as `<Id>`, `Fn::Join` joined, `Fn::Sub` substituted.
 */
export function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [delimiter, items] = v['Fn::Join'] as [string, unknown[]];
      return items.map(flattenForNag).join(delimiter);
    }
    if (Array.isArray(v['Fn::GetAtt'])) {
      const [id, attribute] = v['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenForNag(id)}.${flattenForNag(attribute)}>`;
    }
    if (v.Ref !== undefined) return `<${flattenForNag(v.Ref)}>`;
    // `Fn::Sub` with a plain string (the CDK asset bucket's name): its ${...} become <...> as above.
    if (typeof v['Fn::Sub'] === 'string') return flattenForNag(v['Fn::Sub']);
  }
  return JSON.stringify(value);
}
