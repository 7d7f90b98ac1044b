// The S3 event processor (issue 21): a CSV upload -> EventBridge "Object Created" event -> this Lambda ->
// a JSON result in the results bucket + one record in DynamoDB. Runtime code: never imports aws-cdk-lib.
//
// Why it is built the way it is, in the order an event meets it:
// 1. Guards, before any download or write: an event about the results bucket is ignored (recursion guard: a
//    processor that reacted to its own output would run forever, and bill for it); keys outside the upload
//    prefix/suffix are skipped; an object larger than MAX_OBJECT_BYTES fails before it is downloaded.
// 2. Idempotency (Powertools for AWS Lambda): EventBridge and Lambda's asynchronous invocation both deliver
//    at least once, so the same event can arrive twice. The first run stores its result in the idempotency
//    table; a duplicate gets that result back without downloading the object again. A run that throws
//    leaves no record behind (Powertools deletes its INPROGRESS record), so Lambda's retries run it again.
// 3. The object version named in the event is read (never "whatever the key holds now"), transformed, and
//    written to a key that includes the version id, so two versions processed out of order never overwrite
//    each other. The DynamoDB record is written only after the result object exists: a record always points
//    at a result that is there.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { DEFAULT_MAX_ROWS, csvToJson, decodeUtf8 } from './csv-to-json';

export { CorruptObjectError } from './csv-to-json';

/**
 * The `detail` of an S3 "Object Created" event on EventBridge
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html).
 *
 * About `object.key`: S3's *direct* notifications (to Lambda, SQS, SNS) URL-encode the key, a space
 * becoming '+' (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html:
 * "The object key name value is URL encoded"). The EventBridge page above says nothing about encoding, and
 * its example key (`example-key`) has no character that would be encoded; so this processor uses the key
 * as given. But AWS's own code disagrees: Powertools for AWS Lambda (Python) URL-decodes the EventBridge key
 * (`unquote_plus` in S3EventBridgeNotificationObject.key,
 * https://docs.aws.amazon.com/powertools/python/latest/api/utilities/data_classes/s3_event.html).
 * So when the key as given is not found, `readVersion` tries its URL-decoded form once. The version id
 * makes that safe (a version id names one version of one key), and a key that really holds a '+' or a
 * '%' is found on the first try. The prefix/suffix guard accepts either form for the same reason.
 */
export interface S3ObjectCreatedDetail {
  readonly version?: string;
  readonly bucket: { readonly name: string };
  readonly object: {
    readonly key: string;
    readonly size?: number;
    readonly etag?: string;
    readonly 'version-id'?: string;
    readonly sequencer?: string;
  };
  readonly reason?: string;
}

export type S3ObjectCreatedEvent = EventBridgeEvent<'Object Created', S3ObjectCreatedDetail>;

/** What one invocation did; the idempotency table stores it, and a duplicate event gets it back. */
export type ProcessResult =
  | {
      readonly status: 'processed';
      readonly bucket: string;
      readonly key: string;
      readonly versionId: string;
      readonly resultBucket: string;
      readonly resultKey: string;
      readonly rowCount: number;
      /** False when the record was already in the table (an earlier run wrote it): nothing was duplicated. */
      readonly recorded: boolean;
    }
  | {
      readonly status: 'skipped';
      readonly reason: string;
      readonly bucket: string;
      readonly key: string;
    };

/** Settings, from environment variables in Lambda (see {@link configFromEnv}). */
export interface ProcessorConfig {
  readonly resultsBucket: string;
  /** Prefix of every result key, e.g. `results/`. */
  readonly resultsPrefix: string;
  /** Only keys starting with this are processed, e.g. `uploads/`. */
  readonly uploadPrefix: string;
  /** Only keys ending with this are processed, e.g. `.csv`. */
  readonly uploadSuffix: string;
  readonly recordsTable: string;
  readonly idempotencyTable: string;
  readonly maxObjectBytes: number;
  /** Most data rows in one file (default {@link DEFAULT_MAX_ROWS}). */
  readonly maxRows?: number;
}

