// Part of `npm run build`: copies into dist/ the files tsc does not emit but the package needs at run time.
// - lib/**/runtime/*.js: code that runs as written (the static site's CloudFront Function, cloudfront-js-2.0;
//   compiling it would add a CommonJS preamble the runtime refuses), copied byte for byte;
// - lib/static-site/sample-site/: the site the StaticSite demo stack publishes (SAMPLE_SITE_PATH).
import * as fs from 'node:fs';
import * as path from 'node:path';

const files = fs.readdirSync('lib', { recursive: true }).map(String);
for (const file of files) {
  const inRuntime = file.endsWith('.js') && path.basename(path.dirname(file)) === 'runtime';
  const inSampleSite =
    file.split(path.sep).includes('sample-site') && fs.statSync(path.join('lib', file)).isFile();
  if (!inRuntime && !inSampleSite) continue;
  const to = path.join('dist', 'lib', file);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join('lib', file), to);
}
