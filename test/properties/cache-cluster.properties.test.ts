import { Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as fc from 'fast-check';
import { CacheCluster, CacheClusterProps } from '../../lib/cache-tier/cache-cluster';
import { EncryptionKey } from '../../lib/core/encryption-key';
import { ReferenceVpc } from '../../lib/core/network';
import {
  badInt,
  field,
  intIn,
  intOk,
  Model,
  Oracle,
  orToken,
  recordOf,
  validOrMutated,
  WEEKDAYS,
  weekly,
  windowPair,
} from './arbitraries';
import {
  acceptedTemplate,
  CaseStats,
  checkCase,
  importedAlarmTopic,
  importedSubnetIds,
  importedVpc,
  invariant,
  TemplateResource,
  Violation,
} from './harness';
import { describeConstructProperty, showingValue } from './received';

/*
 * CacheCluster's property: valid props synthesize nag-clean into the replication group the props describe;
 * props with one invalid part are rejected with a PropValidationError naming the prop and showing the value
 * received.
 *
 * The oracle is written from ElastiCache's rules and the construct's JSDoc, not from its validation code:
 * the node families, the port range, the window formats and their overlap are computed here on their own.
 * A valid case's template is then held to a model of the props (node count, Multi-AZ and failover, port,
 * snapshots, windows, deletion policy, encryption, the AUTH token reference, one alarm per node and metric,
 * the alarm actions, the security group, the subnets, the log groups) and the acknowledgments the
 * construct records are held to the props (AEC4 only without Multi-AZ, the backup rule only below 15 days).
 *
 * The VPC is imported by attributes in most cases (cheap: nothing to build or nag) and a ReferenceVpc in the
 * others, so that the cache is also judged by nag next to a VPC built in the same stack.
 */

/**
 * Valkey node families (cache.<family>.<size>), copied by hand from the ElastiCache documentation
 * ("Supported node types"), not imported from the construct (VALKEY_NODE_FAMILIES): a mistake in its list
 * must fail the property instead of agreeing with it.
 */
const FAMILIES = ['t3', 't4g', 'm5', 'm6g', 'm7g', 'r5', 'r6g', 'r6gd', 'r7g', 'c7gn'];
const BURSTABLE_SIZES = ['micro', 'small', 'medium'];
const SIZES = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];

/** The construct's documented defaults. */
const DEFAULTS = {
  nodeType: 'cache.t4g.micro',
  replicas: 1,
  multiAz: true,
  port: 6380,
  snapshotRetentionDays: 15,
  snapshotWindow: '03:00-04:00',
  maintenanceWindow: 'sun:05:00-sun:06:00',
  removalPolicy: RemovalPolicy.SNAPSHOT,
  logRetention: logs.RetentionDays.ONE_YEAR,
};
/** Valkey's well-known port, which AwsSolutions-AEC5 refuses. */
const VALKEY_DEFAULT_PORT = 6379;
/** The NIST and HIPAA packs want at least this many days of snapshots. */
const PACK_RETENTION = 15;

/**
 * The VPC: imported with isolated and private subnets in two AZs (cheap), a ReferenceVpc (public and
 * isolated subnets in two AZs, no NAT), or imported with public and private subnets only (no isolated tier).
 */
type VpcChoice = 'imported' | 'reference' | 'noIsolated';
/**
 * Which subnets: the default (isolated), isolated ones named, PRIVATE_WITH_EGRESS ones, or a single subnet
 * (one AZ; valid only with multiAz false).
 */
type SubnetChoice = 'default' | 'isolated' | 'private' | 'oneSubnet';
interface Network {
  readonly vpc: VpcChoice;
  readonly subnets: SubnetChoice;
}
interface Windows {
  readonly snapshotWindow?: string;
  readonly maintenanceWindow?: string;
}
/** Cross-prop rules a valid case keeps, and a mutated one breaks on purpose. */
type Rule = 'kept' | 'multiAzWithoutReplica' | 'multiAzOneAz' | 'windowsOverlap';

interface CacheCase {
  readonly network: Network;
  readonly rule: Rule;
  readonly windows: Windows;
  readonly nodeType?: string;
  readonly replicas?: number;
  readonly multiAz?: boolean;
  readonly port?: number;
  readonly snapshotRetentionDays?: number;
  readonly removalPolicy?: RemovalPolicy;
  readonly logRetention?: logs.RetentionDays;
  readonly importedAlarmTopic: boolean;
  readonly encryptionKey: 'default' | 'new' | 'imported';
}

// ---- Windows, on their own (ElastiCache: UTC, at least 60 minutes, the two must not overlap).

