// The upload-URL route's handler (createHandler) end to end: a request as API Gateway's Cognito authorizer
// passes it on, a URL signed by the handler's S3 client, a plain fetch PUT with the returned headers, an
// object stored in s3rver. s3rver does not check SigV4 signatures, so the URL goes through a SigV4 checker
// written from the specification, independent of the SDK (sigv4-checked-s3rver.ts): it refuses, as S3
// does, a body of another length than signed, another key, or an expired URL.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  createHandler,
  settingsFromEnv,
  UploadUrlResponse,
  UploadUrlSettings,
} from '../../lib/s3-events/runtime/upload-url';
import { amzDate, CheckedS3, startCheckedS3 } from './sigv4-checked-s3rver';

const BUCKET = 'upload-url-bucket';
const ALICE = '11111111-aaaa-4aaa-8aaa-111111111111';
const BOB = '22222222-bbbb-4bbb-8bbb-222222222222';
const ORIGIN = 'http://localhost:3000';
/** The handler's injected clock: far from the real one, so expiresAt can only come from it. */
const NOW = new Date('2030-01-02T03:04:05.000Z');
const CSV = Buffer.from('id,name\n1,Ada\n2,Grace\n');

const settings: UploadUrlSettings = {
  bucket: BUCKET,
  uploadPrefix: 'uploads/',
  uploadSuffix: '.csv',
  maxObjectBytes: 1024,
  expiresSeconds: 300,
};

let local: CheckedS3;
let handle: (e: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  local = await startCheckedS3();
  await local.createBucket(BUCKET);
  handle = createHandler({ s3: local.signingClient(), settings, allowedOrigins: [ORIGIN], now: () => NOW });
});

afterAll(async () => {
  await local?.close();
});

beforeEach(() => {
  local.checked.length = 0;
});

afterEach(() => {
  local.now = () => new Date();
});

/** An API Gateway proxy event as the Cognito authorizer passes it on (`claims` of a verified token). */
function event(
  opts: {
    claims?: Record<string, unknown> | null;
    sub?: string;
    method?: string;
    body?: string | null;
    headers?: Record<string, string>;
  } = {},
): APIGatewayProxyEvent {
  const claims =
    opts.claims === undefined ? { sub: opts.sub ?? ALICE, 'cognito:username': 'someone' } : opts.claims;
  return {
    httpMethod: opts.method ?? 'POST',
    resource: '/uploads',
    path: '/uploads',
    pathParameters: null,
    queryStringParameters: null,
    headers: opts.headers ?? {},
    body: opts.body === undefined ? null : opts.body,
    isBase64Encoded: false,
    requestContext: { authorizer: claims === null ? undefined : { claims } },
  } as unknown as APIGatewayProxyEvent;
}

const post = (request: unknown, opts: { sub?: string; headers?: Record<string, string> } = {}) =>
  handle(event({ ...opts, body: JSON.stringify(request) }));

const json = (r: APIGatewayProxyResult) => JSON.parse(r.body) as Record<string, unknown>;

/** A URL for `request`, asserting the handler answered 200. */
async function uploadUrl(
  request: { fileName: string; size: number },
  sub = ALICE,
): Promise<UploadUrlResponse> {
  const r = await post(request, { sub });
  expect({ statusCode: r.statusCode, body: json(r) }).toMatchObject({ statusCode: 200 });
  return JSON.parse(r.body) as UploadUrlResponse;
}

/** What a browser does with the answer: a PUT with the returned method and headers, no credentials. */
const put = (answer: UploadUrlResponse, body: Uint8Array) =>
  fetch(answer.uploadUrl, { method: answer.method, headers: answer.headers, body });

const notStored = (key: string) =>
  expect(local.stored(BUCKET, key)).rejects.toMatchObject({ name: 'NoSuchKey' });

