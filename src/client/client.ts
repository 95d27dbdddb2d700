/**
 * The client's view of a cluster: bootstrap servers, one connection per broker (opened on first
 * use, shared by the admin, producer and consumer built on this client), the metadata cache
 * (brokers, controller, topics with their IDs and partition leaders) and group coordinators.
 *
 *   Client ──bootstrap──▶ any broker ──Metadata──▶ brokers, topics, leaders
 *     ├── broker(nodeId)      connection to one broker (reuses the bootstrap one when it is that broker)
 *     ├── leaderFor(t, p)     connection to the partition's leader
 *     ├── controller()        where admin requests go
 *     └── coordinator(group)  FindCoordinator, cached until the group says NOT_COORDINATOR
 *
 * Metadata is fetched for the topics a caller names, never auto-creating them unless asked
 * (the producer asks, as Kafka's does; describing or consuming an unknown topic is an error).
 *
 * Every connection, bootstrap and broker alike, is secured as `security` says (TLS, SASL; see
 * connection.ts): a cluster's listeners advertise brokers of the same security protocol. A login
 * that fails (AuthenticationError) is not retried on another bootstrap server.
 *
 * Main thread (any single thread).
 */
import { ErrorCode } from '../protocol/errors.js';
import { FindCoordinator, Metadata } from '../protocol/messages/index.js';
import { type ClientSecurity, Connection, type ConnectionOptions, checkSecurity } from './connection.js';
import { ClientError, ConnectionError, KafkaError } from './errors.js';

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
/** Kafka's default `retry.backoff.ms`. */
export const RETRY_BACKOFF_MS = 100;
/**
 * How many times a retriable answer (a topic being created, a coordinator loading) is retried
 * before it becomes the caller's error: 20 × 100-250 ms, a few seconds, longer than a
 * single-node broker takes to create a topic or load a group.
 */
export const MAX_RETRIES = 20;
/** Retries for a topic the broker does not know: metadata reaches brokers within ~100 ms. */
export const UNKNOWN_TOPIC_RETRIES = 2;

