/**
 * Consumer groups with real clients against a real broker (2 partition workers): kafkajs
 * consumers sharing a topic exactly once, a member leaving and one killed with SIGKILL (its
 * partitions move to the others after its session timeout), the group resuming from its
 * committed offsets after a broker restart, and kcat (librdkafka) in balanced-consumer mode
 * (-G) splitting a topic between two instances. kcat is skipped when absent.
 *
 * The broker runs with group.initial.rebalance.delay.ms=0 and consumers with a 6 s session,
 * 500 ms heartbeats and 500 ms fetch waits, so that rebalances take well under a second.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coordinatorOf } from '../../src/broker/groups/offsets-topic.js';
import type { RunningBroker } from '../../src/broker/server.js';
import { broker, dataDir, hasKcat, require } from './helpers.js';
import { needs } from '../helpers/needs.js';

const { Kafka, logLevel } = require('kafkajs');

const BROKER_CONFIG = { 'group.initial.rebalance.delay.ms': 0 };
const SESSION_MS = 6000;
const CONSUMER = { sessionTimeout: SESSION_MS, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTimeInMs: 500 };
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const data = dataDir();
let b: RunningBroker = await broker(data.dir, 2, BROKER_CONFIG);

const client = (clientId: string) => new Kafka({ clientId, brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Who consumed which record ("partition:offset" → consumer names). */
type Seen = Map<string, string[]>;

interface Running {
  name: string;
  consumer: any;
  /** The partitions of the last assignment received, and its generation's member id. */
  partitions: number[];
  joins: number;
}

async function startConsumer(name: string, groupId: string, topic: string, seen: Seen): Promise<Running> {
  const consumer = client(name).consumer({ groupId, ...CONSUMER });
  const running: Running = { name, consumer, partitions: [], joins: 0 };
  consumer.on(consumer.events.GROUP_JOIN, (e: any) => {
    running.partitions = [...(e.payload.memberAssignment[topic] ?? [])].sort((x: number, y: number) => x - y);
    running.joins++;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }: any) => {
      const key = `${partition}:${message.offset}`;
      seen.set(key, [...(seen.get(key) ?? []), name]);
    },
  });
  return running;
}

