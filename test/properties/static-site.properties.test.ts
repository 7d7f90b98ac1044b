import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Fn, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as fc from 'fast-check';
import { PropValidationError } from '../../lib/core/errors';
import { SAMPLE_SITE_PATH } from '../../lib/static-site/static-site-stack';
import { StaticSite, StaticSiteProps } from '../../lib/static-site/static-site';
import {
  badInt,
  durationOf,
  field,
  intIn,
  intOk,
  Model,
  Oracle,
  orToken,
  recordOf,
  secondsOf,
  validOrMutated,
} from './arbitraries';
import { describeProperty, importedAlarmTopic, Violation } from './harness';
import { shownValue, showingValue } from './received';

/** CloudFront's longest TTL: a year (001 L1296). */
const MAX_TTL_S = 365 * 86400;
const DEFAULT_TTLS = { minTtl: 0, defaultTtl: 86400, maxTtl: MAX_TTL_S };
const TTL_PROPS = ['minTtl', 'defaultTtl', 'maxTtl'] as const;
type TtlProp = (typeof TTL_PROPS)[number];

/*
 * StaticSite's property: valid props (a stack in us-east-1 or environment-agnostic) synthesize nag-clean with
 * the template invariants of checkTemplate; props with one invalid part are rejected with a
 * PropValidationError naming the prop and showing the value received.
 */

const ACCOUNT = '111111111111';
const ZONE = 'example.com';
const DOMAINS = ['www.example.com', 'example.com', 'static.site.example.com'];
const SHARED_WEB_ACL =
  'arn:aws:wafv2:us-east-1:111111111111:global/webacl/shared/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const certificateArn = (region: string) =>
  `arn:aws:acm:${region}:${ACCOUNT}:certificate/12345678-abcd-4abc-8abc-123456789012`;

/** Where a case's stack lives: us-east-1, environment-agnostic (a deploy-time rule), or elsewhere. */
type Region = 'us-east-1' | 'agnostic' | 'eu-west-1' | 'us-west-2' | 'ap-southeast-2';
/** The content folder: the sample site, a folder made for this file, a path that does not exist, a file. */
type Content = 'sample' | 'tmp' | 'missing' | 'file';
/** The certificate: none, a literal ARN in a Region, or a token (an import, its Region unknown at synth). */
type CertificateChoice = 'us-east-1' | 'token' | 'eu-west-1' | 'us-west-2' | 'ap-southeast-2';

interface Ttls {
  readonly minTtl?: Duration;
  readonly defaultTtl?: Duration;
  readonly maxTtl?: Duration;
}
interface Pages {
  readonly singlePageApp?: boolean;
  readonly notFoundPage?: string;
}
interface Waf {
  readonly webAclEnabled?: boolean;
  readonly webAclArn?: string;
  readonly rateLimitPerIp?: number;
}
interface Dns {
  readonly domainName?: string;
  readonly certificate?: CertificateChoice;
  readonly hostedZone?: boolean;
}

interface SiteCase {
  readonly region: Region;
  readonly content: Content;
  readonly ttls: Ttls;
  readonly pages: Pages;
  /** The event type of each extra CloudFront Function, as given (a cast string for the wrong ones). */
  readonly functions?: string[];
  readonly waf: Waf;
  readonly priceClass?: cloudfront.PriceClass;
  readonly additionalMetrics?: boolean;
  readonly errorRateThresholdPercent?: number;
  readonly originLatencyThreshold?: Duration;
  readonly dns: Dns;
  readonly importedAlarmTopic: boolean;
  readonly removalPolicy?: RemovalPolicy;
  readonly logRetention?: logs.RetentionDays;
}

// ---- Content folders.

const MISSING_FOLDER = path.join(os.tmpdir(), 'static-site-property-no-such-folder', 'site');
const A_FILE = path.join(SAMPLE_SITE_PATH, 'index.html');

/** A second site folder (index, 404 page, a nested folder), made once per file and removed afterwards. */
let tmpSite: string | undefined;
function tmpSiteFolder(): string {
  if (!tmpSite) {
    tmpSite = fs.mkdtempSync(path.join(os.tmpdir(), 'static-site-content-'));
    fs.mkdirSync(path.join(tmpSite, 'app'));
    fs.writeFileSync(path.join(tmpSite, 'index.html'), '<!doctype html><title>Home</title>');
    fs.writeFileSync(path.join(tmpSite, '404.html'), '<!doctype html><title>Not found</title>');
    fs.writeFileSync(path.join(tmpSite, 'app', 'index.html'), '<!doctype html><title>App</title>');
  }
  return tmpSite;
}
afterAll(() => {
  if (tmpSite) fs.rmSync(tmpSite, { recursive: true, force: true });
  tmpSite = undefined;
});

