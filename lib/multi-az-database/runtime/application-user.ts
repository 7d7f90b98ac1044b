import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as https from 'node:https';
import { Client, ClientConfig } from 'pg';

/*
 * Creates the application's PostgreSQL user and its grants at deploy time (Custom::DatabaseApplicationUser).
 *
 * CloudFormation invokes this function directly (the service token is the function's ARN); it runs in
 * the VPC, reads the master secret and the application user's secret, connects as the master user and,
 * in one transaction:
 * - creates the role (LOGIN, none of SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS) or sets its
 *   password to the one in its secret;
 * - creates the application's schema, owned by the master user, and runs the application's DDL there
 *   (`CREATE TABLE IF NOT EXISTS ...`): the schema belongs to the deployment, not to the app, so the app
 *   user cannot create, alter or drop tables, functions or triggers;
 * - grants CONNECT on the database, USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on its tables,
 *   USAGE/SELECT on its sequences, and the same by default on tables the master user adds later.
 * Every statement is idempotent, so Create and Update run the same code and a retry is safe.
 *
 * Delete drops the role (and the `_clone` role alternating-users rotation made) only when DropOnDelete
 * is 'true' (the sandbox): revokes what Create granted, then DROP ROLE. It never fails the deletion: a
 * stack being destroyed must not get stuck on a database that is already gone.
 */

/** Properties of Custom::DatabaseApplicationUser (CloudFormation passes every value as a string). */
export interface ApplicationUserProperties {
  /** Secret with the master credentials (host, port, username, password, dbname?). */
  readonly MasterSecretArn: string;
  /** Secret with the application user's credentials (username, password). */
  readonly UserSecretArn: string;
  /** The application role; alternating-users rotation adds `<Username>_clone`, a member of it. */
  readonly Username: string;
  /** The application's schema. */
  readonly Schema: string;
  /** DDL run in the schema by the master user, each statement idempotent. */
  readonly Statements?: string[];
  /** 'true': Delete drops the role. */
  readonly DropOnDelete?: string;
}

/** The custom-resource event, as far as this handler reads it. */
export interface ApplicationUserEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly RequestId: string;
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly ResponseURL: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: ApplicationUserProperties;
}

/** What the handler sends back to CloudFormation. */
export interface ApplicationUserResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** Connection settings, as RDS writes them into a database secret. */
export interface SecretCredentials {
  readonly host?: string;
  readonly port?: number | string;
  readonly username: string;
  readonly password: string;
  readonly dbname?: string;
}

/** What the application user is given. */
export interface ApplicationUserSpec {
  readonly username: string;
  readonly schema: string;
  readonly statements?: readonly string[];
}

/** Suffix alternating-users rotation gives the second user (AWS's PostgreSQL multi-user rotation function). */
export const CLONE_SUFFIX = '_clone';

/** A PostgreSQL identifier this handler accepts: lowercase, unquoted, at most 63 bytes. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Table privileges the application gets: data, never DDL. */
const TABLE_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';
const SEQUENCE_PRIVILEGES = 'USAGE, SELECT';

function checkIdentifier(what: string, value: string): void {
  if (!IDENTIFIER.test(value)) {
    throw new Error(`${what} '${value}' must be a lowercase PostgreSQL identifier ([a-z_][a-z0-9_]{0,62})`);
  }
}

/** Connection settings for the master user; `ssl` undefined means plain TCP (local tests only). */
export function masterConnection(master: SecretCredentials, ssl?: ClientConfig['ssl']): ClientConfig {
  return {
    host: master.host,
    port: Number(master.port ?? 5432),
    user: master.username,
    password: master.password,
    database: master.dbname ?? 'postgres',
    ssl,
    connectionTimeoutMillis: 10000,
    query_timeout: 30000,
  };
}

/**
 * Creates or updates the application role, its schema, tables and grants, as the master user. The
 * password set is the one in `user` (the secret's current user: the role itself or its `_clone`).
 */
