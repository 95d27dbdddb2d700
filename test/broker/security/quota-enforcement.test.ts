/**
 * Client quotas enforced: producer_byte_rate and consumer_byte_rate set with AlterClientQuotas
 * hold a client that sends (or reads) as fast as it can to the quota — the measured rate within
 * 10% of it over a steady stretch — with throttle_time_ms in the responses and the connection
 * muted for that long (KIP-219), so a client that ignores the field is held too (this raw
 * client ignores it). A client id without a quota is not slowed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { Client } from '../../../src/client/client.js';
import { Producer } from '../../../src/client/producer.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { AlterClientQuotas, CreateTopics, Fetch, Produce } from '../../../src/protocol/messages/index.js';
import { encodeBatch } from '../../../src/protocol/records/batch.js';
import { RawClient } from '../../helpers/raw-client.js';

const PRODUCE_QUOTA = 400_000; // bytes/s
const FETCH_QUOTA = 600_000;
/** Below one 64 KiB fetch a second: with the two one-second samples, a fetch is throttled for well under a second. */
const SESSION_QUOTA = 40_000;

let b: RunningBroker;

test.before(async () => {
  // Two one-second samples: the rate follows the client within a couple of seconds (Kafka's 11
  // samples let a new client burst for ten seconds first).
  b = await startBroker({ port: 0, config: { 'num.io.threads': 1, 'quota.window.num': 2, 'quota.window.size.seconds': 1 }, logger: { error() {}, warn() {}, info() {} } });
  const c = await RawClient.connect(b.bootstrap);
  const q = await c.request(AlterClientQuotas, 1, {
    entries: [
      { entity: [{ entityType: 'client-id', entityName: 'slow-producer' }], ops: [{ key: 'producer_byte_rate', value: PRODUCE_QUOTA, remove: false }] },
      { entity: [{ entityType: 'client-id', entityName: 'slow-consumer' }], ops: [{ key: 'consumer_byte_rate', value: FETCH_QUOTA, remove: false }] },
      { entity: [{ entityType: 'client-id', entityName: 'session-consumer' }], ops: [{ key: 'consumer_byte_rate', value: SESSION_QUOTA, remove: false }] },
    ],
    validateOnly: false,
  });
  assert.equal(q.entries.map((e) => e.errorCode), [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]);
  const t = await c.request(CreateTopics, 7, { topics: [{ name: 'quota', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.is(t.topics[0]!.errorCode, ErrorCode.NONE);
  c.close();
});

test.after(() => b.close());

/** Sends 16 KiB records as fast as the producer can for `ms` and returns the acknowledged bytes per second over the last `measureMs`. */
async function produceRate(clientId: string, ms: number, measureMs: number): Promise<number> {
  const client = new Client({ bootstrapServers: b.bootstrap, clientId });
  const producer = new Producer(client, { acks: 1, lingerMs: 0 });
  const value = Buffer.alloc(16 * 1024, 0x61);
  const began = performance.now();
  let measuredBytes = 0;
  const measureFrom = began + (ms - measureMs);
  const inFlight = new Set<Promise<unknown>>();
  try {
    while (performance.now() - began < ms) {
      const p = producer.send({ topic: 'quota', value }).then(() => {
        if (performance.now() >= measureFrom) measuredBytes += value.length;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= 16) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await producer.close();
    await client.close();
  }
  return measuredBytes / ((performance.now() - measureFrom) / 1000);
}

test('producer_byte_rate: a producer sending flat out is held within 10% of its quota; one without a quota is not', async () => {
  const rate = await produceRate('slow-producer', 8000, 5000);
  assert.ok(Math.abs(rate - PRODUCE_QUOTA) / PRODUCE_QUOTA <= 0.1, `measured ${Math.round(rate)} B/s against a quota of ${PRODUCE_QUOTA}`);
  const free = await produceRate('free-producer', 3000, 2000);
  assert.ok(free > PRODUCE_QUOTA * 2, `an unthrottled client id sends ${Math.round(free)} B/s`);
  assert.ok(b.broker.security.produceQuota.throttles > 0);
});

test('throttle_time_ms is in the Produce response past the quota, and the connection is muted for that long', async () => {
  const c = await RawClient.connect(b.bootstrap);
  try {
    const records = encodeBatch([{ value: Buffer.alloc(200_000, 0x62) }]);
    let throttle = 0;
    // A throttle long enough to measure against the time a request takes on a loaded machine.
    for (let i = 0; i < 30 && throttle < 300; i++) {
      const r = await c.requestAs('slow-producer', Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'quota', partitionData: [{ index: 0, records }] }] });
      throttle = r.throttleTimeMs;
    }
    assert.ok(throttle >= 300, `a throttle time once past the quota (${throttle} ms)`);
    const began = performance.now();
    await c.requestAs('slow-producer', Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'quota', partitionData: [{ index: 0, records: encodeBatch([{ value: 'x' }]) }] }] });
    const waited = performance.now() - began;
    assert.ok(waited >= throttle * 0.7, `the next request was read after ${waited.toFixed(0)} ms of a ${throttle} ms throttle`);
  } finally {
    c.close();
  }
});

