/**
 * The LogHost's fault policy, driven through the file system seam on this thread: a failing
 * directory goes offline for writes and keeps serving reads, the other directories carry on,
 * recovery brings it back with nothing acknowledged lost, descriptor exhaustion takes nothing
 * offline, programmer errors are not disguised, and an unreadable log is only uncleanable.
 */
import { mkdirSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clearFaults, injectFaults } from '../../src/core/fs.js';
import { logConfig } from '../../src/core/log-config.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { computeBatchCrc, encodeBatch } from '../../src/protocol/records/batch.js';
import { LogHost, type LogHostEvents } from '../../src/workers/log-host.js';
import { closePool } from '../../src/workers/pool.js';
import { makeBatch, readSlice, recordsIn, tempDir } from '../core/helpers.js';

test.after.each(() => clearFaults());

interface Seen {
  failed: { logDir: string; code: string; partition: string }[];
  removed: string[];
  uncleanable: { slot: number; reason: string }[];
}

function host(extra: Partial<ConstructorParameters<typeof LogHost>[0]> = {}): { host: LogHost; seen: Seen } {
  const seen: Seen = { failed: [], removed: [], uncleanable: [] };
  const events: LogHostEvents = {
    logDirFailed: (logDir, code, _message, partition) => seen.failed.push({ logDir, code, partition }),
    filesRemoved: (paths) => seen.removed.push(...paths),
    uncleanable: (slot, reason) => seen.uncleanable.push({ slot, reason }),
    internalError: (_c, e) => {
      throw e;
    },
  };
  return { host: new LogHost({ retentionCheckIntervalMs: 1, cleanerBackoffMs: 1, cleanerEnabled: true, events, ...extra }), seen };
}

async function rejects(p: Promise<unknown>, message: string): Promise<void> {
  await p.then(
    () => assert.unreachable(message),
    () => {},
  );
}

function valuesOf(h: LogHost, slot: number): string[] {
  const out: string[] = [];
  const s = h.summary(slot)!;
  for (let offset = s.logStartOffset; offset < h.summary(slot)!.logEndOffset; ) {
    const r = h.read(slot, offset, 1 << 20);
    assert.is(r.errorCode, 0, `read at ${offset}`);
    const records = recordsIn(readSlice(r.slice!)).filter((x) => x.offset >= offset);
    for (const x of records) out.push(x.value!.toString());
    offset = records[records.length - 1]!.offset + 1;
  }
  return out;
}

