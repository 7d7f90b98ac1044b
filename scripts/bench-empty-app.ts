// The baseline for `npm run bench`: one stack holding one queue, with the same gates as the real app.
// The difference between its synth time and the real app's is what the patterns themselves cost.
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { registerComplianceGates } from '../lib/core/compliance-gates';
import { acknowledge, guardRule } from '../lib/core/acknowledge';

const app = new App();
const stack = new Stack(app, 'BenchEmpty');
const queue = new sqs.Queue(stack, 'Queue', {
  enforceSSL: true,
  encryption: sqs.QueueEncryption.SQS_MANAGED,
});
const reason = 'The benchmark baseline is a single queue; it measures gate overhead, not a pattern.';
acknowledge(
  queue,
  { id: 'AwsSolutions-SQS3', reason },
  { id: 'Serverless-SQSRedrivePolicy', reason },
  { id: guardRule('sqs_dlq_check'), reason },
);
registerComplianceGates(app);
app.synth();
