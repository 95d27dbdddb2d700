/**
 * The benchmark harness keeps working: the quick preset (its secured rows too, when openssl is here), run once with tiny sizes (a quarter
 * second per phase, limits measured for a tenth of a second, no peers), plus a soak row of
 * three seconds at 4 MB/s with 1 MiB segments, produces every figure and writes its files into
 * a temporary directory; its txn row commits transactions that a read_committed consumer reads
 * back exactly. How large the figures are is never checked: benchmarks report, tests
 * check behaviour.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type PerfReport, runPerf } from '../../bench/perf/harness.js';
import { QUICK_ROWS } from '../../bench/perf/matrix.js';
import { checkTargets } from '../../bench/perf/report.js';
import { securedRowsMissing } from '../../bench/perf/security.js';

const out = mkdtempSync(join(tmpdir(), 'spindle-perf-test-'));
const SOAK_SECONDS = 3;
const printed: string[] = [];
let report: PerfReport;

const finitePositive = (n: number | undefined, what: string): void => {
  assert.ok(typeof n === 'number' && Number.isFinite(n) && n > 0, `${what} should be a finite number above 0, got ${n}`);
};

test.before(async () => {
  report = await runPerf({
    preset: 'quick',
    tiny: true,
    peers: false,
    soakSeconds: SOAK_SECONDS,
    soakRateMBps: 4,
    soakWindowSeconds: 1,
    outDir: out,
    dataRoot: out,
    name: 'tiny',
    log: () => {},
    print: (l) => printed.push(l),
  });
});

test.after(() => {
  rmSync(out, { recursive: true, force: true });
});

test('the quick preset measures every row it lists', () => {
  assert.equal(
    report.rows.map((r) => r.id),
    [...QUICK_ROWS.map((r) => r.id), 'soak'],
  );
  for (const r of report.rows) {
    // The secured rows' certificates come from the openssl command; .ci/run installs it.
    if (r.spec.security && securedRowsMissing) assert.is(r.status, 'skipped', r.id);
    else assert.is(r.status, 'ok', `${r.id}: ${r.note}`);
  }
});

test('the secured rows run over TLS, the SASL_SSL one logged in with SCRAM, and their certificates are removed', () => {
  if (securedRowsMissing) return;
  for (const id of ['tls', 'sasl-ssl']) {
    const r = report.rows.find((x) => x.id === id)!;
    assert.match(r.cipher ?? '', /^TLSv1\.[23] /, `${id} negotiated TLS`);
    assert.is(r.produce!.errors, 0, `${id} produce errors`);
    finitePositive(r.consume?.records, `${id} records fetched over TLS`);
  }
  assert.ok(readdirSync(out).every((f) => !f.startsWith('spindle-certs-')), 'no certificate directory is left in the data root');
});

test('every row has producer figures in the columns of kafka-producer-perf-test', () => {
  for (const r of report.rows) {
    const p = r.produce!;
    for (const [k, v] of Object.entries({ records: p.records, recordsPerSec: p.recordsPerSec, mbPerSec: p.mbPerSec, avg: p.latencyMs.avg, max: p.latencyMs.max, p50: p.latencyMs.p50, p95: p.latencyMs.p95, p99: p.latencyMs.p99, p999: p.latencyMs.p999 })) {
      finitePositive(v, `${r.id} produce ${k}`);
    }
    finitePositive(p.fractionOfLimit, `${r.id} fraction of its limit`);
  }
});

test('closed-loop rows are consumed back, and open-loop rows have end-to-end latencies', () => {
  for (const r of report.rows) {
    if (r.spec.recordsPerSec) {
      finitePositive(r.endToEndMs?.count, `${r.id} end-to-end records`);
      finitePositive(r.endToEndMs?.p99, `${r.id} end-to-end p99`);
    } else {
      finitePositive(r.consume?.records, `${r.id} consumed records`);
      finitePositive(r.consume?.mbPerSec, `${r.id} consume MB/s`);
    }
  }
});

test('the txn row commits transactions, and its read_committed consumer reads exactly their records', () => {
  const r = report.rows.find((x) => x.id === 'txn')!;
  const t = r.produce!.transactions!;
  finitePositive(t.committed, 'committed transactions');
  finitePositive(t.perSec, 'transactions/s');
  finitePositive(t.latencyMs.p99, 'transaction p99');
  assert.is(r.produce!.errors, 0, `errors (first error code ${r.produce!.firstErrorCode})`);
  assert.is(t.aborted, 0);
  // Every committed transaction, and only those, in the records: requestsPerTxn batches each.
  assert.is(r.produce!.records, t.committed * t.recordsPerTxn);
  assert.ok(t.produceRequests >= t.committed * t.requestsPerTxn);
  // Markers are no records: the read_committed consumer counts the committed records exactly.
  assert.is(r.consume!.records, r.produce!.records);
  assert.is(r.consume!.readCommitted?.matchesCommitted, true);
  const text = printed.join('\n');
  for (const column of ['transactions/sec', 'txn p99', 'read_committed = committed']) assert.ok(text.includes(column), `the table shows '${column}'`);
});

test('every row reports the broker process peak RSS and CPU per GiB', () => {
  if (process.platform !== 'linux') return; // /proc is where these come from
  for (const r of report.rows) {
    finitePositive(r.resources?.peakRssBytes, `${r.id} peak RSS`);
    finitePositive(r.resources?.cpuSecondsPerGiBProduce, `${r.id} CPU s/GiB produce`);
  }
});

test('the machine limits are measured in the same run', () => {
  const L = report.limits!;
  finitePositive(L.loopback.bytesPerSec, 'loopback');
  finitePositive(L.disk.append.bytesPerSec, 'disk append');
  finitePositive(L.disk.fdatasyncEachWrite.bytesPerSec, 'disk append with fdatasync');
  finitePositive(L.crc32c.bytesPerSec, 'crc32c');
  finitePositive(L.startBroker.medianMs, 'startBroker');
});

test('the report names each target, and peers that did not run say so', () => {
  const targets = checkTargets(report);
  assert.ok(targets.length >= 10);
  for (const t of targets) assert.type(t.figure, 'string');
  assert.ok(!Array.isArray(report.peers.kcat) && report.peers.kcat.skipped.length > 0);
  const text = printed.join('\n');
  for (const column of ['records sent', 'records/sec', 'MB/sec', '99.9th', 'data.consumed.in.MB', 'nMsg.sec', 'peak RSS MiB', 'skipped']) assert.ok(text.includes(column), `the table shows '${column}'`);
});

test('the soak row has a timeline window per second with ack latency, RSS, deleted-open files and segment rolls', () => {
  const soak = report.rows.find((r) => r.id === 'soak')!.soak!;
  assert.is(soak.timeline.length, SOAK_SECONDS);
  assert.is(soak.settings.readAlong, true);
  for (const w of soak.timeline) finitePositive(w.ack.p99Ms, `window ${w.index} ack p99`);
  assert.ok(soak.timeline.some((w) => w.endToEnd.count > 0), 'the reading-along consumer timed records');
  // 12 MiB through 1 MiB segments in three seconds: rolls, and retention deletes some of them.
  assert.ok(soak.summary.rolls > 0, 'segments rolled');
  assert.ok(soak.summary.segmentDeletes > 0, 'retention deleted segments');
  if (process.platform !== 'linux') return;
  for (const w of soak.timeline) {
    finitePositive(w.rssBytes, `window ${w.index} RSS`);
    assert.ok(w.deletedOpenBytes >= 0 && w.deletedOpenFiles >= 0, `window ${w.index} deleted-open figures`);
  }
  assert.ok(soak.summary.deletedOpenBytesFinal >= 0);
  finitePositive(soak.summary.rss.peakBytes, 'soak peak RSS');
  const text = printed.join('\n');
  for (const heading of ['Soak summary', 'Soak timeline', 'windows with a roll', 'deleted-open MiB']) assert.ok(text.includes(heading), `the report shows '${heading}'`);
});

test('the JSON, Markdown and SVG files are written to the chosen directory', () => {
  const json = JSON.parse(readFileSync(join(out, 'tiny.json'), 'utf8')) as PerfReport;
  assert.is(json.rows.length, report.rows.length);
  const md = readFileSync(join(out, 'tiny.md'), 'utf8');
  assert.ok(md.includes('## Targets') && md.includes('## Producer'));
  const svg = readFileSync(join(out, 'tiny.svg'), 'utf8');
  assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>'));
  assert.ok(md.includes('## Soak timeline'));
  const soakSvg = readFileSync(join(out, 'tiny-timeline.svg'), 'utf8');
  assert.ok(soakSvg.startsWith('<svg') && soakSvg.trimEnd().endsWith('</svg>'));
  assert.not.ok(existsSync(join(out, 'profiles')));
});

test.run();
