/**
 * The client against a real broker started in-process on 127.0.0.1: version negotiation and
 * pipelining on one connection, the producer (batching, linger, partitioning by murmur2, null
 * keys sticking to a partition, every codec, acks 0/1/all), the consumer (assigned partitions,
 * positions, out-of-range resets) and the admin operations.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker } from '../../src/broker/server.js';
import { Admin } from '../../src/client/admin.js';
import { Client } from '../../src/client/client.js';
import { Connection } from '../../src/client/connection.js';
import { Consumer } from '../../src/client/consumer.js';
import { ClientError, ConnectionError, KafkaError } from '../../src/client/errors.js';
import { partitionForKey } from '../../src/client/murmur2.js';
import { Producer } from '../../src/client/producer.js';
import { Fetch, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { broker, dataDir } from '../interop/helpers.js';

let b: RunningBroker;
let data: ReturnType<typeof dataDir>;

test.before(async () => {
  data = dataDir();
  b = await broker(data.dir, 0, { 'num.partitions': 1 });
});

test.after(async () => {
  await b.close();
  data.remove();
});

async function withClient<T>(fn: (client: Client, admin: Admin) => Promise<T>): Promise<T> {
  const client = new Client({ bootstrapServers: b.bootstrap, clientId: 'client-test' });
  try {
    return await fn(client, new Admin(client));
  } finally {
    await client.close();
  }
}

async function readAll(client: Client, topic: string, partitions: number[], count: number) {
  const consumer = new Consumer(client, { autoOffsetReset: 'earliest', maxWaitMs: 100 });
  await consumer.assign(partitions.map((partition) => ({ topic, partition })));
  const out = [];
  for (let i = 0; i < 200 && out.length < count; i++) out.push(...(await consumer.poll()));
  await consumer.close();
  return out;
}

test('the connection uses the highest version both sides serve for each API', async () => {
  const [host, port] = b.bootstrap.split(':') as [string, string];
  const c = await Connection.open({ host, port: Number(port), clientId: 't' });
  try {
    const served = new Map(b.router.ranges.map((r) => [r.apiKey, r.maxVersion]));
    assert.is(c.versionFor(Metadata), Math.min(served.get(Metadata.key)!, Metadata.highest));
    assert.is(c.versionFor(Fetch), Math.min(served.get(Fetch.key)!, Fetch.highest));
    assert.is(c.versionFor(Produce), Math.min(served.get(Produce.key)!, Produce.highest));
  } finally {
    c.close();
  }
});

test('many requests in flight on one connection each get their own answer', async () => {
  const [host, port] = b.bootstrap.split(':') as [string, string];
  const c = await Connection.open({ host, port: Number(port), clientId: 't' });
  try {
    const names = Array.from({ length: 50 }, (_, i) => `pipelined-${i}`);
    const answers = await Promise.all(
      names.map((name) => c.request(Metadata, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name }], allowAutoTopicCreation: false })),
    );
    answers.forEach((a, i) => assert.is(a.topics[0]!.name, names[i]));
  } finally {
    c.close();
  }
});

test('an unreachable bootstrap server is a ConnectionError naming it', async () => {
  const client = new Client({ bootstrapServers: '127.0.0.1:1' });
  try {
    await client.refreshMetadata(null);
    assert.unreachable('connected');
  } catch (e) {
    assert.instance(e, ConnectionError);
    assert.match((e as Error).message, /127\.0\.0\.1:1.*connection refused/);
  } finally {
    await client.close();
  }
});

test('keyed records land in toPositive(murmur2(key)) % partitions, in order per key', async () => {
  await withClient(async (client, admin) => {
    await admin.createTopics([{ name: 'keyed', numPartitions: 5 }]);
    const producer = new Producer(client, { lingerMs: 2 });
    const sent = await Promise.all(Array.from({ length: 500 }, (_, i) => producer.send({ topic: 'keyed', key: `user-${i % 37}`, value: `v${i}` })));
    await producer.close();
    sent.forEach((m, i) => assert.is(m.partition, partitionForKey(Buffer.from(`user-${i % 37}`), 5), `record ${i}`));
    const got = await readAll(client, 'keyed', [0, 1, 2, 3, 4], 500);
    assert.is(got.length, 500);
    for (const r of got) assert.is(r.partition, partitionForKey(r.key!, 5));
    const perKey = new Map<string, number[]>();
    for (const r of got.sort((x, y) => x.partition - y.partition || x.offset - y.offset)) {
      const k = r.key!.toString();
      perKey.set(k, [...(perKey.get(k) ?? []), Number(r.value!.toString().slice(1))]);
    }
    for (const [k, values] of perKey) assert.equal(values, [...values].sort((x, y) => x - y), `order of ${k}`);
  });
});

test('records without a key stick to one partition per batch and spread over the partitions across batches', async () => {
  await withClient(async (client, admin) => {
    await admin.createTopics([{ name: 'sticky', numPartitions: 4 }]);
    const producer = new Producer(client, { batchSize: 1024, lingerMs: 50 });
    const sent = await Promise.all(Array.from({ length: 400 }, (_, i) => producer.send({ topic: 'sticky', value: `value-${i}-${'x'.repeat(80)}` })));
    await producer.close();
    // ~100 bytes a record, 1 KiB batches: runs of ~10 records share a partition.
    let switches = 0;
    for (let i = 1; i < sent.length; i++) if (sent[i]!.partition !== sent[i - 1]!.partition) switches++;
    assert.ok(switches >= 10 && switches <= 80, `${switches} partition switches`);
    assert.ok(new Set(sent.map((m) => m.partition)).size >= 3, 'spread over the partitions');
  });
});

test('linger gathers records sent one after another into few batches', async () => {
  await withClient(async (client, admin) => {
    await admin.createTopics([{ name: 'linger', numPartitions: 1 }]);
    const producer = new Producer(client, { lingerMs: 100 });
    const sends = [];
    for (let i = 0; i < 20; i++) {
      sends.push(producer.send({ topic: 'linger', value: `v${i}` }));
      await new Promise((r) => setTimeout(r, 1));
    }
    const metas = await Promise.all(sends);
    await producer.close();
    assert.equal(metas.map((m) => m.offset), Array.from({ length: 20 }, (_, i) => i));
    // Count batches through the fetch response: one batch header per base offset.
    const c = await client.leaderFor('linger', 0);
    const r = await c.request(Fetch, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'linger', topicId: client.topics.get('linger')!.topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const records = r.responses[0]!.partitions[0]!.records!;
    let batches = 0;
    for (let at = 0; at + 12 <= records.length; at += 12 + records.readInt32BE(at + 8)) batches++;
    assert.ok(batches <= 3, `${batches} batches for 20 records sent within ~30 ms`);
  });
});

test('every codec and acks level round-trips keys, values and headers', async () => {
  await withClient(async (client, admin) => {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      for (const acks of [-1, 1, 0] as const) {
        const topic = `codec-${compression}-${acks < 0 ? 'all' : acks}`;
        await admin.createTopics([{ name: topic, numPartitions: 1 }]);
        const producer = new Producer(client, { compression, acks });
        const metas = await Promise.all(
          Array.from({ length: 300 }, (_, i) => producer.send({ topic, key: i % 2 ? null : `k${i}`, value: `${compression} ${i} ${'text '.repeat(i % 13)}`, headers: [{ key: 'n', value: String(i) }] })),
        );
        await producer.close();
        if (acks === 0) assert.ok(metas.every((m) => m.offset === -1));
        else assert.equal(metas.map((m) => m.offset), Array.from({ length: 300 }, (_, i) => i));
        const got = await readAll(client, topic, [0], 300);
        assert.is(got.length, 300, topic);
        got.forEach((r, i) => {
          assert.is(r.offset, i);
          assert.is(r.key?.toString() ?? null, i % 2 ? null : `k${i}`);
          assert.is(r.value!.toString(), `${compression} ${i} ${'text '.repeat(i % 13)}`);
          assert.equal(r.headers.map((h) => [h.key, h.value!.toString()]), [['n', String(i)]]);
        });
      }
    }
  });
});

test('a consumer starts at an offset, and a position past the end resets to earliest or latest', async () => {
  await withClient(async (client, admin) => {
    await admin.createTopics([{ name: 'positions', numPartitions: 1 }]);
    const producer = new Producer(client);
    await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic: 'positions', value: `v${i}` })));
    await producer.close();
    const mid = new Consumer(client, { maxWaitMs: 50 });
    await mid.assign([{ topic: 'positions', partition: 0, offset: 40 }]);
    const got = await mid.poll();
    assert.equal(got.map((r) => r.offset), [40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    assert.equal(mid.positions(), [{ topic: 'positions', partition: 0, offset: 50 }]);
    const far = new Consumer(client, { maxWaitMs: 50, autoOffsetReset: 'earliest' });
    await far.assign([{ topic: 'positions', partition: 0, offset: 1000 }]);
    let first: number | undefined;
    for (let i = 0; i < 10 && first === undefined; i++) first = (await far.poll())[0]?.offset;
    assert.is(first, 0);
    const latest = new Consumer(client, { maxWaitMs: 50 });
    await latest.assign([{ topic: 'positions', partition: 0 }]);
    assert.equal(await latest.poll(), []);
    assert.equal(latest.positions(), [{ topic: 'positions', partition: 0, offset: 50 }]);
  });
});

test('poll hands out at most maxRecords and keeps the rest for the next poll', async () => {
  await withClient(async (client, admin) => {
    await admin.createTopics([{ name: 'limited', numPartitions: 1 }]);
    const producer = new Producer(client);
    await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send({ topic: 'limited', value: `v${i}` })));
    await producer.close();
    const consumer = new Consumer(client, { autoOffsetReset: 'earliest', maxWaitMs: 50 });
    await consumer.assign([{ topic: 'limited', partition: 0 }]);
    assert.equal((await consumer.poll(7)).map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(consumer.positions()[0]!.offset, 7);
    assert.is((await consumer.poll(100)).length, 23);
  });
});

test('admin creates, describes with log offsets, adds partitions, alters configs and deletes topics', async () => {
  await withClient(async (client, admin) => {
    await admin.createTopics([{ name: 'adm', numPartitions: 2, configs: { 'retention.ms': '3600000' } }]);
    try {
      await admin.createTopics([{ name: 'adm', numPartitions: 2 }]);
      assert.unreachable('created twice');
    } catch (e) {
      assert.instance(e, KafkaError);
      assert.is((e as KafkaError).errorName, 'TOPIC_ALREADY_EXISTS');
      assert.match((e as Error).message, /^topic 'adm': TOPIC_ALREADY_EXISTS/);
    }
    const producer = new Producer(client);
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'adm', value: `v${i}`, partition: i % 2 })));
    await producer.close();
    const [d] = await admin.describeTopics(['adm']);
    assert.is(d!.partitions.length, 2);
    assert.equal(d!.partitions.map((p) => [p.logStartOffset, p.logEndOffset]), [[0, 5], [0, 5]]);
    assert.ok((await admin.listTopics()).includes('adm'));
    const retention = (await admin.describeConfigs('topic', 'adm')).find((e) => e.name === 'retention.ms')!;
    assert.is(retention.value, '3600000');
    assert.is(retention.isDefault, false);
    await admin.incrementalAlterConfigs('topic', 'adm', [{ name: 'retention.ms', op: 'delete' }, { name: 'cleanup.policy', op: 'set', value: 'compact' }]);
    const after = await admin.describeConfigs('topic', 'adm');
    assert.is(after.find((e) => e.name === 'retention.ms')!.isDefault, true);
    assert.is(after.find((e) => e.name === 'cleanup.policy')!.value, 'compact');
    await admin.createPartitions([{ name: 'adm', count: 4 }]);
    assert.is((await client.topic('adm', { refresh: true })).partitions.length, 4);
    await admin.deleteTopics(['adm']);
    assert.not.ok((await admin.listTopics()).includes('adm'));
    try {
      await client.topic('adm', { refresh: true });
      assert.unreachable('still there');
    } catch (e) {
      assert.instance(e, ClientError);
      assert.match((e as Error).message, /topic 'adm' does not exist/);
    }
  });
});

test('listOffsets finds the first offset at or after a time', async () => {
  await withClient(async (client, admin) => {
    await admin.createTopics([{ name: 'times', numPartitions: 1 }]);
    const producer = new Producer(client);
    const base = Date.now() - 10_000;
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'times', value: `v${i}`, timestamp: base + i * 1000 })));
    await producer.close();
    const [at] = await admin.listOffsets([{ topic: 'times', partition: 0 }], { timestamp: base + 4500 });
    assert.is(at!.offset, 5);
    const [none] = await admin.listOffsets([{ topic: 'times', partition: 0 }], { timestamp: Date.now() + 60_000 });
    assert.is(none!.offset, -1);
  });
});

test.run();
