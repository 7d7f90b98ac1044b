import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, guardRule } from './acknowledge';
import { RETRY_FUNCTION } from './boot-retry';
import { EncryptionKey } from './encryption-key';
import { allowCloudWatchLogs } from './service-grants';
import {
  PropValidationError,
  validateInteger,
  validateLogRetention,
  validateRetainOrDestroy,
} from './errors';

const NAME = 'ReferenceVpc';

/** Props of {@link ReferenceVpc}. */
export interface ReferenceVpcProps {
  /**
   * IPv4 range of the VPC, a prefix between /16 and /28 (the sizes a VPC may have, note 004 L926). A
   * range too small for subnets of at least /28 each is an error.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * How many Availability Zones the subnets span. At least 2: a database standby or a second web
   * server needs a second AZ. Env-agnostic stacks only know 2 AZs; give `availabilityZones` (or an
   * account and region) for more: asking for more without them is an error, not a silent 2.
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * Explicit Availability Zone names (e.g. `['us-east-1a', 'us-east-1b', 'us-east-1c']`). Overrides
   * `maxAzs`; lets an env-agnostic stack use more than two AZs.
   * @default - the first `maxAzs` AZs of the stack's region
   */
  readonly availabilityZones?: string[];
  /**
   * Build public subnets (and the internet gateway). A VPC for a database alone needs none: without
   * them nothing in the VPC can be reached from, or reach, the internet (the database demo).
   * `false` requires `natGateways: 0`.
   * @default true
   */
  readonly publicSubnets?: boolean;
  /**
   * How many NAT devices route the private subnets to the internet. 0 builds no NAT and no
   * private-with-egress subnets: only public and isolated subnets (the cheapest network, enough for a
   * database that reaches AWS APIs through VPC endpoints).
   * @default - one per AZ with NAT gateways; one when `natInstance` is true
   */
  readonly natGateways?: number;
  /**
   * Use a NAT instance (a t4g.nano running Amazon Linux 2023, about 3 USD a month) instead of managed
   * NAT gateways (about 33 USD a month each plus data). For sandboxes: an instance is a single point
   * of failure that you patch yourself. The instance requires IMDSv2 and has an encrypted root volume.
   * @default false
   */
  readonly natInstance?: boolean;
  /**
   * Instance type of the NAT instance when `natInstance` is true; the Amazon Linux 2023 image matches
   * its architecture (arm64 for Graviton types).
   * @default t4g.nano
   */
  readonly natInstanceType?: ec2.InstanceType;
  /**
   * What happens to the flow-log group and its KMS key when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly flowLogRemovalPolicy?: RemovalPolicy;
  /**
   * How long VPC flow logs are kept (Control Tower wants at least 365 days on log groups).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * A VPC laid out the way the notes recommend (004 L924-L945) and hardened for the six cdk-nag packs
 * and the Control Tower rules:
 * - public subnets (load balancers, NAT) that do not hand out public IPs on launch;
 * - private subnets with egress through NAT (only when NAT is built) for application servers;
 * - isolated subnets (no route to the internet) for databases;
 * - flow logs of all traffic to a KMS-encrypted log group (note 000 L921-L933);
 * - the default security group stripped of its rules (feature flag `restrictDefaultSecurityGroup`);
 * - an S3 gateway endpoint (free) so S3 traffic never needs NAT.
 */
export class ReferenceVpc extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.Vpc;
  /** The encrypted log group receiving the VPC flow logs. */
  public readonly flowLogGroup: logs.LogGroup;
  /** The NAT instance provider when `natInstance` is true (its `gatewayInstances` are the instances). */
  public readonly natInstanceProvider?: ec2.NatInstanceProviderV2;

