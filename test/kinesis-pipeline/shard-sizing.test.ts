import * as fc from 'fast-check';
import { estimateShardCount, SHARD_LIMITS } from '../../lib/kinesis-pipeline/shard-sizing';

describe('estimateShardCount', () => {
  // The notes' per-shard numbers: "Each shard gets 1MB/s in (or 1000 records per second)", "2MB/s out"
  // (001 L4420-4424, 003 L1696-1697).
  test('uses the notes per-shard limits', () => {
    expect(SHARD_LIMITS).toEqual({ writeMBps: 1, writeRecordsPerSecond: 1000, readMBps: 2 });
  });

  test('exactly one shard of traffic (1 MB/s, 1,000 records/s, one reader) needs one shard', () => {
    expect(estimateShardCount({ writeMBps: 1, writeRecordsPerSecond: 1000 })).toEqual({
      shardCount: 1,
      bottleneck: 'write-bytes',
      byLimit: { 'write-bytes': 1, 'write-records': 1, 'shared-read': 1 },
    });
  });

  test('the on-demand starting capacity (4 MB/s or 4,000 records/s, 001 L4427) equals 4 provisioned shards', () => {
    expect(estimateShardCount({ writeMBps: 4, writeRecordsPerSecond: 4000 }).shardCount).toBe(4);
  });

  test('just over 1 MB/s needs a second shard', () => {
    const e = estimateShardCount({ writeMBps: 1.01, writeRecordsPerSecond: 100 });
    expect(e.shardCount).toBe(2);
    expect(e.bottleneck).toBe('write-bytes');
  });

  test('many small records are limited by 1,000 records/s, not by bytes', () => {
    // 2,500 clicks/s of 200 bytes = 0.5 MB/s, but 2,500 records/s needs 3 shards.
    const e = estimateShardCount({ writeMBps: 0.5, writeRecordsPerSecond: 2500 });
    expect(e).toMatchObject({ shardCount: 3, bottleneck: 'write-records' });
  });

  test('three shared-throughput readers of 1 MB/s need 2 shards for the 2 MB/s read limit', () => {
    const e = estimateShardCount({ writeMBps: 1, writeRecordsPerSecond: 500, consumers: 3 });
    expect(e).toMatchObject({ shardCount: 2, bottleneck: 'shared-read' });
    expect(e.byLimit['shared-read']).toBe(2);
  });

  test('enhanced fan-out gives each reader its own 2 MB/s per shard, so readers stop adding shards', () => {
    const e = estimateShardCount({
      writeMBps: 1,
      writeRecordsPerSecond: 500,
      consumers: 5,
      enhancedFanOut: true,
    });
    expect(e).toMatchObject({ shardCount: 1, bottleneck: 'write-bytes' });
  });

  test('float noise does not add a shard (0.1 + 0.2 MB/s)', () => {
    expect(
      estimateShardCount({ writeMBps: 0.1 + 0.2, writeRecordsPerSecond: 1, consumers: 1 }).shardCount,
    ).toBe(1);
    expect(estimateShardCount({ writeMBps: 0.7 + 0.1 + 0.2 + 1, writeRecordsPerSecond: 1 }).shardCount).toBe(
      2,
    );
  });

  test.each([
    ['writeMBps', { writeMBps: 0, writeRecordsPerSecond: 1 }],
    ['writeMBps', { writeMBps: -1, writeRecordsPerSecond: 1 }],
    ['writeMBps', { writeMBps: Number.NaN, writeRecordsPerSecond: 1 }],
    ['writeRecordsPerSecond', { writeMBps: 1, writeRecordsPerSecond: 0 }],
    ['writeRecordsPerSecond', { writeMBps: 1, writeRecordsPerSecond: -5 }],
  ])('rejects %s that is not greater than 0', (prop, input) => {
    // The message shows the value itself, not merely the word "received".
    const value = input[prop as keyof typeof input];
    expect(() => estimateShardCount(input)).toThrow(
      `estimateShardCount: invalid ${prop}: must be a number greater than 0; received ${value} (`,
    );
  });

  test.each([0, -1, 1.5])('rejects consumers = %p', (consumers) => {
    expect(() => estimateShardCount({ writeMBps: 1, writeRecordsPerSecond: 1, consumers })).toThrow(
      `estimateShardCount: invalid consumers: must be a whole number of at least 1; received ${consumers}`,
    );
  });

  test('property: the shard count covers every limit and one shard fewer would not', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 500, noNaN: true }),
        fc.integer({ min: 1, max: 500_000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        (writeMBps, writeRecordsPerSecond, consumers, enhancedFanOut) => {
          const { shardCount } = estimateShardCount({
            writeMBps,
            writeRecordsPerSecond,
            consumers,
            enhancedFanOut,
          });
          const fits = (n: number): boolean =>
            writeMBps <= n * 1 + 1e-6 &&
            writeRecordsPerSecond <= n * 1000 &&
            (enhancedFanOut || writeMBps * consumers <= n * 2 + 1e-6);
          return shardCount >= 1 && fits(shardCount) && (shardCount === 1 || !fits(shardCount - 1));
        },
      ),
    );
  });
});
