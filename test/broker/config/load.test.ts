import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../../src/broker/config/errors.js';
import { describeConfig, listenerValue, loadConfig, type LoadConfigOptions } from '../../../src/broker/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'spindle-config-'));
let fileCount = 0;
function writeProps(text: string): string {
  const file = join(dir, `server-${fileCount++}.properties`);
  writeFileSync(file, text);
  return file;
}

function configError(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('loadConfig did not throw');
}

test('with nothing given, every key has its default and the default source', () => {
  const config = loadConfig({ cwd: '/srv/app', cpuCount: 4 });
  assert.is(config.values['log.segment.bytes'], 1073741824);
  assert.equal(config.values['listeners'], ['PLAINTEXT://127.0.0.1:9092']);
  assert.is(config.values['log.retention.ms'], null);
  assert.is(config.values['auto.create.topics.enable'], true);
  assert.is(config.sources['log.segment.bytes'], 'default');
  assert.equal(config.origins, {});
  assert.equal(config.warnings, []);
  assert.is(config.file, null);
});

test('the defaults derive a loopback listener, ./data, a week of retention and node id 1', () => {
  const { derived } = loadConfig({ cwd: '/srv/app', cpuCount: 4 });
  assert.is(derived.nodeId, 1);
  assert.equal(derived.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.equal(derived.advertisedListeners, derived.listeners);
  assert.equal(derived.controllerListeners, []);
  assert.equal(derived.logDirs, ['/srv/app/data']);
  assert.is(derived.logRetentionMs, 7 * 24 * 3_600_000);
  assert.is(derived.logRollMs, 7 * 24 * 3_600_000);
  assert.is(derived.logRollJitterMs, 0);
  assert.is(derived.offsetsRetentionMs, 7 * 24 * 3_600_000);
  assert.equal(derived.consoleListener, { scheme: 'http', host: '127.0.0.1', port: 9644 });
});

test('num.io.threads defaults to one worker per core but one, never fewer than one', () => {
  assert.is(loadConfig({ cpuCount: 8 }).derived.numIoThreads, 7);
  assert.is(loadConfig({ cpuCount: 2 }).derived.numIoThreads, 1);
  assert.is(loadConfig({ cpuCount: 1 }).derived.numIoThreads, 1);
  assert.is(loadConfig({ cpuCount: 8, flags: { 'num.io.threads': '0' } }).derived.numIoThreads, 0);
  assert.is(loadConfig({ cpuCount: 8, flags: { 'num.io.threads': '3' } }).derived.numIoThreads, 3);
});

test("num.io.threads=8 from a Kafka file on 2 cores runs 2 partition workers, with a WARN line naming the key, the value and what runs", () => {
  const file = writeProps('num.partitions=1\nnum.io.threads=8\n');
  const config = loadConfig({ file, cpuCount: 2 });
  assert.is(config.values['num.io.threads'], 8, 'the value as set, for DescribeConfigs');
  assert.is(config.derived.numIoThreads, 2);
  assert.equal(
    config.warnings.map((w) => [w.kind, w.key, w.origin]),
    [['capped', 'num.io.threads', `file ${file}:2`]],
  );
  const report = describeConfig(config);
  const at = report.findIndex((l) => l.startsWith('Partition workers: '));
  assert.is(report[at], 'Partition workers: 2');
  assert.is(
    report[at + 1],
    `[WARN] num.io.threads=8 (file ${file}:2) asks for 8 partition workers, but 2 cores are available: running 2 partition workers. In Kafka the key counts request handler threads; in Spindle, partition workers.`,
  );
  assert.is(report.filter((l) => l.includes('num.io.threads=8')).length, 1, 'said once');
});

test('num.io.threads at or below the cores, or 0, runs as set without a warning', () => {
  for (const threads of ['0', '1', '2']) {
    const config = loadConfig({ cpuCount: 2, flags: { 'num.io.threads': threads } });
    assert.is(config.derived.numIoThreads, Number(threads));
    assert.equal(config.warnings, []);
  }
});

test('the effective configuration is frozen all the way down', () => {
  const config = loadConfig({ flags: { 'log.dirs': '/a,/b' } });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.values));
  assert.ok(Object.isFrozen(config.values['log.dirs']));
  assert.ok(Object.isFrozen(config.derived.listeners[0]));
  assert.throws(() => {
    (config.values as unknown as Record<string, unknown>)['num.partitions'] = 9;
  });
});

