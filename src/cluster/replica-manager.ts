/**
 * ReplicaManager: this broker's replicas of replicated partitions (cluster mode), as Kafka's
 * ReplicaManager and Partition classes keep them.
 *
 * The controller says who leads what with LeaderAndIsr. A replica told it leads begins the new
 * leader epoch in its log (its appends carry it, and the epoch cache marks where it starts),
 * and from then on it tracks each follower's log end offset from the follower's own fetches:
 *
 *   high watermark = the lowest log end offset over the in-sync replicas (the leader's own
 *                    included, and a member the leader is adding while its AlterPartition is
 *                    in flight, Kafka's "maximal ISR")
 *
 * which is what consumers may read, and what acks=all waits for (`awaitCommit`). A follower
 * whose fetches reach the leader's log end stays caught up; one that has not been caught up
 * for replica.lag.time.max.ms leaves the ISR, and one that catches up to the high watermark
 * (in the current leader epoch) joins it again. Each ISR change is asked of the controller
 * with AlterPartition (KIP-497), one at a time per partition, and only the controller's answer
 * makes it the ISR: a leader fenced meanwhile (a newer leader epoch) is refused there.
 *
 * A replica told it follows hands the partition to the fetcher for its leader (fetcher.ts),
 * which first truncates the log to where it agrees with the leader's (OffsetForLeaderEpoch),
 * then fetches and appends the leader's batches, and takes the high watermark the leader
 * reports. A replica that stops leading answers every waiting acks=all produce with
 * NOT_LEADER_OR_FOLLOWER.
 *
 * Main thread.
 */
import type { Broker, PartitionState } from '../broker/broker.js';
import type { Logger } from '../core/logger.js';
import { ErrorCode } from '../protocol/errors.js';
import type { AlterPartition, LeaderAndIsr, StopReplica } from '../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../protocol/schema.js';
import { ReplicaOp } from '../workers/messages.js';
import type { MetadataCache } from './metadata-cache.js';

type LeaderAndIsrRequest = RequestOf<typeof LeaderAndIsr>;
type LeaderAndIsrResponse = ResponseOf<typeof LeaderAndIsr>;
type StopReplicaRequest = RequestOf<typeof StopReplica>;
type StopReplicaResponse = ResponseOf<typeof StopReplica>;
type AlterPartitionRequest = RequestOf<typeof AlterPartition>;
type AlterPartitionResponse = ResponseOf<typeof AlterPartition>;

/** acks=all produces waiting for the high watermark, per partition: past this they are refused at once (REQUEST_TIMED_OUT). */
export const MAX_WAITING_PRODUCES_PER_PARTITION = 10_000;

export interface FollowerState {
  /** The follower's log end offset, from its last fetch; -1 until it fetches from this leader. */
  logEndOffset: number;
  lastFetchTimeMs: number;
  /** The leader's log end offset at the follower's last fetch. */
  lastFetchLeaderLogEndOffset: number;
  /** When the follower last had everything the leader had (Kafka's lastCaughtUpTimeMs). */
  lastCaughtUpTimeMs: number;
}

interface CommitWaiter {
  offset: number;
  done: (errorCode: number) => void;
  timer: NodeJS.Timeout;
}

export class Replica {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly state: PartitionState;
  role: 'leader' | 'follower' = 'follower';
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  replicas: number[] = [];
  /** The ISR as the controller last confirmed it. */
  isr: number[] = [];
  /** The ISR asked for in an AlterPartition still unanswered. */
  pendingIsr: number[] | undefined;
  /** Where this leadership's epoch starts in the log (followers joining the ISR must have reached it). */
  epochStartOffset = 0;
  highWatermark = 0;
  readonly followers = new Map<number, FollowerState>();
  readonly waiters: CommitWaiter[] = [];
  /** The HighWatermark command in flight, so updates go out one after another and in order. */
  hwSending: Promise<void> = Promise.resolve();

  constructor(topic: string, partition: number, topicId: string, state: PartitionState) {
    this.topic = topic;
    this.partition = partition;
    this.topicId = topicId;
    this.state = state;
  }

  /** The ISR the high watermark must wait for: the confirmed one and whoever is being added. */
  get maximalIsr(): number[] {
    if (!this.pendingIsr) return this.isr;
    return [...new Set([...this.isr, ...this.pendingIsr])];
  }
}

