/**
 * MetadataCache: what a broker of a cluster knows about the whole cluster — the live brokers
 * with their endpoints and racks, the controller, every topic with its id, and every
 * partition's leader, leader epoch, replicas, in-sync replicas and offline replicas. The
 * controller keeps it current with UpdateMetadata (Kafka's ZkMetadataCache), and Metadata,
 * DescribeCluster, FindCoordinator and the NOT_LEADER_OR_FOLLOWER hints (KIP-951) answer from
 * it, with no round trip to ZooKeeper.
 *
 * A request from a controller whose epoch is older than the newest seen is ignored (stale
 * controller), as Kafka's broker refuses it with STALE_CONTROLLER_EPOCH. An update changes the
 * partitions it names, unless it says it is full (v8's type 2, Kafka's FULL; a ZooKeeper-mode
 * controller sends 0, UNKNOWN, taken as incremental), which replaces every partition.
 * Partitions sent with leader -2 (Kafka's LeaderDuringDelete) are being deleted and are dropped.
 *
 * Main thread.
 */
import type { RequestOf } from '../protocol/schema.js';
import type { UpdateMetadata } from '../protocol/messages/index.js';

/** UpdateMetadata v8's type for a request that lists every partition (0 UNKNOWN, 1 INCREMENTAL, 2 FULL). */
const UPDATE_METADATA_FULL = 2;

/** Kafka's LeaderAndIsr.LeaderDuringDelete: the partition is being deleted. */
export const LEADER_DURING_DELETE = -2;
/** No leader: the partition is offline. */
export const NO_LEADER = -1;
/** Requests waiting at once for the metadata to show what they asked for (CreateTopics, DeleteTopics). */
export const MAX_METADATA_WAITERS = 1_000;

