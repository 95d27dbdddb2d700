/**
 * The files a process holds open after they were deleted: what pins disk space that `df`
 * counts as used and `ls` no longer shows.
 *
 *   /proc/<pid>/fd/N            a symbolic link per open descriptor; readlink gives the path
 *                               it was opened under, with " (deleted)" appended by the kernel
 *                               once that path was unlinked
 *   stat(/proc/<pid>/fd/N)      follows the link to the open file itself, so its size and
 *                               inode are those of the deleted file, still readable
 *
 * A file open through several descriptors is counted once (by device and inode), since it
 * holds its space once. Anonymous memory that the kernel also reports as deleted (memfd
 * regions, `/memfd:name (deleted)`; System V shared memory, `/SYSV…`) is not disk space and is
 * left out. Sockets, pipes and anon inodes (`socket:[…]`, `pipe:[…]`, `anon_inode:…`) never
 * carry the mark.
 *
 * `summarizeDeleted` is pure (tested); `readDeletedOpenFiles` reads /proc and returns zeros
 * with `available: false` where there is none (not Linux, or the process is gone). Any
 * thread; the harness calls it from its main thread about once a second.
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';

/** What the kernel appends to the target of a descriptor whose path was unlinked. */
export const DELETED_MARK = ' (deleted)';
/** Deleted paths kept in a sample, for the report to name a few (a bound on a long list). */
export const DELETED_PATHS_KEPT = 8;

export interface FdEntry {
  fd: number;
  /** readlink of /proc/<pid>/fd/<fd>, as the kernel gives it. */
  target: string;
  /** Of the open file itself (stat through the link); NaN when it could not be read. */
  dev: number;
  ino: number;
  sizeBytes: number;
}

export interface DeletedOpenFiles {
  /** Whether /proc/<pid>/fd could be read at all. */
  available: boolean;
  /** Descriptors the process has open, of any kind. */
  openFds: number;
  /** Descriptors that name a deleted file. */
  deletedFds: number;
  /** Distinct deleted files (by device and inode). */
  deletedFiles: number;
  /** Their total size in bytes: disk space the process alone keeps in use. */
  deletedBytes: number;
  /** The first few deleted paths, without the mark, largest first. */
  paths: string[];
}

/** The path a descriptor target names if it is a deleted file on disk, else null. */
export function deletedPath(target: string): string | null {
  if (!target.endsWith(DELETED_MARK)) return null;
  const path = target.slice(0, -DELETED_MARK.length);
  // Only absolute paths are files; memfd and SysV shared memory are memory, not disk.
  if (!path.startsWith('/') || path.startsWith('/memfd:') || path.startsWith('/SYSV')) return null;
  return path;
}

export function summarizeDeleted(entries: FdEntry[], available = true): DeletedOpenFiles {
  const files = new Map<string, { path: string; sizeBytes: number }>();
  let deletedFds = 0;
  for (const e of entries) {
    const path = deletedPath(e.target);
    if (path === null) continue;
    deletedFds++;
    // A descriptor that closed between readlink and stat has no size: it pins nothing now.
    if (!Number.isFinite(e.sizeBytes)) continue;
    const key = `${e.dev}:${e.ino}`;
    if (!files.has(key)) files.set(key, { path, sizeBytes: e.sizeBytes });
  }
  const list = [...files.values()].sort((a, b) => b.sizeBytes - a.sizeBytes);
  return {
    available,
    openFds: entries.length,
    deletedFds,
    deletedFiles: list.length,
    deletedBytes: list.reduce((n, f) => n + f.sizeBytes, 0),
    paths: list.slice(0, DELETED_PATHS_KEPT).map((f) => f.path),
  };
}

/** Every descriptor of `pid` with its target; files are stat'ed only when deleted (the cheap path for the rest). */
export function readFdEntries(pid: number): FdEntry[] | null {
  const dir = `/proc/${pid}/fd`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const out: FdEntry[] = [];
  for (const name of names) {
    let target: string;
    try {
      target = readlinkSync(`${dir}/${name}`);
    } catch {
      continue; // closed since the listing
    }
    const entry: FdEntry = { fd: Number(name), target, dev: NaN, ino: NaN, sizeBytes: NaN };
    if (deletedPath(target) !== null) {
      try {
        const st = statSync(`${dir}/${name}`);
        entry.dev = st.dev;
        entry.ino = st.ino;
        entry.sizeBytes = st.size;
      } catch {
        // closed between readlink and stat
      }
    }
    out.push(entry);
  }
  return out;
}

export function readDeletedOpenFiles(pid: number): DeletedOpenFiles {
  const entries = readFdEntries(pid);
  return entries ? summarizeDeleted(entries) : summarizeDeleted([], false);
}
