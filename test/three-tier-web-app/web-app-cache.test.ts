// The web app's cache tier (sessions and cache-aside reads) against real servers: Debian's redis-server
// with TLS and AUTH like ElastiCache (redis-server.ts), and embedded PostgreSQL (postgres.ts).
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import {
  CACHE_ENVIRONMENT,
  cacheSettingsFromEnvironment,
  createWebApp,
  DatabaseCredentials,
  LATEST_VISITS_KEY,
  secretsManagerCacheCredentials,
  SESSION_KEY_PREFIX,
  WebApp,
  WebAppCacheOptions,
  WebAppOptions,
} from '../../lib/three-tier-web-app/runtime/web-app';
import { VISITS_TABLE_DDL } from '../../lib/three-tier-web-app/schema';
import { asSuperuser, PostgresServer, startPostgres } from './postgres';
import { REDIS_SERVER_MISSING, RedisServer, startRedisServer } from './redis-server';

let postgres: PostgresServer;
let credentials: DatabaseCredentials;
let redis: RedisServer;
/** The test's own connection to the cache, to look at and change what the app stored. */
let admin: Redis;
const servers: http.Server[] = [];
const apps: WebApp[] = [];

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedisServer()]);
  credentials = postgres.credentials;
  await asSuperuser(credentials, (db) => db.query(VISITS_TABLE_DDL));
  admin = new Redis({ host: redis.host, port: redis.port, password: redis.password, tls: { ca: redis.ca } });
  admin.on('error', () => undefined); // while the test stops the server
}, 60000);

beforeEach(async () => {
  await admin.flushall();
});

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  for (const s of servers) {
    s.closeAllConnections(); // fetch keeps connections alive for seconds
    await new Promise((resolve) => s.close(resolve));
  }
  admin?.disconnect();
  await redis?.dispose();
  await postgres?.stop();
}, 30000);

function cacheOptions(overrides: Partial<WebAppCacheOptions> = {}): WebAppCacheOptions {
  return {
    loadCredentials: async () => ({ host: redis.host, port: redis.port, password: redis.password }),
    tls: { ca: redis.ca },
    ...overrides,
  };
}

