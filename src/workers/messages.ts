/**
 * Every message that crosses between the main thread and a partition worker, each declared
 * once: its layout, its encoder and its decoder side by side, used by both ends.
 *
 * Data plane, on the SharedArrayBuffer rings (ring.ts), little-endian, one record per message:
 *
 *   command (main → worker)                         reply (worker → main)
 *   ┌────┬───┬───────────┬──────┐                  ┌────┬───┬───────────┬───────────┐
 *   │ op │ 0 │ requestId │ slot │ + body           │ op │ 0 │ requestId │ errorCode │ + body
 *   │ u8 │u8 │ u32 @4    │u32 @8│   @12            │ u8 │u8 │ u32 @4    │ i32 @8    │   @12
 *   └────┴───┴───────────┴──────┘                  └────┴───┴───────────┴───────────┘
 *
 * Bodies (offsets from the start of the body; f64 offsets are exact below 2^53, like every
 * offset in Spindle; `str` is a u16 byte length, 0xffff for null, then UTF-8):
 *
 *   AppendCommand      records: every byte to the end, the batches as received
 *   CoordinatorAppendCommand  the same, written by one of the broker's coordinators: sequence
 *                      numbers are not checked (Kafka's AppendOrigin.COORDINATOR)
 *   AppendReply        baseOffset f64 @0, lastOffset f64 @8, logAppendTimeMs f64 @16,
 *                      logStartOffset f64 @24, logEndOffset f64 @32, recordCount u32 @40,
 *                      duplicate u8 @44; then only when errorCode ≠ 0: errorMessage str,
 *                      recordErrors u16 count, each batchIndex u32 + message str
 *   MarkerCommand      producerId f64 @0, producerEpoch i16 @8, coordinatorEpoch i32 @10,
 *                      commit u8 @14 (a transaction marker; answered with an AppendReply)
 *   ReadCommand        offset f64 @0, maxBytes u32 @8, isolation u8 @12 (FetchIsolation: 0 high
 *                      watermark, 1 last stable offset, 2 log end)
 *   ReadReply          highWatermark f64 @0, lastStableOffset f64 @8, logStartOffset f64 @16,
 *                      logEndOffset f64 @24, hasSlice u8 @32; with a slice: position f64 @33,
 *                      length u32 @41, inode f64 @45, path str @53; then aborted u32 (0xffffffff:
 *                      none, a read_uncommitted read), each producerId f64 + firstOffset f64
 *                      (at most MAX_ABORTED_TXNS_PER_READ); when errorCode ≠ 0: errorMessage str
 *   ListOffsetCommand  timestamp f64 @0, readCommitted u8 @8
 *   ListOffsetReply    offset f64 @0, timestamp f64 @8; when errorCode ≠ 0: errorMessage str
 *   DeleteRecordsCommand  offset f64 @0
 *   DeleteRecordsReply lowWatermark f64 @0; when errorCode ≠ 0: errorMessage str
 *   ReplicaAppendCommand  records, as AppendCommand: a follower's copy of the leader's batches,
 *                      offsets kept (answered with an AppendReply)
 *   ReplicaCommand     kind u8 @0 (ReplicaOp), value f64 @1: cluster mode's changes to a
 *                      replica's log, ordered with its appends and reads
 *   ReplicaReply       logStartOffset f64 @0, logEndOffset f64 @8, highWatermark f64 @16,
 *                      epoch f64 @24, endOffset f64 @32; when errorCode ≠ 0: errorMessage str
 *
 * The replies are the storage engine's own result types (core/partition-log.ts), so the same
 * shape comes back whether the log lives on a worker or on the main thread. Error details are
 * bounded: MAX_ERROR_MESSAGE_BYTES per string and MAX_RECORD_ERRORS entries, so every reply
 * fits the reply ring whatever a batch held.
 *
 * Control plane, on postMessage (rare, and structured data is convenient there):
 * ControlMessage to the worker, ControlReply back, WorkerEvent unasked (log lines, faults, files
 * removed). DescribeProducers travels here ('producers'): it is an admin request, rare, and its
 * answer grows with the number of producers, which a ring record of bounded size would have
 * to cap. It is not ordered with the ring's commands, which it needs not be: an append
 * acknowledged before it was asked is already in the state it reads. So does 'stats'.
 *
 * Worker counters, in shared memory (WorkerData.stats), for metrics that must be readable even
 * while the worker is too busy to answer a control message: one BigInt64 slot per counter,
 * written by the worker with Atomics.store, read by the main thread with Atomics.load.
 *
 *   slot 0  busyMicros   time spent draining, appending, flushing, answering and in upkeep
 *
 * Any thread.
 */
