import { Aws, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge, guardRule } from '../core/acknowledge';
import { AlarmTopic, notify } from '../core/alarms';
import { EncryptionKey } from '../core/encryption-key';
import { allowAlbAccessLogs, allowAutoScalingNotifications } from '../core/service-grants';
import { acknowledgeDeploymentStepFunction } from '../core/cdk-managed-functions';
import { acknowledgeDefaultCertificate } from '../core/cloudfront';
import { acknowledgeInlinePolicy, acknowledgeLogGroupWithoutCmk } from '../core/function-acknowledgments';
import { createWebAcl, WebAclScope } from '../core/web-acl';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validatePattern,
  validateWholeDuration,
} from '../core/errors';
import { ReferenceVpc } from '../core/network';
import { AccessLogBucket } from '../core/secure-bucket';
import {
  acknowledgeVpcAutoScalingGroup,
  hardenedLaunchTemplate,
  INSTANCE_ID_COMMANDS,
  installProgramCommands,
  nodejsProgramAsset,
  programDownloadStatement,
  sessionManagerPolicy,
  SYSTEMD_SERVICE_HARDENING,
} from '../core/instance-fleet';
import { RETRY_FUNCTION } from '../core/boot-retry';
import { runtimeEntry } from '../core/runtime-entry';
import { DatabaseApplicationUser } from '../multi-az-database/application-user';
import { MultiAzDatabase } from '../multi-az-database/multi-az-database';
import { CacheCluster, CacheClusterProps } from '../cache-tier/cache-cluster';
import { APP_DATABASE_USER, APP_SCHEMA, VISITS_TABLE_DDL } from './schema';
import {
  CACHE_ENVIRONMENT,
  CACHE_TTL_RANGE,
  CACHE_WRITE_MODES,
  CacheWriteMode,
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_SESSION_TTL_SECONDS,
  SESSION_TTL_RANGE,
} from './runtime/cache-settings';

const CONSTRUCT = 'ThreeTierWebApp';

/** Key prefix of the ALB access logs in the access-log bucket. */
const ACCESS_LOG_PREFIX = 'load-balancer';

/** Node.js major version installed from the Amazon Linux 2023 repositories (namespaced: node-24). */
export const NODEJS_MAJOR_VERSION = 24;

/**
 * The web app every instance runs (runtime/web-app.ts, or .js in the published package). It is bundled with
 * its drivers (`pg`, and `ioredis` for the cache) into one file by esbuild at synth time and downloaded from
 * the CDK asset bucket at boot: no npm install on the instance, and the bytes that run are the ones the
 * tests ran (test/three-tier-web-app/web-app*.test.ts against a real PostgreSQL and Valkey-compatible server).
 */
export const WEB_APP_ENTRY = runtimeEntry(__dirname, 'web-app');

/** Namespace of the metric the instances' database probe publishes (see runtime/web-app.ts). */
export const METRIC_NAMESPACE = 'RefArch/ThreeTierWebApp';

/**
 * Name of that metric; runtime/web-app.ts publishes it under the same name (a test compares them: the
 * construct does not import the runtime file, which needs the `pg` driver).
 */
export const DATABASE_CHECK_METRIC = 'DatabaseCheckFailed';

/**
 * CloudFront's origin-facing servers (IPv4), an AWS-managed prefix list: one list per Region, each with
 * its own ID, so the stack looks the ID up by this name at deploy time.
 */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = 'com.amazonaws.global.cloudfront.origin-facing';

/**
 * Header CloudFront adds to every request it sends to the load balancer; the listener forwards only
 * requests that carry it with the secret value (ALB header names: at most 40 characters).
 */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

export { CACHE_ENVIRONMENT };
export type { CacheWriteMode };

/**
 * The cache tier of {@link ThreeTierWebApp} (003 L1515-1526): a {@link CacheCluster} in the VPC's isolated
 * subnets, with the app's alarm topic, in which the web app keeps its sessions and caches its database
 * reads. Every {@link CacheClusterProps} setting applies, plus how the app uses the cache.
 */
export interface ThreeTierCacheOptions extends Omit<CacheClusterProps, 'vpc' | 'alarmTopic'> {
  /**
   * How long a cached copy of the page's database data lives (the cache-aside TTL, which bounds how stale a
   * read can be): 1 second to 1 day, whole seconds.
   * @default Duration.seconds(30)
   */
  readonly ttl?: Duration;
  /**
   * How long a session lives after its last request (the TTL slides with each request): 1 minute to 7 days,
   * whole seconds.
   * @default Duration.minutes(30)
   */
  readonly sessionTtl?: Duration;
  /**
   * What a write does to the cached data (001 L2686-2746): `invalidate` (cache-aside, "lazy loading": delete the
   * cached copy, the next read misses and fills it; cheap writes, data stale for up to `ttl`) or `write-through`
   * (store the fresh data after each write; readers rarely miss, every write pays an extra read, and data
   * nobody reads is cached too).
   * @default 'invalidate'
   */
  readonly writeMode?: CacheWriteMode;
}

/** EC2 accepts at most 16 KB of user data (before base64). */
const USER_DATA_LIMIT_BYTES = 16 * 1024;

