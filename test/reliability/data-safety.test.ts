// Data safety over the synthesized templates of both profiles (issue: reliability gates).
// sandbox: nothing stateful survives `cdk destroy`; production: every data-holding resource survives it.
import * as backup from 'aws-cdk-lib/aws-backup';
import * as rds from 'aws-cdk-lib/aws-rds';
import { ofType, refersTo, Resources, synthesizeApp, typesAbsent } from './synthesized-app';

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

/** Other resource types the checks read. */
const T = {
  bucket: 'AWS::S3::Bucket',
  autoDelete: 'Custom::S3AutoDeleteObjects',
  fn: 'AWS::Lambda::Function',
  logGroup: 'AWS::Logs::LogGroup',
  stage: 'AWS::ApiGateway::Stage',
  db: 'AWS::RDS::DBInstance',
} as const;

/**
 * Where each service records deletion protection, and the value that means on. The production check
 * requires it on, so a misspelt property here fails there instead of passing the sandbox check.
 */
const PROTECTION: Record<string, (p: Record<string, unknown>) => boolean> = {
  'AWS::RDS::DBInstance': (p) => p.DeletionProtection === true,
  'AWS::DynamoDB::Table': (p) => p.DeletionProtectionEnabled === true,
  'AWS::Cognito::UserPool': (p) => p.DeletionProtection === 'ACTIVE',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (p) =>
    JSON.stringify(p.LoadBalancerAttributes ?? []).includes(
      '{"Key":"deletion_protection.enabled","Value":"true"}',
    ),
};

/**
 * Listed types the app does not create in a profile: the check still covers them for the day it does.
 * Spelt with aws-cdk-lib's own L1 constants, and asserted absent, so the list cannot hide a type.
 */
const NOT_IN_APP: Record<'sandbox' | 'production', string[]> = {
  // No pattern uses Aurora yet.
  production: [rds.CfnDBCluster.CFN_RESOURCE_TYPE_NAME],
  // The sandbox profile has no AWS Backup plan, so no vault.
  sandbox: [rds.CfnDBCluster.CFN_RESOURCE_TYPE_NAME, backup.CfnBackupVault.CFN_RESOURCE_TYPE_NAME],
};

/**
 * Every listed type occurs in the profile's stacks, except those NOT_IN_APP lists; and those really do
 * not occur (once the app creates one, it must leave NOT_IN_APP).
 */
function expectCoverage(
  stacks: ReturnType<typeof synthesizeApp>,
  profile: 'sandbox' | 'production',
  types: string[],
) {
  const exempt = NOT_IN_APP[profile].filter((t) => types.includes(t)).sort();
  expect(typesAbsent(stacks, types)).toEqual(exempt);
}

const policyOf = (resource: { Type: string; DeletionPolicy?: unknown }) =>
  (resource.DeletionPolicy as string | undefined) ?? STATEFUL[resource.Type];

