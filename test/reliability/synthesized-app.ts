import * as fs from 'fs';
import * as path from 'path';
import { Token } from 'aws-cdk-lib';
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
  /** The Region the stack is pinned to, if any. */
  readonly region?: string;
}

const cache = new Map<Profile, SynthesizedStack[]>();

/**
 * Every demo stack of the app for a profile, synthesized once per jest run: the first test file to
 * ask writes the templates to the run's directory (made fresh by test/support/global-setup.ts, so
 * nothing outlives the run), the other files read them. Outside jest, once per process.
 * Each resource carries its construct path (`aws:cdk:path` metadata, as `cdk synth` writes it): the
 * permission-path proof names resources by it.
 */
export function synthesizeApp(profile: Profile): SynthesizedStack[] {
  if (cache.has(profile)) return cache.get(profile)!;
  const runDir = process.env.REFARCH_TEST_RUN_DIR;
  const file = runDir ? path.join(runDir, `app-${profile}.json`) : undefined;
  let stacks: SynthesizedStack[];
  if (file && fs.existsSync(file)) {
    stacks = JSON.parse(fs.readFileSync(file, 'utf8')) as SynthesizedStack[];
  } else {
    const app = testApp({ profile, 'aws:cdk:enable-path-metadata': true });
    stacks = addReferenceStacks(app, profile).map((s) => ({
      stackId: s.stackName,
      template: Template.fromStack(s).toJSON() as SynthesizedStack['template'],
      region: Token.isUnresolved(s.region) ? undefined : s.region,
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

/**
 * The types among `types` that no stack holds. A check over a type the app does not have passes on an
 * empty set, so a misspelt type, or one the app no longer creates, would leave the check proving nothing:
 * each check file asserts this list is empty for the types it reads.
 */
export function typesAbsent(stacks: readonly SynthesizedStack[], types: Iterable<string>): string[] {
  const present = new Set(stacks.flatMap((s) => Object.values(s.template.Resources).map((r) => r.Type)));
  return [...new Set(types)].filter((t) => !present.has(t)).sort();
}

/**
 * The logical id of the queue a dead-letter reference sends to: a `RedrivePolicy` (`deadLetterTargetArn`),
 * an on-failure destination (`Destination`) or an EventBridge target's `DeadLetterConfig` (`Arn`) holding `{"Fn::GetAtt": [<an AWS::SQS::Queue of this
 * template>, "Arn"]}`. Anything else (no reference, another attribute, another resource type, a queue
 * that is not in the template) gives undefined.
 */
export function deadLetterQueueOf(r: Resources, reference: unknown): string | undefined {
  const ref = reference as
    { deadLetterTargetArn?: unknown; Destination?: unknown; Arn?: unknown } | undefined;
  const arn = (ref?.deadLetterTargetArn ?? ref?.Destination ?? ref?.Arn) as
    { 'Fn::GetAtt'?: unknown } | undefined;
  const getAtt = arn?.['Fn::GetAtt'];
  if (!Array.isArray(getAtt) || getAtt.length !== 2 || getAtt[1] !== 'Arn') return undefined;
  const [id] = getAtt as [unknown, string];
  return typeof id === 'string' && r[id]?.Type === 'AWS::SQS::Queue' ? id : undefined;
}
