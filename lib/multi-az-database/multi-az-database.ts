import { Duration, Fn, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge, guardRule } from '../core/acknowledge';
import { AlarmTopic, notify } from '../core/alarms';
import { dailyAndWeeklyBackups, retainableBackupVault } from '../core/backup-plan';
import { stackCreationId } from '../core/physical-names';
import { EncryptionKey } from '../core/encryption-key';
import { allowCloudWatchLogs, onlyThroughServices } from '../core/service-grants';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validateLogRetention,
  validateWholeDuration,
} from '../core/errors';
import { assertNoOverlap, parseBackupWindow, parseMaintenanceWindow } from './windows';

const NAME = 'MultiAzDatabase';

/** The database engines this construct builds (the two the notes compare most, 001 L2467-2474). */
export enum DatabaseEngine {
  /** RDS for PostgreSQL (the default). */
  POSTGRESQL = 'postgresql',
  /** RDS for MySQL. */
  MYSQL = 'mysql',
}

/** Log types each engine can export to CloudWatch Logs (RDS user guide, "Publishing database logs"). */
export const LOG_TYPES: Readonly<Record<DatabaseEngine, readonly string[]>> = {
  [DatabaseEngine.POSTGRESQL]: ['postgresql', 'upgrade', 'iam-db-auth-error'],
  [DatabaseEngine.MYSQL]: ['audit', 'error', 'general', 'slowquery', 'iam-db-auth-error'],
};

/** AWS quota: read replicas per source RDS for MySQL/PostgreSQL instance (notes said 5, 000 L330). */
export const MAX_READ_REPLICAS = 15;

