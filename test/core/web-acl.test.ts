import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EncryptionKey } from '../../lib/core/encryption-key';
import { PropValidationError } from '../../lib/core/errors';
import { createWebAcl, WebAclOptions, WebAclResources, WebAclScope } from '../../lib/core/web-acl';
import { allowCloudWatchLogs } from '../../lib/core/service-grants';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';

const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/0123456789abcdef';

const STACK_UUID = { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] };

interface Built {
  readonly stack: Stack;
  readonly template: Template;
  readonly resources: WebAclResources;
}

/** A stack (env-agnostic unless `region` is given) with one construct `Site` holding the web ACL. */
function build(options: Partial<WebAclOptions> = {}, region?: string): Built {
  const stack = new Stack(testApp(), 'Stack', region ? { env: { account: '111111111111', region } } : {});
  const site = new Construct(stack, 'Site');
  const resources = createWebAcl(site, {
    scope: WebAclScope.REGIONAL,
    managedRuleGroups: [{ name: 'AWSManagedRulesCommonRuleSet' }],
    rateLimitPerIp: 500,
    associateWith: ALB_ARN,
    logKey: new EncryptionKey(site, 'LogKey', {
      description: 'WAF logs',
      removalPolicy: RemovalPolicy.DESTROY,
    }).key,
    logRetention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
    ...options,
  });
  return { stack, template: Template.fromStack(stack), resources };
}

interface ManagedRule {
  readonly Statement: { readonly ManagedRuleGroupStatement: { readonly RuleActionOverrides?: unknown } };
}

/** The template's rules other than the CDK's own bootstrap-version check. */
function regionRules(template: Template): [string, { Assertions: Record<string, unknown>[] }][] {
  const rules = (template.toJSON().Rules ?? {}) as Record<string, { Assertions: Record<string, unknown>[] }>;
  return Object.entries(rules).filter(([id]) => id !== 'CheckBootstrapVersion');
}

function only<T = Record<string, unknown>>(template: Template, type: string): T {
  const found = Object.values(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] as T;
}

