/**
 * LogHost: the partition logs one thread owns, addressed by slot number, their upkeep, and the
 * storage fault policy for them.
 *
 * A partition worker hosts one LogHost and feeds it commands from its ring; with
 * num.io.threads=0 the broker's main thread hosts one directly. Everything a log needs done on
 * a schedule happens in `tick(now)`: flushes due by flush.ms, retention every
 * log.retention.check.interval.ms, removal of deleted segment files, compaction passes
 * (cleaned on the piscina pool, swapped in here, one pass at a time), and removal of idle
 * producers every producer.id.expiration.check.interval.ms.
 *
 * Group commit: appends never flush by themselves; after a group of appends the owner calls
 * `flushDue()`, which starts one fdatasync (on the thread pool) per log whose flush policy is
 * due and answers which appends must wait for which flush.
 *
 * Faults (Kafka's log-directory failure handling, extended with recovery):
 *   - An I/O error (fs.ts's storageErrorOf: ENOSPC, EIO, EROFS, …) from any operation on a log,
 *     in the foreground or in its background durability work, takes the log's *directory*
 *     offline: `events.logDirFailed` tells the owner, which takes the directory offline on every
 *     thread (`markDirOffline`). An offline directory's logs refuse appends, deleteRecords and
 *     upkeep with KAFKA_STORAGE_ERROR; reads and offset lookups go on while they succeed (the
 *     data on disk is intact: a failed write never advances a segment's size), which is where
 *     Spindle goes beyond Kafka, whose offline directories serve nothing.
 *   - `recoverDir` brings a directory back once the owner sees writes succeed there again:
 *     each of its logs is closed and reopened, which rescans everything past its recovery point,
 *     cuts torn tails and rebuilds indexes, so no acknowledged record is lost and no torn write
 *     is served.
 *   - Descriptor exhaustion (EMFILE) fails the one operation, nothing more.
 *   - Anything else is a programmer error: it is thrown (a worker dies and is restarted by its
 *     host; the inline host logs it, counts it and reopens the log).
 *   - A log the cleaner cannot compact (its pass throws) is marked uncleanable, reported once
 *     (`events.uncleanable`) and skipped from then on; compaction goes on for the others.
 *
 * Owned by one thread; not thread-safe.
 */
import { DescriptorPool, defaultDescriptorLimit } from '../core/descriptors.js';
import { probeDirectory, storageErrorOf } from '../core/fs.js';
import type { LogConfig } from '../core/log-config.js';
import { type Logger, SILENT_LOGGER, withStack } from '../core/logger.js';
import {
  type AppendResult,
  type DeleteRecordsResult,
  type ListOffsetResult,
  PartitionLog,
  type ReadResult,
  type AppendOrigin,
  type SegmentRecovery,
  type TxnMarker,
  failedAppend,
  failedDeleteRecords,
  failedListOffset,
  failedRead,
  failedReplica,
  FetchIsolation,
  type ReplicaResult,
} from '../core/partition-log.js';
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS } from '../core/producer-state.js';
import { ErrorCode } from '../protocol/errors.js';
import { type DescribeProducersResult, type LogStats, ReplicaOp } from './messages.js';
import { compactOnPool } from './pool.js';

export interface OpenPartition {
  slot: number;
  topic: string;
  partition: number;
  logDir: string;
  config: LogConfig;
  /** Cluster mode: one replica of a replicated partition (PartitionLog's OpenOptions.replicated). */
  replicated?: boolean;
}

export interface PartitionSummary {
  slot: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  segmentCount: number;
  wasCleanShutdown: boolean;
  recovered: SegmentRecovery[];
  /** The log could not be opened (its directory is offline); the offsets are -1. */
  offline: boolean;
}

