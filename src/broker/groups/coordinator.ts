/**
 * GroupCoordinator: classic consumer groups and committed offsets, as Kafka's group
 * coordinator runs them (GroupMetadataManager's classic-group half, and the Scala
 * GroupCoordinator before it), for the one node that coordinates every group.
 *
 * What it owns:
 *   groups       group id → ClassicGroup (group.ts): state, generation, members, protocol,
 *                leader, assignments, committed offsets
 *   timers       one DeadlineQueue (deadline-queue.ts) for every deadline: member sessions,
 *                pending members (KIP-394), join phases, pending syncs, offsets retention
 *   durability   records appended to __consumer_offsets through an OffsetsLog, in Kafka's
 *                formats (records.ts); the group's partition is partitionForGroup(groupId)
 *
 * Requests park in the group (a JoinGroup until the join phase ends, a SyncGroup until the
 * leader's assignment is stored) and are answered by callbacks, never by polling. A write is
 * answered after its append returns (acks=all on one node). When an append completes, the
 * group may have moved on; each completion checks that the group and generation are still the
 * ones it wrote for, as Kafka's do.
 *
 * Written to __consumer_offsets, as Kafka writes them:
 *   the group (GroupMetadataValue)   when the leader's assignment is stored, when a join
 *                                    phase ends with nobody (the empty generation), when a
 *                                    static member takes a new member id without a rebalance
 *   an offset (OffsetCommitValue)    on every accepted commit
 *   tombstones                       DeleteGroups, OffsetDelete, expired offsets, and a group
 *                                    left Empty with no offsets
 *
 * At start the loader (loader.ts) replays every record into `replay`; `finishLoading` then
 * builds the groups: generation, protocol, leader, members with their assignments (Stable), or
 * Empty. Members are restored as Kafka restores them: each gets a fresh session deadline, and
 * one that does not heartbeat within its session timeout is removed and the group rebalances.
 *
 * Deviations from Kafka, each deliberate:
 *   - A superseded parked JoinGroup or SyncGroup (the same member asked again) and the parked
 *     requests of a member that is removed are answered (REBALANCE_IN_PROGRESS or
 *     UNKNOWN_MEMBER_ID) instead of being dropped, so no request waits for its client's timeout.
 *   - Ties in protocol selection go to the protocol voted for first (Kafka: hash-map order).
 *   - The retention check does not drop an Empty group while a member id it handed out
 *     (MEMBER_ID_REQUIRED) is still waiting to rejoin.
 *   - OffsetCommit's retention time (v2-4) and commit timestamp (v1) do not set an expire
 *     timestamp: offsets expire by offsets.retention.minutes only, as from Kafka 2.1 on.
 *
 * Transactional offsets (TxnOffsetCommit, KIP-98/447): written to __consumer_offsets as a
 * transactional batch of the producer, held per group and producer id as pending, applied when
 * the commit marker reaches the group's partition (`completeTransaction`) and dropped on an
 * abort. While any are pending for a partition, OffsetFetch with requireStable answers it
 * UNSTABLE_OFFSET_COMMIT. Loading holds a transaction's records likewise until its marker;
 * those whose marker was not yet written are pending again after the load.
 *
 * Main thread.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import { ProtocolError } from '../../protocol/codec/errors.js';
import { Deadline, DeadlineQueue, type Scheduler, systemScheduler } from './deadline-queue.js';
import {
  CONSUMER_PROTOCOL_TYPE,
  ClassicGroup,
  type CommittedOffset,
  type GroupState,
  type JoinResult,
  Member,
  type Protocol,
  type SyncResult,
  joinError,
} from './group.js';
import {
  type GroupMetadataValueData,
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  partitionForGroup,
} from './records.js';

const EMPTY = Buffer.alloc(0);
const E = ErrorCode;

/**
 * How long a member that joined may wait for its join answer before it is dropped (Kafka's
 * NewMemberJoinTimeoutMs): sessions cannot apply to a member that has no id to heartbeat with
 * yet, and a client that gave up on a long rebalance and retried would otherwise leave a
 * defunct member behind for good.
 */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface GroupCoordinatorConfig {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxSize: number;
  offsetMetadataMaxBytes: number;
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  newMemberJoinTimeoutMs: number;
}

/** The coordinator's settings from the broker's configuration (group.* and offsets.* keys). */
export function groupConfigFrom(values: Readonly<Record<string, unknown>>): GroupCoordinatorConfig {
  return {
    minSessionTimeoutMs: values['group.min.session.timeout.ms'] as number,
    maxSessionTimeoutMs: values['group.max.session.timeout.ms'] as number,
    initialRebalanceDelayMs: values['group.initial.rebalance.delay.ms'] as number,
    maxSize: values['group.max.size'] as number,
    offsetMetadataMaxBytes: values['offset.metadata.max.bytes'] as number,
    offsetsRetentionMs: (values['offsets.retention.minutes'] as number) * 60_000,
    offsetsRetentionCheckIntervalMs: values['offsets.retention.check.interval.ms'] as number,
    newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
  };
}

export interface LogRecord {
  key: Buffer;
  /** null: a tombstone. */
  value: Buffer | null;
}

/** Where the coordinator's records go: the partitions of __consumer_offsets. */
export interface OffsetsLog {
  readonly numPartitions: number;
  /** Appends the records as one batch (of the producer, transactional, when `txn` is given); resolves with an error code (0 when written). */
  append(partition: number, records: LogRecord[], txn?: { producerId: number; producerEpoch: number }): Promise<number>;
}

export interface TxnCommitRequest {
  groupId: string;
  producerId: number;
  producerEpoch: number;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[];
  }[];
}

export interface CoordinatorOptions {
  scheduler?: Scheduler;
  /** Whether a topic partition exists; commits and deletes for others get UNKNOWN_TOPIC_OR_PARTITION. */
  partitionExists?: (topic: string, partition: number) => boolean;
  log?: (message: string) => void;
}

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** JoinGroup v4+ without an instance id: a first join gets MEMBER_ID_REQUIRED (KIP-394). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader may be told to skip the assignor. */
  supportsSkippingAssignment: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface CommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** The request version: from 9 a commit for an unknown group gets GROUP_ID_NOT_FOUND. */
  version: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null; commitTimestamp: number }[];
  }[];
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface FetchedOffsets {
  errorCode: number;
  topics: { name: string; partitions: FetchedPartition[] }[];
}

