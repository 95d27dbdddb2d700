/**
 * Mutation fuzzing of the broker over real sockets: for every API and every version the broker
 * advertises, valid request frames (requests.ts: random and realistic values), mutated, sent
 * to a broker started with startBroker() on 127.0.0.1 by several connections at once.
 *
 * Each frame is first decoded here with the project's codec, which says what the broker must do:
 *   decodes                 answer it, with the request's correlation id and a response that
 *                           decodes (Produce with acks=0: no answer; a probe sent after it is
 *                           answered first, or the connection closes when the Produce failed)
 *   ApiVersions, unknown v  answer in the v0 layout (UNSUPPORTED_VERSION)
 *   anything else           close the connection
 * and within CASE_DEADLINE_MS, or it is a hang. At the end the broker's internal-error counter
 * (metrics.faults[FaultCounter.internalErrors]) must still be 0: a handler that threw or a
 * response that failed to encode is never an acceptable answer. A crash (an exception out of a
 * timer of the broker's) ends this process, which fails the suite too. With ten cases or more
 * per (api, version), every one of them must have answered some case, so the run cannot pass
 * by refusing everything at the codec.
 *
 * Budget: a case may not ask the broker to park longer than PARK_MS (a Fetch's maxWaitMs, a
 * JoinGroup's rebalance timeout; the broker's group.max.session.timeout.ms is set to the same)
 * or to create more than NEW_PARTITIONS_BUDGET partitions; such frames are drawn again, so that
 * a run's time is spent on many frames rather than on waits Kafka would also make. Between
 * rounds the fuzzer deletes the topics cases created, so the partition count stays bounded.
 *
 * Replay: the seed is printed. SPINDLE_FUZZ_SEED=<n> replays a run's cases (APIs, versions,
 * values, mutations); ids the broker draws at random (topic ids, member ids) and the
 * interleaving of lanes differ from run to run, so a failure also prints its frame in hex.
 * SPINDLE_FUZZ_CASES=<n> runs longer, SPINDLE_FUZZ_LANES=<n> sets the connections (1 for a
 * strictly sequential replay).
 */
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBroker } from '../../src/broker/server.js';
import { FaultCounter } from '../../src/broker/metrics.js';
import { ProtocolError } from '../../src/protocol/codec/errors.js';
import { decodeRequest, decodeRequestHeader, decodeResponse, encodeRequest } from '../../src/protocol/frame.js';
import { ApiVersions, apiByKey, CreatePartitions, CreateTopics, DeleteTopics, Fetch, JoinGroup, ListGroups, Metadata, OffsetCommit, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import type { ApiSpec } from '../../src/protocol/schema.js';
import { rng } from '../protocol/helpers/round-trip.js';
import { editField, encodeFrame, markedInvalidUtf8, type Mutation, mutateBytes, pickMutation, requestBody, type World, withSizePrefix } from './requests.js';

const SEED = process.env.SPINDLE_FUZZ_SEED !== undefined ? Number(process.env.SPINDLE_FUZZ_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 32);
const CASES = Number(process.env.SPINDLE_FUZZ_CASES ?? 5000);
const LANES = Number(process.env.SPINDLE_FUZZ_LANES ?? 4);
/** Cases between two tidy-ups of the broker's topics. */
const ROUND = 250;
/** Longest a case may ask the broker to park (fetch long poll, join and sync phases). */
const PARK_MS = 500;
/** Longest a case may take before it counts as a hang: parking twice over, plus a loaded machine's slack. */
const CASE_DEADLINE_MS = 4 * PARK_MS + 8_000;
/** Most partitions one case may create. */
const NEW_PARTITIONS_BUDGET = 32;
/** Failures (at most three of a kind) and distinct broker errors printed in the report; all are counted. */
const MAX_REPORTED = 30;

const BASE_TOPICS = [
  { name: 'fuzz-a', partitions: 3, configs: [] as { name: string; value: string }[] },
  { name: 'fuzz-b', partitions: 1, configs: [] },
  { name: 'fuzz-compact', partitions: 2, configs: [{ name: 'cleanup.policy', value: 'compact' }] },
];
const BASE_GROUPS = ['fuzz-offsets', 'fuzz-live'];

/**
 * The broker's stderr, sifted: the lines on connections closed for an undecodable frame
 * (thousands) are counted and dropped; ERROR lines are kept for the report; the rest passes through.
 */
const brokerErrors: string[] = [];
let closingLines = 0;
const writeStderr = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  if (/^closing connection \S+: (bad request|frame size|internal error)/.test(text)) {
    closingLines++;
    return true;
  }
  if (text.startsWith('[ERROR]')) {
    const lines = text.split('\n');
    const message = lines[0]!.replace(/^\[ERROR\] request on \S+ /, '');
    if (!brokerErrors.some((e) => e.startsWith(message)) && brokerErrors.length < MAX_REPORTED) brokerErrors.push([message, ...lines.slice(1, 6)].join('\n'));
  }
  return (writeStderr as (...args: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stderr.write;

console.log(`fuzz: seed ${SEED}, ${CASES} cases, ${LANES} lanes (replay with SPINDLE_FUZZ_SEED=${SEED} SPINDLE_FUZZ_CASES=${CASES})`);

const running = await startBroker({
  port: 0,
  config: {
    'num.io.threads': 1,
    'auto.create.topics.enable': true,
    'group.initial.rebalance.delay.ms': 50,
    'group.min.session.timeout.ms': 10,
    'group.max.session.timeout.ms': PARK_MS,
  },
});
const broker = running.broker;
const internalErrors = (): number => broker.metrics.faults[FaultCounter.internalErrors]!;

// ---- One connection ---------------------------------------------------------------------------

interface Exchange {
  frames: Buffer[];
  closed: boolean;
  timedOut: boolean;
}

class Lane {
  private socket!: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private frames: Buffer[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  async open(): Promise<void> {
    const [host, port] = [running.host, running.port];
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, host, () => resolve(s));
      s.once('error', reject);
    });
    // Reset only now: the previous socket's close event may arrive while this one connects.
    this.socket = socket;
    this.buffered = Buffer.alloc(0);
    this.frames = [];
    this.closed = false;
    // Events of a connection given up on (closed after a hang) must not reach its successor.
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (socket !== this.socket) return;
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        this.frames.push(Buffer.from(this.buffered.subarray(4, 4 + size)));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake?.();
    });
    socket.on('close', () => {
      if (socket !== this.socket) return;
      this.closed = true;
      this.wake?.();
    });
  }

  /** Writes `wire` and waits for `frames` answers, the connection's close, or the deadline. */
  async exchange(wire: Buffer, frames: number): Promise<Exchange> {
    this.frames = [];
    this.socket.write(wire);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.wake?.();
    }, CASE_DEADLINE_MS);
    while (this.frames.length < frames && !this.closed && !timedOut) await new Promise<void>((resolve) => (this.wake = resolve));
    clearTimeout(timer);
    this.wake = undefined;
    const outcome = { frames: this.frames, closed: this.closed && this.frames.length < frames, timedOut };
    // A connection that hung is not used again: its late answer would be taken for the next case's.
    if (timedOut) this.close();
    return outcome;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** One request on a fresh connection, for set-up and tidying; the answer decoded. */
