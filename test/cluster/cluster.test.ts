/**
 * A cluster of three brokers on a real ZooKeeper, driven by kafkajs: one broker is elected
 * controller, topics are created with a replication factor of three, every acks=all write is
 * on every in-sync replica before it is acknowledged, and when a leader goes away the
 * controller moves leadership to another in-sync replica and the client follows, losing
 * nothing it was told was written.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kafka, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ZkSession } from '../../src/cluster/zk.js';
import { Client } from '../../src/client/client.js';
import { Consumer } from '../../src/client/consumer.js';
import { CONTROLLER_PATH, decodeController, decodePartitionState, topicPartitionStatePath } from '../../src/cluster/zk-data.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { renderMetrics } from '../../src/console/prometheus.js';
import { needs } from '../helpers/needs.js';
import { eventually } from './helpers.js';
import { type ZooKeeperEnsemble, startZooKeeper, zookeeperMissing } from '../helpers/zookeeper.js';

const it = needs(zookeeperMissing());

let zk: ZooKeeperEnsemble | undefined;
let session: ZkSession | undefined;
const brokers = new Map<number, RunningBroker>();

async function start(id: number): Promise<RunningBroker> {
  const b = await startBroker({
    port: 0,
    overrides: {
      'zookeeper.connect': zk!.connectString,
      'node.id': id,
      'zookeeper.session.timeout.ms': 6000,
      'replica.fetch.wait.max.ms': 100,
      'replica.lag.time.max.ms': 3000,
      'num.io.threads': 1,
    },
  });
  brokers.set(id, b);
  return b;
}

const kafka = () =>
  new Kafka({
    clientId: 'cluster-test',
    brokers: [...brokers.values()].map((b) => b.bootstrap),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });

it('three brokers elect one controller; a topic with replication factor 3 gets a leader and an ISR of three per partition', async () => {
  zk = await startZooKeeper();
  session = await ZkSession.connect({ connectString: zk.connectString, sessionTimeoutMs: 6000, connectionTimeoutMs: 5000 });
  for (const id of [1, 2, 3]) await start(id);
  const controller = await eventually('a controller', async () => {
    const got = await session!.get(CONTROLLER_PATH);
    return got ? decodeController(got.data).brokerId : undefined;
  });
  assert.ok([1, 2, 3].includes(controller));
  const admin = kafka().admin();
  await admin.connect();
  try {
    await eventually('every broker in the metadata', async () => ((await admin.describeCluster()).brokers.length === 3 ? true : undefined));
    assert.is((await admin.describeCluster()).controller, controller, 'Metadata names the controller ZooKeeper elected');
    assert.ok(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }));
    // Each broker learns of the topic from the controller's UpdateMetadata, one after another.
    const partitions = await eventually('every broker to know the topic', async () => {
      const meta = await admin.fetchTopicMetadata({ topics: ['orders'] }).catch(() => undefined);
      const ps = meta?.topics[0]?.partitions;
      return ps && ps.length === 3 && ps.every((p) => p.isr.length === 3) ? ps : undefined;
    });
    assert.is(partitions.length, 3);
    for (const p of partitions) {
      assert.equal([...p.replicas].sort(), [1, 2, 3]);
      assert.equal([...p.isr].sort(), [1, 2, 3]);
      assert.ok(p.replicas.includes(p.leader));
      const state = decodePartitionState('orders', p.partitionId, (await session!.get(topicPartitionStatePath('orders', p.partitionId)))!.data);
      assert.is(state.leader, p.leader, "the partition's state znode agrees");
    }
    const spread = new Set(partitions.map((p) => p.leader));
    assert.is(spread.size, 3, 'leadership spread over the brokers, one partition each');
  } finally {
    await admin.disconnect();
  }
  // Deletion: marked in ZooKeeper, every replica stopped and removed by the controller.
  const admin2 = kafka().admin();
  await admin2.connect();
  try {
    assert.ok(await admin2.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2, replicationFactor: 2 }], waitForLeaders: true }));
    await eventually('the replicas of doomed', () => ([...brokers.values()].filter((b) => b.broker.topics.has('doomed')).length >= 2 ? true : undefined));
    await admin2.deleteTopics({ topics: ['doomed'], timeout: 10_000 });
    await eventually('every replica of doomed to go', () => ([...brokers.values()].every((b) => !b.broker.topics.has('doomed')) ? true : undefined));
    assert.is(await session!.exists('/brokers/topics/doomed'), undefined, 'its znode is gone');
  } finally {
    await admin2.disconnect();
  }
  // Auto-creation: a producer's Metadata makes the topic (num.partitions, default.replication.factor).
  const auto = kafka().producer({ allowAutoTopicCreation: true });
  await auto.connect();
  const sent = await auto.send({ topic: 'auto-made', acks: -1, messages: [{ value: 'first' }] });
  await auto.disconnect();
  assert.is(sent[0]!.errorCode, 0);
  const made = decodePartitionState('auto-made', 0, (await session!.get(topicPartitionStatePath('auto-made', 0)))!.data);
  assert.ok(made.leader >= 1, 'the auto-created topic has a leader');
    // A group's first FindCoordinator makes __consumer_offsets, replicated like any topic.
  const consumer = kafka().consumer({ groupId: 'warm-up', retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  await consumer.run({ eachMessage: async () => {} });
  await eventually('the group to join', async () => ((await kafka().admin().describeGroups(['warm-up']).catch(() => undefined))?.groups[0]?.state === 'Stable' ? true : undefined));
  await consumer.disconnect();
  const offsets = await session!.get(topicPartitionStatePath('__consumer_offsets', 0));
  assert.ok(offsets, '__consumer_offsets exists, with partition states in ZooKeeper');
  assert.is(decodePartitionState('__consumer_offsets', 0, offsets!.data).isr.length, 3, 'replicated three times (offsets.topic.replication.factor)');
});

it('acks=all writes survive the loss of a leader: a new leader from the ISR, the producer follows, every acknowledged record is read back once, in order', async () => {
  const client = kafka();
  const producer = client.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const acked: string[] = [];
  const send = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) {
      await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'k', value: `v${i}` }] });
      acked.push(`v${i}`);
    }
  };
  await send(0, 50);
  const admin = client.admin();
  await admin.connect();
  const before = (await admin.fetchTopicMetadata({ topics: ['orders'] })).topics[0]!.partitions;
  // Every record has key 'k': one partition holds them all.
  const owner = (await admin.fetchTopicOffsets('orders')).find((o) => Number(o.high) > 0)!;
  const partition = before.find((p) => p.partitionId === owner.partition)!;
  const oldLeader = partition.leader;
  await brokers.get(oldLeader)!.close();
  brokers.delete(oldLeader);
  const newLeader = await eventually('a new leader', async () => {
    const got = await session!.get(topicPartitionStatePath('orders', partition.partitionId));
    const s = got ? decodePartitionState('orders', partition.partitionId, got.data) : undefined;
    return s && s.leader >= 0 && s.leader !== oldLeader ? s : undefined;
  });
  assert.ok(newLeader.leaderEpoch > 0, 'the leader epoch moved on');
  assert.not.ok(newLeader.isr.includes(oldLeader), 'the gone broker left the ISR');
  // /metrics: one active controller, and the partitions that lost a replica under-replicated where they are led.
  const scrape = async (b: RunningBroker): Promise<Map<string, number>> => {
    const text = await renderMetrics({ broker: b.broker, version: 'test', eventLoopDelay: monitorEventLoopDelay() });
    return new Map([...text.matchAll(/^(spindle_cluster_[a-z_]+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  };
  const scrapes = await eventually('every ISR to settle in /metrics', async () => {
    const all = await Promise.all([...brokers.values()].map(scrape));
    // orders' 3 partitions and __consumer_offsets' 50 had a replica on the broker gone.
    return all.reduce((n, m) => n + m.get('spindle_cluster_under_replicated_partitions')!, 0) === 3 + 50 ? all : undefined;
  });
  assert.is(scrapes.reduce((n, m) => n + m.get('spindle_cluster_active_controller')!, 0), 1, 'one active controller');
  assert.ok(scrapes.reduce((n, m) => n + m.get('spindle_cluster_leader_partitions')!, 0) >= 3 + 50, 'every replicated partition led by a broker still running');
  await send(50, 100);
  await admin.disconnect();
  await producer.disconnect();

  assert.equal(await readAll(kafka(), 'orders', partition.partitionId, acked.length), acked, 'every acknowledged record, once, in order');
  ackedRecords = acked;
});

let ackedRecords: string[] = [];

it('a consumer group reads every acknowledged record through its coordinator, and a new member resumes from the committed offsets', async () => {
  const client = kafka();
  const read = async (expect: number): Promise<string[]> => {
    const consumer = client.consumer({ groupId: 'readers', retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void got.push(String(message.value)) });
    await eventually(`${expect} records`, () => (got.length >= expect ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await consumer.disconnect();
    return got;
  };
  assert.equal(await read(ackedRecords.length), ackedRecords, 'every acknowledged record once, in order');
  const producer = client.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'k', value: 'after' }] });
  await producer.disconnect();
  assert.equal(await read(1), ['after'], 'the next member of the group starts at the committed offset');
});

/** Every record of a partition from offset 0, through a consumer assigned the partition by hand. */
async function readAll(client: Kafka, topic: string, partition: number, count: number): Promise<string[]> {
  const admin = client.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const high = Number(offsets.find((o) => o.partition === partition)!.high);
  assert.is(high, count, 'the high watermark is the count of acknowledged records');
  // kafkajs consumers need a group; Spindle's own client reads a partition assigned by hand.
  const c = new Client({ bootstrapServers: [...brokers.values()].map((b) => b.bootstrap), clientId: 'cluster-reader' });
  try {
    const consumer = new Consumer(c, { maxWaitMs: 100 });
    await consumer.assign([{ topic, partition, offset: 0 }]);
    const values: string[] = [];
    for (let i = 0; i < 200 && values.length < count; i++) for (const r of await consumer.poll()) values.push(String(r.value));
    await consumer.close();
    return values;
  } finally {
    await c.close();
  }
}

test.after(async () => {
  for (const b of brokers.values()) await b.close().catch(() => undefined);
  await session?.close();
  await zk?.stop();
});

test.run();
