/**
 * The Python clients against a real broker (2 partition workers): confluent-kafka 2.16.1
 * (librdkafka 2.16.0), kafka-python 2.3.3 and aiokafka 0.14.0, each driving the scenarios of
 * its script in test/interop/python/ as a child process:
 *
 *   produce      every codec (none, gzip, snappy, lz4, zstd) with acks 0, 1 and all, and with
 *                idempotence, keys and headers; read back byte-exact, in order, per partition
 *   groups       two members of a group under each assignor, one leaving mid-stream; no record
 *                lost, committed offsets at the log end; assign, seek, committed, position
 *   admin        the admin client calls Spindle serves, results checked against Kafka's
 *   operations   the authorized operations Kafka reports without an authorizer (confluent-kafka)
 *   transactions commit, abort (records acknowledged first), consume-transform-produce with
 *                send_offsets_to_transaction (the offsets unseen until the commit, then the group's),
 *                a zombie fenced by a second producer with its transactional id; while a
 *                transaction is open ListOffsets and read_committed stop at the last stable offset;
 *                read_committed reads every committed record exactly once and no aborted one,
 *                read_uncommitted all of them; one marker per transaction per partition
 *   unsupported  calls Spindle does not serve (elections) fail with an error, well within the
 *                client's timeout; the ACL calls without an authorizer fail with SECURITY_DISABLED;
 *                a SCRAM user is added and described (confluent-kafka)
 *
 * Each script checks its own results and prints "OK <scenario>: <summary>" (exit 0) or
 * "FAIL <scenario>: <reason>" (exit 1). Needs the virtual environment that
 * test/interop/python/setup.sh makes; every test is skipped without it.
 *
 * The broker runs with num.partitions=3 (the producers' Metadata requests create most of their
 * topics) and group.initial.rebalance.delay.ms=0, so that rebalances take well under a second.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBroker } from '../../src/broker/server.js';
import { broker, dataDir, type Run } from './helpers.js';
import { needs } from '../helpers/needs.js';

const DIR = fileURLToPath(new URL('../../../test/interop/python/', import.meta.url));
const PYTHON = join(DIR, '.venv', 'bin', 'python');
const installed = existsSync(PYTHON);
const SKIP_REASON = 'python clients not installed: run test/interop/python/setup.sh';

/** Each scenario takes a few seconds; one that hangs is killed after this. */
const SCENARIO_TIMEOUT_MS = 60_000;

