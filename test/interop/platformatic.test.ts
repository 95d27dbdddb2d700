/**
 * @platformatic/kafka against a real broker on 2 partition workers.
 *
 * - Producer: every codec the client implements, acks 0 / 1 / -1, keyed and unkeyed records,
 *   explicit partitions, headers (binary, empty, none), null and empty values; then its
 *   idempotent producer. Everything is read back through the client's consumer from the
 *   earliest offset and compared byte for byte, with the order within each partition; the
 *   idempotent batches are also inspected on the wire (producer id, epoch, sequences).
 * - Consumer groups: two members with the client's own round-robin assignor, a member leaving
 *   mid-stream, auto-commit; two members with an assignor of our own under a protocol name of
 *   our own, manual per-message commits. Nothing is lost, the committed offsets end at the log
 *   end, and closing a stream ends its iteration and flushes its pending commits.
 * - Admin: topics (with configs), metadata, partitions, configs (describe, alter, incremental),
 *   list offsets and delete records, groups and their offsets. What the broker does not serve
 *   (ACLs, quotas, log dirs, transactions, the KIP-848 consumer protocol) must be refused
 *   promptly with an error, never hang.
 *
 * Version: 1.35.0 is pinned because it is the newest release whose `engines` admits Node 20;
 * later releases need Node 22 (they call Promise.withResolvers at once). On Node 20 zlib has no
 * zstd, which the client reports as "not available": zstd is then checked to be refused at send
 * time without anything reaching the log, and is exercised in full where Node has it. npm warns
 * that two of its dependencies (@platformatic/dynamic-buffer, @platformatic/wasm-utils) ask for
 * Node 22; they run on Node 20, which this suite shows.
 *
 * The broker runs with group.initial.rebalance.delay.ms=0 and consumers with a 6 s session,
 * 500 ms heartbeats and 500 ms fetch waits, so that rebalances take well under a second.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Admin,
  compressionsAlgorithms,
  ConfigResourceTypes,
  ConfigSources,
  Consumer,
  type ExtendedGroupProtocolSubscription,
  FindCoordinatorKeyTypes,
  type GroupPartitionsAssignments,
  IncrementalAlterConfigOperationTypes,
  ListOffsetTimestamps,
  type Message,
  type MessagesStream,
  type MessageToProduce,
  Producer,
  ProduceAcks,
  type ClusterMetadata,
} from '@platformatic/kafka';
import { Fetch } from '../../src/protocol/messages/index.js';
import { batchPositions, readBatchHeader } from '../../src/protocol/records/batch.js';
import { broker, dataDir } from './helpers.js';
import { readCommittedValues, withRawClient } from '../helpers/raw-client.js';

const SESSION_MS = 6000;
const startedAt = Date.now();
const data = dataDir();
const b = await broker(data.dir, 2, { 'group.initial.rebalance.delay.ms': 0 });
const bootstrapBrokers = [b.bootstrap];
const BASE = { bootstrapBrokers, retries: 3, retryDelay: 100, timeout: 10_000 };
const GROUP = { sessionTimeout: SESSION_MS, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTime: 500 };

/** Every client a test opened, closed at its end whatever happened. */
const opened: { close(force?: boolean): Promise<void> }[] = [];
function track<T extends { close(force?: boolean): Promise<void> }>(client: T): T {
  opened.push(client);
  return client;
}
async function closeAll(): Promise<void> {
  // Producers and consumers take a `force` flag (close their streams too); Admin.close takes none.
  for (const c of opened.splice(0).reverse()) await (c instanceof Admin ? c.close() : c.close(true)).catch(() => {});
}

const newAdmin = (clientId: string) => track(new Admin({ clientId, ...BASE }));
const newProducer = (clientId: string, extra: { idempotent?: boolean; transactionalId?: string } = {}) =>
  track(new Producer({ clientId, ...BASE, ...extra }));
const newConsumer = (clientId: string, groupId: string, extra: Record<string, unknown> = {}) =>
  track(new Consumer({ clientId, groupId, ...BASE, ...GROUP, ...extra }));

async function waitFor(what: string | (() => string), cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves with what `p` rejected with, failing if it fulfils or takes longer than `ms`. */
async function rejectsWithin(what: string, p: Promise<unknown>, ms = 5000): Promise<Error & { findBy?: (k: string, v: unknown) => unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    const outcome = await Promise.race([p.then(() => 'fulfilled' as const, (e: Error) => e), hung]);
    if (outcome === 'hung') throw new Error(`${what}: no answer within ${ms} ms`);
    if (outcome === 'fulfilled') throw new Error(`${what}: succeeded, an error was expected`);
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}

/** The client wraps errors (MultipleErrors, ResponseError): true if any nested one has `code`. */
function hasCode(e: { findBy?: (k: string, v: unknown) => unknown; code?: unknown }, code: string): boolean {
  return e.code === code || !!e.findBy?.('code', code);
}

/** Latest offset of every partition of `topic`, through the admin client's ListOffsets. */
async function endOffsets(admin: Admin, topic: string, partitions: number, timestamp: bigint = ListOffsetTimestamps.LATEST): Promise<bigint[]> {
  const [t] = await admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp })) }] });
  return [...t!.partitions].sort((x, y) => x.partitionIndex - y.partitionIndex).map((p) => p.offset);
}

