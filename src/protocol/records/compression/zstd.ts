/**
 * zstd for record batches (compression type 4).
 *
 * One decoder serves both kinds of decompression: the streaming decoder of zstd-stream.ts,
 * which checks every length, offset, bitstream, content size and checksum as it decodes and
 * holds only the history a frame can reach. Record validation reads its output piece by piece;
 * the whole-buffer zstdDecompress below gathers it into one Buffer, capped at
 * MAX_DECOMPRESSED_BYTES. Measured with `npm run bench:micro -- zstd`, it decompresses 1.5-2.5×
 * as fast as the pure-JavaScript fzstd behind the separate check pass it replaced (the 64 KiB
 * JSON batch at 140-234 MB/s against 79-94; a 16 KiB batch of 15 records in 118-194 µs against
 * 291-297).
 *
 * Compression is zstd-compress.ts.
 */
import { decompressWhole } from './window.js';
import { zstdDecompressInto } from './zstd-stream.js';

export { zstdCompress } from './zstd-compress.js';

/** Decodes every frame in data (skipping skippable frames) and returns the concatenation. */
export function zstdDecompress(data: Uint8Array): Buffer {
  return decompressWhole('zstd', zstdDecompressInto, data);
}