describe('a valid request', () => {
  test("gets a URL that stores exactly `size` bytes under <prefix><caller's sub>/<fileName>", async () => {
    const answer = await uploadUrl({ fileName: 'orders.csv', size: CSV.byteLength });
    expect(answer).toEqual({
      uploadUrl: expect.any(String),
      method: 'PUT',
      headers: { 'Content-Length': String(CSV.byteLength) },
      key: `uploads/${ALICE}/orders.csv`,
      expiresAt: expect.any(String),
    });
    const url = new URL(answer.uploadUrl);
    expect(url.origin).toBe(local.signerEndpoint);
    expect(url.pathname).toBe(`/${BUCKET}/uploads/${ALICE}/orders.csv`);
    // No credentials travel with the URL beyond the signature (and the access key id in the credential scope).
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');

    const response = await put(answer, CSV);
    expect(response.status).toBe(200);
    expect(local.checked).toEqual([{ status: 200, signedHeaders: 'content-length;host' }]);
    expect(await local.stored(BUCKET, answer.key)).toBe(CSV.toString());
  });

  test('a size of exactly maxObjectBytes gets a URL', async () => {
    const answer = await uploadUrl({ fileName: 'big.csv', size: settings.maxObjectBytes });
    expect(answer.headers['Content-Length']).toBe(String(settings.maxObjectBytes));
  });

  test(`a file name of the longest length allowed (200) gets a URL`, async () => {
    const fileName = `${'a'.repeat(196)}.csv`;
    const answer = await uploadUrl({ fileName, size: 1 });
    expect(answer.key).toBe(`uploads/${ALICE}/${fileName}`);
  });

  test.each([
    ['longer', Buffer.concat([CSV, Buffer.from('3,Linus\n')])],
    ['shorter', CSV.subarray(0, CSV.byteLength - 1)],
  ])('a %s body than signed is refused (403) and nothing is stored', async (how, body) => {
    const answer = await uploadUrl({ fileName: `${how}.csv`, size: CSV.byteLength });
    // The browser sends the real length, not the signed one.
    const response = await fetch(answer.uploadUrl, { method: 'PUT', body });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('SignatureDoesNotMatch');
    expect(local.checked).toEqual([{ status: 403, signedHeaders: 'content-length;host' }]);
    await notStored(answer.key);
  });

  test('the URL is for its key only: the same body to another key is refused', async () => {
    const answer = await uploadUrl({ fileName: 'mine.csv', size: CSV.byteLength });
    const elsewhere = answer.uploadUrl.replace(`/uploads/${ALICE}/mine.csv`, `/uploads/${BOB}/mine.csv`);
    expect(elsewhere).not.toBe(answer.uploadUrl);
    const response = await fetch(elsewhere, { method: 'PUT', headers: answer.headers, body: CSV });
    expect(response.status).toBe(403);
    await notStored(`uploads/${BOB}/mine.csv`);
  });
});

describe("each user uploads into their own folder, which the caller can't choose", () => {
  test('two users asking for the same file name get different keys, and neither overwrites the other', async () => {
    const alice = Buffer.from('id\n1\n');
    const bob = Buffer.from('id\n22\n');
    const forAlice = await uploadUrl({ fileName: 'same.csv', size: alice.byteLength }, ALICE);
    const forBob = await uploadUrl({ fileName: 'same.csv', size: bob.byteLength }, BOB);
    expect(forAlice.key).toBe(`uploads/${ALICE}/same.csv`);
    expect(forBob.key).toBe(`uploads/${BOB}/same.csv`);
    expect((await put(forAlice, alice)).status).toBe(200);
    expect((await put(forBob, bob)).status).toBe(200);
    expect(await local.stored(BUCKET, forAlice.key)).toBe(alice.toString());
    expect(await local.stored(BUCKET, forBob.key)).toBe(bob.toString());
  });

  test.each([
    ['a folder', 'other/orders.csv'],
    ["another user's folder", `${BOB}/orders.csv`],
    ['an absolute path', '/orders.csv'],
    ['a parent folder', '../orders.csv'],
    ['a parent folder of the prefix', `../../${BOB}/orders.csv`],
    ['a leading dot', '.orders.csv'],
    ['only dots', '...csv'],
    ['a backslash', '..\\orders.csv'],
    ['a space', 'my orders.csv'],
    ['a percent sign', 'orders%2F.csv'],
    ['a plus sign', 'a+b.csv'],
    ['a non-ASCII letter', 'bestellungen-ä.csv'],
    ['a newline', 'orders\n.csv'],
    ['an empty name', ''],
    ['a name longer than 200', `${'a'.repeat(197)}.csv`],
    ['a number', 42],
    ['null', null],
    ['an array', ['orders.csv']],
  ])('a fileName with %s is refused (400 naming fileName)', async (_, fileName) => {
    const r = await post({ fileName, size: 10 });
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toContain("field 'fileName'");
    expect(local.checked).toEqual([]);
  });

  test('a missing fileName is refused (400 naming fileName)', async () => {
    const r = await post({ size: 10 });
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toContain("field 'fileName'");
  });

  test.each(['orders.json', 'orders.CSV', 'orders.csv.exe', 'orders_csv', 'orders', '.csv'])(
    'a fileName with the wrong suffix (%j) is refused (400 naming fileName and the suffix)',
    async (fileName) => {
      const r = await post({ fileName, size: 10 });
      expect(r.statusCode).toBe(400);
      expect(json(r).message).toContain("field 'fileName'");
      expect(json(r).message).toContain("end with '.csv'");
    },
  );
});

