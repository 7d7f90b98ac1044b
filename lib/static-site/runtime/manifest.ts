/*
 * What the invalidation custom resource and the construct that builds it share, without the AWS SDK the
 * handler needs (the construct runs at synth, where the SDK need not be installed).
 */

/** Site path (`/docs/index.html`) to content hash. */
export type Manifest = Record<string, string>;

/** The manifest key that stands for "every path" when a site has too many files to list. */
export const EVERY_PATH = '/*';
