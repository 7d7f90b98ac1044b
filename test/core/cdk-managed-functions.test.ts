import { CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { adoptCdkManagedFunctions } from '../../lib/core/cdk-managed-functions';
import { EncryptionKey } from '../../lib/core/encryption-key';
import { allowCloudWatchLogs } from '../../lib/core/service-grants';
import { PATTERN_STACKS } from '../../lib/stacks/reference-app';
import { synthesizeApp } from '../reliability/synthesized-app';
import { testApp } from '../support/app';
import { nagFindings } from '../support/compliance';

const ENCRYPTION_RULES = [
  'NIST.800.53.R4-CloudWatchLogGroupEncrypted',
  'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
  'HIPAA.Security-CloudWatchLogGroupEncrypted',
  'PCI.DSS.321-CloudWatchLogGroupEncrypted',
  'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
];

interface Options {
  /** Removal policy of the stack's own logs key; none: the stack has no key. */
  readonly keyRemovalPolicy?: RemovalPolicy;
  /** Removal policy of the provider log groups. */
  readonly removalPolicy: RemovalPolicy;
  readonly encryptionKey?: (stack: Stack) => kms.IKey;
}

/** A stack with a VPC (whose restrictDefaultSecurityGroup provider is a CDK function), maybe a logs key. */
function build(o: Options) {
  const stack = new Stack(testApp(), 'Adopted');
  new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  let key: kms.Key | undefined;
  if (o.keyRemovalPolicy) {
    key = new EncryptionKey(stack, 'LogsKey', {
      description: 'Encrypts the app logs',
      removalPolicy: o.keyRemovalPolicy,
    }).key;
    allowCloudWatchLogs(key);
    new logs.LogGroup(stack, 'AppLogs', { encryptionKey: key, removalPolicy: o.keyRemovalPolicy });
  }
  const [group] = adoptCdkManagedFunctions(stack, {
    removalPolicy: o.removalPolicy,
    encryptionKey: o.encryptionKey?.(stack),
  });
  const id = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnElement);
  const resource = Template.fromStack(stack).toJSON().Resources[id(group)];
  const acks = JSON.stringify(group.node.metadata.map((m) => m.data));
  // The plain VPC has findings of its own; the provider's log group must have none left.
  const groupFindings = () => nagFindings(stack).filter((f) => f.path.startsWith(group.node.path));
  return { stack, key, group, resource, acks, keyId: key && id(key), groupFindings };
}

describe('adoptCdkManagedFunctions: the key of the provider log groups (issue 23)', () => {
  test('kept groups use the kept key the stack already encrypts a log group with; nothing to acknowledge', () => {
    const b = build({ keyRemovalPolicy: RemovalPolicy.RETAIN, removalPolicy: RemovalPolicy.RETAIN });
    expect(b.resource.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [b.keyId, 'Arn'] });
    expect(b.resource.DeletionPolicy).toBe('Retain');
    for (const rule of ENCRYPTION_RULES) expect(b.acks).not.toContain(rule);
    // The key policy already admits CloudWatch Logs for every log group of the account: one statement.
    const policy = Template.fromStack(b.stack).toJSON().Resources[b.keyId!].Properties.KeyPolicy;
    expect(policy.Statement.filter((s: { Sid?: string }) => s.Sid === 'AllowCloudWatchLogs')).toHaveLength(1);
    expect(b.groupFindings()).toEqual([]);
  });

  test('groups deleted with the stack keep CloudWatch Logs encryption, acknowledged with that reason', () => {
    const b = build({ keyRemovalPolicy: RemovalPolicy.DESTROY, removalPolicy: RemovalPolicy.DESTROY });
    expect(b.resource.Properties.KmsKeyId).toBeUndefined();
    for (const rule of ENCRYPTION_RULES) expect(b.acks).toContain(rule);
    expect(b.acks).toContain('deleted with the stack (removalPolicy DESTROY, the sandbox profile)');
    expect(b.acks).not.toContain('$1 a month');
    expect(b.groupFindings()).toEqual([]);
  });

  test('a kept group never takes a key the stack deletes: it would become unreadable', () => {
    const b = build({ keyRemovalPolicy: RemovalPolicy.DESTROY, removalPolicy: RemovalPolicy.RETAIN });
    expect(b.resource.Properties.KmsKeyId).toBeUndefined();
    expect(b.acks).toContain('no customer managed key that already encrypts its log groups');
    expect(b.groupFindings()).toEqual([]);
  });

  test('without any logs key, the reason says a key for these logs alone would cost $1 a month', () => {
    const b = build({ removalPolicy: RemovalPolicy.RETAIN });
    expect(b.resource.Properties.KmsKeyId).toBeUndefined();
    expect(b.acks).toContain('would add $1 a month for no data');
    expect(b.groupFindings()).toEqual([]);
  });

  test('an explicit encryptionKey is used whatever the removal policy', () => {
    const b = build({
      keyRemovalPolicy: RemovalPolicy.DESTROY,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: (stack) => stack.node.findChild('LogsKey').node.findChild('Resource') as kms.Key,
    });
    expect(b.resource.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [b.keyId, 'Arn'] });
    for (const rule of ENCRYPTION_RULES) expect(b.acks).not.toContain(rule);
  });

  test.each(PATTERN_STACKS.map((e) => e.stackId))(
    '%s production: every CDK provider log group is encrypted with a kept key of the stack',
    (stackId) => {
      const resources = synthesizeApp('production').find((s) => s.stackId === stackId)!.template
        .Resources as Record<
        string,
        {
          Type: string;
          DeletionPolicy?: string;
          Properties: { KmsKeyId?: { 'Fn::GetAtt': [string, string] } };
        }
      >;
      const groups = Object.entries(resources).filter(
        ([id, r]) => r.Type === 'AWS::Logs::LogGroup' && id.includes('CustomResourceProviderLogs'),
      );
      for (const [id, group] of groups) {
        const keyId = group.Properties.KmsKeyId?.['Fn::GetAtt'][0];
        expect([id, keyId && resources[keyId].Type, keyId && resources[keyId].DeletionPolicy]).toEqual([
          id,
          'AWS::KMS::Key',
          'Retain',
        ]);
      }
    },
  );
});
