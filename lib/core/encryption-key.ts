import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of {@link EncryptionKey}. */
export interface EncryptionKeyProps {
  /** What the key protects; shown in the KMS console. */
  readonly description: string;
  /**
   * What happens to the key when it leaves the stack. Deleting a key makes everything encrypted with
   * it unreadable, so the default keeps it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Waiting period before a deleted key is gone (KMS allows 7-30 days, note 000 L116).
   * @default Duration.days(7) when removalPolicy is DESTROY, else Duration.days(30)
   */
  readonly pendingWindow?: Duration;
}

/**
 * A customer-managed KMS key with the settings every pattern needs:
 * - yearly automatic rotation (cdk-nag KMS5);
 * - a key-policy statement that denies `kms:CreateGrant` unless the grant is for an AWS resource
 *   (Control Tower CT.KMS.PR.3): only AWS services acting for you (RDS, EBS, Secrets Manager) can
 *   create grants, so nobody can quietly hand the key to another principal.
 */
export class EncryptionKey extends Construct {
  /** The key. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.key = new kms.Key(this, 'Resource', {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow:
        props.pendingWindow ??
        (removalPolicy === RemovalPolicy.DESTROY ? Duration.days(7) : Duration.days(30)),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGrantsExceptForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  }
}
