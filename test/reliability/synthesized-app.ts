import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { Profile } from '../../lib/core/profile';
import { addReferenceStacks } from '../../lib/stacks/reference-app';
import { testApp } from '../support/app';

export type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }
>;

export interface SynthesizedStack {
  readonly stackId: string;
  readonly template: { Resources: Resources; [k: string]: unknown };
}

const cache = new Map<Profile, SynthesizedStack[]>();

/**
 * Every demo stack of the app for a profile, synthesized once per jest run: the first test file to
 * ask writes the templates to the run's directory (made fresh by test/support/global-setup.ts, so
 * nothing outlives the run), the other files read them. Outside jest, once per process.
 */
export function synthesizeApp(profile: Profile): SynthesizedStack[] {
  if (cache.has(profile)) return cache.get(profile)!;
  const runDir = process.env.REFARCH_TEST_RUN_DIR;
  const file = runDir ? path.join(runDir, `app-${profile}.json`) : undefined;
  let stacks: SynthesizedStack[];
  if (file && fs.existsSync(file)) {
    stacks = JSON.parse(fs.readFileSync(file, 'utf8')) as SynthesizedStack[];
  } else {
    const app = testApp({ profile });
    stacks = addReferenceStacks(app, profile).map((s) => ({
      stackId: s.stackName,
      template: Template.fromStack(s).toJSON() as SynthesizedStack['template'],
    }));
    if (file) {
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, JSON.stringify(stacks));
      fs.renameSync(partial, file); // atomic: a parallel worker never reads half a file
    }
  }
  cache.set(profile, stacks);
  return stacks;
}

/** Logical ids of resources of a type in a template. */
export function ofType(resources: Resources, type: string): string[] {
  return Object.keys(resources).filter((id) => resources[id].Type === type);
}

/** True when `value` is a reference ({Ref} or {Fn::GetAtt}) to the logical id. */
export function refersTo(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value ?? null).includes(`"${logicalId}"`);
}
