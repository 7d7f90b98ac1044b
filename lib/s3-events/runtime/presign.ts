// Pre-signing a PutObject URL, shared by `npm run upload` (scripts/upload.ts, the signer is you) and the
// upload-URL route's function (runtime/upload-url.ts, the signer is the function's role). Runtime code:
// never imports aws-cdk-lib, and the construct never imports it (the AWS SDK is provided by the Lambda
// runtime and is a development dependency here, so nothing the package loads at synth may need it).
import { PutObjectCommand, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/**
 * An S3 client for signing. `requestChecksumCalculation: 'WHEN_REQUIRED'`: otherwise the SDK puts a
 * checksum of the (empty) body it signs into the URL, and S3 refuses the real body.
 */
export function presigningClient(config: S3ClientConfig): S3Client {
  return new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED', ...config });
}

export interface PresignUploadInput {
  readonly bucket: string;
  readonly key: string;
  /** The exact size of the body: signed (`content-length` is a signed header), so S3 refuses any other. */
  readonly contentLength: number;
  readonly expiresSeconds: number;
  /** The signing time (X-Amz-Date); the URL expires `expiresSeconds` after it. Default: now. */
  readonly signingDate?: Date;
}

/** A pre-signed PutObject URL for exactly this key and body length. */
export async function presignUpload(s3: S3Client, input: PresignUploadInput): Promise<string> {
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({ Bucket: input.bucket, Key: input.key, ContentLength: input.contentLength }),
    {
      expiresIn: input.expiresSeconds,
      signableHeaders: new Set(['content-length']),
      ...(input.signingDate ? { signingDate: input.signingDate } : {}),
    },
  );
  const signed = new URL(url).searchParams.get('X-Amz-SignedHeaders') ?? '';
  if (!signed.split(';').includes('content-length')) {
    throw new Error(`the pre-signed URL does not sign content-length (signed headers: '${signed}')`);
  }
  return url;
}
