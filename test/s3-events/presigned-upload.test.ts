// The upload of `npm run upload`, end to end: a URL pre-signed with the SDK, a plain fetch PUT without
// credentials, an object stored in s3rver (S3 API on 127.0.0.1, path-style).
//
// s3rver 3.7.1 checks the expiry of a pre-signed URL but not its SigV4 signature ("V4 signatures have
// incomplete support": any signature is accepted, measured 2026-12-07). So the test puts a small SigV4
// checker in front of it, written from the SigV4 specification (query-string authentication), independent
// of the SDK's signer: it refuses, as S3 does, a request whose signed headers (content-length, host) or
// URL differ from what was signed. That the SDK's URL passes it shows both agree on the canonical request.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { AddressInfo } from 'net';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  presignUpload,
  presigningClient,
  uploadKey,
  uploadThroughUrl,
} from '../../scripts/s3-events/presigned-upload';

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}) => { run(): Promise<AddressInfo>; close(): Promise<void> };

const BUCKET = 'uploads-bucket';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const CSV = Buffer.from('id,name\n1,Ada\n2,Grace\n');

let dir: string;
let s3rver: { close(): Promise<void> };
let checker: http.Server;
let s3: S3Client; // the test's own client, to read what was stored
let signer: S3Client; // the signer's client: points at the checker, as it would at S3
const checked: { status: number; signedHeaders: string }[] = [];

const sha256 = (data: string) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4 wants it. */
const uriEncode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Why the request's SigV4 query signature is wrong, or undefined when it is right and not expired. */
function sigV4QueryProblem(req: http.IncomingMessage, secret: string, now: Date): string | undefined {
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const q = url.searchParams;
  const [date, credential, expires, signedHeaders, signature] = [
    'X-Amz-Date',
    'X-Amz-Credential',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ].map((n) => q.get(n));
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !date || !credential || !expires || !signedHeaders) {
    return 'not a SigV4 pre-signed URL';
  }
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (now.getTime() > signedAt + Number(expires) * 1000) return 'expired';
  const [, day, region, service] = credential.split('/');
  const canonicalQuery = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    req.method,
    url.pathname,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, day);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign).toString('hex');
  return expected === signature ? undefined : 'SignatureDoesNotMatch';
}

/** Checks the signature, then passes the request on to s3rver unchanged. */
function startChecker(target: number): Promise<number> {
  checker = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const problem = sigV4QueryProblem(req, credentials.secretAccessKey, new Date());
      const signedHeaders = new URL(req.url ?? '/', 'http://x').searchParams.get('X-Amz-SignedHeaders') ?? '';
      if (problem) {
        checked.push({ status: 403, signedHeaders });
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(
          `<Error><Code>${problem === 'expired' ? 'AccessDenied' : problem}</Code><Message>${problem}</Message></Error>`,
        );
        return;
      }
      checked.push({ status: 200, signedHeaders });
      const forward = http.request(
        { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        },
      );
      forward.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) =>
    checker.listen(0, '127.0.0.1', () => resolve((checker.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  s3rver = server;
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const checkerPort = await startChecker(port);
  signer = presigningClient({
    endpoint: `http://127.0.0.1:${checkerPort}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
  });
});

afterAll(async () => {
  s3?.destroy();
  signer?.destroy();
  await new Promise<void>((resolve) => (checker ? checker.close(() => resolve()) : resolve()));
  await s3rver?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  checked.length = 0;
});

async function stored(key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.Body!.transformToString();
}

test('a PUT through the pre-signed URL, with no credentials, stores the object under the upload key', async () => {
  const key = uploadKey('uploads/', 'orders.csv', '.csv');
  const url = await presignUpload(signer, {
    bucket: BUCKET,
    key,
    contentLength: CSV.byteLength,
    expiresSeconds: 60,
  });
  // The URL carries the signature; the uploader needs nothing else.
  expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');
  expect(new URL(url).pathname).toBe(`/${BUCKET}/uploads/orders.csv`);
  const response = await uploadThroughUrl(url, CSV);
  expect(checked).toEqual([{ status: 200, signedHeaders: 'content-length;host' }]);
  expect(response.etag).toBe(`"${crypto.createHash('md5').update(CSV).digest('hex')}"`);
  // s3rver has no versioning, so no version id (S3 returns x-amz-version-id on a versioned bucket).
  expect(response.versionId).toBeUndefined();
  expect(await stored(key)).toBe(CSV.toString());
});

test.each([
  ['longer', Buffer.concat([CSV, Buffer.from('3,Linus\n')])],
  ['shorter', CSV.subarray(0, CSV.byteLength - 1)],
])('a %s body is refused (content-length is signed) and nothing is stored', async (_, body) => {
  const key = `uploads/other-length-${body.byteLength}.csv`;
  const url = await presignUpload(signer, {
    bucket: BUCKET,
    key,
    contentLength: CSV.byteLength,
    expiresSeconds: 60,
  });
  await expect(uploadThroughUrl(url, body)).rejects.toThrow(
    'S3 refused the upload: 403 Forbidden SignatureDoesNotMatch',
  );
  await expect(stored(key)).rejects.toMatchObject({ name: 'NoSuchKey' });
});

test('the same length to another key is refused: the key is part of the signature', async () => {
  const url = await presignUpload(signer, {
    bucket: BUCKET,
    key: 'uploads/a.csv',
    contentLength: CSV.byteLength,
    expiresSeconds: 60,
  });
  await expect(uploadThroughUrl(url.replace('/uploads/a.csv', '/uploads/b.csv'), CSV)).rejects.toThrow(
    /SignatureDoesNotMatch/,
  );
  await expect(stored('uploads/b.csv')).rejects.toMatchObject({ name: 'NoSuchKey' });
});

test('an expired URL is refused', async () => {
  const url = await presignUpload(signer, {
    bucket: BUCKET,
    key: 'uploads/late.csv',
    contentLength: CSV.byteLength,
    expiresSeconds: 1,
  });
  await new Promise((r) => setTimeout(r, 2100));
  await expect(uploadThroughUrl(url, CSV)).rejects.toThrow(/403 Forbidden AccessDenied/);
});

test('the signing client puts no checksum in the URL (the SDK default would sign the CRC32 of an empty body)', async () => {
  const offline = { region: 'us-east-1', credentials };
  const key = 'uploads/a.csv';
  const input = { bucket: BUCKET, key, contentLength: CSV.byteLength, expiresSeconds: 60 };
  const ours = new URL(await presignUpload(presigningClient(offline), input));
  expect([...ours.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
  // Why presigningClient exists: the default client adds x-amz-checksum-crc32=AAAAAA== (empty body).
  const sdkDefault = new URL(await presignUpload(new S3Client(offline), input));
  expect(sdkDefault.searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
});
