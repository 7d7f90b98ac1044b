import { Duration, Token } from 'aws-cdk-lib';

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
  if (seconds < min.toSeconds({ integral: false }) || seconds > max.toSeconds({ integral: false })) {
    throw new PropValidationError(
      construct,
      prop,
      `must be between ${min.toHumanString()} and ${max.toHumanString()}; received ${value.toHumanString()}${suffix(source)}.`,
    );
  }
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
