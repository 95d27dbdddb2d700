/**
 * kill -9 at every phase of a transaction, and I/O faults under the coordinator.
 *
 * The broker runs as a child process (`spindle broker`, two partition workers unless said
 * otherwise), is killed with SIGKILL at one phase and restarted on the same data directory
 * (on a new port; the client reconnects):
 *
 *   (a) after AddPartitionsToTxn, nothing produced    the transaction is still Ongoing; a new
 *                                                      InitProducerId fences and aborts it
 *                                                      (CONCURRENT_TRANSACTIONS until the abort is
 *                                                      complete, then the epoch bumped twice), or
 *                                                      its timeout aborts it
 *   (b) mid-produce, batches acknowledged             the producer resumes (a retried batch is
 *                                                      recognised, not written twice) and commits,
 *                                                      or is fenced by a new InitProducerId
 *   (c) PrepareCommit/PrepareAbort written, a marker  the coordinator finds the transaction half
 *       not yet                                        ended at start-up and completes it
 *   (d) the markers written, Complete* not yet        the same; markers written twice harm nothing
 *   (d') Complete* written                             nothing left to do
 *   a torn PrepareCommit, then the kill                recovery drops the torn record: Ongoing,
 *                                                      and the client's retried EndTxn commits
 *
 * (c), (d) and the torn record stop the broker exactly there through the file system seam: a
 * broker started with the fault channel (helpers/txn-broker.ts) is told to fail writes to one
 * segment file — a data partition's for (c), the transactional id's __transaction_state
 * partition's, after the Prepare record, for (d), and tearing the Prepare record itself — so the
 * coordinator keeps retrying and never gets past the phase; then it is killed and restarted
 * without faults.
 *
 * After each restart: the state DescribeTransactions shows is what the coordinator's log
 * holds; a read_committed read sees each committed record exactly once and no aborted one;
 * ListOffsets latest under read_committed (the LSO) reaches the high watermark.
 *
 * The last two tests run the broker in-process with two log directories and inject faults
 * through PartitionHost.injectFaults: a data partition offline while its marker is written
 * (the coordinator retries until the directory is back), and a torn write to
 * __transaction_state at EndTxn (a retriable error for the client, then the commit goes
 * through, and a restart finds it).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBroker } from '../../src/broker/server.js';
import { partitionForTransactionalId, TRANSACTION_STATE_TOPIC } from '../../src/broker/transactions/records.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { Produce } from '../../src/protocol/messages/index.js';
import { dataDir } from '../interop/helpers.js';
import { RawClient, readCommittedValues, readValues } from '../helpers/raw-client.js';
import {
  addPartitions,
  type BrokerProcess,
  createTopic,
  describeTxn,
  endTxn,
  initProducerId,
  initUntilDone,
  latestOffsets,
  produce,
  startBrokerProcess,
  txnBatch,
  untilState,
} from '../helpers/txn-broker.js';

const E = ErrorCode;
const TOPIC = 'tx';
const STATE_PARTITIONS = 4;
const ENV = {
  SPINDLE_TRANSACTION_STATE_LOG_NUM_PARTITIONS: String(STATE_PARTITIONS),
  SPINDLE_OFFSETS_TOPIC_NUM_PARTITIONS: '4',
  SPINDLE_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS: '100',
};
const FIRST_SEGMENT = '00000000000000000000.log';

async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One data directory and the broker processes that run on it, one at a time. */
class Life {
  readonly data = dataDir();
  p: BrokerProcess | undefined;
  c: RawClient | undefined;

  async start(options: { workers?: number; faults?: boolean } = {}): Promise<RawClient> {
    this.p = await startBrokerProcess(this.data.dir, { workers: options.workers ?? 2, faults: options.faults ?? false, env: ENV });
    this.c = await RawClient.connect(this.p.bootstrap);
    return this.c;
  }

