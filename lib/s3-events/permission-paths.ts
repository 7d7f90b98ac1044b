import { COGNITO_API_PERMISSIONS } from '../cognito-api/permission-paths';
import { PatternPermissions } from '../core/permission-paths';

/*
 * What the S3 event-processing demo stack (RefArch-S3EventPipeline) lets through and what it refuses,
 * proven on its templates by test/permissions/. Derived for every pattern, not repeated here: EventBridge
 * invoking the processor for the upload rule only (and its dead-letter queue for that rule only), Lambda
 * sending failed events to the FailedEvents queue with the processor's role, S3 access logging,
 * CloudWatch Logs using the data key, CloudWatch alarms publishing to the alarm topic.
 */

const PROCESSOR = { role: 'Pipeline/ProcessorRole' } as const;
const UPLOAD = '${Pipeline/Uploads.Arn}/uploads/orders 2026-12.csv';
const RESULT = '${Pipeline/Results.Arn}/results/uploads/orders 2026-12.csv/3HL4kqtJlcpXroDTDmJ.json';
const via = (service: string) => ({ 'kms:ViaService': `${service}.\${AWS::Region}.amazonaws.com` });

export const S3_EVENT_PIPELINE_PERMISSIONS: PatternPermissions = {
  paths: [
    {
      why: 'The processor reads the uploads it handles (the exact version the event names)',
      caller: PROCESSOR,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resource: UPLOAD,
      expect: 'allow',
    },
    {
      why: 'The processor decrypts the uploads with the data key, through S3 (SSE-KMS)',
      caller: PROCESSOR,
      actions: ['kms:Decrypt'],
      resource: '${Pipeline/Key.Arn}',
      context: via('s3'),
      expect: 'allow',
    },
    {
      why: 'The processor writes its results under the results prefix',
      caller: PROCESSOR,
      actions: ['s3:PutObject'],
      resource: RESULT,
      expect: 'allow',
    },
    {
      why: 'The processor encrypts its results with the data key, through S3 (SSE-KMS)',
      caller: PROCESSOR,
      actions: ['kms:GenerateDataKey'],
      resource: '${Pipeline/Key.Arn}',
      context: via('s3'),
      expect: 'allow',
    },
    {
      why:
        'The processor cannot use the data key directly, outside S3 and DynamoDB (kms:ViaService): a stolen ' +
        'session could not decrypt anything else under the key',
      caller: PROCESSOR,
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resource: '${Pipeline/Key.Arn}',
      expect: 'deny',
    },
    {
      why: 'The processor records each processed upload version',
      caller: PROCESSOR,
      actions: ['dynamodb:PutItem'],
      resource: '${Pipeline/Records.Arn}',
      expect: 'allow',
    },
    {
      why: 'The processor reads, writes and deletes its idempotency records (Powertools)',
      caller: PROCESSOR,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resource: '${Pipeline/Idempotency.Arn}',
      expect: 'allow',
    },
    {
      why: 'DynamoDB encrypts and decrypts the items of both tables with the data key for the processor',
      caller: PROCESSOR,
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resource: '${Pipeline/Key.Arn}',
      context: via('dynamodb'),
      expect: 'allow',
    },
    {
      why:
        'The processor can never write to the upload bucket: a write there would be an upload, and its event would ' +
        'invoke the processor again (the recursion trap of S3-triggered functions)',
      caller: PROCESSOR,
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resource: UPLOAD,
      expect: 'deny',
    },
    {
      why: 'The processor reads nothing outside the upload prefix',
      caller: PROCESSOR,
      actions: ['s3:GetObject'],
      resource: '${Pipeline/Uploads.Arn}/private/payroll.csv',
      expect: 'deny',
    },
    {
      why: 'The processor does not read the results back, nor delete them',
      caller: PROCESSOR,
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resource: RESULT,
      expect: 'deny',
    },
    {
      why: 'The processor writes nothing outside the results prefix',
      caller: PROCESSOR,
      actions: ['s3:PutObject'],
      resource: '${Pipeline/Results.Arn}/index.html',
      expect: 'deny',
    },
    {
      why: 'The processor only adds records: it cannot read, scan, change or delete them',
      caller: PROCESSOR,
      actions: ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resource: '${Pipeline/Records.Arn}',
      expect: 'deny',
    },
    {
      why: 'The processor cannot read or purge the failed events it sent (a person replays them)',
      caller: PROCESSOR,
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue'],
      resource: '${Pipeline/FailedEvents.Arn}',
      expect: 'deny',
    },
    {
      why: 'The processor cannot touch the undelivered-events queue (only EventBridge sends to it)',
      caller: PROCESSOR,
      actions: ['sqs:SendMessage', 'sqs:ReceiveMessage'],
      resource: '${Pipeline/UndeliveredEvents.Arn}',
      expect: 'deny',
    },
    {
      why: 'Uploads without TLS are refused (bucket policy enforceSSL)',
      caller: PROCESSOR,
      actions: ['s3:GetObject'],
      resource: UPLOAD,
      context: { 'aws:SecureTransport': 'false' },
      expect: 'deny',
    },
    {
      why: 'Failed events are not sent without TLS (queue policy enforceSSL)',
      caller: PROCESSOR,
      actions: ['sqs:SendMessage'],
      resource: '${Pipeline/FailedEvents.Arn}',
      context: { 'aws:SecureTransport': 'false' },
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads the uploads',
      caller: { anonymous: true },
      actions: ['s3:GetObject'],
      resource: UPLOAD,
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads the results',
      caller: { anonymous: true },
      actions: ['s3:GetObject'],
      resource: RESULT,
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account uploads',
      caller: { anonymous: true },
      actions: ['s3:PutObject'],
      resource: UPLOAD,
      expect: 'deny',
    },
    {
      why: 'Nobody outside the account reads or fills the failed-events queue',
      caller: { anonymous: true },
      actions: ['sqs:SendMessage', 'sqs:ReceiveMessage'],
      resource: '${Pipeline/FailedEvents.Arn}',
      expect: 'deny',
    },
  ],
  dataAccess: {
    'Pipeline/ProcessorRole': {
      'Pipeline/Uploads':
        'Reads the uploads under the upload prefix only (GetObject and GetObjectVersion of the version the event names).',
      'Pipeline/Results':
        'Writes one result per upload version, under the results prefix only; reads nothing back.',
      'Pipeline/Records': 'Puts one item per processed upload version; cannot read, change or delete items.',
      'Pipeline/Idempotency': 'Powertools reads, writes and deletes its idempotency records.',
      'Pipeline/FailedEvents':
        "Lambda's on-failure destination: Lambda sends the failed event with the function's role (SSE-SQS, no key).",
      'Pipeline/Key':
        'S3 and DynamoDB encrypt and decrypt the uploads, results and items with the data key on behalf of the ' +
        'processor; the statement carries kms:ViaService (S3, DynamoDB), so the role cannot use the key directly.',
    },
    'Custom::S3AutoDeleteObjectsCustomResourceProvider/Role': {
      'Pipeline/Uploads': 'Sandbox only: empties the upload bucket when the stack is destroyed.',
      'Pipeline/Uploads/AccessLogs': 'Sandbox only: empties its access-log bucket on destroy.',
      'Pipeline/Results': 'Sandbox only: empties the results bucket when the stack is destroyed.',
      'Pipeline/Results/AccessLogs': 'Sandbox only: empties its access-log bucket on destroy.',
    },
  },
};