export interface ReplicaManagerOptions {
  brokerId: number;
  /** This broker's registration epoch (the czxid of its /brokers/ids znode). */
  brokerEpoch: () => number;
  metadata: MetadataCache;
  logger: Logger;
  /** Sends AlterPartition to the controller. */
  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionResponse>;
  /** The fetchers: start and stop following partitions. */
  follow(replica: Replica, leaderId: number): void;
  unfollow(replica: Replica): void;
  /** Topic configs from ZooKeeper, for a topic's first replica here. */
  topicConfigs(topic: string): Promise<Record<string, string>>;
  /** This broker began (true) or stopped (false) leading the replica's partition: coordinators load or drop what it holds. */
  leadershipChanged?(replica: Replica, leader: boolean): void;
  now?: () => number;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class ReplicaManager {
  private readonly broker: Broker;
  private readonly options: ReplicaManagerOptions;
  private readonly now: () => number;
  private readonly replicas = new Map<string, Replica>();
  private readonly timer: NodeJS.Timeout;
  /** Counters for /metrics: ISR shrinks and expansions asked and confirmed. */
  readonly counters = { isrShrinks: 0, isrExpands: 0, failedIsrUpdates: 0 };

  constructor(broker: Broker, options: ReplicaManagerOptions) {
    this.broker = broker;
    this.options = options;
    this.now = options.now ?? Date.now;
    const lagMs = broker.config.values['replica.lag.time.max.ms'] as number;
    // Kafka checks every half of replica.lag.time.max.ms.
    this.timer = setInterval(() => this.maybeShrinkIsrs(), Math.max(100, Math.floor(lagMs / 2)));
    this.timer.unref();
  }

  get(topic: string, partition: number): Replica | undefined {
    return this.replicas.get(keyOf(topic, partition));
  }

  all(): Replica[] {
    return [...this.replicas.values()];
  }

  /** Partitions this broker leads. */
  get leaderCount(): number {
    let n = 0;
    for (const r of this.replicas.values()) if (r.role === 'leader') n++;
    return n;
  }

  // ───────────────────────────── the controller's requests ─────────────────────────────

  /** LeaderAndIsr: become leader or follower of each partition whose leader epoch is newer than ours. */
  async leaderAndIsr(request: LeaderAndIsrRequest): Promise<LeaderAndIsrResponse> {
    const metadata = this.options.metadata;
    const topics = (request.topicStates ?? []).map((t) => ({ name: t.topicName, topicId: t.topicId, states: t.partitionStates }));
    for (const p of request.ungroupedPartitionStates ?? []) topics.push({ name: p.topicName, topicId: ZERO_UUID, states: [p] });
    const answer = (errorCode: number): LeaderAndIsrResponse => ({
      errorCode,
      partitionErrors: topics.flatMap((t) => t.states.map((p) => ({ topicName: t.name, partitionIndex: p.partitionIndex, errorCode }))),
      topics: topics.map((t) => ({ topicId: t.topicId, partitionErrors: t.states.map((p) => ({ topicName: t.name, partitionIndex: p.partitionIndex, errorCode })) })),
    });
    if (request.controllerEpoch < metadata.controllerEpoch) return answer(ErrorCode.STALE_CONTROLLER_EPOCH);
    if (request.brokerEpoch !== -1 && request.brokerEpoch < this.options.brokerEpoch()) return answer(ErrorCode.STALE_BROKER_EPOCH);
    metadata.controllerEpoch = request.controllerEpoch;
    metadata.controllerId = request.controllerId;
    const errors = new Map<string, number>();
    await Promise.all(
      topics.flatMap((t) =>
        t.states.map(async (p) => {
          const code = await this.applyPartitionState(t.name, t.topicId, p).catch((e: unknown) => {
            this.options.logger.error(`LeaderAndIsr for ${t.name}-${p.partitionIndex}: ${(e as Error).message ?? e}`);
            return ErrorCode.KAFKA_STORAGE_ERROR;
          });
          errors.set(keyOf(t.name, p.partitionIndex), code);
        }),
      ),
    );
    const codeOf = (t: string, p: number) => errors.get(keyOf(t, p)) ?? ErrorCode.NONE;
    return {
      errorCode: ErrorCode.NONE,
      partitionErrors: topics.flatMap((t) => t.states.map((p) => ({ topicName: t.name, partitionIndex: p.partitionIndex, errorCode: codeOf(t.name, p.partitionIndex) }))),
      topics: topics.map((t) => ({ topicId: t.topicId, partitionErrors: t.states.map((p) => ({ topicName: t.name, partitionIndex: p.partitionIndex, errorCode: codeOf(t.name, p.partitionIndex) })) })),
    };
  }

  private async applyPartitionState(topic: string, topicId: string, p: LeaderAndIsrRequest['topicStates'][number]['partitionStates'][number]): Promise<number> {
    const me = this.options.brokerId;
    if (!p.replicas.includes(me)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    let replica = this.get(topic, p.partitionIndex);
    if (replica && p.leaderEpoch < replica.leaderEpoch) return ErrorCode.STALE_CONTROLLER_EPOCH;
    if (replica && p.leaderEpoch === replica.leaderEpoch && p.partitionEpoch <= replica.partitionEpoch) return ErrorCode.NONE;
    if (!replica) {
      const configs = await this.options.topicConfigs(topic);
      const state = await this.broker.openReplica(topic, topicId, p.partitionIndex, configs);
      replica = this.get(topic, p.partitionIndex) ?? new Replica(topic, p.partitionIndex, topicId, state);
      this.replicas.set(keyOf(topic, p.partitionIndex), replica);
      const described = await this.broker.host.replica(state.handle, ReplicaOp.Describe);
      if (described.errorCode !== ErrorCode.NONE) return described.errorCode;
      replica.highWatermark = described.highWatermark;
      this.broker.noteOffsets(state, described.logStartOffset, described.logEndOffset);
    }
    const newEpoch = p.leaderEpoch !== replica.leaderEpoch;
    replica.replicas = [...p.replicas];
    replica.isr = [...p.isr];
    replica.pendingIsr = undefined;
    replica.partitionEpoch = p.partitionEpoch;
    replica.leaderId = p.leader;
    replica.leaderEpoch = p.leaderEpoch;
    if (p.leader === me) {
      if (replica.role === 'follower') this.options.unfollow(replica);
      const begun = await this.broker.host.replica(replica.state.handle, ReplicaOp.BeginLeaderEpoch, p.leaderEpoch);
      if (begun.errorCode !== ErrorCode.NONE) return begun.errorCode;
      const wasLeader = replica.role === 'leader';
      replica.role = 'leader';
      if (!wasLeader) this.options.leadershipChanged?.(replica, true);
      if (newEpoch) {
        // Kafka's makeLeader: followers start unknown, and those in the ISR count as caught up
        // now so that they are not dropped before their first fetch.
        replica.epochStartOffset = begun.logEndOffset;
        replica.followers.clear();
        const now = this.now();
        for (const id of p.replicas) {
          if (id !== me) replica.followers.set(id, { logEndOffset: -1, lastFetchTimeMs: 0, lastFetchLeaderLogEndOffset: -1, lastCaughtUpTimeMs: p.isr.includes(id) ? now : 0 });
        }
      }
      this.maybeAdvanceHighWatermark(replica);
    } else {
      const wasLeader = replica.role === 'leader';
      replica.role = 'follower';
      replica.followers.clear();
      if (wasLeader || newEpoch) this.failWaiters(replica, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      if (wasLeader) this.options.leadershipChanged?.(replica, false);
      if (p.leader >= 0) this.options.follow(replica, p.leader);
      else this.options.unfollow(replica);
    }
    return ErrorCode.NONE;
  }

  /** StopReplica: stop fetching the partitions, and with deletePartition remove their logs. */
  async stopReplica(request: StopReplicaRequest): Promise<StopReplicaResponse> {
    const metadata = this.options.metadata;
    const wanted: { topic: string; partition: number; remove: boolean }[] = [];
    for (const p of request.ungroupedPartitions ?? []) wanted.push({ topic: p.topicName, partition: p.partitionIndex, remove: request.deletePartitions });
    for (const t of request.topics ?? []) for (const partition of t.partitionIndexes) wanted.push({ topic: t.name, partition, remove: request.deletePartitions });
    for (const t of request.topicStates ?? []) for (const p of t.partitionStates) wanted.push({ topic: t.topicName, partition: p.partitionIndex, remove: p.deletePartition });
    if (request.controllerEpoch < metadata.controllerEpoch) {
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitionErrors: wanted.map((w) => ({ topicName: w.topic, partitionIndex: w.partition, errorCode: ErrorCode.STALE_CONTROLLER_EPOCH })) };
    }
    const partitionErrors = await Promise.all(
      wanted.map(async (w) => {
        const replica = this.get(w.topic, w.partition);
        if (replica) {
          this.options.unfollow(replica);
          this.failWaiters(replica, ErrorCode.NOT_LEADER_OR_FOLLOWER);
          if (replica.role === 'leader') this.options.leadershipChanged?.(replica, false);
          replica.role = 'follower';
          replica.leaderId = -1;
        }
        if (w.remove) {
          this.replicas.delete(keyOf(w.topic, w.partition));
          try {
            await this.broker.closeReplica(w.topic, w.partition, true);
          } catch (e) {
            this.options.logger.error(`StopReplica: removing ${w.topic}-${w.partition}: ${(e as Error).message ?? e}`);
            return { topicName: w.topic, partitionIndex: w.partition, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
          }
        }
        return { topicName: w.topic, partitionIndex: w.partition, errorCode: ErrorCode.NONE };
      }),
    );
    return { errorCode: ErrorCode.NONE, partitionErrors };
  }

  // ───────────────────────────── the leader's side ─────────────────────────────

  /**
   * A follower fetched from `fetchOffset`: that is its log end offset. Updates its caught-up
   * time, may add it to the ISR, and may advance the high watermark. `leaderLogEndOffset` is
   * this log's end when the fetch was read.
   */
  followerFetched(replica: Replica, followerId: number, fetchOffset: number, leaderLogEndOffset: number): void {
    if (replica.role !== 'leader') return;
    const f = replica.followers.get(followerId);
    if (!f) return;
    const now = this.now();
    if (fetchOffset >= leaderLogEndOffset) f.lastCaughtUpTimeMs = now;
    else if (fetchOffset >= f.lastFetchLeaderLogEndOffset && f.lastFetchLeaderLogEndOffset >= 0) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
    f.logEndOffset = fetchOffset;
    f.lastFetchTimeMs = now;
    f.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
    // Kafka's isFollowerInSync: caught up to the high watermark, within this leader's epoch.
    if (!replica.isr.includes(followerId) && !replica.pendingIsr && fetchOffset >= replica.highWatermark && fetchOffset >= replica.epochStartOffset) {
      this.askIsr(replica, [...replica.isr, followerId], 'expand');
    }
    this.maybeAdvanceHighWatermark(replica);
  }

  /** The leader's own log grew (an append): with no other ISR member the high watermark follows at once. */
  leaderAppended(replica: Replica): void {
    if (replica.role === 'leader') this.maybeAdvanceHighWatermark(replica);
  }

  /**
   * acks=all: resolves with NONE once the high watermark passes `lastOffset` with at least
   * min.insync.replicas in the ISR (NOT_ENOUGH_REPLICAS_AFTER_APPEND with fewer), or with
   * REQUEST_TIMED_OUT after `timeoutMs`, or NOT_LEADER_OR_FOLLOWER when leadership moves.
   */
  awaitCommit(replica: Replica, lastOffset: number, minIsr: number, timeoutMs: number): Promise<number> {
    const check = (): number | undefined => {
      if (replica.role !== 'leader') return ErrorCode.NOT_LEADER_OR_FOLLOWER;
      if (replica.highWatermark > lastOffset) return replica.maximalIsr.length < minIsr ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE;
      return undefined;
    };
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    if (replica.waiters.length >= MAX_WAITING_PRODUCES_PER_PARTITION) return Promise.resolve(ErrorCode.REQUEST_TIMED_OUT);
    return new Promise((resolve) => {
      const waiter: CommitWaiter = {
        offset: lastOffset,
        done: (code) => {
          clearTimeout(waiter.timer);
          const i = replica.waiters.indexOf(waiter);
          if (i >= 0) replica.waiters.splice(i, 1);
          resolve(code === ErrorCode.NONE && replica.maximalIsr.length < minIsr ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : code);
        },
        timer: setTimeout(() => waiter.done(ErrorCode.REQUEST_TIMED_OUT), Math.max(0, timeoutMs)),
      };
      replica.waiters.push(waiter);
    });
  }

  private failWaiters(replica: Replica, errorCode: number): void {
    for (const w of [...replica.waiters]) w.done(errorCode);
  }

  /** High watermark = the lowest log end offset of the maximal ISR; never backwards. */
  private maybeAdvanceHighWatermark(replica: Replica): void {
    if (replica.role !== 'leader') return;
    let hw = replica.state.logEndOffset;
    for (const id of replica.maximalIsr) {
      if (id === this.options.brokerId) continue;
      const f = replica.followers.get(id);
      // A member that has not fetched from this leader yet holds the high watermark where it is.
      hw = Math.min(hw, f && f.logEndOffset >= 0 ? f.logEndOffset : replica.highWatermark);
    }
    if (hw <= replica.highWatermark) return;
    this.setHighWatermark(replica, hw);
  }

  /** Records a new high watermark, tells the log (consumers' reads stop there), wakes fetches and acks=all produces. */
  setHighWatermark(replica: Replica, hw: number): void {
    replica.highWatermark = hw;
    const handle = replica.state.handle;
    replica.hwSending = replica.hwSending.then(async () => {
      await this.broker.host.replica(handle, ReplicaOp.HighWatermark, replica.highWatermark);
      if (replica.waiters.length > 0) for (const w of [...replica.waiters]) if (replica.highWatermark > w.offset) w.done(ErrorCode.NONE);
      for (const wake of [...replica.state.waiters]) wake();
    });
  }

  /** Every half replica.lag.time.max.ms: followers in the ISR not caught up for that long leave it. */
  private maybeShrinkIsrs(): void {
    const lagMs = this.broker.config.values['replica.lag.time.max.ms'] as number;
    const now = this.now();
    for (const replica of this.replicas.values()) {
      if (replica.role !== 'leader' || replica.pendingIsr) continue;
      const out = replica.isr.filter((id) => {
        if (id === this.options.brokerId) return false;
        const f = replica.followers.get(id);
        return !f || now - f.lastCaughtUpTimeMs > lagMs;
      });
      if (out.length === 0) continue;
      this.askIsr(replica, replica.isr.filter((id) => !out.includes(id)), 'shrink');
    }
  }

  /** AlterPartition for one partition; the answer, not the asking, changes the ISR. */
  private askIsr(replica: Replica, newIsr: number[], why: 'shrink' | 'expand'): void {
    replica.pendingIsr = newIsr;
    const request: AlterPartitionRequest = {
      brokerId: this.options.brokerId,
      brokerEpoch: this.options.brokerEpoch(),
      topics: [
        {
          topicName: replica.topic,
          topicId: replica.topicId,
          partitions: [
            {
              partitionIndex: replica.partition,
              leaderEpoch: replica.leaderEpoch,
              newIsr,
              newIsrWithEpochs: newIsr.map((brokerId) => ({ brokerId, brokerEpoch: -1 })),
              leaderRecoveryState: 0,
              partitionEpoch: replica.partitionEpoch,
            },
          ],
        },
      ],
    };
    const epochAsked = replica.leaderEpoch;
    this.options.alterPartition(request).then(
      (response) => {
        if (replica.pendingIsr !== newIsr) return;
        replica.pendingIsr = undefined;
        const p = response.topics[0]?.partitions[0];
        const code = response.errorCode || (p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
        if (code !== ErrorCode.NONE || !p) {
          this.counters.failedIsrUpdates++;
          this.options.logger.warn(`AlterPartition for ${replica.topic}-${replica.partition} (${why} to [${newIsr}]) refused: error ${code}`);
          return;
        }
        if (replica.leaderEpoch !== epochAsked || p.leaderEpoch !== replica.leaderEpoch) return;
        replica.isr = [...p.isr];
        replica.partitionEpoch = p.partitionEpoch;
        this.options.metadata.noteIsr(replica.topic, replica.partition, p.isr, p.partitionEpoch);
        if (why === 'shrink') this.counters.isrShrinks++;
        else this.counters.isrExpands++;
        this.options.logger.info(`${replica.topic}-${replica.partition}: ISR ${why === 'shrink' ? 'shrunk' : 'expanded'} to [${p.isr}] (partition epoch ${p.partitionEpoch})`);
        this.maybeAdvanceHighWatermark(replica);
        // A produce that waited on a member now gone may be done, or short of min.insync.replicas.
        if (replica.waiters.length > 0) for (const w of [...replica.waiters]) if (replica.highWatermark > w.offset) w.done(ErrorCode.NONE);
      },
      (e: unknown) => {
        if (replica.pendingIsr === newIsr) replica.pendingIsr = undefined;
        this.counters.failedIsrUpdates++;
        this.options.logger.warn(`AlterPartition for ${replica.topic}-${replica.partition} failed: ${(e as Error).message ?? e}`);
      },
    );
  }

  // ───────────────────────────── the follower's side ─────────────────────────────

  /** The fetcher appended (or truncated): the log's offsets, and the leader's high watermark to take. */
  followerProgress(replica: Replica, logStartOffset: number, logEndOffset: number, leaderHighWatermark: number): void {
    this.broker.noteOffsets(replica.state, logStartOffset, logEndOffset);
    const hw = Math.min(leaderHighWatermark, logEndOffset);
    if (hw !== replica.highWatermark && hw >= 0) this.setHighWatermark(replica, hw);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const r of this.replicas.values()) this.failWaiters(r, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
