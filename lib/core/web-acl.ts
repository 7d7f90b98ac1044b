import { ArnFormat, Aws, CfnRule, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { CLOUDFRONT_REGION } from './cloudfront';
import { PropValidationError, validateInteger } from './errors';
import { allowCloudWatchLogs } from './service-grants';

/** Where a web ACL protects resources. */
export enum WebAclScope {
  /** Application Load Balancers, API Gateway REST API stages, AppSync, Cognito user pools: in their own Region. */
  REGIONAL = 'REGIONAL',
  /** CloudFront distributions: the web ACL must be created in us-east-1. */
  CLOUDFRONT = 'CLOUDFRONT',
}

/** One AWS managed rule group of the web ACL. */
export interface ManagedRuleGroup {
  /** AWS managed rule group name, e.g. 'AWSManagedRulesCommonRuleSet'. */
  readonly name: string;
  /** Rules of the group that only count (not block), with why in the caller. */
  readonly countOnlyRules?: readonly string[];
}

/** What {@link createWebAcl} builds. */
export interface WebAclOptions {
  readonly scope: WebAclScope;
  /** In priority order. */
  readonly managedRuleGroups: readonly ManagedRuleGroup[];
  /** Requests one IP address may send in 5 minutes before it is blocked (WAF allows 10 to 2,000,000,000). */
  readonly rateLimitPerIp: number;
  /** The rate rule's name and metric name (existing stacks: three-tier 'RateLimitPerIp', Cognito 'RatePerIp'). */
  readonly rateRuleName?: string;
  /** Resource to associate (ALB ARN, API stage ARN). Omit for CLOUDFRONT: the distribution names the ACL. */
  readonly associateWith?: string;
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Headers whose values the WAF logs replace with REDACTED. */
  readonly redactedHeaders?: readonly string[];
  /**
   * Count the rate per address in this header instead of the connecting address: behind a proxy (a
   * CloudFront distribution in front of a load balancer) every request comes from the proxy's few
   * addresses, and a per-IP limit would throttle all viewers behind one edge server together. The first
   * address of `X-Forwarded-For` is set by the client, so a determined client can spread its requests
   * over made-up addresses; a CLOUDFRONT-scope web ACL (us-east-1) sees the real viewer address.
   * @default - the connecting address
   */
  readonly rateLimitForwardedIpHeader?: string;
}

/** What {@link createWebAcl} built. */
export interface WebAclResources {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
}

/** The bounds AWS WAF puts on a rate-based rule's limit (requests per evaluation window, per key). */
export const RATE_LIMIT_MIN = 10;
export const RATE_LIMIT_MAX = 2_000_000_000;

/** The only Region where WAF creates web ACLs for CloudFront (CloudFront is a global service homed there). */
export const CLOUDFRONT_WEB_ACL_REGION = CLOUDFRONT_REGION;

/** WAF delivers logs only to CloudWatch Logs groups whose name starts with this. */
export const WAF_LOG_GROUP_PREFIX = 'aws-waf-logs-';

/** Longest CloudWatch Logs group name. */
const LOG_GROUP_NAME_MAX = 512;
/** A stack id's last part is a UUID: 36 characters. */
const STACK_UUID_LENGTH = 36;
/** Room left for the part of the name derived from the construct path: prefix, '-', UUID. */
const PATH_PART_MAX = LOG_GROUP_NAME_MAX - WAF_LOG_GROUP_PREFIX.length - 1 - STACK_UUID_LENGTH;

const DEFAULT_RATE_RULE_NAME = 'RateLimitPerIp';

/**
 * A WAF web ACL with AWS managed rule groups and a per-IP rate rule, associated with `associateWith`
 * (REGIONAL only), logging every request into an encrypted `aws-waf-logs-` log group.
 *
 * The children are created directly under `scope` with the ids 'WebAcl', 'WebAclAssociation',
 * 'WebAclLogs' and 'WebAclLogging' (plus 'WebAclRegionRule' for a CLOUDFRONT ACL in a stack whose
 * Region is unknown at synth), so the logical IDs of the stacks that built these inline stay put.
 */
export function createWebAcl(scope: Construct, options: WebAclOptions): WebAclResources {
  const construct = `WebAcl at ${scope.node.path}`;
  validateInteger(
    construct,
    'rateLimitPerIp',
    options.rateLimitPerIp,
    RATE_LIMIT_MIN,
    RATE_LIMIT_MAX,
    'requests per 5 minutes',
    { because: "AWS WAF's bounds for a rate-based rule's limit" },
  );
  if (options.scope === WebAclScope.CLOUDFRONT) requireCloudFrontRegion(scope, construct, options);

  const rateRuleName = options.rateRuleName ?? DEFAULT_RATE_RULE_NAME;
  const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
    sampledRequestsEnabled: true,
    cloudWatchMetricsEnabled: true,
    metricName,
  });
  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: options.scope,
    defaultAction: { allow: {} },
    visibilityConfig: visibility('WebAcl'),
    rules: [
      ...options.managedRuleGroups.map((group, priority): wafv2.CfnWebACL.RuleProperty => ({
        name: group.name,
        priority,
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: group.name,
            // Counted rules still label and log a match, so the logs show what they would have blocked.
            ruleActionOverrides:
              group.countOnlyRules && group.countOnlyRules.length > 0
                ? group.countOnlyRules.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
                : undefined,
          },
        },
        // none: the group's own actions apply (count would turn the whole group into a dry run).
        overrideAction: { none: {} },
        visibilityConfig: visibility(group.name),
      })),
      {
        name: rateRuleName,
        priority: options.managedRuleGroups.length,
        statement: {
          rateBasedStatement: options.rateLimitForwardedIpHeader
            ? {
                limit: options.rateLimitPerIp,
                aggregateKeyType: 'FORWARDED_IP',
                // A request without the header is counted (MATCH), not let through.
                forwardedIpConfig: {
                  headerName: options.rateLimitForwardedIpHeader,
                  fallbackBehavior: 'MATCH',
                },
              }
            : { limit: options.rateLimitPerIp, aggregateKeyType: 'IP' },
        },
        // 429 Too Many Requests, not WAF's default 403: a client can tell a rate limit from a refusal, and a
        // CloudFront distribution that maps origin 403s to an error page (a static site's 404 page, or a
        // single-page app's index.html with 200) does not disguise it.
        action: { block: { customResponse: { responseCode: 429 } } },
        visibilityConfig: visibility(rateRuleName),
      },
    ],
  });
  if (options.associateWith !== undefined) {
    new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
      resourceArn: options.associateWith,
      webAclArn: webAcl.attrArn,
    });
  }

  // CloudWatch Logs encrypts with the key as its own service principal, so the key policy must admit it.
  // A key that already admits it (one that also encrypts the caller's other log groups) is not harmed:
  // the policy document drops the identical second statement at synth, so the key policy keeps one.
  allowCloudWatchLogs(options.logKey);
  const logGroup = new logs.LogGroup(scope, 'WebAclLogs', {
    logGroupName: wafLogGroupName(scope),
    encryptionKey: options.logKey,
    retention: options.logRetention,
    removalPolicy: options.removalPolicy,
  });
  new wafv2.CfnLoggingConfiguration(scope, 'WebAclLogging', {
    resourceArn: webAcl.attrArn,
    // The ARN as the WAF Developer Guide writes it (arn:...:log-group:aws-waf-logs-<suffix>), without the
    // ':*' that CloudFormation's Arn attribute (logGroupArn) ends with: that form names the group's log
    // streams, and WAF documents the group's own ARN.
    logDestinationConfigs: [
      Stack.of(scope).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: logGroup.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
    redactedFields:
      options.redactedHeaders && options.redactedHeaders.length > 0
        ? options.redactedHeaders.map((name) => ({ singleHeader: { Name: name } }))
        : undefined,
  });
  return { webAcl, logGroup };
}

