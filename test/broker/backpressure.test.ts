/**
 * What a client that pipelines and never reads can make the broker hold: one connection stops
 * being read at its own bounds, frames past a pause are not run, the broker-wide budget
 * (queued.max.request.bytes) stops the connections that fill it while a well-behaved client
 * is still answered, and a connection that goes away takes its queued and parked requests
 * with it.
 */
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WRITE_HIGH_WATER } from '../../src/broker/connection.js';
import { HISTOGRAM_WIDTH } from '../../src/broker/metrics.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { encodeRequest } from '../../src/protocol/frame.js';
import { ApiVersions, CreateTopics, Fetch, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { RawClient } from '../helpers/raw-client.js';
import { dataDir } from '../interop/helpers.js';

const TOPICS = 40;

/** A socket that sends and never reads: its receive buffer fills and the broker's writes back up. */
function silent(bootstrap: string): Promise<Socket> {
  const [host, port] = bootstrap.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), host, () => {
      s.pause();
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** `count` Metadata requests for every topic, in one buffer. */
function metadataFlood(count: number): Buffer {
  const topics = Array.from({ length: TOPICS }, (_, i) => ({ topicId: '00000000-0000-0000-0000-000000000000', name: `t${i}` }));
  return Buffer.concat(Array.from({ length: count }, (_, i) => encodeRequest(Metadata, 12, i + 1, 'flood', { topics, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withBroker(config: Record<string, unknown>, fn: (b: RunningBroker) => Promise<void>): Promise<void> {
  const data = dataDir();
  const b = await startBroker({ port: 0, config: { 'log.dirs': data.dir, 'num.io.threads': 1, ...config } });
  try {
    const c = await RawClient.connect(b.bootstrap);
    await c.request(CreateTopics, 7, { topics: Array.from({ length: TOPICS }, (_, i) => ({ name: `t${i}`, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 10_000, validateOnly: false });
    c.close();
    await fn(b);
  } finally {
    await b.close();
    data.remove();
  }
}

const metadataRequests = (b: RunningBroker): number => b.broker.metrics.requests[Metadata.key]!;

test('a client that pipelines and never reads is stopped at its own bounds; frames past the pause are not run', async () => {
  await withBroker({}, async (b) => {
    const before = metadataRequests(b);
    const s = await silent(b.bootstrap);
    s.write(metadataFlood(20_000));
    await sleep(1500);
    const ran = metadataRequests(b) - before;
    assert.ok(ran < 20_000, `${ran} of 20,000 pipelined requests were run`);
    const held = b.broker.intake.heldBytes;
    assert.ok(held < 4 * WRITE_HIGH_WATER + 4 * 1024 * 1024, `the connection holds ${held} bytes`);
    await sleep(500);
    assert.is(metadataRequests(b) - before, ran, 'and nothing more runs while it does not read');
    const other = await RawClient.connect(b.bootstrap);
    const r = await other.request(Metadata, 12, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 't0' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.is(r.topics[0]!.errorCode, 0, 'another client is served meanwhile');
    other.close();
    s.destroy();
    await sleep(200);
    assert.is(b.broker.intake.heldBytes, 0, 'a closed connection gives back what it held');
  });
});

test('past queued.max.request.bytes the connections that fill it stop, and a light client is still answered', async () => {
  await withBroker({ 'queued.max.request.bytes': 256 * 1024 }, async (b) => {
    const flooders = await Promise.all(Array.from({ length: 20 }, () => silent(b.bootstrap)));
    const flood = metadataFlood(2000);
    for (const s of flooders) s.write(flood);
    await sleep(1500);
    const held = b.broker.intake.heldBytes;
    assert.ok(held < 2 * 256 * 1024 + 20 * 64 * 1024, `the broker holds ${held} bytes for the flooders`);
    const light = await RawClient.connect(b.bootstrap);
    const started = Date.now();
    const r = await light.request(Metadata, 12, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 't1' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, 5_000);
    assert.is(r.topics[0]!.errorCode, 0, `answered after ${Date.now() - started} ms`);
    light.close();
    for (const s of flooders) s.destroy();
  });
});

test("a connection that closes ends its parked long poll and drops the requests it had queued", async () => {
  await withBroker({}, async (b) => {
    const fetchKey = Fetch.key;
    const fetchesDone = (): number => {
      let n = 0;
      for (let i = 0; i < HISTOGRAM_WIDTH - 1; i++) n += b.broker.metrics.latency[fetchKey * HISTOGRAM_WIDTH + i]!;
      return n;
    };
    const c = await RawClient.connect(b.bootstrap);
    const longPoll = {
      replicaId: -1,
      maxWaitMs: 30_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: 't0', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    };
    const before = fetchesDone();
    // Three long polls, one after another on the connection: the first parks, two wait their turn.
    for (let i = 0; i < 3; i++) void c.request(Fetch, 12, longPoll, 60_000).catch(() => {});
    await sleep(300);
    const decoded = b.broker.metrics.requests[fetchKey]!;
    c.close();
    await sleep(500);
    assert.is(fetchesDone() - before, 1, 'the parked fetch ended with its client, the queued ones never ran');
    assert.is(b.broker.metrics.requests[fetchKey], decoded);
  });
});

test('connections that close with requests in flight give back what they held once, so the budget still counts', async () => {
  await withBroker({ 'queued.max.request.bytes': 1024 * 1024 }, async (b) => {
    const longPoll = { replicaId: -1, maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 't0', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }] };
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(b.bootstrap);
      void c.request(Fetch, 12, longPoll, 60_000).catch(() => {});
      await sleep(150);
      c.close();
    }
    for (let i = 0; i < 4; i++) {
      const c = await RawClient.connect(b.bootstrap);
      const records = encodeBatch([{ value: Buffer.alloc(300 * 1024, i) }]);
      void c.request(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 't1', partitionData: [{ index: 0, records }] }] }).catch(() => {});
      await sleep(1);
      c.close();
    }
    await sleep(500);
    assert.is(b.broker.intake.heldBytes, 0, 'nothing held, and nothing given back twice');
  });
});

test('a request larger than what is left of the budget is still read and answered, and others after it', async () => {
  await withBroker({ 'queued.max.request.bytes': 1024 * 1024, 'message.max.bytes': 4 * 1024 * 1024 }, async (b) => {
    const produce = (c: RawClient, bytes: number) =>
      c.request(Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 't2', partitionData: [{ index: 0, records: encodeBatch([{ value: Buffer.alloc(bytes, 1) }]) }] }] }, 8_000);
    const big = await RawClient.connect(b.bootstrap);
    const other = await RawClient.connect(b.bootstrap);
    const light = await RawClient.connect(b.bootstrap);
    const answers = await Promise.all([produce(big, 1200 * 1024), produce(other, 100 * 1024), light.request(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })]);
    assert.is(answers[0].responses[0]!.partitionResponses[0]!.errorCode, 0, 'the request past the budget');
    assert.is(answers[1].responses[0]!.partitionResponses[0]!.errorCode, 0, 'another producer meanwhile');
    assert.is(answers[2].errorCode, 0);
    for (const c of [big, other, light]) c.close();
    await sleep(200);
    assert.is(b.broker.intake.heldBytes, 0);
  });
});

test.run();
