// Lambda consumer of the Kinesis stream (runtime code: never imports aws-cdk-lib).
//
// Kinesis records are immutable and ordered per shard (001 L4410-4412): a record the function cannot
// handle is retried until it expires and blocks its shard meanwhile. The event source mapping turns
// on partial batch responses (ReportBatchItemFailures), so the handler reports the first record that
// failed; Lambda checkpoints everything before it and retries from there, bisecting the batch and
// finally sending the failed range to the on-failure queue after the bounded retries.
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/** A click event as the demo producer writes it (JSON, one per Kinesis record). */
export interface ClickEvent {
  readonly userId: string;
  readonly page: string;
  /** ISO 8601 time the click happened. */
  readonly at: string;
}

/** Thrown for a record that can never succeed, however often it is retried. */
export class PoisonRecordError extends Error {
  constructor(
    public readonly sequenceNumber: string,
    message: string,
  ) {
    super(`record ${sequenceNumber}: ${message}`);
    this.name = 'PoisonRecordError';
  }
}

/** Decodes the base64 payload of a Kinesis record into a click event, or throws PoisonRecordError. */
export function decodeRecord(record: KinesisStreamRecord): ClickEvent {
  const seq = record.kinesis.sequenceNumber;
  const text = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PoisonRecordError(seq, `payload is not JSON: '${text.slice(0, 80)}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PoisonRecordError(seq, 'payload is not a JSON object');
  }
  const v = value as Record<string, unknown>;
  for (const field of ['userId', 'page', 'at'] as const) {
    if (typeof v[field] !== 'string' || (v[field] as string).length === 0) {
      throw new PoisonRecordError(seq, `field '${field}' must be a non-empty string`);
    }
  }
  if (Number.isNaN(Date.parse(v.at as string))) {
    throw new PoisonRecordError(seq, `field 'at' is not a date: '${String(v.at)}'`);
  }
  return { userId: v.userId as string, page: v.page as string, at: v.at as string };
}

/** What to do with each decoded event; the default counts page views in the log. */
export type ClickSink = (event: ClickEvent, record: KinesisStreamRecord) => Promise<void> | void;

/**
 * Processes a batch in order and stops at the first failure. Later records are not processed: Lambda
 * retries from the reported sequence number, so handling them now would process them twice.
 */
export async function processBatch(
  event: KinesisStreamEvent,
  sink: ClickSink,
): Promise<KinesisStreamBatchResponse> {
  for (const record of event.Records) {
    try {
      await sink(decodeRecord(record), record);
    } catch (e) {
      console.error(
        JSON.stringify({
          message: 'record failed',
          sequenceNumber: record.kinesis.sequenceNumber,
          partitionKey: record.kinesis.partitionKey,
          eventSourceARN: record.eventSourceARN,
          error: e instanceof Error ? e.message : String(e),
        }),
      );
      return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
    }
  }
  return { batchItemFailures: [] };
}

function logClick(event: ClickEvent): void {
  console.log(JSON.stringify({ message: 'click', ...event }));
}

/** Lambda entry point. */
export async function handler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  return processBatch(event, logClick);
}
