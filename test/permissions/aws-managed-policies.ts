/**
 * AWS managed policies attached by the templates, copied verbatim from the AWS Managed Policy Reference Guide
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<PolicyName>.html) and, where that guide's stored
 * copy lagged behind, from the z0ph/MAMIP mirror (github.com/zoph-io/MAMIP, `policies/<PolicyName>`, which records
 * `aws iam get-policy-version` output for the default version). Each entry names its own source and version id; the
 * copies were taken in 2026 (AWSBackupServiceRolePolicyForBackup v29 is dated 2026-02-12).
 * Statement order, Sids, actions (in AWS's order), resources and conditions are exact; only JSON key order inside a
 * statement is normalised to Sid, Effect, Action, Resource, Condition, which has no effect on evaluation.
 *
 * The simulator cannot fetch them offline; a template that attaches a managed policy not listed here
 * fails the permission proof with a clear error, so add it here (exact document, its source and version).
 */
export interface ManagedPolicyCopy {
  readonly name: string;
  readonly version: string;
  readonly source: string;
  readonly document: { Version: string; Statement: unknown[] };
}

const REFERENCE = 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/';
const MAMIP = 'https://github.com/zoph-io/MAMIP/blob/';

export const AWS_MANAGED_POLICIES: Record<string, ManagedPolicyCopy> = {
  // key: the ARN path after 'arn:aws:iam::aws:policy/', e.g. 'service-role/AWSLambdaBasicExecutionRole'

  'service-role/AWSLambdaBasicExecutionRole': {
    name: 'AWSLambdaBasicExecutionRole',
    // Created and last edited 2015-04-09 15:03 UTC; MAMIP (24b649d) agrees: v1, IsDefaultVersion.
    version: 'v1',
    source: `${REFERENCE}AWSLambdaBasicExecutionRole.html`,
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: '*',
        },
      ],
    },
  },

  AmazonSSMManagedInstanceCore: {
    name: 'AmazonSSMManagedInstanceCore',
    // Created 2019-03-15, last edited 2019-05-23 16:54 UTC (reference guide, v2 default); the statements are from
    // MAMIP policies/AmazonSSMManagedInstanceCore at 24b649d3 (v2, IsDefaultVersion, 2019-05-23T16:54:21Z).
    version: 'v2',
    source: `${REFERENCE}AmazonSSMManagedInstanceCore.html; ${MAMIP}24b649d3de6c701785bb4af34462aa8ee26f1528/policies/AmazonSSMManagedInstanceCore`,
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'ssm:DescribeAssociation',
            'ssm:GetDeployablePatchSnapshotForInstance',
            'ssm:GetDocument',
            'ssm:DescribeDocument',
            'ssm:GetManifest',
            'ssm:GetParameter',
            'ssm:GetParameters',
            'ssm:ListAssociations',
            'ssm:ListInstanceAssociations',
            'ssm:PutInventory',
            'ssm:PutComplianceItems',
            'ssm:PutConfigurePackageResult',
            'ssm:UpdateAssociationStatus',
            'ssm:UpdateInstanceAssociationStatus',
            'ssm:UpdateInstanceInformation',
          ],
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Action: [
            'ssmmessages:CreateControlChannel',
            'ssmmessages:CreateDataChannel',
            'ssmmessages:OpenControlChannel',
            'ssmmessages:OpenDataChannel',
          ],
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Action: [
            'ec2messages:AcknowledgeMessage',
            'ec2messages:DeleteMessage',
            'ec2messages:FailMessage',
            'ec2messages:GetEndpoint',
            'ec2messages:GetMessages',
            'ec2messages:SendReply',
          ],
          Resource: '*',
        },
      ],
    },
  },

  'service-role/AWSBackupServiceRolePolicyForBackup': {
    name: 'AWSBackupServiceRolePolicyForBackup',
    // The reference guide copy found showed v22 (edited 2025-05-22); MAMIP holds the newer v29
    // (IsDefaultVersion, CreateDate 2026-02-12T17:59:19Z), which is copied here.
    version: 'v29',
    source: `${MAMIP}11e425745b44c5c3c17c382e2efbabf1770acbde/policies/AWSBackupServiceRolePolicyForBackup (reference: ${REFERENCE}AWSBackupServiceRolePolicyForBackup.html)`,
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DynamoDBPermissions',
          Effect: 'Allow',
          Action: ['dynamodb:DescribeTable', 'dynamodb:CreateBackup'],
          Resource: 'arn:aws:dynamodb:*:*:table/*',
        },
        {
          Sid: 'DynamoDBBackupResourcePermissions',
          Effect: 'Allow',
          Action: ['dynamodb:DescribeBackup', 'dynamodb:DeleteBackup'],
          Resource: 'arn:aws:dynamodb:*:*:table/*/backup/*',
        },
        {
          Sid: 'DynamoDBBackupPermissions',
          Effect: 'Allow',
          Action: [
            'rds:AddTagsToResource',
            'rds:ListTagsForResource',
            'rds:DescribeDBSnapshots',
            'rds:CreateDBSnapshot',
            'rds:CopyDBSnapshot',
            'rds:DescribeDBInstances',
            'rds:CreateDBClusterSnapshot',
            'rds:DescribeDBClusters',
            'rds:DescribeDBClusterSnapshots',
            'rds:CopyDBClusterSnapshot',
            'rds:DescribeDBClusterAutomatedBackups',
          ],
          Resource: '*',
        },
        {
          Sid: 'RDSInstanceAutomatedBackupPermissions',
          Effect: 'Allow',
          Action: 'rds:DeleteDBInstanceAutomatedBackup',
          Resource: 'arn:aws:rds:*:*:auto-backup:*',
        },
        {
          Sid: 'RDSClusterPermissions',
          Effect: 'Allow',
          Action: ['rds:ModifyDBCluster'],
          Resource: ['arn:aws:rds:*:*:cluster:*'],
        },
        {
          Sid: 'RDSClusterBackupPermissions',
          Effect: 'Allow',
          Action: 'rds:DeleteDBClusterAutomatedBackup',
          Resource: 'arn:aws:rds:*:*:cluster-auto-backup:*',
        },
        {
          Sid: 'RDSModifyPermissions',
          Effect: 'Allow',
          Action: ['rds:ModifyDBInstance'],
          Resource: ['arn:aws:rds:*:*:db:*'],
        },
        {
          Sid: 'RDSBackupPermissions',
          Effect: 'Allow',
          Action: ['rds:DeleteDBSnapshot', 'rds:ModifyDBSnapshotAttribute'],
          Resource: ['arn:aws:rds:*:*:snapshot:awsbackup:*'],
        },
        {
          Sid: 'RDSClusterModifyPermissions',
          Effect: 'Allow',
          Action: ['rds:DeleteDBClusterSnapshot', 'rds:ModifyDBClusterSnapshotAttribute'],
          Resource: ['arn:aws:rds:*:*:cluster-snapshot:awsbackup:*'],
        },
        {
          Sid: 'StorageGatewayPermissions',
          Effect: 'Allow',
          Action: ['storagegateway:CreateSnapshot', 'storagegateway:ListTagsForResource'],
          Resource: 'arn:aws:storagegateway:*:*:gateway/*/volume/*',
        },
        {
          Sid: 'EBSCopyPermissions',
          Effect: 'Allow',
          Action: ['ec2:CopySnapshot'],
          Resource: 'arn:aws:ec2:*::snapshot/*',
        },
        {
          Sid: 'EC2CopyPermissions',
          Effect: 'Allow',
          Action: ['ec2:CopyImage'],
          Resource: '*',
        },
        {
          Sid: 'EBSTagAndDeletePermissions',
          Effect: 'Allow',
          Action: ['ec2:CreateTags', 'ec2:DeleteSnapshot'],
          Resource: 'arn:aws:ec2:*::snapshot/*',
        },
        {
          Sid: 'EC2Permissions',
          Effect: 'Allow',
          Action: [
            'ec2:CreateImage',
            'ec2:DeregisterImage',
            'ec2:DescribeSnapshots',
            'ec2:DescribeTags',
            'ec2:DescribeImages',
            'ec2:DescribeInstances',
            'ec2:DescribeInstanceAttribute',
            'ec2:DescribeInstanceCreditSpecifications',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeElasticGpus',
            'ec2:DescribeSpotInstanceRequests',
            'ec2:DescribeSnapshotTierStatus',
          ],
          Resource: '*',
        },
        {
          Sid: 'EC2TagPermissions',
          Effect: 'Allow',
          Action: ['ec2:CreateTags'],
          Resource: 'arn:aws:ec2:*:*:image/*',
        },
        {
          Sid: 'EC2ModifyPermissions',
          Effect: 'Allow',
          Action: ['ec2:ModifySnapshotAttribute', 'ec2:ModifyImageAttribute'],
          Resource: '*',
          Condition: { Null: { 'aws:ResourceTag/aws:backup:source-resource': 'false' } },
        },
        {
          Sid: 'EBSSnapshotTierPermissions',
          Effect: 'Allow',
          Action: ['ec2:ModifySnapshotTier'],
          Resource: 'arn:aws:ec2:*::snapshot/*',
          Condition: { Null: { 'aws:ResourceTag/aws:backup:source-resource': 'false' } },
        },
        {
          Sid: 'BackupVaultPermissions',
          Effect: 'Allow',
          Action: ['backup:DescribeBackupVault', 'backup:CopyIntoBackupVault'],
          Resource: 'arn:aws:backup:*:*:backup-vault:*',
        },
        {
          Sid: 'BackupVaultCopyPermissions',
          Effect: 'Allow',
          Action: ['backup:CopyFromBackupVault'],
          Resource: '*',
        },
        {
          Sid: 'EFSPermissions',
          Effect: 'Allow',
          Action: ['elasticfilesystem:Backup', 'elasticfilesystem:DescribeTags'],
          Resource: 'arn:aws:elasticfilesystem:*:*:file-system/*',
        },
        {
          Sid: 'EBSResourcePermissions',
          Effect: 'Allow',
          Action: [
            'ec2:CreateSnapshot',
            'ec2:DeleteSnapshot',
            'ec2:DescribeVolumes',
            'ec2:DescribeSnapshots',
          ],
          Resource: '*',
        },
        {
          Sid: 'KMSDynamoDBPermissions',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: { StringLike: { 'kms:ViaService': ['dynamodb.*.amazonaws.com'] } },
        },
        {
          Sid: 'KMSPermissions',
          Effect: 'Allow',
          Action: 'kms:DescribeKey',
          Resource: '*',
        },
        {
          Sid: 'KMSCreateGrantPermissions',
          Effect: 'Allow',
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        },
        {
          Sid: 'KMSEC2Permissions',
          Effect: 'Allow',
          Action: ['kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptTo', 'kms:ReEncryptFrom'],
          Resource: 'arn:aws:kms:*:*:key/*',
          Condition: {
            'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'aws:ebs:id' },
            StringLike: { 'kms:ViaService': ['ec2.*.amazonaws.com'] },
          },
        },
        {
          Sid: 'GetResourcesPermissions',
          Effect: 'Allow',
          Action: ['tag:GetResources'],
          Resource: '*',
        },
        {
          Sid: 'SSMPermissions',
          Effect: 'Allow',
          Action: ['ssm:CancelCommand', 'ssm:GetCommandInvocation'],
          Resource: '*',
        },
        {
          Sid: 'SSMSendPermissions',
          Effect: 'Allow',
          Action: 'ssm:SendCommand',
          Resource: ['arn:aws:ssm:*:*:document/AWSEC2-CreateVssSnapshot', 'arn:aws:ec2:*:*:instance/*'],
        },
        {
          Sid: 'FsxBackupPermissions',
          Effect: 'Allow',
          Action: 'fsx:DescribeBackups',
          Resource: 'arn:aws:fsx:*:*:backup/*',
        },
        {
          Sid: 'FsxCreateBackupPermissions',
          Effect: 'Allow',
          Action: 'fsx:CreateBackup',
          Resource: ['arn:aws:fsx:*:*:file-system/*', 'arn:aws:fsx:*:*:backup/*', 'arn:aws:fsx:*:*:volume/*'],
        },
        {
          Sid: 'FsxPermissions',
          Effect: 'Allow',
          Action: 'fsx:DescribeFileSystems',
          Resource: 'arn:aws:fsx:*:*:file-system/*',
        },
        {
          Sid: 'FsxVolumePermissions',
          Effect: 'Allow',
          Action: 'fsx:DescribeVolumes',
          Resource: 'arn:aws:fsx:*:*:volume/*',
        },
        {
          Sid: 'FsxListTagsPermissions',
          Effect: 'Allow',
          Action: 'fsx:ListTagsForResource',
          Resource: ['arn:aws:fsx:*:*:file-system/*', 'arn:aws:fsx:*:*:volume/*'],
        },
        {
          Sid: 'FsxDeletePermissions',
          Effect: 'Allow',
          Action: 'fsx:DeleteBackup',
          Resource: 'arn:aws:fsx:*:*:backup/*',
        },
        {
          Sid: 'FsxResourcePermissions',
          Effect: 'Allow',
          Action: [
            'fsx:ListTagsForResource',
            'fsx:ManageBackupPrincipalAssociations',
            'fsx:CopyBackup',
            'fsx:TagResource',
          ],
          Resource: 'arn:aws:fsx:*:*:backup/*',
        },
        {
          Sid: 'DynamodbBackupPermissions',
          Effect: 'Allow',
          Action: ['dynamodb:StartAwsBackupJob', 'dynamodb:ListTagsOfResource'],
          Resource: 'arn:aws:dynamodb:*:*:table/*',
        },
        {
          Sid: 'BackupGatewayBackupPermissions',
          Effect: 'Allow',
          Action: ['backup-gateway:Backup', 'backup-gateway:ListTagsForResource'],
          Resource: 'arn:aws:backup-gateway:*:*:vm/*',
        },
        {
          Sid: 'CloudformationStackPermissions',
          Effect: 'Allow',
          Action: [
            'cloudformation:ListStacks',
            'cloudformation:GetTemplate',
            'cloudformation:DescribeStacks',
            'cloudformation:ListStackResources',
          ],
          Resource: 'arn:aws:cloudformation:*:*:stack/*/*',
        },
        {
          Sid: 'RedshiftCreatePermissions',
          Effect: 'Allow',
          Action: [
            'redshift:CreateClusterSnapshot',
            'redshift:DescribeClusterSnapshots',
            'redshift:DescribeTags',
          ],
          Resource: ['arn:aws:redshift:*:*:snapshot:*/*', 'arn:aws:redshift:*:*:cluster:*'],
        },
        {
          Sid: 'RedshiftSnapshotPermissions',
          Effect: 'Allow',
          Action: ['redshift:DeleteClusterSnapshot'],
          Resource: ['arn:aws:redshift:*:*:snapshot:*/*'],
        },
        {
          Sid: 'RedshiftPermissions',
          Effect: 'Allow',
          Action: ['redshift:DescribeClusters'],
          Resource: ['arn:aws:redshift:*:*:cluster:*'],
        },
        {
          Sid: 'RedshiftResourcePermissions',
          Effect: 'Allow',
          Action: ['redshift:CreateTags'],
          Resource: ['arn:aws:redshift:*:*:snapshot:*/*'],
        },
        {
          Sid: 'RedshiftServerlessCreatePermissions',
          Effect: 'Allow',
          Action: ['redshift-serverless:CreateSnapshot'],
          Resource: [
            'arn:aws:redshift-serverless:*:*:snapshot/*',
            'arn:aws:redshift-serverless:*:*:namespace/*',
          ],
        },
        {
          Sid: 'RedshiftServerlessSnapshotPermissions',
          Effect: 'Allow',
          Action: ['redshift-serverless:DeleteSnapshot'],
          Resource: ['arn:aws:redshift-serverless:*:*:snapshot/*'],
          Condition: { Null: { 'aws:ResourceTag/aws:backup:source-resource': 'false' } },
        },
        {
          Sid: 'RedshiftServerlessGetPermissions',
          Effect: 'Allow',
          Action: ['redshift-serverless:GetNamespace'],
          Resource: ['arn:aws:redshift-serverless:*:*:namespace/*'],
        },
        {
          Sid: 'RedshiftServerlessResourcePermissions',
          Effect: 'Allow',
          Action: ['redshift-serverless:GetSnapshot', 'redshift-serverless:TagResource'],
          Resource: ['arn:aws:redshift-serverless:*:*:snapshot/*'],
        },
        {
          Sid: 'RedshiftServerlessListPermissions',
          Effect: 'Allow',
          Action: [
            'redshift-serverless:ListNamespaces',
            'redshift-serverless:ListSnapshots',
            'redshift-serverless:ListTagsForResource',
          ],
          Resource: ['*'],
        },
        {
          Sid: 'TimestreamResourcePermissions',
          Effect: 'Allow',
          Action: [
            'timestream:StartAwsBackupJob',
            'timestream:GetAwsBackupStatus',
            'timestream:ListTables',
            'timestream:ListDatabases',
            'timestream:ListTagsForResource',
            'timestream:DescribeTable',
            'timestream:DescribeDatabase',
          ],
          Resource: ['arn:aws:timestream:*:*:database/*'],
        },
        {
          Sid: 'TimestreamEndpointPermissions',
          Effect: 'Allow',
          Action: ['timestream:DescribeEndpoints'],
          Resource: '*',
        },
        {
          Sid: 'SSMSAPPermissions',
          Effect: 'Allow',
          Action: ['ssm-sap:GetOperation', 'ssm-sap:ListDatabases'],
          Resource: '*',
        },
        {
          Sid: 'SSMSAPResourcePermissions',
          Effect: 'Allow',
          Action: [
            'ssm-sap:BackupDatabase',
            'ssm-sap:UpdateHanaBackupSettings',
            'ssm-sap:GetDatabase',
            'ssm-sap:ListTagsForResource',
          ],
          Resource: 'arn:aws:ssm-sap:*:*:*',
        },
        {
          Sid: 'RecoveryPointTaggingPermissions',
          Effect: 'Allow',
          Action: ['backup:TagResource'],
          Resource: 'arn:aws:backup:*:*:recovery-point:*',
          Condition: { StringEquals: { 'aws:PrincipalAccount': '${aws:ResourceAccount}' } },
        },
        {
          Sid: 'DSQLResourcePermissionsForBackup',
          Effect: 'Allow',
          Action: [
            'dsql:StartBackupJob',
            'dsql:GetBackupJob',
            'dsql:StopBackupJob',
            'dsql:GetCluster',
            'dsql:ListClusters',
            'dsql:ListTagsForResource',
          ],
          Resource: ['*'],
        },
        {
          Sid: 'KMSDSQLPermissions',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: '*',
          Condition: {
            'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'aws:dsql:ClusterId' },
            StringLike: { 'kms:ViaService': ['dsql.*.amazonaws.com'] },
          },
        },
        {
          Sid: 'EKSClusterConfigurationBackup',
          Effect: 'Allow',
          Action: [
            'eks:ListClusters',
            'eks:ListTagsForResource',
            'eks:DescribeCluster',
            'eks:ListAddons',
            'eks:DescribeAddon',
            'eks:ListNodegroups',
            'eks:DescribeNodegroup',
            'eks:ListPodIdentityAssociations',
            'eks:DescribePodIdentityAssociation',
            'eks:ListAccessEntries',
            'eks:DescribeAccessEntry',
            'eks:ListAssociatedAccessPolicies',
            'eks:ListFargateProfiles',
            'eks:DescribeFargateProfile',
            'ec2:DescribeLaunchTemplateVersions',
          ],
          Resource: '*',
        },
        {
          Sid: 'CreateBackupAccessEntry',
          Effect: 'Allow',
          Action: ['eks:CreateAccessEntry'],
          Resource: 'arn:aws:eks:*:*:cluster/*',
        },
        {
          Sid: 'AssociateBackupAccessPolicy',
          Effect: 'Allow',
          Action: ['eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy'],
          Resource: 'arn:aws:eks:*:*:access-entry/*',
          Condition: {
            StringEquals: {
              'eks:policyArn': 'arn:aws:eks::aws:cluster-access-policy/AWSBackupFullAccessPolicyForBackup',
              'eks:accessScope': 'cluster',
            },
          },
        },
      ],
    },
  },

  'service-role/AmazonAPIGatewayPushToCloudWatchLogs': {
    name: 'AmazonAPIGatewayPushToCloudWatchLogs',
    // Created and last edited 2015-11-11 23:41 UTC; MAMIP (24b649d) agrees: v1, IsDefaultVersion.
    version: 'v1',
    source: `${REFERENCE}AmazonAPIGatewayPushToCloudWatchLogs.html`,
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:DescribeLogGroups',
            'logs:DescribeLogStreams',
            'logs:PutLogEvents',
            'logs:GetLogEvents',
            'logs:FilterLogEvents',
          ],
          Resource: '*',
        },
      ],
    },
  },

  'service-role/AmazonRDSEnhancedMonitoringRole': {
    name: 'AmazonRDSEnhancedMonitoringRole',
    // Created and last edited 2015-11-11 19:58 UTC; MAMIP (24b649d) agrees: v1, IsDefaultVersion.
    version: 'v1',
    source: `${REFERENCE}AmazonRDSEnhancedMonitoringRole.html`,
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EnableCreationAndManagementOfRDSCloudwatchLogGroups',
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
          Resource: ['arn:aws:logs:*:*:log-group:RDS*'],
        },
        {
          Sid: 'EnableCreationAndManagementOfRDSCloudwatchLogStreams',
          Effect: 'Allow',
          Action: [
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'logs:DescribeLogStreams',
            'logs:GetLogEvents',
          ],
          Resource: ['arn:aws:logs:*:*:log-group:RDS*:log-stream:*'],
        },
      ],
    },
  },
};

const THIS_FILE = 'test/permissions/aws-managed-policies.ts';
const AWS_MANAGED_ARN = /^arn:[a-z0-9-]+:iam::aws:policy\/(.+)$/;

/**
 * The stored copy of an AWS managed policy, by ARN in any partition (`arn:<partition>:iam::aws:policy/<path>`).
 * Throws, naming the ARN and this file, for an ARN that is not an AWS managed policy or has no copy here.
 */
export function awsManagedPolicy(arn: string): ManagedPolicyCopy {
  const match = AWS_MANAGED_ARN.exec(arn);
  if (!match) {
    throw new Error(
      `'${arn}' is not an AWS managed policy ARN (expected arn:<partition>:iam::aws:policy/<path>)`,
    );
  }
  const copy = Object.prototype.hasOwnProperty.call(AWS_MANAGED_POLICIES, match[1])
    ? AWS_MANAGED_POLICIES[match[1]]
    : undefined;
  if (!copy) {
    throw new Error(
      `AWS managed policy '${arn}' has no offline copy: add its exact default-version document, source and ` +
        `version id to AWS_MANAGED_POLICIES in ${THIS_FILE} under the key '${match[1]}'`,
    );
  }
  return copy;
}
