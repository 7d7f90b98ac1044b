import { AWS_BACKUP_KEY_ACCESS, PatternPermissions } from '../core/permission-paths';
import { METRIC_NAMESPACE } from './three-tier-web-app';

/*
 * What the three-tier demo stack (RefArch-ThreeTierWebApp) lets through and what it refuses, proven on
 * its templates by test/permissions/. Derived for every pattern, not repeated here: Elastic Load
 * Balancing writing access logs, VPC Flow Logs writing its log group, CloudWatch Logs using the flow-log,
 * storage and WAF log keys, CloudWatch alarms publishing to the alarm topic.
 */

export const THREE_TIER_WEB_APP_PERMISSIONS: PatternPermissions = {
  paths: [
    {
      why: 'The web instances read the credentials of the app database user they connect as',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['secretsmanager:GetSecretValue'],
      resource: '${WebApp/Database/ApplicationUser/Secret/Attachment.Ref}',
      expect: 'allow',
    },
    {
      why: 'The web instances never read the master credentials (an rds_superuser)',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['secretsmanager:GetSecretValue'],
      resource: '${WebApp/Database/Resource/Secret.Ref}',
      expect: 'deny',
    },
    {
      why: 'The web instances decrypt the app user secret only through Secrets Manager',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['kms:Decrypt'],
      resource: '${WebApp/Database/SecretKey.Arn}',
      context: { 'kms:ViaService': 'secretsmanager.${AWS::Region}.amazonaws.com' },
      expect: 'allow',
    },
    {
      why: 'The web instances read no other secret of the account',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['secretsmanager:GetSecretValue'],
      resource:
        'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:another-app-AbCdEf',
      expect: 'deny',
    },
    {
      why: 'The web instances publish their database check metric',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['cloudwatch:PutMetricData'],
      resource: '*',
      context: { 'cloudwatch:namespace': METRIC_NAMESPACE },
      expect: 'allow',
    },
    {
      why: 'The web instances publish metrics into their own namespace only',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['cloudwatch:PutMetricData'],
      resource: '*',
      context: { 'cloudwatch:namespace': 'AWS/EC2' },
      expect: 'deny',
    },
    {
      why: 'The web instances read the cache AUTH token, their only cache credential',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['secretsmanager:GetSecretValue'],
      resource: '${WebApp/Cache/AuthToken.Ref}',
      expect: 'allow',
    },
    {
      why: 'The web instances decrypt the cache AUTH token only through Secrets Manager',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['kms:Decrypt'],
      resource: '${WebApp/Cache/Key.Arn}',
      context: { 'kms:ViaService': 'secretsmanager.${AWS::Region}.amazonaws.com' },
      expect: 'allow',
    },
    {
      why: 'The web instances cannot use the cache key directly (its snapshots and logs are encrypted with it)',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['kms:Decrypt'],
      resource: '${WebApp/Cache/Key.Arn}',
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads the load balancer access logs',
      caller: { anonymous: true },
      actions: ['s3:GetObject'],
      resource: '${WebApp/AccessLogs.Arn}/load-balancer/AWSLogs/${AWS::AccountId}/log.gz',
      expect: 'deny',
    },
  ],
  dataAccess: {
    'WebApp/InstanceRole': {
      'WebApp/Database/ApplicationUser/Secret':
        'The app reads the credentials of its own database user (webapp: DML on its schema only), never the master ' +
        'credentials.',
      'WebApp/Database/SecretKey':
        'It decrypts them through Secrets Manager (kms:ViaService), which decrypts only secrets it may read.',
      'WebApp/Cache/AuthToken':
        'The app reads the cache AUTH token to connect to Valkey (sessions and cached reads); no other cache secret exists.',
      'WebApp/Cache/Key':
        'It decrypts the token through Secrets Manager (kms:ViaService), never the cache snapshots or logs directly.',
    },
    'WebApp/Database/ApplicationUser/FunctionRole': {
      'WebApp/Database/Resource/Secret':
        'The deploy-time function connects as the master user to create the app user, its schema, table and grants.',
      'WebApp/Database/ApplicationUser/Secret': 'It sets the app user password from that secret.',
      'WebApp/Database/SecretKey': 'It decrypts both through Secrets Manager (kms:ViaService).',
    },
    'WebApp/Database/BackupPlan/Selection/Role': {
      'Network/FlowLogKey': AWS_BACKUP_KEY_ACCESS,
      'WebApp/AlarmTopic/Key': AWS_BACKUP_KEY_ACCESS,
      'WebApp/Database/StorageKey': AWS_BACKUP_KEY_ACCESS,
      'WebApp/Cache/Key': AWS_BACKUP_KEY_ACCESS,
      'WebApp/Database/SecretKey': AWS_BACKUP_KEY_ACCESS,
      'WebApp/WebAclLogKey': AWS_BACKUP_KEY_ACCESS,
    },
    'Custom::S3AutoDeleteObjectsCustomResourceProvider/Role': {
      'WebApp/AccessLogs': 'Sandbox only: empties the access-log bucket when the stack is destroyed.',
    },
  },
};
