import * as fs from 'fs';
import * as path from 'path';
import {
  awsCommands,
  checkBlocks,
  CheckContext,
  logicalLines,
  readmeFiles,
  shellBlocks,
  ShellBlock,
  stripComments,
} from '../../scripts/readme-shell-blocks';
import { Template } from 'aws-cdk-lib/assertions';
import { S3EventPipelineStack } from '../../lib/s3-events/s3-event-pipeline-stack';
import { synthesizeApp } from '../reliability/synthesized-app';
import { testApp } from '../support/app';

/**
 * The try-it blocks a learner pastes, kept honest: every ```bash/```sh/```shell block of the top README and
 * of every pattern README must parse (`bash -n`), must not deploy production in a block that also tries or
 * destroys a stack, must not read the Region without the AWS_REGION fallback, and may only read stack
 * outputs the demo stacks declare and npm scripts package.json has. The AWS CLI commands themselves are
 * run against the real CLI in CI (`scripts/check-readme-cli.sh`), not here.
 */
const ROOT = path.join(__dirname, '..', '..');

function context(): CheckContext {
  // Both profiles: some outputs exist only in production (the backup vault read by a production destroy).
  // Other test files synthesize the same app; synthesizeApp shares it within a jest run.
  const outputs = new Map<string, Set<string>>();
  for (const profile of ['sandbox', 'production'] as const) {
    for (const s of synthesizeApp(profile)) {
      const keys = outputs.get(s.stackId) ?? new Set<string>();
      for (const key of Object.keys((s.template.Outputs ?? {}) as object)) keys.add(key);
      outputs.set(s.stackId, keys);
    }
  }
  // Opt-in parts of a demo stack, whose outputs a README reads after turning them on.
  const s3 = outputs.get('RefArch-S3EventPipeline') ?? new Set<string>();
  const withUploadApi = new S3EventPipelineStack(testApp(), 'RefArch-S3EventPipeline', {
    profile: 'sandbox',
    uploadApi: true, // -c s3UploadApi=true
  });
  for (const key of Object.keys(Template.fromStack(withUploadApi).toJSON().Outputs ?? {})) s3.add(key);
  outputs.set('RefArch-S3EventPipeline', s3);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return { outputs, npmScripts: new Set(Object.keys(pkg.scripts)) };
}

let ctx: CheckContext;
beforeAll(() => {
  ctx = context();
});

function blocksOf(file: string): ShellBlock[] {
  return shellBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
}

/** A README with the given blocks, for the checks' own failure tests. */
function fixture(...texts: string[]): ShellBlock[] {
  return texts.map((text, i) => ({ file: 'FIXTURE.md', line: i * 10 + 1, text }));
}

const OUT = `out() { aws cloudformation describe-stacks --stack-name RefArch-SnsSqsFanout \\
  --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }`;