/** Committed offset of every partition of `topic` for `groupId` (-1 where none). */
async function committed(admin: Admin, groupId: string, topic: string, partitions: number): Promise<bigint[]> {
  const [g] = await admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, i) => i) }] }] });
  const out = Array.from({ length: partitions }, () => -1n);
  for (const p of g!.topics.find((t) => t.name === topic)?.partitions ?? []) out[p.partitionIndex] = p.committedOffset;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Producer

interface Sent {
  /** Position in the overall send order of its topic. */
  seq: number;
  key?: Buffer;
  value?: Buffer;
  headers?: Map<Buffer, Buffer>;
  partition?: number;
  timestamp?: bigint;
}

/** The identity of a record: its `id` header, or its value when it was sent without headers. */
function identity(headers: Map<Buffer, Buffer> | undefined, value: Buffer | undefined): string {
  for (const [k, v] of headers ?? []) if (k.toString() === 'id') return v.toString();
  return `value:${value?.toString('hex')}`;
}

/**
 * A varied batch: unkeyed records every 7th (the client spreads those round-robin), an explicit
 * partition every 5th, a timestamp of its own every 8th, no headers at all every 9th (identified
 * by a unique value then), null values every 11th, empty values every 13th, and header values
 * that are binary or empty.
 */
function makeBatch(topic: string, partitions: number, tag: string, from: number, count: number): Sent[] {
  return Array.from({ length: count }, (_, i) => {
    const seq = from + i;
    const s: Sent = { seq };
    if (seq % 7 !== 3) s.key = Buffer.from(`key-${seq % 10}`);
    if (seq % 5 === 1) s.partition = seq % partitions;
    // Three days back: the client zigzag-encodes 64-bit varints with a 31-bit sign shift, so a
    // record's timestamp delta from its batch's first is only written right within ±2^31 ms.
    if (seq % 8 === 5) s.timestamp = BigInt(startedAt - 3 * 86_400_000 + seq);
    if (seq % 9 === 4) {
      s.value = Buffer.from(`no-headers ${tag} ${seq} ${randomBytes(8).toString('hex')}`);
      return s;
    }
    s.headers = new Map([
      [Buffer.from('id'), Buffer.from(`${topic}/${seq}`)],
      [Buffer.from('tag'), Buffer.from(tag)],
      [Buffer.from('bin'), randomBytes(seq % 40)],
    ]);
    if (seq % 11 === 2) s.value = undefined;
    else if (seq % 13 === 6) s.value = Buffer.alloc(0);
    else s.value = Buffer.concat([Buffer.from(`${tag}/${seq}:`), randomBytes(seq % 700)]);
    return s;
  });
}

function toProduce(topic: string, s: Sent): MessageToProduce {
  const m: MessageToProduce = { topic };
  if (s.key !== undefined) m.key = s.key;
  if (s.value !== undefined) m.value = s.value;
  if (s.headers !== undefined) m.headers = s.headers;
  if (s.partition !== undefined) m.partition = s.partition;
  if (s.timestamp !== undefined) m.timestamp = s.timestamp;
  return m;
}

/** Reads `expected` records from the earliest offset of `topics` through a group consumer. */
async function readAll(topics: string[], expected: number, groupId: string): Promise<Message[]> {
  const consumer = newConsumer(`reader-${groupId}`, groupId, { autocommit: false });
  const stream = await consumer.consume({ topics, mode: 'earliest' });
  const got: Message[] = [];
  let failed: Error | null = null;
  stream.on('data', (m: Message) => got.push(m));
  stream.on('error', (e: Error) => (failed = e));
  try {
    await waitFor(() => `${expected} records from ${topics.join(', ')} (have ${got.length})`, () => failed !== null || got.length >= expected, 30_000);
    if (failed) throw failed;
    // Anything beyond what was sent would show up here.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await stream.close();
    await consumer.close();
  }
  return got;
}

