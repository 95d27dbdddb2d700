/**
 * protocol/records/legacy.ts: message sets of magic 0 and 1 (Produce v0-2) converted to one
 * batch of magic 2 as Kafka 3.x converts them, and refused with Kafka's codes when they cannot
 * be right.
 */
import { gzipSync, crc32 as zlibCrc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { BATCH_OFFSETS, checkWireBatch, compressionOf, decodeBatchDecompressing } from '../../../src/protocol/records/batch.js';
import { CompressionType, codecFor } from '../../../src/protocol/records/compression/index.js';
import { convertLegacyMessageSet, LEGACY_MAX_INFLATED_BYTES, recordSetMagic } from '../../../src/protocol/records/legacy.js';
import { RecompressError } from '../../../src/protocol/records/recompress.js';
import { legacyEntry, legacySet } from '../../helpers/legacy-messages.js';

function refusal(f: () => unknown): { code: number; detail: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof RecompressError) return { code: e.errorCode, detail: e.refusal.detail };
    throw e;
  }
  throw new Error('not refused');
}

/** A wrapper message: `inner` compressed with `codec` as its value. */
function wrapper(magic: 0 | 1, codec: number, inner: Buffer, extra: { timestamp?: number; attributes?: number } = {}): Buffer {
  return legacyEntry(magic, { value: codecFor(codec)!.compress(inner), attributes: codec | (extra.attributes ?? 0), timestamp: extra.timestamp });
}

test('magic 0, uncompressed: one batch of magic 2, every message in order, timestamp -1, no producer id, null keys and values kept', () => {
  const set = legacySet(0, [{ key: 'k1', value: 'a' }, { key: null, value: 'b' }, { key: 'k3', value: null }]);
  assert.is(recordSetMagic(set), 0);
  const batch = convertLegacyMessageSet(set, null);
  assert.equal(checkWireBatch(batch, 0), { at: 0, size: batch.length });
  const d = decodeBatchDecompressing(batch);
  assert.equal(d.records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp, r.headers.length]), [
    [0, 'k1', 'a', -1, 0],
    [1, null, 'b', -1, 0],
    [2, 'k3', null, -1, 0],
  ]);
  assert.equal([d.header.producerId, d.header.producerEpoch, d.header.baseSequence, d.header.maxTimestamp], [-1, -1, -1, -1]);
  assert.is(compressionOf(d.header.attributes), CompressionType.None);
});

test('magic 1 keeps each timestamp; the producer offsets are ignored', () => {
  const set = legacySet(1, [
    { key: 'a', value: '1', timestamp: 1_700_000_000_000, offset: 900 },
    { key: 'b', value: '2', timestamp: 1_700_000_000_500, offset: 17 },
  ]);
  const d = decodeBatchDecompressing(convertLegacyMessageSet(set, null));
  assert.equal(d.records.map((r) => [r.offset, r.timestamp]), [[0, 1_700_000_000_000], [1, 1_700_000_000_500]]);
  assert.is(d.header.maxTimestamp, 1_700_000_000_500);
});

for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4]) {
  for (const magic of [0, 1] as const) {
    test(`magic ${magic}, ${codecFor(codec)!.name} wrappers: their inner messages, compressed as the producer did unless the topic names a codec`, () => {
      const first = legacySet(magic, [{ key: 'x', value: 'one', timestamp: 10 }, { key: 'y', value: 'two', timestamp: 11 }]);
      const second = legacySet(magic, [{ key: 'z', value: 'three', timestamp: 12 }]);
      const set = Buffer.concat([wrapper(magic, codec, first), wrapper(magic, codec, second)]);
      for (const target of [null, CompressionType.None, CompressionType.Zstd]) {
        const batch = convertLegacyMessageSet(set, target);
        const d = decodeBatchDecompressing(batch);
        assert.is(compressionOf(d.header.attributes), target ?? codec);
        assert.equal(d.records.map((r) => [r.offset, r.key!.toString(), r.value!.toString(), r.timestamp]), [
          [0, 'x', 'one', magic === 1 ? 10 : -1],
          [1, 'y', 'two', magic === 1 ? 11 : -1],
          [2, 'z', 'three', magic === 1 ? 12 : -1],
        ]);
      }
    });
  }
}

test('a magic 1 wrapper that says LogAppendTime gives its timestamp to its messages', () => {
  const inner = legacySet(1, [{ value: 'a', timestamp: 5 }, { value: 'b', timestamp: 6 }]);
  const set = wrapper(1, CompressionType.Gzip, inner, { timestamp: 1234, attributes: 0x08 });
  assert.equal(decodeBatchDecompressing(convertLegacyMessageSet(set, null)).records.map((r) => r.timestamp), [1234, 1234]);
});

