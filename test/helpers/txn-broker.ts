/**
 * The broker as a child process for the transaction crash tests (test/broker/txn-crash.test.ts)
 * and the randomized checker (bench/txn-checker.ts), and the transactional requests they send
 * over the raw client.
 *
 *   startBrokerProcess(dir)                  `spindle broker` (bin/spindle.js), SPINDLE_ variables,
 *                                            127.0.0.1 and a port the OS picks; resolves once it listens
 *   startBrokerProcess(dir, { faults: true }) the same broker started by this file run as a child
 *                                            (startBroker with the process's environment, as the
 *                                            command does), which also takes fault rules over an IPC
 *                                            channel and applies them to every thread hosting logs
 *                                            (PartitionHost.injectFaults, the seam faults.test.ts uses)
 *
 * Either is stopped by its PID: kill() is SIGKILL and waits for the exit, stop() is SIGTERM.
 * A restart on the same data directory listens on a new port; clients connect to the new
 * bootstrap.
 *
 * Test and bench processes only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FaultRule } from '../../src/core/fs.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import {
  AddPartitionsToTxn,
  CreateTopics,
  DescribeTransactions,
  EndTxn,
  InitProducerId,
  ListOffsets,
  Produce,
} from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import type { RawClient } from './raw-client.js';

const E = ErrorCode;
const BIN = fileURLToPath(new URL('../../../bin/spindle.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CHILD_ARG = '--txn-broker-child';
/** How long a starting broker gets to listen. */
const START_TIMEOUT_MS = 30_000;
/** The end of the broker's stderr kept, in characters. */
const STDERR_KEEP_CHARS = 64 * 1024;

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly bootstrap: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the broker wrote to stderr (its last STDERR_KEEP_CHARS characters). */
  stderr(): string;
  /** Resolves once a line matching `pattern` is on stderr (looking at what came before too). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Fault rules for every thread hosting logs; [] heals. Only with `faults: true`. */
  injectFaults(rules: FaultRule[]): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, and waits for the exit; its exit code. */
  stop(): Promise<number | null>;
}

export interface BrokerProcessOptions {
  /** Partition workers (SPINDLE_NUM_IO_THREADS); 0 keeps the logs on the main thread. */
  workers?: number;
  /** More broker settings as SPINDLE_ variables. */
  env?: Record<string, string>;
  /** Start through this file, with the fault channel. */
  faults?: boolean;
}

/** Starts a broker on `dir`; resolves once it listens on 127.0.0.1. */
export function startBrokerProcess(dir: string, options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SPINDLE_LISTENERS: 'PLAINTEXT://127.0.0.1:0',
    SPINDLE_LOG_DIRS: dir,
    SPINDLE_NUM_IO_THREADS: String(options.workers ?? 2),
    SPINDLE_CONSOLE_LISTENER: 'none',
    ...options.env,
  };
  const args = options.faults ? ['--enable-source-maps', SELF, CHILD_ARG] : [BIN, 'broker'];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe', ...(options.faults ? (['ipc'] as const) : [])] });
  let err = '';
  const logWaiters = new Set<() => void>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let nextFaultId = 1;
  const faultReplies = new Map<number, (m: { ok: boolean; error?: string }) => void>();
  child.on('message', (m: { id: number; ok: boolean; error?: string }) => faultReplies.get(m.id)?.(m));
  return new Promise((resolve, reject) => {
    let listening = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the broker did not start within ${START_TIMEOUT_MS} ms:\n${err}`));
    }, START_TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > STDERR_KEEP_CHARS * 2) err = err.slice(-STDERR_KEEP_CHARS);
      for (const w of [...logWaiters]) w();
      if (listening) return;
      const m = /listening on ([\d.]+):(\d+)/.exec(err);
      if (!m) return;
      listening = true;
      clearTimeout(guard);
      const kill = async (): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      };
      resolve({
        child,
        pid: child.pid!,
        bootstrap: `${m[1]}:${m[2]}`,
        exited,
        stderr: () => err,
        waitForLog: (pattern, timeoutMs = 10_000) =>
          new Promise<void>((ok, fail) => {
            const check = (): void => {
              if (!pattern.test(err)) return;
              logWaiters.delete(check);
              clearTimeout(timer);
              ok();
            };
            const timer = setTimeout(() => {
              logWaiters.delete(check);
              fail(new Error(`no ${pattern} in the broker's log within ${timeoutMs} ms:\n${err.slice(-4000)}`));
            }, timeoutMs);
            logWaiters.add(check);
            check();
          }),
        injectFaults: (rules) => {
          if (!options.faults) return Promise.reject(new Error('started without the fault channel'));
          const id = nextFaultId++;
          return new Promise<void>((ok, fail) => {
            faultReplies.set(id, (reply) => {
              faultReplies.delete(id);
              if (reply.ok) ok();
              else fail(new Error(reply.error));
            });
            child.send({ id, rules });
          });
        },
        kill,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return (await exited).code;
        },
      });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(guard);
      if (!listening) reject(new Error(`the broker exited (${code ?? signal}) before listening:\n${err}`));
    });
  });
}