/** Checks `got` against `sent`: byte-exact, each record once, order kept within a partition. */
function checkTopic(topic: string, partitions: number, sent: Sent[], got: Message[], ends: bigint[]): void {
  const mine = got.filter((m) => m.topic === topic);
  assert.is(mine.length, sent.length, `${topic}: every record once`);
  const bySeq = new Map(sent.map((s) => [identity(s.headers, s.value), s]));
  assert.is(bySeq.size, sent.length, `${topic}: identities unique`);
  const seqOf = new Map([...bySeq].map(([id, s]) => [id, s.seq]));
  const perPartition = new Map<number, Message[]>();
  const partitionOfKey = new Map<string, number>();
  for (const m of mine) {
    const s = bySeq.get(identity(m.headers, m.value));
    assert.ok(s, `${topic}: p${m.partition}@${m.offset} was sent`);
    bySeq.delete(identity(m.headers, m.value));
    assert.ok(m.key === undefined ? s!.key === undefined : s!.key?.equals(m.key), `${topic}#${s!.seq}: key`);
    if (s!.value === undefined) assert.is(m.value, undefined, `${topic}#${s!.seq}: null value stays null`);
    else assert.ok(m.value !== undefined && s!.value.equals(m.value), `${topic}#${s!.seq}: value byte-exact`);
    const sentHeaders = [...(s!.headers ?? [])].map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
    const gotHeaders = [...m.headers].map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
    assert.equal(gotHeaders, sentHeaders, `${topic}#${s!.seq}: headers byte-exact, in order`);
    if (s!.partition !== undefined) assert.is(m.partition, s!.partition, `${topic}#${s!.seq}: explicit partition`);
    // CreateTime: a timestamp given is kept; otherwise the client stamps the send time.
    if (s!.timestamp !== undefined) assert.is(m.timestamp, s!.timestamp, `${topic}#${s!.seq}: timestamp`);
    else assert.ok(m.timestamp > BigInt(startedAt - 60_000) && m.timestamp <= BigInt(Date.now()), `${topic}#${s!.seq}: send time`);
    if (s!.key !== undefined && s!.partition === undefined) {
      const k = s!.key.toString();
      const known = partitionOfKey.get(k);
      if (known !== undefined) assert.is(m.partition, known, `${topic}: ${k} stays in one partition`);
      partitionOfKey.set(k, m.partition);
    }
    const list = perPartition.get(m.partition) ?? [];
    list.push(m);
    perPartition.set(m.partition, list);
  }
  for (let p = 0; p < partitions; p++) {
    const list = perPartition.get(p) ?? [];
    // Offsets run from 0 without gaps up to the log end, in the order the records were sent.
    assert.equal(list.map((m) => m.offset), list.map((_, i) => BigInt(i)), `${topic}-${p}: offsets 0..n-1`);
    assert.is(ends[p], BigInt(list.length), `${topic}-${p}: log end`);
    const seqs = list.map((m) => seqOf.get(identity(m.headers, m.value))!);
    assert.equal(seqs, [...seqs].sort((x, y) => x - y), `${topic}-${p}: send order kept`);
  }
}

test('producer: every codec and acks level, keys, headers, null values, read back byte-exact', async () => {
  const admin = newAdmin('pk-admin-produce');
  const producer = newProducer('pk-producer');
  try {
    const codecs = (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const).filter((c) => compressionsAlgorithms[c].available);
    const topics = codecs.map((c) => `pk-codec-${c}`);
    await admin.createTopics({ topics, partitions: 3, replicas: 1 });

    const sent = new Map<string, Sent[]>();
    for (const codec of codecs) {
      const topic = `pk-codec-${codec}`;
      const all: Sent[] = [];
      for (const acks of [ProduceAcks.LEADER, ProduceAcks.ALL, ProduceAcks.NO_RESPONSE]) {
        for (let round = 0; round < 3; round++) {
          const batch = makeBatch(topic, 3, `${codec}/acks${acks}`, all.length, 60);
          const r = await producer.send({ acks, compression: codec, messages: batch.map((s) => toProduce(topic, s)) });
          // acks=0 has no answer to report offsets from; the others report one per partition written.
          if (acks === ProduceAcks.NO_RESPONSE) assert.is(r.offsets, undefined);
          else assert.ok(r.offsets && r.offsets.length > 0 && r.offsets.every((o) => o.topic === topic && o.offset >= 0n), `${codec} acks=${acks}: offsets`);
          all.push(...batch);
        }
      }
      sent.set(topic, all);
    }

    if (!compressionsAlgorithms.zstd.available) {
      // The client refuses zstd itself here (no zstd in this Node's zlib); nothing may reach the log.
      await admin.createTopics({ topics: ['pk-codec-zstd'], partitions: 1, replicas: 1 });
      const e = await rejectsWithin('zstd send', producer.send({ compression: 'zstd', messages: [{ topic: 'pk-codec-zstd', value: Buffer.from('z') }] }));
      assert.ok(hasCode(e, 'PLT_KFK_UNSUPPORTED_COMPRESSION'), String(e));
      assert.equal(await endOffsets(admin, 'pk-codec-zstd', 1), [0n]);
    }

    const expected = [...sent.values()].reduce((n, l) => n + l.length, 0);
    const got = await readAll(topics, expected, 'pk-readback');
    for (const [topic, all] of sent) checkTopic(topic, 3, all, got, await endOffsets(admin, topic, 3));
  } finally {
    await closeAll();
  }
});

