import { replayDeliveryDeadLetters, toReplaySend } from '../../lib/sns-sqs-fanout/replay';
import { SimulatedSqsApi, snsEnvelope } from './sqs-simulator';

const REPLAY_ROLE = 'arn:aws:iam::111111111111:role/ReplayRole';
const DLQ = 'https://sqs.us-east-1.amazonaws.com/111111111111/Billing-DeliveryDeadLetterQueue';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111111111111/Billing-Queue';
const OTHER = 'https://sqs.us-east-1.amazonaws.com/111111111111/Shipping-Queue';

/** Both queues carry DenySendUnlessFromTopic: only the redrive role may send besides the topic. */
function world(principal = REPLAY_ROLE): SimulatedSqsApi {
  const sqs = new SimulatedSqsApi(principal);
  sqs.createQueue(DLQ, { sendersAllowed: [REPLAY_ROLE] });
  sqs.createQueue(QUEUE, { sendersAllowed: [REPLAY_ROLE] });
  sqs.createQueue(OTHER, { sendersAllowed: [REPLAY_ROLE] });
  return sqs;
}

describe('replay of an SNS delivery dead-letter queue', () => {
  test('moves every message to the subscriber queue only (never the topic: no other subscriber gets a copy)', async () => {
    const sqs = world();
    const bodies = Array.from({ length: 23 }, (_, i) => snsEnvelope(`{"orderId":"${i}"}`));
    bodies.forEach((b) => sqs.deliver(DLQ, b));
    const result = await replayDeliveryDeadLetters(sqs, { from: DLQ, to: QUEUE });
    expect(result.stoppedBy).toBeUndefined();
    expect(result.replayed).toHaveLength(23);
    expect(sqs.bodies(QUEUE)).toEqual(bodies);
    expect(sqs.bodies(DLQ)).toEqual([]);
    expect(sqs.bodies(OTHER)).toEqual([]);
  });

  test('--max replays at most that many, in batches of at most 10', async () => {
    const sqs = world();
    for (let i = 0; i < 15; i++) sqs.deliver(DLQ, `b${i}`);
    const result = await replayDeliveryDeadLetters(sqs, { from: DLQ, to: QUEUE, max: 12 });
    expect(result.replayed).toHaveLength(12);
    expect(sqs.bodies(QUEUE)).toHaveLength(12);
    expect(sqs.bodies(DLQ)).toEqual(['b12', 'b13', 'b14']);
  });

  test('deletes each message only after its send succeeded', async () => {
    const sqs = world();
    sqs.deliver(DLQ, 'a');
    await replayDeliveryDeadLetters(sqs, { from: DLQ, to: QUEUE });
    expect(sqs.calls.filter((c) => !c.startsWith('receive'))).toEqual([`send ${QUEUE}`, `delete ${DLQ}`]);
  });

  test('as a principal the queue policy does not admit, nothing is lost: the message stays in the DLQ', async () => {
    const sqs = world('arn:aws:iam::111111111111:role/Admin');
    sqs.deliver(DLQ, 'a');
    const result = await replayDeliveryDeadLetters(sqs, { from: DLQ, to: QUEUE });
    expect(result.replayed).toEqual([]);
    expect(result.stoppedBy).toMatch(/AccessDenied/);
    expect(sqs.bodies(QUEUE)).toEqual([]);
    // Still there: it reappears after the visibility timeout for the next try.
    sqs.advance(30);
    expect(sqs.bodies(DLQ)).toEqual(['a']);
    expect(await sqs.receiveMessages(DLQ, 1)).toHaveLength(1);
  });

  test('keeps message attributes, and on FIFO queues the message group and deduplication id', async () => {
    const sqs = world();
    const fifoDlq = `${DLQ}.fifo`;
    const fifoQueue = `${QUEUE}.fifo`;
    sqs.createQueue(fifoDlq, { sendersAllowed: [REPLAY_ROLE] });
    sqs.createQueue(fifoQueue, { sendersAllowed: [REPLAY_ROLE] });
    const messageAttributes = { eventType: { DataType: 'String', StringValue: 'OrderPlaced' } };
    sqs.deliver(fifoDlq, 'x', {
      messageAttributes,
      attributes: { MessageGroupId: 'order-7', MessageDeduplicationId: 'd-1' },
    });
    await replayDeliveryDeadLetters(sqs, { from: fifoDlq, to: fifoQueue });
    expect(sqs.messages(fifoQueue)).toEqual([
      expect.objectContaining({
        body: 'x',
        messageAttributes,
        attributes: { MessageGroupId: 'order-7', MessageDeduplicationId: 'd-1' },
      }),
    ]);
  });

  test('toReplaySend leaves out empty attributes (SendMessage rejects an empty map)', () => {
    expect(
      toReplaySend({ MessageId: 'm', ReceiptHandle: 'r', Body: 'b', MessageAttributes: {} }, QUEUE),
    ).toEqual({
      QueueUrl: QUEUE,
      MessageBody: 'b',
    });
  });

  test.each([0, -1, 1.5, 100001])('rejects max %p', async (max) => {
    await expect(replayDeliveryDeadLetters(world(), { from: DLQ, to: QUEUE, max })).rejects.toThrow(
      /max must be a whole number from 1 to 100000; received/,
    );
  });

  test('rejects replaying a queue into itself', async () => {
    await expect(replayDeliveryDeadLetters(world(), { from: DLQ, to: DLQ })).rejects.toThrow(/same queue/);
  });
});
