// The S3 event processor against real offline servers: s3rver (S3 API) and dynalite (DynamoDB API), both on
// 127.0.0.1 with a random port, with the buckets and key schemas the construct gives them.
//
// s3rver 3.7.1 has no versioning: PutObject returns no VersionId, PutBucketVersioning is not implemented
// (it answers 409 BucketAlreadyExists), and GetObject ignores VersionId, returning the current content
// (measured 2026-12-06). So these tests cannot show S3 serving an old version; they check instead that the
// processor asks for exactly the version in the event (the GetObject input is captured below).
//
// Powertools' DynamoDB persistence layer writes its INPROGRESS record with a conditional PutItem and
// `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`. dynalite 4.0.0 accepts that parameter but leaves the old
// item out of the ConditionalCheckFailedException (measured 2026-12-06); Powertools then reads the record
// with a consistent GetItem, so a duplicate is still recognised ('the same event twice' goes that way).
// Real DynamoDB returns the old item and spares that read. No workaround was needed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AddressInfo } from 'net';
import { Server } from 'http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectCommandInput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import {
  CorruptObjectError,
  ProcessorConfig,
  ProcessorHandler,
  S3ObjectCreatedEvent,
  configFromEnv,
  createHandler,
} from '../../lib/s3-events/runtime/processor';

// dynalite and s3rver ship no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}) => { run(): Promise<AddressInfo>; close(): Promise<void> };

const UPLOADS = 'uploads-bucket';
const RESULTS = 'results-bucket';
const CONFIG: ProcessorConfig = {
  resultsBucket: RESULTS,
  resultsPrefix: 'results/',
  uploadPrefix: 'uploads/',
  uploadSuffix: '.csv',
  recordsTable: 'records-test',
  idempotencyTable: 'idempotency-test',
  maxObjectBytes: 1024,
};
const NOW = new Date('2026-12-06T12:00:00.000Z');
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let s3Dir: string;
let s3Server: { close(): Promise<void> };
let dynamoServer: Server;
let s3: S3Client; // the test's own client: uploads and checks
let processorS3: S3Client; // the processor's client, whose GetObject calls are counted
let raw: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let handle: ProcessorHandler;
let endpoint: string;
const getObjectCalls: GetObjectCommandInput[] = [];

// Powertools warns on every call made without a Lambda context ("Did you call registerLambdaContext?"):
// most calls here have none on purpose. Only that warning is silenced; any other still shows.
const consoleWarn = console.warn;
beforeAll(() => {
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes('registerLambdaContext')) consoleWarn(...args);
  });
});
afterAll(() => jest.restoreAllMocks());

beforeAll(async () => {
  s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
  const { port: s3Port } = await server.run();
  s3Server = server;
  endpoint = `http://127.0.0.1:${s3Port}`;
  s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  processorS3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  processorS3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand')
        getObjectCalls.push({ ...(args.input as GetObjectCommandInput) });
      return next(args);
    },
    { step: 'initialize', name: 'countGetObject' },
  );
  await s3.send(new CreateBucketCommand({ Bucket: UPLOADS }));
  await s3.send(new CreateBucketCommand({ Bucket: RESULTS }));

  dynamoServer = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamoServer.listen(0, '127.0.0.1', resolve));
  const { port } = dynamoServer.address() as AddressInfo;
  raw = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials });
  doc = DynamoDBDocumentClient.from(raw);
  // The key schemas the construct gives the tables.
  await raw.send(
    new CreateTableCommand({
      TableName: CONFIG.recordsTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'objectKey', AttributeType: 'S' },
        { AttributeName: 'versionId', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'objectKey', KeyType: 'HASH' },
        { AttributeName: 'versionId', KeyType: 'RANGE' },
      ],
    }),
  );
  await raw.send(
    new CreateTableCommand({
      TableName: CONFIG.idempotencyTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  handle = createHandler({
    s3: processorS3,
    dynamodb: raw,
    config: CONFIG,
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => NOW,
  });
});

afterAll(async () => {
  s3?.destroy();
  processorS3?.destroy();
  raw?.destroy();
  await s3Server?.close();
  await new Promise<void>((resolve) => (dynamoServer ? dynamoServer.close(() => resolve()) : resolve()));
  if (s3Dir) fs.rmSync(s3Dir, { recursive: true, force: true });
});

beforeEach(() => {
  getObjectCalls.length = 0;
});

let versionCounter = 0;
/** A fresh version id per upload, as S3 gives one per PutObject in a versioned bucket. */
const newVersionId = () => `v${++versionCounter}.test-version`;

async function upload(key: string, body: string | Uint8Array): Promise<{ size: number; etag: string }> {
  const out = await s3.send(
    new PutObjectCommand({ Bucket: UPLOADS, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }),
  );
  return { size: Buffer.byteLength(body), etag: (out.ETag ?? '').replace(/"/g, '') };
}

/** An EventBridge "Object Created" event as S3 sends it (shape of the S3 user guide's ev-events example). */
function event(
  key: string,
  object: { size?: number; etag?: string; versionId?: string | null } = {},
  bucket = UPLOADS,
): S3ObjectCreatedEvent {
  const versionId = object.versionId === undefined ? newVersionId() : object.versionId;
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2026-12-06T12:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key,
        size: object.size ?? 10,
        etag: object.etag ?? 'etag',
        ...(versionId === null ? {} : { 'version-id': versionId }),
        sequencer: '617f08299329d189',
      },
      reason: 'PutObject',
    },
  };
}