/** What the handler needs; tests pass clients pointed at local servers (s3rver, dynalite). */
export interface ProcessorDependencies {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly config: ProcessorConfig;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

export type ProcessorHandler = (event: S3ObjectCreatedEvent, context?: Context) => Promise<ProcessResult>;

/** Reads the configuration from environment variables; throws naming the variable that is missing or wrong. */
export function configFromEnv(env: NodeJS.ProcessEnv): ProcessorConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const maxObjectBytes = Number(required('MAX_OBJECT_BYTES'));
  if (!Number.isSafeInteger(maxObjectBytes) || maxObjectBytes < 1) {
    throw new Error(
      `environment variable MAX_OBJECT_BYTES must be a positive integer; received '${env.MAX_OBJECT_BYTES}'`,
    );
  }
  return {
    resultsBucket: required('RESULTS_BUCKET'),
    // Prefixes and suffix may legitimately be empty (the whole bucket, any file name).
    resultsPrefix: env.RESULTS_PREFIX ?? '',
    uploadPrefix: env.UPLOAD_PREFIX ?? '',
    uploadSuffix: env.UPLOAD_SUFFIX ?? '',
    recordsTable: required('RECORDS_TABLE'),
    idempotencyTable: required('IDEMPOTENCY_TABLE'),
    maxObjectBytes,
  };
}

/** The object version one event is about, as the idempotent part of the handler receives it. */
interface ObjectVersion {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly etag: string;
  readonly size?: number;
}

/** `a+b%C3%A9` -> `a bé`: the form encoding S3's direct notifications use; undefined when not decodable. */
function formDecoded(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Whether a GetObject error can mean "no such key". Without s3:ListBucket on the bucket, S3 answers a
 * missing key with 403 AccessDenied rather than 404 NoSuchKey, so both count.
 */
function mayBeMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    ['NoSuchKey', 'NoSuchVersion', 'AccessDenied'].includes(err.name ?? '') ||
    err.$metadata?.httpStatusCode === 404 ||
    err.$metadata?.httpStatusCode === 403
  );
}