const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MIN_WINDOW_MINUTES = 60;

/** A window as its start and length in minutes (from midnight, or from Monday 00:00). */
interface Span {
  readonly start: number;
  readonly length: number;
}

/** `hh24:mi` as minutes after midnight, or undefined. */
function clock(text: string): number | undefined {
  const m = /^(\d\d):(\d\d)$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return undefined;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** `hh24:mi-hh24:mi`: the daily snapshot window (it may run past midnight). */
function dailySpan(text: string): Span | undefined {
  const halves = text.split('-');
  if (halves.length !== 2) return undefined;
  const [start, end] = halves.map(clock);
  if (start === undefined || end === undefined) return undefined;
  return { start, length: (end - start + MINUTES_PER_DAY) % MINUTES_PER_DAY };
}

/** `ddd:hh24:mi-ddd:hh24:mi`: the weekly maintenance window (it may run past Sunday midnight). */
function weeklySpan(text: string): Span | undefined {
  const halves = text.split('-');
  if (halves.length !== 2) return undefined;
  const [start, end] = halves.map((h) => {
    const day = WEEKDAYS.indexOf(h.slice(0, 3).toLowerCase());
    const time = h[3] === ':' ? clock(h.slice(4)) : undefined;
    return day < 0 || time === undefined ? undefined : day * MINUTES_PER_DAY + time;
  });
  if (start === undefined || end === undefined) return undefined;
  return { start, length: (end - start + MINUTES_PER_WEEK) % MINUTES_PER_WEEK };
}

/** The minutes of the week a window covers: the snapshot window on each of the seven days. */
function minutesOfWeek(span: Span, daily: boolean): Set<number> {
  const minutes = new Set<number>();
  for (const day of daily ? WEEKDAYS.map((_, d) => d) : [0]) {
    for (let i = 0; i < span.length; i++) {
      minutes.add((day * (daily ? MINUTES_PER_DAY : 0) + span.start + i) % MINUTES_PER_WEEK);
    }
  }
  return minutes;
}

/** The props the windows break: malformed, shorter than an hour, or overlapping (named maintenanceWindow). */
function windowProblems(w: Windows): string[] {
  const snapshot = dailySpan(w.snapshotWindow ?? DEFAULTS.snapshotWindow);
  const maintenance = weeklySpan(w.maintenanceWindow ?? DEFAULTS.maintenanceWindow);
  const problems: string[] = [];
  if (!snapshot || snapshot.length < MIN_WINDOW_MINUTES) problems.push('snapshotWindow');
  if (!maintenance || maintenance.length < MIN_WINDOW_MINUTES) problems.push('maintenanceWindow');
  if (problems.length > 0 || !snapshot || !maintenance) return problems;
  const snapshotMinutes = minutesOfWeek(snapshot, true);
  const overlaps = [...minutesOfWeek(maintenance, false)].some((m) => snapshotMinutes.has(m));
  return overlaps ? ['maintenanceWindow'] : [];
}

const windowsArb: fc.Arbitrary<Windows> = windowPair(MIN_WINDOW_MINUTES)
  .map(({ daily, weekly }) => ({ snapshotWindow: daily, maintenanceWindow: weekly }))
  // A valid case keeps the windows apart: the defaults when they overlap.
  .map((w) => (windowProblems(w).length === 0 ? w : {}));

const badWindows: fc.Arbitrary<Windows> = fc.oneof(
  fc
    .constantFrom(
      '3:00-04:00',
      '03:00-04:00 ',
      '24:00-01:00',
      '03:60-04:30',
      '03:00-03:59',
      // Long enough for RDS (30 minutes), not for ElastiCache.
      '03:00-03:30',
      '03:00',
      '',
      'sun:03:00-sun:04:00',
      '03:00-03:00',
      '23:30-00:29',
    )
    .map((snapshotWindow) => ({ snapshotWindow })),
  fc
    .constantFrom(
      'sun:05:00-sun:05:59',
      'sun:05:00-sun:05:30',
      'xyz:05:00-sun:06:00',
      'sun:5:00-sun:06:00',
      'sun:05:00',
      '05:00-06:00',
      '',
      'sun:05:00-sun:05:00',
      'sun:23:30-mon:00:29',
      'sun:24:00-mon:01:00',
    )
    .map((maintenanceWindow) => ({ maintenanceWindow })),
);

// ---- Generators.

const nodeTypeArb = fc
  .constantFrom(...FAMILIES)
  .chain((family) =>
    fc
      .constantFrom(...(family.startsWith('t') ? BURSTABLE_SIZES : SIZES))
      .map((size) => `cache.${family}.${size}`),
  );
const badNodeType = fc.constantFrom(
  'cache.t2.micro',
  'cache.m4.large',
  'cache.r4.large',
  'cache.r6gd',
  'cache.x9.large',
  't4g.micro',
  'db.t4g.micro',
  'cache.T4G.micro',
  'cache.t4g.micro ',
  'cache..micro',
  '',
);

const FINITE_RETENTIONS = Object.values(logs.RetentionDays).filter(
  (v): v is logs.RetentionDays => typeof v === 'number' && v !== logs.RetentionDays.INFINITE,
);

/** Subnets of the imported VPC, the default most often. */
const networkArb = fc.constantFrom<SubnetChoice>('default', 'default', 'isolated', 'private', 'oneSubnet');

const model: Model<CacheCase> = {
  network: field(
    fc.oneof(
      {
        weight: 4,
        arbitrary: networkArb.map((subnets) => ({ vpc: 'imported' as VpcChoice, subnets })),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom<SubnetChoice>('default', 'isolated', 'oneSubnet')
          .map((subnets) => ({ vpc: 'reference' as VpcChoice, subnets })),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom<SubnetChoice>('private', 'oneSubnet')
          .map((subnets) => ({ vpc: 'noIsolated' as VpcChoice, subnets })),
      },
    ),
    // No isolated subnets to take by default (or when asked for), or no private ones in a ReferenceVpc.
    fc.constantFrom<Network>(
      { vpc: 'noIsolated', subnets: 'default' },
      { vpc: 'noIsolated', subnets: 'isolated' },
      { vpc: 'reference', subnets: 'private' },
    ),
    false,
  ),
  rule: field(
    fc.constant<Rule>('kept'),
    fc.constantFrom<Rule>('multiAzWithoutReplica', 'multiAzOneAz', 'windowsOverlap'),
    false,
    3,
  ),
  windows: field(windowsArb, badWindows, false, 2),
  nodeType: field(nodeTypeArb, badNodeType),
  // A token is refused: the node count names the nodes the alarms watch, so it must be known at synth.
  replicas: field(
    intIn(0, 5),
    fc.oneof(
      badInt(0, 5),
      intIn(0, 5).map((n) => Lazy.number({ produce: () => n })),
    ),
  ),
  multiAz: field(fc.boolean()),
  port: field(
    orToken(intIn(1150, 65535).map((p) => (p === VALKEY_DEFAULT_PORT ? 6380 : p))),
    fc.oneof(badInt(1150, 65535), fc.constant(VALKEY_DEFAULT_PORT)),
  ),
  snapshotRetentionDays: field(orToken(intIn(0, 35)), badInt(0, 35)),
  removalPolicy: field(fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.SNAPSHOT, RemovalPolicy.DESTROY)),
  logRetention: field(fc.constantFrom(...FINITE_RETENTIONS), fc.constant(logs.RetentionDays.INFINITE)),
  importedAlarmTopic: field(fc.boolean(), undefined, false),
  encryptionKey: field(
    fc.constantFrom<CacheCase['encryptionKey']>('default', 'new', 'imported'),
    undefined,
    false,
  ),
};

