/**
 * WorkerHost: partition logs on num.io.threads worker threads, reached through rings.
 *
 * Each worker has a command ring (main → worker) and a reply ring (worker → main). A command
 * is written into the ring in one piece: for an append, the record batches are copied once,
 * from their slice of the request frame straight into shared memory. Replies carry the
 * request id; the main thread drains its reply rings with Atomics.waitAsync, so it never
 * blocks. Partitions go to workers round-robin as they are opened; all calls on a partition go
 * to one worker's ring, which keeps them in order.
 *
 * Ring sizes: the command ring holds 16 MiB, so one message may carry up to 8 MiB of record
 * batches (half the ring, ring.ts) — eight times the 1 MiB max.message.bytes default and
 * producers' 1 MiB max.request.size, while a produce request's partition larger than that is
 * refused as RECORD_LIST_TOO_LARGE. A ring's pages become resident as it wraps, so its size is
 * paid in RSS per worker: 64 MiB rings put brokers with workers past 300 MiB in the benchmark.
 * Replies are small (at most ~4 KiB with a path), so 4 MiB holds a thousand of them.
 *
 * Main thread.
 */
import { Worker } from 'node:worker_threads';
import type { LogConfig } from '../../core/log-config.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { LogHostOptions, PartitionSummary } from '../../workers/log-host.js';
import {
  COMMAND_HEADER_BYTES,
  type ControlMessage,
  type ControlReply,
  Op,
  WORKER_STATS_BYTES,
  type WorkerData,
  WorkerStatsSlot,
  writeCommandHeader,
} from '../../workers/messages.js';
import { RING_HEADER_BYTES, RingConsumer, RingProducer, RingSlot, createRing } from '../../workers/ring.js';
import type {
  AppendReply,
  DeleteRecordsReply,
  DescribeProducersReply,
  HostStats,
  ListOffsetReply,
  LogStats,
  OpenRequest,
  PartitionHandle,
  PartitionHost,
  ReadReply,
} from './host.js';

export const COMMAND_RING_BYTES = 16 * 1024 * 1024;
export const REPLY_RING_BYTES = 4 * 1024 * 1024;

type Settle = (reply: Buffer) => void;

class PartitionWorker {
  readonly worker: Worker;
  readonly commands: RingProducer;
  private readonly replies: RingConsumer;
  private readonly waiting = new Map<number, Settle>();
  private readonly control = new Map<number, (r: ControlReply) => void>();
  private nextRequestId = 1;
  private nextControlId = 1;
  private stopped = false;
  exited: Promise<void>;
  /** Metrics: the worker's counters (messages.ts), the reply ring's header, partitions opened here. */
  readonly counters: BigInt64Array;
  private readonly replyHeader: Int32Array;
  partitions = 0;