/** Props of {@link ThreeTierWebApp}. */
export interface ThreeTierWebAppProps {
  /**
   * The VPC: the load balancer goes into its public subnets, the instances into its private subnets
   * with egress, the database into its isolated subnets: three subnet tiers (001 L806-811, 004 L927). It
   * must span at least two Availability Zones.
   * @default - a new {@link ReferenceVpc} with two AZs and a NAT gateway per AZ
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Instance type of the app tier. Graviton (`t4g`, `m7g`) types, the cheapest per vCPU, get the arm64
   * Amazon Linux 2023 image.
   * @default t4g.small
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Fewest instances in service. At least two, one per AZ, so the app survives the loss of an AZ
   * (001 L806-811).
   * @default 2
   */
  readonly minCapacity?: number;
  /**
   * Most instances target tracking may scale out to; at least `minCapacity`.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * Port the app listens on inside the instance (the ALB forwards to it). 1024-65535: the app runs as
   * an unprivileged user with `NoNewPrivileges`, which may not bind ports below 1024.
   * @default 8080
   */
  readonly appPort?: number;
  /**
   * Liveness path: the target group polls it, and the Auto Scaling group replaces an instance that
   * fails it (ELB health checks). The app answers 200 while its process serves requests, without
   * querying the database, so a Multi-AZ failover or a database outage does not make the group replace
   * every instance at once (replacements cannot fix a database).
   * Letters, digits and `/ . _ ~ -` only; not `/` (the page writes a row on every request).
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /**
   * Deep path: the app answers 200 only after a round trip to the database. The boot script waits for
   * it before signalling CloudFormation, and a probe on each instance publishes its result every
   * minute to the `DatabaseUnreachableAlarm`. Same characters as `healthCheckPath`, and different from it.
   * @default '/health/database'
   */
  readonly databaseCheckPath?: string;
  /**
   * Time after launch during which failed ELB health checks do not replace an instance: the boot
   * script installs Node.js and the app first (cdk-nag AS2 asks for a grace period with ELB checks).
   * @default Duration.minutes(5)
   */
  readonly healthCheckGracePeriod?: Duration;
  /**
   * How long CloudFormation waits for each new instance's success signal (sent once the database path answers)
   * before it rolls the creation or update back.
   * @default Duration.minutes(15)
   */
  readonly signalTimeout?: Duration;
  /**
   * Average CPU utilization target tracking keeps the group at (001 L1034-1046).
   * @default 50
   */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * Requests per minute per instance target tracking keeps the group at (ALBRequestCountPerTarget,
   * 001 L2272).
   * @default 1000
   */
  readonly targetRequestsPerMinute?: number;
  /**
   * ACM certificate for HTTPS. With it the ALB serves HTTPS on 443 and port 80 only redirects
   * (001 L831-836); without it the ALB serves plain HTTP on port 80.
   * @default - HTTP only (a certificate needs a domain you own; fine for a sandbox, not for production)
   */
  readonly certificate?: acm.ICertificate;
  /**
   * HTTPS without a domain: a CloudFront distribution in front of the load balancer serves viewers on
   * HTTPS with its default `*.cloudfront.net` certificate and redirects HTTP. The load balancer then
   * accepts port 80 only from CloudFront's origin-facing servers (the AWS-managed prefix list, about 55
   * rules of the security group's quota) and forwards only requests that carry a secret header CloudFront
   * adds; everything else gets 403. The hop from CloudFront to the load balancer stays HTTP: give a
   * `certificate` (and no distribution) for HTTPS all the way. Not with `certificate` or `hostedZone`.
   * @default false
   */
  readonly cloudFront?: boolean;
  /**
   * Route 53 hosted zone in which to create an alias record for the ALB (004 L624, L647-648): an alias,
   * not a CNAME, so it works at the zone apex (001 L1144-1167).
   * @default - no DNS record; use the ALB's DNS name
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * Name of the alias record, inside `hostedZone`; a `domainName` without `hostedZone` is an error.
   * @default - the zone apex when `hostedZone` is set
   */
  readonly domainName?: string;
  /**
   * Puts an AWS WAF web ACL with AWS managed rule groups in front of the ALB (000 L447-448).
   * @default true
   */
  readonly webAclEnabled?: boolean;
  /**
   * Deletion protection on the load balancer and the database.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the access-log bucket, the WAF log group and the keys of the alarm topic and the
   * WAF logs when they leave the stack. With DESTROY the bucket empties itself first. SNAPSHOT is
   * rejected (use `databaseRemovalPolicy`). The database's keys, secret and log groups follow
   * `databaseRemovalPolicy`; the flow logs of the default VPC are always retained.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What happens to the database when it leaves the stack; SNAPSHOT keeps a final snapshot. Its keys,
   * secret, log groups and backup vault are deleted only with DESTROY.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly databaseRemovalPolicy?: RemovalPolicy;
  /**
   * Instance class of the database.
   * @default - the {@link MultiAzDatabase} default (db.t4g.micro)
   */
  readonly databaseInstanceType?: ec2.InstanceType;
  /**
   * Also protect the database with an AWS Backup plan, beside its automated backups.
   * @default true
   */
  readonly databaseBackupPlan?: boolean;
  /**
   * Enhanced Monitoring interval of the database: 1, 5, 10, 15, 30 or 60 seconds, or 0 to turn it off
   * (it writes to the account-wide `RDSOSMetrics` log group, which `cdk destroy` leaves behind).
   * @default Duration.seconds(60)
   */
  readonly databaseMonitoringInterval?: Duration;
  /**
   * A Secrets Manager interface endpoint in the VPC (with private DNS). The database's rotation
   * function runs in the isolated subnets, which have no route to the internet, and reaches Secrets
   * Manager only through such an endpoint; the instances use it too.
   * @default - a new endpoint in the isolated subnets, open to the app tier and the rotation function
   */
  readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;
  /**
   * Topic for alarms and Auto Scaling notifications. A topic encrypted with your own KMS key must
   * allow CloudWatch and the Auto Scaling service-linked role to use that key.
   * @default - a new {@link AlarmTopic}
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * A cache tier (`{}` for the defaults): a Valkey replication group where the web app keeps its sessions
   * (so any instance serves any visitor, without sticky sessions) and caches its database reads
   * (cache-aside with a TTL, or write-through). Only the app's instances reach it, with their own read of
   * its AUTH token. When the cache is down the app serves from the database.
   * @default - no cache: each page view is served from the database
   */
  readonly cache?: ThreeTierCacheOptions;
}

/**
 * The classic three-tier web application of the notes (001 L799-1057, 004 L927):
 * an internet-facing Application Load Balancer in public subnets, an Auto Scaling group of Amazon
 * Linux 2023 instances in private subnets, and a Multi-AZ PostgreSQL database in isolated subnets,
 * with security groups chained ALB -> app -> database by group reference.
 */
export class ThreeTierWebApp extends Construct implements ec2.IConnectable {
  public readonly vpc: ec2.IVpc;
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  public readonly launchTemplate: ec2.LaunchTemplate;
  public readonly instanceRole: iam.Role;
  public readonly database: MultiAzDatabase;
  /**
   * The database user the instances connect as (`webapp`): data access to the app's schema only. Its
   * secret is the only one the instances read; the master secret stays with the deploy-time function
   * and the rotation functions.
   */
  public readonly databaseUser: DatabaseApplicationUser;
  /** The cache tier, with `cache`. */
  public readonly cache?: CacheCluster;
  /** The Secrets Manager endpoint the instances and the rotation function use. */
  public readonly secretsManagerEndpoint: ec2.IInterfaceVpcEndpoint;
  public readonly accessLogBucket: AccessLogBucket;
  public readonly webAcl?: wafv2.CfnWebACL;
  public readonly alarmTopic: sns.ITopic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;
  /** The URL the site answers on (the distribution, else the alias record when one is created, else the ALB). */
  public readonly url: string;
  /** The CloudFront distribution in front of the load balancer, with `cloudFront`. */
  public readonly distribution?: cloudfront.Distribution;
  /** The value CloudFront sends in the {@link ORIGIN_VERIFY_HEADER} header, with `cloudFront`. */
  public readonly originSecret?: secretsmanager.Secret;
  /** The load balancer's security group: the only way in from the internet. */
  public readonly connections: ec2.Connections;
  /**
   * The instances' database probe result, 1 when an instance could not query the database in that
   * minute (`Maximum` over the group), 0 otherwise. Namespace `RefArch/ThreeTierWebApp`.
   */
  public readonly databaseCheckMetric: cloudwatch.Metric;
  /** Value of the `App` dimension of {@link databaseCheckMetric}: this construct's unique id. */
  private readonly metricApp: string;

