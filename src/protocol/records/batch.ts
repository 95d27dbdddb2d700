/**
 * Record batches, magic v2: the unit in which Spindle receives, stores and serves records.
 *
 *   offset  size  field                  covered by CRC
 *    0       8    baseOffset                 no   (patched in place when appended)
 *    8       4    batchLength                no   (bytes after this field)
 *   12       4    partitionLeaderEpoch       no
 *   16       1    magic (2)                  no
 *   17       4    crc (CRC32C, unsigned)     no
 *   21       2    attributes                 yes
 *   23       4    lastOffsetDelta            yes
 *   27       8    baseTimestamp              yes
 *   35       8    maxTimestamp               yes
 *   43       8    producerId                 yes
 *   51       2    producerEpoch              yes
 *   53       4    baseSequence               yes
 *   57       4    recordCount                yes
 *   61       …    records (compressed as a whole when attributes say so)
 *
 * attributes: bits 0-2 compression (compression/index.ts), bit 3 timestamp type
 * (1 = LogAppendTime), bit 4 transactional, bit 5 control, bit 6 delete horizon set.
 *
 * Each record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 * key (varint length, -1 null) | value (varint length, -1 null) | headers count varint, then per
 * header key (varint length, UTF-8) and value (varint length, -1 null).
 *
 * Two views, named for their state: a WireBatch is the bytes as received, read through its
 * header only (the hot paths use nothing else); a DecodedBatch has its records parsed (and
 * decompressed, by the functions that say so). Magic 0 and 1 are message sets, not batches:
 * legacy.ts converts those Produce v0-2 carry, as Kafka 3.x does; everywhere else they are refused.
 *
 * No I/O; any thread may call these.
 */
import { ProtocolError } from '../codec/errors.js';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { codecFor, type CompressionType } from './compression/index.js';
import { crc32c } from './crc32c.js';

export const BATCH_OFFSETS = Object.freeze({
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
  records: 61,
});

/** Bytes before the records: also the smallest possible batch. */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset and batchLength precede the part that batchLength counts. */
export const BATCH_LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

export const Attr = Object.freeze({
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
});

export const TimestampType = Object.freeze({ CreateTime: 0, LogAppendTime: 1 } as const);

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

const TWO_32 = 4294967296;

function int64At(buf: Uint8Array, at: number): number {
  const b = buf as Buffer;
  return b.readInt32BE(at) * TWO_32 + b.readUInt32BE(at + 4);
}

function setInt64At(buf: Uint8Array, at: number, v: number): void {
  const b = buf as Buffer;
  const hi = Math.floor(v / TWO_32);
  b.writeInt32BE(hi, at);
  b.writeUInt32BE(v - hi * TWO_32, at + 4);
}

/** The whole size of the batch starting at `at` (12 + batchLength), without checks. */
export function batchSizeAt(buf: Buffer, at: number): number {
  return BATCH_LOG_OVERHEAD + buf.readInt32BE(at + BATCH_OFFSETS.batchLength);
}

export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  const O = BATCH_OFFSETS;
  return {
    baseOffset: int64At(buf, at + O.baseOffset),
    batchLength: buf.readInt32BE(at + O.batchLength),
    partitionLeaderEpoch: buf.readInt32BE(at + O.partitionLeaderEpoch),
    magic: buf.readInt8(at + O.magic),
    crc: buf.readUInt32BE(at + O.crc),
    attributes: buf.readInt16BE(at + O.attributes),
    lastOffsetDelta: buf.readInt32BE(at + O.lastOffsetDelta),
    baseTimestamp: int64At(buf, at + O.baseTimestamp),
    maxTimestamp: int64At(buf, at + O.maxTimestamp),
    producerId: int64At(buf, at + O.producerId),
    producerEpoch: buf.readInt16BE(at + O.producerEpoch),
    baseSequence: buf.readInt32BE(at + O.baseSequence),
    recordCount: buf.readInt32BE(at + O.recordCount),
  };
}

/** Rewrites the base offset in place. The CRC does not cover it, so the batch stays valid. */
export function setBaseOffset(buf: Buffer, at: number, baseOffset: number): void {
  setInt64At(buf, at + BATCH_OFFSETS.baseOffset, baseOffset);
}

