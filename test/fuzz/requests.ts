/**
 * Request frames for the broker fuzz suite (frames.test.ts): valid requests of any (api,
 * version), built from the declarations, and mutations of them.
 *
 * Values come in two flavours:
 *   random      the round-trip helper's values for every field (test/protocol/helpers)
 *   realistic   chosen by field name from what the broker holds (World: topics and their ids,
 *               groups, member ids and generations seen in answers) and from the values that
 *               sit on a check's edge: empty and illegal names, null where the version allows
 *               it, -1, 0, huge and negative counts, duplicate entries, unknown topic ids
 *
 * Mutations work on the frame after its size prefix, which is rewritten to match, so the broker
 * never waits for bytes that will not come:
 *   flip       1-4 bits flipped
 *   overwrite  1-4 bytes set to 0x00, 0xff, 0x7f, 0x80 or a random byte
 *   number     an int16 or int32 at a random position set to a boundary value
 *   truncate   the frame cut short
 *   insert     1-8 random bytes inserted
 *   remove     1-8 bytes removed
 *   field      one field of the value edited (null even where the version forbids it, '', a
 *              long string, bytes that are not UTF-8, a boundary number, an array entry
 *              duplicated or dropped) and the value encoded with a lenient copy of the
 *              declaration that lets every string, bytes and array be null
 *
 * Everything is drawn from one seeded generator, so a seed gives the same frames.
 */
import { compileStruct, defaultMaker } from '../../src/protocol/codec/compile.js';
import { inVersions } from '../../src/protocol/codec/versions.js';
import { Writer } from '../../src/protocol/codec/writer.js';
import { isFlexible, requestHeaderCodec, requestHeaderVersion } from '../../src/protocol/header.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import type { ApiSpec, FieldSpec, PrimitiveKind, StructSpec } from '../../src/protocol/schema.js';
import { randomStruct } from '../protocol/helpers/round-trip.js';

type Obj = Record<string, unknown>;
export type Rand = () => number;

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/** What the broker holds, as far as the fuzzer knows: realistic values are drawn from it. */
export interface World {
  nodeId: number;
  topics: { name: string; topicId: string; partitions: number }[];
  groups: string[];
  memberIds: string[];
  generationIds: number[];
  producerIds: number[];
  sessionIds: number[];
}

/** Names new topics are created under: few, so that lanes create and delete the same ones at once. */
export const NEW_TOPIC_NAMES = ['fuzz-new-0', 'fuzz-new-1', 'fuzz-new-2', 'fuzz.new', 'fuzz_new'];
const ILLEGAL_TOPIC_NAMES = ['', '.', '..', 'has space', 'slash/y', 'x'.repeat(250), 'grüße', '__cluster_metadata'];
const INTERNAL_TOPIC_NAMES = ['__consumer_offsets', '__transaction_state'];
const CONFIG_NAMES = [
  'cleanup.policy',
  'retention.ms',
  'retention.bytes',
  'segment.bytes',
  'segment.ms',
  'max.message.bytes',
  'compression.type',
  'min.insync.replicas',
  'message.timestamp.type',
  'log.retention.ms',
  'log.segment.bytes',
  'num.io.threads',
  'no.such.config',
  '',
];
const CONFIG_VALUES = ['delete', 'compact', 'delete,compact', 'gzip', 'zstd', 'producer', '-1', '0', '1', '1000', '1048576', '9999999999999', 'abc', '', 'CreateTime'];

