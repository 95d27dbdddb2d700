/**
 * Batches for the validation tests, the memory test's child process and the fuzz test: records
 * written field by field (so any field can be wrong), batch headers around any records section
 * (CRC computed, so only the records are at fault), and decompression bombs of every codec made
 * without ever holding what they inflate to.
 */
import { gzipSync } from 'node:zlib';
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, BATCH_OFFSETS, computeBatchCrc, CURRENT_MAGIC } from '../../../src/protocol/records/batch.js';
import { lz4Compress } from '../../../src/protocol/records/compression/lz4.js';
import { xxhash32 } from '../../../src/protocol/records/compression/xxhash32.js';
import type { RecordChecks } from '../../../src/protocol/records/validate.js';

export const NO_BOUND = 2 ** 63;
export const NOW = 1_750_000_000_000;

export function checks(over: Partial<RecordChecks> = {}): RecordChecks {
  return {
    compacted: false,
    timestampType: 'CreateTime',
    nowMs: NOW,
    timestampBeforeMaxMs: NO_BOUND,
    timestampAfterMaxMs: NO_BOUND,
    topicPartition: 'orders-0',
    ...over,
  };
}

/** A zigzag varint (or varlong, for values within 2^53). */
export function varint(v: number): Buffer {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}

export interface RawRecord {
  attributes?: number;
  timestampDelta?: number;
  offsetDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  /** Header keys may be null here, to write a -1 key length. */
  headers?: { key: string | null; value: Buffer | string | null }[];
  /** Written instead of the real key length. */
  keyLength?: number;
  /** Added to the body's real length in the length varint. */
  lengthDelta?: number;
  /** Bytes appended to the body (counted in the length unless lengthDelta says otherwise). */
  trailing?: Buffer;
}

const bytes = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);

function field(v: Buffer | string | null | undefined, length?: number): Buffer {
  if (v === null || v === undefined) return varint(length ?? -1);
  const b = bytes(v);
  return Buffer.concat([varint(length ?? b.length), b]);
}

/** One record, length prefix included. */
export function rawRecord(r: RawRecord, index = 0): Buffer {
  const parts = [
    Buffer.from([r.attributes ?? 0]),
    varint(r.timestampDelta ?? 0),
    varint(r.offsetDelta ?? index),
    field(r.key === undefined ? `key-${index}` : r.key, r.keyLength),
    field(r.value === undefined ? `value-${index}` : r.value),
    varint(r.headers?.length ?? 0),
  ];
  for (const h of r.headers ?? []) {
    parts.push(h.key === null ? varint(-1) : field(h.key), field(h.value));
  }
  if (r.trailing) parts.push(r.trailing);
  const body = Buffer.concat(parts);
  return Buffer.concat([varint(body.length + (r.lengthDelta ?? 0)), body]);
}

export function rawRecords(records: RawRecord[]): Buffer {
  return Buffer.concat(records.map((r, i) => rawRecord(r, i)));
}

export interface BatchShape {
  /** recordCount; lastOffsetDelta is written as count - 1, as checkWireBatch requires. */
  count: number;
  compression?: number;
  baseOffset?: number;
  baseTimestamp?: number;
  maxTimestamp?: number;
  logAppendTime?: boolean;
}

/** A batch header (CRC computed) around a records section, compressed or not as given. */
export function batchAround(records: Uint8Array, shape: BatchShape): Buffer {
  const O = BATCH_OFFSETS;
  const b = Buffer.alloc(BATCH_HEADER_BYTES + records.length);
  b.writeBigInt64BE(BigInt(shape.baseOffset ?? 0), O.baseOffset);
  b.writeInt32BE(b.length - BATCH_LOG_OVERHEAD, O.batchLength);
  b.writeInt32BE(-1, O.partitionLeaderEpoch);
  b.writeInt8(CURRENT_MAGIC, O.magic);
  b.writeInt16BE((shape.compression ?? 0) | (shape.logAppendTime ? 0x08 : 0), O.attributes);
  b.writeInt32BE(shape.count - 1, O.lastOffsetDelta);
  b.writeBigInt64BE(BigInt(shape.baseTimestamp ?? NOW), O.baseTimestamp);
  b.writeBigInt64BE(BigInt(shape.maxTimestamp ?? shape.baseTimestamp ?? NOW), O.maxTimestamp);
  b.writeBigInt64BE(-1n, O.producerId);
  b.writeInt16BE(-1, O.producerEpoch);
  b.writeInt32BE(-1, O.baseSequence);
  b.writeInt32BE(shape.count, O.recordCount);
  b.set(records, BATCH_HEADER_BYTES);
  b.writeUInt32BE(computeBatchCrc(b, 0), O.crc);
  return b;
}

