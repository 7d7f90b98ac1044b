import { App, Stack } from 'aws-cdk-lib';
import { Profile } from '../core/profile';

/**
 * One demo stack per pattern. Each entry maps the profile to construct props inside its stack;
 * the stack id is stable (it is the CloudFormation stack name a learner deploys and destroys).
 */
export interface PatternStackEntry {
  /** Stack id and CloudFormation stack name, e.g. `RefArch-SnsSqsFanout`. */
  readonly stackId: string;
  /** Folder under lib/ that holds the pattern. */
  readonly folder: string;
  /** Creates the demo stack for a profile. */
  readonly create: (app: App, stackId: string, profile: Profile) => Stack;
}

export const PATTERN_STACKS: PatternStackEntry[] = [];

/** Adds every pattern's demo stack to the app, configured for the profile. */
export function addReferenceStacks(app: App, profile: Profile): Stack[] {
  return PATTERN_STACKS.map((entry) => entry.create(app, entry.stackId, profile));
}
