// Architecture diagrams generated from the synthesized app, one per pattern, written into each pattern's
// README between the diagram markers (Mermaid, which GitHub renders). Boxes are the resources a learner
// should see; every arrow comes from a reference in the template (Ref, Fn::GetAtt, Fn::Sub) between
// two resources, so an arrow disappears when the reference does. Plumbing (IAM, KMS, log groups,
// resource policies, custom resources, route tables) is counted in one line under the diagram.
//   npm run diagrams             (rewrite the diagram block of every pattern README)
//   npm run diagrams -- --check  (exit 1 when one is stale)
//
// Written here rather than taken from a library: cdk-dia and the cdk-graph diagram plugin render through
// Graphviz to images, cfn-diagram writes draw.io/HTML, and none of them hides plumbing or writes Mermaid
// that GitHub shows inline and a test can compare as text.
import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Stack, Stage } from 'aws-cdk-lib';
import { PATTERN_STACKS } from '../lib/stacks/reference-app';
import { hasAnyMarker, markedBlockOf, markers } from './marked-block';

type Props = Record<string, unknown>;

/** A resource of a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Props;
}

/** What the diagram is drawn from: a template's resources and each resource's construct path. */
export interface StackDescription {
  readonly resources: Record<string, TemplateResource>;
  /** Construct path of each logical id, relative to the stack (`OrderEvents/Billing/Queue/Resource`). */
  readonly paths: Record<string, string>;
}

export interface DiagramNode {
  readonly id: string;
  /** CloudFormation type, or `Internet` / `Alarms` for the boxes that are not one resource. */
  readonly type: string;
  readonly label: string;
  /** Mermaid subgraph the node sits in: `''` (top level), a VPC, a subnet tier, or monitoring. */
  readonly container: string;
  /** Sort key (construct path). */
  readonly sortKey: string;
  readonly shape: Shape;
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** Dotted: failure paths, logs and notifications; solid: the data path. */
  readonly dotted: boolean;
}

export interface DiagramContainer {
  readonly id: string;
  readonly label: string;
  readonly parent: string;
}

export interface Diagram {
  readonly nodes: DiagramNode[];
  readonly edges: DiagramEdge[];
  readonly containers: DiagramContainer[];
  /** Resources not drawn as boxes, counted per category: `[category, count]`, sorted. */
  readonly notDrawn: [string, number][];
}

/** Ids of the boxes that are not resources. */
const INTERNET = 'internet';
const MONITORING = 'monitoring';

type Shape = 'box' | 'round' | 'store' | 'queue' | 'alarm' | 'external';

interface Ref {
  readonly target: string;
  /** Property path of the reference, array indices left out (`RedrivePolicy.deadLetterTargetArn`). */
  readonly path: string;
}

// ---------------------------------------------------------------------------------------------------
// References

/** Every reference from `value` to one of `ids`, with the property path it sits under. */
export function findReferences(value: unknown, ids: ReadonlySet<string>): Ref[] {
  const found = new Map<string, Ref>();
  const add = (target: string, at: string[]) => {
    if (!ids.has(target)) return;
    const ref = { target, path: at.join('.') };
    found.set(`${ref.target} ${ref.path}`, ref);
  };
  const walk = (v: unknown, at: string[]): void => {
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x, at));
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const obj = v as Props;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === 'Ref' && typeof obj.Ref === 'string') return add(obj.Ref, at);
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const a = obj['Fn::GetAtt'];
      return add(Array.isArray(a) ? String(a[0]) : String(a).split('.')[0], at);
    }
    if (keys.length === 1 && keys[0] === 'Fn::Sub') {
      const s = obj['Fn::Sub'];
      const text = Array.isArray(s) ? String(s[0]) : String(s);
      for (const m of text.matchAll(/\$\{([^}.!]+)(?:\.[^}]*)?\}/g)) add(m[1], at);
      if (Array.isArray(s)) walk(s[1], at);
      return;
    }
    // Key/Value lists (load balancer attributes): name the path after the key.
    if (typeof obj.Key === 'string' && 'Value' in obj && keys.length === 2)
      return walk(obj.Value, [...at, obj.Key]);
    for (const k of keys) {
      if (k === 'Tags') continue;
      walk(obj[k], k.startsWith('Fn::') || k === 'Condition' ? at : [...at, k]);
    }
  };
  walk(value, []);
  return [...found.values()].sort((a, b) => cmp(a.target + a.path, b.target + b.path));
}

// ---------------------------------------------------------------------------------------------------
// What each resource type becomes

/** Resource types drawn as boxes: the service and noun of the label, the shape, and a detail line. */
export const NODE_TYPES: Record<
  string,
  { service: string; noun: string; shape: Shape; detail?: (p: Props, parts: TemplateResource[]) => string[] }