describe('the size', () => {
  test.each([
    ['zero', 0],
    ['a fraction', 1.5],
    ['negative', -1],
    ['a string', '1234'],
    ['null', null],
    ['a boolean', true],
    ['above maxObjectBytes', 1025],
    ['far above maxObjectBytes', 5 * 1024 ** 3],
  ])('%s is refused (400 naming size and the limit)', async (_, size) => {
    const r = await post({ fileName: 'orders.csv', size });
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toContain("field 'size'");
    expect(json(r).message).toContain('from 1 to 1024');
    expect(local.checked).toEqual([]);
  });

  test('a missing size is refused (400 naming size)', async () => {
    const r = await post({ fileName: 'orders.csv' });
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toContain("field 'size'");
  });
});

describe('the body', () => {
  test('an unknown field is refused (400 naming it), e.g. an attempt to choose the key or content type', async () => {
    const r = await post({
      fileName: 'orders.csv',
      size: 10,
      key: 'uploads/x/y.csv',
      contentType: 'text/csv',
    });
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toBe('unknown field(s): key, contentType; allowed: fileName, size');
  });

  test.each([
    ['missing', null, 'request body is required'],
    ['empty', '', 'request body is required'],
    ['blank', '  \n', 'request body is required'],
    ['not JSON', 'fileName=orders.csv&size=10', 'request body is not valid JSON'],
    ['truncated JSON', '{"fileName": "orders.csv", "size": 1', 'request body is not valid JSON'],
    ['a JSON array', '[{"fileName": "orders.csv", "size": 10}]', 'request body must be a JSON object'],
    ['JSON null', 'null', 'request body must be a JSON object'],
    ['a JSON string', '"orders.csv"', 'request body must be a JSON object'],
  ])('a %s body is refused (400)', async (_, body, message) => {
    const r = await handle(event({ body }));
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toContain(message);
  });
});

describe('the caller', () => {
  const valid = JSON.stringify({ fileName: 'orders.csv', size: 10 });

  test.each([
    ['no authorizer context', null],
    ['no claims', undefined as unknown as Record<string, unknown>],
    ['claims without sub', { 'cognito:username': 'someone' }],
    ['an empty sub', { sub: '' }],
    ['a non-string sub', { sub: 42 }],
  ])('%s is unauthenticated (401)', async (_, claims) => {
    const e = event({ body: valid });
    if (claims === null) (e.requestContext as { authorizer?: unknown }).authorizer = undefined;
    else (e.requestContext as { authorizer?: unknown }).authorizer = { claims };
    const r = await handle(e);
    expect({ statusCode: r.statusCode, body: json(r) }).toEqual({
      statusCode: 401,
      body: { message: 'no authenticated user' },
    });
    expect(local.checked).toEqual([]);
  });

  test.each([
    ['a user name', 'alice'],
    ['a path', `${ALICE}/../${BOB}`],
    ['a parent folder', '..'],
    ['a UUID in upper case (Cognito subs are lower case)', ALICE.toUpperCase()],
    ['a UUID with a trailing newline', `${ALICE}\n`],
  ])('a sub that is not a UUID (%s) is forbidden (403)', async (_, sub) => {
    const r = await handle(event({ sub, body: valid }));
    expect(r.statusCode).toBe(403);
    expect(json(r).message).toBe('the caller is not a user of the user pool');
  });

  test.each(['GET', 'PUT', 'DELETE'])('%s is not allowed (405)', async (method) => {
    const r = await handle(event({ method, body: method === 'GET' ? null : valid }));
    expect(r.statusCode).toBe(405);
    expect(json(r).message).toBe(`${method} is not allowed; use POST`);
  });
});

describe('the lifetime', () => {
  test('expiresAt is the handler clock plus expiresSeconds, and the URL expires after expiresSeconds', async () => {
    const answer = await uploadUrl({ fileName: 'expiry.csv', size: 10 });
    expect(answer.expiresAt).toBe('2030-01-02T03:09:05.000Z');
    expect(new Date(answer.expiresAt).getTime() - NOW.getTime()).toBe(settings.expiresSeconds * 1000);
    expect(new URL(answer.uploadUrl).searchParams.get('X-Amz-Expires')).toBe(String(settings.expiresSeconds));
  });

  test('expiresSeconds comes from the settings', async () => {
    const short = createHandler({
      s3: local.signingClient(),
      settings: { ...settings, expiresSeconds: 60 },
      allowedOrigins: [],
      now: () => NOW,
    });
    const r = await short(event({ body: JSON.stringify({ fileName: 'a.csv', size: 1 }) }));
    const answer = JSON.parse(r.body) as UploadUrlResponse;
    expect(answer.expiresAt).toBe('2030-01-02T03:05:05.000Z');
    expect(new URL(answer.uploadUrl).searchParams.get('X-Amz-Expires')).toBe('60');
  });

  test('the URL works until expiresSeconds after signing and is refused after that', async () => {
    const answer = await uploadUrl({ fileName: 'late.csv', size: CSV.byteLength });
    const signedAt = amzDate(new URL(answer.uploadUrl).searchParams.get('X-Amz-Date')!).getTime();
    const lastValid = signedAt + settings.expiresSeconds * 1000;
    // The checker's clock moves instead of the test waiting expiresSeconds.
    local.now = () => new Date(lastValid + 1000);
    const late = await put(answer, CSV);
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('AccessDenied');
    await notStored(answer.key);

    local.now = () => new Date(lastValid);
    expect((await put(answer, CSV)).status).toBe(200);
    expect(await local.stored(BUCKET, answer.key)).toBe(CSV.toString());
  });
});