export function setPartitionLeaderEpoch(buf: Buffer, at: number, epoch: number): void {
  buf.writeInt32BE(epoch, at + BATCH_OFFSETS.partitionLeaderEpoch);
}

/**
 * Sets LogAppendTime: the timestamp type bit and maxTimestamp change, both inside the CRC,
 * so the CRC is computed again. The only path that rewrites CRC-covered bytes.
 */
export function setLogAppendTime(buf: Buffer, at: number, timestampMs: number): void {
  const O = BATCH_OFFSETS;
  const size = batchSizeAt(buf, at);
  buf.writeInt16BE(buf.readInt16BE(at + O.attributes) | Attr.logAppendTime, at + O.attributes);
  setInt64At(buf, at + O.maxTimestamp, timestampMs);
  buf.writeUInt32BE(crc32c(buf, at + O.attributes, at + size), at + O.crc);
}

export function computeBatchCrc(buf: Buffer, at = 0): number {
  return crc32c(buf, at + BATCH_OFFSETS.attributes, at + batchSizeAt(buf, at));
}

export function compressionOf(attributes: number): number {
  return attributes & Attr.compressionMask;
}

/** Why a batch is refused: the error names of errors.ts, the way Kafka answers. */
export type BatchProblem = 'CORRUPT_MESSAGE' | 'UNSUPPORTED_VERSION' | 'INVALID_RECORD' | 'UNSUPPORTED_COMPRESSION_TYPE';

export interface BatchCheck {
  /** Position of the batch in the buffer and its whole size. */
  at: number;
  size: number;
  problem?: BatchProblem;
  detail?: string;
}

/**
 * Checks the batch at `at` as the produce path must, per batch and never per record: that the
 * size fits the buffer, the magic is 2, the CRC matches, the compression is known, and the
 * record count agrees with lastOffsetDelta (as Kafka requires of a producer's batch; a batch read
 * back from a compacted log may hold fewer records than its offset range, `producerBatch` false).
 */
export function checkWireBatch(buf: Buffer, at: number, end = buf.length, verifyCrc = true, producerBatch = true): BatchCheck {
  const left = end - at;
  if (left < BATCH_HEADER_BYTES) return { at, size: left, problem: 'CORRUPT_MESSAGE', detail: `${left} bytes cannot hold a batch header` };
  const size = batchSizeAt(buf, at);
  if (size < BATCH_HEADER_BYTES || size > left) {
    return { at, size: Math.max(0, Math.min(size, left)), problem: 'CORRUPT_MESSAGE', detail: `batch length ${size - BATCH_LOG_OVERHEAD} does not fit` };
  }
  const magic = buf.readInt8(at + BATCH_OFFSETS.magic);
  if (magic !== CURRENT_MAGIC) return { at, size, problem: 'UNSUPPORTED_VERSION', detail: `magic ${magic}` };
  const crc = buf.readUInt32BE(at + BATCH_OFFSETS.crc);
  if (verifyCrc && crc !== computeBatchCrc(buf, at)) return { at, size, problem: 'CORRUPT_MESSAGE', detail: 'CRC mismatch' };
  const attributes = buf.readInt16BE(at + BATCH_OFFSETS.attributes);
  if (codecFor(compressionOf(attributes)) === undefined) {
    return { at, size, problem: 'UNSUPPORTED_COMPRESSION_TYPE', detail: `compression ${compressionOf(attributes)}` };
  }
  const count = buf.readInt32BE(at + BATCH_OFFSETS.recordCount);
  const lastOffsetDelta = buf.readInt32BE(at + BATCH_OFFSETS.lastOffsetDelta);
  // A producer's batch has dense offsets; a compacted batch keeps its gaps (count ≤ delta + 1).
  if (count < 0 || (producerBatch && (count === 0 || lastOffsetDelta !== count - 1)) || count > lastOffsetDelta + 1) {
    return { at, size, problem: 'INVALID_RECORD', detail: `record count ${count} with last offset delta ${lastOffsetDelta}` };
  }
  return { at, size };
}

/**
 * The complete batches in a record set, as (position, size). A trailing partial batch (fetch
 * responses may end with one) is skipped, as clients do.
 */
