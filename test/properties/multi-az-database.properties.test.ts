import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as fc from 'fast-check';
import { ReferenceVpc } from '../../lib/core/network';
import {
  DatabaseEngine,
  MultiAzDatabase,
  MultiAzDatabaseProps,
} from '../../lib/multi-az-database/multi-az-database';
import {
  badDuration,
  badInt,
  durationIn,
  durationOk,
  field,
  intIn,
  intOk,
  Model,
  Oracle,
  orToken,
  recordOf,
  secondsOf,
  validOrMutated,
  WEEKDAYS,
  windowPair,
} from './arbitraries';
import { describeProperty, expectRejected, importedAlarmTopic, Violation } from './harness';
import { showingValue } from './received';

const HOUR = 3600;
const DAY = 86400;

/**
 * The VPC the database goes into: imported ones are cheap to synthesize (no VPC resources), the
 * ReferenceVpc is what the demo stack uses; `oneAz` and `noIsolated` cannot hold a Multi-AZ database.
 */
type VpcChoice = 'imported2Az' | 'imported3AzWithPublic' | 'reference' | 'oneAz';
type SubnetChoice = 'default' | 'isolated' | 'public';

/** The two windows, tied by the no-overlap rule. */
interface Windows {
  readonly preferredBackupWindow?: string;
  readonly preferredMaintenanceWindow?: string;
}
/** Storage sizes, tied by the 10% headroom rule. */
interface Storage {
  readonly allocatedStorage?: number;
  readonly maxAllocatedStorage?: number;
}
/** Engine, version, instance class and Performance Insights, tied by what RDS for MySQL supports. */
interface Engine {
  readonly engine?: DatabaseEngine;
  readonly postgresVersion?: rds.PostgresEngineVersion;
  readonly mysqlVersion?: rds.MysqlEngineVersion;
  readonly instanceType?: ec2.InstanceType;
  readonly performanceInsights?: boolean;
}

interface DbCase {
  readonly vpc: VpcChoice;
  readonly subnets: SubnetChoice;
  readonly engine: Engine;
  readonly storage: Storage;
  readonly windows: Windows;
  readonly backupRetention?: Duration;
  readonly removalPolicy?: RemovalPolicy;
  readonly deletionProtection?: boolean;
  readonly readReplicas?: number;
  readonly rdsProxy?: boolean;
  readonly backupPlan?: boolean;
  readonly monitoringInterval?: Duration;
  readonly logRetention?: logs.RetentionDays;
  readonly rotationInterval?: Duration;
  readonly importedEndpoint: boolean;
  readonly connectionsAlarmThreshold?: number;
  readonly importedAlarmTopic: boolean;
}

/** A daily window and a weekly one, as RDS writes them (at least 30 minutes each). */
const windowsArb: fc.Arbitrary<Windows> = windowPair(30)
  .map(({ daily, weekly }) => ({ preferredBackupWindow: daily, preferredMaintenanceWindow: weekly }))
  // A valid case keeps the windows apart: fall back to the defaults when they overlap.
  .map((w) => (windowProblems(w).length === 0 ? w : {}));

const badWindows: fc.Arbitrary<Windows> = fc.oneof(
  fc
    .constantFrom(
      '3:00-04:00',
      '03:00-04:00 ',
      '24:00-01:00',
      '03:60-04:00',
      '03:00-03:15',
      '03:00',
      '',
      'abc',
      '03:00-03:00',
    )
    .map((preferredBackupWindow) => ({ preferredBackupWindow })),
  fc
    .constantFrom(
      'sun:05:00-sun:05:10',
      'xyz:05:00-sun:06:00',
      'sun:5:00-sun:06:00',
      'sun:05:00',
      '',
      'sun:05:00-sun:05:00',
    )
    .map((preferredMaintenanceWindow) => ({ preferredMaintenanceWindow })),
  // Overlapping: maintenance inside the default backup window (03:00-04:00) on some day.
  fc
    .integer({ min: 0, max: 6 })
    .map((d) => ({ preferredMaintenanceWindow: `${WEEKDAYS[d]}:03:15-${WEEKDAYS[d]}:04:15` })),
);

/**
 * The instance classes RDS offers no Performance Insights on, copied by hand from the AWS documentation
 * ("Amazon RDS DB engine, Region, and instance class support for Database Insights",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DatabaseInsights.Engines.html): RDS for MySQL
 * (and MariaDB) not on db.t2.micro, db.t2.small, db.t3.micro, db.t3.small, db.t4g.micro or db.t4g.small;
 * RDS for PostgreSQL on every class. Written out here, not asked of the construct, so that a mistake in
 * its own table fails the property instead of agreeing with it.
 */
