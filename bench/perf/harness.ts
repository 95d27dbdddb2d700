/**
 * The benchmark harness behind `npm run bench` and `spindle perf`: measures the machine's
 * limits, runs the matrix against a broker process per row (or an outside broker), drives the
 * peers that are installed, and reports in the columns of Kafka's perf tools, with each figure
 * as a fraction of its limit and the broker's memory and CPU per row.
 *
 *   runPerf(options)
 *     limits      loopback TCP, disk append (plain, fdatasync each write, every MiB), CRC32C,
 *                 startBroker()                                              (limits.ts)
 *     rows        per row: broker process → topic → produce phase (producer threads, closed or
 *                 open loop; an end-to-end consumer thread for open-loop rows; transactional
 *                 producers for the txn row) → consume phase (one consumer thread from offset 0,
 *                 read_committed for the txn row) → stop; /proc read throughout
 *     soak        for --soak seconds: an open loop at --soak-rate MB/s (or the base row's closed
 *                 loop) with retention on and small segments, a consumer reading along, and a
 *                 timeline per window of ack and end-to-end latency, RSS, deleted-but-open
 *                 files and segment rolls (soak.ts; when asked)
 *     peers       kcat driving Spindle; redis-benchmark XADD against Redis Streams (peers.ts)
 *     report      table on stdout, <name>.json, <name>.md and <name>.svg in the output directory
 *
 * Figures: "MB" is Kafka's, 2^20 bytes of record values (what kafka-producer-perf-test and
 * kafka-consumer-perf-test count); fractions of a limit compare batch bytes on the wire with
 * the limit's raw bytes. CPU seconds per GiB count GiB (2^30) of record values.
 *
 * The load generator runs on the same two cores as the broker; every row reports how many
 * cores each used during its produce phase, so the competition is measured, not guessed.
 *
 * Main thread of the harness process; the load runs in worker threads (load-worker.ts).
 */
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type BrokerProcess, readMachineBusySeconds, startBrokerProcess } from './broker-process.js';
import { HdrHistogram, type LatencySummaryMs } from './hdr-histogram.js';
import { type Limits, measureCrc32c, measureDisk, measureLoopback, measureStartBroker } from './limits.js';
import { describeRow, FULL_ROWS, QUICK_ROWS, type RowSpec, soakRow } from './matrix.js';
import type { ConsumeResult, ConsumeTask, EndToEndResult, FromWorker, LoadResult, LoadTask, ProduceResult, ToWorker, TxnProduceTask, WindowPlan } from './messages.js';
import { installed, type KcatFigures, kcatWorkload, type RedisFigures, redisXadd, startRedis } from './peers.js';
import { summarizeProfiles, type ThreadProfile } from './profile.js';
import { renderKafkaSvg, renderMarkdown, renderSoakSvg, renderSvg, renderTables } from './report.js';
import { buildTimeline, type EndToEndWindow, type ProduceWindow, type SoakResult, SoakSampler, summarizeSoak, WindowMerger } from './soak.js';
import { clientSecurity, prepareSecuredBroker, RowCertificates, securedRowsMissing, securityKeys } from './security.js';
import { encodeProduce, type Endpoint, ensureTopic, READ_COMMITTED, recordsPerBatch } from './wire.js';
import { KAFKA_HEAP_OPTS, startKafkaProcess } from '../kafka/broker.js';
import { type GeneratorResults, generatorLoads, runGenerators } from './generators.js';
import { ensureKafkaJars, kafkaVersion } from '../kafka/kafka.js';

export type Preset = 'quick' | 'full';

export interface PerfOptions {
  preset: Preset;
  /** An outside broker to load instead of starting one per row. */
  bootstrapServer?: string;
  /** Produce seconds per row; the consume phase gets at most as long. */
  secondsPerRow?: number;
  /** Run only rows whose id contains one of these. */
  only?: string[];
  /** Where the results files go (default bench/results). */
  outDir?: string;
  /** Base name of the results files (default <date>-<host>, plus -quick for the quick preset or -soak for the soak row alone). */
  name?: string;
  /** Parent directory of the brokers' data directories: the disk under test (default the OS temp dir). */
  dataRoot?: string;
  profile?: boolean;
  peers?: boolean;
  limits?: boolean;
  /** Seconds of the soak row (0: none). */
  soakSeconds?: number;
  /** The soak row's load: MB (2^20 bytes of record values) per second, open loop; 'max': closed loop (default 20). */
  soakRateMBps?: number | 'max';
  /** The soak row's timeline window in seconds (default 2). */
  soakWindowSeconds?: number;
  /** The `spindle` command the brokers run (default this checkout's bin/spindle.js): another build, to measure before a fix. */
  brokerBin?: string;
  /** Connections per producer thread, and requests in flight on each. */
  connections?: number;
  inflight?: number;
  /** The consumer's fetch.max.bytes and max.partition.fetch.bytes. */
  fetchMaxBytes?: number;
  partitionFetchMaxBytes?: number;
  /** Every row's consumer reads read_committed (the txn row's always does), as most clients do by default. */
  readCommitted?: boolean;
  /** Broker keys applied to every row (after the row's own). */
  overrides?: Record<string, string>;
  /**
   * Before each row, wait up to this many seconds for the machine to go quiet (other programs
   * using under a quarter of a core), so that a shared machine disturbs fewer rows (0: no wait).
   */
  waitQuietSeconds?: number;
  /**
   * 'kafka': every row also runs against Apache Kafka (bench/kafka), started the same way for
   * the row, with the same load, and reported side by side with Spindle/Kafka ratios.
   */
  peer?: 'kafka';
  /**
   * Seconds of warm-up before each row is measured, on both brokers: the row's batches produced
   * in a closed loop to a topic of their own, then read back, so that the JIT compilers of both
   * (V8's and the JVM's) have seen the hot paths. Default 0; 5 with --peer kafka.
   */
  warmupSeconds?: number;
  /** With --peer kafka, also drive both brokers with kafka-producer/consumer-perf-test and franz-go (default true). */
  generators?: boolean;
  /** Shrinks every limit measurement and peer workload to a fraction of a second (for tests). */
  tiny?: boolean;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
  /** The report (stdout by default). */
  print?: (line: string) => void;
}

