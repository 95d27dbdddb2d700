/**
 * Kafka Streams (test/interop/streams/, the newest 4.x) against a real broker: a word count under
 * processing.guarantee=exactly_once_v2, run by test/interop/streams/WordCount.java in child JVMs.
 *
 * The app splits lines into words, groups them by word and counts them, with two stream threads.
 * That makes Streams create its own topics with CreateTopics (a repartition topic, and the count
 * store's compacted changelog, with the configs it asks for), run its own assignor in a classic
 * group, purge the repartition topic with DeleteRecords as it commits, read it read_committed,
 * and commit each batch of input offsets and output in one transaction per thread
 * (TxnOffsetCommit with the group's generation and member id, EndTxn). With the store's cache off
 * every word read is one update, so the check is exact: read_committed, each word's counts are
 * 1, 2, …, its total, each once, in order; the changelog ends at the totals; the group's offsets
 * are at the input's end; no transaction is left open.
 *
 *   one instance      runs the input to the end
 *   kill -9, same     SIGKILLed mid-stream (a transaction open, as a rule); a new instance on
 *   state directory   the same state directory (so the same process id and transactional ids)
 *                     fences the dead producers, restores the store from the changelog and
 *                     finishes
 *   kill -9, new      the same, the new instance on a new state directory: new transactional
 *   state directory   ids, so the dead transactions end only when the broker aborts them at
 *                     their timeout; until then they hold back the last stable offsets
 *
 * All three on a broker with transaction protocol version 2 (KIP-890, as Kafka 4 advertises it:
 * the 4.x client adds partitions with Produce and the group with TxnOffsetCommit, and every
 * commit bumps the epoch), the second also on one with `transaction.version=1` (AddPartitionsToTxn
 * and AddOffsetsToTxn); the broker's request counts check which protocol the client used.
 *
 * Needs Java 17+ (java, javac) and the jars that `bash test/interop/streams/setup.sh` copies from
 * Maven (CI runs it first); skipped with the reason otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBroker } from '../../src/broker/server.js';
import { AddOffsetsToTxn, AddPartitionsToTxn, EndTxn } from '../../src/protocol/messages/index.js';
import { broker, dataDir } from './helpers.js';
import { needs } from '../helpers/needs.js';

const here = new URL('../../../test/interop/streams/', import.meta.url).pathname;
const lib = join(here, 'lib');
const INPUT = 'wc-lines';
const LINES = 1500;
const SEED = 20240611;
/** A run that takes longer has hung: it is killed and fails. */
const RUN_TIMEOUT_MS = 90_000;

const hasJava = spawnSync('javac', ['-version']).status === 0 && spawnSync('java', ['-version']).status === 0;
const skipReason = !hasJava
  ? 'Java 17+ (java, javac) is not installed'
  : !existsSync(join(lib, '.complete'))
    ? 'kafka-streams not copied: run test/interop/streams/setup.sh'
    : '';

