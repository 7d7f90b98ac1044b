import { PatternPermissions } from '../core/permission-paths';

/*
 * What the Cognito API demo stack (RefArch-CognitoApi) lets through and what it refuses, proven on its
 * templates by test/permissions/. Derived for every pattern, not repeated here: API Gateway invoking the
 * handler for each method (only from this API), CloudWatch Logs using the table key for the log groups,
 * CloudWatch alarms publishing to the alarm topic.
 */

const LOG_ACCESS =
  "API Gateway's account-level logging role keeps the read actions AWS lists for API Gateway logging " +
  '(logs:GetLogEvents, logs:FilterLogEvents) on the execution logs of REST APIs (API-Gateway-Execution-Logs_*), ' +
  'which it writes and creates; it reads no other log group. Only API Gateway can assume the role.';

const BACKUP_TABLE_KEY =
  'Production only: AWS Backup backs the table up through DynamoDB, which uses the table key; the managed policy ' +
  'AWSBackupServiceRolePolicyForBackup allows kms:Decrypt and kms:GenerateDataKey through DynamoDB only (kms:ViaService).';

const BACKUP_OTHER_KEY =
  'Production only: AWSBackupServiceRolePolicyForBackup allows kms:Decrypt and kms:GenerateDataKey on every key of ' +
  'the account whose policy trusts the account, through DynamoDB only (kms:ViaService); this key encrypts no table ' +
  'or backup, so DynamoDB never uses it and the grant reaches no data.';

/** A log stream of a log group of the stack, by construct path. */
const logStream = (group: string) =>
  `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:\${${group}.Ref}:log-stream:any`;

export const COGNITO_API_PERMISSIONS: PatternPermissions = {
  paths: [
    {
      why: "API Gateway writes the stage's execution logs through the account-level logging role",
      caller: { role: 'NotesApi/Api/CloudWatchRole' },
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resource: logStream('NotesApi/ExecutionLogs'),
      expect: 'allow',
    },
    {
      why: "API Gateway writes the stage's access logs through the account-level logging role",
      caller: { role: 'NotesApi/Api/CloudWatchRole' },
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resource: logStream('NotesApi/AccessLogs'),
      expect: 'allow',
    },
    {
      why: 'The logging role reads no other log group: not the handler logs',
      caller: { role: 'NotesApi/Api/CloudWatchRole' },
      actions: ['logs:GetLogEvents'],
      resource: logStream('NotesApi/HandlerLogs'),
      expect: 'deny',
    },
    {
      why: 'The logging role creates no log group but the execution logs and the welcome group',
      caller: { role: 'NotesApi/Api/CloudWatchRole' },
      actions: ['logs:CreateLogGroup'],
      resource: 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:unencrypted-copy:*',
      expect: 'deny',
    },
    {
      why: 'API Gateway checks the account logging role by creating and writing /aws/apigateway/welcome',
      caller: { role: 'NotesApi/Api/CloudWatchRole' },
      actions: ['logs:CreateLogGroup'],
      resource:
        'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/apigateway/welcome:*',
      expect: 'allow',
    },
    {
      why: 'API Gateway checks the account logging role by creating and writing /aws/apigateway/welcome',
      caller: { role: 'NotesApi/Api/CloudWatchRole' },
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resource:
        'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/apigateway/welcome:log-stream:any',
      expect: 'allow',
    },
    {
      why: 'Nobody calls the handler directly, around the API and its authorizer',
      caller: { anonymous: true },
      actions: ['lambda:InvokeFunction'],
      resource: '${NotesApi/Handler.Arn}',
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads the notes table',
      caller: { anonymous: true },
      actions: ['dynamodb:GetItem', 'dynamodb:Scan'],
      resource: '${NotesApi/Table.Arn}',
      expect: 'deny',
    },
    {
      why: 'Signed-in users get no AWS access to the table: they reach their notes only through the API',
      caller: { role: 'NotesApi/IdentityPool/AuthenticatedRole' },
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resource: '${NotesApi/Table.Arn}',
      expect: 'deny',
    },
  ],
  dataAccess: {
    'NotesApi/HandlerRole': {
      'NotesApi/Table': 'The handler reads and writes the notes of the signed-in user.',
      'NotesApi/Key': 'DynamoDB encrypts the table with this key on behalf of the handler.',
    },
    'NotesApi/Api/CloudWatchRole': {
      'NotesApi/ExecutionLogs': LOG_ACCESS,
    },
    'NotesApi/BackupPlan/Selection/Role': {
      'NotesApi/Key': BACKUP_TABLE_KEY,
      'NotesApi/BackupKey':
        'Production only: the backup vault key, which encrypts the recovery points; AWS Backup uses it through ' +
        'DynamoDB (kms:ViaService), the only way its managed policy allows.',
      'NotesApi/AlarmTopic/Key': BACKUP_OTHER_KEY,
    },
  },
};
