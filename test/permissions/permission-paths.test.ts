import * as fs from 'fs';
import { PatternPermissions } from '../../lib/core/permission-paths';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { PERMISSIONS_DOC } from '../../scripts/permissions-doc';
import {
  alarmTopicWithOnlyTheTlsDeny,
  deadLetterQueueThatRefusesTheRule,
  logBucketWithoutDeliveryStatement,
  logKeyWithoutEncrypt,
  onFailureDestinationWithoutGrant,
  originWithoutOacStatement,
  queueKeyThatRefusesSns,
  ruleInvokePermissionWithoutSourceArn,
  undeclaredBucketReader,
} from '../fixtures/broken-permission-paths';
import { PatternProofs, proveAllPatterns, renderPermissionsDoc } from './pattern-proofs';
import { PatternProof, provePattern } from './prove';

/*
 * The permission-path proof (issue 14): every path of every demo stack, in both profiles, decided by an
 * IAM policy simulation over the template's identity, resource and key policies together. See
 * lib/core/permission-paths.ts for what is proven and docs/PERMISSIONS.md for the result.
 */

let all: PatternProofs[];
beforeAll(async () => {
  all = await proveAllPatterns();
});

describe.each(PATTERN_STACKS.map((e) => [e.stackId] as const))('%s', (stackId) => {
  const proofsOf = (): PatternProof[] => all.find((p) => p.entry.stackId === stackId)!.proofs;

  test.each(['sandbox', 'production'] as const)('every path holds in the %s profile', (profile) => {
    const proof = proofsOf().find((p) => p.profile === profile)!;
    expect(proof.failures.join('\n\n')).toBe('');
    // A proof that proves nothing passes too: it must have tried calls of every origin.
    expect(proof.cases.filter((c) => c.case.origin === 'every pattern').length).toBeGreaterThan(10);
    expect(proof.cases.filter((c) => c.case.origin === 'declared').length).toBeGreaterThan(0);
    expect(proof.cases.some((c) => c.case.expect === 'deny')).toBe(true);
  });
});

test('every alarm topic of every stack is proven open to CloudWatch alarms, topic and key', () => {
  for (const { entry, proofs } of all) {
    for (const proof of proofs) {
      const alarmPaths = proof.cases.filter((c) => c.case.why.startsWith('CloudWatch alarms notify'));
      const label = `${entry.stackId} ${proof.profile}`;
      expect([label, alarmPaths.some((c) => c.case.action === 'sns:Publish' && c.holds)]).toEqual([
        label,
        true,
      ]);
      expect([label, alarmPaths.some((c) => c.case.action === 'kms:GenerateDataKey' && c.holds)]).toEqual([
        label,
        true,
      ]);
    }
  }
});

test('docs/PERMISSIONS.md is up to date (run `npm run permissions` after changing a path or a policy)', () => {
  expect(fs.readFileSync(PERMISSIONS_DOC, 'utf8')).toBe(renderPermissionsDoc(all));
});

