// Synthesizes the whole app for both profiles with every gate on (six cdk-nag packs, Control Tower
// guard rules, built-in CloudFormation validation as errors). Part of `npm test`. Needs no AWS account.
// A synth that passes proves nothing if the gates never ran, so after each synth it also reads the gate
// record (compliance-gates.json, written by the gates themselves) and fails unless every gate checked
// every template.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const PROFILES = ['sandbox', 'production'];
const cdk = new URL('../node_modules/.bin/cdk', import.meta.url).pathname;

/**
 * The gates bin/app.ts registers (`registerComplianceGates`, lib/core/compliance-gates.ts), by plugin
 * name: the six cdk-nag packs and the Control Tower guard rules.
 */
const GATES = [
  'AwsSolutions',
  'Serverless',
  'NIST.800.53.R4',
  'NIST.800.53.R5',
  'HIPAA.Security',
  'PCI.DSS.321',
  'cdk-validator-cfnguard',
];
/** `GATE_RUNS_FILE` of lib/core/compliance-gates.ts. */
const GATE_RUNS_FILE = 'compliance-gates.json';

/**
 * What is wrong with the gate record of a synthesized assembly: a gate that did not run, or did not
 * check every stack template. aws-cdk-lib's validation-report.json cannot tell: it lists only plugins
 * that found (or acknowledged) something.
 */
function gateProblems(outdir) {
  const record = join(outdir, GATE_RUNS_FILE);
  if (!existsSync(record)) {
    return [
      `${record} is missing: no compliance gate ran. bin/app.ts must build the app with buildReferenceApp ` +
        '(bin/reference-app.ts), and that must call registerComplianceGates (lib/core/compliance-gates.ts).',
    ];
  }
  const { runs } = JSON.parse(readFileSync(record, 'utf8'));
  const { artifacts } = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
  const templates = Object.values(artifacts)
    .filter((a) => a.type === 'aws:cloudformation:stack')
    .map((a) => a.properties.templateFile);
  if (templates.length === 0) return [`${outdir}/manifest.json lists no stack template`];
  const problems = [];
  for (const gate of GATES) {
    const checked = new Set(runs.filter((r) => r.plugin === gate).flatMap((r) => r.templates));
    const missed = templates.filter((t) => !checked.has(t));
    if (checked.size === 0) problems.push(`gate ${gate} did not run`);
    else if (missed.length > 0) problems.push(`gate ${gate} did not check ${missed.join(', ')}`);
  }
  return problems;
}

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
    child.on('close', (code) => {
      const ms = Date.now() - started;
      const problems = code === 0 ? gateProblems(outdir) : [];
      resolve({ profile, code, output, problems, ms });
    });
  });
}

const results = await Promise.all(PROFILES.map(synth));
let failed = 0;
for (const r of results) {
  if (r.code !== 0) {
    failed++;
    console.log(r.output);
  } else if (r.problems.length > 0) {
    failed++;
    console.log(
      `synth ${r.profile}: the gates did not all run:\n${r.problems.map((p) => `- ${p}`).join('\n')}`,
    );
  }
  const status =
    r.code !== 0 ? `FAILED (exit ${r.code})` : r.problems.length > 0 ? 'FAILED (gates missing)' : 'ok';
  console.log(`synth ${r.profile}: ${status} in ${(r.ms / 1000).toFixed(1)} s`);
}
console.log(`synth: ${PROFILES.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
