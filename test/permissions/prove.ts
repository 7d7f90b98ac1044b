import { PatternPermissions, PathCaller, PermissionPath } from '../../lib/core/permission-paths';
import { Profile } from '../../lib/core/profile';
import { derivedPaths } from './derived-paths';
import { OTHER_ACCOUNT, ProofCase } from './proof-case';
import { ResolvedResource, ResolvedTemplate, resolveTemplate, testEnvironment } from './resolve-template';
import { Caller, describeVerdict, evaluatePath, NamedPolicy, PathRequest, PathVerdict } from './simulate';
import { indexPolicies, PolicyIndex } from './template-policies';

/*
 * The permission-path proof of one synthesized template: the paths every pattern needs (derived from
 * the template) and the pattern's declared paths, each evaluated by the IAM simulator over the
 * template's identity, resource and key policies; and the data each role can reach, compared with
 * what the pattern declares.
 */

/** One proven call. */
export interface ProvenCase {
  readonly case: ProofCase;
  readonly verdict: PathVerdict;
  /** The verdict matches the expectation and the simulator ignored no context key. */
  readonly holds: boolean;
  /** Why it fails, for the test's message; empty when it holds. */
  readonly failure: string;
}

/** What one role can do to one data resource of the stack. */
export interface DataAccess {
  readonly role: string;
  readonly resource: string;
  readonly actions: string[];
  /** The declared reason, if the pattern declares this access. */
  readonly reason?: string;
}

/** The proof of one stack in one profile. */
export interface PatternProof {
  readonly stackName: string;
  readonly profile: Profile;
  readonly cases: ProvenCase[];
  readonly access: DataAccess[];
  /** Every failure, each a readable paragraph: failed paths, undeclared access, bad declarations. */
  readonly failures: string[];
}

/** An administrator of the same account: its own policy allows everything, so only a Deny can stop it. */
const ADMINISTRATOR: NamedPolicy = {
  name: 'identity policy of another principal of the account (allows everything)',
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

/**
 * Proves a template against its pattern's declaration. `region` is the Region the stack is pinned to
 * (the static site lives in us-east-1 whatever the CLI's Region): its template writes that Region out
 * literally, so the test environment must be in it too. An environment-agnostic stack gets the test Region.
 */
export async function provePattern(
  template: unknown,
  stackName: string,
  profile: Profile,
  declared: PatternPermissions,
  region?: string,
): Promise<PatternProof> {
  const t = resolveTemplate(template, { ...testEnvironment(stackName), ...(region ? { region } : {}) });
  const policies = indexPolicies(t);
  const failures: string[] = [];
  const cases: ProofCase[] = [...derivedPaths(t, policies)];
  for (const path of declared.paths) {
    if (path.profiles && !path.profiles.includes(profile)) continue;
    try {
      cases.push(...declaredCases(t, policies, path));
    } catch (e) {
      failures.push(`declared path "${path.why}" cannot be read: ${(e as Error).message}`);
    }
  }
  const proven: ProvenCase[] = [];
  for (const c of cases) {
    const request = requestOf(t, policies, c);
    const verdict = await evaluatePath(request);
    const wanted = c.expect === 'allow' ? verdict.decision === 'Allowed' : verdict.decision !== 'Allowed';
    const holds = wanted && verdict.ignoredContextKeys.length === 0;
    const failure = holds
      ? ''
      : `${c.expect === 'allow' ? 'MUST ALLOW' : 'MUST REFUSE'}: ${c.why}\n` +
        (verdict.ignoredContextKeys.length
          ? `  the simulator ignored: ${verdict.ignoredContextKeys.join(', ')}\n`
          : '') +
        describeVerdict(request, verdict)
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n');
    if (!holds) failures.push(failure);
    proven.push({ case: c, verdict, holds, failure });
  }
  const access = await dataAccess(t, policies, declared);
  for (const a of access.filter((x) => x.reason === undefined)) {
    failures.push(
      `UNDECLARED DATA ACCESS: ${a.role} can ${a.actions.join(', ')} on ${a.resource}; ` +
        "narrow its policy, or list the resource under the role in the pattern's dataAccess with the reason.",
    );
  }
  const present = new Set(t.resources.filter((r) => r.cdkPath).map((r) => policies.label(r)));
  for (const [role, resources] of Object.entries(declared.dataAccess)) {
    if (!present.has(role)) continue; // a role of the other profile
    for (const resource of Object.keys(resources)) {
      if (present.has(resource) && !access.some((a) => a.role === role && a.resource === resource)) {
        failures.push(
          `DECLARED BUT UNUSED: dataAccess says ${role} may reach ${resource}, but it cannot: remove the entry.`,
        );
      }
    }
  }
  return { stackName, profile, cases: proven, access, failures };
}

// --- declared paths -------------------------------------------------------------------------------

/** Expands `${Path.Attr}`, `${AWS::AccountId}`, `${AWS::Region}`, `${AWS::Partition}` and `${OtherAccount}`. */
export function expandReferences(t: ResolvedTemplate, policies: PolicyIndex, text: string): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
    switch (ref) {
      case 'AWS::AccountId':
        return t.env.account;
      case 'AWS::Region':
        return t.env.region;
      case 'AWS::Partition':
        return t.env.partition;
      case 'OtherAccount':
        return OTHER_ACCOUNT;
    }
    const dot = ref.lastIndexOf('.');
    if (dot === -1)
      throw new Error(`\${${ref}}: write \${<construct path>.<Attribute>}, e.g. \${Orders/Topic.Arn}`);
    const resource = byConstructPath(t, policies, ref.slice(0, dot));
    const attribute = ref.slice(dot + 1);
    const value =
      attribute === 'Ref'
        ? resource.ref
        : (resource.attributes[attribute] ?? (attribute === 'Arn' ? resource.arn : undefined));
    if (value === undefined) {
      throw new Error(
        `\${${ref}}: ${resource.type} has no attribute ${attribute}; known: Ref, ${Object.keys(resource.attributes).join(', ')}`,
      );
    }
    return value;
  });
}