async function call<A extends ApiSpec>(api: A, version: number, body: Record<string, unknown>): Promise<Record<string, any>> {
  const lane = new Lane();
  await lane.open();
  try {
    const r = await lane.exchange(encodeRequest(api, version, 1, 'spindle-fuzz-setup', body), 1);
    if (r.frames.length === 0) throw new Error(`${api.name} v${version}: no answer (closed: ${r.closed})`);
    return decodeResponse(api, version, r.frames[0]!).body;
  } finally {
    lane.close();
  }
}

// ---- What the broker must do with a frame ------------------------------------------------------

type Expected =
  | { kind: 'answer'; api: ApiSpec; version: number; correlationId: number; request: Record<string, any> }
  | { kind: 'silent'; api: ApiSpec; version: number }
  | { kind: 'close'; why: string };

const advertised = new Map(running.router.ranges.map((r) => [r.apiKey, r]));

function expectationOf(frame: Buffer): Expected {
  let header;
  try {
    header = decodeRequestHeader(frame, apiByKey);
  } catch (e) {
    if (e instanceof ProtocolError) return { kind: 'close', why: e.message };
    throw e;
  }
  const { requestApiKey: key, requestApiVersion: version, correlationId } = header.header;
  const range = advertised.get(key);
  if (!range || !header.api) return { kind: 'close', why: `API key ${key} is not served` };
  if (version < range.minVersion || version > range.maxVersion) {
    if (key === ApiVersions.key) return { kind: 'answer', api: ApiVersions, version: 0, correlationId, request: {} };
    return { kind: 'close', why: `${header.api.name} v${version} is not served` };
  }
  let request;
  try {
    request = decodeRequest(header.api, version, frame, header.bodyOffset);
  } catch (e) {
    if (e instanceof ProtocolError) return { kind: 'close', why: e.message };
    throw e;
  }
  if (key === Produce.key && request.acks === 0) return { kind: 'silent', api: header.api, version };
  return { kind: 'answer', api: header.api, version, correlationId, request };
}

