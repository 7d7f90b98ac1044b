/**
 * The web app's table, created at deploy time in the app's schema by the database's master user (the
 * `Custom::DatabaseApplicationUser` resource), never by the app: the app's database user may read and
 * write rows, not create or change tables. Idempotent, because every deploy runs it again.
 */
export const VISITS_TABLE_DDL =
  'CREATE TABLE IF NOT EXISTS visits (id BIGSERIAL PRIMARY KEY, instance_id TEXT NOT NULL, ' +
  'client TEXT, visited_at TIMESTAMPTZ NOT NULL DEFAULT now())';

/** The app's database user; its schema has the same name. */
export const APP_DATABASE_USER = 'webapp';

/** The schema holding the app's tables. */
export const APP_SCHEMA = 'webapp';
