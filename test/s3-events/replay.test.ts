// The replay of the failed-events queue (lib/s3-events/replay.ts, run by `npm run replay-uploads`): on-failure
// destination records parsed, the original event invoked again, a message deleted only after Lambda
// accepted its invoke. SQS is the fan-out tests' model of the SQS API (no SQS emulator speaks the current
// SDK's protocol, see TOOLCHAIN.md); Lambda is a fake that records the invokes and fails on request.
import { AsyncInvoker, parseFailedEventRecord, replayFailedEvents } from '../../lib/s3-events/replay';
import { SimulatedSqsApi } from '../sns-sqs-fanout/sqs-simulator';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111111111111/RefArch-S3EventPipeline-FailedEvents';
const FUNCTION = 'RefArch-S3EventPipeline-Processor';

/** An S3 "Object Created" event as EventBridge delivers it. */
function objectCreated(key: string, versionId = `v-${key}`): Record<string, unknown> {
  return {
    version: '0',
    id: `evt-${key}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111111111111',
    time: '2026-12-07T00:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::upload-bucket'],
    detail: {
      version: '0',
      bucket: { name: 'upload-bucket' },
      object: { key, size: 20, etag: 'e', 'version-id': versionId, sequencer: '1' },
      'request-id': 'r',
      requester: '111111111111',
      reason: 'PutObject',
    },
  };
}

/** The body Lambda sends to an SQS on-failure destination (requestPayload: the event it was invoked with). */
function onFailureRecord(event: Record<string, unknown>, condition = 'RetriesExhausted'): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: '2026-12-07T00:01:00.000Z',
    requestContext: {
      requestId: 'req-1',
      functionArn: `arn:aws:lambda:us-east-1:111111111111:function:${FUNCTION}:$LATEST`,
      condition,
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'CorruptObjectError', errorMessage: 'row 2 has 3 fields, expected 2' },
  });
}

/** Records every invoke; throws for the payloads whose key is in `failFor`. */
class FakeLambda implements AsyncInvoker {
  public readonly invoked: { functionName: string; payload: unknown }[] = [];
  constructor(
    private readonly sqs: SimulatedSqsApi,
    private readonly failFor: string[] = [],
  ) {}
  async invokeAsync(functionName: string, payload: string): Promise<void> {
    this.sqs.calls.push(`invoke ${functionName}`);
    const event = JSON.parse(payload) as { detail: { object: { key: string } } };
    if (this.failFor.includes(event.detail.object.key)) {
      throw new Error('TooManyRequestsException: Rate Exceeded.');
    }
    this.invoked.push({ functionName, payload: event });
  }
}

function world(): SimulatedSqsApi {
  const sqs = new SimulatedSqsApi('arn:aws:iam::111111111111:role/Operator');
  sqs.createQueue(QUEUE);
  return sqs;
}

describe('parseFailedEventRecord', () => {
  test('returns the original event unchanged, with what the record says about the failure', () => {
    const event = objectCreated('uploads/a.csv', 'v1');
    expect(parseFailedEventRecord(onFailureRecord(event, 'EventAgeExceeded'))).toEqual({
      event,
      bucket: 'upload-bucket',
      key: 'uploads/a.csv',
      versionId: 'v1',
      condition: 'EventAgeExceeded',
      functionArn: `arn:aws:lambda:us-east-1:111111111111:function:${FUNCTION}:$LATEST`,
      error: 'CorruptObjectError: row 2 has 3 fields, expected 2',
    });
  });

  test('a record without responsePayload or version id still parses', () => {
    const event = objectCreated('uploads/b.csv');
    delete (event.detail as { object: Record<string, unknown> }).object['version-id'];
    const body = JSON.stringify({ requestContext: {}, requestPayload: event });
    expect(parseFailedEventRecord(body)).toEqual({ event, bucket: 'upload-bucket', key: 'uploads/b.csv' });
  });

  test.each([
    ['not JSON', 'hello', /the body is not JSON/],
    ['a JSON array', '[1]', /not a JSON object/],
    [
      'an EventBridge dead-letter message (the event itself)',
      JSON.stringify(objectCreated('uploads/a.csv')),
      /no requestPayload: not a Lambda on-failure destination record/,
    ],
    [
      'a payload that is a string',
      JSON.stringify({ requestPayload: 'x' }),
      /requestPayload is not a JSON object/,
    ],
    [
      'another event',
      JSON.stringify({ requestPayload: { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change' } }),
      /not an S3 "Object Created" event \(source 'aws.ec2', detail-type 'EC2 Instance State-change'\)/,
    ],
    [
      'an event without a key',
      JSON.stringify({
        requestPayload: {
          source: 'aws.s3',
          'detail-type': 'Object Created',
          detail: { bucket: { name: 'b' } },
        },
      }),
      /no detail.bucket.name or no detail.object.key/,
    ],
  ])('refuses %s', (_, body, message) => {
    expect(() => parseFailedEventRecord(body)).toThrow(message);
  });
});

describe('replayFailedEvents', () => {
  test('invokes the processor asynchronously with each original event, then deletes the message', async () => {
    const sqs = world();
    const events = Array.from({ length: 23 }, (_, i) => objectCreated(`uploads/f${i}.csv`));
    events.forEach((e) => sqs.deliver(QUEUE, onFailureRecord(e)));
    const lambda = new FakeLambda(sqs);
    const result = await replayFailedEvents(sqs, lambda, { queueUrl: QUEUE, functionName: FUNCTION });
    expect(result.stoppedBy).toBeUndefined();
    expect(result.kept).toEqual([]);
    expect(result.replayed.map((r) => r.record.key)).toEqual(events.map((_, i) => `uploads/f${i}.csv`));
    expect(lambda.invoked).toEqual(events.map((payload) => ({ functionName: FUNCTION, payload })));
    expect(sqs.bodies(QUEUE)).toEqual([]);
  });

  test('deletes a message only after its invoke was accepted', async () => {
    const sqs = world();
    sqs.deliver(QUEUE, onFailureRecord(objectCreated('uploads/a.csv')));
    sqs.deliver(QUEUE, onFailureRecord(objectCreated('uploads/b.csv')));
    await replayFailedEvents(sqs, new FakeLambda(sqs), { queueUrl: QUEUE, functionName: FUNCTION });
    expect(sqs.calls.filter((c) => !c.startsWith('receive'))).toEqual([
      `invoke ${FUNCTION}`,
      `delete ${QUEUE}`,
      `invoke ${FUNCTION}`,
      `delete ${QUEUE}`,
    ]);
  });

  test('a failed invoke keeps the message, stops the replay and says why', async () => {
    const sqs = world();
    const [a, b, c] = ['uploads/a.csv', 'uploads/b.csv', 'uploads/c.csv'].map((k) =>
      onFailureRecord(objectCreated(k)),
    );
    [a, b, c].forEach((body) => sqs.deliver(QUEUE, body));
    const lambda = new FakeLambda(sqs, ['uploads/b.csv']);
    const result = await replayFailedEvents(sqs, lambda, { queueUrl: QUEUE, functionName: FUNCTION });
    expect(result.replayed.map((r) => r.messageId)).toEqual(['m-1']);
    expect(result.stoppedBy).toBe('invoke for m-2 failed: TooManyRequestsException: Rate Exceeded.');
    // b (failed) and c (not reached) are still in the queue; b reappears after the visibility timeout.
    expect(sqs.bodies(QUEUE)).toEqual([b, c]);
    sqs.advance(30);
    expect((await sqs.receiveMessages(QUEUE, 10)).map((m) => m.Body)).toEqual([b, c]);
  });

  test('a malformed message is kept and reported; the others are replayed', async () => {
    const sqs = world();
    const good1 = onFailureRecord(objectCreated('uploads/a.csv'));
    const undelivered = JSON.stringify(objectCreated('uploads/x.csv'));
    const good2 = onFailureRecord(objectCreated('uploads/b.csv'));
    [good1, 'not json', undelivered, good2].forEach((body) => sqs.deliver(QUEUE, body));
    const lambda = new FakeLambda(sqs);
    const result = await replayFailedEvents(sqs, lambda, { queueUrl: QUEUE, functionName: FUNCTION });
    expect(result.stoppedBy).toBeUndefined();
    expect(result.replayed.map((r) => r.record.key)).toEqual(['uploads/a.csv', 'uploads/b.csv']);
    expect(result.kept).toEqual([
      { messageId: 'm-2', reason: expect.stringMatching(/^the body is not JSON/) },
      { messageId: 'm-3', reason: expect.stringMatching(/no requestPayload/) },
    ]);
    expect(lambda.invoked).toHaveLength(2);
    expect(sqs.bodies(QUEUE)).toEqual(['not json', undelivered]);
  });

  test('a kept message that comes back during the replay is reported once, and the replay ends', async () => {
    // Visibility timeout 0: every receive returns the kept message again.
    const sqs = new SimulatedSqsApi('operator', 0);
    sqs.createQueue(QUEUE);
    sqs.deliver(QUEUE, 'not json');
    const result = await replayFailedEvents(sqs, new FakeLambda(sqs), {
      queueUrl: QUEUE,
      functionName: FUNCTION,
    });
    expect(result.kept).toHaveLength(1);
    expect(sqs.calls.filter((c) => c.startsWith('receive'))).toHaveLength(2);
    expect(sqs.bodies(QUEUE)).toEqual(['not json']);
  });

  test('--max bounds the messages looked at, in receives of at most 10', async () => {
    const sqs = world();
    for (let i = 0; i < 15; i++) sqs.deliver(QUEUE, onFailureRecord(objectCreated(`uploads/f${i}.csv`)));
    const result = await replayFailedEvents(sqs, new FakeLambda(sqs), {
      queueUrl: QUEUE,
      functionName: FUNCTION,
      max: 12,
    });
    expect(result.replayed).toHaveLength(12);
    expect(sqs.bodies(QUEUE)).toHaveLength(3);
  });

  test('a delete that fails after the invoke stops the replay and says so', async () => {
    const sqs = world();
    sqs.deliver(QUEUE, onFailureRecord(objectCreated('uploads/a.csv')));
    sqs.deleteMessage = async () => {
      throw new Error('AccessDenied: sqs:DeleteMessage');
    };
    const lambda = new FakeLambda(sqs);
    const result = await replayFailedEvents(sqs, lambda, { queueUrl: QUEUE, functionName: FUNCTION });
    expect(lambda.invoked).toHaveLength(1);
    expect(result.replayed).toEqual([]);
    expect(result.stoppedBy).toBe(
      'delete of m-1 failed after its invoke was accepted: AccessDenied: sqs:DeleteMessage',
    );
  });

  test.each([0, 100001, 1.5])('max %p is refused', async (max) => {
    await expect(
      replayFailedEvents(world(), new FakeLambda(world()), { queueUrl: QUEUE, functionName: FUNCTION, max }),
    ).rejects.toThrow(`replay: max must be a whole number from 1 to 100000; received ${max}.`);
  });
});
