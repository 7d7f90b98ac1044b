// Estimates what each demo stack costs while it sits idle (no traffic), per profile, from the
// synthesized templates and the price table below. Writes docs/COST.md and the pattern table of the
// README (between the pattern-table markers), so the costs a learner reads first are the computed ones.
//   npm run cost             (rewrite docs/COST.md and the README table)
//   npm run cost -- --check  (exit 1 when either is stale)
//
// Traffic-priced services (Lambda, API Gateway, SQS, SNS, DynamoDB on demand, Firehose, Cognito up to
// its free tier, S3 requests, CloudFront requests and data transfer, CloudFront Functions invocations, WAF
// requests inspected) cost nothing idle and are not counted. Storage is counted at what the
// template provisions (RDS allocated storage), not at what a trial writes.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Profile, PROFILES } from '../lib/core/profile';
import { addReferenceStacks, PATTERN_STACKS, PatternStackEntry } from '../lib/stacks/reference-app';
import { markers, withMarkedBlock } from './marked-block';

export const COST_FILE = path.join(__dirname, '..', 'docs', 'COST.md');
export const README_FILE = path.join(__dirname, '..', 'README.md');
const HOURS_PER_MONTH = 730;

/**
 * us-east-1 on-demand list prices in USD, from the AWS pricing pages named beside each entry. They are
 * the published 2025 list prices; this table was written on 2026-11-25 on a machine with no network, so
 * it was not re-checked live that day. Treat totals as an order of magnitude and confirm in the AWS
 * Pricing Calculator before relying on them.
 */
