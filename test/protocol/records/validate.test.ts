import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { decodeRequest, decodeRequestHeader } from '../../../src/protocol/frame.js';
import { apiByKey } from '../../../src/protocol/messages/index.js';
import { batchPositions, checkWireBatch, encodeBatch, type RecordInput } from '../../../src/protocol/records/batch.js';
import { codecFor, CompressionType, MAX_DECOMPRESSED_BYTES } from '../../../src/protocol/records/compression/index.js';
import { lz4Compress } from '../../../src/protocol/records/compression/lz4.js';
import { snappyCompress, snappyCompressRaw } from '../../../src/protocol/records/compression/snappy.js';
import { zstdCompress } from '../../../src/protocol/records/compression/zstd.js';
import { type BatchValidation, MAX_RECORD_ERRORS, validateBatchRecords } from '../../../src/protocol/records/validate.js';
import { fixture, hasProgram, recordBatchPayload, runProgram } from './compression/samples.js';
import {
  batchAround,
  checks,
  countRecords,
  gzipZeros,
  lz4Claiming,
  lz4Zeros,
  NOW,
  rawRecord,
  rawRecords,
  recordHeadFor,
  snappyClaiming,
  snappyZeros,
  zstdClaiming,
  zstdRle,
} from './validate-samples.js';

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
const name = (c: number) => codecFor(c)!.name;

function validate(batch: Buffer, over: Parameters<typeof checks>[0] = {}): BatchValidation {
  assert.is(checkWireBatch(batch, 0).problem, undefined, 'the header and CRC are fine: only the records are at fault');
  return validateBatchRecords(batch, 0, batch.length, checks(over));
}

function compress(codec: number, section: Buffer): Buffer {
  return codec === 0 ? section : codecFor(codec)!.compress(section);
}

/** A batch of these records, compressed as asked, its header counting `count` records. */
function batchOf(section: Buffer, count: number, codec = 0): Buffer {
  return batchAround(compress(codec, section), { count, compression: codec });
}

function refused(v: BatchValidation, code: number, detail?: RegExp): void {
  assert.is(v.errorCode, code, `expected ${code}, got ${JSON.stringify(v)}`);
  assert.ok(v.detail, 'a refusal says why');
  if (detail) assert.match(v.detail!, detail);
}

const some: RecordInput[] = [
  { key: 'a', value: 'one', headers: [{ key: 'h', value: 'x' }] },
  { key: null, value: 'two' },
  { key: 'c', value: null, headers: [{ key: 'trace', value: null }, { key: 'e', value: Buffer.alloc(0) }] },
  { key: Buffer.alloc(0), value: Buffer.alloc(300, 7) },
];

// ---------------------------------------------------------------------------------------------
// What passes.

for (const c of CODECS) {
  test(`a ${name(c)} batch made by encodeBatch passes, with null and empty keys, values and header values`, () => {
    const batch = encodeBatch(some, { compression: c as 0 | 1 | 2 | 3 | 4, baseTimestamp: NOW });
    assert.equal(validate(batch), { errorCode: 0 });
  });

  test(`a ${name(c)} batch of 1 MiB of JSON records passes`, () => {
    const section = recordBatchPayload(1024 * 1024, 77);
    const batch = batchOf(section, countRecords(section), c);
    assert.equal(validate(batch, { timestampType: 'CreateTime' }), { errorCode: 0 });
  });

  test(`validating a ${name(c)} batch leaves its bytes as they were`, () => {
    const batch = encodeBatch(some, { compression: c as 0 | 1 | 2 | 3 | 4, baseTimestamp: NOW });
    const before = Buffer.from(batch);
    validate(batch, { compacted: true });
    validate(batch);
    assert.ok(batch.equals(before));
  });
}

