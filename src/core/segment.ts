/**
 * LogSegment: one `.log` file of record batches and its two sparse indexes.
 *
 *   <dir>/00000000000000012345.log        batches exactly as received, offsets assigned
 *   <dir>/00000000000000012345.index      offset → position   (offset-index.ts)
 *   <dir>/00000000000000012345.timeindex  timestamp → offset  (time-index.ts)
 *
 * The name is the segment's base offset: the first offset it may hold, zero-padded to 20
 * digits. The `.log` file is a plain concatenation of magic-v2 record batches (layout in
 * src/protocol/records/batch.ts); nothing else is in it. `size` is the number of valid bytes,
 * which is also where the next batch goes.
 *
 * Appends write whole batches with one positioned write; indexes get an entry per
 * `index.interval.bytes` of log. Reads return positions in the file, never bytes: the caller
 * streams them. Recovery rescans the file, checks every batch's CRC, cuts a torn or corrupt
 * tail and rebuilds both indexes.
 *
 * Descriptors come from the thread's DescriptorPool (descriptors.ts): a segment not used for a
 * while holds none, and reopens its files on the next read or write.
 *
 * Owned by the thread that owns the partition; not thread-safe.
 */
import { join } from 'node:path';
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD,
  type BatchHeader,
  CURRENT_MAGIC,
  computeBatchCrc,
  decodeBatchDecompressing,
  readBatchHeader,
} from '../protocol/records/batch.js';
import { type DescriptorPool, PooledFd, threadDescriptorPool } from './descriptors.js';
import { fsio } from './fs.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TXN_INDEX_SUFFIX, TransactionIndex } from './txn-index.js';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';

export function segmentFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

export interface SegmentConfig {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

/** A batch as the append path describes it: where it sits in the caller's buffer and its offsets. */
export interface AppendedBatch {
  at: number;
  size: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface BatchLocation {
  position: number;
  size: number;
  header: BatchHeader;
}

export interface RecoveryReport {
  validBytes: number;
  truncatedBytes: number;
  batches: number;
  /** Why the scan stopped before the end of the file, when it did. */
  problem?: string;
}

/** Chunk size for recovery scans: big enough that reads are cheap, small enough to stay bounded. */
const SCAN_CHUNK_BYTES = 1 << 20;

export class LogSegment {
  readonly dir: string;
  readonly baseOffset: number;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** The aborted transactions whose markers are in this segment (txn-index.ts). */
  readonly txnIndex: TransactionIndex;
  private readonly config: SegmentConfig;
  private readonly file: PooledFd;
  /** The `.log` file's inode: which file a path named when it was read (the fetch path's descriptor cache tells files apart by it). */
  readonly inode: number;
  /** Valid bytes in the `.log` file; where the next batch goes. */
  size = 0;
  /** One past the last offset in this segment (baseOffset when empty). */
  nextOffset: number;
  maxTimestampSoFar = -1;
  offsetOfMaxTimestampSoFar = -1;
  /**
   * When the first batch was appended (the broker's clock): what `segment.ms` counts from.
   * Kafka counts from the first batch's own timestamp instead, which makes a producer that
   * replays old data roll a segment per batch; the append time has no such trap.
   */
  firstAppendMs = -1;
  private bytesSinceLastIndexEntry = 0;
  private readonly header = Buffer.alloc(BATCH_HEADER_BYTES);

