/**
 * The controller of a ZooKeeper-mode cluster, as Kafka 3.9's KafkaController runs it: while this
 * broker holds /controller (election.ts), it keeps every partition's leader and ISR in ZooKeeper
 * and tells the brokers with LeaderAndIsr, UpdateMetadata and StopReplica (controller-channel.ts).
 *
 *   ZooKeeper (watched)                         controller                      brokers
 *   /brokers/ids/*        ── BrokerChange ───▶ ┐                            ┌─▶ LeaderAndIsr  (replicas of changed partitions)
 *   /brokers/topics/*     ── TopicChange ────▶ │ one event at a time        ├─▶ UpdateMetadata (every live broker)
 *   /brokers/topics/<t>   ── PartitionMods ──▶ │ (ControllerEventQueue)     └─▶ StopReplica    (replicas to stop or delete)
 *   /admin/delete_topics  ── TopicDeletion ──▶ │
 *   AlterPartition, ControlledShutdown ──────▶ ┘ ──▶ /brokers/topics/<t>/partitions/<p>/state (conditional writes)
 *
 * Everything the controller does goes through one event queue processed one event at a time
 * (Kafka's ControllerEventManager), so the in-memory view (live brokers and their epochs,
 * assignments, partition states) changes only inside an event and needs no locks. Events that
 * re-read ZooKeeper wholesale (broker, topic and deletion changes, one broker's registration,
 * one topic's partitions) are folded into one when already waiting, so there is at most one per
 * watched znode; the answers to a deletion's StopReplica are bounded by the requests the channel
 * holds. Requests from brokers (AlterPartition, ControlledShutdown) are refused past
 * maxQueuedEvents waiting (DEFAULT_MAX_QUEUED_CONTROLLER_EVENTS): they are then answered
 * REQUEST_TIMED_OUT, which brokers retry. Kafka's queue is unbounded.
 *
 * Partition states. A state znode holds leader, leader_epoch, isr and the writer's
 * controller_epoch; its znode version is the partition epoch the brokers see (LeaderAndIsr's
 * partitionEpoch, UpdateMetadata's zkVersion, AlterPartition's partitionEpoch). Every write is a
 * multi of a check of /controller_epoch at the version this controller got when elected and the
 * write itself at the version last read: the first failing means another controller was elected
 * since (the event stops, the controller steps down and the elector is told); the second means
 * the partition's leader changed the state meanwhile, and the state is read again and the change
 * recomputed (at most MAX_STATE_WRITE_ATTEMPTS times).
 *
 * Partitions move between Kafka's states New (no state znode yet), Online and Offline:
 *   - New → Online: leader = the first live replica of the assignment, ISR = the live replicas,
 *     leader epoch 0; LeaderAndIsr with isNew to the ISR. No live replica: it stays New.
 *   - Offline → Online (offlinePartitionLeaderElection): the first replica of the assignment that
 *     is live and in the ISR leads, the ISR keeps its live members, leader epoch + 1. None: with
 *     unclean.leader.election.enable (the topic's /config/topics override, else the broker
 *     default) the first live replica leads alone, RECOVERING (KIP-704); without, it stays
 *     Offline.
 *   - A replica going offline (its broker gone, or shutting down as a follower) leaves the ISR,
 *     unless it is the last member, and when it led, the leader becomes -1; leader epoch + 1.
 *     This is what leaves an Offline partition with leader -1 and its last ISR member.
 * Only partitions a state change was asked of are elected: a partition led by a broker that is
 * shutting down stays Online until that broker's session ends.
 *
 * Brokers. A broker's epoch is the czxid of its /brokers/ids znode, which changes when it
 * registers again with a new session: that counts as the broker gone and back (a bounce). The
 * brokers that asked for a controlled shutdown are live for sending but not for leading or
 * joining an ISR.
 *
 * Topic deletion (TopicDeletionManager): UpdateMetadata with leader -2 (Kafka's
 * LeaderDuringDelete) so brokers stop serving the topic, StopReplica with deletePartition to
 * every live replica, and once every replica has answered without error, /brokers/topics/<t>
 * (with its partitions), /config/topics/<t> and /admin/delete_topics/<t> are deleted. A replica
 * whose broker is down or answered an error waits for that broker's next registration, as in
 * Kafka; the topic stays marked meanwhile.
 *
 * Requests go out per target broker in order; the controller does not wait for answers (as
 * Kafka's does not), except StopReplica for deletions, whose answers come back as events. Errors
 * in answers are logged.
 *
 * Not implemented (Kafka has them in this controller): preferred replica election (the
 * ElectLeaders API and /admin/preferred_replica_election) and the automatic leader rebalance
 * (auto.leader.rebalance.enable), partition reassignment (AlterPartitionReassignments and
 * /admin/reassign_partitions), log directory failure events (/log_dir_event_notification and
 * KAFKA_STORAGE_ERROR in LeaderAndIsr answers), ISR change notifications from brokers older than
 * IBP 2.7, the feature znode, and delegation tokens.
 *
 * Main thread.
 */
import { ChannelError, ControllerChannel, type ControllerChannelOptions, endpointHost } from './controller-channel.js';
import type { Logger } from '../core/logger.js';
import { withStack } from '../core/logger.js';
import { base64ToUuid, newTopicId, uuidToBase64 } from '../core/topic-store.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { AlterPartition, ControlledShutdown, LeaderAndIsr, StopReplica, UpdateMetadata } from '../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../protocol/schema.js';
import { type ZkEvent, type ZkOp, type ZkSession, ZkError } from './zk.js';
import {
  BROKER_IDS_PATH,
  type BrokerRegistration,
  CONTROLLER_EPOCH_PATH,
  ConfigType,
  DELETE_TOPICS_PATH,
  LEADER_DURING_DELETE,
  LeaderRecoveryState,
  NO_LEADER,
  type PartitionAssignment,
  type SecurityProtocol,
  TOPICS_PATH,
  brokerIdPath,
  configEntityPath,
  decodeBrokerRegistration,
  decodeEntityConfig,
  decodePartitionState,
  decodeTopicAssignment,
  deleteTopicPath,
  encodePartitionState,
  encodeTopicAssignment,
  topicPartitionPath,
  topicPartitionStatePath,
  topicPartitionsPath,
  topicPath,
} from './zk-data.js';

/** Events that may wait in the controller's queue before more are refused. */
export const DEFAULT_MAX_QUEUED_CONTROLLER_EVENTS = 10_000;
/** How often a partition's state is read and written again after its znode changed under the write. */
export const MAX_STATE_WRITE_ATTEMPTS = 10;
/** ZooKeeper requests one event keeps outstanding at once (ZkSession bounds its own queue). */
export const ZK_CONCURRENCY = 32;
/** Deletions per ZooKeeper multi when a topic's znodes are removed (a multi is bounded by jute.maxbuffer, 1 MiB). */
export const DELETE_OPS_PER_MULTI = 500;
/** Kafka's LeaderAndIsr.EpochDuringDelete: the leader epoch of StopReplica for a topic being deleted. */
export const EPOCH_DURING_DELETE = -2;
/** Kafka's LeaderAndIsr.NoEpoch. */
export const NO_EPOCH = -1;
/** Kafka's Uuid.ZERO_UUID, the topic id of a topic that has none. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
/** Kafka's SecurityProtocol ids on the wire. */
export const SECURITY_PROTOCOL_ID: Readonly<Record<SecurityProtocol, number>> = Object.freeze({ PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 });
/** Kafka's default unclean.leader.election.enable. */
export const DEFAULT_UNCLEAN_LEADER_ELECTION_ENABLE = false;
const UNCLEAN_KEY = 'unclean.leader.election.enable';

export type AlterPartitionRequest = RequestOf<typeof AlterPartition>;
export type AlterPartitionResponse = ResponseOf<typeof AlterPartition>;
export type ControlledShutdownResponse = ResponseOf<typeof ControlledShutdown>;

export interface ControllerOptions {
  zk: ZkSession;
  /** This broker's id: the controller id in every request. */
  brokerId: number;
  logger: Logger;
  /** The broker default of unclean.leader.election.enable; a function is asked at each election. */
  uncleanLeaderElectionEnable?: boolean | (() => boolean);
  /** Kafka's delete.topic.enable (true by default): when false, deletion requests are removed unheeded. */
  deleteTopicEnable?: boolean;
  /** Kafka's inter.broker.listener.name and security.inter.broker.protocol: the endpoint brokers are reached on. */
  interBrokerListenerName?: string | null;
  securityInterBrokerProtocol?: SecurityProtocol;
  /** TLS and SASL settings for the connections to brokers on a secured inter-broker listener. */
  clientSecurity?: ControllerChannelOptions['clientSecurity'];
  channelRequestTimeoutMs?: number;
  channelConnectTimeoutMs?: number;
  maxQueuedRequestsPerBroker?: number;
  maxQueuedEvents?: number;
  /**
   * Called when a write failed the controller epoch check (another controller was elected): the
   * controller has stopped itself; the elector should read /controller again (ControllerElector.recheck).
   */
  onControllerMoved?: () => void;
}

// ---------------------------------------------------------------------------------------------
// Leader election algorithms (Kafka's PartitionLeaderElectionAlgorithms)

/** The first replica of the assignment that is live and in the ISR; with `unclean`, else the first live one. */
export function offlinePartitionLeader(assignment: readonly number[], isr: readonly number[], live: (id: number) => boolean, unclean: boolean): number | undefined {
  const clean = assignment.find((id) => live(id) && isr.includes(id));
  if (clean !== undefined || !unclean) return clean;
  return assignment.find((id) => live(id));
}

/** The first replica of the assignment that is live (or shutting down), in the ISR, and not shutting down. */
export function controlledShutdownLeader(assignment: readonly number[], isr: readonly number[], liveOrShuttingDown: (id: number) => boolean, shuttingDown: ReadonlySet<number>): number | undefined {
  return assignment.find((id) => liveOrShuttingDown(id) && isr.includes(id) && !shuttingDown.has(id));
}

// ---------------------------------------------------------------------------------------------
// The event queue

/** Thrown inside an event when the controller was fenced (another controller's epoch) or stopped. */
class ControllerMovedError extends Error {
  override readonly name = 'ControllerMovedError';
}

