import {
  CfnDeletionPolicy,
  CfnResource,
  CustomResourceProviderBase,
  RemovalPolicy,
  Stack,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { acknowledge, guardRule } from './acknowledge';
import {
  acknowledgeInlinePolicy,
  acknowledgeLogGroupWithoutCmk,
  acknowledgeNoFunctionDlq,
  acknowledgeNoReservedConcurrency,
  acknowledgeOutsideVpc,
} from './function-acknowledgments';
import { flattenForNag } from './secure-bucket';

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
      acknowledgeLogGroupWithoutCmk(logGroup, reason);
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

/**
 * The findings every function aws-cdk-lib writes for one deployment step shares (a BucketDeployment, an
 * AwsCustomResource): outside a VPC, no dead-letter queue, no reserved concurrency, no tracing, the AWS
 * managed basic execution policy on its role. `runsOnly` says what it does, `calls` which APIs it calls.
 */
export function acknowledgeDeploymentStepFunction(
  fn: lambda.Function,
  runsOnly: string,
  calls: string,
): void {
  const cfn = fn.node.defaultChild as CfnResource;
  acknowledgeOutsideVpc(cfn, `${runsOnly}; it calls ${calls} and the CDK offers no VPC for it.`);
  acknowledgeNoFunctionDlq(
    cfn,
    `${runsOnly}; CloudFormation invokes it synchronously and fails the deployment on its error, so there is ` +
      'no lost asynchronous event to keep.',
  );
  acknowledgeNoReservedConcurrency(
    cfn,
    `${runsOnly}; it runs once per deployment, never concurrently with itself.`,
  );
  acknowledge(cfn, {
    id: 'Serverless-LambdaTracing',
    reason: `${runsOnly}; one run per deployment, whose outcome CloudFormation reports and the function logs.`,
  });
  const role = fn.role?.node.defaultChild;
  if (role) {
    acknowledge(role, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${runsOnly}; aws-cdk-lib gives its role the AWS managed policy for writing its own logs.`,
    });
  }
}

/**
 * Acknowledges the findings on the function and role aws-cdk-lib writes for a `BucketDeployment` (the
 * singleton `Custom::CDKBucketDeployment...` function that copies an asset into a bucket at deploy time).
 *
 * Its code, runtime, layer and grants belong to aws-cdk-lib: the role reads the CDK asset bucket, writes
 * and prunes the destination bucket (with its key) and invalidates the distribution; no prop narrows
 * them. Every wildcard of its policy is acknowledged by its exact id, read from the policy itself, so a
 * grant a later aws-cdk-lib adds shows up as a new finding instead of being waved through.
 */
export function acknowledgeBucketDeployment(deployment: s3deploy.BucketDeployment): void {
  const stack = Stack.of(deployment);
  const fn = stack.node.children.find(
    (c) => c.node.id.startsWith('Custom::CDKBucketDeployment') && c instanceof lambda.Function,
  ) as lambda.Function | undefined;
  if (!fn) throw new Error(`${deployment.node.path}: the CDK's bucket-deployment function was not found`);
  const cfn = fn.node.defaultChild as CfnResource;
  const deploymentOnly =
    'The function aws-cdk-lib writes for BucketDeployment runs only while CloudFormation deploys the stack, copying ' +
    'the site from the CDK asset bucket into the origin bucket';
  acknowledgeDeploymentStepFunction(fn, deploymentOnly, 'only S3 and CloudFront APIs');
  acknowledge(
    cfn,
    {
      id: 'AwsSolutions-L1',
      reason: `${deploymentOnly}; its Python runtime is chosen by the aws-cdk-lib release, which upgrades it.`,
    },
    {
      id: 'Serverless-LambdaLatestVersion',
      reason: `${deploymentOnly}; its Python runtime is chosen by the aws-cdk-lib release, which upgrades it.`,
    },
  );
  const policy = fn.role?.node.tryFindChild('DefaultPolicy')?.node.defaultChild as iam.CfnPolicy | undefined;
  if (!policy) return;
  acknowledgeInlinePolicy(
    policy,
    `${deploymentOnly}; aws-cdk-lib writes its grants as an inline policy of this one role, deleted with it.`,
  );
  const statements = (stack.resolve(policy.policyDocument) as { Statement: Record<string, unknown>[] })
    .Statement;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
  const actions = new Set(statements.flatMap((s) => list(s.Action)).filter((a) => String(a).includes('*')));
  const resources = new Set(
    statements
      .flatMap((s) => list(s.Resource))
      .map(flattenForNag)
      .filter((r) => r.includes('*')),
  );
  acknowledge(
    policy,
    ...[...actions].map((a) => ({
      id: `AwsSolutions-IAM5[Action::${String(a)}]`,
      reason:
        `${deploymentOnly}; aws-cdk-lib grants with the S3 and KMS action groups of grantRead and grantReadWrite ` +
        '(read the asset, sync and prune the site, use the bucket key).',
    })),
    ...[...resources].map((r) => ({
      id: `AwsSolutions-IAM5[Resource::${r}]`,
      reason:
        `${deploymentOnly}; it reads every object of the asset and writes or deletes any object of the site, whose ` +
        'keys are the files of the content folder.',
    })),
  );
}
