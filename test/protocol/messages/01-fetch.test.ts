import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { Fetch } from '../../../src/protocol/messages/01-fetch.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/${path}`);

type Obj = Record<string, any>;

function decode(spec: StructSpec, version: number, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const value = compileStruct(spec, version, version >= 12).decode(r);
  r.ensureGood('message');
  assert.is(r.remaining, 0, 'every byte is consumed');
  return value;
}

function encode(spec: StructSpec, version: number, value: Obj): Buffer {
  const w = new Writer(64);
  compileStruct(spec, version, version >= 12).encode(w, value);
  return Buffer.from(w.finish());
}

/** Big-endian fixed-width integers and compact lengths, for frames written out by hand. */
const i8 = (v: number) => Buffer.from([v & 0xff]);
const i32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const i64 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
const uv = (v: number) => Buffer.from([v]); // every count and size below is under 128
const compactString = (s: string) => Buffer.concat([uv(Buffer.byteLength(s) + 1), Buffer.from(s)]);
const uuidBytes = (u: string) => Buffer.from(u.replace(/-/g, ''), 'hex');

const TOPIC_ID = '0c1f2e3d-4b5a-6978-8796-a5b4c3d2e1f0';
const DIR_ID = 'ffeeddcc-bbaa-9988-7766-554433221100';

test('Fetch round-trips every version from 4 to 17, request and response', () => {
  assert.is(Fetch.lowest, 4);
  assert.is(Fetch.highest, 17);
  assertRoundTrips(Fetch);
});

test('Fetch refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(Fetch);
});

test('a v4 request encoded by kafkajs decodes field for field, later fields at their defaults', async () => {
  const request = kafkajs('requests/fetch/v4/request.js')({
    replicaId: -1,
    maxWaitTime: 500,
    minBytes: 1,
    maxBytes: 10485760,
    isolationLevel: 1,
    topics: [{ topic: 'orders', partitions: [{ partition: 3, fetchOffset: '42', maxBytes: 1048576 }] }],
  });
  const value = decode(Fetch.request, 4, (await request.encode()).buffer);
  assert.is(value.replicaId, -1);
  assert.is(value.maxWaitMs, 500);
  assert.is(value.minBytes, 1);
  assert.is(value.maxBytes, 10485760);
  assert.is(value.isolationLevel, 1);
  assert.is(value.sessionId, 0);
  assert.is(value.sessionEpoch, -1);
  assert.is(value.rackId, '');
  assert.equal(value.forgottenTopicsData, []);
  assert.is(value.topics.length, 1);
  assert.is(value.topics[0].topic, 'orders');
  const p = value.topics[0].partitions[0];
  assert.is(p.partition, 3);
  assert.is(p.fetchOffset, 42);
  assert.is(p.partitionMaxBytes, 1048576);
  assert.is(p.currentLeaderEpoch, -1);
  assert.is(p.logStartOffset, -1);
});

test('a v11 request encoded by kafkajs carries its session, forgotten topics and rack', async () => {
  const request = kafkajs('requests/fetch/v11/request.js')({
    replicaId: -1,
    maxWaitTime: 100,
    minBytes: 1024,
    maxBytes: 52428800,
    isolationLevel: 0,
    sessionId: 77,
    sessionEpoch: 5,
    rackId: 'rack-b',
    forgottenTopics: [{ topic: 'old', partitions: [0, 2] }],
    topics: [
      {
        topic: 'events',
        partitions: [
          { partition: 0, currentLeaderEpoch: 9, fetchOffset: '1000', logStartOffset: '10', maxBytes: 65536 },
          { partition: 1, fetchOffset: '2000', maxBytes: 65536 },
        ],
      },
    ],
  });
  const value = decode(Fetch.request, 11, (await request.encode()).buffer);
  assert.is(value.sessionId, 77);
  assert.is(value.sessionEpoch, 5);
  assert.is(value.rackId, 'rack-b');
  assert.equal(value.forgottenTopicsData, [{ topic: 'old', topicId: '00000000-0000-0000-0000-000000000000', partitions: [0, 2] }]);
  const [first, second] = value.topics[0].partitions;
  assert.is(first.currentLeaderEpoch, 9);
  assert.is(first.fetchOffset, 1000);
  assert.is(first.logStartOffset, 10);
  assert.is(second.currentLeaderEpoch, -1);
  assert.is(second.fetchOffset, 2000);
});

async function recordBatch(): Promise<Buffer> {
  const Record = kafkajs('recordBatch/record/v0/index.js');
  const { RecordBatch } = kafkajs('recordBatch/v0/index.js');
  const batch = await RecordBatch({
    firstOffset: '100',
    firstTimestamp: 1700000000000,
    maxTimestamp: 1700000000001,
    lastOffsetDelta: 1,
    records: [
      Record({ offsetDelta: 0, key: Buffer.from('k1'), value: Buffer.from('hello') }),
      Record({ offsetDelta: 1, timestampDelta: 1, key: Buffer.from('k2'), value: Buffer.from('world') }),
    ],
  });
  return Buffer.from(batch.buffer);
}

