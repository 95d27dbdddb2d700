/**
 * Every message between the harness's main thread and its load workers (load-worker.ts).
 *
 *   main ──workerData: LoadTask──▶ worker        the task, fixed for the worker's life
 *   worker ──{type:'ready'}──────▶ main          connected, request encoded (a transactional
 *                                                producer: its producer id too), waiting for go
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
import type { CodecName, Endpoint } from './wire.js';

export interface ProduceTask extends Endpoint {
  role: 'produce';
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

/**
 * The transactional produce task (the txn row): each of `connections` connections is one
 * transactional producer, `<transactionalIdPrefix>-<slot>`, that finds its coordinator and
 * initialises its producer id before 'ready', then runs transactions until the time is up:
 * AddPartitionsToTxn for `partitions`, `requestsPerTxn` produce requests (one batch of
 * `recordsPerBatch` records per partition each, up to `inflight` in flight), EndTxn commit.
 */
export interface TxnProduceTask extends Endpoint {
  role: 'txn';
  topic: string;
  partitions: number[];
  recordsPerBatch: number;
  recordBytes: number;
  acks: number;
  codec: CodecName;
  connections: number;
  /** Produce requests in flight per transactional producer (Kafka's idempotent producer allows at most 5). */
  inflight: number;
  requestsPerTxn: number;
  transactionalIdPrefix: string;
  transactionTimeoutMs: number;
  /** Back-off before AddPartitionsToTxn is sent again after CONCURRENT_TRANSACTIONS. */
  concurrentBackoffMs: number;
  seconds: number;
}

export interface ConsumeTask extends Endpoint {
  role: 'consume';
  topic: string;
  partitions: number;
  /** Value bytes per record, to report Kafka's MB from record counts. */
  recordBytes: number;
  seconds: number;
  maxBytes: number;
  partitionMaxBytes: number;
  /** 1: read_committed (stops at the last stable offset; aborted transactions' batches are skipped); absent or 0: read_uncommitted. */
  isolationLevel?: number;
}

export interface EndToEndTask extends Endpoint {
  role: 'e2e';
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

export type LoadTask = ProduceTask | TxnProduceTask | ConsumeTask | EndToEndTask;

/** What a transactional producer thread counts beyond the produce figures (which cover committed transactions only). */
export interface TxnFigures {
  /** Transactions committed: EndTxn(commit) answered without error. */
  committed: number;
  /** Transactions given up after an error (aborted, the producer initialised again). */
  aborted: number;
  /** AddPartitionsToTxn answered CONCURRENT_TRANSACTIONS (the previous transaction's markers still being written) and sent again. */
  concurrentRetries: number;
  /** EndTxn answered CONCURRENT_TRANSACTIONS and sent again. */
  endTxnRetries: number;
  /** From the first AddPartitionsToTxn sent to the EndTxn answer, committed transactions only, µs. */
  latency: HistogramSnapshot;
  /** Produce requests sent, committed or not. */
  produceRequests: number;
  /**
   * Milliseconds summed over committed transactions: from the first AddPartitionsToTxn sent to
   * its success (CONCURRENT_TRANSACTIONS retries and back-off included), then the produce
   * requests, then EndTxn; the three add up to the transaction latency.
   */
  addMs: number;
  produceMs: number;
  endMs: number;
}

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
  /** The transactional task: requests, records and bytes above count committed transactions only. */
  txn?: TxnFigures;
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
