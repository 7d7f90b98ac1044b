import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IDependable } from 'constructs';
import { acknowledge } from '../core/acknowledge';
import { bundledNodejsCode } from '../core/bundled-code';
import {
  PropValidationError,
  validateDuration,
  validatePattern,
  validateWholeDuration,
} from '../core/errors';
import { acknowledgeNoFunctionDlq, acknowledgeNoReservedConcurrency } from '../core/function-acknowledgments';
import { runtimeEntry } from '../core/runtime-entry';
import { onlyThroughServices } from '../core/service-grants';
import { DatabaseEngine, hostedRotationLogs, MultiAzDatabase } from './multi-az-database';

const NAME = 'DatabaseApplicationUser';

/** The custom resource type (handler: runtime/application-user.ts). */
export const APPLICATION_USER_RESOURCE_TYPE = 'Custom::DatabaseApplicationUser';

/** Options of {@link MultiAzDatabase.addApplicationUser}. */
export interface ApplicationUserOptions {
  /**
   * The application's PostgreSQL role. Alternating-users rotation adds `<username>_clone`, a member of it.
   * Lowercase letters, digits and `_`, at most 56 characters (63 with the `_clone` suffix).
   */
  readonly username: string;
  /**
   * The schema holding the application's tables, owned by the master user: the application may read
   * and write rows there, not create or change tables. Same characters as `username`.
   * @default - the username
   */
  readonly schema?: string;
  /**
   * DDL the master user runs in the schema at every deploy (the application's tables), each statement
   * idempotent (`CREATE TABLE IF NOT EXISTS ...`).
   * @default - none
   */
  readonly statements?: string[];
  /**
   * Subnets the deploy-time function runs in. It must reach the database, Secrets Manager (through
   * `secretsManagerEndpoint` or NAT) and CloudFormation's response URL in Amazon S3 (NAT or an S3
   * gateway endpoint).
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The Secrets Manager interface endpoint the function and the rotation function use; the construct
   * opens its port 443 to them.
   * @default - none: the subnets reach Secrets Manager some other way
   */
  readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;
  /**
   * How often Secrets Manager rotates the user's password (alternating users).
   * @default Duration.days(30)
   */
  readonly rotationInterval?: Duration;
  /**
   * DESTROY drops the role when the resource leaves the stack and deletes the secret; otherwise both stay.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Props of {@link DatabaseApplicationUser}. */
export interface DatabaseApplicationUserProps extends ApplicationUserOptions {
  /** The PostgreSQL database the user is created in. */
  readonly database: MultiAzDatabase;
}

/**
 * A least-privilege PostgreSQL user for an application, created at deploy time by the stack itself.
 *
 * A Lambda function in the VPC, invoked by CloudFormation as a custom resource, reads the master secret
 * and creates the role, the schema, the application's tables and the grants (runtime/application-user.ts):
 * CONNECT on the database, USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on its tables. The password
 * lives in a secret of its own, rotated with the alternating-users strategy, so whoever reads it never
 * gets the master credentials.
 */
export class DatabaseApplicationUser extends Construct {
  /** The user's credentials (username, password, host, port, dbname, engine), to grant to the application. */
  public readonly secret: secretsmanager.ISecret;
  /** The PostgreSQL role name. */
  public readonly username: string;
  /** The schema of the application's tables. */
  public readonly schema: string;
  /** The deploy-time function. */
  public readonly function: lambda.Function;
  /** The custom resource: depend on it to connect only once the user exists. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DatabaseApplicationUserProps) {
    super(scope, id);
    const database = props.database;
    if (database.engineFamily !== DatabaseEngine.POSTGRESQL) {
      throw new PropValidationError(
        NAME,
        'database',
        `must be a PostgreSQL database; received ${database.engineFamily} (the handler speaks PostgreSQL only).`,
      );
    }
    const identifier = /^[a-z_][a-z0-9_]{0,55}$/;
    const rule =
      'must be a lowercase PostgreSQL identifier of at most 56 characters (letters, digits, _; not starting with ' +
      'a digit): the rotation clone adds "_clone" within the 63-byte limit, and the handler never quotes around it';
    validatePattern(NAME, 'username', props.username, identifier, rule);
    const schema = props.schema ?? props.username;
    validatePattern(NAME, 'schema', schema, identifier, rule);
    const rotationInterval = props.rotationInterval ?? Duration.days(30);
    validateDuration(NAME, 'rotationInterval', rotationInterval, Duration.hours(4), Duration.days(1000), {
      because: 'the Secrets Manager rotation schedule limits',
    });
    validateWholeDuration(NAME, 'rotationInterval', rotationInterval, 'hours');
    this.username = props.username;
    this.schema = schema;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const vpc = database.instance.vpc;
    const masterSecret = database.secret;
    const secretKey = masterSecret.encryptionKey;

    // --- the user's secret, rotated with alternating users ---------------------------------------
    const secret = new rds.DatabaseSecret(this, 'Secret', {
      username: props.username,
      // A new username is a new secret: the old one kept the old user's name and password.
      replaceOnPasswordCriteriaChanges: true,
      // masterarn in the secret: the multi-user rotation function logs in with the master secret.
      masterSecret,
      encryptionKey: secretKey,
      // The handler writes the password as a quoted SQL literal; no quote or backslash to escape.
      excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
    });
    secret.applyRemovalPolicy(
      removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    );
    // Adds host, port, engine and dbInstanceIdentifier, which the application and rotation read.
    this.secret = secret.attach(database.instance);
    // Alternating users, not single user: rotation creates `<username>_clone` (a member of the role, so
    // it inherits every grant) and switches the secret to it, while the user the instances are connected
    // as keeps its password until the next rotation. With single-user rotation the password of the user
    // in use changes under the running pools: every new connection fails until each instance re-reads
    // the secret. It needs the master secret, which only the rotation function reads.
    // Beside the deploy-time function: it needs the same two things, the database and Secrets Manager.
    const functionSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc,
      description: `Rotation function of the ${props.username} secret of ${database.node.path}`,
      allowAllOutbound: props.secretsManagerEndpoint === undefined,
    });
    // A named rotation function whose log group the stack owns (else Lambda creates it, outside the stack),
    // encrypted with the database's key and kept a year, like the deploy-time function's logs.
    const rotationLogs = hostedRotationLogs(this, 'RotationLogs', {
      encryptionKey: database.storageKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    const rotation = this.secret.addRotationSchedule('Rotation', {
      hostedRotation: secretsmanager.HostedRotation.postgreSqlMultiUser({
        functionName: rotationLogs.functionName,
        masterSecret,
        vpc,
        vpcSubnets: functionSubnets,
        securityGroups: [rotationSecurityGroup],
      }),
      automaticallyAfter: rotationInterval,
    });
    rotation.node.addDependency(rotationLogs.logGroup);
    database.connections.allowDefaultPortFrom(
      rotationSecurityGroup,
      `Rotation of the ${props.username} password`,
    );

    // --- the deploy-time function ----------------------------------------------------------------
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `Creates the ${props.username} user in ${database.node.path} at deploy time`,
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      "HTTPS to Secrets Manager and CloudFormation's response URL in S3",
    );
    database.connections.allowDefaultPortFrom(
      securityGroup,
      `Creates the ${props.username} user and its grants`,
    );
    if (props.secretsManagerEndpoint) {
      for (const sg of [securityGroup, rotationSecurityGroup]) {
        props.secretsManagerEndpoint.connections.allowDefaultPortFrom(sg, 'Reads the database secrets');
      }
    }
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Creates the ${props.username} database user at deploy time: reads the master and user secrets`,
    });
    const logGroup = new logs.LogGroup(this, 'FunctionLogs', {
      encryptionKey: database.storageKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    const policy = new iam.ManagedPolicy(this, 'FunctionPolicy', {
      description: 'Read the master secret and the application user secret; network interfaces and logs',
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [masterSecret.secretArn, this.secret.secretArn],
        }),
        // What AWSLambdaVPCAccessExecutionRole grants for the network interfaces of a function in a VPC.
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    acknowledge(
      policy,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Lambda creates and deletes the network interfaces of a function in a VPC with these ec2 actions, which take ' +
          'no narrower resource here (the interfaces do not exist yet); the AWS managed AWSLambdaVPCAccessExecutionRole ' +
          'grants the same on "*".',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>:*]`,
        reason:
          "The function writes its log streams into its own log group only; the ARN's :* names the streams.",
      },
    );
    if (secretKey) {
      policy.addStatements(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secretKey.keyArn],
          conditions: onlyThroughServices(this, 'secretsmanager'),
        }),
      );
    }
    const runtime = lambda.Runtime.NODEJS_24_X;
    this.function = new lambda.Function(this, 'Function', {
      description: `Creates the ${props.username} user and its grants in ${database.node.path} (custom resource)`,
      code: bundledNodejsCode(NAME, 'handler', runtimeEntry(__dirname, 'application-user'), runtime),
      handler: 'index.handler',
      runtime,
      architecture: lambda.Architecture.ARM_64,
      role: role.withoutPolicyUpdates(),
      vpc,
      vpcSubnets: functionSubnets,
      securityGroups: [securityGroup],
      // Room for the master login to wait out a rotation of the master secret (runtime/application-user.ts).
      timeout: Duration.minutes(3),
      memorySize: 256,
      logGroup,
      // The Lambda Node.js runtimes from 20 on no longer trust the RDS certificate authorities by
      // default; this bundle of the runtime includes them, so the handler can verify the server (TLS).
      environment: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' },
    });
    this.function.node.addDependency(policy);
    acknowledgeNoFunctionDlq(
      this.function,
      'CloudFormation is the only caller: the handler reports every failure to CloudFormation (FAILED with the ' +
        'reason), which rolls the deployment back; an event parked in a queue would help nobody.',
    );
    acknowledgeNoReservedConcurrency(
      this.function,
      'The function runs once per deployment of the stack; a transaction-scoped advisory lock serializes two ' +
        'runs, and reserving concurrency would take from the account pool (at least 10 must stay unreserved).',
    );
    acknowledge(this.function, {
      id: 'Serverless-LambdaTracing',
      reason:
        'The function runs once per deployment and calls only Secrets Manager and the database; its log group ' +
        'records each run, and X-Ray tracing would add a write permission on "*" for no insight.',
    });

    this.resource = new CustomResource(this, 'Resource', {
      resourceType: APPLICATION_USER_RESOURCE_TYPE,
      serviceToken: this.function.functionArn,
      // CloudFormation waits at most this long for an answer (default: an hour); the handler answers before
      // the function's own timeout even when its work does not finish.
      serviceTimeout: Duration.minutes(5),
      properties: {
        // A replaced database instance changes this, so the user is created again in the new instance.
        DatabaseInstance: database.instance.instanceIdentifier,
        MasterSecretArn: masterSecret.secretArn,
        UserSecretArn: this.secret.secretArn,
        Username: props.username,
        Schema: schema,
        Statements: props.statements ?? [],
        DropOnDelete: String(removalPolicy === RemovalPolicy.DESTROY),
      },
    });
    // The database, the rules that open it (and the endpoint) to the function, and the user's secret
    // (attached, so it carries the host) must all exist before the first run.
    this.resource.node.addDependency(
      // The instance resource, not its construct: that holds the master secret's rotation schedule, whose
      // first rotation may run at the same time anyway (the handler waits it out, runtime/application-user.ts).
      database.instance.node.defaultChild as IDependable,
      securityGroup,
      // The attachment itself, not its construct: the rotation schedule below it must come after the user.
      this.secret.node.defaultChild as IDependable,
      this.function,
    );
    // The schedule starts the first rotation as it is created, and the alternating-users rotation logs in
    // as the user first: it must exist by then.
    rotation.node.addDependency(this.resource);
    for (const sg of database.connections.securityGroups) this.resource.node.addDependency(sg);
    if (props.secretsManagerEndpoint) this.resource.node.addDependency(props.secretsManagerEndpoint);
  }
}
