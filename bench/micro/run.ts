/**
 * `npm run bench:micro`: tinybench over every case exported by the modules below, printed as
 * MB/s and written to bench/results/micro-<date>-<host>.json. Figures are for comparing within
 * one run on one machine; the machines are shared and noisy.
 *
 * Options: a substring filters cases by group or name; SPINDLE_BENCH_TIME_MS sets the time
 * spent per case (default 400).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import type { MicroCase } from './case.js';

const modules = ['./crc32c.js', './batch.js', './codec.js', './compression.js', './validate.js', './ring.js'];

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  const cases: MicroCase[] = [];
  for (const m of modules) {
    const mod = (await import(m)) as { cases(): MicroCase[] };
    cases.push(...mod.cases());
  }
  const selected = cases.filter((c) => `${c.group} ${c.name}`.includes(filter));
  const time = Number(process.env.SPINDLE_BENCH_TIME_MS ?? 400);
  const bench = new Bench({ time, warmupTime: Math.min(200, time) });
  for (const c of selected) bench.add(`${c.group} | ${c.name}`, c.fn);
  await bench.run();

  const rows = selected.map((c, i) => {
    const result = bench.tasks[i]!.result as { period?: number; latency?: { p99?: number } };
    const periodMs = result.period ?? NaN;
    return {
      group: c.group,
      name: c.name,
      bytes: c.bytes,
      opsPerSec: Math.round(1000 / periodMs),
      mbPerSec: Number((c.bytes / (periodMs / 1000) / 1e6).toFixed(1)),
      meanUs: Number((periodMs * 1000).toFixed(2)),
    };
  });
  const width = Math.max(...rows.map((r) => `${r.group} | ${r.name}`.length), 10);
  console.log(`${'case'.padEnd(width)}  ${'MB/s'.padStart(9)}  ${'ops/s'.padStart(11)}  ${'mean µs'.padStart(10)}`);
  for (const r of rows) {
    console.log(`${`${r.group} | ${r.name}`.padEnd(width)}  ${r.mbPerSec.toFixed(1).padStart(9)}  ${String(r.opsPerSec).padStart(11)}  ${r.meanUs.toFixed(2).padStart(10)}`);
  }
  const dir = new URL('../../../bench/results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const file = join(dir, `micro-${date}-${hostname()}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, timePerCaseMs: time, rows }, null, 2)}\n`,
  );
  console.log(`\nwritten to bench/results/${file.slice(dir.length)}`);
}

await main();
