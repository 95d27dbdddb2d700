/**
 * `npm run bench:attack` (`node dist/bench/attack.js`): what a broker process does under
 * hostile load, and whether it keeps serving everyone else meanwhile. Each scenario gets a
 * broker of its own (`spindle broker` on 127.0.0.1, a free port, a temporary data directory,
 * stopped by its PID, as the perf harness starts them: bench/perf/broker-process.ts):
 *
 *   flood-fetch              200 connections pipelining Fetch requests (1 MiB answers from a
 *                            topic holding 16 MiB) without ever reading a response
 *   flood-describe-configs   the same with DescribeConfigs of every config of 200 topics, with
 *                            synonyms and documentation (a few KiB asked, about a MiB answered)
 *   flood-metadata           the same with Metadata of all topics (200 of them)
 *   bomb-gzip, bomb-zstd     produce requests whose one batch has a valid CRC and inflates to
 *                            1 GiB of zeros (bench/attack/payloads.ts), from 8 connections, each
 *                            sending again once answered (at most 5 a second each); every request
 *                            writes the batch to two topics: one storing batches as they come
 *                            (compression.type=producer) and one that recompresses
 *                            (compression.type=uncompressed), so the broker must inflate
 *   bomb-lz4                 the largest LZ4 bomb that fits message.max.bytes (~250 MiB: LZ4
 *                            cannot beat ~255:1)
 *   bomb-lz4-1gib            1 GiB of LZ4 (4.2 MB, past message.max.bytes)
 *   claims                   batches whose headers claim 4 GiB to 1 TiB (zstd content size and
 *                            window, LZ4 content size, snappy length, gzip ISIZE, 2^31-1 records),
 *                            each connection cycling through them
 *
 * During each, a control client on a connection of its own sends a small Metadata and a small
 * Produce every 100 ms and times their answers, and once a second a new connection asks for
 * ApiVersions: does the broker keep serving others? The broker's VmRSS and VmHWM are read every
 * 100 ms; past the RSS cap (default 3 GiB) it is killed with SIGKILL and the scenario says so.
 * After the attack one more Metadata on a new connection tells whether it recovered.
 *
 * The tool bounds its own memory: flood sockets are paused and never read (what the broker
 * sends waits in the kernel, not here), each writes one shared 64 KiB chunk of pipelined
 * requests at a time and waits for 'drain'; bomb connections keep one request in flight, from a
 * copy of their own. Its peak RSS is reported beside the broker's.
 *
 * Output: a table on stdout, bench/results/attack-<date>-<host>.json and .md. Benchmarks report,
 * never assert: a broker that balloons or acknowledges bombs is what this is for measuring.
 *
 * Main thread of its own process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrokerProcess, startBrokerProcess } from './perf/broker-process.js';
import { HdrHistogram } from './perf/hdr-histogram.js';
import { encodeProduce, WireConnection } from './perf/wire.js';
import {
  claimPayloads,
  createTopicsRequest,
  describeConfigsRequest,
  fetchRequest,
  GiB,
  gzipBomb,
  KAFKA_MESSAGE_MAX_BYTES,
  lz4Bomb,
  lz4ZerosFitting,
  metadataRequest,
  MiB,
  type Payload,
  pipelined,
  PRODUCE_VERSION,
  produceRequest,
  zstdBomb,
  CLIENT_ID,
} from './attack/payloads.js';
import { decodeResponse, encodeRequest } from '../src/protocol/frame.js';
import { ApiVersions, CreateTopics, Produce } from '../src/protocol/messages/index.js';
import { errorName } from '../src/protocol/errors.js';
import { encodeBatch } from '../src/protocol/records/batch.js';

// ───────────────────────────── limits and defaults ─────────────────────────────

/** Seconds each scenario attacks. */
export const DEFAULT_SECONDS = 20;
/** The broker is killed past this RSS: 3 GiB, well past its 300 MiB target and below what a small machine has. */
export const DEFAULT_RSS_CAP_BYTES = 3 * GiB;
export const DEFAULT_FLOOD_CONNECTIONS = 200;
export const DEFAULT_BOMB_CONNECTIONS = 8;
/** Topics made for the DescribeConfigs and Metadata floods. */
export const DEFAULT_TOPICS = 200;
/** One write of pipelined requests: 64 KiB, shared by every flood socket (Node keeps a reference, never a copy). */
const FLOOD_CHUNK_BYTES = 64 * 1024;
/** Data in the fetched topic: 16 MiB, so every 1 MiB Fetch answer is full. */
const FETCH_TOPIC_BYTES = 16 * MiB;
const FETCH_PARTITION_MAX_BYTES = 1 * MiB;
/**
 * A bomb connection sends at most every 200 ms (5 a second, 40 for 8 connections): a broker that
 * stores each 1 MB gzip bomb writes 40 MB/s, which the bomb topics' retention (64 MiB segments,
 * 128 MiB kept, checked every second) keeps to a few hundred MiB of disk.
 */
