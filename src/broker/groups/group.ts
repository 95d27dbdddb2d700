/**
 * A classic consumer group (JoinGroup/SyncGroup protocol) and its members: the data the
 * coordinator (coordinator.ts) works on, with the bookkeeping that must stay consistent —
 * protocol support counts, members awaiting a join answer, static instance ids, pending joins
 * and syncs, the leader. The decisions (when to rebalance, what to answer) are the
 * coordinator's.
 *
 * States and the transitions Kafka allows (ClassicGroupState):
 *
 *            ┌─────────────── member joins / leaves / times out ──────────────┐
 *            ▼                                                                │
 *   Empty ─► PreparingRebalance ─► CompletingRebalance ─► Stable ─────────────┘
 *     ▲          │    (all joined or        (leader's SyncGroup
 *     └──────────┘     rebalance timeout)     stored)
 *    (nobody rejoined)
 *   any state ─► Dead (deleted, expired, or the coordinator stopped)
 *
 * The coordinator never interprets protocol metadata or assignments: they are bytes passed
 * from members to the leader and from the leader to members. The one exception is Kafka's:
 * for a group of protocol type "consumer", the subscribed topics are read from the metadata
 * (the version-0 prefix every ConsumerProtocolSubscription version shares), because
 * OffsetDelete and offset expiry must know which topics the group still consumes.
 *
 * Main thread.
 */
import { Reader } from '../../protocol/codec/reader.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Deadline } from './deadline-queue.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

/** For each state, the states it may be entered from. */
const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
const EMPTY = Buffer.alloc(0);

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
}

export class Member {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly protocolType: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocols: Protocol[];
  assignment: Buffer = EMPTY;
  /** Answers the member's parked JoinGroup; set while it waits for the join phase to end. */
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  /** Answers the member's parked SyncGroup; set while it waits for the leader's assignment. */
  awaitingSync: ((r: SyncResult) => void) | null = null;
  /** Joined but has not yet had a join answer: expires on the new-member join timeout. */
  isNew = false;
  /** The session deadline (or, while new, the new-member join timeout). */
  readonly session: Deadline;

