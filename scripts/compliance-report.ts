// Writes docs/COMPLIANCE.md: every acknowledged cdk-nag / Control Tower finding in the app, for both
// profiles, with its pack, rule, construct path and reason, every guard rule disabled app-wide, and every
// wildcard resource left in an IAM identity policy with the reason it stays (it fails without one).
//   npm run compliance            (rewrite the report)
//   npm run compliance -- --check (exit 1 when the committed report is stale)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { IConstruct } from 'constructs';
import { packOf } from '../lib/core/acknowledge';
import { DISABLED_GUARD_RULES } from '../lib/core/compliance-gates';
import { Profile, PROFILES } from '../lib/core/profile';
import { addReferenceStacks } from '../lib/stacks/reference-app';

export const REPORT_FILE = path.join(__dirname, '..', 'docs', 'COMPLIANCE.md');
const CDK_JSON = path.join(__dirname, '..', 'cdk.json');

export interface AcknowledgmentRecord {
  readonly pack: string;
  readonly rule: string;
  readonly constructPath: string;
  readonly reason: string;
}

/**
 * The app `npx cdk synth` builds for a profile, with the feature flags of cdk.json, without bundling
 * (the report reads templates, not Lambda bundles) and without the built-in CloudFormation validation
 * (`npm run synth:all` runs it).
 */
export function referenceApp(profile: Profile, outdir?: string): App {
  const context = JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')).context;
  const app = new App({
    context: { ...context, 'aws:cdk:bundling-stacks': [], profile },
    builtinCloudFormationValidation: false,
    outdir,
  });
  addReferenceStacks(app, profile);
  return app;
}

/** The acknowledgments placed on one construct (not its ancestors): rule id -> reason. */
function acknowledgmentsOn(construct: IConstruct): Map<string, string> {
  const acks = new Map<string, string>();
  for (const entry of construct.node.metadata) {
    if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
    for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, string>)) {
      acks.set(qualifiedId.replace(/^annotation::/i, ''), reason);
    }
  }
  return acks;
}

/** Lists every acknowledgment in the tree of the app for a profile (built, not synthesized). */
export function collectAcknowledgments(
  profile: Profile,
  app: App = referenceApp(profile),
): AcknowledgmentRecord[] {
  const records: AcknowledgmentRecord[] = [];
  for (const construct of app.node.findAll()) {
    for (const [rule, reason] of acknowledgmentsOn(construct)) {
      records.push({ pack: packOf(rule), rule, constructPath: construct.node.path, reason });
    }
  }
  return records;
}

/** One wildcard resource in an `Allow` statement of an IAM identity policy, and why it stays. */
export interface WildcardResourceRecord {
  /** Path of the stack, e.g. `RefArch-SnsSqsFanout`. */
  readonly stack: string;
  /** Path of the policy's construct: the L2 (`.../ConsumerRole/DefaultPolicy`), or the L1 if it has none. */
  readonly constructPath: string;
  /** CloudFormation type holding the policy: `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`, or a role, user or group (inline policy). */
  readonly cfnType: string;
  /** Name of the inline policy, for a role, user or group. */
  readonly policyName?: string;
  /** The resource as cdk-nag prints it (intrinsics flattened): `*`, `<DataBucket1234.Arn>/*`. */
  readonly resource: string;
  /** The statement's actions (`NotAction` statements list theirs after `NOT`). */
  readonly actions: readonly string[];
  /** The condition keys that narrow the statement, by operator: `StringEquals cloudwatch:namespace`. */
  readonly conditions: readonly string[];
  /** The acknowledgment id that carries the reason: `AwsSolutions-IAM5[Resource::<resource>]`. */
  readonly rule: string;
  /** The reason of that acknowledgment, from the policy construct or its nearest ancestor. */
  readonly reason: string;
}

/** CloudFormation types whose properties hold IAM identity policies, and where. */
const POLICY_DOCUMENT_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'];
const INLINE_POLICY_TYPES = ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];

