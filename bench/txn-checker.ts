/**
 * A Jepsen-style checker of transactions: concurrent transactional producers, read_committed
 * consumers and a broker killed with SIGKILL at random moments, then a check of what was read
 * against what every client was told.
 *
 *   node dist/bench/txn-checker.js [--duration 180] [--producers 4] [--partitions 6]
 *     [--consumers 2] [--restart-min 15] [--restart-max 30] [--max-restarts N] [--workers 2]
 *     [--seed N] [--txn-timeout 20] [--segment-bytes N] [--protocol 1|2] [--dir DIR]
 *     [--json FILE] [--keep]                                        (times in seconds)
 *
 * The broker is `spindle broker` as a child process on 127.0.0.1 (test/helpers/txn-broker.ts),
 * restarted on the same data directory after each kill; every client reconnects to the new
 * address. The clients speak the raw protocol, so no client library retries anything behind
 * the checker's back.
 *
 *   producers   N transactional ids, one producer each at a time. A transaction adds 1-3 of
 *               the K partitions, writes 1-3 batches to each (records with unique values,
 *               keys of the producer's own, a per-producer counter for order) and then commits
 *               (~70%), aborts (~20%) or is abandoned (~10%): the producer "dies", a new one
 *               initialises the same id, which fences the old epoch and aborts the transaction,
 *               and half the time the zombie then tries one more write, which must be refused.
 *               A produce whose connection died is retried with the same sequence after the
 *               restart (it must land once) or the transaction is abandoned. An EndTxn whose
 *               connection died is "unknown"; it is retried after the restart (the answer then
 *               decides it) or abandoned, and stays unknown.
 *   protocol    1 (the default): AddPartitionsToTxn v3, Produce v9, EndTxn v3, the epoch
 *               fixed from one InitProducerId to the next. 2 (KIP-890 part 2): no
 *               AddPartitionsToTxn, Produce v12 adds its partition (NOT_ENOUGH_REPLICAS while the
 *               coordinator is busy is retried), EndTxn v5, whose answer gives the producer id and
 *               epoch of the next transaction (sequences from 0 again). A lost EndTxn is retried
 *               with the same old epoch, whose answer then gives the epoch, or given up as
 *               before. Three commits in ten are followed at once by a late write of the ended
 *               transaction's epoch (the next sequence of one of its partitions), which must be
 *               refused; retriable answers are retried, as a zombie would.
 *   consumers   M read_committed consumers reading every partition from offset 0 as long as
 *               the run lasts, as a Kafka consumer does (the aborted transactions of each answer
 *               dropped, control batches skipped), carrying on from their positions after a
 *               restart.
 *   restarts    every restart-min..restart-max seconds the broker is killed (SIGKILL) and
 *               started again.
 *
 * At the end the producers finish (an unknown or abandoned transaction is settled by a new
 * InitProducerId), the LSO of every partition must reach its high watermark, everything is
 * read read_committed, the broker is killed and restarted once more and everything is read
 * again. The anomalies (ANOMALY_MEANINGS): an aborted read, a lost committed write, a torn
 * transaction, per-key order broken, a duplicate, a record a consumer saw and that is gone
 * later (retracted), a partition whose LSO never reaches its high watermark, a zombie's write
 * accepted, a late write of an ended transaction's epoch accepted (protocol 2), a record nobody
 * wrote, a broker that failed to start or died by itself.
 *
 * `analyze` is a pure function of the history, so the test can also feed it made-up histories
 * and see each anomaly caught (test/broker/txn-checker.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../src/protocol/errors.js';
import { Fetch } from '../src/protocol/messages/index.js';
import { Attr, batchPositions, decodeBatchDecompressing, readBatchHeader } from '../src/protocol/records/batch.js';
import { RawClient } from '../test/helpers/raw-client.js';
import { seededRandom } from './micro/data.js';
import {
  addPartitions,
  type BrokerProcess,
  createTopic,
  describeTxn,
  endTxn,
  endTxnV5,
  initProducerId,
  latestOffsets,
  produce,
  produceV12,
  startBrokerProcess,
  txnBatch,
} from '../test/helpers/txn-broker.js';

const E = ErrorCode;
const TOPIC = 'checked';
const NO_UUID = '00000000-0000-0000-0000-000000000000';
const FETCH_MAX_BYTES = 1 << 20;

// ───────────────────────────── the history and its analysis ─────────────────────────────

/**
 * What the client knows of a transaction's end: committed (EndTxn(commit) answered NONE),
 * aborted (EndTxn(abort) answered NONE), abandoned (no EndTxn: a new producer of the id fenced
 * it), fenced (the coordinator had aborted it: PRODUCER_FENCED or an old-epoch answer before
 * any EndTxn went unanswered), unknown (an EndTxn went unanswered and nothing decided it since).
 */
export type Outcome = 'committed' | 'aborted' | 'abandoned' | 'fenced' | 'unknown';

export interface WrittenRecord {
  value: string;
  partition: number;
  key: string;
  /** The producer's counter: records of one key must be read in its order. -1: a zombie's. */
  order: number;
  /** A produce answered NONE for it. */
  acked: boolean;
  /** A late write of the transaction's epoch after its EndTxn v5 was answered: it may never be read. */
  late?: boolean;
}

export interface TxnHistory {
  id: string;
  producer: number;
  /** What the producer meant to do at the end. */
  intent: 'commit' | 'abort' | 'abandon';
  outcome: Outcome;
  records: WrittenRecord[];
  /** When the first EndTxn was sent (performance.now()); a consumer may not read the records before. */
  endSentAt?: number;
}

export interface Seen {
  offset: number;
  value: string;
  /** When a consumer got it during the run (performance.now()). */
  at?: number;
}

export interface History {
  partitions: number;
  txns: TxnHistory[];
  /** read_committed of each partition at the end, and again after one more kill and restart. */
  final: Seen[][];
  finalAfterRestart: Seen[][] | undefined;
  /** What each consumer saw during the run: consumer → partition → records in the order read. */
  live: Seen[][][];
  /** Partitions whose LSO had not reached the high watermark at the end, with both. */
  stuck: string[];
  /** Zombie writes the broker accepted. */
  zombiesAccepted: string[];
  /** Late writes of an ended transaction's epoch (protocol 2) the broker accepted. */
  lateWritesAccepted?: string[];
  /** Broker starts that failed, and exits nobody asked for. */
  brokerFailures: string[];
}

