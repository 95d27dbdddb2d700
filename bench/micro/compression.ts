/**
 * Batch codec microbenchmarks: compress and decompress with every codec of the codec table on
 * a 64 KiB batch of about 1 KiB JSON records (fixed seed), `bytes` being the uncompressed
 * size. The lz4js package is measured alongside the LZ4 codec, as the reference it was chosen
 * against.
 *
 * Run on its own (`node dist/bench/micro/compression.js [filter]`) it times each case for a
 * second and prints MB/s and each codec's compression ratio.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { codecFor, CompressionType } from '../../src/protocol/records/compression/index.js';
import { recordBatchPayload } from '../../test/protocol/records/compression/samples.js';
import type { MicroCase } from './case.js';

interface Lz4Js {
  compress(src: Uint8Array): Uint8Array;
  decompress(src: Uint8Array): Uint8Array;
  decompressFrame(src: Uint8Array, dst: Uint8Array): number;
}

const BATCH_BYTES = 64 * 1024;

export function cases(): MicroCase[] {
  const batch = recordBatchPayload(BATCH_BYTES);
  const out: MicroCase[] = [];
  for (const type of Object.values(CompressionType)) {
    const codec = codecFor(type);
    if (!codec || codec.name === 'none') continue;
    const compressed = codec.compress(batch);
    out.push(
      { group: `codec ${codec.name}`, name: `compress 64 KiB JSON batch`, bytes: batch.length, fn: () => codec.compress(batch) },
      { group: `codec ${codec.name}`, name: `decompress 64 KiB JSON batch`, bytes: batch.length, fn: () => codec.decompress(compressed) },
    );
  }
  const lz4js = createRequire(import.meta.url)('lz4js') as Lz4Js;
  const viaLz4js = lz4js.compress(batch);
  const presized = new Uint8Array(batch.length);
  out.push(
    { group: 'codec lz4 (lz4js, reference)', name: 'compress 64 KiB JSON batch', bytes: batch.length, fn: () => lz4js.compress(batch) },
    { group: 'codec lz4 (lz4js, reference)', name: 'decompress 64 KiB JSON batch', bytes: batch.length, fn: () => lz4js.decompress(viaLz4js) },
    // Its inner loop alone, into a buffer sized in advance, with no checks at all.
    { group: 'codec lz4 (lz4js, reference)', name: 'decompressFrame into a sized buffer', bytes: batch.length, fn: () => lz4js.decompressFrame(viaLz4js, presized) },
  );
  return out;
}

/** Compressed size over original size for each codec, on the benchmark batch. */
export function ratios(): { codec: string; bytes: number; compressed: number; ratio: number }[] {
  const batch = recordBatchPayload(BATCH_BYTES);
  const rows = [];
  for (const type of Object.values(CompressionType)) {
    const codec = codecFor(type);
    if (!codec) continue;
    const compressed = codec.compress(batch).length;
    rows.push({ codec: codec.name, bytes: batch.length, compressed, ratio: batch.length / compressed });
  }
  return rows;
}

function timeCase(c: MicroCase, seconds: number): number {
  for (let i = 0; i < 50; i++) c.fn();
  let calls = 0;
  const start = process.hrtime.bigint();
  const stop = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < stop) {
    for (let i = 0; i < 10; i++) c.fn();
    calls += 10;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  return (calls * c.bytes) / elapsed / 1e6;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const filter = process.argv[2] ?? '';
  for (const c of cases()) {
    if (!`${c.group} ${c.name}`.includes(filter)) continue;
    console.log(`${c.group.padEnd(30)} ${c.name.padEnd(36)} ${timeCase(c, 1).toFixed(0).padStart(6)} MB/s`);
  }
  for (const r of ratios()) {
    if (!r.codec.includes(filter) && filter && !'ratio'.includes(filter)) continue;
    console.log(`ratio ${r.codec.padEnd(7)} ${r.bytes} -> ${r.compressed} bytes  ${r.ratio.toFixed(2)}:1`);
  }
}
