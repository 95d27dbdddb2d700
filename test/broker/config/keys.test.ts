import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatConfigValue, loadConfig } from '../../../src/broker/config/load.js';
import {
  CONFIG_KEYS,
  configKey,
  envNameFor,
  keyForEnvName,
  TOPIC_CONFIGS,
  topicConfig,
  type ConfigKeyDef,
  type TopicConfigDef,
} from '../../../src/broker/config/keys.js';

const keys = CONFIG_KEYS as readonly ConfigKeyDef[];
const topics = TOPIC_CONFIGS as readonly TopicConfigDef[];

test('every key is declared once', () => {
  const names = keys.map((k) => k.name);
  assert.is(new Set(names).size, names.length);
});

test('every key has one line of documentation and a known type and effect', () => {
  for (const k of keys) {
    assert.ok(k.documentation.length > 10 && !k.documentation.includes('\n'), k.name);
    assert.ok(['int', 'long', 'double', 'boolean', 'string', 'list', 'class', 'password'].includes(k.type), k.name);
    assert.ok(k.effect === 'honoured' || k.effect === 'no-effect', k.name);
  }
});

test('every non-null default passes its own validation when given back as text', () => {
  const flags: Record<string, string> = {};
  for (const k of keys) {
    const text = formatConfigValue(k.type, k.default);
    if (text !== null) flags[k.name] = text;
  }
  const config = loadConfig({ flags });
  for (const k of keys) {
    if (k.default === null) continue;
    assert.equal(config.values[k.name as keyof typeof config.values], k.default, k.name);
  }
});

test('environment names are unique and map back to their key', () => {
  const envNames = keys.map((k) => envNameFor(k.name));
  assert.is(new Set(envNames).size, envNames.length);
  assert.is(envNameFor('log.segment.bytes'), 'SPINDLE_LOG_SEGMENT_BYTES');
  for (const k of keys) assert.is(keyForEnvName(envNameFor(k.name)), k.name);
});

test('the keys the broker relies on are declared and honoured', () => {
  const honoured = [
    'listeners', 'advertised.listeners', 'node.id', 'broker.id', 'log.dirs', 'log.dir', 'num.partitions',
    'default.replication.factor', 'auto.create.topics.enable', 'delete.topic.enable', 'num.io.threads',
    'socket.request.max.bytes', 'connections.max.idle.ms', 'max.connections', 'queued.max.requests',
    'message.max.bytes', 'replica.fetch.max.bytes', 'fetch.max.bytes', 'log.segment.bytes', 'log.roll.hours',
    'log.roll.ms', 'log.retention.hours', 'log.retention.minutes', 'log.retention.ms', 'log.retention.bytes',
    'log.retention.check.interval.ms', 'log.cleanup.policy', 'log.cleaner.enable',
    'log.cleaner.min.cleanable.ratio', 'log.cleaner.delete.retention.ms', 'log.cleaner.min.compaction.lag.ms',
    'log.cleaner.max.compaction.lag.ms', 'log.index.interval.bytes', 'log.index.size.max.bytes',
    'log.flush.interval.messages', 'log.flush.interval.ms', 'log.flush.scheduler.interval.ms',
    'log.segment.delete.delay.ms', 'log.message.timestamp.type', 'compression.type', 'offsets.topic.num.partitions',
    'offsets.retention.minutes', 'offsets.retention.check.interval.ms', 'group.initial.rebalance.delay.ms',
    'group.min.session.timeout.ms', 'group.max.session.timeout.ms', 'group.max.size',
    'producer.id.expiration.ms', 'console.listener',
  ];
  for (const name of honoured) assert.is(configKey(name)?.effect, 'honoured', name);
});

test('replication, quorum and thread-pool keys are declared without effect', () => {
  for (const name of [
    'process.roles', 'controller.quorum.voters', 'num.network.threads',
    'socket.send.buffer.bytes', 'socket.receive.buffer.bytes', 'num.recovery.threads.per.data.dir',
    'transaction.state.log.replication.factor', 'transaction.state.log.min.isr', 'min.insync.replicas',
    'unclean.leader.election.enable', 'sasl.kerberos.service.name',
    'log.cleaner.threads', 'log.cleaner.dedupe.buffer.size', 'log.cleaner.io.buffer.size',
    'log.cleaner.io.max.bytes.per.second',
  ]) {
    assert.is(configKey(name)?.effect, 'no-effect', name);
  }
});

