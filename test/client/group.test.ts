/**
 * Consumer-group membership against the broker's coordinator: the KIP-394 member id round
 * trip, two Spindle consumers splitting a topic by range and handing partitions over on
 * leave with committed offsets, and a kafkajs consumer sharing a group with a Spindle
 * consumer, each side decoding the other's ConsumerProtocol bytes (with kafkajs as the leader
 * and with Spindle as the leader).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker } from '../../src/broker/server.js';
import { Admin } from '../../src/client/admin.js';
import { Client } from '../../src/client/client.js';
import { Consumer } from '../../src/client/consumer.js';
import { encodeSubscription } from '../../src/client/consumer-protocol.js';
import { GroupMember } from '../../src/client/group.js';
import { Producer } from '../../src/client/producer.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { JoinGroup } from '../../src/protocol/messages/index.js';
import { broker, dataDir, require } from '../interop/helpers.js';

const { Kafka, AssignerProtocol, logLevel } = require('kafkajs');

let b: RunningBroker;
let data: ReturnType<typeof dataDir>;
let client: Client;
let admin: Admin;

test.before(async () => {
  data = dataDir();
  b = await broker(data.dir, 0, { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1, 'num.partitions': 1 });
  client = new Client({ bootstrapServers: b.bootstrap, clientId: 'group-test' });
  admin = new Admin(client);
});

test.after(async () => {
  await client.close();
  await b.close();
  data.remove();
});

async function produce(topic: string, count: number, partitions: number): Promise<void> {
  const producer = new Producer(client);
  await Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic, value: `v${i}`, partition: i % partitions })));
  await producer.close();
}

/** Polls in the background until stopped, collecting offsets per partition. */
function pollLoop(consumer: Consumer) {
  const got: { partition: number; offset: number }[] = [];
  let running = true;
  const done = (async () => {
    while (running) for (const r of await consumer.poll()) got.push({ partition: r.partition, offset: r.offset });
  })();
  return {
    got,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fast = { heartbeatIntervalMs: 100, sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 10_000, maxWaitMs: 100, autoOffsetReset: 'earliest' as const };

test('a first JoinGroup without member id gets MEMBER_ID_REQUIRED and an id, and the member then joins with it (KIP-394)', async () => {
  await admin.createTopics([{ name: 'kip394', numPartitions: 1 }]);
  const c = await client.coordinator('kip394-group');
  const first = await c.request(JoinGroup, {
    groupId: 'kip394-group',
    sessionTimeoutMs: 6000,
    rebalanceTimeoutMs: 10000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription(['kip394']) }],
    reason: null,
  });
  assert.is(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(first.memberId.length > 0);
  const member = new GroupMember(client, { groupId: 'kip394-group-2', topics: ['kip394'], heartbeatIntervalMs: 100 });
  const assignment = await member.join();
  assert.ok(member.memberId.length > 0);
  assert.is(member.generationId, 1);
  assert.is(member.leaderId, member.memberId);
  assert.equal(assignment, [{ topic: 'kip394', partitions: [0] }]);
  await member.leave();
  const [g] = await admin.describeGroups(['kip394-group-2']);
  assert.is(g!.state, 'Empty');
});

test('two consumers split a topic by range, commit, and the one left takes over every partition from the committed offsets', async () => {
  await admin.createTopics([{ name: 'split', numPartitions: 4 }]);
  await produce('split', 40, 4);
  const a = new Consumer(client, { ...fast, groupId: 'splitters' });
  await a.subscribe(['split']);
  const loopA = pollLoop(a);
  await until(() => a.assignment().length === 4, 'the first member to own all partitions');
  const otherClient = new Client({ bootstrapServers: b.bootstrap, clientId: 'group-test-2' });
  const bConsumer = new Consumer(otherClient, { ...fast, groupId: 'splitters' });
  await bConsumer.subscribe(['split']);
  const loopB = pollLoop(bConsumer);
  await until(() => a.assignment().length === 2 && bConsumer.assignment().length === 2, 'a 2/2 split');
  const owned = [...a.assignment(), ...bConsumer.assignment()].map((tp) => tp.partition).sort();
  assert.equal(owned, [0, 1, 2, 3]);
  // Range: the member whose id sorts first takes partitions 0 and 1.
  const [g] = await admin.describeGroups(['splitters']);
  const byId = [...g!.members].sort((x, y) => (x.memberId < y.memberId ? -1 : 1));
  assert.equal(byId[0]!.assignment, [{ topic: 'split', partitions: [0, 1] }]);
  assert.equal(byId[1]!.assignment, [{ topic: 'split', partitions: [2, 3] }]);
  await until(() => new Set([...loopA.got, ...loopB.got].map((r) => `${r.partition}/${r.offset}`)).size === 40, 'all 40 records');
  await loopB.stop();
  await bConsumer.close();
  await otherClient.close();
  await until(() => a.assignment().length === 4, 'the remaining member to own all partitions again');
  await produce('split', 8, 4);
  const before = loopA.got.length;
  await until(() => loopA.got.length >= before + 8, 'the new records');
  await loopA.stop();
  // No record of the first 40 is read twice after the handover: b committed on close.
  const offsets = loopA.got.slice(before).map((r) => `${r.partition}/${r.offset}`).sort();
  assert.equal(offsets, ['0/10', '0/11', '1/10', '1/11', '2/10', '2/11', '3/10', '3/11']);
  await a.close();
  const committed = await admin.fetchGroupOffsets('splitters');
  assert.equal(committed.map((o) => [o.partition, o.offset]), [[0, 12], [1, 12], [2, 12], [3, 12]]);
});

/** A kafkajs partition assigner named 'range' that computes ranges with kafkajs's own encoders. */
function kafkajsRange({ cluster }: { cluster: { findTopicPartitionMetadata(t: string): { partitionId: number }[] } }) {
  return {
    name: 'range',
    version: 0,
    async assign({ members, topics }: { members: { memberId: string; memberMetadata: Buffer }[]; topics: string[] }) {
      const sorted = [...members].sort((x, y) => (x.memberId < y.memberId ? -1 : 1));
      const plan = new Map<string, Record<string, number[]>>(sorted.map((m) => [m.memberId, {}]));
      for (const topic of topics) {
        const subscribers = sorted.filter((m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata).topics.includes(topic));
        const count = cluster.findTopicPartitionMetadata(topic).length;
        const per = Math.floor(count / subscribers.length);
        const extra = count % subscribers.length;
        subscribers.forEach((m, i) => {
          const start = per * i + Math.min(i, extra);
          const length = per + (i < extra ? 1 : 0);
          if (length > 0) plan.get(m.memberId)![topic] = Array.from({ length }, (_, k) => start + k);
        });
      }
      return [...plan].map(([memberId, assignment]) => ({ memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment }) }));
    },
    protocol({ topics }: { topics: string[] }) {
      return { name: 'range', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics }) };
    },
  };
}

