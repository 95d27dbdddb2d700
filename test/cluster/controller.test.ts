/**
 * The controller (src/cluster/controller.ts, election.ts, controller-channel.ts, admin-zk.ts)
 * against a real ZooKeeper, with fake brokers: small TCP servers that register in ZooKeeper as
 * brokers do (ephemeral /brokers/ids/<id>, their own session) and answer ApiVersions,
 * LeaderAndIsr, UpdateMetadata and StopReplica while recording what the controller sent them.
 * Each test has a cluster of its own under a chroot of the one server.
 *
 * Covered: the channel's order, resend after a dropped connection, removal and bound (no
 * ZooKeeper needed); election and takeover with the epoch bumped; a new topic's states and
 * requests; a follower and then a leader leaving; no live ISR member with unclean election off
 * and on; AlterPartition's answers; a fenced controller writing nothing, and re-elected with a
 * fresh epoch; deletion (also waiting for a down replica); a broker registering later, added
 * partitions; a bounce; controlled shutdown.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addPartitions, createTopic, deleteTopic, readTopic, znodeTopicId } from '../../src/cluster/admin-zk.js';
import { Controller, type ControllerOptions } from '../../src/cluster/controller.js';
import { ControllerChannel } from '../../src/cluster/controller-channel.js';
import { ControllerElector } from '../../src/cluster/election.js';
import { ZkSession } from '../../src/cluster/zk.js';
import {
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  brokerIdPath,
  configEntityPath,
  decodeController,
  decodeControllerEpoch,
  decodePartitionState,
  deleteTopicPath,
  encodeBrokerRegistration,
  encodeControllerEpoch,
  topicPartitionStatePath,
  topicPath,
} from '../../src/cluster/zk-data.js';
import { SILENT_LOGGER, stderrLogger } from '../../src/core/logger.js';
import { base64ToUuid } from '../../src/core/topic-store.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { decodeRequest, decodeRequestHeader, encodeResponse, FrameReader, MIN_REQUEST_FRAME_BYTES } from '../../src/protocol/frame.js';
import { AlterPartition, ApiVersions, LeaderAndIsr, StopReplica, UpdateMetadata, apiByKey } from '../../src/protocol/messages/index.js';
import type { RequestOf } from '../../src/protocol/schema.js';
import { needs } from '../helpers/needs.js';
import { eventually } from './helpers.js';
import { type ZooKeeperEnsemble, startZooKeeper, zookeeperMissing } from '../helpers/zookeeper.js';

const missing = zookeeperMissing();
const register = needs(missing);
/** SPINDLE_TEST_ONLY=<words> runs the tests whose name holds them; SPINDLE_TEST_LOG=1 shows the controller's log. */
const only = process.env.SPINDLE_TEST_ONLY;
const it = (name: string, fn: () => Promise<void>): void => {
  if (!only || name.includes(only)) register(name, fn);
};
const LOG = process.env.SPINDLE_TEST_LOG === '1' ? stderrLogger(true) : SILENT_LOGGER;

let server: ZooKeeperEnsemble | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

if (!missing) {
  test.before(async () => {
    server = await startZooKeeper();
  });
}
test.after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`no rejection matching ${pattern}`);
}

async function session(chroot: string): Promise<ZkSession> {
  const s = await ZkSession.connect({ connectString: `${server!.connectString}${chroot}`, sessionTimeoutMs: 6_000, connectionTimeoutMs: 5_000 });
  cleanups.push(() => s.close());
  return s;
}

/** A fresh chroot for one test's cluster. */
let clusters = 0;
async function chroot(name: string): Promise<string> {
  const path = `/c${++clusters}-${name}`;
  const root = await ZkSession.connect({ connectString: server!.connectString, sessionTimeoutMs: 6_000, connectionTimeoutMs: 5_000 });
  await root.mkdirs(path);
  await root.close();
  return path;
}

// ---- fake brokers --------------------------------------------------------------------------

type Lai = RequestOf<typeof LeaderAndIsr>;
type Um = RequestOf<typeof UpdateMetadata>;
type Sr = RequestOf<typeof StopReplica>;

interface Received {
  api: string;
  version: number;
  body: Record<string, unknown>;
}

/** The API versions a fake broker serves: Kafka 3.9's ranges for the controller's APIs. */
const SERVED = [
  { apiKey: ApiVersions.key, minVersion: 0, maxVersion: 4 },
  { apiKey: LeaderAndIsr.key, minVersion: 0, maxVersion: 7 },
  { apiKey: StopReplica.key, minVersion: 0, maxVersion: 4 },
  { apiKey: UpdateMetadata.key, minVersion: 0, maxVersion: 8 },
];

class FakeBroker {
  readonly received: Received[] = [];
  /** A partition error code StopReplica answers with, when set. */
  stopReplicaError = 0;
  /** Requests (past ApiVersions) to take and then drop the connection for, without answering. */
  dropNext = 0;
  /** While set, requests are recorded and never answered. */
  hold = false;
  zk!: ZkSession;
  port = 0;
  epoch = 0;
  #server!: Server;
  readonly #sockets = new Set<Socket>();

  constructor(
    readonly id: number,
    readonly chroot: string,
  ) {}