  constructor(scope: Construct, id: string, props: ReferenceVpcProps = {}) {
    super(scope, id);
    const cidr = props.cidr ?? '10.0.0.0/16';
    const natInstance = props.natInstance ?? false;
    const azs = props.availabilityZones;
    const maxAzs = azs ? azs.length : (props.maxAzs ?? 2);

    // --- validation -------------------------------------------------------------------------------
    const azProp = azs ? 'availabilityZones' : 'maxAzs';
    validateInteger(NAME, azProp, maxAzs, 2, 16, 'AZs', {
      because:
        'a Multi-AZ database standby and a second web server each need a second AZ (note 004 L170-173)',
    });
    if (!azs && props.maxAzs !== undefined && !Token.isUnresolved(props.maxAzs)) {
      const known = Stack.of(this).availabilityZones;
      if (props.maxAzs > known.length) {
        throw new PropValidationError(
          NAME,
          'maxAzs',
          `asks for ${props.maxAzs} AZs but the stack knows only ${known.length}: an env-agnostic stack gets 2 AZs ` +
            '(the CDK cannot look the region up without an account). Give availabilityZones explicitly, or set ' +
            "the stack's env (account and region) so the CDK can look the AZs up.",
        );
      }
    }
    if (azs) validateAvailabilityZones(azs, Stack.of(this).availabilityZones);
    validateRetainOrDestroy(NAME, 'flowLogRemovalPolicy', props.flowLogRemovalPolicy);
    validateLogRetention(NAME, 'flowLogRetention', props.flowLogRetention);
    const prefix = parseCidr(cidr);
    const natDefault = natInstance ? 1 : maxAzs;
    const natGateways = props.natGateways ?? natDefault;
    validateInteger(NAME, 'natGateways', natGateways, 0, maxAzs, 'NAT devices', {
      because: 'at most one NAT device per AZ; 0 means no private-with-egress subnets',
    });
    if (natInstance && natGateways === 0) {
      throw new PropValidationError(
        NAME,
        'natInstance',
        'is true but natGateways is 0; set natGateways to at least 1, or leave natInstance false for a NAT-free VPC.',
      );
    }
    const publicSubnets = props.publicSubnets ?? true;
    if (!publicSubnets && natGateways > 0) {
      throw new PropValidationError(
        NAME,
        'publicSubnets',
        `is false but natGateways is ${natGateways}; NAT devices live in public subnets. Set natGateways to 0.`,
      );
    }
    const subnetGroups = (publicSubnets ? 1 : 0) + (natGateways > 0 ? 1 : 0) + 1;
    const subnetCount = subnetGroups * maxAzs;
    const subnetPrefix = prefix + Math.ceil(Math.log2(subnetCount));
    if (subnetPrefix > 28) {
      throw new PropValidationError(
        NAME,
        'cidr',
        `'${cidr}' is too small for ${subnetCount} subnets (${subnetGroups} tiers x ${maxAzs} AZs): each would be ` +
          `/${subnetPrefix}, and AWS's smallest subnet is /28. Use a larger range (e.g. /16 to /24).`,
      );
    }

    // --- VPC ---------------------------------------------------------------------------------------
    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      // No public IPs by default (Control Tower CT.EC2.PR.? / NIST "SubnetAutoAssignPublicIpDisabled"):
      // a load balancer or NAT gets its address explicitly, nothing else in the subnet does.
      ...(publicSubnets
        ? [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false }]
        : []),
      ...(natGateways > 0 ? [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }] : []),
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ];
    if (natInstance) {
      const natInstanceType =
        props.natInstanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO);
      this.natInstanceProvider = ec2.NatProvider.instanceV2({
        instanceType: natInstanceType,
        // The image must match the instance type's architecture (EC2 refuses an arm64 image on t3, say).
        machineImage: ec2.MachineImage.latestAmazonLinux2023({
          cpuType:
            natInstanceType.architecture === ec2.InstanceArchitecture.ARM_64
              ? ec2.AmazonLinuxCpuType.ARM_64
              : ec2.AmazonLinuxCpuType.X86_64,
        }),
        // The public subnets do not assign public IPs; the NAT instance needs one to reach the internet.
        associatePublicIpAddress: true,
        // OUTBOUND_ONLY: no ingress rule from the internet (INBOUND_AND_OUTBOUND, the CDK default, would
        // open every port to 0.0.0.0/0). It also adds no ingress at all, so the VPC's own traffic is
        // allowed below, once the provider has its security group.
        defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
        // aws-cdk-lib's default commands with the install retried and the rules saved without `route`
        // and `service` (natInstanceUserData below).
        userData: natInstanceUserData(),
      });
    }
    this.vpc = new ec2.Vpc(this, 'Resource', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      ...(azs ? { availabilityZones: azs } : { maxAzs }),
      natGateways,
      natGatewayProvider: this.natInstanceProvider,
      subnetConfiguration,
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    // A NAT instance is an ordinary instance behind a security group: a packet an app server sends to
    // the internet arrives on the NAT instance's interface, and its group must let it in, or the
    // private subnets have no internet at all (package repositories, SSM, CloudFormation signals).
    // Any port, because the NAT forwards whatever its clients send; only from the VPC's own range.
    this.natInstanceProvider?.connections.allowFrom(
      ec2.Peer.ipv4(cidr),
      ec2.Port.allTraffic(),
      'Traffic the private subnets send through the NAT instance',
    );

    // --- flow logs ---------------------------------------------------------------------------------
    const removalPolicy = props.flowLogRemovalPolicy ?? RemovalPolicy.RETAIN;
    const key = new EncryptionKey(this, 'FlowLogKey', {
      description: `Encrypts the VPC flow logs of ${this.node.path}`,
      removalPolicy,
    });
    allowCloudWatchLogs(key.key);
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: key.key,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    // The role gets a customer-managed policy instead of the inline policy the CDK would write
    // (NIST/HIPAA/PCI IAMNoInlinePolicy); withoutPolicyUpdates() keeps the CDK from adding one anyway.
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
      description: `Lets VPC Flow Logs write to ${this.node.path}/FlowLogs`,
    });
    flowLogRole.addManagedPolicy(
      new iam.ManagedPolicy(this, 'FlowLogPolicy', {
        description: 'Write VPC flow logs to their log group',
        statements: [
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            resources: [this.flowLogGroup.logGroupArn],
          }),
        ],
      }),
    );
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        this.flowLogGroup,
        flowLogRole.withoutPolicyUpdates(),
      ),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    this.acknowledgePublicRoutes();

    if (this.natInstanceProvider) this.acknowledgeNatInstances(this.natInstanceProvider);
  }

  private acknowledgePublicRoutes(): void {
    const reason =
      'A public subnet is defined by its route 0.0.0.0/0 to the internet gateway; it holds only the internet-facing ' +
      'load balancer and NAT devices. Application servers and databases sit in private and isolated subnets without it.';
    for (const subnet of this.vpc.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (!route) continue;
      acknowledge(
        route,
        { id: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW', reason },
        { id: 'HIPAA.Security-VPCNoUnrestrictedRouteToIGW', reason },
        { id: 'PCI.DSS.321-VPCNoUnrestrictedRouteToIGW', reason },
      );
    }
  }

  private acknowledgeNatInstances(provider: ec2.NatInstanceProviderV2): void {
    const publicIp =
      'A NAT instance forwards traffic from the private subnets to the internet, which it can only do with a ' +
      'public IP address; it accepts no inbound connections from the internet (its security group admits only ' +
      'traffic from inside the VPC).';
    const sandboxOnly =
      'The NAT instance is the sandbox alternative to NAT gateways (about 3 USD instead of 33 USD a month per AZ); ' +
      'it holds no data and is replaced by redeploying, so backups, termination protection and detailed ' +
      'monitoring add cost without protecting anything. Production uses managed NAT gateways.';
    const vpcOnly =
      "The rule flags every all-protocol ingress rule, whatever its source. This one admits only the VPC's own " +
      'range, nothing from the internet: a NAT device must accept whatever protocol and port its clients in the ' +
      'private subnets send out (a NAT gateway does the same without a security group).';
    acknowledge(
      provider.securityGroup,
      { id: 'NIST.800.53.R4-EC2RestrictedCommonPorts', reason: vpcOnly },
      { id: 'NIST.800.53.R5-EC2RestrictedCommonPorts', reason: vpcOnly },
      { id: 'HIPAA.Security-EC2RestrictedCommonPorts', reason: vpcOnly },
      { id: 'PCI.DSS.321-EC2RestrictedCommonPorts', reason: vpcOnly },
    );
    for (const instance of provider.gatewayInstances) {
      if (!(instance instanceof ec2.Instance)) continue;
      // NatInstanceProps exposes neither IMDSv2 nor volumes; set both on the CloudFormation resource:
      // IMDSv2 only (NIST/HIPAA EC2IMDSv2Enabled) and an encrypted root volume (AwsSolutions-EC26).
      const cfn = instance.instance;
      cfn.metadataOptions = { httpTokens: 'required', httpEndpoint: 'enabled' };
      cfn.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3' } }];
      const inVpc =
        'The NAT instance sits in a public subnet of this VPC; the NAT provider places it through its network ' +
        'interface (SubnetId inside NetworkInterfaces), which the rule does not read.';
      const noNitroInTransit =
        'A t4g.nano NAT instance only forwards packets that clients already encrypt (TLS); Nitro in-transit ' +
        'encryption needs larger instance families (c5n, m6i, ...) that cost many times more than a sandbox NAT.';
      acknowledge(
        instance,
        { id: 'NIST.800.53.R4-EC2InstancesInVPC', reason: inVpc },
        { id: 'NIST.800.53.R5-EC2InstancesInVPC', reason: inVpc },
        { id: 'HIPAA.Security-EC2InstancesInVPC', reason: inVpc },
        { id: 'PCI.DSS.321-EC2InstancesInVPC', reason: inVpc },
        { id: guardRule('ec2_instance_detailed_monitoring_enabled_check'), reason: sandboxOnly },
        { id: guardRule('ec2_instance_nitro_encryption_in_transit_check'), reason: noNitroInTransit },
      );
      acknowledge(
        instance,
        { id: 'NIST.800.53.R5-EC2InstanceNoPublicIp', reason: publicIp },
        { id: 'HIPAA.Security-EC2InstanceNoPublicIp', reason: publicIp },
        { id: 'PCI.DSS.321-EC2InstanceNoPublicIp', reason: publicIp },
        { id: 'NIST.800.53.R4-EC2InstanceNoPublicIp', reason: publicIp },
        { id: guardRule('ec2_instance_no_public_ip_check'), reason: publicIp },
        { id: 'AwsSolutions-EC28', reason: sandboxOnly },
        { id: 'AwsSolutions-EC29', reason: sandboxOnly },
        { id: 'NIST.800.53.R4-EC2InstanceDetailedMonitoringEnabled', reason: sandboxOnly },
        { id: 'HIPAA.Security-EC2InstanceDetailedMonitoringEnabled', reason: sandboxOnly },
      );
      // cdk-nag 3.0.2 EC26 crashes on an instance without a launch template (this one) as soon as the
      // stack holds any launch template (an Auto Scaling group's): it reads launchTemplateName of undefined.
      acknowledge(instance, {
        id: 'AwsSolutions-EC26',
        reason:
          'The NAT instance root volume is encrypted (BlockDeviceMappings Encrypted: true, asserted in the tests); ' +
          'cdk-nag 3.0.2 EC26 throws instead of reading it when the stack also contains a launch template.',
      });
    }
  }
}

