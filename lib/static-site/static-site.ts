import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Annotations,
  Aws,
  CfnResource,
  CfnRule,
  Duration,
  Fn,
  Names,
  RemovalPolicy,
  Stack,
  Token,
} from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge, guardRule } from '../core/acknowledge';
import { acknowledgeBucketDeployment } from '../core/cdk-managed-functions';
import { acknowledgeDefaultCertificate, CLOUDFRONT_REGION } from '../core/cloudfront';
import { acknowledgeLogGroupWithoutCmk } from '../core/function-acknowledgments';
import { AlarmTopic, notify } from '../core/alarms';
import { EncryptionKey } from '../core/encryption-key';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validateLogRetention,
  validatePattern,
  validateRange,
  validateRetainOrDestroy,
  validateWholeDuration,
} from '../core/errors';
import { stackCreationId } from '../core/physical-names';
import { AccessLogBucket, SecureBucket } from '../core/secure-bucket';
import { allowCloudWatchLogs, allowLogDelivery } from '../core/service-grants';
import { createWebAcl, WebAclScope } from '../core/web-acl';
import { ContentInvalidation } from './content-invalidation';
import { viewerRequestFunctionCode } from './viewer-request-code';

const NAME = 'StaticSite';

// The Region the stack must be in; exported here too, where the demo stack and users look for it.
export { CLOUDFRONT_REGION };

/** The longest TTL CloudFront accepts for a cache policy, and the notes' "max 1 year" (001 L1296). */
export const MAX_TTL = Duration.days(365);

