/**
 * The storage engine's one door to the file system, and the seam where tests make it fail.
 *
 * Every file operation of `src/core` goes through `fsio` (synchronous, as the partition's
 * thread does them) or `fsioAsync` (on libuv's thread pool: fsyncs and durable file writes that
 * must not stall the thread serving requests). In production each call is the `node:fs` call of
 * the same name plus one length check of the fault list.
 *
 * Faults: `injectFaults(rules)` makes matching calls throw the errno a real failure would
 * (ENOSPC, EIO, EROFS, EDQUOT, EMFILE, …) with Node's error shape (`code`, `errno`, `syscall`,
 * `path`), so the code under test cannot tell them from the real thing. A rule matches an
 * operation kind ('write', 'fsync', 'rename', 'open', …, or 'any') and optionally a path
 * substring; descriptor-based calls are matched by the path the descriptor was opened with. A
 * rule may fire a given number of times, after skipping some matching calls first; the code BUG
 * throws a plain TypeError instead, to exercise the programmer-error paths. Rules are
 * per thread (each partition worker has its own module instance); a worker applies the rules
 * the main thread sends it (partitions/worker-host.ts). `clearFaults()` heals the file system.
 *
 * What is an operating error and what is a bug: `storageErrorOf(e)` answers the errno of an I/O
 * failure the storage engine has a policy for (the log directory goes offline, partitions
 * answer KAFKA_STORAGE_ERROR) and undefined for anything else, which stays a programmer error
 * and is handled loudly. Descriptor exhaustion (EMFILE, ENFILE) is answered but takes nothing
 * offline: it is the process's limit, not the directory's health.
 *
 * Any thread; the fault rules are the calling thread's own.
 */
import { dirname } from 'node:path';
import * as fs from 'node:fs';

export type FsOp = 'open' | 'close' | 'read' | 'write' | 'fsync' | 'truncate' | 'rename' | 'unlink' | 'mkdir' | 'readdir' | 'stat';

/** The errnos a rule may inject, with their numbers on Linux (Node reports negative errno). */
export const FAULT_ERRNOS = Object.freeze({
  EIO: 5,
  ENOENT: 2,
  EACCES: 13,
  EMFILE: 24,
  ENFILE: 23,
  ENOSPC: 28,
  EROFS: 30,
  EDQUOT: 122,
} as const);
/** An errno, or BUG: a TypeError with no errno, as a programmer error would throw (tests of that path). */
export type FaultCode = keyof typeof FAULT_ERRNOS | 'BUG';

export interface FaultRule {
  op: FsOp | 'any';
  code: FaultCode;
  /** Only calls whose path contains this. */
  path?: string;
  /** Fire this many times, then stop matching; forever when absent. */
  times?: number;
  /** Let this many matching calls through before firing. */
  skip?: number;
  /** For writes: write the first half of the bytes for real, then fail (a torn write). */
  torn?: boolean;
}

interface LiveRule extends FaultRule {
  fired: number;
  skipped: number;
}

let rules: LiveRule[] = [];
/** Paths of open descriptors: rules match descriptor calls by them, also for files opened before the rule. */
const fdPaths = new Map<number, string>();

/** Makes matching calls on this thread fail from now on (added to the rules already in force). */
export function injectFaults(add: readonly FaultRule[]): void {
  for (const r of add) rules.push({ ...r, fired: 0, skipped: 0 });
}

/** Removes every fault rule: the file system works again. */
export function clearFaults(): void {
  rules = [];
}

/** The rules in force, with how often each fired (tests). */
export function faultRules(): readonly (FaultRule & { fired: number })[] {
  return rules;
}

/** The rule that fires for this call, counted as fired, or undefined. */
function matching(op: FsOp, path: string | undefined): LiveRule | undefined {
  for (const r of rules) {
    if (r.op !== 'any' && r.op !== op) continue;
    if (r.path !== undefined && (path === undefined || !path.includes(r.path))) continue;
    if (r.times !== undefined && r.fired >= r.times) continue;
    if (r.skip !== undefined && r.skipped < r.skip) {
      r.skipped++;
      continue;
    }
    r.fired++;
    return r;
  }
  return undefined;
}

