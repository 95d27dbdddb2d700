/**
 * `spindle transactions` against a broker holding real transactions, made over the wire with
 * the raw client: an ongoing one the coordinator knows (old records on two partitions), an idle
 * transactional id, a committed one, and three open transactions no coordinator will end — a
 * producer no coordinator knows, the known producer writing to a partition outside its
 * transaction (both an hour old), and a fresh one. The broker runs without produce verification,
 * which is what lets such batches in. Checked: the rows each command prints (Kafka's columns
 * and tab-separated layout), that find-hanging reports exactly the hanging ones past the
 * timeout, that abort ends them (the LSO moves, describe-producers shows no open transaction),
 * the error cases, and the same commands run by Kafka's own kafka-transactions when its jars
 * are here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kafkaMissing, runKafkaTool } from '../../bench/kafka/kafka.js';
import { AddPartitionsToTxn, CreateTopics, DescribeTransactions, EndTxn, InitProducerId, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { needs } from '../helpers/needs.js';
import { RawClient, readCommittedValues } from '../helpers/raw-client.js';
import { lines, loud, spindle, type TestBroker, testBroker } from './helpers.js';

const TOPIC = 'orders';
const HOUR_AGO = Date.now() - 3_600_000;
const STRANGER = 4242;
const FRESH = 5151;

let b: TestBroker;
let c: RawClient;
/** Producer ids InitProducerId gave the transactional ids. */
const pid: Record<string, number> = {};
let billingStartedBefore = 0;

function batch(producerId: number, producerEpoch: number, values: string[], timestamp: number, baseSequence = 0): Buffer {
  return encodeBatch(
    values.map((value) => ({ value, timestamp })),
    { producerId, producerEpoch, baseSequence, transactional: true, baseTimestamp: timestamp },
  );
}

async function produce(transactionalId: string | null, partition: number, records: Buffer): Promise<number> {
  const r = await c.request(Produce, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] });
  const p = r.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
  assert.is(p.errorCode, 0, `produce to ${TOPIC}-${partition}`);
  return p.baseOffset;
}

async function initTxn(id: string): Promise<number> {
  const r = await c.request(InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 900_000, producerId: -1, producerEpoch: -1 });
  assert.is(r.errorCode, 0);
  assert.is(r.producerEpoch, 0);
  pid[id] = r.producerId;
  return r.producerId;
}

async function addPartitions(id: string, partitions: number[]): Promise<void> {
  const r = await c.request(AddPartitionsToTxn, 3, { v3AndBelowTransactionalId: id, v3AndBelowProducerId: pid[id]!, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: TOPIC, partitions }] });
  assert.ok(r.resultsByTopicV3AndBelow.every((t) => t.resultsByPartition.every((p) => p.partitionErrorCode === 0)));
}