/** Runs `script scenario bootstrap ...args`; killed by its pid after `timeoutMs`. */
function scenario(script: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    // No __pycache__ beside the scripts; unbuffered so that a killed run still shows its output.
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
    const child = spawn(PYTHON, [script, ...args], { cwd: DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n(killed after ${timeoutMs} ms)`;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Case {
  client: string;
  script: string;
  scenario: string;
  args?: string[];
  /** What the summary line must say after "OK <scenario>: ". */
  expect: RegExp;
}

/** The transactions summary: the counts come from TXNS in common.py; `fenced` is the error the
 * client raises for the zombie's commit. */
const transactions = (fenced: string) =>
  new RegExp(`^76 committed and 36 aborted records in 4 partitions: read_committed reads the 76 exactly once \\(and stops at the ` +
    `last stable offset while a transaction is open\\), read_uncommitted all 112; consume-transform-produce of 60 records, ` +
    `group offsets committed in the transaction; zombie fenced \\(${fenced}\\)`);

const CASES: Case[] = [
  { client: 'confluent-kafka', script: 'client_confluent.py', scenario: 'produce', expect: /^20 topics, 3000 records byte-exact/ },
  { client: 'confluent-kafka', script: 'client_confluent.py', scenario: 'groups', args: ['range'], expect: /^range: 1500 records, none lost .*committed = log end/ },
  { client: 'confluent-kafka', script: 'client_confluent.py', scenario: 'groups', args: ['roundrobin'], expect: /^roundrobin: 1500 records, none lost .*committed = log end/ },
  { client: 'confluent-kafka', script: 'client_confluent.py', scenario: 'groups', args: ['cooperative-sticky'], expect: /^cooperative-sticky: 1500 records, none lost .*committed = log end/ },
  { client: 'confluent-kafka', script: 'client_confluent.py', scenario: 'admin', expect: /^topics, configs/ },
  { client: 'confluent-kafka', script: 'client_confluent.py', scenario: 'operations', expect: /^authorized operations of a topic, a group and the cluster/ },
  { client: 'confluent-kafka', script: 'client_confluent.py', scenario: 'transactions', expect: transactions('_FENCED') },
  { client: 'confluent-kafka', script: 'client_confluent.py', scenario: 'unsupported', expect: /^1 calls refused promptly: elect_leaders; 2 ACL calls SECURITY_DISABLED; a SCRAM user added and described/ },
  { client: 'kafka-python', script: 'client_kafka_python.py', scenario: 'produce', expect: /^20 topics, 3000 records byte-exact/ },
  { client: 'kafka-python', script: 'client_kafka_python.py', scenario: 'groups', args: ['range'], expect: /^range: 1500 records, none lost .*committed = log end/ },
  { client: 'kafka-python', script: 'client_kafka_python.py', scenario: 'groups', args: ['roundrobin'], expect: /^roundrobin: 1500 records, none lost .*committed = log end/ },
  { client: 'kafka-python', script: 'client_kafka_python.py', scenario: 'groups', args: ['sticky'], expect: /^sticky: 1500 records, none lost .*committed = log end/ },
  { client: 'kafka-python', script: 'client_kafka_python.py', scenario: 'admin', expect: /^create\/delete topics/ },
  { client: 'kafka-python', script: 'client_kafka_python.py', scenario: 'admin-cluster', expect: /^describe_cluster, list_topics, describe_topics, delete_records/ },
  { client: 'kafka-python', script: 'client_kafka_python.py', scenario: 'transactions', expect: transactions('InvalidProducerEpochError') },
  { client: 'aiokafka', script: 'client_aiokafka.py', scenario: 'produce', expect: /^20 topics, 3000 records byte-exact/ },
  { client: 'aiokafka', script: 'client_aiokafka.py', scenario: 'groups', args: ['range'], expect: /^range: 1500 records, none lost .*committed = log end/ },
  { client: 'aiokafka', script: 'client_aiokafka.py', scenario: 'groups', args: ['roundrobin'], expect: /^roundrobin: 1500 records, none lost .*committed = log end/ },
  { client: 'aiokafka', script: 'client_aiokafka.py', scenario: 'groups', args: ['sticky'], expect: /^sticky: 1500 records, none lost .*committed = log end/ },
  { client: 'aiokafka', script: 'client_aiokafka.py', scenario: 'admin', expect: /^create\/delete\/list\/describe topics/ },
  { client: 'aiokafka', script: 'client_aiokafka.py', scenario: 'transactions', expect: transactions('ProducerFenced') },
];

// Runs with or without the venv (and keeps the file from being all skips): what setup.sh
// installs is pinned, so that every run tests the same clients and codecs.
test('[python] requirements.txt pins the three clients and their codec packages exactly', () => {
  const pins = new Map<string, string>();
  for (const raw of readFileSync(join(DIR, 'requirements.txt'), 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^([A-Za-z0-9_.-]+)==([0-9][^\s;]*)$/.exec(line);
    assert.ok(m, `not an exact pin: ${line}`);
    pins.set(m![1]!.toLowerCase(), m![2]!);
  }
  assert.is(pins.get('confluent-kafka'), '2.16.1');
  assert.is(pins.get('aiokafka'), '0.14.0');
  assert.match(pins.get('kafka-python') ?? '', /^2\./);
  // kafka-python's codecs, then aiokafka's (cramjam serves its snappy, lz4 and zstd).
  for (const codec of ['python-snappy', 'lz4', 'zstandard', 'crc32c', 'cramjam']) assert.ok(pins.has(codec), `${codec} is not pinned`);
});

const title = (c: Case) => `[${c.client}] ${c.scenario}${c.args ? ` ${c.args.join(' ')}` : ''}`;

if (!installed) {
  for (const c of CASES) needs(SKIP_REASON)(title(c), () => {});
} else {
  // One broker for the file: the scenarios name their topics and groups after their client.
  const data = dataDir();
  let b: RunningBroker | undefined;
  test.before(async () => {
    b = await broker(data.dir, 2, { 'num.partitions': 3, 'group.initial.rebalance.delay.ms': 0 });
  });
  test.after(async () => {
    await b?.close();
    data.remove();
  });

  for (const c of CASES) {
    test(title(c), async () => {
      const r = await scenario(c.script, [c.scenario, b!.bootstrap, ...(c.args ?? [])], SCENARIO_TIMEOUT_MS);
      // The script's own verdict first, then the end of its stderr (a traceback, client logs).
      const verdict = /^FAIL .*$/m.exec(r.stderr)?.[0] ?? '';
      const tail = r.stderr.trim().split('\n').slice(-12).join('\n');
      assert.is(r.code, 0, `${title(c)} exited ${r.code}: ${verdict}\n${tail}`);
      const line = new RegExp(`^OK ${c.scenario}: (.*)$`, 'm').exec(r.stdout);
      assert.ok(line, `${title(c)}: no summary line in ${JSON.stringify(r.stdout)}`);
      assert.match(line![1]!, c.expect);
    });
  }
}

test.run();