const NO_PERFORMANCE_INSIGHTS: Record<DatabaseEngine, readonly string[]> = {
  [DatabaseEngine.MYSQL]: ['t2.micro', 't2.small', 't3.micro', 't3.small', 't4g.micro', 't4g.small'],
  [DatabaseEngine.POSTGRESQL]: [],
};
const performanceInsightsOffered = (engine: DatabaseEngine, instanceType: ec2.InstanceType) =>
  !NO_PERFORMANCE_INSIGHTS[engine].includes(instanceType.toString());

const INSTANCE_TYPES = [
  't4g.micro',
  't4g.small',
  't4g.medium',
  't3.micro',
  't3.small',
  't3.medium',
  'm7g.large',
  'r6g.large',
].map((t) => new ec2.InstanceType(t));

const engineArb: fc.Arbitrary<Engine> = fc
  .record(
    {
      engine: fc.constantFrom(DatabaseEngine.POSTGRESQL, DatabaseEngine.MYSQL),
      postgresVersion: fc.constantFrom(
        rds.PostgresEngineVersion.VER_17_9,
        rds.PostgresEngineVersion.VER_16_13,
        rds.PostgresEngineVersion.VER_18_3,
      ),
      mysqlVersion: fc.constantFrom(rds.MysqlEngineVersion.VER_8_4_10, rds.MysqlEngineVersion.VER_8_0_46),
      instanceType: fc.constantFrom(...INSTANCE_TYPES),
      performanceInsights: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .map((e) => {
    // Performance Insights only where RDS supports it.
    const supported = performanceInsightsOffered(
      e.engine ?? DatabaseEngine.POSTGRESQL,
      e.instanceType ?? INSTANCE_TYPES[0],
    );
    return e.performanceInsights && !supported ? { ...e, performanceInsights: undefined } : e;
  });

const storageArb: fc.Arbitrary<Storage> = fc
  .tuple(intIn(20, 59000), fc.integer({ min: 0, max: 5000 }), fc.boolean(), fc.boolean())
  .map(([allocated, extra, giveAllocated, giveMax]) => {
    const allocatedStorage = giveAllocated ? allocated : undefined;
    const floor = Math.ceil(((allocatedStorage ?? 20) * 11) / 10);
    const max = Math.min(65536, Math.max(22, floor + extra));
    // Leave the max out only where its default (100 GiB) keeps the headroom.
    return { allocatedStorage, maxAllocatedStorage: giveMax || floor > 100 ? max : undefined };
  });

const vpcArb = fc.constantFrom<VpcChoice>('imported2Az', 'imported2Az', 'imported3AzWithPublic', 'reference');

const dbModel: Model<DbCase> = {
  vpc: field(vpcArb, fc.constant<VpcChoice>('oneAz'), false),
  subnets: field(
    fc.constantFrom<SubnetChoice>('default', 'isolated'),
    fc.constant<SubnetChoice>('public'),
    false,
  ),
  engine: field(
    engineArb,
    // Performance Insights on a MySQL class that has none.
    fc.constantFrom(...NO_PERFORMANCE_INSIGHTS[DatabaseEngine.MYSQL]).map((t) => ({
      engine: DatabaseEngine.MYSQL,
      instanceType: new ec2.InstanceType(t),
      performanceInsights: true,
    })),
    false,
  ),
  storage: field(
    storageArb,
    fc.oneof(
      badInt(20, 65536).map((allocatedStorage) => ({ allocatedStorage, maxAllocatedStorage: 65536 })),
      badInt(22, 65536).map((maxAllocatedStorage) => ({ maxAllocatedStorage })),
      // Less than 10% headroom.
      intIn(20, 1000).map((a) => ({
        allocatedStorage: a,
        maxAllocatedStorage: Math.max(a, Math.ceil((a * 11) / 10) - 1),
      })),
    ),
    false,
  ),
  windows: field(windowsArb, badWindows, false),
  backupRetention: field(durationIn(DAY, 35 * DAY, DAY), badDuration(DAY, 35 * DAY, DAY)),
  removalPolicy: field(fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.SNAPSHOT, RemovalPolicy.DESTROY)),
  deletionProtection: field(fc.boolean()),
  // Replicas are the costly part of a synth; up to 3 in most valid cases, the quota of 15 in some.
  readReplicas: field(
    fc.oneof({ weight: 9, arbitrary: intIn(0, 3) }, { weight: 1, arbitrary: intIn(4, 15) }),
    badInt(0, 15),
  ),
  rdsProxy: field(fc.boolean()),
  backupPlan: field(fc.boolean()),
  monitoringInterval: field(
    // 0 turns Enhanced Monitoring off.
    fc
      .constantFrom(0, 1, 5, 10, 15, 30, 60)
      .map((s) => (s === 60 ? Duration.minutes(1) : Duration.seconds(s))),
    fc.oneof(
      badDuration(1, 60),
      fc.constantFrom(2, 20, 45, 120).map((s) => Duration.seconds(s)),
    ),
  ),
  logRetention: field(
    fc.constantFrom(logs.RetentionDays.ONE_MONTH, logs.RetentionDays.ONE_YEAR, logs.RetentionDays.TEN_YEARS),
    fc.constant(logs.RetentionDays.INFINITE),
  ),
  rotationInterval: field(durationIn(4 * HOUR, 1000 * DAY, HOUR), badDuration(4 * HOUR, 1000 * DAY, HOUR)),
  importedEndpoint: field(fc.boolean(), undefined, false),
  connectionsAlarmThreshold: field(orToken(intIn(1, 100000)), badInt(1, 100000)),
  importedAlarmTopic: field(fc.boolean(), undefined, false),
};

const caseArb: fc.Arbitrary<DbCase> = validOrMutated((mutate) => recordOf(dbModel, mutate));

/** Minutes of a daily `hh24:mi-hh24:mi` or weekly `ddd:hh24:mi-ddd:hh24:mi` window, or undefined when malformed. */
function parseWindow(text: string, weeklyWindow: boolean): [number, number] | undefined {
  const t = '([01]\\d|2[0-3]):([0-5]\\d)';
  const d = '(mon|tue|wed|thu|fri|sat|sun)';
  const m = new RegExp(weeklyWindow ? `^${d}:${t}-${d}:${t}$` : `^${t}-${t}$`, 'i').exec(text);
  if (!m) return undefined;
  const n = m
    .slice(1)
    .map((x) => (WEEKDAYS.includes(x.toLowerCase()) ? WEEKDAYS.indexOf(x.toLowerCase()) : Number(x)));
  const at = weeklyWindow
    ? (i: number) => n[i] * 1440 + n[i + 1] * 60 + n[i + 2]
    : (i: number) => n[i] * 60 + n[i + 1];
  const cycle = weeklyWindow ? 7 * 1440 : 1440;
  const start = at(0);
  const length = (at(weeklyWindow ? 3 : 2) - start + cycle) % cycle;
  return [start, start + length];
}

/** RDS: both windows well-formed, at least 30 minutes, and the daily backup window never inside maintenance. */
function windowProblems(w: Windows): string[] {
  const backup = parseWindow(w.preferredBackupWindow ?? '03:00-04:00', false);
  const maintenance = parseWindow(w.preferredMaintenanceWindow ?? 'sun:05:00-sun:06:00', true);
  const problems: string[] = [];
  if (!backup || backup[1] - backup[0] < 30) problems.push('preferredBackupWindow');
  if (!maintenance || maintenance[1] - maintenance[0] < 30) problems.push('preferredMaintenanceWindow');
  if (problems.length > 0 || !backup || !maintenance) return problems;
  const week = 7 * 1440;
  for (let day = -1; day <= 7; day++) {
    for (const shift of [-week, 0, week]) {
      if (
        backup[0] + day * 1440 < maintenance[1] + shift &&
        maintenance[0] + shift < backup[1] + day * 1440
      ) {
        return ['preferredMaintenanceWindow'];
      }
    }
  }
  return [];
}

/** RDS, Secrets Manager and CloudWatch limits, and the construct's documented rules. */
function violations(c: DbCase) {
  const o = new Oracle();
  const s = c.storage;
  const allocated = s.allocatedStorage ?? 20;
  const max = s.maxAllocatedStorage ?? 100;
  o.check(intOk(allocated, 20, 65536), 'allocatedStorage');
  o.check(intOk(max, 22, 65536), 'maxAllocatedStorage');
  if (intOk(allocated, 20, 65536) && intOk(max, 22, 65536)) {
    o.check(max >= Math.ceil((allocated * 11) / 10), 'maxAllocatedStorage');
  }
  o.check(!c.backupRetention || durationOk(c.backupRetention, DAY, 35 * DAY, DAY), 'backupRetention');
  // Read replicas need automated backups on the source: with a retention of 0 either prop may be named.
  const noBackups = c.backupRetention !== undefined && secondsOf(c.backupRetention) === 0;
  o.check(!(noBackups && (c.readReplicas ?? 0) > 0), 'readReplicas', true);
  windowProblems(c.windows).forEach((prop) => o.check(false, prop));
  o.check(c.readReplicas === undefined || intOk(c.readReplicas, 0, 15), 'readReplicas');
  const e = c.engine;
  const supported = performanceInsightsOffered(
    e.engine ?? DatabaseEngine.POSTGRESQL,
    e.instanceType ?? INSTANCE_TYPES[0],
  );
  o.check(!(e.performanceInsights && !supported), 'performanceInsights', true);
  o.check(
    !c.monitoringInterval || [0, 1, 5, 10, 15, 30, 60].includes(secondsOf(c.monitoringInterval)),
    'monitoringInterval',
  );
  o.check(c.logRetention !== logs.RetentionDays.INFINITE, 'logRetention');
  // Secrets Manager rotates every 4 hours to 1,000 days, in whole hours.
  o.check(
    !c.rotationInterval || durationOk(c.rotationInterval, 4 * HOUR, 1000 * DAY, HOUR),
    'rotationInterval',
  );
  o.check(
    c.connectionsAlarmThreshold === undefined || intOk(c.connectionsAlarmThreshold, 1, 100000),
    'connectionsAlarmThreshold',
  );
  // Isolated subnets in at least two AZs; never public ones.
  o.check(c.subnets !== 'public', 'vpcSubnets', true);
  o.check(c.vpc !== 'oneAz', 'vpc', true);
  return o.violations;
}

function vpcOf(stack: Stack, choice: VpcChoice): ec2.IVpc {
  if (choice === 'reference') return new ReferenceVpc(stack, 'Network', { natGateways: 0 }).vpc;
  const azs =
    choice === 'oneAz'
      ? ['us-east-1a']
      : choice === 'imported2Az'
        ? ['us-east-1a', 'us-east-1b']
        : ['us-east-1a', 'us-east-1b', 'us-east-1c'];
  const ids = (prefix: string) => azs.map((_, i) => `${prefix}-0123456789abcdef${i}`);
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: azs,
    isolatedSubnetIds: ids('subnet'),
    isolatedSubnetRouteTableIds: ids('rtb'),
    ...(choice === 'imported3AzWithPublic'
      ? {
          publicSubnetIds: ids('subnet').map((id) => `${id}0`),
          publicSubnetRouteTableIds: ids('rtb').map((id) => `${id}0`),
        }
      : {}),
  });
}

