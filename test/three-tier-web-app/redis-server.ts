// Starts Debian's redis-server for tests, set up like the ElastiCache replication group the app talks to:
// TLS only (a throwaway CA and server certificate made with openssl), AUTH required, no persistence,
// bound to 127.0.0.1 on a random free port. It can be stopped and started again on the same port and
// password, to show the app riding out a cache outage.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** The AUTH password the server starts with (`requirepass`). */
  readonly password: string;
  /** The test CA's certificate (PEM): connect with `tls: { ca }`. */
  readonly ca: string;
  /** Stops the server (SIGTERM) and waits for it to exit; its data is gone (no persistence). */
  readonly stop: () => Promise<void>;
  /** Starts it again on the same port with the same password and certificates. */
  readonly start: () => Promise<void>;
  /** Stops the server and removes its temporary directory. */
  readonly dispose: () => Promise<void>;
}

export const REDIS_SERVER_MISSING =
  "redis-server not found: install Debian's redis-server (apt-get install -y redis-server); .ci/run does";

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A CA and a server certificate for 127.0.0.1 and localhost, valid for a day (EC keys: fast to make). */
function makeCertificates(dir: string): void {
  const openssl = findExecutable('openssl');
  if (!openssl) throw new Error('openssl not found: the redis-server test helper needs it for TLS');
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
}

export async function startRedisServer(password = 'test-only-cache-token'): Promise<RedisServer> {
  const executable = findExecutable('redis-server');
  if (!executable) throw new Error(REDIS_SERVER_MISSING);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-app-redis-'));
  makeCertificates(dir);
  const port = await freePort();
  // prettier-ignore
  const args = [
    '--bind', '127.0.0.1', '--port', '0', '--tls-port', String(port),
    '--tls-cert-file', path.join(dir, 'server.crt'), '--tls-key-file', path.join(dir, 'server.key'),
    '--tls-ca-cert-file', path.join(dir, 'ca.crt'), '--tls-auth-clients', 'no',
    '--requirepass', password, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no',
  ];
  let child: ChildProcess | undefined;
  // A jest worker that dies without afterAll must not leave a server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  async function start(): Promise<void> {
    if (child) return;
    const started = spawn(executable!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    await new Promise<void>((resolve, reject) => {
      // The log keeps flowing (and is kept, last 2000 characters, for an error) so the pipe never fills.
      let out = '';
      const onData = (d: Buffer) => {
        out = (out + d.toString()).slice(-4000);
        if (out.includes('Ready to accept connections')) resolve();
      };
      started.stdout!.on('data', onData);
      started.stderr!.on('data', onData);
      started.once('exit', (code) => {
        if (child === started) child = undefined;
        reject(new Error(`redis-server exited with ${code}: ${out.slice(-2000)}`));
      });
    });
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running) return;
    child = undefined;
    if (running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    }
  }

  await start();
  return {
    host: '127.0.0.1',
    port,
    password,
    ca: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    stop,
    start,
    dispose: async () => {
      await stop();
      process.off('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
