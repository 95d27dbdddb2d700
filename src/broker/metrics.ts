/**
 * BrokerMetrics: what the broker counts while it serves requests, for `GET /metrics` and the
 * web console (src/console/). It owns only numbers; naming, units and the exposition format
 * belong to src/console/prometheus.ts.
 *
 * Counting sits on the request path, so every count is an index and an add into a typed
 * array that was allocated once; nothing here allocates, hashes a string or looks at a record:
 *
 *   requests     Float64Array[API_KEY_SLOTS]                           requests decoded, by API key
 *   errors       Float64Array[API_KEY_SLOTS × ERROR_CODE_SLOTS]        non-zero error codes in responses,
 *                  at apiKey × ERROR_CODE_SLOTS + (code + 1)            by API key and code (-1 at index 0)
 *   latency      Float64Array[API_KEY_SLOTS × HISTOGRAM_WIDTH]         per API key: LATENCY_BUCKETS_MS.length
 *                  ┌──────────────────────────────┬──────┬─────┐      non-cumulative bucket counts, the
 *                  │ count ≤ bound[0] … ≤ bound[n]│ +Inf │ sum │      overflow bucket, and the sum of
 *                  └──────────────────────────────┴──────┴─────┘      durations in milliseconds
 *   topics       Float64Array[topic slots × TOPIC_FIELDS]              per topic, at slot × TOPIC_FIELDS + TopicField.x
 *   faults       Float64Array[FAULT_COUNTERS]                          at FaultCounter.x: faults, each counted
 *                                                                      where its policy runs
 *
 * Doubles count exactly up to 2^53, which no counter here reaches. Topic slots are handed out
 * when a topic is opened (Broker.openTopic keeps its slot on TopicState and PartitionState, so
 * the handlers never look a name up) and freed, zeroed, when it is deleted.
 *
 * Records in are the record counts of the batch headers (one 4-byte read per batch at offset
 * 57, no decoding). Records out are an estimate: a fetch hands out file slices that the main
 * thread never reads (they go from the file to the socket), so the records in them are not
 * seen. Bytes out are exact; records out are bytes out divided by the topic's mean stored
 * record size, which the console refreshes from the logs' sizes and offset spans
 * (`noteTopicLogs`) and which falls back to the mean of what was produced since start. The
 * estimate is off where a topic's record sizes vary widely between old and new data, and for
 * compacted topics (their offset spans count removed records).
 *
 * Request latency is measured from the frame's decoding to the response's encoding: it
 * includes waiting behind earlier requests of the same connection and a fetch's long poll
 * (as Kafka's TotalTimeMs does), not the time writing the response to the socket.
 *
 * Main thread.
 */
import { ExternalBytes } from '../protocol/codec/writer.js';
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, BATCH_OFFSETS } from '../protocol/records/batch.js';

/** Kafka's API keys reach 92 as of 4.0; only keys with a handler are counted, and the router checks they fit. */
export const API_KEY_SLOTS = 128;
/**
 * Error codes -1 … ERROR_CODE_SLOTS - 2 have their own slot; Kafka 3.9 defines up to 127, so
 * 160 leaves room for newer codes. A code outside the range is counted in the last slot.
 */
export const ERROR_CODE_SLOTS = 160;
/**
 * Upper bounds of the latency buckets, in milliseconds: a 1-2.5-5 series from 0.1 ms (a
 * request answered from memory) to 30 s (the longest a fetch or join normally parks).
 */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]);
/** Buckets, the overflow (+Inf) bucket, the sum. */
export const HISTOGRAM_WIDTH = LATENCY_BUCKETS_MS.length + 2;
const OVERFLOW = LATENCY_BUCKETS_MS.length;
const SUM = LATENCY_BUCKETS_MS.length + 1;

/** Per-topic slots: counters, then one gauge (meanRecordBytes) used for the records-out estimate. */
export const TopicField = Object.freeze({
  recordsIn: 0,
  bytesIn: 1,
  bytesOut: 2,
  recordsOutEstimated: 3,
  produceRequests: 4,
  fetchRequests: 5,
  failedProduceRequests: 6,
  failedFetchRequests: 7,
  meanRecordBytes: 8,
} as const);
export const TOPIC_FIELDS = 9;
/** Topic slots allocated at first; doubled when more topics exist at once. */
export const INITIAL_TOPIC_SLOTS = 64;

/**
 * Faults, counted where each one's policy runs. Internal errors are programmer errors caught at
 * a boundary (a handler, the router's encoder, a partition worker), always logged with their
 * stack; storage errors are I/O failures that took a log directory's partitions offline.
 */
