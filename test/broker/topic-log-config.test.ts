import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, resolveTopicConfig } from '../../src/broker/config/load.js';
import { logConfigFor } from '../../src/broker/topic-log-config.js';
import { DEFAULT_LOG_CONFIG } from '../../src/core/log-config.js';

const logConfigOf = (brokerKeys: Record<string, string>, overrides: Record<string, string> = {}) =>
  logConfigFor(resolveTopicConfig(loadConfig({ flags: brokerKeys, cpuCount: 2 }), overrides).values);

test("with Kafka's defaults the mapping gives the engine's defaults", () => {
  assert.equal(logConfigOf({}), DEFAULT_LOG_CONFIG);
});

test('message.timestamp.before.max.ms and after.max.ms reach the LogConfig: Long.MAX_VALUE as no limit, else in ms', () => {
  const defaults = logConfigOf({});
  assert.is(defaults.messageTimestampBeforeMaxMs, Infinity);
  assert.is(defaults.messageTimestampAfterMaxMs, Infinity);
  const fromBroker = logConfigOf({ 'log.message.timestamp.before.max.ms': '86400000', 'log.message.timestamp.after.max.ms': '3600000' });
  assert.is(fromBroker.messageTimestampBeforeMaxMs, 86_400_000);
  assert.is(fromBroker.messageTimestampAfterMaxMs, 3_600_000);
  const overridden = logConfigOf({ 'log.message.timestamp.after.max.ms': '3600000' }, { 'message.timestamp.after.max.ms': '60000', 'message.timestamp.before.max.ms': '0' });
  assert.is(overridden.messageTimestampAfterMaxMs, 60_000, 'the topic override wins');
  assert.is(overridden.messageTimestampBeforeMaxMs, 0);
});

test.run();