async function uploadAndEvent(key: string, body: string | Uint8Array): Promise<S3ObjectCreatedEvent> {
  return event(key, await upload(key, body));
}

const versionOf = (e: S3ObjectCreatedEvent) => e.detail.object['version-id'] as string;

/** The result document for one object version, or undefined when there is none. */
async function resultFor(
  key: string,
  versionId: string,
): Promise<{ body: unknown; contentType?: string } | undefined> {
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: RESULTS, Key: `results/${key}/${versionId}.json` }),
    );
    return { body: JSON.parse(await out.Body!.transformToString()), contentType: out.ContentType };
  } catch (e) {
    if ((e as Error).name === 'NoSuchKey') return undefined;
    throw e;
  }
}

async function resultKeys(): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: RESULTS }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

async function recordFor(key: string, versionId: string) {
  return (
    await doc.send(new GetCommand({ TableName: CONFIG.recordsTable, Key: { objectKey: key, versionId } }))
  ).Item;
}

async function scan(table: string) {
  return (await doc.send(new ScanCommand({ TableName: table }))).Items ?? [];
}

/** What the processor has written anywhere: result objects, records, idempotency items. */
async function everythingWritten() {
  return {
    results: await resultKeys(),
    records: (await scan(CONFIG.recordsTable)).length,
    idempotency: (await scan(CONFIG.idempotencyTable)).length,
  };
}