export const FaultCounter = Object.freeze({
  internalErrors: 0,
  storageErrors: 1,
  workerRestarts: 2,
  logDirsRecovered: 3,
} as const);
export type FaultCounter = (typeof FaultCounter)[keyof typeof FaultCounter];
export const FAULT_COUNTERS = 4;

const PRODUCE = 0;
const FETCH = 1;

export class BrokerMetrics {
  readonly requests = new Float64Array(API_KEY_SLOTS);
  readonly errors = new Float64Array(API_KEY_SLOTS * ERROR_CODE_SLOTS);
  readonly latency = new Float64Array(API_KEY_SLOTS * HISTOGRAM_WIDTH);
  /** Replaced (grown) when topics outnumber the slots: read it through this property each time. */
  topics = new Float64Array(INITIAL_TOPIC_SLOTS * TOPIC_FIELDS);
  readonly faults = new Float64Array(FAULT_COUNTERS);
  connectionsAccepted = 0;
  /** TLS handshakes that failed: plaintext on a TLS port, an untrusted certificate, a stalled client. */
  tlsHandshakeFailures = 0;
  /** Connections closed on arrival: their address had max.connections.per.ip open already. */
  connectionsRefusedPerIp = 0;
  /** Connections closed on arrival because the broker held max.connections already. */
  connectionsRefusedMax = 0;
  /** SASL logins that succeeded and that failed (wrong password, unknown user, bad token). */
  authentications = 0;
  failedAuthentications = 0;
  connectionsClosed = 0;
  private readonly slotByTopic = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;

  // ───────────────────────────── topic slots (rare: open and delete) ─────────────────────────────

  /** The topic's slot, allocated on first use. */
  topicSlot(name: string): number {
    const known = this.slotByTopic.get(name);
    if (known !== undefined) return known;
    const slot = this.freeSlots.pop() ?? this.nextSlot++;
    if ((slot + 1) * TOPIC_FIELDS > this.topics.length) {
      const grown = new Float64Array(this.topics.length * 2);
      grown.set(this.topics);
      this.topics = grown;
    }
    this.slotByTopic.set(name, slot);
    return slot;
  }

  /** Forgets a deleted topic: its counters are zeroed and the slot is reused. */
  releaseTopic(name: string): void {
    const slot = this.slotByTopic.get(name);
    if (slot === undefined) return;
    this.slotByTopic.delete(name);
    this.topics.fill(0, slot * TOPIC_FIELDS, (slot + 1) * TOPIC_FIELDS);
    this.freeSlots.push(slot);
  }

  /** Every topic with its slot. */
  topicSlots(): IterableIterator<[string, number]> {
    return this.slotByTopic.entries();
  }

  topicValue(slot: number, field: number): number {
    return this.topics[slot * TOPIC_FIELDS + field]!;
  }

  /**
   * The topic's stored bytes and the offsets its logs span (log end − log start, summed over
   * its partitions): the mean record size that turns fetched bytes into records out.
   */
  noteTopicLogs(slot: number, sizeBytes: number, offsetSpan: number): void {
    if (offsetSpan > 0 && sizeBytes > 0) this.topics[slot * TOPIC_FIELDS + TopicField.meanRecordBytes] = sizeBytes / offsetSpan;
  }

  // ───────────────────────────── the hot path ─────────────────────────────

  /** A request was decoded (router). */
  requestStarted(apiKey: number): void {
    this.requests[apiKey]!++;
  }

  /** A request was answered after `elapsedMs`; its response's error codes are counted (router). */
  requestDone(apiKey: number, elapsedMs: number, body: unknown): void {
    let b = 0;
    while (b < OVERFLOW && elapsedMs > LATENCY_BUCKETS_MS[b]!) b++;
    const at = apiKey * HISTOGRAM_WIDTH;
    this.latency[at + b]!++;
    this.latency[at + SUM]! += elapsedMs;
    if (body !== null && typeof body === 'object') this.countErrors(apiKey, body as Record<string, unknown>);
  }

  /**
   * A partition's append succeeded (produce handler): records from the batch headers, one
   * 4-byte read per batch; `receivedBytes` as the request carried them.
   */
  produced(slot: number, records: Buffer, receivedBytes: number): void {
    let count = 0;
    for (let at = 0; at + BATCH_HEADER_BYTES <= records.length; ) {
      count += records.readInt32BE(at + BATCH_OFFSETS.recordCount);
      const size = BATCH_LOG_OVERHEAD + records.readInt32BE(at + BATCH_OFFSETS.batchLength);
      if (size < BATCH_HEADER_BYTES) break;
      at += size;
    }
    const t = this.topics;
    const at = slot * TOPIC_FIELDS;
    t[at + TopicField.recordsIn]! += count;
    t[at + TopicField.bytesIn]! += receivedBytes;
  }