function contentPathOf(content: Content): string {
  switch (content) {
    case 'sample':
      return SAMPLE_SITE_PATH;
    case 'tmp':
      return tmpSiteFolder();
    case 'missing':
      return MISSING_FOLDER;
    case 'file':
      return A_FILE;
  }
}

// ---- Generators.

const unit = fc.constantFrom<'auto' | 'seconds' | 'millis'>('auto', 'auto', 'seconds', 'millis');
const ttlSeconds = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: MAX_TTL_S }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 60, 86400, MAX_TTL_S) },
);

/**
 * Three TTLs in order, each given or left to its default; when the defaults would break the order
 * (a minTtl over a day with no defaultTtl), all three are given.
 */
const validTtls: fc.Arbitrary<Ttls> = fc
  .tuple(
    fc.array(ttlSeconds, { minLength: 3, maxLength: 3 }),
    fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    unit,
  )
  .map(([seconds, given, u]) => {
    const sorted = [...seconds].sort((a, b) => a - b);
    let chosen = sorted.map((s, i) => (given[i] ? s : undefined));
    const [min, def, max] = chosen.map((s, i) => s ?? DEFAULT_TTLS[TTL_PROPS[i]]);
    if (min > def || def > max) chosen = sorted;
    return Object.fromEntries(
      TTL_PROPS.flatMap((p, i) => (chosen[i] === undefined ? [] : [[p, durationOf(chosen[i]!, u)]])),
    ) as Ttls;
  });

/** Over a year, or no number at all. */
const ttlOutOfRange = fc.oneof(
  fc.integer({ min: MAX_TTL_S + 1, max: MAX_TTL_S * 10 }).map((s) => durationOf(s)),
  fc.constantFrom(Duration.days(1_000_000), Duration.seconds(NaN), Duration.seconds(Infinity)),
);
/** Within a year, but not a whole number of seconds. */
const ttlFraction = fc
  .tuple(fc.integer({ min: 0, max: MAX_TTL_S - 1 }), fc.integer({ min: 1, max: 999 }))
  .map(([s, ms]) => Duration.millis(s * 1000 + ms));
const orderedPair = fc
  .tuple(fc.integer({ min: 0, max: MAX_TTL_S }), fc.integer({ min: 0, max: MAX_TTL_S }))
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

const badTtls: fc.Arbitrary<Ttls> = fc.oneof(
  fc.tuple(fc.constantFrom(...TTL_PROPS), ttlOutOfRange).map(([p, d]) => ({ [p]: d })),
  fc.tuple(fc.constantFrom(...TTL_PROPS), ttlFraction).map(([p, d]) => ({ [p]: d })),
  // Two given TTLs the wrong way round.
  fc
    .tuple(
      orderedPair,
      fc.constantFrom<[TtlProp, TtlProp]>(
        ['minTtl', 'defaultTtl'],
        ['defaultTtl', 'maxTtl'],
        ['minTtl', 'maxTtl'],
      ),
      unit,
    )
    .map(([[lo, hi], [first, second], u]) => ({ [first]: durationOf(hi, u), [second]: durationOf(lo, u) })),
  // One given TTL on the wrong side of another's default (a day for defaultTtl).
  fc.oneof(
    fc.integer({ min: 86401, max: MAX_TTL_S }).map((s) => ({ minTtl: durationOf(s) })),
    fc.integer({ min: 0, max: 86399 }).map((s) => ({ maxTtl: durationOf(s) })),
  ),
);

/** Pages both content folders hold (the construct does not check that the page exists). */
const PAGES = ['404.html', '/404.html'];
const validPages: fc.Arbitrary<Pages> = fc.oneof(
  fc.constant({ singlePageApp: true }),
  fc.record(
    { singlePageApp: fc.constant(false), notFoundPage: fc.constantFrom(...PAGES) },
    { requiredKeys: [] },
  ),
);
const badPages: fc.Arbitrary<Pages> = fc
  .constantFrom(...PAGES, '')
  .map((notFoundPage) => ({ singlePageApp: true, notFoundPage }));