/**
 * Availability Zone names, e.g. `us-east-1a` or the Local Zone `us-west-2-lax-1a`: each once (a second
 * subnet in the same AZ adds no availability), in the lowercase form AWS names them. An env-agnostic
 * stack cannot check that they exist; CloudFormation does at deploy time.
 */
function validateAvailabilityZones(azs: string[], known: string[]): void {
  // An env-agnostic stack knows only tokens (Fn::GetAZs); a stack with an env knows its region's AZs.
  const knownNames = known.some((az) => Token.isUnresolved(az)) ? undefined : known;
  const seen = new Set<string>();
  azs.forEach((az, i) => {
    if (Token.isUnresolved(az)) return;
    if (!/^[a-z]{2}-[a-z0-9-]*[a-z0-9]$/.test(az)) {
      throw new PropValidationError(
        NAME,
        `availabilityZones[${i}]`,
        `must be an Availability Zone name such as 'us-east-1a'; received '${az}'.`,
      );
    }
    if (seen.has(az)) {
      throw new PropValidationError(
        NAME,
        `availabilityZones[${i}]`,
        `received '${az}' twice; each AZ once, since a second subnet in the same AZ adds no availability.`,
      );
    }
    seen.add(az);
    if (knownNames && !knownNames.includes(az)) {
      throw new PropValidationError(
        NAME,
        `availabilityZones[${i}]`,
        `received '${az}', which is not an AZ of the stack's region (${knownNames.join(', ')}).`,
      );
    }
  });
}

