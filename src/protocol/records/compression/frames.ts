/**
 * What LZ4 and zstd frames share: little-endian magic numbers, and skippable frames (magic
 * 0x184D2A50–0x184D2A5F, a 4-byte length, that many bytes to ignore), which both formats allow
 * between their own frames.
 */
import { streamFail } from './errors.js';

const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

export function readU32(d: Uint8Array, i: number): number {
  return (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0;
}

/**
 * Where the data continues after a skippable frame at `pos`, or -1 when there is none there.
 * Throws a StreamError with `codec` named when the frame's length runs past `end`. Needs 8
 * bytes at `pos`.
 */
export function skipSkippableFrame(codec: string, data: Uint8Array, pos: number, end = data.length): number {
  if (((readU32(data, pos) & SKIPPABLE_MASK) >>> 0) !== SKIPPABLE_MAGIC) return -1;
  const size = readU32(data, pos + 4);
  if (size > end - pos - 8) streamFail(codec, 'skippable frame runs past the end of the data');
  return pos + 8 + size;
}
