/**
 * The records of `__consumer_offsets`, in Kafka's own formats, so that the topic holds what a
 * Kafka broker would have written there (and a Kafka tool reading it understands it).
 *
 * Every record has a key and a value, each an int16 version followed by a struct in the
 * declaration language of src/protocol/schema.ts (the codec of the wire protocol):
 *
 *   key    int16 type  │ struct
 *          0 or 1      │ OffsetCommitKey     group string, topic string, partition int32
 *          2           │ GroupMetadataKey    group string
 *          3+          │ records of KIP-848 consumer groups, share groups, … (skipped here)
 *
 *   value  int16 version │ struct at that version (flexible, with tagged fields, from 4)
 *          OffsetCommitValue   offset int64, leaderEpoch int32 (3+), metadata string,
 *                              commitTimestamp int64, expireTimestamp int64 (1 only)
 *          GroupMetadataValue  protocolType, generation, protocol?, leader?,
 *                              currentStateTimestamp (2+), members[]: memberId,
 *                              groupInstanceId? (3+), clientId, clientHost,
 *                              rebalanceTimeout (1+), sessionTimeout, subscription, assignment
 *
 *   a null value (tombstone) deletes the committed offset or the group; compaction
 *   (cleanup.policy=compact) keeps the last record per key.
 *
 * Spindle writes OffsetCommitValue version 3 and GroupMetadataValue version 3, the versions
 * Kafka 3.x writes without an explicit expire timestamp; it reads every version 0-4.
 *
 * A group's records live in partition abs(hashCode(groupId)) % partitions, with Java's
 * String.hashCode over UTF-16 code units and Kafka's Utils.abs (which maps Integer.MIN_VALUE
 * to 0), so that a group lands in the same partition as on Kafka.
 *
 * No I/O; any thread may call these.
 */
import { compileStruct } from '../../protocol/codec/compile.js';
import { Reader } from '../../protocol/codec/reader.js';
import { Writer } from '../../protocol/codec/writer.js';
import { array, bytes, type Infer, int32, int64, string } from '../../protocol/schema.js';

export const OffsetCommitKey = {
  group: string('0'),
  topic: string('0'),
  partition: int32('0'),
};

export const OffsetCommitValue = {
  offset: int64('0+'),
  leaderEpoch: int32('3+', { default: -1 }),
  metadata: string('0+'),
  commitTimestamp: int64('0+'),
  expireTimestamp: int64('1', { default: -1 }),
};

export const GroupMetadataKey = {
  group: string('0'),
};

export const GroupMetadataValue = {
  protocolType: string('0+'),
  generation: int32('0+'),
  protocol: string('0+', { nullable: '0+' }),
  leader: string('0+', { nullable: '0+' }),
  currentStateTimestamp: int64('2+', { default: -1 }),
  members: array('0+', {
    memberId: string('0+'),
    groupInstanceId: string('3+', { nullable: '3+', default: null }),
    clientId: string('0+'),
    clientHost: string('0+'),
    rebalanceTimeout: int32('1+', { default: -1 }),
    sessionTimeout: int32('0+'),
    subscription: bytes('0+'),
    assignment: bytes('0+'),
  }),
};

export type OffsetCommitKeyData = Infer<typeof OffsetCommitKey>;
export type OffsetCommitValueData = Infer<typeof OffsetCommitValue>;
export type GroupMetadataValueData = Infer<typeof GroupMetadataValue>;
export type GroupMemberData = GroupMetadataValueData['members'][number];

/** Key types (the key's version prefix). 0 is the original offset key, same layout as 1. */
export const KeyType = Object.freeze({ LegacyOffsetCommit: 0, OffsetCommit: 1, GroupMetadata: 2 } as const);
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const GROUP_METADATA_VALUE_VERSION = 3;
/** Versions 0-4 of both values are read; 4 is the first flexible one. */
export const HIGHEST_VALUE_VERSION = 4;
const FIRST_FLEXIBLE_VALUE_VERSION = 4;

function encodeVersioned(spec: Parameters<typeof compileStruct>[0], version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(128);
  w.int16(version);
  compileStruct(spec, version, version >= FIRST_FLEXIBLE_VALUE_VERSION).encode(w, value);
  return Buffer.from(w.finish());
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  const w = new Writer(64);
  w.int16(KeyType.OffsetCommit);
  compileStruct(OffsetCommitKey, 0, false).encode(w, { group, topic, partition });
  return Buffer.from(w.finish());
}

export function encodeGroupMetadataKey(group: string): Buffer {
  const w = new Writer(64);
  w.int16(KeyType.GroupMetadata);
  compileStruct(GroupMetadataKey, 0, false).encode(w, { group });
  return Buffer.from(w.finish());
}

export function encodeOffsetCommitValue(value: Omit<OffsetCommitValueData, 'expireTimestamp'>): Buffer {
  return encodeVersioned(OffsetCommitValue, OFFSET_COMMIT_VALUE_VERSION, { ...value, expireTimestamp: -1 });
}

export function encodeGroupMetadataValue(value: GroupMetadataValueData): Buffer {
  return encodeVersioned(GroupMetadataValue, GROUP_METADATA_VALUE_VERSION, value);
}

export type DecodedKey =
  | { type: 'offset'; key: OffsetCommitKeyData }
  | { type: 'group'; group: string }
  | { type: 'other'; keyType: number };

/** Decodes a record key; throws ProtocolError when it is malformed. */
export function decodeKey(key: Buffer): DecodedKey {
  const r = new Reader(key);
  const type = r.int16();
  r.ensureGood('__consumer_offsets key');
  if (type === KeyType.LegacyOffsetCommit || type === KeyType.OffsetCommit) {
    const k = compileStruct(OffsetCommitKey, 0, false).decode(r) as OffsetCommitKeyData;
    r.ensureGood('OffsetCommitKey');
    return { type: 'offset', key: k };
  }
  if (type === KeyType.GroupMetadata) {
    const k = compileStruct(GroupMetadataKey, 0, false).decode(r) as { group: string };
    r.ensureGood('GroupMetadataKey');
    return { type: 'group', group: k.group };
  }
  return { type: 'other', keyType: type };
}

function decodeVersioned<T>(spec: Parameters<typeof compileStruct>[0], what: string, value: Buffer): T {
  const r = new Reader(value);
  const version = r.int16();
  r.ensureGood(what);
  if (version < 0 || version > HIGHEST_VALUE_VERSION) r.fail(`${what} version ${version} is unknown`);
  r.ensureGood(what);
  // Values are copied out of the read buffer, which the loader reuses.
  const out = compileStruct(spec, version, version >= FIRST_FLEXIBLE_VALUE_VERSION).decode(r);
  r.ensureGood(what);
  return out as T;
}

export function decodeOffsetCommitValue(value: Buffer): OffsetCommitValueData {
  return decodeVersioned<OffsetCommitValueData>(OffsetCommitValue, 'OffsetCommitValue', value);
}

export function decodeGroupMetadataValue(value: Buffer): GroupMetadataValueData {
  const v = decodeVersioned<GroupMetadataValueData>(GroupMetadataValue, 'GroupMetadataValue', value);
  for (const m of v.members) {
    m.subscription = Buffer.from(m.subscription);
    m.assignment = Buffer.from(m.assignment);
  }
  return v;
}

/** Java's String.hashCode: h = 31·h + c over UTF-16 code units, in 32-bit arithmetic. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The __consumer_offsets partition of a group, as Kafka computes it. */
export function partitionForGroup(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId);
  // Kafka's Utils.abs: Math.abs(Integer.MIN_VALUE) is negative in Java, so it is mapped to 0.
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}
