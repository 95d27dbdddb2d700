/**
 * The admin APIs at the versions and in the corners kafkajs does not reach, over a raw
 * connection with the project's codec: CreateTopics v5-7, DeleteTopics v6 by id,
 * IncrementalAlterConfigs, dynamic cluster-wide defaults, DescribeConfigs v0 and v3,
 * OffsetForLeaderEpoch, DeleteRecords errors, CreatePartitions checks, DescribeCluster, SASL,
 * and the ApiVersions advertisement.
 */
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import {
  ApiVersions,
  CreatePartitions,
  CreateTopics,
  DeleteRecords,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  IncrementalAlterConfigs,
  Metadata,
  OffsetForLeaderEpoch,
  SaslAuthenticate,
  SaslHandshake,
} from '../../../src/protocol/messages/index.js';
import type { RequestOf } from '../../../src/protocol/schema.js';
import { type RawClient, withRawClient } from '../../helpers/raw-client.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const SOURCE = { TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 };

type CreatableTopic = RequestOf<typeof CreateTopics>['topics'][number];

function topic(name: string, numPartitions = -1, more: Partial<CreatableTopic> = {}): CreatableTopic {
  return { name, numPartitions, replicationFactor: -1, assignments: [], configs: [], ...more };
}

async function withBroker(config: Record<string, unknown>, fn: (b: RunningBroker, c: RawClient) => Promise<void>): Promise<void> {
  const b = await startBroker({ port: 0, config: { 'num.io.threads': 0, 'offsets.topic.num.partitions': 1, ...config } });
  try {
    await withRawClient(b.bootstrap, (c) => fn(b, c));
  } finally {
    await b.close();
  }
}

/** Topics other than the internal ones the broker creates for itself. */
function userTopics(b: RunningBroker): string[] {
  return [...b.broker.topics.keys()].filter((name) => !name.startsWith('__'));
}

async function create(c: RawClient, topics: CreatableTopic[], version = 7, validateOnly = false) {
  return (await c.request(CreateTopics, version, { topics, timeoutMs: 5000, validateOnly })).topics;
}

async function produce(bootstrap: string, topicName: string, partition: number, count: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'raw-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: topicName, messages: Array.from({ length: count }, (_, i) => ({ partition, value: `v${i}` })) });
  await producer.disconnect();
}

