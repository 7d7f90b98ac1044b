import { PropValidationError } from '../core/errors';

/**
 * Per-shard limits of a provisioned Kinesis data stream. The notes give them as "Each shard gets
 * 1MB/s in (or 1000 records per second)" and "2MB/s out" (001 L4420-4424, 003 L1696-1697); AWS
 * still documents the same numbers today.
 */
export const SHARD_LIMITS = {
  /** Write throughput per shard, MB/s (001 L4421). */
  writeMBps: 1,
  /** Write records per shard per second (001 L4421). */
  writeRecordsPerSecond: 1000,
  /**
   * Read throughput per shard, MB/s, shared by every consumer that polls with GetRecords
   * ("Standard: pull data (2 MB per shard)", 001 L4462). An enhanced fan-out consumer gets its own
   * 2 MB/s per shard instead ("push data (2 MB per shard per consumer)").
   */
  readMBps: 2,
} as const;

/** What {@link estimateShardCount} needs to know about the traffic. */
export interface ShardSizingInput {
  /** Peak data written to the stream, in MB per second (partition keys included). Must be > 0. */
  readonly writeMBps: number;
  /** Peak records written per second. Must be > 0. */
  readonly writeRecordsPerSecond: number;
  /**
   * Applications that read every record (a Lambda consumer, Firehose, a KCL app...). Whole number >= 1.
   * @default 1
   */
  readonly consumers?: number;
  /**
   * True when every consumer is registered for enhanced fan-out: each then gets its own 2 MB/s per
   * shard, so the number of consumers no longer divides the read throughput.
   * @default false
   */
  readonly enhancedFanOut?: boolean;
}

/** Which per-shard limit decided the shard count. */
export type ShardBottleneck = 'write-bytes' | 'write-records' | 'shared-read';

/** The result of {@link estimateShardCount}: how many shards, and why. */
export interface ShardEstimate {
  /** Shards needed at the given peak (at least 1). */
  readonly shardCount: number;
  /** The limit that needs the most shards. */
  readonly bottleneck: ShardBottleneck;
  /** Shards each limit alone would need: write bytes, write records, shared read. */
  readonly byLimit: Readonly<Record<ShardBottleneck, number>>;
}

const WHO = 'estimateShardCount';

function requirePositive(prop: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new PropValidationError(
      WHO,
      prop,
      `must be a number greater than 0; received ${value} (a stream with no traffic still needs 1 shard: ` +
        `size it from the expected peak).`,
    );
  }
}

/**
 * Turns expected peak traffic into a provisioned shard count:
 *
 *   max( ceil(writeMBps / 1), ceil(writeRecordsPerSecond / 1000), ceil(writeMBps x consumers / 2) )
 *
 * The third term applies only to consumers that share the 2 MB/s read limit of a shard (GetRecords
 * polling, which is what a Lambda event source mapping and Firehose use); with enhanced fan-out
 * every consumer has its own 2 MB/s per shard, which always exceeds the 1 MB/s a shard can take in.
 *
 * Sizing is for the peak: a provisioned stream rejects writes above its shards' capacity with
 * `ProvisionedThroughputExceededException` (003 L1710-1717), whereas on-demand mode scales by itself.
 */
export function estimateShardCount(input: ShardSizingInput): ShardEstimate {
  requirePositive('writeMBps', input.writeMBps);
  requirePositive('writeRecordsPerSecond', input.writeRecordsPerSecond);
  const consumers = input.consumers ?? 1;
  if (!Number.isInteger(consumers) || consumers < 1) {
    throw new PropValidationError(
      WHO,
      'consumers',
      `must be a whole number of at least 1; received ${consumers} (a stream nobody reads needs no consumers ` +
        `prop, but sizing for zero readers hides the shared 2 MB/s read limit).`,
    );
  }
  // Rounded to 6 decimals first so that 0.1 + 0.2-style float noise never adds a shard.
  const up = (x: number): number => Math.max(1, Math.ceil(Math.round(x * 1e6) / 1e6));
  const byLimit: Record<ShardBottleneck, number> = {
    'write-bytes': up(input.writeMBps / SHARD_LIMITS.writeMBps),
    'write-records': up(input.writeRecordsPerSecond / SHARD_LIMITS.writeRecordsPerSecond),
    'shared-read': input.enhancedFanOut ? 1 : up((input.writeMBps * consumers) / SHARD_LIMITS.readMBps),
  };
  const order: ShardBottleneck[] = ['write-bytes', 'write-records', 'shared-read'];
  const bottleneck = order.reduce((best, k) => (byLimit[k] > byLimit[best] ? k : best), order[0]);
  return { shardCount: byLimit[bottleneck], bottleneck, byLimit };
}
