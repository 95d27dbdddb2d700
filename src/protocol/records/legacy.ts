/**
 * Message sets of magic 0 and 1, which Produce v0-2 may carry, converted to one record batch of
 * magic 2 before they reach a log, as Kafka 3.x converts them (LogValidator: the log holds magic
 * 2 only since message.format.version stopped mattering in 3.0). Producers that still write them
 * are the old ones: librdkafka with api.version.request=false and broker.version.fallback below
 * 0.10.0, or clients from before Kafka 0.11. Kafka 4.0 dropped these versions (KIP-896); Spindle
 * serves Kafka 3.9's.
 *
 *   entry    offset int64 | size int32 | message (size bytes)
 *   message  crc int32 (CRC-32 of the rest) | magic int8 | attributes int8 |
 *            timestamp int64 (magic 1 only) | key (int32 length, -1 null) | value (same)
 *
 * attributes: bits 0-2 compression (none, gzip, snappy, lz4; zstd needs magic 2), bit 3 the
 * timestamp type (magic 1). A compressed message is a wrapper: its value is a whole message set
 * of the same magic, compressed, whose messages are not compressed again.
 *
 * The result is what Kafka's conversion writes: every message of the set, in order, one record
 * each, in one batch with no producer id; magic 0 messages get timestamp -1 (NO_TIMESTAMP),
 * magic 1 messages keep theirs (or the wrapper's, when the wrapper says LogAppendTime). The
 * batch is compressed with the topic's compression.type, or for `producer` with the producer's
 * codec, as Kafka keeps it. Offsets the
 * producer wrote are ignored, as the log assigns them. The log then validates the batch as any
 * other (key on compacted topics, timestamps, size) and applies LogAppendTime.
 *
 * A message set that cannot be right is refused as Kafka refuses it, with a RecompressError
 * carrying the answer (the same plain data a refused recompression carries, so it crosses from
 * the pool thread the same way): a CRC mismatch, a length past its message or a truncated
 * message CORRUPT_MESSAGE; a wrapper holding compressed or other-magic messages, or none,
 * INVALID_RECORD; zstd UNSUPPORTED_COMPRESSION_TYPE.
 *
 * Memory: each wrapper is inflated whole (compression/window.ts decompressWhole), and all of a
 * set's wrappers together to at most LEGACY_MAX_INFLATED_BYTES (refused with CORRUPT_MESSAGE
 * past it, as a decompression bomb); the batch built from them is about as large again before
 * it is compressed. The CRC is node:zlib's CRC-32 (java.util.zip.CRC32's). This is the only
 * place the broker decodes records one by one on the produce path: it is the old formats' path,
 * off the serving threads (workers/pool-tasks.ts), and magic 2 never comes here.
 *
 * Pure; any thread.
 */
import { crc32 } from 'node:zlib';
import { ErrorCode } from '../errors.js';
import { encodeBatch, type RecordInput, TimestampType } from './batch.js';
import { StreamError } from './compression/errors.js';
import { CompressionType, codecFor, streamDecoderFor } from './compression/index.js';
import { lz4WithHeaderChecksum } from './compression/lz4.js';
import { decompressWhole } from './compression/window.js';
import { RecompressError } from './recompress.js';

/** How many bytes all of one message set's wrappers may inflate to together. */
export const LEGACY_MAX_INFLATED_BYTES = 32 * 1024 * 1024;

/** offset int64 and size int32 before each message. */
const ENTRY_OVERHEAD = 12;
/** crc, magic, attributes, key length, value length. */
const MESSAGE_MIN_BYTES = [14, 22] as const;
const TIMESTAMP_TYPE_BIT = 0x08;
const CODEC_MASK = 0x07;
const NO_TIMESTAMP = -1;

/** The magic of the first entry of a Produce record set, or -1 when it is too short to say. */
export function recordSetMagic(data: Uint8Array): number {
  return data.length > 16 ? (data[16]! << 24) >> 24 : -1;
}

function refuse(errorCode: number, detail: string): never {
  throw new RecompressError({ errorCode, detail });
}

function int64At(b: Buffer, at: number): number {
  return b.readInt32BE(at) * 4294967296 + b.readUInt32BE(at + 4);
}

