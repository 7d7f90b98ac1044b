import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Profile, PROFILES } from '../../lib/core/profile';
import { DEMO_FLEET_ADDRESS } from '../../lib/queue-workers/permission-paths';
import { QueueWorkerFleet, QueueWorkerFleetProps } from '../../lib/queue-workers/queue-worker-fleet';
import { QueueWorkersStack } from '../../lib/queue-workers/queue-workers-stack';
import { backlogExpression, backlogSteps } from '../../lib/queue-workers/scaling';
import { cdkJsonContext, testApp } from '../support/app';
import { formatFindings, gateFindings } from '../support/compliance';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template JSON, read loosely
type Resource = { Type: string; Properties?: Record<string, any>; [k: string]: unknown };
type Resources = Record<string, Resource>;

const STACK = 'RefArch-QueueWorkers';
const stacks = {} as Record<Profile, QueueWorkersStack>;
const templates = {} as Record<Profile, Template>;
beforeAll(() => {
  for (const profile of PROFILES) {
    stacks[profile] = new QueueWorkersStack(testApp(), STACK, { profile });
    templates[profile] = Template.fromStack(stacks[profile]);
  }
});
const resources = (profile: Profile): Resources => templates[profile].toJSON().Resources as Resources;
const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
/** The one resource of a type whose logical id starts with `prefix`. */
const only = (profile: Profile, type: string, prefix: string): Resource => {
  const found = Object.entries(resources(profile)).filter(
    ([id, r]) => r.Type === type && id.startsWith(prefix),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${type} ${prefix}*, found ${found.map(([id]) => id).join(', ')}`);
  return found[0][1];
};
const userData = (profile: Profile): string =>
  JSON.stringify(
    only(profile, 'AWS::EC2::LaunchTemplate', 'WorkersLaunchTemplate').Properties!.LaunchTemplateData
      .UserData,
  );

describe('the demo joins the fan-out: the fleet consumes a subscriber queue of the order topic', () => {
  test('the workers poll the Fulfilment queue of the fan-out, and a priority queue of their own', () => {
    const stack = stacks.sandbox;
    expect(stack.workers.queue).toBe(stack.orders.subscriber('Fulfilment').queue);
    // No work queue of the fleet's own: only the priority queue and its dead-letter queue.
    const own = Object.keys(resources('sandbox')).filter(
      (id) => resources('sandbox')[id].Type === 'AWS::SQS::Queue' && id.startsWith('Workers'),
    );
    expect(own.sort()).toEqual(
      [
        expect.stringMatching(/^WorkersPriorityJobs[0-9A-F]{8}$/),
        expect.stringMatching(/^WorkersPriorityJobsDeadLetters[0-9A-F]{8}$/),
      ].sort(),
    );
    expect(userData('sandbox')).toContain('QUEUE_URL=');
    expect(userData('sandbox')).toContain('PRIORITY_QUEUE_URL=');
  });

  test("the Fulfilment queue's visibility timeout covers the job timeout (a message never reappears mid-job)", () => {
    const queue = only('sandbox', 'AWS::SQS::Queue', 'OrdersFulfilmentQueue');
    expect(queue.Properties!.VisibilityTimeout).toBe(660);
    expect(stacks.sandbox.workers.jobTimeout.toSeconds()).toBe(600);
  });

  test('the priority queue: long polling 20 s, KMS, a dead-letter queue after 5 receives', () => {
    const stack = stacks.sandbox;
    const queue = only('sandbox', 'AWS::SQS::Queue', 'WorkersPriorityJobs7').Properties!;
    expect(queue.ReceiveMessageWaitTimeSeconds).toBe(20);
    expect(queue.VisibilityTimeout).toBe(660);
    expect(queue.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [
        logicalId(stack, { node: { defaultChild: stack.workers.encryptionKey.node.defaultChild } }),
        'Arn',
      ],
    });
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(5);
  });
});

describe('the instances', () => {
  test('hardened launch template: IMDSv2 only, one hop, encrypted gp3, no key pair, Amazon Linux 2023 arm64', () => {
    const data = only('sandbox', 'AWS::EC2::LaunchTemplate', 'WorkersLaunchTemplate').Properties!
      .LaunchTemplateData;
    expect(data.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(data.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/xvda',
        Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 8, VolumeType: 'gp3' },
      },
    ]);
    expect(data.KeyName).toBeUndefined();
    expect(data.InstanceType).toBe('t4g.micro');
    expect(JSON.stringify(data.ImageId)).toMatch(/al2023amikernel.*arm64/);
  });

  test('no inbound rule; HTTPS out only', () => {
    const group = only('sandbox', 'AWS::EC2::SecurityGroup', 'WorkersInstanceSecurityGroup').Properties!;
    expect(group.SecurityGroupIngress).toBeUndefined();
    expect(group.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
  });

  test('the boot script installs Node.js, downloads the worker bundle with retries, and runs it under systemd', () => {
    const script = userData('sandbox');
    expect(script).toContain('retry dnf install -y nodejs24');
    expect(script).toMatch(/retry aws s3 cp s3:\/\/.*\.js \/opt\/worker\/worker.js/);
    expect(script).toContain('describe-auto-scaling-instances');
    // Asked again while the instance is not yet listed (the CLI prints None and exits 0).
    expect(script).toContain('[ \\\"$g\\\" != None ]');
    expect(script).toContain('GROUP=$(retry group_name)');
    // A failed boot stops the instance, so the group replaces it.
    expect(script).toMatch(/trap '.*shutdown -h now' ERR/);
    expect(script).toContain('AUTO_SCALING_GROUP_NAME=$GROUP');
    expect(script).toContain('ExecStart=/usr/bin/node-24 /opt/worker/worker.js');
    expect(script).toContain('KillSignal=SIGTERM');
    expect(script).toContain('JOB_TIMEOUT_SECONDS=600');
    expect(script).toContain('VISIBILITY_TIMEOUT_SECONDS=660');
    expect(script).toContain('RESULTS_PREFIX=receipts/');
    expect(script).toContain('systemctl enable --now worker');
  });

  test('the worker bundle holds sqs-consumer and the AWS SDK (no runtime provides them on EC2)', () => {
    const asset = stacks.sandbox.workers.node.findChild('WorkerBundle') as unknown as { assetPath: string };
    const outdir = (stacks.sandbox.node.root as App).outdir;
    const code = fs.readFileSync(path.resolve(outdir, asset.assetPath), 'utf8');
    expect(code).toContain('ReceiveMessageCommand');
    expect(code).toContain('SetInstanceProtectionCommand');
    expect(code).not.toMatch(/require\(["']@aws-sdk\/client-/);
    expect(code).not.toMatch(/require\(["']sqs-consumer["']\)/);
  });
});

describe('scaling on the backlog', () => {
  test('the group starts empty, publishes its metrics, and notifies the alarm topic of its activities', () => {
    const stack = stacks.sandbox;
    const group = only(
      'sandbox',
      'AWS::AutoScaling::AutoScalingGroup',
      'WorkersAutoScalingGroup',
    ).Properties!;
    expect(group.MinSize).toBe('0');
    expect(group.MaxSize).toBe('2');
    expect(group.MetricsCollection).toEqual([{ Granularity: '1Minute' }]);
    expect(group.NotificationConfigurations[0].TopicARN).toEqual(
      stack.resolve(stack.orders.alarmTopic.topicArn),
    );
    expect(
      only('production', 'AWS::AutoScaling::AutoScalingGroup', 'WorkersAutoScalingGroup').Properties!.MaxSize,
    ).toBe('10');
  });

  test('both step policies read the backlog-per-instance expression of scaling.ts, and its steps', () => {
    const alarms = Object.entries(resources('sandbox')).filter(
      ([id, r]) =>
        r.Type === 'AWS::CloudWatch::Alarm' && id.startsWith('WorkersAutoScalingGroupBacklogScaling'),
    );
    expect(alarms).toHaveLength(2);
    for (const [, alarm] of alarms) {
      const expr = alarm.Properties!.Metrics.find((m: { ReturnData?: boolean }) => m.ReturnData !== false);
      expect(expr.Expression).toBe(backlogExpression(10));
    }
    const lower = only(
      'sandbox',
      'AWS::AutoScaling::ScalingPolicy',
      'WorkersAutoScalingGroupBacklogScalingLowerPolicy',
    );
    const upper = only(
      'sandbox',
      'AWS::AutoScaling::ScalingPolicy',
      'WorkersAutoScalingGroupBacklogScalingUpperPolicy',
    );
    const [drain, grow, burst] = backlogSteps(10);
    expect(lower.Properties!.StepAdjustments).toEqual([
      { MetricIntervalUpperBound: drain.upper, ScalingAdjustment: drain.change },
    ]);
    // Upper steps are relative to the upper alarm's threshold (the target).
    expect(upper.Properties!.StepAdjustments).toEqual([
      {
        MetricIntervalLowerBound: 0,
        MetricIntervalUpperBound: grow.upper! - grow.lower!,
        ScalingAdjustment: grow.change,
      },
      { MetricIntervalLowerBound: burst.lower! - grow.lower!, ScalingAdjustment: burst.change },
    ]);
  });

  test('missing data points read as zero (an idle queue publishes none), so the fleet can start from zero', () => {
    const alarm = only(
      'sandbox',
      'AWS::CloudWatch::Alarm',
      'WorkersAutoScalingGroupBacklogScalingUpperAlarm',
    );
    const expressions = alarm
      .Properties!.Metrics.filter((m: { Expression?: string }) => m.Expression)
      .map((m: { Expression: string }) => m.Expression);
    expect(expressions).toEqual(
      expect.arrayContaining([
        'FILL(q0, 0) + FILL(q1, 0)',
        'FILL(f0, 0) + FILL(f1, 0)',
        'FILL(FILL(group, REPEAT), 0)',
      ]),
    );
  });
});

describe('alarms reach the alarm topic', () => {
  test('dead letters, oldest message per queue, and no worker while messages wait', () => {
    const stack = stacks.sandbox;
    const topic = stack.resolve(stack.orders.alarmTopic.topicArn);
    const ids = stack.workers.alarms.map((a) => logicalId(stack, a));
    expect(ids.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(
      [
        'WorkersDeadLettersAlarm',
        'WorkersNoWorkersAlarm',
        'WorkersOldestMessageAlarm',
        'WorkersOldestMessageAlarm2',
      ].sort(),
    );
    for (const id of ids) expect(resources('sandbox')[id].Properties!.AlarmActions).toEqual([topic]);
    const oldest = only('sandbox', 'AWS::CloudWatch::Alarm', 'WorkersOldestMessageAlarm2').Properties!;
    expect(oldest.Threshold).toBe(1800);
    expect(oldest.Dimensions[0].Value).toEqual(stack.resolve(stack.workers.queue.queueName));
  });
});

describe('least privilege', () => {
  test('the worker policy: consume the queues, write receipts, read the bundle; never send', () => {
    const policy = only('sandbox', 'AWS::IAM::ManagedPolicy', 'WorkersWorkerPolicy').Properties!;
    const actions = policy.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) =>
      [s.Action].flat(),
    );
    expect(actions.sort()).toEqual(
      [
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        's3:PutObject',
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:SetInstanceProtection',
        's3:GetObject',
        'kms:Decrypt',
        'kms:GenerateDataKey',
      ].sort(),
    );
  });

  test("scale-in protection: only on a group tagged with this fleet's id, in the policy the group depends on", () => {
    const stack = stacks.sandbox;
    const policy = only('sandbox', 'AWS::IAM::ManagedPolicy', 'WorkersWorkerPolicy').Properties!;
    const statement = policy.PolicyDocument.Statement.find(
      (st: { Action: string }) => st.Action === 'autoscaling:SetInstanceProtection',
    );
    expect(statement.Condition).toEqual({
      StringEquals: { 'autoscaling:ResourceTag/refarch:queue-worker-fleet': stack.workers.node.addr },
    });
    const group = only('sandbox', 'AWS::AutoScaling::AutoScalingGroup', 'WorkersAutoScalingGroup');
    expect(group.Properties!.Tags).toContainEqual({
      Key: 'refarch:queue-worker-fleet',
      Value: stack.workers.node.addr,
      PropagateAtLaunch: false,
    });
    // The group depends on the policy: on destroy the policy outlives the group, so a busy worker can still
    // clear its protection (a protected instance blocks the group's deletion).
    const policyId = Object.keys(resources('sandbox')).find((k) => k.startsWith('WorkersWorkerPolicy'))!;
    expect(group.DependsOn).toContain(policyId);
  });

  test("the permission proof's fleet address is the demo's (the tag value the protection statement needs)", () => {
    expect(stacks.sandbox.workers.node.addr).toBe(DEMO_FLEET_ADDRESS);
  });

  test('sandbox: the receipts bucket is emptied on destroy only after the group (and its workers) is gone', () => {
    const group = only('sandbox', 'AWS::AutoScaling::AutoScalingGroup', 'WorkersAutoScalingGroup');
    const emptier = Object.keys(resources('sandbox')).find(
      (k) =>
        resources('sandbox')[k].Type === 'Custom::S3AutoDeleteObjects' &&
        k.startsWith('WorkersResultsAutoDelete'),
    )!;
    expect(group.DependsOn).toContain(emptier);
  });
});

describe('bad input is refused at synth, naming the prop, the value and the range', () => {
  const build = (props: Partial<QueueWorkerFleetProps> = {}) => {
    const stack = new Stack(testApp(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    return new QueueWorkerFleet(stack, 'Workers', { vpc, ...props });
  };
  const queueIn = (stack: Stack, id: string, props: sqs.QueueProps = {}) => new sqs.Queue(stack, id, props);

  test.each([
    [
      { jobTimeout: Duration.hours(13) },
      /QueueWorkerFleet.*jobTimeout.*between 1 second and 12 hours; received 13 hours/,
    ],
    [{ jobTimeout: Duration.millis(1500) }, /jobTimeout.*whole number of seconds/],
    [
      { jobTimeout: Duration.minutes(10), visibilityTimeout: Duration.minutes(5) },
      /visibilityTimeout: received 5 minutes, shorter than jobTimeout 10 minutes/,
    ],
    [{ maxReceiveCount: 0 }, /maxReceiveCount.*received 0/],
    [{ batchSize: 11 }, /batchSize.*1 and 10 messages.*received 11/],
    [{ minCapacity: 3, maxCapacity: 2 }, /maxCapacity.*received 2 but minCapacity is 3/],
    [{ maxCapacity: 0 }, /maxCapacity.*received 0/],
    [{ targetBacklogPerInstance: 0 }, /targetBacklogPerInstance.*received 0/],
    [{ maxMessageAge: Duration.seconds(30) }, /maxMessageAge.*received 30 seconds/],
    [{ removalPolicy: RemovalPolicy.SNAPSHOT }, /removalPolicy/],
  ])('%o is refused', (props, message) => {
    expect(() => build(props as Partial<QueueWorkerFleetProps>)).toThrow(message);
  });

  test('a queue of the app whose visibility timeout is shorter than the job timeout is refused', () => {
    const stack = new Stack(testApp(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const queue = queueIn(stack, 'Queue', { visibilityTimeout: Duration.seconds(30) });
    expect(
      () => new QueueWorkerFleet(stack, 'Workers', { vpc, queue, jobTimeout: Duration.minutes(2) }),
    ).toThrow(
      /QueueWorkerFleet.*queue: received 30 seconds \(the queue's visibility timeout\), shorter than jobTimeout 2 minutes/,
    );
    // SQS's default (30 s) counts when the queue sets none.
    const plain = queueIn(stack, 'Plain');
    expect(
      () => new QueueWorkerFleet(stack, 'Workers2', { vpc, queue: plain, jobTimeout: Duration.minutes(1) }),
    ).toThrow(/received 30 seconds \(the queue's visibility timeout\), shorter than jobTimeout 1 minute/);
  });

  test('a FIFO work queue with a standard priority queue is refused, and the reverse', () => {
    const stack = new Stack(testApp(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const fifo = queueIn(stack, 'Fifo', { fifo: true, visibilityTimeout: Duration.minutes(11) });
    const standard = queueIn(stack, 'Standard', { visibilityTimeout: Duration.minutes(11) });
    expect(() => new QueueWorkerFleet(stack, 'A', { vpc, queue: fifo, priorityQueue: standard })).toThrow(
      /priorityQueue.*is a standard queue but the work queue is FIFO/,
    );
    expect(() => new QueueWorkerFleet(stack, 'B', { vpc, queue: standard, priorityQueue: fifo })).toThrow(
      /priorityQueue.*is a FIFO queue but the work queue is standard/,
    );
  });

  test('a priority queue given and asked for at once is refused; visibilityTimeout with a given queue too', () => {
    const stack = new Stack(testApp(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const q = queueIn(stack, 'Q', { visibilityTimeout: Duration.minutes(11) });
    expect(
      () => new QueueWorkerFleet(stack, 'A', { vpc, priorityQueue: q, createPriorityQueue: true }),
    ).toThrow(/createPriorityQueue.*priorityQueue is given too/);
    expect(
      () => new QueueWorkerFleet(stack, 'B', { vpc, queue: q, visibilityTimeout: Duration.minutes(20) }),
    ).toThrow(/visibilityTimeout.*applies only to the queues this construct creates/);
  });

  test('valid edges are accepted: a 12-hour job, batch 10, one to 100 instances, a FIFO pair', () => {
    expect(() =>
      build({
        jobTimeout: Duration.hours(12),
        visibilityTimeout: Duration.hours(12),
        batchSize: 10,
        minCapacity: 1,
        maxCapacity: 100,
      }),
    ).not.toThrow();
    const stack = new Stack(testApp(), 'Fifo');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const queue = queueIn(stack, 'Q', { fifo: true, visibilityTimeout: Duration.minutes(11) });
    const fleet = new QueueWorkerFleet(stack, 'W', { vpc, queue, createPriorityQueue: true });
    expect(fleet.priorityQueue!.fifo).toBe(true);
  });
});

describe('snapshots and gates', () => {
  test.each(PROFILES)('%s template snapshot', (profile) => {
    expect(templates[profile].toJSON()).toMatchSnapshot();
  });

  test.each(PROFILES)(
    '%s: every gate passes (six nag packs, Control Tower guard, built-in validation)',
    (profile) => {
      const findings = gateFindings(
        (app) => new QueueWorkersStack(app, STACK, { profile }),
        (outdir) => new App({ outdir, context: cdkJsonContext() }),
      );
      expect(formatFindings(findings)).toBe('');
    },
  );
});
