// The published package, as another CDK app sees it: `npm pack` (its prepack script runs `npm run build`),
// the tarball installed into a fresh directory, and a plain-JavaScript CDK app that requires the package
// and synthesizes two patterns from it with bundling on.
//
// Run with `npm run test:package` (jest.package.config.js); `npm run jest` leaves it out because the
// TypeScript build takes 20-40 s on two cores.
//
// Installing: `npm install --prefer-offline` of the tarball (peer dependencies not installed, scripts not
// run). The package's own dependencies (the libraries its Lambda handlers bundle: Powertools, csv-parse)
// come from npm's cache, which `npm ci` filled, and their metadata from the registry `npm ci` reached
// (`--offline` fails: `npm ci` caches tarballs, not the registry documents a name-based install reads).
// aws-cdk-lib, constructs and esbuild are then symlinked from this repository's node_modules: installing them again would copy
// hundreds of megabytes (aws-cdk-lib) or reach the registry. Node resolves a symlink to its real path, so
// the app and the package share one aws-cdk-lib, as they would in a real install.
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { viewerRequestFunctionCode } from '../../lib/static-site/viewer-request-code';

const ROOT = path.join(__dirname, '..', '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
};
/** What the app needs beside the package: its peer dependencies and esbuild, which bundles the handlers. */
const LINKED = [...Object.keys(PKG.peerDependencies), 'esbuild'];

let tmp: string;
let packed: string[];
let appDir: string;
let installed: string;
let outdir: string;
let appOutput: string;
const timings: Record<string, number> = {};

function run(cmd: string, args: string[], options: SpawnSyncOptions & { cwd: string }): string {
  const started = Date.now();
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const key = `${cmd} ${args[0]}`;
  timings[key] = (timings[key] ?? 0) + Date.now() - started;
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${options.cwd}) exited with ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return String(result.stdout);
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-package-'));
  const packDir = path.join(tmp, 'pack');
  fs.mkdirSync(packDir);
  run('npm', ['pack', '--pack-destination', packDir, '--loglevel=error'], { cwd: ROOT });
  const tarballs = fs.readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  expect(tarballs).toEqual([`${PKG.name}-${PKG.version}.tgz`]);
  const tarball = path.join(packDir, tarballs[0]);
  packed = run('tar', ['-tzf', tarball], { cwd: tmp })
    .split('\n')
    .filter((line) => line && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));

  appDir = path.join(tmp, 'app');
  fs.mkdirSync(appDir);
  fs.writeFileSync(
    path.join(appDir, 'package.json'),
    JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }, null, 2),
  );
  // --legacy-peer-deps: leave aws-cdk-lib and constructs to the links below.
  run(
    'npm',
    [
      'install',
      tarball,
      '--prefer-offline',
      '--legacy-peer-deps',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { cwd: appDir },
  );
  installed = path.join(appDir, 'node_modules', PKG.name);
  for (const name of LINKED) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(appDir, 'node_modules', name), 'dir');
  }

  fs.copyFileSync(path.join(__dirname, 'consumer-app.cjs'), path.join(appDir, 'app.cjs'));
  outdir = path.join(appDir, 'cdk.out');
  appOutput = run('node', ['app.cjs', outdir], {
    cwd: appDir,
    // The CloudFormation validator built into aws-cdk-lib is off: it adds about 11 s to this app, and
    // `npm run synth:all` runs it over every pattern with every gate.
    env: { ...process.env, CDK_VALIDATION: 'false' },
  });
}, 240_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`package test timings (ms): ${JSON.stringify(timings)}`);
});

