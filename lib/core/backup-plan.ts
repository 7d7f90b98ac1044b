import * as backup from 'aws-cdk-lib/aws-backup';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';

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
