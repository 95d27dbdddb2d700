/**
 * The harness's output: text tables for the terminal, a Markdown summary and an SVG chart (by
 * hand, no dependency), all from one PerfReport, plus the check of the project's targets.
 *
 *   producer table   kafka-producer-perf-test's columns: records sent, records/sec, MB/sec, avg
 *                    and max latency, 50th, 95th, 99th, 99.9th (ms), and the fraction of the
 *                    row's limit (loopback or disk, whichever is lower)
 *   consumer table   kafka-consumer-perf-test's: data.consumed.in.MB, MB.sec,
 *                    data.consumed.in.nMsg, nMsg.sec, fetch.time.ms (no group, so no
 *                    rebalance.time.ms; start and end times are in the JSON's date)
 *   latency table    end-to-end, from each record's send time to its arrival at a consumer
 *   transactions     the txn row: transactions/s, committed records/s and MB/s, transaction
 *                    latency (AddPartitionsToTxn sent to EndTxn answered), CONCURRENT_TRANSACTIONS
 *                    retries, and whether the read_committed consumer read exactly the committed records
 *   resources        peak RSS, CPU seconds per GiB, cores used by the broker and the generator
 *   soak             the soak row's summary (p99 of windows with and without a roll,
 *                    deleted-but-open bytes, RSS) and its timeline, one line per window; and
 *                    a chart of the timeline (renderSoakSvg)
 *
 * Pure functions of the report; any thread.
 */
import type { PerfReport, RowResult } from './harness.js';
import type { KcatFigures, RedisFigures } from './peers.js';
import type { P99Group, SoakResult } from './soak.js';

const MiB = 2 ** 20;

export interface TargetCheck {
  target: string;
  figure: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

const ok = (r: RowResult | undefined): r is RowResult & Required<Pick<RowResult, 'produce' | 'resources'>> => !!r && r.status === 'ok' && !!r.produce;
const f = (n: number | undefined, d = 1): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(d));
const int = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const pct = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : `${(n * 100).toFixed(0)}%`);
const mbs = (bytesPerSec: number | undefined): string => f(bytesPerSec === undefined ? undefined : bytesPerSec / MiB, 0);

function kcatFor(r: PerfReport, bytes: number): KcatFigures | undefined {
  return Array.isArray(r.peers.kcat) ? r.peers.kcat.find((k) => k.recordBytes === bytes) : undefined;
}
function redisFor(r: PerfReport, bytes: number): RedisFigures | undefined {
  return Array.isArray(r.peers.redis) ? r.peers.redis.find((k) => k.recordBytes === bytes) : undefined;
}

/** The pairs that compare workers with inline: [row with workers, its inline twin]. */
export function workerPairs(report: PerfReport): [RowResult, RowResult][] {
  const pairs: [RowResult, RowResult][] = [];
  for (const inline of report.rows.filter((x) => x.id.endsWith('-w0') && ok(x))) {
    const stem = inline.id.slice(0, -3);
    for (const other of report.rows.filter((x) => ok(x) && x.workers > 0 && (x.id === stem || (x.id.startsWith(`${stem}-w`) && x.id !== inline.id)))) pairs.push([other, inline]);
  }
  return pairs;
}

/** RSS growth over the soak row: mean of the last tenth against the mean of the 20-30% band. */
export function soakGrowth(row: RowResult | undefined): { earlyBytes: number; endBytes: number; growth: number } | null {
  const t = row?.rssTimeline;
  if (!t || t.length < 20) return null;
  const mean = (xs: [number, number][]): number => xs.reduce((a, x) => a + x[1], 0) / Math.max(1, xs.length);
  const early = mean(t.slice(Math.floor(t.length * 0.2), Math.floor(t.length * 0.3)));
  const end = mean(t.slice(Math.floor(t.length * 0.9)));
  return { earlyBytes: early, endBytes: end, growth: end / early - 1 };
}