/** Props of {@link MultiAzDatabase}. */
export interface MultiAzDatabaseProps {
  /**
   * The VPC; the database goes into its isolated subnets, which must span at least two AZs. A VPC of
   * your own, not the default one (000 L369-372, 004 L941-945).
   */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the DB subnet group. Must span at least two AZs (a Multi-AZ standby needs a second AZ,
   * 004 L170) and contain no public subnet (never reachable from the internet, 004 L927).
   * @default - the VPC's isolated subnets (no route to the internet)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Database engine: PostgreSQL or MySQL, the engines the notes compare (001 L2467-2474).
   * @default DatabaseEngine.POSTGRESQL
   */
  readonly engine?: DatabaseEngine;
  /**
   * PostgreSQL version when `engine` is POSTGRESQL. A major version alone (`VER_17`) lets RDS apply minor
   * versions in the maintenance window (automatic minor version upgrades on); a full version (`VER_17_9`)
   * pins it and turns automatic minor upgrades off, so a later stack update never asks RDS to go back
   * to the pinned minor (which it refuses, aws/aws-cdk#15475): you upgrade by changing this prop.
   * @default rds.PostgresEngineVersion.VER_17 (the newest 17.x, upgraded automatically)
   */
  readonly postgresVersion?: rds.PostgresEngineVersion;
  /**
   * MySQL version when `engine` is MYSQL: a major version alone lets RDS upgrade minor versions, a full
   * version pins it and turns automatic minor upgrades off (see `postgresVersion`).
   * @default rds.MysqlEngineVersion.of('8.4', '8.4') (the newest 8.4.x, upgraded automatically)
   */
  readonly mysqlVersion?: rds.MysqlEngineVersion;
  /**
   * Instance class (RDS runs on EC2 instances, note 001 L2477).
   * @default db.t4g.micro (smallest Graviton burstable class)
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Storage allocated at creation, in GiB, gp3 (20-65536 GiB for MySQL and PostgreSQL). The CDK's own
   * default would be 100 GiB of gp2 without autoscaling.
   * @default 20
   */
  readonly allocatedStorage?: number;
  /**
   * Maximum storage autoscaling may grow to, in GiB ("you have to set Maximum Storage Threshold",
   * note 001 L2520). Must be at least 10% above `allocatedStorage`.
   * @default 100
   */
  readonly maxAllocatedStorage?: number;
  /**
   * How long automated backups (and point-in-time restore) are kept: 1-35 whole days (note 004
   * L158-161). 0 is rejected: it disables backups, and switching them on or off causes an outage
   * (000 L324, L333). The CDK's own default is 1 day.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * Daily backup window in UTC, `hh24:mi-hh24:mi`, at least 30 minutes. Backups run here, not in
   * the maintenance window (the notes say otherwise, 000 L321, 001 L2496).
   * @default '03:00-04:00'
   */
  readonly preferredBackupWindow?: string;
  /**
   * Weekly maintenance window in UTC, `ddd:hh24:mi-ddd:hh24:mi`, at least 30 minutes, not
   * overlapping the backup window (RDS rejects overlapping windows).
   * @default 'sun:05:00-sun:06:00'
   */
  readonly preferredMaintenanceWindow?: string;
  /**
   * What happens to the instance (and its keys, secret, log groups and backup vault) when it leaves
   * the stack. SNAPSHOT keeps a final snapshot of the instance and retains the rest; only DESTROY
   * deletes the rest too.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Refuse DeleteDBInstance until this is turned off (cdk-nag RDS10). The CDK's own default is true
   * only with RETAIN.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Number of read replicas (asynchronous copies with their own endpoints, 000 L330-331, 004 L175-183),
   * 0-15: the quota is 15 now, not the notes' 5. Needs automated backups on the source.
   * @default 0
   */
  readonly readReplicas?: number;
  /**
   * Put an RDS Proxy in front of the instance for Lambda clients (connection pooling, 001 L2631-2640;
   * TLS and IAM authentication required).
   * @default false
   */
  readonly rdsProxy?: boolean;
  /**
   * Also protect the instance with an AWS Backup plan (daily backups kept 35 days and weekly ones,
   * on Saturdays, kept 90 days, in a vault encrypted with the storage key): a second copy independent
   * of the instance's own automated backups (NIST/HIPAA RDSInBackupPlan).
   * @default true
   */
  readonly backupPlan?: boolean;
  /**
   * Performance Insights (7 days retention, free tier, encrypted with the storage key). RDS for MySQL
   * does not support it on the micro and small burstable classes: true there is an error.
   * @default - true, except for MySQL on db.t2/t3/t4g micro or small
   */
  readonly performanceInsights?: boolean;
  /**
   * Enhanced monitoring interval (OS metrics every N seconds): 1, 5, 10, 15, 30 or 60 (NIST/HIPAA
   * RDSEnhancedMonitoringEnabled), or 0 to turn Enhanced Monitoring off. RDS writes these metrics to
   * `RDSOSMetrics`, one log group per account and Region that no stack owns, so it stays after
   * `cdk destroy`; the sandbox profiles use 0 for that reason (the findings are then acknowledged, and the
   * standard RDS metrics and Performance Insights remain).
   * @default Duration.seconds(60)
   */
  readonly monitoringInterval?: Duration;
  /**
   * How long exported database logs are kept in CloudWatch Logs (KMS-encrypted log groups).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How often Secrets Manager rotates the master password (single-user rotation, in the VPC).
   * @default Duration.days(30)
   */
  readonly rotationInterval?: Duration;
  /**
   * A Secrets Manager interface endpoint the rotation function should use. The function runs in the
   * database subnets and must reach Secrets Manager, through NAT or such an endpoint; the construct
   * opens port 443 of the endpoint to the function.
   * @default - none: the subnets must have another route to Secrets Manager (NAT, or an endpoint with private DNS that allows the VPC)
   */
  readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;
  /**
   * Alarm threshold for the number of client connections.
   * @default - 80% of the engine's default max_connections for the instance class, from the class's memory
   * ({@link defaultConnectionsAlarmThreshold}): 89 on db.t4g.micro, 360 on db.t4g.medium (PostgreSQL).
   * Required for an instance class whose memory the construct does not know.
   */
  readonly connectionsAlarmThreshold?: number;
  /**
   * Topic alarms notify.
   * @default - a new AlarmTopic
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Where clients connect. */
export interface DatabaseEndpoint {
  /** DNS name; a Multi-AZ failover keeps it and points it at the new primary. */
  readonly address: string;
  /** TCP port. */
  readonly port: number;
}

/**
 * An RDS instance with a synchronous Multi-AZ standby, hardened and observable: isolated subnets,
 * CMK-encrypted gp3 storage with autoscaling, 7-day backups, TLS and IAM authentication, rotated
 * credentials, enhanced monitoring, Performance Insights, exported logs and alarms on a topic.
 */
export class MultiAzDatabase extends Construct implements ec2.IConnectable {
  /** The primary instance (with its Multi-AZ standby). */
  public readonly instance: rds.DatabaseInstance;
  /** Master credentials (username, password, host, port), encrypted with their own key and rotated. */
  public readonly secret: secretsmanager.ISecret;
  /** Where clients connect; unchanged by a Multi-AZ failover. */
  public readonly endpoint: DatabaseEndpoint;
  /** Security group of the instance, its replicas and proxy: `db.connections.allowDefaultPortFrom(app)`. */
  public readonly connections: ec2.Connections;
  /** The read replicas (each has its own endpoint). */
  public readonly readReplicas: rds.DatabaseInstanceReadReplica[];
  /** The RDS Proxy, when `rdsProxy` is true. */
  public readonly proxy?: rds.DatabaseProxy;
  /** The key encrypting storage, snapshots, Performance Insights and the exported logs. */
  public readonly storageKey: kms.IKey;
  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The alarms, by name (`Cpu`, `FreeStorage`, `FreeableMemory`, `Connections`, `ReplicaLag1`, ...). */
  public readonly alarms: Record<string, cloudwatch.Alarm> = {};
  /** The database engine. */
  public readonly engineFamily: DatabaseEngine;
  /** The AWS Backup plan, when `backupPlan` is true. */
  public readonly backupPlan?: backup.BackupPlan;
  /** The log group of the hosted rotation function (`/aws/lambda/<function>`), owned by the stack. */
  public readonly rotationLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MultiAzDatabaseProps) {
    super(scope, id);
    const engineFamily = props.engine ?? DatabaseEngine.POSTGRESQL;
    this.engineFamily = engineFamily;
    const instanceType =
      props.instanceType ??
      ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MICRO);
    const allocatedStorage = props.allocatedStorage ?? 20;
    const maxAllocatedStorage = props.maxAllocatedStorage ?? 100;
    const backupRetention = props.backupRetention ?? Duration.days(7);
    const backupWindow = props.preferredBackupWindow ?? '03:00-04:00';
    const maintenanceWindow = props.preferredMaintenanceWindow ?? 'sun:05:00-sun:06:00';
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    const deletionProtection = props.deletionProtection ?? true;
    const replicaCount = props.readReplicas ?? 0;
    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const piSupported = performanceInsightsSupported(engineFamily, instanceType);
    const performanceInsights = props.performanceInsights ?? piSupported;
    const monitoringInterval = props.monitoringInterval ?? Duration.seconds(60);