test('values are typed per key', () => {
  const config = loadConfig();
  const segmentBytes: number = config.values['log.segment.bytes'];
  const dirs: readonly string[] | null = config.values['log.dirs'];
  // @ts-expect-error log.retention.ms may be unset, so it is not a plain number
  const retention: number = config.values['log.retention.ms'];
  assert.is(segmentBytes, 1073741824);
  assert.is(dirs, null);
  assert.is(retention, null);
});

test('precedence is flag over environment over file over default, and each source is recorded', () => {
  const file = writeProps(['num.partitions=2', 'log.segment.bytes=2000000', 'log.retention.bytes=300', 'delete.topic.enable=false'].join('\n'));
  const config = loadConfig({
    file,
    env: { SPINDLE_LOG_SEGMENT_BYTES: '3000000', SPINDLE_LOG_RETENTION_BYTES: '400' },
    flags: { 'log.retention.bytes': '500' },
  });
  assert.is(config.values['delete.topic.enable'], false);
  assert.is(config.sources['delete.topic.enable'], 'file');
  assert.is(config.values['num.partitions'], 2);
  assert.is(config.origins['num.partitions'], `file ${file}:1`);
  assert.is(config.values['log.segment.bytes'], 3000000);
  assert.is(config.sources['log.segment.bytes'], 'env');
  assert.is(config.origins['log.segment.bytes'], 'env SPINDLE_LOG_SEGMENT_BYTES');
  assert.is(config.values['log.retention.bytes'], 500);
  assert.is(config.sources['log.retention.bytes'], 'flag');
  assert.is(config.values['queued.max.requests'], 500);
  assert.is(config.sources['queued.max.requests'], 'default');
});

test('embedded overrides stand in for a file, take typed values, and yield to environment and flags', () => {
  const config = loadConfig({
    overrides: { 'num.partitions': 4, 'auto.create.topics.enable': false, 'log.dirs': ['/x', '/y'], 'log.segment.bytes': '1048576' },
    env: { SPINDLE_NUM_PARTITIONS: '6' },
  });
  assert.is(config.values['num.partitions'], 6);
  assert.is(config.values['auto.create.topics.enable'], false);
  assert.is(config.sources['auto.create.topics.enable'], 'embedded');
  assert.equal(config.values['log.dirs'], ['/x', '/y']);
  assert.is(config.values['log.segment.bytes'], 1048576);
});

test('embedded overrides win over a file given alongside them', () => {
  const file = writeProps('num.partitions=2\nnum.io.threads=2');
  const config = loadConfig({ file, overrides: { 'num.partitions': 5 } });
  assert.is(config.values['num.partitions'], 5);
  assert.is(config.values['num.io.threads'], 2);
});

test('environment names are SPINDLE_ plus the key upper-cased with dots as underscores', () => {
  const config = loadConfig({
    env: {
      SPINDLE_LISTENERS: 'PLAINTEXT://127.0.0.1:19092',
      SPINDLE_LOG_DIRS: '/srv/spindle',
      SPINDLE_LOG_SEGMENT_BYTES: '1048576',
      SPINDLE_CONSOLE_LISTENER: 'none',
      PATH: '/usr/bin',
    },
  });
  assert.equal(config.derived.listeners.map((l) => l.port), [19092]);
  assert.equal(config.derived.logDirs, ['/srv/spindle']);
  assert.is(config.values['log.segment.bytes'], 1048576);
  assert.is(config.derived.consoleListener, null);
  assert.equal(config.warnings, []);
});

test('the environment is read only when passed in', () => {
  const before = process.env['SPINDLE_NUM_PARTITIONS'];
  process.env['SPINDLE_NUM_PARTITIONS'] = '9';
  try {
    assert.is(loadConfig().values['num.partitions'], 1);
    assert.is(loadConfig({ env: process.env }).values['num.partitions'], 9);
  } finally {
    if (before === undefined) delete process.env['SPINDLE_NUM_PARTITIONS'];
    else process.env['SPINDLE_NUM_PARTITIONS'] = before;
  }
});

