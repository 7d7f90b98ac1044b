import * as fs from 'fs';
import * as path from 'path';

const RUNTIME_DIR = path.join(__dirname, 'runtime');

/**
 * The JavaScript of runtime/web-app.ts, as the instance runs it.
 *
 * From the published package (dist/) the compiler has already written `web-app.js` beside this file.
 * From the TypeScript sources (tsx, ts-jest), the same file is transpiled here with TypeScript's own
 * compiler, which is always installed where TypeScript sources run. Either way the instance gets
 * CommonJS for the Node.js of Amazon Linux 2023, and the file tested in test/three-tier-web-app is the
 * file that ships.
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
  const typescript: typeof import('typescript') = require('typescript');
  return typescript.transpileModule(ts, {
    compilerOptions: {
      module: typescript.ModuleKind.CommonJS,
      target: typescript.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  }).outputText;
}
