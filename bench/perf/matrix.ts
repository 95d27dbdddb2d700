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
 * four producers, and two open-loop latency rows; and the txn row, the base row's records in
 * transactions; and the secured rows, the base row over TLS and over SASL_SSL (security.ts). The
 * quick preset is a handful of those rows sized for CI.
 *
 * Pure data (and the arithmetic of the soak row's batches); any thread.
 */
import { type CodecName, recordsPerBatch } from './wire.js';

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
  /** The soak row: a timeline of windows (soakRow). */
  soak?: SoakSpec;
  /** The txn row: a transactional producer per connection, and a read_committed consumer. */
  transactional?: TxnSpec;
  /** A secured row: the load over a TLS listener, or over SASL_SSL with a SCRAM-SHA-512 login per connection (security.ts). */
  security?: 'SSL' | 'SASL_SSL';
}

/**
 * What makes a row transactional: each transaction is AddPartitionsToTxn, `requestsPerTxn`
 * produce requests (one batch per partition each) with at most `inflight` in flight, and
 * EndTxn commit, all in the classic protocol (AddPartitionsToTxn v3, Produce v9, EndTxn v3).
 */
export interface TxnSpec {
  requestsPerTxn: number;
  /** Produce requests in flight per transactional producer: a Kafka producer with idempotence allows at most 5. */
  inflight: number;
}

/**
 * The txn row's transactions: 10 requests of 64 KiB (630 records of 1 KiB) per
 * transaction, 5 in flight as a Kafka producer's max.in.flight.requests.per.connection allows
 * with idempotence; acks=-1, which a transactional Kafka producer requires.
 */
export const TXN: TxnSpec = { requestsPerTxn: 10, inflight: 5 };

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
  row('txn', { acks: -1, transactional: TXN }),
  row('tls', { security: 'SSL' }),
  row('sasl-ssl', { security: 'SASL_SSL' }),
];

export const QUICK_ROWS: RowSpec[] = [
  row('base'),
  row('base-w0', { workers: 0 }),
  row('rec100', { recordBytes: 100 }),
  row('p8-w0', { partitions: 8, workers: 0 }),
  row('p8-wN', { partitions: 8, workers: 'N' }),
  row('flush1', { flushMessages: 1 }),
  row('e2e-10k', { recordsPerSec: 10_000, openBatchRecords: 10 }),
  row('txn', { acks: -1, transactional: TXN }),
  row('tls', { security: 'SSL' }),
  row('sasl-ssl', { security: 'SASL_SSL' }),
];

/** What makes a row the soak row: its timeline windows and the load it was given. */
export interface SoakSpec {
  windowMs: number;
  /** MB (2^20 bytes of record values) per second, open loop; 'max': the closed loop of the base row. */
  rateMBps: number | 'max';
}

/** A Kafka producer's defaults since 4.0 (KIP-1030), which decide the soak row's batches. */
export const KAFKA_BATCH_SIZE = 16384;
export const KAFKA_LINGER_MS = 5;

/**
 * Records per batch of a Kafka producer with its default batch.size and linger.ms sending
 * `recordsPerSec` records of `recordBytes`: a batch leaves when full or when it has waited
 * linger.ms, whichever comes first. At 20 MB/s of 1 KiB records, 5 ms gathers 102 records but
 * 16 KiB holds 15, so batch.size decides (1,365 requests a second); below about 3 MB/s
 * linger.ms does.
 */
export function lingerBatchRecords(recordsPerSec: number, recordBytes: number): number {
  const bySize = recordsPerBatch(recordBytes, KAFKA_BATCH_SIZE);
  const byLinger = Math.ceil((recordsPerSec * KAFKA_LINGER_MS) / 1000);
  return Math.max(1, Math.min(bySize, byLinger));
}

export interface SoakOptions {
  rateMBps?: number | 'max';
  windowSeconds?: number;
  /** Segments of a mebibyte (for the test suite's few seconds): rolls, retention and removal in a short run. */
  tiny?: boolean;
}

/** The soak row's defaults: 20 MB/s, 2 s windows. */
export const SOAK_RATE_MBPS = 20;
export const SOAK_WINDOW_SECONDS = 2;

