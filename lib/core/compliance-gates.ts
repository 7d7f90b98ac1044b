import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  App,
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  Validations,
} from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagPack,
  NIST80053R4Checks,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';

/**
 * AWS Control Tower guard rules switched off for the whole app, each with the reason. Keyed by the
 * rule file name without extension (`ct-sqs-pr-1`), as `CfnGuardValidator`'s `disabledRules` is.
 *
 * Guard rules cannot be acknowledged per resource when they misread a whole class of template,
 * so a rule goes here only when it cannot hold for any resource this project writes.
 * The compliance report prints this table.
 */
export const DISABLED_GUARD_RULES: Readonly<Record<string, string>> = {};

/** The six cdk-nag packs, fresh instances (a pack keeps state between runs). */
export function nagPacks(): NagPack[] {
  return [
    new AwsSolutionsChecks(undefined, { verbose: true }),
    new ServerlessChecks(undefined, { verbose: true }),
    new NIST80053R4Checks(undefined, { verbose: true }),
    new NIST80053R5Checks(undefined, { verbose: true }),
    new HIPAASecurityChecks(undefined, { verbose: true }),
    new PCIDSS321Checks(undefined, { verbose: true }),
  ];
}

/**
 * Registers every gate on the app, so `cdk synth` fails on any unacknowledged finding:
 * the six cdk-nag packs and the Control Tower guard rules. (The CloudFormation validation built into
 * aws-cdk-lib runs on its own; cdk.json makes its findings errors.) Each gate records that it ran in
 * {@link GATE_RUNS_FILE}, in the app's output directory.
 */
export function registerComplianceGates(app: App): void {
  const guard = new ControlTowerGuard(Object.keys(DISABLED_GUARD_RULES));
  const runs = new GateRunLog(path.join(app.outdir, GATE_RUNS_FILE));
  Validations.of(app).addPlugins(
    ...[...nagPacks(), guard].map((plugin) => new EveryFindingFailsSynth(plugin, runs)),
  );
}

/**
 * The file, in the cloud assembly directory, listing every gate that ran during the synth and the
 * templates it checked ({@link GateRun}).
 *
 * Why it exists: aws-cdk-lib's `validation-report.json` lists only plugins that found (or acknowledged)
 * something, so a gate with nothing to say and a gate that was never registered look the same there.
 * `npm run synth:all` reads this file to prove that every gate checked every template of the real app.
 */
export const GATE_RUNS_FILE = 'compliance-gates.json';

/** One gate's run over the templates of a synth, as {@link GATE_RUNS_FILE} lists it. */
export interface GateRun {
  /** The plugin's name, as the validation report and acknowledgments use it (`AwsSolutions`). */
  readonly plugin: string;
  readonly version?: string;
  /** The templates it checked, relative to the assembly directory. */
  readonly templates: string[];
  /** How many violations it reported (acknowledged ones included: aws-cdk-lib filters them later). */
  readonly violations: number;
}

/**
 * Collects the runs of the gates of one app and rewrites {@link GATE_RUNS_FILE} after each: the first
 * gate to run in a synth replaces whatever an earlier synth left in the directory.
 */
export class GateRunLog {
  private readonly runs: GateRun[] = [];

  constructor(private readonly file: string) {}

  public record(
    plugin: IPolicyValidationPlugin,
    context: IPolicyValidationContext,
    violations: number,
  ): void {
    // Template paths are absolute, or relative to the working directory (as `-o cdk.out/x` gives them).
    const dir = path.resolve(path.dirname(this.file));
    this.runs.push({
      plugin: plugin.name,
      version: plugin.version,
      templates: context.templatePaths.map((t) => path.relative(dir, path.resolve(t))),
      violations,
    });
    fs.writeFileSync(this.file, `${JSON.stringify({ runs: this.runs }, undefined, 2)}\n`);
  }
}

/**
 * Wraps a validation plugin so that every finding it reports is an error.
 *
 * Why this exists: once any acknowledgment matches a plugin's report, aws-cdk-lib recomputes that
 * report's success as "no violation of severity error or fatal". cfn-guard reports violations with
 * no severity, and cdk-nag reports its warning-level rules as `warning`, so without this wrapper
 * the first acknowledgment in a stack would silently turn every remaining guard finding and nag
 * warning into a pass. The name is kept, so acknowledgment ids (`AwsSolutions-S1`,
 * `cdk-validator-cfnguard::<rule>`) still match.
 */
