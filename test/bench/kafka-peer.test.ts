/**
 * The benchmark's Apache Kafka peer (spindle perf --peer kafka): with tiny sizes, three loads (the
 * base row, 8 partitions with its three worker variants, an open-loop row) run against Spindle
 * and against a single-node KRaft Kafka started from bench/kafka's jars; the three 8-partition
 * rows share one Kafka row, every figure the side-by-side tables use is there for both, the
 * chart is written, and both brokers are also driven by Kafka's perf tools and by franz-go
 * (when Go is installed). How large the figures are is never checked: benchmarks report, tests check behaviour.
 * Needs Java 17+ and the jars of bench/kafka/setup.sh (CI copies them first); skipped otherwise.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kafkaMissing } from '../../bench/kafka/kafka.js';
import { type PerfReport, runPerf } from '../../bench/perf/harness.js';
import { kafkaPairs } from '../../bench/perf/report.js';
import { needs } from '../helpers/needs.js';

const missing = kafkaMissing();
const out = missing ? '' : mkdtempSync(join(tmpdir(), 'spindle-perf-kafka-'));
const printed: string[] = [];
let report: PerfReport;

const finitePositive = (n: number | undefined, what: string): void => {
  assert.ok(typeof n === 'number' && Number.isFinite(n) && n > 0, `${what} should be a finite number above 0, got ${n}`);
};

if (missing) {
  needs(missing)('the Apache Kafka peer', () => {});
} else {
  test.before(async () => {
    report = await runPerf({ preset: 'full', only: ['base', 'p8', 'e2e-10k'], tiny: true, peers: false, limits: false, peer: 'kafka', outDir: out, dataRoot: out, name: 'tiny-kafka', log: () => {}, print: (l) => printed.push(l) });
  });
  test.after(() => rmSync(out, { recursive: true, force: true }));

  test('each load runs once against Kafka; rows that differ only in Spindle workers share its row', () => {
    assert.ok('rows' in report.kafka, 'Kafka ran');
    const kafka = report.kafka as Extract<PerfReport['kafka'], { rows: unknown }>;
    assert.equal(kafka.rows.map((r) => r.id), ['kafka-base', 'kafka-p8', 'kafka-e2e-10k']);
    for (const r of [...report.rows, ...kafka.rows]) assert.is(r.status, 'ok', `${r.id}: ${r.note}`);
    assert.equal(report.rows.map((r) => [r.id, r.kafkaRow]), [['base', 'kafka-base'], ['p8-w0', 'kafka-p8'], ['p8-w1', 'kafka-p8'], ['p8-wN', 'kafka-p8'], ['e2e-10k', 'kafka-e2e-10k']]);
    assert.match(kafka.version, /^4\./);
  });

  test('both brokers have every figure the comparison uses: throughput, latency, CPU, memory, start-up', () => {
    const pairs = kafkaPairs(report);
    assert.is(pairs.length, 5);
    for (const [s, k] of pairs) {
      for (const r of [s, k]) {
        finitePositive(r.produce.recordsPerSec, `${r.id} records/s`);
        finitePositive(r.produce.latencyMs.p99, `${r.id} ack p99`);
        finitePositive(r.resources.peakRssBytes, `${r.id} peak RSS`);
        finitePositive(r.resources.spawnToListenMs, `${r.id} start-up`);
        finitePositive(r.resources.cpuSecondsPerGiBProduce, `${r.id} CPU s/GiB`);
        if (r.spec.recordsPerSec) finitePositive(r.endToEndMs?.p99, `${r.id} end-to-end p99`);
        else finitePositive(r.consume?.mbPerSec, `${r.id} consume MB/s`);
      }
    }
  });

  test("both brokers driven by kafka-producer-perf-test / kafka-consumer-perf-test and franz-go", () => {
    assert.ok('runs' in report.generators, 'the generators ran');
    const g = report.generators as Extract<PerfReport['generators'], { runs: unknown }>;
    const generators = g.skipped.some((s) => s.startsWith('franz-go')) ? ['kafka-perf-test'] : ['kafka-perf-test', 'franz-go'];
    for (const broker of ['spindle', 'kafka']) {
      for (const generator of generators) {
        const r = g.runs.find((x) => x.broker === broker && x.generator === generator);
        assert.ok(r, `${generator} → ${broker}`);
        assert.is(r!.error, undefined, `${generator} → ${broker}: ${r!.error}`);
        assert.is(r!.records, 5000);
        finitePositive(r!.recordsPerSec, `${generator} → ${broker} records/s`);
        finitePositive(r!.p99Ms, `${generator} → ${broker} p99`);
        finitePositive(r!.consumeMBPerSec, `${generator} → ${broker} consume MB/s`);
      }
    }
    assert.ok(printed.join('\n').includes('driven by other load generators'));
  });

  test('the report shows the side-by-side tables and writes the chart', () => {
    const text = printed.join('\n');
    for (const heading of ['Spindle beside Apache Kafka 4.', ': throughput', ': latency', ': resources', 'geometric mean']) assert.ok(text.includes(heading), `the report shows '${heading}'`);
    assert.ok(report.files.kafkaSvg && existsSync(join(out, report.files.kafkaSvg)));
    const svg = readFileSync(join(out, report.files.kafkaSvg!), 'utf8');
    assert.ok(svg.startsWith('<svg') && svg.includes('Kafka produce'));
    assert.ok(readFileSync(join(out, 'tiny-kafka.md'), 'utf8').includes('Spindle beside Apache Kafka'));
  });
}

test.run();