test('consumer_byte_rate: a consumer fetching flat out is held within 10% of its quota, throttle_time_ms telling it how long it was held', async () => {
  // 12 MB to read, more than the test reads.
  const client = new Client({ bootstrapServers: b.bootstrap, clientId: 'filler' });
  const producer = new Producer(client, { acks: 1, lingerMs: 5 });
  const value = Buffer.alloc(32 * 1024, 0x63);
  await Promise.all(Array.from({ length: 384 }, () => producer.send({ topic: 'quota', value })));
  await producer.close();
  await client.close();

  const c = await RawClient.connect(b.bootstrap);
  try {
    let offset = 0;
    let measured = 0;
    let throttled = 0;
    const began = performance.now();
    const measureFrom = began + 3000;
    while (performance.now() - began < 8000) {
      const r = await c.requestAs('slow-consumer', Fetch, 12, {
        replicaId: -1,
        maxWaitMs: 100,
        minBytes: 1,
        maxBytes: 64 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: 'quota', partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 64 * 1024, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1 }] }],
        forgottenTopicsData: [],
        rackId: '',
      });
      const p = r.responses[0]?.partitions[0];
      const bytes = p?.records ? (p.records as Buffer).length : 0;
      if (r.throttleTimeMs > 0) {
        throttled++;
        // Kafka's throttled answer: no partitions at all, the records left for a later fetch.
        assert.is(r.responses.length, 0, 'a throttled fetch carries no records');
      }
      if (performance.now() >= measureFrom) measured += bytes;
      offset = RawClient.nextOffset(p?.records as Buffer | null, offset);
    }
    const rate = measured / ((performance.now() - measureFrom) / 1000);
    assert.ok(Math.abs(rate - FETCH_QUOTA) / FETCH_QUOTA <= 0.1, `measured ${Math.round(rate)} B/s against a quota of ${FETCH_QUOTA}`);
    assert.ok(throttled > 0, 'fetches past the quota carried a throttle time');
  } finally {
    c.close();
  }
});

test('a throttled fetch keeps the fetch session as Kafka does: a full fetch opens none, an incremental one moves the epoch on and answers nothing', async () => {
  // The topic holds megabytes from the test before; each fetch asks for 64 KiB.
  const c = await RawClient.connect(b.bootstrap);
  const fetch = (sessionId: number, sessionEpoch: number, fetchOffset: number) =>
    c.requestAs('session-consumer', Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 64 * 1024,
      isolationLevel: 0,
      sessionId,
      sessionEpoch,
      topics: sessionEpoch === 0 || fetchOffset >= 0 ? [{ topic: 'quota', partitions: [{ partition: 0, fetchOffset: Math.max(0, fetchOffset), partitionMaxBytes: 64 * 1024, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1 }] }] : [],
      forgottenTopicsData: [],
      rackId: '',
    });
  try {
    // A new client's first 64 KiB is past a 40 kB/s quota measured over a second: throttled,
    // and the session it asked for is not opened (session id 0), as Kafka's FullFetchContext.
    const first = await fetch(0, 0, 0);
    assert.ok(first.throttleTimeMs > 0, 'the first fetch is throttled');
    assert.is(first.errorCode, ErrorCode.NONE);
    assert.is(first.sessionId, 0, 'no session is opened by a throttled full fetch');
    assert.is(first.responses.length, 0);
    // Full fetches again until the window is long enough to let 64 KiB through: records, and a session.
    let opened = first;
    for (let i = 0; i < 20 && opened.throttleTimeMs > 0; i++) opened = await fetch(0, 0, 0);
    assert.is(opened.throttleTimeMs, 0, 'a full fetch got through once the window had grown');
    assert.ok(opened.sessionId > 0, 'the full fetch that got through opened a session');
    const records = opened.responses[0]!.partitions[0]!.records as Buffer;
    assert.ok(records.length > 0);
    const next = RawClient.nextOffset(records, 0);
    // The incremental fetch right after it is past the quota: same session, no partitions.
    const held = await fetch(opened.sessionId, 1, next);
    assert.ok(held.throttleTimeMs > 0, 'the incremental fetch is throttled');
    assert.is(held.errorCode, ErrorCode.NONE);
    assert.is(held.sessionId, opened.sessionId);
    assert.is(held.responses.length, 0);
    // Its epoch was used: the next incremental fetch is epoch 2, sends no partitions, and the
    // session fetches from the offset the throttled request brought.
    let after = await fetch(opened.sessionId, 2, -1);
    for (let epoch = 3; after.errorCode === ErrorCode.NONE && after.throttleTimeMs > 0 && epoch < 30; epoch++) after = await fetch(opened.sessionId, epoch, -1);
    assert.is(after.errorCode, ErrorCode.NONE, `the session survived its throttled fetches (error ${after.errorCode})`);
    assert.is(after.throttleTimeMs, 0);
    const batch = after.responses[0]!.partitions[0]!.records as Buffer;
    assert.is(batch.readBigInt64BE(0), BigInt(next), 'the session reads on from the offset the throttled request brought');
  } finally {
    c.close();
  }
});

test.run();
