/**
 * `spindle produce` under load and interruption, as a child process: 100 MB piped into it stay
 * under 150 MB of resident memory (the child's peak, VmHWM from /proc), every record arriving;
 * the progress summary counts acknowledged records only, not those the broker refused;
 * Ctrl-C sends what was read and exits 130; and a security protocol without what it needs
 * (SASL_SSL with no mechanism or JAAS config) stops the command before anything is sent.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, loud, spindle, start, type TestBroker, testBroker } from './helpers.js';
import { needs } from '../helpers/needs.js';

let b: TestBroker;
let dir: string;

test.before(
  loud(async () => {
    b = await testBroker({ 'num.partitions': 1 });
    dir = mkdtempSync(join(tmpdir(), 'spindle-produce-'));
  }),
);

test.after(async () => {
  await b?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The log end offset of partition 0, from `topics --describe`. */
async function endOffset(topic: string): Promise<number> {
  const d = await spindle(['topics', '--describe', '--topic', topic, ...b.flag]);
  assert.is(d.code, 0, d.stderr);
  return Number(/LogEndOffset: (\d+)/.exec(d.stdout)?.[1] ?? -1);
}

const MB = 1_000_000;
const RSS_LIMIT_KB = 150 * 1024;

if (existsSync('/proc/self/status')) {
  test('100 MB piped into produce stay under 150 MB of resident memory, and every record arrives', async () => {
    const line = `${'x'.repeat(99)}\n`;
    const records = (100 * MB) / line.length;
    const p = start(['produce', '--topic', 'piped-100mb', ...b.flag], { timeoutMs: 240_000 });
    let peakKb = 0;
    const sample = (): void => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // The child has exited: its last sample stands.
      }
    };
    const sampler = setInterval(sample, 50);
    // Written as the pipe drains, so that the test's own memory holds one chunk at a time.
    const chunk = line.repeat(10_000);
    const stdin = p.child.stdin!;
    for (let written = 0; written < records; written += 10_000) {
      if (!stdin.write(chunk)) await new Promise((r) => stdin.once('drain', r));
    }
    stdin.end();
    const r = await p.done;
    clearInterval(sampler);
    assert.is(r.code, 0, r.stderr);
    assert.ok(peakKb > 0, 'the peak was sampled');
    assert.ok(peakKb < RSS_LIMIT_KB, `peak resident memory ${Math.round(peakKb / 1024)} MB, limit 150 MB`);
    assert.match(r.stderr, new RegExp(`^produced ${records.toLocaleString('en-US')} records \\(99\\.0 MB\\)`, 'm'));
    assert.is(await endOffset('piped-100mb'), records);
  });
} else {
  needs('no /proc to read the peak resident memory from')('100 MB piped into produce stay under 150 MB', () => {});
}

test('the progress summary counts the records the broker acknowledged, not those it refused', async () => {
  assert.is((await spindle(['topics', '--create', '--topic', 'small-records', '--config', 'max.message.bytes=2000', ...b.flag])).code, 0);
  const file = join(dir, 'mixed.txt');
  // One record per batch, so that the large one is refused alone.
  writeFileSync(file, ['a', 'b', 'x'.repeat(5000), 'c', 'd'].join('\n') + '\n');
  const r = await spindle(['produce', '--topic', 'small-records', '--file', file, '--batch-size', '1', '--linger-ms', '0', ...b.flag]);
  assert.is(r.code, 1, r.stderr);
  const [summary, error] = lines(r.stderr);
  assert.match(summary!, /^produced 4 records \(0\.0 MB\)/);
  assert.match(error!, /^spindle produce: small-records-0: MESSAGE_TOO_LARGE/);
  assert.is(await endOffset('small-records'), 4);
});

test('Ctrl-C in produce sends the lines read so far and exits 130', async () => {
  const p = start(['produce', '--topic', 'interrupted', ...b.flag]);
  p.child.stdin!.write('one\ntwo\n');
  // The records reach the log while the producer still waits for more input.
  const until = Date.now() + 15_000;
  while ((await endOffset('interrupted').catch(() => 0)) < 2) {
    if (Date.now() > until) throw new Error('the two records never arrived');
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(p.child.pid!, 'SIGINT');
  const r = await p.done;
  assert.is(r.code, 130, r.stderr);
  assert.is(r.signal, null);
  assert.is(await endOffset('interrupted'), 2);
});

test('--sync waits for each acknowledgement, and --producer.config and --producer-property set producer configs', async () => {
  const config = join(dir, 'producer.properties');
  writeFileSync(config, 'acks=1\nlinger.ms=0\nclient.id=from-file\nno.such.config=1\n');
  const r = await spindle(
    ['produce', '--topic', 'configured', '--producer.config', config, '--producer-property', 'batch.size=100', '--request-required-acks', 'all', '--sync', '--compression-codec', ...b.flag],
    { input: 'a\nb\nc\n' },
  );
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, `spindle produce: ignoring no.such.config (${config}): not a producer config Spindle's client has a use for\n`);
  const c = await spindle(['consume', '--topic', 'configured', '--from-beginning', '--max-messages', '3', ...b.flag]);
  assert.is(c.stdout, 'a\nb\nc\n');
});

test('--broker-list, Kafka 3\'s name, still names the broker; SASL_SSL without a mechanism or a JAAS config is refused in one line, never sent in the clear', async () => {
  const r = await spindle(['produce', '--topic', 'old-flags', '--broker-list', b.bootstrap], { input: 'x\n' });
  assert.is(r.code, 0, r.stderr);
  const s = await spindle(['produce', '--topic', 'old-flags', '--command-property', 'security.protocol=SASL_SSL', ...b.flag], { input: 'x\n' });
  assert.is(s.code, 1);
  assert.is(
    s.stderr,
    "spindle produce: security.protocol=SASL_SSL needs sasl.mechanism: Kafka's default, GSSAPI (Kerberos), is not supported by Spindle's client; set sasl.mechanism to PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER\n",
  );
  const m = await spindle(['produce', '--topic', 'old-flags', '--command-property', 'security.protocol=SASL_SSL', '--command-property', 'sasl.mechanism=PLAIN', ...b.flag], { input: 'x\n' });
  assert.is(m.code, 1);
  assert.is(
    m.stderr,
    'spindle produce: security.protocol=SASL_SSL with sasl.mechanism=PLAIN needs sasl.jaas.config (org.apache.kafka.common.security.plain.PlainLoginModule required username="<user>" password="<password>";)\n',
  );
  assert.is(await endOffset('old-flags'), 1, 'nothing was sent');
});

test.run();
