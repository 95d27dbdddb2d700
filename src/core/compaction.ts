/**
 * Log compaction (`cleanup.policy=compact`): keep the newest record of each key.
 *
 * One pass has three steps:
 *   1. plan (owning thread, PartitionLog.compactionPlan): which segments may be cleaned — every
 *      segment but the active one, up to the first whose newest record is younger than
 *      min.compaction.lag.ms — and whether the dirty ratio (bytes written since the last pass
 *      over all cleanable bytes) has reached min.cleanable.dirty.ratio;
 *   2. clean (any thread: runCompaction, run on the piscina pool by the broker): map each key
 *      of the dirty section to its newest offset, then rewrite the cleanable segments into
 *      `<base>.log.cleaned` files keeping a record when no newer record of its key exists;
 *      a tombstone (null value) is also dropped once older than delete.retention.ms;
 *   3. apply (owning thread, PartitionLog.applyCompaction): swap the cleaned files in.
 *
 * Transactions: the plan ends at or below the last stable offset, so every transactional batch
 * in it belongs to a transaction that has ended; the batches of aborted ones (the plan lists
 * them from the transaction indexes) are dropped and never enter the offset map, so an aborted
 * write never shadows a committed one. A marker is kept while any record of its transaction is
 * still in the log; once none is (an aborted transaction's batches are dropped, a committed
 * one's records may all have been superseded) and the marker is older than
 * delete.retention.ms, it is dropped too, as Kafka's cleaner drops it: a consumer that read the
 * transaction's records has had that long to read the marker after them.
 *
 * Records keep their offsets and order; a batch whose records all survive is copied byte for
 * byte, a batch that loses some is decompressed, filtered and recompressed with its own codec
 * (its base offset, producer fields and timestamps kept), and a batch that loses all is dropped.
 * Consecutive source segments are merged into one cleaned segment while their original sizes
 * fit segment.bytes.
 *
 * The offset map holds at most `maxMapEntries` keys (the role of Kafka's
 * log.cleaner.dedupe.buffer.size); past that, the pass stops at a segment boundary and the next
 * pass carries on.
 *
 * Crash safety: cleaned files are fsynced, then renamed `<base>.log.<end>.swap`, naming the
 * offset range they replace; the sources are renamed `.deleted`; the swap files become `.log`.
 * Opening a log completes a swap it finds (removing whatever segments lie in its range, even
 * when the cleaned file came out empty) and throws away `.cleaned` files (PartitionLog.load).
 */
import { fsio } from './fs.js';
import { join } from 'node:path';
import {
  Attr,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD,
  compressionOf,
  decodeBatchDecompressing,
  encodeBatch,
  readBatchHeader,
  type BatchHeader,
} from '../protocol/records/batch.js';
import { segmentFileName } from './segment.js';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

/** Keys in one pass's offset map: at ~100 bytes each, 1 Mi keys is ~100 MiB at worst. */
export const DEFAULT_MAX_MAP_ENTRIES = 1 << 20;

export interface CleanableSegment {
  baseOffset: number;
  nextOffset: number;
  path: string;
  size: number;
}

export interface CompactionPlan {
  dir: string;
  /** Segments to rewrite, oldest first, all wholly below `cleanableEnd`. */
  segments: CleanableSegment[];
  /** First offset not cleaned by an earlier pass. */
  firstDirtyOffset: number;
  /** Offsets at or past this are not touched. */
  cleanableEnd: number;
  /** The aborted transactions that began below cleanableEnd: their batches are dropped. */
  abortedTxns: readonly { producerId: number; firstOffset: number; lastOffset: number }[];
  nowMs: number;
  deleteRetentionMs: number;
  segmentBytes: number;
  maxMapEntries: number;
}

export interface CleanedGroup {
  baseOffset: number;
  /** One past the last offset of the last source segment: the group covers [baseOffset, endOffset). */
  endOffset: number;
  sources: number[];
  cleanedPath: string;
  size: number;
}

export interface CompactionResult {
  groups: CleanedGroup[];
  /** Where the next pass's dirty section starts. */
  cleanedUpTo: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsBefore: number;
  recordsAfter: number;
  tombstonesDropped: number;
  /** Markers dropped: no record of their transaction left, older than delete.retention.ms. */
  markersDropped: number;
}

/** Reads the batches of one segment file in order, whole. */
function* batchesOf(path: string, size: number): Generator<{ bytes: Buffer; header: BatchHeader }> {
  const fd = fsio.openSync(path, 'r');
  try {
    const head = Buffer.alloc(BATCH_HEADER_BYTES);
    for (let position = 0; position + BATCH_HEADER_BYTES <= size; ) {
      fsio.readSync(fd, head, 0, BATCH_HEADER_BYTES, position);
      const batchSize = head.readInt32BE(8) + BATCH_LOG_OVERHEAD;
      if (batchSize < BATCH_HEADER_BYTES || position + batchSize > size) return;
      const bytes = Buffer.allocUnsafe(batchSize);
      fsio.readSync(fd, bytes, 0, batchSize, position);
      yield { bytes, header: readBatchHeader(bytes, 0) };
      position += batchSize;
    }
  } finally {
    fsio.closeSync(fd);
  }
}

const keyOf = (key: Buffer): string => key.toString('latin1');