/** The id cdk-nag's AwsSolutions-IAM5 reports a wildcard resource under, and the id that acknowledges it. */
export function wildcardResourceRule(resource: string): string {
  return `AwsSolutions-IAM5[Resource::${resource}]`;
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: {
    readonly PolicyDocument?: { readonly Statement?: PolicyStatement | PolicyStatement[] };
    readonly Policies?: {
      readonly PolicyName?: string;
      readonly PolicyDocument?: { readonly Statement?: PolicyStatement | PolicyStatement[] };
    }[];
  };
}

const toArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Synthesizes the app and lists, stack by stack, every `Allow` statement of an IAM identity policy
 * (`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`, inline policies of roles, users and groups, including
 * the ones aws-cdk-lib writes for its own providers) whose resource contains `*` once intrinsics are
 * flattened, the way cdk-nag's AwsSolutions-IAM5 reads it: `*`, `<Bucket.Arn>/*`, `arn:...:log-group:x:*`.
 * The reason comes from the acknowledgment `AwsSolutions-IAM5[Resource::<resource>]` on the policy's
 * construct or an ancestor.
 *
 * Throws, listing each one, when a wildcard resource has no such acknowledgment (cdk-nag does not see
 * policies of raw `CfnResource` roles, so its gate alone does not guarantee one) or when an `Allow`
 * statement uses `NotResource` (everything except a list: a wildcard that no rule id can acknowledge).
 * Resource policies (key, bucket, queue, topic policies) are not identity policies and are not listed.
 */
