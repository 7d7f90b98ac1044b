/*
 * A thin wrapper over @cloud-copilot/iam-simulate (AGPL-3.0, a dev dependency used by the tests only:
 * nothing under lib/ may import it) that answers one question for a permission-path proof:
 *
 *   may this caller do this action on this resource, with this request context, given these identity
 *   policies and this resource policy (topic, queue, bucket, secret, Lambda permission or key policy)?
 *
 * and returns the decision with the statements that made it.
 *
 * What the wrapper adds to the simulator, each found by experiment (simulate.test.ts holds the proofs):
 * - Callers. A service caller is passed as its bare service principal ('cloudwatch.amazonaws.com'):
 *   the simulator compares it verbatim with `Principal: {Service: ...}` and treats any string ending in
 *   'amazonaws.com' that is not an ARN as a service. Anything else ('cloudwatch', an ARN) silently
 *   matches no service statement, so a malformed caller is rejected here.
 * - Request context. The simulator fills in no key by itself (not aws:PrincipalServiceName, not
 *   aws:PrincipalArn, not aws:SecureTransport): a Deny with `StringNotEquals aws:PrincipalServiceName`
 *   would then deny even the service it exempts. `requestContextOf` adds what AWS would put in the
 *   request for this caller, unless the request already names the key.
 * - KMS encryption context. iam-simulate 0.1.173 drops every request key `kms:EncryptionContext:<key>`
 *   as not applicable (it lists it in ignoredContextKeys), with or without colons in <key>, because it
 *   only recognises the literal template key `kms:EncryptionContext:${EncryptionContextKey}` of its
 *   action table. The wrapper folds such keys, on the policy side and on the request side, to that
 *   template key. One template means one slot: a request or policy set that names two different
 *   encryption-context keys cannot be folded without mixing them up, and is refused.
 * - Wildcard resources. A resource holding '*' makes the simulator answer "is some resource matching the
 *   pattern allowed". A proof needs a concrete resource, so only '*' itself is accepted (for actions such
 *   as cloudwatch:PutMetricData that take no resource), and only the evaluation of '*' itself counts.
 *   One exception: CloudWatch Logs authorizes log-group actions against the log group's ARN with a
 *   literal trailing `:*` (arn:...:log-group:<name>:*, "Overview of managing access permissions to your
 *   CloudWatch Logs resources"). That form is accepted and evaluated as one concrete resource: the
 *   literal `*` becomes a stand-in segment that only a policy wildcard can match, as in IAM.
 * - Organization policies, permission boundaries, session and endpoint policies are not modelled: the
 *   proofs are about what the templates grant. S3 Block Public Access is not modelled either (the
 *   simulator applies it only when told to): a bucket policy that is public shows as public.
 */
import {
  allowedContextKeysForRequest,
  anonymousPrincipal,
  getDenialReasons,
  getGrantReasons,
  isConditionKeyArray,
  runSimulation,
  typeForContextKey,
  type ConditionExplain,
  type RequestAnalysis,
  type RunSimulationResults,
  type Simulation,
  type StatementExplain,
} from '@cloud-copilot/iam-simulate';

/** Who makes the request. */
export type Caller =
  /** An AWS service acting as its service principal, e.g. 'cloudwatch.amazonaws.com', 'logs.eu-west-1.amazonaws.com'. */
  | { kind: 'service'; service: string }
  /** A role of the template: arn:aws:iam::111111111111:role/X. */
  | { kind: 'role'; arn: string }
  /** Another IAM principal, e.g. arn:aws:iam::111111111111:user/someone-else. */
  | { kind: 'account-principal'; arn: string }
  /** An unsigned request. */
  | { kind: 'anonymous' };

/** A policy document and where it came from, e.g. 'AWS::KMS::Key Key1234 KeyPolicy' or 'AWS::IAM::Policy Foo'. */
export interface NamedPolicy {
  name: string;
  // A policy document as written in a template: its shape is checked by the simulator's validation.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  document: any;
}