export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function int(rand: Rand, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

function randomUuid(rand: Rand): string {
  const h = Array.from({ length: 16 }, () => int(rand, 0, 255).toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function randomBytes(rand: Rand, max: number): Buffer {
  const b = Buffer.alloc(int(rand, 0, max));
  for (let i = 0; i < b.length; i++) b[i] = int(rand, 0, 255);
  return b;
}

function topicName(rand: Rand, world: World): string {
  const r = rand();
  if (r < 0.5 && world.topics.length > 0) return pick(rand, world.topics).name;
  if (r < 0.7) return pick(rand, NEW_TOPIC_NAMES);
  if (r < 0.85) return pick(rand, ILLEGAL_TOPIC_NAMES);
  if (r < 0.95) return pick(rand, INTERNAL_TOPIC_NAMES);
  return `fuzz-auto-${int(rand, 0, 20)}`;
}

function groupId(rand: Rand, world: World): string {
  const r = rand();
  if (r < 0.6 && world.groups.length > 0) return pick(rand, world.groups);
  if (r < 0.8) return `fuzz-group-${int(rand, 0, 5)}`;
  return pick(rand, ['', ' ', 'x'.repeat(300), 'grüße']);
}

function fromList(rand: Rand, known: readonly number[], others: readonly number[]): number {
  return known.length > 0 && rand() < 0.5 ? pick(rand, known) : pick(rand, others);
}

/** The record data of a Produce partition: valid batches mostly, some broken ones. */
function recordData(rand: Rand, world: World): Buffer | null {
  const r = rand();
  if (r < 0.45) return encodeBatch([{ key: 'k', value: `fuzz ${int(rand, 0, 1e6)}` }], { compression: pick(rand, [0, 0, 1, 2, 3, 4] as const) });
  if (r < 0.55) {
    const producerId = world.producerIds.length > 0 ? pick(rand, world.producerIds) : int(rand, 0, 10);
    return encodeBatch([{ value: 'idempotent' }], { producerId, producerEpoch: int(rand, -1, 1), baseSequence: int(rand, -1, 3) });
  }
  if (r < 0.6) return encodeBatch([{ value: 'txn' }], { producerId: 1, producerEpoch: 0, baseSequence: 0, transactional: true });
  if (r < 0.65) return encodeBatch([{ value: 'control' }], { control: true });
  if (r < 0.75) return Buffer.concat([encodeBatch([{ value: 'a' }]), encodeBatch([{ value: 'b' }, { value: 'c' }])]);
  if (r < 0.85) {
    const b = encodeBatch([{ value: 'damaged' }]);
    b[int(rand, 0, b.length - 1)] ^= 1 << int(rand, 0, 7);
    return b;
  }
  if (r < 0.95) return randomBytes(rand, 80);
  return Buffer.alloc(0);
}

/** A realistic value for a primitive field, by its name; undefined to fall back to the kind's boundary values. */
function byName(name: string, kind: PrimitiveKind, rand: Rand, world: World): unknown {
  const topics = world.topics;
  switch (kind) {
    case 'string':
      switch (name) {
        case 'name':
        case 'topic':
        case 'topicNames':
          return topicName(rand, world);
        case 'resourceName':
          return rand() < 0.6 ? topicName(rand, world) : pick(rand, ['', String(world.nodeId), '0', '-1', '99', 'abc', '2147483648']);
        case 'groupId':
        case 'groups':
        case 'groupsNames':
        case 'key':
        case 'coordinatorKeys':
          return groupId(rand, world);
        case 'memberId':
          return world.memberIds.length > 0 && rand() < 0.5 ? pick(rand, world.memberIds) : pick(rand, ['', 'unknown-member', 'x'.repeat(300)]);
        case 'groupInstanceId':
          return pick(rand, ['static-1', 'static-2', '']);
        case 'protocolType':
          return pick(rand, ['consumer', 'consumer', '', 'connect']);
        case 'protocolName':
          return pick(rand, ['range', 'roundrobin', '', 'other']);
        case 'transactionalId':
          return pick(rand, ['', 'txn-1']);
        case 'configurationKeys':
          return pick(rand, CONFIG_NAMES);
        case 'value':
          return pick(rand, CONFIG_VALUES);
        case 'statesFilter':
          return pick(rand, ['Stable', 'Empty', 'PreparingRebalance', 'CompletingRebalance', 'Dead', 'stable', '', 'x']);
        case 'typesFilter':
          return pick(rand, ['classic', 'consumer', 'Classic', '', 'share']);
        case 'mechanism':
          return pick(rand, ['PLAIN', 'SCRAM-SHA-256', 'GSSAPI', '']);
        case 'committedMetadata':
          return pick(rand, ['', 'meta', 'm'.repeat(5000)]);
        case 'clientSoftwareName':
        case 'clientSoftwareVersion':
          return pick(rand, ['spindle-fuzz', '1.0.0', '', '-leading', 'with space', 'grüße']);
        case 'rackId':
        case 'clusterId':
        case 'reason':
          return pick(rand, ['', 'rack-a', 'x'.repeat(200)]);
      }
      // configs[].name: a config key
      if (name === 'configName') return pick(rand, CONFIG_NAMES);
      return undefined;
    case 'int32':
      switch (name) {
        case 'partitionIndex':
        case 'partition':
        case 'index':
        case 'partitionIndexes':
        case 'partitions':
          return pick(rand, [0, 0, 1, 2, 3, -1, 100, INT32_MAX, INT32_MIN]);
        case 'count':
        case 'numPartitions':
          return pick(rand, [-1, 0, 1, 2, 3, 4, 6, -2, 10_001, INT32_MAX, INT32_MIN]);
        case 'brokerIds':
          return pick(rand, [world.nodeId, world.nodeId, world.nodeId + 1, -1, 0]);
        case 'timeoutMs':
          return pick(rand, [0, 1000, 30_000, -1, INT32_MAX]);
        case 'maxWaitMs':
          return pick(rand, [0, 0, 10, 100, -1, INT32_MIN]);
        case 'minBytes':
          return pick(rand, [0, 1, 1, 1_000_000, -1]);
        case 'maxBytes':
        case 'partitionMaxBytes':
          return pick(rand, [0, 1, 100, 1 << 20, INT32_MAX, -1]);
        case 'sessionId':
          return fromList(rand, world.sessionIds, [0, -1, 1, INT32_MAX]);
        case 'sessionEpoch':
          return pick(rand, [-1, 0, 0, 1, 2, INT32_MAX, INT32_MIN]);
        case 'generationId':
        case 'generationIdOrMemberEpoch':
        case 'memberEpoch':
          return fromList(rand, world.generationIds, [-1, 0, 1, 2, INT32_MAX]);
        case 'sessionTimeoutMs':
          return pick(rand, [10, 100, 1000, 1500, 0, -1, INT32_MAX]);
        case 'rebalanceTimeoutMs':
          return pick(rand, [0, 50, 200, 1000, -1]);
        case 'currentLeaderEpoch':
        case 'leaderEpoch':
        case 'lastFetchedEpoch':
        case 'committedLeaderEpoch':
          return pick(rand, [-1, -1, 0, 1, -2, INT32_MAX]);
        case 'replicaId':
          return pick(rand, [-1, -1, world.nodeId, 0, -2]);
        case 'maxNumOffsets':
          return pick(rand, [1, 0, -1, INT32_MAX]);
        case 'transactionTimeoutMs':
          return pick(rand, [60_000, 0, -1]);
      }
      return undefined;
    case 'int16':
      switch (name) {
        case 'acks':
          return pick(rand, [1, -1, -1, 0, 2, -2]);
        case 'replicationFactor':
          return pick(rand, [-1, 1, 1, 2, 0, -2, 32767]);
        case 'producerEpoch':
          return pick(rand, [-1, 0, 1, 32767]);
      }
      return undefined;
    case 'int8':
      switch (name) {
        case 'resourceType':
          return pick(rand, [2, 2, 4, 4, 8, 16, 32, 0, 1, -1, 127]);
        case 'configOperation':
          return pick(rand, [0, 0, 1, 2, 3, 4, -1]);
        case 'isolationLevel':
          return pick(rand, [0, 1, 2, -1]);
        case 'keyType':
          return pick(rand, [0, 0, 1, 2, -1]);
        case 'endpointType':
          return pick(rand, [1, 1, 2, 0, 3]);
      }
      return undefined;
    case 'int64':
      switch (name) {
        case 'producerId':
          return fromList(rand, world.producerIds, [-1, -1, 0, 2 ** 53 - 1]);
        case 'commitTimestamp':
        case 'retentionTimeMs':
          return pick(rand, [-1, 0, Date.now(), 2 ** 53 - 1]);
        case 'replicaEpoch':
          return -1;
      }
      return pick(rand, [0, 0, 1, 2, 5, -1, -2, -3, -4, 100, 2 ** 53 - 1, -(2 ** 53 - 1)]);
    case 'uuid':
      if (name === 'topicId') {
        const r = rand();
        if (r < 0.45 && topics.length > 0) return pick(rand, topics).topicId;
        if (r < 0.8) return ZERO_UUID;
        return randomUuid(rand);
      }
      return rand() < 0.7 ? ZERO_UUID : randomUuid(rand);
    case 'records':
      return recordData(rand, world);
    case 'bytes':
      return randomBytes(rand, 40);
    default:
      return undefined;
  }
}

function boundary(kind: PrimitiveKind, rand: Rand): unknown {
  switch (kind) {
    case 'int8':
      return pick(rand, [0, 1, -1, 127, -128]);
    case 'int16':
      return pick(rand, [0, 1, -1, 32767, -32768]);
    case 'uint16':
      return pick(rand, [0, 1, 65535]);
    case 'int32':
      return pick(rand, [0, 1, -1, 3, INT32_MAX, INT32_MIN]);
    case 'uint32':
      return pick(rand, [0, 1, 2 ** 32 - 1]);
    case 'int64':
      return pick(rand, [0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1)]);
    case 'float64':
      return pick(rand, [0, -1, 1.5, 1e308]);
    case 'bool':
      return rand() < 0.5;
    case 'uuid':
      return rand() < 0.5 ? ZERO_UUID : randomUuid(rand);
    case 'string':
      return pick(rand, ['', 'a', 'x'.repeat(100), 'grüße']);
    case 'bytes':
    case 'records':
      return randomBytes(rand, 20);
  }
}

function realisticPrimitive(name: string, kind: PrimitiveKind, rand: Rand, world: World): unknown {
  const v = rand() < 0.85 ? byName(name, kind, rand, world) : undefined;
  return v === undefined ? boundary(kind, rand) : v;
}

function arrayLength(rand: Rand): number {
  const r = rand();
  return r < 0.12 ? 0 : r < 0.6 ? 1 : r < 0.85 ? 2 : r < 0.95 ? 3 : 5;
}

/** A realistic value of a struct at one version; absent fields at their defaults. */
export function realisticStruct(spec: StructSpec, version: number, flexible: boolean, rand: Rand, world: World, parent = ''): Obj {
  const out: Obj = {};
  for (const [name, field] of Object.entries(spec)) {
    if (!inVersions(field.versions, version)) {
      out[name] = defaultMaker(field, version, flexible)();
      continue;
    }
    out[name] = realisticField(name, field, version, flexible, rand, world, parent);
  }
  return out;
}

function realisticField(name: string, field: FieldSpec, version: number, flexible: boolean, rand: Rand, world: World, parent: string): unknown {
  // Mostly present: a null (where allowed) or a tagged field left at its default is the exception.
  const nullChance = name === 'topics' || name === 'configurationKeys' ? 0.2 : name === 'transactionalId' || name === 'groupInstanceId' ? 0.6 : 0.1;
  if (inVersions(field.nullable, version) && rand() < nullChance) return null;
  if (field.tag !== undefined && inVersions(field.tagged, version) && rand() < 0.3) return defaultMaker(field, version, flexible)();
  // configs[].name is a config key, not a topic.
  const as = name === 'name' && parent === 'configs' ? 'configName' : name;
  if (field.kind === 'array') {
    const n = arrayLength(rand);
    const items: unknown[] = [];
    for (let i = 0; i < n; i++) {
      // Now and then the same entry twice.
      if (i > 0 && rand() < 0.15) {
        items.push(structuredClone(items[i - 1]));
        continue;
      }
      items.push(
        field.items === 'struct' ? realisticStruct(field.fields!, version, flexible, rand, world, name) : realisticPrimitive(as, field.items!, rand, world),
      );
    }
    return items;
  }
  if (field.kind === 'struct') return realisticStruct(field.fields!, version, flexible, rand, world, name);
  return realisticPrimitive(as, field.kind, rand, world);
}

/** A request body for (api, version): realistic most of the time, the round-trip helper's random values otherwise. */
export function requestBody(api: ApiSpec, version: number, rand: Rand, world: World): { body: Obj; flavour: 'random' | 'realistic' } {
  const flexible = isFlexible(api, version);
  if (rand() < 0.25) return { body: randomStruct(api.request, version, flexible, rand), flavour: 'random' };
  return { body: realisticStruct(api.request, version, flexible, rand, world), flavour: 'realistic' };
}

// ---- Encoding -------------------------------------------------------------------------------

const lenientCache = new WeakMap<StructSpec, StructSpec>();

/** The declaration with every string, bytes and array nullable in every version, for field edits. */
function lenient(spec: StructSpec): StructSpec {
  let out = lenientCache.get(spec);
  if (out) return out;
  const copy: Record<string, FieldSpec> = {};
  for (const [name, f] of Object.entries(spec)) {
    const fields = f.fields ? lenient(f.fields) : undefined;
    const nullable = f.kind === 'string' || f.kind === 'bytes' || f.kind === 'records' || f.kind === 'array' ? '0+' : f.nullable;
    copy[name] = { ...f, ...(fields ? { fields } : {}), ...(nullable !== undefined ? { nullable } : {}) };
  }
  out = copy;
  lenientCache.set(spec, out);
  return out;
}

/** The frame (after the size prefix) of a request; `loose` encodes with the lenient declaration. */
export function encodeFrame(api: ApiSpec, version: number, correlationId: number, body: Obj, loose = false): Buffer {
  const w = new Writer(256);
  requestHeaderCodec(requestHeaderVersion(api, version)).encode(w, { requestApiKey: api.key, requestApiVersion: version, correlationId, clientId: 'spindle-fuzz' });
  compileStruct(loose ? lenient(api.request) : api.request, version, isFlexible(api, version)).encode(w, body);
  return Buffer.from(w.finish());
}

/** The frame with its 4-byte size prefix, as it goes on the wire. */
export function withSizePrefix(frame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(frame.length + 4);
  out.writeInt32BE(frame.length, 0);
  frame.copy(out, 4);
  return out;
}

// ---- Mutations ------------------------------------------------------------------------------

/** Stands for a byte that is not UTF-8 in an edited string; no other string in a frame holds it. */
const INVALID_UTF8_MARK = '\u0007';

/** Marked strings are at least this long, so that a run of marks is not an int's byte or two. */
const MIN_MARKED = 4;

/** The frame with each run of MIN_MARKED or more marks (INVALID_UTF8_MARK) made 0xff bytes, which no UTF-8 text holds. */
export function markedInvalidUtf8(frame: Buffer): Buffer {
  const mark = 0x07;
  const marks = Buffer.alloc(MIN_MARKED, mark);
  let at = frame.indexOf(marks);
  if (at < 0) return frame;
  const out = Buffer.from(frame);
  while (at >= 0) {
    let end = at;
    while (end < out.length && out[end] === mark) out[end++] = 0xff;
    at = out.indexOf(marks, end);
  }
  return out;
}

export type Mutation = 'none' | 'flip' | 'overwrite' | 'number' | 'truncate' | 'insert' | 'remove' | 'field';

const MUTATIONS: readonly [Mutation, number][] = [
  ['none', 0.14],
  ['flip', 0.16],
  ['overwrite', 0.12],
  ['number', 0.12],
  ['truncate', 0.08],
  ['insert', 0.06],
  ['remove', 0.06],
  ['field', 0.26],
];

export function pickMutation(rand: Rand): Mutation {
  let r = rand();
  for (const [m, w] of MUTATIONS) {
    if (r < w) return m;
    r -= w;
  }
  return 'field';
}

/** Bytes of the header's api key and version: left alone by byte mutations half of the time, so most frames reach a handler. */
const HEADER_KEY_BYTES = 4;

function position(rand: Rand, length: number): number {
  const from = rand() < 0.5 ? Math.min(HEADER_KEY_BYTES, length) : 0;
  return from >= length ? 0 : int(rand, from, length - 1);
}

/** One byte-level mutation of a frame (after its size prefix); the input is not changed. */
export function mutateBytes(frame: Buffer, m: Exclude<Mutation, 'none' | 'field'>, rand: Rand): Buffer {
  const b = Buffer.from(frame);
  if (b.length === 0) return b;
  switch (m) {
    case 'flip': {
      const n = int(rand, 1, 4);
      for (let i = 0; i < n; i++) b[position(rand, b.length)] ^= 1 << int(rand, 0, 7);
      return b;
    }
    case 'overwrite': {
      const n = int(rand, 1, 4);
      for (let i = 0; i < n; i++) b[position(rand, b.length)] = pick(rand, [0x00, 0xff, 0x7f, 0x80, int(rand, 0, 255)]);
      return b;
    }
    case 'number': {
      const width = rand() < 0.5 ? 2 : 4;
      if (b.length < width) return b;
      const at = Math.min(position(rand, b.length), b.length - width);
      if (width === 2) b.writeInt16BE(pick(rand, [-1, 0, 1, 0x7fff, -0x8000, 0x100]), at);
      else b.writeInt32BE(pick(rand, [-1, 0, 1, INT32_MAX, INT32_MIN, 0x10000, 1000]), at);
      return b;
    }
    case 'truncate':
      return b.subarray(0, int(rand, 0, b.length - 1));
    case 'insert': {
      const at = int(rand, 0, b.length);
      return Buffer.concat([b.subarray(0, at), randomBytes(rand, 8), b.subarray(at)]);
    }
    case 'remove': {
      const at = int(rand, 0, b.length - 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + int(rand, 1, 8)))]);
    }
  }
}