export const ANOMALY_CLASSES = [
  'abortedRead',
  'earlyRead',
  'lostWrite',
  'torn',
  'orderViolation',
  'duplicate',
  'retracted',
  'stuckLso',
  'zombieAccepted',
  'lateWriteAccepted',
  'unknownRecord',
  'brokerFailure',
] as const;
export type AnomalyClass = (typeof ANOMALY_CLASSES)[number];

export const ANOMALY_MEANINGS: Record<AnomalyClass, string> = {
  abortedRead: 'a record of a transaction that was aborted (EndTxn(abort) acknowledged or unanswered, abandoned and fenced, or aborted by the coordinator) was read read_committed, at the end or by a consumer during the run',
  earlyRead: 'a consumer read a record of a transaction before its producer had sent EndTxn(commit): read_committed showed an open transaction',
  lostWrite: 'a transaction whose EndTxn(commit) was acknowledged is missing at least one of its acknowledged records at the end',
  torn: 'a committed or unknown-outcome transaction is partly visible: some of its records, not all',
  orderViolation: "two committed records of one producer and one key are read in the opposite order to the producer's writes",
  duplicate: 'a record is read twice (at two offsets at the end, or twice by one consumer), or a consumer went backwards',
  retracted: 'a record a read_committed consumer read during the run is not at that offset at the end, or the final read changed across the last restart',
  stuckLso: "a partition's last stable offset never reached its high watermark once every producer had finished (a hanging transaction)",
  zombieAccepted: 'a fenced producer (an old epoch) got a write accepted after the new producer of its id was initialised',
  lateWriteAccepted: "a write of a transaction's epoch sent right after its EndTxn v5 (protocol 2) was answered was accepted, or read",
  unknownRecord: 'a record was read that no producer wrote, or in a partition it was not written to',
  brokerFailure: 'the broker failed to start on its data directory after a kill, or exited without being killed',
};

export interface Analysis {
  counts: Record<AnomalyClass, number>;
  examples: Record<AnomalyClass, string[]>;
  /** Records visible at the end, committed transactions fully visible. */
  visibleRecords: number;
  /** Unknown-outcome transactions found committed, and found aborted. */
  unknownCommitted: number;
  unknownAborted: number;
}

const MAX_EXAMPLES = 5;

/** Whether the transaction can never become visible. */
function mustBeInvisible(t: TxnHistory): boolean {
  return t.outcome === 'aborted' || t.outcome === 'abandoned' || t.outcome === 'fenced' || (t.outcome === 'unknown' && t.intent === 'abort');
}

/** Checks a history; pure. */
export function analyze(h: History): Analysis {
  const counts = Object.fromEntries(ANOMALY_CLASSES.map((c) => [c, 0])) as Record<AnomalyClass, number>;
  const examples = Object.fromEntries(ANOMALY_CLASSES.map((c) => [c, [] as string[]])) as Record<AnomalyClass, string[]>;
  const flag = (c: AnomalyClass, example: string): void => {
    counts[c]++;
    if (examples[c].length < MAX_EXAMPLES) examples[c].push(example);
  };
  const byValue = new Map<string, { txn: TxnHistory; rec: WrittenRecord }>();
  for (const txn of h.txns) for (const rec of txn.records) byValue.set(rec.value, { txn, rec });

  // The final read: what is visible, once, where it was written, in order.
  const visibleOf = new Map<TxnHistory, Set<string>>();
  const times = new Map<string, number>();
  let visibleRecords = 0;
  for (let p = 0; p < h.final.length; p++) {
    const lastOrder = new Map<string, { order: number; offset: number }>();
    for (const s of h.final[p]!) {
      visibleRecords++;
      times.set(s.value, (times.get(s.value) ?? 0) + 1);
      const w = byValue.get(s.value);
      if (!w || w.rec.partition !== p) {
        flag('unknownRecord', `${TOPIC}-${p}@${s.offset}: '${s.value}'${w ? ` was written to partition ${w.rec.partition}` : ''}`);
        continue;
      }
      if (mustBeInvisible(w.txn)) flag('abortedRead', `${TOPIC}-${p}@${s.offset}: '${s.value}' of ${w.txn.id} (${w.txn.outcome}, meant to ${w.txn.intent}) at the end`);
      if (w.rec.late) flag('lateWriteAccepted', `${TOPIC}-${p}@${s.offset}: the late write '${s.value}' of ${w.txn.id} is read at the end`);
      let set = visibleOf.get(w.txn);
      if (!set) visibleOf.set(w.txn, (set = new Set()));
      set.add(s.value);
      if (w.rec.order >= 0) {
        const k = `${w.txn.producer}\u0000${w.rec.key}`;
        const before = lastOrder.get(k);
        if (before && before.order > w.rec.order) flag('orderViolation', `producer ${w.txn.producer} key ${w.rec.key}: #${before.order} at ${before.offset} before #${w.rec.order} at ${s.offset} in ${TOPIC}-${p}`);
        lastOrder.set(k, { order: w.rec.order, offset: s.offset });
      }
    }
  }
  for (const [value, n] of times) if (n > 1) flag('duplicate', `'${value}' is read ${n} times at the end`);

  // Each transaction: committed ones whole, unknown ones all or nothing.
  let unknownCommitted = 0;
  let unknownAborted = 0;
  for (const txn of h.txns) {
    const visible = visibleOf.get(txn)?.size ?? 0;
    const counted = txn.records.filter((r) => r.acked && r.order >= 0);
    if (txn.outcome === 'committed') {
      const missing = counted.filter((r) => !visibleOf.get(txn)?.has(r.value));
      if (missing.length > 0) flag('lostWrite', `${txn.id} committed: ${missing.length} of ${counted.length} records missing, e.g. '${missing[0]!.value}' (${TOPIC}-${missing[0]!.partition})`);
    }
    if ((txn.outcome === 'committed' || txn.outcome === 'unknown') && visible > 0 && visible < counted.length) {
      flag('torn', `${txn.id} (${txn.outcome}): ${visible} of ${counted.length} records visible`);
    }
    if (txn.outcome === 'unknown' && txn.intent === 'commit') {
      if (visible > 0) unknownCommitted++;
      else unknownAborted++;
    } else if (txn.outcome === 'unknown') unknownAborted++;
  }

  // The consumers during the run: nothing they read may change or go away.
  const finalAt = h.final.map((seen) => new Map(seen.map((s) => [s.offset, s.value])));
  h.live.forEach((partitions, consumer) => {
    partitions.forEach((seen, p) => {
      let lastOffset = -1;
      const values = new Set<string>();
      for (const s of seen) {
        if (s.offset <= lastOffset || values.has(s.value)) flag('duplicate', `consumer ${consumer} read '${s.value}' at ${TOPIC}-${p}@${s.offset} after offset ${lastOffset}${values.has(s.value) ? ', a second time' : ''}`);
        lastOffset = Math.max(lastOffset, s.offset);
        values.add(s.value);
        const w = byValue.get(s.value);
        if (w?.rec.late) flag('lateWriteAccepted', `consumer ${consumer} read the late write '${s.value}' of ${w.txn.id} at ${TOPIC}-${p}@${s.offset}`);
        if (w && mustBeInvisible(w.txn)) flag('abortedRead', `consumer ${consumer} read '${s.value}' of ${w.txn.id} (${w.txn.outcome}, meant to ${w.txn.intent}) at ${TOPIC}-${p}@${s.offset}`);
        else if (w && s.at !== undefined && (w.txn.endSentAt === undefined || s.at < w.txn.endSentAt)) {
          flag('earlyRead', `consumer ${consumer} read '${s.value}' of ${w.txn.id} at ${TOPIC}-${p}@${s.offset} ${w.txn.endSentAt === undefined ? 'and no EndTxn was ever sent' : `${(w.txn.endSentAt - s.at).toFixed(1)} ms before its EndTxn was sent`}`);
        } else if (!w || w.rec.partition !== p) flag('unknownRecord', `consumer ${consumer} read '${s.value}' at ${TOPIC}-${p}@${s.offset}`);
        const at = finalAt[p]?.get(s.offset);
        if (at !== s.value) flag('retracted', `consumer ${consumer} read '${s.value}' at ${TOPIC}-${p}@${s.offset}; at the end there is ${at === undefined ? 'nothing' : `'${at}'`}`);
      }
    });
  });
  if (h.finalAfterRestart) {
    for (let p = 0; p < h.final.length; p++) {
      const after = new Map((h.finalAfterRestart[p] ?? []).map((s) => [s.offset, s.value]));
      for (const s of h.final[p]!) if (after.get(s.offset) !== s.value) flag('retracted', `${TOPIC}-${p}@${s.offset} '${s.value}' is ${after.has(s.offset) ? `'${after.get(s.offset)}'` : 'gone'} after the last restart`);
      const before = finalAt[p]!;
      for (const [offset, value] of after) if (!before.has(offset)) flag('retracted', `${TOPIC}-${p}@${offset} '${value}' appeared after the last restart`);
    }
  }
  for (const s of h.stuck) flag('stuckLso', s);
  for (const z of h.zombiesAccepted) flag('zombieAccepted', z);
  for (const l of h.lateWritesAccepted ?? []) flag('lateWriteAccepted', l);
  for (const f of h.brokerFailures) flag('brokerFailure', f);
  return { counts, examples, visibleRecords, unknownCommitted, unknownAborted };
}

