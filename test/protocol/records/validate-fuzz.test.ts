/**
 * Seeded random mutations of valid batches of every codec, the header and CRC made right again
 * after each so that validation sees every mutation: validateBatchRecords never throws and
 * always answers a BatchValidation, and whatever it accepts the whole-buffer decoder reads back
 * with the count of records the header gives.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, BATCH_OFFSETS, computeBatchCrc, decodeBatchDecompressing, encodeBatch, type RecordInput } from '../../../src/protocol/records/batch.js';
import { type BatchValidation, validateBatchRecords } from '../../../src/protocol/records/validate.js';
import { fixture, seeded } from './compression/samples.js';
import { batchAround, checks, countRecords, NOW } from './validate-samples.js';

const SEED = 20251201;
const ROUNDS_PER_BATCH = 600;
const ANSWERS = new Set<number>([ErrorCode.NONE, ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD, ErrorCode.INVALID_TIMESTAMP]);

function records(rand: () => number, n: number): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: rand() < 0.2 ? null : `key-${(rand() * 1000) | 0}`,
    value: rand() < 0.1 ? null : Buffer.alloc((rand() * 400) | 0, i),
    headers: rand() < 0.3 ? [{ key: 'h', value: rand() < 0.5 ? null : 'v' }] : [],
    timestamp: NOW - ((rand() * 1000) | 0),
  }));
}

/** Mutates the records section (and sometimes the record count), then fixes length and CRC. */
function mutate(batch: Buffer, rand: () => number): Buffer {
  let body = Buffer.from(batch.subarray(BATCH_HEADER_BYTES));
  const kind = rand();
  if (kind < 0.45) {
    const flips = 1 + ((rand() * 4) | 0);
    for (let f = 0; f < flips && body.length > 0; f++) {
      const at = (rand() * body.length) | 0;
      body[at] = rand() < 0.5 ? body[at]! ^ (1 << ((rand() * 8) | 0)) : (rand() * 256) | 0;
    }
  } else if (kind < 0.6) {
    body = body.subarray(0, (rand() * body.length) | 0);
  } else if (kind < 0.75) {
    const at = (rand() * body.length) | 0;
    const extra = Buffer.from(Array.from({ length: 1 + ((rand() * 8) | 0) }, () => (rand() * 256) | 0));
    body = Buffer.concat([body.subarray(0, at), extra, body.subarray(at)]);
  } else if (kind < 0.85) {
    const at = (rand() * body.length) | 0;
    const n = (rand() * Math.min(64, body.length - at)) | 0;
    body = Buffer.concat([body.subarray(0, at), body.subarray(at + n)]);
  } else {
    // Duplicate a stretch: repeated frames, blocks or records.
    const at = (rand() * body.length) | 0;
    const n = (rand() * Math.min(512, body.length - at)) | 0;
    body = Buffer.concat([body.subarray(0, at + n), body.subarray(at, at + n), body.subarray(at + n)]);
  }
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_BYTES), body]);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, BATCH_OFFSETS.batchLength);
  if (rand() < 0.15) {
    const count = Math.max(1, out.readInt32BE(BATCH_OFFSETS.recordCount) + ((rand() * 5) | 0) - 2);
    out.writeInt32BE(count, BATCH_OFFSETS.recordCount);
    out.writeInt32BE(count - 1, BATCH_OFFSETS.lastOffsetDelta);
  }
  out.writeUInt32BE(computeBatchCrc(out, 0), BATCH_OFFSETS.crc);
  return out;
}

function wellFormed(v: BatchValidation): void {
  assert.type(v, 'object');
  assert.ok(ANSWERS.has(v.errorCode), `errorCode ${v.errorCode}`);
  if (v.errorCode === ErrorCode.NONE) return;
  assert.type(v.detail, 'string');
  if (v.recordErrors !== undefined) {
    assert.ok(Array.isArray(v.recordErrors) && v.recordErrors.length > 0);
    assert.type(v.errorMessage, 'string');
    for (const e of v.recordErrors) assert.ok(Number.isInteger(e.batchIndex) && e.batchIndex >= 0);
  }
}

const rand = seeded(SEED);
const bases: [string, Buffer][] = [];
for (const c of [0, 1, 2, 3, 4] as const) {
  bases.push([`codec ${c}, small`, encodeBatch(records(rand, 5), { compression: c, baseTimestamp: NOW })]);
  bases.push([`codec ${c}, 200 records`, encodeBatch(records(rand, 200), { compression: c, baseTimestamp: NOW })]);
}
const count = countRecords(fixture('records.bin'));
for (const [file, c] of [
  ['records.raw.snappy', 2],
  ['records.linked-64k-blockcrc-size.lz4', 3],
  ['records.19.zst', 4],
  ['records.zst', 4],
] as const) {
  bases.push([file, batchAround(fixture(file), { count, compression: c })]);
}

for (const [label, base] of bases) {
  test(`random mutations of a valid batch (${label}) are answered, never thrown, and what passes decodes`, () => {
    const over = [checks(), checks({ compacted: true }), checks({ timestampBeforeMaxMs: 500, timestampAfterMaxMs: 0 })];
    assert.equal(validateBatchRecords(base, 0, base.length, over[0]!), { errorCode: 0 }, 'the unmutated batch passes');
    let accepted = 0;
    for (let i = 0; i < ROUNDS_PER_BATCH; i++) {
      const batch = mutate(base, rand);
      const before = Buffer.from(batch);
      const v = validateBatchRecords(batch, 0, batch.length, over[i % 3]!);
      wellFormed(v);
      assert.ok(batch.equals(before), 'validation leaves the bytes alone');
      if (v.errorCode !== ErrorCode.NONE) continue;
      accepted++;
      // Accepted: the whole-buffer path reads every record of it.
      const decoded = decodeBatchDecompressing(batch, 0);
      assert.is(decoded.records.length, batch.readInt32BE(BATCH_OFFSETS.recordCount));
    }
    assert.ok(accepted < ROUNDS_PER_BATCH, 'some mutations are refused');
  });
}

test.run();
