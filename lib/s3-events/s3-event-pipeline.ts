import { Duration, RemovalPolicy, Size, SizeRoundingBehavior, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../core/acknowledge';
import { AlarmTopic, notify, queueNotEmptyAlarm } from '../core/alarms';
import { bundledNodejsCode } from '../core/bundled-code';
import { EncryptionKey } from '../core/encryption-key';
import {
  PropValidationError,
  validateDuration,
  validateInteger,
  validateLogRetention,
  validateRetainOrDestroy,
  validateWholeDuration,
} from '../core/errors';
import {
  acknowledgeInlinePolicy,
  acknowledgeNoReservedConcurrency,
  acknowledgeOutsideVpc,
  acknowledgeXrayWildcard,
} from '../core/function-acknowledgments';
import { runtimeEntry } from '../core/runtime-entry';
import { SecureBucket } from '../core/secure-bucket';
import { allowCloudWatchLogs, onlyThroughServices } from '../core/service-grants';

const CONSTRUCT = 'S3EventPipeline';

/** The processor that ships with the construct: CSV uploads to JSON results (runtime/processor.ts). */
export const PROCESSOR_ENTRY = runtimeEntry(__dirname, 'processor');

/** Lambda's limits for asynchronous invocations (EventBridge invokes the processor asynchronously). */
export const ASYNC_LIMITS = {
  /** Retries after the first try: 0-2 (001 L2870: "3 tries total" is the default, 2 retries). */
  maxRetryAttempts: 2,
  /** How long Lambda keeps an event it has not yet processed: 60 s to 6 hours. */
  minEventAge: Duration.seconds(60),
  maxEventAge: Duration.hours(6),
} as const;

/** Props of {@link S3EventPipeline}. */
export interface S3EventPipelineProps {
  /**
   * Key prefix of the uploads the processor handles; other keys in the upload bucket are left alone.
   * 2-512 characters among letters, digits, `-`, `_`, `.` and `/` (characters no key encoding changes, so
   * the EventBridge filter always matches), not starting with `/`, ending with `/`.
   * @default 'uploads/'
   */
  readonly uploadPrefix?: string;
  /**
   * Key suffix of the uploads the processor handles (the shipped processor reads CSV): 1-64 of the
   * characters allowed in `uploadPrefix`, without `/`. EventBridge matches it case sensitively.
   * @default '.csv'
   */
  readonly uploadSuffix?: string;
  /**
   * Key prefix of the results in the results bucket; the same characters and shape as `uploadPrefix`, and
   * neither prefix may start the other.
   * @default 'results/'
   */
  readonly resultsPrefix?: string;
  /**
   * Largest upload the processor reads; a larger one fails at once, before any download, and goes to the
   * failed-events queue. At most 1 GiB (the function holds the object in memory).
   * @default Size.mebibytes(10)
   */
  readonly maxObjectSize?: Size;
  /**
   * How often Lambda retries a failed invocation before it sends the event to the failed-events queue:
   * 0, 1 or 2 (001 L2869-2871). The processor is idempotent, so a retry never writes a result twice.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long Lambda keeps trying an event (throttled or failing) before it gives up on it and sends it
   * to the failed-events queue: 60 seconds to 6 hours.
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
  /**
   * The processor's timeout: 1 second to 15 minutes (Lambda's limit, 001 L2907).
   * @default Duration.minutes(1)
   */
  readonly processorTimeout?: Duration;
  /**
   * The processor's memory in MB: 128-10240 (001 L2902). CPU grows with memory.
   * @default 512
   */
  readonly processorMemorySize?: number;
  /**
   * The processor's reserved concurrency: caps how many uploads are processed at once (and so the load on
   * the tables), and keeps that many instances available. Leave it out in accounts whose concurrency
   * quota is 10: Lambda always leaves 100 of the account's concurrency unreserved, so there any reservation
   * fails the deploy. At most the account's quota minus 100 (1,000 by default).
   * @default - none
   */
  readonly reservedConcurrency?: number;
  /**
   * What happens to the buckets, tables, key and log group when the stack is destroyed:
   * `RETAIN` (production) or `DESTROY` (sandbox: the buckets are emptied and deleted).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the processor's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where the alarms notify.
   * @default - a new {@link AlarmTopic}
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Key encrypting both buckets, both tables and the log group.
   * @default - a new {@link EncryptionKey} with `removalPolicy`
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * S3 event processing (002 L1315, 003 L258-270): an object uploaded under a prefix, with a suffix, emits
 * an "Object Created" event to Amazon EventBridge; a rule with a wildcard filter invokes a Lambda function
 * asynchronously; the function transforms the object, writes the result to a second bucket (never the
 * upload bucket, so its own writes can never trigger it again) and records the object in a DynamoDB table.
 * Failures are retried by Lambda, then kept in a queue; events EventBridge could not deliver are kept in
 * another; both have alarms.
 */
export class S3EventPipeline extends Construct {
  /** Where uploads land. Versioned: each upload is a version, and each version is processed once. */
  public readonly uploadBucket: s3.Bucket;
  /** Where the processor writes its results. */
  public readonly resultsBucket: s3.Bucket;
  /** One item per processed object version (partition key `objectKey`, sort key `versionId`). */
  public readonly recordsTable: dynamodb.Table;
  /** Powertools idempotency records (partition key `id`), deleted by TTL once they expire. */
  public readonly idempotencyTable: dynamodb.Table;
  /** The processor function. */
  public readonly processor: lambda.Function;
  /** The EventBridge rule matching the uploads. */
  public readonly rule: events.Rule;
  /** Events the processor failed on after every retry (Lambda's on-failure destination). */
  public readonly failedEventsQueue: sqs.Queue;
  /** Events EventBridge could not deliver to the function (the rule target's dead-letter queue). */
  public readonly undeliveredEventsQueue: sqs.Queue;
  /** The key of the buckets, tables and log group. */
  public readonly encryptionKey: kms.IKey;
  /** Where the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** Processor errors, failed events, undelivered events, events the rule failed to invoke. */
  public readonly alarms: cloudwatch.Alarm[];
  /** The upload key prefix. */
  public readonly uploadPrefix: string;
  /** The upload key suffix. */
  public readonly uploadSuffix: string;
  /** The results key prefix. */
  public readonly resultsPrefix: string;
  /** The largest upload the processor reads. */
  public readonly maxObjectSize: Size;

  constructor(scope: Construct, id: string, props: S3EventPipelineProps = {}) {
    super(scope, id);
    validateProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retain = removalPolicy === RemovalPolicy.RETAIN;
    this.uploadPrefix = props.uploadPrefix ?? 'uploads/';
    this.uploadSuffix = props.uploadSuffix ?? '.csv';
    this.resultsPrefix = props.resultsPrefix ?? 'results/';
    this.maxObjectSize = props.maxObjectSize ?? Size.mebibytes(10);

    if (props.encryptionKey) {
      this.encryptionKey = props.encryptionKey;
    } else {
      const key = new EncryptionKey(this, 'Key', {
        description: `Encrypts the buckets, tables and logs of ${this.node.path}`,
        removalPolicy,
      }).key;
      allowCloudWatchLogs(key);
      this.encryptionKey = key;
    }
    this.alarmTopic =
      props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { keyRemovalPolicy: removalPolicy }).topic;

    // ---- Buckets: uploads in one, results in the other -------------------------------------------
    // SecureBucket turns on S3's EventBridge notifications natively (NotificationConfiguration), so no
    // custom resource is needed for the events, and versioning, which gives every upload its own version id.
    const uploads = new SecureBucket(this, 'Uploads', {
      encryptionKey: this.encryptionKey,
      removalPolicy,
      whyNoReplication:
        'Uploads are inputs: the processor turns each into a result and a record within minutes, and a lost upload ' +
        'is sent again by its owner. A replica would double the storage of data that is consumed once.',
    });
    const results = new SecureBucket(this, 'Results', {
      encryptionKey: this.encryptionKey,
      removalPolicy,
      whyNoReplication:
        'Results are derived data: the processor writes them again from the uploads (kept, versioned) when an event ' +
        'is replayed, so a second copy in another Region would protect nothing that cannot be rebuilt.',
    });
    this.uploadBucket = uploads.bucket;
    this.resultsBucket = results.bucket;
    if (!retain) {
      // The buckets have Object Lock enabled (SecureBucket). A version someone locks (a retention date in
      // COMPLIANCE mode, a legal hold) can be deleted by nobody until it ends: destroy could then not empty
      // the bucket and would fail. So in a destroyable pipeline nobody may lock anything.
      for (const bucket of [this.uploadBucket, this.resultsBucket]) {
        bucket.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'DenyLockingObjects',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['s3:PutObjectRetention', 's3:PutObjectLegalHold'],
            resources: [bucket.arnForObjects('*')],
          }),
        );
      }
    }

    // ---- Tables --------------------------------------------------------------------------------------
    const tableProps = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy,
    };
    this.recordsTable = new dynamodb.Table(this, 'Records', {
      ...tableProps,
      partitionKey: { name: 'objectKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'versionId', type: dynamodb.AttributeType.STRING },
    });
    this.idempotencyTable = new dynamodb.Table(this, 'Idempotency', {
      ...tableProps,
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      // Powertools writes each record's expiry (epoch seconds) here; DynamoDB deletes expired items.
      timeToLiveAttribute: 'expiration',
    });
    const noBackupPlan =
      'Point-in-time recovery is on (any second of the last 35 days can be restored to a new table). The records ' +
      'can also be rebuilt from the results bucket, and the idempotency items expire by themselves; an AWS Backup ' +
      'vault would outlive a sandbox destroy (a vault with recovery points cannot be deleted).';
    for (const table of [this.recordsTable, this.idempotencyTable]) {
      acknowledge(
        table,
        ...['NIST.800.53.R4', 'NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
          id: `${pack}-DynamoDBInBackupPlan`,
          reason: noBackupPlan,
        })),
      );
    }

    // ---- Queues for what fails ---------------------------------------------------------------------
    // SSE-SQS, written out for Control Tower (sqs_queue_encrypted_check): with a KMS key, EventBridge would
    // also need the key policy to let events.amazonaws.com use it.
    const queueProps: sqs.QueueProps = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
      // Marks each queue as a dead-letter queue for Control Tower (sqs_dlq_check).
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    };
    this.failedEventsQueue = new sqs.Queue(this, 'FailedEvents', queueProps);
    this.undeliveredEventsQueue = new sqs.Queue(this, 'UndeliveredEvents', queueProps);
    const endOfLine =
      'This queue is the end of the line for failed events: it keeps each one 14 days for a person to inspect and ' +
      'replay (README, "Replay failed uploads"); a dead-letter queue behind it would only move the same events ' +
      'one queue further.';
    for (const q of [this.failedEventsQueue, this.undeliveredEventsQueue]) {
      (q.node.defaultChild as sqs.CfnQueue).sqsManagedSseEnabled = true;
      acknowledge(q, { id: 'Serverless-SQSRedrivePolicy', reason: endOfLine });
      acknowledge(q, { id: 'AwsSolutions-SQS3', reason: endOfLine });
    }

    // ---- Processor -------------------------------------------------------------------------------------
    this.processor = this.createProcessor(props, removalPolicy);

    // ---- Event rule -----------------------------------------------------------------------------------
    // One rule, one wildcard: EventBridge ORs the matchers listed for a field, so a prefix matcher and a
    // suffix matcher side by side would match either; `uploads/*.csv` needs both.
    this.rule = new events.Rule(this, 'UploadRule', {
      // The prefix and suffix are in the pattern, not here: quoted, a long prefix would pass the 512
      // characters EventBridge allows in a description.
      description: `S3 Object Created events of the uploads ${this.node.path} processes`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [this.uploadBucket.bucketName] },
          object: { key: [{ wildcard: `${this.uploadPrefix}*${this.uploadSuffix}` }] },
        },
      },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.processor, {
        // EventBridge's own retries, for when it cannot invoke the function at all (throttled, deleted,
        // no permission): then the event goes to this queue. Once Lambda has accepted the event, Lambda's
        // retries and its on-failure destination take over.
        deadLetterQueue: this.undeliveredEventsQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );

    this.alarms = this.createAlarms();
  }

  /**
   * Lets a principal upload objects under the upload prefix, encrypting them with the key through S3.
   * `s3:PutObject` only: the bucket's `grantPut` would add Object Lock retention and legal holds, with
   * which an uploader could lock versions that then nobody (COMPLIANCE mode) could delete.
   */
  public grantUpload(grantee: iam.IGrantable): iam.Grant {
    const objects = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject'],
      resourceArns: [this.uploadBucket.arnForObjects(`${this.uploadPrefix}*`)],
    });
    return objects.combine(this.grantKeyThroughS3(grantee, ['kms:GenerateDataKey']));
  }

  /** Lets a principal read the results, decrypting them with the key through S3. */
  public grantReadResults(grantee: iam.IGrantable): iam.Grant {
    const objects = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: [this.resultsBucket.arnForObjects(`${this.resultsPrefix}*`)],
    });
    return objects.combine(this.grantKeyThroughS3(grantee, ['kms:Decrypt']));
  }

  private grantKeyThroughS3(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.encryptionKey.keyArn],
      conditions: onlyThroughServices(this, 's3'),
    });
  }

  private createProcessor(props: S3EventPipelineProps, removalPolicy: RemovalPolicy): lambda.Function {
    const logGroup = new logs.LogGroup(this, 'ProcessorLogs', {
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy (AwsSolutions-IAM4).
    const role = new iam.Role(this, 'ProcessorRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the upload processor of ${this.node.path}`,
    });
    logGroup.grantWrite(role);
    const runtime = lambda.Runtime.NODEJS_24_X;
    const fn = new lambda.Function(this, 'Processor', {
      code: bundledNodejsCode(CONSTRUCT, 'processor', PROCESSOR_ENTRY, runtime),
      handler: 'index.handler',
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.processorMemorySize ?? 512,
      timeout: props.processorTimeout ?? Duration.minutes(1),
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      description: `Turns CSV uploads of ${this.node.path} into JSON results and records them`,
      environment: {
        RESULTS_BUCKET: this.resultsBucket.bucketName,
        RESULTS_PREFIX: this.resultsPrefix,
        UPLOAD_PREFIX: this.uploadPrefix,
        UPLOAD_SUFFIX: this.uploadSuffix,
        RECORDS_TABLE: this.recordsTable.tableName,
        IDEMPOTENCY_TABLE: this.idempotencyTable.tableName,
        MAX_OBJECT_BYTES: String(this.maxObjectSize.toBytes()),
      },
      // Lambda's asynchronous invocation settings (001 L2869-2874): retries, then the on-failure destination,
      // which receives the event with the error (requestPayload, responsePayload), ready for a replay.
      retryAttempts: props.retryAttempts ?? ASYNC_LIMITS.maxRetryAttempts,
      maxEventAge: props.maxEventAge ?? ASYNC_LIMITS.maxEventAge,
      onFailure: new destinations.SqsDestination(this.failedEventsQueue),
    });
    // Reads exactly the uploads it handles and writes only under the results prefix of the other bucket: it
    // cannot write to the upload bucket at all, so it cannot trigger itself. Statements of our own rather
    // than grantRead and grantPut, which add bucket-level reads, listing, tagging, Object Lock retention
    // and legal holds, and KMS wildcards (kms:GenerateDataKey*, kms:ReEncrypt*). GetObjectVersion: the
    // processor reads the version the event names. No s3:ListBucket: a missing key then answers 403, not
    // 404, which the processor treats the same way.
    const uploadObjects = this.uploadBucket.arnForObjects(`${this.uploadPrefix}*`);
    const resultObjects = this.resultsBucket.arnForObjects(`${this.resultsPrefix}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [uploadObjects],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [resultObjects] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.recordsTable.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // What Powertools' DynamoDB persistence layer calls.
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.idempotencyTable.tableArn],
      }),
    );
    // The data key, for S3 (SSE-KMS objects read and written) and DynamoDB (encrypted items) only: written
    // out instead of grantEncryptDecrypt's kms:ReEncrypt* and kms:GenerateDataKey* wildcards, and limited by
    // kms:ViaService, so the role cannot call KMS with the key directly (decrypt something else under it).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [this.encryptionKey.keyArn],
        conditions: onlyThroughServices(this, 's3', 'dynamodb'),
      }),
    );

    acknowledgeOutsideVpc(
      fn,
      'The processor only calls S3, DynamoDB, SQS, CloudWatch Logs and X-Ray, all AWS APIs; inside a VPC it would ' +
        'need a NAT gateway or interface endpoints (hourly cost) and there is no private resource for it to reach.',
    );
    if (props.reservedConcurrency === undefined) {
      acknowledgeNoReservedConcurrency(
        fn,
        'No concurrency is reserved (reservedConcurrency not set): Lambda leaves 100 of the account concurrency ' +
          'unreserved, so a new account whose quota is 10 could not deploy a reservation. Set reservedConcurrency to cap the uploads processed at once.',
      );
    }
    // Serverless-LambdaDLQ and the NIST/HIPAA/PCI LambdaDLQ rules read the function's DeadLetterConfig; the
    // on-failure destination is the newer way and carries the error with the event.
    acknowledge(
      fn,
      ...['Serverless-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'].map((id) => ({
        id,
        reason:
          'Failed asynchronous invocations go to an on-failure destination (the FailedEvents queue), which records the ' +
          'event together with the error; a dead-letter queue (DeadLetterConfig) would keep the event only.',
      })),
    );
    const policy = role.node.findChild('DefaultPolicy');
    const stack = Stack.of(this);
    const bucketId = (b: s3.Bucket) => stack.getLogicalId(b.node.defaultChild as s3.CfnBucket);
    acknowledge(
      policy,
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId(this.uploadBucket)}.Arn>/${this.uploadPrefix}*]`,
        reason:
          'The processor reads any upload under the upload prefix: the object keys are chosen by whoever uploads, so ' +
          'the prefix is the narrowest resource that names them all.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId(this.resultsBucket)}.Arn>/${this.resultsPrefix}*]`,
        reason:
          'The processor writes one result per upload version under the results prefix, named after the upload; the ' +
          'prefix is the narrowest resource that names them all.',
      },
    );
    acknowledgeXrayWildcard(policy);
    acknowledgeInlinePolicy(
      policy,
      'The processor permissions (read uploads under one prefix, write results under one prefix, two tables, the key, ' +
        'the failed-events queue, its log group, X-Ray) are an inline policy of this one role, deleted with it: the ' +
        'one-to-one case AWS recommends inline policies for.',
    );
    return fn;
  }

  private createAlarms(): cloudwatch.Alarm[] {
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric) =>
      notify(
        new cloudwatch.Alarm(this, id, {
          alarmDescription: `${this.node.path}: ${description}`,
          metric,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        this.alarmTopic,
      );
    const notEmpty = (id: string, queue: sqs.Queue, description: string) =>
      queueNotEmptyAlarm(this, id, queue, `${this.node.path}: ${description}`, this.alarmTopic);
    return [
      alarm(
        'ProcessorErrorsAlarm',
        'the processor failed on an upload; Lambda retries it, then sends it to the failed-events queue.',
        this.processor.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      ),
      notEmpty(
        'FailedEventsAlarm',
        this.failedEventsQueue,
        'uploads failed after every retry and wait in the failed-events queue (README: replay them).',
      ),
      notEmpty(
        'UndeliveredEventsAlarm',
        this.undeliveredEventsQueue,
        'EventBridge could not invoke the processor; the events wait in the undelivered-events queue.',
      ),
      alarm(
        'RuleDeadLetterFailuresAlarm',
        // With a dead-letter queue on the target, what EventBridge cannot deliver counts in
        // DeadLetterInvocations (the undelivered-events queue's alarm then fires), not in FailedInvocations.
        // What it could not put into that queue either is lost: InvocationsFailedToBeSentToDlq counts it.
        'EventBridge could deliver events neither to the processor nor to the undelivered-events queue: they are lost.',
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'InvocationsFailedToBeSentToDlq',
          dimensionsMap: { RuleName: this.rule.ruleName },
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
      ),
    ];
  }
}