test('producer: idempotent sends carry one producer id and gapless sequences, read back exactly once', async () => {
  const admin = newAdmin('pk-admin-idem');
  const producer = newProducer('pk-idempotent', { idempotent: true });
  const topic = 'pk-idempotent';
  try {
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    const info = await producer.initIdempotentProducer({});
    assert.ok(info.producerId >= 0n, 'InitProducerId gave a producer id');
    assert.ok(info.producerEpoch >= 0, 'and an epoch');

    const all: Sent[] = [];
    for (const compression of ['none', 'gzip', 'lz4'] as const) {
      for (let round = 0; round < 3; round++) {
        const batch = makeBatch(topic, 2, `idem/${compression}`, all.length, 50);
        await producer.send({ compression, messages: batch.map((s) => toProduce(topic, s)) });
        all.push(...batch);
      }
    }
    const got = await readAll([topic], all.length, 'pk-idem-reader');
    checkTopic(topic, 2, all, got, await endOffsets(admin, topic, 2));

    // On the wire every batch carries the producer id and epoch, and the sequences of a
    // partition start at 0 and follow on from batch to batch.
    await withRawClient(b.bootstrap, async (c) => {
      for (let p = 0; p < 2; p++) {
        const r = await c.request(Fetch, 12, {
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 8 << 20,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          forgottenTopicsData: [],
          rackId: '',
          topics: [{ topic, partitions: [{ partition: p, fetchOffset: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 8 << 20 }] }],
        });
        const part = r.responses[0]!.partitions[0]!;
        assert.is(part.errorCode, 0);
        const records = part.records as Buffer;
        let next = 0;
        for (const { at } of batchPositions(records)) {
          const h = readBatchHeader(records, at);
          assert.is(BigInt(h.producerId), info.producerId, `${topic}-${p}@${h.baseOffset}: producer id`);
          assert.is(h.producerEpoch, info.producerEpoch, `${topic}-${p}@${h.baseOffset}: epoch`);
          assert.is(h.baseSequence, next, `${topic}-${p}@${h.baseOffset}: sequence follows on`);
          assert.is(h.baseOffset, next, `${topic}-${p}: one sequence number per offset`);
          next += h.lastOffsetDelta + 1;
        }
        assert.ok(next > 0, `${topic}-${p} has idempotent batches`);
      }
    });
  } finally {
    await closeAll();
  }
});

// ---------------------------------------------------------------------------------------------
// Consumer groups

interface Delivery {
  consumer: string;
  partition: number;
  offset: bigint;
  id: string;
}

/** Consumes `stream` in the background into `into`, as `name`; resolves when its iteration ends. */
function drain(name: string, stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>, into: Delivery[], onMessage?: (m: Message) => void): Promise<void> {
  return (async () => {
    for await (const m of stream as AsyncIterable<Message>) {
      into.push({ consumer: name, partition: m.partition, offset: m.offset, id: m.value!.toString() });
      onMessage?.(m);
    }
  })();
}

async function produceValues(producer: Producer, topic: string, from: number, count: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({ topic, key: Buffer.from(`k${(from + i) % 20}`), value: Buffer.from(`${topic}#${from + i}`) }));
  await producer.send({ acks: ProduceAcks.ALL, messages });
}

/** Every id in 0..total-1 was delivered, and one (partition, offset) always held the same id. */
function checkNothingLost(topic: string, total: number, deliveries: Delivery[]): void {
  const seen = new Set(deliveries.map((d) => d.id));
  const missing = Array.from({ length: total }, (_, i) => `${topic}#${i}`).filter((id) => !seen.has(id));
  assert.equal(missing.slice(0, 10), [], `${topic}: ${missing.length} records never delivered`);
  const at = new Map<string, string>();
  for (const d of deliveries) {
    const where = `${d.partition}@${d.offset}`;
    const before = at.get(where);
    if (before !== undefined) assert.is(d.id, before, `${topic}-${where}: one record`);
    at.set(where, d.id);
  }
}

const assigned = (c: Consumer) => (c.assignments ?? []).flatMap((a) => a.partitions).sort((x, y) => x - y);