/** The child: the broker as `spindle broker` starts it, plus the fault channel on IPC. */
async function runChild(): Promise<void> {
  const { startBroker } = await import('../../src/broker/server.js');
  const b = await startBroker({ env: process.env, log: true, temporaryDataDir: false });
  process.on('message', (m: { id: number; rules: FaultRule[] }) => {
    b.broker.host.injectFaults(m.rules).then(
      () => process.send?.({ id: m.id, ok: true }),
      (e: Error) => process.send?.({ id: m.id, ok: false, error: e.message }),
    );
  });
  const stop = (): void => {
    void b.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] === SELF && process.argv[2] === CHILD_ARG) await runChild();

// ───────────────────────────── transactional requests ─────────────────────────────

export interface TxnRecord {
  key?: string;
  value: string;
}

/** A batch of `records` of the producer, transactional unless told otherwise. */
export function txnBatch(producerId: number, producerEpoch: number, baseSequence: number, records: readonly (string | TxnRecord)[], transactional = true): Buffer {
  return encodeBatch(
    records.map((r) => (typeof r === 'string' ? { value: r } : { key: r.key ?? null, value: r.value })),
    { producerId, producerEpoch, baseSequence, transactional },
  );
}

export async function createTopic(c: RawClient, name: string, partitions: number): Promise<number> {
  const r = await c.request(CreateTopics, 5, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  return r.topics[0]!.errorCode;
}

export async function initProducerId(c: RawClient, transactionalId: string, timeoutMs = 60_000, expected?: { producerId: number; producerEpoch: number }): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
  const r = await c.request(InitProducerId, 4, { transactionalId, transactionTimeoutMs: timeoutMs, producerId: expected?.producerId ?? -1, producerEpoch: expected?.producerEpoch ?? -1 });
  return { errorCode: r.errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
}

export async function addPartitions(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, topic: string, partitions: readonly number[]): Promise<number[]> {
  const r = await c.request(AddPartitionsToTxn, 3, {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions: [...partitions] }],
  });
  return r.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode));
}

export async function produce(c: RawClient, transactionalId: string | null, topic: string, partition: number, records: Buffer): Promise<{ errorCode: number; baseOffset: number }> {
  const r = await c.request(Produce, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

export async function endTxn(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<number> {
  return (await c.request(EndTxn, 3, { transactionalId, producerId, producerEpoch, committed: commit })).errorCode;
}

/** Produce v12 (transaction version 2): a transactional batch adds its partition to the transaction itself. */
export async function produceV12(c: RawClient, transactionalId: string | null, topic: string, partition: number, records: Buffer): Promise<{ errorCode: number; baseOffset: number }> {
  const r = await c.request(Produce, 12, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

/** EndTxn v5 (transaction version 2): the answer carries the producer id and the bumped epoch for the next transaction. */
export async function endTxnV5(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
  const r = await c.request(EndTxn, 5, { transactionalId, producerId, producerEpoch, committed: commit });
  return { errorCode: r.errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
}

export interface DescribedTxn {
  errorCode: number;
  transactionState: string;
  producerId: number;
  producerEpoch: number;
  topics: { topic: string; partitions: number[] }[];
}

export async function describeTxn(c: RawClient, transactionalId: string): Promise<DescribedTxn> {
  const d = (await c.request(DescribeTransactions, 0, { transactionalIds: [transactionalId] })).transactionStates[0]!;
  return { errorCode: d.errorCode, transactionState: d.transactionState, producerId: d.producerId, producerEpoch: d.producerEpoch, topics: d.topics.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })) };
}

/** ListOffsets latest of each partition: the high watermark (isolation 0) or the LSO (1). */
export async function latestOffsets(c: RawClient, topic: string, partitions: readonly number[], isolationLevel: 0 | 1): Promise<number[]> {
  const r = await c.request(ListOffsets, 7, { replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1 })) }] });
  const byIndex = new Map(r.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode === 0 ? p.offset : -1 - p.errorCode]));
  return partitions.map((p) => byIndex.get(p)!);
}

/** InitProducerId until it is not CONCURRENT_TRANSACTIONS (a fenced transaction aborting); how many of those came first. */
export async function initUntilDone(c: RawClient, transactionalId: string, timeoutMs = 60_000, waitMs = 20_000): Promise<{ errorCode: number; producerId: number; producerEpoch: number; concurrent: number }> {
  const deadline = Date.now() + waitMs;
  let concurrent = 0;
  for (;;) {
    const r = await initProducerId(c, transactionalId, timeoutMs);
    if (r.errorCode !== E.CONCURRENT_TRANSACTIONS && r.errorCode !== E.COORDINATOR_LOAD_IN_PROGRESS) return { ...r, concurrent };
    concurrent++;
    if (Date.now() > deadline) throw new Error(`InitProducerId of ${transactionalId} still answered ${r.errorCode} after ${waitMs} ms`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** Polls DescribeTransactions until the id is in one of `states`; the last description. */
export async function untilState(c: RawClient, transactionalId: string, states: readonly string[], waitMs = 15_000): Promise<DescribedTxn> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const d = await describeTxn(c, transactionalId);
    if (states.includes(d.transactionState)) return d;
    if (Date.now() > deadline) throw new Error(`${transactionalId} stayed ${d.transactionState} (not ${states.join('/')}) for ${waitMs} ms`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