/**
 * WAF only writes to log groups named `aws-waf-logs-...`, so this group needs a physical name, and a
 * name is taken for as long as the group exists. A name derived only from the construct path would be
 * the same for every deployment of the stack: a group kept by a destroy (RETAIN, the production
 * profile), or left behind by a create that failed and rolled back, would make the next deploy fail
 * with "already exists". The UUID at the end of the stack id is drawn anew each time CloudFormation
 * creates the stack and stays put across updates, so it tells the deployments apart; the path part
 * still tells a reader which construct the group belongs to.
 */
function wafLogGroupName(scope: Construct): string {
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.join('-', [
    `${WAF_LOG_GROUP_PREFIX}${Names.uniqueResourceName(scope, { maxLength: PATH_PART_MAX, separator: '-' })}`,
    stackUuid,
  ]);
}

/**
 * WAF creates web ACLs for CloudFront only in us-east-1, and a CloudFormation stack creates resources
 * only in its own Region. A stack bound to another Region is refused at synth; an environment-agnostic
 * stack gets a template rule, which CloudFormation checks before it creates anything.
 */
function requireCloudFrontRegion(scope: Construct, construct: string, options: WebAclOptions): void {
  if (options.associateWith !== undefined) {
    throw new PropValidationError(
      construct,
      'associateWith',
      `must be omitted when scope is CLOUDFRONT; received '${options.associateWith}'. WAF has no association ` +
        'for CloudFront: the distribution names its web ACL (the webAclId of the distribution).',
    );
  }
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) {
    if (stack.region !== CLOUDFRONT_WEB_ACL_REGION) {
      throw new PropValidationError(
        construct,
        'scope',
        `CLOUDFRONT web ACLs can only be created in ${CLOUDFRONT_WEB_ACL_REGION}; this stack deploys to ` +
          `${stack.region}. Create the web ACL in a ${CLOUDFRONT_WEB_ACL_REGION} stack and pass its ARN ` +
          'instead (an existing web ACL ARN), or deploy this stack to us-east-1.',
      );
    }
    return;
  }
  new CfnRule(scope, 'WebAclRegionRule', {
    assertions: [
      {
        assert: Fn.conditionEquals(Aws.REGION, CLOUDFRONT_WEB_ACL_REGION),
        assertDescription:
          `This stack creates a WAF web ACL for CloudFront, and WAF creates those only in ${CLOUDFRONT_WEB_ACL_REGION}. ` +
          `Deploy the stack to ${CLOUDFRONT_WEB_ACL_REGION} (for example AWS_REGION=${CLOUDFRONT_WEB_ACL_REGION} ` +
          'npx cdk deploy), or give it an existing web ACL ARN instead.',
      },
    ],
  });
}
