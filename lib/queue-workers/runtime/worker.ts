// Queue worker that runs on the fleet's EC2 instances (runtime code: never imports aws-cdk-lib). esbuild
// bundles it with the demo job into one CommonJS file; systemd runs it with Node.js 24 and sends SIGTERM
// to stop it.
//
// SQS semantics the worker is built around:
// - Long polling (WaitTimeSeconds 20): a receive waits until a message arrives instead of returning
//   empty at once, fewer empty (billed) receives and no busy loop (004 L722-725, L737-739).
// - At-least-once delivery: a message is deleted only after its job succeeded, and may still arrive twice,
//   so jobs must be idempotent (000 L22, L30; 001 L4325).
// - Visibility timeout: a received message stays hidden for the queue's visibility timeout; a job that
//   may run longer extends it with ChangeMessageVisibility while it runs (heartbeat, 004 L721, L733-735).
//   A failed job is not deleted: the message reappears once the timeout ends, and after the queue's
//   maxReceiveCount receives SQS moves it to the dead-letter queue. So an ordinary failure must NOT reset
//   the visibility to 0: that would retry at once and burn through maxReceiveCount in a tight loop.
// - Priority: "use 2 SQS queues ... poll the payment SQS queue first. If this queue is empty, then poll
//   the promotional emails queue" (004 L729-731). See `createWorker` for how the two consumers share it.
//
// The polling itself is sqs-consumer's (Consumer.create); see the note lines in `createWorker` for where
// its 14.2.8 behaviour needed working around.
import {
  AutoScalingClient,
  SetInstanceProtectionCommand,
  type SetInstanceProtectionCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { fulfilOrderJob } from './fulfil-order';

/** What the worker needs to know about its queues and jobs. */
export interface WorkerSettings {
  readonly queueUrl: string;
  /** Polled before `queueUrl`; the standard queue is read only while this one is empty. */
  readonly priorityQueueUrl?: string;
  /** The queues' visibility timeout; every heartbeat re-extends a running job's message to it. */
  readonly visibilityTimeoutSeconds: number;
  /** How often the heartbeat extends the visibility timeout (< visibilityTimeoutSeconds). */
  readonly heartbeatSeconds: number;
  /** A job running longer is aborted and counts as failed. */
  readonly jobTimeoutSeconds: number;
  /** Messages per receive (1-10), processed concurrently. */
  readonly batchSize: number;
  /** When set, the worker protects its own instance from scale-in while a job runs. */
  readonly autoScalingGroupName?: string;
}

/** Everything the systemd unit passes in (the environment contract with the construct). */
export interface Settings extends WorkerSettings {
  readonly region: string;
  readonly resultsBucket: string;
  /** '' or ending in '/': the receipt key is `<prefix><orderId>.json`. */
  readonly resultsPrefix: string;
}

/** SQS's upper bound for a visibility timeout, and for how long a message can stay in flight: 12 hours. */
const SQS_MAX_VISIBILITY_SECONDS = 43200;

/** Reads and checks the environment; throws naming the variable and its allowed values. */
export function settingsFromEnv(env: Record<string, string | undefined>): Settings {
  const text = (name: string, required: boolean): string | undefined => {
    const v = env[name];
    if (v === undefined || v.trim() === '') {
      if (required) throw new Error(`${name} is required and must not be empty`);
      return undefined;
    }
    return v.trim();
  };
  const int = (name: string, min: number, max: number): number => {
    const raw = text(name, true) as string;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new Error(`${name} must be an integer from ${min} to ${max}; got '${raw}'`);
    }
    return n;
  };
  const queueUrl = (name: string, required: boolean): string | undefined => {
    const v = text(name, required);
    if (v !== undefined && !/^https?:\/\/[^/\s]+\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(v)) {
      throw new Error(
        `${name} must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<12-digit account>/<name>); got '${v}'`,
      );
    }
    return v;
  };

  const region = text('AWS_REGION', true) as string;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new Error(`AWS_REGION must be a region name such as eu-west-1; got '${region}'`);
  }
  const standard = queueUrl('QUEUE_URL', true) as string;
  const priority = queueUrl('PRIORITY_QUEUE_URL', false);
  if (priority === standard) {
    throw new Error('PRIORITY_QUEUE_URL must differ from QUEUE_URL');
  }
  // The heartbeat needs at least a second between extensions, so the timeout is at least 2 s.
  const visibilityTimeoutSeconds = int('VISIBILITY_TIMEOUT_SECONDS', 2, SQS_MAX_VISIBILITY_SECONDS);
  const heartbeatSeconds = int('HEARTBEAT_SECONDS', 1, visibilityTimeoutSeconds - 1);
  // SQS refuses to extend a message past 12 hours after it was received, so no heartbeat can keep a
  // longer job's message hidden.
  const jobTimeoutSeconds = int('JOB_TIMEOUT_SECONDS', 1, SQS_MAX_VISIBILITY_SECONDS);
  const batchSize = int('BATCH_SIZE', 1, 10);
  const autoScalingGroupName = text('AUTO_SCALING_GROUP_NAME', false);
  if (autoScalingGroupName !== undefined && autoScalingGroupName.length > 255) {
    throw new Error('AUTO_SCALING_GROUP_NAME must be 1 to 255 characters');
  }
  const resultsBucket = text('RESULTS_BUCKET', true) as string;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(resultsBucket)) {
    throw new Error(
      `RESULTS_BUCKET must be an S3 bucket name (3-63 characters: a-z, 0-9, '.', '-'); got '${resultsBucket}'`,
    );
  }
  const resultsPrefix = env.RESULTS_PREFIX ?? '';
  if (
    resultsPrefix !== '' &&
    (!resultsPrefix.endsWith('/') || resultsPrefix.startsWith('/') || resultsPrefix.length > 512)
  ) {
    throw new Error(
      `RESULTS_PREFIX must be empty or a key prefix of at most 512 characters ending in '/' and not starting with '/'; got '${resultsPrefix}'`,
    );
  }
  return {
    region,
    queueUrl: standard,
    ...(priority ? { priorityQueueUrl: priority } : {}),
    visibilityTimeoutSeconds,
    heartbeatSeconds,
    jobTimeoutSeconds,
    batchSize,
    ...(autoScalingGroupName ? { autoScalingGroupName } : {}),
    resultsBucket,
    resultsPrefix,
  };
}

