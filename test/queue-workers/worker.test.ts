// The queue worker against a local SQS that speaks the JSON protocol (sqs-json-server.ts): a real
// SQSClient and sqs-consumer, real (short) visibility timeouts. Scale-in protection goes through a real
// AutoScalingClient to a fake Auto Scaling endpoint that also serves the instance metadata (IMDSv2).
import * as http from 'http';
import { AddressInfo } from 'net';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  createWorker,
  imdsInstanceId,
  JobTimeoutError,
  settingsFromEnv,
  WorkerStoppingError,
  type Job,
  type Logger,
  type Worker,
  type WorkerDeps,
  type WorkerSettings,
} from '../../lib/queue-workers/runtime/worker';
import { SqsJsonServer } from './sqs-json-server';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

let server: SqsJsonServer;
let sqs: SQSClient;
const workers: Worker[] = [];
let queueCounter = 0;

interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      entries.push({ level, msg, ...fields });
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh queue (with its DLQ) per test, so tests cannot see each other's messages. */
function queues(maxReceiveCount = 3, visibilityTimeoutSeconds = 2) {
  queueCounter += 1;
  const dlq = `dlq-${queueCounter}`;
  const name = `work-${queueCounter}`;
  server.createQueue(dlq);
  const url = server.createQueue(name, {
    visibilityTimeoutSeconds,
    redrive: { deadLetterQueue: dlq, maxReceiveCount },
  });
  return { name, url, dlq };
}

function startWorker(
  settings: Partial<WorkerSettings> & { queueUrl: string },
  job: Job,
  extra: Partial<WorkerDeps> = {},
) {
  const logger = recordingLogger();
  const worker = createWorker({
    sqs,
    logger,
    job,
    settings: {
      visibilityTimeoutSeconds: 2,
      heartbeatSeconds: 1,
      jobTimeoutSeconds: 60,
      batchSize: 1,
      ...settings,
    },
    ...extra,
  });
  workers.push(worker);
  worker.start();
  return { worker, logger };
}