// ───────────────────────────── the run ─────────────────────────────

export interface CheckerOptions {
  durationMs: number;
  producers: number;
  partitions: number;
  consumers: number;
  restartMinMs: number;
  restartMaxMs: number;
  /**
   * Stop killing after this many restarts (unbounded when absent). The run then also goes on
   * past its duration until they are done, for at most another duration.
   */
  maxRestarts?: number;
  workers: number;
  seed: number;
  txnTimeoutMs: number;
  /**
   * Segment size of the data topic and of __transaction_state (bytes); small ones roll often, so
   * producer snapshots, transaction indexes over several segments and the compaction of
   * __transaction_state are in play. The broker's defaults when absent.
   */
  segmentBytes?: number;
  /**
   * The transaction protocol: 1, AddPartitionsToTxn v3 + Produce v9 + EndTxn v3; 2 (KIP-890
   * part 2), Produce v12 adding its partitions + EndTxn v5 bumping the epoch at every end.
   */
  protocol: 1 | 2;
  /** The data directory; a temporary one, removed at the end unless `keep`, when absent. */
  dir?: string;
  keep?: boolean;
  /** Progress lines (stderr in the command). */
  progress?: (line: string) => void;
}

export const DEFAULT_OPTIONS: CheckerOptions = {
  durationMs: 180_000,
  producers: 4,
  partitions: 6,
  consumers: 2,
  restartMinMs: 15_000,
  restartMaxMs: 30_000,
  workers: 2,
  seed: 1,
  txnTimeoutMs: 20_000,
  protocol: 1,
};

export interface Figures {
  elapsedMs: number;
  restarts: number;
  transactions: number;
  committed: number;
  aborted: number;
  abandoned: number;
  fenced: number;
  unknown: number;
  /** Unknown EndTxn answers that a retry after the restart settled (counted in committed/aborted). */
  unknownSettledByRetry: number;
  recordsAcked: number;
  recordsCommitted: number;
  recordsVisible: number;
  consumerReads: number;
  produceRetries: number;
  endTxnRetries: number;
  concurrentTransactions: number;
  zombieWritesRefused: number;
  /** Protocol 2: Produce v12 answers NOT_ENOUGH_REPLICAS (the coordinator busy adding, e.g. the last markers), retried. */
  addBusy: number;
  /** Protocol 2: late writes of an ended transaction's epoch, refused, by the final answer. */
  lateWritesRefused: Record<string, number>;
  /** Protocol 2: late writes whose answer was lost in a kill. */
  lateWritesLost: number;
  /** From a kill to the broker listening again, and from then to the first acknowledged commit: min, median, max. */
  downtimeMs: number[];
  toFirstCommitMs: number[];
  /** Kills by when they were aimed: at any moment, or right after an EndTxn or a Produce was sent. */
  killMoments: Record<string, number>;
  /** EndTxn requests whose answer was lost: the state DescribeTransactions showed after the restart. */
  lostEndTxnFound: Record<string, number>;
  /** Requests whose connection died before the answer (a kill), by API. */
  lostAnswers: Record<string, number>;
  errors: Record<string, number>;
}

export interface CheckerReport {
  options: CheckerOptions;
  figures: Figures;
  analysis: Analysis;
  anomalies: number;
}

