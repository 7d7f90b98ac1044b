// Synthesizes the whole app for both profiles with every gate on (six cdk-nag packs, Control Tower
// guard rules, built-in CloudFormation validation as errors). Part of `npm test`. Needs no AWS account.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const PROFILES = ['sandbox', 'production'];
const cdk = new URL('../node_modules/.bin/cdk', import.meta.url).pathname;

function synth(profile) {
  const outdir = `cdk.out/${profile}`;
  rmSync(outdir, { recursive: true, force: true });
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cdk, ['synth', '--quiet', '-c', `profile=${profile}`, '-o', outdir], {
      env: { ...process.env, CDK_VALIDATION: 'true' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ profile, code, output, ms: Date.now() - started }));
  });
}

const results = await Promise.all(PROFILES.map(synth));
let failed = 0;
for (const r of results) {
  if (r.code !== 0) {
    failed++;
    console.log(r.output);
  }
  console.log(
    `synth ${r.profile}: ${r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`} in ${(r.ms / 1000).toFixed(1)} s`,
  );
}
console.log(`synth: ${PROFILES.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
