/**
 * ClusterNode: a broker's membership of a cluster (cluster mode, `zookeeper.connect` set),
 * as Kafka's ZooKeeper-mode KafkaServer starts it:
 *
 *   1. connect to ZooKeeper (zookeeper.session.timeout.ms, zookeeper.connection.timeout.ms,
 *      zookeeper.max.in.flight.requests) and create Kafka's persistent top-level znodes;
 *   2. the cluster id: /cluster/id, created by the first broker; a data directory written for
 *      another cluster (meta.properties) stops the broker, as Kafka's
 *      InconsistentClusterIdException does;
 *   3. once the listeners are bound, register as the ephemeral /brokers/ids/<node.id> with the
 *      advertised endpoints and broker.rack; the znode's czxid is the broker epoch. A znode left
 *      by this broker's previous process (killed, its session not yet expired) is waited out,
 *      up to the session timeout, rather than refused;
 *   4. run for controller (election.ts), and serve the controller's requests through the
 *      replica manager (replica-manager.ts) and the metadata cache (metadata-cache.ts), with
 *      one replica fetcher per leader broker (fetcher.ts).
 *
 * After a session expiry the registration is made again under the new session (its broker
 * epoch changes, so the controller sees the broker leave and come back).
 *
 * Main thread.
 */
import type { Broker } from '../broker/broker.js';
import type { BrokerConfig } from '../broker/config/load.js';
import { ConfigError } from '../broker/config/errors.js';
import { Connection } from '../client/connection.js';
import type { Logger } from '../core/logger.js';
import { ErrorCode } from '../protocol/errors.js';
import { AlterPartition, ControlledShutdown } from '../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../protocol/schema.js';
import { ReplicaFetchers } from './fetcher.js';
import { AdminZkError, createTopic as createTopicInZk, deleteTopic as deleteTopicInZk } from './admin-zk.js';
import { ZkProducerIdBlocks } from './producer-id-blocks.js';
import { AssignmentError, assignReplicas, sortBrokers } from './assignment.js';
import { newTopicId } from '../core/topic-store.js';
import { OFFSETS_TOPIC, groupPartitionLed } from '../broker/groups/offsets-topic.js';
import { Controller } from './controller.js';
import { ControllerElector } from './election.js';
import type { SecurityProtocol } from '../broker/security/listener-security.js';
import { MetadataCache } from './metadata-cache.js';
import { ReplicaManager } from './replica-manager.js';
import { ZkError, ZkSession } from './zk.js';
import {
  CLUSTER_ID_PATH,
  CLUSTER_PATH,
  PERSISTENT_ZK_PATHS,
  type BrokerEndpoint,
  brokerIdPath,
  configEntityPath,
  decodeClusterId,
  decodeEntityConfig,
  encodeBrokerRegistration,
  encodeClusterId,
} from './zk-data.js';

/** How long one ControlledShutdown request may take. */
const CONTROLLED_SHUTDOWN_REQUEST_TIMEOUT_MS = 15_000;
/** How long a registration waits for the znode of this broker's previous session to go, beyond the session timeout. */
const REGISTRATION_GRACE_MS = 5_000;

export interface AdvertisedEndpoint {
  listener: string;
  securityProtocol: string;
  host: string;
  port: number;
}

export class ClusterNode {
  readonly zk: ZkSession;
  readonly brokerId: number;
  readonly metadata = new MetadataCache();
  replicas!: ReplicaManager;
  fetchers!: ReplicaFetchers;
  /** This broker's controller, active while it is elected (election.ts, controller.ts). */
  controller!: Controller;
  elector!: ControllerElector;
  /** The czxid of this broker's registration: Kafka's broker epoch. */
  brokerEpoch = -1;
  private readonly logger: Logger;
  private readonly config: BrokerConfig;
  private endpoints: AdvertisedEndpoint[] = [];
  private controllerConnection: { id: number; connection: Promise<Connection> } | undefined;
  private stopped = false;
  /** The listener brokers use among themselves. */
  readonly interBrokerListener: string;

  private constructor(zk: ZkSession, config: BrokerConfig, logger: Logger) {
    this.zk = zk;
    this.config = config;
    this.logger = logger;
    this.brokerId = config.derived.nodeId;
    this.interBrokerListener = interBrokerListenerName(config);
  }

