// The web application every app-tier instance runs (runtime code: never imports aws-cdk-lib).
//
// The construct compiles this file to JavaScript at synth time and writes it into the launch template's
// user data; the instance runs it with Node.js from the Amazon Linux 2023 repositories and the `pg` driver.
// It proves the three tiers connect: the ALB forwards a request here, the page writes a row into the
// database and reads the latest rows back.
//
// Two health paths, because two different questions are asked:
// - liveness (`/health`): does this process answer? The target group polls it, and the Auto Scaling
//   group replaces an instance that fails it (ELB health checks). It never touches the database: a
//   Multi-AZ failover (60-120 s) or a database outage would otherwise fail every instance at once, and
//   the group would replace the whole fleet, which cannot fix a database.
// - database (`/health/database`): can this instance query the database? The boot script waits for it
//   before signalling CloudFormation (a bad release or a broken network path rolls back), and a probe
//   publishes its result every minute as a CloudWatch metric with an alarm.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { Pool, PoolConfig } from 'pg';

/** Connection settings read from the database secret (the JSON RDS writes into Secrets Manager). */
export interface DatabaseCredentials {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly dbname?: string;
}

/** How the app finds its database; the instance reads the secret, tests pass a local server. */
export interface WebAppOptions {
  /** Shown on the page and stored with each visit, so a learner sees the ALB spread requests. */
  readonly instanceId: string;
  /** Called on the first request and again after a connection failure (the password may have rotated). */
  readonly loadCredentials: () => Promise<DatabaseCredentials>;
  /** TLS settings for the connection; undefined means plain TCP (only for local tests). */
  readonly ssl?: PoolConfig['ssl'];
  /** Database name when the secret has none. Default `postgres`. */
  readonly defaultDatabase?: string;
  /**
   * Schema of the app's table, put first on each connection's search path. The app never creates it:
   * the stack creates the schema and the table at deploy time, and the app's user may only read and
   * write rows. Set per connection rather than on the role, because the rotation clone of the user
   * (alternating-users rotation) does not inherit role settings. Default: the server's search path.
   */
  readonly schema?: string;
  /** Gives up on a connection or a query after this long, so a health check answers before it times out. */
  readonly timeoutMs?: number;
  /** Liveness path: 200 while the process serves requests, without touching the database. Default `/health`. */
  readonly healthPath?: string;
  /** Deep path: 200 only after a database round trip, else 503. Default `/health/database`. */
  readonly databaseCheckPath?: string;
}

/** The request handler, the database check behind the deep path, and a way to close the pool. */
export interface WebApp {
  readonly handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  /** One round trip to the database: true when it answered. Errors go to the journal. */
  readonly checkDatabase: () => Promise<boolean>;
  readonly close: () => Promise<void>;
}

export const DEFAULT_HEALTH_PATH = '/health';
export const DEFAULT_DATABASE_CHECK_PATH = '/health/database';

interface VisitRow {
  id: string;
  instance_id: string;
  client: string | null;
  visited_at: Date;
}

/** Builds the app. Nothing connects until the first request. */
export function createWebApp(options: WebAppOptions): WebApp {
  const timeoutMs = options.timeoutMs ?? 3000;
  const healthPath = options.healthPath ?? DEFAULT_HEALTH_PATH;
  const databaseCheckPath = options.databaseCheckPath ?? DEFAULT_DATABASE_CHECK_PATH;
  let pool: Pool | undefined;
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error(`schema '${options.schema}' must be a lowercase PostgreSQL identifier`);
  }

  async function getPool(): Promise<Pool> {
    if (pool) return pool;
    const c = await options.loadCredentials();
    const created = new Pool({
      host: c.host,
      port: c.port,
      user: c.username,
      password: c.password,
      database: c.dbname ?? options.defaultDatabase ?? 'postgres',
      ssl: options.ssl,
      options: options.schema ? `-c search_path=${options.schema}` : undefined,
      max: 5,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      idleTimeoutMillis: 30000,
    });
    // An idle client that loses its connection (failover, rotation) must not crash the process.
    created.on('error', () => undefined);
    pool = created;
    return created;
  }

  async function query<T extends object>(text: string, values: unknown[] = []): Promise<T[]> {
    const p = await getPool();
    try {
      return (await p.query(text, values)).rows as T[];
    } catch (e) {
      // Drop the pool: the next request reads the secret again and reconnects, which also picks up a
      // rotated password or the new primary after a Multi-AZ failover (same DNS name, new address).
      pool = undefined;
      p.end().catch(() => undefined);
      throw e;
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain', 'Method not allowed\n', { Allow: 'GET, HEAD' });
    }
    if (url.pathname === healthPath) {
      return send(
        res,
        200,
        'application/json',
        JSON.stringify({ status: 'ok', instance: options.instanceId }),
      );
    }
    if (url.pathname === databaseCheckPath) {
      return (await checkDatabase())
        ? send(res, 200, 'application/json', JSON.stringify({ status: 'ok', instance: options.instanceId }))
        : send(res, 503, 'application/json', JSON.stringify({ status: 'database unreachable' }));
    }
    if (url.pathname !== '/') return send(res, 404, 'text/plain', 'Not found\n');
    try {
      // The ALB terminates the client connection and puts the client address in X-Forwarded-For (001 L851).
      const client = String(req.headers['x-forwarded-for'] ?? req.socket.remoteAddress ?? '').split(',')[0];
      await query('INSERT INTO visits (instance_id, client) VALUES ($1, $2)', [
        options.instanceId,
        client.trim(),
      ]);
      const [{ count }] = await query<{ count: string }>('SELECT count(*)::text AS count FROM visits');
      const rows = await query<VisitRow>(
        'SELECT id::text, instance_id, client, visited_at FROM visits ORDER BY id DESC LIMIT 10',
      );
      return send(res, 200, 'text/html; charset=utf-8', page(options.instanceId, Number(count), rows));
    } catch (e) {
      console.error(`page failed: ${(e as Error).message}`);
      return send(res, 503, 'text/plain', 'The database is unreachable; try again shortly.\n');
    }
  }

  async function checkDatabase(): Promise<boolean> {
    try {
      await query('SELECT 1');
      return true;
    } catch (e) {
      // The reason stays in the instance's journal (journalctl -u webapp), not in the response.
      console.error(`database check failed: ${(e as Error).message}`);
      return false;
    }
  }

  async function close(): Promise<void> {
    const p = pool;
    pool = undefined;
    if (p) await p.end();
  }

  return { handle, checkDatabase, close };
}

