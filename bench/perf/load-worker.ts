/**
 * A load worker: one thread that runs one task of the harness (messages.ts says every shape).
 *
 *   produce  closed loop: `connections` × `inflight` slots, each sending its copy of the encoded
 *            request again as soon as the previous one is acknowledged, until the time is up;
 *            open loop: sends due at a fixed rate, each timed from its intended send time (so a
 *            stalled broker shows in the latency instead of lowering the rate: no coordinated
 *            omission), queued while every slot is busy, and stamped with the moment it leaves
 *   txn      transactional producers, one per connection (txnProduce): AddPartitionsToTxn, a
 *            run of produce requests with consecutive sequences, EndTxn commit, again and again;
 *            only committed transactions count
 *   consume  one connection, one fetch in flight (as a Kafka consumer), every partition from
 *            offset 0 (or the log start, after retention) to its high watermark or until the
 *            time is up; counts come from batch
 *            headers alone, so the worker never decodes a record; read_committed (the txn row)
 *            also skips markers and aborted transactions' batches
 *   e2e      long-polls every partition and times each batch from the stamp in its first
 *            record to the arrival of the fetch response, counting it once per record; after
 *            retention it goes on from the log start, as the consume task does
 *
 * With `windows` in the task (the soak row) produce and e2e also post each window of the
 * timeline as it closes (soak.ts): a histogram of that window's latencies and its counts.
 *
 * Runs in a worker thread of the harness process; owns its connections.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HdrHistogram } from './hdr-histogram.js';
import type { ConsumeResult, ConsumeTask, EndToEndResult, EndToEndTask, FromWorker, LoadTask, ProduceResult, ProduceTask, ToWorker, TxnProduceTask, WindowPlan } from './messages.js';
import { Windows } from './soak.js';
import {
  addPartitionsErrorCode,
  batchKind,
  decodeFetch,
  encodeAddPartitions,
  encodeEndTxn,
  encodeFetch,
  type EncodedProduce,
  encodeProduce,
  endTxnErrorCode,
  findTxnCoordinator,
  initTxnProducer,
  nextSequence,
  OFFSET_OUT_OF_RANGE,
  parseHostPort,
  produceAnswer,
  READ_COMMITTED,
  READ_UNCOMMITTED,
  setProducer,
  setSequence,
  stampProduce,
  type TxnProducer,
  WireConnection,
} from './wire.js';

const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const epochNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let stopRequested = false;
const goWaiters: ((m: { startAtEpochMs: number }) => void)[] = [];
port.on('message', (m: ToWorker) => {
  if (m.type === 'go') goWaiters.shift()?.(m);
  else if (m.type === 'stop') stopRequested = true;
});
const waitForGo = (): Promise<{ startAtEpochMs: number }> => new Promise((r) => goWaiters.push(r));

/** Posts ready, waits for go, then sleeps until the common start time; answers that time. */
async function startTogether(): Promise<number> {
  const go = waitForGo();
  post({ type: 'ready' });
  const { startAtEpochMs } = await go;
  const wait = startAtEpochMs - epochNow();
  if (wait > 0) await sleep(wait);
  return startAtEpochMs;
}

/**
 * The task's timeline windows, if it has any: `make` gives a window's fresh state, `post` sends
 * a closed one. A timer closes windows on time even while no answer arrives (a stalled
 * broker), so the main thread sees them as they end; `stop` closes the rest.
 */
function timeline<T>(plan: WindowPlan | undefined, startAtEpochMs: number, make: () => T, send: (index: number, state: T) => void): { at: () => T | null; stop: () => void } {
  if (!plan) return { at: () => null, stop: () => {} };
  const windows = new Windows(startAtEpochMs, plan.windowMs, plan.windowCount, make, send);
  const timer = setInterval(() => windows.at(epochNow()), Math.max(10, plan.windowMs / 4));
  return {
    at: () => windows.at(epochNow()),
    stop: () => {
      clearInterval(timer);
      windows.finish();
    },
  };
}