export interface ProducePhase {
  records: number;
  recordBytes: number;
  batchBytes: number;
  seconds: number;
  recordsPerSec: number;
  /** Kafka's MB/sec: 2^20 bytes of record values per second. */
  mbPerSec: number;
  wireBytesPerSec: number;
  latencyMs: LatencySummaryMs;
  /** Open loop: how late the generator sent against the intended times (included in latencyMs, not in the end-to-end figures). */
  sendLagMs?: LatencySummaryMs;
  errors: number;
  firstErrorCode: number;
  backlogMax: number;
  /** Records acknowledged in each second, all producers together: shows warm-up and stalls. */
  recordsPerSecond: number[];
  limitName: string;
  fractionOfLimit: number;
  /** The txn row: its transactions. Records, bytes and the per-second figures above count committed transactions only. */
  transactions?: TransactionsPhase;
}

export interface TransactionsPhase {
  /** Transactional producers (one per connection of each producer thread), each its own transactional id. */
  producers: number;
  requestsPerTxn: number;
  recordsPerTxn: number;
  /** Produce requests in flight per transactional producer. */
  inflight: number;
  committed: number;
  perSec: number;
  /** Transactions given up after an error (aborted; the producer initialised again). */
  aborted: number;
  /** AddPartitionsToTxn answered CONCURRENT_TRANSACTIONS (the previous transaction still completing) and sent again after the back-off. */
  concurrentRetries: number;
  concurrentBackoffMs: number;
  /** EndTxn answered CONCURRENT_TRANSACTIONS and sent again. */
  endTxnRetries: number;
  /** Produce requests sent, committed or not. */
  produceRequests: number;
  /** From the first AddPartitionsToTxn sent to the EndTxn answer, committed transactions. */
  latencyMs: LatencySummaryMs;
  /** Where a committed transaction's time goes, mean ms: AddPartitionsToTxn (its retries and back-off included), the produce requests, EndTxn. */
  meanMs: { addPartitions: number; produce: number; endTxn: number };
}

export interface ConsumePhase {
  records: number;
  recordBytes: number;
  batchBytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  wireBytesPerSec: number;
  fetches: number;
  caughtUp: boolean;
  fractionOfLimit: number;
  /** The txn row: the consumer read read_committed, and whether it read exactly the records of the committed transactions. */
  readCommitted?: { matchesCommitted: boolean };
}

export interface Resources {
  peakRssBytes: number;
  brokerCpuSecondsProduce: number;
  brokerCpuSecondsConsume: number;
  cpuSecondsPerGiBProduce: number;
  cpuSecondsPerGiBConsume: number;
  /** Cores in use during the produce phase: the broker, and this process (the load generator). */
  brokerCoresProduce: number;
  generatorCoresProduce: number;
  /** Cores busy with anything else on the machine during the produce phase (other programs). */
  otherCoresProduce: number;
  spawnToListenMs: number;
}

export interface RowResult {
  id: string;
  description: string;
  workers: number;
  spec: RowSpec;
  status: 'ok' | 'skipped' | 'failed';
  note?: string;
  produce?: ProducePhase;
  consume?: ConsumePhase;
  endToEndMs?: LatencySummaryMs;
  resources?: Resources;
  /** RSS samples [ms since start, bytes], kept for the soak row only. */
  rssTimeline?: [number, number][];
  /** The soak row's timeline and summary. */
  soak?: SoakResult;
  profile?: ThreadProfile[];
  /** With --peer kafka: the id of the Kafka row run with this row's load (rows that differ only in Spindle's workers share one). */
  kafkaRow?: string;
  /** A secured row: the TLS version and cipher its connections negotiated. */
  cipher?: string;
}

/** Apache Kafka beside Spindle (--peer kafka): its version, how it ran, and its rows. */
export interface KafkaPeerResults {
  version: string;
  jvm: string;
  rows: RowResult[];
}

export interface PeerResults {
  kcat: KcatFigures[] | { skipped: string };
  redis: RedisFigures[] | { skipped: string };
}

export interface PerfReport {
  name: string;
  date: string;
  host: string;
  node: string;
  cpu: string;
  cores: number;
  preset: Preset;
  settings: {
    secondsPerRow: number;
    connections: number;
    inflight: number;
    fetchMaxBytes: number;
    partitionFetchMaxBytes: number;
    bootstrapServer: string | null;
    overrides: Record<string, string>;
    profile: boolean;
    /** Seconds of warm-up load before each row, on every broker. */
    warmupSeconds?: number;
    /** Whether every row's consumer read read_committed (--read-committed). */
    readCommitted?: boolean;
    /** The `spindle` command the brokers ran, when not this checkout's. */
    brokerBin?: string | null;
  };
  /** os.loadavg() (1, 5, 15 minutes) when the run started and ended: other load on the machine. */
  loadAverage: { start: number[]; end: number[] };
  limits: Limits | null;
  rows: RowResult[];
  peers: PeerResults;
  /** Apache Kafka's rows with --peer kafka; why not, otherwise. */
  kafka: KafkaPeerResults | { skipped: string };
  /** Both brokers under Kafka's perf tools and franz-go (--peer kafka); why not, otherwise. */
  generators: GeneratorResults | { skipped: string };
  notes: string[];
  /** The files written, relative to the output directory. */
  files: { json: string; markdown: string; svg: string; profiles: string | null; soakSvg?: string; kafkaSvg?: string };
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const loadWorkerUrl = new URL('./load-worker.js', import.meta.url);
export const DEFAULT_RESULTS_DIR = new URL('../../../bench/results/', import.meta.url).pathname;

interface Settings {
  secondsPerRow: number;
  limitSeconds: number;
  diskCapBytes: number;
  kcatRecords: [number, number];
  redisRequests: [number, number];
  peerTimeoutMs: number;
  startupRuns: number;
}

function settingsFor(o: PerfOptions): Settings {
  if (o.tiny) return { secondsPerRow: o.secondsPerRow ?? 0.25, limitSeconds: 0.1, diskCapBytes: 8 * MiB, kcatRecords: [2000, 500], redisRequests: [2000, 500], peerTimeoutMs: 30_000, startupRuns: 1 };
  if (o.preset === 'quick') return { secondsPerRow: o.secondsPerRow ?? 2, limitSeconds: 1, diskCapBytes: 256 * MiB, kcatRecords: [200_000, 50_000], redisRequests: [200_000, 50_000], peerTimeoutMs: 60_000, startupRuns: 5 };
  // The disk is measured for as long as a row writes, past the page cache's dirty limits, so
  // that it gives the sustained rate a row meets rather than the first gigabyte's.
  return { secondsPerRow: o.secondsPerRow ?? 8, limitSeconds: 3, diskCapBytes: 8192 * MiB, kcatRecords: [2_000_000, 500_000], redisRequests: [2_000_000, 500_000], peerTimeoutMs: 120_000, startupRuns: 9 };
}

type WindowMessage = Extract<FromWorker, { type: 'window' }>;

/**
 * Runs one load worker; resolves once it is ready, with a handle to start it and await its
 * result. Timeline windows (tasks with `windows`) go to `onWindow` as they arrive.
 */
async function spawnLoad(task: LoadTask, onWindow?: (m: WindowMessage) => void): Promise<{ go(startAtEpochMs: number): void; stop(): void; result: Promise<LoadResult> }> {
  const worker = new Worker(loadWorkerUrl, { workerData: task });
  let ready!: () => void;
  let failed!: (e: Error) => void;
  const readyP = new Promise<void>((res, rej) => {
    ready = res;
    failed = rej;
  });
  const result = new Promise<LoadResult>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') ready();
      else if (m.type === 'window') onWindow?.(m);
      else if (m.type === 'done') resolve(m.result);
      else {
        const e = new Error(m.message);
        failed(e);
        reject(e);
      }
    });
    worker.on('error', (e) => {
      failed(e);
      reject(e);
    });
    worker.on('exit', (code) => {
      const e = new Error(`load worker exited with ${code}`);
      failed(e);
      reject(e);
    });
  });
  result.catch(() => {});
  await readyP;
  const send = (m: ToWorker): void => worker.postMessage(m);
  return { go: (startAtEpochMs) => send({ type: 'go', startAtEpochMs }), stop: () => send({ type: 'stop' }), result };
}

