// The web app's cache settings, shared by the app (runtime/web-app.ts reads them from its environment) and
// the construct (three-tier-web-app.ts validates its props against the same ranges and writes the same
// variable names into the systemd unit). No imports: the construct loads this file without the app's drivers.

/** What the app does with the cached page data when it writes a visit. */
export type CacheWriteMode = 'invalidate' | 'write-through';

export const CACHE_WRITE_MODES: readonly CacheWriteMode[] = ['invalidate', 'write-through'];

export const DEFAULT_CACHE_TTL_SECONDS = 30;
export const DEFAULT_SESSION_TTL_SECONDS = 1800;

/** Seconds the page's database data may stay cached: 1 second to 1 day. */
export const CACHE_TTL_RANGE: readonly [number, number] = [1, 86400];
/** Seconds a session may live without a page view: 1 minute to 7 days. */
export const SESSION_TTL_RANGE: readonly [number, number] = [60, 604800];

/** The systemd unit's environment variables for the cache (the construct writes them). */
export const CACHE_ENVIRONMENT = {
  /** The replication group's primary endpoint address. Unset or empty: no cache. */
  host: 'CACHE_HOST',
  /** Its port, 1-65535. Default 6379. */
  port: 'CACHE_PORT',
  /** The secret holding the AUTH token (`{"token": "..."}`). Required with CACHE_HOST. */
  secretArn: 'CACHE_SECRET_ARN',
  /** Seconds the page's database data stays cached, CACHE_TTL_RANGE. Default 30. */
  ttlSeconds: 'CACHE_TTL_SECONDS',
  /** Seconds a session lives without a page view, SESSION_TTL_RANGE. Default 1800. */
  sessionTtlSeconds: 'SESSION_TTL_SECONDS',
  /** `invalidate` (default) or `write-through`. */
  writeMode: 'CACHE_WRITE_MODE',
  /** `true`: the session cookie is always Secure (every visitor arrives over HTTPS). Default `false`. */
  secureCookies: 'SESSION_COOKIE_SECURE',
} as const;