test('a v11 response encoded here is read by kafkajs, record batch included', async () => {
  const bytes = encode(Fetch.response, 11, {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 77,
    responses: [
      {
        topic: 'events',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 102,
            lastStableOffset: 101,
            logStartOffset: 7,
            abortedTransactions: [{ producerId: 4000, firstOffset: 90 }],
            preferredReadReplica: 2,
            records: await recordBatch(),
          },
          {
            partitionIndex: 1,
            errorCode: 1,
            highWatermark: -1,
            lastStableOffset: -1,
            logStartOffset: -1,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: null,
          },
        ],
      },
    ],
  });
  const decoded = await kafkajs('requests/fetch/v11/response.js').decode(bytes);
  assert.is(decoded.sessionId, 77);
  assert.is(decoded.errorCode, 0);
  assert.is(decoded.responses[0].topicName, 'events');
  const [p0, p1] = decoded.responses[0].partitions;
  assert.is(p0.highWatermark, '102');
  assert.is(p0.lastStableOffset, '101');
  assert.is(p0.lastStartOffset, '7');
  assert.is(p0.preferredReadReplica, 2);
  assert.is(p0.abortedTransactions[0].producerId, '4000');
  assert.is(p0.abortedTransactions[0].firstOffset, '90');
  assert.equal(
    p0.messages.map((m: Obj) => [m.offset, m.key.toString(), m.value.toString()]),
    [
      ['100', 'k1', 'hello'],
      ['101', 'k2', 'world'],
    ],
  );
  assert.is(p1.errorCode, 1);
  assert.equal(p1.abortedTransactions, []);
  assert.equal(p1.messages, []);
});

test('a v4 response encoded here is read by kafkajs', async () => {
  const bytes = encode(Fetch.response, 4, {
    throttleTimeMs: 25,
    responses: [
      {
        topic: 'orders',
        partitions: [
          {
            partitionIndex: 3,
            errorCode: 0,
            highWatermark: 500,
            lastStableOffset: 480,
            abortedTransactions: [],
            records: await recordBatch(),
          },
        ],
      },
    ],
  });
  const decoded = await kafkajs('requests/fetch/v4/response.js').decode(bytes);
  assert.is(decoded.throttleTime, 25);
  const p = decoded.responses[0].partitions[0];
  assert.is(p.partition, 3);
  assert.is(p.highWatermark, '500');
  assert.is(p.lastStableOffset, '480');
  assert.is(p.messages.length, 2);
});

test('a v13 request names topics by id and carries the cluster id as tagged field 0', () => {
  const frame = Buffer.concat([
    i32(-1), // replicaId
    i32(500), // maxWaitMs
    i32(1), // minBytes
    i32(1 << 20), // maxBytes
    i8(0), // isolationLevel
    i32(0), // sessionId
    i32(-1), // sessionEpoch
    uv(2), // one topic
    uuidBytes(TOPIC_ID),
    uv(2), // one partition
    i32(4), // partition
    i32(6), // currentLeaderEpoch
    i64(1234), // fetchOffset
    i32(5), // lastFetchedEpoch
    i64(-1), // logStartOffset
    i32(65536), // partitionMaxBytes
    uv(0), // partition tags
    uv(0), // topic tags
    uv(2), // one forgotten topic
    uuidBytes(TOPIC_ID),
    uv(3), // two partitions
    i32(8),
    i32(9),
    uv(0), // forgotten topic tags
    compactString('r1'), // rackId
    uv(1), // one tag
    uv(0), // tag 0: clusterId
    uv(4),
    compactString('abc'),
  ]);
  const value = decode(Fetch.request, 13, frame);
  assert.is(value.clusterId, 'abc');
  assert.is(value.topics[0].topicId, TOPIC_ID);
  assert.is(value.topics[0].topic, '', 'the name is absent from version 13');
  assert.is(value.topics[0].partitions[0].lastFetchedEpoch, 5);
  assert.equal(value.forgottenTopicsData[0].partitions, [8, 9]);
  assert.is(value.forgottenTopicsData[0].topicId, TOPIC_ID);
  assert.ok(encode(Fetch.request, 13, value).equals(frame), 're-encodes to the same bytes');
});

