/**
 * Start-up failures, as a user meets them: `spindle broker` on a taken port or on a data
 * directory another broker holds exits non-zero within seconds with one line saying why, and a
 * broker that was killed does not keep its directory locked. In-process, a failed startBroker
 * leaves nothing running: no workers, no timers, no lock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LOCK_FILE, parseLockRecord } from '../../src/broker/log-dir-lock.js';
import { startBroker } from '../../src/broker/server.js';
import { ApiVersions } from '../../src/protocol/messages/index.js';
import { dataDir } from '../interop/helpers.js';
import { withRawClient } from '../helpers/raw-client.js';

const bin = new URL('../../../bin/spindle.js', import.meta.url).pathname;
/** "Within a few seconds": a failed start must not wait on anything. */
const FAILED_START_MS = 5_000;

interface Proc {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  stderr: () => string;
  /** Resolves with the bootstrap address once the broker listens; rejects if it exits first. */
  listening: Promise<string>;
}

function spindleBroker(env: Record<string, string>): Proc {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, 'broker'], {
    env: { ...process.env, SPINDLE_CONSOLE_LISTENER: 'none', SPINDLE_NUM_IO_THREADS: '2', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started })),
  );
  const listening = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on ([\d.]+):(\d+)/.exec(err);
      if (m) resolve(`${m[1]}:${m[2]}`);
    });
    void exited.then((e) => reject(new Error(`broker exited (${e.code ?? e.signal}) before listening: ${err}`)));
  });
  listening.catch(() => {});
  return { child, exited, stderr: () => err, listening };
}

/** Waits for the exit, killing the process if it takes longer than `ms`. */
async function exitWithin(p: Proc, ms: number): Promise<{ code: number | null; ms: number }> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  const e = await p.exited;
  clearTimeout(timer);
  return e;
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

function occupiedPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

test('spindle broker on a taken port exits 1 within seconds, with one line naming the address', async () => {
  const data = dataDir();
  const { server, port } = await occupiedPort();
  try {
    const p = spindleBroker({ SPINDLE_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`, SPINDLE_LOG_DIRS: data.dir });
    const exit = await exitWithin(p, FAILED_START_MS);
    assert.is(exit.code, 1, `killed after ${FAILED_START_MS} ms, or exited otherwise: ${p.stderr()}`);
    assert.is(lastLine(p.stderr()), `spindle broker: cannot listen on 127.0.0.1:${port}: the address is already in use; is another broker running?`);
    assert.not.match(p.stderr(), /\n\s+at /, 'no stack trace');
    assert.not.ok(existsSync(join(data.dir, LOCK_FILE)), 'the lock was released');
  } finally {
    server.close();
    data.remove();
  }
});

test('a second broker on the same log.dirs exits 1 naming the directory; the first keeps serving; after SIGKILL of the first a new one starts', async () => {
  const data = dataDir();
  const env = { SPINDLE_LISTENERS: 'PLAINTEXT://127.0.0.1:0', SPINDLE_LOG_DIRS: data.dir };
  const first = spindleBroker(env);
  try {
    const bootstrap = await first.listening;
    const holder = parseLockRecord(readFileSync(join(data.dir, LOCK_FILE), 'utf8'));
    assert.is(holder?.pid, first.child.pid);

    const second = spindleBroker(env);
    const exit = await exitWithin(second, FAILED_START_MS);
    assert.is(exit.code, 1, second.stderr());
    assert.match(lastLine(second.stderr()), new RegExp(`^spindle broker: log directory ${data.dir} is in use by another broker \\(pid ${first.child.pid} `));
    assert.not.match(second.stderr(), /\n\s+at /);
    const answer = await withRawClient(bootstrap, (c) => c.request(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }));
    assert.is(answer.errorCode, 0, 'the first broker still serves');

    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(existsSync(join(data.dir, LOCK_FILE)), 'a killed broker leaves its lock behind');
    const third = spindleBroker(env);
    const thirdBootstrap = await third.listening;
    assert.is(parseLockRecord(readFileSync(join(data.dir, LOCK_FILE), 'utf8'))?.pid, third.child.pid, 'the stale lock was taken over');
    // Served, and so past start-up: its SIGTERM handler is in place.
    const served = await withRawClient(thirdBootstrap, (c) => c.request(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }));
    assert.is(served.errorCode, 0);
    third.child.kill('SIGTERM');
    assert.is((await third.exited).code, 0);
    assert.not.ok(existsSync(join(data.dir, LOCK_FILE)), 'a clean shutdown removes the lock');
  } finally {
    first.child.kill('SIGKILL');
    data.remove();
  }
});

/** Handles and requests that keep the process alive, counted by kind. */
function liveResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** The kinds of which there are more now than in `before`. */
function added(before: Map<string, number>): string[] {
  return [...liveResources()].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind, n]) => `${kind} ×${n - (before.get(kind) ?? 0)}`);
}

test('a failed startBroker stops what it had started: workers, timers and the lock', async () => {
  const data = dataDir();
  const { server, port } = await occupiedPort();
  const before = liveResources();
  try {
    let failed: unknown;
    try {
      await startBroker({ port, config: { 'log.dirs': data.dir, 'num.io.threads': 2 } });
    } catch (e) {
      failed = e;
    }
    assert.is((failed as NodeJS.ErrnoException | undefined)?.code, 'EADDRINUSE');
    assert.not.ok(existsSync(join(data.dir, LOCK_FILE)));
    // Worker threads take a moment to be gone from the list after they exit.
    for (let i = 0; i < 50 && added(before).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(added(before), [], 'left running');
    const again = await startBroker({ port: 0, config: { 'log.dirs': data.dir, 'num.io.threads': 2 } });
    await again.close();
  } finally {
    server.close();
    data.remove();
  }
});

test('a failed start with a temporary data directory removes it', async () => {
  const { server, port } = await occupiedPort();
  // os.tmpdir() follows TMPDIR: the broker's temporary directory goes into one of our own.
  const scratch = dataDir();
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = scratch.dir;
  try {
    const started = await startBroker({ port, config: { 'num.io.threads': 0 } }).then(
      () => true,
      () => false,
    );
    assert.not.ok(started, 'it cannot listen on a taken port');
    assert.equal(readdirSync(scratch.dir), []);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    server.close();
    scratch.remove();
  }
});

test.run();
