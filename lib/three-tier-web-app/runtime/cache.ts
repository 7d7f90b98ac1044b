// The web app's connection to the cache tier (ElastiCache, Valkey/Redis OSS protocol). Runtime code: never
// imports aws-cdk-lib.
//
// Why ioredis: it is the Redis client most Node.js services in the field run, and it already does what
// a cache client in front of a database needs: it reconnects by itself after a failover or an outage
// (with a retry strategy we choose), can fail a command at once while disconnected instead of queueing
// it (`enableOfflineQueue: false`), bounds every command (`commandTimeout`) and speaks TLS and AUTH.
// (Its README now points new projects to node-redis and says ioredis is maintained on a best-effort
// basis; 6.0.0 is pinned exactly, and swapping the client only touches this file.)
//
// The rule this file serves: the cache is an optimisation, never a dependency. Every call here either
// answers within `timeoutMs` or throws, and the caller then serves from the database.
import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';

/** Where the cache is and its AUTH token (ElastiCache: from the Secrets Manager secret). */
export interface CacheCredentials {
  readonly host: string;
  readonly port: number;
  /** The AUTH token; undefined when the server needs none (local tests only). */
  readonly password?: string;
}

export interface CacheConnectionOptions {
  /** Called before the first connection, and again once when the server refuses the token (rotation). */
  readonly loadCredentials: () => Promise<CacheCredentials>;
  /**
   * TLS options for the connection (Node's `tls.connect` options); undefined means plain TCP (only for
   * local tests). ElastiCache with in-transit encryption presents a certificate from a public Amazon CA:
   * `{ servername: host }` with Node's default CAs verifies it.
   */
  readonly tls?: ConnectionOptions;
  /** Bound on connecting, on each command, and on waiting for a connection in progress. */
  readonly timeoutMs: number;
  /** After a refused token, the credentials are read again at most this often. Default 60 s. */
  readonly credentialsReloadIntervalMs?: number;
  /** After a failed credentials read, requests fail at once for this long, then one reads again. Default 5 s. */
  readonly credentialsRetryMs?: number;
}

/** A lazily opened, self-healing connection. `run` fails fast (and throws) whenever the cache cannot answer. */
export interface CacheConnection {
  readonly run: <T>(command: (redis: Redis) => Promise<T>) => Promise<T>;
  readonly close: () => Promise<void>;
}

/** Reconnect delays after a lost connection: 100 ms, doubling, at most 1 s (a failover takes seconds). */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 1000);
}

/**
 * ioredis's `reconnectOnError`: 1 (reconnect, do not resend) when the server is no longer a writable primary
 * (READONLY after a failover or node change) or is still loading its data (LOADING); false otherwise.
 */
export function reconnectOnRoleChange(e: Error): 1 | false {
  return /^(READONLY|LOADING)\b/.test(e.message) ? 1 : false;
}

/** The server refused the credentials: the token was rotated (WRONGPASS) or none was sent (NOAUTH). */
export function isAuthError(e: unknown): boolean {
  return e instanceof Error && /^(WRONGPASS|NOAUTH)\b/.test(e.message);
}