export const PRICES = {
  source:
    'AWS public list prices (us-east-1, on-demand, Linux), 2025 figures, table written 2026-11-25 without live re-check',
  /** aws.amazon.com/vpc/pricing: NAT gateway hour (data processing extra). */
  natGatewayHour: 0.045,
  /** aws.amazon.com/vpc/pricing: each public IPv4 address, in use or idle, per hour. */
  publicIpv4Hour: 0.005,
  /** aws.amazon.com/privatelink/pricing: interface endpoint per AZ per hour. */
  interfaceEndpointAzHour: 0.01,
  /** aws.amazon.com/elasticloadbalancing/pricing: ALB hour (LCUs extra, near zero idle). */
  albHour: 0.0225,
  /** aws.amazon.com/ec2/pricing/on-demand. */
  ec2Hour: {
    't4g.nano': 0.0042,
    't4g.micro': 0.0084,
    't4g.small': 0.0168,
    't4g.medium': 0.0336,
    't3.micro': 0.0104,
    't3.small': 0.0208,
    't3.medium': 0.0416,
    'm7g.large': 0.0816,
  } as Record<string, number>,
  /** aws.amazon.com/ebs/pricing: gp3 per GB-month. */
  ebsGp3GbMonth: 0.08,
  /** aws.amazon.com/rds/postgresql/pricing: single-AZ instance hour; Multi-AZ doubles it. */
  rdsHour: {
    'db.t4g.micro': 0.016,
    'db.t4g.small': 0.032,
    'db.t4g.medium': 0.065,
    'db.t3.micro': 0.018,
    'db.t3.small': 0.036,
    'db.m7g.large': 0.168,
    'db.r7g.large': 0.239,
  } as Record<string, number>,
  /** aws.amazon.com/rds/pricing: gp3 storage per GB-month, single-AZ (Multi-AZ doubles it). */
  rdsGp3GbMonth: 0.115,
  /**
   * aws.amazon.com/rds/proxy/pricing: per vCPU-hour of the instance the proxy fronts, at least 2 vCPUs.
   * vCPUs per class from aws.amazon.com/rds/instance-types.
   */
  rdsProxyVcpuHour: 0.015,
  rdsProxyMinVcpus: 2,
  rdsVcpus: {
    'db.t4g.micro': 2,
    'db.t4g.small': 2,
    'db.t4g.medium': 2,
    'db.t3.micro': 2,
    'db.t3.small': 2,
    'db.m7g.large': 2,
    'db.r7g.large': 2,
  } as Record<string, number>,
  /**
   * aws.amazon.com/elasticache/pricing: node-based Valkey, per node hour. AWS prices Valkey nodes 20% below
   * the same Redis OSS node (announced with ElastiCache for Valkey, October 2024); these are the Redis OSS
   * list prices less 20%. Snapshot storage (counted per GB-month beyond one free snapshot per cluster) is
   * usage, not counted.
   */
  elastiCacheValkeyHour: {
    'cache.t4g.micro': 0.0128,
    'cache.t4g.small': 0.0256,
    'cache.t4g.medium': 0.052,
    'cache.m7g.large': 0.1264,
    'cache.r7g.large': 0.1752,
  } as Record<string, number>,
  /** aws.amazon.com/kms/pricing: customer-managed key per month. */
  kmsKeyMonth: 1,
  /** aws.amazon.com/secrets-manager/pricing: secret per month. */
  secretMonth: 0.4,
  /** aws.amazon.com/kinesis/data-streams/pricing: provisioned shard hour; on-demand stream hour. */
  kinesisShardHour: 0.015,
  kinesisOnDemandStreamHour: 0.04,
  /** aws.amazon.com/cloudwatch/pricing: standard alarm per month (the first 10 of an account are free; counted anyway). */
  alarmMonth: 0.1,
  /** aws.amazon.com/cloudwatch/pricing: custom metric per month (first 10,000 tier). */
  customMetricMonth: 0.3,
  /**
   * aws.amazon.com/cloudwatch/pricing: EC2 detailed monitoring, per instance per month (7 metrics at
   * the custom-metric price, prorated by the hour).
   */
  ec2DetailedMonitoringMonth: 2.1,
  /** aws.amazon.com/cloudwatch/pricing: dashboard per month (first 3 free, not counted). */
  dashboardMonth: 3,
  /**
   * aws.amazon.com/waf/pricing: web ACL and each rule, per month (prorated by the hour); a managed rule group
   * is one rule of the web ACL ($1), the AWS managed groups without a subscription fee of their own (IP
   * reputation, common, known bad inputs) add nothing more. Requests inspected ($0.60 per million) are traffic.
   * Same figures in AWS's "Cost-effective ways for securing your web applications using AWS WAF" (networking
   * blog): charged for each web ACL and each rule, plus the requests.
   */
  webAclMonth: 5,
  webAclRuleMonth: 1,
  /**
   * docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/viewing-cloudfront-metrics.html
   * ("Estimate the cost for the additional CloudFront metrics"): a distribution with additional metrics turned
   * on (AWS::CloudFront::MonitoringSubscription) sends up to 8 metrics to CloudWatch in us-east-1, each billed
   * once a month at CloudWatch's per-metric rate (`customMetricMonth`, aws.amazon.com/cloudwatch/pricing:
   * $0.30 for the first 10,000 metrics), whatever the traffic. Counted at all 8.
   */
  cloudFrontAdditionalMetrics: 8,
};