export class EveryFindingFailsSynth implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  /**
   * @param inner the gate
   * @param runs where the gate records each run ({@link GATE_RUNS_FILE})
   */
  constructor(
    private readonly inner: IPolicyValidationPlugin,
    private readonly runs?: GateRunLog,
  ) {
    this.name = inner.name;
    this.version = inner.version;
    this.ruleIds = inner.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.inner.validate(context);
    const violations = report.violations.map((v) => ({ ...v, severity: 'error' }));
    this.runs?.record(this, context, violations.length);
    return { ...report, violations, success: report.success && violations.length === 0 };
  }
}

/** Where `@cdklabs/cdk-validator-cfnguard` ships the AWS Control Tower proactive-control rules. */
export const CONTROL_TOWER_RULES_DIR = path.join(
  path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard')),
  '..',
  'rules',
  'control-tower',
  'cfn-guard',
);

interface GuardRuleFile {
  readonly file: string;
  /** The CloudFormation resource types the rule selects, e.g. `AWS::SQS::Queue`. */
  readonly types: ReadonlySet<string>;
}

/**
 * The AWS Control Tower guard rules, run per template with only the rules that can apply to it.
 *
 * Why: cfn-guard 3.1.1 costs about 15 ms per rule and template whether or not the template holds
 * the resource type the rule is about (it parses and evaluates every rule), so the 237 rules took
 * 3.5-7 s per template and were three quarters of the whole synth. Every Control Tower rule selects
 * resources by a literal type (`Resources.*[ Type == "AWS::SQS::Queue" ]`) and is skipped when the
 * template has none; running only the rules whose types occur in the template gives the same
 * findings (a test compares both on a fixture) in a fraction of the time. Findings are produced by
 * `CfnGuardValidator` itself and the plugin keeps its name, so acknowledgments
 * (`cdk-validator-cfnguard::<rule>`) are unchanged.
 *
 * Each run also sees only the resources its rules can look at. cfn-guard's time per rule grows with
 * the template's resource count, and a rule reads only resources of the types it names: it selects
 * by a literal type, and where it follows a reference (`Resources[ keys == %ref ]`) it either checks
 * the target against a literal type too or (`query_for_resource`) only that the target exists. So the
 * applicable rules are split into at most four groups (greedily, to keep each group's set of types
 * small), and each group runs on a copy of the template holding the resources of its types and every
 * resource those refer to (`Ref`, `Fn::GetAtt`), with every other section intact. (Until 2026-12-06
 * the copy left out the referred-to resources: a Lambda permission whose SourceArn named a rule of the
 * template made cfn-guard report a broken reference that `CfnGuardValidator` could not parse; a test
 * now builds exactly that.) Findings name the original template and the same logical ids. On the ten demo templates this gave exactly the findings of the full
 * templates in 60% of the time (measured 2026-11-25); a test compares both on a fixture.
 *
 * Templates are checked one after the other, on purpose. cfn-guard maps and unmaps memory thousands
 * of times per run, and on the 2-core CI machines two such processes slow each other down more than
 * they gain: the five demo templates took 6.6 s one at a time and 8.6 s two at a time (before the reduction above), and one
 * cfn-guard run beside a node process took 9.5 s instead of 3.6 s (measured 2026-11-25).
 */
export class ControlTowerGuard implements IPolicyValidationPlugin {
  public readonly name = 'cdk-validator-cfnguard';
  public readonly version?: string;
  public readonly ruleIds?: string[];
  private readonly rules: GuardRuleFile[];

  /** @param disabledRules rule files to skip (see {@link DISABLED_GUARD_RULES}) */
  constructor(disabledRules: readonly string[] = []) {
    const probe = new CfnGuardValidator({
      controlTowerRulesEnabled: true,
      disabledRules: [...disabledRules],
    });
    this.version = probe.version;
    this.ruleIds = probe.ruleIds;
    this.rules = listGuardFiles(CONTROL_TOWER_RULES_DIR)
      .filter((file) => !disabledRules.includes(path.parse(file).name))
      .map((file) => ({ file, types: new Set(fs.readFileSync(file, 'utf8').match(/AWS::\w+::\w+/g) ?? []) }));
    const untyped = this.rules.filter((r) => r.types.size === 0);
    if (untyped.length > 0) {
      // A rule naming no resource type could apply to any template: this pruning would be unsound.
      throw new Error(
        `ControlTowerGuard: rules with no literal resource type: ${untyped.map((r) => r.file).join(', ')}`,
      );
    }
  }

