// Acknowledgments every Lambda function of these patterns needs for the same reasons: each helper
// names the exact rule ids once, and the caller gives the reason that holds for its function.
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { acknowledge, guardRule } from './acknowledge';

/** The packs whose IAMNoInlinePolicy and LambdaInsideVPC rules read the same thing. */
const NIST_HIPAA_PCI = ['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'] as const;

/** The function runs outside a VPC (four nag packs and the Control Tower rule). */
export function acknowledgeOutsideVpc(fn: IConstruct, reason: string): void {
  acknowledge(fn, ...NIST_HIPAA_PCI.map((pack) => ({ id: `${pack}-LambdaInsideVPC`, reason })), {
    id: guardRule('lambda_inside_vpc_check'),
    reason,
  });
}

/** The function has no DeadLetterConfig: it is never invoked asynchronously. */
export function acknowledgeNoFunctionDlq(fn: IConstruct, reason: string): void {
  acknowledge(
    fn,
    { id: 'Serverless-LambdaDLQ', reason },
    { id: 'NIST.800.53.R5-LambdaDLQ', reason },
    { id: 'HIPAA.Security-LambdaDLQ', reason },
  );
}

/** The function reserves no concurrency. */
export function acknowledgeNoReservedConcurrency(fn: IConstruct, reason: string): void {
  acknowledge(
    fn,
    { id: 'NIST.800.53.R5-LambdaConcurrency', reason },
    { id: 'HIPAA.Security-LambdaConcurrency', reason },
  );
}

/** A role's CDK-written DefaultPolicy is inline (NIST, HIPAA and PCI IAMNoInlinePolicy). */
export function acknowledgeInlinePolicy(policy: IConstruct, reason: string): void {
  acknowledge(policy, ...NIST_HIPAA_PCI.map((pack) => ({ id: `${pack}-IAMNoInlinePolicy`, reason })));
}

/** Active tracing grants the X-Ray write actions, which take no resource narrower than "*". */
export function acknowledgeXrayWildcard(policy: IConstruct): void {
  acknowledge(policy, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource ' +
      'narrower than "*" (the X-Ray service authorization reference lists no resource types for them).',
  });
}

/**
 * A log group without a customer managed key (four nag packs and the Control Tower rule): CloudWatch Logs
 * still encrypts it with its own keys; the reason says why a key of the stack's own is not worth it here.
 */
export function acknowledgeLogGroupWithoutCmk(logGroup: IConstruct, reason: string): void {
  acknowledge(
    logGroup,
    ...NIST_HIPAA_PCI.map((pack) => ({ id: `${pack}-CloudWatchLogGroupEncrypted`, reason })),
    { id: guardRule('cloudwatch_log_group_encrypted_check'), reason },
  );
}

/**
 * The invoke permissions API Gateway methods under `scope` give their functions: each names
 * apigateway.amazonaws.com with SourceArn = the method ARN; SourceAccount = this account is added here
 * (confused-deputy protection). Control Tower's guard rule only accepts literal strings or Ref/GetAtt
 * there, and both are Fn::Join / Ref AWS::AccountId until deploy time, so it is acknowledged with why.
 */
export function restrictApiInvokePermissions(scope: IConstruct): void {
  for (const child of scope.node.findAll()) {
    if (!(child instanceof lambda.CfnPermission)) continue;
    child.sourceAccount = Stack.of(child).account;
    acknowledge(child, {
      id: guardRule('lambda_function_public_access_prohibited_check'),
      reason:
        'Only API Gateway may invoke, and only for this API method in this account: SourceArn is the method ARN and ' +
        'SourceAccount the account, both resolved at deploy time; the rule reads them literally and sees no string.',
    });
  }
}