> = {
  'AWS::SNS::Topic': {
    service: 'SNS',
    noun: 'topic',
    shape: 'round',
    detail: (p) => flag(p.FifoTopic, 'FIFO'),
  },
  'AWS::Events::Rule': {
    service: 'EventBridge',
    noun: 'rule',
    shape: 'box',
    detail: (p) => {
      const pattern = (p.EventPattern ?? {}) as Props;
      const types = (pattern['detail-type'] as string[] | undefined) ?? [];
      const key = (((pattern.detail as Props | undefined)?.object as Props | undefined)?.key ??
        []) as Props[];
      const wildcards = key.map((k) => k.wildcard).filter((w): w is string => typeof w === 'string');
      return [[...types, ...wildcards].join(': ')].filter((x) => x.length > 0);
    },
  },
  'AWS::SQS::Queue': {
    service: 'SQS',
    noun: 'queue',
    shape: 'queue',
    detail: (p) => flag(p.FifoQueue, 'FIFO'),
  },
  'AWS::Lambda::Function': {
    service: 'Lambda',
    noun: 'function',
    shape: 'box',
    detail: (p) => lit(p.Runtime),
  },
  'AWS::Kinesis::Stream': {
    service: 'Kinesis',
    noun: 'data stream',
    shape: 'store',
    detail: (p) =>
      (p.StreamModeDetails as Props | undefined)?.StreamMode === 'ON_DEMAND'
        ? ['on-demand']
        : [`${p.ShardCount ?? 1} shard${p.ShardCount === 1 || p.ShardCount === undefined ? '' : 's'}`],
  },
  'AWS::KinesisFirehose::DeliveryStream': { service: 'Firehose', noun: 'delivery stream', shape: 'box' },
  'AWS::S3::Bucket': { service: 'S3', noun: 'bucket', shape: 'store' },
  'AWS::DynamoDB::Table': {
    service: 'DynamoDB',
    noun: 'table',
    shape: 'store',
    detail: (p) => flag(p.BillingMode === 'PAY_PER_REQUEST', 'on-demand'),
  },
  'AWS::RDS::DBInstance': {
    service: 'RDS',
    noun: 'database',
    shape: 'store',
    detail: (p) => [
      [lit(p.Engine), lit(p.EngineVersion), lit(p.DBInstanceClass)].flat().join(' '),
      ...flag(p.MultiAZ, 'Multi-AZ'),
      ...flag(p.SourceDBInstanceIdentifier, 'read replica'),
    ],
  },
  'AWS::RDS::DBProxy': { service: 'RDS', noun: 'proxy', shape: 'box', detail: (p) => lit(p.EngineFamily) },
  'AWS::ElastiCache::ReplicationGroup': {
    service: 'ElastiCache',
    noun: 'cache',
    shape: 'store',
    detail: (p) => [
      [lit(p.Engine), lit(p.EngineVersion), lit(p.CacheNodeType)].flat().join(' '),
      `${p.NumCacheClusters ?? 1} node${p.NumCacheClusters === 1 ? '' : 's'}`,
      ...flag(p.MultiAZEnabled, 'Multi-AZ'),
    ],
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    service: 'ELB',
    noun: 'load balancer',
    shape: 'box',
    detail: (p) => [`${p.Type ?? 'application'}, ${p.Scheme ?? 'internet-facing'}`],
  },
  'AWS::ElasticLoadBalancingV2::TargetGroup': {
    service: 'ELB',
    noun: 'target group',
    shape: 'box',
    detail: (p) => [[lit(p.Protocol), lit(p.Port), lit(p.HealthCheckPath)].flat().join(' ')],
  },
  'AWS::AutoScaling::AutoScalingGroup': {
    service: 'EC2 Auto Scaling',
    noun: 'group',
    shape: 'box',
    detail: (p, parts) => {
      const data = parts.find((r) => r.Type === 'AWS::EC2::LaunchTemplate')?.Properties
        ?.LaunchTemplateData as Props | undefined;
      return [`${p.MinSize}-${p.MaxSize} instances`, ...lit(data?.InstanceType)];
    },
  },
  'AWS::EC2::Instance': {
    service: 'EC2',
    noun: 'instance',
    shape: 'box',
    detail: (p) => lit(p.InstanceType),
  },
  'AWS::EC2::NatGateway': { service: 'VPC', noun: 'NAT gateway', shape: 'box' },
  'AWS::EC2::InternetGateway': { service: 'VPC', noun: 'internet gateway', shape: 'round' },
  'AWS::EC2::VPCEndpoint': {
    service: 'VPC',
    noun: 'endpoint',
    shape: 'round',
    detail: (p) => [
      `${String(p.VpcEndpointType ?? 'Gateway').toLowerCase()}, ${endpointService(p.ServiceName)}`,
    ],
  },
  'AWS::Cognito::UserPool': { service: 'Cognito', noun: 'user pool', shape: 'store' },
  'AWS::Cognito::IdentityPool': { service: 'Cognito', noun: 'identity pool', shape: 'box' },
  'AWS::ApiGateway::RestApi': { service: 'API Gateway', noun: 'REST API', shape: 'box' },
  'AWS::Glue::Table': { service: 'Glue', noun: 'table', shape: 'box' },
  'AWS::Athena::WorkGroup': { service: 'Athena', noun: 'workgroup', shape: 'box' },
  'AWS::SecretsManager::Secret': { service: 'Secrets Manager', noun: 'secret', shape: 'store' },
  'AWS::SecretsManager::RotationSchedule': {
    service: 'Secrets Manager',
    noun: 'rotation',
    shape: 'box',
    detail: (p) => [
      ...flag(p.HostedRotationLambda, 'hosted Lambda'),
      ...lit((p.RotationRules as Props | undefined)?.ScheduleExpression),
    ],
  },
  'AWS::WAFv2::WebACL': {
    service: 'WAF',
    noun: 'web ACL',
    shape: 'box',
    detail: (p) => {
      const rules = ((p.Rules as unknown[] | undefined) ?? []).length;
      return rules ? [`${rules} rule${rules === 1 ? '' : 's'}`] : [];
    },
  },
  'AWS::CloudFront::Distribution': {
    service: 'CloudFront',
    noun: 'distribution',
    shape: 'box',
    detail: (p, parts) => {
      const config = (p.DistributionConfig ?? {}) as Props;
      return [
        [lit(config.PriceClass), lit(config.HttpVersion)].flat().join(', '),
        ...flag(
          parts.some((r) => r.Type === 'AWS::CloudFront::OriginAccessControl'),
          'origin access control',
        ),
        ...flag(
          parts.some((r) => r.Type === 'AWS::CloudFront::MonitoringSubscription'),
          'additional metrics',
        ),
      ];
    },
  },
  'AWS::CloudFront::Function': {
    service: 'CloudFront',
    noun: 'function',
    shape: 'round',
    detail: (p) => lit((p.FunctionConfig as Props | undefined)?.Runtime),
  },
  'AWS::Backup::BackupVault': { service: 'AWS Backup', noun: 'vault', shape: 'store' },
  'AWS::Backup::BackupPlan': { service: 'AWS Backup', noun: 'plan', shape: 'box' },
  'AWS::CloudWatch::Dashboard': { service: 'CloudWatch', noun: 'dashboard', shape: 'box' },
};

/** Types drawn inside another box: the type of the box, and which way the reference points. */
const FOLDED: Record<string, { into: string; via: 'ref' | 'referrer' }> = {
  'AWS::EC2::LaunchTemplate': { into: 'AWS::AutoScaling::AutoScalingGroup', via: 'referrer' },
  'AWS::ApiGateway::Stage': { into: 'AWS::ApiGateway::RestApi', via: 'ref' },
  'AWS::ApiGateway::Deployment': { into: 'AWS::ApiGateway::RestApi', via: 'ref' },
  'AWS::ApiGateway::Resource': { into: 'AWS::ApiGateway::RestApi', via: 'ref' },
  'AWS::ApiGateway::Model': { into: 'AWS::ApiGateway::RestApi', via: 'ref' },
  'AWS::ApiGateway::RequestValidator': { into: 'AWS::ApiGateway::RestApi', via: 'ref' },
  'AWS::ApiGateway::UsagePlan': { into: 'AWS::ApiGateway::RestApi', via: 'ref' },
  'AWS::ApiGateway::GatewayResponse': { into: 'AWS::ApiGateway::RestApi', via: 'ref' },
  'AWS::Cognito::UserPoolClient': { into: 'AWS::Cognito::UserPool', via: 'ref' },
  'AWS::Cognito::UserPoolDomain': { into: 'AWS::Cognito::UserPool', via: 'ref' },
  'AWS::Cognito::UserPoolResourceServer': { into: 'AWS::Cognito::UserPool', via: 'ref' },
  'AWS::Cognito::ManagedLoginBranding': { into: 'AWS::Cognito::UserPool', via: 'ref' },
  'AWS::SecretsManager::SecretTargetAttachment': { into: 'AWS::SecretsManager::Secret', via: 'ref' },
  // How the distribution signs its origin requests, what it caches, and its paid metrics: settings of it.
  'AWS::CloudFront::OriginAccessControl': { into: 'AWS::CloudFront::Distribution', via: 'referrer' },
  'AWS::CloudFront::CachePolicy': { into: 'AWS::CloudFront::Distribution', via: 'referrer' },
  'AWS::CloudFront::OriginRequestPolicy': { into: 'AWS::CloudFront::Distribution', via: 'referrer' },
  'AWS::CloudFront::ResponseHeadersPolicy': { into: 'AWS::CloudFront::Distribution', via: 'referrer' },
  'AWS::CloudFront::MonitoringSubscription': { into: 'AWS::CloudFront::Distribution', via: 'ref' },
};

