/**
 * Runs tests of librdkafka's own test suite (its tests/ directory, built by setup.sh next to this
 * file) against a real broker, for the librdkafka*.test.ts suites. Each librdkafka test number
 * runs in its own test-runner process, so that one test's crash, hang or leaked client cannot
 * decide another's result, and a few run at once because most of them wait on timers rather
 * than compute. Each number becomes one uvu test that passes when every test of that number the
 * runner started passed.
 *
 * The runner is set up as librdkafka's own test clusters set it up against Apache Kafka
 * (tests/README.md, LibrdkafkaTestApp.py): a test.conf naming the bootstrap server,
 * TEST_KAFKA_VERSION for the broker version the tests gate on, TEST_SCENARIO, -L to leave out
 * the tests that need no broker. KAFKA_PATH and BROKERS, which a few tests use to run
 * kafka-topics.sh and kafka-acls.sh, point at Apache Kafka's own TopicCommand and AclCommand
 * run from bench/kafka's jars when those are there. Broker and clients talk over 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kafkaJavaArgs, kafkaMissing } from '../../../bench/kafka/kafka.js';
import type { RunningBroker } from '../../../src/broker/server.js';
import { needs } from '../../helpers/needs.js';
import { broker, dataDir } from '../helpers.js';

export const HERE = new URL('../../../../test/interop/librdkafka/', import.meta.url).pathname;
export const SRC = join(HERE, 'src');
const RUNNER = join(SRC, 'tests', 'test-runner');

/** The Kafka version whose APIs Spindle serves: the tests gate sub-tests and whole tests on it. */
const KAFKA_VERSION = '3.9.0';

/** Why the suites cannot run here, or '' when they can. */
export function notBuilt(): string {
  return existsSync(join(SRC, '.complete')) && existsSync(RUNNER) ? '' : "librdkafka's tests are not built: run test/interop/librdkafka/setup.sh";
}

export interface Spec {
  /** The test number, e.g. '0012': the runner runs every test of that number. */
  n: string;
  /**
   * Run in quick mode (-Q), with the reason. Quick mode skips every sub-test not marked quick, so
   * it is used only where the full test takes too long for CI.
   */
  quick?: string;
  /** Only the sub-tests whose name contains this (the runner's SUBTESTS filter). */
  subtests?: string;
  /** The test runs kafka-topics.sh: it runs only where Apache Kafka's jars are (bench/kafka/setup.sh). */
  kafkaTools?: true;
  /** A test that takes longer has hung: its runner is killed and the test fails. */
  timeoutS?: number;
  /**
   * The runner's test.timeout.multiplier, with the reason: for a test that asserts how long
   * something took, since this suite runs beside the others on a shared machine (librdkafka's
   * own CI gives every test 3: its CI mode adds 2 to 1). A test's waits for what must not come
   * grow by as much, so it is kept to such tests, at a factor that still lets the test fail.
   */
  timeoutMultiplier?: { factor: number; why: string };
}

export interface SuiteOptions {
  title: string;
  tests: Spec[];
  /** Broker config on top of what every suite uses (see BROKER_CONFIG). */
  config?: Record<string, unknown>;
  /** librdkafka's scenario (tests/scenarios/): 'default', or 'noautocreate' for a broker without auto topic creation. */
  scenario?: 'default' | 'noautocreate';
  /** How many test-runner processes run at once. */
  concurrency?: number;
  /** Client properties for every test's test.conf beyond metadata.broker.list (security.protocol, sasl.*). */
  clientConfig?: Record<string, string>;
  /**
   * Starts the suite's broker in `dir` with the suite's config, instead of the PLAINTEXT one of
   * helpers.ts broker(): a suite whose listener is SASL's. Resolves with it once it is ready
   * for the tests (users added).
   */
  start?: (dir: string, config: Record<string, unknown>) => Promise<RunningBroker>;
}

/**
 * The broker as librdkafka's test clusters configure Apache Kafka (tests/scenarios/default.json
 * and trivup's server.properties): topics auto-created with 4 partitions, and Kafka's defaults
 * otherwise, among them group.initial.rebalance.delay.ms = 3000, which several group tests rely
 * on: both of their consumers join the first generation together.
 */
const BROKER_CONFIG: Record<string, unknown> = {
  'num.partitions': 4,
  'auto.create.topics.enable': true,
  'group.initial.rebalance.delay.ms': 3000,
};

const DEFAULT_TIMEOUT_S = 180;