/**
 * The resource at a construct path below the stack, written as the proof labels resources: the
 * `Resource` children of L2s left out (`Clickstream/Bucket` for `Clickstream/Bucket/Resource/Resource`).
 */
export function byConstructPath(t: ResolvedTemplate, policies: PolicyIndex, path: string): ResolvedResource {
  const found = t.resources.filter((r) => r.cdkPath && policies.label(r) === path);
  if (found.length === 1) return found[0];
  const near = t.resources.filter((r) => r.cdkPath && policies.label(r).startsWith(path.split('/')[0]));
  throw new Error(
    `${found.length === 0 ? 'no' : 'several'} resources at ${path}; paths near it:\n` +
      near.map((r) => `  ${policies.label(r)} (${r.type})`).join('\n'),
  );
}

function declaredCases(t: ResolvedTemplate, policies: PolicyIndex, path: PermissionPath): ProofCase[] {
  const { caller, callerLabel } = callerOf(t, policies, path.caller);
  const resource = expandReferences(t, policies, path.resource);
  const context = Object.fromEntries(
    Object.entries(path.context ?? {}).map(([k, v]) => [
      k,
      Array.isArray(v) ? v.map((x) => expandReferences(t, policies, x)) : expandReferences(t, policies, v),
    ]),
  );
  const resourceLabel = path.resource.replace(/\$\{([^}]+)\.(Arn|Ref|[A-Za-z]+)\}/g, '$1');
  return path.actions.map((action) => ({
    why: path.why,
    origin: 'declared' as const,
    caller,
    callerLabel,
    action,
    resource,
    resourceLabel,
    context,
    expect: path.expect,
  }));
}

function callerOf(
  t: ResolvedTemplate,
  policies: PolicyIndex,
  c: PathCaller,
): { caller: Caller; callerLabel: string } {
  if ('service' in c) return { caller: { kind: 'service', service: c.service }, callerLabel: c.service };
  if ('role' in c) {
    const role = byConstructPath(t, policies, c.role);
    if (role.type !== 'AWS::IAM::Role') throw new Error(`caller role ${c.role} is a ${role.type}`);
    return { caller: { kind: 'role', arn: role.arn! }, callerLabel: `role ${policies.label(role)}` };
  }
  if ('anonymous' in c) return { caller: { kind: 'anonymous' }, callerLabel: 'anonymous' };
  return {
    caller: {
      kind: 'account-principal',
      arn: `arn:${t.env.partition}:iam::${t.env.account}:user/administrator`,
    },
    callerLabel: 'another principal of the account',
  };
}

/** The request the simulator evaluates for a case: the caller's identity policies and the target's policy. */
export function requestOf(t: ResolvedTemplate, policies: PolicyIndex, c: ProofCase): PathRequest {
  let identityPolicies: NamedPolicy[] = [];
  if (c.identityPolicies) identityPolicies = c.identityPolicies;
  else if (c.caller.kind === 'role') identityPolicies = policies.identityPolicies(c.caller.arn);
  else if (c.caller.kind === 'account-principal') identityPolicies = [ADMINISTRATOR];
  return {
    caller: c.caller,
    action: c.action,
    resource: c.resource,
    resourceAccount: t.env.account,
    context: c.context,
    identityPolicies,
    resourcePolicy: c.resource === '*' ? undefined : policies.resourcePolicy(c.resource),
  };
}

// --- data access ----------------------------------------------------------------------------------

/**
 * What the proof tries on each data resource: reads, writes and deletes a role could abuse. The object
 * actions run on an object of the bucket, the rest on the resource itself.
 */
