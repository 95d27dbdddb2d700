/**
 * __consumer_offsets records: Kafka's key and value layouts byte for byte, every value version
 * read back, and the group-to-partition hash.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import {
  GroupMetadataValue,
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  javaStringHashCode,
  partitionForGroup,
} from '../../../src/broker/groups/records.js';

/** The definition in Java's documentation, s[0]·31^(n-1) + … + s[n-1], in exact arithmetic, then as an int. */
function hashByDefinition(s: string): number {
  let sum = 0n;
  for (let i = 0; i < s.length; i++) sum += BigInt(s.charCodeAt(i)) * 31n ** BigInt(s.length - 1 - i);
  return Number(BigInt.asIntN(32, sum));
}

test("javaStringHashCode is Java's String.hashCode, over UTF-16 code units", () => {
  assert.is(javaStringHashCode(''), 0);
  assert.is(javaStringHashCode('a'), 97);
  assert.is(javaStringHashCode('hello'), 99162322);
  for (const s of ['console-consumer-12345', 'my-group', 'grüße', 'x'.repeat(300), 'spindle-interop']) assert.is(javaStringHashCode(s), hashByDefinition(s), s);
  // Overflow wraps in 32 bits; a surrogate pair counts as two units.
  assert.is(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.is(javaStringHashCode('😀'), 0xd83d * 31 + 0xde00);
});

test('a group goes to abs(hashCode) % partitions, with Integer.MIN_VALUE mapped to 0 as Utils.abs does', () => {
  assert.is(partitionForGroup('hello', 50), 99162322 % 50);
  for (const g of ['console-consumer-12345', 'my-group', 'a', 'zz']) assert.is(partitionForGroup(g, 50), Math.abs(hashByDefinition(g)) % 50, g);
  assert.is(partitionForGroup('polygenelubricants', 50), 0);
  assert.is(partitionForGroup('polygenelubricants', 7), 0);
});

test('hash codes and partitions agree with values computed by a JVM (String.hashCode, Utils.abs, % 50)', () => {
  const fromJava: [string, number, number][] = [
    ['console-consumer-12345', 158455506, 6],
    ['my-group', -1906497762, 12],
    ['grüße', 98768023, 23],
    ['spindle-interop', -1085828789, 39],
    ['polygenelubricants', -2147483648, 0],
    ['\u{1F600}', 1772899, 49],
  ];
  for (const [s, hash, partition] of fromJava) {
    assert.is(javaStringHashCode(s), hash, s);
    assert.is(partitionForGroup(s, 50), partition, s);
  }
});

test('OffsetCommitKey is version 1 then group, topic, partition', () => {
  const key = encodeOffsetCommitKey('g', 'tp', 3);
  assert.equal([...key], [0, 1, 0, 1, 0x67, 0, 2, 0x74, 0x70, 0, 0, 0, 3]);
  assert.equal(decodeKey(key), { type: 'offset', key: { group: 'g', topic: 'tp', partition: 3 } });
  // Version 0 keys (Kafka 0.8.2's) share the layout.
  key.writeInt16BE(0, 0);
  assert.is(decodeKey(key).type, 'offset');
});

test('GroupMetadataKey is version 2 then the group; other key types are recognised and skipped', () => {
  const key = encodeGroupMetadataKey('grp');
  assert.equal([...key], [0, 2, 0, 3, 0x67, 0x72, 0x70]);
  assert.equal(decodeKey(key), { type: 'group', group: 'grp' });
  assert.equal(decodeKey(Buffer.from([0, 3, 0, 1, 0x67])), { type: 'other', keyType: 3 });
});

test('OffsetCommitValue is written as version 3: offset, leader epoch, metadata, commit timestamp', () => {
  const v = encodeOffsetCommitValue({ offset: 42, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000 });
  const expected = Buffer.from([0, 3, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 7, 0, 1, 0x6d, 0, 0, 0, 0, 0, 0, 0x03, 0xe8]);
  assert.equal([...v], [...expected]);
  assert.equal(decodeOffsetCommitValue(v), { offset: 42, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 });
});

test('OffsetCommitValue versions 0, 1 (with expire timestamp) and 4 (flexible) are read', () => {
  const v0 = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
  assert.equal(decodeOffsetCommitValue(v0), { offset: 5, leaderEpoch: -1, metadata: '', commitTimestamp: 9, expireTimestamp: -1 });
  const v1 = Buffer.concat([Buffer.from([0, 1]), v0.subarray(2), Buffer.from([0, 0, 0, 0, 0, 0, 0, 11])]);
  assert.is(decodeOffsetCommitValue(v1).expireTimestamp, 11);
  // v4: compact string (length + 1) and an empty tagged-field section.
  const v4 = Buffer.from([0, 4, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 2, 2, 0x78, 0, 0, 0, 0, 0, 0, 0, 9, 0]);
  assert.equal(decodeOffsetCommitValue(v4), { offset: 5, leaderEpoch: 2, metadata: 'x', commitTimestamp: 9, expireTimestamp: -1 });
});

const member = {
  memberId: 'c-1',
  groupInstanceId: 'i-1',
  clientId: 'c',
  clientHost: '/127.0.0.1',
  rebalanceTimeout: 30000,
  sessionTimeout: 10000,
  subscription: Buffer.from([1, 2]),
  assignment: Buffer.from([3]),
};
const group = { protocolType: 'consumer', generation: 4, protocol: 'range', leader: 'c-1', currentStateTimestamp: 123, members: [member] };

test('GroupMetadataValue is written as version 3 and read back whole', () => {
  const v = encodeGroupMetadataValue(group);
  assert.is(v.readInt16BE(0), 3);
  assert.equal(decodeGroupMetadataValue(v), group);
  const empty = encodeGroupMetadataValue({ protocolType: 'consumer', generation: 5, protocol: null, leader: null, currentStateTimestamp: 9, members: [] });
  assert.equal(decodeGroupMetadataValue(empty), { protocolType: 'consumer', generation: 5, protocol: null, leader: null, currentStateTimestamp: 9, members: [] });
});

test('GroupMetadataValue versions 0-4 are read, fields absent from a version at their defaults', () => {
  for (let version = 0; version <= 4; version++) {
    const w = new Writer(128);
    w.int16(version);
    compileStruct(GroupMetadataValue, version, version >= 4).encode(w, group);
    const back = decodeGroupMetadataValue(Buffer.from(w.finish()));
    assert.is(back.generation, 4);
    assert.equal(back.members[0]!.assignment, Buffer.from([3]));
    assert.is(back.currentStateTimestamp, version >= 2 ? 123 : -1, `v${version} timestamp`);
    assert.is(back.members[0]!.groupInstanceId, version >= 3 ? 'i-1' : null, `v${version} instance id`);
    assert.is(back.members[0]!.rebalanceTimeout, version >= 1 ? 30000 : -1, `v${version} rebalance timeout`);
  }
});

test('a value of an unknown version or a truncated one is refused', () => {
  assert.throws(() => decodeOffsetCommitValue(Buffer.from([0, 9, 0, 0])), /version 9/);
  assert.throws(() => decodeGroupMetadataValue(encodeGroupMetadataValue(group).subarray(0, 20)), /malformed/);
});

test.run();