  /** Serves on a port of 127.0.0.1, without registering. */
  async listen(): Promise<this> {
    this.#server = createServer((s) => this.#serve(s));
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  async start(): Promise<this> {
    await this.listen();
    this.zk = await session(this.chroot);
    await this.zk.mkdirs('/brokers/ids');
    await this.zk.create(brokerIdPath(this.id), encodeBrokerRegistration({ brokerId: this.id, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: this.port }] }), 'ephemeral');
    this.epoch = Number((await this.zk.exists(brokerIdPath(this.id)))!.czxid);
    cleanups.push(() => this.stop());
    return this;
  }

  /** Registers again with a new session, its znode replaced in one multi: the same id with a new broker epoch. */
  async bounce(): Promise<void> {
    const old = this.zk;
    this.zk = await session(this.chroot);
    await this.zk.multi([
      { op: 'delete', path: brokerIdPath(this.id) },
      { op: 'create', path: brokerIdPath(this.id), data: encodeBrokerRegistration({ brokerId: this.id, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: this.port }] }), mode: 'ephemeral' },
    ]);
    this.epoch = Number((await this.zk.exists(brokerIdPath(this.id)))!.czxid);
    await old.close();
  }

  /** Ends its session (its /brokers/ids znode goes at once) and its server. */
  async stop(): Promise<void> {
    await this.zk?.close();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    const frames = new FrameReader({ minBytes: MIN_REQUEST_FRAME_BYTES, maxBytes: 64 * 1024 * 1024 });
    socket.on('data', (chunk: Buffer) => {
      frames.push(chunk);
      for (let frame = frames.next(); frame; frame = frames.next()) {
        const { header, bodyOffset, api } = decodeRequestHeader(frame, apiByKey);
        if (!api) throw new Error(`unexpected API key ${header.requestApiKey}`);
        const version = header.requestApiVersion;
        const body = decodeRequest(api, version, frame, bodyOffset);
        let response: Record<string, unknown>;
        if (api === ApiVersions) response = { errorCode: 0, apiKeys: SERVED, throttleTimeMs: 0 };
        else {
          this.received.push({ api: api.name, version, body });
          if (this.dropNext > 0) {
            this.dropNext--;
            socket.destroy();
            return;
          }
          if (this.hold) continue;
          if (api === LeaderAndIsr) {
            const b = body as unknown as Lai;
            response = { errorCode: 0, partitionErrors: [], topics: b.topicStates.map((t) => ({ topicId: t.topicId, partitionErrors: t.partitionStates.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) })) };
          } else if (api === StopReplica) {
            const b = body as unknown as Sr;
            response = { errorCode: 0, partitionErrors: b.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: this.stopReplicaError }))) };
          } else response = { errorCode: 0 };
        }
        socket.write(encodeResponse(api, version, header.correlationId, response));
      }
    });
  }

  of<B>(api: string): { version: number; body: B }[] {
    return this.received.filter((r) => r.api === api).map((r) => ({ version: r.version, body: r.body as B }));
  }

  /** Partition states of every LeaderAndIsr received for this partition, oldest first. */
  leaderAndIsr(topic: string, partition: number): (Lai['topicStates'][number]['partitionStates'][number] & { request: Lai; version: number })[] {
    return this.of<Lai>('LeaderAndIsr').flatMap(({ body, version }) =>
      body.topicStates.filter((t) => t.topicName === topic).flatMap((t) => t.partitionStates.filter((p) => p.partitionIndex === partition).map((p) => ({ ...p, request: body, version }))),
    );
  }

  /** Partition states of every UpdateMetadata received for this partition, oldest first. */
  updateMetadata(topic: string, partition: number): (Um['topicStates'][number]['partitionStates'][number] & { request: Um })[] {
    return this.of<Um>('UpdateMetadata').flatMap(({ body }) =>
      body.topicStates.filter((t) => t.topicName === topic).flatMap((t) => t.partitionStates.filter((p) => p.partitionIndex === partition).map((p) => ({ ...p, request: body }))),
    );
  }

  stopReplicas(topic: string): { partition: number; leaderEpoch: number; deletePartition: boolean }[] {
    return this.of<Sr>('StopReplica').flatMap(({ body }) =>
      body.topicStates.filter((t) => t.topicName === topic).flatMap((t) => t.partitionStates.map((p) => ({ partition: p.partitionIndex, leaderEpoch: p.leaderEpoch, deletePartition: p.deletePartition }))),
    );
  }
}

async function brokers(root: string, ids: number[]): Promise<Map<number, FakeBroker>> {
  const out = new Map<number, FakeBroker>();
  for (const id of ids) out.set(id, await new FakeBroker(id, root).start());
  return out;
}

// ---- controller nodes ----------------------------------------------------------------------

interface Node {
  id: number;
  zk: ZkSession;
  elector: ControllerElector;
  controller: Controller;
  became: [number, number][];
  resigned: number;
  moved: number;
}

async function controllerNode(root: string, id: number, options: Partial<ControllerOptions> = {}): Promise<Node> {
  const zk = await session(root);
  const node = { id, zk, became: [], resigned: 0, moved: 0 } as unknown as Node;
  node.controller = new Controller({
    zk,
    brokerId: id,
    logger: LOG,
    onControllerMoved: () => {
      node.moved++;
      node.elector.recheck();
    },
    ...options,
  });
  node.elector = new ControllerElector({
    zk,
    brokerId: id,
    logger: LOG,
    onBecomeController: (epoch, version) => {
      node.became.push([epoch, version]);
      return node.controller.start(epoch, version);
    },
    onResignController: () => {
      node.resigned++;
      return node.controller.stop();
    },
  });
  cleanups.push(async () => {
    await node.elector.close();
    await node.controller.close();
  });
  await node.elector.start();
  return node;
}