/**
 * The soak row: a long run with retention on and segments small enough to roll many times, to
 * show per time window whether a roll stalls acknowledgements, whether deleted segments stay
 * open (and keep their disk space), and whether memory stays flat (soak.ts).
 *
 * Open loop (the default, 20 MB/s of 1 KiB records in a Kafka producer's batches, with the
 * end-to-end consumer reading along the tail, so the fetch path opens every segment):
 *   log.segment.bytes 128 MiB      a roll every ~6.5 s at 20 MB/s: ~90 in 10 minutes, and
 *                                  with 2 s windows a third of the windows hold one, so
 *                                  windows with and without a roll alternate
 *   log.retention.bytes 384 MiB    three segments (plus the active one): every roll soon
 *                                  makes retention delete the oldest
 *   check interval 5 s             Kafka's 5 minutes would let 6 GB pile up between checks;
 *                                  5 s is less than a segment's worth (100 MB)
 *   file.delete.delay.ms 10 s      Kafka's 60 s would keep ~9 renamed segments waiting;
 *                                  10 s is ages for a read in flight (milliseconds) and
 *                                  removes nearly every deleted segment within the run, so
 *                                  what stays open after the removal shows as deleted-open
 * Disk in use when nothing is pinned: about 4 + 2 segments (~800 MiB); each segment pinned
 * adds 128 MiB (a 10-minute run that pins all of them needs ~12 GB free).
 *
 * 'max': the earlier soak row, kept as it was: the base row's closed loop (no reading-along
 * consumer; the consume phase after it reads from the log start), 256 MiB segments, 1 GiB of
 * retention checked every 5 s, Kafka's file.delete.delay.ms.
 *
 * tiny: 1 MiB segments, 3 MiB retention checked every 200 ms, removal after 500 ms, so that a
 * run of a few seconds at a few MB/s rolls, deletes and removes.
 */
export function soakRow(seconds: number, options: SoakOptions = {}): RowSpec {
  const rateMBps = options.rateMBps ?? SOAK_RATE_MBPS;
  const windowMs = Math.round((options.windowSeconds ?? SOAK_WINDOW_SECONDS) * 1000);
  const MiB = 1024 * 1024;
  const retention: Record<string, number> = options.tiny
    ? { 'log.segment.bytes': 1 * MiB, 'log.retention.bytes': 3 * MiB, 'log.retention.check.interval.ms': 200, 'log.segment.delete.delay.ms': 500 }
    : rateMBps === 'max'
      ? { 'log.segment.bytes': 256 * MiB, 'log.retention.bytes': 1024 * MiB, 'log.retention.check.interval.ms': 5000 }
      : { 'log.segment.bytes': 128 * MiB, 'log.retention.bytes': 384 * MiB, 'log.retention.check.interval.ms': 5000, 'log.segment.delete.delay.ms': 10_000 };
  const soak: SoakSpec = { windowMs, rateMBps };
  if (rateMBps === 'max') return row('soak', { seconds, brokerConfig: retention, soak });
  const recordsPerSec = Math.round((rateMBps * MiB) / BASE.recordBytes);
  return row('soak', { seconds, recordsPerSec, openBatchRecords: lingerBatchRecords(recordsPerSec, BASE.recordBytes), brokerConfig: retention, soak });
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
  if (r.security) parts.push(r.security === 'SSL' ? 'TLS listener' : 'SASL_SSL listener, SCRAM-SHA-512 login per connection');
  if (r.transactional) parts.push(`transactions of ${r.transactional.requestsPerTxn} produce requests (${r.transactional.inflight} in flight), read_committed`);
  if (r.soak) {
    const c = r.brokerConfig ?? {};
    const mib = (k: string): string => (c[k] === undefined ? 'default' : `${Number(c[k]) / 1024 / 1024} MiB`);
    parts.push(`${r.seconds} s soak in ${r.soak.windowMs / 1000} s windows, segments ${mib('log.segment.bytes')}, retention ${mib('log.retention.bytes')}`);
  }
  return parts.join(', ');
}
