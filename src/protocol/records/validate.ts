/**
 * Record validation at the door: what Kafka's LogValidator checks of a produced batch beyond its
 * header and CRC, done by reading the records (decompressing them on the way when the batch is
 * compressed) and never by rewriting them. The batch's bytes are only read; nothing is copied
 * out of them or changed, so the bytes stored are the bytes received.
 *
 * Called after checkWireBatch (batch.ts) accepted the batch: size, magic 2, CRC, a known codec,
 * and recordCount = lastOffsetDelta + 1 are taken as checked.
 *
 * What is checked, with what Kafka 3.9 answers. Its record readers (DefaultRecord.readFrom,
 * DefaultRecordBatch's iterators) throw InvalidRecordException, which ReplicaManager answers
 * with INVALID_RECORD and no error message (it sends one only with record errors); `detail`
 * carries the exception's text, Kafka's own where it has one:
 *
 *   the records section holds exactly recordCount records  "Incorrect declared batch size, premature EOF reached"
 *                                                           "Incorrect declared batch size, records still remaining in file"
 *   each record's length fits the data                      "Invalid record size: expected N bytes in record payload, but …"
 *   its fields fit exactly inside its length                "Found invalid record structure" /
 *                                                           "Invalid record size: expected to read N bytes in record payload, but instead read M"
 *   header count not negative, no larger than the record    "Found invalid number of record headers …"
 *   header keys not null (nor any length below -1)          "Invalid negative header key size N"
 *   varints of at most 5 bytes, varlongs of at most 10      "Varint is too long, …" (ByteUtils' message; Kafka
 *                                                           reports it inside a record as "Found invalid record structure")
 *
 * Stricter than Kafka, since Spindle never rewrites a batch, each INVALID_RECORD: a key or value
 * length below -1 (Kafka reads any negative length as null), bytes after the last record inside a
 * compressed stream, fields checked against the record's length for compressed batches too
 * (Kafka skips that check when it does not rewrite the batch), and offset deltas other than
 * 0, 1, … n-1: Kafka ignores them in an uncompressed batch (its consumers then see those offsets)
 * and rewrites a compressed batch whose deltas are wrong; Spindle refuses the record, as a
 * per-record error ("Record N of the batch has offset delta …").
 *
 * Per-record errors (KIP-467), collected over all records and answered together, Kafka's
 * messages exactly:
 *
 *   compacted topic, record without a key   INVALID_RECORD     "Compacted topic cannot accept message without key in topic partition T-P"
 *   CreateTime timestamp outside            INVALID_TIMESTAMP  "Timestamp X of message with offset O is out of range. The timestamp should be within [A, B]"
 *     [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms] (KIP-937)
 *   a producer batch stamped LogAppendTime  INVALID_TIMESTAMP  "Invalid timestamp type in message … Producer should not set timestamp type to LogAppendTime."
 *     (on a LogAppendTime topic, or with timestamp -1)
 *
 * and the partition's error message is Kafka's: "One or more records have been rejected due to
 * invalid timestamp" when any record error is a timestamp error (the code is then
 * INVALID_TIMESTAMP), otherwise "One or more records have been rejected due to N record errors in
 * total, and only showing the first three errors at most: [RecordError(batchIndex=…, message='…'), …]".
 * One error per record: the key is checked first, then the timestamp, then the offset delta.
 *
 * Compressed batches are inflated in one bounded streaming pass (compression/window.ts and the
 * codecs' `…Into` decoders) whose output the record walker reads and forgets: memory is bounded
 * per thread (compression/limits.ts), not by what the batch inflates to. A stream that does not
 * decode (garbage, truncated, a failed checksum, bytes after its end, a size claim or an output
 * past MAX_DECOMPRESSED_BYTES, a record whose length would take it past that) is
 * CORRUPT_MESSAGE, with the codec's reason as detail. Kafka has no
 * deliberate answer for that: its codec streams throw IOException, wrapped in a plain
 * KafkaException that ReplicaManager answers with UNKNOWN_SERVER_ERROR and logs as a broker
 * fault. CORRUPT_MESSAGE is what Kafka answers for the other corrupt bytes of a batch (its CRC)
 * and what CorruptRecordException documents ("has failed its CRC checksum, exceeds the valid
 * size, … or is otherwise corrupt"); a bomb is refused as soon as its output passes the limit,
 * and a claim past it (an LZ4 or zstd content size, a snappy length) before anything is decoded.
 * Decompressing stops at the first refusal: a record that cannot be right, or output after
 * the last record.
 *
 * Pure: no I/O, no state kept between calls but each thread's reusable buffers. Any thread.
 */