export function checkTargets(report: PerfReport): TargetCheck[] {
  const row = (id: string): RowResult | undefined => report.rows.find((x) => x.id === id);
  const out: TargetCheck[] = [];
  const base = row('base');
  out.push({
    target: 'Produce 1 KiB records, 64 KiB batches, 1 partition, acks=1: ≥ 500 MB/s',
    figure: ok(base) ? `${f(base.produce.mbPerSec)} MB/s` : 'not run',
    met: ok(base) ? base.produce.mbPerSec >= 500 : null,
  });
  out.push({
    target: 'The same: ≥ 40% of the loopback limit',
    figure: ok(base) && report.limits ? `${pct(base.produce.wireBytesPerSec / report.limits.loopback.bytesPerSec)} of ${mbs(report.limits.loopback.bytesPerSec)} MB/s` : 'not run',
    met: ok(base) && report.limits ? base.produce.wireBytesPerSec / report.limits.loopback.bytesPerSec >= 0.4 : null,
  });
  const small = report.rows.filter((x) => ok(x) && x.spec.recordBytes === 100 && !x.spec.recordsPerSec).sort((a, b) => b.produce!.recordsPerSec - a.produce!.recordsPerSec)[0];
  out.push({
    target: 'Produce 100 B records: ≥ 2,000,000 records/s (harness generator)',
    figure: ok(small) ? `${int(small.produce.recordsPerSec)} records/s (${small.id})` : 'not run',
    met: ok(small) ? small.produce.recordsPerSec >= 2_000_000 : null,
  });
  const k100 = kcatFor(report, 100);
  const r100 = redisFor(report, 100);
  out.push({
    target: 'Produce 100 B records driven by kcat: ≥ 3× Redis Streams XADD',
    figure: k100 && r100 ? `${int(k100.produce.recordsPerSec)} vs ${int(r100.xadd.recordsPerSec)} records/s = ${f(k100.produce.recordsPerSec / r100.xadd.recordsPerSec, 2)}×` : 'peers not run',
    met: k100 && r100 ? k100.produce.recordsPerSec >= 3 * r100.xadd.recordsPerSec : null,
  });
  out.push({
    target: 'Consume 1 KiB records from the page cache: ≥ 800 MB/s',
    figure: ok(base) && base.consume ? `${f(base.consume.mbPerSec)} MB/s` : 'not run',
    met: ok(base) && base.consume ? base.consume.mbPerSec >= 800 : null,
  });
  const e2e = row('e2e-10k');
  const l = e2e?.status === 'ok' ? e2e.endToEndMs : undefined;
  out.push({ target: 'End-to-end latency at 10,000 records/s of 1 KiB, acks=1: p50 ≤ 1 ms', figure: l ? `${f(l.p50, 2)} ms` : 'not run', met: l ? l.p50 <= 1 : null });
  out.push({ target: '… p99 ≤ 5 ms', figure: l ? `${f(l.p99, 2)} ms` : 'not run', met: l ? l.p99 <= 5 : null });
  out.push({ target: '… p99.9 ≤ 20 ms', figure: l ? `${f(l.p999, 2)} ms` : 'not run', met: l ? l.p999 <= 20 : null });
  const flush = report.rows.filter((x) => ok(x) && x.spec.flushMessages === 1).sort((a, b) => b.produce!.mbPerSec - a.produce!.mbPerSec)[0];
  out.push({
    target: 'flush.messages=1 (fsync before every ack), 64 KiB batches: ≥ 100 MB/s',
    figure: ok(flush) ? `${f(flush.produce.mbPerSec)} MB/s (${flush.id})` : 'not run',
    met: ok(flush) ? flush.produce.mbPerSec >= 100 : null,
  });
  const p8n = row('p8-wN');
  const p80 = row('p8-w0');
  out.push({
    target: 'Partition workers, 8 partitions: N workers ≥ 1.2× inline',
    figure: ok(p8n) && ok(p80) ? `${f(p8n.produce.mbPerSec)} vs ${f(p80.produce.mbPerSec)} MB/s = ${f(p8n.produce.mbPerSec / p80.produce.mbPerSec, 2)}×` : 'not run',
    met: ok(p8n) && ok(p80) ? p8n.produce.mbPerSec >= 1.2 * p80.produce.mbPerSec : null,
  });
  const pairs = workerPairs(report);
  const worst = pairs.map(([w, i]) => ({ w, i, ratio: w.produce!.mbPerSec / i.produce!.mbPerSec })).sort((a, b) => a.ratio - b.ratio)[0];
  out.push({
    target: 'Partition workers never slower than inline (every pair measured)',
    figure: worst ? `worst ${f(worst.ratio, 2)}× (${worst.w.id} vs ${worst.i.id}), ${pairs.length} pairs` : 'not run',
    met: worst ? worst.ratio >= 1 : null,
  });
  const rss = report.rows.filter((x) => ok(x) && Number.isFinite(x.resources!.peakRssBytes)).sort((a, b) => b.resources!.peakRssBytes - a.resources!.peakRssBytes)[0];
  out.push({
    target: 'Broker peak RSS ≤ 300 MiB in every row',
    figure: rss ? `highest ${f(rss.resources!.peakRssBytes / MiB, 0)} MiB (${rss.id})` : 'not measured',
    met: rss ? rss.resources!.peakRssBytes <= 300 * MiB : null,
  });
  const soak = soakGrowth(row('soak'));
  const soakRow = row('soak');
  out.push({
    target: 'Broker RSS flat over a long run (soak row; flat = under 10% growth)',
    figure: soak ? `${f(soak.earlyBytes / MiB, 0)} MiB at 20-30% → ${f(soak.endBytes / MiB, 0)} MiB at the end (${soakRow?.spec.seconds} s)` : 'no soak row (--soak SECONDS)',
    met: soak ? soak.growth < 0.1 : null,
  });
  const soakTimeline = row('soak')?.soak;
  const rollGroups = soakTimeline?.summary.ackP99;
  const rollsMeasured = !!rollGroups && rollGroups.withRoll.windows > 0 && rollGroups.withoutRoll.windows > 0;
  out.push({
    target: `Segment rolls do not stall acknowledgements (soak row: median ack p99 of windows with a roll ≤ ${ROLL_P99_RATIO_TARGET}× that of windows without)`,
    figure: rollsMeasured
      ? `${f(rollGroups.withRoll.medianMs, 1)} ms with a roll (${rollGroups.withRoll.windows} windows) vs ${f(rollGroups.withoutRoll.medianMs, 1)} ms without (${rollGroups.withoutRoll.windows}) = ${f(rollGroups.withRoll.medianMs / rollGroups.withoutRoll.medianMs, 2)}×`
      : soakTimeline
        ? 'no windows both with and without a roll'
        : 'no soak row (--soak SECONDS)',
    met: rollsMeasured ? rollGroups.withRoll.medianMs <= ROLL_P99_RATIO_TARGET * rollGroups.withoutRoll.medianMs : null,
  });
  const del = soakTimeline?.summary;
  const delMeasured = !!del && Number.isFinite(del.deletedOpenBytesFinal);
  const segmentBytes = Number(soakTimeline?.settings.brokerConfig['log.segment.bytes'] ?? NaN);
  out.push({
    target: 'Deleted segments keep no disk space (soak row: no deleted file open at the end, never more than one segment\'s worth)',
    figure: delMeasured ? `at the end ${del.deletedOpenFilesFinal} files, ${f(del.deletedOpenBytesFinal / MiB, 0)} MiB; at most ${del.deletedOpenFilesMax} files, ${f(del.deletedOpenBytesMax / MiB, 0)} MiB` : soakTimeline ? 'not measured (no /proc)' : 'no soak row (--soak SECONDS)',
    met: delMeasured ? del.deletedOpenBytesFinal === 0 && !(del.deletedOpenBytesMax > segmentBytes) : null,
  });
  out.push({
    target: 'CRC32C ≥ 1 GB/s',
    figure: report.limits ? `${f(report.limits.crc32c.bytesPerSec / 1e9, 2)} GB/s` : 'not run',
    met: report.limits ? report.limits.crc32c.bytesPerSec >= 1e9 : null,
  });
  out.push({
    target: 'startBroker() to accepting connections ≤ 100 ms',
    figure: report.limits ? `median ${f(report.limits.startBroker.medianMs, 1)} ms, first ${f(report.limits.startBroker.firstMs, 1)} ms` : 'not run',
    met: report.limits ? report.limits.startBroker.medianMs <= 100 : null,
  });
  return out;
}

/** The roll target: a window with a roll may have a p99 this many times that of a window without. */
export const ROLL_P99_RATIO_TARGET = 2;

