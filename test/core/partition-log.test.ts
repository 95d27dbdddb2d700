import { existsSync, readdirSync, statSync, truncateSync, appendFileSync, unlinkSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logConfig } from '../../src/core/log-config.js';
import { CLEAN_SHUTDOWN_MARKER, PartitionLog } from '../../src/core/partition-log.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { computeBatchCrc, encodeBatch, readBatchHeader } from '../../src/protocol/records/batch.js';
import { CompressionType } from '../../src/protocol/records/compression/index.js';
import { makeBatch, readSlice, recordsIn, tempDir } from './helpers.js';

/** Appends `batches` batches of `perBatch` records; returns the values in offset order. */
function fill(log: PartitionLog, batches: number, perBatch: number, valueBytes = 0, timestamp = 1_700_000_000_000): string[] {
  const values: string[] = [];
  for (let b = 0; b < batches; b++) {
    const r = log.append(makeBatch(`b${b}`, perBatch, timestamp + b * 1000, valueBytes));
    assert.is(r.errorCode, 0, `append ${b}`);
    for (let i = 0; i < perBatch; i++) values.push(`b${b}-v${i}${valueBytes ? ` ${'x'.repeat(valueBytes)}` : ''}`);
  }
  return values;
}

/** Reads every record from `from` to the end through repeated fetches of maxBytes. */
function readAll(log: PartitionLog, from: number, maxBytes: number): { offset: number; value: string }[] {
  const out: { offset: number; value: string }[] = [];
  let offset = from;
  for (let guard = 0; offset < log.logEndOffset && guard < 100_000; guard++) {
    const r = log.read(offset, maxBytes);
    assert.is(r.errorCode, 0);
    assert.ok(r.slice, `data at ${offset}`);
    const records = recordsIn(readSlice(r.slice!)).filter((rec) => rec.offset >= offset);
    assert.ok(records.length > 0, `progress at ${offset}`);
    for (const rec of records) out.push({ offset: rec.offset, value: rec.value!.toString() });
    offset = records[records.length - 1]!.offset + 1;
  }
  return out;
}

test('appends assign consecutive offsets and read back byte-exact across segment rolls', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 'orders', 0, logConfig({ segmentBytes: 4096, indexIntervalBytes: 256 }));
  const first = log.append(makeBatch('a', 3));
  assert.equal([first.baseOffset, first.lastOffset, first.recordCount], [0, 2, 3]);
  const values = ['a-v0', 'a-v1', 'a-v2', ...fill(log, 60, 5, 40)];
  assert.ok(log.segmentCount > 3, `rolled into ${log.segmentCount} segments`);
  assert.is(log.logEndOffset, values.length);
  for (const maxBytes of [1, 500, 1 << 20]) {
    const got = readAll(log, 0, maxBytes);
    assert.equal(got.map((r) => r.offset), values.map((_, i) => i), `offsets with maxBytes ${maxBytes}`);
    assert.equal(got.map((r) => r.value), values);
  }
  // Every single offset, including the middle of batches, is readable on its own.
  for (let offset = 0; offset < values.length; offset += 7) {
    const r = log.read(offset, 1);
    const records = recordsIn(readSlice(r.slice!));
    assert.ok(records.some((rec) => rec.offset === offset), `offset ${offset} is in the returned batch`);
  }
  await log.close();
  t.remove();
});

test('a fetch starting inside a batch returns that whole batch, even past maxBytes', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig());
  log.append(makeBatch('x', 10, 1_700_000_000_000, 100));
  const r = log.read(4, 10);
  const records = recordsIn(readSlice(r.slice!));
  assert.is(records.length, 10);
  assert.is(records[0]!.offset, 0);
  assert.is(r.highWatermark, 10);
  assert.is(r.lastStableOffset, 10);
  await log.close();
  t.remove();
});

test('reads outside [log start, log end] are out of range; at the end there is nothing yet', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig());
  log.append(makeBatch('x', 2));
  assert.is(log.read(3, 100).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.is(log.read(-1, 100).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const atEnd = log.read(2, 100);
  assert.is(atEnd.errorCode, 0);
  assert.is(atEnd.slice, undefined);
  await log.close();
  t.remove();
});

test('append refuses bad batches with Kafka’s codes and writes nothing', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ maxMessageBytes: 300 }));
  const corrupt = makeBatch('c', 2);
  corrupt[corrupt.length - 1]! ^= 1;
  assert.is(log.append(corrupt).errorCode, ErrorCode.CORRUPT_MESSAGE);
  const big = makeBatch('big', 2, 1, 400);
  assert.is(log.append(big).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  const old = makeBatch('old', 1);
  old[16] = 1;
  assert.is(log.append(old).errorCode, ErrorCode.UNSUPPORTED_VERSION);
  // A good batch followed by a bad one: neither is written.
  assert.is(log.append(Buffer.concat([makeBatch('ok', 1), corrupt])).errorCode, ErrorCode.CORRUPT_MESSAGE);
  const control = encodeBatch([{ value: 'x' }], { control: true });
  assert.is(log.append(control).errorCode, ErrorCode.INVALID_RECORD);
  assert.is(log.logEndOffset, 0);
  assert.is(log.sizeBytes, 0);
  await log.close();
  t.remove();
});

