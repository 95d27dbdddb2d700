/**
 * `spindle configs` as a child process: alter a topic's config and see it described (also in
 * `topics --describe`), delete it again, describe a broker, and the usage errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kafkaMissing, runKafkaTool } from '../../bench/kafka/kafka.js';
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

test('--entity-default and --broker-defaults name the cluster-wide broker defaults, described after each broker', async () => {
  const a = await spindle(['configs', '--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'log.retention.ms=700000000', ...b.flag]);
  assert.is(a.code, 0, a.stderr);
  assert.is(a.stdout, 'Completed updating default config for brokers in the cluster.\n');
  const d = await spindle(['configs', '--describe', '--broker-defaults', ...b.flag]);
  assert.equal(lines(d.stdout), ['Default configs for brokers in the cluster are:', '  log.retention.ms=700000000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=700000000}']);
  // A broker lists what was set on it alone; the defaults come after, as Kafka's tool prints them.
  const all = await spindle(['configs', '--describe', '--entity-type', 'brokers', ...b.flag]);
  assert.equal(lines(all.stdout), ['Dynamic configs for broker 1 are:', ...lines(d.stdout)]);
  assert.is((await spindle(['configs', '--alter', '--broker-defaults', '--delete-config', 'log.retention.ms', ...b.flag])).code, 0);
  assert.equal(lines((await spindle(['configs', '--describe', '--broker-defaults', ...b.flag])).stdout), ['Default configs for brokers in the cluster are:']);
});

test('--add-config-file reads the configs from a properties file; --describe without a topic name describes every topic', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-configs-'));
  try {
    const file = join(dir, 'add.properties');
    writeFileSync(file, '# a comment\nmax.message.bytes = 2000000\n');
    const a = await spindle(['configs', '--alter', '--topic', 'conf', '--add-config-file', file, ...b.flag]);
    assert.is(a.code, 0, a.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const every = await spindle(['configs', '--describe', '--entity-type', 'topics', ...b.flag]);
  assert.is(every.code, 0, every.stderr);
  const out = lines(every.stdout);
  assert.ok(out.includes('Dynamic configs for topic conf are:'), every.stdout);
  assert.ok(out.some((l) => l.startsWith('  max.message.bytes=2000000 ')), every.stdout);
});

test('node.id and broker.id are described with the id the broker answers with', async () => {
  const d = await spindle(['configs', '--describe', '--broker', '1', '--all', ...b.flag]);
  const out = lines(d.stdout);
  assert.ok(out.some((l) => l.startsWith('  node.id=1 ')), d.stdout);
  assert.ok(out.some((l) => l.startsWith('  broker.id=1 ')), d.stdout);
});

test("Kafka's other entity types are refused in one line naming what they need", async () => {
  for (const type of ['client-metrics', 'groups', 'broker-loggers']) {
    const r = await spindle(['configs', '--describe', '--entity-type', type, ...b.flag]);
    assert.is(r.code, 2);
    assert.is(lines(r.stderr).length, 1);
    assert.match(r.stderr, new RegExp(`^spindle configs: --entity-type ${type} is not supported: it needs .*, which Spindle does not serve`));
  }
});

test('users, clients and ips: quotas and SCRAM credentials altered and described as kafka-configs does it', async () => {
  const run = async (args: string[]) => {
    const r = await spindle(['configs', ...args, ...b.flag]);
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  assert.is(await run(['--alter', '--add-config', 'producer_byte_rate=1048576,consumer_byte_rate=20971520', '--entity-type', 'users', '--entity-name', 'alice']), 'Completed updating config for user alice.\n');
  assert.is(await run(['--alter', '--add-config', 'SCRAM-SHA-512=[iterations=8192,password=alice-secret]', '--user', 'alice']), 'Completed updating config for user alice.\n');
  assert.is(await run(['--alter', '--add-config', 'request_percentage=50', '--entity-type', 'clients', '--entity-name', 'app']), 'Completed updating config for client app.\n');
  assert.is(await run(['--alter', '--add-config', 'producer_byte_rate=1000', '--entity-type', 'clients', '--entity-name', 'app', '--entity-type', 'users', '--entity-name', 'alice']), 'Completed updating config for user alice.\n');
  assert.is(await run(['--alter', '--add-config', 'producer_byte_rate=5000', '--user-defaults']), 'Completed updating default config for users in the cluster.\n');
  assert.is(await run(['--alter', '--add-config', 'connection_creation_rate=10', '--entity-type', 'ips', '--entity-name', '127.0.0.1']), 'Completed updating config for ip 127.0.0.1.\n');

  assert.is(await run(['--describe', '--entity-type', 'users', '--entity-name', 'alice']), "Quota configs for user-principal 'alice' are consumer_byte_rate=2.097152E7, producer_byte_rate=1048576.0\nSCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=8192\n");
  assert.is(await run(['--describe', '--user', 'alice', '--client', 'app']), "Quota configs for user-principal 'alice', client-id 'app' are producer_byte_rate=1000.0\n");
  assert.is(await run(['--describe', '--entity-type', 'clients']), "Quota configs for client-id 'app' are request_percentage=50.0\n");
  assert.is(await run(['--describe', '--entity-type', 'users', '--entity-default']), 'Quota configs for the default user-principal are producer_byte_rate=5000.0\n');
  assert.is(await run(['--describe', '--entity-type', 'ips']), "Quota configs for ip '127.0.0.1' are connection_creation_rate=10.0\n");
  // Every user: the quota lines in the broker's order (Kafka's tool prints a hash map's), then the SCRAM lines.
  const all = lines(await run(['--describe', '--entity-type', 'users']));
  assert.equal(all.slice(0, 2).sort(), ["Quota configs for the default user-principal are producer_byte_rate=5000.0", "Quota configs for user-principal 'alice' are consumer_byte_rate=2.097152E7, producer_byte_rate=1048576.0"]);
  assert.equal(all.slice(2), ["SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=8192"]);

  if (!kafkaMissing()) {
    // Kafka's own kafka-configs prints the same for the same broker.
    for (const args of [
      ['--describe', '--entity-type', 'users', '--entity-name', 'alice'],
      ['--describe', '--entity-type', 'users'],
      ['--describe', '--entity-type', 'clients', '--entity-name', 'app', '--entity-type', 'users', '--entity-name', 'alice'],
      ['--describe', '--entity-type', 'clients', '--entity-default'],
      ['--describe', '--entity-type', 'ips'],
    ]) {
      const kafka = await runKafkaTool('kafka-configs', ['--bootstrap-server', b.bootstrap, ...args]);
      assert.is(kafka.code, 0, kafka.stderr);
      const ours = await run(args);
      assert.equal(lines(ours).sort(), lines(kafka.stdout).sort(), args.join(' '));
      assert.is(lines(ours).at(-1), lines(kafka.stdout).at(-1), `${args.join(' ')}: the last line`);
    }
  }

  // The credential works: a SASL login with it (Spindle's own client, SCRAM-SHA-512) against a SASL listener is tested
  // in test/cli/security.test.ts; here the broker's store holds it.
  assert.is(await run(['--alter', '--delete-config', 'SCRAM-SHA-512,producer_byte_rate', '--entity-type', 'users', '--entity-name', 'alice']), 'Completed updating config for user alice.\n');
  assert.is(await run(['--describe', '--entity-type', 'users', '--entity-name', 'alice']), "Quota configs for user-principal 'alice' are consumer_byte_rate=2.097152E7\n");

  const bad = await spindle(['configs', '--alter', '--add-config', 'bogus_key=1', '--entity-type', 'users', '--entity-name', 'alice', ...b.flag]);
  assert.is(bad.code, 2);
  assert.is(lines(bad.stderr).length, 1);
  assert.match(bad.stderr, "spindle configs: Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: bogus_key");
  const missing = await spindle(['configs', '--alter', '--delete-config', 'SCRAM-SHA-256', '--entity-type', 'users', '--entity-name', 'nobody', ...b.flag]);
  assert.is.not(missing.code, 0);
  assert.match(missing.stderr, /RESOURCE_NOT_FOUND/);
  const noName = await spindle(['configs', '--alter', '--add-config', 'producer_byte_rate=1', '--entity-type', 'users', ...b.flag]);
  assert.is(noName.code, 2);
  assert.match(noName.stderr, /--entity-name or --entity-default must be specified with each --entity-type for --alter/);
});

test.run();
