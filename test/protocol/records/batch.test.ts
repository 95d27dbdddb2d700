import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtocolError } from '../../../src/protocol/codec/errors.js';
import {
  BATCH_HEADER_BYTES,
  BATCH_OFFSETS,
  batchPositions,
  checkWireBatch,
  computeBatchCrc,
  ControlType,
  controlRecordType,
  decodeBatchDecompressing,
  encodeBatch,
  encodeControlRecordKey,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
} from '../../../src/protocol/records/batch.js';
import { CompressionType } from '../../../src/protocol/records/compression/index.js';

const require = createRequire(import.meta.url);
const kafkajsRecordBatch = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch;
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const kafkajsBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const KafkajsDecoder = require('kafkajs/src/protocol/decoder');

const sample = [
  { key: 'k1', value: 'hello', headers: [{ key: 'h', value: 'v' }], timestamp: 1_700_000_000_000 },
  { key: null, value: 'no key', timestamp: 1_700_000_000_005 },
  { key: 'k3', value: null, headers: [{ key: 'empty', value: null }], timestamp: 1_700_000_000_002 },
];

test('a batch round-trips keys, values, headers, offsets and timestamps', () => {
  const batch = encodeBatch(sample, { baseOffset: 40 });
  const { header, records } = decodeBatchDecompressing(batch);
  assert.is(header.baseOffset, 40);
  assert.is(header.recordCount, 3);
  assert.is(header.lastOffsetDelta, 2);
  assert.is(header.maxTimestamp, 1_700_000_000_005);
  assert.equal(records.map((r) => r.offset), [40, 41, 42]);
  assert.equal(records.map((r) => r.timestamp), [1_700_000_000_000, 1_700_000_000_005, 1_700_000_000_002]);
  assert.equal(records.map((r) => r.key?.toString() ?? null), ['k1', null, 'k3']);
  assert.equal(records.map((r) => r.value?.toString() ?? null), ['hello', 'no key', null]);
  assert.is(records[0]!.headers[0]!.key, 'h');
  assert.is(records[0]!.headers[0]!.value!.toString(), 'v');
  assert.is(records[2]!.headers[0]!.value, null);
});

test('a gzip batch round-trips and carries its codec in the attributes', () => {
  const batch = encodeBatch(sample, { compression: CompressionType.Gzip });
  assert.is(readBatchHeader(batch).attributes & 7, CompressionType.Gzip);
  const { records } = decodeBatchDecompressing(batch);
  assert.equal(records.map((r) => r.value?.toString() ?? null), ['hello', 'no key', null]);
});

test('rewriting the base offset in place leaves the CRC valid', () => {
  const batch = encodeBatch(sample);
  const crc = readBatchHeader(batch).crc;
  setBaseOffset(batch, 0, 123_456_789_012);
  assert.is(readBatchHeader(batch).baseOffset, 123_456_789_012);
  assert.is(computeBatchCrc(batch), crc);
  assert.is(checkWireBatch(batch, 0).problem, undefined);
});

test('setting LogAppendTime updates the timestamps and recomputes the CRC', () => {
  const batch = encodeBatch(sample);
  setLogAppendTime(batch, 0, 1_800_000_000_000);
  assert.is(checkWireBatch(batch, 0).problem, undefined);
  const { records } = decodeBatchDecompressing(batch);
  assert.ok(records.every((r) => r.timestamp === 1_800_000_000_000));
});

