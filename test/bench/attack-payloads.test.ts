/**
 * The attack tool's payloads (bench/attack/payloads.ts): every batch passes the broker's first
 * check (lengths, magic, CRC32C), each bomb inflates to exactly the zeros it promises through
 * the project's own codecs (at small sizes), the 1 GiB ones have the sizes that make them
 * dangerous, and each claim says what it claims where a decoder reads it.
 */
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  claimPayloads,
  GiB,
  gzipBomb,
  gzipZeros,
  KAFKA_MESSAGE_MAX_BYTES,
  lz4Bomb,
  lz4Zeros,
  lz4ZerosFitting,
  MiB,
  pipelined,
  snappyLengthClaim,
  TiB,
  zstdBomb,
  zstdContentSizeClaim,
  zstdWindowClaim,
  zstdZeros,
  gzipSizeClaim,
  lz4ContentSizeClaim,
  metadataRequest,
} from '../../bench/attack/payloads.js';
import { BATCH_HEADER_BYTES, checkWireBatch, readBatchHeader } from '../../src/protocol/records/batch.js';
import { lz4Decompress } from '../../src/protocol/records/compression/lz4.js';
import { zstdDecompress } from '../../src/protocol/records/compression/zstd.js';

const zeros = (b: Buffer, n: number): boolean => b.length === n && b.equals(Buffer.alloc(n));

test('the gzip bomb inflates to its zeros, chunk after chunk, with a trailer gunzip accepts', () => {
  assert.ok(zeros(gunzipSync(gzipZeros(1 * MiB)), 1 * MiB));
  assert.ok(zeros(gunzipSync(gzipZeros(32 * MiB)), 32 * MiB), 'two 16 MiB chunks back to back');
});

test('the zstd bomb inflates to its zeros through the project\'s decoder', () => {
  assert.ok(zeros(zstdDecompress(zstdZeros(1 * MiB)), 1 * MiB));
});

test('the LZ4 bomb inflates to its zeros, a shorter last block included', () => {
  assert.ok(zeros(lz4Decompress(lz4Zeros(9 * MiB)), 9 * MiB));
});

test('the 1 GiB gzip and zstd bombs fit Kafka\'s default message.max.bytes; the 1 GiB LZ4 one cannot, the fitting one holds over 200 MiB', () => {
  const gzip = gzipBomb();
  assert.ok(gzip.batch.length <= KAFKA_MESSAGE_MAX_BYTES, `gzip batch ${gzip.batch.length} B`);
  assert.ok(zstdBomb().batch.length < 64 * 1024);
  assert.ok(lz4Bomb(GiB).batch.length > KAFKA_MESSAGE_MAX_BYTES);
  const fits = lz4ZerosFitting(KAFKA_MESSAGE_MAX_BYTES);
  assert.ok(fits > 200 * MiB, `${fits / MiB} MiB`);
  assert.ok(lz4Bomb(fits).batch.length <= KAFKA_MESSAGE_MAX_BYTES);
});

test('every payload is a batch whose length, magic and CRC32C are right', () => {
  for (const p of [zstdBomb(), lz4Bomb(8 * MiB), ...claimPayloads()]) {
    const check = checkWireBatch(p.batch, 0);
    assert.is(check.problem, undefined, `${p.name}: ${check.detail}`);
    assert.is(check.size, p.batch.length, p.name);
  }
});

test('each claim says what it claims where a decoder reads it', () => {
  const zc = zstdContentSizeClaim(TiB);
  assert.is(zc[4]! >>> 6, 3, 'an 8-byte content size');
  assert.is(Number(zc.readBigUInt64LE(5)), TiB);
  const zw = zstdWindowClaim(40);
  assert.is(2 ** (10 + (zw[5]! >>> 3)), TiB, 'the window descriptor');
  const lz = lz4ContentSizeClaim(TiB);
  assert.ok((lz[4]! & 0x08) !== 0, 'content size flag');
  assert.is(Number(lz.readBigUInt64LE(6)), TiB);
  const sn = snappyLengthClaim(2 ** 32 - 1);
  assert.equal([...sn.subarray(20, 25)], [0xff, 0xff, 0xff, 0xff, 0x0f], 'the varint after the xerial header and chunk length');
  const gz = gzipSizeClaim(2 ** 32 - 1);
  assert.is(gz.readUInt32LE(gz.length - 4), 2 ** 32 - 1);
  const records = claimPayloads().find((p) => p.name === 'records-2^31')!;
  const h = readBatchHeader(records.batch, 0);
  assert.is(h.recordCount, 2 ** 31 - 1);
  assert.is(h.lastOffsetDelta, 2 ** 31 - 2);
  assert.ok(records.batch.length < BATCH_HEADER_BYTES + 64, 'while holding one small record');
});

test('pipelined requests get their own correlation ids and fill at least the size asked', () => {
  const p = pipelined((id) => metadataRequest(null, id), 4096);
  assert.ok(p.bytes.length >= 4096);
  let at = 0;
  const ids: number[] = [];
  while (at < p.bytes.length) {
    ids.push(p.bytes.readInt32BE(at + 8));
    at += 4 + p.bytes.readInt32BE(at);
  }
  assert.is(at, p.bytes.length);
  assert.is(ids.length, p.requests);
  assert.equal(ids.slice(0, 3), [1, 2, 3]);
});

test.run();
