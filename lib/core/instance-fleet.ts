// What the EC2 fleets of the patterns (the three-tier app tier, the queue workers) share.
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge, guardRule } from './acknowledge';

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