interface State {
  leader: number;
  leaderEpoch: number;
  isr: readonly number[];
  controllerEpoch: number;
  leaderRecoveryState: number;
  zkVersion: number;
}

async function stateOf(zk: ZkSession, topic: string, partition: number): Promise<State | undefined> {
  const got = await zk.get(topicPartitionStatePath(topic, partition));
  if (!got) return undefined;
  return { ...decodePartitionState(topic, partition, got.data), zkVersion: got.stat.version };
}

async function stateWhere(zk: ZkSession, topic: string, partition: number, pred: (s: State) => boolean, what: string): Promise<State> {
  return eventually(what, async () => {
    const s = await stateOf(zk, topic, partition);
    return s && pred(s) ? s : undefined;
  });
}

const TOPIC_ID = '6b7b1e0e-7f4e-4d6c-9a39-1f2e3d4c5b6a';

// ---- tests ---------------------------------------------------------------------------------

test('controller channel: in order, one at a time, sent again after a dropped connection, dropped with the broker, bounded', async () => {
  const b = await new FakeBroker(7, '').listen();
  cleanups.push(() => b.stop());
  const channel = new ControllerChannel({ controllerId: 100, logger: LOG, maxQueuedRequestsPerBroker: 3 });
  cleanups.push(() => channel.close());
  assert.not.ok(channel.addBroker({ id: 8, endpoints: [{ listenerName: 'INTERNAL', securityProtocol: 'SSL', host: '127.0.0.1', port: 1 }] }), 'no PLAINTEXT listener');
  assert.ok(channel.addBroker({ id: 7, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: b.port }] }));
  b.dropNext = 1;
  const versions: number[] = [];
  const um = (controllerEpoch: number) => (version: number) => {
    versions.push(version);
    return { controllerId: 100, controllerEpoch, brokerEpoch: 1, topicStates: [], ungroupedPartitionStates: [], liveBrokers: [] };
  };
  const sent = [1, 2, 3].map((e) => channel.send(7, UpdateMetadata, um(e)));
  await rejects(() => channel.send(7, UpdateMetadata, um(4)), /already wait/);
  for (const r of await Promise.all(sent)) assert.is(r.errorCode, 0);
  assert.equal(
    b.of<Um>('UpdateMetadata').map((r) => r.body.controllerEpoch),
    [1, 1, 2, 3],
    'the first sent again on a new connection, then the others in order',
  );
  assert.ok(versions.every((v) => v === 8), 'the highest version both serve');
  b.hold = true;
  const held = channel.send(7, UpdateMetadata, um(5));
  const waiting = channel.send(7, UpdateMetadata, um(6));
  await eventually('the held request to arrive', () => b.received.length === 5);
  assert.is(b.received.length, 5, 'one request at a time: the next waits for the answer');
  channel.removeBroker(7);
  await rejects(() => held, /left the cluster/);
  await rejects(() => waiting, /left the cluster/);
  await rejects(() => channel.send(7, UpdateMetadata, um(7)), /not live/);
});

it('election: one of two brokers wins, the epoch goes up, and the other takes over when its session ends', async () => {
  const root = await chroot('election');
  const bs = await brokers(root, [1, 2]);
  const a = await controllerNode(root, 100);
  const b = await controllerNode(root, 101);
  assert.ok(a.elector.isController);
  assert.not.ok(b.elector.isController);
  assert.is(b.elector.controllerId, 100);
  assert.equal(a.became, [[1, a.elector.epochZkVersion]]);
  const epochZnode = (await a.zk.get(CONTROLLER_EPOCH_PATH))!;
  assert.is(decodeControllerEpoch(epochZnode.data), 1);
  assert.is(decodeController((await a.zk.get(CONTROLLER_PATH))!.data).brokerId, 100);
  await createTopic(a.zk, 'events', [[1, 2]], {}, TOPIC_ID);
  await stateWhere(a.zk, 'events', 0, (s) => s.leader === 1, 'the partition state');

  // The first controller's session ends: its /controller goes, the other is elected with epoch 2.
  await a.zk.close();
  await eventually('broker 101 to be controller', () => b.elector.isController);
  assert.is(a.resigned, 1, 'the old controller resigned when its session closed');
  assert.not.ok(a.controller.active);
  assert.is(b.elector.epoch, 2);
  assert.is(b.became.length, 1);
  assert.is(decodeControllerEpoch((await b.zk.get(CONTROLLER_EPOCH_PATH))!.data), 2);
  assert.is(decodeController((await b.zk.get(CONTROLLER_PATH))!.data).brokerId, 101);
  // The new controller tells every broker what it found, under its own epoch.
  const lai = await eventually('LeaderAndIsr from the new controller', () => bs.get(2)!.leaderAndIsr('events', 0).find((p) => p.request.controllerEpoch === 2));
  assert.is(lai.request.controllerId, 101);
  assert.is(lai.leader, 1);
  assert.is(lai.leaderEpoch, 0, 'taking over elects nobody: the leader is live');
  await eventually('UpdateMetadata from the new controller', () => bs.get(2)!.of<Um>('UpdateMetadata').some((r) => r.body.controllerEpoch === 2 && r.body.liveBrokers.length === 2));
});

