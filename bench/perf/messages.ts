/**
 * Every message between the harness's main thread and its load workers (load-worker.ts).
 *
 *   main ──workerData: LoadTask──▶ worker        the task, fixed for the worker's life
 *   worker ──{type:'ready'}──────▶ main          connected, request encoded, waiting for go
 *   main ──{type:'go', startAtEpochMs}──▶ worker  start the timed phase (all workers together)
 *   main ──{type:'stop'}─────────▶ worker        end an open-ended task (the e2e consumer)
 *   worker ──{type:'window', …}──▶ main          with `windowMs` (the soak row): each window as it
 *                                                closes, its histogram counts transferred (soak.ts)
 *   worker ──{type:'done', result}─▶ main        results, histogram counts transferred
 *   worker ──{type:'failed', message}─▶ main     the task could not run; the row is marked failed
 *
 * Workers never talk to each other. Each owns its connections.
 */
import type { HistogramSnapshot } from './hdr-histogram.js';
import type { EndToEndWindow, ProduceWindow } from './soak.js';

export interface ProduceTask {
  role: 'produce';
  bootstrap: string;
  /** The encoded request (size prefix included); copied per in-flight slot. */
  request: Uint8Array;
  records: number;
  recordBytes: number;
  batchBytes: number;
  /** Present for stamped requests: per batch, where it starts and ends and where its stamp goes. */
  stamps: { batchAt: number; stampAt: number; batchEnd: number }[];
  connections: number;
  /** Requests outstanding per connection (Kafka's max.in.flight.requests.per.connection). */
  inflight: number;
  seconds: number;
  /** Open loop: requests per second this worker sends whatever the answers; absent: closed loop. */
  requestsPerSec?: number;
  /** Post a 'window' message per window of the soak row's timeline; absent: none. */
  windows?: WindowPlan;
}

export interface ConsumeTask {
  role: 'consume';
  bootstrap: string;
  topic: string;
  partitions: number;
  /** Value bytes per record, to report Kafka's MB from record counts. */
  recordBytes: number;
  seconds: number;
  maxBytes: number;
  partitionMaxBytes: number;
}

export interface EndToEndTask {
  role: 'e2e';
  bootstrap: string;
  topic: string;
  partitions: number;
  maxBytes: number;
  partitionMaxBytes: number;
  /** Post a 'window' message per window of the soak row's timeline; absent: none. */
  windows?: WindowPlan;
}

/**
 * The soak row's windows: `windowCount` windows of `windowMs` from the agreed start; anything
 * later (answers to the last requests in flight) counts in the last one.
 */
export interface WindowPlan {
  windowMs: number;
  windowCount: number;
}

export type LoadTask = ProduceTask | ConsumeTask | EndToEndTask;

export interface ProduceResult {
  role: 'produce';
  requests: number;
  records: number;
  recordBytes: number;
  batchBytes: number;
  elapsedSec: number;
  /** Send-to-acknowledgement latency in µs; open loop measures from the intended send time. */
  latency: HistogramSnapshot;
  /**
   * Open loop: how late each send left against its intended time, µs (timer granularity, a busy
   * generator thread, or every slot taken). Part of every latency measured from intended times.
   */
  sendLag: HistogramSnapshot;
  errors: number;
  firstErrorCode: number;
  /** Open loop: the most sends that were due but waiting for a free in-flight slot. */
  backlogMax: number;
  /** Records acknowledged in each second of the run (the last one partial). */
  recordsPerSecond: number[];
}

export interface ConsumeResult {
  role: 'consume';
  records: number;
  recordBytes: number;
  batchBytes: number;
  fetches: number;
  elapsedSec: number;
  /** Whether every partition was read up to its high watermark before the time ran out. */
  caughtUp: boolean;
  errors: number;
}

export interface EndToEndResult {
  role: 'e2e';
  records: number;
  /** From each record's send time (its header stamp) to the arrival of its fetch response, µs. */
  latency: HistogramSnapshot;
}

export type LoadResult = ProduceResult | ConsumeResult | EndToEndResult;

export type ToWorker = { type: 'go'; startAtEpochMs: number } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'window'; role: 'produce'; window: ProduceWindow }
  | { type: 'window'; role: 'e2e'; window: EndToEndWindow }
  | { type: 'done'; result: LoadResult }
  | { type: 'failed'; message: string };
