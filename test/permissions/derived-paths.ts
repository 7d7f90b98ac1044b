import { RegionInfo } from 'aws-cdk-lib/region-info';
import { OTHER_ACCOUNT, ProofCase } from './proof-case';
import { ResolvedResource, ResolvedTemplate } from './resolve-template';
import { PolicyIndex } from './template-policies';

/*
 * The paths every pattern needs, read off the template itself so that no declaration can forget one:
 * wherever the template wires one service to another (an alarm action, an encrypted log group, a
 * subscription, an event source mapping, an EventBridge rule target and its dead-letter queue, a
 * function's on-failure destination, a delivery stream, a logging configuration, an API
 * integration, a CloudFront origin, a log delivery), the call that wiring makes at run time is proven allowed, and where the grant carries
 * a confused-deputy condition, the same call on behalf of another account is proven refused.
 *
 * What each service sends with its call (the request context) follows the AWS documentation of that
 * service; where a service makes the call with the caller's identity (Lambda polling a queue, Firehose
 * writing to S3), the caller is the role the template gives it.
 */

/** The derived cases of one resolved template. */
export function derivedPaths(t: ResolvedTemplate, policies: PolicyIndex): ProofCase[] {
  const ctx: Derivation = { t, policies, cases: [] };
  alarmNotifications(ctx);
  encryptedLogGroups(ctx);
  queueSubscriptions(ctx);
  eventSourceMappings(ctx);
  ruleTargets(ctx);
  asyncInvokeDestinations(ctx);
  deliveryStreams(ctx);
  flowLogs(ctx);
  serverAccessLogs(ctx);
  loadBalancerAccessLogs(ctx);
  apiGatewayIntegrations(ctx);
  autoScalingNotifications(ctx);
  originAccessControl(ctx);
  logDeliveryToS3(ctx);
  return ctx.cases;
}

interface Derivation {
  readonly t: ResolvedTemplate;
  readonly policies: PolicyIndex;
  readonly cases: ProofCase[];
}

type Context = Record<string, string | string[]>;

function add(
  d: Derivation,
  c: Omit<ProofCase, 'origin' | 'resourceLabel' | 'context'> & { context?: Context; resourceLabel?: string },
): void {
  d.cases.push({
    origin: 'every pattern',
    context: {},
    resourceLabel: c.resourceLabel ?? labelOf(d, c.resource),
    ...c,
  });
}

function labelOf(d: Derivation, arn: string): string {
  const owner = d.policies.owner(arn);
  if (!owner) return arn;
  const label = d.policies.label(owner);
  const suffix = owner.arn && arn.startsWith(`${owner.arn}/`) ? arn.slice(owner.arn.length) : '';
  return label + suffix;
}

function roleLabel(d: Derivation, roleArn: string): string {
  const role = d.t.ofType('AWS::IAM::Role').find((r) => r.arn === roleArn);
  return role ? `role ${d.policies.label(role)}` : roleArn;
}

/** The customer-managed key of this template that a KmsKeyId-style property names, if any. */
function customerKey(d: Derivation, keyIdOrArn: string | undefined): ResolvedResource | undefined {
  if (!keyIdOrArn) return undefined;
  const key = d.t.findByArnOrRef(keyIdOrArn);
  return key?.type === 'AWS::KMS::Key' ? key : undefined; // alias/aws/<service>: an AWS managed key
}

/**
 * A service that sends encrypted messages (SNS publishing for CloudWatch, delivering into a queue)
 * generates and decrypts data keys with the target's customer-managed key, if it has one.
 */
function encryptsWith(
  d: Derivation,
  keyId: string | undefined,
  call: Pick<ProofCase, 'why' | 'caller' | 'callerLabel' | 'context'>,
): ResolvedResource | undefined {
  const key = customerKey(d, keyId);
  for (const action of key ? ['kms:GenerateDataKey', 'kms:Decrypt'] : []) {
    add(d, { ...call, why: `${call.why} (its key)`, action, resource: key!.arn!, expect: 'allow' });
  }
  return key;
}

function service(name: string): { kind: 'service'; service: string } {
  return { kind: 'service', service: name };
}

/** The service may take on the role it is given: the role's trust policy admits it for this account. */
function assumes(d: Derivation, serviceName: string, roleArn: string, why: string): void {
  add(d, {
    why: `${why} (taking on its role)`,
    caller: service(serviceName),
    callerLabel: serviceName,
    action: 'sts:AssumeRole',
    resource: roleArn,
    resourceLabel: roleLabel(d, roleArn),
    context: { 'aws:SourceAccount': d.t.env.account },
    expect: 'allow',
  });
}

