// npm run bench [-- --runs N] [-- --npm-test]
// 1. Synth time of the whole app (every gate) against an empty one-stack app with no gate (what `cdk init`
//    gives), same CLI and runner, alternating, medians and the ratio.
// 2. Where the synth time goes: scripts/bench-breakdown.ts, phase by phase and pattern by pattern.
// 3. The jest suite's wall time and its slowest files (and, with --npm-test, the whole of npm test).
// Budgets (issue 17): whole-app synth <= 1.5x the empty app; npm test <= 60 s on 2 cores.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
const cdk = new URL('../node_modules/.bin/cdk', import.meta.url).pathname;
const env = { ...process.env, CDK_VALIDATION: 'true' };

function timed(label, command, commandArgs) {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, commandArgs, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`${label} failed (exit ${r.status})`);
  }
  return seconds;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const whole = [];
const empty = [];
for (let i = 0; i < runs; i++) {
  for (const [list, label, extra] of [
    [whole, 'whole app', []],
    [empty, 'empty app', ['-a', 'npx tsx scripts/bench-empty-app.ts']],
  ]) {
    const outdir = '.bench/cdk.out';
    rmSync(outdir, { recursive: true, force: true });
    list.push(timed(label, cdk, ['synth', '--quiet', '-o', outdir, ...extra]));
  }
  console.log(`run ${i + 1}/${runs}: whole ${whole.at(-1).toFixed(2)} s, empty ${empty.at(-1).toFixed(2)} s`);
}
const SYNTH_BUDGET = 1.5;
const ratio = median(whole) / median(empty);
// Shared machines vary: the share of time runnable work waited for a CPU, over the last minute.
const pressure = (() => {
  try {
    return readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0];
  } catch {
    return 'not available';
  }
})();
console.log(`\nsynth (sandbox, ${runs} alternating runs through the CDK CLI)`);
console.log(`  whole app, every gate, median: ${median(whole).toFixed(2)} s`);
console.log(`  empty app, no gate, median:    ${median(empty).toFixed(2)} s`);
console.log(
  `  ratio: ${ratio.toFixed(2)} (budget <= ${SYNTH_BUDGET.toFixed(2)}) ${ratio <= SYNTH_BUDGET ? 'OK' : 'OVER BUDGET'}`,
);
console.log(`  cpu pressure: ${pressure}`);

// Where the time goes, and what each pattern costs.
const breakdown = spawnSync('npx', ['tsx', 'scripts/bench-breakdown.ts'], { env, encoding: 'utf8' });
if (breakdown.status !== 0) {
  console.error(breakdown.stdout, breakdown.stderr);
  throw new Error(`scripts/bench-breakdown.ts failed (exit ${breakdown.status})`);
}
console.log(`\n${breakdown.stdout.trim().split('\n').slice(0, -1).join('\n')}`);

// As npm test runs it (npm run jest: --ci --maxWorkers=2), not jest's default of one worker on two cores,
// with a fresh transform cache, as on a fresh clone.
const jestDir = mkdtempSync(join(tmpdir(), 'bench-jest-'));
const results = join(jestDir, 'results.json');
const jest = timed('jest', 'npm', [
  'run',
  '-s',
  'jest',
  '--',
  '--silent',
  `--cacheDirectory=${join(jestDir, 'cache')}`,
  '--json',
  `--outputFile=${results}`,
]);
const files = JSON.parse(readFileSync(results, 'utf8'))
  .testResults.map((t) => ({
    file: t.name.replace(`${process.cwd()}/`, ''),
    s: (t.endTime - t.startTime) / 1000,
  }))
  .sort((a, b) => b.s - a.s);
rmSync(jestDir, { recursive: true, force: true });
console.log(`\njest suite wall time (cold transform cache): ${jest.toFixed(1)} s`);
console.log(
  `  time per file, summed over both workers: ${files.reduce((n, f) => n + f.s, 0).toFixed(1)} s; slowest:`,
);
for (const f of files.slice(0, 10)) console.log(`  ${f.s.toFixed(1).padStart(6)} s  ${f.file}`);
if (args.includes('--npm-test')) {
  const NPM_TEST_BUDGET = 60;
  const total = timed('npm test', 'npm', ['test']);
  console.log(
    `npm test wall time: ${total.toFixed(1)} s (budget <= ${NPM_TEST_BUDGET} s) ${total <= NPM_TEST_BUDGET ? 'OK' : 'OVER BUDGET'}`,
  );
}
