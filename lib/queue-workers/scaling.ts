// The scaling arithmetic of QueueWorkerFleet, as pure functions: the construct writes the same formula
// into a CloudWatch metric math expression and the same steps into a step scaling policy, and the tests
// check the functions (and that the expression is built from them).
//
// Why one metric, "messages per instance", with a special case for zero instances:
// - AWS's guidance for SQS-driven fleets is to scale on the backlog each instance has to work through
//   (messages / instances in service), not on the raw queue depth: 100 messages are a lot for one instance
//   and nothing for fifty.
// - The messages counted are those waiting (visible) and those being worked on (in flight): scale-in
//   (the "no messages" step) must not start while every instance is busy and nothing is waiting, or the
//   fleet would shrink one instance a minute under running jobs and relaunch for the next message.
// - With no instance in service (an idle sandbox fleet scaled to zero) the division is undefined; a fleet
//   that scaled on messages per instance alone would never start again. The expression then reports the
//   visible messages, and at least the target as soon as one is visible: one step out for a trickle,
//   the burst step for a burst (004 L703: "SQS with Auto-scaling"); then the per-instance figure takes over.

/** A figure between the "no messages" step and the first scale-out step: no change. */
const HOLD = 0.5;

/** One step of a step scaling policy, as aws-cdk-lib's ScalingInterval takes it. */
export interface BacklogStep {
  readonly lower?: number;
  readonly upper?: number;
  /** Instances to add (positive) or remove (negative). */
  readonly change: number;
}

/**
 * Messages (visible and in flight) per instance in service; with none in service, the visible messages,
 * and at least `target` when any is visible, or a hold figure while jobs run. The same formula as
 * {@link backlogExpression}.
 */
export function backlogPerInstance(
  visible: number,
  inFlight: number,
  inService: number,
  target: number,
): number {
  if (inService > 0) return (visible + inFlight) / inService;
  if (visible > 0) return Math.max(visible, target);
  // No instance counted (the group metric can arrive late) but a job is running: hold, never scale in
  // under it. Half a message per instance lies between the scale-in and scale-out steps.
  return inFlight > 0 ? HOLD : 0;
}

/**
 * The metric math expression of {@link backlogPerInstance}, over the metrics named `visible`,
 * `inFlight` and `inService` (CloudWatch evaluates IF per data point).
 */
export function backlogExpression(target: number): string {
  return (
    `IF(inService > 0, (visible + inFlight) / inService, ` +
    `IF(visible > ${target}, visible, IF(visible > 0, ${target}, IF(inFlight > 0, ${HOLD}, 0))))`
  );
}

/**
 * The steps: no message left (none waiting, none being worked on), one instance out (scale-in protection keeps instances with a job in flight;
 * one at a time, so a burst that pauses for a minute does not empty the fleet); a backlog of at least
 * `target` per instance, one more; at least three times the target, three more (a burst is met in one
 * step instead of three cooldowns).
 */
export function backlogSteps(target: number): BacklogStep[] {
  return [
    { upper: 0, change: -1 },
    { lower: target, upper: 3 * target, change: +1 },
    { lower: 3 * target, change: +3 },
  ];
}

/** What the step policy does for one backlog figure: the change of the step it falls into, or 0. */
export function capacityChange(backlog: number, target: number): number {
  for (const step of backlogSteps(target)) {
    const aboveLower = step.lower === undefined || backlog >= step.lower;
    const belowUpper =
      step.upper === undefined || (step.lower === undefined ? backlog <= step.upper : backlog < step.upper);
    if (aboveLower && belowUpper) return step.change;
  }
  return 0;
}

/** The new desired capacity after one step, within the group's bounds. */
export function nextCapacity(current: number, change: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, current + change));
}
