import { crc32c } from '../../src/protocol/records/crc32c.js';
import type { MicroCase } from './case.js';
import { jsonRecords } from './data.js';

export function cases(): MicroCase[] {
  const small = Buffer.concat(jsonRecords(1, 1024));
  const big = Buffer.concat(jsonRecords(64, 1024));
  const huge = Buffer.concat(jsonRecords(1024, 1024));
  return [
    { group: 'crc32c', name: '1 KiB', bytes: small.length, fn: () => crc32c(small) },
    { group: 'crc32c', name: '64 KiB', bytes: big.length, fn: () => crc32c(big) },
    { group: 'crc32c', name: '1 MiB', bytes: huge.length, fn: () => crc32c(huge) },
  ];
}