/** What the host reports to its owner, unasked. */
export interface LogHostEvents {
  /** An I/O error in a log directory: take it offline everywhere (markDirOffline) and probe it. */
  logDirFailed(logDir: string, code: string, message: string, partition: string): void;
  /** Files removed from disk: whoever caches descriptors for them must close them. */
  filesRemoved(paths: string[]): void;
  /** The cleaner could not compact the log; it is skipped from now on. */
  uncleanable(slot: number, reason: string): void;
  /**
   * A programmer error in background work (no caller to throw to). A worker throws it so that
   * it dies loudly and is restarted; the inline host logs and counts it.
   */
  internalError(context: string, e: unknown): void;
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
  /** Descriptors this host's logs may hold at once (descriptors.ts); one thread's share of the limit when absent. */
  descriptorLimit?: number;
  now?: () => number;
  logger?: Logger;
  events?: LogHostEvents;
}

/**
 * Logs closed at once at shutdown: enough to keep libuv's thread pool and the disk's queue
 * full (1,500 logs close in a few seconds instead of half a minute one after another), few
 * enough that the descriptors they hold stay a small part of the pool.
 */
export const CLOSE_CONCURRENCY = 32;

/** producer.id.expiration.check.interval.ms's default in Kafka. */
const DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000;

const UNKNOWN = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
const STORAGE = ErrorCode.KAFKA_STORAGE_ERROR;

const QUIET_EVENTS: LogHostEvents = {
  logDirFailed: () => {},
  filesRemoved: () => {},
  uncleanable: () => {},
  internalError: (_context, e) => {
    throw e;
  },
};

interface Hosted {
  request: OpenPartition;
  /** Undefined while the log could not be opened (its directory offline). */
  log: PartitionLog | undefined;
}

/** A flush the owner waits for before answering the appends it covers. */
export interface PendingFlush {
  slot: number;
  flushed: Promise<void>;
}

export class LogHost {
  private readonly hosted = new Map<number, Hosted>();
  private readonly options: LogHostOptions;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly events: LogHostEvents;
  readonly pool: DescriptorPool;
  /** Offline log directories, with why. */
  private readonly offline = new Map<string, string>();
  private readonly uncleanableSlots = new Set<number>();
  private lastRetentionMs: number;
  private lastCleanerMs: number;
  private lastProducerExpirationMs: number;
  private compacting = false;
  /** Slots with appends since the last flushDue. */
  private readonly touched = new Set<number>();

  constructor(options: LogHostOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.events = options.events ?? QUIET_EVENTS;
    this.pool = new DescriptorPool(options.descriptorLimit ?? defaultDescriptorLimit(1));
    this.lastRetentionMs = this.now();
    this.lastCleanerMs = this.now();
    this.lastProducerExpirationMs = this.now();
  }

  // ───────────────────────────── opening and closing ─────────────────────────────

  /**
   * Opens (recovering) a partition's log. When the log directory fails while opening, the
   * partition is hosted offline and the directory reported; descriptor exhaustion and
   * programmer errors are thrown to the caller.
   */
  open(p: OpenPartition): PartitionSummary {
    const existing = this.hosted.get(p.slot);
    if (existing) return this.summary(p.slot)!;
    const hosted: Hosted = { request: p, log: undefined };
    if (!this.offline.has(p.logDir)) {
      try {
        hosted.log = this.openLog(p);
      } catch (e) {
        const fault = storageErrorOf(e);
        if (fault?.kind !== 'directory') throw e;
        this.dirFailed(p.logDir, fault.code, e, `${p.topic}-${p.partition}`);
      }
    }
    this.hosted.set(p.slot, hosted);
    return this.summary(p.slot)!;
  }

  private openLog(p: OpenPartition): PartitionLog {
    return PartitionLog.open(p.logDir, p.topic, p.partition, p.config, {
      now: this.now,
      producerIdExpirationMs: this.options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS,
      pool: this.pool,
      logger: this.logger,
      replicated: p.replicated ?? false,
      onBackgroundFault: (what, e) => this.backgroundFault(p, what, e),
    });
  }