describe('REGIONAL web ACL', () => {
  const { stack, template, resources } = build({
    managedRuleGroups: [
      { name: 'AWSManagedRulesAmazonIpReputationList' },
      { name: 'AWSManagedRulesCommonRuleSet', countOnlyRules: ['SizeRestrictions_BODY', 'GenericLFI_BODY'] },
    ],
    rateLimitPerIp: 1000,
    rateRuleName: 'RatePerIp',
    redactedHeaders: ['authorization', 'cookie'],
  });

  test('managed groups in the order given, each blocking with its own actions, then the rate rule', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: {
        SampledRequestsEnabled: true,
        CloudWatchMetricsEnabled: true,
        MetricName: 'WebAcl',
      },
      Rules: [
        Match.objectLike({
          Name: 'AWSManagedRulesAmazonIpReputationList',
          Priority: 0,
          OverrideAction: { None: {} },
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' },
          },
          VisibilityConfig: Match.objectLike({ MetricName: 'AWSManagedRulesAmazonIpReputationList' }),
        }),
        Match.objectLike({ Name: 'AWSManagedRulesCommonRuleSet', Priority: 1 }),
        {
          Name: 'RatePerIp',
          Priority: 2,
          Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
          Statement: { RateBasedStatement: { Limit: 1000, AggregateKeyType: 'IP' } },
          VisibilityConfig: {
            SampledRequestsEnabled: true,
            CloudWatchMetricsEnabled: true,
            MetricName: 'RatePerIp',
          },
        },
      ],
    });
    expect(resources.webAcl).toBe(stack.node.findChild('Site').node.findChild('WebAcl'));
  });

  test('count-only rules become rule action overrides of their group; other groups have none', () => {
    const rules = only<{ Properties: { Rules: ManagedRule[] } }>(template, 'AWS::WAFv2::WebACL').Properties
      .Rules;
    expect(rules[1].Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
      { Name: 'GenericLFI_BODY', ActionToUse: { Count: {} } },
    ]);
    expect(rules[0].Statement.ManagedRuleGroupStatement.RuleActionOverrides).toBeUndefined();
  });

  test('associated with the given resource', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: ALB_ARN,
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SiteWebAcl'), 'Arn'] },
    });
  });

  test('the children keep the ids the constructs used inline (stable logical IDs)', () => {
    const site = stack.node.findChild('Site');
    for (const id of ['WebAcl', 'WebAclAssociation', 'WebAclLogs', 'WebAclLogging']) {
      expect(site.node.tryFindChild(id)).toBeDefined();
    }
    expect(site.node.tryFindChild('WebAclRegionRule')).toBeUndefined();
  });

  test("log group: aws-waf-logs-<path>-<stack id's UUID>, encrypted, with the retention and removal policy given", () => {
    const logGroup = only<{ Properties: Record<string, unknown>; DeletionPolicy: string }>(
      template,
      'AWS::Logs::LogGroup',
    );
    expect(logGroup.Properties.LogGroupName).toEqual({
      'Fn::Join': ['-', ['aws-waf-logs-Stack-Site-2342C6BE', STACK_UUID]],
    });
    expect(logGroup.Properties.KmsKeyId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^SiteLogKey/), 'Arn'],
    });
    expect(logGroup.Properties.RetentionInDays).toBe(30);
    expect(logGroup.DeletionPolicy).toBe('Delete');
    expect(resources.logGroup.node.id).toBe('WebAclLogs');
  });

  test("the log destination is the log group's ARN without the ':*' of its Arn attribute", () => {
    const config = only<{ Properties: Record<string, unknown> }>(
      template,
      'AWS::WAFv2::LoggingConfiguration',
    );
    const logGroupId = template.getResourceId('AWS::Logs::LogGroup');
    expect(config.Properties.LogDestinationConfigs).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':logs:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':log-group:',
            { Ref: logGroupId },
          ],
        ],
      },
    ]);
    expect(JSON.stringify(config.Properties.LogDestinationConfigs)).not.toContain(':*');
    expect(config.Properties.ResourceArn).toEqual({
      'Fn::GetAtt': [template.getResourceId('AWS::WAFv2::WebACL'), 'Arn'],
    });
  });

  test('redacted headers replace their values in the logs', () => {
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }],
    });
  });

  test('the key admits CloudWatch Logs once, even when the caller already admitted it', () => {
    const { template: t } = build({}, undefined);
    const key = only<{ Properties: { KeyPolicy: { Statement: { Sid?: string }[] } } }>(t, 'AWS::KMS::Key');
    expect(key.Properties.KeyPolicy.Statement.filter((s) => s.Sid === 'AllowCloudWatchLogs')).toHaveLength(1);

    const stack = new Stack(testApp(), 'Twice');
    const key2 = new EncryptionKey(stack, 'Key', { description: 'shared' }).key;
    allowCloudWatchLogs(key2);
    createWebAcl(stack, {
      scope: WebAclScope.REGIONAL,
      managedRuleGroups: [],
      rateLimitPerIp: 100,
      associateWith: ALB_ARN,
      logKey: key2,
      logRetention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const policy = only<{ Properties: { KeyPolicy: { Statement: { Sid?: string }[] } } }>(
      Template.fromStack(stack),
      'AWS::KMS::Key',
    ).Properties.KeyPolicy;
    expect(policy.Statement.filter((s) => s.Sid === 'AllowCloudWatchLogs')).toHaveLength(1);
  });

  test('defaults: rate rule RateLimitPerIp, no redaction, no association without associateWith', () => {
    const { template: t } = build({ associateWith: undefined });
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Name: 'RateLimitPerIp', Priority: 1 })]),
    });
    t.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', { RedactedFields: Match.absent() });
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  test('a REGIONAL web ACL in a stack bound to any Region needs no Region rule', () => {
    const { template: t } = build({}, 'eu-west-1');
    expect(regionRules(t)).toEqual([]);
  });

  test('cdk-nag clean (all six packs)', () => {
    expectNagClean(stack);
  });
});

