// The pure parts of `npm run upload` and `npm run replay-uploads`: options, key, limits, stack outputs.
import {
  DEFAULT_EXPIRES_SECONDS,
  DEFAULT_STACK,
  UsageError,
  parseExpires,
  parseReplayArgs,
  parseUploadArgs,
  processorSettings,
  regionFromEnv,
  stackOutputs,
} from '../../scripts/s3-events/cli';
import { checkSize, defaultName, resultLocation, uploadKey } from '../../scripts/s3-events/presigned-upload';

describe('npm run upload options', () => {
  test('defaults: the demo stack, 3600 s, the file name', () => {
    expect(parseUploadArgs(['data/orders.csv'])).toEqual({
      file: 'data/orders.csv',
      stack: DEFAULT_STACK,
      expiresSeconds: DEFAULT_EXPIRES_SECONDS,
    });
    expect(DEFAULT_EXPIRES_SECONDS).toBe(3600);
  });

  test('--stack, --expires and --key, as "--opt value" or "--opt=value", before or after the file', () => {
    expect(parseUploadArgs(['--stack', 'Mine-1', 'a.csv', '--expires=60', '--key', 'x/b.csv'])).toEqual({
      file: 'a.csv',
      stack: 'Mine-1',
      expiresSeconds: 60,
      name: 'x/b.csv',
    });
  });

  test('--help returns undefined', () => {
    expect(parseUploadArgs(['--help'])).toBeUndefined();
    expect(parseReplayArgs(['-h'])).toBeUndefined();
  });

  test.each([
    [[], /name the file to upload/],
    [['a.csv', 'b.csv'], /one file at a time/],
    [['a.csv', '--bucket', 'x'], /Unknown option '--bucket'/],
    [['a.csv', '--expires'], /--expires/],
    [['a.csv', '--stack', '1bad name'], /--stack must be a CloudFormation stack name.*'1bad name'/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseUploadArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseUploadArgs(argv as string[])).toThrow(message);
  });
});

describe('--expires', () => {
  test.each([
    ['1', 1],
    ['3600', 3600],
    ['604800', 604800],
  ])('%s is %d seconds', (raw, seconds) => {
    expect(parseExpires(raw)).toBe(seconds);
  });

  test.each(['0', '604801', '-5', '1.5', '1e3', 'abc', '', ' ', '0x10'])(
    "'%s' is refused, naming the option, the value and the range",
    (raw) => {
      expect(() => parseExpires(raw)).toThrow(UsageError);
      expect(() => parseExpires(raw)).toThrow(
        `--expires must be a whole number from 1 to 604800 seconds (7 days, the longest a SigV4 pre-signed URL is valid); received '${raw}'`,
      );
    },
  );

  test('the default when not given', () => {
    expect(parseExpires(undefined)).toBe(3600);
  });
});

describe('npm run replay-uploads options', () => {
  test('defaults and values', () => {
    expect(parseReplayArgs([])).toEqual({ stack: DEFAULT_STACK, max: 1000 });
    expect(parseReplayArgs(['--stack', 'Other', '--max', '1'])).toEqual({ stack: 'Other', max: 1 });
  });

  test.each(['0', '100001', 'ten', '2.5'])("--max '%s' is refused with the range", (raw) => {
    expect(() => parseReplayArgs(['--max', raw])).toThrow(
      `--max must be a whole number from 1 to 100000; received '${raw}'`,
    );
  });

  test('a positional argument is refused', () => {
    expect(() => parseReplayArgs(['RefArch-S3EventPipeline'])).toThrow(/unexpected argument/);
  });
});

