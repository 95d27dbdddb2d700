/**
 * The load generator's side of the wire: a connection that matches responses to requests by
 * correlation id, and the requests the harness sends, each encoded once.
 *
 *   produce request (encodeRequest, version 9)
 *   ┌──────┬────────┬─────────┬───────────────┬──────────┬─ … ─┬──────────────┬─ … ─┐
 *   │ size │ apiKey │ version │ correlationId │ clientId │     │ batch (p0)   │     │
 *   │ 0..4 │ 4..6   │ 6..8    │ 8..12 patched │          │     │ batchAt[0] … │     │
 *   └──────┴────────┴─────────┴───────────────┴──────────┴─ … ─┴──────────────┴─ … ─┘
 *
 * A closed-loop request is sent again and again unchanged but for its correlation id (the
 * broker writes offsets into its own copy). A stamped request (open loop, end-to-end latency)
 * also gets, per send and per batch, its send time written into the first record's header
 * `t` (a float64 of milliseconds since the epoch, with the sub-millisecond part), its base and
 * max timestamps set to the same millisecond, and its CRC32C recomputed: the CRC covers both.
 *
 * Frames are cut by the protocol's FrameReader: a frame inside one received chunk is a slice
 * of it, a frame spread over chunks is copied once into a buffer of its exact size. A size
 * outside what a response can be closes the connection, failing the requests waiting on it.
 *
 * Any thread; each connection belongs to the thread that opened it.
 */
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { decodeResponse, encodeRequest, FrameReader, FrameSizeError, MIN_RESPONSE_FRAME_BYTES } from '../../src/protocol/frame.js';
import { MAX_RESPONSE_BYTES } from '../../src/client/connection.js';
import { createSaslClient } from '../../src/client/sasl.js';
import { AddPartitionsToTxn, ApiVersions, CreateTopics, EndTxn, Fetch, FindCoordinator, InitProducerId, Metadata, Produce, SaslAuthenticate, SaslHandshake } from '../../src/protocol/messages/index.js';
import { Attr, BATCH_OFFSETS, encodeBatch } from '../../src/protocol/records/batch.js';
import { CompressionType, codecNamed } from '../../src/protocol/records/compression/index.js';
import { crc32c } from '../../src/protocol/records/crc32c.js';
import { jsonRecords } from '../micro/data.js';

export const PRODUCE_VERSION = 9;
export const FETCH_VERSION = 12;
/** The classic transaction protocol, as a Kafka 3.x client speaks it (transaction version 1 semantics). */
export const FIND_COORDINATOR_VERSION = 4;
export const INIT_PRODUCER_ID_VERSION = 4;
export const ADD_PARTITIONS_VERSION = 3;
export const END_TXN_VERSION = 3;
/** Kafka's isolation levels (Fetch v4+). */
export const READ_UNCOMMITTED = 0;
export const READ_COMMITTED = 1;
export const CLIENT_ID = 'spindle-perf';
/** Kafka's OFFSET_OUT_OF_RANGE: the fetch offset is below the log start (retention) or past the end. */
export const OFFSET_OUT_OF_RANGE = 1;
/** Where the correlation id sits in an encoded request: after size (4), key (2) and version (2). */
const CORRELATION_AT = 8;
/** Marks the header value of a stamped batch's first record, to find it after encoding. */
const STAMP_SENTINEL = Buffer.from('5350494e444c4521', 'hex');

export type CodecName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * How the load generator's connections secure themselves on a secured row (plain data, so it
 * crosses to the load workers in their task): TLS trusting `ca`, and for SASL_SSL a login
 * with `sasl` once per connection, before any request is timed.
 */
export interface WireSecurity {
  protocol: 'SSL' | 'SASL_SSL';
  /** PEM of the CA that signed the broker's certificate. */
  ca: string;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
}

/** Where a load generator connects: the row's listener and, for a secured row, its security. */
export interface Endpoint {
  bootstrap: string;
  security?: WireSecurity;
}