function send(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** Escapes text for HTML, so a forged X-Forwarded-For header cannot inject markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(instanceId: string, count: number, rows: VisitRow[]): string {
  const items = rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.instance_id)}</td>` +
        `<td>${escapeHtml(r.client ?? '')}</td><td>${escapeHtml(new Date(r.visited_at).toISOString())}</td></tr>`,
    )
    .join('');
  return (
    '<!doctype html><html><head><title>Three-tier web app</title></head><body>' +
    `<h1>Served by ${escapeHtml(instanceId)}</h1>` +
    `<p>Visits stored in the database: <strong>${count}</strong>. Reload to see other instances answer.</p>` +
    '<table><tr><th>#</th><th>instance</th><th>client</th><th>time</th></tr>' +
    `${items}</table></body></html>\n`
  );
}

/** Reads the database secret with the AWS CLI that ships with Amazon Linux 2023 (the instance role). */
export function secretsManagerCredentials(
  secretId: string,
  region: string,
): () => Promise<DatabaseCredentials> {
  return () =>
    new Promise((resolve, reject) => {
      const args = ['secretsmanager', 'get-secret-value', '--secret-id', secretId, '--region', region];
      execFile('aws', [...args, '--query', 'SecretString', '--output', 'text'], (err, stdout) => {
        if (err) return reject(err);
        try {
          const s = JSON.parse(stdout);
          resolve({
            host: s.host,
            port: Number(s.port),
            username: s.username,
            password: s.password,
            dbname: s.dbname,
          });
        } catch (e) {
          reject(e);
        }
      });
    });
}

/** Where the database probe publishes (the construct passes these in the systemd unit). */
export interface MetricTarget {
  readonly namespace: string;
  /** Value of the `App` dimension: one metric for the whole group, whichever instance reports. */
  readonly app: string;
  readonly region: string;
  /** The AWS CLI executable. Default `aws` (on Amazon Linux 2023, from PATH). */
  readonly awsCli?: string;
}

/** The metric the probe publishes: 1 when the instance could not query the database, else 0. */
export const DATABASE_CHECK_METRIC = 'DatabaseCheckFailed';

/** Publishes the probe result with the AWS CLI that ships with Amazon Linux 2023 (the instance role). */
export function cloudWatchPublisher(target: MetricTarget): (failed: boolean) => Promise<void> {
  return (failed) =>
    new Promise((resolve, reject) => {
      const args = ['cloudwatch', 'put-metric-data', '--region', target.region];
      args.push('--namespace', target.namespace, '--metric-name', DATABASE_CHECK_METRIC);
      args.push('--dimensions', `App=${target.app}`, '--value', failed ? '1' : '0', '--unit', 'Count');
      execFile(target.awsCli ?? 'aws', args, (err) => (err ? reject(err) : resolve()));
    });
}

/**
 * Checks the database every `intervalMs` and publishes the result; returns a function that stops it.
 * A publishing error is logged and the probe goes on (the alarm treats missing data as not breaching;
 * the in-service alarm covers instances that stop reporting because they are gone).
 */
export function startDatabaseProbe(
  app: WebApp,
  publish: (failed: boolean) => Promise<void>,
  intervalMs: number,
): () => void {
  const tick = (): void => {
    void app
      .checkDatabase()
      .then((ok) => publish(!ok))
      .catch((e: Error) => console.error(`database metric not published: ${e.message}`));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return () => clearInterval(timer);
}

/** Entry point on the instance; configuration comes from the systemd unit's environment. */
function main(): void {
  const env = process.env;
  const caFile = env.DB_CA_FILE;
  const app = createWebApp({
    instanceId: env.INSTANCE_ID ?? 'unknown',
    loadCredentials: secretsManagerCredentials(env.DB_SECRET_ARN ?? '', env.AWS_REGION ?? ''),
    // RDS for PostgreSQL requires TLS (rds.force_ssl); verify the server against the RDS CA bundle.
    ssl: caFile ? { ca: fs.readFileSync(caFile, 'utf8'), rejectUnauthorized: true } : undefined,
    schema: env.DB_SCHEMA || undefined,
    healthPath: env.HEALTH_PATH || undefined,
    databaseCheckPath: env.DATABASE_CHECK_PATH || undefined,
  });
  if (env.METRIC_NAMESPACE && env.METRIC_APP) {
    const target = { namespace: env.METRIC_NAMESPACE, app: env.METRIC_APP, region: env.AWS_REGION ?? '' };
    startDatabaseProbe(app, cloudWatchPublisher(target), 60000);
  }
  const port = Number(env.PORT ?? 8080);
  const server = http.createServer((req, res) => void app.handle(req, res));
  // Longer than the ALB idle timeout (60 s), so the ALB never reuses a connection the app just closed.
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  server.listen(port, () => console.log(`listening on ${port}`));
  process.on('SIGTERM', () => server.close(() => void app.close().then(() => process.exit(0))));
}

if (require.main === module) main();
