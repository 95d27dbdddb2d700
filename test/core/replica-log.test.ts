/**
 * A partition log as one replica of a replicated partition (cluster mode): the leader epoch
 * cache and its checkpoint, the high watermark a replica manager sets and the reads it bounds,
 * a follower's append of its leader's batches, and truncation to where two logs diverge.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPLICATION_OFFSET_CHECKPOINT } from '../../src/core/checkpoint.js';
import { LEADER_EPOCH_CHECKPOINT, LeaderEpochCache } from '../../src/core/leader-epoch-cache.js';
import { logConfig } from '../../src/core/log-config.js';
import { FetchIsolation, PartitionLog } from '../../src/core/partition-log.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { batchPositions, encodeBatch, readBatchHeader } from '../../src/protocol/records/batch.js';
import { makeBatch, readSlice, recordsIn, tempDir } from './helpers.js';

const T0 = 1_700_000_000_000;
const replica = (dir: string, config = logConfig()) => PartitionLog.open(dir, 'r', 0, config, { now: () => T0, replicated: true });

/** Every byte of `log` from `offset` to its end, as a follower's fetch would get them. */
function fetchAll(log: PartitionLog, offset: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = offset; at < log.logEndOffset; ) {
    const r = log.read(at, 1 << 20, FetchIsolation.LogEnd);
    if (!r.slice) break;
    const bytes = readSlice(r.slice);
    parts.push(bytes);
    let last = at;
    for (const { at: p } of batchPositions(bytes)) {
      const h = readBatchHeader(bytes, p);
      last = h.baseOffset + h.lastOffsetDelta + 1;
    }
    at = last;
  }
  return Buffer.concat(parts);
}

test('the epoch cache answers endOffsetFor as Kafka does, and replaces entries a later epoch contradicts', () => {
  const c = new LeaderEpochCache();
  assert.ok(c.assign(0, 0));
  assert.ok(c.assign(2, 10));
  assert.not.ok(c.assign(2, 12), 'a known epoch changes nothing');
  assert.not.ok(c.assign(1, 12), 'an older epoch changes nothing');
  assert.ok(c.assign(5, 20));
  assert.equal(c.endOffsetFor(5, 33), { epoch: 5, endOffset: 33 }, 'the latest epoch ends at the log end');
  assert.equal(c.endOffsetFor(2, 33), { epoch: 2, endOffset: 20 });
  assert.equal(c.endOffsetFor(3, 33), { epoch: 2, endOffset: 20 }, 'an unknown epoch between two: the one below, ending where the next starts');
  assert.equal(c.endOffsetFor(9, 33), { epoch: -1, endOffset: -1 }, 'above every epoch');
  assert.equal(c.endOffsetFor(-1, 33), { epoch: -1, endOffset: -1 });
  c.truncateFromEnd(15);
  assert.equal(c.list(), [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 10 }]);
  assert.ok(c.assign(7, 8), 'a later epoch from before the start of epoch 2');
  assert.equal(c.list(), [{ epoch: 0, startOffset: 0 }, { epoch: 7, startOffset: 8 }]);
  c.truncateFromStart(9);
  assert.equal(c.list(), [{ epoch: 7, startOffset: 9 }]);
  const again = LeaderEpochCache.parse(c.bytes().toString());
  assert.equal(again?.list(), c.list());
  assert.is(c.bytes().toString(), '0\n1\n7 9\n', "Kafka's leader-epoch-checkpoint format");
  assert.is(LeaderEpochCache.parse('0\n2\n3 5\n2 9\n'), undefined, 'epochs that go back are refused');
  assert.is(LeaderEpochCache.parse('1\n0\n'), undefined, 'an unknown version');
});

