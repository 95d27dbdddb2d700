/**
 * Faults in a three-broker cluster of real processes on loopback, with acknowledged-record
 * accounting: an idempotent kafkajs producer writes numbered records with acks=all to a topic
 * with replication factor 3 and min.insync.replicas=2 while the partition's leader is killed
 * with SIGKILL, again and again (each killed broker restarted, catching up and rejoining the
 * ISR before the next kill). Every record acknowledged must then be read back, in order,
 * exactly once, and nothing else may be there but records that were sent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from '../../src/client/client.js';
import { Consumer } from '../../src/client/consumer.js';
import { ZkSession } from '../../src/cluster/zk.js';
import { decodePartitionState, topicPartitionStatePath } from '../../src/cluster/zk-data.js';
import { needs } from '../helpers/needs.js';
import { eventually } from './helpers.js';
import { type ZooKeeperEnsemble, startZooKeeper, zookeeperMissing } from '../helpers/zookeeper.js';

const it = needs(zookeeperMissing());
const bin = new URL('../../../bin/spindle.js', import.meta.url).pathname;
/** Leader kills in the run. */
const KILLS = 3;

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

class BrokerProcess {
  child: ChildProcess | undefined;
  output = '';
  constructor(
    readonly id: number,
    readonly port: number,
    private readonly dir: string,
    private readonly zk: string,
  ) {}

  start(): void {
    this.child = spawn(
      process.execPath,
      [
        bin, 'broker',
        '--override', `zookeeper.connect=${this.zk}`,
        '--override', `node.id=${this.id}`,
        '--override', `listeners=PLAINTEXT://127.0.0.1:${this.port}`,
        '--override', `log.dirs=${join(this.dir, `broker-${this.id}`)}`,
        '--override', 'console.listener=none',
        '--override', 'zookeeper.session.timeout.ms=4000',
        '--override', 'replica.lag.time.max.ms=3000',
        '--override', 'replica.fetch.wait.max.ms=100',
        '--override', 'num.io.threads=1',
      ],
      { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, SPINDLE_EXIT_WITH_PARENT: '1' } },
    );
    this.child.stderr!.on('data', (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    });
  }

  /** SIGKILL by its PID; resolves once it is gone. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    process.kill(c.pid!, 'SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    process.kill(c.pid!, 'SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }
}

let zk: ZooKeeperEnsemble | undefined;
let session: ZkSession | undefined;
const brokers: BrokerProcess[] = [];
let dir = '';

let kafka: Kafka;

async function setUp(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'spindle-faults-'));
  zk = await startZooKeeper();
  session = await ZkSession.connect({ connectString: zk.connectString, sessionTimeoutMs: 6000, connectionTimeoutMs: 5000 });
  const ports = await freePorts(3);
  for (let i = 0; i < 3; i++) brokers.push(new BrokerProcess(i + 1, ports[i]!, dir, zk.connectString));
  for (const b of brokers) b.start();
  kafka = new Kafka({ clientId: 'faults', brokers: brokers.map((b) => `127.0.0.1:${b.port}`), logLevel: logLevel.NOTHING, retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 1000 } });
  const admin = kafka.admin();
  await eventually('three brokers', async () => {
    try {
      await admin.connect();
      return (await admin.describeCluster()).brokers.length === 3 ? true : undefined;
    } catch {
      return undefined;
    }
  });
  await admin.disconnect();
}

async function partitionState(topic: string) {
  const got = await session!.get(topicPartitionStatePath(topic, 0));
  return got ? decodePartitionState(topic, 0, got.data) : undefined;
}

/**
 * Runs `faults` while an idempotent producer writes numbered records with acks=all to a new
 * topic (replication factor 3, min.insync.replicas=2), then reads the partition back and
 * checks the account: every acknowledged record once, in acknowledgement order, nothing unsent.
 */
async function underLoad(topic: string, faults: (acked: () => number) => Promise<string>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const acked: number[] = [];
  let next = 0;
  let producing = true;
  let failures = 0;
  const loop = (async () => {
    while (producing) {
      const n = next++;
      try {
        await producer.send({ topic, acks: -1, messages: [{ value: String(n) }] });
        acked.push(n);
      } catch {
        // Not acknowledged: it may or may not be in the log, and it is not counted.
        failures++;
      }
    }
  })();
  let what: string;
  try {
    what = await faults(() => acked.length);
    const floor = acked.length + 50;
    await eventually('writes after the last fault', () => (acked.length >= floor ? true : undefined));
  } finally {
    producing = false;
    await loop;
    await producer.disconnect();
  }
  const client = new Client({ bootstrapServers: brokers.map((b) => `127.0.0.1:${b.port}`), clientId: 'faults-reader' });
  const values: number[] = [];
  try {
    const consumer = new Consumer(client, { maxWaitMs: 200 });
    await consumer.assign([{ topic, partition: 0, offset: 0 }]);
    const last = acked[acked.length - 1]!;
    for (let i = 0; i < 600 && !values.includes(last); i++) for (const r of await consumer.poll()) values.push(Number(String(r.value)));
    await consumer.close();
  } finally {
    await client.close();
  }
  const seen = new Set<number>();
  for (const v of values) {
    assert.not.ok(seen.has(v), `record ${v} is in the log once`);
    seen.add(v);
    assert.ok(v < next, `record ${v} was sent`);
  }
  const lost = acked.filter((v) => !seen.has(v));
  assert.equal(lost, [], `no acknowledged record lost (${acked.length} acknowledged, ${failures} sends failed; ${what})`);
  assert.equal(values.filter((v) => seen.has(v) && acked.includes(v)), acked, 'acknowledged records in the order they were acknowledged');
  process.stderr.write(`faults (${topic}): ${what}; ${acked.length} records acknowledged, ${failures} sends failed, ${values.length} in the log, 0 lost\n`);
}

/** Waits for `more` acknowledgements and the partition's whole ISR; answers its state. */
async function steady(topic: string, acked: () => number, more = 50) {
  const floor = acked() + more;
  await eventually('writes to be acknowledged', () => (acked() >= floor ? true : undefined));
  return eventually('a full ISR', async () => {
    const s = await partitionState(topic);
    return s && s.isr.length === 3 && s.leader >= 0 ? s : undefined;
  }, 60_000);
}

it(`acks=all with min.insync.replicas=2 through ${KILLS} leader kills (SIGKILL): every acknowledged record read back once, in order`, async () => {
  await setUp();
  await underLoad('ledger', async (acked) => {
    const kills: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const before = await steady('ledger', acked);
      const leader = brokers[before.leader - 1]!;
      kills.push(leader.id);
      await leader.kill();
      const after = await eventually('a new leader', async () => {
        const s = await partitionState('ledger');
        return s && s.leader >= 0 && s.leader !== leader.id ? s : undefined;
      });
      assert.ok(after.leaderEpoch > before.leaderEpoch, 'a new leader epoch');
      leader.start();
    }
    return `${KILLS} leader kills (brokers ${kills.join(', ')})`;
  });
});

it('a rolling restart of every broker (SIGTERM, controlled shutdown) under the same load loses nothing acknowledged', async () => {
  await underLoad('rolling', async (acked) => {
    for (const b of brokers) {
      await steady('rolling', acked);
      await b.stop();
      const s = await partitionState('rolling');
      assert.ok(s && s.leader !== b.id, `broker ${b.id} led nothing once stopped (controlled shutdown)`);
      b.start();
    }
    return 'a rolling restart of brokers 1, 2, 3';
  });
});

test.after(async () => {
  for (const b of brokers) await b.stop().catch(() => undefined);
  await session?.close();
  await zk?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.run();