describe('a matching upload', () => {
  test('produces the result object and the record', async () => {
    const key = 'uploads/people.csv';
    const e = await uploadAndEvent(key, 'id,name\n1,Ada\n2,Grace\n');
    const versionId = versionOf(e);

    const result = await handle(e);

    const resultKey = `results/${key}/${versionId}.json`;
    expect(result).toEqual({
      status: 'processed',
      bucket: UPLOADS,
      key,
      versionId,
      resultBucket: RESULTS,
      resultKey,
      rowCount: 2,
      recorded: true,
    });
    // Exactly the version in the event was asked for.
    expect(getObjectCalls).toEqual([{ Bucket: UPLOADS, Key: key, VersionId: versionId }]);

    const written = await resultFor(key, versionId);
    expect(written?.contentType).toBe('application/json');
    expect(written?.body).toEqual({
      source: { bucket: UPLOADS, key, versionId, etag: e.detail.object.etag },
      columns: ['id', 'name'],
      rows: [
        { id: '1', name: 'Ada' },
        { id: '2', name: 'Grace' },
      ],
    });

    expect(await recordFor(key, versionId)).toEqual({
      objectKey: key,
      versionId,
      bucket: UPLOADS,
      etag: e.detail.object.etag,
      size: e.detail.object.size,
      rowCount: 2,
      columns: ['id', 'name'],
      resultBucket: RESULTS,
      resultKey,
      processedAt: NOW.toISOString(),
    });
  });

  test('two versions of one key get two results, neither overwriting the other', async () => {
    const key = 'uploads/versions.csv';
    const first = await uploadAndEvent(key, 'n\n1\n');
    await handle(first);
    const second = await uploadAndEvent(key, 'n\n2\n');
    await handle(second);
    expect((await resultFor(key, versionOf(first)))?.body).toMatchObject({ rows: [{ n: '1' }] });
    expect((await resultFor(key, versionOf(second)))?.body).toMatchObject({ rows: [{ n: '2' }] });
  });

  test('a key with spaces and non-ASCII characters works, taken as given', async () => {
    const key = 'uploads/Q3 sales – Zürich été.csv';
    const e = await uploadAndEvent(key, 'ville,total\nZürich,12\n');

    const result = await handle(e);

    expect(result).toMatchObject({
      status: 'processed',
      key,
      resultKey: `results/${key}/${versionOf(e)}.json`,
    });
    expect(getObjectCalls.map((c) => c.Key)).toEqual([key]);
    expect((await resultFor(key, versionOf(e)))?.body).toMatchObject({
      rows: [{ ville: 'Zürich', total: '12' }],
    });
    expect(await recordFor(key, versionOf(e))).toMatchObject({ objectKey: key, rowCount: 1 });
  });

  test('a key holding a real "+" is found on the first try', async () => {
    const key = 'uploads/c++ a+b.csv';
    const e = await uploadAndEvent(key, 'a\n1\n');
    expect(await handle(e)).toMatchObject({ status: 'processed', key });
    expect(getObjectCalls.map((c) => c.Key)).toEqual([key]);
  });

  test('a URL-encoded key (as direct S3 notifications send it) falls back to the decoded key', async () => {
    const key = 'uploads/my report é.csv';
    const { size, etag } = await upload(key, 'a\n1\n');
    const e = event('uploads/my+report+%C3%A9.csv', { size, etag });

    const result = await handle(e);

    expect(result).toMatchObject({
      status: 'processed',
      key,
      resultKey: `results/${key}/${versionOf(e)}.json`,
    });
    expect(getObjectCalls.map((c) => c.Key)).toEqual(['uploads/my+report+%C3%A9.csv', key]);
    expect(await recordFor(key, versionOf(e))).toMatchObject({ objectKey: key });
  });
  test('a key found in neither form fails with the error about the key the event named', async () => {
    const e = event('uploads/never+uploaded.csv');
    const before = await everythingWritten();

    await expect(handle(e)).rejects.toMatchObject({ name: 'NoSuchKey' });

    expect(getObjectCalls.map((c) => c.Key)).toEqual([
      'uploads/never+uploaded.csv',
      'uploads/never uploaded.csv',
    ]);
    expect(await everythingWritten()).toEqual(before);
  });
});

describe('events the processor ignores: skipped, nothing read, nothing written', () => {
  test.each([
    ['a key outside the upload prefix', 'other/people.csv', UPLOADS, /does not start with 'uploads\/'/],
    ['a key without the upload suffix', 'uploads/people.txt', UPLOADS, /end with '\.csv'/],
    ['a key that only contains the prefix', 'x/uploads/people.csv', UPLOADS, /does not start with/],
    ['an event about the results bucket', 'uploads/people.csv', RESULTS, /results bucket/],
  ])('%s', async (_name, key, bucket, reason) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'a\n1\n' }));
    const before = await everythingWritten();

    const result = await handle(event(key, {}, bucket));

    expect(result).toMatchObject({ status: 'skipped', bucket, key });
    expect(result.status === 'skipped' && result.reason).toMatch(reason);
    expect(getObjectCalls).toEqual([]);
    expect(await everythingWritten()).toEqual(before);
  });
});

describe('idempotency', () => {
  test('the same event twice: one result, and the second invocation does not download again', async () => {
    const key = 'uploads/twice.csv';
    const e = await uploadAndEvent(key, 'a,b\n1,2\n');
    const before = await everythingWritten();

    const first = await handle(e);
    const second = await handle(e);

    expect(second).toEqual(first);
    expect(getObjectCalls).toHaveLength(1);
    const after = await everythingWritten();
    expect(after.results).toEqual([...before.results, `results/${key}/${versionOf(e)}.json`].sort());
    expect(after.records).toBe(before.records + 1);
    // One idempotency item, COMPLETED, holding the result the duplicate got back.
    expect(after.idempotency).toBe(before.idempotency + 1);
    const completed = (await scan(CONFIG.idempotencyTable)).filter((i) => i.data?.versionId === versionOf(e));
    expect(completed).toHaveLength(1);
    expect(completed[0].status).toBe('COMPLETED');
    expect(completed[0].data).toEqual(first);
  });

  test('with a Lambda context, the in-progress record expires with the invocation', async () => {
    const e = await uploadAndEvent('uploads/context.csv', 'a\n1\n');
    const context = {
      functionName: 'processor',
      awsRequestId: 'request-1',
      getRemainingTimeInMillis: () => 30_000,
    } as unknown as Context;
    const start = Date.now();

    expect(await handle(e, context)).toMatchObject({ status: 'processed' });

    const item = (await scan(CONFIG.idempotencyTable)).find((i) => i.data?.versionId === versionOf(e));
    const inProgressExpiry = Number(item?.in_progress_expiration);
    expect(inProgressExpiry).toBeGreaterThanOrEqual(start + 30_000);
    expect(inProgressExpiry).toBeLessThan(Date.now() + 30_000 + 1);
  });

  test('a record already in the table (an earlier run) is success, not an error', async () => {
    const key = 'uploads/recorded.csv';
    const e = await uploadAndEvent(key, 'a\n1\n');
    const earlier = { objectKey: key, versionId: versionOf(e), processedAt: '2026-01-01T00:00:00.000Z' };
    await doc.send(new PutCommand({ TableName: CONFIG.recordsTable, Item: earlier }));

    expect(await handle(e)).toMatchObject({ status: 'processed', recorded: false });
    expect(await recordFor(key, versionOf(e))).toEqual(earlier);
    expect(await resultFor(key, versionOf(e))).toBeDefined();
  });
});