test('a record cut by the end of every decompressed piece is read the same as one read whole', () => {
  // Records of every size around the 256 KiB pieces the decoders hand over, so the edges fall in
  // every field: length, timestamp, key, value, header keys and values.
  const records: RecordInput[] = [];
  for (let i = 0; i < 900; i++) {
    records.push({
      key: i % 7 === 0 ? null : `k${i}`,
      value: Buffer.alloc((i * 977) % 3000, i),
      headers: i % 3 === 0 ? [{ key: `h${i}`, value: Buffer.alloc(i % 200, 1) }, { key: 'n', value: null }] : [],
      timestamp: NOW - i,
    });
  }
  for (const c of CODECS) {
    const batch = encodeBatch(records, { compression: c as 0 | 1 | 2 | 3 | 4, baseTimestamp: NOW });
    assert.equal(validate(batch), { errorCode: 0 }, name(c));
  }
});

const FIXTURES = [
  ['records.gz', CompressionType.Gzip],
  ['records.raw.snappy', CompressionType.Snappy],
  ['records.xerial.snappy', CompressionType.Snappy],
  ['records.lz4', CompressionType.Lz4],
  ['records.linked-64k-blockcrc-size.lz4', CompressionType.Lz4],
  ['records.256k-nocrc.lz4', CompressionType.Lz4],
  ['records.zst', CompressionType.Zstd],
  ['records.stream.zst', CompressionType.Zstd],
  ['records.19.zst', CompressionType.Zstd],
  ['records.nocheck.zst', CompressionType.Zstd],
] as const;

for (const [file, codec] of FIXTURES) {
  test(`a batch whose records were compressed by the reference tool (${file}) passes`, () => {
    const count = countRecords(fixture('records.bin'));
    assert.equal(validate(batchAround(fixture(file), { count, compression: codec })), { errorCode: 0 });
  });
}

test('the batches kafkajs and kcat sent in the captured Produce frames pass', () => {
  const root = new URL('../../../../test/fixtures/golden/', import.meta.url).pathname;
  let batches = 0;
  for (const client of readdirSync(root)) {
    for (const file of readdirSync(join(root, client)).filter((f) => f.startsWith('00-Produce'))) {
      const frame = readFileSync(join(root, client, file));
      const { header, bodyOffset, api } = decodeRequestHeader(frame, apiByKey);
      const body = decodeRequest(api!, header.requestApiVersion, frame, bodyOffset) as { topicData: { partitionData: { records: Buffer }[] }[] };
      for (const t of body.topicData) {
        for (const p of t.partitionData) {
          for (const { at, size } of batchPositions(p.records)) {
            const v = validateBatchRecords(p.records, at, size, checks({ nowMs: Date.now() }));
            assert.equal(v, { errorCode: 0 }, `${client}/${file}`);
            batches++;
          }
        }
      }
    }
  }
  assert.ok(batches >= 2);
});

const zstdCli = hasProgram('zstd');
const lz4Cli = hasProgram('lz4');