  constructor(dir: string, baseOffset: number, config: SegmentConfig, pool: DescriptorPool = threadDescriptorPool()) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.config = config;
    this.nextOffset = baseOffset;
    this.file = new PooledFd(join(dir, segmentFileName(baseOffset, LOG_SUFFIX)), pool);
    this.inode = fsio.fstatSync(this.file.get()).ino;
    this.offsetIndex = new OffsetIndex(join(dir, segmentFileName(baseOffset, INDEX_SUFFIX)), baseOffset, config.segmentIndexBytes, pool);
    this.timeIndex = new TimeIndex(join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)), baseOffset, config.segmentIndexBytes, pool);
    this.txnIndex = new TransactionIndex(join(dir, segmentFileName(baseOffset, TXN_INDEX_SUFFIX)));
  }

  /** The `.log` file (with `.deleted` once marked deleted). */
  get logPath(): string {
    return this.file.path;
  }

  private get fd(): number {
    return this.file.get();
  }

  /**
   * Opens an existing segment after a clean shutdown: the file size is trusted and the
   * indexes are kept; the last batch gives nextOffset and the time index gives the largest
   * timestamp. Anything inconsistent is left to `recover()`, which the caller runs instead when
   * the shutdown was not clean.
   */
  loadClean(): void {
    this.size = fsio.fstatSync(this.fd).size;
    const last = this.lastBatch();
    this.nextOffset = last ? last.header.baseOffset + last.header.lastOffsetDelta + 1 : this.baseOffset;
    const lastTime = this.timeIndex.lastEntry();
    if (lastTime) {
      this.maxTimestampSoFar = lastTime.timestamp;
      this.offsetOfMaxTimestampSoFar = lastTime.offset;
    }
    if (last && last.header.maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = last.header.maxTimestamp;
      this.offsetOfMaxTimestampSoFar = last.header.baseOffset + last.header.lastOffsetDelta;
    }
    this.firstAppendMs = this.size > 0 ? this.fileCreatedMs() : -1;
    const lastIndexed = this.offsetIndex.lastEntry();
    this.bytesSinceLastIndexEntry = this.size - (lastIndexed?.position ?? 0);
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get canIndexMore(): boolean {
    return !this.offsetIndex.isFull && !this.timeIndex.isFull;
  }

  /** The largest timestamp in the segment, for retention by time. */
  get largestTimestamp(): number {
    return this.maxTimestampSoFar;
  }

  /**
   * Appends batches that sit contiguously in buf[start, end), already checked and with their
   * offsets assigned. One write for all of them; index entries as the bytes pass the interval.
   */
  append(buf: Buffer, start: number, end: number, batches: AppendedBatch[], nowMs = Date.now()): void {
    const position = this.size;
    if (position === 0) this.firstAppendMs = nowMs;
    fsio.writeFullySync(this.fd, buf, start, end - start, position);
    for (const b of batches) this.track(position + (b.at - start), b.size, b.lastOffset, b.maxTimestamp);
    this.size = position + (end - start);
  }

  /** Accounts for a batch now in the file at `position`: timestamps, indexes, next offset. */
  private track(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes && this.canIndexMore) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this.nextOffset = lastOffset + 1;
  }

  /** The file's creation time where the file system keeps one, else its last change. */
  private fileCreatedMs(): number {
    const st = fsio.fstatSync(this.fd);
    return st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
  }

  /** The batch header at a position, or undefined past the end or on a malformed length. */
  batchAt(position: number): BatchLocation | undefined {
    if (position + BATCH_HEADER_BYTES > this.size) return undefined;
    const n = fsio.readSync(this.fd, this.header, 0, BATCH_HEADER_BYTES, position);
    if (n < BATCH_HEADER_BYTES) return undefined;
    const header = readBatchHeader(this.header, 0);
    const size = header.batchLength + BATCH_LOG_OVERHEAD;
    if (size < BATCH_HEADER_BYTES || position + size > this.size) return undefined;
    return { position, size, header };
  }

  private lastBatch(): BatchLocation | undefined {
    let at = this.offsetIndex.lastEntry()?.position ?? 0;
    let last: BatchLocation | undefined;
    for (let b = this.batchAt(at); b; b = this.batchAt(at)) {
      last = b;
      at += b.size;
    }
    return last;
  }

  /**
   * The first batch whose last offset is at or past `offset`, found from the index and a short
   * scan of batch headers (at most about index.interval.bytes of them).
   */
  findBatch(offset: number): BatchLocation | undefined {
    let at = this.offsetIndex.lookup(offset).position;
    for (let b = this.batchAt(at); b; b = this.batchAt(at)) {
      if (b.header.baseOffset + b.header.lastOffsetDelta >= offset) return b;
      at += b.size;
    }
    return undefined;
  }

  /**
   * Where to read for a fetch at `offset`: from the batch holding it, at most maxBytes — except
   * that the first batch is returned whole even when larger (Kafka's rule, so a consumer can
   * always make progress). The slice may end inside a batch, as Kafka's does; clients drop a
   * trailing partial batch. `maxPosition` bounds the read (the high watermark's position).
   */
  read(offset: number, maxBytes: number, maxPosition = this.size): { position: number; length: number; firstBatch: BatchLocation } | undefined {
    const first = this.findBatch(offset);
    if (!first || first.position >= maxPosition) return undefined;
    const available = maxPosition - first.position;
    const length = Math.min(available, Math.max(maxBytes, first.size));
    return { position: first.position, length, firstBatch: first };
  }

  /** Reads bytes of the log file (for tests, compaction and timestamp searches; fetches stream instead). */
  readBytes(position: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    const fd = this.fd;
    let got = 0;
    while (got < length) {
      const n = fsio.readSync(fd, out, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return out.subarray(0, got);
  }

  /**
   * The first offset whose record timestamp is at or after `timestamp`, or undefined when every
   * record here is older. Batches are skipped by header; only the batch that straddles the
   * target is decoded (ListOffsets by time is rare and off the hot path).
   */
  findOffsetByTimestamp(timestamp: number, startingOffset: number): { offset: number; timestamp: number } | undefined {
    if (this.maxTimestampSoFar < timestamp) return undefined;
    const entry = this.timeIndex.lookup(timestamp);
    const from = Math.max(entry.offset === this.baseOffset && entry.timestamp < 0 ? this.baseOffset : entry.offset + 1, startingOffset);
    let at = this.offsetIndex.lookup(from).position;
    for (let b = this.batchAt(at); b; b = this.batchAt(at)) {
      at += b.size;
      const last = b.header.baseOffset + b.header.lastOffsetDelta;
      if (last < from || b.header.maxTimestamp < timestamp) continue;
      const { records } = decodeBatchDecompressing(this.readBytes(b.position, b.size), 0, false);
      for (const r of records) if (r.timestamp >= timestamp && r.offset >= startingOffset) return { offset: r.offset, timestamp: r.timestamp };
    }
    return undefined;
  }

  /**
   * ListOffsets MAX_TIMESTAMP (KIP-734): the largest timestamp here and the offset of the first
   * record carrying it. The segment tracks that timestamp per batch (the last offset of the batch
   * that raised it); the record itself is found as Kafka finds it (UnifiedLog, since KAFKA-16310):
   * that batch is decoded and its records searched for the batch's max timestamp.
   */
  offsetOfMaxTimestamp(): { offset: number; timestamp: number } | undefined {
    if (this.maxTimestampSoFar < 0) return undefined;
    const found = { offset: this.offsetOfMaxTimestampSoFar, timestamp: this.maxTimestampSoFar };
    const b = this.findBatch(this.offsetOfMaxTimestampSoFar);
    if (!b || b.header.maxTimestamp !== this.maxTimestampSoFar) return found;
    const { records } = decodeBatchDecompressing(this.readBytes(b.position, b.size), 0, false);
    for (const r of records) if (r.timestamp === this.maxTimestampSoFar) return { offset: r.offset, timestamp: r.timestamp };
    return found;
  }

  /**
   * Scans the whole file: checks each batch's length, magic and CRC, cuts the file at the
   * first that fails (a torn write or corruption), and rebuilds both indexes and the
   * in-memory state from what remains.
   */
  recover(maxBatchBytes: number): RecoveryReport {
    const fd = this.fd;
    const fileSize = fsio.fstatSync(fd).size;
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.size = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = -1;
    this.bytesSinceLastIndexEntry = 0;

    let chunk = Buffer.allocUnsafe(SCAN_CHUNK_BYTES);
    let chunkStart = 0;
    let chunkLength = 0;
    let position = 0;
    let batches = 0;
    let problem: string | undefined;
    const load = (from: number, need: number): boolean => {
      if (from >= chunkStart && from + need <= chunkStart + chunkLength) return true;
      if (need > chunk.length) chunk = Buffer.allocUnsafe(need);
      chunkStart = from;
      chunkLength = fsio.readSync(fd, chunk, 0, Math.min(chunk.length, fileSize - from), from);
      return chunkLength >= need;
    };
    while (position < fileSize) {
      if (fileSize - position < BATCH_HEADER_BYTES || !load(position, BATCH_HEADER_BYTES)) {
        problem = `${fileSize - position} bytes of a torn batch header`;
        break;
      }
      const rel = position - chunkStart;
      const size = chunk.readInt32BE(rel + 8) + BATCH_LOG_OVERHEAD;
      if (size < BATCH_HEADER_BYTES || size > maxBatchBytes + BATCH_LOG_OVERHEAD + BATCH_HEADER_BYTES) {
        problem = `batch at ${position} claims ${size} bytes`;
        break;
      }
      if (position + size > fileSize) {
        problem = `batch at ${position} is torn (${fileSize - position} of ${size} bytes)`;
        break;
      }
      if (!load(position, size)) {
        problem = `batch at ${position} could not be read`;
        break;
      }
      const at = position - chunkStart;
      const magic = chunk.readInt8(at + 16);
      if (magic !== CURRENT_MAGIC) {
        problem = `batch at ${position} has magic ${magic}`;
        break;
      }
      if (computeBatchCrc(chunk, at) !== chunk.readUInt32BE(at + 17)) {
        problem = `batch at ${position} fails its CRC`;
        break;
      }
      const header = readBatchHeader(chunk, at);
      if (header.baseOffset < this.nextOffset) {
        problem = `batch at ${position} has offset ${header.baseOffset}, below ${this.nextOffset}`;
        break;
      }
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      this.track(position, size, lastOffset, header.maxTimestamp);
      position += size;
      batches++;
    }
    this.firstAppendMs = position > 0 ? this.fileCreatedMs() : -1;
    const truncatedBytes = fileSize - position;
    if (truncatedBytes > 0) fsio.ftruncateSync(fd, position);
    this.size = position;
    return { validBytes: position, truncatedBytes, batches, ...(problem ? { problem } : {}) };
  }

  /** Removes every batch at or past `offset`. */
  truncateTo(offset: number): number {
    const b = this.findBatch(offset);
    if (!b) return 0;
    const cutAt = b.header.baseOffset >= offset ? b.position : b.position + b.size;
    const removed = this.size - cutAt;
    fsio.ftruncateSync(this.fd, cutAt);
    this.offsetIndex.truncateToOffset(offset);
    this.timeIndex.truncateToOffset(offset);
    this.txnIndex.truncateTo(offset);
    this.loadClean();
    return removed;
  }

  /** fdatasync of the log; the indexes are rebuildable and synced only at roll and close. */
  flush(): void {
    if (!this.file.isClosed) fsio.fdatasyncSync(this.fd);
  }

  /** flush() on libuv's thread pool: the flush policy's fdatasync, off the partition's thread. */
  flushAsync(): Promise<void> {
    return this.file.syncAsync(true);
  }

  flushAll(): void {
    this.flush();
    this.offsetIndex.flush();
    this.timeIndex.flush();
    this.txnIndex.sync();
  }

  /** flushAll on libuv's thread pool: for a segment just rolled, whose files no longer change. */
  async flushAllAsync(): Promise<void> {
    await Promise.all([this.file.syncAsync(true), this.offsetIndex.flushAsync(), this.timeIndex.flushAsync(), this.txnIndex.syncAsync()]);
  }

  close(): void {
    this.file.close();
    this.offsetIndex.close();
    this.timeIndex.close();
  }

  get isClosed(): boolean {
    return this.file.isClosed;
  }

  /** Renames the segment's files with the `.deleted` suffix; returns the new paths for later removal. */
  markDeleted(): string[] {
    this.close();
    const renamed: string[] = [];
    for (const f of [this.file, this.offsetIndex, this.timeIndex, this.txnIndex]) {
      const p = f.path;
      try {
        fsio.renameSync(p, p + DELETED_SUFFIX);
        renamed.push(p + DELETED_SUFFIX);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      f.path = p + DELETED_SUFFIX;
    }
    return renamed;
  }
}
