import * as fs from 'fs';
import * as path from 'path';
import { Annotations, App, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { PropValidationError } from '../../lib/core/errors';
import { ALARM_TOPIC_NOT_GRANTED_WARNING } from '../../lib/core/service-grants';
import { testAppContext, testTempDir } from '../support/app';
import { formatFindings, nagFindings } from '../support/compliance';
import { DEFAULT_VALID_PERCENT, VALID_PERCENT } from './arbitraries';

/*
 * Property-test harness shared by test/properties/*.properties.test.ts.
 *
 * Every generated case ends in exactly one of two ways:
 *   (a) the construct builds, the stack synthesizes (Template.fromStack: prepare, validate, resolve,
 *       write, cycle check) and the six cdk-nag packs find nothing (validateScope on the stack), or
 *   (b) the construct throws a PropValidationError naming the prop, the value received and the range.
 * Anything else (a TypeError, an unresolved-token error, an aws-cdk-lib error, a synth error, a nag
 * finding, or props the AWS limits reject that still synthesize) fails the property with fast-check's
 * seed and shrunk counterexample.
 *
 * Each file models the AWS limits of its construct in an oracle (`violations(props)`), written from the
 * service quotas and the construct's documented props, not from its validation code: that is what lets a
 * property catch props the construct forgot to check (the synth succeeds, CloudFormation would reject it).
 *
 * Knobs (environment variables), defaults in brackets:
 *   FC_RUNS [500]            cases per construct
 *   FC_VALID_PERCENT [10]    share of all-valid cases (the rest carry one invalid prop); sets the run time
 *   FC_NAG [all]             nag on every valid case, `none`, or N: first of each shape + every N-th
 *   FC_CFN_VALIDATE [off]    1: also run aws-cdk-lib's CloudFormation schema validation on each synth
 *   FC_SEED, FC_PATH         replay a failure (fast-check prints both)
 *   FC_VERBOSE               1: per-file counts, mean times and violations rejected; 2: per case
 *   FC_STACK_TRACE_LIMIT [1] Error.stackTraceLimit while a case runs
 *   FC_ALLOW_NO_NAG          1: allow FC_NAG=none or FC_VALID_PERCENT=0 on a run of FC_RUNS >= 50
 * A deep local run: FC_RUNS=5000 FC_VALID_PERCENT=50 FC_CFN_VALIDATE=1 npx jest test/properties --maxWorkers=2
 *
 * A property that passes must also have tested something (see {@link checkCoverage}): each file's run
 * fails when too few valid cases were synthesized and nag-checked for its FC_RUNS and FC_VALID_PERCENT
 * (a generator that stopped producing valid props, a valid share of 0, nag switched off), and, on a run
 * at least as large as the default, when a kind of violation the file declares was never rejected (a
 * generator or a fix-up that stopped producing it).
 */

/** Generated cases per construct by default: what `npm test` runs. */
export const DEFAULT_RUNS = 500;

/** Generated cases per construct. FC_RUNS=5000 for a deeper local run. */
export const FC_RUNS = positiveInt('FC_RUNS', DEFAULT_RUNS);

/**
 * Which valid cases also run the six nag packs (after synth):
 * - `all`: every valid case;
 * - `N` (a number): the first valid case of each nag-relevant shape (see {@link CaseOptions.nagShape})
 *   plus every N-th valid case;
 * - `none`: no nag (synth only).
 * Invalid cases never reach nag: they throw before anything is built.
 */
export const NAG_MODE: 'all' | 'none' | number = nagMode(process.env.FC_NAG ?? 'all');

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number >= 1; received '${raw}'`);
  return n;
}

function nagMode(raw: string): 'all' | 'none' | number {
  if (raw === 'all' || raw === 'none') return raw;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`FC_NAG must be all, none or a whole number >= 1; received '${raw}'`);
  return n;
}

/** fast-check parameters: FC_RUNS cases; FC_SEED and FC_PATH replay a reported failure. */
export function fcParams<T>(): fc.Parameters<T> {
  const seed = process.env.FC_SEED;
  return {
    numRuns: FC_RUNS,
    ...(seed ? { seed: Number(seed) } : {}),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
    // The default report already prints seed, path and the shrunk counterexample; say which case failed.
    verbose: fc.VerbosityLevel.None,
  };
}

/** A property runs FC_RUNS synths: far past jest's default timeout on a busy 2-core machine. */
export const PROPERTY_TIMEOUT_MS = 15 * 60 * 1000;

// cdk.json is read once per test file, not once per case.
// testAppContext() leaves out bundling and the creation stack traces (about a quarter of each case's
// synth time here) and logical ids the assembly metadata would hold for the CLI.
const CONTEXT: Record<string, unknown> = {
  ...testAppContext(),
  // Collects (and redacts) every construct's props for the CDKMetadata analytics resource, which
  // analyticsReporting: false (below) leaves out of the template anyway.
  '@aws-cdk/core:enableAdditionalMetadataCollection': false,
};

// One output directory per test file, overwritten by each case's synth and removed by finishFile,
// instead of a new temporary directory per App (thousands of template copies left in /tmp).
let outdir: string | undefined;
function sharedOutdir(): string {
  outdir ??= testTempDir('cdk-properties-');
  return outdir;
}

/**
 * An App like testApp() (cdk.json context, bundling skipped), built for thousands of synths: the
 * context is parsed once, the output directory is shared, and what only the CLI and analytics read is
 * switched off (stack traces in metadata, tree.json, the CDKMetadata analytics resource and the props
 * collected for it). CloudFormation and cdk-nag read none of it; the resources are the same.
 */
export function caseApp(context?: Record<string, unknown>): App {
  return new App({
    context: context ? { ...CONTEXT, ...context } : CONTEXT,
    outdir: sharedOutdir(),
    stackTraces: false,
    treeMetadata: false,
    analyticsReporting: false,
  });
}

/**
 * An alarm topic of another app, as a caller passes one. The constructs warn that they cannot open it to
 * CloudWatch alarms; a caller who has added the statement acknowledges that, as the case does here.
 */
export function importedAlarmTopic(stack: Stack): sns.ITopic {
  Annotations.of(stack).acknowledgeWarning(
    ALARM_TOPIC_NOT_GRANTED_WARNING,
    'The property cases model a caller whose own topic policy already admits CloudWatch alarms.',
  );
  return sns.Topic.fromTopicArn(stack, 'Alarms', 'arn:aws:sns:us-east-1:111111111111:alarms');
}

/** One reason the oracle expects the props to be rejected. */
export interface Violation {
  /** The prop the error must name, exactly as PropValidationError.prop (e.g. `subscribers[1].name`). */
  readonly prop: string;
  /**
   * The message need not contain "received": the value is implied by the prop (a boolean that is
   * true, a combination of two props).
   */
  readonly implied?: boolean;
  /**
   * Which kind of violation this is, for the coverage check ({@link PropertyOptions.rejects}): one of
   * several ways a prop can be wrong that a run must each produce (`natGateways > AZs`).
   * @default - the prop, with indices as `[]` (`subscribers[].name`)
   */
  readonly kind?: string;
}

/** The kind a violation counts as in the coverage check: its `kind`, or its prop with indices as `[]`. */
export function kindOf(v: Violation): string {
  return v.kind ?? v.prop.replace(/\[\d+\]/g, '[]');
}

export interface CaseOptions {
  /** What the oracle expects: no violations means the props are valid. */
  readonly violations: readonly Violation[];
  /** Builds the construct under test in the case's stack. */
  readonly build: (stack: Stack) => void;
  /** Props of the case's stack (an env, for constructs that look up AZs). */
  readonly stackProps?: StackProps;
  /** Extra context for the case's App (e.g. the AZs of that env, so no lookup is attempted). */
  readonly context?: Record<string, unknown>;
  /** Run the nag packs whatever NAG_MODE says (regression tests). */
  readonly alwaysNag?: boolean;
  /**
   * A string that is equal for cases nag would judge the same way (which optional parts exist,
   * booleans, enums). Used by the sampled nag mode only.
   */
  readonly nagShape?: string;
}

/** What happened to one case, for the per-file summary. */
export type Outcome = 'rejected' | 'synthesized' | 'synthesized+nag';

/** Counts of outcomes and timings, printed by {@link finishFile} with FC_VERBOSE=1. */
export class CaseStats {
  public readonly counts: Record<Outcome, number> = { rejected: 0, synthesized: 0, 'synthesized+nag': 0 };
  public readonly ms: Record<Outcome, number> = { rejected: 0, synthesized: 0, 'synthesized+nag': 0 };
  /** How many cases were rejected for each kind of violation ({@link kindOf}) the error named. */
  public readonly rejectedKinds = new Map<string, number>();
  private readonly nagShapes = new Set<string>();
  private validSeen = 0;

  /** Whether this valid case runs the nag packs under the current NAG_MODE. */
  public shouldNag(shape: string | undefined): boolean {
    this.validSeen++;
    if (NAG_MODE === 'all') return true;
    if (NAG_MODE === 'none') return false;
    const key = shape ?? '';
    const firstOfShape = !this.nagShapes.has(key);
    this.nagShapes.add(key);
    return firstOfShape || this.validSeen % NAG_MODE === 0;
  }

  public record(outcome: Outcome, ms: number, rejected?: Violation): void {
    if (process.env.FC_VERBOSE === '2') process.stdout.write(`${outcome} ${ms.toFixed(0)} ms\n`);
    this.counts[outcome]++;
    this.ms[outcome] += ms;
    if (rejected) {
      const kind = kindOf(rejected);
      this.rejectedKinds.set(kind, (this.rejectedKinds.get(kind) ?? 0) + 1);
    }
  }

  public summary(name: string): string {
    const parts = (Object.keys(this.counts) as Outcome[]).map((o) => {
      const n = this.counts[o];
      return `${o} ${n}${n ? ` (${(this.ms[o] / n).toFixed(0)} ms each)` : ''}`;
    });
    const kinds = [...this.rejectedKinds].sort(([a], [b]) => a.localeCompare(b));
    return (
      `${name}: ${parts.join(', ')}; nag mode ${NAG_MODE}\n` +
      `  rejected: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`
    );
  }
}

/**
 * For a file's afterAll: prints its counts when FC_VERBOSE=1 (kept quiet in `npm test`) and removes
 * the shared output directory.
 */
export function finishFile(name: string, stats: CaseStats): void {
  if (process.env.FC_VERBOSE === '1') process.stdout.write(`${stats.summary(name)}\n`);
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  outdir = undefined;
}

/**
 * The message names the value: "received" followed by it (not by nothing, as NaN Durations once printed),
 * or the value quoted ('10.0.0.0/28' is too small ...).
 */
const SAYS_RECEIVED = /received:? [^\s(]|'[^']*'/i;

/**
 * Runs one case and fails (throws) unless it ends as the oracle says: rejected with a
 * PropValidationError naming one of the violated props, or synthesized and nag-clean.
 */
export function checkCase(options: CaseOptions, stats: CaseStats): Outcome {
  // Jest raises Error.stackTraceLimit to 100 and maps every frame through source maps; the CDK takes a
  // stack trace for each acknowledgment it records (assembly metadata nobody reads here): about a tenth
  // of a case. One frame is enough for that metadata; failures report messages, and FC_STACK_TRACE_LIMIT
  // brings full traces back when debugging.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_TRACE_LIMIT;
  try {
    return runCase(options, stats);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const STACK_TRACE_LIMIT = Number(process.env.FC_STACK_TRACE_LIMIT ?? 1);

function runCase(options: CaseOptions, stats: CaseStats): Outcome {
  const started = performance.now();
  const stack = new Stack(caseApp(options.context), 'PropertyCase', options.stackProps);
  const expected = options.violations;
  let thrown: unknown;
  try {
    options.build(stack);
  } catch (e) {
    thrown = e;
  }
  if (thrown !== undefined) {
    if (!(thrown instanceof PropValidationError)) {
      throw new Error(
        `DEFECT: the construct threw ${describeError(thrown)} instead of a PropValidationError` +
          (expected.length ? ` (expected one naming ${propsOf(expected)})` : ' (the props are valid)'),
      );
    }
    if (expected.length === 0) {
      throw new Error(`the construct rejected props the oracle finds valid: ${thrown.message}`);
    }
    const error = thrown;
    const match = expected.find((v) => v.prop === error.prop);
    if (!match) {
      throw new Error(
        `PropValidationError names '${error.prop}', expected one of ${propsOf(expected)}: ${error.message}`,
      );
    }
    if (!match.implied && !SAYS_RECEIVED.test(error.message)) {
      throw new Error(`PropValidationError does not say which value it received: ${error.message}`);
    }
    stats.record('rejected', performance.now() - started, match);
    return 'rejected';
  }
  const built = performance.now();
  let template: Template;
  try {
    template = synthesize(stack);
  } catch (e) {
    throw new Error(`DEFECT: the construct accepted the props but synth failed: ${describeError(e)}`);
  }
  if (expected.length > 0) {
    throw new Error(
      `DEFECT: the construct accepted props the AWS limits reject (${propsOf(expected)}); ` +
        `synth produced ${Object.keys(template.toJSON().Resources ?? {}).length} resources that CloudFormation would refuse.`,
    );
  }
  if (!options.alwaysNag && !stats.shouldNag(options.nagShape)) {
    stats.record('synthesized', performance.now() - started);
    return 'synthesized';
  }
  const synthesized = performance.now();
  const findings = nagFindings(stack);
  if (process.env.FC_VERBOSE === '2') {
    const done = performance.now();
    process.stdout.write(
      `build ${(built - started).toFixed(0)} synth ${(synthesized - built).toFixed(0)} nag ${(done - synthesized).toFixed(0)}\n`,
    );
  }
  if (findings.length > 0) {
    throw new Error(`${findings.length} unacknowledged cdk-nag finding(s):\n${formatFindings(findings)}`);
  }
  stats.record('synthesized+nag', performance.now() - started);
  return 'synthesized+nag';
}

/**
 * With FC_CFN_VALIDATE=1, every synth also runs the CloudFormation schema and lint rules built into
 * aws-cdk-lib (as `npm run synth:all` does), catching values CloudFormation would reject that the oracle
 * does not model. About +50 ms per synth, so it is for deeper local runs, not `npm test`.
 */
const CFN_VALIDATE = process.env.FC_CFN_VALIDATE === '1';

function synthesize(stack: Stack): Template {
  if (!CFN_VALIDATE) return Template.fromStack(stack);
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    return Template.fromStack(stack);
  } catch (e) {
    const report = path.join(sharedOutdir(), 'validation-report.json');
    if (fs.existsSync(report)) {
      const failures = JSON.stringify(JSON.parse(fs.readFileSync(report, 'utf8')).pluginReports ?? []);
      throw new Error(`${(e as Error).message}\n${failures.slice(0, 2000)}`);
    }
    throw e;
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
}

function propsOf(violations: readonly Violation[]): string {
  return violations.map((v) => v.prop).join(', ');
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message.split('\n').slice(0, 6).join('\n')}`;
  return `a non-Error value: ${String(e)}`;
}

