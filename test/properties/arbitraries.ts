import { Duration, Lazy, Token } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { Violation } from './harness';

/*
 * Arbitraries for the prop space of the constructs.
 *
 * A case is either valid (every prop drawn from its valid values) or a valid case with exactly one prop
 * replaced by an invalid value ({@link recordOf} with `mutate`): one violation per case means every
 * validation is exercised on its own, instead of the first check of the constructor catching most of
 * a case with several bad props. The oracle of each property file decides validity from the AWS limits;
 * the generators only aim at both sides of each limit.
 */

const DAY = 86400;
/** fc.integer's bounds. */
const INT32_MAX = 2 ** 31 - 1;

/** A Duration of exactly `seconds`, written in the largest unit that represents it exactly. */
export function durationOf(seconds: number, unit: 'auto' | 'seconds' | 'millis' = 'auto'): Duration {
  if (unit === 'millis') return Duration.millis(seconds * 1000);
  if (unit === 'seconds' || !(seconds > 0)) return Duration.seconds(seconds);
  if (seconds % DAY === 0) return Duration.days(seconds / DAY);
  if (seconds % 3600 === 0) return Duration.hours(seconds / 3600);
  if (seconds % 60 === 0) return Duration.minutes(seconds / 60);
  return Duration.seconds(seconds);
}

/**
 * Durations of a whole number of `step` seconds in [min, max] (seconds), biased to both ends, written
 * in varied units (days, hours, seconds, milliseconds).
 */
export function durationIn(min: number, max: number, step = 1): fc.Arbitrary<Duration> {
  const lo = Math.ceil(min / step);
  const hi = Math.floor(max / step);
  return fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: lo, max: hi }) },
        { weight: 1, arbitrary: fc.constantFrom(lo, hi) },
      ),
      fc.constantFrom<'auto' | 'seconds' | 'millis'>('auto', 'auto', 'seconds', 'millis'),
    )
    .map(([n, unit]) => durationOf(n * step, unit));
}

/**
 * Durations outside [min, max] seconds, or inside it but not a whole number of `step` seconds:
 * just below and above, zero, huge, fractional, NaN and Infinity. The values below and above the range
 * are whole numbers of `step`, so they break the range alone: a construct that checked only the step
 * would reject a value both out of range and off the step, and its missing range check would go unseen.
 */
export function badDuration(min: number, max: number, step = 1): fc.Arbitrary<Duration> {
  // The range in whole steps: [lo, hi] steps.
  const lo = Math.ceil(min / step);
  const hi = Math.floor(max / step);
  const out: fc.Arbitrary<Duration>[] = [
    // From one step above the range to ten times its end.
    fc.integer({ min: hi + 1, max: hi * 10 + 10 }).map((n) => durationOf(n * step)),
    fc.constantFrom(Duration.days(1_000_000), Duration.seconds(NaN), Duration.seconds(Infinity)),
    // In range, but a fraction of a second (or of `step`).
    fc
      .tuple(fc.integer({ min: Math.ceil(min), max: Math.floor(max) - 1 }), fc.integer({ min: 1, max: 999 }))
      .map(([s, ms]) => Duration.millis(s * 1000 + ms)),
  ];
  if (step > 1) {
    out.push(
      fc.integer({ min: lo, max: hi - 1 }).map((n) => Duration.seconds(n * step + Math.floor(step / 2))),
    );
  }
  if (lo > 0) {
    // From zero to one step below the range.
    out.push(fc.integer({ min: 0, max: lo - 1 }).map((n) => durationOf(n * step, 'seconds')));
  }
  return fc.oneof(...out);
}

/** Whole numbers in [min, max], biased to the ends. */
export function intIn(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  );
}

/** Numbers that are not whole numbers in [min, max]: just outside, negatives, NaN, +-Infinity, huge, fractions. */
export function badInt(min: number, max: number): fc.Arbitrary<number> {
  const candidates = [min - 1, max + 1, 0, -1, NaN, Infinity, -Infinity, 1e12, Number.MAX_SAFE_INTEGER + 2];
  return fc.oneof(
    fc.constantFrom(...candidates.filter((n) => !(Number.isInteger(n) && n >= min && n <= max))),
    fc.integer({ min: -1_000_000, max: Math.min(-1, min - 1) }),
    fc.integer({ min: Math.min(max + 1, INT32_MAX), max: Math.min(max * 100 + 100, INT32_MAX) }),
    fc.integer({ min, max: Math.max(min, Math.min(max - 1, INT32_MAX)) }).map((n) => n + 0.5),
  );
}

/**
 * Valid whole numbers, and sometimes (1 in 10) the same value as an unresolved token (`Lazy.number`),
 * as a CfnParameter or another resource's attribute would give: the construct cannot check it, must not
 * trip over it (no unresolved-token errors), and the value it resolves to at synth is valid.
 */
export function orToken(valid: fc.Arbitrary<number>): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 9, arbitrary: valid },
    { weight: 1, arbitrary: valid.map((n) => Lazy.number({ produce: () => n })) },
  );
}

/** Seconds of a Duration, fractional, NaN or Infinity as given. */
export function secondsOf(d: Duration): number {
  return d.toMilliseconds({ integral: false }) / 1000;
}

/** A whole number of `step` seconds in [min, max] seconds (what CloudFormation's integer properties take). */
export function durationOk(d: Duration, min: number, max: number, step = 1): boolean {
  if (d.isUnresolved()) return true;
  const s = secondsOf(d);
  return Number.isInteger(s / step) && s >= min && s <= max;
}

/** A whole number in [min, max], or a token (known only at deploy time, checked by CloudFormation then). */
export function intOk(n: number, min: number, max: number): boolean {
  if (Token.isUnresolved(n)) return true;
  return Number.isInteger(n) && n >= min && n <= max;
}

