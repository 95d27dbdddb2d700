/**
 * Broker: the main thread's picture of the node — configuration, cluster identity, topics and
 * their partitions, and the PartitionHost that holds the logs.
 *
 * Topic metadata lives in the TopicStore (durable); each partition has a PartitionState here
 * with its handle, its latest known offsets (updated from every append and read answer, so
 * Metadata and long-poll fetches need no round trip), and the fetches waiting for it to grow.
 *
 * The host's fault events land here (HostEvents): log directory failures go to LogDirs
 * (log-dirs.ts, the offline/recovery policy), removed files to the fetch path's descriptor
 * cache, uncleanable partitions onto their PartitionState, worker deaths and programmer errors
 * to the log and the fault counters.
 *
 *   <first log dir>/meta.properties   cluster.id, node.id, version — written once, as Kafka does
 *
 * Main thread.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_DIR, type TopicMeta, TopicStore, uuidToBase64 } from '../core/topic-store.js';
import { ScramStore } from './security/scram-store.js';
import { Authorizer } from './security/authorizer.js';
import { ClientQuotaManager } from './security/quota-manager.js';
import { ClientQuotaStore } from './security/quota-store.js';
import { INTERNAL_TOPICS, topicNameProblem } from '../core/topic-name.js';
import { ErrorCode } from '../protocol/errors.js';
import type { LogConfig } from '../core/log-config.js';
import { type BrokerConfig, type ResolvedTopicConfig, resolveTopicConfig } from './config/load.js';
import { withDynamicBrokerConfigs } from './config/dynamic.js';
import { ConfigError } from './config/errors.js';
import { type Logger, stderrLogger, withStack } from '../core/logger.js';
import { SegmentFiles } from './fetch-stream.js';
import { Intake } from './intake.js';
import { LogDirs } from './log-dirs.js';
import { BrokerMetrics, FaultCounter } from './metrics.js';
import type { PartitionHandle, PartitionHost, PartitionSummary } from './partitions/host.js';
import { logConfigFor } from './topic-log-config.js';
import { MAX_OPERATIONS_PER_TOPIC, TopicLocks } from './topic-locks.js';
import { partitionDirName } from '../core/partition-log.js';
import type { ClusterNode } from '../cluster/node.js';

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly handle: PartitionHandle;
  /** The log directory holding the partition's directory. */
  readonly logDir: string;
  /** The topic's slot in BrokerMetrics' per-topic counters (metrics.ts). */
  readonly metricsSlot: number;
  /** Why the cleaner gave up on this partition, once it has (log-host.ts). */
  uncleanable?: string;
  logStartOffset: number;
  /** One past the last offset: also the high watermark on a single node. */
  logEndOffset: number;
  /** Fetches parked until this partition grows. */
  readonly waiters: Set<() => void>;
  /**
   * Settles when the latest produce for this partition has been handed to its log: the next
   * one waits for it, so appends keep request order even when one of them first spends time
   * being recompressed on the pool.
   */
  lastDispatch: Promise<void>;
}

export interface TopicState {
  meta: TopicMeta;
  config: ResolvedTopicConfig;
  logConfig: LogConfig;
  partitions: PartitionState[];
  /** Slot in BrokerMetrics' per-topic counters, so handlers count without a lookup by name. */
  metricsSlot: number;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface TopicProblem {
  errorCode: number;
  errorMessage: string | null;
}

export class Broker {
  /** The static configuration with the dynamic broker configs layered over it (config/dynamic.ts); replaced when they change. */
  config: BrokerConfig;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly store: TopicStore;
  readonly host: PartitionHost;
  readonly topics = new Map<string, TopicState>();
  readonly startedMs = Date.now();
  /** Counters for /metrics and the console (metrics.ts), bumped by the router and the handlers. */
  readonly metrics = new BrokerMetrics();
  /** What Metadata advertises: filled in once the listeners are bound (port 0 becomes the real port). */
  advertised: Endpoint = { host: '127.0.0.1', port: 9092 };
  /** What Metadata advertises to the clients of each listener, by listener name. */
  readonly advertisedByListener = new Map<string, Endpoint>();
  /** The address told to clients of the listener `connection` came in on. */
  advertisedFor(connection: { auth: { security: { listener: { name: string } } } }): Endpoint {
    return this.advertisedByListener.get(connection.auth.security.listener.name) ?? this.advertised;
  }

