import { Names, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of {@link ClickstreamQueryLayer}. */
export interface ClickstreamQueryLayerProps {
  /** The data lake bucket Firehose writes to. */
  readonly bucket: s3.IBucket;
  /** Key the bucket is encrypted with; Athena encrypts its query results with it too. */
  readonly encryptionKey: kms.IKey;
  /** Key prefix of the delivered objects, e.g. `data/` (followed by year=/month=/day=/hour=). */
  readonly dataPrefix: string;
  /** Key prefix for Athena query results inside the same bucket. */
  readonly resultsPrefix: string;
  /** Most data one query may scan before Athena cancels it (a cost guard: Athena bills per TB scanned). */
  readonly bytesScannedCutoffPerQuery: Size;
  /** DESTROY also deletes saved queries and history with the workgroup. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A Glue table over the Firehose output and an Athena workgroup to query it (001 L3484-3507:
 * "analytics directly against S3 objects", "Partition your data").
 *
 * Partition projection computes the year/month/day/hour partitions from the table properties, so no
 * Glue crawler and no `MSCK REPAIR TABLE` are needed as new hours arrive.
 */
export class ClickstreamQueryLayer extends Construct {
  /** Glue database name. */
  public readonly databaseName: string;
  /** Glue table name. */
  public readonly tableName = 'clicks';
  /** Athena workgroup name. */
  public readonly workGroupName: string;

  constructor(scope: Construct, id: string, props: ClickstreamQueryLayerProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.databaseName = Names.uniqueResourceName(this, { maxLength: 200, separator: '_' })
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_');
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: this.databaseName, description: 'Clickstream data lake written by Firehose' },
    });

    const location = `s3://${props.bucket.bucketName}/${props.dataPrefix}`;
    const table = new glue.CfnTable(this, 'Table', {
      catalogId: account,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        description: 'One row per click event (newline-delimited JSON, GZIP), partitioned by UTC hour',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: ['year', 'month', 'day', 'hour'].map((name) => ({ name, type: 'string' })),
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          'projection.year.type': 'integer',
          'projection.year.range': '2025,2100',
          'projection.month.type': 'integer',
          'projection.month.range': '1,12',
          'projection.month.digits': '2',
          'projection.day.type': 'integer',
          'projection.day.range': '1,31',
          'projection.day.digits': '2',
          'projection.hour.type': 'integer',
          'projection.hour.range': '0,23',
          'projection.hour.digits': '2',
          'storage.location.template': `${location}year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/`,
        },
        storageDescriptor: {
          location,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            // A malformed line reads as NULLs instead of failing the whole query.
            parameters: { 'ignore.malformed.json': 'true' },
          },
          columns: [
            { name: 'userid', type: 'string', comment: 'userId of the click' },
            { name: 'page', type: 'string' },
            { name: 'at', type: 'string', comment: 'ISO 8601 time of the click' },
          ],
        },
      },
    });
    table.node.addDependency(database);

    this.workGroupName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Queries over the clickstream data lake; results encrypted, scan size capped',
      recursiveDeleteOption: props.removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        // Queries cannot override the output location or the encryption (AwsSolutions-ATH1).
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery.toBytes(),
        resultConfiguration: {
          outputLocation: `s3://${props.bucket.bucketName}/${props.resultsPrefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    });
  }
}
