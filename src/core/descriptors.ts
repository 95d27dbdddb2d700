/**
 * DescriptorPool: a bound on the file descriptors one thread's partition logs hold.
 *
 * A partition's segment files (`.log`, `.index`, `.timeindex`) are opened on first use and
 * closed again when the pool needs room: at most `limit` are open at once, and the least
 * recently used one that is not pinned is closed to make room for the next. Nothing is lost by
 * closing: the indexes live in memory, every write is positioned, and an fsync through a new
 * descriptor flushes what was written through the old one (fsync acts on the file, not on the
 * descriptor). A file is pinned while an operation on the thread pool (a background fsync)
 * holds its descriptor, so the number is never closed and reused under it.
 *
 * Without the pool a broker held three descriptors per segment of every partition for its
 * whole life: 9,000 partitions ran into a 20,000-descriptor limit (EMFILE) and could not
 * even start again. With it, what is held stays under the limit whatever the partition count.
 * When the process still runs out (other threads, the fetch path, sockets), opening evicts
 * half of the idle descriptors and tries once more before the EMFILE reaches the caller.
 *
 * The default limit (defaultDescriptorLimit) is a share of the process's soft RLIMIT_NOFILE,
 * split between the threads hosting logs, read from /proc/self/limits where there is one.
 *
 * Owned by one thread; not thread-safe.
 */
import { constants, readFileSync } from 'node:fs';
import { fsio, fsioAsync } from './fs.js';

/** A file whose descriptor the pool may close: it reopens on its next use. */
export interface PooledFile {
  readonly path: string;
  /** While true the pool leaves the descriptor open. */
  readonly pinned: boolean;
  /** Closes the descriptor now; the next use reopens it. */
  releaseDescriptor(): void;
}

/** The fewest descriptors a pool is given: a handful of partitions must always fit. */
export const MIN_DESCRIPTORS = 64;
/** Fraction of the process's descriptor limit the partition logs may hold: the rest is for sockets, the fetch path's files and everything else. */
export const LOG_DESCRIPTOR_SHARE = 0.5;
/** The soft limit assumed where /proc/self/limits cannot be read (the usual Linux default). */
export const ASSUMED_NOFILE_LIMIT = 1024;

/** The process's soft limit on open files. */
export function nofileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch {
    // Not Linux: fall through to the common default.
  }
  return ASSUMED_NOFILE_LIMIT;
}

/** Each of `threads` log-hosting threads' share of LOG_DESCRIPTOR_SHARE of the limit. */
export function defaultDescriptorLimit(threads: number): number {
  return Math.max(MIN_DESCRIPTORS, Math.floor((nofileLimit() * LOG_DESCRIPTOR_SHARE) / Math.max(1, threads)));
}

let threadPool: DescriptorPool | undefined;

/** This thread's default pool, for logs opened without one (tests, tools): a single thread's share. */
export function threadDescriptorPool(): DescriptorPool {
  threadPool ??= new DescriptorPool(defaultDescriptorLimit(1));
  return threadPool;
}

export class DescriptorPool {
  readonly limit: number;
  /** Open files, least recently used first (Map keeps insertion order). */
  private readonly open = new Map<PooledFile, true>();
  /** Descriptors closed to make room since start (metrics, tests). */
  evictions = 0;

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError(`a descriptor pool needs room for at least one file, not ${limit}`);
    this.limit = limit;
  }

  get openCount(): number {
    return this.open.size;
  }

  /** Opens `file` (read-write, created if missing) and accounts for it. */
  openFile(file: PooledFile, flags: string | number): number {
    this.makeRoom(this.limit - 1);
    let fd: number;
    try {
      fd = fsio.openSync(file.path, flags, 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'EMFILE' && code !== 'ENFILE') || this.open.size === 0) throw e;
      this.makeRoom(Math.floor(this.open.size / 2));
      fd = fsio.openSync(file.path, flags, 0o644);
    }
    this.open.set(file, true);
    return fd;
  }

  /** Marks `file` as just used, so it is the last to be closed. */
  touch(file: PooledFile): void {
    if (this.open.delete(file)) this.open.set(file, true);
  }

  /** The file closed its descriptor itself. */
  closed(file: PooledFile): void {
    this.open.delete(file);
  }

  /** Closes least recently used, unpinned descriptors until at most `target` are open. */
  private makeRoom(target: number): void {
    if (this.open.size <= target) return;
    for (const file of this.open.keys()) {
      if (this.open.size <= target) break;
      if (file.pinned) continue;
      this.open.delete(file);
      this.evictions++;
      file.releaseDescriptor();
    }
  }
}

/**
 * One file's descriptor, opened through a pool on first use (read-write, created if missing)
 * and reopened after the pool closed it. `close()` while a thread-pool operation holds the
 * descriptor (pinned) closes it when that operation ends, never under it.
 */
export class PooledFd implements PooledFile {
  path: string;
  private readonly pool: DescriptorPool;
  private fd = -1;
  private pins = 0;
  private closing = false;

  constructor(path: string, pool: DescriptorPool) {
    this.path = path;
    this.pool = pool;
  }

  get pinned(): boolean {
    return this.pins > 0;
  }

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** After close(): no more use. */
  get isClosed(): boolean {
    return this.closing;
  }

  /** The descriptor, opening the file if the pool closed it (or it was never opened). */
  get(): number {
    if (this.closing) throw new Error(`${this.path} is closed`);
    if (this.fd < 0) this.fd = this.pool.openFile(this, constants.O_RDWR | constants.O_CREAT);
    else this.pool.touch(this);
    return this.fd;
  }

  releaseDescriptor(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    fsio.closeSync(fd);
  }

  /** fsync (fdatasync with `dataOnly`) on libuv's thread pool, the descriptor pinned meanwhile. */
  async syncAsync(dataOnly: boolean): Promise<void> {
    if (this.closing) return;
    const fd = this.get();
    this.pins++;
    try {
      await fsioAsync.sync(fd, dataOnly);
    } finally {
      this.pins--;
      if (this.pins === 0 && this.closing) this.closeNow();
    }
  }

  /** Closes for good (now, or when the last pinned operation ends). */
  close(): void {
    this.closing = true;
    if (this.pins === 0) this.closeNow();
  }

  private closeNow(): void {
    this.pool.closed(this);
    this.releaseDescriptor();
  }
}