function table(header: string[], rows: string[][], rightFrom = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < rightFrom ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function mdTable(header: string[], rows: string[][]): string[] {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
}

interface Section {
  title: string;
  header: string[];
  rows: string[][];
  /** Columns from this index on are numbers, right-aligned in text. */
  rightFrom?: number;
}

function sections(report: PerfReport): Section[] {
  const done = report.rows.filter(ok);
  const out: Section[] = [];
  out.push({
    title: 'Producer (kafka-producer-perf-test columns; MB = 2^20 bytes of record values; latency in ms, send to acknowledgement)',
    header: ['row', 'records sent', 'records/sec', 'MB/sec', 'avg latency', 'max latency', '50th', '95th', '99th', '99.9th', 'of limit'],
    rows: done.map((r) => {
      const p = r.produce;
      const l = p.latencyMs;
      return [r.id, int(p.records), int(p.recordsPerSec), f(p.mbPerSec), f(l.avg, 2), f(l.max, 2), f(l.p50, 2), f(l.p95, 2), f(l.p99, 2), f(l.p999, 2), `${pct(p.fractionOfLimit)} ${p.limitName}`];
    }),
  });
  out.push({
    title: 'Consumer (kafka-consumer-perf-test columns; one consumer, one fetch in flight, from offset 0, page cache)',
    header: ['row', 'data.consumed.in.MB', 'MB.sec', 'data.consumed.in.nMsg', 'nMsg.sec', 'fetch.time.ms', 'fetches', 'of loopback'],
    rows: done
      .filter((r) => r.consume)
      .map((r) => {
        const c = r.consume!;
        return [r.id, f(c.recordBytes / MiB), f(c.mbPerSec), int(c.records), int(c.recordsPerSec), int(c.seconds * 1000), int(c.fetches), pct(c.fractionOfLimit)];
      }),
  });
  const e2e = done.filter((r) => r.endToEndMs);
  if (e2e.length) {
    out.push({
      title: 'End-to-end latency (ms, from each record\'s timestamp, the moment it was sent, to its arrival at a long-polling consumer; send lag: how late the generator sent against its schedule, not included)',
      header: ['row', 'records', 'avg', '50th', '95th', '99th', '99.9th', 'max', 'send lag 50th/99th'],
      rows: e2e.map((r) => {
        const l = r.endToEndMs!;
        const lag = r.produce.sendLagMs;
        return [r.id, int(l.count), f(l.avg, 2), f(l.p50, 2), f(l.p95, 2), f(l.p99, 2), f(l.p999, 2), f(l.max, 2), lag ? `${f(lag.p50, 2)} / ${f(lag.p99, 2)}` : 'n/a'];
      }),
    });
  }
  const txn = done.filter((r) => r.produce.transactions);
  if (txn.length) {
    out.push({
      title: 'Transactions (committed transactions only; txn latency in ms, from the first AddPartitionsToTxn sent to the EndTxn(commit) answer, and its mean split: AddPartitionsToTxn with its retries, the produce requests, EndTxn; retries: requests sent again after CONCURRENT_TRANSACTIONS, AddPartitionsToTxn while the previous transaction completes (20 ms back-off) and EndTxn (100 ms))',
      header: ['row', 'transactions', 'transactions/sec', 'records/txn', 'committed records/sec', 'committed MB/sec', 'txn p50', 'txn p99', 'txn max', 'add / produce / end avg', 'retries', 'aborted', 'errors', 'read_committed = committed'],
      rows: txn.map((r) => [r.id, ...txnCells(r)]),
    });
  }
  out.push({
    title: `Resources (broker process; cores used during the produce phase, of ${report.cores})`,
    header: ['row', 'peak RSS MiB', 'CPU s/GiB produce', 'CPU s/GiB consume', 'broker cores', 'generator cores', 'other cores', 'spawn→listen ms'],
    rows: done.map((r) => {
      const x = r.resources;
      return [r.id, f(x.peakRssBytes / MiB, 0), f(x.cpuSecondsPerGiBProduce, 2), f(x.cpuSecondsPerGiBConsume, 2), f(x.brokerCoresProduce, 2), f(x.generatorCoresProduce, 2), f(x.otherCoresProduce, 2), f(x.spawnToListenMs, 0)];
    }),
  });
  out.push(...kafkaSections(report));
  for (const r of done.filter((x) => x.soak)) out.push(...soakSections(r.soak!));
  const notRun = report.rows.filter((r) => r.status !== 'ok');
  if (notRun.length) out.push({ title: 'Rows not measured', header: ['row', 'status', 'why'], rows: notRun.map((r) => [r.id, r.status, r.note ?? '']), rightFrom: 99 });
  if (report.limits) {
    const L = report.limits;
    out.push({
      title: 'Limits of this machine, measured in the same run',
      header: ['limit', 'MB/s', 'detail'],
      rows: [
        ['loopback TCP, one connection, 64 KiB writes', mbs(L.loopback.bytesPerSec), `${f(L.loopback.bytes / MiB, 0)} MB in ${f(L.loopback.seconds, 2)} s`],
        ['disk append, 64 KiB writes (page cache)', mbs(L.disk.append.bytesPerSec), `${f(L.disk.append.bytes / MiB, 0)} MB in ${f(L.disk.append.seconds, 2)} s`],
        ['disk append, fdatasync every 64 KiB write', mbs(L.disk.fdatasyncEachWrite.bytesPerSec), `${int(L.disk.fdatasyncEachWrite.fsyncsPerSec)} fdatasync/s`],
        ['disk append, fdatasync every 1 MiB', mbs(L.disk.fdatasyncEveryMiB.bytesPerSec), ''],
        ['CRC32C (the broker\'s, 64 KiB buffers)', mbs(L.crc32c.bytesPerSec), `${f(L.crc32c.bytesPerSec / 1e9, 2)} GB/s`],
        ['startBroker() to accepting connections', '', `median ${f(L.startBroker.medianMs, 1)} ms, max ${f(L.startBroker.maxMs, 1)} ms over ${L.startBroker.runs}; first ${f(L.startBroker.firstMs, 1)} ms`],
      ],
      rightFrom: 1,
    });
  }
  const peerRows: string[][] = [];
  for (const bytes of [100, 1024]) {
    const k = kcatFor(report, bytes);
    const red = redisFor(report, bytes);
    const harness = done.filter((r) => r.spec.recordBytes === bytes && !r.spec.recordsPerSec && r.spec.codec === 'none' && r.spec.partitions === 1 && !r.spec.flushMessages && !r.spec.transactional).sort((a, b) => b.produce.recordsPerSec - a.produce.recordsPerSec)[0];
    const h = harness?.produce.recordsPerSec;
    if (k) {
      peerRows.push([`kcat produce → Spindle, ${bytes} B`, int(k.produce.recordsPerSec), f(k.produce.bytesPerSec / MiB), h ? `harness ${f(h / k.produce.recordsPerSec, 2)}× kcat` : '']);
      if (k.consume) peerRows.push([`kcat consume ← Spindle, ${bytes} B`, int(k.consume.recordsPerSec), f(k.consume.bytesPerSec / MiB), harness?.consume ? `harness ${f(harness.consume.recordsPerSec / k.consume.recordsPerSec, 2)}× kcat` : '']);
    }
    if (red) {
      const vs = [h ? `Spindle (harness) ${f(h / red.xadd.recordsPerSec, 2)}×` : '', k ? `Spindle (kcat) ${f(k.produce.recordsPerSec / red.xadd.recordsPerSec, 2)}×` : ''].filter(Boolean).join(', ');
      peerRows.push([`Redis Streams XADD -P 64, ${bytes} B`, int(red.xadd.recordsPerSec), f(red.xadd.bytesPerSec / MiB), `${vs}; redis RSS ${f(red.serverPeakRssBytes / MiB, 0)} MiB`]);
    }
  }
  const skipped = [report.peers.kcat, report.peers.redis].filter((p): p is { skipped: string } => !Array.isArray(p)).map((p) => p.skipped);
  for (const s of skipped) peerRows.push([`skipped: ${s}`, '', '', '']);
  out.push({ title: 'Peers (same machine, same run; ratios are Spindle over the peer)', header: ['peer workload', 'records/sec', 'MB/sec', 'Spindle / peer'], rows: peerRows });
  return out;
}

/** A txn row's cells after its id: transactions, rate, size, committed throughput, latency, retries, aborts, errors, the read_committed check. */
function txnCells(r: RowResult & Required<Pick<RowResult, 'produce'>>): string[] {
  const t = r.produce.transactions!;
  const l = t.latencyMs;
  const check = r.consume?.readCommitted ? (r.consume.readCommitted.matchesCommitted ? 'yes' : `NO (${int(r.consume.records)})`) : 'n/a';
  const split = `${f(t.meanMs.addPartitions, 1)} / ${f(t.meanMs.produce, 1)} / ${f(t.meanMs.endTxn, 1)}`;
  return [int(t.committed), f(t.perSec, 1), int(t.recordsPerTxn), int(r.produce.recordsPerSec), f(r.produce.mbPerSec), f(l.p50, 2), f(l.p99, 2), f(l.max, 2), split, int(t.concurrentRetries + t.endTxnRetries), int(t.aborted), int(r.produce.errors), check];
}

/** Spindle's rows that have a Kafka row, each with it: [Spindle, Kafka]. */
export function kafkaPairs(report: PerfReport): [RowResult & Required<Pick<RowResult, 'produce' | 'resources'>>, RowResult & Required<Pick<RowResult, 'produce' | 'resources'>>][] {
  if (!('rows' in report.kafka)) return [];
  const byId = new Map(report.kafka.rows.map((k) => [k.id, k]));
  const out: ReturnType<typeof kafkaPairs> = [];
  for (const r of report.rows) {
    const k = r.kafkaRow ? byId.get(r.kafkaRow) : undefined;
    if (ok(r) && ok(k)) out.push([r, k]);
  }
  return out;
}

const ratio = (spindle: number | undefined, kafka: number | undefined): string =>
  spindle === undefined || kafka === undefined || !Number.isFinite(spindle) || !Number.isFinite(kafka) || kafka === 0 ? 'n/a' : `${f(spindle / kafka, 2)}×`;
/** Spindle's figure, Kafka's, and Spindle over Kafka. */
const trio = (spindle: number | undefined, kafka: number | undefined, d: number): string[] => [f(spindle, d), f(kafka, d), ratio(spindle, kafka)];

/** The geometric mean of Spindle/Kafka over the pairs where both figures exist. */
export function geomeanRatio(pairs: ReturnType<typeof kafkaPairs>, figure: (r: RowResult & Required<Pick<RowResult, 'produce' | 'resources'>>) => number | undefined): number {
  const logs = pairs.map(([s, k]) => Math.log((figure(s) ?? NaN) / (figure(k) ?? NaN))).filter((x) => Number.isFinite(x));
  return logs.length ? Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length) : NaN;
}