test('several batches in one append get consecutive offsets, rewritten in place with valid CRCs', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig());
  log.append(makeBatch('first', 4));
  const set = Buffer.concat([makeBatch('a', 2), makeBatch('b', 3)]);
  const r = log.append(set);
  assert.equal([r.baseOffset, r.lastOffset], [4, 8]);
  assert.is(readBatchHeader(set, 0).baseOffset, 4);
  const second = readBatchHeader(set, 0).batchLength + 12;
  assert.is(readBatchHeader(set, second).baseOffset, 6);
  assert.is(computeBatchCrc(set, second), readBatchHeader(set, second).crc);
  await log.close();
  t.remove();
});

test('LogAppendTime topics stamp the broker’s time on every record', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ messageTimestampType: 'LogAppendTime' }), { now: () => 1_800_000_000_000 });
  const r = log.append(makeBatch('x', 3, 1_000));
  assert.is(r.logAppendTimeMs, 1_800_000_000_000);
  const records = recordsIn(readSlice(log.read(0, 1 << 20).slice!));
  assert.ok(records.every((rec) => rec.timestamp === 1_800_000_000_000));
  await log.close();
  t.remove();
});

test('offsets by time: earliest, latest, max timestamp, and the first record at or after a time', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 2048, indexIntervalBytes: 100 }));
  // Batch b has records at 1_000_000 + b*1000 + i.
  fill(log, 40, 4, 30, 1_000_000);
  assert.equal(log.offsetForTimestamp(-2), { offset: 0, timestamp: -1 });
  assert.equal(log.offsetForTimestamp(-1), { offset: 160, timestamp: -1 });
  assert.equal(log.offsetForTimestamp(-3), { offset: 159, timestamp: 1_039_003 });
  // No tiered storage: the earliest local offset is the log start, the latest tiered one none.
  assert.equal(log.offsetForTimestamp(-4), { offset: 0, timestamp: -1 });
  assert.equal(log.offsetForTimestamp(-5), { offset: -1, timestamp: -1 });
  assert.equal(log.offsetForTimestamp(0), { offset: 0, timestamp: 1_000_000 });
  assert.equal(log.offsetForTimestamp(1_017_000), { offset: 68, timestamp: 1_017_000 });
  assert.equal(log.offsetForTimestamp(1_017_002), { offset: 70, timestamp: 1_017_002 }, 'inside a batch');
  assert.equal(log.offsetForTimestamp(1_017_500), { offset: 72, timestamp: 1_018_000 }, 'between batches');
  assert.is(log.offsetForTimestamp(2_000_000), undefined, 'after everything');
  await log.close();
  t.remove();
});

test('max timestamp names the record carrying it inside its batch, in an older segment, also after a restart, as Kafka does', async () => {
  const t = tempDir();
  const cfg = logConfig({ segmentBytes: 1024, indexIntervalBytes: 100 });
  let log = PartitionLog.open(t.dir, 't', 0, cfg);
  // Offsets 0-9 in one gzip batch; the largest timestamp of the whole log sits at offset 3.
  const stamps = [10, 11, 12, 99_000, 13, 14, 15, 16, 17, 18].map((d) => 1_000_000 + d);
  assert.is(log.append(encodeBatch(stamps.map((timestamp, i) => ({ value: `m${i}`, timestamp })), { compression: CompressionType.Gzip })).errorCode, 0);
  fill(log, 20, 3, 40, 1_010_000);
  assert.ok(log.segmentCount > 2, 'the batch is in an older segment');
  const want = { offset: 3, timestamp: 1_099_000 };
  assert.equal(log.offsetForTimestamp(-3), want);
  await log.close();
  log = PartitionLog.open(t.dir, 't', 0, cfg);
  assert.equal(log.offsetForTimestamp(-3), want, 'after a restart');
  await log.close();
  t.remove();
});