/** How many records a records section holds (walking the length prefixes). */
export function countRecords(section: Buffer): number {
  let n = 0;
  for (let p = 0; p < section.length; n++) {
    let raw = 0;
    let shift = 0;
    let b: number;
    do {
      b = section[p++]!;
      raw += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    p += raw / 2;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Bombs. Each is the records section of a batch, compressed, small on the wire.

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

/** gzip members of 64 MiB of zeros each, concatenated: 1 GiB of zeros in about 1 MiB. */
export function gzipZeros(total = GiB): Buffer {
  const member = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(total / (64 * MiB)) }, () => member));
}

/** One LZ4 frame whose 64 KiB blocks of zeros add up to `total` bytes (1 GiB in ~4 MiB). */
export function lz4Zeros(total = GiB): Buffer {
  const one = lz4Compress(Buffer.alloc(64 * 1024));
  // lz4Compress wrote header (7) + one block + end mark (4): repeat the block.
  const block = one.subarray(7, one.length - 4);
  const n = Math.ceil(total / (64 * 1024));
  return Buffer.concat([one.subarray(0, 7), Buffer.concat(Array.from({ length: n }, () => block)), Buffer.alloc(4)]);
}

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** A zstd block header: last flag, type (0 raw, 1 RLE, 2 compressed), size. */
function zstdBlockHeader(last: boolean, type: number, size: number): Buffer {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3);
  return Buffer.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff]);
}

/**
 * A zstd frame without a content size (window 8 MiB) made of `prefix` as a raw block, then RLE
 * blocks of 128 KiB of `fill` adding up to `total` bytes: 1 GiB of zeros in about 32 KiB.
 */
export function zstdRle(total = GiB, prefix: Buffer = Buffer.alloc(0), fill = 0): Buffer {
  const parts: Buffer[] = [ZSTD_MAGIC, Buffer.from([0x00, (23 - 10) << 3])];
  if (prefix.length > 0) parts.push(zstdBlockHeader(false, 0, prefix.length), prefix);
  const block = 128 * 1024;
  const n = Math.ceil(total / block);
  const rle = Buffer.concat([zstdBlockHeader(false, 1, block), Buffer.from([fill])]);
  for (let i = 0; i < n - 1; i++) parts.push(rle);
  parts.push(zstdBlockHeader(true, 1, block), Buffer.from([fill]));
  return Buffer.concat(parts);
}

/** A zstd frame header claiming `size` bytes of content (8-byte content size field), then one empty block. */
export function zstdClaiming(size: number): Buffer {
  const fcs = Buffer.alloc(8);
  fcs.writeBigUInt64LE(BigInt(size));
  return Buffer.concat([ZSTD_MAGIC, Buffer.from([0xc0, (23 - 10) << 3]), fcs, zstdBlockHeader(true, 0, 0)]);
}

/** An LZ4 frame header claiming `size` bytes of content, then one small block of zeros. */
export function lz4Claiming(size: number): Buffer {
  const head = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0, 0, 0, 0, 0]);
  head.writeBigUInt64LE(BigInt(size), 6);
  const hc = (xxhash32(head, 4, 14) >>> 8) & 0xff;
  const block = lz4Compress(Buffer.alloc(1024)).subarray(7);
  return Buffer.concat([head, Buffer.from([hc]), block]);
}

/** A raw snappy block whose length preamble claims `size` bytes, then one literal. */
export function snappyClaiming(size: number): Buffer {
  const out: number[] = [];
  let z = size;
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from([...out, 0x00, 0x00]);
}

/** A raw snappy block of `total` zeros (under 2^32): one literal, then 64-byte copies of it. */
export function snappyZeros(total: number): Buffer {
  const head = snappyClaiming(total).subarray(0, -2);
  const copies = Math.floor((total - 1) / 64);
  const tail = total - 1 - copies * 64;
  const body = Buffer.alloc(2 + copies * 3 + (tail > 0 ? 3 : 0));
  body[0] = 0x00; // literal of 1 byte
  body[1] = 0x00;
  let p = 2;
  for (let i = 0; i < copies; i++) {
    body[p++] = (63 << 2) | 2; // copy, 2-byte offset, length 64
    body[p++] = 1;
    body[p++] = 0;
  }
  if (tail > 0) {
    body[p++] = ((tail - 1) << 2) | 2;
    body[p++] = 1;
    body[p++] = 0;
  }
  return Buffer.concat([head, body]);
}

/**
 * The start of one record whose value is `valueBytes` long, up to the value's first byte: what
 * a bomb made of valid-looking records begins with.
 */
export function recordHeadFor(valueBytes: number, index = 0): Buffer {
  const fields = Buffer.concat([Buffer.from([0]), varint(0), varint(index), varint(-1), varint(valueBytes)]);
  const bodyLength = fields.length + valueBytes + 1; // + header count
  return Buffer.concat([varint(bodyLength), fields]);
}