/** Spindle beside Apache Kafka, row by row (--peer kafka): throughput, latency, resources. */
export function kafkaSections(report: PerfReport): Section[] {
  if (!('rows' in report.kafka)) return [];
  const pairs = kafkaPairs(report);
  const version = report.kafka.version;
  const out: Section[] = [];
  const notRun = report.kafka.rows.filter((k) => k.status !== 'ok');
  const rows = pairs.map(([s, k]) => [s.id, ...trio(s.produce.recordsPerSec, k.produce.recordsPerSec, 0), ...trio(s.produce.mbPerSec, k.produce.mbPerSec, 1), ...trio(s.consume?.mbPerSec, k.consume?.mbPerSec, 1)]);
  rows.push([
    'geometric mean',
    '',
    '',
    ratio(geomeanRatio(pairs, (r) => r.produce.recordsPerSec), 1),
    '',
    '',
    ratio(geomeanRatio(pairs, (r) => r.produce.mbPerSec), 1),
    '',
    '',
    ratio(geomeanRatio(pairs, (r) => r.consume?.mbPerSec), 1),
  ]);
  out.push({
    title: `Spindle beside Apache Kafka ${version}: throughput (same machine, same run, same load generator; × is Spindle over Kafka, above 1 Spindle is faster)`,
    header: ['row', 'records/sec Spindle', 'Kafka', '×', 'MB/sec Spindle', 'Kafka', '×', 'consume MB/sec Spindle', 'Kafka', '×'],
    rows,
  });
  out.push({
    title: `Spindle beside Apache Kafka ${version}: latency (ms; ack: send to acknowledgement; e2e: send to arrival at a consumer, open-loop rows; × below 1: Spindle is faster)`,
    header: ['row', 'ack p50 Spindle', 'Kafka', '×', 'ack p99 Spindle', 'Kafka', '×', 'ack p99.9 Spindle', 'Kafka', '×', 'e2e p50 S/K', 'e2e p99 S/K', 'e2e p99.9 S/K'],
    rows: pairs.map(([s, k]) => {
      const a = s.produce.latencyMs;
      const b = k.produce.latencyMs;
      const e = (x: 'p50' | 'p99' | 'p999'): string => (s.endToEndMs && k.endToEndMs ? `${f(s.endToEndMs[x], 2)} / ${f(k.endToEndMs[x], 2)} (${ratio(s.endToEndMs[x], k.endToEndMs[x])})` : '');
      return [s.id, ...trio(a.p50, b.p50, 2), ...trio(a.p99, b.p99, 2), ...trio(a.p999, b.p999, 2), e('p50'), e('p99'), e('p999')];
    }),
  });
  const txnPairs = pairs.filter(([s, k]) => s.produce.transactions && k.produce.transactions);
  if (txnPairs.length) {
    out.push({
      title: `Spindle beside Apache Kafka ${version}: transactions (committed only; txn latency in ms, AddPartitionsToTxn sent to EndTxn answered, and its mean split; retries: AddPartitionsToTxn and EndTxn sent again after CONCURRENT_TRANSACTIONS; read_committed = committed: the consumer read exactly the committed records)`,
      header: ['row', 'transactions/sec Spindle', 'Kafka', '×', 'committed MB/sec Spindle', 'Kafka', '×', 'txn p50 Spindle', 'Kafka', '×', 'txn p99 Spindle', 'Kafka', '×', 'add / produce / end avg S | K', 'retries S/K', 'read_committed = committed S/K'],
      rows: txnPairs.map(([s, k]) => {
        const a = s.produce.transactions!;
        const b = k.produce.transactions!;
        const check = (r: RowResult): string => (r.consume?.readCommitted ? (r.consume.readCommitted.matchesCommitted ? 'yes' : 'NO') : 'n/a');
        return [
          s.id,
          ...trio(a.perSec, b.perSec, 1),
          ...trio(s.produce.mbPerSec, k.produce.mbPerSec, 1),
          ...trio(a.latencyMs.p50, b.latencyMs.p50, 2),
          ...trio(a.latencyMs.p99, b.latencyMs.p99, 2),
          [a, b].map((t) => `${f(t.meanMs.addPartitions, 1)} / ${f(t.meanMs.produce, 1)} / ${f(t.meanMs.endTxn, 1)}`).join(' | '),
          `${int(a.concurrentRetries + a.endTxnRetries)} / ${int(b.concurrentRetries + b.endTxnRetries)}`,
          `${check(s)} / ${check(k)}`,
        ];
      }),
    });
  }
  out.push({
    title: `Spindle beside Apache Kafka ${version}: resources (broker process; CPU seconds per GiB of record values; peak RSS is VmHWM; start: spawn to serving; × below 1: Spindle uses less)`,
    header: ['row', 'CPU s/GiB produce Spindle', 'Kafka', '×', 'CPU s/GiB consume Spindle', 'Kafka', '×', 'peak RSS MiB Spindle', 'Kafka', '×', 'start ms Spindle', 'Kafka', '×'],
    rows: pairs.map(([s, k]) => [
      s.id,
      ...trio(s.resources.cpuSecondsPerGiBProduce, k.resources.cpuSecondsPerGiBProduce, 2),
      ...trio(s.resources.cpuSecondsPerGiBConsume, k.resources.cpuSecondsPerGiBConsume, 2),
      ...trio(s.resources.peakRssBytes / MiB, k.resources.peakRssBytes / MiB, 0),
      ...trio(s.resources.spawnToListenMs, k.resources.spawnToListenMs, 0),
    ]),
  });
  if ('runs' in report.generators) {
    const g = report.generators;
    const find = (load: string, generator: string, broker: string) => g.runs.find((r) => r.load === load && r.generator === generator && r.broker === broker && !r.error);
    const genRows: string[][] = [];
    for (const load of g.loads) {
      for (const generator of ['kafka-perf-test', 'franz-go']) {
        const sp = find(load.id, generator, 'spindle');
        const k = find(load.id, generator, 'kafka');
        if (!sp && !k) continue;
        genRows.push([
          `${load.id} ${generator}`,
          ...trio(sp?.recordsPerSec, k?.recordsPerSec, 0),
          ...trio(sp?.mbPerSec, k?.mbPerSec, 1),
          ...trio(sp?.p99Ms, k?.p99Ms, 1),
          ...trio(sp?.consumeMBPerSec, k?.consumeMBPerSec, 1),
        ]);
      }
    }
    for (const r of g.runs.filter((x) => x.error)) genRows.push([`${r.load} ${r.generator} → ${r.broker}: ${r.error}`, '', '', '', '', '', '', '', '', '', '', '', '']);
    for (const s of g.skipped) genRows.push([`skipped: ${s}`, '', '', '', '', '', '', '', '', '', '', '', '']);
    out.push({
      title: `Spindle beside Apache Kafka ${version}, driven by other load generators (Kafka's kafka-producer-perf-test / kafka-consumer-perf-test and franz-go; acks=1, linger.ms=5, 64 KiB batches; ${g.loads.map((l) => `${l.id}: ${l.records.toLocaleString('en-US')} records of ${l.recordBytes} B, ${l.partitions} partition${l.partitions === 1 ? '' : 's'}`).join('; ')}; latency from the client's send call, its buffer included)`,
      header: ['load, generator', 'records/sec Spindle', 'Kafka', '×', 'MB/sec Spindle', 'Kafka', '×', 'p99 ms Spindle', 'Kafka', '×', 'consume MB/sec Spindle', 'Kafka', '×'],
      rows: genRows,
    });
  }
  if (notRun.length) out.push({ title: `Apache Kafka rows not measured`, header: ['row', 'status', 'why'], rows: notRun.map((r) => [r.id, r.status, r.note ?? '']), rightFrom: 99 });
  return out;
}

