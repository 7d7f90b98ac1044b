import { Duration, Names, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { validatePattern, validateWholeDuration } from '../core/errors';

const NAME = 'ClickstreamQueryLayer';

/** Props of {@link ClickstreamQueryLayer}. */
export interface ClickstreamQueryLayerProps {
  /** The data lake bucket Firehose writes to. */
  readonly bucket: s3.IBucket;
  /** Key the bucket is encrypted with; Athena encrypts its query results with it too. */
  readonly encryptionKey: kms.IKey;
  /** Key prefix of the delivered objects, e.g. `data/` (followed by `<partitionColumn>=<hour>/`). */
  readonly dataPrefix: string;
  /**
   * Name of the one partition column; the objects lie under `<dataPrefix><partitionColumn>=<value>/`.
   * @default 'dt'
   */
  readonly partitionColumn?: string;
  /**
   * Java DateTimeFormatter pattern of the partition value, the same string as in the Firehose prefix's
   * `!{timestamp:...}` expression; its finest field must be the hour (`HH`): one partition per hour.
   * @default 'yyyy-MM-dd-HH'
   */
  readonly partitionFormat?: string;
  /**
   * When the data lake's lifecycle deletes objects: partitions are projected only back to then (plus a
   * day, as S3 rounds the expiry up to the next midnight UTC), so an unfiltered query lists at most that
   * many hours, however long the table lives.
   * @default Duration.days(365)
   */
  readonly dataExpireAfter?: Duration;
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
 * Partition projection computes the hourly partitions from the table properties, so no Glue crawler and
 * no `MSCK REPAIR TABLE` are needed as new hours arrive. One `date` column (AWS's advice for time-based
 * partitions) spans only real hours from the oldest object the lifecycle keeps to NOW: no 31 February,
 * no empty years ahead.
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
    validatePattern(
      NAME,
      'partitionColumn',
      props.partitionColumn,
      /^[a-z_][a-z0-9_]*$/,
      'must be a lower-case Hive column name (a-z, 0-9, _)',
    );
    validatePattern(
      NAME,
      'partitionFormat',
      props.partitionFormat,
      /^(?=.*HH)[^msSanAN{}]+$/,
      'must be a DateTimeFormatter pattern whose finest field is the hour (HH): the projection steps by 1 hour',
    );
    validateWholeDuration(NAME, 'dataExpireAfter', props.dataExpireAfter, 'days');
    const account = Stack.of(this).account;
    this.databaseName = Names.uniqueResourceName(this, { maxLength: 200, separator: '_' })
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_');
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: this.databaseName, description: 'Clickstream data lake written by Firehose' },
    });

    const location = `s3://${props.bucket.bucketName}/${props.dataPrefix}`;
    const column = props.partitionColumn ?? 'dt';
    const format = props.partitionFormat ?? 'yyyy-MM-dd-HH';
    // S3 deletes an object up to a day after expireAfter (rounded to the next midnight UTC).
    const expireAfter = props.dataExpireAfter ?? Duration.days(365);
    const range = expireAfter.isUnresolved() ? 'NOW-366DAYS,NOW' : `NOW-${expireAfter.toDays() + 1}DAYS,NOW`;
    const table = new glue.CfnTable(this, 'Table', {
      catalogId: account,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        description: 'One row per click event (newline-delimited JSON, GZIP), partitioned by UTC hour',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [{ name: column, type: 'string' }],
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          [`projection.${column}.type`]: 'date',
          [`projection.${column}.format`]: format,
          [`projection.${column}.range`]: range,
          [`projection.${column}.interval`]: '1',
          [`projection.${column}.interval.unit`]: 'HOURS',
          'storage.location.template': `${location}${column}=\${${column}}/`,
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
