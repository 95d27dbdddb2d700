/**
 * The benchmark matrix: which rows a preset runs, each row one broker configuration and one
 * workload.
 *
 * The dimensions (record size 100 B / 1 KiB / 10 KiB; batch 16 / 64 / 256 KiB; partitions
 * 1 / 8 / 64; codec none / gzip / snappy / lz4 / zstd; acks 1 / -1; partition workers 0 / 1 /
 * N; producers 1 / 4; flush.messages=1) would make 1,620 rows as a full product, hours of
 * running. The full preset instead varies one dimension at a time around a base row (1 KiB
 * records, 64 KiB batches, 1 partition, no codec, acks=1, the default worker count, one
 * producer), and adds the pairs the targets compare: each workload that matters with its
 * inline (0 workers) twin, 100 B records with four producers, flush.messages=1 with one and
 * four producers, and two open-loop latency rows. The quick preset is a handful of those rows
 * sized for CI.
 *
 * Pure data; any thread.
 */
import type { CodecName } from './wire.js';

/** Partition workers: a number, 'N' (one per core, at least 2), or 'default' (the broker's own default). */
export type WorkerCount = number | 'N' | 'default';

export interface RowSpec {
  /** Short stable name: the key in results files and for --only. */
  id: string;
  recordBytes: number;
  batchBytes: number;
  partitions: number;
  codec: CodecName;
  acks: 1 | -1;
  workers: WorkerCount;
  /** Load worker threads producing; each has `connections` × `inflight` requests outstanding. */
  producers: number;
  /** Topic-level flush.messages (1: fsync before every acknowledgement); absent: Kafka's default. */
  flushMessages?: number;
  /** Open loop at this many records per second over all producers; absent: closed loop. */
  recordsPerSec?: number;
  /** Open loop: records per batch (a client's linger gathering records between sends). */
  openBatchRecords?: number;
  /** Broker keys beyond the row's own dimensions (the soak row's retention). */
  brokerConfig?: Record<string, string | number>;
  /** Produce seconds for this row, instead of the run's per-row duration. */
  seconds?: number;
}

const KiB = 1024;

export const BASE: Omit<RowSpec, 'id'> = {
  recordBytes: 1 * KiB,
  batchBytes: 64 * KiB,
  partitions: 1,
  codec: 'none',
  acks: 1,
  workers: 'default',
  producers: 1,
};

const row = (id: string, changes: Partial<RowSpec> = {}): RowSpec => ({ ...BASE, id, ...changes });

export const FULL_ROWS: RowSpec[] = [
  row('base'),
  row('base-w0', { workers: 0 }),
  row('rec100', { recordBytes: 100 }),
  row('rec100-w0', { recordBytes: 100, workers: 0 }),
  row('rec100-prod4', { recordBytes: 100, producers: 4 }),
  row('rec10k', { recordBytes: 10 * KiB }),
  row('batch16k', { batchBytes: 16 * KiB }),
  row('batch256k', { batchBytes: 256 * KiB }),
  row('p8-w0', { partitions: 8, workers: 0 }),
  row('p8-w1', { partitions: 8, workers: 1 }),
  row('p8-wN', { partitions: 8, workers: 'N' }),
  row('p64', { partitions: 64 }),
  row('p64-w0', { partitions: 64, workers: 0 }),
  row('gzip', { codec: 'gzip' }),
  row('snappy', { codec: 'snappy' }),
  row('lz4', { codec: 'lz4' }),
  row('zstd', { codec: 'zstd' }),
  row('zstd-w0', { codec: 'zstd', workers: 0 }),
  row('acks-all', { acks: -1 }),
  row('prod4', { producers: 4 }),
  row('flush1', { flushMessages: 1 }),
  row('flush1-prod4', { flushMessages: 1, producers: 4 }),
  row('flush1-w0', { flushMessages: 1, workers: 0 }),
  row('e2e-10k', { recordsPerSec: 10_000, openBatchRecords: 10 }),
  row('e2e-100k', { recordsPerSec: 100_000, openBatchRecords: 100 }),
];

export const QUICK_ROWS: RowSpec[] = [
  row('base'),
  row('base-w0', { workers: 0 }),
  row('rec100', { recordBytes: 100 }),
  row('p8-w0', { partitions: 8, workers: 0 }),
  row('p8-wN', { partitions: 8, workers: 'N' }),
  row('flush1', { flushMessages: 1 }),
  row('e2e-10k', { recordsPerSec: 10_000, openBatchRecords: 10 }),
];

/**
 * The soak row: the base workload for a long run, with retention keeping the disk bounded
 * (256 MiB segments, 1 GiB per partition, checked every 5 s), so that the RSS timeline shows
 * whether memory stays flat while segments roll and are deleted.
 */
export function soakRow(seconds: number): RowSpec {
  return row('soak', {
    seconds,
    brokerConfig: { 'log.segment.bytes': 256 * 1024 * 1024, 'log.retention.bytes': 1024 * 1024 * 1024, 'log.retention.check.interval.ms': 5000 },
  });
}

export function describeRow(r: RowSpec, resolvedWorkers: number): string {
  const size = (n: number): string => (n >= KiB ? `${n / KiB} KiB` : `${n} B`);
  const parts = [
    `${size(r.recordBytes)} records`,
    r.recordsPerSec ? `${r.openBatchRecords ?? 1}/batch` : `${size(r.batchBytes)} batches`,
    `${r.partitions} partition${r.partitions === 1 ? '' : 's'}`,
    r.codec,
    `acks=${r.acks}`,
    `${resolvedWorkers} worker${resolvedWorkers === 1 ? '' : 's'}${r.workers === 'default' ? ' (default)' : ''}`,
    `${r.producers} producer${r.producers === 1 ? '' : 's'}`,
  ];
  if (r.flushMessages) parts.push(`flush.messages=${r.flushMessages}`);
  if (r.recordsPerSec) parts.push(`open loop ${r.recordsPerSec.toLocaleString('en-US')} records/s`);
  return parts.join(', ');
}
