/**
 * Batch compression codecs, by the id a record batch carries in the low three bits of its
 * attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
 *
 * Every codec is synchronous and pure JavaScript. Callers on the broker's main thread never
 * call these on the request path; the partition workers and the piscina pool do.
 *
 * Decompression never trusts the sizes the data claims: every codec refuses malformed input
 * with an Error and caps its output at MAX_DECOMPRESSED_BYTES (limits.ts).
 */
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { MAX_DECOMPRESSED_BYTES } from './limits.js';
import { gunzipInto } from './gzip.js';
import { lz4Compress, lz4Decompress, lz4DecompressInto } from './lz4.js';
import { snappyCompress, snappyDecompress, snappyDecompressInto } from './snappy.js';
import type { StreamDecoder } from './window.js';
import { zstdCompress, zstdDecompress } from './zstd.js';
import { zstdDecompressInto } from './zstd-stream.js';

export { MAX_DECOMPRESSED_BYTES } from './limits.js';

export const CompressionType = Object.freeze({ None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const);
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export interface Codec {
  readonly type: CompressionType;
  /** Kafka's name for it, as `compression.type` spells it. */
  readonly name: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  compress(data: Uint8Array): Buffer;
  decompress(data: Uint8Array): Buffer;
}

const none: Codec = {
  type: CompressionType.None,
  name: 'none',
  compress: (d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength),
  decompress: (d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength),
};

/** gzip through node:zlib: part of Node, no addon, and about 3× faster than pako here. */
const gzip: Codec = {
  type: CompressionType.Gzip,
  name: 'gzip',
  compress: (d) => gzipSync(d, { level: 1 }),
  decompress: (d) => gunzipSync(d, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: MAX_DECOMPRESSED_BYTES }),
};

/** Raw blocks or xerial framing in, xerial framing out (snappy.ts). */
const snappy: Codec = { type: CompressionType.Snappy, name: 'snappy', compress: snappyCompress, decompress: snappyDecompress };

/** LZ4 frames, 64 KiB independent blocks out (lz4.ts). */
const lz4: Codec = { type: CompressionType.Lz4, name: 'lz4', compress: lz4Compress, decompress: lz4Decompress };

/** Our own streaming decoder and encoder (zstd.ts, zstd-stream.ts, zstd-compress.ts). */
const zstd: Codec = { type: CompressionType.Zstd, name: 'zstd', compress: zstdCompress, decompress: zstdDecompress };

const codecs: (Codec | undefined)[] = [none, gzip, snappy, lz4, zstd];

export function codecFor(type: number): Codec | undefined {
  return codecs[type];
}

export function codecNamed(name: string): Codec | undefined {
  return codecs.find((c) => c?.name === name);
}

const streamDecoders: (StreamDecoder | undefined)[] = [undefined, gunzipInto, snappyDecompressInto, lz4DecompressInto, zstdDecompressInto];

/** The streaming decoder of a compression id (compression/window.ts), undefined for none and unknown ids. */
export function streamDecoderFor(type: number): StreamDecoder | undefined {
  return streamDecoders[type];
}