/** Types that become arrows between two boxes (see {@link connectorEdges}), never boxes themselves. */
const CONNECTORS = new Set([
  'AWS::SNS::Subscription',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Authorizer',
  'AWS::RDS::DBProxyTargetGroup',
  'AWS::Backup::BackupSelection',
  'AWS::WAFv2::WebACLAssociation',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::Route',
  // Vended-log delivery: source (the distribution) to destination (the log bucket); see connectorEdges.
  'AWS::Logs::Delivery',
]);

/** Plumbing: never drawn, counted under the diagram. First match names the category. */
const PLUMBING: [RegExp, string][] = [
  [/^AWS::IAM::/, 'IAM roles and policies'],
  [/^AWS::KMS::/, 'KMS keys'],
  [/^AWS::Logs::|^AWS::WAFv2::LoggingConfiguration$|^AWS::EC2::FlowLog$/, 'log groups and log settings'],
  [
    /^AWS::(SNS::TopicPolicy|SQS::QueuePolicy|S3::BucketPolicy|SecretsManager::ResourcePolicy)$/,
    'resource policies',
  ],
  [/^AWS::Lambda::Permission$/, 'Lambda invoke permissions'],
  // The AWS CLI layer of a BucketDeployment's handler.
  [/^AWS::Lambda::LayerVersion$/, 'CDK custom resources and their handler functions'],
  [/^AWS::EC2::SecurityGroup$/, 'security groups — their rules are the port arrows'],
  [
    /^AWS::EC2::(VPC|Subnet|RouteTable|SubnetRouteTableAssociation|VPCGatewayAttachment|EIP)$/,
    'VPC, subnets and route tables — drawn as the VPC boxes',
  ],
  [/^AWS::RDS::DB(Subnet|Parameter|ClusterParameter|Option)Group$/, 'RDS subnet and parameter groups'],
  [/^AWS::ElastiCache::(SubnetGroup|ParameterGroup)$/, 'ElastiCache subnet and parameter groups'],
  [/^AWS::AutoScaling::ScalingPolicy$/, 'Auto Scaling policies'],
  [/^AWS::Cognito::IdentityPoolRoleAttachment$/, 'IAM roles and policies'],
  [/^AWS::ApiGateway::Account$/, 'API Gateway account settings'],
  [/^AWS::Glue::Database$/, 'Glue databases'],
  [/^AWS::CDK::Metadata$/, 'CDK metadata'],
  [/^Custom::|^AWS::CloudFormation::CustomResource$/, 'CDK custom resources and their handler functions'],
];

/** Functions the CDK writes for its own custom resources: plumbing, whatever their type. */
const isCdkHandler = (p: string) =>
  /^(Custom::|AWS679f53fac002430cb0da5b7982bd2287|LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a|BucketNotificationsHandler)/.test(
    p,
  ) || /\/Provider\/framework-/.test(p);

interface EdgeRule {
  readonly type: string;
  /** Property path prefix of the reference, or a pattern the whole path must match (list indices vary). */
  readonly path: string | RegExp;
  /** Label of the arrow; `null` drops the reference. */
  readonly label: string | null | ((p: Props, ref: Ref) => string);
  /** Draw it from the referenced resource to the referrer (data flows against the reference). */
  readonly reverse?: boolean;
  readonly dotted?: boolean;
}

/**
 * How a reference between two boxes is labelled. A reference without a rule is still drawn, labelled
 * with its property name, so a new kind of link shows up instead of vanishing.
 */
const EDGE_RULES: EdgeRule[] = [
  {
    type: 'AWS::SQS::Queue',
    path: 'RedrivePolicy',
    dotted: true,
    label: (p) => `after ${(p.RedrivePolicy as Props).maxReceiveCount} receives`,
  },
  {
    type: 'AWS::KinesisFirehose::DeliveryStream',
    path: 'KinesisStreamSourceConfiguration',
    label: 'reads',
    reverse: true,
  },
  {
    type: 'AWS::KinesisFirehose::DeliveryStream',
    path: 'ExtendedS3DestinationConfiguration',
    label: 'delivers',
  },
  { type: 'AWS::S3::Bucket', path: 'LoggingConfiguration', label: 'access logs', dotted: true },
  {
    type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    path: 'LoadBalancerAttributes',
    label: 'access logs',
    dotted: true,
  },
  {
    type: 'AWS::AutoScaling::AutoScalingGroup',
    path: 'TargetGroupARNs',
    label: 'registers instances',
    reverse: true,
  },
  {
    type: 'AWS::AutoScaling::AutoScalingGroup',
    path: 'NotificationConfigurations',
    label: 'scaling events',
    dotted: true,
  },
  {
    type: 'AWS::EC2::LaunchTemplate',
    path: 'LaunchTemplateData.UserData',
    label: 'named in user data',
  },
  { type: 'AWS::RDS::DBInstance', path: 'MasterUser', label: 'master password' },
  {
    type: 'AWS::RDS::DBInstance',
    path: 'SourceDBInstanceIdentifier',
    label: 'asynchronous replication',
    reverse: true,
  },
  { type: 'AWS::SecretsManager::SecretTargetAttachment', path: 'TargetId', label: null },
  { type: 'AWS::SecretsManager::RotationSchedule', path: 'SecretId', label: 'rotates' },
  { type: 'AWS::RDS::DBProxy', path: 'Auth', label: 'credentials' },
  { type: 'AWS::Glue::Table', path: 'TableInput', label: 'schema over' },
  { type: 'AWS::Athena::WorkGroup', path: 'WorkGroupConfiguration', label: 'query results', dotted: true },
  {
    type: 'AWS::Lambda::Function',
    path: 'Environment.Variables',
    label: (_p, ref) => ref.path.split('.').pop()!,
  },
  { type: 'AWS::Lambda::Function', path: 'DeadLetterConfig', label: 'failed events', dotted: true },
  // An EventBridge rule: its pattern names the source (drawn from it), its targets what it invokes, and a
  // target's dead-letter queue what it could not deliver.
  { type: 'AWS::Events::Rule', path: 'EventPattern', label: 'matching events', reverse: true },
  {
    type: 'AWS::Events::Rule',
    path: /^Targets\.\d+\.DeadLetterConfig/,
    label: 'undeliverable events',
    dotted: true,
  },
  { type: 'AWS::Events::Rule', path: /^Targets\.\d+\.Arn/, label: 'invokes (asynchronously)' },
  { type: 'AWS::Cognito::IdentityPool', path: 'CognitoIdentityProviders', label: 'trusts tokens of' },
  { type: 'AWS::Backup::BackupPlan', path: 'BackupPlan', label: 'stores recovery points in' },
  { type: 'AWS::CloudWatch::Dashboard', path: '', label: null },
  {
    type: 'AWS::CloudFront::Distribution',
    path: 'DistributionConfig.Origins',
    label: 'reads (signed, SigV4)',
  },
  {
    type: 'AWS::CloudFront::Distribution',
    path: 'DistributionConfig.DefaultCacheBehavior.FunctionAssociations',
    label: (p) =>
      uniq(
        (
          (((p.DistributionConfig as Props).DefaultCacheBehavior as Props).FunctionAssociations as Props[]) ??
          []
        ).map((a) => String(a.EventType)),
      ).join(', '),
  },
  {
    type: 'AWS::CloudFront::Distribution',
    path: 'DistributionConfig.WebACLId',
    label: 'filters requests to',
    reverse: true,
  },
  // The deprecated Logging property (legacy standard logs); standard logging v2 is an AWS::Logs::Delivery.
  {
    type: 'AWS::CloudFront::Distribution',
    path: 'DistributionConfig.Logging',
    label: 'access logs',
    dotted: true,
  },
];

