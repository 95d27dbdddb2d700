import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../../src/broker/config/errors.js';
import { loadConfig, resolveTopicConfig, type ResolvedTopicConfig } from '../../../src/broker/config/load.js';
import { TOPIC_CONFIGS } from '../../../src/broker/config/keys.js';

function entry(resolved: ResolvedTopicConfig, name: string) {
  const e = resolved.entries.find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  return e;
}

test('a topic with no overrides on a default broker has Kafka defaults, all DEFAULT_CONFIG', () => {
  const resolved = resolveTopicConfig(loadConfig(), {});
  assert.is(resolved.entries.length, TOPIC_CONFIGS.length);
  assert.is(resolved.values['retention.ms'], 604800000);
  assert.is(resolved.values['segment.bytes'], 1073741824);
  assert.is(resolved.values['max.message.bytes'], 1048588);
  assert.equal(resolved.values['cleanup.policy'], ['delete']);
  assert.is(resolved.values['remote.storage.enable'], false);
  for (const e of resolved.entries) assert.is(e.source, 'DEFAULT_CONFIG', e.name);
});

test('a broker key that was set makes its topic config STATIC_BROKER_CONFIG, converted to the topic unit', () => {
  const broker = loadConfig({ flags: { 'log.retention.hours': '2', 'log.roll.hours': '1', 'message.max.bytes': '2000000' } });
  const resolved = resolveTopicConfig(broker, {});
  assert.is(resolved.values['retention.ms'], 2 * 3_600_000);
  assert.is(resolved.sources['retention.ms'], 'STATIC_BROKER_CONFIG');
  assert.is(resolved.values['segment.ms'], 3_600_000);
  assert.is(resolved.values['max.message.bytes'], 2000000);
  assert.is(resolved.sources['max.message.bytes'], 'STATIC_BROKER_CONFIG');
  assert.is(resolved.sources['segment.bytes'], 'DEFAULT_CONFIG');
});

test('the retention synonyms resolve in Kafka order for topics too: ms, then minutes, then hours', () => {
  const broker = loadConfig({ flags: { 'log.retention.hours': '2', 'log.retention.minutes': '30' } });
  assert.is(resolveTopicConfig(broker, {}).values['retention.ms'], 30 * 60_000);
  const unlimited = loadConfig({ flags: { 'log.retention.ms': '-7' } });
  assert.is(resolveTopicConfig(unlimited, {}).values['retention.ms'], -1);
});

test('flush.ms falls back to log.flush.scheduler.interval.ms when log.flush.interval.ms is unset', () => {
  const broker = loadConfig({ flags: { 'log.flush.scheduler.interval.ms': '5000' } });
  const resolved = resolveTopicConfig(broker, {});
  assert.is(resolved.values['flush.ms'], 5000);
  assert.is(resolved.sources['flush.ms'], 'STATIC_BROKER_CONFIG');
});

test('a per-topic override wins and is DYNAMIC_TOPIC_CONFIG', () => {
  const broker = loadConfig({ flags: { 'log.retention.hours': '2' } });
  const resolved = resolveTopicConfig(broker, { 'retention.ms': '1000', 'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.1' });
  assert.is(resolved.values['retention.ms'], 1000);
  assert.is(resolved.sources['retention.ms'], 'DYNAMIC_TOPIC_CONFIG');
  assert.equal(resolved.values['cleanup.policy'], ['compact', 'delete']);
  assert.is(resolved.values['min.cleanable.dirty.ratio'], 0.1);
});

test('synonyms list the override, then each broker key that was set, then the default', () => {
  const broker = loadConfig({ flags: { 'log.retention.hours': '2', 'log.retention.minutes': '90' } });
  const e = entry(resolveTopicConfig(broker, { 'retention.ms': '1000' }), 'retention.ms');
  assert.equal(e.synonyms, [
    { name: 'retention.ms', value: '1000', source: 'DYNAMIC_TOPIC_CONFIG' },
    { name: 'log.retention.minutes', value: '90', source: 'STATIC_BROKER_CONFIG' },
    { name: 'log.retention.hours', value: '2', source: 'STATIC_BROKER_CONFIG' },
    { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
  ]);
  assert.is(e.text, '1000');
});

test('values print as Kafka prints them, Long.MAX_VALUE included', () => {
  const resolved = resolveTopicConfig(loadConfig(), {});
  assert.is(entry(resolved, 'flush.messages').text, '9223372036854775807');
  assert.is(entry(resolved, 'min.cleanable.dirty.ratio').text, '0.5');
  assert.is(entry(resolved, 'cleanup.policy').text, 'delete');
  assert.is(entry(resolved, 'preallocate').text, 'false');
});

test('overrides are validated with the topic rules and errors name the config', () => {
  const broker = loadConfig();
  const cases: Array<[Record<string, string>, string]> = [
    [{ 'segment.bytes': '10' }, 'below the minimum 14'],
    [{ 'retention.ms': '-2' }, 'below the minimum -1'],
    [{ 'cleanup.policy': 'archive' }, "'archive' is not an allowed item"],
    [{ 'message.timestamp.type': 'createtime' }, 'CreateTime, LogAppendTime'],
    [{ 'min.cleanable.dirty.ratio': '1.5' }, 'above the maximum 1'],
    [{ 'max.message.bytes': 'lots' }, 'not an int'],
  ];
  for (const [overrides, expected] of cases) {
    try {
      resolveTopicConfig(broker, overrides);
      assert.unreachable(JSON.stringify(overrides));
    } catch (err) {
      assert.instance(err, ConfigError);
      const name = Object.keys(overrides)[0]!;
      assert.is((err as ConfigError).key, name);
      assert.match((err as Error).message, 'topic override');
      assert.match((err as Error).message, expected);
    }
  }
});

test('an unknown topic config is refused, pointing a broker key at its topic name', () => {
  const broker = loadConfig();
  try {
    resolveTopicConfig(broker, { 'log.retention.ms': '1' });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, "did you mean 'retention.ms'?");
  }
  try {
    resolveTopicConfig(broker, { 'retention.mss': '1' });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, "did you mean 'retention.ms'?");
  }
});

test('a min compaction lag above the max compaction lag is refused for a topic', () => {
  try {
    resolveTopicConfig(loadConfig(), { 'min.compaction.lag.ms': '100', 'max.compaction.lag.ms': '50' });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).key, 'min.compaction.lag.ms');
  }
});

test('the resolved topic config is frozen', () => {
  const resolved = resolveTopicConfig(loadConfig(), { 'cleanup.policy': 'compact' });
  assert.ok(Object.isFrozen(resolved.values));
  assert.ok(Object.isFrozen(resolved.values['cleanup.policy']));
  assert.ok(Object.isFrozen(resolved.entries[0]));
});

test.run();