  constructor(scope: Construct, id: string, props: ThreeTierWebAppProps = {}) {
    super(scope, id);
    // A literal (letters and digits): it goes into the user data, where a reference to the group
    // would make the launch template depend on the group that uses it.
    this.metricApp = Names.uniqueId(this);
    this.databaseCheckMetric = new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: DATABASE_CHECK_METRIC,
      dimensionsMap: { App: this.metricApp },
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    const minCapacity = props.minCapacity ?? 2;
    const maxCapacity = props.maxCapacity ?? 4;
    const appPort = props.appPort ?? 8080;
    const healthCheckPath = props.healthCheckPath ?? '/health';
    const databaseCheckPath = props.databaseCheckPath ?? '/health/database';
    const gracePeriod = props.healthCheckGracePeriod ?? Duration.minutes(5);
    const signalTimeout = props.signalTimeout ?? Duration.minutes(15);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deletionProtection = props.deletionProtection ?? true;
    const instanceType =
      props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL);
    validateProps(props, {
      minCapacity,
      maxCapacity,
      appPort,
      healthCheckPath,
      databaseCheckPath,
      gracePeriod,
      signalTimeout,
    });

    this.vpc = props.vpc ?? new ReferenceVpc(this, 'Network').vpc;
    const azs = this.vpc.availabilityZones;
    if (!Token.isUnresolved(azs) && azs.length < 2) {
      throw new PropValidationError(
        CONSTRUCT,
        'vpc',
        `must span at least 2 Availability Zones; received a VPC with ${azs.length} ` +
          '(high availability means surviving the loss of an AZ, 001 L806-811, and an ALB needs subnets in 2 AZs).',
      );
    }
    validateTiers(this.vpc);

