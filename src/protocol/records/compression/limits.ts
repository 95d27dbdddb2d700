/**
 * The limits every decompressor holds to, whatever the compressed data claims.
 *
 * Two kinds of decompression share them. The streaming decoders hand their output to a
 * consumer piece by piece through an OutputWindow (window.ts): record validation (validate.ts)
 * reads it and forgets it, so its memory is bounded by the window constants below, not by what
 * a batch inflates to. The whole-buffer `decompress` of each codec, for the paths that need
 * all the bytes at once (compaction, the client), gathers the same decoders' output into one
 * Buffer (node:zlib's gunzip for gzip), bounded by MAX_DECOMPRESSED_BYTES.
 *
 * Memory of one streaming decompression, at most (each codec takes only what its format needs:
 * gzip keeps its 32 KiB of history inside zlib and uses the span alone, LZ4 adds 64 KiB,
 * snappy and zstd the history their block or frame can actually reach, capped here):
 *
 *   MAX_WINDOW_BYTES          10 MiB    the OutputWindow: MAX_HISTORY_BYTES of back-references
 *                                       (zstd window, snappy block) and a quarter more to write
 *                                       into before it slides (window.ts)
 *   zstd literals, Huffman
 *   and FSE tables           ~140 KiB   (zstd-stream.ts)
 *   zlib inflate state        ~45 KiB   (gzip.ts; outside the JavaScript heap)
 *                            ---------
 *   STREAM_MEMORY_PER_THREAD_BYTES  10.2 MiB
 *
 * Every decoding runs synchronously to its end on the thread that called it, and each thread
 * keeps one set of these buffers (grown on demand up to the figures above, then reused), so a
 * thread never holds more than one decompression's worth. The threads that validate are the
 * partition workers (`num.io.threads`; the main thread instead when it is 0) and the piscina
 * pool (workers/pool.ts, DEFAULT_POOL_THREADS = 1), so all decompressions in flight together stay
 * under (num.io.threads + pool threads) × STREAM_MEMORY_PER_THREAD_BYTES: 20.4 MiB on the
 * two-core default (one worker, one pool thread), 92 MiB with eight partition workers and the
 * pool thread. The bound is per thread rather than one shared counter because the validating
 * threads share no memory with each other, and a thread's decoding never waits for another's.
 *
 * Recompression (recompress.ts, on the pool) decompresses through the same window and adds its
 * encoder's input block (32 KiB snappy, 64 KiB LZ4, 1 MiB zstd, zlib's deflate state of ~270 KiB
 * for gzip) and the rewritten batch, which stops at the topic's max.message.bytes.
 */
import { StreamError } from './errors.js';

/**
 * The most bytes one decompression may produce, and the most one batch's records may inflate
 * to at validation: 256 MiB.
 *
 * Compressed formats can claim any size in a few bytes (a varint, a frame header), and some
 * really do expand a thousandfold (a zstd RLE block, a snappy copy chain). A broker must not let
 * one hostile or corrupt batch make a worker allocate gigabytes, so sizes are checked against
 * this before anything is allocated. 256 MiB is far above anything Kafka itself produces: a
 * batch is bounded by `message.max.bytes` (1 MiB by default, rarely configured past 100 MiB),
 * and real record data seldom compresses better than 10:1, while a Node Buffer of this size is
 * still cheap to hold for the moment a batch is being read.
 *
 * Validation uses the same figure on purpose: a batch it accepts must be one every whole-buffer
 * decompressor of the broker (compaction, Spindle's own consumer) can read back, and a smaller
 * figure would refuse batches those read without trouble. What it costs is time, not memory:
 * the worst batch, a record whose value inflates to just under the limit, makes a worker
 * inflate 255 MiB before it is accepted or refused. Measured (Node 20, one core, a record of
 * zeros): under 0.1 s for gzip, LZ4 and zstd, about 0.65 s for snappy, whose copies are 64
 * bytes at most.
 */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/**
 * The most history a streaming decoder keeps for back-references: 8 MiB, the window zstd uses
 * at its levels 1-19 (window log 23 at levels 16-19, less below) and the largest window the
 * common Go encoder (klauspost/compress) writes by default. LZ4 needs only 64 KiB (its offsets
 * are 16 bits); snappy blocks reach back at most their own length, which snappy's C++ encoder,
 * snappy-java and snappyjs keep to 64 KiB (an encoder writing one raw block for a whole batch,
 * as Go's s2.EncodeSnappy does, may reach as far back as the batch is long). A stream whose
 * matches reach further back than this is refused, which can only happen past 8 MiB of
 * inflated data: with zstd's ultra levels 20-22 or its long-distance mode, which no Kafka
 * client uses by default, or a single snappy block of more than 8 MiB.
 */
export const MAX_HISTORY_BYTES = 8 * 1024 * 1024;

/**
 * New output a streaming decoder produces between two hand-offs to its consumer: 256 KiB, at
 * least a zstd block (128 KiB) so a block always decodes in one piece, and enough that the
 * consumer's per-piece cost (a record cut in two at the edge) does not show.
 */
export const STREAM_SPAN_BYTES = 256 * 1024;

/**
 * The most an OutputWindow's buffer holds: the history and a quarter of it to write into, so a
 * slide moves at most four bytes per byte produced (window.ts).
 */
export const MAX_WINDOW_BYTES = MAX_HISTORY_BYTES + MAX_HISTORY_BYTES / 4;

/** What one thread holds at most for streaming decompression (the table in the header). */
export const STREAM_MEMORY_PER_THREAD_BYTES = MAX_WINDOW_BYTES + 140 * 1024 + 45 * 1024;

/** Throws the error every codec uses for a claim or result over MAX_DECOMPRESSED_BYTES. */
export function tooLarge(codec: string, size: number): never {
  throw new StreamError(`${codec}: decompressed size ${size} exceeds the limit of ${MAX_DECOMPRESSED_BYTES} bytes`);
}