const BOMB_MIN_INTERVAL_MS = 200;
/** The control client: one Metadata and one Produce every 100 ms, a new connection every second. */
const CONTROL_INTERVAL_MS = 100;
const CONTROL_CONNECT_INTERVAL_MS = 1000;
/** Requests of one kind the control client leaves waiting before it skips a tick (5 s of them). */
const CONTROL_MAX_OUTSTANDING = 50;
/** A new connection's ApiVersions, and the Metadata after the attack, wait this long for an answer. */
const PROBE_TIMEOUT_MS = 5000;
const AFTER_TIMEOUT_MS = 10_000;
/** An answer slower than this means the broker stopped serving others for a while. */
const SERVED_MAX_MS = 1000;
const WATCH_MS = 100;

const CONTROL_TOPIC = 'attack-control';
const STORED_TOPIC = 'attack-stored';
const RECOMPRESSED_TOPIC = 'attack-recompressed';
const FETCH_TOPIC = 'attack-fetch';
/** Broker keys for every scenario: retention that checks every second, so stored bombs leave quickly. */
/**
 * The brokers attacked. socket.listen.backlog.size is raised from Kafka's 50: two hundred
 * connections opened at once overflow a backlog of 50, and the kernel then leaves about half of
 * them unaccepted while their clients believe they are connected, so the flood would be half
 * the size it says.
 */
const BROKER_CONFIG: Record<string, string | number> = {
  'num.partitions': 1,
  'log.retention.check.interval.ms': 1000,
  'log.segment.delete.delay.ms': 1000,
  'socket.listen.backlog.size': 512,
};
const BOMB_TOPIC_CONFIG = { 'segment.bytes': String(64 * MiB), 'retention.bytes': String(128 * MiB) };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface AttackOptions {
  seconds: number;
  only: string[];
  rssCapBytes: number;
  floodConnections: number;
  bombConnections: number;
  topics: number;
  outDir: string;
  name?: string;
  dataRoot: string;
  brokerBin?: string;
  overrides: Record<string, string>;
}

// ───────────────────────────── results ─────────────────────────────

export interface LatencyStats {
  sent: number;
  answered: number;
  /** Answered with an error code (Produce). */
  errors: number;
  /** Still waiting when the attack ended. */
  unanswered: number;
  /** Failed: the connection refused, closed, or a probe timed out. */
  failed: number;
  /** Ticks skipped because CONTROL_MAX_OUTSTANDING were already waiting. */
  skipped: number;
  p50Ms: number;
  p99Ms: number;
  /** The slowest answer, or the age of the oldest request left unanswered, whichever is more. */
  maxMs: number;
}

export interface FloodStats {
  kind: 'flood';
  connections: number;
  connected: number;
  connectFailed: number;
  /** Connections the broker closed during the attack. */
  closedByBroker: number;
  requestsWritten: number;
  bytesWritten: number;
}

export interface PayloadOutcome {
  payload: string;
  description: string;
  batchBytes: number;
  inflatesToBytes: number;
  sent: number;
  answered: number;
  /** Per topic, answers by error name (NONE: acknowledged). */
  topics: Record<string, Record<string, number>>;
  answerP50Ms: number;
  answerMaxMs: number;
}

export interface BombStats {
  kind: 'bomb';
  connections: number;
  /** Connections the broker closed (each was opened again). */
  closedByBroker: number;
  unansweredAtEnd: number;
  payloads: PayloadOutcome[];
}

export interface ScenarioResult {
  id: string;
  description: string;
  status: 'ok' | 'failed';
  note?: string;
  seconds: number;
  broker: {
    /** Highest VmHWM read (the peak RSS since start). */
    peakRssBytes: number;
    /** VmRSS at the end of the attack (NaN once gone). */
    endRssBytes: number;
    killedAtRssCap: { atSec: number; rssBytes: number } | null;
    /** How it exited by itself during the scenario, with the end of its stderr. */
    exited: { code: number | null; signal: string | null; stderrTail: string } | null;
    /** A Metadata on a new connection after the attack: answered, and how fast. */
    answeredAfter: boolean;
    afterMs: number;
  };
  attacker: { peakRssBytes: number };
  attack?: FloodStats | BombStats;
  control?: { metadata: LatencyStats; produce: LatencyStats; newConnection: LatencyStats };
  verdict: string;
}

export interface AttackReport {
  name: string;
  date: string;
  host: string;
  node: string;
  cpu: string;
  cores: number;
  settings: { seconds: number; rssCapBytes: number; floodConnections: number; bombConnections: number; topics: number; brokerBin: string | null; overrides: Record<string, string> };
  scenarios: ScenarioResult[];
  files: { json: string; markdown: string };
}

// ───────────────────────────── small clients ─────────────────────────────

/**
 * Opens a connection, sends one request and resolves with the milliseconds to its answer's
 * first frame; rejects on refusal, close or after `timeoutMs`. Owns and closes its socket.
 */
