// The web application every app-tier instance runs (runtime code: never imports aws-cdk-lib).
//
// The construct bundles this file with its drivers (`pg`, `ioredis`, from the package's dependencies) with
// esbuild at synth time; the instance downloads the bundle from S3 at boot and runs it with Node.js from
// the Amazon Linux 2023 repositories.
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
//
// With a cache (ElastiCache, optional), the web tier keeps no state of its own (003 L1515-1526:
// "ElastiCache for storing sessions, for caching data from RDS"), so the ALB needs no sticky sessions:
// - sessions live in the cache (`session:<id>`, sliding TTL), so any instance serves any visitor;
// - a visit row is written once per session, and the page's database data (count and latest rows) is
//   read cache-aside (lazy loading) under one key, so page views are mostly cache reads;
// - on a write, the key is deleted (`invalidate`, cache-aside) or rewritten at once (`write-through`);
//   lazy loading pays a miss and can be stale, write-through is fresh but pays on every write and fills
//   the cache with data nobody may read (001 L2686-2746);
// - the cache is never a dependency: if it fails, the page is served from the database (the visit is
//   recorded as without a cache, so nothing is lost), sessions are shown as unavailable, and the health
//   paths never touch it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import { Pool, PoolConfig } from 'pg';
import { CacheConnection, CacheCredentials, createCacheConnection } from './cache';
import {
  CACHE_ENVIRONMENT,
  CACHE_TTL_RANGE,
  CACHE_WRITE_MODES,
  CacheWriteMode,
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_SESSION_TTL_SECONDS,
  SESSION_TTL_RANGE,
} from './cache-settings';

export type { CacheCredentials } from './cache';
export * from './cache-settings';

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
  /** Sessions and cache-aside reads in a cache (ElastiCache). Undefined: no cache, every page view is a visit. */
  readonly cache?: WebAppCacheOptions;
}

/** The cache tier: where it is, and how the app uses it. */
export interface WebAppCacheOptions {
  /** Host, port and AUTH token; read again once when the server refuses the token (rotation). */
  readonly loadCredentials: () => Promise<CacheCredentials>;
  /** Node.js TLS options; undefined means plain TCP (only for local tests). ElastiCache: `{ servername: host }`. */
  readonly tls?: ConnectionOptions;
  /** How long the page's database data stays in the cache (bounds staleness). Default 30 s. */
  readonly ttlSeconds?: number;
  /** A session expires after this long without a page view (sliding). Default 1800 s. */
  readonly sessionTtlSeconds?: number;
  /** `invalidate` (default, cache-aside: delete the key on write) or `write-through` (rewrite it). */
  readonly writeMode?: CacheWriteMode;
  /** Bound on each cache call; past it the page is served from the database. Default 500 ms. */
  readonly timeoutMs?: number;
  /**
   * Mark the session cookie Secure on every response: set when every visitor reaches the app over HTTPS
   * (a certificate on the load balancer, or CloudFront in front, whose own hop to the load balancer is HTTP).
   * Default: Secure only when the request says it came over HTTPS.
   */
  readonly secureCookies?: boolean;
}

/** The request handler, the database check behind the deep path, and a way to close the pool. */
export interface WebApp {
  readonly handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  /** One round trip to the database: true when it answered. Errors go to the journal. */
  readonly checkDatabase: () => Promise<boolean>;
  /**
   * One PING to the cache: true when it answered, false when it did not or there is no cache. Never throws.
   * `main()` calls it at start, so the credentials are read and the connection opened before the load
   * balancer sends the first visitor (reading the secret with the AWS CLI takes longer than a request waits).
   */
  readonly checkCache: () => Promise<boolean>;
  readonly close: () => Promise<void>;
}

export const DEFAULT_HEALTH_PATH = '/health';
export const DEFAULT_DATABASE_CHECK_PATH = '/health/database';

export const DEFAULT_CACHE_TIMEOUT_MS = 500;
/** While the cache is down, the journal gets the reason at most this often. */
export const CACHE_OUTAGE_LOG_INTERVAL_MS = 60000;
/** The cache key holding the page's database data (JSON: count and latest rows). */
export const LATEST_VISITS_KEY = 'visits:latest';
/** Sessions are stored under this prefix and the session id. */
export const SESSION_KEY_PREFIX = 'session:';
/** The session cookie's name; its value is 128 random bits in hex. */
export const SESSION_COOKIE = 'sid';
const SESSION_ID = /^[0-9a-f]{32}$/;
/** A session remembers at most this many instances (the page lists them). */
const SESSION_INSTANCES_KEPT = 20;