const isTiny = (ctx: RowContext): boolean => ctx.options.tiny === true;

function resolveWorkers(spec: RowSpec, cores: number): number {
  if (spec.workers === 'default') return Math.max(1, cores - 1); // the broker's own default for num.io.threads
  if (spec.workers === 'N') return Math.max(2, cores);
  return spec.workers;
}

interface RowContext {
  options: PerfOptions;
  settings: Settings;
  limits: Limits | null;
  cores: number;
  dataRoot: string;
  profileRoot: string | null;
  connections: number;
  inflight: number;
  fetchMaxBytes: number;
  partitionFetchMaxBytes: number;
  warmupSeconds: number;
  readCommitted: boolean;
  /** The secured rows' certificates, made for the first of them and removed when the run ends. */
  certificates: RowCertificates;
  log: (line: string) => void;
}

function produceLimit(ctx: RowContext, spec: RowSpec): { name: string; bytesPerSec: number } {
  if (!ctx.limits) return { name: 'n/a', bytesPerSec: NaN };
  const disk = spec.flushMessages ? { name: 'disk, fdatasync per MiB', bytesPerSec: ctx.limits.disk.fdatasyncEveryMiB.bytesPerSec } : { name: 'disk append', bytesPerSec: ctx.limits.disk.append.bytesPerSec };
  return ctx.limits.loopback.bytesPerSec <= disk.bytesPerSec ? { name: 'loopback', bytesPerSec: ctx.limits.loopback.bytesPerSec } : disk;
}

/**
 * One row against one broker: Spindle (a `spindle broker` process, or the outside broker), or
 * with `peer` 'kafka' an Apache Kafka process given the row's broker keys that Kafka shares.
 */