test('checkWireBatch names each kind of bad batch as Kafka would answer it', () => {
  const good = encodeBatch(sample);
  assert.is(checkWireBatch(good, 0).problem, undefined);

  const flipped = Buffer.from(good);
  flipped[BATCH_HEADER_BYTES + 2]! ^= 0xff;
  assert.is(checkWireBatch(flipped, 0).problem, 'CORRUPT_MESSAGE');

  const oldMagic = Buffer.from(good);
  oldMagic[BATCH_OFFSETS.magic] = 1;
  assert.is(checkWireBatch(oldMagic, 0).problem, 'UNSUPPORTED_VERSION');

  assert.is(checkWireBatch(good.subarray(0, good.length - 1), 0).problem, 'CORRUPT_MESSAGE');
  assert.is(checkWireBatch(good.subarray(0, 20), 0).problem, 'CORRUPT_MESSAGE');

  const badCount = Buffer.from(good);
  badCount.writeInt32BE(7, BATCH_OFFSETS.recordCount);
  badCount.writeUInt32BE(computeBatchCrc(badCount), BATCH_OFFSETS.crc);
  assert.is(checkWireBatch(badCount, 0).problem, 'INVALID_RECORD');

  const badCodec = Buffer.from(good);
  badCodec.writeInt16BE(7, BATCH_OFFSETS.attributes);
  badCodec.writeUInt32BE(computeBatchCrc(badCodec), BATCH_OFFSETS.crc);
  assert.is(checkWireBatch(badCodec, 0).problem, 'UNSUPPORTED_COMPRESSION_TYPE');

  const negativeLength = Buffer.from(good);
  negativeLength.writeInt32BE(-5, BATCH_OFFSETS.batchLength);
  assert.is(checkWireBatch(negativeLength, 0).problem, 'CORRUPT_MESSAGE');
});

test('batchPositions walks a record set and skips a trailing partial batch', () => {
  const a = encodeBatch(sample, { baseOffset: 0 });
  const b = encodeBatch(sample.slice(0, 1), { baseOffset: 3 });
  const set = Buffer.concat([a, b, b.subarray(0, 30)]);
  assert.equal([...batchPositions(set)], [
    { at: 0, size: a.length },
    { at: a.length, size: b.length },
  ]);
});

test('decoding a corrupted batch throws a ProtocolError, never anything else', () => {
  const good = encodeBatch(sample, { compression: CompressionType.Gzip });
  for (let i = 0; i < good.length; i++) {
    const bad = Buffer.from(good);
    bad[i]! ^= 0x5a;
    try {
      decodeBatchDecompressing(bad, 0, false);
    } catch (e) {
      assert.instance(e, ProtocolError, `byte ${i}`);
    }
  }
});

test('a batch made by kafkajs decodes with its CRC valid', async () => {
  const records = [
    kafkajsRecord({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('a'), value: Buffer.from('first'), headers: { trace: 'x1' } }),
    kafkajsRecord({ offsetDelta: 1, timestampDelta: 5, key: Buffer.from('b'), value: Buffer.from('second') }),
  ];
  const encoder = await kafkajsRecordBatch({
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_005,
    lastOffsetDelta: 1,
    records,
    compression: 1,
  });
  const batch = encoder.buffer as Buffer;
  assert.is(checkWireBatch(batch, 0).problem, undefined);
  const decoded = decodeBatchDecompressing(batch);
  assert.equal(decoded.records.map((r) => r.value!.toString()), ['first', 'second']);
  assert.equal(decoded.records.map((r) => r.timestamp), [1_700_000_000_000, 1_700_000_000_005]);
  assert.is(decoded.records[0]!.headers[0]!.value!.toString(), 'x1');
});

test('kafkajs decodes a batch made here', async () => {
  const batch = encodeBatch(sample, { baseOffset: 10, compression: CompressionType.Gzip });
  const decoded = await kafkajsBatchDecoder(new KafkajsDecoder(batch));
  assert.equal(
    decoded.records.map((r: { offset: string; value: Buffer | null }) => [r.offset, r.value?.toString() ?? null]),
    [
      ['10', 'hello'],
      ['11', 'no key'],
      ['12', null],
    ],
  );
});

test('control record keys carry their type', () => {
  assert.is(controlRecordType(encodeControlRecordKey(ControlType.Commit)), ControlType.Commit);
  assert.is(controlRecordType(encodeControlRecordKey(ControlType.Abort)), ControlType.Abort);
  assert.is(controlRecordType(Buffer.alloc(2)), undefined);
});

test.run();
