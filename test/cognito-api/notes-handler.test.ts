// The notes handler against a real DynamoDB-compatible server (dynalite on 127.0.0.1, random port).
import { AddressInfo } from 'net';
import { Server } from 'http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { callerSub, createHandler, parseNewNote } from '../../lib/cognito-api/runtime/notes';

// dynalite ships no types: a factory returning an http.Server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;

const TABLE = 'notes-test';
const ALICE = '11111111-aaaa-4aaa-8aaa-111111111111';
const BOB = '22222222-bbbb-4bbb-8bbb-222222222222';
const ORIGIN = 'http://localhost:3000';

let server: Server;
let raw: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let handle: (e: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  raw = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  doc = DynamoDBDocumentClient.from(raw);
  // The same key schema the construct gives the table.
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'userId', AttributeType: 'S' },
        { AttributeName: 'noteId', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'userId', KeyType: 'HASH' },
        { AttributeName: 'noteId', KeyType: 'RANGE' },
      ],
    }),
  );
  handle = createHandler({ client: doc, tableName: TABLE, allowedOrigins: [ORIGIN] });
});

afterAll(async () => {
  raw?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** An API Gateway proxy event as the Cognito authorizer passes it on (claims of a verified token). */
function event(
  sub: string | undefined,
  method: string,
  resource: string,
  opts: { noteId?: string; body?: string | null; origin?: string; query?: Record<string, string> } = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    resource,
    path: resource.replace('{noteId}', opts.noteId ?? ''),
    pathParameters: opts.noteId !== undefined ? { noteId: opts.noteId } : null,
    headers: opts.origin ? { origin: opts.origin } : {},
    body: opts.body ?? null,
    queryStringParameters: opts.query ?? null,
    requestContext: {
      authorizer: sub === undefined ? undefined : { claims: { sub, scope: 'notes/read notes/write' } },
    },
  } as unknown as APIGatewayProxyEvent;
}

const json = (r: APIGatewayProxyResult) => JSON.parse(r.body);

async function create(sub: string, title: string): Promise<string> {
  const r = await handle(
    event(sub, 'POST', '/notes', { body: JSON.stringify({ title, body: `${title} text` }) }),
  );
  expect(r.statusCode).toBe(201);
  return json(r).noteId;
}

describe('per-user isolation', () => {
  let aliceNote: string;
  let bobNote: string;

  beforeAll(async () => {
    aliceNote = await create(ALICE, 'alice-1');
    await create(ALICE, 'alice-2');
    bobNote = await create(BOB, 'bob-1');
  });

  test('each user lists only their own notes', async () => {
    const alice = json(await handle(event(ALICE, 'GET', '/notes')));
    const bob = json(await handle(event(BOB, 'GET', '/notes')));
    expect(alice.notes.map((n: { title: string }) => n.title).sort()).toEqual(['alice-1', 'alice-2']);
    expect(bob.notes.map((n: { title: string }) => n.title)).toEqual(['bob-1']);
    // The owner's sub stays server-side.
    expect(JSON.stringify(alice)).not.toContain(ALICE);
  });

  test("a user gets their own note, and 404 for another user's note id", async () => {
    const own = await handle(event(ALICE, 'GET', '/notes/{noteId}', { noteId: aliceNote }));
    expect(own.statusCode).toBe(200);
    expect(json(own)).toMatchObject({ noteId: aliceNote, title: 'alice-1', body: 'alice-1 text' });

    const stolen = await handle(event(BOB, 'GET', '/notes/{noteId}', { noteId: aliceNote }));
    expect(stolen.statusCode).toBe(404);
    expect(json(stolen).message).toBe(`note ${aliceNote} not found`);
  });

  test("a user cannot delete another user's note: 404, and the note is still there", async () => {
    const attempt = await handle(event(BOB, 'DELETE', '/notes/{noteId}', { noteId: aliceNote }));
    expect(attempt.statusCode).toBe(404);
    const stored = await doc.send(
      new GetCommand({ TableName: TABLE, Key: { userId: ALICE, noteId: aliceNote } }),
    );
    expect(stored.Item?.title).toBe('alice-1');
  });

  test('a user deletes their own note (204), then it is gone (404 on get and on a second delete)', async () => {
    const del = await handle(event(BOB, 'DELETE', '/notes/{noteId}', { noteId: bobNote }));
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect((await handle(event(BOB, 'GET', '/notes/{noteId}', { noteId: bobNote }))).statusCode).toBe(404);
    expect((await handle(event(BOB, 'DELETE', '/notes/{noteId}', { noteId: bobNote }))).statusCode).toBe(404);
  });

  test('a request without verified claims is refused (401) and touches no partition', async () => {
    // Every DynamoDB call the handler makes goes through the client it was given: count them.
    const send = jest.spyOn(doc, 'send');
    try {
      for (const [method, resource, opts] of [
        ['GET', '/notes', {}],
        ['POST', '/notes', { body: JSON.stringify({ title: 't', body: 'b' }) }],
        ['GET', '/notes/{noteId}', { noteId: aliceNote }],
        ['DELETE', '/notes/{noteId}', { noteId: aliceNote }],
      ] as const) {
        for (const sub of [undefined, '']) {
          const r = await handle(event(sub, method, resource, opts));
          expect([method, resource, sub, r.statusCode]).toEqual([method, resource, sub, 401]);
          expect(json(r).message).toBe('no authenticated user');
        }
      }
      // The commands sent, by name and input ([] is the claim): a refused caller reads and writes nothing.
      const sent = () => send.mock.calls.map(([c]) => [c.constructor.name, c.input]);
      expect(sent()).toEqual([]);
      // The spy does see the handler's calls: the same list with claims is one query of the caller's partition.
      expect((await handle(event(ALICE, 'GET', '/notes'))).statusCode).toBe(200);
      expect(sent()).toEqual([
        [
          'QueryCommand',
          expect.objectContaining({ TableName: TABLE, ExpressionAttributeValues: { ':u': ALICE } }),
        ],
      ]);
    } finally {
      send.mockRestore();
    }
    expect(() => callerSub(event('', 'GET', '/notes'))).toThrow('no authenticated user');
  });
});

describe('bad input', () => {
  test.each(
    (
      [
        [null, 'request body is required'],
        ['{not json', 'request body is not valid JSON'],
        ['[1,2]', 'request body must be a JSON object with "title" and "body"'],
        ['{"body":"x"}', "field 'title' must be a non-empty string of at most 200 characters"],
        ['{"title":"   "}', "field 'title' must be a non-empty string"],
        [
          `{"title":"<201 x>"}`.replace('<201 x>', 'x'.repeat(201)),
          "field 'title' must be a non-empty string of at most 200",
        ],
        ['{"title":"t","body":42}', "field 'body' must be a string of at most 10000 characters"],
        ['{"title":"t","owner":"someone-else"}', 'unknown field(s): owner; allowed: title, body'],
      ] as [string | null, string][]
    ).map(([body, message]) => ({ body, message })),
  )('bad POST body -> 400 "$message"', async ({ body, message }) => {
    const r = await handle(event(ALICE, 'POST', '/notes', { body }));
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toContain(message);
  });

  test('a body cannot choose the owner: userId in the body is rejected, never stored', () => {
    expect(() => parseNewNote('{"title":"t","userId":"x"}')).toThrow('unknown field(s): userId');
  });

  test('a note id that is not a UUID -> 400 naming the value', async () => {
    const r = await handle(event(ALICE, 'GET', '/notes/{noteId}', { noteId: 'ALL' }));
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toBe("noteId must be a lowercase UUID; received 'ALL'");
  });

  test('a missing note -> 404', async () => {
    const r = await handle(
      event(ALICE, 'GET', '/notes/{noteId}', { noteId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(r.statusCode).toBe(404);
  });

  test('an unknown route -> 404', async () => {
    expect((await handle(event(ALICE, 'PATCH', '/notes'))).statusCode).toBe(404);
  });
});

describe('CORS headers from the Lambda proxy', () => {
  test('an allowed origin is echoed with Vary: Origin; another origin gets no CORS header', async () => {
    const ok = await handle(event(ALICE, 'GET', '/notes', { origin: ORIGIN }));
    expect(ok.headers).toMatchObject({ 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin' });
    const other = await handle(event(ALICE, 'GET', '/notes', { origin: 'https://evil.example' }));
    expect(other.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });
});

describe('server errors', () => {
  test('a DynamoDB failure -> 500 with no internals, logged for the operator', async () => {
    const broken = createHandler({ client: doc, tableName: 'no-such-table', allowedOrigins: [] });
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const r = await broken(event(ALICE, 'GET', '/notes'));
    expect(r.statusCode).toBe(500);
    expect(json(r)).toEqual({ message: 'internal error' });
    expect(log).toHaveBeenCalledTimes(1);
    log.mockRestore();
  });
});

describe('GET /notes pagination (issue 16)', () => {
  const CAROL = '33333333-cccc-4ccc-8ccc-333333333333';
  const DAVE = '44444444-dddd-4ddd-8ddd-444444444444';
  const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

  /** Writes notes straight into the table (25 per batch, the BatchWriteItem limit). */
  async function seed(sub: string, count: number, body: (i: number) => string): Promise<void> {
    for (let start = 0; start < count; start += 25) {
      const items = Array.from({ length: Math.min(25, count - start) }, (_, k) => start + k).map((i) => ({
        PutRequest: {
          Item: {
            userId: sub,
            noteId: id(i),
            title: `n${i}`,
            body: body(i),
            createdAt: '2026-01-01T00:00:00.000Z',
          },
        },
      }));
      await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items } }));
    }
  }

  /** Follows nextToken until the last page; returns every page. */
  async function allPages(sub: string, query: Record<string, string> = {}) {
    const pages: { notes: { noteId: string }[]; nextToken?: string }[] = [];
    let token: string | undefined;
    do {
      const r = await handle(
        event(sub, 'GET', '/notes', { query: token ? { ...query, nextToken: token } : query }),
      );
      expect(r.statusCode).toBe(200);
      const page = json(r);
      pages.push(page);
      token = page.nextToken;
      expect(pages.length).toBeLessThan(100);
    } while (token);
    return pages;
  }

  beforeAll(async () => {
    await seed(CAROL, 250, () => 'short');
  });

  test('more than 100 notes: every note comes back across pages, none twice', async () => {
    const pages = await allPages(CAROL);
    const ids = pages.flatMap((p) => p.notes.map((n) => n.noteId));
    expect(pages.length).toBe(3);
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 250 }, (_, i) => id(i))));
  });

  test('the limit query parameter sets the page size', async () => {
    const pages = await allPages(CAROL, { limit: '40' });
    expect(pages.map((p) => p.notes.length)).toEqual([40, 40, 40, 40, 40, 40, 10]);
  });

  test('the token holds only the note id (base64url), never the owner', async () => {
    const first = json(await handle(event(CAROL, 'GET', '/notes', { query: { limit: '5' } })));
    expect(Buffer.from(first.nextToken, 'base64url').toString('utf8')).toBe(id(4));
    expect(first.nextToken).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test("another user's token reads only the caller's own partition", async () => {
    await create(DAVE, 'dave-only');
    const carolToken = json(await handle(event(CAROL, 'GET', '/notes', { query: { limit: '5' } }))).nextToken;
    const r = await handle(event(DAVE, 'GET', '/notes', { query: { nextToken: carolToken } }));
    expect(r.statusCode).toBe(200);
    const notes = json(r).notes as { title: string }[];
    expect(notes.every((n) => n.title === 'dave-only')).toBe(true);
    expect(notes.some((n) => n.title.startsWith('n'))).toBe(false);
  });

  test.each([
    ['not base64url', { nextToken: '***' }, /nextToken/],
    [
      'base64 of something that is not a note id',
      { nextToken: Buffer.from('{"userId":"x"}').toString('base64url') },
      /nextToken/,
    ],
    ['an empty token', { nextToken: '' }, /nextToken/],
    ['limit 0', { limit: '0' }, /limit must be an integer from 1 to 100; received '0'/],
    ['limit 101', { limit: '101' }, /limit must be an integer from 1 to 100; received '101'/],
    ['limit not a number', { limit: 'ten' }, /limit must be an integer from 1 to 100; received 'ten'/],
    ['limit 1.5', { limit: '1.5' }, /limit must be an integer/],
  ])('%s -> 400 with a clear message', async (_name, query, message) => {
    const r = await handle(event(CAROL, 'GET', '/notes', { query }));
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toMatch(message);
  });

  test('the 1 MB page limit cuts a page early: a token still comes back and the rest follows', async () => {
    const EVE = '55555555-eeee-4eee-8eee-555555555555';
    // 30 notes of ~40 KB: 1.2 MB, so one Query stops at 1 MB with fewer than the 100 asked for.
    await seed(EVE, 30, (i) => String(i % 10).repeat(40_000));
    const pages = await allPages(EVE);
    expect(pages[0].notes.length).toBeLessThan(30);
    expect(pages[0].nextToken).toBeDefined();
    const ids = pages.flatMap((p) => p.notes.map((n) => n.noteId));
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
  });
});
