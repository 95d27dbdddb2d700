/**
 * PartitionLog: one partition's append-only log, a list of segments in one directory.
 *
 *   <log.dir>/<topic>-<partition>/
 *     00000000000000000000.log / .index / .timeindex     oldest segment
 *     00000000000000081920.log / .index / .timeindex     … the last one is active
 *     00000000000000081920.snapshot                       producer state below that offset (producer-state.ts)
 *     recovery-point-offset-checkpoint                    offsets below it are known flushed
 *     log-start-offset-checkpoint                         offsets below it are deleted
 *     .clean-shutdown                                     present only while closed cleanly
 *
 * Spindle keeps the two checkpoints and the clean-shutdown marker in each partition's
 * directory rather than one per log directory as Kafka does: partitions of one directory are
 * hosted by different worker threads, and per-partition files need no coordination between
 * them. The file formats are Kafka's (checkpoint.ts).
 *
 * append() checks each batch by its header and CRC, then its records as Kafka's LogValidator
 * does (protocol/records/validate.ts: counts, lengths, keys on compacted topics, timestamps;
 * compressed batches inflated in a bounded streaming pass, read and never rewritten), assigns
 * offsets by rewriting each batch's baseOffset in place, and writes all batches of a request in
 * one positioned write. read() answers with a file position and length, not bytes. Retention,
 * deleteRecords, flushing and recovery are here too; nothing here starts a timer or a thread:
 * the host calls `runRetention(now)`, `flushIfDue(now)` and `removeDeletedFiles(now)`.
 *
 * Idempotent producers: append() checks each batch that carries a producer id against the
 * producer state (producer-state.ts) by its header alone; a retried batch is answered with the
 * offsets it got the first time and not written again. The state is snapshotted at each roll and
 * at clean close, and rebuilt at open from the newest snapshot plus the headers of the batches
 * after it.
 *
 * Transactions: a transactional batch opens its producer's transaction here; `appendMarker`
 * writes the coordinator's commit or abort marker (a control batch) and ends it. The last stable
 * offset (LSO) is the first offset of the oldest open transaction, or the high watermark when
 * none is open; read_committed reads stop there. Each abort is recorded in the transaction
 * index of the segment holding its marker (txn-index.ts), from which a read_committed read
 * learns the aborted transactions its range overlaps. Replay at open rebuilds the open
 * transactions and the index entries past the snapshot, from the markers in the log.
 * Compaction cleans only below the LSO and drops the records of aborted transactions.
 *
 * Durability work runs on libuv's thread pool, never on the partition's thread: the flush
 * policy's fdatasync (`flushIfDue` answers a promise the caller waits on before acknowledging),
 * a rolled segment's sync, the directory and snapshot syncs of a roll, checkpoint writes
 * (coalesced: one write in flight, the next takes the latest values), and compaction's
 * directory syncs. They run one after another on a background chain; the first that fails
 * stops the chain and is reported through `onBackgroundFault` — the host then takes the log
 * directory offline, and the recovery point never passes a segment whose sync did not
 * complete. A clean close waits for the chain before it writes the final checkpoints.
 *
 * File access goes through fs.ts (the seam tests make fail) and descriptors through the
 * thread's DescriptorPool, so idle segments hold none.
 *
 * Offsets: `offset` is absolute, `relativeOffset` is from a segment's base, `position` is a
 * byte in a file. Owned by one thread (a partition worker, or the main thread when inline).
 */
