import * as fs from 'fs';
import { PatternPermissions } from '../../lib/core/permission-paths';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { PERMISSIONS_DOC } from '../../scripts/permissions-doc';
import {
  alarmTopicWithOnlyTheTlsDeny,
  logBucketWithoutDeliveryStatement,
  logKeyWithoutEncrypt,
  originWithoutOacStatement,
  queueKeyThatRefusesSns,
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