  summary(slot: number): PartitionSummary | undefined {
    const h = this.hosted.get(slot);
    if (!h) return undefined;
    const log = h.log;
    if (!log) return { slot, logStartOffset: -1, logEndOffset: -1, sizeBytes: -1, segmentCount: 0, wasCleanShutdown: false, recovered: [], offline: true };
    return {
      slot,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      sizeBytes: log.sizeBytes,
      segmentCount: log.segmentCount,
      wasCleanShutdown: log.wasCleanShutdown,
      recovered: log.recovered,
      offline: false,
    };
  }

  /**
   * Closes a partition's log; with `remove`, its directory is deleted (the topic was deleted).
   * I/O errors are logged: the descriptors are closed all the same.
   */
  async close(slot: number, remove = false): Promise<void> {
    const h = this.hosted.get(slot);
    if (!h) return;
    this.hosted.delete(slot);
    this.touched.delete(slot);
    this.uncleanableSlots.delete(slot);
    const log = h.log;
    if (!log) return;
    try {
      if (remove) log.deleteAll();
      else if (this.offline.has(h.request.logDir)) log.closeAbruptly();
      else await log.close();
    } catch (e) {
      if (!storageErrorOf(e)) throw e;
      this.logger.error(`closing ${log.topic}-${log.partition} in ${h.request.logDir}: ${(e as Error).message}; it is recovered at the next start`);
      log.closeAbruptly();
    }
  }

