/**
 * Transactions in the storage engine: open transactions and the last stable offset, markers,
 * the transaction index, read_committed reads, and what survives a restart or a crash.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logConfig } from '../../src/core/log-config.js';
import { FetchIsolation, MAX_ABORTED_TXNS_PER_READ, PartitionLog } from '../../src/core/partition-log.js';
import { ABORTED_TXN_BYTES, TransactionIndex, decodeAbortedTxns, encodeAbortedTxn } from '../../src/core/txn-index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Attr, ControlType, batchPositions, decodeBatchDecompressing, encodeBatch, readBatchHeader, readControlMarker } from '../../src/protocol/records/batch.js';
import { readSlice, recordsIn, tempDir } from './helpers.js';

const T0 = 1_700_000_000_000;

function txn(producerId: number, baseSequence: number, values: string[], producerEpoch = 0, key?: string): Buffer {
  return encodeBatch(
    values.map((v) => ({ key: key ?? null, value: v, timestamp: T0 })),
    { producerId, producerEpoch, baseSequence, baseTimestamp: T0, transactional: true },
  );
}

const open = (dir: string, config = logConfig()) => PartitionLog.open(dir, 'txn', 0, config, { now: () => T0 });
const commit = (producerId: number, producerEpoch = 0, coordinatorEpoch = 0) => ({ producerId, producerEpoch, coordinatorEpoch, commit: true });
const abort = (producerId: number, producerEpoch = 0, coordinatorEpoch = 0) => ({ producerId, producerEpoch, coordinatorEpoch, commit: false });

/** Record values a read_committed consumer keeps from the log: aborted transactions' records and markers dropped, as clients drop them. */
function committedValues(log: PartitionLog): string[] {
  const out: string[] = [];
  const abortedProducers = new Set<number>();
  for (let offset = log.logStartOffset; offset < log.lastStableOffset; ) {
    const r = log.read(offset, 1 << 20, FetchIsolation.TxnCommitted);
    assert.ok(r.slice, `a read at ${offset} below the LSO ${r.lastStableOffset} has bytes`);
    const pending = [...(r.abortedTransactions ?? [])];
    const bytes = readSlice(r.slice!);
    let next = offset;
    for (const { at } of batchPositions(bytes)) {
      const h = readBatchHeader(bytes, at);
      for (let i = 0; i < pending.length; ) {
        if (pending[i]!.firstOffset <= h.baseOffset + h.lastOffsetDelta) abortedProducers.add(pending.splice(i, 1)[0]!.producerId);
        else i++;
      }
      next = h.baseOffset + h.lastOffsetDelta + 1;
      if (h.attributes & Attr.control) {
        const m = readControlMarker(bytes, at, bytes.length);
        if (m?.type === ControlType.Abort) abortedProducers.delete(h.producerId);
        continue;
      }
      if ((h.attributes & Attr.transactional) !== 0 && abortedProducers.has(h.producerId)) continue;
      for (const rec of decodeBatchDecompressing(bytes, at).records) if (rec.offset >= offset) out.push(rec.value!.toString());
    }
    offset = next;
  }
  return out;
}

test('the transaction index file holds Kafka entries of 34 bytes, and a torn tail is dropped', () => {
  const e = { producerId: 2 ** 40 + 1, firstOffset: 7, lastOffset: 2 ** 33, lastStableOffset: 2 ** 33 + 1 };
  const b = encodeAbortedTxn(e);
  assert.is(b.length, ABORTED_TXN_BYTES);
  assert.is(b.readInt16BE(0), 0, 'version 0');
  assert.equal(decodeAbortedTxns(Buffer.concat([b, b.subarray(0, 20)])), [e]);
  const t = tempDir();
  const index = new TransactionIndex(`${t.dir}/00000000000000000000.txnindex`);
  index.append({ producerId: 1, firstOffset: 0, lastOffset: 5, lastStableOffset: 6 });
  index.append({ producerId: 2, firstOffset: 3, lastOffset: 9, lastStableOffset: 10 });
  assert.throws(() => index.append({ producerId: 3, firstOffset: 0, lastOffset: 9, lastStableOffset: 10 }), /not after/);
  assert.is(new TransactionIndex(index.path).size, 2, 'read back from the file');
  const found: ReturnType<TransactionIndex['all']>[number][] = [];
  assert.is(index.collect(6, 20, found), false);
  assert.equal(found.map((f) => f.producerId), [2], 'only the one overlapping [6, 20)');
  index.truncateTo(9);
  assert.is(new TransactionIndex(index.path).size, 1);
  t.remove();
});

