import * as fs from 'fs';
import * as path from 'path';

/**
 * The file esbuild bundles (see bundled-code.ts) for the Lambda handler `<patternDir>/runtime/<name>`.
 *
 * From the TypeScript sources (this repository's `cdk synth`, tsx, jest with swc) that is `runtime/<name>.ts`.
 * The published package ships only the compiled JavaScript (`dist/lib/<pattern>/runtime/<name>.js`, see
 * `files` in package.json), so there the `.js` beside the compiled construct is bundled. Either way esbuild
 * bundles the same handler code; an app that installs the package needs `esbuild` for that.
 *
 * @param patternDir the folder of the construct (`__dirname` of its module)
 * @param name the handler file name without extension, e.g. `consumer`
 */
export function runtimeEntry(patternDir: string, name: string): string {
  const candidates = ['.ts', '.js'].map((ext) => path.join(patternDir, 'runtime', `${name}${ext}`));
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) {
    throw new Error(
      `Lambda handler runtime/${name} not found: looked for ${candidates.join(' and ')}. ` +
        'A package built with `npm run build` ships the .js; the sources have the .ts.',
    );
  }
  return found;
}