/** Min, median and max, rounded to milliseconds; [] for none. */
function spread(xs: readonly number[]): number[] {
  if (xs.length === 0) return [];
  const sorted = [...xs].sort((a, b) => a - b);
  return [sorted[0]!, sorted[Math.floor(sorted.length / 2)]!, sorted[sorted.length - 1]!].map((x) => Math.round(x));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type AimedAt = 'Produce' | 'EndTxn';

/** The connection died (or did not answer): the request's effect is unknown. */
class Lost extends Error {}

/** The broker process across restarts: where it listens now, or a wait for it to be back. */
class Cluster {
  proc: BrokerProcess | undefined;
  restarts = 0;
  readonly failures: string[] = [];
  private up = false;
  private killing = false;
  private waiters: ((bootstrap: string) => void)[] = [];
  private readonly dir: string;
  private readonly workers: number;
  private readonly env: Record<string, string>;

  constructor(dir: string, workers: number, env: Record<string, string>) {
    this.dir = dir;
    this.workers = workers;
    this.env = env;
  }

  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.proc = await startBrokerProcess(this.dir, { workers: this.workers, env: this.env });
        break;
      } catch (e) {
        this.failures.push(`start ${this.restarts + 1}, attempt ${attempt}: ${(e as Error).message.slice(-2000)}`);
        if (attempt >= 3) throw e;
        await sleep(500);
      }
    }
    const proc = this.proc;
    void proc.exited.then(({ code, signal }) => {
      if (this.killing || this.proc !== proc) return;
      this.up = false;
      this.failures.push(`the broker exited by itself (${code ?? signal}): ${proc.stderr().slice(-2000)}`);
      void this.start().catch(() => {});
    });
    this.up = true;
    for (const w of this.waiters.splice(0)) w(proc.bootstrap);
  }

  ready(): Promise<string> {
    if (this.up && this.proc) return Promise.resolve(this.proc.bootstrap);
    return new Promise((r) => this.waiters.push(r));
  }

  /** Milliseconds from each kill to the broker listening again. */
  readonly downtimes: number[] = [];

  /** SIGKILL, then a start on the same directory. */
  async restart(): Promise<void> {
    this.up = false;
    this.killing = true;
    const killed = performance.now();
    await this.proc!.kill();
    this.killing = false;
    this.restarts++;
    await this.start();
    this.downtimes.push(performance.now() - killed);
    this.listeningAt = performance.now();
  }

  /** When the broker last listened again after a kill; cleared by the first commit after it. */
  listeningAt: number | undefined;
  /** Milliseconds from the broker listening again to the first acknowledged commit. */
  readonly toFirstCommit: number[] = [];

  committed(): void {
    if (this.listeningAt === undefined) return;
    this.toFirstCommit.push(performance.now() - this.listeningAt);
    this.listeningAt = undefined;
  }

  async stop(): Promise<number | null> {
    this.up = false;
    this.killing = true;
    return (await this.proc?.stop()) ?? null;
  }
}

/** One client connection that follows the broker across restarts. */
class Conn {
  private client: RawClient | undefined;
  private readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  /** Runs one request; a dead connection (or no answer) is Lost, and the next call reconnects. */
  async call<T>(fn: (c: RawClient) => Promise<T>): Promise<T> {
    const c = await this.connected();
    try {
      return await fn(c);
    } catch (e) {
      c.close();
      if (this.client === c) this.client = undefined;
      throw new Lost((e as Error).message);
    }
  }

  private async connected(): Promise<RawClient> {
    while (!this.client || this.client.isClosed) {
      const bootstrap = await this.cluster.ready();
      try {
        this.client = await RawClient.connect(bootstrap);
      } catch {
        await sleep(50);
      }
    }
    return this.client;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

/** What a read_committed consumer does with one partition's answer, as Kafka's consumer does; the new position. */
function takeCommitted(records: Buffer, aborted: readonly { producerId: number; firstOffset: number }[], position: number, out: Seen[], stamp?: number): number {
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<number>();
  let next = position;
  for (const { at } of batchPositions(records)) {
    const h = readBatchHeader(records, at);
    const last = h.baseOffset + h.lastOffsetDelta;
    if (last < position) continue;
    while (pending.length > 0 && pending[0]!.firstOffset <= last) abortedProducers.add(pending.shift()!.producerId);
    next = last + 1;
    if (h.attributes & Attr.control) {
      abortedProducers.delete(h.producerId);
      continue;
    }
    if (h.attributes & Attr.transactional && abortedProducers.has(h.producerId)) continue;
    for (const r of decodeBatchDecompressing(records, at).records) if (r.offset >= position) out.push(stamp === undefined ? { offset: r.offset, value: r.value?.toString() ?? '<null>' } : { offset: r.offset, value: r.value?.toString() ?? '<null>', at: stamp });
  }
  return next;
}

/** One read_committed Fetch of every partition from `positions`; advances them. Errors by partition. */
async function fetchCommitted(c: RawClient, positions: number[], seen: Seen[][], maxWaitMs: number, stamped = false): Promise<{ errors: { partition: number; errorCode: number }[]; progressed: boolean }> {
  const r = await c.request(Fetch, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: FETCH_MAX_BYTES,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    forgottenTopicsData: [],
    rackId: '',
    topics: [{ topic: TOPIC, topicId: NO_UUID, partitions: positions.map((fetchOffset, partition) => ({ partition, fetchOffset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: FETCH_MAX_BYTES >> 2 })) }],
  });
  const stamp = stamped ? performance.now() : undefined;
  const errors: { partition: number; errorCode: number }[] = [];
  let progressed = false;
  for (const p of r.responses[0]?.partitions ?? []) {
    if (p.errorCode !== 0) {
      errors.push({ partition: p.partitionIndex, errorCode: p.errorCode });
      continue;
    }
    const before = positions[p.partitionIndex]!;
    positions[p.partitionIndex] = takeCommitted(p.records as Buffer, p.abortedTransactions ?? [], before, seen[p.partitionIndex]!, stamp);
    if (positions[p.partitionIndex] !== before) progressed = true;
  }
  return { errors, progressed };
}

/** Everything read_committed, from offset 0, until the LSO of every partition. */
async function readAll(cluster: Cluster, partitions: number): Promise<Seen[][]> {
  const conn = new Conn(cluster);
  try {
    for (let attempt = 0; ; attempt++) {
      const seen: Seen[][] = Array.from({ length: partitions }, () => []);
      const positions = new Array<number>(partitions).fill(0);
      try {
        const lso = await conn.call((c) => latestOffsets(c, TOPIC, [...Array(partitions).keys()], 1));
        for (;;) {
          const { errors } = await conn.call((c) => fetchCommitted(c, positions, seen, 0));
          if (errors.length > 0) throw new Lost(`fetch errors ${JSON.stringify(errors)}`);
          if (positions.every((p, i) => p >= lso[i]!)) return seen;
        }
      } catch (e) {
        if (!(e instanceof Lost) || attempt >= 20) throw e;
        await sleep(250);
      }
    }
  } finally {
    conn.close();
  }
}

const COORDINATOR_RETRIABLE = new Set<number>([E.CONCURRENT_TRANSACTIONS, E.COORDINATOR_LOAD_IN_PROGRESS, E.COORDINATOR_NOT_AVAILABLE, E.NOT_COORDINATOR]);
const PRODUCE_RETRIABLE = new Set<number>([E.NOT_LEADER_OR_FOLLOWER, E.KAFKA_STORAGE_ERROR, E.REQUEST_TIMED_OUT, E.UNKNOWN_TOPIC_OR_PARTITION, E.NOT_ENOUGH_REPLICAS]);
const FENCED = new Set<number>([E.PRODUCER_FENCED, E.INVALID_PRODUCER_EPOCH, E.INVALID_PRODUCER_ID_MAPPING]);
const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));