/** A literal 0 (a token is not known to be 0). */
const isZero = (n: number | undefined) => n !== undefined && !Token.isUnresolved(n) && n === 0;

/**
 * Keeps the cross-prop rules among values that are each valid (Multi-AZ needs a replica and subnets in
 * two AZs), then breaks the one the case's `rule` names.
 */
function applyRule(c: CacheCase): CacheCase {
  const fixed: { -readonly [K in keyof CacheCase]: CacheCase[K] } = { ...c };
  const oneAz = c.network.subnets === 'oneSubnet';
  // Multi-AZ by default (left out) or said.
  const multiAzOn = c.multiAz === false ? undefined : c.multiAz;
  switch (c.rule) {
    case 'kept':
      // Multi-AZ (the default) needs a replica and two AZs: a valid case without either turns it off.
      if ((isZero(c.replicas) || oneAz) && c.multiAz !== false) fixed.multiAz = false;
      break;
    case 'multiAzWithoutReplica':
      fixed.replicas = 0;
      fixed.multiAz = multiAzOn;
      break;
    case 'multiAzOneAz':
      // One subnet of the VPC (an imported one names its AZ; a ReferenceVpc's AZ is a token).
      fixed.network = { vpc: c.network.vpc, subnets: 'oneSubnet' };
      fixed.multiAz = multiAzOn;
      if (isZero(c.replicas)) fixed.replicas = 1;
      break;
    case 'windowsOverlap': {
      // The maintenance window starts half an hour into the snapshot window, on some day of the week.
      const snapshot = dailySpan(c.windows.snapshotWindow ?? DEFAULTS.snapshotWindow)!;
      const start = (snapshot.start % 7) * MINUTES_PER_DAY + snapshot.start + 30;
      fixed.windows = {
        snapshotWindow: c.windows.snapshotWindow,
        maintenanceWindow: `${weekly(start)}-${weekly(start + 60)}`,
      };
      break;
    }
  }
  return fixed;
}