test('a full disk takes its directory offline for writes, keeps its reads, and leaves the other directory serving', async () => {
  const t = tempDir();
  const full = join(t.dir, 'full');
  const fine = join(t.dir, 'fine');
  mkdirSync(full);
  mkdirSync(fine);
  const { host: h, seen } = host();
  h.open({ slot: 1, topic: 'a', partition: 0, logDir: full, config: logConfig() });
  h.open({ slot: 2, topic: 'a', partition: 1, logDir: full, config: logConfig() });
  h.open({ slot: 3, topic: 'a', partition: 2, logDir: fine, config: logConfig() });
  for (const slot of [1, 2, 3]) assert.is(h.append(slot, makeBatch(`s${slot}`, 2)).errorCode, 0);
  injectFaults([{ op: 'write', code: 'ENOSPC', path: full }]);
  const refused = h.append(1, makeBatch('x', 2));
  assert.is(refused.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.match(refused.errorMessage!, /ENOSPC/);
  assert.equal(seen.failed, [{ logDir: full, code: 'ENOSPC', partition: 'a-0' }], 'reported once, naming the directory, the cause and the partition');
  assert.is(h.append(2, makeBatch('y', 2)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'the whole directory is offline');
  assert.is(seen.failed.length, 1, 'without another report');
  assert.is(h.deleteRecords(2, 1).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.equal(valuesOf(h, 1), ['s1-v0', 's1-v1'], 'reads go on');
  assert.is(h.listOffset(1, -1).offset, 2);
  assert.is(h.append(3, makeBatch('z', 2)).errorCode, 0, 'the other directory serves writes');
  assert.equal(h.offlineDirs, [full]);
  h.tick(Date.now() + 1_000_000);
  await rejects(h.probeDir(full), 'the probe fails while the disk is full');
  clearFaults();
  await h.probeDir(full);
  const summaries = await h.recoverDir(full);
  assert.equal(summaries.map((s) => s.slot).sort(), [1, 2]);
  assert.equal(h.offlineDirs, []);
  assert.is(h.append(1, makeBatch('w', 1)).baseOffset, 2, 'writes resume where the acknowledged data ends');
  assert.equal(valuesOf(h, 1), ['s1-v0', 's1-v1', 'w-v0']);
  await h.closeAll();
  t.remove();
});

test("a failed flush fails the appends waiting for it and takes the directory offline", async () => {
  const t = tempDir();
  const { host: h, seen } = host();
  h.open({ slot: 1, topic: 'd', partition: 0, logDir: t.dir, config: logConfig({ flushMessages: 1 }) });
  assert.is(h.append(1, makeBatch('a', 1)).errorCode, 0);
  const [first] = h.flushDue();
  await first!.flushed;
  injectFaults([{ op: 'fsync', code: 'EIO' }]);
  assert.is(h.append(1, makeBatch('b', 1)).errorCode, 0, 'written to the page cache');
  const [second] = h.flushDue();
  await rejects(second!.flushed, 'the flush fails');
  assert.equal(seen.failed.map((f) => f.code), ['EIO']);
  assert.is(h.append(1, makeBatch('c', 1)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  await h.closeAll();
  t.remove();
});

test('running out of descriptors fails the operation and takes nothing offline', async () => {
  const t = tempDir();
  const { host: h, seen } = host();
  h.open({ slot: 1, topic: 'e', partition: 0, logDir: t.dir, config: logConfig({ segmentBytes: 300 }) });
  h.append(1, makeBatch('a', 2, 1_700_000_000_000, 100));
  injectFaults([{ op: 'open', code: 'EMFILE', times: 10 }]);
  const r = h.append(1, makeBatch('b', 2, 1_700_000_000_000, 100));
  assert.is(r.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'the roll could not open its files');
  assert.equal(seen.failed, []);
  assert.equal(h.offlineDirs, []);
  clearFaults();
  assert.is(h.append(1, makeBatch('c', 2, 1_700_000_000_000, 100)).errorCode, 0);
  await h.closeAll();
  t.remove();
});

test('a programmer error is thrown as it is, not answered as a storage error', async () => {
  const t = tempDir();
  const { host: h } = host();
  h.open({ slot: 1, topic: 'f', partition: 0, logDir: t.dir, config: logConfig() });
  const hosted = (h as unknown as { hosted: Map<number, { log: { append: () => never } }> }).hosted;
  hosted.get(1)!.log.append = () => {
    throw new TypeError('a bug in the append path');
  };
  assert.throws(() => h.append(1, makeBatch('a', 1)), (e: Error) => e instanceof TypeError && e.message === 'a bug in the append path');
  await h.closeAll();
  t.remove();
});

test('a log the cleaner cannot read is marked uncleanable and compaction goes on for the others', async () => {
  const t = tempDir();
  const { host: h, seen } = host();
  const config = logConfig({ cleanupPolicy: ['compact'], segmentBytes: 1024, minCleanableDirtyRatio: 0.01 });
  h.open({ slot: 1, topic: 'bad', partition: 0, logDir: t.dir, config });
  h.open({ slot: 2, topic: 'good', partition: 0, logDir: t.dir, config });
  for (let i = 0; i < 60; i++) {
    h.append(1, encodeBatch([{ key: `k${i % 3}`, value: `v${i}`, timestamp: 1000 + i }]));
    h.append(2, encodeBatch([{ key: `k${i % 3}`, value: `v${i}`, timestamp: 1000 + i }]));
  }
  // Garbage in the records of the first batch of 'bad', with a CRC that matches it.
  const path = join(t.dir, 'bad-0', '00000000000000000000.log');
  const fd = openSync(path, 'r+');
  const batch = Buffer.alloc(200);
  const n = readSync(fd, batch, 0, 200, 0);
  const size = batch.readInt32BE(8) + 12;
  assert.ok(size <= n);
  batch.fill(0xff, 61, size);
  batch.writeUInt32BE(computeBatchCrc(batch, 0), 17);
  writeSync(fd, batch, 0, size, 0);
  closeSync(fd);
  const goodBefore = h.summary(2)!.sizeBytes;
  for (let round = 0; round < 20 && (seen.uncleanable.length === 0 || h.summary(2)!.sizeBytes >= goodBefore); round++) {
    h.tick(Date.now() + round * 10);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(seen.uncleanable.map((u) => u.slot), [1]);
  assert.ok(h.summary(2)!.sizeBytes < goodBefore, 'the other log was compacted');
  assert.equal(h.uncleanable, [1]);
  await h.closeAll();
  await closePool();
  t.remove();
});

test('removing deleted segments reports their paths', async () => {
  const t = tempDir();
  let now = 1_000_000;
  const { host: h, seen } = host({ now: () => now });
  h.open({ slot: 1, topic: 'r', partition: 0, logDir: t.dir, config: logConfig({ segmentBytes: 300, retentionBytes: 600, fileDeleteDelayMs: 10 }) });
  for (let i = 0; i < 20; i++) h.append(1, makeBatch(`b${i}`, 1, 1_700_000_000_000, 100));
  h.tick((now += 10));
  h.tick((now += 20));
  assert.ok(seen.removed.length >= 3, `${seen.removed.length} removed`);
  assert.ok(seen.removed.every((p) => p.endsWith('.deleted')));
  await h.closeAll();
  t.remove();
});

test.run();
