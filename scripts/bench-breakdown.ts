// Part of `npm run bench`: where the synth time of the real app goes, phase by phase and pattern by
// pattern, measured in one process on the sandbox profile.
//
// For each pattern, its demo stack alone: construction, synthesis (templates written, no validation),
// then each gate by itself over that template, exactly as `cdk synth` calls it (the plugin's validate):
// the six cdk-nag packs, the Control Tower guard (cfn-guard processes) and the CloudFormation validation
// built into aws-cdk-lib. The fixed costs (loading the modules, starting the built-in validation's
// engine) are measured once and printed apart, so a new pattern can be budgeted by its own line.
//
// The last line is the same figures as JSON (milliseconds), for comparing runs; bench.mjs leaves it out.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';

const loadStarted = performance.now();
/* eslint-disable @typescript-eslint/no-require-imports */
const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const gates = require('../lib/core/compliance-gates') as typeof import('../lib/core/compliance-gates');
const app = require('../lib/stacks/reference-app') as typeof import('../lib/stacks/reference-app');
const support = require('../test/support/app') as typeof import('../test/support/app');
/* eslint-enable @typescript-eslint/no-require-imports */
const loadMs = performance.now() - loadStarted;

type Phase = 'construct' | 'synth' | 'nag' | 'guard' | 'cfnValidate';
const PHASES: Phase[] = ['construct', 'synth', 'nag', 'guard', 'cfnValidate'];

function time<T>(f: () => T): [T, number] {
  const started = performance.now();
  const result = f();
  return [result, performance.now() - started];
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-breakdown-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));

/** An app as `cdk synth` builds it (cdk.json context, assets bundled), writing to a fresh directory. */
function newApp(): import('aws-cdk-lib').App {
  return new cdk.App({
    context: { ...support.cdkJsonContext(), profile: 'sandbox' },
    outdir: fs.mkdtempSync(path.join(scratch, 'app-')),
  });
}

function contextOf(assembly: import('aws-cdk-lib/cx-api').CloudAssembly, root: import('aws-cdk-lib').App) {
  const stackTemplates = assembly.stacks.map((s) => ({
    stackConstructPath: s.hierarchicalId,
    templatePath: s.templateFullPath,
  }));
  return {
    templatePaths: stackTemplates.map((s) => s.templatePath),
    stackTemplates,
    appConstruct: root,
  } as unknown as import('aws-cdk-lib').IPolicyValidationContext;
}

const builtIn = new cdk.CloudFormationValidatePlugin();
const guard = new gates.ControlTowerGuard(Object.keys(gates.DISABLED_GUARD_RULES));

function measure(patterns: readonly import('../lib/stacks/reference-app').PatternStackEntry[]) {
  const root = newApp();
  const ms: Record<Phase, number> = { construct: 0, synth: 0, nag: 0, guard: 0, cfnValidate: 0 };
  [, ms.construct] = time(() => app.addReferenceStacks(root, 'sandbox', patterns));
  // CDK_VALIDATION=false: this synth writes the templates only; the gates are timed one by one below.
  const [assembly, synthMs] = time(() => root.synth());
  ms.synth = synthMs;
  const context = contextOf(assembly, root);
  for (const pack of gates.nagPacks()) ms.nag += time(() => pack.validate(context))[1];
  [, ms.guard] = time(() => guard.validate(context));
  [, ms.cfnValidate] = time(() => builtIn.validate(context));
  return ms;
}

process.env.CDK_VALIDATION = 'false';
// Warm-up: the whole app once. It also starts the built-in validation's engine with every resource type
// of the app, so the per-pattern lines below hold only the checks (an engine is built for a set of
// types and reused for any subset); the start-up is timed on its own.
const [, engineMs] = time(() => {
  const root = newApp();
  const stack = new cdk.Stack(root, 'Inert');
  new cdk.CfnWaitConditionHandle(stack, 'Inert');
  builtIn.validate(contextOf(root.synth(), root));
});
// The first whole-app run is what `cdk synth` lives through: every code path cold (not yet optimised by
// the JavaScript engine). The per-pattern runs after it are warm: each pattern's own cost, the figure to
// budget a new pattern by.
const cold = measure(app.PATTERN_STACKS);
const perPattern = app.PATTERN_STACKS.map((p) => ({ stackId: p.stackId, ms: measure([p]) }));
const warm = measure(app.PATTERN_STACKS);

const f = (n: number) => (n / 1000).toFixed(2);
const total = (ms: Record<Phase, number>) => PHASES.reduce((s, p) => s + ms[p], 0);
const line = (label: string, ms: Record<Phase, number>) =>
  `  ${label.padEnd(30)}${[...PHASES.map((p) => ms[p]), total(ms)].map((n) => f(n).padStart(12)).join('')}`;
console.log('synth breakdown, seconds (one process, sandbox profile, each gate timed on its own)');
console.log(`  modules loaded: ${f(loadMs)}; built-in validation engine start-up (once): ${f(engineMs)}`);
console.log(`  ${''.padEnd(30)}${[...PHASES, 'total'].map((p) => p.padStart(12)).join('')}`);
console.log(line('whole app, cold (first run)', cold));
for (const { stackId, ms } of perPattern) console.log(line(`${stackId}, warm`, ms));
console.log(line('whole app, warm', warm));
console.log(JSON.stringify({ loadMs, engineMs, cold, warm, perPattern }));
