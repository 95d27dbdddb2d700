import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { OffsetForLeaderEpoch } from '../../../src/protocol/messages/23-offset-for-leader-epoch.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

type Obj = Record<string, any>;

function decode(spec: StructSpec, version: number, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const value = compileStruct(spec, version, inVersions(OffsetForLeaderEpoch.flexible, version)).decode(r);
  r.ensureGood('message');
  assert.is(r.remaining, 0, 'every byte is consumed');
  return value;
}

function encode(spec: StructSpec, version: number, value: Obj): Buffer {
  const w = new Writer(64);
  compileStruct(spec, version, inVersions(OffsetForLeaderEpoch.flexible, version)).encode(w, value);
  return Buffer.from(w.finish());
}

const hex = (parts: string[]) => Buffer.from(parts.join(''), 'hex');

test('OffsetForLeaderEpoch round-trips every version, request and response', () => {
  assert.is(OffsetForLeaderEpoch.lowest, 0);
  assert.is(OffsetForLeaderEpoch.highest, 4);
  assertRoundTrips(OffsetForLeaderEpoch);
});

test('OffsetForLeaderEpoch refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(OffsetForLeaderEpoch);
});

test('a v0 request has neither replica id nor current leader epoch, and they read as -2 and -1', () => {
  const frame = hex([
    '00000001', // one topic
    '0001', '74', // topic "t"
    '00000001', // one partition
    '00000002', // partition
    '00000009', // leaderEpoch
  ]);
  const value = decode(OffsetForLeaderEpoch.request, 0, frame);
  assert.equal(value, { replicaId: -2, topics: [{ topic: 't', partitions: [{ partition: 2, currentLeaderEpoch: -1, leaderEpoch: 9 }] }] });
  assert.ok(encode(OffsetForLeaderEpoch.request, 1, value).equals(frame), 'v1 has the same layout');
});

test('a v3 request leads with the replica id and puts the current epoch before the one looked up', () => {
  const frame = hex([
    'ffffffff', // replicaId: a consumer
    '00000001',
    '0001', '74',
    '00000001',
    '00000002', // partition
    '0000000c', // currentLeaderEpoch 12
    '0000000b', // leaderEpoch 11
  ]);
  const value = decode(OffsetForLeaderEpoch.request, 3, frame);
  assert.is(value.replicaId, -1);
  assert.equal(value.topics[0].partitions[0], { partition: 2, currentLeaderEpoch: 12, leaderEpoch: 11 });
  assert.ok(encode(OffsetForLeaderEpoch.request, 3, value).equals(frame));
});

test('the response adds the leader epoch in v1 and the throttle time in v2; v4 is compact', () => {
  const partition = { errorCode: 0, partition: 2, leaderEpoch: 11, endOffset: 5000 };
  const value = { throttleTimeMs: 9, topics: [{ topic: 't', partitions: [partition] }] };
  const v0 = hex(['00000001', '0001', '74', '00000001', '0000', '00000002', '0000000000001388']);
  const v1 = hex(['00000001', '0001', '74', '00000001', '0000', '00000002', '0000000b', '0000000000001388']);
  const v2 = hex(['00000009', '00000001', '0001', '74', '00000001', '0000', '00000002', '0000000b', '0000000000001388']);
  const v4 = hex(['00000009', '02', '0274', '02', '0000', '00000002', '0000000b', '0000000000001388', '00', '00', '00']);
  assert.ok(encode(OffsetForLeaderEpoch.response, 0, value).equals(v0), 'v0');
  assert.ok(encode(OffsetForLeaderEpoch.response, 1, value).equals(v1), 'v1');
  assert.ok(encode(OffsetForLeaderEpoch.response, 2, value).equals(v2), 'v2');
  assert.ok(encode(OffsetForLeaderEpoch.response, 4, value).equals(v4), 'v4');
  assert.is(decode(OffsetForLeaderEpoch.response, 0, v0).topics[0].partitions[0].leaderEpoch, -1);
  assert.equal(decode(OffsetForLeaderEpoch.response, 4, v4), value);
});

test.run();