/**
 * Regression test: the construct must reject the props with a PropValidationError naming `prop`
 * (and, unless `implied`, saying which value it received).
 */
export function expectRejected(prop: string, build: (stack: Stack) => void, implied = false): void {
  checkCase({ violations: [{ prop, implied }], build }, new CaseStats());
}

/** Regression test: the props must synthesize and pass the six nag packs. */
export function expectCompliantSynth(
  build: (stack: Stack) => void,
  options: Pick<CaseOptions, 'stackProps' | 'context'> = {},
): void {
  checkCase({ violations: [], build, alwaysNag: true, ...options }, new CaseStats());
}

/** What a property file declares its run must cover. */
export interface PropertyOptions {
  /**
   * The kinds of violation ({@link kindOf}: a prop with indices as `[]`, or a violation's `kind`) the
   * oracle declares and the generators must produce: a run at least as large as the default fails
   * when the construct never rejected a case for one of them. List those every default run produces
   * many times over (FC_VERBOSE=1 prints the counts), not the rare ones: the check must not be flaky.
   */
  readonly rejects: readonly string[];
}

/**
 * The property of one construct, as a jest describe block: `FC_RUNS` generated cases, each of which
 * must synthesize nag-clean or be rejected with a PropValidationError as the oracle (`caseOf`) says,
 * and the run must cover what it claims to ({@link checkCoverage}).
 * Prints the counts with FC_VERBOSE=1 and removes the shared synth output directory afterwards.
 */