describe('sandbox: cdk destroy leaves nothing behind', () => {
  const stacks = synthesizeApp('sandbox');

  test('every resource type the checks read occurs in the app (but those listed as not in it)', () => {
    expectCoverage(stacks, 'sandbox', [
      ...Object.keys(STATEFUL),
      T.bucket,
      T.autoDelete,
      ...Object.keys(PROTECTION),
    ]);
  });

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
    const autoDelete = ofType(r, T.autoDelete).map((id) => r[id].Properties?.BucketName);
    const missing = ofType(r, T.bucket).filter((b) => !autoDelete.some((ref) => refersTo(ref, b)));
    expect(missing).toEqual([]);
  });

  test.each(stacks.map((s) => [s.stackId, s]))('%s: no deletion protection blocks the destroy', (_, s) => {
    const r = s.template.Resources;
    const blocked = Object.entries(r)
      .filter(
        ([, res]) =>
          PROTECTION[res.Type]?.(res.Properties ?? {}) ||
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

/*
 * Resources AWS creates outside CloudFormation while a stack runs are not deleted by `cdk destroy`:
 * the log group Lambda makes for a function on its first run, the one API Gateway makes for execution
 * logs, the one RDS makes for an exported log, and Enhanced Monitoring's account-wide RDSOSMetrics.
 * The sandbox leaves none of them: each is either created by the stack beforehand (and deleted with
 * it) or not used.
 */
describe('sandbox: nothing is created outside the stack that destroy would leave', () => {
  const stacks = synthesizeApp('sandbox');
  const deletedLogGroup = (r: Resources, value: unknown) =>
    ofType(r, T.logGroup).find((id) => refersTo(value, id) && policyOf(r[id]) === 'Delete');
  const loggingStages = (r: Resources) =>
    ofType(r, T.stage).filter((stage) =>
      ((r[stage].Properties?.MethodSettings ?? []) as { LoggingLevel?: string }[]).some(
        (m) => m.LoggingLevel && m.LoggingLevel !== 'OFF',
      ),
    );

  test('every resource type the checks read occurs in the app, and so does each case they tell apart', () => {
    expectCoverage(stacks, 'sandbox', [T.fn, T.logGroup, T.stage, T.db]);
    const all = stacks.map((s) => s.template.Resources);
    expect(all.flatMap(loggingStages)).not.toEqual([]);
    expect(
      all.flatMap((r) => ofType(r, T.db).filter((db) => r[db].Properties?.EnableCloudwatchLogsExports)),
    ).not.toEqual([]);
  });

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: every Lambda function (the CDK helpers too) logs into a log group the stack deletes',
    (_, s) => {
      const r = s.template.Resources;
      const orphans = ofType(r, T.fn).filter((fn) => {
        const logging = r[fn].Properties?.LoggingConfig as { LogGroup?: unknown } | undefined;
        return !deletedLogGroup(r, logging?.LogGroup);
      });
      expect(orphans).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: every API stage with execution logging has its API-Gateway-Execution-Logs group in the stack',
    (_, s) => {
      const r = s.template.Resources;
      const missing = loggingStages(r).filter((stage) => {
        const api = JSON.stringify(r[stage].Properties?.RestApiId);
        const name = r[stage].Properties?.StageName as string;
        const group = ofType(r, T.logGroup).find((id) => {
          const logGroupName = JSON.stringify(r[id].Properties?.LogGroupName ?? null);
          return (
            policyOf(r[id]) === 'Delete' &&
            logGroupName.includes('API-Gateway-Execution-Logs_') &&
            logGroupName.includes(api) &&
            logGroupName.includes(`/${name}`)
          );
        });
        // The stage must wait for the group, or API Gateway may create it first (and the stack fails).
        const dependsOn = (r[stage].DependsOn ?? []) as string[];
        return !group || !dependsOn.includes(group);
      });
      expect(missing).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: each hosted secret rotation function is named and logs into a log group of the stack',
    (_, s) => {
      const r = s.template.Resources;
      const missing = ofType(r, 'AWS::SecretsManager::RotationSchedule').filter((id) => {
        const hosted = r[id].Properties?.HostedRotationLambda as { RotationLambdaName?: unknown } | undefined;
        if (!hosted) return false;
        // Without a name the transform's function gets a generated one, and Lambda creates its
        // /aws/lambda/<name> group at the first run, outside the stack.
        if (hosted.RotationLambdaName === undefined) return true;
        const expected = JSON.stringify(
          typeof hosted.RotationLambdaName === 'string'
            ? `/aws/lambda/${hosted.RotationLambdaName}`
            : { 'Fn::Join': ['', ['/aws/lambda/', hosted.RotationLambdaName]] },
        );
        return !ofType(r, T.logGroup).some(
          (g) =>
            policyOf(r[g]) === 'Delete' && JSON.stringify(r[g].Properties?.LogGroupName ?? null) === expected,
        );
      });
      expect(missing).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: RDS exports only into log groups of the stack, and no Enhanced Monitoring (RDSOSMetrics)',
    (_, s) => {
      const r = s.template.Resources;
      const problems = ofType(r, T.db).flatMap((db) => {
        const p = r[db].Properties ?? {};
        const found: string[] = [];
        if (Number(p.MonitoringInterval ?? 0) > 0)
          found.push(`${db}: MonitoringInterval ${p.MonitoringInterval}`);
        for (const log of (p.EnableCloudwatchLogsExports ?? []) as string[]) {
          // The group RDS writes to: /aws/rds/instance/<this instance's identifier>/<log>, the identifier
          // being a literal or (unique per creation of the stack) a value CloudFormation computes.
          const id = p.DBInstanceIdentifier;
          const expected = JSON.stringify(
            typeof id === 'string'
              ? `/aws/rds/instance/${id}/${log}`
              : { 'Fn::Join': ['', ['/aws/rds/instance/', id, `/${log}`]] },
          );
          const owned = ofType(r, T.logGroup).some(
            (g) =>
              policyOf(r[g]) === 'Delete' &&
              JSON.stringify(r[g].Properties?.LogGroupName ?? null) === expected,
          );
          if (!owned) found.push(`${db}: exported log ${log} has no log group in the stack`);
        }
        return found;
      });
      expect(problems).toEqual([]);
    },
  );

  test('what destroy keeps on purpose is exactly the account-level API Gateway logging role', () => {
    // AWS::ApiGateway::Account is one setting per account and Region, shared by every REST API there:
    // deleting its role with this stack would silently stop every other API's execution logs.
    const kept = stacks.flatMap((s) =>
      Object.entries(s.template.Resources)
        .filter(([, res]) => KEPT.includes(res.DeletionPolicy as string))
        .map(([id, res]) => `${s.stackId} ${res.Type} ${id}`),
    );
    expect(kept.map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'RefArch-CognitoApi AWS::IAM::Role NotesApiCloudWatchRole',
      'RefArch-CognitoApi AWS::ApiGateway::Account NotesApiAccount',
    ]);
  });
});

describe('production: data is kept', () => {
  const stacks = synthesizeApp('production');
  /**
   * Resources of a data type that hold no data, by stack and logical-id prefix, each with why deleting
   * them with the stack loses nothing.
   */
  const NOT_DATA: Record<string, Record<string, string>> = {
    'RefArch-ThreeTierWebApp': {
      WebAppOriginSecret:
        'the header value CloudFront and the load balancer share to prove a request came through the ' +
        'distribution; a new stack generates a new value for both ends',
    },
  };

  test('each resource exempted as holding no data exists', () => {
    for (const [stackId, prefixes] of Object.entries(NOT_DATA)) {
      const ids = Object.keys(stacks.find((s) => s.stackId === stackId)!.template.Resources);
      for (const prefix of Object.keys(prefixes)) expect(ids.some((id) => id.startsWith(prefix))).toBe(true);
    }
  });
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
    'AWS::Backup::BackupVault',
  ];

  test('every resource type the checks read occurs in the app (but those listed as not in it)', () => {
    expectCoverage(stacks, 'production', [...DATA, ...Object.keys(PROTECTION)]);
  });

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: every data-holding resource is retained or snapshotted',
    (_, s) => {
      // A read replica (SourceDBInstanceIdentifier set) is a copy of its source: deleting it loses
      // nothing, and RDS cannot take a final snapshot of a replica, so Snapshot is not an option.
      const isReadReplica = (r: { Properties?: Record<string, unknown> }) =>
        r.Properties?.SourceDBInstanceIdentifier !== undefined;
      const lost = Object.entries(s.template.Resources)
        .filter(([, r]) => DATA.includes(r.Type) && !KEPT.includes(policyOf(r)) && !isReadReplica(r))
        .filter(([id]) => !Object.keys(NOT_DATA[s.stackId] ?? {}).some((prefix) => id.startsWith(prefix)))
        .map(([id, r]) => `${id} (${r.Type}: ${policyOf(r)})`);
      expect(lost).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: deletion protection is on where the service has it',
    (_, s) => {
      const r = s.template.Resources;
      // Read replicas are exempt, as in the retention check above: a replica is a copy of its source.
      const unprotected = Object.entries(PROTECTION).flatMap(([type, on]) =>
        ofType(r, type)
          .filter((id) => !(type === T.db && r[id].Properties?.SourceDBInstanceIdentifier !== undefined))
          .filter((id) => !on(r[id].Properties ?? {})),
      );
      expect(unprotected).toEqual([]);
    },
  );
});
