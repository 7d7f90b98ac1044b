import { App, Validations } from 'aws-cdk-lib';
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
 * AWS Control Tower guard rules switched off for the whole app, each with the reason.
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
 * aws-cdk-lib runs on its own; cdk.json makes its findings errors.)
 */
export function registerComplianceGates(app: App): void {
  Validations.of(app).addPlugins(
    ...nagPacks(),
    new CfnGuardValidator({
      controlTowerRulesEnabled: true,
      disabledRules: Object.keys(DISABLED_GUARD_RULES),
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
}
