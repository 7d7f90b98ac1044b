// Replays the S3 event pipeline's failed-events queue: each Lambda on-failure record's original event is
// sent to the processor again (asynchronous Invoke), and the message deleted once Lambda accepted it.
//   npm run replay-uploads -- [--stack RefArch-S3EventPipeline] [--max 1000]
// Needs cloudformation:DescribeStacks, sqs:ReceiveMessage and sqs:DeleteMessage on the queue, and
// lambda:InvokeFunction on the processor. The loop is replayFailedEvents in lib/s3-events/replay.ts.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AsyncInvoker, FailedEventsQueueApi, replayFailedEvents } from '../lib/s3-events/replay';
import { REPLAY_USAGE, UsageError, parseReplayArgs, regionFromEnv, stackOutputs } from './s3-events/cli';

async function main(): Promise<number> {
  const args = parseReplayArgs(process.argv.slice(2));
  if (!args) {
    console.log(REPLAY_USAGE);
    return 0;
  }
  const region = regionFromEnv(process.env);
  const cfn = new CloudFormationClient({ region });
  const described = await cfn.send(new DescribeStacksCommand({ StackName: args.stack }));
  const out = stackOutputs(described.Stacks?.[0], args.stack, [
    'FailedEventsQueueUrl',
    'ProcessorName',
  ] as const);

  const sqsClient = new SQSClient({ region });
  const sqs: FailedEventsQueueApi = {
    async receiveMessages(queueUrl, max) {
      // Short waits: an empty queue ends the replay after a second, not after a 20 s long poll.
      const r = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: 1 }),
      );
      return (r.Messages ?? []).map((m) => ({
        MessageId: m.MessageId ?? '',
        ReceiptHandle: m.ReceiptHandle ?? '',
        Body: m.Body ?? '',
      }));
    },
    async deleteMessage(queueUrl, receiptHandle) {
      await sqsClient.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
    },
  };
  const lambdaClient = new LambdaClient({ region });
  const lambda: AsyncInvoker = {
    async invokeAsync(functionName, payload) {
      const r = await lambdaClient.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(payload),
        }),
      );
      // Lambda answers 202 when it has queued the event.
      if (r.StatusCode !== 202) throw new Error(`Invoke answered status ${r.StatusCode}, not 202`);
    },
  };

  const result = await replayFailedEvents(sqs, lambda, {
    queueUrl: out.FailedEventsQueueUrl,
    functionName: out.ProcessorName,
    max: args.max,
  });
  for (const { messageId, record } of result.replayed) {
    console.log(
      `replayed ${messageId}: s3://${record.bucket}/${record.key}` +
        (record.versionId ? ` version ${record.versionId}` : '') +
        (record.error ? ` (had failed: ${record.error})` : ''),
    );
  }
  for (const k of result.kept) console.log(`kept ${k.messageId} in the queue: ${k.reason}`);
  console.log(
    `${result.replayed.length} event(s) sent to ${out.ProcessorName} again and deleted from the queue; ` +
      `${result.kept.length} message(s) left in the queue (not on-failure records of an upload)`,
  );
  if (result.stoppedBy) {
    console.error(`stopped: ${result.stoppedBy}`);
    return 1;
  }
  return result.kept.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${REPLAY_USAGE}`);
      process.exit(2);
    }
    console.error(`replay failed: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
    process.exit(1);
  },
);