describe('CORS', () => {
  const valid = { fileName: 'cors.csv', size: 10 };

  test.each<Record<string, string>>([{ origin: ORIGIN }, { Origin: ORIGIN }])(
    'an allowed Origin (%j) is allowed',
    async (headers) => {
      const r = await post(valid, { headers });
      expect(r.statusCode).toBe(200);
      expect(r.headers).toEqual({
        'Content-Type': 'application/json',
        'Access-Control-Allow-Origin': ORIGIN,
        Vary: 'Origin',
      });
    },
  );

  test('an error answer to an allowed Origin carries the CORS header too (the browser can read the message)', async () => {
    const r = await post({ fileName: 'x/cors.csv', size: 10 }, { headers: { origin: ORIGIN } });
    expect(r.statusCode).toBe(400);
    expect(r.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
  });

  test.each(['https://evil.example', 'http://localhost:3001', 'null', `${ORIGIN}/`])(
    'another Origin (%s) gets no Access-Control-Allow-Origin',
    async (origin) => {
      const r = await post(valid, { headers: { origin } });
      expect(r.statusCode).toBe(200);
      expect(r.headers).toEqual({ 'Content-Type': 'application/json' });
    },
  );

  test('no Origin gets no Access-Control-Allow-Origin', async () => {
    const r = await post(valid);
    expect(r.headers).toEqual({ 'Content-Type': 'application/json' });
  });
});

test('a signing failure is a 500 with no internals, logged for the operator', async () => {
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const broken = createHandler({
      s3: local.signingClient({
        credentials: async () => {
          throw new Error('secret detail: role session expired for arn:aws:iam::123456789012:role/x');
        },
      }),
      settings,
      allowedOrigins: [ORIGIN],
      now: () => NOW,
    });
    const r = await broken(
      event({ body: JSON.stringify({ fileName: 'orders.csv', size: 10 }), headers: { origin: ORIGIN } }),
    );
    expect(r.statusCode).toBe(500);
    expect(r.body).toBe(JSON.stringify({ message: 'internal error' }));
    expect(r.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0][0])).toContain('secret detail');
    expect(local.checked).toEqual([]);
  } finally {
    error.mockRestore();
  }
});

describe('settingsFromEnv', () => {
  const env = {
    UPLOAD_BUCKET: 'b',
    UPLOAD_PREFIX: 'uploads/',
    UPLOAD_SUFFIX: '.csv',
    MAX_OBJECT_BYTES: '1048576',
    URL_EXPIRY_SECONDS: '900',
  };

  test('reads every setting', () => {
    expect(settingsFromEnv(env)).toEqual({
      bucket: 'b',
      uploadPrefix: 'uploads/',
      uploadSuffix: '.csv',
      maxObjectBytes: 1048576,
      expiresSeconds: 900,
    });
  });

  test.each(Object.keys(env))('a missing or empty %s throws naming it', (name) => {
    const missing: NodeJS.ProcessEnv = { ...env };
    delete missing[name];
    expect(() => settingsFromEnv(missing)).toThrow(`environment variable ${name} is not set`);
    expect(() => settingsFromEnv({ ...env, [name]: '' })).toThrow(`environment variable ${name} is not set`);
  });

  test.each(
    ['MAX_OBJECT_BYTES', 'URL_EXPIRY_SECONDS'].flatMap((name) =>
      ['0', '-1', '1.5', 'abc', 'NaN', 'Infinity'].map((value) => [name, value]),
    ),
  )('%s=%j throws naming it', (name, value) => {
    expect(() => settingsFromEnv({ ...env, [name]: value })).toThrow(
      `environment variable ${name} must be a positive integer`,
    );
  });

  test('URL_EXPIRY_SECONDS above 7 days throws at start-up, naming it (the SDK would refuse every signature)', () => {
    expect(settingsFromEnv({ ...env, URL_EXPIRY_SECONDS: '604800' }).expiresSeconds).toBe(604800);
    expect(() => settingsFromEnv({ ...env, URL_EXPIRY_SECONDS: '604801' })).toThrow(
      'environment variable URL_EXPIRY_SECONDS must be a positive integer of at most 604800',
    );
  });
});
