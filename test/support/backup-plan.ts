import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { MultiAzDatabase } from '../../lib/multi-az-database/multi-az-database';

const logicalIdOf = (stack: Stack, c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);

/** The ARN CloudFormation gives the DB instance with this logical id (`arn:<partition>:rds:<region>:<account>:db:<id>`). */
export const dbInstanceArn = (instanceLogicalId: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':rds:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':db:',
      { Ref: instanceLogicalId },
    ],
  ],
});

/**
 * Asserts the template holds exactly one AWS Backup plan, vault and selection, wired to this database:
 * the vault is encrypted with the database's storage key, every rule of the plan writes to that vault,
 * and the selection belongs to that plan, assumes a role AWS Backup can assume, and names exactly the
 * primary instance's ARN (not a replica, not another instance, not a tag condition).
 */
export function expectBackupPlanProtects(stack: Stack, template: Template, db: MultiAzDatabase): void {
  const plans = template.findResources('AWS::Backup::BackupPlan');
  const vaults = template.findResources('AWS::Backup::BackupVault');
  const selections = template.findResources('AWS::Backup::BackupSelection');
  expect(Object.keys(plans)).toHaveLength(1);
  expect(Object.keys(vaults)).toHaveLength(1);
  expect(Object.keys(selections)).toHaveLength(1);
  const [[planId, plan]] = Object.entries(plans);
  const [[vaultId, vault]] = Object.entries(vaults);
  const [selection] = Object.values(selections);

  expect(vault.Properties.EncryptionKeyArn).toEqual({
    'Fn::GetAtt': [logicalIdOf(stack, db.storageKey), 'Arn'],
  });

  const rules = plan.Properties.BackupPlan.BackupPlanRule as Array<Record<string, unknown>>;
  expect(rules.map((r) => r.RuleName)).toEqual(['Daily', 'Weekly']);
  for (const rule of rules)
    expect(rule.TargetBackupVault).toEqual({ 'Fn::GetAtt': [vaultId, 'BackupVaultName'] });

  expect(selection.Properties.BackupPlanId).toEqual({ 'Fn::GetAtt': [planId, 'BackupPlanId'] });
  const body = selection.Properties.BackupSelection;
  expect(body.Resources).toEqual([dbInstanceArn(logicalIdOf(stack, db.instance))]);
  expect(body.ListOfTags).toBeUndefined();
  expect(body.Conditions).toBeUndefined();

  const roleId = (body.IamRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  expect(body.IamRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  const role = template.toJSON().Resources[roleId];
  expect(role.Type).toBe('AWS::IAM::Role');
  expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
    { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' } },
  ]);
  expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(
    ':iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
  );
}