import { ErrorCode } from '../errors.js';
import { Attr, BATCH_HEADER_BYTES, BATCH_OFFSETS, compressionOf } from './batch.js';
import { StreamError } from './compression/errors.js';
import { codecFor, streamDecoderFor } from './compression/index.js';
import { MAX_DECOMPRESSED_BYTES } from './compression/limits.js';
import { type ByteSink, type OutputWindow, threadWindow } from './compression/window.js';

export interface RecordChecks {
  /** cleanup.policy includes compact: every record needs a key. */
  compacted: boolean;
  /** The topic's message.timestamp.type. */
  timestampType: 'CreateTime' | 'LogAppendTime';
  nowMs: number;
  /** message.timestamp.before.max.ms; Kafka's Long.MAX_VALUE, held as 2 ** 63, means no bound. */
  timestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms, likewise. */
  timestampAfterMaxMs: number;
  /** Kafka's name of the partition, `<topic>-<partition>`, as its per-record messages give it. */
  topicPartition: string;
}

/** KIP-467: a record's index within its batch and why it was refused. */
export interface RecordError {
  batchIndex: number;
  message: string | null;
}

export interface BatchValidation {
  /** 0 when the batch is valid. */
  errorCode: number;
  /** What Kafka puts in the partition's errorMessage: set only with record errors, as there. */
  errorMessage?: string;
  /** Per-record errors, in batch order; the first MAX_RECORD_ERRORS of them. */
  recordErrors?: RecordError[];
  /** Why, in words, for logs: Kafka's exception message where it has one. Set on every refusal. */
  detail?: string;
}

const VALID: BatchValidation = Object.freeze({ errorCode: ErrorCode.NONE });

/**
 * The most record errors one answer lists: 4096. A batch of 1 MiB can hold ~150,000 records
 * (7 bytes each at the least), and each record error costs ~100 bytes of response; 4096 keeps
 * an answer under half a MiB. The records past it are refused all the same (the batch fails as a
 * whole); clients report them with their generic "invalid record in the same batch" error.
 */
export const MAX_RECORD_ERRORS = 4096;

/** Kafka's RecordBatch.NO_TIMESTAMP. */
const NO_TIMESTAMP = -1;
const LONG_MAX = 2n ** 63n - 1n;