interface Slot {
  holder: Obj | unknown[];
  key: string | number;
  field: FieldSpec | undefined;
  /** For an array's elements: the array's spec. */
  arrayOf: FieldSpec | undefined;
}

function slots(spec: StructSpec, value: Obj, version: number, out: Slot[]): void {
  for (const [name, field] of Object.entries(spec)) {
    if (!inVersions(field.versions, version)) continue;
    out.push({ holder: value, key: name, field, arrayOf: undefined });
    const v = value[name];
    if (v === null || v === undefined) continue;
    if (field.kind === 'struct') slots(field.fields!, v as Obj, version, out);
    if (field.kind === 'array') {
      const a = v as unknown[];
      a.forEach((item, i) => {
        out.push({ holder: a, key: i, field: undefined, arrayOf: field });
        if (field.items === 'struct') slots(field.fields!, item as Obj, version, out);
      });
    }
  }
}

/**
 * One field of the body edited in place: null (allowed or not), an empty or long string, a
 * boundary number, an array entry duplicated or dropped. Returns a description of the edit.
 */
export function editField(api: ApiSpec, version: number, body: Obj, rand: Rand): string {
  const all: Slot[] = [];
  slots(api.request, body, version, all);
  if (all.length === 0) return 'nothing to edit';
  const s = pick(rand, all);
  const holder = s.holder as Record<string | number, unknown>;
  if (s.arrayOf) {
    const a = s.holder as unknown[];
    const i = s.key as number;
    if (rand() < 0.5) {
      a.splice(i, 0, structuredClone(a[i]));
      return `duplicated entry ${i}`;
    }
    a.splice(i, 1);
    return `removed entry ${i}`;
  }
  const kind = s.field!.kind;
  const name = String(s.key);
  if (kind === 'string' || kind === 'bytes' || kind === 'records' || kind === 'array') {
    if (rand() < 0.5) {
      holder[s.key] = null;
      return `${name} = null`;
    }
    if (kind === 'string') {
      if (rand() < 0.3) {
        // Bytes that are not UTF-8, up to near the int16 limit: markedInvalidUtf8 puts them in.
        holder[s.key] = INVALID_UTF8_MARK.repeat(int(rand, MIN_MARKED, 12_000));
        return `${name} = bytes that are not UTF-8`;
      }
      holder[s.key] = pick(rand, ['', 'x'.repeat(int(rand, 250, 2000)), '\u0000', 'ÿ'.repeat(3)]);
      return `${name} = odd string`;
    }
    holder[s.key] = kind === 'array' ? [] : Buffer.alloc(0);
    return `${name} = empty`;
  }
  if (kind === 'int8' || kind === 'int16' || kind === 'int32' || kind === 'int64' || kind === 'uint16' || kind === 'uint32') {
    holder[s.key] = boundary(kind, rand);
    return `${name} = ${String(holder[s.key])}`;
  }
  if (kind === 'uuid') {
    holder[s.key] = rand() < 0.5 ? ZERO_UUID : randomUuid(rand);
    return `${name} = ${String(holder[s.key])}`;
  }
  if (kind === 'bool') {
    holder[s.key] = !holder[s.key];
    return `${name} flipped`;
  }
  return 'no edit';
}