const VIEWER = ['viewer-request', 'viewer-response'];
/** Cast to FunctionEventType in propsOf: the enum has only the two viewer events. */
const NOT_VIEWER = ['origin-request', 'origin-response', 'viewer', 'VIEWER-REQUEST'];
const validFunctions = fc.uniqueArray(fc.constantFrom(...VIEWER), { maxLength: 2 });
const badFunctions = fc.oneof(
  // A function on an event CloudFront Functions cannot run on, among valid ones.
  fc
    .tuple(validFunctions, fc.constantFrom(...NOT_VIEWER), fc.nat())
    .map(([valid, bad, at]) => [
      ...valid.slice(0, at % (valid.length + 1)),
      bad,
      ...valid.slice(at % (valid.length + 1)),
    ]),
  // Two functions on one event type.
  fc.tuple(fc.constantFrom(...VIEWER), fc.boolean()).map(([type, other]) => {
    const list = [type, type];
    return other ? [...list, VIEWER.find((t) => t !== type)!] : list;
  }),
);

const validWaf: fc.Arbitrary<Waf> = fc.oneof(
  fc.record(
    { webAclEnabled: fc.boolean(), rateLimitPerIp: orToken(intIn(10, 2_000_000_000)) },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      webAclArn: fc.constant(SHARED_WEB_ACL),
      webAclEnabled: fc.constant(false),
      rateLimitPerIp: orToken(intIn(10, 2_000_000_000)),
    },
    { requiredKeys: ['webAclArn'] },
  ),
);
const badWaf: fc.Arbitrary<Waf> = fc.oneof(
  fc.constant({ webAclEnabled: true, webAclArn: SHARED_WEB_ACL }),
  badInt(10, 2_000_000_000).map((rateLimitPerIp) => ({ rateLimitPerIp })),
);

const validDns: fc.Arbitrary<Dns> = fc.oneof(
  fc.constant({}),
  fc.record({
    domainName: fc.constantFrom(...DOMAINS),
    certificate: fc.constantFrom<CertificateChoice>('us-east-1', 'token'),
    hostedZone: fc.boolean(),
  }),
);
const badDns: fc.Arbitrary<Dns> = fc.oneof(
  fc.record({ domainName: fc.constantFrom(...DOMAINS), hostedZone: fc.boolean() }),
  fc.constant({ hostedZone: true }),
  fc.record({
    domainName: fc.constantFrom(...DOMAINS),
    certificate: fc.constantFrom<CertificateChoice>('eu-west-1', 'us-west-2', 'ap-southeast-2'),
    hostedZone: fc.boolean(),
  }),
);

