// A TypeScript CDK app as another project writes it, against the installed tarball's type declarations.
// test/package/packed-install.test.ts copies it into the fresh app and runs `tsc --noEmit` on it (it is
// never run): the props, the exposed resources and the error class must type-check from the package's
// root, and each `@ts-expect-error` proves a mistake is still a type error (were the declarations
// missing or `any`, tsc would report those directives as unused and fail).
// Excluded from this repository's own type-check (tsconfig.json): the package name only resolves there.
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  ClickstreamQueryLayer,
  KinesisPipeline,
  KinesisPipelineProps,
  MultiAzDatabase,
  Profile,
  PropValidationError,
  ReferenceVpc,
  SnsSqsFanout,
  SnsSqsFanoutStack,
} from 'aws-reference-architectures-cdk';

const app = new App();
const stack = new Stack(app, 'Typed');

const props: KinesisPipelineProps = {
  streamMode: kinesis.StreamMode.PROVISIONED,
  shardCount: 2,
  retentionPeriod: Duration.hours(48),
  removalPolicy: RemovalPolicy.DESTROY,
};
const pipeline = new KinesisPipeline(stack, 'Clicks', props);
const stream: kinesis.Stream = pipeline.stream;
const query: ClickstreamQueryLayer | undefined = pipeline.query;
const failed: sqs.Queue = pipeline.onFailureQueue;

const fanout = new SnsSqsFanout(stack, 'Orders', { subscribers: [{ name: 'Billing' }] });
const queues: sqs.Queue[] = fanout.queues;

const network = new ReferenceVpc(stack, 'Network', { natGateways: 0, publicSubnets: false });
const database = new MultiAzDatabase(stack, 'Database', { vpc: network.vpc });
database.connections.allowDefaultPortFrom(ec2.Peer.ipv4(network.vpc.vpcCidrBlock));

const profile: Profile = 'sandbox';
new SnsSqsFanoutStack(app, 'Demo', { profile });

// @ts-expect-error shardCount is a number, not a string
new KinesisPipeline(stack, 'Wrong', { shardCount: '2' });
// @ts-expect-error a profile is 'sandbox' or 'production'
const unknownProfile: Profile = 'staging';
// @ts-expect-error every subscriber needs a name
new SnsSqsFanout(stack, 'Nameless', { subscribers: [{}] });

export function describeError(e: unknown): string | undefined {
  return e instanceof PropValidationError ? `${e.prop}: ${e.message}` : undefined;
}
export const used = [stream, query, failed, queues, unknownProfile];
