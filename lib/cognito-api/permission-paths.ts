import { PatternPermissions } from '../core/permission-paths';

/*
 * What the Cognito API demo stack (RefArch-CognitoApi) lets through and what it refuses, proven on its
 * templates by test/permissions/. Derived for every pattern, not repeated here: API Gateway invoking the
 * handler for each method (only from this API), CloudWatch Logs using the table key for the log groups,
 * CloudWatch alarms publishing to the alarm topic.
 */

const LOG_READ =
  "API Gateway's account-level logging role carries the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs, " +
  'which allows reading every log group of the account (logs:GetLogEvents, logs:FilterLogEvents on "*"). Only ' +
  'API Gateway can assume the role.';

export const COGNITO_API_PERMISSIONS: PatternPermissions = {
  paths: [
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
      'NotesApi/HandlerLogs': LOG_READ,
      'NotesApi/AccessLogs': LOG_READ,
      'NotesApi/ExecutionLogs': LOG_READ,
      'NotesApi/WebAclLogs': LOG_READ,
    },
  },
};
