/**
 * The two deployment profiles every pattern supports.
 *
 * - `sandbox`: the cheapest configuration that still shows the pattern, and `cdk destroy` leaves
 *   nothing behind (no retained buckets, logs, keys, snapshots or tables).
 * - `production`: data is retained or snapshotted, deletion protection is on, the network is
 *   highly available and alarms notify a topic.
 *
 * Constructs never read the profile: the demo stacks map it to explicit construct props.
 */
export const PROFILES = ['sandbox', 'production'] as const;

export type Profile = (typeof PROFILES)[number];

export const DEFAULT_PROFILE: Profile = 'sandbox';

/** The CDK context key that selects the profile: `npx cdk synth -c profile=production`. */
export const PROFILE_CONTEXT_KEY = 'profile';

/**
 * Turns the raw context value into a profile, or throws an error listing the allowed values.
 * `undefined` (no `-c profile=...`) means the default, `sandbox`.
 */
export function parseProfile(value: unknown): Profile {
  if (value === undefined || value === null || value === '') return DEFAULT_PROFILE;
  if (typeof value === 'string' && (PROFILES as readonly string[]).includes(value)) return value as Profile;
  throw new Error(
    `Unknown profile '${String(value)}' (context '${PROFILE_CONTEXT_KEY}'). ` +
      `Allowed values: ${PROFILES.join(', ')}. Example: npx cdk synth -c ${PROFILE_CONTEXT_KEY}=production`,
  );
}
