import { AWS_BACKUP_KEY_ACCESS, PatternPermissions } from '../core/permission-paths';

/*
 * What the Multi-AZ database demo stack (RefArch-MultiAzDatabase) lets through and what it refuses,
 * proven on its templates by test/permissions/. Derived for every pattern, not repeated here: VPC Flow
 * Logs writing to its log group, CloudWatch Logs using the flow-log and storage keys, CloudWatch alarms
 * publishing to the alarm topic.
 */

export const MULTI_AZ_DATABASE_PERMISSIONS: PatternPermissions = {
  paths: [
    {
      why: 'Nobody outside the account reads the master credentials',
      caller: { anonymous: true },
      actions: ['secretsmanager:GetSecretValue'],
      resource: '${Database/Resource/Secret.Ref}',
      expect: 'deny',
    },
    {
      why: 'Not even an administrator can delete the master secret (secret policy)',
      caller: { otherPrincipalOfAccount: true },
      actions: ['secretsmanager:DeleteSecret'],
      resource: '${Database/Resource/Secret.Ref}',
      expect: 'deny',
    },
    {
      why: 'RDS Proxy reads the credentials it connects with',
      caller: { role: 'Database/ProxyRole' },
      actions: ['secretsmanager:GetSecretValue'],
      resource: '${Database/Resource/Secret.Ref}',
      expect: 'allow',
      profiles: ['production'],
    },
    {
      why: 'RDS Proxy decrypts them only through Secrets Manager',
      caller: { role: 'Database/ProxyRole' },
      actions: ['kms:Decrypt'],
      resource: '${Database/SecretKey.Arn}',
      context: { 'kms:ViaService': 'secretsmanager.${AWS::Region}.amazonaws.com' },
      expect: 'allow',
      profiles: ['production'],
    },
    {
      why: 'RDS Proxy cannot use the secret key directly',
      caller: { role: 'Database/ProxyRole' },
      actions: ['kms:Decrypt'],
      resource: '${Database/SecretKey.Arn}',
      expect: 'deny',
      profiles: ['production'],
    },
  ],
  dataAccess: {
    'Database/ProxyRole': {
      'Database/Resource/Secret':
        'RDS Proxy reads the master credentials to open its connections to the database.',
      'Database/SecretKey': 'It decrypts them through Secrets Manager (kms:ViaService).',
    },
    'Database/BackupPlan/Selection/Role': {
      'Network/FlowLogKey': AWS_BACKUP_KEY_ACCESS,
      'Database/StorageKey': AWS_BACKUP_KEY_ACCESS,
      'Database/SecretKey': AWS_BACKUP_KEY_ACCESS,
      'Database/AlarmTopic/Key': AWS_BACKUP_KEY_ACCESS,
    },
  },
};
