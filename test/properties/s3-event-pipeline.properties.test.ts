import { Duration, RemovalPolicy, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as fc from 'fast-check';
import { EncryptionKey } from '../../lib/core/encryption-key';
import { PropValidationError } from '../../lib/core/errors';
import { allowCloudWatchLogs } from '../../lib/core/service-grants';
import { S3EventPipeline, S3EventPipelineProps } from '../../lib/s3-events/s3-event-pipeline';
import {
  badDuration,
  badInt,
  durationIn,
  durationOk,
  field,
  intIn,
  intOk,
  Model,
  Oracle,
  orToken,
  recordOf,
  validOrMutated,
} from './arbitraries';
import { caseApp, expectRejected, importedAlarmTopic, Violation } from './harness';
import { showingValue, describeConstructProperty } from './received';

/*
 * S3EventPipeline's property: valid props synthesize nag-clean; props with one invalid part are rejected
 * with a PropValidationError naming the prop and showing the value received.
 */

const MINUTE = 60;
const HOUR = 3600;
const GIB = 1024 ** 3;
/** S3's longest object key, in bytes (the characters generated here are one byte each). */
const MAX_KEY_BYTES = 1024;

/** The key prefixes and the suffix are one field: the overlap rule ties them together. */
interface Keys {
  readonly uploadPrefix?: string;
  readonly uploadSuffix?: string;
  readonly resultsPrefix?: string;
}

interface S3EventCase {
  readonly keys: Keys;
  readonly maxObjectSize?: Size;
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
  readonly processorTimeout?: Duration;
  readonly processorMemorySize?: number;
  readonly reservedConcurrency?: number;
  readonly removalPolicy?: RemovalPolicy;
  readonly logRetention?: logs.RetentionDays;
  readonly importedAlarmTopic: boolean;
  /** The construct's own key, a key of the caller's stack, or one imported by ARN. */
  readonly encryptionKey: 'default' | 'new' | 'imported';
}

// ---- Generators.

/**
 * The characters the JSDoc allows in a prefix (letters, digits and `-_.`, plus `/`): the S3 "safe" object
 * key characters (S3 User Guide, "Naming Amazon S3 objects") that no key encoding changes.
 */
const SAFE = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', ...'-_.'];
/**
 * Characters outside that set: `*` (EventBridge's wildcard and IAM's), S3's "characters to avoid" and
 * "characters that might require special handling" (space, `&$@=;:+,?\{}^%`~[]<>#|"`), a non-ASCII letter.
 */
const UNSAFE = [...'*? &$@=;:+,\\{}^%`~[]<>#|"()!\'', 'é', '\t'];

const segment = (maxLength: number) => fc.string({ unit: fc.constantFrom(...SAFE), minLength: 1, maxLength });
/** Short readable prefixes, and long ones (up to the construct's 512 characters). */
const validPrefix: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('uploads/', 'in/', 'incoming/csv/', 'a-b_c.d/', 'x/y/z/') },
  {
    weight: 4,
    arbitrary: fc.array(segment(20), { minLength: 1, maxLength: 4 }).map((s) => `${s.join('/')}/`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 511 }).map((n) => `${'p'.repeat(n - 1)}/`) },
);
const validSuffix: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('.csv', '.CSV', '.tsv', '.csv.gz', '_data.txt', "(1)!'.csv"),
  segment(64),
);

/**
 * Prefixes and suffix in their documented shape, not overlapping: a results prefix that overlaps the
 * upload prefix (given or the default) becomes `z` + the upload prefix, which neither starts nor is
 * started by it (the upload prefix ends with `/`, so it cannot be all `z`s).
 */
const validKeys: fc.Arbitrary<Keys> = fc
  .record(
    {
      uploadPrefix: validPrefix,
      uploadSuffix: validSuffix,
      resultsPrefix: validPrefix.map((p) => (p === 'uploads/' ? 'results/' : p)),
    },
    { requiredKeys: [] },
  )
  .map((k) => {
    const up = k.uploadPrefix ?? 'uploads/';
    const res = k.resultsPrefix ?? 'results/';
    return overlaps(up, res) ? { ...k, resultsPrefix: `z${up}` } : k;
  });

/** A prefix that breaks the documented shape: no trailing `/`, a character outside the set, empty. */
const badPrefix: fc.Arbitrary<string> = fc.oneof(
  validPrefix.map((p) => p.slice(0, -1)),
  fc.tuple(validPrefix, fc.constantFrom(...UNSAFE), fc.nat()).map(([p, ch, at]) => {
    const i = at % p.length;
    return `${p.slice(0, i)}${ch}${p.slice(i)}`;
  }),
  // Longer than S3's longest key can be (the suffix comes after it).
  fc.integer({ min: MAX_KEY_BYTES, max: 3000 }).map((n) => `${'q'.repeat(n)}/`),
);
const badSuffix: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(validSuffix, fc.constantFrom(...UNSAFE), fc.nat()).map(([s, ch, at]) => {
    const i = at % (s.length + 1);
    return `${s.slice(0, i)}${ch}${s.slice(i)}`;
  }),
  fc.integer({ min: MAX_KEY_BYTES, max: 3000 }).map((n) => `.${'s'.repeat(n)}`),
);