it('a new topic: partition states written, LeaderAndIsr (isNew) to the replicas, UpdateMetadata to every broker', async () => {
  const root = await chroot('create');
  const bs = await brokers(root, [1, 2, 3]);
  const node = await controllerNode(root, 100);
  await createTopic(node.zk, 'orders', [
    [1, 2, 3],
    [2, 3, 1],
  ], { 'retention.ms': '1000' }, TOPIC_ID);
  assert.equal(decodeConfig((await node.zk.get(configEntityPath('topics', 'orders')))!.data), { 'retention.ms': '1000' });
  const s0 = await stateWhere(node.zk, 'orders', 0, () => true, 'partition 0 state');
  const s1 = await stateWhere(node.zk, 'orders', 1, () => true, 'partition 1 state');
  assert.equal(s0, { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1, leaderRecoveryState: 0, version: 1, zkVersion: 0 } as State);
  assert.is(s1.leader, 2);
  assert.equal(s1.isr, [2, 3, 1]);
  for (const b of bs.values()) {
    const p0 = await eventually(`LeaderAndIsr of orders-0 on broker ${b.id}`, () => b.leaderAndIsr('orders', 0)[0]);
    assert.is(p0.version, 7, 'the highest version both ends serve');
    assert.is(p0.request.controllerId, 100);
    assert.is(p0.request.controllerEpoch, 1);
    assert.is(p0.request.brokerEpoch, b.epoch, "the target broker's czxid");
    assert.is(p0.request.type, 0);
    assert.is(p0.request.topicStates[0]!.topicId, TOPIC_ID);
    assert.equal(
      { leader: p0.leader, leaderEpoch: p0.leaderEpoch, isr: p0.isr, partitionEpoch: p0.partitionEpoch, replicas: p0.replicas, isNew: p0.isNew, controllerEpoch: p0.controllerEpoch, recovery: p0.leaderRecoveryState },
      { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], partitionEpoch: 0, replicas: [1, 2, 3], isNew: true, controllerEpoch: 1, recovery: 0 },
    );
    assert.ok(p0.request.liveLeaders.some((l) => l.brokerId === 1 && l.port === bs.get(1)!.port && l.hostName === '127.0.0.1'));
    const um = await eventually(`UpdateMetadata of orders-1 on broker ${b.id}`, () => b.updateMetadata('orders', 1)[0]);
    assert.equal({ leader: um.leader, isr: um.isr, zkVersion: um.zkVersion, replicas: um.replicas, offline: um.offlineReplicas }, { leader: 2, isr: [2, 3, 1], zkVersion: 0, replicas: [2, 3, 1], offline: [] });
    const topicState = um.request.topicStates.find((t) => t.topicName === 'orders')!;
    assert.is(topicState.topicId, TOPIC_ID);
    assert.equal(
      um.request.liveBrokers.map((l) => [l.id, l.endpoints[0]!.port, l.endpoints[0]!.listener, l.endpoints[0]!.securityProtocol]).sort(),
      [...bs.values()].map((x) => [x.id, x.port, 'PLAINTEXT', 0]).sort(),
    );
  }
  // The admin side: the topic exists now, and its znode has Kafka's base64 topic id.
  await rejects(() => createTopic(node.zk, 'orders', [[1]], {}, null), /already exists/);
  await createTopic(node.zk, 'a_b', [[1]], {}, null);
  await rejects(() => createTopic(node.zk, 'a.b', [[1]], {}, null), /Topic 'a.b' collides with existing topics: a_b/);
  await rejects(() => createTopic(node.zk, 'uneven', [[1, 2], [3]], {}, null), /same number of replicas/);
  assert.is((await readTopic(node.zk, 'orders'))!.assignment.topicId, znodeTopicId(TOPIC_ID));
});

it('brokers leaving: a follower leaves the ISR, then the leader is replaced from the ISR, each with leader epoch + 1', async () => {
  const root = await chroot('failover');
  const bs = await brokers(root, [1, 2, 3]);
  const node = await controllerNode(root, 100);
  await createTopic(node.zk, 'logs', [[1, 2, 3]], {}, TOPIC_ID);
  await stateWhere(node.zk, 'logs', 0, () => true, 'the partition state');

  await bs.get(3)!.stop();
  const shrunk = await stateWhere(node.zk, 'logs', 0, (s) => s.leaderEpoch === 1, 'the ISR without broker 3');
  assert.equal({ leader: shrunk.leader, isr: shrunk.isr, zkVersion: shrunk.zkVersion }, { leader: 1, isr: [1, 2], zkVersion: 1 });
  for (const id of [1, 2]) {
    const lai = await eventually(`LeaderAndIsr with the shrunk ISR on broker ${id}`, () => bs.get(id)!.leaderAndIsr('logs', 0).find((p) => p.leaderEpoch === 1));
    assert.equal({ leader: lai.leader, isr: lai.isr, partitionEpoch: lai.partitionEpoch, isNew: lai.isNew }, { leader: 1, isr: [1, 2], partitionEpoch: 1, isNew: false });
    const um = await eventually(`UpdateMetadata naming broker 3 offline on broker ${id}`, () => bs.get(id)!.updateMetadata('logs', 0).find((p) => p.leaderEpoch === 1));
    assert.equal(um.offlineReplicas, [3]);
    assert.not.ok(um.request.liveBrokers.some((l) => l.id === 3));
  }

  await bs.get(1)!.stop();
  const moved = await stateWhere(node.zk, 'logs', 0, (s) => s.leaderEpoch === 2, 'a new leader');
  assert.equal({ leader: moved.leader, isr: moved.isr, controllerEpoch: moved.controllerEpoch }, { leader: 2, isr: [2], controllerEpoch: 1 });
  const lai = await eventually('LeaderAndIsr making broker 2 leader', () => bs.get(2)!.leaderAndIsr('logs', 0).find((p) => p.leaderEpoch === 2));
  assert.equal({ leader: lai.leader, isr: lai.isr, partitionEpoch: lai.partitionEpoch }, { leader: 2, isr: [2], partitionEpoch: moved.zkVersion });
  assert.ok(lai.request.liveLeaders.some((l) => l.brokerId === 2));
});

