// CacheCluster (issue 19, first step): the construct alone, in a VPC of its own. Not yet wired into the
// three-tier app nor a demo stack; this file runs every gate on it and checks its defaults and errors.
import { App, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CacheCluster, CacheClusterProps } from '../../lib/cache-tier/cache-cluster';
import { adoptCdkManagedFunctions } from '../../lib/core/cdk-managed-functions';
import { stackCreationId } from '../../lib/core/physical-names';
import { ReferenceVpc } from '../../lib/core/network';
import { cdkJsonContext, testApp } from '../support/app';
import { formatFindings, gateFindings } from '../support/compliance';

function build(app: App, props: Partial<CacheClusterProps> = {}): { stack: Stack; cache: CacheCluster } {
  const stack = new Stack(app, 'CacheTest');
  const network = new ReferenceVpc(stack, 'Network', {
    maxAzs: 2,
    natGateways: 1,
    natInstance: true,
    flowLogRemovalPolicy: RemovalPolicy.DESTROY,
  });
  const cache = new CacheCluster(stack, 'Cache', {
    vpc: network.vpc,
    removalPolicy: RemovalPolicy.DESTROY,
    ...props,
  });
  adoptCdkManagedFunctions(stack, { removalPolicy: RemovalPolicy.DESTROY });
  return { stack, cache };
}

let stack: Stack;
let cache: CacheCluster;
let template: Template;
beforeAll(() => {
  ({ stack, cache } = build(testApp()));
  template = Template.fromStack(stack);
});
const group = () => Object.values(template.findResources('AWS::ElastiCache::ReplicationGroup'))[0].Properties;

describe('the replication group', () => {
  test('Valkey, a primary and one replica in two AZs, automatic failover', () => {
    expect(group()).toMatchObject({
      Engine: 'valkey',
      NumCacheClusters: 2,
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      CacheNodeType: 'cache.t4g.micro',
    });
  });

  test('TLS in transit, the key at rest, a non-default port, the AUTH token only as a dynamic reference', () => {
    const p = group();
    expect(p).toMatchObject({ TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true, Port: 6380 });
    expect(p.KmsKeyId).toEqual(stack.resolve(cache.encryptionKey.keyArn));
    expect(JSON.stringify(p.AuthToken)).toContain('{{resolve:secretsmanager:');
    expect(JSON.stringify(p.AuthToken)).toContain(':SecretString:token::}}');
  });

  test('in the isolated subnets; only the security groups given access reach the port', () => {
    const subnets = Object.values(template.findResources('AWS::ElastiCache::SubnetGroup'))[0].Properties
      .SubnetIds;
    expect(JSON.stringify(subnets)).toMatch(/NetworkIsolated|NetworkDataSubnet|Isolated/);
    const sg = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: {
        GroupDescription: `Valkey CacheTest/Cache: only the security groups given access reach port 6380`,
      },
    });
    const [props] = Object.values(sg).map((r) => r.Properties);
    expect(props.SecurityGroupIngress).toBeUndefined();
    // A client group given access gets exactly the port (a stack of its own: the shared one is synthesized).
    const other = build(testApp());
    const network = other.stack.node.findChild('Network') as ReferenceVpc;
    const appTier = new ec2.SecurityGroup(other.stack, 'AppTier', { vpc: network.vpc });
    other.cache.allowFrom(appTier, 'App tier to the cache');
    Template.fromStack(other.stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 6380,
      ToPort: 6380,
      SourceSecurityGroupId: other.stack.resolve(appTier.securityGroupId),
    });
  });

  test('daily snapshots kept 15 days, in a window apart from maintenance; engine and slow logs to encrypted groups', () => {
    const p = group();
    expect(p).toMatchObject({
      SnapshotRetentionLimit: 15,
      SnapshotWindow: '03:00-04:00',
      PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
    });
    expect(p.LogDeliveryConfigurations.map((c: { LogType: string }) => c.LogType)).toEqual([
      'engine-log',
      'slow-log',
    ]);
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    for (const c of p.LogDeliveryConfigurations) {
      const ref = c.DestinationDetails.CloudWatchLogsDetails.LogGroup.Ref as string;
      expect(logGroups[ref].Properties.KmsKeyId).toEqual(stack.resolve(cache.encryptionKey.keyArn));
    }
  });

  test('alarms per node, dimensioned by node id and routed to the alarm topic; replication lag on every node', () => {
    const topic = stack.resolve(cache.alarmTopic.topicArn);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    for (const metric of [
      'EngineCPUUtilization',
      'Evictions',
      'DatabaseMemoryUsagePercentage',
      'CurrConnections',
    ]) {
      expect(byMetric(metric)).toHaveLength(2);
    }
    // Replication lag on both nodes: after a failover node 1 is the replica (the primary reports none).
    const groupId = group().ReplicationGroupId;
    expect(byMetric('ReplicationLag').map((a) => a.Dimensions)).toEqual(
      ['-001', '-002'].map((n) => [{ Name: 'CacheClusterId', Value: { 'Fn::Join': ['', [groupId, n]] } }]),
    );
    expect(byMetric('ReplicationLag')[0].TreatMissingData).toBe('notBreaching');
    for (const a of alarms.filter((x) => x.Namespace === 'AWS/ElastiCache'))
      expect(a.AlarmActions).toEqual([topic]);
  });

  test('the log groups are named under /aws/vendedlogs/ (one account-wide policy statement covers them) after the group id', () => {
    const groupId = group().ReplicationGroupId;
    const names = Object.values(template.findResources('AWS::Logs::LogGroup')).map(
      (r) => r.Properties.LogGroupName,
    );
    expect(names).toEqual(
      expect.arrayContaining(
        ['engine-log', 'slow-log'].map((t) => ({
          'Fn::Join': ['/', ['/aws/vendedlogs/elasticache', groupId, t]],
        })),
      ),
    );
    const delivered = (group().LogDeliveryConfigurations as { DestinationDetails: unknown }[]).map((d) =>
      JSON.stringify(d.DestinationDetails),
    );
    expect(delivered.every((d) => d.includes('"Ref"'))).toBe(true);
  });

  test("the group id: the construct's name, then the stack's creation id (a kept group never blocks a redeploy)", () => {
    const id = group().ReplicationGroupId as { 'Fn::Join': [string, [string, unknown]] };
    const [separator, [prefix, creationId]] = id['Fn::Join'];
    expect(separator).toBe('-');
    expect(prefix).toMatch(/^[a-z][a-z0-9-]{0,30}$/);
    expect(creationId).toEqual(stack.resolve(stackCreationId()));
    // At most 40 characters: the prefix, a hyphen and the 8 hex digits of the UUID's first block.
    expect(prefix.length + 1 + 8).toBeLessThanOrEqual(40);
  });
});

