/**
 * One TCP connection to one broker: size-prefixed frames out and in, requests pipelined (many
 * in flight, matched to their answers by correlation id), and the API versions negotiated once
 * when the connection opens.
 *
 *   client                                    broker
 *     │── ApiVersions (our highest) ───────────▶│   answered in v0 form with UNSUPPORTED_VERSION
 *     │◀─ ranges per API key ───────────────────│   when the broker does not know our version;
 *     │                                         │   we then ask again at the broker's highest
 *     │── request c=1 ─▶ ── request c=2 ─▶ …     │
 *     │◀─ response c=1 ◀─ response c=2 …        │   Kafka answers in order; we still match ids
 *
 * The version used for an API is the highest that both the broker (its ApiVersions answer) and
 * this client (the declaration in src/protocol/messages, raised to CLIENT_MIN_VERSION) support.
 * The rest of the client fills a request's fields for every version at once (the codec writes
 * the ones the chosen version has), so no code branches on the version it gets.
 *
 * A request that gets no answer within its timeout closes the connection, failing everything in
 * flight on it, as the Java client does: the caller reconnects.
 *
 * Main thread (any single thread); no shared state.
 */
import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequest, FrameReader, FrameSizeError, MIN_RESPONSE_FRAME_BYTES } from '../protocol/frame.js';
import { ApiVersions, APIS, ListOffsets, Metadata, OffsetCommit, OffsetFetch, Produce } from '../protocol/messages/index.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../protocol/schema.js';
import { ErrorCode } from '../protocol/errors.js';
import { ConnectionError, TimeoutError, UnsupportedApiError, describeSocketError } from './errors.js';

/** Kafka's default `request.timeout.ms`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How long opening a connection (TCP plus ApiVersions) may take; Kafka's `socket.connection.setup.timeout.max.ms` is 30 s, but a command line should say "unreachable" sooner. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * The largest response frame accepted. A fetch answer is bounded by the request's maxBytes
 * (fetch.max.bytes, 50 MiB by default) plus one batch; 512 MiB leaves room for any broker
 * setting while still refusing a corrupt size before allocating it.
 */
export const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

/** How long close() lets queued bytes drain before cutting the connection. */
export const CLOSE_LINGER_MS = 5_000;

/** The software name and version this client reports in ApiVersions v3+ (KIP-511). */
export const CLIENT_SOFTWARE_NAME = 'spindle';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

/**
 * The lowest version of an API whose meaning this client handles, where it is above the
 * declaration's lowest: Produce carries record batches (magic 2) only from v3; Metadata's null
 * "all topics" exists from v1; ListOffsets answers one offset from v1; OffsetFetch reads from
 * the group coordinator (not ZooKeeper) from v1; OffsetCommit stores there from v2 (v0 and v1
 * are kept for ZooKeeper-era brokers).
 */
const CLIENT_MIN_VERSION: ReadonlyMap<number, number> = new Map([
  [Produce.key, 3],
  [Metadata.key, 1],
  [ListOffsets.key, 1],
  [OffsetFetch.key, 1],
  [OffsetCommit.key, 2],
]);

interface Pending {
  api: ApiSpec;
  version: number;
  resolve: (body: any) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface RequestOptions {
  /** Time allowed for the answer; the connection's requestTimeoutMs when absent. */
  timeoutMs?: number;
}

export class Connection {
  readonly address: string;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  private readonly socket: Socket;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  /** Chosen version per API key; absent when the broker does not serve the API. */
  private readonly versions = new Map<number, number>();
  private closedBy: Error | undefined;
  private readonly closeListeners: ((e: Error) => void)[] = [];
  private readonly frames = new FrameReader({ minBytes: MIN_RESPONSE_FRAME_BYTES, maxBytes: MAX_RESPONSE_BYTES });