function faultError(r: LiveRule, op: FsOp, path: string | undefined): Error {
  if (r.code === 'BUG') return new TypeError(`injected programmer error in ${op} '${path ?? '?'}'`);
  const e = new Error(`${r.code}: injected fault, ${op} '${path ?? '?'}'`) as NodeJS.ErrnoException;
  e.code = r.code;
  e.errno = -FAULT_ERRNOS[r.code];
  e.syscall = op;
  if (path !== undefined) e.path = path;
  return e;
}

function fail(op: FsOp, path: string | undefined): void {
  const r = matching(op, path);
  if (r) throw faultError(r, op, path);
}

const check = (op: FsOp, path: string | undefined): void => {
  if (rules.length !== 0) fail(op, path);
};
const checkFd = (op: FsOp, fd: number): void => {
  if (rules.length !== 0) fail(op, fdPaths.get(fd));
};

function opened(fd: number, path: fs.PathLike): number {
  fdPaths.set(fd, String(path));
  return fd;
}

/** Synchronous file operations, each node:fs's function of the same name behind the fault check. */
export const fsio = {
  openSync(path: string, flags: fs.OpenMode, mode?: fs.Mode): number {
    check('open', path);
    return opened(fs.openSync(path, flags, mode), path);
  },
  closeSync(fd: number): void {
    fdPaths.delete(fd);
    fs.closeSync(fd);
  },
  readSync(fd: number, buffer: NodeJS.ArrayBufferView, offset: number, length: number, position: number | null): number {
    checkFd('read', fd);
    return fs.readSync(fd, buffer, offset, length, position);
  },
  writeSync(fd: number, buffer: NodeJS.ArrayBufferView, offset: number, length: number, position?: number | null): number {
    if (rules.length !== 0) {
      const path = fdPaths.get(fd);
      const r = matching('write', path);
      if (r) {
        if (r.torn && length > 1) fs.writeSync(fd, buffer, offset, length >> 1, position);
        throw faultError(r, 'write', path);
      }
    }
    return fs.writeSync(fd, buffer, offset, length, position);
  },
  /** Writes all of buffer[offset, offset + length) at `position`, looping over short writes. */
  writeFullySync(fd: number, buffer: NodeJS.ArrayBufferView, offset: number, length: number, position: number): void {
    let written = 0;
    while (written < length) written += fsio.writeSync(fd, buffer, offset + written, length - written, position + written);
  },
  fdatasyncSync(fd: number): void {
    checkFd('fsync', fd);
    fs.fdatasyncSync(fd);
  },
  fsyncSync(fd: number): void {
    checkFd('fsync', fd);
    fs.fsyncSync(fd);
  },
  ftruncateSync(fd: number, length: number): void {
    checkFd('truncate', fd);
    fs.ftruncateSync(fd, length);
  },
  fstatSync(fd: number): fs.Stats {
    checkFd('stat', fd);
    return fs.fstatSync(fd);
  },
  statSync(path: string): fs.Stats {
    check('stat', path);
    return fs.statSync(path);
  },
  existsSync(path: string): boolean {
    return fs.existsSync(path);
  },
  renameSync(from: string, to: string): void {
    check('rename', from);
    fs.renameSync(from, to);
  },
  unlinkSync(path: string): void {
    check('unlink', path);
    fs.unlinkSync(path);
  },
  rmSync(path: string, options?: fs.RmOptions): void {
    check('unlink', path);
    fs.rmSync(path, options);
  },
  mkdirSync(path: string, options?: fs.MakeDirectoryOptions & { recursive: true }): void {
    check('mkdir', path);
    fs.mkdirSync(path, options);
  },
  readdirSync(path: string): string[] {
    check('readdir', path);
    return fs.readdirSync(path);
  },
  readFileSync(path: string): Buffer {
    check('read', path);
    return fs.readFileSync(path);
  },
  /** A whole small file, created or replaced (not durable: callers that need that use writeFileDurably). */
  writeFileSync(path: string, data: string | Uint8Array): void {
    check('open', path);
    check('write', path);
    fs.writeFileSync(path, data);
  },
};