/** Builds the handler over its dependencies. */
export function createHandler(deps: ProcessorDependencies): ProcessorHandler {
  const { config } = deps;
  const logger = deps.logger ?? new Logger({ serviceName: 's3-events-processor' });
  const now = deps.now ?? (() => new Date());
  const maxRows = config.maxRows ?? DEFAULT_MAX_ROWS;
  const documents = DynamoDBDocumentClient.from(deps.dynamodb);

  /** The bytes of exactly this version of `key`; refuses to read more than maxObjectBytes. */
  const readKey = async (object: ObjectVersion, key: string): Promise<Uint8Array> => {
    const out = await deps.s3.send(
      new GetObjectCommand({ Bucket: object.bucket, Key: key, VersionId: object.versionId }),
    );
    // The event's size was checked already; this covers an event without one.
    if (out.ContentLength !== undefined && out.ContentLength > config.maxObjectBytes) {
      // Drop the connection instead of reading a body this function refuses to hold in memory.
      (out.Body as unknown as { destroy?: () => void } | undefined)?.destroy?.();
      throw new Error(
        `s3://${object.bucket}/${key} is ${out.ContentLength} bytes, more than MAX_OBJECT_BYTES (${config.maxObjectBytes})`,
      );
    }
    if (!out.Body) throw new Error(`GetObject returned no body for s3://${object.bucket}/${key}`);
    return out.Body.transformToByteArray();
  };

  /** The key as the event gives it; if it is not found, its URL-decoded form (see S3ObjectCreatedDetail). */
  const readVersion = async (object: ObjectVersion): Promise<{ key: string; bytes: Uint8Array }> => {
    try {
      return { key: object.key, bytes: await readKey(object, object.key) };
    } catch (first) {
      const decoded = formDecoded(object.key);
      if (!mayBeMissing(first) || decoded === undefined || decoded === object.key) throw first;
      try {
        const bytes = await readKey(object, decoded);
        logger.warn('object found under the URL-decoded key of the event', {
          eventKey: object.key,
          key: decoded,
        });
        return { key: decoded, bytes };
      } catch (second) {
        // Neither form exists: the error about the key the event named is the one to report.
        if (mayBeMissing(second)) throw first;
        throw second;
      }
    }
  };

  /** Download, transform, write the result, then the record. Throws on any failure (Lambda retries). */
  const processVersion = async (object: ObjectVersion): Promise<ProcessResult> => {
    const { key, bytes } = await readVersion(object);
    const document = csvToJson(
      decodeUtf8(bytes),
      { bucket: object.bucket, key, versionId: object.versionId, etag: object.etag },
      maxRows,
    );
    const resultKey = `${config.resultsPrefix}${key}/${object.versionId}.json`;
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: config.resultsBucket,
        Key: resultKey,
        Body: JSON.stringify(document),
        ContentType: 'application/json',
      }),
    );

    let recorded = true;
    try {
      await documents.send(
        new PutCommand({
          TableName: config.recordsTable,
          Item: {
            objectKey: key,
            versionId: object.versionId,
            bucket: object.bucket,
            etag: object.etag,
            size: object.size ?? bytes.byteLength,
            rowCount: document.rows.length,
            columns: document.columns,
            resultBucket: config.resultsBucket,
            resultKey,
            processedAt: now().toISOString(),
          },
          // Idempotency's record expires; this one does not. If an event comes back after that (a replay
          // from an archive, a manual re-drive), the first record stays and the run still succeeds.
          ConditionExpression: 'attribute_not_exists(objectKey)',
        }),
      );
    } catch (e) {
      if (!(
        e instanceof ConditionalCheckFailedException ||
        (e as Error).name === 'ConditionalCheckFailedException'
      )) {
        throw e;
      }
      recorded = false;
      logger.info('record already present; result rewritten with identical content', {
        key,
        versionId: object.versionId,
      });
    }
    logger.info('object processed', {
      bucket: object.bucket,
      key,
      versionId: object.versionId,
      resultKey,
      rows: document.rows.length,
    });
    return {
      status: 'processed',
      bucket: object.bucket,
      key,
      versionId: object.versionId,
      resultBucket: config.resultsBucket,
      resultKey,
      rowCount: document.rows.length,
      recorded,
    };
  };

  const idempotencyConfig = new IdempotencyConfig({
    // One key per object version: the same upload delivered twice is one job, a new version is a new job.
    eventKeyJmesPath: '[bucket, key, versionId]',
    throwOnNoIdempotencyKey: true,
    // EventBridge retries delivery for up to 24 hours by default: remember a result at least that long.
    expiresAfterSeconds: 24 * 60 * 60,
  });
  const processOnce = makeIdempotent(processVersion, {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.idempotencyTable,
      awsSdkV3Client: deps.dynamodb,
    }),
    config: idempotencyConfig,
  });

  return async (event, context) => {
    if (context) {
      // Lets Powertools expire an INPROGRESS record when this invocation times out, so a retry after a
      // timeout is not refused as "already in progress"; and adds the request id to every log line.
      idempotencyConfig.registerLambdaContext(context);
      logger.addContext(context);
    }
    const detail = event.detail;
    const bucket = detail?.bucket?.name;
    const key = detail?.object?.key;
    if (event.source !== 'aws.s3' || event['detail-type'] !== 'Object Created' || !bucket || !key) {
      throw new Error(
        `not an S3 "Object Created" event with detail.bucket.name and detail.object.key (source '${event.source}', detail-type '${event['detail-type']}')`,
      );
    }
    const skip = (reason: string): ProcessResult => {
      logger.info('event skipped', { bucket, key, reason });
      return { status: 'skipped', reason, bucket, key };
    };

    if (bucket === config.resultsBucket) {
      return skip(
        `the bucket is the results bucket (${config.resultsBucket}): the processor never reads its own output`,
      );
    }
    const keys = [key, formDecoded(key) ?? key];
    if (!keys.some((k) => k.startsWith(config.uploadPrefix) && k.endsWith(config.uploadSuffix))) {
      return skip(
        `the key does not start with '${config.uploadPrefix}' and end with '${config.uploadSuffix}'`,
      );
    }
    const size = detail.object.size;
    if (size !== undefined && size > config.maxObjectBytes) {
      throw new Error(
        `s3://${bucket}/${key} is ${size} bytes, more than MAX_OBJECT_BYTES (${config.maxObjectBytes}); it was not downloaded`,
      );
    }
    const versionId = detail.object['version-id'];
    if (!versionId) {
      // Without versioning, the key's content can change between the event and the download, and results
      // of different uploads would overwrite each other.
      throw new Error(`the event has no detail.object.version-id: turn on versioning on bucket ${bucket}`);
    }

    // S3 keys are at most 1,024 bytes (UTF-8). A result key past that would fail on every try; say so now,
    // before downloading anything.
    const resultKeyBytes = Buffer.byteLength(`${config.resultsPrefix}${key}/${versionId}.json`, 'utf8');
    if (resultKeyBytes > 1024) {
      throw new Error(
        `s3://${bucket}/${key}: its result key would be ${resultKeyBytes} bytes, more than the 1,024 S3 allows; ` +
          'shorten the upload key (it was not downloaded)',
      );
    }

    try {
      return await processOnce({ bucket, key, versionId, etag: detail.object.etag ?? '', size });
    } catch (e) {
      logger.error('object not processed', { bucket, key, versionId, error: e as Error });
      throw e;
    }
  };
}

let cached: ProcessorHandler | undefined;

/** Lambda entry point: configuration and clients are created once per execution environment and reused. */
export async function handler(event: S3ObjectCreatedEvent, context: Context): Promise<ProcessResult> {
  cached ??= createHandler({
    s3: new S3Client({}),
    dynamodb: new DynamoDBClient({}),
    config: configFromEnv(process.env),
  });
  return cached(event, context);
}
