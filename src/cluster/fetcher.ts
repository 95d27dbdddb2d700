/**
 * Replica fetchers: a follower's pull of its leaders' logs (Kafka's ReplicaFetcherThread), one
 * fetcher per leader broker, each with one connection and one request in flight.
 *
 * Each partition a fetcher serves is first *truncating*: the follower asks the leader where its
 * own latest leader epoch ends in the leader's log (OffsetForLeaderEpoch, KIP-101/279) and cuts
 * its log there, so that nothing the leader lacks survives (a follower that was leader once may
 * hold records the new leader never got). When the leader no longer knows that epoch it answers
 * the largest epoch below it, and the follower cuts at the lower of the two logs' ends for that
 * epoch. A follower without an epoch cache entry (an empty log) has nothing to cut.
 *
 * Then the partition is *fetching*: Fetch requests as a replica (replica id and broker epoch,
 * Kafka's ReplicaState from Fetch v15), read to the leader's log end, each answer's batches
 * appended as they are through the partition worker (PartitionHost.appendAsFollower), and the
 * leader's high watermark taken (at most the follower's own log end). OFFSET_OUT_OF_RANGE below
 * the leader's log start starts the follower's log again at it; above the leader's end, the
 * partition truncates again. A partition whose leader refuses it (NOT_LEADER_OR_FOLLOWER, a
 * fenced or unknown epoch) waits replica.fetch.backoff.ms and tries again, until the
 * controller's next LeaderAndIsr says otherwise.
 *
 * Bounds: one request in flight per leader, at most replica.fetch.response.max.bytes in its
 * answer and replica.fetch.max.bytes per partition, so a follower holds at most one answer per
 * leader broker.
 *
 * Main thread.
 */
import { Connection, type ClientSecurity } from '../client/connection.js';
import type { Broker } from '../broker/broker.js';
import type { Logger } from '../core/logger.js';
import { ErrorCode } from '../protocol/errors.js';
import { Fetch, OffsetForLeaderEpoch } from '../protocol/messages/index.js';
import { ReplicaOp } from '../workers/messages.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
import type { MetadataCache } from './metadata-cache.js';
import type { Replica, ReplicaManager } from './replica-manager.js';

interface Fetched {
  replica: Replica;
  phase: 'truncating' | 'fetching';
  /** No fetch before this time (a refusal's backoff). */
  delayedUntil: number;
}

export interface FetcherOptions {
  brokerId: number;
  brokerEpoch: () => number;
  /** The listener whose endpoints followers connect to (inter.broker.listener.name). */
  listener: string;
  security?: ClientSecurity;
  logger: Logger;
}

export class ReplicaFetchers {
  private readonly fetchers = new Map<number, LeaderFetcher>();
  private readonly broker: Broker;
  private readonly metadata: MetadataCache;
  private readonly options: FetcherOptions;
  replicaManager: ReplicaManager | undefined;

  constructor(broker: Broker, metadata: MetadataCache, options: FetcherOptions) {
    this.broker = broker;
    this.metadata = metadata;
    this.options = options;
  }

  follow(replica: Replica, leaderId: number): void {
    this.unfollow(replica);
    let f = this.fetchers.get(leaderId);
    if (!f) {
      f = new LeaderFetcher(leaderId, this.broker, this.metadata, this.options, () => this.replicaManager!);
      this.fetchers.set(leaderId, f);
    }
    f.add(replica);
  }

  unfollow(replica: Replica): void {
    for (const [id, f] of this.fetchers) {
      if (f.remove(replica) && f.size === 0) {
        f.stop();
        this.fetchers.delete(id);
      }
    }
  }

  /** Partitions being fetched, for metrics: their lag behind the leader's high watermark. */
  get partitionCount(): number {
    let n = 0;
    for (const f of this.fetchers.values()) n += f.size;
    return n;
  }

  stop(): void {
    for (const f of this.fetchers.values()) f.stop();
    this.fetchers.clear();
  }
}

class LeaderFetcher {
  private readonly partitions = new Map<Replica, Fetched>();
  private connection: Connection | undefined;
  private stopped = false;
  private running = false;
  private readonly leaderId: number;
  private readonly broker: Broker;
  private readonly metadata: MetadataCache;
  private readonly options: FetcherOptions;
  private readonly manager: () => ReplicaManager;
  private wakeIdle: (() => void) | undefined;

  constructor(leaderId: number, broker: Broker, metadata: MetadataCache, options: FetcherOptions, manager: () => ReplicaManager) {
    this.leaderId = leaderId;
    this.broker = broker;
    this.metadata = metadata;
    this.options = options;
    this.manager = manager;
  }

