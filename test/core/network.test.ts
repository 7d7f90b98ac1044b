import { CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EncryptionKey } from '../../lib/core/encryption-key';
import { ReferenceVpc, ReferenceVpcProps } from '../../lib/core/network';
import { testApp } from '../support/app';
import { expectNagClean, nagFindings } from '../support/compliance';
import { describeRetriedBoot, runBash, userDataScript } from '../support/user-data';

function build(props: ReferenceVpcProps = {}, env?: { account: string; region: string }) {
  const stack = new Stack(testApp(), 'Net', { env });
  const network = new ReferenceVpc(stack, 'Network', props);
  return { stack, network, template: Template.fromStack(stack) };
}

describe('ReferenceVpc defaults', () => {
  let t: Template;
  let stack: Stack;
  let network: ReferenceVpc;
  beforeAll(() => {
    ({ template: t, stack, network } = build());
  });

  test('10.0.0.0/16 over 2 AZs, public + private + isolated subnets', () => {
    t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    t.resourceCountIs('AWS::EC2::Subnet', 6);
    for (const type of ['Public', 'Private', 'Isolated']) {
      t.hasResource('AWS::EC2::Subnet', {
        Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: type }]) },
      });
    }
  });

  test('one NAT gateway per AZ', () => {
    t.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  test('public subnets give no public IP on launch', () => {
    const subnets = t.findResources('AWS::EC2::Subnet');
    for (const subnet of Object.values(subnets)) {
      expect(subnet.Properties.MapPublicIpOnLaunch ?? false).toBe(false);
    }
  });

  test('flow logs of ALL traffic to a KMS-encrypted log group kept one year, retained', () => {
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    // The flow-log group is the one the flow log writes to, under the VPC's own flow-log key.
    const flowLogKey = (network.node.findChild('FlowLogKey') as EncryptionKey).key;
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      LogGroupName: stack.resolve(network.flowLogGroup.logGroupName),
    });
    expect(
      t.toJSON().Resources[stack.getLogicalId(network.flowLogGroup.node.defaultChild as CfnElement)],
    ).toEqual(
      expect.objectContaining({
        Properties: expect.objectContaining({
          RetentionInDays: 365,
          KmsKeyId: stack.resolve(flowLogKey.keyArn),
        }),
        DeletionPolicy: 'Retain',
      }),
    );
  });

  test('flow-log role uses a customer-managed policy, no inline policy', () => {
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: Match.arrayWith(['logs:CreateLogStream', 'logs:PutLogEvents']) }),
        ],
      },
    });
  });

  test('default security group restricted and S3 gateway endpoint present', () => {
    t.hasResource('Custom::VpcRestrictDefaultSG', {});
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  test('all six nag packs are clean', () => {
    expectNagClean(stack);
  });
});