// ---------------------------------------------------------------------------------------------------
// Building the diagram

/** Describes a stack for {@link buildDiagram}: its synthesized template and each resource's construct path. */
export function describeStack(stack: Stack): StackDescription {
  const assembly = Stage.of(stack)!.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, TemplateResource>;
  };
  const paths: Record<string, string> = {};
  const prefix = stack.node.path + '/';
  for (const c of stack.node.findAll()) {
    if (CfnResource.isCfnResource(c) && Stack.of(c) === stack) {
      paths[stack.resolve(c.logicalId) as string] = c.node.path.slice(prefix.length);
    }
  }
  return { resources: template.Resources ?? {}, paths };
}

/** The diagram of a template: boxes, arrows from references, VPC and subnet boxes, plumbing counted. */
export function buildDiagram(stack: StackDescription): Diagram {
  const { resources } = stack;
  const ids = new Set(Object.keys(resources));
  const pathOf = (id: string) => stack.paths[id] ?? id;
  const typeOf = (id: string) => resources[id].Type;
  const propsOf = (id: string): Props => resources[id].Properties ?? {};
  const refs = new Map<string, Ref[]>(
    [...ids].map((id) => [id, findReferences(resources[id].Properties, ids)]),
  );
  const refsOf = (id: string) => refs.get(id) ?? [];
  const referrers = (id: string) => [...ids].filter((r) => refsOf(r).some((x) => x.target === id)).sort();

  // 1. Role of every resource.
  const role = new Map<string, 'node' | 'folded' | 'connector' | 'alarm' | 'plumbing'>();
  const category = (type: string) => PLUMBING.find(([re]) => re.test(type))?.[1];
  for (const id of [...ids].sort()) {
    const type = typeOf(id);
    if (isCdkHandler(pathOf(id))) role.set(id, 'plumbing');
    else if (type === 'AWS::CloudWatch::Alarm') role.set(id, 'alarm');
    else if (CONNECTORS.has(type)) role.set(id, 'connector');
    else if (FOLDED[type]) role.set(id, 'folded');
    else if (category(type)) role.set(id, 'plumbing');
    else role.set(id, 'node'); // Known box types, and any type this file does not know yet.
  }

  // 2. Owner: the box a resource is drawn as (itself, the box it is folded into, or its alarm group).
  const owner = new Map<string, string>();
  for (const [id, r] of role) {
    if (r === 'node') owner.set(id, id);
    if (r !== 'folded') continue;
    const { into, via } = FOLDED[typeOf(id)];
    const candidates = via === 'ref' ? refsOf(id).map((x) => x.target) : referrers(id);
    const host = candidates.find((c) => typeOf(c) === into && role.get(c) === 'node');
    if (!host) role.set(id, 'node'); // Nothing to fold into: draw it.
    owner.set(id, host ?? id);
  }
  const alarmGroups = groupAlarms(
    [...role].filter(([, r]) => r === 'alarm').map(([id]) => id),
    refsOf,
    owner,
  );
  for (const g of alarmGroups) for (const a of g.alarms) owner.set(a, g.id);
  const ownerOf = (id: string) => owner.get(id);
  const partsOf = (node: string) =>
    [...owner].filter(([id, o]) => o === node && id !== node).map(([id]) => id);

  // 3. Edges.
  const edges: DiagramEdge[] = [];
  const addEdge = (from: string | undefined, to: string | undefined, label: string, dotted = false) => {
    if (from && to && from !== to) edges.push({ from, to, label, dotted });
  };
  for (const [id, r] of role) {
    if (r !== 'node' && r !== 'folded') continue;
    const from = ownerOf(id)!;
    for (const ref of refsOf(id)) {
      const to = ownerOf(ref.target);
      if (!to || to === from || role.get(ref.target) === 'alarm') continue;
      const rule = EDGE_RULES.find(
        (x) =>
          x.type === typeOf(id) &&
          (typeof x.path === 'string' ? ref.path.startsWith(x.path) : x.path.test(ref.path)),
      );
      if (rule?.label === null) continue;
      const label = !rule
        ? humanize(ref.path.split('.')[0]).toLowerCase()
        : typeof rule.label === 'function'
          ? rule.label(propsOf(id), ref)
          : rule.label!;
      if (rule?.reverse) addEdge(to, from, label, rule.dotted);
      else addEdge(from, to, label, rule?.dotted);
    }
  }
  edges.push(...connectorEdges({ resources, role, refsOf, ownerOf, typeOf, propsOf }));
  // A distribution answers viewers on the internet, the way its default behavior says.
  for (const [id, r] of role) {
    if (r !== 'node' || typeOf(id) !== 'AWS::CloudFront::Distribution') continue;
    const config = (propsOf(id).DistributionConfig ?? {}) as Props;
    const policy = (config.DefaultCacheBehavior as Props | undefined)?.ViewerProtocolPolicy;
    const label =
      policy === 'redirect-to-https'
        ? 'HTTPS (HTTP redirected)'
        : policy === 'https-only'
          ? 'HTTPS only'
          : 'HTTP and HTTPS';
    addEdge(INTERNET, id, label);
  }
  for (const g of alarmGroups) for (const t of g.actions) addEdge(g.id, t, 'notifies');

  // 4. Where boxes sit: VPC, subnet tier (from the subnets they reference), monitoring, or the top level.
  const placement = placeInNetwork({ resources, refsOf, typeOf, pathOf, role, ownerOf, partsOf });
  const hasNetwork = placement.containers.length > 0;
  const routeEdges = hasNetwork ? routes(resources, refsOf, ownerOf, placement.tierOfSubnet) : [];
  edges.push(...routeEdges.filter((e) => placement.containers.some((c) => c.id === e.from)));

  // 5. Boxes and their labels.
  const watched = new Map<string, number>();
  for (const g of alarmGroups) for (const w of g.watched) watched.set(w, (watched.get(w) ?? 0) + 1);
  const nodes: DiagramNode[] = [];
  const nodeIds = mermaidIds(
    [...role].filter(([, r]) => r === 'node').map(([id]) => id),
    pathOf,
  );
  for (const [id, r] of [...role].sort(([a], [b]) => cmp(a, b))) {
    if (r !== 'node') continue;
    const info = NODE_TYPES[typeOf(id)];
    const parts = partsOf(id).map((p) => resources[p]);
    const detail = info?.detail?.(propsOf(id), parts) ?? [];
    const n = watched.get(id);
    if (n) detail.push(`${n} alarm${n === 1 ? '' : 's'}`);
    nodes.push({
      id: nodeIds.get(id)!,
      type: typeOf(id),
      label: [nodeName(pathOf(id), info, typeOf(id)), detail.filter(Boolean).join(', ')]
        .filter(Boolean)
        .join('<br/>'),
      container:
        typeOf(id) === 'AWS::CloudWatch::Dashboard' ? MONITORING : (placement.containerOf.get(id) ?? ''),
      sortKey: pathOf(id),
      shape: info?.shape ?? 'box',
    });
  }
  const containers = [...placement.containers];
  if (alarmGroups.length > 0 || nodes.some((n) => n.container === MONITORING)) {
    containers.push({ id: MONITORING, label: 'CloudWatch', parent: '' });
  }
  for (const g of alarmGroups) {
    nodeIds.set(g.id, g.id);
    nodes.push({
      id: g.id,
      type: 'Alarms',
      label: `${g.alarms.length} alarm${g.alarms.length === 1 ? '' : 's'}`,
      container: MONITORING,
      sortKey: `~${g.id}`,
      shape: 'alarm',
    });
  }
  const internet = edges.some((e) => e.from === INTERNET);
  if (internet) {
    nodeIds.set(INTERNET, INTERNET);
    nodes.push({
      id: INTERNET,
      type: 'Internet',
      label: 'Internet',
      container: '',
      sortKey: '',
      shape: 'external',
    });
  }
  for (const c of containers) nodeIds.set(c.id, c.id);

  // 6. Merge parallel arrows, map to Mermaid ids, sort.
  const merged = new Map<string, { from: string; to: string; labels: Set<string>; dotted: boolean }>();
  for (const e of edges) {
    const from = nodeIds.get(e.from);
    const to = nodeIds.get(e.to);
    if (!from || !to || from === to) continue;
    const key = `${from} ${to}`;
    const m = merged.get(key) ?? { from, to, labels: new Set<string>(), dotted: true };
    if (e.label) m.labels.add(e.label);
    m.dotted &&= e.dotted;
    merged.set(key, m);
  }
  const sortKey = new Map(nodes.map((n) => [n.id, n.sortKey] as const));
  const finalEdges = [...merged.values()]
    .map((m) => ({ from: m.from, to: m.to, label: [...m.labels].sort().join('<br/>'), dotted: m.dotted }))
    .sort(
      (a, b) =>
        cmp(sortKey.get(a.from) ?? a.from, sortKey.get(b.from) ?? b.from) ||
        cmp(sortKey.get(a.to) ?? a.to, sortKey.get(b.to) ?? b.to),
    );

  const notDrawn = new Map<string, number>();
  for (const [id, r] of role) {
    if (r !== 'plumbing') continue;
    const c = isCdkHandler(pathOf(id))
      ? 'CDK custom resources and their handler functions'
      : category(typeOf(id))!;
    notDrawn.set(c, (notDrawn.get(c) ?? 0) + 1);
  }
  return {
    nodes: nodes.sort((a, b) => cmp(a.sortKey, b.sortKey) || cmp(a.id, b.id)),
    edges: finalEdges,
    containers,
    notDrawn: [...notDrawn].sort(([a], [b]) => cmp(a, b)),
  };
}