function propsOf(stack: Stack, c: DbCase): MultiAzDatabaseProps {
  const vpc = vpcOf(stack, c.vpc);
  return {
    vpc,
    vpcSubnets:
      c.subnets === 'default'
        ? undefined
        : { subnetType: c.subnets === 'public' ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_ISOLATED },
    ...c.engine,
    ...c.storage,
    ...c.windows,
    backupRetention: c.backupRetention,
    removalPolicy: c.removalPolicy,
    deletionProtection: c.deletionProtection,
    readReplicas: c.readReplicas,
    rdsProxy: c.rdsProxy,
    backupPlan: c.backupPlan,
    monitoringInterval: c.monitoringInterval,
    logRetention: c.logRetention,
    rotationInterval: c.rotationInterval,
    secretsManagerEndpoint: c.importedEndpoint
      ? ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'SecretsManager', {
          vpcEndpointId: 'vpce-0123456789abcdef0',
          port: 443,
          securityGroups: [
            ec2.SecurityGroup.fromSecurityGroupId(stack, 'EndpointSg', 'sg-0123456789abcdef0'),
          ],
        })
      : undefined,
    connectionsAlarmThreshold: c.connectionsAlarmThreshold,
    alarmTopic: c.importedAlarmTopic ? importedAlarmTopic(stack) : undefined,
  };
}