test('a replica reads to the high watermark its manager sets, and to its log end for followers', () => {
  const { dir, remove } = tempDir();
  try {
    const log = replica(dir);
    log.beginLeaderEpoch(3);
    log.append(makeBatch('a', 4));
    log.append(makeBatch('b', 2));
    assert.is(log.logEndOffset, 6);
    assert.is(log.highWatermark, 0, 'nothing is committed until the manager says so');
    assert.is(log.read(0, 1 << 20).slice, undefined, 'a consumer reads nothing past the high watermark');
    assert.is(log.lastStableOffset, 0);
    const follower = log.read(0, 1 << 20, FetchIsolation.LogEnd);
    assert.is(recordsIn(readSlice(follower.slice!)).length, 6, 'a follower reads to the log end');
    assert.ok(log.setHighWatermark(4));
    const consumer = log.read(0, 1 << 20);
    assert.equal(recordsIn(readSlice(consumer.slice!)).map((r) => String(r.value)), ['a-v0', 'a-v1', 'a-v2', 'a-v3'], 'up to the high watermark, which ends a batch');
    assert.is(consumer.highWatermark, 4);
    assert.is(log.setHighWatermark(99), true);
    assert.is(log.highWatermark, 6, 'clamped to the log end');
    const bytes = readSlice(log.read(0, 1 << 20).slice!);
    for (const { at } of batchPositions(bytes)) assert.is(readBatchHeader(bytes, at).partitionLeaderEpoch, 3, 'batches carry the leader epoch');
    assert.equal(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 6 });
    assert.equal(log.deleteRecords(7).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'DeleteRecords past the high watermark');
  } finally {
    remove();
  }
});

test('epoch cache and high watermark survive a clean restart and a crash; a lost epoch checkpoint is rebuilt from the batches', async () => {
  const { dir, remove } = tempDir();
  try {
    let log = replica(dir);
    log.beginLeaderEpoch(1);
    log.append(makeBatch('a', 3));
    log.beginLeaderEpoch(4);
    log.append(makeBatch('b', 2));
    log.setHighWatermark(5);
    await log.close();
    const partitionDir = join(dir, 'r-0');
    assert.is(readFileSync(join(partitionDir, LEADER_EPOCH_CHECKPOINT), 'utf8'), '0\n2\n1 0\n4 3\n');
    assert.match(readFileSync(join(partitionDir, REPLICATION_OFFSET_CHECKPOINT), 'utf8'), /r 0 5\n$/);
    log = replica(dir);
    assert.equal(log.epochEntries(), [{ epoch: 1, startOffset: 0 }, { epoch: 4, startOffset: 3 }]);
    assert.is(log.highWatermark, 5);
    log.beginLeaderEpoch(6);
    log.append(makeBatch('c', 1));
    // A crash before the background checkpoint write: the epoch of the last batch comes back from its header.
    log.closeAbruptly();
    writeFileSync(join(partitionDir, LEADER_EPOCH_CHECKPOINT), '0\n2\n1 0\n4 3\n');
    log = replica(dir);
    assert.equal(log.epochEntries(), [{ epoch: 1, startOffset: 0 }, { epoch: 4, startOffset: 3 }, { epoch: 6, startOffset: 5 }]);
    log.closeAbruptly();
    rmSync(join(partitionDir, LEADER_EPOCH_CHECKPOINT));
    log = replica(dir);
    assert.equal(log.epochEntries(), [{ epoch: 1, startOffset: 0 }, { epoch: 4, startOffset: 3 }, { epoch: 6, startOffset: 5 }], 'rebuilt from every batch');
    await log.close();
  } finally {
    remove();
  }
});

