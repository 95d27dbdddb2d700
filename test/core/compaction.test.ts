import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCompaction } from '../../src/core/compaction.js';
import { logConfig, type LogConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { rng } from '../protocol/helpers/round-trip.js';
import { readSlice, recordsIn, tempDir } from './helpers.js';

interface Written {
  offset: number;
  key: string;
  value: string | null;
  timestamp: number;
}

/** Appends a random keyed workload; returns every record written, in offset order. */
function workload(log: PartitionLog, seed: number, batches: number, start: number): Written[] {
  const rand = rng(seed);
  const out: Written[] = [];
  for (let b = 0; b < batches; b++) {
    const n = 1 + Math.floor(rand() * 8);
    const records = Array.from({ length: n }, (_, i) => {
      const key = `key-${Math.floor(rand() * 25)}`;
      const value = rand() < 0.15 ? null : `v${seed}-${b}-${i}-${'x'.repeat(Math.floor(rand() * 40))}`;
      return { key, value, timestamp: start + b * 10 + i };
    });
    const r = log.append(encodeBatch(records, { compression: rand() < 0.3 ? 1 : 0 }));
    assert.is(r.errorCode, 0);
    records.forEach((rec, i) => out.push({ offset: r.baseOffset + i, ...rec }));
  }
  return out;
}

function readLog(log: PartitionLog): Written[] {
  const out: Written[] = [];
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const r = log.read(offset, 1 << 20);
    if (!r.slice) break;
    const records = recordsIn(readSlice(r.slice)).filter((x) => x.offset >= offset);
    if (records.length === 0) break;
    for (const x of records) out.push({ offset: x.offset, key: x.key!.toString(), value: x.value?.toString() ?? null, timestamp: x.timestamp });
    offset = records[records.length - 1]!.offset + 1;
  }
  return out;
}

/**
 * Checks a compacted log against the model: what remains is an ordered subset of what was
 * written, unaltered; below `cleanedUpTo` each key appears at most once and only as its newest
 * record; every key's newest record survives unless it is a tombstone older than the horizon.
 */
function assertMatchesModel(after: Written[], written: Written[], cleanedUpTo: number, tombstoneHorizon: number): void {
  const byOffset = new Map(written.map((w) => [w.offset, w]));
  let previous = -1;
  for (const r of after) {
    assert.ok(r.offset > previous, 'offsets strictly increase');
    previous = r.offset;
    assert.equal(r, byOffset.get(r.offset), `offset ${r.offset} is unaltered`);
  }
  const newest = new Map<string, Written>();
  for (const w of written) newest.set(w.key, w);
  const seenBelow = new Set<string>();
  for (const r of after.filter((x) => x.offset < cleanedUpTo)) {
    assert.not.ok(seenBelow.has(r.key), `${r.key} appears once in the cleaned section`);
    seenBelow.add(r.key);
  }
  const present = new Set(after.map((r) => r.offset));
  for (const [key, w] of newest) {
    const expired = w.value === null && w.timestamp < tombstoneHorizon && w.offset < cleanedUpTo;
    assert.is(present.has(w.offset), !expired, `newest record of ${key} at ${w.offset} ${expired ? 'dropped' : 'kept'}`);
  }
  // Reading the log as a table gives the model's table.
  const table = new Map<string, string | null>();
  for (const r of after) table.set(r.key, r.value);
  for (const [key, w] of newest) {
    if (w.value !== null) assert.is(table.get(key), w.value, `${key} reads as its newest value`);
    else assert.ok(table.get(key) === null || !table.has(key), `${key} reads as deleted`);
  }
}

const compactConfig = (extra: Partial<LogConfig> = {}) =>
  logConfig({ cleanupPolicy: ['compact'], segmentBytes: 4096, indexIntervalBytes: 256, minCleanableDirtyRatio: 0.5, ...extra });

test('compaction keeps the newest record of each key, in order, with offsets unchanged (random workloads)', async () => {
  for (const seed of [1, 2, 3]) {
    const t = tempDir();
    const log = PartitionLog.open(t.dir, 'c', 0, compactConfig({ deleteRetentionMs: 1e12 }), { now: () => 2_000_000 });
    const written = workload(log, seed, 300, 1_000_000);
    const before = log.sizeBytes;
    const result = (await log.compact(2_000_000, true))!;
    assert.ok(result, 'a pass ran');
    assert.ok(result.recordsAfter < result.recordsBefore);
    assert.ok(log.sizeBytes < before, 'the log shrank');
    assertMatchesModel(readLog(log), written, result.cleanedUpTo, -Infinity);
    await log.close();
    t.remove();
  }
});