async function produce(task: ProduceTask): Promise<ProduceResult> {
  const conns = await Promise.all(Array.from({ length: task.connections }, () => WireConnection.open(task.bootstrap, task.security)));
  // Each slot owns a copy: its correlation id (and stamp) is patched per send, and a buffer
  // handed to socket.write must not change until the answer proves it was sent.
  const slots = conns.flatMap((c) => Array.from({ length: task.inflight }, () => ({ c, buf: Buffer.from(task.request) })));
  const latency = new HdrHistogram();
  const sendLag = new HdrHistogram();
  let requests = 0;
  let errors = 0;
  let firstErrorCode = 0;
  let backlogMax = 0;
  const perSecond: number[] = [];
  let start = 0;
  let windows: ReturnType<typeof timeline<{ latency: HdrHistogram; requests: number; errors: number; maxBaseOffsets: number[] }>> | null = null;
  const answered = (frame: Buffer, sentAt: number): void => {
    const now = performance.now();
    latency.record((now - sentAt) * 1000);
    const { errorCode: code, baseOffsets } = produceAnswer(frame);
    const w = windows?.at() ?? null;
    w?.latency.record((now - sentAt) * 1000);
    if (code === 0) {
      requests++;
      const second = Math.floor((now - start) / 1000);
      perSecond[second] = (perSecond[second] ?? 0) + task.records;
      if (w) {
        w.requests++;
        baseOffsets.forEach((o, p) => (w.maxBaseOffsets[p] = Math.max(w.maxBaseOffsets[p] ?? -1, o)));
      }
    }
    else {
      errors++;
      if (w) w.errors++;
      if (!firstErrorCode) firstErrorCode = code;
    }
  };
  const startAtEpochMs = await startTogether();
  windows = timeline(
    task.windows,
    startAtEpochMs,
    () => ({ latency: new HdrHistogram(), requests: 0, errors: 0, maxBaseOffsets: [] as number[] }),
    (index, w) => {
      const snap = w.latency.snapshot();
      post({ type: 'window', role: 'produce', window: { index, latency: snap, requests: w.requests, records: w.requests * task.records, errors: w.errors, maxBaseOffsets: w.maxBaseOffsets } }, [snap.counts.buffer as ArrayBuffer]);
    },
  );
  start = performance.now();
  const deadline = start + task.seconds * 1000;

  if (task.requestsPerSec === undefined) {
    await Promise.all(
      slots.map(async (s) => {
        while (performance.now() < deadline) {
          const t = performance.now();
          let frame: Buffer;
          try {
            frame = await s.c.send(s.buf);
          } catch {
            errors++;
            return;
          }
          answered(frame, t);
        }
      }),
    );
  } else {
    const intervalMs = 1000 / task.requestsPerSec;
    await new Promise<void>((resolve) => {
      const due: number[] = [];
      const free = slots.slice();
      let scheduled = 0;
      let inflight = 0;
      let timer: NodeJS.Timeout | null = null;
      const pump = (): void => {
        const now = performance.now();
        for (let at = start + scheduled * intervalMs; at <= now && at < deadline; at = start + scheduled * intervalMs) {
          due.push(at);
          scheduled++;
        }
        if (due.length > backlogMax) backlogMax = due.length;
        while (due.length > 0 && free.length > 0) {
          const intended = due.shift()!;
          const s = free.pop()!;
          const now = performance.now();
          sendLag.record((now - intended) * 1000);
          // The record's own timestamp is when it leaves: end-to-end latency is the broker's and
          // the consumer's; the acknowledgement latency below still counts from the intended time.
          if (task.stamps.length) stampProduce(s.buf, task.stamps, performance.timeOrigin + now);
          inflight++;
          s.c.send(s.buf).then(
            (frame) => {
              inflight--;
              answered(frame, intended);
              free.push(s);
              pump();
            },
            () => {
              inflight--;
              errors++;
              pump();
            },
          );
        }
        const next = start + scheduled * intervalMs;
        if (next < deadline) {
          if (timer === null) {
            timer = setTimeout(() => {
              timer = null;
              pump();
            }, Math.max(0, next - performance.now()));
          }
        } else if (inflight === 0 && due.length === 0) {
          resolve();
        }
      };
      pump();
    });
  }
  const elapsedSec = (performance.now() - start) / 1000;
  windows.stop();
  for (const c of conns) c.close();
  return {
    role: 'produce',
    requests,
    records: requests * task.records,
    recordBytes: requests * task.recordBytes,
    batchBytes: requests * task.batchBytes,
    elapsedSec,
    latency: latency.snapshot(),
    sendLag: sendLag.snapshot(),
    errors,
    firstErrorCode,
    backlogMax,
    recordsPerSecond: Array.from(perSecond, (n) => n ?? 0),
  };
}

