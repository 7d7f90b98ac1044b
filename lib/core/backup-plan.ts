import { Fn, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';
import { stackCreationId } from './physical-names';

/** Props of {@link retainableBackupVault}. */
export interface RetainableBackupVaultProps {
  /** Key the recovery points are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** What `cdk destroy` does with the vault (RETAIN keeps it with its recovery points). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * An AWS Backup vault whose name is unique per creation of the stack. AWS Backup needs a vault name
 * (CloudFormation generates none: the CDK writes one from the construct path, the same at every deploy),
 * and a name is taken as long as the vault exists. A vault kept by a destroy or by the rollback of a
 * failed create (RETAIN) would make the next deploy of the same stack fail with "already exists", so the
 * name is the construct path (at most 41 characters), a hyphen and {@link stackCreationId}: at most 50 characters, within
 * the 2-50 letters, digits, hyphens and underscores vault names allow. Changing the name of a deployed
 * vault replaces it: the old one stays (UpdateReplacePolicy Retain) with its recovery points.
 */
export function retainableBackupVault(
  scope: Construct,
  id: string,
  props: RetainableBackupVaultProps,
): backup.BackupVault {
  const vault = new backup.BackupVault(scope, id, {
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy,
  });
  const cfn = vault.node.defaultChild as backup.CfnBackupVault;
  cfn.backupVaultName = Fn.join('-', [Names.uniqueResourceName(vault, { maxLength: 41 }), stackCreationId()]);
  return vault;
}

/** Props of {@link dailyAndWeeklyBackups}. */
export interface DailyAndWeeklyBackupsProps {
  /** The vault the recovery points go to. */
  readonly vault: backup.IBackupVault;
  /** What is backed up. */
  readonly resource: backup.BackupResource;
  /** What the resource is, for the acknowledgment a learner reads ("the DynamoDB table"). */
  readonly what: string;
  /**
   * The plan's name.
   * @default - the CDK's default, 'BackupPlan'
   */
  readonly planName?: string;
}

/**
 * An AWS Backup plan with the daily (kept 35 days) and weekly (kept 90 days) rules, selecting one
 * resource. The selection's role carries AWS's managed AWSBackupServiceRolePolicyForBackup, acknowledged
 * here once for every pattern that backs something up.
 */
export function dailyAndWeeklyBackups(
  scope: Construct,
  props: DailyAndWeeklyBackupsProps,
): backup.BackupPlan {
  const plan = new backup.BackupPlan(scope, 'BackupPlan', {
    backupPlanName: props.planName,
    backupVault: props.vault,
    backupPlanRules: [backup.BackupPlanRule.daily(), backup.BackupPlanRule.weekly()],
  });
  const selection = plan.addSelection('Selection', { resources: [props.resource] });
  const role = selection.node.tryFindChild('Role');
  if (role) {
    acknowledge(role, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        `AWSBackupServiceRolePolicyForBackup is the policy AWS maintains for AWS Backup to back up supported ` +
        `resources (here ${props.what}); AWS updates it as services change, which a copied policy would not follow.`,
    });
  }
  return plan;
}