export interface CostLine {
  readonly item: string;
  readonly monthly: number;
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** Whether `value` (a template fragment) refers to the resource with this logical id. */
const refersTo = (value: unknown, logicalId: string): boolean =>
  JSON.stringify(value ?? null).includes(`{"Ref":"${logicalId}"}`);

const lit = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function price(table: Record<string, number>, type: string | undefined, what: string): number {
  if (!type) throw new Error(`cost: ${what} has no literal instance type`);
  const p = table[type];
  if (p === undefined)
    throw new Error(`cost: no price for ${what} ${type}; add it to PRICES in scripts/cost.ts`);
  return p;
}

/** Idle monthly cost lines of one template. Throws when a priced resource has a type missing from PRICES. */
export function estimateTemplate(template: { Resources: Record<string, Resource> }): CostLine[] {
  const lines: CostLine[] = [];
  const add = (item: string, monthly: number) => monthly > 0 && lines.push({ item, monthly });
  const entries = Object.entries(template.Resources);
  const resources = entries.map(([, r]) => r);
  const count = (type: string) => resources.filter((r) => r.Type === type).length;
  const launchTemplates = resources.filter((r) => r.Type === 'AWS::EC2::LaunchTemplate');

  add(
    `${count('AWS::EC2::NatGateway')} NAT gateway(s)`,
    count('AWS::EC2::NatGateway') * PRICES.natGatewayHour * HOURS_PER_MONTH,
  );
  // A public IPv4 address costs the same attached or idle: Elastic IPs, and instances (the sandbox NAT
  // instance) that ask for an auto-assigned one.
  const instances = resources.filter((x) => x.Type === 'AWS::EC2::Instance');
  const autoAssigned = instances.filter((r) =>
    ((r.Properties?.NetworkInterfaces as { AssociatePublicIpAddress?: unknown }[] | undefined) ?? []).some(
      (n) => n.AssociatePublicIpAddress === true,
    ),
  ).length;
  const publicIps = count('AWS::EC2::EIP') + autoAssigned;
  add(`${publicIps} public IPv4 address(es)`, publicIps * PRICES.publicIpv4Hour * HOURS_PER_MONTH);
  for (const r of instances) {
    const type = lit(r.Properties?.InstanceType);
    add(`EC2 instance ${type}`, price(PRICES.ec2Hour, type, 'EC2 instance') * HOURS_PER_MONTH);
  }
  for (const r of resources.filter((x) => x.Type === 'AWS::AutoScaling::AutoScalingGroup')) {
    const min = Number(r.Properties?.MinSize ?? 0);
    const data = launchTemplates[0]?.Properties?.LaunchTemplateData as Record<string, unknown> | undefined;
    const type = lit(data?.InstanceType);
    add(
      `${min} x EC2 ${type} (Auto Scaling minimum)`,
      min * price(PRICES.ec2Hour, type, 'Auto Scaling instance') * HOURS_PER_MONTH,
    );
    const volumes = (data?.BlockDeviceMappings as { Ebs?: { VolumeSize?: number } }[] | undefined) ?? [];
    const gb = volumes.reduce((s, v) => s + (v.Ebs?.VolumeSize ?? 8), 0) || 8;
    add(`${min} x ${gb} GB gp3 root volume(s)`, min * gb * PRICES.ebsGp3GbMonth);
    if ((data?.Monitoring as { Enabled?: unknown } | undefined)?.Enabled === true) {
      add(`${min} x EC2 detailed monitoring`, min * PRICES.ec2DetailedMonitoringMonth);
    }
  }
  const albs = resources.filter(
    (r) => r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' && r.Properties?.Type !== 'network',
  );
  for (const alb of albs) {
    const azs = ((alb.Properties?.Subnets as unknown[]) ?? []).length || 2;
    add('Application Load Balancer', PRICES.albHour * HOURS_PER_MONTH);
    if (alb.Properties?.Scheme !== 'internal') {
      add(`ALB public IPv4 (${azs} AZs)`, azs * PRICES.publicIpv4Hour * HOURS_PER_MONTH);
    }
  }
  for (const e of resources.filter(
    (r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties?.VpcEndpointType === 'Interface',
  )) {
    const azs = ((e.Properties?.SubnetIds as unknown[]) ?? []).length || 2;
    add(`interface endpoint (${azs} AZs)`, azs * PRICES.interfaceEndpointAzHour * HOURS_PER_MONTH);
  }
  const databases = entries.filter(([, r]) => r.Type === 'AWS::RDS::DBInstance');
  for (const [, db] of databases) {
    const cls = lit(db.Properties?.DBInstanceClass);
    const copies = db.Properties?.MultiAZ === true ? 2 : 1;
    // A read replica has no AllocatedStorage of its own: RDS gives it the size of its source.
    const source = databases.find(([id]) => refersTo(db.Properties?.SourceDBInstanceIdentifier, id))?.[1];
    const gb = Number(db.Properties?.AllocatedStorage ?? source?.Properties?.AllocatedStorage ?? 20);
    const label = copies === 2 ? 'Multi-AZ' : 'single-AZ';
    const role = source ? ' read replica' : '';
    add(`RDS ${cls}${role} ${label}`, copies * price(PRICES.rdsHour, cls, 'RDS instance') * HOURS_PER_MONTH);
    add(`RDS${role} ${gb} GB gp3 ${label}`, copies * gb * PRICES.rdsGp3GbMonth);
  }
  for (const [, group] of entries.filter(([, r]) => r.Type === 'AWS::RDS::DBProxyTargetGroup')) {
    const target = databases.find(([id]) => refersTo(group.Properties?.DBInstanceIdentifiers, id))?.[1];
    if (!target) throw new Error('cost: an RDS Proxy target group names no DB instance of the template');
    const cls = lit(target.Properties?.DBInstanceClass);
    const vcpus = Math.max(PRICES.rdsProxyMinVcpus, price(PRICES.rdsVcpus, cls, 'RDS Proxy target'));
    add(`RDS Proxy (${vcpus} vCPUs)`, vcpus * PRICES.rdsProxyVcpuHour * HOURS_PER_MONTH);
  }
  for (const g of resources.filter((r) => r.Type === 'AWS::ElastiCache::ReplicationGroup')) {
    const type = lit(g.Properties?.CacheNodeType);
    const nodes = Number(g.Properties?.NumCacheClusters ?? 1);
    if (g.Properties?.Engine !== 'valkey') throw new Error('cost: only Valkey replication groups are priced');
    add(
      `ElastiCache Valkey ${nodes} x ${type}`,
      nodes * price(PRICES.elastiCacheValkeyHour, type, 'ElastiCache node') * HOURS_PER_MONTH,
    );
  }
  for (const s of resources.filter((r) => r.Type === 'AWS::Kinesis::Stream')) {
    const mode = (s.Properties?.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode;
    if (mode === 'ON_DEMAND')
      add('Kinesis stream (on-demand, idle)', PRICES.kinesisOnDemandStreamHour * HOURS_PER_MONTH);
    else {
      const shards = Number(s.Properties?.ShardCount ?? 1);
      add(`Kinesis stream (${shards} shard(s))`, shards * PRICES.kinesisShardHour * HOURS_PER_MONTH);
    }
  }
  add(`${count('AWS::KMS::Key')} KMS key(s)`, count('AWS::KMS::Key') * PRICES.kmsKeyMonth);
  add(
    `${count('AWS::SecretsManager::Secret')} secret(s)`,
    count('AWS::SecretsManager::Secret') * PRICES.secretMonth,
  );
  add(`${count('AWS::CloudWatch::Alarm')} alarm(s)`, count('AWS::CloudWatch::Alarm') * PRICES.alarmMonth);
  // A custom metric costs from its first data point; the ones this project publishes each have an alarm
  // (the only place a template names them), so count the distinct non-AWS metrics the alarms watch.
  const customMetrics = new Set(
    resources
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties ?? {})
      .filter((p) => typeof p.Namespace === 'string' && !p.Namespace.startsWith('AWS/'))
      .map((p) => JSON.stringify([p.Namespace, p.MetricName, p.Dimensions ?? []])),
  ).size;
  add(`${customMetrics} custom metric(s)`, customMetrics * PRICES.customMetricMonth);
  add(
    `${count('AWS::CloudWatch::Dashboard')} dashboard(s)`,
    count('AWS::CloudWatch::Dashboard') * PRICES.dashboardMonth,
  );
  // CloudFront's own requests, data transfer and function invocations are traffic (not counted); its
  // additional metrics are a fixed monthly charge per distribution.
  const subscriptions = resources.filter(
    (r) =>
      r.Type === 'AWS::CloudFront::MonitoringSubscription' &&
      (r.Properties?.MonitoringSubscription as Record<string, Record<string, unknown>> | undefined)
        ?.RealtimeMetricsSubscriptionConfig?.RealtimeMetricsSubscriptionStatus === 'Enabled',
  ).length;
  add(
    `CloudFront additional metrics (${subscriptions} distribution(s) x ${PRICES.cloudFrontAdditionalMetrics} metrics)`,
    subscriptions * PRICES.cloudFrontAdditionalMetrics * PRICES.customMetricMonth,
  );
  for (const acl of resources.filter((r) => r.Type === 'AWS::WAFv2::WebACL')) {
    const rules = ((acl.Properties?.Rules as unknown[]) ?? []).length;
    add(`WAF web ACL (${rules} rules)`, PRICES.webAclMonth + rules * PRICES.webAclRuleMonth);
  }
  return lines;
}

export const total = (lines: CostLine[]) => lines.reduce((s, l) => s + l.monthly, 0);
const usd = (n: number) => `$${n.toFixed(2)}`;

interface StackCost {
  readonly stackId: string;
  readonly profile: Profile;
  readonly lines: CostLine[];
}

/** Idle cost of every demo stack in every profile. */
export function stackCosts(
  templatesOf: (profile: Profile) => { stackId: string; template: unknown }[] = synthesizeTemplates,
): StackCost[] {
  return PROFILES.flatMap((profile) =>
    templatesOf(profile).map((s) => ({
      stackId: s.stackId,
      profile,
      lines: estimateTemplate(s.template as { Resources: Record<string, Resource> }),
    })),
  );
}

const { start: TABLE_START, end: TABLE_END } = markers('pattern-table');
const AFTERNOON_HOURS = 4;
const usdPerHour = (monthly: number) => `$${(monthly / HOURS_PER_MONTH).toFixed(3)}`;
const usdAfternoon = (monthly: number) => usd((AFTERNOON_HOURS * monthly) / HOURS_PER_MONTH);

function costOf(costs: StackCost[], stackId: string, profile: Profile): StackCost {
  const found = costs.find((c) => c.stackId === stackId && c.profile === profile);
  if (!found) throw new Error(`cost: no estimate for ${stackId} (${profile})`);
  return found;
}

/**
 * Where a pattern stands, for the README table. No pattern has been deployed from this repository's CI
 * (it has no AWS account): the status says what has been checked, and no more.
 */
const PATTERN_STATUS = 'every gate passes offline; not deployed by CI';

/** The README's pattern table: one row per demo stack, with its status and idle cost per profile. */
export function renderPatternTable(costs: StackCost[] = stackCosts()): string {
  const monthly = (stackId: string, profile: Profile) => total(costOf(costs, stackId, profile).lines);
  const rows = PATTERN_STACKS.map((e) => {
    const sandbox = monthly(e.stackId, 'sandbox');
    return (
      `| [${e.title}](lib/${e.folder}/README.md) | \`${e.construct}\` | \`${e.stackId}\` | ${PATTERN_STATUS} | ` +
      `${usdAfternoon(sandbox)} | ${usd(sandbox)} | ${usd(monthly(e.stackId, 'production'))} |`
    );
  });
  const dearest = Math.max(...PATTERN_STACKS.map((e) => monthly(e.stackId, 'sandbox')));
  return [
    TABLE_START,
    '<!-- prettier-ignore-start -->',
    '<!-- Generated by `npm run cost`. Do not edit: a test fails when it is stale. -->',
    '',
    '| pattern | construct | demo stack | status | sandbox, an afternoon (4 h) | sandbox, per month | production, per month |',
    '| ------- | --------- | ---------- | ------ | --------------------------- | ------------------ | --------------------- |',
    ...rows,
    '',
    'Idle cost: deployed, no traffic, us-east-1 list prices; see [docs/COST.md](docs/COST.md) for the',
    `breakdown. Trying any one pattern's sandbox for an afternoon costs at most ${usdAfternoon(dearest)} idle,`,
    'plus cents of traffic; destroy it when you are done. Every pattern synthesizes offline and passes',
    'every gate in both profiles; none has been deployed by CI (it has no AWS account), so treat a first',
    'deploy as a trial.',
    '<!-- prettier-ignore-end -->',
    TABLE_END,
  ].join('\n');
}

/** The README with its pattern table replaced by {@link renderPatternTable}. */
export const readmeWithPatternTable = (readme: string, table: string): string =>
  withMarkedBlock(readme, 'pattern-table', table, 'README.md');

/**
 * A pattern README's cost block: per profile, the idle cost by the hour, the afternoon and the month,
 * and every line that makes it up. Traffic-priced services stay in the README's own prose.
 */
export function renderPatternCost(entry: PatternStackEntry, costs: StackCost[] = stackCosts()): string {
  const { start, end } = markers('cost');
  const summary = PROFILES.map((profile) => {
    const t = total(costOf(costs, entry.stackId, profile).lines);
    return `| ${profile} | ${usdPerHour(t)} | ${usdAfternoon(t)} | ${usd(t)} |`;
  });
  const breakdown = PROFILES.flatMap((profile) => [
    '',
    `| ${profile}: what costs money while idle | per month |`,
    '| --- | --- |',
    ...costOf(costs, entry.stackId, profile).lines.map((l) => `| ${l.item} | ${usd(l.monthly)} |`),
  ]);
  return [
    start,
    '<!-- prettier-ignore-start -->',
    '<!-- Generated by `npm run cost` from the synthesized stack. Do not edit: a test fails when it is stale. -->',
    '',
    `Idle cost of \`${entry.stackId}\` (deployed, no traffic), from its synthesized template and the price`,
    `table in \`scripts/cost.ts\`: ${PRICES.source}. A month is 730 hours.`,
    '',
    '| profile | per hour | an afternoon (4 h) | per month |',
    '| ------- | -------- | ------------------ | --------- |',
    ...summary,
    ...breakdown,
    '<!-- prettier-ignore-end -->',
    end,
  ].join('\n');
}

export const patternReadmeFile = (entry: PatternStackEntry) =>
  path.join(__dirname, '..', 'lib', entry.folder, 'README.md');

/** A pattern README with its cost block replaced by {@link renderPatternCost}. */
export const readmeWithPatternCost = (readme: string, block: string, file = 'README.md'): string =>
  withMarkedBlock(readme, 'cost', block, file);

export function renderCostReport(costs: StackCost[] = stackCosts()): string {
  const out: string[] = [
    '# Idle cost per stack and profile',
    '',
    '<!-- Generated by `npm run cost` from the synthesized app. Do not edit: a test fails when it is stale. -->',
    '',
    `Prices: ${PRICES.source}; the table is in \`scripts/cost.ts\`. Idle means deployed with no traffic:`,
    'pay-per-request services (Lambda, API Gateway, SQS, SNS, DynamoDB on demand, Firehose, S3 requests,',
    'CloudFront requests and data transfer, CloudFront Functions, WAF requests) add nothing until used. The',
    'first 10 alarms and 3 dashboards of an account are free and are still counted here. An afternoon is 4',
    'hours.',
    '',
    '| stack | profile | per hour | an afternoon (4 h) | per month (730 h) |',
    '|---|---|---|---|---|',
  ];
  const details: string[] = [];
  for (const s of costs) {
    const t = total(s.lines);
    out.push(`| ${s.stackId} | ${s.profile} | ${usdPerHour(t)} | ${usdAfternoon(t)} | ${usd(t)} |`);
    details.push('', `### ${s.stackId} (${s.profile})`, '', '| item | per month |', '|---|---|');
    for (const l of s.lines) details.push(`| ${l.item} | ${usd(l.monthly)} |`);
  }
  return [...out, '', '## Breakdown', ...details].join('\n') + '\n';
}

function synthesizeTemplates(profile: Profile): { stackId: string; template: unknown }[] {
  const context = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [], profile } });
  return addReferenceStacks(app, profile).map((stack) => ({
    stackId: stack.stackName,
    template: Template.fromStack(stack).toJSON(),
  }));
}