async function stateOf(id: string): Promise<string> {
  return (await c.request(DescribeTransactions, 0, { transactionalIds: [id] })).transactionStates[0]!.transactionState;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test.before(
  loud(async () => {
    b = await testBroker({ 'transaction.partition.verification.enable': false });
    c = await RawClient.connect(b.bootstrap);
    await c.request(CreateTopics, 5, { topics: [{ name: TOPIC, numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    // committed: a finished transaction on partition 2 (its record at 0, the marker at 1).
    await initTxn('committed');
    await addPartitions('committed', [2]);
    await produce('committed', 2, batch(pid.committed!, 0, ['c'], Date.now()));
    assert.is((await c.request(EndTxn, 3, { transactionalId: 'committed', producerId: pid.committed!, producerEpoch: 0, committed: true })).errorCode, 0);
    await until('the commit to complete', async () => (await stateOf('committed')) === 'CompleteCommit');
    // idle: initialised, no transaction yet.
    await initTxn('idle');
    // billing: ongoing on partitions 0 and 1, its records an hour old: old, but its coordinator will end it.
    billingStartedBefore = Date.now();
    await initTxn('billing');
    await addPartitions('billing', [0, 1]);
    assert.is(await produce('billing', 0, batch(pid.billing!, 0, ['b0'], HOUR_AGO)), 0);
    assert.is(await produce('billing', 1, batch(pid.billing!, 0, ['b1'], HOUR_AGO)), 0);
    // Hanging: a producer no coordinator knows, an hour ago, on partition 0 (offset 1) ...
    assert.is(await produce(null, 0, batch(STRANGER, 5, ['stranger'], HOUR_AGO)), 1);
    // ... and billing's producer on partition 2, which its transaction does not hold (offset 2).
    assert.is(await produce(null, 2, batch(pid.billing!, 0, ['stray'], HOUR_AGO)), 2);
    // Not (yet) hanging: an unknown producer's transaction opened just now, on partition 1 (offset 1).
    assert.is(await produce(null, 1, batch(FRESH, 0, ['fresh'], Date.now())), 1);
  }),
);

test.after(async () => {
  c?.close();
  await b?.stop();
});

const tx = (args: string[]) => spindle(['transactions', ...b.flag, ...args]);

async function ok(args: string[]): Promise<string> {
  const r = await tx(args);
  assert.is(r.code, 0, `spindle transactions ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  assert.is(r.stderr, '');
  return r.stdout;
}

/** A table as Kafka prints it: every cell padded to its column's width and followed by a tab. Returns the rows' cells. */
function table(stdout: string, headers: string[]): string[][] {
  const all = lines(stdout);
  assert.ok(all.length >= 1, 'a header');
  const split = all.map((l) => {
    assert.ok(l.endsWith('\t'), `every cell ends with a tab: ${JSON.stringify(l)}`);
    return l.slice(0, -1).split('\t');
  });
  assert.equal(
    split[0]!.map((h) => h.trimEnd()),
    headers,
  );
  // Columns line up: each cell of a column as wide as the widest.
  for (let i = 0; i < headers.length; i++) {
    const widths = new Set(split.map((r) => r[i]!.length));
    assert.is(widths.size, 1, `column ${headers[i]} is one width`);
    assert.is([...widths][0], Math.max(...split.map((r) => r[i]!.trimEnd().length)), `column ${headers[i]} is as wide as its widest cell`);
  }
  return split.slice(1).map((r) => r.map((cell) => cell.trimEnd()));
}

const LIST = ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'];
const DESCRIBE = ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'];
const PRODUCERS = ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'];
const HANGING = ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'];

const byFirst = (rows: string[][]) => [...rows].sort((x, y) => (x[0]! < y[0]! ? -1 : 1));

test('list: every transactional id with its coordinator, producer id and state; the filters', async () => {
  assert.equal(byFirst(table(await ok(['list']), LIST)), [
    ['billing', '1', String(pid.billing), 'Ongoing'],
    ['committed', '1', String(pid.committed), 'CompleteCommit'],
    ['idle', '1', String(pid.idle), 'Empty'],
  ]);
  assert.equal(table(await ok(['list', '--state', 'ongoing']), LIST), [['billing', '1', String(pid.billing), 'Ongoing']]);
  assert.equal(byFirst(table(await ok(['list', '--state', 'Empty,CompleteCommit']), LIST)).map((r) => r[0]), ['committed', 'idle']);
  assert.equal(table(await ok(['list', '--producer-id', String(pid.idle)]), LIST), [['idle', '1', String(pid.idle), 'Empty']]);
  assert.equal(table(await ok(['list', '--transactional-id-pattern', 'bill.*']), LIST).map((r) => r[0]), ['billing']);
  assert.equal(table(await ok(['list', '--transactional-id-pattern', 'ill']), LIST), [], 'the pattern matches whole ids');
  // billing started moments ago: not longer than an hour; -1 filters nothing.
  assert.not.ok(table(await ok(['list', '--duration-filter', '3600000']), LIST).some((r) => r[0] === 'billing'));
  assert.is(table(await ok(['list', '--duration-filter', '-1']), LIST).length, 3);
  const bad = await tx(['list', '--state', 'Running']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /invalid state 'Running'; valid states are: Empty, Ongoing/);
});

test('describe: the coordinator view of a transactional id; None when no transaction is under way', async () => {
  const before = Date.now();
  const [row] = table(await ok(['describe', '--transactional-id', 'billing']), DESCRIBE);
  const [coordinator, id, producerId, epoch, state, timeout, start, duration, partitions] = row!;
  assert.equal([coordinator, id, producerId, epoch, state, timeout, partitions], ['1', 'billing', String(pid.billing), '0', 'Ongoing', '900000', `${TOPIC}-0,${TOPIC}-1`]);
  assert.ok(Number(start) >= billingStartedBefore && Number(start) <= before, `start time ${start}`);
  assert.ok(Number(duration) >= before - Number(start), `duration ${duration}`);
  assert.equal(table(await ok(['describe', '--transactional-id', 'idle']), DESCRIBE), [['1', 'idle', String(pid.idle), '0', 'Empty', '900000', 'None', 'None', '']]);
});

test('describe: an unknown transactional id is an error in Kafka words, exit 1; a missing id exit 2', async () => {
  const r = await tx(['describe', '--transactional-id', 'nobody']);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'spindle transactions: Failed to describe transaction state of transactional-id `nobody`: DescribeTransactions request for transactionalId `nobody` failed because the ID could not be found\n');
  const missing = await tx(['describe']);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /--transactional-id is required/);
});

test('describe-producers: each producer of a partition with its open transaction', async () => {
  assert.equal(byFirst(table(await ok(['describe-producers', '--topic', TOPIC, '--partition', '0']), PRODUCERS)), byFirst([
    [String(pid.billing), '0', '-1', '0', String(HOUR_AGO), '0'],
    [String(STRANGER), '5', '-1', '0', String(HOUR_AGO), '1'],
  ]));
  // Partition 2: committed's producer, its transaction ended by a marker (coordinator epoch 0); billing's stray batch.
  assert.equal(byFirst(table(await ok(['describe-producers', '--topic', TOPIC, '--partition', '2', '--broker-id', '1']), PRODUCERS)).map((r) => [r[0], r[2], r[5]]), byFirst([
    [String(pid.committed), '0', 'None'],
    [String(pid.billing), '-1', '2'],
  ]));
  const unknown = await tx(['describe-producers', '--topic', 'nope', '--partition', '0']);
  assert.is(unknown.code, 1);
  assert.is(unknown.stderr, "spindle transactions: Failed to describe producers for partition nope-0 on leader: topic 'nope' does not exist\n");
  const outOfRange = await tx(['describe-producers', '--topic', TOPIC, '--partition', '9']);
  assert.is(outOfRange.code, 1);
  assert.match(outOfRange.stderr, /Failed to describe producers for partition orders-9 on leader: topic 'orders' has no partition 9/);
  const noPartition = await tx(['describe-producers', '--topic', TOPIC]);
  assert.is(noPartition.code, 2);
  assert.match(noPartition.stderr, /--partition is required/);
});

test('find-hanging: the open transactions past the timeout that no coordinator will end', async () => {
  const expected = byFirst([
    [TOPIC, '0', String(STRANGER), '5', '-1', '1', String(HOUR_AGO)],
    [TOPIC, '2', String(pid.billing), '0', '-1', '2', String(HOUR_AGO)],
  ]);
  const found = table(await ok(['find-hanging', '--broker-id', '1']), HANGING);
  assert.equal(byFirst(found.map((r) => r.slice(0, 7))), expected, "the stranger's and billing's stray one; not billing's own partitions, not the fresh one");
  assert.ok(found.every((r) => r[7] === '60' || r[7] === '61'), `an hour, in minutes: ${found.map((r) => r[7]).join(',')}`);
  assert.equal(byFirst(table(await ok(['find-hanging', '--topic', TOPIC]), HANGING).map((r) => r.slice(0, 7))), expected);
  // With no timeout the fresh one counts too; partition 1 holds it and billing's healthy one.
  assert.equal(table(await ok(['find-hanging', '--topic', TOPIC, '--partition', '1', '--max-transaction-timeout', '0']), HANGING).map((r) => [r[1], r[2], r[5]]), [['1', String(FRESH), '1']]);
  assert.equal(table(await ok(['find-hanging', '--topic', TOPIC, '--partition', '1']), HANGING), [], 'the header alone');
  assert.equal(table(await ok(['find-hanging', '--broker-id', '1', '--max-transaction-timeout', '120']), HANGING), [], 'none is two hours old');
  assert.equal(table(await ok(['find-hanging', '--broker-id', '7']), HANGING), [], 'no partition has a replica on broker 7');
  const unscoped = await tx(['find-hanging']);
  assert.is(unscoped.code, 2);
  assert.match(unscoped.stderr, /The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search/);
  const partitionOnly = await tx(['find-hanging', '--partition', '0', '--broker-id', '1']);
  assert.is(partitionOnly.code, 2);
  assert.match(partitionOnly.stderr, /The --partition argument requires --topic to be provided/);
});

needs(kafkaMissing())("the tables are Kafka's own: kafka-transactions prints the same", async () => {
  const kafka = async (args: string[]) => {
    const r = await runKafkaTool('kafka-transactions', ['--bootstrap-server', b.bootstrap, ...args]);
    assert.is(r.code, 0, `kafka-transactions ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  for (const args of [['list'], ['describe-producers', '--topic', TOPIC, '--partition', '0'], ['describe-producers', '--topic', TOPIC, '--partition', '2']]) {
    assert.fixture(await ok(args), await kafka(args), args.join(' '));
  }
  const describeIdle = ['describe', '--transactional-id', 'idle'];
  assert.fixture(await ok(describeIdle), await kafka(describeIdle), 'describe (no time in it while idle)');
  // find-hanging: Kafka's order follows a hash map, and the durations may differ by the minute
  // turning between the runs; the lines otherwise byte for byte.
  const hanging = (out: string) => out.replace(/\t\d+ *\t$/gm, '\t').split('\n').sort();
  assert.equal(hanging(await ok(['find-hanging', '--broker-id', '1'])), hanging(await kafka(['find-hanging', '--broker-id', '1'])), 'find-hanging');
});

test('abort by start offset and by producer: the markers end the hanging transactions and the LSO moves', async () => {
  assert.is((await readCommittedValues(c, TOPIC, 2)).lastStableOffset, 2, "billing's stray batch holds partition 2's LSO");
  const wrong = await tx(['abort', '--topic', TOPIC, '--partition', '0', '--start-offset', '5']);
  assert.is(wrong.code, 1);
  assert.is(wrong.stderr, 'spindle transactions: Could not find any open transactions starting at offset 5 on partition orders-0\n');
  const r = await tx(['abort', '--topic', TOPIC, '--partition', '0', '--start-offset', '1']);
  assert.equal([r.code, r.stdout, r.stderr], [0, '', ''], 'nothing printed, as Kafka');
  const p0 = table(await ok(['describe-producers', '--topic', TOPIC, '--partition', '0']), PRODUCERS);
  assert.equal(p0.find((x) => x[0] === String(STRANGER))!.slice(1, 3).concat(p0.find((x) => x[0] === String(STRANGER))![5]!), ['5', '0', 'None'], 'aborted: coordinator epoch 0, no open transaction');
  assert.is(p0.find((x) => x[0] === String(pid.billing))![5], '0', "billing's own transaction is still open");
  // billing's stray batch, named by producer; coordinator epoch -1 (as describe-producers shows it) counts as 0.
  const stale = await tx(['abort', '--topic', TOPIC, '--partition', '2', '--producer-id', String(pid.billing), '--producer-epoch', '0', '--coordinator-epoch', '-1']);
  assert.is(stale.code, 0, stale.stderr);
  assert.is((await readCommittedValues(c, TOPIC, 2)).lastStableOffset, 4, 'the LSO passes the batch and its marker');
  assert.equal((await readCommittedValues(c, TOPIC, 2)).values, ['c'], 'the stray record is aborted');
  assert.equal(table(await ok(['find-hanging', '--broker-id', '1']), HANGING), [], 'nothing hangs now');
  // An older producer epoch than the partition has seen is refused.
  const fenced = await tx(['abort', '--topic', TOPIC, '--partition', '0', '--producer-id', String(STRANGER), '--producer-epoch', '4', '--coordinator-epoch', '0']);
  assert.is(fenced.code, 1);
  assert.match(fenced.stderr, /^spindle transactions: Failed to abort transaction of producer 4242 \(epoch 4, coordinator epoch 0\) on partition orders-0: .*INVALID_PRODUCER_EPOCH/);
  // billing ends as usual: its coordinator's markers reach partitions 0 and 1, the stranger's record stays aborted.
  assert.is((await c.request(EndTxn, 3, { transactionalId: 'billing', producerId: pid.billing!, producerEpoch: 0, committed: true })).errorCode, 0);
  await until('billing to complete', async () => (await stateOf('billing')) === 'CompleteCommit');
  assert.equal((await readCommittedValues(c, TOPIC, 0)).values, ['b0']);
});

test('abort: the ways to name the transaction, as Kafka checks them', async () => {
  const none = await tx(['abort', '--topic', TOPIC, '--partition', '0']);
  assert.is(none.code, 2);
  assert.match(none.stderr, /The transaction to abort must be identified either with --start-offset \(for brokers on 3\.0 or above\) or with --producer-id, --producer-epoch, and --coordinator-epoch \(for older brokers\)/);
  const noEpoch = await tx(['abort', '--topic', TOPIC, '--partition', '0', '--producer-id', '1']);
  assert.is(noEpoch.code, 2);
  assert.match(noEpoch.stderr, /Missing required argument --producer-epoch/);
  const noCoordinator = await tx(['abort', '--topic', TOPIC, '--partition', '0', '--producer-id', '1', '--producer-epoch', '0']);
  assert.is(noCoordinator.code, 2);
  assert.match(noCoordinator.stderr, /Missing required argument --coordinator-epoch/);
  const noTopic = await tx(['abort', '--partition', '0', '--start-offset', '0']);
  assert.is(noTopic.code, 2);
  assert.match(noTopic.stderr, /--topic is required/);
});

test('the command line: help per command, flags of another command, --command-config, an unknown command', async () => {
  const help = await spindle(['transactions', '--help']);
  assert.is(help.code, 0, help.stderr);
  for (const cmd of ['list', 'describe', 'describe-producers', 'find-hanging', 'abort']) assert.match(help.stdout, new RegExp(`^  ${cmd} `, 'm'));
  const sub = await spindle(['transactions', 'find-hanging', '--help']);
  assert.is(sub.code, 0, sub.stderr);
  assert.match(sub.stdout, /^Usage: spindle transactions \[--bootstrap-server HOST:PORT\] find-hanging/);
  assert.match(sub.stdout, /--max-transaction-timeout MIN/);
  const top = await spindle(['help']);
  assert.match(top.stdout, /^ {2}transactions /m);
  const misplaced = await tx(['list', '--topic', TOPIC]);
  assert.is(misplaced.code, 2);
  assert.match(misplaced.stderr, /--topic does not go with list/);
  const unknown = await tx(['rollback']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'rollback'/);
  const nothing = await tx([]);
  assert.is(nothing.code, 2);
  // bootstrap.servers from --command-config, flags after the command.
  const dir = mkdtempSync(join(tmpdir(), 'spindle-transactions-'));
  const file = join(dir, 'admin.properties');
  writeFileSync(file, `bootstrap.servers=${b.bootstrap}\nclient.id=ops\n`);
  const r = await spindle(['transactions', 'list', '--command-config', file, '--state', 'CompleteCommit']);
  rmSync(dir, { recursive: true, force: true });
  assert.is(r.code, 0, r.stderr);
  assert.equal(table(r.stdout, LIST).map((x) => x[0]).sort(), ['billing', 'committed']);
  const down = await spindle(['transactions', '--bootstrap-server', '127.0.0.1:1', 'list']);
  assert.is(down.code, 1);
  assert.match(down.stderr, /^spindle transactions: Failed to list transactions: /);
});

test.run();