export function askOnce(bootstrap: string, request: Buffer, timeoutMs: number): Promise<number> {
  const [host, port] = [bootstrap.slice(0, bootstrap.lastIndexOf(':')), Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let got = 0;
    let need = -1;
    const s = connect(port, host);
    const done = (e?: Error): void => {
      clearTimeout(timer);
      s.destroy();
      if (e) reject(e);
      else resolve(performance.now() - t0);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    s.once('connect', () => s.write(request));
    s.on('data', (d: Buffer) => {
      if (need < 0 && got === 0 && d.length >= 4) need = 4 + d.readInt32BE(0);
      got += d.length;
      if (need >= 0 && got >= need) done();
    });
    s.once('error', (e) => done(e));
    s.once('close', () => done(new Error('closed before answering')));
  });
}

class Probe {
  readonly h = new HdrHistogram();
  sent = 0;
  answered = 0;
  errors = 0;
  failed = 0;
  skipped = 0;
  readonly waiting = new Set<{ sentAt: number }>();

  stats(now: number): LatencyStats {
    const oldest = Math.max(0, ...[...this.waiting].map((w) => now - w.sentAt));
    const s = this.h.summaryMs();
    return {
      sent: this.sent,
      answered: this.answered,
      errors: this.errors,
      unanswered: this.waiting.size,
      failed: this.failed,
      skipped: this.skipped,
      p50Ms: s.p50,
      p99Ms: s.p99,
      maxMs: Math.max(Number.isFinite(s.max) ? s.max : 0, oldest) || NaN,
    };
  }
}

function produceErrors(frame: Buffer): { topic: string; code: number }[] {
  const { body } = decodeResponse(Produce, PRODUCE_VERSION, frame);
  return (body.responses as { name: string; partitionResponses: { errorCode: number }[] }[]).flatMap((t) => t.partitionResponses.map((p) => ({ topic: t.name, code: p.errorCode })));
}

/** The control client: a small Metadata and a small Produce every 100 ms, a new connection every second. */
async function startControl(bootstrap: string): Promise<{ stop(): { metadata: LatencyStats; produce: LatencyStats; newConnection: LatencyStats } }> {
  const conn = await WireConnection.open(bootstrap);
  const metadata = new Probe();
  const produce = new Probe();
  const newConnection = new Probe();
  const metadataTemplate = metadataRequest([CONTROL_TOPIC], 0);
  const produceTemplate = produceRequest([CONTROL_TOPIC], encodeBatch([{ value: Buffer.alloc(100, 0x61) }]));
  const apiVersions = Buffer.from(encodeRequest(ApiVersions, 3, 1, CLIENT_ID, { clientSoftwareName: CLIENT_ID, clientSoftwareVersion: '1' }));
  let stopped = false;
  const fire = (probe: Probe, template: Buffer, isProduce: boolean): void => {
    if (probe.waiting.size >= CONTROL_MAX_OUTSTANDING) {
      probe.skipped++;
      return;
    }
    const token = { sentAt: performance.now() };
    probe.sent++;
    probe.waiting.add(token);
    // A copy per request: the connection patches its correlation id, and the bytes of a
    // request still queued in the socket must not change.
    conn.send(Buffer.from(template)).then(
      (frame) => {
        if (stopped) return;
        probe.waiting.delete(token);
        probe.answered++;
        probe.h.record((performance.now() - token.sentAt) * 1000);
        if (isProduce && produceErrors(frame).some((e) => e.code !== 0)) probe.errors++;
      },
      () => {
        if (stopped) return;
        probe.waiting.delete(token);
        probe.failed++;
      },
    );
  };
  const tick = setInterval(() => {
    fire(metadata, metadataTemplate, false);
    fire(produce, produceTemplate, true);
  }, CONTROL_INTERVAL_MS);
  const connectTick = setInterval(() => {
    const token = { sentAt: performance.now() };
    newConnection.sent++;
    newConnection.waiting.add(token);
    askOnce(bootstrap, apiVersions, PROBE_TIMEOUT_MS).then(
      (ms) => {
        if (stopped) return;
        newConnection.waiting.delete(token);
        newConnection.answered++;
        newConnection.h.record(ms * 1000);
      },
      () => {
        if (stopped) return;
        newConnection.waiting.delete(token);
        newConnection.failed++;
        // A refused or timed-out probe counts at least as long as it waited.
        newConnection.h.record((performance.now() - token.sentAt) * 1000);
      },
    );
  }, CONTROL_CONNECT_INTERVAL_MS);
  return {
    stop() {
      const now = performance.now();
      const out = { metadata: metadata.stats(now), produce: produce.stats(now), newConnection: newConnection.stats(now) };
      stopped = true;
      clearInterval(tick);
      clearInterval(connectTick);
      conn.close();
      return out;
    },
  };
}

// ───────────────────────────── attacks ─────────────────────────────

interface Attack {
  start(): void;
  stop(): Promise<FloodStats | BombStats>;
}