for (const leader of ['spindle', 'kafkajs'] as const) {
  test(`a kafkajs consumer and a Spindle consumer share a group, ${leader} leading: each gets half of the partitions`, async () => {
    const topic = `shared-${leader}`;
    const groupId = `shared-${leader}`;
    await admin.createTopics([{ name: topic, numPartitions: 4 }]);
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kafkajs-member', logLevel: logLevel.NOTHING });
    const kjs = kafka.consumer({ groupId, partitionAssigners: [kafkajsRange], heartbeatInterval: 100, sessionTimeout: 6000, rebalanceTimeout: 10000, maxWaitTimeInMs: 100 });
    let kjsAssignment: Record<string, number[]> = {};
    kjs.on(kjs.events.GROUP_JOIN, (e: { payload: { memberAssignment: Record<string, number[]> } }) => {
      kjsAssignment = e.payload.memberAssignment;
    });
    const ours = new Consumer(client, { ...fast, groupId });
    let loop: ReturnType<typeof pollLoop> | undefined;
    const startOurs = async () => {
      await ours.subscribe([topic]);
      loop = pollLoop(ours);
    };
    const startKafkajs = async () => {
      await kjs.connect();
      await kjs.subscribe({ topic, fromBeginning: true });
      await kjs.run({ eachMessage: async () => {} });
    };
    try {
      if (leader === 'spindle') {
        await startOurs();
        await until(() => ours.assignment().length === 4, 'spindle alone to own all partitions');
        await startKafkajs();
      } else {
        await startKafkajs();
        await until(() => (kjsAssignment[topic]?.length ?? 0) === 4, 'kafkajs alone to own all partitions');
        await startOurs();
      }
      await until(() => ours.assignment().length === 2 && (kjsAssignment[topic]?.length ?? 0) === 2, 'a 2/2 split');
      const all = [...ours.assignment().map((tp) => tp.partition), ...kjsAssignment[topic]!].sort();
      assert.equal(all, [0, 1, 2, 3]);
      const [g] = await admin.describeGroups([groupId]);
      assert.is(g!.protocol, 'range');
      assert.is(g!.members.length, 2);
      const m = ours.membership()!;
      assert.is(m.leaderId === m.memberId, leader === 'spindle', `leader ${m.leaderId}, spindle member ${m.memberId}`);
      assert.ok(g!.members.some((x) => x.clientId === 'kafkajs-member' && x.memberId === (leader === 'kafkajs' ? m.leaderId : x.memberId)));
    } finally {
      await loop?.stop();
      await ours.close();
      await kjs.disconnect();
    }
  });
}

test.run();