    // --- validation (props first, each error names prop, value, range and reason) -------------------
    validateInteger(NAME, 'allocatedStorage', allocatedStorage, 20, 65536, 'GiB', {
      because: 'gp3 storage for RDS for MySQL and PostgreSQL',
    });
    validateInteger(NAME, 'maxAllocatedStorage', maxAllocatedStorage, 22, 65536, 'GiB', {
      because: 'gp3 storage for RDS for MySQL and PostgreSQL',
    });
    if (
      !Token.isUnresolved(allocatedStorage) &&
      !Token.isUnresolved(maxAllocatedStorage) &&
      maxAllocatedStorage < Math.ceil((allocatedStorage * 11) / 10)
    ) {
      throw new PropValidationError(
        NAME,
        'maxAllocatedStorage',
        `must be at least 10% above allocatedStorage (${allocatedStorage} GiB), i.e. >= ${Math.ceil((allocatedStorage * 11) / 10)} GiB; ` +
          `received ${maxAllocatedStorage} GiB (storage autoscaling needs room to grow, note 001 L2520-2531).`,
      );
    }
    if (
      replicaCount > 0 &&
      !backupRetention.isUnresolved() &&
      backupRetention.toSeconds({ integral: false }) === 0
    ) {
      throw new PropValidationError(
        NAME,
        'readReplicas',
        `is ${replicaCount} but backupRetention is 0 days: read replicas need automated backups on the source ` +
          '(backupRetention >= 1 day, note 000 L330-331, 004 L177).',
      );
    }
    validateDuration(NAME, 'backupRetention', backupRetention, Duration.days(1), Duration.days(35), {
      because: 'RDS keeps automated backups 1-35 days; 0 would turn backups off, note 004 L158-161',
    });
    // integral: false, or toHours() itself throws (naming no prop) on a fraction of an hour.
    if (
      !backupRetention.isUnresolved() &&
      !Number.isInteger(backupRetention.toHours({ integral: false }) / 24)
    ) {
      throw new PropValidationError(
        NAME,
        'backupRetention',
        `must be a whole number of days; received ${backupRetention.toHumanString()}.`,
      );
    }
    const backup1 = parseBackupWindow(NAME, 'preferredBackupWindow', backupWindow);
    const maint = parseMaintenanceWindow(NAME, 'preferredMaintenanceWindow', maintenanceWindow);
    if (backup1 && maint) assertNoOverlap(NAME, backupWindow, maintenanceWindow, backup1, maint);
    validateInteger(NAME, 'readReplicas', replicaCount, 0, MAX_READ_REPLICAS, 'replicas', {
      because:
        'AWS allows up to 15 read replicas per RDS for MySQL/PostgreSQL source (the notes still say 5)',
    });
    if (props.performanceInsights === true && !piSupported) {
      throw new PropValidationError(
        NAME,
        'performanceInsights',
        `is true but RDS for MySQL does not support Performance Insights on ${instanceType.toString()}; ` +
          'use db.t4g.medium or larger, or set performanceInsights to false.',
      );
    }
    validateMonitoringInterval(monitoringInterval);
    validateLogRetention(NAME, 'logRetention', props.logRetention);
    // Secrets Manager rotates every 4 hours to 1,000 days, in whole hours (rate(N hours) or rate(N days)).
    // 0, which the CDK reads as "no automatic rotation", is refused too: the credentials are always rotated.
    validateDuration(
      NAME,
      'rotationInterval',
      props.rotationInterval,
      Duration.hours(4),
      Duration.days(1000),
      {
        because: 'the Secrets Manager rotation schedule limits',
      },
    );
    validateWholeDuration(NAME, 'rotationInterval', props.rotationInterval, 'hours');
    validateInteger(
      NAME,
      'connectionsAlarmThreshold',
      props.connectionsAlarmThreshold,
      1,
      100000,
      'connections',
    );
    const subnets = selectSubnets(props.vpc, vpcSubnets);
    const publicIds = new Set(props.vpc.publicSubnets.map((s) => s.subnetId));
    if (subnets.subnets.some((s) => publicIds.has(s.subnetId))) {
      throw new PropValidationError(
        NAME,
        'vpcSubnets',
        'selects public subnets; a database belongs in isolated subnets with no route to the internet (note 004 L927).',
      );
    }
    const azCount = new Set(subnets.subnets.map((s) => s.availabilityZone)).size;
    if (azCount < 2) {
      throw new PropValidationError(
        NAME,
        'vpc',
        `the selected subnets span ${azCount} Availability Zone(s); a Multi-AZ instance needs subnets in at least 2 AZs ` +
          'for its standby (RDS requires a DB subnet group covering 2 AZs, note 004 L170-173). ' +
          'Use a VPC with maxAzs >= 2 and isolated subnets.',
      );
    }