/** One test of the runner's summary table. */
interface Entry {
  name: string;
  state: string;
  extra: string;
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  seconds: number;
  output: string;
  entries: Entry[];
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** The runner's last summary table: `| 0012_produce_consume | PASSED | 1.2s | extra`. */
function summary(output: string): Entry[] {
  const byName = new Map<string, Entry>();
  for (const line of output.split('\n')) {
    const m = /^\|\s*(\d{4}_\w+)\s*\|\s*([A-Z]+)\s*\|\s*[\d.]+s\s*\|\s*(.*)$/.exec(line);
    if (m) byName.set(m[1]!, { name: m[1]!, state: m[2]!, extra: m[3]!.trim() });
  }
  return [...byName.values()];
}

/** The runner's reports of a failure ("### Test ... failed at ...: ###" and what it says next). */
function failures(output: string): string[] {
  const lines = output.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('### Test')) return;
    const block = [line];
    for (let j = i + 1; j < lines.length && j <= i + 6 && !/^(\[|%|###)/.test(lines[j]!); j++) block.push(lines[j]!);
    out.push(block.join('\n'));
  });
  return out;
}

/** Single-quoted for sh. */
function sh(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * A Kafka installation for KAFKA_PATH as far as the tests use one: bin/kafka-topics.sh and
 * bin/kafka-acls.sh, which run Apache Kafka's own TopicCommand and AclCommand exactly as
 * Kafka's scripts do.
 */
function kafkaPath(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['kafka-topics', 'kafka-acls'] as const) {
    const script = join(bin, `${tool}.sh`);
    writeFileSync(script, `#!/bin/sh\nexec java ${kafkaJavaArgs(tool).map(sh).join(' ')} "$@"\n`);
    chmodSync(script, 0o755);
  }
  return dir;
}

const running = new Set<ChildProcess>();
// A suite that ends (or fails) early, or is stopped by the test runner's timeout, leaves no runner behind.
process.on('exit', () => {
  for (const child of running) kill(child);
});
process.on('SIGTERM', () => process.exit(143));

/** Kills the runner and whatever it started (kafka-topics.sh runs through system()): its process group, by its pid. */
function kill(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function runOne(spec: Spec, cwd: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const args = ['-L', ...(spec.quick ? ['-Q'] : []), '-p1'];
  if (spec.timeoutMultiplier) {
    // A test.conf of its own: the suite's, plus the multiplier.
    const conf = join(cwd, 'test.conf');
    writeFileSync(conf, `${readFileSync(env.RDKAFKA_TEST_CONF!, 'utf8')}test.timeout.multiplier=${spec.timeoutMultiplier.factor}\n`);
    env = { ...env, RDKAFKA_TEST_CONF: conf };
  }
  const started = performance.now();
  return new Promise((resolve) => {
    // detached: its own process group, so that a timeout kills kafka-topics.sh's JVM with it.
    // stdbuf -oL: the runner prints its summary table to stdout, which a pipe would buffer, and
    // a failed run ends in abort(), which would lose it; stdbuf execs the runner, keeping the pid.
    const child = spawn('stdbuf', ['-oL', RUNNER, ...args], {
      cwd,
      env: { ...env, TESTS: spec.n, ...(spec.subtests ? { SUBTESTS: spec.subtests } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        kill(child);
      },
      (spec.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000,
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const output = Buffer.concat(chunks).toString('utf8').replace(ANSI, '');
      resolve({ code, signal, timedOut, seconds: (performance.now() - started) / 1000, output, entries: summary(output) });
    });
  });
}

/** Runs `fn` over `items`, at most `limit` at once, in order; each result as soon as it is there. */
function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R>[] {
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (active < limit) active++;
    else await new Promise<void>((r) => waiting.push(r));
  };
  // A finished run hands its slot straight to the next waiting one.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return items.map(async (item) => {
    await acquire();
    try {
      return await fn(item);
    } finally {
      release();
    }
  });
}

/** One entry of test.c's tests[] table. */
export interface TestEntry {
  n: string;
  name: string;
  /** Left out by -L (TEST_F_LOCAL) or by default (TEST_F_KNOWN_ISSUE, TEST_F_MANUAL). */
  leftOut: boolean;
  /** The scenarios it runs in (".scenario = "default,ak23""), 'default' when none is named. */
  scenarios: string;
}

/** test.c's table of tests, as the runner iterates it. */
export function testTable(): TestEntry[] {
  const testC = join(SRC, 'tests', 'test.c');
  if (!existsSync(testC)) return [];
  const source = readFileSync(testC, 'utf8');
  const start = source.indexOf('struct test tests[]');
  const table = source.slice(start, source.indexOf('{NULL}', start));
  const entries: TestEntry[] = [];
  for (let at = table.indexOf('_TEST('); at >= 0; at = table.indexOf('_TEST(', at + 1)) {
    // The entry runs to its closing parenthesis; TEST_BRKVER(...) and _THRES(...) nest inside.
    let depth = 0;
    let end = at + '_TEST'.length;
    do {
      if (table[end] === '(') depth++;
      else if (table[end] === ')') depth--;
      end++;
    } while (depth > 0 && end < table.length);
    const entry = table.slice(at + '_TEST('.length, end - 1);
    const m = /^\s*((\d{4})_\w+)\s*,([^,]*)/.exec(entry);
    if (!m) continue;
    entries.push({
      n: m[2]!,
      name: m[1]!,
      leftOut: /TEST_F_(LOCAL|KNOWN_ISSUE|MANUAL)\b/.test(m[3]!),
      scenarios: /\.scenario\s*=\s*"([^"]*)"/.exec(entry)?.[1] ?? 'default',
    });
  }
  return entries;
}

