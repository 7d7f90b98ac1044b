// A local SQS for worker tests: an HTTP server on 127.0.0.1 that speaks the SQS JSON protocol
// (POST, `X-Amz-Target: AmazonSQS.<Operation>`, `application/x-amz-json-1.0`), so a real SQSClient and
// sqs-consumer run against it unchanged: the SDK's serialisation, its MD5 checks of message bodies and
// sqs-consumer's own calls are all exercised.
//
// Modelled SQS behaviour (standard queues only):
// - ReceiveMessage long polling: with WaitTimeSeconds > 0 the request is held until a message is
//   visible or the wait ends (004 L722-725); a request the client gave up on (aborted) takes nothing.
// - Visibility timeout: a received message is hidden for the request's VisibilityTimeout or the
//   queue's, then visible again with a new receipt handle; ChangeMessageVisibility restarts the timer
//   from now (004 L721, L733-735). Only the latest receipt handle of a message is in flight.
// - Redrive: a visible message already received maxReceiveCount times moves to the dead-letter queue
//   instead of being delivered again (000 L26-27).
// - DeleteMessage with a stale receipt handle succeeds without deleting, as SQS documents ("the request
//   succeeds, but the message might not be deleted").
// Real time drives the timers (tests use 1-2 s visibility timeouts). Not modelled: FIFO, delay queues,
// message attributes, retention, permissions.
import * as crypto from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';

export interface QueueOptions {
  /** Default visibility timeout in seconds (SQS: 30). */
  readonly visibilityTimeoutSeconds?: number;
  /** Redrive policy: after this many receives a message moves to `deadLetterQueue`. */
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Epoch ms until which the message is invisible; 0 = visible. */
  invisibleUntil: number;
  /** The only receipt handle that can still change or delete the message. */
  receiptHandle?: string;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly options: QueueOptions;
  messages: StoredMessage[];
}

/** One API call as the server saw it (operation and parsed JSON input). */
export interface SqsCall {
  readonly operation: string;
  readonly queue?: string;
  readonly input: Record<string, unknown>;
  readonly at: number;
}

