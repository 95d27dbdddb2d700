/**
 * Apache Kafka's own command-line tools, run from Kafka 4.x's jars (bench/kafka) as
 * `bin/kafka-*.sh` runs them, against a real broker: the seed's quickstart exactly as Kafka
 * documents it (kafka-topics --create/--describe, the console producer, the console consumer
 * --from-beginning), then kafka-consumer-groups (--list, --describe with --members, --state,
 * --offsets, --reset-offsets, --delete-offsets, --delete), kafka-configs (topics, a broker, the
 * cluster default), kafka-get-offsets, kafka-delete-records, kafka-producer-perf-test,
 * kafka-consumer-perf-test, and kafka-transactions (list, describe, describe-producers,
 * find-hanging, abort). Each tool's exit code and output are checked as a user would read them.
 *
 * Needs Java 17+ and the jars `bash bench/kafka/setup.sh` copies (CI runs it first); skipped with
 * the reason otherwise.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBroker } from '../../src/broker/server.js';
import { type KafkaTool, kafkaMissing, runKafkaTool, type ToolRun } from '../../bench/kafka/kafka.js';
import { broker, dataDir } from './helpers.js';
import { needs } from '../helpers/needs.js';
import { RawClient, readCommittedValues } from '../helpers/raw-client.js';
import { AddPartitionsToTxn, CreateTopics, EndTxn, InitProducerId, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';

const missing = kafkaMissing();
let b: RunningBroker;
let data: { dir: string; remove: () => void };

async function tool(name: KafkaTool, args: string[], input = ''): Promise<ToolRun> {
  return runKafkaTool(name, ['--bootstrap-server', b.bootstrap, ...args], input);
}

async function ok(name: KafkaTool, args: string[], input = ''): Promise<string> {
  const r = await tool(name, args, input);
  assert.is(r.code, 0, `${name} ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The rows of a table a tool printed, split on runs of spaces, without its header. */
function rows(out: string, header: string): string[][] {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const at = lines.findIndex((l) => l.startsWith(header));
  assert.ok(at >= 0, `a table headed ${header}:\n${out}`);
  return lines.slice(at + 1).map((l) => l.trim().split(/\s+/));
}