test("Kafka's defaults are kept, and Spindle's own defaults say what Kafka's are", () => {
  assert.is(configKey('log.segment.bytes')?.default, 1073741824);
  assert.is(configKey('message.max.bytes')?.default, 1048588);
  assert.is(configKey('log.retention.hours')?.default, 168);
  assert.is(configKey('log.retention.ms')?.default, null);
  assert.is(configKey('socket.request.max.bytes')?.default, 104857600);
  assert.is(configKey('fetch.max.bytes')?.default, 57671680);
  assert.is(configKey('offsets.topic.num.partitions')?.default, 50);
  assert.is(configKey('offsets.topic.replication.factor')?.default, 3);
  assert.is(configKey('group.initial.rebalance.delay.ms')?.default, 3000);
  assert.equal(configKey('listeners')?.default, ['PLAINTEXT://127.0.0.1:9092']);
  assert.is(configKey('listeners')?.kafkaDefault, 'PLAINTEXT://:9092');
  assert.is(configKey('log.dir')?.default, './data');
  assert.is(configKey('log.dir')?.kafkaDefault, '/tmp/kafka-logs');
  assert.is(configKey('num.io.threads')?.kafkaDefault, '8');
  assert.is(configKey('console.listener')?.default, 'http://127.0.0.1:9644');
});

test('broker keys name the topic-level config they default', () => {
  const expected: Record<string, string> = {
    'log.retention.ms': 'retention.ms',
    'log.retention.minutes': 'retention.ms',
    'log.retention.hours': 'retention.ms',
    'log.segment.bytes': 'segment.bytes',
    'log.cleanup.policy': 'cleanup.policy',
    'log.message.timestamp.type': 'message.timestamp.type',
    'compression.type': 'compression.type',
    'message.max.bytes': 'max.message.bytes',
    'log.index.interval.bytes': 'index.interval.bytes',
    'log.segment.delete.delay.ms': 'file.delete.delay.ms',
    'log.flush.interval.messages': 'flush.messages',
    'log.flush.interval.ms': 'flush.ms',
    'log.cleaner.delete.retention.ms': 'delete.retention.ms',
    'log.cleaner.min.cleanable.ratio': 'min.cleanable.dirty.ratio',
    'log.cleaner.min.compaction.lag.ms': 'min.compaction.lag.ms',
    'log.index.size.max.bytes': 'segment.index.bytes',
    'log.roll.ms': 'segment.ms',
    'log.roll.hours': 'segment.ms',
    'min.insync.replicas': 'min.insync.replicas',
    'unclean.leader.election.enable': 'unclean.leader.election.enable',
  };
  for (const [key, topicName] of Object.entries(expected)) assert.is(configKey(key)?.topicName, topicName, key);
});

test('the topic view and the broker table agree on every synonym', () => {
  for (const t of topics) {
    for (const syn of t.synonyms) assert.is(configKey(syn.key)?.topicName, t.name, `${t.name} <- ${syn.key}`);
  }
  for (const k of keys) {
    if (!k.topicName) continue;
    const t = topicConfig(k.topicName);
    assert.ok(t, `${k.name} names unknown topic config ${k.topicName}`);
    assert.ok(t!.synonyms.some((s) => s.key === k.name), `${k.topicName} does not list ${k.name}`);
  }
});

test("the topic view lists Kafka's topic configs with their broker key and default", () => {
  const names = topics.map((t) => t.name);
  for (const name of [
    'cleanup.policy', 'compression.type', 'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms',
    'index.interval.bytes', 'max.compaction.lag.ms', 'max.message.bytes', 'message.timestamp.type',
    'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms', 'min.cleanable.dirty.ratio',
    'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate', 'retention.bytes', 'retention.ms', 'segment.bytes',
    'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
    'message.downconversion.enable', 'local.retention.ms', 'local.retention.bytes', 'remote.storage.enable',
  ]) {
    assert.ok(names.includes(name), name);
  }
  assert.is(topicConfig('retention.ms')?.brokerKey, 'log.retention.ms');
  assert.is(topicConfig('retention.ms')?.default, 604800000);
  assert.equal(topicConfig('retention.ms')?.synonyms.map((s) => [s.key, s.factor]), [
    ['log.retention.ms', 1],
    ['log.retention.minutes', 60_000],
    ['log.retention.hours', 3_600_000],
  ]);
  assert.is(topicConfig('max.message.bytes')?.brokerKey, 'message.max.bytes');
  assert.is(topicConfig('remote.storage.enable')?.brokerKey, null);
});

test("each topic default equals what the broker defaults resolve to, so untouched topics match Kafka's", () => {
  const config = loadConfig();
  for (const t of topics) {
    const syn = t.synonyms.find((s) => config.values[s.key] !== null);
    if (!syn) continue;
    const v = config.values[syn.key];
    const resolved = typeof v === 'number' ? v * syn.factor : v;
    assert.equal(resolved, t.default, t.name);
  }
});

test.run();
