/**
 * Two brokers of a cluster on a real ZooKeeper, driven the way a controller drives them: they
 * register as Kafka brokers do, share the cluster id, serve the inter-broker APIs, and once
 * told by LeaderAndIsr who leads a partition, the follower pulls the leader's log, the high
 * watermark follows the ISR, acks=all waits for it, and consumers read only up to it. The
 * LeaderAndIsr and UpdateMetadata requests here are the ones a controller sends (this suite
 * plays the controller, so that the brokers' side is tested on its own).
 */
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ZkSession } from '../../src/cluster/zk.js';
import { BROKER_IDS_PATH, CLUSTER_ID_PATH, brokerIdPath, configEntityPath, decodeBrokerRegistration, decodeClusterId, encodeEntityConfig } from '../../src/cluster/zk-data.js';
import { Connection } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Fetch, LeaderAndIsr, Metadata, Produce, UpdateMetadata } from '../../src/protocol/messages/index.js';
import { batchPositions, decodeBatchDecompressing, encodeBatch } from '../../src/protocol/records/batch.js';
import { needs } from '../helpers/needs.js';
import { eventually } from './helpers.js';
import { type ZooKeeperEnsemble, startZooKeeper, zookeeperMissing } from '../helpers/zookeeper.js';

const it = needs(zookeeperMissing());
const CONTROLLER_EPOCH = 1;

let zk: ZooKeeperEnsemble | undefined;
let session: ZkSession | undefined;
const brokers: RunningBroker[] = [];
const connections: Connection[] = [];

async function broker(id: number): Promise<RunningBroker> {
  const b = await startBroker({ port: 0, overrides: { 'zookeeper.connect': zk!.connectString, 'node.id': id, 'zookeeper.session.timeout.ms': 6000, 'replica.fetch.wait.max.ms': 100, 'num.io.threads': 1 } });
  brokers.push(b);
  return b;
}

async function connect(b: RunningBroker): Promise<Connection> {
  const c = await Connection.open({ host: '127.0.0.1', port: b.port, clientId: 'replication-test' });
  connections.push(c);
  return c;
}

/** The controller's view of the live brokers, as UpdateMetadata carries it. */
const liveBrokers = (bs: RunningBroker[]) =>
  bs.map((b) => ({ id: b.broker.nodeId, v0Host: '', v0Port: 0, endpoints: [{ port: b.port, host: '127.0.0.1', listener: 'PLAINTEXT', securityProtocol: 0 }], rack: null }));

function partitionState(partition: number, leader: number, isr: number[], replicas: number[], leaderEpoch: number) {
  return { topicName: '', partitionIndex: partition, controllerEpoch: CONTROLLER_EPOCH, leader, leaderEpoch, isr, partitionEpoch: 0, replicas, addingReplicas: [], removingReplicas: [], isNew: true, leaderRecoveryState: 0, zkVersion: 0, offlineReplicas: [] };
}

/** Sends what a controller sends when a topic's partitions get their leaders. */
async function lead(topic: string, topicId: string, states: ReturnType<typeof partitionState>[]): Promise<void> {
  for (const b of brokers) {
    const c = await connect(b);
    const um = await c.request(UpdateMetadata, { controllerId: 1, controllerEpoch: CONTROLLER_EPOCH, brokerEpoch: -1, type: 0, topicStates: [{ topicName: topic, topicId, partitionStates: states }], liveBrokers: liveBrokers(brokers) });
    assert.is(um.errorCode, 0);
    const mine = states.filter((s) => s.replicas.includes(b.broker.nodeId));
    if (mine.length === 0) continue;
    const lai = await c.request(LeaderAndIsr, {
      controllerId: 1,
      controllerEpoch: CONTROLLER_EPOCH,
      brokerEpoch: -1,
      type: 0,
      topicStates: [{ topicName: topic, topicId, partitionStates: mine }],
      liveLeaders: liveBrokers(brokers).map((l) => ({ brokerId: l.id, hostName: '127.0.0.1', port: l.endpoints[0]!.port })),
    });
    assert.is(lai.errorCode, 0);
    for (const t of lai.topics) for (const p of t.partitionErrors) assert.is(p.errorCode, 0, `LeaderAndIsr for ${topic}-${p.partitionIndex} on broker ${b.broker.nodeId}`);
  }
}

/** A consumer's Fetch of partition 0 from offset 0, by topic id (v13+). */
function consumerFetch(topic: string, topicId: string) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, topicId, partitions: [{ partition: 0, currentLeaderEpoch: 0, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

function produceBody(topic: string, partition: number, acks: number, values: string[]) {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: encodeBatch(values.map((v) => ({ key: null, value: v }))) }] }] };
}