test("magic 0's LZ4 frames with the header checksum over the wrong bytes (KAFKA-3160) are read; magic 1's are checked", () => {
  const inner = legacySet(0, [{ value: 'lz4 of the old kind' }]);
  const frame = Buffer.from(codecFor(CompressionType.Lz4)!.compress(inner));
  frame[6] = (frame[6]! + 1) & 0xff; // FLG and BD have no content size here: the checksum is byte 6
  const old = legacyEntry(0, { value: frame, attributes: CompressionType.Lz4 });
  assert.equal(decodeBatchDecompressing(convertLegacyMessageSet(old, null)).records.map((r) => r.value!.toString()), ['lz4 of the old kind']);
  const inner1 = legacySet(1, [{ value: 'lz4 of the old kind' }]);
  const frame1 = Buffer.from(codecFor(CompressionType.Lz4)!.compress(inner1));
  frame1[6] = (frame1[6]! + 1) & 0xff;
  assert.is(refusal(() => convertLegacyMessageSet(legacyEntry(1, { value: frame1, attributes: CompressionType.Lz4 }), null)).code, ErrorCode.CORRUPT_MESSAGE);
});

test('refused as Kafka refuses them: a bad CRC, a truncated or overlong message, zstd, compressed or other-magic inner messages, an empty wrapper', () => {
  const good = legacySet(1, [{ key: 'k', value: 'v', timestamp: 1 }]);
  const badCrc = Buffer.from(good);
  badCrc[good.length - 1] ^= 0xff;
  const r = refusal(() => convertLegacyMessageSet(badCrc, null));
  assert.is(r.code, ErrorCode.CORRUPT_MESSAGE);
  assert.match(r.detail, /^Record is corrupt \(stored crc = \d+, computed crc = \d+\)$/);
  assert.is(refusal(() => convertLegacyMessageSet(good.subarray(0, good.length - 3), null)).code, ErrorCode.CORRUPT_MESSAGE, 'truncated');
  assert.is(refusal(() => convertLegacyMessageSet(Buffer.concat([good, Buffer.alloc(5)]), null)).code, ErrorCode.CORRUPT_MESSAGE, 'trailing bytes');
  const longKey = Buffer.from(good);
  longKey.writeInt32BE(1000, 12 + 4 + 10); // the key length, past the message
  longKey.writeUInt32BE(zlibCrc32(longKey.subarray(16)), 12);
  assert.is(refusal(() => convertLegacyMessageSet(longKey, null)).code, ErrorCode.CORRUPT_MESSAGE, 'a length past its message');
  assert.is(refusal(() => convertLegacyMessageSet(legacyEntry(1, { value: 'x', attributes: CompressionType.Zstd }), null)).code, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  const nested = wrapper(1, CompressionType.Gzip, wrapper(1, CompressionType.Gzip, good));
  assert.is(refusal(() => convertLegacyMessageSet(nested, null)).code, ErrorCode.INVALID_RECORD, 'a compressed inner message');
  const mixed = wrapper(1, CompressionType.Gzip, legacySet(0, [{ value: 'v' }]));
  assert.is(refusal(() => convertLegacyMessageSet(mixed, null)).code, ErrorCode.INVALID_RECORD, 'an inner message of another magic');
  assert.is(refusal(() => convertLegacyMessageSet(wrapper(1, CompressionType.Gzip, Buffer.alloc(0)), null)).code, ErrorCode.INVALID_RECORD, 'an empty wrapper');
  assert.is(refusal(() => convertLegacyMessageSet(legacyEntry(1, { value: null, attributes: CompressionType.Gzip }), null)).code, ErrorCode.INVALID_RECORD, 'a null wrapper');
  assert.is(refusal(() => convertLegacyMessageSet(Buffer.alloc(0), null)).code, ErrorCode.CORRUPT_MESSAGE, 'no message');
});

test(`a wrapper that inflates past LEGACY_MAX_INFLATED_BYTES (${LEGACY_MAX_INFLATED_BYTES >> 20} MiB) is refused as a bomb as soon as it passes the limit`, () => {
  const zeros = Buffer.alloc(LEGACY_MAX_INFLATED_BYTES + 1024 * 1024);
  const bomb = legacyEntry(1, { value: gzipSync(zeros, { level: 9 }), attributes: CompressionType.Gzip });
  assert.ok(bomb.length < 200_000, 'the bomb is small');
  const r = refusal(() => convertLegacyMessageSet(bomb, null));
  assert.is(r.code, ErrorCode.CORRUPT_MESSAGE);
  assert.match(r.detail, /exceeds the limit/);
});

test('recordSetMagic reads the first entry\'s magic byte, -1 for a set too short to say', () => {
  assert.is(recordSetMagic(legacySet(1, [{ value: 'v' }])), 1);
  assert.is(recordSetMagic(Buffer.alloc(10)), -1);
  const v2 = Buffer.alloc(61);
  v2[BATCH_OFFSETS.magic] = 2;
  assert.is(recordSetMagic(v2), 2);
});

test.run();
