import { Duration, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PropValidationError } from '../../lib/core/errors';
import type * as fc from 'fast-check';
import { describeProperty, PropertyOptions, Violation } from './harness';

/*
 * "The message shows the value it received", checked against the value itself.
 *
 * A PropValidationError must say which value it received. Matching the word "received" or any quoted
 * text does not show that: "must end with 'year=...'" has quotes whatever the value was, and
 * "received 0" passes for a value of 5. Here the text right after "received" must be a rendering of the
 * value the case passed for the prop the error names: the number, the quoted string (or its length in
 * characters), the Duration in any one unit or as `toHumanString()`, the Size in any binary unit.
 */

const NONE = { rounding: SizeRoundingBehavior.NONE };
const UNITS: [string, number][] = [
  ['seconds', 1],
  ['minutes', 60],
  ['hours', 3600],
  ['days', 86400],
];

/** The ways a message may write `value`. Empty for a value the message cannot show (a token). */
export function renderings(value: unknown): string[] {
  if (value instanceof Duration) {
    if (value.isUnresolved()) return [];
    const seconds = value.toMilliseconds({ integral: false }) / 1000;
    const inUnits = UNITS.map(([unit, s]) => `${seconds / s} ${unit}`);
    // toHumanString() prints nothing for NaN or Infinity.
    return Number.isFinite(seconds) ? [value.toHumanString(), ...inUnits] : inUnits;
  }
  if (value instanceof Size) {
    if (Token.isUnresolved(value.toBytes(NONE))) return [];
    return [
      `${value.toBytes(NONE)} bytes`,
      `${value.toKibibytes(NONE)} KiB`,
      `${value.toMebibytes(NONE)} MiB`,
      `${value.toGibibytes(NONE)} GiB`,
      `${value.toTebibytes(NONE)} TiB`,
    ];
  }
  if (typeof value === 'number') return Token.isUnresolved(value) ? [] : [String(value)];
  if (typeof value === 'string') {
    if (Token.isUnresolved(value)) return [];
    const forms = [`'${value}'`, `${value.length} characters`];
    // An enum value, written bare (SNAPSHOT, AT_TIMESTAMP).
    if (/^[A-Za-z_]+$/.test(value)) forms.push(value, value.toUpperCase());
    return forms;
  }
  if (Array.isArray(value))
    return value.length === 0 ? ['none', '0', 'an empty list'] : [String(value.length)];
  if (typeof value === 'boolean') return [String(value)];
  return [JSON.stringify(value)];
}

/**
 * Whether `message` shows `value`: quoted anywhere ("'mon:03:15-mon:04:15' overlaps ..."), or right after
 * "received" (a few words may come between: "received the variable name '1BAD'", "received minCapacity 3"), ended by a
 * space, punctuation or the end of the message. An unquoted number must follow "received": "between 0 and
 * 10" would show a 0 wherever it appeared.
 */
export function showsReceived(message: string, value: unknown): boolean {
  const forms = renderings(value);
  if (forms.length === 0) return true;
  if (forms.some((form) => form.startsWith("'") && message.includes(form))) return true;
  const at = message.search(/received/i);
  if (at < 0) return false;
  // Up to three words may come between: lowercase ones, or the prop's own name ("received minCapacity 3").
  const raw = message.slice(at + 'received'.length).replace(/^:?\s+/, '');
  const after = raw.replace(/^(?:[a-z][A-Za-z]*\s+){0,3}/, '');
  return forms.some((form) =>
    [raw, after].some(
      (text) => text.startsWith(form) && !/^[A-Za-z0-9_]|^\.\d/.test(text.slice(form.length)),
    ),
  );
}

/** The value at a prop path like `subscribers[1].consumer.timeout` (undefined when any step is missing). */
export function valueAt(props: object, prop: string): unknown {
  let current: unknown = props;
  for (const step of prop.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(step);
    if (!m || current === null || typeof current !== 'object') return undefined;
    if (m[1]) current = (current as Record<string, unknown>)[m[1]];
    for (const index of m[2].match(/\d+/g) ?? []) {
      if (!Array.isArray(current)) return undefined;
      current = current[Number(index)];
    }
  }
  return current;
}

/**
 * The value a rejection of `prop` must show: the value at its path in `props`, and
 * RetentionDays.INFINITE (a number, 9999) by its name.
 */
export function shownValue(props: object, prop: string): unknown {
  const value = valueAt(props, prop);
  return /(^|\.|[a-z])[lL]ogRetention$/.test(prop) && value === logs.RetentionDays.INFINITE
    ? 'INFINITE'
    : value;
}

/**
 * Runs `build`; when it throws a PropValidationError for a prop the case got wrong on purpose (one of
 * `violations`, not `implied`; `any` prop for a regression test that expects one rejection), checks that the message shows the value the case passed for that prop
 * (`valueOf`, by default {@link shownValue}), and fails with a plain Error (which the
 * harness reports as a DEFECT) when it does not. The error is rethrown for the harness to judge.
 * A prop the case left out (its default broke a rule) has no value to show and is not checked.
 */
export function showingValue(
  build: () => void,
  props: object,
  violations: readonly Violation[] | 'any',
  valueOf: (prop: string) => unknown = (prop) => shownValue(props, prop),
): void {
  try {
    build();
  } catch (e) {
    if (e instanceof PropValidationError) {
      const violation = violations === 'any' ? { prop: e.prop } : violations.find((v) => v.prop === e.prop);
      const value = violation && !violation.implied ? valueOf(e.prop) : undefined;
      if (value !== undefined && !showsReceived(e.message, value)) {
        throw new Error(
          `the message does not show the value received for ${e.prop} (${renderings(value).join(' or ')}): ${e.message}`,
        );
      }
    }
    throw e;
  }
}

/**
 * A case's `build` for describeProperty: makes the props in the case's stack, builds the construct with
 * them, and checks with {@link showingValue} that a rejection shows the value the case passed.
 */
export function buildShowingValue<P extends object>(
  makeProps: (stack: Stack) => P,
  construct: (stack: Stack, props: P) => unknown,
  violations: readonly Violation[],
  valueOf?: (props: P) => (prop: string) => unknown,
): (stack: Stack) => void {
  return (stack) => {
    const props = makeProps(stack);
    showingValue(() => construct(stack, props), props, violations, valueOf?.(props));
  };
}

/** How one construct's property builds its cases: the oracle, the props, the construct. */
export interface ConstructProperty<C, P extends object> {
  /** The oracle: what a case must be rejected for (none: it must synthesize nag-clean). */
  readonly violations: (c: C) => Violation[];
  readonly propsOf: (stack: Stack, c: C) => P;
  readonly construct: (stack: Stack, props: P) => unknown;
  readonly nagShape: (c: C) => string;
  /** How to find the value a message must show, when the prop's own value is not it. */
  readonly shownValueOf?: (props: P) => (prop: string) => unknown;
}

/**
 * {@link describeProperty} for a construct built from generated props: each case is checked against the
 * oracle, and a rejection must show the value it received ({@link buildShowingValue}).
 */
export function describeConstructProperty<C, P extends object>(
  name: string,
  cases: fc.Arbitrary<C>,
  property: ConstructProperty<C, P>,
  options: PropertyOptions,
): void {
  describeProperty(
    name,
    cases,
    (c) => {
      const expected = property.violations(c);
      return {
        violations: expected,
        build: buildShowingValue(
          (s) => property.propsOf(s, c),
          property.construct,
          expected,
          property.shownValueOf,
        ),
        nagShape: property.nagShape(c),
      };
    },
    options,
  );
}