describe('the tarball', () => {
  test('has the entry point, its type declarations and every public module in both forms', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/lib/index.js']));
    const js = packed.filter((f) => f.endsWith('.js') && !f.includes('/runtime/'));
    expect(js.length).toBeGreaterThan(20);
    for (const file of js) expect(packed).toContain(file.replace(/\.js$/, '.d.ts'));
    const main = path.join(installed, 'package.json');
    const manifest = JSON.parse(fs.readFileSync(main, 'utf8'));
    expect(packed).toContain(manifest.main);
    expect(packed).toContain(manifest.types);
  });

  test('ships the compiled Lambda handlers and the three-tier app source', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'dist/lib/sns-sqs-fanout/runtime/consumer.js',
        'dist/lib/kinesis-pipeline/runtime/consumer.js',
        'dist/lib/cognito-api/runtime/notes.js',
        'dist/lib/three-tier-web-app/runtime/web-app.js',
      ]),
    );
  });

  test('ships the static site CloudFront Function as written (plain JavaScript, copied by the build)', () => {
    // tsc compiles only lib/**/*.ts; `npm run build` copies lib/**/runtime/*.js, which CloudFront runs as is.
    const file = 'dist/lib/static-site/runtime/viewer-request.js';
    expect(packed).toContain(file);
    expect(fs.readFileSync(path.join(installed, file), 'utf8')).toBe(
      fs.readFileSync(path.join(ROOT, 'lib', 'static-site', 'runtime', 'viewer-request.js'), 'utf8'),
    );
  });

  test('ships every README and the generated reports the README links to', () => {
    const readmes = fs
      .readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /(^|\/)README[^/]*\.md$/.test(f))
      .map((f) => `lib/${f}`);
    expect(readmes.length).toBeGreaterThanOrEqual(5);
    expect(packed).toEqual(
      expect.arrayContaining([...readmes, 'docs/COMPLIANCE.md', 'docs/COST.md', 'docs/PERMISSIONS.md']),
    );
  });

  test('holds no code of the AGPL-licensed policy simulator, which only the tests use', () => {
    const mentions = packed
      .filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))
      .filter((f) => fs.readFileSync(path.join(installed, f), 'utf8').includes('@cloud-copilot/'));
    expect(mentions).toEqual([]);
    expect(() => require.resolve('@cloud-copilot/iam-simulate', { paths: [installed] })).toThrow();
  });

  test('holds no tests, no TypeScript sources, no synth output and no build leftovers', () => {
    const unwanted = packed.filter(
      (f) =>
        /(^|\/)(test|__snapshots__|cdk\.out|node_modules|coverage|\.bench|\.exp)\//.test(f) ||
        /\.test\.(js|ts|d\.ts)$/.test(f) ||
        (/\.ts$/.test(f) && !f.endsWith('.d.ts')) ||
        /\.(map|tsbuildinfo|tgz)$/.test(f) ||
        /^(bin|scripts|lib\/.*\.(js|ts))/.test(f),
    );
    expect(unwanted).toEqual([]);
    // Handler type declarations would import @types/aws-lambda, which the package does not depend on;
    // compliance-gates needs cdk-nag and the guard validator, development dependencies of this repository.
    expect(packed.filter((f) => /\/runtime\/.*\.d\.ts$/.test(f) || f.includes('compliance-gates'))).toEqual(
      [],
    );
  });
});