  /** Steps 1 and 2: the session and the cluster id (`localClusterId`: meta.properties' when it has one). */
  static async connect(config: BrokerConfig, logger: Logger, localClusterId: string | undefined, newClusterId: () => string): Promise<{ node: ClusterNode; clusterId: string }> {
    const v = config.values;
    const sessionTimeoutMs = v['zookeeper.session.timeout.ms'] as number;
    const zk = await ZkSession.connect({
      connectString: v['zookeeper.connect'] as string,
      sessionTimeoutMs,
      connectionTimeoutMs: (v['zookeeper.connection.timeout.ms'] as number | null) ?? sessionTimeoutMs,
      maxInFlightRequests: v['zookeeper.max.in.flight.requests'] as number,
      logger,
    });
    try {
      for (const path of [...PERSISTENT_ZK_PATHS, CLUSTER_PATH]) await zk.mkdirs(path);
      let clusterId: string;
      const stored = await zk.get(CLUSTER_ID_PATH);
      if (stored) clusterId = decodeClusterId(stored.data);
      else {
        const proposed = localClusterId ?? newClusterId();
        try {
          await zk.create(CLUSTER_ID_PATH, encodeClusterId(proposed), 'persistent');
          clusterId = proposed;
        } catch (e) {
          if (!(e instanceof ZkError && e.code === 'NODE_EXISTS')) throw e;
          clusterId = decodeClusterId((await zk.get(CLUSTER_ID_PATH))!.data);
        }
      }
      if (localClusterId !== undefined && localClusterId !== clusterId) {
        throw new ConfigError(
          `The cluster id ${clusterId} in ZooKeeper does not match the cluster id ${localClusterId} in meta.properties: this data directory belongs to another cluster (Kafka's InconsistentClusterIdException)`,
          { key: 'zookeeper.connect', value: v['zookeeper.connect'] as string, origin: 'ZooKeeper' },
        );
      }
      return { node: new ClusterNode(zk, config, logger), clusterId };
    } catch (e) {
      await zk.close();
      throw e;
    }
  }

  /** Step 4's parts that need the broker; called once the Broker exists. */
  attach(broker: Broker): void {
    this.fetchers = new ReplicaFetchers(broker, this.metadata, {
      brokerId: this.brokerId,
      brokerEpoch: () => this.brokerEpoch,
      listener: this.interBrokerListener,
      logger: this.logger,
    });
    this.replicas = new ReplicaManager(broker, {
      brokerId: this.brokerId,
      brokerEpoch: () => this.brokerEpoch,
      metadata: this.metadata,
      logger: this.logger,
      alterPartition: (request) => this.sendToController(request),
      follow: (replica, leaderId) => this.fetchers.follow(replica, leaderId),
      unfollow: (replica) => this.fetchers.unfollow(replica),
      topicConfigs: (topic) => this.topicConfigs(topic),
      leadershipChanged: (replica, leader) => {
        if (replica.topic === OFFSETS_TOPIC) groupPartitionLed(broker, replica.partition, leader);
      },
    });
    this.fetchers.replicaManager = this.replicas;
    const v = this.config.values;
    this.controller = new Controller({
      zk: this.zk,
      brokerId: this.brokerId,
      logger: this.logger,
      uncleanLeaderElectionEnable: () => broker.config.values['unclean.leader.election.enable'] as boolean,
      deleteTopicEnable: v['delete.topic.enable'] as boolean,
      interBrokerListenerName: this.interBrokerListener,
      securityInterBrokerProtocol: v['security.inter.broker.protocol'] as SecurityProtocol,
      onControllerMoved: () => this.elector.recheck(),
    });
    this.elector = new ControllerElector({
      zk: this.zk,
      brokerId: this.brokerId,
      logger: this.logger,
      onBecomeController: (epoch, epochZkVersion) => this.controller.start(epoch, epochZkVersion),
      onResignController: () => this.controller.stop(),
    });
  }

  /** Step 3: registers with the endpoints the listeners were bound to. */
  async register(endpoints: AdvertisedEndpoint[]): Promise<void> {
    this.endpoints = endpoints;
    await this.registerOnce();
    // Only a registered broker runs for controller: the controller's first act is to read the live brokers.
    await this.elector.start();
    this.zk.onNewSession(async () => {
      if (this.stopped) return;
      this.logger.warn(`ZooKeeper session expired; registering broker ${this.brokerId} again under session ${this.zk.sessionId}`);
      try {
        await this.registerOnce();
      } catch (e) {
        this.logger.error(`registering broker ${this.brokerId} again failed: ${(e as Error).message ?? e}`);
      }
    });
  }