const badKeys: fc.Arbitrary<Keys> = fc.oneof(
  badPrefix.map((uploadPrefix) => ({ uploadPrefix, resultsPrefix: 'out/' })),
  badPrefix.map((resultsPrefix) => ({ resultsPrefix })),
  badSuffix.map((uploadSuffix) => ({ uploadSuffix })),
  // The results prefix under the upload prefix, the upload prefix under the results prefix, or the same.
  fc
    .tuple(validPrefix, validPrefix, fc.constantFrom('under', 'over', 'same'))
    .map(([a, b, how]) =>
      how === 'same'
        ? { uploadPrefix: a, resultsPrefix: a }
        : how === 'under'
          ? { uploadPrefix: a, resultsPrefix: `${a}${b}` }
          : { uploadPrefix: `${a}${b}`, resultsPrefix: a },
    ),
  // Against a default: the other prefix under it.
  validPrefix.map((p) => ({ uploadPrefix: `results/${p}` })),
  validPrefix.map((p) => ({ resultsPrefix: `uploads/${p}` })),
);

/** 1 byte to 1 GiB in whole bytes, written in bytes, KiB, MiB or GiB. */
const validSize: fc.Arbitrary<Size> = fc.oneof(
  intIn(1, GIB).map((n) => Size.bytes(n)),
  intIn(1, 1024 * 1024).map((n) => Size.kibibytes(n)),
  intIn(1, 1024).map((n) => Size.mebibytes(n)),
  fc.constant(Size.gibibytes(1)),
);
/** None at all, over 1 GiB, no number, or a fraction of a byte. */
const badSize: fc.Arbitrary<Size> = fc.oneof(
  fc.constantFrom(
    Size.bytes(0),
    Size.kibibytes(0),
    Size.gibibytes(2),
    Size.tebibytes(1),
    Size.mebibytes(NaN),
    Size.mebibytes(Infinity),
  ),
  fc.integer({ min: GIB + 1, max: 2 * GIB }).map((n) => Size.bytes(n)),
  fc.integer({ min: 1025, max: 1_000_000 }).map((n) => Size.mebibytes(n)),
  // In range, but not a whole number of bytes.
  fc.integer({ min: 1, max: 1024 * 1024 - 1 }).map((n) => Size.kibibytes(n + 0.001)),
);

const duration = (min: number, max: number) => field(durationIn(min, max), badDuration(min, max));
const int = (min: number, max: number) => field(orToken(intIn(min, max)), badInt(min, max));

const model: Model<S3EventCase> = {
  // A bad upload prefix, results prefix, suffix, or two overlapping prefixes.
  keys: field(validKeys, badKeys, false, 4),
  maxObjectSize: field(validSize, badSize),
  retryAttempts: int(0, 2),
  maxEventAge: duration(MINUTE, 6 * HOUR),
  processorTimeout: duration(1, 15 * MINUTE),
  processorMemorySize: int(128, 10240),
  reservedConcurrency: int(1, 1000),
  removalPolicy: field(
    fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.DESTROY),
    fc.constant(RemovalPolicy.SNAPSHOT),
  ),
  logRetention: field(
    fc.constantFrom(logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_YEAR, logs.RetentionDays.TEN_YEARS),
    fc.constant(logs.RetentionDays.INFINITE),
  ),
  importedAlarmTopic: field(fc.boolean(), undefined, false),
  encryptionKey: field(
    fc.constantFrom<S3EventCase['encryptionKey']>('default', 'new', 'imported'),
    undefined,
    false,
  ),
};

const caseArb: fc.Arbitrary<S3EventCase> = validOrMutated((mutate) => recordOf(model, mutate));

// ---- Oracle.

/** Kinds of violation the coverage check tells apart. */
const PREFIX_OVERLAP = 'prefix overlap';
const KEY_LENGTH = 'key longer than S3 allows';