function connectPaused(bootstrap: string): Promise<Socket> {
  const at = bootstrap.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const s = connect(Number(bootstrap.slice(at + 1)), bootstrap.slice(0, at));
    // Never read: what the broker answers stays in the kernel's buffers, not in this process.
    s.pause();
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** `connections` sockets, each writing `chunk` (pipelined requests) again whenever the last write drained, never reading. */
async function flood(bootstrap: string, connections: number, chunk: { bytes: Buffer; requests: number }): Promise<Attack> {
  const stats: FloodStats = { kind: 'flood', connections, connected: 0, connectFailed: 0, closedByBroker: 0, requestsWritten: 0, bytesWritten: 0 };
  const sockets: Socket[] = [];
  let stopping = false;
  const settled = await Promise.allSettled(Array.from({ length: connections }, () => connectPaused(bootstrap)));
  for (const r of settled) {
    if (r.status === 'rejected') {
      stats.connectFailed++;
      continue;
    }
    const s = r.value;
    stats.connected++;
    sockets.push(s);
    s.on('error', () => {});
    s.once('close', () => {
      if (!stopping) stats.closedByBroker++;
    });
  }
  const pump = (s: Socket): void => {
    if (stopping || s.destroyed) return;
    const flowing = s.write(chunk.bytes, (err) => {
      if (err) return;
      stats.requestsWritten += chunk.requests;
      stats.bytesWritten += chunk.bytes.length;
    });
    if (flowing) setImmediate(() => pump(s));
    else s.once('drain', () => pump(s));
  };
  return {
    start: () => sockets.forEach(pump),
    stop: async () => {
      stopping = true;
      for (const s of sockets) s.destroy();
      return stats;
    },
  };
}

/** `connections` producers, each sending the next payload once the last was answered, at most every BOMB_MIN_INTERVAL_MS. */
async function bombard(bootstrap: string, connections: number, payloads: Payload[], topics: string[]): Promise<Attack> {
  const outcomes = payloads.map((p) => ({
    outcome: {
      payload: p.name,
      description: p.description,
      batchBytes: p.batch.length,
      inflatesToBytes: p.inflatesToBytes,
      sent: 0,
      answered: 0,
      topics: Object.fromEntries(topics.map((t) => [t, {} as Record<string, number>])),
      answerP50Ms: NaN,
      answerMaxMs: NaN,
    } satisfies PayloadOutcome,
    h: new HdrHistogram(),
  }));
  const stats: BombStats = { kind: 'bomb', connections, closedByBroker: 0, unansweredAtEnd: 0, payloads: outcomes.map((o) => o.outcome) };
  let stopping = false;
  const loops: Promise<void>[] = [];
  const open = new Set<WireConnection>();
  const run = async (index: number): Promise<void> => {
    // A copy of each request per connection: its correlation id is patched per send.
    const requests = payloads.map((p) => produceRequest(topics, p.batch));
    let conn: WireConnection | null = null;
    for (let k = index; !stopping; k++) {
      const which = k % payloads.length;
      const o = outcomes[which]!;
      const t0 = performance.now();
      try {
        conn ??= await WireConnection.open(bootstrap);
        open.add(conn);
        o.outcome.sent++;
        const frame = await conn.send(requests[which]!);
        const ms = performance.now() - t0;
        o.outcome.answered++;
        o.h.record(ms * 1000);
        for (const e of produceErrors(frame)) {
          const byName = (o.outcome.topics[e.topic] ??= {});
          const name = errorName(e.code);
          byName[name] = (byName[name] ?? 0) + 1;
        }
      } catch {
        if (stopping) {
          stats.unansweredAtEnd++;
          break;
        }
        // The broker closed the connection (or refused a new one): note it, and come back.
        stats.closedByBroker++;
        if (conn) open.delete(conn);
        conn?.close();
        conn = null;
        await sleep(100);
      }
      const wait = BOMB_MIN_INTERVAL_MS - (performance.now() - t0);
      if (wait > 0 && !stopping) await sleep(wait);
    }
  };
  return {
    start: () => {
      for (let i = 0; i < connections; i++) loops.push(run(i));
    },
    stop: async () => {
      stopping = true;
      for (const c of open) c.close();
      await Promise.all(loops);
      for (const o of outcomes) {
        const s = o.h.summaryMs();
        o.outcome.answerP50Ms = s.p50;
        o.outcome.answerMaxMs = s.max;
      }
      return stats;
    },
  };
}

// ───────────────────────────── set-up ─────────────────────────────

async function createTopics(bootstrap: string, names: string[], configs: Record<string, string> = {}): Promise<void> {
  const c = await WireConnection.open(bootstrap);
  try {
    const frame = await c.send(createTopicsRequest(names, configs, 1));
    const { body } = decodeResponse(CreateTopics, 5, frame);
    const bad = (body.topics as { name: string; errorCode: number }[]).filter((t) => t.errorCode !== 0);
    if (bad.length) throw new Error(`CreateTopics: ${bad.slice(0, 3).map((t) => `${t.name} ${errorName(t.errorCode)}`).join(', ')}`);
  } finally {
    c.close();
  }
}

/** Writes FETCH_TOPIC_BYTES of 1 KiB records in 64 KiB batches, eight requests in flight. */
async function fillFetchTopic(bootstrap: string): Promise<void> {
  const request = encodeProduce(FETCH_TOPIC, [0], 63, 1024, 1, 'none');
  const c = await WireConnection.open(bootstrap);
  try {
    const total = Math.ceil(FETCH_TOPIC_BYTES / request.batchBytes);
    let sent = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const copy = Buffer.from(request.bytes);
        while (sent < total) {
          sent++;
          await c.send(copy);
        }
      }),
    );
  } finally {
    c.close();
  }
}

const topicNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `attack-t${String(i).padStart(4, '0')}`);

interface ScenarioSpec {
  id: string;
  description: (o: AttackOptions) => string;
  prepare: (bootstrap: string, o: AttackOptions) => Promise<Attack>;
}

const bombTopics = async (bootstrap: string): Promise<void> => {
  await createTopics(bootstrap, [STORED_TOPIC], { ...BOMB_TOPIC_CONFIG, 'compression.type': 'producer' });
  await createTopics(bootstrap, [RECOMPRESSED_TOPIC], { ...BOMB_TOPIC_CONFIG, 'compression.type': 'uncompressed' });
};

const bombScenario = (id: string, what: string, payloads: () => Payload[]): ScenarioSpec => ({
  id,
  description: (o) => `${o.bombConnections} connections producing ${what} to ${STORED_TOPIC} (compression.type=producer) and ${RECOMPRESSED_TOPIC} (uncompressed: the broker must inflate)`,
  prepare: async (bootstrap, o) => {
    await bombTopics(bootstrap);
    return bombard(bootstrap, o.bombConnections, payloads(), [STORED_TOPIC, RECOMPRESSED_TOPIC]);
  },
});

export const SCENARIOS: ScenarioSpec[] = [
  {
    id: 'flood-fetch',
    description: (o) => `${o.floodConnections} connections pipelining Fetch (1 MiB answers from ${FETCH_TOPIC_BYTES / MiB} MiB of data), never reading`,
    prepare: async (bootstrap, o) => {
      await createTopics(bootstrap, [FETCH_TOPIC]);
      await fillFetchTopic(bootstrap);
      return flood(bootstrap, o.floodConnections, pipelined((id) => fetchRequest(FETCH_TOPIC, FETCH_PARTITION_MAX_BYTES, id), FLOOD_CHUNK_BYTES));
    },
  },
  {
    id: 'flood-describe-configs',
    description: (o) => `${o.floodConnections} connections pipelining DescribeConfigs of all configs of ${o.topics} topics (synonyms, documentation), never reading`,
    prepare: async (bootstrap, o) => {
      const names = topicNames(o.topics);
      await createTopics(bootstrap, names);
      return flood(bootstrap, o.floodConnections, pipelined((id) => describeConfigsRequest(names, id), FLOOD_CHUNK_BYTES));
    },
  },
  {
    id: 'flood-metadata',
    description: (o) => `${o.floodConnections} connections pipelining Metadata of all ${o.topics} topics, never reading`,
    prepare: async (bootstrap, o) => {
      await createTopics(bootstrap, topicNames(o.topics));
      return flood(bootstrap, o.floodConnections, pipelined((id) => metadataRequest(null, id), FLOOD_CHUNK_BYTES));
    },
  },
  bombScenario('bomb-gzip', 'a gzip batch of ~1 MB inflating to 1 GiB of zeros', () => [gzipBomb()]),
  bombScenario('bomb-zstd', 'a zstd batch of 32 KiB inflating to 1 GiB of zeros', () => [zstdBomb()]),
  bombScenario('bomb-lz4', `the largest LZ4 batch within message.max.bytes (${Math.round(lz4ZerosFitting(KAFKA_MESSAGE_MAX_BYTES) / MiB)} MiB of zeros)`, () => [lz4Bomb(lz4ZerosFitting(KAFKA_MESSAGE_MAX_BYTES))]),
  bombScenario('bomb-lz4-1gib', 'an LZ4 batch of 4.2 MB inflating to 1 GiB of zeros (past message.max.bytes)', () => [lz4Bomb(GiB)]),
  bombScenario('claims', 'batches whose headers claim 4 GiB to 1 TiB (each connection cycling through 6 kinds)', claimPayloads),
];

// ───────────────────────────── one scenario ─────────────────────────────

/** One line on how the broker fared: exited, killed, or whether the control client was served (every answer, none slower than SERVED_MAX_MS). */
export function verdictOf(r: ScenarioResult): string {
  if (r.status === 'failed') return 'not measured';
  if (r.broker.exited) return 'broker exited';
  if (r.broker.killedAtRssCap) return 'killed at the RSS cap';
  const c = r.control!;
  const all = [c.metadata, c.produce, c.newConnection];
  if (all.some((s) => s.unanswered > 0 || s.failed > 0 || s.skipped > 0)) return 'stopped serving others';
  if (all.some((s) => s.maxMs >= SERVED_MAX_MS)) return 'served others, slowly';
  return 'served others';
}

