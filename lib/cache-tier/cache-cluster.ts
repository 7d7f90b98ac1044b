import { Duration, Fn, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../core/acknowledge';
import { AlarmTopic, notify } from '../core/alarms';
import { EncryptionKey } from '../core/encryption-key';
import { PropValidationError, validateInteger, validateLogRetention } from '../core/errors';
import { stackCreationId } from '../core/physical-names';
import { allowCloudWatchLogs } from '../core/service-grants';
import {
  assertNoOverlap,
  parseBackupWindow,
  parseMaintenanceWindow,
  WindowRules,
} from '../multi-az-database/windows';

const CONSTRUCT = 'CacheCluster';

/** ElastiCache's rules for the snapshot and maintenance windows. */
const ELASTICACHE_WINDOWS: WindowRules = {
  service: 'ElastiCache',
  minMinutes: 60,
  maintenanceProp: 'maintenanceWindow',
};

/**
 * Node families ElastiCache offers for Valkey (cache.<family>.<size>): current general purpose (m5-m7g),
 * memory optimized (r5-r7g, and r6gd with data tiering), burstable (t3, t4g) and network optimized (c7gn).
 */
export const VALKEY_NODE_FAMILIES = [
  't3',
  't4g',
  'm5',
  'm6g',
  'm7g',
  'r5',
  'r6g',
  'r6gd',
  'r7g',
  'c7gn',
] as const;

/** Props of {@link CacheCluster}. */
export interface CacheClusterProps {
  /** The VPC of the cache. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the nodes: isolated ones, the cache needs no route out (000 L427: reachable from the VPC only).
   * @default - the VPC's PRIVATE_ISOLATED subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Node type: `cache.<family>.<size>` of a family Valkey runs on ({@link VALKEY_NODE_FAMILIES}).
   * @default 'cache.t4g.micro'
   */
  readonly nodeType?: string;
  /**
   * Read replicas of the primary: 0-5 (000 L422). With at least one, a failed primary is replaced by the
   * replica with the least replication lag (000 L440).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Place the replicas in other Availability Zones and fail over automatically. Needs a replica.
   * @default true
   */
  readonly multiAz?: boolean;
  /**
   * The port the nodes listen on: 1150-65535, not Valkey's default 6379 (AwsSolutions-AEC5: a scan for
   * the well-known port finds nothing).
   * @default 6380
   */
  readonly port?: number;
  /**
   * Days ElastiCache keeps the daily snapshots: 0 (none) to 35. The NIST and HIPAA packs ask for 15; below
   * that the construct acknowledges their rule, since a cache holds copies and sessions, not records.
   * @default 15
   */
  readonly snapshotRetentionDays?: number;
  /**
   * Daily snapshot window `hh24:mi-hh24:mi` (UTC), at least 60 minutes.
   * @default '03:00-04:00'
   */
  readonly snapshotWindow?: string;
  /**
   * Weekly maintenance window `ddd:hh24:mi-ddd:hh24:mi` (UTC), at least 60 minutes, not overlapping the
   * snapshot window.
   * @default 'sun:05:00-sun:06:00'
   */
  readonly maintenanceWindow?: string;
  /**
   * What happens to the cache and its key, secret and log groups on destroy: `RETAIN`, `SNAPSHOT` (a
   * final snapshot, then the group is deleted) or `DESTROY`.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the engine and slow logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where the alarms notify.
   * @default - a new {@link AlarmTopic}
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Key of the data at rest, the AUTH token secret and the log groups.
   * @default - a new {@link EncryptionKey}
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * A Valkey replication group for sessions and cache-aside reads (003 L1515-1526; 001 L2686-2746): a
 * primary and replicas in isolated subnets, Multi-AZ with automatic failover, TLS in transit, the
 * construct's key at rest, an AUTH token kept in Secrets Manager (never in the template as text), a
 * non-default port, daily snapshots, engine and slow logs, and the alarms the notes' operations advice
 * names (000 L387-443). Reach it through `connections`: nothing else may connect.
 */
export class CacheCluster extends Construct implements ec2.IConnectable {
  /** The replication group. */
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The AUTH token, `{ "token": "..." }`: read it to connect (and grant it to the clients). */
  public readonly authTokenSecret: secretsmanager.Secret;
  /** Only the security groups given access here reach the port. */
  public readonly connections: ec2.Connections;
  /** The port the nodes listen on. */
  public readonly port: number;
  /** The primary endpoint (writes and reads). */
  public readonly primaryEndpoint: string;
  /** The reader endpoint (reads, spread over the replicas). */
  public readonly readerEndpoint: string;
  /** The key at rest. */
  public readonly encryptionKey: kms.IKey;
  /** Where the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** Engine CPU, evictions, memory, connections and replication lag, per node. */
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: CacheClusterProps) {
    super(scope, id);
    validateProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    const keep = removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const replicas = props.replicas ?? 1;
    this.port = props.port ?? 6380;

    if (props.encryptionKey) {
      this.encryptionKey = props.encryptionKey;
    } else {
      const key = new EncryptionKey(this, 'Key', {
        description: `Encrypts the cache, its AUTH token and its logs: ${this.node.path}`,
        removalPolicy: keep,
      }).key;
      allowCloudWatchLogs(key);
      this.encryptionKey = key;
    }
    this.alarmTopic =
      props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { keyRemovalPolicy: keep }).topic;

    // The AUTH token (001 L2714-2717): generated by Secrets Manager, written into the template only as a
    // dynamic reference that CloudFormation resolves at deploy time. ElastiCache takes 16-128 printable
    // characters whose only punctuation is ! & # $ ^ < > -: letters and digits only here.
    this.authTokenSecret = new secretsmanager.Secret(this, 'AuthToken', {
      description: `AUTH token of the Valkey replication group ${this.node.path}`,
      encryptionKey: this.encryptionKey,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: keep,
    });

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Valkey ${this.node.path}: only the security groups given access reach port ${this.port}`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(this.port),
    });
    const subnets = selectCacheSubnets(props);
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `Subnets of ${this.node.path}`,
      subnetIds: subnets.subnetIds,
    });

    // A name of our own: ElastiCache dimensions its node metrics by node id, `<group id>-00N`, and the
    // alarms must name the nodes. Lowercase letters, digits and hyphens, at most 40 characters, ending in the
    // stack's creation id (lib/core/physical-names.ts): a group a production destroy keeps (RETAIN) or a
    // rolled-back create leaves must not hold the name the next create of the stack writes again.
    // 31 characters: Names keeps its hash of the full path at the end, so two caches never share a prefix.
    const groupPrefix = Names.uniqueResourceName(this, { maxLength: 31, separator: '-' })
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^[^a-z]+/, '')
      .replace(/-+$/, '');
    const groupId = Fn.join('-', [groupPrefix, stackCreationId()]);
    // Under /aws/vendedlogs/: ElastiCache delivers its logs as vended logs, for which CloudWatch Logs writes
    // each log group's ARN into one account-wide resource policy (5,120 characters) unless the group's name
    // starts with /aws/vendedlogs/, which one statement covers. Every sandbox deploy would otherwise add two
    // ARNs that no destroy removes, until log delivery of any new group fails. Named after the group id, so a
    // kept log group never blocks a redeploy either. (Found by an outside review.)
    const logGroup = (name: string, logType: string) =>
      new logs.LogGroup(this, name, {
        logGroupName: Fn.join('/', ['/aws/vendedlogs/elasticache', groupId, logType]),
        encryptionKey: this.encryptionKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy: keep,
      });
    const engineLogs = logGroup('EngineLogs', 'engine-log');
    const slowLogs = logGroup('SlowLogs', 'slow-log');

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'Resource', {
      replicationGroupId: groupId,
      replicationGroupDescription: `Sessions and cache of ${this.node.path}`,
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: props.nodeType ?? 'cache.t4g.micro',
      numCacheClusters: 1 + replicas,
      multiAzEnabled: props.multiAz ?? true,
      automaticFailoverEnabled: replicas > 0,
      port: this.port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      kmsKeyId: this.encryptionKey.keyArn,
      authToken: this.authTokenSecret.secretValueFromJson('token').unsafeUnwrap(),
      snapshotRetentionLimit: props.snapshotRetentionDays ?? 15,
      snapshotWindow: props.snapshotWindow ?? '03:00-04:00',
      preferredMaintenanceWindow: props.maintenanceWindow ?? 'sun:05:00-sun:06:00',
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: [
        {
          logType: 'engine-log',
          logFormat: 'json',
          destinationType: 'cloudwatch-logs',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: engineLogs.logGroupName } },
        },
        {
          logType: 'slow-log',
          logFormat: 'json',
          destinationType: 'cloudwatch-logs',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLogs.logGroupName } },
        },
      ],
    });
    this.replicationGroup.applyRemovalPolicy(removalPolicy);
    this.replicationGroup.node.addDependency(engineLogs, slowLogs);
    this.primaryEndpoint = this.replicationGroup.attrPrimaryEndPointAddress;
    this.readerEndpoint = this.replicationGroup.attrReaderEndPointAddress;

    const noRotation =
      'An AUTH token is rotated with ModifyReplicationGroup (AuthTokenUpdateStrategy ROTATE, then SET), not by a ' +
      'Secrets Manager rotation function alone; the README shows the two steps. The token never leaves Secrets ' +
      'Manager and the VPC, and only the security groups given access reach the port.';
    acknowledge(
      this.authTokenSecret,
      ...[
        'AwsSolutions-SMG4',
        'NIST.800.53.R5-SecretsManagerRotationEnabled',
        'HIPAA.Security-SecretsManagerRotationEnabled',
      ].map((ruleId) => ({ id: ruleId, reason: noRotation })),
    );
    if (props.multiAz === false) {
      acknowledge(this.replicationGroup, {
        id: 'AwsSolutions-AEC4',
        reason:
          'multiAz is false (a single-AZ cache, for a cheap sandbox): a node or AZ failure loses the sessions, and ' +
          'reads fall back to the database until the node is replaced. Leave it true in production.',
      });
    }
    if ((props.snapshotRetentionDays ?? 15) < 15) {
      const kept = Token.isUnresolved(props.snapshotRetentionDays)
        ? 'as many days as snapshotRetentionDays resolves to'
        : `${props.snapshotRetentionDays} days`;
      const shortBackups =
        `Snapshots are kept ${kept} (snapshotRetentionDays): the cache holds copies of ` +
        'database rows and sessions, which the app rebuilds or users recreate by signing in again; the records ' +
        'themselves are backed up with the database.';
      acknowledge(
        this.replicationGroup,
        ...['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
          id: `${pack}-ElastiCacheRedisClusterAutomaticBackup`,
          reason: shortBackups,
        })),
      );
    }

    this.alarms = this.createAlarms(groupId, 1 + replicas);
  }

  /** Lets `other` connect to the cache port. */
  public allowFrom(other: ec2.IConnectable, description: string): void {
    this.connections.allowDefaultPortFrom(other, description);
  }

  private createAlarms(groupId: string, nodes: number): cloudwatch.Alarm[] {
    const alarms: cloudwatch.Alarm[] = [];
    for (let n = 1; n <= nodes; n++) {
      const node = `${groupId}-${String(n).padStart(3, '0')}`;
      const metric = (metricName: string, statistic = 'Average') =>
        new cloudwatch.Metric({
          namespace: 'AWS/ElastiCache',
          metricName,
          dimensionsMap: { CacheClusterId: node },
          period: Duration.minutes(5),
          statistic,
        });
      const alarm = (name: string, description: string, m: cloudwatch.Metric, threshold: number) =>
        alarms.push(
          notify(
            new cloudwatch.Alarm(this, `${name}Alarm${n}`, {
              alarmDescription: `${this.node.path} node ${n}: ${description}`,
              metric: m,
              threshold,
              comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
              evaluationPeriods: 3,
              treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
            }),
            this.alarmTopic,
          ),
        );
      // 000 L389, L406: Valkey runs commands on one thread, so host CPU (all cores) understates how busy it is.
      alarm(
        'EngineCpu',
        'engine CPU above 80 % for 15 minutes (the command thread is saturated).',
        metric('EngineCPUUtilization'),
        80,
      );
      // 000 L423: evictions mean the node is too small for what is cached.
      alarm(
        'Evictions',
        'keys are being evicted: the node is too small for the working set (000 L423).',
        metric('Evictions', 'Sum'),
        0,
      );
      alarm(
        'Memory',
        'memory above 90 % of the maximum: evictions follow.',
        metric('DatabaseMemoryUsagePercentage'),
        90,
      );
      alarm(
        'Connections',
        'more than 5,000 client connections (leaking clients?).',
        metric('CurrConnections', 'Maximum'),
        5000,
      );
      // On every node of a group with replicas: after a failover node 1 is a replica. The primary publishes
      // no ReplicationLag, and missing data does not breach, so its alarm stays quiet.
      if (nodes > 1) {
        alarm(
          'ReplicationLag',
          'a replica lags more than 30 seconds behind the primary.',
          metric('ReplicationLag', 'Maximum'),
          30,
        );
      }
    }
    return alarms;
  }
}

function validateProps(props: CacheClusterProps): void {
  const nodeType = props.nodeType;
  if (nodeType !== undefined && !Token.isUnresolved(nodeType)) {
    const m = /^cache\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(nodeType);
    if (!m || !(VALKEY_NODE_FAMILIES as readonly string[]).includes(m[1])) {
      throw new PropValidationError(
        CONSTRUCT,
        'nodeType',
        `received '${nodeType}'; must be cache.<family>.<size> with a family Valkey runs on: ${VALKEY_NODE_FAMILIES.join(', ')}.`,
      );
    }
  }
  if (props.replicas !== undefined && Token.isUnresolved(props.replicas)) {
    throw new PropValidationError(
      CONSTRUCT,
      'replicas',
      'received a token; give a number 0-5 known at synth time: the node count sets the replication group and ' +
        'one set of alarms per node, named by node id.',
    );
  }
  validateInteger(CONSTRUCT, 'replicas', props.replicas, 0, 5, 'replicas', { because: '000 L422' });
  if ((props.multiAz ?? true) && props.replicas === 0) {
    throw new PropValidationError(
      CONSTRUCT,
      'multiAz',
      'received true with replicas 0; Multi-AZ fails over to a replica in another AZ, so it needs at least one.',
    );
  }
  validateInteger(CONSTRUCT, 'port', props.port, 1150, 65535, '', { because: "ElastiCache's port range" });
  if (props.port === 6379) {
    throw new PropValidationError(
      CONSTRUCT,
      'port',
      "received 6379, Valkey's default; use another port (AwsSolutions-AEC5), e.g. 6380.",
    );
  }
  validateInteger(CONSTRUCT, 'snapshotRetentionDays', props.snapshotRetentionDays, 0, 35, 'days');
  const snapshotText = props.snapshotWindow ?? '03:00-04:00';
  const maintenanceText = props.maintenanceWindow ?? 'sun:05:00-sun:06:00';
  const snapshot = parseBackupWindow(CONSTRUCT, 'snapshotWindow', snapshotText, ELASTICACHE_WINDOWS);
  const maintenance = parseMaintenanceWindow(
    CONSTRUCT,
    'maintenanceWindow',
    maintenanceText,
    ELASTICACHE_WINDOWS,
  );
  if (snapshot && maintenance) {
    assertNoOverlap(CONSTRUCT, snapshotText, maintenanceText, snapshot, maintenance, ELASTICACHE_WINDOWS);
  }
  validateLogRetention(CONSTRUCT, 'logRetention', props.logRetention);
}

/**
 * The subnets of the nodes, with a clear error when the VPC has none of the kind asked for, or, with
 * Multi-AZ, when they do not span two Availability Zones (the replica must live in another AZ).
 */
function selectCacheSubnets(props: CacheClusterProps): ec2.SelectedSubnets {
  const selection = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  const wanted = props.vpcSubnets ? 'the vpcSubnets selection' : 'isolated (PRIVATE_ISOLATED) subnets';
  let subnets: ec2.SelectedSubnets;
  try {
    subnets = props.vpc.selectSubnets(selection);
  } catch (e) {
    throw new PropValidationError(
      CONSTRUCT,
      'vpc',
      `has no ${wanted} for the cache nodes (${(e as Error).message}); give a VPC with an isolated tier, ` +
        'e.g. ReferenceVpc, or choose subnets with vpcSubnets.',
    );
  }
  if (subnets.subnets.length === 0) {
    throw new PropValidationError(CONSTRUCT, 'vpcSubnets', `selects no subnet of the VPC (${wanted}).`);
  }
  const azs = new Set(subnets.subnets.map((s) => s.availabilityZone));
  const resolved = [...azs].every((az) => !Token.isUnresolved(az));
  // One subnet never spans two AZs, whether or not its AZ is known at synth time.
  if ((props.multiAz ?? true) && (subnets.subnets.length < 2 || (resolved && azs.size < 2))) {
    throw new PropValidationError(
      CONSTRUCT,
      'vpcSubnets',
      `spans ${subnets.subnets.length < 2 ? 'one subnet' : `${azs.size} Availability Zone (${[...azs].join(', ')})`}; ` +
        'Multi-AZ places the replica in another AZ, ' +
        'so the subnets must span at least 2 (or set multiAz: false).',
    );
  }
  return subnets;
}