/** Security protocol ids as Kafka's SecurityProtocol numbers them on the wire. */
export const SECURITY_PROTOCOL_IDS: Readonly<Record<string, number>> = Object.freeze({ PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 });
export const SECURITY_PROTOCOL_NAMES: readonly string[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export interface BrokerEndpoint {
  listener: string;
  securityProtocol: string;
  host: string;
  port: number;
}

export interface LiveBroker {
  id: number;
  rack: string | null;
  endpoints: BrokerEndpoint[];
}

export interface PartitionMetadata {
  topic: string;
  partition: number;
  leader: number;
  leaderEpoch: number;
  /** The state znode's version, which Kafka's ZooKeeper mode uses as the partition epoch. */
  partitionEpoch: number;
  controllerEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  /** By partition index; dense from 0. */
  partitions: PartitionMetadata[];
}

type UpdateMetadataRequest = RequestOf<typeof UpdateMetadata>;

export class MetadataCache {
  private readonly brokerMap = new Map<number, LiveBroker>();
  private readonly topicMap = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, string>();
  controllerId = -1;
  /** The newest controller epoch seen (UpdateMetadata, LeaderAndIsr, StopReplica). */
  controllerEpoch = -1;
  /** Checked after every applied update: requests waiting for the controller (a topic created, its leaders elected). */
  private readonly waiters = new Set<() => void>();

  get brokers(): LiveBroker[] {
    return [...this.brokerMap.values()].sort((a, b) => a.id - b.id);
  }

  broker(id: number): LiveBroker | undefined {
    return this.brokerMap.get(id);
  }

  isAlive(id: number): boolean {
    return this.brokerMap.has(id);
  }

  /** The endpoint of `id` on the listener named `listener`, as clients of that listener must be told. */
  endpoint(id: number, listener: string): BrokerEndpoint | undefined {
    return this.brokerMap.get(id)?.endpoints.find((e) => e.listener === listener);
  }

  get topics(): TopicMetadata[] {
    return [...this.topicMap.values()];
  }

  topic(name: string): TopicMetadata | undefined {
    return this.topicMap.get(name);
  }

  topicById(id: string): TopicMetadata | undefined {
    const name = this.byId.get(id);
    return name === undefined ? undefined : this.topicMap.get(name);
  }

  partition(topic: string, partition: number): PartitionMetadata | undefined {
    return this.topicMap.get(topic)?.partitions[partition];
  }

  /**
   * Applies an UpdateMetadata request; false when it came from a controller older than one
   * already heard from (the caller answers STALE_CONTROLLER_EPOCH).
   */
  update(request: UpdateMetadataRequest): boolean {
    if (request.controllerEpoch < this.controllerEpoch) return false;
    this.controllerEpoch = request.controllerEpoch;
    this.controllerId = request.controllerId;
    this.brokerMap.clear();
    for (const b of request.liveBrokers) {
      const endpoints: BrokerEndpoint[] = (b.endpoints ?? []).map((e) => ({
        listener: e.listener ?? SECURITY_PROTOCOL_NAMES[e.securityProtocol] ?? 'PLAINTEXT',
        securityProtocol: SECURITY_PROTOCOL_NAMES[e.securityProtocol] ?? 'PLAINTEXT',
        host: e.host,
        port: e.port,
      }));
      if (endpoints.length === 0 && b.v0Host) endpoints.push({ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: b.v0Host, port: b.v0Port });
      this.brokerMap.set(b.id, { id: b.id, rack: b.rack ?? null, endpoints });
    }
    if (request.type === UPDATE_METADATA_FULL) {
      this.topicMap.clear();
      this.byId.clear();
    }
    const states = [
      ...(request.ungroupedPartitionStates ?? []).map((p) => ({ topicName: p.topicName, topicId: undefined as string | undefined, state: p })),
      ...(request.topicStates ?? []).flatMap((t) => t.partitionStates.map((p) => ({ topicName: t.topicName, topicId: t.topicId as string | undefined, state: p }))),
    ];
    for (const { topicName, topicId, state } of states) {
      if (state.leader === LEADER_DURING_DELETE) {
        this.dropPartition(topicName, state.partitionIndex);
        continue;
      }
      let topic = this.topicMap.get(topicName);
      if (!topic) {
        topic = { name: topicName, topicId: topicId ?? ZERO_UUID, partitions: [] };
        this.topicMap.set(topicName, topic);
      }
      if (topicId && topicId !== ZERO_UUID && topic.topicId !== topicId) {
        this.byId.delete(topic.topicId);
        topic.topicId = topicId;
      }
      if (topic.topicId !== ZERO_UUID) this.byId.set(topic.topicId, topicName);
      topic.partitions[state.partitionIndex] = {
        topic: topicName,
        partition: state.partitionIndex,
        leader: state.leader,
        leaderEpoch: state.leaderEpoch,
        partitionEpoch: state.zkVersion,
        controllerEpoch: state.controllerEpoch,
        replicas: [...state.replicas],
        isr: [...state.isr],
        offlineReplicas: [...(state.offlineReplicas ?? [])],
      };
    }
    for (const check of [...this.waiters]) check();
    return true;
  }

  /**
   * Resolves true once `ready()` holds after an update (or at once), false after `timeoutMs`.
   * At most MAX_METADATA_WAITERS wait at once; past that the answer is false at once.
   */
  waitFor(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    if (timeoutMs <= 0 || this.waiters.size >= MAX_METADATA_WAITERS) return Promise.resolve(false);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!ready()) return;
        finish(true);
      };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Whether the topic is known with `partitions` partitions, each with a leader. */
  topicReady(name: string, partitions: number): boolean {
    const t = this.topicMap.get(name);
    if (!t) return false;
    for (let p = 0; p < partitions; p++) if (!t.partitions[p] || t.partitions[p]!.leader < 0) return false;
    return true;
  }

  /** A leader's own change to its ISR (AlterPartition answered), ahead of the controller's UpdateMetadata. */
  noteIsr(topic: string, partition: number, isr: number[], partitionEpoch: number): void {
    const p = this.partition(topic, partition);
    if (!p || partitionEpoch < p.partitionEpoch) return;
    p.isr = [...isr];
    p.partitionEpoch = partitionEpoch;
  }

  private dropPartition(topic: string, partition: number): void {
    const t = this.topicMap.get(topic);
    if (!t) return;
    delete t.partitions[partition];
    if (t.partitions.every((p) => p === undefined)) {
      this.topicMap.delete(topic);
      this.byId.delete(t.topicId);
    }
  }
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
