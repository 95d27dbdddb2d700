/**
 * Apache Kafka's Java client, the reference implementation, against a real broker: kafka-clients
 * at the newest 4.x and the newest 3.9.x (test/interop/java/VERSIONS), each running every scenario
 * of test/interop/java/Interop.java:
 *
 *   produce      acks 0/1/all, idempotence, all five codecs, keys, null keys, headers; read back byte-exact
 *   large        a batch of exactly message.max.bytes stored, one byte more RecordTooLargeException
 *   restart      max.in.flight=5 with retries while the broker restarts: no duplicate, order kept
 *   groups       range and cooperative-sticky, rebalance listeners, a member joining and leaving
 *   static       group.instance.id: a static member comes back to its partitions without a rebalance
 *   consumer     assign + seek, offsetsForTimes, commitSync/commitAsync, pause/resume, max.poll.records
 *   admin        every admin call Spindle serves, each checked against what it did
 *   unsupported  calls Spindle does not serve fail with UnsupportedVersionException, promptly
 *   transactions commit, abort, a fenced zombie, consume-transform-produce with
 *                sendOffsetsToTransaction; read_committed exactly once; list/describe transactions
 *
 * Needs Java 17+ (java, javac) and the client jars that `bash test/interop/java/setup.sh` copies
 * from Maven (CI runs it first); skipped with the reason otherwise. Interop.java is compiled once
 * per version into a temporary directory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { broker, dataDir } from './helpers.js';
import { needs } from '../helpers/needs.js';

const here = new URL('../../../test/interop/java/', import.meta.url).pathname;
const versions = readFileSync(join(here, 'VERSIONS'), 'utf8').split('\n').filter((v) => v.trim() !== '');
/** A scenario that takes longer has hung: the run is killed and fails. */
const SCENARIO_TIMEOUT_MS = 120_000;

const hasJava = spawnSync('javac', ['-version']).status === 0 && spawnSync('java', ['-version']).status === 0;
const missing = versions.filter((v) => !existsSync(join(here, `lib-${v}`, '.complete')));
const skipReason = !hasJava ? 'Java 17+ (java, javac) is not installed' : missing.length ? `kafka-clients ${missing.join(', ')} not copied: run test/interop/java/setup.sh` : '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const classes = skipReason ? '' : mkdtempSync(join(tmpdir(), 'spindle-java-'));
process.on('exit', () => classes && rmSync(classes, { recursive: true, force: true }));

function compiled(version: string): string {
  const out = join(classes, version);
  if (!existsSync(join(out, 'Interop.class'))) {
    const r = spawnSync('javac', ['-nowarn', '-d', out, '-cp', `${join(here, `lib-${version}`)}/*`, join(here, 'Interop.java')], { encoding: 'utf8' });
    assert.is(r.status, 0, `javac against kafka-clients ${version}: ${r.stderr}`);
  }
  return out;
}

/** Runs one scenario; `onLine` sees each line of its output as it comes. */
function java(version: string, args: string[], onLine: (line: string, child: ChildProcess) => void = () => {}): Promise<Run> {
  const cp = `${join(here, `lib-${version}`)}/*:${compiled(version)}`;
  return new Promise((resolve) => {
    const child = spawn('java', ['-Xmx512m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', cp, 'Interop', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine(line, child);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function passed(r: Run, scenario: string): string {
  assert.is(r.code, 0, `${scenario} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`OK ${scenario}`));
  assert.ok(line, `${scenario} reported OK:\n${r.stdout}`);
  return line!;
}

for (const version of versions) {
  const name = (s: string) => `[kafka-clients ${version}] ${s}`;
  if (skipReason) {
    needs(skipReason)(name('the Java client suite'), () => {});
    continue;
  }

  // One broker per version for the scenarios that need no restart; each uses its own topics and groups.
  let shared: RunningBroker;
  let sharedData: { dir: string; remove: () => void };
  test.before(async () => {
    sharedData = dataDir();
    shared = await broker(sharedData.dir, 2, { 'group.initial.rebalance.delay.ms': 0 });
  });
  test.after(async () => {
    await shared.close();
    sharedData.remove();
  });

  test(name('producer: acks 0/1/all, idempotence, every codec, keys and headers come back byte-exact'), async () => {
    const line = passed(await java(version, ['produce', shared.bootstrap]), 'produce');
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) assert.ok(line.includes(`java-${codec}-all-idem`), codec);
  });

  test(name('producer: a batch of exactly message.max.bytes is stored, one byte more is RecordTooLargeException'), async () => {
    assert.match(passed(await java(version, ['large', shared.bootstrap]), 'large'), /fits=1048516/);
  });

  test(name('consumer groups: range (eager) and cooperative-sticky, with rebalance listeners'), async () => {
    const range = passed(await java(version, ['groups', shared.bootstrap, 'range']), 'groups');
    assert.match(range, /a=\[assigned 6, revoked 6/, 'eager: everything revoked when b joins');
    const coop = passed(await java(version, ['groups', shared.bootstrap, 'cooperative-sticky']), 'groups');
    assert.match(coop, /a=\[assigned 6, revoked 3/, 'cooperative: only what moves is revoked');
  });

  test(name('static membership: a static member comes back to its partitions without a rebalance'), async () => {
    passed(await java(version, ['static', shared.bootstrap]), 'static');
  });

  test(name('consumer: assign + seek, offsetsForTimes, commitSync/commitAsync, pause/resume, max.poll.records'), async () => {
    passed(await java(version, ['consumer', shared.bootstrap]), 'consumer');
  });

  test(name('AdminClient: every call Spindle serves'), async () => {
    assert.match(passed(await java(version, ['admin', shared.bootstrap]), 'admin'), /node=1 /);
  });

  test(name('transactions: commit, abort, zombie fencing, sendOffsetsToTransaction, read_committed exactly once'), async () => {
    assert.match(passed(await java(version, ['transactions', shared.bootstrap]), 'transactions'), /committed=50 uncommitted=56/);
  });

  test(name('AdminClient: calls Spindle does not serve fail with UnsupportedVersionException, never hang'), async () => {
    const line = passed(await java(version, ['unsupported', shared.bootstrap]), 'unsupported');
    assert.is(line.split(' ')[2]!.split(',').length, 7);
  });

  test(name('idempotent producer, max.in.flight=5: a broker restart mid-stream loses, duplicates and reorders nothing'), async () => {
    const data = dataDir();
    let b = await broker(data.dir, 2);
    const port = b.port;
    let restarted: Promise<void> | undefined;
    try {
      const r = await java(version, ['restart', b.bootstrap, '20000'], (line) => {
        const acked = /^acked (\d+)/.exec(line);
        if (acked && Number(acked[1]) >= 4000 && !restarted) {
          restarted = (async () => {
            await b.close();
            b = await startBroker({ port, config: { 'log.dirs': data.dir, 'num.io.threads': 2 } });
          })();
        }
      });
      assert.ok(restarted, `the broker was restarted mid-stream:\n${r.stdout}`);
      await restarted;
      passed(r, 'restart');
    } finally {
      await restarted?.catch(() => {});
      await b.close();
      data.remove();
    }
  });
}

test.run();
