import { CustomResourceProviderBase, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledge, guardRule } from './acknowledge';

/**
 * Acknowledges the findings on Lambda functions that aws-cdk-lib writes itself: the provider behind
 * `autoDeleteObjects` on a bucket and the one behind `restrictDefaultSecurityGroup` on a VPC.
 *
 * Their code, role and placement belong to aws-cdk-lib: no prop puts them in a VPC, and they only call
 * AWS APIs during a deployment. Call this last in a stack's constructor, after everything that may
 * create such a provider.
 */
export function acknowledgeCdkManagedFunctions(stack: Stack): void {
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof CustomResourceProviderBase)) continue;
    const handler: IConstruct | undefined = construct.node.tryFindChild('Handler');
    if (!handler) continue;
    acknowledge(handler, {
      id: guardRule('lambda_inside_vpc_check'),
      reason:
        `${construct.node.id} is a function aws-cdk-lib writes to run a deployment step; it only calls AWS ` +
        'APIs, exists only while CloudFormation runs it, and the CDK offers no way to place it in a VPC.',
    });
  }
}