interface VisitRow {
  id: string;
  instance_id: string;
  client: string | null;
  /** A Date from the database, an ISO string from the cache (JSON). */
  visited_at: Date | string;
}

/** The page's database data, as read from the database and as stored in the cache. */
interface LatestVisits {
  count: number;
  rows: VisitRow[];
}

/** Session state kept in the cache. */
interface SessionState {
  startedAt: string;
  views: number;
  instances: string[];
}

/** What the page says about the cache: where its data came from, and the visitor's session. */
interface CacheView {
  source: 'cache' | 'database (cache miss)' | 'database (written through to the cache)' | 'database';
  session?: SessionState;
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
  const cacheOptions = options.cache;
  const ttlSeconds = cacheOptions?.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS;
  const sessionTtlSeconds = cacheOptions?.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS;
  const writeMode = cacheOptions?.writeMode ?? 'invalidate';
  if (cacheOptions) {
    const problems = [
      wholeNumberProblem('cache.ttlSeconds', ttlSeconds, CACHE_TTL_RANGE),
      wholeNumberProblem('cache.sessionTtlSeconds', sessionTtlSeconds, SESSION_TTL_RANGE),
      wholeNumberProblem('cache.timeoutMs', cacheOptions.timeoutMs ?? DEFAULT_CACHE_TIMEOUT_MS, [1, 60000]),
      CACHE_WRITE_MODES.includes(writeMode)
        ? undefined
        : `cache.writeMode must be one of ${CACHE_WRITE_MODES.join(', ')} (got '${writeMode}')`,
    ].filter((p) => p !== undefined);
    if (problems.length > 0) throw new Error(problems.join('; '));
  }
  const cache: CacheConnection | undefined =
    cacheOptions &&
    createCacheConnection({
      loadCredentials: cacheOptions.loadCredentials,
      tls: cacheOptions.tls,
      timeoutMs: cacheOptions.timeoutMs ?? DEFAULT_CACHE_TIMEOUT_MS,
    });
  /** When the current cache outage began and when it was last logged; undefined while the cache answers. */
  let cacheOutage: { since: number; logged: number } | undefined;

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
      if (cache) return await pageWithCache(cache, req, res);
      await recordVisit(req);
      const latest = await readLatestFromDatabase();
      return send(res, 200, 'text/html; charset=utf-8', page(options.instanceId, latest));
    } catch (e) {
      console.error(`page failed: ${(e as Error).message}`);
      return send(res, 503, 'text/plain', 'The database is unreachable; try again shortly.\n');
    }
  }

  async function recordVisit(req: http.IncomingMessage): Promise<void> {
    // The ALB terminates the client connection and puts the client address in X-Forwarded-For (001 L851).
    const client = String(req.headers['x-forwarded-for'] ?? req.socket.remoteAddress ?? '').split(',')[0];
    await query('INSERT INTO visits (instance_id, client) VALUES ($1, $2)', [
      options.instanceId,
      client.trim(),
    ]);
  }

  async function readLatestFromDatabase(): Promise<LatestVisits> {
    const [{ count }] = await query<{ count: string }>('SELECT count(*)::text AS count FROM visits');
    const rows = await query<VisitRow>(
      'SELECT id::text, instance_id, client, visited_at FROM visits ORDER BY id DESC LIMIT 10',
    );
    return { count: Number(count), rows };
  }

  /**
   * The page with a cache. Any cache failure is logged, and the rest of the request goes without the
   * cache (one slow cache call per request at most): the visit is recorded as without a cache, the data
   * comes from the database. Only a database failure makes the page fail.
   */
  async function pageWithCache(
    c: CacheConnection,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    let cacheUp = true;
    const cacheFailed = (e: unknown): void => {
      cacheUp = false;
      // One line in the journal when an outage begins, then at most one a minute with the latest reason (the
      // reason changes as the client reconnects: refused, reconnecting, timed out), not one per request.
      const now = Date.now();
      if (!cacheOutage || now - cacheOutage.logged >= CACHE_OUTAGE_LOG_INTERVAL_MS) {
        const lasting = cacheOutage ? ` (for ${Math.round((now - cacheOutage.since) / 1000)} s)` : '';
        console.error(`cache unavailable${lasting}, served from the database: ${(e as Error).message}`);
        cacheOutage = { since: cacheOutage?.since ?? now, logged: now };
      }
    };
    const headers: Record<string, string> = {};

    let session: { id: string; state: SessionState; isNew: boolean } | undefined;
    try {
      session = await touchSession(c, sessionIdFromCookie(req));
      if (session.isNew) headers['Set-Cookie'] = sessionCookie(session.id, req, cacheOptions?.secureCookies);
    } catch (e) {
      cacheFailed(e);
    }

    // A visit is a new session; without working sessions, every page view is a visit (nothing is lost).
    let latest: LatestVisits | undefined;
    let source: CacheView['source'] = 'database (cache miss)';
    if (!session || session.isNew) {
      await recordVisit(req);
      // Races, bounded by the TTL (nothing else repairs a stale value before it expires): a slow reader
      // that read the database before this insert can SET its older value after our DEL (invalidate), or
      // after our SET (write-through, where two writers can also SET out of order).
      if (cacheUp && writeMode === 'invalidate') {
        await c.run((r) => r.del(LATEST_VISITS_KEY)).catch(cacheFailed);
      } else if (cacheUp) {
        latest = await readLatestFromDatabase();
        source = 'database (written through to the cache)';
        const value = JSON.stringify(latest);
        await c.run((r) => r.set(LATEST_VISITS_KEY, value, 'EX', ttlSeconds)).catch(cacheFailed);
      }
    }

    // Cache-aside read: a hit never touches the database; a miss reads it and fills the cache.
    if (!latest && cacheUp) {
      try {
        const cached = parseLatestVisits(await c.run((r) => r.get(LATEST_VISITS_KEY)));
        if (cached) {
          latest = cached;
          source = 'cache';
        }
      } catch (e) {
        cacheFailed(e);
      }
    }
    if (!latest) {
      latest = await readLatestFromDatabase();
      if (cacheUp) {
        const value = JSON.stringify(latest);
        await c.run((r) => r.set(LATEST_VISITS_KEY, value, 'EX', ttlSeconds)).catch(cacheFailed);
      }
    }
    if (cacheUp && cacheOutage) {
      console.error(`cache available again after ${Math.round((Date.now() - cacheOutage.since) / 1000)} s`);
      cacheOutage = undefined;
    }
    const view: CacheView = { source: cacheUp ? source : 'database', session: session?.state };
    return send(res, 200, 'text/html; charset=utf-8', page(options.instanceId, latest, view), headers);
  }

  /**
   * Reads the visitor's session and counts this page view, sliding its TTL; a missing, malformed or
   * expired session starts a new one under a new id (never under an id the client chose).
   * Read-modify-write: two page views of one session at the same moment can count as one. That is fine
   * for a counter on a page; a Redis hash with HINCRBY would make it atomic.
   */
  async function touchSession(
    c: CacheConnection,
    cookieId: string | undefined,
  ): Promise<{ id: string; state: SessionState; isNew: boolean }> {
    const stored = cookieId
      ? parseSession(await c.run((r) => r.get(SESSION_KEY_PREFIX + cookieId)))
      : undefined;
    const id = stored && cookieId ? cookieId : randomBytes(16).toString('hex');
    const previous = stored ?? { startedAt: new Date().toISOString(), views: 0, instances: [] };
    const instances = previous.instances.includes(options.instanceId)
      ? previous.instances
      : [...previous.instances, options.instanceId].slice(-SESSION_INSTANCES_KEPT);
    const state: SessionState = { startedAt: previous.startedAt, views: previous.views + 1, instances };
    const value = JSON.stringify(state);
    await c.run((r) => r.set(SESSION_KEY_PREFIX + id, value, 'EX', sessionTtlSeconds));
    return { id, state, isNew: !stored };
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
    await cache?.close();
    if (p) await p.end();
  }

  async function checkCache(): Promise<boolean> {
    if (!cache) return false;
    try {
      return (await cache.run((r) => r.ping())) === 'PONG';
    } catch {
      return false; // the page view that needs the cache logs the reason
    }
  }

  return { handle, checkDatabase, checkCache, close };
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

