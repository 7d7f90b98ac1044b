import { ArnFormat, Duration, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../core/acknowledge';
import { AlarmTopic, notify, queueNotEmptyAlarm } from '../core/alarms';
import { RETRY_FUNCTION } from '../core/boot-retry';
import { EncryptionKey } from '../core/encryption-key';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validateRetainOrDestroy,
  validateWholeDuration,
} from '../core/errors';
import { runtimeEntry } from '../core/runtime-entry';
import { SecureBucket } from '../core/secure-bucket';
import { allowAutoScalingNotifications, onlyThroughServices } from '../core/service-grants';
import {
  acknowledgeVpcAutoScalingGroup,
  hardenedLaunchTemplate,
  INSTANCE_ID_COMMANDS,
  installProgramCommands,
  nodejsProgramAsset,
  programDownloadStatement,
  sessionManagerPolicy,
  SYSTEMD_SERVICE_HARDENING,
} from '../core/instance-fleet';
import { backlogExpression, backlogSteps } from './scaling';

const CONSTRUCT = 'QueueWorkerFleet';

/** The worker program every instance runs (runtime/worker.ts, with the demo job runtime/fulfil-order.ts). */
export const WORKER_ENTRY = runtimeEntry(__dirname, 'worker');

/** Tag key of the fleet's Auto Scaling group; the worker policy's scale-in protection statement reads it. */
export const FLEET_TAG = 'refarch:queue-worker-fleet';

/** Node.js major version the instances install from the Amazon Linux 2023 repositories (node-24). */
export const WORKER_NODEJS_MAJOR_VERSION = 24;

/** SQS limits the props are checked against (000 L18-23, 004 L718-724). */
export const SQS_LIMITS = {
  maxVisibilityTimeout: Duration.hours(12),
  maxBatchSize: 10,
  maxReceiveCount: 1000,
} as const;