interface Message {
  magic: number;
  attributes: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** The messages of buf[start, end), checked; a message set must hold whole messages only. */
function readMessages(buf: Buffer, start: number, end: number, where: string): Message[] {
  const out: Message[] = [];
  let at = start;
  while (at < end) {
    if (end - at < ENTRY_OVERHEAD) refuse(ErrorCode.CORRUPT_MESSAGE, `${where}: ${end - at} bytes cannot hold a message`);
    const size = buf.readInt32BE(at + 8);
    const m = at + ENTRY_OVERHEAD;
    if (size < MESSAGE_MIN_BYTES[0] || size > end - m) refuse(ErrorCode.CORRUPT_MESSAGE, `${where}: message size ${size} does not fit`);
    const magic = buf.readInt8(m + 4);
    if (magic !== 0 && magic !== 1) refuse(ErrorCode.CORRUPT_MESSAGE, `${where}: magic ${magic} in a message set of magic 0 or 1`);
    if (size < MESSAGE_MIN_BYTES[magic]) refuse(ErrorCode.CORRUPT_MESSAGE, `${where}: message size ${size} is below the minimum for magic ${magic}`);
    const stored = buf.readUInt32BE(m);
    const computed = crc32(buf.subarray(m + 4, m + size));
    if (stored !== computed) refuse(ErrorCode.CORRUPT_MESSAGE, `Record is corrupt (stored crc = ${stored}, computed crc = ${computed})`);
    const attributes = buf.readInt8(m + 5);
    let p = m + 6;
    const timestamp = magic === 1 ? int64At(buf, p) : NO_TIMESTAMP;
    if (magic === 1) p += 8;
    const messageEnd = m + size;
    const bytes = (): Buffer | null => {
      if (messageEnd - p < 4) refuse(ErrorCode.CORRUPT_MESSAGE, `${where}: truncated message`);
      const n = buf.readInt32BE(p);
      p += 4;
      if (n < 0) return null;
      if (n > messageEnd - p) refuse(ErrorCode.CORRUPT_MESSAGE, `${where}: length ${n} runs past its message`);
      p += n;
      return buf.subarray(p - n, p);
    };
    const key = bytes();
    const value = bytes();
    if (p !== messageEnd) refuse(ErrorCode.CORRUPT_MESSAGE, `${where}: ${messageEnd - p} bytes after the value`);
    out.push({ magic, attributes, timestamp, key, value });
    at = messageEnd;
  }
  return out;
}

function inflate(codec: number, magic: number, value: Buffer, allowance: number): Buffer {
  // Magic 0's LZ4 frames carry a header checksum computed over the wrong bytes (KAFKA-3160),
  // which Kafka ignores for them: it is put right here, so the decoder's check passes.
  const data = codec === CompressionType.Lz4 && magic === 0 ? lz4WithHeaderChecksum(value) : value;
  try {
    return decompressWhole(codecFor(codec)!.name, streamDecoderFor(codec)!, data, allowance);
  } catch (e) {
    if (e instanceof StreamError) refuse(ErrorCode.CORRUPT_MESSAGE, e.message);
    throw e;
  }
}

/**
 * The message set `data` (magic 0 or 1) as one batch of magic 2 compressed with `codec`, or, when
 * it is null (compression.type=producer), with the codec Kafka keeps: that of the set's last
 * compressed message, none when none is.
 */
export function convertLegacyMessageSet(data: Uint8Array, codec: number | null): Buffer {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const records: RecordInput[] = [];
  let inflated = 0;
  let source: number = CompressionType.None;
  for (const outer of readMessages(buf, 0, buf.length, 'message set')) {
    const c = outer.attributes & CODEC_MASK;
    if (c !== CompressionType.None) source = c;
    if (c === CompressionType.None) {
      records.push({ key: outer.key, value: outer.value, timestamp: outer.timestamp });
      continue;
    }
    if (c === CompressionType.Zstd) refuse(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd compression needs magic 2 (Produce v3 or later)');
    if (c > CompressionType.Zstd) refuse(ErrorCode.CORRUPT_MESSAGE, `unknown compression ${c}`);
    if (outer.value === null) refuse(ErrorCode.INVALID_RECORD, 'Found invalid compressed record set with null value');
    const inner = inflate(c, outer.magic, outer.value, LEGACY_MAX_INFLATED_BYTES - inflated);
    inflated += inner.length;
    const messages = readMessages(inner, 0, inner.length, 'compressed message set');
    if (messages.length === 0) refuse(ErrorCode.INVALID_RECORD, 'Found invalid compressed record set with no inner records');
    const appendTime = outer.magic === 1 && (outer.attributes & TIMESTAMP_TYPE_BIT) !== 0;
    for (const m of messages) {
      if (m.magic !== outer.magic) refuse(ErrorCode.INVALID_RECORD, `Compressed message has magic ${outer.magic} but an inner message has magic ${m.magic}`);
      if ((m.attributes & CODEC_MASK) !== 0) refuse(ErrorCode.INVALID_RECORD, 'Compressed outer record should not have an inner record with a compression attribute set');
      records.push({ key: m.key, value: m.value, timestamp: appendTime ? outer.timestamp : m.timestamp });
    }
  }
  if (records.length === 0) refuse(ErrorCode.CORRUPT_MESSAGE, 'no message in the message set');
  return encodeBatch(records, {
    compression: (codec ?? source) as CompressionType,
    baseTimestamp: records[0]!.timestamp!,
    timestampType: TimestampType.CreateTime,
  });
}