function nagShape(c: DbCase): string {
  return JSON.stringify([
    c.vpc,
    c.engine.engine,
    c.engine.performanceInsights,
    c.removalPolicy,
    c.deletionProtection,
    (c.readReplicas ?? 0) > 0,
    c.rdsProxy,
    c.backupPlan,
    c.importedEndpoint,
  ]);
}

/**
 * Builds the database, then fails (a plain Error, which the harness reports as a DEFECT) when an instance
 * has Performance Insights on although RDS offers none on its class: the default (performanceInsights
 * unset) follows the construct's own table, which only this check holds against the documented one.
 */
function buildChecked(stack: Stack, c: DbCase, expected: readonly Violation[]): void {
  const props = propsOf(stack, c);
  let db: MultiAzDatabase | undefined;
  showingValue(() => (db = new MultiAzDatabase(stack, 'Database', props)), props, expected);
  if (!db) return;
  const engine = c.engine.engine ?? DatabaseEngine.POSTGRESQL;
  for (const instance of db.node.findAll().filter((n) => n instanceof rds.CfnDBInstance)) {
    const cfn = instance as rds.CfnDBInstance;
    const instanceClass = stack.resolve(cfn.dbInstanceClass) as string;
    const offered = performanceInsightsOffered(
      engine,
      new ec2.InstanceType(instanceClass.replace(/^db\./, '')),
    );
    if (stack.resolve(cfn.enablePerformanceInsights) === true && !offered) {
      throw new Error(
        `${cfn.node.path} turns Performance Insights on, which RDS for ${engine} does not offer on ${instanceClass}`,
      );
    }
  }
}

