/**
 * A producer: records are partitioned, gathered into one open batch per partition, and sent as
 * Produce requests, one per leader, each carrying the first ready batch of every partition that
 * broker leads.
 *
 *   send(record) ─▶ partition ─▶ queue of tp: [sealed batch] [sealed batch] [open batch]
 *                                                                   │ full (batchSize) or
 *                                                                   │ lingerMs old, or flush()
 *   drain ─▶ per leader: Produce{ tp1: batch, tp2: batch, … } ─▶ up to maxInFlightRequests at once
 *
 * Partitioning is Kafka's default: an explicit partition wins; a key goes to
 * toPositive(murmur2(key)) % partitions (murmur2.ts), where the Java client and librdkafka's
 * murmur2_random put it; records without a key stick to one partition until its batch is sent,
 * then move to another chosen at random (KIP-480's sticky partitioning).
 *
 * Memory is bounded by bufferMemory: `send` never blocks, but `waitForRoom()` resolves only once
 * the bytes buffered and in flight are below it, which is how a caller producing a large input
 * applies backpressure.
 *
 * Failures: a retriable error for a partition (leader moved, topic being created, a connection
 * lost) refreshes metadata and sends the batch again, up to `retries` times; anything else, or
 * retries exhausted, rejects the promises of the batch's records. Without idempotence a retry
 * may duplicate or reorder a batch, as with the Java client's defaults before 3.0.
 *
 * Main thread (any single thread).
 */
import { ErrorCode } from '../protocol/errors.js';
import { Produce } from '../protocol/messages/index.js';
import { encodeBatch, type RecordInput } from '../protocol/records/batch.js';
import { codecNamed, type CompressionType } from '../protocol/records/compression/index.js';
import { Client, RETRY_BACKOFF_MS, sleep } from './client.js';
import { ClientError, ConnectionError, KafkaError, TimeoutError } from './errors.js';
import { partitionForKey } from './murmur2.js';

/** Kafka's producer defaults: batch.size, linger.ms (5 from Kafka 4.0), buffer.memory, max.in.flight.requests.per.connection, acks (all from 3.0), request.timeout.ms. */
export const DEFAULT_BATCH_SIZE = 16_384;
export const DEFAULT_LINGER_MS = 5;
export const DEFAULT_BUFFER_MEMORY = 33_554_432;
export const DEFAULT_MAX_IN_FLIGHT = 5;
export const DEFAULT_ACKS = -1;
export const DEFAULT_RETRIES = 5;
export const DEFAULT_PRODUCE_TIMEOUT_MS = 30_000;
/**
 * Bytes of per-record framing counted toward a batch's size besides key, value and headers:
 * length, attributes, timestamp and offset deltas and the varint lengths, at most ~20 bytes.
 */
const RECORD_OVERHEAD_BYTES = 20;
/** A batch's fixed header (BATCH_HEADER_BYTES in batch.ts). */
const BATCH_OVERHEAD_BYTES = 61;
/** With acks=0 nothing comes back to pace us: stop handing requests to a socket holding this much. */
const ACKS0_SOCKET_BACKLOG_BYTES = 4 * 1024 * 1024;

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProducerOptions {
  acks?: -1 | 0 | 1;
  compression?: CompressionName;
  lingerMs?: number;
  batchSize?: number;
  bufferMemory?: number;
  maxInFlightRequests?: number;
  retries?: number;
  /** The broker's wait for acknowledgements (Produce's timeoutMs). */
  timeoutMs?: number;
  /** Create unknown topics through Metadata when the broker allows it, as Kafka's producer does. */
  allowAutoTopicCreation?: boolean;
}

export interface ProducerRecord {
  topic: string;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: { key: string; value: Buffer | string | null }[];
  partition?: number;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0, which gets no answer. */
  offset: number;
  timestamp: number;
}

interface Pending {
  resolve: (m: RecordMetadata) => void;
  reject: (e: Error) => void;
  timestamp: number;
}

