import { Aws, Fn } from 'aws-cdk-lib';

/**
 * The first block of the stack's UUID (8 lowercase hex digits), from the last part of `AWS::StackId`:
 * CloudFormation draws it anew each time it creates the stack (also when the create of a stack it rolled
 * back is retried: `cdk deploy` deletes the ROLLBACK_COMPLETE stack and creates a new one) and keeps it
 * across updates. A name that a kept resource (Retain, Snapshot) holds after its stack is gone must
 * include it, or the next create of the same stack writes the same name and fails with "already exists".
 */
export function stackCreationId(): string {
  return Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
}