export function createCacheConnection(options: CacheConnectionOptions): CacheConnection {
  const reloadIntervalMs = options.credentialsReloadIntervalMs ?? 60000;
  const retryMs = options.credentialsRetryMs ?? 5000;
  let client: Redis | undefined;
  let credentialsFailure: { error: unknown; at: number } | undefined;
  let opening: Promise<Redis> | undefined;
  let lastError: Error | undefined;
  let lastReload = -Infinity;
  let closed = false;

  function open(): Promise<Redis> {
    // A failing secret read (permissions, throttling) is not repeated for every request.
    if (!opening && credentialsFailure && Date.now() - credentialsFailure.at < retryMs) {
      return Promise.reject(credentialsFailure.error);
    }
    opening ??= (async () => {
      const c = await options.loadCredentials().catch((error: unknown) => {
        credentialsFailure = { error, at: Date.now() };
        throw error;
      });
      const redis = new Redis({
        host: c.host,
        port: c.port,
        password: c.password,
        tls: options.tls,
        connectionName: 'webapp',
        lazyConnect: true,
        connectTimeout: options.timeoutMs,
        commandTimeout: options.timeoutMs,
        // After `disconnect`, how long a socket may take to close before it is destroyed (default 2 s).
        disconnectTimeout: options.timeoutMs,
        // While disconnected, a command fails at once (the page falls back to the database) instead of
        // waiting in a queue for a server that may be gone for minutes.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        retryStrategy: reconnectDelayMs,
        // After a failover or an online node-type change the old primary becomes a replica and keeps the
        // connection open: reads still work, every write answers READONLY (and a node still loading its
        // data answers LOADING). Reconnect, which resolves the primary endpoint again, to the new primary;
        // the failed command is not resent (its page view falls back to the database). Found by an outside
        // review; AWS Knowledge Center "Resolve READONLY errors in ElastiCache".
        reconnectOnError: reconnectOnRoleChange,
        // RESP2 and the AUTH command, as every ElastiCache client since Redis 2 has logged in. ioredis 6
        // defaults to RESP3 (HELLO 3 AUTH ...) and falls back only on some errors; the app uses no RESP3
        // feature, so it does not depend on how a managed server answers HELLO.
        protocol: 2,
      });
      // Without a listener an `error` event would be reported as unhandled; the reason is kept for the
      // next request, which logs it when it falls back to the database.
      redis.on('error', (e: Error) => (lastError = e));
      redis.on('ready', () => (lastError = undefined));
      if (closed) {
        redis.disconnect();
        throw new Error('cache connection closed');
      }
      client = redis;
      redis.connect().catch(() => undefined); // failures arrive as `error` events; ioredis retries
      return redis;
    })();
    opening.catch(() => (opening = undefined));
    return opening;
  }

  /** The client once it is ready: waits for a connection in progress, fails fast while reconnecting. */
  async function ready(): Promise<Redis> {
    const redis = await withTimeout(open(), options.timeoutMs, 'cache credentials not loaded in time');
    if (redis.status === 'ready') return redis;
    if (redis.status === 'wait' || redis.status === 'connecting' || redis.status === 'connect') {
      return onceReady(redis, options.timeoutMs);
    }
    throw lastError ?? new Error(`cache connection is ${redis.status}`);
  }

  function drop(): void {
    const redis = client;
    client = undefined;
    opening = undefined;
    lastError = undefined;
    redis?.disconnect();
  }

  async function run<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      return await command(await ready());
    } catch (e) {
      const refused = isAuthError(e) ? e : isAuthError(lastError) ? lastError : undefined;
      // A refused token: read the secret again (it was rotated) and reconnect, once; a token that is
      // still refused is not read again for a while, so an outage does not hammer Secrets Manager.
      if (!refused || closed || Date.now() - lastReload < reloadIntervalMs) throw refused ?? e;
      lastReload = Date.now();
      drop();
      return command(await ready());
    }
  }

  async function close(): Promise<void> {
    closed = true;
    drop();
  }

  return { run, close };
}

/** Resolves on `ready`; rejects on the first error (a refused token, a refused connection), on `end`, or after `ms`. */
function onceReady(redis: Redis, ms: number): Promise<Redis> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('end', onEnd);
    };
    const onReady = (): void => (done(), resolve(redis));
    const onError = (e: Error): void => (done(), reject(e));
    const onEnd = (): void => (done(), reject(new Error('cache connection ended')));
    const timer = setTimeout(() => (done(), reject(new Error('cache connection not ready in time'))), ms);
    redis.once('ready', onReady);
    redis.once('error', onError);
    redis.once('end', onEnd);
  });
}

/** Rejects after `ms` (the work itself goes on: a later request may use its result). */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
