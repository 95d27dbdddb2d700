/**
 * The apache/kafka container image's environment names configure Spindle: KAFKA_<KEY> as the
 * image maps them ('.' '_', '_' '__', '-' '___'), below SPINDLE_<KEY> and the flags, above the
 * file; the image's JVM and logging variables are noted and ignored; an existing compose file's
 * environment loads; node.id and broker.id are one setting under two names.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONFIG_KEYS, kafkaEnvNameFor, propertyForKafkaEnvName } from '../../../src/broker/config/keys.js';
import { describeConfig, loadConfig } from '../../../src/broker/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'spindle-kafka-env-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("names map as the image's: upper case, '.' as '_', '_' as '__', '-' as '___', and back", () => {
  assert.is(kafkaEnvNameFor('log.segment.bytes'), 'KAFKA_LOG_SEGMENT_BYTES');
  assert.is(kafkaEnvNameFor('abc-def'), 'KAFKA_ABC___DEF');
  assert.is(kafkaEnvNameFor('abc_def'), 'KAFKA_ABC__DEF');
  assert.is(propertyForKafkaEnvName('KAFKA_ABC___DEF'), 'abc-def');
  assert.is(propertyForKafkaEnvName('KAFKA_ABC__DEF'), 'abc_def');
  assert.is(propertyForKafkaEnvName('KAFKA_LISTENER_NAME_PLAINTEXT__HOST_X'), 'listener.name.plaintext_host.x');
  for (const k of CONFIG_KEYS) assert.is(propertyForKafkaEnvName(kafkaEnvNameFor(k.name)), k.name);
});

test('KAFKA_ variables set keys, with their origin', () => {
  const config = loadConfig({ env: { KAFKA_LOG_SEGMENT_BYTES: '2000000', KAFKA_NUM_PARTITIONS: '3' } });
  assert.is(config.values['log.segment.bytes'], 2000000);
  assert.is(config.values['num.partitions'], 3);
  assert.is(config.sources['num.partitions'], 'env');
  assert.is(config.origins['num.partitions'], 'env KAFKA_NUM_PARTITIONS');
  assert.equal(config.warnings, []);
});

test('precedence: flag over SPINDLE_ over KAFKA_ over the file over the default', () => {
  const file = join(dir, 'server.properties');
  writeFileSync(file, 'num.partitions=2\nlog.segment.bytes=2000000\nlog.retention.bytes=3000\nlog.cleaner.backoff.ms=4000\n');
  const config = loadConfig({
    file,
    env: { KAFKA_NUM_PARTITIONS: '5', KAFKA_LOG_SEGMENT_BYTES: '5000000', KAFKA_LOG_RETENTION_BYTES: '5000', SPINDLE_NUM_PARTITIONS: '7', SPINDLE_LOG_SEGMENT_BYTES: '7000000' },
    flags: { 'num.partitions': '9' },
  });
  assert.is(config.values['num.partitions'], 9);
  assert.is(config.origins['num.partitions'], 'flag num.partitions');
  assert.is(config.values['log.segment.bytes'], 7000000);
  assert.is(config.origins['log.segment.bytes'], 'env SPINDLE_LOG_SEGMENT_BYTES');
  assert.is(config.values['log.retention.bytes'], 5000);
  assert.is(config.origins['log.retention.bytes'], 'env KAFKA_LOG_RETENTION_BYTES');
  assert.is(config.values['log.cleaner.backoff.ms'], 4000);
  assert.is(config.sources['log.cleaner.backoff.ms'], 'file');
  assert.is(config.sources['log.flush.interval.messages'], 'default');
});

test("the image's JVM and logging variables are not keys: ignored, with one note in the report", () => {
  const env = {
    KAFKA_HEAP_OPTS: '-Xmx1G -Xms1G',
    KAFKA_OPTS: '-Djava.security.auth.login.config=/etc/jaas.conf',
    KAFKA_JMX_OPTS: '-Dcom.sun.management.jmxremote',
    KAFKA_JMX_PORT: '9999',
    KAFKA_LOG4J_OPTS: '-Dlog4j.configuration=file:/x',
    KAFKA_LOG4J_ROOT_LOGLEVEL: 'WARN',
    KAFKA_LOG4J_LOGGERS: 'kafka.controller=WARN',
    KAFKA_JVM_PERFORMANCE_OPTS: '-XX:+UseG1GC',
    KAFKA_GC_LOG_OPTS: ' ',
    KAFKA_VERSION: '4.4.0',
    KAFKA_HOME: '/opt/kafka',
  };
  const config = loadConfig({ env });
  assert.equal(
    config.warnings.map((w) => w.kind),
    ['not-a-key'],
  );
  const report = describeConfig(config);
  const note = report.filter((l) => l.startsWith("Environment for Kafka's JVM and logging"));
  assert.is(note.length, 1);
  for (const name of Object.keys(env)) assert.ok(note[0]!.includes(name), name);
  assert.not.ok(report.includes('Warnings:'));
  // The log4j and JMX families are left alone even where the rest of the name could read as a key.
  assert.is(config.sources['log.dir'], 'default');
});

test('a KAFKA_ variable that names no key is warned about, with the closest name', () => {
  const config = loadConfig({ env: { KAFKA_LOG_SEGMENT_BYTE: '1', KAFKA_WHATEVER_THIS_IS: 'x' } });
  const unknown = config.warnings.filter((w) => w.kind === 'unknown-env');
  assert.equal(
    unknown.map((w) => [w.key, w.suggestion]),
    [
      ['KAFKA_LOG_SEGMENT_BYTE', 'KAFKA_LOG_SEGMENT_BYTES'],
      ['KAFKA_WHATEVER_THIS_IS', null],
    ],
  );
  assert.match(unknown[0]!.message, "the image's name for 'log.segment.byte'");
  assert.match(unknown[0]!.message, 'did you mean KAFKA_LOG_SEGMENT_BYTES?');
});

test("the environment of the image's single-node compose example loads without an unknown key, and listens as it says", () => {
  const env = {
    KAFKA_NODE_ID: '1',
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT',
    KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT_HOST://localhost:9092,PLAINTEXT://broker:19092',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_CONTROLLER_QUORUM_VOTERS: '1@broker:29093',
    KAFKA_LISTENERS: 'CONTROLLER://:29093,PLAINTEXT_HOST://:9092,PLAINTEXT://:19092',
    KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    CLUSTER_ID: '4L6g3nShT-eMCtK--X86sw',
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
    KAFKA_LOG_DIRS: '/tmp/kraft-combined-logs',
  };
  const config = loadConfig({ env, cwd: '/srv' });
  assert.equal(config.warnings.filter((w) => w.kind !== 'no-effect'), []);
  assert.is(config.derived.nodeId, 1);
  assert.equal(config.derived.logDirs, ['/tmp/kraft-combined-logs']);
  assert.equal(config.derived.listeners.map((l) => `${l.name} ${l.host}:${l.port}`), ['PLAINTEXT_HOST :9092', 'PLAINTEXT :19092']);
  assert.equal(config.derived.advertisedListeners.map((l) => `${l.name} ${l.host}:${l.port}`), ['PLAINTEXT_HOST localhost:9092', 'PLAINTEXT broker:19092']);
  assert.is(config.values['group.initial.rebalance.delay.ms'], 0);
});

test('node.id and broker.id are one setting: either given alone sets both, with its origin; the default is 1 for both', () => {
  const fromNode = loadConfig({ env: { KAFKA_NODE_ID: '3' } });
  assert.is(fromNode.derived.nodeId, 3);
  assert.is(fromNode.values['broker.id'], 3);
  assert.is(fromNode.origins['broker.id'], 'env KAFKA_NODE_ID');
  const fromBroker = loadConfig({ flags: { 'broker.id': '5' } });
  assert.is(fromBroker.values['node.id'], 5);
  assert.is(fromBroker.derived.nodeId, 5);
  const none = loadConfig({});
  assert.equal([none.values['node.id'], none.values['broker.id'], none.derived.nodeId], [1, 1, 1]);
  assert.is(none.sources['node.id'], 'default');
  const report = describeConfig(fromNode);
  assert.ok(report.includes('Node id: 3'));
  assert.ok(report.includes('  broker.id = 3  [env KAFKA_NODE_ID]'), report.join('\n'));
  // An older file's broker.id=-1 (ZooKeeper generated the id) runs as 1, and the report says so.
  const generated = loadConfig({ flags: { 'broker.id': '-1' } });
  assert.is(generated.derived.nodeId, 1);
  assert.ok(describeConfig(generated).includes('Node id: 1 (node.id -1 means unset; a single node takes 1)'));
});

test.run();