/** Structured logging: one JSON object per line. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** An error as a log field (Error objects serialise to `{}`). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  const cause = err.cause instanceof Error ? { cause: `${err.cause.name}: ${err.cause.message}` } : {};
  return { errorName: err.name, error: err.message, ...cause };
}

/** Logs to stdout as JSON lines, which journald keeps one entry per line (and the CloudWatch agent ships). */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  minLevel: 'debug' | 'info' = 'info',
): Logger {
  const log =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (level === 'debug' && minLevel !== 'debug') return;
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** What a job gets besides the message body. */
export interface JobContext {
  /** Aborted when the job times out or the worker stops; the job should give up promptly. */
  readonly signal: AbortSignal;
  readonly messageId: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  readonly queue: 'priority' | 'standard';
  readonly logger: Logger;
}

/**
 * The work for one message. Resolving deletes the message; throwing leaves it for another attempt after
 * the visibility timeout. An error with `retryable === false` is logged as non-retryable; its message
 * still takes the dead-letter path (the worker does not delete what it could not process).
 */
export type Job = (body: string, context: JobContext) => Promise<void>;

/** Why a job's signal was aborted. */
export class JobTimeoutError extends Error {
  constructor(seconds: number) {
    super(`job exceeded JOB_TIMEOUT_SECONDS (${seconds} s)`);
    this.name = 'JobTimeoutError';
  }
}
export class WorkerStoppingError extends Error {
  constructor() {
    super('worker is stopping; message returned to the queue');
    this.name = 'WorkerStoppingError';
  }
}

export interface WorkerDeps {
  readonly sqs: SQSClient;
  readonly settings: WorkerSettings;
  readonly job: Job;
  readonly logger: Logger;
  /** Needed with settings.autoScalingGroupName. */
  readonly autoScaling?: Pick<AutoScalingClient, 'send'>;
  /** This instance's id (default: from the instance metadata service). */
  readonly instanceId?: () => Promise<string>;
  /** How long the worker must be idle before it clears scale-in protection (default 5000 ms). */
  readonly protectionIdleGraceMs?: number;
}

export interface Worker {
  start(): void;
  /** Stops receiving, aborts running jobs and returns their messages to the queue; resolves when done. */
  stop(): Promise<void>;
}

/**
 * WaitTimeSeconds of a priority receive right after priority messages were seen. A long poll (unlike a
 * short one, WaitTimeSeconds 0) queries all SQS servers, so an empty answer means the queue is empty;
 * one second bounds how long the standard queue waits after a priority burst. Once a priority receive
 * comes back empty the consumer goes back to 20 s long polls.
 */
const PRIORITY_RECHECK_WAIT_SECONDS = 1;
const LONG_POLL_SECONDS = 20;
/** The longest pause between two receives after receive errors. */
const MAX_RECEIVE_BACKOFF_MS = 60_000;

/**
 * Priority design: one sqs-consumer Consumer per queue, both running. The standard consumer's
 * `preReceiveMessageCallback` holds each standard receive until the priority consumer's latest receive
 * came back empty (`empty` event opens the gate, `message_received` closes it). So the standard queue is
 * only polled while the priority queue is empty, and a standard receive never waits behind a 20 s
 * priority long poll: after priority messages the priority consumer re-checks with a 1 s long poll, and
 * only when that is empty does it go back to 20 s (updateOption('waitTimeSeconds')). Priority messages
 * arriving while standard jobs run are received at once by the priority consumer (its long poll is
 * running), so up to 2 x BATCH_SIZE jobs can run together. Stopping and restarting the standard
 * consumer instead would be racy in 14.2.8: start() after stop() polls again while the old long poll may
 * still be pending, giving two poll loops.
 */
export function createWorker(deps: WorkerDeps): Worker {
  const { sqs, settings, job, logger } = deps;
  let stopping = false;
  let started = false;
  const inFlight = new Map<string, { readonly controller: AbortController; readonly done: Promise<void> }>();
  // Aborted by stop(): ends a receive backoff at once.
  const stopController = new AbortController();
  const protection = new ScaleInProtection(deps);

  // Gate for the standard queue: open while the priority queue is known to be empty.
  let gateOpen = !settings.priorityQueueUrl;
  let gateWaiters: (() => void)[] = [];
  const openGate = () => {
    gateOpen = true;
    const waiters = gateWaiters;
    gateWaiters = [];
    waiters.forEach((w) => w());
  };

  // The worker returns and deletes messages with its own calls, not the consumer's: stop({ abort: true })
  // aborts the consumer's AbortController, which 14.2.8 passes to every SQS call it makes (receive,
  // heartbeat, delete, terminateVisibilityTimeout), so its delete of a job that just finished, or a
  // visibility reset on shutdown, would be cancelled too.
  const release = async (queueUrl: string, message: Message) => {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    } catch (err) {
      // e.g. the receipt handle expired: the message is visible again anyway.
      logger.warn('could not return message to the queue', {
        messageId: message.MessageId,
        ...errorFields(err),
      });
    }
  };

  const handle = (role: 'priority' | 'standard', queueUrl: string) => async (message: Message) => {
    const fields = {
      queue: role,
      messageId: message.MessageId,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    };
    if (stopping) {
      // A receive that completed while stop() ran: hand the message straight back.
      await release(queueUrl, message);
      throw new WorkerStoppingError();
    }
    const controller = new AbortController();
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const key = `${role}:${message.ReceiptHandle}`;
    inFlight.set(key, { controller, done });
    const startedAt = Date.now();
    // Not sqs-consumer's handleMessageTimeout: in 14.2.8 it only races the handler and leaves the job
    // running; the abort signal lets the job stop its own work.
    const timer = setTimeout(
      () => controller.abort(new JobTimeoutError(settings.jobTimeoutSeconds)),
      settings.jobTimeoutSeconds * 1000,
    );
    try {
      await protection.jobStarted();
      logger.info('job started', fields);
      await untilAborted(
        job(message.Body ?? '', {
          signal: controller.signal,
          messageId: message.MessageId ?? '',
          receiveCount: fields.receiveCount,
          queue: role,
          logger,
        }),
        controller.signal,
      );
      try {
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      } catch (err) {
        // The job's effect stands; the message comes back after the visibility timeout and the
        // (idempotent) job runs again.
        logger.warn('job succeeded but the delete failed; the message will be processed again', {
          ...fields,
          ...errorFields(err),
        });
        return message;
      }
      logger.info('job succeeded; message deleted', { ...fields, durationMs: Date.now() - startedAt });
      // Returning the message tells sqs-consumer it was handled (shouldDeleteMessages is off: deleted above).
      return message;
    } catch (err) {
      const durationMs = Date.now() - startedAt;
      if (controller.signal.reason instanceof WorkerStoppingError) {
        // Visible again at once for another worker. The receive still counted towards maxReceiveCount,
        // so the queue's maxReceiveCount needs headroom for shutdowns as well as failures.
        await release(queueUrl, message);
        logger.info('job aborted by shutdown; message returned to the queue', { ...fields, durationMs });
      } else if ((err as { retryable?: unknown }).retryable === false) {
        logger.error('job failed: non-retryable; message left for the dead-letter queue', {
          ...fields,
          durationMs,
          retryable: false,
          ...errorFields(err),
        });
      } else {
        logger.warn('job failed; message reappears after the visibility timeout', {
          ...fields,
          durationMs,
          retryable: true,
          ...errorFields(err),
        });
      }
      throw err;
    } finally {
      clearTimeout(timer);
      inFlight.delete(key);
      protection.jobFinished();
      finished();
    }
  };

  const consumerFor = (role: 'priority' | 'standard', queueUrl: string) => {
    // 14.2.8 pauses 10 s after credential, missing-queue and throttling errors, but polls again at once after
    // any other receive error (a 500, a network failure): without a pause a worker would call SQS and log in
    // a tight loop. Before
    // the next receive it waits 1 s after one failure, doubling to at most a minute, until a receive works.
    let receiveFailures = 0;
    const backoff = (): Promise<void> =>
      receiveFailures === 0 || stopping
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(
              done,
              Math.min(MAX_RECEIVE_BACKOFF_MS, 1000 * 2 ** (receiveFailures - 1)),
            );
            stopController.signal.addEventListener('abort', done, { once: true });
            function done() {
              clearTimeout(timer);
              stopController.signal.removeEventListener('abort', done);
              resolve();
            }
          });
    const gate = (): Promise<void> =>
      role !== 'standard' || !settings.priorityQueueUrl || gateOpen || stopping
        ? Promise.resolve()
        : new Promise<void>((r) => gateWaiters.push(r));
    const consumer = Consumer.create({
      queueUrl,
      sqs,
      batchSize: settings.batchSize,
      waitTimeSeconds: role === 'priority' ? PRIORITY_RECHECK_WAIT_SECONDS : LONG_POLL_SECONDS,
      visibilityTimeout: settings.visibilityTimeoutSeconds,
      heartbeatInterval: settings.heartbeatSeconds,
      messageSystemAttributeNames: ['ApproximateReceiveCount'],
      handleMessage: handle(role, queueUrl),
      shouldDeleteMessages: false,
      // Failures keep their visibility timeout (the default, spelled out): see the top of this file.
      terminateVisibilityTimeout: false,
      strictReturn: true,
      preReceiveMessageCallback: async () => {
        await backoff();
        await gate();
      },
    });
    consumer.on('empty', () => (receiveFailures = 0));
    consumer.on('message_received', () => (receiveFailures = 0));
    consumer.on('error', (err, message) => {
      if (!stopping && /receive message failed/i.test(String((err as Error).message))) receiveFailures += 1;
      // After stop({ abort: true }) the pending long poll and heartbeats fail with AbortError: expected.
      if (stopping) logger.debug('sqs call ended by shutdown', { queue: role, ...errorFields(err) });
      else {
        logger.warn('sqs call failed', {
          queue: role,
          messageId: (message as Message | undefined)?.MessageId,
          ...errorFields(err),
        });
      }
    });
    // The handler logged the failure already; processing_error only repeats it.
    consumer.on('processing_error', () => undefined);
    return consumer;
  };

  const priority = settings.priorityQueueUrl ? consumerFor('priority', settings.priorityQueueUrl) : undefined;
  const standard = consumerFor('standard', settings.queueUrl);
  if (priority) {
    let priorityWait = PRIORITY_RECHECK_WAIT_SECONDS;
    const setPriorityWait = (seconds: number) => {
      if (priorityWait === seconds) return;
      priorityWait = seconds;
      priority.updateOption('waitTimeSeconds', seconds);
    };
    priority.on('empty', () => {
      openGate();
      setPriorityWait(LONG_POLL_SECONDS);
    });
    priority.on('message_received', () => {
      gateOpen = false;
      setPriorityWait(PRIORITY_RECHECK_WAIT_SECONDS);
    });
    // A priority receive that fails (a permission, a deleted queue) must not starve the standard queue:
    // the gate opens, and the next priority message closes it again.
    priority.on('error', () => {
      if (!stopping) openGate();
    });
  }
  const consumers = priority ? [priority, standard] : [standard];

  return {
    start() {
      if (started) throw new Error('a worker starts once; create a new one after stop()');
      started = true;
      logger.info('worker started', {
        queueUrl: settings.queueUrl,
        priorityQueueUrl: settings.priorityQueueUrl,
        batchSize: settings.batchSize,
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        heartbeatSeconds: settings.heartbeatSeconds,
        jobTimeoutSeconds: settings.jobTimeoutSeconds,
      });
      // A worker restarted by systemd after a crash mid-job left its instance protected, and nothing would
      // clear it (no job of this process will finish): an idle fleet could never shrink, and a stack delete
      // would wait on the instance. Start by bringing the protection in line with no job running.
      void protection.reconcile();
      consumers.forEach((c) => c.start());
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info('worker stopping', { jobsInFlight: inFlight.size });
      // abort: cancels the pending long poll at once (otherwise it could still hand this worker messages
      // up to 20 s later) and the heartbeats of running jobs.
      consumers.forEach((c) => c.stop({ abort: true }));
      stopController.abort();
      openGate();
      for (const { controller } of inFlight.values()) controller.abort(new WorkerStoppingError());
      // 14.2.8's stop() emits `stopped` without waiting for running handlers, so wait for them here; a
      // consumer stays `isPolling` until the batch it received has been handled.
      while (inFlight.size > 0 || consumers.some((c) => c.status.isPolling)) {
        await Promise.all([...inFlight.values()].map((j) => j.done));
        await new Promise((r) => setTimeout(r, 10));
      }
      await protection.stop();
      logger.info('worker stopped');
    },
  };
}