if (require.main === module) {
  const costs = stackCosts();
  const root = path.join(__dirname, '..');
  // Every generated file: its path and its text as it is and as it should be.
  const files = [
    { file: COST_FILE, expected: renderCostReport(costs) },
    {
      file: README_FILE,
      expected: readmeWithPatternTable(fs.readFileSync(README_FILE, 'utf8'), renderPatternTable(costs)),
    },
    ...PATTERN_STACKS.map((entry) => {
      const file = patternReadmeFile(entry);
      const readme = fs.readFileSync(file, 'utf8');
      return {
        file,
        expected: readmeWithPatternCost(readme, renderPatternCost(entry, costs), path.relative(root, file)),
      };
    }),
  ].map((f) => ({ ...f, current: fs.existsSync(f.file) ? fs.readFileSync(f.file, 'utf8') : '' }));
  const stale = files.filter((f) => f.current !== f.expected).map((f) => path.relative(root, f.file));
  if (process.argv.includes('--check')) {
    if (stale.length > 0) {
      console.error(`${stale.join(', ')} stale: run npm run cost`);
      process.exit(1);
    }
    console.log('cost report, README table and pattern cost blocks are up to date');
  } else {
    for (const f of files) if (f.current !== f.expected) fs.writeFileSync(f.file, f.expected);
    console.log(files[0].expected.split('## Breakdown')[0]);
    console.log(`rewrote: ${stale.join(', ') || 'nothing'}`);
  }
}
