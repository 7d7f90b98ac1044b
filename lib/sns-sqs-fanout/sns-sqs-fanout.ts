import { Duration, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../core/acknowledge';
import {
  acknowledgeInlinePolicy,
  acknowledgeNoFunctionDlq,
  acknowledgeNoReservedConcurrency,
  acknowledgeOutsideVpc,
  acknowledgeXrayWildcard,
} from '../core/function-acknowledgments';
import { AlarmTopic, notify, queueNotEmptyAlarm } from '../core/alarms';
import { EncryptionKey } from '../core/encryption-key';
import { allowCloudWatchLogs } from '../core/service-grants';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validateLogRetention,
  validatePattern,
  validateRetainOrDestroy,
  validateWholeDuration,
} from '../core/errors';
import { bundledNodejsCode, validateHandlerEntry } from '../core/bundled-code';

const CONSTRUCT = 'SnsSqsFanout';

/** CloudFormation quota: resources per stack. */
export const MAX_STACK_RESOURCES = 500;

/**
 * CloudFormation resources one subscriber adds: queue, dead-letter queue, SNS delivery dead-letter
 * queue, their three queue policies, the subscription, and three alarms.
 */
export const RESOURCES_PER_SUBSCRIBER = 10;
/**
 * Extra resources of a subscriber with a Lambda consumer: function, role, role policy, log group,
 * event source mapping and the function's errors alarm.
 */
export const RESOURCES_PER_CONSUMER = 6;

/** The Lambda consumer of one subscriber's queue. */
export interface FanoutConsumerProps {
  /** Path of the TypeScript (or JavaScript) file with the handler, bundled by esbuild. */
  readonly entry: string;
  /**
   * Exported function name in `entry`.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * Function timeout. The queue's visibility timeout must be at least 6x this (AWS guidance for SQS
   * event sources: a message must not reappear while a retry of the batch is still running).
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MiB (CPU grows with memory).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Messages per invocation. FIFO queues and batches without a batching window allow 1-10 (one
   * receive returns at most 10, 002 L1269); standard queues with `maxBatchingWindow` allow up to 10,000.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers messages before invoking (standard queues only).
   * @default - none: invoke as soon as messages arrive
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Upper bound on concurrent invocations from this queue (2-1000). Caps the load the consumer puts on
   * what it calls, without reserving account concurrency.
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * Environment variables of the function.
   * @default - none
   */
  readonly environment?: { [key: string]: string };
}

/** One consumer of the topic: its queue, dead-letter queues, filter and optional Lambda consumer. */
export interface FanoutSubscriberProps {
  /**
   * Construct id and alarm name part, e.g. `Billing`: letters and digits, starting with a letter, at
   * most 40, unique among the subscribers.
   */
  readonly name: string;
  /**
   * SNS filter policy on message attributes: the queue only receives messages that match.
   * @default - every message (unless `filterPolicyWithMessageBody` is set)
   */
  readonly filterPolicy?: { [attribute: string]: sns.SubscriptionFilter };
  /**
   * SNS filter policy on the JSON message body (publishers need not set attributes).
   * Only one of `filterPolicy` and `filterPolicyWithMessageBody`.
   * @default - every message (unless `filterPolicy` is set)
   */
  readonly filterPolicyWithMessageBody?: { [attribute: string]: sns.FilterOrPolicy };
  /**
   * Deliver the published text as the SQS body instead of wrapping it in the SNS JSON envelope.
   * Without it SQS receives the envelope (004 L793); the shipped consumer handler reads both.
   * @default false
   */
  readonly rawMessageDelivery?: boolean;
  /**
   * How long the queue keeps a message (SQS: 1 minute to 14 days, 000 L18-19). The default is the
   * SQS default.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long the dead-letter queues keep a message; the default is the SQS maximum (004 L839). For a
   * standard queue it must be longer than `retentionPeriod`: SQS keeps the original enqueue time when
   * it moves a message (000 L51).
   * @default Duration.days(14)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * How long a received message stays hidden from other consumers (0 s to 12 h, 000 L23). 30 s is
   * the SQS default; 12 h is the maximum, not the default the notes give (004 L705).
   * @default Duration.seconds(30), or 6x the consumer timeout when a Lambda consumer is set and that is longer
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Long polling wait (0-20 s, 004 L722-725): one call waits for messages instead of tight polling,
   * so fewer receives come back empty.
   * @default Duration.seconds(20)
   */
  readonly receiveMessageWaitTime?: Duration;
  /**
   * Delay before a new message becomes visible: a delay queue (0-15 minutes, 003 L1634-1637).
   * @default Duration.seconds(0)
   */
  readonly deliveryDelay?: Duration;
  /**
   * Receives before SQS moves a message to the dead-letter queue (1-1000, 000 L26-27, L50).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Whether this subscriber's queue is FIFO. Must match the topic: a standard topic cannot deliver to
   * a FIFO queue, and this construct keeps FIFO topics to FIFO queues so ordering is never lost silently:
   * any FIFO/standard mix is an error.
   * @default - the topic's `fifo`
   */
  readonly fifo?: boolean;
  /**
   * Alarm when the oldest message in the queue is older than this (consumers stalled or too slow).
   * Must be shorter than `retentionPeriod`, or messages expire before anyone is told.
   * @default Duration.minutes(15)
   */
  readonly oldestMessageAgeThreshold?: Duration;
  /**
   * A Lambda function that consumes the queue with partial batch responses.
   * @default - no consumer: the application polls the queue itself
   */
  readonly consumer?: FanoutConsumerProps;
}