  /** SIGKILL; the next start recovers. */
  async crash(): Promise<void> {
    this.c?.close();
    await this.p!.kill();
    const { signal } = await this.p!.exited;
    assert.is(signal, 'SIGKILL');
  }

  async end(): Promise<void> {
    this.c?.close();
    await this.p?.kill();
    this.data.remove();
  }
}

async function life(fn: (l: Life) => Promise<void>): Promise<void> {
  const l = new Life();
  try {
    await fn(l);
  } catch (e) {
    const log = l.p?.stderr() ?? '';
    const from = log.indexOf('Spindle listening on');
    console.error(`--- the broker's log ---\n${(from >= 0 ? log.slice(from) : log).slice(-3000)}`);
    throw e;
  } finally {
    await l.end();
  }
}

/**
 * The LSO of every partition reaches its high watermark, and read_committed sees exactly
 * `expected[p]` in partition p, in order: each committed record once, no aborted one.
 */
async function settled(c: RawClient, expected: string[][]): Promise<void> {
  const partitions = expected.map((_, i) => i);
  let last = '';
  await eventually(
    async () => {
      const hw = await latestOffsets(c, TOPIC, partitions, 0);
      const lso = await latestOffsets(c, TOPIC, partitions, 1);
      last = `high watermarks ${hw}, LSOs ${lso}`;
      return hw.every((h, i) => h >= 0 && h === lso[i]);
    },
    10_000,
    'the LSO to reach the high watermark',
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}`);
  });
  for (const p of partitions) {
    const r = await readCommittedValues(c, TOPIC, p);
    assert.is(r.errorCode, 0);
    assert.equal(r.values, expected[p], `read_committed of ${TOPIC}-${p}`);
  }
}

async function setUp(c: RawClient, partitions = 2): Promise<void> {
  assert.is(await createTopic(c, TOPIC, partitions), 0);
  assert.is((await produce(c, null, TOPIC, 0, encodeBatch([{ value: 'plain' }]))).errorCode, 0);
}

async function opened(c: RawClient, id: string, partitions: number[], timeoutMs = 60_000): Promise<{ pid: number; epoch: number }> {
  const r = await initProducerId(c, id, timeoutMs);
  assert.is(r.errorCode, 0);
  assert.equal(await addPartitions(c, id, r.producerId, r.producerEpoch, TOPIC, partitions), partitions.map(() => 0));
  return { pid: r.producerId, epoch: r.producerEpoch };
}

/** The fencing path: the first InitProducerId starts the abort, the next ones wait for it, the last bumps again. */
async function fence(c: RawClient, id: string, pid: number, epoch: number): Promise<number> {
  const first = await initProducerId(c, id);
  assert.is(first.errorCode, E.CONCURRENT_TRANSACTIONS, 'the open transaction is being aborted');
  const fresh = await initUntilDone(c, id);
  assert.equal([fresh.errorCode, fresh.producerId, fresh.producerEpoch], [0, pid, epoch + 2], 'one bump for the abort, one for the new producer');
  const d = await describeTxn(c, id);
  assert.equal([d.transactionState, d.producerEpoch], ['Empty', epoch + 2]);
  return fresh.producerEpoch;
}

// ───────────────────────────── (a) after AddPartitionsToTxn ─────────────────────────────

test('(a) killed after AddPartitionsToTxn: Ongoing after the restart; a new InitProducerId fences and aborts one, the timeout aborts the other', async () => {
  await life(async (l) => {
    let c = await l.start();
    await setUp(c, 4);
    const fenced = await opened(c, 'a-fence', [0, 1]);
    const timed = await opened(c, 'a-timeout', [2, 3], 1500);
    await l.crash();
    c = await l.start({ workers: 0 });
    const d = await describeTxn(c, 'a-fence');
    assert.equal([d.transactionState, d.producerId, d.producerEpoch, d.topics], ['Ongoing', fenced.pid, fenced.epoch, [{ topic: TOPIC, partitions: [0, 1] }]], 'as __transaction_state says');
    const fresh = await fence(c, 'a-fence', fenced.pid, fenced.epoch);
    assert.equal(await addPartitions(c, 'a-fence', fenced.pid, fenced.epoch, TOPIC, [0]), [E.PRODUCER_FENCED], 'the old producer is fenced');
    const t = await untilState(c, 'a-timeout', ['CompleteAbort'], 10_000);
    assert.is(t.producerEpoch, timed.epoch + 1, 'the coordinator bumped the epoch to fence the timed-out producer');
    assert.is(await endTxn(c, 'a-timeout', timed.pid, timed.epoch, true), E.PRODUCER_FENCED);
    await settled(c, [['plain'], [], [], []]);
    // The fresh producer's transaction commits.
    assert.equal(await addPartitions(c, 'a-fence', fenced.pid, fresh, TOPIC, [1]), [0]);
    assert.is((await produce(c, 'a-fence', TOPIC, 1, txnBatch(fenced.pid, fresh, 0, ['after']))).errorCode, 0);
    assert.is(await endTxn(c, 'a-fence', fenced.pid, fresh, true), 0);
    await untilState(c, 'a-fence', ['CompleteCommit']);
    await settled(c, [['plain'], ['after'], [], []]);
  });
});

// ───────────────────────────── (b) mid-produce ─────────────────────────────

test('(b) killed mid-produce: one producer resumes (its retries recognised) and commits each record once; a new InitProducerId fences the other and aborts what it wrote', async () => {
  await life(async (l) => {
    let c = await l.start();
    await setUp(c, 4);
    const { pid, epoch } = await opened(c, 'b-resume', [0, 1]);
    const zombie = await opened(c, 'b-fence', [2, 3]);
    assert.is((await produce(c, 'b-fence', TOPIC, 2, txnBatch(zombie.pid, zombie.epoch, 0, ['z0', 'z1']))).errorCode, 0);
    assert.is((await produce(c, 'b-fence', TOPIC, 3, txnBatch(zombie.pid, zombie.epoch, 0, ['z2']))).errorCode, 0);
    const first = await produce(c, 'b-resume', TOPIC, 0, txnBatch(pid, epoch, 0, ['b0', 'b1']));
    assert.is(first.errorCode, 0);
    assert.is((await produce(c, 'b-resume', TOPIC, 1, txnBatch(pid, epoch, 0, ['b2']))).errorCode, 0);
    // One more batch in flight when the broker dies: written or not, its retry must land once.
    c.send(Produce, 9, { transactionalId: 'b-resume', acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: txnBatch(pid, epoch, 2, ['b3', 'b4']) }] }] });
    await l.crash();
    c = await l.start();
    for (const [id, e] of [['b-resume', epoch], ['b-fence', zombie.epoch]] as const) {
      const d = await describeTxn(c, id);
      assert.equal([d.transactionState, d.producerEpoch], ['Ongoing', e], id);
    }
    const [lso] = await latestOffsets(c, TOPIC, [0], 1);
    assert.is(lso, first.baseOffset, 'the LSO is pinned at the open transaction');
    // The acknowledged batch again, as a client whose answer was lost retries it: its offsets, nothing written.
    const again = await produce(c, 'b-resume', TOPIC, 0, txnBatch(pid, epoch, 0, ['b0', 'b1']));
    assert.equal(again, { errorCode: 0, baseOffset: first.baseOffset }, 'recognised as a duplicate after recovery');
    assert.is((await produce(c, 'b-resume', TOPIC, 0, txnBatch(pid, epoch, 2, ['b3', 'b4']))).errorCode, 0);
    assert.is((await produce(c, 'b-resume', TOPIC, 1, txnBatch(pid, epoch, 1, ['b5']))).errorCode, 0);
    assert.is(await endTxn(c, 'b-resume', pid, epoch, true), 0);
    await fence(c, 'b-fence', zombie.pid, zombie.epoch);
    assert.is((await produce(c, 'b-fence', TOPIC, 2, txnBatch(zombie.pid, zombie.epoch, 1, ['zombie']))).errorCode, E.INVALID_PRODUCER_EPOCH, 'the zombie is refused');
    assert.is(await endTxn(c, 'b-fence', zombie.pid, zombie.epoch, true), E.PRODUCER_FENCED);
    await untilState(c, 'b-resume', ['CompleteCommit']);
    await settled(c, [['plain', 'b0', 'b1', 'b3', 'b4'], ['b2', 'b5'], [], []]);
    const written = (await readValues(c, TOPIC, 0)).values.filter((v) => /^(plain|b\d)$/.test(v));
    assert.equal(written, ['plain', 'b0', 'b1', 'b3', 'b4'], 'nothing written twice (the control records left out)');
  });
});

// ───────────────────────────── (c) between Prepare* and the markers ─────────────────────────────

for (const commit of [true, false]) {
  const word = commit ? 'Commit' : 'Abort';
  test(`(c) killed after Prepare${word}, a marker not written: completed at start-up`, async () => {
    await life(async (l) => {
      const id = `c-${word.toLowerCase()}`;
      let c = await l.start({ faults: true });
      await setUp(c);
      const { pid, epoch } = await opened(c, id, [0, 1]);
      assert.is((await produce(c, id, TOPIC, 0, txnBatch(pid, epoch, 0, ['c0']))).errorCode, 0);
      assert.is((await produce(c, id, TOPIC, 1, txnBatch(pid, epoch, 0, ['c1', 'c2']))).errorCode, 0);
      // From now on no write reaches partition 1's segment: its marker cannot be written.
      await l.p!.injectFaults([{ op: 'write', code: 'EIO', path: `${TOPIC}-1/${FIRST_SEGMENT}` }]);
      assert.is(await endTxn(c, id, pid, epoch, commit), 0, `answered once Prepare${word} is in __transaction_state`);
      // The coordinator's warning that the marker failed and will be retried.
      await l.p!.waitForLog(new RegExp(`${id}[^\n]*marker[^\n]*${TOPIC}-1[^\n]*fail`));
      const d = await describeTxn(c, id);
      assert.is(d.transactionState, `Prepare${word}`);
      assert.ok(d.topics.some((t) => t.partitions.includes(1)), `partition 1 waits for its marker: ${JSON.stringify(d.topics)}`);
      await l.crash();
      c = await l.start();
      await untilState(c, id, [`Complete${word}`]);
      assert.match(l.p!.stderr(), new RegExp(`completing transaction of ${id} found in Prepare${word} at start-up`));
      await settled(c, commit ? [['plain', 'c0'], ['c1', 'c2']] : [['plain'], []]);
      assert.is(await endTxn(c, id, pid, epoch, commit), 0, 'a retried EndTxn of the completed transaction is NONE');
    });
  });
}

// ───────────────────────────── (d) after the markers ─────────────────────────────

for (const commit of [true, false]) {
  const word = commit ? 'Commit' : 'Abort';
  test(`(d) killed after the ${word.toLowerCase()} markers, before Complete${word} is written: completed again at start-up, the markers twice harm nothing`, async () => {
    await life(async (l) => {
      const id = `d-${word.toLowerCase()}`;
      let c = await l.start({ faults: true });
      await setUp(c);
      const { pid, epoch } = await opened(c, id, [0, 1]);
      assert.is((await produce(c, id, TOPIC, 0, txnBatch(pid, epoch, 0, ['d0', 'd1']))).errorCode, 0);
      assert.is((await produce(c, id, TOPIC, 1, txnBatch(pid, epoch, 0, ['d2']))).errorCode, 0);
      // The id's __transaction_state segment takes one more write (Prepare*), then refuses them (Complete*).
      const statePartition = partitionForTransactionalId(id, STATE_PARTITIONS);
      await l.p!.injectFaults([{ op: 'write', code: 'EIO', path: `${TRANSACTION_STATE_TOPIC}-${statePartition}/${FIRST_SEGMENT}`, skip: 1 }]);
      assert.is(await endTxn(c, id, pid, epoch, commit), 0);
      // Prepare* with no partition left: every marker is written, Complete* is not.
      await eventually(
        async () => {
          const d = await describeTxn(c, id);
          return d.transactionState === `Prepare${word}` && d.topics.length === 0;
        },
        10_000,
        'the markers to be written',
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.is((await describeTxn(c, id)).transactionState, `Prepare${word}`, `Complete${word} cannot be written`);
      await l.crash();
      c = await l.start();
      await untilState(c, id, [`Complete${word}`]);
      assert.match(l.p!.stderr(), new RegExp(`completing transaction of ${id} found in Prepare${word} at start-up`));
      await settled(c, commit ? [['plain', 'd0', 'd1'], ['d2']] : [['plain'], []]);
      // The same producer's next transaction, over the doubled markers.
      assert.equal(await addPartitions(c, id, pid, epoch, TOPIC, [0, 1]), [0, 0]);
      assert.is((await produce(c, id, TOPIC, 0, txnBatch(pid, epoch, 2, ['next']))).errorCode, 0);
      assert.is(await endTxn(c, id, pid, epoch, true), 0);
      await untilState(c, id, ['CompleteCommit']);
      await settled(c, commit ? [['plain', 'd0', 'd1', 'next'], ['d2']] : [['plain', 'next'], []]);
    });
  });
}

test("(d') killed after CompleteCommit and CompleteAbort are written: found as they were", async () => {
  await life(async (l) => {
    let c = await l.start();
    await setUp(c, 4);
    const ends = [
      { id: 'dd-commit', partitions: [0, 1], commit: true },
      { id: 'dd-abort', partitions: [2, 3], commit: false },
    ];
    const producers = [];
    for (const t of ends) {
      const { pid, epoch } = await opened(c, t.id, t.partitions);
      for (const p of t.partitions) assert.is((await produce(c, t.id, TOPIC, p, txnBatch(pid, epoch, 0, [`e${p}`]))).errorCode, 0);
      assert.is(await endTxn(c, t.id, pid, epoch, t.commit), 0);
      producers.push({ ...t, pid, epoch });
    }
    for (const t of producers) await untilState(c, t.id, [t.commit ? 'CompleteCommit' : 'CompleteAbort']);
    await l.crash();
    c = await l.start({ workers: 0 });
    for (const t of producers) {
      const d = await describeTxn(c, t.id);
      assert.equal([d.transactionState, d.producerId, d.producerEpoch], [t.commit ? 'CompleteCommit' : 'CompleteAbort', t.pid, t.epoch]);
    }
    assert.not.match(l.p!.stderr(), /completing transaction/);
    await settled(c, [['plain', 'e0'], ['e1'], [], []]);
  });
});

test('a torn PrepareCommit in __transaction_state, then kill -9: the torn record is dropped at recovery, the transaction is Ongoing, and the retried EndTxn commits it', async () => {
  await life(async (l) => {
    const id = 'torn-prepare';
    let c = await l.start({ faults: true });
    await setUp(c);
    const { pid, epoch } = await opened(c, id, [0, 1]);
    assert.is((await produce(c, id, TOPIC, 0, txnBatch(pid, epoch, 0, ['t0']))).errorCode, 0);
    assert.is((await produce(c, id, TOPIC, 1, txnBatch(pid, epoch, 0, ['t1']))).errorCode, 0);
    const statePartition = partitionForTransactionalId(id, STATE_PARTITIONS);
    await l.p!.injectFaults([{ op: 'write', code: 'EIO', path: `${TRANSACTION_STATE_TOPIC}-${statePartition}/${FIRST_SEGMENT}`, torn: true }]);
    const code = await endTxn(c, id, pid, epoch, true);
    assert.ok(code === E.NOT_COORDINATOR || code === E.COORDINATOR_NOT_AVAILABLE, `EndTxn answered ${code}: retriable`);
    await l.crash();
    c = await l.start();
    const d = await describeTxn(c, id);
    assert.equal([d.transactionState, d.producerEpoch, d.topics], ['Ongoing', epoch, [{ topic: TOPIC, partitions: [0, 1] }]], 'the last whole record');
    assert.is(await endTxn(c, id, pid, epoch, true), 0, 'the client retries on NOT_COORDINATOR');
    await untilState(c, id, ['CompleteCommit']);
    await settled(c, [['plain', 't0'], ['t1']]);
  });
});

// ───────────────────────────── faults under the coordinator ─────────────────────────────

interface InProcess {
  dirs: [string, string];
  lines: string[];
  start(): Promise<{ b: Awaited<ReturnType<typeof startBroker>>; c: RawClient }>;
  remove(): void;
}

function inProcess(): InProcess {
  const data = dataDir();
  const dirs: [string, string] = [join(data.dir, 'a'), join(data.dir, 'b')];
  for (const d of dirs) mkdirSync(d);
  const lines: string[] = [];
  const logger = { error: (m: string) => lines.push(`ERROR ${m}`), warn: (m: string) => lines.push(`WARN ${m}`), info: (m: string) => lines.push(`INFO ${m}`) };
  return {
    dirs,
    lines,
    start: async () => {
      const b = await startBroker({
        port: 0,
        logger,
        config: {
          'log.dirs': dirs.join(','),
          'num.io.threads': 2,
          'log.dir.recovery.check.interval.ms': 100,
          'transaction.state.log.num.partitions': STATE_PARTITIONS,
          'offsets.topic.num.partitions': 4,
        },
      });
      return { b, c: await RawClient.connect(b.bootstrap) };
    },
    remove: () => data.remove(),
  };
}

/** A transactional id whose __transaction_state partition lives in `dir`. */
function idWithStateIn(b: Awaited<ReturnType<typeof startBroker>>, dir: string, prefix: string): string {
  const state = b.broker.topics.get(TRANSACTION_STATE_TOPIC)!;
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    if (state.partitions[partitionForTransactionalId(id, STATE_PARTITIONS)]!.logDir === dir) return id;
  }
}

function partitionIn(b: Awaited<ReturnType<typeof startBroker>>, dir: string): number {
  return b.broker.topics.get(TOPIC)!.partitions.find((p) => p.logDir === dir)!.partition;
}

test('a data partition offline while its commit marker is written: the coordinator retries, and the transaction completes once the directory is back', async () => {
  const s = inProcess();
  let { b, c } = await s.start();
  try {
    assert.is(await createTopic(c, TOPIC, 4), 0);
    assert.is((await initProducerId(c, 'creates-the-state-topic')).errorCode, 0);
    const [failing, healthy] = s.dirs;
    const bad = partitionIn(b, failing);
    const good = partitionIn(b, healthy);
    const id = idWithStateIn(b, healthy, 'm');
    const { pid, epoch } = await opened(c, id, [bad, good]);
    assert.is((await produce(c, id, TOPIC, bad, txnBatch(pid, epoch, 0, ['m-bad']))).errorCode, 0);
    assert.is((await produce(c, id, TOPIC, good, txnBatch(pid, epoch, 0, ['m-good']))).errorCode, 0);
    await b.broker.host.injectFaults([
      { op: 'write', code: 'EIO', path: failing },
      { op: 'fsync', code: 'EIO', path: failing },
    ]);
    assert.is(await endTxn(c, id, pid, epoch, true), 0, 'PrepareCommit is written in the healthy directory');
    await eventually(async () => !b.broker.logDirs.isOnline(failing), 5000, 'the directory to go offline');
    await new Promise((r) => setTimeout(r, 400));
    const d = await describeTxn(c, id);
    assert.equal([d.transactionState, d.topics], ['PrepareCommit', [{ topic: TOPIC, partitions: [bad] }]], 'only the offline partition waits for its marker');
    assert.is((await initProducerId(c, id)).errorCode, E.CONCURRENT_TRANSACTIONS, 'retriable while the markers are on their way');
    assert.is(await endTxn(c, id, pid, epoch, true), E.CONCURRENT_TRANSACTIONS);
    assert.equal((await readCommittedValues(c, TOPIC, good)).values, ['m-good'], 'the healthy partition has its marker');
    assert.ok(s.lines.some((x) => x.startsWith('WARN') && x.includes(`marker for ${TOPIC}-${bad} failed`)), s.lines.join('\n'));
    await b.broker.host.injectFaults([]);
    await untilState(c, id, ['CompleteCommit'], 15_000);
    const expected = [0, 1, 2, 3].map((p) => (p === bad ? ['m-bad'] : p === good ? ['m-good'] : []));
    await settled(c, expected);
    // And after a restart, the same.
    c.close();
    await b.close();
    ({ b, c } = await s.start());
    assert.is((await describeTxn(c, id)).transactionState, 'CompleteCommit');
    await settled(c, expected);
  } finally {
    c.close();
    await b.broker.host.injectFaults([]);
    await b.close();
    s.remove();
  }
});

test('a torn write to __transaction_state at EndTxn: the client gets a retriable error, its retry commits once the directory is back, and nothing is lost across a restart', async () => {
  const s = inProcess();
  let { b, c } = await s.start();
  try {
    assert.is(await createTopic(c, TOPIC, 4), 0);
    assert.is((await initProducerId(c, 'creates-the-state-topic')).errorCode, 0);
    const [failing, healthy] = s.dirs;
    const good = partitionIn(b, healthy);
    const id = idWithStateIn(b, failing, 's');
    const { pid, epoch } = await opened(c, id, [good]);
    assert.is((await produce(c, id, TOPIC, good, txnBatch(pid, epoch, 0, ['s0', 's1']))).errorCode, 0);
    await b.broker.host.injectFaults([
      { op: 'write', code: 'EIO', path: failing, torn: true, times: 1 },
      { op: 'write', code: 'EIO', path: failing },
      { op: 'fsync', code: 'EIO', path: failing },
    ]);
    const retriable: number[] = [E.NOT_COORDINATOR, E.COORDINATOR_NOT_AVAILABLE];
    const first = await endTxn(c, id, pid, epoch, true);
    assert.ok(retriable.includes(first), `EndTxn answered ${first}`);
    assert.is((await describeTxn(c, id)).transactionState, 'Ongoing', 'nothing applied that was not written');
    const add = await addPartitions(c, id, pid, epoch, TOPIC, [0, 1, 2, 3]);
    assert.ok(add.every((x) => retriable.includes(x) || x === E.CONCURRENT_TRANSACTIONS), `AddPartitionsToTxn answered ${add}`);
    await b.broker.host.injectFaults([]);
    // The client retries, as it does on NOT_COORDINATOR, until the directory is back.
    let code = first;
    await eventually(
      async () => {
        code = await endTxn(c, id, pid, epoch, true);
        return code === 0;
      },
      15_000,
      'EndTxn to be accepted',
    ).catch((e: Error) => {
      throw new Error(`${e.message}: last answer ${code}\n${s.lines.join('\n')}`);
    });
    await untilState(c, id, ['CompleteCommit'], 15_000);
    const expected = [0, 1, 2, 3].map((p) => (p === good ? ['s0', 's1'] : []));
    await settled(c, expected);
    c.close();
    await b.close();
    ({ b, c } = await s.start());
    const d = await describeTxn(c, id);
    assert.equal([d.transactionState, d.producerId, d.producerEpoch], ['CompleteCommit', pid, epoch], 'loaded past the torn record');
    await settled(c, expected);
    assert.equal(await addPartitions(c, id, pid, epoch, TOPIC, [good]), [0], 'the id serves its next transaction');
  } finally {
    c.close();
    await b.broker.host.injectFaults([]);
    await b.close();
    s.remove();
  }
});

test.run();
