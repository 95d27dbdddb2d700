/**
 * The limits every decompressor holds to, whatever the compressed data claims.
 */

/**
 * The most bytes one decompression may produce: 256 MiB.
 *
 * Compressed formats can claim any size in a few bytes (a varint, a frame header), and some
 * really do expand a thousandfold (a zstd RLE block, a snappy copy chain). A broker must not let
 * one hostile or corrupt batch make a worker allocate gigabytes, so sizes are checked against
 * this before anything is allocated. 256 MiB is far above anything Kafka itself produces: a
 * batch is bounded by `message.max.bytes` (1 MiB by default, rarely configured past 100 MiB),
 * and real record data seldom compresses better than 10:1, while a Node Buffer of this size is
 * still cheap to hold for the moment a batch is being read.
 */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** Throws the error every codec uses for a claim or result over MAX_DECOMPRESSED_BYTES. */
export function tooLarge(codec: string, size: number): never {
  throw new Error(`${codec}: decompressed size ${size} exceeds the limit of ${MAX_DECOMPRESSED_BYTES} bytes`);
}
