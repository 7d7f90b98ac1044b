// npm run bench [-- --runs N] [-- --npm-test]
// Synth time of the whole app against an empty one-stack app (same gates, same runner), alternating,
// several runs, medians and the ratio; then the wall time of the jest suite (and optionally npm test).
// Budgets (from the foundation issue): whole-app synth <= 2x the empty app's; npm test < 120 s.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

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
const ratio = median(whole) / median(empty);
// Shared machines vary: the share of time runnable work waited for a CPU, over the last minute.
const pressure = (() => {
  try {
    return readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0];
  } catch {
    return 'not available';
  }
})();
console.log(`\nsynth (sandbox, all gates, ${runs} alternating runs)`);
console.log(`  whole app median: ${median(whole).toFixed(2)} s`);
console.log(`  empty app median: ${median(empty).toFixed(2)} s`);
console.log(`  ratio: ${ratio.toFixed(2)} (budget <= 2.00) ${ratio <= 2 ? 'OK' : 'OVER BUDGET'}`);
console.log(`  cpu pressure: ${pressure}`);

// As npm test runs it (npm run jest: --ci --maxWorkers=2), not jest's default of one worker on two cores.
const jest = timed('jest', 'npm', ['run', '-s', 'jest', '--', '--silent']);
console.log(`\njest suite wall time: ${jest.toFixed(1)} s`);
if (args.includes('--npm-test')) {
  const total = timed('npm test', 'npm', ['test']);
  console.log(
    `npm test wall time: ${total.toFixed(1)} s (budget < 120 s) ${total < 120 ? 'OK' : 'OVER BUDGET'}`,
  );
}
