import {
  Annotations,
  Aws,
  CfnCondition,
  CfnMapping,
  CfnResource,
  Fn,
  ICfnConditionExpression,
  Stack,
  Token,
} from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';

/*
 * The one place for the statements that let an AWS service use a key or a resource on this account's
 * behalf. Each of these paths needs two or three policies to agree (a resource policy, a key policy,
 * sometimes an identity policy), and no per-resource rule (cdk-nag, Control Tower, cfn-lint) can see
 * when one of them is missing: the stack deploys, and the service fails at run time, often silently.
 * test/permissions/ proves each path on the synthesized templates.
 *
 * Two paths are granted by aws-cdk-lib itself and are only proven here, not written:
 * - SNS delivering into a subscribed queue and its key (`SqsSubscription`, restricted to the topic by
 *   the feature flag `@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption`);
 * - S3 server access logging into a log bucket (`serverAccessLogsBucket`, with
 *   `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`);
 * - CloudFront reading an S3 origin through origin access control, and its key
 *   (`S3BucketOrigin.withOriginAccessControl`: the bucket statement names the distribution, the key
 *   statement any distribution of the account, since naming the ID would be a circular dependency).
 */

/** The actions CloudWatch Logs needs on the key of an encrypted log group (AWS's documented key policy). */
export const CLOUDWATCH_LOGS_KEY_ACTIONS = [
  'kms:Encrypt*',
  'kms:Decrypt*',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:Describe*',
];

/**
 * Lets CloudWatch Logs encrypt and decrypt the log groups of this account and Region with `key`.
 * CloudWatch Logs calls KMS itself, as its regional service principal, and names the log group in the
 * encryption context; the condition admits log groups of this account only.
 */
export function allowCloudWatchLogs(key: kms.IKey): void {
  const stack = Stack.of(key);
  addToKeyPolicy(
    key,
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogs',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: CLOUDWATCH_LOGS_KEY_ACTIONS,
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    }),
  );
}

/** The conditions that limit CloudWatch to acting for alarms of this account and Region (confused deputy). */
function alarmsOfThisAccount(scope: IConstruct): Record<string, Record<string, string>> {
  const stack = Stack.of(scope);
  return {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: {
      'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
    },
  };
}

/** Topics already opened to CloudWatch alarms, so that each gets its statements once. */
const alarmTopicsAllowed = new WeakSet<sns.ITopic>();

/** Id of the warning for a topic this construct cannot open to CloudWatch alarms. */
export const ALARM_TOPIC_NOT_GRANTED_WARNING = '@refarch/alarms:topicPolicyNotAdded';

/**
 * Lets CloudWatch alarms of this account and Region publish to `topic`, and use the topic's key when it
 * is KMS-encrypted.
 *
 * SNS's default topic policy lets CloudWatch publish, but any topic policy replaces the default one:
 * `enforceSSL` writes a policy that holds only a Deny, and from then on every alarm action fails with
 * "not authorized to perform: SNS:Publish" in the alarm's history, while the stack deploys cleanly.
 *
 * A topic or key this app does not own (imported with `fromTopicArn` or `fromKeyArn`) cannot be
 * changed; the function then warns at synth with the statement the owner must add.
 *
 * The key statement carries the same confused-deputy conditions as the topic statement. AWS's SNS guide
 * shows the key statement for AWS service event sources without conditions; AWS's Modern Data
 * Architecture Accelerator documents that CloudWatch's key requests do carry aws:SourceAccount and
 * aws:SourceArn (unlike EventBridge's, which carry neither). No offline test can observe that: each
 * pattern's integration test sets an alarm's state and asserts the action succeeded in its history.
 */
