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

/** Every demo stack of the app for a profile, synthesized once per test file. */
export function synthesizeApp(profile: Profile): SynthesizedStack[] {
  if (!cache.has(profile)) {
    const app = testApp({ profile });
    const stacks = addReferenceStacks(app, profile);
    cache.set(
      profile,
      stacks.map((s) => ({
        stackId: s.stackName,
        template: Template.fromStack(s).toJSON() as SynthesizedStack['template'],
      })),
    );
  }
  return cache.get(profile)!;
}

/** Logical ids of resources of a type in a template. */
export function ofType(resources: Resources, type: string): string[] {
  return Object.keys(resources).filter((id) => resources[id].Type === type);
}

/** True when `value` is a reference ({Ref} or {Fn::GetAtt}) to the logical id. */
export function refersTo(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value ?? null).includes(`"${logicalId}"`);
}