class SqsFault extends Error {
  constructor(
    readonly code: string,
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

const md5 = (s: string) => crypto.createHash('md5').update(s, 'utf8').digest('hex');

export class SqsJsonServer {
  /** Every call in arrival order; a test may empty it. */
  readonly calls: SqsCall[] = [];
  private readonly queues = new Map<string, Queue>();
  private readonly server: http.Server;
  private readonly waiters = new Set<() => void>();
  private baseUrl = '';

  private constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(): Promise<SqsJsonServer> {
    const s = new SqsJsonServer();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.baseUrl = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  /** The SQS endpoint to give an SQSClient. */
  get endpoint(): string {
    return this.baseUrl;
  }

  createQueue(name: string, options: QueueOptions = {}): string {
    const url = `${this.baseUrl}/000000000000/${name}`;
    this.queues.set(name, { name, url, options, messages: [] });
    return url;
  }

  /** Sends a message as a producer would (bypassing HTTP); returns its MessageId. */
  send(queue: string, body: string): string {
    const messageId = crypto.randomUUID();
    this.queue(queue).messages.push({
      messageId,
      body,
      sentAt: Date.now(),
      receiveCount: 0,
      invisibleUntil: 0,
    });
    this.wake();
    return messageId;
  }

  /** A snapshot of the queue's messages, visible or not. */
  messages(queue: string): ReadonlyArray<{
    messageId: string;
    body: string;
    receiveCount: number;
    visible: boolean;
  }> {
    const now = Date.now();
    return this.queue(queue).messages.map((m) => ({
      messageId: m.messageId,
      body: m.body,
      receiveCount: m.receiveCount,
      visible: m.invisibleUntil <= now,
    }));
  }

  /** Calls of one operation (e.g. 'ChangeMessageVisibility'), optionally for one queue. */
  callsOf(operation: string, queue?: string): SqsCall[] {
    return this.calls.filter((c) => c.operation === operation && (!queue || c.queue === queue));
  }

  async close(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private queue(nameOrUrl: unknown): Queue {
    const name = typeof nameOrUrl === 'string' ? nameOrUrl.split('/').pop() : undefined;
    const q = name ? this.queues.get(name) : undefined;
    if (!q) {
      throw new SqsFault(
        'com.amazonaws.sqs#QueueDoesNotExist',
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
      );
    }
    return q;
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const contentType = String(req.headers['content-type'] ?? '');
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': crypto.randomUUID(),
          ...headers,
        });
        res.end(JSON.stringify(body));
      };
      const fault = (f: SqsFault) =>
        reply(400, { __type: f.code, message: f.message }, { 'x-amzn-query-error': `${f.queryCode};Sender` });
      if (
        req.method !== 'POST' ||
        !target.startsWith('AmazonSQS.') ||
        !contentType.startsWith('application/x-amz-json-1.0')
      ) {
        fault(
          new SqsFault(
            'com.amazon.coral.service#UnknownOperationException',
            'UnknownOperation',
            `not an SQS JSON request: ${req.method} ${target} ${contentType}`,
          ),
        );
        return;
      }
      const operation = target.slice('AmazonSQS.'.length);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        fault(
          new SqsFault(
            'com.amazonaws.sqs#InvalidParameterValue',
            'InvalidParameterValue',
            'body is not JSON',
          ),
        );
        return;
      }
      const queueName = typeof input.QueueUrl === 'string' ? input.QueueUrl.split('/').pop() : undefined;
      this.calls.push({ operation, queue: queueName, input, at: Date.now() });
      this.dispatch(operation, input, res).then(
        (out) => reply(200, out),
        (err: unknown) => {
          if (err instanceof SqsFault) fault(err);
          else reply(500, { __type: 'InternalFailure', message: String(err) });
        },
      );
    });
  }

  private async dispatch(
    operation: string,
    input: Record<string, unknown>,
    res: http.ServerResponse,
  ): Promise<unknown> {
    switch (operation) {
      case 'SendMessage': {
        const body = String(input.MessageBody ?? '');
        const messageId = this.send(this.queue(input.QueueUrl).name, body);
        return { MessageId: messageId, MD5OfMessageBody: md5(body) };
      }
      case 'ReceiveMessage':
        return this.receive(input, res);
      case 'DeleteMessage':
        this.delete(this.queue(input.QueueUrl), String(input.ReceiptHandle));
        return {};
      case 'DeleteMessageBatch': {
        const q = this.queue(input.QueueUrl);
        return this.batch(input.Entries, (e) => this.delete(q, String(e.ReceiptHandle)));
      }
      case 'ChangeMessageVisibility':
        this.changeVisibility(
          this.queue(input.QueueUrl),
          String(input.ReceiptHandle),
          Number(input.VisibilityTimeout),
        );
        return {};
      case 'ChangeMessageVisibilityBatch': {
        const q = this.queue(input.QueueUrl);
        return this.batch(input.Entries, (e) =>
          this.changeVisibility(q, String(e.ReceiptHandle), Number(e.VisibilityTimeout)),
        );
      }
      case 'GetQueueAttributes': {
        const q = this.queue(input.QueueUrl);
        this.redriveExhausted(q);
        const now = Date.now();
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(q.messages.filter((m) => m.invisibleUntil <= now).length),
            ApproximateNumberOfMessagesNotVisible: String(
              q.messages.filter((m) => m.invisibleUntil > now).length,
            ),
            VisibilityTimeout: String(q.options.visibilityTimeoutSeconds ?? 30),
            ...(q.options.redrive
              ? {
                  RedrivePolicy: JSON.stringify({
                    deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${q.options.redrive.deadLetterQueue}`,
                    maxReceiveCount: q.options.redrive.maxReceiveCount,
                  }),
                }
              : {}),
          },
        };
      }
      default:
        throw new SqsFault(
          'com.amazon.coral.service#UnknownOperationException',
          'UnknownOperation',
          `operation ${operation} is not modelled`,
        );
    }
  }

  private batch(entries: unknown, fn: (e: Record<string, unknown>) => void) {
    const Successful: { Id: unknown }[] = [];
    const Failed: { Id: unknown; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const e of (entries ?? []) as Record<string, unknown>[]) {
      try {
        fn(e);
        Successful.push({ Id: e.Id });
      } catch (err) {
        if (!(err instanceof SqsFault)) throw err;
        Failed.push({ Id: e.Id, SenderFault: true, Code: err.queryCode, Message: err.message });
      }
    }
    return { Successful, Failed };
  }

  private findByHandle(q: Queue, handle: string): StoredMessage | undefined {
    return q.messages.find((m) => m.receiptHandle === handle);
  }

  private delete(q: Queue, handle: string): void {
    if (!handle.startsWith('rh-')) {
      throw new SqsFault(
        'com.amazonaws.sqs#ReceiptHandleIsInvalid',
        'ReceiptHandleIsInvalid',
        `invalid receipt handle ${handle}`,
      );
    }
    q.messages = q.messages.filter((m) => m.receiptHandle !== handle);
  }

  private changeVisibility(q: Queue, handle: string, seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43200) {
      throw new SqsFault(
        'com.amazonaws.sqs#InvalidParameterValue',
        'InvalidParameterValue',
        `VisibilityTimeout ${seconds} out of 0-43200`,
      );
    }
    const m = this.findByHandle(q, handle);
    if (!m || m.invisibleUntil <= Date.now()) {
      throw new SqsFault(
        'com.amazonaws.sqs#MessageNotInflight',
        'AWS.SimpleQueueService.MessageNotInflight',
        'Message does not exist or is not available for visibility timeout change.',
      );
    }
    m.invisibleUntil = seconds === 0 ? 0 : Date.now() + seconds * 1000;
    if (seconds === 0) this.wake();
  }

  /** Moves visible messages that used up maxReceiveCount to the dead-letter queue. */
  private redriveExhausted(q: Queue): void {
    const redrive = q.options.redrive;
    if (!redrive) return;
    const now = Date.now();
    const dlq = this.queue(redrive.deadLetterQueue);
    const [exhausted, kept] = [
      q.messages.filter((m) => m.invisibleUntil <= now && m.receiveCount >= redrive.maxReceiveCount),
      q.messages.filter((m) => !(m.invisibleUntil <= now && m.receiveCount >= redrive.maxReceiveCount)),
    ];
    q.messages = kept;
    for (const m of exhausted) {
      dlq.messages.push({ ...m, invisibleUntil: 0, receiptHandle: undefined });
    }
  }

  private takeVisible(q: Queue, max: number, visibilitySeconds: number) {
    this.redriveExhausted(q);
    const now = Date.now();
    const taken = q.messages.filter((m) => m.invisibleUntil <= now).slice(0, max);
    for (const m of taken) {
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.invisibleUntil = now + visibilitySeconds * 1000;
      m.receiptHandle = `rh-${crypto.randomUUID()}`;
    }
    return taken;
  }

  private async receive(input: Record<string, unknown>, res: http.ServerResponse) {
    const q = this.queue(input.QueueUrl);
    const max = Number(input.MaxNumberOfMessages ?? 1);
    const wait = Number(input.WaitTimeSeconds ?? 0);
    const visibility = Number(input.VisibilityTimeout ?? q.options.visibilityTimeoutSeconds ?? 30);
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw new SqsFault(
        'com.amazonaws.sqs#InvalidParameterValue',
        'InvalidParameterValue',
        `MaxNumberOfMessages ${max} out of 1-10`,
      );
    }
    if (!Number.isInteger(wait) || wait < 0 || wait > 20) {
      throw new SqsFault(
        'com.amazonaws.sqs#InvalidParameterValue',
        'InvalidParameterValue',
        `WaitTimeSeconds ${wait} out of 0-20`,
      );
    }
    const wanted = new Set([
      ...((input.AttributeNames as string[] | undefined) ?? []),
      ...((input.MessageSystemAttributeNames as string[] | undefined) ?? []),
    ]);
    // Before the reply is written, 'close' means the client gave up (an aborted long poll).
    let gone = false;
    res.once('close', () => (gone = true));
    const deadline = Date.now() + wait * 1000;
    let taken = gone ? [] : this.takeVisible(q, max, visibility);
    while (taken.length === 0 && !gone && Date.now() < deadline) {
      // Woken by a send or a visibility reset; a 50 ms tick catches expiring visibility timeouts.
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(50, Math.max(0, deadline - Date.now())));
        this.waiters.add(wake);
      });
      if (!this.server.listening) break;
      taken = gone ? [] : this.takeVisible(q, max, visibility);
    }
    const attrs = (m: StoredMessage): Record<string, string> => {
      const all: Record<string, string> = {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
      };
      if (wanted.has('All')) return all;
      return Object.fromEntries(Object.entries(all).filter(([k]) => wanted.has(k)));
    };
    if (taken.length === 0) return {};
    return {
      Messages: taken.map((m) => ({
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: md5(m.body),
        Body: m.body,
        ...(wanted.size > 0 ? { Attributes: attrs(m) } : {}),
      })),
    };
  }
}