/** Props of {@link QueueWorkerFleet}. */
export interface QueueWorkerFleetProps {
  /** The VPC of the instances. They need a route to SQS, S3, Auto Scaling and the package repositories. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the instances: private, with a NAT device for egress.
   * @default - the VPC's PRIVATE_WITH_EGRESS subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The work queue, for instance a `SnsSqsFanout` subscriber's queue (004 L679-739: the fleet is one more
   * consumer of the topic). Its owner keeps its dead-letter queue and that queue's alarm. Its visibility
   * timeout must be at least `jobTimeout` when it is a queue of this app (checked); the workers also
   * extend it while a job runs.
   * @default - a new queue with a dead-letter queue (`maxReceiveCount`) and an alarm on it
   */
  readonly queue?: sqs.IQueue;
  /**
   * A second, high-priority queue the workers drain before the work queue (004 L729-731). It must be
   * FIFO exactly when the work queue is.
   * @default - none, unless `createPriorityQueue`
   */
  readonly priorityQueue?: sqs.IQueue;
  /**
   * Create a high-priority queue (with its dead-letter queue and alarm), of the work queue's kind.
   * @default false
   */
  readonly createPriorityQueue?: boolean;
  /**
   * The longest one job may run; the worker aborts it then, and the message comes back after its
   * visibility timeout. 1 second to 12 hours (the longest SQS can hide a message).
   * @default Duration.minutes(10)
   */
  readonly jobTimeout?: Duration;
  /**
   * Visibility timeout of the queues this construct creates (000 L23): at least `jobTimeout` (and 2 seconds),
   * at most 12 hours, so a message never reappears while its job may still run on another instance.
   * @default jobTimeout plus 1 minute
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives of one message before SQS moves it to the dead-letter queue (queues this construct
   * creates): 1-1000.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Messages one receive asks for, processed side by side on an instance: 1-10 (SQS's limit per receive).
   * @default 1
   */
  readonly batchSize?: number;
  /**
   * Fewest instances: 0 lets an idle fleet cost nothing but its alarms.
   * @default 0
   */
  readonly minCapacity?: number;
  /**
   * Most instances: 1-100, at least `minCapacity`.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * Messages (waiting and in flight) per instance the fleet aims for: above it, instances are added
   * (1-10,000).
   * @default 10
   */
  readonly targetBacklogPerInstance?: number;
  /**
   * Instance type (Graviton by default: the worker is plain Node.js).
   * @default t4g.micro
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Age of the oldest message above which an alarm says the fleet is not keeping up: 1 minute to 14 days.
   * @default jobTimeout times 3
   */
  readonly maxMessageAge?: Duration;
  /**
   * What happens to the queues, the results bucket and the key on destroy: `RETAIN` or `DESTROY`
   * (sandbox: the bucket is emptied and deleted).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the alarms and the group's scaling notifications go.
   * @default - a new {@link AlarmTopic}
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Key of the results bucket and the queues this construct creates.
   * @default - a new {@link EncryptionKey} with `removalPolicy`
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Queue-based load levelling (004 L679-739; 001 L4294-4373): producers put jobs on an SQS queue, a fleet
 * of EC2 instances works through them and grows and shrinks with the backlog. For jobs that outgrow
 * Lambda's 15 minutes (001 L2835, L3992). An idle fleet scales to zero; the first visible message starts
 * one instance; then the backlog per instance decides. A worker protects its instance from scale-in while
 * a job runs, extends the message's visibility, deletes it only after success and returns it at once when
 * stopped.
 */
export class QueueWorkerFleet extends Construct {
  /** The work queue. */
  public readonly queue: sqs.IQueue;
  /** The high-priority queue, if any. */
  public readonly priorityQueue?: sqs.IQueue;
  /** The dead-letter queues this construct created (of the work queue and the priority queue). */
  public readonly deadLetterQueues: sqs.Queue[];
  /** Where the shipped job writes its receipts (`receipts/<orderId>.json`). */
  public readonly resultsBucket: s3.Bucket;
  /** The instances' role. */
  public readonly instanceRole: iam.Role;
  /** The launch template (IMDSv2, encrypted volume, no key pair, Session Manager). */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The fleet. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** Visible messages per instance (metric math), the metric the fleet scales on. */
  public readonly backlogPerInstance: cloudwatch.MathExpression;
  /** Dead-letter queues not empty, oldest message too old, no instance while messages wait. */
  public readonly alarms: cloudwatch.Alarm[];
  /** The key of the bucket and of the queues created here. */
  public readonly encryptionKey: kms.IKey;
  /** Where the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The longest one job may run. */
  public readonly jobTimeout: Duration;

  constructor(scope: Construct, id: string, props: QueueWorkerFleetProps) {
    super(scope, id);
    validateProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.jobTimeout = props.jobTimeout ?? Duration.minutes(10);
    // The lease of a message: the queue's visibility timeout when this app defines the queue, else the given
    // or default one (at most SQS's 12 hours). The worker's heartbeat extends a received message to it.
    const visibilityTimeout =
      visibilityOf(props.queue) ??
      props.visibilityTimeout ??
      Duration.seconds(
        Math.min(this.jobTimeout.toSeconds() + 60, SQS_LIMITS.maxVisibilityTimeout.toSeconds()),
      );
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const minCapacity = props.minCapacity ?? 0;
    const maxCapacity = props.maxCapacity ?? 4;
    const target = props.targetBacklogPerInstance ?? 10;
    const instanceType =
      props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO);

    this.encryptionKey =
      props.encryptionKey ??
      new EncryptionKey(this, 'Key', {
        description: `Encrypts the results and queues of ${this.node.path}`,
        removalPolicy,
      }).key;
    this.alarmTopic =
      props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { keyRemovalPolicy: removalPolicy }).topic;