interface AlarmGroup {
  readonly id: string;
  readonly alarms: string[];
  /** Boxes the alarms act on (topics). */
  readonly actions: string[];
  /** Boxes whose metrics the alarms watch, once per alarm. */
  readonly watched: string[];
}

/** Alarms grouped by what they notify: one hexagon per group, the watched boxes say how many watch them. */
function groupAlarms(
  alarms: string[],
  refsOf: (id: string) => Ref[],
  owner: Map<string, string>,
): AlarmGroup[] {
  const byActions = new Map<string, { alarms: string[]; actions: string[]; watched: string[] }>();
  for (const a of alarms.sort()) {
    const actions = uniq(
      refsOf(a)
        .filter((r) => /Actions$/.test(r.path))
        .map((r) => owner.get(r.target))
        .filter((x): x is string => !!x),
    );
    const watched = uniq(
      refsOf(a)
        .filter((r) => !/Actions$/.test(r.path))
        .map((r) => owner.get(r.target))
        .filter((x): x is string => !!x),
    );
    const key = actions.join(' ');
    const g = byActions.get(key) ?? { alarms: [], actions, watched: [] };
    g.alarms.push(a);
    g.watched.push(...watched);
    byActions.set(key, g);
  }
  const groups = [...byActions.values()];
  return groups.map((g, i) => ({ id: groups.length === 1 ? 'alarms' : `alarms${i + 1}`, ...g }));
}

interface ConnectorContext {
  readonly resources: Record<string, TemplateResource>;
  readonly role: Map<string, string>;
  readonly refsOf: (id: string) => Ref[];
  readonly ownerOf: (id: string) => string | undefined;
  readonly typeOf: (id: string) => string;
  readonly propsOf: (id: string) => Props;
}

