import * as fs from 'fs';
import * as path from 'path';
import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  INVALIDATION_RESOURCE_TYPE,
  MAX_MANIFEST_FILES,
  siteManifest,
} from '../../lib/static-site/content-invalidation';
import {
  changedPaths,
  EVERY_PATH,
  InvalidationEvent,
  invalidationPaths,
  makeHandler,
  MAX_LISTED_PATHS,
} from '../../lib/static-site/runtime/invalidate-changed';
import { StaticSite } from '../../lib/static-site/static-site';
import { SAMPLE_SITE_PATH } from '../../lib/static-site/static-site-stack';
import { testApp, testTempDir } from '../support/app';

function site(files: Record<string, string>): string {
  const dir = testTempDir('site-manifest-');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('the manifest: one content hash per file, computed at synth', () => {
  test('site paths with forward slashes, a hash that follows the content', () => {
    const before = siteManifest(site({ 'index.html': 'a', 'docs/index.html': 'b', 'assets/x y.css': 'c' }));
    expect(Object.keys(before).sort()).toEqual(['/assets/x y.css', '/docs/index.html', '/index.html']);
    const after = siteManifest(site({ 'index.html': 'a', 'docs/index.html': 'B', 'assets/x y.css': 'c' }));
    expect(after['/index.html']).toBe(before['/index.html']);
    expect(after['/docs/index.html']).not.toBe(before['/docs/index.html']);
  });

  test('a manifest too large for the event is one hash for everything, whatever the file count', () => {
    const long = 'x'.repeat(200);
    const files = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`${long}/${i}.html`, String(i)]));
    expect(Object.keys(siteManifest(site(files)))).toEqual([EVERY_PATH]);
  });

  test(`a site of more than ${MAX_MANIFEST_FILES} files is one hash for everything`, () => {
    const files = Object.fromEntries(
      Array.from({ length: MAX_MANIFEST_FILES + 1 }, (_, i) => [`f${i}.txt`, String(i)]),
    );
    const manifest = siteManifest(site(files));
    expect(Object.keys(manifest)).toEqual([EVERY_PATH]);
    expect(siteManifest(site({ ...files, 'f0.txt': 'changed' }))[EVERY_PATH]).not.toBe(manifest[EVERY_PATH]);
  });
});

describe('which paths a deployment invalidates', () => {
  test('changed and removed files; not unchanged or new ones', () => {
    expect(
      changedPaths(
        { '/index.html': '1', '/a.css': '2', '/gone.html': '3' },
        { '/index.html': '1', '/a.css': '9', '/new.html': '4' },
      ),
    ).toEqual(['/a.css', '/gone.html']);
  });

  test('a changed folder index is also invalidated as the folder the viewer asked for', () => {
    expect(
      changedPaths(
        { '/index.html': '1', '/docs/index.html': '1' },
        { '/index.html': '2', '/docs/index.html': '2' },
      ),
    ).toEqual(['/', '/docs', '/docs/', '/docs/index.html', '/index.html']);
  });

  test('nothing changed, nothing to invalidate', () => {
    expect(changedPaths({ '/index.html': '1' }, { '/index.html': '1' })).toEqual([]);
  });

  test('a wildcard manifest on either side invalidates everything once it differs', () => {
    expect(changedPaths({ [EVERY_PATH]: 'a' }, { [EVERY_PATH]: 'b' })).toEqual([EVERY_PATH]);
    expect(changedPaths({ '/index.html': '1' }, { [EVERY_PATH]: 'b' })).toEqual([EVERY_PATH]);
    expect(changedPaths({ [EVERY_PATH]: 'a' }, { [EVERY_PATH]: 'a' })).toEqual([]);
  });

  test('paths are URL-encoded as CloudFront matches them; too many become one wildcard', () => {
    expect(invalidationPaths(['/assets/x y.css', '/é.html', '/a+b@c.html', '/a*b?c#d.html'])).toEqual([
      '/assets/x%20y.css',
      '/%C3%A9.html',
      '/a+b@c.html',
      '/a%2Ab%3Fc%23d.html',
    ]);
    const many = Array.from({ length: MAX_LISTED_PATHS + 1 }, (_, i) => `/f${i}`);
    expect(invalidationPaths(many)).toEqual([EVERY_PATH]);
    expect(invalidationPaths(many.slice(0, MAX_LISTED_PATHS))).toHaveLength(MAX_LISTED_PATHS);
  });
});

