import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { ReferenceVpc } from '../core/network';
import { Profile } from '../core/profile';
import { SnsSqsFanout } from '../sns-sqs-fanout/sns-sqs-fanout';
import { QueueWorkerFleet } from './queue-worker-fleet';

/** Props of {@link QueueWorkersStack}. */
export interface QueueWorkersStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
}

/** How long one fulfilment job may run in the demo. */
const JOB_TIMEOUT = Duration.minutes(10);

/**
 * Demo: orders published to an SNS topic reach a `Fulfilment` queue (one subscriber of the fan-out
 * pattern, 004 L679-739), and a fleet of EC2 workers, scaled on that queue's backlog and idle at zero
 * instances, writes a receipt per order. Urgent orders go to the fleet's priority queue directly.
 */
export class QueueWorkersStack extends Stack {
  /** The order topic and its Fulfilment subscriber queue. */
  public readonly orders: SnsSqsFanout;
  /** The worker fleet. */
  public readonly workers: QueueWorkerFleet;

  constructor(scope: Construct, id: string, props: QueueWorkersStackProps) {
    super(scope, id, {
      description: `Reference architecture: EC2 worker fleet scaled on an SQS backlog (${props.profile})`,
      ...props,
    });
    const sandbox = props.profile === 'sandbox';
    const removalPolicy = sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    // Private subnets with egress: the workers reach SQS, S3, Auto Scaling and the package repositories
    // through a NAT device (an instance in the sandbox, gateways in production), nothing reaches them.
    const network = new ReferenceVpc(this, 'Network', {
      maxAzs: 2,
      natGateways: sandbox ? 1 : 2,
      natInstance: sandbox,
      flowLogRemovalPolicy: removalPolicy,
    });
    this.orders = new SnsSqsFanout(this, 'Orders', {
      removalPolicy,
      logRetention: logs.RetentionDays.ONE_YEAR,
      subscribers: [
        {
          name: 'Fulfilment',
          rawMessageDelivery: true,
          // At least the job timeout (the fleet checks): a message never reappears while its job may run.
          visibilityTimeout: JOB_TIMEOUT.plus(Duration.minutes(1)),
        },
      ],
    });
    const fulfilment = this.orders.subscriber('Fulfilment');
    this.workers = new QueueWorkerFleet(this, 'Workers', {
      vpc: network.vpc,
      queue: fulfilment.queue,
      createPriorityQueue: true,
      jobTimeout: JOB_TIMEOUT,
      // Idle at zero in both profiles: the first order starts an instance (a few minutes' delay).
      minCapacity: 0,
      maxCapacity: sandbox ? 2 : 10,
      instanceType: ec2.InstanceType.of(
        ec2.InstanceClass.T4G,
        sandbox ? ec2.InstanceSize.MICRO : ec2.InstanceSize.SMALL,
      ),
      removalPolicy,
      alarmTopic: this.orders.alarmTopic,
    });
    // What the README's "try it" reads.
    new CfnOutput(this, 'TopicArn', {
      description: 'Publish orders here',
      value: this.orders.topic.topicArn,
    });
    new CfnOutput(this, 'PriorityQueueUrl', {
      description: 'Send urgent orders here: the workers drain it first',
      value: this.workers.priorityQueue!.queueUrl,
    });
    new CfnOutput(this, 'FulfilmentQueueUrl', { value: fulfilment.queue.queueUrl });
    new CfnOutput(this, 'ResultsBucketName', { value: this.workers.resultsBucket.bucketName });
    new CfnOutput(this, 'AutoScalingGroupName', {
      value: this.workers.autoScalingGroup.autoScalingGroupName,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.orders.alarmTopic.topicArn });
    adoptCdkManagedFunctions(this, { removalPolicy });
  }
}