export async function provision(
  connection: ClientConfig,
  spec: ApplicationUserSpec,
  user: SecretCredentials,
): Promise<void> {
  checkIdentifier('Username', spec.username);
  checkIdentifier('Schema', spec.schema);
  const current = user.username;
  if (current !== spec.username && current !== `${spec.username}${CLONE_SUFFIX}`) {
    throw new Error(`the user secret names '${current}', neither '${spec.username}' nor its rotation clone`);
  }
  const client = new Client(connection);
  await client.connect();
  try {
    const id = (s: string) => client.escapeIdentifier(s);
    const role = id(spec.username);
    const schema = id(spec.schema);
    await client.query('BEGIN');
    // Two deployments (or a retry racing a slow first run) never interleave their statements.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`application-user:${spec.username}`]);
    const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    await ensureRole(client, spec.username, undefined);
    if (current !== spec.username) await ensureRole(client, current, spec.username);
    // No bind parameters in utility statements: the password is quoted as a literal.
    await client.query(`ALTER ROLE ${id(current)} WITH PASSWORD ${client.escapeLiteral(user.password)}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${id(database)} TO ${role}`);
    await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    for (const statement of spec.statements ?? []) await client.query(statement);
    await client.query(`GRANT ${TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    await client.query(`GRANT ${SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`);
    await client.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT ${TABLE_PRIVILEGES} ON TABLES TO ${role}`,
    );
    await client.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT ${SEQUENCE_PRIVILEGES} ON SEQUENCES TO ${role}`,
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates `name` (LOGIN, and a member of `memberOf` for the rotation clone) or, when it exists, takes
 * back any attribute beyond LOGIN a previous owner of the name may have given it.
 */
async function ensureRole(client: Client, name: string, memberOf: string | undefined): Promise<void> {
  const id = client.escapeIdentifier(name);
  const found = await client.query<{ rolsuper: boolean }>(
    'SELECT rolsuper FROM pg_roles WHERE rolname = $1',
    [name],
  );
  if (found.rows.length === 0) {
    await client.query(`CREATE ROLE ${id} WITH LOGIN NOCREATEDB NOCREATEROLE INHERIT`);
  } else if (found.rows[0].rolsuper) {
    throw new Error(`role '${name}' exists and is a superuser; refusing to use it as the application user`);
  } else {
    await client.query(`ALTER ROLE ${id} WITH LOGIN NOCREATEDB NOCREATEROLE`);
  }
  if (memberOf) await client.query(`GRANT ${client.escapeIdentifier(memberOf)} TO ${id}`);
}

/** Revokes what {@link provision} granted and drops the role and its rotation clone. */
export async function deprovision(
  connection: ClientConfig,
  spec: Omit<ApplicationUserSpec, 'statements'>,
): Promise<void> {
  checkIdentifier('Username', spec.username);
  checkIdentifier('Schema', spec.schema);
  const client = new Client(connection);
  await client.connect();
  try {
    const id = (s: string) => client.escapeIdentifier(s);
    const role = id(spec.username);
    const schema = id(spec.schema);
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`application-user:${spec.username}`]);
    const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    const clone = `${spec.username}${CLONE_SUFFIX}`;
    if (await roleExists(client, clone)) await client.query(`DROP ROLE ${id(clone)}`);
    if (await roleExists(client, spec.username)) {
      const hasSchema = (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [spec.schema]))
        .rows.length;
      if (hasSchema) {
        await client.query(
          `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} REVOKE ${TABLE_PRIVILEGES} ON TABLES FROM ${role}`,
        );
        await client.query(
          `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} REVOKE ${SEQUENCE_PRIVILEGES} ON SEQUENCES FROM ${role}`,
        );
        await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
        await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${role}`);
        await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM ${role}`);
      }
      await client.query(`REVOKE ALL ON DATABASE ${id(database)} FROM ${role}`);
      await client.query(`DROP ROLE ${role}`);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function roleExists(client: Client, name: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rows.length > 0;
}

/** What the handler depends on outside the database; tests replace them. */
export interface HandlerDependencies {
  /** Reads a secret's JSON; `stage` AWSPENDING reads a rotation's new password (undefined when none). */
  readonly readSecret: (arn: string, stage?: 'AWSPENDING') => Promise<SecretCredentials | undefined>;
  /** Waits between tries (tests pass a no-op). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly respond: (url: string, response: ApplicationUserResponse) => Promise<void>;
  /** TLS for the master connection; undefined means plain TCP (local tests only). */
  readonly ssl?: ClientConfig['ssl'];
}

/** PostgreSQL's "password authentication failed". */
const WRONG_PASSWORD = '28P01';

/** How many times the master login is tried while a rotation of the master secret may be running. */
export const MASTER_LOGIN_TRIES = 6;

/**
 * Runs `work` with the master credentials. The master secret's rotation schedule starts a rotation as it
 * is created, asynchronously: between its setSecret and finishSecret steps the database already has the
 * new password while AWSCURRENT still holds the old one. On a wrong password this tries the pending
 * version, then re-reads the current one, with a pause, like AWS's own rotation functions do.
 */
async function asMaster<T>(
  deps: HandlerDependencies,
  arn: string,
  work: (connection: ClientConfig) => Promise<T>,
): Promise<T> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    const versions = [await deps.readSecret(arn), await deps.readSecret(arn, 'AWSPENDING')];
    let lastError: unknown;
    for (const master of versions) {
      if (!master) continue;
      try {
        return await work(masterConnection(master, deps.ssl));
      } catch (e) {
        if ((e as { code?: string }).code !== WRONG_PASSWORD) throw e;
        lastError = e;
      }
    }
    if (attempt >= MASTER_LOGIN_TRIES) throw lastError;
    await sleep(5000 * attempt);
  }
}

/** How long before the Lambda timeout the handler gives up and answers, so CloudFormation never waits. */
export const ANSWER_MARGIN_MS = 15000;

/** The Lambda context, as far as the handler reads it. */
export interface HandlerContext {
  getRemainingTimeInMillis(): number;
}

/** The Lambda handler: does the work, then always answers CloudFormation (SUCCESS or FAILED). */
export function createHandler(
  deps: HandlerDependencies,
): (event: ApplicationUserEvent, context?: HandlerContext) => Promise<void> {
  return async (event, context) => {
    const p = event.ResourceProperties;
    // The role's name is the physical id: a new username returns a new id, so CloudFormation then sends a
    // Delete for the old one (which drops it where DropOnDelete says so).
    const physicalId = event.RequestType === 'Delete' ? (event.PhysicalResourceId ?? p.Username) : p.Username;
    const work = async (): Promise<void> => {
      if (event.RequestType === 'Delete') {
        if (p.DropOnDelete === 'true' && IDENTIFIER.test(physicalId)) {
          await asMaster(deps, p.MasterSecretArn, (c) =>
            deprovision(c, { username: physicalId, schema: p.Schema }),
          );
        }
        return;
      }
      const user = await deps.readSecret(p.UserSecretArn);
      if (!user) throw new Error(`the secret ${p.UserSecretArn} has no current value`);
      await asMaster(deps, p.MasterSecretArn, (c) =>
        provision(c, { username: p.Username, schema: p.Schema, statements: p.Statements }, user),
      );
    };
    // Answer before the function times out: a function that dies without answering leaves CloudFormation
    // waiting until the resource's ServiceTimeout.
    let timer: NodeJS.Timeout | undefined;
    const deadline = context
      ? new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('gave up before the Lambda timeout')),
            Math.max(0, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS),
          );
        })
      : undefined;
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason: string | undefined;
    try {
      await (deadline ? Promise.race([work(), deadline]) : work());
    } catch (e) {
      const message = (e as Error).message;
      console.error(`${event.RequestType} of ${physicalId} failed: ${message}`);
      // A failed Delete is logged, not reported: the stack must be able to go away.
      if (event.RequestType !== 'Delete') {
        status = 'FAILED';
        reason = message.slice(0, 1000);
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
    await deps.respond(event.ResponseURL, {
      Status: status,
      Reason: reason,
      PhysicalResourceId: physicalId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: { Username: p.Username },
    });
  };
}

/** Reads a secret's JSON with the SDK of the Lambda runtime (through the VPC's Secrets Manager endpoint). */
async function readSecret(arn: string, stage?: 'AWSPENDING'): Promise<SecretCredentials | undefined> {
  try {
    const out = await new SecretsManagerClient({}).send(
      new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }),
    );
    return JSON.parse(out.SecretString ?? '{}') as SecretCredentials;
  } catch (e) {
    // No rotation in progress: no AWSPENDING version.
    if (stage && (e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/** PUTs the response to CloudFormation's pre-signed S3 URL. */
function respond(url: string, response: ApplicationUserResponse): Promise<void> {
  const body = JSON.stringify(response);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    // A PUT that hangs would keep the function running past its deadline without an answer.
    req.setTimeout(10000, () => req.destroy(new Error('timed out answering CloudFormation')));
    req.end(body);
  });
}

/**
 * The entry point. RDS requires TLS; the server certificate is verified against the CAs Node.js trusts,
 * which include the RDS CAs because the function sets NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem
 * (the Lambda Node.js runtimes from 20 on no longer load them by default).
 */
export const handler = createHandler({ readSecret, respond, ssl: { rejectUnauthorized: true } });
