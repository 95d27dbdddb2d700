/**
 * Transactions in the console (src/console/api.ts, facts.ts, prometheus.ts) against a broker
 * started in-process: a transaction opened over the wire with the raw client (InitProducerId,
 * AddPartitionsToTxn, a transactional Produce) is listed with its partitions, the LSO it pins
 * and the groups parked behind it; /metrics shows it open and the LSO lag it causes; the
 * console's Abort has the coordinator abort it (read_committed reads then move on, the
 * coordinator says CompleteAbort) and the numbers go back to 0. A hanging transaction (open on
 * a partition, unknown to the coordinator) is listed apart and ended with WriteTxnMarkers. With
 * Chromium installed, the view is checked in the browser too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBroker } from '../../src/broker/server.js';
import { Admin, Client } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { AddPartitionsToTxn, CreateTopics, DescribeTransactions, InitProducerId, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { RawClient, readCommittedValues } from '../helpers/raw-client.js';
import { needs } from '../helpers/needs.js';
import { CHROMIUM, type ParsedMetrics, call, consoleBroker, eventually, hasChromium, launchChromium, metric, scrape } from './helpers.js';

const E = ErrorCode;
const TOPIC = 'ct';

async function withBroker(config: Record<string, unknown>, fn: (b: RunningBroker, c: RawClient, admin: Admin) => Promise<void>): Promise<void> {
  const b = await consoleBroker({ 'group.initial.rebalance.delay.ms': 0, ...config });
  const c = await RawClient.connect(b.bootstrap);
  const client = new Client({ bootstrapServers: b.bootstrap, clientId: 'console-transactions-test' });
  try {
    await c.request(CreateTopics, 5, { topics: [{ name: TOPIC, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    await fn(b, c, new Admin(client));
  } finally {
    c.close();
    await client.close();
    await b.close();
  }
}

function txnBatch(producerId: number, producerEpoch: number, baseSequence: number, values: string[]): Buffer {
  return encodeBatch(
    values.map((value) => ({ value })),
    { producerId, producerEpoch, baseSequence, transactional: true },
  );
}

async function produce(c: RawClient, transactionalId: string | null, partition: number, records: Buffer) {
  const r = await c.request(Produce, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] });
  return r.responses[0]!.partitionResponses[0] as { errorCode: number; baseOffset: number };
}

/** A transaction of `transactionalId` holding partitions 0 and 1, with two records on partition 0 between plain ones. */
async function openTransaction(c: RawClient, transactionalId: string) {
  const init = await c.request(InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.is(init.errorCode, 0);
  const { producerId, producerEpoch } = init;
  assert.is((await produce(c, null, 0, encodeBatch([{ value: 'plain-before' }]))).baseOffset, 0);
  const added = await c.request(AddPartitionsToTxn, 3, { v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: TOPIC, partitions: [0, 1] }] });
  assert.equal(added.resultsByTopicV3AndBelow[0]!.resultsByPartition.map((p) => p.partitionErrorCode), [0, 0]);
  assert.is((await produce(c, transactionalId, 0, txnBatch(producerId, producerEpoch, 0, ['t1', 't2']))).baseOffset, 1);
  assert.is((await produce(c, null, 0, encodeBatch([{ value: 'plain-after' }]))).baseOffset, 3);
  return { producerId, producerEpoch };
}

async function describe(c: RawClient, transactionalId: string) {
  return (await c.request(DescribeTransactions, 0, { transactionalIds: [transactionalId] })).transactionStates[0]!;
}

const v = (m: ParsedMetrics, name: string, labels: Record<string, string> = {}): number | undefined => metric(m, name, labels);
const p0 = { topic: TOPIC, partition: '0' };
const p1 = { topic: TOPIC, partition: '1' };

