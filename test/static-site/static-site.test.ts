import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { StaticSite, StaticSiteProps } from '../../lib/static-site/static-site';
import { SAMPLE_SITE_PATH } from '../../lib/static-site/static-site-stack';
import { testApp, testTempDir } from '../support/app';
import { expectNagClean } from '../support/compliance';

const US_EAST_1 = { account: '111122223333', region: 'us-east-1' };

function build(
  props: Partial<StaticSiteProps> = {},
  env: { account?: string; region?: string } | undefined = US_EAST_1,
): { stack: Stack; site: StaticSite; t: Template } {
  const stack = new Stack(testApp(), 'Site', { env });
  const site = new StaticSite(stack, 'Site', { contentPath: SAMPLE_SITE_PATH, ...props });
  return { stack, site, t: Template.fromStack(stack) };
}

const distributionConfig = (t: Template) =>
  Object.values(t.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;

describe('defaults', () => {
  const { stack, site, t } = build();

  test('viewers: HTTPS only, HTTP/2 and 3, IPv6, security headers, index.html at the root', () => {
    const config = distributionConfig(t);
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.HttpVersion).toBe('http2and3');
    expect(config.IPV6Enabled).toBe(true);
    expect(config.DefaultRootObject).toBe('index.html');
    // The AWS managed SecurityHeadersPolicy (HSTS, nosniff, frame options, referrer policy, XSS protection).
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBe('67f7725c-6f97-4210-82d7-5512b31e9d03');
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(config.PriceClass).toBe('PriceClass_100');
  });

  test('caching: TTL 0 / 1 day / 1 year, compressed copies, nothing else in the cache key', () => {
    t.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        MinTTL: 0,
        DefaultTTL: 86400,
        MaxTTL: 31536000,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
          QueryStringsConfig: { QueryStringBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      }),
    });
  });

  test('a missing object (403 from S3, or 404) gets the 404 page with status 404', () => {
    expect(distributionConfig(t).CustomErrorResponses).toEqual(
      [403, 404].map((code) => ({
        ErrorCode: code,
        ResponseCode: 404,
        ResponsePagePath: '/404.html',
        ErrorCachingMinTTL: 10,
      })),
    );
  });

  test('the origin is reached through an origin access control that signs every request', () => {
    t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ SigningBehavior: 'always', SigningProtocol: 'sigv4' }),
    });
    const origin = distributionConfig(t).Origins[0];
    expect(origin.OriginAccessControlId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^SiteOriginAccessControl/), 'Id'],
    });
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
  });

  test('the bucket admits CloudFront for this distribution only, to read only', () => {
    const policy = Object.values(t.findResources('AWS::S3::BucketPolicy')).find((p) =>
      JSON.stringify(p).includes('cloudfront.amazonaws.com'),
    )!;
    const statement = policy.Properties.PolicyDocument.Statement.find(
      (s: { Principal?: { Service?: string } }) => s.Principal?.Service === 'cloudfront.amazonaws.com',
    );
    expect(statement.Action).toBe('s3:GetObject');
    // StringEquals on this distribution's ARN (its ID is the distribution's Ref).
    expect(JSON.stringify(statement.Condition.StringEquals['AWS:SourceArn'])).toMatch(
      new RegExp(`":distribution/",${JSON.stringify(stack.resolve(site.distribution.distributionId))}`),
    );
  });

  test('the block public access settings and the bucket key keep the origin private and encrypted', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
    });
    // No website hosting: S3 website endpoints do not support HTTPS (002 L937).
    for (const bucket of Object.values(t.findResources('AWS::S3::Bucket'))) {
      expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    }
  });

  test('standard logs (v2) go to the log bucket, which admits log delivery of this account only', () => {
    t.hasResourceProperties('AWS::Logs::DeliverySource', { LogType: 'ACCESS_LOGS' });
    t.hasResourceProperties('AWS::Logs::DeliveryDestination', {
      DestinationResourceArn: stack.resolve(site.logBucket.bucketArn),
    });
    t.resourceCountIs('AWS::Logs::Delivery', 1);
    const policy = JSON.stringify(t.findResources('AWS::S3::BucketPolicy'));
    expect(policy).toContain('delivery.logs.amazonaws.com');
    expect(policy).toContain('"aws:SourceAccount":"111122223333"');
    expect(policy).toContain('delivery-source:*');
  });

  test('alarms on the 5xx error rate and the origin latency, with the distribution as dimension, notify', () => {
    expect(site.alarms).toHaveLength(2);
    for (const metricName of ['5xxErrorRate', 'OriginLatency']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: 'AWS/CloudFront',
        Dimensions: Match.arrayWith([
          { Name: 'DistributionId', Value: stack.resolve(site.distribution.distributionId) },
          { Name: 'Region', Value: 'Global' },
        ]),
        AlarmActions: [stack.resolve(site.alarmTopic.topicArn)],
        OKActions: [stack.resolve(site.alarmTopic.topicArn)],
        TreatMissingData: 'notBreaching',
      });
    }
    t.resourceCountIs('AWS::CloudFront::MonitoringSubscription', 1);
  });

  test('a CLOUDFRONT web ACL on the distribution', () => {
    t.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    expect(distributionConfig(t).WebACLId).toEqual(stack.resolve(site.webAcl!.attrArn));
  });

  test('the viewer-request function serves folder index pages (runtime 2.0)', () => {
    t.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
    expect(distributionConfig(t).DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: stack.resolve(site.viewerRequestFunction!.functionArn) },
    ]);
  });

  test('data is retained by default', () => {
    for (const r of Object.values(t.findResources('AWS::S3::Bucket')))
      expect(r.DeletionPolicy).toBe('Retain');
  });

  test('the six nag packs are clean', () => expectNagClean(stack));
});

