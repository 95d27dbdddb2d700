/**
 * Kafka's ConsumerProtocol: the bytes consumers put in JoinGroup's protocol metadata (their
 * subscription) and the leader puts in SyncGroup's assignments, for protocol type "consumer".
 * The broker never reads them; clients of every kind in one group do, so the layout is Kafka's
 * exactly (ConsumerProtocolSubscription and ConsumerProtocolAssignment, versions 0-3):
 *
 *   subscription: version int16 | topics [string] | userData nullable bytes
 *                 | v1+ ownedPartitions [topic string, partitions [int32]]
 *                 | v2+ generationId int32 | v3+ rackId nullable string
 *   assignment:   version int16 | assignedPartitions [topic string, partitions [int32]]
 *                 | userData nullable bytes
 *
 * Non-flexible encodings throughout (int16 string lengths, int32 array lengths). A version
 * above 3 is read as version 3, ignoring what follows, as the Java client does: later versions
 * only append fields. We write subscription v1 (with no owned partitions: "range" is an eager
 * assignor that revokes everything on a rebalance) and assignment v0; Java, librdkafka and
 * kafkajs read both.
 *
 * Also here: the "range" assignor, as Kafka's RangeAssignor computes it.
 *
 * Pure functions; any thread.
 */
import { compileStruct } from '../protocol/codec/compile.js';
import { ProtocolError } from '../protocol/codec/errors.js';
import { Reader } from '../protocol/codec/reader.js';
import { Writer } from '../protocol/codec/writer.js';
import { array, arrayOf, bytes, int32, string, type Infer } from '../protocol/schema.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
export const RANGE_ASSIGNOR = 'range';
export const HIGHEST_CONSUMER_PROTOCOL_VERSION = 3;
export const SUBSCRIPTION_WRITE_VERSION = 1;
export const ASSIGNMENT_WRITE_VERSION = 0;

const TopicPartitionSpec = {
  topic: string('0+'),
  partitions: arrayOf('int32', '0+'),
};

export const SubscriptionSpec = {
  topics: arrayOf('string', '0+'),
  userData: bytes('0+', { nullable: '0+', default: null }),
  ownedPartitions: array('1+', TopicPartitionSpec),
  generationId: int32('2+', { default: -1 }),
  rackId: string('3+', { nullable: '3+', default: null }),
};

export const AssignmentSpec = {
  assignedPartitions: array('0+', TopicPartitionSpec),
  userData: bytes('0+', { nullable: '0+', default: null }),
};

export type Subscription = Infer<typeof SubscriptionSpec>;
export type Assignment = Infer<typeof AssignmentSpec>;
export type TopicPartitions = Infer<typeof TopicPartitionSpec>;

function encodeVersioned(spec: typeof SubscriptionSpec | typeof AssignmentSpec, version: number, value: object): Buffer {
  const w = new Writer(64);
  w.int16(version);
  compileStruct(spec, version, false).encode(w, value as Record<string, unknown>);
  return Buffer.from(w.finish());
}

function decodeVersioned<T>(spec: typeof SubscriptionSpec | typeof AssignmentSpec, data: Buffer, what: string): T & { version: number } {
  const r = new Reader(data);
  const version = r.int16();
  r.ensureGood(what);
  if (version < 0) throw new ProtocolError(`${what}: version ${version}`);
  const readAs = Math.min(version, HIGHEST_CONSUMER_PROTOCOL_VERSION);
  const body = compileStruct(spec, readAs, false).decode(r);
  r.ensureGood(what);
  return { ...(body as T), version };
}

export function encodeSubscription(topics: string[], userData: Buffer | null = null, version = SUBSCRIPTION_WRITE_VERSION): Buffer {
  return encodeVersioned(SubscriptionSpec, version, { topics, userData, ownedPartitions: [], generationId: -1, rackId: null });
}

export function decodeSubscription(data: Buffer): Subscription & { version: number } {
  return decodeVersioned<Subscription>(SubscriptionSpec, data, 'consumer subscription');
}

export function encodeAssignment(assignedPartitions: TopicPartitions[], userData: Buffer | null = null, version = ASSIGNMENT_WRITE_VERSION): Buffer {
  return encodeVersioned(AssignmentSpec, version, { assignedPartitions, userData });
}

export function decodeAssignment(data: Buffer): Assignment & { version: number } {
  // An empty assignment (a member that got nothing from a non-Java leader) means no partitions.
  if (data.length === 0) return { assignedPartitions: [], userData: null, version: 0 };
  return decodeVersioned<Assignment>(AssignmentSpec, data, 'consumer assignment');
}

export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
}

/**
 * Kafka's RangeAssignor: per topic, the members subscribed to it in order (by group instance
 * id when they have one, else by member id, as Java's MemberInfo sorts), each taking a
 * contiguous range; the first `numPartitions % members` take one partition more.
 *
 *   7 partitions, 3 members → [0,1,2] [3,4] [5,6]
 *
 * `partitionCounts` gives each topic's partition count; topics without one (unknown to the
 * cluster) are assigned to nobody.
 */
export function rangeAssign(members: MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartitions[]> {
  const sorted = [...members].sort(compareMembers);
  const out = new Map<string, TopicPartitions[]>(sorted.map((m) => [m.memberId, []]));
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic);
    if (count === undefined || count <= 0) continue;
    const subscribers = sorted.filter((m) => m.topics.includes(topic));
    const perMember = Math.floor(count / subscribers.length);
    const withExtra = count % subscribers.length;
    subscribers.forEach((m, i) => {
      const start = perMember * i + Math.min(i, withExtra);
      const length = perMember + (i + 1 > withExtra ? 0 : 1);
      if (length === 0) return;
      out.get(m.memberId)!.push({ topic, partitions: Array.from({ length }, (_, k) => start + k) });
    });
  }
  return out;
}

function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return cmp(a.groupInstanceId, b.groupInstanceId) || cmp(a.memberId, b.memberId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return cmp(a.memberId, b.memberId);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