beforeAll(async () => {
  server = await SqsJsonServer.start();
  sqs = new SQSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

afterAll(async () => {
  sqs.destroy();
  await server.close();
});

describe('processing', () => {
  test('a job that succeeds gets its message deleted, once', async () => {
    const q = queues();
    const bodies: string[] = [];
    server.send(q.name, 'hello');
    const { logger } = startWorker({ queueUrl: q.url }, async (body) => {
      bodies.push(body);
    });
    await waitFor(() => logger.entries.some((e) => e.msg.startsWith('job succeeded')), 5000, 'success');
    expect(server.messages(q.name)).toHaveLength(0);
    expect(bodies).toEqual(['hello']);
    expect(server.callsOf('ReceiveMessage', q.name)[0].input).toMatchObject({
      WaitTimeSeconds: 20,
      MaxNumberOfMessages: 1,
      VisibilityTimeout: 2,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'job succeeded; message deleted', receiveCount: 1 }),
    );
  });

  test('the heartbeat keeps a job that outlives the visibility timeout invisible: no second delivery', async () => {
    const q = queues();
    let calls = 0;
    const visibleDuringJob: boolean[] = [];
    server.send(q.name, 'long job');
    const job: Job = async () => {
      calls += 1;
      // 3.2 s: beyond the 2 s visibility timeout; sample the message's state as another consumer would see it.
      for (let i = 0; i < 4; i++) {
        await sleep(800);
        visibleDuringJob.push(...server.messages(q.name).map((m) => m.visible));
      }
    };
    startWorker({ queueUrl: q.url }, job);
    // A second worker on the same queue would take the message as soon as it became visible.
    startWorker({ queueUrl: q.url }, job);
    await waitFor(() => server.messages(q.name).length === 0, 8000, 'delete');
    expect(calls).toBe(1);
    expect(visibleDuringJob).toEqual([false, false, false, false]);
    const heartbeats = server.callsOf('ChangeMessageVisibility', q.name);
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(heartbeats.every((c) => c.input.VisibilityTimeout === 2)).toBe(true);
  });

  test('a failing job: the message reappears after the visibility timeout, then goes to the DLQ after maxReceiveCount', async () => {
    const q = queues(2);
    const attempts: { at: number; receiveCount: number }[] = [];
    server.send(q.name, 'always fails');
    const { logger } = startWorker({ queueUrl: q.url }, async (_body, ctx) => {
      attempts.push({ at: Date.now(), receiveCount: ctx.receiveCount });
      throw new Error('downstream unavailable');
    });
    await waitFor(() => server.messages(q.dlq).length === 1, 8000, 'DLQ');
    expect(attempts.map((a) => a.receiveCount)).toEqual([1, 2]);
    // Not reset to 0 on failure: the retry waited for the visibility timeout (2 s).
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(1900);
    expect(
      server.callsOf('ChangeMessageVisibility', q.name).some((c) => c.input.VisibilityTimeout === 0),
    ).toBe(false);
    expect(server.callsOf('DeleteMessage', q.name)).toHaveLength(0);
    expect(server.messages(q.name)).toHaveLength(0);
    expect(server.messages(q.dlq)[0]).toMatchObject({ body: 'always fails', receiveCount: 2 });
    expect(logger.entries.filter((e) => e.msg.startsWith('job failed'))).toEqual([
      expect.objectContaining({ level: 'warn', retryable: true, error: 'downstream unavailable' }),
      expect.objectContaining({ level: 'warn', retryable: true, error: 'downstream unavailable' }),
    ]);
  });

  test('a job past JOB_TIMEOUT_SECONDS is aborted and fails; its message is kept', async () => {
    const q = queues();
    let reason: unknown;
    server.send(q.name, 'slow');
    const { logger } = startWorker({ queueUrl: q.url, jobTimeoutSeconds: 1 }, (_body, { signal }) => {
      signal.addEventListener('abort', () => (reason = signal.reason));
      return new Promise(() => undefined); // never settles on its own
    });
    await waitFor(() => logger.entries.some((e) => e.msg.startsWith('job failed')), 4000, 'timeout');
    expect(reason).toBeInstanceOf(JobTimeoutError);
    expect(logger.entries.find((e) => e.msg.startsWith('job failed'))).toMatchObject({
      errorName: 'JobTimeoutError',
      retryable: true,
    });
    expect(server.messages(q.name)).toHaveLength(1);
    expect(server.callsOf('DeleteMessage', q.name)).toHaveLength(0);
  });
});

describe('stop', () => {
  test('stop() mid-job aborts the job and makes its message visible again at once', async () => {
    const q = queues();
    let reason: unknown;
    let running = false;
    server.send(q.name, 'interrupted');
    const { worker, logger } = startWorker({ queueUrl: q.url }, (_body, { signal }) => {
      running = true;
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          reason = signal.reason;
          reject(signal.reason);
        }),
      );
    });
    await waitFor(() => running, 3000, 'job start');
    const before = Date.now();
    await worker.stop();
    expect(Date.now() - before).toBeLessThan(1000);
    expect(reason).toBeInstanceOf(WorkerStoppingError);
    expect(server.messages(q.name)).toEqual([expect.objectContaining({ visible: true, receiveCount: 1 })]);
    expect(server.callsOf('ChangeMessageVisibility', q.name).map((c) => c.input.VisibilityTimeout)).toContain(
      0,
    );
    expect(server.callsOf('DeleteMessage', q.name)).toHaveLength(0);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ msg: 'job aborted by shutdown; message returned to the queue' }),
    );
    // Stopped means stopped: no more receives.
    const receives = server.callsOf('ReceiveMessage', q.name).length;
    await sleep(300);
    expect(server.callsOf('ReceiveMessage', q.name)).toHaveLength(receives);
  });

  test('stop() does not wait for a job that ignores its abort signal', async () => {
    const q = queues();
    let running = false;
    server.send(q.name, 'stubborn');
    let timer: NodeJS.Timeout | undefined;
    const { worker } = startWorker({ queueUrl: q.url }, () => {
      running = true;
      return new Promise((r) => (timer = setTimeout(r, 5000)));
    });
    await waitFor(() => running, 3000, 'job start');
    const before = Date.now();
    await worker.stop();
    expect(Date.now() - before).toBeLessThan(1000);
    expect(server.messages(q.name)).toEqual([expect.objectContaining({ visible: true })]);
    clearTimeout(timer);
  });

  test('stop() on an idle worker cancels its long poll at once', async () => {
    const q = queues();
    const { worker } = startWorker({ queueUrl: q.url }, async () => undefined);
    await waitFor(() => server.callsOf('ReceiveMessage', q.name).length > 0, 3000, 'first receive');
    const before = Date.now();
    await worker.stop();
    expect(Date.now() - before).toBeLessThan(1000);
    // A message sent now stays in the queue: the cancelled long poll took nothing.
    server.send(q.name, 'after stop');
    await sleep(200);
    expect(server.messages(q.name)).toEqual([expect.objectContaining({ visible: true, receiveCount: 0 })]);
  });
});

