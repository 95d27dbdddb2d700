/**
 * A broker under operating errors, with partition workers and with the logs inline: faults are
 * injected into the file system seam of every thread that hosts logs (PartitionHost.injectFaults),
 * and a worker is killed mid-load. What must hold: the broker stays up, the failing directory's
 * partitions answer writes with KAFKA_STORAGE_ERROR and keep serving reads, the other directory
 * keeps serving writes, every acknowledged record survives, writes resume once the fault
 * clears, and nothing hangs.
 */
import { mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBroker } from '../../src/broker/server.js';
import { startBroker } from '../../src/broker/server.js';
import { FaultCounter } from '../../src/broker/metrics.js';
import { clearFaults } from '../../src/core/fs.js';
import { hostStats, logDirFacts, partitionFacts } from '../../src/console/facts.js';
import { WorkerHost } from '../../src/broker/partitions/worker-host.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { RawClient, readValues } from '../helpers/raw-client.js';
import { dataDir } from '../interop/helpers.js';

async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Setup {
  b: RunningBroker;
  c: RawClient;
  dirs: [string, string];
  close(): Promise<void>;
}

async function setup(workers: number, config: Record<string, unknown> = {}): Promise<Setup> {
  const data = dataDir();
  const dirs: [string, string] = [join(data.dir, 'a'), join(data.dir, 'b')];
  for (const d of dirs) mkdirSync(d);
  const b = await startBroker({
    port: 0,
    config: { 'log.dirs': dirs.join(','), 'num.io.threads': workers, 'log.dir.recovery.check.interval.ms': 100, ...config },
  });
  const c = await RawClient.connect(b.bootstrap);
  const created = await c.request(CreateTopics, 7, {
    topics: [{ name: 'f', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.is(created.topics[0]!.errorCode, 0);
  return {
    b,
    c,
    dirs,
    close: async () => {
      c.close();
      await b.broker.host.injectFaults([]);
      await b.close();
      data.remove();
    },
  };
}

async function produce(c: RawClient, partition: number, values: string[]): Promise<{ errorCode: number; baseOffset: number; errorMessage: string | null }> {
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'f', partitionData: [{ index: partition, records: encodeBatch(values.map((value) => ({ value }))) }] }],
  });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset, errorMessage: p.errorMessage };
}

function fetchAll(c: RawClient, partition: number): Promise<{ errorCode: number; values: string[] }> {
  return readValues(c, 'f', partition);
}

/** Which of the two partitions of 'f' lives in the first directory. */
function partitionIn(s: Setup, dir: string): number {
  const t = s.b.broker.topics.get('f')!;
  return t.partitions.find((p) => p.logDir === dir)!.partition;
}

