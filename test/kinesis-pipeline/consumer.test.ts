import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import {
  decodeRecord,
  handler,
  PoisonRecordError,
  processBatch,
} from '../../lib/kinesis-pipeline/runtime/consumer';

function record(seq: string, payload: unknown): KinesisStreamRecord {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    eventID: `shardId-000000000000:${seq}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:111111111111:stream/clicks',
    awsRegion: 'us-east-1',
    invokeIdentityArn: 'arn:aws:iam::111111111111:role/consumer',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'user-1',
      sequenceNumber: seq,
      approximateArrivalTimestamp: 1764000000,
      data: Buffer.from(text, 'utf8').toString('base64'),
    },
  };
}

const click = (page: string) => ({ userId: 'user-1', page, at: '2026-11-25T10:00:00Z' });
const event = (...records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });

describe('Kinesis consumer handler', () => {
  let log: jest.SpyInstance;
  let error: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  test('decodes the base64 data of a record into a click event', () => {
    expect(decodeRecord(record('1', click('/home')))).toEqual(click('/home'));
  });

  test('decodes UTF-8 payloads (multi-byte characters survive base64)', () => {
    expect(decodeRecord(record('1', click('/café/日本'))).page).toBe('/café/日本');
  });

  test.each([
    ['not JSON', 'hello', /payload is not JSON: 'hello'/],
    ['a JSON array', [1, 2], /payload is not a JSON object/],
    ['JSON null', 'null', /payload is not a JSON object/],
    [
      'a missing userId',
      { page: '/a', at: '2026-11-25T10:00:00Z' },
      /field 'userId' must be a non-empty string/,
    ],
    [
      'an empty page',
      { userId: 'u', page: '', at: '2026-11-25T10:00:00Z' },
      /field 'page' must be a non-empty string/,
    ],
    ['a bad date', { userId: 'u', page: '/a', at: 'yesterday' }, /field 'at' is not a date: 'yesterday'/],
  ])('rejects %s as a poison record naming its sequence number', (_what, payload, message) => {
    const decode = () => decodeRecord(record('42', payload));
    expect(decode).toThrow(PoisonRecordError);
    expect(decode).toThrow(message);
    expect(decode).toThrow(/^record 42: /);
  });

  test('a good batch reports no failures and handles every record in order', async () => {
    const seen: string[] = [];
    const result = await processBatch(event(record('1', click('/a')), record('2', click('/b'))), (e) => {
      seen.push(e.page);
    });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(['/a', '/b']);
  });

  test('reports the first failed record by sequence number and stops there (Lambda retries from it)', async () => {
    const seen: string[] = [];
    const result = await processBatch(
      event(record('1', click('/a')), record('2', 'garbage'), record('3', click('/c'))),
      (e) => {
        seen.push(e.page);
      },
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(seen).toEqual(['/a']);
    expect(JSON.parse(error.mock.calls[0][0])).toMatchObject({
      message: 'record failed',
      sequenceNumber: '2',
    });
  });

  test('a failing sink (e.g. a downstream timeout) is reported the same way', async () => {
    const result = await processBatch(
      event(record('7', click('/a')), record('8', click('/b'))),
      async (e) => {
        if (e.page === '/b') throw new Error('downstream timed out');
      },
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '8' }]);
    expect(error.mock.calls[0][0]).toContain('downstream timed out');
  });

  test('the Lambda handler logs each click as JSON', async () => {
    await expect(handler(event(record('1', click('/a'))))).resolves.toEqual({ batchItemFailures: [] });
    expect(JSON.parse(log.mock.calls[0][0])).toEqual({ message: 'click', ...click('/a') });
  });

  test('an empty batch succeeds', async () => {
    await expect(handler(event())).resolves.toEqual({ batchItemFailures: [] });
  });
});
