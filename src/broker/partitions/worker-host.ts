/**
 * WorkerHost: partition logs on num.io.threads worker threads, reached through rings.
 *
 * Each worker has a command ring (main → worker) and a reply ring (worker → main). A command
 * is written into the ring in one piece (workers/messages.ts declares each): for an append, the
 * record batches are copied once, from their slice of the request frame straight into shared
 * memory. Replies carry the request id; the main thread drains its reply rings with
 * Atomics.waitAsync, so it never blocks. Partitions go to workers round-robin as they are
 * opened; all calls on a partition go to one worker's ring, which keeps them in order.
 *
 * Ring sizes: the command ring holds 16 MiB, so one message may carry up to 8 MiB of record
 * batches (half the ring, ring.ts) — eight times the 1 MiB max.message.bytes default and
 * producers' 1 MiB max.request.size, while a produce request's partition larger than that is
 * refused as RECORD_LIST_TOO_LARGE. A ring's pages become resident as it wraps, so its size is
 * paid in RSS per worker: 64 MiB rings put brokers with workers past 300 MiB in the benchmark.
 * Replies are at most MAX_REPLY_BYTES (a few hundred KiB for the largest error), so 4 MiB holds
 * a thousand ordinary ones.
 *
 * A full command ring: commands wait in a FIFO of closures (`backlog`) that fill the ring when
 * it has room, so nothing is copied twice and order is kept. The FIFO holds only requests the
 * broker has already read, which its queued-request byte budget bounds; while it is not empty
 * the host reports itself backlogged and the broker stops reading sockets (HostEvents).
 *
 * A worker that dies (a programmer error kills it loudly; tests terminate one) is restarted:
 * its in-flight appends and record deletions are answered UNKNOWN_SERVER_ERROR at once (they may
 * or may not have happened), its in-flight reads and everything asked while it restarts
 * NOT_LEADER_OR_FOLLOWER (retriable: clients refresh metadata and come back). The new worker
 * gets fresh rings, the offline directories, and reopens every partition the old one had,
 * recovering their logs (no clean-shutdown marker: everything past the recovery point is
 * rescanned). Restarts back off (RESTART_BACKOFF_MS doubling to RESTART_BACKOFF_MAX_MS) when a
 * worker keeps dying.
 *
 * Main thread.
 */
import { Worker } from 'node:worker_threads';
import type { FaultRule } from '../../core/fs.js';
import type { LogConfig } from '../../core/log-config.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { LogHostOptions, OpenPartition, PartitionSummary } from '../../workers/log-host.js';
import {
  AppendCommand,
  AppendReply,
  COMMAND_HEADER_BYTES,
  type ControlMessage,
  type ControlReply,
  DeleteRecordsCommand,
  DeleteRecordsReply,
  ListOffsetCommand,
  MarkerCommand,
  MarkerReply,
  CoordinatorAppendCommand,
  CoordinatorAppendReply,
  ListOffsetReply,
  Op,
  ReadCommand,
  ReadReply,
  ReplicaAppendCommand,
  ReplicaAppendReply,
  ReplicaCommand,
  type ReplicaOp,
  ReplicaReply,
  type RingMessage,
  type RingReply,
  WORKER_STATS_BYTES,
  type WorkerData,
  type WorkerEvent,
  WorkerStatsSlot,
  decodeReply,
  encodeCommand,
  replyRequestId,
} from '../../workers/messages.js';
import { RING_HEADER_BYTES, RingConsumer, RingProducer, RingSlot, createRing } from '../../workers/ring.js';
import type {
  AppendResult,
  DeleteRecordsResult,
  DescribeProducersResult,
  HostEvents,
  HostStats,
  ListOffsetResult,
  LogStats,
  OpenRequest,
  PartitionHandle,
  PartitionHost,
  ReadResult,
  ReplicaResult,
  TxnMarker,
  AppendOrigin,
} from './host.js';
import { FetchIsolation } from '../../core/partition-log.js';