/** Returns the prefix length of an IPv4 CIDR, or throws a {@link PropValidationError}. */
function parseCidr(cidr: string): number {
  if (Token.isUnresolved(cidr)) {
    throw new PropValidationError(
      NAME,
      'cidr',
      'must be a literal string: subnets are computed at synth time.',
    );
  }
  // No leading zeros: '010.0.0.0' reads as octal 8 to some tools and as 10 to others.
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) {
    throw new PropValidationError(
      NAME,
      'cidr',
      `must be an IPv4 CIDR like '10.0.0.0/16'; received '${cidr}'.`,
    );
  }
  const prefix = Number(m[5]);
  if (prefix < 16 || prefix > 28) {
    throw new PropValidationError(
      NAME,
      'cidr',
      `prefix must be between /16 and /28 (the sizes AWS allows for a VPC); received '${cidr}'.`,
    );
  }
  // Host bits set: the CDK does not reject '10.0.0.1/16', it silently builds a different network (10.1.0.0/16).
  const address = m.slice(1, 5).reduce((n, o) => n * 256 + Number(o), 0);
  const hostBits = address % 2 ** (32 - prefix);
  if (hostBits !== 0) {
    const network = address - hostBits;
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    throw new PropValidationError(
      NAME,
      'cidr',
      `must be the network address of its range, with no host bits set; received '${cidr}' (did you mean '${dotted}/${prefix}'?).`,
    );
  }
  return prefix;
}