const caseArb: fc.Arbitrary<CacheCase> = validOrMutated((mutate) => recordOf(model, mutate)).map(applyRule);

// ---- Oracle.

/** Kinds of violation the coverage check tells apart. */
const MULTI_AZ_WITHOUT_REPLICA = 'multiAz without a replica';
const MULTI_AZ_ONE_AZ = 'multiAz on subnets of one AZ';
const NO_SUBNETS = 'no subnets of the kind selected';
const WELL_KNOWN_PORT = 'port 6379';
const OVERLAP = 'windows overlap';

/** Which subnets of the VPC the selection takes: how many, or none. */
function selectedSubnets(n: Network): number {
  const has: Record<VpcChoice, SubnetChoice[]> = {
    imported: ['default', 'isolated', 'private', 'oneSubnet'],
    reference: ['default', 'isolated', 'oneSubnet'],
    noIsolated: ['private', 'oneSubnet'],
  };
  if (!has[n.vpc].includes(n.subnets)) return 0;
  return n.subnets === 'oneSubnet' ? 1 : 2;
}

/** ElastiCache's limits and the construct's documented rules. */
function violations(c: CacheCase): Violation[] {
  const o = new Oracle();
  // ElastiCache: node types cache.<family>.<size>, of a family Valkey runs on.
  if (c.nodeType !== undefined) {
    const parts = c.nodeType.split('.');
    o.check(
      parts.length === 3 &&
        parts[0] === 'cache' &&
        FAMILIES.includes(parts[1]) &&
        /^[a-z0-9]+$/.test(parts[2]),
      'nodeType',
    );
  }
  // ElastiCache: 0-5 read replicas per shard; the construct's rule: a number known at synth (no token).
  const replicasOk = c.replicas === undefined || (!Token.isUnresolved(c.replicas) && intOk(c.replicas, 0, 5));
  o.check(replicasOk, 'replicas');
  // Multi-AZ fails over to a replica in another AZ: it needs one, and subnets in two AZs.
  const multiAz = c.multiAz ?? DEFAULTS.multiAz;
  if (replicasOk) o.check(!(multiAz && isZero(c.replicas)), 'multiAz', true, MULTI_AZ_WITHOUT_REPLICA);
  // ElastiCache ports: 1150-65535; AwsSolutions-AEC5 (JSDoc): not Valkey's well-known 6379.
  const portOk = c.port === undefined || intOk(c.port, 1150, 65535);
  o.check(portOk, 'port');
  if (portOk) o.check(c.port !== VALKEY_DEFAULT_PORT, 'port', false, WELL_KNOWN_PORT);
  // ElastiCache: snapshots kept 0-35 days.
  o.check(
    c.snapshotRetentionDays === undefined || intOk(c.snapshotRetentionDays, 0, 35),
    'snapshotRetentionDays',
  );
  for (const prop of windowProblems(c.windows)) {
    const overlap = prop === 'maintenanceWindow' && c.rule === 'windowsOverlap';
    o.check(false, prop, false, overlap ? OVERLAP : undefined);
  }
  // The project's rule: every log group has a finite retention (CloudWatchLogGroupRetentionPeriod).
  o.check(c.logRetention !== logs.RetentionDays.INFINITE, 'logRetention');
  // The nodes need subnets of the kind selected (isolated by default), in two AZs with Multi-AZ.
  const subnets = selectedSubnets(c.network);
  if (subnets === 0) {
    // The construct may blame the VPC (it has none) or the selection (it finds none).
    o.check(false, 'vpc', true, NO_SUBNETS);
    o.check(false, 'vpcSubnets', true, NO_SUBNETS);
  } else if (subnets < 2) {
    o.check(!multiAz, 'vpcSubnets', true, MULTI_AZ_ONE_AZ);
    o.check(!multiAz, 'multiAz', true, MULTI_AZ_ONE_AZ);
  }
  return o.violations;
}

// ---- Props.

const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:alarms';

function vpcOf(stack: Stack, choice: VpcChoice): ec2.IVpc {
  if (choice === 'reference') return new ReferenceVpc(stack, 'Network', { natGateways: 0 }).vpc;
  return importedVpc(stack, choice === 'imported' ? ['isolated', 'private'] : ['public', 'private']);
}

