import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alterDynamicBrokerConfigs, describeBrokerConfigs, describeTopicConfigs } from '../../../src/broker/config/dynamic.js';
import { describeConfig, loadConfig, resolveTopicConfig } from '../../../src/broker/config/load.js';
import { ConfigReads, untracked } from '../../../src/broker/config/reads.js';
import { logConfigFor } from '../../../src/broker/topic-log-config.js';

const recorded = () => {
  const reads = new ConfigReads();
  return { reads, config: loadConfig({ cwd: '/srv', cpuCount: 2, recordReads: reads }) };
};

test('without recordReads the configuration is plain: no proxy, nothing to record into', () => {
  const config = loadConfig({ cpuCount: 2 });
  assert.is(config.reads, null);
  assert.is(untracked(config.values), config.values);
  const topicValues = resolveTopicConfig(config, {}).values;
  assert.is(untracked(topicValues), topicValues);
});

test('a key read is recorded; a derived value read counts for the keys it comes from', () => {
  const { reads, config } = recorded();
  void config.values['num.partitions'];
  void config.derived.logDirs;
  assert.equal([...reads.brokerKeys], ['num.partitions']);
  assert.equal([...reads.derived], ['logDirs']);
  const read = reads.brokerKeysRead();
  for (const k of ['num.partitions', 'log.dirs', 'log.dir']) assert.ok(read.has(k as never), k);
  assert.not.ok(read.has('log.segment.bytes'));
});

test('the report, DescribeConfigs and resolving a topic read every key without recording one', () => {
  const { reads, config } = recorded();
  describeConfig(config);
  describeBrokerConfigs(config, 'node');
  const resolved = resolveTopicConfig(config, { 'retention.ms': '1000' });
  describeTopicConfigs(config, { 'retention.ms': '1000' }, resolved);
  assert.equal([...reads.brokerKeys], []);
  assert.equal([...reads.derived], []);
  assert.equal([...reads.topicConfigs], []);
});

test("a topic config read counts for its broker synonyms", () => {
  const { reads, config } = recorded();
  const resolved = resolveTopicConfig(config, {});
  void resolved.values['retention.ms'];
  assert.equal([...reads.topicConfigs], ['retention.ms']);
  const read = reads.brokerKeysRead();
  for (const k of ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']) assert.ok(read.has(k as never), k);
  logConfigFor(resolved.values);
  assert.ok(reads.brokerKeysRead().has('log.segment.bytes'));
});

test('a configuration with dynamic broker configs layered over it keeps recording', () => {
  const { reads, config } = recorded();
  const layered = alterDynamicBrokerConfigs(config, 'cluster-default', { 'log.retention.bytes': '1000' });
  assert.equal([...reads.brokerKeys], [], 'layering copies without recording');
  assert.is(layered.values['log.retention.bytes'], 1000);
  assert.equal([...reads.brokerKeys], ['log.retention.bytes']);
  assert.is(layered.reads, reads);
});

test.run();
