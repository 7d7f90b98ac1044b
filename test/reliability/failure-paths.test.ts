// Failure paths over the synthesized templates (issue: reliability gates): every asynchronous path keeps
// what it fails to process, and an alarm bound to that exact resource reaches a topic.
import { PROFILES } from '../../lib/core/profile';
import { ofType, refersTo, Resources, synthesizeApp } from './synthesized-app';

/** Alarms whose dimension `name` refers to the logical id, with at least one alarm action. */
function alarmsOn(r: Resources, dimension: string, logicalId: string): string[] {
  return ofType(r, 'AWS::CloudWatch::Alarm').filter((id) => {
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
  const stacks = synthesizeApp(profile).map((s) => [s.stackId, s.template.Resources] as const);

  test.each(stacks)('%s: every alarm notifies someone', (_, r) => {
    const silent = ofType(r, 'AWS::CloudWatch::Alarm').filter(
      (id) =>
        !Array.isArray(r[id].Properties?.AlarmActions) || (r[id].Properties!.AlarmActions as []).length === 0,
    );
    expect(silent).toEqual([]);
  });

  test.each(stacks)('%s: every SNS subscription to a queue or function has a redrive DLQ', (_, r) => {
    const unsafe = ofType(r, 'AWS::SNS::Subscription').filter(
      (id) =>
        ['sqs', 'lambda'].includes(r[id].Properties?.Protocol as string) &&
        !refersTo((r[id].Properties?.RedrivePolicy as object | undefined) ?? null, 'Arn'),
    );
    expect(unsafe).toEqual([]);
  });

  test.each(stacks)('%s: every queue is either protected by a DLQ or is a DLQ', (_, r) => {
    const bare = ofType(r, 'AWS::SQS::Queue').filter(
      (id) =>
        r[id].Properties?.RedrivePolicy === undefined && r[id].Properties?.RedriveAllowPolicy === undefined,
    );
    expect(bare).toEqual([]);
  });

  test.each(stacks)('%s: every DLQ has an alarm on its own QueueName that reaches a topic', (_, r) => {
    const dlqs = ofType(r, 'AWS::SQS::Queue').filter(
      (id) => r[id].Properties?.RedriveAllowPolicy !== undefined,
    );
    expect(dlqs.filter((id) => alarmsOn(r, 'QueueName', id).length === 0)).toEqual([]);
  });

  test.each(stacks)(
    '%s: every event source mapping keeps failed records and reports them per item',
    (_, r) => {
      const problems: string[] = [];
      for (const id of ofType(r, 'AWS::Lambda::EventSourceMapping')) {
        const p = r[id].Properties ?? {};
        const source = JSON.stringify(p.EventSourceArn);
        const queue = ofType(r, 'AWS::SQS::Queue').find((q) => refersTo(p.EventSourceArn, q));
        if (queue) {
          if (r[queue].Properties?.RedrivePolicy === undefined)
            problems.push(`${id}: source queue has no DLQ`);
        } else if (!(p.DestinationConfig as { OnFailure?: unknown } | undefined)?.OnFailure) {
          problems.push(`${id}: stream source ${source} has no on-failure destination`);
        }
        if (!JSON.stringify(p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures')) {
          problems.push(`${id}: no partial batch responses`);
        }
        const fn = ofType(r, 'AWS::Lambda::Function').find((f) => refersTo(p.FunctionName, f));
        if (fn && alarmsOn(r, 'FunctionName', fn).length === 0)
          problems.push(`${id}: consumer ${fn} has no alarm`);
      }
      expect(problems).toEqual([]);
    },
  );

  test.each(stacks)(
    '%s: every Kinesis stream and Firehose stream is watched by an alarm bound to it',
    (_, r) => {
      const unwatched = [
        ...ofType(r, 'AWS::Kinesis::Stream').filter((id) => alarmsOn(r, 'StreamName', id).length === 0),
        ...ofType(r, 'AWS::KinesisFirehose::DeliveryStream').filter(
          (id) => alarmsOn(r, 'DeliveryStreamName', id).length === 0,
        ),
      ];
      expect(unwatched).toEqual([]);
    },
  );

  test.each(stacks)('%s: Firehose keeps records it cannot deliver under an error prefix', (_, r) => {
    const noErrorPrefix = ofType(r, 'AWS::KinesisFirehose::DeliveryStream').filter(
      (id) =>
        !(r[id].Properties?.ExtendedS3DestinationConfiguration as { ErrorOutputPrefix?: string } | undefined)
          ?.ErrorOutputPrefix,
    );
    expect(noErrorPrefix).toEqual([]);
  });
});
