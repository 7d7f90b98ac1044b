import { Duration, Lazy, Size } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PropValidationError } from '../../lib/core/errors';
import { shownValue, showingValue, showsReceived, valueAt } from './received';

/** The value check of the property files must be able to fail: these messages do not show the value. */
describe('showsReceived', () => {
  test.each<[string, unknown, string]>([
    ['another number', 5, 'X: invalid n: must be between 0 and 10; received 0.'],
    ['a number only in the range', 0, 'X: invalid n: must be between 0 and 10; received nothing.'],
    ['a prefix of the number', 1, 'X: invalid n: must be at most 10; received 10.'],
    ['quoted text that is not the value', 'raw/', "X: invalid p: must end with 'hour=!{timestamp:HH}/'."],
    ['"received" followed by nothing', Duration.seconds(NaN), 'X: invalid d: must be 1-60 s; received  ().'],
    ['another Duration', Duration.hours(25), 'X: invalid age: must not exceed 1 day; received 1 day.'],
    ['another Size', Size.mebibytes(129), 'X: invalid size: must be 1-128 MiB; received 128 MiB.'],
  ])('rejects %s', (_, value, message) => {
    expect(showsReceived(message, value)).toBe(false);
  });

  test.each<[string, unknown, string]>([
    ['a number', -1, 'X: invalid n: must be between 0 and 10; received -1 (bounded).'],
    ['NaN', NaN, 'X: invalid n: must be a number; received NaN.'],
    [
      'a quoted string after words',
      '1BAD',
      "X: invalid env.1BAD: received the variable name '1BAD'; Lambda ...",
    ],
    [
      'a quoted string anywhere',
      'mon:03:15-mon:04:15',
      "X: invalid w: 'mon:03:15-mon:04:15' overlaps '03:00-04:00'.",
    ],
    [
      'a long string by its length',
      'p'.repeat(1500),
      'X: invalid p: at most 1024 characters; received 1500 characters.',
    ],
    [
      'an enum value',
      'snapshot',
      'X: invalid removalPolicy: must be RETAIN or DESTROY; received SNAPSHOT, which ...',
    ],
    [
      'a Duration as toHumanString',
      Duration.hours(25),
      'X: invalid age: must not exceed 1 day; received 1 day 1 hour.',
    ],
    [
      'a Duration in one unit',
      Duration.millis(86_400_001),
      'X: invalid d: whole days; received 1.0000000115740741 days.',
    ],
    ['an infinite Duration', Duration.seconds(Infinity), 'X: invalid d: whole days; received Infinity days.'],
    ['a Size in MiB', Size.kibibytes(1536), 'X: invalid s: whole MiB; received 1.5 MiB.'],
    ['no subscribers', [], 'X: invalid subscribers: give at least one; received none.'],
    ['a token (nothing to show)', Lazy.number({ produce: () => 3 }), 'X: invalid n: anything'],
  ])('accepts %s', (_, value, message) => {
    expect(showsReceived(message, value)).toBe(true);
  });
});

describe('valueAt and shownValue', () => {
  const props = {
    subscribers: [{ name: 'A' }, { name: 'B', consumer: { timeout: Duration.seconds(3) } }],
    logRetention: logs.RetentionDays.INFINITE,
  };

  test('follow a prop path with indices', () => {
    expect(valueAt(props, 'subscribers[1].consumer.timeout')).toBe(props.subscribers[1].consumer!.timeout);
    expect(valueAt(props, 'subscribers[0].consumer.timeout')).toBeUndefined();
    expect(valueAt(props, 'subscribers[5].name')).toBeUndefined();
  });

  test('RetentionDays.INFINITE is shown by its name', () => {
    expect(shownValue(props, 'logRetention')).toBe('INFINITE');
  });
});

describe('showingValue', () => {
  const reject = (message: string) => () => {
    throw new PropValidationError('X', 'n', message);
  };

  test('fails a rejection whose message does not show the value, with a plain Error', () => {
    expect(() =>
      showingValue(reject('must be at most 10; received 10.'), { n: 11 }, [{ prop: 'n' }]),
    ).toThrow(
      /^the message does not show the value received for n \(11\): X: invalid n: must be at most 10; received 10\.$/,
    );
  });

  test('rethrows a rejection that shows it, and one the oracle implied', () => {
    expect(() => showingValue(reject('received 11.'), { n: 11 }, [{ prop: 'n' }])).toThrow(
      PropValidationError,
    );
    expect(() => showingValue(reject('no value'), { n: 11 }, [{ prop: 'n', implied: true }])).toThrow(
      PropValidationError,
    );
  });

  test('checks any prop in a regression test', () => {
    expect(() => showingValue(reject('received 10.'), { n: 11 }, 'any')).toThrow(/does not show the value/);
  });
});
