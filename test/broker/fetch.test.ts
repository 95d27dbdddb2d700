/**
 * Fetch behaviour: long polls woken by appends, byte limits, the first-batch rule, fetch
 * sessions (KIP-227), topic IDs, and errors per partition.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Fetch, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { batchPositions, decodeBatchDecompressing, encodeBatch } from '../../src/protocol/records/batch.js';
import { broker, dataDir } from '../interop/helpers.js';
import { RawClient } from '../helpers/raw-client.js';

const data = dataDir();
/** replica.fetch.max.bytes, small so that a few batches pass it. */
const REPLICA_FETCH_MAX_BYTES = 4096;
const b = await broker(data.dir, 2, { 'num.partitions': 2, 'replica.fetch.max.bytes': REPLICA_FETCH_MAX_BYTES });
const setup = await RawClient.connect(b.bootstrap);
const meta = await setup.request(Metadata, 12, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'f' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
const topicId = meta.topics[0].topicId as string;

async function produce(partition: number, values: string[], client = setup): Promise<number> {
  const r = await client.request(Produce, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: 'f', partitionData: [{ index: partition, records: encodeBatch(values.map((value) => ({ value }))) }] }],
  });
  assert.is(r.responses[0].partitionResponses[0].errorCode, 0);
  return r.responses[0].partitionResponses[0].baseOffset;
}

function fetchBody(partitions: { partition: number; fetchOffset: number; partitionMaxBytes?: number }[], extra: Record<string, unknown> = {}) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 'f', topicId, partitions: partitions.map((p) => ({ partitionMaxBytes: 1 << 20, ...p })) }],
    forgottenTopicsData: [],
    rackId: '',
    ...extra,
  };
}

const valuesOf = (records: Buffer) => [...batchPositions(records)].flatMap(({ at }) => decodeBatchDecompressing(records, at).records.map((r) => r.value!.toString()));

test('a long-polling fetch is woken by the append, not by its timeout', async () => {
  const consumer = await RawClient.connect(b.bootstrap);
  const start = await produce(0, ['before']);
  const waitMs = 10_000;
  const started = Date.now();
  const pending = consumer.request(Fetch, 12, fetchBody([{ partition: 0, fetchOffset: start + 1 }], { maxWaitMs: waitMs, minBytes: 1 }));
  await new Promise((r) => setTimeout(r, 200));
  await produce(0, ['woken']);
  const r = await pending;
  const elapsed = Date.now() - started;
  assert.ok(elapsed < waitMs / 2, `answered after ${elapsed} ms of a ${waitMs} ms wait`);
  assert.equal(valuesOf(r.responses[0].partitions[0].records!), ['woken']);
  consumer.close();
});

test('a fetch with nothing new waits max_wait_ms and answers empty', async () => {
  const end = (await produce(1, ['x'])) + 1;
  const started = Date.now();
  const r = await setup.request(Fetch, 12, fetchBody([{ partition: 1, fetchOffset: end }], { maxWaitMs: 300, minBytes: 1 }));
  assert.ok(Date.now() - started >= 250);
  assert.is(r.responses[0].partitions[0].records!.length, 0);
  assert.is(r.responses[0].partitions[0].highWatermark, end);
});

test('the first batch comes whole even past the limits; further data waits for the next fetch', async () => {
  const big = 'y'.repeat(5000);
  const base = await produce(0, [big, big]);
  await produce(0, ['small']);
  const r = await setup.request(Fetch, 12, fetchBody([{ partition: 0, fetchOffset: base, partitionMaxBytes: 100 }], { maxBytes: 100 }));
  const got = valuesOf(r.responses[0].partitions[0].records!);
  assert.equal(got, [big, big], 'exactly the first batch');
});

