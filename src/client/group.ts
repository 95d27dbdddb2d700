/**
 * Membership of one consumer group with the classic protocol (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup), protocol type "consumer", assignor "range", and the member's committed offsets
 * (OffsetCommit, OffsetFetch).
 *
 *   FindCoordinator ─▶ JoinGroup(memberId "") ─▶ MEMBER_ID_REQUIRED + id   (KIP-394)
 *                   ─▶ JoinGroup(memberId id) ─▶ generation, leader, members' subscriptions
 *   leader:           range assignment of every member ─▶ SyncGroup(all assignments)
 *   follower:         SyncGroup(no assignments)
 *                   ◀─ this member's assignment (ConsumerProtocol bytes)
 *   every heartbeatIntervalMs: Heartbeat; REBALANCE_IN_PROGRESS → rejoin at the next poll
 *   close:            LeaveGroup, so the others rebalance at once instead of after the session timeout
 *
 * The range assignor is eager: on a rebalance the member gives up all its partitions (after
 * committing their positions) and takes what the new assignment says.
 *
 * Main thread (any single thread). The heartbeat runs on timers of the same thread.
 */
import { ErrorCode } from '../protocol/errors.js';
import { Heartbeat, JoinGroup, LeaveGroup, SyncGroup } from '../protocol/messages/index.js';
import { Admin, type TopicPartitionOffset } from './admin.js';
import { Client, MAX_RETRIES, RETRY_BACKOFF_MS, sleep } from './client.js';
import type { Connection } from './connection.js';
import {
  CONSUMER_PROTOCOL_TYPE,
  RANGE_ASSIGNOR,
  type TopicPartitions,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  rangeAssign,
} from './consumer-protocol.js';
import { ClientError, ConnectionError, KafkaError } from './errors.js';

/** Kafka's defaults: session.timeout.ms (3.0+), heartbeat.interval.ms, max.poll.interval.ms. */
export const DEFAULT_SESSION_TIMEOUT_MS = 45_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 3_000;
export const DEFAULT_REBALANCE_TIMEOUT_MS = 300_000;
/** Extra time a JoinGroup answer may take beyond the rebalance timeout, as the Java client allows. */
export const JOIN_GRACE_MS = 5_000;

export interface GroupOptions {
  groupId: string;
  topics: string[];
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Static membership (KIP-345); null for a dynamic member. */
  groupInstanceId?: string | null;
  log?: (message: string) => void;
}

export class GroupMember {
  readonly client: Client;
  readonly groupId: string;
  readonly topics: string[];
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly groupInstanceId: string | null;
  memberId = '';
  generationId = -1;
  leaderId = '';
  protocolName: string | null = null;
  assignment: TopicPartitions[] = [];
  /** Set when the coordinator asks for a rebalance or forgot us; the consumer rejoins. */
  rejoinNeeded = true;
  /** A heartbeat error that ends membership for good (a fenced static member). */
  fatal: Error | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeating = false;
  private heartbeatChain = 0;
  private readonly log: (message: string) => void;
  private readonly admin: Admin;

  constructor(client: Client, options: GroupOptions) {
    this.client = client;
    this.admin = new Admin(client);
    this.groupId = options.groupId;
    this.topics = [...options.topics];
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.log = options.log ?? (() => {});
    if (this.topics.length === 0) throw new ClientError('a group member subscribes to at least one topic');
  }

  private get what(): string {
    return `group '${this.groupId}'`;
  }