describe('options', () => {
  test('single-page app: unknown paths get /index.html with status 200', () => {
    const { t } = build({ singlePageApp: true });
    expect(distributionConfig(t).CustomErrorResponses).toEqual(
      [403, 404].map((code) => ({
        ErrorCode: code,
        ResponseCode: 200,
        ResponsePagePath: '/index.html',
        ErrorCachingMinTTL: 10,
      })),
    );
  });

  test('a custom domain: certificate with TLSv1.2_2021 and SNI, alias A and AAAA records', () => {
    const stack = new Stack(testApp(), 'Site', { env: US_EAST_1 });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z123',
      zoneName: 'example.com',
    });
    const certificate = acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:us-east-1:111122223333:certificate/abc',
    );
    const site = new StaticSite(stack, 'Site', {
      contentPath: SAMPLE_SITE_PATH,
      domainName: 'www.example.com',
      certificate,
      hostedZone: zone,
    });
    const t = Template.fromStack(stack);
    const config = distributionConfig(t);
    expect(config.Aliases).toEqual(['www.example.com']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc',
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    t.resourceCountIs('AWS::Route53::RecordSet', 2);
    t.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'AAAA', Name: 'www.example.com.' });
    expect(site.url).toBe('https://www.example.com');
  });

  test('an existing web ACL is used, none created; without one the sandbox finding is acknowledged', () => {
    const arn = 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/shared/abc';
    const withArn = build({ webAclArn: arn });
    withArn.t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(distributionConfig(withArn.t).WebACLId).toBe(arn);
    const without = build({ webAclEnabled: false, removalPolicy: RemovalPolicy.DESTROY });
    without.t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    // No web ACL and nothing kept: no log key either.
    without.t.resourceCountIs('AWS::KMS::Key', 2);
    expectNagClean(without.stack);
  });

  test('a viewer-request function of the caller replaces the built-in one', () => {
    const stack = new Stack(testApp(), 'Site', { env: US_EAST_1 });
    const fn = new cloudfront.Function(stack, 'Mine', {
      code: cloudfront.FunctionCode.fromInline('function handler(event) { return event.request; }'),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });
    const site = new StaticSite(stack, 'Site', {
      contentPath: SAMPLE_SITE_PATH,
      functions: [{ function: fn, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    });
    expect(site.viewerRequestFunction).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::CloudFront::Function', 1);
  });

  test('no additional metrics: no monitoring subscription, no origin-latency alarm', () => {
    const { site, t } = build({ additionalMetrics: false });
    t.resourceCountIs('AWS::CloudFront::MonitoringSubscription', 0);
    expect(site.alarms.map((a) => a.node.id)).toEqual(['ErrorRateAlarm']);
  });

  test('an environment-agnostic stack gets a rule that stops the deploy outside us-east-1', () => {
    const { t } = build({}, {});
    const rules = t.toJSON().Rules as Record<string, { Assertions: { Assert: unknown }[] }>;
    const rule = Object.entries(rules).find(([id]) => id.startsWith('SiteRequireCloudFrontRegion'))![1];
    expect(rule.Assertions[0].Assert).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
  });
});

