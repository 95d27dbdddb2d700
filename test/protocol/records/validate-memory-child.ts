/**
 * Run by validate-memory.test.ts in a process of its own (`node --expose-gc`): builds bombs of
 * every codec, then validates each (and recompresses the valid one), and prints as JSON how much
 * memory that added to what the process held once the bombs were built, and how long each took.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CompressionType } from '../../../src/protocol/records/compression/index.js';
import { recompressRecordSet } from '../../../src/protocol/records/recompress.js';
import { validateBatchRecords } from '../../../src/protocol/records/validate.js';
import { batchAround, checks, gzipZeros, lz4Claiming, lz4Zeros, recordHeadFor, snappyClaiming, snappyZeros, zstdClaiming, zstdRle } from './validate-samples.js';

const MiB = 1024 * 1024;

/** A zstd frame of one valid record: a null key and `valueBytes` zeros, in RLE blocks. */
function zstdRecordOfZeros(valueBytes: number): Buffer {
  const head = recordHeadFor(valueBytes);
  const block = 128 * 1024;
  const header = (last: boolean, type: number, size: number) => {
    const v = (last ? 1 : 0) | (type << 1) | (size << 3);
    return Buffer.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff]);
  };
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (23 - 10) << 3]), header(false, 0, head.length), head];
  for (let left = valueBytes; left > 0; left -= block) parts.push(header(false, 1, Math.min(block, left)), Buffer.from([0]));
  parts.push(header(true, 0, 1), Buffer.from([0]));
  return Buffer.concat(parts);
}

const bombs: [string, number, Buffer, number][] = [
  ['gzip, 1 GiB of zeros', CompressionType.Gzip, gzipZeros(), 1000],
  ['lz4, 1 GiB of zeros', CompressionType.Lz4, lz4Zeros(), 1000],
  ['zstd, 1 GiB of zeros', CompressionType.Zstd, zstdRle(), 1000],
  ['snappy, 1 GiB of zeros claimed', CompressionType.Snappy, snappyZeros(1024 * MiB - 1), 1000],
  ['snappy, 200 MiB of zeros', CompressionType.Snappy, snappyZeros(200 * MiB), 1000],
  ['zstd, header claiming 1 TiB', CompressionType.Zstd, zstdClaiming(2 ** 40), 1],
  ['lz4, header claiming 1 TiB', CompressionType.Lz4, lz4Claiming(2 ** 40), 1],
  ['snappy, preamble claiming 4 GiB', CompressionType.Snappy, snappyClaiming(4 * 1024 * MiB), 1],
  ['zstd, one valid record of 200 MiB of zeros', CompressionType.Zstd, zstdRecordOfZeros(200 * MiB), 1],
];
const batches = bombs.map(([label, codec, records, count]) => [label, batchAround(records, { count, compression: codec })] as const);

function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
gc?.();
const before = process.memoryUsage();
let peakReset = false;
try {
  // Linux: writing 5 resets the peak RSS to the current RSS.
  writeFileSync('/proc/self/clear_refs', '5');
  peakReset = true;
} catch {
  // Not Linux, or not allowed: the peak then includes building the bombs.
}
const results = [];
for (const [label, batch] of batches) {
  const started = process.hrtime.bigint();
  const v = validateBatchRecords(batch, 0, batch.length, checks());
  results.push({ label, errorCode: v.errorCode, detail: v.detail, ms: Number(process.hrtime.bigint() - started) / 1e6 });
}
/** Rewrites the batch and returns the rewritten size: the result is dropped on return. */
function recompressedSize(batch: Buffer, to: number): number {
  return recompressRecordSet(batch, to, { checks: checks() }).length;
}

// Recompression streams the same way: the 200 MiB record rewritten to LZ4 and to gzip.
for (const [to, codec] of [
  [CompressionType.Lz4, 'lz4'],
  [CompressionType.Gzip, 'gzip'],
] as const) {
  const started = process.hrtime.bigint();
  const size = recompressedSize(batches[batches.length - 1]![1], to);
  results.push({ label: `recompressing the 200 MiB record to ${codec} (${size} bytes)`, errorCode: 0, detail: undefined, ms: Number(process.hrtime.bigint() - started) / 1e6 });
}
// Collected first, so the buffers outgrown or dropped on the way do not count: what stays is
// what a thread keeps.
gc?.();
gc?.();
const after = process.memoryUsage();
console.log(
  JSON.stringify({
    results,
    arrayBuffersGrowth: after.arrayBuffers - before.arrayBuffers,
    externalGrowth: after.external - before.external,
    rssBefore: before.rss,
    peakRssGrowth: peakReset ? peakRssBytes() - before.rss : null,
  }),
);
