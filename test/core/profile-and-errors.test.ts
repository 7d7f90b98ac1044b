import { Duration, Token } from 'aws-cdk-lib';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validatePattern,
  validateRange,
} from '../../lib/core/errors';
import { parseProfile } from '../../lib/core/profile';

describe('parseProfile', () => {
  test('defaults to sandbox', () => {
    expect(parseProfile(undefined)).toBe('sandbox');
    expect(parseProfile('')).toBe('sandbox');
  });
  test('accepts the two profiles', () => {
    expect(parseProfile('sandbox')).toBe('sandbox');
    expect(parseProfile('production')).toBe('production');
  });
  test('rejects anything else, listing the allowed values', () => {
    expect(() => parseProfile('prod')).toThrow(
      "Unknown profile 'prod' (context 'profile'). Allowed values: sandbox, production.",
    );
    expect(() => parseProfile(3)).toThrow('Allowed values: sandbox, production');
  });
});

describe('validation helpers', () => {
  test('validateRange names construct, prop, range, value and reason', () => {
    expect(() => validateRange('Thing', 'size', 0, 1, 10, 'GiB', { because: 'AWS limit' })).toThrow(
      'Thing: invalid size: must be between 1 and 10 GiB; received 0 GiB (AWS limit).',
    );
    expect(() => validateRange('Thing', 'size', 5, 1, 10)).not.toThrow();
    expect(() => validateRange('Thing', 'size', NaN, 1, 10)).toThrow(PropValidationError);
  });
  test('tokens are left to deploy time', () => {
    expect(() => validateRange('Thing', 'size', Token.asNumber({ Ref: 'P' }), 1, 10)).not.toThrow();
    expect(() =>
      validatePattern('Thing', 'name', Token.asString({ Ref: 'P' }), /^a$/, 'must be a'),
    ).not.toThrow();
  });
  test('validateInteger rejects fractions', () => {
    expect(() => validateInteger('Thing', 'count', 1.5, 1, 10)).toThrow(
      'Thing: invalid count: must be a whole number between 1 and 10; received 1.5.',
    );
  });
  test('validateDuration prints human units', () => {
    expect(() =>
      validateDuration('Queue', 'retention', Duration.days(15), Duration.minutes(1), Duration.days(14)),
    ).toThrow('Queue: invalid retention: must be between 1 minute and 14 days; received 15 days.');
    expect(() =>
      validateDuration('Queue', 'retention', Duration.days(14), Duration.minutes(1), Duration.days(14)),
    ).not.toThrow();
  });
  test('validatePattern says what is expected', () => {
    expect(() => validatePattern('Api', 'path', 'health', /^\//, "must start with '/'")).toThrow(
      "Api: invalid path: must start with '/'; received 'health'.",
    );
  });
});
