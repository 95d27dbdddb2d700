import { checkWireBatch, decodeBatchDecompressing, encodeBatch, readBatchHeader } from '../../src/protocol/records/batch.js';
import type { MicroCase } from './case.js';
import { jsonRecords } from './data.js';

export function cases(): MicroCase[] {
  const out: MicroCase[] = [];
  for (const [count, size] of [
    [64, 1024],
    [640, 100],
  ] as const) {
    const records = jsonRecords(count, size).map((value, i) => ({ key: `key-${i}`, value }));
    const batch = encodeBatch(records);
    const label = `${count} × ${size} B`;
    out.push(
      { group: 'batch', name: `encode ${label}`, bytes: batch.length, fn: () => encodeBatch(records) },
      { group: 'batch', name: `check (header + CRC) ${label}`, bytes: batch.length, fn: () => checkWireBatch(batch, 0) },
      { group: 'batch', name: `decode records ${label}`, bytes: batch.length, fn: () => decodeBatchDecompressing(batch) },
    );
  }
  const one = encodeBatch([{ value: 'x' }]);
  out.push({ group: 'batch', name: 'header parse', bytes: 61, fn: () => readBatchHeader(one, 0) });
  return out;
}