/** The session id from the `Cookie` header, only when it has the shape of an id this app makes. */
function sessionIdFromCookie(req: http.IncomingMessage): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return SESSION_ID.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The session cookie: not readable by scripts (HttpOnly), not sent on cross-site subrequests (Lax), and
 * Secure when the visitor came over HTTPS (a sandbox ALB may listen on HTTP only, where a Secure cookie
 * would never come back). Who says so: the ALB's X-Forwarded-Proto when it terminates HTTPS; behind
 * CloudFront, whose hop to the ALB is HTTP (the ALB then writes `http`), CloudFront-Forwarded-Proto, the
 * viewer's protocol, when the origin request policy forwards it. A forged header can only make the cookie
 * stricter. No Max-Age: the cache's TTL decides when the session ends.
 */
function sessionCookie(id: string, req: http.IncomingMessage, alwaysSecure = false): string {
  const first = (name: string) =>
    String(req.headers[name] ?? '')
      .split(',')[0]
      .trim();
  const https =
    alwaysSecure || first('x-forwarded-proto') === 'https' || first('cloudfront-forwarded-proto') === 'https';
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${https ? '; Secure' : ''}`;
}

/** A cached session, or undefined when there is none or it does not have the expected shape. */
function parseSession(text: string | null): SessionState | undefined {
  const s = parseJson(text) as Partial<SessionState> | undefined;
  return s &&
    typeof s.startedAt === 'string' &&
    Number.isInteger(s.views) &&
    Array.isArray(s.instances) &&
    s.instances.every((i) => typeof i === 'string')
    ? { startedAt: s.startedAt, views: s.views!, instances: s.instances }
    : undefined;
}

/** The cached page data, or undefined (a miss) when there is none or it does not have the expected shape. */
function parseLatestVisits(text: string | null): LatestVisits | undefined {
  const v = parseJson(text) as Partial<LatestVisits> | undefined;
  return v && typeof v.count === 'number' && Array.isArray(v.rows)
    ? { count: v.count, rows: v.rows }
    : undefined;
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function page(instanceId: string, latest: LatestVisits, cache?: CacheView): string {
  const { count, rows } = latest;
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
    (cache ? cacheSection(cache) : '') +
    '<table><tr><th>#</th><th>instance</th><th>client</th><th>time</th></tr>' +
    `${items}</table></body></html>\n`
  );
}

function cacheSection(cache: CacheView): string {
  const session = cache.session
    ? `<p>Your session (kept in the cache, so any instance can serve you): ` +
      `<strong>${cache.session.views}</strong> page views since ${escapeHtml(cache.session.startedAt)}, ` +
      `served by ${cache.session.instances.map(escapeHtml).join(', ')}. ` +
      'Only the first page view of a session is stored as a visit.</p>'
    : '<p>Sessions are unavailable: the cache does not answer, so this page view was stored as a visit.</p>';
  return `${session}<p>Data read from: <strong>${escapeHtml(cache.source)}</strong>.</p>`;
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

/**
 * Reads the cache's AUTH token with the AWS CLI (the instance role). The secret's SecretString is JSON
 * `{"token": "..."}`; host and port come from the stack (the replication group's primary endpoint).
 * `awsCli`: the AWS CLI executable (default `aws`, from PATH on Amazon Linux 2023).
 */
export function secretsManagerCacheCredentials(
  secretId: string,
  region: string,
  host: string,
  port: number,
  awsCli = 'aws',
): () => Promise<CacheCredentials> {
  return () =>
    new Promise((resolve, reject) => {
      const args = ['secretsmanager', 'get-secret-value', '--secret-id', secretId, '--region', region];
      execFile(awsCli, [...args, '--query', 'SecretString', '--output', 'text'], (err, stdout) => {
        if (err) return reject(err);
        const token = (parseJson(stdout) as { token?: unknown } | undefined)?.token;
        // The error names the secret, never its content.
        if (typeof token !== 'string' || token === '') {
          return reject(new Error(`cache secret ${secretId} is not JSON with a "token" string`));
        }
        resolve({ host, port, password: token });
      });
    });
}

/** The cache settings read from the environment. */
export interface CacheSettings {
  readonly host: string;
  readonly port: number;
  readonly secretArn: string;
  readonly ttlSeconds: number;
  readonly sessionTtlSeconds: number;
  readonly writeMode: CacheWriteMode;
  readonly secureCookies: boolean;
}

const PORT_RANGE: readonly [number, number] = [1, 65535];

function wholeNumberProblem(
  name: string,
  value: number,
  [min, max]: readonly [number, number],
  shown: string = String(value),
): string | undefined {
  return Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : `${name} must be a whole number from ${min} to ${max} (got '${shown}')`;
}

/**
 * The cache settings from the environment: undefined without CACHE_HOST (no cache). Throws one error
 * listing every invalid variable, with the allowed values; empty values take the defaults.
 */
export function cacheSettingsFromEnvironment(env: NodeJS.ProcessEnv): CacheSettings | undefined {
  const E = CACHE_ENVIRONMENT;
  const host = env[E.host]?.trim();
  if (!host) return undefined;
  const problems: string[] = [];
  const wholeNumber = (name: string, fallback: number, range: readonly [number, number]): number => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    const problem = wholeNumberProblem(name, value, range, text);
    if (problem) problems.push(problem);
    return value;
  };
  const port = wholeNumber(E.port, 6379, PORT_RANGE);
  const ttlSeconds = wholeNumber(E.ttlSeconds, DEFAULT_CACHE_TTL_SECONDS, CACHE_TTL_RANGE);
  const sessionTtlSeconds = wholeNumber(E.sessionTtlSeconds, DEFAULT_SESSION_TTL_SECONDS, SESSION_TTL_RANGE);
  const writeMode = (env[E.writeMode]?.trim() || 'invalidate') as CacheWriteMode;
  if (!CACHE_WRITE_MODES.includes(writeMode)) {
    problems.push(`${E.writeMode} must be one of ${CACHE_WRITE_MODES.join(', ')} (got '${writeMode}')`);
  }
  const secretArn = env[E.secretArn]?.trim() ?? '';
  if (!secretArn) problems.push(`${E.secretArn} must be set when ${E.host} is set (the cache's AUTH token)`);
  const secureText = env[E.secureCookies]?.trim() || 'false';
  if (secureText !== 'true' && secureText !== 'false') {
    problems.push(`${E.secureCookies} must be true or false (got '${secureText}')`);
  }
  if (problems.length > 0) throw new Error(`invalid cache configuration: ${problems.join('; ')}`);
  return {
    host,
    port,
    secretArn,
    ttlSeconds,
    sessionTtlSeconds,
    writeMode,
    secureCookies: secureText === 'true',
  };
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
  let cache: CacheSettings | undefined;
  try {
    cache = cacheSettingsFromEnvironment(env);
  } catch (e) {
    // systemd restarts the unit; the journal shows why it cannot start.
    console.error((e as Error).message);
    process.exit(1);
  }
  const region = env.AWS_REGION ?? '';
  const app = createWebApp({
    instanceId: env.INSTANCE_ID ?? 'unknown',
    loadCredentials: secretsManagerCredentials(env.DB_SECRET_ARN ?? '', region),
    // RDS for PostgreSQL requires TLS (rds.force_ssl); verify the server against the RDS CA bundle.
    ssl: caFile ? { ca: fs.readFileSync(caFile, 'utf8'), rejectUnauthorized: true } : undefined,
    schema: env.DB_SCHEMA || undefined,
    healthPath: env.HEALTH_PATH || undefined,
    databaseCheckPath: env.DATABASE_CHECK_PATH || undefined,
    // ElastiCache encrypts in transit with a certificate from a public Amazon CA: Node's default CAs
    // verify it against the endpoint's name.
    cache: cache && {
      loadCredentials: secretsManagerCacheCredentials(cache.secretArn, region, cache.host, cache.port),
      tls: { servername: cache.host },
      ttlSeconds: cache.ttlSeconds,
      sessionTtlSeconds: cache.sessionTtlSeconds,
      writeMode: cache.writeMode,
      secureCookies: cache.secureCookies,
    },
  });
  if (env.METRIC_NAMESPACE && env.METRIC_APP) {
    const target = { namespace: env.METRIC_NAMESPACE, app: env.METRIC_APP, region };
    startDatabaseProbe(app, cloudWatchPublisher(target), 60000);
  }
  // Open the cache connection now (the boot script waits for the database path before the instance
  // takes traffic), so the first visitors do not wait for the secret; a failure is retried per request.
  if (cache) void app.checkCache();
  const port = Number(env.PORT ?? 8080);
  const server = http.createServer((req, res) => void app.handle(req, res));
  // Longer than the ALB idle timeout (60 s), so the ALB never reuses a connection the app just closed.
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  server.listen(port, () => console.log(`listening on ${port}`));
  process.on('SIGTERM', () => server.close(() => void app.close().then(() => process.exit(0))));
}

if (require.main === module) main();