export interface PathRequest {
  caller: Caller;
  /** 'sns:Publish' */
  action: string;
  /** A concrete ARN, or '*' for an action that takes no resource. */
  resource: string;
  /** The account that owns the resource, '111111111111'. */
  resourceAccount: string;
  /** aws:SourceArn, aws:SourceAccount, kms:ViaService, kms:EncryptionContext:aws:logs:arn, ... */
  context: Record<string, string | string[]>;
  /** The caller's identity policies: empty for service and anonymous callers. */
  identityPolicies: NamedPolicy[];
  /** The resource's policy, undefined if it has none. */
  resourcePolicy?: NamedPolicy;
}

/** A statement that decided the request. */
export interface DecidingStatement {
  /** The NamedPolicy name of its policy. */
  policy: string;
  sid?: string;
  /** Its 1-based position in the policy (CDK writes some statements without Sid, e.g. the key policy's root statement). */
  index: number;
  effect: 'Allow' | 'Deny';
}

/** A statement naming the action that did not apply, or did not suffice, and why. */
export interface StatementMiss extends DecidingStatement {
  why: string;
}

export interface PathVerdict {
  decision: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  /**
   * Allowed: the Allow statements that granted it (for KMS and for the root statement of any resource
   * policy, both the identity statement and the resource statement trusting the account).
   * ExplicitlyDenied: the Deny statements that applied. ImplicitlyDenied: empty.
   */
  deciding: DecidingStatement[];
  /** Request context keys the simulator ignored as not applicable: the harness treats any as a failure. */
  ignoredContextKeys: string[];
  /** Statements whose action matches but that did not apply (or did not suffice), to explain a verdict. */
  notApplied: StatementMiss[];
}

/**
 * The stand-in for every `kms:EncryptionContext:<key>` condition key: the only form of the key that
 * iam-simulate 0.1.173 accepts in a request context (its key table's literal template).
 */
export const ENCRYPTION_CONTEXT_STAND_IN = 'kms:EncryptionContext:${EncryptionContextKey}';
const ENCRYPTION_CONTEXT_KEY = /^kms:encryptioncontext:(.+)$/i;

function isEncryptionContextKey(key: string): boolean {
  return ENCRYPTION_CONTEXT_KEY.test(key) && key.toLowerCase() !== ENCRYPTION_CONTEXT_STAND_IN.toLowerCase();
}

const ACCOUNT = /^\d{12}$/;
/** A log group's ARN in the form IAM evaluates log-group actions against: the name, then a literal `:*`. */
const LOG_GROUP_ARN = /^arn:[^:]+:logs:[^:]+:\d{12}:log-group:[^*:]+:\*$/;

/** A log group's `…:*` ARN with its literal `*` replaced, so that the simulator takes it as one resource. */
function literalLogGroupArn(resource: string): string {
  return LOG_GROUP_ARN.test(resource) ? `${resource.slice(0, -1)}literal-star` : resource;
}
const IAM_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(root|user\/.+|role\/.+)$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/.+$/;

function callerAccount(arn: string): string {
  return arn.split(':')[4];
}

function checkRequest(req: PathRequest): void {
  const { caller } = req;
  if (caller.kind === 'service' && !/^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/.test(caller.service)) {
    throw new Error(
      `Service caller '${caller.service}' is not a service principal such as 'cloudwatch.amazonaws.com': ` +
        'the simulator would match it with no statement.',
    );
  }
  if (caller.kind === 'role' && !ROLE_ARN.test(caller.arn)) {
    throw new Error(
      `Role caller '${caller.arn}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>).`,
    );
  }
  if (caller.kind === 'account-principal' && !IAM_ARN.test(caller.arn)) {
    throw new Error(
      `Caller '${caller.arn}' is not an IAM principal ARN (arn:aws:iam::<account>:root|user/..|role/..).`,
    );
  }
  if ((caller.kind === 'service' || caller.kind === 'anonymous') && req.identityPolicies.length > 0) {
    throw new Error(`A ${caller.kind} caller has no identity policies; got ${req.identityPolicies.length}.`);
  }
  if (!ACCOUNT.test(req.resourceAccount)) {
    throw new Error(`resourceAccount '${req.resourceAccount}' is not a 12-digit account id.`);
  }
  if (req.resource.includes('*') && req.resource !== '*' && !LOG_GROUP_ARN.test(req.resource)) {
    throw new Error(
      `Resource '${req.resource}' holds a wildcard: a proof needs a concrete ARN ('*' only for an action that takes no resource).`,
    );
  }
}