it('no live ISR member: offline with leader -1 when unclean election is off; an out-of-sync replica leads when the topic allows it', async () => {
  const root = await chroot('unclean');
  const bs = await brokers(root, [1, 2]);
  const node = await controllerNode(root, 100);
  await createTopic(node.zk, 'clean', [[1, 2]], {}, null);
  await createTopic(node.zk, 'dirty', [[1, 2]], { 'unclean.leader.election.enable': 'true' }, null);
  // The topic ids were missing: the controller gave them some.
  const idOf = (topic: string) => eventually(`a topic id for ${topic}`, async () => (await readTopic(node.zk, topic))!.assignment.topicId ?? undefined);
  const ids = { clean: await idOf('clean'), dirty: await idOf('dirty') };
  for (const topic of ['clean', 'dirty'] as const) {
    await stateWhere(node.zk, topic, 0, () => true, `${topic}'s state`);
    // The leader drops broker 2 from the ISR.
    const r = await node.controller.alterPartition(
      { brokerId: 1, brokerEpoch: bs.get(1)!.epoch, topics: [{ topicName: topic, topicId: base64ToUuid(ids[topic]), partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [], newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: -1 }], leaderRecoveryState: 0, partitionEpoch: 0 }] }] },
      3,
    );
    assert.is(r.topics[0]!.partitions[0]!.errorCode, 0);
  }
  await bs.get(1)!.stop();
  const offline = await stateWhere(node.zk, 'clean', 0, (s) => s.leaderEpoch === 1, 'clean offline');
  assert.equal({ leader: offline.leader, isr: offline.isr, recovery: offline.leaderRecoveryState }, { leader: -1, isr: [1], recovery: 0 });
  const dirty = await stateWhere(node.zk, 'dirty', 0, (s) => s.leaderEpoch === 1, 'dirty led by broker 2');
  assert.equal({ leader: dirty.leader, isr: dirty.isr, recovery: dirty.leaderRecoveryState }, { leader: 2, isr: [2], recovery: 1 });
  const lai = await eventually('LeaderAndIsr making broker 2 an unclean leader', () => bs.get(2)!.leaderAndIsr('dirty', 0).find((p) => p.leaderEpoch === 1));
  assert.is(lai.leaderRecoveryState, 1);
  const um = await eventually('UpdateMetadata with clean offline', () => bs.get(2)!.updateMetadata('clean', 0).find((p) => p.leaderEpoch === 1));
  assert.equal({ leader: um.leader, offline: um.offlineReplicas }, { leader: -1, offline: [1] });
});

