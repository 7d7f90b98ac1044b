import { PatternPermissions } from '../core/permission-paths';

/*
 * What the static-site demo stack (RefArch-StaticSite) lets through and what it refuses, proven on its
 * templates by test/permissions/. Derived for every pattern, not repeated here: CloudFront reading the
 * origin bucket through origin access control (and its key), another distribution refused, log delivery
 * writing the standard logs under AWSLogs/<account>/, S3 server access logging, CloudWatch alarms
 * publishing to the alarm topic, CloudWatch Logs using the log key.
 */

/** An object of the site, as CloudFront asks for it. */
const OBJECT = '${Site/Origin.Arn}/index.html';
/** A standard-log file, where log delivery writes it. */
const LOG_OBJECT = '${Site/Logs.Arn}/AWSLogs/${AWS::AccountId}/CloudFront/2026-12-06-10.0123abcd.gz';
/** The distribution's ARN, as the bucket policy names it (CloudFront is global: no Region in it). */
const DISTRIBUTION = 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Site.Ref}';
/** What CloudFront sends when it signs a request for this distribution (origin access control). */
const AS_THIS_DISTRIBUTION = { 'aws:SourceArn': DISTRIBUTION, 'aws:SourceAccount': '${AWS::AccountId}' };
/**
 * The role of the Lambda function aws-cdk-lib writes for BucketDeployment (one per stack and memory
 * size): it copies the site into the origin bucket at deploy time and invalidates the distribution.
 */
const DEPLOYMENT_ROLE = 'Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C512MiB/ServiceRole';