for (const workers of [1, 0]) {
  test(`an open transaction (${workers ? 'worker' : 'inline'}): listed with its partitions, LSO and parked groups, in /metrics, aborted from the console`, async () => {
    await withBroker({ 'num.io.threads': workers }, async (b, c, admin) => {
      const opened = Date.now();
      const { producerId, producerEpoch } = await openTransaction(c, 'console-tx');
      // One group at the LSO (parked), one past it (reads uncommitted), one behind it (not parked).
      await admin.commitGroupOffsets('at-lso', [{ topic: TOPIC, partition: 0, offset: 1 }]);
      await admin.commitGroupOffsets('past-lso', [{ topic: TOPIC, partition: 0, offset: 4 }]);
      await admin.commitGroupOffsets('behind-lso', [{ topic: TOPIC, partition: 0, offset: 0 }]);

      const listed = await call(b, 'GET', '/api/transactions');
      assert.is(listed.status, 200);
      assert.equal(listed.body.hanging, []);
      assert.is(listed.body.coordinator.loaded, true);
      assert.is(listed.body.coordinator.states.Ongoing, 1);
      assert.is(listed.body.transactions.length, 1);
      const t = listed.body.transactions[0];
      assert.equal([t.transactionalId, t.producerId, t.producerEpoch, t.state, t.pendingState, t.timeoutMs, t.timedOut], ['console-tx', producerId, producerEpoch, 'Ongoing', null, 60_000, false]);
      assert.ok(t.startMs >= opened - 1000 && t.startMs <= Date.now(), 'started when the first partition was added');
      assert.ok(t.ageMs >= 0 && t.ageMs < 30_000, `age ${t.ageMs}`);
      assert.equal(t.partitions, [
        {
          topic: TOPIC,
          partition: 0,
          firstOffset: 1,
          lastStableOffset: 1,
          logEndOffset: 4,
          pinsLso: true,
          awaitingMarker: false,
          parked: [
            { groupId: 'at-lso', committedOffset: 1, atLso: true },
            { groupId: 'past-lso', committedOffset: 4, atLso: false },
          ],
        },
        { topic: TOPIC, partition: 1, firstOffset: null, lastStableOffset: 0, logEndOffset: 0, pinsLso: false, awaitingMarker: false, parked: [] },
      ]);
      assert.is((await call(b, 'GET', '/api/overview')).body.totals.openTransactions, 1);

      const open = await scrape(b);
      assert.is(v(open, 'spindle_transaction_coordinator_transactions', { state: 'Ongoing' }), 1);
      assert.is(v(open, 'spindle_transaction_coordinator_transactions', { state: 'CompleteAbort' }), 0);
      assert.ok(v(open, 'spindle_transaction_coordinator_oldest_open_transaction_age_seconds')! >= 0);
      assert.is(v(open, 'spindle_partition_last_stable_offset', p0), 1);
      assert.is(v(open, 'spindle_partition_last_stable_offset_lag', p0), 3);
      assert.is(v(open, 'spindle_partition_open_transactions', p0), 1);
      assert.is(v(open, 'spindle_partition_last_stable_offset_lag', p1), 0);
      assert.is(v(open, 'spindle_partition_open_transactions', p1), 0);
      assert.is(open.types.get('spindle_partition_last_stable_offset_lag'), 'gauge');

      // Refusals: a stale producer epoch, no producer named, an unknown id, another origin, the partition-level abort of a coordinator's transaction.
      const stale = await call(b, 'POST', '/api/transactions/console-tx/abort', { producerId, producerEpoch: producerEpoch + 1 });
      assert.is(stale.status, 409);
      assert.match(stale.body.error, /reload/);
      assert.is((await call(b, 'POST', '/api/transactions/console-tx/abort', {})).status, 400);
      assert.is((await call(b, 'POST', '/api/transactions/nobody/abort', { producerId: 1, producerEpoch: 0 })).status, 404);
      const foreign = await fetch(`${b.consoleUrl}/api/transactions/console-tx/abort`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://elsewhere.example' },
        body: JSON.stringify({ producerId, producerEpoch }),
      });
      assert.is(foreign.status, 403);
      const byPartition = await call(b, 'POST', `/api/topics/${TOPIC}/partitions/0/abort-transaction`, { startOffset: 1 });
      assert.is(byPartition.status, 409);
      assert.match(byPartition.body.error, /console-tx/);
      assert.is((await describe(c, 'console-tx')).transactionState, 'Ongoing', 'nothing was aborted by the refused calls');
      assert.equal((await readCommittedValues(c, TOPIC, 0)).values, ['plain-before']);

      // Abort: the coordinator aborts it with a bumped epoch.
      const aborted = await call(b, 'POST', '/api/transactions/console-tx/abort', { producerId, producerEpoch });
      assert.is(aborted.status, 200, JSON.stringify(aborted.body));
      assert.equal(aborted.body, { transactionalId: 'console-tx', producerId, producerEpoch: producerEpoch + 1, state: 'PrepareAbort' });
      await eventually(async () => (await describe(c, 'console-tx')).transactionState === 'CompleteAbort', 5_000, 'CompleteAbort');
      const read = await readCommittedValues(c, TOPIC, 0);
      assert.equal(read.values, ['plain-before', 'plain-after'], 'the transaction’s records are aborted');
      assert.is(read.lastStableOffset, 5, 'the LSO is past the abort marker');
      assert.is((await produce(c, 'console-tx', 0, txnBatch(producerId, producerEpoch, 2, ['late']))).errorCode, E.INVALID_PRODUCER_EPOCH, 'the producer is fenced');

      const after = await call(b, 'GET', '/api/transactions');
      assert.equal([after.body.transactions, after.body.hanging], [[], []]);
      assert.is(after.body.coordinator.states.CompleteAbort, 1);
      const closed = await scrape(b);
      assert.is(v(closed, 'spindle_transaction_coordinator_transactions', { state: 'Ongoing' }), 0);
      assert.is(v(closed, 'spindle_transaction_coordinator_transactions', { state: 'CompleteAbort' }), 1);
      assert.is(v(closed, 'spindle_transaction_coordinator_oldest_open_transaction_age_seconds'), 0);
      assert.is(v(closed, 'spindle_partition_last_stable_offset', p0), 5);
      assert.is(v(closed, 'spindle_partition_last_stable_offset_lag', p0), 0);
      assert.is(v(closed, 'spindle_partition_open_transactions', p0), 0);
      const again = await call(b, 'POST', '/api/transactions/console-tx/abort', { producerId, producerEpoch: producerEpoch + 1 });
      assert.is(again.status, 409);
      assert.match(again.body.error, /CompleteAbort, not Ongoing/);
    });
  });
}

