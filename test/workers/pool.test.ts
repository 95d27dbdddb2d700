import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { closePool, compactLogOnPool, cpuPool } from '../../src/workers/pool.js';
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

test('recompression runs on the pool', async () => {
  const data = Buffer.from('hello '.repeat(1000));
  const gz = (await cpuPool().run({ kind: 'recompress', from: 0, to: 1, data })) as Uint8Array;
  assert.ok(gz.length < data.length);
  const back = (await cpuPool().run({ kind: 'recompress', from: 1, to: 0, data: gz })) as Uint8Array;
  assert.ok(Buffer.from(back).equals(data));
  await closePool();
});

test.run();