export const STATIC_SITE_PERMISSIONS: PatternPermissions = {
  paths: [
    // ---- The origin bucket: CloudFront reads it, nobody else, and nothing through it.
    {
      why: 'Nobody reads the origin bucket directly: the site is public only through CloudFront',
      caller: { anonymous: true },
      actions: ['s3:GetObject'],
      resource: OBJECT,
      expect: 'deny',
    },
    {
      why: 'Nobody lists the origin bucket directly',
      caller: { anonymous: true },
      actions: ['s3:ListBucket'],
      resource: '${Site/Origin.Arn}',
      expect: 'deny',
    },
    {
      why: 'CloudFront may not list the bucket: a folder request can never return a listing (S3 answers 403, the distribution serves the 404 page)',
      caller: { service: 'cloudfront.amazonaws.com' },
      actions: ['s3:ListBucket'],
      resource: '${Site/Origin.Arn}',
      context: AS_THIS_DISTRIBUTION,
      expect: 'deny',
    },
    {
      why: 'CloudFront reads only: the distribution cannot change or delete the site',
      caller: { service: 'cloudfront.amazonaws.com' },
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resource: OBJECT,
      context: AS_THIS_DISTRIBUTION,
      expect: 'deny',
    },
    {
      why: 'Reading the origin over plain HTTP is refused, whoever reads (bucket policy enforceSSL)',
      caller: { otherPrincipalOfAccount: true },
      actions: ['s3:GetObject'],
      resource: OBJECT,
      context: { 'aws:SecureTransport': 'false' },
      expect: 'deny',
    },
    // ---- The log bucket: log delivery and S3 write it, under their own prefixes; nobody else gets in.
    {
      why: 'Nobody reads the logs anonymously: they hold every viewer IP address and URL',
      caller: { anonymous: true },
      actions: ['s3:GetObject'],
      resource: LOG_OBJECT,
      expect: 'deny',
    },
    {
      why: 'Nobody lists the log bucket anonymously',
      caller: { anonymous: true },
      actions: ['s3:ListBucket'],
      resource: '${Site/Logs.Arn}',
      expect: 'deny',
    },
    {
      why: 'CloudFront writes no log file itself (standard logging v2 goes through log delivery): it cannot write the log bucket',
      caller: { service: 'cloudfront.amazonaws.com' },
      actions: ['s3:PutObject', 's3:GetObject'],
      resource: LOG_OBJECT,
      context: AS_THIS_DISTRIBUTION,
      expect: 'deny',
    },
    {
      why: 'Log delivery writes only under AWSLogs/<account>/: not into the server access logs, nor into the site',
      caller: { service: 'delivery.logs.amazonaws.com' },
      actions: ['s3:PutObject'],
      resource: '${Site/Logs.Arn}/access-logs/2026-12-06-10-00-00-0123456789ABCDEF',
      context: {
        's3:x-amz-acl': 'bucket-owner-full-control',
        'aws:SourceArn': '${Site/AccessLogSource.Arn}',
        'aws:SourceAccount': '${AWS::AccountId}',
      },
      expect: 'deny',
    },
    {
      why: 'Log delivery cannot write into the origin bucket: a log line never becomes a page of the site',
      caller: { service: 'delivery.logs.amazonaws.com' },
      actions: ['s3:PutObject'],
      resource: '${Site/Origin.Arn}/AWSLogs/${AWS::AccountId}/CloudFront/2026-12-06-10.0123abcd.gz',
      context: {
        's3:x-amz-acl': 'bucket-owner-full-control',
        'aws:SourceArn': '${Site/AccessLogSource.Arn}',
        'aws:SourceAccount': '${AWS::AccountId}',
      },
      expect: 'deny',
    },
    {
      why: 'Log delivery must hand each log file to the bucket owner (ACL bucket-owner-full-control), or it is refused',
      caller: { service: 'delivery.logs.amazonaws.com' },
      actions: ['s3:PutObject'],
      resource: LOG_OBJECT,
      context: {
        's3:x-amz-acl': 'private',
        'aws:SourceArn': '${Site/AccessLogSource.Arn}',
        'aws:SourceAccount': '${AWS::AccountId}',
      },
      expect: 'deny',
    },
    // ---- The content deployment: it writes the site, and nothing else.
    {
      why: 'The content deployment publishes the site: it writes and prunes the origin bucket',
      caller: { role: DEPLOYMENT_ROLE },
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resource: OBJECT,
      expect: 'allow',
    },
    {
      why: 'The content deployment lists the origin bucket, to find the files to prune',
      caller: { role: DEPLOYMENT_ROLE },
      actions: ['s3:ListBucket'],
      resource: '${Site/Origin.Arn}',
      expect: 'allow',
    },
    {
      why: 'The content deployment cannot read, write or delete the logs',
      caller: { role: DEPLOYMENT_ROLE },
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resource: LOG_OBJECT,
      expect: 'deny',
    },
    {
      why: 'The content deployment cannot list the logs',
      caller: { role: DEPLOYMENT_ROLE },
      actions: ['s3:ListBucket'],
      resource: '${Site/Logs.Arn}',
      expect: 'deny',
    },
    {
      why: 'The content deployment cannot raise alarms or read their messages',
      caller: { role: DEPLOYMENT_ROLE },
      actions: ['sns:Publish', 'sns:Subscribe'],
      resource: '${Site/AlarmTopic.Ref}',
      expect: 'deny',
    },
    {
      why: 'The content deployment cannot use the alarm topic key',
      caller: { role: DEPLOYMENT_ROLE },
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resource: '${Site/AlarmTopic/Key.Arn}',
      expect: 'deny',
    },
    {
      why: 'The content deployment cannot decrypt the logs of the web ACL and of its own runs (log key)',
      caller: { role: DEPLOYMENT_ROLE },
      actions: ['kms:Decrypt'],
      resource: '${Site/LogKey.Arn}',
      context: { 'kms:ViaService': 'logs.${AWS::Region}.amazonaws.com' },
      expect: 'deny',
      profiles: ['production'],
    },
    {
      why: 'The content deployment cannot read the web ACL logs',
      caller: { role: DEPLOYMENT_ROLE },
      actions: ['logs:FilterLogEvents'],
      resource: '${Site/WebAclLogs.Arn}',
      expect: 'deny',
      profiles: ['production'],
    },
  ],
  dataAccess: {
    [DEPLOYMENT_ROLE]: {
      'Site/Origin':
        "BucketDeployment's function copies the site into the bucket at deploy time and deletes the files removed " +
        "from the folder (prune): aws-cdk-lib grants it the bucket's read-write set, which also holds Object Lock " +
        'retention and legal holds (the bucket sets no default retention; shortening one would need ' +
        's3:BypassGovernanceRetention, which it does not have).',
      'Site/Origin/Key':
        'S3 encrypts the copied files with the bucket key on behalf of the function (SSE-KMS), and decrypts them ' +
        'when it compares or reads them; aws-cdk-lib grants the key without a kms:ViaService condition.',
    },
    'Custom::S3AutoDeleteObjectsCustomResourceProvider/Role': {
      'Site/Origin':
        'Sandbox only: empties the origin bucket when the stack is destroyed, so that it can be deleted.',
      'Site/Logs': 'Sandbox only: empties the log bucket when the stack is destroyed.',
    },
  },
};
