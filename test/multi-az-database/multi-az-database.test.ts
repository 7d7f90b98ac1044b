import * as fs from 'fs';
import * as path from 'path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import { ReferenceVpc } from '../../lib/core/network';
import {
  DatabaseEngine,
  defaultConnectionsAlarmThreshold,
  defaultMaxConnections,
  instanceClassMemoryBytes,
  minorVersionPinned,
  MultiAzDatabase,
  MultiAzDatabaseProps,
  performanceInsightsSupported,
} from '../../lib/multi-az-database/multi-az-database';
import { MultiAzDatabaseStack } from '../../lib/multi-az-database/multi-az-database-stack';
import { testApp } from '../support/app';
import { expectBackupPlanProtects } from '../support/backup-plan';
import { expectNagClean } from '../support/compliance';

type Extra = Omit<MultiAzDatabaseProps, 'vpc'>;

function build(
  extra: Extra = {},
  vpcProps: ConstructorParameters<typeof ReferenceVpc>[2] = { natGateways: 0 },
) {
  const stack = new Stack(testApp(), 'Db');
  const network = new ReferenceVpc(stack, 'Network', vpcProps);
  const db = new MultiAzDatabase(stack, 'Database', { vpc: network.vpc, ...extra });
  return { stack, db, network };
}

/** An alarm on `metric` with the instance dimension that notifies exactly `topicArn` (resolved). */
const alarmDimension = (t: Template, metric: string, topicArn: unknown) =>
  t.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: metric,
    Namespace: 'AWS/RDS',
    Dimensions: [{ Name: 'DBInstanceIdentifier', Value: Match.anyValue() }],
    AlarmActions: [topicArn],
    OKActions: [topicArn],
  });

