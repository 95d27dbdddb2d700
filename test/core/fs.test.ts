import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DescriptorPool, PooledFd } from '../../src/core/descriptors.js';
import { DurableFile, clearFaults, faultRules, fsio, fsioAsync, injectFaults, probeDirectory, storageErrorOf } from '../../src/core/fs.js';
import { tempDir } from './helpers.js';

test.after.each(() => clearFaults());

test('an injected fault throws the errno with the shape of a real one, then stops after its count', () => {
  const t = tempDir();
  const path = join(t.dir, 'a.log');
  const fd = fsio.openSync(path, 'w+');
  injectFaults([{ op: 'write', code: 'ENOSPC', path: 'a.log', times: 2 }]);
  for (let i = 0; i < 2; i++) {
    try {
      fsio.writeSync(fd, Buffer.from('x'), 0, 1, 0);
      assert.unreachable('the write should fail');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      assert.is(err.code, 'ENOSPC');
      assert.is(err.errno, -28);
      assert.is(err.syscall, 'write');
      assert.is(err.path, path, 'descriptor calls are matched by the path they were opened with');
    }
  }
  assert.is(fsio.writeSync(fd, Buffer.from('x'), 0, 1, 0), 1, 'the third write goes through');
  assert.is(faultRules()[0]!.fired, 2);
  fsio.closeSync(fd);
  t.remove();
});

test('rules match by operation and path, and may let some calls through first', () => {
  const t = tempDir();
  injectFaults([{ op: 'fsync', code: 'EIO', path: 'b.log', skip: 1 }]);
  const a = fsio.openSync(join(t.dir, 'a.log'), 'w+');
  const b = fsio.openSync(join(t.dir, 'b.log'), 'w+');
  fsio.fsyncSync(a);
  fsio.writeSync(b, Buffer.from('y'), 0, 1, 0);
  fsio.fsyncSync(b);
  assert.throws(() => fsio.fsyncSync(b), (e: NodeJS.ErrnoException) => e.code === 'EIO');
  assert.throws(() => fsio.fdatasyncSync(b), (e: NodeJS.ErrnoException) => e.code === 'EIO', 'fdatasync is an fsync');
  fsio.closeSync(a);
  fsio.closeSync(b);
  t.remove();
});

test('asynchronous calls fail the same way, and the probe fails while the directory refuses writes', async () => {
  const t = tempDir();
  injectFaults([{ op: 'any', code: 'EROFS', path: t.dir }]);
  try {
    await probeDirectory(t.dir);
    assert.unreachable('the probe should fail');
  } catch (e) {
    assert.is((e as NodeJS.ErrnoException).code, 'EROFS');
  }
  clearFaults();
  await probeDirectory(t.dir);
  assert.equal(readdirSync(t.dir), [], 'the probe leaves nothing behind');
  const fd = await fsioAsync.open(join(t.dir, 'c'), 'w');
  injectFaults([{ op: 'fsync', code: 'EIO' }]);
  await fsioAsync.sync(fd, true).then(
    () => assert.unreachable('the sync should fail'),
    (e: NodeJS.ErrnoException) => assert.is(e.code, 'EIO'),
  );
  await fsioAsync.close(fd);
  t.remove();
});

test('a DurableFile coalesces a burst of writes: at most two rewrites, each caller settled once its contents are in', async () => {
  const t = tempDir();
  const path = join(t.dir, 'state.json');
  let value = 0;
  let rendered = 0;
  const file = new DurableFile(path, () => {
    rendered++;
    return Buffer.from(String(value));
  });
  const seen: string[] = [];
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      value++;
      const mine = value;
      await file.write();
      // What the file holds when a caller's write settles includes that caller's change.
      seen.push(Number(readFileSync(path, 'utf8')) >= mine ? 'ok' : `stale for ${mine}`);
    }),
  );
  assert.is(rendered, 2, 'the first write, then one for everything asked for while it ran');
  assert.is(readFileSync(path, 'utf8'), '100');
  assert.ok(seen.every((x) => x === 'ok'), seen.find((x) => x !== 'ok'));
  // A failed write rejects its callers; the next write starts afresh.
  injectFaults([{ op: 'fsync', code: 'EIO', times: 1 }]);
  value = 101;
  const failed = await file.write().then(
    () => '',
    (e: NodeJS.ErrnoException) => e.code,
  );
  clearFaults();
  assert.is(failed, 'EIO');
  assert.is(readFileSync(path, 'utf8'), '100');
  await file.write();
  assert.is(readFileSync(path, 'utf8'), '101');
  t.remove();
});

test('storage errors are told apart from programmer errors', () => {
  const io = (code: string) => Object.assign(new Error(code), { code, syscall: 'write' });
  assert.equal(storageErrorOf(io('ENOSPC')), { kind: 'directory', code: 'ENOSPC' });
  assert.equal(storageErrorOf(io('EROFS')), { kind: 'directory', code: 'EROFS' });
  assert.equal(storageErrorOf(io('EIO')), { kind: 'directory', code: 'EIO' });
  assert.equal(storageErrorOf(io('EMFILE')), { kind: 'descriptors', code: 'EMFILE' });
  assert.is(storageErrorOf(new TypeError('x is undefined')), undefined);
  assert.is(storageErrorOf(new RangeError('offset out of range')), undefined);
  assert.is(storageErrorOf(Object.assign(new Error('no syscall'), { code: 'ENOSPC' })), undefined, 'an errno without a system call is not an I/O error');
});

function openDescriptorsUnder(dir: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

test('a descriptor pool never holds more than its limit, closing the least recently used', () => {
  const t = tempDir();
  const pool = new DescriptorPool(8);
  const files = Array.from({ length: 40 }, (_, i) => new PooledFd(join(t.dir, `f${i}`), pool));
  for (const f of files) fsio.writeSync(f.get(), Buffer.from('z'), 0, 1, 0);
  assert.is(pool.openCount, 8);
  assert.is(openDescriptorsUnder(t.dir), 8, 'what the process really holds');
  assert.ok(files[39]!.isOpen && !files[0]!.isOpen, 'the oldest were closed');
  assert.is(fsio.readSync(files[0]!.get(), Buffer.alloc(1), 0, 1, 0), 1, 'a closed one reopens on use');
  for (const f of files) f.close();
  assert.is(openDescriptorsUnder(t.dir), 0);
  t.remove();
});

test('a pinned descriptor is neither evicted nor closed under a running sync', async () => {
  const t = tempDir();
  const pool = new DescriptorPool(1);
  const a = new PooledFd(join(t.dir, 'a'), pool);
  const b = new PooledFd(join(t.dir, 'b'), pool);
  a.get();
  const syncing = a.syncAsync(false);
  b.get();
  assert.ok(a.isOpen, 'pinned: not evicted to make room');
  a.close();
  assert.ok(a.isOpen, 'close waits for the sync');
  await syncing;
  assert.not.ok(a.isOpen);
  b.close();
  t.remove();
});

test.run();
