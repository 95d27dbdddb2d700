/**
 * `spindle topics` as a child process against a broker started in the test: create, list,
 * describe (Kafka's tab-separated lines with log start and end offsets and non-default
 * configs), alter, delete, and the errors a user meets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, loud, spindle, type TestBroker, testBroker } from './helpers.js';

let b: TestBroker;

test.before(
  loud(async () => {
    b = await testBroker({ 'num.partitions': 1 });
  }),
);

test.after(async () => {
  await b?.stop();
});

test('--create prints "Created topic T." and --list then shows it', async () => {
  const created = await spindle(['topics', '--create', '--topic', 'quickstart-events', ...b.flag]);
  assert.is(created.code, 0, created.stderr);
  assert.is(created.stdout, 'Created topic quickstart-events.\n');
  const list = await spindle(['topics', '--list', ...b.flag]);
  assert.is(list.code, 0, list.stderr);
  assert.ok(lines(list.stdout).includes('quickstart-events'));
});

test('--describe prints the topic line and one line per partition, with log offsets and non-default configs', async () => {
  const c = await spindle(['topics', '--create', '--topic', 'described', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact', ...b.flag]);
  assert.is(c.code, 0, c.stderr);
  // A compacted topic takes keyed records only (Kafka answers INVALID_RECORD otherwise).
  const p = await spindle(['produce', '--topic', 'described', '--partition', '1', '--property', 'parse.key=true', '--property', 'key.separator=:', ...b.flag], { input: 'k1:a\nk2:b\nk3:c\n' });
  assert.is(p.code, 0, p.stderr);
  const d = await spindle(['topics', '--describe', '--topic', 'described', ...b.flag]);
  assert.is(d.code, 0, d.stderr);
  const [head, ...parts] = lines(d.stdout);
  assert.match(head!, /^Topic: described\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup\.policy=compact,retention\.ms=3600000$/);
  assert.is(parts.length, 3);
  assert.is(parts[0], '\tTopic: described\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: N/A\tLastKnownElr: N/A\tLogStartOffset: 0\tLogEndOffset: 0');
  assert.is(parts[1], '\tTopic: described\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: N/A\tLastKnownElr: N/A\tLogStartOffset: 0\tLogEndOffset: 3');
});

test('--describe without --topic describes every topic', async () => {
  const d = await spindle(['topics', '--describe', '--exclude-internal', ...b.flag]);
  assert.is(d.code, 0, d.stderr);
  const topics = lines(d.stdout).filter((l) => l.startsWith('Topic: ')).map((l) => l.split('\t')[0]);
  assert.ok(topics.includes('Topic: quickstart-events') && topics.includes('Topic: described'), d.stdout);
  assert.not.ok(topics.includes('Topic: __consumer_offsets'));
});

test('creating an existing topic fails in one line with exit code 1, unless --if-not-exists', async () => {
  const again = await spindle(['topics', '--create', '--topic', 'quickstart-events', ...b.flag]);
  assert.is(again.code, 1);
  assert.is(again.stdout, '');
  assert.is(lines(again.stderr).length, 1);
  assert.match(again.stderr, /^spindle topics: topic 'quickstart-events': TOPIC_ALREADY_EXISTS/);
  const quiet = await spindle(['topics', '--create', '--if-not-exists', '--topic', 'quickstart-events', ...b.flag]);
  assert.is(quiet.code, 0, quiet.stderr);
});

test('--alter raises the partition count', async () => {
  await spindle(['topics', '--create', '--topic', 'grow', '--partitions', '1', ...b.flag]);
  const a = await spindle(['topics', '--alter', '--topic', 'grow', '--partitions', '4', ...b.flag]);
  assert.is(a.code, 0, a.stderr);
  const d = await spindle(['topics', '--describe', '--topic', 'grow', ...b.flag]);
  assert.match(d.stdout, /PartitionCount: 4/);
  assert.is(lines(d.stdout).length, 5);
});

test('--delete removes the topic; deleting or describing it again says it does not exist', async () => {
  await spindle(['topics', '--create', '--topic', 'doomed', ...b.flag]);
  const del = await spindle(['topics', '--delete', '--topic', 'doomed', ...b.flag]);
  assert.is(del.code, 0, del.stderr);
  const list = await spindle(['topics', '--list', ...b.flag]);
  assert.not.ok(lines(list.stdout).includes('doomed'));
  const again = await spindle(['topics', '--delete', '--topic', 'doomed', ...b.flag]);
  assert.is(again.code, 1);
  assert.is(again.stderr, "spindle topics: topic 'doomed' does not exist\n");
  const ifExists = await spindle(['topics', '--delete', '--topic', 'doomed', '--if-exists', ...b.flag]);
  assert.is(ifExists.code, 0);
  const describe = await spindle(['topics', '--describe', '--topic', 'doomed', ...b.flag]);
  assert.is(describe.code, 1);
  assert.is(describe.stderr, "spindle topics: topic 'doomed' does not exist\n");
});

test('the bootstrap server comes from SPINDLE_BOOTSTRAP_SERVER when no flag is given', async () => {
  const list = await spindle(['topics', '--list'], { env: { SPINDLE_BOOTSTRAP_SERVER: b.bootstrap } });
  assert.is(list.code, 0, list.stderr);
  assert.ok(lines(list.stdout).includes('quickstart-events'));
});

test('--topic is a regular expression for --list, --describe and --delete (whole names; commas for |), a name for --create', async () => {
  for (const t of ['rx-one', 'rx-two', 'rxnot']) assert.is((await spindle(['topics', '--create', '--topic', t, '--partitions', '1', ...b.flag])).code, 0);
  assert.is((await spindle(['topics', '--list', '--topic', 'rx-.*', ...b.flag])).stdout, 'rx-one\nrx-two\n');
  assert.is((await spindle(['topics', '--list', '--topic', 'rx-one, rxnot', ...b.flag])).stdout, 'rx-one\nrxnot\n');
  assert.is((await spindle(['topics', '--list', '--topic', 'rx', ...b.flag])).code, 1, 'a prefix matches nothing: the whole name must');
  const d = await spindle(['topics', '--describe', '--topic', 'rx-.*', ...b.flag]);
  assert.equal(lines(d.stdout).filter((l) => l.startsWith('Topic: ')).map((l) => l.split('\t')[0]), ['Topic: rx-one', 'Topic: rx-two']);
  assert.is((await spindle(['topics', '--delete', '--topic', 'rx-.*', ...b.flag])).code, 0);
  assert.is((await spindle(['topics', '--list', '--topic', 'rx.*', ...b.flag])).stdout, 'rxnot\n');
  const none = await spindle(['topics', '--describe', '--topic', 'rx-.*', ...b.flag]);
  assert.is(none.code, 1);
  assert.is(none.stderr, "spindle topics: topic 'rx-.*' does not exist\n");
  assert.is((await spindle(['topics', '--describe', '--topic', 'rx-.*', '--if-exists', ...b.flag])).code, 0);
  const bad = await spindle(['topics', '--list', '--topic', 'rx-(', ...b.flag]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^spindle topics: --topic: 'rx-\(' is not a valid regular expression/);
});

test('the report flags print only what matches, as Kafka\'s do; --topic-id describes by id', async () => {
  assert.is((await spindle(['topics', '--create', '--topic', 'strict', '--partitions', '2', '--config', 'min.insync.replicas=2', ...b.flag])).code, 0);
  assert.is((await spindle(['topics', '--create', '--topic', 'plain', '--partitions', '1', ...b.flag])).code, 0);
  const describe = async (...args: string[]) => {
    const r = await spindle(['topics', '--describe', '--exclude-internal', ...args, ...b.flag]);
    assert.is(r.code, 0, r.stderr);
    return lines(r.stdout);
  };
  // One node: every ISR is its one replica, so none is under-replicated and all are at a minimum of 1.
  assert.equal(await describe('--under-replicated-partitions'), []);
  assert.equal(await describe('--unavailable-partitions'), []);
  const underMin = await describe('--under-min-isr-partitions');
  assert.equal(underMin.map((l) => l.split('\t').slice(1, 3).join(' ')), ['Topic: strict Partition: 0', 'Topic: strict Partition: 1']);
  const atMin = await describe('--at-min-isr-partitions', '--topic', 'plain|strict');
  assert.equal(atMin.map((l) => l.split('\t').slice(1, 3).join(' ')), ['Topic: plain Partition: 0']);
  const overrides = await describe('--topics-with-overrides', '--topic', 'plain|strict');
  assert.equal(overrides.map((l) => l.split('\t')[0]), ['Topic: strict']);
  const id = /TopicId: (\S+)/.exec((await describe('--topic', 'plain'))[0]!)![1]!;
  const byId = await describe('--topic-id', id);
  assert.is(byId[0]!.split('\t')[0], 'Topic: plain');
  const wrong = await spindle(['topics', '--list', '--under-replicated-partitions', ...b.flag]);
  assert.is(wrong.code, 2);
  assert.match(wrong.stderr, /^spindle topics: --under-replicated-partitions goes with --describe/);
});

test.run();