/** 10 ms to 60 s in whole milliseconds, as millis or (when whole) seconds. */
const validLatency = fc
  .oneof(
    { weight: 4, arbitrary: fc.integer({ min: 10, max: 60_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(10, 2000, 60_000) },
  )
  .map((ms) => (ms % 1000 === 0 ? Duration.seconds(ms / 1000) : Duration.millis(ms)));
const badLatency = fc.oneof(
  fc.integer({ min: 0, max: 9 }).map((ms) => Duration.millis(ms)),
  fc.integer({ min: 60_001, max: 600_000 }).map((ms) => Duration.millis(ms)),
  fc.constantFrom(
    Duration.hours(1),
    Duration.days(1_000_000),
    Duration.seconds(NaN),
    Duration.seconds(Infinity),
  ),
);

const siteModel: Model<SiteCase> = {
  region: field(
    fc.constantFrom<Region>('us-east-1', 'us-east-1', 'agnostic'),
    fc.constantFrom<Region>('eu-west-1', 'us-west-2', 'ap-southeast-2'),
    false,
  ),
  content: field(
    fc.constantFrom<Content>('sample', 'sample', 'tmp'),
    fc.constantFrom<Content>('missing', 'file'),
    false,
  ),
  // Out of range, a fraction of a second, two TTLs out of order, one against a default.
  ttls: field(validTtls, badTtls, false, 4),
  pages: field(validPages, badPages, false),
  // A non-viewer event type, two functions on one event type.
  functions: field(validFunctions, badFunctions, true, 2),
  // Both a web ACL to create and one to use; a rate limit out of range.
  waf: field(validWaf, badWaf, false, 2),
  priceClass: field(
    fc.constantFrom(
      cloudfront.PriceClass.PRICE_CLASS_100,
      cloudfront.PriceClass.PRICE_CLASS_200,
      cloudfront.PriceClass.PRICE_CLASS_ALL,
    ),
  ),
  additionalMetrics: field(fc.boolean()),
  errorRateThresholdPercent: field(
    fc.oneof(fc.double({ min: 0.1, max: 100, noNaN: true }), fc.constantFrom(0.1, 1, 5, 100)),
    fc.constantFrom(0, 0.09, -5, 100.01, 101, 1e6, NaN, Infinity, -Infinity),
  ),
  originLatencyThreshold: field(validLatency, badLatency),
  // A domain without certificate, a hosted zone without domain, a certificate outside us-east-1.
  dns: field(validDns, badDns, false, 3),
  importedAlarmTopic: field(fc.boolean(), undefined, false),
  removalPolicy: field(
    fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.DESTROY),
    fc.constant(RemovalPolicy.SNAPSHOT),
  ),
  logRetention: field(
    fc.constantFrom(logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_YEAR, logs.RetentionDays.TEN_YEARS),
    fc.constant(logs.RetentionDays.INFINITE),
  ),
};

const caseArb: fc.Arbitrary<SiteCase> = validOrMutated((mutate) => recordOf(siteModel, mutate));

// ---- Oracle.

/** Kinds of violation that several props (or several ways of one prop) share, for the coverage check. */
const TTL_RANGE = 'TTL out of range';
const TTL_FRACTION = 'TTL fraction of a second';
const TTL_ORDER = 'TTL order';
const NO_CERTIFICATE = 'domainName without certificate';
const CERTIFICATE_REGION = 'certificate outside us-east-1';

/** The TTLs in effect (seconds), the defaults for those not given. */
function effectiveTtls(t: Ttls): Record<TtlProp, number> {
  const of = (p: TtlProp) => (t[p] === undefined ? DEFAULT_TTLS[p] : secondsOf(t[p]!));
  return { minTtl: of('minTtl'), defaultTtl: of('defaultTtl'), maxTtl: of('maxTtl') };
}

/** CloudFront, WAF, CloudWatch and ACM rules, and the construct's documented ones. */
function violations(c: SiteCase): Violation[] {
  const o = new Oracle();
  // CloudFront's metrics, CLOUDFRONT-scope web ACLs and log delivery sources exist only in us-east-1.
  o.check(c.region === 'us-east-1' || c.region === 'agnostic', 'stack region');
  o.check(c.content === 'sample' || c.content === 'tmp', 'contentPath');
  o.check(!(c.pages.singlePageApp && c.pages.notFoundPage !== undefined), 'notFoundPage');
  // Cache policy TTLs: whole seconds, 0 to a year, min <= default <= max.
  let ttlsOk = true;
  for (const p of TTL_PROPS) {
    const d = c.ttls[p];
    if (d === undefined) continue;
    const s = secondsOf(d);
    const inRange = s >= 0 && s <= MAX_TTL_S;
    o.check(inRange, p, false, TTL_RANGE);
    if (inRange) o.check(Number.isInteger(s), p, false, TTL_FRACTION);
    ttlsOk &&= inRange && Number.isInteger(s);
  }
  if (ttlsOk) {
    const t = effectiveTtls(c.ttls);
    if (t.minTtl > t.defaultTtl || t.defaultTtl > t.maxTtl) {
      // Any TTL the case gave may be the one blamed; the message gives all three (see checkMessage).
      for (const p of TTL_PROPS) if (c.ttls[p] !== undefined) o.check(false, p, false, TTL_ORDER);
    }
  }
  // CloudFront Functions run on viewer events only, one per event type of a cache behavior.
  const functions = c.functions ?? [];
  functions.forEach((t, i) => o.check(VIEWER.includes(t), `functions[${i}].eventType`));
  o.check(new Set(functions).size === functions.length, 'functions');
  o.check(!(c.waf.webAclEnabled === true && c.waf.webAclArn !== undefined), 'webAclEnabled', true);
  // WAF rate-based rules: 10 to 2,000,000,000 requests per window, a whole number.
  const rate = c.waf.rateLimitPerIp;
  o.check(rate === undefined || intOk(rate, 10, 2_000_000_000), 'rateLimitPerIp');
  const errorRate = c.errorRateThresholdPercent;
  o.check(errorRate === undefined || (errorRate >= 0.1 && errorRate <= 100), 'errorRateThresholdPercent');
  // CloudFront's origin response timeout is at most 60 s; below 10 ms an alarm on the p90 is noise.
  const latency = c.originLatencyThreshold
    ? c.originLatencyThreshold.toMilliseconds({ integral: false })
    : 2000;
  o.check(latency >= 10 && latency <= 60_000, 'originLatencyThreshold');
  // An alternate domain name needs a certificate that covers it; CloudFront takes only us-east-1 certificates.
  o.check(!(c.dns.domainName && !c.dns.certificate), 'certificate', false, NO_CERTIFICATE);
  o.check(!(c.dns.hostedZone && !c.dns.domainName), 'domainName');
  const certRegion = c.dns.certificate;
  o.check(
    certRegion === undefined || certRegion === 'us-east-1' || certRegion === 'token',
    'certificate',
    false,
    CERTIFICATE_REGION,
  );
  o.check(c.removalPolicy !== RemovalPolicy.SNAPSHOT, 'removalPolicy');
  o.check(c.logRetention !== logs.RetentionDays.INFINITE, 'logRetention');
  return o.violations;
}

// ---- Props and messages.

function stackPropsOf(c: SiteCase): StackProps | undefined {
  return c.region === 'agnostic' ? undefined : { env: { region: c.region } };
}

function certificateOf(stack: Stack, choice: CertificateChoice | undefined): acm.ICertificate | undefined {
  if (choice === undefined) return undefined;
  const arn = choice === 'token' ? Fn.importValue('SiteCertificateArn') : certificateArn(choice);
  return acm.Certificate.fromCertificateArn(stack, 'Certificate', arn);
}

function propsOf(stack: Stack, c: SiteCase): StaticSiteProps {
  return {
    contentPath: contentPathOf(c.content),
    ...c.ttls,
    ...c.pages,
    functions: c.functions?.map((eventType, i) => ({
      function: new cloudfront.Function(stack, `Function${i}`, {
        runtime: cloudfront.FunctionRuntime.JS_2_0,
        code: cloudfront.FunctionCode.fromInline(
          eventType === 'viewer-response'
            ? 'function handler(event) { return event.response; }'
            : 'function handler(event) { return event.request; }',
        ),
      }),
      eventType: eventType as cloudfront.FunctionEventType,
    })),
    ...c.waf,
    priceClass: c.priceClass,
    additionalMetrics: c.additionalMetrics,
    errorRateThresholdPercent: c.errorRateThresholdPercent,
    originLatencyThreshold: c.originLatencyThreshold,
    domainName: c.dns.domainName,
    certificate: certificateOf(stack, c.dns.certificate),
    hostedZone: c.dns.hostedZone
      ? route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
          hostedZoneId: 'Z0123456789ABC',
          zoneName: ZONE,
        })
      : undefined,
    alarmTopic: c.importedAlarmTopic ? importedAlarmTopic(stack) : undefined,
    removalPolicy: c.removalPolicy,
    logRetention: c.logRetention,
  };
}

