/**
 * PartitionHost: how the main thread reaches partition logs, wherever they live.
 *
 * WorkerHost (worker-host.ts) spreads partitions over num.io.threads partition workers and
 * talks to them through rings; InlineHost (inline-host.ts) runs the logs on the main thread
 * (num.io.threads=0), kept for comparison. Handlers see only this interface.
 *
 * Calls on one partition are carried out in the order they were made.
 */
import type { LogConfig } from '../../core/log-config.js';
import type { PartitionSummary } from '../../workers/log-host.js';
import type { AppendReply, DeleteRecordsReply, DescribeProducersReply, ListOffsetReply, LogStats, ReadReply } from '../../workers/messages.js';

export type { AppendReply, DeleteRecordsReply, DescribeProducersReply, ListOffsetReply, LogStats, ReadReply };

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
}

export interface PartitionHost {
  /** Number of partition workers; 0 for inline. */
  readonly workerCount: number;
  open(request: OpenRequest): Promise<{ handle: PartitionHandle; summary: PartitionSummary }>;
  close(handle: PartitionHandle, remove: boolean): Promise<void>;
  setConfig(handle: PartitionHandle, config: LogConfig): Promise<void>;
  /** Appends record batches; `records` may be modified in place (offsets) and must not be reused. */
  append(handle: PartitionHandle, records: Buffer): Promise<AppendReply>;
  read(handle: PartitionHandle, offset: number, maxBytes: number): Promise<ReadReply>;
  listOffset(handle: PartitionHandle, timestamp: number): Promise<ListOffsetReply>;
  deleteRecords(handle: PartitionHandle, offset: number): Promise<DeleteRecordsReply>;
  /** The idempotent producers the partition knows (DescribeProducers). */
  describeProducers(handle: PartitionHandle): Promise<DescribeProducersReply>;
  /** Workers' busy time and ring occupancy, and with `logs` every log's size and offsets (metrics). */
  stats(options: { logs: boolean }): Promise<HostStats>;
  /** Flushes and closes every log cleanly (clean-shutdown markers), then stops the workers. */
  shutdown(): Promise<void>;
}