/** The same on libuv's thread pool, for the work that must not stall the partition's thread. */
export const fsioAsync = {
  /** fsync, or fdatasync with `dataOnly`. */
  sync(fd: number, dataOnly: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        checkFd('fsync', fd);
      } catch (e) {
        return reject(e);
      }
      const done = (err: NodeJS.ErrnoException | null): void => (err ? reject(err) : resolve());
      if (dataOnly) fs.fdatasync(fd, done);
      else fs.fsync(fd, done);
    });
  },
  async open(path: string, flags: fs.OpenMode): Promise<number> {
    check('open', path);
    const fd = await new Promise<number>((resolve, reject) => fs.open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))));
    return opened(fd, path);
  },
  async close(fd: number): Promise<void> {
    fdPaths.delete(fd);
    await new Promise<void>((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
  },
  async write(fd: number, data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length; ) {
      checkFd('write', fd);
      done += await new Promise<number>((resolve, reject) =>
        fs.write(fd, data, done, data.length - done, done, (err, n) => (err ? reject(err) : resolve(n))),
      );
    }
  },
  async rename(from: string, to: string): Promise<void> {
    check('rename', from);
    await new Promise<void>((resolve, reject) => fs.rename(from, to, (err) => (err ? reject(err) : resolve())));
  },
  async unlink(path: string): Promise<void> {
    check('unlink', path);
    await new Promise<void>((resolve, reject) => fs.unlink(path, (err) => (err ? reject(err) : resolve())));
  },
  /** A file or a whole directory tree removed, as `rm -rf` (nothing there is no error). */
  async rmTree(path: string): Promise<void> {
    check('unlink', path);
    await fs.promises.rm(path, { recursive: true, force: true });
  },
};

/** The probe file's name and size: big enough that a nearly full file system refuses it. */
export const PROBE_FILE = '.spindle-write-probe';
export const PROBE_BYTES = 64 * 1024;
const probeData = Buffer.alloc(PROBE_BYTES);

/**
 * Whether a directory takes writes again: a probe file written, fsynced and removed, all on
 * the thread pool. Throws the error the directory answers while it refuses them.
 */
export async function probeDirectory(dir: string): Promise<void> {
  const path = `${dir}/${PROBE_FILE}`;
  const fd = await fsioAsync.open(path, 'w');
  try {
    await fsioAsync.write(fd, probeData);
    await fsioAsync.sync(fd, false);
  } finally {
    await fsioAsync.close(fd);
  }
  await fsioAsync.unlink(path);
}

/**
 * Writes a small file so that a crash leaves the old contents or the new, never a torn file:
 * `<path>.tmp` written and fsynced, renamed over `path`, the directory fsynced. Everything on
 * the thread pool; the caller's thread goes on serving.
 */
export async function writeFileDurably(path: string, data: Uint8Array, dir: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = await fsioAsync.open(tmp, 'w');
  try {
    await fsioAsync.write(fd, data);
    await fsioAsync.sync(fd, false);
  } finally {
    await fsioAsync.close(fd);
  }
  await fsioAsync.rename(tmp, path);
  await syncDirectoryAsync(dir);
}

/**
 * A small file its owner rewrites whole whenever what it holds changes (writeFileDurably), off
 * the owner's thread. Rewrites asked for while one is under way are coalesced: the next starts
 * when the current one ends and writes the contents as they are then, so a burst of changes
 * (a CreateTopics of a thousand topics) costs two writes, not one per change, and at most one
 * write is ever in flight, so `<path>.tmp` has one writer.
 *
 * The owner's thread only; `contents` is called when a write starts.
 */
