import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AssetHashType, DockerImage, ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { PropValidationError } from './errors';

/** File types esbuild bundles as a Lambda entry point. */
const ENTRY_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/**
 * The code of a Node.js Lambda function: `entry` and everything it imports, bundled by esbuild into one
 * CommonJS `index.js`, the AWS SDK for JavaScript v3 left out (every Node.js runtime from 18 includes
 * it). The function's handler is then `index.<exported name>`.
 *
 * This is what `NodejsFunction` does with its defaults, run in this process through esbuild's API
 * instead of `npx --no-install esbuild` in a shell: NodejsFunction spends about 0.7 s per function per
 * synth starting npm, against about 20 ms here. Like NodejsFunction, it needs `esbuild` installed where
 * the app runs (this repository has it; an app using the package adds it as a dev dependency), and it
 * writes the bundle to the cloud assembly, hashed by its content.
 *
 * @param construct the construct name for errors, e.g. `SnsSqsFanout`
 * @param prop the prop that gave the entry, e.g. `subscribers[0].consumer.entry`
 * @param entry path of the handler file (TypeScript or JavaScript)
 * @param runtime the function's runtime; its Node.js version is esbuild's target
 */
export function bundledNodejsCode(
  construct: string,
  prop: string,
  entry: string,
  runtime: lambda.Runtime,
): lambda.AssetCode {
  validateHandlerEntry(construct, prop, entry);
  const target = nodeTarget(runtime);
  const local: ILocalBundling = {
    tryBundle(outputDir: string): boolean {
      esbuild().buildSync({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target,
        outfile: path.join(outputDir, 'index.js'),
        external: ['@aws-sdk/*'],
        logLevel: 'warning',
      });
      return true;
    },
  };
  return lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      local,
      // Never pulled: local bundling always succeeds or throws. The CDK requires an image to be named.
      image: DockerImage.fromRegistry('esbuild-runs-locally'),
      // Never run either (it would be the image's command), but it names what is bundled. aws-cdk-lib stages
      // an asset once per app for each distinct set of props, compared as JSON, in which `local` (a function)
      // does not appear: without the entry here, two entries of one folder would share the first one's
      // bundle, and the second function would silently run the first one's code (found by an outside
      // review of the S3 upload route; test/core/bundled-code.test.ts).
      command: ['esbuild', path.basename(entry), `--target=${target}`],
    },
  });
}

/** Throws a PropValidationError unless `entry` is an existing TypeScript or JavaScript file. */
export function validateHandlerEntry(construct: string, prop: string, entry: string): void {
  const extension = path.extname(entry);
  if (!ENTRY_EXTENSIONS.includes(extension)) {
    throw new PropValidationError(
      construct,
      prop,
      `must be a ${ENTRY_EXTENSIONS.join(', ')} file (the handler esbuild bundles); received '${entry}'.`,
    );
  }
  if (!fs.existsSync(entry) || !fs.statSync(entry).isFile()) {
    throw new PropValidationError(construct, prop, `must be an existing file; received '${entry}'.`);
  }
}

/** esbuild's target for a Node.js runtime: `nodejs24.x` -> `node24`. */
function nodeTarget(runtime: lambda.Runtime): string {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  if (!match) throw new Error(`bundledNodejsCode: ${runtime.name} is not a Node.js runtime`);
  return `node${match[1]}`;
}

function esbuild(): typeof import('esbuild') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('esbuild');
  } catch (e) {
    throw new Error(
      'Bundling a Lambda handler needs esbuild where the CDK app runs: `npm install --save-dev esbuild`. ' +
        `(${(e as Error).message.split('\n')[0]})`,
    );
  }
}

/**
 * `entry` bundled like {@link bundledNodejsCode}, written as `index.js` into a folder of its own, for
 * the `codeDirectory` of aws-cdk-lib's `CustomResourceProvider` (which takes a folder, not an asset), or
 * for a program an EC2 instance downloads (with `bundleAwsSdk`: no runtime provides the SDK there).
 * The folder is named after the bundle's content, in the OS temporary folder, so a synth reuses it and
 * two different handlers never share one.
 */
export function bundledNodejsDirectory(
  entry: string,
  runtime: lambda.Runtime | string,
  options: { readonly bundleAwsSdk?: boolean } = {},
): string {
  const runtimeName = typeof runtime === 'string' ? runtime : runtime.name;
  // Once per process and entry: the sources do not change during a synth, and a bundle with the AWS SDK
  // takes esbuild about 0.35 s (every QueueWorkerFleet, every property case would pay it again).
  const key = JSON.stringify([entry, runtimeName, options.bundleAwsSdk ?? false]);
  const known = bundledDirectories.get(key);
  if (known !== undefined && fs.existsSync(path.join(known, 'index.js'))) return known;
  const result = esbuild().buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: nodeTarget({ name: runtimeName } as lambda.Runtime),
    // Lambda's Node.js runtimes include the AWS SDK v3; an EC2 instance has none (bundleAwsSdk).
    external: options.bundleAwsSdk ? [] : ['@aws-sdk/*'],
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].contents;
  const hash = crypto.createHash('sha256').update(code).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `refarch-bundle-${hash}`);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    fs.mkdirSync(dir, { recursive: true });
    // Written beside and renamed: parallel synths (jest workers) never read a half-written file.
    const partial = path.join(dir, `index.js.${process.pid}`);
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, path.join(dir, 'index.js'));
  }
  bundledDirectories.set(key, dir);
  return dir;
}

/** {@link bundledNodejsDirectory}'s bundles of this process, by entry, runtime and options. */
const bundledDirectories = new Map<string, string>();
