/**
 * The storage engine under injected faults (core/fs.ts): a failed write never advances the log,
 * a failed sync never advances the recovery point, background failures are reported, and a
 * reopened log holds exactly what was acknowledged.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clearFaults, injectFaults } from '../../src/core/fs.js';
import { logConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import { makeBatch, readSlice, recordsIn, tempDir } from './helpers.js';

test.after.each(() => clearFaults());

function values(log: PartitionLog): string[] {
  const out: string[] = [];
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const r = log.read(offset, 1 << 20);
    assert.is(r.errorCode, 0);
    const records = recordsIn(readSlice(r.slice!)).filter((x) => x.offset >= offset);
    for (const x of records) out.push(x.value!.toString());
    offset = records[records.length - 1]!.offset + 1;
  }
  return out;
}

function errno(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
  return undefined;
}

test('a write that fails half-way leaves the log where it was, and the torn bytes are cut at reopen', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig());
  assert.is(log.append(makeBatch('a', 3)).errorCode, 0);
  const before = { end: log.logEndOffset, size: log.sizeBytes };
  // The batch goes out in one write: half of it reaches the file, then ENOSPC.
  injectFaults([{ op: 'write', code: 'ENOSPC', path: '.log', torn: true, times: 1 }]);
  assert.is(errno(() => log.append(makeBatch('b', 3))), 'ENOSPC');
  assert.equal({ end: log.logEndOffset, size: log.sizeBytes }, before, 'offsets and size unchanged');
  assert.equal(values(log), ['a-v0', 'a-v1', 'a-v2']);
  clearFaults();
  assert.is(log.append(makeBatch('c', 2)).baseOffset, 3, 'the next append takes the same offsets');
  log.closeAbruptly();
  const again = PartitionLog.open(t.dir, 't', 0, logConfig());
  assert.equal(values(again), ['a-v0', 'a-v1', 'a-v2', 'c-v0', 'c-v1']);
  await again.close();
  t.remove();
});

test('a torn write left at a crash is cut at reopen; what was acknowledged stays', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig());
  log.append(makeBatch('a', 3));
  injectFaults([{ op: 'write', code: 'EIO', path: '.log', torn: true }]);
  assert.is(errno(() => log.append(makeBatch('b', 30, 1_700_000_000_000, 100))), 'EIO');
  log.closeAbruptly();
  clearFaults();
  const again = PartitionLog.open(t.dir, 't', 0, logConfig());
  assert.ok(again.recovered.some((r) => r.truncatedBytes > 0), 'the torn half was found and cut');
  assert.equal(values(again), ['a-v0', 'a-v1', 'a-v2']);
  await again.close();
  t.remove();
});

test('a failed flush rejects, reports the fault once, and never moves the recovery point', async () => {
  const t = tempDir();
  const faults: string[] = [];
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ flushMessages: 1 }), { onBackgroundFault: (what) => faults.push(what) });
  log.append(makeBatch('a', 2));
  await log.flushIfDue();
  assert.is(log.recoveryPoint, 2);
  injectFaults([{ op: 'fsync', code: 'EIO' }]);
  log.append(makeBatch('b', 2));
  await log.flushIfDue()!.then(
    () => assert.unreachable('the flush must fail'),
    (e: NodeJS.ErrnoException) => assert.is(e.code, 'EIO'),
  );
  assert.is(log.recoveryPoint, 2, 'not past what was synced');
  assert.ok(log.hasFaulted);
  assert.is(faults.length, 1);
  log.closeAbruptly();
  t.remove();
});

test("a rolled segment's failed sync keeps the recovery point below it and fails the flushes after it", async () => {
  const t = tempDir();
  const faults: string[] = [];
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 600 }), { onBackgroundFault: (what) => faults.push(what) });
  injectFaults([{ op: 'fsync', code: 'EIO', path: '00000000000000000000.log' }]);
  for (let i = 0; i < 12; i++) log.append(makeBatch(`b${i}`, 2, 1_700_000_000_000, 40));
  assert.ok(log.segmentCount > 2);
  await log.flushAsync().then(
    () => assert.unreachable('what the flush covers is not on disk'),
    (e: NodeJS.ErrnoException) => assert.is(e.code, 'EIO'),
  );
  assert.is(log.recoveryPoint, 0, 'the first segment never synced');
  assert.ok(faults.some((f) => f.includes('rolled segment')), faults.join('; '));
  log.closeAbruptly();
  t.remove();
});

test('checkpoint writes that fail stop the background work and are reported; close then leaves no clean marker', async () => {
  const t = tempDir();
  const faults: string[] = [];
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 600 }), { onBackgroundFault: (what) => faults.push(what) });
  injectFaults([{ op: 'open', code: 'ENOSPC', path: 'checkpoint.tmp' }]);
  for (let i = 0; i < 12; i++) log.append(makeBatch(`b${i}`, 2, 1_700_000_000_000, 40));
  await log.settled();
  assert.ok(faults.some((f) => f.includes('checkpoints')), faults.join('; '));
  await log.close();
  clearFaults();
  const again = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 600 }));
  assert.not.ok(again.wasCleanShutdown, 'recovered, since its files were not all written');
  assert.is(again.logEndOffset, 24);
  await again.close();
  t.remove();
});

test('a roll does no fsync on the calling thread', () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 600 }));
  // Synchronous fsyncs would throw here; the background ones fail later and are reported.
  const faults: unknown[] = [];
  const watched = PartitionLog.open(t.dir, 'u', 0, logConfig({ segmentBytes: 600 }), { onBackgroundFault: (_w, e) => faults.push(e) });
  injectFaults([{ op: 'fsync', code: 'EIO' }]);
  for (let i = 0; i < 12; i++) assert.is(watched.append(makeBatch(`b${i}`, 2, 1_700_000_000_000, 40)).errorCode, 0, `append ${i}`);
  assert.ok(watched.segmentCount > 2, 'it rolled');
  clearFaults();
  log.closeAbruptly();
  watched.closeAbruptly();
  t.remove();
});

test('opening a log on a file system that refuses writes throws the storage error and holds no descriptor', () => {
  const t = tempDir();
  injectFaults([{ op: 'any', code: 'EROFS', path: t.dir }]);
  assert.is(errno(() => PartitionLog.open(t.dir, 't', 0, logConfig())), 'EROFS');
  t.remove();
});

test.run();