export function describeProperty<C>(
  name: string,
  cases: fc.Arbitrary<C>,
  caseOf: (c: C) => CaseOptions,
  options: PropertyOptions,
): void {
  const stats = new CaseStats();
  afterAll(() => finishFile(name, stats));
  describe(`${name} properties`, () => {
    test(
      'every prop combination synthesizes nag-clean or is rejected with a PropValidationError',
      () => {
        checkRunConfiguration(name);
        fc.assert(
          fc.property(cases, (c) => {
            checkCase(caseOf(c), stats);
          }),
          fcParams(),
        );
        checkCoverage(name, stats, options);
      },
      PROPERTY_TIMEOUT_MS,
    );
  });
}

/** Runs of fewer cases are smoke runs (a generator being debugged): no coverage floor applies. */
export const SMOKE_RUNS = 50;

/**
 * The share of the cases drawn from valid values that the oracle also finds valid, at least, in every
 * property file: the others combine valid values into invalid props (a CIDR too small for the subnets of
 * six AZs). The lowest measured (2026-12, FC_RUNS=300 FC_VALID_PERCENT=100 FC_NAG=none FC_VERBOSE=1) was
 * KinesisPipeline's 0.44, whose object-lock and concurrency rules tie several props together.
 */
const VALID_DRAWS_KEPT = 0.4;

