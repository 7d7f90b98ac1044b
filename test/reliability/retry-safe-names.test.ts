import { Profile } from '../../lib/core/profile';
import { Resources, SynthesizedStack, synthesizeApp, typesAbsent } from './synthesized-app';

/**
 * Retry and redeploy: CloudFormation keeps a resource whose DeletionPolicy is Retain (or Snapshot, for the
 * resources it keeps a snapshot of) when it deletes the stack, and also when it rolls back a failed create.
 * A kept resource still holds its physical name, so if the next deploy of the same stack writes that name
 * again, the create fails with "already exists": a failed first deploy could never be retried and a
 * destroyed production stack never deployed again. Each kept resource must therefore have a name
 * CloudFormation generates, or one that includes something drawn anew at each creation of the stack: the
 * stack's id (`AWS::StackId`, whose last part is a fresh UUID each time the stack is created) or the
 * generated id of a resource that is itself created anew.
 */

/** How the physical name of a resource type behaves. */
interface NameRule {
  /**
   * Property paths holding a name that must be unique in the account and Region (or globally), i.e. that
   * a second resource cannot take while the first exists. Empty: the type has no such name (CloudFormation
   * or the service generates the id, or names may repeat).
   */
  readonly unique: readonly string[];
  /**
   * True when `Ref`/`Fn::GetAtt` of the resource yield something built from its name (a log group's name,
   * a queue's URL, a role's ARN): a reference to it is then only as fresh as its name. False when they
   * yield an id the service draws at creation (a key id, a REST API id, a secret ARN's random suffix).
   */
  readonly refIsName: boolean;
}

const generatedId: NameRule = { unique: [], refIsName: false };

/**
 * Every resource type the demo stacks create. A type missing here fails the test, so a new type gets its
 * name rule before it can slip through.
 */