/**
 * The kinds of violation every default run rejects cases for, each at least 150 times in 5000 invalid
 * cases (FC_VERBOSE=1 prints the counts): the run fails when one never comes up. Rarer ones are left out.
 */
const REJECTS = [
  'backupRetention',
  'connectionsAlarmThreshold',
  'logRetention',
  'maxAllocatedStorage',
  'monitoringInterval',
  'performanceInsights',
  'preferredMaintenanceWindow',
  'readReplicas',
  'rotationInterval',
  'vpc',
  'vpcSubnets',
];

describeProperty(
  'MultiAzDatabase',
  caseArb,
  (c) => {
    const expected = violations(c);
    return {
      violations: expected,
      build: (stack) => buildChecked(stack, c, expected),
      nagShape: nagShape(c),
    };
  },
  { rejects: REJECTS },
);

/** Counterexamples found by the property (or while writing its generators), each a DEFECT before its fix. */
describe('MultiAzDatabase regressions', () => {
  const db =
    (props: Partial<MultiAzDatabaseProps>, vpc: VpcChoice = 'imported2Az') =>
    (stack: Stack) => {
      const all: MultiAzDatabaseProps = { vpc: vpcOf(stack, vpc), ...props };
      showingValue(() => new MultiAzDatabase(stack, 'Database', all), all, 'any');
    };

  // Property seed -554806582: UnscopedValidationError "'86400001 millis' cannot be converted into a whole
  // number of hours" (the whole-days check itself called toHours()).
  test('a backupRetention of a day and a millisecond is rejected', () => {
    expectRejected('backupRetention', db({ backupRetention: Duration.millis(86_400_001) }));
  });

  // Property seed -2097144920: UnscopedValidationError "Infinity must be a whole number of seconds" (the
  // read-replica check ran before the range check).
  test('an infinite backupRetention with read replicas is rejected', () => {
    expectRejected('backupRetention', db({ backupRetention: Duration.seconds(Infinity), readReplicas: 1 }));
  });

  // Property seed -1083853066: ValidationError "There are no 'Public' subnet groups in this VPC".
  test('vpcSubnets of a type the VPC does not have is rejected', () => {
    expectRejected('vpcSubnets', db({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }), true);
  });

  // ValidationError "automaticallyAfter must not be smaller than 4 hours" / "greater than 1000 days";
  // 0 (no rotation) gave 3 nag findings (SMG4, SecretsManagerRotationEnabled); 4.5 hours synthesized
  // rate(270 minutes), which Secrets Manager (hours or days only) refuses.
  test.each<[string, Duration]>([
    ['1 hour', Duration.hours(1)],
    ['1001 days', Duration.days(1001)],
    ['0 days', Duration.days(0)],
    ['270 minutes', Duration.minutes(270)],
  ])('rotationInterval %s is rejected', (_, rotationInterval) => {
    expectRejected('rotationInterval', db({ rotationInterval }));
  });

  // 15 nag findings (CloudWatchLogGroupRetentionPeriod on each exported log group).
  test('logRetention INFINITE is rejected', () => {
    expectRejected('logRetention', db({ logRetention: logs.RetentionDays.INFINITE }));
  });

  // UnscopedValidationError "'1500 millis' cannot be converted into a whole number of seconds" / "NaN must be ...".
  test.each<[string, Duration]>([
    ['1.5 seconds', Duration.millis(1500)],
    ['NaN seconds', Duration.seconds(NaN)],
  ])('monitoringInterval %s is rejected', (_, monitoringInterval) => {
    expectRejected('monitoringInterval', db({ monitoringInterval }));
  });
});