async function runScenario(spec: ScenarioSpec, o: AttackOptions, log: (l: string) => void): Promise<ScenarioResult> {
  const result: ScenarioResult = {
    id: spec.id,
    description: spec.description(o),
    status: 'ok',
    seconds: 0,
    broker: { peakRssBytes: NaN, endRssBytes: NaN, killedAtRssCap: null, exited: null, answeredAfter: false, afterMs: NaN },
    attacker: { peakRssBytes: process.memoryUsage.rss() },
    verdict: '',
  };
  let broker: BrokerProcess | null = null;
  let watch: NodeJS.Timeout | null = null;
  let started = performance.now();
  try {
    broker = await startBrokerProcess({ dataRoot: o.dataRoot, config: { ...BROKER_CONFIG, ...o.overrides }, bin: o.brokerBin });
    const b = broker;
    watch = setInterval(() => {
      result.attacker.peakRssBytes = Math.max(result.attacker.peakRssBytes, process.memoryUsage.rss());
      if (b.exitStatus()) return;
      const m = b.memory();
      if (Number.isFinite(m.peakRssBytes)) result.broker.peakRssBytes = Math.max(result.broker.peakRssBytes || 0, m.peakRssBytes);
      if (m.rssBytes > o.rssCapBytes && !result.broker.killedAtRssCap) {
        result.broker.killedAtRssCap = { atSec: (performance.now() - started) / 1000, rssBytes: m.rssBytes };
        process.kill(b.pid, 'SIGKILL');
      }
    }, WATCH_MS);
    await createTopics(b.bootstrap, [CONTROL_TOPIC]);
    const attack = await spec.prepare(b.bootstrap, o);
    const control = await startControl(b.bootstrap);
    // Half a second of the control client alone: its first answers are the broker at rest.
    await sleep(500);
    started = performance.now();
    attack.start();
    while (performance.now() - started < o.seconds * 1000 && !b.exitStatus()) await sleep(WATCH_MS);
    result.seconds = (performance.now() - started) / 1000;
    result.control = control.stop();
    result.attack = await attack.stop();
    const status = b.exitStatus();
    if (status && !result.broker.killedAtRssCap) result.broker.exited = { ...status, stderrTail: b.stderrTail().slice(-1500) };
    if (!status) {
      const m = b.memory();
      result.broker.endRssBytes = m.rssBytes;
      if (Number.isFinite(m.peakRssBytes)) result.broker.peakRssBytes = Math.max(result.broker.peakRssBytes || 0, m.peakRssBytes);
      try {
        result.broker.afterMs = await askOnce(b.bootstrap, metadataRequest([CONTROL_TOPIC], 1), AFTER_TIMEOUT_MS);
        result.broker.answeredAfter = true;
      } catch {
        result.broker.answeredAfter = false;
      }
    }
  } catch (e) {
    result.status = 'failed';
    result.note = (e as Error).message.split('\n')[0];
  } finally {
    if (watch) clearInterval(watch);
    if (broker) await broker.stop();
  }
  result.verdict = verdictOf(result);
  log(`  ${result.verdict}; broker peak RSS ${fmt(result.broker.peakRssBytes / MiB, 0)} MiB${result.broker.killedAtRssCap ? `, killed after ${fmt(result.broker.killedAtRssCap.atSec, 1)} s` : ''}${result.note ? `; ${result.note}` : ''}`);
  return result;
}

// ───────────────────────────── report ─────────────────────────────

const fmt = (n: number | undefined, d = 1): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(d));
const int = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const lat = (s: LatencyStats): string => `${fmt(s.p50Ms, 1)} / ${fmt(s.p99Ms, 1)} / ${fmt(s.maxMs, 0)}`;
const share = (s: LatencyStats): string => `${int(s.answered)}/${int(s.sent)}${s.unanswered ? `, ${s.unanswered} waiting` : ''}${s.failed ? `, ${s.failed} failed` : ''}${s.skipped ? `, ${s.skipped} skipped` : ''}${s.errors ? `, ${s.errors} errors` : ''}`;

function brokerCell(r: ScenarioResult): string {
  if (r.broker.killedAtRssCap) return `killed at ${fmt(r.broker.killedAtRssCap.rssBytes / MiB, 0)} MiB after ${fmt(r.broker.killedAtRssCap.atSec, 1)} s`;
  if (r.broker.exited) return `exited (${r.broker.exited.signal ?? `code ${r.broker.exited.code}`})`;
  return 'ran';
}

function attackCell(a: FloodStats | BombStats | undefined): string {
  if (!a) return '';
  if (a.kind === 'flood') return `${a.connected}/${a.connections} connected, ${int(a.requestsWritten)} requests (${fmt(a.bytesWritten / MiB, 1)} MiB) written to the sockets${a.closedByBroker ? `, ${a.closedByBroker} closed by the broker` : ''}`;
  const sent = a.payloads.reduce((n, p) => n + p.sent, 0);
  const answered = a.payloads.reduce((n, p) => n + p.answered, 0);
  return `${int(answered)}/${int(sent)} answered${a.closedByBroker ? `, ${a.closedByBroker} connections closed by the broker` : ''}${a.unansweredAtEnd ? `, ${a.unansweredAtEnd} waiting at the end` : ''}`;
}

interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