async function runRow(spec: RowSpec, ctx: RowContext, peer: 'spindle' | 'kafka' = 'spindle'): Promise<RowResult> {
  const workers = resolveWorkers(spec, ctx.cores);
  const base: RowResult =
    peer === 'kafka'
      ? { id: kafkaRowId(spec), description: `Apache Kafka: ${describeRow(spec, workers).replace(/, \d+ workers?( \(default\))?/, '')}`, workers: 0, spec, status: 'ok' }
      : { id: spec.id, description: describeRow(spec, workers), workers, spec, status: 'ok' };
  const external = peer === 'kafka' ? undefined : ctx.options.bootstrapServer;
  const brokerConfig: Record<string, string | number> = {
    'num.partitions': spec.partitions,
    ...(spec.workers === 'default' ? {} : { 'num.io.threads': workers }),
    ...(spec.flushMessages ? { 'log.flush.interval.messages': spec.flushMessages } : {}),
    ...(spec.brokerConfig ?? {}),
    ...(ctx.options.overrides ?? {}),
  };
  if (external && (spec.workers !== 'default' || spec.brokerConfig || spec.security)) {
    return { ...base, status: 'skipped', note: `needs its own broker configuration${spec.security ? ' (listeners)' : ''}; not applied to an outside broker` };
  }
  if (spec.security && securedRowsMissing) return { ...base, status: 'skipped', note: `a secured row needs certificates: ${securedRowsMissing}` };
  const certs = spec.security ? ctx.certificates.get() : undefined;
  const security = spec.security && certs ? { protocol: spec.security, keys: securityKeys(spec.security, certs) } : undefined;
  const seconds = spec.seconds ?? ctx.settings.secondsPerRow;
  const profileDir = ctx.profileRoot && peer === 'spindle' ? join(ctx.profileRoot, spec.id) : undefined;
  let broker: BrokerProcess | null = null;
  let soak: ReturnType<typeof startSoak> | null = null;
  try {
    broker = external
      ? null
      : peer === 'kafka'
        ? await startKafkaProcess({ dataRoot: ctx.dataRoot, config: brokerConfig, ...(security ? { security } : {}) })
        : await startBrokerProcess({
            dataRoot: ctx.dataRoot,
            config: { ...brokerConfig, ...security?.keys },
            profileDir,
            bin: ctx.options.brokerBin,
            ...(security ? { security: security.protocol } : {}),
          });
    const endpoint: Endpoint = { bootstrap: external ?? broker!.bootstrap, ...(spec.security && certs ? { security: clientSecurity(spec.security, certs) } : {}) };
    if (endpoint.security) base.cipher = await prepareSecuredBroker(endpoint, broker!.setupBootstrap);
    const topic = external ? `perf-${spec.id}-${Date.now()}` : `perf-${spec.id}`;
    const have = await ensureTopic(endpoint, topic, spec.partitions, spec.flushMessages ? { 'flush.messages': String(spec.flushMessages) } : {});
    if (have < spec.partitions) throw new Error(`topic ${topic} has ${have} partitions, the row needs ${spec.partitions}`);
    const partitions = Array.from({ length: spec.partitions }, (_, i) => i);
    const open = spec.recordsPerSec !== undefined;
    const perBatch = open ? (spec.openBatchRecords ?? 1) : recordsPerBatch(spec.recordBytes, spec.batchBytes);
    const request = encodeProduce(topic, partitions, perBatch, spec.recordBytes, spec.acks, spec.codec, open);
    const requestsPerSec = open ? spec.recordsPerSec! / (perBatch * spec.partitions) / spec.producers : undefined;
    if (ctx.warmupSeconds > 0 && !spec.soak) await warmUp(spec, ctx, endpoint, `${topic}-warmup`);
    soak = spec.soak && broker ? startSoak(spec, ctx, broker, topic, seconds) : null;

    const producers = await Promise.all(
      Array.from({ length: spec.producers }, (_, w) =>
        spec.transactional
          ? spawnLoad(txnTask(ctx, spec, endpoint, topic, `perf-txn-${w}`, seconds))
          : spawnLoad(
              { ...produceTask(ctx, endpoint, request, seconds), ...(requestsPerSec !== undefined ? { requestsPerSec } : {}), ...(soak ? { windows: soak.plan } : {}) },
              soak?.onWindow,
            ),
      ),
    );
    const e2e = open
      ? await spawnLoad({ role: 'e2e', ...endpoint, topic, partitions: spec.partitions, maxBytes: ctx.fetchMaxBytes, partitionMaxBytes: ctx.partitionFetchMaxBytes, ...(soak ? { windows: soak.plan } : {}) }, soak?.onWindow)
      : null;
    soak?.sampler.baseline();

    const cpu0 = broker ? broker.cpuSeconds() : NaN;
    const machine0 = readMachineBusySeconds();
    const harnessCpu0 = process.cpuUsage();
    const startAt = performance.timeOrigin + performance.now() + 50;
    for (const p of producers) p.go(startAt);
    e2e?.go(startAt);
    soak?.sampler.start(startAt);
    const produced = (await Promise.all(producers.map((p) => p.result))) as ProduceResult[];
    const harnessCpu = process.cpuUsage(harnessCpu0);
    const cpu1 = broker ? broker.cpuSeconds() : NaN;
    const machineBusy = readMachineBusySeconds() - machine0;
    let endToEnd: EndToEndResult | null = null;
    if (e2e) {
      // Records acknowledged just before the end are still on their way to the consumer.
      await sleep(isTiny(ctx) ? 100 : 300);
      e2e.stop();
      endToEnd = (await e2e.result) as EndToEndResult;
    }
    // The soak's last sample: what the broker still holds once the load has stopped.
    soak?.sampler.stop();

    const latency = new HdrHistogram();
    const sendLag = new HdrHistogram();
    const txnLatency = new HdrHistogram();
    const txn = { committed: 0, aborted: 0, concurrentRetries: 0, endTxnRetries: 0, produceRequests: 0 };
    const txnMs = { addPartitions: 0, produce: 0, endTxn: 0 };
    let records = 0;
    let recordBytes = 0;
    let batchBytes = 0;
    let errors = 0;
    let firstErrorCode = 0;
    let backlogMax = 0;
    let produceSeconds = 0;
    const recordsPerSecond: number[] = [];
    for (const r of produced) {
      r.recordsPerSecond.forEach((n, i) => (recordsPerSecond[i] = (recordsPerSecond[i] ?? 0) + n));
      latency.merge(r.latency);
      sendLag.merge(r.sendLag);
      records += r.records;
      recordBytes += r.recordBytes;
      batchBytes += r.batchBytes;
      errors += r.errors;
      firstErrorCode ||= r.firstErrorCode;
      backlogMax = Math.max(backlogMax, r.backlogMax);
      produceSeconds = Math.max(produceSeconds, r.elapsedSec);
      if (r.txn) {
        txnLatency.merge(r.txn.latency);
        txn.committed += r.txn.committed;
        txn.aborted += r.txn.aborted;
        txn.concurrentRetries += r.txn.concurrentRetries;
        txn.endTxnRetries += r.txn.endTxnRetries;
        txn.produceRequests += r.txn.produceRequests;
        txnMs.addPartitions += r.txn.addMs;
        txnMs.produce += r.txn.produceMs;
        txnMs.endTxn += r.txn.endMs;
      }
    }
    const limit = produceLimit(ctx, spec);
    const produce: ProducePhase = {
      records,
      recordBytes,
      batchBytes,
      seconds: produceSeconds,
      recordsPerSec: records / produceSeconds,
      mbPerSec: recordBytes / MiB / produceSeconds,
      wireBytesPerSec: batchBytes / produceSeconds,
      latencyMs: latency.summaryMs(),
      ...(open ? { sendLagMs: sendLag.summaryMs() } : {}),
      errors,
      firstErrorCode,
      backlogMax,
      recordsPerSecond,
      limitName: limit.name,
      fractionOfLimit: batchBytes / produceSeconds / limit.bytesPerSec,
      ...(spec.transactional
        ? {
            transactions: {
              producers: spec.producers * ctx.connections,
              requestsPerTxn: spec.transactional.requestsPerTxn,
              recordsPerTxn: spec.transactional.requestsPerTxn * perBatch * spec.partitions,
              inflight: txnInflight(ctx, spec),
              ...txn,
              perSec: txn.committed / produceSeconds,
              concurrentBackoffMs: CONCURRENT_BACKOFF_MS,
              latencyMs: txnLatency.summaryMs(),
              meanMs: { addPartitions: txnMs.addPartitions / txn.committed, produce: txnMs.produce / txn.committed, endTxn: txnMs.endTxn / txn.committed },
            },
          }
        : {}),
    };
    if (records === 0) throw new Error(`no record was acknowledged${firstErrorCode ? ` (error code ${firstErrorCode})` : ''}`);

    let consume: ConsumePhase | undefined;
    let consumeCpu = NaN;
    if (!open) {
      const consumer = await spawnLoad(consumeTask(ctx, spec, endpoint, topic, seconds));
      const c0 = broker ? broker.cpuSeconds() : NaN;
      consumer.go(performance.timeOrigin + performance.now());
      const c = (await consumer.result) as ConsumeResult;
      consumeCpu = (broker ? broker.cpuSeconds() : NaN) - c0;
      consume = {
        records: c.records,
        recordBytes: c.recordBytes,
        batchBytes: c.batchBytes,
        seconds: c.elapsedSec,
        recordsPerSec: c.records / c.elapsedSec,
        mbPerSec: c.recordBytes / MiB / c.elapsedSec,
        wireBytesPerSec: c.batchBytes / c.elapsedSec,
        fetches: c.fetches,
        caughtUp: c.caughtUp,
        fractionOfLimit: ctx.limits ? c.batchBytes / c.elapsedSec / ctx.limits.loopback.bytesPerSec : NaN,
        ...(spec.transactional ? { readCommitted: { matchesCommitted: c.records === records } } : {}),
      };
    }
    const memory = broker ? await broker.stop() : { peakRssBytes: NaN };
    const produceCpu = cpu1 - cpu0;
    const generatorCpu = (harnessCpu.user + harnessCpu.system) / 1e6;
    const resources: Resources = {
      peakRssBytes: memory.peakRssBytes,
      brokerCpuSecondsProduce: produceCpu,
      brokerCpuSecondsConsume: consumeCpu,
      cpuSecondsPerGiBProduce: produceCpu / (recordBytes / GiB),
      cpuSecondsPerGiBConsume: consume ? consumeCpu / (consume.recordBytes / GiB) : NaN,
      brokerCoresProduce: produceCpu / produceSeconds,
      generatorCoresProduce: generatorCpu / produceSeconds,
      otherCoresProduce: Math.max(0, (machineBusy - generatorCpu - (broker ? produceCpu : 0)) / produceSeconds),
      spawnToListenMs: broker ? broker.spawnToListenMs : NaN,
    };
    const result: RowResult = { ...base, produce, ...(consume ? { consume } : {}), ...(endToEnd ? { endToEndMs: HdrHistogram.fromSnapshot(endToEnd.latency).summaryMs() } : {}), resources };
    if (errors) result.note = `${errors} ${spec.transactional ? '' : 'produce '}requests failed (first error code ${firstErrorCode})`;
    if (consume?.readCommitted && !consume.readCommitted.matchesCommitted) {
      result.note = `${result.note ? `${result.note}; ` : ''}read_committed consumer read ${consume.records} records, the committed transactions hold ${records}`;
    }
    if (open && backlogMax > 0) result.note = `${result.note ? `${result.note}; ` : ''}open loop fell behind its rate: up to ${backlogMax} sends waited for one of the ${ctx.connections * ctx.inflight} in-flight slots`;
    if (consume && !consume.caughtUp) result.note = `${result.note ? `${result.note}; ` : ''}the consumer read ${((consume.records / records) * 100).toFixed(0)}% of what was produced in its ${seconds} s`;
    if (spec.id === 'soak' && broker) result.rssTimeline = broker.rssTimeline;
    if (soak) result.soak = soak.finish(memory.peakRssBytes, brokerConfig, open);
    if (profileDir) result.profile = summarizeProfiles(profileDir);
    broker = null;
    return result;
  } catch (e) {
    return { ...base, status: 'failed', note: (e as Error).message.split('\n')[0] };
  } finally {
    soak?.sampler.stop();
    if (broker) await broker.stop();
  }
}

