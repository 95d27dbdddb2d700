/**
 * The admin APIs against a real broker on 127.0.0.1, driven by kafkajs's admin client:
 * CreateTopics, CreatePartitions, DeleteTopics, DescribeConfigs, AlterConfigs (topic and broker,
 * before and after a restart), DeleteRecords, and the cluster view. Versions kafkajs does not
 * send are covered in admin-raw.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Admin, ConfigEntries, Kafka as KafkaClient } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { Metadata } from '../../../src/protocol/messages/index.js';
import { withRawClient } from '../../helpers/raw-client.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel, ConfigResourceTypes, ConfigSource } = require('kafkajs') as typeof import('kafkajs');

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

interface Session {
  broker: RunningBroker;
  kafka: KafkaClient;
  admin: Admin;
}

async function open(config: Record<string, unknown> = {}): Promise<Session> {
  const broker = await startBroker({ port: 0, config: { 'num.io.threads': 0, 'offsets.topic.num.partitions': 1, ...config } });
  const kafka = new Kafka({ clientId: 'admin-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  await admin.connect();
  return { broker, kafka, admin };
}

/** listTopics without the internal topics the broker creates for itself. */
async function userTopics(admin: Admin): Promise<string[]> {
  return (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort();
}

async function shut(s: Session): Promise<void> {
  await s.admin.disconnect();
  await s.broker.close();
}

async function withSession(config: Record<string, unknown>, fn: (s: Session) => Promise<void>): Promise<void> {
  const s = await open(config);
  try {
    await fn(s);
  } finally {
    await shut(s);
  }
}

/** The error types kafkajs reports for a failed call (an aggregate's parts, or the error itself). */
async function errorTypes(call: Promise<unknown>): Promise<string[]> {
  try {
    await call;
  } catch (e) {
    const err = e as { errors?: { type: string }[]; type?: string; name: string; originalError?: { type?: string } };
    if (err.errors) return err.errors.map((x) => x.type);
    return [err.originalError?.type ?? err.type ?? err.name];
  }
  throw new Error('the call succeeded');
}

async function topicConfigs(admin: Admin, topic: string, names?: string[]): Promise<Map<string, ConfigEntries>> {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, ...(names ? { configNames: names } : {}) }],
    includeSynonyms: true,
  });
  return new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
}

async function brokerConfigs(admin: Admin, names: string[]): Promise<Map<string, ConfigEntries>> {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: names }],
    includeSynonyms: true,
  });
  return new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
}

async function topicIdOf(bootstrap: string, topic: string): Promise<string> {
  return withRawClient(bootstrap, async (c) => {
    const r = await c.request(Metadata, 12, {
      topics: [{ topicId: ZERO_UUID, name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.is(r.topics[0]!.errorCode, 0, `metadata for ${topic}`);
    return r.topics[0]!.topicId;
  });
}

test('created topics appear in listTopics and fetchTopicMetadata with the partitions asked for, or num.partitions', () =>
  withSession({ 'num.partitions': 2 }, async ({ admin }) => {
    const created = await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }, { topic: 'events' }] });
    assert.is(created, true);
    assert.equal(await userTopics(admin), ['events', 'orders']);
    const { topics } = await admin.fetchTopicMetadata({ topics: ['orders', 'events'] });
    const byName = new Map(topics.map((t) => [t.name, t]));
    assert.is(byName.get('orders')!.partitions.length, 3);
    assert.is(byName.get('events')!.partitions.length, 2);
    for (const p of byName.get('orders')!.partitions) {
      assert.is(p.leader, 1);
      assert.equal(p.replicas, [1]);
      assert.equal(p.isr, [1]);
    }
  }),
);

test('validateOnly checks a topic and creates nothing', () =>
  withSession({}, async ({ admin, broker }) => {
    // waitForLeaders would ask for metadata of the topic that was not created.
    const ok = await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'dry-run', numPartitions: 4 }] });
    assert.is(ok, true);
    assert.equal(await userTopics(admin), []);
    assert.is(broker.broker.store.get('dry-run'), undefined);
    assert.equal(
      await errorTypes(admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'dry-run', numPartitions: 0 }] })),
      ['INVALID_PARTITIONS'],
    );
  }),
);

