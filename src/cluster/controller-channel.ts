/**
 * The controller's connections to the brokers (Kafka's ControllerChannelManager): one
 * connection and one queue per live broker, on which LeaderAndIsr, UpdateMetadata and StopReplica
 * go out one at a time, in the order the controller made them, each sent again until the broker
 * answers it.
 *
 *   controller ──send(2, LeaderAndIsr, …)──▶ queue of broker 2 ──▶ [connection to broker 2]
 *              ──send(3, UpdateMetadata, …)─▶ queue of broker 3 ──▶ [connection to broker 3]
 *
 * Why one request at a time, and in order: each request carries state the next one builds on (a
 * LeaderAndIsr with leader epoch 5 must not be overtaken by the one with epoch 4), and Kafka's
 * channel has one request in flight per broker as well. A failed send (the connection refused,
 * dropped, or no answer within the request timeout) closes the connection, waits a backoff
 * (RECONNECT_BACKOFF_MIN_MS doubling up to RECONNECT_BACKOFF_MAX_MS; Kafka waits 100 ms), then
 * reconnects and sends the same request again: brokers take these requests idempotently (a
 * repeated LeaderAndIsr carries no newer epoch and changes nothing).
 *
 * A broker that leaves the cluster is removed: its connection closes and its queued requests are
 * rejected with ChannelError('removed') (Kafka drops them silently; a rejection lets the
 * controller tell a dropped request from an answered one). At most maxQueuedRequestsPerBroker
 * (DEFAULT_MAX_QUEUED_REQUESTS_PER_BROKER) wait per broker; past that, send rejects with
 * ChannelError('queue-full'): a broker registered but unreachable for long must not grow the
 * controller's memory without end. Kafka's queue is unbounded.
 *
 * The endpoint: the broker's registered endpoint on the inter-broker listener, Kafka's
 * inter.broker.listener.name, or else the listener named after security.inter.broker.protocol
 * (Kafka's ListenerName.forSecurityProtocol, "PLAINTEXT" by default); failing that, the first
 * listener with that security protocol, for registrations whose listener names differ from
 * their protocols. TLS and SASL settings for it come from the caller (clientSecurity), since
 * they are the broker's own inter-broker credentials.
 *
 * Versions: the connection negotiates with the broker's ApiVersions, and each request goes at
 * the highest version both ends know. A body may be a function of that version, called when the
 * request is about to be written, since a broker that restarts on a newer release may answer a
 * later version on the next connection.
 *
 * Main thread.
 */
import { type ClientSecurity, Connection } from '../client/connection.js';
import { ConnectionError, TimeoutError } from '../client/errors.js';
import type { Logger } from '../core/logger.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../protocol/schema.js';
import type { BrokerEndpoint, SecurityProtocol } from './zk-data.js';

/** Requests that may wait for one broker before more are refused. */
export const DEFAULT_MAX_QUEUED_REQUESTS_PER_BROKER = 1_000;
/** The first wait after a failed send; doubled after each further failure, up to the maximum. */
export const RECONNECT_BACKOFF_MIN_MS = 100;
export const RECONNECT_BACKOFF_MAX_MS = 2_000;
/** Kafka's request.timeout.ms default, which its controller channel uses. */
export const DEFAULT_CHANNEL_REQUEST_TIMEOUT_MS = 30_000;
/** Kafka's controller.socket.timeout.ms default: how long connecting may take. */
export const DEFAULT_CHANNEL_CONNECT_TIMEOUT_MS = 30_000;

export type ChannelErrorReason = 'removed' | 'queue-full' | 'closed' | 'unknown-broker' | 'unsupported' | 'no-endpoint';

/** A request the channel did not get answered, and why. */
export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  constructor(
    readonly reason: ChannelErrorReason,
    readonly brokerId: number,
    message: string,
  ) {
    super(message);
  }
}

/** A broker as the channel needs it: its id and registered endpoints. */
export interface ChannelBroker {
  readonly id: number;
  readonly endpoints: readonly BrokerEndpoint[];
}