export const COMMAND_RING_BYTES = 16 * 1024 * 1024;
export const REPLY_RING_BYTES = 4 * 1024 * 1024;
/** First wait before restarting a dead worker; doubled for each death within RESTART_STABLE_MS of the last. */
export const RESTART_BACKOFF_MS = 50;
export const RESTART_BACKOFF_MAX_MS = 10_000;
/** A worker alive this long since its last restart is healthy again: the backoff starts over. */
export const RESTART_STABLE_MS = 60_000;
/** How long shutdown waits for a worker to close its logs before terminating it (its logs are then recovered at the next start). */
export const WORKER_SHUTDOWN_TIMEOUT_MS = 30_000;

type WorkerOptions = Omit<LogHostOptions, 'now' | 'logger' | 'events'>;

interface InFlight {
  settle(reply: Buffer): void;
  /** The answer when the worker died with this command in it. */
  lost(): void;
}

interface Backlogged {
  length: number;
  fill(view: Buffer): void;
  /** The answer when the worker died before this was sent. */
  unsent(): void;
}

class PartitionWorker {
  readonly index: number;
  private readonly owner: WorkerHost;
  private readonly options: WorkerOptions;
  private readonly tickIntervalMs: number;
  private worker!: Worker;
  commands!: RingProducer;
  private replies!: RingConsumer;
  private replyHeader!: Int32Array;
  counters!: BigInt64Array;
  private readonly waiting = new Map<number, InFlight>();
  private readonly control = new Map<number, { resolve: (r: ControlReply) => void; reject: (e: Error) => void }>();
  private nextRequestId = 1;
  private nextControlId = 1;
  /** 'running' takes commands; 'restarting' answers them NOT_LEADER_OR_FOLLOWER; 'stopped' after shutdown. */
  state: 'running' | 'restarting' | 'stopped' = 'running';
  private stopping = false;
  private generation = 0;
  private lastError: unknown;
  private restartDelayMs = RESTART_BACKOFF_MS;
  private startedMs = 0;
  restarts = 0;
  /** What to reopen after a restart: the partitions opened here and the directories offline. */
  readonly partitions = new Map<number, OpenPartition>();
  private readonly offlineDirs = new Map<string, string>();
  private readonly backlog: Backlogged[] = [];
  backlogBytes = 0;
  private pumping = false;
  /** Whether the current thread runs: false from its exit until the next start(). */
  private alive = false;
  /** Called when a restart has reopened every partition (or the worker stopped). */
  private restartWaiters: (() => void)[] = [];
  exited!: Promise<void>;

  constructor(index: number, owner: WorkerHost, options: WorkerOptions, tickIntervalMs: number) {
    this.index = index;
    this.owner = owner;
    this.options = options;
    this.tickIntervalMs = tickIntervalMs;
    this.start();
  }

