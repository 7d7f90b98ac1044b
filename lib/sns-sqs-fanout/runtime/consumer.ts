// Lambda consumer of one fan-out queue (runtime code: never imports aws-cdk-lib).
//
// SQS delivers at least once and keeps a message until a consumer deletes it (000 L22, L29-31): the
// event source mapping deletes every message of a batch the function returns successfully. With
// partial batch responses (`ReportBatchItemFailures` on the mapping) the handler lists only the
// messages it could not process in `batchItemFailures`; Lambda deletes the others and the listed ones
// become visible again after the visibility timeout. Each receive counts towards the queue's
// maxReceiveCount; past it, SQS moves the message to the dead-letter queue (000 L26-27, L50).
// Throwing instead would return the whole batch, and good messages would be processed again.
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** An order event as the demo publishes it to the topic (JSON). */
export interface OrderEvent {
  readonly orderId: string;
  /** e.g. OrderPlaced, OrderShipped, OrderCancelled. */
  readonly eventType: string;
  /** Order total in the smallest currency unit; absent for events without an amount. */
  readonly amount?: number;
}

/** Thrown for a message that can never succeed, however often it is received. */
export class PoisonMessageError extends Error {
  constructor(
    public readonly messageId: string,
    message: string,
  ) {
    super(`message ${messageId}: ${message}`);
    this.name = 'PoisonMessageError';
  }
}

/**
 * The text the publisher sent. Without raw message delivery SNS wraps it in a JSON envelope
 * (`Type: Notification`, `Message`, `MessageAttributes`, signature fields; 004 L793); with raw
 * delivery the SQS body is the published text itself.
 */
export function unwrapSnsEnvelope(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    (parsed as Record<string, unknown>).Type === 'Notification' &&
    typeof (parsed as Record<string, unknown>).Message === 'string' &&
    typeof (parsed as Record<string, unknown>).TopicArn === 'string'
  ) {
    return (parsed as Record<string, string>).Message;
  }
  return body;
}

/** Parses and checks one SQS record into an order event, or throws PoisonMessageError. */
export function parseOrderEvent(record: SQSRecord): OrderEvent {
  const text = unwrapSnsEnvelope(record.body);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PoisonMessageError(record.messageId, `payload is not JSON: '${text.slice(0, 80)}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PoisonMessageError(record.messageId, 'payload is not a JSON object');
  }
  const v = value as Record<string, unknown>;
  for (const field of ['orderId', 'eventType'] as const) {
    if (typeof v[field] !== 'string' || (v[field] as string).length === 0) {
      throw new PoisonMessageError(record.messageId, `field '${field}' must be a non-empty string`);
    }
  }
  if (
    v.amount !== undefined &&
    (typeof v.amount !== 'number' || !Number.isFinite(v.amount) || v.amount < 0)
  ) {
    throw new PoisonMessageError(
      record.messageId,
      `field 'amount' must be a number >= 0; got ${String(v.amount)}`,
    );
  }
  return {
    orderId: v.orderId as string,
    eventType: v.eventType as string,
    ...(v.amount !== undefined ? { amount: v.amount as number } : {}),
  };
}

/** What to do with each order event. It must be idempotent: SQS may deliver a message twice. */
export type OrderSink = (event: OrderEvent, record: SQSRecord) => Promise<void> | void;

/** Default sink: one structured log line per event (the demo has no downstream system). */
export const logOrderEvent: OrderSink = (event, record) => {
  console.log(
    JSON.stringify({
      msg: 'order event processed',
      orderId: event.orderId,
      eventType: event.eventType,
      amount: event.amount,
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
    }),
  );
};

/**
 * Processes every record and reports the failed ones by message id.
 *
 * Standard queues: records are independent, so one failure does not stop the others.
 * FIFO queues (records carry `MessageGroupId`): once a record fails, every later record of the batch
 * is reported as failed without being processed, so no message overtakes one that came before it
 * (AWS guidance for partial batch responses on FIFO queues).
 */
export async function processBatch(
  event: SQSEvent,
  sink: OrderSink = logOrderEvent,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  let fifoStopped = false;
  for (const record of event.Records) {
    if (fifoStopped) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await sink(parseOrderEvent(record), record);
    } catch (err) {
      console.error(
        JSON.stringify({
          msg: 'order event failed; SQS will deliver it again until maxReceiveCount, then the DLQ keeps it',
          messageId: record.messageId,
          receiveCount: Number(record.attributes.ApproximateReceiveCount),
          error: err instanceof Error ? err.message : String(err),
        }),
      );
      batchItemFailures.push({ itemIdentifier: record.messageId });
      if (record.attributes.MessageGroupId !== undefined) fifoStopped = true;
    }
  }
  return { batchItemFailures };
}

/** Lambda entry point (the event source mapping has `FunctionResponseTypes: [ReportBatchItemFailures]`). */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => processBatch(event);
