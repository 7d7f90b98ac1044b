import { spawnSync } from 'node:child_process';

/**
 * The user data script of a synthesized `UserData: { 'Fn::Base64': ... }` value, as the instance receives
 * it: a plain string, or an `Fn::Join` whose tokens (stack name, Region, ARNs) are replaced by
 * `placeholder` (by default 128 characters, longer than any of them resolves to, for size checks).
 */
export function userDataScript(base64Value: unknown, placeholder = 'X'.repeat(128)): string {
  if (typeof base64Value === 'string') return base64Value;
  const join = (base64Value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`not a string or Fn::Join: ${JSON.stringify(base64Value)}`);
  return join[1].map((p) => (typeof p === 'string' ? p : placeholder)).join(join[0]);
}

/** The script's lines that the shell runs as commands: heredoc bodies (file contents) left out. */
export function commandLines(script: string): string[] {
  const out: string[] = [];
  let heredocEnd: string | undefined;
  for (const line of script.split('\n')) {
    if (heredocEnd !== undefined) {
      if (line === heredocEnd) heredocEnd = undefined;
      continue;
    }
    out.push(line);
    heredocEnd = /<<-?\s*'?([A-Za-z_]+)'?/.exec(line)?.[1];
  }
  return out;
}

/** Package installs and downloads: dnf, yum, curl, wget, npm (also npm-24 and full paths). */
const INSTALL_OR_DOWNLOAD = /(^|[\s;&|(`])((?:\/usr\/bin\/)?(?:dnf|yum|curl|wget|npm(?:-\d+)?))(?=\s)/g;

/** Each install or download in the script's command lines not run through `retry`, with its line. */
export function unretriedCommands(script: string): string[] {
  const found: string[] = [];
  for (const line of commandLines(script)) {
    for (const m of line.matchAll(INSTALL_OR_DOWNLOAD)) {
      const before = line.slice(0, m.index! + m[1].length);
      if (!/\bretry\s+$/.test(before)) found.push(`${m[2]}: ${line}`);
    }
  }
  return found;
}

/** `bash -n`: the exit code and the syntax errors bash reports. */
export function bashSyntaxCheck(script: string): { status: number | null; stderr: string } {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-n'], { input: script, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/** The one-line `retry` function definition of the script (throws unless there is exactly one). */
export function retryFunctionOf(script: string): string {
  const defs = script.split('\n').filter((l) => /^retry\s*\(\)/.test(l));
  if (defs.length !== 1) throw new Error(`expected one retry() definition, found ${defs.length}`);
  return defs[0];
}

/**
 * Runs `body` under `bash` with `set -euo pipefail` after the given function definition, as user data
 * runs it; `env` adds variables (e.g. `RETRY_SLEEP: '0'`).
 */
export function runBash(
  definition: string,
  body: string,
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const script = `set -euo pipefail\n${definition}\n${body}\n`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The checks both user data scripts share: the retry helper defined once, before its first use; every
 * install and download through it, except `allowed` lines (a loop that is its own bounded retry);
 * `bash -n` clean; and the helper itself retries a command that fails twice, gives up after the last of
 * its tries with exit 1, and backs off 5, 10, 20, 40 s (recorded by a `sleep` stub, not slept).
 */
export function describeRetriedBoot(name: string, getScript: () => string, allowed: RegExp[] = []): void {
  describe(`${name}: installs and downloads retry`, () => {
    test('the retry helper is defined once, before the first command that uses it', () => {
      const script = getScript();
      const lines = script.split('\n');
      const def = lines.indexOf(retryFunctionOf(script));
      const firstUse = lines.findIndex((l) => /(^|[\s(&])retry\s/.test(l));
      expect(def).toBeGreaterThanOrEqual(0);
      expect(firstUse).toBeGreaterThan(def);
    });

    test('every dnf/yum/curl/npm command runs through retry', () => {
      const script = getScript();
      const unretried = unretriedCommands(script).filter((c) => !allowed.some((re) => re.test(c)));
      expect(unretried).toEqual([]);
      // The check finds what it looks for: the same script without `retry` fails it.
      expect(unretriedCommands(script.replace(/\bretry (?=\S)/g, '')).length).toBeGreaterThan(0);
    });

    test('bash -n accepts the script', () => {
      const { status, stderr } = bashSyntaxCheck(getScript());
      expect(stderr).toBe('');
      expect(status).toBe(0);
    });

    const flaky =
      'F=$(mktemp); echo 0 > "$F"\n' +
      'flaky(){ local n; n=$(cat "$F"); echo $((n+1)) > "$F"; [ "$n" -ge 2 ]; }\n' +
      'retry flaky\necho "succeeded on try $(cat "$F")"';

    test('the retry helper runs a command that fails twice until it succeeds (exit 0, 2 failures logged)', () => {
      const r = runBash(retryFunctionOf(getScript()), flaky, { RETRY_SLEEP: '0' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('succeeded on try 3\n');
      expect(r.stderr.trim().split('\n')).toEqual([
        'retry: try 1/5 failed: flaky',
        'retry: try 2/5 failed: flaky',
      ]);
    });

    test('a command that always fails is tried 5 times, then the script stops with exit 1', () => {
      const r = runBash(retryFunctionOf(getScript()), 'retry false\necho "not reached"', {
        RETRY_SLEEP: '0',
      });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual(
        [1, 2, 3, 4, 5].map((n) => `retry: try ${n}/5 failed: false`),
      );
      const three = runBash(retryFunctionOf(getScript()), 'retry false', {
        RETRY_SLEEP: '0',
        RETRY_TRIES: '3',
      });
      expect(three.status).toBe(1);
      expect(three.stderr.trim().split('\n')).toHaveLength(3);
    });

    test('the waits between tries double from 5 s: 5, 10, 20, 40 (75 s at most), none after the last', () => {
      const stub = 'sleep(){ echo "sleep $1"; }';
      const r = runBash(`${retryFunctionOf(getScript())}\n${stub}`, 'retry false || echo "gave up"');
      expect(r.stdout).toBe('sleep 5\nsleep 10\nsleep 20\nsleep 40\ngave up\n');
    });
  });
}
