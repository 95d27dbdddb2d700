/**
 * PartitionHost: how the main thread reaches partition logs, wherever they live.
 *
 * WorkerHost (worker-host.ts) spreads partitions over num.io.threads partition workers and
 * talks to them through rings; InlineHost (inline-host.ts) runs the logs on the main thread
 * (num.io.threads=0), kept for comparison. Handlers see only this interface. The answers are
 * the storage engine's own result types (core/partition-log.ts), whichever host gave them.
 *
 * Calls on one partition are carried out in the order they were made.
 *
 * Faults reach the broker as HostEvents (the broker's LogDirs turns them into policy): a log
 * directory failed, files were removed (the fetch path's descriptors must go), a log is
 * uncleanable, partitions were reopened (a restarted worker, a recovered directory) with new
 * offsets. Until `events` is set they are dropped.
 */
import type { FaultRule } from '../../core/fs.js';
import type { LogConfig } from '../../core/log-config.js';
import type { AppendOrigin, AppendResult, DeleteRecordsResult, FetchIsolation, ListOffsetResult, ReadResult, ReplicaResult, TxnMarker } from '../../core/partition-log.js';
import type { PartitionSummary } from '../../workers/log-host.js';
import type { DescribeProducersResult, LogStats, ReplicaOp } from '../../workers/messages.js';

export type { AppendOrigin, AppendResult, DeleteRecordsResult, DescribeProducersResult, ListOffsetResult, LogStats, PartitionSummary, ReadResult, ReplicaResult, TxnMarker };

/** One partition worker, for /metrics and the console. */
export interface WorkerStats {
  worker: number;
  partitions: number;
  /** Time spent working since start (worker-host.ts, partition-worker.ts). */
  busyMs: number;
  commandRingUsedBytes: number;
  commandRingCapacityBytes: number;
  replyRingUsedBytes: number;
  replyRingCapacityBytes: number;
  /** Bytes of commands waiting for room in the command ring. */
  backlogBytes: number;
  restarts: number;
}

export interface HostStats {
  /** Empty for the inline host, which has no workers and no rings. */
  workers: WorkerStats[];
  /** Each log's size and offsets when asked for, else empty. */
  logs: LogStats[];
}

export interface PartitionHandle {
  readonly slot: number;
  readonly topic: string;
  readonly partition: number;
}

export interface OpenRequest {
  topic: string;
  partition: number;
  logDir: string;
  config: LogConfig;
  /** Cluster mode: the log is a replica (its high watermark set by the replica manager, its epoch cache kept). */
  replicated?: boolean;
}

export interface HostEvents {
  /** An I/O error in a log directory (the host has already stopped writing to it on that thread). */
  logDirFailed(logDir: string, code: string, message: string, partition: string): void;
  /** Files removed from disk (deleted segments past file.delete.delay.ms). */
  filesRemoved(paths: string[]): void;
  /** The cleaner could not compact the partition; it is skipped until restart. */
  uncleanable(slot: number, reason: string): void;
  /** Partitions reopened with their logs recovered: their offsets may have changed. */
  reopened(summaries: PartitionSummary[]): void;
  /** Commands wait for room in a command ring (true) or no longer do (false): intake should pause. */
  backlogChanged(backlogged: boolean): void;
  /** A programmer error: logged with its stack and counted by the broker. */
  internalError(context: string, e: unknown): void;
  /** A partition worker died and is being restarted. */
  workerRestarted(worker: number, cause: unknown): void;
  log(level: 'ERROR' | 'WARN' | 'INFO', message: string): void;
}

export interface PartitionHost {
  /** Number of partition workers; 0 for inline. */
  readonly workerCount: number;
  events: HostEvents | undefined;
  /** Whether commands are waiting for room in a command ring. */
  readonly backlogged: boolean;
  open(request: OpenRequest): Promise<{ handle: PartitionHandle; summary: PartitionSummary }>;
  close(handle: PartitionHandle, remove: boolean): Promise<void>;
  setConfig(handle: PartitionHandle, config: LogConfig): Promise<void>;
  /**
   * Appends record batches; `records` may be modified in place (offsets) and must not be reused.
   * A coordinator's own writes ('coordinator') skip the sequence checks, as in Kafka.
   */
  append(handle: PartitionHandle, records: Buffer, origin?: AppendOrigin): Promise<AppendResult>;
  /** Writes a transaction marker (a control batch); ordered with the partition's appends. */
  appendMarker(handle: PartitionHandle, marker: TxnMarker): Promise<AppendResult>;
  /**
   * Reads up to the high watermark; with FetchIsolation.TxnCommitted to the last stable offset,
   * listing the aborted transactions the read overlaps; with LogEnd to the log end (followers).
   */
  read(handle: PartitionHandle, offset: number, maxBytes: number, isolation?: FetchIsolation): Promise<ReadResult>;
  /** Cluster mode: a follower's append of its leader's batches, offsets kept; flushed like an append. */
  appendAsFollower(handle: PartitionHandle, records: Buffer): Promise<AppendResult>;
  /** Cluster mode: a change to a replica's log (high watermark, truncation, epochs; messages.ts ReplicaOp), ordered with its other calls. */
  replica(handle: PartitionHandle, kind: ReplicaOp, value?: number): Promise<ReplicaResult>;
  /** With `readCommitted`, LATEST is the last stable offset. */
  listOffset(handle: PartitionHandle, timestamp: number, readCommitted?: boolean): Promise<ListOffsetResult>;
  deleteRecords(handle: PartitionHandle, offset: number): Promise<DeleteRecordsResult>;
  /** The idempotent producers the partition knows (DescribeProducers). */
  describeProducers(handle: PartitionHandle): Promise<DescribeProducersResult>;
  /** Workers' busy time and ring occupancy, and with `logs` every log's size and offsets (metrics). */
  stats(options: { logs: boolean }): Promise<HostStats>;
  /** Every log in the directory refuses writes from now on (it failed somewhere). */
  markDirOffline(logDir: string, reason: string): Promise<void>;
  /** Resolves when a probe file can be written and synced in the directory; throws the error while not. */
  probeDir(logDir: string): Promise<void>;
  /** Reopens (recovers) every log in the directory; throws when one cannot be opened yet. */
  recoverDir(logDir: string): Promise<PartitionSummary[]>;
  /** Fault rules for the file system seam on every thread hosting logs (tests); [] heals it. */
  injectFaults(rules: FaultRule[]): Promise<void>;
  /** Flushes and closes every log cleanly (clean-shutdown markers), then stops the workers. */
  shutdown(): Promise<void>;
}