import { join } from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import {
  Attr,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD,
  BATCH_OFFSETS,
  type BatchProblem,
  ControlType,
  checkWireBatch,
  encodeBatch,
  encodeControlRecordKey,
  encodeEndTxnMarkerValue,
  readControlMarker,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '../protocol/records/batch.js';
import { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT, checkpointBytes, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { type EpochEntry, LEADER_EPOCH_CHECKPOINT, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.js';
import { type RecordChecks, type RecordError, validateBatchRecords } from '../protocol/records/validate.js';
import { CLEANED_SUFFIX, type CompactionPlan, type CompactionResult, DEFAULT_MAX_MAP_ENTRIES, SWAP_SUFFIX, runCompaction } from './compaction.js';
import { type DescriptorPool, threadDescriptorPool } from './descriptors.js';
import { fsio, syncDirectoryAsync, syncDirectorySync, writeFileDurablySync, writeFilesDurably } from './fs.js';
import type { LogConfig } from './log-config.js';
import { type Logger, SILENT_LOGGER } from './logger.js';
import {
  type ActiveProducer,
  DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  type ProducerBatch,
  ProducerStateManager,
  type TxnMarker,
  firstOffsetOf,
  incrementSequence,
} from './producer-state.js';
import { type AppendedBatch, DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, LogSegment, type RecoveryReport, TIME_INDEX_SUFFIX } from './segment.js';
import { type AbortedTxn, TXN_INDEX_SUFFIX } from './txn-index.js';

export type { AbortedTxn, TxnMarker };

/** Who writes: a client's produce request, or one of the broker's coordinators (whose batches carry no sequence to check). */
export type AppendOrigin = 'client' | 'coordinator';

/**
 * Most aborted transactions one read answers with. A read whose range overlaps more ends
 * before the first offset of the one past this many, so that what it answers is complete for
 * the bytes it returns (and the reply fits the worker's reply ring: 16 bytes each).
 */
export const MAX_ABORTED_TXNS_PER_READ = 2048;

export const CLEAN_SHUTDOWN_MARKER = '.clean-shutdown';
export const CLEANER_CHECKPOINT = 'cleaner-offset-checkpoint';

/** ListOffsets' special timestamps. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
/** ListOffsets v8+ (KIP-405): the start of the local log, which without tiered storage is the log start. */
export const EARLIEST_LOCAL_TIMESTAMP = -4;
/** ListOffsets v9+ (KIP-1005): the last offset in tiered storage; without tiered storage, none. */
export const LATEST_TIERED_TIMESTAMP = -5;

/** A record a batch was refused for (KIP-467): its index in the batch and why. */
export type { RecordError };

/**
 * What an append answers; also what crosses the worker boundary (workers/messages.ts) and what
 * the Produce handler reads. On an error the offsets are -1 except logStartOffset and
 * logEndOffset, which are the log's when it could say.
 */
export interface AppendResult {
  errorCode: number;
  errorMessage?: string;
  /** Records refused, for INVALID_RECORD and INVALID_TIMESTAMP. */
  recordErrors?: RecordError[];
  baseOffset: number;
  lastOffset: number;
  /** The broker's append time when the topic uses LogAppendTime, otherwise -1. */
  logAppendTimeMs: number;
  logStartOffset: number;
  /** The log end offset after the append. */
  logEndOffset: number;
  recordCount: number;
  /** Set when the batch was a retry of one already appended: the offsets are the original ones and nothing was written. */
  duplicate?: true;
}

/**
 * How far a read may go (Kafka's FetchIsolation): consumers to the high watermark,
 * read_committed consumers to the last stable offset, followers to the log end.
 */
export const FetchIsolation = Object.freeze({ HighWatermark: 0, TxnCommitted: 1, LogEnd: 2 } as const);
export type FetchIsolation = (typeof FetchIsolation)[keyof typeof FetchIsolation];

/** What a read answers: where the bytes are (never the bytes) and the log's offsets. */
export interface ReadResult {
  errorCode: number;
  errorMessage?: string;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  /** Where the bytes are; absent when there is nothing to read at the offset. */
  slice?: FileSlice;
  /** read_committed only: the aborted transactions the slice's range overlaps, by first offset. */
  abortedTransactions?: { producerId: number; firstOffset: number }[];
}

/**
 * Where a read's bytes are. The inode tells two files of one name apart: compaction swaps a
 * cleaned file in under the name of the segment it replaces, so a descriptor cached by path
 * alone (the fetch path's) would read the old file at the new file's positions.
 */
export interface FileSlice {
  path: string;
  inode: number;
  position: number;
  length: number;
}

/** ListOffsets' answer for one partition: offset and timestamp -1 when no record qualifies. */
export interface ListOffsetResult {
  errorCode: number;
  errorMessage?: string;
  offset: number;
  timestamp: number;
}

/** What a replica change answers (cluster mode; workers/messages.ts ReplicaOp): the log's offsets and, for an epoch lookup, its answer. */
export interface ReplicaResult {
  errorCode: number;
  errorMessage?: string;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  /** EpochEndOffset: the epoch found; otherwise the latest epoch of the log. */
  epoch: number;
  /** EpochEndOffset: where it ends; otherwise -1. */
  endOffset: number;
}

export interface DeleteRecordsResult {
  errorCode: number;
  errorMessage?: string;
  lowWatermark: number;
}

/** Answers for a partition that cannot say anything (unknown, offline, its worker gone). */
export const failedAppend = (errorCode: number, errorMessage?: string): AppendResult => ({
  errorCode,
  ...(errorMessage !== undefined ? { errorMessage } : {}),
  baseOffset: -1,
  lastOffset: -1,
  logAppendTimeMs: -1,
  logStartOffset: -1,
  logEndOffset: -1,
  recordCount: 0,
});
export const failedRead = (errorCode: number, errorMessage?: string): ReadResult => ({
  errorCode,
  ...(errorMessage !== undefined ? { errorMessage } : {}),
  highWatermark: -1,
  lastStableOffset: -1,
  logStartOffset: -1,
  logEndOffset: -1,
});
export const failedListOffset = (errorCode: number, errorMessage?: string): ListOffsetResult => ({
  errorCode,
  ...(errorMessage !== undefined ? { errorMessage } : {}),
  offset: -1,
  timestamp: -1,
});
export const failedReplica = (errorCode: number, errorMessage?: string): ReplicaResult => ({
  errorCode,
  ...(errorMessage !== undefined ? { errorMessage } : {}),
  logStartOffset: -1,
  logEndOffset: -1,
  highWatermark: -1,
  epoch: -1,
  endOffset: -1,
});
export const failedDeleteRecords = (errorCode: number, errorMessage?: string): DeleteRecordsResult => ({
  errorCode,
  ...(errorMessage !== undefined ? { errorMessage } : {}),
  lowWatermark: -1,
});

export interface OpenOptions {
  /** The clock, injectable for tests of retention and rolling. */
  now?: () => number;
  /** Partition leader epoch written into each batch. */
  leaderEpoch?: number;
  /**
   * Cluster mode: the log is one replica of a partition. Its high watermark is what the
   * replica manager sets (setHighWatermark), not its log end, and it keeps Kafka's leader epoch
   * cache and high-watermark checkpoint beside its other checkpoints.
   */
  replicated?: boolean;
  /** producer.id.expiration.ms: idle producers are forgotten after this long (Kafka's default, a day). */
  producerIdExpirationMs?: number;
  /** Where descriptors come from; the thread's default pool when absent. */
  pool?: DescriptorPool;
  logger?: Logger;
  /**
   * Background durability work failed (`what` says which): the log's data may not be where the
   * recovery point says, so its owner takes it offline. Without a handler the fault is logged.
   */
  onBackgroundFault?: (what: string, e: unknown) => void;
}

export interface SegmentRecovery extends RecoveryReport {
  baseOffset: number;
}

const PROBLEM_CODES: Record<BatchProblem, number> = {
  CORRUPT_MESSAGE: ErrorCode.CORRUPT_MESSAGE,
  UNSUPPORTED_VERSION: ErrorCode.UNSUPPORTED_VERSION,
  INVALID_RECORD: ErrorCode.INVALID_RECORD,
  UNSUPPORTED_COMPRESSION_TYPE: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
};

/** Topic directory names: `<topic>-<partition>`. The topic is everything before the last dash. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const m = /^(.+)-(\d+)$/.exec(name);
  return m ? { topic: m[1]!, partition: Number(m[2]) } : undefined;
}

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  /** The log directory holding this partition's directory. */
  readonly logDir: string;
  readonly dir: string;
  config: LogConfig;
  private readonly now: () => number;
  private leaderEpoch: number;
  /** Cluster mode (OpenOptions.replicated): the high watermark the replica manager set, and the epoch cache. */
  private readonly replicated: boolean;
  private hw = 0;
  private readonly epochs: LeaderEpochCache | undefined;
  /** Oldest first; the last is the active segment. Never empty while open. */
  private segments: LogSegment[] = [];
  /**
   * Entries in every segment's transaction index, undefined when to be counted again: set
   * undefined wherever an entry is added or segments go (a marker, replay, retention,
   * compaction, truncation). Lets read_committed skip the aborted-transaction search with one
   * check while the log has none.
   */
  private abortedTotal: number | undefined;
  logStartOffset = 0;
  recoveryPoint = 0;
  /** Offsets below this were cleaned by compaction; the dirty section starts here. */
  firstDirtyOffset = 0;
  /** What recovery found at open: one report per segment it rescanned. */
  readonly recovered: SegmentRecovery[] = [];
  readonly wasCleanShutdown: boolean;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private rollJitterMs = 0;
  private pendingDeletes: { paths: string[]; dueMs: number }[] = [];
  private closed = false;
  private readonly pool: DescriptorPool;
  private readonly logger: Logger;
  private readonly onBackgroundFault: ((what: string, e: unknown) => void) | undefined;
  /** Durability work on the thread pool, one step after another (see the header). */
  private background: Promise<void> = Promise.resolve();
  /** Set by the first background failure: the chain stops, the owner reopens the log. */
  private faulted = false;
  private faultCause: unknown;
  /** Checkpoint writes asked for and done, counted, and who waits for which. */
  private checkpointsWanted = 0;
  private checkpointsWritten = 0;
  private checkpointsWriting = false;
  private checkpointWaiters: { wanted: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** The flush policy's fdatasync in flight, and the one queued behind it. */
  private flushing: Promise<void> | undefined;
  private nextFlush: Promise<void> | undefined;
  /** Idempotent producers' epochs and last batches, and their snapshot files. */
  readonly producers: ProducerStateManager;
  /** The last rebuild of the producer state: the snapshot it loaded (-1: none), and from which offset how many batch headers it read. */
  producerStateReplay = { fromOffset: 0, batches: 0, snapshotOffset: -1 };

  private constructor(logDir: string, topic: string, partition: number, config: LogConfig, options: OpenOptions) {
    this.logDir = logDir;
    this.dir = join(logDir, partitionDirName(topic, partition));
    this.topic = topic;
    this.partition = partition;
    this.config = config;
    this.now = options.now ?? Date.now;
    this.leaderEpoch = options.leaderEpoch ?? 0;
    this.replicated = options.replicated ?? false;
    if (this.replicated) this.epochs = new LeaderEpochCache();
    this.pool = options.pool ?? threadDescriptorPool();
    this.logger = options.logger ?? SILENT_LOGGER;
    this.onBackgroundFault = options.onBackgroundFault;
    this.checks = { compacted: false, timestampType: 'CreateTime', nowMs: 0, timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: Infinity, topicPartition: `${topic}-${partition}` };
    this.lastFlushMs = this.now();
    fsio.mkdirSync(this.dir, { recursive: true });
    const marker = join(this.dir, CLEAN_SHUTDOWN_MARKER);
    this.wasCleanShutdown = fsio.existsSync(marker);
    try {
      this.load();
      this.producers = new ProducerStateManager(this.dir, options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS);
      this.loadProducerState();
      if (this.replicated) this.loadReplicaState();
      if (this.wasCleanShutdown) fsio.unlinkSync(marker);
    } catch (e) {
      // Nothing half-open stays behind holding descriptors.
      for (const s of this.segments) s.close();
      throw e;
    }
    this.chooseJitter();
  }

  /** Opens (creating or recovering) the log of one partition under a log directory. */
  static open(logDir: string, topic: string, partition: number, config: LogConfig, options: OpenOptions = {}): PartitionLog {
    return new PartitionLog(logDir, topic, partition, config, options);
  }

  private segmentConfig() {
    return { indexIntervalBytes: this.config.indexIntervalBytes, segmentIndexBytes: this.config.segmentIndexBytes };
  }

  /** What the records of an append are checked against: the config as it is now (one object, reused). */
  private recordChecks(now: number): RecordChecks {
    const c = this.checks;
    c.compacted = this.config.cleanupPolicy.includes('compact');
    c.timestampType = this.config.messageTimestampType;
    c.nowMs = now;
    c.timestampBeforeMaxMs = this.config.messageTimestampBeforeMaxMs;
    c.timestampAfterMaxMs = this.config.messageTimestampAfterMaxMs;
    return c;
  }

  private readonly checks: RecordChecks;

  private newSegment(baseOffset: number): LogSegment {
    return new LogSegment(this.dir, baseOffset, this.segmentConfig(), this.pool);
  }

  private load(): void {
    const names = fsio.readdirSync(this.dir);
    for (const name of names) {
      // Leftovers of deletions the previous process did not finish, of interrupted checkpoint
      // writes, and of compaction passes that stopped before their swap.
      if (name.endsWith(DELETED_SUFFIX) || name.endsWith('.tmp') || name.endsWith(CLEANED_SUFFIX)) fsio.rmSync(join(this.dir, name), { force: true });
    }
    this.completeSwaps(names.filter((n) => n.endsWith(SWAP_SUFFIX)));
    const bases = fsio
      .readdirSync(this.dir)
      .filter((n) => n.endsWith(LOG_SUFFIX) && /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
    // An index without its log is garbage from a crash between creating the files.
    for (const n of fsio.readdirSync(this.dir)) {
      for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
        if (n.endsWith(suffix) && /^\d{20}\./.test(n) && !bases.includes(Number(n.slice(0, 20)))) fsio.rmSync(join(this.dir, n), { force: true });
      }
    }
    const recoveryPoint = this.readOwnCheckpoint(RECOVERY_POINT_CHECKPOINT) ?? 0;
    const logStart = this.readOwnCheckpoint(LOG_START_OFFSET_CHECKPOINT) ?? 0;
    this.firstDirtyOffset = this.readOwnCheckpoint(CLEANER_CHECKPOINT) ?? 0;

    let truncatedAt = -1;
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      if (truncatedAt >= 0) {
        // Everything after a truncated segment is unreachable: Kafka deletes it too.
        for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) fsio.rmSync(join(this.dir, `${String(base).padStart(20, '0')}${suffix}`), { force: true });
        continue;
      }
      const hadIndexes =
        fsio.existsSync(join(this.dir, `${String(base).padStart(20, '0')}${INDEX_SUFFIX}`)) && fsio.existsSync(join(this.dir, `${String(base).padStart(20, '0')}${TIME_INDEX_SUFFIX}`));
      const segment = this.newSegment(base);
      this.segments.push(segment);
      const nextBase = bases[i + 1] ?? Infinity;
      const needsScan = !this.wasCleanShutdown && nextBase > recoveryPoint;
      let rescanned = false;
      if (needsScan || !hadIndexes) {
        this.recovered.push({ baseOffset: base, ...segment.recover(this.config.maxMessageBytes) });
        rescanned = true;
      } else {
        segment.loadClean();
        if (!this.indexesLookSane(segment)) {
          this.recovered.push({ baseOffset: base, ...segment.recover(this.config.maxMessageBytes) });
          rescanned = true;
        }
      }
      const report = this.recovered[this.recovered.length - 1];
      if (rescanned && report && report.truncatedBytes > 0) truncatedAt = base;
    }
    if (this.segments.length === 0) this.segments.push(this.newSegment(Math.max(logStart, 0)));
    // Empty segments other than the active one carry nothing (a crash right after a roll).
    this.logStartOffset = Math.max(logStart, this.segments[0]!.baseOffset);
    if (this.logStartOffset > this.logEndOffset) this.logStartOffset = this.logEndOffset;
    this.recoveryPoint = this.logEndOffset;
  }

  private indexesLookSane(segment: LogSegment): boolean {
    const last = segment.offsetIndex.lastEntry();
    if (last && (last.position >= segment.size || last.offset >= segment.nextOffset)) return false;
    const lastTime = segment.timeIndex.lastEntry();
    if (lastTime && lastTime.offset >= segment.nextOffset) return false;
    return true;
  }

  private readOwnCheckpoint(file: string): number | undefined {
    const entries = readCheckpoint(join(this.dir, file));
    return entries?.find((e) => e.topic === this.topic && e.partition === this.partition)?.offset;
  }

  private chooseJitter(): void {
    this.rollJitterMs = this.config.segmentJitterMs > 0 ? Math.floor(Math.random() * this.config.segmentJitterMs) : 0;
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  /** One past the last offset written: the next offset to assign. */
  get logEndOffset(): number {
    return this.activeSegment.nextOffset;
  }

  /**
   * On a single node every appended record is committed at once: HW = LEO. A replica's is the
   * one its replica manager set: the offset every in-sync replica has (the leader's), or what
   * the leader last told this follower.
   */
  get highWatermark(): number {
    return this.replicated ? Math.min(this.hw, this.logEndOffset) : this.logEndOffset;
  }

  /**
   * Cluster mode: moves the high watermark (clamped to the log's offsets); answers whether it
   * moved. Written to the checkpoint with the next checkpoint write.
   */
  setHighWatermark(offset: number): boolean {
    const next = Math.max(this.logStartOffset, Math.min(offset, this.logEndOffset));
    if (next === this.hw) return false;
    this.hw = next;
    return true;
  }

  /** The leader epoch of the latest batch, or of a leadership begun since (cluster mode); -1 without a cache. */
  get latestEpoch(): number {
    return this.epochs?.latestEpoch ?? -1;
  }

  /** OffsetForLeaderEpoch on this log (leader-epoch-cache.ts); without a cache, epoch 0 from the start. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    if (this.epochs) return this.epochs.endOffsetFor(epoch, this.logEndOffset);
    return epoch === 0 ? { epoch: 0, endOffset: this.logEndOffset } : { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
  }

  /** The epoch cache's entries (tests, DescribeLogDirs). */
  epochEntries(): readonly EpochEntry[] {
    return this.epochs?.list() ?? [];
  }

  /**
   * This replica becomes the partition's leader in `epoch`: its appends carry that epoch, which
   * starts at the log end (Kafka's maybeAssignEpochStartOffset in Partition.makeLeader). The
   * cache is made durable with the next checkpoint write, which this schedules.
   */
  beginLeaderEpoch(epoch: number): void {
    this.assertOpen();
    this.leaderEpoch = epoch;
    if (this.epochs?.assign(epoch, this.logEndOffset)) void this.scheduleCheckpoints();
  }

  /**
   * Reads the leader epoch cache and the high watermark of a replica. A missing or unreadable
   * epoch checkpoint is rebuilt from the batches' own leader epochs (a log written on a single
   * node, or whose checkpoint was lost); entries past the log end (a crash cut the tail) go.
   */
  private loadReplicaState(): void {
    const epochs = this.epochs!;
    const path = join(this.dir, LEADER_EPOCH_CHECKPOINT);
    const loaded = fsio.existsSync(path) ? LeaderEpochCache.parse(fsio.readFileSync(path).toString('utf8')) : undefined;
    if (loaded) for (const e of loaded.list()) epochs.assign(e.epoch, e.startOffset);
    else this.rebuildEpochs(this.logStartOffset);
    // Batches written after the last checkpoint write (it is written in the background).
    const last = epochs.list()[epochs.size - 1];
    if (loaded && last) this.rebuildEpochs(last.startOffset);
    epochs.truncateFromEnd(this.logEndOffset);
    epochs.truncateFromStart(this.logStartOffset);
    this.hw = Math.max(this.logStartOffset, Math.min(this.readOwnCheckpoint(REPLICATION_OFFSET_CHECKPOINT) ?? 0, this.logEndOffset));
  }

  /** Adds to the epoch cache the epochs of the batches from `from` on. */
  private rebuildEpochs(from: number): void {
    const epochs = this.epochs!;
    for (const segment of this.segments) {
      if (segment.nextOffset <= from) continue;
      const start = segment.baseOffset >= from ? 0 : segment.findBatch(from)?.position;
      if (start === undefined) continue;
      scanBatchHeaders(segment, start, (buf, at) => {
        epochs.assign(buf.readInt32BE(at + BATCH_OFFSETS.partitionLeaderEpoch), readInt64(buf, at));
      });
    }
  }

  /** The last stable offset: the first offset of the oldest open transaction, else the high watermark. */
  get lastStableOffset(): number {
    const first = this.producers.firstUnstableOffset;
    if (first === undefined) return this.highWatermark;
    return Math.min(Math.max(first, this.logStartOffset), this.highWatermark);
  }

  /** Aborted transactions in the transaction indexes of every segment. */
  private abortedCount(): number {
    if (this.abortedTotal === undefined) {
      let n = 0;
      for (const s of this.segments) n += s.txnIndex.size;
      this.abortedTotal = n;
    }
    return this.abortedTotal;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  segmentInfo(): { baseOffset: number; nextOffset: number; size: number; largestTimestamp: number }[] {
    return this.segments.map((s) => ({ baseOffset: s.baseOffset, nextOffset: s.nextOffset, size: s.size, largestTimestamp: s.largestTimestamp }));
  }

  /**
   * Appends the record batches in `records` (a produce request's record set, usually one batch).
   * The bytes are modified in place (base offsets, leader epoch, LogAppendTime) and then written.
   * Nothing is written unless every batch passes its checks. The flush policy is the caller's:
   * `flushIfDue()` after one or more appends (group commit), waited on before acknowledging.
   */
  append(records: Buffer, origin: AppendOrigin = 'client'): AppendResult {
    this.assertOpen();
    const now = this.now();
    const fail = (errorCode: number, errorMessage: string): AppendResult => ({
      errorCode,
      errorMessage,
      baseOffset: -1,
      lastOffset: -1,
      logAppendTimeMs: -1,
      logStartOffset: this.logStartOffset,
      logEndOffset: this.logEndOffset,
      recordCount: 0,
    });
    if (records.length === 0) return fail(ErrorCode.CORRUPT_MESSAGE, 'no record batches');
    if (records.length > this.config.segmentBytes) {
      return fail(ErrorCode.RECORD_LIST_TOO_LARGE, `${records.length} bytes is more than segment.bytes ${this.config.segmentBytes}`);
    }
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime';
    const batches: AppendedBatch[] = [];
    // The batches that carry a producer id, with the index of each in `batches`.
    let producerBatches: (ProducerBatch & { index: number })[] | undefined;
    let nextOffset = this.logEndOffset;
    let recordCount = 0;
    const firstOffset = nextOffset;
    for (let at = 0; at < records.length; ) {
      const check = checkWireBatch(records, at);
      if (check.problem) return fail(PROBLEM_CODES[check.problem], check.detail ?? check.problem);
      if (check.size > this.config.maxMessageBytes) {
        return fail(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${check.size} bytes is more than max.message.bytes ${this.config.maxMessageBytes}`);
      }
      const attributes = records.readInt16BE(at + 21);
      if (attributes & Attr.control) return fail(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
      const checks = this.recordChecks(now);
      const validation = validateBatchRecords(records, at, check.size, checks);
      if (validation.errorCode !== ErrorCode.NONE) {
        const refused = fail(validation.errorCode, validation.errorMessage ?? validation.detail ?? 'invalid records');
        if (validation.recordErrors) refused.recordErrors = validation.recordErrors;
        return refused;
      }
      const count = records.readInt32BE(at + 57);
      // Idempotence, from the header only: producerId ≥ 0 exactly when its high word is.
      if (records.readInt32BE(at + BATCH_OFFSETS.producerId) >= 0) {
        const producerId = readInt64(records, at + BATCH_OFFSETS.producerId);
        const baseSequence = records.readInt32BE(at + BATCH_OFFSETS.baseSequence);
        if (baseSequence < 0) return fail(ErrorCode.INVALID_RECORD, `sequence ${baseSequence} in a batch of producer ${producerId}`);
        (producerBatches ??= []).push({
          producerId,
          producerEpoch: records.readInt16BE(at + BATCH_OFFSETS.producerEpoch),
          firstSeq: baseSequence,
          lastSeq: incrementSequence(baseSequence, count - 1),
          transactional: (attributes & Attr.transactional) !== 0,
          index: batches.length,
        });
      } else if (attributes & Attr.transactional) {
        return fail(ErrorCode.INVALID_RECORD, 'a transactional batch without a producer id');
      }
      batches.push({ at, size: check.size, lastOffset: nextOffset + count - 1, maxTimestamp: readInt64(records, at + 35) });
      nextOffset += count;
      recordCount += count;
      at += check.size;
    }
    if (producerBatches) {
      const verdict = this.producers.checkAppend(producerBatches, origin === 'coordinator');
      const dup = verdict.duplicate;
      if (dup) {
        // A retry of a batch already in the log: its original offsets, nothing written.
        return {
          errorCode: ErrorCode.NONE,
          baseOffset: firstOffsetOf(dup),
          lastOffset: dup.lastOffset,
          logAppendTimeMs: logAppendTime ? dup.timestamp : -1,
          logStartOffset: this.logStartOffset,
          logEndOffset: this.logEndOffset,
          recordCount: dup.offsetDelta + 1,
          duplicate: true,
        };
      }
      if (verdict.errorCode !== ErrorCode.NONE) return fail(verdict.errorCode, verdict.errorMessage ?? '');
    }
    for (const b of batches) {
      setBaseOffset(records, b.at, b.lastOffset - records.readInt32BE(b.at + 23));
      setPartitionLeaderEpoch(records, b.at, this.leaderEpoch);
      if (logAppendTime) {
        setLogAppendTime(records, b.at, now);
        b.maxTimestamp = now;
      }
    }
    this.maybeRoll(records.length, nextOffset - 1, now);
    this.activeSegment.append(records, 0, records.length, batches, now);
    // After the write (and after a roll's snapshot, which must not include these batches).
    if (producerBatches) {
      for (const p of producerBatches) {
        const b = batches[p.index]!;
        this.producers.update(p.producerId, p.producerEpoch, p.lastSeq, b.lastOffset - records.readInt32BE(b.at + 23), b.lastOffset, b.maxTimestamp, p.transactional);
      }
    }
    this.unflushedMessages += recordCount;
    return {
      errorCode: ErrorCode.NONE,
      baseOffset: firstOffset,
      lastOffset: nextOffset - 1,
      logAppendTimeMs: logAppendTime ? now : -1,
      logStartOffset: this.logStartOffset,
      logEndOffset: this.logEndOffset,
      recordCount,
    };
  }

  /**
   * A follower's append (cluster mode): the leader's batches as they are in its log, offsets,
   * leader epochs and timestamps kept, records not decoded. Each batch is checked by its header
   * and CRC, so a transfer that went wrong is refused whole with nothing written. Offsets must
   * not go back: the first batch starts at or after the log end (later only where compaction
   * left a gap on the leader). A trailing partial batch (a fetch response cut inside one) is
   * left for the next fetch. Producer state, transaction markers and the epoch cache follow
   * the batches, as when the log is replayed at open.
   */
  appendAsFollower(records: Buffer): AppendResult {
    this.assertOpen();
    const now = this.now();
    const fail = (errorCode: number, errorMessage: string): AppendResult => ({ ...failedAppend(errorCode, errorMessage), logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset });
    const batches: AppendedBatch[] = [];
    let expected = this.logEndOffset;
    let recordCount = 0;
    let whole = 0;
    for (let at = 0; at + BATCH_HEADER_BYTES <= records.length; ) {
      const size = records.readInt32BE(at + BATCH_OFFSETS.batchLength) + BATCH_LOG_OVERHEAD;
      if (at + size > records.length) break;
      const check = checkWireBatch(records, at);
      if (check.problem) return fail(PROBLEM_CODES[check.problem], check.detail ?? check.problem);
      const base = readInt64(records, at);
      const lastOffset = base + records.readInt32BE(at + BATCH_OFFSETS.lastOffsetDelta);
      if (base < expected) return fail(ErrorCode.OFFSET_OUT_OF_RANGE, `batch at offset ${base} is below the log end ${expected}`);
      batches.push({ at, size, lastOffset, maxTimestamp: readInt64(records, at + BATCH_OFFSETS.maxTimestamp) });
      recordCount += records.readInt32BE(at + BATCH_OFFSETS.recordCount);
      expected = lastOffset + 1;
      at += size;
      whole = at;
    }
    const firstOffset = this.logEndOffset;
    if (batches.length === 0) return { errorCode: ErrorCode.NONE, baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset, recordCount: 0 };
    if (whole > this.config.segmentBytes) return fail(ErrorCode.RECORD_LIST_TOO_LARGE, `${whole} bytes is more than segment.bytes ${this.config.segmentBytes}`);
    // A gap compaction left on the leader before the first batch is kept as a gap here too:
    // the segment's indexes are relative to its base, and reads in the gap find the next batch.
    this.maybeRoll(whole, expected - 1, now);
    this.activeSegment.append(records, 0, whole, batches, now);
    const segment = this.activeSegment;
    for (const b of batches) {
      this.applyBatchState(records, b.at, b.at + b.size, segment, 0);
      this.epochs?.assign(records.readInt32BE(b.at + BATCH_OFFSETS.partitionLeaderEpoch), b.lastOffset - records.readInt32BE(b.at + BATCH_OFFSETS.lastOffsetDelta));
    }
    this.unflushedMessages += recordCount;
    return { errorCode: ErrorCode.NONE, baseOffset: firstOffset, lastOffset: expected - 1, logAppendTimeMs: -1, logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset, recordCount };
  }

  /**
   * Writes a transaction marker (the coordinator's, or an operator's abort through
   * WriteTxnMarkers): a control batch of one record, Kafka's EndTransactionMarker, carrying the
   * producer's id and the marker's epoch. It ends the producer's open transaction here, if any;
   * an abort is added to the active segment's transaction index with the LSO after it. The
   * flush policy is the caller's, as for appends.
   */
  appendMarker(m: TxnMarker): AppendResult {
    this.assertOpen();
    const now = this.now();
    const check = this.producers.checkMarker(m);
    if (check.errorCode !== ErrorCode.NONE) {
      return { errorCode: check.errorCode, errorMessage: check.errorMessage ?? '', baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset, recordCount: 0 };
    }
    const offset = this.logEndOffset;
    const batch = encodeBatch([{ key: encodeControlRecordKey(m.commit ? ControlType.Commit : ControlType.Abort), value: encodeEndTxnMarkerValue(m.coordinatorEpoch), timestamp: now }], {
      baseOffset: offset,
      baseTimestamp: now,
      partitionLeaderEpoch: this.leaderEpoch,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      baseSequence: -1,
      transactional: true,
      control: true,
    });
    this.maybeRoll(batch.length, offset, now);
    this.activeSegment.append(batch, 0, batch.length, [{ at: 0, size: batch.length, lastOffset: offset, maxTimestamp: now }], now);
    const first = this.producers.applyMarker(m, now);
    if (!m.commit && first >= 0) {
      this.activeSegment.txnIndex.append({ producerId: m.producerId, firstOffset: first, lastOffset: offset, lastStableOffset: this.producers.firstUnstableOffset ?? offset + 1 });
      this.abortedTotal = undefined;
    }
    this.unflushedMessages += 1;
    return { errorCode: ErrorCode.NONE, baseOffset: offset, lastOffset: offset, logAppendTimeMs: -1, logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset, recordCount: 1 };
  }

  private maybeRoll(incomingBytes: number, lastOffset: number, now: number): void {
    const active = this.activeSegment;
    if (active.isEmpty) return;
    const full = active.size + incomingBytes > this.config.segmentBytes;
    const indexFull = !active.canIndexMore;
    const tooOld = active.firstAppendMs >= 0 && now - active.firstAppendMs > this.config.segmentMs - this.rollJitterMs;
    const offsetOverflow = lastOffset - active.baseOffset > 0x7fffffff;
    if (full || indexFull || tooOld || offsetOverflow) this.roll();
  }

  /**
   * Starts a new active segment at the log end offset. Everything durable about the roll
   * happens on the thread pool, so the partition's thread never waits for it: the directory
   * sync that makes the new files' names durable and Kafka's producer snapshot at the roll (the
   * state below the new base offset, encoded now) go on the background chain; the finished
   * segment's fdatasync runs beside it, as Kafka flushes rolled segments in the background (a
   * full 1 GiB segment takes about half a second). Until that sync completes the segment stays
   * in `rolledUnflushed` and the recovery point stays at or below its base offset; if it fails,
   * the segment stays there for good and the fault goes to the owner.
   */
  roll(): LogSegment {
    const old = this.activeSegment;
    if (old.isEmpty) return old;
    const segment = this.newSegment(this.logEndOffset);
    this.segments.push(segment);
    this.chooseJitter();
    const writeSnapshot = this.producers.prepareSnapshot(segment.baseOffset);
    void this.inBackground(`syncing ${this.dir} and its producer snapshot after a roll`, async () => {
      await syncDirectoryAsync(this.dir);
      await writeSnapshot();
      // Retention may have passed this snapshot while it waited its turn.
      this.producers.deleteSnapshotsBelow(this.segments[0]!.baseOffset);
    });
    this.rolledUnflushed.add(old);
    const synced = old.flushAllAsync().then(
      () => {
        this.rolledUnflushed.delete(old);
        if (this.closed) return;
        this.recoveryPoint = Math.max(this.recoveryPoint, this.safeRecoveryPoint(old.nextOffset));
        void this.scheduleCheckpoints();
      },
      (e: unknown) => this.backgroundFailed(`syncing rolled segment ${old.logPath}`, e),
    );
    this.rolledSyncs.add(synced);
    void synced.finally(() => this.rolledSyncs.delete(synced));
    return segment;
  }

  /**
   * Runs `task` after the background work queued before it, unless the log closed or a
   * background step failed meanwhile. The returned promise rejects with the task's failure,
   * which is also reported through onBackgroundFault.
   */
  private inBackground(what: string, task: () => Promise<void>): Promise<void> {
    const run = this.background.then(() => (this.closed || this.faulted ? undefined : task()));
    this.background = run.catch((e: unknown) => this.backgroundFailed(what, e));
    return run;
  }

  private backgroundFailed(what: string, e: unknown): void {
    if (this.closed || this.faulted) return;
    this.faulted = true;
    this.faultCause = e;
    if (this.onBackgroundFault) this.onBackgroundFault(what, e);
    else this.logger.error(`${this.topic}-${this.partition}: ${what} failed: ${(e as Error).message ?? e}`);
  }

  /** Whether background durability work failed: the log must be reopened before it is trusted again. */
  get hasFaulted(): boolean {
    return this.faulted;
  }

  /** Resolves once the background work queued so far has run (failed or not). */
  async settled(): Promise<void> {
    for (;;) {
      const chain = this.background;
      await Promise.allSettled([chain, this.flushing, this.nextFlush, ...this.rolledSyncs]);
      if (chain === this.background && this.rolledSyncs.size === 0 && !this.flushing && !this.nextFlush) return;
    }
  }

  /**
   * Writes the three checkpoints with the current values on the background chain; resolves
   * once a write holding them (or later ones) is durable, rejects if it failed. Calls while a
   * write is in flight are covered by one more write, with whatever the values are then.
   */
  scheduleCheckpoints(): Promise<void> {
    const wanted = ++this.checkpointsWanted;
    const done = new Promise<void>((resolve, reject) => this.checkpointWaiters.push({ wanted, resolve, reject }));
    // Nobody may wait (retention, rolls): a failure is reported through onBackgroundFault all the same.
    done.catch(() => {});
    this.writeCheckpointsInBackground();
    return done;
  }

  private writeCheckpointsInBackground(): void {
    if (this.checkpointsWriting) return;
    if (this.closed || this.faulted) return this.settleCheckpointWaiters(new Error(`${this.topic}-${this.partition} is closed or faulted`));
    this.checkpointsWriting = true;
    void this.inBackground(`writing the checkpoints of ${this.dir}`, async () => {
      while (this.checkpointsWritten < this.checkpointsWanted && !this.closed) {
        const upTo = this.checkpointsWanted;
        await writeFilesDurably(this.dir, this.checkpointFiles(), () => this.closed);
        this.checkpointsWritten = upTo;
        this.settleCheckpointWaiters();
      }
    }).then(
      () => {
        this.checkpointsWriting = false;
        if (this.checkpointsWritten < this.checkpointsWanted) this.writeCheckpointsInBackground();
      },
      (e: unknown) => {
        this.checkpointsWriting = false;
        this.settleCheckpointWaiters(e);
      },
    );
  }

  /** Resolves the waiters a write covered; with an error, rejects every one still waiting. */
  private settleCheckpointWaiters(error?: unknown): void {
    const still: typeof this.checkpointWaiters = [];
    for (const w of this.checkpointWaiters) {
      if (error !== undefined) w.reject(error);
      else if (w.wanted <= this.checkpointsWritten) w.resolve();
      else still.push(w);
    }
    this.checkpointWaiters = still;
  }

  private checkpointFiles(): { path: string; data: Buffer }[] {
    const entry = (offset: number) => checkpointBytes([{ topic: this.topic, partition: this.partition, offset }]);
    const files = [
      { path: join(this.dir, RECOVERY_POINT_CHECKPOINT), data: entry(this.recoveryPoint) },
      { path: join(this.dir, LOG_START_OFFSET_CHECKPOINT), data: entry(this.logStartOffset) },
      { path: join(this.dir, CLEANER_CHECKPOINT), data: entry(this.firstDirtyOffset) },
    ];
    if (this.epochs) {
      files.push({ path: join(this.dir, LEADER_EPOCH_CHECKPOINT), data: this.epochs.bytes() });
      files.push({ path: join(this.dir, REPLICATION_OFFSET_CHECKPOINT), data: entry(this.highWatermark) });
    }
    return files;
  }

  private readonly rolledSyncs = new Set<Promise<void>>();

  /** Resolves once every rolled segment's background sync has finished. */
  async rolledSegmentsSynced(): Promise<void> {
    await Promise.all([...this.rolledSyncs]);
  }

  /** Segments rolled whose background sync has not finished yet. */
  private readonly rolledUnflushed = new Set<LogSegment>();

  /** `offset`, lowered to the base of the oldest rolled segment still being synced. */
  private safeRecoveryPoint(offset: number): number {
    let safe = offset;
    for (const s of this.rolledUnflushed) safe = Math.min(safe, s.baseOffset);
    return safe;
  }

  /**
   * Where the bytes for a fetch at `offset` are: at most maxBytes from the batch holding the
   * offset (the first batch whole even when larger), up to the high watermark (consumers), the
   * last stable offset (read_committed consumers) or the log end (followers).
   */
  read(offset: number, maxBytes: number, isolation: FetchIsolation = FetchIsolation.HighWatermark): ReadResult {
    this.assertOpen();
    const readCommitted = isolation === FetchIsolation.TxnCommitted;
    const lastStableOffset = this.lastStableOffset;
    const result: ReadResult = {
      errorCode: ErrorCode.NONE,
      highWatermark: this.highWatermark,
      lastStableOffset,
      logStartOffset: this.logStartOffset,
      logEndOffset: this.logEndOffset,
    };
    if (readCommitted) result.abortedTransactions = [];
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      result.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      return result;
    }
    // read_committed reads stop at the LSO, which is always where a batch starts; so does the
    // high watermark, which only ever moves to the end of a batch.
    const bound = readCommitted ? lastStableOffset : isolation === FetchIsolation.LogEnd ? this.logEndOffset : this.highWatermark;
    if (offset >= bound) return result;
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (segment.baseOffset >= bound) break;
      let maxPosition = segment.size;
      if (bound < segment.nextOffset) maxPosition = segment.findBatch(bound)?.position ?? segment.size;
      const found = segment.read(Math.max(offset, segment.baseOffset), maxBytes, maxPosition);
      if (found) {
        result.slice = { path: segment.logPath, inode: segment.inode, position: found.position, length: found.length };
        if (readCommitted) this.collectAborted(offset, i, Math.min(bound, segment.nextOffset), result);
        return result;
      }
    }
    return result;
  }

  /**
   * The aborted transactions overlapping [offset, upperBound), searched from the segment
   * holding the offset onwards (txn-index.ts). More than MAX_ABORTED_TXNS_PER_READ cut the
   * slice short, before the first offset of the first one left out.
   */
  private collectAborted(offset: number, fromSegment: number, upperBound: number, result: ReadResult): void {
    if (this.abortedCount() === 0) return;
    const found: AbortedTxn[] = [];
    for (let i = fromSegment; i < this.segments.length; i++) if (this.segments[i]!.txnIndex.collect(offset, upperBound, found)) break;
    if (found.length === 0) return;
    found.sort((a, b) => a.firstOffset - b.firstOffset);
    if (found.length > MAX_ABORTED_TXNS_PER_READ && result.slice) {
      const cut = found[MAX_ABORTED_TXNS_PER_READ]!.firstOffset;
      found.length = MAX_ABORTED_TXNS_PER_READ;
      const segment = this.segments[fromSegment]!;
      const at = cut > offset ? segment.findBatch(cut)?.position : undefined;
      if (at !== undefined && at > result.slice.position) result.slice.length = Math.min(result.slice.length, at - result.slice.position);
    }
    result.abortedTransactions = found.map((e) => ({ producerId: e.producerId, firstOffset: e.firstOffset }));
  }

  /** Index of the last segment whose base offset is at or below `offset`. */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The segment holding an offset, for readers that stream its bytes. */
  segmentFor(offset: number): LogSegment {
    return this.segments[this.segmentIndexFor(offset)]!;
  }

  /**
   * ListOffsets: EARLIEST (-2) → log start; LATEST (-1) → log end; MAX_TIMESTAMP (-3) → the
   * offset of the record with the largest timestamp (KIP-734); EARLIEST_LOCAL (-4) → log start;
   * LATEST_TIERED (-5) → none (-1), as without tiered storage; otherwise the first offset
   * whose timestamp is at or after the target, with that timestamp; undefined when none is.
   */
  offsetForTimestamp(timestamp: number, readCommitted = false): { offset: number; timestamp: number } | undefined {
    this.assertOpen();
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: this.logStartOffset, timestamp: -1 };
    // READ_COMMITTED's latest is the last stable offset (Kafka's ListOffsets with isolation level 1).
    if (timestamp === LATEST_TIMESTAMP) return { offset: readCommitted ? this.lastStableOffset : this.logEndOffset, timestamp: -1 };
    // Kafka's answers with remote storage off (UnifiedLog.fetchOffsetByTimestamp).
    if (timestamp === EARLIEST_LOCAL_TIMESTAMP) return { offset: this.logStartOffset, timestamp: -1 };
    if (timestamp === LATEST_TIERED_TIMESTAMP) return { offset: -1, timestamp: -1 };
    if (timestamp === MAX_TIMESTAMP) {
      let best: LogSegment | undefined;
      for (const s of this.segments) if (s.maxTimestampSoFar >= 0 && (!best || s.maxTimestampSoFar > best.maxTimestampSoFar)) best = s;
      return best?.offsetOfMaxTimestamp() ?? { offset: -1, timestamp: -1 };
    }
    for (const s of this.segments) {
      if (s.nextOffset <= this.logStartOffset || s.largestTimestamp < timestamp) continue;
      const found = s.findOffsetByTimestamp(timestamp, this.logStartOffset);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * DeleteRecords: moves the log start offset to `offset` (-1 means the high watermark) and
   * deletes the segments wholly below it. Returns the new low watermark, or an error code, and
   * when the log start moved `durable`: the checkpoint write holding it, which the caller waits
   * for before answering, so that records a client was told are deleted never come back after
   * a crash.
   */
  deleteRecords(offset: number): DeleteRecordsResult & { durable?: Promise<void> } {
    this.assertOpen();
    const target = offset === -1 ? this.highWatermark : offset;
    if (target < 0 || target > this.highWatermark) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: this.logStartOffset };
    if (target > this.logStartOffset) {
      this.logStartOffset = target;
      this.deleteSegmentsBelowLogStart();
      return { errorCode: ErrorCode.NONE, lowWatermark: this.logStartOffset, durable: this.scheduleCheckpoints() };
    }
    return { errorCode: ErrorCode.NONE, lowWatermark: this.logStartOffset };
  }

  private deleteSegmentsBelowLogStart(): number {
    let n = 0;
    while (this.segments.length > 1 && this.segments[0]!.nextOffset <= this.logStartOffset && this.segments[1]!.baseOffset <= this.logStartOffset) {
      this.deleteOldestSegment();
      n++;
    }
    return n;
  }

  /**
   * Retention (policy `delete`): removes whole segments, oldest first, whose newest record is
   * older than retention.ms, or while the log is larger than retention.bytes; never the active
   * segment, nor one holding records at or past the last stable offset: an open transaction's
   * records stay until it ends (its marker then decides what a read_committed reader sees).
   * Returns how many segments were deleted.
   */
  runRetention(now = this.now()): number {
    this.assertOpen();
    let deleted = this.deleteSegmentsBelowLogStart();
    if (!this.config.cleanupPolicy.includes('delete')) return deleted;
    const { retentionMs, retentionBytes } = this.config;
    if (retentionMs >= 0) {
      while (this.segments.length > 1 && this.segments[0]!.nextOffset <= this.lastStableOffset) {
        const oldest = this.segments[0]!;
        if (oldest.largestTimestamp < 0 || now - oldest.largestTimestamp <= retentionMs) break;
        this.deleteOldestSegment();
        deleted++;
      }
    }
    if (retentionBytes >= 0) {
      let excess = this.sizeBytes - retentionBytes;
      while (this.segments.length > 1 && this.segments[0]!.nextOffset <= this.lastStableOffset && excess >= this.segments[0]!.size) {
        excess -= this.segments[0]!.size;
        this.deleteOldestSegment();
        deleted++;
      }
    }
    if (deleted > 0) void this.scheduleCheckpoints();
    return deleted;
  }

  private deleteOldestSegment(): void {
    const oldest = this.segments.shift()!;
    this.abortedTotal = undefined;
    this.rolledUnflushed.delete(oldest);
    const paths = oldest.markDeleted();
    this.pendingDeletes.push({ paths, dueMs: this.now() + this.config.fileDeleteDelayMs });
    this.logStartOffset = Math.max(this.logStartOffset, this.segments[0]!.baseOffset);
    // Snapshots of deleted segments go with them; the newest stays, and the state in memory
    // is untouched: producers outlive the segments they wrote to until they expire.
    this.producers.deleteSnapshotsBelow(this.segments[0]!.baseOffset);
  }

  /**
   * Removes the renamed files of deleted segments whose delay has passed; answers their paths,
   * so that whoever caches descriptors for them (the fetch path) lets go and the space returns.
   */
  removeDeletedFiles(now = this.now()): string[] {
    const removed: string[] = [];
    while (this.pendingDeletes.length > 0 && this.pendingDeletes[0]!.dueMs <= now) {
      const d = this.pendingDeletes[0]!;
      for (const p of d.paths) {
        fsio.rmSync(p, { force: true });
        removed.push(p);
      }
      this.pendingDeletes.shift();
    }
    return removed;
  }

  get pendingDeleteCount(): number {
    return this.pendingDeletes.length;
  }

  /**
   * Starts the fdatasync flush.messages or flush.ms asks for, on the thread pool: the promise
   * resolves once everything appended before the call is on disk (rolled segments included),
   * and rejects when the sync failed; undefined when no flush is due.
   */
  flushIfDue(now = this.now()): Promise<void> | undefined {
    if (this.unflushedMessages === 0) return undefined;
    if (this.unflushedMessages >= this.config.flushMessages || now - this.lastFlushMs >= this.config.flushMs) return this.flushAsync(now);
    return undefined;
  }

  get hasUnflushed(): boolean {
    return this.unflushedMessages > 0;
  }

  /**
   * fdatasync of everything appended so far, on the thread pool. One runs at a time: a call
   * while one is in flight gets the next one, which starts when the first ends and covers
   * every append made before it starts.
   */
  flushAsync(now = this.now()): Promise<void> {
    this.assertOpen();
    if (this.nextFlush) return this.nextFlush;
    if (!this.flushing) return this.startFlush(now);
    const next = this.flushing.then(
      () => this.startFlush(this.now()),
      () => this.startFlush(this.now()),
    );
    this.nextFlush = next;
    void next.then(
      () => this.nextFlush === next && (this.nextFlush = undefined),
      () => this.nextFlush === next && (this.nextFlush = undefined),
    );
    return next;
  }

  private startFlush(now: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.nextFlush) this.nextFlush = undefined;
    const upTo = this.logEndOffset;
    this.unflushedMessages = 0;
    this.lastFlushMs = now;
    // Appends before a roll in this group went to the rolled segment, whose own sync covers them.
    const flushed = Promise.all([this.activeSegment.flushAsync(), ...this.rolledSyncs]).then(() => {
      // A rolled segment's sync reports its failure to the owner rather than rejecting: it
      // shows here as the fault, and what this flush covers is not on disk.
      if (this.faulted) throw this.faultCause;
      if (!this.closed) this.recoveryPoint = Math.max(this.recoveryPoint, this.safeRecoveryPoint(upTo));
    });
    this.flushing = flushed;
    void flushed.then(
      () => this.flushing === flushed && (this.flushing = undefined),
      (e: unknown) => {
        if (this.flushing === flushed) this.flushing = undefined;
        this.backgroundFailed(`flushing ${this.activeSegment.logPath}`, e);
      },
    );
    return flushed;
  }

  /** fdatasync of everything appended so far, on this thread (tests, tools and shutdown). */
  flush(now = this.now()): void {
    this.assertOpen();
    for (const s of this.rolledUnflushed) if (!s.isClosed) s.flushAll();
    this.rolledUnflushed.clear();
    this.activeSegment.flush();
    this.unflushedMessages = 0;
    this.lastFlushMs = now;
    this.recoveryPoint = this.logEndOffset;
  }

  /**
   * A compaction pass to run now, or undefined: none when the policy has no `compact`, when
   * there is nothing but the active segment, or when the dirty ratio is below
   * min.cleanable.dirty.ratio (unless `force`).
   */
  compactionPlan(now = this.now(), force = false, maxMapEntries = DEFAULT_MAX_MAP_ENTRIES): CompactionPlan | undefined {
    if (!this.config.cleanupPolicy.includes('compact')) return undefined;
    const cleanable: LogSegment[] = [];
    const lastStable = this.lastStableOffset;
    for (const s of this.segments.slice(0, -1)) {
      if (now - s.largestTimestamp < this.config.minCompactionLagMs) break;
      // Never past the LSO: an open transaction's records may yet be aborted.
      if (s.nextOffset > lastStable) break;
      cleanable.push(s);
    }
    if (cleanable.length === 0) return undefined;
    let dirty = 0;
    let total = 0;
    for (const s of cleanable) {
      total += s.size;
      if (s.nextOffset > this.firstDirtyOffset) dirty += s.size;
    }
    if (dirty === 0 || (!force && dirty / total < this.config.minCleanableDirtyRatio)) return undefined;
    return {
      dir: this.dir,
      segments: cleanable.map((s) => ({ baseOffset: s.baseOffset, nextOffset: s.nextOffset, path: s.logPath, size: s.size })),
      firstDirtyOffset: this.firstDirtyOffset,
      cleanableEnd: cleanable[cleanable.length - 1]!.nextOffset,
      abortedTxns: this.abortedBelow(cleanable[cleanable.length - 1]!.nextOffset),
      nowMs: now,
      deleteRetentionMs: this.config.deleteRetentionMs,
      segmentBytes: this.config.segmentBytes,
      maxMapEntries,
    };
  }

  /** Every aborted transaction that began below `offset` (all of them have ended: offset ≤ LSO). */
  private abortedBelow(offset: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    for (const s of this.segments) for (const e of s.txnIndex.all()) if (e.firstOffset < offset) out.push(e);
    return out;
  }

  /**
   * Swaps the cleaned segments of a finished pass in place of their sources. The sources are
   * renamed `.deleted` and removed after file.delete.delay.ms, like retention's, so reads in
   * flight finish. A plan whose sources changed meanwhile (retention or deleteRecords removed
   * some) is abandoned: its files are removed and nothing changes.
   */
  async applyCompaction(result: CompactionResult): Promise<boolean> {
    this.assertOpen();
    const sourcesPresent = (): boolean => {
      const present = new Set(this.segments.map((s) => s.baseOffset));
      return result.groups.every((g) => g.sources.every((b) => present.has(b)));
    };
    if (!sourcesPresent()) {
      for (const g of result.groups) fsio.rmSync(g.cleanedPath, { force: true });
      return false;
    }
    const swaps = result.groups.map((g) => {
      const swap = `${g.cleanedPath.slice(0, -CLEANED_SUFFIX.length)}.${String(g.endOffset).padStart(20, '0')}${SWAP_SUFFIX}`;
      fsio.renameSync(g.cleanedPath, swap);
      return swap;
    });
    // The swap names are durable before any source goes: a crash from here on completes the swap.
    await syncDirectoryAsync(this.dir);
    if (this.closed || !sourcesPresent()) {
      // Retention or deleteRecords removed a source while the directory synced.
      for (const swap of swaps) fsio.rmSync(swap, { force: true });
      return false;
    }
    result.groups.forEach((g, i) => {
      const sources = new Set(g.sources);
      const index = this.segments.findIndex((s) => s.baseOffset === g.sources[0]);
      const removed = this.segments.filter((s) => sources.has(s.baseOffset));
      this.segments = this.segments.filter((s) => !sources.has(s.baseOffset));
      for (const s of removed) {
        this.rolledUnflushed.delete(s);
        this.pendingDeletes.push({ paths: s.markDeleted(), dueMs: this.now() + this.config.fileDeleteDelayMs });
      }
      fsio.renameSync(swaps[i]!, join(this.dir, `${String(g.baseOffset).padStart(20, '0')}${LOG_SUFFIX}`));
      const replacement = this.newSegment(g.baseOffset);
      replacement.recover(Number.MAX_SAFE_INTEGER);
      this.segments.splice(index, 0, replacement);
    });
    this.abortedTotal = undefined;
    this.firstDirtyOffset = Math.max(this.firstDirtyOffset, result.cleanedUpTo);
    await this.inBackground(`syncing ${this.dir} after a compaction swap`, () => syncDirectoryAsync(this.dir));
    void this.scheduleCheckpoints();
    return true;
  }

  /** A whole compaction pass, cleaned on this thread (tests and tools); returns the result or undefined. */
  async compact(now = this.now(), force = false): Promise<CompactionResult | undefined> {
    const plan = this.compactionPlan(now, force);
    if (!plan) return undefined;
    const result = runCompaction(plan);
    return (await this.applyCompaction(result)) ? result : undefined;
  }

  /**
   * Finishes a compaction swap interrupted by a crash: each `.swap` file replaces the segments
   * whose offsets it covers, then becomes a `.log`.
   */
  private completeSwaps(swaps: string[]): void {
    for (const name of swaps) {
      const m = /^(\d{20})\.log\.(\d{20})\.swap$/.exec(name);
      if (!m) {
        fsio.rmSync(join(this.dir, name), { force: true });
        continue;
      }
      const base = Number(m[1]);
      const end = Number(m[2]);
      for (const n of fsio.readdirSync(this.dir)) {
        if (!/^\d{20}\.(log|index|timeindex|txnindex)$/.test(n)) continue;
        const b = Number(n.slice(0, 20));
        if (b >= base && b < end) fsio.rmSync(join(this.dir, n), { force: true });
      }
      fsio.renameSync(join(this.dir, name), join(this.dir, `${m[1]}${LOG_SUFFIX}`));
    }
    if (swaps.length) syncDirectorySync(this.dir);
  }

  // --- Idempotent producers ------------------------------------------------------------------

  /**
   * Rebuilds the producer state: the newest snapshot at or below the log end offset (newer
   * ones are from before a truncation and are deleted), then the headers of the batches from
   * the snapshot's offset (or the log start, if later) to the log end — never their records.
   * After a clean close the snapshot is at the log end and nothing is replayed; after a crash
   * the batches appended since the last roll are.
   *
   * Without any snapshot (a log written before producer state was kept, or whose snapshots
   * were lost) only the last two segments are replayed, Kafka's shortcut for a clean start
   * without snapshots, applied after a crash too so that start-up time stays bounded: a
   * producer last seen before them is unknown and accepted at any sequence, as after expiration.
   */
  private loadProducerState(): void {
    const now = this.now();
    const snapshotOffset = this.producers.loadLatestSnapshot(this.logEndOffset, now);
    const from = Math.max(snapshotOffset ?? this.segments[Math.max(0, this.segments.length - 2)]!.baseOffset, this.logStartOffset);
    // The aborts replayed below are indexed again; entries past the end are from before a truncation.
    for (const segment of this.segments) if (segment.nextOffset > from || segment.txnIndex.size > 0) segment.txnIndex.truncateTo(from);
    this.abortedTotal = undefined;
    let batches = 0;
    for (const segment of this.segments) {
      if (segment.nextOffset <= from) continue;
      const start = segment.baseOffset >= from ? 0 : segment.findBatch(from)?.position;
      if (start === undefined) continue;
      batches += scanBatchHeaders(segment, start, (buf, at, end) => this.applyBatchState(buf, at, end, segment, from));
    }
    this.producers.removeExpired(now);
    this.producerStateReplay = { fromOffset: from, batches, snapshotOffset: snapshotOffset ?? -1 };
  }

  /**
   * What a batch already in the log (replayed at open) or just written by a follower does to the
   * producer state: an idempotent batch moves its producer's sequence, a marker ends its
   * producer's transaction and an abort is indexed in `segment`'s transaction index. Reads only
   * the header (and a control record's key and value, within `end`). Batches ending below
   * `from` change nothing.
   */
  private applyBatchState(buf: Buffer, at: number, end: number, segment: LogSegment, from: number): void {
    if (buf.readInt32BE(at + BATCH_OFFSETS.producerId) < 0) return;
    const attributes = buf.readInt16BE(at + BATCH_OFFSETS.attributes);
    const baseOffset = readInt64(buf, at);
    const lastOffsetDelta = buf.readInt32BE(at + BATCH_OFFSETS.lastOffsetDelta);
    if (baseOffset + lastOffsetDelta < from) return;
    const producerId = readInt64(buf, at + BATCH_OFFSETS.producerId);
    const producerEpoch = buf.readInt16BE(at + BATCH_OFFSETS.producerEpoch);
    const maxTimestamp = readInt64(buf, at + BATCH_OFFSETS.maxTimestamp);
    if (attributes & Attr.control) {
      const marker = readControlMarker(buf, at, end);
      if (!marker || (marker.type !== ControlType.Abort && marker.type !== ControlType.Commit)) return;
      const commit = marker.type === ControlType.Commit;
      const first = this.producers.applyMarker({ producerId, producerEpoch, coordinatorEpoch: marker.coordinatorEpoch, commit }, maxTimestamp);
      if (!commit && first >= 0) {
        segment.txnIndex.append({ producerId, firstOffset: first, lastOffset: baseOffset, lastStableOffset: this.producers.firstUnstableOffset ?? baseOffset + 1 });
        this.abortedTotal = undefined;
      }
      return;
    }
    this.producers.update(
      producerId,
      producerEpoch,
      incrementSequence(buf.readInt32BE(at + BATCH_OFFSETS.baseSequence), lastOffsetDelta),
      baseOffset,
      baseOffset + lastOffsetDelta,
      maxTimestamp,
      (attributes & Attr.transactional) !== 0,
    );
  }

  /** Forgets producers idle for producer.id.expiration.ms; returns how many. */
  removeExpiredProducers(now = this.now()): number {
    return this.producers.removeExpired(now);
  }

  /** The producers this partition knows, for DescribeProducers. */
  activeProducers(): ActiveProducer[] {
    return this.producers.activeProducers();
  }

  /** The three checkpoints, written on this thread (shutdown); while serving, scheduleCheckpoints. */
  writeCheckpoints(): void {
    const entry = (offset: number) => [{ topic: this.topic, partition: this.partition, offset }];
    writeCheckpoint(join(this.dir, RECOVERY_POINT_CHECKPOINT), entry(this.recoveryPoint));
    writeCheckpoint(join(this.dir, LOG_START_OFFSET_CHECKPOINT), entry(this.logStartOffset));
    writeCheckpoint(join(this.dir, CLEANER_CHECKPOINT), entry(this.firstDirtyOffset));
    if (this.epochs) {
      writeFileDurablySync(join(this.dir, LEADER_EPOCH_CHECKPOINT), this.epochs.bytes());
      writeCheckpoint(join(this.dir, REPLICATION_OFFSET_CHECKPOINT), entry(this.highWatermark));
    }
  }

  /** Truncates the log to end before `offset` (used by recovery of producer state and tests). */
  truncateTo(offset: number): void {
    this.assertOpen();
    while (this.segments.length > 1 && this.activeSegment.baseOffset >= offset) {
      const dropped = this.segments.pop()!;
      this.rolledUnflushed.delete(dropped);
      for (const p of dropped.markDeleted()) fsio.rmSync(p, { force: true });
    }
    this.activeSegment.truncateTo(offset);
    if (this.recoveryPoint > this.logEndOffset) this.recoveryPoint = this.logEndOffset;
    // Batches past the new end may be in the state: rebuild it from what remains.
    this.loadProducerState();
    if (this.epochs) {
      this.epochs.truncateFromEnd(this.logEndOffset);
      if (this.hw > this.logEndOffset) this.hw = this.logEndOffset;
      void this.scheduleCheckpoints();
    }
  }

  /**
   * Empties the log and starts it again at `offset` (Kafka's truncateFullyAndStartAt): a
   * follower whose whole log is behind the leader's log start, or diverged from its first
   * offset. Every segment goes; producer state, epoch cache and high watermark start over.
   */
  truncateFullyAndStartAt(offset: number): void {
    this.assertOpen();
    for (const dropped of this.segments) {
      this.rolledUnflushed.delete(dropped);
      for (const p of dropped.markDeleted()) fsio.rmSync(p, { force: true });
    }
    this.segments = [this.newSegment(offset)];
    this.abortedTotal = undefined;
    this.logStartOffset = offset;
    this.recoveryPoint = offset;
    this.firstDirtyOffset = offset;
    this.producers.deleteSnapshotsBelow(Number.MAX_SAFE_INTEGER);
    this.loadProducerState();
    this.epochs?.clear();
    this.hw = offset;
    void this.scheduleCheckpoints();
  }

  /**
   * Clean close: waits for the background work, then flushes everything and writes the
   * checkpoints, a producer snapshot at the log end and the clean-shutdown marker, so that the
   * next open trusts the files without rescanning them. All of it on the thread pool: a host
   * closes its logs concurrently (LogHost.closeAll), since one close is about ten fsyncs. A log whose background work failed is
   * closed without the marker: the next open recovers it. On an I/O error the files are closed
   * all the same and the error is thrown.
   */
  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    await this.settled();
    if (this.closed) return;
    try {
      if (this.faulted) return;
      // On the thread pool, so that a host closing many logs closes them side by side: the
      // data, then the checkpoints with the producer snapshot at the log end (the next open
      // replays nothing), then the marker, each durable before the next is written.
      const unsynced = [...this.rolledUnflushed].filter((s) => this.segments.includes(s));
      await Promise.all([...unsynced, this.activeSegment].map((s) => s.flushAllAsync()));
      this.rolledUnflushed.clear();
      this.recoveryPoint = this.logEndOffset;
      await writeFilesDurably(this.dir, [...this.checkpointFiles(), { path: this.producers.snapshotPath(this.logEndOffset), data: this.producers.snapshotBytes(this.logEndOffset) }]);
      await writeFilesDurably(this.dir, [{ path: join(this.dir, CLEAN_SHUTDOWN_MARKER), data: new Uint8Array(0) }]);
    } finally {
      for (const s of this.segments) s.close();
      this.closed = true;
    }
  }

  private closing = false;

  /** Closes without flushing or marking (for crash tests, deleting the partition, and reopening a faulted log). */
  closeAbruptly(): void {
    if (this.closed) return;
    for (const s of this.segments) s.close();
    this.closed = true;
  }

  /** Deletes the partition: closes and removes its directory. */
  deleteAll(): void {
    this.closeAbruptly();
    fsio.rmSync(this.dir, { recursive: true, force: true });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`log ${this.topic}-${this.partition} is closed`);
  }
}

function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

/**
 * Window for header scans: 64 KiB holds the headers of about a thousand small batches in one
 * read, and costs at most 64 KiB of reading per large batch (whose body is skipped).
 */
const HEADER_SCAN_WINDOW_BYTES = 64 * 1024;

/** Bytes past a header a scan makes sure are in the window: a control batch's one record. */
const CONTROL_RECORD_PEEK_BYTES = 40;

/**
 * Calls `visit(window, at, end)` for the header of each batch in the segment from `position`
 * on, reading windows of the file rather than batch by batch; `end` bounds the batch's bytes in
 * the window, which hold at least its header and, for a small batch, all of it (a control
 * batch's record is read from there). The segment's bytes were checked by recovery (or trusted
 * after a clean close); a malformed length ends the scan. Returns the number of headers visited.
 */
function scanBatchHeaders(segment: LogSegment, position: number, visit: (window: Buffer, at: number, end: number) => void): number {
  let window: Buffer = Buffer.alloc(0);
  let windowStart = 0;
  let visited = 0;
  while (position + BATCH_HEADER_BYTES <= segment.size) {
    const want = Math.min(BATCH_HEADER_BYTES + CONTROL_RECORD_PEEK_BYTES, segment.size - position);
    if (position < windowStart || position + want > windowStart + window.length) {
      window = segment.readBytes(position, Math.min(HEADER_SCAN_WINDOW_BYTES, segment.size - position));
      windowStart = position;
      if (window.length < BATCH_HEADER_BYTES) break;
    }
    const at = position - windowStart;
    const size = window.readInt32BE(at + BATCH_OFFSETS.batchLength) + BATCH_LOG_OVERHEAD;
    if (size < BATCH_HEADER_BYTES) break;
    visit(window, at, Math.min(window.length, at + size));
    visited++;
    position += size;
  }
  return visited;
}