test('groups: round-robin assignor, a member leaving mid-stream, auto-commit, close flushes commits', async () => {
  const admin = newAdmin('pk-admin-rr');
  const producer = newProducer('pk-rr-producer');
  const topic = 'pk-group-rr';
  const groupId = 'pk-group-rr';
  try {
    await admin.createTopics({ topics: [topic], partitions: 4, replicas: 1 });
    await produceValues(producer, topic, 0, 400);

    const deliveries: Delivery[] = [];
    const a = newConsumer('pk-rr-a', groupId);
    const streamA = await a.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: 200 });
    const doneA = drain('a', streamA, deliveries);
    await waitFor('a alone owns every partition', () => assigned(a).length === 4);
    await waitFor('a consuming', () => deliveries.length >= 50);

    const bc = newConsumer('pk-rr-b', groupId);
    const streamB = await bc.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: 200 });
    const doneB = drain('b', streamB, deliveries);
    // The client's round-robin assignor deals the 4 partitions out two apiece.
    await waitFor('partitions split between a and b', () => assigned(a).length === 2 && assigned(bc).length === 2 && a.generationId === bc.generationId);
    assert.equal([...assigned(a), ...assigned(bc)].sort(), [0, 1, 2, 3], 'disjoint and complete');

    const described = (await admin.describeGroups({ groups: [groupId] })).get(groupId)!;
    assert.is(described.state, 'STABLE');
    assert.is(described.protocolType, 'consumer');
    assert.is(described.protocol, 'roundrobin');
    assert.is(described.members.size, 2);
    for (const m of described.members.values()) {
      assert.equal(m.metadata?.topics, [topic], 'member subscription decoded');
      const mine = m.id === a.memberId ? assigned(a) : assigned(bc);
      assert.equal(m.assignments?.get(topic)?.partitions.sort(), mine, 'member assignment as the leader made it');
    }

    await produceValues(producer, topic, 400, 400);
    await waitFor('b consuming', () => deliveries.some((d) => d.consumer === 'b'));

    // a leaves mid-stream: its stream ends (the iteration finishes without an error), its
    // pending offsets are committed, and LeaveGroup hands its partitions to b at once, well
    // before a session timeout would.
    const leftAt = Date.now();
    await streamA.close();
    await doneA;
    assert.ok(streamA.destroyed || streamA.readableEnded, 'a stream is over');
    await a.close();
    await waitFor('b owns every partition', () => assigned(bc).length === 4, SESSION_MS - 1000);
    assert.ok(Date.now() - leftAt < SESSION_MS, 'rebalanced on leave, not on session expiry');
    await produceValues(producer, topic, 800, 400);

    await waitFor('every record delivered', () => new Set(deliveries.map((d) => d.id)).size === 1200, 30_000);
    checkNothingLost(topic, 1200, deliveries);
    const ends = await endOffsets(admin, topic, 4);
    assert.is(ends.reduce((x, y) => x + y, 0n), 1200n);

    // Closing b's stream commits what it delivered: right after close resolves the group's
    // offsets stand at the log end.
    await waitFor('b fetched to the end', () => [...streamB.offsetsToFetch.entries()].filter(([k]) => k.startsWith(`${topic}:`)).every(([k, v]) => v === ends[Number(k.split(':')[1])]));
    await streamB.close();
    await doneB;
    assert.equal(await committed(admin, groupId, topic, 4), ends, 'committed offsets at the log end');
    await bc.close();
    const after = (await admin.describeGroups({ groups: [groupId] })).get(groupId)!;
    assert.is(after.state, 'EMPTY');
    assert.is(after.members.size, 0);
  } finally {
    await closeAll();
  }
});

/** Contiguous ranges of partitions, by member id order: the assignor we plug into the client. */
function rangeAssigner(_current: string, members: Map<string, ExtendedGroupProtocolSubscription>, topics: Set<string>, metadata: ClusterMetadata): GroupPartitionsAssignments[] {
  const ids = [...members.keys()].sort();
  const out = ids.map((memberId) => ({ memberId, assignments: new Map<string, { topic: string; partitions: number[] }>() }));
  for (const topic of topics) {
    const count = metadata.topics.get(topic)!.partitionsCount;
    const per = Math.ceil(count / ids.length);
    out.forEach((o, i) => {
      const partitions = Array.from({ length: count }, (_, p) => p).filter((p) => Math.floor(p / per) === i);
      if (partitions.length) o.assignments.set(topic, { topic, partitions });
    });
  }
  return out;
}