function subnetsOf(vpc: ec2.IVpc, choice: SubnetChoice): ec2.SubnetSelection | undefined {
  switch (choice) {
    case 'default':
      return undefined;
    case 'isolated':
      return { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    case 'private':
      return { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    case 'oneSubnet':
      return { subnets: [vpc.isolatedSubnets[0] ?? vpc.privateSubnets[0]] };
  }
}

/** The case each props object was made from, for the template model (the construct callback sees props). */
const caseOfProps = new WeakMap<object, CacheCase>();

function propsOf(stack: Stack, c: CacheCase): CacheClusterProps {
  const vpc = vpcOf(stack, c.network.vpc);
  let encryptionKey: kms.IKey | undefined;
  if (c.encryptionKey === 'imported') encryptionKey = kms.Key.fromKeyArn(stack, 'Key', KEY_ARN);
  else if (c.encryptionKey === 'new') {
    encryptionKey = new EncryptionKey(stack, 'Key', { description: 'Key of the property case' }).key;
  }
  const props: CacheClusterProps = {
    vpc,
    vpcSubnets: subnetsOf(vpc, c.network.subnets),
    nodeType: c.nodeType,
    replicas: c.replicas,
    multiAz: c.multiAz,
    port: c.port,
    snapshotRetentionDays: c.snapshotRetentionDays,
    ...c.windows,
    removalPolicy: c.removalPolicy,
    logRetention: c.logRetention,
    alarmTopic: c.importedAlarmTopic ? importedAlarmTopic(stack) : undefined,
    encryptionKey,
  };
  caseOfProps.set(props, c);
  return props;
}

/** Builds the cache; for props the oracle finds valid, holds the synthesized template to the model. */
function construct(stack: Stack, props: CacheClusterProps): CacheCluster {
  const cache = new CacheCluster(stack, 'Cache', props);
  const c = caseOfProps.get(props);
  if (c && violations(c).length === 0) checkModel(stack, cache, c, props);
  return cache;
}

// ---- The model of a valid cache's template.

type Resource = TemplateResource;

/** A number prop as the template holds it: a token's value resolved. */
function resolved(stack: Stack, n: number | undefined, fallback: number): number {
  return n === undefined ? fallback : (stack.resolve(n) as number);
}

const DELETION_POLICY: Record<string, string> = {
  [RemovalPolicy.SNAPSHOT]: 'Snapshot',
  [RemovalPolicy.DESTROY]: 'Delete',
  [RemovalPolicy.RETAIN]: 'Retain',
};
const BACKUP_RULES = ['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security'].map(
  (pack) => `${pack}-ElastiCacheRedisClusterAutomaticBackup`,
);
/**
 * Node metrics alarmed on every node; ReplicationLag on every node of a group with replicas (any node can
 * be the replica after a failover), on none of a single node.
 */
const NODE_METRICS = [
  'EngineCPUUtilization',
  'Evictions',
  'DatabaseMemoryUsagePercentage',
  'CurrConnections',
];

function checkModel(stack: Stack, cache: CacheCluster, c: CacheCase, props: CacheClusterProps): void {
  const resources = acceptedTemplate(stack).Resources;
  const json = (v: unknown) => JSON.stringify(v);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  const groups = ofType('AWS::ElastiCache::ReplicationGroup');
  invariant(groups.length === 1, `one replication group; found ${groups.length}`);
  const [, group] = groups[0];
  const p = group.Properties!;
  const replicas = resolved(stack, c.replicas, DEFAULTS.replicas);
  const multiAz = c.multiAz ?? DEFAULTS.multiAz;
  const expected: Record<string, unknown> = {
    Engine: 'valkey',
    CacheNodeType: c.nodeType ?? DEFAULTS.nodeType,
    NumCacheClusters: 1 + replicas,
    MultiAZEnabled: multiAz,
    AutomaticFailoverEnabled: replicas > 0,
    Port: resolved(stack, c.port, DEFAULTS.port),
    SnapshotRetentionLimit: resolved(stack, c.snapshotRetentionDays, DEFAULTS.snapshotRetentionDays),
    SnapshotWindow: c.windows.snapshotWindow ?? DEFAULTS.snapshotWindow,
    PreferredMaintenanceWindow: c.windows.maintenanceWindow ?? DEFAULTS.maintenanceWindow,
    TransitEncryptionEnabled: true,
    AtRestEncryptionEnabled: true,
  };
  for (const [key, value] of Object.entries(expected)) {
    invariant(json(p[key]) === json(value), `${key} ${json(value)}; found ${json(p[key])}`);
  }
  const policy = DELETION_POLICY[c.removalPolicy ?? DEFAULTS.removalPolicy];
  invariant(
    group.DeletionPolicy === policy && group.UpdateReplacePolicy === policy,
    `DeletionPolicy and UpdateReplacePolicy ${policy}; found ${group.DeletionPolicy}, ${group.UpdateReplacePolicy}`,
  );

  // The key at rest: the one given, or a key of the stack.
  const keyId = json(p.KmsKeyId);
  if (c.encryptionKey === 'imported')
    invariant(p.KmsKeyId === KEY_ARN, `KmsKeyId ${KEY_ARN}; found ${keyId}`);
  else {
    const keyLogicalId = p.KmsKeyId?.['Fn::GetAtt']?.[0];
    invariant(
      resources[keyLogicalId]?.Type === 'AWS::KMS::Key',
      `KmsKeyId a key of the stack; found ${keyId}`,
    );
  }

  // The AUTH token: only a dynamic reference to the construct's secret, never text in the template.
  const token = json(p.AuthToken);
  const secretRef = p.AuthToken?.['Fn::Join']?.[1]?.find((x: unknown) => typeof x === 'object')?.Ref;
  invariant(
    token.includes('{{resolve:secretsmanager:') &&
      token.includes(':SecretString:token::}}') &&
      resources[secretRef]?.Type === 'AWS::SecretsManager::Secret',
    `AuthToken a {{resolve:secretsmanager:...}} reference to a secret of the stack; found ${token}`,
  );

  // One alarm per node and metric, replication lag too with replicas; each notifies the alarm topic.
  const alarms = ofType('AWS::CloudWatch::Alarm')
    .map(([, r]) => r.Properties!)
    .filter((a) => a.Namespace === 'AWS/ElastiCache');
  const nodes = (from: number) =>
    Array.from({ length: 1 + replicas - from + 1 }, (_, i) => `-${String(from + i).padStart(3, '0')}`);
  const groupId = json(p.ReplicationGroupId);
  for (const metric of [...NODE_METRICS, 'ReplicationLag']) {
    const want = metric === 'ReplicationLag' && replicas === 0 ? [] : nodes(1);
    const found = alarms
      .filter((a) => a.MetricName === metric)
      .map((a) => json(a.Dimensions))
      .map((d) => (d.includes(groupId) ? (/"(-\d{3})"/.exec(d)?.[1] ?? d) : `another group: ${d}`))
      .sort();
    invariant(json(found) === json(want), `${metric} alarms on nodes ${json(want)}; found ${json(found)}`);
  }
  const expectedAlarms = (NODE_METRICS.length + (replicas > 0 ? 1 : 0)) * (1 + replicas);
  invariant(alarms.length === expectedAlarms, `${expectedAlarms} alarms; found ${alarms.length}`);
  const topics = ofType('AWS::SNS::Topic').map(([id]) => id);
  const topic = c.importedAlarmTopic ? TOPIC_ARN : topics.length === 1 ? { Ref: topics[0] } : undefined;
  invariant(
    topic !== undefined &&
      alarms.every((a) => json(a.AlarmActions) === json([topic]) && json(a.OKActions) === json([topic])),
    `every alarm notifies ${json(topic)}; found ${json([...new Set(alarms.map((a) => json(a.AlarmActions)))])}`,
  );

  // The security group: the replication group's, with no ingress of its own (clients are let in by
  // allowFrom), and nothing else lets anyone in.
  const sgIds = json(p.SecurityGroupIds);
  const sgLogicalId = p.SecurityGroupIds?.[0]?.['Fn::GetAtt']?.[0];
  const sg = resources[sgLogicalId];
  invariant(
    p.SecurityGroupIds?.length === 1 && sg?.Type === 'AWS::EC2::SecurityGroup',
    `one security group of the stack; found ${sgIds}`,
  );
  invariant(
    !sg.Properties?.SecurityGroupIngress?.length,
    `no ingress on the security group; found ${json(sg.Properties?.SecurityGroupIngress)}`,
  );
  const ingress = ofType('AWS::EC2::SecurityGroupIngress').filter(([, r]) =>
    json(r.Properties?.GroupId).includes(`"${sgLogicalId}"`),
  );
  invariant(ingress.length === 0, `no ingress rule on the security group; found ${ingress.length}`);
  invariant(cache.connections.securityGroups.length === 1, 'connections has the one security group');

  // The subnets: those selected (for an imported VPC, their ids).
  const subnetGroup = resources[p.CacheSubnetGroupName?.Ref];
  const subnetIds = subnetGroup?.Properties?.SubnetIds ?? [];
  const wantSubnets = selectedSubnets(c.network);
  invariant(
    subnetGroup?.Type === 'AWS::ElastiCache::SubnetGroup' && subnetIds.length === wantSubnets,
    `a subnet group of ${wantSubnets} subnets; found ${json(subnetIds)}`,
  );
  if (c.network.vpc !== 'reference') {
    const tier =
      c.network.subnets === 'private' || (c.network.subnets === 'oneSubnet' && c.network.vpc === 'noIsolated')
        ? 'private'
        : 'isolated';
    const want = importedSubnetIds(tier).slice(0, wantSubnets);
    invariant(json(subnetIds) === json(want), `subnets ${json(want)}; found ${json(subnetIds)}`);
  }

  // The engine and slow logs: log groups of the stack, kept as long as logRetention says, encrypted.
  const logGroups = (p.LogDeliveryConfigurations ?? []).map(
    (d: any) => resources[d.DestinationDetails?.CloudWatchLogsDetails?.LogGroup?.Ref], // eslint-disable-line @typescript-eslint/no-explicit-any
  ) as (Resource | undefined)[];
  const days = c.logRetention ?? DEFAULTS.logRetention;
  invariant(
    logGroups.length === 2 &&
      logGroups.every(
        (g) =>
          g?.Type === 'AWS::Logs::LogGroup' &&
          g.Properties?.RetentionInDays === days &&
          !!g.Properties.KmsKeyId,
      ),
    `engine and slow logs in encrypted log groups kept ${days} days; found ${json(logGroups)}`,
  );

  // No number token written out as its digits anywhere (a token used in arithmetic or text).
  const text = json(resources);
  invariant(
    !/e\+28\d/.test(text),
    `no number token as text in the template: ${/.{60}e\+28\d.{20}/.exec(text)?.[0]}`,
  );

  // The acknowledgments: AEC4 only without Multi-AZ, the backup rule only below 15 days of snapshots
  // (either way for a retention known only at deploy time).
  const acknowledged = new Set(
    cache.replicationGroup.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as object).map((k) => k.replace(/^Annotation::/, ''))),
  );
  invariant(
    acknowledged.has('AwsSolutions-AEC4') === (props.multiAz === false),
    `AwsSolutions-AEC4 acknowledged iff multiAz is false; acknowledged: ${json([...acknowledged])}`,
  );
  const retention = c.snapshotRetentionDays ?? DEFAULTS.snapshotRetentionDays;
  if (!Token.isUnresolved(retention)) {
    for (const rule of BACKUP_RULES) {
      invariant(
        acknowledged.has(rule) === retention < PACK_RETENTION,
        `${rule} acknowledged iff snapshotRetentionDays < ${PACK_RETENTION}; acknowledged: ${json([...acknowledged])}`,
      );
    }
  }
}

