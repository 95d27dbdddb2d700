/** Shared helpers for storage tests: temporary directories, batches, reading slices back. */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileSlice } from '../../src/core/partition-log.js';
import { batchPositions, decodeBatchDecompressing, encodeBatch, type Record } from '../../src/protocol/records/batch.js';

export function tempDir(prefix = 'spindle-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A batch of `count` records whose values say which batch and record they are. */
export function makeBatch(label: string, count: number, timestamp = 1_700_000_000_000, valueBytes = 0): Buffer {
  const pad = valueBytes > 0 ? ` ${'x'.repeat(valueBytes)}` : '';
  return encodeBatch(
    Array.from({ length: count }, (_, i) => ({ key: `${label}-k${i}`, value: `${label}-v${i}${pad}`, timestamp: timestamp + i })),
  );
}

export function readSlice(slice: FileSlice): Buffer {
  const fd = openSync(slice.path, 'r');
  try {
    const buf = Buffer.alloc(slice.length);
    let got = 0;
    while (got < slice.length) {
      const n = readSync(fd, buf, got, slice.length - got, slice.position + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Every record in the complete batches of a slice. */
export function recordsIn(bytes: Buffer): Record[] {
  return [...batchPositions(bytes)].flatMap(({ at }) => decodeBatchDecompressing(bytes, at).records);
}