test('retention by time deletes old segments but never the active one, files after a delay', async () => {
  const t = tempDir();
  let now = 10_000_000;
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 1024, retentionMs: 60_000, fileDeleteDelayMs: 5_000 }), { now: () => now });
  fill(log, 30, 3, 20, now - 120_000); // all records are two minutes old
  const segments = log.segmentCount;
  assert.ok(segments > 2);
  const deleted = log.runRetention(now);
  assert.is(deleted, segments - 1);
  assert.is(log.segmentCount, 1, 'the active segment stays');
  assert.is(log.logStartOffset, log.activeSegment.baseOffset);
  assert.ok(readdirSync(log.dir).some((n) => n.endsWith('.deleted')), 'renamed, not yet removed');
  assert.is(log.removeDeletedFiles(now + 1_000).length, 0);
  now += 6_000;
  assert.is(log.removeDeletedFiles(now).length / 3, deleted);
  assert.not.ok(readdirSync(log.dir).some((n) => n.endsWith('.deleted')));
  assert.is(log.read(0, 100).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  await log.close();
  t.remove();
});

test('retention by time keeps segments with recent records', async () => {
  const t = tempDir();
  const now = 50_000_000;
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 1024, retentionMs: 60_000 }), { now: () => now });
  fill(log, 10, 3, 20, now - 120_000);
  const oldSegments = log.segmentCount;
  log.roll();
  fill(log, 10, 3, 20, now - 1_000);
  assert.is(log.runRetention(now), oldSegments);
  assert.ok(log.segmentInfo().every((s) => s.largestTimestamp >= now - 60_000 || s.size === 0));
  await log.close();
  t.remove();
});

test('retention by size deletes the oldest segments until the log fits', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 1000, retentionBytes: 2500, retentionMs: -1 }));
  fill(log, 40, 2, 40);
  log.runRetention();
  const total = log.sizeBytes;
  const oldest = log.segmentInfo()[0]!.size;
  assert.ok(total - oldest < 2500, `total ${total} minus the oldest ${oldest} is under the limit`);
  assert.ok(log.segmentCount >= 2);
  await log.close();
  t.remove();
});

test('deleteRecords moves the log start offset and drops whole segments below it', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 1024 }));
  fill(log, 30, 3, 20);
  const before = log.segmentCount;
  const deleted = log.deleteRecords(45);
  assert.equal([deleted.errorCode, deleted.lowWatermark], [0, 45]);
  await deleted.durable;
  assert.ok(log.segmentCount < before);
  assert.is(log.read(44, 100).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const records = recordsIn(readSlice(log.read(45, 1).slice!));
  assert.ok(records.some((r) => r.offset === 45));
  assert.is(log.deleteRecords(1_000).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const all = log.deleteRecords(-1);
  assert.equal([all.errorCode, all.lowWatermark], [0, 90], '-1 means the high watermark');
  await all.durable;
  await log.close();
  const again = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 1024 }));
  assert.is(again.logStartOffset, 90, 'the log start offset survives a restart');
  await again.close();
  t.remove();
});

test('rolled segments are synced in the background; the recovery point waits for them', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 1024 }));
  fill(log, 20, 2, 20);
  assert.ok(log.segmentCount > 2);
  const flushed = log.flushAsync();
  assert.ok(log.recoveryPoint < log.activeSegment.baseOffset, 'not past a segment whose sync is pending');
  await flushed;
  assert.is(log.recoveryPoint, log.logEndOffset, 'the flush waited for the rolled segments too');
  await log.close();
  t.remove();
});

test('a clean close leaves a marker and reopening trusts the files', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 2048 }));
  const values = fill(log, 20, 3, 10);
  await log.close();
  assert.ok(existsSync(join(log.dir, CLEAN_SHUTDOWN_MARKER)));
  const again = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentBytes: 2048 }));
  assert.ok(again.wasCleanShutdown);
  assert.equal(again.recovered, []);
  assert.not.ok(existsSync(join(log.dir, CLEAN_SHUTDOWN_MARKER)), 'the marker is removed while open');
  assert.equal(readAll(again, 0, 1 << 20).map((r) => r.value), values);
  assert.is(again.append(makeBatch('after', 1)).baseOffset, values.length);
  await again.close();
  t.remove();
});

function activeLogPath(log: PartitionLog): string {
  return log.activeSegment.logPath;
}

test('recovery cuts a torn tail and keeps every complete batch', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig());
  const values = fill(log, 5, 2);
  const path = activeLogPath(log);
  log.closeAbruptly();
  const size = statSync(path).size;
  appendFileSync(path, makeBatch('torn', 3).subarray(0, 40));
  const again = PartitionLog.open(t.dir, 't', 0, logConfig());
  assert.not.ok(again.wasCleanShutdown);
  assert.is(again.recovered[0]!.truncatedBytes, 40);
  assert.match(again.recovered[0]!.problem!, /torn/);
  assert.is(statSync(path).size, size);
  assert.equal(readAll(again, 0, 1 << 20).map((r) => r.value), values);
  assert.is(again.append(makeBatch('next', 1)).baseOffset, 10);
  await again.close();
  t.remove();
});