/** A correct run falls below its floors less often than this. */
const FLOOR_TAIL = 1e-6;

/**
 * The fewest valid cases a run of `runs` cases at `validPercent` must synthesize: the largest `k` such
 * that fewer than `k` valid cases has a probability below {@link FLOOR_TAIL}, for a count with the mean
 * `runs x validPercent x` {@link VALID_DRAWS_KEPT} (as a Poisson count, whose lower tail is wider than the
 * binomial's: the floor errs low). A generator that produces (almost) no valid props fails it; a
 * correct one practically never. 500 cases at 10% give 3 (of 20 expected at the least, 50 in most files);
 * 5000 at 50%, 853.
 */
export function validFloor(runs: number, validPercent: number): number {
  const mean = runs * (validPercent / 100) * VALID_DRAWS_KEPT;
  if (mean <= 0) return 0;
  // P(X < k) summed term by term, in logarithms (e^-mean underflows for large means).
  let below = 0;
  let logTerm = -mean;
  for (let k = 0; ; k++) {
    const next = below + Math.exp(logTerm);
    if (next > FLOOR_TAIL) return k;
    below = next;
    logTerm += Math.log(mean / (k + 1));
  }
}

/** The fewest valid cases the nag packs must have checked, under NAG_MODE, for a floor of valid cases. */
export function nagFloor(valid: number): number {
  if (NAG_MODE === 'all') return valid;
  if (NAG_MODE === 'none') return 0;
  return valid > 0 ? Math.max(1, Math.floor(valid / NAG_MODE)) : 0;
}