/**
 * User data of the NAT instance: NatInstanceProviderV2.DEFAULT_USER_DATA_COMMANDS of aws-cdk-lib (the steps
 * of the Amazon VPC guide's "Create a NAT AMI" for Amazon Linux 2023), changed where they can fail or be lost:
 *
 * - the install is retried (RETRY_FUNCTION): on AL2023 a dnf run that cloud-init starts at boot can break it
 *   (aws/aws-cdk#36717), and the default runs it once and carries on without iptables;
 * - `set -euo pipefail`: a step that fails for good stops the script (logged in
 *   /var/log/cloud-init-output.log) instead of saving a half-configured table;
 * - the outbound interface comes from `ip route` (iproute, always installed) rather than `route` (net-tools);
 * - the rules are written with `iptables-save` to /etc/sysconfig/iptables, the file the iptables service of
 *   iptables-services (enabled here) restores at every boot, which is what `service iptables save` does
 *   through the legacy `service` wrapper. IP forwarding is persisted the same way: /etc/sysctl.d is applied
 *   by systemd-sysctl at every boot. So a reboot keeps the NAT working; user data itself runs only at the
 *   first boot.
 *
 * The FORWARD chain is flushed because iptables-services' default rules end it with a REJECT.
 */
function natInstanceUserData(): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    RETRY_FUNCTION,
    'retry dnf install -y iptables-services',
    'systemctl enable --now iptables',
    'echo net.ipv4.ip_forward=1 > /etc/sysctl.d/custom-ip-forwarding.conf',
    'sysctl -p /etc/sysctl.d/custom-ip-forwarding.conf',
    'iptables -t nat -A POSTROUTING -o "$(ip route show default | awk \'NR==1{print $5}\')" -j MASQUERADE',
    'iptables -F FORWARD',
    'iptables-save > /etc/sysconfig/iptables',
  );
  return userData;
}