describe('README shell blocks', () => {
  const files = readmeFiles(ROOT);

  test('covers the top README and every pattern README, each with shell blocks', () => {
    expect(files).toContain('README.md');
    expect(files.filter((f) => f.startsWith('lib/')).length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(blocksOf(f).length).toBeGreaterThan(0);
  });

  test.each(readmeFiles(ROOT))('%s: every block is correct, safe and reads only what exists', (file) => {
    expect(checkBlocks(blocksOf(file), ctx)).toEqual([]);
  });

  test('the pattern READMEs read stack outputs, and the check sees those reads', () => {
    // Guards the output check against reading nothing: a parser that stopped finding reads would pass.
    const all = files.flatMap(blocksOf).map((b) => b.text);
    expect(all.join('\n')).toMatch(/OutputKey==/);
    const broken = files.flatMap((f) =>
      checkBlocks(
        blocksOf(f),
        { ...ctx, outputs: new Map([...ctx.outputs].map(([stack]) => [stack, new Set<string>()])) },
        { syntax: false },
      ),
    );
    // Every README whose blocks call describe-stacks is seen reading outputs, and every pattern's
    // try-it reads some (so there is something to see).
    const readers = new Set(broken.filter((p) => /reads output/.test(p)).map((p) => p.split(':')[0]));
    const callers = files.filter((f) => blocksOf(f).some((b) => /describe-stacks/.test(b.text)));
    expect([...readers].sort()).toEqual(callers.sort());
    expect(callers.length).toBeGreaterThanOrEqual(5);
  });
});

describe('each check fails on a bad block', () => {
  test('bash -n: a syntax error', () => {
    expect(checkBlocks(fixture('for x in a b; do echo "$x"'), ctx)).toEqual([
      expect.stringMatching(/^FIXTURE\.md:1: bash -n: .*(syntax error|unexpected end of file)/),
    ]);
  });

  test('a live production deploy in a block that also tries or destroys', () => {
    const deployThenDestroy = fixture(
      'npx cdk deploy RefArch-SnsSqsFanout -c profile=production\nnpx cdk destroy RefArch-SnsSqsFanout',
    );
    expect(checkBlocks(deployThenDestroy, ctx)).toEqual([
      expect.stringMatching(/live production deploy \(line 2\)/),
    ]);
    const deployThenTry = fixture(
      'npx cdk deploy RefArch-SnsSqsFanout \\\n  -c profile=production\naws sns list-topics',
    );
    expect(checkBlocks(deployThenTry, ctx)).toEqual([expect.stringMatching(/live production deploy/)]);
    // Commented out, or alone in its block: fine.
    expect(
      checkBlocks(
        fixture(
          '# npx cdk deploy RefArch-SnsSqsFanout -c profile=production\nnpx cdk destroy RefArch-SnsSqsFanout',
          'npx cdk deploy RefArch-SnsSqsFanout -c profile=production',
        ),
        ctx,
      ),
    ).toEqual([]);
  });

  test('the Region from aws configure without the AWS_REGION fallback', () => {
    expect(checkBlocks(fixture('REGION=$(aws configure get region)\necho "$REGION"'), ctx)).toEqual([
      expect.stringMatching(/^FIXTURE\.md:2: .*without the AWS_REGION fallback/),
    ]);
    expect(checkBlocks(fixture('REGION=${AWS_REGION:-$(aws configure get region)}'), ctx)).toEqual([]);
  });

  test('a stack output the demo stack does not declare', () => {
    const direct = fixture(
      `URL=$(aws cloudformation describe-stacks --stack-name RefArch-ThreeTierWebApp \\
  --query "Stacks[0].Outputs[?OutputKey=='SiteUrl'].OutputValue" --output text)
NO=$(aws cloudformation describe-stacks --stack-name RefArch-ThreeTierWebApp \\
  --query "Stacks[0].Outputs[?OutputKey=='NoSuchOutput'].OutputValue" --output text)`,
    );
    expect(checkBlocks(direct, ctx)).toEqual([
      expect.stringMatching(/^FIXTURE\.md:\d+: reads output NoSuchOutput of RefArch-ThreeTierWebApp/),
    ]);
    // Through a helper, in a loop: Billing and Shipping exist, Returns does not.
    const helper = fixture(OUT, 'for name in Billing Shipping Returns; do out ${name}QueueUrl; done');
    expect(checkBlocks(helper, ctx)).toEqual([
      expect.stringMatching(/reads output ReturnsQueueUrl of RefArch-SnsSqsFanout/),
    ]);
    // A FIFO topic the demo stack does not create.
    expect(checkBlocks(fixture(OUT, 'TOPIC=$(out FifoTopicArn)'), ctx)).toEqual([
      expect.stringMatching(/reads output FifoTopicArn/),
    ]);
    // A key the check cannot resolve is a problem too, never silently skipped.
    expect(checkBlocks(fixture(OUT, 'out "${WHO}QueueUrl"'), ctx)).toEqual([
      expect.stringMatching(/has no value/),
    ]);
  });

  test('an npm script package.json does not have', () => {
    expect(checkBlocks(fixture('npm run synth:all\nnpm run replay -- Billing'), ctx)).toEqual([
      expect.stringMatching(/^FIXTURE\.md:3: npm run replay: package.json has no such script/),
    ]);
  });
});

describe('the shell reader the checks rely on', () => {
  test('comments, continuations and multi-line strings', () => {
    expect(stripComments(`echo "#1" '#2' a#b # gone\n# gone too\nx`)).toBe(`echo "#1" '#2' a#b\n\nx`);
    const lines = logicalLines(`a \\\n  b # c\nq="one\ntwo"\nd`);
    expect(lines.map((l) => [l.line, l.code])).toEqual([
      [1, 'a b'],
      [3, 'q="one\ntwo"'],
      [5, 'd'],
    ]);
  });

  test('finds aws commands at command position, also inside $(...), not inside quotes', () => {
    expect(
      awsCommands(
        `ID=$(aws rds describe-db-instances --query 'x' --output text); aws s3 ls "s3://b/aws s3" | head\n` +
          `echo "aws sns publish"; for rp in $(aws backup list-backup-vaults); do :; done`,
      ),
    ).toEqual([
      "aws rds describe-db-instances --query 'x' --output text",
      'aws s3 ls "s3://b/aws s3"',
      'aws backup list-backup-vaults',
    ]);
  });
});
