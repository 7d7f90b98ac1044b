/*
 * Replay of the S3 event pipeline's failed-events queue (Lambda's on-failure destination) into the processor.
 *
 * Each message in that queue is an on-failure destination record: `requestContext` (request id, function
 * ARN, why Lambda gave up), `requestPayload` (the EventBridge event as the function received it),
 * `responseContext` and `responsePayload` (the error). A replay invokes the processor again asynchronously
 * with `requestPayload`, exactly as EventBridge did, and deletes the message only once Lambda has accepted
 * that invocation (status 202). The processor is idempotent per bucket, key and version id (Powertools),
 * and a failed run leaves no idempotency record, so a replayed event is processed once more; an event that
 * succeeded in the meantime (or is replayed twice) gets the stored result back and writes nothing twice.
 *
 * No AWS SDK here (the package depends on none): `npm run replay-uploads` (scripts/replay-uploads.ts) passes
 * SQS and Lambda clients through the two small interfaces below. It imports nothing from aws-cdk-lib.
 */

/** One message as SQS `ReceiveMessage` returns it. */
export interface FailedEventMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly Body: string;
}

/** The two SQS calls a replay makes on the failed-events queue. */
export interface FailedEventsQueueApi {
  /** At most `max` (1-10) messages; an empty array when none is visible. */
  receiveMessages(queueUrl: string, max: number): Promise<FailedEventMessage[]>;
  deleteMessage(queueUrl: string, receiptHandle: string): Promise<void>;
}

/** Lambda `Invoke` with `InvocationType: 'Event'`: resolves once Lambda accepted the event, throws otherwise. */
export interface AsyncInvoker {
  invokeAsync(functionName: string, payload: string): Promise<void>;
}

/** What a replay needs to know. */
export interface FailedEventsReplayOptions {
  /** The failed-events queue (stack output `FailedEventsQueueUrl`). */
  readonly queueUrl: string;
  /** The processor (stack output `ProcessorName`). */
  readonly functionName: string;
  /**
   * At most this many messages are looked at (1-100000), replayed or not.
   * @default 1000
   */
  readonly max?: number;
}

/** What an on-failure destination record says about the failed event. */
export interface FailedEventRecord {
  /** The EventBridge event the processor failed on, to invoke it with again. */
  readonly event: Record<string, unknown>;
  /** `detail.bucket.name` of the event. */
  readonly bucket: string;
  /** `detail.object.key` of the event. */
  readonly key: string;
  /** `detail.object.version-id`, when the event has one. */
  readonly versionId?: string;
  /** `requestContext.condition`: `RetriesExhausted`, `EventAgeExceeded`, ... */
  readonly condition?: string;
  /** `requestContext.functionArn`: the function (and version) that failed. */
  readonly functionArn?: string;
  /** `responsePayload.errorType: errorMessage`, when the function returned an error. */
  readonly error?: string;
}

/** A message left in the queue, and why. */
export interface KeptMessage {
  readonly messageId: string;
  readonly reason: string;
}

