// Offline checks of the integration tests in this folder (integ.<pattern>.ts): no deployment, no
// integ-runner, no AWS account. Each integ app is built and synthesized once, in process, and checked:
// - it synthesizes, and its integ manifest (integ.json) names the test case and the stacks;
// - the assertion stack holds the expected API and HTTP calls, in one chain, each expectation behind a
//   waiter (so a failed expectation fails the deployment), and destroys its own log groups;
// - the expectations, as written into the template, pass and fail on sample responses when run through
//   the assertion handler integ-tests deploys (the same code, here in jest);
// - what the test stack keeps after destroy is exactly what the README says;
// - a snapshot of the assertion stack (asset hashes and the per-synth salt masked).
// What only a real account can show (that AWS answers as the samples assume) is what the integ tests
// are for; the pattern READMEs say how to run them.

// The handler module imports the Step Functions client for its waiter; these tests never call it.
jest.mock('@aws-sdk/client-sfn', () => ({ SFN: class {} }), { virtual: true });

import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { AssertionHandler } from '@aws-cdk/integ-tests-alpha/lib/assertions/providers/lambda-handler/assertion';
import { ExpectedResult } from '@aws-cdk/integ-tests-alpha';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { testApp } from '../support/app';
import { exactly, INTEG_STACK_PREFIX, IntegCase } from './integ-helpers';
import * as cognitoApi from './integ.cognito-api';
import * as kinesisPipeline from './integ.kinesis-pipeline';
import * as multiAzDatabase from './integ.multi-az-database';
import * as queueWorkers from './integ.queue-workers';
import * as s3Events from './integ.s3-events';
import * as snsSqsFanout from './integ.sns-sqs-fanout';
import * as staticSite from './integ.static-site';
import * as threeTierWebApp from './integ.three-tier-web-app';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
}
interface TemplateJson {
  readonly Resources: Record<string, Resource>;
  readonly [key: string]: Json | Record<string, Resource>;
}

/** A sample response an expectation must accept (`pass`) or reject (`fail`). */
interface Samples {
  readonly label: string;
  /** Picks the assertion resources (by their properties) whose `expected` to run. */
  readonly find: (props: Record<string, Json>) => boolean;
  readonly pass: unknown[];
  readonly fail: unknown[];
}

interface Spec {
  readonly build: (app: App) => IntegCase;
  /** `Service.api` of every SDK call, sorted. */
  readonly sdkCalls: string[];
  readonly httpCalls: number;
  /** Resources of the test stack that destroy keeps (type: logical id prefix), as the README says. */
  readonly retained: string[];
  readonly samples: Samples[];
}

const api = (name: string) => (p: Record<string, Json>) => p.api === name;
const expectedHas = (text: string) => (p: Record<string, Json>) =>
  typeof p.expected === 'string' && p.expected.includes(text);
const paramsHave = (text: string) => (p: Record<string, Json>) => JSON.stringify(p.parameters).includes(text);
const and =
  (...fs: ((p: Record<string, Json>) => boolean)[]) =>
  (p: Record<string, Json>) =>
    fs.every((f) => f(p));

/** What SNS puts into a queue without raw delivery: the published text is the envelope's Message. */
const envelope = (event: object) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: '0f1e2d3c',
    TopicArn: 'arn:aws:sns:eu-west-1:111111111111:topic',
    Message: JSON.stringify(event),
    Timestamp: '2026-11-25T09:00:00.000Z',
    SignatureVersion: '2',
  });
const message = (body: string) => ({ MessageId: 'm-1', ReceiptHandle: 'rh', MD5OfBody: 'x', Body: body });
/** The page the app tier renders (lib/three-tier-web-app/runtime/web-app.ts, page()). */
/** The web app's page (runtime/web-app.ts), with the cache tier's session paragraph when `cache` says so. */
const page = (count: number, cache: 'session' | 'cache down' | 'no cache' = 'session') =>
  '<!doctype html><html><head><title>Three-tier web app</title></head><body>' +
  '<h1>Served by i-0123456789abcdef0</h1>' +
  `<p>Visits stored in the database: <strong>${count}</strong>. Reload to see other instances answer.</p>` +
  {
    session:
      '<p>Your session (kept in the cache, so any instance can serve you): <strong>1</strong> page views since ' +
      '2026-12-07T09:00:00.000Z, served by i-0123456789abcdef0. Only the first page view of a session is stored ' +
      'as a visit.</p><p>Data read from: <strong>database (cache miss)</strong>.</p>',
    'cache down':
      '<p>Sessions are unavailable: the cache does not answer, so this page view was stored as a visit.</p>' +
      '<p>Data read from: <strong>database</strong>.</p>',
    'no cache': '',
  }[cache] +
  '<table><tr><th>#</th><th>instance</th><th>client</th><th>time</th></tr></table></body></html>\n';
