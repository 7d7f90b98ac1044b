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
      why: 'The web instances read the database credentials they connect with',
      caller: { role: 'WebApp/InstanceRole' },
      actions: ['secretsmanager:GetSecretValue'],
      resource: '${WebApp/Database/Resource/Secret.Ref}',
      expect: 'allow',
    },
    {
      why: 'The web instances decrypt them only through Secrets Manager',
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
      why: 'Nobody outside the account reads the load balancer access logs',
      caller: { anonymous: true },
      actions: ['s3:GetObject'],
      resource: '${WebApp/AccessLogs.Arn}/load-balancer/AWSLogs/${AWS::AccountId}/log.gz',
      expect: 'deny',
    },
  ],
  dataAccess: {
    'WebApp/InstanceRole': {
      'WebApp/Database/Resource/Secret':
        'The app reads the credentials it connects to the database with. They are the master credentials today; ' +
        'a least-privilege database user is planned.',
      'WebApp/Database/SecretKey': 'It decrypts them through Secrets Manager (kms:ViaService).',
    },
    'WebApp/Database/BackupPlan/Selection/Role': {
      'Network/FlowLogKey': AWS_BACKUP_KEY_ACCESS,
      'WebApp/AlarmTopic/Key': AWS_BACKUP_KEY_ACCESS,
      'WebApp/Database/StorageKey': AWS_BACKUP_KEY_ACCESS,
      'WebApp/Database/SecretKey': AWS_BACKUP_KEY_ACCESS,
      'WebApp/WebAclLogKey': AWS_BACKUP_KEY_ACCESS,
    },
    'Custom::S3AutoDeleteObjectsCustomResourceProvider/Role': {
      'WebApp/AccessLogs': 'Sandbox only: empties the access-log bucket when the stack is destroyed.',
    },
  },
};
