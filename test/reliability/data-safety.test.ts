// Data safety over the synthesized templates of both profiles (issue: reliability gates).
// sandbox: nothing stateful survives `cdk destroy`; production: every data-holding resource survives it.
import { ofType, refersTo, synthesizeApp } from './synthesized-app';

/** Stateful resource types and the deletion policy CloudFormation applies when none is written. */
const STATEFUL: Record<string, string> = {
  'AWS::S3::Bucket': 'Delete',
  'AWS::Logs::LogGroup': 'Delete',
  'AWS::DynamoDB::Table': 'Delete',
  'AWS::KMS::Key': 'Delete',
  'AWS::RDS::DBInstance': 'Snapshot',
  'AWS::RDS::DBCluster': 'Snapshot',
  'AWS::Cognito::UserPool': 'Delete',
  'AWS::Kinesis::Stream': 'Delete',
  'AWS::SecretsManager::Secret': 'Delete',
  'AWS::Backup::BackupVault': 'Delete',
};
const KEPT = ['Retain', 'Snapshot', 'RetainExceptOnCreate'];

const policyOf = (resource: { Type: string; DeletionPolicy?: unknown }) =>
  (resource.DeletionPolicy as string | undefined) ?? STATEFUL[resource.Type];

describe('sandbox: cdk destroy leaves nothing behind', () => {
  const stacks = synthesizeApp('sandbox');

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: no stateful resource is retained or snapshotted',
    (_, s) => {
      const kept = Object.entries(s.template.Resources)
        .filter(([, r]) => r.Type in STATEFUL && KEPT.includes(policyOf(r)))
        .map(([id, r]) => `${id} (${r.Type}: ${policyOf(r)})`);
      expect(kept).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackId, s]))('%s: every bucket empties itself on delete', (_, s) => {
    const r = s.template.Resources;
    const autoDelete = ofType(r, 'Custom::S3AutoDeleteObjects').map((id) => r[id].Properties?.BucketName);
    const missing = ofType(r, 'AWS::S3::Bucket').filter((b) => !autoDelete.some((ref) => refersTo(ref, b)));
    expect(missing).toEqual([]);
  });

  test.each(stacks.map((s) => [s.stackId, s]))('%s: no deletion protection blocks the destroy', (_, s) => {
    const r = s.template.Resources;
    const blocked = Object.entries(r)
      .filter(
        ([, res]) =>
          res.Properties?.DeletionProtection === true ||
          res.Properties?.DeletionProtection === 'ACTIVE' ||
          res.Properties?.DeletionProtectionEnabled === true ||
          JSON.stringify(res.Properties?.LoadBalancerAttributes ?? []).includes(
            '{"Key":"deletion_protection.enabled","Value":"true"}',
          ),
      )
      .map(([id]) => id);
    expect(blocked).toEqual([]);
  });
});

describe('production: data is kept', () => {
  const stacks = synthesizeApp('production');
  const DATA = [
    'AWS::S3::Bucket',
    'AWS::DynamoDB::Table',
    'AWS::RDS::DBInstance',
    'AWS::RDS::DBCluster',
    'AWS::Cognito::UserPool',
    'AWS::Kinesis::Stream',
    'AWS::KMS::Key',
    'AWS::Logs::LogGroup',
    'AWS::SecretsManager::Secret',
  ];

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: every data-holding resource is retained or snapshotted',
    (_, s) => {
      // A read replica (SourceDBInstanceIdentifier set) is a copy of its source: deleting it loses
      // nothing, and RDS cannot take a final snapshot of a replica, so Snapshot is not an option.
      const isReadReplica = (r: { Properties?: Record<string, unknown> }) =>
        r.Properties?.SourceDBInstanceIdentifier !== undefined;
      const lost = Object.entries(s.template.Resources)
        .filter(([, r]) => DATA.includes(r.Type) && !KEPT.includes(policyOf(r)) && !isReadReplica(r))
        .map(([id, r]) => `${id} (${r.Type}: ${policyOf(r)})`);
      expect(lost).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: deletion protection is on where the service has it',
    (_, s) => {
      const r = s.template.Resources;
      const unprotected = [
        ...ofType(r, 'AWS::RDS::DBInstance')
          .filter((id) => r[id].Properties?.SourceDBInstanceIdentifier === undefined)
          .filter((id) => r[id].Properties?.DeletionProtection !== true),
        ...ofType(r, 'AWS::DynamoDB::Table').filter(
          (id) => r[id].Properties?.DeletionProtectionEnabled !== true,
        ),
        ...ofType(r, 'AWS::Cognito::UserPool').filter(
          (id) => r[id].Properties?.DeletionProtection !== 'ACTIVE',
        ),
        ...ofType(r, 'AWS::ElasticLoadBalancingV2::LoadBalancer').filter(
          (id) =>
            !JSON.stringify(r[id].Properties?.LoadBalancerAttributes ?? []).includes(
              '{"Key":"deletion_protection.enabled","Value":"true"}',
            ),
        ),
      ];
      expect(unprotected).toEqual([]);
    },
  );
});