describe('an app that installs the tarball', () => {
  test('loads every shipped module with only the peer dependencies installed', () => {
    // Handlers are excluded: they run in Lambda (which provides @aws-sdk) or on the instance (pg).
    const modules = packed.filter((f) => f.endsWith('.js') && !f.includes('/runtime/'));
    const script = `for (const m of ${JSON.stringify(modules)}) require('${PKG.name}/' + m);`;
    run('node', ['-e', script], { cwd: appDir });
  });

  test('gets the viewer-request CloudFront Function code from the installed package', () => {
    // viewer-request-code.js reads runtime/viewer-request.js beside it: the code must be the one the
    // sources produce (and test/static-site checks), for both values of the flag.
    const script =
      `const { viewerRequestFunctionCode } = require('${PKG.name}/dist/lib/static-site/viewer-request-code.js');` +
      `process.stdout.write(JSON.stringify([false, true].map((singlePageApp) => ` +
      `viewerRequestFunctionCode({ singlePageApp }))));`;
    const [site, spa] = JSON.parse(run('node', ['-e', script], { cwd: appDir })) as string[];
    expect(site).toBe(viewerRequestFunctionCode({ singlePageApp: false }));
    expect(spa).toBe(viewerRequestFunctionCode({ singlePageApp: true }));
    expect(spa).toContain('const SINGLE_PAGE_APP = true;');
    expect(spa).toMatch(/^function handler\(event\) \{$/m);
  });

  test('synthesizes SnsSqsFanout with its Lambda consumer bundled from the installed package', () => {
    const { demoConsumerEntry } = JSON.parse(appOutput.trim().split('\n').pop() as string);
    // The entry resolves to the compiled handler inside the installed package, not to this repository.
    expect(demoConsumerEntry).toBe(
      path.join(installed, 'dist', 'lib', 'sns-sqs-fanout', 'runtime', 'consumer.js'),
    );

    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Orders.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    const count = (type: string) => types.filter((t) => t === type).length;
    // The fan-out topic (and the alarm topic), one subscription and queue (plus dead-letter queues) per
    // subscriber, one event source mapping for the one consumer.
    expect(count('AWS::SNS::Topic')).toBeGreaterThanOrEqual(1);
    expect(count('AWS::SNS::Subscription')).toBe(2);
    expect(count('AWS::SQS::Queue')).toBeGreaterThanOrEqual(4);
    expect(count('AWS::Lambda::EventSourceMapping')).toBe(1);
    const functions = Object.values(
      template.Resources as Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>,
    ).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(1);

    // The asset directory esbuild wrote (cdk.out/asset.<hash>, the S3 key is <hash>.zip): one bundled
    // index.js with the handler in it.
    const hash = functions[0].Properties.Code.S3Key.replace(/\.zip$/, '');
    const assets = JSON.parse(fs.readFileSync(path.join(outdir, 'Orders.assets.json'), 'utf8'));
    const assetDir = path.join(outdir, assets.files[hash].source.path);
    expect(fs.readdirSync(assetDir)).toContain('index.js');
    const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    expect(bundle).toMatch(/batchItemFailures/);
    expect(bundle).not.toMatch(/require\(["']aws-cdk-lib/);
  });

  test('type-checks a TypeScript app against the shipped declarations', () => {
    // The app's own compiler and Node types, linked like the peer dependencies; the package's .d.ts files
    // are what tsc reads for 'aws-reference-architectures-cdk' (skipLibCheck only spares aws-cdk-lib).
    fs.symlinkSync(
      path.join(ROOT, 'node_modules', 'typescript'),
      path.join(appDir, 'node_modules', 'typescript'),
      'dir',
    );
    fs.mkdirSync(path.join(appDir, 'node_modules', '@types'), { recursive: true });
    fs.symlinkSync(
      path.join(ROOT, 'node_modules', '@types', 'node'),
      path.join(appDir, 'node_modules', '@types', 'node'),
      'dir',
    );
    fs.copyFileSync(path.join(__dirname, 'consumer-types.ts'), path.join(appDir, 'app.ts'));
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: ['app.ts'],
    };
    fs.writeFileSync(path.join(appDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    // --listFiles: tsc prints every file it read, so the test can see it read the package's declarations.
    const tsc = path.join(appDir, 'node_modules', 'typescript', 'bin', 'tsc');
    const listed = run('node', [tsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: appDir });
    expect(listed).toContain(path.join(installed, 'dist', 'lib', 'index.d.ts'));
  });

  test("synthesizes S3EventPipeline, bundling its processor and the package's runtime dependencies", () => {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Uploads.template.json'), 'utf8'));
    const processor = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    ).find(
      (r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('Turns CSV uploads'),
    );
    expect(processor).toBeDefined();
    const asset = (processor!.Properties.Code as { S3Key: unknown }).S3Key;
    const hash = JSON.stringify(asset).match(/[0-9a-f]{64}/)![0];
    const bundle = fs.readFileSync(path.join(outdir, `asset.${hash}`, 'index.js'), 'utf8');
    // Powertools and csv-parse are inside the bundle; the AWS SDK is left to the Lambda runtime.
    expect(bundle).toMatch(/IdempotencyConfig|idempotency/);
    expect(bundle).toMatch(/csv|CsvError/);
    expect(bundle).not.toMatch(/require\(["']@aws-lambda-powertools/);
    expect(bundle).toMatch(/require\(["']@aws-sdk\/client-s3["']\)/);
  });

  test("synthesizes UploadUrlRoute, its signer bundled from its own entry (not the processor's)", () => {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Uploads.template.json'), 'utf8'));
    const functions = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    ).filter((r) => r.Type === 'AWS::Lambda::Function');
    const bundleOf = (description: string) => {
      const fn = functions.find((r) => JSON.stringify(r.Properties.Description).includes(description));
      expect(fn).toBeDefined();
      const hash = JSON.stringify(fn!.Properties.Code).match(/[0-9a-f]{64}/)![0];
      return fs.readFileSync(path.join(outdir, `asset.${hash}`, 'index.js'), 'utf8');
    };
    const signer = bundleOf('Signs upload URLs');
    expect(signer).toMatch(/require\(["']@aws-sdk\/s3-request-presigner["']\)/);
    expect(signer).toContain('URL_EXPIRY_SECONDS');
    expect(signer).not.toMatch(/IdempotencyConfig/);
    expect(bundleOf('Turns CSV uploads')).not.toContain('URL_EXPIRY_SECONDS');
  });

  test('synthesizes StaticSite with the sample site and the invalidation handler from the installed package', () => {
    const { samplePath } = {
      samplePath: JSON.parse(appOutput.trim().split('\n').pop() as string).sampleSitePath,
    };
    expect(samplePath).toBe(path.join(installed, 'dist', 'lib', 'static-site', 'sample-site'));
    expect(fs.readdirSync(samplePath).sort()).toEqual(['404.html', 'assets', 'docs', 'index.html']);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Web.template.json'), 'utf8'));
    const resources = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    );
    const invalidation = resources.find((r) => r.Type === 'Custom::StaticSiteInvalidation');
    expect(Object.keys(invalidation!.Properties.Manifest as object).sort()).toEqual([
      '/404.html',
      '/assets/site.css',
      '/docs/index.html',
      '/index.html',
    ]);
    // The provider's code folder holds the handler bundled by esbuild from the package's compiled .js.
    const handler = resources.find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(r.Properties).includes('Invalidates the CloudFront'),
    );
    expect(handler).toBeDefined();
    expect(resources.filter((r) => r.Type === 'AWS::CloudFront::Function')).toHaveLength(1);
  });

  test('synthesizes QueueWorkerFleet, its worker bundled with sqs-consumer and the AWS SDK into one file', () => {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Workers.template.json'), 'utf8'));
    const userData = JSON.stringify(
      Object.values(
        template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
      ).find(
        (r) => r.Type === 'AWS::EC2::LaunchTemplate' && JSON.stringify(r.Properties).includes('worker.js'),
      )!.Properties,
    );
    const hash = /([0-9a-f]{64})\.js/.exec(userData)![1];
    const bundle = fs.readFileSync(path.join(outdir, `asset.${hash}.js`), 'utf8');
    expect(bundle).toContain('ReceiveMessageCommand');
    expect(bundle).toContain('SetInstanceProtectionCommand');
    expect(bundle).not.toMatch(/require\(["'](@aws-sdk\/client-|sqs-consumer)/);
  });

  test('synthesizes ThreeTierWebApp with its cache, the web app bundled with pg and ioredis into one file', () => {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'WebApp.template.json'), 'utf8'));
    const resources = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    );
    const userData = JSON.stringify(resources.find((r) => r.Type === 'AWS::EC2::LaunchTemplate')!.Properties);
    expect(userData).toContain('/opt/webapp/web-app.js');
    expect(userData).toContain('CACHE_HOST=');
    const hash = /([0-9a-f]{64})\.js/.exec(userData)![1];
    const bundle = fs.readFileSync(path.join(outdir, `asset.${hash}.js`), 'utf8');
    expect(bundle).toContain('createWebApp');
    expect(bundle).toContain('WRONGPASS'); // the cache client code (runtime/cache.ts) is in
    expect(bundle).not.toMatch(/require\(["'](pg|ioredis)["']\)/);
    expect(resources.filter((r) => r.Type === 'AWS::ElastiCache::ReplicationGroup')).toHaveLength(1);
  });

  test('synthesizes MultiAzDatabase in the ReferenceVpc', () => {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Data.template.json'), 'utf8'));
    const resources = Object.values(
      template.Resources as Record<string, { Type: string; Properties?: object }>,
    );
    const instances = resources.filter((r) => r.Type === 'AWS::RDS::DBInstance');
    expect(instances).toHaveLength(1);
    expect(instances[0].Properties).toMatchObject({ MultiAZ: true, StorageEncrypted: true });
    expect(resources.filter((r) => r.Type === 'AWS::EC2::VPC')).toHaveLength(1);
    expect(resources.filter((r) => r.Type === 'AWS::SecretsManager::Secret')).toHaveLength(1);
  });
});
