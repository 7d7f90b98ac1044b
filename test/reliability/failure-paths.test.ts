// Failure paths over the synthesized templates (issue: reliability gates): every asynchronous path keeps
// what it fails to process, and an alarm bound to that exact resource reaches a topic.
import { PROFILES } from '../../lib/core/profile';
import {
  deadLetterQueueOf,
  ofType,
  refersTo,
  Resources,
  synthesizeApp,
  typesAbsent,
} from './synthesized-app';

/** The resource types these checks read; each must occur in the app, or a check would pass on nothing. */
const T = {
  alarm: 'AWS::CloudWatch::Alarm',
  subscription: 'AWS::SNS::Subscription',
  queue: 'AWS::SQS::Queue',
  mapping: 'AWS::Lambda::EventSourceMapping',
  fn: 'AWS::Lambda::Function',
  stream: 'AWS::Kinesis::Stream',
  firehose: 'AWS::KinesisFirehose::DeliveryStream',
  rule: 'AWS::Events::Rule',
  invokeConfig: 'AWS::Lambda::EventInvokeConfig',
} as const;

/** The targets of an EventBridge rule, as the template lists them. */
const ruleTargets = (r: Resources, id: string) =>
  (r[id].Properties?.Targets as { Arn: unknown; DeadLetterConfig?: unknown }[] | undefined) ?? [];

/** The queue an SNS subscription or event source mapping reads, when it is a queue of the template. */
const queueOf = (r: Resources, arn: unknown) => ofType(r, T.queue).find((q) => refersTo(arn, q));

/**
 * Queues something really sends its failures to: the target of a queue's or a subscription's
 * RedrivePolicy, or an event source mapping's on-failure destination.
 */
function failureTargets(r: Resources): Set<string> {
  const refs = [
    ...ofType(r, T.queue).map((id) => r[id].Properties?.RedrivePolicy),
    ...ofType(r, T.subscription).map((id) => r[id].Properties?.RedrivePolicy),
    ...[...ofType(r, T.mapping), ...ofType(r, T.invokeConfig)].map(
      (id) => (r[id].Properties?.DestinationConfig as { OnFailure?: unknown } | undefined)?.OnFailure,
    ),
    ...ofType(r, T.rule).flatMap((id) => ruleTargets(r, id).map((t) => t.DeadLetterConfig)),
  ];
  return new Set(refs.map((ref) => deadLetterQueueOf(r, ref)).filter((id): id is string => id !== undefined));
}

/**
 * What an EventBridge rule could drop silently: a target without a dead-letter queue (EventBridge keeps
 * there what it cannot deliver), or a function the rule invokes without an on-failure destination (once
 * Lambda has accepted an event, its retries end there).
 */
function asynchronousDeliveryProblems(r: Resources): string[] {
  return ofType(r, T.rule).flatMap((rule) =>
    ruleTargets(r, rule).flatMap((t) => {
      const out: string[] = [];
      if (deadLetterQueueOf(r, t.DeadLetterConfig) === undefined) out.push(`${rule}: a target without a DLQ`);
      const fn = ofType(r, T.fn).find((f) => refersTo(t.Arn, f));
      const config = fn && ofType(r, T.invokeConfig).find((c) => refersTo(r[c].Properties?.FunctionName, fn));
      const onFailure = config
        ? (r[config].Properties?.DestinationConfig as { OnFailure?: unknown } | undefined)?.OnFailure
        : undefined;
      if (fn && deadLetterQueueOf(r, onFailure) === undefined) out.push(`${fn}: no on-failure destination`);
      return out;
    }),
  );
}

test('asynchronousDeliveryProblems finds a target without a DLQ and a function without an on-failure destination', () => {
  const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const r: Resources = {
    Fn: { Type: T.fn },
    Q: { Type: T.queue },
    Rule: { Type: T.rule, Properties: { Targets: [{ Arn: getAtt('Fn') }] } },
  };
  expect(asynchronousDeliveryProblems(r)).toEqual([
    'Rule: a target without a DLQ',
    'Fn: no on-failure destination',
  ]);
  r.Rule.Properties = { Targets: [{ Arn: getAtt('Fn'), DeadLetterConfig: { Arn: getAtt('Q') } }] };
  r.Config = {
    Type: T.invokeConfig,
    Properties: {
      FunctionName: { Ref: 'Fn' },
      DestinationConfig: { OnFailure: { Destination: getAtt('Q') } },
    },
  };
  expect(asynchronousDeliveryProblems(r)).toEqual([]);
});

