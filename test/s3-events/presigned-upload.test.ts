// The upload of `npm run upload`, end to end: a URL pre-signed with the SDK, a plain fetch PUT without
// credentials, an object stored in s3rver (S3 API on 127.0.0.1, path-style).
//
// s3rver does not check SigV4 signatures, so the test runs it behind a SigV4 checker written from the
// specification, independent of the SDK's signer (see sigv4-checked-s3rver.ts): the checker refuses, as S3
// does, a request whose signed headers (content-length, host) or URL differ from what was signed. That the
// SDK's URL passes it shows both agree on the canonical request.
import * as crypto from 'crypto';
import { S3Client } from '@aws-sdk/client-s3';
import {
  presignUpload,
  presigningClient,
  uploadKey,
  uploadThroughUrl,
} from '../../scripts/s3-events/presigned-upload';
import { CheckedS3, startCheckedS3 } from './sigv4-checked-s3rver';

const BUCKET = 'uploads-bucket';
const CSV = Buffer.from('id,name\n1,Ada\n2,Grace\n');

let local: CheckedS3;
let signer: S3Client; // the signer's client: points at the checker, as it would at S3
let credentials: CheckedS3['credentials'];
let checked: CheckedS3['checked'];

beforeAll(async () => {
  local = await startCheckedS3();
  ({ credentials, checked } = local);
  await local.createBucket(BUCKET);
  signer = local.signingClient();
});

afterAll(async () => {
  await local?.close();
});

beforeEach(() => {
  checked.length = 0;
});

const stored = (key: string): Promise<string> => local.stored(BUCKET, key);

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