describe('MultiAzDatabase defaults (PostgreSQL)', () => {
  let stack: Stack;
  let db: MultiAzDatabase;
  let t: Template;
  beforeAll(() => {
    ({ stack, db } = build());
    const app = new ec2.SecurityGroup(stack, 'App', { vpc: db.instance.vpc });
    db.connections.allowDefaultPortFrom(app, 'app to db');
    db.grantConnect(new iam.Role(stack, 'Client', { assumedBy: new iam.AccountRootPrincipal() }), 'app_user');
    t = Template.fromStack(stack);
  });

  test('PostgreSQL 17 on db.t4g.micro with a synchronous Multi-AZ standby, never public', () => {
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      // The major version only: RDS keeps applying minor versions (AutoMinorVersionUpgrade, below).
      EngineVersion: '17',
      DBInstanceClass: 'db.t4g.micro',
      MultiAZ: true,
      PubliclyAccessible: false,
      Port: '5432',
    });
  });

  test('storage: gp3, 20 GiB growing to 100 GiB, encrypted with the construct key', () => {
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      StorageType: 'gp3',
      AllocatedStorage: '20',
      MaxAllocatedStorage: 100,
      StorageEncrypted: true,
      KmsKeyId: stack.resolve(db.storageKey.keyArn),
    });
  });

  test('backups: 7 days, windows that do not overlap, tags copied, automated backups kept', () => {
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: '03:00-04:00',
      PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      CopyTagsToSnapshot: true,
      DeleteAutomatedBackups: false,
      AutoMinorVersionUpgrade: true,
    });
  });

  test('data safety: deletion protection on, final snapshot on delete', () => {
    t.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ DeletionProtection: true }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  test('only isolated subnets in the subnet group', () => {
    const groups = t.findResources('AWS::RDS::DBSubnetGroup');
    const ids = JSON.stringify(Object.values(groups)[0].Properties.SubnetIds);
    expect(ids).toMatch(/IsolatedSubnet1/);
    expect(ids).toMatch(/IsolatedSubnet2/);
    expect(ids).not.toMatch(/Public/);
  });

  test('TLS forced by the parameter group; IAM authentication on', () => {
    t.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: 'postgres17',
      Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
    });
    t.hasResourceProperties('AWS::RDS::DBInstance', { EnableIAMDatabaseAuthentication: true });
  });

  test('the secret is retained with the data (a snapshot restores with its password)', () => {
    t.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });

  test('credentials: generated secret with its own key, rotated every 30 days by the hosted function', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: stack.resolve(db.secret.encryptionKey!.keyArn),
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"dbadmin"}' }),
    });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({
        RotationType: 'PostgreSQLSingleUser',
        VpcSubnetIds: Match.anyValue(),
        // The rotation function decrypts the secret with the secret's key.
        KmsKeyArn: stack.resolve(db.secret.encryptionKey!.keyArn),
      }),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  test('monitoring: enhanced every 60 s, Performance Insights encrypted, all log types exported', () => {
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      MonitoringInterval: 60,
      EnablePerformanceInsights: true,
      PerformanceInsightsRetentionPeriod: 7,
      PerformanceInsightsKMSKeyId: stack.resolve(db.storageKey.keyArn),
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade', 'iam-db-auth-error'],
    });
  });

  test('export log groups exist before the instance, encrypted, kept a year, retained', () => {
    const groups = Object.fromEntries(
      Object.entries(t.findResources('AWS::Logs::LogGroup')).filter(([, g]) =>
        JSON.stringify(g.Properties.LogGroupName ?? null).includes('/aws/rds/instance/'),
      ),
    );
    expect(Object.keys(groups)).toHaveLength(3);
    for (const g of Object.values(groups)) {
      expect(g.Properties.KmsKeyId).toEqual(stack.resolve(db.storageKey.keyArn));
      expect(g.Properties.RetentionInDays).toBe(365);
      expect(g.DeletionPolicy).toBe('Retain');
    }
    const instance = Object.values(t.findResources('AWS::RDS::DBInstance'))[0];
    for (const id of Object.keys(groups)) expect(instance.DependsOn).toContain(id);
  });

  test('alarms on CPU, storage, memory and connections carry the instance dimension and notify', () => {
    for (const metric of [
      'CPUUtilization',
      'FreeStorageSpace',
      'FreeableMemory',
      'DatabaseConnections',
      'DiskQueueDepth',
    ]) {
      alarmDimension(t, metric, stack.resolve(db.alarmTopic.topicArn));
    }
    // Every alarm of the stack, not only one per metric, notifies exactly the alarm topic.
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(Object.keys(db.alarms).length);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([stack.resolve(db.alarmTopic.topicArn)]);
      expect(a.Properties.OKActions).toEqual([stack.resolve(db.alarmTopic.topicArn)]);
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FreeStorageSpace',
      Threshold: 20 * 0.1 * 1024 ** 3,
      ComparisonOperator: 'LessThanThreshold',
    });
    // 80% of PostgreSQL's default max_connections on db.t4g.micro: floor(0.8 * floor(1 GiB / 9531392)).
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DatabaseConnections', Threshold: 89 });
    expect(Object.keys(db.alarms).sort()).toEqual([
      'Connections',
      'Cpu',
      'DiskQueueDepth',
      'FreeStorage',
      'FreeableMemory',
    ]);
  });

  test('an AWS Backup plan with a vault under the storage key selects exactly the instance', () => {
    expect(db.backupPlan).toBeDefined();
    expectBackupPlanProtects(stack, t, db);
  });

  test('connections open the literal port from a security group, never a CIDR', () => {
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^App'), 'GroupId'] },
    });
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'));
    expect(ingress.every((r) => r.Properties.CidrIp === undefined)).toBe(true);
    expect(db.endpoint.port).toBe(5432);
  });

  test('grantConnect gives rds-db:connect for the user', () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'rds-db:connect' })] },
    });
  });

  test('no replica and no proxy by default', () => {
    expect(db.readReplicas).toHaveLength(0);
    expect(db.proxy).toBeUndefined();
    t.resourceCountIs('AWS::RDS::DBProxy', 0);
  });

  test('all six nag packs are clean (the construct; the client role of this test is not part of it)', () => {
    expectNagClean(db);
  });
});