describe('bad input is refused at synth, naming the prop and the value', () => {
  const cases: [string, Partial<StaticSiteProps>, RegExp][] = [
    [
      'TTLs out of order',
      { minTtl: Duration.hours(2), defaultTtl: Duration.hours(1) },
      /StaticSite: invalid minTtl: must satisfy minTtl <= defaultTtl <= maxTtl; received minTtl 7200 s, defaultTtl 3600 s, maxTtl 31536000 s/,
    ],
    [
      'a max TTL over a year',
      { maxTtl: Duration.days(366) },
      /StaticSite: invalid maxTtl: must be between 0 seconds and 365 days; received 366 days \(CloudFront TTLs, 001 L1296\)/,
    ],
    [
      'a fractional TTL',
      { defaultTtl: Duration.millis(1500) },
      /invalid defaultTtl: must be a whole number of seconds; received 1.5 seconds/,
    ],
    [
      'a function on an origin event',
      {
        functions: [
          {
            function: {} as cloudfront.IFunction,
            eventType: 'origin-request' as cloudfront.FunctionEventType,
          },
        ],
      },
      /StaticSite: invalid functions\[0\].eventType: must be viewer-request or viewer-response; received 'origin-request' \(CloudFront Functions run only on viewer events; origin-request and origin-response need Lambda@Edge\)/,
    ],
    [
      'a custom 404 page in SPA mode',
      { singlePageApp: true, notFoundPage: 'missing.html' },
      /StaticSite: invalid notFoundPage: must not be set with singlePageApp; received 'missing.html'/,
    ],
    [
      'a content folder that does not exist',
      { contentPath: path.join(os.tmpdir(), 'no-such-site-folder') },
      /StaticSite: invalid contentPath: must be an existing folder .*no-such-site-folder', which does not exist/,
    ],
    [
      'a web ACL to create and one given',
      { webAclEnabled: true, webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/a/b' },
      /StaticSite: invalid webAclEnabled: must not be true with webAclArn/,
    ],
    [
      'a rate limit under 10',
      { rateLimitPerIp: 5 },
      /invalid rateLimitPerIp: must be between 10 and 2000000000 requests per 5 minutes; received 5/,
    ],
    [
      'a domain without certificate',
      { domainName: 'www.example.com' },
      /invalid certificate: is required with domainName; received domainName 'www.example.com'/,
    ],
    [
      'an infinite log retention',
      { logRetention: logs.RetentionDays.INFINITE },
      /invalid logRetention: must be a finite number of days/,
    ],
    [
      'SNAPSHOT',
      { removalPolicy: RemovalPolicy.SNAPSHOT },
      /invalid removalPolicy: must be RETAIN or DESTROY; received SNAPSHOT/,
    ],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('a file as the content folder', () => {
    const file = path.join(testTempDir('site-'), 'index.html');
    fs.writeFileSync(file, '<h1>hi</h1>');
    expect(() => build({ contentPath: file })).toThrow(
      /contentPath: must be an existing folder .*which is not a folder/,
    );
  });

  test('a certificate without a domain name, a malformed certificate ARN, a domain outside the zone', () => {
    const stack = new Stack(testApp(), 'Site', { env: US_EAST_1 });
    const cert = (arn: string, id: string) => acm.Certificate.fromCertificateArn(stack, id, arn);
    const good = cert('arn:aws:acm:us-east-1:111122223333:certificate/abc', 'Good');
    const make = (id: string, p: Partial<StaticSiteProps>) =>
      new StaticSite(stack, id, { contentPath: SAMPLE_SITE_PATH, ...p });
    expect(() => make('A', { certificate: good })).toThrow(
      /invalid domainName: is required with certificate; received a certificate and no domainName/,
    );
    expect(() =>
      make('B', { domainName: 'www.example.com', certificate: cert('not-an-arn', 'Bad') }),
    ).toThrow(
      /invalid certificate: must be an ACM certificate in us-east-1; received not-an-arn \(not an ACM certificate ARN\)/,
    );
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z1',
      zoneName: 'example.com',
    });
    expect(() => make('C', { domainName: 'www.other.org', certificate: good, hostedZone: zone })).toThrow(
      /invalid domainName: must be in the hosted zone example.com; received 'www.other.org'/,
    );
  });

  test('a certificate outside us-east-1', () => {
    const stack = new Stack(testApp(), 'Site', { env: US_EAST_1 });
    const certificate = acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-1:111122223333:certificate/abc',
    );
    expect(
      () =>
        new StaticSite(stack, 'Site', {
          contentPath: SAMPLE_SITE_PATH,
          domainName: 'www.example.com',
          certificate,
        }),
    ).toThrow(
      /StaticSite: invalid certificate: must be an ACM certificate in us-east-1; received arn:aws:acm:eu-west-1:111122223333:certificate\/abc \(Region eu-west-1\)/,
    );
  });

  test('a stack in another Region', () => {
    expect(() => build({}, { region: 'eu-west-1' })).toThrow(
      /StaticSite: invalid stack region: must be us-east-1; received eu-west-1/,
    );
  });
});