test('a hanging transaction: listed apart, in /metrics, ended with an abort marker as kafka-transactions abort does', async () => {
  await withBroker({ 'transaction.partition.verification.enable': false }, async (b, c, admin) => {
    // Without verification a transactional batch of a producer no coordinator knows opens a transaction nothing will end.
    assert.is((await produce(c, null, 1, txnBatch(777, 3, 0, ['hanging-1', 'hanging-2']))).errorCode, 0);
    assert.is((await produce(c, null, 1, encodeBatch([{ value: 'after' }]))).errorCode, 0);
    await admin.commitGroupOffsets('waiting', [{ topic: TOPIC, partition: 1, offset: 0 }]);

    const listed = await call(b, 'GET', '/api/transactions');
    assert.equal(listed.body.transactions, []);
    assert.is(listed.body.hanging.length, 1);
    const hanging = listed.body.hanging[0];
    assert.equal(
      [hanging.topic, hanging.partition, hanging.producerId, hanging.producerEpoch, hanging.firstOffset, hanging.lastStableOffset, hanging.logEndOffset, hanging.pinsLso, hanging.parked],
      [TOPIC, 1, 777, 3, 0, 0, 3, true, [{ groupId: 'waiting', committedOffset: 0, atLso: true }]],
    );
    const open = await scrape(b);
    assert.is(v(open, 'spindle_partition_open_transactions', p1), 1);
    assert.is(v(open, 'spindle_partition_last_stable_offset_lag', p1), 3);
    assert.is(v(open, 'spindle_transaction_coordinator_transactions', { state: 'Ongoing' }), 0, 'the coordinator knows nothing of it');

    const wrong = await call(b, 'POST', `/api/topics/${TOPIC}/partitions/1/abort-transaction`, { startOffset: 2 });
    assert.is(wrong.status, 404);
    assert.is((await call(b, 'POST', `/api/topics/${TOPIC}/partitions/1/abort-transaction`, {})).status, 400);
    const done = await call(b, 'POST', `/api/topics/${TOPIC}/partitions/1/abort-transaction`, { startOffset: 0 });
    assert.is(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body, { topic: TOPIC, partition: 1, startOffset: 0, producerId: 777, producerEpoch: 3, aborted: true });
    const read = await readCommittedValues(c, TOPIC, 1);
    assert.equal(read.values, ['after']);
    assert.is(read.lastStableOffset, 4);
    assert.equal((await call(b, 'GET', '/api/transactions')).body.hanging, []);
    const closed = await scrape(b);
    assert.is(v(closed, 'spindle_partition_open_transactions', p1), 0);
    assert.is(v(closed, 'spindle_partition_last_stable_offset_lag', p1), 0);
  });
});

needs(hasChromium ? '' : `${CHROMIUM} is not installed`)('in headless Chromium: the Transactions view lists an open transaction, its pinned LSO and parked group, and aborts it', async () => {
  await withBroker({}, async (b, c, admin) => {
    await openTransaction(c, 'browser-tx');
    await admin.commitGroupOffsets('browser-parked', [{ topic: TOPIC, partition: 0, offset: 1 }]);
    const browser = await launchChromium();
    const pageErrors: string[] = [];
    try {
      const page = await browser.context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(m.text());
      });
      await page.goto(`${b.consoleUrl}/#/`);
      await page.waitForSelector('#total-open-transactions');
      assert.is(await page.textContent('#total-open-transactions'), '1');
      await page.click('a[data-nav="transactions"]');
      const row = '#transactions tr[data-txn="browser-tx"]';
      await page.waitForSelector(row);
      const p0Line = `${row} .txn-partition[data-partition="${TOPIC}-0"]`;
      assert.match((await page.textContent(p0Line))!, /from offset 1 · pins the LSO 3 records held back/);
      assert.match((await page.textContent(p0Line))!, /parked: browser-parked/);
      assert.match((await page.textContent(`${row} .txn-partition[data-partition="${TOPIC}-1"]`))!, /no records yet/);
      assert.match((await page.textContent(`${row} td.txn-age`))!, /of 1m 0s/);
      assert.is(await page.textContent('#txn-states [data-state="Ongoing"] .v'), '1');
      await page.click(`${row} button.abort`);
      await page.click('#confirm-ok');
      await eventually(async () => (await describe(c, 'browser-tx')).transactionState === 'CompleteAbort', 5_000, 'CompleteAbort');
      await page.waitForSelector('#transactions td.empty');
      await page.waitForFunction(`document.querySelector('#txn-states [data-state="CompleteAbort"] .v')?.textContent === '1'`);
      assert.equal(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});

test.run();
