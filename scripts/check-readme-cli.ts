// Runs every `aws ...` command of the READMEs' shell blocks through the real AWS CLI, against an endpoint
// nothing listens on (http://127.0.0.1:9), with fake credentials: the CLI parses and validates every
// argument (operation names, options, types, JSON, JMESPath queries, files) before it sends anything, so a
// usage or parameter error fails here and a connection error means the command was well formed. Any other
// answer fails too, but for the one listed in run() that depends on a plugin rather than the arguments.
// Shell variables and $(...) get plausible placeholder values. A command marked in the README with
// `# needs AWS CLI >= X.Y.Z` is skipped when the installed CLI is older, and only then.
//   scripts/check-readme-cli.sh        (installs Debian's awscli when `aws` is missing, then runs this)
//   npx tsx scripts/check-readme-cli.ts [--list]
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  awsCommands,
  logicalLines,
  readmeFiles,
  replaceSubstitutions,
  shellBlocks,
} from './readme-shell-blocks';

const ROOT = path.join(__dirname, '..');
const ENDPOINT = 'http://127.0.0.1:9';
const ACCOUNT = '111122223333';

/** A value of the right shape for a variable or output name (the CLI checks shapes, not existence). */
export function placeholder(name: string): string {
  if (name === 'input') {
    // `aws sqs send-message --cli-input-json "$input"` in the fan-out replay loop.
    return JSON.stringify({
      QueueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/placeholder`,
      MessageBody: '{}',
    });
  }
  if (/arn$/i.test(name)) return `arn:aws:iam::${ACCOUNT}:role/placeholder-${name.toLowerCase()}`;
  if (/url$/i.test(name))
    return `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/placeholder-${name.toLowerCase()}`;
  if (name === 'ID') return 'i-0123456789abcdef0';
  if (/^(QID|.*ExecutionId)$/.test(name)) return '11111111-2222-3333-4444-555555555555';
  return `placeholder-${name.toLowerCase()}`.replace(/[^a-z0-9-]/g, '-');
}

/** The inside of a `$(...)`: `out Key` gives the key's placeholder, anything else a generic value. */
function substitution(inside: string): string {
  const out = /^\s*[A-Za-z_]\w*\s+"?([A-Za-z0-9_${}]+)"?\s*$/.exec(inside);
  if (out && /^out\s/.test(inside.trim())) return placeholder(out[1].replace(/\$\{?\w+\}?/g, 'Billing'));
  return 'placeholder';
}

function cliVersion(): number[] | undefined {
  const r = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  const m = /aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(`${r.stdout}${r.stderr}`);
  return m ? m.slice(1).map(Number) : undefined;
}

function older(a: number[], b: number[]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

type Outcome = 'connection' | 'validation' | 'local' | 'other';

const TIMEOUT_MS = 60_000;

/** A child process's exit code and output (spawnSync, but several at a time). */
function exec(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}

/** Runs one command (as written in the README) and says how the CLI answered. */
async function run(command: string, cwd: string): Promise<{ outcome: Outcome; detail: string }> {
  const body = replaceSubstitutions(command, substitution);
  const vars = [...new Set([...body.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1]))];
  for (const m of body.matchAll(/fileb?:\/\/([^\s"')]+)/g)) {
    const file = path.join(cwd, m[1]);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"placeholder":true}\n');
  }
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const script = [
    "set -- 'StackOutputKey'",
    ...vars.map((v) => `${v}=${quote(placeholder(v))}`),
    `${body} --endpoint-url ${ENDPOINT} --cli-connect-timeout 2 --cli-read-timeout 2`,
  ].join('\n');
  const r = await exec('bash', ['-c', script], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: path.join(cwd, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(cwd, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
      AWS_RETRY_MODE: 'standard',
      AWS_PAGER: '',
    },
  });
  const output = `${r.stderr}${r.stdout}`.trim();
  const detail = output.split('\n').slice(-3).join(' | ').slice(0, 300);
  if (r.timedOut) return { outcome: 'other', detail: `did not finish in ${TIMEOUT_MS / 1000} s` };
  if (
    r.status === 252 ||
    /usage:|Unknown options|\bInvalid\b|\bargument\b|Parameter validation failed/.test(output)
  ) {
    return { outcome: 'validation', detail };
  }
  if (/Could not connect to the endpoint URL|Connect timeout on endpoint|Connection refused/i.test(output)) {
    return { outcome: 'connection', detail };
  }
  // `aws ssm start-session` needs the Session Manager plugin, which Debian does not package; the README
  // says to install it. Its absence says nothing about the command's arguments.
  if (/SessionManagerPlugin is not found/.test(output)) return { outcome: 'local', detail };
  // Anything else (a value the CLI could not convert, a crash) is not what a well-formed command gives.
  return { outcome: 'other', detail: `exit ${r.status}: ${detail}` };
}

async function main(): Promise<void> {
  const list = process.argv.includes('--list');
  const version = cliVersion();
  if (!version && !list) {
    console.error('check-readme-cli: no AWS CLI on PATH (scripts/check-readme-cli.sh installs it)');
    process.exit(2);
  }
  const jobs: Array<{ where: string; command: string }> = [];
  const skipped: string[] = [];
  for (const file of readmeFiles(ROOT)) {
    for (const block of shellBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8'), file)) {
      for (const l of logicalLines(block.text)) {
        const where = `${file}:${block.line + l.line}`;
        const needs = /needs AWS CLI >= (\d+)\.(\d+)\.(\d+)/.exec(l.raw);
        for (const command of awsCommands(l.code)) {
          if (list) console.log(`${where}: ${command}`);
          else if (/^aws\s+configure\b/.test(command))
            continue; // local: reads the CLI's own settings
          else if (needs && older(version!, needs.slice(1).map(Number))) {
            skipped.push(`${where}: ${command.slice(0, 70)} (needs ${needs.slice(1).join('.')})`);
          } else jobs.push({ where, command });
        }
      }
    }
  }
  if (list) return;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-cli-'));
  const failures: string[] = [];
  try {
    // Each command is a CLI start-up (about a second, mostly CPU): a few at a time.
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const { where, command } = jobs[next++];
        const { outcome, detail } = await run(command, cwd);
        if (outcome === 'validation' || outcome === 'other')
          failures.push(`${where}: ${command}\n    -> ${detail}`);
        else if (outcome === 'local') console.log(`check-readme-cli: ${where}: ${detail}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, Math.max(1, os.cpus().length)) }, worker));
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  for (const s of skipped) console.log(`check-readme-cli: skipped ${s}`);
  console.log(
    `check-readme-cli: aws-cli ${version!.join('.')}: ${jobs.length} command(s) checked, ${skipped.length} skipped ` +
      `(marked as needing a newer CLI), ${failures.length} rejected`,
  );
  if (failures.length > 0) {
    console.error(
      `check-readme-cli: the AWS CLI rejected these README commands:\n${failures.sort().join('\n')}`,
    );
    process.exit(1);
  }
  if (jobs.length === 0) {
    console.error('check-readme-cli: found no aws command to check: the README reader is broken');
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
