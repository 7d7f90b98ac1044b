import { Annotations as CdkAnnotations, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlarmTopic, notify } from '../../lib/core/alarms';
import { EncryptionKey } from '../../lib/core/encryption-key';
import {
  ALARM_TOPIC_NOT_GRANTED_WARNING,
  allowAlbAccessLogs,
  allowCloudWatchLogs,
  CLOUDWATCH_LOGS_KEY_ACTIONS,
} from '../../lib/core/service-grants';
import { resolveTemplate, testEnvironment } from '../permissions/resolve-template';
import { testApp } from '../support/app';

const ALARM_CONDITIONS = {
  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
  ArnLike: {
    'aws:SourceArn': {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':cloudwatch:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':alarm:*',
        ],
      ],
    },
  },
};

function alarm(stack: Stack, id = 'Alarm'): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Errors' }),
    threshold: 1,
    evaluationPeriods: 1,
  });
}

describe('AlarmTopic', () => {
  const stack = new Stack(testApp(), 'Stack');
  new AlarmTopic(stack, 'Alarms');
  const template = Template.fromStack(stack);

  test('the topic policy lets CloudWatch alarms of this account publish, beside the TLS-only Deny', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarms',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: ALARM_CONDITIONS,
          }),
        ]),
      },
    });
  });

  test('the topic key lets CloudWatch alarms of this account encrypt, with the same conditions', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarms',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: ALARM_CONDITIONS,
          }),
        ]),
      },
    });
  });
});

describe('notify', () => {
  test("opens a caller's own topic and its key to CloudWatch alarms, once however many alarms use it", () => {
    const stack = new Stack(testApp(), 'Stack');
    const key = new EncryptionKey(stack, 'Key', { description: 'caller key' }).key;
    const topic = new sns.Topic(stack, 'CallerTopic', { masterKey: key, enforceSSL: true });
    notify(alarm(stack, 'A'), topic);
    notify(alarm(stack, 'B'), topic);
    const template = Template.fromStack(stack);
    const policies = template.findResources('AWS::SNS::TopicPolicy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements.filter((s) => s.Sid === 'AllowCloudWatchAlarms')).toHaveLength(1);
    const keyStatements = Object.values(template.findResources('AWS::KMS::Key')).flatMap(
      (k) => k.Properties.KeyPolicy.Statement,
    );
    expect(keyStatements.filter((s) => s.Sid === 'AllowCloudWatchAlarms')).toHaveLength(1);
  });

  // cdk.json's annotationsInValidationReport turns the warning into a failed synth, as a learner meets it.
  test('warns, naming the statement to add, when the topic belongs to another app', () => {
    const stack = new Stack(testApp(), 'Stack');
    const topic = sns.Topic.fromTopicArn(stack, 'Imported', 'arn:aws:sns:eu-west-1:111111111111:ops');
    notify(alarm(stack), topic);
    expect(() => Template.fromStack(stack)).toThrow(
      /arn:aws:sns:eu-west-1:111111111111:ops belongs to another app.*cloudwatch\.amazonaws\.com sns:Publish.*aws:SourceArn/,
    );
  });

  test('warns when the topic is ours but its key is not', () => {
    const stack = new Stack(testApp(), 'Stack');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/abc');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key });
    notify(alarm(stack), topic);
    expect(() => Template.fromStack(stack)).toThrow(/Stack\/Topic belongs to another app/);
  });

  test('the warning can be acknowledged by a caller who added the statement', () => {
    const stack = new Stack(testApp(), 'Stack');
    CdkAnnotations.of(stack).acknowledgeWarning(ALARM_TOPIC_NOT_GRANTED_WARNING, 'added by hand');
    notify(alarm(stack), sns.Topic.fromTopicArn(stack, 'Imported', 'arn:aws:sns:eu-west-1:111111111111:ops'));
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toHaveLength(0);
    Template.fromStack(stack).resourceCountIs('AWS::SNS::TopicPolicy', 0);
  });
});

describe('allowCloudWatchLogs', () => {
  test('grants the five documented actions, limited to log groups of this account', () => {
    const stack = new Stack(testApp(), 'Stack');
    allowCloudWatchLogs(new EncryptionKey(stack, 'Key', { description: 'logs' }).key);
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogs',
            Action: [...CLOUDWATCH_LOGS_KEY_ACTIONS].sort(),
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
    expect(CLOUDWATCH_LOGS_KEY_ACTIONS).toEqual([
      'kms:Encrypt*',
      'kms:Decrypt*',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:Describe*',
    ]);
  });

  test('refuses a key of another app: its policy cannot take the statement', () => {
    const stack = new Stack(testApp(), 'Stack');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/abc');
    expect(() => allowCloudWatchLogs(key)).toThrow(/belongs to another app or account.*AllowCloudWatchLogs/);
  });
});

describe('allowAlbAccessLogs', () => {
  function template(): unknown {
    const stack = new Stack(testApp(), 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const lb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: true });
    const bucket = new s3.Bucket(stack, 'Logs', { enforceSSL: true });
    allowAlbAccessLogs(lb, bucket, 'load-balancer');
    return Template.fromStack(stack).toJSON();
  }
  const writers = (region: string): unknown[] => {
    const t = resolveTemplate(template(), { ...testEnvironment('Stack'), region });
    const policy = t.ofType('AWS::S3::BucketPolicy')[0].properties.PolicyDocument.Statement;
    return policy
      .filter((s: { Sid?: string }) => s.Sid?.startsWith('AlbAccessLogs'))
      .map((s: { Principal: unknown }) => s.Principal);
  };

  test('a Region opened before August 2022 lets its ELB account write, by a condition that never looks up an unknown Region', () => {
    expect(writers('eu-west-1')).toEqual([
      { AWS: 'arn:aws:iam::156460612806:root' },
      { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
    ]);
    const conditions = JSON.stringify((template() as { Conditions: unknown }).Conditions);
    expect(conditions).not.toContain('Fn::FindInMap');
  });

  test('a Region this aws-cdk-lib does not know deploys, written to by the log delivery service', () => {
    // Before the fix the condition was a Fn::FindInMap on the Region, which fails the whole stack there.
    expect(writers('xx-future-1')).toEqual([
      { AWS: 'arn:aws:iam::111111111111:root' },
      { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
    ]);
  });
});

test('a topic encrypted with the AWS managed key alias/aws/sns is an error: no alarm could reach it', () => {
  const stack = new Stack(testApp(), 'Stack');
  const topic = new sns.Topic(stack, 'Topic', {
    masterKey: kms.Alias.fromAliasName(stack, 'Managed', 'alias/aws/sns'),
  });
  expect(() => notify(alarm(stack), topic)).toThrow(
    /alias\/aws\/sns.*CloudWatch alarms can never publish to it/,
  );
});
