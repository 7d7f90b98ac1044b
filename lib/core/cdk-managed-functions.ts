import { CfnResource, CustomResourceProviderBase, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { acknowledge, guardRule } from './acknowledge';

/** How {@link adoptCdkManagedFunctions} keeps the logs of the CDK's own functions. */
export interface CdkManagedFunctionLogsOptions {
  /** What `cdk destroy` does with the log groups: DESTROY in the sandbox, RETAIN in production. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * How long the log groups keep events.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly retention?: logs.RetentionDays;
}

/**
 * Makes the Lambda functions aws-cdk-lib writes for deployment steps (the providers behind
 * `autoDeleteObjects` and `restrictDefaultSecurityGroup`) part of the stack in every way: each logs
 * into a log group the stack owns, and their compliance findings are acknowledged
 * ({@link acknowledgeCdkManagedFunctions}). Call it last in a stack's constructor.
 *
 * Why the log groups: without one, Lambda creates `/aws/lambda/<function>` the first time the function
 * runs, outside CloudFormation, and `cdk destroy` leaves it behind. Each provider's function gets a
 * `LoggingConfig` pointing at a log group of the stack instead. The function refers to the group, so
 * CloudFormation creates the group first and deletes it last: the run that empties a bucket while the
 * stack is being deleted still logs into it. (The functions keep their AWS managed
 * AWSLambdaBasicExecutionRole, which may write to any log group.)
 *
 * @returns the log groups created, one per provider
 */
export function adoptCdkManagedFunctions(
  stack: Stack,
  options: CdkManagedFunctionLogsOptions,
): logs.LogGroup[] {
  const groups = cdkManagedFunctionHandlers(stack).map(({ provider, handler }) => {
    const logGroup = new logs.LogGroup(provider, 'Logs', {
      retention: options.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: options.removalPolicy,
    });
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
    const reason =
      `Holds only the deployment-time logs of ${provider.node.id}, a function aws-cdk-lib writes (which ` +
      'resources it changed, never data); CloudWatch Logs encrypts them at rest with its own keys, and a ' +
      'customer managed key would add $1 a month to every stack for no data.';
    acknowledge(
      logGroup,
      { id: 'NIST.800.53.R4-CloudWatchLogGroupEncrypted', reason },
      { id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', reason },
      { id: 'HIPAA.Security-CloudWatchLogGroupEncrypted', reason },
      { id: 'PCI.DSS.321-CloudWatchLogGroupEncrypted', reason },
      { id: guardRule('cloudwatch_log_group_encrypted_check'), reason },
    );
    return logGroup;
  });
  acknowledgeCdkManagedFunctions(stack);
  return groups;
}

/** The Lambda function resource of every CDK custom-resource provider in the stack. */
function cdkManagedFunctionHandlers(
  stack: Stack,
): { provider: CustomResourceProviderBase; handler: CfnResource }[] {
  return stack.node
    .findAll()
    .filter((c): c is CustomResourceProviderBase => c instanceof CustomResourceProviderBase)
    .flatMap((provider) => {
      const handler = provider.node.tryFindChild('Handler');
      return handler instanceof CfnResource ? [{ provider, handler }] : [];
    });
}

/**
 * Acknowledges the findings on Lambda functions that aws-cdk-lib writes itself: the provider behind
 * `autoDeleteObjects` on a bucket and the one behind `restrictDefaultSecurityGroup` on a VPC.
 *
 * Their code, role and placement belong to aws-cdk-lib: no prop puts them in a VPC, and they only call
 * AWS APIs during a deployment. Call this last in a stack's constructor, after everything that may
 * create such a provider.
 */
export function acknowledgeCdkManagedFunctions(stack: Stack): void {
  for (const { provider, handler } of cdkManagedFunctionHandlers(stack)) {
    acknowledge(handler, {
      id: guardRule('lambda_inside_vpc_check'),
      reason:
        `${provider.node.id} is a function aws-cdk-lib writes to run a deployment step; it only calls AWS ` +
        'APIs, exists only while CloudFormation runs it, and the CDK offers no way to place it in a VPC.',
    });
  }
}