import type { FaultRule } from '../core/fs.js';
import type { LogLevel } from '../core/logger.js';
import type { LogConfig } from '../core/log-config.js';
import {
  type AppendResult,
  type DeleteRecordsResult,
  type ListOffsetResult,
  type ReadResult,
  type RecordError,
  failedAppend,
  failedDeleteRecords,
  failedListOffset,
  failedRead,
  failedReplica,
  type FetchIsolation,
  MAX_ABORTED_TXNS_PER_READ,
  type ReplicaResult,
  type TxnMarker,
} from '../core/partition-log.js';
import type { ActiveProducer } from '../core/producer-state.js';
import type { LogHostOptions, OpenPartition, PartitionSummary } from './log-host.js';

export type { ActiveProducer };

export const Op = Object.freeze({ Append: 1, Read: 2, ListOffset: 3, DeleteRecords: 4, Marker: 5, CoordinatorAppend: 6, ReplicaAppend: 7, Replica: 8 } as const);
export type Op = (typeof Op)[keyof typeof Op];

export const COMMAND_HEADER_BYTES = 12;
export const REPLY_HEADER_BYTES = 12;
/** Longest error message a reply carries, in UTF-8 bytes; longer ones are cut (messages are for people). */
export const MAX_ERROR_MESSAGE_BYTES = 1024;
/** Most per-record errors a reply carries (KIP-467 lists them; the partition's message gives the total). */
export const MAX_RECORD_ERRORS = 128;
/**
 * The largest reply: the fixed part, two messages per record error and one more, and a path.
 * A read's aborted transactions (16 bytes each, at most MAX_ABORTED_TXNS_PER_READ) fit in it too.
 */
export const MAX_REPLY_BYTES = REPLY_HEADER_BYTES + 64 + (MAX_RECORD_ERRORS * 2 + 2) * (MAX_ERROR_MESSAGE_BYTES + 8);
if (REPLY_HEADER_BYTES + 64 + 2 * (MAX_ERROR_MESSAGE_BYTES + 2) + 4 + 16 * MAX_ABORTED_TXNS_PER_READ > MAX_REPLY_BYTES) throw new Error('a read reply may not fit MAX_REPLY_BYTES');

export interface CommandHeader {
  op: Op;
  requestId: number;
  slot: number;
}

export function writeCommandHeader(b: Buffer, op: Op, requestId: number, slot: number): void {
  b[0] = op;
  b[1] = 0;
  b.writeUInt16LE(0, 2);
  b.writeUInt32LE(requestId, 4);
  b.writeUInt32LE(slot, 8);
}

export function readCommandHeader(b: Buffer): CommandHeader {
  return { op: b[0] as Op, requestId: b.readUInt32LE(4), slot: b.readUInt32LE(8) };
}

export function writeReplyHeader(b: Buffer, op: Op, requestId: number, errorCode: number): void {
  b[0] = op;
  b[1] = 0;
  b.writeUInt16LE(0, 2);
  b.writeUInt32LE(requestId, 4);
  b.writeInt32LE(errorCode, 8);
}

export function replyRequestId(b: Buffer): number {
  return b.readUInt32LE(4);
}

/** One ring message body: bytes it takes, how it is written at `at`, and read back from [at, end). */
export interface RingMessage<T> {
  readonly name: string;
  readonly op: Op;
  bodyBytes(value: T): number;
  encode(b: Buffer, at: number, value: T): void;
  decode(b: Buffer, at: number, end: number): T;
}