/** What a replay did. */
export interface FailedEventsReplayResult {
  /** The messages whose event Lambda accepted again and that were deleted from the queue. */
  readonly replayed: { readonly messageId: string; readonly record: FailedEventRecord }[];
  /** Messages that are not on-failure records of an S3 "Object Created" event: left in the queue. */
  readonly kept: KeptMessage[];
  /** Why the replay stopped early (an invoke or a delete failed); that message stays in the queue. */
  readonly stoppedBy?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Reads one failed-events message: an on-failure destination record whose `requestPayload` is an S3
 * "Object Created" event with a bucket name and an object key. Throws an Error saying what is missing.
 */
export function parseFailedEventRecord(body: string): FailedEventRecord {
  let record: unknown;
  try {
    record = JSON.parse(body);
  } catch (e) {
    throw new Error(`the body is not JSON (${(e as Error).message})`);
  }
  if (!isObject(record)) throw new Error('the body is not a JSON object');
  if (!('requestPayload' in record)) {
    throw new Error(
      'the body has no requestPayload: not a Lambda on-failure destination record ' +
        '(an EventBridge dead-letter message belongs in UndeliveredEvents)',
    );
  }
  const event = record.requestPayload;
  if (!isObject(event)) throw new Error('requestPayload is not a JSON object');
  if (event.source !== 'aws.s3' || event['detail-type'] !== 'Object Created') {
    throw new Error(
      `requestPayload is not an S3 "Object Created" event (source '${String(event.source)}', ` +
        `detail-type '${String(event['detail-type'])}')`,
    );
  }
  const detail = isObject(event.detail) ? event.detail : {};
  const bucket = isObject(detail.bucket) ? text(detail.bucket.name) : undefined;
  const object = isObject(detail.object) ? detail.object : {};
  const key = text(object.key);
  if (!bucket || !key) {
    throw new Error('requestPayload has no detail.bucket.name or no detail.object.key');
  }
  const context = isObject(record.requestContext) ? record.requestContext : {};
  const response = isObject(record.responsePayload) ? record.responsePayload : undefined;
  const errorType = text(response?.errorType);
  const errorMessage = text(response?.errorMessage);
  const error =
    errorType && errorMessage ? `${errorType}: ${errorMessage}` : (errorMessage ?? errorType ?? undefined);
  const versionId = text(object['version-id']);
  const condition = text(context.condition);
  const functionArn = text(context.functionArn);
  return {
    event,
    bucket,
    key,
    ...(versionId ? { versionId } : {}),
    ...(condition ? { condition } : {}),
    ...(functionArn ? { functionArn } : {}),
    ...(error ? { error } : {}),
  };
}

/**
 * Replays up to `max` messages of the failed-events queue: for each, invokes the processor asynchronously
 * with the original event and deletes the message only after Lambda accepted the invocation. A message
 * that is not an on-failure record of an upload event is left in the queue and reported in `kept` (it
 * reappears after the queue's visibility timeout, for a person to look at). The replay stops at the first
 * invoke or delete that fails (usually a missing permission or throttling, which would fail the rest
 * too), leaving that message in the queue. A delete that fails after its invoke leaves a message whose
 * event was already sent again: replaying it later is harmless, the processor being idempotent.
 */
export async function replayFailedEvents(
  sqs: FailedEventsQueueApi,
  lambda: AsyncInvoker,
  options: FailedEventsReplayOptions,
): Promise<FailedEventsReplayResult> {
  const max = options.max ?? 1000;
  if (!Number.isInteger(max) || max < 1 || max > 100000) {
    throw new Error(`replay: max must be a whole number from 1 to 100000; received ${max}.`);
  }
  const replayed: FailedEventsReplayResult['replayed'] = [];
  const kept: KeptMessage[] = [];
  // A kept message becomes visible again after the visibility timeout; in a long replay it can come back.
  // It is reported once, and a batch holding only messages already seen ends the replay.
  const seen = new Set<string>();
  while (seen.size < max) {
    // One ReceiveMessage returns at most 10 messages.
    const batch = await sqs.receiveMessages(options.queueUrl, Math.min(10, max - seen.size));
    const fresh = batch.filter((m) => !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const m of fresh) {
      if (seen.size >= max) break;
      seen.add(m.MessageId);
      let record: FailedEventRecord;
      try {
        record = parseFailedEventRecord(m.Body);
      } catch (e) {
        kept.push({ messageId: m.MessageId, reason: (e as Error).message });
        continue;
      }
      try {
        await lambda.invokeAsync(options.functionName, JSON.stringify(record.event));
      } catch (e) {
        return { replayed, kept, stoppedBy: `invoke for ${m.MessageId} failed: ${(e as Error).message}` };
      }
      try {
        await sqs.deleteMessage(options.queueUrl, m.ReceiptHandle);
      } catch (e) {
        return {
          replayed,
          kept,
          stoppedBy: `delete of ${m.MessageId} failed after its invoke was accepted: ${(e as Error).message}`,
        };
      }
      replayed.push({ messageId: m.MessageId, record });
    }
  }
  return { replayed, kept };
}