/** Kafka's error codes the transactional producer acts on. */
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
const CONCURRENT_TRANSACTIONS = 51;
const RETRIABLE_SETUP = new Set([COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, CONCURRENT_TRANSACTIONS]);
/** How long a producer keeps retrying FindCoordinator and InitProducerId before 'ready' (Kafka creates __transaction_state on the first lookup). */
const SETUP_TIMEOUT_MS = 60_000;
/** Kafka's retry.backoff.ms default, for InitProducerId and EndTxn retries. */
const RETRY_BACKOFF_MS = 100;

/** Repeats `attempt` while it answers a retriable setup error, `backoffMs` apart, for at most SETUP_TIMEOUT_MS. */
async function retrySetup<T extends { errorCode: number }>(what: string, attempt: () => Promise<T>, backoffMs: number): Promise<T> {
  const until = performance.now() + SETUP_TIMEOUT_MS;
  for (;;) {
    const r = await attempt();
    if (r.errorCode === 0) return r;
    if (!RETRIABLE_SETUP.has(r.errorCode) || performance.now() > until) throw new Error(`${what} failed with error code ${r.errorCode}`);
    await sleep(backoffMs);
  }
}

/** One transactional producer of a txn task: its connection, identity, and the requests encoded for them. */
interface TxnSlot {
  c: WireConnection;
  /** Where transaction requests go: the coordinator's connection (the same one on a single broker). */
  coordinator: WireConnection;
  producer: TxnProducer;
  /** `inflight` copies of the produce request, used in turn: a buffer handed to the socket stays untouched until answered. */
  ring: Buffer[];
  batches: EncodedProduce['batches'];
  addPartitions: Buffer;
  commit: Buffer;
  abort: Buffer;
  sequence: number;
}

/**
 * The txn row's producers. Per slot (connection) one transactional id, as one Kafka producer
 * with one connection to its only broker: FindCoordinator and InitProducerId before 'ready',
 * then transactions until the time is up, the last one finished past the deadline. A
 * transaction: AddPartitionsToTxn (sent again 20 ms after CONCURRENT_TRANSACTIONS, as Kafka's
 * producer does for the first AddPartitions of a transaction, KAFKA-5482), `requestsPerTxn`
 * produce requests with consecutive sequences pipelined up to `inflight`, then EndTxn commit.
 * Any error aborts the transaction and initialises the producer again (a new epoch, sequences
 * from 0); only committed transactions count in records, bytes and the per-second figures.
 * Produce latency is every request's; transaction latency runs from the first AddPartitions
 * sent (retries and their back-off included) to the EndTxn answer.
 */
