import {
  CfnDeletionPolicy,
  CfnResource,
  CustomResourceProviderBase,
  RemovalPolicy,
  Stack,
} from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
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
  /**
   * Key the log groups are encrypted with. Its key policy must let CloudWatch Logs use it for these
   * log groups (`allowCloudWatchLogs` in lib/core/service-grants.ts does).
   * @default - with removalPolicy RETAIN, the key of the first log group of the stack that is already
   * encrypted with a key the stack creates and keeps (RETAIN): a key CloudWatch Logs may already use,
   * so nothing is added to any key policy and nothing to the bill. Otherwise none: CloudWatch Logs
   * encrypts the groups with its own keys.
   */
  readonly encryptionKey?: kms.IKey;
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
 * Groups the stack keeps (RETAIN) are encrypted with a customer managed key the stack already has for
 * its logs (see `encryptionKey`); the function needs no permission on it, CloudWatch Logs uses the key
 * itself. Groups deleted with the stack, or in a stack without such a key, keep CloudWatch Logs' own
 * encryption, and the finding is acknowledged with that reason.
 *
 * @returns the log groups created, one per provider
 */
export function adoptCdkManagedFunctions(
  stack: Stack,
  options: CdkManagedFunctionLogsOptions,
): logs.LogGroup[] {
  const retained = options.removalPolicy === RemovalPolicy.RETAIN;
  const encryptionKey = options.encryptionKey ?? (retained ? keptLogsKeyOf(stack) : undefined);
  const groups = cdkManagedFunctionHandlers(stack).map(({ provider, handler }) => {
    const logGroup = new logs.LogGroup(provider, 'Logs', {
      retention: options.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: options.removalPolicy,
      encryptionKey,
    });
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
    if (!encryptionKey) {
      const reason =
        `Holds only the deployment-time logs of ${provider.node.id}, a function aws-cdk-lib writes (which ` +
        'resources it changed, never their contents); CloudWatch Logs encrypts them at rest with its own keys. ' +
        (retained
          ? 'The stack has no customer managed key that already encrypts its log groups, and one for these logs alone ' +
            'would add $1 a month for no data.'
          : 'The group is deleted with the stack (removalPolicy DESTROY, the sandbox profile); a group a stack keeps ' +
            'is encrypted with the customer managed key the stack already keeps for its logs, where it has one.');
      acknowledge(
        logGroup,
        { id: 'NIST.800.53.R4-CloudWatchLogGroupEncrypted', reason },
        { id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', reason },
        { id: 'HIPAA.Security-CloudWatchLogGroupEncrypted', reason },
        { id: 'PCI.DSS.321-CloudWatchLogGroupEncrypted', reason },
        { id: guardRule('cloudwatch_log_group_encrypted_check'), reason },
      );
    }
    return logGroup;
  });
  acknowledgeCdkManagedFunctions(stack);
  return groups;
}

/**
 * The key of the first log group of the stack (in construct order) encrypted with a key the stack
 * creates and keeps (RETAIN): its policy already lets CloudWatch Logs use it (or that group could not be
 * created), and it outlives a log group the stack keeps. The keys of this project admit every log group
 * of the account (`allowCloudWatchLogs`); the permission proof (test/permissions/) checks, for each
 * encrypted log group, that its key admits it.
 */
function keptLogsKeyOf(stack: Stack): kms.IKey | undefined {
  const constructs = stack.node.findAll();
  const keys = constructs.filter((c): c is kms.Key => c instanceof kms.Key && Stack.of(c) === stack);
  for (const group of constructs) {
    if (!(group instanceof logs.CfnLogGroup) || group.kmsKeyId === undefined) continue;
    const key = keys.find((k) => k.keyArn === group.kmsKeyId);
    const cfnKey = key?.node.defaultChild as kms.CfnKey | undefined;
    if (key && cfnKey?.cfnOptions.deletionPolicy === CfnDeletionPolicy.RETAIN) return key;
  }
  return undefined;
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