describe('the proof fails on a broken path, and says which statement decided', () => {
  const none: PatternPermissions = { paths: [], dataAccess: {} };
  const failuresOf = async (template: unknown, declared = none): Promise<string> =>
    (await provePattern(template, 'Broken', 'sandbox', declared)).failures.join('\n\n');

  test('an alarm topic whose policy holds only the TLS Deny (AlarmTopic before the fix)', async () => {
    const failures = await failuresOf(alarmTopicWithOnlyTheTlsDeny());
    expect(failures).toMatch(
      /MUST ALLOW: CloudWatch alarms notify Alarms\n\s+sns:Publish on arn:aws:sns:eu-west-1:111111111111:/,
    );
    expect(failures).toMatch(/decision: ImplicitlyDenied: no statement allows it/);
    expect(failures).toMatch(
      /Deny 'AllowPublishThroughSSLOnly' of topic policy of Alarms: condition Bool aws:SecureTransport/,
    );
    // The key side was right, and so is not reported.
    expect(failures).not.toMatch(/MUST ALLOW: CloudWatch alarms notify Alarms \(its key\)/);
  });

  test('a KMS-encrypted queue whose key does not admit SNS', async () => {
    const failures = await failuresOf(queueKeyThatRefusesSns());
    expect(failures).toMatch(
      /MUST ALLOW: SNS delivers messages of Orders into Billing \(its key\)\n\s+kms:GenerateDataKey on arn:aws:kms:/,
    );
    expect(failures).toMatch(/resource policy: key policy of QueueKey/);
    // The queue policy itself admits the topic: only the key is reported.
    expect(failures).not.toMatch(/MUST ALLOW: SNS delivers messages of Orders into Billing\n/);
  });

  test('a log group whose key lets CloudWatch Logs decrypt but not encrypt', async () => {
    const failures = await failuresOf(logKeyWithoutEncrypt());
    expect(failures).toMatch(
      /MUST ALLOW: CloudWatch Logs encrypts the log group WafLogs\n\s+kms:Encrypt on /,
    );
    expect(failures).toMatch(
      /MUST ALLOW: CloudWatch Logs encrypts the log group WafLogs\n\s+kms:ReEncryptFrom on /,
    );
    expect(failures).not.toMatch(/MUST ALLOW: [^\n]*\n\s+kms:(Decrypt|GenerateDataKey) on /);
    // The key statement has no aws:logs:arn condition, so a log group of another account gets in too.
    expect(failures).toMatch(
      /MUST REFUSE: CloudWatch Logs encrypts the log group WafLogs: not a log group of another account/,
    );
  });

  test('a bucket behind origin access control whose policies do not admit the distribution', async () => {
    const failures = await failuresOf(originWithoutOacStatement());
    expect(failures).toMatch(
      /MUST ALLOW: CloudFront reads Content for Site \(origin access control\)\n\s+s3:GetObject on arn:aws:s3:::[^\n]+\/index\.html/,
    );
    expect(failures).toMatch(/resource policy: bucket policy of Content/);
    expect(failures).toMatch(
      /MUST ALLOW: CloudFront reads Content for Site \(origin access control\) \(the bucket key, through S3\)\n\s+kms:Decrypt on arn:aws:kms:/,
    );
    // Nothing admits CloudFront, so the refusals hold.
    expect(failures).not.toMatch(/MUST REFUSE/);
  });

  test('a bucket statement for origin access control that admits every distribution of the account', async () => {
    const failures = await failuresOf(originWithoutOacStatement('anyDistribution'));
    expect(failures).toMatch(
      /^MUST REFUSE: CloudFront reads Content for Site \(origin access control\): not for another distribution of the account \(confused deputy\)\n\s+s3:GetObject on /,
    );
    expect(failures).toMatch(
      /aws:SourceArn = arn:aws:cloudfront::111111111111:distribution\/EANOTHERDISTRIBUTION/,
    );
    expect(failures).toMatch(/decision: Allowed/);
    // The reads themselves, and the key refusal for another account, hold: only the refusal is reported.
    expect(failures).not.toMatch(/MUST ALLOW/);
    expect(failures.match(/^MUST /gm)).toHaveLength(1);
  });

  test('a log bucket for standard logging (v2) that does not admit log delivery', async () => {
    const failures = await failuresOf(logBucketWithoutDeliveryStatement());
    expect(failures).toMatch(
      /MUST ALLOW: Log delivery writes the logs of AccessLogSource to Logs\n\s+s3:PutObject on arn:aws:s3:::[^\n]+\/AWSLogs\/111111111111\/CloudFront\//,
    );
    expect(failures).toMatch(/decision: ImplicitlyDenied: no statement allows it/);
    expect(failures).toMatch(/s3:x-amz-acl = bucket-owner-full-control/);
    expect(failures).toMatch(
      /aws:SourceArn = arn:aws:logs:eu-west-1:111111111111:delivery-source:fixture-src/,
    );
    expect(failures).not.toMatch(/MUST REFUSE/);
  });

  test('a log delivery statement that names neither the delivery source nor its account', async () => {
    const failures = await failuresOf(logBucketWithoutDeliveryStatement('withoutSource'));
    expect(failures).toMatch(
      /^MUST REFUSE: Log delivery writes the logs of AccessLogSource to Logs: not for a delivery source of another account \(confused deputy\)\n/,
    );
    expect(failures).toMatch(/aws:SourceAccount = 222222222222/);
    expect(failures).not.toMatch(/MUST ALLOW/);
  });

  test('a Lambda permission for EventBridge that names no rule lets every rule invoke the function', async () => {
    const failures = await failuresOf(ruleInvokePermissionWithoutSourceArn());
    expect(failures).toMatch(
      /^MUST REFUSE: EventBridge invokes Processor for Uploads: not for another rule of the account \(confused deputy\)\n\s+lambda:InvokeFunction on arn:aws:lambda:eu-west-1:111111111111:function:/,
    );
    expect(failures).toMatch(/aws:SourceArn = arn:aws:events:eu-west-1:111111111111:rule\/another-rule/);
    expect(failures).toMatch(
      /MUST REFUSE: EventBridge invokes Processor for Uploads: not for a rule of another account \(confused deputy\)/,
    );
    expect(failures).toMatch(
      /decision: Allowed, decided by:\n\s+Allow 'InvokeByEventBridge' of function policy of Processor/,
    );
    // The rule itself may invoke the function: only the two refusals fail.
    expect(failures).not.toMatch(/MUST ALLOW/);
    expect(failures.match(/^MUST /gm)).toHaveLength(2);
  });

  test("a rule target's dead-letter queue whose policy does not admit the rule", async () => {
    const failures = await failuresOf(deadLetterQueueThatRefusesTheRule());
    expect(failures).toMatch(
      /^MUST ALLOW: EventBridge keeps the events Uploads could not deliver to Processor in Undelivered\n\s+sqs:SendMessage on arn:aws:sqs:eu-west-1:111111111111:/,
    );
    expect(failures).toMatch(/aws:SourceArn = arn:aws:events:eu-west-1:111111111111:rule\/Broken-Uploads/);
    expect(failures).toMatch(/decision: ImplicitlyDenied: no statement allows it/);
    expect(failures).toMatch(/resource policy: queue policy of Undelivered/);
    // The invocation itself is admitted (the L2 target wrote its permission): only the queue fails.
    expect(failures.match(/^MUST /gm)).toHaveLength(1);
  });

  test('a dead-letter queue statement for EventBridge that names no rule', async () => {
    const failures = await failuresOf(deadLetterQueueThatRefusesTheRule('anyRule'));
    expect(failures).toMatch(
      /^MUST REFUSE: EventBridge keeps the events Uploads could not deliver to Processor in Undelivered: only for that rule\n\s+sqs:SendMessage on /,
    );
    expect(failures).toMatch(
      /decision: Allowed, decided by:\n\s+Allow statement #2 of queue policy of Undelivered/,
    );
    expect(failures).not.toMatch(/MUST ALLOW/);
    expect(failures.match(/^MUST /gm)).toHaveLength(1);
  });

  test('a KMS-encrypted dead-letter queue whose key does not admit EventBridge', async () => {
    const failures = await failuresOf(deadLetterQueueThatRefusesTheRule('keyRefuses'));
    expect(failures).toMatch(
      /^MUST ALLOW: EventBridge keeps the events Uploads could not deliver to Processor in Undelivered \(its key\)\n\s+kms:GenerateDataKey on arn:aws:kms:/m,
    );
    expect(failures).toMatch(
      /MUST ALLOW: EventBridge keeps the events Uploads could not deliver to Processor in Undelivered \(its key\)\n\s+kms:Decrypt on /,
    );
    expect(failures).toMatch(/resource policy: key policy of QueueKey/);
    // The queue statement admits the rule, and only the rule: the queue itself is not reported.
    expect(failures).not.toMatch(/MUST ALLOW: [^\n]*Undelivered\n/);
    expect(failures).not.toMatch(/MUST REFUSE/);
  });

  test("a function whose role may not send to its asynchronous invocations' on-failure queue", async () => {
    const failures = await failuresOf(onFailureDestinationWithoutGrant());
    expect(failures).toMatch(
      /^MUST ALLOW: Lambda records the events Processor failed on in Failed\n\s+sqs:SendMessage on arn:aws:sqs:eu-west-1:111111111111:/,
    );
    expect(failures).toMatch(/caller: {3}role arn:aws:iam::111111111111:role\/Broken-ProcessorServiceRole/);
    expect(failures).toMatch(/decision: ImplicitlyDenied: no statement allows it/);
    expect(failures).toMatch(/identity policies: AWS managed policy AWSLambdaBasicExecutionRole\n/);
    expect(failures.match(/^MUST /gm)).toHaveLength(1);
  });

  test('a KMS-encrypted on-failure queue whose key the function role was not granted', async () => {
    const failures = await failuresOf(onFailureDestinationWithoutGrant('keyNotGranted'));
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(failures).toMatch(
        new RegExp(
          `MUST ALLOW: Lambda records the events Processor failed on in Failed \\(its key, through SQS\\)\\n\\s+${action} on arn:aws:kms:`,
        ),
      );
    }
    expect(failures).toMatch(/kms:ViaService = sqs\.eu-west-1\.amazonaws\.com/);
    expect(failures).toMatch(
      /trusts the caller's account only: an identity policy of the caller must allow the action too/,
    );
    // sqs:SendMessage itself is granted (and so undeclared here): only the key is reported as a path.
    expect(failures).not.toMatch(/MUST ALLOW: Lambda records the events Processor failed on in Failed\n/);
    expect(failures).toMatch(/UNDECLARED DATA ACCESS: Processor\/ServiceRole can sqs:SendMessage on Failed;/);
  });

  test('a role that reads data the pattern does not declare, and a declared access that is not there', async () => {
    const template = undeclaredBucketReader();
    expect(await failuresOf(template)).toMatch(
      /UNDECLARED DATA ACCESS: Worker can s3:ListBucket, s3:GetObject on Reports;/,
    );
    const declared: PatternPermissions = {
      paths: [],
      dataAccess: { Worker: { Reports: 'reads the reports it summarizes' } },
    };
    expect(await failuresOf(template, declared)).toBe('');
    const stale: PatternPermissions = {
      paths: [],
      dataAccess: { Worker: { Reports: 'reads', Archive: 'reads' } },
    };
    expect(await failuresOf(template, stale)).toMatch(
      /^DECLARED BUT UNUSED: dataAccess says Worker may reach Archive, but it cannot/,
    );
  });

  test('a role whose read is scoped to a key prefix still reads the bucket, and must declare it', async () => {
    const failures = await failuresOf(undeclaredBucketReader('exports/'));
    expect(failures).toMatch(/UNDECLARED DATA ACCESS: Worker can s3:ListBucket, s3:GetObject on Reports;/);
  });

  test('a declared refusal that the policies allow', async () => {
    const declared: PatternPermissions = {
      paths: [
        {
          why: 'the worker cannot write reports',
          caller: { role: 'Worker' },
          actions: ['s3:PutObject'],
          resource: '${Reports.Arn}/2026/report.csv',
          expect: 'deny',
        },
        {
          why: 'the worker reads reports',
          caller: { role: 'Worker' },
          actions: ['s3:GetObject'],
          resource: '${Reports.Arn}/2026/report.csv',
          expect: 'deny',
        },
      ],
      dataAccess: { Worker: { Reports: 'reads' } },
    };
    const failures = await failuresOf(undeclaredBucketReader(), declared);
    expect(failures).not.toMatch(/the worker cannot write reports/);
    expect(failures).toMatch(/MUST REFUSE: the worker reads reports\n\s+s3:GetObject on arn:aws:s3:::/);
    expect(failures).toMatch(/decision: Allowed/);
  });

  test('a declaration naming a construct the stack does not have', async () => {
    const declared: PatternPermissions = {
      paths: [
        { why: 'typo', caller: { role: 'Wroker' }, actions: ['s3:GetObject'], resource: '*', expect: 'deny' },
      ],
      dataAccess: { Worker: { Reports: 'reads' } },
    };
    expect(await failuresOf(undeclaredBucketReader(), declared)).toMatch(
      /declared path "typo" cannot be read: no resources at Wroker; paths near it:/,
    );
  });
});