describe('MultiAzDatabase options', () => {
  let stack: Stack;
  let db: MultiAzDatabase;
  let t: Template;
  beforeAll(() => {
    ({ stack, db } = build({
      engine: DatabaseEngine.MYSQL,
      readReplicas: 2,
      rdsProxy: true,
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      backupPlan: false,
      monitoringInterval: Duration.seconds(0),
    }));
    t = Template.fromStack(stack);
  });

  test('monitoringInterval 0: no Enhanced Monitoring (RDSOSMetrics) on the primary or the replicas, no role', () => {
    const instances = Object.values(t.findResources('AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(3);
    for (const instance of instances) expect(instance.Properties.MonitoringInterval).toBeUndefined();
    const roles = Object.values(t.findResources('AWS::IAM::Role'));
    expect(JSON.stringify(roles)).not.toContain('monitoring.rds.amazonaws.com');
  });

  test('MySQL forces TLS, loads the audit plugin, exports its log types', () => {
    t.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: Match.objectLike({ require_secure_transport: 'ON' }),
    });
    t.hasResourceProperties('AWS::RDS::OptionGroup', {
      OptionConfigurations: [Match.objectLike({ OptionName: 'MARIADB_AUDIT_PLUGIN' })],
    });
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      Port: '3306',
      EnableCloudwatchLogsExports: ['audit', 'error', 'general', 'slowquery', 'iam-db-auth-error'],
    });
  });

  test('MySQL on db.t4g.micro turns Performance Insights off (not supported there)', () => {
    const instance = Object.values(t.findResources('AWS::RDS::DBInstance'))[0];
    expect(instance.Properties.EnablePerformanceInsights).toBe(false);
    expect(performanceInsightsSupported(DatabaseEngine.MYSQL, new ec2.InstanceType('t4g.medium'))).toBe(true);
    expect(performanceInsightsSupported(DatabaseEngine.POSTGRESQL, new ec2.InstanceType('t4g.micro'))).toBe(
      true,
    );
  });

  test('read replicas: own instances with replica-lag alarms, encrypted by inheritance', () => {
    expect(db.readReplicas).toHaveLength(2);
    const replicas = t.findResources('AWS::RDS::DBInstance', {
      Properties: { SourceDBInstanceIdentifier: Match.anyValue() },
    });
    expect(Object.keys(replicas)).toHaveLength(2);
    for (const r of Object.values(replicas)) {
      expect(r.Properties.StorageEncrypted).toBeUndefined();
      expect(r.Properties.MultiAZ).toBe(true);
      expect(r.DeletionPolicy).toBe('Delete');
    }
    alarmDimension(t, 'ReplicaLag', stack.resolve(db.alarmTopic.topicArn));
    expect(Object.keys(db.alarms)).toEqual(
      expect.arrayContaining(['ReplicaLag1', 'ReplicaLag2', 'ReadReplica2Cpu']),
    );
  });

  test('RDS Proxy requires TLS and IAM authentication', () => {
    expect(db.proxy).toBeDefined();
    t.hasResourceProperties('AWS::RDS::DBProxy', {
      RequireTLS: true,
      Auth: [Match.objectLike({ IAMAuth: 'REQUIRED' })],
    });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [Match.anyValue()],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] }),
        ]),
      },
    });
  });

  test('DESTROY and no deletion protection for a sandbox; no Backup plan', () => {
    t.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ DeletionProtection: false, Engine: 'mysql' }),
      DeletionPolicy: 'Delete',
    });
    t.resourceCountIs('AWS::Backup::BackupPlan', 0);
    // A sandbox destroy must not leave automated backups behind.
    t.hasResourceProperties('AWS::RDS::DBInstance', { Engine: 'mysql', DeleteAutomatedBackups: true });
  });

  test('all six nag packs are clean', () => {
    expectNagClean(stack);
  });
});