/** Stops the walk with the batch's answer. Thrown by the walker through the decoders. */
class Refusal extends Error {
  constructor(
    readonly errorCode: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function invalid(detail: string): never {
  throw new Refusal(ErrorCode.INVALID_RECORD, detail);
}

const STRUCTURE = 'Found invalid record structure';
const VARINT_TOO_LONG = 'Varint is too long, the most significant bit in the 5th byte is set';
const VARLONG_TOO_LONG = 'Varlong is too long, most significant bit in the 10th byte is set';
const PREMATURE_EOF = 'Incorrect declared batch size, premature EOF reached';
const RECORDS_REMAINING = 'Incorrect declared batch size, records still remaining in file';

// Where the last varintAt / varlongAt ended.
let varEnd = 0;

/** The zigzag varint at buf[p] (Kafka's readVarint: 5 bytes at most), which must end by `e`. */
function varintAt(buf: Uint8Array, p: number, e: number): number {
  let raw = 0;
  for (let shift = 0; ; shift += 7) {
    if (p >= e) invalid(STRUCTURE);
    const b = buf[p++]!;
    if (shift === 28) {
      if (b & 0x80) invalid(VARINT_TOO_LONG);
      raw |= b << 28;
      break;
    }
    raw |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  varEnd = p;
  return (raw >>> 1) ^ -(raw & 1);
}

/** The zigzag varlong at buf[p] (10 bytes at most), exact to 2^53, which must end by `e`. */
function varlongAt(buf: Uint8Array, p: number, e: number): number {
  let raw = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (p >= e) invalid(STRUCTURE);
    const b = buf[p++]!;
    raw += (b & 0x7f) * scale;
    if (b < 0x80) break;
    if (i === 9) invalid(VARLONG_TOO_LONG);
    scale *= 128;
  }
  varEnd = p;
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}

// The slow path's states: the field of the record being read when a piece ends inside it.
const S_LENGTH = 0;
const S_ATTRIBUTES = 1;
const S_TIMESTAMP = 2;
const S_OFFSET = 3;
const S_KEY_LENGTH = 4;
const S_KEY = 5;
const S_VALUE_LENGTH = 6;
const S_VALUE = 7;
const S_HEADER_COUNT = 8;
const S_HEADER_KEY_LENGTH = 9;
const S_HEADER_KEY = 10;
const S_HEADER_VALUE_LENGTH = 11;
const S_HEADER_VALUE = 12;
/** The fields ended before the record's length: its remaining bytes, then the refusal. */
const S_UNREAD = 13;

/**
 * Reads the records of one batch from the pieces it is given (the whole records section of an
 * uncompressed batch, or a decompressor's output piece by piece), checks each, and throws a
 * Refusal at the first that cannot be right. A record inside one piece is read in one go
 * (`fastRecord`); one cut by the end of a piece field by field, byte by byte (`slow`).
 */
class RecordWalker implements ByteSink {
  // The batch.
  private count = 0;
  private baseOffset = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  private logAppendBatch = false;
  private compressed = false;
  private checks!: RecordChecks;
  private createTime = true;
  private keyless = '';
  // Progress.
  index = 0;
  /** Bytes of the pieces taken before the current one. */
  private taken = 0;
  /** Where the current piece starts, counted in bytes of the whole records section. */
  private pieceBase = 0;
  private errors: RecordError[] = [];
  private errorTotal = 0;
  private timestampErrors = false;
  // The record being read by the slow path.
  private state = S_LENGTH;
  private length = 0;
  /** Bytes of the record's body not yet read. */
  private left = 0;
  /** Bytes of the current key, value, header key or header value not yet skipped. */
  private skip = 0;
  private headersLeft = 0;
  private timestampDelta = 0;
  private offsetDelta = 0;
  private keyLength = 0;
  private valueLength = 0;
  // A varint or varlong being read by the slow path.
  private vBytes = 0;
  private vRaw = 0;
  private vScale = 1;

  reset(buf: Buffer, at: number, checks: RecordChecks, compressed: boolean): void {
    const O = BATCH_OFFSETS;
    this.count = buf.readInt32BE(at + O.recordCount);
    this.baseOffset = int64(buf, at + O.baseOffset);
    this.baseTimestamp = int64(buf, at + O.baseTimestamp);
    this.maxTimestamp = int64(buf, at + O.maxTimestamp);
    this.logAppendBatch = (buf.readInt16BE(at + O.attributes) & Attr.logAppendTime) !== 0;
    this.compressed = compressed;
    this.checks = checks;
    this.createTime = checks.timestampType === 'CreateTime';
    this.keyless = `Compacted topic cannot accept message without key in topic partition ${checks.topicPartition}`;
    this.index = 0;
    this.taken = 0;
    this.errors = [];
    this.errorTotal = 0;
    this.timestampErrors = false;
    this.state = S_LENGTH;
    this.vBytes = 0;
  }

  take(buf: Uint8Array, start: number, end: number): void {
    this.pieceBase = this.taken - start;
    this.taken += end - start;
    let p = start;
    while (p < end) {
      if (this.state === S_LENGTH && this.vBytes === 0) {
        if (this.index === this.count) invalid(RECORDS_REMAINING);
        const next = this.fastRecord(buf, p, end);
        if (next >= 0) {
          p = next;
          continue;
        }
      }
      p = this.slow(buf, p, end);
    }
  }

  /** The end of the data: the last record must be complete, and the count reached. */
  finish(): BatchValidation {
    if (this.state !== S_LENGTH || this.vBytes !== 0) {
      if (this.state === S_LENGTH || !this.compressed) invalid(PREMATURE_EOF);
      invalid(`Invalid record size: expected ${this.length} bytes in record payload, but the record payload reached EOF.`);
    }
    if (this.index < this.count) invalid(PREMATURE_EOF);
    if (this.errorTotal === 0) return VALID;
    const errors = this.errors;
    if (this.timestampErrors) {
      return {
        errorCode: ErrorCode.INVALID_TIMESTAMP,
        errorMessage: 'One or more records have been rejected due to invalid timestamp',
        recordErrors: errors,
        detail: `${this.errorTotal} records rejected, the first: ${errors[0]!.message}`,
      };
    }
    const shown = errors
      .slice(0, 3)
      .map((e) => `RecordError(batchIndex=${e.batchIndex}, message=${e.message === null ? 'null' : `'${e.message}'`})`)
      .join(', ');
    const message = `One or more records have been rejected due to ${this.errorTotal} record errors in total, and only showing the first three errors at most: [${shown}]`;
    return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: message, recordErrors: errors, detail: message };
  }

  /**
   * Reads the record at buf[p] when it lies wholly before `end`: returns where it ends, or -1
   * (having changed nothing) when it does not, for the slow path to take it.
   */
  private fastRecord(buf: Uint8Array, p: number, end: number): number {
    let length: number;
    let q: number;
    const b = buf[p]!;
    if (b < 0x80) {
      length = b & 1 ? -((b + 1) >>> 1) : b >>> 1;
      q = p + 1;
    } else {
      if (end - p < 5 && !terminatesBefore(buf, p, end)) return -1;
      length = varintAt(buf, p, end);
      q = varEnd;
    }
    if (length < 0) invalid(`Invalid record size: expected to read ${length} bytes in record payload`);
    if (length > end - q) {
      if (!this.compressed) {
        invalid(`Invalid record size: expected ${length} bytes in record payload, but instead the buffer has only ${end - q} remaining bytes.`);
      }
      this.fits(q, length);
      return -1;
    }
    const e = q + length;
    if (q >= e) invalid(STRUCTURE);
    q++; // attributes: unused in v2 records
    const timestampDelta = varlongAt(buf, q, e);
    const offsetDelta = varintAt(buf, varEnd, e);
    const keyLength = varintAt(buf, varEnd, e);
    q = varEnd;
    if (keyLength < -1) invalid(`Invalid negative key size ${keyLength}`);
    if (keyLength > e - q) invalid(STRUCTURE);
    if (keyLength > 0) q += keyLength;
    const valueLength = varintAt(buf, q, e);
    q = varEnd;
    if (valueLength < -1) invalid(`Invalid negative value size ${valueLength}`);
    if (valueLength > e - q) invalid(STRUCTURE);
    if (valueLength > 0) q += valueLength;
    const headers = varintAt(buf, q, e);
    q = varEnd;
    if (headers < 0) invalid(`Found invalid number of record headers ${headers}`);
    if (headers > e - q) invalid(`Found invalid number of record headers. ${headers} is larger than the remaining size of the buffer`);
    for (let h = 0; h < headers; h++) {
      const k = varintAt(buf, q, e);
      q = varEnd;
      if (k < 0) invalid(`Invalid negative header key size ${k}`);
      if (k > e - q) invalid(STRUCTURE);
      q += k;
      const v = varintAt(buf, q, e);
      q = varEnd;
      if (v < -1) invalid(`Invalid negative header value size ${v}`);
      if (v > e - q) invalid(STRUCTURE);
      if (v > 0) q += v;
    }
    if (q !== e) invalid(`Invalid record size: expected to read ${length} bytes in record payload, but instead read ${length - (e - q)}`);
    this.record(timestampDelta, offsetDelta, keyLength, valueLength);
    return e;
  }

  /**
   * Reads buf[p, end) field by field into the record cut by a piece's end; returns where it
   * stopped: at the end of the piece, or where that record ends, for the fast path to go on.
   */
  private slow(buf: Uint8Array, p: number, end: number): number {
    while (p < end) {
      switch (this.state) {
        case S_LENGTH: {
          if (this.vBytes === 0 && this.index === this.count) invalid(RECORDS_REMAINING);
          if (!this.varintByte(buf[p++]!)) break;
          const length = this.vRaw;
          if (length < 0) invalid(`Invalid record size: expected to read ${length} bytes in record payload`);
          if (length === 0) invalid(STRUCTURE);
          this.fits(p, length);
          this.length = length;
          this.left = length;
          this.state = S_ATTRIBUTES;
          break;
        }
        case S_ATTRIBUTES:
          this.body();
          p++;
          this.state = S_TIMESTAMP;
          break;
        case S_TIMESTAMP:
          this.body();
          if (!this.varlongByte(buf[p++]!)) break;
          this.timestampDelta = this.vRaw;
          this.state = S_OFFSET;
          break;
        case S_OFFSET:
          this.body();
          if (!this.varintByte(buf[p++]!)) break;
          this.offsetDelta = this.vRaw;
          this.state = S_KEY_LENGTH;
          break;
        case S_KEY_LENGTH: {
          this.body();
          if (!this.varintByte(buf[p++]!)) break;
          const n = this.vRaw;
          if (n < -1) invalid(`Invalid negative key size ${n}`);
          this.keyLength = n;
          this.skipping(n, S_KEY, S_VALUE_LENGTH);
          break;
        }
        case S_VALUE_LENGTH: {
          this.body();
          if (!this.varintByte(buf[p++]!)) break;
          const n = this.vRaw;
          if (n < -1) invalid(`Invalid negative value size ${n}`);
          this.valueLength = n;
          this.skipping(n, S_VALUE, S_HEADER_COUNT);
          break;
        }
        case S_HEADER_COUNT: {
          this.body();
          if (!this.varintByte(buf[p++]!)) break;
          const n = this.vRaw;
          if (n < 0) invalid(`Found invalid number of record headers ${n}`);
          if (n > this.left) invalid(`Found invalid number of record headers. ${n} is larger than the remaining size of the buffer`);
          this.headersLeft = n;
          if (n === 0) this.endRecord();
          else this.state = S_HEADER_KEY_LENGTH;
          break;
        }
        case S_HEADER_KEY_LENGTH: {
          this.body();
          if (!this.varintByte(buf[p++]!)) break;
          const n = this.vRaw;
          if (n < 0) invalid(`Invalid negative header key size ${n}`);
          this.skipping(n, S_HEADER_KEY, S_HEADER_VALUE_LENGTH);
          break;
        }
        case S_HEADER_VALUE_LENGTH: {
          this.body();
          if (!this.varintByte(buf[p++]!)) break;
          const n = this.vRaw;
          if (n < -1) invalid(`Invalid negative header value size ${n}`);
          if (n > this.left) invalid(STRUCTURE);
          if (n > 0) {
            this.skip = n;
            this.state = S_HEADER_VALUE;
          } else {
            this.nextHeader();
          }
          break;
        }
        case S_UNREAD: {
          const n = Math.min(this.skip, end - p);
          p += n;
          this.skip -= n;
          if (this.skip === 0) this.unread();
          break;
        }
        default: {
          // S_KEY, S_VALUE, S_HEADER_KEY, S_HEADER_VALUE: bytes to pass over.
          const n = Math.min(this.skip, end - p);
          p += n;
          this.skip -= n;
          this.left -= n;
          if (this.skip > 0) break;
          if (this.state === S_KEY) this.state = S_VALUE_LENGTH;
          else if (this.state === S_VALUE) this.state = S_HEADER_COUNT;
          else if (this.state === S_HEADER_KEY) this.state = S_HEADER_VALUE_LENGTH;
          else this.nextHeader();
          break;
        }
      }
      // The record is complete: the next one may lie whole in the piece.
      if (this.state === S_LENGTH && this.vBytes === 0) return p;
    }
    return p;
  }

  /**
   * A record whose body starts at p of the current piece and claims `length` bytes must end
   * within what a batch may inflate to: one that cannot is refused now, not after inflating it.
   */
  private fits(p: number, length: number): void {
    const end = this.pieceBase + p + length;
    if (end > MAX_DECOMPRESSED_BYTES) {
      throw new Refusal(ErrorCode.CORRUPT_MESSAGE, `record ${this.index} of ${length} bytes would end past the ${MAX_DECOMPRESSED_BYTES} bytes a batch may decompress to`);
    }
  }

  /** One byte of the record's body is about to be read. */
  private body(): void {
    if (this.left === 0) invalid(STRUCTURE);
    this.left--;
  }

  /** Passes over n bytes (none for -1, null) in state `skipState`, then goes to `next`. */
  private skipping(n: number, skipState: number, next: number): void {
    if (n > this.left) invalid(STRUCTURE);
    if (n > 0) {
      this.skip = n;
      this.state = skipState;
    } else {
      this.skip = 0;
      this.state = next;
    }
  }

  private nextHeader(): void {
    if (--this.headersLeft > 0) this.state = S_HEADER_KEY_LENGTH;
    else this.endRecord();
  }

  private endRecord(): void {
    if (this.left !== 0) {
      // As Kafka, which reads a compressed record's length of bytes before its fields: running
      // out of data first is the error, if it happens.
      if (this.compressed) {
        this.skip = this.left;
        this.state = S_UNREAD;
        return;
      }
      this.unread();
    }
    this.state = S_LENGTH;
    this.record(this.timestampDelta, this.offsetDelta, this.keyLength, this.valueLength);
  }

  private unread(): never {
    invalid(`Invalid record size: expected to read ${this.length} bytes in record payload, but instead read ${this.length - this.left}`);
  }

  /** Adds a byte to the varint being read; true when it is complete (its value in vRaw). */
  private varintByte(b: number): boolean {
    const shift = 7 * this.vBytes;
    if (shift === 28) {
      if (b & 0x80) invalid(VARINT_TOO_LONG);
      this.vRaw |= b << 28;
    } else {
      this.vRaw = this.vBytes === 0 ? b & 0x7f : this.vRaw | ((b & 0x7f) << shift);
      if (b & 0x80) {
        this.vBytes++;
        return false;
      }
    }
    const raw = this.vRaw;
    this.vRaw = (raw >>> 1) ^ -(raw & 1);
    this.vBytes = 0;
    return true;
  }

  /** Adds a byte to the varlong being read; true when it is complete (its value in vRaw). */
  private varlongByte(b: number): boolean {
    if (this.vBytes === 0) {
      this.vRaw = 0;
      this.vScale = 1;
    }
    this.vRaw += (b & 0x7f) * this.vScale;
    if (b & 0x80) {
      if (this.vBytes === 9) invalid(VARLONG_TOO_LONG);
      this.vBytes++;
      this.vScale *= 128;
      return false;
    }
    const raw = this.vRaw;
    this.vRaw = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    this.vBytes = 0;
    return true;
  }

  /** The checks of one complete record, in Kafka's order: key, then timestamp; then its offset delta. */
  private record(timestampDelta: number, offsetDelta: number, keyLength: number, valueLength: number): void {
    const i = this.index++;
    const c = this.checks;
    let message: string | undefined;
    let timestampError = false;
    if (c.compacted && keyLength < 0) {
      message = this.keyless;
    } else {
      const timestamp = this.logAppendBatch ? this.maxTimestamp : this.baseTimestamp + timestampDelta;
      if (this.createTime && timestamp !== NO_TIMESTAMP) {
        const diff = c.nowMs - timestamp;
        if (diff > c.timestampBeforeMaxMs || -diff > c.timestampAfterMaxMs) {
          const from = javaLong(BigInt(c.nowMs) - javaLongOf(c.timestampBeforeMaxMs));
          const to = javaLong(BigInt(c.nowMs) + javaLongOf(c.timestampAfterMaxMs));
          message =
            `Timestamp ${longText(timestamp)} of message with offset ${longText(this.baseOffset + offsetDelta)} is out of range. ` +
            `The timestamp should be within [${from}, ${to}]`;
          timestampError = true;
        }
      } else if (this.logAppendBatch) {
        const kind = this.compressed ? 'PartialDefaultRecord' : 'DefaultRecord';
        // DefaultRecord prints a null key or value as 0 bytes, PartialDefaultRecord as -1.
        const k = this.compressed ? keyLength : Math.max(0, keyLength);
        const v = this.compressed ? valueLength : Math.max(0, valueLength);
        const record = `${kind}(offset=${longText(this.baseOffset + offsetDelta)}, timestamp=${longText(timestamp)}, key=${k} bytes, value=${v} bytes)`;
        message = `Invalid timestamp type in message ${record}. Producer should not set timestamp type to LogAppendTime.`;
        timestampError = true;
      }
    }
    if (message === undefined && offsetDelta !== i) {
      message = `Record ${i} of the batch has offset delta ${offsetDelta}: the records of a batch must have offset deltas 0 to ${this.count - 1} in order, in topic partition ${c.topicPartition}`;
    }
    if (message === undefined) return;
    this.errorTotal++;
    if (timestampError) this.timestampErrors = true;
    if (this.errors.length < MAX_RECORD_ERRORS) this.errors.push({ batchIndex: i, message });
  }
}

/** Whether the varint at buf[p] ends before `end`. */
function terminatesBefore(buf: Uint8Array, p: number, end: number): boolean {
  for (let i = p; i < end; i++) if (buf[i]! < 0x80) return true;
  return false;
}

const TWO_32 = 4294967296;

function int64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

/** A bound as Java holds it: 2 ** 63 and above is Long.MAX_VALUE. */
function javaLongOf(v: number): bigint {
  return v >= 2 ** 63 ? LONG_MAX : BigInt(Math.trunc(v));
}

/** Java's long arithmetic wraps. */
function javaLong(v: bigint): string {
  return BigInt.asIntN(64, v).toString();
}

function longText(v: number): string {
  return Number.isSafeInteger(v) ? String(v) : BigInt(Math.trunc(v)).toString();
}

let walker: RecordWalker | undefined;

/** Hands each piece to the walker, then, once the walker has found nothing wrong in it, to `also`. */
class Tee implements ByteSink {
  constructor(
    private readonly first: ByteSink,
    private readonly also: ByteSink,
  ) {}

