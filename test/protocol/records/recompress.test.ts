import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { batchPositions, checkWireBatch, compressionOf, decodeBatchDecompressing, encodeBatch, type RecordInput } from '../../../src/protocol/records/batch.js';
import { codecFor, CompressionType } from '../../../src/protocol/records/compression/index.js';
import { lz4Compress } from '../../../src/protocol/records/compression/lz4.js';
import { snappyCompress } from '../../../src/protocol/records/compression/snappy.js';
import { ZSTD_FRAME_INPUT_BYTES, zstdCompress } from '../../../src/protocol/records/compression/zstd-compress.js';
import { zstdDecompress } from '../../../src/protocol/records/compression/zstd.js';
import { RecompressError, recompressRecordSet } from '../../../src/protocol/records/recompress.js';
import { validateBatchRecords } from '../../../src/protocol/records/validate.js';
import { recordBatchPayload } from './compression/samples.js';
import { batchAround, checks, countRecords, gzipZeros, NOW, zstdClaiming } from './validate-samples.js';

const CODECS = [0, 1, 2, 3, 4] as const;
const name = (c: number) => codecFor(c)!.name;

function refusal(f: () => unknown): RecompressError {
  try {
    f();
  } catch (e) {
    if (e instanceof RecompressError) return e;
    throw e;
  }
  throw new Error('expected a RecompressError');
}

const records: RecordInput[] = Array.from({ length: 300 }, (_, i) => ({
  key: `k${i}`,
  value: Buffer.from(`value ${i} `.repeat(1 + (i % 40))),
  headers: i % 5 === 0 ? [{ key: 'h', value: 'x' }] : [],
  timestamp: NOW + i,
}));

for (const from of CODECS) {
  for (const to of CODECS) {
    if (from === to) continue;
    test(`recompressing ${name(from)} to ${name(to)} keeps every record and header field, and the result validates`, () => {
      const batch = encodeBatch(records, { compression: from, baseTimestamp: NOW, producerId: 7, producerEpoch: 1, baseSequence: 40 });
      const out = recompressRecordSet(batch, to, { checks: checks() });
      assert.is(checkWireBatch(out, 0).problem, undefined);
      assert.is(compressionOf(out.readInt16BE(21)), to);
      assert.ok(out.subarray(23, 61).equals(batch.subarray(23, 61)), 'the header after the attributes is kept');
      assert.equal(validateBatchRecords(out, 0, out.length, checks()), { errorCode: 0 });
      assert.equal(decodeBatchDecompressing(out).records, decodeBatchDecompressing(batch).records);
    });
  }
}

test('the streaming encoders write what the whole-buffer compressors write', () => {
  const section = recordBatchPayload(700 * 1024, 4);
  const count = countRecords(section);
  const batch = batchAround(section, { count });
  const body = (to: number) => recompressRecordSet(batch, to, { checks: checks() }).subarray(61);
  assert.ok(body(CompressionType.Lz4).equals(lz4Compress(section)));
  assert.ok(body(CompressionType.Snappy).equals(snappyCompress(section)));
  assert.ok(body(CompressionType.Zstd).equals(zstdCompress(section)));
  assert.ok(gunzipSync(body(CompressionType.Gzip)).equals(section));
});

test('records inflating past ZSTD_FRAME_INPUT_BYTES become zstd frames one after another', () => {
  const section = recordBatchPayload(ZSTD_FRAME_INPUT_BYTES * 2 + 5000, 9);
  const batch = batchAround(section, { count: countRecords(section) });
  const out = recompressRecordSet(batch, CompressionType.Zstd, { checks: checks() });
  assert.ok(zstdDecompress(out.subarray(61)).equals(section));
  assert.equal(validateBatchRecords(out, 0, out.length, checks()), { errorCode: 0 });
});

test('a record set of several batches is rewritten batch by batch; a batch already in the codec is copied', () => {
  const a = encodeBatch(records.slice(0, 10), { compression: 1, baseTimestamp: NOW });
  const b = encodeBatch(records.slice(10, 20), { compression: 3, baseTimestamp: NOW });
  const out = recompressRecordSet(Buffer.concat([a, b]), CompressionType.Lz4, { checks: checks() });
  const positions = [...batchPositions(out)];
  assert.is(positions.length, 2);
  assert.ok(out.subarray(positions[1]!.at).equals(b));
  assert.equal(decodeBatchDecompressing(out, 0).records, decodeBatchDecompressing(a).records);
});

test('a bomb is refused as the log refuses it, before it is inflated whole', () => {
  const zeros = batchAround(gzipZeros(), { count: 100, compression: CompressionType.Gzip });
  const started = Date.now();
  const e = refusal(() => recompressRecordSet(zeros, CompressionType.Lz4, { checks: checks() }));
  assert.is(e.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(e.refusal, validateBatchRecords(zeros, 0, zeros.length, checks()));
  const claim = batchAround(zstdClaiming(2 ** 40), { count: 1, compression: CompressionType.Zstd });
  assert.is(refusal(() => recompressRecordSet(claim, CompressionType.Gzip, { checks: checks() })).errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.ok(Date.now() - started < 2000);
});

test('keyless records on a compacted topic are refused with the per-record errors and Kafka\'s message', () => {
  const batch = encodeBatch([{ key: null, value: 'a' }, { key: 'k', value: 'b' }, { key: null, value: 'c' }], { compression: 1, baseTimestamp: NOW });
  const e = refusal(() => recompressRecordSet(batch, CompressionType.Zstd, { checks: checks({ compacted: true }) }));
  assert.is(e.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(e.refusal.recordErrors!.map((r) => r.batchIndex), [0, 2]);
  assert.match(e.refusal.errorMessage!, /^One or more records have been rejected due to 2 record errors in total/);
});

test('a batch that does not pass checkWireBatch keeps its answer', () => {
  const batch = encodeBatch(records.slice(0, 3), { compression: 1 });
  batch[batch.length - 1]! ^= 1;
  const e = refusal(() => recompressRecordSet(batch, CompressionType.Lz4, { checks: checks() }));
  assert.is(e.errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.is(e.message, 'CRC mismatch');
});

test('a rewrite growing past maxBatchBytes is MESSAGE_TOO_LARGE, stopped as soon as it does', () => {
  const section = recordBatchPayload(2 * 1024 * 1024, 3);
  const batch = batchAround(zstdCompress(section), { count: countRecords(section), compression: CompressionType.Zstd });
  const e = refusal(() => recompressRecordSet(batch, CompressionType.None, { checks: checks(), maxBatchBytes: 1024 * 1024 }));
  assert.is(e.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  assert.match(e.message, /max\.message\.bytes 1048576/);
});

test.run();
