// The upload-URL route (UploadUrlRoute): POST {"fileName": "orders.csv", "size": 1234} with a Cognito token
// -> a pre-signed PUT URL for `<upload prefix><caller's sub>/orders.csv`, valid for URL_EXPIRY_SECONDS and
// for exactly `size` bytes. The browser then PUTs the file straight to S3: the bytes never pass through
// API Gateway (10 MB payload limit) or Lambda (6 MB), and nobody gets AWS credentials (001 L2008-2014,
// L2105-2116). Runtime code: never imports aws-cdk-lib.
//
// What the URL allows is decided here, not by the caller:
// - the key: the caller names only the file; its folder is their Cognito `sub`, so a user can never
//   overwrite (or name) another user's upload;
// - the size: `content-length` is a signed header, so S3 refuses a body of any other length, and a size
//   above MAX_OBJECT_BYTES (the processor's limit) gets no URL at all;
// - the lifetime: URL_EXPIRY_SECONDS. A URL signed with temporary credentials (this function's role) also
//   stops working when those credentials expire, whichever comes first (see the README).
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  allowedOriginsFromEnv,
  callerSub,
  HttpError,
  jsonApiHandler,
  jsonObjectBody,
} from '../../core/runtime/http-api';
import { FILE_NAME_PATTERN, MAX_FILE_NAME_LENGTH, userUploadKey } from '../upload-file-names';
import { presignUpload, presigningClient } from './presign';

/** What the function is configured with (its environment). */
export interface UploadUrlSettings {
  readonly bucket: string;
  readonly uploadPrefix: string;
  readonly uploadSuffix: string;
  readonly maxObjectBytes: number;
  readonly expiresSeconds: number;
}

/** What the caller asks for. */
export interface UploadUrlRequest {
  readonly fileName: string;
  readonly size: number;
}

/** What the caller gets: where and how to PUT the file, and until when. */
export interface UploadUrlResponse {
  readonly uploadUrl: string;
  readonly method: 'PUT';
  /** Send exactly these headers (the URL signs them). */
  readonly headers: { readonly 'Content-Length': string };
  readonly key: string;
  readonly expiresAt: string;
}

/** The longest a SigV4 pre-signed URL is valid: 7 days. */
export const MAX_EXPIRES_SECONDS = 604800;

/** A Cognito user pool `sub`: a UUID. Anything else is not a user id this route will make a folder of. */
const SUB = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Validates the request body; throws HttpError(400) naming the field that is wrong and what is allowed. */
export function parseUploadRequest(raw: string | null, settings: UploadUrlSettings): UploadUrlRequest {
  const o = jsonObjectBody(raw, 'with "fileName" and "size"');
  const unknownFields = Object.keys(o).filter((k) => k !== 'fileName' && k !== 'size');
  if (unknownFields.length > 0) {
    throw new HttpError(400, `unknown field(s): ${unknownFields.join(', ')}; allowed: fileName, size`);
  }
  const { fileName, size } = o;
  if (
    typeof fileName !== 'string' ||
    fileName.length > MAX_FILE_NAME_LENGTH ||
    !new RegExp(FILE_NAME_PATTERN).test(fileName) ||
    !fileName.endsWith(settings.uploadSuffix) ||
    fileName === settings.uploadSuffix
  ) {
    throw new HttpError(
      400,
      `field 'fileName' must be at most ${MAX_FILE_NAME_LENGTH} letters, digits, '.', '_' or '-', start with a ` +
        `letter or digit and end with '${settings.uploadSuffix}'; received ${JSON.stringify(fileName)}`,
    );
  }
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > settings.maxObjectBytes) {
    throw new HttpError(
      400,
      `field 'size' must be the file's size in bytes, a whole number from 1 to ${settings.maxObjectBytes} ` +
        `(the pipeline's limit); received ${JSON.stringify(size)}`,
    );
  }
  return { fileName, size };
}

/**
 * When S3 stops accepting the URL: its signing time (`X-Amz-Date`, to the second, with any clock-skew
 * correction the SDK applied) plus `X-Amz-Expires`.
 */
export function expiryOf(url: string): Date {
  const q = new URL(url).searchParams;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date') ?? '');
  const seconds = Number(q.get('X-Amz-Expires'));
  if (!m || !Number.isInteger(seconds))
    throw new Error('the pre-signed URL has no X-Amz-Date or X-Amz-Expires');
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + seconds * 1000);
}

/** What the handler needs; tests pass a client pointed at a local S3-compatible server. */
export interface UploadUrlDependencies {
  readonly s3: S3Client;
  readonly settings: UploadUrlSettings;
  readonly allowedOrigins: readonly string[];
  readonly now?: () => Date;
}

export function createHandler(
  deps: UploadUrlDependencies,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const now = deps.now ?? (() => new Date());
  const { settings } = deps;
  return jsonApiHandler(deps.allowedOrigins, async (event) => {
    const userId = callerSub(event);
    if (!SUB.test(userId)) throw new HttpError(403, 'the caller is not a user of the user pool');
    if (event.httpMethod !== 'POST') throw new HttpError(405, `${event.httpMethod} is not allowed; use POST`);
    const request = parseUploadRequest(event.body, settings);
    const key = userUploadKey(settings.uploadPrefix, userId, request.fileName);
    const uploadUrl = await presignUpload(deps.s3, {
      bucket: settings.bucket,
      key,
      contentLength: request.size,
      expiresSeconds: settings.expiresSeconds,
      signingDate: now(),
    });
    const body: UploadUrlResponse = {
      uploadUrl,
      method: 'PUT',
      headers: { 'Content-Length': String(request.size) },
      key,
      expiresAt: expiryOf(uploadUrl).toISOString(),
    };
    return { statusCode: 200, body };
  });
}

/** The settings from the function's environment; a missing or malformed one is a deployment bug. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): UploadUrlSettings {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const positive = (name: string, max = Number.MAX_SAFE_INTEGER): number => {
    const n = Number(required(name));
    if (!Number.isInteger(n) || n < 1 || n > max) {
      const bound = max < Number.MAX_SAFE_INTEGER ? ` of at most ${max}` : '';
      throw new Error(`environment variable ${name} must be a positive integer${bound}`);
    }
    return n;
  };
  return {
    bucket: required('UPLOAD_BUCKET'),
    uploadPrefix: required('UPLOAD_PREFIX'),
    uploadSuffix: required('UPLOAD_SUFFIX'),
    maxObjectBytes: positive('MAX_OBJECT_BYTES'),
    // SigV4's longest: the SDK refuses to sign beyond 7 days, which would make every request a 500.
    expiresSeconds: positive('URL_EXPIRY_SECONDS', MAX_EXPIRES_SECONDS),
  };
}

let cached: ((event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>) | undefined;

/** Lambda entry point: the client is created once per execution environment and reused (002 L1429). */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  cached ??= createHandler({
    s3: presigningClient({}),
    settings: settingsFromEnv(process.env),
    allowedOrigins: allowedOriginsFromEnv(process.env.ALLOWED_ORIGINS),
  });
  return cached(event);
}
