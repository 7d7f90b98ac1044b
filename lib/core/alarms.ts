import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EncryptionKey } from './encryption-key';
import { allowAlarmNotifications } from './service-grants';

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /**
   * Email addresses subscribed to the topic. Each must confirm the subscription (AWS sends a
   * confirmation email) before alarms reach it.
   * @default - no subscription: subscribe a person, a chat integration or a pager after deploying
   */
  readonly emailAddresses?: string[];
  /**
   * What happens to the topic's KMS key when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

/**
 * The SNS topic alarms notify. Encrypted with its own key and TLS-only. CloudWatch alarms of this
 * account and Region may publish to it and use its key: the TLS-only topic policy replaces SNS's
 * default policy, and without those two statements every alarm notification is lost.
 */
export class AlarmTopic extends Construct {
  /** The topic alarm actions publish to. */
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    const key = new EncryptionKey(this, 'Key', {
      description: `Encrypts the alarm topic ${this.node.path}`,
      removalPolicy: props.keyRemovalPolicy,
    });
    this.topic = new sns.Topic(this, 'Resource', { masterKey: key.key, enforceSSL: true });
    allowAlarmNotifications(this.topic);
    for (const email of props.emailAddresses ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}

/**
 * Sends an alarm to a topic both when it fires and when it recovers, so whoever is paged also learns
 * that the problem is over (Control Tower CT.CLOUDWATCH.PR.1 wants an alarm action). Makes sure the
 * topic lets CloudWatch alarms publish (once per topic); a topic of another app gets a synth warning
 * on the alarm's parent instead, with the statement its owner must add.
 */
export function notify(alarm: cloudwatch.Alarm, topic: sns.ITopic): cloudwatch.Alarm {
  allowAlarmNotifications(topic, alarm.node.scope ?? alarm);
  const action = new actions.SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/**
 * An alarm, routed to `topic`, as soon as one message waits in `queue` (the highest count of the minute):
 * for queues that should stay empty, dead-letter and failure queues, where one message is one failure.
 */
export function queueNotEmptyAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  description: string,
  topic: sns.ITopic,
): cloudwatch.Alarm {
  return notify(
    new cloudwatch.Alarm(scope, id, {
      alarmDescription: description,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    topic,
  );
}