test('groups: a custom assignor under its own protocol name, manual commits, force close', async () => {
  const admin = newAdmin('pk-admin-range');
  const producer = newProducer('pk-range-producer');
  const topic = 'pk-group-range';
  const groupId = 'pk-group-range';
  const protocols = [{ name: 'pk-range', version: 1 }];
  try {
    await admin.createTopics({ topics: [topic], partitions: 4, replicas: 1 });
    await produceValues(producer, topic, 0, 300);

    const deliveries: Delivery[] = [];
    const commits: Promise<void>[] = [];
    const c = newConsumer('pk-range-c', groupId, { partitionAssigner: rangeAssigner, protocols });
    const d = newConsumer('pk-range-d', groupId, { partitionAssigner: rangeAssigner, protocols });
    // Manual commits: each message commits its own offset + 1 (an OffsetCommit per message).
    const commitEach = (m: Message) => void commits.push(m.commit() as Promise<void>);
    const streamC = await c.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const doneC = drain('c', streamC, deliveries, commitEach);
    const streamD = await d.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const doneD = drain('d', streamD, deliveries, commitEach);

    await waitFor('ranges assigned', () => assigned(c).length === 2 && assigned(d).length === 2 && c.generationId === d.generationId);
    const [first, second] = [c.memberId!, d.memberId!].sort();
    const byId = new Map([[c.memberId!, assigned(c)], [d.memberId!, assigned(d)]]);
    assert.equal(byId.get(first!), [0, 1], 'the lower member id gets partitions 0-1');
    assert.equal(byId.get(second!), [2, 3], 'the other gets 2-3');
    const described = (await admin.describeGroups({ groups: [groupId] })).get(groupId)!;
    assert.is(described.protocol, 'pk-range', 'the protocol both members offered was chosen');

    // Records produced once the assignment has settled (and any fetch begun before it has had
    // its maximum wait) are read by their partition's owner alone.
    await new Promise((r) => setTimeout(r, GROUP.maxWaitTime * 2));
    await produceValues(producer, topic, 300, 300);
    await waitFor('every record delivered', () => new Set(deliveries.map((x) => x.id)).size === 600, 30_000);
    await Promise.all(commits);
    checkNothingLost(topic, 600, deliveries);
    for (const x of deliveries.filter((x) => Number(x.id.split('#')[1]) >= 300)) {
      assert.ok((x.consumer === 'c' ? assigned(c) : assigned(d)).includes(x.partition), `${x.id}: read by ${x.consumer}, which does not own partition ${x.partition}`);
    }
    const ends = await endOffsets(admin, topic, 4);
    assert.equal(await committed(admin, groupId, topic, 4), ends, 'manual commits reach the log end');
    const own = await c.listCommittedOffsets({ topics: [{ topic, partitions: [0, 1, 2, 3] }] });
    assert.equal(own.get(topic), ends, 'the consumer reads the same committed offsets');

    // close(true) closes the streams still open (their iterations end cleanly) and leaves.
    await c.close(true);
    await doneC;
    assert.ok(streamC.destroyed || streamC.readableEnded, 'c stream closed by force close');
    await d.close(true);
    await doneD;
    const after = (await admin.describeGroups({ groups: [groupId] })).get(groupId)!;
    assert.is(after.state, 'EMPTY');
  } finally {
    await closeAll();
  }
});

// ---------------------------------------------------------------------------------------------
// Admin