test('a transactional batch opens a transaction: the LSO stays at its first offset until the commit marker', async () => {
  const t = tempDir();
  const log = open(t.dir);
  log.append(encodeBatch([{ value: 'plain' }]));
  const first = log.append(txn(7, 0, ['a', 'b']));
  assert.is(first.baseOffset, 1);
  log.append(encodeBatch([{ value: 'after' }]));
  assert.is(log.lastStableOffset, 1);
  assert.is(log.highWatermark, 4);
  const uncommitted = log.read(0, 1 << 20);
  assert.is(uncommitted.abortedTransactions, undefined, 'read_uncommitted has no list');
  assert.is(recordsIn(readSlice(uncommitted.slice!)).length, 4);
  const committedRead = log.read(0, 1 << 20, FetchIsolation.TxnCommitted);
  assert.is(committedRead.lastStableOffset, 1);
  assert.equal(recordsIn(readSlice(committedRead.slice!)).map((r) => r.value!.toString()), ['plain'], 'read_committed stops at the LSO');
  assert.equal(log.read(1, 1 << 20, FetchIsolation.TxnCommitted).slice, undefined, 'nothing to read at the LSO');
  assert.is(log.offsetForTimestamp(-1, true)!.offset, 1, 'ListOffsets latest under read_committed is the LSO');
  assert.is(log.offsetForTimestamp(-1)!.offset, 4);
  assert.is(log.append(txn(7, 2, ['c'])).baseOffset, 4, 'more of the same transaction');
  const marker = log.appendMarker(commit(7));
  assert.is(marker.errorCode, 0);
  assert.is(marker.baseOffset, 5);
  assert.is(log.lastStableOffset, 6);
  assert.equal(committedValues(log), ['plain', 'a', 'b', 'after', 'c']);
  assert.equal(log.read(0, 1 << 20, FetchIsolation.TxnCommitted).abortedTransactions, []);
  await log.close();
  t.remove();
});

test('an aborted transaction is indexed and a read_committed read of its range lists it', async () => {
  const t = tempDir();
  const log = open(t.dir);
  log.append(txn(1, 0, ['kept-1']));
  log.append(txn(2, 0, ['dropped-1', 'dropped-2']));
  log.append(txn(1, 1, ['kept-2']));
  log.appendMarker(abort(2));
  assert.is(log.lastStableOffset, 0, 'producer 1 still open');
  log.appendMarker(commit(1));
  assert.is(log.lastStableOffset, log.highWatermark);
  const r = log.read(0, 1 << 20, FetchIsolation.TxnCommitted);
  assert.equal(r.abortedTransactions, [{ producerId: 2, firstOffset: 1 }]);
  assert.equal(log.read(5, 1 << 20, FetchIsolation.TxnCommitted).abortedTransactions, [], 'a read past the abort marker does not list it');
  assert.equal(committedValues(log), ['kept-1', 'kept-2']);
  const entry = log.segmentFor(0).txnIndex.all()[0]!;
  assert.equal(entry, { producerId: 2, firstOffset: 1, lastOffset: 4, lastStableOffset: 0 }, 'the LSO after the abort, pinned by producer 1');
  await log.close();
  t.remove();
});

