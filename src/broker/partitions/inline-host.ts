/**
 * InlineHost: partition logs on the main thread (num.io.threads=0). Every call runs at once;
 * an append is answered once the flush its policy asks for is done (on the thread pool). Kept
 * to compare against the worker threads.
 *
 * Faults: the LogHost's policy applies as on a worker (I/O errors take the directory offline and
 * answer KAFKA_STORAGE_ERROR). A programmer error cannot kill the main thread the way it kills
 * a worker, so here it is logged with its stack and counted, the one call answers
 * UNKNOWN_SERVER_ERROR, and the log it happened in is reopened (recovered from disk), which is
 * what restarting a worker does for its logs.
 *
 * Main thread.
 */
import { clearFaults, type FaultRule, injectFaults } from '../../core/fs.js';
import type { LogConfig } from '../../core/log-config.js';
import { type Logger, withStack } from '../../core/logger.js';
import { failedAppend, failedDeleteRecords, failedListOffset, failedRead, failedReplica, FetchIsolation } from '../../core/partition-log.js';
import type { ReplicaOp } from '../../workers/messages.js';
import { ErrorCode } from '../../protocol/errors.js';
import { LogHost, type LogHostOptions } from '../../workers/log-host.js';
import type {
  AppendResult,
  DeleteRecordsResult,
  DescribeProducersResult,
  HostEvents,
  HostStats,
  ListOffsetResult,
  OpenRequest,
  PartitionHandle,
  PartitionHost,
  PartitionSummary,
  ReadResult,
  ReplicaResult,
  TxnMarker,
  AppendOrigin,
} from './host.js';

export class InlineHost implements PartitionHost {
  readonly workerCount = 0;
  readonly backlogged = false;
  events: HostEvents | undefined;
  private readonly host: LogHost;
  private readonly timer: NodeJS.Timeout;
  private nextSlot = 1;

  constructor(options: Omit<LogHostOptions, 'logger' | 'events'>, tickIntervalMs: number) {
    const logger: Logger = {
      error: (m) => this.events?.log('ERROR', m),
      warn: (m) => this.events?.log('WARN', m),
      info: (m) => this.events?.log('INFO', m),
    };
    this.host = new LogHost({
      ...options,
      logger,
      events: {
        logDirFailed: (logDir, code, message, partition) => this.events?.logDirFailed(logDir, code, message, partition),
        filesRemoved: (paths) => this.events?.filesRemoved(paths),
        uncleanable: (slot, reason) => this.events?.uncleanable(slot, reason),
        internalError: (context, e) => this.bug(context, e),
      },
    });
    this.timer = setInterval(() => {
      try {
        this.host.tick();
      } catch (e) {
        this.bug('log upkeep', e);
      }
    }, tickIntervalMs);
    this.timer.unref();
  }

  /** A programmer error: logged with its stack and counted by the broker (or, with no broker yet, logged). */
  private bug(context: string, e: unknown): void {
    if (this.events) this.events.internalError(context, e);
    else process.stderr.write(`${withStack(context, e)}\n`);
  }

  /** Runs a call on one log; a programmer error answers `failed`, and the log is reopened from disk. */
  private run<T>(handle: PartitionHandle, what: string, call: () => T, failed: (code: number, message: string) => T): T {
    try {
      return call();
    } catch (e) {
      this.bug(`${what} on ${handle.topic}-${handle.partition}`, e);
      try {
        this.host.reopen(handle.slot);
      } catch (again) {
        this.bug(`reopening ${handle.topic}-${handle.partition}`, again);
      }
      return failed(ErrorCode.UNKNOWN_SERVER_ERROR, `internal error: ${(e as Error).message ?? e}`);
    }
  }

  async open(request: OpenRequest) {
    const slot = this.nextSlot++;
    const summary = this.host.open({ slot, ...request });
    return { handle: { slot, topic: request.topic, partition: request.partition }, summary };
  }

  async close(handle: PartitionHandle, remove: boolean): Promise<void> {
    await this.host.close(handle.slot, remove);
  }

  async setConfig(handle: PartitionHandle, config: LogConfig): Promise<void> {
    this.host.setConfig(handle.slot, config);
  }

  async append(handle: PartitionHandle, records: Buffer, origin: AppendOrigin = 'client'): Promise<AppendResult> {
    return this.flushed(handle, this.run(handle, 'append', () => this.host.append(handle.slot, records, origin), failedAppend));
  }

  /** An append's answer once the flushes due after it are done (KAFKA_STORAGE_ERROR if its own failed). */
  private async flushed(handle: PartitionHandle, result: AppendResult): Promise<AppendResult> {
    for (const f of this.host.flushDue()) {
      try {
        await f.flushed;
      } catch (e) {
        if (f.slot === handle.slot) return { ...result, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `flush failed: ${(e as Error).message ?? e}`, baseOffset: -1, lastOffset: -1 };
      }
    }
    return result;
  }

  async appendMarker(handle: PartitionHandle, marker: TxnMarker): Promise<AppendResult> {
    return this.flushed(handle, this.run(handle, 'appendMarker', () => this.host.appendMarker(handle.slot, marker), failedAppend));
  }

  async read(handle: PartitionHandle, offset: number, maxBytes: number, isolation: FetchIsolation = FetchIsolation.HighWatermark): Promise<ReadResult> {
    return this.run(handle, 'read', () => this.host.read(handle.slot, offset, maxBytes, isolation), failedRead);
  }

  async appendAsFollower(handle: PartitionHandle, records: Buffer): Promise<AppendResult> {
    return this.flushed(handle, this.run(handle, 'appendAsFollower', () => this.host.appendAsFollower(handle.slot, records), failedAppend));
  }

  async replica(handle: PartitionHandle, kind: ReplicaOp, value = 0): Promise<ReplicaResult> {
    return this.run(handle, 'replica', () => this.host.replica(handle.slot, kind, value), failedReplica);
  }

  async listOffset(handle: PartitionHandle, timestamp: number, readCommitted = false): Promise<ListOffsetResult> {
    return this.run(handle, 'listOffset', () => this.host.listOffset(handle.slot, timestamp, readCommitted), failedListOffset);
  }

  async deleteRecords(handle: PartitionHandle, offset: number): Promise<DeleteRecordsResult> {
    const { durable, ...result } = this.run<DeleteRecordsResult & { durable?: Promise<void> }>(handle, 'deleteRecords', () => this.host.deleteRecords(handle.slot, offset), failedDeleteRecords);
    if (!durable) return result;
    try {
      await durable;
      return result;
    } catch (e) {
      return failedDeleteRecords(ErrorCode.KAFKA_STORAGE_ERROR, `checkpoint write failed: ${(e as Error).message ?? e}`);
    }
  }

  async describeProducers(handle: PartitionHandle): Promise<DescribeProducersResult> {
    return this.host.describeProducers(handle.slot);
  }

  /** No workers and no rings here: only the logs. */
  async stats(options: { logs: boolean }): Promise<HostStats> {
    return { workers: [], logs: options.logs ? this.host.stats() : [] };
  }

  async markDirOffline(logDir: string, reason: string): Promise<void> {
    this.host.markDirOffline(logDir, reason);
  }

  probeDir(logDir: string): Promise<void> {
    return this.host.probeDir(logDir);
  }

  recoverDir(logDir: string): Promise<PartitionSummary[]> {
    return this.host.recoverDir(logDir);
  }

  async injectFaults(rules: FaultRule[]): Promise<void> {
    clearFaults();
    injectFaults(rules);
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.host.closeAll();
  }
}