/** Serves an app with the cache on 127.0.0.1 and returns its base URL. */
async function serve(options: Partial<WebAppOptions> & { instanceId: string }): Promise<string> {
  const app = createWebApp({ loadCredentials: async () => credentials, cache: cacheOptions(), ...options });
  apps.push(app);
  const server = http.createServer((req, res) => void app.handle(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Page {
  status: number;
  html: string;
  setCookie: string | null;
  /** The session id the response set, if any. */
  sid: string | undefined;
}

async function get(url: string, sid?: string, headers: Record<string, string> = {}): Promise<Page> {
  const res = await fetch(`${url}/`, { headers: sid ? { Cookie: `sid=${sid}`, ...headers } : headers });
  const setCookie = res.headers.get('set-cookie');
  return {
    status: res.status,
    html: await res.text(),
    setCookie,
    sid: setCookie?.match(/^sid=([^;]*)/)?.[1],
  };
}

const visitCount = () =>
  asSuperuser(credentials, async (db) =>
    Number((await db.query('SELECT count(*) FROM visits')).rows[0].count),
  );

const source = (html: string) => html.match(/Data read from: <strong>([^<]*)<\/strong>/)?.[1];
const views = (html: string) => Number(html.match(/<strong>(\d+)<\/strong> page views/)?.[1]);

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Records the keyspace events of the page-data key (SET, DEL, EXPIRE), as the server sees them. */
async function watchLatestVisitsKey(): Promise<{ events: string[]; stop: () => void }> {
  await admin.config('SET', 'notify-keyspace-events', 'Kg$');
  const sub = admin.duplicate();
  const events: string[] = [];
  sub.on('message', (_channel: string, event: string) => events.push(event));
  await sub.subscribe(`__keyspace@0__:${LATEST_VISITS_KEY}`);
  return { events, stop: () => sub.disconnect() };
}

describe('cache-aside reads of the page data', () => {
  test('a miss reads the database and fills the key with its TTL; a hit makes no database query', async () => {
    const url = await serve({ instanceId: 'i-0aside', cache: cacheOptions({ ttlSeconds: 25 }) });
    const queries = jest.spyOn(Pool.prototype, 'query');
    try {
      const first = await get(url);
      expect(first.status).toBe(200);
      expect(source(first.html)).toBe('database (cache miss)');
      expect(queries).toHaveBeenCalled(); // the spy sees the app's queries
      const cached = JSON.parse((await admin.get(LATEST_VISITS_KEY))!);
      expect(cached.count).toBe(await visitCount());
      expect(cached.rows[0]).toMatchObject({ instance_id: 'i-0aside' });
      const ttl = await admin.ttl(LATEST_VISITS_KEY);
      expect(ttl).toBeGreaterThan(20);
      expect(ttl).toBeLessThanOrEqual(25);

      queries.mockClear();
      const second = await get(url, first.sid);
      expect(second.status).toBe(200);
      expect(source(second.html)).toBe('cache');
      expect(second.html).toContain(`Visits stored in the database: <strong>${cached.count}</strong>`);
      expect(queries).not.toHaveBeenCalled();
    } finally {
      queries.mockRestore();
    }
  });

  test('a visit is recorded once per session; later page views only update the session', async () => {
    const url = await serve({ instanceId: 'i-0once' });
    const before = await visitCount();
    const first = await get(url);
    await get(url, first.sid);
    const third = await get(url, first.sid);
    expect(await visitCount()).toBe(before + 1);
    expect(views(third.html)).toBe(3);
    expect(third.setCookie).toBeNull(); // the session goes on: no new cookie
  });

  test('invalidate (the default): a new visit deletes the key, and the read after it refills it', async () => {
    const url = await serve({ instanceId: 'i-0inval' });
    const session = await get(url);
    // A stale value, as a slow reader could have put back: a page view in a session serves it as is
    // (cache-aside staleness, bounded by the TTL)...
    await admin.set(LATEST_VISITS_KEY, JSON.stringify({ count: 999999, rows: [] }), 'EX', 30);
    expect((await get(url, session.sid)).html).toContain('<strong>999999</strong>');
    // ...until a write invalidates it.
    const watch = await watchLatestVisitsKey();
    try {
      const visit = await get(url);
      expect(source(visit.html)).toBe('database (cache miss)');
      expect(visit.html).toContain(`Visits stored in the database: <strong>${await visitCount()}</strong>`);
      await waitFor(() => watch.events.length >= 3);
      expect(watch.events).toEqual(['del', 'set', 'expire']);
      expect(JSON.parse((await admin.get(LATEST_VISITS_KEY))!).count).toBe(await visitCount());
    } finally {
      watch.stop();
    }
  });

  test('write-through: a new visit rewrites the key with fresh data from the database, no delete', async () => {
    const url = await serve({
      instanceId: 'i-0through',
      cache: cacheOptions({ writeMode: 'write-through' }),
    });
    await admin.set(LATEST_VISITS_KEY, JSON.stringify({ count: 999999, rows: [] }), 'EX', 30);
    const watch = await watchLatestVisitsKey();
    try {
      const visit = await get(url);
      expect(source(visit.html)).toBe('database (written through to the cache)');
      const count = await visitCount();
      expect(visit.html).toContain(`Visits stored in the database: <strong>${count}</strong>`);
      await waitFor(() => watch.events.length >= 2);
      expect(watch.events).toEqual(['set', 'expire']);
      const cached = JSON.parse((await admin.get(LATEST_VISITS_KEY))!);
      expect(cached.count).toBe(count);
      expect(cached.rows[0]).toMatchObject({ instance_id: 'i-0through' });
      // The next page view of the session is a hit on what the write put there.
      const next = await get(url, visit.sid);
      expect(source(next.html)).toBe('cache');
      expect(next.html).toContain(`Visits stored in the database: <strong>${count}</strong>`);
    } finally {
      watch.stop();
    }
  });
});

describe('sessions in the cache', () => {
  test('a session made on one instance is read by another (no sticky sessions needed)', async () => {
    const a = await serve({ instanceId: 'i-0aaa' });
    const b = await serve({ instanceId: 'i-0bbb' });
    const before = await visitCount();
    const first = await get(a);
    const second = await get(b, first.sid);
    expect(second.setCookie).toBeNull();
    expect(views(second.html)).toBe(2);
    expect(second.html).toContain('served by i-0aaa, i-0bbb');
    expect(await visitCount()).toBe(before + 1);
    const stored = JSON.parse((await admin.get(`${SESSION_KEY_PREFIX}${first.sid}`))!);
    expect(stored).toMatchObject({ views: 2, instances: ['i-0aaa', 'i-0bbb'] });
  });

  test('a forged cookie is never sent to the cache; an unknown id gets a new session under a new id', async () => {
    const url = await serve({ instanceId: 'i-0forged' });
    const monitor = await admin.monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
    try {
      const forged = ['not-a-session-id', 'ABCDEF0123456789ABCDEF0123456789', 'a'.repeat(33), '*'];
      for (const value of forged) {
        const page = await get(url, value);
        expect(page.sid).toMatch(/^[0-9a-f]{32}$/);
        expect(page.sid).not.toBe(value);
      }
      const unknown = 'f'.repeat(32); // well-formed, but this app never made it: no session fixation
      const adopted = await get(url, unknown);
      expect(adopted.sid).not.toBe(unknown);
      await waitFor(() =>
        commands.some((c) => c[0] === 'set' && c[1] === `${SESSION_KEY_PREFIX}${adopted.sid}`),
      );
      const sent = commands.flat();
      for (const value of forged) expect(sent.some((arg) => arg.includes(value))).toBe(false);
      // The unknown id was looked up (it has the right shape), and nothing was stored under it.
      expect(commands).toContainEqual(['get', `${SESSION_KEY_PREFIX}${unknown}`]);
      expect(await admin.exists(`${SESSION_KEY_PREFIX}${unknown}`)).toBe(0);
    } finally {
      monitor.disconnect();
    }
  });

  test('the session TTL is set and slides with each page view; an expired session starts a new one', async () => {
    const url = await serve({ instanceId: 'i-0ttl', cache: cacheOptions({ sessionTtlSeconds: 120 }) });
    const first = await get(url);
    const key = `${SESSION_KEY_PREFIX}${first.sid}`;
    expect(await admin.ttl(key)).toBeGreaterThan(110);
    expect(await admin.ttl(key)).toBeLessThanOrEqual(120);
    await admin.expire(key, 5);
    await get(url, first.sid);
    expect(await admin.ttl(key)).toBeGreaterThan(110);

    await admin.del(key); // what expiry does
    const before = await visitCount();
    const again = await get(url, first.sid);
    expect(again.sid).toMatch(/^[0-9a-f]{32}$/);
    expect(again.sid).not.toBe(first.sid);
    expect(views(again.html)).toBe(1);
    expect(await visitCount()).toBe(before + 1);
  });

  test('the cookie is HttpOnly, SameSite=Lax, Path=/, and Secure only behind HTTPS', async () => {
    const url = await serve({ instanceId: 'i-0cookie' });
    expect((await get(url)).setCookie).toMatch(/^sid=[0-9a-f]{32}; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await get(url, undefined, { 'X-Forwarded-Proto': 'http' })).setCookie).not.toContain('Secure');
    expect((await get(url, undefined, { 'X-Forwarded-Proto': 'https' })).setCookie).toMatch(
      /^sid=[0-9a-f]{32}; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    // Behind CloudFront the ALB hop is HTTP: the viewer's protocol comes in CloudFront-Forwarded-Proto.
    const behindCloudFront = { 'X-Forwarded-Proto': 'http', 'CloudFront-Forwarded-Proto': 'https' };
    expect((await get(url, undefined, behindCloudFront)).setCookie).toMatch(/; Secure$/);
    // secureCookies (the construct sets it behind CloudFront or a certificate): Secure whatever the headers say.
    const always = await serve({ instanceId: 'i-0secure', cache: cacheOptions({ secureCookies: true }) });
    expect((await get(always, undefined, { 'X-Forwarded-Proto': 'http' })).setCookie).toMatch(/; Secure$/);
  });

  test('session data and instance ids are escaped on the page', async () => {
    const url = await serve({ instanceId: '<b>i-0markup</b>' });
    const html = (await get(url)).html;
    expect(html).toContain('served by &#60;b&#62;i-0markup&#60;/b&#62;');
    expect(html).not.toContain('<b>');
  });
});

describe('when the cache fails, the app serves from the database', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());
  const cacheLines = () => logged.mock.calls.filter(([line]) => /^cache unavailable/.test(String(line)));

  test('redis stopped: 200, every page view recorded, one log line; the cache is used again after a restart', async () => {
    const url = await serve({ instanceId: 'i-0outage' });
    const first = await get(url);
    expect(views(first.html)).toBe(1);
    await redis.stop();
    try {
      const before = await visitCount();
      const started = Date.now();
      for (let i = 0; i < 3; i++) {
        const page = await get(url, first.sid);
        expect(page.status).toBe(200);
        expect(page.html).toContain('Sessions are unavailable');
        expect(source(page.html)).toBe('database');
      }
      expect(Date.now() - started).toBeLessThan(1500); // fails fast: no wait for the lost server
      expect(await visitCount()).toBe(before + 3); // nothing lost
      expect(cacheLines()).toHaveLength(1);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/health/database`)).status).toBe(200);
    } finally {
      await redis.start();
    }
    // ioredis reconnects by itself (the restarted server lost its data: a new session).
    let page: Page | undefined;
    await waitFor(async () => ((page = await get(url, first.sid)), page.html.includes('Your session')));
    expect(page!.sid).toMatch(/^[0-9a-f]{32}$/);
    // One line when the outage began (above, whatever reasons followed), one when it ended.
    expect(cacheLines()).toHaveLength(1);
    expect(logged.mock.calls.map(([line]) => String(line))).toContainEqual(
      expect.stringMatching(/^cache available again after \d+ s$/),
    );
    await waitFor(async () => (await admin.ping().catch(() => '')) === 'PONG');
  }, 20000);

  test('checkCache: true once the cache answers, false while it is down or without a cache; never throws', async () => {
    let reads = 0;
    const app = createWebApp({
      instanceId: 'i-0warm',
      loadCredentials: async () => credentials,
      cache: cacheOptions({
        loadCredentials: async () => (
          reads++,
          { host: redis.host, port: redis.port, password: redis.password }
        ),
      }),
    });
    apps.push(app);
    expect(await app.checkCache()).toBe(true);
    expect(reads).toBe(1); // the warm-up read the secret: the first page view will not
    await redis.stop();
    try {
      expect(await app.checkCache()).toBe(false);
    } finally {
      await redis.start();
    }
    await waitFor(() => app.checkCache());
    const noCache = createWebApp({ instanceId: 'i-0none', loadCredentials: async () => credentials });
    apps.push(noCache);
    expect(await noCache.checkCache()).toBe(false);
  }, 20000);

  test('a failover (the primary turns replica, writes answer READONLY): served from the database, then reconnected', async () => {
    const url = await serve({ instanceId: 'i-0failover' });
    const first = await get(url);
    expect(views(first.html)).toBe(1);
    const appConnection = async () =>
      String(await admin.client('LIST'))
        .split('\n')
        .find((line) => / name=webapp /.test(line))
        ?.match(/^id=(\d+)/)?.[1];
    const before = await appConnection();
    expect(before).toBeDefined();
    // RESP2 with AUTH, as every ElastiCache client has logged in (not HELLO 3, ioredis 6's default).
    expect(String(await admin.client('LIST'))).toMatch(/ name=webapp .* resp=2\b/);
    // As ElastiCache does to the old primary: it becomes a replica (of an address that never answers
    // here), keeps its connections, serves reads and refuses writes.
    await admin.call('REPLICAOF', '127.0.0.1', '1');
    try {
      const during = await get(url, first.sid);
      expect(during.status).toBe(200);
      expect(during.html).toContain('Sessions are unavailable');
      expect(cacheLines().join('\n')).toMatch(/READONLY/);
    } finally {
      await admin.call('REPLICAOF', 'NO', 'ONE');
    }
    // The READONLY made the client drop that connection and open a new one (to the new primary, in AWS).
    await waitFor(async () => ((await appConnection()) ?? before) !== before);
    await waitFor(async () => (await get(url, first.sid)).html.includes('Your session'));
  }, 20000);

  test('a wrong token: served from the database and logged; the secret is read once more, not per request', async () => {
    let reads = 0;
    const url = await serve({
      instanceId: 'i-0wrongpass',
      cache: cacheOptions({
        loadCredentials: async () => (
          reads++,
          { host: redis.host, port: redis.port, password: 'not-the-token' }
        ),
      }),
    });
    const before = await visitCount();
    for (let i = 0; i < 3; i++) {
      const page = await get(url);
      expect(page.status).toBe(200);
      expect(page.html).toContain('Sessions are unavailable');
    }
    expect(await visitCount()).toBe(before + 3);
    expect(reads).toBe(2);
    expect(cacheLines()).toEqual([
      [expect.stringMatching(/^cache unavailable, served from the database: WRONGPASS/)],
    ]);
  });

  test('an unreadable secret: served from the database and logged; not read again for every request', async () => {
    let reads = 0;
    const url = await serve({
      instanceId: 'i-0nosecret',
      cache: cacheOptions({
        loadCredentials: async () => {
          reads++;
          throw new Error('AccessDeniedException: not allowed to read the cache secret');
        },
      }),
    });
    for (let i = 0; i < 3; i++) {
      const page = await get(url);
      expect(page.status).toBe(200);
      expect(page.html).toContain('Sessions are unavailable');
    }
    expect(reads).toBe(1);
    expect(cacheLines()).toEqual([[expect.stringMatching(/AccessDeniedException: not allowed/)]]);
  });

  test('a rotated token (WRONGPASS on reconnect): the app reads the secret again and uses the cache', async () => {
    let token = redis.password;
    let reads = 0;
    const url = await serve({
      instanceId: 'i-0rotate',
      cache: cacheOptions({
        loadCredentials: async () => (reads++, { host: redis.host, port: redis.port, password: token }),
      }),
    });
    const first = await get(url);
    expect(views(first.html)).toBe(1);
    try {
      await admin.config('SET', 'requirepass', 'rotated-token');
      token = 'rotated-token';
      // Authenticated connections survive a password change; make the app reconnect, as a failover would.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      let page: Page | undefined;
      await waitFor(async () => ((page = await get(url, first.sid)), views(page.html) >= 2));
      expect(page!.setCookie).toBeNull(); // the same session, read with the new token
      expect(reads).toBe(2);
    } finally {
      await admin.config('SET', 'requirepass', redis.password);
    }
  });

  test('/health and /health/database never touch the cache', async () => {
    let reads = 0;
    const url = await serve({
      instanceId: 'i-0health',
      cache: cacheOptions({
        loadCredentials: async () => (
          reads++,
          { host: redis.host, port: redis.port, password: redis.password }
        ),
      }),
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/health/database`)).status).toBe(200);
    expect(reads).toBe(0);
    expect((await get(url)).status).toBe(200);
    expect(reads).toBe(1);
  });
});

