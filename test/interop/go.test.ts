/**
 * The Go clients franz-go (kgo, kadm) and IBM Sarama against a real broker, driven by the
 * program in test/interop/go, whose scenarios check every result themselves:
 *
 *   kgo-produce     every codec; idempotent, acks=1 and acks=0; null/empty/binary keys and values,
 *                   headers; read back byte-exact in order by a groupless consumer, also with tiny
 *                   fetch limits; topic compression.type, LogAppendTime and max.message.bytes
 *   sarama-produce  every codec; sync and async, idempotent and not, acks 0/1/all, protocol
 *                   versions 0.11, 2.1 and 3.9; read back byte-exact by partition consumers
 *   kgo-group       cooperative-sticky and range: members joining and leaving mid-stream, nothing
 *                   lost, committed offsets at the log end, the broker's view of the assignment
 *   sarama-group    range, roundrobin, sticky and cooperative-sticky, likewise
 *   kadm-admin      topics, configs (topic, broker, dynamic), partitions, offsets by time, delete
 *                   records, leader epochs, producers, groups and their offsets
 *   sarama-admin    ClusterAdmin's topic, config, partition, record and group calls
 *   kgo-txn         two GroupTransactSession members of one group consume-transform-produce
 *                   exactly once across a rebalance, one transaction aborted on purpose; a plain
 *                   transactional client commits and aborts; a zombie is fenced by a second client
 *                   with its transactional id. read_committed reads every committed record once
 *                   in input order and nothing aborted, read_uncommitted the aborted ones too; the
 *                   group's offsets end at the input's log end; DescribeTransactions,
 *                   DescribeProducers (currentTxnStartOffset), the last stable offset of an open
 *                   transaction, ListTransactions
 *   sarama-txn      the same with Sarama: a ConsumerGroup handler producing through a transactional
 *                   SyncProducer with AddMessageToTxn (offsets aborted with their transaction stay
 *                   uncommitted), an AsyncProducer committing and aborting at protocol 2.5, a
 *                   zombie fenced; read back by read_committed and read_uncommitted consumers
 *
 * Needs Go on PATH and the modules `bash test/interop/go/setup.sh` downloads (CI runs it first);
 * skipped when `go` is absent. The program is built once into a temporary directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { broker, dataDir } from './helpers.js';
import { needs } from '../helpers/needs.js';

const GO_DIR = new URL('../../../test/interop/go/', import.meta.url).pathname;
/** A scenario that takes longer has hung: it is killed and fails. */
const SCENARIO_TIMEOUT_MS = 90_000;
/** A cold build cache compiles both clients and their dependencies. */
const BUILD_TIMEOUT_MS = 240_000;
/** Rebalances then take well under a second. */
const BROKER_CONFIG = { 'group.initial.rebalance.delay.ms': 0 };

const hasGo = spawnSync('go', ['version']).status === 0;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs: number, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const binDir = hasGo ? mkdtempSync(join(tmpdir(), 'spindle-go-interop-')) : '';
const binary = join(binDir, 'interop');
process.on('exit', () => binDir && rmSync(binDir, { recursive: true, force: true }));

let build: Promise<Run> | undefined;

/** Builds the program on first use; every scenario then fails with the same build output if it broke. */
async function built(): Promise<void> {
  // GOPROXY=off: the modules come from setup.sh, never from the network during a test run.
  build ??= run('go', ['build', '-mod=readonly', '-buildvcs=false', '-o', binary, '.'], BUILD_TIMEOUT_MS, {
    cwd: GO_DIR,
    env: { ...process.env, GOPROXY: 'off', GOFLAGS: '', GOTOOLCHAIN: 'local' },
  });
  const r = await build;
  assert.is(r.code, 0, `go build failed (${r.signal ?? r.code}); was test/interop/go/setup.sh run?\n${r.stderr}`);
}

type Summary = Record<string, unknown> & { ok: true; scenario: string };

/** Runs one scenario against a fresh broker and returns its summary line. */
async function scenario(workers: number, args: string[], config: Record<string, unknown> = {}): Promise<Summary> {
  await built();
  const data = dataDir();
  const b = await broker(data.dir, workers, { ...BROKER_CONFIG, ...config });
  try {
    const [name, ...rest] = args;
    const r = await run(binary, [name!, b.bootstrap, ...rest], SCENARIO_TIMEOUT_MS);
    const tail = r.stderr.split('\n').slice(-40).join('\n');
    assert.is(r.code, 0, `${args.join(' ')} exited ${r.signal ?? r.code}:\n${tail}`);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const summary = JSON.parse(last) as Summary;
    assert.is(summary.ok, true, `${args.join(' ')}: ${last}`);
    assert.is(summary.scenario, name);
    return summary;
  } finally {
    await b.close();
    data.remove();
  }
}

