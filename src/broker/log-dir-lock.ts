/**
 * The `.lock` file of a log directory: one broker at a time per directory. Kafka takes the same
 * file in each log dir and holds it with an OS file lock; Node has none (no flock), so here the
 * file's content says which process holds it, and a lock whose process is gone is stale.
 *
 *   <log dir>/.lock        text, one key=value a line; it appears whole (see "Taking it")
 *     version=1
 *     pid=4242
 *     start.time=154592     field 22 of /proc/<pid>/stat: clock ticks from boot to the start of
 *                           the process; empty where there is no /proc
 *     boot.id=24f4…         /proc/sys/kernel/random/boot_id; empty where there is no /proc
 *     host=build-7          os.hostname()
 *     started=2025-…Z       when it was taken, for people
 *
 * Taking it:
 *   1. the record is written to `.lock.<pid>.<random>.tmp` and fsynced (after a power loss an
 *      empty `.lock` would look foreign and stop every later start);
 *   2. link(tmp, .lock): atomic, and fails when `.lock` exists; on success the lock is held and
 *      the temporary name removed;
 *   3. `.lock` exists: it is read. Held by a live process: refused (LogDirLockedError). Stale: it
 *      is moved aside, rename(.lock, .lock.<pid>.<random>.stale), and what was moved is read
 *      again. The record judged stale: deleted, back to 2. Another record (a broker took the lock
 *      between our read and our rename): linked back to `.lock`, back to 2, where it is found live.
 *
 * Stale means that its process is gone, decided without trusting the pid alone, since pids are
 * reused:
 *   - another boot id: the machine has restarted since, whatever the pid is now;
 *   - kill(pid, 0) fails with ESRCH: no such process; EPERM (another user's process): live;
 *   - the pid lives, but its start time in /proc is not the recorded one: a new process reusing
 *     the pid, stale;
 *   - another host (a directory shared over a network file system): liveness cannot be checked
 *     from here, so it counts as live and the message says how to clear it;
 *   - a `.lock` that is no Spindle record (Kafka leaves an empty one) counts as live likewise.
 * Without /proc (macOS) kill(pid, 0) alone decides: a reused pid keeps the lock held until that
 * process ends or the file is removed, and the message names the process.
 *
 * Containers: the host name is the container's, and pids are those of its own pid namespace. A
 * restarted container keeps its host name, so a lock its killed broker left is judged by pid and
 * start time as above, and taken over. A container re-created under a new host name finds a
 * lock "from another host" and refuses until the file is removed (or the host name is fixed).
 * Two live containers given one host name and one volume cannot see each other's processes, so
 * the check looks at the wrong process: each broker needs log dirs of its own, as in Kafka.
 *
 * A directory that takes no writes (full, read-only, failing) cannot hold a new lock file. The
 * broker still starts there, so that it serves what it can read: a live lock of another process
 * is refused as ever, and otherwise the directory is used without a lock, with a warning
 * (`LogDirLock.warning`); a second broker could not write there either.
 *
 * Released by the broker's close(): the file is removed when it still holds this process's
 * record (an I/O error removing it leaves a stale lock for the next start to take over). A broker that is killed (SIGKILL, a crash, power loss) leaves the file behind, and the
 * next broker takes it over as stale.
 *
 * Races: two brokers starting at once on a directory with a stale lock both reach step 3; one
 * moves the stale record aside and takes the lock, the other finds it live. A broker that moves
 * a fresh record aside by mistake puts it back at once; only a third broker taking the lock in
 * that instant could then hold it beside the first — three starts on one directory within
 * microseconds of each other and of a stale lock.
 *
 * Main thread; synchronous: it runs once at start-up and once at shutdown.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { storageErrorOf } from '../core/fs.js';

export const LOCK_FILE = '.lock';
const LOCK_VERSION = 1;
/** Rounds of step 3 before giving up: each needs another broker to take or drop the lock in between. */
const MAX_ATTEMPTS = 8;

export interface LockRecord {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat, or '' without /proc. */
  readonly startTime: string;
  readonly bootId: string;
  readonly host: string;
  readonly started: string;
}

/** The directory is in use, or its lock cannot be judged; `holder` is null for a file Spindle did not write. */
export class LogDirLockedError extends Error {
  override readonly name: string = 'LogDirLockedError';
  constructor(
    message: string,
    readonly dir: string,
    readonly holder: LockRecord | null,
  ) {
    super(message);
  }
}

/** A /proc file's text, or '' where there is no /proc or no such process. */
function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A file's text, or null when there is no such file. */
function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Field 22 of /proc/<pid>/stat (the command name, field 2, may hold spaces and parentheses). */
export function processStartTime(pid: number): string {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // afterName[0] is field 3 (state).
  return afterName[22 - 3] ?? '';
}

function bootId(): string {
  return readOrEmpty('/proc/sys/kernel/random/boot_id').trim();
}

function ownRecord(): LockRecord {
  return { pid: process.pid, startTime: processStartTime(process.pid), bootId: bootId(), host: hostname(), started: new Date().toISOString() };
}

export function formatLockRecord(r: LockRecord): string {
  return `version=${LOCK_VERSION}\npid=${r.pid}\nstart.time=${r.startTime}\nboot.id=${r.bootId}\nhost=${r.host}\nstarted=${r.started}\n`;
}

/** The record in a lock file's text, or null when it is not one (empty, foreign, another version). */
export function parseLockRecord(text: string): LockRecord | null {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const pid = Number(fields.get('pid'));
  if (fields.get('version') !== String(LOCK_VERSION) || !Number.isInteger(pid) || pid <= 0) return null;
  return { pid, startTime: fields.get('start.time') ?? '', bootId: fields.get('boot.id') ?? '', host: fields.get('host') ?? '', started: fields.get('started') ?? '' };
}