/** setup.sh's build/ when it is up to date with WordCount.java, else a fresh compile into a temporary directory. */
function classes(): string {
  const built = join(here, 'build');
  const cls = join(built, 'WordCount.class');
  if (existsSync(cls) && statSync(cls).mtimeMs >= statSync(join(here, 'WordCount.java')).mtimeMs) return built;
  const out = mkdtempSync(join(tmpdir(), 'spindle-streams-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync('javac', ['-nowarn', '-d', out, '-cp', `${lib}/*`, join(here, 'WordCount.java')], { encoding: 'utf8' });
  assert.is(r.status, 0, `javac WordCount.java: ${r.stderr}`);
  return out;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let cp = '';

/** Runs WordCount in a child JVM; `onLine` sees each line of its output as it comes and may kill it. */
function wordCount(args: string[], onLine: (line: string, kill: () => void) => void = () => {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('java', ['-Xmx512m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', cp, 'WordCount', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const kill = () => child.kill('SIGKILL');
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine(line, kill);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(kill, RUN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function passed(r: Run, mode: string): string {
  assert.is(r.code, 0, `${mode} exited ${r.code ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`OK ${mode}`));
  assert.ok(line, `${mode} reported OK:\n${r.stdout}\n${r.stderr}`);
  return line!;
}

/**
 * What a run that ends with `verify` found of its app's output, changelog, topics and offsets;
 * `transactionalIds` is how many transactional ids the app's producers used (two stream threads
 * per process id). Returns the highest producer epoch among them.
 */
function verified(r: Run, words: number, transactionalIds: number): number {
  const line = passed(r, 'verify');
  assert.ok(line.includes(` updates=${words} `), line);
  assert.ok(line.includes(' distinct=200 '), line);
  assert.ok(line.includes(` transactional-ids=${transactionalIds} `), line);
  return Number(/ epoch=(-?\d+)/.exec(line)![1]);
}

/**
 * One broker per transaction protocol version: 2 (KIP-890, what Kafka 4 advertises and the 4.x
 * client then uses: every commit bumps the producer epoch) runs every scenario; 1 (the classic
 * protocol: AddPartitionsToTxn, AddOffsetsToTxn) the kill and restart.
 */
const LEVELS = [
  { level: 2, apps: ['wc', 'wck', 'wcf'] },
  { level: 1, apps: ['wck'] },
];

const register = needs(skipReason);
if (!skipReason) {
  let state: string;
  test.before(() => {
    cp = `${lib}/*:${classes()}`;
    state = mkdtempSync(join(tmpdir(), 'spindle-streams-state-'));
  });
  test.after(() => rmSync(state, { recursive: true, force: true }));

  for (const { level, apps } of LEVELS) {
    const name = (s: string) => `[transaction.version=${level}] exactly_once_v2 word count: ${s}`;
    let b: RunningBroker;
    let data: { dir: string; remove: () => void };
    /** How many words the input holds, which is how many counts each app's output must get. */
    let words: number;
    test.before(async () => {
      data = dataDir();
      // A dead instance's open transaction is aborted at its timeout (Streams asks for 10 s) once
      // the coordinator looks; look every second rather than every ten.
      b = await broker(data.dir, 2, { 'group.initial.rebalance.delay.ms': 0, 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 1000, 'transaction.version': level });
      // One input for every app, each with its own application.id and output topic.
      const line = passed(await wordCount(['produce', b.bootstrap, INPUT, String(LINES), String(SEED), ...apps.map((a) => `${a}-out`)]), 'produce');
      words = Number(/ words=(\d+)/.exec(line)![1]);
    });
    test.after(async () => {
      await b.close();
      data.remove();
    });

    /** Runs the app until its output is complete, then closes it and checks everything (`verify`). */
    const run = (app: string, stateDir: string, onLine?: (line: string, kill: () => void) => void) =>
      wordCount(['run', b.bootstrap, app, INPUT, `${app}-out`, join(state, `${level}-${stateDir}`), String(LINES), String(SEED), ...(onLine ? [] : ['verify'])], onLine);

    /** Runs the app until a quarter of its counts are committed, then SIGKILLs it. */
    async function killMidStream(app: string, stateDir: string): Promise<void> {
      let killedAt = -1;
      const r = await run(app, stateDir, (line, kill) => {
        const progress = /^progress processed=\d+ output=(\d+)/.exec(line);
        if (progress && killedAt < 0 && Number(progress[1]) >= words / 4) {
          killedAt = Number(progress[1]);
          kill();
        }
      });
      assert.is(r.signal, 'SIGKILL', `the instance was killed mid-stream:\n${r.stdout}\n${r.stderr}`);
      assert.ok(killedAt > 0 && killedAt < words, `killed with ${killedAt} of ${words} counts committed`);
    }

    /** A second instance's run: it finished the output, with its store restored from the changelog. */
    const restoredAll = (line: string) => {
      assert.ok(line.includes(`output=${words} `), line);
      assert.ok(Number(/ restored=(\d+)/.exec(line)![1]) > 0, `the store was restored from its changelog: ${line}`);
    };

    /** The requests of the transaction APIs the broker has served so far, by name. */
    const txnRequests = () => Object.fromEntries([AddPartitionsToTxn, AddOffsetsToTxn, EndTxn].map((api) => [api.name, b.broker.metrics.requests[api.key]!]));

    /**
     * Runs `scenario`, then checks which transaction protocol the producers used: under version 2
     * Produce adds the partitions and TxnOffsetCommit the group, so AddPartitionsToTxn and
     * AddOffsetsToTxn are never sent, and every commit bumps the epoch; under version 1 both are
     * sent for every transaction, and only InitProducerId bumps the epoch (once or twice per
     * fencing). `scenario` returns the highest epoch its producers reached.
     */
    async function onProtocol(scenario: () => Promise<number>): Promise<void> {
      const before = txnRequests();
      const epoch = await scenario();
      const after = txnRequests();
      const sent = (name: string) => after[name]! - before[name]!;
      const what = `transaction.version=${level}: ${JSON.stringify({ AddPartitionsToTxn: sent('AddPartitionsToTxn'), AddOffsetsToTxn: sent('AddOffsetsToTxn'), EndTxn: sent('EndTxn'), epoch })}`;
      assert.ok(sent('EndTxn') > 0, what);
      if (level === 2) assert.ok(sent('AddPartitionsToTxn') === 0 && sent('AddOffsetsToTxn') === 0 && epoch > 0, what);
      else assert.ok(sent('AddPartitionsToTxn') > 0 && sent('AddOffsetsToTxn') > 0 && epoch <= 2, what);
    }

    if (apps.includes('wc')) {
      test(name('each count 1..N exactly once read_committed, internal topics created, repartition purged'), () =>
        onProtocol(async () => {
          const r = await run('wc', 'wc');
          assert.ok(passed(r, 'run').includes(`output=${words} restored=0 `), r.stdout);
          return verified(r, words, 2);
        }));
    }

    test(name('SIGKILLed mid-stream, restarted on its state directory: fenced, restored, still exactly once'), () =>
      onProtocol(async () => {
        await killMidStream('wck', 'wck');
        // The same process id (kept in the state directory), so the same transactional ids: the
        // new producers fence the dead ones, whose open transactions are aborted. The store, not
        // checkpointed under EOS, is restored from the changelog.
        const r = await run('wck', 'wck');
        restoredAll(passed(r, 'run'));
        return verified(r, words, 2);
      }));

    if (apps.includes('wcf')) {
      test(name('SIGKILLed mid-stream, replaced by an instance with a new state directory: still exactly once'), () =>
        onProtocol(async () => {
          await killMidStream('wcf', 'wcf-1');
          // A new process id and so new transactional ids: nothing fences the dead producers,
          // whose open transactions hold back the last stable offsets and the group's offsets
          // (UNSTABLE_OFFSET_COMMIT) until the broker aborts them at their timeout.
          const r = await run('wcf', 'wcf-2');
          restoredAll(passed(r, 'run'));
          return verified(r, words, 4);
        }));
    }
  }
} else {
  register('Kafka Streams exactly_once_v2 word count, SIGKILLed and restarted', () => {});
}

test.run();