test('bad names, bad configs, colliding names and impossible replication factors are refused with Kafka codes; an existing topic is reported', () =>
  withSession({}, async ({ admin }) => {
    assert.equal(await errorTypes(admin.createTopics({ topics: [{ topic: 'has space' }] })), ['INVALID_TOPIC_EXCEPTION']);
    assert.equal(await errorTypes(admin.createTopics({ topics: [{ topic: 'x'.repeat(250) }] })), ['INVALID_TOPIC_EXCEPTION']);
    assert.equal(await errorTypes(admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] })), ['INVALID_CONFIG']);
    assert.equal(await errorTypes(admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'retention.mss', value: '1' }] }] })), ['INVALID_CONFIG']);
    assert.equal(await errorTypes(admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'log.retention.ms', value: '1' }] }] })), ['INVALID_CONFIG']);
    assert.equal(await errorTypes(admin.createTopics({ topics: [{ topic: 'rf', replicationFactor: 3 }] })), ['INVALID_REPLICATION_FACTOR']);
    assert.equal(await errorTypes(admin.createTopics({ topics: [{ topic: '__transaction_state' }] })), ['INVALID_REQUEST']);
    assert.equal(await userTopics(admin), []);

    assert.is(await admin.createTopics({ topics: [{ topic: 'a_b' }] }), true);
    assert.is(await admin.createTopics({ topics: [{ topic: 'a_b' }] }), false, 'TOPIC_ALREADY_EXISTS makes kafkajs answer false');
    assert.equal(await errorTypes(admin.createTopics({ topics: [{ topic: 'a.b' }] })), ['INVALID_TOPIC_EXCEPTION']);
    assert.equal(await userTopics(admin), ['a_b']);
  }),
);

test('createPartitions raises the partition count; the same or a smaller count is INVALID_PARTITIONS', () =>
  withSession({}, async ({ admin }) => {
    await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 2 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 5 }] });
    const { topics } = await admin.fetchTopicMetadata({ topics: ['grow'] });
    assert.equal(topics[0]!.partitions.map((p) => p.partitionId).sort(), [0, 1, 2, 3, 4]);
    assert.equal(await errorTypes(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 5 }] })), ['INVALID_PARTITIONS']);
    assert.equal(await errorTypes(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] })), ['INVALID_PARTITIONS']);
    assert.equal(await errorTypes(admin.createPartitions({ topicPartitions: [{ topic: 'nope', count: 3 }] })), ['UNKNOWN_TOPIC_OR_PARTITION']);
    assert.equal(await errorTypes(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 6, assignments: [[7]] }] })), ['INVALID_REPLICA_ASSIGNMENT']);
    await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 6, assignments: [[1]] }] });
    const after = await admin.fetchTopicMetadata({ topics: ['grow'] });
    assert.is(after.topics[0]!.partitions.length, 6);
  }),
);

test('deleteTopics removes a topic and its data; the same name created again gets a new topic id', () =>
  withSession({}, async ({ admin, broker }) => {
    await admin.createTopics({ topics: [{ topic: 'gone', numPartitions: 2 }] });
    const firstId = await topicIdOf(broker.bootstrap, 'gone');
    const dir = broker.broker.config.derived.logDirs[0]!;
    assert.ok(existsSync(join(dir, 'gone-0')));
    await admin.deleteTopics({ topics: ['gone'] });
    assert.equal(await userTopics(admin), []);
    assert.not.ok(existsSync(join(dir, 'gone-0')));
    // kafkajs retries UNKNOWN_TOPIC_OR_PARTITION and then reports only its message.
    const again = await admin.deleteTopics({ topics: ['gone'] }).then(() => undefined, (e: Error) => e);
    assert.is(again?.message, 'This server does not host this topic-partition');

    await admin.createTopics({ topics: [{ topic: 'gone' }] });
    const secondId = await topicIdOf(broker.bootstrap, 'gone');
    assert.is.not(secondId, firstId);
    assert.is.not(secondId, ZERO_UUID);
  }),
);

test('deleteTopics is refused when delete.topic.enable is false (INVALID_REQUEST before v3, which kafkajs sends), and keeps the topic', () =>
  withSession({ 'delete.topic.enable': false }, async ({ admin }) => {
    await admin.createTopics({ topics: [{ topic: 'kept' }] });
    assert.equal(await errorTypes(admin.deleteTopics({ topics: ['kept'] })), ['INVALID_REQUEST']);
    assert.equal(await userTopics(admin), ['kept']);
  }),
);

