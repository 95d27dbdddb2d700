/**
 * `spindle cluster up` as a developer runs it: ZooKeeper and brokers as child processes on
 * loopback, a cluster that replicates (a topic with replication factor 2 gets an ISR of two),
 * and Ctrl-C (SIGINT) stopping every process it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Admin } from '../../src/client/admin.js';
import { Client } from '../../src/client/client.js';
import { Metadata } from '../../src/protocol/messages/index.js';
import { needs } from '../helpers/needs.js';
import { zookeeperMissing } from '../helpers/zookeeper.js';

const it = needs(zookeeperMissing());
const bin = new URL('../../../bin/spindle.js', import.meta.url).pathname;

/** A base port with `n` free ports after it (checked, not reserved: good enough on a test machine). */
async function freeRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ok = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        new Promise<boolean>((resolve) => {
          const s = createServer();
          s.once('error', () => resolve(false));
          s.listen(base + i, '127.0.0.1', () => s.close(() => resolve(true)));
        }),
      ),
    );
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no run of free ports');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('cluster up runs ZooKeeper and two replicating brokers; SIGINT stops every process it started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-cluster-up-'));
  const base = await freeRun(5);
  let child: ChildProcess | undefined;
  let client: Client | undefined;
  try {
    child = spawn(process.execPath, [bin, 'cluster', 'up', '--brokers', '2', '--dir', dir, '--port', String(base), '--zookeeper-port', String(base + 2), '--console-port', String(base + 3)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    client = new Client({ bootstrapServers: `127.0.0.1:${base}`, clientId: 'cluster-up-test' });
    const admin = new Admin(client);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const meta = await client.any().then((c) => c.request(Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).catch(() => undefined);
      if (meta && meta.brokers.length === 2) break;
      if (Date.now() > deadline) throw new Error(`the cluster did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    await admin.createTopics([{ name: 'replicated', numPartitions: 2, replicationFactor: 2 }]);
    const described = await admin.describeTopics(['replicated']);
    for (const p of described[0]!.partitions) assert.is(p.isr.length, 2, 'both brokers hold every partition');
    await client.close();
    client = undefined;
    const pids = [...output.matchAll(/^\[(?:broker \d|zookeeper)\] pid (\d+)$/gm)].map((m) => Number(m[1]));
    assert.is(pids.length, 3, 'ZooKeeper and two brokers, each named with its PID');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c)));
    assert.is(code, 0, `cluster up ended cleanly:\n${output.slice(-2000)}`);
    assert.match(output, /\[broker 1\] stopped cleanly/);
    assert.match(output, /\[broker 2\] stopped cleanly/);
    for (const pid of pids) assert.not.ok(alive(pid), `process ${pid} is gone`);
  } finally {
    await client?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