async function txnProduce(task: TxnProduceTask): Promise<ProduceResult> {
  const depth = Math.max(1, task.inflight);
  const bootstrapPort = parseHostPort(task.bootstrap).port;
  const latency = new HdrHistogram();
  const txnLatency = new HdrHistogram();
  const perSecond: number[] = [];
  let committed = 0;
  let aborted = 0;
  let concurrentRetries = 0;
  let endTxnRetries = 0;
  let produceRequests = 0;
  let addMs = 0;
  let produceMs = 0;
  let endMs = 0;
  let errors = 0;
  let firstErrorCode = 0;
  const fail = (code: number): void => {
    errors++;
    if (!firstErrorCode) firstErrorCode = code;
  };
  let template: EncodedProduce | null = null;

  const initialise = async (slot: Pick<TxnSlot, 'c' | 'coordinator'> & Partial<TxnSlot>, transactionalId: string): Promise<TxnSlot> => {
    const r = await retrySetup(`InitProducerId for ${transactionalId}`, () => initTxnProducer(slot.coordinator, transactionalId, task.transactionTimeoutMs), RETRY_BACKOFF_MS);
    const producer: TxnProducer = { transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch };
    let ring = slot.ring;
    let batches = slot.batches;
    if (!ring || !batches) {
      const encoded = encodeProduce(task.topic, task.partitions, task.recordsPerBatch, task.recordBytes, task.acks, task.codec, false, producer);
      template ??= encoded;
      ring = Array.from({ length: depth }, () => Buffer.from(encoded.bytes));
      batches = encoded.batches;
    } else {
      for (const b of ring) setProducer(b, batches, producer.producerId, producer.producerEpoch);
    }
    return { c: slot.c, coordinator: slot.coordinator, producer, ring, batches, addPartitions: encodeAddPartitions(producer, task.topic, task.partitions), commit: encodeEndTxn(producer, true), abort: encodeEndTxn(producer, false), sequence: 0 };
  };

  const slots = await Promise.all(
    Array.from({ length: task.connections }, async (_, i): Promise<TxnSlot> => {
      const transactionalId = `${task.transactionalIdPrefix}-${i}`;
      const c = await WireConnection.open(task.bootstrap, task.security);
      const found = await retrySetup(`FindCoordinator for ${transactionalId}`, () => findTxnCoordinator(c, transactionalId), RETRY_BACKOFF_MS);
      // One broker is its own coordinator; another address gets a connection of its own.
      const coordinator = found.port === bootstrapPort ? c : await WireConnection.open(`${found.host}:${found.port}`, task.security);
      return initialise({ c, coordinator }, transactionalId);
    }),
  );
  const requestRecords = template!.records;
  const requestRecordBytes = template!.recordBytes;
  const requestBatchBytes = template!.batchBytes;

  await startTogether();
  const start = performance.now();
  const deadline = start + task.seconds * 1000;

  /** Sends the transaction's produce requests, at most `depth` outstanding; resolves with the first error code (0: none). */
  const produceAll = (s: TxnSlot): Promise<number> =>
    new Promise((resolve) => {
      let sent = 0;
      let answered = 0;
      let failure = 0;
      const pump = (): void => {
        while (sent < task.requestsPerTxn && sent - answered < depth && failure === 0) {
          const buf = s.ring[sent % depth]!;
          setSequence(buf, s.batches, s.sequence);
          s.sequence = nextSequence(s.sequence, task.recordsPerBatch);
          sent++;
          produceRequests++;
          const t = performance.now();
          s.c.send(buf).then(
            (frame) => {
              latency.record((performance.now() - t) * 1000);
              const code = produceAnswer(frame).errorCode;
              if (code !== 0) {
                fail(code);
                failure ||= code;
              }
              answered++;
              pump();
            },
            () => {
              fail(-1);
              failure ||= -1;
              answered++;
              pump();
            },
          );
        }
        if (answered === sent && (sent === task.requestsPerTxn || failure !== 0)) resolve(failure);
      };
      pump();
    });

  /** Sends a transaction request again while it is answered CONCURRENT_TRANSACTIONS; resolves with the final error code. */
  const control = async (s: TxnSlot, request: Buffer, code: (frame: Buffer) => number, backoffMs: number, onRetry: () => void): Promise<number> => {
    for (;;) {
      const answer = code(await s.coordinator.send(request));
      if (answer !== CONCURRENT_TRANSACTIONS || performance.now() > deadline + SETUP_TIMEOUT_MS) return answer;
      onRetry();
      await sleep(backoffMs);
    }
  };

  await Promise.all(
    slots.map(async (first, i) => {
      let s = first;
      while (performance.now() < deadline) {
        const t0 = performance.now();
        let added = t0;
        let produced = t0;
        let code: number;
        try {
          code = await control(s, s.addPartitions, addPartitionsErrorCode, task.concurrentBackoffMs, () => concurrentRetries++);
          added = performance.now();
          if (code === 0) code = await produceAll(s);
          else fail(code);
          produced = performance.now();
          if (code === 0) {
            code = await control(s, s.commit, endTxnErrorCode, RETRY_BACKOFF_MS, () => endTxnRetries++);
            if (code !== 0) fail(code);
          }
        } catch {
          fail(-1);
          code = -1;
        }
        if (code === 0) {
          const now = performance.now();
          txnLatency.record((now - t0) * 1000);
          addMs += added - t0;
          produceMs += produced - added;
          endMs += now - produced;
          committed++;
          const second = Math.floor((now - start) / 1000);
          perSecond[second] = (perSecond[second] ?? 0) + task.requestsPerTxn * requestRecords;
          continue;
        }
        // Given up: abort what the broker holds of it (whatever the answer), then a new epoch.
        aborted++;
        if (s.c.isClosed || s.coordinator.isClosed) return;
        try {
          await control(s, s.abort, endTxnErrorCode, RETRY_BACKOFF_MS, () => endTxnRetries++);
          s = await initialise(s, `${task.transactionalIdPrefix}-${i}`);
        } catch {
          return;
        }
      }
    }),
  );
  const elapsedSec = (performance.now() - start) / 1000;
  for (const s of slots) {
    s.c.close();
    if (s.coordinator !== s.c) s.coordinator.close();
  }
  const requests = committed * task.requestsPerTxn;
  return {
    role: 'produce',
    requests,
    records: requests * requestRecords,
    recordBytes: requests * requestRecordBytes,
    batchBytes: requests * requestBatchBytes,
    elapsedSec,
    latency: latency.snapshot(),
    sendLag: new HdrHistogram().snapshot(),
    errors,
    firstErrorCode,
    backlogMax: 0,
    recordsPerSecond: Array.from(perSecond, (n) => n ?? 0),
    txn: { committed, aborted, concurrentRetries, endTxnRetries, latency: txnLatency.snapshot(), produceRequests, addMs, produceMs, endMs },
  };
}