interface ControllerEvent {
  readonly name: string;
  /**
   * Events with a key are folded into a waiting one with the same key. They are the watch
   * triggers, at most one per watched znode, and are queued past the bound: dropping one would
   * lose its watch, which only the event itself sets again.
   */
  readonly key?: string;
  /** Queued past the bound: the controller's own start (one per term), answers it waits for. */
  readonly unbounded?: boolean;
  run(): Promise<void>;
  /** Called instead of run when the queue is cleared (the controller stopped). */
  preempt?(): void;
}

/** Kafka's ControllerEventManager: events processed one at a time, in order, at most `max` waiting. */
class ControllerEventQueue {
  readonly #max: number;
  readonly #items: ControllerEvent[] = [];
  readonly #keys = new Set<string>();
  #running: Promise<void> | undefined;
  readonly #onError: (event: ControllerEvent, e: unknown) => void;

  constructor(max: number, onError: (event: ControllerEvent, e: unknown) => void) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxQueuedEvents must be a positive integer, not ${max}`);
    this.#max = max;
    this.#onError = onError;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Queues an event; false when the queue is full. An event whose key already waits is taken as queued. */
  put(event: ControllerEvent): boolean {
    if (event.key !== undefined && this.#keys.has(event.key)) return true;
    if (this.#items.length >= this.#max && event.key === undefined && !event.unbounded) return false;
    this.#items.push(event);
    if (event.key !== undefined) this.#keys.add(event.key);
    this.#running ??= this.#drain();
    return true;
  }

  /** Drops what waits, preempting each; the event running goes on. */
  clear(): void {
    const items = this.#items.splice(0);
    this.#keys.clear();
    for (const e of items) e.preempt?.();
  }

  /** Resolves once nothing runs or waits. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      for (let event = this.#items.shift(); event; event = this.#items.shift()) {
        if (event.key !== undefined) this.#keys.delete(event.key);
        try {
          await event.run();
        } catch (e) {
          this.#onError(event, e);
        }
      }
    } finally {
      // In the same turn as the last shift() that found nothing, so that a put() right after
      // starts a new drain instead of leaving its event to one that has ended.
      this.#running = undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The controller's view of the cluster, for one term as controller

interface LeaderIsr {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  leaderRecoveryState: LeaderRecoveryState;
  /** The epoch of the controller that wrote it. */
  controllerEpoch: number;
  /** The state znode's version: the partition epoch. */
  zkVersion: number;
}

type PartitionPhase = 'new' | 'online' | 'offline';

interface PartitionCtx {
  assignment: PartitionAssignment;
  state: LeaderIsr | undefined;
  phase: PartitionPhase;
}

interface TopicCtx {
  readonly name: string;
  /** The topic id as the protocol carries it (dashed), ZERO_UUID when the topic has none. */
  uuid: string;
  readonly partitions: Map<number, PartitionCtx>;
}

interface LiveBroker {
  registration: BrokerRegistration;
  /** The czxid of its /brokers/ids znode. */
  epoch: number;
}

interface Deletion {
  started: boolean;
  /** Replica keys ("p:broker") whose StopReplica(delete) was answered without error. */
  readonly done: Set<string>;
  /** Sent and not answered. */
  readonly inFlight: Set<string>;
  /** Failed, or their broker was down: retried when that broker registers again. */
  readonly ineligible: Set<string>;
}

interface TP {
  readonly topic: string;
  readonly partition: number;
}

interface Term {
  readonly epoch: number;
  readonly epochZkVersion: number;
  readonly channel: ControllerChannel;
  readonly brokers: Map<number, LiveBroker>;
  readonly shuttingDown: Set<number>;
  readonly topics: Map<string, TopicCtx>;
  readonly topicsById: Map<string, string>;
  readonly deleting: Map<string, Deletion>;
  /** Whether this term is still the controller's current one; watchers and events check it. */
  current: boolean;
  readonly brokerWatchers: Map<number, (e: ZkEvent) => void>;
  readonly topicWatchers: Map<string, (e: ZkEvent) => void>;
  brokersWatcher: (e: ZkEvent) => void;
  topicsWatcher: (e: ZkEvent) => void;
  deletionsWatcher: (e: ZkEvent) => void;
}

type LaiPartition = RequestOf<typeof LeaderAndIsr>['ungroupedPartitionStates'][number];
type UmPartition = RequestOf<typeof UpdateMetadata>['ungroupedPartitionStates'][number];
type UmBroker = RequestOf<typeof UpdateMetadata>['liveBrokers'][number];

interface StopReplicaEntry {
  topic: string;
  partition: number;
  leaderEpoch: number;
  deletePartition: boolean;
}

/** Requests gathered by one state change, sent together (Kafka's ControllerBrokerRequestBatch). */
class RequestBatch {
  readonly leaderAndIsr = new Map<number, Map<string, LaiPartition>>();
  readonly stopReplica = new Map<number, Map<string, StopReplicaEntry>>();
  readonly updateMetadataBrokers = new Set<number>();
  readonly updateMetadataPartitions = new Map<string, TP>();
}

function tpKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

function replicaKey(partition: number, broker: number): string {
  return `${partition}:${broker}`;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function tpName(tp: TP): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Runs fn over items with at most `limit` running at once; rejects with the first failure. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.e;
  return out;
}

function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** The outcome of one conditional partition state write. */
type WriteResult = { ok: true; zkVersion: number } | { ok: false; retry: boolean; why: string };

// ---------------------------------------------------------------------------------------------

export class Controller {
  readonly #zk: ZkSession;
  readonly #id: number;
  readonly #log: Logger;
  readonly #o: ControllerOptions;
  readonly #queue: ControllerEventQueue;
  #term: Term | undefined;
  #closed = false;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#zk = options.zk;
    this.#id = options.brokerId;
    this.#log = options.logger;
    this.#queue = new ControllerEventQueue(options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_CONTROLLER_EVENTS, (event, e) => this.#eventFailed(event, e));
  }

  /** Whether this broker acts as controller now. */
  get active(): boolean {
    return this.#term?.current === true;
  }

  /** The epoch of the current term, -1 when not active. */
  get epoch(): number {
    return this.active ? this.#term!.epoch : -1;
  }

  /** Events waiting (not counting the one running). */
  get queuedEvents(): number {
    return this.#queue.size;
  }

  /**
   * Becomes controller with this epoch and epoch zkVersion (the elector's onBecomeController):
   * reads the cluster from ZooKeeper, brings it up to date and starts watching. Resolves once
   * that is done; rejects when it failed for a reason other than another controller's election
   * (the elector then resigns, for a new election).
   */
  start(epoch: number, epochZkVersion: number): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the controller is closed'));
    if (this.#term?.current) this.#endTerm();
    const term = this.#newTerm(epoch, epochZkVersion);
    this.#term = term;
    return new Promise<void>((resolve, reject) => {
      const queued = this.#queue.put({
        name: 'Startup',
        unbounded: true,
        run: async () => {
          try {
            await this.#startup(term);
            resolve();
          } catch (e) {
            if (e instanceof ControllerMovedError) {
              this.#moved(term, e);
              resolve();
            } else {
              this.#log.error(withStack(`controller ${this.#id} (epoch ${epoch}) failed to start`, e));
              if (term.current) this.#endTerm();
              reject(e);
            }
          }
        },
        preempt: () => resolve(),
      });
      if (!queued) reject(new Error('the controller event queue is full'));
    });
  }

  /** Stops being controller (the elector's onResignController); resolves once the event running is over. */
  async stop(): Promise<void> {
    if (this.#term?.current) {
      this.#log.info(`controller ${this.#id} (epoch ${this.#term.epoch}) stops`);
      this.#endTerm();
    }
    await this.#queue.idle();
  }

  /** Stops, for good. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
  }

  /**
   * A partition leader's AlterPartition (KIP-497), answered as Kafka's ZooKeeper-mode controller
   * answers it. `version` is the request's version (topics by name below 2, by id from 2).
   */
  alterPartition(request: AlterPartitionRequest, version: number): Promise<AlterPartitionResponse> {
    return this.#ask(
      'AlterPartition',
      (term) => this.#alterPartition(term, request, version),
      (errorCode) => ({ throttleTimeMs: 0, errorCode, topics: [] }),
      `AlterPartition from broker ${request.brokerId}`,
    );
  }

  /**
   * A broker's ControlledShutdown: moves leadership of the partitions it leads to another ISR
   * member, takes it out of the ISRs it follows in, and answers the partitions it still leads
   * (those with no other live ISR member); the answer's shape is the response body's.
   */
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<ControlledShutdownResponse> {
    return this.#ask(
      'ControlledShutdown',
      (term) => this.#controlledShutdown(term, brokerId, brokerEpoch),
      (errorCode) => ({ errorCode, remainingPartitions: [] }),
      `controlled shutdown of broker ${brokerId}`,
    );
  }

  /**
   * A broker's request to the controller, run in the event queue in its turn: NOT_CONTROLLER
   * when this broker is not (or stops being) controller, UNKNOWN_SERVER_ERROR when it failed
   * otherwise (logged), REQUEST_TIMED_OUT when the queue is full.
   */
  #ask<R>(name: string, run: (term: Term) => Promise<R>, refused: (errorCode: number) => R, what: string): Promise<R> {
    const term = this.#term;
    if (!term?.current) return Promise.resolve(refused(ErrorCode.NOT_CONTROLLER));
    return new Promise((resolve) => {
      const queued = this.#queue.put({
        name,
        run: async () => {
          try {
            resolve(await run(term));
          } catch (e) {
            if (e instanceof ControllerMovedError) {
              this.#moved(term, e);
              resolve(refused(ErrorCode.NOT_CONTROLLER));
            } else {
              this.#log.error(withStack(`controller ${this.#id}: ${what} failed`, e));
              resolve(refused(ErrorCode.UNKNOWN_SERVER_ERROR));
            }
          }
        },
        preempt: () => resolve(refused(ErrorCode.NOT_CONTROLLER)),
      });
      if (!queued) {
        this.#log.warn(`controller ${this.#id}: event queue full, ${what} answered REQUEST_TIMED_OUT`);
        resolve(refused(ErrorCode.REQUEST_TIMED_OUT));
      }
    });
  }

  // ---- terms, events, fencing ---------------------------------------------------------------

  #newTerm(epoch: number, epochZkVersion: number): Term {
    const term: Term = {
      epoch,
      epochZkVersion,
      channel: new ControllerChannel({
        controllerId: this.#id,
        interBrokerListenerName: this.#o.interBrokerListenerName ?? null,
        securityInterBrokerProtocol: this.#o.securityInterBrokerProtocol ?? 'PLAINTEXT',
        ...(this.#o.clientSecurity ? { clientSecurity: this.#o.clientSecurity } : {}),
        ...(this.#o.channelRequestTimeoutMs !== undefined ? { requestTimeoutMs: this.#o.channelRequestTimeoutMs } : {}),
        ...(this.#o.channelConnectTimeoutMs !== undefined ? { connectTimeoutMs: this.#o.channelConnectTimeoutMs } : {}),
        ...(this.#o.maxQueuedRequestsPerBroker !== undefined ? { maxQueuedRequestsPerBroker: this.#o.maxQueuedRequestsPerBroker } : {}),
        logger: this.#log,
      }),
      brokers: new Map(),
      shuttingDown: new Set(),
      topics: new Map(),
      topicsById: new Map(),
      deleting: new Map(),
      current: true,
      brokerWatchers: new Map(),
      topicWatchers: new Map(),
      brokersWatcher: () => this.#put(term, { name: 'BrokerChange', key: 'BrokerChange', run: () => this.#brokerChange(term) }),
      topicsWatcher: () => this.#put(term, { name: 'TopicChange', key: 'TopicChange', run: () => this.#topicChange(term) }),
      deletionsWatcher: () => this.#put(term, { name: 'TopicDeletion', key: 'TopicDeletion', run: () => this.#topicDeletion(term) }),
    };
    return term;
  }

  #endTerm(): void {
    const term = this.#term;
    if (!term) return;
    term.current = false;
    term.channel.close();
    this.#queue.clear();
  }

  /** Queues an event of this term; events of an ended term, and their watch triggers, are dropped. */
  #put(term: Term, event: ControllerEvent): void {
    if (!term.current) return;
    const run = event.run;
    const queued = this.#queue.put({
      ...event,
      run: async () => {
        if (!term.current) return;
        try {
          await run();
        } catch (e) {
          if (e instanceof ControllerMovedError) this.#moved(term, e);
          else throw e;
        }
      },
    });
    if (!queued) this.#log.error(`controller ${this.#id}: event queue full (${this.#queue.size} events wait); ${event.name} dropped`);
  }

  #eventFailed(event: ControllerEvent, e: unknown): void {
    this.#log.error(withStack(`controller ${this.#id}: ${event.name} failed`, e));
  }

  /** A write failed the controller epoch check: step down and let the elector read /controller again. */
  #moved(term: Term, e: Error): void {
    if (!term.current) return;
    this.#log.warn(`controller ${this.#id} (epoch ${term.epoch}) is no longer controller: ${e.message}`);
    if (this.#term === term) this.#endTerm();
    else term.current = false;
    try {
      this.#o.onControllerMoved?.();
    } catch (err) {
      this.#log.error(withStack('onControllerMoved threw', err));
    }
  }

  #assertCurrent(term: Term): void {
    if (!term.current) throw new ControllerMovedError(`controller term of epoch ${term.epoch} ended`);
  }

  // ---- ZooKeeper: reads ---------------------------------------------------------------------

  #brokerWatcher(term: Term, id: number): (e: ZkEvent) => void {
    let w = term.brokerWatchers.get(id);
    if (!w) {
      w = (e) => {
        if (e.type === 'dataChanged') this.#put(term, { name: `BrokerModification(${id})`, key: `BrokerModification:${id}`, run: () => this.#brokerModification(term, id) });
      };
      term.brokerWatchers.set(id, w);
    }
    return w;
  }

  #topicWatcher(term: Term, topic: string): (e: ZkEvent) => void {
    let w = term.topicWatchers.get(topic);
    if (!w) {
      w = (e) => {
        if (e.type === 'dataChanged') this.#put(term, { name: `PartitionModifications(${topic})`, key: `PartitionModifications:${topic}`, run: () => this.#partitionModifications(term, topic) });
      };
      term.topicWatchers.set(topic, w);
    }
    return w;
  }

  /** Every registered broker with its registration and epoch, watching the list and each broker's data. */
  async #readBrokers(term: Term): Promise<Map<number, LiveBroker>> {
    this.#assertCurrent(term);
    const ids = ((await this.#zk.getChildren(BROKER_IDS_PATH, term.brokersWatcher)) ?? []).map(Number).filter((n) => Number.isInteger(n)).sort((a, b) => a - b);
    const out = new Map<number, LiveBroker>();
    await mapLimit(ids, ZK_CONCURRENCY, async (id) => {
      const got = await this.#zk.get(brokerIdPath(id), this.#brokerWatcher(term, id));
      if (!got) return;
      try {
        out.set(id, { registration: decodeBrokerRegistration(id, got.data), epoch: Number(got.stat.czxid) });
      } catch (e) {
        this.#log.error(withStack(`broker ${id}'s registration cannot be read; the controller ignores it`, e));
      }
    });
    return new Map([...out].sort((a, b) => a[0] - b[0]));
  }

  /** A topic's assignment from its znode (watched for added partitions), with a topic id written when it had none. */
  async #readTopic(term: Term, topic: string, attempt = 1): Promise<{ uuid: string; partitions: Map<number, PartitionAssignment> } | undefined> {
    const path = topicPath(topic);
    const got = await this.#zk.get(path, this.#topicWatcher(term, topic));
    if (!got) return undefined;
    let assignment;
    try {
      assignment = decodeTopicAssignment(topic, got.data);
    } catch (e) {
      this.#log.error(withStack(`topic ${topic}'s assignment cannot be read; the controller ignores the topic`, e));
      return undefined;
    }
    let topicId = assignment.topicId;
    if (topicId === null) {
      // Kafka's processTopicIds: a topic made by a writer from before topic ids gets one now.
      topicId = uuidToBase64(newTopicId());
      const write = await this.#conditional(term, [{ op: 'set', path, data: encodeTopicAssignment(topicId, assignment.partitions), version: got.stat.version }]);
      if (!write.ok) {
        if (!write.retry || attempt >= MAX_STATE_WRITE_ATTEMPTS) throw new Error(`topic ${topic}: writing its new topic id failed: ${write.why}`);
        this.#log.warn(`topic ${topic} changed while a topic id was added to it (${write.why}); reading it again`);
        return this.#readTopic(term, topic, attempt + 1);
      }
      this.#log.info(`topic ${topic} had no topic id; gave it ${topicId}`);
    }
    return { uuid: base64ToUuid(topicId), partitions: new Map(assignment.partitions) };
  }

  async #readState(tp: TP): Promise<LeaderIsr | undefined> {
    const got = await this.#zk.get(topicPartitionStatePath(tp.topic, tp.partition));
    if (!got || got.data.length === 0) return undefined;
    try {
      const s = decodePartitionState(tp.topic, tp.partition, got.data);
      return { leader: s.leader, leaderEpoch: s.leaderEpoch, isr: [...s.isr], leaderRecoveryState: s.leaderRecoveryState, controllerEpoch: s.controllerEpoch, zkVersion: got.stat.version };
    } catch (e) {
      this.#log.error(withStack(`the state of partition ${tpName(tp)} cannot be read`, e));
      return undefined;
    }
  }

  async #readStates(tps: readonly TP[]): Promise<(LeaderIsr | undefined)[]> {
    return mapLimit(tps, ZK_CONCURRENCY, (tp) => this.#readState(tp));
  }

  async #uncleanAllowed(topic: string): Promise<boolean> {
    const configured = this.#o.uncleanLeaderElectionEnable;
    const brokerDefault = typeof configured === 'function' ? configured() : (configured ?? DEFAULT_UNCLEAN_LEADER_ELECTION_ENABLE);
    const got = await this.#zk.get(configEntityPath(ConfigType.TOPIC, topic));
    if (!got) return brokerDefault;
    try {
      const value = decodeEntityConfig(got.data).get(UNCLEAN_KEY);
      const parsed = parseBoolean(value);
      if (value !== undefined && parsed === undefined) this.#log.warn(`topic ${topic}: ${UNCLEAN_KEY}=${value} is not a boolean; using the broker default`);
      return parsed ?? brokerDefault;
    } catch (e) {
      this.#log.warn(`topic ${topic}'s config cannot be read (${(e as Error).message}); using the broker default of ${UNCLEAN_KEY}`);
      return brokerDefault;
    }
  }

  // ---- ZooKeeper: conditional writes --------------------------------------------------------

  /**
   * Runs `ops` behind a check of /controller_epoch at this term's version. A failed check throws
   * ControllerMovedError; a failure of one of `ops` is returned (retry: the znode changed, or the
   * answer was lost and the write may or may not have been applied).
   */
  async #conditional(term: Term, ops: ZkOp[]): Promise<{ ok: true; results: Awaited<ReturnType<ZkSession['multi']>> } | { ok: false; retry: boolean; why: string; code: string }> {
    this.#assertCurrent(term);
    try {
      const results = await this.#zk.multi([{ op: 'check', path: CONTROLLER_EPOCH_PATH, version: term.epochZkVersion }, ...ops]);
      return { ok: true, results: results.slice(1) };
    } catch (e) {
      if (!(e instanceof ZkError)) throw e;
      if (e.opIndex === 0) throw new ControllerMovedError(`${CONTROLLER_EPOCH_PATH} is no longer at version ${term.epochZkVersion} (${e.code})`);
      if (e.opIndex === undefined && (e.code === 'BAD_VERSION' || e.code === 'NO_NODE')) {
        // The server did not say which operation failed: look at the epoch ourselves.
        const epoch = await this.#zk.exists(CONTROLLER_EPOCH_PATH);
        if (!epoch || epoch.version !== term.epochZkVersion) throw new ControllerMovedError(`${CONTROLLER_EPOCH_PATH} is no longer at version ${term.epochZkVersion}`);
      }
      if (e.code === 'SESSION_EXPIRED' || e.code === 'CLOSED') throw new ControllerMovedError(`the ZooKeeper session ended (${e.code})`);
      if (e.code === 'BAD_VERSION' || e.code === 'CONNECTION_LOSS' || e.code === 'OPERATION_TIMEOUT') return { ok: false, retry: true, why: e.message, code: e.code };
      return { ok: false, retry: false, why: e.message, code: e.code };
    }
  }

  async #writeState(term: Term, tp: TP, state: Omit<LeaderIsr, 'zkVersion'>, expectedZkVersion: number): Promise<WriteResult> {
    const data = encodePartitionState({ ...state });
    const r = await this.#conditional(term, [{ op: 'set', path: topicPartitionStatePath(tp.topic, tp.partition), data, version: expectedZkVersion }]);
    if (!r.ok) return { ok: false, retry: r.retry, why: r.why };
    const set = r.results[0];
    return { ok: true, zkVersion: set?.op === 'set' ? set.stat.version : expectedZkVersion + 1 };
  }

  /** Creates a partition's state znode (and its parents); 'exists' when another controller made it. */
  async #createState(term: Term, tp: TP, state: Omit<LeaderIsr, 'zkVersion'>, partitionsDirReady: Set<string>): Promise<WriteResult | 'exists'> {
    if (!partitionsDirReady.has(tp.topic)) {
      const dir = await this.#conditional(term, [{ op: 'create', path: topicPartitionsPath(tp.topic), data: null }]);
      if (!dir.ok && dir.code !== 'NODE_EXISTS') return { ok: false, retry: dir.retry, why: dir.why };
      partitionsDirReady.add(tp.topic);
    }
    const data = encodePartitionState({ ...state });
    const statePath = topicPartitionStatePath(tp.topic, tp.partition);
    let r = await this.#conditional(term, [
      { op: 'create', path: topicPartitionPath(tp.topic, tp.partition), data: null },
      { op: 'create', path: statePath, data },
    ]);
    if (!r.ok && r.code === 'NODE_EXISTS') r = await this.#conditional(term, [{ op: 'create', path: statePath, data }]);
    if (r.ok) return { ok: true, zkVersion: 0 };
    if (r.code === 'NODE_EXISTS') return 'exists';
    return { ok: false, retry: r.retry, why: r.why };
  }

  // ---- liveness -----------------------------------------------------------------------------

  /** Kafka's isReplicaOnline: registered and not shutting down. */
  #online(term: Term, id: number): boolean {
    return term.brokers.has(id) && !term.shuttingDown.has(id);
  }

  #liveOrShuttingDown(term: Term, id: number): boolean {
    return term.brokers.has(id);
  }

  #partition(term: Term, tp: TP): PartitionCtx | undefined {
    return term.topics.get(tp.topic)?.partitions.get(tp.partition);
  }

  #allPartitions(term: Term): TP[] {
    const out: TP[] = [];
    for (const t of term.topics.values()) for (const p of t.partitions.keys()) out.push({ topic: t.name, partition: p });
    return out;
  }

  // ---- request batches ----------------------------------------------------------------------

  #addLeaderAndIsr(term: Term, batch: RequestBatch, brokerIds: readonly number[], tp: TP, isNew: boolean): void {
    const p = this.#partition(term, tp);
    const topic = term.topics.get(tp.topic);
    if (!p?.state || !topic) return;
    const s = p.state;
    for (const id of brokerIds) {
      if (id < 0) continue;
      let forBroker = batch.leaderAndIsr.get(id);
      if (!forBroker) batch.leaderAndIsr.set(id, (forBroker = new Map()));
      const key = tpKey(tp.topic, tp.partition);
      const alreadyNew = forBroker.get(key)?.isNew ?? false;
      forBroker.set(key, {
        topicName: tp.topic,
        partitionIndex: tp.partition,
        controllerEpoch: s.controllerEpoch,
        leader: s.leader,
        leaderEpoch: s.leaderEpoch,
        isr: [...s.isr],
        partitionEpoch: s.zkVersion,
        replicas: [...p.assignment.replicas],
        addingReplicas: [...p.assignment.addingReplicas],
        removingReplicas: [...p.assignment.removingReplicas],
        isNew: isNew || alreadyNew,
        leaderRecoveryState: s.leaderRecoveryState,
      });
    }
    this.#addUpdateMetadata(batch, [...term.brokers.keys()], [tp]);
  }

  #addStopReplica(term: Term, batch: RequestBatch, brokerIds: readonly number[], tp: TP, deletePartition: boolean): void {
    const leaderEpoch = term.deleting.has(tp.topic) ? EPOCH_DURING_DELETE : (this.#partition(term, tp)?.state?.leaderEpoch ?? NO_EPOCH);
    for (const id of brokerIds) {
      if (id < 0) continue;
      let forBroker = batch.stopReplica.get(id);
      if (!forBroker) batch.stopReplica.set(id, (forBroker = new Map()));
      const key = tpKey(tp.topic, tp.partition);
      const already = forBroker.get(key)?.deletePartition ?? false;
      forBroker.set(key, { topic: tp.topic, partition: tp.partition, leaderEpoch, deletePartition: already || deletePartition });
    }
  }

  #addUpdateMetadata(batch: RequestBatch, brokerIds: readonly number[], tps: readonly TP[]): void {
    for (const id of brokerIds) if (id >= 0) batch.updateMetadataBrokers.add(id);
    for (const tp of tps) batch.updateMetadataPartitions.set(tpKey(tp.topic, tp.partition), tp);
  }

  #liveBrokersForUpdateMetadata(term: Term): UmBroker[] {
    return [...term.brokers.entries()].map(([id, b]) => {
      const plaintext = b.registration.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
      return {
        id,
        v0Host: plaintext ? endpointHost(plaintext) : '',
        v0Port: plaintext ? plaintext.port : -1,
        endpoints: b.registration.endpoints.map((e) => ({ port: e.port, host: e.host ?? '', listener: e.listenerName, securityProtocol: SECURITY_PROTOCOL_ID[e.securityProtocol] })),
        rack: b.registration.rack,
      };
    });
  }

  /** Sends what the batch gathered: LeaderAndIsr, then UpdateMetadata, then StopReplica, to live brokers only. */
  #sendBatch(term: Term, batch: RequestBatch): void {
    this.#assertCurrent(term);
    const common = { controllerId: this.#id, isKRaftController: false, controllerEpoch: term.epoch };
    // LeaderAndIsr.
    for (const [brokerId, partitions] of batch.leaderAndIsr) {
      const target = term.brokers.get(brokerId);
      if (!target) continue;
      const states = [...partitions.values()];
      const leaders = new Set(states.map((s) => s.leader));
      const liveLeaders: { brokerId: number; hostName: string; port: number }[] = [];
      for (const id of [...leaders].sort((a, b) => a - b)) {
        const b = term.brokers.get(id);
        const e = b && term.channel.endpointOf(b.registration.endpoints);
        if (e) liveLeaders.push({ brokerId: id, hostName: endpointHost(e), port: e.port });
      }
      const byTopic = new Map<string, LaiPartition[]>();
      for (const s of states) {
        let list = byTopic.get(s.topicName);
        if (!list) byTopic.set(s.topicName, (list = []));
        list.push(s);
      }
      const topicStates = [...byTopic].map(([topicName, partitionStates]) => ({ topicName, topicId: term.topics.get(topicName)?.uuid ?? ZERO_UUID, partitionStates }));
      const body = (version: number) => ({
        ...common,
        brokerEpoch: target.epoch,
        // Kafka's ZooKeeper-mode controller leaves the type UNKNOWN (0); INCREMENTAL (1) and FULL (2) come from a migrating KRaft controller.
        type: 0,
        ungroupedPartitionStates: version < 2 ? states : [],
        topicStates: version >= 2 ? topicStates : [],
        liveLeaders,
      });
      term.channel.send(brokerId, LeaderAndIsr, body).then(
        (r) => this.#leaderAndIsrAnswered(term, brokerId, r),
        (e) => this.#sendFailed(brokerId, 'LeaderAndIsr', e),
      );
      this.#log.info(
        `controller ${this.#id} (epoch ${term.epoch}): LeaderAndIsr to broker ${brokerId}: ${states.length} partitions, ${states.filter((s) => s.leader === brokerId).length} to lead`,
      );
    }
    // UpdateMetadata.
    const umStates: UmPartition[] = [];
    for (const tp of batch.updateMetadataPartitions.values()) {
      const p = this.#partition(term, tp);
      if (!p?.state) continue;
      const deleting = term.deleting.has(tp.topic);
      const replicas = [...p.assignment.replicas];
      umStates.push({
        topicName: tp.topic,
        partitionIndex: tp.partition,
        controllerEpoch: p.state.controllerEpoch,
        // Kafka's LeaderAndIsr.duringDelete: leader -2 with epochs at their initial values.
        leader: deleting ? LEADER_DURING_DELETE : p.state.leader,
        leaderEpoch: deleting ? 0 : p.state.leaderEpoch,
        isr: [...p.state.isr],
        zkVersion: deleting ? 0 : p.state.zkVersion,
        replicas,
        offlineReplicas: replicas.filter((id) => !this.#online(term, id)),
      });
    }
    if (batch.updateMetadataBrokers.size > 0) {
      const liveBrokers = this.#liveBrokersForUpdateMetadata(term);
      const byTopic = new Map<string, UmPartition[]>();
      for (const s of umStates) {
        let list = byTopic.get(s.topicName);
        if (!list) byTopic.set(s.topicName, (list = []));
        list.push(s);
      }
      const topicStates = [...byTopic].map(([topicName, partitionStates]) => ({ topicName, topicId: term.topics.get(topicName)?.uuid ?? ZERO_UUID, partitionStates }));
      for (const brokerId of [...batch.updateMetadataBrokers].sort((a, b) => a - b)) {
        const target = term.brokers.get(brokerId);
        if (!target) continue;
        const body = (version: number) => ({
          ...common,
          type: 0,
          brokerEpoch: target.epoch,
          ungroupedPartitionStates: version < 5 ? umStates : [],
          topicStates: version >= 5 ? topicStates : [],
          liveBrokers,
        });
        term.channel.send(brokerId, UpdateMetadata, body).then(
          (r) => {
            if (r.errorCode !== 0) this.#log.error(`controller ${this.#id}: UpdateMetadata to broker ${brokerId} answered ${errorName(r.errorCode)}`);
          },
          (e) => this.#sendFailed(brokerId, 'UpdateMetadata', e),
        );
      }
    }
    // StopReplica: one request for the partitions to delete and one for the others, which every
    // version can carry (versions 0-2 have one deletePartitions flag per request).
    for (const [brokerId, entries] of batch.stopReplica) {
      const target = term.brokers.get(brokerId);
      if (!target) continue;
      for (const deletePartition of [true, false]) {
        const list = [...entries.values()].filter((e) => e.deletePartition === deletePartition);
        if (list.length === 0) continue;
        const byTopic = new Map<string, StopReplicaEntry[]>();
        for (const e of list) {
          let l = byTopic.get(e.topic);
          if (!l) byTopic.set(e.topic, (l = []));
          l.push(e);
        }
        const body = (version: number) => ({
          ...common,
          brokerEpoch: target.epoch,
          deletePartitions: deletePartition,
          ungroupedPartitions: version === 0 ? list.map((e) => ({ topicName: e.topic, partitionIndex: e.partition })) : [],
          topics: version >= 1 && version <= 2 ? [...byTopic].map(([name, l]) => ({ name, partitionIndexes: l.map((e) => e.partition) })) : [],
          topicStates:
            version >= 3 ? [...byTopic].map(([topicName, l]) => ({ topicName, partitionStates: l.map((e) => ({ partitionIndex: e.partition, leaderEpoch: e.leaderEpoch, deletePartition: e.deletePartition })) })) : [],
        });
        const forDeletion = list.filter((e) => e.deletePartition && term.deleting.has(e.topic));
        term.channel.send(brokerId, StopReplica, body).then(
          (r) => {
            if (r.errorCode !== 0) this.#log.error(`controller ${this.#id}: StopReplica to broker ${brokerId} answered ${errorName(r.errorCode)}`);
            for (const pe of r.partitionErrors) {
              if (pe.errorCode !== 0) this.#log.error(`controller ${this.#id}: StopReplica of ${pe.topicName}-${pe.partitionIndex} on broker ${brokerId} answered ${errorName(pe.errorCode)}`);
            }
            if (forDeletion.length > 0) this.#stopReplicaAnswered(term, brokerId, forDeletion, r);
          },
          (e) => {
            this.#sendFailed(brokerId, 'StopReplica', e);
            if (forDeletion.length > 0) this.#stopReplicaAnswered(term, brokerId, forDeletion, undefined);
          },
        );
        this.#log.info(`controller ${this.#id} (epoch ${term.epoch}): StopReplica (delete ${deletePartition}) to broker ${brokerId}: ${list.length} partitions`);
      }
    }
  }

  #sendFailed(brokerId: number, api: string, e: unknown): void {
    if (e instanceof ChannelError && (e.reason === 'removed' || e.reason === 'closed')) return;
    this.#log.error(`controller ${this.#id}: ${api} to broker ${brokerId} was not sent: ${(e as Error).message}`);
  }

  #leaderAndIsrAnswered(term: Term, brokerId: number, r: ResponseOf<typeof LeaderAndIsr>): void {
    if (r.errorCode !== 0) {
      this.#log.error(`controller ${this.#id} (epoch ${term.epoch}): LeaderAndIsr to broker ${brokerId} answered ${errorName(r.errorCode)}`);
      return;
    }
    const names = (topicId: string) => term.topicsById.get(topicId) ?? topicId;
    const errors = [
      ...r.partitionErrors.map((pe) => ({ name: `${pe.topicName}-${pe.partitionIndex}`, code: pe.errorCode })),
      ...r.topics.flatMap((t) => t.partitionErrors.map((pe) => ({ name: `${names(t.topicId)}-${pe.partitionIndex}`, code: pe.errorCode }))),
    ].filter((e) => e.code !== 0);
    for (const e of errors) this.#log.error(`controller ${this.#id}: LeaderAndIsr of ${e.name} on broker ${brokerId} answered ${errorName(e.code)}`);
  }

  // ---- partition state changes --------------------------------------------------------------

  /**
   * NewPartition → OnlinePartition: leader the first live replica, ISR the live replicas; the
   * ISR gets LeaderAndIsr with isNew. Returns the partitions initialized.
   */
  async #initializePartitions(term: Term, batch: RequestBatch, tps: readonly TP[]): Promise<TP[]> {
    const done: TP[] = [];
    const dirs = new Set<string>();
    await mapLimit(tps, ZK_CONCURRENCY, async (tp) => {
      const p = this.#partition(term, tp);
      if (!p) return;
      const live = p.assignment.replicas.filter((id) => this.#online(term, id));
      if (live.length === 0) {
        this.#log.error(
          `controller ${this.#id} (epoch ${term.epoch}): partition ${tpName(tp)} stays new: no assigned replica is alive (replicas ${p.assignment.replicas.join(',')}, live brokers ${[...term.brokers.keys()].join(',')})`,
        );
        return;
      }
      const state = { leader: live[0]!, leaderEpoch: 0, isr: live, leaderRecoveryState: LeaderRecoveryState.RECOVERED, controllerEpoch: term.epoch };
      for (let attempt = 1; attempt <= MAX_STATE_WRITE_ATTEMPTS; attempt++) {
        const r = await this.#createState(term, tp, state, dirs);
        if (r === 'exists') {
          // Written by an earlier controller that did not get to tell anyone: take it as it is.
          const existing = await this.#readState(tp);
          if (!existing) continue;
          p.state = existing;
          p.phase = this.#online(term, existing.leader) ? 'online' : 'offline';
          this.#log.warn(`partition ${tpName(tp)} already had a state (leader ${existing.leader}, epoch ${existing.leaderEpoch}); keeping it`);
          this.#addLeaderAndIsr(term, batch, p.assignment.replicas.filter((id) => this.#liveOrShuttingDown(term, id)), tp, true);
          done.push(tp);
          return;
        }
        if (r.ok) {
          p.state = { ...state, zkVersion: r.zkVersion };
          p.phase = 'online';
          this.#addLeaderAndIsr(term, batch, live, tp, true);
          done.push(tp);
          return;
        }
        if (!r.retry) {
          this.#log.error(`controller ${this.#id}: creating the state of partition ${tpName(tp)} failed: ${r.why}`);
          return;
        }
      }
      this.#log.error(`controller ${this.#id}: creating the state of partition ${tpName(tp)} did not succeed in ${MAX_STATE_WRITE_ATTEMPTS} attempts`);
    });
    return done;
  }

  /**
   * Elects leaders (OfflinePartition/OnlinePartition → OnlinePartition) with Kafka's offline or
   * controlled-shutdown election, re-reading each state first; a state changed under the write
   * is read and elected again. Returns the partitions that got a leader.
   */
  /**
   * The state-write pass both elections and ISR removals make: read the partitions' state
   * znodes, run `step` on each (it writes; true asks for another try, after a version race),
   * up to MAX_STATE_WRITE_ATTEMPTS rounds of the partitions asking again. A state written by a
   * newer controller ends this one's term (ControllerMovedError); a partition without a state
   * goes to `missing`.
   */
  async #updateStates(term: Term, tps: readonly TP[], what: string, missing: (tp: TP) => void, step: (tp: TP, current: LeaderIsr, p: PartitionCtx) => Promise<boolean>): Promise<void> {
    let remaining = [...tps];
    for (let attempt = 1; remaining.length > 0; attempt++) {
      if (attempt > MAX_STATE_WRITE_ATTEMPTS) {
        this.#log.error(`controller ${this.#id}: ${what} for ${remaining.map(tpName).join(', ')} gave up after ${MAX_STATE_WRITE_ATTEMPTS} attempts`);
        return;
      }
      const states = await this.#readStates(remaining);
      const retry: TP[] = [];
      await mapLimit(
        remaining.map((tp, i) => [tp, states[i]] as const),
        ZK_CONCURRENCY,
        async ([tp, current]) => {
          const p = this.#partition(term, tp);
          if (!p) return;
          if (!current) return missing(tp);
          if (current.controllerEpoch > term.epoch) {
            throw new ControllerMovedError(`the state of ${tpName(tp)} was written by controller epoch ${current.controllerEpoch}, above ours (${term.epoch})`);
          }
          if (await step(tp, current, p)) retry.push(tp);
        },
      );
      remaining = retry;
    }
  }

  async #electLeaders(term: Term, batch: RequestBatch, tps: readonly TP[], strategy: 'offline' | 'controlled-shutdown'): Promise<TP[]> {
    const elected: TP[] = [];
    await this.#updateStates(term, tps, 'leader election', (tp) => this.#log.error(`controller ${this.#id}: partition ${tpName(tp)} has no state to elect a leader from`), async (tp, current, p) => {
      p.state = current;
      const assignment = p.assignment.replicas;
      let leader: number | undefined;
      let isr: number[];
      let recovery = current.leaderRecoveryState;
      let recipients: number[];
      if (strategy === 'offline') {
        const live = (id: number) => this.#online(term, id);
        const anyLiveIsr = current.isr.some(live);
        const unclean = !anyLiveIsr && (await this.#uncleanAllowed(tp.topic));
        leader = offlinePartitionLeader(assignment, current.isr, live, unclean);
        if (leader === undefined) {
          this.#log.error(
            `controller ${this.#id} (epoch ${term.epoch}): no leader for partition ${tpName(tp)}: no live in-sync replica (ISR ${current.isr.join(',')})${unclean ? ' and no live replica' : ' and unclean leader election is disabled'}`,
          );
          return false;
        }
        if (current.isr.includes(leader)) isr = current.isr.filter(live);
        else {
          isr = [leader];
          recovery = LeaderRecoveryState.RECOVERING;
          this.#log.warn(`controller ${this.#id}: unclean leader election for partition ${tpName(tp)}: broker ${leader} leads, out of sync (ISR was ${current.isr.join(',')})`);
        }
        recipients = assignment.filter(live);
      } else {
        const liveOrShuttingDown = (id: number) => this.#liveOrShuttingDown(term, id);
        leader = controlledShutdownLeader(assignment, current.isr, liveOrShuttingDown, term.shuttingDown);
        if (leader === undefined) return false;
        isr = current.isr.filter((id) => !term.shuttingDown.has(id));
        recipients = assignment.filter(liveOrShuttingDown);
      }
      const next = { leader, leaderEpoch: current.leaderEpoch + 1, isr, leaderRecoveryState: recovery, controllerEpoch: term.epoch };
      const r = await this.#writeState(term, tp, next, current.zkVersion);
      if (r.ok) {
        p.state = { ...next, zkVersion: r.zkVersion };
        p.phase = 'online';
        this.#addLeaderAndIsr(term, batch, recipients, tp, false);
        elected.push(tp);
      } else if (r.retry) return true;
      else this.#log.error(`controller ${this.#id}: writing the new leader of ${tpName(tp)} failed: ${r.why}`);
      return false;
    });
    if (elected.length > 0) {
      this.#log.info(
        `controller ${this.#id} (epoch ${term.epoch}): new leaders ${elected.map((tp) => `${tpName(tp)}→${this.#partition(term, tp)?.state?.leader}`).join(', ')}`,
      );
    }
    return elected;
  }

  /** Kafka's triggerOnlinePartitionStateChange: every New or Offline partition not being deleted goes Online if it can. */
  async #triggerOnlinePartitions(term: Term): Promise<{ initialized: TP[]; elected: TP[] }> {
    const fresh: TP[] = [];
    const offline: TP[] = [];
    for (const t of term.topics.values()) {
      if (term.deleting.has(t.name)) continue;
      for (const [partition, p] of t.partitions) {
        if (p.phase === 'new') fresh.push({ topic: t.name, partition });
        else if (p.phase === 'offline') offline.push({ topic: t.name, partition });
      }
    }
    const batch = new RequestBatch();
    const initialized = fresh.length > 0 ? await this.#initializePartitions(term, batch, fresh) : [];
    const elected = offline.length > 0 ? await this.#electLeaders(term, batch, offline, 'offline') : [];
    this.#sendBatch(term, batch);
    return { initialized, elected };
  }

  /**
   * Kafka's OfflineReplica transition: StopReplica (no delete) to the replica, and it leaves
   * the ISR (unless it is the last member; a leader becomes -1), leader epoch + 1, LeaderAndIsr
   * to the other replicas. Partitions without a state get UpdateMetadata only.
   */
  async #replicasOffline(term: Term, batch: RequestBatch, replicaId: number, tps: readonly TP[]): Promise<void> {
    for (const tp of tps) this.#addStopReplica(term, batch, [replicaId], tp, false);
    const withState = tps.filter((tp) => this.#partition(term, tp)?.state !== undefined);
    for (const tp of tps) if (!this.#partition(term, tp)?.state) this.#addUpdateMetadata(batch, [...term.brokers.keys()], [tp]);
    await this.#updateStates(
      term,
      withState,
      `removing broker ${replicaId} from the ISR`,
      (tp) => {
        if (!term.deleting.has(tp.topic)) this.#log.error(`controller ${this.#id}: partition ${tpName(tp)} has no state to remove broker ${replicaId} from`);
      },
      async (tp, current, p) => {
        if (current.isr.includes(replicaId)) {
          const next = {
            leader: current.leader === replicaId ? NO_LEADER : current.leader,
            leaderEpoch: current.leaderEpoch + 1,
            isr: current.isr.length === 1 ? [...current.isr] : current.isr.filter((id) => id !== replicaId),
            leaderRecoveryState: current.leaderRecoveryState,
            controllerEpoch: term.epoch,
          };
          const r = await this.#writeState(term, tp, next, current.zkVersion);
          if (!r.ok) {
            if (r.retry) return true;
            this.#log.error(`controller ${this.#id}: removing broker ${replicaId} from the ISR of ${tpName(tp)} failed: ${r.why}`);
            return false;
          }
          p.state = { ...next, zkVersion: r.zkVersion };
          if (next.leader === NO_LEADER) p.phase = 'offline';
          this.#log.info(`controller ${this.#id}: partition ${tpName(tp)} without broker ${replicaId}: leader ${next.leader}, ISR ${next.isr.join(',')}, leader epoch ${next.leaderEpoch}`);
        } else {
          p.state = current;
        }
        if (!term.deleting.has(tp.topic)) {
          this.#addLeaderAndIsr(
            term,
            batch,
            p.assignment.replicas.filter((id) => id !== replicaId),
            tp,
            false,
          );
        }
        return false;
      },
    );
  }

  /** The partitions with a replica on any of these brokers, grouped by broker. */
  #replicasOn(term: Term, brokerIds: ReadonlySet<number>): Map<number, TP[]> {
    const out = new Map<number, TP[]>();
    for (const t of term.topics.values()) {
      for (const [partition, p] of t.partitions) {
        for (const id of p.assignment.replicas) {
          if (!brokerIds.has(id)) continue;
          let l = out.get(id);
          if (!l) out.set(id, (l = []));
          l.push({ topic: t.name, partition });
        }
      }
    }
    return out;
  }

  // ---- events -------------------------------------------------------------------------------

  async #startup(term: Term): Promise<void> {
    this.#log.info(`controller ${this.#id} starts with epoch ${term.epoch} (epoch zkVersion ${term.epochZkVersion})`);
    for (const path of [BROKER_IDS_PATH, TOPICS_PATH, DELETE_TOPICS_PATH]) await this.#zk.mkdirs(path);
    this.#assertCurrent(term);
    const brokers = await this.#readBrokers(term);
    for (const [id, b] of brokers) term.brokers.set(id, b);
    const topicNames = ((await this.#zk.getChildren(TOPICS_PATH, term.topicsWatcher)) ?? []).sort();
    await mapLimit(topicNames, ZK_CONCURRENCY, async (name) => {
      const read = await this.#readTopic(term, name);
      if (read) this.#addTopic(term, name, read);
    });
    const allTps = this.#allPartitions(term);
    const states = await this.#readStates(allTps);
    allTps.forEach((tp, i) => {
      const p = this.#partition(term, tp)!;
      p.state = states[i];
      p.phase = p.state === undefined ? 'new' : this.#online(term, p.state.leader) ? 'online' : 'offline';
    });
    const marked = (await this.#zk.getChildren(DELETE_TOPICS_PATH, term.deletionsWatcher)) ?? [];
    this.#assertCurrent(term);
    for (const id of term.brokers.keys()) term.channel.addBroker({ id, endpoints: term.brokers.get(id)!.registration.endpoints });
    this.#log.info(
      `controller ${this.#id} (epoch ${term.epoch}): live brokers ${[...term.brokers.keys()].join(',') || 'none'}, ${term.topics.size} topics, ${allTps.length} partitions, ${marked.length} marked for deletion`,
    );
    // Brokers learn the live brokers before any LeaderAndIsr names them as leaders (Kafka's order).
    const first = new RequestBatch();
    this.#addUpdateMetadata(first, [...term.brokers.keys()], []);
    this.#sendBatch(term, first);
    await this.#queueDeletions(term, marked);
    // Kafka's replica state machine startup: every live replica is told its partitions.
    const replicas = new RequestBatch();
    for (const t of term.topics.values()) {
      if (term.deleting.has(t.name)) continue;
      for (const [partition, p] of t.partitions) {
        if (!p.state) continue;
        this.#addLeaderAndIsr(
          term,
          replicas,
          p.assignment.replicas.filter((id) => this.#online(term, id)),
          { topic: t.name, partition },
          false,
        );
      }
    }
    this.#sendBatch(term, replicas);
    await this.#triggerOnlinePartitions(term);
    await this.#resumeDeletions(term);
  }

  #addTopic(term: Term, name: string, read: { uuid: string; partitions: Map<number, PartitionAssignment> }): TopicCtx {
    const topic: TopicCtx = { name, uuid: read.uuid, partitions: new Map() };
    for (const [partition, assignment] of read.partitions) topic.partitions.set(partition, { assignment, state: undefined, phase: 'new' });
    term.topics.set(name, topic);
    term.topicsById.set(read.uuid, name);
    return topic;
  }

  #removeTopic(term: Term, name: string): void {
    const t = term.topics.get(name);
    if (t) term.topicsById.delete(t.uuid);
    term.topics.delete(name);
    term.deleting.delete(name);
    term.topicWatchers.delete(name);
  }

  /** Kafka's processBrokerChange: new, gone and bounced (re-registered with a new session) brokers. */
  async #brokerChange(term: Term): Promise<void> {
    const current = await this.#readBrokers(term);
    this.#assertCurrent(term);
    const known = new Set(term.brokers.keys());
    const added = [...current.keys()].filter((id) => !known.has(id));
    const gone = [...known].filter((id) => !current.has(id));
    const bounced = [...current.keys()].filter((id) => known.has(id) && current.get(id)!.epoch > term.brokers.get(id)!.epoch);
    if (added.length + gone.length + bounced.length === 0) return;
    this.#log.info(
      `controller ${this.#id} (epoch ${term.epoch}): brokers added ${added.join(',') || 'none'}, gone ${gone.join(',') || 'none'}, bounced ${bounced.join(',') || 'none'}; live ${[...current.keys()].join(',') || 'none'}`,
    );
    for (const id of [...bounced, ...gone]) term.channel.removeBroker(id);
    for (const id of [...added, ...bounced]) term.channel.addBroker({ id, endpoints: current.get(id)!.registration.endpoints });
    if (added.length > 0) {
      for (const id of added) term.brokers.set(id, current.get(id)!);
      await this.#brokersStarted(term, added);
    }
    if (bounced.length > 0) {
      for (const id of bounced) term.brokers.delete(id);
      await this.#brokersFailed(term, bounced);
      for (const id of bounced) term.brokers.set(id, current.get(id)!);
      await this.#brokersStarted(term, bounced);
    }
    if (gone.length > 0) {
      for (const id of gone) term.brokers.delete(id);
      await this.#brokersFailed(term, gone);
    }
  }

  /** Kafka's onBrokerStartup. */
  async #brokersStarted(term: Term, ids: readonly number[]): Promise<void> {
    const newSet = new Set(ids);
    const existing = [...term.brokers.keys()].filter((id) => !newSet.has(id));
    // The others learn of the new brokers; the new ones get every partition that has a leader.
    const toExisting = new RequestBatch();
    this.#addUpdateMetadata(toExisting, existing, []);
    this.#sendBatch(term, toExisting);
    const toNew = new RequestBatch();
    const withLeaders = this.#allPartitions(term).filter((tp) => !term.deleting.has(tp.topic) && this.#partition(term, tp)?.state !== undefined);
    this.#addUpdateMetadata(toNew, ids, withLeaders);
    this.#sendBatch(term, toNew);
    // Each new broker is told every partition it hosts (Kafka's OnlineReplica).
    const replicas = new RequestBatch();
    const hosted = this.#replicasOn(term, newSet);
    for (const [id, tps] of hosted) {
      for (const tp of tps) if (!term.deleting.has(tp.topic)) this.#addLeaderAndIsr(term, replicas, [id], tp, false);
    }
    this.#sendBatch(term, replicas);
    await this.#triggerOnlinePartitions(term);
    // Deletions waiting for these brokers go on.
    let resume = false;
    for (const d of term.deleting.values()) {
      for (const key of [...d.ineligible]) {
        if (newSet.has(Number(key.slice(key.indexOf(':') + 1)))) {
          d.ineligible.delete(key);
          resume = true;
        }
      }
    }
    if (resume) await this.#resumeDeletions(term);
  }

  /** Kafka's onBrokerFailure and onReplicasBecomeOffline. */
  async #brokersFailed(term: Term, ids: readonly number[]): Promise<void> {
    for (const id of ids) term.shuttingDown.delete(id);
    const dead = new Set(ids);
    const hosted = this.#replicasOn(term, dead);
    // Partitions whose leader is no longer online go Offline, then every Offline or New one is elected.
    for (const t of term.topics.values()) {
      if (term.deleting.has(t.name)) continue;
      for (const p of t.partitions.values()) {
        if (p.state && !this.#online(term, p.state.leader)) p.phase = 'offline';
      }
    }
    const { elected } = await this.#triggerOnlinePartitions(term);
    const batch = new RequestBatch();
    let offlineReplicas = 0;
    for (const [id, tps] of hosted) {
      const live = tps.filter((tp) => !term.deleting.has(tp.topic));
      offlineReplicas += live.length;
      if (live.length > 0) await this.#replicasOffline(term, batch, id, live);
      for (const tp of tps) {
        const d = term.deleting.get(tp.topic);
        if (!d) continue;
        const key = replicaKey(tp.partition, id);
        if (!d.done.has(key)) {
          d.inFlight.delete(key);
          d.ineligible.add(key);
        }
      }
    }
    if (offlineReplicas === 0 && elected.length === 0) this.#addUpdateMetadata(batch, [...term.brokers.keys()], []);
    this.#sendBatch(term, batch);
  }

  /** Kafka's processBrokerModification: new endpoints or rack are sent to every broker. */
  async #brokerModification(term: Term, id: number): Promise<void> {
    const known = term.brokers.get(id);
    const got = await this.#zk.get(brokerIdPath(id), this.#brokerWatcher(term, id));
    this.#assertCurrent(term);
    if (!got || !known) return;
    let registration: BrokerRegistration;
    try {
      registration = decodeBrokerRegistration(id, got.data);
    } catch (e) {
      this.#log.error(withStack(`broker ${id}'s new registration cannot be read`, e));
      return;
    }
    if (Number(got.stat.czxid) !== known.epoch) return; // a new session: BrokerChange handles it
    const same =
      registration.rack === known.registration.rack &&
      registration.endpoints.length === known.registration.endpoints.length &&
      registration.endpoints.every((e, i) => {
        const o = known.registration.endpoints[i]!;
        return e.listenerName === o.listenerName && e.securityProtocol === o.securityProtocol && e.host === o.host && e.port === o.port;
      });
    if (same) return;
    this.#log.info(`controller ${this.#id}: broker ${id} changed its registration`);
    known.registration = registration;
    term.channel.addBroker({ id, endpoints: registration.endpoints });
    const batch = new RequestBatch();
    this.#addUpdateMetadata(batch, [...term.brokers.keys()], []);
    this.#sendBatch(term, batch);
  }

  /** Kafka's processTopicChange: new topics are created, vanished ones forgotten. */
  async #topicChange(term: Term): Promise<void> {
    const names = new Set((await this.#zk.getChildren(TOPICS_PATH, term.topicsWatcher)) ?? []);
    this.#assertCurrent(term);
    const added = [...names].filter((t) => !term.topics.has(t)).sort();
    const removed = [...term.topics.keys()].filter((t) => !names.has(t));
    for (const t of removed) this.#removeTopic(term, t);
    const fresh: TP[] = [];
    await mapLimit(added, ZK_CONCURRENCY, async (name) => {
      const read = await this.#readTopic(term, name);
      if (!read) return;
      this.#addTopic(term, name, read);
      for (const partition of read.partitions.keys()) fresh.push({ topic: name, partition });
    });
    this.#assertCurrent(term);
    if (added.length + removed.length > 0) this.#log.info(`controller ${this.#id} (epoch ${term.epoch}): new topics ${added.join(',') || 'none'}, gone ${removed.join(',') || 'none'}`);
    if (fresh.length > 0) await this.#newPartitions(term, fresh);
  }

  /** Kafka's onNewPartitionCreation. */
  async #newPartitions(term: Term, tps: readonly TP[]): Promise<void> {
    const batch = new RequestBatch();
    await this.#initializePartitions(term, batch, tps);
    this.#sendBatch(term, batch);
  }

  /** Kafka's processPartitionModifications: partitions added to a topic's znode. */
  async #partitionModifications(term: Term, topic: string): Promise<void> {
    const t = term.topics.get(topic);
    if (!t) return;
    const read = await this.#readTopic(term, topic);
    this.#assertCurrent(term);
    if (!read || term.topics.get(topic) !== t) return;
    const added = [...read.partitions.keys()].filter((p) => !t.partitions.has(p)).sort((a, b) => a - b);
    if (added.length === 0) return;
    if (term.deleting.has(topic)) {
      // Kafka's restorePartitionReplicaAssignment: no partitions are added to a topic being deleted.
      this.#log.warn(`controller ${this.#id}: not adding partitions ${added.join(',')} to topic ${topic}, which is being deleted; restoring its assignment`);
      const assignment = new Map([...t.partitions].map(([p, ctx]) => [p, ctx.assignment]));
      await this.#conditional(term, [{ op: 'set', path: topicPath(topic), data: encodeTopicAssignment(uuidToBase64(t.uuid), assignment) }]);
      return;
    }
    this.#log.info(`controller ${this.#id} (epoch ${term.epoch}): topic ${topic} gets partitions ${added.join(',')}`);
    for (const p of added) t.partitions.set(p, { assignment: read.partitions.get(p)!, state: undefined, phase: 'new' });
    await this.#newPartitions(
      term,
      added.map((partition) => ({ topic, partition })),
    );
  }

  // ---- topic deletion -----------------------------------------------------------------------

  /** Kafka's processTopicDeletion. */
  async #topicDeletion(term: Term): Promise<void> {
    const marked = (await this.#zk.getChildren(DELETE_TOPICS_PATH, term.deletionsWatcher)) ?? [];
    this.#assertCurrent(term);
    await this.#queueDeletions(term, marked);
    await this.#resumeDeletions(term);
  }

  async #queueDeletions(term: Term, marked: readonly string[]): Promise<void> {
    const unknown = marked.filter((t) => !term.topics.has(t));
    const enabled = this.#o.deleteTopicEnable ?? true;
    const drop = enabled ? unknown : [...marked];
    if (drop.length > 0) {
      this.#log.info(`controller ${this.#id}: removing deletion requests for ${drop.join(',')} (${enabled ? 'no such topic' : 'delete.topic.enable is false'})`);
      for (const t of drop) {
        const r = await this.#conditional(term, [{ op: 'delete', path: deleteTopicPath(t) }]);
        if (!r.ok && r.code !== 'NO_NODE') this.#log.error(`controller ${this.#id}: removing ${deleteTopicPath(t)} failed: ${r.why}`);
      }
    }
    if (!enabled) return;
    for (const t of marked) {
      if (!term.topics.has(t) || term.deleting.has(t)) continue;
      term.deleting.set(t, { started: false, done: new Set(), inFlight: new Set(), ineligible: new Set() });
      this.#log.info(`controller ${this.#id} (epoch ${term.epoch}): topic ${t} queued for deletion`);
    }
  }

  /** Kafka's resumeDeletions: topics whose every replica is deleted are removed; the others get StopReplica where they can. */
  async #resumeDeletions(term: Term): Promise<void> {
    for (const [topic, d] of [...term.deleting]) {
      const t = term.topics.get(topic);
      if (!t) {
        term.deleting.delete(topic);
        continue;
      }
      const replicas: { tp: TP; broker: number; key: string }[] = [];
      for (const [partition, p] of t.partitions) for (const broker of p.assignment.replicas) replicas.push({ tp: { topic, partition }, broker, key: replicaKey(partition, broker) });
      if (replicas.every((r) => d.done.has(r.key))) {
        await this.#completeDeletion(term, topic);
        continue;
      }
      const batch = new RequestBatch();
      if (!d.started) {
        d.started = true;
        // Brokers stop serving the topic: its partitions go out with leader -2.
        this.#addUpdateMetadata(
          batch,
          [...term.brokers.keys()],
          [...t.partitions.keys()].map((partition) => ({ topic, partition })),
        );
      }
      for (const r of replicas) {
        if (d.done.has(r.key) || d.inFlight.has(r.key) || d.ineligible.has(r.key)) continue;
        if (this.#liveOrShuttingDown(term, r.broker)) {
          d.inFlight.add(r.key);
          this.#addStopReplica(term, batch, [r.broker], r.tp, true);
        } else {
          d.ineligible.add(r.key);
        }
      }
      if (d.ineligible.size > 0) this.#log.info(`controller ${this.#id}: deletion of topic ${topic} waits for replicas ${[...d.ineligible].join(', ')} (partition:broker)`);
      this.#sendBatch(term, batch);
    }
  }

  /** A StopReplica(delete) answer (or its failure, `response` undefined), as an event (Kafka's TopicDeletionStopReplicaResponseReceived). */
  #stopReplicaAnswered(term: Term, brokerId: number, entries: readonly StopReplicaEntry[], response: ResponseOf<typeof StopReplica> | undefined): void {
    this.#put(term, {
      name: `TopicDeletionStopReplicaResponse(${brokerId})`,
      // Dropping it would leave its replicas waiting for an answer forever.
      unbounded: true,
      run: async () => {
        const errors = new Map<string, number>();
        for (const pe of response?.partitionErrors ?? []) errors.set(tpKey(pe.topicName, pe.partitionIndex), pe.errorCode);
        for (const e of entries) {
          const d = term.deleting.get(e.topic);
          if (!d) continue;
          const key = replicaKey(e.partition, brokerId);
          if (!d.inFlight.delete(key)) continue;
          const code = response === undefined ? -1 : response.errorCode !== 0 ? response.errorCode : (errors.get(tpKey(e.topic, e.partition)) ?? 0);
          if (code === 0) d.done.add(key);
          else {
            d.ineligible.add(key);
            this.#log.warn(`controller ${this.#id}: deleting ${e.topic}-${e.partition} on broker ${brokerId} failed (${response === undefined ? 'not sent' : errorName(code)}); retried when the broker registers again`);
          }
        }
        await this.#resumeDeletions(term);
      },
    });
  }

  /** Kafka's completeDeleteTopic: /brokers/topics/<t> with everything under it, /config/topics/<t>, then /admin/delete_topics/<t>. */
  async #completeDeletion(term: Term, topic: string): Promise<void> {
    const paths: string[] = [];
    const collect = async (path: string): Promise<void> => {
      const children = (await this.#zk.getChildren(path)) ?? [];
      await mapLimit(children, ZK_CONCURRENCY, (c) => collect(`${path}/${c}`));
      paths.push(path);
    };
    const root = topicPath(topic);
    if (await this.#zk.exists(root)) await collect(root);
    // Children before their parents: `collect` pushes each path after its subtree, the root last.
    const ordered = paths.sort((a, b) => b.split('/').length - a.split('/').length);
    const tail = [configEntityPath(ConfigType.TOPIC, topic), deleteTopicPath(topic)];
    for (let i = 0; i < ordered.length; i += DELETE_OPS_PER_MULTI) {
      const chunk = ordered.slice(i, i + DELETE_OPS_PER_MULTI);
      const r = await this.#conditional(
        term,
        chunk.map((path) => ({ op: 'delete', path })),
      );
      if (!r.ok) await this.#deleteEach(term, chunk);
    }
    await this.#deleteEach(term, tail);
    this.#removeTopic(term, topic);
    this.#log.info(`controller ${this.#id} (epoch ${term.epoch}): topic ${topic} deleted`);
  }

  /** Deletes each path behind the epoch check, a missing one being fine. */
  async #deleteEach(term: Term, paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      for (let attempt = 1; ; attempt++) {
        const r = await this.#conditional(term, [{ op: 'delete', path }]);
        if (r.ok || r.code === 'NO_NODE') break;
        // A lost answer: the delete may have been applied, and NO_NODE then says so.
        if (!r.retry || attempt >= MAX_STATE_WRITE_ATTEMPTS) throw new Error(`deleting ${path} failed: ${r.why}`);
      }
    }
  }

  // ---- AlterPartition -----------------------------------------------------------------------

  async #alterPartition(term: Term, request: AlterPartitionRequest, version: number): Promise<AlterPartitionResponse> {
    const byId = version >= 2;
    const refused = (errorCode: number): AlterPartitionResponse => ({ throttleTimeMs: 0, errorCode, topics: [] });
    this.#assertCurrent(term);
    const sender = term.brokers.get(request.brokerId);
    if (!sender) {
      this.#log.info(`controller ${this.#id}: AlterPartition from unknown broker ${request.brokerId} ignored`);
      return refused(ErrorCode.STALE_BROKER_EPOCH);
    }
    if (sender.epoch !== request.brokerEpoch) {
      this.#log.info(`controller ${this.#id}: AlterPartition from broker ${request.brokerId} with stale broker epoch ${request.brokerEpoch} (current ${sender.epoch}) ignored`);
      return refused(ErrorCode.STALE_BROKER_EPOCH);
    }
    type PartitionAnswer = AlterPartitionResponse['topics'][number]['partitions'][number];
    const answers = new Map<string, { topicName: string; topicId: string; partitions: PartitionAnswer[] }>();
    const answer = (topicName: string, topicId: string, a: Partial<PartitionAnswer> & { partitionIndex: number; errorCode: number }): void => {
      const key = byId ? topicId : topicName;
      let t = answers.get(key);
      if (!t) answers.set(key, (t = { topicName, topicId, partitions: [] }));
      t.partitions.push({ leaderId: NO_LEADER, leaderEpoch: NO_EPOCH, isr: [], leaderRecoveryState: 0, partitionEpoch: NO_EPOCH, ...a });
    };
    const touched: TP[] = [];
    for (const topicReq of request.topics) {
      const name = byId ? term.topicsById.get(topicReq.topicId) : topicReq.topicName;
      const topicCtx = name === undefined ? undefined : term.topics.get(name);
      if (name === undefined || (byId && !topicCtx)) {
        for (const pr of topicReq.partitions) answer('', topicReq.topicId, { partitionIndex: pr.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_ID });
        continue;
      }
      const topicId = topicCtx?.uuid ?? ZERO_UUID;
      for (const pr of topicReq.partitions) {
        const tp = { topic: name, partition: pr.partitionIndex };
        touched.push(tp);
        const newIsr = version >= 3 ? pr.newIsrWithEpochs.map((b) => b.brokerId) : [...pr.newIsr];
        const recovery = pr.leaderRecoveryState === 1 ? LeaderRecoveryState.RECOVERING : LeaderRecoveryState.RECOVERED;
        const p = this.#partition(term, tp);
        const current = p?.state;
        const refuse = (errorCode: number, why?: string) => {
          if (why) this.#log.info(`controller ${this.#id}: AlterPartition of ${tpName(tp)} from broker ${request.brokerId} refused: ${why}`);
          answer(name, topicId, { partitionIndex: pr.partitionIndex, errorCode });
        };
        if (!p || !current) {
          refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        if (pr.partitionEpoch > current.zkVersion || pr.leaderEpoch > current.leaderEpoch) {
          // The leader knows a newer state than this controller: this is likely no longer the controller.
          refuse(ErrorCode.NOT_CONTROLLER, `it has epochs ${pr.leaderEpoch}/${pr.partitionEpoch} above ours ${current.leaderEpoch}/${current.zkVersion}`);
          continue;
        }
        if (pr.leaderEpoch < current.leaderEpoch) {
          refuse(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${pr.leaderEpoch}, current ${current.leaderEpoch}`);
          continue;
        }
        if (request.brokerId !== current.leader) {
          // Kafka's ZooKeeper-mode controller would write the sender as leader; its KRaft controller refuses so.
          refuse(ErrorCode.INVALID_REQUEST, `the leader is broker ${current.leader}`);
          continue;
        }
        if (sameList(newIsr, current.isr) && recovery === current.leaderRecoveryState) {
          // Already so (a repeated request): answered with the current state, before the partition epoch check.
          answer(name, topicId, { partitionIndex: pr.partitionIndex, errorCode: 0, leaderId: current.leader, leaderEpoch: current.leaderEpoch, isr: [...current.isr], leaderRecoveryState: current.leaderRecoveryState, partitionEpoch: current.zkVersion });
          continue;
        }
        if (pr.partitionEpoch < current.zkVersion) {
          refuse(ErrorCode.INVALID_UPDATE_VERSION, `partition epoch ${pr.partitionEpoch}, current ${current.zkVersion}`);
          continue;
        }
        if (recovery === LeaderRecoveryState.RECOVERING && newIsr.length > 1) {
          refuse(ErrorCode.INVALID_REQUEST, 'the leader is recovering and the ISR has more than one member');
          continue;
        }
        if (current.leaderRecoveryState === LeaderRecoveryState.RECOVERED && recovery === LeaderRecoveryState.RECOVERING) {
          refuse(ErrorCode.INVALID_REQUEST, 'the leader recovery state cannot go from RECOVERED to RECOVERING');
          continue;
        }
        const ineligible = newIsr.filter((id) => !this.#online(term, id));
        if (ineligible.length > 0) {
          refuse(version > 1 ? ErrorCode.INELIGIBLE_REPLICA : ErrorCode.OPERATION_NOT_ATTEMPTED, `brokers ${ineligible.join(',')} in the new ISR ${newIsr.join(',')} are not live`);
          continue;
        }
        const next = { leader: request.brokerId, leaderEpoch: pr.leaderEpoch, isr: newIsr, leaderRecoveryState: recovery, controllerEpoch: term.epoch };
        const r = await this.#writeState(term, tp, next, current.zkVersion);
        if (!r.ok) {
          refuse(r.retry ? ErrorCode.INVALID_UPDATE_VERSION : ErrorCode.UNKNOWN_SERVER_ERROR, `writing it failed: ${r.why}`);
          // Our view may be stale: read it again for the next request.
          p.state = (await this.#readState(tp)) ?? p.state;
          continue;
        }
        p.state = { ...next, zkVersion: r.zkVersion };
        this.#log.info(`controller ${this.#id}: ISR of ${tpName(tp)} is now ${newIsr.join(',')} (partition epoch ${r.zkVersion}), as its leader ${request.brokerId} asked`);
        answer(name, topicId, { partitionIndex: pr.partitionIndex, errorCode: 0, leaderId: next.leader, leaderEpoch: next.leaderEpoch, isr: [...newIsr], leaderRecoveryState: recovery, partitionEpoch: r.zkVersion });
      }
    }
    // Every broker learns the new ISRs; the leader already knows them (no LeaderAndIsr), as in Kafka.
    const batch = new RequestBatch();
    this.#addUpdateMetadata(batch, [...term.brokers.keys()], touched);
    this.#sendBatch(term, batch);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [...answers.values()].map((t) => ({ topicName: t.topicName, topicId: t.topicId, partitions: t.partitions })),
    };
  }

  // ---- ControlledShutdown -------------------------------------------------------------------

  async #controlledShutdown(term: Term, brokerId: number, brokerEpoch: number): Promise<ControlledShutdownResponse> {
    this.#assertCurrent(term);
    const known = term.brokers.get(brokerId);
    if (brokerEpoch !== -1 && known && brokerEpoch < known.epoch) {
      this.#log.info(`controller ${this.#id}: controlled shutdown from broker ${brokerId} with old broker epoch ${brokerEpoch} (current ${known.epoch}) refused`);
      return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remainingPartitions: [] };
    }
    if (!known) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remainingPartitions: [] };
    this.#log.info(`controller ${this.#id} (epoch ${term.epoch}): broker ${brokerId} shuts down`);
    term.shuttingDown.add(brokerId);
    const led: TP[] = [];
    const followed: TP[] = [];
    for (const tp of this.#replicasOn(term, new Set([brokerId])).get(brokerId) ?? []) {
      const p = this.#partition(term, tp)!;
      if (p.assignment.replicas.length <= 1 || !p.state || term.deleting.has(tp.topic)) continue;
      (p.state.leader === brokerId ? led : followed).push(tp);
    }
    const moved = new RequestBatch();
    if (led.length > 0) await this.#electLeaders(term, moved, led, 'controlled-shutdown');
    this.#sendBatch(term, moved);
    const followers = new RequestBatch();
    if (followed.length > 0) await this.#replicasOffline(term, followers, brokerId, followed);
    this.#sendBatch(term, followers);
    const remaining: ControlledShutdownResponse['remainingPartitions'] = [];
    for (const t of term.topics.values()) {
      if (term.deleting.has(t.name)) continue;
      for (const [partition, p] of t.partitions) {
        if (p.state?.leader === brokerId && p.assignment.replicas.length > 1) remaining.push({ topicName: t.name, partitionIndex: partition });
      }
    }
    return { errorCode: 0, remainingPartitions: remaining };
  }
}