export async function runChecker(options: Partial<CheckerOptions> = {}): Promise<CheckerReport> {
  const o: CheckerOptions = { ...DEFAULT_OPTIONS, ...options };
  const say = o.progress ?? (() => {});
  // The run's decisions follow the seed (the timing does not).
  const rnd = seededRandom(o.seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'spindle-txn-checker-'));
  const cluster = new Cluster(dir, o.workers, {
    SPINDLE_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '8',
    SPINDLE_OFFSETS_TOPIC_NUM_PARTITIONS: '4',
    SPINDLE_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS: '1000',
    ...(o.segmentBytes
      ? { SPINDLE_LOG_SEGMENT_BYTES: String(o.segmentBytes), SPINDLE_TRANSACTION_STATE_LOG_SEGMENT_BYTES: String(o.segmentBytes), SPINDLE_LOG_CLEANER_BACKOFF_MS: '1000' }
      : {}),
  });
  const started = Date.now();
  const txns: TxnHistory[] = [];
  const zombiesAccepted: string[] = [];
  const lateWritesAccepted: string[] = [];
  const v2 = o.protocol === 2;
  const f: Figures = {
    elapsedMs: 0,
    restarts: 0,
    transactions: 0,
    committed: 0,
    aborted: 0,
    abandoned: 0,
    fenced: 0,
    unknown: 0,
    unknownSettledByRetry: 0,
    recordsAcked: 0,
    recordsCommitted: 0,
    recordsVisible: 0,
    consumerReads: 0,
    produceRetries: 0,
    endTxnRetries: 0,
    concurrentTransactions: 0,
    zombieWritesRefused: 0,
    addBusy: 0,
    lateWritesRefused: {},
    lateWritesLost: 0,
    downtimeMs: [],
    toFirstCommitMs: [],
    killMoments: {},
    lostEndTxnFound: {},
    lostAnswers: {},
    errors: {},
  };
  const countLost = (what: string): void => {
    f.lostAnswers[what] = (f.lostAnswers[what] ?? 0) + 1;
  };
  const countError = (what: string, code: number): void => {
    const k = `${what} ${ERROR_NAMES.get(code) ?? code}`;
    f.errors[k] = (f.errors[k] ?? 0) + 1;
  };
  let stopping = false;
  let consumersStop = false;
  /** After this, the producers give up waiting for the coordinator (the run has gone wrong). */
  const hardDeadline = started + o.durationMs + 120_000;

  await cluster.start();
  {
    const conn = new Conn(cluster);
    const code = await conn.call((c) => createTopic(c, TOPIC, o.partitions));
    conn.close();
    if (code !== 0) throw new Error(`CreateTopics answered ${code}`);
  }

  // A kill aimed at a request: the next one of that API sent sets it off, 0-5 ms later.
  let trigger: { api: AimedAt; fire: () => void } | undefined;
  const sent = (api: AimedAt): void => {
    const t = trigger;
    if (t?.api !== api) return;
    trigger = undefined;
    setTimeout(t.fire, pick(6));
  };

  // ── producers ──
  const producer = async (i: number): Promise<void> => {
    const tid = `checker-${i}`;
    const conn = new Conn(cluster);
    let pid = -1;
    let epoch = -1;
    let needInit = true;
    const seqs = new Map<number, number>();
    let n = 0;
    let order = 0;
    let zombie: { pid: number; epoch: number; partition: number; seq: number; txn: TxnHistory } | undefined;

    /** InitProducerId until answered; false when the coordinator never answered before the hard deadline. */
    const init = async (): Promise<boolean> => {
      while (Date.now() < hardDeadline) {
        let r;
        try {
          r = await conn.call((c) => initProducerId(c, tid, o.txnTimeoutMs));
        } catch (e) {
          if (!(e instanceof Lost)) throw e;
          countLost('InitProducerId');
          await sleep(50);
          continue;
        }
        if (r.errorCode === 0) {
          pid = r.producerId;
          epoch = r.producerEpoch;
          seqs.clear();
          needInit = false;
          return true;
        }
        if (r.errorCode === E.CONCURRENT_TRANSACTIONS) f.concurrentTransactions++;
        else countError('InitProducerId', r.errorCode);
        await sleep(COORDINATOR_RETRIABLE.has(r.errorCode) ? 20 : 200);
      }
      return false;
    };

    /** A fenced producer's late write: it must be refused. */
    const zombieWrite = async (): Promise<void> => {
      const z = zombie!;
      zombie = undefined;
      const value = `${z.txn.id}|z|-1`;
      const rec: WrittenRecord = { value, partition: z.partition, key: `Z${i}`, order: -1, acked: false };
      z.txn.records.push(rec);
      try {
        const batch = txnBatch(z.pid, z.epoch, z.seq, [{ key: rec.key, value }]);
        const r = await conn.call((c) => (v2 ? produceV12 : produce)(c, tid, TOPIC, z.partition, batch));
        if (r.errorCode === 0) {
          rec.acked = true;
          zombiesAccepted.push(`${tid}: epoch ${z.epoch} wrote '${value}' to ${TOPIC}-${z.partition}@${r.baseOffset} after epoch ${epoch} was handed out`);
        } else f.zombieWritesRefused++;
      } catch (e) {
        if (!(e instanceof Lost)) throw e;
      }
    };

    /**
     * Protocol 2: a write of the ended transaction's epoch sent right after its EndTxn v5 was
     * answered, at the next sequence of one of its partitions. It must be refused; retriable
     * answers are tried again, as a zombie would.
     */
    const lateWrite = async (txn: TxnHistory, lpid: number, lepoch: number, partition: number, ended: Map<number, number>): Promise<void> => {
      const value = `${txn.id}|late|-1`;
      const rec: WrittenRecord = { value, partition, key: `L${i}`, order: -1, acked: false, late: true };
      txn.records.push(rec);
      const batch = txnBatch(lpid, lepoch, ended.get(partition) ?? 0, [{ key: rec.key, value }]);
      for (let attempt = 0; attempt < 100; attempt++) {
        let r;
        try {
          r = await conn.call((c) => produceV12(c, tid, TOPIC, partition, batch));
        } catch (e) {
          if (!(e instanceof Lost)) throw e;
          f.lateWritesLost++;
          return;
        }
        if (r.errorCode === 0) {
          rec.acked = true;
          lateWritesAccepted.push(`${tid}: producer ${lpid} epoch ${lepoch} wrote '${value}' to ${TOPIC}-${partition}@${r.baseOffset} after ${txn.id}'s EndTxn v5 was answered with epoch ${epoch}`);
          return;
        }
        if (PRODUCE_RETRIABLE.has(r.errorCode) && attempt < 99) {
          await sleep(20);
          continue;
        }
        const k = ERROR_NAMES.get(r.errorCode) ?? String(r.errorCode);
        f.lateWritesRefused[k] = (f.lateWritesRefused[k] ?? 0) + 1;
        return;
      }
    };

    const finish = (txn: TxnHistory, outcome: Outcome): void => {
      txn.outcome = outcome;
      f[outcome]++;
      if (outcome === 'committed') {
        f.recordsCommitted += txn.records.filter((r) => r.acked).length;
        cluster.committed();
      }
    };

    /** Writes one batch with retries; 'ok', or why the transaction cannot go on. */
    const write = async (txn: TxnHistory, partition: number, recs: WrittenRecord[]): Promise<'ok' | 'lost' | 'fenced' | 'failed'> => {
      const seq = seqs.get(partition) ?? 0;
      const batch = txnBatch(pid, epoch, seq, recs.map((r) => ({ key: r.key, value: r.value })));
      for (let attempt = 0; attempt < 50; attempt++) {
        let r;
        try {
          const answer = conn.call((c) => (v2 ? produceV12 : produce)(c, tid, TOPIC, partition, batch));
          sent('Produce');
          r = await answer;
        } catch (e) {
          if (!(e instanceof Lost)) throw e;
          countLost('Produce');
          // Written or not: either the same batch again (it must land once) or give the transaction up.
          if (rnd() < 0.3 || Date.now() > hardDeadline) return 'lost';
          f.produceRetries++;
          continue;
        }
        if (r.errorCode === 0) {
          for (const x of recs) x.acked = true;
          f.recordsAcked += recs.length;
          seqs.set(partition, seq + recs.length);
          return 'ok';
        }
        if (v2 && r.errorCode === E.NOT_ENOUGH_REPLICAS && Date.now() < hardDeadline) {
          // The coordinator could not add the partition yet (the last transaction's markers, a load).
          f.addBusy++;
          attempt--;
          await sleep(20);
          continue;
        }
        countError('Produce', r.errorCode);
        if (PRODUCE_RETRIABLE.has(r.errorCode)) {
          f.produceRetries++;
          await sleep(50);
          continue;
        }
        return FENCED.has(r.errorCode) ? 'fenced' : 'failed';
      }
      return 'failed';
    };

    const transaction = async (): Promise<void> => {
      const roll = rnd();
      const txn: TxnHistory = { id: `P${i}.${n++}`, producer: i, intent: roll < 0.1 ? 'abandon' : roll < 0.3 ? 'abort' : 'commit', outcome: 'unknown', records: [] };
      txns.push(txn);
      f.transactions++;
      const count = 1 + pick(Math.min(3, o.partitions));
      const chosen = new Set<number>();
      while (chosen.size < count) chosen.add(pick(o.partitions));
      const partitions = [...chosen].sort((a, b) => a - b);
      // AddPartitionsToTxn (protocol 1 only); retried as it is idempotent.
      while (!v2) {
        let codes: number[];
        try {
          codes = await conn.call((c) => addPartitions(c, tid, pid, epoch, TOPIC, partitions));
        } catch (e) {
          if (!(e instanceof Lost)) throw e;
          countLost('AddPartitionsToTxn');
          if (Date.now() > hardDeadline) return finish(txn, 'abandoned');
          continue;
        }
        if (codes.every((x) => x === 0)) break;
        const bad = codes.find((x) => x !== 0)!;
        if (COORDINATOR_RETRIABLE.has(bad) && Date.now() < hardDeadline) {
          if (bad === E.CONCURRENT_TRANSACTIONS) f.concurrentTransactions++;
          else countError('AddPartitionsToTxn', bad);
          await sleep(20);
          continue;
        }
        countError('AddPartitionsToTxn', bad);
        needInit = true;
        return finish(txn, FENCED.has(bad) ? 'fenced' : 'abandoned');
      }
      const rounds = 1 + pick(2);
      for (let round = 0; round < rounds; round++) {
        for (const p of partitions) {
          const recs: WrittenRecord[] = [];
          const size = 1 + pick(3);
          for (let k = 0; k < size; k++) {
            const rec: WrittenRecord = { value: `${txn.id}|${txn.records.length}|${order}`, partition: p, key: `K${i}.${p}.${pick(3)}`, order: order++, acked: false };
            txn.records.push(rec);
            recs.push(rec);
          }
          const how = await write(txn, p, recs);
          if (how !== 'ok') {
            needInit = true;
            return finish(txn, how === 'fenced' ? 'fenced' : 'abandoned');
          }
        }
      }
      if (txn.intent === 'abandon') {
        // The producer dies; the next one fences it, and the zombie may try once more.
        if (rnd() < 0.5) zombie = { pid, epoch, partition: partitions[0]!, seq: seqs.get(partitions[0]!) ?? 0, txn };
        needInit = true;
        return finish(txn, 'abandoned');
      }
      const commit = txn.intent === 'commit';
      let lost = false;
      txn.endSentAt = performance.now();
      for (;;) {
        let code: number;
        let next = { producerId: pid, producerEpoch: epoch };
        try {
          const answer = conn.call(async (c) => (v2 ? endTxnV5(c, tid, pid, epoch, commit) : { errorCode: await endTxn(c, tid, pid, epoch, commit), producerId: pid, producerEpoch: epoch }));
          sent('EndTxn');
          const r = await answer;
          code = r.errorCode;
          next = { producerId: r.producerId, producerEpoch: r.producerEpoch };
        } catch (e) {
          if (!(e instanceof Lost)) throw e;
          countLost('EndTxn');
          lost = true;
          // What the coordinator holds after the restart, before anything else is asked of it.
          try {
            const d = await conn.call((c) => describeTxn(c, tid));
            const k = `${commit ? 'commit' : 'abort'} → ${d.errorCode === 0 ? d.transactionState : `error ${d.errorCode}`}`;
            f.lostEndTxnFound[k] = (f.lostEndTxnFound[k] ?? 0) + 1;
          } catch (e) {
            if (!(e instanceof Lost)) throw e;
          }
          // Ask again after the restart (the answer decides it), or give up and leave it unknown.
          if (rnd() < 0.5 || Date.now() > hardDeadline) {
            needInit = true;
            return finish(txn, 'unknown');
          }
          f.endTxnRetries++;
          continue;
        }
        if (code === 0) {
          if (lost) f.unknownSettledByRetry++;
          finish(txn, commit ? 'committed' : 'aborted');
          if (!v2) return;
          // The next transaction's producer id and epoch, sequences from 0.
          const ended = { pid, epoch, seqs: new Map(seqs) };
          pid = next.producerId;
          epoch = next.producerEpoch;
          seqs.clear();
          if (commit && rnd() < 0.3) await lateWrite(txn, ended.pid, ended.epoch, partitions[pick(partitions.length)]!, ended.seqs);
          return;
        }
        if (COORDINATOR_RETRIABLE.has(code) && Date.now() < hardDeadline) {
          if (code === E.CONCURRENT_TRANSACTIONS) f.concurrentTransactions++;
          else countError('EndTxn', code);
          await sleep(20);
          continue;
        }
        countError('EndTxn', code);
        needInit = true;
        return finish(txn, FENCED.has(code) && !lost ? 'fenced' : 'unknown');
      }
    };

    try {
      while (!stopping) {
        if (needInit && !(await init())) return;
        if (zombie) await zombieWrite();
        await transaction();
      }
      // Settle what the last transaction left: a new InitProducerId aborts or completes it.
      if (needInit) await init();
      if (zombie) await zombieWrite();
    } finally {
      conn.close();
    }
  };

  // ── consumers ──
  const live: Seen[][][] = [];
  const consumer = async (k: number): Promise<void> => {
    const conn = new Conn(cluster);
    const seen: Seen[][] = Array.from({ length: o.partitions }, () => []);
    live[k] = seen;
    const positions = new Array<number>(o.partitions).fill(0);
    try {
      while (!consumersStop) {
        try {
          const { errors } = await conn.call((c) => fetchCommitted(c, positions, seen, 100, true));
          for (const e of errors) countError(`Fetch (consumer) ${TOPIC}-${e.partition}`, e.errorCode);
          if (errors.length > 0) await sleep(50);
        } catch (e) {
          if (!(e instanceof Lost)) throw e;
          await sleep(50);
        }
      }
    } finally {
      conn.close();
    }
  };

  // ── restarts ──
  let restartsDone: Promise<void> = Promise.resolve();
  const restarts = async (): Promise<void> => {
    while (!stopping && (o.maxRestarts === undefined || cluster.restarts < o.maxRestarts)) {
      const wait = o.restartMinMs + rnd() * Math.max(0, o.restartMaxMs - o.restartMinMs);
      const until = Date.now() + wait;
      while (!stopping && Date.now() < until) await sleep(Math.min(100, until - Date.now()));
      if (stopping) return;
      // Some kills at any moment, some right after an EndTxn or a Produce is sent.
      const roll = rnd();
      const aim: AimedAt | undefined = roll < 0.4 ? undefined : roll < 0.7 ? 'EndTxn' : 'Produce';
      let moment = 'any moment';
      if (aim) {
        moment = await new Promise<string>((fired) => {
          const fire = (): void => fired(`${aim} in flight`);
          trigger = { api: aim, fire };
          setTimeout(() => {
            if (trigger?.fire !== fire) return;
            trigger = undefined;
            fired(`any moment (no ${aim} within 3 s)`);
          }, 3000);
        });
      }
      f.killMoments[moment] = (f.killMoments[moment] ?? 0) + 1;
      say(`${((Date.now() - started) / 1000).toFixed(1)} s: kill -9 #${cluster.restarts + 1} at ${moment} (${f.transactions} transactions so far)`);
      await cluster.restart();
    }
  };

  const tick = setInterval(() => say(`${((Date.now() - started) / 1000).toFixed(0)} s: ${f.transactions} transactions (${f.committed} committed, ${f.aborted} aborted, ${f.abandoned} abandoned, ${f.fenced} fenced, ${f.unknown} unknown), ${cluster.restarts} restarts`), 10_000);
  tick.unref();
  let report: CheckerReport;
  try {
    const producing = Array.from({ length: o.producers }, (_, i) => producer(i));
    const consuming = Array.from({ length: o.consumers }, (_, k) => consumer(k));
    restartsDone = restarts();
    await sleep(o.durationMs);
    const overtime = Date.now() + o.durationMs;
    while (o.maxRestarts !== undefined && cluster.restarts < o.maxRestarts && Date.now() < overtime) await sleep(100);
    stopping = true;
    await restartsDone;
    await Promise.all(producing);
    say(`${((Date.now() - started) / 1000).toFixed(1)} s: producers done; settling`);

    // Every partition's LSO must reach its high watermark.
    const stuck: string[] = [];
    const all = [...Array(o.partitions).keys()];
    const conn = new Conn(cluster);
    const settleBy = Date.now() + 30_000;
    for (;;) {
      let hw: number[] = [];
      let lso: number[] = [];
      try {
        hw = await conn.call((c) => latestOffsets(c, TOPIC, all, 0));
        lso = await conn.call((c) => latestOffsets(c, TOPIC, all, 1));
      } catch (e) {
        if (!(e instanceof Lost)) throw e;
      }
      if (hw.length > 0 && hw.every((h, p) => h === lso[p])) break;
      if (Date.now() > settleBy) {
        for (const p of all) if (hw[p] !== lso[p]) stuck.push(`${TOPIC}-${p}: LSO ${lso[p]}, high watermark ${hw[p]}`);
        break;
      }
      await sleep(100);
    }
    conn.close();
    // The consumers read up to the end too.
    await sleep(500);
    consumersStop = true;
    await Promise.all(consuming);
    const final = await readAll(cluster, o.partitions);
    say(`${((Date.now() - started) / 1000).toFixed(1)} s: final read done; one more kill -9 and read`);
    f.restarts = cluster.restarts;
    f.downtimeMs = spread(cluster.downtimes);
    f.toFirstCommitMs = spread(cluster.toFirstCommit);
    await cluster.restart();
    const finalAfterRestart = await readAll(cluster, o.partitions);
    const stopCode = await cluster.stop();
    if (stopCode !== 0) cluster.failures.push(`the last stop (SIGTERM) exited with ${stopCode}`);

    const analysis = analyze({ partitions: o.partitions, txns, final, finalAfterRestart, live, stuck, zombiesAccepted, lateWritesAccepted, brokerFailures: cluster.failures });
    f.elapsedMs = Date.now() - started;
    f.recordsVisible = analysis.visibleRecords;
    f.consumerReads = live.reduce((n, c) => n + c.reduce((m, p) => m + p.length, 0), 0);
    report = { options: o, figures: f, analysis, anomalies: Object.values(analysis.counts).reduce((a, b) => a + b, 0) };
  } finally {
    clearInterval(tick);
    stopping = true;
    consumersStop = true;
    await cluster.proc?.kill();
    if (!o.dir && !o.keep) rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

/** The figures and the anomalies, as the command prints them. */
export function formatReport(r: CheckerReport): string {
  const f = r.figures;
  const lines = [
    `transactions      ${f.transactions}: ${f.committed} committed, ${f.aborted} aborted, ${f.abandoned} abandoned (fenced by a new producer), ${f.fenced} aborted by the coordinator, ${f.unknown} unknown`,
    `unknown outcomes  ${f.unknown} left unknown (${r.analysis.unknownCommitted} found committed, ${r.analysis.unknownAborted} found aborted); ${f.unknownSettledByRetry} more settled by a retried EndTxn`,
    `records           ${f.recordsAcked} acknowledged, ${f.recordsCommitted} in acknowledged commits, ${f.recordsVisible} visible at the end; consumers read ${f.consumerReads} during the run`,
    `restarts          ${f.restarts} (kill -9: ${Object.entries(f.killMoments).map(([k, v]) => `${v} at ${k}`).join(', ') || 'none'}), plus one before the last read`,
    `downtime          kill to listening ${f.downtimeMs.join(' / ') || '-'} ms, listening to the first commit ${f.toFirstCommitMs.join(' / ') || '-'} ms (min / median / max)`,
    `lost answers      ${Object.entries(f.lostAnswers).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `lost EndTxn       after the restart: ${Object.entries(f.lostEndTxnFound).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `retries           ${f.produceRetries} produce, ${f.endTxnRetries} EndTxn after a lost answer; ${f.concurrentTransactions} CONCURRENT_TRANSACTIONS answers; ${f.zombieWritesRefused} zombie writes refused`,
    `elapsed           ${(f.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (r.options.protocol === 2) {
    const refused = Object.entries(f.lateWritesRefused);
    lines.splice(
      lines.length - 1,
      0,
      `protocol 2        ${f.addBusy} NOT_ENOUGH_REPLICAS answers to Produce v12 (coordinator busy), retried; late writes of an ended transaction's epoch: ${refused.reduce((n, [, v]) => n + v, 0)} refused (${refused.map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}), ${f.lateWritesLost} answers lost`,
    );
  }
  const errors = Object.entries(f.errors);
  if (errors.length > 0) lines.push(`error answers     ${errors.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  lines.push('anomalies');
  for (const c of ANOMALY_CLASSES) {
    lines.push(`  ${`${c} `.padEnd(16)}${r.analysis.counts[c]}`);
    for (const ex of r.analysis.examples[c]) lines.push(`      ${ex}`);
  }
  lines.push(r.anomalies === 0 ? 'no anomalies' : `${r.anomalies} anomalies`);
  return lines.join('\n');
}

/** The command's options: name → how it sets CheckerOptions. */
const FLAGS: Record<string, (o: Partial<CheckerOptions>, v: string) => void> = {
  '--duration': (o, v) => (o.durationMs = seconds(v)),
  '--producers': (o, v) => (o.producers = Math.max(1, whole(v))),
  '--partitions': (o, v) => (o.partitions = Math.max(1, whole(v))),
  '--consumers': (o, v) => (o.consumers = whole(v)),
  '--restart-min': (o, v) => (o.restartMinMs = seconds(v)),
  '--restart-max': (o, v) => (o.restartMaxMs = seconds(v)),
  '--max-restarts': (o, v) => (o.maxRestarts = whole(v)),
  '--workers': (o, v) => (o.workers = whole(v)),
  '--seed': (o, v) => (o.seed = whole(v)),
  '--txn-timeout': (o, v) => (o.txnTimeoutMs = seconds(v)),
  '--segment-bytes': (o, v) => (o.segmentBytes = whole(v)),
  '--protocol': (o, v) => {
    if (v !== '1' && v !== '2') throw new Error(`--protocol is 1 or 2, not '${v}'`);
    o.protocol = v === '1' ? 1 : 2;
  },
  '--dir': (o, v) => (o.dir = v),
};

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`'${v}' is not a number of seconds`);
  return n * 1000;
}

function whole(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`'${v}' is not a whole number`);
  return n;
}

function parseArgs(argv: string[]): { options: Partial<CheckerOptions>; json?: string } {
  const options: Partial<CheckerOptions> = {};
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--keep') {
      options.keep = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--json') json = v;
    else if (FLAGS[a]) FLAGS[a](options, v);
    else throw new Error(`unknown option ${a}`);
  }
  return { options, json };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { options, json } = parseArgs(process.argv.slice(2));
  options.seed ??= Date.now() % 1_000_000;
  options.progress = (line) => process.stderr.write(`${line}\n`);
  const report = await runChecker(options);
  const o = report.options;
  console.log(
    `txn-checker: ${(o.durationMs / 1000).toFixed(0)} s, ${o.producers} producers, ${o.partitions} partitions, ${o.consumers} consumers, ` +
      `kill -9 every ${(o.restartMinMs / 1000).toFixed(0)}-${(o.restartMaxMs / 1000).toFixed(0)} s, ${o.workers} partition workers, ` +
      `${o.segmentBytes ? `segments of ${o.segmentBytes} bytes` : 'default segments'}, seed ${o.seed}${o.protocol === 2 ? ', transaction protocol 2' : ''}`,
  );
  console.log(formatReport(report));
  if (json) writeFileSync(json, `${JSON.stringify({ options: { ...o, progress: undefined }, figures: report.figures, anomalies: report.analysis.counts, examples: report.analysis.examples }, null, 2)}\n`);
  process.exitCode = report.anomalies === 0 ? 0 : 1;
}
