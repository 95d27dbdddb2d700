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
 * Security (`security`, Kafka's security.protocol; PLAINTEXT when absent, the path above
 * unchanged):
 *
 *   SSL, SASL_SSL            the socket is TLS (tls.connect with `security.tls`): the broker's
 *                            certificate must chain to `ca` (Node's root CAs without one) and
 *                            name the host connected to, as Kafka's default
 *                            ssl.endpoint.identification.algorithm=https checks it
 *   SASL_PLAINTEXT, SASL_SSL after ApiVersions, a login (sasl.ts for the mechanisms):
 *
 *     │── SaslHandshake v1 (mechanism) ───────▶│   UNSUPPORTED_SASL_MECHANISM lists what it offers
 *     │── SaslAuthenticate (token) ───────────▶│   v1+ when the broker serves it, else v0;
 *     │◀─ token [, sessionLifetimeMs] ─────────│   repeated until the mechanism completes
 *
 * A failed login (SASL_AUTHENTICATION_FAILED: "SASL authentication failed: <the broker's
 * message>") or TLS handshake is an AuthenticationError, which nothing retries.
 *
 * Re-authentication (KIP-368): a login that tells a session lifetime is repeated on the same
 * connection when 85-95% of it has passed (the Java client's window, jittered so that many
 * connections do not log in at once). Requests made meanwhile wait in order behind it; those in
 * flight are answered first, since nothing but the SASL requests may be on the wire while it runs.
 *
 * Main thread (any single thread); no shared state.
 */
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import { decodeResponse, encodeRequest, FrameReader, FrameSizeError, MIN_RESPONSE_FRAME_BYTES } from '../protocol/frame.js';
import { ApiVersions, APIS, ListOffsets, Metadata, OffsetCommit, OffsetFetch, Produce, SaslAuthenticate, SaslHandshake } from '../protocol/messages/index.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../protocol/schema.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { ClientError, ConnectionError, TimeoutError, UnsupportedApiError, describeSocketError } from './errors.js';
import { AuthenticationError, CLIENT_SASL_MECHANISMS, type SaslOptions, createSaslClient } from './sasl.js';

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

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** How a connection secures itself: Kafka's security.protocol with its ssl.* and sasl.* settings. */
export interface ClientSecurity {
  protocol: SecurityProtocol;
  /**
   * For SSL and SASL_SSL: node:tls options (ca, cert, key, pfx, passphrase, servername,
   * rejectUnauthorized, minVersion, maxVersion, ciphers, checkServerIdentity…). The server name
   * sent (SNI) and checked is the host connected to unless `servername` says otherwise;
   * `checkServerIdentity: () => undefined` turns the host name check off (Kafka's
   * ssl.endpoint.identification.algorithm= empty).
   */
  tls?: TlsOptions;
  /** For SASL_PLAINTEXT and SASL_SSL: the mechanism and its credentials. */
  sasl?: SaslOptions;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** PLAINTEXT when absent. */
  security?: ClientSecurity;
}

/**
 * Re-authentication starts after this share of the session lifetime, plus up to
 * REAUTH_JITTER more (the Java client's SaslClientAuthenticator: 85% and 10%).
 */
export const REAUTH_WINDOW_FACTOR = 0.85;
export const REAUTH_JITTER = 0.1;
/** Kafka brokers refuse a re-authentication less than a second after the previous one began. */
export const MIN_REAUTH_INTERVAL_MS = 1_000;

const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** Throws ClientError for a security setting that cannot work, before anything is sent. */
export function checkSecurity(security: ClientSecurity): void {
  if (!PROTOCOLS.includes(security.protocol)) throw new ClientError(`security protocol ${String(security.protocol)} is not one of ${PROTOCOLS.join(', ')}`);
  const sasl = security.protocol === 'SASL_PLAINTEXT' || security.protocol === 'SASL_SSL';
  if (sasl && !security.sasl) throw new ClientError(`security protocol ${security.protocol} needs a SASL mechanism and its credentials`);
  if (!sasl && security.sasl) throw new ClientError(`security protocol ${security.protocol} does not use SASL, yet SASL/${security.sasl.mechanism} is configured`);
  if (security.sasl) {
    if (!CLIENT_SASL_MECHANISMS.includes(security.sasl.mechanism)) {
      throw new ClientError(`SASL mechanism ${String(security.sasl.mechanism)} is not supported (${CLIENT_SASL_MECHANISMS.join(', ')} are)`);
    }
    createSaslClient(security.sasl);
  }
}

/** A TLS failure's words: OpenSSL's or Node's reason, with what usually causes it. */
function describeTlsError(address: string, e: NodeJS.ErrnoException): string {
  const code = e.code ?? '';
  const reason = ((e as { reason?: unknown }).reason ? String((e as { reason?: unknown }).reason) : e.message).trim();
  let hint = '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') hint = ": the broker's certificate does not name this host (ssl.endpoint.identification.algorithm= empty turns the check off)";
  else if (/CERT|SELF_SIGNED|ISSUER|LEAF/.test(code) && !code.startsWith('ERR_SSL_')) hint = ": the broker's certificate is not trusted (is the CA that signed it in the trust store?)";
  else if (/certificate required|bad certificate|unknown ca|certificate unknown|unsupported certificate/.test(reason)) hint = ': the broker wants a client certificate it trusts (ssl.keystore.*)';
  else if (/handshake failure/.test(reason)) hint = ': the broker refused the handshake (does it want a client certificate, or other TLS versions or cipher suites?)';
  else if (/wrong version number|packet length too long|record layer failure/.test(reason)) hint = ': is this a TLS port?';
  return `SSL handshake with ${address} failed (${reason})${hint}`;
}

/** Whether a socket error came from TLS (a handshake or certificate failure) rather than from the network. */
function isTlsFailure(e: NodeJS.ErrnoException): boolean {
  return e.syscall === undefined && e.code !== undefined && !/^E[A-Z]+$/.test(e.code);
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
  /** The SASL login, repeated to re-authenticate; undefined without SASL. */
  private readonly sasl: SaslOptions | undefined;
  private reauthTimer: NodeJS.Timeout | undefined;
  /** While a re-authentication runs: requests wait behind it. Undefined otherwise (always, without SASL). */
  private reauthGate: Promise<void> | undefined;
  /** Called when the last request in flight is answered, for a re-authentication waiting to start. */
  private drained: (() => void) | undefined;
  private lastReauthStartMs = 0;
  /** Bytes of acks=0 requests waiting behind a re-authentication, for writableLength. */
  private queuedBytes = 0;

  private constructor(socket: Socket, options: ConnectionOptions, tls: boolean) {
    this.socket = socket;
    this.address = `${options.host}:${options.port}`;
    this.clientId = options.clientId;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.sasl = options.security?.sasl;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    if (tls) {
      socket.on('error', (e: NodeJS.ErrnoException) => {
        // TLS 1.3 reports a refused client certificate after the client's side of the handshake.
        this.closedBy ??= isTlsFailure(e)
          ? new AuthenticationError(describeTlsError(this.address, e))
          : new ConnectionError(this.address, `connection to ${this.address} failed (${describeSocketError(e)})`);
      });
    } else {
      socket.on('error', (e: NodeJS.ErrnoException) => {
        this.closedBy ??= new ConnectionError(this.address, `connection to ${this.address} failed (${describeSocketError(e)})`);
      });
    }
    socket.on('close', () => this.onClosed());
  }

  /** Opens a connection (TLS and SASL as `options.security` says) and negotiates API versions. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const address = `${options.host}:${options.port}`;
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const security = options.security;
    if (security) checkSecurity(security);
    const tls = security !== undefined && (security.protocol === 'SSL' || security.protocol === 'SASL_SSL');
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tls
        ? tlsConnect({ ...(isIP(options.host) ? {} : { servername: options.host }), ...security.tls, host: options.host, port: options.port })
        : connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ConnectionError(address, `cannot connect to ${address} (no answer within ${timeoutMs} ms)`));
      }, timeoutMs);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (tls && isTlsFailure(e)) reject(new AuthenticationError(describeTlsError(address, e)));
        else if (tls && e.code === 'ECONNRESET') reject(new ConnectionError(address, `cannot connect to ${address} (the broker closed the connection during the TLS handshake: is this a TLS port?)`));
        else reject(new ConnectionError(address, `cannot connect to ${address} (${describeSocketError(e)})`));
      });
    });
    const connection = new Connection(socket, options, tls);
    try {
      await connection.negotiate(timeoutMs);
      if (connection.sasl) await connection.authenticate(connection.sasl, timeoutMs);
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
    // Behind a re-authentication in progress, in the order made.
    if (this.reauthGate !== undefined) return this.reauthGate.then(() => this.request(api, body, options));
    const version = this.versions.get(api.key);
    if (version === undefined) return Promise.reject(new UnsupportedApiError(`the broker at ${this.address} does not serve ${api.name}`));
    return this.requestAt(api, version, body, options);
  }

  /** Sends a request that gets no answer (Produce with acks=0). */
  send<A extends ApiSpec>(api: A, body: Partial<RequestOf<A>>): void {
    const version = this.versions.get(api.key);
    if (version === undefined) throw new UnsupportedApiError(`the broker at ${this.address} does not serve ${api.name}`);
    if (this.closedBy) throw this.closedBy;
    const frame = encodeRequest(api, version, this.nextId(), this.clientId, body as Record<string, unknown>);
    if (this.reauthGate !== undefined) {
      this.queuedBytes += frame.length;
      this.reauthGate.then(
        () => {
          this.queuedBytes -= frame.length;
          if (!this.closedBy) this.socket.write(frame);
        },
        () => {
          this.queuedBytes -= frame.length;
        },
      );
      return;
    }
    this.socket.write(frame);
  }

  /** Bytes queued in the socket, not yet handed to the kernel: for producers' backpressure. */
  get writableLength(): number {
    return this.socket.writableLength + this.queuedBytes;
  }

  /**
   * Closes the connection. Bytes still queued in the socket (requests sent with no answer
   * expected, acks=0) are written first, for up to CLOSE_LINGER_MS.
   */
  close(): void {
    this.closedBy ??= new ConnectionError(this.address, `connection to ${this.address} closed`);
    if (this.reauthTimer !== undefined) clearTimeout(this.reauthTimer);
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

  /**
   * One SASL login: SaslHandshake v1, then SaslAuthenticate rounds until the mechanism
   * completes; schedules the re-authentication the session lifetime asks for.
   */
  private async authenticate(sasl: SaslOptions, timeoutMs: number): Promise<void> {
    const handshakeVersion = this.versions.get(SaslHandshake.key);
    const authenticateVersion = this.versions.get(SaslAuthenticate.key);
    if (handshakeVersion === undefined || authenticateVersion === undefined) {
      throw new AuthenticationError(`the broker at ${this.address} does not serve SaslHandshake v1 and SaslAuthenticate (Kafka before 1.0), which SASL needs here`);
    }
    const h = await this.requestAt(SaslHandshake, 1, { mechanism: sasl.mechanism }, { timeoutMs });
    if (h.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
      throw new AuthenticationError(`the broker at ${this.address} does not offer SASL mechanism ${sasl.mechanism}; it offers ${h.mechanisms.length > 0 ? h.mechanisms.join(', ') : 'none'}`);
    }
    if (h.errorCode === ErrorCode.ILLEGAL_SASL_STATE && this.lastReauthStartMs === 0) {
      throw new AuthenticationError(`the broker at ${this.address} does not authenticate with SASL on this listener (SaslHandshake: ILLEGAL_SASL_STATE): is the security protocol right?`);
    }
    if (h.errorCode !== ErrorCode.NONE) throw new AuthenticationError(`SASL handshake with ${this.address} failed: ${errorName(h.errorCode)}`);
    const mechanism = createSaslClient(sasl);
    let token: Buffer | null = await mechanism.start();
    let lifetimeMs = 0;
    while (token !== null) {
      const r = await this.requestAt(SaslAuthenticate, authenticateVersion, { authBytes: token }, { timeoutMs });
      if (r.errorCode === ErrorCode.SASL_AUTHENTICATION_FAILED) throw new AuthenticationError(`SASL authentication failed: ${r.errorMessage ?? 'the broker gave no reason'}`);
      if (r.errorCode !== ErrorCode.NONE) {
        throw new AuthenticationError(`SASL authentication with ${this.address} failed: ${errorName(r.errorCode)}${r.errorMessage ? ` (${r.errorMessage})` : ''}`);
      }
      lifetimeMs = Number(r.sessionLifetimeMs ?? 0);
      token = await mechanism.next(r.authBytes);
    }
    if (lifetimeMs > 0 && !this.closedBy) {
      const delay = Math.floor(lifetimeMs * (REAUTH_WINDOW_FACTOR + Math.random() * REAUTH_JITTER));
      this.reauthTimer = setTimeout(() => {
        this.reauthTimer = undefined;
        this.reauthenticate();
      }, delay);
      this.reauthTimer.unref();
    }
  }

  /**
   * Re-authenticates (KIP-368): new requests wait, those in flight are answered, then the login
   * runs again. A failure closes the connection with it, failing the requests that waited.
   */
  private reauthenticate(): void {
    if (this.closedBy || this.reauthGate !== undefined || !this.sasl) return;
    const sasl = this.sasl;
    const run = async (): Promise<void> => {
      if (this.pending.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      const wait = this.lastReauthStartMs + MIN_REAUTH_INTERVAL_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.closedBy) throw this.closedBy;
      this.lastReauthStartMs = Date.now();
      await this.authenticate(sasl, this.requestTimeoutMs);
    };
    const gate = run().then(
      () => {
        this.reauthGate = undefined;
      },
      (e: Error) => {
        this.reauthGate = undefined;
        this.closedBy ??= e instanceof AuthenticationError ? e : new ConnectionError(this.address, `re-authentication with ${this.address} failed: ${e.message}`);
        this.socket.destroy();
        throw this.closedBy;
      },
    );
    gate.catch(() => {});
    this.reauthGate = gate;
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
    if (this.drained !== undefined && this.pending.size === 0) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
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
    if (this.reauthTimer !== undefined) clearTimeout(this.reauthTimer);
    if (this.drained !== undefined) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
    for (const l of this.closeListeners.splice(0)) l(reason);
  }
}