  private constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.address = `${options.host}:${options.port}`;
    this.clientId = options.clientId;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.closedBy ??= new ConnectionError(this.address, `connection to ${this.address} failed (${describeSocketError(e)})`);
    });
    socket.on('close', () => this.onClosed());
  }

  /** Opens a connection and negotiates API versions. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const address = `${options.host}:${options.port}`;
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ConnectionError(address, `cannot connect to ${address} (no answer within ${timeoutMs} ms)`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ConnectionError(address, `cannot connect to ${address} (${describeSocketError(e)})`));
      });
    });
    const connection = new Connection(socket, options);
    try {
      await connection.negotiate(timeoutMs);
    } catch (e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  get closed(): boolean {
    return this.closedBy !== undefined || this.socket.destroyed;
  }

  /** Called once when the connection closes, with the reason. */
  onClose(listener: (e: Error) => void): void {
    this.closeListeners.push(listener);
  }

  /** The version this connection uses for `api`, or undefined when the broker does not serve it. */
  versionFor(api: ApiSpec): number | undefined {
    return this.versions.get(api.key);
  }

  supports(api: ApiSpec): boolean {
    return this.versions.has(api.key);
  }

  /** Sends a request and resolves with its decoded answer. */
  request<A extends ApiSpec>(api: A, body: Partial<RequestOf<A>>, options: RequestOptions = {}): Promise<ResponseOf<A>> {
    const version = this.versions.get(api.key);
    if (version === undefined) return Promise.reject(new UnsupportedApiError(`the broker at ${this.address} does not serve ${api.name}`));
    return this.requestAt(api, version, body, options);
  }

  /** Sends a request that gets no answer (Produce with acks=0). */
  send<A extends ApiSpec>(api: A, body: Partial<RequestOf<A>>): void {
    const version = this.versions.get(api.key);
    if (version === undefined) throw new UnsupportedApiError(`the broker at ${this.address} does not serve ${api.name}`);
    if (this.closedBy) throw this.closedBy;
    this.socket.write(encodeRequest(api, version, this.nextId(), this.clientId, body as Record<string, unknown>));
  }

  /** Bytes queued in the socket, not yet handed to the kernel: for producers' backpressure. */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  /**
   * Closes the connection. Bytes still queued in the socket (requests sent with no answer
   * expected, acks=0) are written first, for up to CLOSE_LINGER_MS.
   */
  close(): void {
    this.closedBy ??= new ConnectionError(this.address, `connection to ${this.address} closed`);
    if (this.socket.writableLength > 0 && !this.socket.destroyed) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS).unref();
    } else {
      this.socket.destroy();
    }
  }

  private nextId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = id >= 0x7fffffff ? 1 : id + 1;
    return id;
  }

  private requestAt<A extends ApiSpec>(api: A, version: number, body: Partial<RequestOf<A>>, options: RequestOptions): Promise<ResponseOf<A>> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise((resolve, reject) => {
      const correlationId = this.nextId();
      let frame: Buffer;
      try {
        frame = encodeRequest(api, version, correlationId, this.clientId, body as Record<string, unknown>);
      } catch (e) {
        reject(e as Error);
        return;
      }
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      const timer = setTimeout(() => {
        this.closedBy ??= new TimeoutError(`${api.name} to ${this.address} got no answer within ${timeoutMs} ms`);
        this.socket.destroy();
      }, timeoutMs);
      this.pending.set(correlationId, { api, version, resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  private async negotiate(timeoutMs: number): Promise<void> {
    const request = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION };
    let answer = await this.requestAt(ApiVersions, ApiVersions.highest, request, { timeoutMs });
    if (answer.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      // The broker answered in v0 form and listed what it serves: ask again at its highest.
      const theirs = answer.apiKeys.find((k) => k.apiKey === ApiVersions.key);
      const version = Math.min(theirs?.maxVersion ?? 0, ApiVersions.highest);
      answer = await this.requestAt(ApiVersions, version, request, { timeoutMs });
    }
    if (answer.errorCode !== 0) throw new ConnectionError(this.address, `the broker at ${this.address} refused ApiVersions (error ${answer.errorCode})`);
    const ours = new Map(APIS.map((a) => [a.key, a]));
    for (const k of answer.apiKeys) {
      const api = ours.get(k.apiKey);
      if (!api) continue;
      const low = Math.max(k.minVersion, api.lowest, CLIENT_MIN_VERSION.get(api.key) ?? 0);
      const high = Math.min(k.maxVersion, api.highest);
      if (low <= high) this.versions.set(api.key, high);
    }
  }

  private onData(chunk: Buffer): void {
    this.frames.push(chunk);
    for (;;) {
      let frame: Buffer | null;
      try {
        frame = this.frames.next();
      } catch (e) {
        if (!(e instanceof FrameSizeError)) throw e;
        this.closedBy ??= new ConnectionError(this.address, `the broker at ${this.address} sent a frame of ${e.size} bytes`);
        this.socket.destroy();
        return;
      }
      if (frame === null || this.socket.destroyed) return;
      this.dispatch(frame);
    }
  }

  private dispatch(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (!p) {
      this.closedBy ??= new ConnectionError(this.address, `the broker at ${this.address} answered unknown correlation id ${correlationId}`);
      this.socket.destroy();
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    try {
      p.resolve(decodeResponse(p.api, p.version, frame).body);
    } catch (e) {
      // An ApiVersions request at a version the broker does not know is answered in v0 form.
      if (p.api.key === ApiVersions.key && p.version > 0) {
        try {
          p.resolve(decodeResponse(p.api, 0, frame).body);
          return;
        } catch {
          // fall through to the first error
        }
      }
      p.reject(e as Error);
    }
  }

  private onClosed(): void {
    const reason = this.closedBy ?? new ConnectionError(this.address, `the broker at ${this.address} closed the connection`);
    this.closedBy = reason;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.pending.clear();
    for (const l of this.closeListeners.splice(0)) l(reason);
  }
}