test('admin: topics, metadata, partitions, configs, offsets and records', async () => {
  const admin = newAdmin('pk-admin');
  const producer = newProducer('pk-admin-producer');
  const topic = 'pk-admin-topic';
  try {
    const [created] = await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'delete' }] });
    assert.is(created!.name, topic);
    assert.is(created!.partitions, 2);
    assert.is(created!.replicas, 1);
    assert.is(created!.configuration['retention.ms'], '3600000', 'CreateTopics answers with the config it applied');
    const again = await rejectsWithin('creating it again', admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 }));
    assert.ok(again.findBy?.('apiId', 'TOPIC_ALREADY_EXISTS'), String(again));

    assert.ok((await admin.listTopics()).includes(topic), 'listed');
    assert.not.ok((await admin.listTopics()).some((t) => t.startsWith('__')), 'internal topics hidden by default');
    let meta = await admin.metadata({ topics: [topic] });
    assert.is(meta.topics.get(topic)!.partitionsCount, 2);
    assert.equal([...meta.brokers.keys()], [1]);
    assert.is(`${meta.brokers.get(1)!.host}:${meta.brokers.get(1)!.port}`, b.bootstrap);
    assert.is(meta.controllerId, 1);
    for (const p of meta.topics.get(topic)!.partitions) assert.is(p.leader, 1);
    const [coordinator] = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: ['any-group'] });
    assert.is(coordinator!.nodeId, 1);

    await admin.createPartitions({ topics: [{ name: topic, count: 4 }] });
    meta = await admin.metadata({ topics: [topic], forceUpdate: true });
    assert.is(meta.topics.get(topic)!.partitionsCount, 4, 'CreatePartitions took');
    const shrink = await rejectsWithin('shrinking', admin.createPartitions({ topics: [{ name: topic, count: 2 }] }));
    assert.ok(shrink.findBy?.('apiId', 'INVALID_PARTITIONS'), String(shrink));

    // Configs: the value set at creation is a topic config; AlterConfigs replaces the whole set;
    // IncrementalAlterConfigs sets and deletes single keys.
    const describe = async () => {
      const [r] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms', 'cleanup.policy', 'max.message.bytes'] }] });
      return new Map(r!.configs.map((c) => [c.name, c]));
    };
    let configs = await describe();
    assert.is(configs.get('retention.ms')?.value, '3600000');
    assert.is(configs.get('retention.ms')?.configSource, ConfigSources.TOPIC_CONFIG);
    assert.is(configs.get('max.message.bytes')?.configSource, ConfigSources.DEFAULT_CONFIG);
    await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'max.message.bytes', value: '500000' }] }] });
    configs = await describe();
    assert.is(configs.get('max.message.bytes')?.value, '500000');
    assert.is(configs.get('retention.ms')?.configSource, ConfigSources.DEFAULT_CONFIG, 'AlterConfigs dropped what it did not name');
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: [
            { name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '7200000' },
            { name: 'max.message.bytes', configOperation: IncrementalAlterConfigOperationTypes.DELETE },
          ],
        },
      ],
    });
    configs = await describe();
    assert.is(configs.get('retention.ms')?.value, '7200000');
    assert.is(configs.get('retention.ms')?.configSource, ConfigSources.TOPIC_CONFIG);
    assert.is(configs.get('max.message.bytes')?.configSource, ConfigSources.DEFAULT_CONFIG);
    const bad = await rejectsWithin('an unknown config', admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'no.such.config', value: '1' }] }] }));
    assert.ok(bad.findBy?.('apiId', 'INVALID_CONFIG'), String(bad));
    const [brokerConfigs] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: '1', configurationKeys: ['num.partitions'] }] });
    assert.is(brokerConfigs!.configs.find((c) => c.name === 'num.partitions')?.value, '1');

    // ListOffsets and DeleteRecords.
    await producer.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 3, value: Buffer.from(`r${i}`) })) });
    assert.equal(await endOffsets(admin, topic, 4), [0n, 0n, 0n, 10n]);
    assert.equal(await endOffsets(admin, topic, 4, ListOffsetTimestamps.EARLIEST), [0n, 0n, 0n, 0n]);
    const [deleted] = await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 3, offset: 4n }] }] });
    assert.equal(deleted!.partitions, [{ partition: 3, lowWatermark: 4n }]);
    assert.equal(await endOffsets(admin, topic, 4, ListOffsetTimestamps.EARLIEST), [0n, 0n, 0n, 4n]);
    const c = newConsumer('pk-admin-lister', 'pk-admin-lister');
    const offsets = await c.listOffsets({ topics: [topic] });
    assert.equal(offsets.get(topic), [0n, 0n, 0n, 10n], 'the consumer lists the same ends');

    await admin.deleteTopics({ topics: [topic] });
    await waitFor('topic gone', async () => !(await admin.listTopics()).includes(topic), 5000);
    const gone = await rejectsWithin('deleting it again', admin.deleteTopics({ topics: [topic] }));
    assert.ok(gone.findBy?.('apiId', 'UNKNOWN_TOPIC_OR_PARTITION'), String(gone));
  } finally {
    await closeAll();
  }
});

test('admin: groups and their offsets', async () => {
  const admin = newAdmin('pk-admin-groups');
  const producer = newProducer('pk-admin-groups-producer');
  const topic = 'pk-admin-groups';
  const groupId = 'pk-admin-group';
  try {
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    await produceValues(producer, topic, 0, 40);
    const deliveries: Delivery[] = [];
    const consumer = newConsumer('pk-admin-member', groupId);
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: true });
    const done = drain('m', stream, deliveries);
    await waitFor('all read', () => deliveries.length >= 40);
    const ends = await endOffsets(admin, topic, 2);
    await waitFor('auto-committed to the end', async () => (await committed(admin, groupId, topic, 2)).every((o, i) => o === ends[i]));

    const listed = await admin.listGroups();
    assert.equal(listed.get(groupId), { id: groupId, state: 'STABLE', groupType: 'classic', protocolType: 'consumer' });
    const onlyEmpty = await admin.listGroups({ states: ['EMPTY'] });
    assert.not.ok(onlyEmpty.has(groupId), 'state filter applied');
    const described = (await admin.describeGroups({ groups: [groupId] })).get(groupId)!;
    assert.is(described.members.size, 1);
    const member = [...described.members.values()][0]!;
    assert.is(member.id, consumer.memberId!);
    assert.is(member.clientId, 'pk-admin-member');
    assert.equal(member.assignments?.get(topic)?.partitions, [0, 1]);

    // A group with members may not be deleted.
    const busy = await rejectsWithin('deleting a live group', admin.deleteGroups({ groups: [groupId] }));
    assert.ok(busy.findBy?.('apiId', 'NON_EMPTY_GROUP'), String(busy));

    await stream.close();
    await done;
    await consumer.close();

    await admin.alterConsumerGroupOffsets({ groupId, topics: [{ name: topic, partitionOffsets: [{ partition: 0, offset: 3n }] }] });
    assert.equal(await committed(admin, groupId, topic, 2), [3n, ends[1]!]);
    const everything = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    assert.equal(everything[0]!.topics.map((t) => t.name), [topic], 'listing without topics gives every committed topic');
    const removed = await admin.deleteConsumerGroupOffsets({ groupId, topics: [{ name: topic, partitionIndexes: [1] }] });
    assert.equal(removed, [{ name: topic, partitionIndexes: [1] }]);
    assert.equal(await committed(admin, groupId, topic, 2), [3n, -1n]);

    await admin.deleteGroups({ groups: [groupId] });
    assert.not.ok((await admin.listGroups()).has(groupId), 'deleted group not listed');
    assert.equal(await committed(admin, groupId, topic, 2), [-1n, -1n], 'its offsets went with it');
  } finally {
    await closeAll();
  }
});

