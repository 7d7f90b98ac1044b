import * as fs from 'fs';
import * as path from 'path';
import { PATTERN_STACKS } from '../lib/stacks/reference-app';
import { synthesizeApp } from './reliability/synthesized-app';
import {
  COST_FILE,
  estimateTemplate,
  patternReadmeFile,
  PRICES,
  readmeWithPatternCost,
  readmeWithPatternTable,
  README_FILE,
  renderCostReport,
  renderPatternCost,
  renderPatternTable,
  stackCosts,
  total,
} from '../scripts/cost';

describe('idle cost estimate', () => {
  test('prices what a template provisions, from the price table', () => {
    const lines = estimateTemplate({
      Resources: {
        Nat: { Type: 'AWS::EC2::NatGateway' },
        Ip: { Type: 'AWS::EC2::EIP' },
        Db: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBInstanceClass: 'db.t4g.micro', MultiAZ: true, AllocatedStorage: 20 },
        },
        Key: { Type: 'AWS::KMS::Key' },
        Queue: { Type: 'AWS::SQS::Queue' },
      },
    });
    expect(lines.map((l) => l.item)).toEqual([
      '1 NAT gateway(s)',
      '1 public IPv4 address(es)',
      'RDS db.t4g.micro Multi-AZ',
      'RDS 20 GB gp3 Multi-AZ',
      '1 KMS key(s)',
    ]);
    const expected =
      (PRICES.natGatewayHour + PRICES.publicIpv4Hour + 2 * PRICES.rdsHour['db.t4g.micro']) * 730 +
      2 * 20 * PRICES.rdsGp3GbMonth +
      PRICES.kmsKeyMonth;
    expect(total(lines)).toBeCloseTo(expected, 6);
  });

  test("a read replica costs its source's storage, and an RDS Proxy the vCPUs of the instance it fronts", () => {
    const lines = estimateTemplate({
      Resources: {
        Primary: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBInstanceClass: 'db.t4g.medium', MultiAZ: true, AllocatedStorage: '50' },
        },
        Replica: {
          Type: 'AWS::RDS::DBInstance',
          Properties: {
            DBInstanceClass: 'db.t4g.medium',
            SourceDBInstanceIdentifier: {
              'Fn::Join': ['', ['arn:aws:rds:us-east-1:1:db:', { Ref: 'Primary' }]],
            },
          },
        },
        Targets: {
          Type: 'AWS::RDS::DBProxyTargetGroup',
          Properties: { DBInstanceIdentifiers: [{ Ref: 'Primary' }] },
        },
      },
    });
    expect(lines).toEqual([
      { item: 'RDS db.t4g.medium Multi-AZ', monthly: 2 * PRICES.rdsHour['db.t4g.medium'] * 730 },
      { item: 'RDS 50 GB gp3 Multi-AZ', monthly: 2 * 50 * PRICES.rdsGp3GbMonth },
      { item: 'RDS db.t4g.medium read replica single-AZ', monthly: PRICES.rdsHour['db.t4g.medium'] * 730 },
      { item: 'RDS read replica 50 GB gp3 single-AZ', monthly: 50 * PRICES.rdsGp3GbMonth },
      { item: 'RDS Proxy (2 vCPUs)', monthly: 2 * PRICES.rdsProxyVcpuHour * 730 },
    ]);
  });

  test('a Valkey replication group costs each of its nodes; another engine or an unpriced node type throws', () => {
    const group = (props: Record<string, unknown>) => ({
      Resources: { Cache: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: props } },
    });
    expect(
      estimateTemplate(group({ Engine: 'valkey', CacheNodeType: 'cache.t4g.small', NumCacheClusters: 3 })),
    ).toEqual([
      {
        item: 'ElastiCache Valkey 3 x cache.t4g.small',
        monthly: 3 * PRICES.elastiCacheValkeyHour['cache.t4g.small'] * 730,
      },
    ]);
    expect(() => estimateTemplate(group({ Engine: 'redis', CacheNodeType: 'cache.t4g.small' }))).toThrow(
      /only Valkey/,
    );
    expect(() => estimateTemplate(group({ Engine: 'valkey', CacheNodeType: 'cache.x9.huge' }))).toThrow(
      /no price for ElastiCache node cache\.x9\.huge/,
    );
  });

  test('counts auto-assigned public IPv4, detailed monitoring and the custom metrics alarms watch', () => {
    const lines = estimateTemplate({
      Resources: {
        Nat: {
          Type: 'AWS::EC2::Instance',
          Properties: {
            InstanceType: 't4g.nano',
            NetworkInterfaces: [{ DeviceIndex: '0', AssociatePublicIpAddress: true }],
          },
        },
        Private: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 't4g.nano' } },
        Template: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { InstanceType: 't4g.micro', Monitoring: { Enabled: true } } },
        },
        Group: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { MinSize: '2' } },
        Custom1: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'App', MetricName: 'Failed' } },
        Custom2: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'App', MetricName: 'Failed' } },
        Builtin: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'AWS/EC2', MetricName: 'CPU' } },
      },
    });
    const monthly = Object.fromEntries(lines.map((l) => [l.item, l.monthly]));
    expect(monthly['1 public IPv4 address(es)']).toBeCloseTo(PRICES.publicIpv4Hour * 730, 6);
    expect(monthly['2 x EC2 detailed monitoring']).toBeCloseTo(2 * PRICES.ec2DetailedMonitoringMonth, 6);
    expect(monthly['1 custom metric(s)']).toBeCloseTo(PRICES.customMetricMonth, 6);
    expect(monthly['3 alarm(s)']).toBeCloseTo(3 * PRICES.alarmMonth, 6);
  });

  test('prices a web ACL and each of its rules, and the 8 additional metrics of a distribution', () => {
    const rule = (name: string) => ({ Name: name, Statement: { ManagedRuleGroupStatement: { Name: name } } });
    const subscription = (status: string) => ({
      Type: 'AWS::CloudFront::MonitoringSubscription',
      Properties: {
        DistributionId: { Ref: 'Site' },
        MonitoringSubscription: {
          RealtimeMetricsSubscriptionConfig: { RealtimeMetricsSubscriptionStatus: status },
        },
      },
    });
    const lines = estimateTemplate({
      Resources: {
        Acl: {
          Type: 'AWS::WAFv2::WebACL',
          Properties: {
            Rules: [rule('IpReputation'), rule('Common'), rule('KnownBadInputs'), { Name: 'Rate' }],
          },
        },
        Site: { Type: 'AWS::CloudFront::Distribution' },
        Metrics: subscription('Enabled'),
        // A subscription that turns the metrics off bills nothing.
        Off: subscription('Disabled'),
        Function: { Type: 'AWS::CloudFront::Function' },
        Logs: { Type: 'AWS::Logs::Delivery' },
      },
    });
    expect(lines).toEqual([
      {
        item: 'CloudFront additional metrics (1 distribution(s) x 8 metrics)',
        monthly: 8 * PRICES.customMetricMonth,
      },
      { item: 'WAF web ACL (4 rules)', monthly: PRICES.webAclMonth + 4 * PRICES.webAclRuleMonth },
    ]);
    // The published figures: $5 a web ACL, $1 a rule, 8 metrics at $0.30 ($2.40 a distribution).
    expect(PRICES.webAclMonth).toBe(5);
    expect(PRICES.webAclRuleMonth).toBe(1);
    expect(PRICES.cloudFrontAdditionalMetrics * PRICES.customMetricMonth).toBeCloseTo(2.4, 6);
  });

  test('a distribution is billed by traffic only: idle, it costs nothing', () => {
    expect(
      estimateTemplate({
        Resources: {
          Site: { Type: 'AWS::CloudFront::Distribution', Properties: { DistributionConfig: {} } },
          Function: { Type: 'AWS::CloudFront::Function' },
          Policy: { Type: 'AWS::CloudFront::CachePolicy' },
          Oac: { Type: 'AWS::CloudFront::OriginAccessControl' },
        },
      }),
    ).toEqual([]);
  });

  test('refuses to guess a price it does not know', () => {
    expect(() =>
      estimateTemplate({
        Resources: { Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.x9.huge' } } },
      }),
    ).toThrow('cost: no price for RDS instance db.x9.huge; add it to PRICES in scripts/cost.ts');
  });

  const costs = stackCosts(synthesizeApp);

  test('docs/COST.md is up to date (run `npm run cost`)', () => {
    expect(fs.readFileSync(COST_FILE, 'utf8')).toBe(renderCostReport(costs));
  });

  test('the README pattern table is up to date and lists every pattern (run `npm run cost`)', () => {
    const readme = fs.readFileSync(README_FILE, 'utf8');
    expect(readmeWithPatternTable(readme, renderPatternTable(costs))).toBe(readme);
    for (const e of PATTERN_STACKS) {
      expect(readme).toContain(`(lib/${e.folder}/README.md)`);
      expect(fs.existsSync(path.join(__dirname, '..', 'lib', e.folder, 'README.md'))).toBe(true);
    }
  });

  test("each pattern README carries its stack's cost block, up to date (run `npm run cost`)", () => {
    for (const e of PATTERN_STACKS) {
      const readme = fs.readFileSync(patternReadmeFile(e), 'utf8');
      const block = renderPatternCost(e, costs);
      expect(block).toContain(`\`${e.stackId}\``);
      for (const profile of ['sandbox', 'production'] as const) {
        const t = total(costs.find((c) => c.stackId === e.stackId && c.profile === profile)!.lines);
        expect(block).toContain(`| ${profile} | $${(t / 730).toFixed(3)} | `);
      }
      expect(readmeWithPatternCost(readme, block, e.folder)).toBe(readme);
    }
  });

  test('a README without the markers is an error, not a silent append', () => {
    expect(() => readmeWithPatternTable('# no markers', 'x')).toThrow('markers are missing');
    expect(() => readmeWithPatternCost('# no markers', 'x', 'lib/demo/README.md')).toThrow(
      'lib/demo/README.md: the <!-- cost:start --> / <!-- cost:end --> markers are missing',
    );
  });
});