test('from v15 the replica travels in tagged field 1 and from v17 a partition may name its directory', () => {
  const frame = Buffer.concat([
    i32(200), // maxWaitMs: replicaId is no longer a fixed field
    i32(1),
    i32(1 << 20),
    i8(0),
    i32(0),
    i32(-1),
    uv(2),
    uuidBytes(TOPIC_ID),
    uv(2),
    i32(0),
    i32(-1),
    i64(0),
    i32(-1),
    i64(0),
    i32(4096),
    uv(1), // one partition tag
    uv(0), // tag 0: replicaDirectoryId
    uv(16),
    uuidBytes(DIR_ID),
    uv(0),
    uv(1), // no forgotten topics
    uv(1), // empty rackId
    uv(1), // one tag
    uv(1), // tag 1: replicaState
    uv(13),
    i32(3),
    i64(88),
    uv(0), // the struct's own tags
  ]);
  const value = decode(Fetch.request, 17, frame);
  assert.is(value.replicaId, -1);
  assert.equal(value.replicaState, { replicaId: 3, replicaEpoch: 88 });
  assert.is(value.clusterId, null);
  assert.is(value.topics[0].partitions[0].replicaDirectoryId, DIR_ID);
  assert.ok(encode(Fetch.request, 17, value).equals(frame), 're-encodes to the same bytes');
  // The same bytes at v16 have no partition tag for a directory: it is kept as unknown.
  const v16 = decode(Fetch.request, 16, frame);
  assert.is(v16.topics[0].partitions[0].replicaDirectoryId, '00000000-0000-0000-0000-000000000000');
  assert.is(v16.topics[0].partitions[0]._unknownTaggedFields[0].tag, 0);
});

test('a v16 response puts the partition leader in tagged field 1 and node endpoints in top-level tag 0', () => {
  const frame = Buffer.concat([
    i32(0), // throttleTimeMs
    Buffer.from([0, 6]), // errorCode NOT_LEADER_OR_FOLLOWER
    i32(0), // sessionId
    uv(2),
    uuidBytes(TOPIC_ID),
    uv(2),
    i32(1), // partitionIndex
    Buffer.from([0, 6]), // errorCode
    i64(-1), // highWatermark
    i64(-1), // lastStableOffset
    i64(-1), // logStartOffset
    uv(0), // abortedTransactions: null
    i32(-1), // preferredReadReplica
    uv(0), // records: null
    uv(1), // one partition tag
    uv(1), // tag 1: currentLeader
    uv(9),
    i32(2),
    i32(14),
    uv(0), // the struct's own tags
    uv(0), // topic tags
    uv(1), // one top-level tag
    uv(0), // tag 0: nodeEndpoints
    uv(20),
    uv(2), // one endpoint
    i32(2),
    compactString('broker-2'),
    i32(9092),
    uv(0), // rack: null
    uv(0), // endpoint tags
  ]);
  const value = decode(Fetch.response, 16, frame);
  const p = value.responses[0].partitions[0];
  assert.is(value.responses[0].topicId, TOPIC_ID);
  assert.equal(p.currentLeader, { leaderId: 2, leaderEpoch: 14 });
  assert.equal(p.divergingEpoch, { epoch: -1, endOffset: -1 });
  assert.equal(p.snapshotId, { endOffset: -1, epoch: -1 });
  assert.is(p.abortedTransactions, null);
  assert.is(p.records, null);
  assert.equal(value.nodeEndpoints, [{ nodeId: 2, host: 'broker-2', port: 9092, rack: null }]);
  assert.ok(encode(Fetch.response, 16, value).equals(frame), 're-encodes to the same bytes');
});

test('a v12 partition with a diverging epoch and a snapshot id writes tags 0 and 2 in order', () => {
  const partition = {
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 10,
    lastStableOffset: 10,
    logStartOffset: 0,
    divergingEpoch: { epoch: 3, endOffset: 77 },
    snapshotId: { endOffset: 60, epoch: 2 },
    abortedTransactions: [],
    preferredReadReplica: -1,
    records: Buffer.alloc(0),
  };
  const bytes = encode(Fetch.response, 12, { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: 't', partitions: [partition] }] });
  // Each tagged struct ends with its own empty tag section, hence 4 + 8 + 1 bytes.
  const tags = Buffer.concat([uv(2), uv(0), uv(13), i32(3), i64(77), uv(0), uv(2), uv(13), i64(60), i32(2), uv(0)]);
  const tail = Buffer.concat([tags, uv(0), uv(0)]); // then the topic's and the response's empty tag sections
  assert.ok(bytes.subarray(bytes.length - tail.length).equals(tail), bytes.toString('hex'));
  const back = decode(Fetch.response, 12, bytes);
  assert.equal(back.responses[0].partitions[0].divergingEpoch, { epoch: 3, endOffset: 77 });
  assert.equal(back.responses[0].partitions[0].snapshotId, { endOffset: 60, epoch: 2 });
  assert.equal(back.responses[0].partitions[0].currentLeader, { leaderId: -1, leaderEpoch: -1 });
});

test.run();
