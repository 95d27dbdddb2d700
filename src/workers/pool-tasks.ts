/**
 * The tasks the piscina pool runs: stateless CPU work that must stay off the threads that serve
 * requests. Each task takes plain data and returns plain data; files are the only side effects
 * (compaction writes its `.cleaned` files, which the log's owner swaps in afterwards).
 *
 * Runs on piscina's worker threads only.
 */
import { type CompactionPlan, type CompactionResult, runCompaction } from '../core/compaction.js';
import { codecFor } from '../protocol/records/compression/index.js';
import { convertLegacyMessageSet } from '../protocol/records/legacy.js';
import { RecompressError, type RecompressOptions, type RecompressRefusal, recompressRecordSet } from '../protocol/records/recompress.js';

export type PoolTask =
  | { kind: 'compact'; plan: CompactionPlan }
  | { kind: 'recompress'; from: number; to: number; data: Uint8Array }
  | { kind: 'recompress-records'; to: number; records: Uint8Array; options: RecompressOptions }
  | { kind: 'convert-legacy'; codec: number | null; records: Uint8Array };

/** A record set the recompression refused: returned, not thrown, so its fields cross the thread. */
export interface RecompressRefused {
  refused: RecompressRefusal;
}

export default function run(task: PoolTask): CompactionResult | Uint8Array | RecompressRefused {
  switch (task.kind) {
    case 'compact':
      return runCompaction(task.plan);
    case 'recompress': {
      const from = codecFor(task.from);
      const to = codecFor(task.to);
      if (!from || !to) throw new Error(`unknown compression ${task.from} or ${task.to}`);
      return to.compress(from.decompress(task.data));
    }
    case 'recompress-records':
      return refusedAsData(() => recompressRecordSet(task.records, task.to, task.options));
    case 'convert-legacy':
      return refusedAsData(() => convertLegacyMessageSet(task.records, task.codec));
  }
}

/** A thrown error reaches the caller with its message only; a refusal's answer travels as data. */
function refusedAsData(rewrite: () => Uint8Array): Uint8Array | RecompressRefused {
  try {
    return rewrite();
  } catch (e) {
    if (e instanceof RecompressError) return { refused: e.refusal };
    throw e;
  }
}