export interface DeletedOffsets {
  errorCode: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export interface GroupSummary {
  errorCode: number;
  groupId: string;
  groupState: GroupState;
  protocolType: string;
  protocolData: string;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; memberMetadata: Buffer; memberAssignment: Buffer }[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: GroupState;
  groupType: 'classic';
}

/** How Kafka turns an append failure into the error a group operation answers. */
function groupAppendError(code: number): number {
  switch (code) {
    case E.UNKNOWN_TOPIC_OR_PARTITION:
    case E.NOT_ENOUGH_REPLICAS:
    case E.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case E.REQUEST_TIMED_OUT:
      return E.COORDINATOR_NOT_AVAILABLE;
    case E.NOT_LEADER_OR_FOLLOWER:
    case E.KAFKA_STORAGE_ERROR:
      return E.NOT_COORDINATOR;
    case E.MESSAGE_TOO_LARGE:
    case E.RECORD_LIST_TOO_LARGE:
    case E.INVALID_FETCH_SIZE:
      return E.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

/** The same for an offset commit, where a too-large batch means the commit is too large. */
function commitAppendError(code: number): number {
  switch (code) {
    case E.MESSAGE_TOO_LARGE:
    case E.RECORD_LIST_TOO_LARGE:
    case E.INVALID_FETCH_SIZE:
      return E.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return groupAppendError(code);
  }
}

const pendingKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

interface LoadingGroup {
  /** undefined: no group record seen; null: the last one was a tombstone. */
  meta: GroupMetadataValueData | null | undefined;
  offsets: Map<string, Map<number, CommittedOffset | null>>;
}

/** Transactional offsets waiting for their marker: group → producer id → partition → offset. */
type PendingTxnOffsets = Map<string, Map<number, Map<string, { topic: string; partition: number; committed: CommittedOffset }>>>;

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  readonly groups = new Map<string, ClassicGroup>();
  private readonly offsetsLog: OffsetsLog;
  private readonly queue: DeadlineQueue;
  private readonly partitionExists: (topic: string, partition: number) => boolean;
  private readonly say: (message: string) => void;
  private readonly retentionDeadline: Deadline;
  private loading: Map<string, LoadingGroup> | null = new Map();
  /** Transactional offsets replayed at load, by producer id, until their marker. */
  private loadingTxn = new Map<number, { groupId: string; topic: string; partition: number; committed: CommittedOffset | null }[]>();
  private readonly pendingTxn: PendingTxnOffsets = new Map();
  /** Records the loader could not decode, skipped. */
  skippedRecords = 0;
  private closed = false;

  constructor(config: GroupCoordinatorConfig, offsetsLog: OffsetsLog, options: CoordinatorOptions = {}) {
    this.config = config;
    this.offsetsLog = offsetsLog;
    this.queue = new DeadlineQueue(options.scheduler ?? systemScheduler);
    this.partitionExists = options.partitionExists ?? (() => true);
    this.say = options.log ?? (() => {});
    this.retentionDeadline = new Deadline(() => this.expireOffsets());
  }

  /** Deadlines currently queued (members' sessions, join and sync phases, retention). */
  get pendingDeadlines(): number {
    return this.queue.size;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.offsetsLog.numPartitions);
  }

  /** __consumer_offsets partitions that could not be loaded (their log directory offline at start). */
  private readonly unloaded = new Set<number>();

  /**
   * The groups of these partitions are unknown: they answer COORDINATOR_LOAD_IN_PROGRESS (the
   * client retries) rather than act as if they had no committed offsets, which would make
   * consumers reset their positions.
   */
  markUnloaded(partitions: readonly number[]): void {
    for (const p of partitions) this.unloaded.add(p);
  }

  /**
   * Cluster mode: the __consumer_offsets partitions whose leader this broker is, and so whose
   * groups it coordinates (Kafka's GroupMetadataManager ownedPartitions); undefined on a
   * single node, which coordinates every group.
   */
  private owned: Set<number> | undefined;
  /** Partition loads, one after another: each replays into `loading` alone. */
  private partitionLoads: Promise<void> = Promise.resolve();

  /** Cluster mode: from now on only the partitions handed over by loadPartition are coordinated here. */
  coordinateOwnedOnly(): void {
    this.owned ??= new Set();
  }

  /**
   * Cluster mode: this broker became the leader of __consumer_offsets partition `partition`. Its
   * groups answer COORDINATOR_LOAD_IN_PROGRESS while `read` replays the partition's records
   * (record and marker, as at start), then they are built and served. A load that fails leaves
   * the partition loading (clients retry) until the next leadership change.
   */
  loadPartition(partition: number, read: (visit: { record(key: Buffer | null, value: Buffer | null, producerId: number): void; marker(producerId: number, commit: boolean): void }) => Promise<void>): Promise<void> {
    this.coordinateOwnedOnly();
    this.owned!.add(partition);
    this.unloaded.add(partition);
    const run = this.partitionLoads.then(async () => {
      if (this.closed || !this.owned!.has(partition)) return;
      this.loading = new Map();
      this.loadingTxn = new Map();
      try {
        await read({ record: (k, v, producerId) => this.replay(k, v, producerId), marker: (producerId, commit) => this.replayMarker(producerId, commit) });
      } catch (e) {
        this.loading = null;
        this.loadingTxn = new Map();
        this.say(`loading ${partition} of the offsets topic failed: ${(e as Error).message ?? e}`);
        return;
      }
      // Lost meanwhile: nothing of it is kept.
      if (!this.owned!.has(partition)) {
        this.loading = null;
        this.loadingTxn = new Map();
        return;
      }
      this.finishLoading();
      this.unloaded.delete(partition);
    });
    this.partitionLoads = run.catch(() => {});
    return run;
  }

  /**
   * Cluster mode: this broker no longer leads the partition: its groups are dropped (their
   * parked requests answered NOT_COORDINATOR, their timers cancelled) and answer
   * NOT_COORDINATOR, so that clients find the new coordinator.
   */
  unloadPartition(partition: number): void {
    this.owned?.delete(partition);
    this.unloaded.delete(partition);
    for (const group of [...this.groups.values()]) {
      if (this.partitionFor(group.groupId) !== partition) continue;
      for (const m of group.members.values()) {
        group.completeJoin(m, joinError(m.memberId, E.NOT_COORDINATOR));
        group.completeSync(m, { errorCode: E.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: EMPTY });
      }
      this.removeGroup(group);
    }
    for (const groupId of [...this.pendingTxn.keys()]) if (this.partitionFor(groupId) === partition) this.pendingTxn.delete(groupId);
  }

  /** Whether the group's partition is coordinated here (always on a single node). */
  coordinates(groupId: string): boolean {
    return !this.owned || this.owned.has(this.partitionFor(groupId));
  }

  /** NOT_COORDINATOR once shut down (or, in a cluster, for a group of a partition led elsewhere), COORDINATOR_LOAD_IN_PROGRESS for a group whose partition is not loaded, else 0. */
  private unavailable(groupId: string): number {
    if (this.closed) return E.NOT_COORDINATOR;
    if (this.owned && !this.owned.has(this.partitionFor(groupId))) return E.NOT_COORDINATOR;
    if (this.unloaded.size > 0 && this.unloaded.has(this.partitionFor(groupId))) return E.COORDINATOR_LOAD_IN_PROGRESS;
    return 0;
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  // ───────────────────────────── loading ─────────────────────────────

  /**
   * Applies one record of __consumer_offsets, in log order (before finishLoading); a record of a
   * transactional batch (its producer id ≥ 0) waits for that producer's marker.
   */
  replay(key: Buffer | null, value: Buffer | null, transactionalProducerId = -1): void {
    if (!this.loading) throw new Error('replay after loading finished');
    if (!key) return;
    try {
      const k = decodeKey(key);
      if (k.type === 'other') return;
      const groupId = k.type === 'offset' ? k.key.group : k.group;
      if (transactionalProducerId >= 0) {
        if (k.type !== 'offset') return;
        let list = this.loadingTxn.get(transactionalProducerId);
        if (!list) this.loadingTxn.set(transactionalProducerId, (list = []));
        const v = value ? decodeOffsetCommitValue(value) : undefined;
        list.push({
          groupId,
          topic: k.key.topic,
          partition: k.key.partition,
          committed: v ? { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestampMs: v.commitTimestamp } : null,
        });
        return;
      }
      let entry = this.loading.get(groupId);
      if (!entry) this.loading.set(groupId, (entry = { meta: undefined, offsets: new Map() }));
      if (k.type === 'group') {
        entry.meta = value ? decodeGroupMetadataValue(value) : null;
        return;
      }
      let byPartition = entry.offsets.get(k.key.topic);
      if (!byPartition) entry.offsets.set(k.key.topic, (byPartition = new Map()));
      if (!value) {
        byPartition.set(k.key.partition, null);
        return;
      }
      const v = decodeOffsetCommitValue(value);
      byPartition.set(k.key.partition, { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestampMs: v.commitTimestamp });
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.skippedRecords++;
    }
  }

  /** A transaction marker met while loading: the producer's held offsets are applied (commit) or dropped. */
  replayMarker(producerId: number, commit: boolean): void {
    if (!this.loading) throw new Error('replay after loading finished');
    const list = this.loadingTxn.get(producerId);
    if (!list) return;
    this.loadingTxn.delete(producerId);
    if (!commit) return;
    for (const o of list) {
      let entry = this.loading.get(o.groupId);
      if (!entry) this.loading.set(o.groupId, (entry = { meta: undefined, offsets: new Map() }));
      let byPartition = entry.offsets.get(o.topic);
      if (!byPartition) entry.offsets.set(o.topic, (byPartition = new Map()));
      byPartition.set(o.partition, o.committed);
    }
  }

  /** Builds the groups from what was replayed and starts their timers. */
  finishLoading(): void {
    const loading = this.loading;
    if (!loading) return;
    this.loading = null;
    // Transactions still open: their offsets are pending again.
    for (const [producerId, list] of this.loadingTxn) {
      for (const o of list) if (o.committed) this.addPendingTxn(o.groupId, producerId, o.topic, o.partition, o.committed);
      for (const o of list) if (!loading.has(o.groupId)) loading.set(o.groupId, { meta: undefined, offsets: new Map() });
    }
    this.loadingTxn = new Map();
    const built: ClassicGroup[] = [];
    for (const [groupId, entry] of loading) {
      const group = entry.meta ? this.restoreGroup(groupId, entry.meta) : undefined;
      if (group) built.push(group);
      let target = group;
      for (const [topic, byPartition] of entry.offsets) {
        for (const [partition, committed] of byPartition) {
          if (!committed) continue;
          // Offsets without a group record belong to a standalone consumer's (simple) group.
          target ??= this.createGroup(groupId);
          target.setOffset(topic, partition, committed);
        }
      }
      if (!target && this.pendingTxn.has(groupId)) this.createGroup(groupId);
    }
    // Only the groups just loaded: a partition loaded later leaves the others' sessions alone.
    for (const group of built) {
      for (const m of group.members.values()) this.rescheduleSession(m);
      if (group.size > this.config.maxSize) this.prepareRebalance(group);
    }
    this.queue.schedule(this.retentionDeadline, this.config.offsetsRetentionCheckIntervalMs);
  }

  private restoreGroup(groupId: string, meta: GroupMetadataValueData): ClassicGroup {
    const group = this.createGroup(groupId, meta.members.length > 0 ? 'Stable' : 'Empty', meta.currentStateTimestamp < 0 ? null : meta.currentStateTimestamp);
    group.generationId = meta.generation;
    group.protocolType = meta.protocolType === '' ? null : meta.protocolType;
    group.protocolName = meta.protocol;
    for (const m of meta.members) {
      const member = new Member(
        {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeoutMs: m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
          sessionTimeoutMs: m.sessionTimeout,
          protocolType: meta.protocolType,
          protocols: [{ name: meta.protocol ?? '', metadata: m.subscription }],
        },
        this.sessionExpiry(group),
      );
      member.assignment = m.assignment;
      group.add(member, null);
    }
    if (meta.leader !== null && group.members.has(meta.leader)) group.leaderId = meta.leader;
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }

  /** Stops: parked requests are answered NOT_COORDINATOR and every timer is dropped. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const group of this.groups.values()) {
      for (const m of group.members.values()) {
        group.completeJoin(m, joinError(m.memberId, E.NOT_COORDINATOR));
        group.completeSync(m, { errorCode: E.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: EMPTY });
      }
    }
    this.queue.close();
  }

  // ───────────────────────────── membership ─────────────────────────────

  join(req: JoinRequest): Promise<JoinResult> {
    return new Promise((respond) => {
      const unavailable = this.unavailable(req.groupId);
      if (unavailable) respond(joinError(req.memberId, unavailable));
      else this.joinNow(req, respond);
    });
  }

  private joinNow(req: JoinRequest, respond: (r: JoinResult) => void): void {
    if (req.groupId === '') return respond(joinError(req.memberId, E.INVALID_GROUP_ID));
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return respond(joinError(req.memberId, E.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = req.memberId === '';
    let group = this.groups.get(req.groupId);
    if (!group) {
      // Only a member without an id creates a group; an id for a group that does not exist is stale.
      if (!isUnknownMember) return respond(joinError(req.memberId, E.UNKNOWN_MEMBER_ID));
      group = this.createGroup(req.groupId);
    }
    if (!this.acceptJoiningMember(group, req.memberId)) {
      this.dropMember(group, req.memberId);
      respond(joinError('', E.GROUP_MAX_SIZE_REACHED));
      this.maybeCompleteJoinPhase(group);
      return;
    }
    if (isUnknownMember) this.joinNewMember(group, req, respond);
    else this.joinExistingMember(group, req, respond);
  }

  /**
   * group.max.size: in a join phase, members already waiting are let in and others while fewer
   * than the maximum wait (so a lowered maximum sheds the last to rejoin); otherwise known
   * members are let in and new ones while the group is below the maximum.
   */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return group.members.get(memberId)?.isAwaitingJoin === true || group.numMembersAwaitingJoin < this.config.maxSize;
      case 'CompletingRebalance':
      case 'Stable':
        return group.members.has(memberId) || group.size < this.config.maxSize;
    }
  }

