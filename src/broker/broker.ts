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
import { type TopicMeta, TopicStore, uuidToBase64 } from '../core/topic-store.js';
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
  errorMessage: string;
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
  readonly logger: Logger;
  /** Every open partition by its host slot, for the host's events. */
  private readonly bySlot = new Map<number, PartitionState>();
  /** The fetch path's segment descriptors (fetch-stream.ts). */
  readonly files = new SegmentFiles();
  /** Each log directory's health and the offline/recovery policy. */
  readonly logDirs: LogDirs;

  constructor(config: BrokerConfig, host: PartitionHost, logger: Logger = stderrLogger()) {
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
    this.clusterId = this.loadClusterId();
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

  private loadClusterId(): string {
    const file = join(this.config.derived.logDirs[0]!, 'meta.properties');
    if (existsSync(file)) {
      const m = /^cluster\.id=(.+)$/m.exec(readFileSync(file, 'utf8'));
      if (m) return m[1]!.trim();
    }
    const id = uuidToBase64(randomUUID());
    writeFileSync(file, `#\n# Written by Spindle when the data directory was first used.\nversion=1\ncluster.id=${id}\nnode.id=${this.nodeId}\n`);
    return id;
  }

  /** Opens every partition of every stored topic (start-up). */
  async openAll(): Promise<void> {
    await Promise.all(this.store.list().map((meta) => this.openTopic(meta)));
  }

  private async openTopic(meta: TopicMeta): Promise<TopicState> {
    const config = resolveTopicConfig(this.config, meta.configs);
    const state: TopicState = { meta, config, logConfig: logConfigFor(config.values), partitions: [], metricsSlot: this.metrics.topicSlot(meta.name) };
    this.topics.set(meta.name, state);
    state.partitions = await Promise.all(Array.from({ length: meta.partitions }, (_, p) => this.openPartition(state, p)));
    return state;
  }

  private async openPartition(state: TopicState, partition: number): Promise<PartitionState> {
    const logDir = this.store.logDirFor(state.meta.name, partition);
    const { handle, summary } = await this.host.open({ topic: state.meta.name, partition, logDir, config: state.logConfig });
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

  /** Creates a topic after checkNewTopic said yes. */
  async createTopic(name: string, partitions: number, configs: Record<string, string>): Promise<TopicState> {
    const meta = this.store.create(name, partitions, configs);
    return this.openTopic(meta);
  }

  /** Auto-creation on Metadata or Produce, when auto.create.topics.enable allows it. */
  async autoCreate(name: string): Promise<TopicState | TopicProblem> {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const partitions = this.config.values['num.partitions'] as number;
    const problem = this.checkNewTopic(name, partitions, -1, {});
    if (problem) return problem;
    return this.createTopic(name, partitions, {});
  }

  get autoCreateEnabled(): boolean {
    return this.config.values['auto.create.topics.enable'] as boolean;
  }

  async deleteTopic(name: string): Promise<TopicProblem | undefined> {
    const state = this.topics.get(name);
    if (!state) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${name}' does not exist.` };
    if (INTERNAL_TOPICS.has(name)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Internal topic '${name}' cannot be deleted.` };
    if (!(this.config.values['delete.topic.enable'] as boolean)) {
      return { errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled (delete.topic.enable=false).' };
    }
    this.topics.delete(name);
    for (const p of state.partitions) {
      for (const wake of [...p.waiters]) wake();
      this.bySlot.delete(p.handle.slot);
      await this.host.close(p.handle, true);
      this.files.forgetUnder(join(p.logDir, `${p.topic}-${p.partition}`));
    }
    this.store.delete(name);
    this.metrics.releaseTopic(name);
    return undefined;
  }

  async addPartitions(name: string, count: number): Promise<TopicProblem | undefined> {
    const state = this.topics.get(name);
    if (!state) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${name}' does not exist.` };
    if (count <= state.meta.partitions) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${state.meta.partitions} partitions, which is higher than the requested ${count}.` };
    }
    const from = state.meta.partitions;
    this.store.addPartitions(name, count);
    for (let p = from; p < count; p++) state.partitions.push(await this.openPartition(state, p));
    return undefined;
  }

  /** Replaces a topic's config overrides (validated by the caller with resolveTopicConfig). */
  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    const state = this.topics.get(name)!;
    this.store.setConfigs(name, configs);
    state.config = resolveTopicConfig(this.config, configs);
    state.logConfig = logConfigFor(state.config.values);
    await Promise.all(state.partitions.map((p) => this.host.setConfig(p.handle, state.logConfig)));
  }

  async shutdown(): Promise<void> {
    this.logDirs.stop();
    for (const t of this.topics.values()) for (const p of t.partitions) for (const wake of [...p.waiters]) wake();
    await this.host.shutdown();
    this.files.closeAll();
  }
}