if (missing) {
  needs(missing)("Kafka's command-line tools", () => {});
} else {
  test.before(async () => {
    data = dataDir();
    b = await broker(data.dir, 2, { 'group.initial.rebalance.delay.ms': 0 });
  });
  test.after(async () => {
    await b.close();
    data.remove();
  });

  test("the quickstart, as Kafka's documentation gives it", async () => {
    assert.match(await ok('kafka-topics', ['--create', '--topic', 'quickstart-events']), /^Created topic quickstart-events\.$/m);
    const described = await ok('kafka-topics', ['--describe', '--topic', 'quickstart-events']);
    assert.match(described, /^Topic: quickstart-events\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 1\t/m);
    assert.match(described, /\tTopic: quickstart-events\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1/);
    await ok('kafka-console-producer', ['--topic', 'quickstart-events'], 'This is my first event\nThis is my second event\n');
    const consumed = await ok('kafka-console-consumer', ['--topic', 'quickstart-events', '--from-beginning', '--max-messages', '2']);
    assert.equal(consumed.trim().split('\n'), ['This is my first event', 'This is my second event']);
  });

  test('kafka-topics: --list, partitions and configs at creation, --alter --partitions, --delete', async () => {
    await ok('kafka-topics', ['--create', '--topic', 'tools-t', '--partitions', '3', '--config', 'retention.ms=3600000']);
    assert.match(await ok('kafka-topics', ['--list']), /^tools-t$/m);
    await ok('kafka-topics', ['--alter', '--topic', 'tools-t', '--partitions', '5']);
    const described = await ok('kafka-topics', ['--describe', '--topic', 'tools-t']);
    assert.match(described, /PartitionCount: 5\t/);
    assert.match(described, /Configs: retention\.ms=3600000/);
    const again = await tool('kafka-topics', ['--create', '--topic', 'tools-t']);
    assert.is(again.code, 1);
    assert.match(again.stdout + again.stderr, /Topic 'tools-t' already exists/);
    await ok('kafka-topics', ['--delete', '--topic', 'tools-t']);
  });

  test('kafka-consumer-groups: --list, --describe (offsets, --members, --state), --reset-offsets, --delete-offsets, --delete', async () => {
    await ok('kafka-topics', ['--create', '--topic', 'tools-g', '--partitions', '2']);
    await ok('kafka-console-producer', ['--topic', 'tools-g'], Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n');
    await ok('kafka-console-consumer', ['--topic', 'tools-g', '--group', 'tools-group', '--from-beginning', '--max-messages', '10']);
    assert.match(await ok('kafka-consumer-groups', ['--list']), /^tools-group$/m);

    const offsets = rows(await ok('kafka-consumer-groups', ['--describe', '--group', 'tools-group']), 'GROUP');
    const byPartition = offsets.map(([group, topic, partition, current, end, lag]) => ({ group, topic, partition, current, end, lag }));
    assert.is(byPartition.length, 2);
    for (const r of byPartition) {
      assert.is(r.group, 'tools-group');
      assert.is(r.topic, 'tools-g');
      assert.is(r.current, r.end, 'committed at the log end');
      assert.is(r.lag, '0');
    }
    assert.is(byPartition.reduce((n, r) => n + Number(r.end), 0), 10);

    const state = rows(await ok('kafka-consumer-groups', ['--describe', '--group', 'tools-group', '--state']), 'GROUP');
    assert.equal([state[0]![0], state[0]![1]], ['tools-group', `${b.bootstrap}`]);
    assert.ok(state[0]!.includes('Empty'), `state: ${state[0]}`);
    const members = await tool('kafka-consumer-groups', ['--describe', '--group', 'tools-group', '--members']);
    assert.is(members.code, 0);
    assert.match(members.stdout + members.stderr, /Consumer group 'tools-group' has no active members\./);

    const reset = rows(await ok('kafka-consumer-groups', ['--reset-offsets', '--group', 'tools-group', '--topic', 'tools-g', '--to-earliest', '--execute']), 'GROUP');
    assert.equal(reset.map((r) => r[3]), ['0', '0']);
    const after = rows(await ok('kafka-consumer-groups', ['--describe', '--group', 'tools-group', '--offsets']), 'GROUP');
    assert.equal(after.map((r) => r[3]), ['0', '0'], 'offsets reset');

    const deleted = await ok('kafka-consumer-groups', ['--delete-offsets', '--group', 'tools-group', '--topic', 'tools-g:0']);
    assert.match(deleted, /tools-g\s+0\s+Successful/);
    assert.match(await ok('kafka-consumer-groups', ['--delete', '--group', 'tools-group']), /Deletion of requested consumer groups \('tools-group'\) was successful\./);
    assert.not.match(await ok('kafka-consumer-groups', ['--list']), /^tools-group$/m);
  });

  test('kafka-consumer-groups --describe --members --verbose shows a live member and its assignment', async () => {
    await ok('kafka-topics', ['--create', '--topic', 'tools-live', '--partitions', '2']);
    // A console consumer that waits for a record that never comes is a live member meanwhile.
    const live = runKafkaTool('kafka-console-consumer', ['--bootstrap-server', b.bootstrap, '--topic', 'tools-live', '--group', 'live-group', '--timeout-ms', '15000']);
    // Described until the member has its assignment: during the join it is listed with none.
    let members: string[][] = [];
    for (let i = 0; i < 40 && !(members.length === 1 && /tools-live:0,1/.test(members[0]!.join(' '))); i++) {
      await new Promise((r) => setTimeout(r, 250));
      const r = await tool('kafka-consumer-groups', ['--describe', '--group', 'live-group', '--members', '--verbose']);
      if (r.code === 0 && /CONSUMER-ID/.test(r.stdout)) members = rows(r.stdout, 'GROUP').filter((row) => row[0] === 'live-group');
    }
    assert.is(members.length, 1, 'one member described');
    assert.match(members[0]!.join(' '), /\b2\b/, '#PARTITIONS');
    assert.match(members[0]!.join(' '), /tools-live:0,1/, 'its assignment');
    await live;
  });

  test('kafka-configs: topic configs added, described, deleted; a broker and the cluster default', async () => {
    await ok('kafka-topics', ['--create', '--topic', 'tools-c']);
    await ok('kafka-configs', ['--entity-type', 'topics', '--entity-name', 'tools-c', '--alter', '--add-config', 'retention.ms=86400000,cleanup.policy=[compact,delete]']);
    const described = await ok('kafka-configs', ['--entity-type', 'topics', '--entity-name', 'tools-c', '--describe']);
    assert.match(described, /^ {2}cleanup\.policy=compact,delete sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup\.policy=compact,delete, DEFAULT_CONFIG:log\.cleanup\.policy=delete\}$/m);
    assert.match(described, /^ {2}retention\.ms=86400000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=86400000, /m);
    await ok('kafka-configs', ['--entity-type', 'topics', '--entity-name', 'tools-c', '--alter', '--delete-config', 'retention.ms']);
    assert.not.match(await ok('kafka-configs', ['--entity-type', 'topics', '--entity-name', 'tools-c', '--describe']), /retention\.ms/);

    await ok('kafka-configs', ['--entity-type', 'brokers', '--entity-default', '--alter', '--add-config', 'log.retention.ms=3600000']);
    assert.match(await ok('kafka-configs', ['--entity-type', 'brokers', '--entity-default', '--describe']), /^ {2}log\.retention\.ms=3600000 sensitive=false synonyms=\{DYNAMIC_DEFAULT_BROKER_CONFIG:log\.retention\.ms=3600000\}$/m);
    await ok('kafka-configs', ['--entity-type', 'brokers', '--entity-name', '1', '--alter', '--add-config', 'log.retention.ms=7200000']);
    const all = await ok('kafka-configs', ['--entity-type', 'brokers', '--entity-name', '1', '--describe', '--all']);
    assert.match(all, /^ {2}log\.retention\.ms=7200000 sensitive=false synonyms=\{DYNAMIC_BROKER_CONFIG:log\.retention\.ms=7200000, DYNAMIC_DEFAULT_BROKER_CONFIG:log\.retention\.ms=3600000, /m);
    const refused = await tool('kafka-configs', ['--entity-type', 'brokers', '--entity-name', '1', '--alter', '--add-config', 'log.dirs=/elsewhere']);
    assert.is(refused.code, 1, 'a static broker key is refused');
    assert.match(refused.stdout + refused.stderr, /log\.dirs/);
    await ok('kafka-configs', ['--entity-type', 'brokers', '--entity-name', '1', '--alter', '--delete-config', 'log.retention.ms']);
    await ok('kafka-configs', ['--entity-type', 'brokers', '--entity-default', '--alter', '--delete-config', 'log.retention.ms']);
  });

  test('kafka-get-offsets (latest, earliest, max timestamp) and kafka-delete-records', async () => {
    await ok('kafka-topics', ['--create', '--topic', 'tools-o', '--partitions', '2']);
    const lines = Array.from({ length: 20 }, (_, i) => `${i % 2}:v${i}`).join('\n') + '\n';
    await ok('kafka-console-producer', ['--topic', 'tools-o', '--property', 'parse.key=true', '--property', 'key.separator=:'], lines);
    const latest = (await ok('kafka-get-offsets', ['--topic', 'tools-o', '--time', '-1'])).trim().split('\n');
    assert.is(latest.length, 2);
    assert.is(latest.reduce((n, l) => n + Number(l.split(':')[2]), 0), 20);
    assert.equal((await ok('kafka-get-offsets', ['--topic', 'tools-o', '--time', '-2'])).trim().split('\n'), ['tools-o:0:0', 'tools-o:1:0']);
    assert.match(await ok('kafka-get-offsets', ['--topic', 'tools-o', '--partitions', '0', '--time', '-3']), /^tools-o:0:\d+$/m);

    const p0 = Number(latest.find((l) => l.startsWith('tools-o:0:'))!.split(':')[2]);
    const file = join(data.dir, 'delete.json');
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'tools-o', partition: 0, offset: p0 - 1 }] }));
    assert.match(await ok('kafka-delete-records', ['--offset-json-file', file]), new RegExp(`partition: tools-o-0\\tlow_watermark: ${p0 - 1}`));
    assert.match(await ok('kafka-get-offsets', ['--topic', 'tools-o', '--partitions', '0', '--time', '-2']), new RegExp(`^tools-o:0:${p0 - 1}$`, 'm'));
  });

  test('kafka-producer-perf-test and kafka-consumer-perf-test run to the end', async () => {
    await ok('kafka-topics', ['--create', '--topic', 'tools-perf', '--partitions', '3']);
    const produced = await runKafkaTool('kafka-producer-perf-test', [
      '--topic', 'tools-perf', '--num-records', '20000', '--record-size', '100', '--throughput', '-1',
      '--bootstrap-server', b.bootstrap, '--command-property', 'acks=all',
    ]);
    assert.is(produced.code, 0, produced.stderr);
    assert.match(produced.stdout, /^20000 records sent, [\d.]+ records\/sec/m);
    const consumed = await ok('kafka-consumer-perf-test', ['--topic', 'tools-perf', '--num-records', '20000', '--timeout', '30000']);
    const [, values] = consumed.trim().split('\n');
    assert.is(values!.split(', ')[4], '20000', `records consumed: ${consumed}`);
  });

  test('kafka-transactions: list, describe, describe-producers, find-hanging and abort a hanging transaction', async () => {
    // A broker without produce verification, so that a batch of a producer no coordinator knows
    // opens a transaction that nothing will end: a hanging transaction, as the tool finds them.
    const hangingData = dataDir();
    const hb = await broker(hangingData.dir, 1, { 'transaction.partition.verification.enable': false });
    const c = await RawClient.connect(hb.bootstrap);
    const on = (args: string[]) => runKafkaTool('kafka-transactions', ['--bootstrap-server', hb.bootstrap, ...args]);
    const okOn = async (args: string[]) => {
      const r = await on(args);
      assert.is(r.code, 0, `kafka-transactions ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    try {
      await c.request(CreateTopics, 5, { topics: [{ name: 'kt', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
      const produce = (transactionalId: string | null, records: Buffer) =>
        c.request(Produce, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: 'kt', partitionData: [{ index: 0, records }] }] });
      // An ongoing transaction the coordinator knows.
      const init = await c.request(InitProducerId, 4, { transactionalId: 'kt-tx', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      await c.request(AddPartitionsToTxn, 3, { v3AndBelowTransactionalId: 'kt-tx', v3AndBelowProducerId: init.producerId, v3AndBelowProducerEpoch: init.producerEpoch, v3AndBelowTopics: [{ name: 'kt', partitions: [0] }] });
      await produce('kt-tx', encodeBatch([{ value: 'known' }], { producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: 0, transactional: true }));
      // A hanging one, written an hour ago by producer 999.
      const hourAgo = Date.now() - 3_600_000;
      await produce(null, encodeBatch([{ value: 'hanging', timestamp: hourAgo }], { producerId: 999, producerEpoch: 2, baseSequence: 0, transactional: true, baseTimestamp: hourAgo }));

      assert.equal(rows(await okOn(['list']), 'TransactionalId'), [['kt-tx', '1', String(init.producerId), 'Ongoing']]);
      const described = rows(await okOn(['describe', '--transactional-id', 'kt-tx']), 'CoordinatorId')[0]!;
      assert.equal([described[0], described[1], described[2], described[4], described[5], described[8]], ['1', 'kt-tx', String(init.producerId), 'Ongoing', '60000', 'kt-0']);
      const producers = rows(await okOn(['describe-producers', '--topic', 'kt', '--partition', '0']), 'ProducerId');
      assert.equal(producers.map((r) => [r[0], r[1], r[5]]), [[String(init.producerId), '0', '0'], ['999', '2', '1']], 'each open transaction with its start offset');
      const hanging = rows(await okOn(['find-hanging', '--broker-id', '1', '--max-transaction-timeout', '1']), 'Topic');
      assert.equal(hanging.map((r) => [r[0], r[1], r[2], r[5]]), [['kt', '0', '999', '1']], 'only the transaction no coordinator knows, older than a minute');
      await okOn(['abort', '--topic', 'kt', '--partition', '0', '--start-offset', '1']);
      assert.equal(rows(await okOn(['find-hanging', '--broker-id', '1', '--max-transaction-timeout', '1']), 'Topic'), [], 'nothing hangs after the abort');
      const stillOpen = await readCommittedValues(c, 'kt', 0);
      assert.is(stillOpen.lastStableOffset, 0, 'the known transaction still holds the LSO');
      const end = await c.request(EndTxn, 3, { transactionalId: 'kt-tx', producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true });
      assert.is(end.errorCode, 0);
      for (let i = 0; i < 100 && (await readCommittedValues(c, 'kt', 0)).values.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await readCommittedValues(c, 'kt', 0)).values, ['known'], 'the committed record is read, the aborted hanging one is not');
    } finally {
      c.close();
      await hb.close();
      hangingData.remove();
    }
  });
}

test.run();
