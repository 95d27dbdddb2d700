/**
 * The broker on real failing file systems (test/helpers/file-systems.ts): a tmpfs that fills up
 * under produce load and at start-up, and ext4 turned read-only under produce load by its error
 * trigger. Needs root to mount; skipped with the reason otherwise (.ci/run runs as root).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FaultCounter } from '../../src/broker/metrics.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { fileSystemsUnavailable, mountExt4, mountTmpfs } from '../helpers/file-systems.js';
import { dataDir } from '../interop/helpers.js';
import { RawClient, readValues } from '../helpers/raw-client.js';
import { needs } from '../helpers/needs.js';

const unavailable = fileSystemsUnavailable();
const maybe = needs(unavailable ?? '');
if (unavailable) console.log(`real file system tests skipped: ${unavailable}`);

async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function produce(c: RawClient, topic: string, partition: number, values: string[]): Promise<{ errorCode: number; baseOffset: number }> {
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: encodeBatch(values.map((value) => ({ value }))) }] }],
  });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

async function fetchAll(c: RawClient, topic: string, partition: number): Promise<string[]> {
  const { errorCode, values } = await readValues(c, topic, partition, 0, 4 << 20);
  assert.is(errorCode, 0, `fetch ${topic}-${partition} after ${values.length} records`);
  return values;
}

async function createTopic(c: RawClient, name: string, configs: { name: string; value: string }[] = []): Promise<void> {
  const r = await c.request(CreateTopics, 7, { topics: [{ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs }], timeoutMs: 5000, validateOnly: false });
  assert.is(r.topics[0]!.errorCode, 0);
}

function partitionIn(b: RunningBroker, topic: string, dir: string): { inside: number; outside: number } {
  const parts = b.broker.topics.get(topic)!.partitions;
  const inside = parts.find((p) => p.logDir === dir)!.partition;
  return { inside, outside: parts.find((p) => p.partition !== inside)!.partition };
}

maybe('a tmpfs filling up under produce load: writes refused, reads and the other directory served, writes back once space returns, and a start on the full disk', async () => {
  const fsys = mountTmpfs(32 * 1024 * 1024);
  const other = dataDir();
  const dirs = `${fsys.dir},${other.dir}`;
  const config = { 'log.dirs': dirs, 'num.io.threads': 1, 'log.dir.recovery.check.interval.ms': 100, 'log.segment.bytes': 1024 * 1024 };
  let b: RunningBroker | undefined;
  try {
    b = await startBroker({ port: 0, config });
    let c = await RawClient.connect(b.bootstrap);
    await createTopic(c, 'full');
    const { inside, outside } = partitionIn(b, 'full', fsys.dir);
    fsys.fill(2 * 1024 * 1024);
    const acked: string[] = [];
    const value = (i: number) => `${i}:${'v'.repeat(16 * 1024)}`;
    let refused = 0;
    for (let i = 0; i < 400 && refused === 0; i++) {
      const vs = [value(i * 4), value(i * 4 + 1), value(i * 4 + 2), value(i * 4 + 3)];
      const r = await produce(c, 'full', inside, vs);
      if (r.errorCode === 0) acked.push(...vs);
      else {
        assert.is(r.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
        refused++;
      }
    }
    assert.is(refused, 1, 'the disk filled up');
    assert.ok(acked.length > 0);
    assert.is((await produce(c, 'full', outside, ['elsewhere'])).errorCode, 0, 'the other directory serves writes');
    assert.equal(await fetchAll(c, 'full', inside), acked, 'every acknowledged record, nothing else');
    assert.ok(b.broker.metrics.faults[FaultCounter.storageErrors]! >= 1);
    fsys.free();
    await eventually(() => b!.broker.logDirs.isOnline(fsys.dir), 10_000, 'the directory to come back');
    assert.is((await produce(c, 'full', inside, ['after'])).errorCode, 0);
    acked.push('after');
    assert.equal(await fetchAll(c, 'full', inside), acked);
    c.close();
    await b.close();
    b = undefined;

    // A start on a completely full disk: the broker comes up and serves reads.
    fsys.fill(0);
    b = await startBroker({ port: 0, config });
    c = await RawClient.connect(b.bootstrap);
    assert.equal(await fetchAll(c, 'full', inside), acked, 'served after a start on a full disk');
    assert.is((await produce(c, 'full', outside, ['still'])).errorCode, 0);
    // More than the slack of a segment's last page, which a nearly full disk may still hold.
    const onFull = await produce(c, 'full', inside, ['no room'.repeat(10_000)]);
    assert.is(onFull.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    fsys.free();
    await eventually(async () => (await produce(c, 'full', inside, ['room again'])).errorCode === 0, 10_000, 'writes to resume');
    c.close();
  } finally {
    await b?.close();
    fsys.remove();
    other.remove();
  }
});

maybe('ext4 turning read-only under produce load (errors=remount-ro): no acknowledged record is lost, the other directory goes on, close does not hang', async () => {
  const ext = mountExt4(64 * 1024 * 1024);
  const other = dataDir();
  const logDir = join(ext.dir, 'data');
  mkdirSync(logDir);
  const config = { 'log.dirs': `${logDir},${other.dir}`, 'num.io.threads': 1, 'log.dir.recovery.check.interval.ms': 100 };
  let b: RunningBroker | undefined;
  try {
    b = await startBroker({ port: 0, config });
    const setup = await RawClient.connect(b.bootstrap);
    // flush.messages=1: an acknowledgement means the records were fsynced, so they survive the file system's failure.
    await createTopic(setup, 'ro', [{ name: 'flush.messages', value: '1' }]);
    const { inside, outside } = partitionIn(b, 'ro', logDir);
    const acked = new Map<number, string[]>([
      [inside, []],
      [outside, []],
    ]);
    const errors = new Map<number, number[]>([
      [inside, []],
      [outside, []],
    ]);
    let stop = false;
    let n = 0;
    const load = async (partition: number): Promise<void> => {
      const c = await RawClient.connect(b!.bootstrap);
      try {
        while (!stop) {
          const vs = [`${partition}-${n++}`, `${partition}-${n++}`];
          const r = await produce(c, 'ro', partition, vs);
          if (r.errorCode === 0) acked.get(partition)!.push(...vs);
          else errors.get(partition)!.push(r.errorCode);
        }
      } finally {
        c.close();
      }
    };
    const loads = [load(inside), load(outside)];
    await eventually(() => acked.get(inside)!.length > 200, 10_000, 'some load');
    ext.fail();
    await eventually(() => errors.get(inside)!.length > 10, 10_000, 'the read-only file system to refuse writes');
    const afterFailure = acked.get(outside)!.length;
    await eventually(() => acked.get(outside)!.length > afterFailure + 100, 10_000, 'the other directory to go on');
    stop = true;
    await Promise.all(loads);
    assert.ok(errors.get(inside)!.every((code) => code === ErrorCode.KAFKA_STORAGE_ERROR), `errors ${[...new Set(errors.get(inside))]}`);
    assert.equal(errors.get(outside), [], 'nothing failed elsewhere');
    assert.ok(!b.broker.logDirs.isOnline(logDir));
    const served = await fetchAll(setup, 'ro', inside);
    assert.equal(served.slice(0, acked.get(inside)!.length), acked.get(inside), 'reads go on with every acknowledged record');
    setup.close();
    const started = Date.now();
    await b.close();
    b = undefined;
    assert.ok(Date.now() - started < 15_000, `closed in ${Date.now() - started} ms`);

    ext.repair();
    b = await startBroker({ port: 0, config });
    const c = await RawClient.connect(b.bootstrap);
    for (const p of [inside, outside]) {
      const values = await fetchAll(c, 'ro', p);
      assert.equal(values.slice(0, acked.get(p)!.length), acked.get(p), `partition ${p}: every acknowledged record after the repair`);
    }
    assert.is((await produce(c, 'ro', inside, ['repaired'])).errorCode, 0);
    c.close();
  } finally {
    await b?.close();
    ext.remove();
    other.remove();
  }
});

test.run();