  private start(): void {
    const generation = ++this.generation;
    const commands = createRing(COMMAND_RING_BYTES);
    const replies = createRing(REPLY_RING_BYTES);
    const stats = new SharedArrayBuffer(WORKER_STATS_BYTES);
    this.counters = new BigInt64Array(stats);
    this.replyHeader = new Int32Array(replies, 0, RING_HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT);
    const data: WorkerData = { commands, replies, stats, options: this.options, tickIntervalMs: this.tickIntervalMs };
    this.worker = new Worker(new URL('../../workers/partition-worker.js', import.meta.url), { workerData: data });
    this.commands = new RingProducer(commands);
    this.replies = new RingConsumer(replies);
    this.startedMs = Date.now();
    this.lastError = undefined;
    this.alive = true;
    this.worker.on('message', (m: ControlReply | WorkerEvent) => this.onMessage(m));
    this.worker.on('error', (e) => {
      this.lastError = e;
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        if (generation === this.generation) this.alive = false;
        resolve();
        if (generation === this.generation && !this.stopping) void this.died(code);
      }),
    );
    void this.drainReplies(generation);
  }

  private onMessage(m: ControlReply | WorkerEvent): void {
    const events = this.owner.events;
    switch (m.type) {
      case 'log':
        events?.log(m.level, m.message);
        return;
      case 'dir-failed':
        events?.logDirFailed(m.logDir, m.code, m.message, m.partition);
        return;
      case 'files-removed':
        events?.filesRemoved(m.paths);
        return;
      case 'uncleanable':
        events?.uncleanable(m.slot, m.reason);
        return;
      default: {
        const pending = this.control.get(m.id);
        this.control.delete(m.id);
        pending?.resolve(m);
      }
    }
  }

  private async drainReplies(generation: number): Promise<void> {
    const replies = this.replies;
    const onReply = (b: Buffer): void => {
      const id = replyRequestId(b);
      const w = this.waiting.get(id);
      this.waiting.delete(id);
      // The reply is a view of the ring, valid only during this call: copy the little it holds.
      w?.settle(Buffer.from(b));
    };
    while (generation === this.generation && this.state !== 'stopped') {
      replies.drain(onReply);
      if (!replies.hasMessages()) await replies.waitForMessages(1000);
    }
  }

  /**
   * Sends one command and resolves with its decoded reply. While the worker restarts the
   * answer is NOT_LEADER_OR_FOLLOWER at once; a full ring queues the command (backlog).
   */
  request<C, R extends { errorCode: number }>(command: RingMessage<C>, body: C, reply: RingReply<R>, slot: number): Promise<R> {
    if (this.state !== 'running') return Promise.resolve(reply.failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, `partition worker ${this.index} is restarting`));
    const id = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId + 1) >>> 0 || 1;
    const bodyBytes = command.bodyBytes(body);
    const length = COMMAND_HEADER_BYTES + bodyBytes;
    // A lost append may have reached the log: its outcome is unknown. A lost read changed nothing.
    const sideEffects = command.op === Op.Append || command.op === Op.DeleteRecords || command.op === Op.Marker || command.op === Op.CoordinatorAppend || command.op === Op.ReplicaAppend || command.op === Op.Replica;
    return new Promise<R>((resolve) => {
      this.waiting.set(id, {
        settle: (b) => resolve(decodeReply(reply, b)),
        lost: () =>
          resolve(
            sideEffects
              ? reply.failed(ErrorCode.UNKNOWN_SERVER_ERROR, `partition worker ${this.index} died with this request in flight`)
              : reply.failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, `partition worker ${this.index} is restarting`),
          ),
      });
      const fill = (view: Buffer): void => void encodeCommand(command, view, id, slot, body, bodyBytes);
      const view = this.backlog.length === 0 ? this.commands.tryReserve(length) : null;
      if (view) {
        fill(view);
        this.commands.commit(length);
        return;
      }
      this.backlog.push({
        length,
        fill,
        unsent: () => {
          this.waiting.delete(id);
          resolve(reply.failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, `partition worker ${this.index} is restarting`));
        },
      });
      this.backlogBytes += length;
      this.owner.backlogChanged();
      void this.pumpBacklog();
    });
  }

  /** Moves backlogged commands into the ring as it frees room, in order. */
  private async pumpBacklog(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const generation = this.generation;
    try {
      while (this.backlog.length > 0 && generation === this.generation && this.state === 'running') {
        const next = this.backlog[0]!;
        const view = this.commands.tryReserve(next.length);
        if (!view) {
          await this.commands.waitForSpace(next.length, 1000);
          continue;
        }
        next.fill(view);
        this.commands.commit(next.length);
        this.backlog.shift();
        this.backlogBytes -= next.length;
      }
    } finally {
      this.pumping = false;
      this.owner.backlogChanged();
    }
    // This pump served a thread that died meanwhile: what the new one was sent while it was
    // still waiting here needs a pump of its own.
    if (generation !== this.generation && this.state === 'running' && this.backlog.length > 0) void this.pumpBacklog();
  }

  /** Bytes in the reply ring not yet drained, read from the ring's shared header (ring.ts: head − tail). */
  get replyRingUsedBytes(): number {
    return (Atomics.load(this.replyHeader, RingSlot.head) - Atomics.load(this.replyHeader, RingSlot.tail)) | 0;
  }

  controlCall(m: Omit<ControlMessage, 'id'> & { type: ControlMessage['type'] }): Promise<ControlReply> {
    if (this.state === 'stopped') return Promise.reject(new Error(`partition worker ${this.index} is stopped`));
    // Between its death and the next start() the thread is gone: a message posted to it is
    // neither delivered nor refused, so its answer would never come.
    if (!this.alive) return Promise.reject(new Error(`partition worker ${this.index} is restarting`));
    const id = this.nextControlId++;
    return new Promise((resolve, reject) => {
      this.control.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  /** Remembered for restarts, then sent. */
  async markDirOffline(logDir: string, reason: string): Promise<void> {
    this.offlineDirs.set(logDir, reason);
    if (this.state === 'running') await this.controlCall({ type: 'dir-offline', logDir, reason } as ControlMessage);
  }

  async recoverDir(logDir: string): Promise<PartitionSummary[]> {
    if (this.state !== 'running') throw new Error(`partition worker ${this.index} is restarting`);
    const r = await this.controlCall({ type: 'recover-dir', logDir } as ControlMessage);
    if (r.type === 'error') throw Object.assign(new Error(r.message), r.code ? { code: r.code } : {});
    if (r.type !== 'recovered') throw new Error(`unexpected answer ${r.type} to recover-dir`);
    this.offlineDirs.delete(logDir);
    return r.summaries;
  }

  /** The worker died: answer what it held, then start a new one and reopen its partitions. */
  private async died(exitCode: number): Promise<void> {
    const cause = this.lastError ?? new Error(`partition worker ${this.index} exited with code ${exitCode}`);
    this.state = 'restarting';
    this.restarts++;
    this.owner.events?.workerRestarted(this.index, cause);
    for (const w of [...this.waiting.values()]) w.lost();
    this.waiting.clear();
    for (const b of this.backlog.splice(0)) b.unsent();
    this.backlogBytes = 0;
    this.owner.backlogChanged();
    for (const c of this.control.values()) c.reject(new Error(`partition worker ${this.index} died`));
    this.control.clear();
    if (Date.now() - this.startedMs > RESTART_STABLE_MS) this.restartDelayMs = RESTART_BACKOFF_MS;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(RESTART_BACKOFF_MAX_MS, this.restartDelayMs * 2);
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
    if (this.stopping) return;
    this.start();
    try {
      for (const [logDir, reason] of this.offlineDirs) await this.controlCall({ type: 'dir-offline', logDir, reason } as ControlMessage);
      const summaries: PartitionSummary[] = [];
      for (const p of this.partitions.values()) {
        const r = await this.controlCall({ type: 'open', partition: p } as ControlMessage);
        if (r.type === 'opened') summaries.push(r.summary);
        else if (r.type === 'error') this.owner.events?.log('ERROR', `reopening ${p.topic}-${p.partition} after a worker restart: ${r.message}`);
      }
      this.state = 'running';
      this.owner.events?.reopened(summaries);
      this.wakeRestartWaiters();
      // Commands queued while it restarted wait for room in the new ring.
      if (this.backlog.length > 0) void this.pumpBacklog();
    } catch (e) {
      // It died again while reopening: its own exit handler restarts it (with a longer wait).
      this.owner.events?.log('ERROR', `restarting partition worker ${this.index}: ${(e as Error).message}`);
    }
  }

  /** Resolves once the worker runs (at once when it does): a restart reopens its partitions first. */
  untilRunning(): Promise<void> {
    if (this.state !== 'restarting') return Promise.resolve();
    return new Promise((resolve) => this.restartWaiters.push(resolve));
  }

  private wakeRestartWaiters(): void {
    for (const wake of this.restartWaiters.splice(0)) wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeRestartWaiters();
    if (this.state === 'running') {
      const done = this.controlCall({ type: 'shutdown' } as ControlMessage).catch(() => undefined);
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), WORKER_SHUTDOWN_TIMEOUT_MS).unref());
      if ((await Promise.race([done, timeout])) === 'timeout') {
        this.owner.events?.log('ERROR', `partition worker ${this.index} did not close its logs within ${WORKER_SHUTDOWN_TIMEOUT_MS} ms; terminating it`);
      }
    }
    this.state = 'stopped';
    this.generation++;
    await this.worker.terminate();
    await this.exited;
  }

  /** Tests: kills the thread as a crash would. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

export class WorkerHost implements PartitionHost {
  readonly workerCount: number;
  events: HostEvents | undefined;
  private readonly workers: PartitionWorker[];
  private nextSlot = 1;
  private readonly maxRecordsBytes: number;
  private wasBacklogged = false;

  constructor(workerCount: number, options: WorkerOptions, tickIntervalMs: number) {
    if (workerCount < 1) throw new RangeError('a WorkerHost needs at least one worker');
    this.workerCount = workerCount;
    this.workers = Array.from({ length: workerCount }, (_, i) => new PartitionWorker(i, this, options, tickIntervalMs));
    this.maxRecordsBytes = this.workers[0]!.commands.maxMessageBytes - COMMAND_HEADER_BYTES;
  }

  private workerOf(handle: PartitionHandle | number): PartitionWorker {
    const slot = typeof handle === 'number' ? handle : handle.slot;
    return this.workers[slot % this.workerCount]!;
  }

  get backlogged(): boolean {
    return this.workers.some((w) => w.backlogBytes > 0);
  }

  /** Called by a worker when its backlog fills or empties; tells the broker on a change. */
  backlogChanged(): void {
    const now = this.backlogged;
    if (now === this.wasBacklogged) return;
    this.wasBacklogged = now;
    this.events?.backlogChanged(now);
  }

  async open(request: OpenRequest): Promise<{ handle: PartitionHandle; summary: PartitionSummary }> {
    const slot = this.nextSlot++;
    const handle = { slot, topic: request.topic, partition: request.partition };
    const w = this.workerOf(handle);
    const partition: OpenPartition = { slot, ...request };
    // Opened after a restart has reopened the others, never into the thread that died.
    await w.untilRunning();
    const r = await w.controlCall({ type: 'open', partition } as ControlMessage);
    if (r.type === 'error') throw Object.assign(new Error(`opening ${request.topic}-${request.partition}: ${r.message}`), r.code ? { code: r.code, syscall: 'open' } : {});
    if (r.type !== 'opened') throw new Error(`unexpected answer ${r.type} to open`);
    w.partitions.set(slot, partition);
    return { handle, summary: r.summary };
  }

  async close(handle: PartitionHandle, remove: boolean): Promise<void> {
    const w = this.workerOf(handle);
    w.partitions.delete(handle.slot);
    if (w.state !== 'running') return;
    const r = await w.controlCall({ type: 'close', slot: handle.slot, remove } as ControlMessage).catch((e: Error) => ({ type: 'error', message: e.message }) as const);
    if (r.type === 'error') throw new Error(r.message);
  }

  async setConfig(handle: PartitionHandle, config: LogConfig): Promise<void> {
    const w = this.workerOf(handle);
    const p = w.partitions.get(handle.slot);
    if (p) w.partitions.set(handle.slot, { ...p, config });
    if (w.state === 'running') await w.controlCall({ type: 'config', slot: handle.slot, config } as ControlMessage).catch(() => undefined);
  }

  async append(handle: PartitionHandle, records: Buffer, origin: AppendOrigin = 'client'): Promise<AppendResult> {
    if (records.length > this.maxRecordsBytes) {
      return AppendReply.failed(ErrorCode.RECORD_LIST_TOO_LARGE, `${records.length} bytes of records is more than the ${this.maxRecordsBytes} one request may carry to a partition`);
    }
    if (origin === 'coordinator') return this.workerOf(handle).request(CoordinatorAppendCommand, { records }, CoordinatorAppendReply, handle.slot);
    return this.workerOf(handle).request(AppendCommand, { records }, AppendReply, handle.slot);
  }

  appendMarker(handle: PartitionHandle, marker: TxnMarker): Promise<AppendResult> {
    return this.workerOf(handle).request(MarkerCommand, marker, MarkerReply, handle.slot);
  }

  read(handle: PartitionHandle, offset: number, maxBytes: number, isolation: FetchIsolation = FetchIsolation.HighWatermark): Promise<ReadResult> {
    return this.workerOf(handle).request(ReadCommand, { offset, maxBytes, isolation }, ReadReply, handle.slot);
  }

  appendAsFollower(handle: PartitionHandle, records: Buffer): Promise<AppendResult> {
    if (records.length > this.maxRecordsBytes) {
      return Promise.resolve(AppendReply.failed(ErrorCode.RECORD_LIST_TOO_LARGE, `${records.length} bytes of records is more than the ${this.maxRecordsBytes} one command may carry`));
    }
    return this.workerOf(handle).request(ReplicaAppendCommand, { records }, ReplicaAppendReply, handle.slot);
  }

  replica(handle: PartitionHandle, kind: ReplicaOp, value = 0): Promise<ReplicaResult> {
    return this.workerOf(handle).request(ReplicaCommand, { kind, value }, ReplicaReply, handle.slot);
  }

  listOffset(handle: PartitionHandle, timestamp: number, readCommitted = false): Promise<ListOffsetResult> {
    return this.workerOf(handle).request(ListOffsetCommand, { timestamp, readCommitted }, ListOffsetReply, handle.slot);
  }

  deleteRecords(handle: PartitionHandle, offset: number): Promise<DeleteRecordsResult> {
    return this.workerOf(handle).request(DeleteRecordsCommand, { offset }, DeleteRecordsReply, handle.slot);
  }

  /**
   * Metrics. Busy time and ring occupancy come from shared memory, with no round trip, so they
   * are there even while a worker is too busy to answer; the logs' sizes and offsets are a
   * 'stats' control message to each running worker.
   */
  async stats(options: { logs: boolean }): Promise<HostStats> {
    const workers = this.workers.map((w, worker) => ({
      worker,
      partitions: w.partitions.size,
      busyMs: Number(Atomics.load(w.counters, WorkerStatsSlot.busyMicros)) / 1000,
      commandRingUsedBytes: w.commands.usedBytes,
      commandRingCapacityBytes: w.commands.capacityBytes,
      replyRingUsedBytes: w.replyRingUsedBytes,
      replyRingCapacityBytes: REPLY_RING_BYTES,
      backlogBytes: w.backlogBytes,
      restarts: w.restarts,
    }));
    const logs: LogStats[] = [];
    if (options.logs) {
      const answers = await Promise.all(this.workers.filter((w) => w.state === 'running').map((w) => w.controlCall({ type: 'stats' } as ControlMessage).catch(() => undefined)));
      for (const r of answers) if (r?.type === 'stats') logs.push(...r.logs);
    }
    return { workers, logs };
  }

  /** A control message rather than a ring op: rare, and its answer has no fixed size (messages.ts). */
  async describeProducers(handle: PartitionHandle): Promise<DescribeProducersResult> {
    const w = this.workerOf(handle);
    if (w.state !== 'running') return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, producers: [] };
    const r = await w.controlCall({ type: 'producers', slot: handle.slot } as ControlMessage).catch(() => undefined);
    if (r?.type === 'producers') return { errorCode: r.errorCode, producers: r.producers };
    return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, producers: [] };
  }

  async markDirOffline(logDir: string, reason: string): Promise<void> {
    await Promise.all(this.workers.map((w) => w.markDirOffline(logDir, reason).catch(() => undefined)));
  }

  /** The probe runs on one running worker, through its file system seam. */
  async probeDir(logDir: string): Promise<void> {
    const w = this.workers.find((x) => x.state === 'running');
    if (!w) throw new Error('no partition worker is running');
    const r = await w.controlCall({ type: 'probe-dir', logDir } as ControlMessage);
    if (r.type === 'error') throw Object.assign(new Error(r.message), r.code ? { code: r.code } : {});
  }

  async recoverDir(logDir: string): Promise<PartitionSummary[]> {
    const all = await Promise.all(this.workers.map((w) => w.recoverDir(logDir)));
    return all.flat();
  }

  async injectFaults(rules: FaultRule[]): Promise<void> {
    await Promise.all(this.workers.filter((w) => w.state === 'running').map((w) => w.controlCall({ type: 'faults', rules } as ControlMessage)));
  }

  /** Tests: kills worker `index` as a crash would; it is restarted like any dead worker. */
  terminateWorker(index: number): Promise<void> {
    return this.workers[index]!.terminate();
  }

  workerState(index: number): 'running' | 'restarting' | 'stopped' {
    return this.workers[index]!.state;
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
