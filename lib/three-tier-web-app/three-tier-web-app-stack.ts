import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { ReferenceVpc } from '../core/network';
import { Profile } from '../core/profile';
import { ThreeTierWebApp } from './three-tier-web-app';

/** Props of {@link ThreeTierWebAppStack}. */
export interface ThreeTierWebAppStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheapest, leaves nothing behind) or `production`. */
  readonly profile: Profile;
  /**
   * ARN of an ACM certificate, in the stack's Region, for the domain you point at the load balancer
   * (`npx cdk deploy -c certificateArn=arn:aws:acm:...`): the load balancer serves HTTPS on 443 and
   * port 80 redirects, in either profile.
   * @default - sandbox: plain HTTP; production: a CloudFront distribution in front (HTTPS with its
   * `*.cloudfront.net` certificate, no domain needed)
   */
  readonly certificateArn?: string;
}

/**
 * Demo stack of the three-tier web app. It maps the profile to construct props, nothing else:
 * - sandbox: one NAT instance, t4g.micro instances and database, two cache.t4g.micro cache nodes, HTTP only,
 *   no WAF, everything destroyed;
 * - production: a NAT gateway per AZ, WAF, deletion protection, data retained (database and cache: snapshot),
 *   and HTTPS: on the load balancer with `certificateArn`, else through a CloudFront distribution.
 */
export class ThreeTierWebAppStack extends Stack {
  public readonly app: ThreeTierWebApp;

  constructor(scope: Construct, id: string, props: ThreeTierWebAppStackProps) {
    super(scope, id, props);
    const sandbox = props.profile === 'sandbox';
    const certificate = props.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)
      : undefined;
    const network = new ReferenceVpc(this, 'Network', {
      maxAzs: 2,
      natGateways: sandbox ? 1 : 2,
      natInstance: sandbox,
      flowLogRemovalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.app = new ThreeTierWebApp(this, 'WebApp', {
      vpc: network.vpc,
      instanceType: ec2.InstanceType.of(
        ec2.InstanceClass.T4G,
        sandbox ? ec2.InstanceSize.MICRO : ec2.InstanceSize.SMALL,
      ),
      minCapacity: 2,
      maxCapacity: sandbox ? 3 : 6,
      webAclEnabled: !sandbox,
      certificate,
      // Production serves no plain HTTP to viewers: without a certificate, CloudFront gives them HTTPS.
      cloudFront: !sandbox && !certificate,
      deletionProtection: !sandbox,
      removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      databaseRemovalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT,
      databaseBackupPlan: !sandbox,
      // Enhanced Monitoring writes to the account-wide RDSOSMetrics log group, which a destroy leaves.
      databaseMonitoringInterval: sandbox ? Duration.seconds(0) : undefined,
      databaseInstanceType: ec2.InstanceType.of(
        ec2.InstanceClass.T4G,
        sandbox ? ec2.InstanceSize.MICRO : ec2.InstanceSize.MEDIUM,
      ),
      // Sessions and cached reads in Valkey (003 L1515-1526): a primary and one replica in another AZ.
      // Sandbox: the smallest nodes, no snapshots, deleted with the stack; production: snapshots kept 15 days
      // and a final snapshot on delete.
      cache: {
        nodeType: sandbox ? 'cache.t4g.micro' : 'cache.t4g.small',
        replicas: 1,
        snapshotRetentionDays: sandbox ? 0 : 15,
        removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT,
      },
    });
    new CfnOutput(this, 'SiteUrl', { value: this.app.url, description: 'Open this in a browser' });
    new CfnOutput(this, 'LoadBalancerDNS', { value: this.app.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'AutoScalingGroupName', {
      value: this.app.autoScalingGroup.autoScalingGroupName,
      description: 'Find an instance id for `aws ssm start-session`',
    });
    new CfnOutput(this, 'DashboardName', { value: this.app.dashboard.dashboardName });
    // What the README's production destroy reads: deletion protection to lift, and what stays afterwards.
    new CfnOutput(this, 'LoadBalancerArn', {
      description:
        'Lift deletion protection here before a production destroy (elbv2 modify-load-balancer-attributes)',
      value: this.app.loadBalancer.loadBalancerArn,
    });
    new CfnOutput(this, 'DatabaseInstanceIdentifier', {
      description:
        'The database instance (rds modify-db-instance --no-deletion-protection before a production destroy)',
      value: this.app.database.instance.instanceIdentifier,
    });
    new CfnOutput(this, 'DatabaseSecretArn', {
      description: 'The database credentials (retained by a production destroy)',
      value: this.app.database.secret.secretArn,
    });
    if (this.app.cache) {
      new CfnOutput(this, 'CacheEndpoint', {
        description:
          'Primary endpoint of the Valkey cache (TLS, AUTH token in the secret below), from the VPC only',
        value: `${this.app.cache.primaryEndpoint}:${this.app.cache.port}`,
      });
      new CfnOutput(this, 'CacheReplicationGroupId', {
        description: 'The Valkey replication group (its final snapshot stays after a production destroy)',
        value: this.app.cache.replicationGroup.ref,
      });
      new CfnOutput(this, 'CacheAuthTokenSecretArn', {
        description: 'The cache AUTH token ({"token": ...}); only the app instances may read it',
        value: this.app.cache.authTokenSecret.secretArn,
      });
    }
    if (this.app.database.backupPlan) {
      new CfnOutput(this, 'BackupVaultName', {
        description:
          'AWS Backup vault of the database (retained with its recovery points by a production destroy)',
        value: this.app.database.backupPlan.backupVault.backupVaultName,
      });
    }
    // The CDK's own helper functions log into log groups of this stack (deleted with the sandbox).
    adoptCdkManagedFunctions(this, { removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN });
  }
}