test("a follower appends its leader's batches as they are: offsets, epochs, producer state", () => {
  const leaderDir = tempDir();
  const followerDir = tempDir();
  try {
    const leader = replica(leaderDir.dir);
    leader.beginLeaderEpoch(2);
    leader.append(makeBatch('a', 3));
    leader.append(encodeBatch([{ key: null, value: 'p0', timestamp: T0 }, { key: null, value: 'p1', timestamp: T0 }], { producerId: 77, producerEpoch: 0, baseSequence: 0, baseTimestamp: T0 }));
    leader.beginLeaderEpoch(5);
    leader.append(makeBatch('b', 2));
    const follower = replica(followerDir.dir);
    const bytes = fetchAll(leader, 0);
    const r = follower.appendAsFollower(bytes);
    assert.is(r.errorCode, 0);
    assert.is(r.recordCount, 7);
    assert.is(follower.logEndOffset, 7);
    assert.equal(follower.epochEntries(), [{ epoch: 2, startOffset: 0 }, { epoch: 5, startOffset: 5 }], 'the epochs of the batches');
    assert.equal(follower.activeProducers().map((p) => [p.producerId, p.lastSequence]), [[77, 1]], 'the idempotent producer is known on the follower');
    assert.ok(fetchAll(follower, 0).equals(bytes), 'byte for byte the leader\'s log');
    // A cut inside the last batch: the whole batches are appended, the rest waits.
    const more = Buffer.concat([makeBatch('c', 2), makeBatch('d', 2)]);
    more.writeBigInt64BE(7n, 0);
    more.writeBigInt64BE(9n, more.length / 2);
    const cut = more.subarray(0, more.length - 5);
    const partial = follower.appendAsFollower(cut);
    assert.is(partial.errorCode, 0);
    assert.is(follower.logEndOffset, 9, 'only the whole batch');
    // Offsets that go back are refused, nothing written.
    const back = makeBatch('e', 1);
    back.writeBigInt64BE(3n, 0);
    assert.is(follower.appendAsFollower(back).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.is(follower.logEndOffset, 9);
    // A damaged transfer is refused whole.
    const damaged = makeBatch('f', 2);
    damaged.writeBigInt64BE(9n, 0);
    damaged[damaged.length - 1] ^= 0xff;
    assert.is(follower.appendAsFollower(damaged).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.is(follower.logEndOffset, 9);
    // A gap compaction left on the leader stays a gap.
    const gap = makeBatch('g', 1);
    gap.writeBigInt64BE(20n, 0);
    assert.is(follower.appendAsFollower(gap).errorCode, 0);
    assert.is(follower.logEndOffset, 21);
    follower.setHighWatermark(21);
    const afterGap = follower.read(12, 1 << 20);
    assert.equal(recordsIn(readSlice(afterGap.slice!)).map((x) => String(x.value)), ['g-v0'], 'a read in the gap finds the next batch');
  } finally {
    leaderDir.remove();
    followerDir.remove();
  }
});

test('truncation cuts the log, the epoch cache and the high watermark; a full truncation starts the log again elsewhere', () => {
  const { dir, remove } = tempDir();
  try {
    const log = replica(dir, logConfig({ segmentBytes: 400 }));
    log.beginLeaderEpoch(1);
    for (let i = 0; i < 6; i++) log.append(makeBatch(`a${i}`, 2));
    log.beginLeaderEpoch(3);
    for (let i = 0; i < 6; i++) log.append(makeBatch(`b${i}`, 2));
    assert.ok(log.segmentCount > 2, 'several segments');
    log.setHighWatermark(20);
    assert.equal(log.endOffsetForEpoch(1), { epoch: 1, endOffset: 12 });
    log.truncateTo(10);
    assert.is(log.logEndOffset, 10);
    assert.is(log.highWatermark, 10);
    assert.equal(log.epochEntries(), [{ epoch: 1, startOffset: 0 }], 'epoch 3 started past the cut');
    assert.equal(recordsIn(readSlice(log.read(8, 1 << 20).slice!)).map((r) => String(r.value)), ['a4-v0', 'a4-v1']);
    log.beginLeaderEpoch(4);
    assert.is(log.append(makeBatch('c', 1)).baseOffset, 10, 'appends go on from the cut');
    log.truncateFullyAndStartAt(50);
    assert.is(log.logStartOffset, 50);
    assert.is(log.logEndOffset, 50);
    assert.is(log.highWatermark, 50);
    assert.equal(log.epochEntries(), []);
    const next = makeBatch('d', 2);
    next.writeBigInt64BE(50n, 0);
    assert.is(log.appendAsFollower(next).errorCode, 0);
    assert.is(log.logEndOffset, 52);
  } finally {
    remove();
  }
});

test('a log on a single node keeps no epoch cache nor high-watermark checkpoint, and its high watermark is its end', async () => {
  const { dir, remove } = tempDir();
  try {
    const log = PartitionLog.open(dir, 's', 0, logConfig(), { now: () => T0 });
    log.append(makeBatch('a', 3));
    assert.is(log.highWatermark, 3);
    assert.equal(log.endOffsetForEpoch(0), { epoch: 0, endOffset: 3 });
    await log.close();
    assert.not.ok(existsSync(join(dir, 's-0', LEADER_EPOCH_CHECKPOINT)));
    assert.not.ok(existsSync(join(dir, 's-0', REPLICATION_OFFSET_CHECKPOINT)));
  } finally {
    remove();
  }
});

test.run();
