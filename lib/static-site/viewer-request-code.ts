import * as fs from 'fs';
import * as path from 'path';

/** The token in runtime/viewer-request.js that stands for the single-page-app flag. */
const SINGLE_PAGE_APP_PLACEHOLDER = '__SINGLE_PAGE_APP__';

/** Options of {@link viewerRequestFunctionCode}. */
export interface ViewerRequestCodeOptions {
  /**
   * Whether the site is a single-page app: extensionless paths are then client-side routes, left for the
   * distribution's error responses to answer with /index.html, instead of directories whose index.html
   * the function requests.
   */
  readonly singlePageApp: boolean;
}

/**
 * The source of the viewer-request CloudFront Function (runtime cloudfront-js-2.0) of the static site, with
 * the single-page-app flag written in, for `cloudfront.FunctionCode.fromInline`.
 *
 * The function is runtime/viewer-request.js, plain JavaScript as CloudFront runs it (TypeScript would
 * compile it to code the runtime does not accept, such as a CommonJS preamble). From the sources it is read
 * beside this file; in the published package `npm run build` copies it to dist/lib/static-site/runtime/.
 * test/static-site/viewer-request.test.ts runs and checks the string this returns, not the template.
 */
export function viewerRequestFunctionCode(options: ViewerRequestCodeOptions): string {
  if (typeof options.singlePageApp !== 'boolean') {
    throw new TypeError(
      `viewerRequestFunctionCode: singlePageApp must be a boolean, got ${options.singlePageApp}`,
    );
  }
  const file = path.join(__dirname, 'runtime', 'viewer-request.js');
  const parts = fs.readFileSync(file, 'utf8').split(SINGLE_PAGE_APP_PLACEHOLDER);
  if (parts.length !== 2) {
    throw new Error(
      `${file} must hold ${SINGLE_PAGE_APP_PLACEHOLDER} exactly once, found it ${parts.length - 1} times`,
    );
  }
  return parts.join(String(options.singlePageApp));
}