/**
 * Props whose message shows the value in a form received.ts does not render (an unquoted Region or ARN,
 * a list of event types, TTLs in "N s"): {@link checkMessage} checks those; the rest go through
 * showingValue.
 */
const shown = (expected: readonly Violation[], props: StaticSiteProps) => (prop: string) => {
  if (prop === 'stack region' || prop === 'certificate' || prop === 'functions') return undefined;
  if (expected.some((v) => v.prop === prop && v.kind === TTL_ORDER)) return undefined;
  return shownValue(props, prop);
};

/** The message of a rejection shows the values it is about, for the props `shown` leaves out. */
function checkMessage(e: PropValidationError, c: SiteCase, expected: readonly Violation[]): void {
  const must = (text: string) => {
    if (!e.message.includes(text)) {
      throw new Error(`the message does not show the value received for ${e.prop} (${text}): ${e.message}`);
    }
  };
  const violation = expected.find((v) => v.prop === e.prop);
  if (e.prop === 'stack region') must(`received ${c.region}`);
  else if (e.prop === 'functions') must(`received ${(c.functions ?? []).join(', ')}`);
  else if (violation?.kind === CERTIFICATE_REGION) {
    must(`received ${certificateArn(c.dns.certificate!)} (Region ${c.dns.certificate})`);
  } else if (violation?.kind === NO_CERTIFICATE) must(`received domainName '${c.dns.domainName}'`);
  else if (e.prop === 'domainName') must(`received hostedZone '${ZONE}'`);
  else if (violation?.kind === TTL_ORDER) {
    const t = effectiveTtls(c.ttls);
    must(`received minTtl ${t.minTtl} s, defaultTtl ${t.defaultTtl} s, maxTtl ${t.maxTtl} s`);
  }
}

