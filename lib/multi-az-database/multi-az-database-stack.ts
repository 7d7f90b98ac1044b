import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { ReferenceVpc } from '../core/network';
import { Profile } from '../core/profile';
import { MultiAzDatabase, MultiAzDatabaseProps } from './multi-az-database';

/** Props of {@link MultiAzDatabaseStack}. */
export interface MultiAzDatabaseStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
}

/**
 * Demo: a PostgreSQL database with a Multi-AZ standby in a NAT-free VPC. The rotation function reaches
 * Secrets Manager through an interface endpoint, so the database subnets need no route to the internet.
 */
export class MultiAzDatabaseStack extends Stack {
  /** The network. */
  public readonly network: ReferenceVpc;
  /** The database. */
  public readonly database: MultiAzDatabase;

  constructor(scope: Construct, id: string, props: MultiAzDatabaseStackProps) {
    super(scope, id, {
      description: `Reference architecture: Multi-AZ RDS database (${props.profile})`,
      ...props,
    });
    const sandbox = props.profile === 'sandbox';
    const removalPolicy = sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    // No NAT: the database and the rotation function only talk to AWS APIs through endpoints.
    this.network = new ReferenceVpc(this, 'Network', {
      natGateways: 0,
      publicSubnets: false,
      flowLogRemovalPolicy: removalPolicy,
    });
    const secretsManagerEndpoint = this.network.vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      privateDnsEnabled: true,
      open: false,
    });
    this.database = new MultiAzDatabase(this, 'Database', {
      vpc: this.network.vpc,
      secretsManagerEndpoint,
      ...(sandbox ? sandboxProps() : productionProps()),
    });
    const db = this.database;
    new CfnOutput(this, 'Endpoint', { value: db.endpoint.address });
    new CfnOutput(this, 'Port', { value: String(db.endpoint.port) });
    new CfnOutput(this, 'SecretArn', { value: db.secret.secretArn });
    new CfnOutput(this, 'InstanceIdentifier', { value: db.instance.instanceIdentifier });
    db.readReplicas.forEach(
      (r, i) => new CfnOutput(this, `ReadReplica${i + 1}Endpoint`, { value: r.dbInstanceEndpointAddress }),
    );
    if (db.backupPlan) {
      new CfnOutput(this, 'BackupVaultName', {
        description: 'AWS Backup vault (retained with its recovery points by a production destroy)',
        value: db.backupPlan.backupVault.backupVaultName,
      });
    }
    // The CDK's own helper functions log into log groups of this stack (deleted with the sandbox).
    adoptCdkManagedFunctions(this, { removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN });
  }
}

function sandboxProps(): Omit<MultiAzDatabaseProps, 'vpc'> {
  return {
    // Smallest Graviton burstable class; PostgreSQL supports Performance Insights on it.
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MICRO),
    allocatedStorage: 20,
    maxAllocatedStorage: 30,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    backupPlan: false,
    readReplicas: 0,
    // Enhanced Monitoring writes to the account-wide RDSOSMetrics log group, which a destroy leaves.
    monitoringInterval: Duration.seconds(0),
  };
}

function productionProps(): Omit<MultiAzDatabaseProps, 'vpc'> {
  return {
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MEDIUM),
    allocatedStorage: 50,
    maxAllocatedStorage: 500,
    removalPolicy: RemovalPolicy.SNAPSHOT,
    deletionProtection: true,
    backupPlan: true,
    readReplicas: 1,
    rdsProxy: true,
    // Connections alarm: the construct's default, 80% of db.t4g.medium's max_connections (360 of 450).
  };
}