export interface ClientOptions {
  /** "host:port", several separated by commas, or a list of them. */
  bootstrapServers: string | string[];
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS and SASL for every connection (Kafka's security.protocol, ssl.*, sasl.*); PLAINTEXT when absent. */
  security?: ClientSecurity;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

export interface TopicInfo {
  name: string;
  /** Dashed lower-case uuid; all zeros when the broker has no topic IDs. */
  topicId: string;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

export interface HostPort {
  host: string;
  port: number;
}

/** Parses "host:port[,host:port]", with IPv6 hosts in brackets ("[::1]:9092"). */
export function parseBootstrap(servers: string | string[]): HostPort[] {
  const list = (Array.isArray(servers) ? servers : servers.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
  if (list.length === 0) throw new ClientError('no bootstrap server given');
  return list.map((s) => {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
    if (!m) throw new ClientError(`bootstrap server '${s}' is not host:port`);
    const port = Number(m[2]);
    if (!(port > 0 && port < 65536)) throw new ClientError(`bootstrap server '${s}' has a bad port`);
    return { host: m[1]!, port };
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Client {
  readonly clientId: string;
  readonly requestTimeoutMs: number | undefined;
  private readonly connectTimeoutMs: number | undefined;
  private readonly security: ClientSecurity | undefined;
  private readonly bootstrap: HostPort[];
  private bootstrapConnection: Promise<Connection> | undefined;
  private readonly connections = new Map<number, Promise<Connection>>();
  private readonly coordinators = new Map<string, Promise<Connection>>();
  private closed = false;

  readonly brokers = new Map<number, BrokerInfo>();
  readonly topics = new Map<string, TopicInfo>();
  controllerId = -1;
  clusterId: string | null = null;

  constructor(options: ClientOptions) {
    this.bootstrap = parseBootstrap(options.bootstrapServers);
    this.clientId = options.clientId ?? 'spindle';
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.requestTimeoutMs = options.requestTimeoutMs;
    if (options.security) checkSecurity(options.security);
    this.security = options.security;
  }

  private options(hp: HostPort): ConnectionOptions {
    const o: ConnectionOptions = { host: hp.host, port: hp.port, clientId: this.clientId };
    if (this.connectTimeoutMs !== undefined) o.connectTimeoutMs = this.connectTimeoutMs;
    if (this.requestTimeoutMs !== undefined) o.requestTimeoutMs = this.requestTimeoutMs;
    if (this.security !== undefined) o.security = this.security;
    return o;
  }

  /** A live connection to some broker: one already open, or a bootstrap server. */
  async any(): Promise<Connection> {
    if (this.closed) throw new ClientError('the client is closed');
    for (const p of this.connections.values()) {
      const c = await p.catch(() => undefined);
      if (c && !c.closed) return c;
    }
    if (this.bootstrapConnection) {
      const c = await this.bootstrapConnection.catch(() => undefined);
      if (c && !c.closed) return c;
    }
    this.bootstrapConnection = this.openBootstrap();
    return this.bootstrapConnection;
  }

  private async openBootstrap(): Promise<Connection> {
    const failures: string[] = [];
    for (const hp of this.bootstrap) {
      try {
        return await Connection.open(this.options(hp));
      } catch (e) {
        if (!(e instanceof ConnectionError)) throw e;
        failures.push(e.message);
      }
    }
    if (failures.length === 1) throw new ConnectionError(`${this.bootstrap[0]!.host}:${this.bootstrap[0]!.port}`, failures[0]!);
    throw new ConnectionError(this.bootstrap.map((b) => `${b.host}:${b.port}`).join(','), `no bootstrap server answered: ${failures.join('; ')}`);
  }

  /** The connection to broker `nodeId`, opened on first use; reopened after it closed. */
  async broker(nodeId: number): Promise<Connection> {
    if (this.closed) throw new ClientError('the client is closed');
    const existing = this.connections.get(nodeId);
    if (existing) {
      const c = await existing.catch(() => undefined);
      if (c && !c.closed) return c;
      this.connections.delete(nodeId);
    }
    let info = this.brokers.get(nodeId);
    if (!info) {
      await this.refreshMetadata([]);
      info = this.brokers.get(nodeId);
      if (!info) throw new ClientError(`broker ${nodeId} is not in the cluster`);
    }
    const opening = this.openTo(info);
    this.connections.set(nodeId, opening);
    opening.catch(() => this.connections.delete(nodeId));
    return opening;
  }

  private async openTo(info: BrokerInfo): Promise<Connection> {
    // The bootstrap connection, when it reached this very broker, serves as its connection.
    if (this.bootstrapConnection) {
      const b = await this.bootstrapConnection.catch(() => undefined);
      if (b && !b.closed && b.address === `${info.host}:${info.port}`) return b;
    }
    return Connection.open(this.options(info));
  }

  /**
   * Fetches metadata: `null` for every topic, a list for those topics (an empty list for
   * brokers only). Updates the cache and returns the topics answered, errors included.
   */
  async refreshMetadata(topics: string[] | null, allowAutoTopicCreation = false): Promise<{ topics: (TopicInfo & { errorCode: number })[] }> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      const c = await this.any();
      try {
        const r = await c.request(Metadata, {
          topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
          allowAutoTopicCreation,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
        this.brokers.clear();
        for (const b of r.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
        this.controllerId = r.controllerId;
        this.clusterId = r.clusterId;
        const answered: (TopicInfo & { errorCode: number })[] = [];
        for (const t of r.topics) {
          const info: TopicInfo & { errorCode: number } = {
            name: t.name ?? '',
            topicId: t.topicId,
            isInternal: t.isInternal,
            errorCode: t.errorCode,
            partitions: t.partitions
              .map((p) => ({
                partition: p.partitionIndex,
                errorCode: p.errorCode,
                leaderId: p.leaderId,
                leaderEpoch: p.leaderEpoch,
                replicas: p.replicaNodes,
                isr: p.isrNodes,
                offline: p.offlineReplicas,
              }))
              .sort((a, b) => a.partition - b.partition),
          };
          if (t.errorCode === 0 && t.name) this.topics.set(t.name, info);
          else if (t.name) this.topics.delete(t.name);
          answered.push(info);
        }
        return { topics: answered };
      } catch (e) {
        if (!(e instanceof ConnectionError)) throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  /**
   * One topic's metadata, fetched when not cached (or when `refresh`). Retries while the
   * topic has no leader yet (just created); an unknown topic is a ClientError.
   */
  async topic(name: string, options: { refresh?: boolean; allowAutoTopicCreation?: boolean } = {}): Promise<TopicInfo> {
    const cached = this.topics.get(name);
    if (cached && !options.refresh) return cached;
    for (let attempt = 0; ; attempt++) {
      const { topics } = await this.refreshMetadata([name], options.allowAutoTopicCreation ?? false);
      const t = topics.find((x) => x.name === name);
      const code = t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const leaderless = t !== undefined && code === 0 && t.partitions.some((p) => p.leaderId < 0);
      if (code === 0 && !leaderless) return t!;
      // A topic just created may take a moment to reach every broker's metadata; a broker that
      // creates topics on request answers LEADER_NOT_AVAILABLE meanwhile, not UNKNOWN.
      if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && attempt >= UNKNOWN_TOPIC_RETRIES) throw new ClientError(`topic '${name}' does not exist`);
      if (code === ErrorCode.INVALID_TOPIC_EXCEPTION) throw new KafkaError(code, `topic '${name}'`);
      if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) throw new KafkaError(code, `topic '${name}'`);
      if (attempt >= MAX_RETRIES) {
        if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new ClientError(`topic '${name}' does not exist`);
        throw new KafkaError(leaderless ? ErrorCode.LEADER_NOT_AVAILABLE : code, `topic '${name}'`);
      }
      await sleep(RETRY_BACKOFF_MS);
    }
  }

  /** The connection to the leader of a partition. */
  async leaderFor(topic: string, partition: number): Promise<Connection> {
    const t = await this.topic(topic);
    const p = t.partitions[partition];
    if (!p) throw new ClientError(`topic '${topic}' has no partition ${partition} (it has ${t.partitions.length})`);
    return this.broker(p.leaderId);
  }

  /** The connection admin requests go to: the controller, or any broker when none is named. */
  async controller(): Promise<Connection> {
    if (this.controllerId < 0 || !this.brokers.has(this.controllerId)) await this.refreshMetadata([]);
    return this.controllerId >= 0 ? this.broker(this.controllerId) : this.any();
  }

  /** The group coordinator for `groupId` (FindCoordinator, key type 0), cached. */
  coordinator(groupId: string): Promise<Connection> {
    let p = this.coordinators.get(groupId);
    if (!p) {
      p = this.findCoordinator(groupId);
      this.coordinators.set(groupId, p);
      p.catch(() => this.coordinators.delete(groupId));
    }
    return p.then((c) => {
      if (!c.closed) return c;
      this.coordinators.delete(groupId);
      return this.coordinator(groupId);
    });
  }

  /** Forgets the cached coordinator (after NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE). */
  forgetCoordinator(groupId: string): void {
    this.coordinators.delete(groupId);
  }

  private async findCoordinator(groupId: string): Promise<Connection> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.any();
      const r = await c.request(FindCoordinator, { key: groupId, keyType: 0, coordinatorKeys: [groupId] });
      // v4+ answers per key; earlier versions at the top level.
      const a = r.coordinators[0] ?? { nodeId: r.nodeId, host: r.host, port: r.port, errorCode: r.errorCode, errorMessage: r.errorMessage };
      if (a.errorCode === 0) {
        const known = this.brokers.get(a.nodeId);
        if (!known || known.host !== a.host || known.port !== a.port) this.brokers.set(a.nodeId, { nodeId: a.nodeId, host: a.host, port: a.port, rack: null });
        return this.broker(a.nodeId);
      }
      const retriable = a.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE || a.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || a.errorCode === ErrorCode.NOT_COORDINATOR;
      if (!retriable || attempt >= MAX_RETRIES) throw new KafkaError(a.errorCode, `coordinator of group '${groupId}'`, a.errorMessage);
      await sleep(RETRY_BACKOFF_MS * 2);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values(), ...(this.bootstrapConnection ? [this.bootstrapConnection] : [])];
    this.connections.clear();
    this.coordinators.clear();
    for (const p of all) {
      const c = await p.catch(() => undefined);
      c?.close();
    }
  }
}