/**
 * Spindle and Kafka side by side: per row, Spindle's produce and consume MB/s above Kafka's,
 * the same colours paler for Kafka, with each bar's figure.
 */
export function renderKafkaSvg(report: PerfReport): string {
  const pairs = kafkaPairs(report).filter(([s]) => !s.spec.recordsPerSec);
  const version = 'rows' in report.kafka ? report.kafka.version : '';
  const labelW = 140;
  const plotW = 640;
  const rowH = 56;
  const top = 58;
  const width = labelW + plotW + 60;
  const height = top + pairs.length * rowH + 52;
  const scaleMax = Math.max(1, ...pairs.flatMap(([s, k]) => [s.produce.mbPerSec, k.produce.mbPerSec, s.consume?.mbPerSec ?? 0, k.consume?.mbPerSec ?? 0])) * 1.08;
  const x = (mb: number): number => labelW + (mb / scaleMax) * plotW;
  const bars: [string, string, (s: RowResult) => number | undefined][] = [
    ['Spindle produce', '#2e86de', (r) => r.produce?.mbPerSec],
    ['Kafka produce', '#a9cdf2', (r) => r.produce?.mbPerSec],
    ['Spindle consume', '#27ae60', (r) => r.consume?.mbPerSec],
    ['Kafka consume', '#a6dcb8', (r) => r.consume?.mbPerSec],
  ];
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(`Spindle beside Apache Kafka ${version}: MB/s per row (MB = 2^20 bytes of records)`)}</text>`);
  out.push(`<text x="10" y="38" fill="#555">${escapeXml(`${report.date.slice(0, 10)}, ${report.cores} cores, Node ${report.node}; same machine, same run, same load generator; one broker process per row`)}</text>`);
  const step = niceStep(scaleMax, 6);
  for (let v = 0; v <= scaleMax; v += step) {
    out.push(`<line x1="${x(v).toFixed(1)}" y1="${top - 6}" x2="${x(v).toFixed(1)}" y2="${top + pairs.length * rowH}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x(v).toFixed(1)}" y="${top + pairs.length * rowH + 14}" text-anchor="middle" fill="#555">${Math.round(v)}</text>`);
  }
  pairs.forEach(([s, k], i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + 28}" text-anchor="end">${escapeXml(s.id)}</text>`);
    bars.forEach(([name, color, figure], j) => {
      const v = figure(j % 2 === 0 ? s : k);
      if (v === undefined || !Number.isFinite(v)) return;
      const by = y + 3 + j * 12;
      out.push(`<rect x="${labelW}" y="${by}" width="${Math.max(1, x(v) - labelW).toFixed(1)}" height="10" fill="${color}"><title>${escapeXml(`${s.id}, ${name}: ${v.toFixed(1)} MB/s`)}</title></rect>`);
      out.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${by + 9}" font-size="10" fill="#333">${Math.round(v)}</text>`);
    });
  });
  const legendY = top + pairs.length * rowH + 34;
  let lx = labelW;
  for (const [name, color] of bars) {
    out.push(`<rect x="${lx}" y="${legendY - 10}" width="16" height="10" fill="${color}"/>`);
    out.push(`<text x="${lx + 22}" y="${legendY}">${escapeXml(name)}</text>`);
    lx += 40 + name.length * 6.5;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const windows = (n: number): string => `${n} window${n === 1 ? '' : 's'}`;
const group = (g: P99Group): string => (g.windows ? `${f(g.medianMs, 1)} (${f(g.minMs, 1)}–${f(g.maxMs, 1)})` : 'n/a');

/** The soak row's summary and its timeline, one line per window. */
export function soakSections(soak: SoakResult): Section[] {
  const s = soak.summary;
  const st = soak.settings;
  const config = Object.entries(st.brokerConfig).map(([k, v]) => `${k}=${v}`).join(', ');
  const load = st.rateMBps === 'max' ? 'closed loop (the base row)' : `open loop at ${st.rateMBps} MB/s of ${st.recordBytes} B records, ${st.recordsPerBatch} per batch`;
  const rows: string[][] = [
    ['segments rolled, deleted by retention, removed', `${s.rolls}, ${s.segmentDeletes}, ${s.segmentRemovals}`, `${s.windows} windows of ${s.windowSeconds} s`],
    ['ack p99 ms, windows with a roll', group(s.ackP99.withRoll), `median (range) over ${windows(s.ackP99.withRoll.windows)}`],
    ['ack p99 ms, the window after a roll', group(s.ackP99.afterRoll), windows(s.ackP99.afterRoll.windows)],
    ['ack p99 ms, windows without a roll', group(s.ackP99.withoutRoll), `${windows(s.ackP99.withoutRoll.windows)}, none just after a roll`],
  ];
  if (s.endToEndP99) {
    rows.push(
      ['end-to-end p99 ms, windows with a roll', group(s.endToEndP99.withRoll), windows(s.endToEndP99.withRoll.windows)],
      ['end-to-end p99 ms, the window after a roll', group(s.endToEndP99.afterRoll), windows(s.endToEndP99.afterRoll.windows)],
      ['end-to-end p99 ms, windows without a roll', group(s.endToEndP99.withoutRoll), windows(s.endToEndP99.withoutRoll.windows)],
    );
  }
  rows.push(
    ['ack max ms', f(s.ackMaxMs, 1), s.ackMaxWindow >= 0 ? `in the window ending at ${f(soak.timeline[s.ackMaxWindow]?.endSec, 0)} s` : ''],
    ['deleted-but-open, most at once', `${int(s.deletedOpenFilesMax)} files, ${f(s.deletedOpenBytesMax / MiB, 0)} MiB`, 'held by the broker process (/proc/<pid>/fd)'],
    ['deleted-but-open, at the end', `${int(s.deletedOpenFilesFinal)} files, ${f(s.deletedOpenBytesFinal / MiB, 0)} MiB`, s.deletedOpenPathsFinal.slice(0, 3).join(', ')],
    ['RSS MiB start / peak / end', `${f(s.rss.startBytes / MiB, 0)} / ${f(s.rss.peakBytes / MiB, 0)} / ${f(s.rss.endBytes / MiB, 0)}`, 'peak: VmHWM'],
  );
  const ms = (n: number): string => (Number.isFinite(n) ? f(n, n < 100 ? 1 : 0) : '-');
  return [
    {
      title: `Soak summary (${st.seconds} s, ${load}${st.readAlong ? ', a consumer reading along' : ''}; ${config}; the first ${s.warmUpWindows} window${s.warmUpWindows === 1 ? '' : 's'} (${f(s.warmUpWindows * s.windowSeconds, 0)} s) left out of the p99 groups as warm-up)`,
      header: ['figure', 'value', 'detail'],
      rows,
      rightFrom: 99,
    },
    {
      title: `Soak timeline (per ${s.windowSeconds} s window ending at t; latency in ms; ack from each request's ${st.rateMBps === 'max' ? 'send' : 'intended send time'}; deleted-open: the most deleted files the broker held open in the window; rolls, deleted, removed: segments in the window; segments and log MiB: on disk at its end)`,
      header: ['t s', 'acks', 'ack p50', 'ack p99', 'ack max', 'e2e p99', 'RSS MiB', 'deleted-open', 'deleted-open MiB', 'fds', 'rolls', 'deleted', 'removed', 'segments', 'log MiB'],
      rows: soak.timeline.map((w) => [
        f(w.endSec, w.endSec % 1 ? 1 : 0),
        int(w.requests),
        ms(w.ack.p50Ms),
        ms(w.ack.p99Ms),
        ms(w.ack.maxMs),
        ms(w.endToEnd.p99Ms),
        f(w.rssBytes / MiB, 0),
        int(w.deletedOpenFiles),
        f(w.deletedOpenBytes / MiB, 0),
        int(w.openFds),
        w.rolls ? String(w.rolls) : '',
        w.segmentDeletes ? String(w.segmentDeletes) : '',
        w.segmentRemovals ? String(w.segmentRemovals) : '',
        int(w.segments),
        f(w.logBytes / MiB, 0),
      ]),
    },
  ];
}

function profileLines(report: PerfReport, markdown: boolean): string[] {
  const lines: string[] = [];
  const targets = checkTargets(report);
  const missed = targets.some((t) => t.met === false);
  for (const r of report.rows.filter((x) => x.profile?.length)) {
    // Print the base row and the rows of a missed target; the JSON keeps every row's.
    if (!(r.id === 'base' || r.id === 'rec100' || r.id.startsWith('flush1') || r.id.startsWith('p8') || r.id.startsWith('p64') || r.id.startsWith('e2e') || !missed)) continue;
    lines.push(markdown ? `\n#### ${r.id}: ${r.description}\n` : `\n${r.id}: ${r.description}`);
    for (const t of r.profile!) {
      lines.push(markdown ? `*${t.thread}*: ${f(t.busyMs, 0)} ms busy of ${f(t.totalMs, 0)} ms profiled\n` : `  ${t.thread}: ${f(t.busyMs, 0)} ms busy of ${f(t.totalMs, 0)} ms profiled`);
      const rows = t.top.slice(0, 8).map((s) => [pct(s.fraction), f(s.selfMs, 0), s.function, s.location]);
      if (markdown) lines.push(...mdTable(['self', 'ms', 'function', 'where'], rows), '');
      else lines.push(...table(['self', 'ms', 'function', 'where'], rows, 2).map((l) => `    ${l}`));
    }
  }
  return lines;
}

export function renderTables(report: PerfReport): string[] {
  const lines: string[] = [];
  lines.push(`Spindle perf, ${report.preset} preset, ${report.date.slice(0, 19).replace('T', ' ')} UTC, ${report.host}: ${report.cores} cores (${report.cpu}), Node ${report.node}`);
  for (const s of sections(report)) lines.push('', s.title, ...table(s.header, s.rows, s.rightFrom ?? 1));
  lines.push('', 'Targets (measured, never asserted)');
  lines.push(...table(['target', 'figure', 'met'], checkTargets(report).map((t) => [t.target, t.figure, t.met === null ? '-' : t.met ? 'yes' : 'NO']), 99));
  const prof = profileLines(report, false);
  if (prof.length) lines.push('', 'Where the broker\'s time goes (self time per function, --profile)', ...prof);
  else if (checkTargets(report).some((t) => t.met === false)) lines.push('', 'Run with --profile to see where the broker\'s time goes in the rows that missed a target.');
  for (const n of report.notes) lines.push('', `Note: ${n}`);
  return lines;
}

export function renderMarkdown(report: PerfReport): string {
  const s = report.settings;
  const lines: string[] = [
    `# Spindle perf: ${report.name}`,
    '',
    `${report.preset} preset, ${report.date.slice(0, 19).replace('T', ' ')} UTC, on ${report.cores} cores (${report.cpu}), Node ${report.node}.`,
    `${s.warmupSeconds ? `${s.warmupSeconds} s of warm-up load, then ` : ''}${s.secondsPerRow} s of producing per row, then up to as long consuming; ${s.connections} connections × ${s.inflight} requests in flight per producer thread; consumer fetch.max.bytes ${s.fetchMaxBytes}, max.partition.fetch.bytes ${s.partitionFetchMaxBytes}.${s.bootstrapServer ? ` Outside broker ${s.bootstrapServer}.` : ' A broker process per row, in a temporary data directory.'}${Object.keys(s.overrides).length ? ` Overrides: ${Object.entries(s.overrides).map(([k, v]) => `${k}=${v}`).join(', ')}.` : ''}`,
    '',
    `![throughput per row](${report.files.svg})`,
    '',
    '## Targets',
    '',
    ...mdTable(['target', 'figure', 'met'], checkTargets(report).map((t) => [t.target, t.figure, t.met === null ? '–' : t.met ? 'yes' : '**no**'])),
  ];
  for (const sec of sections(report)) lines.push('', `## ${sec.title.split(' (')[0]}`, '', sec.title.includes(' (') ? `${sec.title.slice(sec.title.indexOf(' (') + 2, -1)}.` : '', '', ...mdTable(sec.header, sec.rows));
  if (report.files.soakSvg) lines.push('', `![soak timeline](${report.files.soakSvg})`);
  if (report.files.kafkaSvg) lines.push('', `![Spindle beside Apache Kafka](${report.files.kafkaSvg})`);
  const rowLine = (r: RowResult): string => `- **${r.id}**: ${r.description}${r.cipher ? ` (${r.cipher})` : ''}${r.note ? ` — ${r.note}` : ''}`;
  lines.push('', '## Rows', '', ...report.rows.map(rowLine));
  if ('rows' in report.kafka) lines.push(...report.kafka.rows.map(rowLine));
  const prof = profileLines(report, true);
  if (prof.length) lines.push('', '## Where the broker\'s time goes', '', 'Self time per function from `--cpu-prof`, per thread of the broker.', ...prof);
  if (report.notes.length) lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A step of 1, 2 or 5 × 10^k giving about `count` ticks up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

/**
 * Horizontal bars, one group per closed-loop row: produce MB/s above consume MB/s, with the
 * loopback and disk-append limits as dashed lines across the plot.
 */
export function renderSvg(report: PerfReport): string {
  const rows = report.rows.filter(ok).filter((r) => !r.spec.recordsPerSec);
  const labelW = 230;
  const plotW = 600;
  const rowH = 30;
  const top = 58;
  const width = labelW + plotW + 30;
  const height = top + rows.length * rowH + 52;
  const limits: { name: string; mb: number; color: string }[] = [];
  if (report.limits) {
    limits.push({ name: 'loopback TCP', mb: report.limits.loopback.bytesPerSec / MiB, color: '#c0392b' });
    limits.push({ name: 'disk append', mb: report.limits.disk.append.bytesPerSec / MiB, color: '#7f8c8d' });
  }
  const maxBar = Math.max(1, ...rows.flatMap((r) => [r.produce.mbPerSec, r.consume?.mbPerSec ?? 0]));
  // Keep the bars readable: show a limit line only when it is within 3× the largest bar.
  const shown = limits.filter((l) => l.mb <= maxBar * 3);
  const scaleMax = Math.max(maxBar, ...shown.map((l) => l.mb)) * 1.05;
  const x = (mb: number): number => labelW + (mb / scaleMax) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(`Spindle ${report.preset} benchmark: MB/s per row (MB = 2^20 bytes of records)`)}</text>`);
  out.push(`<text x="10" y="38" fill="#555">${escapeXml(`${report.date.slice(0, 10)}, ${report.cores} cores, Node ${report.node}; one broker process per row, load generator on the same cores`)}</text>`);
  const step = niceStep(scaleMax, 6);
  for (let v = 0; v <= scaleMax; v += step) {
    out.push(`<line x1="${x(v).toFixed(1)}" y1="${top - 6}" x2="${x(v).toFixed(1)}" y2="${top + rows.length * rowH}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x(v).toFixed(1)}" y="${top + rows.length * rowH + 14}" text-anchor="middle" fill="#555">${Math.round(v)}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escapeXml(r.id)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, x(r.produce.mbPerSec) - labelW).toFixed(1)}" height="11" fill="#2e86de"><title>${escapeXml(`${r.description}: produce ${r.produce.mbPerSec.toFixed(1)} MB/s`)}</title></rect>`);
    out.push(`<text x="${(x(r.produce.mbPerSec) + 4).toFixed(1)}" y="${y + 12}" font-size="10" fill="#2e86de">${Math.round(r.produce.mbPerSec)}</text>`);
    if (r.consume) {
      out.push(`<rect x="${labelW}" y="${y + 15}" width="${Math.max(1, x(r.consume.mbPerSec) - labelW).toFixed(1)}" height="11" fill="#27ae60"><title>${escapeXml(`${r.description}: consume ${r.consume.mbPerSec.toFixed(1)} MB/s`)}</title></rect>`);
      out.push(`<text x="${(x(r.consume.mbPerSec) + 4).toFixed(1)}" y="${y + 24}" font-size="10" fill="#27ae60">${Math.round(r.consume.mbPerSec)}</text>`);
    }
  });
  for (const l of shown) {
    out.push(`<line x1="${x(l.mb).toFixed(1)}" y1="${top - 6}" x2="${x(l.mb).toFixed(1)}" y2="${top + rows.length * rowH}" stroke="${l.color}" stroke-width="1.5" stroke-dasharray="5,4"/>`);
  }
  const legendY = top + rows.length * rowH + 34;
  const legend: [string, string, boolean][] = [
    ['produce', '#2e86de', false],
    ['consume', '#27ae60', false],
    ...limits.map((l): [string, string, boolean] => [`${l.name} limit ${Math.round(l.mb)}${shown.includes(l) ? '' : ' (off scale)'}`, l.color, true]),
  ];
  let lx = labelW;
  for (const [text, color, dashed] of legend) {
    out.push(
      dashed
        ? `<line x1="${lx}" y1="${legendY - 4}" x2="${lx + 16}" y2="${legendY - 4}" stroke="${color}" stroke-width="1.5" stroke-dasharray="5,4"/>`
        : `<rect x="${lx}" y="${legendY - 10}" width="16" height="10" fill="${color}"/>`,
    );
    out.push(`<text x="${lx + 22}" y="${legendY}">${escapeXml(text)}</text>`);
    lx += 34 + text.length * 6.5;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * The soak row's timeline as a chart: three panels over the same time axis, with a light red
 * line at every window that holds a roll.
 *
 *   latency     ack p99 and max, end-to-end p99 (ms, log scale: a 5 ms p99 and a 200 ms
 *               stall are both readable)
 *   disk        deleted-but-open MiB held by the broker, and the topic's log MiB on disk
 *   memory      broker RSS MiB
 */
export function renderSoakSvg(report: PerfReport, row: RowResult): string {
  const soak = row.soak!;
  const t = soak.timeline;
  const left = 70;
  const plotW = 820;
  const panelH = 150;
  const gap = 46;
  const top = 84;
  const width = left + plotW + 130;
  const height = top + 3 * (panelH + gap) + 10;
  const endSec = Math.max(1, ...t.map((w) => w.endSec));
  const x = (sec: number): number => left + (sec / endSec) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  const st = soak.settings;
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(`Spindle soak: ${st.seconds} s, ${st.rateMBps === 'max' ? 'closed loop' : `${st.rateMBps} MB/s open loop`}, ${st.windowSeconds} s windows`)}</text>`);
  out.push(`<text x="10" y="38" fill="#555">${escapeXml(`${report.date.slice(0, 10)}, ${report.host}; ${Object.entries(st.brokerConfig).map(([k, v]) => `${k}=${v}`).join(', ')}`)}</text>`);
  out.push(`<text x="10" y="54" fill="#555">${escapeXml('Each point is one window, drawn at its middle; light red lines: windows in which a segment rolled.')}</text>`);

  interface Series {
    name: string;
    color: string;
    values: number[];
    dashed?: boolean;
  }
  const panel = (index: number, title: string, series: Series[], logScale: boolean): void => {
    const y0 = top + index * (panelH + gap);
    const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && (!logScale || v > 0));
    const maxV = Math.max(logScale ? 1 : 1, ...all);
    const minV = logScale ? Math.max(0.01, Math.min(maxV / 10, ...all)) : 0;
    const lo = logScale ? Math.floor(Math.log10(minV)) : 0;
    const linearStep = niceStep(maxV * 1.05, 4);
    const hi = logScale ? Math.ceil(Math.log10(maxV)) : linearStep * Math.ceil((maxV * 1.05) / linearStep);
    const y = (v: number): number => {
      const frac = logScale ? (Math.log10(Math.max(v, 10 ** lo)) - lo) / Math.max(1, hi - lo) : v / hi;
      return y0 + panelH - frac * panelH;
    };
    out.push(`<text x="${left}" y="${y0 - 8}" font-weight="bold">${escapeXml(title)}</text>`);
    out.push(`<rect x="${left}" y="${y0}" width="${plotW}" height="${panelH}" fill="none" stroke="#ccc"/>`);
    for (const w of t) if (w.rolls > 0) out.push(`<line x1="${x((w.startSec + w.endSec) / 2).toFixed(1)}" y1="${y0}" x2="${x((w.startSec + w.endSec) / 2).toFixed(1)}" y2="${y0 + panelH}" stroke="#f5b7b1"/>`);
    const ticks = logScale ? Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i)) : Array.from({ length: Math.round(hi / linearStep) + 1 }, (_, i) => i * linearStep);
    for (const v of ticks) {
      out.push(`<line x1="${left - 4}" y1="${y(v).toFixed(1)}" x2="${left + plotW}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
      out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${v >= 1 ? Math.round(v) : v}</text>`);
    }
    for (const s of series) {
      const pts = t.map((w, i) => [x((w.startSec + w.endSec) / 2), s.values[i]!] as const).filter(([, v]) => Number.isFinite(v) && (!logScale || v > 0));
      if (!pts.length) continue;
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.4"${s.dashed ? ' stroke-dasharray="4,3"' : ''} points="${pts.map(([px, v]) => `${px.toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
    }
    series.forEach((s, i) => {
      const ly = y0 + 14 + i * 16;
      out.push(`<line x1="${left + plotW + 10}" y1="${ly - 4}" x2="${left + plotW + 26}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4,3"' : ''}/>`);
      out.push(`<text x="${left + plotW + 30}" y="${ly}">${escapeXml(s.name)}</text>`);
    });
    const step = niceStep(endSec, 10);
    for (let v = 0; v <= endSec + 1e-9; v += step) out.push(`<text x="${x(v).toFixed(1)}" y="${y0 + panelH + 14}" text-anchor="middle" fill="#555">${Math.round(v)}</text>`);
  };
  panel(0, 'latency, ms (log scale)', [
    { name: 'ack p99', color: '#2e86de', values: t.map((w) => w.ack.p99Ms) },
    { name: 'ack max', color: '#a9cce3', values: t.map((w) => w.ack.maxMs), dashed: true },
    { name: 'end-to-end p99', color: '#27ae60', values: t.map((w) => w.endToEnd.p99Ms) },
  ], true);
  panel(1, 'disk, MiB', [
    { name: 'deleted-open', color: '#c0392b', values: t.map((w) => w.deletedOpenBytes / MiB) },
    { name: 'log on disk', color: '#7f8c8d', values: t.map((w) => w.logBytes / MiB), dashed: true },
  ], false);
  panel(2, 'broker RSS, MiB (time in seconds below)', [{ name: 'RSS', color: '#8e44ad', values: t.map((w) => w.rssBytes / MiB) }], false);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