type Verdict = { live: true; message: string } | { live: false };

/** The lock files this process's brokers hold now. */
const heldHere = new Set<string>();

/** Whether the process a record names still runs, as the file header explains. */
export function judgeLockRecord(r: LockRecord, dir: string, file: string): Verdict {
  const self = ownRecord();
  const who = `pid ${r.pid} on ${r.host || 'an unknown host'}${r.started ? `, since ${r.started}` : ''}`;
  if (r.host !== self.host) {
    return { live: true, message: `log directory ${dir} is locked by ${who}, which cannot be checked from ${self.host}; if that broker has stopped, remove ${file}` };
  }
  if (r.bootId !== '' && self.bootId !== '' && r.bootId !== self.bootId) return { live: false };
  // This very process: live only while one of its brokers holds it (an embedded broker whose
  // release failed, on a directory that refused the unlink, left it behind).
  if (r.pid === process.pid && r.startTime === self.startTime && !heldHere.has(file)) return { live: false };
  try {
    process.kill(r.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return { live: false };
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
  }
  if (r.startTime !== '') {
    const now = processStartTime(r.pid);
    if (now !== '' && now !== r.startTime) return { live: false };
  }
  return { live: true, message: `log directory ${dir} is in use by another broker (${who}); stop it first, or remove ${file} if that process is no broker` };
}

/** A held `.lock`; release() gives it up. */
export class LogDirLock {
  private released = false;

  private constructor(
    readonly dir: string,
    readonly file: string,
    private readonly text: string,
    /** Set when the directory took no lock file (it refused writes): why, for the log. */
    readonly warning?: string,
  ) {}

  /** Takes the lock of `dir` (which must exist), or throws LogDirLockedError. */
  static acquire(dir: string): LogDirLock {
    const file = join(dir, LOCK_FILE);
    const text = formatLockRecord(ownRecord());
    const unique = `${process.pid}.${randomBytes(6).toString('hex')}`;
    const tmp = join(dir, `${LOCK_FILE}.${unique}.tmp`);
    try {
      const fd = openSync(tmp, 'wx');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if (!storageErrorOf(e)) throw e;
      try {
        unlinkSync(tmp);
      } catch {
        // never created, or the directory refuses that too
      }
      return LogDirLock.unwritten(dir, file, text, e as NodeJS.ErrnoException);
    }
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        try {
          createLink(tmp, file, text);
          heldHere.add(file);
          return new LogDirLock(dir, file, text);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const found = readIfExists(file);
        if (found === null) continue; // released between our link and our read
        const holder = parseLockRecord(found);
        if (!holder) {
          throw new LogDirLockedError(
            `log directory ${dir} has a lock file ${file} that Spindle did not write (Kafka leaves an empty one behind); if no broker uses the directory, remove it`,
            dir,
            null,
          );
        }
        const verdict = judgeLockRecord(holder, dir, file);
        if (verdict.live) throw new LogDirLockedError(verdict.message, dir, holder);
        const aside = join(dir, `${LOCK_FILE}.${unique}.stale`);
        try {
          renameSync(file, aside);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // another broker moved it first
          throw e;
        }
        if (readIfExists(aside) === found) {
          unlinkSync(aside);
          continue;
        }
        // A broker took the lock between our read and our rename: its record goes back.
        try {
          linkSync(aside, file);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? '';
          if (NO_HARD_LINKS.has(code)) {
            renameSync(aside, file);
            continue;
          }
          // EEXIST: a third broker took the lock in this instant (the race the header describes).
          if (code !== 'EEXIST') throw e;
        }
        unlinkSync(aside);
      }
      throw new Error(`could not take ${file}: other brokers kept taking and releasing it`);
    } finally {
      unlinkSync(tmp);
    }
  }

  /**
   * A directory refusing writes: a live lock of another process still refuses the start;
   * otherwise it is used without a lock file, and the warning says so.
   */
  private static unwritten(dir: string, file: string, text: string, cause: NodeJS.ErrnoException): LogDirLock {
    const found = readIfExists(file);
    const holder = found === null ? null : parseLockRecord(found);
    if (found !== null && !holder) {
      throw new LogDirLockedError(`log directory ${dir} has a lock file ${file} that Spindle did not write; if no broker uses the directory, remove it`, dir, null);
    }
    if (holder) {
      const verdict = judgeLockRecord(holder, dir, file);
      if (verdict.live) throw new LogDirLockedError(verdict.message, dir, holder);
    }
    return new LogDirLock(dir, file, text, `log directory ${dir} takes no writes (${cause.code}): it is used without a .lock file, so another broker started on it would not be refused`);
  }

  /** Removes the file if it still holds this lock's record. Idempotent; an I/O error leaves a stale lock behind. */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.file);
    try {
      if (readIfExists(this.file) === this.text) unlinkSync(this.file);
    } catch (e) {
      if (!storageErrorOf(e)) throw e;
    }
  }
}

/** Errors of file systems without hard links (FAT, some network and FUSE file systems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * link(tmp, file), failing with EEXIST when `file` exists. Where hard links are refused, the
 * file is created exclusively and written in place instead: the same exclusion, with an instant
 * in which it exists but is still empty.
 */
function createLink(tmp: string, file: string, text: string): void {
  try {
    linkSync(tmp, file);
    return;
  } catch (e) {
    if (!NO_HARD_LINKS.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  }
  const fd = openSync(file, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Takes the lock of every directory, or of none: on a refusal the ones taken are released. */
export function lockLogDirs(dirs: readonly string[]): LogDirLock[] {
  const held: LogDirLock[] = [];
  try {
    for (const d of dirs) held.push(LogDirLock.acquire(d));
  } catch (e) {
    for (const l of held) l.release();
    throw e;
  }
  return held;
}
