import { Duration } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { badDuration, durationOk, secondsOf } from './arbitraries';

const HOUR = 3600;
const DAY = 86400;

/** Ranges (seconds, and the step) the property files give badDuration, the long ones among them. */
const LIMITS: [min: number, max: number, step: number][] = [
  [1, 29, 1],
  [0, 300, 1],
  [60, 12 * HOUR, 1],
  [0, 7 * DAY, 1],
  [DAY, 35 * DAY, DAY],
  [4 * HOUR, 1000 * DAY, HOUR],
  // Lifecycle transitions: a range past 2^31 seconds, where the values above it once collapsed to
  // one constant (2^31 - 1 seconds) inside it.
  [30 * DAY, 36500 * DAY, DAY],
  [91 * DAY, 36500 * DAY, DAY],
];

const sample = (min: number, max: number, step: number): Duration[] =>
  fc.sample(badDuration(min, max, step), { numRuns: 2000, seed: 42 });

describe('badDuration', () => {
  test.each(LIMITS)('every value is out of [%d, %d] or off the step %d', (min, max, step) => {
    const good = sample(min, max, step).filter((d) => durationOk(d, min, max, step));
    expect(good.map((d) => d.toHumanString())).toEqual([]);
  });

  test.each(LIMITS)(
    'values above [%d, %d] are whole steps of %d, just above it and further (not only the huge constant)',
    (min, max, step) => {
      const above = sample(min, max, step)
        .map(secondsOf)
        .filter((s) => s > max && s <= 10 * max + 10 * step);
      expect(above.length).toBeGreaterThan(100);
      expect(above.filter((s) => !Number.isInteger(s / step))).toEqual([]);
      expect(Math.min(...above)).toBeLessThanOrEqual(max + step * Math.max(1, Math.ceil(max / step / 100)));
    },
  );

  test.each(LIMITS.filter(([min]) => min > 0))(
    'values below [%d, %d] are whole steps of %d',
    (min, max, step) => {
      const below = sample(min, max, step)
        .map(secondsOf)
        .filter((s) => s < min);
      expect(below.length).toBeGreaterThan(50);
      expect(below.filter((s) => !Number.isInteger(s / step))).toEqual([]);
    },
  );
});