test('a SPINDLE_ variable that maps to no key is warned about, with the closest name', () => {
  const config = loadConfig({
    env: {
      SPINDLE_LOG_SEGMENT_BYTE: '1',
      SPINDLE_WHATEVER_THIS_IS: 'x',
      SPINDLE_NOPE: '1',
      // The project's own variables, for the CLI, the benchmark and the tests: no warning.
      SPINDLE_BOOTSTRAP_SERVER: 'h:1',
      SPINDLE_BENCH_DIR: '/x',
      SPINDLE_REQUIRE_TOOLCHAINS: '1',
      SPINDLE_SCREENSHOT_DIR: '/y',
    },
  });
  assert.equal(
    config.warnings.map((w) => [w.kind, w.key, w.suggestion]),
    [
      ['unknown-env', 'SPINDLE_LOG_SEGMENT_BYTE', 'SPINDLE_LOG_SEGMENT_BYTES'],
      ['unknown-env', 'SPINDLE_WHATEVER_THIS_IS', null],
      ['unknown-env', 'SPINDLE_NOPE', null],
    ],
  );
  assert.match(config.warnings[0]!.message, 'did you mean SPINDLE_LOG_SEGMENT_BYTES?');
});

test('an unknown key is a warning with a suggestion, not an error', () => {
  const file = writeProps('log.segement.bytes=1048576\nnum_partitions=3\nretention.ms=1000\ncompletely.made.up=1');
  const config = loadConfig({ file });
  const byKey = Object.fromEntries(config.warnings.map((w) => [w.key, w]));
  assert.is(byKey['log.segement.bytes']?.suggestion, 'log.segment.bytes');
  assert.match(byKey['log.segement.bytes']!.message, `file ${file}:1`);
  assert.is(byKey['num_partitions']?.suggestion, 'num.partitions');
  assert.is(byKey['retention.ms']?.suggestion, 'log.retention.ms');
  assert.match(byKey['retention.ms']!.message, 'topic-level');
  assert.is(byKey['completely.made.up']?.suggestion, null);
  assert.is(config.values['log.segment.bytes'], 1073741824);
});

test('no-effect keys that were set are reported, and silent when left alone', () => {
  const config = loadConfig({ flags: { 'num.network.threads': '8', 'num.partitions': '2' } });
  assert.equal(
    config.warnings.map((w) => [w.kind, w.key]),
    [['no-effect', 'num.network.threads']],
  );
  assert.match(config.warnings[0]!.message, 'no effect');
});

test('a key given twice in a file is warned about and the later value wins', () => {
  const file = writeProps('num.partitions=2\nnum.partitions=7');
  const config = loadConfig({ file });
  assert.is(config.values['num.partitions'], 7);
  assert.equal(config.warnings.map((w) => [w.kind, w.origin]), [['duplicate-key', `file ${file}:1`]]);
});

test('a value of the wrong type is an error naming key, value, source and what is allowed', () => {
  const file = writeProps('# header\nlog.segment.bytes=big');
  const err = configError({ file });
  assert.is(err.key, 'log.segment.bytes');
  assert.is(err.value, 'big');
  assert.is(err.origin, `file ${file}:2`);
  assert.match(err.message, "'big'");
  assert.match(err.message, 'log.segment.bytes');
  assert.match(err.message, `${file}:2`);
  assert.match(err.message, 'an int of at least 14');
});

test('a value out of range is an error naming the environment variable it came from', () => {
  const err = configError({ env: { SPINDLE_NUM_PARTITIONS: '0' } });
  assert.is(err.key, 'num.partitions');
  assert.is(err.origin, 'env SPINDLE_NUM_PARTITIONS');
  assert.match(err.message, 'below the minimum 1');
});

test('a value outside the enum is an error listing the allowed values', () => {
  const err = configError({ flags: { 'compression.type': 'brotli' } });
  assert.is(err.origin, 'flag compression.type');
  assert.match(err.message, 'uncompressed, zstd, lz4, snappy, gzip, producer');
  const listErr = configError({ flags: { 'log.cleanup.policy': 'compact,shred' } });
  assert.match(listErr.message, "'shred'");
});

