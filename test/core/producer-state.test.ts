import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import {
  MAX_SEQUENCE,
  NUM_BATCHES_TO_RETAIN,
  type ProducerEntry,
  decodeSnapshot,
  decrementSequence,
  encodeSnapshot,
  incrementSequence,
} from '../../src/core/producer-state.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { LogHost } from '../../src/workers/log-host.js';
import { readSlice, recordsIn, tempDir } from './helpers.js';

const T0 = 1_700_000_000_000;
const DAY_MS = 86_400_000;

/** A batch of `count` records from an idempotent producer, values naming producer and sequence. */
function idem(producerId: number, producerEpoch: number, baseSequence: number, count = 3, timestamp = T0, transactional = false): Buffer {
  return encodeBatch(
    Array.from({ length: count }, (_, i) => ({ value: `p${producerId}e${producerEpoch}s${incrementSequence(baseSequence, i)}`, timestamp })),
    { producerId, producerEpoch, baseSequence, baseTimestamp: timestamp, transactional },
  );
}

/** Every record value in the log, in offset order. */
function values(log: PartitionLog): string[] {
  const out: string[] = [];
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const records = recordsIn(readSlice(log.read(offset, 1 << 20).slice!)).filter((r) => r.offset >= offset);
    for (const r of records) out.push(r.value!.toString());
    offset = records[records.length - 1]!.offset + 1;
  }
  return out;
}

function open(dir: string, nowMs = T0, segmentBytes = 1 << 20): PartitionLog {
  return PartitionLog.open(dir, 'idem', 0, logConfig({ segmentBytes, indexIntervalBytes: 256 }), { now: () => nowMs });
}

test('a retried batch is answered with its original offsets and is not written again', async () => {
  const t = tempDir();
  const log = open(t.dir);
  const first = log.append(idem(7, 0, 0));
  const second = log.append(idem(7, 0, 3));
  assert.equal([first.baseOffset, first.lastOffset, second.baseOffset, second.lastOffset], [0, 2, 3, 5]);
  const retry = log.append(idem(7, 0, 0));
  assert.is(retry.errorCode, ErrorCode.NONE);
  assert.is(retry.duplicate, true);
  assert.equal([retry.baseOffset, retry.lastOffset], [0, 2]);
  assert.is(log.append(idem(7, 0, 3)).baseOffset, 3);
  assert.is(log.logEndOffset, 6);
  assert.equal(values(log), ['p7e0s0', 'p7e0s1', 'p7e0s2', 'p7e0s3', 'p7e0s4', 'p7e0s5']);
  await log.close();
  t.remove();
});

