/**
 * OffsetIndex: the sparse `.index` file of a segment, mapping offsets to file positions.
 *
 *   entry (8 bytes, big-endian):  ┌──────────────────────┬───────────────────┐
 *                                 │ relativeOffset int32 │ position int32    │
 *                                 └──────────────────────┴───────────────────┘
 *
 * relativeOffset = the last offset of a batch − the segment's base offset; position = the byte
 * at which that batch starts in the `.log` file. One entry is added after at least
 * `index.interval.bytes` of log have been written since the previous one, so the file stays
 * small (a 1 GiB segment at the 4 KiB default needs at most 256 Ki entries, 2 MiB). Entries
 * increase strictly in both columns. The index holds at most `segment.index.bytes / 8`
 * entries; a full index rolls the segment.
 *
 * The entries live in memory (an Int32Array, kept in step with the file) so that a lookup is a
 * binary search with no I/O; each append is also written to the file at its place, so the page
 * cache holds it should the process die. The file is rebuildable from the log (recovery.ts), so
 * it is never fsynced on the append path. Its descriptor comes from the thread's DescriptorPool
 * (descriptors.ts): opened when needed, closed when the pool needs room.
 *
 * Owned by the thread that owns the partition; not thread-safe.
 */
import { type DescriptorPool, PooledFd, threadDescriptorPool } from './descriptors.js';
import { fsio } from './fs.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface IndexEntry {
  offset: number;
  position: number;
}

export class OffsetIndex {
  readonly baseOffset: number;
  readonly maxEntries: number;
  private readonly file: PooledFd;
  /** [relativeOffset, position] pairs. */
  private entries: Int32Array;
  private count = 0;
  private readonly scratch = Buffer.alloc(OFFSET_INDEX_ENTRY_BYTES);

  constructor(path: string, baseOffset: number, maxIndexBytes: number, pool: DescriptorPool = threadDescriptorPool()) {
    this.file = new PooledFd(path, pool);
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_BYTES));
    this.entries = new Int32Array(2 * 64);
    this.load();
  }

  get path(): string {
    return this.file.path;
  }

  /** After the file was renamed (a deleted segment's `.deleted` suffix). */
  set path(path: string) {
    this.file.path = path;
  }

  /** Reads the file's entries, keeping the longest valid prefix; returns false if any were dropped. */
  private load(): boolean {
    const fd = this.file.get();
    const size = fsio.fstatSync(fd).size;
    const whole = size - (size % OFFSET_INDEX_ENTRY_BYTES);
    const buf = Buffer.alloc(whole);
    if (whole > 0) fsio.readSync(fd, buf, 0, whole, 0);
    let n = 0;
    let previousRelative = -1;
    let previousPosition = -1;
    for (let at = 0; at < whole && n < this.maxEntries; at += OFFSET_INDEX_ENTRY_BYTES) {
      const relative = buf.readInt32BE(at);
      const position = buf.readInt32BE(at + 4);
      if (relative <= previousRelative || position <= previousPosition || relative < 0 || position < 0) break;
      this.push(relative, position);
      previousRelative = relative;
      previousPosition = position;
      n++;
    }
    if (n * OFFSET_INDEX_ENTRY_BYTES !== size) {
      fsio.ftruncateSync(fd, n * OFFSET_INDEX_ENTRY_BYTES);
      return false;
    }
    return true;
  }

  private push(relative: number, position: number): void {
    if (this.count * 2 + 2 > this.entries.length) {
      const bigger = new Int32Array(this.entries.length * 2);
      bigger.set(this.entries);
      this.entries = bigger;
    }
    this.entries[this.count * 2] = relative;
    this.entries[this.count * 2 + 1] = position;
    this.count++;
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get sizeBytes(): number {
    return this.count * OFFSET_INDEX_ENTRY_BYTES;
  }

  lastEntry(): IndexEntry | undefined {
    if (this.count === 0) return undefined;
    return { offset: this.baseOffset + this.entries[this.count * 2 - 2]!, position: this.entries[this.count * 2 - 1]! };
  }

  entry(i: number): IndexEntry {
    return { offset: this.baseOffset + this.entries[i * 2]!, position: this.entries[i * 2 + 1]! };
  }

  /** Adds an entry; offsets and positions must grow. */
  append(offset: number, position: number): void {
    if (this.isFull) throw new Error(`offset index ${this.path} is full`);
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fffffff) throw new RangeError(`offset ${offset} is outside the segment at ${this.baseOffset}`);
    if (this.count > 0 && (relative <= this.entries[this.count * 2 - 2]! || position <= this.entries[this.count * 2 - 1]!)) {
      throw new RangeError(`index entry (${offset}, ${position}) does not follow the last one in ${this.path}`);
    }
    this.scratch.writeInt32BE(relative, 0);
    this.scratch.writeInt32BE(position, 4);
    fsio.writeFullySync(this.file.get(), this.scratch, 0, OFFSET_INDEX_ENTRY_BYTES, this.count * OFFSET_INDEX_ENTRY_BYTES);
    this.push(relative, position);
  }

  /**
   * The greatest entry whose offset is at or below `offset`, or the segment start (position 0)
   * when there is none: where a scan for `offset` may begin.
   */
  lookup(offset: number): IndexEntry {
    const relative = offset - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid * 2]! <= relative) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.entries[found * 2]!, position: this.entries[found * 2 + 1]! };
  }

  /** Drops every entry whose offset is at or past `offset` (log truncation). */
  truncateToOffset(offset: number): void {
    const relative = offset - this.baseOffset;
    let n = this.count;
    while (n > 0 && this.entries[n * 2 - 2]! >= relative) n--;
    this.truncateEntries(n);
  }

  /** Keeps the first n entries. */
  truncateEntries(n: number): void {
    this.count = Math.min(n, this.count);
    fsio.ftruncateSync(this.file.get(), this.count * OFFSET_INDEX_ENTRY_BYTES);
  }

  /** Removes every entry (before a rebuild). */
  reset(): void {
    this.truncateEntries(0);
  }

  flush(): void {
    if (!this.file.isClosed) fsio.fsyncSync(this.file.get());
  }

  /** fsync on libuv's thread pool. */
  flushAsync(): Promise<void> {
    return this.file.syncAsync(false);
  }

  close(): void {
    this.file.close();
  }
}