const SASL_HANDSHAKE_VERSION = 1;
const SASL_AUTHENTICATE_VERSION = 2;

export class WireConnection {
  readonly socket: Socket;
  private readonly waiting = new Map<number, { resolve: (frame: Buffer) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private readonly frames = new FrameReader({ minBytes: MIN_RESPONSE_FRAME_BYTES, maxBytes: MAX_RESPONSE_BYTES });
  private closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      // Requests still waiting will never be answered: fail them rather than hang the run.
      for (const w of this.waiting.values()) w.reject(new Error('connection closed by the broker'));
      this.waiting.clear();
    });
  }

  /** A connection to `bootstrap`, over TLS and logged in when `security` says so. */
  static async open(bootstrap: string, security?: WireSecurity): Promise<WireConnection> {
    const { host, port } = parseHostPort(bootstrap);
    const c = await new Promise<WireConnection>((resolve, reject) => {
      const ready = (): void => {
        s.off('error', reject);
        resolve(new WireConnection(s));
      };
      const s = security
        ? tlsConnect({ host, port, ca: security.ca, ...(isIP(host) ? {} : { servername: host }) }, ready)
        : connect(port, host, ready);
      s.once('error', reject);
    });
    if (security?.sasl) {
      try {
        await c.login(security.sasl);
      } catch (e) {
        c.close();
        throw e;
      }
    }
    return c;
  }

  /** SaslHandshake v1, then SaslAuthenticate rounds until the mechanism is done (src/client/sasl.ts does the mechanism). */
  private async login(sasl: NonNullable<WireSecurity['sasl']>): Promise<void> {
    const h = decodeResponse(SaslHandshake, SASL_HANDSHAKE_VERSION, await this.send(Buffer.from(encodeRequest(SaslHandshake, SASL_HANDSHAKE_VERSION, 0, CLIENT_ID, { mechanism: sasl.mechanism })))).body as { errorCode: number; mechanisms: string[] };
    if (h.errorCode !== 0) throw new Error(`SaslHandshake ${sasl.mechanism} refused with error ${h.errorCode} (the broker offers ${h.mechanisms.join(', ')})`);
    const mechanism = createSaslClient(sasl);
    for (let token: Buffer | null = await mechanism.start(); token !== null; ) {
      const frame = await this.send(Buffer.from(encodeRequest(SaslAuthenticate, SASL_AUTHENTICATE_VERSION, 0, CLIENT_ID, { authBytes: token })));
      const r = decodeResponse(SaslAuthenticate, SASL_AUTHENTICATE_VERSION, frame).body as { errorCode: number; errorMessage: string | null; authBytes: Uint8Array };
      if (r.errorCode !== 0) throw new Error(`SASL/${sasl.mechanism} login as ${sasl.username} failed with error ${r.errorCode}: ${r.errorMessage ?? ''}`);
      token = await mechanism.next(Buffer.from(r.authBytes));
    }
  }

  /** The negotiated TLS version and cipher, or null on a plaintext connection. */
  get tlsCipher(): string | null {
    const s = this.socket as Socket & { getCipher?: () => { name: string; version: string } };
    if (!s.getCipher) return null;
    const c = s.getCipher();
    return `${c.version} ${c.name}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends an encoded request after writing a fresh correlation id into it. */
  send(request: Buffer): Promise<Buffer> {
    const id = this.nextId++;
    if (this.nextId > 0x7fffffff) this.nextId = 1;
    request.writeInt32BE(id, CORRELATION_AT);
    const reply = new Promise<Buffer>((resolve, reject) => {
      if (this.closed) reject(new Error('connection closed'));
      else this.waiting.set(id, { resolve, reject });
    });
    this.socket.write(request);
    return reply;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.frames.push(chunk);
    try {
      for (let frame = this.frames.next(); frame !== null; frame = this.frames.next()) this.deliver(frame);
    } catch (e) {
      if (!(e instanceof FrameSizeError)) throw e;
      // The stream has lost its framing: the close handler fails the requests still waiting.
      this.socket.destroy();
    }
  }

  private deliver(frame: Buffer): void {
    const id = frame.readInt32BE(0);
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    w?.resolve(frame);
  }
}

export function parseHostPort(bootstrap: string): { host: string; port: number } {
  const first = bootstrap.split(',')[0]!.trim();
  const colon = first.lastIndexOf(':');
  if (colon <= 0) throw new Error(`bootstrap server '${bootstrap}' is not host:port`);
  return { host: first.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(first.slice(colon + 1)) };
}

/** Batch content for one row: `count` records of `recordBytes` each, JSON-like, no keys. */
export function recordValues(count: number, recordBytes: number): Buffer[] {
  // 64 distinct values repeated: enough variety that codecs see realistic redundancy, while
  // 10 KiB records in 256 KiB batches do not cost seconds to generate.
  const distinct = jsonRecords(Math.min(count, 64), recordBytes, 11);
  return Array.from({ length: count }, (_, i) => distinct[i % distinct.length]!);
}

/** The most records of `recordBytes` that fit a batch of `batchBytes` (at least one). */
export function recordsPerBatch(recordBytes: number, batchBytes: number): number {
  const one = encodeBatch(recordValues(1, recordBytes).map((value) => ({ value }))).length;
  const perRecord = one - 61;
  return Math.max(1, Math.floor((batchBytes - 61) / perRecord));
}

export interface EncodedProduce {
  /** The whole request, size prefix included. */
  bytes: Buffer;
  /** Records in the request, over all partitions. */
  records: number;
  /** Record value bytes in the request (what Kafka's tools count as MB). */
  recordBytes: number;
  /** Batch bytes in the request (what crosses the socket, less the request's own fields). */
  batchBytes: number;
  /** For stamped requests: where each batch starts and where its stamp goes. */
  stamps: { batchAt: number; stampAt: number; batchEnd: number }[];
  /** Where each partition's batch starts and ends in `bytes`. */
  batches: { batchAt: number; batchEnd: number }[];
}

/**
 * A produce request with one batch of `count` records per partition in `partitions`. With
 * `stamped`, each batch's first record carries the header `t` for the send time.
 */
export function encodeProduce(topic: string, partitions: number[], count: number, recordBytes: number, acks: number, codec: CodecName, stamped = false, txn?: TxnProducer): EncodedProduce {
  const compression = (codecNamed(codec)?.type ?? CompressionType.None) as CompressionType;
  if (stamped && compression !== CompressionType.None) throw new Error('a stamped request must be uncompressed: the stamp is patched in place');
  const values = recordValues(count, recordBytes);
  const now = Date.now();
  const batch = encodeBatch(
    values.map((value, i) => (stamped && i === 0 ? { value, timestamp: now, headers: [{ key: 't', value: STAMP_SENTINEL }] } : { value, timestamp: now })),
    { compression, baseTimestamp: now, ...(txn ? { transactional: true, producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: 0 } : {}) },
  );
  const bytes = Buffer.from(
    encodeRequest(Produce, PRODUCE_VERSION, 0, CLIENT_ID, {
      transactionalId: txn?.transactionalId ?? null,
      acks,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: partitions.map((index) => ({ index, records: batch })) }],
    }),
  );
  const stamps: EncodedProduce['stamps'] = [];
  const batches: EncodedProduce['batches'] = [];
  let from = 0;
  for (let p = 0; p < partitions.length; p++) {
    const batchAt = bytes.indexOf(batch, from);
    if (batchAt < 0) throw new Error('encoded batch not found in its request');
    batches.push({ batchAt, batchEnd: batchAt + batch.length });
    if (stamped) stamps.push({ batchAt, stampAt: bytes.indexOf(STAMP_SENTINEL, batchAt), batchEnd: batchAt + batch.length });
    from = batchAt + batch.length;
  }
  return { bytes, records: count * partitions.length, recordBytes: count * recordBytes * partitions.length, batchBytes: batch.length * partitions.length, stamps, batches };
}

/** A transactional producer's identity, written into its batches and its transaction requests. */
export interface TxnProducer {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

/** The sequence after `sequence` once `count` records have used it: past 2^31 - 1 it wraps to 0, as Kafka's does. */
export function nextSequence(sequence: number, count: number): number {
  return sequence > 0x7fffffff - count ? count - (0x7fffffff - sequence) - 1 : sequence + count;
}

/**
 * Readies a transactional request for one send: every batch gets `sequence` as its base
 * sequence (one batch per partition per request, so every partition's sequence advances alike)
 * and its CRC32C recomputed, since the CRC covers the producer fields. On the load thread this
 * costs a third to a fifth of encoding the batch afresh (the CRC alone, against every record and
 * the CRC); bench/results/2026-12-02-vm-txn-perf.md has the figures.
 */
export function setSequence(bytes: Buffer, batches: EncodedProduce['batches'], sequence: number): void {
  for (const b of batches) {
    bytes.writeInt32BE(sequence, b.batchAt + BATCH_OFFSETS.baseSequence);
    bytes.writeUInt32BE(crc32c(bytes, b.batchAt + BATCH_OFFSETS.attributes, b.batchEnd) >>> 0, b.batchAt + BATCH_OFFSETS.crc);
  }
}

/** Writes another producer id and epoch (a new InitProducerId) into every batch; setSequence then fixes the CRC. */
export function setProducer(bytes: Buffer, batches: EncodedProduce['batches'], producerId: number, producerEpoch: number): void {
  const hi = Math.floor(producerId / 4294967296);
  for (const b of batches) {
    bytes.writeInt32BE(hi, b.batchAt + BATCH_OFFSETS.producerId);
    bytes.writeUInt32BE(producerId - hi * 4294967296, b.batchAt + BATCH_OFFSETS.producerId + 4);
    bytes.writeInt16BE(producerEpoch, b.batchAt + BATCH_OFFSETS.producerEpoch);
  }
}

/** FindCoordinator for a transactional id (key type 1): the coordinator's address, or its error. */
export async function findTxnCoordinator(c: WireConnection, transactionalId: string): Promise<{ errorCode: number; host: string; port: number }> {
  const frame = await c.send(Buffer.from(encodeRequest(FindCoordinator, FIND_COORDINATOR_VERSION, 0, CLIENT_ID, { key: transactionalId, keyType: 1, coordinatorKeys: [transactionalId] })));
  const { body } = decodeResponse(FindCoordinator, FIND_COORDINATOR_VERSION, frame);
  const k = (body.coordinators as { errorCode: number; host: string; port: number }[])[0];
  return k ? { errorCode: k.errorCode, host: k.host, port: k.port } : { errorCode: -1, host: '', port: 0 };
}

/** InitProducerId with a transactional id: a producer id and a fresh epoch (fencing any earlier producer of the id), or the error. */
export async function initTxnProducer(c: WireConnection, transactionalId: string, transactionTimeoutMs: number): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
  const frame = await c.send(Buffer.from(encodeRequest(InitProducerId, INIT_PRODUCER_ID_VERSION, 0, CLIENT_ID, { transactionalId, transactionTimeoutMs, producerId: -1, producerEpoch: -1 })));
  const { body } = decodeResponse(InitProducerId, INIT_PRODUCER_ID_VERSION, frame);
  return { errorCode: body.errorCode as number, producerId: Number(body.producerId), producerEpoch: body.producerEpoch as number };
}

/** AddPartitionsToTxn v3 for `partitions` of `topic`: encoded once per producer id and epoch, sent at the start of every transaction. */
export function encodeAddPartitions(p: TxnProducer, topic: string, partitions: number[]): Buffer {
  return Buffer.from(
    encodeRequest(AddPartitionsToTxn, ADD_PARTITIONS_VERSION, 0, CLIENT_ID, {
      v3AndBelowTransactionalId: p.transactionalId,
      v3AndBelowProducerId: p.producerId,
      v3AndBelowProducerEpoch: p.producerEpoch,
      v3AndBelowTopics: [{ name: topic, partitions }],
    }),
  );
}

/** The first partition error of an AddPartitionsToTxn v3 answer, or 0. */
export function addPartitionsErrorCode(frame: Buffer): number {
  const { body } = decodeResponse(AddPartitionsToTxn, ADD_PARTITIONS_VERSION, frame);
  for (const t of body.resultsByTopicV3AndBelow as { resultsByPartition: { partitionErrorCode: number }[] }[]) {
    for (const r of t.resultsByPartition) if (r.partitionErrorCode !== 0) return r.partitionErrorCode;
  }
  return 0;
}

/** EndTxn v3: commit or abort the producer's ongoing transaction. */
export function encodeEndTxn(p: TxnProducer, committed: boolean): Buffer {
  return Buffer.from(encodeRequest(EndTxn, END_TXN_VERSION, 0, CLIENT_ID, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed }));
}

export function endTxnErrorCode(frame: Buffer): number {
  return decodeResponse(EndTxn, END_TXN_VERSION, frame).body.errorCode as number;
}

/** Whether the batch at `at` is a control batch (a transaction marker, no records for a consumer) and whether it is transactional. */
export function batchKind(records: Buffer, at: number): { control: boolean; transactional: boolean } {
  const a = records.readInt16BE(at + BATCH_OFFSETS.attributes);
  return { control: (a & Attr.control) !== 0, transactional: (a & Attr.transactional) !== 0 };
}

/** Writes the send time into every batch of a stamped request and recomputes their CRCs. */
export function stampProduce(bytes: Buffer, stamps: EncodedProduce['stamps'], epochMs: number): void {
  const whole = Math.floor(epochMs);
  const hi = Math.floor(whole / 4294967296);
  const lo = whole - hi * 4294967296;
  for (const s of stamps) {
    bytes.writeDoubleBE(epochMs, s.stampAt);
    bytes.writeInt32BE(hi, s.batchAt + BATCH_OFFSETS.baseTimestamp);
    bytes.writeUInt32BE(lo, s.batchAt + BATCH_OFFSETS.baseTimestamp + 4);
    bytes.writeInt32BE(hi, s.batchAt + BATCH_OFFSETS.maxTimestamp);
    bytes.writeUInt32BE(lo, s.batchAt + BATCH_OFFSETS.maxTimestamp + 4);
    bytes.writeUInt32BE(crc32c(bytes, s.batchAt + BATCH_OFFSETS.attributes, s.batchEnd) >>> 0, s.batchAt + BATCH_OFFSETS.crc);
  }
}

/** The first error code in a produce response, or 0. */
export function produceErrorCode(frame: Buffer): number {
  return produceAnswer(frame).errorCode;
}

/**
 * A produce response: its first error code (0 for none) and, per partition index of the first
 * topic, the base offset given to its batch (-1 where it failed).
 */
export function produceAnswer(frame: Buffer): { errorCode: number; baseOffsets: number[] } {
  const { body } = decodeResponse(Produce, PRODUCE_VERSION, frame);
  let errorCode = 0;
  const baseOffsets: number[] = [];
  for (const [i, t] of (body.responses as { partitionResponses: { index: number; errorCode: number; baseOffset: number }[] }[]).entries()) {
    for (const p of t.partitionResponses) {
      if (p.errorCode !== 0 && errorCode === 0) errorCode = p.errorCode;
      if (i === 0) baseOffsets[p.index] = p.errorCode === 0 ? Number(p.baseOffset) : -1;
    }
  }
  return { errorCode, baseOffsets };
}

export interface FetchPartitionResult {
  partition: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** read_committed: the transactions aborted within the answered range (producer id, first offset). */
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  records: Buffer | null;
}

/** A fetch of `topic` from `offsets` (one per partition); READ_COMMITTED stops at each partition's last stable offset. */
export function encodeFetch(topic: string, offsets: number[], maxWaitMs: number, maxBytes: number, partitionMaxBytes: number, isolationLevel = READ_UNCOMMITTED): Buffer {
  return Buffer.from(
    encodeRequest(Fetch, FETCH_VERSION, 0, CLIENT_ID, {
      replicaId: -1,
      maxWaitMs,
      minBytes: 1,
      maxBytes,
      isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: offsets.map((fetchOffset, partition) => ({ partition, fetchOffset, partitionMaxBytes })) }],
      forgottenTopicsData: [],
      rackId: '',
    }),
  );
}

export function decodeFetch(frame: Buffer): FetchPartitionResult[] {
  const { body } = decodeResponse(Fetch, FETCH_VERSION, frame);
  const out: FetchPartitionResult[] = [];
  type Answer = Omit<FetchPartitionResult, 'partition'> & { partitionIndex: number };
  for (const t of body.responses as { partitions: Answer[] }[]) {
    for (const p of t.partitions) {
      out.push({
        partition: p.partitionIndex,
        errorCode: p.errorCode,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        logStartOffset: p.logStartOffset,
        abortedTransactions: p.abortedTransactions,
        records: p.records,
      });
    }
  }
  return out;
}

/** API keys the broker advertises, with their highest version. */
export async function apiVersions(c: WireConnection): Promise<Map<number, number>> {
  const frame = await c.send(Buffer.from(encodeRequest(ApiVersions, 3, 0, CLIENT_ID, { clientSoftwareName: 'spindle-perf', clientSoftwareVersion: '1' })));
  const { body } = decodeResponse(ApiVersions, 3, frame);
  return new Map((body.apiKeys as { apiKey: number; maxVersion: number }[]).map((k) => [k.apiKey, k.maxVersion]));
}

/** Partition count of `topic` as Metadata reports it (auto-creating it when allowed), or 0. */
export async function topicPartitions(c: WireConnection, topic: string, create: boolean): Promise<number> {
  const frame = await c.send(Buffer.from(encodeRequest(Metadata, 9, 0, CLIENT_ID, { topics: [{ name: topic }], allowAutoTopicCreation: create, includeTopicAuthorizedOperations: false })));
  const { body } = decodeResponse(Metadata, 9, frame);
  const t = (body.topics as { name: string; errorCode: number; partitions: unknown[] }[]).find((x) => x.name === topic);
  return t && t.errorCode === 0 ? t.partitions.length : 0;
}

/**
 * Makes `topic` with `partitions` partitions and the given topic configs: through CreateTopics
 * when the broker has it, otherwise by auto-creation (which uses the broker's num.partitions and
 * cannot set configs). Resolves with the partition count the topic has.
 */
export async function ensureTopic(endpoint: string | Endpoint, topic: string, partitions: number, configs: Record<string, string> = {}): Promise<number> {
  const { bootstrap, security } = typeof endpoint === 'string' ? { bootstrap: endpoint, security: undefined } : endpoint;
  const c = await WireConnection.open(bootstrap, security);
  try {
    const versions = await apiVersions(c);
    const createVersion = versions.get(CreateTopics.key);
    if (createVersion !== undefined && createVersion >= 5) {
      const frame = await c.send(
        Buffer.from(
          encodeRequest(CreateTopics, 5, 0, CLIENT_ID, {
            topics: [{ name: topic, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
            timeoutMs: 30_000,
            validateOnly: false,
          }),
        ),
      );
      decodeResponse(CreateTopics, 5, frame);
    }
    // Metadata with auto-creation covers brokers without CreateTopics, and waits out creation.
    for (let i = 0; i < 50; i++) {
      const n = await topicPartitions(c, topic, true);
      if (n > 0) return n;
      await new Promise((r) => setTimeout(r, 100));
    }
    return 0;
  } finally {
    c.close();
  }
}
