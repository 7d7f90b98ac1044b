// The compliance findings of the Kinesis pipeline that are acknowledged instead of fixed, each on the
// construct it is about, with the reason. Everything else the gates asked for is fixed in the construct.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { acknowledge } from '../core/acknowledge';
import {
  acknowledgeInlinePolicy,
  acknowledgeNoFunctionDlq,
  acknowledgeNoReservedConcurrency,
  acknowledgeOutsideVpc,
  acknowledgeXrayWildcard,
} from '../core/function-acknowledgments';

/** Inline policies written by CDK grants, each scoped to the resources of this pipeline. */
export function acknowledgeGrantPolicy(role: IConstruct, what: string): void {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  const reason =
    `${what}. The CDK grants write it as an inline policy naming only this pipeline's resources; it belongs to ` +
    'this one role and is deleted with it, which is the one-to-one case AWS recommends inline policies for.';
  acknowledgeInlinePolicy(policy, reason);
}

/** How the consumer's concurrency is set, which decides whether and why LambdaConcurrency is acknowledged. */
export interface ConsumerConcurrency {
  /** `reservedConcurrentExecutions` was given: the rule holds and nothing is acknowledged. */
  readonly reserved: boolean;
  /** The stream is ON_DEMAND, whose shard count (and so the consumer's concurrency) grows with traffic. */
  readonly onDemand: boolean;
}

/** The consumer function: outside a VPC, no function-level DLQ, and (unless reserved) no reserved concurrency. */
export function acknowledgeConsumer(
  fn: lambda.Function,
  role: iam.Role,
  concurrency: ConsumerConcurrency,
): void {
  const outsideVpc =
    'The consumer only reads from Kinesis and writes logs and traces, all AWS APIs; inside a VPC it would need a ' +
    'NAT gateway or interface endpoints (hourly cost) and there is no private resource for it to reach.';
  const noDlq =
    'A function DeadLetterConfig only catches asynchronous invocations; Kinesis invokes the function ' +
    'synchronously through the event source mapping, whose on-failure destination (the SQS OnFailureQueue) keeps ' +
    'every batch it gives up on.';
  acknowledgeOutsideVpc(fn, outsideVpc);
  acknowledgeNoFunctionDlq(fn, noDlq);
  if (!concurrency.reserved) {
    const bound = concurrency.onDemand
      ? 'The stream is ON_DEMAND and adds shards as traffic grows, so nothing here bounds the consumer, which ' +
        'runs one batch per shard and parallelization slot: set reservedConcurrentExecutions to cap it (the ' +
        'production profile does).'
      : 'The consumer still runs at most shardCount x parallelizationFactor batches at once, a number this ' +
        'template fixes (the stream is PROVISIONED); the production profile reserves concurrency.';
    acknowledgeNoReservedConcurrency(
      fn,
      'No concurrency is reserved (reservedConcurrentExecutions is not set, as in the sandbox profile): Lambda ' +
        'keeps a minimum of unreserved concurrency, so in a new account whose concurrency quota is 10 any ' +
        `reservation fails to deploy. ${bound}`,
    );
  }
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy) acknowledgeXrayWildcard(policy);
  acknowledgeGrantPolicy(
    role,
    'The consumer reads the stream, sends to the on-failure queue and writes its logs',
  );
}

/** The on-failure queue is the end of the line: a queue behind it would only move the same messages. */
export function acknowledgeOnFailureQueue(queue: IConstruct): void {
  const reason =
    'This queue is the on-failure destination of the event source mapping, i.e. already the dead-letter store; ' +
    'it holds each failed shard and sequence range 14 days for a person or a replay job to act on.';
  acknowledge(queue, { id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
}

/** Firehose's S3 destination role: the wildcards come from `bucket.grantReadWrite`, which the L2 calls. */
export function acknowledgeFirehoseRoles(deliveryStream: IConstruct, bucket: s3.Bucket): void {
  const s3Role = deliveryStream.node.tryFindChild('S3 Destination Role');
  const policy = s3Role?.node.tryFindChild('DefaultPolicy');
  if (policy) {
    const bucketLogicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    const grant =
      "aws-cdk-lib's Firehose S3 destination always calls bucket.grantReadWrite on its role, so the wildcard " +
      'is limited to this one data lake bucket (and its key)';
    const ids: [string, string][] = [
      ['Action::s3:Abort*', 'Firehose aborts multipart uploads it cannot complete'],
      [
        'Action::s3:DeleteObject*',
        "part of the read-write grant the L2 applies; the role's DenyDeletingOrLockingData statement takes back " +
          'deleting objects and versions',
      ],
      ['Action::s3:GetBucket*', 'Firehose reads the bucket location before writing'],
      ['Action::s3:GetObject*', 'needed by the read-write grant the L2 applies'],
      ['Action::s3:List*', 'Firehose lists multipart uploads it started'],
      [
        `Resource::<${bucketLogicalId}.Arn>/*`,
        'Firehose writes objects under time-partitioned keys it names at run time',
      ],
      ['Action::kms:GenerateDataKey*', 'Firehose encrypts each object with the data key'],
      ['Action::kms:ReEncrypt*', 'part of the key grant for SSE-KMS writes'],
    ];
    acknowledge(
      policy,
      ...ids.map(([id, why]) => ({ id: `AwsSolutions-IAM5[${id}]`, reason: `${why}; ${grant}.` })),
    );
  }
  if (s3Role) acknowledgeGrantPolicy(s3Role, 'Firehose writes to the data lake bucket with its key');
  const sourceRole = deliveryStream.node.tryFindChild('Service Role');
  if (sourceRole) acknowledgeGrantPolicy(sourceRole, 'Firehose reads the Kinesis stream');
  acknowledge(deliveryStream, {
    id: 'AwsSolutions-KDF1',
    reason:
      'Firehose cannot add its own server-side encryption when its source is a Kinesis stream (the API rejects ' +
      'it); the stream encrypts the records at rest with KMS and Firehose writes them to S3 with the data key.',
  });
}