describe('MultiAzDatabase validation', () => {
  test.each<[string, Extra, RegExp]>([
    [
      'retention 0',
      { backupRetention: Duration.days(0) },
      /invalid backupRetention: must be between 1 day and 35 days; received 0 days/,
    ],
    [
      'replicas without backups',
      { readReplicas: 1, backupRetention: Duration.days(0) },
      /invalid readReplicas: is 1 but backupRetention is 0 days: read replicas need automated backups/,
    ],
    ['retention 36', { backupRetention: Duration.days(36) }, /invalid backupRetention: .*received 36 days/],
    [
      'retention in hours',
      { backupRetention: Duration.hours(36) },
      /invalid backupRetention: must be a whole number of days/,
    ],
    [
      'max below allocated',
      { allocatedStorage: 100, maxAllocatedStorage: 50 },
      /invalid maxAllocatedStorage: must be at least 10% above allocatedStorage \(100 GiB\), i.e. >= 110 GiB; received 50 GiB/,
    ],
    ['allocated too small', { allocatedStorage: 10 }, /invalid allocatedStorage: .*received 10 GiB/],
    [
      'overlapping windows',
      { preferredBackupWindow: '05:30-06:30', preferredMaintenanceWindow: 'sun:05:00-sun:06:00' },
      /invalid preferredMaintenanceWindow: 'sun:05:00-sun:06:00' overlaps the daily backup window '05:30-06:30'/,
    ],
    [
      'overlap across midnight',
      { preferredBackupWindow: '23:30-00:30', preferredMaintenanceWindow: 'mon:00:00-mon:01:00' },
      /overlaps the daily backup window/,
    ],
    [
      'bad backup window',
      { preferredBackupWindow: '3am-4am' },
      /invalid preferredBackupWindow: must look like 'hh24:mi-hh24:mi'/,
    ],
    [
      'short backup window',
      { preferredBackupWindow: '03:00-03:15' },
      /invalid preferredBackupWindow: must last at least 30 minutes.*15 minutes/,
    ],
    [
      'bad maintenance window',
      { preferredMaintenanceWindow: 'sunday:05:00-sunday:06:00' },
      /invalid preferredMaintenanceWindow: must look like 'ddd:hh24:mi-ddd:hh24:mi'/,
    ],
    [
      '16 replicas',
      { readReplicas: 16 },
      /invalid readReplicas: must be a whole number between 0 and 15|must be between 0 and 15 replicas; received 16/,
    ],
    [
      'PI on MySQL micro',
      { engine: DatabaseEngine.MYSQL, performanceInsights: true },
      /invalid performanceInsights: is true but RDS for MySQL does not support Performance Insights on t4g.micro/,
    ],
    [
      'monitoring 20 s',
      { monitoringInterval: Duration.seconds(20) },
      /invalid monitoringInterval: must be 1, 5, 10, 15, 30 or 60 seconds/,
    ],
    [
      'public subnets',
      { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } },
      /invalid vpcSubnets: selects public subnets/,
    ],
  ])('%s is rejected', (_name, extra, message) => {
    expect(() => build(extra)).toThrow(message);
  });

  test('windows that touch but do not overlap are accepted', () => {
    expect(() =>
      build({ preferredBackupWindow: '04:00-05:00', preferredMaintenanceWindow: 'sun:05:00-sun:06:00' }),
    ).not.toThrow();
  });

  test('a VPC whose subnets span one AZ is rejected', () => {
    const stack = new Stack(testApp(), 'OneAz');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1',
      availabilityZones: ['us-east-1a'],
      isolatedSubnetIds: ['subnet-1'],
    });
    expect(() => new MultiAzDatabase(stack, 'Database', { vpc })).toThrow(
      /MultiAzDatabase: invalid vpc: the selected subnets span 1 Availability Zone\(s\); a Multi-AZ instance needs subnets in at least 2 AZs/,
    );
  });
});

