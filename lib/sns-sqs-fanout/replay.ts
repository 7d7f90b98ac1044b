/*
 * Replay of an SNS delivery dead-letter queue into its subscriber queue.
 *
 * Why not the usual ways back: SQS's message move task (StartMessageMoveTask) only takes a dead-letter
 * queue whose source is an SQS queue, not one fed by an SNS subscription's redrive policy; republishing to
 * the topic delivers a second copy to every other subscriber. So the replay receives from one subscriber's
 * delivery DLQ and sends each message to that subscriber's queue, as a role listed in the fan-out's
 * `redriveRoles` (the queue policy's DenySendUnlessFromTopic refuses everyone else).
 *
 * No AWS SDK here: the project installs no SQS client, so the README runs the same steps as an AWS CLI
 * loop, and this module holds the logic (what to send, when to delete, when to stop) for the tests.
 * It imports nothing from aws-cdk-lib.
 */

/** A message attribute as SQS returns and takes it. */
export interface ReplayMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  /** Base64, as the CLI prints it. */
  readonly BinaryValue?: string;
}

/** One message as `ReceiveMessage` returns it (with `MessageAttributeNames: All`). */
export interface ReceivedMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly Body: string;
  readonly MessageAttributes?: Record<string, ReplayMessageAttribute>;
  /** `MessageGroupId`, `MessageDeduplicationId` of a FIFO queue, when asked for. */
  readonly Attributes?: Record<string, string>;
}

/** The `SendMessage` input a replay sends to the subscriber queue. */
export interface ReplaySend {
  readonly QueueUrl: string;
  readonly MessageBody: string;
  readonly MessageAttributes?: Record<string, ReplayMessageAttribute>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

/** The three SQS calls a replay makes, made as the redrive role. */
export interface ReplaySqs {
  receiveMessages(queueUrl: string, max: number): Promise<ReceivedMessage[]>;
  sendMessage(input: ReplaySend): Promise<void>;
  deleteMessage(queueUrl: string, receiptHandle: string): Promise<void>;
}

/** Where to replay from and to. */
export interface ReplayOptions {
  /** The subscriber's delivery dead-letter queue (stack output `<Name>DeliveryDeadLetterQueueUrl`). */
  readonly from: string;
  /** The same subscriber's queue (stack output `<Name>QueueUrl`), never the topic. */
  readonly to: string;
  /**
   * At most this many messages (1-100000), e.g. one to try the replay on a single message first.
   * @default 1000
   */
  readonly max?: number;
}

/** What a replay did. */
export interface ReplayResult {
  /** Ids (in the dead-letter queue) of the messages sent to the subscriber queue and deleted from the DLQ. */
  readonly replayed: string[];
  /** Why the replay stopped early, when a send or delete failed. */
  readonly stoppedBy?: string;
}

/**
 * The `SendMessage` input that puts a received message back on the subscriber queue: body and message
 * attributes unchanged, and on FIFO queues the same message group (ordering) and deduplication id.
 */
export function toReplaySend(message: ReceivedMessage, queueUrl: string): ReplaySend {
  const attrs = message.Attributes ?? {};
  const messageAttributes = message.MessageAttributes;
  return {
    QueueUrl: queueUrl,
    MessageBody: message.Body,
    ...(messageAttributes && Object.keys(messageAttributes).length > 0
      ? { MessageAttributes: messageAttributes }
      : {}),
    ...(attrs.MessageGroupId ? { MessageGroupId: attrs.MessageGroupId } : {}),
    ...(attrs.MessageDeduplicationId ? { MessageDeduplicationId: attrs.MessageDeduplicationId } : {}),
  };
}

/**
 * Moves up to `max` messages from a delivery dead-letter queue to the subscriber queue. Each message is
 * deleted from the DLQ only after its send succeeded, so a failure never loses one: at worst (a delete
 * that fails after its send) the consumer sees it twice, as SQS's at-least-once delivery allows anyway.
 * It stops at the first failure, leaving that message in the DLQ, where it reappears after the
 * visibility timeout.
 */
export async function replayDeliveryDeadLetters(
  sqs: ReplaySqs,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const max = options.max ?? 1000;
  if (!Number.isInteger(max) || max < 1 || max > 100000) {
    throw new Error(`replay: max must be a whole number from 1 to 100000; received ${max}.`);
  }
  if (options.from === options.to) {
    throw new Error(
      `replay: from and to are the same queue (${options.from}); replay the DLQ into its subscriber queue.`,
    );
  }
  const replayed: string[] = [];
  while (replayed.length < max) {
    // One ReceiveMessage returns at most 10 messages.
    const batch = await sqs.receiveMessages(options.from, Math.min(10, max - replayed.length));
    if (batch.length === 0) break;
    for (const m of batch) {
      try {
        await sqs.sendMessage(toReplaySend(m, options.to));
      } catch (e) {
        return { replayed, stoppedBy: `send of ${m.MessageId} failed: ${(e as Error).message}` };
      }
      try {
        await sqs.deleteMessage(options.from, m.ReceiptHandle);
      } catch (e) {
        return {
          replayed,
          stoppedBy: `delete of ${m.MessageId} failed after its send: ${(e as Error).message}`,
        };
      }
      replayed.push(m.MessageId);
    }
  }
  return { replayed };
}