/** Booleans, enums and which optional parts exist: what cdk-nag's verdict can depend on. */
function nagShape(c: CacheCase): string {
  const retention = c.snapshotRetentionDays;
  return JSON.stringify([
    c.network,
    c.multiAz === false,
    (c.replicas ?? 1) === 0,
    retention === undefined
      ? 'default'
      : Token.isUnresolved(retention)
        ? 'token'
        : retention < PACK_RETENTION,
    c.removalPolicy,
    c.encryptionKey,
    c.importedAlarmTopic,
  ]);
}

/**
 * The kinds of violation every default run rejects cases for (FC_VERBOSE=1 prints the counts): the run
 * fails when one never comes up.
 */
const REJECTS = [
  'logRetention',
  'maintenanceWindow',
  MULTI_AZ_ONE_AZ,
  MULTI_AZ_WITHOUT_REPLICA,
  NO_SUBNETS,
  'nodeType',
  OVERLAP,
  'port',
  'replicas',
  'snapshotRetentionDays',
  'snapshotWindow',
];

/*
 * Construct defects this property found, fixed, kept as regressions below:
 * 1. Multi-AZ on a single subnet whose AZ is a token (a ReferenceVpc in an environment-agnostic stack) was
 *    accepted: the two-AZ check was skipped when an AZ was unresolved, though one subnet never spans two AZs.
 * 2. A replicas token broke the group and its alarms (`1 + token` is the token; `token > 0` is false):
 *    NumCacheClusters was the token's value, automatic failover off, no alarm. A token is now refused.
 */