test('describeConfigs on a topic reports overrides as TOPIC_CONFIG and the rest from the broker or the default, with synonyms', () =>
  withSession({ 'log.retention.hours': 2 }, async ({ admin }) => {
    await admin.createTopics({ topics: [{ topic: 'described', configEntries: [{ name: 'segment.bytes', value: '1048576' }] }] });
    const all = await topicConfigs(admin, 'described');
    assert.ok(all.size >= 30, `every topic config is listed (${all.size})`);
    const segment = all.get('segment.bytes')!;
    assert.is(segment.configValue, '1048576');
    assert.is(segment.configSource, ConfigSource.TOPIC_CONFIG);
    assert.is(segment.readOnly, false);
    assert.equal(
      segment.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]),
      [
        ['segment.bytes', '1048576', ConfigSource.TOPIC_CONFIG],
        ['log.segment.bytes', '1073741824', ConfigSource.DEFAULT_CONFIG],
      ],
    );
    const retention = all.get('retention.ms')!;
    assert.is(retention.configValue, String(2 * 3_600_000));
    assert.is(retention.configSource, ConfigSource.STATIC_BROKER_CONFIG);
    assert.is(retention.configSynonyms[0]!.configName, 'log.retention.hours');
    assert.is(all.get('cleanup.policy')!.configValue, 'delete');
    assert.is(all.get('cleanup.policy')!.configSource, ConfigSource.DEFAULT_CONFIG);

    const two = await topicConfigs(admin, 'described', ['retention.ms', 'no.such.config']);
    assert.equal([...two.keys()], ['retention.ms']);
    assert.equal(await errorTypes(topicConfigs(admin, 'missing')), ['UNKNOWN_TOPIC_OR_PARTITION']);
  }),
);

test('describeConfigs on the broker reports each key with its source, read-only unless it can change at run time, passwords hidden', () =>
  withSession({ 'num.partitions': 3 }, async ({ admin }) => {
    const c = await brokerConfigs(admin, ['num.partitions', 'log.retention.ms', 'log.retention.hours', 'log.segment.bytes', 'ssl.keystore.password']);
    assert.is(c.get('num.partitions')!.configValue, '3');
    assert.is(c.get('num.partitions')!.configSource, ConfigSource.STATIC_BROKER_CONFIG);
    assert.is(c.get('num.partitions')!.readOnly, true);
    assert.is(c.get('log.segment.bytes')!.configSource, ConfigSource.DEFAULT_CONFIG);
    assert.is(c.get('log.segment.bytes')!.readOnly, false);
    assert.is(c.get('log.retention.ms')!.configValue, null, 'unset, as in Kafka');
    assert.is(c.get('log.retention.ms')!.readOnly, false);
    assert.is(c.get('log.retention.hours')!.configValue, '168');
    assert.is(c.get('log.retention.hours')!.readOnly, true, 'Kafka changes only log.retention.ms at run time');
    assert.is(c.get('ssl.keystore.password')!.isSensitive, true);
    assert.is(c.get('ssl.keystore.password')!.configValue, null);
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }], includeSynonyms: false });
    assert.ok(resources[0]!.configEntries.length > 150, 'every broker key is listed');
  }),
);

