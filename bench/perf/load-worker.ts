/**
 * A load worker: one thread that runs one task of the harness (messages.ts says every shape).
 *
 *   produce  closed loop: `connections` × `inflight` slots, each sending its copy of the encoded
 *            request again as soon as the previous one is acknowledged, until the time is up;
 *            open loop: sends due at a fixed rate, each timed from its intended send time (so a
 *            stalled broker shows in the latency instead of lowering the rate: no coordinated
 *            omission), queued while every slot is busy, and stamped with the moment it leaves
 *   consume  one connection, one fetch in flight (as a Kafka consumer), every partition from
 *            offset 0 (or the log start, after retention) to its high watermark or until the
 *            time is up; counts come from batch
 *            headers alone, so the worker never decodes a record
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
import type { ConsumeResult, ConsumeTask, EndToEndResult, EndToEndTask, FromWorker, LoadTask, ProduceResult, ProduceTask, ToWorker, WindowPlan } from './messages.js';
import { Windows } from './soak.js';
import { decodeFetch, encodeFetch, OFFSET_OUT_OF_RANGE, produceAnswer, stampProduce, WireConnection } from './wire.js';

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
  const conns = await Promise.all(Array.from({ length: task.connections }, () => WireConnection.open(task.bootstrap)));
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

const TWO_32 = 4294967296;

/** Walks the complete batches of a partition's record data; returns the offset after the last. */
function eachBatch(records: Buffer, nextOffset: number, visit: (at: number, size: number, recordCount: number) => void): number {
  let at = 0;
  while (at + 61 <= records.length) {
    const size = 12 + records.readInt32BE(at + 8);
    if (at + size > records.length) break;
    const baseOffset = records.readInt32BE(at) * TWO_32 + records.readUInt32BE(at + 4);
    const end = baseOffset + records.readInt32BE(at + 23) + 1;
    if (end > nextOffset) {
      visit(at, size, records.readInt32BE(at + 57));
      nextOffset = end;
    }
    at += size;
  }
  return nextOffset;
}

async function consume(task: ConsumeTask): Promise<ConsumeResult> {
  const c = await WireConnection.open(task.bootstrap);
  const offsets = new Array<number>(task.partitions).fill(0);
  const highWatermarks = new Array<number>(task.partitions).fill(-1);
  let records = 0;
  let batchBytes = 0;
  let fetches = 0;
  let errors = 0;
  let caughtUp = false;
  await startTogether();
  const start = performance.now();
  const deadline = start + task.seconds * 1000;
  while (performance.now() < deadline) {
    const frame = await c.send(encodeFetch(task.topic, offsets, 100, task.maxBytes, task.partitionMaxBytes));
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
      highWatermarks[p.partition] = p.highWatermark;
      if (!p.records) continue;
      offsets[p.partition] = eachBatch(p.records, offsets[p.partition]!, (_at, size, count) => {
        records += count;
        batchBytes += size;
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
  const c = await WireConnection.open(task.bootstrap);
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
    const result = task.role === 'produce' ? await produce(task) : task.role === 'consume' ? await consume(task) : await endToEnd(task);
    const transfer = 'latency' in result ? [result.latency.counts.buffer as ArrayBuffer] : [];
    if (result.role === 'produce') transfer.push(result.sendLag.counts.buffer as ArrayBuffer);
    post({ type: 'done', result }, transfer);
  } catch (e) {
    post({ type: 'failed', message: (e as Error).stack ?? String(e) });
  }
  port.close();
}

await main();