/** Whether a decodable request asks for more than a case may (module header: budget). */
function overBudget(e: Expected): boolean {
  if (e.kind !== 'answer') return false;
  const r = e.request;
  switch (e.api.key) {
    case Fetch.key:
      return r.maxWaitMs > PARK_MS;
    case JoinGroup.key:
      return (e.version === 0 ? r.sessionTimeoutMs : r.rebalanceTimeoutMs) > PARK_MS;
    case CreateTopics.key:
      if (r.validateOnly) return false;
      return (r.topics as { numPartitions: number; assignments: unknown[] }[]).reduce((n, t) => n + Math.max(t.numPartitions, t.assignments.length, 1), 0) > NEW_PARTITIONS_BUDGET;
    case CreatePartitions.key:
      return !r.validateOnly && (r.topics as { count: number }[]).some((t) => t.count > NEW_PARTITIONS_BUDGET);
    default:
      return false;
  }
}

// ---- The world the realistic values come from --------------------------------------------------

const world: World = { nodeId: broker.nodeId, topics: [], groups: [...BASE_GROUPS], memberIds: [], generationIds: [], producerIds: [], sessionIds: [] };

function remember(list: (string | number)[], value: string | number): void {
  if (list.includes(value)) return;
  list.push(value);
  if (list.length > 20) list.shift();
}

/** Ids worth reusing, from any answer: member ids, generations, producer ids, fetch sessions. */
function harvest(value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) harvest(v);
    return;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'memberId' && typeof v === 'string' && v !== '') remember(world.memberIds, v);
    else if (k === 'generationId' && typeof v === 'number' && v >= 0) remember(world.generationIds, v);
    else if (k === 'producerId' && typeof v === 'number' && v >= 0) remember(world.producerIds, v);
    else if (k === 'sessionId' && typeof v === 'number' && v > 0) remember(world.sessionIds, v);
    else if (typeof v === 'object') harvest(v);
  }
}

/** Deletes the topics cases created, re-creates base topics a case deleted, and refreshes the world. */
async function tidy(): Promise<void> {
  const base = new Set(BASE_TOPICS.map((t) => t.name));
  const listed = await call(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const extra = (listed.topics as { name: string; isInternal: boolean }[]).filter((t) => !base.has(t.name) && !t.isInternal).map((t) => t.name);
  if (extra.length > 0) await call(DeleteTopics, 5, { topicNames: extra, timeoutMs: 10_000 });
  const present = new Set((listed.topics as { name: string }[]).map((t) => t.name));
  const missing = BASE_TOPICS.filter((t) => !present.has(t.name));
  if (missing.length > 0) {
    await call(CreateTopics, 7, {
      topics: missing.map((t) => ({ name: t.name, numPartitions: t.partitions, replicationFactor: 1, assignments: [], configs: t.configs })),
      timeoutMs: 10_000,
      validateOnly: false,
    });
  }
  const now = await call(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  world.topics = (now.topics as { name: string; topicId: string; partitions: unknown[] }[]).map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.length }));
  const groups = await call(ListGroups, 4, { statesFilter: [] });
  world.groups = [...new Set([...BASE_GROUPS, ...(groups.groups as { groupId: string }[]).map((g) => g.groupId)])].slice(0, 20);
}