describe('configuration', () => {
  test('close() also closes the cache connection', async () => {
    // The apps of the tests above close first: this test counts the connections named `webapp`.
    for (const app of apps.splice(0)) await app.close();
    const connections = async () =>
      String(await admin.client('LIST'))
        .split('\n')
        .filter((line) => / name=webapp /.test(line)).length;
    await waitFor(async () => (await connections()) === 0);
    const url = await serve({ instanceId: 'i-0close' });
    expect((await get(url)).status).toBe(200);
    expect(await connections()).toBe(1);
    await apps[0].close();
    await waitFor(async () => (await connections()) === 0);
  });

  test('invalid cache options are refused when the app is built', () => {
    const build = (cache: Partial<WebAppCacheOptions>) => () =>
      createWebApp({ instanceId: 'x', loadCredentials: async () => credentials, cache: cacheOptions(cache) });
    expect(build({ ttlSeconds: 0 })).toThrow(
      "cache.ttlSeconds must be a whole number from 1 to 86400 (got '0')",
    );
    expect(build({ sessionTtlSeconds: 1.5 })).toThrow(
      /cache.sessionTtlSeconds must be a whole number from 60/,
    );
    expect(build({ writeMode: 'write-back' as never })).toThrow(
      "cache.writeMode must be one of invalidate, write-through (got 'write-back')",
    );
  });

  test('environment: no CACHE_HOST means no cache; defaults; every value read', () => {
    const E = CACHE_ENVIRONMENT;
    expect(cacheSettingsFromEnvironment({})).toBeUndefined();
    expect(cacheSettingsFromEnvironment({ [E.host]: '', [E.port]: 'junk' })).toBeUndefined();
    expect(cacheSettingsFromEnvironment({ [E.host]: 'master.example', [E.secretArn]: 'arn:s' })).toEqual({
      host: 'master.example',
      port: 6379,
      secretArn: 'arn:s',
      ttlSeconds: 30,
      sessionTtlSeconds: 1800,
      writeMode: 'invalidate',
      secureCookies: false,
    });
    expect(
      cacheSettingsFromEnvironment({
        CACHE_HOST: 'master.example',
        CACHE_PORT: '6380',
        CACHE_SECRET_ARN: 'arn:s',
        CACHE_TTL_SECONDS: '60',
        SESSION_TTL_SECONDS: '600',
        CACHE_WRITE_MODE: 'write-through',
        SESSION_COOKIE_SECURE: 'true',
      }),
    ).toEqual({
      host: 'master.example',
      port: 6380,
      secretArn: 'arn:s',
      ttlSeconds: 60,
      sessionTtlSeconds: 600,
      writeMode: 'write-through',
      secureCookies: true,
    });
  });

  test('environment: invalid values fail with the variable names and the allowed values', () => {
    const read = (env: Record<string, string>) => () =>
      cacheSettingsFromEnvironment({ CACHE_HOST: 'master.example', CACHE_SECRET_ARN: 'arn:s', ...env });
    expect(read({ CACHE_PORT: '70000' })).toThrow(
      "invalid cache configuration: CACHE_PORT must be a whole number from 1 to 65535 (got '70000')",
    );
    expect(read({ CACHE_TTL_SECONDS: '1.5' })).toThrow(
      "CACHE_TTL_SECONDS must be a whole number from 1 to 86400 (got '1.5')",
    );
    expect(read({ SESSION_TTL_SECONDS: '10' })).toThrow(
      "SESSION_TTL_SECONDS must be a whole number from 60 to 604800 (got '10')",
    );
    expect(read({ CACHE_WRITE_MODE: 'write-back' })).toThrow(
      "CACHE_WRITE_MODE must be one of invalidate, write-through (got 'write-back')",
    );
    expect(read({ CACHE_SECRET_ARN: '' })).toThrow('CACHE_SECRET_ARN must be set when CACHE_HOST is set');
    expect(read({ SESSION_COOKIE_SECURE: 'yes' })).toThrow(
      "SESSION_COOKIE_SECURE must be true or false (got 'yes')",
    );
    // Every problem at once, so one failed start shows them all in the journal.
    expect(read({ CACHE_PORT: 'x', CACHE_WRITE_MODE: 'y' })).toThrow(/CACHE_PORT .*; CACHE_WRITE_MODE /);
  });

  test('the cache token is read from Secrets Manager with the AWS CLI ({"token": ...})', async () => {
    // A stand-in for the AWS CLI records its arguments and prints the SecretString.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-aws-'));
    const record = path.join(bin, 'calls');
    const output = path.join(bin, 'output');
    const awsCli = path.join(bin, 'aws');
    fs.writeFileSync(awsCli, `#!/bin/sh\necho "$@" >> '${record}'\ncat '${output}'\n`, { mode: 0o755 });
    try {
      const load = secretsManagerCacheCredentials(
        'arn:cache-secret',
        'eu-west-1',
        'master.example',
        6380,
        awsCli,
      );
      fs.writeFileSync(output, '{"token":"s3cret-token"}\n');
      expect(await load()).toEqual({ host: 'master.example', port: 6380, password: 's3cret-token' });
      expect(fs.readFileSync(record, 'utf8').trim()).toBe(
        'secretsmanager get-secret-value --secret-id arn:cache-secret --region eu-west-1 ' +
          '--query SecretString --output text',
      );
      fs.writeFileSync(output, '{"password":"not a token"}\n');
      const failure = await load().catch((e: Error) => e.message);
      expect(failure).toBe('cache secret arn:cache-secret is not JSON with a "token" string');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('the redis-server helper says how to install the server when it is missing', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startRedisServer()).rejects.toThrow(REDIS_SERVER_MISSING);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