/**
 * The soak row's side of a run: the windows the load workers are asked for, the merger their
 * windows go to, the /proc and directory sampler, and a progress line about every 30 s.
 */
function startSoak(spec: RowSpec, ctx: RowContext, broker: BrokerProcess, topic: string, seconds: number) {
  const windowMs = spec.soak!.windowMs;
  const plan: WindowPlan = { windowMs, windowCount: Math.max(1, Math.ceil((seconds * 1000) / windowMs - 1e-9)) };
  const merger = new WindowMerger(spec.producers);
  const sampler = new SoakSampler(broker.pid, broker.dataDir, topic, spec.partitions, windowMs);
  const every = Math.max(1, Math.round(30_000 / windowMs));
  const mib = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : (n / 2 ** 20).toFixed(0));
  const onWindow = (m: WindowMessage): void => {
    if (m.role === 'e2e') {
      merger.addEndToEnd(m.window as EndToEndWindow);
      return;
    }
    const w = m.window as ProduceWindow;
    merger.addProduce(w);
    const done = merger.produce[w.index];
    if (!done || (w.index + 1) % every !== 0) return;
    const last = sampler.samples[sampler.samples.length - 1];
    ctx.log(
      `  ${(((w.index + 1) * windowMs) / 1000).toFixed(0)} s: ack p99 ${done.ack.p99Ms.toFixed(1)} ms, max ${done.ack.maxMs.toFixed(1)} ms; RSS ${mib(last?.rssBytes)} MiB; deleted-open ${last?.deleted.deletedFiles ?? 'n/a'} files, ${mib(last?.deleted.deletedBytes)} MiB; ${sampler.tracker.rolls.length} rolls, ${sampler.tracker.removals.length} segments removed so far`,
    );
  };
  return {
    plan,
    sampler,
    onWindow,
    finish(peakRssBytes: number, brokerConfig: Record<string, string | number>, readAlong: boolean): SoakResult {
      merger.finish();
      const timeline = buildTimeline({
        windowMs,
        windowCount: plan.windowCount,
        produce: merger.produce,
        endToEnd: readAlong ? merger.endToEnd : null,
        samples: sampler.samples,
        rolls: sampler.tracker.rolls,
        deletes: sampler.tracker.deletes,
        removals: sampler.tracker.removals,
      });
      const keys = ['log.segment.bytes', 'log.retention.bytes', 'log.retention.check.interval.ms', 'log.segment.delete.delay.ms'];
      return {
        settings: {
          seconds,
          windowSeconds: windowMs / 1000,
          rateMBps: spec.soak!.rateMBps,
          recordBytes: spec.recordBytes,
          recordsPerBatch: spec.recordsPerSec !== undefined ? (spec.openBatchRecords ?? 1) : recordsPerBatch(spec.recordBytes, spec.batchBytes),
          brokerConfig: Object.fromEntries(keys.filter((k) => brokerConfig[k] !== undefined).map((k) => [k, brokerConfig[k]!])),
          readAlong,
        },
        summary: summarizeSoak(timeline, windowMs, sampler.samples, peakRssBytes, readAlong),
        timeline,
      };
    },
  };
}