describe('MultiAzDatabaseStack (demo)', () => {
  const stacks: Record<string, Stack> = {};
  beforeAll(() => {
    for (const profile of ['sandbox', 'production'] as const) {
      stacks[profile] = new MultiAzDatabaseStack(testApp(), 'RefArch-MultiAzDatabase', { profile });
    }
  });

  test('sandbox: NAT-free isolated VPC with a Secrets Manager endpoint, DESTROY, no deletion protection', () => {
    const t = Template.fromStack(stacks.sandbox);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::InternetGateway', 0);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.secretsmanager'])]) }),
      PrivateDnsEnabled: true,
    });
    t.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ DeletionProtection: false, DBInstanceClass: 'db.t4g.micro' }),
      DeletionPolicy: 'Delete',
    });
    t.resourceCountIs('AWS::Backup::BackupPlan', 0);
    const retained = Object.entries(
      t.toJSON().Resources as Record<string, { DeletionPolicy?: string }>,
    ).filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'Snapshot');
    expect(retained).toEqual([]);
  });

  test('rotation function reaches the endpoint on 443 only (no all-outbound rule)', () => {
    const t = Template.fromStack(stacks.sandbox);
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 443,
      ToPort: 443,
      IpProtocol: 'tcp',
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Secret rotation function'),
      SecurityGroupEgress: Match.absent(),
    });
  });

  test('production: deletion protection, snapshot, Backup plan, one replica, proxy', () => {
    const t = Template.fromStack(stacks.production);
    t.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ DeletionProtection: true, DBInstanceClass: 'db.t4g.medium' }),
      DeletionPolicy: 'Snapshot',
    });
    t.resourceCountIs('AWS::RDS::DBInstance', 2);
    // The plan selects the primary by its ARN, not the replica.
    expectBackupPlanProtects(stacks.production, t, (stacks.production as MultiAzDatabaseStack).database);
    t.resourceCountIs('AWS::RDS::DBProxy', 1);
  });

  test.each(['sandbox', 'production'])('%s is nag clean', (profile) => {
    expectNagClean(stacks[profile]);
  });

  test.each(['sandbox', 'production'])('%s snapshot', (profile) => {
    expect(Template.fromStack(stacks[profile]).toJSON()).toMatchSnapshot();
  });
});

/*
 * Written by hand from the AWS documentation ("Amazon RDS DB engine, Region, and instance class support
 * for Database Insights", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DatabaseInsights.Engines.html):
 * RDS for MySQL offers no Performance Insights on db.t2, db.t3 and db.t4g micro and small; RDS for
 * PostgreSQL restricts no instance class.
 */
describe('performanceInsightsSupported follows the documented instance class table', () => {
  const { MYSQL, POSTGRESQL } = DatabaseEngine;
  test.each<[DatabaseEngine, string, boolean]>([
    [MYSQL, 't2.micro', false],
    [MYSQL, 't2.small', false],
    [MYSQL, 't3.micro', false],
    [MYSQL, 't3.small', false],
    [MYSQL, 't4g.micro', false],
    [MYSQL, 't4g.small', false],
    [MYSQL, 't2.medium', true],
    [MYSQL, 't3.medium', true],
    [MYSQL, 't4g.medium', true],
    [MYSQL, 'm7g.large', true],
    [MYSQL, 'r6g.large', true],
    [POSTGRESQL, 't3.micro', true],
    [POSTGRESQL, 't4g.micro', true],
    [POSTGRESQL, 't4g.small', true],
    [POSTGRESQL, 'm7g.large', true],
  ])('%s on db.%s: %s', (engine, instanceClass, supported) => {
    expect(performanceInsightsSupported(engine, new ec2.InstanceType(instanceClass))).toBe(supported);
  });
});

