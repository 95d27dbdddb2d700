/**
 * LogHost: the partition logs one thread owns, addressed by slot number, and their upkeep.
 *
 * A partition worker hosts one LogHost and feeds it commands from its ring; with
 * num.io.threads=0 the broker's main thread hosts one directly. Everything a log needs done on
 * a schedule happens in `tick(now)`: flushes due by flush.ms, retention every
 * log.retention.check.interval.ms, removal of deleted segment files, compaction passes
 * (cleaned on the piscina pool, swapped in here, one pass at a time), and removal of idle
 * producers every producer.id.expiration.check.interval.ms.
 *
 * Appends may defer their flush (`deferFlush`) so that a caller holding many appends can run
 * `flushDue()` once for all of them before answering: one fdatasync per log covers every batch
 * that arrived meanwhile (group commit).
 *
 * Owned by one thread; not thread-safe.
 */
import type { LogConfig } from '../core/log-config.js';
import { type AppendResult, PartitionLog, type ReadResult, type SegmentRecovery } from '../core/partition-log.js';
import { type ActiveProducer, DEFAULT_PRODUCER_ID_EXPIRATION_MS } from '../core/producer-state.js';
import { ErrorCode } from '../protocol/errors.js';
import { compactOnPool } from './pool.js';

export interface OpenPartition {
  slot: number;
  topic: string;
  partition: number;
  logDir: string;
  config: LogConfig;
}

export interface PartitionSummary {
  slot: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  segmentCount: number;
  wasCleanShutdown: boolean;
  recovered: SegmentRecovery[];
}

export interface ListOffsetResult {
  errorCode: number;
  offset: number;
  timestamp: number;
}

export interface LogHostOptions {
  retentionCheckIntervalMs: number;
  /** How often logs are considered for compaction (log.cleaner.backoff.ms). */
  cleanerBackoffMs: number;
  /** Whether compaction runs at all (log.cleaner.enable). */
  cleanerEnabled: boolean;
  /** producer.id.expiration.ms: idle producers' state is dropped after this long; Kafka's default (a day) when absent. */
  producerIdExpirationMs?: number;
  /** producer.id.expiration.check.interval.ms: how often; Kafka's default (10 minutes) when absent. */
  producerIdExpirationCheckIntervalMs?: number;
  now?: () => number;
}

export interface DescribeProducersResult {
  errorCode: number;
  producers: ActiveProducer[];
}

/** producer.id.expiration.check.interval.ms's default in Kafka. */
const DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000;

const UNKNOWN = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;

export class LogHost {
  private readonly logs = new Map<number, PartitionLog>();
  private readonly options: LogHostOptions;
  private readonly now: () => number;
  private lastRetentionMs: number;
  private lastCleanerMs: number;
  private lastProducerExpirationMs: number;
  private compacting = false;
  /** Logs with appends whose flush was deferred. */
  private readonly touched = new Set<PartitionLog>();

  constructor(options: LogHostOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.lastRetentionMs = this.now();
    this.lastCleanerMs = this.now();
    this.lastProducerExpirationMs = this.now();
  }

  open(p: OpenPartition): PartitionSummary {
    const existing = this.logs.get(p.slot);
    if (existing) return this.summary(p.slot)!;
    const log = PartitionLog.open(p.logDir, p.topic, p.partition, p.config, {
      now: this.now,
      producerIdExpirationMs: this.options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS,
    });
    this.logs.set(p.slot, log);
    return this.summary(p.slot)!;
  }

  summary(slot: number): PartitionSummary | undefined {
    const log = this.logs.get(slot);
    if (!log) return undefined;
    return {
      slot,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      sizeBytes: log.sizeBytes,
      segmentCount: log.segmentCount,
      wasCleanShutdown: log.wasCleanShutdown,
      recovered: log.recovered,
    };
  }