/** Arrows drawn from resources that only connect two others: subscriptions, event sources, listeners... */
function connectorEdges(ctx: ConnectorContext): DiagramEdge[] {
  const { role, refsOf, ownerOf, typeOf, propsOf } = ctx;
  const out: DiagramEdge[] = [];
  const at = (id: string, prefix: string) =>
    uniq(
      refsOf(id)
        .filter((r) => r.path === prefix || r.path.startsWith(prefix + '.'))
        .map((r) => ownerOf(r.target))
        .filter((x): x is string => !!x),
    );
  const connect = (froms: string[], tos: string[], label: string, dotted = false) => {
    for (const f of froms) for (const t of tos) if (f !== t) out.push({ from: f, to: t, label, dotted });
  };
  const methods = new Map<string, Map<string, string[]>>();
  const members = securityGroupMembers(ctx);

  for (const [id] of [...role].filter(([, r]) => r === 'connector').sort(([a], [b]) => cmp(a, b))) {
    const p = propsOf(id);
    switch (typeOf(id)) {
      case 'AWS::SNS::Subscription': {
        const filter = p.FilterPolicy
          ? `filter on ${p.FilterPolicyScope === 'MessageBody' ? 'body' : 'attributes'}: ${Object.keys(p.FilterPolicy as Props).join(', ')}`
          : 'all messages';
        const label = [filter, ...flag(p.RawMessageDelivery, 'raw delivery')].join(', ');
        connect(at(id, 'TopicArn'), at(id, 'Endpoint'), label);
        connect(at(id, 'TopicArn'), at(id, 'RedrivePolicy'), 'undeliverable', true);
        break;
      }
      case 'AWS::Lambda::EventSourceMapping': {
        const batch = p.BatchSize === undefined ? 'event source' : `batches of ${p.BatchSize}`;
        connect(at(id, 'EventSourceArn'), at(id, 'FunctionName'), batch);
        connect(at(id, 'FunctionName'), at(id, 'DestinationConfig'), 'failed batches', true);
        break;
      }
      case 'AWS::Lambda::EventInvokeConfig':
        // Lambda's asynchronous invocation settings: where an event goes after the retries.
        connect(
          at(id, 'FunctionName'),
          at(id, 'DestinationConfig'),
          `failed events (after ${p.MaximumRetryAttempts ?? 2} retries)`,
          true,
        );
        break;
      case 'AWS::ElasticLoadBalancingV2::Listener':
        connect(
          at(id, 'LoadBalancerArn'),
          at(id, 'DefaultActions'),
          `${p.Protocol ?? ''} ${p.Port ?? ''}`.trim(),
        );
        break;
      case 'AWS::ApiGateway::Method': {
        for (const api of at(id, 'RestApiId')) {
          for (const fn of at(id, 'Integration')) {
            const key = `${api} ${fn}`;
            const byPath = methods.get(key) ?? new Map<string, string[]>();
            const route = apiPath(ctx, p.ResourceId);
            byPath.set(route, [...(byPath.get(route) ?? []), String(p.HttpMethod)]);
            methods.set(key, byPath);
          }
        }
        break;
      }
      case 'AWS::ApiGateway::Authorizer':
        connect(at(id, 'RestApiId'), at(id, 'ProviderARNs'), 'authorizer checks tokens');
        break;
      case 'AWS::RDS::DBProxyTargetGroup':
        connect(
          at(id, 'DBProxyName'),
          [...at(id, 'DBInstanceIdentifiers'), ...at(id, 'DBClusterIdentifiers')],
          'pooled connections',
        );
        break;
      case 'AWS::Backup::BackupSelection':
        connect(at(id, 'BackupPlanId'), at(id, 'BackupSelection'), 'backs up');
        break;
      case 'AWS::Logs::Delivery': {
        // Source and destination are plumbing that name the two ends: the logged resource and where logs go.
        // The delivery names its source by name (a literal or a reference to the source).
        const sourceIds = Object.keys(ctx.resources).filter(
          (s) =>
            typeOf(s) === 'AWS::Logs::DeliverySource' &&
            (propsOf(s).Name === p.DeliverySourceName ||
              refsOf(id).some((r) => r.target === s && r.path === 'DeliverySourceName')),
        );
        const destinationIds = refsOf(id)
          .filter((r) => r.path === 'DeliveryDestinationArn')
          .map((r) => r.target);
        const from = uniq(sourceIds.flatMap((s) => at(s, 'ResourceArn')));
        const to = uniq(destinationIds.flatMap((d) => at(d, 'DestinationResourceArn')));
        const logType = sourceIds.map((s) => lit(propsOf(s).LogType)).flat()[0];
        connect(from, to, logType === 'ACCESS_LOGS' ? 'access logs' : 'logs', true);
        break;
      }
      case 'AWS::WAFv2::WebACLAssociation':
        connect(at(id, 'WebACLArn'), at(id, 'ResourceArn'), 'filters requests to');
        break;
      case 'AWS::EC2::SecurityGroupIngress':
        connect(sources(ctx, members, id, p), members.get(groupOf(refsOf(id), 'GroupId')) ?? [], ports(p));
        break;
      case 'AWS::EC2::SecurityGroupEgress':
        connect(
          members.get(groupOf(refsOf(id), 'GroupId')) ?? [],
          members.get(groupOf(refsOf(id), 'DestinationSecurityGroupId')) ?? [],
          ports(p),
        );
        break;
    }
  }
  // Rules written inside a security group.
  for (const id of Object.keys(ctx.resources).sort()) {
    if (typeOf(id) !== 'AWS::EC2::SecurityGroup') continue;
    const p = propsOf(id);
    for (const rule of (p.SecurityGroupIngress as Props[] | undefined) ?? []) {
      const src = findReferences(rule.SourceSecurityGroupId, new Set(Object.keys(ctx.resources)))[0]?.target;
      const from = src
        ? (members.get(src) ?? [])
        : rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0'
          ? [INTERNET]
          : [];
      connect(from, members.get(id) ?? [], ports(rule));
    }
    for (const rule of (p.SecurityGroupEgress as Props[] | undefined) ?? []) {
      const dst = findReferences(rule.DestinationSecurityGroupId, new Set(Object.keys(ctx.resources)))[0]
        ?.target;
      if (dst) connect(members.get(id) ?? [], members.get(dst) ?? [], ports(rule));
    }
  }
  for (const [key, byPath] of methods) {
    const [api, fn] = key.split(' ');
    const label = [...byPath]
      .sort(([a], [b]) => cmp(a, b))
      .map(([route, verbs]) => `${uniq(verbs).join(', ')} ${route}`)
      .join('<br/>');
    out.push({ from: api, to: fn, label, dotted: false });
  }
  return out;
}

function sources(ctx: ConnectorContext, members: Map<string, string[]>, id: string, p: Props): string[] {
  const src = groupOf(ctx.refsOf(id), 'SourceSecurityGroupId');
  if (src) return members.get(src) ?? [];
  return p.CidrIp === '0.0.0.0/0' || p.CidrIpv6 === '::/0' ? [INTERNET] : [];
}

const groupOf = (refs: Ref[], prop: string) => refs.find((r) => r.path === prop)?.target ?? '';

/** Boxes in each security group: every box (or part of a box) that references the group. */
function securityGroupMembers(ctx: ConnectorContext): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const id of Object.keys(ctx.resources).sort()) {
    const r = ctx.role.get(id);
    if (r !== 'node' && r !== 'folded') continue;
    for (const ref of ctx.refsOf(id)) {
      if (ctx.typeOf(ref.target) !== 'AWS::EC2::SecurityGroup') continue;
      const list = members.get(ref.target) ?? [];
      members.set(ref.target, uniq([...list, ctx.ownerOf(id)!]));
    }
  }
  return members;
}

function ports(p: Props): string {
  const proto = String(p.IpProtocol ?? 'tcp');
  if (proto === '-1') return 'all traffic';
  // A port taken from another resource (a database's endpoint port) is a token until deployment.
  const port = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? String(v) : 'endpoint port');
  const from = port(p.FromPort);
  const to = p.ToPort === undefined ? from : port(p.ToPort);
  return `${proto.toUpperCase()} ${from === to ? from : `${from}-${to}`}`;
}

/** `/notes/{noteId}` from a method's ResourceId, following the API Gateway resources up to the root. */
function apiPath(ctx: ConnectorContext, resourceId: unknown): string {
  const parts: string[] = [];
  let ref = findReferences(resourceId, new Set(Object.keys(ctx.resources)))[0];
  for (let depth = 0; ref && depth < 50; depth++) {
    const r = ctx.resources[ref.target];
    if (r.Type !== 'AWS::ApiGateway::Resource') break;
    parts.unshift(String(r.Properties?.PathPart));
    ref = findReferences(r.Properties?.ParentId, new Set(Object.keys(ctx.resources)))[0];
  }
  return '/' + parts.join('/');
}

interface Placement {
  readonly containers: DiagramContainer[];
  readonly containerOf: Map<string, string>;
  readonly tierOfSubnet: Map<string, string>;
}