/** `Fn::Select 0` of the stack UUID, as CloudFormation receives it. */
const STACK_CREATION_ID = {
  'Fn::Select': [
    0,
    { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
  ],
};

describe('retry and redeploy: names unique per creation of the stack', () => {
  const { stack, db } = build({ readReplicas: 1 });
  const t = Template.fromStack(stack);
  const identifiers = Object.values(t.findResources('AWS::RDS::DBInstance')).map(
    (r) => r.Properties.DBInstanceIdentifier,
  );

  test('each instance identifier is the construct path, a hyphen and the first block of the stack UUID', () => {
    expect(identifiers).toHaveLength(2);
    for (const id of identifiers) {
      expect(id).toEqual({ 'Fn::Join': ['-', [expect.any(String), STACK_CREATION_ID]] });
      const prefix = id['Fn::Join'][1][0] as string;
      // RDS: letters, digits, hyphens; a letter first; no "--", no trailing "-"; <= 63 with "-" + 8 hex.
      expect(prefix).toMatch(/^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/);
      expect(prefix.length + 9).toBeLessThanOrEqual(63);
    }
    expect(new Set(identifiers.map((i) => i['Fn::Join'][1][0])).size).toBe(2);
  });

  test('the export log groups are named from the same identifier, so RDS writes into them', () => {
    for (const id of identifiers) {
      for (const type of ['postgresql', 'upgrade', 'iam-db-auth-error']) {
        t.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: { 'Fn::Join': ['', ['/aws/rds/instance/', id, `/${type}`]] },
        });
      }
    }
  });

  test('a long construct path still gives a valid identifier', () => {
    const long = new Stack(testApp(), 'A'.repeat(60));
    const network = new ReferenceVpc(long, 'Network', { natGateways: 0 });
    new MultiAzDatabase(long, '9'.repeat(70), { vpc: network.vpc });
    const [r] = Object.values(Template.fromStack(long).findResources('AWS::RDS::DBInstance'));
    const prefix = r.Properties.DBInstanceIdentifier['Fn::Join'][1][0] as string;
    expect(prefix).toMatch(/^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/);
    expect(prefix.length).toBeLessThanOrEqual(54);
  });

  test('the backup vault name is the construct path and the first block of the stack UUID, at most 50', () => {
    const vaults = Object.values(t.findResources('AWS::Backup::BackupVault'));
    expect(vaults).toHaveLength(1);
    const name = vaults[0].Properties.BackupVaultName;
    expect(name).toEqual({
      'Fn::Join': ['-', [expect.stringMatching(/^[A-Za-z0-9_-]{2,41}$/), STACK_CREATION_ID]],
    });
    expect(vaults[0].DeletionPolicy).toBe('Retain');
  });

  test('the rotation function logs into a log group of the stack, named after the function', () => {
    const [schedule] = Object.entries(t.findResources('AWS::SecretsManager::RotationSchedule'));
    const functionName = schedule[1].Properties.HostedRotationLambda.RotationLambdaName;
    expect(functionName).toEqual({
      'Fn::Join': ['-', [expect.stringMatching(/^[A-Za-z0-9-]{1,54}-rotation$/), STACK_CREATION_ID]],
    });
    const groups = Object.entries(t.findResources('AWS::Logs::LogGroup')).filter(([, g]) =>
      JSON.stringify(g.Properties.LogGroupName ?? null).includes('/aws/lambda/'),
    );
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0];
    expect(group.Properties.LogGroupName).toEqual({ 'Fn::Join': ['', ['/aws/lambda/', functionName]] });
    expect(group.Properties.KmsKeyId).toEqual(stack.resolve(db.storageKey.keyArn));
    expect(group.Properties.RetentionInDays).toBe(365);
    expect(group.DeletionPolicy).toBe('Retain');
    // Created before the schedule, whose creation runs the first rotation.
    expect(schedule[1].DependsOn).toContain(groupId);
    expect(stack.resolve(db.rotationLogGroup.logGroupName)).toEqual({ Ref: groupId });
  });

  test('with DESTROY the rotation log group is deleted with the stack', () => {
    const { stack: s } = build({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false });
    const groups = Object.values(Template.fromStack(s).findResources('AWS::Logs::LogGroup')).filter((g) =>
      JSON.stringify(g.Properties.LogGroupName ?? null).includes('/aws/lambda/'),
    );
    expect(groups.map((g) => g.DeletionPolicy)).toEqual(['Delete']);
  });
});

