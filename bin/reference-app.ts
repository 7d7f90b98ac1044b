import { App, Stack } from 'aws-cdk-lib';
import { registerComplianceGates } from '../lib/core/compliance-gates';
import { Profile } from '../lib/core/profile';
import { addReferenceStacks, PATTERN_STACKS, PatternStackEntry } from '../lib/stacks/reference-app';

/**
 * The app `npx cdk synth` builds: every pattern's demo stack for the profile, and every compliance gate
 * registered (the six cdk-nag packs and the Control Tower guard rules; the CloudFormation validation built
 * into aws-cdk-lib runs on its own). Returns the demo stacks. `patterns` narrows the stacks (a test's
 * budget); the gates are registered the same way.
 *
 * A function, not inline in bin/app.ts, so that a test can build exactly this app (with a deliberately
 * non-compliant stack added) and prove its synth fails: a synth that passes says nothing about the gates
 * unless something shows they can fail. It lives in bin/, not lib/: the gates need cdk-nag and cfn-guard,
 * development dependencies that the published package leaves out.
 */
export function buildReferenceApp(
  app: App,
  profile: Profile,
  patterns: readonly PatternStackEntry[] = PATTERN_STACKS,
): Stack[] {
  const stacks = addReferenceStacks(app, profile, patterns);
  registerComplianceGates(app);
  return stacks;
}