const NAME_RULES: Readonly<Record<string, NameRule>> = {
  'AWS::ApiGateway::Account': generatedId,
  'AWS::ApiGateway::Authorizer': generatedId,
  'AWS::ApiGateway::Deployment': generatedId,
  'AWS::ApiGateway::GatewayResponse': generatedId,
  'AWS::ApiGateway::Method': generatedId,
  'AWS::ApiGateway::Model': { unique: ['Name'], refIsName: true },
  'AWS::ApiGateway::RequestValidator': generatedId,
  'AWS::ApiGateway::Resource': generatedId,
  // REST API names may repeat; the id is generated.
  'AWS::ApiGateway::RestApi': generatedId,
  'AWS::ApiGateway::Stage': { unique: ['StageName'], refIsName: true },
  'AWS::ApiGateway::UsagePlan': generatedId,
  'AWS::Athena::WorkGroup': { unique: ['Name'], refIsName: true },
  'AWS::AutoScaling::AutoScalingGroup': { unique: ['AutoScalingGroupName'], refIsName: true },
  'AWS::AutoScaling::ScalingPolicy': generatedId,
  'AWS::Backup::BackupPlan': generatedId, // plan names may repeat; the id is generated
  'AWS::Backup::BackupSelection': generatedId,
  'AWS::Backup::BackupVault': { unique: ['BackupVaultName'], refIsName: true },
  'AWS::CloudFront::CachePolicy': { unique: ['CachePolicyConfig.Name'], refIsName: false },
  'AWS::CloudFront::Distribution': generatedId,
  'AWS::CloudFront::Function': { unique: ['Name'], refIsName: true },
  'AWS::CloudFront::MonitoringSubscription': generatedId,
  'AWS::CloudFront::OriginAccessControl': { unique: ['OriginAccessControlConfig.Name'], refIsName: false },
  'AWS::CloudWatch::Alarm': { unique: ['AlarmName'], refIsName: true },
  'AWS::CloudWatch::Dashboard': { unique: ['DashboardName'], refIsName: true },
  'AWS::Cognito::IdentityPool': generatedId, // identity pool names may repeat
  'AWS::Cognito::IdentityPoolRoleAttachment': generatedId,
  'AWS::Cognito::ManagedLoginBranding': generatedId,
  'AWS::Cognito::UserPool': generatedId, // user pool names may repeat; the id is generated
  'AWS::Cognito::UserPoolClient': generatedId,
  'AWS::Cognito::UserPoolDomain': { unique: ['Domain'], refIsName: true },
  'AWS::Cognito::UserPoolResourceServer': generatedId, // identifiers are unique per user pool only
  'AWS::DynamoDB::Table': { unique: ['TableName'], refIsName: true },
  'AWS::ElastiCache::ReplicationGroup': { unique: ['ReplicationGroupId'], refIsName: true },
  'AWS::ElastiCache::SubnetGroup': { unique: ['CacheSubnetGroupName'], refIsName: true },
  'AWS::EC2::EIP': generatedId,
  'AWS::EC2::FlowLog': generatedId,
  'AWS::EC2::Instance': generatedId,
  'AWS::EC2::InternetGateway': generatedId,
  'AWS::EC2::LaunchTemplate': { unique: ['LaunchTemplateName'], refIsName: false },
  'AWS::EC2::NatGateway': generatedId,
  'AWS::EC2::Route': generatedId,
  'AWS::EC2::RouteTable': generatedId,
  'AWS::EC2::SecurityGroup': { unique: ['GroupName'], refIsName: false },
  'AWS::EC2::SecurityGroupEgress': generatedId,
  'AWS::EC2::SecurityGroupIngress': generatedId,
  'AWS::EC2::Subnet': generatedId,
  'AWS::EC2::SubnetRouteTableAssociation': generatedId,
  'AWS::EC2::VPC': generatedId,
  'AWS::EC2::VPCEndpoint': generatedId,
  'AWS::EC2::VPCGatewayAttachment': generatedId,
  'AWS::ElasticLoadBalancingV2::Listener': generatedId,
  'AWS::ElasticLoadBalancingV2::ListenerRule': generatedId,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { unique: ['Name'], refIsName: false },
  'AWS::ElasticLoadBalancingV2::TargetGroup': { unique: ['Name'], refIsName: false },
  'AWS::Glue::Database': { unique: ['DatabaseInput.Name'], refIsName: true },
  'AWS::Glue::Table': { unique: ['TableInput.Name'], refIsName: true },
  'AWS::IAM::InstanceProfile': { unique: ['InstanceProfileName'], refIsName: true },
  'AWS::IAM::ManagedPolicy': { unique: ['ManagedPolicyName'], refIsName: true },
  'AWS::IAM::Policy': generatedId, // inline policy names are unique per role only
  'AWS::IAM::Role': { unique: ['RoleName'], refIsName: true },
  'AWS::KMS::Key': generatedId,
  'AWS::KMS::Alias': { unique: ['AliasName'], refIsName: true },
  'AWS::Kinesis::Stream': { unique: ['Name'], refIsName: true },
  'AWS::KinesisFirehose::DeliveryStream': { unique: ['DeliveryStreamName'], refIsName: true },
  'AWS::Events::Rule': { unique: ['Name'], refIsName: true },
  'AWS::Lambda::EventInvokeConfig': generatedId, // one per function and qualifier, no name of its own
  'AWS::Lambda::EventSourceMapping': generatedId,
  'AWS::Lambda::Function': { unique: ['FunctionName'], refIsName: true },
  'AWS::Lambda::LayerVersion': generatedId, // a layer name gets a new version, never "already exists"
  'AWS::Lambda::Permission': generatedId,
  'AWS::Lambda::Url': generatedId,
  'AWS::Logs::Delivery': generatedId,
  'AWS::Logs::DeliveryDestination': { unique: ['Name'], refIsName: true },
  'AWS::Logs::DeliverySource': { unique: ['Name'], refIsName: true },
  'AWS::Logs::LogGroup': { unique: ['LogGroupName'], refIsName: true },
  // A stream's name is unique within its group only: the pair is fresh when the group's name is.
  'AWS::Logs::LogStream': { unique: ['LogGroupName'], refIsName: true },
  'AWS::RDS::DBInstance': { unique: ['DBInstanceIdentifier'], refIsName: true },
  'AWS::RDS::DBParameterGroup': { unique: ['DBParameterGroupName'], refIsName: true },
  'AWS::RDS::DBProxy': { unique: ['DBProxyName'], refIsName: true },
  'AWS::RDS::DBProxyTargetGroup': generatedId,
  'AWS::RDS::DBSubnetGroup': { unique: ['DBSubnetGroupName'], refIsName: true },
  'AWS::RDS::OptionGroup': { unique: ['OptionGroupName'], refIsName: true },
  'AWS::S3::Bucket': { unique: ['BucketName'], refIsName: true },
  'AWS::S3::BucketPolicy': generatedId,
  'AWS::SNS::Subscription': generatedId,
  'AWS::SNS::Topic': { unique: ['TopicName'], refIsName: true },
  'AWS::SNS::TopicPolicy': generatedId,
  'AWS::SQS::Queue': { unique: ['QueueName'], refIsName: true },
  'AWS::SQS::QueuePolicy': generatedId,
  'AWS::SecretsManager::ResourcePolicy': generatedId,
  'AWS::SecretsManager::RotationSchedule': generatedId,
  // The ARN ends with a random suffix, but the name itself is unique while the secret exists.
  'AWS::SecretsManager::Secret': { unique: ['Name'], refIsName: false },
  'AWS::SecretsManager::SecretTargetAttachment': generatedId,
  'AWS::WAFv2::LoggingConfiguration': generatedId,
  'AWS::WAFv2::WebACL': { unique: ['Name'], refIsName: false },
  'AWS::WAFv2::WebACLAssociation': generatedId,
};

