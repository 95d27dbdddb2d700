/**
 * `npm run bench:broker`: produce throughput and end-to-end latency of a broker process with
 * its logs inline (num.io.threads=0) and on partition workers, in one run.
 *
 *   produce   1 KiB records in 64 KiB batches, acks=1, one partition, closed loop over
 *             2 connections × 8 requests in flight, SPINDLE_BENCH_SECONDS each (default 5)
 *   produce   the same over 8 partitions (one batch per partition per request)
 *   latency   10,000 records/s of 1 KiB (batches of 10), acks=1, a long-polling consumer
 *
 * Results: printed, and written to bench/results/broker-<date>-<host>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { closedLoopProduce, createTopic, endToEndLatency, produceRequest, startBrokerProcess } from './load.js';

const seconds = Number(process.env.SPINDLE_BENCH_SECONDS ?? 5);
const workerCounts = (process.env.SPINDLE_BENCH_WORKERS ?? `0,1,${Math.max(1, cpus().length - 1)}`).split(',').map(Number);
const rows: Record<string, unknown>[] = [];

const fmt = (n: number, d = 1) => n.toFixed(d);

for (const workers of [...new Set(workerCounts)]) {
  const b = await startBrokerProcess({ SPINDLE_NUM_IO_THREADS: String(workers), SPINDLE_NUM_PARTITIONS: '8' });
  try {
    await createTopic(b.bootstrap, 'bench');
    const one = produceRequest('bench', [0], 64, 1024, 1);
    const r1 = await closedLoopProduce(b.bootstrap, one, 2, 8, seconds);
    rows.push({ workers, case: 'produce 1 KiB × 64 per batch, 1 partition, acks=1', ...r1 });
    const eight = produceRequest('bench', [0, 1, 2, 3, 4, 5, 6, 7], 64, 1024, 1);
    const r8 = await closedLoopProduce(b.bootstrap, eight, 2, 4, seconds);
    rows.push({ workers, case: 'produce 1 KiB × 64 per batch, 8 partitions, acks=1', ...r8 });
    await createTopic(b.bootstrap, 'latency');
    const lat = await endToEndLatency(b.bootstrap, 'latency', 10_000, 1024, 10, seconds);
    rows.push({ workers, case: 'end-to-end latency, 10,000 records/s of 1 KiB, acks=1', records: lat.records, latencyMs: lat.latencyMs });
  } finally {
    await b.stop();
  }
}

for (const r of rows) {
  const l = r.latencyMs as { p50: number; p99: number; p999: number; max: number };
  const tput = r.mbPerSec !== undefined ? `${fmt(r.mbPerSec as number)} MB/s  ${fmt(r.recordsPerSec as number, 0)} records/s  ` : `${r.records} records  `;
  console.log(`workers=${r.workers}  ${String(r.case).padEnd(56)} ${tput}latency p50 ${fmt(l.p50, 2)} p99 ${fmt(l.p99, 2)} p99.9 ${fmt(l.p999, 2)} max ${fmt(l.max, 2)} ms`);
}
const dir = new URL('../../../bench/results/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const file = join(dir, `broker-${new Date().toISOString().slice(0, 10)}-${hostname()}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, seconds, rows }, null, 2)}\n`);
console.log(`\nwritten to bench/results/${file.slice(dir.length)}`);
