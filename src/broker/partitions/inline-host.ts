/**
 * InlineHost: partition logs on the main thread (num.io.threads=0). Every call runs at once;
 * appends flush per their policy immediately. Kept to compare against the worker threads.
 */
import type { LogConfig } from '../../core/log-config.js';
import { LogHost, type LogHostOptions } from '../../workers/log-host.js';
import type { AppendReply, DeleteRecordsReply, DescribeProducersReply, ListOffsetReply, LogStats, ReadReply } from '../../workers/messages.js';
import type { HostStats, OpenRequest, PartitionHandle, PartitionHost } from './host.js';

export class InlineHost implements PartitionHost {
  readonly workerCount = 0;
  private readonly host: LogHost;
  private readonly timer: NodeJS.Timeout;
  private nextSlot = 1;
  /** Open slots, for stats(). */
  private readonly slots = new Set<number>();

  constructor(options: LogHostOptions, tickIntervalMs: number) {
    this.host = new LogHost(options);
    this.timer = setInterval(() => this.host.tick(), tickIntervalMs);
    this.timer.unref();
  }

  async open(request: OpenRequest) {
    const slot = this.nextSlot++;
    const summary = this.host.open({ slot, ...request });
    this.slots.add(slot);
    return { handle: { slot, topic: request.topic, partition: request.partition }, summary };
  }

  async close(handle: PartitionHandle, remove: boolean): Promise<void> {
    this.host.close(handle.slot, remove);
    this.slots.delete(handle.slot);
  }

  async setConfig(handle: PartitionHandle, config: LogConfig): Promise<void> {
    this.host.setConfig(handle.slot, config);
  }

  async append(handle: PartitionHandle, records: Buffer): Promise<AppendReply> {
    const r = this.host.append(handle.slot, records, false);
    return {
      errorCode: r.errorCode,
      baseOffset: r.baseOffset,
      lastOffset: r.lastOffset,
      logAppendTimeMs: r.logAppendTimeMs,
      logStartOffset: r.logStartOffset,
      logEndOffset: this.host.summary(handle.slot)?.logEndOffset ?? -1,
    };
  }

  async read(handle: PartitionHandle, offset: number, maxBytes: number): Promise<ReadReply> {
    const r = this.host.read(handle.slot, offset, maxBytes);
    const reply: ReadReply = {
      errorCode: r.errorCode,
      highWatermark: r.highWatermark,
      logStartOffset: r.logStartOffset,
      logEndOffset: r.highWatermark,
    };
    if (r.slice) reply.slice = { path: r.slice.path, position: r.slice.position, length: r.slice.length };
    return reply;
  }

  async listOffset(handle: PartitionHandle, timestamp: number): Promise<ListOffsetReply> {
    return this.host.listOffset(handle.slot, timestamp);
  }

  async deleteRecords(handle: PartitionHandle, offset: number): Promise<DeleteRecordsReply> {
    return this.host.deleteRecords(handle.slot, offset);
  }

  async describeProducers(handle: PartitionHandle): Promise<DescribeProducersReply> {
    return this.host.describeProducers(handle.slot);
  }

  /** No workers and no rings here: only the logs. */
  async stats(options: { logs: boolean }): Promise<HostStats> {
    const logs: LogStats[] = [];
    if (options.logs) {
      for (const slot of this.slots) {
        const s = this.host.summary(slot);
        if (s) logs.push({ slot, sizeBytes: s.sizeBytes, segmentCount: s.segmentCount, logStartOffset: s.logStartOffset, logEndOffset: s.logEndOffset });
      }
    }
    return { workers: [], logs };
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.host.closeAll();
  }
}