/** Keys AWS puts in every request of this caller: added by requestContextOf unless the request names them. */
function callerKeys(req: PathRequest): Record<string, string> {
  const keys: Record<string, string> = { 'aws:SecureTransport': 'true' };
  const { caller } = req;
  if (caller.kind === 'service') {
    keys['aws:PrincipalIsAWSService'] = 'true';
    keys['aws:PrincipalServiceName'] = caller.service;
  } else if (caller.kind === 'role' || caller.kind === 'account-principal') {
    keys['aws:PrincipalArn'] = caller.arn;
    keys['aws:PrincipalAccount'] = callerAccount(caller.arn);
    keys['aws:PrincipalIsAWSService'] = 'false';
    // KMS sets kms:CallerAccount on the requests of IAM principals (CDK's ViaServicePrincipal conditions on it).
    if (req.action.toLowerCase().startsWith('kms:')) keys['kms:CallerAccount'] = callerAccount(caller.arn);
  }
  return keys;
}

/**
 * The request context evaluatePath evaluates: the request's own keys, plus the caller-derived keys it
 * does not name (compared case-insensitively, as IAM does):
 * - every caller: aws:SecureTransport 'true';
 * - a service: aws:PrincipalIsAWSService 'true', aws:PrincipalServiceName;
 * - a role or other IAM principal: aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalIsAWSService
 *   'false', and kms:CallerAccount on a KMS action.
 */
export function requestContextOf(req: PathRequest): {
  context: Record<string, string | string[]>;
  defaulted: string[];
} {
  const named = new Set(Object.keys(req.context).map((k) => k.toLowerCase()));
  const defaulted = Object.entries(callerKeys(req)).filter(([k]) => !named.has(k.toLowerCase()));
  return {
    context: { ...Object.fromEntries(defaulted), ...req.context },
    defaulted: defaulted.map(([k]) => k),
  };
}

// A policy document's statements, whether written as an array or as a single object.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function statementsOf(document: any): any[] {
  const statement = document?.Statement;
  if (statement === undefined) return [];
  return Array.isArray(statement) ? statement : [statement];
}

/** The condition keys of a policy document. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function conditionKeysOf(document: any): string[] {
  return statementsOf(document).flatMap((s) =>
    s && typeof s.Condition === 'object' && s.Condition !== null
      ? Object.values(s.Condition).flatMap((block) =>
          block && typeof block === 'object' ? Object.keys(block as object) : [],
        )
      : [],
  );
}

/** A deep copy of `document` whose `kms:EncryptionContext:<key>` condition keys read ENCRYPTION_CONTEXT_STAND_IN. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function foldPolicy(policy: NamedPolicy): any {
  if (!conditionKeysOf(policy.document).some(isEncryptionContextKey)) return policy.document;
  const copy = structuredClone(policy.document);
  for (const statement of statementsOf(copy)) {
    for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
      if (!block || typeof block !== 'object') continue;
      const folded: Record<string, unknown> = {};
      for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
        const to = isEncryptionContextKey(key) ? ENCRYPTION_CONTEXT_STAND_IN : key;
        if (to in folded) {
          throw new Error(
            `${policy.name}: ${operator} names two encryption-context keys; they cannot be folded.`,
          );
        }
        folded[to] = values;
      }
      statement.Condition[operator] = folded;
    }
  }
  return copy;
}

/** The encryption-context keys of the request and its policies, as written, one per distinct key. */
function encryptionContextKeys(req: PathRequest): string[] {
  const all = [
    ...Object.keys(req.context),
    ...[...req.identityPolicies, ...(req.resourcePolicy ? [req.resourcePolicy] : [])].flatMap((p) =>
      conditionKeysOf(p.document),
    ),
  ].filter(isEncryptionContextKey);
  const byName = new Map<string, string>();
  for (const key of all) if (!byName.has(key.toLowerCase())) byName.set(key.toLowerCase(), key);
  return [...byName.values()];
}

