/**
 * TransactionIndex: the aborted transactions whose abort marker is in one segment, in the
 * segment's `<base offset, 20 digits>.txnindex` file, Kafka's format.
 *
 * Each entry is 34 bytes, big-endian, appended when an abort marker is written:
 *
 *   ┌─────────┬────────────┬─────────────┬────────────┬──────────────────┐
 *   │ version │ producerId │ firstOffset │ lastOffset │ lastStableOffset │
 *   │ i16 = 0 │ i64        │ i64         │ i64        │ i64              │
 *   └─────────┴────────────┴─────────────┴────────────┴──────────────────┘
 *
 * firstOffset is the transaction's first offset in this partition, lastOffset the marker's
 * offset, lastStableOffset the partition's LSO once the transaction ended. A read_committed
 * fetch of [fetchOffset, upperBound) needs every aborted transaction that overlaps it
 * (lastOffset ≥ fetchOffset and firstOffset < upperBound); a transaction begun in an earlier
 * segment has its entry where its marker is, so readers search this segment and every later one,
 * and stop at the first entry whose lastStableOffset reaches the upper bound (nothing aborted
 * after it can have begun before the bound): Kafka's TransactionIndex.collectAbortedTxns.
 *
 * The entries are kept in memory too (aborts are rare, and 34 bytes each on disk; an entry in
 * memory is about 80 bytes). The file is written as entries come and synced with the segment's
 * other files at roll and close; after a crash the entries past the producer snapshot are
 * rebuilt from the log's markers (PartitionLog.loadProducerState), so a lost tail does no harm.
 *
 * Owned by the thread that owns the segment.
 */
import { fsio, fsioAsync } from './fs.js';
import { readInt64, writeInt64 } from './producer-state.js';

export const TXN_INDEX_SUFFIX = '.txnindex';
export const ABORTED_TXN_BYTES = 34;
const ABORTED_TXN_VERSION = 0;

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export function encodeAbortedTxn(e: AbortedTxn): Buffer {
  const b = Buffer.alloc(ABORTED_TXN_BYTES);
  b.writeInt16BE(ABORTED_TXN_VERSION, 0);
  writeInt64(b, e.producerId, 2);
  writeInt64(b, e.firstOffset, 10);
  writeInt64(b, e.lastOffset, 18);
  writeInt64(b, e.lastStableOffset, 26);
  return b;
}

/** The entries of a file's bytes; a torn last entry or an entry of an unknown version ends the list. */
export function decodeAbortedTxns(b: Buffer): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  for (let at = 0; at + ABORTED_TXN_BYTES <= b.length; at += ABORTED_TXN_BYTES) {
    if (b.readInt16BE(at) !== ABORTED_TXN_VERSION) break;
    out.push({ producerId: readInt64(b, at + 2), firstOffset: readInt64(b, at + 10), lastOffset: readInt64(b, at + 18), lastStableOffset: readInt64(b, at + 26) });
  }
  return out;
}

export class TransactionIndex {
  path: string;
  private entries: AbortedTxn[];

  constructor(path: string) {
    this.path = path;
    this.entries = fsio.existsSync(path) ? decodeAbortedTxns(fsio.readFileSync(path)) : [];
  }

  get size(): number {
    return this.entries.length;
  }

  all(): readonly AbortedTxn[] {
    return this.entries;
  }

  append(e: AbortedTxn): void {
    const last = this.entries[this.entries.length - 1];
    if (last && e.lastOffset <= last.lastOffset) throw new Error(`aborted transaction at ${e.lastOffset} is not after ${last.lastOffset} in ${this.path}`);
    const fd = fsio.openSync(this.path, 'a');
    try {
      const b = encodeAbortedTxn(e);
      fsio.writeFullySync(fd, b, 0, b.length, this.entries.length * ABORTED_TXN_BYTES);
    } finally {
      fsio.closeSync(fd);
    }
    this.entries.push(e);
  }

  /** Replaces the entries (a compaction swap carries its sources' entries over); writes the file whole. */
  replace(entries: readonly AbortedTxn[]): void {
    this.entries = [...entries];
    if (entries.length === 0) {
      fsio.rmSync(this.path, { force: true });
      return;
    }
    fsio.writeFileSync(this.path, Buffer.concat(entries.map(encodeAbortedTxn)));
  }

  /** Drops the entries whose marker is at or past `offset` (a truncation, or entries to be rebuilt by replay). */
  truncateTo(offset: number): void {
    const keep = this.entries.findIndex((e) => e.lastOffset >= offset);
    if (keep < 0) return;
    this.entries = this.entries.slice(0, keep);
    if (this.entries.length === 0) fsio.rmSync(this.path, { force: true });
    else {
      const fd = fsio.openSync(this.path, 'r+');
      try {
        fsio.ftruncateSync(fd, this.entries.length * ABORTED_TXN_BYTES);
      } finally {
        fsio.closeSync(fd);
      }
    }
  }

  /**
   * Adds to `out` the entries overlapping [fetchOffset, upperBound); answers true once an entry's
   * lastStableOffset reaches the bound, when later segments need not be searched.
   */
  collect(fetchOffset: number, upperBound: number, out: AbortedTxn[]): boolean {
    for (const e of this.entries) {
      if (e.lastOffset >= fetchOffset && e.firstOffset < upperBound) out.push(e);
      if (e.lastStableOffset >= upperBound) return true;
    }
    return false;
  }

  /** fsync on libuv's thread pool (a rolled segment's background sync). */
  async syncAsync(): Promise<void> {
    if (this.entries.length === 0 || !fsio.existsSync(this.path)) return;
    const fd = fsio.openSync(this.path, 'r');
    try {
      await fsioAsync.sync(fd, false);
    } finally {
      fsio.closeSync(fd);
    }
  }

  sync(): void {
    if (this.entries.length === 0 || !fsio.existsSync(this.path)) return;
    const fd = fsio.openSync(this.path, 'r');
    try {
      fsio.fsyncSync(fd);
    } finally {
      fsio.closeSync(fd);
    }
  }
}