/** The job's promise, or a rejection with the signal's reason as soon as it aborts (even if the job ignores it). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Instance scale-in protection while jobs run. An Auto Scaling group never picks a protected instance
 * for scale-in; when every instance is protected the desired capacity still drops and the group
 * terminates instances as their protection is cleared. Protection does not stop terminations for failed
 * health checks, Spot interruptions or instance refresh: those reach the worker as SIGTERM (stop()).
 * Protection is set before a job starts and cleared only after `protectionIdleGraceMs` idle, so a busy
 * worker does not call SetInstanceProtection between every two messages. Calls are serialised so a
 * late "protect" can never land after the "unprotect" that followed it. Failures are logged, not fatal:
 * the job still runs (a scale-in might then interrupt it, and the message is retried).
 */
class ScaleInProtection {
  private active = 0;
  private applied: boolean | undefined;
  private chain: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;
  private instanceIdPromise: Promise<string> | undefined;
  private readonly graceMs: number;

  constructor(private readonly deps: WorkerDeps) {
    this.graceMs = deps.protectionIdleGraceMs ?? 5000;
    if (deps.settings.autoScalingGroupName && !deps.autoScaling) {
      throw new Error('settings.autoScalingGroupName needs deps.autoScaling');
    }
  }

  private get enabled(): boolean {
    return Boolean(this.deps.settings.autoScalingGroupName && this.deps.autoScaling);
  }