/** CloudWatch publishes alarm notifications to each topic an alarm names, and uses the topic's key. */
function alarmNotifications(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  const topics = new Map<string, ResolvedResource>(); // topic ARN -> first alarm naming it
  for (const alarm of d.t.ofType('AWS::CloudWatch::Alarm')) {
    const p = alarm.properties;
    for (const action of [
      ...(p.AlarmActions ?? []),
      ...(p.OKActions ?? []),
      ...(p.InsufficientDataActions ?? []),
    ]) {
      if (/^arn:[^:]+:sns:/.test(action) && !topics.has(action)) topics.set(action, alarm);
    }
  }
  for (const [topicArn, alarm] of topics) {
    const topic = d.t.findByArnOrRef(topicArn);
    if (!topic) continue; // a topic of another stack: the construct warns at synth (allowAlarmNotifications)
    const why = `CloudWatch alarms notify ${d.policies.label(topic)}`;
    const own: Context = { 'aws:SourceArn': alarm.arn!, 'aws:SourceAccount': account };
    const foreign: Context = {
      'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${OTHER_ACCOUNT}:alarm:someone-elses-alarm`,
      'aws:SourceAccount': OTHER_ACCOUNT,
    };
    const caller = service('cloudwatch.amazonaws.com');
    const callerLabel = 'cloudwatch.amazonaws.com';
    add(d, {
      why,
      caller,
      callerLabel,
      action: 'sns:Publish',
      resource: topic.arn!,
      context: own,
      expect: 'allow',
    });
    add(d, {
      why: `${why}: not an alarm of another account (confused deputy)`,
      caller,
      callerLabel,
      action: 'sns:Publish',
      resource: topic.arn!,
      context: foreign,
      expect: 'deny',
    });
    const key = encryptsWith(d, topic.properties.KmsMasterKeyId, { why, caller, callerLabel, context: own });
    if (!key) continue;
    add(d, {
      why: `${why} (its key): not for an alarm of another account`,
      caller,
      callerLabel,
      action: 'kms:GenerateDataKey',
      resource: key.arn!,
      context: foreign,
      expect: 'deny',
    });
  }
}

/**
 * CloudWatch Logs encrypts and decrypts an encrypted log group's events with its key, naming the log
 * group in the encryption context. (It also calls kms:DescribeKey, which carries no encryption
 * context; AWS's documented key policy puts the same condition on it, so it is not proven here.)
 */
