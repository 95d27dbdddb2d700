/**
 * Record validation microbenchmarks (src/protocol/records/validate.ts): for each codec, the
 * batches the produce rows of `spindle perf` send (1 KiB JSON-like records, bench/perf/wire.ts)
 * at 16 and 64 KiB, timed three ways with `bytes` the batch's size on the wire:
 *
 *   check      checkWireBatch: header and CRC32C, what the produce path did before validation
 *   validate   validateBatchRecords: every record read, inflating in one streaming pass
 *   decompress the codec's whole-buffer decompress of the same records, for comparison
 *
 * A validation's cost in a produce row is its time per batch over the row's broker CPU per
 * batch (CPU s/GiB produce in the perf results, times the batch's record bytes).
 */
import { checkWireBatch, encodeBatch } from '../../src/protocol/records/batch.js';
import { codecFor, CompressionType } from '../../src/protocol/records/compression/index.js';
import { validateBatchRecords } from '../../src/protocol/records/validate.js';
import { recordsPerBatch, recordValues } from '../perf/wire.js';
import type { MicroCase } from './case.js';

const RECORD_BYTES = 1024;
const NO_BOUND = 2 ** 63;

export function cases(): MicroCase[] {
  const now = Date.now();
  const checks = {
    compacted: false,
    timestampType: 'CreateTime' as const,
    nowMs: now,
    timestampBeforeMaxMs: NO_BOUND,
    timestampAfterMaxMs: NO_BOUND,
    topicPartition: 'bench-0',
  };
  const out: MicroCase[] = [];
  for (const batchBytes of [16 * 1024, 64 * 1024]) {
    const count = recordsPerBatch(RECORD_BYTES, batchBytes);
    const values = recordValues(count, RECORD_BYTES);
    for (const type of Object.values(CompressionType)) {
      const codec = codecFor(type)!;
      const batch = encodeBatch(
        values.map((value) => ({ value, timestamp: now })),
        { compression: type, baseTimestamp: now },
      );
      const label = `${batchBytes / 1024} KiB batch (${count} × 1 KiB)`;
      const group = `validate ${codec.name}`;
      const body = batch.subarray(61);
      out.push({ group, name: `check (header + CRC) ${label}`, bytes: batch.length, fn: () => checkWireBatch(batch, 0) });
      out.push({ group, name: `validate records ${label}`, bytes: batch.length, fn: () => validateBatchRecords(batch, 0, batch.length, checks) });
      if (type !== CompressionType.None) out.push({ group, name: `decompress whole ${label}`, bytes: batch.length, fn: () => codec.decompress(body) });
    }
  }
  return out;
}
