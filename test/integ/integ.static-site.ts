// Integration test: static website on S3 + CloudFront (RefArch-StaticSite, sandbox profile), against a real
// account. Proves, over HTTP from the internet, what the distribution promises viewers and the origin:
//   1. GET https://<distribution>/: 200, the sample site's index page, and the security headers of the
//      response headers policy (strict-transport-security, x-content-type-options: nosniff);
//   2. GET /docs/ and GET /docs: 200 and docs/index.html (the viewer-request CloudFront Function rewrote
//      the directory URI: the S3 REST endpoint behind origin access control has no index document);
//   3. GET /no-such-page: 404 and the site's 404 page (S3 answers 403 for a missing object; the
//      distribution's error responses turn it into the not-found page);
//   4. GET http://<distribution>/: 301 to https:// (viewer protocol policy redirect-to-https);
//   5. GET https://<bucket>.s3.amazonaws.com/index.html: 403, the origin bucket refuses a direct read (only
//      the distribution, signing with origin access control, may read it).
// The stack is pinned to us-east-1 (lib/static-site/static-site-stack.ts), so is its assertion stack: the
// assertions reference the stack's outputs, which CloudFormation only exports within one Region. Bootstrap
// us-east-1 once, whatever AWS_REGION says.
// Run: see "Run the integration test against a sandbox account" in lib/static-site/README.md.
import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { ExpectedResult, FetchOptions, Match } from '@aws-cdk/integ-tests-alpha';
import { StaticSiteStack } from '../../lib/static-site/static-site-stack';
import {
  alarmNotifies,
  destroyableAssertionLogs,
  expectWithin,
  INTEG_STACK_PREFIX,
  IntegCase,
  integTest,
  synthIntegApp,
} from './integ-helpers';

/** Text of the sample site's pages (lib/static-site/sample-site) that the assertions look for. */
export const INDEX_PAGE = '<h1>It works</h1>';
export const DOCS_PAGE = '<h1>/docs/index.html</h1>';
export const NOT_FOUND_PAGE = '<h1>404: not found</h1>';

/**
 * Fetch options that return a redirect instead of following it. The assertion handler passes fetchOptions to
 * node-fetch as they are; FetchOptions does not declare `redirect`, node-fetch reads it (default 'follow',
 * which would turn the 301 into the 200 of the https page).
 */
const NO_REDIRECT: FetchOptions & { readonly redirect: 'manual' } = { redirect: 'manual' };

export function build(app: App): IntegCase {
  const stack = new StaticSiteStack(app, `${INTEG_STACK_PREFIX}StaticSite`, { profile: 'sandbox' });
  // The assertion stack of assertionStack() (integ-helpers.ts), in the stack's environment: a stack may only
  // reference the outputs of a stack in the same account and Region.
  const assertions = new Stack(app, `${INTEG_STACK_PREFIX}StaticSite-Assertions`, {
    description: 'Integration test assertions for the StaticSite pattern (deleted with the test)',
    env: { account: Token.isUnresolved(stack.account) ? undefined : stack.account, region: stack.region },
  });
  const integ = integTest(app, 'StaticSite', stack, assertions);
  const site = stack.site;
  const domain = site.distribution.distributionDomainName;
  const page = (path: string, options?: FetchOptions) =>
    integ.assertions.httpApiCall(`https://${domain}${path}`, options);

  // A new distribution's domain name can take a few minutes to resolve everywhere: the first check retries
  // longest. CloudFront keeps a 404 for 10 s (the error responses' TTL), so a retry sees a fresh answer.
  const index = expectWithin(
    page('/'),
    ExpectedResult.objectLike({
      status: 200,
      body: Match.stringLikeRegexp(INDEX_PAGE),
      // node-fetch gives every header as an array of its values.
      headers: Match.objectLike({
        'strict-transport-security': Match.arrayWith([Match.stringLikeRegexp('max-age=[1-9][0-9]*')]),
        'x-content-type-options': ['nosniff'],
      }),
    }),
    Duration.minutes(10),
    Duration.seconds(20),
  );
  const docsPage = (path: string) =>
    expectWithin(
      page(path),
      ExpectedResult.objectLike({ status: 200, body: Match.stringLikeRegexp(DOCS_PAGE) }),
      Duration.minutes(3),
      Duration.seconds(15),
    );
  const docsSlash = docsPage('/docs/');
  const docsBare = docsPage('/docs');
  const notFound = expectWithin(
    page('/no-such-page'),
    ExpectedResult.objectLike({ status: 404, body: Match.stringLikeRegexp(NOT_FOUND_PAGE) }),
    Duration.minutes(3),
    Duration.seconds(15),
  );
  const redirect = expectWithin(
    integ.assertions.httpApiCall(`http://${domain}/`, NO_REDIRECT),
    ExpectedResult.objectLike({
      status: 301,
      headers: Match.objectLike({ location: [Match.stringLikeRegexp('^https://')] }),
    }),
    Duration.minutes(3),
    Duration.seconds(15),
  );
  // The bucket's global endpoint (<bucket>.s3.amazonaws.com): no public access, and its bucket policy admits
  // only this distribution, so an anonymous read is refused (403 AccessDenied) although the object exists.
  const originRefused = expectWithin(
    integ.assertions.httpApiCall(`https://${site.bucket.bucketDomainName}/index.html`),
    ExpectedResult.objectLike({ status: 403 }),
    Duration.minutes(3),
    Duration.seconds(15),
  );

  index
    .next(docsSlash)
    .next(docsBare)
    .next(notFound)
    .next(redirect)
    .next(originRefused)
    // Last: an alarm of the site reaches its topic (alarmNotifies).
    .next(alarmNotifies(integ, site.alarms[0])[0]);

  destroyableAssertionLogs(assertions);
  return { integ, stack, assertionStack: assertions };
}

if (require.main === module) synthIntegApp(build);