/** The tests of the spec's number that the runner starts in `scenario`: not local ones, not other scenarios'. */
export function startedTests(spec: Spec, scenario: string, table = testTable()): string[] {
  return table.filter((e) => e.n === spec.n && !e.leftOut && e.scenarios.includes(scenario)).map((e) => e.name);
}

/**
 * Checks a suite's list against test.c before anything runs: every number names tests the runner
 * starts in the suite's scenario (one that would start none would pass having run nothing, or
 * belongs in skip.txt), and a sub-test filter is given for a number listed more than once.
 */
export function checkList(title: string, tests: Spec[], scenario = 'default'): void {
  needs(notBuilt())(`[librdkafka ${title}] every listed test is one the runner starts in the ${scenario} scenario`, () => {
    const table = testTable();
    const seen = new Set<string>();
    for (const spec of tests) {
      assert.ok(startedTests(spec, scenario, table).length > 0, `${spec.n}: the runner starts no test of this number in the ${scenario} scenario`);
      const key = `${spec.n}/${spec.subtests ?? ''}`;
      assert.not.ok(seen.has(key), `${spec.n} is listed twice with the same sub-tests`);
      seen.add(key);
    }
  });
}

/** Why the runner's entries for one number do not count as a pass, or '' when they do. */
function verdict(spec: Spec, r: Outcome): string {
  const mine = r.entries.filter((e) => e.name.startsWith(`${spec.n}_`));
  // Left out on purpose: local variants (-L), known issues, other scenarios (no reason given).
  const started = mine.filter((e) => !(e.state === 'SKIPPED' && (e.extra === '' || /negative test flags/.test(e.extra))));
  const problems: string[] = [];
  if (r.timedOut) problems.push(`killed after ${spec.timeoutS ?? DEFAULT_TIMEOUT_S} s`);
  if (started.length === 0) problems.push(`the runner reported no result (exit ${r.signal ?? r.code})`);
  for (const e of started) {
    if (e.state === 'SKIPPED') problems.push(`${e.name} skipped itself: ${e.extra}`);
    else if (e.state !== 'PASSED') problems.push(`${e.name} ${e.state}${e.extra ? `: ${e.extra}` : ''}`);
  }
  // A filter that matches no sub-test would pass having run nothing.
  if (spec.subtests && !r.output.split('\n').some((l) => l.includes(spec.subtests!) && l.includes(': PASS ('))) {
    problems.push(`no sub-test matching "${spec.subtests}" passed`);
  }
  // Everything passed but the runner still failed: a client left running, or a crash after the test.
  if (problems.length === 0 && r.code !== 0) problems.push(`the runner exited ${r.signal ?? r.code} after its tests passed`);
  return problems.join('; ');
}

/** The parts of a run worth reading when it failed: the failure reports, then the output's tail. */
function report(r: Outcome): string {
  const lines = r.output.split('\n');
  const tail = lines.slice(-60).join('\n');
  return `${failures(r.output).join('\n\n') || '(no failure report)'}\n--- last lines of the runner's output ---\n${tail}`;
}

