/**
 * Our stand-in for sendfile: record bytes go from segment files to a socket in bounded chunks,
 * never decoded, through a small pool of reused buffers.
 *
 * A fetch response is encoded with its records fields left as ExternalBytes holding file
 * slices (path, position, length); the connection writes the encoded parts and calls
 * `streamSlice` for each slice in between. One slice is read CHUNK_BYTES at a time into a
 * pooled buffer and written to the socket; the next read waits for the socket to take the
 * chunk (its write callback) and for 'drain' when the socket is past its high-water mark.
 * So a fetch holds at most two chunks whatever its max_bytes: 512 KiB.
 *
 * Segment files are opened once and kept in a descriptor cache (LRU, MAX_OPEN_FILES), keyed by
 * path and inode: compaction swaps a cleaned file in under the name of the segment it replaces,
 * and the inode in the slice says which of the two the read meant. A segment deleted by
 * retention or compaction is first renamed `.deleted` and removed only after
 * file.delete.delay.ms; an open descriptor keeps reading it, and a path that has just been
 * renamed is found under its new name. When the storage engine removes the files it says so
 * (`forget`, `forgetUnder` for a deleted topic's directory): idle descriptors of them close at
 * once and busy ones when their read ends, so a removed file's space is never pinned here.
 *
 * Main thread.
 */
import { close, fstat, open, read } from 'node:fs';
import type { Socket } from 'node:net';

/** 256 KiB: large enough that one read's fixed cost (a thread-pool hop, ~20–50 µs) is small next to its copy. */
export const CHUNK_BYTES = 256 * 1024;
/** Buffers kept for reuse; more are allocated under load and dropped when returned to a full pool. */
export const POOLED_CHUNKS = 32;
/** Open segment descriptors kept; beyond this the least recently used idle one is closed. */
export const MAX_OPEN_FILES = 512;

export type { FileSlice } from '../core/partition-log.js';
import type { FileSlice } from '../core/partition-log.js';

const pool: Buffer[] = [];
const takeChunk = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
const giveChunk = (b: Buffer): void => {
  if (pool.length < POOLED_CHUNKS) pool.push(b);
};

interface OpenFile {
  fd: number;
  /** The path the reads named (not the `.deleted` name it may be opened under). */
  path: string;
  users: number;
  lastUsed: number;
  /** Removed from disk: close as soon as the last read ends. */
  doomed: boolean;
}

const DELETED = '.deleted';

function openAt(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
}

function inodeOf(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fstat(fd, (err, st) => (err ? reject(err) : resolve(st.ino))));
}

/**
 * Opens the file a slice means: `path` if it is still that inode, else the same file renamed
 * `.deleted` by retention or compaction after the read was planned.
 */
async function openFile(path: string, inode: number): Promise<number> {
  for (const candidate of [path, `${path}${DELETED}`]) {
    let fd: number;
    try {
      fd = await openAt(candidate);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    if (inode < 0 || (await inodeOf(fd)) === inode) return fd;
    close(fd, () => {});
  }
  throw Object.assign(new Error(`${path} (inode ${inode}) is gone`), { code: 'ENOENT' });
}

const keyOf = (path: string, inode: number): string => `${path}\0${inode}`;

function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

export class SegmentFiles {
  private readonly files = new Map<string, OpenFile>();
  private readonly opening = new Map<string, Promise<number>>();

  private async acquire(key: string, path: string, inode: number): Promise<OpenFile> {
    const known = this.files.get(key);
    if (known && !known.doomed) {
      known.users++;
      known.lastUsed = Date.now();
      return known;
    }
    let pending = this.opening.get(key);
    if (!pending) {
      pending = openFile(path, inode);
      this.opening.set(key, pending);
    }
    try {
      const fd = await pending;
      const entry = this.files.get(key);
      if (entry && !entry.doomed) {
        entry.users++;
        if (entry.fd !== fd) close(fd, () => {});
        return entry;
      }
      const f: OpenFile = { fd, path, users: 1, lastUsed: Date.now(), doomed: false };
      // A doomed entry still being read keeps its own descriptor; this one replaces it in the map.
      this.files.set(key, f);
      this.evict();
      return f;
    } finally {
      this.opening.delete(key);
    }
  }

  private release(key: string, f: OpenFile): void {
    f.users--;
    if (f.doomed && f.users === 0) {
      if (this.files.get(key) === f) this.files.delete(key);
      close(f.fd, () => {});
    }
  }

  private evict(): void {
    if (this.files.size <= MAX_OPEN_FILES) return;
    const idle = [...this.files.entries()].filter(([, f]) => f.users === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [path, f] of idle.slice(0, this.files.size - MAX_OPEN_FILES)) {
      this.files.delete(path);
      close(f.fd, () => {});
    }
  }

  /**
   * The storage engine removed `path` (a segment's file, under its `.deleted` name or not):
   * its descriptors close now, or when the reads using them end.
   */
  forget(path: string): void {
    const named = path.endsWith(DELETED) ? path.slice(0, -DELETED.length) : path;
    for (const [key, f] of this.files) if (f.path === named || f.path === path) this.doom(key, f);
  }

  /** Everything under `dir` was removed (a deleted topic's partition directory). */
  forgetUnder(dir: string): void {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    for (const [key, f] of this.files) if (f.path.startsWith(prefix)) this.doom(key, f);
  }

  private doom(key: string, f: OpenFile): void {
    if (f.users === 0) {
      this.files.delete(key);
      close(f.fd, () => {});
    } else f.doomed = true;
  }

  closeAll(): void {
    for (const f of this.files.values()) close(f.fd, () => {});
    this.files.clear();
  }

  get openCount(): number {
    return this.files.size;
  }

  /**
   * Writes the slice's bytes to the socket, chunk by chunk, honouring backpressure. Rejects
   * when the file ends early (it cannot: segments only grow while open, and deleted ones are
   * kept for a delay) or the socket closes; the caller then destroys the connection, since the
   * frame's size was already promised.
   */
  async streamSlice(socket: Socket, slice: FileSlice): Promise<void> {
    if (slice.length === 0) return;
    const key = keyOf(slice.path, slice.inode);
    const file = await this.acquire(key, slice.path, slice.inode);
    const fd = file.fd;
    try {
      let done = 0;
      while (done < slice.length) {
        if (socket.destroyed) throw new Error('connection closed while streaming');
        const chunk = takeChunk();
        const want = Math.min(CHUNK_BYTES, slice.length - done);
        let n: number;
        try {
          n = await readAt(fd, chunk, want, slice.position + done);
        } catch (e) {
          giveChunk(chunk);
          throw e;
        }
        if (n <= 0) {
          giveChunk(chunk);
          throw new Error(`${slice.path} ended at ${slice.position + done}, ${slice.length - done} bytes short`);
        }
        done += n;
        const flushed = socket.write(chunk.subarray(0, n), () => giveChunk(chunk));
        if (!flushed && done < slice.length) await waitForDrain(socket);
      }
    } finally {
      this.release(key, file);
    }
  }
}

function waitForDrain(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      socket.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      socket.off('drain', onDrain);
      reject(new Error('connection closed while streaming'));
    };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}