  constructor(options: Omit<LogHostOptions, 'now'>, tickIntervalMs: number) {
    const commands = createRing(COMMAND_RING_BYTES);
    const replies = createRing(REPLY_RING_BYTES);
    const stats = new SharedArrayBuffer(WORKER_STATS_BYTES);
    this.counters = new BigInt64Array(stats);
    this.replyHeader = new Int32Array(replies, 0, RING_HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT);
    const data: WorkerData = { commands, replies, stats, options, tickIntervalMs };
    this.worker = new Worker(new URL('../../workers/partition-worker.js', import.meta.url), { workerData: data });
    this.commands = new RingProducer(commands);
    this.replies = new RingConsumer(replies);
    this.worker.on('message', (r: ControlReply) => {
      const settle = this.control.get(r.id);
      this.control.delete(r.id);
      settle?.(r);
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('error', (e) => {
      console.error(`partition worker failed: ${e.stack ?? e}`);
      this.failAll();
    });
    void this.drainReplies();
  }

  private async drainReplies(): Promise<void> {
    const onReply = (b: Buffer): void => {
      const id = b.readUInt32LE(4);
      const settle = this.waiting.get(id);
      this.waiting.delete(id);
      // The reply is a view of the ring, valid only during this call: copy the little it holds.
      settle?.(Buffer.from(b));
    };
    while (!this.stopped) {
      this.replies.drain(onReply);
      if (!this.replies.hasMessages()) await this.replies.waitForMessages(1000);
    }
  }

  private failAll(): void {
    const b = Buffer.alloc(64);
    b.writeInt32LE(ErrorCode.KAFKA_STORAGE_ERROR, 8);
    for (const settle of this.waiting.values()) settle(b);
    this.waiting.clear();
  }

  /** Sends one command; `body` fills the bytes after the header. */
  send(op: Op, slot: number, bodyBytes: number, fill: (b: Buffer, at: number) => void): Promise<Buffer> {
    const id = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId + 1) >>> 0 || 1;
    const length = COMMAND_HEADER_BYTES + bodyBytes;
    const reply = new Promise<Buffer>((resolve) => this.waiting.set(id, resolve));
    const view = this.commands.tryReserve(length);
    if (view) {
      writeCommandHeader(view, op, id, slot);
      fill(view, COMMAND_HEADER_BYTES);
      this.commands.commit(length);
    } else {
      // The ring is full (or others wait before us): build the message apart and queue it.
      const b = Buffer.allocUnsafe(length);
      writeCommandHeader(b, op, id, slot);
      fill(b, COMMAND_HEADER_BYTES);
      void this.commands.write(b);
    }
    return reply;
  }

  /** Bytes in the reply ring not yet drained, read from the ring's shared header (ring.ts: head − tail). */
  get replyRingUsedBytes(): number {
    return (Atomics.load(this.replyHeader, RingSlot.head) - Atomics.load(this.replyHeader, RingSlot.tail)) | 0;
  }

  controlCall(m: Omit<ControlMessage, 'id'> & { type: ControlMessage['type'] }): Promise<ControlReply> {
    const id = this.nextControlId++;
    return new Promise((resolve) => {
      this.control.set(id, resolve);
      this.worker.postMessage({ ...m, id });
    });
  }

  async stop(): Promise<void> {
    await this.controlCall({ type: 'shutdown' } as ControlMessage);
    this.stopped = true;
    await this.exited;
  }
}

export class WorkerHost implements PartitionHost {
  readonly workerCount: number;
  private readonly workers: PartitionWorker[];
  private nextSlot = 1;
  private readonly maxRecordsBytes: number;

  constructor(workerCount: number, options: Omit<LogHostOptions, 'now'>, tickIntervalMs: number) {
    if (workerCount < 1) throw new RangeError('a WorkerHost needs at least one worker');
    this.workerCount = workerCount;
    this.workers = Array.from({ length: workerCount }, () => new PartitionWorker(options, tickIntervalMs));
    this.maxRecordsBytes = this.workers[0]!.commands.maxMessageBytes - COMMAND_HEADER_BYTES;
  }

  private workerOf(handle: PartitionHandle): PartitionWorker {
    return this.workers[handle.slot % this.workerCount]!;
  }

  async open(request: OpenRequest): Promise<{ handle: PartitionHandle; summary: PartitionSummary }> {
    const slot = this.nextSlot++;
    const handle = { slot, topic: request.topic, partition: request.partition };
    const r = await this.workerOf(handle).controlCall({ type: 'open', partition: { slot, ...request } } as ControlMessage);
    if (r.type === 'error') throw Object.assign(new Error(`opening ${request.topic}-${request.partition}: ${r.message}`), r.code === undefined ? {} : { code: r.code });
    if (r.type !== 'opened') throw new Error(`unexpected answer ${r.type} to open`);
    this.workerOf(handle).partitions++;
    return { handle, summary: r.summary };
  }

  async close(handle: PartitionHandle, remove: boolean): Promise<void> {
    const r = await this.workerOf(handle).controlCall({ type: 'close', slot: handle.slot, remove } as ControlMessage);
    if (r.type === 'error') throw new Error(r.message);
    this.workerOf(handle).partitions--;
  }

