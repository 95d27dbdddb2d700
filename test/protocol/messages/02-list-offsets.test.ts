import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { ListOffsets } from '../../../src/protocol/messages/02-list-offsets.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/listOffsets/${path}`);

type Obj = Record<string, any>;

function decode(spec: StructSpec, version: number, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const value = compileStruct(spec, version, inVersions(ListOffsets.flexible, version)).decode(r);
  r.ensureGood('message');
  assert.is(r.remaining, 0, 'every byte is consumed');
  return value;
}

function encode(spec: StructSpec, version: number, value: Obj): Buffer {
  const w = new Writer(64);
  compileStruct(spec, version, inVersions(ListOffsets.flexible, version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('ListOffsets round-trips every version, request and response', () => {
  assert.is(ListOffsets.lowest, 0);
  assert.is(ListOffsets.highest, 9);
  assertRoundTrips(ListOffsets);
});

test('ListOffsets refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(ListOffsets);
});

test('a v0 request encoded by kafkajs carries maxNumOffsets, which later versions lack', async () => {
  const request = kafkajs('v0/request.js')({
    replicaId: -1,
    topics: [{ topic: 'orders', partitions: [{ partition: 2, timestamp: -2, maxNumOffsets: 5 }] }],
  });
  const value = decode(ListOffsets.request, 0, (await request.encode()).buffer);
  assert.is(value.replicaId, -1);
  assert.is(value.isolationLevel, 0);
  assert.equal(value.topics, [
    { name: 'orders', partitions: [{ partitionIndex: 2, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 5 }] },
  ]);
});

test('v1 and v2 requests encoded by kafkajs decode, the isolation level from v2', async () => {
  const topics = [{ topic: 'events', partitions: [{ partition: 0, timestamp: 1700000000000 }, { partition: 1 }] }];
  const v1 = decode(ListOffsets.request, 1, (await kafkajs('v1/request.js')({ replicaId: -1, topics }).encode()).buffer);
  assert.is(v1.topics[0].partitions[0].timestamp, 1700000000000);
  assert.is(v1.topics[0].partitions[1].timestamp, -1);
  assert.is(v1.topics[0].partitions[0].maxNumOffsets, 1, 'absent after v0, at its default');
  const v2 = decode(
    ListOffsets.request,
    2,
    (await kafkajs('v2/request.js')({ replicaId: -1, isolationLevel: 1, topics }).encode()).buffer,
  );
  assert.is(v2.isolationLevel, 1);
  assert.is(v2.topics[0].name, 'events');
  assert.is(v2.topics[0].partitions.length, 2);
});

test('a v0 response encoded here gives kafkajs the old list of offsets', async () => {
  const bytes = encode(ListOffsets.response, 0, {
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 0, oldStyleOffsets: [900, 450, 0] }] }],
  });
  const decoded = await kafkajs('v0/response.js').decode(bytes);
  assert.equal(decoded.responses, [{ topic: 'orders', partitions: [{ partition: 2, errorCode: 0, offsets: ['900', '450', '0'] }] }]);
});

test('v1 and v3 responses encoded here give kafkajs one offset with its timestamp', async () => {
  const partitions = [{ partitionIndex: 0, errorCode: 0, timestamp: 1700000000000, offset: 31337, leaderEpoch: 4 }];
  const v1 = await kafkajs('v1/response.js').decode(encode(ListOffsets.response, 1, { topics: [{ name: 't', partitions }] }));
  assert.equal(v1.responses[0].partitions[0], { partition: 0, errorCode: 0, timestamp: '1700000000000', offset: '31337' });
  const v3 = await kafkajs('v3/response.js').decode(
    encode(ListOffsets.response, 3, { throttleTimeMs: 12, topics: [{ name: 't', partitions }] }),
  );
  assert.is(v3.clientSideThrottleTime, 12);
  assert.is(v3.responses[0].partitions[0].offset, '31337');
});

test('a v9 request asking for the latest tiered offset uses compact arrays and tag sections', () => {
  const frame = Buffer.from(
    [
      'ffffffff', // replicaId -1
      '01', // isolationLevel READ_COMMITTED
      '02', // one topic
      '0274', // name "t"
      '02', // one partition
      '00000003', // partitionIndex
      '00000007', // currentLeaderEpoch
      'fffffffffffffffb', // timestamp -5
      '00', // partition tags
      '00', // topic tags
      '00', // request tags
    ].join(''),
    'hex',
  );
  const value = decode(ListOffsets.request, 9, frame);
  assert.equal(value.topics, [{ name: 't', partitions: [{ partitionIndex: 3, currentLeaderEpoch: 7, timestamp: -5, maxNumOffsets: 1 }] }]);
  assert.ok(encode(ListOffsets.request, 9, value).equals(frame));
});

test.run();