describe('corrupt objects throw CorruptObjectError and write nothing', () => {
  test.each([
    ['ragged rows', 'a,b\n1,2\n3\n', /data row 2 \(line 3\) has 1 field/],
    ['invalid UTF-8', Buffer.from('a,b\ncaf\xe9,1\n', 'latin1'), /not valid UTF-8/],
    ['a header only', 'a,b\n', /no data rows/],
    ['an empty object', '', /empty/],
    ['duplicate column names', 'a,a\n1,2\n', /column 2 is named 'a', like column 1/],
  ])('%s', async (name, body, message) => {
    const key = `uploads/corrupt ${name}.csv`;
    const e = await uploadAndEvent(key, body);
    const before = await everythingWritten();

    const attempt = handle(e);

    await expect(attempt).rejects.toBeInstanceOf(CorruptObjectError);
    await expect(attempt).rejects.toThrow(message);
    expect(await resultFor(key, versionOf(e))).toBeUndefined();
    expect(await recordFor(key, versionOf(e))).toBeUndefined();
    // No idempotency item either: a COMPLETED one would turn every retry into a silent success.
    expect(await everythingWritten()).toEqual(before);
  });

  test('a retry after a failure runs again (the idempotency record does not block it)', async () => {
    const key = 'uploads/fixed later.csv';
    const e = await uploadAndEvent(key, 'a,b\n1\n');
    await expect(handle(e)).rejects.toBeInstanceOf(CorruptObjectError);

    // s3rver ignores VersionId (see the top of this file), so the same event now reads the fixed content:
    // this stands for a retry after a transient failure.
    await upload(key, 'a,b\n1,2\n');
    const result = await handle(e);

    expect(result).toMatchObject({ status: 'processed', rowCount: 1 });
    expect(getObjectCalls).toHaveLength(2);
    expect((await resultFor(key, versionOf(e)))?.body).toMatchObject({ rows: [{ a: '1', b: '2' }] });
    expect(await recordFor(key, versionOf(e))).toMatchObject({ rowCount: 1 });
  });
});

