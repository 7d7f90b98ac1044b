import { awsManagedPolicy } from './aws-managed-policies';
import { containsUnresolved, ResolvedResource, ResolvedTemplate } from './resolve-template';
import { NamedPolicy } from './simulate';

/*
 * Every policy of a resolved template, indexed the way IAM looks them up at request time:
 * - identity policies by role ARN: inline `Policies`, `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy`
 *   attached through `Roles`, and the AWS managed policies in `ManagedPolicyArns`;
 * - resource policies by resource ARN: topic, queue, bucket (bucket and object ARNs), key, secret, and
 *   a Lambda function's policy, which CloudFormation builds from its `AWS::Lambda::Permission`s.
 */

/** A policy document as the templates write it. */
interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}
// Statements are plain JSON of the template; the simulator validates their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Statement = Record<string, any>;

/** The policies of one resolved template. */
export interface PolicyIndex {
  /** The identity policies of a role of the template; throws for an ARN that is not one of its roles. */
  identityPolicies(roleArn: string): NamedPolicy[];
  /** The policy of the resource that `arn` names or lies in (an object ARN gets its bucket's), if any. */
  resourcePolicy(arn: string): NamedPolicy | undefined;
  /** The resource that an ARN names or lies in, if the template holds it. */
  owner(arn: string): ResolvedResource | undefined;
  /** A short, readable label for a resource: its construct path below the stack, else its logical id. */
  label(resource: ResolvedResource): string;
}

/** Builds the PolicyIndex of a resolved template. */
export function indexPolicies(t: ResolvedTemplate): PolicyIndex {
  const label = (r: ResolvedResource): string =>
    r.cdkPath
      ? r.cdkPath
          .split('/')
          .slice(1)
          .join('/')
          .replace(/(\/Resource)+$/, '')
      : r.logicalId;
  /** A policy the simulator can read: one holding a value the resolver cannot know offline is an error. */
  const checkResolved = (r: ResolvedResource, what: string, document: unknown): void => {
    if (containsUnresolved(document)) {
      throw new Error(
        `${what} of ${label(r)} holds a value the resolver cannot know offline: ${JSON.stringify(document)}`,
      );
    }
  };
  const named = (r: ResolvedResource, what: string, document: PolicyDocument): NamedPolicy => {
    checkResolved(r, what, document);
    return { name: `${what} of ${label(r)}`, document };
  };

  // --- identity policies, by role ARN ---------------------------------------------------------------
  const byRole = new Map<string, NamedPolicy[]>();
  const roleOf = new Map<string, ResolvedResource>(); // Ref (role name) -> role
  for (const role of t.ofType('AWS::IAM::Role')) {
    roleOf.set(role.ref, role);
    const policies: NamedPolicy[] = [];
    for (const p of role.properties.Policies ?? []) {
      policies.push(named(role, `inline policy ${p.PolicyName}`, p.PolicyDocument));
    }
    for (const arn of role.properties.ManagedPolicyArns ?? []) {
      const local = t.findByArnOrRef(arn);
      if (local) continue; // a managed policy of this template: attached through its own Roles below
      const copy = awsManagedPolicy(arn);
      policies.push({ name: `AWS managed policy ${copy.name}`, document: copy.document });
    }
    byRole.set(role.arn!, policies);
  }
  const attach = (
    r: ResolvedResource,
    what: string,
    document: PolicyDocument,
    roles: string[] = [],
  ): void => {
    for (const name of roles) {
      const role = roleOf.get(name);
      if (!role) continue; // a role of another stack: not this template's concern
      byRole.get(role.arn!)!.push(named(r, what, document));
    }
  };
  for (const p of t.ofType('AWS::IAM::Policy'))
    attach(p, 'policy', p.properties.PolicyDocument, p.properties.Roles);
  for (const p of t.ofType('AWS::IAM::ManagedPolicy')) {
    attach(p, 'managed policy', p.properties.PolicyDocument, p.properties.Roles);
  }
  // Managed policies of the template named in a role's ManagedPolicyArns (rather than listing the role).
  for (const role of t.ofType('AWS::IAM::Role')) {
    for (const arn of role.properties.ManagedPolicyArns ?? []) {
      const local = t.findByArnOrRef(arn);
      if (local && !(local.properties.Roles ?? []).includes(role.ref)) {
        byRole.get(role.arn!)!.push(named(local, 'managed policy', local.properties.PolicyDocument));
      }
    }
  }

  // --- resource policies, by resource ARN -----------------------------------------------------------
  const byResource = new Map<string, NamedPolicy>();
  const owner = (arn: string): ResolvedResource | undefined => {
    const direct = t.findByArnOrRef(arn);
    if (direct) return direct;
    const s3 = /^arn:[^:]+:s3:::([^/]+)\/.*$/.exec(arn);
    return s3 ? t.ofType('AWS::S3::Bucket').find((b) => b.ref === s3[1]) : undefined;
  };
  const merge = (
    target: ResolvedResource,
    what: string,
    statements: Statement[],
    source: ResolvedResource,
  ): void => {
    const existing = byResource.get(target.arn!);
    const document: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [...(existing?.document.Statement ?? []), ...statements],
    };
    checkResolved(source, what, statements);
    byResource.set(target.arn!, { name: `${what} of ${label(target)}`, document });
  };
  const targetOf = (ref: string, policy: ResolvedResource): ResolvedResource => {
    const target = owner(ref);
    if (!target?.arn)
      throw new Error(`${label(policy)} names ${ref}, which is not a resource of the template`);
    return target;
  };
  for (const p of t.ofType('AWS::SNS::TopicPolicy')) {
    for (const topic of p.properties.Topics) {
      merge(targetOf(topic, p), 'topic policy', p.properties.PolicyDocument.Statement, p);
    }
  }
  for (const topic of t.ofType('AWS::SNS::Topic')) {
    // A topic without a policy has SNS's default one: the account's principals, and services acting for it.
    if (!byResource.has(topic.arn!))
      merge(topic, 'default topic policy', [snsDefaultStatement(topic, t)], topic);
  }
  for (const p of t.ofType('AWS::SQS::QueuePolicy')) {
    for (const queue of p.properties.Queues)
      merge(targetOf(queue, p), 'queue policy', p.properties.PolicyDocument.Statement, p);
  }
  for (const p of t.ofType('AWS::S3::BucketPolicy')) {
    merge(targetOf(p.properties.Bucket, p), 'bucket policy', p.properties.PolicyDocument.Statement, p);
  }
  for (const key of t.ofType('AWS::KMS::Key'))
    merge(key, 'key policy', key.properties.KeyPolicy.Statement, key);
  // A role's trust policy is its resource policy for sts:AssumeRole.
  for (const role of t.ofType('AWS::IAM::Role')) {
    merge(role, 'trust policy', role.properties.AssumeRolePolicyDocument.Statement, role);
  }
  for (const p of t.ofType('AWS::SecretsManager::ResourcePolicy')) {
    merge(targetOf(p.properties.SecretId, p), 'secret policy', p.properties.ResourcePolicy.Statement, p);
  }
  for (const p of t.ofType('AWS::Lambda::Permission')) {
    const fn = targetOf(p.properties.FunctionName, p);
    merge(fn, 'function policy', [lambdaPermissionStatement(p, fn)], p);
  }

  return {
    identityPolicies(roleArn) {
      const policies = byRole.get(roleArn);
      if (!policies)
        throw new Error(`${roleArn} is not a role of the template; roles: ${[...byRole.keys()].join(', ')}`);
      return policies;
    },
    resourcePolicy(arn) {
      const target = owner(arn);
      return target?.arn ? byResource.get(target.arn) : undefined;
    },
    owner,
    label,
  };
}