test('a fetch out of range gets OFFSET_OUT_OF_RANGE with the log bounds; unknown partitions their own error', async () => {
  const r = await setup.request(Fetch, 12, fetchBody([{ partition: 0, fetchOffset: 1_000_000 }, { partition: 7, fetchOffset: 0 }]));
  const [p0, p7] = r.responses[0].partitions;
  assert.is(p0.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.ok(p0.highWatermark > 0);
  assert.is(p0.logStartOffset, 0);
  assert.is(p7.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('v13+ fetches by topic ID; an unknown ID gets UNKNOWN_TOPIC_ID', async () => {
  const base = await produce(1, ['by-id']);
  const r = await setup.request(Fetch, 13, fetchBody([{ partition: 1, fetchOffset: base }]));
  assert.is(r.responses[0].topicId, topicId);
  assert.equal(valuesOf(r.responses[0].partitions[0].records!), ['by-id']);
  const unknown = await setup.request(Fetch, 13, {
    ...fetchBody([]),
    topics: [{ topic: '', topicId: '11111111-2222-3333-4444-555555555555', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 100 }] }],
  });
  assert.is(unknown.responses[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
});

test('an incremental fetch session answers only the partitions with news', async () => {
  const c = await RawClient.connect(b.bootstrap);
  const end0 = (await produce(0, ['s0'])) + 1;
  const end1 = (await produce(1, ['s1'])) + 1;
  const full = await c.request(Fetch, 12, fetchBody([{ partition: 0, fetchOffset: end0 }, { partition: 1, fetchOffset: end1 }], { sessionId: 0, sessionEpoch: 0 }));
  const sessionId = full.sessionId as number;
  assert.ok(sessionId > 0, 'a session was opened');
  assert.is(full.responses[0].partitions.length, 2);
  const quiet = await c.request(Fetch, 12, { ...fetchBody([]), topics: [], sessionId, sessionEpoch: 1 });
  assert.is(quiet.errorCode, 0);
  assert.is(quiet.responses.length, 0, 'nothing changed: nothing listed');
  await produce(1, ['news']);
  const news = await c.request(Fetch, 12, { ...fetchBody([]), topics: [], sessionId, sessionEpoch: 2 });
  assert.is(news.responses[0].partitions.length, 1);
  assert.is(news.responses[0].partitions[0].partitionIndex, 1);
  assert.equal(valuesOf(news.responses[0].partitions[0].records!), ['news']);
  const stale = await c.request(Fetch, 12, { ...fetchBody([]), topics: [], sessionId, sessionEpoch: 2 });
  assert.is(stale.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  const missing = await c.request(Fetch, 12, { ...fetchBody([]), topics: [], sessionId: sessionId + 1, sessionEpoch: 1 });
  assert.is(missing.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  c.close();
});

test('a fetch that carries a replica id reads at most replica.fetch.max.bytes per partition: replicaId up to v14, replicaState from v15', async () => {
  let first = -1;
  for (let i = 0; i < 20; i++) {
    const base = await produce(1, [`${i}`.padEnd(1000, '.')]);
    if (first < 0) first = base;
  }
  const bytesOf = async (version: number, extra: Record<string, unknown>) => {
    const r = await setup.request(Fetch, version, fetchBody([{ partition: 1, fetchOffset: first }], extra));
    assert.is(r.responses[0].partitions[0].errorCode, 0);
    return r.responses[0].partitions[0].records!.length;
  };
  const consumer = await bytesOf(12, { replicaId: -1 });
  assert.ok(consumer > 20 * 1000, `a consumer gets all ${consumer} bytes`);
  for (const [version, extra] of [
    [12, { replicaId: 0 }],
    [14, { replicaId: 3 }],
    [15, { replicaState: { replicaId: 0, replicaEpoch: 1 } }],
  ] as const) {
    const replica = await bytesOf(version, extra);
    assert.ok(replica > 0 && replica <= REPLICA_FETCH_MAX_BYTES, `Fetch v${version} as a replica: ${replica} bytes`);
  }
  assert.is(await bytesOf(15, { replicaState: { replicaId: -1, replicaEpoch: -1 } }), consumer, 'v15 without a replica is a consumer');
});

test('READ_COMMITTED fetches see the last stable offset at the high watermark and an empty aborted list', async () => {
  const base = await produce(0, ['committed']);
  const r = await setup.request(Fetch, 11, fetchBody([{ partition: 0, fetchOffset: base }], { isolationLevel: 1 }));
  const p = r.responses[0].partitions[0];
  assert.is(p.lastStableOffset, p.highWatermark);
  assert.equal(p.abortedTransactions, []);
  assert.is(p.preferredReadReplica, -1);
});

test.after(async () => {
  setup.close();
  await b.close();
  data.remove();
});

test.run();
