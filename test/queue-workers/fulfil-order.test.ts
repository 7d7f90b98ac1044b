// The demo job: parsing and receipts as functions, then end to end through the worker: a local SQS
// (sqs-json-server.ts, JSON protocol) and s3rver (S3 API, path-style) with the real SDK clients.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AddressInfo } from 'net';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  buildReceipt,
  fulfilOrderJob,
  InvalidOrderError,
  parseOrder,
  receiptKey,
  type Order,
} from '../../lib/queue-workers/runtime/fulfil-order';
import {
  createWorker,
  type JobContext,
  type Logger,
  type Worker,
} from '../../lib/queue-workers/runtime/worker';
import { SqsJsonServer } from './sqs-json-server';

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}) => { run(): Promise<AddressInfo>; close(): Promise<void> };

// s3rver accepts only its own default key pair.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const bucket = 'receipts';
const prefix = 'receipts/';

const order: Order = {
  orderId: 'o-1001',
  eventType: 'OrderPlaced',
  amount: 2500,
  items: [
    { sku: 'SKU-B', quantity: 1, unitPrice: 1000 },
    { sku: 'SKU-A', quantity: 2, unitPrice: 500 },
    { sku: 'SKU-B', quantity: 1, unitPrice: 500 },
  ],
};

/** An SNS notification as SQS receives it without raw message delivery. */
const snsEnvelope = (message: string) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: '8f5c1b7e-0000-4000-8000-000000000001',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:OrderEvents',
    Message: message,
    Timestamp: '2026-12-07T01:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'c2lnbmF0dXJl',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/cert.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  });

