/**
 * A consumer: fetches records from positions in partitions, either assigned by hand (`assign`)
 * or by a consumer group (`subscribe`, through group.ts), with long polls.
 *
 * Per partition it keeps a position (the offset of the next record to hand out) and a buffer of
 * fetched records not yet handed out. `poll()` hands out up to maxPollRecords from the buffers;
 * when they are empty it sends one Fetch per leader for every partition with an empty buffer
 * and waits for the answers (the broker holds each up to maxWaitMs when there is nothing).
 * Positions move only as records are handed out, so a commit covers exactly what the caller got.
 *
 *   partition state:  position ─┐
 *                     buffer [r(position) … r(k)]   nextFetchOffset = last batch's end + 1
 *
 * A batch may start before the fetch offset (a compressed batch is served whole): its records
 * below the position are dropped. Control batches (transaction markers) are skipped. An offset
 * out of range is reset by `autoOffsetReset`, as Kafka's `auto.offset.reset` does.
 *
 * In a group the consumer commits its positions every autoCommitIntervalMs, before a
 * rebalance, and on close, then leaves the group.
 *
 * Main thread (any single thread).
 */
import { ErrorCode } from '../protocol/errors.js';
import { Fetch } from '../protocol/messages/index.js';
import { Attr, batchPositions, decodeBatchDecompressing, readBatchHeader, type RecordHeader } from '../protocol/records/batch.js';
import { Admin } from './admin.js';
import { Client, RETRY_BACKOFF_MS, ZERO_UUID, sleep } from './client.js';
import { ClientError, ConnectionError, KafkaError } from './errors.js';
import { GroupMember, type GroupOptions } from './group.js';

/** Kafka's consumer defaults: fetch.max.wait.ms, fetch.min.bytes, fetch.max.bytes, max.partition.fetch.bytes, max.poll.records, auto.commit.interval.ms. */
export const DEFAULT_MAX_WAIT_MS = 500;
export const DEFAULT_MIN_BYTES = 1;
export const DEFAULT_MAX_BYTES = 52_428_800;
export const DEFAULT_MAX_PARTITION_BYTES = 1_048_576;
export const DEFAULT_MAX_POLL_RECORDS = 500;
export const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;

export type OffsetReset = 'earliest' | 'latest';