async function produce(topic: string, count: number, from = 0): Promise<void> {
  const producer = client('producer').producer();
  await producer.connect();
  for (let at = 0; at < count; at += 500) {
    const n = Math.min(500, count - at);
    await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, i) => ({ key: `k${from + at + i}`, value: `v${from + at + i}` })) });
  }
  await producer.disconnect();
}

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = client('admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  await admin.disconnect();
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const admin = client('admin').admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t.partitions.reduce((sum: number, p: any) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

function groupState(groupId: string) {
  const [d] = coordinatorOf(b.broker)!.describeGroups([groupId]);
  return d!;
}

/** The group is Stable with exactly these members and their assignments split the topic. */
function settled(groupId: string, members: Running[], partitions: number): boolean {
  const d = groupState(groupId);
  if (d.groupState !== 'Stable' || d.members.length !== members.length) return false;
  const all = members.flatMap((m) => m.partitions).sort((x, y) => x - y);
  return all.length === partitions && all.every((p, i) => p === i);
}

function assertExactlyOnce(seen: Seen, expected: number): void {
  assert.is(seen.size, expected, 'every record consumed');
  const twice = [...seen].filter(([, who]) => who.length > 1);
  assert.equal(twice.slice(0, 5), [], 'no record consumed twice');
}

const share: { seen: Seen; members: Running[] } = { seen: new Map(), members: [] };

test('[kafkajs] three consumers share a six-partition topic: every record is consumed exactly once between them', async () => {
  await createTopic('share6', 6);
  for (const name of ['c0', 'c1', 'c2']) share.members.push(await startConsumer(name, 'g-share', 'share6', share.seen));
  await waitFor('the group to settle with three members', () => settled('g-share', share.members, 6));
  for (const m of share.members) assert.ok(m.partitions.length === 2, `${m.name} got ${m.partitions}`);

  await produce('share6', 3000);
  await waitFor('3000 records', () => share.seen.size >= 3000);
  assertExactlyOnce(share.seen, 3000);
  for (const [key, [who]] of share.seen) {
    const owner = share.members.find((m) => m.partitions.includes(Number(key.split(':')[0])))!;
    assert.is(who, owner.name, `${key} read by the partition's owner`);
  }
  await waitFor('the commits of all 3000', async () => (await committedTotal('g-share', 'share6')) === 3000);
});

test('[kafkajs] a member that leaves triggers a rebalance and its partitions move to the others', async () => {
  const [a, c, leaving] = share.members as [Running, Running, Running];
  const moved = leaving.partitions;
  const joinsBefore = a.joins + c.joins;
  await leaving.consumer.disconnect();
  await waitFor('the two remaining members to take all six partitions', () => a.joins + c.joins >= joinsBefore + 2 && settled('g-share', [a, c], 6));
  for (const p of moved) assert.ok(a.partitions.includes(p) || c.partitions.includes(p), `partition ${p} taken over`);

  const before = new Set(share.seen.keys());
  await produce('share6', 600, 3000);
  await waitFor('600 more records', () => share.seen.size >= 3600);
  assertExactlyOnce(share.seen, 3600);
  const fresh = [...share.seen].filter(([key]) => !before.has(key));
  assert.ok(fresh.every(([, who]) => who[0] !== leaving.name), 'nothing read by the member that left');
  assert.ok(fresh.some(([key]) => moved.includes(Number(key.split(':')[0]))), 'its former partitions are read by the others');
  await Promise.all([a.consumer.disconnect(), c.consumer.disconnect()]);
  await waitFor('the group to empty', () => groupState('g-share').groupState === 'Empty');
});

/** A kafkajs consumer in its own process, so that it can be killed outright. */
function childConsumer(groupId: string, topic: string): { child: ChildProcess; partitions: () => number[] | undefined } {
  const script = `
    const { Kafka, logLevel } = require('kafkajs');
    const [bootstrap, groupId, topic, options] = process.argv.slice(1);
    const kafka = new Kafka({ clientId: 'doomed', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const c = kafka.consumer({ groupId, ...JSON.parse(options) });
    c.on(c.events.GROUP_JOIN, (e) => console.log(JSON.stringify(e.payload.memberAssignment[topic] || [])));
    (async () => { await c.connect(); await c.subscribe({ topic, fromBeginning: true }); await c.run({ eachMessage: async () => {} }); })();
  `;
  const child = spawn(process.execPath, ['-e', script, b.bootstrap, groupId, topic, JSON.stringify(CONSUMER)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let last: number[] | undefined;
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) if (l.trim()) last = JSON.parse(l);
  });
  return { child, partitions: () => last };
}

test('[kafkajs] a member killed with SIGKILL is removed after its session timeout and the survivor takes its partitions', async () => {
  const doomed = childConsumer('g-kill', 'share6');
  let survivor: Running | undefined;
  try {
    await waitFor('the child to join', () => groupState('g-kill').members.length === 1, 15_000);
    survivor = await startConsumer('survivor', 'g-kill', 'share6', new Map());
    await waitFor('both members to share the topic', () => {
      const d = groupState('g-kill');
      const theirs = doomed.partitions() ?? [];
      return d.groupState === 'Stable' && d.members.length === 2 && theirs.length === 3 && survivor!.partitions.length === 3;
    });
    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await waitFor('the survivor to own all six partitions', () => settled('g-kill', [survivor!], 6), 20_000);
    const tookMs = Date.now() - killedAt;
    // Nothing tells the coordinator the process died: only the missed session does.
    assert.ok(tookMs >= SESSION_MS - 1500, `reassigned after ${tookMs} ms, not before the ${SESSION_MS} ms session`);
    assert.ok(tookMs < SESSION_MS + 5000, `reassigned after ${tookMs} ms`);
  } finally {
    if (doomed.child.exitCode === null && doomed.child.signalCode === null) doomed.child.kill('SIGKILL');
    await survivor?.consumer.disconnect();
  }
});

test('[kafkajs] after a broker restart the group resumes from its committed offsets: nothing read twice, nothing lost', async () => {
  await createTopic('restart3', 3);
  const seen: Seen = new Map();
  await produce('restart3', 600);
  const first = [await startConsumer('r0', 'g-restart', 'restart3', seen), await startConsumer('r1', 'g-restart', 'restart3', seen)];
  await waitFor('600 records', () => seen.size >= 600);
  await waitFor('their commits', async () => (await committedTotal('g-restart', 'restart3')) === 600);
  await Promise.all(first.map((m) => m.consumer.disconnect()));
  const generation = coordinatorOf(b.broker)!.group('g-restart')!.generationId;

  await b.close();
  b = await broker(data.dir, 2, BROKER_CONFIG);
  const loaded = coordinatorOf(b.broker)!.group('g-restart')!;
  assert.is(loaded.state, 'Empty');
  assert.is(loaded.generationId, generation, 'the generation was stored and loaded');
  assert.is(loaded.protocolType, 'consumer');
  assert.is(await committedTotal('g-restart', 'restart3'), 600, 'offsets survived the restart');

  await produce('restart3', 600, 600);
  const second = [await startConsumer('r2', 'g-restart', 'restart3', seen), await startConsumer('r3', 'g-restart', 'restart3', seen)];
  await waitFor('the 600 new records', () => seen.size >= 1200);
  await new Promise((r) => setTimeout(r, 500)); // a re-read from the start would show up by now
  assertExactlyOnce(seen, 1200);
  assert.ok([...seen].slice(600).every(([, who]) => who[0] === 'r2' || who[0] === 'r3'));
  await Promise.all(second.map((m) => m.consumer.disconnect()));
});

if (!hasKcat) {
  needs('kcat is not installed')('[kcat] two balanced consumers (-G) split a topic between them', () => {});
} else {
  test('[kcat] two balanced consumers (-G) get disjoint shares of a topic and together read all of it', async () => {
    await createTopic('kcat4', 4);
    const COUNT = 800;
    const procs = ['a', 'b'].map((name) => {
      const p = spawn('kcat', ['-b', b.bootstrap, '-u', '-G', 'g-kcat', '-X', 'auto.offset.reset=earliest', '-f', '%p %o %s\\n', 'kcat4'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { name, p, lines: [] as string[], partial: '', stderr: '' };
      p.stdout!.on('data', (d: Buffer) => {
        const parts = (out.partial + d.toString()).split('\n');
        out.partial = parts.pop()!;
        out.lines.push(...parts);
      });
      p.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
      return out;
    });
    try {
      await waitFor('both kcat instances in the group', () => {
        const d = groupState('g-kcat');
        return d.groupState === 'Stable' && d.members.length === 2;
      });
      await produce('kcat4', COUNT);
      const total = () => procs.reduce((n, o) => n + o.lines.length, 0);
      await waitFor(`${COUNT} records through kcat`, () => total() >= COUNT, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      const byRecord = new Map<string, string[]>();
      const partitionsOf = new Map<string, Set<number>>();
      for (const o of procs) {
        partitionsOf.set(o.name, new Set());
        for (const line of o.lines) {
          const [p, offset, value] = line.split(' ');
          byRecord.set(`${p}:${offset}`, [...(byRecord.get(`${p}:${offset}`) ?? []), o.name]);
          partitionsOf.get(o.name)!.add(Number(p));
          assert.match(value!, /^v\d+$/);
        }
      }
      assert.is(byRecord.size, COUNT, 'together they read everything');
      assert.ok([...byRecord.values()].every((who) => who.length === 1), 'no record read by both');
      const [pa, pb] = [...partitionsOf.values()] as [Set<number>, Set<number>];
      assert.ok(pa.size > 0 && pb.size > 0, 'each got a share');
      assert.ok([...pa].every((p) => !pb.has(p)), 'the shares are disjoint');
    } finally {
      for (const o of procs) if (o.p.exitCode === null) o.p.kill('SIGTERM');
      await Promise.all(procs.map((o) => new Promise((r) => (o.p.exitCode !== null ? r(null) : o.p.once('close', r)))));
    }
    // Both left the group on SIGTERM (LeaveGroup) after committing.
    await waitFor('the kcat group to empty', () => groupState('g-kcat').groupState === 'Empty', 10_000);
    assert.is(await committedTotal('g-kcat', 'kcat4'), COUNT);
  });
}

test('everything closes', async () => {
  await b.close();
  data.remove();
});

test.run();