/** A page of the static site's sample (lib/static-site/sample-site), by its heading. */
const sitePage = (heading: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8" /><title>t</title></head><body><main><h1>${heading}</h1></main></body></html>\n`;
const note = { noteId: 'n-1', ...cognitoApi.NOTE, createdAt: '2026-11-25T09:00:00.000Z' };

const SPECS: Record<string, Spec> = {
  'integ.sns-sqs-fanout.ts': {
    build: snsSqsFanout.build,
    sdkCalls: [
      'CloudWatchLogs.filterLogEvents',
      'CloudWatchLogs.filterLogEvents',
      'SNS.publish',
      'SNS.publish',
      'SQS.receiveMessage',
      'SQS.receiveMessage',
      'SQS.receiveMessage',
      'SQS.receiveMessage',
    ],
    httpCalls: 0,
    retained: [],
    samples: [
      {
        label: 'shipping stays empty',
        find: and(api('receiveMessage'), (p) => p.expected === '{}'),
        pass: [{}],
        fail: [{ Messages: [message(envelope(snsSqsFanout.SHIPPED))] }],
      },
      {
        label: 'shipping holds exactly the OrderPlaced event',
        find: and(api('receiveMessage'), expectedHas('Notification')),
        pass: [{ Messages: [message(envelope(snsSqsFanout.PLACED))] }],
        fail: [
          {},
          { Messages: [message(envelope(snsSqsFanout.SHIPPED))] },
          { Messages: [message(envelope(snsSqsFanout.PLACED)), message(envelope(snsSqsFanout.SHIPPED))] },
        ],
      },
      {
        label: 'analytics holds the OrderShipped event (raw delivery)',
        find: and(api('receiveMessage'), expectedHas(snsSqsFanout.SHIPPED.orderId)),
        pass: [
          {
            Messages: [
              message(JSON.stringify(snsSqsFanout.PLACED)),
              message(JSON.stringify(snsSqsFanout.SHIPPED)),
            ],
          },
        ],
        fail: [{}, { Messages: [message(JSON.stringify(snsSqsFanout.PLACED))] }],
      },
      {
        label: "billing's consumer logged the OrderShipped event",
        find: and(api('filterLogEvents'), paramsHave(snsSqsFanout.SHIPPED.orderId)),
        pass: [
          {
            events: [
              {
                message:
                  '{"timestamp":"2026-11-25T09:00:00Z","level":"INFO","message":"{\\"msg\\":\\"order event processed\\",\\"orderId\\":\\"integ-o-1\\"}"}',
              },
            ],
          },
        ],
        fail: [
          { events: [] },
          { events: [{ message: '{"msg":"order event failed; SQS will deliver it again"}' }] },
        ],
      },
    ],
  },
  'integ.queue-workers.ts': {
    build: queueWorkers.build,
    sdkCalls: [
      'S3.listObjectsV2',
      'S3.listObjectsV2',
      'SNS.publish',
      'SNS.publish',
      'SQS.getQueueAttributes',
      'SQS.sendMessage',
    ],
    httpCalls: 0,
    // The sandbox deletes the VPC, queues, bucket (emptied first), key, topic and logs.
    retained: [],
    samples: [
      {
        label: 'the receipt of the order published to the topic is at receipts/<orderId>.json',
        find: and(api('listObjectsV2'), paramsHave(`receipts/${queueWorkers.ORDER.orderId}.json`)),
        pass: [
          { KeyCount: 1, Contents: [{ Key: `receipts/${queueWorkers.ORDER.orderId}.json`, Size: 310 }] },
        ],
        fail: [
          { KeyCount: 0 },
          { KeyCount: 1, Contents: [{ Key: `receipts/${queueWorkers.URGENT.orderId}.json` }] },
          { KeyCount: 1, Contents: [{ Key: `${queueWorkers.ORDER.orderId}.json` }] },
        ],
      },
      {
        label: 'the receipt of the order sent to the priority queue is at receipts/<orderId>.json',
        find: and(api('listObjectsV2'), paramsHave(`receipts/${queueWorkers.URGENT.orderId}.json`)),
        pass: [
          { KeyCount: 1, Contents: [{ Key: `receipts/${queueWorkers.URGENT.orderId}.json`, Size: 200 }] },
        ],
        fail: [
          { KeyCount: 0 },
          { KeyCount: 1, Contents: [{ Key: `receipts/${queueWorkers.ORDER.orderId}.json` }] },
        ],
      },
      {
        label: 'the invalid order is held in flight, not deleted, by a queue that redrives after 5 receives',
        find: api('getQueueAttributes'),
        pass: [
          {
            Attributes: {
              ApproximateNumberOfMessages: '0',
              ApproximateNumberOfMessagesNotVisible: '1',
              RedrivePolicy:
                '{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:111111111111:RefArchInteg-QueueWorkers-Dlq","maxReceiveCount":5}',
            },
          },
        ],
        fail: [
          // Deleted (the worker swallowed the failure), or returned at once and waiting, or still queued
          // next to a valid order, or a queue without the redrive policy the test relies on.
          {
            Attributes: {
              ApproximateNumberOfMessages: '0',
              ApproximateNumberOfMessagesNotVisible: '0',
              RedrivePolicy: '{"maxReceiveCount":5}',
            },
          },
          {
            Attributes: {
              ApproximateNumberOfMessages: '1',
              ApproximateNumberOfMessagesNotVisible: '0',
              RedrivePolicy: '{"maxReceiveCount":5}',
            },
          },
          {
            Attributes: {
              ApproximateNumberOfMessages: '0',
              ApproximateNumberOfMessagesNotVisible: '2',
              RedrivePolicy: '{"maxReceiveCount":5}',
            },
          },
          { Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' } },
          {
            Attributes: {
              ApproximateNumberOfMessages: '0',
              ApproximateNumberOfMessagesNotVisible: '1',
              RedrivePolicy: '{"maxReceiveCount":1000}',
            },
          },
        ],
      },
    ],
  },
  'integ.kinesis-pipeline.ts': {
    build: kinesisPipeline.build,
    sdkCalls: ['CloudWatchLogs.filterLogEvents', 'Kinesis.putRecord', 'S3.listObjectsV2'],
    httpCalls: 0,
    retained: [],
    samples: [
      {
        label: 'the consumer logged the click',
        find: api('filterLogEvents'),
        pass: [
          {
            events: [
              {
                message: `2026-11-25T09:00:00.000Z\tr-1\tINFO\t${JSON.stringify({ message: 'click', ...kinesisPipeline.CLICK })}\n`,
              },
            ],
          },
        ],
        fail: [{ events: [] }, { events: [{ message: 'START RequestId: r-1' }] }],
      },
      {
        label: 'Firehose wrote an object under data/',
        find: api('listObjectsV2'),
        pass: [
          {
            KeyCount: 1,
            Contents: [
              {
                Key: 'data/dt=2026-11-25-09/RefArchInteg-KinesisPipeline-DeliveryStream-1-2026-11-25-09-01-00-abcd.gz',
                Size: 120,
              },
            ],
          },
        ],
        fail: [
          { KeyCount: 0 },
          { Contents: [{ Key: 'errors/processing-failed/year=2026/month=11/day=25/x' }] },
        ],
      },
    ],
  },
  'integ.s3-events.ts': {
    build: s3Events.build,
    sdkCalls: ['DynamoDB.query', 'S3.listObjectsV2', 'S3.putObject', 'S3.putObject', 'SQS.receiveMessage'],
    httpCalls: 0,
    // The sandbox deletes the buckets (emptied first), tables, queues, key and logs (see the pattern README).
    retained: [],
    samples: [
      {
        label: 'the result of the upload version is at results/<key>/<versionId>.json',
        find: api('listObjectsV2'),
        pass: [
          {
            KeyCount: 1,
            Contents: [{ Key: `results/${s3Events.ORDERS.key}/3HL4kqtJlcpXroDTDmJ.json`, Size: 310 }],
          },
        ],
        fail: [
          { KeyCount: 0 },
          // The upload itself, or another upload's result, or a result under the wrong prefix.
          { KeyCount: 1, Contents: [{ Key: s3Events.ORDERS.key }] },
          { KeyCount: 1, Contents: [{ Key: `results/${s3Events.BROKEN.key}/3HL4kqtJlcpXroDTDmJ.json` }] },
          { KeyCount: 1, Contents: [{ Key: `${s3Events.ORDERS.key}/3HL4kqtJlcpXroDTDmJ.json` }] },
        ],
      },
      {
        label: 'one record of the upload version, with its columns, rows and result',
        find: api('query'),
        pass: [
          {
            Count: 1,
            ScannedCount: 1,
            Items: [
              {
                objectKey: { S: s3Events.ORDERS.key },
                versionId: { S: '3HL4kqtJlcpXroDTDmJ' },
                bucket: { S: 'refarchinteg-s3eventpipeline-pipelineuploads-1a2b3c' },
                etag: { S: '"9b2cf535f27731c974343645a3985328"' },
                size: { N: '34' },
                rowCount: { N: '2' },
                columns: { L: [{ S: 'orderId' }, { S: 'amount' }] },
                resultBucket: { S: 'refarchinteg-s3eventpipeline-pipelineresults-4d5e6f' },
                resultKey: { S: `results/${s3Events.ORDERS.key}/3HL4kqtJlcpXroDTDmJ.json` },
                processedAt: { S: '2026-11-25T09:00:00.000Z' },
              },
            ],
          },
        ],
        fail: [
          { Count: 0, ScannedCount: 0, Items: [] },
          {
            Count: 1,
            Items: [
              {
                objectKey: { S: s3Events.ORDERS.key },
                rowCount: { N: '1' },
                columns: { L: [{ S: 'orderId' }, { S: 'amount' }] },
                resultKey: { S: `results/${s3Events.ORDERS.key}/3HL4kqtJlcpXroDTDmJ.json` },
              },
            ],
          },
          {
            Count: 1,
            Items: [
              {
                objectKey: { S: s3Events.ORDERS.key },
                rowCount: { N: '2' },
                columns: { L: [{ S: 'orderId,amount' }] },
                resultKey: { S: `results/${s3Events.ORDERS.key}/3HL4kqtJlcpXroDTDmJ.json` },
              },
            ],
          },
        ],
      },
      {
        label: "the corrupt upload's on-failure record is in the failed-events queue",
        find: (p) => p.actualPath === 'Messages.0.Body.requestPayload.detail.object.key',
        // The value at that path of the flattened ReceiveMessage response (the body is parsed as JSON).
        pass: [s3Events.BROKEN.key],
        fail: [s3Events.ORDERS.key, ''],
      },
    ],
  },
  'integ.multi-az-database.ts': {
    build: multiAzDatabase.build,
    sdkCalls: [
      'RDS.describeDBInstances',
      'RDS.describeDBInstances',
      'RDS.describeDBInstances',
      'RDS.describeDBInstances',
      'RDS.describeDBInstances',
      'RDS.rebootDBInstance',
    ],
    httpCalls: 0,
    retained: [],
    samples: [
      {
        label: 'MultiAZ is true',
        find: (p) => p.actualPath === 'DBInstances.0.MultiAZ',
        pass: [true],
        fail: [false, 'false'],
      },
      {
        label: 'a standby Availability Zone is reported',
        find: (p) => p.actualPath === 'DBInstances.0.SecondaryAvailabilityZone',
        pass: ['eu-west-1b', 'us-east-1a', 'ap-southeast-2c'],
        fail: ['', 'eu-west-1'],
      },
      {
        label: 'the instance is available (before the failover and after it)',
        find: (p) => p.actualPath === 'DBInstances.0.DBInstanceStatus',
        pass: ['available'],
        fail: ['backing-up', 'rebooting'],
      },
      {
        label: 'RDS accepted the failover reboot',
        find: (p) => p.actualPath === 'DBInstance.DBInstanceStatus',
        pass: ['rebooting'],
        fail: [''],
      },
    ],
  },
  'integ.three-tier-web-app.ts': {
    build: threeTierWebApp.build,
    sdkCalls: [],
    httpCalls: 2,
    retained: [],
    samples: [
      {
        label: 'the deep health check reached the database',
        find: expectedHas('"status":"ok"'),
        pass: [{ ok: true, status: 200, body: { status: 'ok', instance: 'i-0123456789abcdef0' } }],
        fail: [
          { ok: false, status: 503, body: { status: 'database unreachable' } },
          { ok: false, status: 502 },
        ],
      },
      {
        label: 'the page shows visits read from the database and a session kept in the cache',
        find: expectedHas('Visits stored in the database'),
        pass: [
          { ok: true, status: 200, body: page(1) },
          { ok: true, status: 200, body: page(27) },
        ],
        fail: [
          { ok: false, status: 503, body: 'The database is unreachable; try again shortly.\n' },
          { ok: true, status: 200, body: page(0) },
          { ok: true, status: 200, body: page(3, 'cache down') },
          { ok: true, status: 200, body: page(3, 'no cache') },
        ],
      },
    ],
  },
  'integ.static-site.ts': {
    build: staticSite.build,
    sdkCalls: [],
    // GET /, /docs/, /docs, /no-such-page; http:// without following the redirect; the bucket's own URL.
    httpCalls: 6,
    retained: [],
    samples: [
      {
        label: 'GET /: 200, the index page and the security headers',
        find: expectedHas('It works'),
        pass: [
          {
            ok: true,
            status: 200,
            body: sitePage('It works'),
            headers: {
              'content-type': ['text/html'],
              'strict-transport-security': ['max-age=31536000'],
              'x-content-type-options': ['nosniff'],
              'x-frame-options': ['SAMEORIGIN'],
            },
          },
        ],
        fail: [
          // No response headers policy.
          { ok: true, status: 200, body: sitePage('It works'), headers: { 'content-type': ['text/html'] } },
          {
            ok: true,
            status: 200,
            body: sitePage('It works'),
            headers: { 'strict-transport-security': ['max-age=31536000'] },
          },
          {
            ok: false,
            status: 404,
            body: sitePage('404: not found'),
            headers: {
              'strict-transport-security': ['max-age=31536000'],
              'x-content-type-options': ['nosniff'],
            },
          },
        ],
      },
      {
        label: 'GET /docs/ and /docs: 200 and docs/index.html (the viewer-request function)',
        find: expectedHas('/docs/index.html'),
        pass: [{ ok: true, status: 200, body: sitePage('/docs/index.html') }],
        fail: [
          // The function did not rewrite the URI: S3 refused the key "docs/", the 404 page came back.
          { ok: false, status: 404, body: sitePage('404: not found') },
          { ok: true, status: 200, body: sitePage('It works') },
        ],
      },
      {
        label: 'GET /no-such-page: 404 and the 404 page',
        find: expectedHas('404: not found'),
        pass: [{ ok: false, status: 404, body: sitePage('404: not found') }],
        fail: [
          // S3's own answer, without the distribution's error responses.
          { ok: false, status: 403, body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>' },
          { ok: true, status: 200, body: sitePage('404: not found') },
        ],
      },
      {
        label: 'http:// answers 301 to https://',
        find: expectedHas('"status":301'),
        pass: [
          {
            ok: false,
            status: 301,
            statusText: 'Moved Permanently',
            body: '',
            headers: { location: ['https://d111111abcdef8.cloudfront.net/'], server: ['CloudFront'] },
          },
        ],
        fail: [
          // The redirect was followed, or the distribution serves plain HTTP.
          { ok: true, status: 200, body: sitePage('It works'), headers: {} },
          {
            ok: false,
            status: 301,
            body: '',
            headers: { location: ['http://d111111abcdef8.cloudfront.net/'] },
          },
        ],
      },
      {
        label: "the origin bucket's own URL is refused",
        find: expectedHas('"status":403'),
        pass: [
          {
            ok: false,
            status: 403,
            body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
          },
        ],
        fail: [{ ok: true, status: 200, body: sitePage('It works') }],
      },
    ],
  },
  'integ.cognito-api.ts': {
    build: cognitoApi.build,
    sdkCalls: ['CognitoIdentityServiceProvider.describeUserPoolClient'],
    httpCalls: 4,
    // The account-level API Gateway logging role and setting, kept on purpose (see the pattern README).
    retained: ['AWS::ApiGateway::Account:NotesApiAccount', 'AWS::IAM::Role:NotesApiCloudWatchRole'],
    samples: [
      {
        label: 'no token: 401',
        find: expectedHas('"status":401'),
        pass: [{ ok: false, status: 401, body: { message: 'Unauthorized' } }],
        fail: [
          { ok: true, status: 200, body: { notes: [] } },
          { ok: false, status: 403 },
        ],
      },
      {
        label: 'with the token, POST /notes: 201 and the note',
        find: expectedHas('"status":201'),
        pass: [{ ok: true, status: 201, body: note }],
        fail: [
          { ok: false, status: 401, body: { message: 'Unauthorized' } },
          { ok: false, status: 400 },
        ],
      },
      {
        label: 'with the token, GET /notes: 200 and the note from DynamoDB',
        find: expectedHas('"status":200'),
        pass: [
          { ok: true, status: 200, body: { notes: [{ noteId: 'n-0', title: 'other', body: '' }, note] } },
        ],
        fail: [
          { ok: true, status: 200, body: { notes: [] } },
          { ok: false, status: 401 },
        ],
      },
    ],
  },
};

/**
 * Every integ test ends by proving that an alarm reaches its topic in the real account (alarmNotifies in
 * integ-helpers.ts): the two calls, and what the history check accepts and rejects.
 */
const ALARM_CALLS = ['CloudWatch.describeAlarmHistory', 'CloudWatch.setAlarmState'];
const ALARM_NOTIFIED: Samples = {
  label: 'an alarm action reached the alarm topic',
  find: api('describeAlarmHistory'),
  pass: [
    {
      AlarmHistoryItems: [
        {
          HistoryItemType: 'Action',
          HistorySummary:
            'Successfully executed action arn:aws:sns:eu-west-1:111111111111:RefArchInteg-Alarms',
        },
      ],
    },
  ],
  fail: [
    { AlarmHistoryItems: [] },
    {
      AlarmHistoryItems: [
        {
          HistoryItemType: 'Action',
          HistorySummary: 'Failed to execute action arn:aws:sns:eu-west-1:111111111111:RefArchInteg-Alarms',
        },
      ],
    },
  ],
};

/** integ-runner's pattern for TypeScript tests (`--language typescript`). */
const INTEG_FILE = /^integ\..*(?<!\.d)\.ts$/;

interface Synthesized {
  readonly integCase: IntegCase;
  readonly directory: string;
  readonly stack: TemplateJson;
  readonly assertions: TemplateJson;
}

const synthesized = new Map<string, Synthesized>();
/** Builds and synthesizes an integ app once (bundling skipped: the templates are what is checked). */
function synth(file: string): Synthesized {
  if (!synthesized.has(file)) {
    const app = testApp();
    const integCase = SPECS[file].build(app);
    const assembly = app.synth();
    const template = (name: string) => assembly.getStackByName(name).template as TemplateJson;
    synthesized.set(file, {
      integCase,
      directory: assembly.directory,
      stack: template(integCase.stack.stackName),
      assertions: template(integCase.assertionStack.stackName),
    });
  }
  return synthesized.get(file)!;
}

/** Custom resources of the assertion stack that make calls: SDK and HTTP. */
function calls(template: TemplateJson): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type.startsWith('Custom::DeployAssert@'));
}

/** Runs an `expected` value through the assertion handler integ-tests deploys; true when it matches. */
async function matches(expected: string, actual: unknown): Promise<boolean> {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const handler = new AssertionHandler(
      {
        RequestType: 'Create',
        LogicalResourceId: 'Check',
        ResourceProperties: { expected, actual },
      } as never,
      { getRemainingTimeInMillis: () => 60_000 } as never,
    );
    const result = await handler.handleIsComplete();
    return result !== undefined && !result.failed;
  } finally {
    log.mockRestore();
  }
}