    // ---- Queues -------------------------------------------------------------------------------------
    this.deadLetterQueues = [];
    const ownQueue = (name: string, fifo: boolean): sqs.Queue => {
      const dlq = new sqs.Queue(this, `${name}DeadLetters`, {
        fifo: fifo || undefined,
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.encryptionKey,
        retentionPeriod: Duration.days(14),
        enforceSSL: true,
        removalPolicy,
        // Marks the queue as a dead-letter queue for Control Tower (sqs_dlq_check); allowAll, since naming the
        // source queue here while it names this one in its redrive policy would be a cycle.
        redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
      });
      acknowledge(dlq, {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'This queue is the dead-letter queue: it keeps a failed job 14 days for a person or a redrive to act on; a ' +
          'dead-letter queue behind it would only move the same messages one queue further.',
      });
      this.deadLetterQueues.push(dlq);
      return new sqs.Queue(this, name, {
        fifo: fifo || undefined,
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.encryptionKey,
        // Long polling (004 L722-725, L737-739): a receive waits up to 20 s for a message instead of returning
        // empty at once, so an idle worker makes 3 calls a minute, not hundreds.
        receiveMessageWaitTime: Duration.seconds(20),
        visibilityTimeout,
        deadLetterQueue: { queue: dlq, maxReceiveCount },
        enforceSSL: true,
        removalPolicy,
      });
    };
    this.queue = props.queue ?? ownQueue('Jobs', false);
    this.priorityQueue =
      props.priorityQueue ??
      (props.createPriorityQueue ? ownQueue('PriorityJobs', this.queue.fifo) : undefined);
    const queues = [this.priorityQueue, this.queue].filter((q): q is sqs.IQueue => q !== undefined);

    // ---- Results ------------------------------------------------------------------------------------
    this.resultsBucket = new SecureBucket(this, 'Results', {
      encryptionKey: this.encryptionKey,
      removalPolicy,
      whyNoReplication:
        'Receipts are derived data: the job writes the same receipt again from the same order, so a lost copy is ' +
        'rebuilt by sending the order again; a replica would double the storage of data that can be recomputed.',
    }).bucket;