  /** Closes a partition's log; with `remove`, its directory is deleted (the topic was deleted). */
  close(slot: number, remove = false): void {
    const log = this.logs.get(slot);
    if (!log) return;
    this.logs.delete(slot);
    this.touched.delete(log);
    if (remove) log.deleteAll();
    else log.close();
  }

  setConfig(slot: number, config: LogConfig): void {
    const log = this.logs.get(slot);
    if (log) log.config = config;
  }

  append(slot: number, records: Buffer, deferFlush = false): AppendResult {
    const log = this.logs.get(slot);
    if (!log) return { errorCode: UNKNOWN, baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordCount: 0 };
    const result = log.append(records, { deferFlush });
    if (deferFlush && result.errorCode === 0) this.touched.add(log);
    return result;
  }

  /** Flushes the logs with deferred appends whose flush policy is due: one fdatasync each. */
  flushDue(): void {
    if (this.touched.size === 0) return;
    const now = this.now();
    for (const log of this.touched) log.flushIfDue(now);
    this.touched.clear();
  }

  read(slot: number, offset: number, maxBytes: number): ReadResult {
    const log = this.logs.get(slot);
    if (!log) return { errorCode: UNKNOWN, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 };
    return log.read(offset, maxBytes);
  }

  listOffset(slot: number, timestamp: number): ListOffsetResult {
    const log = this.logs.get(slot);
    if (!log) return { errorCode: UNKNOWN, offset: -1, timestamp: -1 };
    const found = log.offsetForTimestamp(timestamp);
    return found ? { errorCode: 0, offset: found.offset, timestamp: found.timestamp } : { errorCode: 0, offset: -1, timestamp: -1 };
  }

  deleteRecords(slot: number, offset: number): { errorCode: number; lowWatermark: number } {
    const log = this.logs.get(slot);
    if (!log) return { errorCode: UNKNOWN, lowWatermark: -1 };
    return log.deleteRecords(offset);
  }

  /** The producers a partition knows (DescribeProducers). */
  describeProducers(slot: number): DescribeProducersResult {
    const log = this.logs.get(slot);
    if (!log) return { errorCode: UNKNOWN, producers: [] };
    return { errorCode: 0, producers: log.activeProducers() };
  }

  /** Scheduled upkeep; call every few hundred milliseconds. */
  tick(now = this.now()): void {
    for (const log of this.logs.values()) {
      log.flushIfDue(now);
      if (log.pendingDeleteCount > 0) log.removeDeletedFiles(now);
    }
    if (now - this.lastRetentionMs >= this.options.retentionCheckIntervalMs) {
      this.lastRetentionMs = now;
      for (const log of this.logs.values()) log.runRetention(now);
    }
    const expirationCheckMs = this.options.producerIdExpirationCheckIntervalMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS;
    if (now - this.lastProducerExpirationMs >= expirationCheckMs) {
      this.lastProducerExpirationMs = now;
      for (const log of this.logs.values()) log.removeExpiredProducers(now);
    }
    if (this.options.cleanerEnabled && !this.compacting && now - this.lastCleanerMs >= this.options.cleanerBackoffMs) {
      this.lastCleanerMs = now;
      void this.compactOne(now);
    }
  }

  /** One compaction pass over the first log that wants one, cleaned on the pool. */
  private async compactOne(now: number): Promise<void> {
    for (const log of this.logs.values()) {
      const plan = log.compactionPlan(now);
      if (!plan) continue;
      this.compacting = true;
      try {
        const result = await compactOnPool(plan);
        if ([...this.logs.values()].includes(log)) log.applyCompaction(result);
      } catch (e) {
        console.error(`compaction of ${log.topic}-${log.partition} failed: ${(e as Error).message}`);
      } finally {
        this.compacting = false;
      }
      return;
    }
  }

  get partitionCount(): number {
    return this.logs.size;
  }

  closeAll(): void {
    for (const slot of [...this.logs.keys()]) this.close(slot);
  }
}