  /** The rule files that can apply to a template holding these resource types. */
  public rulesFor(resourceTypes: ReadonlySet<string>): string[] {
    return this.rules.filter((r) => [...r.types].some((t) => resourceTypes.has(t))).map((r) => r.file);
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-guard-'));
    try {
      const reports = context.templatePaths.flatMap((template, i) =>
        this.jobsFor(template, path.join(scratch, `${i}`)).map(runGuardJob),
      );
      const violations = reports.flatMap((r) => r.violations);
      return { success: reports.every((r) => r.success) && violations.length === 0, violations };
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }

  /**
   * The guard runs for one template: the applicable rules in at most GUARD_GROUPS groups, each with a copy
   * of the template reduced to the resource types its rules name, written under `scratchPrefix`.
   */
  private jobsFor(template: string, scratchPrefix: string): GuardJob[] {
    const parsed = JSON.parse(fs.readFileSync(template, 'utf8')) as {
      Resources?: Record<string, { Type: string }>;
    };
    const resources = Object.entries(parsed.Resources ?? {});
    const count = new Map<string, number>();
    for (const [, r] of resources) count.set(r.Type, (count.get(r.Type) ?? 0) + 1);
    const applicable = this.rules
      .map((r) => ({ file: r.file, types: [...r.types].filter((t) => count.has(t)) }))
      .filter((r) => r.types.length > 0);
    return groupRules(applicable, count, GUARD_GROUPS).map((group, g) => {
      const kept = new Set(resources.filter(([, r]) => group.types.has(r.Type)).map(([id]) => id));
      // Rules that accept a local reference (`query_for_resource`: a Lambda permission's SourceArn given
      // as a GetAtt of the rule that invokes it) only check that the referenced resource exists, whatever
      // its type: each resource the kept ones refer to stays in the copy too.
      for (const id of [...kept]) {
        for (const target of referencedIds(parsed.Resources?.[id])) {
          if (parsed.Resources?.[target]) kept.add(target);
        }
      }
      const reduced = {
        ...parsed,
        Resources: Object.fromEntries(resources.filter(([id]) => kept.has(id))),
      };
      const data = `${scratchPrefix}-${g}.template.json`;
      fs.writeFileSync(data, JSON.stringify(reduced));
      return { template, data, rules: group.rules };
    });
  }
}

/** The logical ids a resource refers to with `Ref` or `Fn::GetAtt`, anywhere in its definition. */
function referencedIds(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, found);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') found.add(v);
      else if (k === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string') found.add(v[0]);
      else if (k === 'Fn::GetAtt' && typeof v === 'string') found.add(v.split('.')[0]);
      else referencedIds(v, found);
    }
  }
  return found;
}

/**
 * How many cfn-guard runs a template's rules are split into at most. Each run costs about 85 ms whatever it
 * checks (start-up and reading its copy of the template); smaller copies make each rule cheaper. On the
 * demo templates four took 7.76 s against 8.6 s for two, three of four alternating runs (measured
 * 2026-12-07); six to twelve were no better or slower.
 */
const GUARD_GROUPS = 4;

/**
 * Splits rules into at most `groups` groups, each rule where it adds the least work, work being the
 * group's resource count times its number of rules (largest rules first).
 */
function groupRules(
  rules: { file: string; types: string[] }[],
  count: ReadonlyMap<string, number>,
  groups: number,
): { rules: string[]; types: Set<string> }[] {
  const size = (types: Iterable<string>) => [...types].reduce((n, t) => n + (count.get(t) ?? 0), 0);
  const out = Array.from({ length: groups }, () => ({ rules: [] as string[], types: new Set<string>() }));
  for (const rule of [...rules].sort((a, b) => size(b.types) - size(a.types))) {
    const cost = (g: (typeof out)[number]) =>
      size(new Set([...g.types, ...rule.types])) * (g.rules.length + 1) - size(g.types) * g.rules.length;
    const best = out.reduce((a, b) => (cost(b) < cost(a) ? b : a));
    best.rules.push(rule.file);
    rule.types.forEach((t) => best.types.add(t));
  }
  return out.filter((g) => g.rules.length > 0);
}

interface GuardJob {
  /** The template the findings are about. */
  readonly template: string;
  /** The reduced copy cfn-guard reads. */
  readonly data: string;
  readonly rules: string[];
}

const GUARD_MAX_BUFFER = 64 * 1024 * 1024;

/** One group of rules through cfn-guard, on its reduced copy; findings point at the original template. */
function runGuardJob(job: GuardJob): PolicyValidationPluginReport {
  const guard = new CfnGuardValidator({
    controlTowerRulesEnabled: false,
    rules: job.rules,
    maxBuffer: GUARD_MAX_BUFFER,
  });
  const report = guard.validate({ templatePaths: [job.data] } as unknown as IPolicyValidationContext);
  return {
    ...report,
    violations: report.violations.map((v) => ({
      ...v,
      violatingResources: v.violatingResources.map((r) => ({ ...r, templatePath: job.template })),
    })),
  };
}

function listGuardFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? listGuardFiles(path.join(dir, e.name))
        : e.name.endsWith('.guard')
          ? [path.join(dir, e.name)]
          : [],
    )
    .sort();
}
