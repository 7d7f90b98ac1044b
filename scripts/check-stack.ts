// Runs every gate (six cdk-nag packs, Control Tower guard rules, built-in CloudFormation validation)
// over one pattern's demo stack and prints what is not acknowledged.
//   npm run check -- RefArch-SnsSqsFanout production
import { App } from 'aws-cdk-lib';
import { parseProfile } from '../lib/core/profile';
import { PATTERN_STACKS } from '../lib/stacks/reference-app';
import { formatFindings, gateFindings } from '../test/support/compliance';
import { cdkJsonContext } from '../test/support/app';

const USAGE =
  'Usage: npm run check -- <StackId> [sandbox|production]\n' +
  `  StackId: ${PATTERN_STACKS.map((e) => e.stackId).join(', ')}\n` +
  '  e.g. npm run check -- RefArch-SnsSqsFanout production';
const [stackId, profileArg] = process.argv.slice(2);
if (!stackId || stackId === '-h' || stackId === '--help') {
  console.error(USAGE);
  process.exit(stackId ? 0 : 2);
}
const entry = PATTERN_STACKS.find((e) => e.stackId === stackId);
if (!entry) {
  console.error(`Unknown stack '${stackId}'.\n${USAGE}`);
  process.exit(2);
}
let profile;
try {
  profile = parseProfile(profileArg);
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const started = Date.now();
const findings = gateFindings(
  (app) => entry.create(app, entry.stackId, profile),
  (outdir) => new App({ outdir, context: { ...cdkJsonContext(), profile } }),
);
console.log(`${stackId} (${profile}): ${findings.length} finding(s) in ${Date.now() - started} ms`);
if (findings.length > 0) {
  console.log(formatFindings(findings));
  process.exit(1);
}