  private async registerOnce(): Promise<void> {
    const path = brokerIdPath(this.brokerId);
    const data = encodeBrokerRegistration({
      brokerId: this.brokerId,
      endpoints: this.endpoints.map((e): BrokerEndpoint => ({ listenerName: e.listener, securityProtocol: e.securityProtocol as BrokerEndpoint['securityProtocol'], host: e.host, port: e.port })),
      rack: (this.config.values['broker.rack'] as string | null) ?? null,
    });
    const deadline = Date.now() + this.zk.sessionTimeoutMs + REGISTRATION_GRACE_MS;
    for (;;) {
      try {
        await this.zk.create(path, data, 'ephemeral');
        break;
      } catch (e) {
        if (!(e instanceof ZkError && e.code === 'NODE_EXISTS')) throw e;
        const existing = await this.zk.exists(path);
        if (existing && existing.ephemeralOwner === this.zk.sessionId) break;
        if (Date.now() > deadline) {
          throw new ConfigError(`broker id ${this.brokerId} is registered in ZooKeeper by another live broker (${path})`, { key: 'broker.id', value: String(this.brokerId), origin: 'ZooKeeper' });
        }
        this.logger.info(`${path} is still held by an earlier session; waiting for it to expire`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const stat = await this.zk.exists(path);
    this.brokerEpoch = stat ? Number(stat.czxid) : -1;
    this.logger.info(`registered broker ${this.brokerId} at ${path} (broker epoch ${this.brokerEpoch})`);
  }

  /**
   * CreateTopics in a cluster: the topic's configs and assignment into ZooKeeper (admin-zk.ts),
   * for the controller to elect its leaders. The refusal, with Kafka's code, or undefined.
   */
  async createTopic(name: string, assignment: readonly (readonly number[])[], configs: Readonly<Record<string, string>>, topicId: string): Promise<{ errorCode: number; errorMessage: string } | undefined> {
    try {
      await createTopicInZk(this.zk, name, assignment, configs, topicId);
      return undefined;
    } catch (e) {
      if (e instanceof AdminZkError) return { errorCode: e.errorCode, errorMessage: e.message };
      throw e;
    }
  }

  /** Auto-creations in flight, by name, so that a burst of Metadata requests writes a topic once. */
  private readonly autoCreating = new Map<string, Promise<number>>();

  /**
   * Metadata's auto-creation in a cluster (auto.create.topics.enable): num.partitions partitions
   * with default.replication.factor replicas over the live brokers. Resolves with the error code
   * to answer for the topic: LEADER_NOT_AVAILABLE while its leaders are elected (Kafka's answer
   * for a topic it just created; clients ask again), or the refusal (INVALID_REPLICATION_FACTOR
   * with fewer live brokers than that, for one).
   */
  autoCreateTopic(name: string, broker: Broker): Promise<number> {
    let run = this.autoCreating.get(name);
    if (!run) {
      run = (async () => {
        const v = broker.config.values;
        let assignment: number[][];
        try {
          assignment = assignReplicas(sortBrokers(this.metadata.brokers.map((b) => ({ id: b.id, rack: b.rack }))), v['num.partitions'] as number, v['default.replication.factor'] as number);
        } catch (e) {
          if (e instanceof AssignmentError) return e.errorCode;
          throw e;
        }
        const refused = await this.createTopic(name, assignment, {}, newTopicId());
        return refused && refused.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS ? refused.errorCode : ErrorCode.LEADER_NOT_AVAILABLE;
      })().finally(() => this.autoCreating.delete(name));
      this.autoCreating.set(name, run);
    }
    return run;
  }

  /** DeleteTopics in a cluster: /admin/delete_topics/<name> for the controller. The refusal, or undefined. */
  async markForDeletion(name: string): Promise<{ errorCode: number; errorMessage: string } | undefined> {
    try {
      await deleteTopicInZk(this.zk, name);
      return undefined;
    } catch (e) {
      if (e instanceof AdminZkError) return { errorCode: e.errorCode, errorMessage: e.message };
      throw e;
    }
  }

  /** Producer ids unique across the cluster (/latest_producer_id_block). */
  private producerIdBlocks: ZkProducerIdBlocks | undefined;
  get producerIds(): ZkProducerIdBlocks {
    return (this.producerIdBlocks ??= new ZkProducerIdBlocks(this.zk, this.brokerId));
  }

  /** The topic's overrides from /config/topics/<topic>; none when absent. */
  async topicConfigs(topic: string): Promise<Record<string, string>> {
    const got = await this.zk.get(configEntityPath('topics', topic));
    return got ? Object.fromEntries(decodeEntityConfig(got.data)) : {};
  }

  /** AlterPartition to the current controller, over a connection kept to it. */
  private async sendToController(request: RequestOf<typeof AlterPartition>): Promise<ResponseOf<typeof AlterPartition>> {
    const id = this.metadata.controllerId;
    if (id < 0) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
    if (!this.controllerConnection || this.controllerConnection.id !== id) {
      void this.controllerConnection?.connection.then((c) => c.close(), () => undefined);
      const endpoint = this.metadata.endpoint(id, this.interBrokerListener) ?? this.metadata.broker(id)?.endpoints[0];
      if (!endpoint) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
      this.controllerConnection = { id, connection: Connection.open({ host: endpoint.host, port: endpoint.port, clientId: `broker-${this.brokerId}-alter-partition` }) };
    }
    const entry = this.controllerConnection;
    try {
      const conn = await entry.connection;
      if (conn.closed) throw new Error('connection to the controller closed');
      return await conn.request(AlterPartition, request);
    } catch (e) {
      if (this.controllerConnection === entry) this.controllerConnection = undefined;
      throw e;
    }
  }

  /**
   * Controlled shutdown (controlled.shutdown.enable): before leaving, ask the controller to move
   * the leadership of this broker's partitions to other in-sync replicas (ControlledShutdown), so
   * clients do not wait out a session timeout; up to controlled.shutdown.max.retries attempts,
   * controlled.shutdown.retry.backoff.ms apart, while partitions remain. The listeners still
   * serve meanwhile: the controller's LeaderAndIsr comes through them. Answers whether it
   * succeeded; the broker stops either way, as Kafka's does. Unlike Kafka, it stops retrying
   * once an attempt moved nothing: partitions with no other live in-sync replica (the last
   * broker of a cluster stopping) cannot be moved by waiting.
   */
  private async controlledShutdown(): Promise<boolean> {
    const v = this.config.values;
    const attempts = Math.max(1, (v['controlled.shutdown.max.retries'] as number) + 1);
    const backoffMs = v['controlled.shutdown.retry.backoff.ms'] as number;
    let before = Infinity;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const remaining = await this.askControlledShutdown();
        if (remaining === 0) return true;
        this.logger.info(`controlled shutdown: ${remaining} partition(s) still led here (attempt ${attempt} of ${attempts})`);
        if (remaining >= before) return false;
        before = remaining;
      } catch (e) {
        this.logger.warn(`controlled shutdown attempt ${attempt} of ${attempts} failed: ${(e as Error).message ?? e}`);
      }
      if (attempt < attempts) await new Promise((r) => setTimeout(r, backoffMs));
    }
    return false;
  }

  /** One ControlledShutdown: the partitions this broker still leads afterwards. */
  private async askControlledShutdown(): Promise<number> {
    if (this.controller.active) {
      const r = await this.controller.controlledShutdown(this.brokerId, this.brokerEpoch);
      if (r.errorCode !== ErrorCode.NONE) throw new Error(`error ${r.errorCode}`);
      return r.remainingPartitions.length;
    }
    const id = this.elector.controllerId >= 0 ? this.elector.controllerId : this.metadata.controllerId;
    const endpoint = id < 0 ? undefined : (this.metadata.endpoint(id, this.interBrokerListener) ?? this.metadata.broker(id)?.endpoints[0]);
    if (!endpoint) throw new Error('no controller is known');
    const conn = await Connection.open({ host: endpoint.host, port: endpoint.port, clientId: `broker-${this.brokerId}-controlled-shutdown`, requestTimeoutMs: CONTROLLED_SHUTDOWN_REQUEST_TIMEOUT_MS });
    try {
      const r = await conn.request(ControlledShutdown, { brokerId: this.brokerId, brokerEpoch: this.brokerEpoch });
      if (r.errorCode !== ErrorCode.NONE) throw new Error(`the controller answered error ${r.errorCode}`);
      return r.remainingPartitions.length;
    } finally {
      conn.close();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.brokerEpoch >= 0 && (this.config.values['controlled.shutdown.enable'] as boolean)) {
      const moved = await this.controlledShutdown();
      this.logger.info(moved ? `controlled shutdown of broker ${this.brokerId} done: it leads nothing` : `controlled shutdown of broker ${this.brokerId} did not complete; stopping anyway`);
    }
    this.stopped = true;
    await this.elector?.close();
    await this.controller?.close();
    this.fetchers?.stop();
    this.replicas?.stop();
    void this.controllerConnection?.connection.then((c) => c.close(), () => undefined);
    await this.zk.close();
  }
}

/**
 * inter.broker.listener.name, else the listener whose protocol is
 * security.inter.broker.protocol, else the first listener.
 */
export function interBrokerListenerName(config: BrokerConfig): string {
  const named = config.values['inter.broker.listener.name'] as string | null;
  if (named) return named.toUpperCase();
  const protocol = config.values['security.inter.broker.protocol'] as string;
  const listeners = config.derived.listeners;
  return (listeners.find((l) => l.securityProtocol === protocol) ?? listeners[0])?.name ?? 'PLAINTEXT';
}