// ---- Invariants of a valid site's template.

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function invariant(ok: boolean, what: string): void {
  if (!ok) throw new Error(`INVARIANT: ${what}`);
}

function checkTemplate(stack: Stack, c: SiteCase): void {
  let template: { Resources: Record<string, Resource>; Rules?: Record<string, unknown> };
  try {
    template = Template.fromStack(stack).toJSON() as typeof template;
  } catch (e) {
    throw new Error(`the construct accepted the props but synth failed: ${(e as Error).message}`);
  }
  const resources = template.Resources;
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);
  const json = (v: unknown) => JSON.stringify(v);

  const distributions = ofType('AWS::CloudFront::Distribution');
  invariant(distributions.length === 1, `one distribution; found ${distributions.length}`);
  const config = distributions[0].Properties!.DistributionConfig;
  const behaviors = [config.DefaultCacheBehavior, ...(config.CacheBehaviors ?? [])];
  invariant(
    behaviors.every((b) => b.ViewerProtocolPolicy === 'redirect-to-https'),
    `every behavior redirects to HTTPS: ${json(behaviors.map((b) => b.ViewerProtocolPolicy))}`,
  );

  // The cache policy's TTLs are the props (or their defaults).
  const policyId = config.DefaultCacheBehavior.CachePolicyId?.Ref;
  const policy = resources[policyId]?.Properties?.CachePolicyConfig;
  const ttls = effectiveTtls(c.ttls);
  invariant(
    !!policy &&
      policy.MinTTL === ttls.minTtl &&
      policy.DefaultTTL === ttls.defaultTtl &&
      policy.MaxTTL === ttls.maxTtl,
    `cache policy TTLs ${json(ttls)}; found ${json(policy && [policy.MinTTL, policy.DefaultTTL, policy.MaxTTL])}`,
  );

  // 403 (S3's answer for a missing object) and 404: the SPA's index with 200, or the not-found page with 404.
  const page = c.pages.singlePageApp
    ? '/index.html'
    : `/${(c.pages.notFoundPage ?? '404.html').replace(/^\/+/, '')}`;
  const status = c.pages.singlePageApp ? 200 : 404;
  for (const code of [403, 404]) {
    const r = (config.CustomErrorResponses ?? []).find(
      (x: { ErrorCode: unknown }) => Number(x.ErrorCode) === code,
    );
    invariant(
      !!r && r.ResponsePagePath === page && Number(r.ResponseCode) === status,
      `error response for ${code}: ${page} with ${status}; found ${json(r)}`,
    );
  }

  invariant(
    config.Origins.length > 0 &&
      config.Origins.every((o: Record<string, unknown>) => !!o.OriginAccessControlId),
    `every origin has an origin access control: ${json(config.Origins)}`,
  );

  // A web ACL iff one is created (webAclEnabled, by default) or given.
  const aclExpected = c.waf.webAclArn !== undefined || (c.waf.webAclEnabled ?? true);
  invariant(
    !!config.WebACLId === aclExpected,
    `web ACL ${aclExpected ? '' : 'not '}on the distribution: ${json(config.WebACLId)}`,
  );
  if (c.waf.webAclArn !== undefined) {
    invariant(config.WebACLId === c.waf.webAclArn, `the given web ACL: ${json(config.WebACLId)}`);
  } else if (aclExpected) {
    const acl = resources[config.WebACLId?.['Fn::GetAtt']?.[0]];
    invariant(
      acl?.Type === 'AWS::WAFv2::WebACL' && acl.Properties?.Scope === 'CLOUDFRONT',
      `a CLOUDFRONT web ACL of the stack: ${json(config.WebACLId)}`,
    );
  }
  invariant(
    ofType('AWS::WAFv2::WebACL').length === (c.waf.webAclArn === undefined && aclExpected ? 1 : 0),
    'a web ACL resource only when the construct creates one',
  );

  // One function per viewer event: the built-in viewer-request one unless a viewer-request function was given.
  const events = [...new Set(['viewer-request', ...(c.functions ?? [])])].sort();
  const associated = (config.DefaultCacheBehavior.FunctionAssociations ?? [])
    .map((f: { EventType: string }) => f.EventType)
    .sort();
  invariant(json(associated) === json(events), `functions on ${json(events)}; found ${json(associated)}`);

  invariant(
    json(config.Aliases) === json(c.dns.domainName ? [c.dns.domainName] : undefined),
    `aliases ${json(c.dns.domainName)}; found ${json(config.Aliases)}`,
  );
  const records = ofType('AWS::Route53::RecordSet').length;
  invariant(records === (c.dns.hostedZone ? 2 : 0), `A and AAAA records iff hostedZone; found ${records}`);

  // Alarms: the error rate always, the origin latency iff additionalMetrics; each notifies a topic.
  const alarms = ofType('AWS::CloudWatch::Alarm').map((a) => a.Properties!);
  const latency = alarms.filter((a) => a.MetricName === 'OriginLatency');
  invariant(
    latency.length === ((c.additionalMetrics ?? true) ? 1 : 0),
    `origin-latency alarm iff additionalMetrics; found ${latency.length}`,
  );
  if (latency.length) {
    const ms = c.originLatencyThreshold ? c.originLatencyThreshold.toMilliseconds() : 2000;
    invariant(
      latency[0].Threshold === ms,
      `origin-latency threshold ${ms} ms; found ${latency[0].Threshold}`,
    );
  }
  const errorRate = alarms.filter((a) => a.MetricName === '5xxErrorRate');
  invariant(
    errorRate.length === 1 && errorRate[0].Threshold === (c.errorRateThresholdPercent ?? 5),
    `one 5xx alarm at ${c.errorRateThresholdPercent ?? 5} %; found ${json(errorRate.map((a) => a.Threshold))}`,
  );
  invariant(
    alarms.every((a) => Array.isArray(a.AlarmActions) && a.AlarmActions.length > 0),
    'every alarm has an alarm action',
  );

  // An environment-agnostic stack stops a deploy outside us-east-1 with a template rule.
  const rules = Object.keys(template.Rules ?? {}).filter((k) => k.includes('RequireCloudFrontRegion'));
  invariant(
    rules.length === (c.region === 'agnostic' ? 1 : 0),
    `Region rule iff agnostic; found ${json(rules)}`,
  );
}