export function* batchPositions(buf: Buffer, start = 0, end = buf.length): Generator<{ at: number; size: number }> {
  let at = start;
  while (end - at >= BATCH_LOG_OVERHEAD) {
    const size = batchSizeAt(buf, at);
    if (size < BATCH_HEADER_BYTES || at + size > end) return;
    yield { at, size };
    at += size;
  }
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  attributes: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface DecodedBatch {
  header: BatchHeader;
  records: Record[];
}

/**
 * Parses the batch at `at`, decompressing its records when compressed. Keys, values and
 * header values are slices of the (decompressed) record bytes. Throws ProtocolError on a
 * malformed batch; the CRC is checked unless `verifyCrc` is false.
 */
export function decodeBatchDecompressing(buf: Buffer, at = 0, verifyCrc = true): DecodedBatch {
  const check = checkWireBatch(buf, at, buf.length, verifyCrc, false);
  if (check.problem) {
    throw new ProtocolError(`record batch at ${at}: ${check.problem} (${check.detail})`);
  }
  const header = readBatchHeader(buf, at);
  let body = buf.subarray(at + BATCH_HEADER_BYTES, at + check.size);
  const codec = codecFor(compressionOf(header.attributes))!;
  if (codec.type !== 0) {
    try {
      body = codec.decompress(body);
    } catch (e) {
      throw new ProtocolError(`record batch at ${at}: ${codec.name} data does not decompress (${(e as Error).message})`);
    }
  }
  const r = new Reader(body);
  const records: Record[] = new Array(Math.min(header.recordCount, body.length));
  const logAppend = (header.attributes & Attr.logAppendTime) !== 0;
  let n = 0;
  for (; n < header.recordCount && !r.bad; n++) {
    const length = r.varint();
    const startPos = r.pos;
    const attributes = r.int8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = nullableVarBytes(r);
    const value = nullableVarBytes(r);
    const headerCount = r.count(r.varint());
    const headers: RecordHeader[] = new Array(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const keyLength = r.varint();
      const hk = r.utf8Lenient(keyLength);
      headers[h] = { key: hk, value: nullableVarBytes(r) };
    }
    if (r.pos - startPos !== length) r.fail(`record ${n} length ${length} disagrees with its fields`);
    records[n] = {
      attributes,
      offset: header.baseOffset + offsetDelta,
      timestamp: logAppend ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    };
  }
  r.ensureGood(`records of the batch at ${at}`);
  if (r.remaining !== 0) throw new ProtocolError(`record batch at ${at}: ${r.remaining} bytes after the last record`);
  records.length = n;
  return { header, records };
}

function nullableVarBytes(r: Reader): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  return r.slice(n);
}

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: { key: string; value: Buffer | string | null }[];
  /** Milliseconds since the epoch; default: the batch's base timestamp. */
  timestamp?: number;
  /** Offset relative to the batch's base; default: the record's index. Compaction keeps gaps. */
  offsetDelta?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  compression?: CompressionType;
  baseTimestamp?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  timestampType?: 0 | 1;
}

const asBytes = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : v;