/** Custom resources: the provider decides; none of the project's own carries a name. */
const ruleOf = (type: string): NameRule | undefined =>
  type.startsWith('Custom::') ? generatedId : NAME_RULES[type];

const KEPT = new Set(['Retain', 'RetainExceptOnCreate', 'Snapshot']);

/** The value at a dotted property path. */
function at(properties: Record<string, unknown> | undefined, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
      properties,
    );
}

/** Logical ids (and pseudo parameters) a value refers to through Ref or Fn::GetAtt. */
function referencesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (!value || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  const own: string[] = [];
  if (typeof o.Ref === 'string') own.push(o.Ref);
  const getAtt = o['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') own.push(getAtt[0]);
  return [...own, ...Object.values(o).flatMap(referencesIn)];
}

/**
 * True when a name is drawn anew at each creation of the stack: absent (CloudFormation generates it), or
 * built from the stack's id, or from a reference to a resource whose id the service draws, or whose own
 * name is fresh in this sense. A literal, or one built only from the stack name, Region and account, is not.
 */
export function freshPerCreation(value: unknown, resources: Resources, seen = new Set<string>()): boolean {
  if (value === undefined) return true;
  return referencesIn(value).some((id) => {
    if (id === 'AWS::StackId') return true;
    const r = resources[id];
    if (!r || seen.has(id)) return false;
    const rule = ruleOf(r.Type);
    if (!rule) return false;
    if (!rule.refIsName) return true;
    return rule.unique.every((p) => freshPerCreation(at(r.Properties, p), resources, new Set([...seen, id])));
  });
}

/** `<stack> <logical id> <type>.<property>` of each kept resource whose name a second deploy would repeat. */
export function repeatedNames(stacks: readonly SynthesizedStack[]): string[] {
  return stacks.flatMap(({ stackId, template }) =>
    Object.entries(template.Resources).flatMap(([id, r]) => {
      const kept = [r.DeletionPolicy, r.UpdateReplacePolicy].some((p) => KEPT.has(String(p)));
      const rule = ruleOf(r.Type);
      if (!kept || !rule) return [];
      return rule.unique
        .filter((p) => !freshPerCreation(at(r.Properties, p), template.Resources))
        .map((p) => `${stackId} ${id} ${r.Type}.${p}`);
    }),
  );
}

const PROFILES: Profile[] = ['sandbox', 'production'];

