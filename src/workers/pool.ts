/**
 * The piscina pool for stateless CPU work (pool-tasks.ts): compaction passes and
 * recompression. One pool per process, created on first use and sized small, since the
 * partition workers already use the cores: its job is to keep long CPU work off them, not to
 * add parallelism. `closePool()` stops its threads.
 */
import { Piscina } from 'piscina';
import type { CompactionPlan, CompactionResult } from '../core/compaction.js';
import type { PartitionLog } from '../core/partition-log.js';

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

/** A produce request's record set recompressed to a topic's codec, on the pool. */
export async function recompressOnPool(records: Buffer, to: number): Promise<Buffer> {
  const out = (await cpuPool().run({ kind: 'recompress-records', to, records })) as Uint8Array;
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
