import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatLockRecord,
  LOCK_FILE,
  LogDirLock,
  LogDirLockedError,
  lockLogDirs,
  parseLockRecord,
  processStartTime,
  type LockRecord,
} from '../../src/broker/log-dir-lock.js';

const hasProc = existsSync('/proc/self/stat');

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'spindle-lock-'));
}

function lockedError(fn: () => unknown): LogDirLockedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LogDirLockedError) return e;
    throw e;
  }
  throw new Error('expected LogDirLockedError');
}

/** A record as this process would write it, with some fields replaced. */
function record(changes: Partial<LockRecord>): string {
  const bootId = hasProc ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : '';
  const own: LockRecord = { pid: process.pid, startTime: processStartTime(process.pid), bootId, host: hostname(), started: new Date().toISOString() };
  return formatLockRecord({ ...own, ...changes });
}

/** The pid of a process that has exited: nothing runs under it (until the pid is reused). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('the lock is a record of this process, removed on release; no temporary file is left', () => {
  const dir = freshDir();
  const lock = LogDirLock.acquire(dir);
  const r = parseLockRecord(readFileSync(join(dir, LOCK_FILE), 'utf8'))!;
  assert.is(r.pid, process.pid);
  assert.is(r.host, hostname());
  if (hasProc) assert.is(r.startTime, processStartTime(process.pid));
  assert.equal(readdirSync(dir), [LOCK_FILE]);
  lock.release();
  assert.equal(readdirSync(dir), []);
  lock.release();
  rmSync(dir, { recursive: true });
});

test('a held directory is refused with a message naming it and the holder', () => {
  const dir = freshDir();
  const lock = LogDirLock.acquire(dir);
  const e = lockedError(() => LogDirLock.acquire(dir));
  assert.is(e.dir, dir);
  assert.is(e.holder?.pid, process.pid);
  assert.match(e.message, `log directory ${dir} is in use by another broker (pid ${process.pid} on ${hostname()}`);
  assert.equal(readdirSync(dir), [LOCK_FILE], 'the refused attempt leaves nothing');
  lock.release();
  LogDirLock.acquire(dir).release();
  rmSync(dir, { recursive: true });
});

test('a lock whose process is gone is taken over', () => {
  const dir = freshDir();
  writeFileSync(join(dir, LOCK_FILE), record({ pid: deadPid() }));
  const lock = LogDirLock.acquire(dir);
  assert.is(parseLockRecord(readFileSync(lock.file, 'utf8'))!.pid, process.pid);
  assert.equal(readdirSync(dir), [LOCK_FILE]);
  lock.release();
  rmSync(dir, { recursive: true });
});

if (hasProc) {
  test('a live pid with another start time is a reused pid: the lock is stale', () => {
    const dir = freshDir();
    const own = processStartTime(process.pid);
    writeFileSync(join(dir, LOCK_FILE), record({ pid: process.pid, startTime: String(Number(own) - 1) }));
    const lock = LogDirLock.acquire(dir);
    lock.release();
    rmSync(dir, { recursive: true });
  });

  test('a lock from before the last boot is stale whatever its pid', () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), record({ pid: process.pid, bootId: '00000000-0000-0000-0000-000000000000' }));
    LogDirLock.acquire(dir).release();
    rmSync(dir, { recursive: true });
  });
}

test('a lock from another host cannot be checked and is refused with how to clear it', () => {
  const dir = freshDir();
  writeFileSync(join(dir, LOCK_FILE), record({ pid: deadPid(), host: 'elsewhere.example' }));
  const e = lockedError(() => LogDirLock.acquire(dir));
  assert.match(e.message, 'elsewhere.example');
  assert.match(e.message, `remove ${join(dir, LOCK_FILE)}`);
  rmSync(dir, { recursive: true });
});

test("a .lock Spindle did not write (Kafka's empty one) is refused, not overwritten", () => {
  const dir = freshDir();
  writeFileSync(join(dir, LOCK_FILE), '');
  const e = lockedError(() => LogDirLock.acquire(dir));
  assert.is(e.holder, null);
  assert.match(e.message, 'Spindle did not write');
  assert.is(readFileSync(join(dir, LOCK_FILE), 'utf8'), '');
  rmSync(dir, { recursive: true });
});

test('release leaves alone a lock that is no longer this one', () => {
  const dir = freshDir();
  const lock = LogDirLock.acquire(dir);
  const other = record({ pid: 1 });
  writeFileSync(lock.file, other);
  lock.release();
  assert.is(readFileSync(join(dir, LOCK_FILE), 'utf8'), other);
  rmSync(dir, { recursive: true });
});

test('several directories are locked all or none', () => {
  const [a, b] = [freshDir(), freshDir()];
  const held = LogDirLock.acquire(b);
  assert.throws(() => lockLogDirs([a, b]), (e: unknown) => e instanceof LogDirLockedError);
  assert.not.ok(existsSync(join(a, LOCK_FILE)), 'the first directory was let go again');
  held.release();
  for (const l of lockLogDirs([a, b])) l.release();
  rmSync(a, { recursive: true });
  rmSync(b, { recursive: true });
});

test('processes racing for a stale lock: exactly one takes it', async () => {
  const dir = freshDir();
  writeFileSync(join(dir, LOCK_FILE), record({ pid: deadPid() }));
  const moduleUrl = new URL('../../src/broker/log-dir-lock.js', import.meta.url).href;
  // Each racer waits for the same instant, tries, and holds what it got until the test ends.
  const start = Date.now() + 400;
  const script = `
    const { LogDirLock } = await import(${JSON.stringify(moduleUrl)});
    while (Date.now() < ${start});
    let held = false;
    try { LogDirLock.acquire(${JSON.stringify(dir)}); held = true; } catch (e) { if (e.name !== 'LogDirLockedError') throw e; }
    process.stdout.write(held ? 'held' : 'refused');
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));`;
  const racers = Array.from({ length: 4 }, () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const outcomes = await Promise.all(
    racers.map(
      (p) =>
        new Promise<string>((resolve) => {
          let out = '';
          p.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out === 'held' || out === 'refused') resolve(out);
          });
        }),
    ),
  );
  assert.is(outcomes.filter((o) => o === 'held').length, 1, outcomes.join(', '));
  const holder = parseLockRecord(readFileSync(join(dir, LOCK_FILE), 'utf8'))!;
  assert.ok(racers.some((p) => p.pid === holder.pid), 'the file names the winner');
  for (const p of racers) p.stdin.end();
  await Promise.all(racers.map((p) => new Promise((r) => p.once('exit', r))));
  rmSync(dir, { recursive: true });
});

test.run();