export function allowAlarmNotifications(topic: sns.ITopic, warnOn: IConstruct = topic): void {
  if (alarmTopicsAllowed.has(topic)) return;
  alarmTopicsAllowed.add(topic);
  const conditions = alarmsOfThisAccount(topic);
  const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  const published = topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarms',
      principals: [cloudwatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions,
    }),
  ).statementAdded;
  const key = topic instanceof sns.Topic ? topic.masterKey : undefined;
  if (key && 'aliasName' in key && key.aliasName === 'alias/aws/sns') {
    // An AWS managed key's policy cannot be changed, and it admits no service principal: no alarm could
    // ever publish to this topic, so this is an error, not a warning.
    throw new Error(
      `${topic.node.path}: the topic is encrypted with the AWS managed key alias/aws/sns, whose policy admits only ` +
        'principals of the account, so CloudWatch alarms can never publish to it. Encrypt it with a customer ' +
        'managed key (an AlarmTopic does), whose policy this construct opens to CloudWatch alarms.',
    );
  }
  const keyed =
    key === undefined ||
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
      /* allowNoOp */ true,
    ).statementAdded;
  if (!published || !keyed) {
    Annotations.of(warnOn).addWarningV2(
      ALARM_TOPIC_NOT_GRANTED_WARNING,
      `The alarm topic ${Token.isUnresolved(topic.topicArn) ? topic.node.path : topic.topicArn} belongs to another ` +
        'app or account, so this construct cannot let CloudWatch alarms publish to it. Unless its topic policy ' +
        '(and, for an encrypted topic, its key policy) allows the service principal cloudwatch.amazonaws.com ' +
        'sns:Publish (kms:Decrypt and kms:GenerateDataKey* on the key) with the conditions ' +
        'StringEquals aws:SourceAccount <this account> and ArnLike aws:SourceArn ' +
        'arn:<partition>:cloudwatch:<region>:<this account>:alarm:*, every alarm notification is lost. ' +
        `Add that statement, then acknowledge this warning with Annotations.of(...).acknowledgeWarning('${ALARM_TOPIC_NOT_GRANTED_WARNING}').`,
    );
  }
}

/**
 * Allows the Auto Scaling service-linked role to publish to an encrypted topic: its own policy allows
 * `sns:Publish`, but it also needs the topic's key. The role may not exist yet in a new account (Auto
 * Scaling creates it with the first group), so the key policy names it in a condition, not as the
 * principal: KMS rejects a policy whose principal does not exist.
 */
export function allowAutoScalingNotifications(topic: sns.ITopic): void {
  const key = topic instanceof sns.Topic ? topic.masterKey : undefined;
  if (!(key instanceof kms.Key)) return;
  const stack = Stack.of(topic);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAutoScalingNotifications',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
          'kms:ViaService': `sns.${stack.region}.amazonaws.com`,
        },
      },
    }),
  );
}

/**
 * Turns on ALB access logs and lets Elastic Load Balancing write them.
 *
 * `logAccessLogs` of the L2 needs a concrete region, because who writes the logs depends on the
 * region: regions opened before August 2022 write as a per-region ELB AWS account, newer ones as the
 * service principal `logdelivery.elasticloadbalancing.amazonaws.com`. The demo stacks are
 * region-agnostic, so the choice is made at deploy time: a mapping of the ELB accounts aws-cdk-lib knows
 * and a condition pick the account principal where one exists.
 */