/** A reply body: the error code travels in the reply header. */
export interface RingReply<T extends { errorCode: number }> {
  readonly name: string;
  readonly op: Op;
  /** The answer when the worker cannot give one (it died, or is being restarted). */
  failed(errorCode: number, errorMessage?: string): T;
  bodyBytes(value: T): number;
  encode(b: Buffer, at: number, value: T): void;
  decode(b: Buffer, at: number, end: number, errorCode: number): T;
}

// ─────────────────────────────── strings ───────────────────────────────

const NULL_STRING = 0xffff;

/** The UTF-8 of `s` cut to `max` bytes (at a character boundary), or null. */
function utf8(s: string | null | undefined, max = MAX_ERROR_MESSAGE_BYTES): Buffer | null {
  if (s === null || s === undefined) return null;
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

function strBytes(b: Buffer | null): number {
  return 2 + (b?.length ?? 0);
}

function writeStr(out: Buffer, at: number, b: Buffer | null): number {
  if (b === null) {
    out.writeUInt16LE(NULL_STRING, at);
    return at + 2;
  }
  out.writeUInt16LE(b.length, at);
  b.copy(out, at + 2);
  return at + 2 + b.length;
}

function readStr(b: Buffer, at: number, end: number): { value: string | null; next: number } {
  if (at + 2 > end) throw new RangeError('ring message ends inside a string length');
  const n = b.readUInt16LE(at);
  if (n === NULL_STRING) return { value: null, next: at + 2 };
  if (at + 2 + n > end) throw new RangeError('ring message ends inside a string');
  return { value: b.toString('utf8', at + 2, at + 2 + n), next: at + 2 + n };
}

// ─────────────────────────────── commands ───────────────────────────────

export interface AppendCommandBody {
  records: Buffer;
}

export const AppendCommand: RingMessage<AppendCommandBody> = {
  name: 'AppendCommand',
  op: Op.Append,
  bodyBytes: (v) => v.records.length,
  encode: (b, at, v) => void v.records.copy(b, at),
  // A view of the ring: appended (offsets patched) straight from shared memory.
  decode: (b, at, end) => ({ records: b.subarray(at, end) }),
};

export const CoordinatorAppendCommand: RingMessage<AppendCommandBody> = { ...AppendCommand, name: 'CoordinatorAppendCommand', op: Op.CoordinatorAppend };
export const ReplicaAppendCommand: RingMessage<AppendCommandBody> = { ...AppendCommand, name: 'ReplicaAppendCommand', op: Op.ReplicaAppend };

/**
 * What ReplicaCommand asks of a replica's log (cluster mode), with its one number:
 *   HighWatermark    set the high watermark to `value`
 *   TruncateTo       cut the log to end before `value`
 *   TruncateFully    empty the log and start it at `value`
 *   EpochEndOffset   where leader epoch `value` ends (OffsetForLeaderEpoch)
 *   BeginLeaderEpoch lead in epoch `value` from the log end
 *   Describe         nothing: answers the offsets and the latest epoch
 */
export const ReplicaOp = Object.freeze({ HighWatermark: 1, TruncateTo: 2, TruncateFully: 3, EpochEndOffset: 4, BeginLeaderEpoch: 5, Describe: 6 } as const);
export type ReplicaOp = (typeof ReplicaOp)[keyof typeof ReplicaOp];

export interface ReplicaCommandBody {
  kind: ReplicaOp;
  value: number;
}

export const ReplicaCommand: RingMessage<ReplicaCommandBody> = {
  name: 'ReplicaCommand',
  op: Op.Replica,
  bodyBytes: () => 9,
  encode: (b, at, v) => {
    b[at] = v.kind;
    b.writeDoubleLE(v.value, at + 1);
  },
  decode: (b, at) => ({ kind: b[at] as ReplicaOp, value: b.readDoubleLE(at + 1) }),
};

export const MarkerCommand: RingMessage<TxnMarker> = {
  name: 'MarkerCommand',
  op: Op.Marker,
  bodyBytes: () => 15,
  encode: (b, at, v) => {
    b.writeDoubleLE(v.producerId, at);
    b.writeInt16LE(v.producerEpoch, at + 8);
    b.writeInt32LE(v.coordinatorEpoch, at + 10);
    b[at + 14] = v.commit ? 1 : 0;
  },
  decode: (b, at) => ({ producerId: b.readDoubleLE(at), producerEpoch: b.readInt16LE(at + 8), coordinatorEpoch: b.readInt32LE(at + 10), commit: b[at + 14] === 1 }),
};

export interface ReadCommandBody {
  offset: number;
  maxBytes: number;
  isolation: FetchIsolation;
}

export const ReadCommand: RingMessage<ReadCommandBody> = {
  name: 'ReadCommand',
  op: Op.Read,
  bodyBytes: () => 13,
  encode: (b, at, v) => {
    b.writeDoubleLE(v.offset, at);
    b.writeUInt32LE(Math.max(0, Math.min(v.maxBytes, 0xffffffff)), at + 8);
    b[at + 12] = v.isolation;
  },
  decode: (b, at) => ({ offset: b.readDoubleLE(at), maxBytes: b.readUInt32LE(at + 8), isolation: b[at + 12] as FetchIsolation }),
};

export interface ListOffsetCommandBody {
  timestamp: number;
  readCommitted: boolean;
}

export const ListOffsetCommand: RingMessage<ListOffsetCommandBody> = {
  name: 'ListOffsetCommand',
  op: Op.ListOffset,
  bodyBytes: () => 9,
  encode: (b, at, v) => {
    b.writeDoubleLE(v.timestamp, at);
    b[at + 8] = v.readCommitted ? 1 : 0;
  },
  decode: (b, at) => ({ timestamp: b.readDoubleLE(at), readCommitted: b[at + 8] === 1 }),
};

export interface DeleteRecordsCommandBody {
  offset: number;
}

export const DeleteRecordsCommand: RingMessage<DeleteRecordsCommandBody> = {
  name: 'DeleteRecordsCommand',
  op: Op.DeleteRecords,
  bodyBytes: () => 8,
  encode: (b, at, v) => void b.writeDoubleLE(v.offset, at),
  decode: (b, at) => ({ offset: b.readDoubleLE(at) }),
};

// ─────────────────────────────── replies ───────────────────────────────

/** The error details of a failed reply, encoded once for both the size and the write. */
function errorDetails(errorCode: number, message: string | undefined, recordErrors?: readonly RecordError[]): { message: Buffer | null; records: { batchIndex: number; message: Buffer | null }[] } | undefined {
  if (errorCode === 0) return undefined;
  return {
    message: utf8(message ?? null),
    records: (recordErrors ?? []).slice(0, MAX_RECORD_ERRORS).map((r) => ({ batchIndex: r.batchIndex, message: utf8(r.message) })),
  };
}

const APPEND_FIXED_BYTES = 45;

export const AppendReply: RingReply<AppendResult> = {
  name: 'AppendReply',
  op: Op.Append,
  failed: failedAppend,
  bodyBytes: (v) => {
    // Errors only: the details are encoded here and again in encode(), a cost of the rare path.
    const d = errorDetails(v.errorCode, v.errorMessage, v.recordErrors);
    if (!d) return APPEND_FIXED_BYTES;
    return APPEND_FIXED_BYTES + strBytes(d.message) + 2 + d.records.reduce((n, r) => n + 4 + strBytes(r.message), 0);
  },
  encode: (b, at, v) => {
    b.writeDoubleLE(v.baseOffset, at);
    b.writeDoubleLE(v.lastOffset, at + 8);
    b.writeDoubleLE(v.logAppendTimeMs, at + 16);
    b.writeDoubleLE(v.logStartOffset, at + 24);
    b.writeDoubleLE(v.logEndOffset, at + 32);
    b.writeUInt32LE(v.recordCount, at + 40);
    b[at + 44] = v.duplicate ? 1 : 0;
    const d = errorDetails(v.errorCode, v.errorMessage, v.recordErrors);
    if (!d) return;
    let p = writeStr(b, at + APPEND_FIXED_BYTES, d.message);
    b.writeUInt16LE(d.records.length, p);
    p += 2;
    for (const r of d.records) {
      b.writeUInt32LE(r.batchIndex, p);
      p = writeStr(b, p + 4, r.message);
    }
  },
  decode: (b, at, end, errorCode) => {
    const v: AppendResult = {
      errorCode,
      baseOffset: b.readDoubleLE(at),
      lastOffset: b.readDoubleLE(at + 8),
      logAppendTimeMs: b.readDoubleLE(at + 16),
      logStartOffset: b.readDoubleLE(at + 24),
      logEndOffset: b.readDoubleLE(at + 32),
      recordCount: b.readUInt32LE(at + 40),
    };
    if (b[at + 44] === 1) v.duplicate = true;
    if (errorCode === 0) return v;
    const message = readStr(b, at + APPEND_FIXED_BYTES, end);
    if (message.value !== null) v.errorMessage = message.value;
    let p = message.next;
    const count = b.readUInt16LE(p);
    p += 2;
    if (count > 0) {
      v.recordErrors = [];
      for (let i = 0; i < count; i++) {
        const batchIndex = b.readUInt32LE(p);
        const m = readStr(b, p + 4, end);
        v.recordErrors.push({ batchIndex, message: m.value });
        p = m.next;
      }
    }
    return v;
  },
};

/** A marker is answered as an append is. */
export const MarkerReply: RingReply<AppendResult> = { ...AppendReply, name: 'MarkerReply', op: Op.Marker };
export const CoordinatorAppendReply: RingReply<AppendResult> = { ...AppendReply, name: 'CoordinatorAppendReply', op: Op.CoordinatorAppend };
export const ReplicaAppendReply: RingReply<AppendResult> = { ...AppendReply, name: 'ReplicaAppendReply', op: Op.ReplicaAppend };

export const ReplicaReply: RingReply<ReplicaResult> = {
  name: 'ReplicaReply',
  op: Op.Replica,
  failed: failedReplica,
  bodyBytes: (v) => 40 + (v.errorCode !== 0 ? strBytes(utf8(v.errorMessage)) : 0),
  encode: (b, at, v) => {
    b.writeDoubleLE(v.logStartOffset, at);
    b.writeDoubleLE(v.logEndOffset, at + 8);
    b.writeDoubleLE(v.highWatermark, at + 16);
    b.writeDoubleLE(v.epoch, at + 24);
    b.writeDoubleLE(v.endOffset, at + 32);
    if (v.errorCode !== 0) writeStr(b, at + 40, utf8(v.errorMessage));
  },
  decode: (b, at, end, errorCode) => {
    const v: ReplicaResult = {
      errorCode,
      logStartOffset: b.readDoubleLE(at),
      logEndOffset: b.readDoubleLE(at + 8),
      highWatermark: b.readDoubleLE(at + 16),
      epoch: b.readDoubleLE(at + 24),
      endOffset: b.readDoubleLE(at + 32),
    };
    if (errorCode !== 0) {
      const m = readStr(b, at + 40, end).value;
      if (m !== null) v.errorMessage = m;
    }
    return v;
  },
};

const READ_FIXED_BYTES = 33;
/** The aborted count of a read_uncommitted read, which has no list. */
const NO_ABORTED_LIST = 0xffffffff;

export const ReadReply: RingReply<ReadResult> = {
  name: 'ReadReply',
  op: Op.Read,
  failed: failedRead,
  bodyBytes: (v) =>
    READ_FIXED_BYTES + (v.slice ? 22 + Buffer.byteLength(v.slice.path) : 0) + 4 + 16 * (v.abortedTransactions?.length ?? 0) + (v.errorCode !== 0 ? strBytes(utf8(v.errorMessage)) : 0),
  encode: (b, at, v) => {
    b.writeDoubleLE(v.highWatermark, at);
    b.writeDoubleLE(v.lastStableOffset, at + 8);
    b.writeDoubleLE(v.logStartOffset, at + 16);
    b.writeDoubleLE(v.logEndOffset, at + 24);
    let p = at + READ_FIXED_BYTES;
    b[at + 32] = v.slice ? 1 : 0;
    if (v.slice) {
      b.writeDoubleLE(v.slice.position, p);
      b.writeUInt32LE(v.slice.length, p + 8);
      b.writeDoubleLE(v.slice.inode, p + 12);
      // Paths are short (a log dir, a partition directory, a segment name): well under 64 KiB.
      const n = b.write(v.slice.path, p + 22, 'utf8');
      b.writeUInt16LE(n, p + 20);
      p += 22 + n;
    }
    const aborted = v.abortedTransactions;
    b.writeUInt32LE(aborted ? aborted.length : NO_ABORTED_LIST, p);
    p += 4;
    if (aborted) {
      for (const a of aborted) {
        b.writeDoubleLE(a.producerId, p);
        b.writeDoubleLE(a.firstOffset, p + 8);
        p += 16;
      }
    }
    if (v.errorCode !== 0) writeStr(b, p, utf8(v.errorMessage));
  },
  decode: (b, at, end, errorCode) => {
    const v: ReadResult = {
      errorCode,
      highWatermark: b.readDoubleLE(at),
      lastStableOffset: b.readDoubleLE(at + 8),
      logStartOffset: b.readDoubleLE(at + 16),
      logEndOffset: b.readDoubleLE(at + 24),
    };
    let p = at + READ_FIXED_BYTES;
    if (b[at + 32] === 1) {
      const path = readStr(b, p + 20, end);
      v.slice = { position: b.readDoubleLE(p), length: b.readUInt32LE(p + 8), inode: b.readDoubleLE(p + 12), path: path.value ?? '' };
      p = path.next;
    }
    if (p + 4 > end) throw new RangeError('read reply ends before its aborted transactions');
    const count = b.readUInt32LE(p);
    p += 4;
    if (count !== NO_ABORTED_LIST) {
      if (count > MAX_ABORTED_TXNS_PER_READ || p + count * 16 > end) throw new RangeError('read reply has a bad aborted transaction count');
      v.abortedTransactions = [];
      for (let i = 0; i < count; i++, p += 16) v.abortedTransactions.push({ producerId: b.readDoubleLE(p), firstOffset: b.readDoubleLE(p + 8) });
    }
    if (errorCode !== 0) {
      const m = readStr(b, p, end).value;
      if (m !== null) v.errorMessage = m;
    }
    return v;
  },
};

export const ListOffsetReply: RingReply<ListOffsetResult> = {
  name: 'ListOffsetReply',
  op: Op.ListOffset,
  failed: failedListOffset,
  bodyBytes: (v) => 16 + (v.errorCode !== 0 ? strBytes(utf8(v.errorMessage)) : 0),
  encode: (b, at, v) => {
    b.writeDoubleLE(v.offset, at);
    b.writeDoubleLE(v.timestamp, at + 8);
    if (v.errorCode !== 0) writeStr(b, at + 16, utf8(v.errorMessage));
  },
  decode: (b, at, end, errorCode) => {
    const v: ListOffsetResult = { errorCode, offset: b.readDoubleLE(at), timestamp: b.readDoubleLE(at + 8) };
    if (errorCode !== 0) {
      const m = readStr(b, at + 16, end).value;
      if (m !== null) v.errorMessage = m;
    }
    return v;
  },
};

export const DeleteRecordsReply: RingReply<DeleteRecordsResult> = {
  name: 'DeleteRecordsReply',
  op: Op.DeleteRecords,
  failed: failedDeleteRecords,
  bodyBytes: (v) => 8 + (v.errorCode !== 0 ? strBytes(utf8(v.errorMessage)) : 0),
  encode: (b, at, v) => {
    b.writeDoubleLE(v.lowWatermark, at);
    if (v.errorCode !== 0) writeStr(b, at + 8, utf8(v.errorMessage));
  },
  decode: (b, at, end, errorCode) => {
    const v: DeleteRecordsResult = { errorCode, lowWatermark: b.readDoubleLE(at) };
    if (errorCode !== 0) {
      const m = readStr(b, at + 8, end).value;
      if (m !== null) v.errorMessage = m;
    }
    return v;
  },
};

/** Encodes a whole command (header and body) into `b`, which holds COMMAND_HEADER_BYTES + bodyBytes. */
export function encodeCommand<T>(m: RingMessage<T>, b: Buffer, requestId: number, slot: number, value: T, bodyBytes = m.bodyBytes(value)): number {
  writeCommandHeader(b, m.op, requestId, slot);
  m.encode(b, COMMAND_HEADER_BYTES, value);
  return COMMAND_HEADER_BYTES + bodyBytes;
}

/** A whole reply in a new buffer: the worker builds them as it goes and writes them to the ring after the group's flush. */
export function encodeReply<T extends { errorCode: number }>(m: RingReply<T>, requestId: number, value: T): Buffer {
  const b = Buffer.allocUnsafe(REPLY_HEADER_BYTES + m.bodyBytes(value));
  writeReplyHeader(b, m.op, requestId, value.errorCode);
  m.encode(b, REPLY_HEADER_BYTES, value);
  return b;
}

export function decodeReply<T extends { errorCode: number }>(m: RingReply<T>, b: Buffer): T {
  return m.decode(b, REPLY_HEADER_BYTES, b.length, b.readInt32LE(8));
}

// ─────────────────────────────── control plane ───────────────────────────────

/** One log's size and offsets, for /metrics and the console. */
export interface LogStats {
  slot: number;
  sizeBytes: number;
  segmentCount: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface DescribeProducersResult {
  errorCode: number;
  producers: ActiveProducer[];
}

/** Slots of WorkerData.stats (BigInt64, Atomics). */
export const WorkerStatsSlot = Object.freeze({ busyMicros: 0 } as const);
export const WORKER_STATS_BYTES = 8 * 1;

export type ControlMessage =
  | { type: 'open'; id: number; partition: OpenPartition }
  | { type: 'close'; id: number; slot: number; remove: boolean }
  | { type: 'config'; id: number; slot: number; config: LogConfig }
  | { type: 'producers'; id: number; slot: number }
  | { type: 'stats'; id: number }
  /** Every log in the directory answers KAFKA_STORAGE_ERROR for writes from now on. */
  | { type: 'dir-offline'; id: number; logDir: string; reason: string }
  /** Answers 'done' once a probe file could be written and synced in the directory, 'error' while it cannot. */
  | { type: 'probe-dir'; id: number; logDir: string }
  /** The directory is writable again: reopen (recover) its logs and serve them. */
  | { type: 'recover-dir'; id: number; logDir: string }
  /** Fault rules for this worker's file system seam (core/fs.ts); an empty list heals it. */
  | { type: 'faults'; id: number; rules: FaultRule[] }
  | { type: 'shutdown'; id: number };

export type ControlReply =
  | { type: 'opened'; id: number; summary: PartitionSummary }
  | ({ type: 'producers'; id: number } & DescribeProducersResult)
  | { type: 'stats'; id: number; logs: LogStats[] }
  | { type: 'recovered'; id: number; summaries: PartitionSummary[] }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string; code?: string };

/** What a worker reports unasked (no id). */
export type WorkerEvent =
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'dir-failed'; logDir: string; code: string; message: string; partition: string }
  | { type: 'files-removed'; paths: string[] }
  | { type: 'uncleanable'; slot: number; reason: string };

export interface WorkerData {
  /** Commands, main → worker. */
  commands: SharedArrayBuffer;
  /** Replies, worker → main. */
  replies: SharedArrayBuffer;
  /** WORKER_STATS_BYTES of counters the worker writes (WorkerStatsSlot). */
  stats: SharedArrayBuffer;
  options: Omit<LogHostOptions, 'now' | 'logger' | 'events'>;
  /** How often the worker runs LogHost.tick. */
  tickIntervalMs: number;
}

/** Every ring message, for the round-trip test. */
export const RING_COMMANDS = [AppendCommand, ReadCommand, ListOffsetCommand, DeleteRecordsCommand, MarkerCommand, CoordinatorAppendCommand, ReplicaAppendCommand, ReplicaCommand] as const;
export const RING_REPLIES = [AppendReply, ReadReply, ListOffsetReply, DeleteRecordsReply, MarkerReply, CoordinatorAppendReply, ReplicaAppendReply, ReplicaReply] as const;
