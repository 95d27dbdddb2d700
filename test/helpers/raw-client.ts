/**
 * The raw protocol client of the test suites: one TCP connection that sends any (api, version)
 * the project's codec declares and decodes the answer with the same codec — for the versions
 * and APIs no outside client sends (CreateTopics v5-7, DeleteTopics v6 by id,
 * IncrementalAlterConfigs, DescribeCluster, OffsetForLeaderEpoch, SASL, …) — and that also
 * sends raw bytes and waits for the next frame or for the broker to close the connection, for
 * tests of bad input.
 *
 *   request(api, v, body) ─► encodeRequest ─► socket ─► FrameReader ─► frames, in order ─► waiters
 *   send(api, v, body)    ─► no answer expected (Produce acks=0)
 *   write(bytes)          ─► anything at all
 *   nextFrame()           ─► the next frame not claimed by a request, bytes after the size prefix
 *   waitForClose()        ─► whether the broker closed the connection in time
 *
 * A Kafka connection is answered in order, so each frame goes to the oldest waiter: requests
 * may be pipelined, and the correlation id is checked all the same. Frames nobody waits for
 * yet are kept until someone does. Every wait has a timeout, so a broker that does not answer
 * fails the test instead of hanging the suite.
 */
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { MAX_RESPONSE_BYTES } from '../../src/client/connection.js';
import { decodeResponse, encodeRequest, FrameReader, FrameSizeError, MIN_RESPONSE_FRAME_BYTES } from '../../src/protocol/frame.js';
import { Fetch } from '../../src/protocol/messages/index.js';
import { Attr, batchPositions, decodeBatchDecompressing, readBatchHeader } from '../../src/protocol/records/batch.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../../src/protocol/schema.js';

/** How long a test waits for one answer before failing, rather than hanging the suite. */
export const RESPONSE_TIMEOUT_MS = 10_000;
export const CLIENT_ID = 'spindle-test';

/** A request body with any field left out at any depth: the codec writes a missing field's default. */
export type RequestBody<T> = T extends Buffer ? T : T extends readonly (infer E)[] ? readonly RequestBody<E>[] : T extends object ? { [K in keyof T]?: RequestBody<T[K]> } : T;

