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
    ],
    validateOnly: false,
  });
  assert.equal(q.entries.map((e) => e.errorCode), [ErrorCode.NONE, ErrorCode.NONE]);
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
      if (r.throttleTimeMs > 0) throttled++;
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

test.run();
