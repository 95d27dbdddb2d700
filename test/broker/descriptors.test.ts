/**
 * A broker under a low descriptor limit (`ulimit -n 1024`) hosts more partitions than it could
 * hold three descriptors each for: segment files are opened on use and closed when the pool
 * needs room (core/descriptors.ts), so creating, writing, reading and restarting all work, and
 * the process never holds more than its limit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateTopics, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { dataDir } from '../interop/helpers.js';
import { RawClient, readValues } from '../helpers/raw-client.js';

const bin = new URL('../../../bin/spindle.js', import.meta.url).pathname;
const LIMIT = 1024;
const PARTITIONS = 1200;

function start(dir: string): Promise<{ child: ChildProcess; bootstrap: string; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, SPINDLE_LISTENERS: 'PLAINTEXT://127.0.0.1:0', SPINDLE_LOG_DIRS: dir, SPINDLE_NUM_IO_THREADS: '1', SPINDLE_CONSOLE_LISTENER: 'none' };
    const child = spawn('sh', ['-c', `ulimit -n ${LIMIT} && exec "${process.execPath}" "${bin}" broker`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let err = '';
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not start: ${err}`));
    }, 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on ([\d.]+):(\d+)/.exec(err);
      if (m) {
        clearTimeout(guard);
        resolve({ child, bootstrap: `${m[1]}:${m[2]}`, exited });
      }
    });
    void exited.then(() => clearTimeout(guard));
  });
}

const openDescriptors = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test(`${PARTITIONS} partitions under a limit of ${LIMIT} descriptors: created, written, read and restarted`, async () => {
  const data = dataDir();
  let broker = await start(data.dir);
  try {
    let c = await RawClient.connect(broker.bootstrap);
    const created = await c.request(CreateTopics, 7, { topics: [{ name: 'many', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 60_000, validateOnly: false }, 60_000);
    assert.is(created.topics[0]!.errorCode, 0, created.topics[0]!.errorMessage ?? '');
    const r = await c.request(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: 'many', partitionData: Array.from({ length: PARTITIONS }, (_, index) => ({ index, records: encodeBatch([{ value: `p${index}` }]) })) }],
    }, 60_000);
    assert.ok(r.responses[0]!.partitionResponses.every((p) => p.errorCode === 0), 'every partition took its batch');
    assert.ok(openDescriptors(broker.child.pid!) < LIMIT, `${openDescriptors(broker.child.pid!)} descriptors open`);
    c.close();
    broker.child.kill('SIGTERM');
    assert.is(await broker.exited, 0);

    broker = await start(data.dir);
    c = await RawClient.connect(broker.bootstrap);
    const meta = await c.request(Metadata, 12, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'many' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.is(meta.topics[0]!.partitions.length, PARTITIONS, 'every partition is back after the restart');
    for (const partition of [0, 777, PARTITIONS - 1]) {
      assert.equal(await readValues(c, 'many', partition), { errorCode: 0, values: [`p${partition}`] });
    }
    c.close();
  } finally {
    broker.child.kill('SIGTERM');
    await broker.exited;
    data.remove();
  }
});

test.run();