/** Registers one uvu test per spec and runs the suite. */
export function librdkafkaSuite(o: SuiteOptions): void {
  const missing = notBuilt();
  const tools = kafkaMissing();
  const table = testTable();
  const scenario = o.scenario ?? 'default';
  const runnable = missing ? [] : o.tests.filter((t) => !(t.kafkaTools && tools));
  const results = new Map<Spec, Promise<Outcome>>();
  let b: RunningBroker | undefined;
  let data: { dir: string; remove: () => void } | undefined;
  let work = '';
  let started = 0;

  if (runnable.length > 0) {
    test.before(async () => {
      started = performance.now();
      data = dataDir();
      const config = { ...BROKER_CONFIG, ...(o.config ?? {}) };
      b = o.start ? await o.start(data.dir, config) : await broker(data.dir, 0, config);
      work = mkdtempSync(join(tmpdir(), 'spindle-librdkafka-'));
      const conf = join(work, 'test.conf');
      const clientLines = Object.entries(o.clientConfig ?? {}).map(([k, v]) => `${k}=${v}\n`);
      writeFileSync(conf, `metadata.broker.list=${b.bootstrap}\n${clientLines.join('')}`);
      // Each run has its own working directory in <work>: the runner writes its stats files there,
      // and 0053 reads ../src/statistics_schema.json from it, as from librdkafka's tests/ directory.
      symlinkSync(join(SRC, 'src'), join(work, 'src'));
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) {
        // The runner's own selection variables would override the test chosen here. CI (set by
        // CI services) would switch on librdkafka's CI mode, which triples every timeout and
        // every wait for messages that must not come: the runs would take three times as long.
        if (!/^(TESTS|TESTS_SKIP|TESTS_SKIP_BEFORE|SUBTESTS|TEST_CONSUMER_GROUP_PROTOCOL|KAFKA_PATH|BROKERS|ZK_ADDRESS|CI)$/.test(k)) env[k] = v;
      }
      Object.assign(env, {
        // The library just built, not a system librdkafka.
        LD_LIBRARY_PATH: [join(SRC, 'src'), join(SRC, 'src-cpp'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        RDKAFKA_TEST_CONF: conf,
        TEST_KAFKA_VERSION: KAFKA_VERSION,
        TEST_SCENARIO: scenario,
        FORCE_COLOR: '0',
      });
      if (!tools) Object.assign(env, { KAFKA_PATH: kafkaPath(join(work, 'kafka')), BROKERS: b.bootstrap });
      const outcomes = pool(runnable, o.concurrency ?? 3, (spec) => {
        const cwd = mkdtempSync(join(work, `${spec.n}-`));
        return runOne(spec, cwd, env);
      });
      runnable.forEach((spec, i) => results.set(spec, outcomes[i]!));
    });
    test.after(async () => {
      const done = await Promise.allSettled(results.values());
      await b?.close();
      data?.remove();
      if (work) rmSync(work, { recursive: true, force: true });
      // Where the time went, slowest first: what to look at when a suite nears its time limit.
      const times = runnable
        .map((spec, i) => {
          const d = done[i]!;
          return { spec, s: d.status === 'fulfilled' ? d.value.seconds : 0 };
        })
        .sort((a, b) => b.s - a.s)
        .map(({ spec, s }) => `${spec.n}${spec.subtests ? `/${spec.subtests}` : ''} ${s.toFixed(0)}s`);
      console.log(`[librdkafka ${o.title}] ${runnable.length} runs in ${((performance.now() - started) / 1000).toFixed(0)} s: ${times.join(', ')}`);
    });
  }

  if (missing) {
    // One line for the whole suite, not one per test.
    needs(missing)(`[librdkafka ${o.title}] ${o.tests.length} runs of librdkafka's tests`, () => {});
    test.run();
    return;
  }
  for (const spec of o.tests) {
    const names = startedTests(spec, scenario, table);
    const what = [spec.subtests ? `sub-tests "${spec.subtests}"` : spec.quick ? 'quick mode' : '', spec.timeoutMultiplier ? `timeouts ×${spec.timeoutMultiplier.factor}: ${spec.timeoutMultiplier.why}` : '']
      .filter(Boolean)
      .join('; ');
    const title = `[librdkafka ${o.title}] ${names.join(', ') || spec.n}${what ? ` (${what})` : ''}`;
    const why = spec.kafkaTools && tools ? `needs kafka-topics.sh: ${tools}` : '';
    needs(why)(title, async () => {
      const r = await results.get(spec)!;
      const problem = verdict(spec, r);
      assert.ok(problem === '', `${spec.n}: ${problem} (${r.seconds.toFixed(0)} s)\n${report(r)}`);
    });
  }
  test.run();
}
