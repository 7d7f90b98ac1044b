// The pure parts of `npm run upload` and `npm run replay-uploads` (scripts/upload.ts,
// scripts/replay-uploads.ts): options, the region, the stack outputs and the processor's settings.
// Tested in test/s3-events/upload-cli.test.ts; no AWS call is made here.
import { parseArgs } from 'util';

/** The demo stack (lib/stacks/reference-app.ts). */
export const DEFAULT_STACK = 'RefArch-S3EventPipeline';
/** Lifetime of the pre-signed URL when `--expires` is not given: the SDK's default (001 L2110). */
export const DEFAULT_EXPIRES_SECONDS = 3600;
/** The longest a SigV4 pre-signed URL is valid: 7 days. */
export const MAX_EXPIRES_SECONDS = 604800;
/** `--max` of the replay when not given, and its upper bound (as the fan-out's replay). */
export const DEFAULT_REPLAY_MAX = 1000;
export const MAX_REPLAY_MAX = 100000;

export const UPLOAD_USAGE =
  'Usage: npm run upload -- <file> [--stack <name>] [--expires <seconds>] [--key <name>]\n' +
  `  --stack    the deployed stack (default ${DEFAULT_STACK})\n` +
  `  --expires  lifetime of the pre-signed URL, 1-${MAX_EXPIRES_SECONDS} s (default ${DEFAULT_EXPIRES_SECONDS})\n` +
  '  --key      object name under the upload prefix (default: the file name)\n' +
  '  The region comes from AWS_REGION or AWS_DEFAULT_REGION.';

export const REPLAY_USAGE =
  'Usage: npm run replay-uploads -- [--stack <name>] [--max <n>]\n' +
  `  --stack  the deployed stack (default ${DEFAULT_STACK})\n` +
  `  --max    at most this many failed-events messages, 1-${MAX_REPLAY_MAX} (default ${DEFAULT_REPLAY_MAX})\n` +
  '  The region comes from AWS_REGION or AWS_DEFAULT_REGION.';

/** A mistake in the command line: the CLI prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface UploadArgs {
  readonly file: string;
  readonly stack: string;
  readonly expiresSeconds: number;
  /** `--key`, when given; otherwise the file name is used. */
  readonly name?: string;
}

export interface ReplayArgs {
  readonly stack: string;
  readonly max: number;
}

/** `undefined` for `--help`. */
export function parseUploadArgs(argv: string[]): UploadArgs | undefined {
  const { values, positionals } = parse(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: 'string' },
        expires: { type: 'string' },
        key: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return undefined;
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'name the file to upload'
        : `one file at a time; received ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  return {
    file: positionals[0],
    stack: stackName(values.stack),
    expiresSeconds: parseExpires(values.expires),
    ...(values.key !== undefined ? { name: values.key } : {}),
  };
}

/** `undefined` for `--help`. */
export function parseReplayArgs(argv: string[]): ReplayArgs | undefined {
  const { values, positionals } = parse(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: 'string' },
        max: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return undefined;
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return {
    stack: stackName(values.stack),
    max: wholeNumber('--max', values.max, DEFAULT_REPLAY_MAX, 1, MAX_REPLAY_MAX, ''),
  };
}

/** `--expires`: whole seconds, 1 to 604800 (7 days, the longest a SigV4 pre-signed URL lives). */
export function parseExpires(raw: string | undefined): number {
  return wholeNumber(
    '--expires',
    raw,
    DEFAULT_EXPIRES_SECONDS,
    1,
    MAX_EXPIRES_SECONDS,
    ' seconds (7 days, the longest a SigV4 pre-signed URL is valid)',
  );
}

function wholeNumber(
  option: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max}${unit}; received '${raw}'`);
  }
  return value;
}

function stackName(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_STACK;
  // CloudFormation: a letter, then letters, digits and hyphens, at most 128 characters.
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(raw)) {
    throw new UsageError(
      `--stack must be a CloudFormation stack name (letters, digits, hyphens); received '${raw}'`,
    );
  }
  return raw;
}

/** Node's parseArgs, its errors (unknown option, missing value) turned into usage errors. */
function parse<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The region of the stack: AWS_REGION, else AWS_DEFAULT_REGION (the AWS CLI's variable). */
export function regionFromEnv(env: NodeJS.ProcessEnv): string {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new UsageError('set AWS_REGION (or AWS_DEFAULT_REGION) to the region the stack is deployed in');
  }
  return region;
}

/** The outputs of one stack as `DescribeStacks` returns them. */
export interface DescribedStack {
  readonly StackName?: string;
  readonly StackStatus?: string;
  readonly Outputs?: { readonly OutputKey?: string; readonly OutputValue?: string }[];
}

/** The named outputs of a described stack; throws naming the ones that are missing. */
export function stackOutputs<K extends string>(
  stack: DescribedStack | undefined,
  stackName: string,
  names: readonly K[],
): Record<K, string> {
  if (!stack) throw new Error(`stack ${stackName} not found`);
  const byKey = new Map((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const missing = names.filter((n) => byKey.get(n) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `stack ${stackName} (${stack.StackStatus ?? 'status unknown'}) has no output ${missing.join(', ')}: ` +
        'is it the S3 event pipeline stack, and fully deployed?',
    );
  }
  return Object.fromEntries(names.map((n) => [n, byKey.get(n) as string])) as Record<K, string>;
}

/** What the upload needs from the processor's environment variables (set by the construct). */
export interface ProcessorSettings {
  /** MAX_OBJECT_BYTES: the largest upload the processor reads. */
  readonly maxObjectBytes: number;
  /** UPLOAD_SUFFIX: keys without it are not processed. */
  readonly uploadSuffix: string;
  /** RESULTS_PREFIX: results are written to `<RESULTS_PREFIX><key>/<versionId>.json`. */
  readonly resultsPrefix: string;
}

/** Reads the processor's settings from its environment (lambda GetFunctionConfiguration). */
export function processorSettings(
  functionName: string,
  variables: Record<string, string> | undefined,
): ProcessorSettings {
  const env = variables ?? {};
  const max = env.MAX_OBJECT_BYTES;
  const maxObjectBytes = Number(max);
  if (
    max === undefined ||
    !/^\d+$/.test(max) ||
    !Number.isSafeInteger(maxObjectBytes) ||
    maxObjectBytes < 1
  ) {
    throw new Error(
      `the processor ${functionName} has no valid MAX_OBJECT_BYTES environment variable (received '${max}')`,
    );
  }
  return {
    maxObjectBytes,
    uploadSuffix: env.UPLOAD_SUFFIX ?? '',
    resultsPrefix: env.RESULTS_PREFIX ?? '',
  };
}