/** Rejects a list for a single-valued key: the simulator would silently keep its first element. */
async function checkValueTypes(context: Record<string, string | string[]>): Promise<void> {
  for (const [key, value] of Object.entries(context)) {
    if (!Array.isArray(value)) continue;
    let type: Awaited<ReturnType<typeof typeForContextKey>>;
    try {
      type = await typeForContextKey(key);
    } catch {
      continue; // an unknown key: the simulator reports it in ignoredContextKeys
    }
    if (!isConditionKeyArray(type) && value.length !== 1) {
      throw new Error(`Context key ${key} is single-valued (${type}); got ${JSON.stringify(value)}.`);
    }
  }
}

/**
 * The context keys the simulator would ignore for this action and resource, for a wildcard evaluation
 * that returned no result to read them from. Mirrors iam-simulate's normalizeSimulationParameters:
 * a key applies if the action's table names it, or names a `prefix/${Variable}` key of its prefix.
 */
async function ignoredKeysFor(action: string, resource: string, keys: string[]): Promise<string[]> {
  const [service, name] = action.split(':');
  let allowed: Set<string>;
  try {
    allowed = new Set(await allowedContextKeysForRequest(service, name, resource, false, undefined));
  } catch (e) {
    throw new Error(
      `Cannot tell which context keys apply to ${action} on ${resource}: ${(e as Error).message}`,
    );
  }
  return keys.filter((key) => {
    const lower = key.toLowerCase();
    if (allowed.has(lower)) return false;
    const slash = lower.indexOf('/');
    return slash === -1 || ![...allowed].some((a) => a.startsWith(lower.slice(0, slash + 1)));
  });
}

type StatementAnalysis = NonNullable<RequestAnalysis['resourceAnalysis']>['allowStatements'][number];

/**
 * Evaluates one request with iam-simulate (Strict mode) and says which statements decided it.
 * Throws on an invalid request: a malformed caller, a wildcard resource, two encryption-context keys,
 * or anything the simulator's validation rejects (its message and errors as JSON).
 */
