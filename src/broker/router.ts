/**
 * Router: from a request frame to its handler, and from the handler's answer to response parts.
 *
 * Handlers are registered by API key (handlers/index.ts). The ApiVersions answer is built from
 * this registry: an API is advertised exactly when it has a handler, with the versions that
 * handler serves. A request for an API or a version the broker does not serve closes the
 * connection, as Kafka does — except ApiVersions, which is answered in v0 form with
 * UNSUPPORTED_VERSION and the supported ranges, so that a newer client can retry with a version
 * both sides know.
 *
 * Main thread.
 */
import { ProtocolError } from '../protocol/codec/errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { FRAME_SIZE_BYTES, decodeRequest, decodeRequestHeader, encodeResponseParts } from '../protocol/frame.js';
import type { RequestHeader } from '../protocol/header.js';
import { ApiVersions, EndTxn, Produce, TxnOffsetCommit, apiByKey } from '../protocol/messages/index.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../protocol/schema.js';
import type { Broker } from './broker.js';
import type { Connection, PreparedRequest, ResponseParts } from './connection.js';
import { API_KEY_SLOTS } from './metrics.js';
import { evaluateToken } from './security/authenticator.js';

/**
 * A handler, or the encoding of its answer, threw: a programmer error. Carries the request it
 * failed on; its stack is the cause's, under that heading.
 */
export class RequestFailed extends Error {
  override readonly name = 'RequestFailed';