function encryptedLogGroups(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  for (const group of d.t.ofType('AWS::Logs::LogGroup')) {
    const key = customerKey(d, group.properties.KmsKeyId);
    if (!key) continue;
    const caller = service(`logs.${region}.amazonaws.com`);
    const callerLabel = `logs.${region}.amazonaws.com`;
    const groupArn = `arn:${partition}:logs:${region}:${account}:log-group:${group.ref}`;
    const why = `CloudWatch Logs encrypts the log group ${d.policies.label(group)}`;
    for (const action of [
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:GenerateDataKey',
    ]) {
      add(d, {
        why,
        caller,
        callerLabel,
        action,
        resource: key.arn!,
        context: { 'kms:EncryptionContext:aws:logs:arn': groupArn },
        expect: 'allow',
      });
    }
    add(d, {
      why: `${why}: not a log group of another account`,
      caller,
      callerLabel,
      action: 'kms:Decrypt',
      resource: key.arn!,
      context: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${OTHER_ACCOUNT}:log-group:${group.ref}`,
      },
      expect: 'deny',
    });
  }
}

/** SNS delivers into each subscribed queue and its subscription dead-letter queue, and uses their keys. */
function queueSubscriptions(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  for (const sub of d.t.ofType('AWS::SNS::Subscription')) {
    if (sub.properties.Protocol !== 'sqs') continue;
    const topicArn: string = sub.properties.TopicArn;
    const topic = d.t.findByArnOrRef(topicArn);
    const topicLabel = topic ? d.policies.label(topic) : topicArn;
    const targets = [sub.properties.Endpoint, sub.properties.RedrivePolicy?.deadLetterTargetArn].filter(
      Boolean,
    );
    for (const queueArn of targets as string[]) {
      const queue = d.t.findByArnOrRef(queueArn);
      if (!queue) continue;
      const caller = service('sns.amazonaws.com');
      const callerLabel = 'sns.amazonaws.com';
      const why = `SNS delivers messages of ${topicLabel} into ${d.policies.label(queue)}`;
      const own: Context = { 'aws:SourceArn': topicArn, 'aws:SourceAccount': account };
      add(d, {
        why,
        caller,
        callerLabel,
        action: 'sqs:SendMessage',
        resource: queue.arn!,
        context: own,
        expect: 'allow',
      });
      add(d, {
        why: `${why}: only from that topic`,
        caller,
        callerLabel,
        action: 'sqs:SendMessage',
        resource: queue.arn!,
        context: {
          'aws:SourceArn': `arn:${partition}:sns:${region}:${account}:another-topic`,
          'aws:SourceAccount': account,
        },
        expect: 'deny',
      });
      encryptsWith(d, queue.properties.KmsMasterKeyId, { why, caller, callerLabel, context: own });
    }
  }
}

/** The actions Lambda's event source mapping calls with the function's role, per source service. */
const POLLER_ACTIONS: Record<string, string[]> = {
  kinesis: [
    'kinesis:DescribeStream',
    'kinesis:DescribeStreamSummary',
    'kinesis:GetShardIterator',
    'kinesis:GetRecords',
    'kinesis:ListShards',
  ],
  sqs: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
};

/** A role reads a stream or queue, and decrypts with its key through that service. */
function readSource(d: Derivation, why: string, roleArn: string, sourceArn: string, actions: string[]): void {
  const caller = { kind: 'role' as const, arn: roleArn };
  const callerLabel = roleLabel(d, roleArn);
  for (const action of actions)
    add(d, { why, caller, callerLabel, action, resource: sourceArn, expect: 'allow' });
  const source = d.t.findByArnOrRef(sourceArn);
  const keyId = source?.properties.KmsMasterKeyId ?? source?.properties.StreamEncryption?.KeyId;
  const key = customerKey(d, keyId);
  if (!key) return;
  const via = `${sourceArn.split(':')[2]}.${d.t.env.region}.amazonaws.com`;
  add(d, {
    why: `${why} (its key)`,
    caller,
    callerLabel,
    action: 'kms:Decrypt',
    resource: key.arn!,
    context: { 'kms:ViaService': via },
    expect: 'allow',
  });
}

/** Lambda polls each event source with the function's role, and sends failures to the on-failure destination. */
function eventSourceMappings(d: Derivation): void {
  for (const esm of d.t.ofType('AWS::Lambda::EventSourceMapping')) {
    const fn = d.t.findByArnOrRef(esm.properties.FunctionName);
    if (!fn) continue;
    const roleArn: string = fn.properties.Role;
    const sourceArn: string = esm.properties.EventSourceArn;
    const kind = sourceArn.split(':')[2];
    const actions = POLLER_ACTIONS[kind];
    if (!actions)
      throw new Error(`derived-paths: no poller actions known for event sources of ${kind} (${sourceArn})`);
    assumes(d, 'lambda.amazonaws.com', roleArn, `Lambda runs ${d.policies.label(fn)}`);
    readSource(
      d,
      `Lambda polls ${labelOf(d, sourceArn)} for ${d.policies.label(fn)}`,
      roleArn,
      sourceArn,
      actions,
    );
    const failures: string | undefined = esm.properties.DestinationConfig?.OnFailure?.Destination;
    if (failures) {
      onFailureDestination(
        d,
        `Lambda records failed batches of ${d.policies.label(fn)} in ${labelOf(d, failures)}`,
        roleArn,
        failures,
      );
    }
  }
}

/**
 * What Lambda calls, with the function's execution role, to send a record to an on-failure (or
 * on-success) destination, per destination service. Lambda Developer Guide, "Capturing records of Lambda
 * asynchronous invocations" (invocation-async-retain-records) and, for event source mappings, "Retaining
 * discarded batches" of the Kinesis and DynamoDB guides: the execution role needs the send permission of
 * the destination's service (`sqs:SendMessage`, `sns:Publish`, `lambda:InvokeFunction`,
 * `events:PutEvents`; `s3:PutObject` for Kafka event source mappings); there is no resource policy or
 * service principal on this path.
 */
const DESTINATION_ACTIONS: Record<string, string> = {
  sqs: 'sqs:SendMessage',
  sns: 'sns:Publish',
  lambda: 'lambda:InvokeFunction',
  events: 'events:PutEvents',
};

/**
 * The function's role sends a record to a destination, and, for a queue or topic with a customer key,
 * generates and decrypts its data key through that service (SQS Developer Guide, "Key management": a
 * producer of an SSE-KMS queue needs kms:GenerateDataKey and kms:Decrypt; SNS likewise for a topic).
 * Shared by event source mappings (failed batches) and asynchronous invocation configs (failed events).
 */
function onFailureDestination(d: Derivation, why: string, roleArn: string, destinationArn: string): void {
  const kind = destinationArn.split(':')[2];
  const action = DESTINATION_ACTIONS[kind];
  if (!action)
    throw new Error(`derived-paths: no send action known for destinations of ${kind} (${destinationArn})`);
  const caller = { kind: 'role' as const, arn: roleArn };
  const callerLabel = roleLabel(d, roleArn);
  add(d, { why, caller, callerLabel, action, resource: destinationArn, expect: 'allow' });
  const destination = d.t.findByArnOrRef(destinationArn);
  const key = customerKey(d, destination?.properties.KmsMasterKeyId);
  if (!key) return;
  for (const keyAction of ['kms:GenerateDataKey', 'kms:Decrypt']) {
    add(d, {
      why: `${why} (its key, through ${kind.toUpperCase()})`,
      caller,
      callerLabel,
      action: keyAction,
      resource: key.arn!,
      context: { 'kms:ViaService': `${kind}.${d.t.env.region}.amazonaws.com` },
      expect: 'allow',
    });
  }
}

/**
 * EventBridge invokes each Lambda function a rule targets, asynchronously, as the service principal
 * `events.amazonaws.com` with the rule's ARN as `aws:SourceArn` (and its account as `aws:SourceAccount`):
 * the function policy must admit the rule (EventBridge User Guide, "Using resource-based policies for
 * Amazon EventBridge", section "AWS Lambda permissions": `lambda add-permission --principal
 * events.amazonaws.com --source-arn <rule ARN>`; the CDK's LambdaFunction target writes that
 * AWS::Lambda::Permission). Without the source ARN, any rule (of the account, or of another account,
 * since EventBridge delivers to targets in other accounts) could invoke the function with events of its
 * own choosing: another rule of the account, and a rule of another account, must be refused.
 *
 * Events EventBridge cannot deliver after its retry policy go to the target's dead-letter queue, sent
 * by `events.amazonaws.com` with the rule's ARN as `aws:SourceArn`: the queue policy must admit that
 * rule (EventBridge User Guide, "Event retry policy and using dead-letter queues", section "Granting
 * permissions to the dead-letter queue": a queue statement for events.amazonaws.com, sqs:SendMessage,
 * `ArnEquals aws:SourceArn <rule ARN>`; and, for a queue with a customer key, a key statement letting
 * EventBridge use it). The same call for another rule must be refused.
 */
function ruleTargets(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  const caller = service('events.amazonaws.com');
  const callerLabel = 'events.amazonaws.com';
  const anotherRule: Context = {
    'aws:SourceArn': `arn:${partition}:events:${region}:${account}:rule/another-rule`,
    'aws:SourceAccount': account,
  };
  const foreignRule: Context = {
    'aws:SourceArn': `arn:${partition}:events:${region}:${OTHER_ACCOUNT}:rule/someone-elses-rule`,
    'aws:SourceAccount': OTHER_ACCOUNT,
  };
  for (const rule of d.t.ofType('AWS::Events::Rule')) {
    const ruleLabel = d.policies.label(rule);
    const own: Context = { 'aws:SourceArn': rule.arn!, 'aws:SourceAccount': account };
    for (const target of rule.properties.Targets ?? []) {
      const resource = d.t.findByArnOrRef(target.Arn);
      if (resource?.type === 'AWS::Lambda::Function') {
        if (target.RoleArn)
          throw new Error(
            `derived-paths: rule ${ruleLabel} invokes ${d.policies.label(resource)} with a role; not derived`,
          );
        const why = `EventBridge invokes ${d.policies.label(resource)} for ${ruleLabel}`;
        const invoke = { caller, callerLabel, action: 'lambda:InvokeFunction', resource: resource.arn! };
        add(d, { why, ...invoke, context: own, expect: 'allow' });
        add(d, {
          why: `${why}: not for another rule of the account (confused deputy)`,
          ...invoke,
          context: anotherRule,
          expect: 'deny',
        });
        add(d, {
          why: `${why}: not for a rule of another account (confused deputy)`,
          ...invoke,
          context: foreignRule,
          expect: 'deny',
        });
        assumes(
          d,
          'lambda.amazonaws.com',
          resource.properties.Role,
          `Lambda runs ${d.policies.label(resource)}`,
        );
      }
      // Other kinds of target (queues, topics, buses, state machines) are not derived yet.
      const dlqArn: string | undefined = target.DeadLetterConfig?.Arn;
      const queue = dlqArn ? d.t.findByArnOrRef(dlqArn) : undefined;
      if (!queue) continue; // none, or a queue of another stack
      const why = `EventBridge keeps the events ${ruleLabel} could not deliver to ${labelOf(d, target.Arn)} in ${d.policies.label(queue)}`;
      const send = { caller, callerLabel, action: 'sqs:SendMessage', resource: queue.arn! };
      add(d, { why, ...send, context: own, expect: 'allow' });
      add(d, { why: `${why}: only for that rule`, ...send, context: anotherRule, expect: 'deny' });
      encryptsWith(d, queue.properties.KmsMasterKeyId, { why, caller, callerLabel, context: own });
    }
  }
}

/**
 * Lambda sends the events a function failed on (after the retries of its asynchronous invocation
 * config) to the config's on-failure destination, with the function's execution role (Lambda Developer
 * Guide, "Capturing records of Lambda asynchronous invocations"): see onFailureDestination. A config of
 * a version or alias (its Qualifier) runs with the same role, so every config of the function is read.
 */
function asyncInvokeDestinations(d: Derivation): void {
  for (const config of d.t.ofType('AWS::Lambda::EventInvokeConfig')) {
    const fn = d.t.findByArnOrRef(config.properties.FunctionName);
    if (fn?.type !== 'AWS::Lambda::Function') continue; // a function of another stack
    const failures: string | undefined = config.properties.DestinationConfig?.OnFailure?.Destination;
    if (!failures) continue;
    onFailureDestination(
      d,
      `Lambda records the events ${d.policies.label(fn)} failed on in ${labelOf(d, failures)}`,
      fn.properties.Role,
      failures,
    );
  }
}

/** Firehose reads its source stream with one role and writes to its bucket, key and log stream with another. */
function deliveryStreams(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  for (const stream of d.t.ofType('AWS::KinesisFirehose::DeliveryStream')) {
    const name = d.policies.label(stream);
    const source = stream.properties.KinesisStreamSourceConfiguration;
    if (source) {
      assumes(d, 'firehose.amazonaws.com', source.RoleARN, `${name} reads its source stream`);
      readSource(d, `${name} reads its source stream`, source.RoleARN, source.KinesisStreamARN, [
        'kinesis:DescribeStream',
        'kinesis:GetShardIterator',
        'kinesis:GetRecords',
        'kinesis:ListShards',
      ]);
    }
    const s3 = stream.properties.ExtendedS3DestinationConfiguration;
    if (!s3) continue;
    const caller = { kind: 'role' as const, arn: s3.RoleARN as string };
    const callerLabel = roleLabel(d, s3.RoleARN);
    const bucketArn: string = s3.BucketARN;
    const objectArn = `${bucketArn}/${firehoseKey(String(s3.Prefix ?? ''))}delivery-1.gz`;
    const why = `${name} writes to its bucket`;
    assumes(d, 'firehose.amazonaws.com', s3.RoleARN, why);
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload']) {
      add(d, { why, caller, callerLabel, action, resource: objectArn, expect: 'allow' });
    }
    for (const action of ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads']) {
      add(d, { why, caller, callerLabel, action, resource: bucketArn, expect: 'allow' });
    }
    const key = customerKey(d, s3.EncryptionConfiguration?.KMSEncryptionConfig?.AWSKMSKeyARN);
    if (key) {
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        add(d, {
          why: `${why} (the bucket key, through S3)`,
          caller,
          callerLabel,
          action,
          resource: key.arn!,
          // S3 also sends the encryption context aws:s3:arn; no policy here conditions on it, and the
          // simulator evaluates one encryption-context key per request (simulate.ts), so it is left out.
          context: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
          expect: 'allow',
        });
      }
    }
    const logging = s3.CloudWatchLoggingOptions;
    if (logging?.Enabled) {
      add(d, {
        why: `${name} logs delivery errors`,
        caller,
        callerLabel,
        action: 'logs:PutLogEvents',
        resource: `arn:${partition}:logs:${region}:${account}:log-group:${logging.LogGroupName}:log-stream:${logging.LogStreamName}`,
        resourceLabel: `log stream ${logging.LogStreamName}`,
        expect: 'allow',
      });
    }
  }
}

/** VPC Flow Logs writes to its log group with the role the flow log names. */
function flowLogs(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  for (const flow of d.t.ofType('AWS::EC2::FlowLog')) {
    const roleArn: string | undefined = flow.properties.DeliverLogsPermissionArn;
    if (!roleArn || flow.properties.LogDestinationType === 's3') continue;
    const group = `arn:${partition}:logs:${region}:${account}:log-group:${flow.properties.LogGroupName}`;
    const caller = { kind: 'role' as const, arn: roleArn };
    const why = 'VPC Flow Logs writes the flow log';
    assumes(d, 'vpc-flow-logs.amazonaws.com', roleArn, why);
    const logGroup = d.t.findByArnOrRef(flow.properties.LogGroupName);
    const resourceLabel = logGroup ? d.policies.label(logGroup) : `log group ${flow.properties.LogGroupName}`;
    for (const [action, resource] of [
      ['logs:CreateLogStream', `${group}:log-stream:eni-0123456789abcdef0-all`],
      ['logs:PutLogEvents', `${group}:log-stream:eni-0123456789abcdef0-all`],
      ['logs:DescribeLogStreams', `${group}:*`],
    ]) {
      add(d, {
        why,
        caller,
        callerLabel: roleLabel(d, roleArn),
        action,
        resource,
        resourceLabel,
        expect: 'allow',
      });
    }
  }
}

/** S3 server access logging writes each bucket's access log into its log bucket. */
function serverAccessLogs(d: Derivation): void {
  const { account } = d.t.env;
  for (const bucket of d.t.ofType('AWS::S3::Bucket')) {
    const logging = bucket.properties.LoggingConfiguration;
    if (!logging?.DestinationBucketName) continue;
    const target = d.t.findByArnOrRef(logging.DestinationBucketName);
    if (!target) continue;
    const object = `${target.arn}/${logging.LogFilePrefix ?? ''}2026-12-06-10-00-00-0123456789ABCDEF`;
    const caller = service('logging.s3.amazonaws.com');
    const why = `S3 writes the access logs of ${d.policies.label(bucket)}`;
    add(d, {
      why,
      caller,
      callerLabel: 'logging.s3.amazonaws.com',
      action: 's3:PutObject',
      resource: object,
      context: { 'aws:SourceArn': bucket.arn!, 'aws:SourceAccount': account },
      expect: 'allow',
    });
    add(d, {
      why: `${why}: not for a bucket of another account`,
      caller,
      callerLabel: 'logging.s3.amazonaws.com',
      action: 's3:PutObject',
      resource: object,
      context: { 'aws:SourceArn': 'arn:aws:s3:::someone-elses-bucket', 'aws:SourceAccount': OTHER_ACCOUNT },
      expect: 'deny',
    });
  }
}

/**
 * Elastic Load Balancing writes ALB access logs: in Regions opened before August 2022 as the Region's
 * ELB account (a cross-account call: that account's own policies allow it, the bucket policy must too),
 * in newer ones as the service principal `logdelivery.elasticloadbalancing.amazonaws.com`.
 */
function loadBalancerAccessLogs(d: Derivation): void {
  const { account, region } = d.t.env;
  for (const lb of d.t.ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const attrs = new Map<string, string>(
      (lb.properties.LoadBalancerAttributes ?? []).map((a: { Key: string; Value: string }) => [
        a.Key,
        a.Value,
      ]),
    );
    if (attrs.get('access_logs.s3.enabled') !== 'true') continue;
    const bucket = d.t.findByArnOrRef(attrs.get('access_logs.s3.bucket')!);
    if (!bucket) continue;
    const prefix = attrs.get('access_logs.s3.prefix');
    const object = `${bucket.arn}/${prefix ? `${prefix}/` : ''}AWSLogs/${account}/elasticloadbalancing/${region}/2026/12/06/log.gz`;
    const why = `Elastic Load Balancing writes the access logs of ${d.policies.label(lb)}`;
    const elbAccount = RegionInfo.get(region).elbv2Account;
    if (elbAccount) {
      add(d, {
        why: `${why} (as the ELB account of ${region})`,
        caller: { kind: 'account-principal', arn: `arn:aws:iam::${elbAccount}:root` },
        callerLabel: `ELB account ${elbAccount}`,
        action: 's3:PutObject',
        resource: object,
        expect: 'allow',
      });
    }
    add(d, {
      why: `${why} (as the log delivery service, in newer Regions)`,
      caller: service('logdelivery.elasticloadbalancing.amazonaws.com'),
      callerLabel: 'logdelivery.elasticloadbalancing.amazonaws.com',
      action: 's3:PutObject',
      resource: object,
      expect: 'allow',
    });
  }
}

/** API Gateway invokes the function behind each method of each deployed stage. */
function apiGatewayIntegrations(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  const pathOf = (resourceId: string, api: ResolvedResource): string => {
    if (resourceId === api.attributes.RootResourceId) return '';
    const r = d.t.ofType('AWS::ApiGateway::Resource').find((x) => x.ref === resourceId);
    if (!r) throw new Error(`derived-paths: API resource ${resourceId} not found`);
    return `${pathOf(r.properties.ParentId, api)}/${r.properties.PathPart}`;
  };
  for (const method of d.t.ofType('AWS::ApiGateway::Method')) {
    const uri: string | undefined = method.properties.Integration?.Uri;
    const fnArn = uri && /functions\/(.+)\/invocations$/.exec(uri)?.[1];
    if (!fnArn) continue;
    const fn = d.t.findByArnOrRef(fnArn);
    const api = d.t.findByArnOrRef(method.properties.RestApiId);
    if (!fn || !api) continue;
    const path = pathOf(method.properties.ResourceId, api);
    for (const stage of d.t
      .ofType('AWS::ApiGateway::Stage')
      .filter((s) => s.properties.RestApiId === api.ref)) {
      const verb = method.properties.HttpMethod;
      // API Gateway names the root resource '/' in the source ARN (…/stage/GET/).
      const resourcePath = path === '' ? '/' : path;
      const sourceArn = `arn:${partition}:execute-api:${region}:${account}:${api.ref}/${stage.properties.StageName}/${verb}${resourcePath}`;
      const why = `API Gateway invokes ${d.policies.label(fn)} for ${verb} ${path}`;
      const caller = service('apigateway.amazonaws.com');
      add(d, {
        why,
        caller,
        callerLabel: 'apigateway.amazonaws.com',
        action: 'lambda:InvokeFunction',
        resource: fn.arn!,
        context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account },
        expect: 'allow',
      });
      add(d, {
        why: `${why}: not for another API`,
        caller,
        callerLabel: 'apigateway.amazonaws.com',
        action: 'lambda:InvokeFunction',
        resource: fn.arn!,
        context: {
          'aws:SourceArn': `arn:${partition}:execute-api:${region}:${OTHER_ACCOUNT}:otherapi/${stage.properties.StageName}/${verb}${resourcePath}`,
          'aws:SourceAccount': OTHER_ACCOUNT,
        },
        expect: 'deny',
      });
    }
  }
}

/** A key under a Firehose prefix: its `!{timestamp:…}` placeholders filled in for one delivery time. */
function firehoseKey(prefix: string): string {
  const at: Record<string, string> = { yyyy: '2026', MM: '12', dd: '06', HH: '10' };
  return prefix
    .replace(/!\{timestamp:([^}]*)\}/g, (_, f: string) =>
      f.replace(/yyyy|MM|dd|HH|mm|ss/g, (p) => at[p] ?? '00'),
    )
    .replace(/!\{[^}]*\}/g, 'x');
}

/**
 * Auto Scaling sends a group's notifications to its topic as its service-linked role, which the role's
 * AWS managed policy allows to publish; for an encrypted topic it also needs the key, through SNS.
 * (The role is not in the template: the key policy names it in a condition, see
 * allowAutoScalingNotifications in lib/core/service-grants.ts.)
 */
function autoScalingNotifications(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  const role = `arn:${partition}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  for (const group of d.t.ofType('AWS::AutoScaling::AutoScalingGroup')) {
    for (const n of group.properties.NotificationConfigurations ?? []) {
      const topic = d.t.findByArnOrRef(n.TopicARN);
      const key = topic && customerKey(d, topic.properties.KmsMasterKeyId);
      if (!topic || !key) continue;
      const why = `Auto Scaling notifies ${d.policies.label(topic)} of ${d.policies.label(group)} (its key, through SNS)`;
      const caller = { kind: 'role' as const, arn: role };
      const callerLabel = 'role AWSServiceRoleForAutoScaling';
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        add(d, {
          why,
          caller,
          callerLabel,
          action,
          resource: key.arn!,
          context: { 'kms:ViaService': `sns.${region}.amazonaws.com` },
          identityPolicies: [],
          expect: 'allow',
        });
      }
      add(d, {
        why: `${why}: only through SNS`,
        caller,
        callerLabel,
        action: 'kms:Decrypt',
        resource: key.arn!,
        identityPolicies: [],
        expect: 'deny',
      });
    }
  }
}

/** The customer-managed key a bucket encrypts its objects with by default (SSE-KMS), if any. */
function bucketKey(d: Derivation, bucket: ResolvedResource): ResolvedResource | undefined {
  const rules: { ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string } }[] =
    bucket.properties.BucketEncryption?.ServerSideEncryptionConfiguration ?? [];
  const byDefault = rules.find((r) => r.ServerSideEncryptionByDefault)?.ServerSideEncryptionByDefault;
  return byDefault?.SSEAlgorithm?.startsWith('aws:kms')
    ? customerKey(d, byDefault.KMSMasterKeyID)
    : undefined;
}

/**
 * CloudFront reads each S3 origin it signs for with origin access control, as the service principal
 * `cloudfront.amazonaws.com` with the distribution's ARN as `aws:SourceArn`; S3 decrypts an SSE-KMS
 * object with the bucket's key on CloudFront's behalf (`kms:ViaService` S3). The bucket statement must
 * admit this distribution only: a distribution of another customer, or another of the same account,
 * would otherwise serve the bucket (confused deputy). The key statement cannot name the distribution
 * (the key exists before it: a circular dependency), so only another account's distribution is refused
 * there; a read needs both statements.
 */
function originAccessControl(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  const buckets = d.t.ofType('AWS::S3::Bucket');
  for (const distribution of d.t.ofType('AWS::CloudFront::Distribution')) {
    for (const origin of distribution.properties.DistributionConfig?.Origins ?? []) {
      if (!origin.OriginAccessControlId) continue;
      const bucket = buckets.find((b) =>
        ['DomainName', 'RegionalDomainName', 'DualStackDomainName'].some(
          (a) => b.attributes[a] === origin.DomainName,
        ),
      );
      if (!bucket) continue; // an origin of another stack, or not a bucket (a MediaStore, a Lambda URL)
      const path = String(origin.OriginPath ?? '').replace(/^\/+|\/+$/g, '');
      const object = `${bucket.arn}/${path ? `${path}/` : ''}index.html`;
      const why = `CloudFront reads ${d.policies.label(bucket)} for ${d.policies.label(distribution)} (origin access control)`;
      const caller = service('cloudfront.amazonaws.com');
      const callerLabel = 'cloudfront.amazonaws.com';
      const own: Context = { 'aws:SourceArn': distribution.arn!, 'aws:SourceAccount': account };
      add(d, {
        why,
        caller,
        callerLabel,
        action: 's3:GetObject',
        resource: object,
        context: own,
        expect: 'allow',
      });
      add(d, {
        why: `${why}: not for another distribution of the account (confused deputy)`,
        caller,
        callerLabel,
        action: 's3:GetObject',
        resource: object,
        context: {
          'aws:SourceArn': `arn:${partition}:cloudfront::${account}:distribution/EANOTHERDISTRIBUTION`,
          'aws:SourceAccount': account,
        },
        expect: 'deny',
      });
      const key = bucketKey(d, bucket);
      if (!key) continue;
      // S3 also sends the encryption context aws:s3:arn; no policy here conditions on it, and the
      // simulator evaluates one encryption-context key per request (simulate.ts), so it is left out.
      const via = `s3.${region}.amazonaws.com`;
      add(d, {
        why: `${why} (the bucket key, through S3)`,
        caller,
        callerLabel,
        action: 'kms:Decrypt',
        resource: key.arn!,
        context: { ...own, 'kms:ViaService': via },
        expect: 'allow',
      });
      add(d, {
        why: `${why} (the bucket key, through S3): not for a distribution of another account (confused deputy)`,
        caller,
        callerLabel,
        action: 'kms:Decrypt',
        resource: key.arn!,
        context: {
          'aws:SourceArn': `arn:${partition}:cloudfront::${OTHER_ACCOUNT}:distribution/EANOTHERDISTRIBUTION`,
          'aws:SourceAccount': OTHER_ACCOUNT,
          'kms:ViaService': via,
        },
        expect: 'deny',
      });
    }
  }
}

/**
 * Vended-log delivery (CloudWatch Logs' log delivery v2, e.g. CloudFront standard logging) writes into
 * each bucket of the stack that a delivery destination names, as `delivery.logs.amazonaws.com`, under
 * `AWSLogs/<account>/`, with the ACL `bucket-owner-full-control` and the delivery source's ARN and
 * account as `aws:SourceArn` and `aws:SourceAccount` (CloudWatch Logs User Guide, "Logs sent to Amazon
 * S3"). The same call for a delivery source of another account must be refused.
 */
function logDeliveryToS3(d: Derivation): void {
  const { account, region, partition } = d.t.env;
  for (const destination of d.t.ofType('AWS::Logs::DeliveryDestination')) {
    const bucket = d.t.findByArnOrRef(destination.properties.DestinationResourceArn ?? '');
    if (bucket?.type !== 'AWS::S3::Bucket') continue; // a log group or a delivery stream
    const deliveries = d.t
      .ofType('AWS::Logs::Delivery')
      .filter((x) => x.properties.DeliveryDestinationArn === destination.arn);
    // Each delivery into the destination, with its source; a destination no delivery of the stack uses
    // yet (a source of another stack will) is proven for a delivery source of the account.
    const sources: { delivery?: ResolvedResource; source?: ResolvedResource }[] = deliveries.map((x) => ({
      delivery: x,
      source: d.t.ofType('AWS::Logs::DeliverySource').find((s) => s.ref === x.properties.DeliverySourceName),
    }));
    if (sources.length === 0) sources.push({});
    for (const { delivery, source } of sources) {
      const sourceArn = source?.arn ?? `arn:${partition}:logs:${region}:${account}:delivery-source:any`;
      const origin = source ? `${d.policies.label(source)}` : 'any delivery source of the account';
      const folder =
        source?.attributes.Service === 'cloudfront' ? 'CloudFront' : (source?.attributes.Service ?? 'logs');
      const suffix: string | undefined = delivery?.properties.S3DeliveryConfiguration?.SuffixPath;
      const object = `${bucket.arn}/AWSLogs/${account}/${folder}/${suffix ? `${fillSuffix(suffix, account)}/` : ''}2026-12-06-10.0123abcd.gz`;
      const why = `Log delivery writes the logs of ${origin} to ${d.policies.label(bucket)}`;
      const caller = service('delivery.logs.amazonaws.com');
      const callerLabel = 'delivery.logs.amazonaws.com';
      const acl = { 's3:x-amz-acl': 'bucket-owner-full-control' };
      add(d, {
        why,
        caller,
        callerLabel,
        action: 's3:PutObject',
        resource: object,
        context: { ...acl, 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account },
        expect: 'allow',
      });
      add(d, {
        why: `${why}: not for a delivery source of another account (confused deputy)`,
        caller,
        callerLabel,
        action: 's3:PutObject',
        resource: object,
        context: {
          ...acl,
          'aws:SourceArn': `arn:${partition}:logs:${region}:${OTHER_ACCOUNT}:delivery-source:someone-elses-source`,
          'aws:SourceAccount': OTHER_ACCOUNT,
        },
        expect: 'deny',
      });
      const key = bucketKey(d, bucket);
      if (!key) continue;
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        add(d, {
          why: `${why} (the bucket key, through S3)`,
          caller,
          callerLabel,
          action,
          resource: key.arn!,
          context: {
            'aws:SourceArn': sourceArn,
            'aws:SourceAccount': account,
            'kms:ViaService': `s3.${region}.amazonaws.com`,
          },
          expect: 'allow',
        });
      }
    }
  }
}

/** A delivery's S3 suffix path with its `{...}` variables filled in for one delivery. */
function fillSuffix(suffix: string, account: string): string {
  const at: Record<string, string> = { yyyy: '2026', MM: '12', dd: '06', HH: '10', 'account-id': account };
  return suffix.replace(/^\/+|\/+$/g, '').replace(/\{([^}]+)\}/g, (_, v: string) => at[v] ?? 'x');
}