/** Props of {@link SnsSqsFanout}. */
export interface SnsSqsFanoutProps {
  /**
   * The consumers of the topic, one queue each (at least one: a fan-out with no queue delivers nowhere,
   * 004 L726-727).
   */
  readonly subscribers: FanoutSubscriberProps[];
  /**
   * FIFO topic (strict order per message group, deduplication) feeding FIFO queues, at lower
   * throughput than a standard topic (000 L34-49).
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * FIFO only: deduplicate on a SHA-256 of the body within 5 minutes (000 L41) when publishers send
   * no deduplication id.
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;
  /**
   * Customer-managed key of the topic: a key of your own controls who may publish and decrypt.
   * The default key rotates yearly and carries the Control Tower `kms:CreateGrant` deny.
   * @default - a new {@link EncryptionKey} with `removalPolicy`
   */
  readonly topicEncryptionKey?: kms.IKey;
  /**
   * Customer-managed key for all queues. Must not be the topic's key (see README: circular dependency).
   * @default - SQS-managed server-side encryption (SSE-SQS, written out as `SqsManagedSseEnabled: true`), no key to manage
   */
  readonly queueEncryptionKey?: kms.IKey;
  /**
   * Set to true only when `queueEncryptionKey` is a key this stack does not own (imported with
   * `Key.fromKeyArn`, `fromLookup` or an imported alias) AND its key policy already admits SNS for this
   * topic. The construct cannot change such a key's policy: the SNS grant it would add is silently dropped,
   * SNS cannot encrypt into the queues and every delivery fails, and the delivery dead-letter queue that
   * should catch the failures uses the same key, so nothing is kept and no alarm can fire. So an imported
   * queue key is an error unless this is true. The statement the key owner adds:
   * `{ "Effect": "Allow", "Principal": { "Service": "sns.amazonaws.com" }, "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
   * "Resource": "*", "Condition": { "ArnEquals": { "aws:SourceArn": "<topic ARN>" } } }`.
   * Ignored for a key created in this app (the construct adds that statement itself).
   * @default false
   */
  readonly queueKeyAdmitsSns?: boolean;
  /**
   * Topic the alarms notify: someone must be told when messages pile up or fail.
   * @default - a new {@link AlarmTopic}
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * What happens to queues, keys and log groups when they leave the stack. The queues may hold
   * unprocessed messages, so the default keeps them; the sandbox demo passes DESTROY.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the consumers' log groups (Control Tower CT.CLOUDWATCH.PR.2 asks for at least a year).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Roles that may still send to the subscriber queues directly. The queue policies deny
   * `sqs:SendMessage` to every request that does not come from this topic, including principals of
   * this account whose own IAM policies allow it. A dead-letter queue redrive back into its queue
   * (`StartMessageMoveTask`) sends with the permissions of whoever started it, so list the operators'
   * role here; it still needs `sqs:SendMessage` on the queue in its own policy. The same goes for replaying
   * an SNS delivery dead-letter queue into its queue (the move task does not take those):
   * `FanoutSubscriber.grantReplay(role)` grants exactly that to a role listed here.
   * @default - none: only the topic may send
   */
  readonly redriveRoles?: iam.IRole[];
}

/** What a {@link FanoutSubscriber} takes from its fan-out. */
interface SubscriberContext {
  readonly topic: sns.Topic;
  readonly fifo: boolean;
  readonly queueKey?: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly alarmTopic: sns.ITopic;
  readonly logKey?: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
  readonly redriveRoles: iam.IRole[];
}

/** Everything built for one subscriber (construct id: the subscriber's name). */
export class FanoutSubscriber extends Construct {
  /** The subscriber's name from the props. */
  public readonly name: string;
  /** The queue SNS delivers to. */
  public readonly queue: sqs.Queue;
  /** Where SQS moves messages received `maxReceiveCount` times without being deleted. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Where SNS puts messages it could not deliver to the queue (subscription redrive policy). */
  public readonly deliveryDeadLetterQueue: sqs.Queue;
  /** The Lambda consumer, when one was asked for. */
  public readonly consumer?: lambda.Function;
  /**
   * The alarms of this subscriber: oldest message age, dead-letter queue, delivery dead-letter queue,
   * and, with a Lambda consumer, the consumer's errors.
   */
  public readonly alarms: cloudwatch.Alarm[];
  private readonly redriveRoles: iam.IRole[];