export interface ControllerChannelOptions {
  /** This (the controller's) broker id: the client id of its connections, as Kafka's. */
  controllerId: number;
  /** Kafka's inter.broker.listener.name; null or absent: the listener named after the protocol. */
  interBrokerListenerName?: string | null;
  /** Kafka's security.inter.broker.protocol (PLAINTEXT when absent). */
  securityInterBrokerProtocol?: SecurityProtocol;
  /** TLS and SASL settings for a connection to this endpoint; needed for any but PLAINTEXT. */
  clientSecurity?: (endpoint: BrokerEndpoint, brokerId: number) => ClientSecurity | undefined;
  maxQueuedRequestsPerBroker?: number;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger: Logger;
}

/** A request body, or a function of the version it will be sent at. */
export type RequestBody<A extends ApiSpec> = Partial<RequestOf<A>> | ((version: number) => Partial<RequestOf<A>>);

interface Item {
  api: ApiSpec;
  body: RequestBody<ApiSpec>;
  resolve(response: unknown): void;
  reject(e: Error): void;
  settled: boolean;
}

interface BrokerQueue {
  readonly id: number;
  readonly endpoint: BrokerEndpoint;
  readonly address: string;
  readonly items: Item[];
  connection: Connection | undefined;
  running: boolean;
  removed: boolean;
  backoffMs: number;
  /** Set while waiting out a backoff: wakes the wait early (on removal). */
  wake: (() => void) | undefined;
  /** Whether the last attempt failed, so that a run of failures is logged once. */
  failing: boolean;
}

/**
 * The endpoint the controller reaches a broker on: the listener named `listenerName`, else the
 * one named after `protocol`, else the first with that protocol; undefined when none fits.
 */
export function interBrokerEndpoint(endpoints: readonly BrokerEndpoint[], listenerName: string | null | undefined, protocol: SecurityProtocol = 'PLAINTEXT'): BrokerEndpoint | undefined {
  if (listenerName) return endpoints.find((e) => e.listenerName === listenerName.toUpperCase());
  return endpoints.find((e) => e.listenerName === protocol) ?? endpoints.find((e) => e.securityProtocol === protocol);
}

/** A registered host of null is Kafka's wildcard (an empty advertised host): this machine. */
export function endpointHost(e: BrokerEndpoint): string {
  return e.host === null || e.host === '' ? 'localhost' : e.host;
}

function settle(item: Item, error: Error | undefined, response?: unknown): void {
  if (item.settled) return;
  item.settled = true;
  if (error) item.reject(error);
  else item.resolve(response);
}

export class ControllerChannel {
  readonly #o: ControllerChannelOptions;
  readonly #log: Logger;
  readonly #maxQueued: number;
  readonly #queues = new Map<number, BrokerQueue>();
  #closed = false;

