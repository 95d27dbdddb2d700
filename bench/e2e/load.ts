/**
 * The load generator's building blocks: a broker process to measure, pre-encoded produce
 * requests (valid batches, real payloads, optional compression), closed-loop producers that keep
 * a fixed number of requests in flight per connection, and an end-to-end latency probe (an
 * open-loop producer at a fixed rate and a long-polling consumer timing each record from its
 * own timestamp to its arrival).
 *
 * Nothing here decodes records on the producing side: requests are encoded once and sent again
 * and again (the broker rewrites offsets in its own copy), so the generator is never the limit
 * of a client's per-record work.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_RESPONSE_BYTES } from '../../src/client/connection.js';
import { decodeResponse, encodeRequest, FrameReader, MIN_RESPONSE_FRAME_BYTES } from '../../src/protocol/frame.js';
import { Fetch, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { batchPositions, decodeBatchDecompressing, encodeBatch } from '../../src/protocol/records/batch.js';
import { jsonRecords } from '../micro/data.js';

const bin = new URL('../../../bin/spindle.js', import.meta.url).pathname;

export interface BrokerProcess {
  bootstrap: string;
  pid: number;
  child: ChildProcess;
  /** Peak resident set size seen by sampling /proc (bytes). */
  stop(): Promise<void>;
}

