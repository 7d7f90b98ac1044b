import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { nagPacks, registerComplianceGates } from '../../lib/core/compliance-gates';

/** One unacknowledged finding, as a line a reader can act on. */
export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly path: string;
  readonly description: string;
}

export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `- [${f.plugin}] ${f.rule} at ${f.path}: ${f.description}`).join('\n');
}

/**
 * Runs the six cdk-nag packs over a construct tree with `validateScope` and returns what they find
 * (warnings included). `Annotations.findError` no longer sees cdk-nag v3 findings; this does.
 */
export function nagFindings(scope: IConstruct): Finding[] {
  const findings: Finding[] = [];
  for (const pack of nagPacks()) {
    const report = pack.validateScope(scope);
    for (const v of report.violations) {
      for (const r of v.violatingResources) {
        findings.push({
          plugin: pack.readPackName,
          rule: v.ruleName,
          path: r.constructPath ?? r.resourceLogicalId ?? '<unknown>',
          description: v.description.split('. ')[0],
        });
      }
    }
  }
  return findings;
}

/** Fails with a readable list when any of the six nag packs has a finding under `scope`. */
export function expectNagClean(scope: IConstruct): void {
  const findings = nagFindings(scope);
  if (findings.length > 0) {
    throw new Error(`${findings.length} unacknowledged cdk-nag finding(s):\n${formatFindings(findings)}`);
  }
}

/**
 * Synthesizes an app with every gate the real app has: the six nag packs, the Control Tower guard
 * rules and the built-in CloudFormation validation (as errors). Returns the findings that were not
 * acknowledged, read from the validation report (written whether or not synth failed).
 */
export function gateFindings(build: (app: App) => void, makeApp: (outdir: string) => App): Finding[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gates-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    const app = makeApp(outdir);
    build(app);
    registerComplianceGates(app);
    let synthError: unknown;
    try {
      app.synth();
    } catch (e) {
      synthError = e;
    }
    // The report is written whether synth passed or failed; read it either way, so a finding that
    // did not fail synth (a gate bug) still shows up here.
    const reportFile = path.join(outdir, 'validation-report.json');
    if (!fs.existsSync(reportFile)) {
      if (synthError) throw synthError;
      throw new Error(`no validation report at ${reportFile}: were the gates registered?`);
    }
    const findings = readReport(reportFile);
    if (synthError && findings.length === 0) throw synthError;
    return findings;
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      description: string;
      severity: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

function readReport(file: string): Finding[] {
  const report: ValidationReport = JSON.parse(fs.readFileSync(file, 'utf8'));
  return report.pluginReports.flatMap((p) =>
    p.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => ({
        plugin: p.pluginName,
        rule: v.ruleName,
        path: c.constructPath,
        description: v.description.split('\n')[0],
      })),
    ),
  );
}
