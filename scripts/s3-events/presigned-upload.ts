// An upload through a pre-signed URL: the signer (who has AWS credentials) creates the URL; whoever holds
// it uploads with a plain HTTP PUT and no credentials at all. Used by `npm run upload` (scripts/upload.ts)
// and tested against s3rver in test/s3-events/presigned-upload.test.ts.
import * as path from 'path';
import { UsageError } from './cli';

// Signing is shared with the upload-URL route's function (lib/s3-events/runtime/upload-url.ts).
export { presignUpload, presigningClient } from '../../lib/s3-events/runtime/presign';
export type { PresignUploadInput } from '../../lib/s3-events/runtime/presign';

/** The longest object key S3 takes, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/**
 * S3's "safe" key characters. Others (spaces, `+`, `%`, non-ASCII) are URL-encoded differently by the
 * services that pass the key along (see S3ObjectCreatedDetail in runtime/processor.ts): refused here.
 */
const SAFE_NAME = /^[A-Za-z0-9!\-_.*'()/]+$/;

/**
 * The object key of an upload: `<prefix><name>`, where `name` is `--key` or the file's base name. Refuses
 * names the pipeline would not process (wrong suffix) and names S3 or EventBridge would read differently.
 */
export function uploadKey(prefix: string, name: string, suffix: string): string {
  const option = `--key (or the file name) '${name}'`;
  if (name === '') throw new UsageError('--key must not be empty');
  if (!SAFE_NAME.test(name)) {
    throw new UsageError(
      `${option} may hold only letters, digits, / and !-_.*'() (S3's safe key characters)`,
    );
  }
  if (name.startsWith('/') || name.includes('//') || name.split('/').some((s) => s === '.' || s === '..')) {
    throw new UsageError(`${option} must not start with /, hold //, or a . or .. segment`);
  }
  if (!name.endsWith(suffix)) {
    throw new UsageError(`${option} does not end with '${suffix}': the pipeline would not process it`);
  }
  const key = `${prefix}${name}`;
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new UsageError(`the key ${key} is longer than S3's ${MAX_KEY_BYTES} bytes`);
  }
  return key;
}

/** The default object name: the file's base name. */
export function defaultName(file: string): string {
  return path.basename(file);
}

/** Refuses a file the processor would refuse anyway (MAX_OBJECT_BYTES), before anything is uploaded. */
export function checkSize(file: string, size: number, maxObjectBytes: number): void {
  if (size > maxObjectBytes) {
    throw new UsageError(
      `${file} is ${size} bytes, more than the pipeline's limit of ${maxObjectBytes} bytes ` +
        "(the processor's MAX_OBJECT_BYTES): it would fail without being read",
    );
  }
}

export interface UploadResponse {
  /** `x-amz-version-id`: absent when the bucket is not versioned. */
  readonly versionId?: string;
  readonly etag?: string;
}

/** PUTs the body through a pre-signed URL with plain fetch: no AWS SDK, no credentials. */
export async function uploadThroughUrl(url: string, body: Uint8Array): Promise<UploadResponse> {
  const response = await fetch(url, { method: 'PUT', body });
  if (!response.ok) {
    const xml = await response.text();
    const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
    throw new Error(
      `S3 refused the upload: ${response.status} ${response.statusText}` +
        (code ? ` ${code}` : '') +
        (message ? `: ${message}` : ''),
    );
  }
  const versionId = response.headers.get('x-amz-version-id') ?? undefined;
  const etag = response.headers.get('etag') ?? undefined;
  return { ...(versionId ? { versionId } : {}), ...(etag ? { etag } : {}) };
}

/** Where the processor writes the result of one version (runtime/processor.ts: `<prefix><key>/<versionId>.json`). */
export function resultLocation(
  resultsBucket: string,
  resultsPrefix: string,
  key: string,
  versionId: string,
): string {
  return `s3://${resultsBucket}/${resultsPrefix}${key}/${versionId}.json`;
}