/** The statement CloudFormation's `AWS::Lambda::Permission` adds to the function's policy. */
function lambdaPermissionStatement(p: ResolvedResource, fn: ResolvedResource): Statement {
  const { Principal, Action, SourceArn, SourceAccount, PrincipalOrgID } = p.properties;
  const principal =
    /^\d{12}$/.test(Principal) || Principal.startsWith('arn:')
      ? { AWS: Principal }
      : Principal === '*'
        ? '*'
        : { Service: Principal };
  const condition: Record<string, Record<string, string>> = {};
  if (SourceArn) condition.ArnLike = { 'AWS:SourceArn': SourceArn };
  if (SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': SourceAccount };
  if (PrincipalOrgID)
    condition.StringEquals = { ...condition.StringEquals, 'aws:PrincipalOrgID': PrincipalOrgID };
  return {
    Sid: p.logicalId,
    Effect: 'Allow',
    Principal: principal,
    Action,
    Resource: fn.arn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/** SNS's default topic policy, which a topic has until any topic policy replaces it. */
function snsDefaultStatement(topic: ResolvedResource, t: ResolvedTemplate): Statement {
  return {
    Sid: '__default_statement_ID',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: [
      'SNS:GetTopicAttributes',
      'SNS:SetTopicAttributes',
      'SNS:AddPermission',
      'SNS:RemovePermission',
      'SNS:DeleteTopic',
      'SNS:Subscribe',
      'SNS:ListSubscriptionsByTopic',
      'SNS:Publish',
    ],
    Resource: topic.arn,
    Condition: { StringEquals: { 'AWS:SourceOwner': t.env.account } },
  };
}