  async jobStarted(): Promise<void> {
    this.active += 1;
    if (!this.enabled) return;
    clearTimeout(this.idleTimer);
    await this.apply();
  }

  jobFinished(): void {
    this.active -= 1;
    if (!this.enabled || this.active > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.apply(), this.graceMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    if (this.enabled) await this.apply();
  }

  /** At start: whatever a previous process left, the instance is unprotected until a job starts. */
  reconcile(): Promise<void> {
    return this.enabled ? this.apply() : Promise.resolve();
  }

  /** Brings the instance's protection in line with whether jobs are running. */
  private apply(): Promise<void> {
    this.chain = this.chain.then(async () => {
      const want = this.active > 0;
      if (this.applied === want) return;
      const input: Partial<SetInstanceProtectionCommandInput> = {
        AutoScalingGroupName: this.deps.settings.autoScalingGroupName,
        ProtectedFromScaleIn: want,
      };
      try {
        this.instanceIdPromise ??= (this.deps.instanceId ?? imdsInstanceId())();
        const instanceId = await this.instanceIdPromise;
        await this.deps.autoScaling!.send(
          new SetInstanceProtectionCommand({
            ...input,
            InstanceIds: [instanceId],
          } as SetInstanceProtectionCommandInput),
        );
        this.applied = want;
        this.deps.logger.info(want ? 'scale-in protection set' : 'scale-in protection cleared', {
          instanceId,
        });
      } catch (err) {
        this.instanceIdPromise = undefined;
        this.deps.logger.warn('could not change scale-in protection', { protect: want, ...errorFields(err) });
      }
    });
    return this.chain;
  }
}

/**
 * This instance's id from the instance metadata service, IMDSv2: a session token from PUT /latest/api/token,
 * then GET /latest/meta-data/instance-id with it (IMDSv1's plain GET is refused when the launch template
 * requires tokens, as it should).
 */
export function imdsInstanceId(endpoint = 'http://169.254.169.254', timeoutMs = 2000): () => Promise<string> {
  return async () => {
    const tokenResponse = await fetch(`${endpoint}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '300' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!tokenResponse.ok) throw new Error(`IMDS token request failed: HTTP ${tokenResponse.status}`);
    const token = await tokenResponse.text();
    const idResponse = await fetch(`${endpoint}/latest/meta-data/instance-id`, {
      headers: { 'X-aws-ec2-metadata-token': token },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!idResponse.ok) throw new Error(`IMDS instance-id request failed: HTTP ${idResponse.status}`);
    const id = (await idResponse.text()).trim();
    if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new Error(`IMDS returned an unexpected instance id '${id}'`);
    return id;
  };
}

/** Entry point under systemd: reads the environment, runs until SIGTERM/SIGINT, exits 0 after a clean stop. */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  const settings = settingsFromEnv(env);
  const logger = jsonLogger();
  const sqs = new SQSClient({ region: settings.region });
  const s3 = new S3Client({ region: settings.region });
  const autoScaling = settings.autoScalingGroupName
    ? new AutoScalingClient({ region: settings.region })
    : undefined;
  const worker = createWorker({
    sqs,
    settings,
    logger,
    autoScaling,
    job: fulfilOrderJob({ s3, bucket: settings.resultsBucket, prefix: settings.resultsPrefix }),
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    worker.start();
  });
  logger.info('signal received', { signal });
  await worker.stop();
  sqs.destroy();
  s3.destroy();
  autoScaling?.destroy();
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'worker failed', ...errorFields(err) })}\n`,
      );
      process.exit(1);
    },
  );
}