  /** @internal use {@link SnsSqsFanout}: it validates the props first. */
  constructor(scope: Construct, s: FanoutSubscriberProps, ctx: SubscriberContext) {
    super(scope, s.name);
    this.name = s.name;
    this.redriveRoles = ctx.redriveRoles;
    const { fifo, queueKey, removalPolicy } = ctx;
    // SSE-SQS by default, written out as SqsManagedSseEnabled: true (Control Tower reads the template
    // literally). A customer key for the queues must be a different key from the topic's: SNS needs the
    // queue key's policy to name the topic (aws:SourceArn) while the topic names its key, so one shared
    // key makes topic -> key -> topic, a circular dependency CloudFormation rejects (F3004).
    const encryption: Pick<sqs.QueueProps, 'encryption' | 'encryptionMasterKey'> = queueKey
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: queueKey }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED };
    const fifoName = (child: string): Pick<sqs.QueueProps, 'fifo' | 'queueName'> =>
      fifo
        ? {
            fifo: true,
            // FIFO queue names must end in '.fifo' (000 L37); CloudFormation's generated names can pass
            // SQS's 80-character limit, so write a unique one.
            queueName: `${Names.uniqueResourceName(this, { maxLength: 70 - child.length, separator: '-' })}-${child}.fifo`,
          }
        : {};
    const dlqRetention = s.deadLetterRetentionPeriod ?? Duration.days(14);
    const dlqProps: sqs.QueueProps = {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: dlqRetention,
      removalPolicy,
      // Marks the queue as a dead-letter queue for Control Tower (sqs_dlq_check). allowAll instead of
      // byQueue: naming the source queue here while the source names this queue in its RedrivePolicy is
      // a circular dependency.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    };
    const dlq = new sqs.Queue(this, 'DeadLetterQueue', { ...dlqProps, ...fifoName('dlq') });
    const deliveryDlq = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
      ...dlqProps,
      ...fifoName('delivery-dlq'),
    });

    const consumerTimeout = s.consumer ? (s.consumer.timeout ?? Duration.seconds(10)) : undefined;
    const visibilityTimeout =
      s.visibilityTimeout ??
      (consumerTimeout && consumerTimeout.toSeconds() * 6 > 30
        ? Duration.seconds(consumerTimeout.toSeconds() * 6)
        : Duration.seconds(30));
    const queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      ...fifoName('queue'),
      enforceSSL: true,
      retentionPeriod: s.retentionPeriod ?? Duration.days(4),
      visibilityTimeout,
      receiveMessageWaitTime: s.receiveMessageWaitTime ?? Duration.seconds(20),
      deliveryDelay: s.deliveryDelay,
      deadLetterQueue: { queue: dlq, maxReceiveCount: s.maxReceiveCount ?? 5 },
      removalPolicy,
    });
    for (const q of [queue, dlq, deliveryDlq]) {
      // The L2 leaves the property out for SSE-SQS (it is the service default); Control Tower's
      // sqs_queue_encrypted_check only accepts it written out.
      if (!queueKey) (q.node.defaultChild as sqs.CfnQueue).sqsManagedSseEnabled = true;
    }

    // The L2 subscription adds the queue policy: sqs:SendMessage for sns.amazonaws.com only when
    // aws:SourceArn is this topic (confused-deputy protection), and the same on the delivery DLQ.
    ctx.topic.addSubscription(
      new subscriptions.SqsSubscription(queue, {
        rawMessageDelivery: s.rawMessageDelivery,
        filterPolicy: s.filterPolicy,
        filterPolicyWithMessageBody: s.filterPolicyWithMessageBody,
        deadLetterQueue: deliveryDlq,
      }),
    );
    // That Allow does not stop a principal of this account whose own IAM policy allows
    // sqs:SendMessage: same-account access needs an Allow in either policy, not both. Only an explicit
    // Deny does. It is the exact complement of the Allow's condition: a negated condition operator
    // matches when the key is absent, and only AWS services set aws:SourceArn (a caller cannot), so
    // every IAM user and role is denied, as is any other service or topic; SNS delivering for this
    // topic is not. It denies sqs:SendMessage only: an administrator can still change or remove the
    // policy (SetQueueAttributes, or a CloudFormation update).
    for (const q of [queue, deliveryDlq]) {
      q.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenySendUnlessFromTopic',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['sqs:SendMessage'],
          resources: [q.queueArn],
          conditions: {
            ArnNotEquals: {
              'aws:SourceArn': ctx.topic.topicArn,
              ...(ctx.redriveRoles.length > 0
                ? { 'aws:PrincipalArn': ctx.redriveRoles.map((r) => r.roleArn) }
                : {}),
            },
          },
        }),
      );
    }
    const endOfLine =
      'This queue is already a dead-letter queue (of the subscriber queue, or of the SNS subscription through its ' +
      'redrive policy) and keeps each message 14 days for a person or a redrive to act on; a dead-letter queue ' +
      'behind it would only move the same messages one queue further.';
    for (const q of [dlq, deliveryDlq])
      acknowledge(q, { id: 'Serverless-SQSRedrivePolicy', reason: endOfLine });
    acknowledge(deliveryDlq, { id: 'AwsSolutions-SQS3', reason: endOfLine });

    this.queue = queue;
    this.deadLetterQueue = dlq;
    this.deliveryDeadLetterQueue = deliveryDlq;

    const threshold = s.oldestMessageAgeThreshold ?? Duration.minutes(15);
    this.alarms = [
      notify(
        new cloudwatch.Alarm(this, 'OldestMessageAgeAlarm', {
          alarmDescription: `${s.name}: the oldest message has waited more than ${threshold.toHumanString()}; the consumer is stopped or too slow.`,
          metric: queue.metricApproximateAgeOfOldestMessage({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: threshold.toSeconds(),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        ctx.alarmTopic,
      ),
      queueNotEmptyAlarm(
        this,
        'DeadLetterQueueAlarm',
        dlq,
        `${s.name}: messages failed ${s.maxReceiveCount ?? 5} times and wait in the dead-letter queue.`,
        ctx.alarmTopic,
      ),
      queueNotEmptyAlarm(
        this,
        'DeliveryDeadLetterQueueAlarm',
        deliveryDlq,
        `${s.name}: SNS could not deliver messages to the queue (policy, key or deleted queue); they wait in the delivery dead-letter queue.`,
        ctx.alarmTopic,
      ),
    ];

    if (s.consumer && consumerTimeout) {
      this.consumer = this.addConsumer(s.consumer, consumerTimeout, ctx);
      // A record the handler reports as failed is not an Error; an Error is a crash, a timeout or an
      // out-of-memory, which fails the whole batch. The DLQ alarm fires only after maxReceiveCount
      // such retries; this one fires on the first.
      this.alarms.push(
        notify(
          new cloudwatch.Alarm(this, 'ConsumerErrorsAlarm', {
            alarmDescription: `${s.name}: the consumer function failed whole batches (crash, timeout or out of memory); its messages will be retried and may reach the dead-letter queue.`,
            metric: this.consumer.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
            threshold: 0,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
          ctx.alarmTopic,
        ),
      );
    }
  }

  /**
   * Lets a role replay this subscriber's SNS delivery dead-letter queue into its queue (README, "Replay
   * the delivery dead-letter queue"): receive and delete from the delivery DLQ, send to the queue (and use
   * the queue key, if any). SQS's message move task does not take a DLQ fed by an SNS subscription, and
   * republishing to the topic would give every other subscriber a second copy, so a replay sends to the
   * queue directly. The role must be one of the fan-out's `redriveRoles`: the queue policy's
   * DenySendUnlessFromTopic refuses every other sender, whatever its own policy allows.
   */
  public grantReplay(role: iam.IRole): iam.Grant {
    if (!this.redriveRoles.includes(role)) {
      throw new Error(
        `${CONSTRUCT}: grantReplay(${role.node.path}) on subscriber '${this.name}': the role is not in the fan-out's ` +
          'redriveRoles, so the queue policy (DenySendUnlessFromTopic) would refuse its sends whatever this grant says. ' +
          'Pass it in redriveRoles too.',
      );
    }
    return this.queue
      .grantSendMessages(role)
      .combine(this.deliveryDeadLetterQueue.grantConsumeMessages(role));
  }

  private addConsumer(c: FanoutConsumerProps, timeout: Duration, ctx: SubscriberContext): lambda.Function {
    const queue = this.queue;
    const logGroup = new logs.LogGroup(this, 'ConsumerLogs', {
      encryptionKey: ctx.logKey,
      retention: ctx.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: ctx.removalPolicy,
    });
    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy (AwsSolutions-IAM4).
    const role = new iam.Role(this, 'ConsumerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the queue consumer of ${this.node.path}`,
    });
    logGroup.grantWrite(role);
    const runtime = lambda.Runtime.NODEJS_24_X;
    const fn = new lambda.Function(this, 'Consumer', {
      code: bundledNodejsCode(CONSTRUCT, 'consumer.entry', c.entry, runtime),
      handler: `index.${c.handler ?? 'handler'}`,
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: c.memorySize ?? 256,
      timeout,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      environment: c.environment,
      description: `Consumes the queue of ${this.node.path}, reporting failed messages one by one`,
    });
    // ReceiveMessage, DeleteMessage, ChangeMessageVisibility, GetQueueAttributes (+ kms:Decrypt with a key).
    const eventSource = new sources.SqsEventSource(queue, {
      batchSize: c.batchSize ?? 10,
      maxBatchingWindow: c.maxBatchingWindow,
      maxConcurrency: c.maxConcurrency ?? 5,
      reportBatchItemFailures: true,
    });
    fn.addEventSource(eventSource);
    const mapping = fn.node.findChild(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`);
    acknowledge(mapping, {
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings take no on-failure destination (only stream and Kafka sources do); a message ' +
        'that keeps failing returns to the queue and the queue redrive policy moves it to the dead-letter queue.',
    });
    const outsideVpc =
      'The consumer only reads its SQS queue and writes logs and traces, all AWS APIs; inside a VPC it would need ' +
      'a NAT gateway or interface endpoints (hourly cost) and there is no private resource for it to reach.';
    const queueIsDlq =
      'The function is invoked by an SQS event source mapping, not asynchronously: a failed message goes back to ' +
      'the queue and, after maxReceiveCount receives, to the queue dead-letter queue. A function DLQ would never be used.';
    const concurrency =
      'Concurrency is capped on the event source mapping (maxConcurrency), the SQS-specific limit; reserved ' +
      'concurrency would take capacity from the whole account and cannot be set at all in new accounts limited to 10.';
    acknowledgeOutsideVpc(fn, outsideVpc);
    acknowledgeNoFunctionDlq(fn, queueIsDlq);
    acknowledgeNoReservedConcurrency(fn, concurrency);
    const policy = role.node.findChild('DefaultPolicy');
    acknowledgeXrayWildcard(policy);
    acknowledgeInlinePolicy(
      policy,
      'The CDK grants write the consumer permissions (read and delete from this queue, write this log group, ' +
        'X-Ray) as an inline policy of this one role, deleted with it: the one-to-one case AWS recommends inline policies for.',
    );
    return fn;
  }
}

/**
 * SNS -> SQS fan-out (000 L10-15, 004 L726-727): one encrypted topic, and per subscriber an encrypted
 * queue with its own dead-letter queue, an SNS delivery dead-letter queue, an optional filter and an
 * optional Lambda consumer with partial batch responses; alarms on stuck and failed messages.
 */
export class SnsSqsFanout extends Construct {
  /** The topic publishers send to. */
  public readonly topic: sns.Topic;
  /** The topic's key. */
  public readonly topicEncryptionKey: kms.IKey;
  /** The subscribers, in the order given. */
  public readonly subscribers: FanoutSubscriber[];
  /** The subscriber queues, in the order given. */
  public readonly queues: sqs.Queue[];
  /** The SQS dead-letter queues (receive count exceeded), in the order given. */
  public readonly deadLetterQueues: sqs.Queue[];
  /** The SNS delivery dead-letter queues (subscription redrive), in the order given. */
  public readonly deliveryDeadLetterQueues: sqs.Queue[];
  /** Where alarms go. */
  public readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: SnsSqsFanoutProps) {
    super(scope, id);
    validateProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const fifo = props.fifo ?? false;

    this.topicEncryptionKey =
      props.topicEncryptionKey ??
      new EncryptionKey(this, 'Key', {
        description: `Encrypts the SNS topic ${this.node.path}`,
        removalPolicy,
      }).key;
    this.topic = new sns.Topic(this, 'Resource', {
      masterKey: this.topicEncryptionKey,
      enforceSSL: true,
      fifo: fifo || undefined,
      contentBasedDeduplication: props.contentBasedDeduplication || undefined,
    });
    this.alarmTopic =
      props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { keyRemovalPolicy: removalPolicy }).topic;

    const logKey = props.subscribers.some((s) => s.consumer) ? this.createLogKey(removalPolicy) : undefined;

    const ctx: SubscriberContext = {
      topic: this.topic,
      fifo,
      queueKey: props.queueEncryptionKey,
      removalPolicy,
      alarmTopic: this.alarmTopic,
      logKey,
      logRetention: props.logRetention,
      redriveRoles: props.redriveRoles ?? [],
    };
    this.subscribers = props.subscribers.map((s) => new FanoutSubscriber(this, s, ctx));
    this.queues = this.subscribers.map((s) => s.queue);
    this.deadLetterQueues = this.subscribers.map((s) => s.deadLetterQueue);
    this.deliveryDeadLetterQueues = this.subscribers.map((s) => s.deliveryDeadLetterQueue);
  }

  /** Lets a principal publish to the topic (and use its key to encrypt). */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.topic.grantPublish(grantee);
  }

  /** The subscriber with this name; throws when there is none. */
  public subscriber(name: string): FanoutSubscriber {
    const found = this.subscribers.find((s) => s.name === name);
    if (!found) {
      throw new Error(
        `${CONSTRUCT}: no subscriber '${name}'; known: ${this.subscribers.map((s) => s.name).join(', ')}`,
      );
    }
    return found;
  }

  private createLogKey(removalPolicy: RemovalPolicy): kms.Key {
    const key = new EncryptionKey(this, 'LogKey', {
      description: `Encrypts the consumer log groups of ${this.node.path}`,
      removalPolicy,
    }).key;
    allowCloudWatchLogs(key);
    return key;
  }
}

/** CloudFormation resources a fan-out with these props creates (before anything else in the stack). */
export function fanoutResourceCount(props: SnsSqsFanoutProps): number {
  const topic = props.topicEncryptionKey ? 2 : 3; // key, topic, topic policy
  const alarmTopic = props.alarmTopic ? 0 : 3; // key, topic, topic policy
  const consumers = props.subscribers.filter((s) => s.consumer).length;
  const logKey = consumers > 0 ? 1 : 0;
  return (
    topic +
    alarmTopic +
    logKey +
    props.subscribers.length * RESOURCES_PER_SUBSCRIBER +
    consumers * RESOURCES_PER_CONSUMER
  );
}

/** Ids of the fan-out's own children; a subscriber (a child named after it) cannot take them. */
const FANOUT_CHILD_IDS = ['Key', 'Resource', 'AlarmTopic', 'LogKey'];

/** Environment variables the Lambda runtime sets itself; CreateFunction rejects them. */
const RESERVED_ENVIRONMENT = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_REGION',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LAMBDA_RUNTIME_DIR',
  'LAMBDA_TASK_ROOT',
]);

/**
 * Lambda's rules for environment variables: names like `[a-zA-Z]([a-zA-Z0-9_])+`, none of the names
 * the runtime reserves, and at most 4 KB for all names and values together.
 */
function validateEnvironment(prop: string, environment: { [key: string]: string } | undefined): void {
  if (!environment) return;
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    if (Token.isUnresolved(key)) continue;
    if (!/^[a-zA-Z][a-zA-Z0-9_]+$/.test(key) || RESERVED_ENVIRONMENT.has(key)) {
      throw new PropValidationError(
        CONSTRUCT,
        `${prop}.${key}`,
        `received the variable name '${key}'; Lambda takes names of a letter followed by letters, digits or _ ` +
          '(at least 2 characters), and not the names its runtime sets itself (AWS_REGION, _HANDLER, ...).',
      );
    }
    bytes += Buffer.byteLength(key) + (Token.isUnresolved(value) ? 0 : Buffer.byteLength(value));
  }
  if (bytes > 4096) {
    throw new PropValidationError(
      CONSTRUCT,
      prop,
      `must be at most 4 KB of names and values together (the Lambda limit); received ${bytes} bytes.`,
    );
  }
}

const SQS_MIN_RETENTION = Duration.minutes(1);
const SQS_MAX_RETENTION = Duration.days(14);
const SQS_MAX_VISIBILITY = Duration.hours(12);

function seconds(d: Duration): number {
  return d.toSeconds({ integral: false });
}

function validateProps(props: SnsSqsFanoutProps): void {
  const fifo = props.fifo ?? false;
  if (!props.subscribers || props.subscribers.length === 0) {
    throw new PropValidationError(
      CONSTRUCT,
      'subscribers',
      'give at least one subscriber; a fan-out delivers each message to every subscribed queue (004 L726-727), received none.',
    );
  }
  // The removal policy applies to queues, keys and log groups, none of which can take SNAPSHOT.
  validateRetainOrDestroy(CONSTRUCT, 'removalPolicy', props.removalPolicy);
  validateLogRetention(CONSTRUCT, 'logRetention', props.logRetention);
  if (props.contentBasedDeduplication && !fifo) {
    throw new PropValidationError(
      CONSTRUCT,
      'contentBasedDeduplication',
      'only FIFO topics deduplicate messages; set fifo: true or leave contentBasedDeduplication unset.',
    );
  }
  if (
    props.queueEncryptionKey &&
    props.topicEncryptionKey &&
    props.queueEncryptionKey === props.topicEncryptionKey
  ) {
    throw new PropValidationError(
      CONSTRUCT,
      'queueEncryptionKey',
      'must not be the topic key: the key policy would name the topic (so SNS may encrypt into the queues) while ' +
        'the topic names the key, a circular dependency CloudFormation rejects (F3004). Use a second key or leave ' +
        'queueEncryptionKey unset for SQS-managed encryption.',
    );
  }
  if (props.queueEncryptionKey && !keyPolicyIsOurs(props.queueEncryptionKey) && !props.queueKeyAdmitsSns) {
    throw new PropValidationError(
      CONSTRUCT,
      'queueEncryptionKey',
      `received a key this stack does not own (${props.queueEncryptionKey.node.path}, imported), whose key policy the ` +
        'construct cannot change: the grant for SNS would be dropped, every delivery into the queues would fail, and the ' +
        'delivery dead-letter queue (same key) could not keep the failures either. Allowed: a kms.Key of this app, no key ' +
        '(SQS-managed encryption), or an imported key whose policy already allows the principal sns.amazonaws.com ' +
        'kms:GenerateDataKey and kms:Decrypt with the condition aws:SourceArn = the topic ARN; then set queueKeyAdmitsSns: true.',
    );
  }
  const count = fanoutResourceCount(props);
  if (count > MAX_STACK_RESOURCES) {
    throw new PropValidationError(
      CONSTRUCT,
      'subscribers',
      `${props.subscribers.length} subscribers need ${count} CloudFormation resources (${RESOURCES_PER_SUBSCRIBER} per ` +
        `subscriber, ${RESOURCES_PER_CONSUMER} more with a Lambda consumer, plus the topics and keys); a stack holds at ` +
        `most ${MAX_STACK_RESOURCES} (CloudFormation quota). Split the subscribers across stacks, each subscribing ` +
        `its queues to the same topic.`,
    );
  }
  const seen = new Set<string>();
  props.subscribers.forEach((s, i) => validateSubscriber(s, `subscribers[${i}]`, fifo, seen));
}

/**
 * Whether the construct can add statements to this key's policy: a `kms.Key` of this app, or an alias of
 * this app whose target is one. `addToResourcePolicy` on an imported key (fromKeyArn, fromLookup, an
 * imported alias) adds nothing and reports no error.
 */
function keyPolicyIsOurs(key: kms.IKey): boolean {
  if (key instanceof kms.Key) return true;
  if (key instanceof kms.Alias) return keyPolicyIsOurs(key.aliasTargetKey);
  return false;
}

/**
 * validateDuration for the SQS and Lambda properties CloudFormation takes in whole seconds: a fraction of
 * a second would otherwise reach the L2s, which throw "cannot be converted into a whole number of seconds"
 * without naming the prop.
 */
function wholeSeconds(
  prop: string,
  value: Duration | undefined,
  min: Duration,
  max: Duration,
  because: string,
): void {
  validateDuration(CONSTRUCT, prop, value, min, max, { because });
  validateWholeDuration(CONSTRUCT, prop, value, 'seconds');
}

function validateSubscriber(
  s: FanoutSubscriberProps,
  at: string,
  topicFifo: boolean,
  seen: Set<string>,
): void {
  validatePattern(
    CONSTRUCT,
    `${at}.name`,
    s.name,
    /^[A-Za-z][A-Za-z0-9]{0,39}$/,
    'must be 1-40 letters or digits starting with a letter (it becomes a construct id and part of alarm names)',
  );
  if (seen.has(s.name)) {
    throw new PropValidationError(
      CONSTRUCT,
      `${at}.name`,
      `'${s.name}' is used by an earlier subscriber; each subscriber needs its own name (its queue, alarms and construct id derive from it).`,
    );
  }
  seen.add(s.name);
  if (FANOUT_CHILD_IDS.includes(s.name)) {
    throw new PropValidationError(
      CONSTRUCT,
      `${at}.name`,
      `received '${s.name}', which the fan-out already uses for its own ${FANOUT_CHILD_IDS.join(', ')} children ` +
        '(a subscriber becomes a child construct with its name as id); choose another name.',
    );
  }

  const queueFifo = s.fifo ?? topicFifo;
  if (queueFifo !== topicFifo) {
    throw new PropValidationError(
      CONSTRUCT,
      `${at}.fifo`,
      topicFifo
        ? `is false but the topic is FIFO. This construct keeps FIFO topics to FIFO queues: a standard queue would ` +
            `silently drop the order and deduplication the publishers rely on.`
        : `is true but the topic is standard. SNS rejects a FIFO queue subscribed to a standard topic; set fifo: true on the fan-out.`,
    );
  }
  if (s.filterPolicy && s.filterPolicyWithMessageBody) {
    throw new PropValidationError(
      CONSTRUCT,
      `${at}.filterPolicy`,
      'set either filterPolicy (message attributes) or filterPolicyWithMessageBody (message body), not both: an SNS subscription has one filter policy scope.',
    );
  }

  const retention = s.retentionPeriod ?? Duration.days(4);
  const dlqRetention = s.deadLetterRetentionPeriod ?? Duration.days(14);
  wholeSeconds(
    `${at}.retentionPeriod`,
    s.retentionPeriod,
    SQS_MIN_RETENTION,
    SQS_MAX_RETENTION,
    'SQS retention limits, 000 L18-19',
  );
  wholeSeconds(
    `${at}.deadLetterRetentionPeriod`,
    s.deadLetterRetentionPeriod,
    SQS_MIN_RETENTION,
    SQS_MAX_RETENTION,
    'SQS retention limits, 000 L18-19',
  );
  if (
    !queueFifo &&
    !retention.isUnresolved() &&
    !dlqRetention.isUnresolved() &&
    seconds(dlqRetention) <= seconds(retention)
  ) {
    throw new PropValidationError(
      CONSTRUCT,
      `${at}.deadLetterRetentionPeriod`,
      `must be longer than the queue's retentionPeriod (${retention.toHumanString()}); received ${dlqRetention.toHumanString()}. ` +
        `A standard queue keeps a message's original enqueue time when it moves it to the dead-letter queue, so the ` +
        `message would expire there after only what is left of the DLQ retention (000 L51).`,
    );
  }
  wholeSeconds(
    `${at}.visibilityTimeout`,
    s.visibilityTimeout,
    Duration.seconds(0),
    SQS_MAX_VISIBILITY,
    'SQS maximum visibility timeout, 000 L23',
  );
  wholeSeconds(
    `${at}.receiveMessageWaitTime`,
    s.receiveMessageWaitTime,
    Duration.seconds(0),
    Duration.seconds(20),
    'SQS long polling waits at most 20 seconds, 004 L724',
  );
  wholeSeconds(
    `${at}.deliveryDelay`,
    s.deliveryDelay,
    Duration.seconds(0),
    Duration.minutes(15),
    'SQS delay queues, 003 L1634-1637',
  );
  validateInteger(CONSTRUCT, `${at}.maxReceiveCount`, s.maxReceiveCount, 1, 1000, '', {
    because: 'SQS redrive policy limits',
  });
  if (
    s.oldestMessageAgeThreshold &&
    !s.oldestMessageAgeThreshold.isUnresolved() &&
    !retention.isUnresolved()
  ) {
    wholeSeconds(
      `${at}.oldestMessageAgeThreshold`,
      s.oldestMessageAgeThreshold,
      Duration.minutes(1),
      Duration.seconds(seconds(retention) - 1),
      'the alarm must fire before messages reach the retention period and expire',
    );
  }

  const c = s.consumer;
  if (!c) return;
  validateHandlerEntry(CONSTRUCT, `${at}.consumer.entry`, c.entry);
  wholeSeconds(
    `${at}.consumer.timeout`,
    c.timeout,
    Duration.seconds(1),
    Duration.minutes(15),
    'Lambda function timeout limits',
  );
  validateInteger(CONSTRUCT, `${at}.consumer.memorySize`, c.memorySize, 128, 10240, 'MiB', {
    because: 'Lambda memory limits',
  });
  validateInteger(CONSTRUCT, `${at}.consumer.maxConcurrency`, c.maxConcurrency, 2, 1000, '', {
    because: 'SQS event source maximum concurrency limits',
  });
  validatePattern(
    CONSTRUCT,
    `${at}.consumer.handler`,
    c.handler,
    /^[A-Za-z_$][A-Za-z0-9_$]*$/,
    'must be the name of an exported JavaScript function (letters, digits, _ and $, not starting with a digit)',
  );
  validateEnvironment(`${at}.consumer.environment`, c.environment);
  wholeSeconds(
    `${at}.consumer.maxBatchingWindow`,
    c.maxBatchingWindow,
    Duration.seconds(0),
    Duration.minutes(5),
    'Lambda event source batching window limits',
  );
  // Lambda rejects a batch size over 10 unless the window is at least 1 second (a window of 0 counts as none).
  const window = c.maxBatchingWindow;
  const hasWindow = window !== undefined && (window.isUnresolved() || seconds(window) >= 1);
  const maxBatch = queueFifo || !hasWindow ? 10 : 10000;
  validateInteger(CONSTRUCT, `${at}.consumer.batchSize`, c.batchSize, 1, maxBatch, '', {
    because: queueFifo
      ? 'FIFO event sources take at most 10 messages per batch'
      : window === undefined
        ? 'more than 10 messages per batch needs maxBatchingWindow'
        : 'more than 10 messages per batch needs a maxBatchingWindow of at least 1 second',
  });
  if (queueFifo && c.maxBatchingWindow) {
    throw new PropValidationError(
      CONSTRUCT,
      `${at}.consumer.maxBatchingWindow`,
      'is not supported for FIFO queues: Lambda invokes as soon as a message group has messages.',
    );
  }
  const timeout = c.timeout ?? Duration.seconds(10);
  if (s.visibilityTimeout && !s.visibilityTimeout.isUnresolved() && !timeout.isUnresolved()) {
    if (seconds(s.visibilityTimeout) < 6 * seconds(timeout)) {
      throw new PropValidationError(
        CONSTRUCT,
        `${at}.visibilityTimeout`,
        `must be at least 6x the consumer timeout (${timeout.toHumanString()}), i.e. ${Duration.seconds(6 * seconds(timeout)).toHumanString()}; ` +
          `received ${s.visibilityTimeout.toHumanString()}. A shorter timeout lets a message reappear, and be ` +
          `processed twice or counted towards maxReceiveCount, while Lambda is still retrying its batch (AWS guidance for SQS event sources).`,
      );
    }
  }
}