/** Whether a batch belongs to one of the aborted transactions (same producer, within its range). */
function abortedTest(aborted: CompactionPlan['abortedTxns']): (header: BatchHeader) => boolean {
  if (aborted.length === 0) return () => false;
  const byProducer = new Map<number, { firstOffset: number; lastOffset: number }[]>();
  for (const a of aborted) {
    let list = byProducer.get(a.producerId);
    if (!list) byProducer.set(a.producerId, (list = []));
    list.push(a);
  }
  return (header) => {
    if ((header.attributes & Attr.transactional) === 0 || (header.attributes & Attr.control) !== 0) return false;
    const list = byProducer.get(header.producerId);
    return list !== undefined && list.some((a) => header.baseOffset >= a.firstOffset && header.baseOffset <= a.lastOffset);
  };
}

/** Runs the clean step of a plan: builds the offset map and writes the cleaned files. */
export function runCompaction(plan: CompactionPlan): CompactionResult {
  // 1. The offset map: newest offset of each key in the dirty section, segment by segment.
  const map = new Map<string, number>();
  const isAborted = abortedTest(plan.abortedTxns ?? []);
  let mappedUpTo = plan.firstDirtyOffset;
  for (const s of plan.segments) {
    if (s.nextOffset <= plan.firstDirtyOffset) continue;
    if (map.size >= plan.maxMapEntries) break;
    for (const { bytes, header } of batchesOf(s.path, s.size)) {
      if (header.attributes & Attr.control || isAborted(header)) continue;
      for (const r of decodeBatchDecompressing(bytes, 0, false).records) {
        if (r.key !== null && r.offset >= plan.firstDirtyOffset) map.set(keyOf(r.key), r.offset);
      }
    }
    mappedUpTo = s.nextOffset;
  }
  const cleanable = plan.segments.filter((s) => s.nextOffset <= mappedUpTo);

  // 2. Group consecutive segments while their original sizes fit one segment.
  const groups: CleanableSegment[][] = [];
  for (const s of cleanable) {
    const last = groups[groups.length - 1];
    if (last && last.reduce((n, x) => n + x.size, 0) + s.size <= plan.segmentBytes) last.push(s);
    else groups.push([s]);
  }

  const result: CompactionResult = { groups: [], cleanedUpTo: mappedUpTo, bytesBefore: 0, bytesAfter: 0, recordsBefore: 0, recordsAfter: 0, tombstonesDropped: 0, markersDropped: 0 };
  // Producers with a record of their current transaction kept so far (offset order): their next marker stays.
  const txnHasRecords = new Set<number>();
  const tombstoneHorizon = plan.nowMs - plan.deleteRetentionMs;

  for (const group of groups) {
    const baseOffset = group[0]!.baseOffset;
    const cleanedPath = join(plan.dir, segmentFileName(baseOffset, `.log${CLEANED_SUFFIX}`));
    const fd = fsio.openSync(cleanedPath, 'w');
    let size = 0;
    const write = (b: Buffer) => {
      let done = 0;
      while (done < b.length) done += fsio.writeSync(fd, b, done, b.length - done, size + done);
      size += b.length;
    };
    try {
      for (const s of group) {
        result.bytesBefore += s.size;
        for (const { bytes, header } of batchesOf(s.path, s.size)) {
          if (header.attributes & Attr.control) {
            if (!txnHasRecords.delete(header.producerId) && header.maxTimestamp < tombstoneHorizon) result.markersDropped++;
            else write(bytes);
            continue;
          }
          if (isAborted(header)) {
            result.recordsBefore += header.lastOffsetDelta + 1;
            continue;
          }
          const { records } = decodeBatchDecompressing(bytes, 0, false);
          result.recordsBefore += records.length;
          const kept = records.filter((r) => {
            if (r.key === null) return true;
            const newest = map.get(keyOf(r.key));
            if (newest !== undefined && newest > r.offset) return false;
            if (r.value === null && r.timestamp < tombstoneHorizon) {
              result.tombstonesDropped++;
              return false;
            }
            return true;
          });
          result.recordsAfter += kept.length;
          if (kept.length > 0 && header.attributes & Attr.transactional) txnHasRecords.add(header.producerId);
          if (kept.length === records.length) write(bytes);
          else if (kept.length > 0) {
            write(
              encodeBatch(
                kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offset - header.baseOffset })),
                {
                  baseOffset: header.baseOffset,
                  baseTimestamp: header.baseTimestamp,
                  compression: compressionOf(header.attributes) as 0,
                  partitionLeaderEpoch: header.partitionLeaderEpoch,
                  producerId: header.producerId,
                  producerEpoch: header.producerEpoch,
                  baseSequence: header.baseSequence,
                  transactional: (header.attributes & Attr.transactional) !== 0,
                  timestampType: header.attributes & Attr.logAppendTime ? 1 : 0,
                },
              ),
            );
          }
        }
      }
      fsio.fsyncSync(fd);
    } finally {
      fsio.closeSync(fd);
    }
    result.bytesAfter += size;
    result.groups.push({ baseOffset, endOffset: group[group.length - 1]!.nextOffset, sources: group.map((s) => s.baseOffset), cleanedPath, size });
  }
  return result;
}