describe('CLOUDFRONT web ACL', () => {
  const cloudfront: Partial<WebAclOptions> = { scope: WebAclScope.CLOUDFRONT, associateWith: undefined };

  test('in an environment-agnostic stack: CLOUDFRONT scope, no association, and a rule that stops other Regions', () => {
    const { stack, template } = build(cloudfront);
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
    const [[ruleId, rule]] = regionRules(template);
    expect(ruleId).toMatch(/^SiteWebAclRegionRule/);
    expect(rule.Assertions).toEqual([
      {
        Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
        AssertDescription: expect.stringMatching(
          /WAF creates those only in us-east-1.*Deploy the stack to us-east-1/,
        ),
      },
    ]);
    expectNagClean(stack);
  });

  test('in a stack bound to us-east-1: no Region rule (the synth already knows)', () => {
    const { template } = build(cloudfront, 'us-east-1');
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    expect(regionRules(template)).toEqual([]);
  });

  test('in a stack bound to another Region: a clear error naming the Region and the way out', () => {
    expect(() => build(cloudfront, 'eu-west-1')).toThrow(PropValidationError);
    expect(() => build(cloudfront, 'eu-west-1')).toThrow(
      'WebAcl at Stack/Site: invalid scope: CLOUDFRONT web ACLs can only be created in us-east-1; this stack deploys to eu-west-1. ' +
        'Create the web ACL in a us-east-1 stack and pass its ARN instead (an existing web ACL ARN), or deploy this stack to us-east-1.',
    );
  });

  test('associateWith is refused: the distribution names its web ACL', () => {
    expect(() => build({ scope: WebAclScope.CLOUDFRONT, associateWith: ALB_ARN })).toThrow(
      `WebAcl at Stack/Site: invalid associateWith: must be omitted when scope is CLOUDFRONT; received '${ALB_ARN}'. ` +
        'WAF has no association for CloudFront: the distribution names its web ACL (the webAclId of the distribution).',
    );
  });
});

describe('rateLimitPerIp validation', () => {
  test.each([9, 2_000_000_001, 0, -1])('%p is refused with the range', (rate) => {
    expect(() => build({ rateLimitPerIp: rate })).toThrow(
      new RegExp(
        `^WebAcl at Stack/Site: invalid rateLimitPerIp: must be between 10 and 2000000000 requests per 5 minutes; ` +
          `received ${rate} requests per 5 minutes \\(AWS WAF's bounds for a rate-based rule's limit\\)\\.$`,
      ),
    );
  });

  test.each([100.5, Number.NaN])('%p is refused as not a whole number', (rate) => {
    expect(() => build({ rateLimitPerIp: rate })).toThrow(
      'WebAcl at Stack/Site: invalid rateLimitPerIp: must be a whole number between 10 and 2000000000 requests per 5 minutes; ' +
        `received ${rate} (AWS WAF's bounds for a rate-based rule's limit).`,
    );
  });

  test.each([10, 2_000_000_000])('%p (a bound) is accepted', (rate) => {
    const { template } = build({ rateLimitPerIp: rate });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { RateBasedStatement: { Limit: rate, AggregateKeyType: 'IP' } } }),
      ]),
    });
  });
});

test('a long construct path is cut so the whole name stays within 512 characters', () => {
  const stack = new Stack(testApp(), 'Stack');
  let scope: Construct = stack;
  for (let i = 0; i < 12; i++)
    scope = new Construct(scope, `AVeryLongConstructIdThatRepeats${'x'.repeat(30)}${i}`);
  createWebAcl(scope, {
    scope: WebAclScope.REGIONAL,
    managedRuleGroups: [],
    rateLimitPerIp: 100,
    logKey: new EncryptionKey(stack, 'Key', { description: 'logs' }).key,
    logRetention: logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const logGroup = only<{ Properties: { LogGroupName: { 'Fn::Join': [string, [string, unknown]] } } }>(
    Template.fromStack(stack),
    'AWS::Logs::LogGroup',
  );
  const [separator, [pathPart, uuid]] = logGroup.Properties.LogGroupName['Fn::Join'];
  expect(uuid).toEqual(STACK_UUID);
  expect(pathPart.startsWith('aws-waf-logs-')).toBe(true);
  // The UUID is 36 characters; '-' joins the two parts.
  expect(pathPart.length + separator.length + 36).toBeLessThanOrEqual(512);
  expect(pathPart.length + separator.length + 36).toBeGreaterThan(500);
});