describe('priority queue', () => {
  test('priority messages are processed before standard ones when both queues hold messages', async () => {
    const standard = queues();
    const priority = queues();
    for (let i = 1; i <= 3; i++) {
      server.send(standard.name, `standard-${i}`);
      server.send(priority.name, `priority-${i}`);
    }
    const order: string[] = [];
    startWorker({ queueUrl: standard.url, priorityQueueUrl: priority.url }, async (body, ctx) => {
      order.push(`${ctx.queue}:${body}`);
      await sleep(50);
    });
    await waitFor(() => order.length === 6, 8000, 'all six jobs');
    expect(order.slice(0, 3)).toEqual(['priority:priority-1', 'priority:priority-2', 'priority:priority-3']);
    expect(order.slice(3).sort()).toEqual([
      'standard:standard-1',
      'standard:standard-2',
      'standard:standard-3',
    ]);
    // The standard queue was not polled until the priority queue came back empty.
    const firstStandardReceive = server.callsOf('ReceiveMessage', standard.name)[0].at;
    const priorityDeletes = server.callsOf('DeleteMessage', priority.name).map((c) => c.at);
    expect(firstStandardReceive).toBeGreaterThanOrEqual(Math.max(...priorityDeletes));
  });

  test('a priority queue whose receives fail (deleted, no permission) does not starve the standard queue', async () => {
    const standard = queues();
    server.send(standard.name, 'still served');
    const done: string[] = [];
    const missing = standard.url.replace(/[^/]+$/, 'no-such-priority-queue');
    const { logger } = startWorker({ queueUrl: standard.url, priorityQueueUrl: missing }, async (body) => {
      done.push(body);
    });
    await waitFor(() => done.length === 1, 5000, 'the standard job');
    expect(done).toEqual(['still served']);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'sqs call failed', queue: 'priority' }),
    );
  });

  test('receive errors back off (1 s, 2 s, ... up to a minute) instead of a tight loop of calls and logs', async () => {
    // sqs-consumer pauses 10 s after credential, missing-queue and throttling errors, but polls again at once
    // after any other (a 500): the worker adds its own pause. Receives of the priority queue fail with a 500.
    const standard = queues();
    const priority = queues();
    // The options (the abort signal stop() uses to cancel a long poll) go through with the command: without
    // them, stopping the worker after the test waited out the standard queue's 20 s long poll.
    const failing: Pick<SQSClient, 'send'> = {
      send: ((command: { input: { QueueUrl?: string }; constructor: { name: string } }, options?: object) =>
        command.constructor.name === 'ReceiveMessageCommand' && command.input.QueueUrl === priority.url
          ? Promise.reject(
              Object.assign(new Error('We encountered an internal error.'), {
                name: 'InternalError',
                $metadata: { httpStatusCode: 500 },
              }),
            )
          : sqs.send(command as never, options as never)) as SQSClient['send'],
    };
    const { logger } = startWorker(
      { queueUrl: standard.url, priorityQueueUrl: priority.url },
      async () => undefined,
      {
        sqs: failing as SQSClient,
      },
    );
    await sleep(3500);
    const failures = logger.entries.filter((e) => e.msg === 'sqs call failed' && e.queue === 'priority');
    // At 0 s, then after 1 s and 2 s more: three receives in 3.5 s (without the pause: hundreds).
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures.length).toBeLessThanOrEqual(4);
  });
});