  /** SCRAM credentials, client quotas and the authorizer with its ACLs: security/. */
  readonly security: {
    readonly scram: ScramStore;
    readonly quotas: ClientQuotaStore;
    readonly authorizer: Authorizer;
    /** producer_byte_rate and consumer_byte_rate enforced (quota-manager.ts). */
    readonly produceQuota: ClientQuotaManager;
    readonly fetchQuota: ClientQuotaManager;
    readonly requestQuota: ClientQuotaManager;
  };
  readonly logger: Logger;
  /** Every open partition by its host slot, for the host's events. */
  private readonly bySlot = new Map<number, PartitionState>();
  /** Serializes the lifecycle operations of each topic name (topic-locks.ts). */
  readonly locks = new TopicLocks();
  /** Names whose deletion is under way: gone from Metadata, and not auto-created again meanwhile. */
  private readonly deleting = new Set<string>();
  /** Descriptors of segment files that fetches stream from (fetch-stream.ts); a deleted topic's and removed segments' are dropped. */
  readonly files = new SegmentFiles();
  /** Each log directory's health and the offline/recovery policy. */
  readonly logDirs: LogDirs;
  /** Cluster mode (zookeeper.connect set): the broker's membership, replicas and metadata cache (cluster/node.ts); undefined on a single node. */
  cluster: ClusterNode | undefined;

  /** `clusterId`: in a cluster, the id from ZooKeeper (cluster/node.ts), written to a new data directory's meta.properties. */
  constructor(config: BrokerConfig, host: PartitionHost, logger: Logger = stderrLogger(), clusterId?: string) {
    this.logger = logger;
    this.config = withDynamicBrokerConfigs(config);
    this.intake = new Intake(this.config.values['queued.max.request.bytes'] as number);
    this.nodeId = config.derived.nodeId;
    this.host = host;
    this.logDirs = new LogDirs(config.derived.logDirs, {
      host,
      logger,
      metrics: this.metrics,
      probeIntervalMs: this.config.values['log.dir.recovery.check.interval.ms'] as number,
      partitionsIn: (logDir) => [...this.bySlot.values()].filter((p) => p.logDir === logDir).map((p) => `${p.topic}-${p.partition}`),
      reopened: (summaries) => this.noteReopened(summaries),
    });
    host.events = {
      logDirFailed: (logDir, code, message, partition) => this.logDirs.failed(logDir, code, message, partition),
      filesRemoved: (paths) => {
        for (const path of paths) this.files.forget(path);
      },
      uncleanable: (slot, reason) => {
        const p = this.bySlot.get(slot);
        if (p) p.uncleanable = reason;
      },
      reopened: (summaries) => this.noteReopened(summaries),
      backlogChanged: (backlogged) => this.intake.setBacklogged(backlogged),
      internalError: (context, e) => this.internalError(context, e),
      workerRestarted: (worker, cause) => {
        this.metrics.fault(FaultCounter.workerRestarts);
        if (cause instanceof Error && !/exited with code/.test(cause.message)) this.metrics.fault(FaultCounter.internalErrors);
        this.logger.error(withStack(`partition worker ${worker} died; restarting it and recovering its partitions`, cause));
      },
      log: (level, message) => (level === 'ERROR' ? this.logger.error(message) : level === 'WARN' ? this.logger.warn(message) : this.logger.info(message)),
    };
    this.store = new TopicStore(config.derived.logDirs);
    this.clusterId = this.loadClusterId(clusterId);
    const metadataDir = join(config.derived.logDirs[0]!, METADATA_DIR);
    const quotas = new ClientQuotaStore(metadataDir);
    const samples = this.config.values['quota.window.num'];
    const windowMs = this.config.values['quota.window.size.seconds'] * 1000;
    this.security = {
      scram: new ScramStore(metadataDir),
      quotas,
      authorizer: new Authorizer(this.config, metadataDir),
      produceQuota: new ClientQuotaManager('produce', quotas, samples, windowMs),
      fetchQuota: new ClientQuotaManager('fetch', quotas, samples, windowMs),
      requestQuota: new ClientQuotaManager('request', quotas, samples, windowMs),
    };
  }

  /** What clients may make the broker hold, and the gate that stops reading sockets (intake.ts). */
  readonly intake: Intake;

