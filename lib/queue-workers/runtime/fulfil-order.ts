// Demo job of the queue worker fleet: fulfils one order event (runtime code: never imports aws-cdk-lib).
//
// The orders are the SNS -> SQS fan-out's order events (lib/sns-sqs-fanout: `orderId`, `eventType`,
// optional `amount`), here optionally with `items` to pack. The job checks the order, builds a
// fulfilment receipt (totals, a packing list) and writes it to S3 as `<prefix><orderId>.json`.
//
// Idempotent by construction, because SQS delivers at least once (000 L22, L30; 001 L4325): the receipt
// is a pure function of the order (no timestamps, no random ids, lines in a fixed order) and its key is
// the order id, so a second delivery of the same order overwrites the object with identical bytes.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Job } from './worker';

export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
  /** Price of one unit in the smallest currency unit. */
  readonly unitPrice: number;
}

/** An order event as the fan-out demo publishes it, optionally with the items to pack. */
export interface Order {
  readonly orderId: string;
  readonly eventType: string;
  /** Order total in the smallest currency unit, when the publisher sent one. */
  readonly amount?: number;
  readonly items?: readonly OrderItem[];
}

export interface FulfilmentReceipt {
  readonly orderId: string;
  readonly eventType: string;
  readonly packingList: readonly {
    readonly sku: string;
    readonly quantity: number;
    readonly lineTotal: number;
  }[];
  readonly itemCount: number;
  readonly itemsTotal: number;
  /** The published amount, and whether the items add up to it (absent without an amount or items). */
  readonly amount?: number;
  readonly amountMatchesItems?: boolean;
}

/**
 * An order that can never be fulfilled, however often it is received. `retryable = false` makes the
 * worker log it as such; the message is still not deleted, so after maxReceiveCount receives it lands in
 * the dead-letter queue for a person to look at, as every failed message does.
 */
export class InvalidOrderError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOrderError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The order JSON in an SQS body. Without raw message delivery SNS wraps the published text in a JSON
 * envelope (`Type: 'Notification'`, `Message`, signature fields; 004 L793); with raw delivery the body is
 * the published text itself. Both are accepted.
 */
export function orderText(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidOrderError(`message body is not JSON: '${body.slice(0, 80)}'`);
  }
  if (isRecord(parsed) && parsed.Type === 'Notification' && typeof parsed.Message === 'string') {
    return parsed.Message;
  }
  return body;
}

/** Parses and checks an order; throws InvalidOrderError naming the first problem. */
export function parseOrder(body: string): Order {
  const text = orderText(body);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InvalidOrderError(`order is not JSON: '${text.slice(0, 80)}'`);
  }
  if (!isRecord(v)) throw new InvalidOrderError('order is not a JSON object');
  // The order id becomes part of an S3 key: keep it to characters that need no encoding.
  if (typeof v.orderId !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(v.orderId)) {
    throw new InvalidOrderError("field 'orderId' must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', '-'");
  }
  if (typeof v.eventType !== 'string' || v.eventType.length === 0) {
    throw new InvalidOrderError("field 'eventType' must be a non-empty string");
  }
  if (v.amount !== undefined && !isCount(v.amount)) {
    throw new InvalidOrderError(`field 'amount' must be an integer >= 0; got ${JSON.stringify(v.amount)}`);
  }
  let items: OrderItem[] | undefined;
  if (v.items !== undefined) {
    if (!Array.isArray(v.items)) throw new InvalidOrderError("field 'items' must be an array");
    items = v.items.map((item: unknown, i: number) => {
      if (
        !isRecord(item) ||
        typeof item.sku !== 'string' ||
        item.sku.length === 0 ||
        !isCount(item.quantity) ||
        item.quantity === 0 ||
        !isCount(item.unitPrice)
      ) {
        throw new InvalidOrderError(
          `items[${i}] must be { sku: non-empty string, quantity: integer >= 1, unitPrice: integer >= 0 }`,
        );
      }
      return { sku: item.sku, quantity: item.quantity, unitPrice: item.unitPrice };
    });
  }
  return {
    orderId: v.orderId,
    eventType: v.eventType,
    ...(v.amount !== undefined ? { amount: v.amount as number } : {}),
    ...(items ? { items } : {}),
  };
}

/** The receipt for an order: deterministic (same order, same receipt, byte for byte). */
export function buildReceipt(order: Order): FulfilmentReceipt {
  // Same SKU on several lines packs as one line; sorted by SKU so the item order in the message does
  // not change the receipt.
  const bySku = new Map<string, { quantity: number; lineTotal: number }>();
  for (const item of order.items ?? []) {
    const line = bySku.get(item.sku) ?? { quantity: 0, lineTotal: 0 };
    line.quantity += item.quantity;
    line.lineTotal += item.quantity * item.unitPrice;
    bySku.set(item.sku, line);
  }
  const packingList = [...bySku.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, line]) => ({ sku, quantity: line.quantity, lineTotal: line.lineTotal }));
  const itemsTotal = packingList.reduce((sum, line) => sum + line.lineTotal, 0);
  return {
    orderId: order.orderId,
    eventType: order.eventType,
    packingList,
    itemCount: packingList.reduce((sum, line) => sum + line.quantity, 0),
    itemsTotal,
    ...(order.amount !== undefined ? { amount: order.amount } : {}),
    ...(order.amount !== undefined && order.items ? { amountMatchesItems: order.amount === itemsTotal } : {}),
  };
}

export interface FulfilOrderDeps {
  readonly s3: Pick<S3Client, 'send'>;
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
}

/** The S3 key of an order's receipt. */
export const receiptKey = (prefix: string, orderId: string) => `${prefix}${orderId}.json`;

/** The demo job: one order message in, one receipt object out. */
export function fulfilOrderJob(deps: FulfilOrderDeps): Job {
  return async (body, { signal, logger, messageId }) => {
    const order = parseOrder(body);
    const receipt = buildReceipt(order);
    signal.throwIfAborted();
    const key = receiptKey(deps.prefix, order.orderId);
    // The abort signal cancels the upload on timeout or shutdown; a PutObject either completes or
    // leaves no object, so a retry starts clean.
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: key,
        Body: `${JSON.stringify(receipt, null, 2)}\n`,
        ContentType: 'application/json',
      }),
      { abortSignal: signal },
    );
    logger.info('receipt written', { messageId, orderId: order.orderId, bucket: deps.bucket, key });
  };
}
