import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { decodeBatchDecompressing, encodeBatch } from '../../src/protocol/records/batch.js';
import { RecompressError } from '../../src/protocol/records/recompress.js';
import { closePool, compactLogOnPool, cpuPool, recompressOnPool } from '../../src/workers/pool.js';
import { checks } from '../protocol/records/validate-samples.js';
import { readSlice, recordsIn, tempDir } from '../core/helpers.js';

test('a compaction pass runs on the pool while the log keeps taking appends, then swaps in', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 'pooled', 0, logConfig({ cleanupPolicy: ['compact'], segmentBytes: 2048 }));
  for (let i = 0; i < 400; i++) log.append(encodeBatch([{ key: `k${i % 10}`, value: `v${i}`, timestamp: 1000 + i }]));
  const pass = compactLogOnPool(log, 10_000);
  // The owning thread is free meanwhile.
  for (let i = 400; i < 410; i++) log.append(encodeBatch([{ key: `k${i % 10}`, value: `v${i}`, timestamp: 1000 + i }]));
  const result = await pass;
  assert.ok(result, 'applied');
  assert.ok(result!.recordsAfter <= 10 + 10, `kept ${result!.recordsAfter} of ${result!.recordsBefore}`);
  const latest = new Map<string, string>();
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const records = recordsIn(readSlice(log.read(offset, 1 << 20).slice!)).filter((r) => r.offset >= offset);
    for (const r of records) latest.set(r.key!.toString(), r.value!.toString());
    offset = records[records.length - 1]!.offset + 1;
  }
  for (let k = 0; k < 10; k++) assert.is(latest.get(`k${k}`), `v${400 + k}`);
  await log.close();
  t.remove();
});

test('a record set recompressed on the pool comes back rewritten', async () => {
  const batch = encodeBatch([{ key: 'k', value: 'v'.repeat(500) }], { compression: 1 });
  const out = await recompressOnPool(batch, 3, { checks: checks({ nowMs: Date.now() }) });
  assert.is(out.readInt16BE(21) & 7, 3);
  assert.equal(decodeBatchDecompressing(out).records, decodeBatchDecompressing(batch).records);
});

test('a batch the pool refuses rejects with a RecompressError carrying the code, message and record errors', async () => {
  const batch = encodeBatch([{ key: null, value: 'a' }, { key: 'k', value: 'b' }], { compression: 1 });
  try {
    await recompressOnPool(batch, 3, { checks: checks({ compacted: true, nowMs: Date.now() }) });
    assert.unreachable('refused');
  } catch (e) {
    assert.instance(e, RecompressError);
    const r = (e as RecompressError).refusal;
    assert.is(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(r.recordErrors, [{ batchIndex: 0, message: 'Compacted topic cannot accept message without key in topic partition orders-0' }]);
    assert.match(r.errorMessage!, /^One or more records have been rejected due to 1 record errors/);
  }
});

test('recompression runs on the pool', async () => {
  const data = Buffer.from('hello '.repeat(1000));
  const gz = (await cpuPool().run({ kind: 'recompress', from: 0, to: 1, data })) as Uint8Array;
  assert.ok(gz.length < data.length);
  const back = (await cpuPool().run({ kind: 'recompress', from: 1, to: 0, data: gz })) as Uint8Array;
  assert.ok(Buffer.from(back).equals(data));
  await closePool();
});

test.run();
