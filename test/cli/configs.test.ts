/**
 * `spindle configs` as a child process: alter a topic's config and see it described (also in
 * `topics --describe`), delete it again, describe a broker, and the usage errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, loud, spindle, type TestBroker, testBroker } from './helpers.js';

let b: TestBroker;

test.before(
  loud(async () => {
    b = await testBroker();
    const c = await spindle(['topics', '--create', '--topic', 'conf', ...b.flag]);
    assert.is(c.code, 0, c.stderr);
  }),
);

test.after(async () => {
  await b?.stop();
});

test('--alter --add-config then --describe shows the values as Kafka prints them', async () => {
  const a = await spindle(['configs', '--alter', '--entity-type', 'topics', '--entity-name', 'conf', '--add-config', 'retention.ms=86400000,cleanup.policy=[compact,delete]', ...b.flag]);
  assert.is(a.code, 0, a.stderr);
  assert.is(a.stdout, 'Completed updating config for topic conf.\n');
  const d = await spindle(['configs', '--describe', '--entity-type', 'topics', '--entity-name', 'conf', ...b.flag]);
  assert.is(d.code, 0, d.stderr);
  const out = lines(d.stdout);
  assert.is(out[0], 'Dynamic configs for topic conf are:');
  assert.is(out.length, 3);
  assert.match(out[1]!, /^  cleanup\.policy=compact,delete sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup\.policy=compact,delete/);
  assert.match(out[2]!, /^  retention\.ms=86400000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=86400000/);
  const t = await spindle(['topics', '--describe', '--topic', 'conf', ...b.flag]);
  assert.match(lines(t.stdout)[0]!, /\tConfigs: cleanup\.policy=compact,delete,retention\.ms=86400000$/);
});

test('--delete-config removes a key and leaves the others', async () => {
  const a = await spindle(['configs', '--alter', '--topic', 'conf', '--delete-config', 'retention.ms', ...b.flag]);
  assert.is(a.code, 0, a.stderr);
  const d = await spindle(['configs', '--describe', '--topic', 'conf', ...b.flag]);
  const out = lines(d.stdout);
  assert.is(out.length, 2);
  assert.match(out[1]!, /^  cleanup\.policy=/);
});

test('--describe --all lists every config of the topic with its source', async () => {
  const d = await spindle(['configs', '--describe', '--entity-type', 'topics', '--entity-name', 'conf', '--all', ...b.flag]);
  assert.is(d.code, 0, d.stderr);
  const out = lines(d.stdout);
  assert.is(out[0], 'All configs for topic conf are:');
  assert.ok(out.some((l) => /^  segment\.bytes=\d+ sensitive=false synonyms=\{.*DEFAULT_CONFIG:log\.segment\.bytes=/.test(l)), d.stdout);
});

test('a broker is described by node id, and every broker without a name', async () => {
  const one = await spindle(['configs', '--describe', '--entity-type', 'brokers', '--entity-name', '1', '--all', ...b.flag]);
  assert.is(one.code, 0, one.stderr);
  assert.is(lines(one.stdout)[0], 'All configs for broker 1 are:');
  assert.ok(lines(one.stdout).some((l) => l.startsWith('  num.partitions=')));
  const all = await spindle(['configs', '--describe', '--entity-type', 'brokers', ...b.flag]);
  assert.is(all.code, 0, all.stderr);
  assert.is(lines(all.stdout)[0], 'Dynamic configs for broker 1 are:');
});

test('an invalid value, an unknown topic and a missing entity name fail in one line', async () => {
  const bad = await spindle(['configs', '--alter', '--topic', 'conf', '--add-config', 'retention.ms=soon', ...b.flag]);
  assert.is(bad.code, 1);
  assert.is(lines(bad.stderr).length, 1);
  assert.match(bad.stderr, /^spindle configs: topic 'conf': INVALID_CONFIG/);
  const unknown = await spindle(['configs', '--describe', '--topic', 'nope', ...b.flag]);
  assert.is(unknown.code, 1);
  assert.is(unknown.stderr, "spindle configs: topic 'nope' does not exist\n");
  const missing = await spindle(['configs', '--alter', '--entity-type', 'topics', '--add-config', 'a=b', ...b.flag]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /^spindle configs: --entity-name is required with --alter/);
});

test.run();