/** VPC and subnet-tier boxes, and which box each resource sits in, from the subnets and VPC it references. */
function placeInNetwork(ctx: {
  resources: Record<string, TemplateResource>;
  refsOf: (id: string) => Ref[];
  typeOf: (id: string) => string;
  pathOf: (id: string) => string;
  role: Map<string, string>;
  ownerOf: (id: string) => string | undefined;
  partsOf: (id: string) => string[];
}): Placement {
  const ids = Object.keys(ctx.resources).sort();
  const vpcs = ids.filter((id) => ctx.typeOf(id) === 'AWS::EC2::VPC');
  const containers: DiagramContainer[] = [];
  const tierOfSubnet = new Map<string, string>();
  const containerOf = new Map<string, string>();
  if (vpcs.length === 0) return { containers, containerOf, tierOfSubnet };

  const vpcBox = (vpc: string) => mermaidSafe(`vpc_${pathId(ctx.pathOf(vpc)) || vpc}`);
  const vpcOf = (id: string) => ctx.refsOf(id).find((r) => ctx.typeOf(r.target) === 'AWS::EC2::VPC')?.target;
  const tiers = new Map<string, { vpc: string; name: string; subnets: string[] }>();
  for (const s of ids.filter((id) => ctx.typeOf(id) === 'AWS::EC2::Subnet')) {
    const tags = (ctx.resources[s].Properties?.Tags as { Key: string; Value: unknown }[] | undefined) ?? [];
    const name =
      String(tags.find((t) => t.Key === 'aws-cdk:subnet-name')?.Value ?? '') ||
      humanize(ctx.pathOf(s).split('/').slice(-2, -1)[0] ?? s).replace(/ subnet \d+$/, '');
    const vpc = vpcOf(s) ?? '';
    const tierId = `${vpcBox(vpc)}_${mermaidSafe(name)}`;
    const t = tiers.get(tierId) ?? { vpc, name, subnets: [] };
    t.subnets.push(s);
    tiers.set(tierId, t);
    tierOfSubnet.set(s, tierId);
  }
  for (const vpc of vpcs) {
    const subnets = [...tiers.values()].filter((t) => t.vpc === vpc).flatMap((t) => t.subnets);
    const azs = new Set(
      subnets.map((s) => JSON.stringify(ctx.resources[s].Properties?.AvailabilityZone ?? s)),
    );
    const name = nodeName(ctx.pathOf(vpc), { service: '', noun: 'vpc' }, 'AWS::EC2::VPC');
    containers.push({ id: vpcBox(vpc), label: `${name} VPC, ${azs.size} AZs`, parent: '' });
  }

  for (const id of ids) {
    if (ctx.role.get(id) !== 'node') continue;
    const tierIds = new Set<string>();
    let inVpc: string | undefined;
    const visit = (r: string, depth: number) => {
      for (const ref of ctx.refsOf(r)) {
        const t = ctx.typeOf(ref.target);
        if (t === 'AWS::EC2::Subnet') tierIds.add(tierOfSubnet.get(ref.target)!);
        else if (t === 'AWS::EC2::VPC') inVpc ??= ref.target;
        else if (t === 'AWS::EC2::SecurityGroup') inVpc ??= vpcOf(ref.target);
        else if (depth === 0 && /SubnetGroup$/.test(t)) visit(ref.target, 1);
      }
    };
    for (const part of [id, ...ctx.partsOf(id)]) visit(part, 0);
    if (tierIds.size === 1) containerOf.set(id, [...tierIds][0]);
    else if (tierIds.size > 1) containerOf.set(id, vpcBox(tiers.get([...tierIds][0])!.vpc));
    else if (inVpc) containerOf.set(id, vpcBox(inVpc));
  }
  const used = new Set(containerOf.values());
  for (const [tierId, t] of [...tiers].sort(([a], [b]) => cmp(a, b))) {
    if (used.has(tierId)) containers.push({ id: tierId, label: `${t.name} subnets`, parent: vpcBox(t.vpc) });
  }
  return { containers, containerOf, tierOfSubnet };
}