    // ---- Instances ----------------------------------------------------------------------------------
    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Workers of ${this.node.path}: consume the queues, write receipts, protect their instance`,
    });
    const sessionManager = sessionManagerPolicy(this, this.instanceRole);
    // The worker and everything it imports (sqs-consumer, the AWS SDK clients) in one file, downloaded at boot.
    const workerBundle = nodejsProgramAsset(this, 'WorkerBundle', WORKER_ENTRY, WORKER_NODEJS_MAJOR_VERSION);
    const workerPolicy = this.createWorkerPolicy(queues, workerBundle);

    const securityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: props.vpc,
      description: `Workers of ${this.node.path}: no inbound; HTTPS out to AWS APIs and package repositories`,
      allowAllOutbound: false,
    });
    // HTTPS out only: SQS, S3, Auto Scaling, Session Manager and the Amazon Linux repositories. Nothing
    // connects in (Session Manager channels are outbound); the instance metadata service is not filtered.
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to AWS APIs and package repositories',
    );

    const userData = ec2.UserData.forLinux();
    // The same hardening as the three-tier app (lib/core/instance-fleet.ts): IMDSv2 only, one hop, an
    // encrypted volume, no key pair (Session Manager, 004 L1001-1003).
    this.launchTemplate = hardenedLaunchTemplate(this, {
      instanceType,
      role: this.instanceRole,
      securityGroup,
      userData,
    });

    allowAutoScalingNotifications(this.alarmTopic);
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: this.launchTemplate,
      minCapacity,
      maxCapacity,
      // A worker has no port to check: EC2 status checks replace a broken instance; a worker that stops
      // taking messages shows in the oldest-message alarm.
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(5) }),
      // 001 L1052: a cooldown between simple scaling activities (AwsSolutions-AS1: not 0); the step
      // policies use the instance warmup instead, the time a new worker takes to boot and poll.
      cooldown: Duration.minutes(5),
      defaultInstanceWarmup: Duration.minutes(3),
      // GroupInServiceInstances feeds the backlog-per-instance expression.
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: [{ topic: this.alarmTopic }],
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: 1, minInstancesInService: 0 }),
    });
    // The instances poll as soon as they boot: the policies must be attached first.
    this.autoScalingGroup.node.addDependency(workerPolicy, sessionManager);
    // The tag the scale-in protection statement of the worker policy is conditioned on (createWorkerPolicy).
    Tags.of(this.autoScalingGroup).add(FLEET_TAG, this.node.addr, { applyToLaunchedInstances: false });
    // Sandbox: the bucket is emptied on destroy only once the group (and its workers writing receipts) is gone.
    const emptyResults = this.resultsBucket.node.tryFindChild('AutoDeleteObjectsCustomResource');
    if (emptyResults) this.autoScalingGroup.node.addDependency(emptyResults);

    userData.addCommands(
      ...workerBootScript({
        bundle: workerBundle,
        region: Stack.of(this).region,
        environment: {
          QUEUE_URL: this.queue.queueUrl,
          ...(this.priorityQueue ? { PRIORITY_QUEUE_URL: this.priorityQueue.queueUrl } : {}),
          VISIBILITY_TIMEOUT_SECONDS: String(visibilityTimeout.toSeconds()),
          HEARTBEAT_SECONDS: String(Math.max(1, Math.floor(visibilityTimeout.toSeconds() / 3))),
          JOB_TIMEOUT_SECONDS: String(this.jobTimeout.toSeconds()),
          BATCH_SIZE: String(props.batchSize ?? 1),
          RESULTS_BUCKET: this.resultsBucket.bucketName,
          RESULTS_PREFIX: 'receipts/',
        },
        // systemd's stop timeout: the worker returns its messages and exits within seconds; the margin
        // covers the SQS calls.
        stopTimeoutSeconds: 60,
      }),
    );

    // ---- Scaling on the backlog ---------------------------------------------------------------------
    const period = Duration.minutes(1);
    const visibleSum = visibleMessages(queues, period);
    const inFlight = messagesInFlight(queues, period);
    const inService = inServiceInstances(this.autoScalingGroup, period);
    this.backlogPerInstance = new cloudwatch.MathExpression({
      expression: backlogExpression(target),
      usingMetrics: { visible: visibleSum, inFlight, inService },
      period,
      label: 'Messages (waiting and in flight) per instance in service',
    });
    // aws-cdk-lib prints "StepScalingActionProps#cooldown is deprecated" here although no cooldown is set
    // (aws/aws-cdk#37833): harmless; step policies use the warm-up below.
    this.autoScalingGroup.scaleOnMetric('BacklogScaling', {
      metric: this.backlogPerInstance,
      scalingSteps: backlogSteps(target),
      adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      evaluationPeriods: 2,
      estimatedInstanceWarmup: Duration.minutes(3),
    });

    this.alarms = this.createAlarms(
      queues,
      props.maxMessageAge ?? Duration.seconds(this.jobTimeout.toSeconds() * 3),
    );
    this.acknowledgeFindings(workerPolicy);
  }

  /** What the worker calls, as a customer-managed policy (NIST/HIPAA/PCI IAMNoInlinePolicy). */
  private createWorkerPolicy(queues: sqs.IQueue[], bundle: s3assets.Asset): iam.ManagedPolicy {
    const policy = new iam.ManagedPolicy(this, 'WorkerPolicy', {
      description: 'Workers: receive, extend and delete messages, write receipts, protect their instance',
      roles: [this.instanceRole],
      statements: [
        new iam.PolicyStatement({
          actions: [
            'sqs:ReceiveMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
          ],
          resources: queues.map((q) => q.queueArn),
        }),
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [this.resultsBucket.arnForObjects('receipts/*')],
        }),
        // Scale-in protection of the worker's own instance while a job runs (runtime/worker.ts). Any group name,
        // but only a group tagged as this fleet: naming the group itself would make this policy depend on the
        // group, and CloudFormation would delete it first on destroy, while a busy worker still needs it to
        // clear its protection (a protected instance blocks the group's deletion). No condition can name "the
        // caller's own instance": a worker could protect a sibling, never an instance of another group.
        new iam.PolicyStatement({
          actions: ['autoscaling:SetInstanceProtection'],
          resources: [
            Stack.of(this).formatArn({
              service: 'autoscaling',
              resource: 'autoScalingGroup',
              resourceName: '*:autoScalingGroupName/*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
          conditions: { StringEquals: { [`autoscaling:ResourceTag/${FLEET_TAG}`]: this.node.addr } },
        }),
        // The boot script finds its group's name (DescribeAutoScalingInstances has no resource-level permissions).
        new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }),
        // The worker bundle, downloaded at boot.
        programDownloadStatement(bundle),
      ],
    });
    // The data key: decrypt messages of the queues created here, encrypt receipts; through SQS and S3 only.
    policy.addStatements(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.encryptionKey.keyArn],
        conditions: onlyThroughServices(this, 'sqs', 's3'),
      }),
    );
    // A queue handed in with its own key (a fan-out subscriber's): decrypt its messages through SQS.
    for (const q of queues) {
      if (q.encryptionMasterKey && q.encryptionMasterKey !== this.encryptionKey) {
        policy.addStatements(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [q.encryptionMasterKey.keyArn],
            conditions: onlyThroughServices(this, 'sqs'),
          }),
        );
      }
    }
    return policy;
  }

  private createAlarms(queues: sqs.IQueue[], maxMessageAge: Duration): cloudwatch.Alarm[] {
    const fiveMinutes = Duration.minutes(5);
    const visible = visibleMessages(queues, fiveMinutes);
    const inService = inServiceInstances(this.autoScalingGroup, fiveMinutes);
    const alarms: cloudwatch.Alarm[] = [];
    const alarm = (id: string, description: string, props: Omit<cloudwatch.AlarmProps, 'alarmDescription'>) =>
      alarms.push(
        notify(
          new cloudwatch.Alarm(this, id, { alarmDescription: `${this.node.path}: ${description}`, ...props }),
          this.alarmTopic,
        ),
      );
    this.deadLetterQueues.forEach((dlq, i) =>
      alarms.push(
        queueNotEmptyAlarm(
          this,
          `DeadLettersAlarm${i === 0 ? '' : i + 1}`,
          dlq,
          `${this.node.path}: jobs failed maxReceiveCount times and wait in a dead-letter queue.`,
          this.alarmTopic,
        ),
      ),
    );
    queues.forEach((q, i) =>
      alarm(
        `OldestMessageAlarm${i === 0 ? '' : i + 1}`,
        `the oldest message has waited more than ${maxMessageAge.toHumanString()}: the fleet is not keeping up (or not running).`,
        {
          metric: q.metricApproximateAgeOfOldestMessage({
            period: Duration.minutes(5),
            statistic: 'Maximum',
          }),
          threshold: maxMessageAge.toSeconds(),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      ),
    );
    alarm(
      'NoWorkersAlarm',
      'messages have waited 15 minutes with no instance in service (instances cannot launch: capacity, quota, launch template).',
      {
        metric: new cloudwatch.MathExpression({
          expression: 'IF(visible > 0 AND inService == 0, 1, 0)',
          usingMetrics: { visible, inService },
          period: Duration.minutes(5),
          label: 'Messages waiting with no instance',
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    return alarms;
  }

  private acknowledgeFindings(workerPolicy: iam.ManagedPolicy): void {
    acknowledgeVpcAutoScalingGroup(this.autoScalingGroup);
    acknowledge(workerPolicy, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'autoscaling:DescribeAutoScalingInstances supports no resource-level permissions, only "*"; it reads which ' +
        'group an instance belongs to (the boot script asks it once for its own instance), nothing else.',
    });
    acknowledge(workerPolicy, {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/*]',
      reason:
        `SetInstanceProtection on any group name, but only on a group tagged ${FLEET_TAG} with this fleet's id ` +
        '(autoscaling:ResourceTag condition): naming the group would make the policy depend on it and be deleted ' +
        'before it, leaving a busy worker unable to clear its protection during a destroy.',
    });
    const stack = Stack.of(this);
    const bucketId = stack.getLogicalId(this.resultsBucket.node.defaultChild as s3.CfnBucket);
    acknowledge(workerPolicy, {
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/receipts/*]`,
      reason:
        'The job writes one receipt per order, named after the order id: the receipts prefix is the narrowest resource ' +
        'that names them all.',
    });
  }
}

/**
 * One SQS metric of every queue, summed (metric math), at `period`. FILL: SQS publishes no data point for
 * a queue inactive for six hours, and a missing point would leave the scaling alarms without data, so the
 * fleet would never start; no point means no message.
 */
function queueSum(
  queues: sqs.IQueue[],
  period: Duration,
  /** Metric ids are `<idPrefix><index>`, unique across the sums one expression uses. */
  idPrefix: string,
  label: string,
  metric: (q: sqs.IQueue, props: cloudwatch.MetricOptions) => cloudwatch.Metric,
): cloudwatch.MathExpression {
  const metrics = Object.fromEntries(
    queues.map((q, i) => [`${idPrefix}${i}`, metric(q, { period, statistic: 'Maximum' })]),
  );
  return new cloudwatch.MathExpression({
    expression: Object.keys(metrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics: metrics,
    period,
    label,
  });
}

/** Messages waiting to be received, in every queue. */
const visibleMessages = (queues: sqs.IQueue[], period: Duration) =>
  queueSum(queues, period, 'q', 'Visible messages', (q, o) => q.metricApproximateNumberOfMessagesVisible(o));

/** Messages received and not yet deleted or returned (jobs running), in every queue. */
const messagesInFlight = (queues: sqs.IQueue[], period: Duration) =>
  queueSum(queues, period, 'f', 'Messages in flight', (q, o) =>
    q.metricApproximateNumberOfMessagesNotVisible(o),
  );

/**
 * Instances in service (the group metric the group publishes because groupMetrics is set); FILL, so a
 * period without a data point reads as none in service rather than as no data.
 */
function inServiceInstances(
  group: autoscaling.AutoScalingGroup,
  period: Duration,
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    // REPEAT first: a late data point is the last value, not "no instance" (which would look like a fleet to
    // start); 0 only before the first point.
    expression: 'FILL(FILL(group, REPEAT), 0)',
    usingMetrics: {
      group: new cloudwatch.Metric({
        namespace: 'AWS/AutoScaling',
        metricName: 'GroupInServiceInstances',
        dimensionsMap: { AutoScalingGroupName: group.autoScalingGroupName },
        period,
        statistic: 'Average',
      }),
    },
    period,
    label: 'Instances in service',
  });
}

interface WorkerBootOptions {
  readonly bundle: s3assets.Asset;
  readonly region: string;
  readonly environment: Record<string, string>;
  readonly stopTimeoutSeconds: number;
}

/** The user data: Node.js, the worker bundle from S3, a systemd service. */
function workerBootScript(o: WorkerBootOptions): string[] {
  const node = `/usr/bin/node-${WORKER_NODEJS_MAJOR_VERSION}`;
  return [
    'set -euo pipefail',
    // A boot that fails leaves an instance in service doing nothing; stopped, it fails its EC2 health check
    // and the group replaces it (the alarm topic hears of each launch and termination).
    'trap \'echo "worker boot failed at line $LINENO" >&2; shutdown -h now\' ERR',
    'export HOME=/root',
    // Every install and download goes through `retry` (lib/core/boot-retry.ts, aws/aws-cdk#36717).
    RETRY_FUNCTION,
    `retry dnf install -y nodejs${WORKER_NODEJS_MAJOR_VERSION}`,
    ...installProgramCommands({
      user: 'worker',
      dir: '/opt/worker',
      file: 'worker.js',
      program: o.bundle,
      region: o.region,
    }),
    'chown -R root:root /opt/worker && chmod -R a+rX /opt/worker',
    // The group's name, for scale-in protection: asked of Auto Scaling at boot. Written into the launch
    // template, it would make the template depend on the group that depends on the template (a cycle).
    ...INSTANCE_ID_COMMANDS,
    // `--output text` prints None, and exits 0, while the instance is not yet listed: asked again until named.
    'group_name(){ local g; g=$(aws autoscaling describe-auto-scaling-instances --instance-ids "$INSTANCE_ID" ' +
      `--region ${o.region} --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text) && ` +
      '[ -n "$g" ] && [ "$g" != None ] && echo "$g"; }',
    'GROUP=$(retry group_name)',
    'cat > /etc/systemd/system/worker.service <<EOF',
    '[Unit]',
    'Description=Queue worker',
    'After=network-online.target',
    'Wants=network-online.target',
    '[Service]',
    'User=worker',
    `Environment=AWS_REGION=${o.region} NODE_ENV=production HOME=/tmp AUTO_SCALING_GROUP_NAME=$GROUP`,
    ...Object.entries(o.environment).map(([k, v]) => `Environment=${k}=${v}`),
    `ExecStart=${node} /opt/worker/worker.js`,
    'Restart=always',
    'RestartSec=5',
    // SIGTERM: the worker stops receiving, returns its in-flight messages and exits.
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${o.stopTimeoutSeconds}`,
    ...SYSTEMD_SERVICE_HARDENING,
    '[Install]',
    'WantedBy=multi-user.target',
    'EOF',
    'systemctl daemon-reload',
    'systemctl enable --now worker',
  ];
}

function validateProps(props: QueueWorkerFleetProps): void {
  validateWholeDuration(CONSTRUCT, 'jobTimeout', props.jobTimeout, 'seconds');
  validateDuration(
    CONSTRUCT,
    'jobTimeout',
    props.jobTimeout,
    Duration.seconds(1),
    SQS_LIMITS.maxVisibilityTimeout,
    {
      because: 'the longest SQS can hide a message while its job runs, 000 L23',
    },
  );
  const jobTimeout = props.jobTimeout ?? Duration.minutes(10);
  if (props.visibilityTimeout !== undefined) {
    if (props.queue && !props.createPriorityQueue) {
      throw new PropValidationError(
        CONSTRUCT,
        'visibilityTimeout',
        'applies only to the queues this construct creates; with `queue` given, set the visibility timeout on that queue.',
      );
    }
    validateWholeDuration(CONSTRUCT, 'visibilityTimeout', props.visibilityTimeout, 'seconds');
    validateDuration(
      CONSTRUCT,
      'visibilityTimeout',
      props.visibilityTimeout,
      // 2 s at least: the worker's heartbeat extends it every third of it, at least every second.
      Duration.seconds(2),
      SQS_LIMITS.maxVisibilityTimeout,
      {
        because: 'SQS visibility timeout, 000 L23',
      },
    );
    if (props.visibilityTimeout.toSeconds() < jobTimeout.toSeconds()) {
      throw visibilityShorterThanJob('visibilityTimeout', props.visibilityTimeout, jobTimeout);
    }
  }
  // Queues of this app: their visibility timeout is known at synth.
  for (const [prop, queue] of [
    ['queue', props.queue],
    ['priorityQueue', props.priorityQueue],
  ] as const) {
    const visibility = visibilityOf(queue);
    if (visibility && visibility.toSeconds() < jobTimeout.toSeconds()) {
      throw visibilityShorterThanJob(prop, visibility, jobTimeout);
    }
  }
  if (props.priorityQueue && props.createPriorityQueue) {
    throw new PropValidationError(
      CONSTRUCT,
      'createPriorityQueue',
      'is true but priorityQueue is given too; give a priority queue or ask for one, not both.',
    );
  }
  const workFifo = props.queue?.fifo ?? false;
  if (props.priorityQueue && props.priorityQueue.fifo !== workFifo) {
    const kind = (fifo: boolean) => (fifo ? 'FIFO' : 'standard');
    throw new PropValidationError(
      CONSTRUCT,
      'priorityQueue',
      `is a ${kind(props.priorityQueue.fifo)} queue but the work queue is ${kind(workFifo)}; both must be of one kind ` +
        '(one worker loop keeps FIFO ordering only if every queue it polls keeps it).',
    );
  }
  validateInteger(CONSTRUCT, 'maxReceiveCount', props.maxReceiveCount, 1, SQS_LIMITS.maxReceiveCount, '', {
    because: 'SQS redrive policy',
  });
  validateInteger(CONSTRUCT, 'batchSize', props.batchSize, 1, SQS_LIMITS.maxBatchSize, 'messages', {
    because: 'one SQS receive returns at most 10 messages',
  });
  validateInteger(CONSTRUCT, 'minCapacity', props.minCapacity, 0, 100, 'instances');
  validateInteger(CONSTRUCT, 'maxCapacity', props.maxCapacity, 1, 100, 'instances');
  const min = props.minCapacity ?? 0;
  const max = props.maxCapacity ?? 4;
  if (!Token.isUnresolved(max) && !Token.isUnresolved(min) && max < min) {
    throw new PropValidationError(
      CONSTRUCT,
      'maxCapacity',
      `received ${max} but minCapacity is ${min}; the most instances must be at least the fewest.`,
    );
  }
  if (props.targetBacklogPerInstance !== undefined && Token.isUnresolved(props.targetBacklogPerInstance)) {
    throw new PropValidationError(
      CONSTRUCT,
      'targetBacklogPerInstance',
      'received a token; it is written into the scaling expression at synth, so it must be a number known then.',
    );
  }
  validateInteger(
    CONSTRUCT,
    'targetBacklogPerInstance',
    props.targetBacklogPerInstance,
    1,
    10000,
    'messages',
  );
  validateWholeDuration(CONSTRUCT, 'maxMessageAge', props.maxMessageAge, 'seconds');
  validateDuration(CONSTRUCT, 'maxMessageAge', props.maxMessageAge, Duration.minutes(1), Duration.days(14), {
    because: 'SQS keeps a message at most 14 days',
  });
  validateRetainOrDestroy(CONSTRUCT, 'removalPolicy', props.removalPolicy);
}

/** The visibility timeout of a queue defined in this app (SQS's default 30 s when it sets none). */
function visibilityOf(queue: sqs.IQueue | undefined): Duration | undefined {
  const cfn = queue?.node.defaultChild;
  if (!(cfn instanceof sqs.CfnQueue)) return undefined;
  const seconds = cfn.visibilityTimeout ?? 30;
  return typeof seconds === 'number' && !Token.isUnresolved(seconds) ? Duration.seconds(seconds) : undefined;
}

function visibilityShorterThanJob(prop: string, visibility: Duration, job: Duration): PropValidationError {
  const whose = prop === 'visibilityTimeout' ? '' : " (the queue's visibility timeout)";
  return new PropValidationError(
    CONSTRUCT,
    prop,
    `received ${visibility.toHumanString()}${whose}, shorter than jobTimeout ${job.toHumanString()}: a message ` +
      'would reappear while its job may still run, and a second worker would start it again. Use a visibility ' +
      'timeout of at least jobTimeout (at most 12 hours).',
  );
}