  get size(): number {
    return this.partitions.size;
  }

  add(replica: Replica): void {
    this.partitions.set(replica, { replica, phase: 'truncating', delayedUntil: 0 });
    this.wakeIdle?.();
    if (!this.running) void this.run();
  }

  remove(replica: Replica): boolean {
    return this.partitions.delete(replica);
  }

  stop(): void {
    this.stopped = true;
    this.connection?.close();
    this.wakeIdle?.();
  }

  private get backoffMs(): number {
    return this.broker.config.values['replica.fetch.backoff.ms'] as number;
  }

  private async connect(): Promise<Connection> {
    if (this.connection && !this.connection.closed) return this.connection;
    const endpoint = this.metadata.endpoint(this.leaderId, this.options.listener) ?? this.metadata.broker(this.leaderId)?.endpoints[0];
    if (!endpoint) throw new Error(`broker ${this.leaderId} is not in the metadata`);
    this.connection = await Connection.open({
      host: endpoint.host,
      port: endpoint.port,
      clientId: `broker-${this.options.brokerId}-fetcher-${this.leaderId}`,
      requestTimeoutMs: this.broker.config.values['replica.socket.timeout.ms'] as number,
      ...(this.options.security ? { security: this.options.security } : {}),
    });
    return this.connection;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped && this.partitions.size > 0) {
        try {
          const conn = await this.connect();
          await this.truncate(conn);
          const fetched = await this.fetchOnce(conn);
          if (!fetched) await this.idle(Math.min(this.backoffMs, 100));
        } catch (e) {
          if (this.stopped) break;
          this.options.logger.warn(`fetcher for broker ${this.leaderId}: ${(e as Error).message ?? e}; retrying in ${this.backoffMs} ms`);
          this.connection?.close();
          this.connection = undefined;
          await this.idle(this.backoffMs);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        if (self.wakeIdle === done) self.wakeIdle = undefined;
        resolve();
      }
      this.wakeIdle = done;
    });
  }

  /** OffsetForLeaderEpoch for the partitions still truncating, and the cut each answer calls for. */
  private async truncate(conn: Connection): Promise<void> {
    const now = Date.now();
    const due = [...this.partitions.values()].filter((f) => f.phase === 'truncating' && f.delayedUntil <= now);
    if (due.length === 0) return;
    const host = this.broker.host;
    const local = await Promise.all(due.map((f) => host.replica(f.replica.state.handle, ReplicaOp.Describe)));
    const asks: { f: Fetched; latestEpoch: number }[] = [];
    for (let i = 0; i < due.length; i++) {
      const f = due[i]!;
      const d = local[i]!;
      if (d.errorCode !== ErrorCode.NONE) {
        f.delayedUntil = now + this.backoffMs;
        continue;
      }
      if (d.epoch < 0 || d.logEndOffset === d.logStartOffset) {
        // Nothing this replica could hold that the leader lacks.
        f.phase = 'fetching';
        continue;
      }
      asks.push({ f, latestEpoch: d.epoch });
    }
    if (asks.length === 0) return;
    const byTopic = new Map<string, { f: Fetched; latestEpoch: number }[]>();
    for (const a of asks) {
      const list = byTopic.get(a.f.replica.topic) ?? [];
      list.push(a);
      byTopic.set(a.f.replica.topic, list);
    }
    const response = await conn.request(OffsetForLeaderEpoch, {
      replicaId: this.options.brokerId,
      topics: [...byTopic].map(([topic, list]) => ({
        topic,
        partitions: list.map((a) => ({ partition: a.f.replica.partition, currentLeaderEpoch: a.f.replica.leaderEpoch, leaderEpoch: a.latestEpoch })),
      })),
    });
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const a = byTopic.get(t.topic)?.find((x) => x.f.replica.partition === p.partition);
        if (!a || !this.partitions.has(a.f.replica)) continue;
        const replica = a.f.replica;
        if (p.errorCode !== ErrorCode.NONE) {
          a.f.delayedUntil = Date.now() + this.backoffMs;
          continue;
        }
        let cut: number;
        if (p.leaderEpoch < 0 || p.endOffset < 0) {
          // The leader knows no epoch at or below ours: keep only what is committed.
          cut = replica.highWatermark;
        } else if (p.leaderEpoch === a.latestEpoch) {
          cut = p.endOffset;
        } else {
          // The leader's largest epoch below ours: where it ends in both logs, the lower.
          const mine = await host.replica(replica.state.handle, ReplicaOp.EpochEndOffset, p.leaderEpoch);
          cut = Math.min(p.endOffset, mine.endOffset >= 0 ? mine.endOffset : replica.highWatermark);
        }
        const done = await host.replica(replica.state.handle, ReplicaOp.TruncateTo, cut);
        if (done.errorCode !== ErrorCode.NONE) {
          a.f.delayedUntil = Date.now() + this.backoffMs;
          continue;
        }
        if (done.logEndOffset < replica.state.logEndOffset) this.options.logger.info(`${replica.topic}-${replica.partition}: truncated to ${done.logEndOffset} to follow broker ${this.leaderId} in epoch ${replica.leaderEpoch}`);
        replica.state.logEndOffset = done.logEndOffset;
        this.manager().followerProgress(replica, done.logStartOffset, done.logEndOffset, Math.min(replica.highWatermark, done.logEndOffset));
        a.f.phase = 'fetching';
      }
    }
  }

  /** One Fetch for every partition ready; false when none was (all truncating or backing off). */
  private async fetchOnce(conn: Connection): Promise<boolean> {
    const now = Date.now();
    const ready = [...this.partitions.values()].filter((f) => f.phase === 'fetching' && f.delayedUntil <= now);
    if (ready.length === 0) return false;
    const values = this.broker.config.values;
    const byTopic = new Map<string, Fetched[]>();
    for (const f of ready) {
      const list = byTopic.get(f.replica.topic) ?? [];
      list.push(f);
      byTopic.set(f.replica.topic, list);
    }
    const response = await conn.request(
      Fetch,
      {
        replicaId: this.options.brokerId,
        replicaState: { replicaId: this.options.brokerId, replicaEpoch: this.options.brokerEpoch() },
        maxWaitMs: values['replica.fetch.wait.max.ms'] as number,
        minBytes: values['replica.fetch.min.bytes'] as number,
        maxBytes: values['replica.fetch.response.max.bytes'] as number,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic].map(([topic, list]) => ({
          topic,
          topicId: list[0]!.replica.topicId,
          partitions: list.map((f) => ({
            partition: f.replica.partition,
            currentLeaderEpoch: f.replica.leaderEpoch,
            fetchOffset: f.replica.state.logEndOffset,
            lastFetchedEpoch: -1,
            logStartOffset: f.replica.state.logStartOffset,
            partitionMaxBytes: values['replica.fetch.max.bytes'] as number,
            replicaDirectoryId: ZERO_UUID,
          })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: (values['replica.fetch.wait.max.ms'] as number) + (values['replica.socket.timeout.ms'] as number) },
    );
    if (response.errorCode !== ErrorCode.NONE) throw new Error(`fetch refused: error ${response.errorCode}`);
    const host = this.broker.host;
    await Promise.all(
      response.responses.flatMap((t) =>
        t.partitions.map(async (p) => {
          const f = (byTopic.get(t.topic) ?? [...byTopic.values()].find((l) => l[0]!.replica.topicId === t.topicId))?.find((x) => x.replica.partition === p.partitionIndex);
          if (!f || !this.partitions.has(f.replica)) return;
          const replica = f.replica;
          if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
            if (p.logStartOffset >= 0 && replica.state.logEndOffset < p.logStartOffset) {
              const r = await host.replica(replica.state.handle, ReplicaOp.TruncateFully, p.logStartOffset);
              if (r.errorCode === ErrorCode.NONE) {
                replica.state.logEndOffset = r.logEndOffset;
                this.manager().followerProgress(replica, r.logStartOffset, r.logEndOffset, r.logEndOffset);
                this.options.logger.info(`${replica.topic}-${replica.partition}: behind the leader's log start; starting again at ${p.logStartOffset}`);
              }
            } else f.phase = 'truncating';
            return;
          }
          if (p.errorCode !== ErrorCode.NONE) {
            f.delayedUntil = Date.now() + this.backoffMs;
            return;
          }
          let logStart = replica.state.logStartOffset;
          let logEnd = replica.state.logEndOffset;
          if (p.records && p.records.length > 0) {
            const r = await host.appendAsFollower(replica.state.handle, p.records);
            if (r.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
              f.phase = 'truncating';
              return;
            }
            if (r.errorCode !== ErrorCode.NONE) {
              this.options.logger.warn(`${replica.topic}-${replica.partition}: appending the leader's batches failed (error ${r.errorCode}${r.errorMessage ? `: ${r.errorMessage}` : ''})`);
              f.delayedUntil = Date.now() + this.backoffMs;
              return;
            }
            logStart = Math.max(logStart, r.logStartOffset);
            logEnd = r.logEndOffset;
          }
          this.manager().followerProgress(replica, logStart, logEnd, p.highWatermark);
        }),
      ),
    );
    return true;
  }
}
