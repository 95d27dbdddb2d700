/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of record batches v2.
 *
 * Slicing-by-16 over aligned 32-bit words: sixteen 256-entry tables let the loop consume 16
 * bytes per step with four word loads and sixteen table look-ups, no per-bit work. Reading
 * words through an Int32Array view (once the input is 4-byte aligned) instead of assembling them
 * from bytes is what lifts it past slicing-by-8: measured here 1.25–1.5 GB/s against
 * 0.95 GB/s (bench/micro, `crc32c`). The word path assumes a little-endian machine, which
 * every platform Node supports today is; on a big-endian one the bytewise loop does all the work.
 *
 * Pure function over bytes; any thread may call it.
 */
import { endianness } from 'node:os';

const POLY = 0x82f63b78;
const T = new Int32Array(16 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let t = 1; t < 16; t++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[t * 256 + n] = c;
  }
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The CRC32C of bytes[start, end). `previous` continues a checksum over data split in parts:
 * crc32c(ab) === crc32c(b, 0, b.length, crc32c(a)).
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  let crc = ~previous;
  let i = start;
  if (LITTLE_ENDIAN && end - start >= 64) {
    while (((bytes.byteOffset + i) & 3) !== 0) crc = T[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
    const blocks = (end - i) >>> 4;
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, blocks * 4);
    for (let k = 0; k < w.length; k += 4) {
      const a = w[k]! ^ crc;
      const b = w[k + 1]!;
      const c = w[k + 2]!;
      const d = w[k + 3]!;
      crc =
        T[0xf00 + (a & 0xff)]! ^
        T[0xe00 + ((a >>> 8) & 0xff)]! ^
        T[0xd00 + ((a >>> 16) & 0xff)]! ^
        T[0xc00 + (a >>> 24)]! ^
        T[0xb00 + (b & 0xff)]! ^
        T[0xa00 + ((b >>> 8) & 0xff)]! ^
        T[0x900 + ((b >>> 16) & 0xff)]! ^
        T[0x800 + (b >>> 24)]! ^
        T[0x700 + (c & 0xff)]! ^
        T[0x600 + ((c >>> 8) & 0xff)]! ^
        T[0x500 + ((c >>> 16) & 0xff)]! ^
        T[0x400 + (c >>> 24)]! ^
        T[0x300 + (d & 0xff)]! ^
        T[0x200 + ((d >>> 8) & 0xff)]! ^
        T[0x100 + ((d >>> 16) & 0xff)]! ^
        T[d >>> 24]!;
    }
    i += blocks * 16;
  }
  while (i < end) crc = T[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
