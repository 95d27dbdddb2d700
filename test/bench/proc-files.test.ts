/**
 * Deleted-but-open files from /proc/<pid>/fd: which descriptor targets count as deleted files
 * on disk, that a file open twice counts once, and a real unlinked file of this process.
 */
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deletedPath, type FdEntry, readDeletedOpenFiles, summarizeDeleted } from '../../bench/perf/proc-files.js';

const entry = (fd: number, target: string, ino = NaN, sizeBytes = NaN, dev = 1): FdEntry => ({ fd, target, dev, ino, sizeBytes });

test('a target with the kernel\'s " (deleted)" mark names a deleted file; sockets, pipes and live files do not', () => {
  assert.is(deletedPath('/data/topic-0/00000000000000000000.log.deleted (deleted)'), '/data/topic-0/00000000000000000000.log.deleted');
  assert.is(deletedPath('/data/topic-0/00000000000000000000.log'), null);
  assert.is(deletedPath('socket:[123456]'), null);
  assert.is(deletedPath('pipe:[42]'), null);
  assert.is(deletedPath('anon_inode:[eventpoll]'), null);
});

test('memfd regions and System V shared memory are memory, not disk, and are left out', () => {
  assert.is(deletedPath('/memfd:jit-cache (deleted)'), null);
  assert.is(deletedPath('/SYSV00000000 (deleted)'), null);
});

test('a deleted file open through two descriptors counts once, with its size once', () => {
  const s = summarizeDeleted([
    entry(3, 'socket:[1]'),
    entry(10, '/d/a.log (deleted)', 7, 1000),
    entry(11, '/d/a.log (deleted)', 7, 1000),
    entry(12, '/d/b.log (deleted)', 8, 5000),
    entry(13, '/d/live.log'),
  ]);
  assert.equal(
    { openFds: s.openFds, deletedFds: s.deletedFds, deletedFiles: s.deletedFiles, deletedBytes: s.deletedBytes },
    { openFds: 5, deletedFds: 3, deletedFiles: 2, deletedBytes: 6000 },
  );
  assert.equal(s.paths, ['/d/b.log', '/d/a.log'], 'largest first');
});

test('two files with the same inode number on different devices are two files', () => {
  const s = summarizeDeleted([entry(10, '/a/x (deleted)', 7, 10, 1), entry(11, '/b/x (deleted)', 7, 20, 2)]);
  assert.is(s.deletedFiles, 2);
  assert.is(s.deletedBytes, 30);
});

test('a descriptor that closed before its stat counts as a deleted descriptor but pins no bytes', () => {
  const s = summarizeDeleted([entry(10, '/d/a.log (deleted)')]);
  assert.is(s.deletedFds, 1);
  assert.is(s.deletedFiles, 0);
  assert.is(s.deletedBytes, 0);
});

test('this process holding an unlinked file shows it with its size; closing it makes it go', () => {
  if (process.platform !== 'linux') return;
  const dir = mkdtempSync(join(tmpdir(), 'spindle-proc-files-'));
  const path = join(dir, 'pinned.log');
  const fd = openSync(path, 'w+');
  try {
    writeSync(fd, Buffer.alloc(12345, 1));
    unlinkSync(path);
    const held = readDeletedOpenFiles(process.pid);
    assert.ok(held.available);
    assert.ok(held.paths.includes(path), `${path} in ${held.paths.join(', ')}`);
    assert.ok(held.deletedBytes >= 12345);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.not.ok(readDeletedOpenFiles(process.pid).paths.includes(path));
});

test('a process that is not there reads as unavailable, not as zero files', () => {
  const s = readDeletedOpenFiles(2 ** 22 + 12345);
  assert.is(s.available, false);
});

test.run();