describe('scale-in protection', () => {
  interface AsgCall {
    readonly group: string;
    readonly instanceIds: string[];
    readonly protect: boolean;
  }
  let fake: http.Server;
  let endpoint: string;
  const asgCalls: AsgCall[] = [];
  let asgFails = false;

  // Instance metadata (IMDSv2) and the Auto Scaling Query API on one port.
  beforeAll(async () => {
    fake = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'PUT' && req.url === '/latest/api/token') {
          if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.writeHead(400).end();
          return void res.writeHead(200).end('imds-token');
        }
        if (req.method === 'GET' && req.url === '/latest/meta-data/instance-id') {
          // IMDSv2 only, as the launch template should require.
          if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-token') return void res.writeHead(401).end();
          return void res.writeHead(200).end('i-0123456789abcdef0');
        }
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        if (req.method === 'POST' && form.get('Action') === 'SetInstanceProtection') {
          if (asgFails) {
            res.writeHead(400, { 'content-type': 'text/xml' });
            return void res.end(
              '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>The instance is not part of the group</Message></Error><RequestId>r</RequestId></ErrorResponse>',
            );
          }
          asgCalls.push({
            group: form.get('AutoScalingGroupName') ?? '',
            instanceIds: [...form.entries()]
              .filter(([k]) => k.startsWith('InstanceIds.member.'))
              .map(([, v]) => v),
            protect: form.get('ProtectedFromScaleIn') === 'true',
          });
          res.writeHead(200, { 'content-type': 'text/xml' });
          return void res.end(
            '<SetInstanceProtectionResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><SetInstanceProtectionResult/><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SetInstanceProtectionResponse>',
          );
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    fake.closeAllConnections();
    await new Promise((r) => fake.close(r));
  });
  beforeEach(() => {
    asgCalls.length = 0;
    asgFails = false;
  });

  function protectedWorker(queueUrl: string, job: Job) {
    const autoScaling = new AutoScalingClient({ endpoint, region: 'us-east-1', credentials });
    const started = startWorker({ queueUrl, autoScalingGroupName: 'fleet-asg' }, job, {
      autoScaling,
      instanceId: imdsInstanceId(endpoint),
      protectionIdleGraceMs: 300,
    });
    return { ...started, autoScaling };
  }

  test('protected while a job runs, cleared once idle; back-to-back jobs do not flap it', async () => {
    const q = queues();
    const gates: (() => void)[] = [];
    let protectionSeenByJob: boolean[] = [];
    server.send(q.name, 'one');
    server.send(q.name, 'two');
    const { autoScaling } = protectedWorker(q.url, () => {
      protectionSeenByJob.push(asgCalls.at(-1)?.protect === true);
      return new Promise<void>((r) => gates.push(r));
    });
    await waitFor(() => gates.length === 1, 3000, 'first job');
    // The first call clears whatever a previous process left (see the restart test), then the job protects.
    expect(asgCalls).toEqual([
      { group: 'fleet-asg', instanceIds: ['i-0123456789abcdef0'], protect: false },
      { group: 'fleet-asg', instanceIds: ['i-0123456789abcdef0'], protect: true },
    ]);
    gates[0]();
    await waitFor(() => gates.length === 2, 3000, 'second job');
    gates[1]();
    await waitFor(() => asgCalls.length === 3, 3000, 'protection cleared');
    expect(asgCalls.map((c) => c.protect)).toEqual([false, true, false]);
    expect(protectionSeenByJob).toEqual([true, true]);
    expect(server.messages(q.name)).toHaveLength(0);
    protectionSeenByJob = [];
    autoScaling.destroy();
  });

  test('a worker restarted after a crash mid-job clears the protection the dead process left, with no job', async () => {
    const q = queues();
    const { autoScaling } = protectedWorker(q.url, async () => undefined);
    await waitFor(() => asgCalls.length === 1, 3000, 'reconcile at start');
    expect(asgCalls).toEqual([{ group: 'fleet-asg', instanceIds: ['i-0123456789abcdef0'], protect: false }]);
    autoScaling.destroy();
  });

  test('a failing SetInstanceProtection is logged and the job still runs', async () => {
    asgFails = true;
    const q = queues();
    server.send(q.name, 'still processed');
    const { logger, autoScaling } = protectedWorker(q.url, async () => undefined);
    await waitFor(() => server.messages(q.name).length === 0, 3000, 'delete');
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'could not change scale-in protection', protect: true }),
    );
    autoScaling.destroy();
  });
});