interface Batch {
  topic: string;
  partition: number;
  records: RecordInput[];
  pending: Pending[];
  sizeBytes: number;
  createdMs: number;
  sealed: boolean;
  attempts: number;
}

const asBuffer = (v: Buffer | string | null | undefined): Buffer | null => (v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : v);

export class Producer {
  readonly client: Client;
  private readonly acks: number;
  private readonly compression: CompressionType;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly bufferMemory: number;
  private readonly maxInFlight: number;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly allowAutoTopicCreation: boolean;
  /** Per topic-partition queues of batches, oldest first; the last may be open. */
  private readonly queues = new Map<string, Batch[]>();
  private readonly topicReady = new Map<string, Promise<number>>();
  private readonly sticky = new Map<string, number>();
  private readonly inFlight = new Map<number, number>();
  private buffered = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private drainScheduled = false;
  private flushing = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private closed = false;

  constructor(client: Client, options: ProducerOptions = {}) {
    this.client = client;
    this.acks = options.acks ?? DEFAULT_ACKS;
    const codec = codecNamed(options.compression ?? 'none');
    if (!codec) throw new ClientError(`unknown compression '${options.compression}' (none, gzip, snappy, lz4, zstd)`);
    this.compression = codec.type;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.bufferMemory = options.bufferMemory ?? DEFAULT_BUFFER_MEMORY;
    this.maxInFlight = options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PRODUCE_TIMEOUT_MS;
    this.allowAutoTopicCreation = options.allowAutoTopicCreation ?? true;
    if (![-1, 0, 1].includes(this.acks)) throw new ClientError(`acks must be -1 (all), 0 or 1, not ${this.acks}`);
    if (!(this.batchSize > 0) || !(this.lingerMs >= 0) || !(this.maxInFlight > 0)) throw new ClientError('batchSize and maxInFlightRequests must be positive, lingerMs not negative');
  }

