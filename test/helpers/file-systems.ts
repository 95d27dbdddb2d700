/**
 * Real file systems that fail, for the tests that must see the kernel's own errors rather than
 * injected ones: a small tmpfs that fills up (ENOSPC), and ext4 on a loop device mounted with
 * errors=remount-ro, which its error trigger (/sys/fs/ext4/<dev>/trigger_fs_error) turns
 * read-only under load, as a failing disk would.
 *
 * Both need root (mount, losetup); `fileSystemsUnavailable()` says why a test must skip. Every
 * mount is undone by `remove()`, which the tests call in `finally`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why mounting file systems is not possible here, or undefined when it is. */
export function fileSystemsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount file systems';
  for (const tool of ['mount', 'umount', 'losetup', 'mkfs.ext4', 'e2fsck']) {
    if (spawnSync('which', [tool]).status !== 0) return `needs ${tool}`;
  }
  const probe = mkdtempSync(join(tmpdir(), 'spindle-mount-probe-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
    run('umount', [probe]);
  } catch (e) {
    return `cannot mount here: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  return undefined;
}

export interface Tmpfs {
  dir: string;
  /** Fills the file system with a ballast file, leaving about `leaveBytes` free (0: completely full). */
  fill(leaveBytes: number): void;
  /** Removes the ballast: the space returns. */
  free(): void;
  remove(): void;
}

export function mountTmpfs(sizeBytes: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-tmpfs-'));
  run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  const ballast = join(dir, 'ballast');
  return {
    dir,
    fill(leaveBytes) {
      const st = statfsSync(dir);
      let toWrite = Math.max(0, st.free - leaveBytes);
      const fd = openSync(ballast, 'a');
      const chunk = Buffer.alloc(64 * 1024, 1);
      let size = chunk.length;
      try {
        while (toWrite > 0 && size > 0) {
          const n = Math.min(size, toWrite);
          try {
            writeSync(fd, chunk, 0, n);
            toWrite -= n;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
            // Smaller and smaller writes take the last pages.
            size >>= 1;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      if (existsSync(ballast)) unlinkSync(ballast);
    },
    remove() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Ext4 {
  dir: string;
  /** The ext4 error trigger: with errors=remount-ro the file system turns read-only at once. */
  fail(): void;
  /** Unmounts, checks and repairs (e2fsck -fy), and mounts again read-write. */
  repair(): void;
  remove(): void;
}

export function mountExt4(sizeBytes: number): Ext4 {
  const base = mkdtempSync(join(tmpdir(), 'spindle-ext4-'));
  const image = join(base, 'disk.img');
  const dir = join(base, 'mnt');
  mkdirSync(dir);
  const fd = openSync(image, 'w');
  closeSync(fd);
  run('truncate', ['-s', String(sizeBytes), image]);
  run('mkfs.ext4', ['-q', '-F', image]);
  const loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  const mount = (): void => run('mount', ['-o', 'errors=remount-ro', loop, dir]);
  mount();
  return {
    dir,
    fail() {
      execFileSync('sh', ['-c', `echo spindle-test > /sys/fs/ext4/${basename(loop)}/trigger_fs_error`]);
    },
    repair() {
      run('umount', [dir]);
      spawnSync('e2fsck', ['-fy', loop], { stdio: 'ignore' });
      mount();
    },
    remove() {
      spawnSync('umount', [dir]);
      spawnSync('umount', ['-l', dir]);
      spawnSync('losetup', ['-d', loop]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function statfsSync(dir: string): { free: number; capacity: number } {
  const out = execFileSync('stat', ['-f', '-c', '%a %S %b', dir], { encoding: 'utf8' }).trim().split(' ').map(Number);
  const [avail, blockSize, blocks] = out as [number, number, number];
  return { free: avail * blockSize, capacity: blocks * blockSize };
}