describe('bad input is refused at synth, naming the prop, the value and the range', () => {
  test.each([
    [{ replicas: 6 }, /CacheCluster.*replicas.*received 6/],
    [{ replicas: 0 }, /multiAz.*received true with replicas 0/],
    [{ nodeType: 'cache.x9.large' }, /nodeType.*received 'cache.x9.large'/],
    [{ nodeType: 'db.t4g.micro' }, /nodeType.*received 'db.t4g.micro'/],
    [{ port: 6379 }, /port.*received 6379/],
    [{ port: 80 }, /port.*received 80/],
    [{ snapshotRetentionDays: 36 }, /snapshotRetentionDays.*received 36/],
    [
      { snapshotWindow: '03:00-03:30' },
      /snapshotWindow.*at least 60 minutes \(ElastiCache minimum\); received '03:00-03:30'/,
    ],
    [
      { snapshotWindow: '05:00-06:00', maintenanceWindow: 'sun:05:30-sun:06:30' },
      /maintenanceWindow.*overlaps the daily backup window '05:00-06:00'; ElastiCache/,
    ],
  ])('%o is refused', (props, message) => {
    expect(() => build(testApp(), props as Partial<CacheClusterProps>)).toThrow(message);
  });

  test('a VPC without isolated subnets (the default placement) is refused, naming what is missing', () => {
    const s = new Stack(testApp(), 'NoIsolated');
    const vpc = new ec2.Vpc(s, 'Vpc', {
      maxAzs: 2,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
    });
    expect(() => new CacheCluster(s, 'Cache', { vpc })).toThrow(
      /CacheCluster: invalid vpc: has no isolated \(PRIVATE_ISOLATED\) subnets for the cache nodes/,
    );
  });

  test('Multi-AZ on subnets of one AZ is refused; without Multi-AZ they are accepted', () => {
    const s = new Stack(testApp(), 'OneAz');
    const vpc = new ReferenceVpc(s, 'Network', { maxAzs: 2, natGateways: 0, publicSubnets: false }).vpc;
    const oneAz = { subnets: [vpc.isolatedSubnets[0]] };
    expect(() => new CacheCluster(s, 'Cache', { vpc, vpcSubnets: oneAz })).toThrow(
      /CacheCluster: invalid vpcSubnets: spans one subnet; Multi-AZ places the replica in another AZ, .*at least 2 \(or set multiAz: false\)/,
    );
    expect(
      () => new CacheCluster(s, 'Single', { vpc, vpcSubnets: oneAz, multiAz: false, replicas: 0 }),
    ).not.toThrow();
  });

  test('a replicas token is refused: the node count names the nodes the alarms watch', () => {
    expect(() => build(testApp(), { replicas: Lazy.number({ produce: () => 2 }) })).toThrow(
      /CacheCluster: invalid replicas: received a token; give a number 0-5 known at synth time/,
    );
  });

  test('no replica is accepted without Multi-AZ; a short snapshot retention is acknowledged, not refused', () => {
    expect(() => build(testApp(), { replicas: 0, multiAz: false, snapshotRetentionDays: 1 })).not.toThrow();
  });
});

test('every gate passes (six nag packs, Control Tower guard, built-in validation)', () => {
  const findings = gateFindings(
    (app) => build(app),
    (outdir) => new App({ outdir, context: cdkJsonContext() }),
  );
  expect(formatFindings(findings)).toBe('');
});

test('every gate passes with one node and one day of snapshots (the acknowledgments hold)', () => {
  const findings = gateFindings(
    (app) => build(app, { replicas: 0, multiAz: false, snapshotRetentionDays: 1 }),
    (outdir) => new App({ outdir, context: cdkJsonContext() }),
  );
  expect(formatFindings(findings)).toBe('');
});
