/**
 * The piscina pool for stateless CPU work (pool-tasks.ts): compaction passes and
 * recompression. One pool per process, created on first use and sized small, since the
 * partition workers already use the cores: its job is to keep long CPU work off them, not to
 * add parallelism. `closePool()` stops its threads.
 */
import { Piscina } from 'piscina';
import type { CompactionPlan, CompactionResult } from '../core/compaction.js';
import type { PartitionLog } from '../core/partition-log.js';
import { RecompressError, type RecompressOptions } from '../protocol/records/recompress.js';
import type { RecompressRefused } from './pool-tasks.js';

/** One thread by default: compaction is background work and must not starve the partition workers. */
export const DEFAULT_POOL_THREADS = 1;

let pool: Piscina | undefined;

export function cpuPool(threads = DEFAULT_POOL_THREADS): Piscina {
  pool ??= new Piscina({
    filename: new URL('./pool-tasks.js', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 30_000,
  });
  return pool;
}

export async function closePool(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (p) await p.destroy();
}

export function compactOnPool(plan: CompactionPlan): Promise<CompactionResult> {
  return cpuPool().run({ kind: 'compact', plan });
}

/**
 * One compaction pass of a log with the clean step on the pool; the log's owner keeps serving
 * while it runs and swaps the result in afterwards. Returns whether a pass was applied.
 */
export async function compactLogOnPool(log: PartitionLog, now = Date.now()): Promise<CompactionResult | undefined> {
  const plan = log.compactionPlan(now);
  if (!plan) return undefined;
  const result = await compactOnPool(plan);
  return (await log.applyCompaction(result)) ? result : undefined;
}

/**
 * A produce request's record set recompressed to a topic's codec, on the pool, its records
 * validated on the way. A batch refused rejects with a RecompressError carrying the log's
 * answer for it (error code, Kafka's error message and record errors, the reason).
 */
export async function recompressOnPool(records: Buffer, to: number, options: RecompressOptions): Promise<Buffer> {
  return rewritten(await cpuPool().run({ kind: 'recompress-records', to, records, options }));
}

/**
 * A Produce v0-2 message set of magic 0 or 1 as one batch of magic 2 (protocol/records/legacy.ts),
 * compressed with `codec`, or with the producer's codec when it is null; on the pool. A set
 * refused rejects with a RecompressError carrying Kafka's answer for it.
 */
export async function convertLegacyOnPool(records: Buffer, codec: number | null): Promise<Buffer> {
  return rewritten(await cpuPool().run({ kind: 'convert-legacy', codec, records }));
}

function rewritten(out: Uint8Array | RecompressRefused): Buffer {
  if (!(out instanceof Uint8Array)) throw new RecompressError(out.refused);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
