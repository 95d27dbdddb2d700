import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeConfig, loadConfig } from '../../../src/broker/config/load.js';

const fixture = new URL('../../../../test/fixtures/config/kafka-server.properties', import.meta.url).pathname;
const config = loadConfig({ file: fixture, cwd: '/srv', cpuCount: 8 });

test('a Kafka KRaft server.properties loads without a single unknown-key warning', () => {
  const unknown = config.warnings.filter((w) => w.kind !== 'no-effect');
  assert.equal(unknown, []);
});

test('the settings that mean nothing on a single node are reported, each with its line', () => {
  const noEffect = config.warnings.filter((w) => w.kind === 'no-effect').map((w) => w.key);
  assert.equal(noEffect.sort(), [
    'controller.quorum.voters',
    'num.network.threads',
    'num.recovery.threads.per.data.dir',
    'offsets.topic.replication.factor',
    'process.roles',
    'socket.receive.buffer.bytes',
    'socket.send.buffer.bytes',
    'transaction.state.log.min.isr',
    'transaction.state.log.replication.factor',
  ]);
  for (const w of config.warnings) assert.match(w.origin, new RegExp(`^file ${fixture}:\\d+$`));
});

test('the honoured settings take effect', () => {
  assert.is(config.derived.nodeId, 3);
  assert.is(config.values['num.partitions'], 3);
  assert.is(config.values['num.io.threads'], 6);
  assert.is(config.derived.numIoThreads, 6);
  assert.is(config.values['socket.request.max.bytes'], 52428800);
  assert.is(config.values['log.segment.bytes'], 268435456);
  assert.is(config.values['log.retention.check.interval.ms'], 120000);
  assert.is(config.derived.logRetentionMs, 72 * 3_600_000);
  assert.equal(config.derived.logDirs, ['/var/lib/kafka-fixture/a', '/var/lib/kafka-fixture/b']);
  assert.is(config.sources['log.segment.bytes'], 'file');
});

test('the client listener is opened on every interface and advertised as localhost; the controller one stays closed', () => {
  assert.equal(config.derived.listeners, [{ name: 'PLAINTEXT', host: '', port: 29092, securityProtocol: 'PLAINTEXT' }]);
  assert.equal(config.derived.advertisedListeners, [{ name: 'PLAINTEXT', host: 'localhost', port: 29092, securityProtocol: 'PLAINTEXT' }]);
  assert.equal(config.derived.controllerListeners, [{ name: 'CONTROLLER', host: '', port: 29093, securityProtocol: 'PLAINTEXT' }]);
});

test('commented-out keys in the file stay at their defaults', () => {
  assert.is(config.sources['log.flush.interval.messages'], 'default');
  assert.is(config.sources['log.retention.bytes'], 'default');
  assert.is(config.values['log.retention.bytes'], -1);
});

test('the start-up report lists the listeners and the ignored settings', () => {
  const report = describeConfig(config);
  assert.ok(report.includes('Listener PLAINTEXT (PLAINTEXT) on *:29092, advertised as localhost:29092'));
  assert.ok(report.some((l) => l.startsWith('Listener CONTROLLER on *:29093 not opened')));
  assert.ok(report.includes('Data directories: /var/lib/kafka-fixture/a, /var/lib/kafka-fixture/b'));
  const ignoredAt = report.indexOf('Set, but without effect in Spindle:');
  assert.ok(ignoredAt > 0);
  assert.ok(report.slice(ignoredAt).some((l) => l.startsWith('  num.network.threads = 4  [file ')));
  assert.not.ok(report.includes('Warnings:'));
});

test.run();