  constructor(
    init: {
      memberId: string;
      groupInstanceId: string | null;
      clientId: string;
      clientHost: string;
      rebalanceTimeoutMs: number;
      sessionTimeoutMs: number;
      protocolType: string;
      protocols: Protocol[];
    },
    onSessionExpired: (m: Member) => void,
  ) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.protocols = init.protocols;
    this.session = new Deadline(() => onSessionExpired(this));
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /**
   * Whether the member has done what its session asks of it. A member waiting in a rebalance
   * has (its rebalance timeout governs it), unless it is new; otherwise the next heartbeat is
   * required.
   */
  get hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }

  metadata(protocolName: string | null): Buffer {
    for (const p of this.protocols) if (p.name === protocolName) return p.metadata;
    return EMPTY;
  }

  /** Same protocols, in the same order, with the same metadata bytes. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    for (let i = 0; i < protocols.length; i++) {
      const a = protocols[i]!;
      const b = this.protocols[i]!;
      if (a.name !== b.name || !a.metadata.equals(b.metadata)) return false;
    }
    return true;
  }

  /** The member's most preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string | undefined {
    for (const p of this.protocols) if (candidates.has(p.name)) return p.name;
    return undefined;
  }
}

export class ClassicGroup {
  readonly groupId: string;
  state: GroupState;
  previousState: GroupState = 'Dead';
  /** When the group entered its current state; null when unknown (loaded from an old record). */
  currentStateTimestampMs: number | null;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  /** In insertion order: when the leader goes, the oldest remaining member leads. */
  readonly members = new Map<string, Member>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, each with its deadline to rejoin. */
  readonly pendingJoinMembers = new Map<string, Deadline>();
  /** Members whose SyncGroup is still expected in this generation. */
  readonly pendingSyncMembers = new Set<string>();
  /** Protocol name → number of members supporting it. */
  readonly supportedProtocols = new Map<string, number>();
  numMembersAwaitingJoin = 0;
  /** Topics the members subscribe to (consumer protocol only); null when unknown. */
  subscribedTopics: Set<string> | null = null;
  /** Set when a member joins during the initial rebalance, which then waits longer. */
  newMemberAdded = false;
  /** The join phase in progress: the initial delay (with what remains of it) or the rebalance timeout. */
  joinPhase: { kind: 'initial'; delayMs: number; remainingMs: number } | { kind: 'rebalance' } = { kind: 'rebalance' };
  readonly joinDeadline: Deadline;
  readonly syncDeadline: Deadline;
  /** The generation the pending-sync deadline was set for. */
  syncGeneration = -1;
  /** Committed offsets: topic → partition → offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  /** Commits written but not yet acknowledged, by "topic\0partition": never expired meanwhile. */
  readonly pendingCommits = new Map<string, number>();

  constructor(groupId: string, state: GroupState, nowMs: number | null, onJoinDeadline: (g: ClassicGroup) => void, onSyncDeadline: (g: ClassicGroup) => void) {
    this.groupId = groupId;
    this.state = state;
    this.currentStateTimestampMs = nowMs;
    this.joinDeadline = new Deadline(() => onJoinDeadline(this));
    this.syncDeadline = new Deadline(() => onSyncDeadline(this));
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState, nowMs: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} → ${state}`);
    }
    this.previousState = this.state;
    this.state = state;
    this.currentStateTimestampMs = nowMs;
  }

  /** Whether a rebalance may start from this state. */
  get canRebalance(): boolean {
    return VALID_PREVIOUS.PreparingRebalance.includes(this.state);
  }

  get size(): number {
    return this.members.size;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingJoinMembers.size === 0;
  }

  /** The largest rebalance timeout of the members: how long a join phase may last. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) if (m.rebalanceTimeoutMs > max) max = m.rebalanceTimeoutMs;
    return max;
  }

  get hasOffsets(): boolean {
    return this.offsets.size > 0 || this.pendingCommits.size > 0;
  }

  /**
   * Whether a member with this protocol type and these protocols could join: an empty group
   * takes any non-empty type with at least one protocol; otherwise the type must be the
   * group's and one of the protocols supported by every member.
   */
  supportsProtocols(protocolType: string, names: readonly string[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && names.length > 0;
    return this.protocolType === protocolType && names.some((n) => this.supportedProtocols.get(n) === this.members.size);
  }

  add(member: Member, awaitingJoin: ((r: JoinResult) => void) | null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.protocolType !== member.protocolType) throw new Error(`group ${this.groupId}: protocol type ${member.protocolType} is not the group's`);
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member, 1);
    member.awaitingJoin = awaitingJoin;
    if (awaitingJoin) this.numMembersAwaitingJoin++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  /** Removes the member (its timers are the caller's to cancel). */
  remove(memberId: string): Member | undefined {
    const m = this.members.get(memberId);
    if (m) {
      this.members.delete(memberId);
      this.countProtocols(m, -1);
      if (m.isAwaitingJoin) this.numMembersAwaitingJoin--;
      if (m.groupInstanceId !== null) this.staticMembers.delete(m.groupInstanceId);
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingSyncMembers.delete(memberId);
    return m;
  }

  updateMember(member: Member, protocols: Protocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, awaitingJoin: ((r: JoinResult) => void) | null): void {
    this.countProtocols(member, -1);
    member.protocols = protocols;
    this.countProtocols(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (awaitingJoin && !member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    else if (!awaitingJoin && member.isAwaitingJoin) this.numMembersAwaitingJoin--;
    member.awaitingJoin = awaitingJoin;
  }

  /** Answers the member's parked JoinGroup, if any; true when there was one. */
  completeJoin(member: Member, result: JoinResult): boolean {
    const answer = member.awaitingJoin;
    if (!answer) return false;
    member.awaitingJoin = null;
    this.numMembersAwaitingJoin--;
    answer(result);
    return true;
  }

  /** Answers the member's parked SyncGroup, if any; true when there was one. */
  completeSync(member: Member, result: SyncResult): boolean {
    const answer = member.awaitingSync;
    if (!answer) return false;
    member.awaitingSync = null;
    answer(result);
    return true;
  }

  /**
   * A static member rejoining without its member id takes a new one; the old id is fenced (its
   * parked requests answered FENCED_INSTANCE_ID) and everything else carries over. Returns the
   * member under its new id; the old object's timers are the caller's to cancel.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string, onSessionExpired: (m: Member) => void): Member {
    const old = this.members.get(oldMemberId);
    if (!old) throw new Error(`group ${this.groupId}: no member ${oldMemberId} to replace`);
    this.members.delete(oldMemberId);
    this.completeJoin(old, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    this.completeSync(old, { errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    const fresh = new Member(
      {
        memberId: newMemberId,
        groupInstanceId: old.groupInstanceId,
        clientId: old.clientId,
        clientHost: old.clientHost,
        rebalanceTimeoutMs: old.rebalanceTimeoutMs,
        sessionTimeoutMs: old.sessionTimeoutMs,
        protocolType: old.protocolType,
        protocols: old.protocols,
      },
      onSessionExpired,
    );
    fresh.assignment = old.assignment;
    this.members.set(newMemberId, fresh);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return fresh;
  }

  /**
   * Makes sure the leader is a member that rejoined: if it did not, the first member that did
   * leads. False when no member rejoined (or the group has no leader at all).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /**
   * The protocol of the next generation: each member votes for its most preferred protocol
   * among those every member supports, and the most votes win. Kafka breaks a tie in hash-map
   * order; here the tied protocol voted for first (in member order) wins, so the choice is
   * repeatable.
   */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`group ${this.groupId}: cannot select a protocol with no members`);
    const candidates = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      if (v !== undefined) votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = 0;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === undefined) throw new Error(`group ${this.groupId}: no protocol is supported by every member`);
    return best;
  }

  /** Moves to the next generation: CompletingRebalance with a protocol, or Empty. */
  initNextGeneration(nowMs: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance', nowMs);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty', nowMs);
    }
    this.pendingSyncMembers.clear();
  }

  /** Every member as the leader's JoinGroup answer lists them. */
  currentMembers(): JoinResult['members'] {
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(this.protocolName) }));
  }

  /** Whether the group consumes this topic (OffsetDelete's rule); unknown counts as yes for a consumer group. */
  isSubscribedToTopic(topic: string): boolean {
    if (this.subscribedTopics) return this.subscribedTopics.has(topic);
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** The union of the members' subscribed topics, for a consumer group; null when it cannot be known. */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const all = new Set<string>();
    for (const m of this.members.values()) {
      const topics = subscribedTopicsOf(m.metadata(this.protocolName));
      if (!topics) return null;
      for (const t of topics) all.add(t);
    }
    return all;
  }

  offsetOf(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, committed: CommittedOffset): void {
    let byPartition = this.offsets.get(topic);
    if (!byPartition) this.offsets.set(topic, (byPartition = new Map()));
    byPartition.set(partition, committed);
  }

  /** Removes a committed offset; true when there was one. */
  removeOffset(topic: string, partition: number): boolean {
    const byPartition = this.offsets.get(topic);
    if (!byPartition?.delete(partition)) return false;
    if (byPartition.size === 0) this.offsets.delete(topic);
    return true;
  }

  /**
   * Counts each protocol name once per member, even when its JoinGroup listed the name twice:
   * counted twice, it would never equal the member count, and selectProtocol would find no
   * candidate for a group whose members all passed supportsProtocols.
   */
  private countProtocols(member: Member, delta: 1 | -1): void {
    for (const name of new Set(member.protocols.map((p) => p.name))) this.supportedProtocols.set(name, (this.supportedProtocols.get(name) ?? 0) + delta);
  }
}

/** A JoinGroup answer carrying only an error. */
export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, members: [] };
}

/**
 * The topics of a ConsumerProtocolSubscription: int16 version, then (in every version) an
 * array of topic names — int32 count, int16-length strings. Null when the bytes do not parse.
 * Versions 0-3 are not flexible; a future flexible version would be refused here, which only
 * makes the group "unknown subscriptions" (treated as subscribed), as Kafka does.
 */
export function subscribedTopicsOf(metadata: Buffer): string[] | null {
  const r = new Reader(metadata);
  const version = r.int16();
  if (r.bad || version < 0 || version > 3) return null;
  const n = r.int32();
  if (r.bad || n < 0 || n > r.remaining / 2) return null;
  const topics: string[] = [];
  for (let i = 0; i < n && !r.bad; i++) {
    const len = r.int16();
    if (len < 0) return null;
    topics.push(r.utf8(len));
  }
  return r.bad ? null : topics;
}