    const alarmTopic =
      props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { keyRemovalPolicy: removalPolicy }).topic;
    this.alarmTopic = alarmTopic;
    allowAutoScalingNotifications(alarmTopic);

    // ---- Security groups: internet -> ALB -> app -> database, each hop by group reference only.
    const albSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: props.cloudFront
        ? 'Web tier: HTTP from CloudFront origin-facing servers only to the load balancer'
        : 'Web tier: HTTP/HTTPS from the internet to the load balancer',
      allowAllOutbound: false,
    });
    const appSecurityGroup = new ec2.SecurityGroup(this, 'AppSecurityGroup', {
      vpc: this.vpc,
      description: 'App tier: only the load balancer may connect, on the app port',
      allowAllOutbound: false,
    });
    // HTTPS out: package repositories and AWS APIs (S3 for the app bundle, Secrets Manager, Systems Manager,
    // CloudFormation signals). The Amazon DNS server and instance metadata are not filtered by groups.
    appSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to package repositories and AWS APIs',
    );
    this.connections = albSecurityGroup.connections;

    // ---- Web tier.
    this.accessLogBucket = new AccessLogBucket(this, 'AccessLogs', { removalPolicy });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: albSecurityGroup,
      // Requests with header names that are not valid HTTP are dropped instead of forwarded (request
      // smuggling); NIST/PCI ALBHttpDropInvalidHeaderEnabled.
      dropInvalidHeaderFields: true,
      deletionProtection,
    });
    // ALB access logs need an SSE-S3 bucket; the prefix may not contain "AWSLogs" (001 L957-971).
    allowAlbAccessLogs(this.loadBalancer, this.accessLogBucket.bucket, ACCESS_LOG_PREFIX);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: this.vpc,
      port: appPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      // Short requests: 30 s of connection draining instead of the 300 s default (001 L946-953).
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        // The shallow liveness path, never the database path: the Auto Scaling group's ELB health check
        // reads this target group, and a check that fails whenever the database fails over (60-120 s)
        // would make the group terminate every instance at once, then boot replacements that cannot
        // signal either. Liveness asks only what a new instance can fix: does the process answer?
        path: healthCheckPath,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    if (props.certificate) {
      this.loadBalancer.addListener('HttpsListener', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [props.certificate],
        // TLS 1.2 and 1.3 with post-quantum key exchange; set explicitly because the API's default
        // policy still allows older protocols (001 L911-925).
        sslPolicy: elbv2.SslPolicy.TLS13_12_PQ,
        defaultTargetGroups: [this.targetGroup],
      });
      const redirect = this.loadBalancer.addListener('HttpListener', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
      const onlyRedirects =
        'This port 80 listener serves nothing: it answers every request with a 301 redirect to the HTTPS listener, ' +
        'which uses the ACM certificate; without it, visitors typing the bare domain would get no answer.';
      acknowledge(
        redirect,
        { id: 'NIST.800.53.R5-ELBv2ACMCertificateRequired', reason: onlyRedirects },
        { id: 'HIPAA.Security-ELBv2ACMCertificateRequired', reason: onlyRedirects },
        { id: 'PCI.DSS.321-ELBv2ACMCertificateRequired', reason: onlyRedirects },
      );
    } else if (props.cloudFront) {
      const origin = this.cloudFrontOrigin(albSecurityGroup, removalPolicy);
      this.originSecret = origin.secret;
      this.distribution = origin.distribution;
    } else {
      this.loadBalancer.addListener('HttpListener', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [this.targetGroup],
      });
    }

    // ---- Data tier.
    this.secretsManagerEndpoint =
      props.secretsManagerEndpoint ??
      new ec2.InterfaceVpcEndpoint(this, 'SecretsManagerEndpoint', {
        vpc: this.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        privateDnsEnabled: true,
        open: false,
      });
    this.database = new MultiAzDatabase(this, 'Database', {
      vpc: this.vpc,
      removalPolicy: props.databaseRemovalPolicy ?? RemovalPolicy.SNAPSHOT,
      deletionProtection,
      alarmTopic,
      instanceType: props.databaseInstanceType,
      backupPlan: props.databaseBackupPlan ?? true,
      monitoringInterval: props.databaseMonitoringInterval,
      secretsManagerEndpoint: this.secretsManagerEndpoint,
    });
    // Least privilege in the database: the stack creates the app's user, schema and table at deploy time
    // (a function in the private subnets, with the master secret); the instances get DML on that table.
    this.databaseUser = new DatabaseApplicationUser(this.database, 'ApplicationUser', {
      database: this.database,
      username: APP_DATABASE_USER,
      schema: APP_SCHEMA,
      statements: [VISITS_TABLE_DDL],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      secretsManagerEndpoint: this.secretsManagerEndpoint,
      removalPolicy:
        props.databaseRemovalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    // ---- Cache tier (003 L1515-1526): sessions and cached reads, so any instance serves any visitor.
    if (props.cache) {
      // The cluster reads its own props; ttl, sessionTtl and writeMode go to the app (user data).
      this.cache = asCacheProp(
        () => new CacheCluster(this, 'Cache', { ...props.cache, vpc: this.vpc, alarmTopic }),
      );
    }

    // ---- App tier.
    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'App-tier instances: Session Manager and reading the database secret, nothing else',
    });
    // Session Manager only, no key pair or port 22 (lib/core/session-manager.ts).
    const sessionManager = sessionManagerPolicy(this, this.instanceRole);
    // A customer-managed policy rather than the inline one grants would write (NIST/HIPAA/PCI
    // IAMNoInlinePolicy): read the app user's secret (never the master secret) and signal this stack,
    // nothing else. The launch template gets the role without policy updates, so the CDK cannot add an
    // inline policy behind our back.
    const secret = this.databaseUser.secret;
    // The web app and its drivers in one file (WEB_APP_ENTRY), downloaded at boot.
    const webAppBundle = nodejsProgramAsset(this, 'WebAppBundle', WEB_APP_ENTRY, NODEJS_MAJOR_VERSION);
    const readSecret = new iam.ManagedPolicy(this, 'InstancePolicy', {
      description:
        'Read the app database user secret and the app bundle, signal CloudFormation when the instance is ready',
      roles: [this.instanceRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [secret.secretArn],
        }),
        new iam.PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [Aws.STACK_ID] }),
        // PutMetricData has no resource-level permissions; the condition limits it to the app's namespace.
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
        }),
        // The app bundle, downloaded at boot (an object of the CDK asset bucket; that bucket's own policy
        // requires TLS and allows the account).
        programDownloadStatement(webAppBundle),
      ],
    });
    acknowledge(readSecret, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData supports no resource ARNs, only "*"; the cloudwatch:namespace condition limits ' +
        `the instances to publishing their database check into ${METRIC_NAMESPACE}, nothing else.`,
    });
    if (secret.encryptionKey) {
      readSecret.addStatements(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          // The key also encrypts the master secret, but through Secrets Manager only, and Secrets Manager
          // decrypts a secret only for a caller allowed GetSecretValue on it: the app user's secret alone.
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }

    if (this.cache) {
      // The cache's AUTH token, the only cache credential the instances hold; decrypted through Secrets Manager.
      readSecret.addStatements(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [this.cache.authTokenSecret.secretArn],
        }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [this.cache.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }

    const userData = ec2.UserData.forLinux();
    // The latest patched AL2023 at each deploy (the rolling update replaces instances one by one), IMDSv2,
    // an encrypted volume, no key pair and no port 22 (lib/core/instance-fleet.ts). Stateless tier: state
    // lives in the database (000 L926 is about stateful instances), so the volume goes with the instance.
    this.launchTemplate = hardenedLaunchTemplate(this, {
      instanceType,
      role: this.instanceRole,
      securityGroup: appSecurityGroup,
      userData,
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: this.launchTemplate,
      minCapacity,
      maxCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod,
      }),
      signals: autoscaling.Signals.waitForMinCapacity({ timeout: signalTimeout }),
      // Replace one instance at a time and keep the minimum in service; CloudFormation waits for each
      // new instance's signal and rolls back a bad AMI or app version (000 L454-457).
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        maxBatchSize: 1,
        minInstancesInService: Math.min(minCapacity, maxCapacity - 1),
        waitOnResourceSignals: true,
        pauseTime: signalTimeout,
      }),
      cooldown: Duration.minutes(5),
      defaultInstanceWarmup: Duration.minutes(3),
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: [{ topic: alarmTopic }],
    });
    // Instances read the secret, signal and register with Session Manager as soon as they boot: the
    // policies must be attached first.
    this.autoScalingGroup.node.addDependency(readSecret, sessionManager);
    // And the database user must exist before the first instance connects.
    this.autoScalingGroup.node.addDependency(this.databaseUser.resource);
    this.targetGroup.addTarget(this.autoScalingGroup);
    this.connections.allowTo(this.autoScalingGroup, ec2.Port.tcp(appPort), 'Load balancer to the app port');
    this.database.connections.allowDefaultPortFrom(this.autoScalingGroup, 'App tier to the database');
    this.secretsManagerEndpoint.connections.allowDefaultPortFrom(
      this.autoScalingGroup,
      'App tier reads the secret',
    );
    this.cache?.connections.allowDefaultPortFrom(this.autoScalingGroup, 'App tier to the cache');

    userData.addSignalOnExitCommand(this.autoScalingGroup);
    userData.addCommands(
      ...bootScript({
        appPort,
        healthCheckPath,
        databaseCheckPath,
        metricApp: this.metricApp,
        secretArn: this.databaseUser.secret.secretArn,
        bundle: webAppBundle,
        cache: this.cache && {
          host: this.cache.primaryEndpoint,
          port: this.cache.port,
          secretArn: this.cache.authTokenSecret.secretArn,
          ttlSeconds: props.cache?.ttl?.toSeconds() ?? DEFAULT_CACHE_TTL_SECONDS,
          sessionTtlSeconds: props.cache?.sessionTtl?.toSeconds() ?? DEFAULT_SESSION_TTL_SECONDS,
          writeMode: props.cache?.writeMode ?? 'invalidate',
          // Every visitor arrives over HTTPS with a certificate on the load balancer, or through CloudFront
          // (whose hop to the load balancer is HTTP, so the app cannot tell from the request).
          secureCookies: Boolean(props.certificate || props.cloudFront),
        },
        schema: this.databaseUser.schema,
        region: Stack.of(this).region,
      }),
    );

    this.autoScalingGroup.scaleOnCpuUtilization('CpuScaling', {
      targetUtilizationPercent: props.targetCpuUtilizationPercent ?? 50,
    });
    this.autoScalingGroup.scaleOnRequestCount('RequestScaling', {
      targetRequestsPerMinute: props.targetRequestsPerMinute ?? 1000,
    });

    if (props.webAclEnabled ?? true) {
      this.webAcl = this.createWebAcl(removalPolicy, props.cloudFront ?? false);
    }

    // ---- DNS.
    const scheme = props.certificate || this.distribution ? 'https' : 'http';
    this.url = `${scheme}://${this.distribution?.distributionDomainName ?? this.loadBalancer.loadBalancerDnsName}`;
    if (props.hostedZone) {
      new route53.ARecord(this, 'AliasRecord', {
        zone: props.hostedZone,
        recordName: props.domainName,
        // An alias, not a CNAME: it works at the zone apex and follows the ALB's changing IPs (001 L1144-1167).
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
      });
      this.url = `${scheme}://${props.domainName ?? props.hostedZone.zoneName}`;
    }

    this.dashboard = this.createAlarmsAndDashboard(alarmTopic, minCapacity);
    this.acknowledgeFindings(props);
  }

  /**
   * CloudFront in front of the load balancer (AWS: "Restrict access to Application Load Balancers"):
   * CloudFront adds a secret header to every request it forwards, the listener forwards only requests
   * that carry it and answers 403 to the rest, and the security group admits only CloudFront's
   * origin-facing servers. Viewers get HTTPS from CloudFront's default certificate.
   */
  private cloudFrontOrigin(
    albSecurityGroup: ec2.SecurityGroup,
    removalPolicy: RemovalPolicy,
  ): {
    secret: secretsmanager.Secret;
    distribution: cloudfront.Distribution;
  } {
    // Letters and digits only: ALB header conditions treat * and ? as wildcards, and a comparison string
    // holds at most 128 characters. The template holds only a dynamic reference ({{resolve:secretsmanager:...}}),
    // which CloudFormation resolves at deploy time into the origin header and the listener rule.
    const secret = new secretsmanager.Secret(this, 'OriginSecret', {
      description: `Value of the ${ORIGIN_VERIFY_HEADER} header CloudFront sends to the load balancer of ${this.node.path}`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      // Not data: a redeploy after a destroy generates a new value for both ends.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const secretValue = secret.secretValue.unsafeUnwrap();

    const listener = this.loadBalancer.addListener('HttpListener', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      // No 0.0.0.0/0 rule: the ingress below admits CloudFront's origin-facing servers only.
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, {
        contentType: 'text/plain',
        messageBody: 'Forbidden: this site is served through CloudFront.',
      }),
    });
    listener.addAction('FromCloudFront', {
      priority: 1,
      conditions: [elbv2.ListenerCondition.httpHeader(ORIGIN_VERIFY_HEADER, [secretValue])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });

    // The managed prefix list has another ID in every Region, and PrefixList.fromLookup needs AWS
    // credentials at synth time (a context lookup): the stack reads the ID at deploy time instead.
    const lookup = new cr.AwsCustomResource(this, 'CloudFrontPrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: {
          Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST] }],
        },
        physicalResourceId: cr.PhysicalResourceId.of(CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      // DescribeManagedPrefixLists supports no resource-level permissions.
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
      memorySize: 256,
      // A log group of the stack, not the /aws/lambda/... group Lambda would create outside it.
      logGroup: new logs.LogGroup(this, 'CloudFrontPrefixListLogs', {
        retention: logs.RetentionDays.ONE_YEAR,
        removalPolicy,
      }),
    });
    this.acknowledgePrefixListLookup(lookup);
    // The prefix list counts as its weight (about 55 entries) against the group's rules quota (60 by default).
    albSecurityGroup.addIngressRule(
      ec2.Peer.prefixList(lookup.getResponseField('PrefixLists.0.PrefixListId')),
      ec2.Port.tcp(80),
      'HTTP from CloudFront origin-facing servers only',
    );

    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Three-tier web app ${this.node.path}`,
      defaultBehavior: {
        origin: new origins.LoadBalancerV2Origin(this.loadBalancer, {
          // The load balancer has no certificate (no domain), so this hop is HTTP; see acknowledgeFindings.
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
          customHeaders: { [ORIGIN_VERIFY_HEADER]: secretValue },
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        // Every page is written per request (it inserts a row): nothing may be cached.
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Headers, cookies and query strings reach the app; the Host header stays the load balancer's.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    this.acknowledgeDistribution(distribution, secret);
    return { secret, distribution };
  }

  /** The findings on the function aws-cdk-lib writes for the prefix-list lookup, and on its policy and logs. */
  private acknowledgePrefixListLookup(lookup: cr.AwsCustomResource): void {
    const stack = Stack.of(this);
    const lookupOnly =
      'The function aws-cdk-lib writes for AwsCustomResource runs only while CloudFormation deploys the stack, to read ' +
      "the ID of CloudFront's origin-facing prefix list (DescribeManagedPrefixLists)";
    const fn = stack.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287') as lambda.Function | undefined;
    if (!fn) throw new Error(`${this.node.path}: the CDK's AwsCustomResource function was not found`);
    acknowledgeDeploymentStepFunction(fn, lookupOnly, 'one read-only EC2 API');
    const policy = lookup.node.tryFindChild('CustomResourcePolicy')?.node.defaultChild;
    if (policy) {
      acknowledgeInlinePolicy(
        policy,
        `${lookupOnly}; aws-cdk-lib writes the permission as an inline policy of its role.`,
      );
      acknowledge(policy, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          `${lookupOnly}; ec2:DescribeManagedPrefixLists supports no resource-level permissions, only "*", and it ` +
          'reads only the names and IDs of prefix lists.',
      });
    }
    const logGroup = this.node.tryFindChild('CloudFrontPrefixListLogs');
    if (logGroup) {
      acknowledgeLogGroupWithoutCmk(
        logGroup,
        `${lookupOnly}; its logs hold that ID and the API response, no data, and CloudWatch Logs encrypts them with ` +
          'its own keys.',
      );
    }
  }

  /** The findings on the distribution and its origin secret, each with the reason a learner can check. */
  private acknowledgeDistribution(
    distribution: cloudfront.Distribution,
    secret: secretsmanager.Secret,
  ): void {
    const cfn = distribution.node.defaultChild as cloudfront.CfnDistribution;
    const httpOrigin =
      'The load balancer has no certificate (a certificate needs a domain you own), so CloudFront reaches it over ' +
      'HTTP: viewers get HTTPS up to the edge, and the hop from the edge to the load balancer crosses the internet ' +
      'unencrypted. Pass a certificate (-c certificateArn=...) for HTTPS on the load balancer itself (the README says how).';
    const defaultCertificate =
      "Without a domain the app is served as *.cloudfront.net with CloudFront's default certificate, whose security " +
      'policy (TLSv1) cannot be changed and which needs no SNI; a custom domain needs a certificate in us-east-1.';
    const logs_ =
      'Every request CloudFront forwards is logged by the load balancer (access logs in the access-log bucket, with ' +
      "the viewer's address in X-Forwarded-For). CloudFront standard logs (v2) need a delivery source in us-east-1, " +
      'and this stack deploys to any Region; the legacy logs need ACLs on the bucket, which AWS recommends off.';
    acknowledge(
      cfn,
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'A public web app serves every country; geo restriction is for content licensed to some countries.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The REGIONAL web ACL on the load balancer inspects every request CloudFront forwards; a CLOUDFRONT-scope ' +
          'web ACL must be created in us-east-1, and this stack deploys to any Region.',
      },
      { id: 'AwsSolutions-CFR3', reason: logs_ },
      { id: guardRule('cloudfront_access_logs_enabled_check'), reason: logs_ },
    );
    acknowledgeDefaultCertificate(cfn, defaultCertificate);
    acknowledge(
      cfn,
      { id: 'AwsSolutions-CFR5', reason: httpOrigin },
      { id: guardRule('cloudfront_traffic_to_origin_encrypted_check'), reason: httpOrigin },
      {
        id: guardRule('cloudfront_default_root_object_configured_check'),
        reason:
          'The origin is an app, not a bucket: it answers / itself, and a default root object would rewrite / to a ' +
          'file name the app does not serve.',
      },
      {
        id: guardRule('cloudfront_origin_failover_enabled_check'),
        reason:
          'The one origin is a load balancer across two AZs with an Auto Scaling group behind it; a second origin ' +
          'would be a second copy of the app and its database in another Region.',
      },
    );
    const secretReason =
      'The value only proves a request came through this distribution; it unlocks no data, and whoever may read the ' +
      'distribution or listener configuration sees it anyway. CloudFormation copies it into both at deploy time, so ' +
      'rotating it means deploying again';
    const cfnSecret = secret.node.defaultChild as secretsmanager.CfnSecret;
    acknowledge(
      cfnSecret,
      { id: 'AwsSolutions-SMG4', reason: `${secretReason} (the README shows how).` },
      { id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: `${secretReason}.` },
      { id: 'HIPAA.Security-SecretsManagerRotationEnabled', reason: `${secretReason}.` },
      ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({
        id: `${pack}-SecretsManagerUsingKMSKey`,
        reason: `${secretReason}; a customer managed key would add $1 a month and narrow nothing.`,
      })),
    );
  }

  private createWebAcl(removalPolicy: RemovalPolicy, behindCloudFront: boolean): wafv2.CfnWebACL {
    // A key of its own for the WAF logs, as before the builder existed (its logical ID stays put).
    const key = new EncryptionKey(this, 'WebAclLogKey', {
      description: `Encrypts the WAF logs of ${this.node.path}`,
      removalPolicy,
    });
    return createWebAcl(this, {
      scope: WebAclScope.REGIONAL,
      managedRuleGroups: [
        { name: 'AWSManagedRulesAmazonIpReputationList' },
        { name: 'AWSManagedRulesCommonRuleSet' },
        { name: 'AWSManagedRulesKnownBadInputsRuleSet' },
        { name: 'AWSManagedRulesSQLiRuleSet' },
      ],
      rateLimitPerIp: 2000,
      rateRuleName: 'RateLimitPerIp',
      // Behind CloudFront the load balancer sees only CloudFront's addresses; CloudFront appends the
      // viewer's address to X-Forwarded-For. (The IP reputation group still sees CloudFront's: README.)
      rateLimitForwardedIpHeader: behindCloudFront ? 'X-Forwarded-For' : undefined,
      associateWith: this.loadBalancer.loadBalancerArn,
      logKey: key.key,
      logRetention: logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    }).webAcl;
  }

  private createAlarmsAndDashboard(topic: sns.ITopic, minCapacity: number): cloudwatch.Dashboard {
    const alb = this.loadBalancer.metrics;
    const tg = this.targetGroup.metrics;
    const minute = Duration.minutes(1);
    const requests = alb.requestCount({ period: minute, statistic: 'Sum' });
    const elb5xx = alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: minute, statistic: 'Sum' });
    const target5xx = tg.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
      period: minute,
      statistic: 'Sum',
    });
    const errorRate = new cloudwatch.MathExpression({
      label: '5XX responses (% of requests)',
      expression: '100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / FILL(requests, 1)',
      usingMetrics: { elb5xx, target5xx, requests },
      period: minute,
    });
    const unhealthy = tg.unhealthyHostCount({ period: minute, statistic: 'Maximum' });
    const healthy = tg.healthyHostCount({ period: minute, statistic: 'Minimum' });
    const responseTime = tg.targetResponseTime({ period: minute, statistic: 'p95' });
    const inService = new cloudwatch.Metric({
      namespace: 'AWS/AutoScaling',
      metricName: 'GroupInServiceInstances',
      dimensionsMap: { AutoScalingGroupName: this.autoScalingGroup.autoScalingGroupName },
      period: minute,
      statistic: 'Minimum',
    });
    const cpu = new cloudwatch.Metric({
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensionsMap: { AutoScalingGroupName: this.autoScalingGroup.autoScalingGroupName },
      period: minute,
      statistic: 'Average',
    });

    const add = (id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const alarm = notify(new cloudwatch.Alarm(this, id, props), topic);
      this.alarms.push(alarm);
      return alarm;
    };
    add('ServerErrorRateAlarm', {
      alarmDescription: 'More than 5% of requests end in a 5XX from the load balancer or the instances',
      metric: errorRate,
      threshold: 5,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('UnhealthyHostsAlarm', {
      alarmDescription: 'At least one registered instance fails the target group health check',
      metric: unhealthy,
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('TargetResponseTimeAlarm', {
      alarmDescription: 'p95 response time of the instances is above 1 second',
      metric: responseTime,
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('InServiceInstancesAlarm', {
      alarmDescription: `Fewer than ${minCapacity} instances in service in the Auto Scaling group`,
      metric: inService,
      threshold: minCapacity,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // Group metrics arrive every minute while the group exists; silence means something is wrong.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // The deep check feeds this alarm instead of the health checks (see the target group). A Multi-AZ
    // failover takes 60-120 s, at most 3 failed one-minute probes: 4 of 5 minutes means an outage.
    add('DatabaseUnreachableAlarm', {
      alarmDescription:
        'App-tier instances could not query the database in 4 of the last 5 minutes (longer than a Multi-AZ failover)',
      metric: this.databaseCheckMetric,
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 4,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no instance reported (none running: the in-service alarm fires), not a failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const db = this.database.instance;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms: web, app and data tiers',
            alarms: [...this.alarms, ...Object.values(this.database.alarms)],
            width: 24,
            height: 4,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Web tier: requests and 5XX',
            left: [requests],
            right: [errorRate],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Web tier: p95 response time (s)',
            left: [responseTime],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Targets: healthy / unhealthy',
            left: [healthy, unhealthy],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'App tier: instances in service',
            left: [inService],
            width: 8,
          }),
          new cloudwatch.GraphWidget({ title: 'App tier: CPU (%)', left: [cpu], width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'App tier: database check failed (1 = yes)',
            left: [this.databaseCheckMetric],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Data tier: CPU (%)',
            left: [db.metricCPUUtilization()],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Data tier: connections',
            left: [db.metricDatabaseConnections()],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Data tier: free storage',
            left: [db.metricFreeStorageSpace()],
            width: 8,
          }),
        ],
      ],
    });
    return dashboard;
  }

  private acknowledgeFindings(props: ThreeTierWebAppProps): void {
    const albSecurityGroup = this.loadBalancer.connections.securityGroups[0];
    if (!props.cloudFront)
      acknowledge(albSecurityGroup, {
        id: 'AwsSolutions-EC23',
        reason:
          'The load balancer is the public entry of a website: its group must accept HTTP/HTTPS from any address. ' +
          'The app and database groups accept only the group in front of them.',
      });
    acknowledgeVpcAutoScalingGroup(this.autoScalingGroup);
    if (!props.deletionProtection && props.deletionProtection !== undefined) {
      const reason =
        'deletionProtection is false (sandbox profile) so that cdk destroy removes the load balancer and leaves no ' +
        'hourly charge behind; the production profile turns it on.';
      acknowledge(
        this.loadBalancer,
        { id: 'NIST.800.53.R4-ELBDeletionProtectionEnabled', reason },
        { id: 'NIST.800.53.R5-ELBDeletionProtectionEnabled', reason },
        { id: 'HIPAA.Security-ELBDeletionProtectionEnabled', reason },
        { id: guardRule('elbv2_deletion_protection_enabled_check'), reason },
      );
    }
    if (!props.certificate) {
      const reason = props.cloudFront
        ? 'Viewers never reach this listener: they reach CloudFront, which redirects HTTP to HTTPS; the security group ' +
          "admits only CloudFront's origin-facing servers on port 80, and the listener forwards only requests with " +
          "CloudFront's secret header (403 otherwise). The edge-to-load-balancer hop stays HTTP until you pass a certificate."
        : 'No certificate was given, so the load balancer serves plain HTTP on port 80: a certificate needs a domain ' +
          'you own. Fine for a sandbox that serves no real users; production puts CloudFront in front (cloudFront) or ' +
          'passes certificate for HTTPS and the redirect.';
      const listener = this.loadBalancer.listeners[0];
      acknowledge(
        listener,
        { id: 'NIST.800.53.R4-ALBHttpToHttpsRedirection', reason },
        { id: 'NIST.800.53.R5-ALBHttpToHttpsRedirection', reason },
        { id: 'HIPAA.Security-ALBHttpToHttpsRedirection', reason },
        { id: 'PCI.DSS.321-ALBHttpToHttpsRedirection', reason },
        { id: 'NIST.800.53.R5-ELBv2ACMCertificateRequired', reason },
        { id: 'HIPAA.Security-ELBv2ACMCertificateRequired', reason },
        { id: 'PCI.DSS.321-ELBv2ACMCertificateRequired', reason },
        { id: guardRule('alb_http_to_https_redirection_check'), reason },
      );
    }
    if (!this.webAcl) {
      const reason =
        'webAclEnabled is false: a web ACL costs about $5 per month plus $1 per rule group and $0.60 per million ' +
        'requests, too much for a throwaway sandbox. Production turns it on with AWS managed rule groups.';
      acknowledge(
        this.loadBalancer,
        { id: 'NIST.800.53.R4-ALBWAFEnabled', reason },
        { id: 'NIST.800.53.R5-ALBWAFEnabled', reason },
        { id: 'PCI.DSS.321-ALBWAFEnabled', reason },
      );
    }
  }
}

interface ResolvedProps {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly appPort: number;
  readonly healthCheckPath: string;
  readonly databaseCheckPath: string;
  readonly gracePeriod: Duration;
  readonly signalTimeout: Duration;
}

function validateProps(props: ThreeTierWebAppProps, p: ResolvedProps): void {
  if (props.cache) validateCacheOptions(props.cache);
  validateInteger(CONSTRUCT, 'minCapacity', p.minCapacity, 2, 1000, 'instances', {
    because: 'at least one instance in each of two AZs, so the app survives the loss of an AZ (001 L806-811)',
  });
  validateInteger(CONSTRUCT, 'maxCapacity', p.maxCapacity, 2, 1000, 'instances');
  if (
    !Token.isUnresolved(p.minCapacity) &&
    !Token.isUnresolved(p.maxCapacity) &&
    p.minCapacity > p.maxCapacity
  ) {
    throw new PropValidationError(
      CONSTRUCT,
      'minCapacity',
      `must not exceed maxCapacity; received minCapacity ${p.minCapacity} and maxCapacity ${p.maxCapacity} ` +
        '(an Auto Scaling group keeps min <= desired <= max, 001 L977-983).',
    );
  }
  validateInteger(CONSTRUCT, 'appPort', p.appPort, 1024, 65535, '', {
    because:
      'the app runs as an unprivileged user with NoNewPrivileges, which cannot bind ports below 1024; ' +
      'the load balancer listens on 80/443 and forwards to this port',
  });
  for (const [prop, path] of [
    ['healthCheckPath', p.healthCheckPath],
    ['databaseCheckPath', p.databaseCheckPath],
  ] as const) {
    validatePattern(
      CONSTRUCT,
      prop,
      path,
      /^\/[A-Za-z0-9._~\/-]{0,1023}$/,
      'must start with "/" and use only letters, digits and / . _ ~ - (at most 1024 characters): the target ' +
        'group or the boot script requests it, and it is written unquoted into the boot script and the systemd unit',
    );
    if (path === '/') {
      throw new PropValidationError(
        CONSTRUCT,
        prop,
        "must not be '/': the page writes a row into the database on every request, so health checks " +
          'would fill the table (and the liveness check would depend on the database).',
      );
    }
  }
  if (
    !Token.isUnresolved(p.healthCheckPath) &&
    !Token.isUnresolved(p.databaseCheckPath) &&
    p.healthCheckPath === p.databaseCheckPath
  ) {
    throw new PropValidationError(
      CONSTRUCT,
      'databaseCheckPath',
      `must differ from healthCheckPath; both are '${p.healthCheckPath}'. The liveness path never queries the ` +
        'database (the Auto Scaling group replaces instances that fail it); the database path does.',
    );
  }
  validateDuration(CONSTRUCT, 'healthCheckGracePeriod', p.gracePeriod, Duration.seconds(0), Duration.days(7));
  validateDuration(CONSTRUCT, 'signalTimeout', p.signalTimeout, Duration.minutes(1), Duration.hours(12), {
    because: 'CloudFormation creation policies wait at most 12 hours',
  });
  // The grace period is HealthCheckGracePeriod in seconds; the timeout becomes an ISO 8601 PT#H#M#S value.
  validateWholeDuration(CONSTRUCT, 'healthCheckGracePeriod', p.gracePeriod, 'seconds');
  validateWholeDuration(CONSTRUCT, 'signalTimeout', p.signalTimeout, 'seconds');
  validateInteger(CONSTRUCT, 'targetCpuUtilizationPercent', props.targetCpuUtilizationPercent, 1, 100, '%');
  validateInteger(
    CONSTRUCT,
    'targetRequestsPerMinute',
    props.targetRequestsPerMinute,
    1,
    1_000_000,
    'requests',
  );
  if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
    throw new PropValidationError(
      CONSTRUCT,
      'removalPolicy',
      'must be RETAIN or DESTROY; received SNAPSHOT, which only databases and volumes support. ' +
        'Use databaseRemovalPolicy for a final database snapshot.',
    );
  }
  if (props.domainName !== undefined && !props.hostedZone) {
    throw new PropValidationError(
      CONSTRUCT,
      'domainName',
      `'${props.domainName}' needs hostedZone: the alias record is created in a Route 53 hosted zone you own ` +
        '(an alias, not a CNAME, so it also works at the zone apex, 001 L1144-1167).',
    );
  }
  if (props.cloudFront && props.certificate) {
    throw new PropValidationError(
      CONSTRUCT,
      'cloudFront',
      'must not be true with certificate; received both. With a certificate the load balancer serves HTTPS on 443 ' +
        "itself; the distribution is the way to HTTPS without a domain (CloudFront's *.cloudfront.net certificate).",
    );
  }
  if (props.cloudFront && props.hostedZone) {
    throw new PropValidationError(
      CONSTRUCT,
      'cloudFront',
      `must not be true with hostedZone; received hostedZone '${props.hostedZone.zoneName}'. The alias record ` +
        'points at the load balancer, which then answers 403 to everything not coming through CloudFront; give ' +
        'certificate and hostedZone (HTTPS on the load balancer) instead.',
    );
  }
}

/**
 * The three tiers need three kinds of subnets: public (load balancer), private with egress (instances,
 * which install packages and call AWS APIs) and isolated (database). A VPC without one of them, such as
 * a ReferenceVpc with `natGateways: 0`, would otherwise fail inside the CDK with an error naming no prop.
 */
function validateTiers(vpc: ec2.IVpc): void {
  const tiers: [ec2.SubnetType, string][] = [
    [ec2.SubnetType.PUBLIC, 'public subnets for the load balancer'],
    [ec2.SubnetType.PRIVATE_WITH_EGRESS, 'private subnets with egress (NAT) for the instances'],
    [ec2.SubnetType.PRIVATE_ISOLATED, 'isolated subnets for the database'],
  ];
  for (const [subnetType, purpose] of tiers) {
    let found = 0;
    try {
      found = vpc.selectSubnets({ subnetType }).subnets.length;
    } catch {
      // The CDK throws when the VPC has no subnet group of that type.
    }
    if (found === 0) {
      throw new PropValidationError(
        CONSTRUCT,
        'vpc',
        `received a VPC without ${purpose}; give a VPC with public, private-with-egress and isolated subnets ` +
          '(a ReferenceVpc with at least one NAT device has all three).',
      );
    }
  }
}

interface BootScriptOptions {
  readonly appPort: number;
  readonly healthCheckPath: string;
  readonly databaseCheckPath: string;
  /** Value of the `App` dimension of the database probe metric. */
  readonly metricApp: string;
  /** The app user's secret (never the master secret). */
  readonly secretArn: string;
  /** The schema of the app's table, put first on the connection's search path. */
  readonly schema: string;
  readonly region: string;
  /** The web app bundle (WEB_APP_ENTRY with its drivers). */
  readonly bundle: s3assets.Asset;
  /** Where the cache is and how the app uses it, with `cache`. */
  readonly cache?: {
    readonly host: string;
    readonly port: number;
    readonly secretArn: string;
    readonly ttlSeconds: number;
    readonly sessionTtlSeconds: number;
    readonly writeMode: CacheWriteMode;
    readonly secureCookies: boolean;
  };
}

/** The systemd `Environment=` lines of the cache settings (names in {@link CACHE_ENVIRONMENT}). */
function cacheEnvironment(c: NonNullable<BootScriptOptions['cache']>): string[] {
  const e = CACHE_ENVIRONMENT;
  return [
    `Environment=${e.host}=${c.host} ${e.port}=${c.port} ${e.secretArn}=${c.secretArn}`,
    `Environment=${e.ttlSeconds}=${c.ttlSeconds} ${e.sessionTtlSeconds}=${c.sessionTtlSeconds} ${e.writeMode}=${c.writeMode}`,
    `Environment=${e.secureCookies}=${c.secureCookies}`,
  ];
}

/**
 * The user data after the signal trap: installs Node.js and the app, starts it under systemd, and
 * exits 0 (signal success) only once the app answers the database path, which needs the database.
 */
function bootScript(o: BootScriptOptions): string[] {
  const node = `/usr/bin/node-${NODEJS_MAJOR_VERSION}`;
  const lines = [
    'set -euo pipefail',
    // cloud-init runs user data without HOME, which the AWS CLI needs for its configuration.
    'export HOME=/root',
    // Every install and download goes through `retry` (lib/core/boot-retry.ts): a dnf run cloud-init starts at
    // boot can break an install once (aws/aws-cdk#36717); the signal fails only after the last of 5 tries.
    RETRY_FUNCTION,
    `retry dnf install -y aws-cfn-bootstrap nodejs${NODEJS_MAJOR_VERSION}`,
    ...installProgramCommands({
      user: 'webapp',
      dir: '/opt/webapp',
      file: 'web-app.js',
      program: o.bundle,
      region: o.region,
    }),
    // RDS requires TLS; the app verifies the server certificate against the RDS CA bundle. No Amazon Linux
    // 2023 package ships it: AWS publishes it only at this HTTPS address, and curl checks the server against
    // the AMI's CA store. It is not pinned to a SHA-256: the file gains a CA with each new Region, so a pin
    // would fail every boot after the next change, and none could be computed where this was written
    // (no network). See the README, "Boot".
    'retry curl -fsS -o /opt/webapp/rds-ca.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem',
    'chown -R root:root /opt/webapp && chmod -R a+rX /opt/webapp',
    // IMDSv2: a session token first, then the instance id (shown on the page).
    ...INSTANCE_ID_COMMANDS,
    'cat > /etc/systemd/system/webapp.service <<EOF',
    '[Unit]',
    'Description=Three-tier web app',
    'After=network-online.target',
    'Wants=network-online.target',
    '[Service]',
    'User=webapp',
    `Environment=PORT=${o.appPort} AWS_REGION=${o.region} DB_SECRET_ARN=${o.secretArn} DB_SCHEMA=${o.schema}`,
    `Environment=HEALTH_PATH=${o.healthCheckPath} DATABASE_CHECK_PATH=${o.databaseCheckPath}`,
    `Environment=METRIC_NAMESPACE=${METRIC_NAMESPACE} METRIC_APP=${o.metricApp}`,
    'Environment=INSTANCE_ID=$INSTANCE_ID DB_CA_FILE=/opt/webapp/rds-ca.pem NODE_ENV=production HOME=/tmp',
    ...(o.cache ? cacheEnvironment(o.cache) : []),
    `ExecStart=${node} /opt/webapp/web-app.js`,
    'Restart=always',
    ...SYSTEMD_SERVICE_HARDENING,
    '[Install]',
    'WantedBy=multi-user.target',
    'EOF',
    'systemctl daemon-reload',
    'systemctl enable --now webapp',
    // Signal success only when the app answers through the database (the deep path, not the liveness
    // path): a release or network change that breaks the data tier rolls back. 60 tries, 5 s apart.
    `for i in $(seq 1 60); do curl -fsS http://127.0.0.1:${o.appPort}${o.databaseCheckPath} && exit 0; sleep 5; done`,
    'echo "the app did not become healthy" >&2',
    'exit 1',
  ];
  const size = Buffer.byteLength(lines.join('\n'), 'utf8');
  if (size > USER_DATA_LIMIT_BYTES - 1024) {
    throw new Error(
      `${CONSTRUCT}: the user data is ${size} bytes; EC2 accepts at most ${USER_DATA_LIMIT_BYTES} bytes. ` +
        'Move configuration into the app bundle (WEB_APP_ENTRY) or the environment file.',
    );
  }
  return lines;
}

/** Runs `build`, naming a prop the cluster refuses as the `cache.<prop>` the user wrote here. */
function asCacheProp<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof PropValidationError)) throw e;
    const detail = e.message.slice(`${e.construct}: invalid ${e.prop}: `.length);
    throw new PropValidationError(CONSTRUCT, `cache.${e.prop}`, detail);
  }
}

/** The app-side cache settings; the cluster's own props are checked by {@link CacheCluster}. */
function validateCacheOptions(cache: ThreeTierCacheOptions): void {
  const [ttlMin, ttlMax] = CACHE_TTL_RANGE;
  validateWholeDuration(CONSTRUCT, 'cache.ttl', cache.ttl, 'seconds');
  validateDuration(CONSTRUCT, 'cache.ttl', cache.ttl, Duration.seconds(ttlMin), Duration.seconds(ttlMax));
  const [sessionMin, sessionMax] = SESSION_TTL_RANGE;
  validateWholeDuration(CONSTRUCT, 'cache.sessionTtl', cache.sessionTtl, 'seconds');
  validateDuration(
    CONSTRUCT,
    'cache.sessionTtl',
    cache.sessionTtl,
    Duration.seconds(sessionMin),
    Duration.seconds(sessionMax),
  );
  if (cache.writeMode !== undefined && !CACHE_WRITE_MODES.includes(cache.writeMode)) {
    throw new PropValidationError(
      CONSTRUCT,
      'cache.writeMode',
      `must be one of ${CACHE_WRITE_MODES.map((m) => `'${m}'`).join(', ')}; received '${cache.writeMode}'.`,
    );
  }
}
