/**
 * kafkajs against a real broker: topics created through its admin client, thousands of records
 * produced with each codec and acks level, read back byte-exact with keys and headers through
 * Fetch, and found again after a restart. With the logs inline and on 2 partition workers.
 * kafkajs ships gzip only; snappy, lz4 and zstd are plugged into its codec table with Spindle's
 * own codecs (kcat.test.ts checks them against librdkafka's).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fetch, ListOffsets } from '../../src/protocol/messages/index.js';
import { batchPositions, decodeBatchDecompressing } from '../../src/protocol/records/batch.js';
import { codecFor } from '../../src/protocol/records/compression/index.js';
import { broker, dataDir, require } from './helpers.js';
import { RawClient, readCommittedValues } from '../helpers/raw-client.js';

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = require('kafkajs');
for (const type of [2, 3, 4]) {
  CompressionCodecs[type] = () => ({
    compress: async (encoder: { buffer: Buffer }) => codecFor(type)!.compress(encoder.buffer),
    decompress: async (buffer: Buffer) => codecFor(type)!.decompress(buffer),
  });
}

interface Got {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Reads every record of a topic through raw Fetch requests (v12, flexible). */
async function readTopic(bootstrap: string, topic: string, partitions: number): Promise<Got[]> {
  const client = await RawClient.connect(bootstrap);
  const out: Got[] = [];
  try {
    for (let p = 0; p < partitions; p++) {
      const ends = await client.request(ListOffsets, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1 }] }],
      });
      const end = ends.topics[0].partitions[0].offset as number;
      for (let offset = 0; offset < end; ) {
        const r = await client.request(Fetch, 12, {
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          isolationLevel: 1,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [{ topic, partitions: [{ partition: p, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
          forgottenTopicsData: [],
          rackId: '',
        });
        const part = r.responses[0].partitions[0];
        assert.is(part.errorCode, 0);
        const records = part.records as Buffer;
        let last = offset - 1;
        for (const { at } of batchPositions(records)) {
          for (const rec of decodeBatchDecompressing(records, at).records) {
            if (rec.offset < offset) continue;
            out.push({
              partition: p,
              offset: rec.offset,
              key: rec.key!.toString(),
              value: rec.value!.toString(),
              headers: Object.fromEntries(rec.headers.map((h) => [h.key, h.value!.toString()])),
            });
            last = rec.offset;
          }
        }
        assert.ok(last >= offset, `progress at ${topic}-${p}@${offset}`);
        offset = last + 1;
      }
    }
  } finally {
    client.close();
  }
  return out;
}

const codecs = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

for (const workers of [0, 2]) {
  test(`[kafkajs, ${workers} workers] produce with every codec and acks level, read back byte-exact, also after a restart`, async () => {
    const data = dataDir();
    let b = await broker(data.dir, workers);
    const kafka = new Kafka({ clientId: 'interop', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    try {
      await admin.connect();
      const topics = codecs.map(([name]) => ({ topic: `js-${name}`, numPartitions: 4 }));
      assert.ok(await admin.createTopics({ topics, waitForLeaders: true }));
      const listed = await admin.listTopics();
      for (const t of topics) assert.ok(listed.includes(t.topic), `${t.topic} listed`);
      const meta = await admin.fetchTopicMetadata({ topics: ['js-gzip'] });
      assert.is(meta.topics[0].partitions.length, 4);

      await producer.connect();
      const sent = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const [name, type] of codecs) {
        const topic = `js-${name}`;
        const all: { key: string; value: string; headers: Record<string, string> }[] = [];
        for (const acks of [1, -1, 0]) {
          for (let batch = 0; batch < 4; batch++) {
            const messages = Array.from({ length: 250 }, (_, i) => {
              const n = all.length + i;
              return { key: `key-${n % 50}`, value: `${name}/${acks}/${n} ${'x'.repeat(n % 300)}`, headers: { n: String(n), codec: name } };
            });
            await producer.send({ topic, acks, compression: type, messages });
            all.push(...messages);
          }
        }
        sent.set(topic, all);
      }
      const check = async () => {
        for (const [topic, all] of sent) {
          const got = await readTopic(b.bootstrap, topic, 4);
          assert.is(got.length, all.length, `${topic}: every record`);
          const byValue = new Map(got.map((g) => [g.value, g]));
          for (const m of all) {
            const g = byValue.get(m.value);
            assert.ok(g, `${topic}: ${m.value.slice(0, 30)} arrived`);
            assert.is(g!.key, m.key);
            assert.equal(g!.headers, m.headers);
          }
          // Records of one key land in one partition, in the order they were sent.
          const partitionOfKey = new Map<string, number>();
          for (const g of got) {
            const known = partitionOfKey.get(g.key);
            if (known !== undefined) assert.is(g.partition, known, `${g.key} stays in one partition`);
            partitionOfKey.set(g.key, g.partition);
          }
        }
      };
      await check();
      await producer.disconnect();
      await admin.disconnect();
      await b.close();
      b = await broker(data.dir, workers);
      await check();
    } finally {
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await b.close();
      data.remove();
    }
  });
}

test('[kafkajs] transactions: commit, abort, sendOffsets, a fenced zombie; a read_committed consumer group sees each committed record once', async () => {
  const data = dataDir();
  const b = await broker(data.dir, 1, { 'group.initial.rebalance.delay.ms': 0 });
  const kafka = new Kafka({ clientId: 'interop-txn', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });
  const admin = kafka.admin();
  const producer = kafka.producer({ transactionalId: 'js-tx', maxInFlightRequests: 1, idempotent: true });
  const zombie = kafka.producer({ transactionalId: 'js-tx', maxInFlightRequests: 1, idempotent: true });
  const consumer = kafka.consumer({ groupId: 'js-txn-reader', readUncommitted: false });
  const c = await RawClient.connect(b.bootstrap);
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'js-txn', numPartitions: 2 }, { topic: 'js-txn-in', numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    let t = await producer.transaction();
    await t.send({ topic: 'js-txn', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });
    await t.sendOffsets({ consumerGroupId: 'js-txn-cg', topics: [{ topic: 'js-txn-in', partitions: [{ partition: 0, offset: '7' }] }] });
    await t.commit();
    t = await producer.transaction();
    await t.send({ topic: 'js-txn', messages: Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, value: `aborted-${i}` })) });
    await t.abort();
    t = await producer.transaction();
    await t.send({ topic: 'js-txn', messages: [{ key: 'k0', value: 'zombie' }] });
    // A second producer with the same transactional id fences the first and aborts its transaction.
    await zombie.connect();
    // kafkajs initialises the producer id on its first transaction: that fences the first producer.
    const z = await zombie.transaction();
    const fenced = await t.commit().then(
      () => 'committed',
      (e: Error) => e.name,
    );
    assert.is.not(fenced, 'committed', 'the fenced producer cannot commit');
    await z.send({ topic: 'js-txn', messages: [{ key: 'k1', value: 'second' }] });
    await z.commit();

    const offsets = await admin.fetchOffsets({ groupId: 'js-txn-cg', topics: ['js-txn-in'] });
    assert.is(offsets[0].partitions[0].offset, '7', 'the transaction committed the group offset');
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'js-txn', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }: { message: { value: Buffer } }) => void got.push(message.value.toString()) });
    const deadline = Date.now() + 20_000;
    while (got.length < 11 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(got.sort(), [...Array.from({ length: 10 }, (_, i) => `first-${i}`), 'second'].sort());
    const raw = [...(await readCommittedValues(c, 'js-txn', 0)).values, ...(await readCommittedValues(c, 'js-txn', 1)).values];
    assert.equal(raw.sort(), got.sort(), 'the raw read_committed reader agrees');
  } finally {
    c.close();
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await zombie.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    await b.close();
    data.remove();
  }
});

test.run();