/** The per-synth `salt` of every call (Date.now()) would make every snapshot differ. */
function maskSalts(value: Json): Json {
  if (Array.isArray(value)) return value.map(maskSalts);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'salt' ? '[SALT]' : maskSalts(v)]),
    );
  }
  return value;
}

test('every integ file in this folder is checked here, and none is a jest test', () => {
  const files = fs.readdirSync(__dirname).filter((f) => INTEG_FILE.test(f));
  expect(files.sort()).toEqual(Object.keys(SPECS).sort());
  for (const f of files) expect(f).not.toMatch(/\.test\.ts$/);
});

test('exactly() is what the assertion handler matches exactly; ExpectedResult.exact() never matches', async () => {
  expect(await matches(exactly({}).result, {})).toBe(true);
  expect(await matches(exactly({}).result, { Messages: [] })).toBe(false);
  expect(await matches(exactly('available').result, 'available')).toBe(true);
  expect(await matches(exactly('available').result, 'rebooting')).toBe(false);
  // If this starts to pass, integ-tests decodes $Exact now and exactly() can go.
  expect(await matches(ExpectedResult.exact('available').result, 'available')).toBe(false);
});

describe.each(Object.keys(SPECS))('%s', (file) => {
  const spec = SPECS[file];

  test('synthesizes, and integ.json names the test case, its stack and the assertion stack', () => {
    const { integCase, directory } = synth(file);
    const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'integ.json'), 'utf8'));
    const stackName = integCase.stack.stackName;
    expect(stackName.startsWith(INTEG_STACK_PREFIX)).toBe(true);
    // Never the demo stack a learner may have deployed in the same account.
    expect(PATTERN_STACKS.map((p) => p.stackId)).not.toContain(stackName);
    expect(manifest.testCases).toEqual({
      [`${integCase.integ.node.id}/DefaultTest`]: expect.objectContaining({
        stacks: [stackName],
        assertionStack: integCase.assertionStack.stackName,
        assertionStackName: integCase.assertionStack.stackName,
        stackUpdateWorkflow: false,
        cdkCommandOptions: { destroy: { args: { force: true } } },
      }),
    });
  });

  test('the assertion stack makes the expected calls, in one chain', () => {
    const { assertions } = synth(file);
    const all = calls(assertions);
    const sdk = all
      .filter(([, r]) => r.Type.startsWith('Custom::DeployAssert@SdkCall'))
      .map(([, r]) => `${r.Properties!.service}.${r.Properties!.api}`);
    expect(sdk.sort()).toEqual([...spec.sdkCalls, ...ALARM_CALLS].sort());
    expect(all.filter(([, r]) => r.Type.startsWith('Custom::DeployAssert@HttpCall'))).toHaveLength(
      spec.httpCalls,
    );
    // .next() makes each call depend on the one before: exactly one call starts the chain.
    const ids = new Set(all.map(([id]) => id));
    const starts = all.filter(([, r]) => !(r.DependsOn ?? []).some((d) => ids.has(d)));
    expect(starts).toHaveLength(1);
  });

  test('every expectation waits, so a failed one fails the deployment', () => {
    const withExpectation = calls(synth(file).assertions).filter(
      ([, r]) => r.Properties!.expected !== undefined,
    );
    expect(withExpectation.length).toBeGreaterThan(0);
    for (const [id, r] of withExpectation) {
      expect({ id, waits: r.Properties!.stateMachineArn !== undefined }).toEqual({ id, waits: true });
    }
  });

  test('the assertion functions log to groups of the stack, and the stack keeps nothing', () => {
    const { Resources } = synth(file).assertions;
    const functions = Object.values(Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const ref = (fn.Properties!.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup
        ?.Ref;
      expect(ref && Resources[ref]?.Type).toBe('AWS::Logs::LogGroup');
    }
    expect(Object.values(Resources).filter((r) => r.DeletionPolicy && r.DeletionPolicy !== 'Delete')).toEqual(
      [],
    );
  });

  test('the test stack keeps only what the README lists after destroy', () => {
    const kept = Object.entries(synth(file).stack.Resources)
      .filter(([, r]) => r.DeletionPolicy && r.DeletionPolicy !== 'Delete')
      .map(([id, r]) => `${r.Type}:${id.replace(/[0-9A-F]{8}$/, '')}`);
    expect(kept.sort()).toEqual(spec.retained);
  });

  test.each([...spec.samples, ALARM_NOTIFIED].map((s) => [s.label, s] as const))(
    'expectation "%s" accepts and rejects the sample responses',
    async (_label, samples) => {
      const found = calls(synth(file).assertions).filter(([, r]) => samples.find(r.Properties!));
      expect(found.length).toBeGreaterThan(0);
      for (const [id, r] of found) {
        const expected = r.Properties!.expected;
        expect({ id, type: typeof expected }).toEqual({ id, type: 'string' });
        for (const actual of samples.pass)
          expect({ id, actual, ok: await matches(expected as string, actual) }).toEqual({
            id,
            actual,
            ok: true,
          });
        for (const actual of samples.fail)
          expect({ id, actual, ok: await matches(expected as string, actual) }).toEqual({
            id,
            actual,
            ok: false,
          });
      }
    },
  );

  test('assertion stack snapshot', () => {
    expect(maskSalts(synth(file).assertions as unknown as Json)).toMatchSnapshot();
  });
});