const TWO_32 = 4294967296;

/** Walks the complete batches of a partition's record data; returns the offset after the last. */
function eachBatch(records: Buffer, nextOffset: number, visit: (at: number, size: number, recordCount: number, lastOffset: number) => void): number {
  let at = 0;
  while (at + 61 <= records.length) {
    const size = 12 + records.readInt32BE(at + 8);
    if (at + size > records.length) break;
    const baseOffset = records.readInt32BE(at) * TWO_32 + records.readUInt32BE(at + 4);
    const end = baseOffset + records.readInt32BE(at + 23) + 1;
    if (end > nextOffset) {
      visit(at, size, records.readInt32BE(at + 57), end - 1);
      nextOffset = end;
    }
    at += size;
  }
  return nextOffset;
}

/** Whether the control batch at `at` is an abort marker: its record's key is version (int16), type (int16, 0 abort, 1 commit). */
function isAbortMarker(buf: Buffer, at: number): boolean {
  let pos = at + 61;
  [, pos] = varint(buf, pos); // record length
  pos += 1; // attributes
  [, pos] = varint(buf, pos); // timestampDelta
  [, pos] = varint(buf, pos); // offsetDelta
  let keyLength: number;
  [keyLength, pos] = varint(buf, pos);
  return keyLength >= 4 && buf.readInt16BE(pos + 2) === 0;
}