describe('region', () => {
  test('AWS_REGION first, then AWS_DEFAULT_REGION', () => {
    expect(regionFromEnv({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(regionFromEnv({ AWS_DEFAULT_REGION: 'us-east-1' })).toBe('us-east-1');
    expect(() => regionFromEnv({})).toThrow(/set AWS_REGION \(or AWS_DEFAULT_REGION\)/);
  });
});

describe('upload key', () => {
  test('the upload prefix, then the name', () => {
    expect(uploadKey('uploads/', 'orders.csv', '.csv')).toBe('uploads/orders.csv');
    expect(uploadKey('uploads/', '2026/12/orders.csv', '.csv')).toBe('uploads/2026/12/orders.csv');
    expect(defaultName('/tmp/data/orders.csv')).toBe('orders.csv');
  });

  test.each([
    ['', /must not be empty/],
    ['my orders.csv', /S3's safe key characters/],
    ['é.csv', /S3's safe key characters/],
    ['a+b.csv', /S3's safe key characters/],
    ['/abs.csv', /must not start with \//],
    ['a//b.csv', /must not start with \/, hold \/\//],
    ['../x.csv', /\.\. segment/],
    ['orders.json', /does not end with '\.csv': the pipeline would not process it/],
  ])("'%s' is refused", (name, message) => {
    expect(() => uploadKey('uploads/', name, '.csv')).toThrow(message);
  });

  test("a key longer than S3's 1024 bytes is refused; 1024 bytes pass", () => {
    expect(uploadKey('uploads/', `${'a'.repeat(1024 - 12)}.csv`, '.csv')).toHaveLength(1024);
    expect(() => uploadKey('uploads/', `${'a'.repeat(1024 - 11)}.csv`, '.csv')).toThrow(
      /longer than S3's 1024 bytes/,
    );
  });
});

describe('the pipeline limit', () => {
  test('a file of exactly MAX_OBJECT_BYTES passes; one byte more is refused, naming both sizes', () => {
    expect(() => checkSize('a.csv', 1024, 1024)).not.toThrow();
    expect(() => checkSize('a.csv', 1025, 1024)).toThrow(
      /a\.csv is 1025 bytes, more than the pipeline's limit of 1024 bytes \(the processor's MAX_OBJECT_BYTES\)/,
    );
  });

  test("read from the processor's environment", () => {
    expect(
      processorSettings('fn', {
        MAX_OBJECT_BYTES: '10485760',
        UPLOAD_SUFFIX: '.csv',
        RESULTS_PREFIX: 'results/',
        UPLOAD_PREFIX: 'uploads/',
      }),
    ).toEqual({ maxObjectBytes: 10485760, uploadSuffix: '.csv', resultsPrefix: 'results/' });
    const bads: (Record<string, string> | undefined)[] = [
      undefined,
      {},
      { MAX_OBJECT_BYTES: '0' },
      { MAX_OBJECT_BYTES: '10MB' },
    ];
    for (const bad of bads) {
      expect(() => processorSettings('fn', bad)).toThrow(/the processor fn has no valid MAX_OBJECT_BYTES/);
    }
  });

  test('where the result appears (the key the processor writes)', () => {
    expect(resultLocation('res', 'results/', 'uploads/a.csv', 'v1')).toBe(
      's3://res/results/uploads/a.csv/v1.json',
    );
  });
});

describe('stack outputs', () => {
  const stack = {
    StackStatus: 'CREATE_COMPLETE',
    Outputs: [
      { OutputKey: 'UploadBucketName', OutputValue: 'up' },
      { OutputKey: 'UploadPrefix', OutputValue: 'uploads/' },
      { OutputKey: 'Other', OutputValue: 'x' },
    ],
  };
  test('picks the named outputs', () => {
    expect(stackOutputs(stack, 'S', ['UploadBucketName', 'UploadPrefix'])).toEqual({
      UploadBucketName: 'up',
      UploadPrefix: 'uploads/',
    });
  });
  test('names the missing ones, and a missing stack', () => {
    expect(() => stackOutputs(stack, 'S', ['UploadPrefix', 'ProcessorName', 'ResultsBucketName'])).toThrow(
      'stack S (CREATE_COMPLETE) has no output ProcessorName, ResultsBucketName',
    );
    expect(() => stackOutputs(undefined, 'S', ['UploadPrefix'])).toThrow('stack S not found');
  });
});