test('recovery cuts a garbage tail', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig());
  const values = fill(log, 4, 2);
  const path = activeLogPath(log);
  log.closeAbruptly();
  appendFileSync(path, Buffer.alloc(300, 0xab));
  const again = PartitionLog.open(t.dir, 't', 0, logConfig());
  assert.is(again.recovered[0]!.truncatedBytes, 300);
  assert.equal(readAll(again, 0, 1 << 20).map((r) => r.value), values);
  await again.close();
  t.remove();
});

test('recovery rebuilds a missing index, even after a clean shutdown', async () => {
  const t = tempDir();
  const config = logConfig({ indexIntervalBytes: 64 });
  const log = PartitionLog.open(t.dir, 't', 0, config);
  const values = fill(log, 30, 2, 20);
  const entries = log.activeSegment.offsetIndex.entryCount;
  assert.ok(entries > 5);
  await log.close();
  unlinkSync(join(log.dir, '00000000000000000000.index'));
  const again = PartitionLog.open(t.dir, 't', 0, config);
  assert.is(again.recovered.length, 1);
  assert.is(again.activeSegment.offsetIndex.entryCount, entries, 'the same entries as before');
  assert.equal(readAll(again, 0, 1).map((r) => r.value), values);
  await again.close();
  t.remove();
});

test('recovery truncates at a corrupt batch in the middle and drops what follows', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig());
  fill(log, 6, 2);
  const path = activeLogPath(log);
  log.closeAbruptly();
  // Corrupt one byte inside the third batch's records (CRC-covered).
  const batchSize = makeBatch('b0', 2).length;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([0xee]), 0, 1, batchSize * 2 + 70);
  closeSync(fd);
  const again = PartitionLog.open(t.dir, 't', 0, logConfig());
  assert.match(again.recovered[0]!.problem!, /CRC/);
  assert.is(again.logEndOffset, 4, 'two good batches of two records remain');
  assert.equal(readAll(again, 0, 1 << 20).map((r) => r.value), ['b0-v0', 'b0-v1', 'b1-v0', 'b1-v1']);
  await again.close();
  t.remove();
});

test('recovery after a crash scans only from the recovery point', async () => {
  const t = tempDir();
  const config = logConfig({ segmentBytes: 1024 });
  const log = PartitionLog.open(t.dir, 't', 0, config);
  fill(log, 30, 2, 20);
  const segments = log.segmentCount;
  await log.rolledSegmentsSynced();
  log.flush();
  log.writeCheckpoints();
  fill(log, 2, 2, 20);
  log.closeAbruptly();
  const again = PartitionLog.open(t.dir, 't', 0, config);
  assert.ok(again.recovered.length >= 1 && again.recovered.length <= 2, `rescanned ${again.recovered.length} of ${segments}+ segments`);
  assert.is(again.logEndOffset, 64);
  await again.close();
  t.remove();
});

test('flush.messages flushes after that many records and moves the recovery point', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ flushMessages: 5 }));
  log.append(makeBatch('a', 3));
  assert.is(log.flushIfDue(), undefined, 'not due after 3 records');
  assert.ok(log.hasUnflushed);
  assert.is(log.recoveryPoint, 0);
  log.append(makeBatch('b', 3));
  const flushed = log.flushIfDue();
  assert.ok(flushed, 'due after 6');
  assert.not.ok(log.hasUnflushed);
  await flushed;
  assert.is(log.recoveryPoint, 6, 'moved once the fdatasync completed');
  await log.close();
  t.remove();
});

test('flush.ms flushes when the oldest unflushed append is old enough', async () => {
  const t = tempDir();
  let now = 1_000;
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ flushMs: 500 }), { now: () => now });
  log.append(makeBatch('a', 1));
  assert.not.ok(log.flushIfDue(now + 100));
  now += 600;
  assert.ok(log.flushIfDue(now));
  await log.close();
  t.remove();
});

test('a segment older than segment.ms rolls on the next append', async () => {
  const t = tempDir();
  let now = 1_000_000;
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentMs: 10_000 }), { now: () => now });
  log.append(makeBatch('a', 1, 5)); // the records' own timestamps do not matter
  now += 5_000;
  log.append(makeBatch('b', 1, now));
  assert.is(log.segmentCount, 1);
  now += 20_000;
  log.append(makeBatch('c', 1, now));
  assert.is(log.segmentCount, 2);
  assert.is(log.activeSegment.baseOffset, 2);
  await log.close();
  t.remove();
});

test('a full offset index rolls the segment', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 't', 0, logConfig({ segmentIndexBytes: 8 * 4, indexIntervalBytes: 1 }));
  fill(log, 20, 1);
  assert.ok(log.segmentCount >= 4, `${log.segmentCount} segments`);
  await log.close();
  t.remove();
});

test.run();