  constructor(options: ControllerChannelOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#maxQueued = options.maxQueuedRequestsPerBroker ?? DEFAULT_MAX_QUEUED_REQUESTS_PER_BROKER;
    if (!Number.isInteger(this.#maxQueued) || this.#maxQueued < 1) throw new RangeError(`maxQueuedRequestsPerBroker must be a positive integer, not ${this.#maxQueued}`);
  }

  /** The endpoint the channel would use for these endpoints (see interBrokerEndpoint). */
  endpointOf(endpoints: readonly BrokerEndpoint[]): BrokerEndpoint | undefined {
    return interBrokerEndpoint(endpoints, this.#o.interBrokerListenerName, this.#o.securityInterBrokerProtocol);
  }

  /**
   * Starts a queue for a broker. A broker already present is kept as it is when its endpoint is
   * the same, and replaced (its queue dropped) when it moved. Returns false when the broker has
   * no endpoint on the inter-broker listener (it then gets nothing; Kafka fails the same way).
   */
  addBroker(broker: ChannelBroker): boolean {
    if (this.#closed) return false;
    const endpoint = this.endpointOf(broker.endpoints);
    const existing = this.#queues.get(broker.id);
    if (existing) {
      if (endpoint && existing.endpoint.listenerName === endpoint.listenerName && existing.endpoint.host === endpoint.host && existing.endpoint.port === endpoint.port) return true;
      this.removeBroker(broker.id);
    }
    if (!endpoint) {
      const wanted = this.#o.interBrokerListenerName ?? this.#o.securityInterBrokerProtocol ?? 'PLAINTEXT';
      this.#log.error(`broker ${broker.id} has no endpoint for the inter-broker listener ${wanted} (it registered ${broker.endpoints.map((e) => e.listenerName).join(', ') || 'none'}); the controller cannot reach it`);
      return false;
    }
    this.#queues.set(broker.id, {
      id: broker.id,
      endpoint,
      address: `${endpointHost(endpoint)}:${endpoint.port}`,
      items: [],
      connection: undefined,
      running: false,
      removed: false,
      backoffMs: RECONNECT_BACKOFF_MIN_MS,
      wake: undefined,
      failing: false,
    });
    return true;
  }

  /** Drops a broker: its connection closes and its queued requests reject with ChannelError('removed'). */
  removeBroker(brokerId: number): void {
    const q = this.#queues.get(brokerId);
    if (!q) return;
    this.#queues.delete(brokerId);
    this.#drop(q, 'removed', `broker ${brokerId} left the cluster`);
  }

  /** The brokers with a queue. */
  brokerIds(): number[] {
    return [...this.#queues.keys()];
  }

  hasBroker(brokerId: number): boolean {
    return this.#queues.has(brokerId);
  }

  /** Requests waiting for (or being sent to) a broker. */
  queued(brokerId: number): number {
    return this.#queues.get(brokerId)?.items.length ?? 0;
  }

  /** The version the current connection to a broker uses for `api`; undefined when not connected or not served. */
  versionFor(brokerId: number, api: ApiSpec): number | undefined {
    const c = this.#queues.get(brokerId)?.connection;
    return c && !c.closed ? c.versionFor(api) : undefined;
  }

  /**
   * Queues a request for a broker; resolves with its answer once the broker gives one (however
   * many reconnections that takes), rejects with ChannelError when the request is dropped or
   * cannot be sent at all (the broker does not serve the API), or with the encoder's error for a
   * body that does not encode.
   */
  send<A extends ApiSpec>(brokerId: number, api: A, body: RequestBody<A>): Promise<ResponseOf<A>> {
    if (this.#closed) return Promise.reject(new ChannelError('closed', brokerId, `the controller channel is closed`));
    const q = this.#queues.get(brokerId);
    if (!q) return Promise.reject(new ChannelError('unknown-broker', brokerId, `not sending ${api.name} to broker ${brokerId}: it is not live`));
    if (q.items.length >= this.#maxQueued) {
      return Promise.reject(new ChannelError('queue-full', brokerId, `not sending ${api.name} to broker ${brokerId}: ${q.items.length} requests already wait for it (maxQueuedRequestsPerBroker)`));
    }
    return new Promise<ResponseOf<A>>((resolve, reject) => {
      q.items.push({ api, body: body as RequestBody<ApiSpec>, resolve: resolve as (r: unknown) => void, reject, settled: false });
      if (!q.running) {
        q.running = true;
        void this.#run(q);
      }
    });
  }

  /** Closes every connection; queued requests reject with ChannelError('closed'). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const q of this.#queues.values()) this.#drop(q, 'closed', 'the controller channel was closed');
    this.#queues.clear();
  }

  #drop(q: BrokerQueue, reason: ChannelErrorReason, why: string): void {
    q.removed = true;
    q.connection?.close();
    q.connection = undefined;
    q.wake?.();
    for (const item of q.items.splice(0)) settle(item, new ChannelError(reason, q.id, `${item.api.name} to broker ${q.id} dropped: ${why}`));
  }

  async #connect(q: BrokerQueue): Promise<Connection> {
    if (q.connection && !q.connection.closed) return q.connection;
    q.connection = undefined;
    const security = this.#o.clientSecurity?.(q.endpoint, q.id);
    if (!security && q.endpoint.securityProtocol !== 'PLAINTEXT') {
      throw new ChannelError('no-endpoint', q.id, `broker ${q.id}'s inter-broker listener ${q.endpoint.listenerName} is ${q.endpoint.securityProtocol}, and no client security settings were given for it`);
    }
    const connection = await Connection.open({
      host: endpointHost(q.endpoint),
      port: q.endpoint.port,
      clientId: String(this.#o.controllerId),
      connectTimeoutMs: this.#o.connectTimeoutMs ?? DEFAULT_CHANNEL_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: this.#o.requestTimeoutMs ?? DEFAULT_CHANNEL_REQUEST_TIMEOUT_MS,
      ...(security ? { security } : {}),
    });
    if (q.removed) {
      connection.close();
      throw new ChannelError('removed', q.id, `broker ${q.id} left the cluster`);
    }
    q.connection = connection;
    return connection;
  }

  #backoff(q: BrokerQueue): Promise<void> {
    const ms = q.backoffMs;
    q.backoffMs = Math.min(RECONNECT_BACKOFF_MAX_MS, q.backoffMs * 2);
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        q.wake = undefined;
        resolve();
      }
      q.wake = done;
    });
  }

  #failed(q: BrokerQueue, what: string, e: unknown): void {
    if (!q.failing) this.#log.warn(`controller ${this.#o.controllerId} cannot send to broker ${q.id} at ${q.address} (${what}: ${(e as Error).message}); retrying`);
    q.failing = true;
    q.connection?.close();
    q.connection = undefined;
  }

  async #run(q: BrokerQueue): Promise<void> {
    try {
      await this.#sendAll(q);
    } catch (e) {
      // Not expected (every failure is caught per request); a run that died must not block the queue.
      q.running = false;
      this.#log.error(`controller ${this.#o.controllerId}: the queue of broker ${q.id} stopped: ${(e as Error).stack ?? String(e)}`);
    }
  }

  /**
   * Sends the queue's requests until it is empty. `running` is cleared right where the loop finds
   * nothing more to send, in the same turn (no await between): a send() after that starts a new
   * run instead of leaving its request to a run that is ending.
   */
  async #sendAll(q: BrokerQueue): Promise<void> {
    for (;;) {
      if (q.removed || q.items.length === 0) {
        q.running = false;
        return;
      }
      const item = q.items[0]!;
      let connection: Connection;
      try {
        connection = await this.#connect(q);
      } catch (e) {
        if (q.removed) continue;
        this.#failed(q, 'connecting', e);
        await this.#backoff(q);
        continue;
      }
      const version = connection.versionFor(item.api);
      if (version === undefined) {
        q.items.shift();
        settle(item, new ChannelError('unsupported', q.id, `broker ${q.id} does not serve ${item.api.name} in any version this controller knows`));
        continue;
      }
      let response: unknown;
      try {
        const body = typeof item.body === 'function' ? item.body(version) : item.body;
        response = await connection.request(item.api, body);
      } catch (e) {
        if (q.removed) continue;
        if (e instanceof ConnectionError || e instanceof TimeoutError || connection.closed) {
          this.#failed(q, item.api.name, e);
          await this.#backoff(q);
          continue;
        }
        // Not the network: the body did not encode. Sending it again would fail again.
        q.items.shift();
        settle(item, e as Error);
        continue;
      }
      if (q.failing) this.#log.info(`controller ${this.#o.controllerId} reached broker ${q.id} at ${q.address} again`);
      q.failing = false;
      q.backoffMs = RECONNECT_BACKOFF_MIN_MS;
      if (q.items[0] === item) q.items.shift();
      settle(item, undefined, response);
    }
  }
}
