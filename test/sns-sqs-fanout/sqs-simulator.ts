import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** Builds an SQS record as the Lambda event source mapping delivers it. */
export function sqsRecord(
  messageId: string,
  body: string,
  opts: { receiveCount?: number; messageGroupId?: string } = {},
): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(opts.receiveCount ?? 1),
      SentTimestamp: '1764057600000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1764057600000',
      ...(opts.messageGroupId
        ? { MessageGroupId: opts.messageGroupId, SequenceNumber: '1', MessageDeduplicationId: messageId }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111111111111:queue',
    awsRegion: 'us-east-1',
  };
}

/** The SNS JSON envelope SQS receives when raw message delivery is off. */
export function snsEnvelope(message: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: 'sns-1',
    TopicArn: 'arn:aws:sns:us-east-1:111111111111:OrderEvents',
    Message: message,
    Timestamp: '2026-11-25T00:00:00.000Z',
    SignatureVersion: '2',
  });
}

interface Stored {
  readonly id: string;
  readonly body: string;
  receiveCount: number;
  visibleAt: number;
}

/** A queue's `RedrivePolicy` as CloudFormation writes it. */
export interface RedrivePolicy {
  readonly maxReceiveCount: number;
  /** Whatever the template holds (a `Fn::GetAtt` of the DLQ's `Arn` in a synthesized stack). */
  readonly deadLetterTargetArn: unknown;
}

/** The values the model runs with: read them from the synthesized queue and event source mapping. */
export interface SimulatedQueueConfig {
  /** The queue's `RedrivePolicy`. */
  readonly redrivePolicy: RedrivePolicy;
  /** The queue's `VisibilityTimeout`. */
  readonly visibilityTimeoutSeconds: number;
  /** The event source mapping's `BatchSize`. */
  readonly batchSize: number;
  /**
   * Whether the mapping's `FunctionResponseTypes` holds `ReportBatchItemFailures`. Without it Lambda
   * ignores the handler's `batchItemFailures`: a batch that returns is deleted whole.
   */
  readonly reportBatchItemFailures: boolean;
}

/**
 * A MODEL (not SQS itself: no SQS emulator speaks the current SDK's protocol, see TOOLCHAIN.md) of one
 * standard SQS queue with a redrive policy, driven like the Lambda event source mapping drives it:
 * receive a batch, call the handler, delete what it did not report (everything, when the mapping
 * does not report batch item failures), and let the reported messages reappear after the visibility
 * timeout. A message already received `maxReceiveCount` times is moved to the redrive target instead
 * of being delivered again. Tests built on it prove what the handler does with each delivery under
 * the template's settings; that SQS redrives this way is the model's assumption, not something tested.
 */
export class SimulatedQueue {
  /** Ids of the messages moved to the redrive target, in the order they were moved. */
  public readonly deadLetterQueue: string[] = [];
  /** The redrive target those messages went to: the template's `deadLetterTargetArn`, as given. */
  public readonly deadLetterTargetArn: unknown;
  private readonly messages: Stored[] = [];
  private now = 0;

  constructor(private readonly config: SimulatedQueueConfig) {
    this.deadLetterTargetArn = config.redrivePolicy.deadLetterTargetArn;
  }

  send(id: string, body: string): void {
    this.messages.push({ id, body, receiveCount: 0, visibleAt: 0 });
  }

  get depth(): number {
    return this.messages.length;
  }

  /** One poll of the event source mapping; returns false when nothing was visible. */
  async poll(handler: (e: SQSEvent) => Promise<SQSBatchResponse>): Promise<boolean> {
    const { redrivePolicy, batchSize, visibilityTimeoutSeconds, reportBatchItemFailures } = this.config;
    const batch: Stored[] = [];
    for (const m of [...this.messages]) {
      if (m.visibleAt > this.now || batch.length === batchSize) continue;
      if (m.receiveCount >= redrivePolicy.maxReceiveCount) {
        this.messages.splice(this.messages.indexOf(m), 1);
        this.deadLetterQueue.push(m.id);
        continue;
      }
      m.receiveCount++;
      batch.push(m);
    }
    if (batch.length === 0) return false;
    const response = await handler({
      Records: batch.map((m) => sqsRecord(m.id, m.body, { receiveCount: m.receiveCount })),
    });
    const failed = new Set(
      reportBatchItemFailures ? response.batchItemFailures.map((f) => f.itemIdentifier) : [],
    );
    for (const m of batch) {
      if (failed.has(m.id)) m.visibleAt = this.now + visibilityTimeoutSeconds;
      else this.messages.splice(this.messages.indexOf(m), 1);
    }
    return true;
  }

  /** Polls, moving the clock past each visibility timeout, until the queue is empty. */
  async drain(handler: (e: SQSEvent) => Promise<SQSBatchResponse>, maxPolls = 100): Promise<number> {
    let polls = 0;
    while (this.messages.length > 0 && polls < maxPolls) {
      polls++;
      if (!(await this.poll(handler))) this.now += this.config.visibilityTimeoutSeconds;
    }
    return polls;
  }