test('transactions: a committed and an aborted one; read_committed sees only the committed records', async () => {
  const admin = newAdmin('pk-admin-txn');
  const topic = 'pk-txn';
  const producer = newProducer('pk-txn', { idempotent: true, transactionalId: 'pk-txn' });
  try {
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    const committed = await producer.beginTransaction();
    await committed.send({ messages: Array.from({ length: 6 }, (_, i) => ({ topic, partition: i % 2, value: Buffer.from(`kept-${i}`) })) });
    await committed.commit();
    const aborted = await producer.beginTransaction();
    await aborted.send({ messages: [{ topic, partition: 0, value: Buffer.from('dropped') }] });
    await aborted.abort();
    const values = await withRawClient(b.bootstrap, async (c) => {
      const out: string[] = [];
      for (const p of [0, 1]) {
        // The abort's markers are written after EndTxn is answered: wait for the LSO to pass them.
        for (let i = 0; i < 100; i++) {
          const r = await readCommittedValues(c, topic, p);
          if (BigInt(r.lastStableOffset) === (await endOffsets(admin, topic, 2))[p]) {
            out.push(...r.values);
            break;
          }
          await new Promise((res) => setTimeout(res, 20));
        }
      }
      return out;
    });
    assert.equal(values.sort(), Array.from({ length: 6 }, (_, i) => `kept-${i}`).sort());
  } finally {
    await closeAll();
  }
});

test('what the broker does not serve is refused promptly, never hangs', async () => {
  const admin = newAdmin('pk-admin-unsupported');
  const topic = 'pk-unsupported';
  try {
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const acl = { resourceType: 2, resourceName: topic, resourcePatternType: 3, principal: 'User:x', host: '*', operation: 3, permissionType: 3 } as const;
    const calls: [string, () => Promise<unknown>][] = [['describeLogDirs', () => admin.describeLogDirs({ topics: [{ name: topic, partitions: [0] }] })]];
    for (const [name, call] of calls) {
      const e = await rejectsWithin(name, call());
      assert.ok(hasCode(e, 'PLT_KFK_UNSUPPORTED_API'), `${name}: ${String(e)}`);
    }
    // The ACL APIs are served; without an authorizer they answer SECURITY_DISABLED (54), as Kafka's do.
    for (const [name, call] of [
      ['createAcls', () => admin.createAcls({ creations: [acl] })],
      ['describeAcls', () => admin.describeAcls({ filter: acl })],
      ['deleteAcls', () => admin.deleteAcls({ filters: [acl] })],
    ] as [string, () => Promise<unknown>][]) {
      const e = await rejectsWithin(name, call());
      assert.match(JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e), /SECURITY_DISABLED|\b54\b|Security features/, `${name}: ${String(e)}`);
    }
    // Client quotas are served: set, then described.
    await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'client-id', entityName: 'pk' }], ops: [{ key: 'producer_byte_rate', value: 1000, remove: false }] }] });
    const quotas = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 0, match: 'pk' }] });
    assert.match(JSON.stringify(quotas), /producer_byte_rate/);


    // The KIP-848 consumer protocol (ConsumerGroupHeartbeat) is not offered.
    const next = track(new Consumer({ clientId: 'pk-848', groupId: 'pk-848', ...BASE, groupProtocol: 'consumer' }));
    const e848 = await rejectsWithin('consumer protocol', next.consume({ topics: [topic] }).then((s) => s.close()));
    assert.ok(hasCode(e848, 'PLT_KFK_UNSUPPORTED_API'), String(e848));
  } finally {
    await closeAll();
  }
});

test.after(async () => {
  await b.close();
  data.remove();
});

test.run();
