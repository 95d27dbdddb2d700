/**
 * `spindle produce` and `spindle consume` as child processes: a file produced and consumed
 * back identical (with each codec), keys and headers parsed and printed as Kafka's console
 * tools do, a starting partition and offset, the progress summary on stderr, and Ctrl-C.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, loud, spindle, start, type TestBroker, testBroker, waitFor } from './helpers.js';

let b: TestBroker;
let dir: string;

test.before(
  loud(async () => {
    b = await testBroker({ 'num.partitions': 1 });
    dir = mkdtempSync(join(tmpdir(), 'spindle-cli-'));
  }),
);

test.after(async () => {
  await b?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Lines with text of many lengths, tabs, quotes, non-ASCII and empty lines. */
function content(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(i % 500 === 7 ? '' : `${i}\t"line" ${'é∑🙂 '.repeat(i % 5)}${'x'.repeat(i % 300)}`);
  return `${out.join('\n')}\n`;
}

test('a file produced with --file comes back identical from consume --from-beginning, with a progress summary on stderr', async () => {
  const file = join(dir, 'events.txt');
  const text = content(20_000);
  writeFileSync(file, text);
  const p = await spindle(['produce', '--topic', 'file-events', '--file', file, ...b.flag]);
  assert.is(p.code, 0, p.stderr);
  assert.is(p.stdout, '');
  assert.match(p.stderr, /^produced 20,000 records \([\d.]+ MB\) in [\d.]+ s: [\d,]+ records\/s, [\d.]+ MB\/s\n$/);
  const c = await spindle(['consume', '--topic', 'file-events', '--from-beginning', '--max-messages', '20000', ...b.flag]);
  assert.is(c.code, 0, c.stderr);
  assert.ok(c.stdout === text, 'consumed bytes equal the file');
  assert.is(c.stderr, 'Processed a total of 20000 messages\n');
});

for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
  test(`standard input produced with --compression ${codec} and small batches comes back identical`, async () => {
    const text = content(3000);
    const topic = `codec-${codec}`;
    const p = await spindle(['produce', '--topic', topic, '--compression', codec, '--batch-size', '4096', '--linger-ms', '0', '--acks', '1', '--no-progress', ...b.flag], { input: text });
    assert.is(p.code, 0, p.stderr);
    const c = await spindle(['consume', '--topic', topic, '--from-beginning', '--timeout-ms', '1500', ...b.flag]);
    assert.is(c.code, 0, c.stderr);
    assert.ok(c.stdout === text, `${codec}: consumed bytes equal the input`);
  });
}

test('with --acks 0 nothing is lost when produce exits right after sending', async () => {
  const text = content(10_000);
  const p = await spindle(['produce', '--topic', 'acks-zero', '--acks', '0', '--no-progress', ...b.flag], { input: text });
  assert.is(p.code, 0, p.stderr);
  const c = await spindle(['consume', '--topic', 'acks-zero', '--from-beginning', '--max-messages', '10000', ...b.flag], { timeoutMs: 20_000 });
  assert.is(c.code, 0, c.stderr);
  assert.ok(c.stdout === text, 'consumed bytes equal the input');
});

test('parse.key and headers go in; print.* properties come out in Kafka\'s order and format', async () => {
  await spindle(['topics', '--create', '--topic', 'formatted', '--partitions', '1', ...b.flag]);
  const input = 'k1:first\nk2:second\n:third with empty key\n';
  const p = await spindle(['produce', '--topic', 'formatted', '--property', 'parse.key=true', '--property', 'key.separator=:', '--header', 'source=test', '--header', 'n=1', ...b.flag], { input });
  assert.is(p.code, 0, p.stderr);
  const c = await spindle(
    ['consume', '--topic', 'formatted', '--from-beginning', '--max-messages', '3', '--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.headers=true', '--property', 'key.separator=|', ...b.flag],
  );
  assert.is(c.code, 0, c.stderr);
  assert.equal(lines(c.stdout), ['Partition:0|Offset:0|source:test,n=1|k1|first', 'Partition:0|Offset:1|source:test,n=1|k2|second', 'Partition:0|Offset:2|source:test,n=1||third with empty key'].map((l) => l.replace('n=1', 'n:1')));
  const ts = await spindle(['consume', '--topic', 'formatted', '--from-beginning', '--max-messages', '1', '--property', 'print.timestamp=true', ...b.flag]);
  assert.match(ts.stdout, /^CreateTime:\d{13}\tfirst\n$/);
});