/** Alarms whose dimension `name` refers to the logical id, with at least one alarm action. */
function alarmsOn(r: Resources, dimension: string, logicalId: string): string[] {
  return ofType(r, T.alarm).filter((id) => {
    const props = r[id].Properties ?? {};
    const dims = (props.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [];
    const metricDims = JSON.stringify(props.Metrics ?? []);
    const bound =
      dims.some((d) => d.Name === dimension && refersTo(d.Value, logicalId)) ||
      (metricDims.includes(`"Name":"${dimension}"`) && refersTo(props.Metrics, logicalId));
    return bound && Array.isArray(props.AlarmActions) && props.AlarmActions.length > 0;
  });
}

describe.each(PROFILES)('%s profile', (profile) => {
  const synthesized = synthesizeApp(profile);
  const stacks = synthesized.map((s) => [s.stackId, s.template.Resources] as const);
  const all = <X>(f: (r: Resources) => X[]) => stacks.flatMap(([, r]) => f(r));

  test('every resource type the checks read occurs in the app, and so does each case they tell apart', () => {
    expect(typesAbsent(synthesized, Object.values(T))).toEqual([]);
    const cases = {
      'alarm with actions': all((r) => ofType(r, T.alarm).filter((id) => r[id].Properties?.AlarmActions)),
      'subscription of a queue': all((r) =>
        ofType(r, T.subscription).filter((id) => r[id].Properties?.Protocol === 'sqs'),
      ),
      'queue with a RedrivePolicy': all((r) =>
        ofType(r, T.queue).filter((id) => r[id].Properties?.RedrivePolicy),
      ),
      'dead-letter queue': all((r) => [...failureTargets(r)]),
      'mapping reading a queue': all((r) =>
        ofType(r, T.mapping).filter((id) => queueOf(r, r[id].Properties?.EventSourceArn)),
      ),
      'mapping reading a stream': all((r) =>
        ofType(r, T.mapping).filter((id) => !queueOf(r, r[id].Properties?.EventSourceArn)),
      ),
    };
    const empty = Object.entries(cases)
      .filter(([, found]) => found.length === 0)
      .map(([name]) => name);
    expect(empty).toEqual([]);
  });

  test.each(stacks)('%s: every alarm notifies someone', (_, r) => {
    const silent = ofType(r, T.alarm).filter(
      (id) =>
        !Array.isArray(r[id].Properties?.AlarmActions) || (r[id].Properties!.AlarmActions as []).length === 0,
    );
    expect(silent).toEqual([]);
  });

  test.each(stacks)('%s: every SNS subscription to a queue or function has a redrive DLQ', (_, r) => {
    // The RedrivePolicy must name a queue of the stack by its Arn, and not the subscribed queue itself.
    const unsafe = ofType(r, T.subscription).filter((id) => {
      const p = r[id].Properties ?? {};
      if (!['sqs', 'lambda'].includes(p.Protocol as string)) return false;
      const dlq = deadLetterQueueOf(r, p.RedrivePolicy);
      return dlq === undefined || dlq === queueOf(r, p.Endpoint);
    });
    expect(unsafe).toEqual([]);
  });

  test.each(stacks)(
    '%s: every EventBridge rule target has a dead-letter queue, and every function a rule invokes an on-failure destination',
    (_, r) => {
      expect(asynchronousDeliveryProblems(r)).toEqual([]);
    },
  );

  test.each(stacks)('%s: every queue is either protected by a DLQ or is a DLQ', (_, r) => {
    // Protected: its RedrivePolicy names another queue of the stack. A DLQ: something sends its
    // failures there (a RedriveAllowPolicy alone does not make a queue anyone's DLQ).
    const targets = failureTargets(r);
    const bare = ofType(r, T.queue).filter((id) => {
      const dlq = deadLetterQueueOf(r, r[id].Properties?.RedrivePolicy);
      return (dlq === undefined || dlq === id) && !targets.has(id);
    });
    expect(bare).toEqual([]);
  });

  test.each(stacks)('%s: every DLQ has an alarm on its own QueueName that reaches a topic', (_, r) => {
    const dlqs = new Set([
      ...failureTargets(r),
      ...ofType(r, T.queue).filter((id) => r[id].Properties?.RedriveAllowPolicy !== undefined),
    ]);
    expect([...dlqs].filter((id) => alarmsOn(r, 'QueueName', id).length === 0)).toEqual([]);
  });

  test.each(stacks)(
    '%s: every event source mapping keeps failed records and reports them per item',
    (_, r) => {
      const problems: string[] = [];
      for (const id of ofType(r, T.mapping)) {
        const p = r[id].Properties ?? {};
        const source = JSON.stringify(p.EventSourceArn);
        const queue = queueOf(r, p.EventSourceArn);
        if (queue) {
          if (deadLetterQueueOf(r, r[queue].Properties?.RedrivePolicy) === undefined)
            problems.push(`${id}: source queue has no DLQ`);
        } else {
          // A stream's on-failure destination: a queue of the stack, by its Arn (what the app uses).
          const onFailure = (p.DestinationConfig as { OnFailure?: unknown } | undefined)?.OnFailure;
          if (deadLetterQueueOf(r, onFailure) === undefined)
            problems.push(`${id}: stream source ${source} has no on-failure queue`);
        }
        if (!JSON.stringify(p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures')) {
          problems.push(`${id}: no partial batch responses`);
        }
        const fn = ofType(r, T.fn).find((f) => refersTo(p.FunctionName, f));
        if (!fn)
          problems.push(`${id}: consumer ${JSON.stringify(p.FunctionName)} is not a function of the stack`);
        else if (alarmsOn(r, 'FunctionName', fn).length === 0)
          problems.push(`${id}: consumer ${fn} has no alarm`);
      }
      expect(problems).toEqual([]);
    },
  );

  test.each(stacks)(
    '%s: every Kinesis stream and Firehose stream is watched by an alarm bound to it',
    (_, r) => {
      const unwatched = [
        ...ofType(r, T.stream).filter((id) => alarmsOn(r, 'StreamName', id).length === 0),
        ...ofType(r, T.firehose).filter((id) => alarmsOn(r, 'DeliveryStreamName', id).length === 0),
      ];
      expect(unwatched).toEqual([]);
    },
  );

  test.each(stacks)('%s: Firehose keeps records it cannot deliver under an error prefix', (_, r) => {
    const noErrorPrefix = ofType(r, T.firehose).filter(
      (id) =>
        !(r[id].Properties?.ExtendedS3DestinationConfiguration as { ErrorOutputPrefix?: string } | undefined)
          ?.ErrorOutputPrefix,
    );
    expect(noErrorPrefix).toEqual([]);
  });
});