function recordingLogger(): Logger & { entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const log =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      entries.push({ level, msg, ...fields });
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const context = (signal = new AbortController().signal): JobContext => ({
  signal,
  messageId: 'm-1',
  receiveCount: 1,
  queue: 'standard',
  logger: recordingLogger(),
});

describe('parseOrder', () => {
  test('a raw order body (raw message delivery) and an SNS envelope give the same order', () => {
    const raw = JSON.stringify(order);
    expect(parseOrder(raw)).toEqual(order);
    expect(parseOrder(snsEnvelope(raw))).toEqual(order);
  });

  test('the fan-out demo order shape (no items) is accepted', () => {
    expect(parseOrder('{"orderId":"o-1","eventType":"OrderCancelled"}')).toEqual({
      orderId: 'o-1',
      eventType: 'OrderCancelled',
    });
  });

  test.each([
    ['not json', /message body is not JSON/],
    [snsEnvelope('not json'), /order is not JSON/],
    ['[1,2]', /order is not a JSON object/],
    ['{"eventType":"OrderPlaced"}', /field 'orderId'/],
    ['{"orderId":"../../etc","eventType":"OrderPlaced"}', /field 'orderId'/],
    ['{"orderId":"o-1","eventType":""}', /field 'eventType'/],
    ['{"orderId":"o-1","eventType":"OrderPlaced","amount":-1}', /field 'amount'/],
    ['{"orderId":"o-1","eventType":"OrderPlaced","amount":1.5}', /field 'amount'/],
    ['{"orderId":"o-1","eventType":"OrderPlaced","items":{}}', /field 'items' must be an array/],
    [
      '{"orderId":"o-1","eventType":"OrderPlaced","items":[{"sku":"A","quantity":0,"unitPrice":1}]}',
      /items\[0\]/,
    ],
  ])('%s is an InvalidOrderError', (body, message) => {
    const attempt = () => parseOrder(body);
    expect(attempt).toThrow(InvalidOrderError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (err) {
      expect((err as InvalidOrderError).retryable).toBe(false);
    }
  });
});

describe('buildReceipt', () => {
  test('totals and a packing list merged by SKU and sorted', () => {
    expect(buildReceipt(order)).toEqual({
      orderId: 'o-1001',
      eventType: 'OrderPlaced',
      packingList: [
        { sku: 'SKU-A', quantity: 2, lineTotal: 1000 },
        { sku: 'SKU-B', quantity: 2, lineTotal: 1500 },
      ],
      itemCount: 4,
      itemsTotal: 2500,
      amount: 2500,
      amountMatchesItems: true,
    });
  });

  test('deterministic: the item order in the message does not change the receipt', () => {
    const reversed = { ...order, items: [...(order.items ?? [])].reverse() };
    expect(JSON.stringify(buildReceipt(reversed))).toBe(JSON.stringify(buildReceipt(order)));
    expect(buildReceipt({ ...order, amount: 1 }).amountMatchesItems).toBe(false);
  });
});

describe('fulfilOrderJob', () => {
  test('honours an aborted signal: no upload', async () => {
    const send = jest.fn();
    const controller = new AbortController();
    controller.abort(new Error('shutdown'));
    const job = fulfilOrderJob({ s3: { send } as unknown as S3Client, bucket, prefix });
    await expect(job(JSON.stringify(order), context(controller.signal))).rejects.toThrow('shutdown');
    expect(send).not.toHaveBeenCalled();
  });

  test('passes the signal to PutObject so an abort cancels the upload', async () => {
    const send = jest.fn().mockResolvedValue({});
    const controller = new AbortController();
    await fulfilOrderJob({ s3: { send } as unknown as S3Client, bucket, prefix })(
      JSON.stringify(order),
      context(controller.signal),
    );
    expect(send).toHaveBeenCalledWith(expect.any(PutObjectCommand), { abortSignal: controller.signal });
    expect((send.mock.calls[0][0] as PutObjectCommand).input).toMatchObject({
      Bucket: bucket,
      Key: 'receipts/o-1001.json',
      ContentType: 'application/json',
    });
  });
});

describe('through the worker, with SQS and S3', () => {
  let sqsServer: SqsJsonServer;
  let sqs: SQSClient;
  let s3Server: { close(): Promise<void> };
  let s3: S3Client;
  let s3Dir: string;
  let worker: Worker | undefined;
  let n = 0;

  beforeAll(async () => {
    sqsServer = await SqsJsonServer.start();
    sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials });
    s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
    const { port } = await server.run();
    s3Server = server;
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  afterAll(async () => {
    sqs.destroy();
    s3.destroy();
    await sqsServer.close();
    await s3Server.close();
    fs.rmSync(s3Dir, { recursive: true, force: true });
  });

  function run(maxReceiveCount = 3) {
    n += 1;
    sqsServer.createQueue(`dlq-${n}`);
    const queueUrl = sqsServer.createQueue(`orders-${n}`, {
      visibilityTimeoutSeconds: 2,
      redrive: { deadLetterQueue: `dlq-${n}`, maxReceiveCount },
    });
    const logger = recordingLogger();
    const runPrefix = `${prefix}${n}/`;
    worker = createWorker({
      sqs,
      logger,
      settings: {
        queueUrl,
        visibilityTimeoutSeconds: 2,
        heartbeatSeconds: 1,
        jobTimeoutSeconds: 30,
        batchSize: 10,
      },
      job: fulfilOrderJob({ s3, bucket, prefix: runPrefix }),
    });
    worker.start();
    return { queue: `orders-${n}`, dlq: `dlq-${n}`, logger, prefix: runPrefix };
  }

  const waitFor = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const read = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  const keys = async (under: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: under }))).Contents ?? []).map(
      (o) => o.Key,
    );
  const successes = (entries: Record<string, unknown>[]) =>
    entries.filter((e) => e.msg === 'job succeeded; message deleted').length;

  test('an order message is processed and deleted; its receipt is in S3', async () => {
    const r = run();
    sqsServer.send(r.queue, JSON.stringify(order));
    await waitFor(() => successes(r.logger.entries) === 1, 'success');
    expect(sqsServer.messages(r.queue)).toHaveLength(0);
    expect(JSON.parse(await read(receiptKey(r.prefix, 'o-1001')))).toEqual(buildReceipt(order));
  });

  test('the same order delivered twice, raw and in an SNS envelope, gives one identical receipt', async () => {
    const r = run();
    sqsServer.send(r.queue, JSON.stringify(order));
    await waitFor(() => successes(r.logger.entries) === 1, 'first delivery');
    const first = await read(receiptKey(r.prefix, 'o-1001'));
    sqsServer.send(r.queue, snsEnvelope(JSON.stringify(order)));
    await waitFor(() => successes(r.logger.entries) === 2, 'second delivery');
    expect(await keys(r.prefix)).toEqual([receiptKey(r.prefix, 'o-1001')]);
    expect(await read(receiptKey(r.prefix, 'o-1001'))).toBe(first);
    expect(sqsServer.messages(r.queue)).toHaveLength(0);
  });

  test('an invalid order is logged as non-retryable and not deleted: it takes the DLQ path', async () => {
    const r = run(1);
    sqsServer.send(r.queue, '{"orderId":"o-2","eventType":"OrderPlaced","amount":"lots"}');
    await waitFor(() => r.logger.entries.some((e) => e.level === 'error'), 'failure');
    expect(r.logger.entries.find((e) => e.level === 'error')).toMatchObject({
      msg: 'job failed: non-retryable; message left for the dead-letter queue',
      retryable: false,
      errorName: 'InvalidOrderError',
    });
    expect(sqsServer.callsOf('DeleteMessage', r.queue)).toHaveLength(0);
    expect(sqsServer.messages(r.queue)).toEqual([
      expect.objectContaining({ visible: false, receiveCount: 1 }),
    ]);
    expect(await keys(r.prefix)).toEqual([]);
    // maxReceiveCount 1: once the visibility timeout ends, the next receive moves it to the DLQ.
    await waitFor(() => sqsServer.messages(r.dlq).length === 1, 'DLQ');
  });
});