test('parse.headers reads h:v pairs before a tab; null.marker sends a null key; print.key shows "null"', async () => {
  await spindle(['topics', '--create', '--topic', 'headers', '--partitions', '1', ...b.flag]);
  const input = 'a:1,b:2\tNULL\tvalue one\nNULL\tk\tvalue two\n';
  const p = await spindle(['produce', '--topic', 'headers', '--property', 'parse.headers=true', '--property', 'parse.key=true', '--property', 'null.marker=NULL', ...b.flag], { input });
  assert.is(p.code, 0, p.stderr);
  const c = await spindle(['consume', '--topic', 'headers', '--from-beginning', '--max-messages', '2', '--property', 'print.key=true', '--property', 'print.headers=true', ...b.flag]);
  assert.equal(lines(c.stdout), ['a:1,b:2\tnull\tvalue one', 'NO_HEADERS\tk\tvalue two']);
});

test('a line without the key separator is an error naming the line, unless ignore.error', async () => {
  const bad = await spindle(['produce', '--topic', 'headers', '--property', 'parse.key=true', ...b.flag], { input: 'k\tv\nno separator\n' });
  assert.is(bad.code, 1);
  assert.is(bad.stderr, 'spindle produce: no key separator on line 2\n');
  const ok = await spindle(['produce', '--topic', 'headers', '--property', 'parse.key=true', '--property', 'ignore.error=true', ...b.flag], { input: 'no separator\n' });
  assert.is(ok.code, 0, ok.stderr);
});

test('--partition with --offset starts there; --max-messages stops after that many', async () => {
  await spindle(['topics', '--create', '--topic', 'offsets', '--partitions', '2', ...b.flag]);
  const input = Array.from({ length: 20 }, (_, i) => `m${i}`).join('\n');
  await spindle(['produce', '--topic', 'offsets', '--partition', '1', ...b.flag], { input });
  const c = await spindle(['consume', '--topic', 'offsets', '--partition', '1', '--offset', '15', '--max-messages', '3', '--property', 'print.offset=true', ...b.flag]);
  assert.is(c.code, 0, c.stderr);
  assert.equal(lines(c.stdout), ['Offset:15\tm15', 'Offset:16\tm16', 'Offset:17\tm17']);
  const earliest = await spindle(['consume', '--topic', 'offsets', '--partition', '1', '--offset', 'earliest', '--max-messages', '1', ...b.flag]);
  assert.is(earliest.stdout, 'm0\n');
  const empty = await spindle(['consume', '--topic', 'offsets', '--partition', '0', '--from-beginning', '--timeout-ms', '300', ...b.flag]);
  assert.is(empty.code, 0, empty.stderr);
  assert.is(empty.stdout, '');
  assert.is(empty.stderr, 'Processed a total of 0 messages\n');
});

test('without --from-beginning consume prints only new records, and SIGINT ends it cleanly with exit code 130', async () => {
  await spindle(['produce', '--topic', 'live', ...b.flag], { input: 'old\n' });
  const c = start(['consume', '--topic', 'live', ...b.flag]);
  // The consumer looks up the log end before it prints anything, and nothing says when: send
  // new records until it prints one; records sent before it looked are simply not printed.
  let sent = 0;
  while (c.stdout() === '') {
    if (sent >= 100) throw new Error(`consume printed nothing: ${c.stderr()}`);
    await spindle(['produce', '--topic', 'live', ...b.flag], { input: `new ${++sent}\n` });
    await new Promise((r) => setTimeout(r, 200));
  }
  await waitFor(() => c.stdout().endsWith(`new ${sent}\n`), 15_000, 'the last new record');
  const printed = lines(c.stdout());
  assert.ok(printed.every((l) => /^new \d+$/.test(l)), c.stdout());
  assert.equal(printed, printed.map((_, i) => `new ${sent - printed.length + 1 + i}`), 'the new records, in order, none skipped once it started');
  process.kill(c.child.pid!, 'SIGINT');
  const r = await c.done;
  assert.is(r.code, 130, r.stderr);
  assert.is(r.stderr, `Processed a total of ${printed.length} messages\n`);
});

test('consume | head: a closed pipe ends the consumer quietly at its next write', async () => {
  const text = content(5000);
  await spindle(['produce', '--topic', 'piped', '--no-progress', ...b.flag], { input: text });
  const c = start(['consume', '--topic', 'piped', '--from-beginning', ...b.flag]);
  await waitFor(() => c.stdout().length > 1000, 10_000, 'output');
  c.child.stdout!.destroy();
  // A consumer that already wrote everything finds out at the next record it prints.
  await spindle(['produce', '--topic', 'piped', ...b.flag], { input: 'one more\n' });
  const r = await c.done;
  assert.is(r.signal, null);
  assert.is(r.code, 0, r.stderr);
});

test.run();