test('each of the last five batches is recognised as a duplicate; an older one is out of order', async () => {
  const t = tempDir();
  const log = open(t.dir);
  const offsets: number[] = [];
  for (let i = 0; i < 8; i++) offsets.push(log.append(idem(1, 0, i * 2, 2)).baseOffset);
  for (let i = 8 - NUM_BATCHES_TO_RETAIN; i < 8; i++) {
    const r = log.append(idem(1, 0, i * 2, 2));
    assert.is(r.duplicate, true, `batch ${i}`);
    assert.is(r.baseOffset, offsets[i]);
  }
  const old = log.append(idem(1, 0, 2 * (8 - NUM_BATCHES_TO_RETAIN - 1), 2));
  assert.is(old.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  // A batch overlapping a retained one without matching it exactly is no duplicate either.
  assert.is(log.append(idem(1, 0, 13, 2)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.is(log.logEndOffset, 16);
  await log.close();
  t.remove();
});

test('a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is written', async () => {
  const t = tempDir();
  const log = open(t.dir);
  log.append(idem(3, 0, 0));
  const gap = log.append(idem(3, 0, 4));
  assert.is(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.is(gap.baseOffset, -1);
  assert.is(log.logEndOffset, 3);
  // The expected sequence is still accepted afterwards.
  assert.is(log.append(idem(3, 0, 3)).errorCode, ErrorCode.NONE);
  await log.close();
  t.remove();
});

test('an unknown producer is accepted at any sequence and epoch, then held to its sequence', async () => {
  const t = tempDir();
  const log = open(t.dir);
  assert.is(log.append(idem(9, 4, 1000)).errorCode, ErrorCode.NONE);
  assert.is(log.append(idem(9, 4, 1003)).errorCode, ErrorCode.NONE);
  assert.is(log.append(idem(9, 4, 1007)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  await log.close();
  t.remove();
});

test('an older epoch is INVALID_PRODUCER_EPOCH; a new epoch must start at sequence 0', async () => {
  const t = tempDir();
  const log = open(t.dir);
  log.append(idem(5, 2, 0));
  log.append(idem(5, 2, 3));
  assert.is(log.append(idem(5, 1, 6)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.is(log.append(idem(5, 3, 6)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  // The client's own epoch bump (KIP-360): epoch + 1, sequences from 0.
  const bumped = log.append(idem(5, 3, 0));
  assert.is(bumped.errorCode, ErrorCode.NONE);
  assert.is(bumped.baseOffset, 6);
  // The old epoch is now stale, even for what was a duplicate under it.
  assert.is(log.append(idem(5, 2, 3)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.is(log.append(idem(5, 3, 0)).duplicate, true);
  assert.is(log.logEndOffset, 9);
  await log.close();
  t.remove();
});

test('sequences wrap from Int32.MAX to 0', async () => {
  assert.is(incrementSequence(MAX_SEQUENCE - 1, 3), 1);
  assert.is(incrementSequence(MAX_SEQUENCE, 1), 0);
  assert.is(decrementSequence(1, 3), MAX_SEQUENCE - 1);
  const t = tempDir();
  const log = open(t.dir);
  assert.is(log.append(idem(2, 0, MAX_SEQUENCE - 4, 3)).errorCode, ErrorCode.NONE);
  // Three records from MAX-1: MAX-1, MAX, 0.
  const wrapping = log.append(idem(2, 0, MAX_SEQUENCE - 1, 3));
  assert.is(wrapping.errorCode, ErrorCode.NONE);
  assert.equal(values(log).slice(-3), [`p2e0s${MAX_SEQUENCE - 1}`, `p2e0s${MAX_SEQUENCE}`, 'p2e0s0']);
  assert.is(log.append(idem(2, 0, MAX_SEQUENCE - 1, 3)).duplicate, true, 'the wrapping batch is recognised on retry');
  assert.is(log.append(idem(2, 0, 1, 2)).errorCode, ErrorCode.NONE);
  // Exactly at the boundary: a batch ending at MAX is followed by one starting at 0.
  log.append(idem(4, 0, MAX_SEQUENCE - 1, 2));
  assert.is(log.append(idem(4, 0, 0, 1)).errorCode, ErrorCode.NONE);
  assert.is(log.producers.entry(4)!.batches.at(-1)!.lastSeq, 0);
  await log.close();
  t.remove();
});

test('several batches of one producer in one append are checked against each other', async () => {
  const t = tempDir();
  const log = open(t.dir);
  const both = log.append(Buffer.concat([idem(6, 0, 0, 2), idem(6, 0, 2, 2)]));
  assert.is(both.errorCode, ErrorCode.NONE);
  assert.equal([both.baseOffset, both.lastOffset], [0, 3]);
  const gapInSecond = log.append(Buffer.concat([idem(6, 0, 4, 2), idem(6, 0, 7, 2)]));
  assert.is(gapInSecond.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.is(log.logEndOffset, 4, 'nothing of a refused append is written');
  assert.is(log.append(idem(6, 0, 2, 2)).baseOffset, 2, 'the second batch of the first append is a duplicate');
  await log.close();
  t.remove();
});

test('a batch with a producer id needs a sequence, a transactional one a producer id; plain batches are untouched', async () => {
  const t = tempDir();
  const log = open(t.dir);
  assert.is(log.append(encodeBatch([{ value: 'x' }], { transactional: true })).errorCode, ErrorCode.INVALID_RECORD);
  assert.is(log.append(encodeBatch([{ value: 'x' }], { producerId: 8, producerEpoch: 0, baseSequence: -1 })).errorCode, ErrorCode.INVALID_RECORD);
  const plain = encodeBatch([{ value: 'a' }, { value: 'b' }]);
  assert.is(log.append(Buffer.from(plain)).baseOffset, 0);
  assert.is(log.append(Buffer.from(plain)).baseOffset, 2, 'without a producer id the same bytes are written twice');
  assert.is(log.producers.producerCount, 0);
  await log.close();
  t.remove();
});

test('under LogAppendTime a duplicate is answered with the original append time', async () => {
  const t = tempDir();
  let now = T0 + 5_000;
  const log = PartitionLog.open(t.dir, 'idem', 0, logConfig({ messageTimestampType: 'LogAppendTime' }), { now: () => now });
  const first = log.append(idem(1, 0, 0));
  assert.is(first.logAppendTimeMs, T0 + 5_000);
  now += 60_000;
  const retry = log.append(idem(1, 0, 0));
  assert.is(retry.duplicate, true);
  assert.is(retry.logAppendTimeMs, T0 + 5_000);
  await log.close();
  t.remove();
});

test('after a clean close the snapshot at the log end restores every retained batch without replaying the log', async () => {
  const t = tempDir();
  let log = open(t.dir);
  for (let s = 0; s < 30; s += 3) log.append(idem(11, 0, s));
  for (let s = 0; s < 6; s += 3) log.append(idem(12, 1, s));
  await log.close();
  assert.ok(readdirSync(log.dir).includes('00000000000000000036.snapshot'), 'named like Kafka: the offset in 20 digits');
  log = open(t.dir);
  assert.equal(log.producerStateReplay, { fromOffset: 36, batches: 0, snapshotOffset: 36 });
  for (let s = 15; s < 30; s += 3) assert.is(log.append(idem(11, 0, s)).duplicate, true, `producer 11 sequence ${s}`);
  assert.is(log.append(idem(12, 1, 0)).baseOffset, 30);
  assert.is(log.append(idem(11, 0, 30)).baseOffset, 36);
  assert.is(log.append(idem(12, 0, 6)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  await log.close();
  t.remove();
});

test('after a crash the state is rebuilt from the last roll snapshot and the batch headers after it, and still dedupes', async () => {
  const t = tempDir();
  let log = open(t.dir, T0, 2048);
  const offsets = new Map<number, number>();
  for (let s = 0; s < 300; s += 3) offsets.set(s, log.append(idem(21, 0, s, 3)).baseOffset);
  assert.ok(log.segmentCount > 3, `rolled into ${log.segmentCount} segments`);
  const activeBase = log.segmentInfo().at(-1)!.baseOffset;
  await log.settled();
  assert.ok(log.producers.snapshotOffsets().includes(activeBase), 'a snapshot at the last roll');
  log.closeAbruptly();
  log = open(t.dir, T0, 2048);
  assert.not.ok(log.wasCleanShutdown);
  assert.is(log.producerStateReplay.snapshotOffset, activeBase);
  assert.ok(log.producerStateReplay.batches > 0, 'batches after the snapshot were replayed');
  for (let s = 285; s < 300; s += 3) {
    const r = log.append(idem(21, 0, s, 3));
    assert.is(r.duplicate, true, `sequence ${s}`);
    assert.is(r.baseOffset, offsets.get(s));
  }
  assert.is(log.append(idem(21, 0, 300, 3)).baseOffset, 300);
  assert.is(values(log).length, 303);
  await log.close();
  t.remove();
});

test('after a crash with no snapshot at all the state is rebuilt from the log', async () => {
  const t = tempDir();
  let log = open(t.dir);
  log.append(idem(31, 0, 0));
  log.append(idem(31, 0, 3));
  log.closeAbruptly();
  assert.equal(log.producers.snapshotOffsets(), []);
  log = open(t.dir);
  assert.equal(log.producerStateReplay, { fromOffset: 0, batches: 2, snapshotOffset: -1 });
  assert.is(log.append(idem(31, 0, 3)).baseOffset, 3);
  assert.is(log.append(idem(31, 0, 3)).duplicate, true);
  assert.is(log.append(idem(31, 0, 7)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  await log.close();
  t.remove();
});

test('a corrupt snapshot is deleted and an older one (plus replay) is used instead', async () => {
  const t = tempDir();
  let log = open(t.dir, T0, 2048);
  for (let s = 0; s < 120; s += 3) log.append(idem(41, 0, s));
  await log.close();
  const snapshots = log.producers.snapshotOffsets();
  assert.ok(snapshots.length >= 2);
  const newest = snapshots.at(-1)!;
  writeFileSync(log.producers.snapshotPath(newest), Buffer.from('not a snapshot at all, just garbage'));
  log = open(t.dir, T0, 2048);
  assert.not.ok(log.producers.snapshotOffsets().includes(newest), 'the corrupt snapshot is gone');
  assert.is(log.producerStateReplay.snapshotOffset, snapshots.at(-2));
  assert.is(log.append(idem(41, 0, 117)).duplicate, true);
  assert.is(log.append(idem(41, 0, 120)).errorCode, ErrorCode.NONE);
  await log.close();
  t.remove();
});

test('snapshots round-trip and a flipped byte fails the CRC', async () => {
  const entries: ProducerEntry[] = [
    { producerId: 2 ** 40 + 3, producerEpoch: 7, lastTimestamp: T0, coordinatorEpoch: -1, currentTxnFirstOffset: -1, batches: [{ lastSeq: 4, lastOffset: 99, offsetDelta: 4, timestamp: T0 }] },
    {
      producerId: 0,
      producerEpoch: 32767,
      lastTimestamp: T0 + 1,
      coordinatorEpoch: 3,
      currentTxnFirstOffset: 2 ** 45,
      batches: Array.from({ length: 5 }, (_, i) => ({ lastSeq: MAX_SEQUENCE - 10 + i, lastOffset: 2 ** 45 + i, offsetDelta: 0, timestamp: T0 + i })),
    },
  ];
  const bytes = encodeSnapshot(1234, entries);
  assert.equal(decodeSnapshot(bytes), { offset: 1234, entries });
  for (const at of [0, 3, 10, 20, bytes.length - 1]) {
    const bad = Buffer.from(bytes);
    bad[at]! ^= 0x40;
    assert.is(decodeSnapshot(bad), undefined, `byte ${at} flipped`);
  }
  assert.is(decodeSnapshot(bytes.subarray(0, bytes.length - 24)), undefined);
  assert.equal(decodeSnapshot(encodeSnapshot(0, [])), { offset: 0, entries: [] });
});

test('retention deleting segments keeps the producer state, in memory and across a restart', async () => {
  const t = tempDir();
  const cfg = logConfig({ segmentBytes: 2048, indexIntervalBytes: 256, retentionBytes: 3000 });
  let log = PartitionLog.open(t.dir, 'idem', 0, cfg, { now: () => T0 });
  log.append(idem(51, 0, 0));
  for (let s = 0; s < 150; s += 3) log.append(idem(52, 0, s));
  await log.settled();
  assert.ok(log.runRetention(T0) > 0);
  assert.ok(log.logStartOffset > 3, 'the segment with producer 51 is gone');
  assert.ok(log.producers.snapshotOffsets()[0]! >= log.segmentInfo()[0]!.baseOffset, 'older snapshots went with their segments');
  assert.is(log.append(idem(51, 0, 0)).duplicate, true, 'in memory');
  await log.close();
  log = PartitionLog.open(t.dir, 'idem', 0, cfg, { now: () => T0 });
  assert.is(log.append(idem(51, 0, 0)).duplicate, true, 'after a restart');
  assert.is(log.append(idem(51, 0, 4)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  await log.close();
  t.remove();
});

test('producers idle for producer.id.expiration.ms are forgotten, then accepted at any sequence', async () => {
  const t = tempDir();
  let now = T0;
  const options = { now: () => now, producerIdExpirationMs: DAY_MS };
  let log = PartitionLog.open(t.dir, 'idem', 0, logConfig(), options);
  log.append(idem(61, 0, 0, 3, T0));
  log.append(idem(62, 0, 0, 3, T0 + 10 * 3_600_000));
  now = T0 + DAY_MS - 1;
  assert.is(log.removeExpiredProducers(), 0);
  now = T0 + DAY_MS;
  assert.is(log.removeExpiredProducers(), 1);
  assert.equal(log.activeProducers().map((p) => p.producerId), [62]);
  assert.is(log.append(idem(61, 0, 500, 3, now)).errorCode, ErrorCode.NONE, 'an expired producer is unknown');
  await log.close();
  // Producers that expire while the broker is down are not loaded from the snapshot.
  now = T0 + 10 * 3_600_000 + DAY_MS;
  log = PartitionLog.open(t.dir, 'idem', 0, logConfig(), options);
  assert.equal(log.activeProducers().map((p) => p.producerId), [61]);
  await log.close();
  t.remove();
});

test('truncation rebuilds the producer state from what remains', async () => {
  const t = tempDir();
  const log = open(t.dir, T0, 2048);
  for (let s = 0; s < 90; s += 3) log.append(idem(71, 0, s));
  log.truncateTo(60);
  assert.is(log.logEndOffset, 60);
  assert.is(log.producers.entry(71)!.batches.at(-1)!.lastSeq, 59);
  assert.is(log.append(idem(71, 0, 60)).baseOffset, 60);
  await log.close();
  t.remove();
});

test('LogHost reports active producers and expires them on its check interval', async () => {
  const t = tempDir();
  let now = T0;
  const host = new LogHost({
    retentionCheckIntervalMs: 1e9,
    cleanerBackoffMs: 1e9,
    cleanerEnabled: false,
    producerIdExpirationMs: 60_000,
    producerIdExpirationCheckIntervalMs: 10_000,
    now: () => now,
  });
  host.open({ slot: 1, topic: 'idem', partition: 0, logDir: t.dir, config: logConfig() });
  host.append(1, idem(81, 2, 0, 4, T0));
  assert.equal(host.describeProducers(1), { errorCode: 0, producers: [{ producerId: 81, producerEpoch: 2, lastSequence: 3, lastTimestamp: T0, coordinatorEpoch: -1, currentTxnStartOffset: -1 }] });
  assert.is(host.describeProducers(2).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  now = T0 + 60_000;
  host.tick(now);
  assert.is(host.describeProducers(1).producers.length, 0);
  host.closeAll();
  t.remove();
});

test.run();