describe('the handler', () => {
  const sent: CreateInvalidationCommand[] = [];
  const handler = makeHandler(() => ({
    send: async (command: CreateInvalidationCommand) => {
      sent.push(command);
      return {};
    },
  }));
  const event = (e: Partial<InvalidationEvent>): InvalidationEvent => ({
    RequestType: 'Update',
    RequestId: 'req-1',
    ResourceProperties: { DistributionId: 'E1', Manifest: { '/index.html': 'new', '/a.css': 'same' } },
    OldResourceProperties: { DistributionId: 'E1', Manifest: { '/index.html': 'old', '/a.css': 'same' } },
    ...e,
  });
  beforeEach(() => sent.splice(0));

  test('an update invalidates the changed paths, with the request id as caller reference', async () => {
    await expect(handler(event({}))).resolves.toEqual({ PhysicalResourceId: 'E1', Data: { Paths: 2 } });
    expect(sent.map((c) => c.input)).toEqual([
      {
        DistributionId: 'E1',
        InvalidationBatch: { CallerReference: 'req-1', Paths: { Quantity: 2, Items: ['/', '/index.html'] } },
      },
    ]);
  });

  test('create, delete, an unchanged site and a new distribution send nothing', async () => {
    await handler(event({ RequestType: 'Create', OldResourceProperties: undefined }));
    await handler(event({ RequestType: 'Delete' }));
    await handler(
      event({
        OldResourceProperties: { DistributionId: 'E1', Manifest: { '/index.html': 'new', '/a.css': 'same' } },
      }),
    );
    await handler(event({ OldResourceProperties: { DistributionId: 'E0', Manifest: {} } }));
    expect(sent).toEqual([]);
  });

  test('a failed invalidation fails the deployment (the error reaches CloudFormation)', async () => {
    const failing = makeHandler(() => ({
      send: async () => {
        throw new Error('TooManyInvalidationsInProgress');
      },
    }));
    await expect(failing(event({}))).rejects.toThrow('TooManyInvalidationsInProgress');
  });
});

test('the construct: after the content deployment, one provider allowed to invalidate this distribution only', () => {
  const stack = new Stack(testApp(), 'S', { env: { region: 'us-east-1', account: '111122223333' } });
  const s = new StaticSite(stack, 'Site', { contentPath: SAMPLE_SITE_PATH });
  const t = Template.fromStack(stack);
  const [id, resource] = Object.entries(t.findResources(INVALIDATION_RESOURCE_TYPE))[0];
  expect(resource.Properties.Manifest).toEqual(siteManifest(SAMPLE_SITE_PATH));
  expect(resource.Properties.DistributionId).toEqual(stack.resolve(s.distribution.distributionId));
  const deployment = Object.keys(t.findResources('Custom::CDKBucketDeployment'))[0];
  expect(resource.DependsOn).toEqual(expect.arrayContaining([deployment]));
  // The CDK's bucket deployment no longer invalidates a fixed list of paths.
  expect(
    Object.values(t.findResources('Custom::CDKBucketDeployment'))[0].Properties.DistributionPaths,
  ).toBeUndefined();
  const roles = JSON.stringify(t.findResources('AWS::IAM::Role'));
  expect(roles).toContain('"cloudfront:CreateInvalidation"');
  expect(Object.keys(siteManifest(SAMPLE_SITE_PATH)).sort()).toEqual([
    '/404.html',
    '/assets/site.css',
    '/docs/index.html',
    '/index.html',
  ]);
  expect(id).toMatch(/^SiteInvalidation/);
});
