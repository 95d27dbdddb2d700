/**
 * `spindle consume` with Kafka's console-consumer options, as a child process: it rides out a
 * broker restart (plain and in a group), waits for a topic that does not exist yet, follows
 * --include patterns (topics created later too), prints with Kafka's deserializers (skipping
 * unreadable records with --skip-message-on-error), and takes consumer and formatter configs
 * from files and pairs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Client } from '../../src/client/client.js';
import { Producer } from '../../src/client/producer.js';
import { dataDir } from '../interop/helpers.js';
import { brokerProcess, lines, loud, spindle, start, stopChild, type TestBroker, testBroker, waitFor } from './helpers.js';

let b: TestBroker;
let dir: string;

test.before(
  loud(async () => {
    b = await testBroker({ 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1 });
    dir = mkdtempSync(join(tmpdir(), 'spindle-consume-'));
  }),
);

test.after(async () => {
  await b?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `spindle broker` on `port` (0: any) with its data in `data`. */
const brokerOn = (data: string, port: number) => brokerProcess({ SPINDLE_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`, SPINDLE_LOG_DIRS: data });

test('consume keeps retrying while the broker restarts, plain and as a group member, and goes on where it was', async () => {
  const data = dataDir();
  let broker = brokerOn(data.dir, 0);
  const consumers: ReturnType<typeof start>[] = [];
  try {
    const port = await broker.port;
    const flag = ['--bootstrap-server', `127.0.0.1:${port}`];
    assert.is((await spindle(['topics', '--create', '--topic', 'restarts', ...flag])).code, 0);
    consumers.push(start(['consume', '--topic', 'restarts', '--from-beginning', ...flag], { timeoutMs: 90_000 }));
    consumers.push(start(['consume', '--topic', 'restarts', '--group', 'survivors', '--from-beginning', ...flag], { timeoutMs: 90_000 }));
    assert.is((await spindle(['produce', '--topic', 'restarts', ...flag], { input: 'before\n' })).code, 0);
    for (const c of consumers) await waitFor(() => c.stdout() === 'before\n', 20_000, 'the first record');

    process.kill(broker.child.pid!, 'SIGTERM');
    assert.is(await broker.exited, 0);
    // Away long enough for every consumer to notice, then back on the same port and data.
    for (const c of consumers) await waitFor(() => /retrying/.test(c.stderr()), 20_000, 'the consumer to notice');
    broker = brokerOn(data.dir, port);
    await broker.port;
    assert.is((await spindle(['produce', '--topic', 'restarts', ...flag], { input: 'after\n' })).code, 0);
    for (const c of consumers) await waitFor(() => c.stdout() === 'before\nafter\n', 30_000, 'the record sent after the restart');
    for (const c of consumers) process.kill(c.child.pid!, 'SIGINT');
    for (const c of consumers) {
      const r = await c.done;
      assert.is(r.code, 130, r.stderr);
      assert.match(r.stderr, /Processed a total of 2 messages\n$/);
      assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    }
  } finally {
    for (const c of consumers) await stopChild({ child: c.child, exited: c.done });
    await stopChild(broker);
    data.remove();
  }
});

test('a topic that does not exist yet: created when the broker auto-creates topics, waited for with allow.auto.create.topics=false', async () => {
  const created = start(['consume', '--topic', 'made-by-consume', '--from-beginning', ...b.flag]);
  const until = Date.now() + 15_000;
  while ((await spindle(['topics', '--list', ...b.flag])).stdout.split('\n').indexOf('made-by-consume') < 0) {
    if (Date.now() > until) throw new Error('consume did not create its topic');
    await new Promise((r) => setTimeout(r, 100));
  }
  await spindle(['produce', '--topic', 'made-by-consume', ...b.flag], { input: 'hello\n' });
  await waitFor(() => created.stdout() === 'hello\n', 15_000, 'the record');
  process.kill(created.child.pid!, 'SIGINT');
  assert.is((await created.done).code, 130);

  const waiting = start(['consume', '--topic', 'made-later', '--from-beginning', '--consumer-property', 'allow.auto.create.topics=false', ...b.flag]);
  await waitFor(() => /waiting for topic 'made-later' to be created/.test(waiting.stderr()), 15_000, 'the waiting note');
  assert.not.ok((await spindle(['topics', '--list', ...b.flag])).stdout.includes('made-later'), 'not created by the consumer');
  assert.is((await spindle(['topics', '--create', '--topic', 'made-later', ...b.flag])).code, 0);
  await spindle(['produce', '--topic', 'made-later', ...b.flag], { input: 'at last\n' });
  await waitFor(() => waiting.stdout() === 'at last\n', 15_000, 'the record');
  process.kill(waiting.child.pid!, 'SIGINT');
  assert.is((await waiting.done).code, 130);
});

test('--include reads every topic whose whole name matches, and topics created later from their start', async () => {
  for (const t of ['inc-a', 'inc-b', 'not-inc-c']) {
    assert.is((await spindle(['produce', '--topic', t, ...b.flag], { input: `${t}\n` })).code, 0);
  }
  const c = start(['consume', '--include', 'inc-.*', '--from-beginning', ...b.flag], { timeoutMs: 60_000 });
  await waitFor(() => lines(c.stdout()).sort().join(',') === 'inc-a,inc-b', 15_000, 'the two matching topics');
  assert.is((await spindle(['produce', '--topic', 'inc-later', ...b.flag], { input: 'inc-later\n' })).code, 0);
  await waitFor(() => lines(c.stdout()).includes('inc-later'), 20_000, 'the topic created later');
  process.kill(c.child.pid!, 'SIGINT');
  const r = await c.done;
  assert.is(r.code, 130, r.stderr);
  assert.not.ok(r.stdout.includes('not-inc-c'));
  const both = await spindle(['consume', '--topic', 'inc-a', '--include', 'inc-.*', ...b.flag]);
  assert.is(both.code, 2);
  assert.match(both.stderr, /^spindle consume: --topic and --include cannot be combined/);
});

test("Kafka's deserializers print longs, ints and doubles; an unreadable record stops consume unless --skip-message-on-error", async () => {
  const client = new Client({ bootstrapServers: b.bootstrap });
  try {
    const producer = new Producer(client, { lingerMs: 0 });
    const long = Buffer.alloc(8);
    long.writeBigInt64BE(-42n);
    const int = Buffer.alloc(4);
    int.writeInt32BE(7);
    const double = Buffer.alloc(8);
    double.writeDoubleBE(0.5);
    await producer.send({ topic: 'typed', key: long, value: double });
    await producer.send({ topic: 'typed', key: int, value: Buffer.from('abc') });
    await producer.send({ topic: 'typed', key: long, value: null });
    await producer.close();
  } finally {
    await client.close();
  }
  const ser = 'org.apache.kafka.common.serialization.';
  const first = await spindle(['consume', '--topic', 'typed', '--partition', '0', '--offset', '0', '--max-messages', '1', '--property', 'print.key=true', '--key-deserializer', `${ser}LongDeserializer`, '--value-deserializer', `${ser}DoubleDeserializer`, ...b.flag]);
  assert.is(first.code, 0, first.stderr);
  assert.is(first.stdout, '-42\t0.5\n');
  const stops = await spindle(['consume', '--topic', 'typed', '--from-beginning', '--max-messages', '3', '--property', 'print.key=true', '--key-deserializer', `${ser}LongDeserializer`, ...b.flag]);
  assert.is(stops.code, 1);
  // The first record printed (its value as the raw bytes of the double), then the stop.
  assert.is(lines(stops.stdout).length, 1);
  assert.match(stops.stdout, /^-42\t/);
  assert.match(stops.stderr, /^spindle consume: typed-0 offset 1: LongDeserializer: expected 8 bytes, got 4 \(--skip-message-on-error skips such records\)\n$/);
  const skips = await spindle(['consume', '--topic', 'typed', '--from-beginning', '--max-messages', '3', '--property', 'print.key=true', '--property', 'print.value=false', '--property', 'null.literal=<none>', '--key-deserializer', 'LongDeserializer', '--skip-message-on-error', ...b.flag]);
  assert.is(skips.code, 0, skips.stderr);
  assert.is(skips.stdout, '-42\n-42\n');
  assert.match(skips.stderr, /skipped typed-0 offset 1: LongDeserializer: expected 8 bytes, got 4/);
  const nulls = await spindle(['consume', '--topic', 'typed', '--partition', '0', '--offset', '2', '--max-messages', '1', '--formatter-property', 'null.literal=<none>', ...b.flag]);
  assert.is(nulls.stdout, '<none>\n');
  const unknown = await spindle(['consume', '--topic', 'typed', '--value-deserializer', 'com.example.AvroDeserializer', ...b.flag]);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown deserializer 'com\.example\.AvroDeserializer'/);
});

test('--consumer.config and --consumer-property give consumer configs; --formatter-config the format; --group must agree with group.id', async () => {
  await spindle(['produce', '--topic', 'configured-consume', ...b.flag], { input: 'k1:v1\nk2:v2\n' });
  const consumerFile = join(dir, 'consumer.properties');
  writeFileSync(consumerFile, 'group.id=from-file\nauto.offset.reset=earliest\nmax.poll.records=1\n');
  const formatterFile = join(dir, 'formatter.properties');
  writeFileSync(formatterFile, 'print.offset=true\nkey.separator=|\n');
  const r = await spindle(['consume', '--topic', 'configured-consume', '--consumer.config', consumerFile, '--formatter-config', formatterFile, '--max-messages', '2', ...b.flag]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout), ['Offset:0|k1:v1', 'Offset:1|k2:v2']);
  const groups = await spindle(['groups', '--list', ...b.flag]);
  assert.ok(lines(groups.stdout).includes('from-file'), groups.stdout);
  const clash = await spindle(['consume', '--topic', 'configured-consume', '--group', 'other', '--consumer-property', 'group.id=from-pair', ...b.flag]);
  assert.is(clash.code, 2);
  assert.match(clash.stderr, /^spindle consume: --group 'other' and group\.id 'from-pair' of the consumer configs do not match/);
  const reset = await spindle(['consume', '--topic', 'configured-consume', '--from-beginning', '--consumer-property', 'auto.offset.reset=latest', ...b.flag]);
  assert.is(reset.code, 2);
  assert.match(reset.stderr, /--from-beginning and auto\.offset\.reset=latest cannot be combined/);
});

test.run();