const ALLOW_NO_NAG = process.env.FC_ALLOW_NO_NAG === '1';
/** FC_PATH replays one case (and its shrinks): too few for any floor. */
const REPLAY = !!process.env.FC_PATH;

/**
 * Fails before a run that would not check a single valid case against the nag packs, unless
 * FC_ALLOW_NO_NAG=1 says that is the point (timing the rejections alone, say).
 */
export function checkRunConfiguration(name: string): void {
  if (ALLOW_NO_NAG || REPLAY || FC_RUNS < SMOKE_RUNS) return;
  const why =
    NAG_MODE === 'none'
      ? 'FC_NAG=none: no valid case would run the nag packs'
      : VALID_PERCENT === 0
        ? 'FC_VALID_PERCENT=0: no case would be drawn from valid props, so (almost) none would synthesize or run the nag packs'
        : undefined;
  if (why) {
    throw new Error(
      `${name}: ${why}, and the property would pass having proved nothing about valid props (FC_RUNS=${FC_RUNS}). ` +
        'Set FC_ALLOW_NO_NAG=1 if that is what you want.',
    );
  }
}

/**
 * Fails a run that passed without testing what it claims: fewer valid cases synthesized and nag-checked
 * than the floor for FC_RUNS and FC_VALID_PERCENT ({@link validFloor}, {@link nagFloor}), or, on a run with
 * at least as many invalid cases as the default one (FC_RUNS=500 at 10% valid), a declared kind of
 * violation ({@link PropertyOptions.rejects}) that no case was rejected for.
 */