/** Props of {@link StaticSite}. */
export interface StaticSiteProps {
  /**
   * Local folder published to the origin bucket at deploy time (every file, with its path). It must
   * exist at synth time.
   */
  readonly contentPath: string;
  /**
   * A single-page application: requests for paths that are no file (403 or 404 from S3) get
   * `/index.html` with status 200, so the application's router can read the URL. Otherwise they get
   * `notFoundPage` with status 404.
   * @default false
   */
  readonly singlePageApp?: boolean;
  /**
   * The page for paths that are no file, relative to `contentPath`. Not with `singlePageApp`.
   * @default '404.html'
   */
  readonly notFoundPage?: string;
  /**
   * How long CloudFront keeps an object at least, whatever the origin's Cache-Control says.
   * @default Duration.seconds(0)
   */
  readonly minTtl?: Duration;
  /**
   * How long CloudFront keeps an object the origin sends without Cache-Control (S3 sends none unless
   * the object carries it). Between `minTtl` and `maxTtl`.
   * @default Duration.days(1)
   */
  readonly defaultTtl?: Duration;
  /**
   * How long CloudFront keeps an object at most, at most a year (001 L1296).
   * @default Duration.days(365)
   */
  readonly maxTtl?: Duration;
  /**
   * Which edge locations serve the site (001 L1286): PRICE_CLASS_100 is North America and Europe, the
   * cheapest; PRICE_CLASS_ALL adds every location.
   * @default cloudfront.PriceClass.PRICE_CLASS_100
   */
  readonly priceClass?: cloudfront.PriceClass;
  /**
   * Create a WAF web ACL (scope CLOUDFRONT, in us-east-1) with AWS's IP reputation, common and known-bad-
   * inputs rule groups and a rate limit per IP address; $5 a month plus $1 per rule group and $0.60 per
   * million requests. Not with `webAclArn`.
   * @default true
   */
  readonly webAclEnabled?: boolean;
  /**
   * An existing CLOUDFRONT-scope web ACL (its ARN) to protect the distribution with instead of creating
   * one, for instance one a security team shares across distributions.
   * @default - a new web ACL when `webAclEnabled`
   */
  readonly webAclArn?: string;
  /**
   * Requests one IP address may send in 5 minutes before the web ACL blocks it.
   * @default 2000
   */
  readonly rateLimitPerIp?: number;
  /**
   * The site's own domain name, e.g. `www.example.com`. Needs `certificate`.
   * @default - the distribution's `*.cloudfront.net` name
   */
  readonly domainName?: string;
  /**
   * ACM certificate for `domainName`, issued in us-east-1 (CloudFront only uses certificates from there).
   * @default - none: CloudFront's own certificate for `*.cloudfront.net`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Hosted zone in which to create alias records (A and AAAA) for `domainName`.
   * @default - no DNS record
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * More CloudFront Functions, each on a viewer event (CloudFront Functions run only at the viewer side;
   * origin events need Lambda@Edge). A viewer-request function replaces the built-in one, which maps
   * `/docs/` to `/docs/index.html`: a distribution behavior takes one function per event type.
   * @default - the built-in viewer-request function only
   */
  readonly functions?: cloudfront.FunctionAssociation[];
  /**
   * Turn on CloudFront's additional metrics (origin latency, error rates per status code): $0.30 per
   * metric a month for 8 metrics. The origin-latency alarm needs them.
   * @default true
   */
  readonly additionalMetrics?: boolean;
  /**
   * The 5xx error rate (percent of requests, over 5 minutes) above which the alarm fires.
   * @default 5
   */
  readonly errorRateThresholdPercent?: number;
  /**
   * The 90th-percentile origin latency above which the alarm fires (with `additionalMetrics`).
   * @default Duration.seconds(2)
   */
  readonly originLatencyThreshold?: Duration;
  /**
   * Topic the alarms notify.
   * @default - a new {@link AlarmTopic}
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * What `cdk destroy` does with the origin bucket, the log bucket, the keys and the log groups.
   * DESTROY also empties the buckets.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long the log groups (web ACL, content deployment) keep events.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A static website: a private, encrypted S3 bucket behind a CloudFront distribution that reaches it
 * through origin access control; HTTPS only, HTTP/2 and HTTP/3, IPv6, security headers, a CloudFront
 * Function for folder index pages, content published from a local folder at deploy time, standard
 * logs, and alarms on the error rate and the origin latency.
 *
 * The stack must be in us-east-1 (see {@link CLOUDFRONT_REGION}).
 */
export class StaticSite extends Construct {
  /** The origin bucket (private; only the distribution reads it). */
  public readonly bucket: s3.Bucket;
  /** The distribution viewers reach. */
  public readonly distribution: cloudfront.Distribution;
  /** The viewer-request function (folder index pages), when no viewer-request function was given. */
  public readonly viewerRequestFunction?: cloudfront.Function;
  /** The bucket that receives the distribution's standard logs and the origin's server access logs. */
  public readonly logBucket: s3.Bucket;
  /** The web ACL, when this construct created one. */
  public readonly webAcl?: import('aws-cdk-lib/aws-wafv2').CfnWebACL;
  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The alarms: 5xx error rate, and origin latency with `additionalMetrics`. */
  public readonly alarms: cloudwatch.Alarm[];
  /** The content deployment (its `deployedBucket` is the bucket once the content is in it). */
  public readonly deployment: s3deploy.BucketDeployment;
  /** Invalidates the paths each deployment changed. */
  public readonly invalidation: ContentInvalidation;
  /** `https://` and the domain name viewers use. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    validate(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.requireCloudFrontRegion();

    // ---- Origin: a private bucket, encrypted with its own key, logged; the distribution reads it.
    const logBucket = new AccessLogBucket(this, 'Logs', { removalPolicy });
    this.logBucket = logBucket.bucket;
    const origin = new SecureBucket(this, 'Origin', {
      removalPolicy,
      serverAccessLogsBucket: this.logBucket,
      whyNoReplication:
        'The bucket holds a copy of the site, published from source control at every deploy: a lost bucket is ' +
        'rebuilt by deploying again, so a second copy in another Region would only double the storage bill.',
    });
    this.bucket = origin.bucket;

    // ---- Viewers.
    const singlePageApp = props.singlePageApp ?? false;
    // A copy: the built-in function is added to it, never to the caller's array.
    const functions = [...(props.functions ?? [])];
    if (!functions.some((f) => f.eventType === cloudfront.FunctionEventType.VIEWER_REQUEST)) {
      this.viewerRequestFunction = new cloudfront.Function(this, 'ViewerRequest', {
        runtime: cloudfront.FunctionRuntime.JS_2_0,
        comment: 'Serves index.html for folder paths (/docs/ and /docs)',
        code: cloudfront.FunctionCode.fromInline(viewerRequestFunctionCode({ singlePageApp })),
      });
      functions.unshift({
        function: this.viewerRequestFunction,
        eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
      });
    }
    const cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'Static files: TTLs from the construct props, compressed copies, nothing else in the key',
      minTtl: props.minTtl ?? Duration.seconds(0),
      defaultTtl: props.defaultTtl ?? Duration.days(1),
      maxTtl: props.maxTtl ?? MAX_TTL,
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    });
    const notFoundPage = `/${(props.notFoundPage ?? '404.html').replace(/^\/+/, '')}`;
    // S3 answers 403 (not 404) for a missing object: CloudFront may not list the bucket.
    const errorResponses: cloudfront.ErrorResponse[] = [403, 404].map((httpStatus) =>
      singlePageApp
        ? { httpStatus, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(10) }
        : { httpStatus, responseHttpStatus: 404, responsePagePath: notFoundPage, ttl: Duration.seconds(10) },
    );

    // ---- Web ACL: one created here (us-east-1, scope CLOUDFRONT), one given, or none.
    let webAclArn = props.webAclArn;
    const createAcl = webAclArn === undefined && (props.webAclEnabled ?? true);
    // One key for the log groups the construct keeps (web ACL logs, content deployment logs): created when
    // there is a web ACL to log or the logs are retained; a sandbox site without one logs unencrypted by a
    // customer key into groups deleted with the stack.
    const logKey =
      createAcl || removalPolicy === RemovalPolicy.RETAIN
        ? new EncryptionKey(this, 'LogKey', {
            description: `Encrypts the logs of ${this.node.path}`,
            removalPolicy,
          }).key
        : undefined;
    if (logKey) allowCloudWatchLogs(logKey);
    if (createAcl && logKey) {
      this.webAcl = createWebAcl(this, {
        scope: WebAclScope.CLOUDFRONT,
        managedRuleGroups: [
          { name: 'AWSManagedRulesAmazonIpReputationList' },
          { name: 'AWSManagedRulesCommonRuleSet' },
          { name: 'AWSManagedRulesKnownBadInputsRuleSet' },
        ],
        rateLimitPerIp: props.rateLimitPerIp ?? 2000,
        logKey,
        logRetention,
        removalPolicy,
      }).webAcl;
      webAclArn = this.webAcl.attrArn;
    }

    const oac = new cloudfront.S3OriginAccessControl(this, 'OriginAccessControl', {
      description: `Signs the requests of ${this.node.path} to its origin bucket`,
      signing: cloudfront.Signing.SIGV4_ALWAYS,
    });
    this.distribution = new cloudfront.Distribution(this, 'Resource', {
      comment: `Static site ${this.node.path}`,
      defaultBehavior: {
        // Origin access control (not the legacy origin access identity, 002 L940): CloudFront signs each
        // request with SigV4; the L2 adds the bucket statement for this distribution and the key statement.
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessControl: oac,
          originAccessLevels: [cloudfront.AccessLevel.READ],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        compress: true,
        cachePolicy,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: functions,
      },
      defaultRootObject: 'index.html',
      errorResponses,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      domainNames: props.domainName ? [props.domainName] : undefined,
      certificate: props.certificate,
      // With CloudFront's own certificate the security policy is fixed (TLSv1) and SNI does not apply.
      minimumProtocolVersion: props.certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      sslSupportMethod: props.certificate ? cloudfront.SSLMethod.SNI : undefined,
      webAclId: webAclArn,
      publishAdditionalMetrics: props.additionalMetrics ?? true,
    });
    const cfnDistribution = this.distribution.node.defaultChild as cloudfront.CfnDistribution;
    // The key statement the L2 writes cannot name this distribution: the key exists before the bucket, the
    // bucket before the distribution, so naming its ID would be a circular dependency. It admits any
    // distribution of this account; the bucket statement admits only this one, and a read needs both (the
    // permission proof checks that another distribution of the account is refused).
    Annotations.of(origin.encryptionKey.node.scope!).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac',
      'The bucket policy admits only this distribution (AWS:SourceArn); the key policy cannot name it without a ' +
        'circular dependency, and an object is read only when both admit the caller.',
    );

    this.accessLogs();

    // ---- Content, published at deploy time.
    const deploymentLogs = new logs.LogGroup(this, 'ContentDeploymentLogs', {
      retention: logRetention,
      removalPolicy,
      encryptionKey: logKey,
    });
    if (!logKey) {
      const reason =
        'Holds only the deployment-time logs of the content copy (which files changed, never their contents); ' +
        'CloudWatch Logs encrypts them with its own keys, and the group is deleted with the stack. A site that keeps ' +
        'its logs (RETAIN) or has a web ACL encrypts them with its log key.';
      acknowledgeLogGroupWithoutCmk(deploymentLogs, reason);
    }
    this.deployment = new s3deploy.BucketDeployment(this, 'Content', {
      sources: [s3deploy.Source.asset(props.contentPath)],
      destinationBucket: this.bucket,
      // Files removed from the folder are removed from the bucket (older versions expire after 30 days).
      prune: true,
      memoryLimit: 512,
      logGroup: deploymentLogs,
    });
    acknowledgeBucketDeployment(this.deployment);
    // Then the cached copies of what changed, and only those (each invalidated path is billed, 003 L371).
    this.invalidation = new ContentInvalidation(this, 'Invalidation', {
      distribution: this.distribution,
      contentPath: props.contentPath,
      after: this.deployment,
    });

    // ---- Alarms.
    this.alarmTopic =
      props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { keyRemovalPolicy: removalPolicy }).topic;
    this.alarms = this.createAlarms(props);

    this.url = `https://${props.domainName ?? this.distribution.distributionDomainName}`;
    if (props.hostedZone && props.domainName) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
      // Alias records, not a CNAME: they work at the zone apex and cost nothing per query (001 L1144-1167).
      new route53.ARecord(this, 'AliasRecord', {
        zone: props.hostedZone,
        recordName: props.domainName,
        target,
      });
      new route53.AaaaRecord(this, 'AliasRecordIpv6', {
        zone: props.hostedZone,
        recordName: props.domainName,
        target,
      });
    }
    this.acknowledgeFindings(props, webAclArn !== undefined, cfnDistribution);
  }

  /**
   * CloudFront's metrics, CLOUDFRONT-scope web ACLs and standard-log delivery sources exist only in
   * us-east-1. A stack known to be elsewhere fails at synth; an environment-agnostic stack gets a
   * template rule that stops the deploy in another Region before anything is created.
   */
  private requireCloudFrontRegion(): void {
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region)) {
      new CfnRule(this, 'RequireCloudFrontRegion', {
        assertions: [
          {
            assert: Fn.conditionEquals(Aws.REGION, CLOUDFRONT_REGION),
            assertDescription:
              `${NAME} must be deployed in ${CLOUDFRONT_REGION}: CloudFront publishes its metrics, and creates its ` +
              'web ACLs and log delivery sources, only there.',
          },
        ],
      });
    } else if (region !== CLOUDFRONT_REGION) {
      throw new PropValidationError(
        NAME,
        'stack region',
        `must be ${CLOUDFRONT_REGION}; received ${region} (CloudFront publishes its metrics, so the alarms' data, ` +
          'and creates CLOUDFRONT-scope web ACLs and standard-log delivery sources only in us-east-1). Put the stack ' +
          `there: new Stack(app, id, { env: { region: '${CLOUDFRONT_REGION}' } }).`,
      );
    }
  }

  /**
   * Standard logging (v2): CloudWatch Logs' vended-log delivery writes the access logs to the log bucket,
   * with no ACL on it (the legacy logging needs bucket ACLs, which AWS now recommends turning off).
   */
  private accessLogs(): void {
    allowLogDelivery(this.logBucket);
    // Names are fixed at creation and unique per account and Region: the path part plus the first block of
    // the stack's UUID, so a second stack of the same construct path, or a replacement, never collides
    // (at most 40 + 1 + 8 + 4 characters; the limit is 60).
    const name = `${Names.uniqueResourceName(this, { maxLength: 40, separator: '-' })}-${stackCreationId()}`;
    const source = new logs.CfnDeliverySource(this, 'AccessLogSource', {
      name: `${name}-src`,
      logType: 'ACCESS_LOGS',
      resourceArn: this.distribution.distributionArn,
    });
    const destination = new logs.CfnDeliveryDestination(this, 'AccessLogDestination', {
      name: `${name}-dst`,
      destinationResourceArn: this.logBucket.bucketArn,
      outputFormat: 'w3c',
    });
    const delivery = new logs.CfnDelivery(this, 'AccessLogDelivery', {
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.attrArn,
    });
    delivery.addResourceDependency(source);
    const policy = this.logBucket.policy?.node.defaultChild;
    if (policy instanceof CfnResource) delivery.addResourceDependency(policy);
  }

  /**
   * A CloudFront metric as CloudFront publishes it: with the dimensions DistributionId and Region=Global.
   * The L2's `metric5xxErrorRate()` and `metricOriginLatency()` leave out Region=Global (aws/aws-cdk#19245),
   * and an alarm on a metric whose dimensions differ from the published ones never receives a data point:
   * with missing data treated as not breaching, it stays OK forever.
   */
  public cloudFrontMetric(metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/CloudFront',
      metricName,
      dimensionsMap: { DistributionId: this.distribution.distributionId, Region: 'Global' },
      statistic,
      period: Duration.minutes(1),
    });
  }

  private createAlarms(props: StaticSiteProps): cloudwatch.Alarm[] {
    const alarms = [
      new cloudwatch.Alarm(this, 'ErrorRateAlarm', {
        alarmDescription:
          `More than ${props.errorRateThresholdPercent ?? 5} % of the requests to ${this.node.path} got a 5xx ` +
          'response in 3 of 5 minutes: the origin or the function fails.',
        metric: this.cloudFrontMetric('5xxErrorRate', 'Average'),
        threshold: props.errorRateThresholdPercent ?? 5,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No request, no data: an idle site is healthy.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    if (props.additionalMetrics ?? true) {
      const threshold = props.originLatencyThreshold ?? Duration.seconds(2);
      alarms.push(
        new cloudwatch.Alarm(this, 'OriginLatencyAlarm', {
          alarmDescription:
            `The 90th percentile of origin latency of ${this.node.path} was above ${threshold.toHumanString()} in 3 of ` +
            '5 minutes: cache misses are slow to fill.',
          metric: this.cloudFrontMetric('OriginLatency', 'p90'),
          threshold: threshold.toMilliseconds({ integral: false }),
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const alarm of alarms) notify(alarm, this.alarmTopic);
    return alarms;
  }

  private acknowledgeFindings(
    props: StaticSiteProps,
    hasWebAcl: boolean,
    distribution: cloudfront.CfnDistribution,
  ): void {
    const everyone =
      'A public website serves every country; a geographic restriction belongs to sites whose content or licence ' +
      'is limited to some countries (CloudFront geo restriction, 003 L448).';
    const failover =
      'Origin failover needs a second origin: a replica of the bucket in another Region (S3 Replication) and an ' +
      'origin group. The content is published from source control at every deploy, so a regional S3 outage is ' +
      'answered by deploying the stack again; the README shows the origin group for sites that cannot wait.';
    acknowledge(
      distribution,
      { id: 'AwsSolutions-CFR1', reason: everyone },
      { id: guardRule('cloudfront_origin_failover_enabled_check'), reason: failover },
      {
        // cdk-nag and Control Tower read the legacy Logging property; the logs go through standard logging v2.
        id: 'AwsSolutions-CFR3',
        reason:
          'Access logs are on, through CloudFront standard logging (v2): a CloudWatch Logs delivery writes them to ' +
          'the log bucket (AccessLogDelivery). The rule reads only the legacy Logging property, which needs ACLs on ' +
          'the log bucket; AWS recommends ACLs off.',
      },
      {
        id: guardRule('cloudfront_access_logs_enabled_check'),
        reason:
          'Access logs are on, through CloudFront standard logging (v2) to the log bucket (AccessLogDelivery); the ' +
          "rule reads only the legacy Logging property, which needs ACLs on the log bucket (AWS's advice is ACLs off).",
      },
    );
    if (!props.certificate) {
      const defaultCertificate =
        "Without a domain of its own the site is served as *.cloudfront.net with CloudFront's certificate, which " +
        'allows TLSv1 for old clients and cannot be changed; give the construct domainName and certificate (us-east-1) ' +
        'and viewers get TLSv1.2_2021 with SNI.';
      acknowledgeDefaultCertificate(distribution, defaultCertificate);
    }
    if (!hasWebAcl) {
      const noWaf =
        'The sandbox serves a static sample page: a web ACL costs $5 a month plus $1 per rule group, more than the ' +
        'rest of the site, and a static site has no query, form or login for the managed rules to protect. The ' +
        'production profile creates one (webAclEnabled) or takes one (webAclArn).';
      acknowledge(distribution, { id: 'AwsSolutions-CFR2', reason: noWaf });
    }
  }
}

function validate(props: StaticSiteProps): void {
  if (!fs.existsSync(props.contentPath) || !fs.statSync(props.contentPath).isDirectory()) {
    throw new PropValidationError(
      NAME,
      'contentPath',
      `must be an existing folder (the site published at deploy time); received '${props.contentPath}', ` +
        `which ${fs.existsSync(props.contentPath) ? 'is not a folder' : 'does not exist'}.`,
    );
  }
  if (props.singlePageApp && props.notFoundPage !== undefined) {
    throw new PropValidationError(
      NAME,
      'notFoundPage',
      `must not be set with singlePageApp; received '${props.notFoundPage}' (a single-page application answers ` +
        'every unknown path with /index.html and status 200, so a not-found page would never be served).',
    );
  }
  const ttl = (d: Duration | undefined, fallback: Duration) => (d ?? fallback).toSeconds();
  for (const [prop, value] of [
    ['minTtl', props.minTtl],
    ['defaultTtl', props.defaultTtl],
    ['maxTtl', props.maxTtl],
  ] as const) {
    validateDuration(NAME, prop, value, Duration.seconds(0), MAX_TTL, {
      because: 'CloudFront TTLs, 001 L1296',
    });
    validateWholeDuration(NAME, prop, value, 'seconds');
  }
  const [min, def, max] = [
    ttl(props.minTtl, Duration.seconds(0)),
    ttl(props.defaultTtl, Duration.days(1)),
    ttl(props.maxTtl, MAX_TTL),
  ];
  if (min > def || def > max) {
    throw new PropValidationError(
      NAME,
      min > def ? 'minTtl' : 'maxTtl',
      `must satisfy minTtl <= defaultTtl <= maxTtl; received minTtl ${min} s, defaultTtl ${def} s, maxTtl ${max} s ` +
        '(CloudFront rejects a cache policy whose TTLs are out of order).',
    );
  }
  for (const [i, f] of (props.functions ?? []).entries()) {
    const allowed: string[] = [
      cloudfront.FunctionEventType.VIEWER_REQUEST,
      cloudfront.FunctionEventType.VIEWER_RESPONSE,
    ];
    if (!allowed.includes(f.eventType)) {
      throw new PropValidationError(
        NAME,
        `functions[${i}].eventType`,
        `must be viewer-request or viewer-response; received '${f.eventType}' (CloudFront Functions run only on ` +
          'viewer events; origin-request and origin-response need Lambda@Edge).',
      );
    }
  }
  const eventTypes = (props.functions ?? []).map((f) => f.eventType);
  if (new Set(eventTypes).size !== eventTypes.length) {
    throw new PropValidationError(
      NAME,
      'functions',
      `must hold at most one function per event type; received ${eventTypes.join(', ')} (a cache behavior takes ` +
        'one function per viewer event).',
    );
  }
  if (props.webAclArn !== undefined && props.webAclEnabled === true) {
    throw new PropValidationError(
      NAME,
      'webAclEnabled',
      'must not be true with webAclArn; received both (give an existing web ACL or let the construct create one).',
    );
  }
  // arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>: CloudFront takes only global web ACLs,
  // which WAF keeps in us-east-1.
  validatePattern(
    NAME,
    'webAclArn',
    props.webAclArn,
    /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/,
    'must be the ARN of a web ACL of scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)',
  );
  validateInteger(NAME, 'rateLimitPerIp', props.rateLimitPerIp, 10, 2_000_000_000, 'requests per 5 minutes', {
    because: 'AWS WAF rate-based rule limits',
  });
  validateRange(NAME, 'errorRateThresholdPercent', props.errorRateThresholdPercent, 0.1, 100, '%');
  validateDuration(
    NAME,
    'originLatencyThreshold',
    props.originLatencyThreshold,
    Duration.millis(10),
    Duration.seconds(60),
    {
      because: "CloudFront's origin response timeout is at most 60 s",
    },
  );
  validatePattern(
    NAME,
    'domainName',
    props.domainName,
    /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a lower-case DNS name such as www.example.com',
  );
  if ((props.domainName === undefined) !== (props.certificate === undefined)) {
    throw new PropValidationError(
      NAME,
      props.domainName === undefined ? 'domainName' : 'certificate',
      props.domainName === undefined
        ? 'is required with certificate; received a certificate and no domainName (CloudFront uses a certificate ' +
            'only for the alternate domain names of the distribution).'
        : `is required with domainName; received domainName '${props.domainName}' and no certificate (CloudFront ` +
            'serves an alternate domain name only with a certificate that covers it).',
    );
  }
  if (props.hostedZone && !props.domainName) {
    throw new PropValidationError(
      NAME,
      'domainName',
      `is required with hostedZone; received hostedZone '${props.hostedZone.zoneName}' and no domainName.`,
    );
  }
  const zoneName = props.hostedZone?.zoneName;
  if (
    props.domainName &&
    zoneName &&
    !Token.isUnresolved(zoneName) &&
    props.domainName !== zoneName &&
    !props.domainName.endsWith(`.${zoneName}`)
  ) {
    throw new PropValidationError(
      NAME,
      'domainName',
      `must be in the hosted zone ${zoneName}; received '${props.domainName}' (the alias records are created in ` +
        'that zone, where any other name would become a subdomain of it).',
    );
  }
  const certificateArn = props.certificate?.certificateArn;
  if (certificateArn && !Token.isUnresolved(certificateArn)) {
    const region = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/.+$/.exec(certificateArn)?.[1];
    if (region !== CLOUDFRONT_REGION) {
      throw new PropValidationError(
        NAME,
        'certificate',
        `must be an ACM certificate in ${CLOUDFRONT_REGION}; received ${certificateArn}` +
          `${region ? ` (Region ${region})` : ' (not an ACM certificate ARN)'}: ` +
          'CloudFront only uses certificates issued or imported in us-east-1.',
      );
    }
  }
  // The page the error responses serve must exist: when it does not, CloudFront passes S3's 403 (an XML
  // AccessDenied) to the viewer instead of a 404 page, or instead of the single-page app.
  const errorPage = props.singlePageApp ? 'index.html' : (props.notFoundPage ?? '404.html');
  const errorPageFile = path.join(props.contentPath, errorPage);
  if (errorPage.trim() === '' || !fs.existsSync(errorPageFile) || !fs.statSync(errorPageFile).isFile()) {
    throw new PropValidationError(
      NAME,
      props.notFoundPage !== undefined ? 'notFoundPage' : 'contentPath',
      `must hold the page served for missing paths, '${errorPage}'; received '${props.contentPath}', which has no ` +
        `such file (${props.singlePageApp ? 'a single-page app answers every unknown path with it' : 'set notFoundPage to your page, or add 404.html'}; ` +
        "without it CloudFront passes on S3's 403 AccessDenied).",
    );
  }
  validateRetainOrDestroy(NAME, 'removalPolicy', props.removalPolicy);
  validateLogRetention(NAME, 'logRetention', props.logRetention);
}