  async setConfig(handle: PartitionHandle, config: LogConfig): Promise<void> {
    await this.workerOf(handle).controlCall({ type: 'config', slot: handle.slot, config } as ControlMessage);
  }

  async append(handle: PartitionHandle, records: Buffer): Promise<AppendReply> {
    if (records.length > this.maxRecordsBytes) {
      return { errorCode: ErrorCode.RECORD_LIST_TOO_LARGE, baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, logEndOffset: -1 };
    }
    const b = await this.workerOf(handle).send(Op.Append, handle.slot, records.length, (view, at) => records.copy(view, at));
    return {
      errorCode: b.readInt32LE(8),
      baseOffset: b.readDoubleLE(12),
      lastOffset: b.readDoubleLE(20),
      logAppendTimeMs: b.readDoubleLE(28),
      logStartOffset: b.readDoubleLE(36),
      logEndOffset: b.readDoubleLE(44),
    };
  }

  async read(handle: PartitionHandle, offset: number, maxBytes: number): Promise<ReadReply> {
    const b = await this.workerOf(handle).send(Op.Read, handle.slot, 12, (view, at) => {
      view.writeDoubleLE(offset, at);
      view.writeUInt32LE(Math.max(0, Math.min(maxBytes, 0xffffffff)), at + 8);
    });
    const reply: ReadReply = {
      errorCode: b.readInt32LE(8),
      highWatermark: b.readDoubleLE(12),
      logStartOffset: b.readDoubleLE(20),
      logEndOffset: b.readDoubleLE(28),
    };
    if (reply.errorCode === 0 && b.length > 36) {
      const pathLength = b.readUInt16LE(48);
      reply.slice = { position: b.readDoubleLE(36), length: b.readUInt32LE(44), path: b.toString('utf8', 50, 50 + pathLength) };
    }
    return reply;
  }

  async listOffset(handle: PartitionHandle, timestamp: number): Promise<ListOffsetReply> {
    const b = await this.workerOf(handle).send(Op.ListOffset, handle.slot, 8, (view, at) => view.writeDoubleLE(timestamp, at));
    return { errorCode: b.readInt32LE(8), offset: b.readDoubleLE(12), timestamp: b.readDoubleLE(20) };
  }

  async deleteRecords(handle: PartitionHandle, offset: number): Promise<DeleteRecordsReply> {
    const b = await this.workerOf(handle).send(Op.DeleteRecords, handle.slot, 8, (view, at) => view.writeDoubleLE(offset, at));
    return { errorCode: b.readInt32LE(8), lowWatermark: b.readDoubleLE(12) };
  }

  /**
   * Metrics. Busy time and ring occupancy come from shared memory, with no round trip, so they
   * are there even while a worker is too busy to answer; the logs' sizes and offsets are a
   * 'stats' control message to each worker.
   */
  async stats(options: { logs: boolean }): Promise<HostStats> {
    const workers = this.workers.map((w, worker) => ({
      worker,
      partitions: w.partitions,
      busyMs: Number(Atomics.load(w.counters, WorkerStatsSlot.busyMicros)) / 1000,
      commandRingUsedBytes: w.commands.usedBytes,
      commandRingCapacityBytes: w.commands.capacityBytes,
      replyRingUsedBytes: w.replyRingUsedBytes,
      replyRingCapacityBytes: REPLY_RING_BYTES,
    }));
    const logs: LogStats[] = [];
    if (options.logs) {
      const answers = await Promise.all(this.workers.map((w) => w.controlCall({ type: 'stats' } as ControlMessage)));
      for (const r of answers) if (r.type === 'stats') logs.push(...r.logs);
    }
    return { workers, logs };
  }

  /** A control message rather than a ring op: rare, and its answer has no fixed size (messages.ts). */
  async describeProducers(handle: PartitionHandle): Promise<DescribeProducersReply> {
    const r = await this.workerOf(handle).controlCall({ type: 'producers', slot: handle.slot } as ControlMessage);
    if (r.type === 'producers') return { errorCode: r.errorCode, producers: r.producers };
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, producers: [] };
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