  /** Bytes of records buffered or in flight. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Resolves once the buffered bytes are below bufferMemory. */
  waitForRoom(): Promise<void> {
    if (this.buffered < this.bufferMemory) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Queues a record; resolves when the broker acknowledged it (at once with acks=0, once sent). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new ClientError('the producer is closed'));
    const timestamp = record.timestamp ?? Date.now();
    const key = asBuffer(record.key);
    const value = asBuffer(record.value);
    const headers = (record.headers ?? []).map((h) => ({ key: h.key, value: asBuffer(h.value) }));
    const size = RECORD_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0) + headers.reduce((n, h) => n + Buffer.byteLength(h.key) + (h.value?.length ?? 0) + 2, 0);
    // Every record of a topic waits on the same promise, so records keep their order.
    let ready = this.topicReady.get(record.topic);
    if (!ready) {
      ready = this.client.topic(record.topic, { allowAutoTopicCreation: this.allowAutoTopicCreation }).then((t) => t.partitions.length);
      this.topicReady.set(record.topic, ready);
      ready.catch(() => this.topicReady.delete(record.topic));
    }
    this.buffered += size;
    return new Promise<RecordMetadata>((resolve, reject) => {
      ready!.then(
        (numPartitions) => {
          let partition: number;
          if (record.partition !== undefined) {
            if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= numPartitions) {
              this.release(size);
              reject(new ClientError(`topic '${record.topic}' has no partition ${record.partition} (it has ${numPartitions})`));
              return;
            }
            partition = record.partition;
          } else if (key !== null) {
            partition = partitionForKey(key, numPartitions);
          } else {
            partition = this.stickyPartition(record.topic, numPartitions);
          }
          this.append(record.topic, partition, { key, value, headers, timestamp }, size, { resolve, reject, timestamp });
        },
        (e: Error) => {
          this.release(size);
          reject(e);
        },
      );
    });
  }

  private stickyPartition(topic: string, numPartitions: number): number {
    let p = this.sticky.get(topic);
    if (p === undefined || p >= numPartitions) {
      p = Math.floor(Math.random() * numPartitions);
      this.sticky.set(topic, p);
    }
    return p;
  }

  /** After a batch of the sticky partition closed: the next records go to another partition. */
  private moveSticky(topic: string, partition: number): void {
    const current = this.sticky.get(topic);
    if (current !== partition) return;
    const n = this.client.topics.get(topic)?.partitions.length ?? 1;
    if (n <= 1) return;
    const next = (partition + 1 + Math.floor(Math.random() * (n - 1))) % n;
    this.sticky.set(topic, next);
  }

  private append(topic: string, partition: number, input: RecordInput, size: number, pending: Pending): void {
    const k = `${topic}\u0000${partition}`;
    let queue = this.queues.get(k);
    if (!queue) this.queues.set(k, (queue = []));
    let batch = queue[queue.length - 1];
    if (!batch || batch.sealed || (batch.records.length > 0 && batch.sizeBytes + size > this.batchSize)) {
      if (batch && !batch.sealed) this.seal(batch);
      batch = { topic, partition, records: [], pending: [], sizeBytes: BATCH_OVERHEAD_BYTES, createdMs: Date.now(), sealed: false, attempts: 0 };
      queue.push(batch);
    }
    batch.records.push(input);
    batch.pending.push(pending);
    batch.sizeBytes += size;
    if (batch.sizeBytes >= this.batchSize) this.seal(batch);
    else if (this.lingerMs === 0) this.scheduleDrain();
    else this.armLinger();
  }

  private seal(batch: Batch): void {
    batch.sealed = true;
    this.moveSticky(batch.topic, batch.partition);
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private armLinger(): void {
    if (this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.drain();
    }, this.lingerMs);
  }

  private isReady(batch: Batch, now: number): boolean {
    return batch.sealed || this.flushing > 0 || this.closed || now - batch.createdMs >= this.lingerMs;
  }

  /** Sends what is ready, one request per leader, within each broker's in-flight limit. */
  private drain(): void {
    const now = Date.now();
    const byLeader = new Map<number, Batch[]>();
    let waiting = false;
    for (const [k, queue] of this.queues) {
      const batch = queue[0];
      if (!batch) {
        this.queues.delete(k);
        continue;
      }
      if (!this.isReady(batch, now)) {
        waiting = true;
        continue;
      }
      const leader = this.client.topics.get(batch.topic)?.partitions[batch.partition]?.leaderId ?? -1;
      if (leader < 0) {
        waiting = true;
        continue;
      }
      if ((this.inFlight.get(leader) ?? 0) >= this.maxInFlight) continue;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(batch);
    }
    for (const [leader, batches] of byLeader) {
      for (const b of batches) {
        const queue = this.queues.get(`${b.topic}\u0000${b.partition}`)!;
        queue.shift();
        if (!b.sealed) this.moveSticky(b.topic, b.partition);
        b.sealed = true;
      }
      void this.sendRequest(leader, batches);
    }
    if (waiting) this.armLinger();
    this.notifyIdle();
  }

  private async sendRequest(leader: number, batches: Batch[]): Promise<void> {
    this.inFlight.set(leader, (this.inFlight.get(leader) ?? 0) + 1);
    const byTopic = new Map<string, Batch[]>();
    for (const b of batches) {
      let l = byTopic.get(b.topic);
      if (!l) byTopic.set(b.topic, (l = []));
      l.push(b);
    }
    const encoded = new Map<Batch, Buffer>();
    const retry: Batch[] = [];
    let refresh = false;
    try {
      for (const b of batches) encoded.set(b, encodeBatch(b.records, { compression: this.compression, baseTimestamp: b.records[0]!.timestamp! }));
      const body = {
        transactionalId: null,
        acks: this.acks,
        timeoutMs: this.timeoutMs,
        topicData: [...byTopic].map(([name, list]) => ({ name, partitionData: list.map((b) => ({ index: b.partition, records: encoded.get(b)! })) })),
      };
      const c = await this.client.broker(leader);
      if (this.acks === 0) {
        while (c.writableLength > ACKS0_SOCKET_BACKLOG_BYTES && !c.closed) await sleep(1);
        c.send(Produce, body);
        for (const b of batches) this.complete(b, -1);
      } else {
        const r = await c.request(Produce, body, { timeoutMs: this.timeoutMs + c.requestTimeoutMs });
        const answered = new Set<Batch>();
        for (const t of r.responses) {
          for (const p of t.partitionResponses) {
            const b = byTopic.get(t.name)?.find((x) => x.partition === p.index);
            if (!b) continue;
            answered.add(b);
            if (p.errorCode === 0) {
              this.complete(b, p.baseOffset, p.logAppendTimeMs);
            } else if (isRetriable(p.errorCode) && b.attempts < this.retries) {
              refresh = true;
              retry.push(b);
            } else {
              this.fail(b, new KafkaError(p.errorCode, `${b.topic}-${b.partition}`, p.errorMessage));
            }
          }
        }
        for (const b of batches) if (!answered.has(b)) this.fail(b, new ClientError(`the broker did not answer for ${b.topic}-${b.partition}`));
      }
    } catch (e) {
      const transient = e instanceof ConnectionError || e instanceof TimeoutError;
      for (const b of batches) {
        if (transient && b.attempts < this.retries) retry.push(b);
        else this.fail(b, e as Error);
      }
      refresh = transient;
    } finally {
      this.inFlight.set(leader, (this.inFlight.get(leader) ?? 1) - 1);
    }
    if (retry.length > 0) {
      for (const b of retry) b.attempts++;
      await sleep(RETRY_BACKOFF_MS);
      if (refresh) {
        const topics = [...new Set(retry.map((b) => b.topic))];
        await this.client.refreshMetadata(topics).catch(() => undefined);
      }
      for (const b of retry.reverse()) {
        const k = `${b.topic}\u0000${b.partition}`;
        let queue = this.queues.get(k);
        if (!queue) this.queues.set(k, (queue = []));
        queue.unshift(b);
      }
    }
    this.drain();
  }

  private complete(b: Batch, baseOffset: number, logAppendTimeMs = -1): void {
    b.pending.forEach((p, i) =>
      p.resolve({ topic: b.topic, partition: b.partition, offset: baseOffset < 0 ? -1 : baseOffset + i, timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : p.timestamp }),
    );
    this.release(b.sizeBytes - BATCH_OVERHEAD_BYTES);
  }

  private fail(b: Batch, e: Error): void {
    for (const p of b.pending) p.reject(e);
    this.release(b.sizeBytes - BATCH_OVERHEAD_BYTES);
  }

  private release(bytes: number): void {
    this.buffered -= bytes;
    if (this.buffered < this.bufferMemory) for (const w of this.roomWaiters.splice(0)) w();
    this.notifyIdle();
  }

  private get idle(): boolean {
    if ([...this.inFlight.values()].some((n) => n > 0)) return false;
    for (const q of this.queues.values()) if (q.length > 0) return false;
    return this.buffered <= 0;
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length > 0 && this.idle) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Sends everything buffered now and resolves when every record has its answer. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      // Records whose topic metadata is still on its way are appended after a tick or a round trip.
      await Promise.allSettled([...this.topicReady.values()]);
      this.drain();
      if (!this.idle) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    } finally {
      this.flushing--;
    }
  }

  /** Flushes and stops taking records. The client stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
  }
}

/** Errors after which sending the same batch again can succeed. */
function isRetriable(code: number): boolean {
  return (
    code === ErrorCode.NOT_LEADER_OR_FOLLOWER ||
    code === ErrorCode.LEADER_NOT_AVAILABLE ||
    code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
    code === ErrorCode.REQUEST_TIMED_OUT ||
    code === ErrorCode.NOT_ENOUGH_REPLICAS ||
    code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND ||
    code === ErrorCode.KAFKA_STORAGE_ERROR ||
    code === ErrorCode.NETWORK_EXCEPTION
  );
}