  /** Offsets of partitions whose logs were reopened (a restarted worker, a recovered directory). */
  private noteReopened(summaries: PartitionSummary[]): void {
    for (const s of summaries) {
      const p = this.bySlot.get(s.slot);
      if (!p || s.offline) continue;
      p.logStartOffset = s.logStartOffset;
      // Recovery may only cut what was never acknowledged; take the log's word for the end.
      const grew = s.logEndOffset > p.logEndOffset;
      p.logEndOffset = s.logEndOffset;
      if (grew) for (const wake of [...p.waiters]) wake();
    }
  }

  private loadClusterId(given?: string): string {
    const file = join(this.config.derived.logDirs[0]!, 'meta.properties');
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      // As Kafka: a data directory written as another node is that node's; its id must not change under it.
      const stored = /^node\.id=(-?\d+)\s*$/m.exec(text)?.[1];
      if (stored !== undefined && Number(stored) !== this.nodeId) {
        throw new ConfigError(`${file} says node ${stored}, but node.id is ${this.nodeId}: set node.id=${stored}, or give this node other log directories`, { key: 'node.id', value: String(this.nodeId), origin: file });
      }
      const m = /^cluster\.id=(.+)$/m.exec(text);
      if (m) return m[1]!.trim();
    }
    const id = given ?? uuidToBase64(randomUUID());
    writeFileSync(file, `#\n# Written by Spindle when the data directory was first used.\nversion=1\ncluster.id=${id}\nnode.id=${this.nodeId}\n`);
    return id;
  }

  /** Opens every partition of every stored topic (start-up). */
  async openAll(): Promise<void> {
    await Promise.all(this.store.list().map((meta) => this.openTopic(meta, false)));
  }

  /**
   * Opens every partition of a topic and only then makes it visible in `topics`, so no request
   * ever sees a topic with fewer partitions than it has. When any partition fails to open, the
   * others are closed again (their directories removed with `remove`, for a creation being
   * undone) and the error is thrown.
   */
  private async openTopic(meta: TopicMeta, remove: boolean): Promise<TopicState> {
    const config = resolveTopicConfig(this.config, meta.configs);
    const state: TopicState = { meta, config, logConfig: logConfigFor(config.values), partitions: [], metricsSlot: this.metrics.topicSlot(meta.name) };
    const opened = await this.openPartitions(state, 0, meta.partitions, remove);
    if (!Array.isArray(opened)) {
      this.metrics.releaseTopic(meta.name);
      throw opened.error;
    }
    state.partitions = opened;
    this.topics.set(meta.name, state);
    return state;
  }

