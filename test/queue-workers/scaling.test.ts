import {
  backlogExpression,
  backlogPerInstance,
  backlogSteps,
  capacityChange,
  nextCapacity,
} from '../../lib/queue-workers/scaling';

describe('backlog per instance', () => {
  test.each([
    // visible, in flight, inService, target, expected
    [0, 0, 0, 10, 0], // idle fleet, empty queue: nothing to do
    [1, 0, 0, 10, 10], // first message with no instance: the target, one step out
    [500, 0, 0, 10, 500], // a burst with no instance: the burst step at once
    [30, 0, 3, 10, 10],
    [45, 0, 3, 10, 15],
    [0, 0, 4, 10, 0], // nothing waiting, nothing running: scale in
    [0, 2, 2, 10, 1], // nothing waiting but jobs running: not zero, so no scale-in under busy instances
    [7, 0, 2, 5, 3.5],
    [0, 1, 0, 10, 0.5], // a job running while the instance count is late: hold (between the steps), never scale in
  ])(
    '%i visible, %i in flight, %i in service, target %i: %d',
    (visible, inFlight, inService, target, expected) => {
      expect(backlogPerInstance(visible, inFlight, inService, target)).toBe(expected);
    },
  );

  test('the CloudWatch expression is the same formula, with the target written in', () => {
    expect(backlogExpression(25)).toBe(
      'IF(inService > 0, (visible + inFlight) / inService, IF(visible > 25, visible, IF(visible > 0, 25, IF(inFlight > 0, 0.5, 0))))',
    );
  });
});

describe('steps', () => {
  test.each([
    [0, -1], // no backlog: one instance out
    [0.5, 0], // a little backlog: hold
    [9.99, 0],
    [10, 1], // the target reached: one more
    [29.9, 1],
    [30, 3], // three times the target: three more at once
    [1000, 3],
  ])('backlog %d per instance with target 10: change %i', (backlog, change) => {
    expect(capacityChange(backlog, 10)).toBe(change);
  });

  test('the hold figure changes nothing', () => {
    expect(capacityChange(backlogPerInstance(0, 1, 0, 10), 10)).toBe(0);
  });

  test('the steps neither overlap nor leave a scale-out gap above the target', () => {
    const [drain, grow, burst] = backlogSteps(10);
    expect(drain).toEqual({ upper: 0, change: -1 });
    expect(grow.upper).toBe(burst.lower);
    expect(grow.lower).toBe(10);
  });

  test('capacity stays within the group bounds', () => {
    expect(nextCapacity(0, -1, 0, 4)).toBe(0);
    expect(nextCapacity(3, 3, 0, 4)).toBe(4);
    expect(nextCapacity(1, 1, 2, 4)).toBe(2);
  });
});

describe('a burst, minute by minute (one step per evaluation, as the policies act)', () => {
  /** Each minute: the policy acts on the backlog, then the fleet works off `perInstance` messages each. */
  function simulate(burst: number, target: number, max: number, perInstance: number): number[] {
    let visible = burst;
    let capacity = 0;
    const trace: number[] = [];
    for (let minute = 0; minute < 30 && (visible > 0 || capacity > 0); minute++) {
      capacity = nextCapacity(
        capacity,
        capacityChange(backlogPerInstance(visible, 0, capacity, target), target),
        0,
        max,
      );
      visible = Math.max(0, visible - capacity * perInstance);
      trace.push(capacity);
    }
    return trace;
  }

  test('100 messages, target 10, at most 4 instances: the burst step from zero, then back to zero', () => {
    const trace = simulate(100, 10, 4, 5);
    expect(trace[0]).toBe(3); // from zero, 100 visible >= 30: +3
    expect(trace[1]).toBe(4); // 85 / 3 per instance >= 10: +1
    expect(Math.max(...trace)).toBe(4); // never above max
    expect(trace[trace.length - 1]).toBe(0); // drained and scaled back to zero
    // Scale-in is one instance at a time once the queue is empty.
    const afterPeak = trace.slice(trace.lastIndexOf(4));
    for (let i = 1; i < afterPeak.length; i++) expect(afterPeak[i - 1] - afterPeak[i]).toBeLessThanOrEqual(1);
  });

  test('a single message starts one instance, not three', () => {
    expect(simulate(1, 10, 4, 5)[0]).toBe(1);
  });

  test('an empty queue never starts an instance', () => {
    expect(simulate(0, 10, 4, 5)).toEqual([]);
  });
});
