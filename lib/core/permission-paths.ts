import { Profile } from './profile';

/*
 * Permission paths: the calls AWS services and the stack's own roles make on each other's resources,
 * declared next to each pattern and proven on its synthesized templates by test/permissions/ (an IAM
 * policy simulation over the template's identity, resource and key policies together).
 *
 * A call succeeds only when every policy on its way agrees: the caller's identity policy, the target's
 * resource policy (topic, queue, bucket, secret, function) and, for encrypted data, the key policy.
 * cdk-nag, the Control Tower rules and cfn-lint read one resource at a time, so none of them can see
 * a path that is missing one of those statements; this proof can.
 *
 * The paths every pattern needs are derived from the template itself, so no declaration can forget
 * them: CloudWatch alarms to their topics and keys, CloudWatch Logs to the keys of encrypted log
 * groups, SNS to subscribed queues and their keys, event source mappings and Firehose to their sources,
 * log delivery to log buckets (S3 server access logs, ELB, Flow Logs, CloudFront standard logs v2),
 * CloudFront to its origin buckets and their keys through origin access control, API Gateway to the
 * functions it invokes. A pattern declares what is
 * particular to it: the calls that must succeed, the calls it promises to refuse, and which data each
 * of its roles may touch.
 *
 * References in `resource` and `context` are written `${<construct path>.<Attribute>}`, the construct
 * path relative to the demo stack: `${Clickstream/Stream/Resource.Arn}`. Also `${AWS::AccountId}`,
 * `${AWS::Region}`, `${AWS::Partition}` and `${OtherAccount}`, an account that is not the stack's.
 */

/** Who makes a call. */
export type PathCaller =
  /** An AWS service acting for the stack, e.g. `firehose.amazonaws.com`. */
  | { readonly service: string }
  /** A role of the stack, by construct path, e.g. `Clickstream/Consumer/ServiceRole`. */
  | { readonly role: string }
  /** Nobody signed in: a request without credentials. */
  | { readonly anonymous: true }
  /**
   * Another IAM principal of the same account whose own policy allows everything (an administrator):
   * only an explicit Deny in a resource policy can refuse it.
   */
  | { readonly otherPrincipalOfAccount: true };

/** One call that must succeed, or must be refused. */
export interface PermissionPath {
  /** What the call is for, in a learner's words. */
  readonly why: string;
  /** Who makes the call. */
  readonly caller: PathCaller;
  /** The API actions; each is proven on its own. */
  readonly actions: string[];
  /** The target's ARN, e.g. `${Orders/Topic/Resource.Arn}` or `${Lake/Bucket/Resource.Arn}/data/x.gz`. */
  readonly resource: string;
  /** The request context the real call carries. `aws:SecureTransport` is `true` unless given here. */
  readonly context?: Record<string, string | string[]>;
  /** `allow`: the call must succeed; `deny`: it must be refused. */
  readonly expect: 'allow' | 'deny';
  /**
   * The profiles in which the call exists.
   * @default - both
   */
  readonly profiles?: Profile[];
}

/** What a pattern's demo stack promises about its permissions. */
export interface PatternPermissions {
  /** The calls particular to this pattern, beyond those derived for every pattern. */
  readonly paths: PermissionPath[];
  /**
   * For each role of the stack (construct path), the data it may read or change, each with the reason:
   * construct paths of buckets, tables, queues, topics, streams, secrets, keys and log groups. The proof
   * tries a set of read, write and delete actions of every role on every such resource of the stack; an
   * access not listed here fails it, and so does a listed one the role does not have. A role missing
   * from the map may touch no data at all.
   */
  readonly dataAccess: Record<string, Record<string, string>>;
}

/**
 * Why the AWS Backup selection role reaches every key of a stack without a DynamoDB table: the reason
 * a pattern with an AWS Backup plan gives in `dataAccess` for each of its keys.
 */
export const AWS_BACKUP_KEY_ACCESS =
  "AWS Backup's managed policy AWSBackupServiceRolePolicyForBackup allows kms:Decrypt and kms:GenerateDataKey on " +
  'every key of the account whose policy trusts the account, through DynamoDB only (kms:ViaService, for ' +
  'DynamoDB backups); this stack has no table, so the grant reaches no data.';
