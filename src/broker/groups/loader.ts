/**
 * Loading __consumer_offsets at start: every record of every partition, oldest first, handed
 * to a callback (the coordinator's replay).
 *
 *   for each partition, from its log start to its log end:
 *     host.read(offset, loadBufferBytes) ──► file slice (segment path, position, length)
 *     read the slice from the file ──► complete batches ──► records (decompressed)
 *     next offset = last batch's base offset + lastOffsetDelta + 1
 *
 * Reads go through the PartitionHost like a fetch (so the worker that owns the log answers),
 * and the bytes are read from the segment file with node:fs, as fetch-stream.ts does. A slice
 * always starts at a batch and holds the first batch whole, so every read makes progress; a
 * trailing partial batch is read again next time. Records of transactional batches are handed
 * over with their producer id, and transaction markers (control batches) as `marker` calls, so
 * that the coordinator can hold a transaction's records until its marker says commit or abort.
 * A segment removed by the cleaner between the read and the
 * file access is found under its `.deleted` name, as for fetches.
 *
 * Nothing in the log can stop the broker from starting: a batch whose records do not decode is
 * skipped and counted (LoadStats.skippedBatches), and a partition that cannot be read (its log
 * directory offline) is logged and left out, its groups' offsets then unknown, rather than
 * failing the start-up.
 *
 * Main thread, at start-up, before the listeners accept connections.
 */
import { open } from 'node:fs/promises';
import { ErrorCode } from '../../protocol/errors.js';
import { FetchIsolation } from '../../core/partition-log.js';
import { Attr, ControlType, batchPositions, decodeBatchDecompressing, readBatchHeader, readControlMarker } from '../../protocol/records/batch.js';
import type { Broker, PartitionState } from '../broker.js';

export interface LoadStats {
  partitions: number;
  batches: number;
  records: number;
  bytes: number;
  /** Batches whose records could not be decoded, skipped. */
  skippedBatches: number;
  /** Partitions that could not be read, with why. */
  failedPartitions: { partition: number; reason: string }[];
}

async function readSlice(path: string, position: number, length: number): Promise<Buffer> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    file = await open(`${path}.deleted`, 'r');
  }
  try {
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await file.read(out, got, length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return out.subarray(0, got);
  } finally {
    await file.close();
  }
}

/** What a loader hands over: each record (with its producer id when transactional, else -1) and each transaction marker. */
export interface LoadVisitor {
  record(key: Buffer | null, value: Buffer | null, transactionalProducerId: number): void;
  marker?(producerId: number, commit: boolean): void;
}

/** Reads one partition from its log start to its end; returns what it read. */
export async function loadPartition(broker: Broker, p: PartitionState, loadBufferBytes: number, visit: LoadVisitor, stats: LoadStats): Promise<void> {
  let offset = p.logStartOffset;
  const end = p.logEndOffset;
  // At least one read, also of an empty partition: a log that could not be opened says so.
  for (let first = true; first || offset < end; first = false) {
    // To the log end, as Kafka's coordinators load (a new leader's high watermark may still trail it).
    const reply = await broker.host.read(p.handle, offset, loadBufferBytes, FetchIsolation.LogEnd);
    broker.noteOffsets(p, reply.logStartOffset, reply.logEndOffset);
    if (reply.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && offset < reply.logStartOffset) {
      offset = reply.logStartOffset;
      continue;
    }
    if (reply.errorCode !== 0) throw new Error(`${p.topic}-${p.partition}: read at ${offset} failed with error ${reply.errorCode}`);
    if (!reply.slice) break;
    const bytes = await readSlice(reply.slice.path, reply.slice.position, reply.slice.length);
    stats.bytes += bytes.length;
    let next = offset;
    for (const { at } of batchPositions(bytes)) {
      const header = readBatchHeader(bytes, at);
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      if (lastOffset < offset) continue;
      next = lastOffset + 1;
      stats.batches++;
      if ((header.attributes & Attr.control) !== 0) {
        const m = readControlMarker(bytes, at, at + header.batchLength + 12);
        if (m && (m.type === ControlType.Commit || m.type === ControlType.Abort)) visit.marker?.(header.producerId, m.type === ControlType.Commit);
        continue;
      }
      const txnProducer = (header.attributes & Attr.transactional) !== 0 ? header.producerId : -1;
      let batch;
      try {
        batch = decodeBatchDecompressing(bytes, at);
      } catch {
        stats.skippedBatches++;
        continue;
      }
      for (const r of batch.records) {
        if (r.offset < offset) continue;
        stats.records++;
        visit.record(r.key, r.value, txnProducer);
      }
    }
    if (next === offset) throw new Error(`${p.topic}-${p.partition}: no complete batch at offset ${offset}`);
    offset = next;
  }
  stats.partitions++;
}

/**
 * Partitions read at once. Each read holds up to offsets.load.buffer.size (5 MiB by default),
 * so 4 bound the loader's memory near 20 MiB while still overlapping the reads of the workers.
 */
export const LOAD_CONCURRENCY = 4;

/**
 * Reads every partition of the topic. Records of different partitions interleave, which is
 * harmless: every record of a group is in one partition, and each partition is read in order.
 */
export async function loadTopic(broker: Broker, topic: string, loadBufferBytes: number, visit: LoadVisitor): Promise<LoadStats> {
  const stats: LoadStats = { partitions: 0, batches: 0, records: 0, bytes: 0, skippedBatches: 0, failedPartitions: [] };
  const state = broker.topics.get(topic);
  if (!state) return stats;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < state.partitions.length) {
      const p = state.partitions[next++]!;
      try {
        await loadPartition(broker, p, loadBufferBytes, visit, stats);
      } catch (e) {
        stats.failedPartitions.push({ partition: p.partition, reason: (e as Error).message ?? String(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker));
  return stats;
}