for (const workers of [1, 0]) {
  const mode = workers === 0 ? 'inline' : 'with a worker';

  for (const code of ['ENOSPC', 'EROFS', 'EIO'] as const) {
    test(`${mode}: ${code} in one log directory refuses its writes, keeps its reads and the other directory, and writes resume once it clears`, async () => {
      const s = await setup(workers);
      try {
        const [failing, healthy] = s.dirs;
        const bad = partitionIn(s, failing);
        const good = partitionIn(s, healthy);
        assert.is((await produce(s.c, bad, ['a0', 'a1'])).errorCode, 0);
        assert.is((await produce(s.c, good, ['b0'])).errorCode, 0);
        await s.b.broker.host.injectFaults([
          { op: 'write', code, path: failing },
          { op: 'fsync', code, path: failing },
          ...(code === 'EROFS' ? [{ op: 'open' as const, code, path: failing }, { op: 'rename' as const, code, path: failing }] : []),
        ]);
        const refused = await produce(s.c, bad, ['lost']);
        assert.is(refused.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
        await eventually(() => !s.b.broker.logDirs.isOnline(failing), 2000, 'the directory to go offline');
        assert.is((await produce(s.c, bad, ['refused too'])).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
        assert.equal(await fetchAll(s.c, bad), { errorCode: 0, values: ['a0', 'a1'] }, 'reads go on, with exactly what was acknowledged');
        assert.is((await produce(s.c, good, ['b1'])).errorCode, 0, 'the other directory serves writes');
        assert.is(s.b.broker.metrics.faults[FaultCounter.storageErrors], 1);
        const stats = await hostStats(s.b.broker, true);
        const facts = partitionFacts(s.b.broker, stats);
        assert.equal(facts.filter((f) => f.topic === 'f').map((f) => [f.partition, f.offline]).sort(), [[bad, true], [good, false]].sort(), 'the console and /metrics see which partitions are offline');
        const dirFacts = await logDirFacts(s.b.broker, facts);
        assert.equal(dirFacts.map((d) => [d.path, d.online]), [[failing, false], [healthy, true]]);
        assert.match(dirFacts[0]!.offlineReason!, new RegExp(code));
        await new Promise((r) => setTimeout(r, 300));
        assert.not.ok(s.b.broker.logDirs.isOnline(failing), 'still offline while the fault lasts (the probe fails)');
        await s.b.broker.host.injectFaults([]);
        await eventually(() => s.b.broker.logDirs.isOnline(failing), 5000, 'the directory to come back');
        const after = await produce(s.c, bad, ['a2']);
        assert.equal([after.errorCode, after.baseOffset], [0, 2], 'writes resume right after the acknowledged records');
        assert.equal((await fetchAll(s.c, bad)).values, ['a0', 'a1', 'a2']);
        assert.equal((await fetchAll(s.c, good)).values, ['b0', 'b1']);
        assert.is(s.b.broker.metrics.faults[FaultCounter.logDirsRecovered], 1);
        assert.is(s.b.broker.metrics.faults[FaultCounter.internalErrors], 0);
      } finally {
        await s.close();
      }
    });
  }

  test(`${mode}: closing the broker while its disk fails does not hang, and the next start recovers`, async () => {
    const data = dataDir();
    const config = { 'log.dirs': data.dir, 'num.io.threads': workers };
    const b = await startBroker({ port: 0, config });
    const c = await RawClient.connect(b.bootstrap);
    await c.request(CreateTopics, 7, { topics: [{ name: 'f', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.is((await produce(c, 0, ['kept'])).errorCode, 0);
    await b.broker.host.injectFaults([{ op: 'any', code: 'EIO', path: data.dir }]);
    c.close();
    const started = Date.now();
    await b.close();
    assert.ok(Date.now() - started < 10_000, `closed in ${Date.now() - started} ms`);
    clearFaults();
    const again = await startBroker({ port: 0, config });
    const c2 = await RawClient.connect(again.bootstrap);
    assert.equal(await fetchAll(c2, 0), { errorCode: 0, values: ['kept'] });
    c2.close();
    await again.close();
    data.remove();
  });
}

for (const workers of [1, 0]) {
  test(`${workers === 0 ? 'inline' : 'with a worker'}: a programmer error is logged with its stack and counted, never answered as a storage error, and the partition serves again`, async () => {
    const data = dataDir();
    const lines: string[] = [];
    const logger = { error: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), info: () => {} };
    const b = await startBroker({ port: 0, logger, config: { 'log.dirs': data.dir, 'num.io.threads': workers } });
    const c = await RawClient.connect(b.bootstrap);
    try {
      await c.request(CreateTopics, 7, { topics: [{ name: 'f', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
      assert.is((await produce(c, 0, ['before'])).errorCode, 0);
      await b.broker.host.injectFaults([{ op: 'write', code: 'BUG', path: '.log', times: 1 }]);
      const r = await produce(c, 0, ['met the bug']);
      assert.is(r.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
      assert.ok(b.broker.metrics.faults[FaultCounter.internalErrors]! >= 1, 'counted');
      assert.ok(lines.some((l) => l.includes('injected programmer error') && l.includes('    at ')), `logged with its stack: ${lines.join('\n')}`);
      assert.not.ok(lines.some((l) => l.includes('offline')), 'no directory went offline');
      assert.is(b.broker.metrics.faults[FaultCounter.storageErrors], 0);
      await eventually(async () => (await produce(c, 0, ['after'])).errorCode === 0, 10_000, 'the partition to serve again');
      const { values } = await fetchAll(c, 0);
      assert.equal(values[0], 'before');
      assert.ok(values.includes('after'));
      if (workers > 0) assert.is(b.broker.metrics.faults[FaultCounter.workerRestarts], 1);
    } finally {
      c.close();
      await b.close();
      data.remove();
    }
  });
}

test('a partition worker killed under load: requests in flight are answered at once, it restarts with its logs recovered, nothing acknowledged is lost', async () => {
  const s = await setup(1);
  try {
    const host = s.b.broker.host as WorkerHost;
    const acked: { partition: number; baseOffset: number; values: string[] }[] = [];
    const failures = new Map<number, number>();
    let n = 0;
    let killed = false;
    const load = async (partition: number): Promise<void> => {
      const c = await RawClient.connect(s.b.bootstrap);
      try {
        for (let i = 0; i < 150; i++) {
          const values = [`p${partition}-${n++}`, `p${partition}-${n++}`];
          const r = await produce(c, partition, values);
          if (r.errorCode === 0) acked.push({ partition, baseOffset: r.baseOffset, values });
          else failures.set(r.errorCode, (failures.get(r.errorCode) ?? 0) + 1);
          if (i === 40 && partition === 0 && !killed) {
            killed = true;
            void host.terminateWorker(0);
          }
        }
      } finally {
        c.close();
      }
    };
    await Promise.all([load(0), load(1)]);
    for (const code of failures.keys()) assert.ok(code === ErrorCode.UNKNOWN_SERVER_ERROR || code === ErrorCode.NOT_LEADER_OR_FOLLOWER, `error ${code}`);
    assert.ok(failures.size > 0, 'some requests met the dead worker');
    await eventually(() => host.workerState(0) === 'running', 10_000, 'the worker to be back');
    assert.is(s.b.broker.metrics.faults[FaultCounter.workerRestarts], 1);
    for (const partition of [0, 1]) {
      const { values } = await fetchAll(s.c, partition);
      for (const a of acked.filter((x) => x.partition === partition)) {
        assert.equal(values.slice(a.baseOffset, a.baseOffset + a.values.length), a.values, `acknowledged at ${partition}:${a.baseOffset}`);
      }
    }
    assert.is((await produce(s.c, 0, ['after'])).errorCode, 0, 'serving again');
  } finally {
    await s.close();
  }
});

test('a topic created while its partition worker restarts is opened once the worker is back, and its name is free again', async () => {
  const s = await setup(1);
  try {
    const host = s.b.broker.host as WorkerHost;
    await host.terminateWorker(0);
    const create = (name: string) => s.c.request(CreateTopics, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    // Sent during the restart's back-off, when the old thread is gone and the new one not started.
    const r = await create('during-restart');
    assert.is(r.topics[0]!.errorCode, 0, 'created, not left hanging');
    assert.is(host.workerState(0), 'running');
    assert.is((await create('during-restart')).topics[0]!.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS, 'the name is not locked for good');
  } finally {
    await s.close();
  }
});

function deletedDescriptorsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir) && target.endsWith('(deleted)')) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

test('segments deleted by retention after fetches read them keep no descriptor, so their space returns', async () => {
  const data = dataDir();
  const b = await startBroker({
    port: 0,
    config: {
      'log.dirs': data.dir,
      'num.io.threads': 1,
      'log.segment.bytes': 4096,
      'log.retention.bytes': 8192,
      'log.retention.check.interval.ms': 50,
      'log.segment.delete.delay.ms': 50,
    },
  });
  const c = await RawClient.connect(b.bootstrap);
  try {
    await c.request(CreateTopics, 7, { topics: [{ name: 'f', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 10; i++) assert.is((await produce(c, 0, [`${round}-${i}-${'x'.repeat(300)}`])).errorCode, 0);
      await fetchAll(c, 0);
    }
    // Retention runs every 50 ms on its own timer: wait for it to have caught up with the last
    // round's segments too, then for the deleted files to be let go.
    const logFiles = () => readdirSync(join(data.dir, 'f-0')).filter((n) => n.endsWith('.log')).length;
    await eventually(() => logFiles() <= 4, 5000, 'retention to delete the old segments').catch((e: Error) => {
      throw new Error(`${e.message}: ${logFiles()} segments`);
    });
    await eventually(() => deletedDescriptorsUnder(data.dir).length === 0 && b.broker.files.openCount <= 4, 5000, 'deleted files to be let go').catch((e: Error) => {
      throw new Error(`${e.message}: ${deletedDescriptorsUnder(data.dir).join(', ')}; ${b.broker.files.openCount} cached`);
    });
  } finally {
    c.close();
    await b.close();
    data.remove();
  }
});

test.run();
