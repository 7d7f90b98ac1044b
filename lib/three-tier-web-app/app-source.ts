import * as fs from 'fs';
import * as path from 'path';

const RUNTIME_DIR = path.join(__dirname, 'runtime');

/**
 * The JavaScript of runtime/web-app.ts, as the instance runs it.
 *
 * From the published package (dist/) the compiler has already written `web-app.js` beside this file.
 * From the TypeScript sources (tsx, jest with swc), the same file is transpiled here with esbuild, which this
 * repository installs for Lambda bundling (0.15 s; TypeScript's own transpiler took 0.7 s of every
 * synth, mostly to load the compiler). Either way the instance gets CommonJS for the Node.js of Amazon
 * Linux 2023, and the file tested in test/three-tier-web-app is the file that ships.
 */
export function webAppSource(): string {
  const compiled = path.join(RUNTIME_DIR, 'web-app.js');
  const source = fs.existsSync(compiled)
    ? fs.readFileSync(compiled, 'utf8')
    : transpile(fs.readFileSync(path.join(RUNTIME_DIR, 'web-app.ts'), 'utf8'));
  return source.replace(/^\/\/# sourceMappingURL=.*$/m, '').trimEnd() + '\n';
}

function transpile(ts: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild: typeof import('esbuild') = require('esbuild');
  return esbuild.transformSync(ts, { loader: 'ts', format: 'cjs', target: 'es2022' }).code;
}