describeConstructProperty(
  'CacheCluster',
  caseArb,
  { violations, propsOf, construct, nagShape },
  { rejects: REJECTS },
);

/** The defaults, in an imported VPC: the hand-written cases below change one thing each. */
const base: CacheCase = {
  network: { vpc: 'imported', subnets: 'default' },
  rule: 'kept',
  windows: {},
  importedAlarmTopic: false,
  encryptionKey: 'default',
};

/** Regressions: defects this file found in the construct, fixed. */
describe('CacheCluster regressions', () => {
  const run = (c: CacheCase) =>
    checkCase(
      {
        violations: violations(c),
        build: (stack) => {
          const props = propsOf(stack, c);
          showingValue(() => construct(stack, props), props, violations(c));
        },
        alwaysNag: true,
      },
      new CaseStats(),
    );

  // Defect 1: ReferenceVpc AZs are tokens in an env-agnostic stack; the two-AZ check was skipped.
  test('Multi-AZ on one subnet of a ReferenceVpc (token AZ) is rejected', () => {
    run({ ...base, network: { vpc: 'reference', subnets: 'oneSubnet' } });
  });

  // Defect 2: NumCacheClusters resolved to the token's value, automatic failover was off, no alarms.
  test.each([0, 1, 5])('a replicas token resolving to %d is refused, naming replicas', (n) => {
    run({ ...base, replicas: Lazy.number({ produce: () => n }), multiAz: n === 0 ? false : undefined });
  });

  test('Multi-AZ on one subnet of an imported VPC (a named AZ) is rejected', () => {
    run({ ...base, network: { vpc: 'imported', subnets: 'oneSubnet' } });
  });

  test('one node on one subnet without Multi-AZ, one day of snapshots, synthesizes the model nag-clean', () => {
    run({
      ...base,
      network: { vpc: 'imported', subnets: 'oneSubnet' },
      replicas: 0,
      multiAz: false,
      snapshotRetentionDays: 1,
    });
  });
});