export function allowAlbAccessLogs(
  lb: elbv2.ApplicationLoadBalancer,
  bucket: s3.IBucket,
  prefix: string,
): void {
  const stack = Stack.of(lb);
  if (!Token.isUnresolved(stack.region)) {
    lb.logAccessLogs(bucket, prefix);
    return;
  }
  lb.setAttribute('access_logs.s3.enabled', 'true');
  lb.setAttribute('access_logs.s3.bucket', bucket.bucketName);
  lb.setAttribute('access_logs.s3.prefix', prefix);
  const objects = bucket.arnForObjects(`${prefix}/AWSLogs/${stack.account}/*`);
  const legacy = RegionInfo.regions.filter((r) => r.elbv2Account);
  const accounts = new CfnMapping(lb, 'LogDeliveryAccounts', {
    mapping: Object.fromEntries(legacy.map((r) => [r.name, { account: r.elbv2Account! }])),
  });
  // The condition compares the Region with the known list instead of looking it up in the mapping: a
  // Fn::FindInMap on a Region missing from the mapping (one opened after this aws-cdk-lib release) fails
  // the whole stack at validation. CloudFormation resolves only the chosen branch of Fn::If, so the
  // lookup below runs only for a Region the mapping holds.
  const legacyRegion = new CfnCondition(lb, 'LogDeliveryByAccount', {
    expression: anyOf(legacy.map((r) => Fn.conditionEquals(Aws.REGION, r.name))),
  });
  const writer = Fn.conditionIf(
    legacyRegion.logicalId,
    `arn:${Aws.PARTITION}:iam::${accounts.findInMap(Aws.REGION, 'account')}:root`,
    // Newer regions: the account itself, which adds nothing (the service principal below writes there).
    `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`,
  ).toString();
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AlbAccessLogsByElbAccount',
      actions: ['s3:PutObject'],
      principals: [new iam.ArnPrincipal(writer)],
      resources: [objects],
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AlbAccessLogsByLogDelivery',
      actions: ['s3:PutObject'],
      principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
      resources: [objects],
    }),
  );
  // The ALB checks that it can write to the bucket when logging is turned on: policy first.
  const policy = bucket.policy?.node.defaultChild;
  if (policy instanceof CfnResource) (lb.node.defaultChild as CfnResource).addResourceDependency(policy);
}

/** One condition true when any of `conditions` is: Fn::Or takes 2 to 10 operands, so larger lists nest. */
function anyOf(conditions: ICfnConditionExpression[]): ICfnConditionExpression {
  if (conditions.length === 1) return conditions[0];
  if (conditions.length <= 10) return Fn.conditionOr(...conditions);
  const groups: ICfnConditionExpression[] = [];
  for (let i = 0; i < conditions.length; i += 10) groups.push(anyOf(conditions.slice(i, i + 10)));
  return anyOf(groups);
}

/** Adds a statement to a key's policy; a key this app does not own cannot take one, which is an error here. */
function addToKeyPolicy(key: kms.IKey, statement: iam.PolicyStatement): void {
  if (!key.addToResourcePolicy(statement, /* allowNoOp */ true).statementAdded) {
    throw new Error(
      `${key.node.path}: the key belongs to another app or account, so its policy cannot take the statement ` +
        `${statement.sid}; use a key this app creates, or add the statement to the key's policy yourself.`,
    );
  }
}

/**
 * Lets CloudWatch Logs' log delivery write CloudFront standard logs (v2) into `bucket`, from delivery
 * sources of this account only. CloudFront's standard logging v2 is a CloudWatch vended log: the writer
 * is `delivery.logs.amazonaws.com`, and objects land under `AWSLogs/<account>/`.
 *
 * Written into the template rather than left to the service: when the bucket policy does not admit it,
 * CloudWatch Logs adds its own statement to the policy at deploy time, and the next update of the
 * stack's bucket policy (which CloudFormation owns) removes it; log delivery would stop without a word.
 */
export function allowLogDelivery(bucket: s3.IBucket): void {
  const stack = Stack.of(bucket);
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogDelivery',
      principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
      conditions: {
        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:delivery-source:*`,
        },
      },
    }),
  );
}

/**
 * The condition that lets a principal use a KMS key only through the given AWS services in the stack's
 * Region (`kms:ViaService`, e.g. `s3` gives `s3.<region>.amazonaws.com`): S3 or Secrets Manager may use the
 * key on the principal's behalf, the principal cannot call KMS with it directly.
 */
export function onlyThroughServices(
  scope: IConstruct,
  ...services: string[]
): Record<string, Record<string, unknown>> {
  const region = Stack.of(scope).region;
  const endpoints = services.map((service) => `${service}.${region}.amazonaws.com`);
  return { StringEquals: { 'kms:ViaService': endpoints.length === 1 ? endpoints[0] : endpoints } };
}