function tables(report: AttackReport): Table[] {
  const ok = report.scenarios;
  const out: Table[] = [];
  out.push({
    title: `Broker under attack (${report.settings.seconds} s each; peak RSS: VmHWM; killed past ${fmt(report.settings.rssCapBytes / MiB, 0)} MiB; answered after: a Metadata on a new connection once the attack stopped, within ${AFTER_TIMEOUT_MS / 1000} s; written: handed to the kernel, whose socket buffers hold part of it)`,
    header: ['scenario', 'peak RSS MiB', 'RSS at end MiB', 'broker', 'answered after', 'attack', 'attacker RSS MiB', 'verdict'],
    rows: ok.map((r) => [
      r.id,
      fmt(r.broker.peakRssBytes / MiB, 0),
      fmt(r.broker.endRssBytes / MiB, 0),
      r.status === 'failed' ? `failed: ${r.note}` : brokerCell(r),
      r.broker.answeredAfter ? `yes, ${fmt(r.broker.afterMs, 0)} ms` : 'no',
      attackCell(r.attack),
      fmt(r.attacker.peakRssBytes / MiB, 0),
      r.verdict,
    ]),
  });
  out.push({
    title: `Control client meanwhile (a Metadata and a Produce every ${CONTROL_INTERVAL_MS} ms on its own connection, a new connection with ApiVersions every ${CONTROL_CONNECT_INTERVAL_MS / 1000} s; p50 / p99 / max ms; answered/sent)`,
    header: ['scenario', 'Metadata', 'answered', 'Produce', 'answered', 'new connection', 'answered'],
    rows: ok
      .filter((r) => r.control)
      .map((r) => {
        const c = r.control!;
        return [r.id, lat(c.metadata), share(c.metadata), lat(c.produce), share(c.produce), lat(c.newConnection), share(c.newConnection)];
      }),
  });
  const bombRows: string[][] = [];
  for (const r of ok) {
    if (r.attack?.kind !== 'bomb') continue;
    for (const p of r.attack.payloads) {
      const outcome = Object.entries(p.topics)
        .map(([t, codes]) => `${t.replace('attack-', '')}: ${Object.entries(codes).map(([n, c]) => `${n} ${c}`).join(', ') || 'no answer'}`)
        .join('; ');
      bombRows.push([r.id, p.payload, int(p.batchBytes), Number.isFinite(p.inflatesToBytes) ? `${fmt(p.inflatesToBytes / MiB, 0)} MiB` : '-', `${int(p.answered)}/${int(p.sent)}`, `${fmt(p.answerP50Ms, 1)} / ${fmt(p.answerMaxMs, 0)}`, outcome]);
    }
  }
  if (bombRows.length) {
    out.push({
      title: 'Bombs and claims: how the broker answered (per topic, answers by error name; NONE: acknowledged; answer time p50 / max ms)',
      header: ['scenario', 'payload', 'batch B', 'inflates to', 'answered/sent', 'answer ms', 'answers'],
      rows: bombRows,
    });
  }
  return out;
}

function textTable(t: Table): string[] {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return ['', t.title, line(t.header), line(widths.map((w) => '-'.repeat(w))), ...t.rows.map(line)];
}

