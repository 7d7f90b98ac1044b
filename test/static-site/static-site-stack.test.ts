import { Match, Template } from 'aws-cdk-lib/assertions';
import { Profile } from '../../lib/core/profile';
import { StaticSiteStack } from '../../lib/static-site/static-site-stack';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';

const stacks = {} as Record<Profile, StaticSiteStack>;
const templates = {} as Record<Profile, Template>;

beforeAll(() => {
  for (const profile of ['sandbox', 'production'] as const) {
    stacks[profile] = new StaticSiteStack(testApp(), 'RefArch-StaticSite', { profile });
    templates[profile] = Template.fromStack(stacks[profile]);
  }
});

test('is registered in the reference app as RefArch-StaticSite', () => {
  const entry = PATTERN_STACKS.find((e) => e.stackId === 'RefArch-StaticSite');
  expect(entry?.folder).toBe('static-site');
  expect(entry?.create(testApp(), 'RefArch-StaticSite', 'sandbox')).toBeInstanceOf(StaticSiteStack);
});

test('lives in us-east-1 whatever the CLI Region, so it needs no Region rule', () => {
  expect(stacks.sandbox.region).toBe('us-east-1');
  expect(Object.keys(templates.sandbox.toJSON().Rules ?? {})).not.toContain(
    expect.stringMatching(/RequireCloudFrontRegion/),
  );
});

test('a Region named by the caller is refused with the reason, not silently replaced', () => {
  expect(
    () => new StaticSiteStack(testApp(), 'S', { profile: 'sandbox', env: { region: 'eu-west-1' } }),
  ).toThrow(
    /StaticSite: invalid stack region: must be us-east-1; received eu-west-1 \(CloudFront publishes its metrics/,
  );
});

test('outputs for the README: URL, distribution, buckets, alarm topic', () => {
  const outputs = templates.sandbox.toJSON().Outputs as Record<string, { Value: unknown }>;
  expect(Object.keys(outputs).sort()).toEqual(
    ['AlarmTopicArn', 'DistributionId', 'LogBucketName', 'OriginBucketName', 'SiteUrl'].sort(),
  );
  const stack = stacks.sandbox;
  expect(outputs.DistributionId.Value).toEqual(stack.resolve(stack.site.distribution.distributionId));
  expect(outputs.SiteUrl.Value).toEqual(stack.resolve(stack.site.url));
});

test('publishes the sample site: index, 404 page, a folder with its own index, an asset', () => {
  const t = templates.sandbox;
  t.resourceCountIs('Custom::CDKBucketDeployment', 1);
  t.hasResourceProperties('Custom::CDKBucketDeployment', { Prune: true });
  // Then only the changed paths are invalidated (Custom::StaticSiteInvalidation, with the manifest).
  t.hasResourceProperties('Custom::StaticSiteInvalidation', {
    Manifest: Match.objectLike({ '/index.html': Match.anyValue(), '/docs/index.html': Match.anyValue() }),
  });
});

describe('sandbox', () => {
  test('destroyable: buckets empty themselves and nothing is retained', () => {
    const resources = templates.sandbox.toJSON().Resources as Record<string, { DeletionPolicy?: string }>;
    expect(Object.values(resources).filter((r) => r.DeletionPolicy === 'Retain')).toEqual([]);
    templates.sandbox.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  test('cheap: price class 100, no web ACL, no additional metrics', () => {
    const t = templates.sandbox;
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ PriceClass: 'PriceClass_100', WebACLId: Match.absent() }),
    });
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    t.resourceCountIs('AWS::CloudFront::MonitoringSubscription', 0);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 1);
  });

  test('all six nag packs are clean', () => expectNagClean(stacks.sandbox));

  test('snapshot', () => expect(templates.sandbox.toJSON()).toMatchSnapshot());
});

describe('production', () => {
  test('keeps the site, the logs and the keys', () => {
    const t = templates.production;
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      const resources = t.findResources(type);
      expect(Object.keys(resources).length).toBeGreaterThan(0);
      for (const r of Object.values(resources)) expect(r.DeletionPolicy).toBe('Retain');
    }
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('a CLOUDFRONT web ACL on the distribution, and the origin-latency alarm', () => {
    const t = templates.production;
    t.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        PriceClass: 'PriceClass_All',
        WebACLId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SiteWebAcl'), 'Arn'] },
      }),
    });
    t.resourceCountIs('AWS::CloudFront::MonitoringSubscription', 1);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OriginLatency',
      ExtendedStatistic: 'p90',
    });
  });

  test('all six nag packs are clean', () => expectNagClean(stacks.production));

  test('snapshot', () => expect(templates.production.toJSON()).toMatchSnapshot());
});