export interface ConsumerOptions {
  groupId?: string;
  /** Where to start without a committed offset, and after OFFSET_OUT_OF_RANGE. Default latest. */
  autoOffsetReset?: OffsetReset;
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  maxPartitionBytes?: number;
  maxPollRecords?: number;
  /** 0 read_uncommitted (default), 1 read_committed. */
  isolationLevel?: 0 | 1;
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  groupInstanceId?: string | null;
  log?: (message: string) => void;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export type StartOffset = number | OffsetReset;

interface PartitionState {
  topic: string;
  partition: number;
  /** Offset to fetch from once the buffer is empty; -1 until known. */
  nextFetchOffset: number;
  /** Set when the position must be looked up before fetching. */
  reset: StartOffset | undefined;
  buffer: ConsumedRecord[];
  bufferIndex: number;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class Consumer {
  readonly client: Client;
  readonly groupId: string | undefined;
  private readonly admin: Admin;
  private readonly options: Required<Pick<ConsumerOptions, 'autoOffsetReset' | 'maxWaitMs' | 'minBytes' | 'maxBytes' | 'maxPartitionBytes' | 'maxPollRecords' | 'isolationLevel' | 'autoCommit' | 'autoCommitIntervalMs'>>;
  private readonly groupOptions: Omit<GroupOptions, 'topics'> | undefined;
  private readonly log: (message: string) => void;
  private readonly states = new Map<string, PartitionState>();
  private member: GroupMember | undefined;
  private lastCommitMs = Date.now();
  /** Positions last committed, so an idle consumer does not commit the same ones again. */
  private committedPositions = new Map<string, number>();
  private closed = false;

  constructor(client: Client, options: ConsumerOptions = {}) {
    this.client = client;
    this.admin = new Admin(client);
    this.groupId = options.groupId;
    this.log = options.log ?? (() => {});
    this.options = {
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
      maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      minBytes: options.minBytes ?? DEFAULT_MIN_BYTES,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      maxPartitionBytes: options.maxPartitionBytes ?? DEFAULT_MAX_PARTITION_BYTES,
      maxPollRecords: options.maxPollRecords ?? DEFAULT_MAX_POLL_RECORDS,
      isolationLevel: options.isolationLevel ?? 0,
      autoCommit: options.autoCommit ?? true,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS,
    };
    if (options.groupId !== undefined) {
      const g: Omit<GroupOptions, 'topics'> = { groupId: options.groupId, log: this.log };
      if (options.sessionTimeoutMs !== undefined) g.sessionTimeoutMs = options.sessionTimeoutMs;
      if (options.rebalanceTimeoutMs !== undefined) g.rebalanceTimeoutMs = options.rebalanceTimeoutMs;
      if (options.heartbeatIntervalMs !== undefined) g.heartbeatIntervalMs = options.heartbeatIntervalMs;
      if (options.groupInstanceId !== undefined) g.groupInstanceId = options.groupInstanceId;
      this.groupOptions = g;
    }
  }

  /** Assigns partitions by hand, each from an offset, 'earliest' or 'latest' (default: autoOffsetReset). */
  async assign(partitions: { topic: string; partition: number; offset?: StartOffset }[]): Promise<void> {
    if (this.member) throw new ClientError('this consumer is subscribed to a group; it cannot also assign partitions');
    for (const p of partitions) {
      const t = await this.client.topic(p.topic);
      if (!t.partitions[p.partition]) throw new ClientError(`topic '${p.topic}' has no partition ${p.partition} (it has ${t.partitions.length})`);
      this.states.set(key(p.topic, p.partition), { topic: p.topic, partition: p.partition, nextFetchOffset: -1, reset: p.offset ?? this.options.autoOffsetReset, buffer: [], bufferIndex: 0 });
    }
  }

  /** Subscribes to topics as a member of the consumer's group; the first poll joins it. */
  async subscribe(topics: string[]): Promise<void> {
    if (!this.groupOptions) throw new ClientError('subscribing needs a group id');
    if (this.states.size > 0) throw new ClientError('this consumer has assigned partitions; it cannot also subscribe');
    for (const t of topics) await this.client.topic(t);
    this.member = new GroupMember(this.client, { ...this.groupOptions, topics });
  }

  /** The partitions consumed now, sorted. */
  assignment(): { topic: string; partition: number }[] {
    return [...this.states.values()].map((s) => ({ topic: s.topic, partition: s.partition })).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /** In a group: this member's id, its generation and the leader's member id. */
  membership(): { memberId: string; generationId: number; leaderId: string } | undefined {
    const m = this.member;
    return m && { memberId: m.memberId, generationId: m.generationId, leaderId: m.leaderId };
  }

  /** Each partition's position: the offset of the next record poll() hands out (-1 unknown yet). */
  positions(): { topic: string; partition: number; offset: number }[] {
    return [...this.states.values()].map((s) => ({ topic: s.topic, partition: s.partition, offset: this.position(s) }));
  }

  private position(s: PartitionState): number {
    return s.bufferIndex < s.buffer.length ? s.buffer[s.bufferIndex]!.offset : s.nextFetchOffset;
  }

  /** Moves a partition's position; 'earliest' and 'latest' are looked up at the next poll. */
  seek(topic: string, partition: number, offset: StartOffset): void {
    const s = this.states.get(key(topic, partition));
    if (!s) throw new ClientError(`${topic}-${partition} is not assigned to this consumer`);
    s.buffer = [];
    s.bufferIndex = 0;
    s.nextFetchOffset = -1;
    s.reset = offset;
  }

  /**
   * Up to `maxRecords` (at most maxPollRecords) records from the buffers, or from one round of
   * fetches when they are empty; an empty list when nothing arrived within maxWaitMs. In a group this also joins, rejoins after a
   * rebalance and commits on the auto-commit interval.
   */
  async poll(maxRecords = this.options.maxPollRecords): Promise<ConsumedRecord[]> {
    if (this.closed) throw new ClientError('the consumer is closed');
    if (this.member) {
      if (this.member.fatal) throw this.member.fatal;
      if (this.member.rejoinNeeded) await this.rejoin();
      if (this.options.autoCommit && Date.now() - this.lastCommitMs >= this.options.autoCommitIntervalMs) await this.commitQuietly();
    }
    await this.resolvePositions();
    const limit = Math.max(1, Math.min(maxRecords, this.options.maxPollRecords));
    let out = this.drainBuffers(limit);
    if (out.length > 0) return out;
    await this.fetchRound();
    out = this.drainBuffers(limit);
    return out;
  }

  /** Commits every partition's position to the group (a no-op outside a group). */
  async commit(): Promise<void> {
    if (!this.member || this.member.generationId < 0) return;
    const offsets = this.positions().filter((p) => p.offset >= 0 && this.committedPositions.get(key(p.topic, p.partition)) !== p.offset);
    this.lastCommitMs = Date.now();
    if (offsets.length === 0) return;
    await this.member.commit(offsets);
    for (const o of offsets) this.committedPositions.set(key(o.topic, o.partition), o.offset);
  }

  private async commitQuietly(): Promise<void> {
    try {
      await this.commit();
    } catch (e) {
      this.log(`commit to group '${this.groupId}' failed: ${(e as Error).message}`);
    }
  }

  /** Closes: commits (in a group, when auto-committing) and leaves the group. The client stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.member) {
      try {
        if (this.options.autoCommit) await this.commit();
      } finally {
        await this.member.leave().catch((e: Error) => this.log(`leaving group '${this.groupId}' failed: ${e.message}`));
      }
    }
  }

  private async rejoin(): Promise<void> {
    const member = this.member!;
    if (this.states.size > 0 && this.options.autoCommit) await this.commitQuietly();
    this.states.clear();
    this.committedPositions.clear();
    const assignment = await member.join();
    for (const tp of assignment) {
      for (const partition of tp.partitions) {
        this.states.set(key(tp.topic, partition), { topic: tp.topic, partition, nextFetchOffset: -1, reset: undefined, buffer: [], bufferIndex: 0 });
      }
    }
    // Start from the committed offsets; the others from autoOffsetReset.
    const committed = await member.committed(this.assignment());
    const by = new Map(committed.map((o) => [key(o.topic, o.partition), o.offset]));
    for (const s of this.states.values()) {
      const c = by.get(key(s.topic, s.partition));
      if (c !== undefined) {
        s.nextFetchOffset = c;
        this.committedPositions.set(key(s.topic, s.partition), c);
      } else {
        s.reset = this.options.autoOffsetReset;
      }
    }
    this.lastCommitMs = Date.now();
  }

  /** Looks up 'earliest' and 'latest' positions; numbers are taken as they are. */
  private async resolvePositions(): Promise<void> {
    const pending = [...this.states.values()].filter((s) => s.reset !== undefined);
    if (pending.length === 0) return;
    for (const s of pending) {
      if (typeof s.reset === 'number') {
        s.nextFetchOffset = s.reset;
        s.reset = undefined;
      }
    }
    for (const query of ['earliest', 'latest'] as const) {
      const list = pending.filter((s) => s.reset === query);
      if (list.length === 0) continue;
      const found = await this.admin.listOffsets(list, query);
      for (const f of found) {
        const s = this.states.get(key(f.topic, f.partition));
        if (s) {
          s.nextFetchOffset = f.offset;
          s.reset = undefined;
        }
      }
    }
  }

  private drainBuffers(limit: number): ConsumedRecord[] {
    const out: ConsumedRecord[] = [];
    for (const s of this.states.values()) {
      while (s.bufferIndex < s.buffer.length && out.length < limit) out.push(s.buffer[s.bufferIndex++]!);
      if (s.bufferIndex >= s.buffer.length && s.buffer.length > 0) {
        s.buffer = [];
        s.bufferIndex = 0;
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /** One Fetch per leader, for every partition with an empty buffer and a known position. */
  private async fetchRound(): Promise<void> {
    const byLeader = new Map<number, PartitionState[]>();
    let needMetadata = false;
    for (const s of this.states.values()) {
      if (s.nextFetchOffset < 0 || s.bufferIndex < s.buffer.length) continue;
      const t = this.client.topics.get(s.topic) ?? (await this.client.topic(s.topic));
      const p = t.partitions[s.partition];
      if (!p || p.leaderId < 0) {
        needMetadata = true;
        continue;
      }
      let list = byLeader.get(p.leaderId);
      if (!list) byLeader.set(p.leaderId, (list = []));
      list.push(s);
    }
    if (byLeader.size === 0) {
      if (needMetadata) await this.refreshAfterError();
      else await sleep(Math.min(this.options.maxWaitMs, 100));
      return;
    }
    const results = await Promise.allSettled([...byLeader].map(([leaderId, list]) => this.fetchFrom(leaderId, list)));
    for (const r of results) {
      if (r.status === 'rejected') {
        if (r.reason instanceof ConnectionError) {
          this.log(`fetch failed: ${r.reason.message}; retrying`);
          await this.refreshAfterError();
        } else {
          throw r.reason;
        }
      } else if (r.value) {
        await this.refreshAfterError();
      }
    }
  }

  private async refreshAfterError(): Promise<void> {
    await sleep(RETRY_BACKOFF_MS);
    const topics = [...new Set([...this.states.values()].map((s) => s.topic))];
    if (topics.length > 0) await this.client.refreshMetadata(topics);
  }

  /** Fetches for the partitions led by one broker; true when metadata needs refreshing. */
  private async fetchFrom(leaderId: number, list: PartitionState[]): Promise<boolean> {
    const c = await this.client.broker(leaderId);
    const byTopic = new Map<string, PartitionState[]>();
    for (const s of list) {
      let l = byTopic.get(s.topic);
      if (!l) byTopic.set(s.topic, (l = []));
      l.push(s);
    }
    const idToName = new Map<string, string>();
    const topics = [...byTopic].map(([topic, states]) => {
      const topicId = this.client.topics.get(topic)?.topicId ?? ZERO_UUID;
      idToName.set(topicId, topic);
      return {
        topic,
        topicId,
        partitions: states.map((s) => ({
          partition: s.partition,
          currentLeaderEpoch: -1,
          fetchOffset: s.nextFetchOffset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: this.options.maxPartitionBytes,
          replicaDirectoryId: ZERO_UUID,
        })),
      };
    });
    const r = await c.request(
      Fetch,
      {
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1 },
        maxWaitMs: this.options.maxWaitMs,
        minBytes: this.options.minBytes,
        maxBytes: this.options.maxBytes,
        isolationLevel: this.options.isolationLevel,
        sessionId: 0,
        sessionEpoch: -1,
        topics,
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: this.options.maxWaitMs + c.requestTimeoutMs },
    );
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, `fetch from broker ${leaderId}`);
    let refresh = false;
    for (const t of r.responses) {
      const topic = t.topic !== '' ? t.topic : (idToName.get(t.topicId) ?? '');
      for (const p of t.partitions) {
        const s = this.states.get(key(topic, p.partitionIndex));
        if (!s) continue;
        switch (p.errorCode) {
          case 0:
            this.accept(s, p.records);
            break;
          case ErrorCode.OFFSET_OUT_OF_RANGE:
            this.log(`${topic}-${p.partitionIndex}: offset ${s.nextFetchOffset} is out of range; resetting to ${this.options.autoOffsetReset}`);
            s.nextFetchOffset = -1;
            s.reset = this.options.autoOffsetReset;
            break;
          case ErrorCode.NOT_LEADER_OR_FOLLOWER:
          case ErrorCode.LEADER_NOT_AVAILABLE:
          case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
          case ErrorCode.UNKNOWN_TOPIC_ID:
          case ErrorCode.FENCED_LEADER_EPOCH:
          case ErrorCode.UNKNOWN_LEADER_EPOCH:
          case ErrorCode.OFFSET_NOT_AVAILABLE:
          case ErrorCode.KAFKA_STORAGE_ERROR:
          case ErrorCode.INCONSISTENT_TOPIC_ID:
            refresh = true;
            break;
          default:
            throw new KafkaError(p.errorCode, `${topic}-${p.partitionIndex}`);
        }
      }
    }
    return refresh;
  }

  /** Parses a partition's record data into its buffer and moves nextFetchOffset past it. */
  private accept(s: PartitionState, records: Buffer | null): void {
    if (!records || records.length === 0) return;
    const from = s.nextFetchOffset;
    for (const { at } of batchPositions(records)) {
      const header = readBatchHeader(records, at);
      const end = header.baseOffset + header.lastOffsetDelta + 1;
      if (end <= from) continue;
      if ((header.attributes & Attr.control) === 0) {
        const batch = decodeBatchDecompressing(records, at);
        const timestampType = (header.attributes & Attr.logAppendTime) !== 0 ? 'LogAppendTime' : 'CreateTime';
        for (const rec of batch.records) {
          if (rec.offset < from) continue;
          s.buffer.push({ topic: s.topic, partition: s.partition, offset: rec.offset, timestamp: rec.timestamp, timestampType, key: rec.key, value: rec.value, headers: rec.headers });
        }
      }
      s.nextFetchOffset = end;
    }
  }
}
