/**
 * Transactions on a real broker, over the wire with the raw client: the coordinator's answers
 * (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn,
 * Describe/ListTransactions, WriteTxnMarkers), the produce check, read_committed fetches and
 * ListOffsets, fencing, timeouts and a restart with a transaction open.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  ApiVersions,
  CreateTopics,
  DescribeProducers,
  DescribeTransactions,
  EndTxn,
  FindCoordinator,
  InitProducerId,
  ListOffsets,
  ListTransactions,
  OffsetFetch,
  Produce,
  TxnOffsetCommit,
  WriteTxnMarkers,
} from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { broker, dataDir } from '../interop/helpers.js';
import { RawClient, readCommittedValues, readValues } from '../helpers/raw-client.js';

const E = ErrorCode;
const TOPIC = 'tx';

function txnBatch(producerId: number, producerEpoch: number, baseSequence: number, values: string[], transactional = true): Buffer {
  return encodeBatch(
    values.map((v) => ({ value: v })),
    { producerId, producerEpoch, baseSequence, transactional },
  );
}

async function produce(c: RawClient, transactionalId: string | null, partition: number, records: Buffer, topic = TOPIC) {
  const r = await c.request(Produce, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  return r.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
}

async function init(c: RawClient, transactionalId: string, timeoutMs = 60_000, version = 4) {
  return c.request(InitProducerId, version, { transactionalId, transactionTimeoutMs: timeoutMs, producerId: -1, producerEpoch: -1 });
}

/** InitProducerId until it is answered (CONCURRENT_TRANSACTIONS while a fenced transaction aborts). */
async function initUntilDone(c: RawClient, transactionalId: string, timeoutMs = 60_000) {
  for (let i = 0; i < 200; i++) {
    const r = await init(c, transactionalId, timeoutMs);
    if (r.errorCode !== E.CONCURRENT_TRANSACTIONS) return r;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error('InitProducerId kept answering CONCURRENT_TRANSACTIONS');
}

async function addPartitions(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, partitions: number[], version = 3, topic = TOPIC) {
  const r = await c.request(AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions }],
  });
  return r.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode));
}

async function endTxn(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, committed: boolean, version = 3) {
  return (await c.request(EndTxn, version, { transactionalId, producerId, producerEpoch, committed })).errorCode;
}

async function describe(c: RawClient, transactionalId: string) {
  return (await c.request(DescribeTransactions, 0, { transactionalIds: [transactionalId] })).transactionStates[0]!;
}

/** Waits until the transaction's markers are written (its state Complete*). */
async function completed(c: RawClient, transactionalId: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const d = await describe(c, transactionalId);
    if (d.transactionState === 'CompleteCommit' || d.transactionState === 'CompleteAbort') return d.transactionState;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`${transactionalId} did not complete`);
}

async function listOffset(c: RawClient, partition: number, isolationLevel: number) {
  const r = await c.request(ListOffsets, 7, { replicaId: -1, isolationLevel, topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1 }] }] });
  return r.topics[0].partitions[0].offset;
}