test('ints and longs are range-checked at 32 and 64 bits', () => {
  assert.match(configError({ flags: { 'num.partitions': '2147483648' } }).message, '32-bit');
  assert.match(configError({ flags: { 'log.retention.bytes': '9223372036854775808' } }).message, '64-bit');
  assert.is(loadConfig({ flags: { 'log.flush.interval.messages': '9223372036854775807' } }).values['log.flush.interval.messages'], 2 ** 63);
});

test('booleans accept true and false in any case and nothing else', () => {
  assert.is(loadConfig({ flags: { 'delete.topic.enable': ' FALSE ' } }).values['delete.topic.enable'], false);
  assert.match(configError({ flags: { 'delete.topic.enable': 'yes' } }).message, 'true or false');
});

test('embedded values of the wrong JavaScript type are refused', () => {
  assert.match(configError({ overrides: { 'num.partitions': 1.5 } }).message, 'not an int');
  assert.match(configError({ overrides: { 'delete.topic.enable': 'maybe' } }).message, 'not a boolean');
  assert.match(configError({ overrides: { 'log.dirs': 7 } }).message, 'not a list');
});

test('gzip level accepts -1 as well as 1 to 9', () => {
  assert.is(loadConfig({ flags: { 'compression.gzip.level': '-1' } }).values['compression.gzip.level'], -1);
  assert.is(loadConfig({ flags: { 'compression.gzip.level': '9' } }).values['compression.gzip.level'], 9);
  assert.match(configError({ flags: { 'compression.gzip.level': '0' } }).message, 'from 1 to 9, or -1');
});

test('retention in ms wins over minutes, which wins over hours', () => {
  const hours = loadConfig({ flags: { 'log.retention.hours': '2' } });
  assert.is(hours.derived.logRetentionMs, 2 * 3_600_000);
  const minutes = loadConfig({ flags: { 'log.retention.hours': '2', 'log.retention.minutes': '30' } });
  assert.is(minutes.derived.logRetentionMs, 30 * 60_000);
  const ms = loadConfig({ flags: { 'log.retention.hours': '2', 'log.retention.minutes': '30', 'log.retention.ms': '1234' } });
  assert.is(ms.derived.logRetentionMs, 1234);
});

test('any negative retention means no time limit', () => {
  assert.is(loadConfig({ flags: { 'log.retention.ms': '-1' } }).derived.logRetentionMs, -1);
  assert.is(loadConfig({ flags: { 'log.retention.hours': '-5' } }).derived.logRetentionMs, -1);
});

test('segment roll time and jitter take ms over hours', () => {
  const config = loadConfig({ flags: { 'log.roll.hours': '3', 'log.roll.jitter.hours': '1' } });
  assert.is(config.derived.logRollMs, 3 * 3_600_000);
  assert.is(config.derived.logRollJitterMs, 3_600_000);
  const ms = loadConfig({ flags: { 'log.roll.hours': '3', 'log.roll.ms': '60000', 'log.roll.jitter.ms': '10' } });
  assert.is(ms.derived.logRollMs, 60000);
  assert.is(ms.derived.logRollJitterMs, 10);
});

test('log.dirs wins over log.dir, and relative directories resolve against the working directory', () => {
  assert.equal(loadConfig({ cwd: '/w', flags: { 'log.dir': 'one' } }).derived.logDirs, ['/w/one']);
  assert.equal(loadConfig({ cwd: '/w', flags: { 'log.dir': 'one', 'log.dirs': '/abs, rel' } }).derived.logDirs, ['/abs', '/w/rel']);
  assert.match(configError({ cwd: '/w', flags: { 'log.dirs': 'a,./a' } }).message, 'listed twice');
});

test('node.id falls back to broker.id, and the two must agree when both are set', () => {
  assert.is(loadConfig({ flags: { 'broker.id': '7' } }).derived.nodeId, 7);
  assert.is(loadConfig({ flags: { 'node.id': '4', 'broker.id': '4' } }).derived.nodeId, 4);
  const err = configError({ flags: { 'node.id': '4', 'broker.id': '5' } });
  assert.is(err.key, 'node.id');
  assert.match(err.message, 'broker.id is 5');
});