/**
 * Collects violations; `check(ok, prop)` adds one when `ok` is false. `kind` tells one way a prop can be
 * wrong from the others for the coverage check (see {@link Violation.kind}).
 */
export class Oracle {
  public readonly violations: Violation[] = [];

  public check(ok: boolean, prop: string, implied = false, kind?: string): void {
    if (!ok) this.violations.push(kind === undefined ? { prop, implied } : { prop, implied, kind });
  }
}

/** How one prop is generated: its valid values, and (when it has any) its invalid ones. */
export interface Field<V> {
  readonly valid: fc.Arbitrary<V>;
  readonly bad?: fc.Arbitrary<V>;
  /** Absent in some cases (the construct's default applies). */
  readonly optional?: boolean;
  /**
   * How often this prop is the one mutated, relative to the others: the number of props a nested
   * record mutates one of, so that every leaf prop is picked about as often.
   * @default 1
   */
  readonly leaves?: number;
}

/** A field of valid and invalid values. */
export function field<V>(
  valid: fc.Arbitrary<V>,
  bad?: fc.Arbitrary<V>,
  optional = true,
  leaves = 1,
): Field<V> {
  return { valid, bad, optional, leaves };
}

/** How many leaf props a record mutates among (the weight to give it as a field of its parent). */
export function leavesOf<T>(model: Model<T>): number {
  return Object.values<Field<unknown>>(model).reduce((n, f) => n + (f.bad ? (f.leaves ?? 1) : 0), 0);
}

export type Model<T> = { [K in keyof T]-?: Field<T[K]> };

/**
 * A record of valid values (`mutate` false), or of valid values but one prop, chosen at random among
 * those with invalid values, which is set to an invalid one.
 */
export function recordOf<T extends object>(model: Model<T>, mutate: boolean): fc.Arbitrary<T> {
  const keys = Object.keys(model) as (keyof T & string)[];
  const requiredKeys = keys.filter((k) => !model[k].optional);
  const valid = (override?: keyof T & string) => {
    const arbs = Object.fromEntries(keys.map((k) => [k, k === override ? model[k].bad : model[k].valid])) as {
      [K in keyof T]: fc.Arbitrary<T[K]>;
    };
    return fc.record(arbs, {
      requiredKeys: override ? [...requiredKeys, override] : requiredKeys,
    }) as unknown as fc.Arbitrary<T>;
  };
  if (!mutate) return valid();
  // One record arbitrary per mutable prop, built once: `chain` would rebuild the record (and every
  // arbitrary inside it) for each generated case, which cost more than the cases themselves.
  const mutable = keys.filter((k) => model[k].bad !== undefined);
  return fc.oneof(...mutable.map((k) => ({ weight: model[k].leaves ?? 1, arbitrary: valid(k) })));
}

/** {@link VALID_PERCENT} without FC_VALID_PERCENT: what `npm test` runs. */
export const DEFAULT_VALID_PERCENT = 10;

/**
 * Percent of the generated cases drawn from valid values only; the others carry one invalid prop.
 * A valid case costs a full build, synth and nag run (60-250 ms); an invalid one is rejected before
 * anything is built (1-10 ms), so this share sets the suite's run time. FC_VALID_PERCENT overrides it.
 * (Some mutated cases are valid too: a "bad" value can be harmless in its combination.)
 */
export const VALID_PERCENT = validPercent(process.env.FC_VALID_PERCENT);

function validPercent(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_VALID_PERCENT;
  const n = Number(raw);
  if (!(n >= 0 && n <= 100)) throw new Error(`FC_VALID_PERCENT must be 0-100; received '${raw}'`);
  return n;
}

/** Valid cases ({@link VALID_PERCENT} of them) and cases with one invalid prop. */
export function validOrMutated<T>(make: (mutate: boolean) => fc.Arbitrary<T>): fc.Arbitrary<T> {
  if (VALID_PERCENT >= 100) return make(false);
  if (VALID_PERCENT <= 0) return make(true);
  return fc.oneof(
    { weight: VALID_PERCENT, arbitrary: make(false) },
    { weight: 100 - VALID_PERCENT, arbitrary: make(true) },
  );
}

/** The day names of RDS and ElastiCache maintenance windows, from Monday. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** `hh24:mi` of a minute of the day (wrapping past midnight). */
export const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** `ddd:hh24:mi` of a minute of the week from Monday 00:00 (wrapping past Sunday midnight, either way). */
export const weekly = (minutes: number): string => {
  const m = ((minutes % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  return `${WEEKDAYS[Math.floor(m / MINUTES_PER_DAY)]}:${hhmm(m % MINUTES_PER_DAY)}`;
};

/**
 * A daily window `hh24:mi-hh24:mi` (up to 4 hours) and a weekly one `ddd:hh24:mi-ddd:hh24:mi` (up to 10
 * hours), each at least `minMinutes` long, each present or not: the backup or snapshot window and the
 * maintenance window of RDS and ElastiCache. They may overlap: each service's oracle decides.
 */
export function windowPair(minMinutes: number): fc.Arbitrary<{ daily?: string; weekly?: string }> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: MINUTES_PER_DAY - 1 }),
      fc.integer({ min: minMinutes, max: 240 }),
      fc.integer({ min: 0, max: MINUTES_PER_WEEK - 1 }),
      fc.integer({ min: minMinutes, max: 600 }),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([d, dl, w, wl, withDaily, withWeekly]) => ({
      daily: withDaily ? `${hhmm(d)}-${hhmm(d + dl)}` : undefined,
      weekly: withWeekly ? `${weekly(w)}-${weekly(w + wl)}` : undefined,
    }));
}
