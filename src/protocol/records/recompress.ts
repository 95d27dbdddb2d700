/**
 * Recompression of a record set to another codec, batch by batch, for topics whose
 * compression.type names a codec other than the producer's. The records inside are not
 * touched: each batch's record bytes are decompressed and compressed again, and the batch header
 * is kept but for its attributes, length and CRC. Batches already in the codec are copied.
 * Every batch is checked (length, magic, CRC) first; a bad one throws RecompressError naming
 * Kafka's answer for it.
 *
 * CPU work: the broker runs it on the piscina pool (workers/pool-tasks.ts).
 */
import { BATCH_HEADER_BYTES, BATCH_OFFSETS, type BatchProblem, checkWireBatch, compressionOf } from './batch.js';
import { codecFor } from './compression/index.js';
import { crc32c } from './crc32c.js';

export function recompressRecordSet(records: Uint8Array, to: number): Buffer {
  const input = Buffer.from(records.buffer, records.byteOffset, records.byteLength);
  const target = codecFor(to);
  if (!target) throw new RangeError(`unknown compression ${to}`);
  const out: Buffer[] = [];
  for (let at = 0, size = 0; at < input.length; at += size) {
    // Checked before anything is rewritten: a new CRC must never cover a corrupt batch.
    const check = checkWireBatch(input, at);
    if (check.problem) throw new RecompressError(check.problem, check.detail ?? check.problem);
    size = check.size;
    const attributes = input.readInt16BE(at + BATCH_OFFSETS.attributes);
    const from = compressionOf(attributes);
    if (from === to) {
      out.push(input.subarray(at, at + size));
      continue;
    }
    const source = codecFor(from);
    if (!source) throw new RangeError(`unknown compression ${from}`);
    const body = target.compress(source.decompress(input.subarray(at + BATCH_HEADER_BYTES, at + size)));
    const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + body.length);
    input.copy(batch, 0, at, at + BATCH_HEADER_BYTES);
    body.copy(batch, BATCH_HEADER_BYTES);
    batch.writeInt32BE(batch.length - 12, BATCH_OFFSETS.batchLength);
    batch.writeInt16BE((attributes & ~7) | to, BATCH_OFFSETS.attributes);
    batch.writeUInt32BE(crc32c(batch, BATCH_OFFSETS.attributes, batch.length), BATCH_OFFSETS.crc);
    out.push(batch);
  }
  return Buffer.concat(out);
}

export class RecompressError extends Error {
  constructor(
    readonly problem: BatchProblem,
    detail: string,
  ) {
    super(detail);
  }
}