/** What the rules above expect, on the props alone (the oracle against hand-written cases). */
describe('CacheCluster oracle', () => {
  test.each<[string, Partial<CacheCase>, string[]]>([
    ['defaults', {}, []],
    ['no replica with Multi-AZ by default', { replicas: 0 }, [MULTI_AZ_WITHOUT_REPLICA]],
    ['no replica without Multi-AZ', { replicas: 0, multiAz: false }, []],
    ['a replicas token', { replicas: Lazy.number({ produce: () => 0 }) }, ['replicas']],
    ['6 replicas', { replicas: 6 }, ['replicas']],
    ['port 6379', { port: 6379 }, [WELL_KNOWN_PORT]],
    ['port 1149', { port: 1149 }, ['port']],
    ['36 days of snapshots', { snapshotRetentionDays: 36 }, ['snapshotRetentionDays']],
    ['cache.c7gn.large', { nodeType: 'cache.c7gn.large' }, []],
    ['cache.t2.micro', { nodeType: 'cache.t2.micro' }, ['nodeType']],
    ['a 59-minute snapshot window', { windows: { snapshotWindow: '03:00-03:59' } }, ['snapshotWindow']],
    [
      'a snapshot window past midnight',
      { windows: { snapshotWindow: '23:30-00:30', maintenanceWindow: 'wed:02:00-wed:03:00' } },
      [],
    ],
    ['maintenance right after the snapshots', { windows: { maintenanceWindow: 'tue:04:00-tue:05:00' } }, []],
    [
      'maintenance inside the snapshots on a Tuesday',
      { windows: { maintenanceWindow: 'tue:03:30-tue:04:30' } },
      ['maintenanceWindow'],
    ],
    [
      "Sunday's snapshots past midnight into Monday's maintenance",
      { windows: { snapshotWindow: '23:30-00:30', maintenanceWindow: 'mon:00:00-mon:01:00' } },
      ['maintenanceWindow'],
    ],
    [
      'maintenance past Sunday midnight into the snapshots',
      { windows: { snapshotWindow: '00:00-01:00', maintenanceWindow: 'sun:23:30-mon:00:30' } },
      ['maintenanceWindow'],
    ],
    ['no isolated subnets', { network: { vpc: 'noIsolated', subnets: 'default' } }, [NO_SUBNETS, NO_SUBNETS]],
    ['private subnets named', { network: { vpc: 'noIsolated', subnets: 'private' } }, []],
    [
      'one subnet with Multi-AZ',
      { network: { vpc: 'imported', subnets: 'oneSubnet' } },
      [MULTI_AZ_ONE_AZ, MULTI_AZ_ONE_AZ],
    ],
    ['logRetention INFINITE', { logRetention: logs.RetentionDays.INFINITE }, ['logRetention']],
  ])('%s', (_, c, kinds) => {
    expect(violations({ ...base, ...c }).map((v) => v.kind ?? v.prop)).toEqual(kinds);
  });
});