describe('engine version and automatic minor upgrades agree', () => {
  const instances = (extra: Extra) =>
    Object.values(
      Template.fromStack(build({ readReplicas: 1, ...extra }).stack).findResources('AWS::RDS::DBInstance'),
    );

  test('by default the major version only, with automatic minor upgrades on every instance', () => {
    const all = instances({});
    expect(all[0].Properties.EngineVersion).toBe('17');
    for (const i of all) expect(i.Properties.AutoMinorVersionUpgrade).toBe(true);
  });

  test('MySQL by default: 8.4, upgraded automatically', () => {
    const all = instances({ engine: DatabaseEngine.MYSQL, instanceType: new ec2.InstanceType('t4g.medium') });
    expect(all[0].Properties.EngineVersion).toBe('8.4');
    for (const i of all) expect(i.Properties.AutoMinorVersionUpgrade).toBe(true);
  });

  test.each([
    ['postgres 17.9', { postgresVersion: rds.PostgresEngineVersion.VER_17_9 }, '17.9'],
    [
      'mysql 8.4.10',
      {
        engine: DatabaseEngine.MYSQL,
        mysqlVersion: rds.MysqlEngineVersion.VER_8_4_10,
        instanceType: new ec2.InstanceType('t4g.medium'),
      },
      '8.4.10',
    ],
  ])(
    'a pinned minor version (%s) turns automatic minor upgrades off on every instance',
    (_, extra, version) => {
      const all = instances(extra as Extra);
      expect(all[0].Properties.EngineVersion).toBe(version);
      for (const i of all) expect(i.Properties.AutoMinorVersionUpgrade).toBe(false);
    },
  );

  test('minorVersionPinned tells a full version from a major version', () => {
    expect(
      minorVersionPinned(rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 })),
    ).toBe(false);
    expect(
      minorVersionPinned(
        rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_9 }),
      ),
    ).toBe(true);
    expect(
      minorVersionPinned(rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0 })),
    ).toBe(false);
    expect(
      minorVersionPinned(rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_4_10 })),
    ).toBe(true);
  });
});

/*
 * max_connections of the default parameter groups (RDS user guide, "Maximum number of database
 * connections"): PostgreSQL LEAST({DBInstanceClassMemory/9531392}, 5000), MySQL
 * {DBInstanceClassMemory/12582880}. Figures below computed by hand from the class memory.
 */