async function describeTopic(c: RawClient, name: string, keys: string[] | null = null) {
  const r = await c.request(DescribeConfigs, 4, {
    resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  assert.is(r.results[0]!.errorCode, 0, `describe ${name}: ${r.results[0]!.errorMessage}`);
  return new Map(r.results[0]!.configs.map((e) => [e.name, e]));
}

async function incremental(c: RawClient, resourceType: number, resourceName: string, configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false) {
  const r = await c.request(IncrementalAlterConfigs, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly });
  return r.responses[0]!;
}

test('CreateTopics v7 answers the topic id, partition count, replication factor and every config with its source, sorted by name', () =>
  withBroker({ 'num.partitions': 3 }, async (b, c) => {
    const [t] = await create(c, [topic('fresh', -1, { configs: [{ name: 'retention.ms', value: '1000' }] })]);
    assert.is(t!.errorCode, 0);
    assert.is(t!.errorMessage, null);
    assert.is(t!.numPartitions, 3, 'num.partitions');
    assert.is(t!.replicationFactor, 1);
    assert.is(t!.topicId, b.broker.topics.get('fresh')!.meta.topicId);
    assert.is.not(t!.topicId, ZERO_UUID);
    const names = t!.configs!.map((x) => x.name);
    assert.equal(names, [...names].sort());
    const byName = new Map(t!.configs!.map((x) => [x.name, x]));
    assert.equal(byName.get('retention.ms'), { name: 'retention.ms', value: '1000', readOnly: false, configSource: SOURCE.TOPIC_CONFIG, isSensitive: false });
    assert.equal(byName.get('segment.bytes'), { name: 'segment.bytes', value: '1073741824', readOnly: false, configSource: SOURCE.DEFAULT_CONFIG, isSensitive: false });
    assert.is(b.broker.topics.get('fresh')!.partitions.length, 3);
  }),
);

test('CreateTopics v5 with validateOnly reports what would be created and creates nothing; v4 answers without the v5 fields', () =>
  withBroker({}, async (b, c) => {
    const [t] = await create(c, [topic('maybe', 4)], 5, true);
    assert.is(t!.errorCode, 0);
    assert.is(t!.numPartitions, 4);
    assert.is(t!.replicationFactor, 1);
    assert.ok(t!.configs!.length > 30);
    assert.is(t!.topicId, ZERO_UUID, 'no topic id before v7');
    assert.is(b.broker.topics.has('maybe'), false);
    const [v4] = await create(c, [topic('real', 2)], 4);
    assert.is(v4!.errorCode, 0);
    assert.is(v4!.numPartitions, -1);
    assert.equal(v4!.configs, []);
    assert.is(b.broker.topics.get('real')!.partitions.length, 2);
  }),
);

test('CreateTopics refuses a name given twice in one request for every copy, __cluster_metadata, and internal topics, creating the rest', () =>
  withBroker({}, async (b, c) => {
    const results = await create(c, [
      topic('twice'),
      topic('ok'),
      topic('twice'),
      topic('__cluster_metadata'),
      topic('__transaction_state'),
      topic('__consumer_offsets'),
    ]);
    assert.equal(
      results.map((r) => [r.name, r.errorCode, r.errorMessage]),
      [
        ['ok', 0, null],
        ['__transaction_state', ErrorCode.INVALID_REQUEST, 'Creation of internal topic __transaction_state is prohibited.'],
        ['__consumer_offsets', ErrorCode.INVALID_REQUEST, 'Creation of internal topic __consumer_offsets is prohibited.'],
        ['twice', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
        ['__cluster_metadata', ErrorCode.INVALID_REQUEST, 'Creation of internal topic __cluster_metadata is prohibited.'],
      ],
    );
    assert.equal(userTopics(b), ['ok']);
    assert.is(b.broker.topics.has('__transaction_state'), false);
  }),
);

test('CreateTopics checks manual assignments, counts and configs with Kafka messages', () =>
  withBroker({}, async (b, c) => {
    const assigned = (name: string, lists: [number, number[]][], more: Partial<CreatableTopic> = {}) =>
      topic(name, -1, { assignments: lists.map(([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds })), ...more });
    const results = await create(c, [
      assigned('manual', [
        [1, [1]],
        [0, [1]],
      ]),
      assigned('stranger', [[0, [2]]]),
      assigned('twice-listed', [[0, [1, 1]]]),
      assigned('gap', [
        [0, [1]],
        [2, [1]],
      ]),
      assigned('repeat', [
        [0, [1]],
        [0, [1]],
      ]),
      assigned('empty', [[0, []]]),
      assigned('counted', [[0, [1]]], { numPartitions: 1 }),
      topic('rf3', 1, { replicationFactor: 3 }),
      topic('zero', 0),
      topic('rf0', 1, { replicationFactor: 0 }),
      topic('null-config', 1, { configs: [{ name: 'retention.ms', value: null }] }),
    ]);
    const got = new Map(results.map((r) => [r.name, [r.errorCode, r.errorMessage]]));
    assert.equal(got.get('manual'), [0, null]);
    assert.is(b.broker.topics.get('manual')!.partitions.length, 2);
    assert.equal(got.get('stranger'), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes broker 2, but no such broker is registered.']);
    assert.equal(got.get('twice-listed'), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes the broker 1 more than once.']);
    assert.equal(got.get('gap'), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence']);
    assert.equal(got.get('repeat'), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Found multiple manual partition assignments for partition 0']);
    assert.equal(got.get('empty'), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.']);
    assert.equal(got.get('counted'), [ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.']);
    assert.equal(got.get('rf3'), [
      ErrorCode.INVALID_REPLICATION_FACTOR,
      'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.',
    ]);
    assert.equal(got.get('zero'), [ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.']);
    assert.equal(got.get('rf0'), [ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.']);
    assert.equal(got.get('null-config'), [ErrorCode.INVALID_CONFIG, 'Null value not supported for topic configs: retention.ms']);
    assert.equal(userTopics(b), ['manual']);
  }),
);

test('CreateTopics stops at 10,000 new partitions in one request with POLICY_VIOLATION', () =>
  withBroker({}, async (b, c) => {
    const results = await create(c, [topic('big', 10_001)], 7, true);
    assert.equal([results[0]!.errorCode, results[0]!.errorMessage], [ErrorCode.POLICY_VIOLATION, 'Unable to perform excessively large batch operation.']);
    assert.equal(userTopics(b), []);
  }),
);

test('DeleteTopics v6 deletes by topic id and answers name and id; unknown ids, name with id, and repeats are refused', () =>
  withBroker({}, async (b, c) => {
    await create(c, [topic('by-id'), topic('by-name'), topic('kept')]);
    const id = b.broker.topics.get('by-id')!.meta.topicId;
    const keptId = b.broker.topics.get('kept')!.meta.topicId;
    const unknownId = '0f0f0f0f-0000-4000-8000-000000000001';
    const r = await c.request(DeleteTopics, 6, {
      topics: [
        { name: null, topicId: id },
        { name: 'by-name', topicId: ZERO_UUID },
        { name: null, topicId: unknownId },
        { name: 'kept', topicId: keptId },
        { name: null, topicId: ZERO_UUID },
        { name: 'missing', topicId: ZERO_UUID },
      ],
      timeoutMs: 5000,
    });
    const rows = r.responses.map((x) => [x.name, x.topicId, x.errorCode, x.errorMessage]);
    const byNameId = b.broker.store.get('by-name');
    assert.is(byNameId, undefined);
    assert.ok(rows.some((x) => x[0] === 'by-id' && x[1] === id && x[2] === 0));
    assert.ok(rows.some((x) => x[0] === 'by-name' && x[1] !== ZERO_UUID && x[2] === 0));
    assert.ok(rows.some((x) => x[0] === null && x[1] === unknownId && x[2] === ErrorCode.UNKNOWN_TOPIC_ID));
    assert.ok(rows.some((x) => x[0] === 'kept' && x[2] === ErrorCode.INVALID_REQUEST && x[3] === 'You may not specify both topic name and topic id.'));
    assert.ok(rows.some((x) => x[0] === null && x[1] === ZERO_UUID && x[3] === 'Neither topic name nor id were specified.'));
    assert.ok(rows.some((x) => x[0] === 'missing' && x[2] === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    assert.is(r.responses.length, 6);
    assert.equal(userTopics(b), ['kept']);

    const twice = await c.request(DeleteTopics, 6, {
      topics: [
        { name: null, topicId: keptId },
        { name: 'kept', topicId: ZERO_UUID },
      ],
      timeoutMs: 5000,
    });
    assert.equal(
      twice.responses.map((x) => [x.name, x.errorCode, x.errorMessage]),
      [['kept', ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.']],
    );
    assert.ok(b.broker.topics.has('kept'));
  }),
);

test('DeleteTopics from v3 answers TOPIC_DELETION_DISABLED when delete.topic.enable is false', () =>
  withBroker({ 'delete.topic.enable': false }, async (b, c) => {
    await create(c, [topic('stays')]);
    const r = await c.request(DeleteTopics, 5, { topicNames: ['stays'], timeoutMs: 5000 });
    assert.equal(r.responses.map((x) => [x.name, x.errorCode]), [['stays', ErrorCode.TOPIC_DELETION_DISABLED]]);
    assert.ok(b.broker.topics.has('stays'));
  }),
);

test('IncrementalAlterConfigs sets, appends to, subtracts from and deletes topic configs, and the log follows', () =>
  withBroker({}, async (b, c) => {
    await create(c, [topic('inc')]);
    let r = await incremental(c, TOPIC, 'inc', [
      { name: 'retention.ms', configOperation: SET, value: '60000' },
      { name: 'cleanup.policy', configOperation: APPEND, value: 'compact' },
    ]);
    assert.is(r.errorCode, 0, r.errorMessage ?? '');
    assert.equal(b.broker.store.get('inc')!.configs, { 'retention.ms': '60000', 'cleanup.policy': 'delete,compact' });
    assert.equal(b.broker.topics.get('inc')!.logConfig.cleanupPolicy, ['delete', 'compact']);
    assert.is(b.broker.topics.get('inc')!.logConfig.retentionMs, 60000);

    r = await incremental(c, TOPIC, 'inc', [
      { name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' },
      { name: 'retention.ms', configOperation: DELETE, value: null },
    ]);
    assert.is(r.errorCode, 0, r.errorMessage ?? '');
    assert.equal(b.broker.store.get('inc')!.configs, { 'cleanup.policy': 'compact' });
    const described = await describeTopic(c, 'inc', ['cleanup.policy', 'retention.ms']);
    assert.is(described.get('cleanup.policy')!.value, 'compact');
    assert.is(described.get('retention.ms')!.configSource, SOURCE.DEFAULT_CONFIG);

    r = await incremental(c, TOPIC, 'inc', [{ name: 'retention.ms', configOperation: APPEND, value: '5' }]);
    assert.equal([r.errorCode, r.errorMessage], [ErrorCode.INVALID_CONFIG, "Can't APPEND to key retention.ms because its type is not LIST."]);
    r = await incremental(c, TOPIC, 'inc', [{ name: 'retention.ms', configOperation: 9, value: '5' }]);
    assert.equal([r.errorCode, r.errorMessage], [ErrorCode.INVALID_REQUEST, 'Unknown operations type 9']);
    r = await incremental(c, TOPIC, 'inc', [{ name: 'segment.bytes', configOperation: SET, value: '13' }]);
    assert.is(r.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(r.errorMessage ?? '', 'segment.bytes');
    r = await incremental(c, TOPIC, 'inc', [
      { name: 'segment.bytes', configOperation: SET, value: '1048576' },
      { name: 'segment.bytes', configOperation: SET, value: '2097152' },
    ]);
    assert.equal([r.errorCode, r.errorMessage], [ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys']);
    r = await incremental(c, TOPIC, 'inc', [{ name: 'segment.bytes', configOperation: SET, value: null }]);
    assert.equal([r.errorCode, r.errorMessage], [ErrorCode.INVALID_REQUEST, 'Null value not supported for : segment.bytes']);
    r = await incremental(c, TOPIC, 'inc', [{ name: 'segment.bytes', configOperation: SET, value: '1048576' }], true);
    assert.is(r.errorCode, 0);
    r = await incremental(c, TOPIC, 'absent', [{ name: 'segment.bytes', configOperation: SET, value: '1048576' }]);
    assert.is(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(b.broker.store.get('inc')!.configs, { 'cleanup.policy': 'compact' }, 'refused and validate-only changes left it alone');

    const both = await c.request(IncrementalAlterConfigs, 0, {
      resources: [
        { resourceType: TOPIC, resourceName: 'inc', configs: [{ name: 'retention.ms', configOperation: SET, value: '1' }] },
        { resourceType: TOPIC, resourceName: 'inc', configs: [{ name: 'retention.ms', configOperation: SET, value: '2' }] },
      ],
      validateOnly: false,
    });
    assert.equal(
      both.responses.map((x) => [x.errorCode, x.errorMessage]),
      [
        [ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
        [ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      ],
    );
  }),
);

test("a cluster-wide dynamic default is reported as DYNAMIC_DEFAULT_BROKER_CONFIG and yields to the node's own dynamic value", () =>
  withBroker({}, async (b, c) => {
    await create(c, [topic('layered')]);
    let r = await incremental(c, BROKER, '', [{ name: 'log.segment.bytes', configOperation: SET, value: '2097152' }]);
    assert.is(r.errorCode, 0, r.errorMessage ?? '');
    let seg = (await describeTopic(c, 'layered', ['segment.bytes'])).get('segment.bytes')!;
    assert.equal([seg.value, seg.configSource], ['2097152', SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG]);
    assert.is(b.broker.topics.get('layered')!.logConfig.segmentBytes, 2097152);

    const cluster = await c.request(DescribeConfigs, 4, {
      resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    assert.equal(
      cluster.results[0]!.configs.map((e) => [e.name, e.value, e.configSource, e.synonyms.map((s) => s.source)]),
      [['log.segment.bytes', '2097152', SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG, [SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG]]],
    );

    r = await incremental(c, BROKER, '1', [{ name: 'log.segment.bytes', configOperation: SET, value: '3145728' }]);
    assert.is(r.errorCode, 0, r.errorMessage ?? '');
    seg = (await describeTopic(c, 'layered', ['segment.bytes'])).get('segment.bytes')!;
    assert.equal([seg.value, seg.configSource], ['3145728', SOURCE.DYNAMIC_BROKER_CONFIG]);
    assert.equal(
      seg.synonyms.map((s) => [s.name, s.value, s.source]),
      [
        ['log.segment.bytes', '3145728', SOURCE.DYNAMIC_BROKER_CONFIG],
        ['log.segment.bytes', '2097152', SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG],
        ['log.segment.bytes', '1073741824', SOURCE.DEFAULT_CONFIG],
      ],
    );
    assert.is(b.broker.topics.get('layered')!.logConfig.segmentBytes, 3145728);

    r = await incremental(c, BROKER, '1', [{ name: 'log.segment.bytes', configOperation: DELETE, value: null }]);
    assert.is(r.errorCode, 0);
    assert.is(b.broker.topics.get('layered')!.logConfig.segmentBytes, 2097152, 'back to the cluster default');

    r = await incremental(c, BROKER, '1', [{ name: 'num.partitions', configOperation: SET, value: '4' }]);
    assert.equal([r.errorCode, r.errorMessage], [ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(num.partitions)']);
    r = await incremental(c, BROKER, '1', [{ name: 'log.cleaner.threads', configOperation: SET, value: '4' }]);
    assert.is(r.errorCode, ErrorCode.INVALID_REQUEST);
    assert.is(r.errorMessage, 'These configs can be updated dynamically in Kafka, but not in Spindle: Set(log.cleaner.threads)');
    r = await incremental(c, BROKER, '1', [{ name: 'no.such.key', configOperation: SET, value: '4' }]);
    assert.is(r.errorCode, ErrorCode.INVALID_REQUEST);
    r = await incremental(c, BROKER, '2', [{ name: 'log.segment.bytes', configOperation: SET, value: '4194304' }]);
    assert.equal([r.errorCode, r.errorMessage], [ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1, but received 2']);
    r = await incremental(c, BROKER, '1', [{ name: 'log.cleanup.policy', configOperation: APPEND, value: 'compact' }]);
    assert.is(r.errorCode, 0, r.errorMessage ?? '');
    assert.equal(b.broker.topics.get('layered')!.logConfig.cleanupPolicy, ['delete', 'compact']);
    r = await incremental(c, BROKER_LOGGER, '1', [{ name: 'kafka.server', configOperation: SET, value: 'DEBUG' }]);
    assert.equal([r.errorCode, r.errorMessage], [ErrorCode.INVALID_REQUEST, 'Unsupported resource type: BROKER_LOGGER']);
  }),
);

test("Kafka's per-broker SASL keys are kept and described as dynamic, and refused as cluster-wide defaults, as Kafka does", () =>
  withBroker({}, async (b, c) => {
    // librdkafka's admin test (0081) sets this one on a broker and expects success.
    let r = await incremental(c, BROKER, '1', [{ name: 'sasl.kerberos.min.time.before.relogin', configOperation: SET, value: '58000' }]);
    assert.is(r.errorCode, 0, r.errorMessage ?? '');
    const described = await c.request(DescribeConfigs, 4, {
      resources: [{ resourceType: BROKER, resourceName: '1', configurationKeys: ['sasl.kerberos.min.time.before.relogin', 'sasl.login.refresh.buffer.seconds'] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.equal(
      described.results[0]!.configs.map((e) => [e.name, e.value, e.configSource, e.readOnly]),
      [
        ['sasl.kerberos.min.time.before.relogin', '58000', SOURCE.DYNAMIC_BROKER_CONFIG, false],
        ['sasl.login.refresh.buffer.seconds', '300', SOURCE.DEFAULT_CONFIG, false],
      ],
    );
    r = await incremental(c, BROKER, '1', [{ name: 'sasl.login.refresh.buffer.seconds', configOperation: SET, value: '5000' }]);
    assert.is(r.errorCode, ErrorCode.INVALID_REQUEST, 'out of Kafka\'s range 0..3600, answered as every bad broker value is');
    r = await incremental(c, BROKER, '', [{ name: 'sasl.kerberos.min.time.before.relogin', configOperation: SET, value: '58000' }]);
    assert.equal(
      [r.errorCode, r.errorMessage],
      [ErrorCode.INVALID_REQUEST, 'Cannot update these configs at default cluster level, broker id must be specified: Set(sasl.kerberos.min.time.before.relogin)'],
    );
  }),
);

test('DescribeConfigs v3 gives config types and documentation when asked; v0 marks defaults; unknown resources are refused', () =>
  withBroker({}, async (b, c) => {
    await create(c, [topic('docs', 1, { configs: [{ name: 'retention.ms', value: '1000' }] })]);
    const v3 = await c.request(DescribeConfigs, 3, {
      resources: [{ resourceType: TOPIC, resourceName: 'docs', configurationKeys: ['retention.ms', 'cleanup.policy', 'min.cleanable.dirty.ratio'] }],
      includeSynonyms: false,
      includeDocumentation: true,
    });
    const byName = new Map(v3.results[0]!.configs.map((e) => [e.name, e]));
    assert.is(byName.get('retention.ms')!.configType, 5, 'LONG');
    assert.is(byName.get('cleanup.policy')!.configType, 7, 'LIST');
    assert.is(byName.get('min.cleanable.dirty.ratio')!.configType, 6, 'DOUBLE');
    assert.ok((byName.get('retention.ms')!.documentation ?? '').length > 10);
    assert.equal(byName.get('retention.ms')!.synonyms, []);

    const v0 = await c.request(DescribeConfigs, 0, { resources: [{ resourceType: TOPIC, resourceName: 'docs', configurationKeys: ['retention.ms', 'segment.bytes'] }] });
    const v0ByName = new Map(v0.results[0]!.configs.map((e) => [e.name, e]));
    assert.is(v0ByName.get('retention.ms')!.isDefault, false);
    assert.is(v0ByName.get('segment.bytes')!.isDefault, true);

    const bad = await c.request(DescribeConfigs, 4, {
      resources: [
        { resourceType: BROKER, resourceName: '7', configurationKeys: null },
        { resourceType: BROKER, resourceName: 'one', configurationKeys: null },
        { resourceType: BROKER_LOGGER, resourceName: '1', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'bad name', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'absent', configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.equal(
      bad.results.map((x) => [x.resourceName, x.errorCode, x.configs.length]),
      [
        ['7', ErrorCode.INVALID_REQUEST, 0],
        ['one', ErrorCode.INVALID_REQUEST, 0],
        ['1', ErrorCode.INVALID_REQUEST, 0],
        ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION, 0],
        ['absent', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
      ],
    );
    assert.is(bad.results[0]!.errorMessage, 'Unexpected broker id, expected 1 or empty string, but received 7');
    assert.is(bad.results[1]!.errorMessage, 'Broker id must be an integer, but it is: one');
    assert.is(b.broker.nodeId, 1);
  }),
);

test('OffsetForLeaderEpoch answers the log end offset for epoch 0 and UNDEFINED for later epochs; other current epochs are fenced or unknown', () =>
  withBroker({}, async (b, c) => {
    await create(c, [topic('epochs', 2)]);
    await produce(b.bootstrap, 'epochs', 0, 7);
    const ask = (version: number, partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[], name = 'epochs') =>
      c.request(OffsetForLeaderEpoch, version, { replicaId: -1, topics: [{ topic: name, partitions }] });
    const r = await ask(4, [
      { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
      { partition: 1, currentLeaderEpoch: -1, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: -1 },
      { partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: -5, leaderEpoch: 0 },
      { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
    ]);
    assert.equal(
      r.topics[0]!.partitions.map((p) => [p.partition, p.errorCode, p.leaderEpoch, p.endOffset]),
      [
        [0, 0, 0, 7],
        [1, 0, 0, 0],
        [0, 0, -1, -1],
        [0, 0, -1, -1],
        [0, ErrorCode.UNKNOWN_LEADER_EPOCH, -1, -1],
        [0, ErrorCode.FENCED_LEADER_EPOCH, -1, -1],
        [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1],
      ],
    );
    const v0 = await ask(0, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }]);
    assert.equal([v0.topics[0]!.partitions[0]!.errorCode, v0.topics[0]!.partitions[0]!.endOffset], [0, 7]);
    const missing = await ask(4, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }], 'nope');
    assert.is(missing.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }),
);

test('DeleteRecords answers the new low watermark, and refuses offsets past the high watermark, compacted topics and unknown partitions', () =>
  withBroker({}, async (b, c) => {
    await create(c, [topic('trim', 1), topic('compacted', 1, { configs: [{ name: 'cleanup.policy', value: 'compact' }] })]);
    await produce(b.bootstrap, 'trim', 0, 6);
    const del = (name: string, partitionIndex: number, offset: number) =>
      c.request(DeleteRecords, 2, { topics: [{ name, partitions: [{ partitionIndex, offset }] }], timeoutMs: 5000 }).then((r) => r.topics[0]!.partitions[0]!);
    assert.equal(await del('trim', 0, 2), { partitionIndex: 0, lowWatermark: 2, errorCode: 0 });
    assert.is(b.broker.partition('trim', 0)!.logStartOffset, 2);
    assert.equal(await del('trim', 0, 1), { partitionIndex: 0, lowWatermark: 2, errorCode: 0 }, 'below the start changes nothing');
    assert.equal(await del('trim', 0, 7), { partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    assert.equal(await del('trim', 0, -1), { partitionIndex: 0, lowWatermark: 6, errorCode: 0 });
    assert.equal(await del('trim', 3, 0), { partitionIndex: 3, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    assert.equal(await del('compacted', 0, 0), { partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.POLICY_VIOLATION });
  }),
);

test('CreatePartitions refuses repeats, unknown topics, assignment mismatches, and changes nothing with validateOnly', () =>
  withBroker({}, async (b, c) => {
    await create(c, [topic('parts', 1)]);
    const r = await c.request(CreatePartitions, 3, {
      topics: [
        { name: 'parts', count: 3, assignments: null },
        { name: 'parts', count: 4, assignments: null },
        { name: 'absent', count: 2, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(
      r.results.map((x) => [x.name, x.errorCode, x.errorMessage]),
      [
        ['parts', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
        ['absent', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null],
      ],
    );
    const mismatch = await c.request(CreatePartitions, 3, {
      topics: [{ name: 'parts', count: 3, assignments: [{ brokerIds: [1] }] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(
      [mismatch.results[0]!.errorCode, mismatch.results[0]!.errorMessage],
      [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.'],
    );
    const dry = await c.request(CreatePartitions, 3, { topics: [{ name: 'parts', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: true });
    assert.is(dry.results[0]!.errorCode, 0);
    assert.is(b.broker.topics.get('parts')!.partitions.length, 1);
    const smaller = await c.request(CreatePartitions, 0, { topics: [{ name: 'parts', count: 1, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assert.equal([smaller.results[0]!.errorCode, smaller.results[0]!.errorMessage], [ErrorCode.INVALID_PARTITIONS, 'Topic already has 1 partition(s).']);
  }),
);

test('DescribeCluster names this node as the only broker and the controller; a request for controllers is MISMATCHED_ENDPOINT_TYPE', () =>
  withBroker({}, async (b, c) => {
    const r = await c.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    assert.is(r.errorCode, 0);
    assert.is(r.clusterId, b.broker.clusterId);
    assert.is(r.controllerId, 1);
    assert.is(r.endpointType, 1);
    assert.equal(r.brokers, [{ brokerId: 1, host: '127.0.0.1', port: b.port, rack: null }]);
    // Kafka 4.4 without an authorizer answers 8096: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION,
    // DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE; the token operations are the user resource's.
    assert.is(r.clusterAuthorizedOperations, 8096);
    const v0 = await c.request(DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    assert.equal([v0.errorCode, v0.controllerId, v0.clusterAuthorizedOperations], [0, 1, -2147483648]);
    const controllers = await c.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    assert.is(controllers.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    assert.equal(controllers.brokers, []);
    const unknown = await c.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 5 });
    assert.is(unknown.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  }),
);

test('SaslHandshake and SaslAuthenticate answer ILLEGAL_SASL_STATE on a PLAINTEXT listener, and the connection stays usable', () =>
  withBroker({}, async (_b, c) => {
    for (const version of [0, 1]) {
      const h = await c.request(SaslHandshake, version, { mechanism: 'PLAIN' });
      assert.equal(h, { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    }
    const a = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\0user\0secret') });
    assert.is(a.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    assert.is(a.errorMessage, 'SaslAuthenticate request received after successful authentication');
    assert.is(a.authBytes.length, 0);
    const m = await c.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.is(m.brokers.length, 1);
  }),
);

test('ApiVersions advertises every admin API with its whole version range', () =>
  withBroker({}, async (_b, c) => {
    const r = await c.request(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const ranges = new Map(r.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    const expected: [number, number, number][] = [
      [17, 0, 1],
      [19, 0, 7],
      [20, 0, 6],
      [21, 0, 2],
      [23, 0, 4],
      [32, 0, 4],
      [33, 0, 2],
      [36, 0, 2],
      [37, 0, 3],
      [44, 0, 1],
      [60, 0, 1],
    ];
    for (const [key, min, max] of expected) assert.equal(ranges.get(key), [min, max], `API key ${key}`);
  }),
);

test.run();