  /**
   * Opens partitions [from, to) of a topic, all at once; when one fails, closes those that
   * opened and answers the first failure.
   */
  private async openPartitions(state: TopicState, from: number, to: number, remove: boolean): Promise<PartitionState[] | { error: unknown }> {
    const settled = await Promise.allSettled(Array.from({ length: to - from }, (_, i) => this.openPartition(state, from + i)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const opened = settled.filter((r): r is PromiseFulfilledResult<PartitionState> => r.status === 'fulfilled').map((r) => r.value);
    if (!failed) return opened;
    for (const p of opened) this.bySlot.delete(p.handle.slot);
    const closed = await Promise.allSettled(opened.map((p) => this.host.close(p.handle, remove)));
    for (const r of closed) if (r.status === 'rejected') this.logger.error(withStack(`closing a partition of ${state.meta.name} after a failed open`, r.reason));
    return { error: failed.reason };
  }

  private async openPartition(state: TopicState, partition: number, replicated = false): Promise<PartitionState> {
    const logDir = replicated ? this.store.placeReplica(state.meta.name, partition, state.meta.topicId) : this.store.logDirFor(state.meta.name, partition);
    const { handle, summary } = await this.host.open({ topic: state.meta.name, partition, logDir, config: state.logConfig, replicated });
    for (const r of summary.recovered) {
      if (r.truncatedBytes > 0) {
        this.logger.warn(`recovery: ${state.meta.name}-${partition} segment ${r.baseOffset}: cut ${r.truncatedBytes} bytes (${r.problem})`);
      }
    }
    const p: PartitionState = {
      topic: state.meta.name,
      partition,
      handle,
      logDir,
      metricsSlot: state.metricsSlot,
      logStartOffset: Math.max(0, summary.logStartOffset),
      logEndOffset: Math.max(0, summary.logEndOffset),
      waiters: new Set(),
      lastDispatch: Promise.resolve(),
    };
    this.bySlot.set(handle.slot, p);
    return p;
  }

  /**
   * Cluster mode: opens this broker's replica of a partition (the controller assigned it here),
   * in the topic's state, which is made here on its first replica with the topic's id and
   * configs from ZooKeeper. `partitions` in a cluster holds this broker's replicas only, by
   * index: the others are holes. Runs in the topic's lock.
   */
  async openReplica(topic: string, topicId: string, partition: number, configs: Record<string, string>): Promise<PartitionState> {
    const run = this.locks.run(topic, async (): Promise<PartitionState> => {
      let state = this.topics.get(topic);
      if (state && state.meta.topicId !== topicId) throw new Error(`${topic} is open here with id ${state.meta.topicId}, not ${topicId}`);
      if (!state) {
        const meta: TopicMeta = { name: topic, topicId, partitions: 0, configs, createdMs: Date.now() };
        const config = resolveTopicConfig(this.config, configs);
        state = { meta, config, logConfig: logConfigFor(config.values), partitions: [], metricsSlot: this.metrics.topicSlot(topic) };
        this.topics.set(topic, state);
      }
      const open = state.partitions[partition];
      if (open) return open;
      const p = await this.openPartition(state, partition, true);
      state.partitions[partition] = p;
      state.meta.partitions = Math.max(state.meta.partitions, partition + 1);
      return p;
    });
    if (!run) throw new Error(`too many operations waiting on topic ${topic}`);
    return run;
  }

  /** Cluster mode: closes this broker's replica of a partition; with `remove`, its directory goes (the topic was deleted, or the replica moved away). */
  async closeReplica(topic: string, partition: number, remove: boolean): Promise<void> {
    await this.locks.run(topic, async () => {
      const state = this.topics.get(topic);
      const p = state?.partitions[partition];
      if (!state || !p) return;
      delete state.partitions[partition];
      for (const wake of [...p.waiters]) wake();
      this.bySlot.delete(p.handle.slot);
      await this.host.close(p.handle, remove);
      if (remove) this.files.forgetUnder(join(p.logDir, partitionDirName(topic, partition)));
      if (state.partitions.every((x) => x === undefined)) {
        this.topics.delete(topic);
        this.metrics.releaseTopic(topic);
      }
    });
  }

  /**
   * A programmer error caught at a boundary that must keep serving (a handler, the encoder):
   * logged with its stack and counted, never disguised as anything else.
   */
  internalError(context: string, e: unknown): void {
    this.metrics.fault(FaultCounter.internalErrors);
    this.logger.error(withStack(context, e));
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  topicById(topicId: string): TopicState | undefined {
    if (this.cluster) {
      // A cluster's topics are in ZooKeeper, not the TopicStore: the replicas open here know their ids.
      const name = this.cluster.metadata.topicById(topicId)?.name;
      const state = name === undefined ? undefined : this.topics.get(name);
      if (state?.meta.topicId === topicId) return state;
      for (const t of this.topics.values()) if (t.meta.topicId === topicId) return t;
      return undefined;
    }
    const meta = this.store.getById(topicId);
    return meta ? this.topics.get(meta.name) : undefined;
  }

  /** Records what an answer from the partition's log said about its offsets, and wakes waiters on growth. */
  noteOffsets(p: PartitionState, logStartOffset: number, logEndOffset: number): void {
    if (logStartOffset >= 0) p.logStartOffset = logStartOffset;
    if (logEndOffset > p.logEndOffset) {
      p.logEndOffset = logEndOffset;
      if (p.waiters.size > 0) for (const wake of [...p.waiters]) wake();
    }
  }

  /** Checks a new topic as CreateTopics does; undefined when it may be created. */
  checkNewTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>): TopicProblem | undefined {
    const bad = topicNameProblem(name);
    if (bad) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: bad };
    if (this.topics.has(name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${name}' already exists.` };
    const collides = this.store.collidingWith(name);
    if (collides) {
      return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic '${name}' collides with existing topic '${collides.name}' ('.' and '_' are the same in metric names).` };
    }
    if (partitions < 1) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Number of partitions must be larger than 0.` };
    if (replicationFactor !== -1 && replicationFactor !== 1) {
      return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `Replication factor ${replicationFactor} is larger than the 1 broker available.` };
    }
    try {
      resolveTopicConfig(this.config, configs);
    } catch (e) {
      if (e instanceof ConfigError) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: e.message };
      throw e;
    }
    return undefined;
  }

  /**
   * Creates a topic after the caller's checks said yes (CreateTopics' plan, checkNewTopic).
   * Runs in the name's lock (topic-locks.ts), where the topic's absence is checked again: a
   * creation or deletion of the same name that was under way when the caller checked has
   * finished by then. Atomic: the topic is stored, every partition opened, and only then made
   * visible; when a partition cannot be opened (EMFILE, ENOSPC, any I/O error) the partitions
   * opened are closed and their directories removed, the TopicStore forgets the topic, and the
   * answer is KAFKA_STORAGE_ERROR naming the cause. `orExisting` (auto-creation) answers a topic
   * that another request created meanwhile instead of TOPIC_ALREADY_EXISTS.
   */
  async createTopic(name: string, partitions: number, configs: Record<string, string>, orExisting = false): Promise<TopicState | TopicProblem> {
    const run = this.locks.run(name, async (): Promise<TopicState | TopicProblem> => {
      const existing = this.topics.get(name);
      if (existing && orExisting) return existing;
      if (existing || this.store.get(name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${name}' already exists.` };
      const colliding = this.store.collidingWith(name);
      if (colliding) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic '${name}' collides with existing topic: ${colliding.name}` };
      try {
        return await this.openTopic(await this.store.create(name, partitions, configs), true);
      } catch (e) {
        await this.forgetFailedTopic(name);
        return this.storageProblem(`Error while creating log for ${name} (${partitions} partitions)`, e);
      }
    });
    return run ? run : this.busy(name);
  }

  /** Undoes the stored half of a creation that failed; a failure here is logged, the original cause stays the answer. */
  private async forgetFailedTopic(name: string): Promise<void> {
    if (!this.store.get(name)) return;
    try {
      await this.store.delete(name);
    } catch (e) {
      this.logger.error(withStack(`undoing the creation of topic ${name}`, e));
    }
  }

  /**
   * What a failed creation answers: KAFKA_STORAGE_ERROR with the cause when it is an
   * operating-system error (an errno such as EMFILE, ENOSPC, EIO); anything else is a bug,
   * thrown on after the rollback so that it is counted as one.
   */
  private storageProblem(what: string, e: unknown): TopicProblem {
    if (errnoOf(e) === undefined) throw e;
    const message = `${what}: ${(e as Error).message}`;
    this.logger.error(message);
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: message };
  }

  /** The answer when a name's lock already has MAX_OPERATIONS_PER_TOPIC operations: retriable. */
  private busy(name: string): TopicProblem {
    return {
      errorCode: ErrorCode.REQUEST_TIMED_OUT,
      errorMessage: `${MAX_OPERATIONS_PER_TOPIC} operations are already waiting on topic '${name}'; try again.`,
    };
  }

  /**
   * Auto-creation on Metadata, when auto.create.topics.enable allows it. Waits behind any
   * operation on the name; a topic created meanwhile is answered as it is. A name with too many
   * operations waiting answers UNKNOWN_TOPIC_OR_PARTITION, Kafka's answer for a topic whose
   * auto-creation is already in flight, so the client asks again.
   */
  async autoCreate(name: string): Promise<TopicState | TopicProblem> {
    const existing = this.topics.get(name);
    if (existing) return existing;
    // A client that still knew the topic asks for it while it is being deleted: Kafka does not
    // create it again then (it still exists until the deletion is done), and neither does Spindle.
    if (this.deleting.has(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${name}' is being deleted.` };
    const partitions = this.config.values['num.partitions'] as number;
    const problem = this.checkNewTopic(name, partitions, -1, {});
    if (problem) return problem;
    const created = await this.createTopic(name, partitions, {}, true);
    if ('meta' in created || created.errorCode !== ErrorCode.REQUEST_TIMED_OUT) return created;
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: created.errorMessage };
  }

  get autoCreateEnabled(): boolean {
    return this.config.values['auto.create.topics.enable'] as boolean;
  }

  /**
   * Deletes a topic, in the name's lock: gone from `topics` first (requests stop finding it),
   * logs closed and removed with the main thread's descriptors of their files, then forgotten by
   * the TopicStore, all before a creation of the same name can start. A log that fails to close
   * does not stop the deletion: an operating-system error is logged, anything else thrown once
   * the topic is gone. `topicId`, when given, is the topic the caller resolved: a topic of that
   * name with another id (deleted and created again meanwhile) is not deleted (UNKNOWN_TOPIC_ID).
   */
  async deleteTopic(name: string, topicId?: string): Promise<TopicProblem | undefined> {
    const run = this.locks.run(name, async (): Promise<TopicProblem | undefined> => {
      const state = this.topics.get(name);
      if (!state) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${name}' does not exist.` };
      if (topicId !== undefined && state.meta.topicId !== topicId) {
        return { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: `Topic '${name}' no longer has id ${topicId}.` };
      }
      if (INTERNAL_TOPICS.has(name)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Internal topic '${name}' cannot be deleted.` };
      if (!(this.config.values['delete.topic.enable'] as boolean)) {
        return { errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled (delete.topic.enable=false).' };
      }
      this.topics.delete(name);
      this.deleting.add(name);
      let bug: unknown;
      try {
        for (const p of state.partitions) {
          for (const wake of [...p.waiters]) wake();
          this.bySlot.delete(p.handle.slot);
          try {
            await this.host.close(p.handle, true);
          } catch (e) {
            if (errnoOf(e) === undefined) bug ??= e;
            else this.logger.error(withStack(`closing ${name}-${p.partition} of a deleted topic`, e));
          }
          this.files.forgetUnder(join(p.logDir, partitionDirName(name, p.partition)));
        }
        await this.store.delete(name);
      } finally {
        this.deleting.delete(name);
      }
      this.metrics.releaseTopic(name);
      if (bug !== undefined) throw bug;
      return undefined;
    });
    return run ? run : this.busy(name);
  }

  /**
   * Raises a topic's partition count to `count`, in the name's lock, where the topic and its
   * count are checked again (partitionCountProblem). Atomic like createTopic: the new partitions
   * become visible together once all are open; when one fails, those opened are closed and
   * removed and the TopicStore goes back to the old count (KAFKA_STORAGE_ERROR naming the cause).
   */
  async addPartitions(name: string, count: number): Promise<TopicProblem | undefined> {
    const run = this.locks.run(name, async (): Promise<TopicProblem | undefined> => {
      const state = this.topics.get(name);
      if (!state) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
      const from = state.meta.partitions;
      const problem = partitionCountProblem(name, from, count);
      if (problem) return problem;
      let opened: PartitionState[] | { error: unknown };
      try {
        await this.store.addPartitions(name, count);
        opened = await this.openPartitions(state, from, count, true);
      } catch (e) {
        opened = { error: e };
      }
      if (!Array.isArray(opened)) {
        try {
          await this.store.forgetPartitions(name, from);
        } catch (e) {
          this.logger.error(withStack(`undoing the new partitions of topic ${name}`, e));
        }
        return this.storageProblem(`Error while creating logs for partitions ${from}-${count - 1} of ${name}`, opened.error);
      }
      state.partitions.push(...opened);
      return undefined;
    });
    return run ? run : this.busy(name);
  }

  /**
   * Replaces a topic's config overrides, in the name's lock: the topic may have been deleted,
   * or the broker's configs changed, since the caller checked them (UNKNOWN_TOPIC_OR_PARTITION,
   * INVALID_CONFIG).
   */
  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicProblem | undefined> {
    const run = this.locks.run(name, async (): Promise<TopicProblem | undefined> => {
      const state = this.topics.get(name);
      if (!state) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
      let config: ResolvedTopicConfig;
      try {
        config = resolveTopicConfig(this.config, configs);
      } catch (e) {
        if (e instanceof ConfigError) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: e.message };
        throw e;
      }
      await this.store.setConfigs(name, configs);
      state.config = config;
      state.logConfig = logConfigFor(state.config.values);
      await Promise.all(state.partitions.filter((p) => p !== undefined).map((p) => this.host.setConfig(p.handle, state.logConfig)));
      return undefined;
    });
    return run ? run : this.busy(name);
  }

  async shutdown(): Promise<void> {
    this.logDirs.stop();
    for (const t of this.topics.values()) for (const p of t.partitions) if (p) for (const wake of [...p.waiters]) wake();
    await this.host.shutdown();
    this.files.closeAll();
  }
}

/** The errno name (EMFILE, ENOSPC, EIO, …) of an operating-system error; undefined for anything else. */
function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** CreatePartitions' checks on the new count, with Kafka's messages (ReplicationControlManager.createPartitions). */
export function partitionCountProblem(name: string, current: number, count: number): TopicProblem | undefined {
  if (count === current) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partition(s).` };
  if (count < current) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `The topic ${name} currently has ${current} partition(s); ${count} would not be an increase.` };
  }
  return undefined;
}