describe('pattern-specific wiring', () => {
  test('fan-out: the publisher may use the topic key, and ListObjectsV2 is allowed by s3:ListBucket', () => {
    const fanout = JSON.stringify(synth('integ.sns-sqs-fanout.ts').assertions);
    expect(fanout).toContain('"kms:GenerateDataKey*","kms:Decrypt"');
    const kinesis = synth('integ.kinesis-pipeline.ts').assertions;
    const policies = Object.values(kinesis.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r).includes('s3:ListBucket'))
      .map((r) => JSON.stringify(r));
    // The first call's function and the waiter's function both list the bucket.
    expect(policies).toHaveLength(2);
  });

  test('queue workers: the sender may use the fleet key through SQS only, the publisher the topic key', () => {
    const { assertions } = synth('integ.queue-workers.ts');
    const statements = Object.values(assertions.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Role')
      .flatMap((r) =>
        (
          (r.Properties!.Policies ?? []) as { PolicyDocument: { Statement: Record<string, Json>[] } }[]
        ).flatMap((p) => p.PolicyDocument.Statement),
      )
      .map((st) => JSON.stringify(st));
    const fleetKey = statements.filter((st) => /WorkersKey/.test(st) && st.includes('kms:'));
    expect(fleetKey.length).toBeGreaterThan(0);
    for (const st of fleetKey) {
      expect(st).toContain('"kms:GenerateDataKey","kms:Decrypt"');
      expect(st).toContain('"kms:ViaService":"sqs.*.amazonaws.com"');
    }
    expect(
      statements.some((st) => /OrdersKey|TopicKey/.test(st) && st.includes('kms:GenerateDataKey*')),
    ).toBe(true);
    // The function of the first attempts and the waiter's function (the retries) may list the results bucket.
    const listing = Object.values(assertions.Resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Role' &&
        ((r.Properties!.Policies ?? []) as { PolicyDocument: { Statement: Record<string, Json>[] } }[])
          .flatMap((p) => p.PolicyDocument.Statement)
          .some(
            (st) =>
              JSON.stringify(st.Action) === '["s3:ListBucket"]' &&
              /WorkersResults/.test(JSON.stringify(st.Resource)),
          ),
    );
    expect(listing).toHaveLength(2);
  });

  test('s3 events: the checks name the uploaded version, and the roles may use the pipeline key', () => {
    const { assertions } = synth('integ.s3-events.ts');
    const [putId] = calls(assertions).find(([, r]) =>
      and(api('putObject'), paramsHave(s3Events.ORDERS.key))(r.Properties!),
    )!;
    const versionId = JSON.stringify({ 'Fn::GetAtt': [putId, 'apiCallResponse.VersionId'] });
    for (const apiName of ['listObjectsV2', 'query']) {
      const [, call] = calls(assertions).find(([, r]) => r.Properties!.api === apiName)!;
      expect(JSON.stringify(call.Properties!.parameters)).toContain(versionId);
    }
    // What the roles may do beyond the generated policies (`action@resource via service`): the first call's
    // function uploads (twice), lists and queries; the waiter's function retries the list and the query.
    const statements = Object.values(assertions.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Role')
      .map((r) =>
        ((r.Properties!.Policies ?? []) as { PolicyDocument: { Statement: Record<string, Json>[] } }[])
          .flatMap((p) => p.PolicyDocument.Statement)
          .filter((st) => JSON.stringify(st.Resource).includes('PublishOutputFnGetAttPipeline'))
          .map((st) => {
            const via = (st.Condition as { StringLike?: Record<string, string> } | undefined)?.StringLike?.[
              'kms:ViaService'
            ];
            const resource = JSON.stringify(st.Resource).match(
              /PublishOutputFnGetAttPipeline(Key|Results)/,
            )![1];
            return `${(st.Action as string[]).join(',')}@${resource}${via ? ` via ${via}` : ''}`;
          })
          .sort(),
      )
      .filter((list) => list.length > 0);
    expect(statements).toEqual(
      expect.arrayContaining([
        [
          'kms:Decrypt@Key via dynamodb.*.amazonaws.com',
          'kms:GenerateDataKey@Key via s3.*.amazonaws.com',
          'kms:GenerateDataKey@Key via s3.*.amazonaws.com',
          's3:ListBucket@Results',
        ],
        ['kms:Decrypt@Key via dynamodb.*.amazonaws.com', 's3:ListBucket@Results'],
      ]),
    );
    expect(statements).toHaveLength(2);
  });

  test('database: the failover check expects the AZ the first call reported as the standby', () => {
    const { assertions } = synth('integ.multi-az-database.ts');
    const promoted = calls(assertions).find(
      ([, r]) => r.Properties!.actualPath === 'DBInstances.0.AvailabilityZone',
    );
    const [firstId] = calls(assertions).find(([, r]) =>
      JSON.stringify(r.Properties!.outputPaths ?? []).includes('SecondaryAvailabilityZone'),
    )!;
    expect(JSON.stringify(promoted![1].Properties!.expected)).toContain(
      `{"Fn::GetAtt":["${firstId}","apiCallResponse.DBInstances.0.SecondaryAvailabilityZone"]}`,
    );
    const reboot = calls(assertions).find(([, r]) => r.Properties!.api === 'rebootDBInstance')!;
    expect(reboot[1].Properties!.parameters).toMatchObject({ ForceFailover: 'true' });
  });

  test('cognito: a client-credentials test client with the API scopes, and Basic auth at /oauth2/token', () => {
    const { stack, assertions } = synth('integ.cognito-api.ts');
    const clients = Object.values(stack.Resources).filter((r) => r.Type === 'AWS::Cognito::UserPoolClient');
    const testClient = clients.find((r) => r.Properties!.GenerateSecret === true);
    expect(testClient?.Properties).toMatchObject({
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: ['notes/read', 'notes/write'],
    });
    // The demo's own client is unchanged: public, code grant only.
    expect(
      clients.filter((r) => JSON.stringify(r.Properties!.AllowedOAuthFlows) === '["code"]'),
    ).toHaveLength(1);
    const token = calls(assertions).find(([, r]) => JSON.stringify(r.Properties).includes('/oauth2/token'))!;
    const props = JSON.stringify(token[1].Properties);
    expect(props).toContain('Fn::Base64');
    expect(props).toContain('grant_type=client_credentials');
  });
});