/**
 * Characters allowed in the prefix and suffix: letters, digits, `-`, `_`, `.` and `/`, the ones no
 * encoding changes. S3's other "safe" characters are left out: `*` is EventBridge's wildcard; `!'()` are
 * percent-encoded in S3's direct notifications, and whether the EventBridge event encodes the key the
 * same way is not documented, so a filter holding them might never match; and parentheses break the rule
 * id of the policy's acknowledgment, which aws-cdk-lib parses (`...IAM5[Resource::<...>/a)/*]`).
 */
const KEY_PART = /^[A-Za-z0-9\-_./]*$/;

function validateProps(props: S3EventPipelineProps): void {
  const uploadPrefix = props.uploadPrefix ?? 'uploads/';
  const resultsPrefix = props.resultsPrefix ?? 'results/';
  const suffix = props.uploadSuffix ?? '.csv';
  for (const [prop, value] of [
    ['uploadPrefix', uploadPrefix],
    ['resultsPrefix', resultsPrefix],
  ] as const) {
    if (
      !value.endsWith('/') ||
      value.length < 2 ||
      value.length > 512 ||
      !KEY_PART.test(value) ||
      value.startsWith('/')
    ) {
      throw new PropValidationError(
        CONSTRUCT,
        prop,
        `must be 2-512 of the characters A-Z a-z 0-9 - _ . /, not start with '/' and end with '/'; ` +
          `received '${value}' (characters no key encoding changes, so the EventBridge filter always matches).`,
      );
    }
  }
  if (suffix.length < 1 || suffix.length > 64 || !KEY_PART.test(suffix) || suffix.includes('/')) {
    throw new PropValidationError(
      CONSTRUCT,
      'uploadSuffix',
      `must be 1-64 of the characters A-Z a-z 0-9 - _ ., without '/'; received '${suffix}' (matched case ` +
        'sensitively: .CSV is another suffix).',
    );
  }
  if (uploadPrefix.startsWith(resultsPrefix) || resultsPrefix.startsWith(uploadPrefix)) {
    // The buckets differ, so this is not a loop today; it would become one the day someone points both
    // at one bucket, and it makes the two key spaces impossible to tell apart in logs and policies.
    throw new PropValidationError(
      CONSTRUCT,
      'resultsPrefix',
      `must not overlap uploadPrefix '${uploadPrefix}'; received '${resultsPrefix}' (the processor's output must never ` +
        'match its own input filter).',
    );
  }
  if (props.maxObjectSize && !props.maxObjectSize.isUnresolved()) {
    // Unrounded: toBytes() itself throws an aws-cdk-lib error for 1.5 bytes, NaN or Infinity.
    const bytes = props.maxObjectSize.toBytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > Size.gibibytes(1).toBytes()) {
      throw new PropValidationError(
        CONSTRUCT,
        'maxObjectSize',
        `must be a whole number of bytes between 1 byte and 1 GiB; received ${bytes} bytes (the processor holds ` +
          'the object in memory).',
      );
    }
  }
  validateInteger(CONSTRUCT, 'retryAttempts', props.retryAttempts, 0, ASYNC_LIMITS.maxRetryAttempts, '', {
    because: 'Lambda retries a failed asynchronous invocation at most twice',
  });
  // Whole seconds first: CloudFormation takes seconds, and aws-cdk-lib throws its own error for 60.5 s.
  validateWholeDuration(CONSTRUCT, 'maxEventAge', props.maxEventAge, 'seconds');
  validateWholeDuration(CONSTRUCT, 'processorTimeout', props.processorTimeout, 'seconds');
  validateDuration(
    CONSTRUCT,
    'maxEventAge',
    props.maxEventAge,
    ASYNC_LIMITS.minEventAge,
    ASYNC_LIMITS.maxEventAge,
    {
      because: "Lambda's maximum event age for asynchronous invocations",
    },
  );
  validateDuration(
    CONSTRUCT,
    'processorTimeout',
    props.processorTimeout,
    Duration.seconds(1),
    Duration.minutes(15),
    {
      because: 'Lambda timeout, 001 L2907',
    },
  );
  validateInteger(CONSTRUCT, 'processorMemorySize', props.processorMemorySize, 128, 10240, 'MB', {
    because: 'Lambda memory, 001 L2902',
  });
  validateInteger(CONSTRUCT, 'reservedConcurrency', props.reservedConcurrency, 1, 1000, '', {
    because:
      "at most the account's concurrency quota (1,000 by default) minus the 100 Lambda leaves unreserved",
  });
  validateRetainOrDestroy(CONSTRUCT, 'removalPolicy', props.removalPolicy);
  validateLogRetention(CONSTRUCT, 'logRetention', props.logRetention);
}