async function setUp(): Promise<void> {
  await tidy();
  for (const t of BASE_TOPICS) {
    for (let p = 0; p < t.partitions; p++) {
      await call(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: t.name, partitionData: [{ index: p, records: encodeBatch([{ key: 'k', value: 'one' }, { key: 'k', value: 'two' }]) }] }] });
    }
  }
  await call(OffsetCommit, 2, {
    groupId: 'fuzz-offsets',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    retentionTimeMs: -1,
    topics: [{ name: 'fuzz-a', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: '' }] }],
  });
}

// ---- Cases ---------------------------------------------------------------------------------------

const PAIRS: { api: ApiSpec; version: number }[] = [];
for (const r of running.router.ranges) for (let v = r.minVersion; v <= r.maxVersion; v++) PAIRS.push({ api: apiByKey(r.apiKey)!, version: v });

interface Case {
  index: number;
  what: string;
  frame: Buffer;
  expected: Expected;
}

/** Case `index`: its (api, version) cycles through every advertised pair; the rest comes from the seed. */
function makeCase(index: number): Case | undefined {
  const rand = rng((SEED + Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const { api, version } = PAIRS[index % PAIRS.length]!;
  for (let attempt = 0; attempt < 20; attempt++) {
    const { body, flavour } = requestBody(api, version, rand, world);
    const correlationId = Math.floor(rand() * 2 ** 31);
    let valid: Buffer;
    try {
      valid = encodeFrame(api, version, correlationId, body);
    } catch {
      continue; // a value the codec cannot write (a string too long for an int16 length): draw again
    }
    for (let m = 0; m < 5; m++) {
      const mutation: Mutation = pickMutation(rand);
      let frame = valid;
      let detail = '';
      if (mutation === 'field') {
        const edited = structuredClone(body);
        detail = ` (${editField(api, version, edited, rand)})`;
        try {
          frame = markedInvalidUtf8(encodeFrame(api, version, correlationId, edited, true));
        } catch {
          continue;
        }
      } else if (mutation !== 'none') {
        frame = mutateBytes(valid, mutation, rand);
      }
      const expected = expectationOf(frame);
      if (overBudget(expected)) continue;
      return { index, what: `${api.name} v${version}, ${flavour} values, mutation ${mutation}${detail}`, frame, expected };
    }
  }
  return undefined;
}

interface Failure {
  index: number;
  what: string;
  problem: string;
  frame: string;
}

const failures: Failure[] = [];
let failureCount = 0;
const outcomes = { answered: 0, closed: 0, silent: 0, skipped: 0 };
/** The (api, version) pairs whose handler answered at least one case. */
const answeredPairs = new Set<string>();

/** Failures by API and problem, for the summary. */
const failureKinds = new Map<string, number>();

function fail(c: Case, problem: string): void {
  failureCount++;
  const kind = `${c.what.split(',')[0]!.replace(/ v\d+$/, '')}: ${problem}`;
  const seen = failureKinds.get(kind) ?? 0;
  failureKinds.set(kind, seen + 1);
  if (seen < 3 && failures.length < MAX_REPORTED) failures.push({ index: c.index, what: c.what, problem, frame: c.frame.subarray(0, 256).toString('hex') });
}

const PROBE_CORRELATION_ID = 0x7ffffff0;
const PROBE = encodeRequest(ApiVersions, 0, PROBE_CORRELATION_ID, 'spindle-fuzz-probe', {});

async function runCase(lane: Lane, c: Case): Promise<void> {
  const e = c.expected;
  const wire = withSizePrefix(c.frame);
  if (e.kind === 'silent') {
    const r = await lane.exchange(Buffer.concat([wire, PROBE]), 1);
    // An acks=0 Produce that fails closes the connection, as Kafka closes it (the producer has
    // no other way to learn of the failure), after answering what was read before it; the next
    // case gets a connection of its own either way.
    lane.close();
    if (r.timedOut) return fail(c, `no answer to the probe and no close after an acks=0 Produce within ${CASE_DEADLINE_MS} ms`);
    if (!r.closed) {
      const id = r.frames[0]!.readInt32BE(0);
      if (id !== PROBE_CORRELATION_ID) return fail(c, `an acks=0 Produce was answered (correlation id ${id})`);
    }
    outcomes.silent++;
    return;
  }
  const r = await lane.exchange(wire, 1);
  if (r.timedOut) return fail(c, `neither answered nor closed within ${CASE_DEADLINE_MS} ms`);
  if (e.kind === 'close') {
    if (!r.closed) return fail(c, `answered a frame it cannot decode (${e.why})`);
    outcomes.closed++;
    return;
  }
  if (r.closed) return fail(c, 'closed the connection on a decodable request');
  let decoded;
  try {
    decoded = decodeResponse(e.api, e.version, r.frames[0]!);
  } catch (err) {
    return fail(c, `answer does not decode: ${(err as Error).message}`);
  }
  if (decoded.correlationId !== e.correlationId) return fail(c, `correlation id ${decoded.correlationId}, sent ${e.correlationId}`);
  harvest(decoded.body);
  outcomes.answered++;
  answeredPairs.add(`${e.api.name} v${e.version}`);
}

test(`every advertised API and version survives mutated frames (seed ${SEED})`, async () => {
  await setUp();
  const started = Date.now();
  const lanes = Array.from({ length: LANES }, () => new Lane());
  await Promise.all(lanes.map((l) => l.open()));
  for (let from = 0; from < CASES; from += ROUND) {
    const to = Math.min(CASES, from + ROUND);
    let next = from;
    await Promise.all(
      lanes.map(async (lane) => {
        while (next < to) {
          const c = makeCase(next++);
          if (!c) {
            outcomes.skipped++;
            continue;
          }
          const before = internalErrors();
          await runCase(lane, c);
          if (internalErrors() > before && LANES === 1) fail(c, 'the broker counted an internal error');
          if (lane.isClosed) await lane.open();
        }
      }),
    );
    await tidy();
  }
  for (const l of lanes) l.close();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `fuzz: ${CASES} cases in ${seconds} s over ${PAIRS.length} (api, version) pairs (${answeredPairs.size} answered some): ${outcomes.answered} answered, ${outcomes.closed} closed (undecodable), ` +
      `${outcomes.silent} acks=0, ${outcomes.skipped} skipped, ${closingLines} connections closed; internal errors ${internalErrors()}, failures ${failureCount}`,
  );
  for (const [kind, n] of failureKinds) console.log(`  ${n} × ${kind}`);
  if (brokerErrors.length > 0) console.log(`broker errors:\n${brokerErrors.join('\n')}`);
  for (const f of failures) console.log(`  case ${f.index}: ${f.what}: ${f.problem}\n    frame ${f.frame}`);
  const unanswered = PAIRS.map((p) => `${p.api.name} v${p.version}`).filter((p) => !answeredPairs.has(p));
  if (unanswered.length > 0) console.log(`pairs no case reached the handler of: ${unanswered.join(', ')}`);
  assert.is(internalErrors(), 0, 'internal errors counted by the broker');
  assert.is(failureCount, 0, 'cases answered wrongly, closed wrongly, or hung');
  if (CASES >= 10 * PAIRS.length) assert.equal(unanswered, [], 'every advertised (api, version) answered some case');
});

test.after(async () => {
  await running.close();
});

test.run();