function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** Only the documented characters (S3's safe ones), nothing else. */
function safe(s: string): boolean {
  return [...s].every((ch) => ch === '/' || SAFE.includes(ch));
}

/** Lambda (async invocation, function configuration), S3 key and the construct's documented rules. */
function violations(c: S3EventCase): Violation[] {
  const o = new Oracle();
  const { uploadPrefix, uploadSuffix, resultsPrefix } = c.keys;
  const up = uploadPrefix ?? 'uploads/';
  const suffix = uploadSuffix ?? '.csv';
  const res = resultsPrefix ?? 'results/';
  // JSDoc: letters, digits and -_./ only (characters no key encoding changes), ending in `/`.
  const prefixOk = (p: string) => p.length > 0 && p.endsWith('/') && safe(p);
  const upOk = prefixOk(up);
  const resOk = prefixOk(res);
  o.check(upOk, 'uploadPrefix');
  o.check(resOk, 'resultsPrefix');
  // The suffix goes into the same wildcard filter (`<prefix>*<suffix>`): the same characters, no `*`.
  const suffixOk = suffix.length > 0 && safe(suffix);
  o.check(suffixOk, 'uploadSuffix');
  // S3: an object key is at most 1,024 bytes; a key the filter matches holds the prefix and the suffix.
  if (upOk && suffixOk && up.length + suffix.length > MAX_KEY_BYTES) {
    o.check(false, uploadSuffix === undefined ? 'uploadPrefix' : 'uploadSuffix', false, KEY_LENGTH);
    if (uploadPrefix !== undefined) o.check(false, 'uploadPrefix', false, KEY_LENGTH);
  }
  if (upOk) o.check(up.length < MAX_KEY_BYTES, 'uploadPrefix', false, KEY_LENGTH);
  if (resOk) o.check(res.length < MAX_KEY_BYTES, 'resultsPrefix', false, KEY_LENGTH);
  // JSDoc of the class and of resultsPrefix: the output must never match the input filter.
  if (upOk && resOk && overlaps(up, res)) {
    o.check(false, 'resultsPrefix', false, PREFIX_OVERLAP);
    o.check(false, 'uploadPrefix', false, PREFIX_OVERLAP);
  }
  // JSDoc: at most 1 GiB, held in memory; an object has a whole number of bytes, at least one.
  if (c.maxObjectSize) {
    const bytes = c.maxObjectSize.toBytes({ rounding: SizeRoundingBehavior.NONE });
    o.check(Token.isUnresolved(bytes) || intOk(bytes, 1, GIB), 'maxObjectSize');
  }
  // Lambda async invocation: MaximumRetryAttempts 0-2, MaximumEventAgeInSeconds 60-21600 (whole seconds).
  o.check(c.retryAttempts === undefined || intOk(c.retryAttempts, 0, 2), 'retryAttempts');
  o.check(!c.maxEventAge || durationOk(c.maxEventAge, MINUTE, 6 * HOUR), 'maxEventAge');
  // Lambda: Timeout 1-900 whole seconds, MemorySize 128-10240 MB (whole MB).
  o.check(!c.processorTimeout || durationOk(c.processorTimeout, 1, 15 * MINUTE), 'processorTimeout');
  o.check(
    c.processorMemorySize === undefined || intOk(c.processorMemorySize, 128, 10240),
    'processorMemorySize',
  );
  // Lambda: ReservedConcurrentExecutions is a whole number; 0 would throttle every upload (the JSDoc
  // says it caps the uploads processed at once), and more than the default Regional quota of 1,000
  // concurrent executions cannot be reserved without a quota increase.
  o.check(
    c.reservedConcurrency === undefined || intOk(c.reservedConcurrency, 1, 1000),
    'reservedConcurrency',
  );
  // JSDoc: RETAIN or DESTROY (SNAPSHOT exists for databases and volumes only).
  o.check(c.removalPolicy !== RemovalPolicy.SNAPSHOT, 'removalPolicy');
  // The compliance packs require a finite retention on every log group.
  o.check(c.logRetention !== logs.RetentionDays.INFINITE, 'logRetention');
  return o.violations;
}

// ---- Props.

function propsOf(stack: Stack, c: S3EventCase): S3EventPipelineProps {
  let encryptionKey: kms.IKey | undefined;
  if (c.encryptionKey === 'imported') {
    encryptionKey = kms.Key.fromKeyArn(
      stack,
      'Key',
      'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555',
    );
  } else if (c.encryptionKey === 'new') {
    // A caller's key for the log group too must let CloudWatch Logs use it, as the construct's own does.
    encryptionKey = new EncryptionKey(stack, 'Key', { description: 'Key of the property case' }).key;
    allowCloudWatchLogs(encryptionKey);
  }
  return {
    ...c.keys,
    maxObjectSize: c.maxObjectSize,
    retryAttempts: c.retryAttempts,
    maxEventAge: c.maxEventAge,
    processorTimeout: c.processorTimeout,
    processorMemorySize: c.processorMemorySize,
    reservedConcurrency: c.reservedConcurrency,
    removalPolicy: c.removalPolicy,
    logRetention: c.logRetention,
    alarmTopic: c.importedAlarmTopic ? importedAlarmTopic(stack) : undefined,
    encryptionKey,
  };
}

/** Booleans, enums and which optional parts exist: what cdk-nag's verdict can depend on. */
function nagShape(c: S3EventCase): string {
  return JSON.stringify([
    c.encryptionKey,
    c.importedAlarmTopic,
    c.removalPolicy,
    c.reservedConcurrency === undefined,
    c.keys.uploadPrefix === undefined,
    c.keys.resultsPrefix === undefined,
  ]);
}

/**
 * The kinds of violation every default run rejects cases for (FC_VERBOSE=1 prints the counts): the run
 * fails when one never comes up. Rarer ones (the key length) are left out.
 */
const REJECTS = [
  'logRetention',
  'maxEventAge',
  'maxObjectSize',
  'processorMemorySize',
  'processorTimeout',
  PREFIX_OVERLAP,
  'removalPolicy',
  'reservedConcurrency',
  'resultsPrefix',
  'retryAttempts',
  'uploadPrefix',
  'uploadSuffix',
];

describeConstructProperty(
  'S3EventPipeline',
  caseArb,
  {
    violations,
    propsOf,
    construct: (s, p) => new S3EventPipeline(s, 'Pipeline', p),
    nagShape,
  },
  { rejects: REJECTS },
);

/** Counterexamples found by the property, each a DEFECT of the construct until it is fixed. */
describe('S3EventPipeline regressions', () => {
  const pipeline = (props: S3EventPipelineProps) => (stack: Stack) =>
    showingValue(() => new S3EventPipeline(stack, 'Pipeline', props), props, 'any');

  // UnscopedValidationError "... cannot be converted into a whole number of seconds" (Lambda's
  // Timeout and MaximumEventAgeInSeconds are whole seconds) instead of a PropValidationError.
  test.each<[string, S3EventPipelineProps]>([
    ['processorTimeout', { processorTimeout: Duration.millis(1500) }],
    ['maxEventAge', { maxEventAge: Duration.millis(60_500) }],
  ])('a duration that is not a whole number of seconds is rejected: %s', (prop, props) => {
    expectRejected(prop, pipeline(props));
  });

  // UnscopedValidationError "'NaN mebibytes' cannot be converted into a whole number of bytes", thrown
  // by the construct's own maxObjectSize.toBytes().
  test.each<[string, Size]>([
    ['NaN MiB', Size.mebibytes(NaN)],
    ['Infinity MiB', Size.mebibytes(Infinity)],
    ['1.001 KiB', Size.kibibytes(1.001)],
  ])('a maxObjectSize that is not a whole number of bytes is rejected: %s', (_, maxObjectSize) => {
    expectRejected('maxObjectSize', pipeline({ maxObjectSize }));
  });

  // Property seed -1937974834: UnscopedValidationError "Invalid validation rule ID
  // 'AwsSolutions-IAM5[Resource::<PipelineResults0F2C2047.Arn>/)A/A/*]'. Mismatched closing brace ')'":
  // the JSDoc allowed ( and ), and the prefix goes into the ID of a nag acknowledgment, where an
  // unbalanced parenthesis breaks it. Fixed by refusing parentheses (balanced ones too: one rule is
  // easier to state and to check than a bracket count).
  test.each<[keyof S3EventPipelineProps, string]>([
    ['uploadPrefix', 'a)/'],
    ['uploadPrefix', 'a(/'],
    ['resultsPrefix', ')A/A/'],
    ['uploadPrefix', 'a(1)/'],
  ])('a parenthesis in %s (%s) is rejected', (prop, value) => {
    expectRejected(prop, pipeline({ [prop]: value }));
  });

  // Property seed -556701427 with FC_CFN_VALIDATE=1: "Description: length 513 exceeds maximum 512"
  // (EventBridge rule descriptions are at most 512 characters; CloudFormation Validate F3033). The rule's
  // description quotes the prefix and suffix, which the construct accepts up to 512 and 64 characters.
  // Either a rejection naming one of them or a description within EventBridge's limit will do.
  test('a long upload prefix is rejected or leaves the rule description within 512 characters', () => {
    const stack = new Stack(caseApp(), 'Regression');
    const props = { uploadPrefix: `${'p'.repeat(510)}/`, uploadSuffix: '.csv.gz' };
    try {
      pipeline(props)(stack);
    } catch (e) {
      if (e instanceof PropValidationError && ['uploadPrefix', 'uploadSuffix'].includes(e.prop)) return;
      throw e;
    }
    const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
    for (const rule of Object.values(rules)) {
      expect(String(rule.Properties?.Description ?? '').length).toBeLessThanOrEqual(512);
    }
  });
});