  constructor(request: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${request} failed: ${why}`, { cause });
    const stack = cause instanceof Error ? cause.stack : undefined;
    if (stack) this.stack = `${this.name}: ${this.message}\n${stack}`;
  }
}

export interface RequestContext {
  broker: Broker;
  connection: Connection;
  header: RequestHeader;
  version: number;
  router: Router;
  /**
   * Whether the connection's principal may do `operation` (acl.ts AclOperation) on the resource
   * (ResourceType and name), as the authorizer decides (security/authorizer.ts); always true
   * without one. Handlers check exactly what Kafka's KafkaApis checks.
   */
  authorize(operation: number, resourceType: number, resourceName: string): boolean;
  /** Bytes of the request frame, size prefix included: what producer_byte_rate counts. */
  requestBytes: number;
  /** request_percentage for this request (security/quota-manager.ts); the router applies it when the handler does not. */
  requestQuota: RequestQuota;
}

/**
 * request_percentage, Kafka's request quota (KIP-124): the main thread's time on a request,
 * as a percentage of one thread over the quota window. Kafka counts its handler thread's time;
 * here it is the time spent decoding the request, running its handler up to its first wait
 * (the work after a wait, and the wait itself, go uncounted, as a request parked in Kafka's
 * purgatory costs no thread time) and encoding its answer. The router records it once the
 * handler has answered and puts the throttle in the answer's throttle_time_ms, muting the
 * connection for that long; the encoding, timed after that, counts toward the next request.
 */
export interface RequestQuota {
  /** Records the time so far, once, and returns the throttle (ms): for a handler that must answer differently when throttled (Fetch). */
  throttleMs(): number;
  /** This request does not count (a follower's Fetch, as Kafka exempts cluster actions). */
  exempt(): void;
}

/** Milliseconds of thread time as the percentage of one second that request_percentage is measured in. */
const PERCENT_PER_MS = 0.1;

/** The request quota of a request nothing counts (no quota set, or an exempt API): shared, no allocation per request. */
const NOT_COUNTED: RequestQuota = { throttleMs: () => 0, exempt: () => {} };

export interface Handler<A extends ApiSpec = ApiSpec> {
  readonly api: A;
  /** Versions served; the declaration's whole range when absent. */
  readonly versions?: readonly [number, number];
  /** May start before earlier requests of its connection finish (Produce). */
  readonly pipelined?: boolean;
  /** Not counted against request_percentage: the SASL exchange, and inter-broker requests Kafka exempts. */
  readonly quotaExempt?: boolean;
  /** The response body, or null for no response at all (Produce with acks=0). */
  handle(ctx: RequestContext, request: RequestOf<A>): Promise<ResponseOf<A> | null>;
}

/** The authorize() of a broker without an authorizer. */
const ALWAYS = (): boolean => true;

export function defineHandler<A extends ApiSpec>(h: Handler<A>): Handler<A> {
  return h;
}

export interface ApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/**
 * The versions that exist only with the transaction.version feature at 2 (KIP-890 part 2), and
 * the highest one served below it: Produce v12, EndTxn v5, TxnOffsetCommit v5.
 */
const BELOW_TRANSACTION_VERSION_2: ReadonlyMap<number, number> = new Map([
  [Produce.key, 11],
  [EndTxn.key, 4],
  [TxnOffsetCommit.key, 4],
]);

export class Router {
  private readonly broker: Broker;
  private readonly handlers: (Handler | undefined)[] = [];
  readonly ranges: ApiRange[];
  /** `ranges` less KIP-890's versions, advertised while transaction.version is below 2. */
  private readonly rangesBelowTv2: ApiRange[];

  constructor(broker: Broker, handlers: readonly Handler[]) {
    this.broker = broker;
    for (const h of handlers) {
      if (this.handlers[h.api.key]) throw new Error(`two handlers for API key ${h.api.key}`);
      if (h.api.key >= API_KEY_SLOTS) throw new Error(`API key ${h.api.key} has no metrics slot (API_KEY_SLOTS = ${API_KEY_SLOTS})`);
      this.handlers[h.api.key] = h;
    }
    this.ranges = handlers
      .map((h) => ({ apiKey: h.api.key, minVersion: h.versions?.[0] ?? h.api.lowest, maxVersion: h.versions?.[1] ?? h.api.highest }))
      .sort((a, b) => a.apiKey - b.apiKey);
    this.rangesBelowTv2 = this.ranges.map((r) => {
      const max = BELOW_TRANSACTION_VERSION_2.get(r.apiKey);
      return max === undefined ? r : { ...r, maxVersion: Math.min(r.maxVersion, max) };
    });
  }

  /**
   * The ranges ApiVersions advertises. A request at a version served but not advertised (a
   * KIP-890 version while transaction.version is below 2) is still served.
   */
  advertisedRanges(): ApiRange[] {
    return (this.broker.config.values['transaction.version'] as number) >= 2 ? this.ranges : this.rangesBelowTv2;
  }

  handlerFor(apiKey: number): Handler | undefined {
    return this.handlers[apiKey];
  }

  prepare(connection: Connection, frame: Buffer): PreparedRequest {
    const startedMs = performance.now();
    // After a SaslHandshake v0 the client sends bare tokens, not requests.
    if (connection.auth.stage === 'raw-token') return this.rawToken(connection, frame);
    const { header, bodyOffset } = decodeRequestHeader(frame, apiByKey);
    const key = header.requestApiKey;
    const version = header.requestApiVersion;
    // Before a SASL login only ApiVersions and the SASL APIs are served (security/authenticator.ts).
    const refusal = connection.auth.refusal(key);
    if (refusal !== null) throw new ProtocolError(refusal);
    const handler = this.handlers[key];
    if (!handler) throw new ProtocolError(`API key ${key} is not served`);
    const [min, max] = handler.versions ?? [handler.api.lowest, handler.api.highest];
    if (version < min || version > max) {
      if (key === ApiVersions.key) return this.unsupportedApiVersions(header);
      throw new ProtocolError(`${handler.api.name} v${version} is not served (${min}-${max})`);
    }
    const request = decodeRequest(handler.api, version, frame, bodyOffset);
    // Metrics (metrics.ts): requests by API, and at the answer its latency and error codes.
    const metrics = this.broker.metrics;
    metrics.requestStarted(key);
    const authorizer = this.broker.security.authorizer;
    const quota = this.broker.security.requestQuota;
    // Thread time so far (decoding; the handler's synchronous part is added in run) and, once recorded, the throttle.
    let counts = quota.enabled && handler.quotaExempt !== true;
    let threadMs = counts ? performance.now() - startedMs : 0;
    let throttle: number | undefined;
    const requestQuota: RequestQuota = !counts
      ? NOT_COUNTED
      : {
          throttleMs: () => (throttle ??= quota.record(connection.auth.principal, header.clientId ?? '', threadMs * PERCENT_PER_MS)),
          exempt: () => {
            if (throttle !== undefined) return;
            throttle = 0;
            counts = false;
          },
        };
    const ctx: RequestContext = {
      broker: this.broker,
      connection,
      header,
      version,
      router: this,
      authorize: authorizer.enabled ? (op, type, name) => authorizer.allows(connection.auth.principal, connection.clientAddress, op, type, name) : ALWAYS,
      requestBytes: frame.length + FRAME_SIZE_BYTES,
      requestQuota,
    };
    return {
      pipelined: handler.pipelined === true,
      run: async (): Promise<ResponseParts | null> => {
        // The handler and the encoding of its answer are one step: either throwing is a bug
        // (a handler must answer every decodable request with error codes, and build only
        // answers that encode), reported with the request it failed on.
        try {
          let body: ResponseOf<ApiSpec> | null;
          if (counts) {
            const calledAt = performance.now();
            const answer = handler.handle(ctx, request as never);
            threadMs += performance.now() - calledAt;
            body = await answer;
          } else body = await handler.handle(ctx, request as never);
          metrics.requestDone(key, performance.now() - startedMs, body);
          const throttleMs = requestQuota.throttleMs();
          if (throttleMs > 0) {
            connection.throttle(throttleMs);
            const b = body as { throttleTimeMs?: number } | null;
            if (b && typeof b.throttleTimeMs === 'number' && b.throttleTimeMs < throttleMs) b.throttleTimeMs = throttleMs;
          }
          if (body === null) return null;
          if (!counts) return encodeResponseParts(handler.api, version, header.correlationId, body as Record<string, unknown>);
          const encodingAt = performance.now();
          const parts = encodeResponseParts(handler.api, version, header.correlationId, body as Record<string, unknown>);
          // The encoding is known only once the answer is made: the client's next request pays for it.
          quota.add(connection.auth.principal, header.clientId ?? '', (performance.now() - encodingAt) * PERCENT_PER_MS);
          return parts;
        } catch (e) {
          throw new RequestFailed(`${handler.api.name} v${version} (correlation id ${header.correlationId})`, e);
        }
      },
    };
  }

  /**
   * A bare SASL token (after SaslHandshake v0): the mechanism's answer goes back the same way,
   * a 4-byte size and the token. A failed login gets no answer but the close (the v0 exchange
   * has no way to carry an error), after the failed-authentication delay.
   */
  private rawToken(connection: Connection, frame: Buffer): PreparedRequest {
    const token = Buffer.from(frame);
    return {
      pipelined: false,
      run: async (): Promise<ResponseParts | null> => {
        const outcome = await evaluateToken(connection, token, (ok) => this.broker.metrics.authenticated(ok));
        if (!outcome.ok) return null;
        const size = Buffer.alloc(FRAME_SIZE_BYTES);
        size.writeInt32BE(outcome.challenge.length, 0);
        return [size, outcome.challenge];
      },
    };
  }

  /** ApiVersions at a version we do not know: error 35 and our ranges, in the v0 layout. */
  private unsupportedApiVersions(header: RequestHeader): PreparedRequest {
    return {
      pipelined: false,
      run: async () =>
        encodeResponseParts(ApiVersions, 0, header.correlationId, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: this.advertisedRanges(),
          throttleTimeMs: 0,
        }),
    };
  }
}