test('tombstones older than delete.retention.ms are dropped and their keys read as deleted', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 'c', 0, compactConfig({ deleteRetentionMs: 1_000 }));
  const written = workload(log, 9, 300, 1_000_000);
  const horizonNow = 10_000_000; // every record is far past retention
  const result = (await log.compact(horizonNow, true))!;
  assert.ok(result.tombstonesDropped > 0);
  assertMatchesModel(readLog(log), written, result.cleanedUpTo, horizonNow - 1_000);
  await log.close();
  t.remove();
});

test('repeated passes over new writes keep the model, and survive a restart', async () => {
  const t = tempDir();
  const config = compactConfig({ deleteRetentionMs: 1e12 });
  let log = PartitionLog.open(t.dir, 'c', 0, config);
  const written: Written[] = [];
  let cleanedUpTo = 0;
  for (let round = 0; round < 4; round++) {
    written.push(...workload(log, 100 + round, 120, 1_000_000 + round * 10_000));
    const r = await log.compact(5_000_000, true);
    if (r) cleanedUpTo = r.cleanedUpTo;
    assertMatchesModel(readLog(log), written, cleanedUpTo, -Infinity);
    if (round === 1) {
      await log.close();
      log = PartitionLog.open(t.dir, 'c', 0, config);
      assert.is(log.firstDirtyOffset, cleanedUpTo, 'the cleaner checkpoint survives');
    }
  }
  await log.close();
  t.remove();
});

test('the active segment is never compacted and the dirty ratio gates a pass', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 'c', 0, compactConfig({ segmentBytes: 1 << 20 }));
  workload(log, 5, 50, 1_000);
  assert.is(log.segmentCount, 1);
  assert.is(log.compactionPlan(1e12, true), undefined, 'only the active segment: nothing to clean');
  log.roll();
  workload(log, 6, 5, 2_000);
  const first = (await log.compact(1e12))!;
  assert.ok(first, 'all dirty: the ratio passes');
  log.roll();
  workload(log, 7, 1, 3_000);
  log.roll();
  assert.is(log.compactionPlan(1e12), undefined, 'little new dirt: below min.cleanable.dirty.ratio');
  assert.ok(log.compactionPlan(1e12, true), 'forced');
  await log.close();
  t.remove();
});

test('min.compaction.lag.ms keeps recent segments out of the pass', async () => {
  const t = tempDir();
  const log = PartitionLog.open(t.dir, 'c', 0, compactConfig({ minCompactionLagMs: 10_000 }));
  workload(log, 11, 100, 1_000_000);
  const plan = log.compactionPlan(1_000_000 + 2_000, true);
  assert.ok(!plan || plan.cleanableEnd <= log.logEndOffset);
  assert.is(log.compactionPlan(1_000_000 + 500, true), undefined, 'every segment is too young');
  await log.close();
  t.remove();
});

test('a pass interrupted after its swap files were written is completed at the next open', async () => {
  const t = tempDir();
  const config = compactConfig({ deleteRetentionMs: 1e12 });
  const log = PartitionLog.open(t.dir, 'c', 0, config);
  const written = workload(log, 21, 300, 1_000_000);
  const plan = log.compactionPlan(2_000_000, true)!;
  const result = runCompaction(plan);
  // Crash right after renaming the cleaned files to swap files, before touching the sources.
  for (const g of result.groups) renameSync(g.cleanedPath, `${g.cleanedPath.slice(0, -'.cleaned'.length)}.${String(g.endOffset).padStart(20, '0')}.swap`);
  log.closeAbruptly();
  const again = PartitionLog.open(t.dir, 'c', 0, config);
  assert.not.ok(readdirSync(again.dir).some((n) => n.endsWith('.swap')));
  assertMatchesModel(readLog(again), written, result.cleanedUpTo, -Infinity);
  await again.close();
  t.remove();
});

test('a pass interrupted before its swap leaves the log as it was', async () => {
  const t = tempDir();
  const config = compactConfig();
  const log = PartitionLog.open(t.dir, 'c', 0, config);
  const written = workload(log, 31, 200, 1_000_000);
  runCompaction(log.compactionPlan(2_000_000, true)!);
  log.closeAbruptly();
  const again = PartitionLog.open(t.dir, 'c', 0, config);
  assert.not.ok(readdirSync(join(again.dir)).some((n) => n.endsWith('.cleaned')));
  assert.equal(readLog(again), written);
  await again.close();
  t.remove();
});

test.run();