/**
 * What a read_committed consumer keeps of one partition, as Kafka's consumer does: control
 * batches (markers) are no records, and a transactional batch of a producer whose transaction
 * the fetch answer listed as aborted is skipped until that producer's abort marker.
 */
class CommittedFilter {
  private readonly pending: { producerId: number; firstOffset: number }[] = [];
  private readonly seen = new Set<string>();
  private readonly open = new Set<number>();

  /** The aborted transactions of an answer (repeated answers list the same ones again). */
  add(aborted: { producerId: number; firstOffset: number }[] | null): void {
    for (const a of aborted ?? []) {
      const key = `${a.producerId}:${a.firstOffset}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.pending.push({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) });
    }
    this.pending.sort((x, y) => x.firstOffset - y.firstOffset);
  }

  /** Whether the batch at `at` holds records a read_committed consumer returns. */
  keeps(buf: Buffer, at: number, lastOffset: number): boolean {
    while (this.pending.length && this.pending[0]!.firstOffset <= lastOffset) this.open.add(this.pending.shift()!.producerId);
    const producerId = buf.readInt32BE(at + 43) * TWO_32 + buf.readUInt32BE(at + 47);
    const kind = batchKind(buf, at);
    if (kind.control) {
      if (isAbortMarker(buf, at)) this.open.delete(producerId);
      return false;
    }
    return !(kind.transactional && this.open.has(producerId));
  }
}

async function consume(task: ConsumeTask): Promise<ConsumeResult> {
  const c = await WireConnection.open(task.bootstrap, task.security);
  const offsets = new Array<number>(task.partitions).fill(0);
  const highWatermarks = new Array<number>(task.partitions).fill(-1);
  const isolationLevel = task.isolationLevel ?? READ_UNCOMMITTED;
  const filters = isolationLevel === READ_COMMITTED ? Array.from({ length: task.partitions }, () => new CommittedFilter()) : null;
  let records = 0;
  let batchBytes = 0;
  let fetches = 0;
  let errors = 0;
  let caughtUp = false;
  await startTogether();
  const start = performance.now();
  const deadline = start + task.seconds * 1000;
  while (performance.now() < deadline) {
    const frame = await c.send(encodeFetch(task.topic, offsets, 100, task.maxBytes, task.partitionMaxBytes, isolationLevel));
    fetches++;
    for (const p of decodeFetch(frame)) {
      if (p.errorCode === OFFSET_OUT_OF_RANGE && p.logStartOffset > offsets[p.partition]!) {
        // Retention deleted the start (the soak row): go on from the log start, as a consumer
        // with auto.offset.reset=earliest does.
        offsets[p.partition] = p.logStartOffset;
        continue;
      }
      if (p.errorCode !== 0) {
        errors++;
        continue;
      }
      // read_committed: answers stop at the last stable offset, which reaches the high watermark
      // once the last transaction's marker is written, so reading up to it reads everything.
      highWatermarks[p.partition] = p.highWatermark;
      if (!p.records) continue;
      const buf = p.records;
      const filter = filters?.[p.partition];
      filter?.add(p.abortedTransactions);
      offsets[p.partition] = eachBatch(buf, offsets[p.partition]!, (at, size, count, lastOffset) => {
        batchBytes += size;
        // Markers are no records, whatever the isolation level (a Kafka consumer never returns them).
        if (filter ? filter.keeps(buf, at, lastOffset) : !batchKind(buf, at).control) records += count;
      });
    }
    if (offsets.every((o, i) => highWatermarks[i]! >= 0 && o >= highWatermarks[i]!)) {
      caughtUp = true;
      break;
    }
    if (errors > 100) break;
  }
  const elapsedSec = (performance.now() - start) / 1000;
  c.close();
  return { role: 'consume', records, recordBytes: records * task.recordBytes, batchBytes, fetches, elapsedSec, caughtUp, errors };
}

/** Reads a zigzag varint at `pos`; returns the value and the position after it. */
function varint(buf: Buffer, pos: number): [number, number] {
  let raw = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++]!;
    raw += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
  }
  const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  return [value, pos];
}

/**
 * The send time in the first record's first header of an uncompressed batch at `at`, or NaN.
 * Record layout: length, attributes (1 byte), timestampDelta, offsetDelta, key, value, header
 * count, then per header: key length, key, value length, value.
 */
function stampOf(buf: Buffer, at: number): number {
  if ((buf.readInt16BE(at + 21) & 0x07) !== 0) return NaN;
  let pos = at + 61;
  let n: number;
  [, pos] = varint(buf, pos); // record length
  pos += 1; // attributes
  [, pos] = varint(buf, pos); // timestampDelta
  [, pos] = varint(buf, pos); // offsetDelta
  [n, pos] = varint(buf, pos); // key length
  if (n > 0) pos += n;
  [n, pos] = varint(buf, pos); // value length
  if (n > 0) pos += n;
  [n, pos] = varint(buf, pos); // header count
  if (n < 1) return NaN;
  [n, pos] = varint(buf, pos); // header key length
  pos += n;
  [n, pos] = varint(buf, pos); // header value length
  return n === 8 ? buf.readDoubleBE(pos) : NaN;
}

async function endToEnd(task: EndToEndTask): Promise<EndToEndResult> {
  const c = await WireConnection.open(task.bootstrap, task.security);
  const offsets = new Array<number>(task.partitions).fill(0);
  const latency = new HdrHistogram();
  let records = 0;
  const startAtEpochMs = await startTogether();
  const windows = timeline(
    task.windows,
    startAtEpochMs,
    () => ({ latency: new HdrHistogram(), records: 0 }),
    (index, w) => {
      const snap = w.latency.snapshot();
      post({ type: 'window', role: 'e2e', window: { index, latency: snap, records: w.records } }, [snap.counts.buffer as ArrayBuffer]);
    },
  );
  while (!stopRequested) {
    // Short long-polls (200 ms) so that a stop is seen quickly once the producers are done.
    const frame = await c.send(encodeFetch(task.topic, offsets, 200, task.maxBytes, task.partitionMaxBytes));
    const arrived = epochNow();
    const w = windows.at();
    for (const p of decodeFetch(frame)) {
      if (p.errorCode === OFFSET_OUT_OF_RANGE && p.logStartOffset > offsets[p.partition]!) {
        // Fell behind retention (a long soak on a busy machine): go on from the log start.
        offsets[p.partition] = p.logStartOffset;
        continue;
      }
      if (p.errorCode !== 0 || !p.records) continue;
      const buf = p.records;
      offsets[p.partition] = eachBatch(buf, offsets[p.partition]!, (at, _size, count) => {
        const sentAt = stampOf(buf, at);
        if (Number.isFinite(sentAt)) {
          latency.record((arrived - sentAt) * 1000, count);
          records += count;
          if (w) {
            w.latency.record((arrived - sentAt) * 1000, count);
            w.records += count;
          }
        }
      });
    }
  }
  windows.stop();
  c.close();
  return { role: 'e2e', records, latency: latency.snapshot() };
}

async function main(): Promise<void> {
  const task = workerData as LoadTask;
  try {
    const result = task.role === 'produce' ? await produce(task) : task.role === 'txn' ? await txnProduce(task) : task.role === 'consume' ? await consume(task) : await endToEnd(task);
    const transfer = 'latency' in result ? [result.latency.counts.buffer as ArrayBuffer] : [];
    if (result.role === 'produce') transfer.push(result.sendLag.counts.buffer as ArrayBuffer);
    if (result.role === 'produce' && result.txn) transfer.push(result.txn.latency.counts.buffer as ArrayBuffer);
    post({ type: 'done', result }, transfer);
  } catch (e) {
    post({ type: 'failed', message: (e as Error).stack ?? String(e) });
  }
  port.close();
}

await main();