test('producer state rules for transactions: no plain batch inside one, markers check epochs, a bumped epoch restarts sequences', async () => {
  const t = tempDir();
  const log = open(t.dir);
  log.append(txn(5, 0, ['x'], 3));
  const plain = encodeBatch([{ value: 'y' }], { producerId: 5, producerEpoch: 3, baseSequence: 1 });
  assert.is(log.append(plain).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.is(log.appendMarker(abort(5, 2)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'a marker of an older epoch');
  assert.is(log.appendMarker({ ...commit(5, 3), coordinatorEpoch: 4 }).errorCode, 0);
  assert.is(log.appendMarker({ ...commit(5, 3), coordinatorEpoch: 2 }).errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
  // The coordinator fences the producer: abort with epoch 4.
  log.append(txn(5, 1, ['z'], 3));
  assert.is(log.appendMarker({ ...abort(5, 4), coordinatorEpoch: 4 }).errorCode, 0);
  assert.is(log.append(txn(5, 2, ['late'], 3)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'the fenced epoch is refused');
  assert.is(log.append(txn(5, 2, ['w'], 4)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'after the bump, sequences start at 0');
  assert.is(log.append(txn(5, 0, ['w'], 4)).errorCode, 0);
  assert.is(log.appendMarker({ ...commit(5, 4), coordinatorEpoch: 4 }).errorCode, 0);
  assert.equal(committedValues(log), ['x', 'w']);
  const p = log.activeProducers()[0]!;
  assert.equal([p.producerEpoch, p.coordinatorEpoch, p.currentTxnStartOffset], [4, 4, -1]);
  await log.close();
  t.remove();
});

test('open transactions and aborts survive a clean restart and a crash (rebuilt from the markers)', async () => {
  for (const crash of [false, true]) {
    const t = tempDir();
    const config = logConfig({ segmentBytes: 400 });
    let log = open(t.dir, config);
    log.append(txn(3, 0, ['gone']));
    log.append(txn(4, 0, ['open-1']));
    for (let i = 0; i < 6; i++) log.append(encodeBatch([{ value: `filler-${i}` }]));
    log.appendMarker(abort(3));
    log.append(txn(4, 1, ['open-2']));
    assert.ok(log.segmentCount > 1, 'the abort marker is in a later segment');
    const lso = log.lastStableOffset;
    assert.is(lso, 1);
    if (crash) {
      log.flush();
      log.closeAbruptly();
    } else await log.close();
    log = open(t.dir, config);
    assert.is(log.lastStableOffset, lso, `LSO after ${crash ? 'a crash' : 'a clean close'}`);
    assert.equal(log.activeProducers().find((p) => p.producerId === 4)!.currentTxnStartOffset, 1);
    log.appendMarker(commit(4));
    const r = log.read(0, 1 << 20, FetchIsolation.TxnCommitted);
    assert.equal(r.abortedTransactions, [{ producerId: 3, firstOffset: 0 }], 'found in the later segment');
    assert.equal(committedValues(log), ['open-1', ...Array.from({ length: 6 }, (_, i) => `filler-${i}`), 'open-2']);
    await log.close();
    t.remove();
  }
});

test('a read_committed read overlapping more aborted transactions than one reply holds ends before the first left out', async () => {
  const t = tempDir();
  const log = open(t.dir, logConfig({ segmentBytes: 1 << 30 }));
  const n = MAX_ABORTED_TXNS_PER_READ + 10;
  for (let p = 0; p < n; p++) log.append(txn(100 + p, 0, [`v${p}`]));
  for (let p = 0; p < n; p++) log.appendMarker(abort(100 + p));
  const r = log.read(0, 1 << 30, FetchIsolation.TxnCommitted);
  assert.is(r.abortedTransactions!.length, MAX_ABORTED_TXNS_PER_READ);
  const offsets = recordsIn(readSlice(r.slice!)).map((rec) => rec.offset);
  assert.is(Math.max(...offsets), MAX_ABORTED_TXNS_PER_READ - 1, 'the slice stops before the first transaction not listed');
  await log.close();
  t.remove();
});

test('compaction stays below the LSO and drops the records of aborted transactions', async () => {
  const t = tempDir();
  const config = logConfig({ cleanupPolicy: ['compact'], segmentBytes: 300, minCleanableDirtyRatio: 0 });
  const log = open(t.dir, config);
  log.append(encodeBatch([{ key: 'k', value: 'committed-old', timestamp: T0 }]));
  log.append(txn(9, 0, ['aborted-new'], 0, 'k'));
  log.appendMarker(abort(9));
  log.append(txn(10, 0, ['open'], 0, 'j'));
  for (let i = 0; i < 8; i++) log.append(encodeBatch([{ key: `f${i}`, value: `filler-${i}`, timestamp: T0 }]));
  const plan = log.compactionPlan(T0, true)!;
  assert.ok(plan.cleanableEnd <= log.lastStableOffset, 'never past the LSO');
  await log.compact(T0, true);
  const all = recordsIn(readSlice(log.read(0, 1 << 20).slice!)).map((r) => r.value?.toString());
  assert.ok(all.includes('committed-old'), 'an aborted write does not shadow the committed one');
  assert.not.ok(all.includes('aborted-new'), 'aborted records are dropped');
  await log.close();
  t.remove();
});

test('compaction drops a marker once no record of its transaction is left and it is older than delete.retention.ms', async () => {
  const t = tempDir();
  const config = logConfig({ cleanupPolicy: ['compact'], segmentBytes: 300, minCleanableDirtyRatio: 0 });
  const markers = (log: PartitionLog) => {
    const out: number[] = [];
    for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
      const bytes = readSlice(log.read(offset, 1 << 20).slice!);
      for (const { at } of batchPositions(bytes)) {
        const h = readBatchHeader(bytes, at);
        if (h.attributes & Attr.control) out.push(h.producerId);
        offset = h.baseOffset + h.lastOffsetDelta + 1;
      }
    }
    return out;
  };
  const log = open(t.dir, config);
  log.append(txn(9, 0, ['aborted'], 0, 'a'));
  log.appendMarker(abort(9));
  log.append(txn(10, 0, ['superseded'], 0, 'b'));
  log.appendMarker(commit(10));
  log.append(txn(11, 0, ['kept'], 0, 'c'));
  log.appendMarker(commit(11));
  log.append(encodeBatch([{ key: 'b', value: 'newer-b', timestamp: T0 }]));
  for (let i = 0; i < 8; i++) log.append(encodeBatch([{ key: `f${i}`, value: `filler-${i}`, timestamp: T0 }]));
  await log.compact(T0, true);
  assert.equal(markers(log), [9, 10, 11], 'within delete.retention.ms every marker stays');
  const later = T0 + config.deleteRetentionMs + 1;
  // New writes make the log dirty again, so that the cleaner comes back to it.
  for (let i = 0; i < 8; i++) log.append(encodeBatch([{ key: `g${i}`, value: `filler-g${i}`, timestamp: later }]));
  await log.compact(later, true);
  assert.equal(markers(log), [11], 'only the marker whose transaction still has a record is left');
  assert.equal(committedValues(log).filter((v) => !v.startsWith('filler')), ['kept', 'newer-b']);
  await log.close();
  const reopened = open(t.dir, config);
  assert.is(reopened.lastStableOffset, reopened.logEndOffset, 'no transaction reopens after the markers went');
  await reopened.close();
  t.remove();
});

test('retention never deletes a segment holding an open transaction: it goes once the transaction ends', async () => {
  const t = tempDir();
  const config = logConfig({ segmentBytes: 200, retentionMs: 1000 });
  const log = open(t.dir, config);
  log.append(txn(7, 0, ['open-1']));
  for (let i = 0; i < 6; i++) log.append(encodeBatch([{ value: `plain-${i}`, timestamp: T0 }]));
  assert.ok(log.segmentCount > 2, 'several segments');
  const later = T0 + 10_000;
  log.runRetention(later);
  assert.is(log.logStartOffset, 0, 'the segment with the open transaction stays, and every later one');
  assert.is(log.lastStableOffset, 0);
  log.appendMarker(commit(7));
  assert.ok(log.runRetention(later) > 0, 'once committed, the old segments go');
  assert.ok(log.logStartOffset > 0);
  await log.close();
  t.remove();
});

test.run();