    // --- keys, network --------------------------------------------------------------------------
    const dataPolicy = removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.storageKey = new EncryptionKey(this, 'StorageKey', {
      description: `Encrypts storage, snapshots, Performance Insights and logs of ${this.node.path}`,
      removalPolicy: dataPolicy,
    }).key;
    allowCloudWatchLogs(this.storageKey);
    const secretKey = new EncryptionKey(this, 'SecretKey', {
      description: `Encrypts the master credentials of ${this.node.path}`,
      removalPolicy: dataPolicy,
    }).key;
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Database ${this.node.path}: open the port to client security groups, never to a CIDR`,
      allowAllOutbound: false,
    });
    this.alarmTopic =
      props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { keyRemovalPolicy: dataPolicy }).topic;

    // --- engine settings -------------------------------------------------------------------------
    const engine =
      engineFamily === DatabaseEngine.POSTGRESQL
        ? rds.DatabaseInstanceEngine.postgres({
            version: props.postgresVersion ?? rds.PostgresEngineVersion.VER_17,
          })
        : rds.DatabaseInstanceEngine.mysql({
            version: props.mysqlVersion ?? MYSQL_8_4,
          });
    // Automatic minor upgrades and a pinned minor version do not go together: RDS upgrades the instance
    // in the maintenance window, the template still says the old minor, and the next stack update that
    // touches the version asks RDS for a downgrade it refuses (aws/aws-cdk#15475). So the default names
    // the major version only (RDS picks its default minor and keeps upgrading it, CloudFormation docs of
    // EngineVersion), and a full version pinned by the caller turns automatic minor upgrades off.
    const autoMinorVersionUpgrade = !minorVersionPinned(engine);
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: `TLS-only parameters of ${this.node.path}`,
      parameters:
        engineFamily === DatabaseEngine.POSTGRESQL
          ? { 'rds.force_ssl': '1', log_connections: '1', log_disconnections: '1' }
          : { require_secure_transport: 'ON', general_log: '1', slow_query_log: '1', log_output: 'FILE' },
    });
    // MySQL writes its audit log only with the MariaDB audit plugin loaded.
    const optionGroup =
      engineFamily === DatabaseEngine.MYSQL
        ? new rds.OptionGroup(this, 'Options', {
            engine,
            description: `Audit plugin for ${this.node.path}`,
            configurations: [{ name: 'MARIADB_AUDIT_PLUGIN' }],
          })
        : undefined;
    const enhancedMonitoring = monitoringInterval.isUnresolved() || monitoringInterval.toMilliseconds() > 0;
    const monitoringRole = enhancedMonitoring ? this.createMonitoringRole() : undefined;
    const logTypes = [...LOG_TYPES[engineFamily]];
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    // --- primary instance ------------------------------------------------------------------------
    const identifier = dbIdentifier(this, 'Resource');
    const credentials = rds.Credentials.fromGeneratedSecret(
      engineFamily === DatabaseEngine.MYSQL ? 'admin' : 'dbadmin',
      {
        encryptionKey: secretKey,
      },
    );
    this.instance = new rds.DatabaseInstance(this, 'Resource', {
      instanceIdentifier: identifier,
      engine,
      // A literal port lets security-group rules (and the rules that check them) read the port.
      port: defaultPort(engineFamily),
      instanceType,
      vpc: props.vpc,
      vpcSubnets,
      securityGroups: [securityGroup],
      publiclyAccessible: false,
      multiAz: true,
      credentials,
      parameterGroup,
      optionGroup,
      storageType: rds.StorageType.GP3,
      allocatedStorage,
      maxAllocatedStorage,
      storageEncrypted: true,
      storageEncryptionKey: this.storageKey,
      backupRetention,
      preferredBackupWindow: backupWindow,
      preferredMaintenanceWindow: maintenanceWindow,
      // Kept after deletion in production (note 000 L322); a sandbox destroy leaves no backups behind.
      deleteAutomatedBackups: removalPolicy === RemovalPolicy.DESTROY,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade,
      iamAuthentication: true,
      deletionProtection,
      removalPolicy,
      monitoringInterval: enhancedMonitoring ? monitoringInterval : undefined,
      monitoringRole,
      enablePerformanceInsights: performanceInsights,
      performanceInsightEncryptionKey: performanceInsights ? this.storageKey : undefined,
      performanceInsightRetention: performanceInsights ? rds.PerformanceInsightRetention.DEFAULT : undefined,
      cloudwatchLogsExports: logTypes,
    });
    this.createLogGroups('Logs', this.instance, identifier, logTypes, logRetention, dataPolicy);
    this.secret = this.instance.secret!;
    // The CDK deletes the generated secret with the stack; a final snapshot restores with this password,
    // so the secret follows the data's removal policy.
    const generated = this.instance.node.tryFindChild('Secret');
    if (generated instanceof secretsmanager.Secret) generated.applyRemovalPolicy(dataPolicy);
    this.endpoint = {
      address: this.instance.dbInstanceEndpointAddress,
      port: defaultPort(engineFamily),
    };
    // Same security group as instance.connections, but with the port as a literal instead of the
    // instance's Endpoint.Port attribute, so ingress rules (and the rules that audit them) show 5432/3306.
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(defaultPort(engineFamily)),
    });
    this.acknowledgeProfileChoices(this.instance, deletionProtection, props.backupPlan ?? true);
    if (!enhancedMonitoring) this.acknowledgeNoEnhancedMonitoring(this.instance);
    if (!autoMinorVersionUpgrade) acknowledgePinnedMinorVersion(this.instance);

    // --- credential rotation (hosted single-user function in the database subnets) ----------------
    // With an endpoint the function needs only the database and the endpoint; without one it must reach
    // Secrets Manager's public endpoint through NAT, so it keeps all outbound traffic.
    const rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: props.vpc,
      description: `Secret rotation function of ${this.node.path}`,
      allowAllOutbound: props.secretsManagerEndpoint === undefined,
    });
    // The hosted function lives in a nested stack the Secrets Manager transform writes; Lambda would
    // create its `/aws/lambda/<function>` log group at the first run, outside the stack, unencrypted and
    // kept forever (aws/aws-cdk#16195). Naming the function lets the stack create that log group first,
    // with the key, the retention and the removal policy of the other logs. The name is unique per
    // creation of the stack, like the instance identifier, because production keeps the log group.
    const { functionName: rotationFunctionName, logGroup: rotationLogGroup } = hostedRotationLogs(
      this,
      'RotationLogs',
      { encryptionKey: this.storageKey, retention: logRetention, removalPolicy: dataPolicy },
    );
    this.rotationLogGroup = rotationLogGroup;
    const rotationOptions: secretsmanager.SingleUserHostedRotationOptions = {
      functionName: rotationFunctionName,
      vpc: props.vpc,
      vpcSubnets,
      securityGroups: [rotationSecurityGroup],
    };
    const hosted =
      engineFamily === DatabaseEngine.POSTGRESQL
        ? secretsmanager.HostedRotation.postgreSqlSingleUser(rotationOptions)
        : secretsmanager.HostedRotation.mysqlSingleUser(rotationOptions);
    const rotation = this.secret.addRotationSchedule('Rotation', {
      hostedRotation: hosted,
      automaticallyAfter: props.rotationInterval ?? Duration.days(30),
    });
    // The schedule rotates once when it is created: the log group must exist by then.
    rotation.node.addDependency(this.rotationLogGroup);
    this.connections.allowDefaultPortFrom(
      rotationSecurityGroup,
      'Rotation function resets the master password',
    );
    if (props.secretsManagerEndpoint) {
      rotationSecurityGroup.connections.allowTo(
        props.secretsManagerEndpoint,
        ec2.Port.tcp(443),
        'Rotation function calls Secrets Manager',
      );
    }

    // --- read replicas ---------------------------------------------------------------------------
    this.readReplicas = [];
    for (let i = 1; i <= replicaCount; i++) {
      const replicaId = `ReadReplica${i}`;
      const replicaIdentifier = dbIdentifier(this, replicaId);
      const replica = new rds.DatabaseInstanceReadReplica(this, replicaId, {
        instanceIdentifier: replicaIdentifier,
        port: defaultPort(engineFamily),
        sourceDatabaseInstance: this.instance,
        instanceType,
        vpc: props.vpc,
        vpcSubnets,
        securityGroups: [securityGroup],
        publiclyAccessible: false,
        // A replica promoted after a disaster should be highly available too.
        multiAz: true,
        parameterGroup,
        optionGroup,
        storageType: rds.StorageType.GP3,
        maxAllocatedStorage,
        storageEncrypted: true,
        storageEncryptionKey: this.storageKey,
        // A replica holds no data of its own and RDS cannot take a final snapshot of one.
        removalPolicy: removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        deletionProtection,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade,
        iamAuthentication: true,
        preferredMaintenanceWindow: maintenanceWindow,
        monitoringInterval: enhancedMonitoring ? monitoringInterval : undefined,
        monitoringRole,
        enablePerformanceInsights: performanceInsights,
        performanceInsightEncryptionKey: performanceInsights ? this.storageKey : undefined,
        performanceInsightRetention: performanceInsights
          ? rds.PerformanceInsightRetention.DEFAULT
          : undefined,
        cloudwatchLogsExports: logTypes,
      });
      // A same-region replica of an encrypted source is always encrypted with the source's key;
      // CloudFormation rejects StorageEncrypted next to SourceDBInstanceIdentifier (validator F3020).
      (replica.node.defaultChild as rds.CfnDBInstance).addPropertyDeletionOverride('StorageEncrypted');
      this.createLogGroups(
        `${replicaId}Logs`,
        replica,
        replicaIdentifier,
        logTypes,
        logRetention,
        dataPolicy,
      );
      this.acknowledgeReplica(replica, deletionProtection);
      if (!enhancedMonitoring) this.acknowledgeNoEnhancedMonitoring(replica);
      if (!autoMinorVersionUpgrade) acknowledgePinnedMinorVersion(replica);
      this.readReplicas.push(replica);
    }

    // --- RDS Proxy -------------------------------------------------------------------------------
    if (props.rdsProxy) {
      const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
        vpc: props.vpc,
        description: `RDS Proxy of ${this.node.path}`,
        allowAllOutbound: false,
      });
      // The proxy reads the secret through a customer-managed policy, not the inline policy the CDK's
      // grant would write (NIST/HIPAA/PCI IAMNoInlinePolicy).
      const proxyRole = new iam.Role(this, 'ProxyRole', {
        assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
        description: `Lets the RDS Proxy of ${this.node.path} read the database credentials`,
      });
      // Attached from the policy's side (Roles on the policy, not ManagedPolicyArns on the role): the
      // secret's key policy names the role, so the role must not depend on anything that depends on the key.
      const proxyPolicy = new iam.ManagedPolicy(this, 'ProxyPolicy', {
        description: 'Read the database credentials',
        roles: [proxyRole],
        statements: [
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            resources: [this.secret.secretArn],
          }),
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [secretKey.keyArn],
            conditions: onlyThroughServices(this, 'secretsmanager'),
          }),
        ],
      });
      this.proxy = this.instance.addProxy('Proxy', {
        role: proxyRole.withoutPolicyUpdates(),
        vpc: props.vpc,
        vpcSubnets,
        secrets: [this.secret],
        securityGroups: [proxySecurityGroup],
        requireTLS: true,
        iamAuth: true,
        debugLogging: false,
      });
      this.proxy.node.addDependency(proxyPolicy);
      this.connections.allowDefaultPortFrom(proxySecurityGroup, 'RDS Proxy to the database');
      if (props.secretsManagerEndpoint) {
        proxySecurityGroup.connections.allowTo(
          props.secretsManagerEndpoint,
          ec2.Port.tcp(443),
          'RDS Proxy reads the credentials from Secrets Manager',
        );
      }
      this.acknowledgeProxyIngress(securityGroup);
    }

    // --- AWS Backup plan -------------------------------------------------------------------------
    if (props.backupPlan ?? true) {
      // Named per creation of the stack: a vault kept by a destroy must not block the next deploy.
      const vault = retainableBackupVault(this, 'BackupVault', {
        encryptionKey: this.storageKey,
        removalPolicy: dataPolicy,
      });
      this.backupPlan = dailyAndWeeklyBackups(this, {
        vault,
        resource: backup.BackupResource.fromRdsDatabaseInstance(this.instance),
        what: 'the database instance',
      });
    }

    const replicaReason = this.backupPlan
      ? 'AWS Backup protects the primary instance; a read replica is an asynchronous copy of that same data, and a ' +
        'replica promoted to primary is added to a backup plan then.'
      : 'A read replica is an asynchronous copy of the primary, whose automated backups keep point-in-time restore; ' +
        'without an AWS Backup plan (sandbox profile) neither is in a plan.';
    for (const replica of this.readReplicas) {
      acknowledge(
        replica,
        ...['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
          id: `${pack}-RDSInBackupPlan`,
          reason: replicaReason,
        })),
      );
    }

    // --- alarms ----------------------------------------------------------------------------------
    const connectionsThreshold =
      props.connectionsAlarmThreshold ?? defaultConnectionsAlarmThreshold(engineFamily, instanceType);
    if (connectionsThreshold === undefined) {
      throw new PropValidationError(
        NAME,
        'connectionsAlarmThreshold',
        `is required with instance class ${instanceType.toString()}: its memory, from which the engine's default ` +
          'max_connections follows, is not in the table of this construct (db.t2/t3/t4g, m5-m8, r5-r8, x2g classes).',
      );
    }
    this.createAlarms(this.instance, '', allocatedStorage, connectionsThreshold);
    this.readReplicas.forEach((replica, i) => {
      const suffix = String(i + 1);
      this.createAlarms(replica, `ReadReplica${suffix}`, allocatedStorage, connectionsThreshold);
      this.alarms[`ReplicaLag${suffix}`] = notify(
        new cloudwatch.Alarm(this, `ReplicaLag${suffix}Alarm`, {
          alarmDescription: `Read replica ${suffix} of ${this.node.path} lags more than 5 minutes behind the primary`,
          metric: replica.metric('ReplicaLag', { statistic: 'Maximum', period: Duration.minutes(1) }),
          threshold: 300,
          evaluationPeriods: 5,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
        this.alarmTopic,
      );
    });
  }

  /**
   * Lets a principal connect as `dbUser` with an IAM authentication token
   * (the user must exist in the database and be granted `rds_iam`, or use AWSAuthenticationPlugin on MySQL).
   */
  public grantConnect(grantee: iam.IGrantable, dbUser: string): iam.Grant {
    return this.instance.grantConnect(grantee, dbUser);
  }

  /**
   * Creates the log groups RDS exports to before the instance exists, so they carry the KMS key and
   * retention (RDS would otherwise create them unencrypted and kept forever). That needs a known
   * instance identifier; see README "Physical names".
   */
  private createLogGroups(
    id: string,
    instance: rds.DatabaseInstanceBase,
    identifier: string,
    logTypes: string[],
    retention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): void {
    const scope = new Construct(this, id);
    const cfnInstance = instance.node.defaultChild as rds.CfnDBInstance;
    for (const type of logTypes) {
      const group = new logs.LogGroup(scope, type, {
        logGroupName: `/aws/rds/instance/${identifier}/${type}`,
        encryptionKey: this.storageKey,
        retention,
        removalPolicy,
      });
      cfnInstance.addResourceDependency(group.node.defaultChild as logs.CfnLogGroup);
    }
  }

  private createAlarms(
    instance: rds.DatabaseInstanceBase,
    prefix: string,
    allocatedStorage: number,
    connectionsThreshold: number,
  ): void {
    const who = prefix ? `${prefix} of ${this.node.path}` : this.node.path;
    const add = (name: string, props: cloudwatch.AlarmProps): void => {
      this.alarms[`${prefix}${name}`] = notify(
        new cloudwatch.Alarm(this, `${prefix}${name}Alarm`, props),
        this.alarmTopic,
      );
    };
    add('Cpu', {
      alarmDescription: `CPU of ${who} above 80% for 15 minutes`,
      metric: instance.metricCPUUtilization({ period: Duration.minutes(5) }),
      threshold: 80,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    add('FreeStorage', {
      alarmDescription: `Free storage of ${who} below 10% of the allocated storage`,
      metric: instance.metricFreeStorageSpace({ period: Duration.minutes(5), statistic: 'Minimum' }),
      threshold: Token.isUnresolved(allocatedStorage) ? 2 * 1024 ** 3 : allocatedStorage * 0.1 * 1024 ** 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    add('FreeableMemory', {
      alarmDescription: `Freeable memory of ${who} below 64 MiB for 15 minutes`,
      metric: instance.metricFreeableMemory({ period: Duration.minutes(5), statistic: 'Minimum' }),
      threshold: 64 * 1024 ** 2,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    // Note 000 L914: watch disk queue depth and free storage.
    add('DiskQueueDepth', {
      alarmDescription: `Disk queue depth of ${who} above 10 outstanding I/Os for 15 minutes`,
      metric: instance.metric('DiskQueueDepth', { period: Duration.minutes(5), statistic: 'Average' }),
      threshold: 10,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    add('Connections', {
      alarmDescription: `Client connections of ${who} above ${connectionsThreshold}`,
      metric: instance.metricDatabaseConnections({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: connectionsThreshold,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  private createMonitoringRole(): iam.Role {
    const role = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole'),
      ],
    });
    acknowledge(role, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
      reason:
        'AmazonRDSEnhancedMonitoringRole is the policy AWS maintains for enhanced monitoring: it only lets RDS write ' +
        'OS metrics to the RDSOSMetrics log group, and AWS updates it when the service changes.',
    });
    return role;
  }

  /** monitoringInterval 0: the rules that ask for Enhanced Monitoring, acknowledged with the reason. */
  private acknowledgeNoEnhancedMonitoring(instance: rds.DatabaseInstanceBase): void {
    const reason =
      'Enhanced Monitoring is off (monitoringInterval 0, the sandbox profile): RDS would write OS metrics to ' +
      'RDSOSMetrics, one log group per account and Region that no stack owns, and cdk destroy would leave it ' +
      'behind. The standard RDS metrics (CPU, memory, storage, connections), their alarms and Performance ' +
      'Insights remain; the production profile turns it on.';
    for (const id of ENHANCED_MONITORING_RULES) acknowledge(instance, { id, reason });
  }

  private acknowledgeProfileChoices(
    instance: rds.DatabaseInstance,
    deletionProtection: boolean,
    backupPlan: boolean,
  ): void {
    this.acknowledgeCommon(instance);
    if (!deletionProtection) this.acknowledgeNoDeletionProtection(instance);
    if (!backupPlan) {
      const reason =
        'Without an AWS Backup plan (sandbox profile) the instance still has automated daily backups with ' +
        'point-in-time restore for the whole retention period; the plan adds a second, vault-held copy for production.';
      for (const id of [
        'NIST.800.53.R4-RDSInBackupPlan',
        'NIST.800.53.R5-RDSInBackupPlan',
        'HIPAA.Security-RDSInBackupPlan',
      ]) {
        acknowledge(instance, { id, reason });
      }
    }
  }

  private acknowledgeReplica(replica: rds.DatabaseInstanceReadReplica, deletionProtection: boolean): void {
    this.acknowledgeCommon(replica);
    if (!deletionProtection) this.acknowledgeNoDeletionProtection(replica);
  }

  /** The CDK's own proxy ingress rule uses the instance's Endpoint.Port attribute, which nag cannot read. */
  private acknowledgeProxyIngress(securityGroup: ec2.SecurityGroup): void {
    const reason =
      'This rule opens the database port to the RDS Proxy security group only (no CIDR); the CDK writes the port as ' +
      'the instance Endpoint.Port attribute, which the rule cannot read. The same rule with the literal port sits beside it.';
    for (const child of securityGroup.node.children) {
      if (!child.node.id.includes('ProxySecurityGroup') || !child.node.id.includes('{IndirectPort}'))
        continue;
      acknowledge(
        child,
        ...['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].flatMap((pack) => [
          { id: `${pack}-EC2RestrictedCommonPorts`, reason },
          { id: `${pack}-EC2RestrictedSSH`, reason },
        ]),
      );
    }
  }

  private acknowledgeCommon(instance: rds.DatabaseInstanceBase): void {
    const port =
      'The database keeps its engine default port: only security groups opened with connections.allowDefaultPortFrom ' +
      'reach it, a different port only hides it from scanners, and clients, RDS Proxy and tooling expect the default.';
    acknowledge(
      instance,
      { id: 'AwsSolutions-RDS11', reason: port },
      { id: guardRule('rds_instance_no_default_ports_check'), reason: port },
      {
        id: guardRule('rds_instance_logging_enabled_check'),
        reason:
          'Every log type the Control Tower rule lists is exported; the rule also rejects iam-db-auth-error, a log ' +
          'type RDS added in 2024 after the rule was written, which this construct exports because it turns IAM auth on.',
      },
    );
  }

  private acknowledgeNoDeletionProtection(instance: rds.DatabaseInstanceBase): void {
    const reason =
      'Deletion protection is off on purpose (sandbox profile) so that cdk destroy removes the database and leaves ' +
      'no bill behind; the production profile turns it on.';
    for (const id of [
      'AwsSolutions-RDS10',
      'NIST.800.53.R4-RDSInstanceDeletionProtectionEnabled',
      'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled',
      'HIPAA.Security-RDSInstanceDeletionProtectionEnabled',
      guardRule('rds_instance_deletion_protection_enabled_check'),
    ]) {
      acknowledge(instance, { id, reason });
    }
  }
}

/**
 * `vpc.selectSubnets`, with the CDK's error for a selection the VPC cannot satisfy (no subnet group of
 * that type, or an unknown group name) turned into a PropValidationError that names the prop.
 */
function selectSubnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection): ec2.SelectedSubnets {
  try {
    return vpc.selectSubnets(selection);
  } catch (e) {
    throw new PropValidationError(
      NAME,
      'vpcSubnets',
      `selects no subnets of this VPC (received ${JSON.stringify(selection)}): ${(e as Error).message}`,
    );
  }
}

/** Burstable classes: memory in GiB by size (RDS DB instance classes table). */
const BURSTABLE_MEMORY_GIB: Readonly<Record<string, number>> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  '2xlarge': 32,
};

/** GiB of memory per vCPU of the fixed-performance families (m: 4, r: 8, x2g: 16). */
const MEMORY_GIB_PER_VCPU: readonly [RegExp, number][] = [
  [/^m[5-8][a-z]*$/, 4],
  [/^r[5-8][a-z]*$/, 8],
  [/^x2g[a-z]*$/, 16],
];

/**
 * The memory of an RDS instance class in bytes (`t4g.micro` or `db.t4g.micro`), or undefined for a
 * class outside the table: burstable t2/t3/t4g by size, m/r/x2g families by vCPU (large = 2,
 * xlarge = 4, Nxlarge = 4N).
 */
export function instanceClassMemoryBytes(instanceType: ec2.InstanceType | string): number | undefined {
  const [family, size] = instanceType.toString().replace(/^db\./, '').split('.');
  const gib = (n: number | undefined) => (n === undefined ? undefined : n * 1024 ** 3);
  if (/^t[234]g?$/.test(family)) return gib(BURSTABLE_MEMORY_GIB[size]);
  const perVcpu = MEMORY_GIB_PER_VCPU.find(([re]) => re.test(family))?.[1];
  const sized = /^(\d*)xlarge$/.exec(size ?? '');
  const vcpus = size === 'large' ? 2 : sized ? 4 * Number(sized[1] || 1) : undefined;
  return perVcpu === undefined || vcpus === undefined ? undefined : gib(perVcpu * vcpus);
}

/**
 * The engine's default max_connections for an instance of `memoryBytes`, from the default parameter
 * groups: PostgreSQL `LEAST({DBInstanceClassMemory/9531392}, 5000)`, MySQL `{DBInstanceClassMemory/12582880}`
 * (RDS user guide, "Maximum number of database connections"). DBInstanceClassMemory is the class's memory
 * less what RDS reserves for the OS and its agents, so the real limit is somewhat lower than this figure.
 */
export function defaultMaxConnections(engine: DatabaseEngine, memoryBytes: number): number {
  return engine === DatabaseEngine.POSTGRESQL
    ? Math.min(Math.floor(memoryBytes / 9531392), 5000)
    : Math.floor(memoryBytes / 12582880);
}

/**
 * The default connections alarm threshold: 80% of {@link defaultMaxConnections} for the class's memory
 * (89 of 112 on db.t4g.micro, 360 of 450 on db.t4g.medium, PostgreSQL). A fixed 80 would fire at 20% of
 * what a db.t4g.medium allows. Undefined for a class whose memory the table does not hold.
 */
export function defaultConnectionsAlarmThreshold(
  engine: DatabaseEngine,
  instanceType: ec2.InstanceType | string,
): number | undefined {
  const memory = instanceClassMemoryBytes(instanceType);
  return memory === undefined ? undefined : Math.floor(0.8 * defaultMaxConnections(engine, memory));
}

/** Props of {@link hostedRotationLogs}. */
export interface HostedRotationLogsProps {
  /** Key the log group is encrypted with (its policy must admit CloudWatch Logs). */
  readonly encryptionKey: kms.IKey;
  /** How long the log group keeps events. */
  readonly retention: logs.RetentionDays;
  /** What `cdk destroy` does with the log group. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A function name for a Secrets Manager hosted rotation (`functionName` of its options) and the stack's
 * log group for it, `/aws/lambda/<name>`. Lambda would otherwise create that group at the function's
 * first run, outside the stack (aws/aws-cdk#16195). The name is the path of the log group's construct
 * (at most 45 characters), `-rotation`, `-` and {@link stackCreationId}: at most 63 of the 64 characters
 * Lambda allows, and unique per creation of the stack, so a kept group never blocks the next deploy.
 * Make the rotation schedule depend on the log group: its creation runs the first rotation.
 */
export function hostedRotationLogs(
  scope: Construct,
  id: string,
  props: HostedRotationLogsProps,
): { functionName: string; logGroup: logs.LogGroup } {
  const holder = new Construct(scope, id);
  const functionName = Fn.join('-', [
    Names.uniqueResourceName(holder, { maxLength: 45, separator: '-' }) + '-rotation',
    stackCreationId(),
  ]);
  const logGroup = new logs.LogGroup(holder, 'Resource', {
    logGroupName: `/aws/lambda/${functionName}`,
    encryptionKey: props.encryptionKey,
    retention: props.retention,
    removalPolicy: props.removalPolicy,
  });
  return { functionName, logGroup };
}

/** A full engine version chosen by the caller: automatic minor upgrades off, acknowledged with the reason. */
function acknowledgePinnedMinorVersion(instance: rds.DatabaseInstanceBase): void {
  const reason =
    'The engine version is pinned to a full minor version by the caller (postgresVersion/mysqlVersion), so automatic ' +
    'minor upgrades are off: with both, RDS would upgrade the instance past the version the template names and the ' +
    'next stack update touching it would ask for a downgrade RDS refuses. Minor upgrades happen by changing the prop; ' +
    'the default (a major version only) keeps automatic minor upgrades on.';
  for (const id of [
    'HIPAA.Security-RDSAutomaticMinorVersionUpgradeEnabled',
    'PCI.DSS.321-RDSAutomaticMinorVersionUpgradeEnabled',
    guardRule('rds_instance_automatic_minor_version_upgrade_enabled_check'),
  ]) {
    acknowledge(instance, { id, reason });
  }
}

/** MySQL 8.4, the major version alone (aws-cdk-lib has constants for full 8.4.x versions only). */
const MYSQL_8_4 = rds.MysqlEngineVersion.of('8.4', '8.4');

/** True when the engine names a full version (`17.9`, `8.4.10`) rather than a major version (`17`, `8.4`). */
export function minorVersionPinned(engine: rds.IInstanceEngine): boolean {
  const version = engine.engineVersion;
  return version !== undefined && version.fullVersion !== version.majorVersion;
}

/** The engine's default port, written as a literal. */
export function defaultPort(engine: DatabaseEngine): number {
  return engine === DatabaseEngine.POSTGRESQL ? 5432 : 3306;
}

/** RDS for MySQL/MariaDB has no Performance Insights on micro and small burstable classes. */
export function performanceInsightsSupported(
  engine: DatabaseEngine,
  instanceType: ec2.InstanceType,
): boolean {
  if (engine !== DatabaseEngine.MYSQL) return true;
  return !/^t[234]g?\.(micro|small)$/.test(instanceType.toString());
}

/** The rules that ask for Enhanced Monitoring on an RDS instance. */
const ENHANCED_MONITORING_RULES = [
  'NIST.800.53.R4-RDSEnhancedMonitoringEnabled',
  'NIST.800.53.R5-RDSEnhancedMonitoringEnabled',
  'HIPAA.Security-RDSEnhancedMonitoringEnabled',
  guardRule('rds_instance_enhanced_monitoring_enabled_check'),
];

function validateMonitoringInterval(interval: Duration): void {
  if (interval.isUnresolved()) return;
  // Not toSeconds(): it throws, naming no prop, on a fraction of a second (and on NaN).
  const seconds = interval.toSeconds({ integral: false });
  if (![0, 1, 5, 10, 15, 30, 60].includes(seconds)) {
    throw new PropValidationError(
      NAME,
      'monitoringInterval',
      `must be 1, 5, 10, 15, 30 or 60 seconds (the intervals enhanced monitoring offers), or 0 to turn it off; received ${seconds} seconds.`,
    );
  }
}

/**
 * A DB instance identifier unique per creation of the stack: the construct path (lowercase letters,
 * digits and single hyphens, starting with a letter, at most 54 characters) then `-` and the first block
 * of the stack's UUID ({@link stackCreationId}, 8 hex digits): at most 63 characters, as RDS allows.
 *
 * The identifier names the log groups RDS exports to (`/aws/rds/instance/<id>/<type>`), which the stack
 * creates first and which production keeps. With an identifier fixed by the path, a retry after a failed
 * create, or a deploy after a production destroy, would create log groups with the names of the kept ones
 * and fail with "already exists". The stack's UUID changes with each creation, not with updates.
 */
function dbIdentifier(scope: Construct, childId: string): string {
  const raw = Names.uniqueResourceName(scope, { maxLength: 40, separator: '-' }) + `-${childId}`;
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const prefix = (/^[a-z]/.test(cleaned) ? cleaned : `db-${cleaned}`).slice(0, 54).replace(/-$/, '');
  return Fn.join('-', [prefix, stackCreationId()]);
}
