/**
 * Helpers for the group coordinator's unit tests: a scheduler whose time moves only when told,
 * an in-memory __consumer_offsets, consumer-protocol metadata, and a way to watch a parked
 * request's promise settle.
 */
import { type GroupCoordinatorConfig, GroupCoordinator, type JoinRequest, type LogRecord, type OffsetsLog } from '../../../src/broker/groups/coordinator.js';
import type { Scheduler } from '../../../src/broker/groups/deadline-queue.js';
import { Writer } from '../../../src/protocol/codec/writer.js';

/** Time stands still until advance(); due timers fire in time order, each at its own time. */
export class ManualScheduler implements Scheduler {
  time = 1_700_000_000_000;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();
  private nextId = 1;
  /** Host timers set so far: the queue should need few. */
  timersSet = 0;

  now(): number {
    return this.time;
  }

  setTimer(fire: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timersSet++;
    this.timers.set(id, { at: this.time + Math.max(0, delayMs), fire });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get armed(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fire: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fire();
    }
    this.time = end;
  }
}

/** __consumer_offsets in memory: every appended record, in order; a failure can be injected. */
export class MemoryLog implements OffsetsLog {
  readonly numPartitions: number;
  readonly records: (LogRecord & { partition: number })[] = [];
  /** Error code for the next append, then back to success. */
  failNext = 0;

  constructor(numPartitions = 50) {
    this.numPartitions = numPartitions;
  }

  async append(partition: number, records: LogRecord[]): Promise<number> {
    if (this.failNext) {
      const code = this.failNext;
      this.failNext = 0;
      return code;
    }
    for (const r of records) this.records.push({ partition, ...r });
    return 0;
  }
}

export const CONFIG: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  maxSize: 1_000,
  offsetMetadataMaxBytes: 4_096,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  newMemberJoinTimeoutMs: 300_000,
};

export function setup(config: Partial<GroupCoordinatorConfig> = {}, log = new MemoryLog()) {
  const clock = new ManualScheduler();
  const c = new GroupCoordinator({ ...CONFIG, ...config }, log, { scheduler: clock, partitionExists: (t) => !t.startsWith('missing') });
  c.finishLoading();
  return { c, clock, log };
}

/** Lets pending promise callbacks (appends, answers) run. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface Watched<T> {
  readonly settled: boolean;
  readonly value: T;
}

export function watch<T>(p: Promise<T>): Watched<T> {
  const w = { settled: false, value: undefined as T };
  void p.then((v) => {
    w.settled = true;
    w.value = v;
  });
  return w;
}

/** ConsumerProtocolSubscription v0: version, topics, user data (null). */
export function subscription(topics: string[], extra = ''): Buffer {
  const w = new Writer(64);
  w.int16(0);
  w.int32(topics.length);
  for (const t of topics) {
    w.int16(Buffer.byteLength(t));
    w.utf8(t, Buffer.byteLength(t));
  }
  if (extra) {
    w.int32(Buffer.byteLength(extra));
    w.utf8(extra, Buffer.byteLength(extra));
  } else w.int32(-1);
  return Buffer.from(w.finish());
}

export function joinRequest(groupId: string, over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: true,
    supportsSkippingAssignment: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 30_000,
    sessionTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    ...over,
  };
}