export function checkCoverage(name: string, stats: CaseStats, options: PropertyOptions): void {
  if (REPLAY) return;
  const settings = `FC_RUNS=${FC_RUNS}, FC_VALID_PERCENT=${VALID_PERCENT}, FC_NAG=${NAG_MODE}`;
  const problems: string[] = [];
  const nagged = stats.counts['synthesized+nag'];
  const valid = nagged + stats.counts.synthesized;
  const validMin = validFloor(FC_RUNS, VALID_PERCENT);
  const nagMin = ALLOW_NO_NAG && NAG_MODE === 'none' ? 0 : nagFloor(validMin);
  if (valid < validMin) {
    problems.push(
      `only ${valid} valid case(s) synthesized, fewer than the ${validMin} a run of ${settings} must reach: ` +
        'did a generator (or a fix-up after it) stop producing valid props?',
    );
  }
  if (nagged < nagMin) {
    problems.push(
      `only ${nagged} valid case(s) ran the six nag packs, fewer than the ${nagMin} a run of ${settings} must reach`,
    );
  }
  if (options.rejects.length === 0)
    problems.push('the file declares no kind of violation its run must produce');
  if (FC_RUNS * (100 - VALID_PERCENT) >= DEFAULT_RUNS * (100 - DEFAULT_VALID_PERCENT)) {
    const missing = options.rejects.filter((k) => !stats.rejectedKinds.has(k));
    if (missing.length > 0) {
      const seen = [...stats.rejectedKinds.keys()].sort().join(', ');
      problems.push(
        `no case was rejected for ${missing.join(', ')}, which the file declares its run produces: ` +
          `did a generator (or a fix-up after it) stop producing it? Rejected: ${seen}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `${name}: the property passed without testing what it claims:\n- ${problems.join('\n- ')}`,
    );
  }
}

/** A resource of a synthesized template, as the template models of the property files read it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/**
 * The template of a stack whose props the construct accepted, for a template model. Synthesizes the stack;
 * the harness's own synth reuses this assembly (Stage.synth caches it). A synth failure is the construct's
 * fault: it accepted props it cannot build.
 */
export function acceptedTemplate(stack: Stack): { Resources: Record<string, TemplateResource> } {
  try {
    return Template.fromStack(stack).toJSON() as { Resources: Record<string, TemplateResource> };
  } catch (e) {
    throw new Error(`the construct accepted the props but synth failed: ${(e as Error).message}`);
  }
}

/** Fails the case with `INVARIANT: <what>` unless `ok`. */
export function invariant(ok: boolean, what: string): void {
  if (!ok) throw new Error(`INVARIANT: ${what}`);
}

/** A subnet tier of {@link importedVpc}. */
export type SubnetTier = 'public' | 'private' | 'isolated';
const TIER_NUMBER: Record<SubnetTier, number> = { public: 0, private: 1, isolated: 2 };
const TWO_AZS = ['us-east-1a', 'us-east-1b'];

/** The ids {@link importedVpc} gives the subnets (or, with `rtb`, the route tables) of a tier, one per AZ. */
export function importedSubnetIds(
  tier: SubnetTier,
  azs: readonly string[] = TWO_AZS,
  prefix = 'subnet',
): string[] {
  return azs.map((_, i) => `${prefix}-0123456789abcde${TIER_NUMBER[tier]}${i}`);
}

/**
 * An imported VPC (cheap to synthesize: no VPC resources) with the given subnet tiers in `azs` (two by
 * default), construct id `Vpc`.
 */
export function importedVpc(
  stack: Stack,
  tiers: readonly SubnetTier[],
  azs: readonly string[] = TWO_AZS,
): ec2.IVpc {
  const attributes = (tier: SubnetTier, subnetIds: string, routeTableIds: string) =>
    tiers.includes(tier)
      ? {
          [subnetIds]: importedSubnetIds(tier, azs),
          [routeTableIds]: importedSubnetIds(tier, azs, 'rtb'),
        }
      : {};
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: [...azs],
    ...attributes('public', 'publicSubnetIds', 'publicSubnetRouteTableIds'),
    ...attributes('private', 'privateSubnetIds', 'privateSubnetRouteTableIds'),
    ...attributes('isolated', 'isolatedSubnetIds', 'isolatedSubnetRouteTableIds'),
  });
}
