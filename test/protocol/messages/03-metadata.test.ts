import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { Metadata } from '../../../src/protocol/messages/03-metadata.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/metadata/${path}`);

type Obj = Record<string, any>;

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const TOPIC_ID = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';

function decode(spec: StructSpec, version: number, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const value = compileStruct(spec, version, inVersions(Metadata.flexible, version)).decode(r);
  r.ensureGood('message');
  assert.is(r.remaining, 0, 'every byte is consumed');
  return value;
}

function encode(spec: StructSpec, version: number, value: Obj): Buffer {
  const w = new Writer(64);
  compileStruct(spec, version, inVersions(Metadata.flexible, version)).encode(w, value);
  return Buffer.from(w.finish());
}

const brokers = [
  { nodeId: 1, host: 'kafka-1', port: 9092, rack: 'az-a' },
  { nodeId: 2, host: 'kafka-2', port: 9093, rack: null },
];
const topics = [
  {
    errorCode: 0,
    name: 'orders',
    topicId: TOPIC_ID,
    isInternal: false,
    partitions: [
      { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 3, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2] },
    ],
    topicAuthorizedOperations: 0x0ff8,
  },
  { errorCode: 0, name: '__consumer_offsets', topicId: ZERO_UUID, isInternal: true, partitions: [], topicAuthorizedOperations: 0 },
];

test('Metadata round-trips every version, request and response', () => {
  assert.is(Metadata.lowest, 0);
  assert.is(Metadata.highest, 12);
  assertRoundTrips(Metadata);
});

test('Metadata refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(Metadata);
});

test('a v0 request encoded by kafkajs as a list of names decodes as topics with names', async () => {
  const request = kafkajs('v0/request.js')({ topics: ['orders', 'payments'] });
  const value = decode(Metadata.request, 0, (await request.encode()).buffer);
  assert.equal(value.topics, [
    { topicId: ZERO_UUID, name: 'orders' },
    { topicId: ZERO_UUID, name: 'payments' },
  ]);
  assert.is(value.allowAutoTopicCreation, true, 'absent before v4, at its default');
});

test('a v4 request from kafkajs asking for all topics arrives as a null topic list', async () => {
  const request = kafkajs('v4/request.js')({ topics: [], allowAutoTopicCreation: false });
  const value = decode(Metadata.request, 4, (await request.encode()).buffer);
  assert.is(value.topics, null);
  assert.is(value.allowAutoTopicCreation, false);
});

test('a v0 request cannot carry a null topic list', () => {
  assert.throws(() => encode(Metadata.request, 0, { topics: null }), /not nullable/);
});

test('a v0 response encoded here is read by kafkajs', async () => {
  const decoded = await kafkajs('v0/response.js').decode(encode(Metadata.response, 0, { brokers, topics }));
  assert.equal(decoded.brokers, [
    { nodeId: 1, host: 'kafka-1', port: 9092 },
    { nodeId: 2, host: 'kafka-2', port: 9093 },
  ]);
  assert.is(decoded.topicMetadata[0].topic, 'orders');
  assert.equal(decoded.topicMetadata[0].partitionMetadata, [
    { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1, 2], isr: [1] },
  ]);
  assert.is(decoded.topicMetadata[1].topic, '__consumer_offsets');
});

test('v1 and v5 responses encoded here give kafkajs racks, controller, cluster id and offline replicas', async () => {
  const v1 = await kafkajs('v1/response.js').decode(encode(Metadata.response, 1, { brokers, controllerId: 2, topics }));
  assert.is(v1.controllerId, 2);
  assert.is(v1.brokers[0].rack, 'az-a');
  assert.is(v1.brokers[1].rack, null);
  assert.is(v1.topicMetadata[1].isInternal, true);
  const v5 = await kafkajs('v5/response.js').decode(
    encode(Metadata.response, 5, { throttleTimeMs: 7, brokers, clusterId: 'cluster-x', controllerId: 1, topics }),
  );
  assert.is(v5.throttleTime, 7);
  assert.is(v5.clusterId, 'cluster-x');
  assert.is(v5.controllerId, 1);
  assert.equal(v5.topicMetadata[0].partitionMetadata[0].offlineReplicas, [2]);
});

test('cluster authorized operations travel only in versions 8 to 10', () => {
  const value = { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [], clusterAuthorizedOperations: 0x1234 };
  for (const [version, present] of [
    [7, false],
    [8, true],
    [10, true],
    [11, false],
  ] as const) {
    const bytes = encode(Metadata.response, version, value);
    const back = decode(Metadata.response, version, bytes);
    assert.is(back.clusterAuthorizedOperations, present ? 0x1234 : -2147483648, `v${version}`);
  }
  const request = { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true };
  assert.is(encode(Metadata.request, 10, request).length, 1 + 3 + 1, 'v10: null topics, three bools, tags');
  assert.is(encode(Metadata.request, 11, request).length, 1 + 2 + 1, 'v11: the cluster flag is gone');
});

test('a v12 response may name a topic by id alone, with a null name', () => {
  const frame = Buffer.concat([
    Buffer.from('00000000', 'hex'), // throttleTimeMs
    Buffer.from('01', 'hex'), // no brokers
    Buffer.from('00', 'hex'), // clusterId: null
    Buffer.from('ffffffff', 'hex'), // controllerId -1
    Buffer.from('02', 'hex'), // one topic
    Buffer.from('0064', 'hex'), // errorCode UNKNOWN_TOPIC_ID (100)
    Buffer.from('00', 'hex'), // name: null
    Buffer.from(TOPIC_ID.replace(/-/g, ''), 'hex'),
    Buffer.from('00', 'hex'), // isInternal
    Buffer.from('01', 'hex'), // no partitions
    Buffer.from('80000000', 'hex'), // topicAuthorizedOperations
    Buffer.from('00', 'hex'), // topic tags
    Buffer.from('00', 'hex'), // response tags
  ]);
  const value = decode(Metadata.response, 12, frame);
  assert.is(value.topics[0].errorCode, 100);
  assert.is(value.topics[0].name, null);
  assert.is(value.topics[0].topicId, TOPIC_ID);
  assert.ok(encode(Metadata.response, 12, value).equals(frame));
  assert.throws(() => encode(Metadata.response, 11, value), /not nullable/, 'a null name needs v12');
});

test.run();