async function withBroker(config: Record<string, unknown>, fn: (b: RunningBroker, c: RawClient) => Promise<void>, workers = 1): Promise<void> {
  const data = dataDir();
  const b = await broker(data.dir, workers, config);
  const c = await RawClient.connect(b.bootstrap);
  try {
    await c.request(CreateTopics, 5, { topics: [{ name: TOPIC, numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    await fn(b, c);
  } finally {
    c.close();
    await b.close();
    data.remove();
  }
}

for (const workers of [1, 0]) {
  test(`commit and abort (${workers ? 'worker' : 'inline'}): markers, the LSO, read_committed fetches and ListOffsets`, async () => {
    await withBroker(
      {},
      async (_b, c) => {
        const coordinator = await c.request(FindCoordinator, 3, { key: 'tx-a', keyType: 1 });
        assert.is(coordinator.errorCode, 0, 'the node coordinates transactional ids');
        const { errorCode, producerId: pid, producerEpoch: epoch } = await init(c, 'tx-a');
        assert.equal([errorCode, epoch], [0, 0]);
        assert.equal(await addPartitions(c, 'tx-a', pid, epoch, [0, 1]), [0, 0]);
        assert.is((await produce(c, null, 0, encodeBatch([{ value: 'plain-before' }]))).errorCode, 0);
        assert.is((await produce(c, 'tx-a', 0, txnBatch(pid, epoch, 0, ['c1', 'c2']))).baseOffset, 1);
        assert.is((await produce(c, 'tx-a', 1, txnBatch(pid, epoch, 0, ['c3']))).errorCode, 0);
        assert.is((await produce(c, null, 0, encodeBatch([{ value: 'plain-after' }]))).errorCode, 0);
        const open = await readCommittedValues(c, TOPIC, 0);
        assert.equal(open.values, ['plain-before'], 'read_committed stops at the open transaction');
        assert.is(open.lastStableOffset, 1);
        assert.equal((await readValues(c, TOPIC, 0)).values, ['plain-before', 'c1', 'c2', 'plain-after'], 'read_uncommitted sees everything');
        assert.is(await listOffset(c, 0, 1), 1, 'ListOffsets latest under read_committed is the LSO');
        assert.is(await listOffset(c, 0, 0), 4);
        const ongoing = await describe(c, 'tx-a');
        assert.equal([ongoing.transactionState, ongoing.producerId, ongoing.topics], ['Ongoing', pid, [{ topic: TOPIC, partitions: [0, 1] }]]);
        assert.is(await endTxn(c, 'tx-a', pid, epoch, true), 0);
        assert.is(await completed(c, 'tx-a'), 'CompleteCommit');
        assert.equal((await readCommittedValues(c, TOPIC, 0)).values, ['plain-before', 'c1', 'c2', 'plain-after']);
        assert.equal((await readCommittedValues(c, TOPIC, 1)).values, ['c3']);
        assert.is(await listOffset(c, 0, 1), 5, 'past the commit marker');

        // The next transaction of the same producer, aborted.
        assert.equal(await addPartitions(c, 'tx-a', pid, epoch, [0]), [0]);
        assert.is((await produce(c, 'tx-a', 0, txnBatch(pid, epoch, 2, ['a1']))).errorCode, 0);
        assert.is(await endTxn(c, 'tx-a', pid, epoch, false), 0);
        assert.is(await completed(c, 'tx-a'), 'CompleteAbort');
        const afterAbort = await readCommittedValues(c, TOPIC, 0);
        assert.equal(afterAbort.values, ['plain-before', 'c1', 'c2', 'plain-after'], 'the aborted record is dropped by the reader');
        assert.ok((await readValues(c, TOPIC, 0)).values.includes('a1'), 'it is in the log');
        assert.is(await endTxn(c, 'tx-a', pid, epoch, false), 0, 'a retried abort of a completed abort is NONE');
        assert.is(await endTxn(c, 'tx-a', pid, epoch, true), E.INVALID_TXN_STATE, 'a commit after it completed aborting is INVALID_TXN_STATE');
      },
      workers,
    );
  });
}

test('the produce check: a partition not added, no transaction, a plain batch inside one, a stale epoch', async () => {
  await withBroker({}, async (_b, c) => {
    const { producerId: pid, producerEpoch: epoch } = await init(c, 'tx-b');
    assert.is((await produce(c, 'tx-b', 0, txnBatch(pid, epoch, 0, ['x']))).errorCode, E.INVALID_TXN_STATE, 'no transaction yet');
    assert.equal(await addPartitions(c, 'tx-b', pid, epoch, [0]), [0]);
    assert.is((await produce(c, 'tx-b', 2, txnBatch(pid, epoch, 0, ['x']))).errorCode, E.INVALID_TXN_STATE, 'partition 2 was not added');
    assert.is((await produce(c, 'tx-b', 0, txnBatch(pid, epoch, 0, ['ok']))).errorCode, 0);
    assert.is((await produce(c, 'tx-b', 0, txnBatch(pid, epoch, 1, ['plain'], false))).errorCode, E.INVALID_TXN_STATE, 'a non-transactional batch inside the transaction');
    assert.equal(await addPartitions(c, 'tx-b', pid, epoch, [0, 9]), [E.OPERATION_NOT_ATTEMPTED, E.UNKNOWN_TOPIC_OR_PARTITION]);
    assert.equal(await addPartitions(c, 'tx-b', pid + 1, epoch, [0]), [E.INVALID_PRODUCER_ID_MAPPING]);
    assert.equal(await addPartitions(c, 'tx-b', pid, epoch + 1, [0]), [E.PRODUCER_FENCED]);
    assert.equal(await addPartitions(c, 'tx-b', pid, epoch + 1, [0], 1), [E.INVALID_PRODUCER_EPOCH], 'before v2 fenced is INVALID_PRODUCER_EPOCH');
    assert.is(await endTxn(c, 'tx-b', pid, epoch, true), 0);
    // Right after EndTxn the markers may still be on their way; then nothing of this transaction is accepted.
    assert.is((await produce(c, 'tx-b', 0, txnBatch(pid, epoch, 1, ['late']))).errorCode, E.INVALID_TXN_STATE, 'a late write never lands in the next transaction');
    await completed(c, 'tx-b');
    assert.equal((await readCommittedValues(c, TOPIC, 0)).values, ['ok']);
    assert.is(await endTxn(c, 'tx-b', pid, epoch, true), 0);
    assert.is(await endTxn(c, 'nobody', pid, epoch, true), E.INVALID_PRODUCER_ID_MAPPING);
    assert.is((await init(c, 'tx-b', 10 * 60 * 60 * 1000)).errorCode, E.INVALID_TRANSACTION_TIMEOUT, 'above transaction.max.timeout.ms');
    assert.is((await init(c, '')).errorCode, E.INVALID_REQUEST);
  });
});

test('InitProducerId fences an open transaction: aborted with a bumped epoch, the zombie refused everywhere', async () => {
  await withBroker({}, async (_b, c) => {
    const old = await init(c, 'tx-z');
    assert.equal(await addPartitions(c, 'tx-z', old.producerId, old.producerEpoch, [0, 1]), [0, 0]);
    await produce(c, 'tx-z', 0, txnBatch(old.producerId, old.producerEpoch, 0, ['zombie-1']));
    const first = await init(c, 'tx-z');
    assert.is(first.errorCode, E.CONCURRENT_TRANSACTIONS, 'the open transaction is being aborted');
    const fresh = await initUntilDone(c, 'tx-z');
    assert.is(fresh.errorCode, 0);
    assert.is(fresh.producerId, old.producerId);
    assert.is(fresh.producerEpoch, old.producerEpoch + 2, 'one bump for the abort, one for the new producer');
    assert.is((await produce(c, 'tx-z', 0, txnBatch(old.producerId, old.producerEpoch, 1, ['zombie-2']))).errorCode, E.INVALID_PRODUCER_EPOCH);
    assert.equal(await addPartitions(c, 'tx-z', old.producerId, old.producerEpoch, [0]), [E.PRODUCER_FENCED]);
    assert.is(await endTxn(c, 'tx-z', old.producerId, old.producerEpoch, true), E.PRODUCER_FENCED);
    assert.is(await endTxn(c, 'tx-z', old.producerId, old.producerEpoch, true, 1), E.INVALID_PRODUCER_EPOCH);
    assert.equal((await readCommittedValues(c, TOPIC, 0)).values, [], 'the zombie write was aborted');
    const lso = await readCommittedValues(c, TOPIC, 1);
    assert.is(lso.lastStableOffset, 1, 'an abort marker on the partition that got no data');
    // KIP-360: the fresh producer presents its id and epoch and gets the next epoch.
    const resumed = await c.request(InitProducerId, 4, { transactionalId: 'tx-z', transactionTimeoutMs: 60_000, producerId: fresh.producerId, producerEpoch: fresh.producerEpoch });
    assert.equal([resumed.errorCode, resumed.producerEpoch], [0, fresh.producerEpoch + 1]);
    const stale = await c.request(InitProducerId, 4, { transactionalId: 'tx-z', transactionTimeoutMs: 60_000, producerId: old.producerId + 100, producerEpoch: 0 });
    assert.is(stale.errorCode, E.PRODUCER_FENCED);
  });
});

test('TxnOffsetCommit: pending until the commit marker, UNSTABLE_OFFSET_COMMIT for requireStable, dropped on abort', async () => {
  await withBroker({}, async (_b, c) => {
    const { producerId: pid, producerEpoch: epoch } = await init(c, 'tx-o');
    const commitOffset = (offset: number) =>
      c.request(TxnOffsetCommit, 3, {
        transactionalId: 'tx-o',
        groupId: 'g-o',
        producerId: pid,
        producerEpoch: epoch,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
      });
    const fetchOffset = async (requireStable: boolean) => {
      const r = await c.request(OffsetFetch, 7, { groupId: 'g-o', topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable });
      const p = r.topics[0].partitions[0];
      return [p.errorCode, p.committedOffset];
    };
    assert.is((await commitOffset(5)).topics[0].partitions[0].errorCode, E.INVALID_TXN_STATE, 'the group was not added to a transaction');
    assert.equal(await addPartitions(c, 'tx-o', pid, epoch, [0]), [0]);
    assert.is((await c.request(AddOffsetsToTxn, 3, { transactionalId: 'tx-o', producerId: pid, producerEpoch: epoch, groupId: 'g-o' })).errorCode, 0);
    assert.is((await commitOffset(5)).topics[0].partitions[0].errorCode, 0);
    assert.equal(await fetchOffset(true), [E.UNSTABLE_OFFSET_COMMIT, -1]);
    assert.equal(await fetchOffset(false), [0, -1], 'not visible before the commit');
    assert.is(await endTxn(c, 'tx-o', pid, epoch, true), 0);
    await completed(c, 'tx-o');
    assert.equal(await fetchOffset(true), [0, 5]);
    // The next transaction's offsets are aborted.
    assert.is((await c.request(AddOffsetsToTxn, 3, { transactionalId: 'tx-o', producerId: pid, producerEpoch: epoch, groupId: 'g-o' })).errorCode, 0);
    assert.is((await commitOffset(9)).topics[0].partitions[0].errorCode, 0);
    assert.is(await endTxn(c, 'tx-o', pid, epoch, false), 0);
    await completed(c, 'tx-o');
    assert.equal(await fetchOffset(true), [0, 5], 'the aborted commit is gone');
  });
});

test('a transaction past its timeout is aborted with a bumped epoch; Describe and List show the ids', async () => {
  await withBroker({ 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 50 }, async (_b, c) => {
    const { producerId: pid, producerEpoch: epoch } = await init(c, 'tx-t', 300);
    assert.equal(await addPartitions(c, 'tx-t', pid, epoch, [2]), [0]);
    await produce(c, 'tx-t', 2, txnBatch(pid, epoch, 0, ['too-slow']));
    const listed = await c.request(ListTransactions, 1, { stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [], durationFilter: -1 });
    assert.equal(listed.transactionStates.map((t) => [t.transactionalId, t.producerId, t.transactionState]), [['tx-t', pid, 'Ongoing']]);
    assert.equal(listed.unknownStateFilters, ['Bogus']);
    assert.is(await completed(c, 'tx-t'), 'CompleteAbort');
    const d = await describe(c, 'tx-t');
    assert.is(d.producerEpoch, epoch + 1, 'the coordinator bumped the epoch to fence the producer');
    assert.is(await endTxn(c, 'tx-t', pid, epoch, true), E.PRODUCER_FENCED, 'the producer learns it was fenced');
    assert.equal((await readCommittedValues(c, TOPIC, 2)).values, []);
    assert.is((await describe(c, 'never-seen')).errorCode, E.TRANSACTIONAL_ID_NOT_FOUND);
    assert.equal((await c.request(ListTransactions, 0, { stateFilters: [], producerIdFilters: [pid + 1] })).transactionStates, []);
  });
});

test('a transaction open at a clean restart is still open after it, and commits', async () => {
  const data = dataDir();
  let b = await broker(data.dir, 1);
  let c = await RawClient.connect(b.bootstrap);
  try {
    await c.request(CreateTopics, 5, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    const { producerId: pid, producerEpoch: epoch } = await init(c, 'tx-r');
    await addPartitions(c, 'tx-r', pid, epoch, [0]);
    await produce(c, 'tx-r', 0, txnBatch(pid, epoch, 0, ['r1', 'r2']));
    c.close();
    await b.close();
    b = await broker(data.dir, 1);
    c = await RawClient.connect(b.bootstrap);
    const d = await describe(c, 'tx-r');
    assert.equal([d.transactionState, d.producerId, d.producerEpoch], ['Ongoing', pid, epoch], 'loaded from __transaction_state');
    assert.is((await readCommittedValues(c, TOPIC, 0)).lastStableOffset, 0, 'the LSO is still pinned by the open transaction');
    const producers = await c.request(DescribeProducers, 0, { topics: [{ name: TOPIC, partitionIndexes: [0] }] });
    assert.is(producers.topics[0].partitions[0].activeProducers[0]!.currentTxnStartOffset, 0);
    await produce(c, 'tx-r', 0, txnBatch(pid, epoch, 2, ['r3']));
    assert.is(await endTxn(c, 'tx-r', pid, epoch, true), 0);
    await completed(c, 'tx-r');
    assert.equal((await readCommittedValues(c, TOPIC, 0)).values, ['r1', 'r2', 'r3']);
  } finally {
    c.close();
    await b.close();
    data.remove();
  }
});

test('WriteTxnMarkers ends a hanging transaction, as kafka-transactions abort sends it', async () => {
  await withBroker({ 'transaction.partition.verification.enable': false }, async (_b, c) => {
    // Without verification a transactional batch of an unknown producer opens a transaction no coordinator knows.
    assert.is((await produce(c, null, 0, txnBatch(777, 3, 0, ['hanging']))).errorCode, 0);
    await produce(c, null, 0, encodeBatch([{ value: 'after' }]));
    assert.is((await readCommittedValues(c, TOPIC, 0)).lastStableOffset, 0);
    const p = (await c.request(DescribeProducers, 0, { topics: [{ name: TOPIC, partitionIndexes: [0] }] })).topics[0].partitions[0].activeProducers[0]!;
    assert.equal([p.producerId, p.producerEpoch, p.currentTxnStartOffset, p.coordinatorEpoch], [777, 3, 0, -1]);
    const write = (epoch: number) =>
      c.request(WriteTxnMarkers, 1, { markers: [{ producerId: 777, producerEpoch: epoch, transactionResult: false, topics: [{ name: TOPIC, partitionIndexes: [0, 5] }], coordinatorEpoch: 0 }] });
    const stale = await write(2);
    assert.equal(stale.markers[0].topics[0].partitions.map((x) => x.errorCode), [E.INVALID_PRODUCER_EPOCH, E.UNKNOWN_TOPIC_OR_PARTITION]);
    const r = await write(3);
    assert.is(r.markers[0].topics[0].partitions[0].errorCode, 0);
    const after = await readCommittedValues(c, TOPIC, 0);
    assert.equal(after.values, ['after'], 'the hanging records are aborted');
    assert.is(after.lastStableOffset, 3);
  });
});

// ───────────── transaction version 2 (KIP-890 part 2): Produce v12, EndTxn v5, TxnOffsetCommit v5 ─────────────

async function produceV12(c: RawClient, transactionalId: string, partitions: [number, Buffer][]) {
  const r = await c.request(Produce, 12, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: partitions.map(([index, records]) => ({ index, records })) }] });
  return r.responses[0].partitionResponses.map((p) => p.errorCode);
}

async function endTxnV5(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, committed: boolean) {
  const r = await c.request(EndTxn, 5, { transactionalId, producerId, producerEpoch, committed });
  return [r.errorCode, r.producerId, r.producerEpoch];
}

test('ApiVersions: transaction.version finalized at 2 with Produce v12, EndTxn v5, TxnOffsetCommit v5; at 1 none of them', async () => {
  const max = (r: { apiKeys: { apiKey: number; maxVersion: number }[] }, key: number) => r.apiKeys.find((k) => k.apiKey === key)?.maxVersion;
  await withBroker({}, async (_b, c) => {
    const r = await c.request(ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    assert.equal(r.supportedFeatures, [{ name: 'transaction.version', minVersion: 0, maxVersion: 2 }]);
    assert.equal(r.finalizedFeatures, [{ name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 }]);
    assert.ok(r.finalizedFeaturesEpoch > 0);
    assert.equal([max(r, Produce.key), max(r, EndTxn.key), max(r, TxnOffsetCommit.key)], [12, 5, 5]);
  });
  await withBroker({ 'transaction.version': 1 }, async (_b, c) => {
    const r = await c.request(ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    assert.equal(r.finalizedFeatures, [{ name: 'transaction.version', maxVersionLevel: 1, minVersionLevel: 1 }]);
    assert.equal([max(r, Produce.key), max(r, EndTxn.key), max(r, TxnOffsetCommit.key)], [11, 4, 4]);
  });
});

test('v2: Produce v12 adds its partitions, EndTxn v5 bumps the epoch, the old epoch is refused, retries and empty aborts', async () => {
  await withBroker({}, async (_b, c) => {
    const { producerId: pid, producerEpoch: e0 } = await init(c, 'tx-v2', 60_000, 5);
    // No AddPartitionsToTxn: the produce adds partitions 0 and 1 in one write.
    assert.equal(await produceV12(c, 'tx-v2', [[0, txnBatch(pid, e0, 0, ['a1', 'a2'])], [1, txnBatch(pid, e0, 0, ['b1'])]]), [0, 0]);
    assert.equal([(await describe(c, 'tx-v2')).transactionState, (await describe(c, 'tx-v2')).topics], ['Ongoing', [{ topic: TOPIC, partitions: [0, 1] }]]);
    assert.equal(await produceV12(c, 'tx-v2', [[0, txnBatch(pid, e0, 2, ['a3'])]]), [0], 'a partition already held');
    assert.is((await readCommittedValues(c, TOPIC, 0)).values.length, 0, 'nothing visible while open');
    // Commit: the answer carries the bumped epoch; the markers carry it too.
    assert.equal(await endTxnV5(c, 'tx-v2', pid, e0, true), [0, pid, e0 + 1]);
    assert.is(await completed(c, 'tx-v2'), 'CompleteCommit');
    assert.equal((await readCommittedValues(c, TOPIC, 0)).values, ['a1', 'a2', 'a3']);
    assert.equal((await readCommittedValues(c, TOPIC, 1)).values, ['b1']);
    const described = await describe(c, 'tx-v2');
    assert.is(described.producerEpoch, e0 + 1);
    const producers = (await c.request(DescribeProducers, 0, { topics: [{ name: TOPIC, partitionIndexes: [0] }] })).topics[0].partitions[0].activeProducers;
    assert.equal(producers.map((p) => [p.producerId, p.producerEpoch, p.currentTxnStartOffset]), [[pid, e0 + 1, -1]], 'the marker moved the partition to the new epoch');
    // A retry of the commit with the old epoch (its answer lost) is answered as done.
    assert.equal(await endTxnV5(c, 'tx-v2', pid, e0, true), [0, pid, e0 + 1]);
    assert.equal((await endTxnV5(c, 'tx-v2', pid, e0, false))[0], E.INVALID_TXN_STATE, 'an abort of the committed transaction');
    // A late write of the ended transaction's epoch can land nowhere, in no transaction.
    assert.equal(await produceV12(c, 'tx-v2', [[0, txnBatch(pid, e0, 3, ['late'])]]), [E.INVALID_PRODUCER_EPOCH]);
    // The next transaction: the new epoch, sequences from 0; aborted.
    const e1 = e0 + 1;
    assert.equal(await produceV12(c, 'tx-v2', [[0, txnBatch(pid, e1, 0, ['x1'])]]), [0]);
    assert.equal(await endTxnV5(c, 'tx-v2', pid, e1, false), [0, pid, e1 + 1]);
    assert.is(await completed(c, 'tx-v2'), 'CompleteAbort');
    assert.equal((await readCommittedValues(c, TOPIC, 0)).values, ['a1', 'a2', 'a3'], 'the aborted record is not read');
    // An abort with nothing added (the client cannot know whether its writes added a partition): the epoch moves on.
    const e2 = e1 + 1;
    assert.equal(await endTxnV5(c, 'tx-v2', pid, e2, false), [0, pid, e2 + 1]);
    assert.is(await completed(c, 'tx-v2'), 'CompleteAbort');
    assert.equal((await endTxnV5(c, 'tx-v2', pid, e2 + 1, true))[0], E.INVALID_TXN_STATE, 'a commit with nothing in it');
    assert.equal((await endTxnV5(c, 'tx-v2', pid, e2 + 5, false))[0], E.PRODUCER_FENCED, 'an epoch the coordinator never gave');
    assert.is(await listOffset(c, 0, 1), await listOffset(c, 0, 0), 'the LSO reached the end');
  });
});

test('v2: TxnOffsetCommit v5 adds the group to the transaction; a zombie of the old epoch is fenced everywhere', async () => {
  await withBroker({}, async (_b, c) => {
    const { producerId: pid, producerEpoch: epoch } = await init(c, 'tx-v2o', 60_000, 5);
    const commitOffset = (offset: number, producerEpoch: number) =>
      c.request(TxnOffsetCommit, 5, {
        transactionalId: 'tx-v2o',
        groupId: 'g-v2',
        producerId: pid,
        producerEpoch,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 2, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
    const fetchOffset = async () => {
      const r = await c.request(OffsetFetch, 7, { groupId: 'g-v2', topics: [{ name: TOPIC, partitionIndexes: [2] }], requireStable: true });
      return [r.topics[0].partitions[0].errorCode, r.topics[0].partitions[0].committedOffset];
    };
    assert.equal(await produceV12(c, 'tx-v2o', [[2, txnBatch(pid, epoch, 0, ['out'])]]), [0]);
    assert.is((await commitOffset(42, epoch)).topics[0].partitions[0].errorCode, 0, 'no AddOffsetsToTxn first');
    assert.equal(await fetchOffset(), [E.UNSTABLE_OFFSET_COMMIT, -1]);
    assert.equal(await endTxnV5(c, 'tx-v2o', pid, epoch, true), [0, pid, epoch + 1]);
    await completed(c, 'tx-v2o');
    assert.equal(await fetchOffset(), [0, 42]);
    // The old epoch can neither commit offsets nor write.
    assert.is((await commitOffset(99, epoch)).topics[0].partitions[0].errorCode, E.PRODUCER_FENCED);
    assert.equal(await produceV12(c, 'tx-v2o', [[2, txnBatch(pid, epoch, 1, ['zombie'])]]), [E.INVALID_PRODUCER_EPOCH]);
    // A new producer of the id fences the current one's open transaction.
    assert.equal(await produceV12(c, 'tx-v2o', [[2, txnBatch(pid, epoch + 1, 0, ['open'])]]), [0]);
    const fresh = await initUntilDone(c, 'tx-v2o');
    assert.ok(fresh.producerEpoch > epoch + 1);
    assert.equal(await produceV12(c, 'tx-v2o', [[2, txnBatch(pid, epoch + 1, 1, ['fenced'])]]), [E.INVALID_PRODUCER_EPOCH]);
    assert.equal((await readCommittedValues(c, TOPIC, 2)).values, ['out'], 'the fenced transaction was aborted');
    assert.equal(await fetchOffset(), [0, 42]);
  });
});

test.run();
