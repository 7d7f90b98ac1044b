import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { acknowledgeInlinePolicy } from '../core/function-acknowledgments';
import { Profile } from '../core/profile';
import { runtimeEntry } from '../core/runtime-entry';
import { SnsSqsFanout } from './sns-sqs-fanout';

/** Props of {@link SnsSqsFanoutStack}. */
export interface SnsSqsFanoutStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
}

/** The handler the demo's billing consumer runs. */
export const DEMO_CONSUMER_ENTRY = runtimeEntry(__dirname, 'consumer');

/**
 * Demo: an online shop publishes order events once; billing, shipping and analytics each get their own
 * copy in their own queue. Billing is processed by a Lambda function, shipping only receives the
 * events it acts on (filter on the message body), analytics receives every event as raw JSON.
 */
export class SnsSqsFanoutStack extends Stack {
  /** The fan-out. */
  public readonly fanout: SnsSqsFanout;

  constructor(scope: Construct, id: string, props: SnsSqsFanoutStackProps) {
    super(scope, id, {
      description: `Reference architecture: SNS -> SQS fan-out of order events (${props.profile})`,
      ...props,
    });
    const sandbox = props.profile === 'sandbox';
    // The operators' role for replaying a delivery dead-letter queue (README, "Replay the delivery
    // dead-letter queue"): the only principal besides the topic that the queue policies let send.
    const replayRole = new iam.Role(this, 'ReplayRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description:
        'Operators assume it to replay SNS delivery dead-letter queues into their subscriber queues',
    });
    this.fanout = new SnsSqsFanout(this, 'OrderEvents', {
      redriveRoles: [replayRole],
      // Sandbox: cdk destroy removes queues, keys and logs; production keeps them.
      removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      // One year in both profiles (Control Tower CT.CLOUDWATCH.PR.2); the sandbox log group is deleted
      // with the stack anyway, so the retention costs nothing extra there.
      logRetention: logs.RetentionDays.ONE_YEAR,
      subscribers: [
        {
          name: 'Billing',
          consumer: {
            entry: DEMO_CONSUMER_ENTRY,
            timeout: Duration.seconds(10),
            batchSize: 10,
            maxConcurrency: sandbox ? 2 : 10,
          },
        },
        {
          name: 'Shipping',
          // Publishers need not set message attributes: SNS reads eventType from the JSON body.
          filterPolicyWithMessageBody: {
            eventType: sns.FilterOrPolicy.filter(
              sns.SubscriptionFilter.stringFilter({ allowlist: ['OrderPlaced', 'OrderCancelled'] }),
            ),
          },
        },
        {
          name: 'Analytics',
          rawMessageDelivery: true,
          // Analytics loads in nightly batches: a day of backlog is normal, a week keeps a long weekend.
          retentionPeriod: Duration.days(7),
          oldestMessageAgeThreshold: Duration.hours(26),
        },
      ],
    });
    // What the README's "try it" reads with `aws cloudformation describe-stacks`, instead of searching
    // topics and queues by name (the alarm topic's name contains OrderEvents too).
    new CfnOutput(this, 'TopicArn', {
      description: 'Publish order events here (sns publish --topic-arn)',
      value: this.fanout.topic.topicArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Subscribe an email address here to receive the alarms',
      value: this.fanout.alarmTopic.topicArn,
    });
    for (const s of this.fanout.subscribers) s.grantReplay(replayRole);
    acknowledgeInlinePolicy(
      replayRole.node.findChild('DefaultPolicy'),
      'The CDK grants write the replay permissions (receive and delete from the delivery dead-letter queues, send ' +
        'to the subscriber queues) as an inline policy of this one role, deleted with it: the one-to-one case AWS ' +
        'recommends inline policies for.',
    );
    new CfnOutput(this, 'ReplayRoleArn', {
      description: 'Assume this role to replay a delivery dead-letter queue (README)',
      value: replayRole.roleArn,
    });
    for (const s of this.fanout.subscribers) {
      new CfnOutput(this, `${s.name}QueueUrl`, {
        description: `${s.name}: the queue SNS delivers to`,
        value: s.queue.queueUrl,
      });
      new CfnOutput(this, `${s.name}DeadLetterQueueUrl`, {
        description: `${s.name}: messages received maxReceiveCount times without being deleted`,
        value: s.deadLetterQueue.queueUrl,
      });
      new CfnOutput(this, `${s.name}DeliveryDeadLetterQueueUrl`, {
        description: `${s.name}: messages SNS could not deliver to the queue`,
        value: s.deliveryDeadLetterQueue.queueUrl,
      });
      if (s.consumer) {
        new CfnOutput(this, `${s.name}ConsumerLogGroupName`, {
          description: `${s.name}: log group of the consumer function (aws logs tail)`,
          value: s.consumer.logGroup.logGroupName,
        });
      }
    }
    // The CDK's own helper functions log into log groups of this stack (deleted with the sandbox).
    adoptCdkManagedFunctions(this, { removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN });
  }
}
