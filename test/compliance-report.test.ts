import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { collectWildcardResources, REPORT_FILE, renderComplianceReport } from '../scripts/compliance-report';
import {
  FIXTURE_REASON,
  WildcardPolicyStack,
  WildcardPolicyStackProps,
} from './fixtures/wildcard-policy-stack';
import { testApp } from './support/app';

test('docs/COMPLIANCE.md is up to date (run `npm run compliance` after changing an acknowledgment)', () => {
  expect(fs.readFileSync(REPORT_FILE, 'utf8')).toBe(renderComplianceReport());
});

describe('wildcard resources in IAM identity policies', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'wildcard-fixture-'));
  });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  function wildcards(props: WildcardPolicyStackProps) {
    const app = testApp({}, { outdir, builtinCloudFormationValidation: false });
    new WildcardPolicyStack(app, 'Fixture', props);
    return () => collectWildcardResources(app);
  }

  test('finds one in a default policy, a managed policy and an inline policy, with the reason', () => {
    const records = wildcards({ acknowledged: true })();
    expect(records).toEqual([
      {
        stack: 'Fixture',
        constructPath: 'Fixture/WorkerRole/DefaultPolicy',
        cfnType: 'AWS::IAM::Policy',
        policyName: undefined,
        resource: '*',
        actions: ['xray:PutTraceSegments'],
        conditions: [],
        rule: 'AwsSolutions-IAM5[Resource::*]',
        reason: FIXTURE_REASON,
      },
      {
        stack: 'Fixture',
        constructPath: 'Fixture/ReadReports',
        cfnType: 'AWS::IAM::ManagedPolicy',
        policyName: undefined,
        resource: 'arn:aws:s3:::reports-bucket/*',
        actions: ['s3:GetObject'],
        conditions: ['StringEquals s3:ExistingObjectTag/team'],
        rule: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::reports-bucket/*]',
        reason: FIXTURE_REASON,
      },
      {
        stack: 'Fixture',
        constructPath: 'Fixture/LoggerRole',
        cfnType: 'AWS::IAM::Role',
        policyName: 'Logs',
        resource: 'arn:aws:logs:<AWS::Region>:<AWS::AccountId>:log-group:/app/*',
        actions: ['logs:PutLogEvents'],
        conditions: [],
        rule: 'AwsSolutions-IAM5[Resource::arn:aws:logs:<AWS::Region>:<AWS::AccountId>:log-group:/app/*]',
        reason: FIXTURE_REASON,
      },
    ]);
  });

  test('throws, naming each wildcard and the acknowledgment it needs, when none has a reason', () => {
    const collect = wildcards({ acknowledged: false });
    expect(collect).toThrow('Wildcard resources in IAM identity policies without a reason (3)');
    expect(collect).toThrow(
      "Fixture/WorkerRole/DefaultPolicy: resource '*' for xray:PutTraceSegments has no reason. Narrow the " +
        "resource, or acknowledge(<the policy construct>, { id: 'AwsSolutions-IAM5[Resource::*]'",
    );
    expect(collect).toThrow("Fixture/ReadReports: resource 'arn:aws:s3:::reports-bucket/*'");
    expect(collect).toThrow(
      "Fixture/LoggerRole (inline policy Logs): resource 'arn:aws:logs:<AWS::Region>:<AWS::AccountId>:log-group:/app/*'",
    );
  });

  test('throws on an Allow statement with NotResource, which no rule id can acknowledge', () => {
    expect(wildcards({ acknowledged: true, notResource: true })).toThrow(
      'Fixture/LoggerRole (inline policy Logs): an Allow statement with NotResource (s3:GetObject) grants every ' +
        'resource but the ones listed',
    );
  });
});