export function collectWildcardResources(app: App): WildcardResourceRecord[] {
  const assembly = app.synth();
  const records: WildcardResourceRecord[] = [];
  const problems: string[] = [];
  for (const stack of app.node.findAll().filter((c): c is Stack => Stack.isStack(c))) {
    if (stack.nested) {
      throw new Error(
        `collectWildcardResources: ${stack.node.path} is a nested stack; its template is not read here. ` +
          'Teach scripts/compliance-report.ts to read nested templates before adding one.',
      );
    }
    const byLogicalId = new Map<string, CfnResource>();
    for (const c of stack.node.findAll()) {
      if (CfnResource.isCfnResource(c) && Stack.of(c) === stack)
        byLogicalId.set(stack.resolve(stack.getLogicalId(c)), c);
    }
    const template = assembly.getStackArtifact(stack.artifactId).template as {
      Resources?: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const documents = POLICY_DOCUMENT_TYPES.includes(resource.Type)
        ? [{ policyName: undefined, document: resource.Properties?.PolicyDocument }]
        : INLINE_POLICY_TYPES.includes(resource.Type)
          ? (resource.Properties?.Policies ?? []).map((p) => ({
              policyName: p.PolicyName,
              document: p.PolicyDocument,
            }))
          : [];
      if (documents.length === 0) continue;
      const cfn = byLogicalId.get(logicalId);
      if (!cfn) {
        throw new Error(
          `collectWildcardResources: no construct in ${stack.node.path} has the logical id ${logicalId}.`,
        );
      }
      const constructPath = (cfn.node.id === 'Resource' ? cfn.node.scope! : cfn).node.path;
      for (const { policyName, document } of documents) {
        for (const statement of toArray(document?.Statement)) {
          if (statement.Effect !== 'Allow') continue;
          const actions = statement.NotAction
            ? toArray(statement.NotAction).map((a) => `NOT ${a}`)
            : toArray(statement.Action);
          const where = `${constructPath}${policyName ? ` (inline policy ${policyName})` : ''}`;
          if (statement.NotResource !== undefined) {
            problems.push(
              `${where}: an Allow statement with NotResource (${actions.join(', ')}) grants every resource but ` +
                'the ones listed; name the resources with Resource instead.',
            );
            continue;
          }
          for (const flat of toArray(statement.Resource).map(flattenCfnReference)) {
            if (!flat.includes('*')) continue;
            const rule = wildcardResourceRule(flat);
            const reason = reasonFor(cfn, rule);
            if (reason === undefined) {
              problems.push(
                `${where}: resource '${flat}' for ${actions.join(', ')} has no reason. Narrow the resource, or ` +
                  `acknowledge(<the policy construct>, { id: '${rule}', reason: '...' }).`,
              );
              continue;
            }
            records.push({
              stack: stack.node.path,
              constructPath,
              cfnType: resource.Type,
              policyName,
              resource: flat,
              actions,
              conditions: Object.entries(statement.Condition ?? {}).flatMap(([operator, keys]) =>
                Object.keys(keys).map((key) => `${operator} ${key}`),
              ),
              rule,
              reason,
            });
          }
        }
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `Wildcard resources in IAM identity policies without a reason (${problems.length}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return records;
}

/** The reason of the acknowledgment `rule` on the construct or its nearest ancestor that has one. */
function reasonFor(construct: IConstruct, rule: string): string | undefined {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    const reason = acknowledgmentsOn(c).get(rule);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** Both lists for the app of a profile, built once and synthesized into a temporary directory. */
export function collectReferenceRecords(profile: Profile): {
  acknowledgments: AcknowledgmentRecord[];
  wildcards: WildcardResourceRecord[];
} {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-compliance-'));
  try {
    const app = referenceApp(profile, outdir);
    return {
      acknowledgments: collectAcknowledgments(profile, app),
      wildcards: collectWildcardResources(app),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const escape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderComplianceReport(): string {
  const records = new Map(PROFILES.map((profile) => [profile, collectReferenceRecords(profile)]));
  const byKey = new Map<string, AcknowledgmentRecord & { profiles: Profile[] }>();
  for (const profile of PROFILES) {
    for (const r of records.get(profile)!.acknowledgments) {
      const key = `${r.constructPath}|${r.rule}|${r.reason}`;
      const existing = byKey.get(key);
      if (existing) existing.profiles.push(profile);
      else byKey.set(key, { ...r, profiles: [profile] });
    }
  }
  const rows = [...byKey.values()].sort(
    (a, b) =>
      a.constructPath.localeCompare(b.constructPath) ||
      a.pack.localeCompare(b.pack) ||
      a.rule.localeCompare(b.rule),
  );
  const stacks = [...new Set(rows.map((r) => r.constructPath.split('/')[0]))];
  const lines: string[] = [
    '# Compliance report',
    '',
    '<!-- Generated by `npm run compliance` from the synthesized app. Do not edit: a test fails when it is stale. -->',
    '',
    'Every `cdk synth` runs six cdk-nag packs (AwsSolutions, Serverless, NIST 800-53 R4, NIST 800-53 R5,',
    'HIPAA Security, PCI DSS 3.2.1), the AWS Control Tower proactive controls (cfn-guard) and the',
    'CloudFormation validation built into aws-cdk-lib. Any finding that is neither fixed nor listed here',
    'fails the synth. Each acknowledgment sits on the construct it is about, with the reason.',
    '',
    `Acknowledged findings: ${rows.length} (sandbox ${rows.filter((r) => r.profiles.includes('sandbox')).length}, ` +
      `production ${rows.filter((r) => r.profiles.includes('production')).length}).`,
    '',
    '## Control Tower rules disabled for the whole app',
    '',
  ];
  const disabled = Object.entries(DISABLED_GUARD_RULES);
  if (disabled.length === 0) {
    lines.push('None: every Control Tower rule runs on every resource.');
  } else {
    lines.push('| rule | reason |', '|---|---|');
    for (const [rule, reason] of disabled) lines.push(`| \`${rule}\` | ${escape(reason)} |`);
  }
  lines.push('', ...renderWildcardResources(new Map([...records].map(([p, r]) => [p, r.wildcards]))));
  lines.push('', '## Acknowledged findings by count', '', '| pack | acknowledgments |', '|---|---|');
  const packs = [...new Set(rows.map((r) => r.pack))].sort();
  for (const pack of packs) lines.push(`| ${pack} | ${rows.filter((r) => r.pack === pack).length} |`);
  for (const stack of stacks) {
    lines.push(
      '',
      `## ${stack}`,
      '',
      '| pack | rule | construct | profiles | reason |',
      '|---|---|---|---|---|',
    );
    for (const r of rows.filter((row) => row.constructPath.split('/')[0] === stack)) {
      const rel = r.constructPath.split('/').slice(1).join('/') || '(the stack)';
      lines.push(
        `| ${r.pack} | \`${escape(r.rule)}\` | \`${rel}\` | ${r.profiles.join(', ')} | ${escape(r.reason)} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** The section on wildcard resources left in IAM identity policies, both profiles merged. */
function renderWildcardResources(byProfile: Map<Profile, WildcardResourceRecord[]>): string[] {
  const byKey = new Map<string, WildcardResourceRecord & { profiles: Profile[] }>();
  for (const [profile, wildcards] of byProfile) {
    for (const r of wildcards) {
      const key = [r.constructPath, r.policyName, r.resource, r.actions.join(','), r.reason].join('|');
      const existing = byKey.get(key);
      if (existing) existing.profiles.push(profile);
      else byKey.set(key, { ...r, profiles: [profile] });
    }
  }
  const rows = [...byKey.values()].sort(
    (a, b) => a.constructPath.localeCompare(b.constructPath) || a.resource.localeCompare(b.resource),
  );
  const lines = [
    '## Wildcard resources in IAM policies',
    '',
    'Every `Allow` statement of an IAM identity policy (`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`, inline',
    'policies of roles, users and groups, including those aws-cdk-lib writes for its own functions) whose',
    'resource contains `*`, read the way cdk-nag AwsSolutions-IAM5 reads it (`*`, `<Bucket.Arn>/*`,',
    '`arn:...:log-group:name:*`). The reason is the acknowledgment `AwsSolutions-IAM5[Resource::<resource>]`',
    'on the policy; `npm run compliance` fails when one has none. Resource policies (key, bucket, queue and',
    'topic policies, where `*` can mean "this resource") and the AWS managed policies listed under',
    '`AwsSolutions-IAM4` are not part of this list. Wildcard actions are acknowledged one by one below',
    '(`AwsSolutions-IAM5[Action::...]`).',
    '',
  ];
  if (rows.length === 0) {
    lines.push('None: every identity policy names its resources.');
    return lines;
  }
  lines.push(
    '| stack | policy | profiles | resource | actions | condition | reason |',
    '|---|---|---|---|---|---|---|',
  );
  for (const r of rows) {
    const rel = r.constructPath.split('/').slice(1).join('/');
    const policy = `\`${escape(rel)}\`${r.policyName ? ` (inline \`${escape(r.policyName)}\`)` : ''}`;
    lines.push(
      `| ${r.stack} | ${policy} | ${r.profiles.join(', ')} | \`${escape(r.resource)}\` | ` +
        `${r.actions.map((a) => `\`${escape(a)}\``).join(', ')} | ` +
        `${r.conditions.map((c) => `\`${escape(c)}\``).join(', ') || 'none'} | ${escape(r.reason)} |`,
    );
  }
  return lines;
}

if (require.main === module) {
  const report = renderComplianceReport();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(REPORT_FILE) ? fs.readFileSync(REPORT_FILE, 'utf8') : '';
    if (current !== report) {
      console.error(`${path.relative(process.cwd(), REPORT_FILE)} is stale: run npm run compliance`);
      process.exit(1);
    }
    console.log('compliance report is up to date');
  } else {
    fs.mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
    fs.writeFileSync(REPORT_FILE, report);
    console.log(`wrote ${path.relative(process.cwd(), REPORT_FILE)}`);
  }
}