describe('retry and redeploy: no kept resource carries a name the next deploy writes again', () => {
  test('every resource type of the demo stacks has a name rule', () => {
    const types = new Set(
      PROFILES.flatMap((p) =>
        synthesizeApp(p).flatMap((s) => Object.values(s.template.Resources).map((r) => r.Type)),
      ),
    );
    expect([...types].filter((t) => !ruleOf(t)).sort()).toEqual([]);
  });

  test('the rules cover the types that hold the kept names', () => {
    const all = PROFILES.flatMap((p) => synthesizeApp(p));
    expect(
      typesAbsent(all, ['AWS::Logs::LogGroup', 'AWS::Backup::BackupVault', 'AWS::RDS::DBInstance']),
    ).toEqual([]);
  });

  test.each(PROFILES)('%s: every kept name is drawn anew at each creation', (profile) => {
    expect(repeatedNames(synthesizeApp(profile))).toEqual([]);
  });

  test('production keeps named resources, and each of their names is built from the stack id', () => {
    const stacks = synthesizeApp('production');
    const kept = stacks.flatMap(({ template }) =>
      Object.values(template.Resources).filter(
        (r) =>
          [r.DeletionPolicy, r.UpdateReplacePolicy].some((p) => KEPT.has(String(p))) &&
          (ruleOf(r.Type)?.unique ?? []).some((p) => at(r.Properties, p) !== undefined),
      ),
    );
    const types = new Set(kept.map((r) => r.Type));
    // The names this test exists for: the RDS export log groups, the instance identifiers, the vaults.
    expect([...types]).toEqual(
      expect.arrayContaining(['AWS::Logs::LogGroup', 'AWS::RDS::DBInstance', 'AWS::Backup::BackupVault']),
    );
    for (const type of ['AWS::RDS::DBInstance', 'AWS::Backup::BackupVault']) {
      for (const r of kept.filter((k) => k.Type === type)) {
        expect(JSON.stringify(r.Properties)).toContain('{"Ref":"AWS::StackId"}');
      }
    }
  });

  describe('the check itself, on a small bad template', () => {
    const template: SynthesizedStack['template'] = {
      Resources: {
        FixedVault: {
          Type: 'AWS::Backup::BackupVault',
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: { BackupVaultName: 'MyStackBackupVault1234' },
        },
        StackNameLogs: {
          Type: 'AWS::Logs::LogGroup',
          DeletionPolicy: 'Retain',
          Properties: {
            LogGroupName: {
              'Fn::Join': ['', ['/aws/rds/instance/', { Ref: 'AWS::StackName' }, '/postgresql']],
            },
          },
        },
        FixedDatabase: {
          Type: 'AWS::RDS::DBInstance',
          DeletionPolicy: 'Snapshot',
          UpdateReplacePolicy: 'Snapshot',
          Properties: { DBInstanceIdentifier: 'mystack-database' },
        },
        ThroughFixedDatabase: {
          Type: 'AWS::Logs::LogGroup',
          DeletionPolicy: 'Retain',
          Properties: {
            LogGroupName: { 'Fn::Join': ['', ['/aws/rds/instance/', { Ref: 'FixedDatabase' }, '/upgrade']] },
          },
        },
        // Fresh: generated, built from the stack id, or from a generated id.
        Generated: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain', Properties: {} },
        FromStackId: {
          Type: 'AWS::Backup::BackupVault',
          DeletionPolicy: 'Retain',
          Properties: {
            BackupVaultName: {
              'Fn::Join': [
                '-',
                [
                  'vault',
                  {
                    'Fn::Select': [
                      0,
                      {
                        'Fn::Split': [
                          '-',
                          { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] },
                        ],
                      },
                    ],
                  },
                ],
              ],
            },
          },
        },
        Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'fixed-but-may-repeat' } },
        FromApiId: {
          Type: 'AWS::Logs::LogGroup',
          DeletionPolicy: 'Retain',
          Properties: {
            LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: 'Api' }, '/v1']] },
          },
        },
        // Not kept: a fixed name is deleted with the stack.
        DeletedWithStack: {
          Type: 'AWS::Logs::LogGroup',
          DeletionPolicy: 'Delete',
          Properties: { LogGroupName: 'fixed' },
        },
      },
    };

    test('reports each kept resource whose name a second deploy repeats, and only those', () => {
      expect(repeatedNames([{ stackId: 'Bad', template }])).toEqual([
        'Bad FixedVault AWS::Backup::BackupVault.BackupVaultName',
        'Bad StackNameLogs AWS::Logs::LogGroup.LogGroupName',
        'Bad FixedDatabase AWS::RDS::DBInstance.DBInstanceIdentifier',
        'Bad ThroughFixedDatabase AWS::Logs::LogGroup.LogGroupName',
      ]);
    });

    test('a reference cycle is not fresh', () => {
      const cycle: Resources = {
        A: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { Ref: 'B' } } },
        B: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { Ref: 'A' } } },
      };
      expect(freshPerCreation({ Ref: 'A' }, cycle)).toBe(false);
    });
  });
});