test('listeners parse into name, host and port, with IPv6 and empty hosts', () => {
  const config = loadConfig({ flags: { listeners: 'plaintext://[::1]:9092,CLIENT://:0', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CLIENT:PLAINTEXT', 'advertised.listeners': 'PLAINTEXT://[::1]:9092,CLIENT://broker.example:0' } });
  assert.equal(
    config.derived.listeners.map((l) => [l.name, l.host, l.port]),
    [
      ['PLAINTEXT', '::1', 9092],
      ['CLIENT', '', 0],
    ],
  );
  assert.equal(config.derived.advertisedListeners.map((l) => [l.name, l.host]), [
    ['PLAINTEXT', '::1'],
    ['CLIENT', 'broker.example'],
  ]);
});

test('malformed listeners are refused with the item named', () => {
  const err = configError({ env: { SPINDLE_LISTENERS: 'PLAINTEXT://localhost' } });
  assert.is(err.origin, 'env SPINDLE_LISTENERS');
  assert.match(err.message, "'PLAINTEXT://localhost' is not NAME://host:port");
  assert.match(configError({ flags: { listeners: 'PLAINTEXT://h:70000' } }).message, 'not NAME://host:port');
  assert.match(configError({ flags: { listeners: 'A://h:1,a://h:2' } }).message, 'appears twice');
});

test('a listener without a security protocol is refused; each of the four protocols is taken, several listeners at once', () => {
  assert.match(configError({ flags: { listeners: 'CLIENT://h:1' } }).message, 'no security protocol');
  const c = loadConfig({
    flags: {
      listeners: 'PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093,SASL_PLAINTEXT://127.0.0.1:9094,CLIENT://127.0.0.1:9095',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,CLIENT:SASL_SSL',
    },
  });
  assert.equal(
    c.derived.listeners.map((l) => `${l.name}:${l.securityProtocol}`),
    ['PLAINTEXT:PLAINTEXT', 'SSL:SSL', 'SASL_PLAINTEXT:SASL_PLAINTEXT', 'CLIENT:SASL_SSL'],
  );
});

test("listener-scoped security keys, Kafka's listener.name.<l>.[<mechanism>.]<key>, are parsed by their key's rules and win over the broker-wide value", () => {
  const c = loadConfig({
    flags: {
      'ssl.client.auth': 'none',
      'listener.name.internal.ssl.client.auth': 'required',
      'listener.name.client.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.client.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
    },
  });
  assert.is(listenerValue(c, 'INTERNAL', 'ssl.client.auth'), 'required');
  assert.is(listenerValue(c, 'OTHER', 'ssl.client.auth'), 'none');
  assert.equal(listenerValue(c, 'CLIENT', 'sasl.enabled.mechanisms'), ['SCRAM-SHA-512', 'PLAIN']);
  assert.is(listenerValue(c, 'CLIENT', 'sasl.jaas.config', 'SCRAM-SHA-512'), 'org.apache.kafka.common.security.scram.ScramLoginModule required;');
  assert.is(listenerValue(c, 'CLIENT', 'sasl.jaas.config', 'PLAIN'), null);
  assert.ok(!c.warnings.some((w) => w.kind === 'unknown-key'), 'no key reported unknown');
  // Checked as the key itself is checked.
  assert.match(configError({ flags: { 'listener.name.internal.ssl.client.auth': 'sometimes' } }).message, "'listener.name.internal.ssl.client.auth'");
  // A key Kafka does not scope per listener stays unknown.
  const odd = loadConfig({ flags: { 'listener.name.client.log.retention.ms': '5' } });
  assert.ok(odd.warnings.some((w) => w.kind === 'unknown-key' && w.key === 'listener.name.client.log.retention.ms'));
});

test('listener-scoped keys from the environment: SPINDLE_LISTENER_NAME_<LISTENER>_[<MECHANISM>_]<KEY>', () => {
  const c = loadConfig({
    env: {
      SPINDLE_LISTENER_NAME_SASL_SSL_SCRAM_SHA_256_SASL_JAAS_CONFIG: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      SPINDLE_LISTENER_NAME_EXTERNAL_SSL_CLIENT_AUTH: 'requested',
    },
  });
  assert.is(listenerValue(c, 'SASL_SSL', 'sasl.jaas.config', 'SCRAM-SHA-256'), 'org.apache.kafka.common.security.scram.ScramLoginModule required;');
  assert.is(listenerValue(c, 'EXTERNAL', 'ssl.client.auth'), 'requested');
  assert.ok(!c.warnings.some((w) => w.kind === 'unknown-env'));
});

test('binding 0.0.0.0 needs advertised.listeners, as in Kafka', () => {
  assert.match(configError({ flags: { listeners: 'PLAINTEXT://0.0.0.0:9092' } }).message, 'advertised.listeners');
  const ok = loadConfig({ flags: { listeners: 'PLAINTEXT://0.0.0.0:9092', 'advertised.listeners': 'PLAINTEXT://10.0.0.5:9092' } });
  assert.is(ok.derived.advertisedListeners[0]!.host, '10.0.0.5');
  assert.match(configError({ flags: { 'advertised.listeners': 'OTHER://h:1' } }).message, 'not among the listeners');
});

test('two listeners on one port are refused', () => {
  const err = configError({ flags: { listeners: 'PLAINTEXT://a:9092,CLIENT://b:9092', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CLIENT:PLAINTEXT' } });
  assert.match(err.message, 'both use port 9092');
});

test("console.listener parses scheme, host and port, turns off with 'none', and may not take a broker port", () => {
  assert.equal(loadConfig({ flags: { 'console.listener': 'http://[::1]:8080' } }).derived.consoleListener, { scheme: 'http', host: '::1', port: 8080 });
  assert.equal(loadConfig({ flags: { 'console.listener': 'https://127.0.0.1' } }).derived.consoleListener, { scheme: 'https', host: '127.0.0.1', port: 443 });
  assert.is(loadConfig({ flags: { 'console.listener': 'none' } }).derived.consoleListener, null);
  assert.match(configError({ flags: { 'console.listener': 'ftp://h:1' } }).message, 'only http:// and https://');
  assert.match(configError({ flags: { 'console.listener': 'http://127.0.0.1:9092' } }).message, 'already taken by listener PLAINTEXT');
});

test('a min compaction lag above the max is refused', () => {
  const err = configError({ flags: { 'log.cleaner.min.compaction.lag.ms': '10', 'log.cleaner.max.compaction.lag.ms': '5' } });
  assert.is(err.key, 'log.cleaner.min.compaction.lag.ms');
});

test('every client listener is in the start-up report, each with its protocol and what it advertises', () => {
  const config = loadConfig({
    cwd: '/srv',
    flags: { listeners: 'PLAINTEXT://127.0.0.1:9092,CLIENT://127.0.0.1:29092', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CLIENT:SASL_SSL' },
  });
  const report = describeConfig(config).join('\n');
  assert.match(report, 'Listener PLAINTEXT (PLAINTEXT) on 127.0.0.1:9092, advertised as 127.0.0.1:9092');
  assert.match(report, 'Listener CLIENT (SASL_SSL) on 127.0.0.1:29092, advertised as 127.0.0.1:29092');
  assert.not.match(report, 'not opened');
});

test('a missing file is an error naming the file', () => {
  const err = configError({ file: join(dir, 'absent.properties') });
  assert.match(err.message, 'absent.properties');
});

test('the start-up report shows listeners, directories, non-default sources and ignored keys', () => {
  const file = writeProps('num.network.threads=5\nlog.segment.bytes=1048576\nssl.keystore.password=secret\nlog.retention.hour=1');
  const config = loadConfig({ file, cwd: '/srv', cpuCount: 3, env: { SPINDLE_NUM_PARTITIONS: '4' } });
  const report = describeConfig(config).join('\n');
  assert.match(report, `Configuration file: ${file}`);
  assert.match(report, 'Listener PLAINTEXT (PLAINTEXT) on 127.0.0.1:9092, advertised as 127.0.0.1:9092');
  assert.match(report, 'Data directories: /srv/data');
  assert.match(report, 'Partition workers: 2');
  assert.match(report, `  log.segment.bytes = 1048576  [file ${file}:2]`);
  assert.match(report, '  num.partitions = 4  [env SPINDLE_NUM_PARTITIONS]');
  assert.match(report, '  queued.max.requests = 500\n');
  assert.match(report, 'Set, but without effect in Spindle:');
  assert.match(report, `  num.network.threads = 5  [file ${file}:1]`);
  assert.match(report, 'ssl.keystore.password = [hidden]');
  assert.not.match(report, 'secret');
  assert.match(report, "did you mean 'log.retention.hours'?");
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
