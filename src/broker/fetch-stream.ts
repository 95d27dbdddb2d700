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
 * Segment files are opened once and kept in an fd cache (LRU, MAX_OPEN_FILES). A segment
 * deleted by retention or compaction is first renamed `.deleted` and removed only after
 * file.delete.delay.ms; an open descriptor keeps reading it, and a path that has just been
 * renamed is found under its new name. A deleted topic's descriptors are dropped
 * (forgetDirectory), since a topic created again under its name reuses its paths.
 *
 * Main thread.
 */
import { close, open, read } from 'node:fs';
import type { Socket } from 'node:net';
import { sep } from 'node:path';

/** 256 KiB: large enough that one read's fixed cost (a thread-pool hop, ~20–50 µs) is small next to its copy. */
export const CHUNK_BYTES = 256 * 1024;
/** Buffers kept for reuse; more are allocated under load and dropped when returned to a full pool. */
export const POOLED_CHUNKS = 32;
/** Open segment descriptors kept; beyond this the least recently used idle one is closed. */
export const MAX_OPEN_FILES = 512;

export interface FileSlice {
  path: string;
  position: number;
  length: number;
}

const pool: Buffer[] = [];
const takeChunk = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
const giveChunk = (b: Buffer): void => {
  if (pool.length < POOLED_CHUNKS) pool.push(b);
};

interface OpenFile {
  fd: number;
  users: number;
  lastUsed: number;
  /** Dropped from the cache while still being read (forgetDirectory): closed by its last user. */
  forgotten: boolean;
}

function openFile(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (err, fd) => {
      if (!err) return resolve(fd);
      if (err.code !== 'ENOENT') return reject(err);
      // Renamed by retention or compaction after the read was planned: still there, marked.
      open(`${path}.deleted`, 'r', (err2, fd2) => (err2 ? reject(err) : resolve(fd2)));
    });
  });
}

function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

export class SegmentFiles {
  private readonly files = new Map<string, OpenFile>();
  private readonly opening = new Map<string, Promise<number>>();

  private async acquire(path: string): Promise<OpenFile> {
    const known = this.files.get(path);
    if (known) {
      known.users++;
      known.lastUsed = Date.now();
      return known;
    }
    let pending = this.opening.get(path);
    if (!pending) {
      pending = openFile(path);
      this.opening.set(path, pending);
    }
    try {
      const fd = await pending;
      const entry = this.files.get(path);
      if (entry) {
        entry.users++;
        if (entry.fd !== fd) close(fd, () => {});
        return entry;
      }
      const opened: OpenFile = { fd, users: 1, lastUsed: Date.now(), forgotten: false };
      this.files.set(path, opened);
      this.evict();
      return opened;
    } finally {
      this.opening.delete(path);
    }
  }

  private release(f: OpenFile): void {
    f.users--;
    if (f.forgotten && f.users === 0) close(f.fd, () => {});
  }

  private evict(): void {
    if (this.files.size <= MAX_OPEN_FILES) return;
    const idle = [...this.files.entries()].filter(([, f]) => f.users === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [path, f] of idle.slice(0, this.files.size - MAX_OPEN_FILES)) {
      this.files.delete(path);
      close(f.fd, () => {});
    }
  }

  /** Closes descriptors of files no longer read whose names are gone (deleted segments). */
  forget(path: string): void {
    const f = this.files.get(path);
    if (f && f.users === 0) {
      this.files.delete(path);
      close(f.fd, () => {});
    }
  }

  /**
   * Drops every descriptor of files under `dir`, a deleted partition's directory: a topic
   * created again under the same name has new files at the same paths, which must not be read
   * through the old descriptors. Descriptors being read are closed by their last reader.
   */
  forgetDirectory(dir: string): void {
    const prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`;
    for (const [path, f] of this.files) {
      if (!path.startsWith(prefix)) continue;
      this.files.delete(path);
      f.forgotten = true;
      if (f.users === 0) close(f.fd, () => {});
    }
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
    const file = await this.acquire(slice.path);
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
      this.release(file);
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