/** Starts `spindle broker` in a fresh data directory; resolves when it listens. */
export function startBrokerProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<BrokerProcess> {
  const dir = mkdtempSync(join(process.env.SPINDLE_BENCH_DIR ?? tmpdir(), 'spindle-load-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, bin, 'broker'], {
      env: { ...process.env, SPINDLE_LISTENERS: 'PLAINTEXT://127.0.0.1:0', SPINDLE_LOG_DIRS: dir, SPINDLE_CONSOLE_LISTENER: 'none', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on ([\d.]+):(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({
          bootstrap: `${m[1]}:${m[2]}`,
          pid: child.pid!,
          child,
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => {
                rmSync(dir, { recursive: true, force: true });
                done();
              });
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${err}`)));
  });
}

/** A connection that matches responses to requests by correlation id; frames cut by the protocol's FrameReader. */
export class LoadConnection {
  readonly socket: Socket;
  private readonly frames = new FrameReader({ minBytes: MIN_RESPONSE_FRAME_BYTES, maxBytes: MAX_RESPONSE_BYTES });
  private readonly waiting = new Map<number, (frame: Buffer) => void>();
  private nextId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(chunk);
      // A size no response can have throws FrameSizeError: a broken broker, which ends the run loudly.
      for (let frame = this.frames.next(); frame !== null; frame = this.frames.next()) {
        const id = frame.readInt32BE(0);
        const w = this.waiting.get(id);
        this.waiting.delete(id);
        w?.(frame);
      }
    });
  }

  static open(bootstrap: string): Promise<LoadConnection> {
    const [host, port] = bootstrap.split(':') as [string, string];
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), host, () => resolve(new LoadConnection(s)));
      s.once('error', reject);
    });
  }

  /** Sends a pre-encoded request, its correlation id patched in; resolves with the response frame. */
  send(request: Buffer): Promise<Buffer> {
    const id = this.nextId++;
    request.writeInt32BE(id, 8);
    const reply = new Promise<Buffer>((resolve) => this.waiting.set(id, resolve));
    this.socket.write(request);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function createTopic(bootstrap: string, topic: string): Promise<void> {
  const c = await LoadConnection.open(bootstrap);
  await c.send(encodeRequest(Metadata, 9, 0, 'bench', { topics: [{ name: topic }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }));
  c.close();
}

/** A produce request of one batch of `count` records of `size` bytes for each partition; encoded once. */
export function produceRequest(topic: string, partitions: number[], count: number, size: number, acks: number, compression = 0): { bytes: Buffer; records: number; recordBytes: number } {
  const values = jsonRecords(count, size, 11);
  const batch = encodeBatch(values.map((value, i) => ({ key: `key-${i}`, value })), { compression: compression as 0 });
  const bytes = Buffer.from(
    encodeRequest(Produce, 9, 0, 'bench', {
      transactionalId: null,
      acks,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: partitions.map((index) => ({ index, records: batch })) }],
    }),
  );
  return { bytes, records: count * partitions.length, recordBytes: count * size * partitions.length };
}

export interface ThroughputResult {
  seconds: number;
  requests: number;
  records: number;
  recordBytes: number;
  recordsPerSec: number;
  mbPerSec: number;
  latencyMs: { avg: number; max: number; p50: number; p95: number; p99: number; p999: number };
}

export function percentiles(samples: number[]): ThroughputResult['latencyMs'] {
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN);
  const avg = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { avg, max: s.length ? s[s.length - 1]! : NaN, p50: at(0.5), p95: at(0.95), p99: at(0.99), p999: at(0.999) };
}

/** Closed loop: `connections` × `inflight` requests kept outstanding for `seconds`. */
export async function closedLoopProduce(
  bootstrap: string,
  request: { bytes: Buffer; records: number; recordBytes: number },
  connections: number,
  inflight: number,
  seconds: number,
): Promise<ThroughputResult> {
  const conns = await Promise.all(Array.from({ length: connections }, () => LoadConnection.open(bootstrap)));
  const latencies: number[] = [];
  let requests = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    conns.flatMap((c) =>
      Array.from({ length: inflight }, async () => {
        // Each in-flight slot owns a copy, because the correlation id is patched per send.
        const mine = Buffer.from(request.bytes);
        while (performance.now() < deadline) {
          const t = performance.now();
          const frame = await c.send(mine);
          latencies.push(performance.now() - t);
          const { body } = decodeResponse(Produce, 9, frame);
          for (const t2 of body.responses as { partitionResponses: { errorCode: number }[] }[]) {
            for (const p of t2.partitionResponses) if (p.errorCode !== 0) throw new Error(`produce error ${p.errorCode}`);
          }
          requests++;
        }
      }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const c of conns) c.close();
  return {
    seconds: elapsed,
    requests,
    records: requests * request.records,
    recordBytes: requests * request.recordBytes,
    recordsPerSec: (requests * request.records) / elapsed,
    mbPerSec: (requests * request.recordBytes) / 1e6 / elapsed,
    latencyMs: percentiles(latencies),
  };
}

/**
 * End-to-end latency: one producer sends `recordsPerSec` records of `size` bytes (in batches of
 * `perBatch`, stamped when sent) for `seconds`; a consumer long-polls the partition and notes for
 * each record the time from its sending to its arrival.
 */
export async function endToEndLatency(bootstrap: string, topic: string, recordsPerSec: number, size: number, perBatch: number, seconds: number): Promise<{ records: number; latencyMs: ThroughputResult['latencyMs'] }> {
  const producer = await LoadConnection.open(bootstrap);
  const consumer = await LoadConnection.open(bootstrap);
  const value = jsonRecords(1, size, 5)[0]!;
  const latencies: number[] = [];
  let fetchOffset = 0;
  let running = true;
  const consume = (async () => {
    while (running) {
      const frame = await consumer.send(
        encodeRequest(Fetch, 12, 0, 'bench', {
          replicaId: -1, maxWaitMs: 200, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
          topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
          forgottenTopicsData: [], rackId: '',
        }),
      );
      const arrived = performance.now();
      const { body } = decodeResponse(Fetch, 12, frame);
      const records = (body as { responses: { partitions: { records: Buffer }[] }[] }).responses[0]?.partitions[0]?.records;
      if (!records) continue;
      for (const { at } of batchPositions(records)) {
        for (const r of decodeBatchDecompressing(records, at).records) {
          if (r.offset < fetchOffset) continue;
          // The send time rides in a header as a high-resolution clock reading of this process:
          // record timestamps are whole milliseconds, too coarse for sub-millisecond figures.
          const sentAt = r.headers[0]?.value?.readDoubleBE(0) ?? NaN;
          latencies.push(arrived - sentAt);
          fetchOffset = r.offset + 1;
        }
      }
    }
  })();
  const intervalMs = (1000 * perBatch) / recordsPerSec;
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < seconds * 1000) {
    const due = started + sent * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = Date.now();
    const sentAt = Buffer.alloc(8);
    sentAt.writeDoubleBE(performance.now());
    const batch = encodeBatch(Array.from({ length: perBatch }, () => ({ value, timestamp: now, headers: [{ key: 't', value: sentAt }] })), { baseTimestamp: now });
    void producer.send(encodeRequest(Produce, 9, 0, 'bench', { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] }));
    sent++;
  }
  await new Promise((r) => setTimeout(r, 500));
  running = false;
  await consume;
  producer.close();
  consumer.close();
  return { records: latencies.length, latencyMs: percentiles(latencies) };
}