it('brokers register in Kafka\'s znode layout under one cluster id, and advertise the inter-broker APIs', async () => {
  zk = await startZooKeeper();
  session = await ZkSession.connect({ connectString: zk.connectString, sessionTimeoutMs: 6000, connectionTimeoutMs: 5000 });
  const [b1, b2] = [await broker(1), await broker(2)];
  assert.equal((await session.getChildren(BROKER_IDS_PATH))?.sort(), ['1', '2']);
  const reg = decodeBrokerRegistration(2, (await session.get(brokerIdPath(2)))!.data);
  assert.equal(reg.endpoints.map((e) => [e.listenerName, e.securityProtocol, e.host, e.port]), [['PLAINTEXT', 'PLAINTEXT', '127.0.0.1', b2!.port]]);
  const clusterId = decodeClusterId((await session.get(CLUSTER_ID_PATH))!.data);
  assert.is(b1!.broker.clusterId, clusterId);
  assert.is(b2!.broker.clusterId, clusterId, 'the second broker takes the cluster id the first one wrote');
  const c = await connect(b1!);
  assert.ok(c.supports(LeaderAndIsr) && c.supports(UpdateMetadata), 'a broker of a cluster serves the inter-broker APIs');
  const single = await startBroker({ port: 0 });
  try {
    const sc = await connect(single);
    assert.not.ok(sc.supports(LeaderAndIsr), 'a single node does not');
  } finally {
    await single.close();
  }
});

it('a follower pulls the leader\'s log; acks=all waits for it; consumers read to the high watermark; the follower refuses clients', async () => {
  const topic = 'replicated';
  const topicId = randomUUID();
  await lead(topic, topicId, [partitionState(0, 1, [1, 2], [1, 2], 0)]);
  const [b1, b2] = brokers as [RunningBroker, RunningBroker];
  const leader = await connect(b1);
  const follower = await connect(b2);
  const meta = await follower.request(Metadata, { topics: [{ name: topic, topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  assert.equal(meta.brokers.map((b) => b.nodeId), [1, 2]);
  const p0 = meta.topics[0]!.partitions[0]!;
  assert.equal([p0.leaderId, p0.replicaNodes, p0.isrNodes], [1, [1, 2], [1, 2]], 'Metadata from the metadata cache');
  for (let i = 0; i < 5; i++) {
    const r = await leader.request(Produce, produceBody(topic, 0, -1, [`a${i}`, `b${i}`]));
    const pr = r.responses[0]!.partitionResponses[0]!;
    assert.is(pr.errorCode, 0, `acks=all produce ${i}`);
    assert.is(pr.baseOffset, i * 2);
  }
  // Answered only once the follower had them: its log already ends at the leader's end.
  const leaderState = b1.broker.partition(topic, 0)!;
  const followerState = b2.broker.partition(topic, 0)!;
  assert.is(leaderState.logEndOffset, 10);
  assert.ok(followerState.logEndOffset >= 10, `the follower has every acknowledged record (its log ends at ${followerState.logEndOffset})`);
  const refused = await follower.request(Produce, produceBody(topic, 0, 1, ['nope']));
  const rp = refused.responses[0]!.partitionResponses[0]!;
  assert.is(rp.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.is(rp.currentLeader.leaderId, 1, 'with the leader as the hint (KIP-951)');
  const fetch = await leader.request(Fetch, consumerFetch(topic, topicId));
  const fp = fetch.responses[0]!.partitions[0]!;
  assert.is(fp.errorCode, 0);
  assert.is(fp.highWatermark, 10);
  const values: string[] = [];
  for (const { at } of batchPositions(fp.records!)) for (const rec of decodeBatchDecompressing(fp.records!, at).records) values.push(String(rec.value));
  assert.equal(values, ['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4']);
  const fromFollower = await follower.request(Fetch, consumerFetch(topic, topicId));
  assert.is(fromFollower.responses[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'consumers read from the leader');
  // The follower's high watermark comes from the leader with its next fetch.
  await eventually('the follower to learn the high watermark', () => (b2.broker.cluster!.replicas.get(topic, 0)!.highWatermark === 10 ? true : undefined));
});

it('acks=all below min.insync.replicas is refused before the append (NOT_ENOUGH_REPLICAS); acks=1 is not', async () => {
  const topic = 'strict';
  await session!.mkdirs('/config/topics');
  await session!.create(configEntityPath('topics', topic), encodeEntityConfig({ 'min.insync.replicas': '2' }), 'persistent');
  await lead(topic, randomUUID(), [partitionState(0, 1, [1], [1, 2], 0)]);
  const leader = await connect(brokers[0]!);
  const all = await leader.request(Produce, produceBody(topic, 0, -1, ['x']));
  assert.is(all.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.is(brokers[0]!.broker.partition(topic, 0)!.logEndOffset, 0, 'nothing appended');
  const one = await leader.request(Produce, produceBody(topic, 0, 1, ['y']));
  assert.is(one.responses[0]!.partitionResponses[0]!.errorCode, 0);
});

it('a stopped broker leaves the cluster: its registration is gone', async () => {
  const b2 = brokers.pop()!;
  await b2.close();
  await eventually('/brokers/ids/2 to go', async () => ((await session!.getChildren(BROKER_IDS_PATH))?.includes('2') ? undefined : true));
});

test.after(async () => {
  for (const c of connections) c.close();
  for (const b of brokers) await b.close().catch(() => undefined);
  await session?.close();
  await zk?.stop();
});

test.run();