/** Booleans, enums and which optional parts exist: what cdk-nag's verdict can depend on. */
function nagShape(c: SiteCase): string {
  return JSON.stringify([
    c.region,
    c.content,
    c.pages.singlePageApp,
    [...(c.functions ?? [])].sort(),
    c.waf.webAclArn !== undefined,
    c.waf.webAclEnabled,
    c.dns.domainName !== undefined,
    c.dns.certificate,
    c.dns.hostedZone,
    c.additionalMetrics,
    c.importedAlarmTopic,
    c.removalPolicy,
  ]);
}

/**
 * The kinds of violation every default run rejects cases for, each at least 150 times in 5000 invalid
 * cases (FC_VERBOSE=1 prints the counts): the run fails when one never comes up.
 */
const REJECTS = [
  CERTIFICATE_REGION,
  'contentPath',
  'domainName',
  NO_CERTIFICATE,
  'errorRateThresholdPercent',
  'functions',
  'functions[].eventType',
  'logRetention',
  'notFoundPage',
  'originLatencyThreshold',
  'rateLimitPerIp',
  'removalPolicy',
  'stack region',
  TTL_FRACTION,
  TTL_ORDER,
  TTL_RANGE,
  'webAclEnabled',
];

describeProperty(
  'StaticSite',
  caseArb,
  (c) => {
    const expected = violations(c);
    return {
      violations: expected,
      build: (stack) => {
        const props = propsOf(stack, c);
        try {
          showingValue(() => new StaticSite(stack, 'Site', props), props, expected, shown(expected, props));
        } catch (e) {
          if (e instanceof PropValidationError) checkMessage(e, c, expected);
          throw e;
        }
        if (expected.length === 0) checkTemplate(stack, c);
      },
      stackProps: stackPropsOf(c),
      nagShape: nagShape(c),
    };
  },
  { rejects: REJECTS },
);