it('AlterPartition: accepted with the new partition epoch, FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION and the other refusals', async () => {
  const root = await chroot('alter');
  const bs = await brokers(root, [1, 2, 3]);
  const node = await controllerNode(root, 100);
  await createTopic(node.zk, 'isr', [[1, 2, 3]], {}, TOPIC_ID);
  await stateWhere(node.zk, 'isr', 0, () => true, 'the partition state');
  await eventually('the first LeaderAndIsr on broker 1', () => bs.get(1)!.leaderAndIsr('isr', 0).length > 0);
  const alter = (p: Partial<RequestOf<typeof AlterPartition>['topics'][number]['partitions'][number]>, version = 3, brokerId = 1, brokerEpoch = bs.get(1)!.epoch) =>
    node.controller.alterPartition(
      { brokerId, brokerEpoch, topics: [{ topicName: 'isr', topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0, ...p }] }] },
      version,
    );
  const withIsr = (ids: number[]) => ({ newIsr: ids, newIsrWithEpochs: ids.map((brokerId) => ({ brokerId, brokerEpoch: -1 })) });
  const laiBefore = bs.get(1)!.leaderAndIsr('isr', 0).length;

  const ok = await alter(withIsr([1, 2]));
  assert.is(ok.errorCode, 0);
  assert.is(ok.topics[0]!.topicId, TOPIC_ID);
  assert.equal(ok.topics[0]!.partitions[0], { partitionIndex: 0, errorCode: 0, leaderId: 1, leaderEpoch: 0, isr: [1, 2], leaderRecoveryState: 0, partitionEpoch: 1 });
  const s = (await stateOf(node.zk, 'isr', 0))!;
  assert.equal({ isr: s.isr, leaderEpoch: s.leaderEpoch, zkVersion: s.zkVersion }, { isr: [1, 2], leaderEpoch: 0, zkVersion: 1 });
  for (const b of bs.values()) await eventually(`UpdateMetadata with the new ISR on broker ${b.id}`, () => b.updateMetadata('isr', 0).some((p) => p.zkVersion === 1 && p.isr.length === 2));
  // A repeat of the same change is answered with the current state.
  assert.is((await alter({ ...withIsr([1, 2]), partitionEpoch: 0 })).topics[0]!.partitions[0]!.partitionEpoch, 1);

  const code = async (r: ReturnType<typeof alter>) => {
    const a = await r;
    return a.errorCode !== 0 ? a.errorCode : a.topics[0]!.partitions[0]!.errorCode;
  };
  assert.is(await code(alter({ ...withIsr([1]), leaderEpoch: -1, partitionEpoch: 1 })), ErrorCode.FENCED_LEADER_EPOCH);
  assert.is(await code(alter({ ...withIsr([1]), partitionEpoch: 0 })), ErrorCode.INVALID_UPDATE_VERSION);
  assert.is(await code(alter({ ...withIsr([1, 2, 9]), partitionEpoch: 1 })), ErrorCode.INELIGIBLE_REPLICA);
  assert.is(await code(alter({ ...withIsr([1, 2, 9]), partitionEpoch: 1 }, 1)), ErrorCode.OPERATION_NOT_ATTEMPTED, 'before version 2');
  assert.is(await code(alter({ ...withIsr([1]), partitionEpoch: 1 }, 3, 1, bs.get(1)!.epoch - 1)), ErrorCode.STALE_BROKER_EPOCH);
  assert.is(await code(alter({ ...withIsr([2]), partitionEpoch: 1 }, 3, 2, bs.get(2)!.epoch)), ErrorCode.INVALID_REQUEST, 'only the leader changes the ISR');
  assert.is(await code(alter({ ...withIsr([1]), partitionEpoch: 5 })), ErrorCode.NOT_CONTROLLER, 'a leader with a newer state than ours');
  // Version 1 names the topic; an unknown topic id is UNKNOWN_TOPIC_ID.
  const v1 = await alter({ ...withIsr([1]), partitionEpoch: 1 }, 1);
  assert.is(v1.topics[0]!.topicName, 'isr');
  assert.equal(v1.topics[0]!.partitions[0]!.isr, [1]);
  const unknown = await node.controller.alterPartition({ brokerId: 1, brokerEpoch: bs.get(1)!.epoch, topics: [{ topicName: '', topicId: TOPIC_ID.replace('6b', '00'), partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }] }, 2);
  assert.is(unknown.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  // The leader changed the ISR itself: it got no LeaderAndIsr for it.
  await sleep(100);
  assert.is(bs.get(1)!.leaderAndIsr('isr', 0).length, laiBefore);
});

it('a stale controller cannot write: a failed epoch check stops it and nothing is written', async () => {
  const root = await chroot('stale');
  await brokers(root, [1, 2]);
  const zk = await session(root);
  // A controller started by hand, at the epoch a just-won election would give it.
  await zk.create(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(1), 'persistent');
  const epochVersion = (await zk.exists(CONTROLLER_EPOCH_PATH))!.version;
  let moved = 0;
  const controller = new Controller({ zk, brokerId: 100, logger: LOG, onControllerMoved: () => moved++ });
  cleanups.push(() => controller.close());
  await controller.start(1, epochVersion);
  assert.ok(controller.active);
  await createTopic(zk, 'before', [[1, 2]], {}, null);
  await stateWhere(zk, 'before', 0, () => true, 'a state written while current');
  // Another controller is elected meanwhile: /controller_epoch moves on.
  await zk.set(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(2), epochVersion);
  await createTopic(zk, 'after', [[1, 2]], {}, null);
  await eventually('the controller to step down', () => moved === 1);
  assert.not.ok(controller.active);
  assert.is(await stateOf(zk, 'after', 0), undefined, 'no partition state from the stale controller');
  assert.is((await readTopic(zk, 'after'))!.assignment.topicId, null, 'nor a topic id');
  const refused = await controller.alterPartition({ brokerId: 1, brokerEpoch: 0, topics: [] }, 3);
  assert.is(refused.errorCode, ErrorCode.NOT_CONTROLLER);
  assert.is((await stateOf(zk, 'before', 0))!.controllerEpoch, 1);
});

it('a fenced controller with an elector resigns and a new election gives it a fresh epoch', async () => {
  const root = await chroot('refence');
  await brokers(root, [1, 2]);
  const node = await controllerNode(root, 100);
  const v = node.elector.epochZkVersion;
  await node.zk.set(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(5), v);
  await createTopic(node.zk, 'later', [[1, 2]], {}, null);
  const s = await stateWhere(node.zk, 'later', 0, () => true, 'the state written by the re-elected controller');
  assert.is(s.controllerEpoch, 6);
  assert.is(node.moved, 1);
  assert.equal(
    node.became.map((b) => b[0]),
    [1, 6],
  );
});

