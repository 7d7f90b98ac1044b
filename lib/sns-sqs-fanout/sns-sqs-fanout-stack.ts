import * as path from 'path';
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeCdkManagedFunctions } from '../core/cdk-managed-functions';
import { Profile } from '../core/profile';
import { SnsSqsFanout } from './sns-sqs-fanout';

/** Props of {@link SnsSqsFanoutStack}. */
export interface SnsSqsFanoutStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
}

/** The handler the demo's billing consumer runs. */
export const DEMO_CONSUMER_ENTRY = path.join(__dirname, 'runtime', 'consumer.ts');

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
    this.fanout = new SnsSqsFanout(this, 'OrderEvents', {
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
    acknowledgeCdkManagedFunctions(this);
  }
}