describe('ReferenceVpc variants', () => {
  test('natGateways 0 builds no NAT and no private-with-egress subnets', () => {
    const { template } = build({ natGateways: 0 });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    expect(JSON.stringify(template.toJSON())).not.toContain('"Value":"Private"');
  });

  test('publicSubnets false builds an isolated-only VPC without internet gateway', () => {
    const { template } = build({ natGateways: 0, publicSubnets: false });
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
  });

  test('natInstance builds one t4g.nano NAT instance with IMDSv2 and an encrypted root volume, nag clean', () => {
    const { template, stack } = build({ natInstance: true });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Instance', 1);
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      MetadataOptions: { HttpTokens: 'required' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3' } }],
      SourceDestCheck: false,
    });
    expectNagClean(stack);
  });

  test.each(['10.0.0.0/16', '172.20.0.0/20'])(
    'the NAT instance group (VPC %s) admits all traffic from the VPC range and nothing from the internet',
    (cidr) => {
      const { network, stack, template } = build({ natInstance: true, cidr });
      const group = network.natInstanceProvider!.securityGroup;
      const sg = template.toJSON().Resources[stack.getLogicalId(group.node.defaultChild as CfnElement)];
      // OUTBOUND_ONLY alone writes no ingress: forwarded packets from the private subnets were dropped.
      expect(sg.Properties.SecurityGroupIngress).toEqual([
        {
          CidrIp: cidr,
          IpProtocol: '-1',
          Description: 'Traffic the private subnets send through the NAT instance',
        },
      ]);
      expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroupIngress'))).not.toContain(
        '0.0.0.0/0',
      );
      // The instance uses that group, and it may still reach the internet.
      template.hasResourceProperties('AWS::EC2::Instance', {
        NetworkInterfaces: [
          Match.objectLike({
            GroupSet: [
              { 'Fn::GetAtt': [stack.getLogicalId(group.node.defaultChild as CfnElement), 'GroupId'] },
            ],
          }),
        ],
      });
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }),
      ]);
    },
  );

  test('a NAT instance next to a launch template does not crash cdk-nag EC26 (acknowledged in ReferenceVpc)', () => {
    const stack = new Stack(testApp(), 'NatAndTemplate');
    new ReferenceVpc(stack, 'Network', { natInstance: true });
    new ec2.LaunchTemplate(stack, 'Template', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true }) }],
    });
    expect(() => nagFindings(stack)).not.toThrow();
    expect(nagFindings(stack).filter((f) => f.rule === 'AwsSolutions-EC26')).toEqual([]);
  });

  test('flowLogRemovalPolicy DESTROY deletes the log group and its key', () => {
    const { template } = build({ flowLogRemovalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('explicit availabilityZones allow 3 AZs in an env-agnostic stack', () => {
    const { template } = build({
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      natGateways: 1,
    });
    template.resourceCountIs('AWS::EC2::Subnet', 9);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });
});

describe('ReferenceVpc validation', () => {
  test.each([
    [{ maxAzs: 1 }, /ReferenceVpc: invalid maxAzs: must be between 2 and 16 AZs; received 1 AZs/],
    [
      { maxAzs: 3 },
      /invalid maxAzs: asks for 3 AZs but the stack knows only 2: an env-agnostic stack gets 2 AZs/,
    ],
    [{ availabilityZones: ['us-east-1a'] }, /invalid availabilityZones: .*received 1/],
    [{ cidr: '10.0.0.0/8' }, /invalid cidr: prefix must be between \/16 and \/28.*'10.0.0.0\/8'/],
    [{ cidr: '10.0.0.0/29' }, /invalid cidr: prefix must be between \/16 and \/28/],
    [{ cidr: 'ten' }, /invalid cidr: must be an IPv4 CIDR like '10.0.0.0\/16'; received 'ten'/],
    [{ cidr: '10.0.0.0/26' }, /invalid cidr: '10.0.0.0\/26' is too small for 6 subnets.*\/29/],
    [{ natGateways: 3 }, /invalid natGateways: must be between 0 and 2 NAT devices; received 3/],
    [{ natInstance: true, natGateways: 0 }, /invalid natInstance: is true but natGateways is 0/],
    [{ publicSubnets: false }, /invalid publicSubnets: is false but natGateways is 2/],
  ] as [ReferenceVpcProps, RegExp][])('%j is rejected', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('the CIDR must leave /28 or larger subnets', () => {
    expect(() => build({ cidr: '10.0.0.0/27', natGateways: 0, publicSubnets: false })).not.toThrow();
    expect(() => build({ cidr: '10.0.0.0/28', natGateways: 0, publicSubnets: false })).toThrow(
      /too small for 2 subnets/,
    );
  });

  test('maxAzs 3 works when the stack has an account and region (lookup context)', () => {
    const app = testApp({
      'availability-zones:account=111111111111:region=us-east-1': ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    });
    const stack = new Stack(app, 'Env', { env: { account: '111111111111', region: 'us-east-1' } });
    new ReferenceVpc(stack, 'Network', { maxAzs: 3, natGateways: 1 });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::Subnet', 9);
  });
});

let natScript: string | undefined;
/** The NAT instance's user data (one synth, shared by the tests below). */
function natUserData(): string {
  if (natScript === undefined) {
    const { template } = build({ natInstance: true });
    const instance = Object.values(template.findResources('AWS::EC2::Instance'))[0];
    natScript = userDataScript((instance.Properties.UserData as { 'Fn::Base64': unknown })['Fn::Base64']);
  }
  return natScript;
}

describe('NAT instance user data', () => {
  let script: string;
  beforeAll(() => {
    script = natUserData();
  });

  test('aws-cdk-lib default steps, ending with the rules and forwarding saved for the next boot', () => {
    expect(script.split('\n')).toEqual([
      '#!/bin/bash',
      'set -euo pipefail',
      expect.stringMatching(/^retry\(\)/),
      'retry dnf install -y iptables-services',
      // iptables.service restores /etc/sysconfig/iptables at every boot.
      'systemctl enable --now iptables',
      // systemd-sysctl applies /etc/sysctl.d at every boot.
      'echo net.ipv4.ip_forward=1 > /etc/sysctl.d/custom-ip-forwarding.conf',
      'sysctl -p /etc/sysctl.d/custom-ip-forwarding.conf',
      `iptables -t nat -A POSTROUTING -o "$(ip route show default | awk 'NR==1{print $5}')" -j MASQUERADE`,
      // iptables-services' default rules end FORWARD with a REJECT.
      'iptables -F FORWARD',
      // The file the iptables service reads; what `service iptables save` writes.
      'iptables-save > /etc/sysconfig/iptables',
    ]);
    // Every step of aws-cdk-lib's defaults has its counterpart (a new default upstream fails this test).
    const counterpart: Record<string, string> = {
      'yum install iptables-services -y': 'retry dnf install -y iptables-services',
      'systemctl enable iptables': 'systemctl enable --now iptables',
      'systemctl start iptables': 'systemctl enable --now iptables',
      'echo "net.ipv4.ip_forward=1" > /etc/sysctl.d/custom-ip-forwarding.conf':
        'echo net.ipv4.ip_forward=1 > /etc/sysctl.d/custom-ip-forwarding.conf',
      'sudo sysctl -p /etc/sysctl.d/custom-ip-forwarding.conf':
        'sysctl -p /etc/sysctl.d/custom-ip-forwarding.conf',
      "sudo /sbin/iptables -t nat -A POSTROUTING -o $(route | awk '/^default/{print $NF}') -j MASQUERADE":
        'iptables -t nat -A POSTROUTING -o',
      'sudo /sbin/iptables -F FORWARD': 'iptables -F FORWARD',
      'sudo service iptables save': 'iptables-save > /etc/sysconfig/iptables',
    };
    expect(ec2.NatInstanceProviderV2.DEFAULT_USER_DATA_COMMANDS).toEqual(Object.keys(counterpart));
    for (const ours of Object.values(counterpart)) expect(script).toContain(ours);
  });

  test('the outbound interface expression picks the default route device', () => {
    const r = runBash(
      'ip(){ printf "default via 10.0.0.1 dev ens5 proto dhcp src 10.0.0.9 metric 512\\ndefault via 10.0.1.1 dev ens6\\n"; }',
      `echo "$(ip route show default | awk 'NR==1{print $5}')"`,
    );
    expect(r).toMatchObject({ status: 0, stdout: 'ens5\n' });
  });
});

describeRetriedBoot('NAT instance user data', natUserData);
