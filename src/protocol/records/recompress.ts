/**
 * Recompression of a record set to another codec, batch by batch, for topics whose
 * compression.type names a codec other than the producer's. The records inside are not
 * touched: each batch's record bytes are decompressed and compressed again, and the batch header
 * is kept but for its attributes, length and CRC. Batches already in the codec are copied.
 *
 * Every batch is checked (length, magic, CRC: checkWireBatch) first, then rewritten in one
 * streaming pass that is also its record validation (validate.ts): the decompressed records go
 * through the record checks piece by piece, and each piece found well formed is fed to the
 * target codec's StreamEncoder. So a bomb is refused the way the log refuses it, after at most
 * MAX_DECOMPRESSED_BYTES of output and without ever being held whole, and the memory of a
 * rewrite is the thread's decompression window (compression/limits.ts) plus one block of the
 * encoder's input plus the rewritten batch itself, which stops growing at `maxBatchBytes`. The
 * batches copied unchanged are not read here: the log validates them when it appends, as any.
 *
 * A batch refused throws RecompressError with the answer the log would have given for it: the
 * error code, Kafka's partition error message and record errors where it has them, and the
 * reason. The error is plain data, so it crosses from the pool thread (workers/pool-tasks.ts
 * returns it as a value; workers/pool.ts throws it again on the caller's side).
 *
 * CPU work: the broker runs it on the piscina pool (workers/pool-tasks.ts).
 */
import { ErrorCode } from '../errors.js';
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, BATCH_OFFSETS, type BatchProblem, checkWireBatch, compressionOf } from './batch.js';
import { CompressionType, MAX_DECOMPRESSED_BYTES } from './compression/index.js';
import { GzipEncoder } from './compression/gzip.js';
import { Lz4FrameEncoder } from './compression/lz4.js';
import { XerialEncoder } from './compression/snappy.js';
import { CopyEncoder, type StreamEncoder } from './compression/window.js';
import { ZstdFramesEncoder } from './compression/zstd-compress.js';
import { crc32c } from './crc32c.js';
import { type RecordChecks, type RecordError, validateBatchRecordsInto } from './validate.js';

export interface RecompressOptions {
  /** The topic's record checks, as the log applies them. */
  checks: RecordChecks;
  /**
   * max.message.bytes: a rewritten batch growing past it is refused with MESSAGE_TOO_LARGE as
   * soon as it does, as the log would refuse it; by default only MAX_DECOMPRESSED_BYTES bounds it.
   */
  maxBatchBytes?: number;
}

const PROBLEM_CODES: Record<BatchProblem, number> = {
  CORRUPT_MESSAGE: ErrorCode.CORRUPT_MESSAGE,
  UNSUPPORTED_VERSION: ErrorCode.UNSUPPORTED_VERSION,
  INVALID_RECORD: ErrorCode.INVALID_RECORD,
  UNSUPPORTED_COMPRESSION_TYPE: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
};

/** What a refused batch is answered with: plain data, to cross threads. */
export interface RecompressRefusal {
  errorCode: number;
  /** Kafka's partition error message, when it has one (record errors). */
  errorMessage?: string;
  recordErrors?: RecordError[];
  /** Why, in words. */
  detail: string;
}

export class RecompressError extends Error {
  override readonly name = 'RecompressError';

  constructor(readonly refusal: RecompressRefusal) {
    super(refusal.detail);
  }

  get errorCode(): number {
    return this.refusal.errorCode;
  }
}

function encoderFor(to: number): StreamEncoder {
  switch (to) {
    case CompressionType.None:
      return new CopyEncoder();
    case CompressionType.Gzip:
      return new GzipEncoder();
    case CompressionType.Snappy:
      return new XerialEncoder();
    case CompressionType.Lz4:
      return new Lz4FrameEncoder();
    case CompressionType.Zstd:
      return new ZstdFramesEncoder();
    default:
      throw new RangeError(`unknown compression ${to}`);
  }
}

/** Stops a rewrite whose output has grown past `limit` bytes. */
class Bounded {
  constructor(
    readonly encoder: StreamEncoder,
    private readonly limit: number,
    private readonly batchLimit: number,
  ) {}

  take(buf: Uint8Array, start: number, end: number): void {
    this.encoder.take(buf, start, end);
    if (this.encoder.size > this.limit) {
      throw new RecompressError({
        errorCode: ErrorCode.MESSAGE_TOO_LARGE,
        detail: `batch grows past max.message.bytes ${this.batchLimit} when recompressed`,
      });
    }
  }
}

export function recompressRecordSet(records: Uint8Array, to: number, options: RecompressOptions): Buffer {
  const input = Buffer.from(records.buffer, records.byteOffset, records.byteLength);
  if (to < CompressionType.None || to > CompressionType.Zstd) throw new RangeError(`unknown compression ${to}`);
  const maxBatchBytes = options.maxBatchBytes ?? MAX_DECOMPRESSED_BYTES + BATCH_HEADER_BYTES;
  const out: Buffer[] = [];
  for (let at = 0, size = 0; at < input.length; at += size) {
    // Checked before anything is rewritten: a new CRC must never cover a corrupt batch.
    const check = checkWireBatch(input, at);
    if (check.problem) throw new RecompressError({ errorCode: PROBLEM_CODES[check.problem], detail: check.detail ?? check.problem });
    size = check.size;
    const attributes = input.readInt16BE(at + BATCH_OFFSETS.attributes);
    if (compressionOf(attributes) === to) {
      out.push(input.subarray(at, at + size));
      continue;
    }
    const encoder = encoderFor(to);
    const sink = new Bounded(encoder, maxBatchBytes - BATCH_HEADER_BYTES, maxBatchBytes);
    const v = validateBatchRecordsInto(input, at, size, options.checks, sink);
    if (v.errorCode !== ErrorCode.NONE) {
      const refusal: RecompressRefusal = { errorCode: v.errorCode, detail: v.detail ?? `error ${v.errorCode}` };
      if (v.errorMessage !== undefined) refusal.errorMessage = v.errorMessage;
      if (v.recordErrors !== undefined) refusal.recordErrors = v.recordErrors;
      throw new RecompressError(refusal);
    }
    const body = encoder.finish();
    const bodyBytes = encoder.size;
    if (BATCH_HEADER_BYTES + bodyBytes > maxBatchBytes) {
      throw new RecompressError({
        errorCode: ErrorCode.MESSAGE_TOO_LARGE,
        detail: `batch of ${BATCH_HEADER_BYTES + bodyBytes} bytes after recompression is more than max.message.bytes ${maxBatchBytes}`,
      });
    }
    const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + bodyBytes);
    input.copy(batch, 0, at, at + BATCH_HEADER_BYTES);
    let p = BATCH_HEADER_BYTES;
    for (const part of body) {
      batch.set(part, p);
      p += part.length;
    }
    batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, BATCH_OFFSETS.batchLength);
    batch.writeInt16BE((attributes & ~7) | to, BATCH_OFFSETS.attributes);
    batch.writeUInt32BE(crc32c(batch, BATCH_OFFSETS.attributes, batch.length), BATCH_OFFSETS.crc);
    out.push(batch);
  }
  // Concatenated even when one: the result crosses threads, and a view would take its whole
  // underlying buffer with it.
  return Buffer.concat(out);
}
