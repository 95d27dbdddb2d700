/**
 * Kafka's ConsumerProtocol bytes and the range assignor: subscriptions and assignments encode
 * to the layout of ConsumerProtocolSubscription / ConsumerProtocolAssignment (checked byte by
 * byte, and against kafkajs's own encoder and decoder), newer versions decode, and the range
 * assignment matches Kafka's RangeAssignor examples.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  rangeAssign,
} from '../../src/client/consumer-protocol.js';
import { require } from '../interop/helpers.js';

const { AssignerProtocol } = require('kafkajs') as {
  AssignerProtocol: {
    MemberMetadata: { encode(m: { version: number; topics: string[]; userData?: Buffer }): Buffer; decode(b: Buffer): { version: number; topics: string[]; userData: Buffer } };
    MemberAssignment: { encode(m: { version: number; assignment: Record<string, number[]>; userData?: Buffer }): Buffer; decode(b: Buffer): { version: number; assignment: Record<string, number[]>; userData: Buffer } | null };
  };
};

test('a version 0 subscription is version, topics and null user data, in non-flexible encoding', () => {
  const bytes = encodeSubscription(['ab', 'c'], null, 0);
  const expected = Buffer.from([0, 0, /* topics */ 0, 0, 0, 2, 0, 2, 0x61, 0x62, 0, 1, 0x63, /* userData null */ 0xff, 0xff, 0xff, 0xff]);
  assert.equal([...bytes], [...expected]);
  assert.equal(decodeSubscription(bytes).topics, ['ab', 'c']);
});

test('the written subscription (v1) adds an empty owned-partitions list and decodes back', () => {
  const bytes = encodeSubscription(['t']);
  assert.is(bytes.readInt16BE(0), 1);
  assert.equal([...bytes.subarray(bytes.length - 4)], [0, 0, 0, 0]);
  const s = decodeSubscription(bytes);
  assert.is(s.version, 1);
  assert.equal(s.topics, ['t']);
  assert.equal(s.ownedPartitions, []);
});

test('a version 3 subscription (Java clients of Kafka 3.x) decodes with its generation and rack', () => {
  const bytes = encodeSubscription(['orders'], Buffer.from('ud'), 3);
  const s = decodeSubscription(bytes);
  assert.is(s.version, 3);
  assert.equal(s.topics, ['orders']);
  assert.equal(s.userData, Buffer.from('ud'));
  assert.is(s.generationId, -1);
  assert.is(s.rackId, null);
});

test('a subscription of a version above 3 is read as version 3, ignoring what follows', () => {
  const v3 = encodeSubscription(['x'], null, 3);
  const v9 = Buffer.concat([v3, Buffer.from([1, 2, 3, 4])]);
  v9.writeInt16BE(9, 0);
  const s = decodeSubscription(v9);
  assert.is(s.version, 9);
  assert.equal(s.topics, ['x']);
});

test("kafkajs's encoder and ours agree on subscriptions and assignments, both ways", () => {
  const fromKafkajs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['a', 'b'] });
  assert.equal(decodeSubscription(fromKafkajs).topics, ['a', 'b']);
  assert.equal(AssignerProtocol.MemberMetadata.decode(encodeSubscription(['a', 'b'])).topics, ['a', 'b']);

  const ours = encodeAssignment([{ topic: 'a', partitions: [0, 2] }, { topic: 'b', partitions: [1] }]);
  assert.equal(AssignerProtocol.MemberAssignment.decode(ours)!.assignment, { a: [0, 2], b: [1] });
  const theirs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { a: [0, 2], b: [1] } });
  assert.equal(decodeAssignment(theirs).assignedPartitions, [
    { topic: 'a', partitions: [0, 2] },
    { topic: 'b', partitions: [1] },
  ]);
});

test('an assignment is version, topic partitions and null user data; an empty buffer means nothing assigned', () => {
  const bytes = encodeAssignment([{ topic: 't', partitions: [3] }]);
  const expected = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]);
  assert.equal([...bytes], [...expected]);
  assert.equal(decodeAssignment(Buffer.alloc(0)).assignedPartitions, []);
});

test('range gives each member a contiguous range, the first ones one more (7 partitions, 3 members → 3, 2, 2)', () => {
  const members = ['c', 'a', 'b'].map((memberId) => ({ memberId, groupInstanceId: null, topics: ['t'] }));
  const plan = rangeAssign(members, new Map([['t', 7]]));
  assert.equal(plan.get('a'), [{ topic: 't', partitions: [0, 1, 2] }]);
  assert.equal(plan.get('b'), [{ topic: 't', partitions: [3, 4] }]);
  assert.equal(plan.get('c'), [{ topic: 't', partitions: [5, 6] }]);
});

test("range works per topic over that topic's subscribers, as Kafka's RangeAssignor example shows", () => {
  // Kafka's javadoc: C0 and C1 on t0 and t1, 3 partitions each → C0: t0p0 t0p1 t1p0 t1p1, C1: t0p2 t1p2.
  const members = [
    { memberId: 'C0', groupInstanceId: null, topics: ['t0', 't1'] },
    { memberId: 'C1', groupInstanceId: null, topics: ['t0', 't1'] },
    { memberId: 'C2', groupInstanceId: null, topics: ['t1'] },
  ];
  const plan = rangeAssign(members.slice(0, 2), new Map([['t0', 3], ['t1', 3]]));
  assert.equal(plan.get('C0'), [{ topic: 't0', partitions: [0, 1] }, { topic: 't1', partitions: [0, 1] }]);
  assert.equal(plan.get('C1'), [{ topic: 't0', partitions: [2] }, { topic: 't1', partitions: [2] }]);
  const three = rangeAssign(members, new Map([['t0', 2], ['t1', 3]]));
  assert.equal(three.get('C0'), [{ topic: 't0', partitions: [0] }, { topic: 't1', partitions: [0] }]);
  assert.equal(three.get('C1'), [{ topic: 't0', partitions: [1] }, { topic: 't1', partitions: [1] }]);
  assert.equal(three.get('C2'), [{ topic: 't1', partitions: [2] }]);
});

test('range puts static members (group instance ids) first, in their order, and leaves members past the partition count empty', () => {
  const members = [
    { memberId: 'a', groupInstanceId: null, topics: ['t'] },
    { memberId: 'z', groupInstanceId: 'i1', topics: ['t'] },
    { memberId: 'y', groupInstanceId: 'i2', topics: ['t'] },
  ];
  const plan = rangeAssign(members, new Map([['t', 2]]));
  assert.equal(plan.get('z'), [{ topic: 't', partitions: [0] }]);
  assert.equal(plan.get('y'), [{ topic: 't', partitions: [1] }]);
  assert.equal(plan.get('a'), []);
  assert.equal(rangeAssign(members, new Map()).get('z'), []);
});

test.run();
