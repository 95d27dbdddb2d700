/**
 * TimeIndex: the sparse `.timeindex` file of a segment, mapping timestamps to offsets.
 *
 *   entry (12 bytes, big-endian): ┌─────────────────┬──────────────────────┐
 *                                 │ timestamp int64 │ relativeOffset int32 │
 *                                 └─────────────────┴──────────────────────┘
 *
 * Each entry says: the largest timestamp seen up to and including the batch ending at
 * relativeOffset. Entries are added at the same moments as offset-index entries, and only when
 * the largest timestamp so far has grown, so both columns increase strictly. A lookup for a
 * target timestamp returns the greatest entry below it: the batches after that entry's offset
 * are where the first record at or after the target can be.
 *
 * Kept in memory like OffsetIndex and rebuildable from the log. Owned by the partition's
 * thread; not thread-safe.
 */
import { type DescriptorPool, PooledFd, threadDescriptorPool } from './descriptors.js';
import { fsio } from './fs.js';

export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimeEntry {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  readonly baseOffset: number;
  readonly maxEntries: number;
  private readonly file: PooledFd;
  private timestamps: Float64Array;
  private relatives: Int32Array;
  private count = 0;
  private readonly scratch = Buffer.alloc(TIME_INDEX_ENTRY_BYTES);

  constructor(path: string, baseOffset: number, maxIndexBytes: number, pool: DescriptorPool = threadDescriptorPool()) {
    this.file = new PooledFd(path, pool);
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / TIME_INDEX_ENTRY_BYTES));
    this.timestamps = new Float64Array(64);
    this.relatives = new Int32Array(64);
    this.load();
  }

  get path(): string {
    return this.file.path;
  }

  /** After the file was renamed (a deleted segment's `.deleted` suffix). */
  set path(path: string) {
    this.file.path = path;
  }

  private load(): void {
    const fd = this.file.get();
    const size = fsio.fstatSync(fd).size;
    const whole = size - (size % TIME_INDEX_ENTRY_BYTES);
    const buf = Buffer.alloc(whole);
    if (whole > 0) fsio.readSync(fd, buf, 0, whole, 0);
    let previousTs = -Infinity;
    let previousRelative = -1;
    for (let at = 0; at < whole && this.count < this.maxEntries; at += TIME_INDEX_ENTRY_BYTES) {
      const ts = Number(buf.readBigInt64BE(at));
      const relative = buf.readInt32BE(at + 8);
      if (ts <= previousTs || relative < previousRelative || relative < 0) break;
      this.push(ts, relative);
      previousTs = ts;
      previousRelative = relative;
    }
    if (this.count * TIME_INDEX_ENTRY_BYTES !== size) fsio.ftruncateSync(fd, this.count * TIME_INDEX_ENTRY_BYTES);
  }

  private push(ts: number, relative: number): void {
    if (this.count >= this.timestamps.length) {
      const t = new Float64Array(this.timestamps.length * 2);
      t.set(this.timestamps);
      this.timestamps = t;
      const r = new Int32Array(this.relatives.length * 2);
      r.set(this.relatives);
      this.relatives = r;
    }
    this.timestamps[this.count] = ts;
    this.relatives[this.count] = relative;
    this.count++;
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  lastEntry(): TimeEntry | undefined {
    if (this.count === 0) return undefined;
    return { timestamp: this.timestamps[this.count - 1]!, offset: this.baseOffset + this.relatives[this.count - 1]! };
  }

  /** Adds an entry when `timestamp` is past the last one; otherwise does nothing. */
  maybeAppend(timestamp: number, offset: number): void {
    if (this.count > 0 && timestamp <= this.timestamps[this.count - 1]!) return;
    if (this.isFull) return;
    const relative = offset - this.baseOffset;
    if (this.count > 0 && relative < this.relatives[this.count - 1]!) return;
    this.scratch.writeBigInt64BE(BigInt(timestamp), 0);
    this.scratch.writeInt32BE(relative, 8);
    fsio.writeFullySync(this.file.get(), this.scratch, 0, TIME_INDEX_ENTRY_BYTES, this.count * TIME_INDEX_ENTRY_BYTES);
    this.push(timestamp, relative);
  }

  /**
   * The greatest entry whose timestamp is below `timestamp`, or the segment start when none:
   * every record at or after `timestamp` lies after this entry's offset... or within its batch.
   */
  lookup(timestamp: number): TimeEntry {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid]! < timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: this.timestamps[found]!, offset: this.baseOffset + this.relatives[found]! };
  }

  truncateToOffset(offset: number): void {
    const relative = offset - this.baseOffset;
    while (this.count > 0 && this.relatives[this.count - 1]! >= relative) this.count--;
    fsio.ftruncateSync(this.file.get(), this.count * TIME_INDEX_ENTRY_BYTES);
  }

  reset(): void {
    this.count = 0;
    fsio.ftruncateSync(this.file.get(), 0);
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