  /** A produce request named the topic (produce handler); `failed` when any of its partitions failed. */
  produceRequest(slot: number, failed: boolean): void {
    const at = slot * TOPIC_FIELDS;
    this.topics[at + TopicField.produceRequests]!++;
    if (failed) this.topics[at + TopicField.failedProduceRequests]!++;
  }

  /** A fetch response carries `bytes` of the topic's log (fetch handler); records out are estimated. */
  fetched(slot: number, bytes: number): void {
    const t = this.topics;
    const at = slot * TOPIC_FIELDS;
    t[at + TopicField.bytesOut]! += bytes;
    let mean = t[at + TopicField.meanRecordBytes]!;
    if (mean <= 0 && t[at + TopicField.recordsIn]! > 0) mean = t[at + TopicField.bytesIn]! / t[at + TopicField.recordsIn]!;
    if (mean > 0) t[at + TopicField.recordsOutEstimated]! += bytes / mean;
  }

  /** A fetch request read the topic (fetch handler). */
  fetchRequest(slot: number): void {
    this.topics[slot * TOPIC_FIELDS + TopicField.fetchRequests]!++;
  }

  /** A partition of the topic answered a fetch with an error (counted once per request and topic). */
  fetchFailed(slot: number): void {
    this.topics[slot * TOPIC_FIELDS + TopicField.failedFetchRequests]!++;
  }

  /** A fault was handled (FaultCounter says which kind). */
  fault(kind: FaultCounter): void {
    this.faults[kind]!++;
  }

  connectionAccepted(): void {
    this.connectionsAccepted++;
  }

  tlsHandshakeFailed(): void {
    this.tlsHandshakeFailures++;
  }

  authenticated(ok: boolean): void {
    if (ok) this.authentications++;
    else this.failedAuthentications++;
  }

  connectionClosed(): void {
    this.connectionsClosed++;
  }

  get connectionsOpen(): number {
    return this.connectionsAccepted - this.connectionsClosed;
  }

  // ───────────────────────────── errors by code ─────────────────────────────

  private countError(apiKey: number, code: unknown): void {
    if (code === 0 || typeof code !== 'number') return;
    const index = code >= -1 && code < ERROR_CODE_SLOTS - 1 ? code + 1 : ERROR_CODE_SLOTS - 1;
    this.errors[apiKey * ERROR_CODE_SLOTS + index]!++;
  }

  /**
   * Counts every non-zero `errorCode` of a response, as Kafka's errorCounts() does. Produce and
   * Fetch, the busy ones, are read along their known shape (one property per partition);
   * the other APIs are walked generically, which costs a few hundred nanoseconds for the
   * small answers they give.
   */
  private countErrors(apiKey: number, body: Record<string, unknown>): void {
    if (apiKey === PRODUCE) {
      for (const t of body.responses as { partitionResponses: { errorCode: number }[] }[]) {
        for (const p of t.partitionResponses) if (p.errorCode !== 0) this.countError(apiKey, p.errorCode);
      }
    } else if (apiKey === FETCH) {
      this.countError(apiKey, body.errorCode);
      for (const t of body.responses as { partitions: { errorCode: number }[] }[]) {
        for (const p of t.partitions) if (p.errorCode !== 0) this.countError(apiKey, p.errorCode);
      }
    } else {
      this.walkErrors(apiKey, body, 0);
    }
  }

  /** Depth-limited: Kafka's response schemas nest at most 4 levels of structs. */
  private walkErrors(apiKey: number, value: object, depth: number): void {
    if (depth > 8 || ArrayBuffer.isView(value) || value instanceof ExternalBytes) return;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') this.walkErrors(apiKey, item as object, depth + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const v = record[key];
      if (key === 'errorCode') this.countError(apiKey, v);
      else if (v !== null && typeof v === 'object') this.walkErrors(apiKey, v, depth + 1);
    }
  }
}

/** Quantile q (0..1) of a latency histogram row's bucket counts, interpolated within its bucket; NaN when empty. */
export function latencyQuantileMs(buckets: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let b = 0; b <= OVERFLOW; b++) total += buckets[b]!;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let seen = 0;
  for (let b = 0; b <= OVERFLOW; b++) {
    const n = buckets[b]!;
    if (n > 0 && seen + n >= rank) {
      const lower = b === 0 ? 0 : LATENCY_BUCKETS_MS[b - 1]!;
      const upper = b === OVERFLOW ? LATENCY_BUCKETS_MS[OVERFLOW - 1]! : LATENCY_BUCKETS_MS[b]!;
      return lower + (upper - lower) * ((rank - seen) / n);
    }
    seen += n;
  }
  return LATENCY_BUCKETS_MS[OVERFLOW - 1]!;
}
