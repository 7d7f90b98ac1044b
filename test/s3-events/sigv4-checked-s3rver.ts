// A local S3 for upload tests that checks pre-signed URLs as S3 does: s3rver (S3 API on 127.0.0.1,
// path-style) behind a SigV4 checker.
//
// s3rver 3.7.1 checks the expiry of a pre-signed URL but not its SigV4 signature ("V4 signatures have
// incomplete support": any signature is accepted, measured 2026-12-07). So the helper puts a small SigV4
// checker in front of it, written from the SigV4 specification (query-string authentication), independent
// of the SDK's signer: it refuses, as S3 does, a request whose signed headers (content-length, host) or
// URL differ from what was signed, or whose URL has expired. That the SDK's URL passes it shows both agree
// on the canonical request.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { AddressInfo } from 'net';
import { CreateBucketCommand, GetObjectCommand, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { presigningClient } from '../../lib/s3-events/runtime/presign';

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}) => { run(): Promise<AddressInfo>; close(): Promise<void> };

/** What the checker decided about one request: 200 passed on to s3rver, 403 refused. */
export interface CheckedRequest {
  readonly status: number;
  readonly signedHeaders: string;
}

export interface CheckedS3 {
  /** The test's own client, straight to s3rver (not checked): to create buckets and read what was stored. */
  readonly s3: S3Client;
  /** Where signers point (the checker), as they would at S3. */
  readonly signerEndpoint: string;
  readonly region: string;
  /** The only credentials the checker accepts a signature of. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Every request the checker saw, in order; a test empties it (`checked.length = 0`) as it needs. */
  readonly checked: CheckedRequest[];
  /**
   * The checker's clock for the expiry check; the real one unless a test sets it (to check expiry
   * without waiting). s3rver checks expiry on its own clock, which stays the real one.
   */
  now: () => Date;
  /** A signing client (presigningClient) pointed at the checker; `config` overrides its settings. */
  signingClient(config?: S3ClientConfig): S3Client;
  createBucket(bucket: string): Promise<void>;
  /** The stored object's body as text; rejects with NoSuchKey when there is none. */
  stored(bucket: string, key: string): Promise<string>;
  close(): Promise<void>;
}

const sha256 = (data: string) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4 wants it. */
const uriEncode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** X-Amz-Date (20261207T011930Z) as a Date. */
export function amzDate(value: string): Date {
  return new Date(
    Date.parse(value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')),
  );
}

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
  const signedAt = amzDate(date).getTime();
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

/** Starts s3rver (in a fresh temporary directory) and the checker in front of it, both on random ports. */
export async function startCheckedS3(): Promise<CheckedS3> {
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const checked: CheckedRequest[] = [];
  const clients: S3Client[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port: target } = await s3rver.run();

  const result: CheckedS3 = {
    s3: new S3Client({ endpoint: `http://127.0.0.1:${target}`, region, forcePathStyle: true, credentials }),
    signerEndpoint: '', // set below, once the checker listens
    region,
    credentials,
    checked,
    now: () => new Date(),
    signingClient(config = {}) {
      const client = presigningClient({
        endpoint: result.signerEndpoint,
        region,
        forcePathStyle: true,
        credentials,
        ...config,
      });
      clients.push(client);
      return client;
    },
    async createBucket(bucket) {
      await result.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    async stored(bucket, key) {
      const out = await result.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body!.transformToString();
    },
    async close() {
      result.s3.destroy();
      clients.forEach((c) => c.destroy());
      await new Promise<void>((resolve) => checker.close(() => resolve()));
      await s3rver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  /** Checks the signature, then passes the request on to s3rver unchanged. */
  const checker = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const problem = sigV4QueryProblem(req, credentials.secretAccessKey, result.now());
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
  const checkerPort = await new Promise<number>((resolve) =>
    checker.listen(0, '127.0.0.1', () => resolve((checker.address() as AddressInfo).port)),
  );
  (result as { signerEndpoint: string }).signerEndpoint = `http://127.0.0.1:${checkerPort}`;
  return result;
}
