import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Thrown at synth time when a construct receives props it cannot build safely.
 *
 * The message always names the construct, the prop, the value received and what is allowed,
 * so a learner can fix the call without reading the construct's source.
 */
export class PropValidationError extends Error {
  constructor(
    /** The construct class (or construct path) that rejected the props. */
    public readonly construct: string,
    /** The prop that is wrong, e.g. `subscribers[1].retention`. */
    public readonly prop: string,
    message: string,
  ) {
    super(`${construct}: invalid ${prop}: ${message}`);
    this.name = 'PropValidationError';
  }
}

/** Describes where a limit comes from, appended to the error so the learner can look it up. */
export interface LimitSource {
  /** Why the limit exists: the AWS quota, the note line or the pattern's rule. */
  readonly because?: string;
}

function suffix(source?: LimitSource): string {
  return source?.because ? ` (${source.because})` : '';
}

/**
 * Checks that a number lies in [min, max]. Unresolved tokens are accepted: they are only known at
 * deploy time, and CloudFormation validates them then.
 */
export function validateRange(
  construct: string,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
  unit = '',
  source?: LimitSource,
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  const u = unit ? ` ${unit}` : '';
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new PropValidationError(
      construct,
      prop,
      `must be between ${min} and ${max}${u}; received ${value}${u}${suffix(source)}.`,
    );
  }
}

/** Like {@link validateRange}, and also requires a whole number. */
export function validateInteger(
  construct: string,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
  unit = '',
  source?: LimitSource,
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value)) {
    throw new PropValidationError(
      construct,
      prop,
      `must be a whole number between ${min} and ${max}${unit ? ` ${unit}` : ''}; received ${value}${suffix(source)}.`,
    );
  }
  validateRange(construct, prop, value, min, max, unit, source);
}

/**
 * Checks a Duration against a range given in seconds, printing both ends in a readable unit.
 * Durations built from tokens are skipped (known only at deploy time).
 */
export function validateDuration(
  construct: string,
  prop: string,
  value: Duration | undefined,
  min: Duration,
  max: Duration,
  source?: LimitSource,
): void {
  if (value === undefined || value.isUnresolved()) return;
  const seconds = value.toSeconds({ integral: false });
  // NaN compares false with everything: without the finiteness check Duration.seconds(NaN) passed.
  if (
    !Number.isFinite(seconds) ||
    seconds < min.toSeconds({ integral: false }) ||
    seconds > max.toSeconds({ integral: false })
  ) {
    throw new PropValidationError(
      construct,
      prop,
      `must be between ${min.toHumanString()} and ${max.toHumanString()}; received ${humanDuration(value)}${suffix(source)}.`,
    );
  }
}

/** `toHumanString()`, which prints nothing at all for a NaN or infinite Duration. */
function humanDuration(value: Duration): string {
  const seconds = value.toSeconds({ integral: false });
  return Number.isFinite(seconds) ? value.toHumanString() : `${seconds} seconds`;
}

/** Throws when a string prop does not match a pattern; `expected` says in words what is allowed. */
export function validatePattern(
  construct: string,
  prop: string,
  value: string | undefined,
  pattern: RegExp,
  expected: string,
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!pattern.test(value)) {
    throw new PropValidationError(construct, prop, `${expected}; received '${value}'.`);
  }
}

/**
 * Rejects a removal policy other than RETAIN or DESTROY for props that apply to keys, queues, buckets
 * or log groups: SNAPSHOT exists only for databases and volumes, and the CDK refuses it on anything
 * else with an error that names the resource type, not the prop.
 */
export function validateRetainOrDestroy(
  construct: string,
  prop: string,
  value: RemovalPolicy | undefined,
): void {
  if (value === undefined || value === RemovalPolicy.RETAIN || value === RemovalPolicy.DESTROY) return;
  throw new PropValidationError(
    construct,
    prop,
    `must be RETAIN or DESTROY; received ${String(value).toUpperCase()}, which only databases and volumes support.`,
  );
}

/**
 * Rejects `RetentionDays.INFINITE`: it writes no RetentionInDays, and the NIST 800-53, HIPAA, PCI DSS and
 * Serverless packs require an explicit retention period on every log group (CloudWatchLogGroupRetentionPeriod).
 */
export function validateLogRetention(
  construct: string,
  prop: string,
  value: logs.RetentionDays | undefined,
): void {
  if (value === undefined || Token.isUnresolved(value) || value !== logs.RetentionDays.INFINITE) return;
  throw new PropValidationError(
    construct,
    prop,
    'must be a finite number of days; received INFINITE. The compliance packs require an explicit retention ' +
      'period on every log group (CloudWatchLogGroupRetentionPeriod); use RetentionDays.TEN_YEARS or longer to keep logs.',
  );
}

const DURATION_UNITS = { seconds: 1, minutes: 60, hours: 3600, days: 86400 } as const;

/**
 * Requires a Duration to be a whole number of `unit`: CloudFormation takes these values as integers
 * (seconds for SQS and Lambda, hours for Kinesis retention, days for S3 lifecycle rules), and the CDK
 * throws a bare "cannot be converted into a whole number" error naming no prop when it is not.
 */
export function validateWholeDuration(
  construct: string,
  prop: string,
  value: Duration | undefined,
  unit: keyof typeof DURATION_UNITS,
): void {
  if (value === undefined || value.isUnresolved()) return;
  const amount = value.toMilliseconds({ integral: false }) / 1000 / DURATION_UNITS[unit];
  if (!Number.isInteger(amount)) {
    throw new PropValidationError(
      construct,
      prop,
      `must be a whole number of ${unit}; received ${amount} ${unit} (CloudFormation takes it in whole ${unit}).`,
    );
  }
}