test("alterConfigs replaces a topic's overrides, refuses bad values, and the overrides survive a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-admin-'));
  let s = await open({ 'log.dirs': dir, 'num.io.threads': 1 });
  try {
    await s.admin.createTopics({
      topics: [{ topic: 'tuned', configEntries: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'compact' }] }],
    });
    await s.admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'tuned', configEntries: [{ name: 'segment.bytes', value: '1048576' }] }] });
    const check = async (when: string) => {
      const c = await topicConfigs(s.admin, 'tuned', ['segment.bytes', 'retention.ms', 'cleanup.policy']);
      assert.is(c.get('segment.bytes')!.configValue, '1048576', when);
      assert.is(c.get('segment.bytes')!.configSource, ConfigSource.TOPIC_CONFIG, when);
      assert.is(c.get('retention.ms')!.configValue, '604800000', `${when}: the old override is gone`);
      assert.is(c.get('retention.ms')!.configSource, ConfigSource.DEFAULT_CONFIG, when);
      assert.is(c.get('cleanup.policy')!.configValue, 'delete', when);
      assert.is(s.broker.broker.topics.get('tuned')!.logConfig.segmentBytes, 1048576, `${when}: the log runs with it`);
    };
    await check('after alterConfigs');
    const refused = await errorTypes(
      s.admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'tuned', configEntries: [{ name: 'segment.bytes', value: '10' }] }] }),
    );
    assert.equal(refused, ['INVALID_CONFIG']);
    assert.equal(
      await errorTypes(s.admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'other', configEntries: [{ name: 'segment.bytes', value: '1048576' }] }] })),
      ['UNKNOWN_TOPIC_OR_PARTITION'],
    );
    await s.admin.alterConfigs({
      validateOnly: true,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'tuned', configEntries: [{ name: 'segment.bytes', value: '2097152' }] }],
    });
    await check('after refused and validate-only changes');
    await shut(s);
    s = await open({ 'log.dirs': dir, 'num.io.threads': 1 });
    await check('after a restart');
  } finally {
    await shut(s);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a dynamic broker config reaches topics without an override, is reported as DYNAMIC_BROKER_CONFIG, and survives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-admin-'));
  let s = await open({ 'log.dirs': dir, 'num.io.threads': 1 });
  try {
    await s.admin.createTopics({ topics: [{ topic: 'plain' }, { topic: 'own', configEntries: [{ name: 'retention.ms', value: '5000' }] }] });
    await s.admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.retention.ms', value: '3600000' }] }] });
    const file = join(dir, '__spindle_metadata', 'broker-configs.json');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).nodes['1'], { 'log.retention.ms': '3600000' });
    const check = async (when: string) => {
      const plain = (await topicConfigs(s.admin, 'plain', ['retention.ms'])).get('retention.ms')!;
      assert.is(plain.configValue, '3600000', when);
      assert.is(plain.configSource, ConfigSource.DYNAMIC_BROKER_CONFIG, when);
      assert.equal(plain.configSynonyms[0], { configName: 'log.retention.ms', configValue: '3600000', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG }, when);
      const own = (await topicConfigs(s.admin, 'own', ['retention.ms'])).get('retention.ms')!;
      assert.is(own.configValue, '5000', when);
      assert.is(own.configSource, ConfigSource.TOPIC_CONFIG, when);
      const b = (await brokerConfigs(s.admin, ['log.retention.ms'])).get('log.retention.ms')!;
      assert.is(b.configValue, '3600000', when);
      assert.is(b.configSource, ConfigSource.DYNAMIC_BROKER_CONFIG, when);
      assert.is(s.broker.broker.topics.get('plain')!.logConfig.retentionMs, 3_600_000, `${when}: the log runs with it`);
      assert.is(s.broker.broker.topics.get('own')!.logConfig.retentionMs, 5000, when);
    };
    await check('after alterConfigs');
    assert.equal(
      await errorTypes(s.admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.dirs', value: '/elsewhere' }] }] })),
      ['INVALID_REQUEST'],
    );
    assert.equal(
      await errorTypes(s.admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.retention.ms', value: 'soon' }] }] })),
      ['INVALID_REQUEST'],
    );
    await check('after refused changes');
    await shut(s);
    s = await open({ 'log.dirs': dir, 'num.io.threads': 1 });
    await check('after a restart');

    // AlterConfigs replaces the whole set: sending none removes the dynamic value again.
    await s.admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [] }] });
    const plain = (await topicConfigs(s.admin, 'plain', ['retention.ms'])).get('retention.ms')!;
    assert.is(plain.configValue, '604800000');
    assert.is(plain.configSource, ConfigSource.DEFAULT_CONFIG);
    assert.is(s.broker.broker.topics.get('plain')!.logConfig.retentionMs, 604_800_000);
  } finally {
    await shut(s);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deleteTopicRecords moves the low watermark that fetchTopicOffsets reports', () =>
  withSession({}, async ({ admin, kafka }) => {
    await admin.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'trimmed', messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}` })) });
    await producer.disconnect();
    // kafkajs finds the leaders in metadata it does not refresh by itself here.
    await admin.fetchTopicMetadata({ topics: ['trimmed'] });

    await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '4' }] });
    let offsets = await admin.fetchTopicOffsets('trimmed');
    assert.equal(offsets.find((o) => o.partition === 0), { partition: 0, offset: '10', high: '10', low: '4' });
    assert.equal(offsets.find((o) => o.partition === 1), { partition: 1, offset: '0', high: '0', low: '0' });

    await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '-1' }] });
    offsets = await admin.fetchTopicOffsets('trimmed');
    assert.is(offsets.find((o) => o.partition === 0)!.low, '10', 'offset -1 means the high watermark');

    const e = await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '50' }] }).then(
      () => undefined,
      (err: { cause?: { partitions?: { error: { type: string } }[] } }) => err,
    );
    assert.is(e?.cause?.partitions?.[0]?.error.type, 'OFFSET_OUT_OF_RANGE', 'beyond the high watermark');
  }),
);

test('the cluster is this one node, broker and controller', () =>
  withSession({}, async ({ admin, broker }) => {
    const cluster = await admin.describeCluster();
    assert.is(cluster.controller, 1);
    assert.is(cluster.clusterId, broker.broker.clusterId);
    assert.equal(cluster.brokers, [{ nodeId: 1, host: '127.0.0.1', port: broker.port }]);
  }),
);

test.run();