export async function evaluatePath(req: PathRequest): Promise<PathVerdict> {
  checkRequest(req);
  const ecKeys = encryptionContextKeys(req);
  if (ecKeys.length > 1) {
    throw new Error(
      `The request and its policies name several encryption-context keys (${ecKeys.join(', ')}); ` +
        `iam-simulate can only evaluate them folded into ${ENCRYPTION_CONTEXT_STAND_IN}, one key at a time.`,
    );
  }
  const { context } = requestContextOf(req);
  await checkValueTypes(context);
  const folded = Object.fromEntries(
    Object.entries(context).map(([k, v]) => [isEncryptionContextKey(k) ? ENCRYPTION_CONTEXT_STAND_IN : k, v]),
  );
  const simulation: Simulation = {
    request: {
      principal:
        req.caller.kind === 'anonymous'
          ? anonymousPrincipal
          : req.caller.kind === 'service'
            ? req.caller.service
            : req.caller.arn,
      action: req.action,
      resource: { resource: literalLogGroupArn(req.resource), accountId: req.resourceAccount },
      contextVariables: folded,
    },
    identityPolicies: req.identityPolicies.map((p) => ({ name: p.name, policy: foldPolicy(p) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: req.resourcePolicy ? foldPolicy(req.resourcePolicy) : undefined,
  };
  const result: RunSimulationResults = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(
      `iam-simulate rejected ${req.action} on ${req.resource}: ${result.errors.message}\n` +
        JSON.stringify(result.errors, null, 2),
    );
  }

  // A wildcard evaluation lists the patterns it tried; only the evaluation of '*' itself answers the
  // request (another pattern would prove access to some narrower resource). It is missing when '*' is
  // implicitly denied, or when only narrower patterns of the policies are allowed: both are refusals.
  let analysis: RequestAnalysis | undefined;
  let ignored: string[];
  if (result.resultType === 'single') {
    analysis = result.result.analysis;
    ignored = result.result.ignoredContextKeys ?? [];
  } else {
    const exact = result.results.find((r) => r.resourcePattern === req.resource);
    analysis = exact?.analysis;
    ignored =
      exact?.ignoredContextKeys ?? (await ignoredKeysFor(req.action, req.resource, Object.keys(folded)));
  }

  // Report the ignored keys of the request as it was written: the stand-in under its original name, and
  // none of the caller-derived defaults (kms:CallerAccount does not apply to a few KMS actions).
  const supplied = new Set(Object.keys(req.context).map((k) => k.toLowerCase()));
  const ignoredContextKeys = ignored
    .map((k) => (k === ENCRYPTION_CONTEXT_STAND_IN && ecKeys.length === 1 ? ecKeys[0] : k))
    .filter((k) => supplied.has(k.toLowerCase()));

  if (!analysis) return { decision: 'ImplicitlyDenied', deciding: [], ignoredContextKeys, notApplied: [] };

  const policyName = (policyType: string, identifier: string | undefined): string =>
    policyType === 'resource'
      ? (req.resourcePolicy?.name ?? 'resource policy')
      : policyType === 'identity'
        ? (identifier ?? 'identity policy')
        : `${policyType} ${identifier ?? ''}`.trim();

  const decision = analysis.result;
  const reported: DecidingStatement[] =
    decision === 'Allowed'
      ? getGrantReasons(analysis).map((g) => ({
          policy: policyName(g.policyType, 'policyIdentifier' in g ? g.policyIdentifier : undefined),
          ...(g.statementId ? { sid: g.statementId } : {}),
          index: g.statementIndex,
          effect: 'Allow' as const,
        }))
      : decision === 'ExplicitlyDenied'
        ? getDenialReasons(analysis).flatMap((d) =>
            d.denialType === 'Explicit'
              ? [
                  {
                    policy: policyName(d.policyType, d.policyIdentifier),
                    ...(d.statementId ? { sid: d.statementId } : {}),
                    index: d.statementIndex,
                    effect: 'Deny' as const,
                  },
                ]
              : [],
          )
        : [];
  // iam-simulate 0.1.173's getDenialReasons lists no statement for an explicit Deny in a resource policy
  // (a secret policy denying DeleteSecret to the account): read the Deny statements that applied instead.
  const deciding: DecidingStatement[] =
    decision === 'ExplicitlyDenied' && reported.length === 0
      ? (
          [
            ['identity', analysis.identityAnalysis],
            ['resource', analysis.resourceAnalysis],
          ] as const
        ).flatMap(([policyType, part]) =>
          (part?.denyStatements ?? []).map((d) => ({
            policy: policyName(policyType, d.policyId),
            ...(d.statement.sid() ? { sid: d.statement.sid() } : {}),
            index: d.statement.index(),
            effect: 'Deny' as const,
          })),
        )
      : reported;

  const unfold = (key: string) =>
    key === ENCRYPTION_CONTEXT_STAND_IN && ecKeys.length === 1 ? ecKeys[0] : key;
  const miss = (policyType: string, s: StatementAnalysis, why: string): StatementMiss => ({
    policy: policyName(policyType, s.policyId),
    ...(s.statement.sid() ? { sid: s.statement.sid() } : {}),
    index: s.statement.index(),
    effect: s.statement.effect() === 'Deny' ? 'Deny' : 'Allow',
    why,
  });
  const notApplied: StatementMiss[] = [];
  for (const [policyType, part] of [
    ['identity', analysis.identityAnalysis],
    ['resource', analysis.resourceAnalysis],
  ] as const) {
    if (!part) continue;
    for (const s of part.unmatchedStatements) {
      if (s.explain.actionMatch) notApplied.push(miss(policyType, s, whyNot(s.explain, unfold)));
    }
    // An implicit denial with applying Allow statements: say why they did not suffice.
    if (decision === 'ImplicitlyDenied') {
      for (const s of part.allowStatements) {
        notApplied.push(
          miss(
            policyType,
            s,
            s.principalMatch === 'AccountLevelMatch'
              ? "applies, but trusts the caller's account only: an identity policy of the caller must allow the action too"
              : policyType === 'identity'
                ? 'applies, but is not enough: the resource policy must allow the caller (KMS) or its account'
                : 'applies, but is not enough on its own',
          ),
        );
      }
    }
  }
  return { decision, deciding, ignoredContextKeys, notApplied };
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Why a statement whose action matches did not apply, from the simulator's explain. */
function whyNot(explain: StatementExplain, unfold: (key: string) => string): string {
  const reasons: string[] = [];
  if (explain.principalMatch === 'NoMatch') {
    const principals = [...list(explain.principals), ...list(explain.notPrincipals)].map((p) => p.principal);
    reasons.push(
      explain.noPrincipalElement
        ? 'no Principal element'
        : `${explain.notPrincipals ? 'NotPrincipal' : 'principal'} ${principals.join(', ')} does not match the caller`,
    );
  }
  if (!explain.resourceMatch) {
    const resources = [...list(explain.resources), ...list(explain.notResources)].map((r) => r.resource);
    reasons.push(
      `${explain.notResources ? 'NotResource' : 'resource'} ${resources.join(', ')} does not cover it`,
    );
  }
  if (!explain.conditionMatch) {
    for (const c of explain.conditions ?? []) if (!c.matches) reasons.push(conditionText(c, unfold));
  }
  return reasons.join('; ') || 'does not apply';
}

function conditionText(c: ConditionExplain, unfold: (key: string) => string): string {
  const expected = list(c.values).map((v) => v.value);
  const actual = c.failedBecauseMissing
    ? 'the key is absent'
    : c.resolvedConditionKeyValue !== undefined
      ? `the request has ${c.resolvedConditionKeyValue}`
      : 'the request value does not match';
  return `condition ${c.operator} ${unfold(c.conditionKeyValue)} ${JSON.stringify(expected)} fails: ${actual}`;
}

function callerText(caller: Caller): string {
  switch (caller.kind) {
    case 'service':
      return `service principal ${caller.service}`;
    case 'role':
      return `role ${caller.arn}`;
    case 'account-principal':
      return `IAM principal ${caller.arn}`;
    case 'anonymous':
      return 'anonymous (unsigned request)';
  }
}

function statementText(s: DecidingStatement): string {
  return `${s.effect} ${s.sid ? `'${s.sid}'` : `statement #${s.index}`} of ${s.policy}`;
}

/** One multi-line explanation of a verdict, for a failure message. */
export function describeVerdict(req: PathRequest, v: PathVerdict): string {
  const { context, defaulted } = requestContextOf(req);
  const lines = [
    `${req.action} on ${req.resource} (account ${req.resourceAccount})`,
    `  caller:   ${callerText(req.caller)}`,
    '  context:',
    ...Object.entries(context).map(
      ([k, val]) =>
        `    ${k} = ${Array.isArray(val) ? JSON.stringify(val) : val}${defaulted.includes(k) ? '  (default)' : ''}`,
    ),
  ];
  if (v.decision === 'ImplicitlyDenied' && v.deciding.length === 0) {
    lines.push('  decision: ImplicitlyDenied: no statement allows it');
  } else {
    lines.push(`  decision: ${v.decision}, decided by:`, ...v.deciding.map((s) => `    ${statementText(s)}`));
  }
  lines.push(
    '  policies consulted:',
    `    resource policy: ${req.resourcePolicy ? req.resourcePolicy.name : 'none'}`,
    `    identity policies: ${req.identityPolicies.length ? req.identityPolicies.map((p) => p.name).join(', ') : 'none'}`,
  );
  if (v.notApplied.length > 0) {
    lines.push(
      '  statements naming the action that did not apply:',
      ...v.notApplied.map((s) => `    ${statementText(s)}: ${s.why}`),
    );
  }
  if (v.ignoredContextKeys.length > 0) {
    lines.push(`  context keys the simulator ignored (not applicable): ${v.ignoredContextKeys.join(', ')}`);
  }
  return lines.join('\n');
}
