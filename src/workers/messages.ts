/**
 * Every message that crosses between the main thread and a partition worker.
 *
 * Data plane, on the SharedArrayBuffer rings (ring.ts), little-endian, one record per message:
 *
 *   command (main → worker)                         reply (worker → main)
 *   ┌────┬───┬───────────┬──────┐                  ┌────┬───┬───────────┬───────────┐
 *   │ op │ 0 │ requestId │ slot │ + body           │ op │ 0 │ requestId │ errorCode │ + body
 *   │ u8 │u8 │ u32 @4    │u32 @8│   @12            │ u8 │u8 │ u32 @4    │ i32 @8    │   @12
 *   └────┴───┴───────────┴──────┘                  └────┴───┴───────────┴───────────┘
 *
 *   APPEND          body: the record batches, as received             reply: baseOffset f64,
 *                   (flush deferred; the worker flushes once per        lastOffset f64, logAppendTimeMs f64,
 *                   drained group of commands before it answers)        logStartOffset f64, logEndOffset f64
 *   READ            body: offset f64, maxBytes u32                    reply: highWatermark f64,
 *                                                                       logStartOffset f64, logEndOffset f64,
 *                                                                       then when data: position f64,
 *                                                                       length u32, path (u16 length + UTF-8)
 *   LIST_OFFSET     body: timestamp f64                               reply: offset f64, timestamp f64
 *   DELETE_RECORDS  body: offset f64                                  reply: lowWatermark f64
 *
 * Offsets travel as float64: exact below 2^53, like every offset in Spindle.
 *
 * Control plane, on postMessage (rare, and structured data is convenient there):
 * ControlMessage to the worker, ControlReply back. DescribeProducers travels here ('producers'):
 * it is an admin request, rare, and its answer grows with the number of producers, which a ring
 * record of bounded size would have to cap. It is not ordered with the ring's commands, which
 * it needs not be: an append acknowledged before it was asked is already in the state it reads.
 * So does 'stats' (each log's size, segments and offsets), asked by /metrics and the console.
 *
 * Worker counters, in shared memory (WorkerData.stats), for metrics that must be readable even
 * while the worker is too busy to answer a control message: one BigInt64 slot per counter,
 * written by the worker with Atomics.store, read by the main thread with Atomics.load.
 *
 *   slot 0  busyMicros   time spent draining, appending, flushing, answering and in upkeep
 */
import type { LogConfig } from '../core/log-config.js';
import type { ActiveProducer } from '../core/producer-state.js';
import type { LogHostOptions, OpenPartition, PartitionSummary } from './log-host.js';

export type { ActiveProducer };

export const Op = Object.freeze({ Append: 1, Read: 2, ListOffset: 3, DeleteRecords: 4 } as const);
export type Op = (typeof Op)[keyof typeof Op];

export const COMMAND_HEADER_BYTES = 12;
export const REPLY_HEADER_BYTES = 12;

export function writeCommandHeader(b: Buffer, op: Op, requestId: number, slot: number): void {
  b[0] = op;
  b[1] = 0;
  b.writeUInt16LE(0, 2);
  b.writeUInt32LE(requestId, 4);
  b.writeUInt32LE(slot, 8);
}

export function writeReplyHeader(b: Buffer, op: Op, requestId: number, errorCode: number): void {
  b[0] = op;
  b[1] = 0;
  b.writeUInt16LE(0, 2);
  b.writeUInt32LE(requestId, 4);
  b.writeInt32LE(errorCode, 8);
}

export interface AppendReply {
  errorCode: number;
  baseOffset: number;
  lastOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface ReadReply {
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
  slice?: { path: string; position: number; length: number };
}

export interface ListOffsetReply {
  errorCode: number;
  offset: number;
  timestamp: number;
}

export interface DeleteRecordsReply {
  errorCode: number;
  lowWatermark: number;
}

export interface DescribeProducersReply {
  errorCode: number;
  producers: ActiveProducer[];
}

/** One log's size and offsets, for /metrics and the console. */
export interface LogStats {
  slot: number;
  sizeBytes: number;
  segmentCount: number;
  logStartOffset: number;
  logEndOffset: number;
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
  | { type: 'shutdown'; id: number };

export type ControlReply =
  | { type: 'opened'; id: number; summary: PartitionSummary }
  | ({ type: 'producers'; id: number } & DescribeProducersReply)
  | { type: 'stats'; id: number; logs: LogStats[] }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string; /** The errno name (EMFILE, ENOSPC, …) of an operating-system error. */ code?: string };

export interface WorkerData {
  /** Commands, main → worker. */
  commands: SharedArrayBuffer;
  /** Replies, worker → main. */
  replies: SharedArrayBuffer;
  /** WORKER_STATS_BYTES of counters the worker writes (WorkerStatsSlot). */
  stats: SharedArrayBuffer;
  options: Omit<LogHostOptions, 'now'>;
  /** How often the worker runs LogHost.tick. */
  tickIntervalMs: number;
}