describe('connections alarm threshold from the max_connections formula', () => {
  const { MYSQL, POSTGRESQL } = DatabaseEngine;
  const GiB = 1024 ** 3;

  test.each<[string, number | undefined]>([
    ['t4g.micro', 1],
    ['db.t4g.micro', 1],
    ['t3.small', 2],
    ['t4g.medium', 4],
    ['t4g.2xlarge', 32],
    ['m7g.large', 8],
    ['m6i.2xlarge', 32],
    ['r6g.large', 16],
    ['r7g.xlarge', 32],
    ['r6g.16xlarge', 512],
    ['x2g.large', 32],
    ['c6g.large', undefined],
    ['m6g.metal', undefined],
  ])('memory of %s: %s GiB', (cls, gib) => {
    expect(instanceClassMemoryBytes(cls)).toBe(gib === undefined ? undefined : gib * GiB);
  });

  test.each<[DatabaseEngine, number, number]>([
    [POSTGRESQL, 1 * GiB, 112], // 1073741824 / 9531392 = 112.6
    [POSTGRESQL, 4 * GiB, 450], // 450.6
    [POSTGRESQL, 16 * GiB, 1802],
    [POSTGRESQL, 512 * GiB, 5000], // capped by LEAST(..., 5000)
    [MYSQL, 1 * GiB, 85], // 1073741824 / 12582880 = 85.3
    [MYSQL, 4 * GiB, 341],
  ])('%s max_connections for %d bytes: %d', (engine, memory, max) => {
    expect(defaultMaxConnections(engine, memory)).toBe(max);
  });

  test.each<[DatabaseEngine, string, number]>([
    [POSTGRESQL, 't4g.micro', 89],
    [POSTGRESQL, 't4g.medium', 360],
    [MYSQL, 't4g.medium', 272],
  ])('%s on %s alarms above %d (80%%)', (engine, cls, threshold) => {
    expect(defaultConnectionsAlarmThreshold(engine, cls)).toBe(threshold);
  });

  test('the demo stacks alarm at 80% of their class: 89 (sandbox micro), 360 (production medium)', () => {
    const threshold = (profile: 'sandbox' | 'production') =>
      Template.fromStack(new MultiAzDatabaseStack(testApp(), `Demo-${profile}`, { profile })).toJSON()
        .Resources as Record<
        string,
        { Type: string; Properties: { MetricName?: string; Threshold?: number } }
      >;
    for (const [profile, expected] of [
      ['sandbox', 89],
      ['production', 360],
    ] as const) {
      const alarms = Object.values(threshold(profile)).filter(
        (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'DatabaseConnections',
      );
      expect(alarms.length).toBeGreaterThan(0);
      for (const a of alarms) expect(a.Properties.Threshold).toBe(expected);
    }
  });

  test('an explicit threshold wins', () => {
    const { stack } = build({ connectionsAlarmThreshold: 42 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DatabaseConnections',
      Threshold: 42,
    });
  });

  test('a class outside the memory table needs an explicit threshold', () => {
    expect(() => build({ instanceType: new ec2.InstanceType('c6g.large') })).toThrow(
      /MultiAzDatabase: invalid connectionsAlarmThreshold: is required with instance class c6g\.large/,
    );
    expect(() =>
      build({ instanceType: new ec2.InstanceType('c6g.large'), connectionsAlarmThreshold: 100 }),
    ).not.toThrow();
  });
});

describe('deletion protection and the destroy the README describes', () => {
  const instancesOf = (profile: 'sandbox' | 'production') =>
    Object.values(
      Template.fromStack(
        new MultiAzDatabaseStack(testApp(), `Protect-${profile}`, { profile }),
      ).findResources('AWS::RDS::DBInstance'),
    );

  test('sandbox: no instance (primary or replica) is protected, so cdk destroy deletes them all', () => {
    for (const i of instancesOf('sandbox')) expect(i.Properties.DeletionProtection).toBe(false);
  });

  test('a construct with deletion protection off leaves it off on its replicas too', () => {
    const { stack } = build({
      readReplicas: 2,
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const all = Object.values(Template.fromStack(stack).findResources('AWS::RDS::DBInstance'));
    expect(all).toHaveLength(3);
    for (const i of all) expect(i.Properties.DeletionProtection).toBe(false);
  });

  test('production: primary and replica protected; the README production destroy lifts both first', () => {
    const all = instancesOf('production');
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const i of all) expect(i.Properties.DeletionProtection).toBe(true);
    const readme = fs.readFileSync(path.join(__dirname, '../../lib/multi-az-database/README.md'), 'utf8');
    const production = readme.slice(readme.indexOf('**Production destroy.**'));
    const destroyAt = production.indexOf('npx cdk destroy RefArch-MultiAzDatabase -c profile=production');
    expect(destroyAt).toBeGreaterThan(0);
    const before = production.slice(0, destroyAt);
    expect(before).toContain('--db-instance-identifier "$ID" --no-deletion-protection');
    expect(before).toContain('ReadReplicaDBInstanceIdentifiers');
    expect(before).toContain('--db-instance-identifier "$replica" --no-deletion-protection');
  });
});

describe('a pinned minor version is acknowledged, not left as a finding', () => {
  test('nag-clean with VER_17_9 and a replica (automatic minor upgrades off on both)', () => {
    const { stack } = build({ postgresVersion: rds.PostgresEngineVersion.VER_17_9, readReplicas: 1 });
    expectNagClean(stack);
  });
});