describe('refused before any download', () => {
  test("a key whose result key would pass S3's 1,024 bytes throws without a GetObject", async () => {
    // 'uploads/' + 1,000 characters + '.csv': the result key adds 'results/', '/', the version id, '.json'.
    const key = `uploads/${'k'.repeat(1000)}.csv`;
    const before = await everythingWritten();
    await expect(handle(event(key))).rejects.toThrow(
      /its result key would be \d+ bytes, more than the 1,024 S3 allows; shorten the upload key \(it was not downloaded\)/,
    );
    expect(getObjectCalls).toEqual([]);
    expect(await everythingWritten()).toEqual(before);
  });

  test('an object over MAX_OBJECT_BYTES throws without a GetObject', async () => {
    const key = 'uploads/big.csv';
    const e = await uploadAndEvent(key, 'a\n' + '1\n'.repeat(600));
    expect(e.detail.object.size).toBeGreaterThan(CONFIG.maxObjectBytes);
    const before = await everythingWritten();

    await expect(handle(e)).rejects.toThrow(
      /is 1202 bytes, more than MAX_OBJECT_BYTES \(1024\); it was not downloaded/,
    );
    expect(getObjectCalls).toEqual([]);
    expect(await everythingWritten()).toEqual(before);
  });

  test('an object of exactly MAX_OBJECT_BYTES is processed', async () => {
    const e = await uploadAndEvent('uploads/exact.csv', 'a\n' + 'x'.repeat(1021) + '\n');
    expect(e.detail.object.size).toBe(CONFIG.maxObjectBytes);
    expect(await handle(e)).toMatchObject({ status: 'processed' });
  });

  test('an event with no size is still held to the limit, by the GetObject Content-Length', async () => {
    const key = 'uploads/big-no-size.csv';
    const e = await uploadAndEvent(key, 'a\n' + '1\n'.repeat(600));
    delete (e.detail.object as { size?: number }).size;
    await expect(handle(e)).rejects.toThrow(/more than MAX_OBJECT_BYTES/);
    expect(await resultFor(key, versionOf(e))).toBeUndefined();
  });

  test('an event without a version id (unversioned bucket) throws', async () => {
    const e = await uploadAndEvent('uploads/unversioned.csv', 'a\n1\n');
    const unversioned = event('uploads/unversioned.csv', { versionId: null });
    expect(versionOf(e)).toBeDefined();
    await expect(handle(unversioned)).rejects.toThrow(/no detail\.object\.version-id: turn on versioning/);
    expect(getObjectCalls).toEqual([]);
  });

  test('an event that is not an S3 Object Created event throws', async () => {
    const wrong = {
      ...event('uploads/a.csv'),
      'detail-type': 'Object Deleted',
    } as unknown as S3ObjectCreatedEvent;
    await expect(handle(wrong)).rejects.toThrow(/not an S3 "Object Created" event/);
  });
});

describe('configFromEnv', () => {
  const env = {
    RESULTS_BUCKET: 'results',
    RESULTS_PREFIX: 'results/',
    UPLOAD_PREFIX: 'uploads/',
    UPLOAD_SUFFIX: '.csv',
    RECORDS_TABLE: 'records',
    IDEMPOTENCY_TABLE: 'idempotency',
    MAX_OBJECT_BYTES: '10485760',
  };

  test('reads every variable', () => {
    expect(configFromEnv(env)).toEqual({
      resultsBucket: 'results',
      resultsPrefix: 'results/',
      uploadPrefix: 'uploads/',
      uploadSuffix: '.csv',
      recordsTable: 'records',
      idempotencyTable: 'idempotency',
      maxObjectBytes: 10485760,
    });
  });

  test.each(['RESULTS_BUCKET', 'RECORDS_TABLE', 'IDEMPOTENCY_TABLE', 'MAX_OBJECT_BYTES'])(
    'a missing %s is named',
    (name) => {
      expect(() => configFromEnv({ ...env, [name]: undefined })).toThrow(
        `environment variable ${name} is not set`,
      );
    },
  );

  test.each(['0', '-1', '1.5', 'ten'])('MAX_OBJECT_BYTES=%s is refused', (value) => {
    expect(() => configFromEnv({ ...env, MAX_OBJECT_BYTES: value })).toThrow(
      /MAX_OBJECT_BYTES must be a positive integer/,
    );
  });
});

describe('the Lambda bundle', () => {
  test('processor.ts bundles as the construct bundles it (Powertools and csv-parse included) and exports handler', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-events-bundle-'));
    try {
      // The options of lib/core/bundled-code.ts for nodejs24.x.
      esbuild.buildSync({
        entryPoints: [path.join(__dirname, '../../lib/s3-events/runtime/processor.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node24',
        outfile: path.join(outDir, 'index.js'),
        external: ['@aws-sdk/*'],
        logLevel: 'warning',
      });
      const code = fs.readFileSync(path.join(outDir, 'index.js'), 'utf8');
      // Bundled, not required at run time: Lambda's runtime has the AWS SDK, not these.
      expect(code).not.toMatch(/require\("(@aws-lambda-powertools\/[^"]+|csv-parse[^"]*)"\)/);
      expect(code).toMatch(/require\("@aws-sdk\/client-s3"\)/);
      // The SDK is external: let the bundle find this repository's copy, as Lambda's runtime provides one.
      fs.symlinkSync(path.join(__dirname, '../../node_modules'), path.join(outDir, 'node_modules'), 'dir');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bundle = require(path.join(outDir, 'index.js')) as Record<string, unknown>;
      expect(typeof bundle.handler).toBe('function');
      expect(typeof bundle.createHandler).toBe('function');
      expect(typeof bundle.CorruptObjectError).toBe('function');
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});