  /**
   * Closes every log, CLOSE_CONCURRENCY at a time (a close is about ten fsyncs on the thread
   * pool, which the file system batches into shared journal commits when they come together);
   * never throws for one log's error, so shutdown always completes.
   */
  async closeAll(): Promise<void> {
    const slots = [...this.hosted.keys()];
    let next = 0;
    const closer = async (): Promise<void> => {
      while (next < slots.length) {
        const slot = slots[next++]!;
        try {
          await this.close(slot);
        } catch (e) {
          this.logger.error(withStack(`closing slot ${slot}`, e));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CLOSE_CONCURRENCY, slots.length) }, closer));
  }

  setConfig(slot: number, config: LogConfig): void {
    const h = this.hosted.get(slot);
    if (!h) return;
    h.request = { ...h.request, config };
    if (h.log) h.log.config = config;
  }

  get partitionCount(): number {
    return this.hosted.size;
  }

  // ───────────────────────────── the data plane ─────────────────────────────

  append(slot: number, records: Buffer, origin: AppendOrigin = 'client'): AppendResult {
    const h = this.hosted.get(slot);
    if (!h) return failedAppend(UNKNOWN);
    const offline = this.offlineReason(h);
    if (offline) return failedAppend(STORAGE, offline);
    const log = h.log!;
    const result = this.guard(h, () => log.append(records, origin), (code, message) => failedAppend(code, message));
    if (result.errorCode === 0 && !result.duplicate) this.touched.add(slot);
    return result;
  }

  /** Writes a transaction marker; flushed like an append (flushDue). */
  appendMarker(slot: number, marker: TxnMarker): AppendResult {
    const h = this.hosted.get(slot);
    if (!h) return failedAppend(UNKNOWN);
    const offline = this.offlineReason(h);
    if (offline) return failedAppend(STORAGE, offline);
    const log = h.log!;
    const result = this.guard(h, () => log.appendMarker(marker), (code, message) => failedAppend(code, message));
    if (result.errorCode === 0) this.touched.add(slot);
    return result;
  }

  /**
   * Starts the flushes due after the appends since the last call: one fdatasync per log whose
   * flush policy says so, on the thread pool. The owner answers an append to one of these slots
   * only once its flush resolved, and with KAFKA_STORAGE_ERROR if it rejected.
   */
  flushDue(): PendingFlush[] {
    if (this.touched.size === 0) return [];
    const now = this.now();
    const out: PendingFlush[] = [];
    for (const slot of this.touched) {
      const h = this.hosted.get(slot);
      if (!h?.log || this.offline.has(h.request.logDir)) continue;
      const log = h.log;
      const flushed = this.guard(h, () => log.flushIfDue(now), () => Promise.reject(new Error('flush failed')));
      if (flushed) out.push({ slot, flushed });
    }
    this.touched.clear();
    return out;
  }

  read(slot: number, offset: number, maxBytes: number, isolation: FetchIsolation = FetchIsolation.HighWatermark): ReadResult {
    const h = this.hosted.get(slot);
    if (!h) return failedRead(UNKNOWN);
    if (!h.log) return failedRead(STORAGE, this.offlineReason(h));
    const log = h.log;
    return this.guard(h, () => log.read(offset, maxBytes, isolation), (code, message) => failedRead(code, message));
  }

  /** A follower's append of the leader's batches (cluster mode); flushed like an append (flushDue). */
  appendAsFollower(slot: number, records: Buffer): AppendResult {
    const h = this.hosted.get(slot);
    if (!h) return failedAppend(UNKNOWN);
    const offline = this.offlineReason(h);
    if (offline) return failedAppend(STORAGE, offline);
    const log = h.log!;
    const result = this.guard(h, () => log.appendAsFollower(records), (code, message) => failedAppend(code, message));
    if (result.errorCode === 0 && result.recordCount > 0) this.touched.add(slot);
    return result;
  }

  /**
   * A change to a replica's log (cluster mode; messages.ts ReplicaOp). Truncations write, so
   * they are refused in an offline directory; the others only move numbers in memory (made
   * durable with the log's next checkpoint write) or look them up.
   */
  replica(slot: number, kind: ReplicaOp, value: number): ReplicaResult {
    const h = this.hosted.get(slot);
    if (!h) return failedReplica(UNKNOWN);
    if (!h.log) return failedReplica(STORAGE, this.offlineReason(h));
    const log = h.log;
    const writes = kind === ReplicaOp.TruncateTo || kind === ReplicaOp.TruncateFully;
    const offline = writes ? this.offlineReason(h) : undefined;
    if (offline) return failedReplica(STORAGE, offline);
    return this.guard(
      h,
      (): ReplicaResult => {
        let epoch = -1;
        let endOffset = -1;
        switch (kind) {
          case ReplicaOp.HighWatermark:
            log.setHighWatermark(value);
            break;
          case ReplicaOp.TruncateTo:
            if (value < log.logEndOffset) log.truncateTo(value);
            break;
          case ReplicaOp.TruncateFully:
            log.truncateFullyAndStartAt(value);
            break;
          case ReplicaOp.EpochEndOffset:
            ({ epoch, endOffset } = log.endOffsetForEpoch(value));
            break;
          case ReplicaOp.BeginLeaderEpoch:
            log.beginLeaderEpoch(value);
            break;
          case ReplicaOp.Describe:
            break;
        }
        if (kind !== ReplicaOp.EpochEndOffset) epoch = log.latestEpoch;
        return { errorCode: ErrorCode.NONE, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, highWatermark: log.highWatermark, epoch, endOffset };
      },
      (code, message) => failedReplica(code, message),
    );
  }

  listOffset(slot: number, timestamp: number, readCommitted = false): ListOffsetResult {
    const h = this.hosted.get(slot);
    if (!h) return failedListOffset(UNKNOWN);
    if (!h.log) return failedListOffset(STORAGE, this.offlineReason(h));
    const log = h.log;
    return this.guard(
      h,
      () => {
        const found = log.offsetForTimestamp(timestamp, readCommitted);
        return found ? { errorCode: 0, offset: found.offset, timestamp: found.timestamp } : { errorCode: 0, offset: -1, timestamp: -1 };
      },
      (code, message) => failedListOffset(code, message),
    );
  }

  /**
   * DeleteRecords; when the log start moved, `durable` resolves once its checkpoint is on disk
   * (the owner answers then, KAFKA_STORAGE_ERROR if it rejects).
   */
  deleteRecords(slot: number, offset: number): DeleteRecordsResult & { durable?: Promise<void> } {
    const h = this.hosted.get(slot);
    if (!h) return failedDeleteRecords(UNKNOWN);
    const offline = this.offlineReason(h);
    if (offline) return failedDeleteRecords(STORAGE, offline);
    const log = h.log!;
    return this.guard(h, () => log.deleteRecords(offset), (code, message) => failedDeleteRecords(code, message));
  }

  /** The producers a partition knows (DescribeProducers). */
  describeProducers(slot: number): DescribeProducersResult {
    const h = this.hosted.get(slot);
    if (!h) return { errorCode: UNKNOWN, producers: [] };
    if (!h.log) return { errorCode: STORAGE, producers: [] };
    return { errorCode: 0, producers: h.log.activeProducers() };
  }

  /** Each open log's size and offsets (metrics, the console). */
  stats(): LogStats[] {
    const out: LogStats[] = [];
    for (const [slot, h] of this.hosted) {
      if (h.log) out.push({ slot, sizeBytes: h.log.sizeBytes, segmentCount: h.log.segmentCount, logStartOffset: h.log.logStartOffset, logEndOffset: h.log.logEndOffset });
    }
    return out;
  }

  // ───────────────────────────── faults ─────────────────────────────

  /** Why writes to the partition are refused, or undefined while it is online. */
  private offlineReason(h: Hosted): string | undefined {
    const why = this.offline.get(h.request.logDir);
    if (why !== undefined) return `log directory ${h.request.logDir} is offline: ${why}`;
    if (!h.log) return `log directory ${h.request.logDir} is offline`;
    return undefined;
  }

  /**
   * Runs an operation on a log: an I/O error of its directory takes the directory offline and
   * answers KAFKA_STORAGE_ERROR; EMFILE answers it without more; anything else is thrown.
   */
  private guard<T>(h: Hosted, operation: () => T, failed: (code: number, message: string) => T): T {
    try {
      return operation();
    } catch (e) {
      const fault = storageErrorOf(e);
      if (!fault) throw e;
      if (fault.kind === 'directory') this.dirFailed(h.request.logDir, fault.code, e, `${h.request.topic}-${h.request.partition}`);
      return failed(STORAGE, (e as Error).message);
    }
  }

  private backgroundFault(p: OpenPartition, what: string, e: unknown): void {
    const fault = storageErrorOf(e);
    if (!fault) {
      this.events.internalError(`${p.topic}-${p.partition}: ${what}`, e);
      return;
    }
    // Descriptor exhaustion in background work stopped the log's durability chain too: it
    // must be reopened, which is what taking its directory offline and recovering it does.
    this.dirFailed(p.logDir, fault.code, e, `${p.topic}-${p.partition}`);
  }

  private dirFailed(logDir: string, code: string, e: unknown, partition: string): void {
    if (this.offline.has(logDir)) return;
    const message = (e as Error).message ?? String(e);
    this.offline.set(logDir, `${code} (${message})`);
    this.events.logDirFailed(logDir, code, message, partition);
  }

  /** The owner's word that a directory is offline (it failed here or on another thread). */
  markDirOffline(logDir: string, reason: string): void {
    if (!this.offline.has(logDir)) this.offline.set(logDir, reason);
  }

  get offlineDirs(): string[] {
    return [...this.offline.keys()];
  }

  /** Throws while the directory refuses writes (fs.ts's probe, through this thread's seam). */
  probeDir(logDir: string): Promise<void> {
    return probeDirectory(logDir);
  }

  /**
   * Brings a directory back: every log in it is closed and reopened (recovered from its
   * recovery point). If one fails to open again, the directory stays offline and the error is
   * thrown; the logs reopened so far stay open and are reopened again next time.
   */
  async recoverDir(logDir: string): Promise<PartitionSummary[]> {
    const mine = [...this.hosted.entries()].filter(([, h]) => h.request.logDir === logDir);
    for (const [, h] of mine) {
      const log = h.log;
      if (!log) continue;
      // Let go of it first: a read served while its background work settles answers
      // KAFKA_STORAGE_ERROR (retriable) rather than touching a closed log.
      h.log = undefined;
      log.closeAbruptly();
      await log.settled();
    }
    for (const [, h] of mine) h.log = this.openLog(h.request);
    this.offline.delete(logDir);
    return mine.map(([slot]) => this.summary(slot)!);
  }

  /**
   * Reopens one log after a programmer error left its state in doubt (the inline host's
   * answer to what would kill a worker). Its directory's faults are handled as usual.
   */
  reopen(slot: number): void {
    const h = this.hosted.get(slot);
    if (!h) return;
    h.log?.closeAbruptly();
    h.log = undefined;
    if (this.offline.has(h.request.logDir)) return;
    try {
      h.log = this.openLog(h.request);
    } catch (e) {
      const fault = storageErrorOf(e);
      if (fault?.kind !== 'directory') throw e;
      this.dirFailed(h.request.logDir, fault.code, e, `${h.request.topic}-${h.request.partition}`);
    }
  }

  // ───────────────────────────── upkeep ─────────────────────────────

  /** Scheduled upkeep; call every few hundred milliseconds. Offline directories get none. */
  tick(now = this.now()): void {
    const online: [number, Hosted, PartitionLog][] = [];
    for (const [slot, h] of this.hosted) if (h.log && !this.offline.has(h.request.logDir)) online.push([slot, h, h.log]);
    const removed: string[] = [];
    for (const [, h, log] of online) {
      // flush.ms: nobody waits for these, their failure is reported through the log's fault handler.
      this.guard(h, () => log.flushIfDue(now)?.catch(() => {}), () => undefined);
      if (log.pendingDeleteCount > 0) this.guard(h, () => removed.push(...log.removeDeletedFiles(now)), () => 0);
    }
    if (now - this.lastRetentionMs >= this.options.retentionCheckIntervalMs) {
      this.lastRetentionMs = now;
      for (const [, h, log] of online) if (!this.offline.has(h.request.logDir)) this.guard(h, () => log.runRetention(now), () => 0);
    }
    const expirationCheckMs = this.options.producerIdExpirationCheckIntervalMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS;
    if (now - this.lastProducerExpirationMs >= expirationCheckMs) {
      this.lastProducerExpirationMs = now;
      for (const [, , log] of online) log.removeExpiredProducers(now);
    }
    if (removed.length > 0) this.events.filesRemoved(removed);
    if (this.options.cleanerEnabled && !this.compacting && now - this.lastCleanerMs >= this.options.cleanerBackoffMs) {
      this.lastCleanerMs = now;
      void this.compactOne(now);
    }
  }

  /** One compaction pass over the first log that wants one, cleaned on the pool. */
  private async compactOne(now: number): Promise<void> {
    for (const [slot, h] of this.hosted) {
      const log = h.log;
      if (!log || this.uncleanableSlots.has(slot) || this.offline.has(h.request.logDir)) continue;
      let plan;
      try {
        plan = log.compactionPlan(now);
      } catch (e) {
        this.cleanerFailed(slot, h, e);
        continue;
      }
      if (!plan) continue;
      this.compacting = true;
      try {
        const result = await compactOnPool(plan);
        if (this.hosted.get(slot)?.log === log && !this.offline.has(h.request.logDir)) await log.applyCompaction(result);
      } catch (e) {
        this.cleanerFailed(slot, h, e);
      } finally {
        this.compacting = false;
      }
      return;
    }
  }

  /** A cleaner failure: an I/O error of the directory takes it offline; anything else marks the log uncleanable. */
  private cleanerFailed(slot: number, h: Hosted, e: unknown): void {
    const fault = storageErrorOf(e);
    if (fault?.kind === 'directory') {
      this.dirFailed(h.request.logDir, fault.code, e, `${h.request.topic}-${h.request.partition}`);
      return;
    }
    if (fault) return; // EMFILE: the next pass tries again
    this.uncleanableSlots.add(slot);
    const reason = (e as Error).message ?? String(e);
    this.logger.error(withStack(`compaction of ${h.request.topic}-${h.request.partition} failed; the partition is marked uncleanable and compaction goes on for the others`, e));
    this.events.uncleanable(slot, reason);
  }

  get uncleanable(): number[] {
    return [...this.uncleanableSlots];
  }
}