// --- With the browser upload path (S3EventPipelineStack `uploadApi`, -c s3UploadApi=true) ------------------

const SIGNER = { role: 'UploadRoute/SignerRole' } as const;
/** An upload through a URL the signer signed: in the folder of the user's Cognito sub. */
const USER_UPLOAD = '${Pipeline/Uploads.Arn}/uploads/3f1c2a9e-8b7d-4e21-9c4a-1d2e3f4a5b6c/orders.csv';

/** The Cognito pattern's paths, for its API built as `UploadApi` in this stack instead of `NotesApi`. */
const cognitoApiAs = (id: string): PatternPermissions =>
  JSON.parse(JSON.stringify(COGNITO_API_PERMISSIONS).replace(/NotesApi\//g, `${id}/`)) as PatternPermissions;
const uploadApi = cognitoApiAs('UploadApi');

/**
 * The demo stack with the upload API: the pipeline's paths, the Cognito pattern's (its API is built in
 * this stack as `UploadApi`), and the signer's. Proven by test/s3-events/upload-url-route.test.ts.
 */
export const S3_UPLOAD_API_PERMISSIONS: PatternPermissions = {
  paths: [
    ...S3_EVENT_PIPELINE_PERMISSIONS.paths,
    // The upload API has no identity pool (createIdentityPool: false), so no path of its roles.
    ...uploadApi.paths.filter((p) => !JSON.stringify(p.caller).includes('UploadApi/IdentityPool/')),
    {
      why:
        "A pre-signed PUT URL acts with the signer's permissions when S3 checks it: the signer may put uploads " +
        'under the upload prefix',
      caller: SIGNER,
      actions: ['s3:PutObject'],
      resource: USER_UPLOAD,
      expect: 'allow',
    },
    {
      why: 'S3 encrypts what the URLs upload with the data key (SSE-KMS default encryption), through S3 only',
      caller: SIGNER,
      actions: ['kms:GenerateDataKey'],
      resource: '${Pipeline/Key.Arn}',
      context: via('s3'),
      expect: 'allow',
    },
    {
      why: 'A URL the signer signs cannot read an upload back, replace a result, or delete anything',
      caller: SIGNER,
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resource: USER_UPLOAD,
      expect: 'deny',
    },
    {
      why: 'The signer cannot sign writes outside the upload prefix (the processor would not see them)',
      caller: SIGNER,
      actions: ['s3:PutObject'],
      resource: '${Pipeline/Uploads.Arn}/private/orders.csv',
      expect: 'deny',
    },
    {
      why: 'The signer cannot write results',
      caller: SIGNER,
      actions: ['s3:PutObject'],
      resource: RESULT,
      expect: 'deny',
    },
    {
      why: 'The signer cannot decrypt anything with the data key, through S3 or directly',
      caller: SIGNER,
      actions: ['kms:Decrypt'],
      resource: '${Pipeline/Key.Arn}',
      context: via('s3'),
      expect: 'deny',
    },
    {
      why: 'The signer cannot use the data key directly, outside S3 (kms:ViaService)',
      caller: SIGNER,
      actions: ['kms:GenerateDataKey'],
      resource: '${Pipeline/Key.Arn}',
      expect: 'deny',
    },
    {
      why: 'Nobody calls the signer directly, around the API and its authorizer',
      caller: { anonymous: true },
      actions: ['lambda:InvokeFunction'],
      resource: '${UploadRoute/Signer.Arn}',
      expect: 'deny',
    },
  ],
  dataAccess: {
    ...S3_EVENT_PIPELINE_PERMISSIONS.dataAccess,
    ...uploadApi.dataAccess,
    'UploadApi/BackupPlan/Selection/Role': {
      ...uploadApi.dataAccess['UploadApi/BackupPlan/Selection/Role'],
      'Pipeline/Key':
        'Production only: AWSBackupServiceRolePolicyForBackup allows kms:Decrypt and kms:GenerateDataKey through ' +
        'DynamoDB (kms:ViaService) on every key of the account whose policy trusts the account, this one included. ' +
        "Only AWS Backup can assume the role, and the API's plan selects the notes table alone, so the pipeline's " +
        'tables are never read through it; a plan of your own that names this role would reach them.',
      'Pipeline/AlarmTopic/Key':
        'Production only: the same managed-policy grant, on the alarm topic key, which encrypts no table or backup.',
    },
    'UploadRoute/SignerRole': {
      'Pipeline/Uploads':
        'Signs PUT URLs: S3 checks each upload through a URL against this role, which may put objects under the upload ' +
        'prefix only (each URL names one key in the caller’s folder, chosen by the function, and one size).',
      'Pipeline/Key':
        'S3 encrypts the uploads made through the URLs with the data key (kms:GenerateDataKey through S3 only).',
    },
  },
};