/** Builds a batch from records, compressing them as asked. For clients, tests and benchmarks. */
export function encodeBatch(records: RecordInput[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('a batch holds at least one record');
  const baseTimestamp = options.baseTimestamp ?? records[0]!.timestamp ?? Date.now();
  let maxTimestamp = -1;
  let lastOffsetDelta = -1;
  const body = new Writer(256);
  const scratch = new Writer(64);
  records.forEach((rec, i) => {
    const timestamp = rec.timestamp ?? baseTimestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    scratch.pos = 0;
    scratch.int8(0);
    scratch.varlong(timestamp - baseTimestamp);
    const offsetDelta = rec.offsetDelta ?? i;
    if (offsetDelta <= lastOffsetDelta) throw new RangeError('record offsets must increase within a batch');
    lastOffsetDelta = offsetDelta;
    scratch.varint(offsetDelta);
    writeVarBytes(scratch, asBytes(rec.key));
    writeVarBytes(scratch, asBytes(rec.value));
    const headers = rec.headers ?? [];
    scratch.varint(headers.length);
    for (const h of headers) {
      const k = Buffer.from(h.key);
      scratch.varint(k.length);
      scratch.bytes(k);
      writeVarBytes(scratch, asBytes(h.value));
    }
    body.varint(scratch.pos);
    body.bytes(scratch.finish());
  });
  const compression = options.compression ?? 0;
  const codec = codecFor(compression);
  if (!codec) throw new RangeError(`unknown compression ${compression}`);
  const recordBytes = compression === 0 ? body.finish() : codec.compress(body.finish());

  let attributes = compression;
  if (options.timestampType === TimestampType.LogAppendTime) attributes |= Attr.logAppendTime;
  if (options.transactional) attributes |= Attr.transactional;
  if (options.control) attributes |= Attr.control;

  const size = BATCH_HEADER_BYTES + recordBytes.length;
  const out = Buffer.allocUnsafe(size);
  const O = BATCH_OFFSETS;
  setInt64At(out, O.baseOffset, options.baseOffset ?? 0);
  out.writeInt32BE(size - BATCH_LOG_OVERHEAD, O.batchLength);
  out.writeInt32BE(options.partitionLeaderEpoch ?? -1, O.partitionLeaderEpoch);
  out.writeInt8(CURRENT_MAGIC, O.magic);
  out.writeInt16BE(attributes, O.attributes);
  out.writeInt32BE(lastOffsetDelta, O.lastOffsetDelta);
  setInt64At(out, O.baseTimestamp, baseTimestamp);
  setInt64At(out, O.maxTimestamp, maxTimestamp);
  setInt64At(out, O.producerId, options.producerId ?? NO_PRODUCER_ID);
  out.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, O.producerEpoch);
  out.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, O.baseSequence);
  out.writeInt32BE(records.length, O.recordCount);
  out.set(recordBytes, O.records);
  out.writeUInt32BE(crc32c(out, O.attributes, size), O.crc);
  return out;
}

function writeVarBytes(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.bytes(b);
}

/** Control records (transaction markers): key = version int16, type int16 (0 abort, 1 commit). */
export const ControlType = Object.freeze({ Abort: 0, Commit: 1 } as const);

export function controlRecordType(key: Buffer | null): number | undefined {
  if (!key || key.length < 4) return undefined;
  return key.readInt16BE(2);
}

export function encodeControlRecordKey(type: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt16BE(0, 0);
  b.writeInt16BE(type, 2);
  return b;
}

/** The value of an end-transaction marker: version int16, coordinatorEpoch int32. */
export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeInt16BE(0, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

/** Reads a zig-zag varint at `at`; undefined past `end` or beyond 5 bytes. */
function peekVarint(b: Buffer, at: number, end: number): { value: number; next: number } | undefined {
  let raw = 0;
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    if (at + i >= end) return undefined;
    const byte = b[at + i]!;
    raw += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value: raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, next: at + i + 1 };
  }
  return undefined;
}

/**
 * The marker of a control batch at `at` (its first record: key = version, type; value = version,
 * coordinator epoch), read from the batch's bytes up to `end` without decoding anything else;
 * undefined when the bytes there are not a whole uncompressed control record. Control batches
 * are written by the broker and never compressed.
 */
export function readControlMarker(b: Buffer, at: number, end: number): { type: number; coordinatorEpoch: number } | undefined {
  let p = at + BATCH_HEADER_BYTES;
  const length = peekVarint(b, p, end);
  if (!length) return undefined;
  p = length.next + 1; // the record's attributes
  const timestampDelta = peekVarint(b, p, end);
  if (!timestampDelta) return undefined;
  // A varlong in general; a control record's delta is 0.
  const offsetDelta = peekVarint(b, timestampDelta.next, end);
  if (!offsetDelta) return undefined;
  const keyLength = peekVarint(b, offsetDelta.next, end);
  if (!keyLength || keyLength.value < 4 || keyLength.next + keyLength.value > end) return undefined;
  const type = b.readInt16BE(keyLength.next + 2);
  const valueLength = peekVarint(b, keyLength.next + keyLength.value, end);
  if (!valueLength || valueLength.value < 6 || valueLength.next + 6 > end) return { type, coordinatorEpoch: -1 };
  return { type, coordinatorEpoch: b.readInt32BE(valueLength.next + 2) };
}