test('batches compressed by the zstd and lz4 programs at their levels and block modes pass', () => {
  if (!zstdCli || !lz4Cli) return;
  const section = recordBatchPayload(3 * 1024 * 1024, 5);
  const count = countRecords(section);
  const runs: [string[], number, string][] = [
    [['-1', '-c'], CompressionType.Zstd, 'zstd'],
    [['-9', '-c', '--no-check'], CompressionType.Zstd, 'zstd'],
    [['-19', '-c'], CompressionType.Zstd, 'zstd'],
    [['-c', '-BD'], CompressionType.Lz4, 'lz4'],
    [['-9', '-c', '-B4', '-BX'], CompressionType.Lz4, 'lz4'],
  ];
  for (const [args, codec, program] of runs) {
    const batch = batchAround(runProgram(program, args, section), { count, compression: codec });
    assert.equal(validate(batch), { errorCode: 0 }, `${program} ${args.join(' ')}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Records that are wrong, for every codec: INVALID_RECORD, as Kafka answers.

for (const c of CODECS) {
  test(`a ${name(c)} batch whose record length runs past the end of the records is INVALID_RECORD`, () => {
    const section = Buffer.concat([rawRecords([{}, {}]), rawRecord({ lengthDelta: 40 }, 2)]);
    refused(validate(batchOf(section, 3, c)), ErrorCode.INVALID_RECORD, /^Invalid record size: expected \d+ bytes in record payload, but/);
  });

  test(`a ${name(c)} batch claiming more records than it holds is INVALID_RECORD (premature EOF)`, () => {
    refused(validate(batchOf(rawRecords([{}, {}, {}]), 4, c)), ErrorCode.INVALID_RECORD, /^Incorrect declared batch size, premature EOF reached$/);
  });

  test(`a ${name(c)} batch claiming fewer records than it holds is INVALID_RECORD (records remaining)`, () => {
    refused(validate(batchOf(rawRecords([{}, {}, {}]), 2, c)), ErrorCode.INVALID_RECORD, /^Incorrect declared batch size, records still remaining in file$/);
  });

  test(`a ${name(c)} batch of garbage records is INVALID_RECORD`, () => {
    const garbage = Buffer.from('this is not a record at all, only text where records should be');
    refused(validate(batchOf(garbage, 3, c)), ErrorCode.INVALID_RECORD);
  });

  test(`a ${name(c)} batch with bytes after its last record is INVALID_RECORD`, () => {
    refused(validate(batchOf(Buffer.concat([rawRecords([{}, {}]), Buffer.from([0x02, 0x00])]), 2, c)), ErrorCode.INVALID_RECORD, /records still remaining/);
  });

  test(`a ${name(c)} record whose fields end before its length is INVALID_RECORD`, () => {
    const section = rawRecords([{}, { trailing: Buffer.from([1, 2, 3]) }]);
    refused(validate(batchOf(section, 2, c)), ErrorCode.INVALID_RECORD, /^Invalid record size: expected to read \d+ bytes in record payload, but instead read \d+$/);
  });

  test(`a ${name(c)} record whose fields run past its length is INVALID_RECORD`, () => {
    refused(validate(batchOf(rawRecords([{ lengthDelta: -3 }, {}]), 2, c)), ErrorCode.INVALID_RECORD);
  });

  test(`a ${name(c)} record with a null header key is INVALID_RECORD`, () => {
    const section = rawRecords([{ headers: [{ key: null, value: 'v' }] }]);
    refused(validate(batchOf(section, 1, c)), ErrorCode.INVALID_RECORD, /^Invalid negative header key size -1$/);
  });

  test(`a ${name(c)} record with a key length below -1 is INVALID_RECORD`, () => {
    refused(validate(batchOf(rawRecords([{ key: null, keyLength: -2 }]), 1, c)), ErrorCode.INVALID_RECORD, /negative key size -2/);
  });
}

test('a record with a negative header count is INVALID_RECORD with Kafka\'s message', () => {
  const good = rawRecord({ key: 'k', value: 'v' });
  // The header count is the record's last byte: 0 becomes -1 (zigzag 1).
  const bad = Buffer.from(good);
  bad[bad.length - 1] = 1;
  refused(validate(batchOf(bad, 1)), ErrorCode.INVALID_RECORD, /^Found invalid number of record headers -1$/);
});

test('a varint longer than five bytes is INVALID_RECORD', () => {
  const section = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0, 0, 0]);
  refused(validate(batchOf(section, 1)), ErrorCode.INVALID_RECORD, /^Varint is too long/);
});

test('a record of negative length is INVALID_RECORD', () => {
  refused(validate(batchOf(Buffer.concat([Buffer.from([0x01]), rawRecord({})]), 1)), ErrorCode.INVALID_RECORD, /-1 bytes/);
});

test('an uncompressed record running past the end names what the buffer has left, as Kafka does', () => {
  const section = rawRecord({ lengthDelta: 10 });
  const v = validate(batchOf(section, 1));
  refused(v, ErrorCode.INVALID_RECORD, /but instead the buffer has only \d+ remaining bytes\.$/);
});

test('a compressed record running past the end says the payload reached EOF, as Kafka does', () => {
  const v = validate(batchOf(rawRecord({ lengthDelta: 10 }), 1, CompressionType.Lz4));
  refused(v, ErrorCode.INVALID_RECORD, /but the record payload reached EOF\.$/);
});

// ---------------------------------------------------------------------------------------------
// Compressed streams that do not decode: CORRUPT_MESSAGE.

test('a gzip batch holding a gzip stream of garbage is CORRUPT_MESSAGE', () => {
  const garbage = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, ...Buffer.from('definitely not deflate data, not at all')]);
  refused(validate(batchAround(garbage, { count: 1, compression: CompressionType.Gzip })), ErrorCode.CORRUPT_MESSAGE, /^gzip: /);
  refused(validate(batchAround(Buffer.from('not even a gzip header'), { count: 1, compression: CompressionType.Gzip })), ErrorCode.CORRUPT_MESSAGE, /^gzip: /);
});

test('a gzip stream followed by other bytes is CORRUPT_MESSAGE', () => {
  const section = rawRecords([{}, {}]);
  const batch = batchAround(Buffer.concat([gzipSync(section), Buffer.from([0, 0, 0, 0])]), { count: 2, compression: CompressionType.Gzip });
  refused(validate(batch), ErrorCode.CORRUPT_MESSAGE, /after the end of the gzip stream/);
});

test('a batch of two gzip members is read as one stream, as gunzip and Java read it', () => {
  const a = rawRecords([{}, {}]);
  const b = rawRecords([{ offsetDelta: 2 }, { offsetDelta: 3 }]);
  const batch = batchAround(Buffer.concat([gzipSync(a), gzipSync(b)]), { count: 4, compression: CompressionType.Gzip });
  assert.equal(validate(batch), { errorCode: 0 });
});

for (const c of CODECS.slice(1)) {
  test(`every truncation of a ${name(c)} stream is refused, never accepted`, () => {
    const section = rawRecords(Array.from({ length: 40 }, (_, i) => ({ value: Buffer.alloc(50 + i, i) })));
    const whole = compress(c, section);
    for (let cut = 1; cut < whole.length; cut += Math.max(1, Math.floor(whole.length / 97))) {
      const v = validate(batchAround(whole.subarray(0, cut), { count: 40, compression: c }));
      assert.ok(v.errorCode === ErrorCode.CORRUPT_MESSAGE || v.errorCode === ErrorCode.INVALID_RECORD, `${name(c)} cut at ${cut}: ${JSON.stringify(v)}`);
    }
  });
}

test('a truncated stream of each codec is CORRUPT_MESSAGE when the cut falls inside the compressed framing', () => {
  const section = rawRecords(Array.from({ length: 20 }, (_, i) => ({ value: Buffer.alloc(100, i) })));
  const cases: [number, Buffer][] = [
    [CompressionType.Gzip, gzipSync(section)],
    [CompressionType.Snappy, snappyCompress(section)],
    [CompressionType.Snappy, snappyCompressRaw(section)],
    [CompressionType.Lz4, lz4Compress(section)],
    [CompressionType.Zstd, zstdCompress(section)],
  ];
  for (const [c, whole] of cases) {
    refused(validate(batchAround(whole.subarray(0, whole.length - 2), { count: 20, compression: c })), ErrorCode.CORRUPT_MESSAGE, new RegExp(`^${name(c)}: `));
  }
});

test('a checksum that does not match the content is CORRUPT_MESSAGE (LZ4 and zstd)', () => {
  const count = countRecords(fixture('records.bin'));
  for (const [file, c] of [
    ['records.lz4', CompressionType.Lz4],
    ['records.zst', CompressionType.Zstd],
  ] as const) {
    const bad = Buffer.from(fixture(file));
    bad[bad.length - 1]! ^= 0x40;
    refused(validate(batchAround(bad, { count, compression: c })), ErrorCode.CORRUPT_MESSAGE, /checksum/);
  }
});

// ---------------------------------------------------------------------------------------------
// Bombs: refused quickly, without allocating what they claim.

function quickly(label: string, f: () => BatchValidation, ms: number): BatchValidation {
  const started = process.hrtime.bigint();
  const v = f();
  const took = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(took < ms, `${label} took ${took.toFixed(0)} ms`);
  return v;
}

test('1 GiB of zeros in a gzip, lz4, zstd or snappy batch is refused at its first record', () => {
  const bombs: [number, Buffer][] = [
    [CompressionType.Gzip, gzipZeros()],
    [CompressionType.Lz4, lz4Zeros()],
    [CompressionType.Zstd, zstdRle()],
    [CompressionType.Snappy, snappyZeros(200 * 1024 * 1024)],
  ];
  for (const [c, bomb] of bombs) {
    const v = quickly(name(c), () => validate(batchAround(bomb, { count: 1000, compression: c })), 1000);
    // Zeros read as a record of length 0: the structure is wrong, as Kafka finds it.
    refused(v, ErrorCode.INVALID_RECORD, /^Found invalid record structure$/);
  }
});

test('headers claiming 4 GiB to 1 TiB of content are CORRUPT_MESSAGE before anything is decoded', () => {
  for (const size of [4 * 2 ** 30, 2 ** 34, 2 ** 40]) {
    for (const [c, bomb] of [
      [CompressionType.Zstd, zstdClaiming(size)],
      [CompressionType.Lz4, lz4Claiming(size)],
      [CompressionType.Snappy, snappyClaiming(Math.min(size, 2 ** 35 - 1))],
    ] as const) {
      const v = quickly(`${name(c)} ${size}`, () => validate(batchAround(bomb, { count: 1, compression: c })), 250);
      refused(v, ErrorCode.CORRUPT_MESSAGE, /exceeds the limit/);
    }
  }
});

test('a record claiming more bytes than a batch may inflate to is CORRUPT_MESSAGE at its length', () => {
  const head = recordHeadFor(MAX_DECOMPRESSED_BYTES);
  const v = quickly('zstd', () => validate(batchAround(zstdRle(512 * 1024, head), { count: 1, compression: CompressionType.Zstd })), 500);
  refused(v, ErrorCode.CORRUPT_MESSAGE, /a batch may decompress to/);
});

test('valid-looking records inflating past the limit are CORRUPT_MESSAGE once the limit is passed', () => {
  // Records of 64 MiB of zeros each, one after another: each is a valid record, and the fourth
  // would end past 256 MiB. It is refused at its length, after 192 MiB inflated.
  const frame = zstdRecordsOfZeros(5, 64 * 1024 * 1024);
  const v = quickly('zstd', () => validate(batchAround(frame, { count: 5, compression: CompressionType.Zstd })), 5000);
  refused(v, ErrorCode.CORRUPT_MESSAGE, /^record 3 of \d+ bytes would end past the 268435456 bytes a batch may decompress to$/);
});

/** A zstd frame of `n` records, each a null key and a value of `valueBytes` zeros. */
function zstdRecordsOfZeros(n: number, valueBytes: number): Buffer {
  const block = 128 * 1024;
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (23 - 10) << 3])];
  const header = (last: boolean, type: number, size: number) => {
    const v = (last ? 1 : 0) | (type << 1) | (size << 3);
    return Buffer.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff]);
  };
  for (let i = 0; i < n; i++) {
    const head = recordHeadFor(valueBytes, i);
    parts.push(header(false, 0, head.length), head);
    let left = valueBytes;
    while (left > 0) {
      const k = Math.min(block, left);
      parts.push(header(false, 1, k), Buffer.from([0]));
      left -= k;
    }
    parts.push(header(i === n - 1, 0, 1), Buffer.from([0])); // header count 0
  }
  return Buffer.concat(parts);
}

test('a valid record just under the limit passes, however far it inflates', () => {
  const frame = zstdRecordsOfZeros(1, 200 * 1024 * 1024);
  const v = quickly('zstd', () => validate(batchAround(frame, { count: 1, compression: CompressionType.Zstd })), 5000);
  assert.equal(v, { errorCode: 0 });
});

// ---------------------------------------------------------------------------------------------
// Keys on compacted topics: per-record errors (KIP-467), as librdkafka's test 0011 expects.

for (const c of CODECS) {
  test(`keyless records of a ${name(c)} batch on a compacted topic are INVALID_RECORD, each named by its batch index`, () => {
    const records: RecordInput[] = Array.from({ length: 100 }, (_, i) => ({ key: i % 10 === 0 ? null : `k${i}`, value: `m${i}` }));
    const v = validate(encodeBatch(records, { compression: c as 0 | 1 | 2 | 3 | 4, baseTimestamp: NOW }), { compacted: true });
    assert.is(v.errorCode, ErrorCode.INVALID_RECORD);
    const message = 'Compacted topic cannot accept message without key in topic partition orders-0';
    assert.equal(
      v.recordErrors,
      Array.from({ length: 10 }, (_, i) => ({ batchIndex: 10 * i, message })),
    );
    assert.is(
      v.errorMessage,
      'One or more records have been rejected due to 10 record errors in total, and only showing the first three errors at most: ' +
        `[RecordError(batchIndex=0, message='${message}'), RecordError(batchIndex=10, message='${message}'), RecordError(batchIndex=20, message='${message}')]`,
    );
  });
}

test('keyed records on a compacted topic pass, and keyless ones pass on a topic that is not compacted', () => {
  assert.equal(validate(encodeBatch([{ key: 'k', value: 'v' }], { baseTimestamp: NOW }), { compacted: true }), { errorCode: 0 });
  assert.equal(validate(encodeBatch([{ key: null, value: 'v' }], { baseTimestamp: NOW }), { compacted: false }), { errorCode: 0 });
});

test('a batch with more record errors than MAX_RECORD_ERRORS lists the first ones and counts them all', () => {
  const n = MAX_RECORD_ERRORS + 10;
  const batch = encodeBatch(Array.from({ length: n }, () => ({ key: null, value: 'v' })), { baseTimestamp: NOW });
  const v = validate(batch, { compacted: true });
  assert.is(v.errorCode, ErrorCode.INVALID_RECORD);
  assert.is(v.recordErrors!.length, MAX_RECORD_ERRORS);
  assert.match(v.errorMessage!, new RegExp(`due to ${n} record errors in total`));
});

test('a structural error after keyless records answers the structural error alone', () => {
  const section = Buffer.concat([rawRecords([{ key: null }, { key: null }]), rawRecord({ lengthDelta: 30 }, 2)]);
  const v = validate(batchOf(section, 3), { compacted: true });
  refused(v, ErrorCode.INVALID_RECORD, /^Invalid record size/);
  assert.is(v.recordErrors, undefined);
  assert.is(v.errorMessage, undefined, 'Kafka sends no error message for an exception that is not a record error');
});

// ---------------------------------------------------------------------------------------------
// Timestamps (KIP-937).

const DAY = 24 * 3600 * 1000;

test('CreateTime timestamps before now - message.timestamp.before.max.ms are INVALID_TIMESTAMP per record', () => {
  const records: RecordInput[] = [{ value: 'ok', timestamp: NOW - 1000 }, { value: 'old', timestamp: NOW - 2 * DAY }, { value: 'ok', timestamp: NOW }];
  for (const c of CODECS) {
    const v = validate(encodeBatch(records, { compression: c as 0 | 1 | 2 | 3 | 4 }), { timestampBeforeMaxMs: DAY });
    assert.is(v.errorCode, ErrorCode.INVALID_TIMESTAMP, name(c));
    assert.is(v.errorMessage, 'One or more records have been rejected due to invalid timestamp');
    assert.equal(v.recordErrors, [
      {
        batchIndex: 1,
        // now + Long.MAX_VALUE wraps in Java's long arithmetic, and Kafka prints it wrapped.
        message: `Timestamp ${NOW - 2 * DAY} of message with offset 1 is out of range. The timestamp should be within [${NOW - DAY}, ${BigInt.asIntN(64, BigInt(NOW) + 2n ** 63n - 1n)}]`,
      },
    ]);
  }
});

test('CreateTime timestamps after now + message.timestamp.after.max.ms are INVALID_TIMESTAMP per record', () => {
  const records: RecordInput[] = [{ value: 'future', timestamp: NOW + 3600_001 }, { value: 'ok', timestamp: NOW + 3600_000 }];
  const v = validate(encodeBatch(records), { timestampAfterMaxMs: 3600_000, timestampBeforeMaxMs: DAY });
  assert.is(v.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.equal(v.recordErrors, [
    {
      batchIndex: 0,
      message: `Timestamp ${NOW + 3600_001} of message with offset 0 is out of range. The timestamp should be within [${NOW - DAY}, ${NOW + 3600_000}]`,
    },
  ]);
});

test('timestamps at the bounds, -1, and any timestamp with the bounds at Long.MAX_VALUE pass', () => {
  const within = encodeBatch([{ value: 'a', timestamp: NOW - DAY }, { value: 'b', timestamp: NOW + DAY }], { baseTimestamp: NOW - DAY });
  assert.equal(validate(within, { timestampBeforeMaxMs: DAY, timestampAfterMaxMs: DAY }), { errorCode: 0 });
  assert.equal(validate(encodeBatch([{ value: 'x', timestamp: 0 }, { value: 'y', timestamp: 4e12 }])), { errorCode: 0 });
  const none = batchAround(rawRecords([{}]), { count: 1, baseTimestamp: -1 });
  assert.equal(validate(none, { timestampBeforeMaxMs: 1, timestampAfterMaxMs: 1 }), { errorCode: 0 });
});

test('a keyless record with a bad timestamp on a compacted topic counts once, as its key error', () => {
  const v = validate(encodeBatch([{ key: null, value: 'v', timestamp: 0 }]), { compacted: true, timestampBeforeMaxMs: DAY });
  assert.is(v.errorCode, ErrorCode.INVALID_RECORD);
  assert.is(v.recordErrors!.length, 1);
  assert.match(v.recordErrors![0]!.message!, /^Compacted topic/);
});

test('key and timestamp errors together answer INVALID_TIMESTAMP with every record error', () => {
  const v = validate(encodeBatch([{ key: null, value: 'v', timestamp: NOW }, { key: 'k', value: 'v', timestamp: 0 }]), { compacted: true, timestampBeforeMaxMs: DAY });
  assert.is(v.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.equal(v.recordErrors!.map((e) => e.batchIndex), [0, 1]);
});

test('a producer batch stamped LogAppendTime on a LogAppendTime topic is INVALID_TIMESTAMP, as Kafka refuses it', () => {
  const plain = validate(encodeBatch([{ key: 'k', value: 'vv' }], { timestampType: 1, baseTimestamp: NOW }), { timestampType: 'LogAppendTime' });
  assert.is(plain.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.is(plain.recordErrors![0]!.message, `Invalid timestamp type in message DefaultRecord(offset=0, timestamp=${NOW}, key=1 bytes, value=2 bytes). Producer should not set timestamp type to LogAppendTime.`);
  const compressed = validate(encodeBatch([{ key: null, value: 'vv' }], { timestampType: 1, baseTimestamp: NOW, compression: 3 }), { timestampType: 'LogAppendTime' });
  assert.is(compressed.recordErrors![0]!.message, `Invalid timestamp type in message PartialDefaultRecord(offset=0, timestamp=${NOW}, key=-1 bytes, value=2 bytes). Producer should not set timestamp type to LogAppendTime.`);
  assert.equal(validate(encodeBatch([{ key: 'k', value: 'v' }]), { timestampType: 'LogAppendTime' }), { errorCode: 0 });
});

// ---------------------------------------------------------------------------------------------
// Offsets: Kafka rewrites a compressed batch whose inner offsets are wrong; Spindle refuses it.

for (const c of CODECS) {
  test(`a ${name(c)} record whose offset delta is not its index is INVALID_RECORD for that record`, () => {
    const section = rawRecords([{ offsetDelta: 0 }, { offsetDelta: 5 }, { offsetDelta: 2 }]);
    const v = validate(batchOf(section, 3, c));
    assert.is(v.errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(v.recordErrors!.map((e) => e.batchIndex), [1]);
    assert.match(v.recordErrors![0]!.message!, /^Record 1 of the batch has offset delta 5/);
  });
}

test.run();