const name = (s: string) => `[go] ${s}`;
const cases: [string, () => Promise<void>][] = [
  [
    'franz-go, 2 workers: every codec, idempotent / acks=1 / acks=0, keys and headers read back byte-exact',
    async () => {
      const s = await scenario(2, ['kgo-produce']);
      assert.equal([s.topics, s.records], [15, 6000]);
    },
  ],
  [
    'franz-go, inline logs: every codec and acks level read back byte-exact',
    async () => {
      const s = await scenario(0, ['kgo-produce', '200']);
      assert.equal([s.topics, s.records], [15, 3000]);
    },
  ],
  [
    'Sarama: sync and async producers, every codec, idempotent or not, read back byte-exact by partition consumers',
    async () => {
      const s = await scenario(2, ['sarama-produce']);
      assert.equal([s.topics, s.records], [20, 6000]);
    },
  ],
  ...(['cooperative-sticky', 'range'] as const).map((balancer): [string, () => Promise<void>] => [
    `franz-go group, ${balancer}: members join and leave mid-stream, nothing lost, offsets committed to the log end`,
    async () => {
      const s = await scenario(2, ['kgo-group', balancer]);
      assert.is(s.records, 2000);
      assert.is(s.protocol, balancer);
      assert.is(s.lost, 0);
      // Every handover commits first, so nothing is read twice.
      assert.is(s.duplicates, 0);
      assert.is(s.fullRevokes === 0, balancer === 'cooperative-sticky', `whole assignments revoked: ${String(s.fullRevokes)}`);
    },
  ]),
  ...(['range', 'roundrobin', 'sticky', 'cooperative-sticky'] as const).map((strategy): [string, () => Promise<void>] => [
    `Sarama ConsumerGroup, ${strategy}: members join and leave mid-stream, nothing lost, offsets committed to the log end`,
    async () => {
      const s = await scenario(2, ['sarama-group', strategy]);
      assert.is(s.records, 2000);
      assert.is(s.protocol, strategy);
      assert.is(s.duplicates, 0);
    },
  ]),
  [
    'kadm: topics, configs, partitions, offsets, delete records, leader epochs, producers, groups',
    async () => {
      const s = await scenario(2, ['kadm-admin', '3'], { 'num.partitions': 3 });
      assert.is(s.checks, 16);
    },
  ],
  [
    'Sarama ClusterAdmin: topics, configs, partitions, records, consumer groups, cluster',
    async () => {
      const s = await scenario(2, ['sarama-admin', '3'], { 'num.partitions': 3 });
      assert.is(s.checks, 11);
    },
  ],
  ...([2, 0] as const).map((workers): [string, () => Promise<void>] => [
    `franz-go transactions${workers ? '' : ', inline logs'}: GroupTransactSession exactly once across a rebalance, commit and abort, zombie fenced`,
    async () => {
      const s = await scenario(workers, ['kgo-txn', workers ? '400' : '200']);
      assert.is(s.records, workers ? 400 : 200);
      // One poll of up to 20 records aborted on purpose; every aborted record, that one and any a
      // rebalance aborted, is read by read_uncommitted only.
      assert.ok((s.aborted as number) >= 1 && (s.aborted as number) <= 20, `aborted ${String(s.aborted)}`);
      assert.is(s.abortedSeen, (s.aborted as number) + (s.rebalanceAborted as number));
      assert.equal([s.plainCommitted, s.plainAborted], [68, 38]);
      // EndTxn v4: Kafka answers a fenced epoch with PRODUCER_FENCED from v2 on.
      assert.match(String(s.fencedError), /^PRODUCER_FENCED/);
      assert.ok((s.fencerEpoch as number) > (s.zombieEpoch as number));
    },
  ]),
  [
    'Sarama transactions: consume-transform-produce with AddMessageToTxn exactly once, commit and abort, zombie fenced',
    async () => {
      const s = await scenario(2, ['sarama-txn', '25']);
      assert.is(s.records, 300);
      // The first batch, up to 25 records, aborted on purpose and then redone.
      assert.ok((s.aborted as number) >= 1 && (s.aborted as number) <= 25, `aborted ${String(s.aborted)}`);
      assert.is(s.abortedSeen, s.aborted);
      assert.equal([s.plainCommitted, s.plainAborted], [88, 48]);
      // Protocol 2.5 sends EndTxn v1, below the version that knows PRODUCER_FENCED, so Kafka
      // answers INVALID_PRODUCER_EPOCH.
      assert.match(String(s.fencedError), /old epoch/);
    },
  ],
];

for (const [title, fn] of cases) {
  needs(hasGo ? '' : 'go is not installed')(name(title), fn);
}

test.run();