it('topic deletion: StopReplica(delete) to every replica, leader -2 in UpdateMetadata, znodes removed; a down replica is waited for', async () => {
  const root = await chroot('delete');
  const bs = await brokers(root, [1, 2, 3]);
  const node = await controllerNode(root, 100);
  await createTopic(node.zk, 'gone', [
    [1, 2],
    [2, 3],
  ], { 'cleanup.policy': 'delete' }, TOPIC_ID);
  await stateWhere(node.zk, 'gone', 1, () => true, 'partition 1 state');
  assert.is(await deleteTopic(node.zk, 'gone'), 'marked');
  await eventually('the topic znodes to go', async () => !(await node.zk.exists(topicPath('gone'))) && !(await node.zk.exists(deleteTopicPath('gone'))) && !(await node.zk.exists(configEntityPath('topics', 'gone'))));
  assert.equal(
    bs.get(1)!.stopReplicas('gone'),
    [{ partition: 0, leaderEpoch: -2, deletePartition: true }],
  );
  assert.equal(
    bs.get(2)!.stopReplicas('gone').sort((a, b) => a.partition - b.partition),
    [
      { partition: 0, leaderEpoch: -2, deletePartition: true },
      { partition: 1, leaderEpoch: -2, deletePartition: true },
    ],
  );
  assert.equal(bs.get(3)!.stopReplicas('gone'), [{ partition: 1, leaderEpoch: -2, deletePartition: true }]);
  for (const b of bs.values()) assert.ok(b.updateMetadata('gone', 0).some((p) => p.leader === -2), `broker ${b.id} told the topic is being deleted`);
  await rejects(() => deleteTopic(node.zk, 'gone'), /does not exist/);

  // Now with a replica's broker down: the deletion waits for it to register again.
  await createTopic(node.zk, 'later', [[1, 3]], {}, null);
  await stateWhere(node.zk, 'later', 0, () => true, 'the state of later');
  await bs.get(3)!.stop();
  await stateWhere(node.zk, 'later', 0, (s) => s.isr.length === 1, 'broker 3 out of the ISR');
  await deleteTopic(node.zk, 'later');
  assert.is(await deleteTopic(node.zk, 'later'), 'already-marked');
  await rejects(() => createTopic(node.zk, 'later', [[1, 2]], {}, null), /Topic 'later' is marked for deletion/);
  await eventually('broker 1 to delete its replica', () => bs.get(1)!.stopReplicas('later').length === 1);
  await sleep(200);
  assert.ok(await node.zk.exists(topicPath('later')), 'still there while broker 3 is down');
  assert.ok(await node.zk.exists(deleteTopicPath('later')));
  const back = await new FakeBroker(3, root).start();
  await eventually('the topic to go once broker 3 is back', async () => !(await node.zk.exists(topicPath('later'))) && !(await node.zk.exists(deleteTopicPath('later'))));
  assert.equal(back.stopReplicas('later'), [{ partition: 0, leaderEpoch: -2, deletePartition: true }]);
});

it('a broker registering later gets every partition in UpdateMetadata and LeaderAndIsr for its own; added partitions are created', async () => {
  const root = await chroot('join');
  const bs = await brokers(root, [1, 2]);
  const node = await controllerNode(root, 100);
  await createTopic(node.zk, 'wide', [
    [1, 3],
    [1, 2],
  ], {}, TOPIC_ID);
  const s0 = await stateWhere(node.zk, 'wide', 0, () => true, 'partition 0 state');
  assert.equal(s0.isr, [1], 'only live replicas join the ISR');
  const three = await new FakeBroker(3, root).start();
  const lai = await eventually('LeaderAndIsr on broker 3', () => three.leaderAndIsr('wide', 0)[0]);
  assert.equal({ leader: lai.leader, isr: lai.isr, replicas: lai.replicas, isNew: lai.isNew }, { leader: 1, isr: [1], replicas: [1, 3], isNew: false });
  assert.is(three.leaderAndIsr('wide', 1).length, 0, 'nothing for a partition it does not host');
  const um = await eventually('UpdateMetadata with every partition on broker 3', () => three.of<Um>('UpdateMetadata').find((r) => r.body.topicStates.some((t) => t.topicName === 'wide' && t.partitionStates.length === 2)));
  assert.is(um.body.liveBrokers.length, 3);
  await eventually('broker 1 to learn of broker 3', () => bs.get(1)!.of<Um>('UpdateMetadata').some((r) => r.body.liveBrokers.length === 3));

  // CreatePartitions' write: a third partition.
  const t = (await readTopic(node.zk, 'wide'))!;
  await addPartitions(node.zk, 'wide', [[3, 2]], t.version);
  const s2 = await stateWhere(node.zk, 'wide', 2, () => true, 'partition 2 state');
  assert.equal({ leader: s2.leader, isr: s2.isr }, { leader: 3, isr: [3, 2] });
  await eventually('LeaderAndIsr (isNew) of the new partition on broker 3', () => three.leaderAndIsr('wide', 2).some((p) => p.isNew && p.leader === 3));
  assert.is((await readTopic(node.zk, 'wide'))!.assignment.topicId, znodeTopicId(TOPIC_ID), 'the topic id is kept');
  await rejects(() => addPartitions(node.zk, 'wide', [[1, 2]], t.version), /BAD_VERSION/);
  await rejects(() => addPartitions(node.zk, 'wide', [[1]], t.version + 1), /Inconsistent replication factor/);
});