/** Other programs' load below which the machine counts as quiet, in cores. */
const QUIET_CORES = 0.25;

/** Samples the machine's busy cores over half-second windows until quiet or `seconds` pass; returns the last figure. */
async function waitQuiet(seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  for (;;) {
    const b0 = readMachineBusySeconds();
    const t0 = performance.now();
    await sleep(500);
    const cores = (readMachineBusySeconds() - b0) / ((performance.now() - t0) / 1000);
    if (!(cores >= QUIET_CORES) || performance.now() >= until) return cores;
  }
}

async function runPeers(ctx: RowContext, sizes: [number, number]): Promise<PeerResults> {
  const out: PeerResults = { kcat: { skipped: 'kcat is not installed' }, redis: { skipped: 'redis-server or redis-benchmark is not installed' } };
  if (installed('kcat', ['-V'])) {
    const figures: KcatFigures[] = [];
    for (const [i, recordBytes] of sizes.entries()) {
      const count = ctx.settings.kcatRecords[i]!;
      const external = ctx.options.bootstrapServer;
      const broker = external ? null : await startBrokerProcess({ dataRoot: ctx.dataRoot, config: { 'num.partitions': 1, ...(ctx.options.overrides ?? {}) }, bin: ctx.options.brokerBin });
      try {
        const bootstrap = external ?? broker!.bootstrap;
        const topic = `perf-kcat-${recordBytes}${external ? `-${Date.now()}` : ''}`;
        await ensureTopic(bootstrap, topic, 1);
        ctx.log(`  kcat: ${count.toLocaleString('en-US')} records of ${recordBytes} B`);
        figures.push(await kcatWorkload(bootstrap, topic, count, recordBytes, ctx.dataRoot, ctx.settings.peerTimeoutMs, broker?.pid));
      } catch (e) {
        ctx.log(`  kcat failed: ${(e as Error).message}`);
      } finally {
        await broker?.stop();
      }
    }
    out.kcat = figures.length ? figures : { skipped: 'kcat failed (see the log)' };
  }
  if (installed('redis-server', ['--version']) && installed('redis-benchmark', ['--version'])) {
    try {
      const server = await startRedis(ctx.dataRoot);
      const figures: RedisFigures[] = [];
      try {
        for (const [i, recordBytes] of sizes.entries()) {
          const count = ctx.settings.redisRequests[i]!;
          ctx.log(`  redis-benchmark XADD: ${count.toLocaleString('en-US')} requests of ${recordBytes} B, -P 64`);
          figures.push(await redisXadd(server, count, recordBytes, ctx.settings.peerTimeoutMs));
        }
      } finally {
        await server.stop();
      }
      out.redis = figures;
    } catch (e) {
      out.redis = { skipped: `redis failed: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  return out;
}

/** A row's consumer: every partition from offset 0, read_committed for the txn row or with --read-committed. */
function consumeTask(ctx: RowContext, spec: RowSpec, endpoint: Endpoint, topic: string, seconds: number): ConsumeTask {
  return {
    role: 'consume',
    ...endpoint,
    topic,
    partitions: spec.partitions,
    recordBytes: spec.recordBytes,
    seconds,
    maxBytes: ctx.fetchMaxBytes,
    partitionMaxBytes: ctx.partitionFetchMaxBytes,
    ...(spec.transactional || ctx.readCommitted ? { isolationLevel: READ_COMMITTED } : {}),
  };
}

/** A producer thread's task: `request` sent closed-loop (open-loop when the caller adds a rate) for `seconds`. */
function produceTask(ctx: RowContext, endpoint: Endpoint, request: ReturnType<typeof encodeProduce>, seconds: number): Extract<LoadTask, { role: 'produce' }> {
  return {
    role: 'produce',
    ...endpoint,
    request: request.bytes,
    records: request.records,
    recordBytes: request.recordBytes,
    batchBytes: request.batchBytes,
    stamps: request.stamps,
    connections: ctx.connections,
    inflight: ctx.inflight,
    seconds,
  };
}

/** Kafka's producer sends the first AddPartitionsToTxn of a transaction again this soon after CONCURRENT_TRANSACTIONS (TransactionManager, KAFKA-5482). */
const CONCURRENT_BACKOFF_MS = 20;
/** The transaction timeout each transactional producer asks for in InitProducerId. */
const TRANSACTION_TIMEOUT_MS = 60_000;

/** Produce requests in flight per transactional producer: the run's --inflight, capped at what a Kafka producer with idempotence allows. */
const txnInflight = (ctx: RowContext, spec: RowSpec): number => Math.max(1, Math.min(ctx.inflight, spec.transactional!.inflight));

/** A transactional producer thread's task (the txn row): a transactional id `<prefix>-<slot>` per connection. */
function txnTask(ctx: RowContext, spec: RowSpec, endpoint: Endpoint, topic: string, transactionalIdPrefix: string, seconds: number): TxnProduceTask {
  return {
    role: 'txn',
    ...endpoint,
    topic,
    partitions: Array.from({ length: spec.partitions }, (_, i) => i),
    recordsPerBatch: recordsPerBatch(spec.recordBytes, spec.batchBytes),
    recordBytes: spec.recordBytes,
    acks: spec.acks,
    codec: spec.codec,
    connections: ctx.connections,
    inflight: txnInflight(ctx, spec),
    requestsPerTxn: spec.transactional!.requestsPerTxn,
    transactionalIdPrefix,
    transactionTimeoutMs: TRANSACTION_TIMEOUT_MS,
    concurrentBackoffMs: CONCURRENT_BACKOFF_MS,
    seconds,
  };
}

/** The warm-up of a row (PerfOptions.warmupSeconds): its batches produced closed-loop to `topic` (in transactions, for the txn row), then read back. */
async function warmUp(spec: RowSpec, ctx: RowContext, endpoint: Endpoint, topic: string): Promise<void> {
  const seconds = ctx.warmupSeconds;
  await ensureTopic(endpoint, topic, spec.partitions);
  const partitions = Array.from({ length: spec.partitions }, (_, i) => i);
  const request = encodeProduce(topic, partitions, recordsPerBatch(spec.recordBytes, spec.batchBytes), spec.recordBytes, spec.acks, spec.codec);
  const producer = await spawnLoad(spec.transactional ? txnTask(ctx, spec, endpoint, topic, 'perf-txn-warmup-0', seconds) : produceTask(ctx, endpoint, request, seconds));
  producer.go(performance.timeOrigin + performance.now());
  await producer.result;
  const consumer = await spawnLoad(consumeTask(ctx, spec, endpoint, topic, seconds));
  consumer.go(performance.timeOrigin + performance.now());
  await consumer.result;
}

function logRow(r: RowResult, log: (line: string) => void): void {
  if (r.status !== 'ok') {
    log(`  ${r.status}: ${r.note}`);
    return;
  }
  const p = r.produce!;
  const l = p.latencyMs;
  log(
    `  ${p.records} records sent, ${p.recordsPerSec.toFixed(1)} records/sec (${p.mbPerSec.toFixed(2)} MB/sec), ${l.avg.toFixed(2)} ms avg latency, ${l.max.toFixed(2)} ms max latency, ${l.p50.toFixed(2)} ms 50th, ${l.p95.toFixed(2)} ms 95th, ${l.p99.toFixed(2)} ms 99th, ${l.p999.toFixed(2)} ms 99.9th.`,
  );
  const t = p.transactions;
  if (t) {
    log(
      `  ${t.committed} transactions committed, ${t.perSec.toFixed(1)} transactions/sec, transaction latency ${t.latencyMs.p50.toFixed(2)} ms 50th, ${t.latencyMs.p99.toFixed(2)} ms 99th, ${t.latencyMs.max.toFixed(2)} ms max (mean ${t.meanMs.addPartitions.toFixed(1)} ms adding partitions, ${t.meanMs.produce.toFixed(1)} ms producing, ${t.meanMs.endTxn.toFixed(1)} ms ending); ${t.concurrentRetries} AddPartitionsToTxn retries after CONCURRENT_TRANSACTIONS, ${t.endTxnRetries} EndTxn retries, ${t.aborted} aborted, ${p.errors} errors.`,
    );
  }
  if (r.consume) log(`  consumed ${r.consume.records} records${r.consume.readCommitted ? ` read_committed (${r.consume.readCommitted.matchesCommitted ? 'exactly' : 'NOT'} the committed records)` : ''}, ${r.consume.mbPerSec.toFixed(2)} MB/sec, ${r.consume.recordsPerSec.toFixed(1)} records/sec`);
  if (r.endToEndMs) log(`  end-to-end p50 ${r.endToEndMs.p50.toFixed(2)} ms, p99 ${r.endToEndMs.p99.toFixed(2)} ms, p99.9 ${r.endToEndMs.p999.toFixed(2)} ms`);
  if (r.note) log(`  note: ${r.note}`);
}

/**
 * The Kafka row that a Spindle row is compared with: the same load and broker keys. Spindle's
 * partition-worker count means nothing to Kafka, so rows differing only in it (p8-w0, p8-w1,
 * p8-wN) share one Kafka row, named after the load ("kafka-p8").
 */
export function kafkaRowId(spec: RowSpec): string {
  const stem = spec.workers === 'default' ? spec.id : spec.id.replace(/-w(\d+|N)$/, '');
  return `kafka-${stem}`;
}

/** Apache Kafka's jars (copied through Maven when missing) and the figures of how it runs. */
async function prepareKafka(options: PerfOptions, log: (line: string) => void): Promise<KafkaPeerResults> {
  if (options.bootstrapServer) throw new Error('--peer kafka starts its own brokers; it cannot be used with --bootstrap-server');
  await ensureKafkaJars(log);
  return { version: kafkaVersion(), jvm: `kafka-server-start's JVM options (${KAFKA_HEAP_OPTS.join(' ')}, G1)`, rows: [] };
}

export async function runPerf(options: PerfOptions): Promise<PerfReport> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = options.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const settings = settingsFor(options);
  const cores = cpus().length;
  const date = new Date();
  const host = hostname();
  // `--only soak --soak N` runs the soak row alone: its files say so rather than "quick".
  const soakOnly = (options.soakSeconds ?? 0) > 0 && !!options.only?.length && options.only.every((o) => o === 'soak');
  const name = options.name ?? `${date.toISOString().slice(0, 10)}-${host}${soakOnly ? '-soak' : options.preset === 'quick' ? '-quick' : ''}`;
  const outDir = options.outDir ?? DEFAULT_RESULTS_DIR;
  const dataRoot = options.dataRoot ?? process.env.SPINDLE_BENCH_DIR ?? tmpdir();
  mkdirSync(outDir, { recursive: true });
  const profileRoot = options.profile && !options.bootstrapServer ? join(outDir, 'profiles', name) : null;
  const ctx: RowContext = {
    options,
    settings,
    limits: null,
    cores,
    dataRoot,
    profileRoot,
    // Kafka's producer keeps 5 requests in flight on its one connection; the harness keeps 2 × 16
    // so that a closed loop measures what the broker can take rather than one round trip's
    // worth of data (10 × 64 KiB in flight held the base row near 190 MB/s where 32 reached 300).
    connections: options.connections ?? 2,
    inflight: options.inflight ?? 16,
    fetchMaxBytes: options.fetchMaxBytes ?? 52_428_800,
    partitionFetchMaxBytes: options.partitionFetchMaxBytes ?? 1_048_576,
    warmupSeconds: options.warmupSeconds ?? (options.peer === 'kafka' ? (options.tiny ? 0.25 : 5) : 0),
    readCommitted: options.readCommitted ?? false,
    certificates: new RowCertificates(dataRoot),
    log,
  };
  const notes: string[] = [];
  const loadStart = loadavg();
  log(`spindle perf: ${options.preset} preset, ${settings.secondsPerRow} s per row, ${cores} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
  if (options.bootstrapServer) notes.push(`Outside broker at ${options.bootstrapServer}: rows that need their own broker configuration are skipped, and no broker memory or CPU is read.`);

  if (options.limits !== false) {
    log('limits: loopback TCP, disk append, CRC32C, startBroker()');
    const loopback = await measureLoopback(settings.limitSeconds);
    const disk = measureDisk(dataRoot, settings.limitSeconds, settings.diskCapBytes);
    const crc = measureCrc32c(Math.min(0.5, settings.limitSeconds));
    const startBroker = await measureStartBroker(settings.startupRuns);
    ctx.limits = { loopback, disk, crc32c: crc, startBroker };
  }

  let specs = options.preset === 'full' ? FULL_ROWS : QUICK_ROWS;
  if (options.only?.length) {
    const all = [...FULL_ROWS, ...QUICK_ROWS.filter((q) => !FULL_ROWS.some((f) => f.id === q.id))];
    // An exact id picks that row; anything else picks every row whose id contains it.
    specs = all.filter((s) => options.only!.some((o) => s.id === o || (!all.some((x) => x.id === o) && s.id.includes(o))));
  }
  const soak = options.soakSeconds ?? 0;
  if (soak > 0) specs = [...specs, soakRow(soak, { rateMBps: options.soakRateMBps, windowSeconds: options.soakWindowSeconds, tiny: options.tiny })];
  const kafka = options.peer === 'kafka' ? await prepareKafka(options, log) : null;
  if (kafka) notes.push(`Apache Kafka ${kafka.version} ran each row in a process of its own: single-node KRaft (broker and controller), ${kafka.jvm}, the row's shared broker keys, on the same machine and disk; rows that differ only in Spindle's partition workers share one Kafka row. Ratios are Spindle over Kafka.`);
  const rows: RowResult[] = [];
  for (const [i, spec] of specs.entries()) {
    if (options.waitQuietSeconds) {
      const busy = await waitQuiet(options.waitQuietSeconds);
      if (busy > QUIET_CORES) log(`  the machine stayed busy (${busy.toFixed(2)} cores in use by other programs); measuring anyway`);
    }
    log(`row ${i + 1}/${specs.length} ${spec.id}: ${describeRow(spec, resolveWorkers(spec, cores))}`);
    const r = await runRow(spec, ctx);
    rows.push(r);
    logRow(r, log);
    if (kafka && !spec.soak) {
      const id = kafkaRowId(spec);
      if (!kafka.rows.some((k) => k.id === id)) {
        if (options.waitQuietSeconds) await waitQuiet(options.waitQuietSeconds);
        log(`  Apache Kafka ${kafka.version}, same load:`);
        const k = await runRow(spec, ctx, 'kafka');
        kafka.rows.push(k);
        logRow(k, log);
      }
      r.kafkaRow = id;
    }
  }
  ctx.certificates.remove();

  let generators: GeneratorResults | { skipped: string } = { skipped: kafka ? 'not run (--no-generators)' : 'not run (no --peer kafka)' };
  if (kafka && options.generators !== false) {
    log("load generators: kafka-producer-perf-test and kafka-consumer-perf-test, franz-go; each load on a fresh Spindle and a fresh Kafka");
    generators = await runGenerators(generatorLoads(options.preset, options.tiny === true), dataRoot, settings.peerTimeoutMs, log);
  }

  let peers: PeerResults = { kcat: { skipped: 'not run (--no-peers)' }, redis: { skipped: 'not run (--no-peers)' } };
  if (options.peers !== false) {
    log('peers: kcat (librdkafka) driving Spindle; Redis Streams with redis-benchmark');
    peers = await runPeers(ctx, [100, 1024]);
  }

  const busy = rows.filter((r) => (r.resources?.otherCoresProduce ?? 0) > 0.15);
  if (busy.length) {
    notes.push(
      `Other programs kept ${busy.map((r) => `${r.resources!.otherCoresProduce.toFixed(2)} cores busy during ${r.id}`).join(', ')}: those rows measured a shared machine and read low.`,
    );
  }
  notes.push(
    `The load generator (this process: producer, consumer and latency threads) runs on the same ${cores} cores as the broker; each row gives the cores each used during its produce phase.`,
  );
  const report: PerfReport = {
    name,
    date: date.toISOString(),
    host,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores,
    preset: options.preset,
    settings: {
      secondsPerRow: settings.secondsPerRow,
      connections: ctx.connections,
      inflight: ctx.inflight,
      fetchMaxBytes: ctx.fetchMaxBytes,
      partitionFetchMaxBytes: ctx.partitionFetchMaxBytes,
      bootstrapServer: options.bootstrapServer ?? null,
      overrides: options.overrides ?? {},
      profile: !!profileRoot,
      warmupSeconds: ctx.warmupSeconds,
      readCommitted: ctx.readCommitted,
      // Where another build's command lives says nothing about it: only that one was used.
      brokerBin: options.brokerBin ? 'another build (--broker-bin)' : null,
    },
    loadAverage: { start: loadStart, end: loadavg() },
    limits: ctx.limits,
    rows,
    peers,
    generators,
    kafka: kafka ?? { skipped: options.peer === 'kafka' ? 'Apache Kafka could not be prepared' : 'not run (no --peer kafka)' },
    notes,
    files: {
      json: `${name}.json`,
      markdown: `${name}.md`,
      svg: `${name}.svg`,
      ...(kafka ? { kafkaSvg: `${name}-kafka.svg` } : {}),
      profiles: profileRoot ? `profiles/${name}` : null,
      ...(rows.some((r) => r.soak) ? { soakSvg: `${name}-timeline.svg` } : {}),
    },
  };
  for (const line of renderTables(report)) print(line);
  writeFileSync(join(outDir, report.files.json), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, report.files.markdown), renderMarkdown(report));
  writeFileSync(join(outDir, report.files.svg), renderSvg(report));
  if (report.files.kafkaSvg) writeFileSync(join(outDir, report.files.kafkaSvg), renderKafkaSvg(report));
  const soakRowResult = rows.find((r) => r.soak);
  if (report.files.soakSvg && soakRowResult) writeFileSync(join(outDir, report.files.soakSvg), renderSoakSvg(report, soakRowResult));
  log(`written to ${outDir}: ${report.files.json}, ${report.files.markdown}, ${report.files.svg}${report.files.soakSvg ? `, ${report.files.soakSvg}` : ''}${profileRoot ? `; CPU profiles in ${report.files.profiles}/` : ''}`);
  return report;
}