interface Waiter {
  resolve: (frame: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RawClient {
  private readonly socket: Socket;
  private readonly frames = new FrameReader({ minBytes: MIN_RESPONSE_FRAME_BYTES, maxBytes: MAX_RESPONSE_BYTES });
  /** Frames that arrived before anyone asked for them. */
  private readonly unclaimed: Buffer[] = [];
  private readonly waiters: Waiter[] = [];
  private nextCorrelationId = 1;
  private closedBy: Error | null = null;
  /** Every byte received, framed or not: a test can check that the broker sent nothing. */
  bytesReceived = 0;
  /** Resolves when the connection has closed, whoever closed it. */
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => {
      this.closedBy ??= e;
    });
    socket.on('close', () => {
      this.closedBy ??= new Error('connection closed');
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(this.closedBy);
      }
    });
  }

  /** Connects to "host:port" (a broker's bootstrap address). */
  static connect(bootstrap: string): Promise<RawClient> {
    const at = bootstrap.lastIndexOf(':');
    const host = bootstrap.slice(0, at).replace(/^\[|\]$/g, '');
    const port = Number(bootstrap.slice(at + 1));
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Connects over TLS; `options` are node:tls's (ca, cert, key, servername, …). Rejects when the handshake fails. */
  static connectTls(bootstrap: string, options: ConnectionOptions): Promise<RawClient> {
    const at = bootstrap.lastIndexOf(':');
    const host = bootstrap.slice(0, at).replace(/^\[|\]$/g, '');
    const port = Number(bootstrap.slice(at + 1));
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host, ...options }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The offset after the last whole batch of fetched `records`, or `from` when there is none. */
  static nextOffset(records: Buffer | null, from: number): number {
    let next = from;
    if (!records) return next;
    for (const { at } of batchPositions(records)) {
      const h = readBatchHeader(records, at);
      next = Math.max(next, h.baseOffset + h.lastOffsetDelta + 1);
    }
    return next;
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.frames.push(chunk);
    try {
      for (let frame = this.frames.next(); frame !== null; frame = this.frames.next()) {
        const w = this.waiters.shift();
        if (w) {
          clearTimeout(w.timer);
          w.resolve(frame);
        } else {
          this.unclaimed.push(frame);
        }
      }
    } catch (e) {
      if (!(e instanceof FrameSizeError)) throw e;
      // No response can have that size: the waiters fail with it.
      this.closedBy = e;
      this.socket.destroy();
    }
  }

  /** Accepts frames shorter than a response header from now on: bare SASL tokens after a SaslHandshake v0. */
  acceptBareFrames(): void {
    this.frames.setLimits({ minBytes: 0, maxBytes: MAX_RESPONSE_BYTES });
  }

  /** Writes bytes as they are: a whole request, part of one, or garbage. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next frame (after its size prefix) not claimed by a request; rejects on close or after `timeoutMs`. */
  nextFrame(timeoutMs = RESPONSE_TIMEOUT_MS, what = 'a frame'): Promise<Buffer> {
    const early = this.unclaimed.shift();
    if (early) return Promise.resolve(early);
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends a request that gets no answer (Produce with acks=0); returns its correlation id. */
  send<A extends ApiSpec>(api: A, version: number, body: RequestBody<RequestOf<A>>): number {
    const correlationId = this.nextCorrelationId++;
    this.write(encodeRequest(api, version, correlationId, CLIENT_ID, body as Record<string, unknown>));
    return correlationId;
  }

  /** Sends one request and resolves with the decoded response body. */
  async request<A extends ApiSpec>(api: A, version: number, body: RequestBody<RequestOf<A>>, timeoutMs = RESPONSE_TIMEOUT_MS): Promise<ResponseOf<A>> {
    return this.requestAs(CLIENT_ID, api, version, body, timeoutMs);
  }

  /** As request(), with `clientId` in the request header (client quotas are by client id). */
  async requestAs<A extends ApiSpec>(clientId: string, api: A, version: number, body: RequestBody<RequestOf<A>>, timeoutMs = RESPONSE_TIMEOUT_MS): Promise<ResponseOf<A>> {
    // Claim the answer's place in line before writing, so pipelined requests keep their order.
    const answer = this.nextFrame(timeoutMs, `${api.name} v${version}`);
    const correlationId = this.nextCorrelationId++;
    this.write(encodeRequest(api, version, correlationId, clientId, body as Record<string, unknown>));
    const decoded = decodeResponse(api, version, await answer);
    if (decoded.correlationId !== correlationId) throw new Error(`${api.name} v${version}: correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded.body as ResponseOf<A>;
  }

  /** Whether the connection closes within `timeoutMs` (true) or is still open then (false). */
  async waitForClose(timeoutMs = RESPONSE_TIMEOUT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const open = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([this.closed.then(() => true), open]);
    clearTimeout(timer);
    return result;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Runs `fn` with a fresh connection to `bootstrap` and closes it afterwards. */
export async function withRawClient<T>(bootstrap: string, fn: (client: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(bootstrap);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

const NO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Every record value of one partition from `from` on, with Fetch v12 (answered at once,
 * `maxBytes` a request), until a fetch brings nothing new; or the first error code a fetch
 * answers, with the values read before it. A null value reads as '<null>'.
 */
export async function readValues(c: RawClient, topic: string, partition: number, from = 0, maxBytes = 1 << 20): Promise<{ errorCode: number; values: string[] }> {
  const values: string[] = [];
  let offset = from;
  for (;;) {
    const r = await c.request(Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      forgottenTopicsData: [],
      rackId: '',
      topics: [{ topic, topicId: NO_UUID, partitions: [{ partition, fetchOffset: offset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes }] }],
    });
    const p = r.responses[0]!.partitions[0]!;
    if (p.errorCode !== 0) return { errorCode: p.errorCode, values };
    const records = p.records as Buffer;
    const fresh = [...batchPositions(records)].flatMap(({ at }) => decodeBatchDecompressing(records, at).records).filter((x) => x.offset >= offset);
    if (fresh.length === 0) return { errorCode: 0, values };
    for (const x of fresh) values.push(x.value?.toString() ?? '<null>');
    offset = fresh[fresh.length - 1]!.offset + 1;
  }
}

/**
 * What a read_committed consumer sees of one partition from `from` on, with Fetch v12 at
 * isolation level 1: the records of committed transactions and non-transactional ones, in
 * offset order, dropping the records of the aborted transactions each answer lists and the
 * control batches, as clients do. Also the last stable offset of the last answer.
 */
export async function readCommittedValues(c: RawClient, topic: string, partition: number, from = 0): Promise<{ errorCode: number; values: string[]; lastStableOffset: number }> {
  const values: string[] = [];
  let offset = from;
  let lastStableOffset = -1;
  const aborting = new Set<number>();
  for (;;) {
    const r = await c.request(Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      forgottenTopicsData: [],
      rackId: '',
      topics: [{ topic, topicId: NO_UUID, partitions: [{ partition, fetchOffset: offset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    const p = r.responses[0]!.partitions[0]!;
    lastStableOffset = p.lastStableOffset;
    if (p.errorCode !== 0) return { errorCode: p.errorCode, values, lastStableOffset };
    const pending = [...(p.abortedTransactions ?? [])].sort((a, b) => a.firstOffset - b.firstOffset);
    const records = p.records as Buffer;
    let next = offset;
    for (const { at } of batchPositions(records)) {
      const h = readBatchHeader(records, at);
      const last = h.baseOffset + h.lastOffsetDelta;
      if (last < offset) continue;
      while (pending.length > 0 && pending[0]!.firstOffset <= last) aborting.add(pending.shift()!.producerId);
      next = last + 1;
      if (h.attributes & Attr.control) {
        aborting.delete(h.producerId);
        continue;
      }
      if (h.attributes & Attr.transactional && aborting.has(h.producerId)) continue;
      for (const x of decodeBatchDecompressing(records, at).records) if (x.offset >= offset) values.push(x.value?.toString() ?? '<null>');
    }
    if (next === offset) return { errorCode: 0, values, lastStableOffset };
    offset = next;
  }
}
