import { Stack, Stage, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The cdk-nag packs this project runs; an acknowledged rule id must start with one of them. */
export const NAG_PACKS = [
  'AwsSolutions',
  'Serverless',
  'NIST.800.53.R4',
  'NIST.800.53.R5',
  'HIPAA.Security',
  'PCI.DSS.321',
] as const;

/** Plugin name of `@cdklabs/cdk-validator-cfnguard`; the CDK namespaces its rule ids with it. */
export const GUARD_PLUGIN = 'cdk-validator-cfnguard';

/** The id to acknowledge an AWS Control Tower guard rule with, e.g. `guardRule('sqs_dlq_check')`. */
export function guardRule(rule: string): string {
  return `${GUARD_PLUGIN}::${rule}`;
}

const NAG_ID = new RegExp(
  `^(${NAG_PACKS.map((p) => p.replace(/\./g, '\\.')).join('|')})-[A-Za-z0-9]+(\\[.+\\])?$`,
);
const GUARD_ID = new RegExp(`^${GUARD_PLUGIN}::[a-z0-9_]+$`);

/** Reasons shorter than this cannot explain anything to a learner. */
export const MIN_REASON_LENGTH = 40;

/** One acknowledged finding: the exact rule id and why fixing it would be wrong for this pattern. */
export interface Acknowledgment {
  /**
   * Exact rule id: `AwsSolutions-SQS3`, `NIST.800.53.R5-LambdaInsideVPC`, a granular id such as
   * `AwsSolutions-IAM5[Action::s3:GetObject*]`, or a guard rule from {@link guardRule}.
   * Wildcards are not accepted: each finding is acknowledged on its own.
   */
  readonly id: string;
  /** Why the finding is acceptable here, in words a learner can follow. */
  readonly reason: string;
}

/** The pack (or "Control Tower guard") a rule id belongs to. */
export function packOf(id: string): string {
  if (id.startsWith(`${GUARD_PLUGIN}::`)) return 'ControlTower (cfn-guard)';
  // aws-cdk-lib's own constructs acknowledge a few built-in validation rules they knowingly break.
  if (id.startsWith('CloudFormation-Validate::')) return 'CloudFormation validation (by aws-cdk-lib)';
  const pack = NAG_PACKS.find((p) => id.startsWith(`${p}-`));
  return pack ?? 'unknown';
}

/**
 * Acknowledges findings on exactly the construct they are about. This is the only place the project
 * acknowledges anything; `npm run compliance` lists every call in docs/COMPLIANCE.md.
 *
 * Put it on the narrowest construct (the queue, the function), never on a stack or the app: a
 * finding acknowledged on a stack would also hide the same finding on resources added later.
 */
export function acknowledge(scope: IConstruct, ...acks: Acknowledgment[]): void {
  if (acks.length === 0)
    throw new Error(`acknowledge(${scope.node.path}): give at least one rule id and reason.`);
  if (scope.node.scope === undefined || isStackOrStage(scope)) {
    throw new Error(
      `acknowledge(${scope.node.path || '<app>'}): acknowledgments on an app, stage or stack are not allowed; ` +
        `put each one on the construct the finding is about.`,
    );
  }
  for (const ack of acks) {
    if (!NAG_ID.test(ack.id) && !GUARD_ID.test(ack.id)) {
      throw new Error(
        `acknowledge(${scope.node.path}): '${ack.id}' is not an exact rule id. ` +
          `Use '<pack>-<rule>' with pack one of ${NAG_PACKS.join(', ')} (e.g. AwsSolutions-SQS3), ` +
          `or guardRule('<control tower rule>').`,
      );
    }
    const reason = ack.reason.trim();
    if (reason.length < MIN_REASON_LENGTH) {
      throw new Error(
        `acknowledge(${scope.node.path}): the reason for ${ack.id} must explain the decision in at least ` +
          `${MIN_REASON_LENGTH} characters; received '${reason}'.`,
      );
    }
    Validations.of(scope).acknowledge({ id: ack.id, reason });
  }
}

function isStackOrStage(scope: IConstruct): boolean {
  // Stack.isStack / Stage.isStage use symbols, so an API Gateway `Stage` (which has a `stageName`
  // too) is not mistaken for a CDK Stage.
  return Stack.isStack(scope) || Stage.isStage(scope);
}