function markdown(report: AttackReport): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    `# Spindle under attack: ${report.name}`,
    '',
    `${report.date.slice(0, 19).replace('T', ' ')} UTC on ${report.host}, ${report.cores} cores (${report.cpu}), Node ${report.node}. Each scenario ran ${report.settings.seconds} s against a broker process of its own${report.settings.brokerBin ? ` (${report.settings.brokerBin})` : ''}; the broker was to be killed past ${fmt(report.settings.rssCapBytes / MiB, 0)} MiB of RSS.${Object.keys(report.settings.overrides).length ? ` Overrides: ${Object.entries(report.settings.overrides).map(([k, v]) => `${k}=${v}`).join(', ')}.` : ''}`,
  ];
  for (const t of tables(report)) {
    lines.push('', `## ${t.title.split(' (')[0]}`, '', t.title.includes(' (') ? `${t.title.slice(t.title.indexOf(' (') + 2, -1)}.` : '', '');
    lines.push(`| ${t.header.map(esc).join(' | ')} |`, `|${t.header.map(() => ' --- ').join('|')}|`, ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`));
  }
  lines.push('', '## Scenarios', '', ...report.scenarios.map((r) => `- **${r.id}**: ${r.description}${r.broker.exited ? `. The broker's last words: \`${r.broker.exited.stderrTail.trim().split('\n').slice(-3).join(' ⏎ ').slice(0, 400)}\`` : ''}`));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

// ───────────────────────────── command line ─────────────────────────────

export const ATTACK_USAGE = `Usage: node dist/bench/attack.js [options]        (npm run bench:attack)

Starts a broker process per scenario and attacks it: floods of pipelined requests never read
(Fetch, DescribeConfigs, Metadata), decompression bombs and batches with huge claims. Reports the
broker's peak RSS, whether it was killed at the RSS cap or exited, and whether a control client
was served meanwhile. Writes bench/results/attack-<date>-<host>.json and .md.

Options:
  --seconds N             attack time per scenario (default ${DEFAULT_SECONDS})
  --only ID[,ID...]       scenarios whose id contains one of these (${SCENARIOS.map((s) => s.id).join(', ')})
  --rss-cap-mib N         kill the broker past this RSS (default ${DEFAULT_RSS_CAP_BYTES / MiB})
  --connections N         flood connections (default ${DEFAULT_FLOOD_CONNECTIONS})
  --bomb-connections N    bomb connections (default ${DEFAULT_BOMB_CONNECTIONS})
  --topics N              topics for the DescribeConfigs and Metadata floods (default ${DEFAULT_TOPICS})
  --override key=value    a broker configuration key for every scenario (repeatable)
  --broker-bin PATH       the spindle command to run (default this checkout's bin/spindle.js)
  --data-dir DIR          parent of the brokers' data directories (default SPINDLE_BENCH_DIR or the OS temp dir)
  --out DIR               where the results go (default bench/results)
  --name NAME             base name of the results files (default attack-<date>-<host>)
  -h, --help              this help`;

export function parseAttackArgs(argv: string[]): AttackOptions | string {
  const o: AttackOptions = {
    seconds: DEFAULT_SECONDS,
    only: [],
    rssCapBytes: DEFAULT_RSS_CAP_BYTES,
    floodConnections: DEFAULT_FLOOD_CONNECTIONS,
    bombConnections: DEFAULT_BOMB_CONNECTIONS,
    topics: DEFAULT_TOPICS,
    outDir: new URL('../../bench/results/', import.meta.url).pathname,
    dataRoot: process.env.SPINDLE_BENCH_DIR ?? tmpdir(),
    overrides: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    const num = (min: number): number | string => {
      const v = value();
      const n = Number(v);
      return v === undefined || !Number.isFinite(n) || n < min ? `${a} needs a number of at least ${min}` : n;
    };
    let n: number | string;
    switch (a) {
      case '-h':
      case '--help':
        return 'help';
      case '--seconds':
        if (typeof (n = num(0.5)) === 'string') return n;
        o.seconds = n;
        break;
      case '--only': {
        const v = value();
        if (!v) return '--only needs scenario ids';
        o.only.push(...v.split(',').filter(Boolean));
        break;
      }
      case '--rss-cap-mib':
        if (typeof (n = num(64)) === 'string') return n;
        o.rssCapBytes = n * MiB;
        break;
      case '--connections':
        if (typeof (n = num(1)) === 'string') return n;
        o.floodConnections = Math.floor(n);
        break;
      case '--bomb-connections':
        if (typeof (n = num(1)) === 'string') return n;
        o.bombConnections = Math.floor(n);
        break;
      case '--topics':
        if (typeof (n = num(1)) === 'string') return n;
        o.topics = Math.floor(n);
        break;
      case '--override': {
        const kv = value();
        const at = kv?.indexOf('=') ?? -1;
        if (!kv || at <= 0) return '--override needs key=value';
        o.overrides[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      case '--broker-bin': {
        const v = value();
        if (!v) return '--broker-bin needs a path';
        o.brokerBin = v;
        break;
      }
      case '--data-dir': {
        const v = value();
        if (!v) return '--data-dir needs a directory';
        o.dataRoot = v;
        break;
      }
      case '--out': {
        const v = value();
        if (!v) return '--out needs a directory';
        o.outDir = v;
        break;
      }
      case '--name': {
        const v = value();
        if (!v || /[/\\]/.test(v)) return '--name needs a file name without directories';
        o.name = v;
        break;
      }
      default:
        return `unknown option '${a}'`;
    }
  }
  return o;
}

export async function runAttack(o: AttackOptions, log: (l: string) => void = (l) => process.stderr.write(`${l}\n`), print: (l: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<AttackReport> {
  const date = new Date();
  const host = hostname();
  const name = o.name ?? `attack-${date.toISOString().slice(0, 10)}-${host}`;
  const specs = o.only.length ? SCENARIOS.filter((s) => o.only.some((x) => s.id === x || (!SCENARIOS.some((y) => y.id === x) && s.id.includes(x)))) : SCENARIOS;
  log(`spindle attack: ${specs.length} scenarios, ${o.seconds} s each, broker killed past ${fmt(o.rssCapBytes / MiB, 0)} MiB`);
  const scenarios: ScenarioResult[] = [];
  for (const [i, s] of specs.entries()) {
    log(`scenario ${i + 1}/${specs.length} ${s.id}: ${s.description(o)}`);
    scenarios.push(await runScenario(s, o, log));
  }
  const report: AttackReport = {
    name,
    date: date.toISOString(),
    host,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    settings: { seconds: o.seconds, rssCapBytes: o.rssCapBytes, floodConnections: o.floodConnections, bombConnections: o.bombConnections, topics: o.topics, brokerBin: o.brokerBin ?? null, overrides: o.overrides },
    scenarios,
    files: { json: `${name}.json`, markdown: `${name}.md` },
  };
  for (const t of tables(report)) for (const l of textTable(t)) print(l);
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(join(o.outDir, report.files.json), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(o.outDir, report.files.markdown), markdown(report));
  log(`written to ${o.outDir}: ${report.files.json}, ${report.files.markdown}`);
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const parsed = parseAttackArgs(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(ATTACK_USAGE);
  } else if (typeof parsed === 'string') {
    console.error(`attack: ${parsed}\n\n${ATTACK_USAGE}`);
    process.exitCode = 2;
  } else {
    const report = await runAttack(parsed);
    process.exitCode = report.scenarios.some((s) => s.status === 'failed') ? 1 : 0;
  }
}