/** Default routes: from a subnet tier box to the gateway or instance its route tables send traffic to. */
function routes(
  resources: Record<string, TemplateResource>,
  refsOf: (id: string) => Ref[],
  ownerOf: (id: string) => string | undefined,
  tierOfSubnet: Map<string, string>,
): DiagramEdge[] {
  const tierOfTable = new Map<string, string>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::EC2::SubnetRouteTableAssociation') continue;
    const table = refsOf(id).find((x) => x.path === 'RouteTableId')?.target;
    const subnet = refsOf(id).find((x) => x.path === 'SubnetId')?.target;
    if (table && subnet && tierOfSubnet.has(subnet)) tierOfTable.set(table, tierOfSubnet.get(subnet)!);
  }
  const out: DiagramEdge[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::EC2::Route') continue;
    const table = refsOf(id).find((x) => x.path === 'RouteTableId')?.target;
    const tier = table && tierOfTable.get(table);
    const p = r.Properties ?? {};
    for (const ref of refsOf(id)) {
      const to = ownerOf(ref.target);
      if (tier && to && ref.path !== 'RouteTableId') {
        out.push({
          from: tier,
          to,
          label: String(p.DestinationCidrBlock ?? p.DestinationIpv6CidrBlock ?? 'route'),
          dotted: false,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Names and Mermaid text

const ACRONYMS: Record<string, string> = {
  api: 'API',
  nat: 'NAT',
  db: 'DB',
  dlq: 'DLQ',
  sqs: 'SQS',
  sns: 'SNS',
  vpc: 'VPC',
  alb: 'ALB',
  acl: 'ACL',
  waf: 'WAF',
  http: 'HTTP',
  https: 'HTTPS',
};

/** `ReadReplica1` -> `Read replica 1`, `OnFailureQueue` -> `On failure queue`, `S3` stays `S3`. */
export function humanize(s: string): string {
  const words = s.match(/[A-Z]+\d*(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [s];
  return words
    .map((w, i) => {
      const known = ACRONYMS[w.toLowerCase()];
      if (known) return known;
      if (/^[A-Z0-9]+$/.test(w) && w.length > 1) return w;
      return i === 0 ? w[0].toUpperCase() + w.slice(1).toLowerCase() : w.toLowerCase();
    })
    .join(' ');
}

/** Names that camel-case splitting gets wrong. */
const PHRASES: [RegExp, string][] = [
  [/\bsecrets manager\b/gi, 'Secrets Manager'],
  [/\bwork group\b/gi, 'workgroup'],
  [/\bdead letter\b/gi, 'dead-letter'],
];

const GENERIC_SEGMENTS = new Set(['Resource', 'Default', 'Attachment']);

/**
 * A box's name from its construct path: the last segment, or the last two when the construct is nested
 * two deep (`OrderEvents/Billing/Queue` -> `Billing queue`), then the service and noun in brackets
 * (`Billing queue (SQS)`, `Order events (SNS topic)`).
 */
export function nodeName(
  constructPath: string,
  info: { service: string; noun: string } | undefined,
  type: string,
): string {
  let segs = constructPath.split('/').filter((s) => !GENERIC_SEGMENTS.has(s) && s !== '');
  if (segs.length >= 3) segs = segs.slice(-2);
  else if (segs.length === 2) segs = segs.slice(-1);
  if (segs.length === 2 && acronym(segs[0]) === segs[1]) segs = [segs[0]];
  let name = humanize(segs.map((s) => s.replace(/[^A-Za-z0-9]+/g, ' ')).join(' ')).replace(/\s+/g, ' ');
  for (const [re, to] of PHRASES) name = name.replace(re, to);
  if (!info) return `${name} (${type.replace(/^AWS::/, '').replace(/::/g, ' ')})`;
  if (!info.service) return name;
  const bracket = name.toLowerCase().endsWith(info.noun.toLowerCase())
    ? info.service
    : `${info.service} ${info.noun}`;
  return `${name} (${bracket})`;
}

/** `OrderEvents/Billing/Queue/Resource` -> `OrderEvents_Billing_Queue`. */
const pathId = (p: string) =>
  p
    .split('/')
    .filter((s) => s !== '' && !GENERIC_SEGMENTS.has(s))
    .join('_');

const acronym = (s: string) => (s.match(/[A-Z]/g) ?? []).join('');

/**
 * Mermaid ids from construct paths (`OrderEvents_Billing_Queue`), readable in the README source and
 * free of the hash suffixes of logical ids; the logical id is appended only when two paths collide.
 */
function mermaidIds(ids: string[], pathOf: (id: string) => string): Map<string, string> {
  const base = new Map(
    ids.map((id) => {
      return [id, mermaidSafe(pathId(pathOf(id)) || id)] as const;
    }),
  );
  const count = new Map<string, number>();
  for (const b of base.values()) count.set(b, (count.get(b) ?? 0) + 1);
  return new Map(
    ids.map((id) => [
      id,
      count.get(base.get(id)!)! > 1 ? mermaidSafe(`${base.get(id)}_${id}`) : base.get(id)!,
    ]),
  );
}

const mermaidSafe = (s: string) => {
  const id = s.replace(/[^A-Za-z0-9_]/g, '_');
  return /^(end|graph|subgraph|flowchart|style|class|click)$/i.test(id) ? `n_${id}` : id;
};

const SHAPES: Record<Shape, [string, string]> = {
  box: ['[', ']'],
  round: ['(', ')'],
  store: ['[(', ')]'],
  queue: ['[[', ']]'],
  alarm: ['{{', '}}'],
  external: ['((', '))'],
};

const text = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;

/** The Mermaid `flowchart LR` of a diagram. */
export function renderMermaid(d: Diagram): string {
  const lines = ['flowchart LR'];
  // Network boxes first and monitoring last, so the data path reads left to right before the alarms.
  const emit = (container: string, indent: string) => {
    const children = d.containers.filter((x) => x.parent === container);
    const subgraph = (c: DiagramContainer) => {
      lines.push(`${indent}subgraph ${c.id}[${text(c.label)}]`);
      emit(c.id, indent + '  ');
      lines.push(`${indent}end`);
    };
    children.filter((c) => c.id !== MONITORING).forEach(subgraph);
    for (const n of d.nodes.filter((x) => x.container === container)) {
      const [open, close] = SHAPES[n.shape];
      lines.push(`${indent}${n.id}${open}${text(n.label)}${close}`);
    }
    children.filter((c) => c.id === MONITORING).forEach(subgraph);
  };
  emit('', '  ');
  for (const e of d.edges) {
    const arrow = e.dotted ? '-.->' : '-->';
    lines.push(`  ${e.from} ${arrow}${e.label ? `|${text(e.label)}|` : ''} ${e.to}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// READMEs

export const { start: DIAGRAM_START, end: DIAGRAM_END } = markers('diagram');

/** The README block: the diagram of one demo stack, and the plumbing it leaves out. */
export function renderDiagramBlock(stackId: string, d: Diagram): string {
  const plumbing = d.notDrawn.map(([c, n]) => `${c} (${n})`).join('; ');
  return [
    DIAGRAM_START,
    '<!-- prettier-ignore-start -->',
    '<!-- Generated by `npm run diagrams` from the synthesized app. Do not edit: a test fails when it is stale. -->',
    '',
    `What \`${stackId}\` deploys (sandbox profile), drawn from its synthesized template: every arrow is a`,
    'reference between two resources; dotted arrows are failure paths, logs and notifications.',
    '',
    '```mermaid',
    renderMermaid(d),
    '```',
    '',
    `Not drawn: ${plumbing || 'nothing'}.`,
    '<!-- prettier-ignore-end -->',
    DIAGRAM_END,
  ].join('\n');
}

/**
 * The README with its diagram block replaced by `block`. A README without the markers gets them right
 * after its first heading, so the diagram is the first thing a reader sees.
 */
export function readmeWithDiagram(readme: string, block: string): string {
  const current = diagramBlockOf(readme);
  if (current !== undefined) return readme.replace(current, () => block);
  if (hasAnyMarker(readme, 'diagram'))
    throw new Error(`README: ${DIAGRAM_START} and ${DIAGRAM_END} must both be present, in order`);
  const heading = readme.match(/^# .*$/m);
  if (!heading || heading.index === undefined)
    throw new Error('README: no "# " heading to put the diagram under');
  const after = heading.index + heading[0].length;
  return readme.slice(0, after) + '\n\n' + block + '\n' + readme.slice(after).replace(/^\n*/, '\n');
}

/** The diagram block in a README, or `undefined` when the markers are missing. */
export const diagramBlockOf = (readme: string): string | undefined => markedBlockOf(readme, 'diagram');

export const readmeFile = (folder: string) => path.join(__dirname, '..', 'lib', folder, 'README.md');

export interface PatternDiagram {
  readonly folder: string;
  readonly stackId: string;
  readonly diagram: Diagram;
  readonly block: string;
}

/**
 * The diagram of every pattern's demo stack, synthesized once for the sandbox profile, in the App
 * `makeApp` builds from that context (the test passes one that writes into the jest run's directory).
 */
export function patternDiagrams(
  makeApp: (context: Record<string, unknown>) => App = (context) => new App({ context }),
): PatternDiagram[] {
  const context = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
  const app = makeApp({ ...context, 'aws:cdk:bundling-stacks': [], profile: 'sandbox' });
  const stacks = PATTERN_STACKS.map((e) => ({ entry: e, stack: e.create(app, e.stackId, 'sandbox') }));
  return stacks.map(({ entry, stack }) => {
    const diagram = buildDiagram(describeStack(stack));
    return {
      folder: entry.folder,
      stackId: entry.stackId,
      diagram,
      block: renderDiagramBlock(entry.stackId, diagram),
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
function flag(v: unknown, word: string): string[] {
  return v ? [word] : [];
}
function lit(v: unknown): string[] {
  return typeof v === 'string' || typeof v === 'number' ? [String(v)] : [];
}
function endpointService(name: unknown): string {
  const literals: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') literals.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(name);
  return (
    literals
      .filter((l) => /\.[a-z0-9-]+$/.test(l))
      .pop()
      ?.split('.')
      .pop() ?? 'service'
  );
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const p of patternDiagrams()) {
    const file = readmeFile(p.folder);
    const readme = fs.readFileSync(file, 'utf8');
    const updated = readmeWithDiagram(readme, p.block);
    const rel = path.relative(path.join(__dirname, '..'), file);
    console.log(`${rel}: ${p.diagram.nodes.length} boxes, ${p.diagram.edges.length} arrows`);
    if (updated === readme) continue;
    stale.push(rel);
    if (!check) fs.writeFileSync(file, updated);
  }
  if (check && stale.length > 0) {
    console.error(`stale diagram in ${stale.join(', ')}: run npm run diagrams`);
    process.exit(1);
  }
  console.log(check ? 'diagrams are up to date' : `wrote ${stale.length} README(s)`);
}