export class DurableFile {
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly contents: () => Uint8Array,
  ) {}

  /** Settles once the file durably holds the contents as they are now, or newer; rejects with the write's error. */
  write(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.writing) return this.start();
    const ignore = (): void => {};
    const queued = this.writing.then(ignore, ignore).then(() => {
      this.queued = undefined;
      return this.start();
    });
    this.queued = queued;
    return queued;
  }

  private start(): Promise<void> {
    const p = writeFileDurably(this.path, this.contents(), dirname(this.path));
    this.writing = p;
    const done = (): void => {
      if (this.writing === p) this.writing = undefined;
    };
    p.then(done, done);
    return p;
  }
}

/**
 * writeFileDurably on the calling thread, for the broker's small admin files (checkpoints at
 * shutdown, SCRAM credentials, ACLs, client quotas), where the write is rare and its caller waits.
 */
export function writeFileDurablySync(path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = fsio.openSync(tmp, 'w');
  try {
    fsio.writeFullySync(fd, data, 0, data.length, 0);
    fsio.fsyncSync(fd);
  } finally {
    fsio.closeSync(fd);
  }
  fsio.renameSync(tmp, path);
  syncDirectorySync(dirname(path));
}

/**
 * Several small files of one directory replaced together: each `<path>.tmp` written and fsynced,
 * then all renamed, then one fsync of the directory. A crash leaves each file old or new.
 */
export async function writeFilesDurably(dir: string, files: readonly { path: string; data: Uint8Array }[], abandoned: () => boolean = () => false): Promise<void> {
  for (const f of files) {
    const fd = await fsioAsync.open(`${f.path}.tmp`, 'w');
    try {
      await fsioAsync.write(fd, f.data);
      await fsioAsync.sync(fd, false);
    } finally {
      await fsioAsync.close(fd);
    }
  }
  // The owner closed meanwhile (a log being reopened): its values must not replace a newer owner's.
  if (abandoned()) return;
  for (const f of files) await fsioAsync.rename(`${f.path}.tmp`, f.path);
  await syncDirectoryAsync(dir);
}

/** fsync of a directory on the thread pool, so that renames and new files in it survive a crash. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  const fd = await fsioAsync.open(dir, 'r');
  try {
    await fsioAsync.sync(fd, false);
  } finally {
    await fsioAsync.close(fd);
  }
}

/** fsync of a directory on the calling thread (start-up and shutdown only). */
export function syncDirectorySync(dir: string): void {
  const fd = fsio.openSync(dir, 'r');
  try {
    fsio.fsyncSync(fd);
  } finally {
    fsio.closeSync(fd);
  }
}

/** Errnos of a failing or full file system: the log directory goes offline until writes succeed again. */
const DIRECTORY_ERRNOS: ReadonlySet<string> = new Set(['EIO', 'ENOSPC', 'EROFS', 'EDQUOT', 'EFBIG', 'ENXIO', 'ENODEV', 'ESTALE', 'EUCLEAN', 'ENOTCONN', 'EACCES', 'EPERM', 'ENOENT']);
/** Errnos of the process running out of descriptors: answered, nothing taken offline. */
const DESCRIPTOR_ERRNOS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE']);

export type StorageFault = { kind: 'directory'; code: string } | { kind: 'descriptors'; code: string };

/** The storage fault an error is, or undefined when it is not one (a programmer error). */
export function storageErrorOf(e: unknown): StorageFault | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || typeof (e as NodeJS.ErrnoException).syscall !== 'string') return undefined;
  if (DIRECTORY_ERRNOS.has(code)) return { kind: 'directory', code };
  if (DESCRIPTOR_ERRNOS.has(code)) return { kind: 'descriptors', code };
  return undefined;
}