  receiveCountOf(id: string): number | undefined {
    return this.messages.find((m) => m.id === id)?.receiveCount;
  }
}

/** A message in a {@link SimulatedSqsApi} queue. */
interface ApiMessage {
  readonly id: string;
  readonly body: string;
  readonly messageAttributes?: Record<
    string,
    { DataType: string; StringValue?: string; BinaryValue?: string }
  >;
  readonly attributes: Record<string, string>;
  receipt?: string;
  visibleAt: number;
}

/**
 * A MODEL of the SQS API calls a replay makes (ReceiveMessage, SendMessage, DeleteMessage), with each
 * queue's `DenySendUnlessFromTopic`: a queue created with `sendersAllowed` refuses a SendMessage from any
 * other principal with AccessDenied, as the queue policy does (that the policy says so is proven in
 * test/permissions; this model only carries the outcome). Received messages stay hidden for the
 * visibility timeout; `advance` moves the clock.
 */
export class SimulatedSqsApi {
  private readonly queues = new Map<string, { messages: ApiMessage[]; sendersAllowed?: string[] }>();
  private next = 0;
  private now = 0;
  /** Every call, in order, for assertions on the order of send and delete. */
  public readonly calls: string[] = [];

  constructor(
    /** The principal the calls are made as (e.g. the redrive role's ARN). */
    public principal: string,
    private readonly visibilityTimeoutSeconds = 30,
  ) {}

  createQueue(url: string, opts: { sendersAllowed?: string[] } = {}): void {
    this.queues.set(url, { messages: [], sendersAllowed: opts.sendersAllowed });
  }

  /** Puts a message on a queue as SNS would (no policy check: SNS is admitted by the topic condition). */
  deliver(
    url: string,
    body: string,
    opts: { messageAttributes?: ApiMessage['messageAttributes']; attributes?: Record<string, string> } = {},
  ): string {
    const id = `m-${++this.next}`;
    this.queue(url).messages.push({
      id,
      body,
      messageAttributes: opts.messageAttributes,
      attributes: opts.attributes ?? {},
      visibleAt: 0,
    });
    return id;
  }

  bodies(url: string): string[] {
    return this.queue(url).messages.map((m) => m.body);
  }

  messages(url: string): readonly ApiMessage[] {
    return this.queue(url).messages;
  }

  advance(seconds: number): void {
    this.now += seconds;
  }

  async receiveMessages(
    url: string,
    max: number,
  ): Promise<
    {
      MessageId: string;
      ReceiptHandle: string;
      Body: string;
      MessageAttributes?: ApiMessage['messageAttributes'];
      Attributes?: Record<string, string>;
    }[]
  > {
    if (max < 1 || max > 10) throw new Error(`InvalidParameterValue: MaxNumberOfMessages ${max}`);
    this.calls.push(`receive ${url}`);
    const out = [];
    for (const m of this.queue(url).messages) {
      if (out.length === max) break;
      if (m.visibleAt > this.now) continue;
      m.receipt = `r-${++this.next}`;
      m.visibleAt = this.now + this.visibilityTimeoutSeconds;
      out.push({
        MessageId: m.id,
        ReceiptHandle: m.receipt,
        Body: m.body,
        MessageAttributes: m.messageAttributes,
        Attributes: m.attributes,
      });
    }
    return out;
  }

  async sendMessage(input: {
    QueueUrl: string;
    MessageBody: string;
    MessageAttributes?: ApiMessage['messageAttributes'];
    MessageGroupId?: string;
    MessageDeduplicationId?: string;
  }): Promise<void> {
    this.calls.push(`send ${input.QueueUrl}`);
    const q = this.queue(input.QueueUrl);
    if (q.sendersAllowed && !q.sendersAllowed.includes(this.principal)) {
      throw new Error(`AccessDenied: ${this.principal} may not sqs:SendMessage to ${input.QueueUrl}`);
    }
    if (input.QueueUrl.endsWith('.fifo') && !input.MessageGroupId) {
      throw new Error('MissingParameter: MessageGroupId is required for FIFO queues');
    }
    this.deliver(input.QueueUrl, input.MessageBody, {
      messageAttributes: input.MessageAttributes,
      attributes: {
        ...(input.MessageGroupId ? { MessageGroupId: input.MessageGroupId } : {}),
        ...(input.MessageDeduplicationId ? { MessageDeduplicationId: input.MessageDeduplicationId } : {}),
      },
    });
  }

  async deleteMessage(url: string, receiptHandle: string): Promise<void> {
    this.calls.push(`delete ${url}`);
    const q = this.queue(url);
    const i = q.messages.findIndex((m) => m.receipt === receiptHandle);
    if (i < 0) throw new Error(`ReceiptHandleIsInvalid: ${receiptHandle}`);
    q.messages.splice(i, 1);
  }

  private queue(url: string): { messages: ApiMessage[]; sendersAllowed?: string[] } {
    const q = this.queues.get(url);
    if (!q) throw new Error(`AWS.SimpleQueueService.NonExistentQueue: ${url}`);
    return q;
  }
}