const DATA_ACTIONS: Record<string, { actions: string[]; object?: boolean }[]> = {
  'AWS::S3::Bucket': [
    { actions: ['s3:ListBucket'] },
    {
      actions: [
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:PutObjectRetention',
        's3:PutObjectLegalHold',
      ],
      object: true,
    },
  ],
  'AWS::DynamoDB::Table': [
    {
      actions: [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
    },
  ],
  'AWS::SQS::Queue': [
    { actions: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue'] },
  ],
  'AWS::SNS::Topic': [{ actions: ['sns:Publish', 'sns:Subscribe'] }],
  'AWS::Kinesis::Stream': [{ actions: ['kinesis:GetRecords', 'kinesis:PutRecord', 'kinesis:PutRecords'] }],
  'AWS::KinesisFirehose::DeliveryStream': [{ actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'] }],
  'AWS::SecretsManager::Secret': [
    { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'] },
  ],
  'AWS::KMS::Key': [{ actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] }],
  'AWS::Logs::LogGroup': [
    { actions: ['logs:FilterLogEvents'] },
    { actions: ['logs:GetLogEvents'], object: true },
  ],
};

/**
 * The ARNs an action of DATA_ACTIONS runs on: the resource, or objects (log streams) in it. A bucket's
 * objects are tried at the top and under every key prefix the role's identity policies or the bucket
 * policy name (`<bucket ARN>/uploads/*` gives `uploads/any/object`): a grant scoped to a prefix is still
 * access to the bucket's data, and an object outside every named prefix would not show it.
 */
function dataTargets(resource: ResolvedResource, object: boolean, policies: NamedPolicy[]): string[] {
  if (resource.type === 'AWS::Logs::LogGroup') {
    // Log-group actions are authorized against the ARN with its trailing ':*' (the GetAtt Arn form).
    const group = resource.arn!.replace(/:\*$/, '');
    return [object ? `${group}:log-stream:any` : `${group}:*`];
  }
  if (!object) return [resource.arn!];
  const targets = new Set([`${resource.arn}/any/object`]);
  const inside = `${resource.arn}/`;
  for (const policy of policies) {
    const statements = ([] as { Resource?: unknown }[]).concat(
      (policy.document as { Statement?: [] }).Statement ?? [],
    );
    for (const statement of statements) {
      for (const arn of ([] as unknown[]).concat(statement.Resource ?? [])) {
        if (typeof arn !== 'string' || !arn.startsWith(inside) || !/[*?]/.test(arn)) continue;
        targets.add(`${arn.replace(/\*$/, 'any/object').replace(/[*?]/g, 'x')}`);
      }
    }
  }
  return [...targets];
}

/** The services whose kms:ViaService a role's key grant may name; a key use is tried directly and through each. */
const KEY_VIA_SERVICES = [
  's3',
  'sqs',
  'sns',
  'kinesis',
  'secretsmanager',
  'dynamodb',
  'rds',
  'logs',
  'firehose',
];

async function dataAccess(
  t: ResolvedTemplate,
  policies: PolicyIndex,
  declared: PatternPermissions,
): Promise<DataAccess[]> {
  const result: DataAccess[] = [];
  const data = t.resources.filter((r) => DATA_ACTIONS[r.type] && r.arn);
  for (const role of t.ofType('AWS::IAM::Role')) {
    const roleLabel = policies.label(role);
    const identityPolicies = policies.identityPolicies(role.arn!);
    const reasons = declared.dataAccess[roleLabel] ?? {};
    for (const resource of data) {
      const allowed: string[] = [];
      const ownPolicy = policies.resourcePolicy(resource.arn!);
      const prefixSources = [...identityPolicies, ...(ownPolicy ? [ownPolicy] : [])];
      for (const group of DATA_ACTIONS[resource.type]) {
        const targets = dataTargets(resource, group.object ?? false, prefixSources);
        for (const action of group.actions) {
          const contexts: Record<string, string>[] =
            resource.type === 'AWS::KMS::Key'
              ? [
                  {},
                  ...KEY_VIA_SERVICES.map((s) => ({
                    'kms:ViaService': `${s}.${t.env.region}.amazonaws.com`,
                  })),
                ]
              : [{}];
          for (const target of targets) {
            const resourcePolicy = policies.resourcePolicy(target);
            const granted: string[] = [];
            for (const context of contexts) {
              const verdict = await evaluatePath({
                caller: { kind: 'role', arn: role.arn! },
                action,
                resource: target,
                resourceAccount: t.env.account,
                context,
                identityPolicies,
                resourcePolicy,
              });
              if (verdict.decision === 'Allowed') {
                granted.push(
                  context['kms:ViaService']
                    ? `${action} (via ${context['kms:ViaService'].split('.')[0]})`
                    : action,
                );
                if (!context['kms:ViaService']) break; // allowed directly: the via-service variants add nothing
              }
            }
            allowed.push(...granted);
            if (granted.length > 0) break; // allowed on one object: the others add nothing
          }
        }
      }
      if (allowed.length === 0) continue;
      const label = policies.label(resource);
      result.push({ role: roleLabel, resource: label, actions: allowed, reason: reasons[label] });
    }
  }
  return result;
}