  /** Joins (or rejoins) the group and returns this member's assignment. */
  async join(): Promise<TopicPartitions[]> {
    this.stopHeartbeats();
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.joinOnce();
      if (outcome === 'done') break;
      if (attempt >= MAX_RETRIES) throw new KafkaError(ErrorCode.REBALANCE_IN_PROGRESS, this.what, 'the group did not settle');
      if (outcome === 'backoff') await sleep(RETRY_BACKOFF_MS * 2);
    }
    this.rejoinNeeded = false;
    this.startHeartbeats();
    return this.assignment;
  }

  /** One JoinGroup and SyncGroup round: 'done', 'again' at once, or 'backoff' first. */
  private async joinOnce(): Promise<'done' | 'again' | 'backoff'> {
    let c: Connection;
    try {
      c = await this.client.coordinator(this.groupId);
    } catch (e) {
      if (e instanceof KafkaError && e.retriable) return 'backoff';
      throw e;
    }
    const joined = await this.request(() =>
      c.request(
        JoinGroup,
        {
          groupId: this.groupId,
          sessionTimeoutMs: this.sessionTimeoutMs,
          rebalanceTimeoutMs: this.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: this.groupInstanceId,
          protocolType: CONSUMER_PROTOCOL_TYPE,
          protocols: [{ name: RANGE_ASSIGNOR, metadata: encodeSubscription(this.topics) }],
          reason: null,
        },
        { timeoutMs: this.rebalanceTimeoutMs + JOIN_GRACE_MS },
      ),
    );
    if (joined === 'retry') return 'backoff';
    switch (joined.errorCode) {
      case 0:
        break;
      case ErrorCode.MEMBER_ID_REQUIRED:
        // KIP-394: the coordinator named us; join again with that id.
        this.memberId = joined.memberId;
        return 'again';
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        return 'backoff';
      default:
        return this.afterRoundError(joined.errorCode);
    }
    this.memberId = joined.memberId;
    this.generationId = joined.generationId;
    this.leaderId = joined.leader;
    this.protocolName = joined.protocolName;
    if (joined.protocolName !== null && joined.protocolName !== RANGE_ASSIGNOR) {
      throw new ClientError(`${this.what} chose assignor '${joined.protocolName}'; this client only speaks '${RANGE_ASSIGNOR}'`);
    }
    const assignments = this.memberId === this.leaderId && !joined.skipAssignment ? await this.assign(joined.members) : [];
    const synced = await this.request(() =>
      c.request(SyncGroup, {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.groupInstanceId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: RANGE_ASSIGNOR,
        assignments,
      }),
    );
    if (synced === 'retry') return 'backoff';
    switch (synced.errorCode) {
      case 0:
        break;
      default:
        return this.afterRoundError(synced.errorCode);
    }
    this.assignment = decodeAssignment(synced.assignment).assignedPartitions.filter((tp) => this.topics.includes(tp.topic));
    return 'done';
  }

  /** What JoinGroup and SyncGroup errors they share mean for the round: join again, back off, or fail. */
  private afterRoundError(errorCode: number): 'again' | 'backoff' {
    switch (errorCode) {
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.memberId = '';
        return 'again';
      case ErrorCode.REBALANCE_IN_PROGRESS:
      case ErrorCode.ILLEGAL_GENERATION:
        return 'again';
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.client.forgetCoordinator(this.groupId);
        return 'backoff';
      default:
        throw new KafkaError(errorCode, this.what);
    }
  }

  /** The leader's work: every member's range assignment, from their subscriptions. */
  private async assign(members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[]): Promise<{ memberId: string; assignment: Buffer }[]> {
    const subscriptions = members.map((m) => {
      let topics: string[] = [];
      try {
        topics = decodeSubscription(m.metadata).topics;
      } catch (e) {
        this.log(`member ${m.memberId} sent a subscription that does not decode (${(e as Error).message}); it gets nothing`);
      }
      return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics };
    });
    const allTopics = [...new Set(subscriptions.flatMap((s) => s.topics))];
    const { topics } = await this.client.refreshMetadata(allTopics);
    const counts = new Map(topics.filter((t) => t.errorCode === 0).map((t) => [t.name, t.partitions.length]));
    const plan = rangeAssign(subscriptions, counts);
    return [...plan].map(([memberId, tps]) => ({ memberId, assignment: encodeAssignment(tps) }));
  }

  /** A request to the coordinator; 'retry' when the connection to it failed. */
  private async request<T>(send: () => Promise<T>): Promise<T | 'retry'> {
    try {
      return await send();
    } catch (e) {
      if (e instanceof ConnectionError) {
        this.client.forgetCoordinator(this.groupId);
        return 'retry';
      }
      throw e;
    }
  }

  startHeartbeats(): void {
    this.stopHeartbeats();
    const chain = this.heartbeatChain;
    const tick = (): void => {
      this.heartbeatTimer = setTimeout(() => {
        void this.heartbeat().finally(() => {
          if (chain === this.heartbeatChain && !this.rejoinNeeded) tick();
        });
      }, this.heartbeatIntervalMs);
      this.heartbeatTimer.unref();
    };
    tick();
  }

  stopHeartbeats(): void {
    // A heartbeat in flight when the chain stops must not schedule the next one.
    this.heartbeatChain++;
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** One heartbeat; its outcome only sets flags, read by the consumer's next poll. */
  async heartbeat(): Promise<void> {
    if (this.heartbeating || this.generationId < 0) return;
    this.heartbeating = true;
    // An answer that arrives after the chain stopped (a rejoin began, or the member is leaving)
    // speaks of a generation that is gone: it changes nothing.
    const chain = this.heartbeatChain;
    try {
      const c = await this.client.coordinator(this.groupId);
      const r = await c.request(Heartbeat, { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId });
      if (chain !== this.heartbeatChain) return;
      switch (r.errorCode) {
        case 0:
          break;
        case ErrorCode.REBALANCE_IN_PROGRESS:
          this.rejoinNeeded = true;
          break;
        case ErrorCode.UNKNOWN_MEMBER_ID:
          this.memberId = '';
          this.generationId = -1;
          this.rejoinNeeded = true;
          break;
        case ErrorCode.ILLEGAL_GENERATION:
          this.rejoinNeeded = true;
          break;
        case ErrorCode.NOT_COORDINATOR:
        case ErrorCode.COORDINATOR_NOT_AVAILABLE:
          this.client.forgetCoordinator(this.groupId);
          break;
        case ErrorCode.FENCED_INSTANCE_ID:
          this.fatal = new KafkaError(r.errorCode, this.what);
          this.rejoinNeeded = true;
          break;
        default:
          this.log(`heartbeat to ${this.what}: ${new KafkaError(r.errorCode).message}`);
      }
    } catch (e) {
      if (chain !== this.heartbeatChain) return;
      // The connection dropped: find the coordinator again at the next beat.
      this.client.forgetCoordinator(this.groupId);
      this.log(`heartbeat to ${this.what} failed: ${(e as Error).message}`);
    } finally {
      this.heartbeating = false;
    }
  }

  /** Commits offsets as this member of the current generation. */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.admin.commitGroupOffsets(this.groupId, offsets, { generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId });
    } catch (e) {
      if (e instanceof KafkaError && (e.code === ErrorCode.REBALANCE_IN_PROGRESS || e.code === ErrorCode.ILLEGAL_GENERATION || e.code === ErrorCode.UNKNOWN_MEMBER_ID)) {
        this.rejoinNeeded = true;
        if (e.code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      }
      throw e;
    }
  }

  /** The group's committed offsets for these partitions (absent: never committed). */
  async committed(partitions: { topic: string; partition: number }[]): Promise<TopicPartitionOffset[]> {
    return this.admin.fetchGroupOffsets(this.groupId, partitions);
  }

  /** Leaves the group (LeaveGroup), so that it rebalances without waiting for our session to expire. */
  async leave(): Promise<void> {
    this.stopHeartbeats();
    if (this.memberId === '') return;
    try {
      const c = await this.client.coordinator(this.groupId);
      const r = await c.request(LeaveGroup, {
        groupId: this.groupId,
        memberId: this.memberId,
        members: [{ memberId: this.memberId, groupInstanceId: this.groupInstanceId, reason: 'the consumer is closing' }],
      });
      if (r.errorCode !== 0 && r.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID) this.log(`leaving ${this.what}: ${new KafkaError(r.errorCode).message}`);
    } finally {
      this.memberId = '';
      this.generationId = -1;
      this.assignment = [];
    }
  }
}