  take(buf: Uint8Array, start: number, end: number): void {
    this.first.take(buf, start, end);
    this.also.take(buf, start, end);
  }
}

/**
 * Validates the records of the batch buf[at, at + size), which checkWireBatch has accepted, by
 * reading them (inflating them first when compressed) against `checks`. Never modifies the
 * bytes. Returns errorCode 0 when every record is valid; otherwise the code, detail and, for
 * per-record errors, Kafka's message and the record errors.
 */
export function validateBatchRecords(buf: Buffer, at: number, size: number, checks: RecordChecks): BatchValidation {
  return validateBatchRecordsInto(buf, at, size, checks, undefined);
}

/**
 * validateBatchRecords that also hands the batch's records section, decompressed, to `also`,
 * piece by piece, each piece after the records in it were found well formed (recompress.ts
 * compresses them again as they come). Whatever `also` throws passes through unchanged.
 */
export function validateBatchRecordsInto(buf: Buffer, at: number, size: number, checks: RecordChecks, also: ByteSink | undefined): BatchValidation {
  const w = (walker ??= new RecordWalker());
  const codec = compressionOf(buf.readInt16BE(at + BATCH_OFFSETS.attributes));
  const start = at + BATCH_HEADER_BYTES;
  const end = at + size;
  const inflate = streamDecoderFor(codec);
  if (codec !== 0 && !inflate) throw new RangeError(`compression ${codec}: checkWireBatch lets only known codecs through`);
  w.reset(buf, at, checks, codec !== 0);
  const sink: ByteSink = also ? new Tee(w, also) : w;
  let window: OutputWindow | undefined;
  try {
    if (!inflate) sink.take(buf, start, end);
    else {
      window = threadWindow();
      window.open(codecFor(codec)!.name, sink);
      inflate(buf, start, end, window);
      window.flush();
    }
    return w.finish();
  } catch (e) {
    if (e instanceof Refusal) return { errorCode: e.errorCode, detail: e.detail };
    if (e instanceof StreamError) return { errorCode: ErrorCode.CORRUPT_MESSAGE, detail: e.message };
    throw e;
  } finally {
    window?.close();
  }
}
