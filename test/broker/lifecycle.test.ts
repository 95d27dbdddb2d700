/**
 * The broker as a process: `spindle broker` started with SPINDLE_ variables, stopped by SIGTERM
 * (exit 0, clean-shutdown markers, everything found again) and killed by SIGKILL (every
 * acknowledged record found again after recovery).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fetch, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { batchPositions, decodeBatchDecompressing, encodeBatch } from '../../src/protocol/records/batch.js';
import { dataDir } from '../interop/helpers.js';
import { RawClient } from '../helpers/raw-client.js';

const bin = new URL('../../../bin/spindle.js', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  bootstrap: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/**
 * Starts `spindle broker` on a free port chosen by the OS; resolves once it listens. With
 * `cwd`, no data directory is configured and the broker uses its default, ./data.
 */
function startProcess(dir: string, workers: number, cwd?: string): Promise<Started> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, SPINDLE_LISTENERS: 'PLAINTEXT://127.0.0.1:0', SPINDLE_NUM_IO_THREADS: String(workers), SPINDLE_CONSOLE_LISTENER: 'none' };
    if (!cwd) env.SPINDLE_LOG_DIRS = dir;
    const child = spawn(process.execPath, [bin, 'broker'], { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not start: ${err}`));
    }, 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on ([\d.]+):(\d+)/.exec(err);
      if (m) {
        clearTimeout(guard);
        resolve({ child, bootstrap: `${m[1]}:${m[2]}`, exited, stderr: () => err });
      }
    });
    void exited.then(() => clearTimeout(guard));
  });
}

async function produceMany(bootstrap: string, count: number): Promise<number[]> {
  const c = await RawClient.connect(bootstrap);
  await c.request(Metadata, 9, { topics: [{ name: 'life' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = await c.request(Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'life', partitionData: [{ index: 0, records: encodeBatch([{ key: `k${i}`, value: `value-${i}` }]) }] }],
    });
    offsets.push(r.responses[0].partitionResponses[0].baseOffset);
  }
  c.close();
  return offsets;
}

async function readAll(bootstrap: string): Promise<Map<number, string>> {
  const c = await RawClient.connect(bootstrap);
  const out = new Map<number, string>();
  for (let offset = 0; ; ) {
    const r = await c.request(Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'life', partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const records = r.responses[0].partitions[0].records as Buffer;
    let next = offset;
    for (const { at } of batchPositions(records)) for (const rec of decodeBatchDecompressing(records, at).records) {
      out.set(rec.offset, rec.value!.toString());
      next = rec.offset + 1;
    }
    if (next === offset) break;
    offset = next;
  }
  c.close();
  return out;
}

test('SIGTERM stops the broker cleanly: exit 0, clean-shutdown markers, records found after restart', async () => {
  const data = dataDir();
  let p = await startProcess(data.dir, 2);
  const offsets = await produceMany(p.bootstrap, 200);
  p.child.kill('SIGTERM');
  const exit = await p.exited;
  assert.is(exit.code, 0, p.stderr());
  assert.match(p.stderr(), /stopped cleanly/);
  assert.ok(existsSync(join(data.dir, 'life-0', '.clean-shutdown')));
  p = await startProcess(data.dir, 2);
  const got = await readAll(p.bootstrap);
  offsets.forEach((o, i) => assert.is(got.get(o), `value-${i}`));
  p.child.kill('SIGTERM');
  assert.is((await p.exited).code, 0);
  data.remove();
});

test('SIGKILL loses no acknowledged record: the broker recovers and serves them all', async () => {
  const data = dataDir();
  let p = await startProcess(data.dir, 1);
  const offsets = await produceMany(p.bootstrap, 300);
  p.child.kill('SIGKILL');
  assert.is((await p.exited).signal, 'SIGKILL');
  assert.not.ok(existsSync(join(data.dir, 'life-0', '.clean-shutdown')));
  p = await startProcess(data.dir, 0);
  const got = await readAll(p.bootstrap);
  assert.is(got.size, 300);
  offsets.forEach((o, i) => assert.is(got.get(o), `value-${i}`));
  p.child.kill('SIGTERM');
  assert.is((await p.exited).code, 0);
  data.remove();
});

test('with no data directory configured, spindle broker keeps its data under ./data and finds it again', async () => {
  const cwd = dataDir();
  let p = await startProcess('', 1, cwd.dir);
  const offsets = await produceMany(p.bootstrap, 20);
  p.child.kill('SIGTERM');
  assert.is((await p.exited).code, 0);
  assert.ok(existsSync(join(cwd.dir, 'data', 'life-0', '00000000000000000000.log')), 'the log is under ./data');
  p = await startProcess('', 1, cwd.dir);
  const got = await readAll(p.bootstrap);
  offsets.forEach((o, i) => assert.is(got.get(o), `value-${i}`));
  p.child.kill('SIGTERM');
  assert.is((await p.exited).code, 0);
  cwd.remove();
});

test.run();