describe('settingsFromEnv', () => {
  const valid = {
    AWS_REGION: 'eu-west-1',
    QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
    PRIORITY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-priority',
    VISIBILITY_TIMEOUT_SECONDS: '60',
    HEARTBEAT_SECONDS: '20',
    JOB_TIMEOUT_SECONDS: '900',
    BATCH_SIZE: '5',
    AUTO_SCALING_GROUP_NAME: 'fleet-asg',
    RESULTS_BUCKET: 'receipts-bucket',
    RESULTS_PREFIX: 'receipts/',
  };

  test('reads a complete environment', () => {
    expect(settingsFromEnv(valid)).toEqual({
      region: 'eu-west-1',
      queueUrl: valid.QUEUE_URL,
      priorityQueueUrl: valid.PRIORITY_QUEUE_URL,
      visibilityTimeoutSeconds: 60,
      heartbeatSeconds: 20,
      jobTimeoutSeconds: 900,
      batchSize: 5,
      autoScalingGroupName: 'fleet-asg',
      resultsBucket: 'receipts-bucket',
      resultsPrefix: 'receipts/',
    });
  });

  test('optional variables may be absent', () => {
    const s = settingsFromEnv({
      ...valid,
      PRIORITY_QUEUE_URL: undefined,
      AUTO_SCALING_GROUP_NAME: '',
      RESULTS_PREFIX: undefined,
    });
    expect(s.priorityQueueUrl).toBeUndefined();
    expect(s.autoScalingGroupName).toBeUndefined();
    expect(s.resultsPrefix).toBe('');
  });

  test.each([
    ['AWS_REGION', undefined, /AWS_REGION is required/],
    ['AWS_REGION', 'Ireland', /AWS_REGION must be a region name/],
    ['QUEUE_URL', undefined, /QUEUE_URL is required/],
    ['QUEUE_URL', 'orders', /QUEUE_URL must be an SQS queue URL/],
    ['PRIORITY_QUEUE_URL', valid.QUEUE_URL, /PRIORITY_QUEUE_URL must differ from QUEUE_URL/],
    [
      'VISIBILITY_TIMEOUT_SECONDS',
      '1',
      /VISIBILITY_TIMEOUT_SECONDS must be an integer from 2 to 43200; got '1'/,
    ],
    ['VISIBILITY_TIMEOUT_SECONDS', '43201', /from 2 to 43200/],
    ['HEARTBEAT_SECONDS', '60', /HEARTBEAT_SECONDS must be an integer from 1 to 59; got '60'/],
    ['HEARTBEAT_SECONDS', '2.5', /HEARTBEAT_SECONDS must be an integer from 1 to 59/],
    ['JOB_TIMEOUT_SECONDS', '0', /JOB_TIMEOUT_SECONDS must be an integer from 1 to 43200/],
    ['BATCH_SIZE', '11', /BATCH_SIZE must be an integer from 1 to 10; got '11'/],
    ['BATCH_SIZE', undefined, /BATCH_SIZE is required/],
    ['AUTO_SCALING_GROUP_NAME', 'x'.repeat(256), /AUTO_SCALING_GROUP_NAME must be 1 to 255 characters/],
    ['RESULTS_BUCKET', 'Receipts_Bucket', /RESULTS_BUCKET must be an S3 bucket name/],
    ['RESULTS_PREFIX', 'receipts', /RESULTS_PREFIX must be empty or .* ending in '\/'/],
  ])('%s=%s is refused', (name, value, message) => {
    expect(() => settingsFromEnv({ ...valid, [name]: value })).toThrow(message);
  });
});
