// The file names the upload-URL route accepts, shared by the construct (the API Gateway request model) and
// the route's function (runtime/upload-url.ts, which checks again): one definition, so the two never
// disagree. No AWS SDK import here: the construct loads this module at synth.

/** Longest file name the route accepts (the key is `<upload prefix><user id>/<file name>`). */
export const MAX_FILE_NAME_LENGTH = 200;

/**
 * A file name: letters, digits, `.`, `_` and `-`, starting with a letter or digit; no `/` (every upload
 * lands directly in its user's folder) and none of the characters S3, EventBridge or a URL would encode
 * differently (see S3ObjectCreatedDetail in runtime/processor.ts). The suffix is checked separately.
 */
export const FILE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

/** The object key of a user's upload: each user writes only under their own folder of the prefix. */
export function userUploadKey(uploadPrefix: string, userId: string, fileName: string): string {
  return `${uploadPrefix}${userId}/${fileName}`;
}