  private joinNewMember(group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void): void {
    if (group.is('Dead')) return respond(joinError('', E.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
      return respond(joinError('', E.INCONSISTENT_GROUP_PROTOCOL));
    }
    const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const existing = group.staticMembers.get(req.groupInstanceId);
      if (existing !== undefined) this.replaceStaticMember(group, req, existing, newMemberId, respond);
      else this.addMemberAndRebalance(group, req, newMemberId, respond);
    } else if (req.requireKnownMemberId) {
      // KIP-394: the member gets its id first and joins with it; until then it is pending,
      // and the join phase waits for it up to its session timeout.
      const deadline = new Deadline(() => this.expirePendingMember(group, newMemberId));
      group.pendingJoinMembers.set(newMemberId, deadline);
      this.queue.schedule(deadline, req.sessionTimeoutMs);
      respond(joinError(newMemberId, E.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, req, newMemberId, respond);
    }
  }

  private joinExistingMember(group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void): void {
    const memberId = req.memberId;
    if (group.is('Dead')) return respond(joinError(memberId, E.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
      return respond(joinError(memberId, E.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.pendingJoinMembers.has(memberId)) {
      // A pending id is never a static member's.
      if (req.groupInstanceId !== null) return respond(joinError(memberId, E.UNKNOWN_MEMBER_ID));
      return this.addMemberAndRebalance(group, req, memberId, respond);
    }
    const invalid = this.validateMember(group, memberId, req.groupInstanceId);
    if (invalid) return respond(joinError(memberId, invalid));
    const member = group.members.get(memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req, respond);
      case 'CompletingRebalance':
        // Same metadata: the member probably lost the join answer; give it again.
        if (member.matches(req.protocols)) return respond(this.currentGenerationAnswer(group, memberId, group.isLeader(memberId)));
        return this.updateMemberAndRebalance(group, member, req, respond);
      case 'Stable':
        // The leader rejoining forces a rebalance: that is how it reacts to changes its
        // metadata does not show (new partitions of a subscribed topic, for a consumer).
        if (group.isLeader(memberId) || !member.matches(req.protocols)) return this.updateMemberAndRebalance(group, member, req, respond);
        return respond(this.currentGenerationAnswer(group, memberId, false));
      default:
        return respond(joinError(memberId, E.UNKNOWN_MEMBER_ID));
    }
  }

  private currentGenerationAnswer(group: ClassicGroup, memberId: string, withMembers: boolean): JoinResult {
    return {
      errorCode: 0,
      memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      members: withMembers ? group.currentMembers() : [],
    };
  }

  private addMemberAndRebalance(group: ClassicGroup, req: JoinRequest, memberId: string, respond: (r: JoinResult) => void): void {
    const member = new Member(
      {
        memberId,
        groupInstanceId: req.groupInstanceId,
        clientId: req.clientId,
        clientHost: req.clientHost,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        sessionTimeoutMs: req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
      },
      this.sessionExpiry(group),
    );
    member.isNew = true;
    // During a new group's first rebalance every newcomer extends the initial delay.
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    const pending = group.pendingJoinMembers.get(memberId);
    if (pending) this.queue.cancel(pending);
    group.add(member, respond);
    this.queue.schedule(member.session, this.config.newMemberJoinTimeoutMs);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: Member, req: JoinRequest, respond: (r: JoinResult) => void): void {
    const superseded = member.awaitingJoin;
    group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);
    if (superseded) superseded(joinError(member.memberId, E.REBALANCE_IN_PROGRESS));
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  /**
   * KIP-345: a static member rejoining without a member id takes over its instance under a new
   * id (the old id is fenced). A Stable group stays Stable when the protocol it would select is
   * unchanged: the member keeps its assignment and the group is stored with the new id.
   */
  private replaceStaticMember(group: ClassicGroup, req: JoinRequest, oldMemberId: string, newMemberId: string, respond: (r: JoinResult) => void): void {
    const instanceId = req.groupInstanceId!;
    const previousLeader = group.leaderId;
    const old = group.members.get(oldMemberId)!;
    this.queue.cancel(old.session);
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId, this.sessionExpiry(group));
    this.rescheduleSession(member);
    const oldProtocols = member.protocols;
    const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = member.sessionTimeoutMs;
    group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);

    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) return this.maybePrepareRebalanceOrCompleteJoin(group);
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment] as const));
        void this.storeGroup(group, assignment).then((code) => {
          if (group.members.get(newMemberId) !== member) return;
          if (code !== 0) {
            // Not stored: the old id stays the instance's, as before the request.
            group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
            this.queue.cancel(member.session);
            const back = group.replaceStaticMember(instanceId, newMemberId, oldMemberId, this.sessionExpiry(group));
            this.rescheduleSession(back);
            respond({ ...this.currentGenerationAnswer(group, '', false), errorCode: code, leader: previousLeader ?? '' });
            return;
          }
          const isLeader = group.isLeader(newMemberId);
          if (req.supportsSkippingAssignment) {
            // v9+: the leader learns it leads (to keep watching metadata) but must not reassign.
            group.completeJoin(member, { ...this.currentGenerationAnswer(group, newMemberId, isLeader), skipAssignment: isLeader });
          } else {
            // Older clients are told the previous leader id, so a returning leader does not
            // compute an assignment a Stable group would never hand out.
            group.completeJoin(member, { ...this.currentGenerationAnswer(group, newMemberId, false), leader: previousLeader ?? '' });
          }
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may be assigning to the old id: start over so the new id gets a share.
        return this.prepareRebalance(group);
      case 'PreparingRebalance':
        return this.maybeCompleteJoinPhase(group);
      default:
        throw new Error(`group ${group.groupId}: a static member cannot rejoin a ${group.state} group`);
    }
  }

  /** UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID when the member (or its instance id) is not current; 0 otherwise. */
  private validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = group.staticMembers.get(groupInstanceId);
      if (current === undefined) return E.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return E.FENCED_INSTANCE_ID;
    }
    return group.members.has(memberId) ? 0 : E.UNKNOWN_MEMBER_ID;
  }

  private maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup): void {
    if (group.canRebalance) this.prepareRebalance(group);
    else this.maybeCompleteJoinPhase(group);
  }

  /** Ends the join phase when everyone is in — except a new group's first one, which runs its delay. */
  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance') || group.previousState === 'Empty' || !group.hasAllMembersJoined) return;
    this.completeJoinPhase(group);
  }

  private prepareRebalance(group: ClassicGroup): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentWithError(group, E.REBALANCE_IN_PROGRESS);
    group.pendingSyncMembers.clear();
    this.queue.cancel(group.syncDeadline);
    const isInitial = group.is('Empty');
    if (isInitial) {
      // group.initial.rebalance.delay.ms: a new group waits for more members before its first
      // generation, up to the rebalance timeout in all.
      const delayMs = this.config.initialRebalanceDelayMs;
      group.joinPhase = { kind: 'initial', delayMs, remainingMs: Math.max(group.rebalanceTimeoutMs - delayMs, 0) };
      group.newMemberAdded = false;
      this.queue.schedule(group.joinDeadline, delayMs);
    }
    group.transitionTo('PreparingRebalance', this.queue.now());
    if (!isInitial) this.maybeCompleteJoinElseSchedule(group);
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): void {
    if (group.hasAllMembersJoined) return this.completeJoinPhase(group);
    group.joinPhase = { kind: 'rebalance' };
    this.queue.schedule(group.joinDeadline, group.rebalanceTimeoutMs);
  }

  private onJoinDeadline(group: ClassicGroup): void {
    if (!this.isLive(group) || !group.is('PreparingRebalance')) return;
    const phase = group.joinPhase;
    if (phase.kind === 'initial' && group.newMemberAdded && phase.remainingMs !== 0) {
      // Someone joined during the delay: wait another delay, within what remains.
      group.newMemberAdded = false;
      const delayMs = Math.min(this.config.initialRebalanceDelayMs, phase.remainingMs);
      group.joinPhase = { kind: 'initial', delayMs, remainingMs: Math.max(phase.remainingMs - phase.delayMs, 0) };
      this.queue.schedule(group.joinDeadline, delayMs);
      return;
    }
    this.completeJoinPhase(group);
  }

  /**
   * The end of a join phase: dynamic members that did not rejoin are removed (static ones keep
   * their place), the next generation starts, and every waiting member gets its answer — the
   * leader with every member's metadata.
   */
  private completeJoinPhase(group: ClassicGroup): void {
    this.queue.cancel(group.joinDeadline);
    for (const m of [...group.members.values()]) {
      if (!m.isAwaitingJoin && !m.isStatic) this.dropMember(group, m.memberId);
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that did not rejoin: wait another rebalance timeout for them
      // (their sessions will remove them if they are gone).
      group.joinPhase = { kind: 'rebalance' };
      this.queue.schedule(group.joinDeadline, group.rebalanceTimeoutMs);
      return;
    }
    group.initNextGeneration(this.queue.now());
    if (group.is('Empty')) {
      void this.storeGroup(group, new Map()).then((code) => {
        if (code !== 0) this.say(`group ${group.groupId}: the empty generation ${group.generationId} was not stored (error ${code})`);
      });
      return;
    }
    for (const m of group.members.values()) {
      group.completeJoin(m, this.currentGenerationAnswer(group, m.memberId, group.isLeader(m.memberId)));
      this.rescheduleSession(m);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    group.syncGeneration = group.generationId;
    this.queue.schedule(group.syncDeadline, group.rebalanceTimeoutMs);
  }

  /** Members that never sent their SyncGroup within the rebalance timeout are removed. */
  private onSyncDeadline(group: ClassicGroup): void {
    if (!this.isLive(group) || group.syncGeneration !== group.generationId) return;
    if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0) return;
    for (const id of [...group.pendingSyncMembers]) this.dropMember(group, id);
    this.prepareRebalance(group);
  }

  private sessionExpiry(group: ClassicGroup): (m: Member) => void {
    return (m) => this.expireSession(group, m);
  }

  private rescheduleSession(member: Member): void {
    this.queue.schedule(member.session, member.sessionTimeoutMs);
  }

  private expireSession(group: ClassicGroup, member: Member): void {
    if (!this.isLive(group) || group.is('Dead') || group.members.get(member.memberId) !== member) return;
    if (member.hasSatisfiedHeartbeat) return;
    this.say(`group ${group.groupId}: member ${member.memberId} failed its session (${member.sessionTimeoutMs} ms); removing it`);
    this.removeMemberAndUpdateGroup(group, member);
  }

  private expirePendingMember(group: ClassicGroup, memberId: string): void {
    if (!this.isLive(group) || !group.pendingJoinMembers.delete(memberId)) return;
    this.maybeCompleteJoinPhase(group);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: Member): void {
    this.dropMember(group, member.memberId);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group);
    else this.maybeCompleteJoinPhase(group);
  }

  /** Removes a member or pending member with its timers; its parked requests get UNKNOWN_MEMBER_ID. */
  private dropMember(group: ClassicGroup, memberId: string): void {
    const pending = group.pendingJoinMembers.get(memberId);
    if (pending) {
      this.queue.cancel(pending);
      group.pendingJoinMembers.delete(memberId);
    }
    const m = group.members.get(memberId);
    if (!m) return;
    this.queue.cancel(m.session);
    group.completeJoin(m, joinError('', E.UNKNOWN_MEMBER_ID));
    group.completeSync(m, { errorCode: E.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    group.remove(memberId);
  }

  sync(req: SyncRequest): Promise<SyncResult> {
    return new Promise((respond) => this.syncNow(req, respond));
  }

  private syncNow(req: SyncRequest, respond: (r: SyncResult) => void): void {
    const fail = (errorCode: number): void => respond({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    const unavailable = this.unavailable(req.groupId);
    if (unavailable) return fail(unavailable);
    if (req.groupId === '') return fail(E.INVALID_GROUP_ID);
    const group = this.groups.get(req.groupId);
    if (!group || group.is('Empty')) return fail(E.UNKNOWN_MEMBER_ID);
    if (group.is('Dead')) return fail(E.COORDINATOR_NOT_AVAILABLE);
    const invalid = this.validateMember(group, req.memberId, req.groupInstanceId);
    if (invalid) return fail(invalid);
    if (req.generationId !== group.generationId) return fail(E.ILLEGAL_GENERATION);
    const inconsistent = (asked: string | null, actual: string | null): boolean => asked !== null && actual !== null && asked !== actual;
    if (inconsistent(req.protocolType, group.protocolType) || inconsistent(req.protocolName, group.protocolName)) return fail(E.INCONSISTENT_GROUP_PROTOCOL);
    const member = group.members.get(req.memberId)!;

    if (group.is('PreparingRebalance')) return fail(E.REBALANCE_IN_PROGRESS);
    if (group.is('Stable')) {
      this.removePendingSyncMember(group, req.memberId);
      respond({ errorCode: 0, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      this.rescheduleSession(member);
      return;
    }
    // CompletingRebalance: park until the leader's assignment is stored.
    const superseded = member.awaitingSync;
    member.awaitingSync = respond;
    if (superseded) superseded({ errorCode: E.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY });
    this.removePendingSyncMember(group, req.memberId);
    if (!group.isLeader(req.memberId)) return;

    const assignment = new Map<string, Buffer>();
    for (const a of req.assignments) assignment.set(a.memberId, a.assignment);
    // Members the leader left out get an empty assignment, as in Kafka.
    for (const id of group.members.keys()) if (!assignment.has(id)) assignment.set(id, EMPTY);
    const generation = group.generationId;
    void this.storeGroup(group, assignment).then((code) => {
      // Another member may have joined meanwhile: only the generation written for completes.
      if (!this.isLive(group) || !group.is('CompletingRebalance') || group.generationId !== generation) return;
      if (code !== 0) {
        this.resetAndPropagateAssignmentWithError(group, code);
        this.maybePrepareRebalanceOrCompleteJoin(group);
        return;
      }
      for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY;
      this.propagateAssignment(group, 0);
      group.transitionTo('Stable', this.queue.now());
    });
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0) this.queue.cancel(group.syncDeadline);
  }

  private resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number): void {
    if (!group.is('CompletingRebalance')) throw new Error(`group ${group.groupId} must be CompletingRebalance, not ${group.state}`);
    for (const m of group.members.values()) m.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      const answered = group.completeSync(m, {
        errorCode,
        protocolType: errorCode === 0 ? group.protocolType : null,
        protocolName: errorCode === 0 ? group.protocolName : null,
        assignment: m.assignment,
      });
      // A session that ran out while the member waited was ignored; start it afresh.
      if (answered) this.rescheduleSession(m);
    }
  }

  heartbeat(req: HeartbeatRequest): number {
    const unavailable = this.unavailable(req.groupId);
    if (unavailable) return unavailable;
    if (req.groupId === '') return E.INVALID_GROUP_ID;
    const group = this.groups.get(req.groupId);
    if (!group) return E.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return E.COORDINATOR_NOT_AVAILABLE;
    const invalid = this.validateMember(group, req.memberId, req.groupInstanceId);
    if (invalid) return invalid;
    if (req.generationId !== group.generationId) return E.ILLEGAL_GENERATION;
    if (group.is('Empty')) return E.UNKNOWN_MEMBER_ID;
    this.rescheduleSession(group.members.get(req.memberId)!);
    return group.is('PreparingRebalance') ? E.REBALANCE_IN_PROGRESS : 0;
  }

  /**
   * LeaveGroup: members by id, or (v3+) by static instance id alone (an administrator removing
   * a static member). A pending member may leave too.
   */
  leave(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]): LeaveResult {
    const unavailable = this.unavailable(groupId);
    if (unavailable) return { errorCode: unavailable, members: [] };
    if (groupId === '') return { errorCode: E.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: E.UNKNOWN_MEMBER_ID, members: [] };
    if (group.is('Dead')) return { errorCode: E.COORDINATOR_NOT_AVAILABLE, members: [] };
    const out: LeaveResult['members'] = [];
    let anyLeft = false;
    for (const { memberId, groupInstanceId } of members) {
      let errorCode = 0;
      if (memberId === '') {
        const id = groupInstanceId === null ? undefined : group.staticMembers.get(groupInstanceId);
        if (id === undefined) errorCode = E.UNKNOWN_MEMBER_ID;
        else this.dropMember(group, id);
      } else if (group.pendingJoinMembers.has(memberId)) {
        this.dropMember(group, memberId);
      } else {
        errorCode = this.validateMember(group, memberId, groupInstanceId);
        if (errorCode === 0) this.dropMember(group, memberId);
      }
      if (errorCode === 0) anyLeft = true;
      out.push({ memberId, groupInstanceId, errorCode });
    }
    if (anyLeft) {
      if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group);
      else if (group.is('PreparingRebalance')) this.maybeCompleteJoinPhase(group);
    }
    return { errorCode: 0, members: out };
  }

  // ───────────────────────────── offsets ─────────────────────────────

  /** Error codes per partition, in the order of the request. */
  async commitOffsets(req: CommitRequest): Promise<number[][]> {
    const all = (code: number): number[][] => req.topics.map((t) => t.partitions.map(() => code));
    const unavailable = this.unavailable(req.groupId);
    if (unavailable) return all(unavailable);
    let group = this.groups.get(req.groupId);
    if (!group) {
      // A commit without a generation comes from a standalone consumer or an admin: it gets
      // a "simple" group, Empty with no protocol. With a generation it is from a stale member.
      if (req.generationId >= 0) return all(req.version >= 9 ? E.GROUP_ID_NOT_FOUND : E.ILLEGAL_GENERATION);
      group = this.createGroup(req.groupId);
    } else {
      const invalid = this.validateOffsetCommit(group, req);
      if (invalid) return all(invalid);
      // A member's commit proves it alive, like a heartbeat.
      const member = req.generationId >= 0 ? group.members.get(req.memberId) : undefined;
      if (member && !member.isNew) this.rescheduleSession(member);
    }
    const { codes, records, accepted } = this.offsetRecords(req.groupId, req.topics);
    if (records.length === 0) return codes;
    for (const a of accepted) {
      const k = pendingKey(a.topic, a.partition);
      group.pendingCommits.set(k, (group.pendingCommits.get(k) ?? 0) + 1);
    }
    const code = commitAppendError(await this.append(req.groupId, records));
    for (const a of accepted) {
      const k = pendingKey(a.topic, a.partition);
      const n = group.pendingCommits.get(k)! - 1;
      if (n === 0) group.pendingCommits.delete(k);
      else group.pendingCommits.set(k, n);
      if (code === 0 && this.isLive(group)) group.setOffset(a.topic, a.partition, a.committed);
    }
    return codes.map((t) => t.map((c) => (c === -1 ? code : c)));
  }

  private validateOffsetCommit(group: ClassicGroup, req: CommitRequest): number {
    if (group.is('Dead')) return E.COORDINATOR_NOT_AVAILABLE;
    // Without a generation, an Empty group takes commits from anyone (admin, standalone consumer).
    if (req.generationId < 0 && group.is('Empty')) return 0;
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const invalid = this.validateMember(group, req.memberId, req.groupInstanceId);
      if (invalid) return invalid;
      if (req.generationId !== group.generationId) return E.ILLEGAL_GENERATION;
    } else if (!group.is('Empty')) {
      return E.UNKNOWN_MEMBER_ID;
    }
    // The member has its join answer but no assignment yet: it must finish the rebalance first.
    if (group.is('CompletingRebalance')) return E.REBALANCE_IN_PROGRESS;
    return 0;
  }

  /** Committed offsets of the asked partitions (-1 for none), or of every partition when `topics` is null. */
  fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, requireStable = false): FetchedOffsets {
    const none = (partitionIndex: number, errorCode = 0): FetchedPartition => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode });
    const unavailable = this.unavailable(groupId);
    if (unavailable) {
      return { errorCode: unavailable, topics: (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => none(p, unavailable)) })) };
    }
    const group = this.groups.get(groupId);
    const pending = requireStable ? this.pendingTxn.get(groupId) : undefined;
    const found = (topic: string, partition: number): FetchedPartition => {
      if (requireStable && this.isUnstable(group, pending, topic, partition)) return none(partition, E.UNSTABLE_OFFSET_COMMIT);
      const c = group?.offsetOf(topic, partition);
      if (!c) return none(partition);
      return { partitionIndex: partition, committedOffset: c.offset, committedLeaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: 0 };
    };
    if (topics === null) {
      if (!group) return { errorCode: 0, topics: [] };
      return {
        errorCode: 0,
        topics: [...group.offsets].map(([name, byPartition]) => ({ name, partitions: [...byPartition.keys()].sort((a, b) => a - b).map((p) => found(name, p)) })),
      };
    }
    return { errorCode: 0, topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => found(t.name, p)) })) };
  }

  /** Whether a commit of the partition is still pending: a transaction's, or one being written. */
  private isUnstable(group: ClassicGroup | undefined, pending: Map<number, Map<string, unknown>> | undefined, topic: string, partition: number): boolean {
    const k = pendingKey(topic, partition);
    if (group?.pendingCommits.has(k)) return true;
    if (pending) for (const byPartition of pending.values()) if (byPartition.has(k)) return true;
    return false;
  }

  private addPendingTxn(groupId: string, producerId: number, topic: string, partition: number, committed: CommittedOffset): void {
    let byProducer = this.pendingTxn.get(groupId);
    if (!byProducer) this.pendingTxn.set(groupId, (byProducer = new Map()));
    let byPartition = byProducer.get(producerId);
    if (!byPartition) byProducer.set(producerId, (byPartition = new Map()));
    byPartition.set(pendingKey(topic, partition), { topic, partition, committed });
  }

  /** Groups with transactional offsets pending, and how many partitions each (the console). */
  pendingTransactionalOffsets(): { groupId: string; producerId: number; partitions: number }[] {
    const out = [];
    for (const [groupId, byProducer] of this.pendingTxn) for (const [producerId, m] of byProducer) out.push({ groupId, producerId, partitions: m.size });
    return out;
  }

  /**
   * The records of an offset commit, plain or transactional: per partition -1 (to be answered
   * with the append's code) or the partition's own refusal (an unknown partition, metadata
   * too large), each accepted offset with its record. The commit time is the request's where it
   * gives one (OffsetCommit v1), now otherwise.
   */
  private offsetRecords(
    groupId: string,
    topics: readonly { name: string; partitions: readonly { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null; commitTimestamp?: number }[] }[],
  ): { codes: number[][]; records: LogRecord[]; accepted: { topic: string; partition: number; committed: CommittedOffset }[] } {
    const nowMs = this.queue.now();
    const records: LogRecord[] = [];
    const accepted: { topic: string; partition: number; committed: CommittedOffset }[] = [];
    const codes = topics.map((t) =>
      t.partitions.map((p) => {
        if (!this.partitionExists(t.name, p.partitionIndex)) return E.UNKNOWN_TOPIC_OR_PARTITION;
        const metadata = p.committedMetadata ?? '';
        if (metadata.length > this.config.offsetMetadataMaxBytes) return E.OFFSET_METADATA_TOO_LARGE;
        const commitTimestampMs = p.commitTimestamp !== undefined && p.commitTimestamp >= 0 ? p.commitTimestamp : nowMs;
        const committed: CommittedOffset = { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestampMs };
        accepted.push({ topic: t.name, partition: p.partitionIndex, committed });
        records.push({
          key: encodeOffsetCommitKey(groupId, t.name, p.partitionIndex),
          value: encodeOffsetCommitValue({ offset: committed.offset, leaderEpoch: committed.leaderEpoch, metadata, commitTimestamp: commitTimestampMs }),
        });
        return -1; // filled in after the append
      }),
    );
    return { codes, records, accepted };
  }

  /**
   * TxnOffsetCommit: the offsets are written as a transactional batch of the producer and held
   * as pending until the transaction's marker. Checks as Kafka's doTxnCommitOffsets: a Dead group
   * is COORDINATOR_NOT_AVAILABLE; a member id or generation (v3+, KIP-447) must be the group's;
   * without them (older clients) any group takes the commit. Error codes per partition.
   */
  async txnCommitOffsets(req: TxnCommitRequest): Promise<number[][]> {
    const all = (code: number): number[][] => req.topics.map((t) => t.partitions.map(() => code));
    const unavailable = this.unavailable(req.groupId);
    if (unavailable) return all(unavailable);
    let group = this.groups.get(req.groupId);
    if (!group) group = this.createGroup(req.groupId);
    if (group.is('Dead')) return all(E.COORDINATOR_NOT_AVAILABLE);
    if (req.memberId !== '' || req.generationId >= 0 || req.groupInstanceId !== null) {
      if (!(req.generationId < 0 && group.is('Empty') && req.memberId === '')) {
        const invalid = this.validateMember(group, req.memberId, req.groupInstanceId);
        if (invalid) return all(invalid);
        if (req.generationId >= 0 && req.generationId !== group.generationId) return all(E.ILLEGAL_GENERATION);
      }
    }
    const { codes, records, accepted } = this.offsetRecords(req.groupId, req.topics);
    if (records.length === 0) return codes;
    const code = commitAppendError(await this.append(req.groupId, records, { producerId: req.producerId, producerEpoch: req.producerEpoch }));
    if (code === 0) for (const a of accepted) this.addPendingTxn(req.groupId, req.producerId, a.topic, a.partition, a.committed);
    return codes.map((t) => t.map((c) => (c === -1 ? code : c)));
  }

  /**
   * A transaction marker was written to __consumer_offsets partition `offsetsPartition`: the
   * producer's pending offsets of the groups in that partition are applied (commit) or dropped.
   */
  completeTransaction(producerId: number, commit: boolean, offsetsPartition: number): void {
    for (const [groupId, byProducer] of this.pendingTxn) {
      if (this.partitionFor(groupId) !== offsetsPartition) continue;
      const offsets = byProducer.get(producerId);
      if (!offsets) continue;
      byProducer.delete(producerId);
      if (byProducer.size === 0) this.pendingTxn.delete(groupId);
      if (!commit) continue;
      let group = this.groups.get(groupId);
      if (!group || group.is('Dead')) group = this.createGroup(groupId);
      for (const o of offsets.values()) group.setOffset(o.topic, o.partition, o.committed);
    }
  }

  /**
   * OffsetDelete (KIP-496): an Empty group's offsets go; a group with members keeps those of the
   * topics it is subscribed to (GROUP_SUBSCRIBED_TO_TOPIC) and may only be a consumer group
   * (others: NON_EMPTY_GROUP).
   */
  async deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): Promise<DeletedOffsets> {
    const unavailable = this.unavailable(groupId);
    if (unavailable) return { errorCode: unavailable, topics: [] };
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return { errorCode: E.GROUP_ID_NOT_FOUND, topics: [] };
    const consumerWithMembers = !group.is('Empty') && group.protocolType === CONSUMER_PROTOCOL_TYPE;
    if (!group.is('Empty') && !consumerWithMembers) return { errorCode: E.NON_EMPTY_GROUP, topics: [] };
    const removed: [string, number][] = [];
    const result = topics.map((t) => {
      const subscribed = consumerWithMembers && group.isSubscribedToTopic(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((partitionIndex) => {
          if (!this.partitionExists(t.name, partitionIndex)) return { partitionIndex, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION };
          if (subscribed) return { partitionIndex, errorCode: E.GROUP_SUBSCRIBED_TO_TOPIC };
          if (group.removeOffset(t.name, partitionIndex)) removed.push([t.name, partitionIndex]);
          return { partitionIndex, errorCode: 0 };
        }),
      };
    });
    await this.cleanupGroup(group, removed);
    return { errorCode: 0, topics: result };
  }

  /**
   * Writes tombstones for offsets already removed from memory, and removes the group itself
   * (Dead, with its own tombstone) when it is Empty with no offsets left.
   */
  private async cleanupGroup(group: ClassicGroup, removed: [string, number][]): Promise<void> {
    const records: { key: Buffer; value: null }[] = removed.map(([topic, partition]) => ({ key: encodeOffsetCommitKey(group.groupId, topic, partition), value: null }));
    if (group.is('Empty') && !group.hasOffsets && group.pendingJoinMembers.size === 0) {
      this.removeGroup(group);
      records.push({ key: encodeGroupMetadataKey(group.groupId), value: null });
    }
    if (records.length === 0) return;
    const code = await this.append(group.groupId, records);
    if (code !== 0) this.say(`group ${group.groupId}: tombstones not written (error ${code})`);
  }

  // ───────────────────────────── administration ─────────────────────────────

  describeGroups(groupIds: string[]): GroupSummary[] {
    return groupIds.map((groupId) => {
      const group = this.groups.get(groupId);
      const unavailable = this.unavailable(groupId);
      if (unavailable) return { errorCode: unavailable, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
      if (!group) return { errorCode: 0, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
      // Metadata and assignments are shown only when they are settled (Stable).
      const stable = group.is('Stable');
      return {
        errorCode: 0,
        groupId,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        protocolData: stable ? (group.protocolName ?? '') : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? m.metadata(group.protocolName) : EMPTY,
          memberAssignment: stable ? m.assignment : EMPTY,
        })),
      };
    });
  }

  /** Every group, optionally filtered by state and by type (case-insensitive; empty filters match all). */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    if (types.size > 0 && !types.has('classic')) return [];
    const out: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' });
    }
    return out;
  }

  /** DeleteGroups: an Empty group goes with its offsets; one with members is NON_EMPTY_GROUP. */
  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const unavailable = this.unavailable(groupId);
        if (unavailable) return { groupId, errorCode: unavailable };
        const group = this.groups.get(groupId);
        if (!group || group.is('Dead')) return { groupId, errorCode: E.GROUP_ID_NOT_FOUND };
        if (!group.is('Empty')) return { groupId, errorCode: E.NON_EMPTY_GROUP };
        const records: LogRecord[] = [];
        for (const [topic, byPartition] of group.offsets) {
          for (const partition of byPartition.keys()) records.push({ key: encodeOffsetCommitKey(groupId, topic, partition), value: null });
        }
        records.push({ key: encodeGroupMetadataKey(groupId), value: null });
        this.removeGroup(group);
        const code = await this.append(groupId, records);
        if (code !== 0) this.say(`group ${groupId}: deletion tombstones not written (error ${code})`);
        return { groupId, errorCode: 0 };
      }),
    );
  }

  // ───────────────────────────── retention ─────────────────────────────

  /**
   * offsets.retention.minutes, checked every offsets.retention.check.interval.ms, with Kafka's
   * rule for which clock counts: an Empty group's offsets expire that long after the group
   * became Empty (after their commit when that time is unknown); a standalone consumer's that
   * long after their commit; a Stable consumer group's only for topics it no longer
   * subscribes to. Offsets with a commit in flight never expire. A group left Empty with no
   * offsets is removed.
   */
  expireOffsets(): void {
    if (this.closed) return;
    const nowMs = this.queue.now();
    for (const group of [...this.groups.values()]) {
      const removed: [string, number][] = [];
      for (const [topic, partition] of this.expiredOffsets(group, nowMs)) {
        group.removeOffset(topic, partition);
        removed.push([topic, partition]);
      }
      void this.cleanupGroup(group, removed);
    }
    this.queue.schedule(this.retentionDeadline, this.config.offsetsRetentionCheckIntervalMs);
  }

  private expiredOffsets(group: ClassicGroup, nowMs: number): [string, number][] {
    let since: (c: CommittedOffset) => number;
    let subscribed: Set<string> | null = null;
    if (group.protocolType === null) {
      since = (c) => c.commitTimestampMs;
    } else if (group.is('Empty')) {
      since = (c) => group.currentStateTimestampMs ?? c.commitTimestampMs;
    } else if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribedTopics && group.is('Stable')) {
      since = (c) => c.commitTimestampMs;
      subscribed = group.subscribedTopics;
    } else {
      return [];
    }
    const out: [string, number][] = [];
    for (const [topic, byPartition] of group.offsets) {
      if (subscribed?.has(topic)) continue;
      for (const [partition, c] of byPartition) {
        if (group.pendingCommits.has(pendingKey(topic, partition))) continue;
        if (nowMs - since(c) >= this.config.offsetsRetentionMs) out.push([topic, partition]);
      }
    }
    return out;
  }

  // ───────────────────────────── plumbing ─────────────────────────────

  private createGroup(groupId: string, state: GroupState = 'Empty', stateTimestampMs: number | null = this.queue.now()): ClassicGroup {
    const group = new ClassicGroup(
      groupId,
      state,
      stateTimestampMs,
      (g) => this.onJoinDeadline(g),
      (g) => this.onSyncDeadline(g),
    );
    this.groups.set(groupId, group);
    return group;
  }

  private removeGroup(group: ClassicGroup): void {
    group.transitionTo('Dead', this.queue.now());
    this.groups.delete(group.groupId);
    this.queue.cancel(group.joinDeadline);
    this.queue.cancel(group.syncDeadline);
    for (const d of group.pendingJoinMembers.values()) this.queue.cancel(d);
    for (const m of group.members.values()) this.queue.cancel(m.session);
  }

  private isLive(group: ClassicGroup): boolean {
    return !this.closed && this.groups.get(group.groupId) === group;
  }

  /** Stores the group with these assignments (GroupMetadataValue); resolves with the error a group operation answers. */
  private async storeGroup(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): Promise<number> {
    const value = encodeGroupMetadataValue({
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: group.currentStateTimestampMs ?? -1,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadata(group.protocolName),
        assignment: assignment.get(m.memberId) ?? EMPTY,
      })),
    });
    return groupAppendError(await this.append(group.groupId, [{ key: encodeGroupMetadataKey(group.groupId), value }]));
  }

  private async append(groupId: string, records: LogRecord[], txn?: { producerId: number; producerEpoch: number }): Promise<number> {
    try {
      return await this.offsetsLog.append(this.partitionFor(groupId), records, txn);
    } catch (e) {
      this.say(`group ${groupId}: append to __consumer_offsets failed: ${(e as Error).message}`);
      return E.KAFKA_STORAGE_ERROR;
    }
  }
}