it('a broker bouncing (a new session, a new broker epoch, never absent) counts as gone and back', async () => {
  const root = await chroot('bounce');
  const bs = await brokers(root, [1, 2, 3]);
  const node = await controllerNode(root, 100);
  await createTopic(node.zk, 'bouncy', [[1, 2, 3]], {}, TOPIC_ID);
  await stateWhere(node.zk, 'bouncy', 0, () => true, 'the partition state');
  const three = bs.get(3)!;
  const firstEpoch = three.epoch;
  await eventually('the first LeaderAndIsr on broker 3', () => three.leaderAndIsr('bouncy', 0).length > 0);
  await three.bounce();
  assert.ok(three.epoch > firstEpoch);
  const s = await stateWhere(node.zk, 'bouncy', 0, (x) => x.leaderEpoch === 1, 'broker 3 out of the ISR');
  assert.equal({ leader: s.leader, isr: s.isr }, { leader: 1, isr: [1, 2] });
  const lai = await eventually('LeaderAndIsr to the bounced broker under its new epoch', () => three.leaderAndIsr('bouncy', 0).find((p) => p.request.brokerEpoch === three.epoch));
  assert.equal({ leader: lai.leader, leaderEpoch: lai.leaderEpoch, isr: lai.isr }, { leader: 1, leaderEpoch: 1, isr: [1, 2] });
  // AlterPartition from the leader may now bring it back into the ISR.
  const back = await node.controller.alterPartition(
    { brokerId: 1, brokerEpoch: bs.get(1)!.epoch, topics: [{ topicName: 'bouncy', topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: 1, newIsr: [], newIsrWithEpochs: [1, 2, 3].map((brokerId) => ({ brokerId, brokerEpoch: -1 })), leaderRecoveryState: 0, partitionEpoch: s.zkVersion }] }] },
    3,
  );
  assert.equal(back.topics[0]!.partitions[0]!.isr, [1, 2, 3]);
});

it('controlled shutdown: leadership moves to another ISR member, the broker leaves the ISRs, and what it still leads is answered', async () => {
  const root = await chroot('shutdown');
  const bs = await brokers(root, [1, 2, 3]);
  const node = await controllerNode(root, 100);
  await createTopic(node.zk, 'calm', [
    [1, 2, 3],
    [2, 1, 3],
    [1, 2, 3],
  ], {}, TOPIC_ID);
  await createTopic(node.zk, 'solo', [[1, 2]], {}, null);
  for (const p of [0, 1, 2]) await stateWhere(node.zk, 'calm', p, () => true, `calm-${p} state`);
  await stateWhere(node.zk, 'solo', 0, () => true, 'solo state');
  // Given by the controller (the topic had none) before it wrote the partition state.
  const soloId = (await readTopic(node.zk, 'solo'))!.assignment.topicId!;
  // solo-0's ISR is broker 1 alone: it cannot move.
  const shrink = await node.controller.alterPartition(
    { brokerId: 1, brokerEpoch: bs.get(1)!.epoch, topics: [{ topicName: 'solo', topicId: base64ToUuid(soloId), partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [], newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: -1 }], leaderRecoveryState: 0, partitionEpoch: 0 }] }] },
    3,
  );
  assert.is(shrink.topics[0]!.partitions[0]!.errorCode, 0);

  assert.is((await node.controller.controlledShutdown(1, bs.get(1)!.epoch - 1)).errorCode, ErrorCode.STALE_BROKER_EPOCH);
  assert.is((await node.controller.controlledShutdown(9, -1)).errorCode, ErrorCode.BROKER_NOT_AVAILABLE);
  const r = await node.controller.controlledShutdown(1, bs.get(1)!.epoch);
  assert.equal(r, { errorCode: 0, remainingPartitions: [{ topicName: 'solo', partitionIndex: 0 }] });
  const c0 = (await stateOf(node.zk, 'calm', 0))!;
  assert.equal({ leader: c0.leader, isr: c0.isr, leaderEpoch: c0.leaderEpoch }, { leader: 2, isr: [2, 3], leaderEpoch: 1 });
  const c1 = (await stateOf(node.zk, 'calm', 1))!;
  assert.equal({ leader: c1.leader, isr: c1.isr, leaderEpoch: c1.leaderEpoch }, { leader: 2, isr: [2, 3], leaderEpoch: 1 });
  const c2 = (await stateOf(node.zk, 'calm', 2))!;
  assert.equal({ leader: c2.leader, isr: c2.isr }, { leader: 2, isr: [2, 3] });
  // The shutting-down broker follows the partition it led, and stops the one it followed.
  const lai = await eventually('LeaderAndIsr making broker 1 a follower of calm-0', () => bs.get(1)!.leaderAndIsr('calm', 0).find((p) => p.leaderEpoch === 1));
  assert.is(lai.leader, 2);
  await eventually('StopReplica (no delete) of calm-1 on broker 1', () => bs.get(1)!.stopReplicas('calm').some((s) => s.partition === 1 && !s.deletePartition));
  assert.is((await stateOf(node.zk, 'solo', 0))!.leader, 1);
});

function decodeConfig(data: Buffer): Record<string, string> {
  return (JSON.parse(data.toString('utf8')) as { config: Record<string, string> }).config;
}

test.run();
