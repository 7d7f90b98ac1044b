import {
  handler,
  OrderEvent,
  parseOrderEvent,
  PoisonMessageError,
  processBatch,
  unwrapSnsEnvelope,
} from '../../lib/sns-sqs-fanout/runtime/consumer';
import { snsEnvelope, sqsRecord } from './sqs-simulator';

const order = (orderId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ orderId, eventType: 'OrderPlaced', amount: 1250, ...extra });

let log: jest.SpyInstance;
let error: jest.SpyInstance;
beforeEach(() => {
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('parsing', () => {
  test('unwraps the SNS envelope (raw delivery off) and passes raw bodies through', () => {
    expect(unwrapSnsEnvelope(snsEnvelope('{"a":1}'))).toBe('{"a":1}');
    expect(unwrapSnsEnvelope('{"a":1}')).toBe('{"a":1}');
    expect(unwrapSnsEnvelope('not json')).toBe('not json');
    // A body that merely has a Type field is not an envelope.
    expect(unwrapSnsEnvelope('{"Type":"Notification","Message":"x"}')).toBe(
      '{"Type":"Notification","Message":"x"}',
    );
  });

  test('reads the same order from an enveloped and a raw message', () => {
    const expected: OrderEvent = { orderId: 'o-1', eventType: 'OrderPlaced', amount: 1250 };
    expect(parseOrderEvent(sqsRecord('m1', snsEnvelope(order('o-1'))))).toEqual(expected);
    expect(parseOrderEvent(sqsRecord('m2', order('o-1')))).toEqual(expected);
    expect(parseOrderEvent(sqsRecord('m3', '{"orderId":"o","eventType":"OrderShipped"}'))).toEqual({
      orderId: 'o',
      eventType: 'OrderShipped',
    });
  });

  test.each([
    ['not json', /payload is not JSON/],
    ['[1]', /payload is not a JSON object/],
    ['{"eventType":"OrderPlaced"}', /field 'orderId' must be a non-empty string/],
    ['{"orderId":"o","eventType":""}', /field 'eventType' must be a non-empty string/],
    ['{"orderId":"o","eventType":"X","amount":-1}', /field 'amount' must be a number >= 0; got -1/],
    ['{"orderId":"o","eventType":"X","amount":"10"}', /field 'amount' must be a number >= 0/],
  ])('rejects %s as a poison message', (body, message) => {
    expect(() => parseOrderEvent(sqsRecord('bad', body))).toThrow(PoisonMessageError);
    expect(() => parseOrderEvent(sqsRecord('bad', body))).toThrow(message);
  });
});

describe('partial batch responses', () => {
  test('a failing record is reported alone; the others are processed and will be deleted', async () => {
    const seen: string[] = [];
    const result = await processBatch(
      {
        Records: [
          sqsRecord('m1', snsEnvelope(order('o-1'))),
          sqsRecord('m2', snsEnvelope('{"orderId":"o-2"}')),
          sqsRecord('m3', snsEnvelope(order('o-3'))),
        ],
      },
      (e) => {
        seen.push(e.orderId);
      },
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(seen).toEqual(['o-1', 'o-3']);
    expect(error).toHaveBeenCalledTimes(1);
    expect(JSON.parse(error.mock.calls[0][0]).messageId).toBe('m2');
  });

  test('a sink that throws (e.g. a downstream outage) reports that record too', async () => {
    const result = await processBatch(
      { Records: [sqsRecord('m1', order('o-1')), sqsRecord('m2', order('o-2'))] },
      (e) => {
        if (e.orderId === 'o-1') throw new Error('billing API timed out');
      },
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  test('a clean batch reports nothing, so Lambda deletes every message', async () => {
    expect(await processBatch({ Records: [sqsRecord('m1', order('o-1'))] }, () => undefined)).toEqual({
      batchItemFailures: [],
    });
  });

  test('FIFO: after the first failure the rest of the batch is reported unprocessed, keeping the order', async () => {
    const seen: string[] = [];
    const g = { messageGroupId: 'customer-7' };
    const result = await processBatch(
      {
        Records: [
          sqsRecord('m1', order('o-1'), g),
          sqsRecord('m2', 'broken', g),
          sqsRecord('m3', order('o-3'), g),
          sqsRecord('m4', order('o-4'), g),
        ],
      },
      (e) => {
        seen.push(e.orderId);
      },
    );
    expect(seen).toEqual(['o-1']);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m2', 'm3', 'm4']);
  });

  test('the Lambda entry point logs each processed order as one JSON line', async () => {
    const result = await handler({
      Records: [sqsRecord('m1', snsEnvelope(order('o-9')), { receiveCount: 2 })],
    });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(JSON.parse(log.mock.calls[0][0])).toEqual({
      msg: 'order event processed',
      orderId: 'o-9',
      eventType: 'OrderPlaced',
      amount: 1250,
      messageId: 'm1',
      receiveCount: 2,
    });
  });
});
