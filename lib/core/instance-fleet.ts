// What the EC2 fleets of the patterns (the three-tier app tier, the queue workers) share.
import * as path from 'path';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { acknowledge, guardRule } from './acknowledge';
import { bundledNodejsDirectory } from './bundled-code';

/** Props of {@link hardenedLaunchTemplate}. */
export interface HardenedLaunchTemplateProps {
  /** The instances' type; its architecture picks the x86_64 or arm64 image. */
  readonly instanceType: ec2.InstanceType;
  /** Given to the template without policy updates: its policies are customer-managed, attached by the caller. */
  readonly role: iam.Role;
  /** The instances' security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The boot script. */
  readonly userData: ec2.UserData;
}

/**
 * The launch template of a fleet: the latest Amazon Linux 2023 image for the instance type's architecture
 * (from the public SSM parameter at deploy time, 000 L916: every deploy picks up the latest patched AMI),
 * IMDSv2 only with one hop (no container on the instance can reach the role's credentials), detailed
 * monitoring, an encrypted 8 GB gp3 root volume deleted with the instance (stateless instances: state lives
 * in the database, the queues or S3), and no key pair: administrators connect with Session Manager
 * (004 L1001-1003). The construct id is `LaunchTemplate` under `scope`.
 */
export function hardenedLaunchTemplate(
  scope: Construct,
  props: HardenedLaunchTemplateProps,
): ec2.LaunchTemplate {
  return new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
    machineImage: ec2.MachineImage.latestAmazonLinux2023({
      cpuType:
        props.instanceType.architecture === ec2.InstanceArchitecture.ARM_64
          ? ec2.AmazonLinuxCpuType.ARM_64
          : ec2.AmazonLinuxCpuType.X86_64,
    }),
    instanceType: props.instanceType,
    role: props.role.withoutPolicyUpdates(),
    securityGroup: props.securityGroup,
    userData: props.userData,
    requireImdsv2: true,
    httpPutResponseHopLimit: 1,
    detailedMonitoring: true,
    blockDevices: [
      {
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(8, {
          encrypted: true,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      },
    ],
  });
}

/**
 * A Node.js program for the instances: `entry` and everything it imports, the AWS SDK clients included (no
 * runtime provides them on EC2), bundled by esbuild into one file, an S3 asset the boot script downloads
 * ({@link installProgramCommands}). No npm install on the instance, and the bytes that run are the ones the
 * tests ran.
 */
export function nodejsProgramAsset(
  scope: Construct,
  id: string,
  entry: string,
  nodejsMajorVersion: number,
): s3assets.Asset {
  return new s3assets.Asset(scope, id, {
    path: path.join(
      bundledNodejsDirectory(entry, `nodejs${nodejsMajorVersion}.x`, { bundleAwsSdk: true }),
      'index.js',
    ),
  });
}

/** Lets the instances download `program` at boot: `s3:GetObject` on that object of the asset bucket only. */
export function programDownloadStatement(program: s3assets.Asset): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['s3:GetObject'],
    resources: [program.bucket.arnForObjects(program.s3ObjectKey)],
  });
}

/** Where {@link installProgramCommands} puts a program. */
export interface ProgramInstall {
  /** The system user the service runs as (no login shell); its home is `dir`. */
  readonly user: string;
  /** The folder of the program, owned by root. */
  readonly dir: string;
  /** File name of the program in `dir`. */
  readonly file: string;
  /** The program ({@link nodejsProgramAsset}). */
  readonly program: s3assets.Asset;
  /** The Region of the asset bucket (the stack's). */
  readonly region: string;
}

/**
 * Boot lines: a system user, its folder, and the program downloaded into it through `retry`
 * (lib/core/boot-retry.ts, which the script must define first).
 */
export function installProgramCommands(o: ProgramInstall): string[] {
  return [
    `useradd --system --home-dir ${o.dir} --shell /sbin/nologin ${o.user}`,
    `mkdir -p ${o.dir}`,
    `retry aws s3 cp s3://${o.program.s3BucketName}/${o.program.s3ObjectKey} ${o.dir}/${o.file} --region ${o.region}`,
  ];
}

/** Boot lines: an IMDSv2 session token into `$TOKEN`, then the instance id into `$INSTANCE_ID`, retried. */
export const INSTANCE_ID_COMMANDS: readonly string[] = [
  "TOKEN=$(retry curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
  'INSTANCE_ID=$(retry curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)',
];

/**
 * The `[Service]` settings that confine a fleet's program: no privilege gain, a read-only system, no home
 * folders, its own /tmp.
 */
export const SYSTEMD_SERVICE_HARDENING: readonly string[] = [
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'PrivateTmp=yes',
];

/**
 * Session Manager alone (004 L1001-1003) for the instances of `role`: the five actions AWS documents as
 * the minimum an instance needs, instead of the AWS managed AmazonSSMManagedInstanceCore, whose
 * ssm:GetParameter(s) on "*" would let a compromised instance read every parameter of the Region (and
 * which adds documents, associations, inventory and patching the patterns do not use). A customer-managed
 * policy (construct id `SessionManagerPolicy` under `scope`), not an inline one (IAMNoInlinePolicy).
 */
export function sessionManagerPolicy(scope: Construct, role: iam.IRole): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(scope, 'SessionManagerPolicy', {
    description:
      'Session Manager: the SSM Agent registers the instance and opens session channels, nothing else',
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        actions: [
          'ssm:UpdateInstanceInformation',
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
        ],
        resources: ['*'],
      }),
    ],
  });
  acknowledge(policy, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'The ssmmessages actions (the Session Manager channels) support no resource type, only "*", and ' +
      'ssm:UpdateInstanceInformation (the agent\'s heartbeat) is granted on "*" as AWS\'s minimal Session Manager ' +
      'instance policy writes it; AWS documents these five actions as that policy. They read no parameter, ' +
      'document or data.',
  });
  return policy;
}

/**
 * The two Control Tower guard rules a VPC-placed Auto Scaling group with one instance type meets in
 * substance but not in the form the rules read.
 */
export function acknowledgeVpcAutoScalingGroup(group: autoscaling.AutoScalingGroup): void {
  acknowledge(group, {
    id: guardRule('autoscaling_multiple_az_check'),
    reason:
      'The group is placed in private subnets of two AZs (VPCZoneIdentifier); the rule only reads the ' +
      'AvailabilityZones list, which a VPC-placed group does not write.',
  });
  acknowledge(group, {
    id: guardRule('autoscaling_mixed_instances_policy_multiple_instance_types_check'),
    reason:
      'The group launches one instance type from its launch template. A mixed instances policy with fallback types ' +
      'would hide the launch template from the cdk-nag EC26/IMDSv2 rules (they cannot read it there) and pull in ' +
      'Nitro in-transit encryption rules that burstable t4g types cannot meet; a learner sees one clear template.',
  });
}
