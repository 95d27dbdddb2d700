/**
 * `npm run bench:storage`: the storage engine next to the disk it runs on, in one run.
 *
 *   append   1 KiB records in 16, 64 and 256 KiB batches through PartitionLog.append, and a
 *            raw positioned fs write of the same bytes to the same disk: the ratio is the figure
 *   read     sequential fetch-sized reads (1 MiB) of the log through read() and the file
 *   lookup   offset → position through the index, at random offsets
 *   recovery an unclean open that rescans every batch (CRC) and rebuilds the indexes, per GiB
 *
 * Options: SPINDLE_BENCH_MB (data per append case, default 256), SPINDLE_BENCH_DIR (where to
 * write; default a temporary directory under the OS temp dir). Results go to
 * bench/results/storage-<date>-<host>.json.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync, fdatasyncSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { logConfig } from '../src/core/log-config.js';
import { FetchIsolation, PartitionLog } from '../src/core/partition-log.js';
import { encodeBatch } from '../src/protocol/records/batch.js';
import { jsonRecords } from './micro/data.js';

const totalMb = Number(process.env.SPINDLE_BENCH_MB ?? 256);
const root = process.env.SPINDLE_BENCH_DIR ?? tmpdir();
const work = mkdtempSync(join(root, 'spindle-bench-'));

function batchesOf(batchBytes: number): Buffer[] {
  const perBatch = Math.max(1, Math.floor(batchBytes / 1100));
  const values = jsonRecords(perBatch * 8, 1024, 7);
  return Array.from({ length: 8 }, (_, b) => encodeBatch(values.slice(b * perBatch, (b + 1) * perBatch).map((value, i) => ({ key: `key-${i}`, value }))));
}

const mbps = (bytes: number, ms: number) => Number((bytes / 1e6 / (ms / 1000)).toFixed(1));

interface Row {
  case: string;
  mbPerSec?: number;
  rawMbPerSec?: number;
  ratio?: number;
  value?: number;
  unit?: string;
}
const rows: Row[] = [];

for (const batchKiB of [16, 64, 256]) {
  const batches = batchesOf(batchKiB * 1024);
  const target = totalMb * 1e6;
  // Raw: positioned writes of the same bytes, one per batch, into one file.
  const rawPath = join(work, `raw-${batchKiB}.bin`);
  const fd = openSync(rawPath, 'w');
  let t0 = performance.now();
  let written = 0;
  for (let i = 0; written < target; i++) {
    const b = batches[i % batches.length]!;
    writeSync(fd, b, 0, b.length, written);
    written += b.length;
  }
  const rawMs = performance.now() - t0;
  closeSync(fd);
  rmSync(rawPath);

  const dir = join(work, `log-${batchKiB}`);
  const log = PartitionLog.open(dir, 'bench', 0, logConfig());
  t0 = performance.now();
  let appended = 0;
  for (let i = 0; appended < target; i++) {
    // Appending the same buffers again is fine: append rewrites their offsets in place.
    const b = batches[i % batches.length]!;
    const r = log.append(b);
    if (r.errorCode !== 0) throw new Error(`append failed ${r.errorCode}`);
    appended += b.length;
  }
  const logMs = performance.now() - t0;
  const logMbps = mbps(appended, logMs);
  const rawMbps = mbps(written, rawMs);
  rows.push({ case: `append 1 KiB records, ${batchKiB} KiB batches`, mbPerSec: logMbps, rawMbPerSec: rawMbps, ratio: Number((logMbps / rawMbps).toFixed(2)) });

  if (batchKiB === 64) {
    // Sequential reads in 1 MiB fetches: locate through read(), then read the bytes.
    const buf = Buffer.allocUnsafe(2 << 20);
    t0 = performance.now();
    let readBytes = 0;
    for (let offset = 0; offset < log.logEndOffset; ) {
      const r = log.read(offset, 1 << 20);
      if (!r.slice) break;
      const rfd = openSync(r.slice.path, 'r');
      readSync(rfd, buf, 0, r.slice.length, r.slice.position);
      closeSync(rfd);
      readBytes += r.slice.length;
      // Next offset: after the last complete batch in what was read.
      let at = 0;
      let next = offset;
      while (at + 61 <= r.slice.length) {
        const size = buf.readInt32BE(at + 8) + 12;
        if (at + size > r.slice.length) break;
        next = buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4) + buf.readInt32BE(at + 23) + 1;
        at += size;
      }
      offset = next;
    }
    rows.push({ case: 'read 1 MiB fetches (page cache)', mbPerSec: mbps(readBytes, performance.now() - t0) });

    const lookups = 200_000;
    const end = log.logEndOffset;
    t0 = performance.now();
    for (let i = 0; i < lookups; i++) log.activeSegment.offsetIndex.lookup(Math.floor(Math.random() * end));
    rows.push({ case: 'index lookup (in-memory binary search)', value: Number((((performance.now() - t0) * 1000) / lookups).toFixed(3)), unit: 'µs' });
    t0 = performance.now();
    for (let i = 0; i < 20_000; i++) log.read(Math.floor(Math.random() * end), 1 << 20);
    rows.push({ case: 'read() locate at a random offset (lookup + header scan)', value: Number((((performance.now() - t0) * 1000) / 20_000).toFixed(2)), unit: 'µs' });
    // read_committed with no transaction open (what most clients ask by default) against
    // read_uncommitted: the same random offsets, in alternating rounds so that the machine's
    // noise falls on both alike.
    const offsets = Array.from({ length: 20_000 }, () => Math.floor(Math.random() * end));
    const spent = [0, 0];
    for (let round = 0; round < 10; round++) {
      const committed = round % 2;
      t0 = performance.now();
      for (const o of offsets) log.read(o, 1 << 20, committed === 1 ? FetchIsolation.TxnCommitted : FetchIsolation.HighWatermark);
      spent[committed]! += performance.now() - t0;
    }
    const perRead = (ms: number) => Number(((ms * 1000) / (5 * offsets.length)).toFixed(2));
    rows.push({ case: 'read() locate, read_uncommitted (alternating rounds)', value: perRead(spent[0]!), unit: 'µs' });
    rows.push({ case: 'read() locate, read_committed, no transaction open', value: perRead(spent[1]!), unit: 'µs' });
    rows.push({ case: 'read_committed / read_uncommitted', value: Number((spent[1]! / spent[0]!).toFixed(3)), unit: '×' });

    const size = log.sizeBytes;
    fdatasyncSync(openSync(log.activeSegment.logPath, 'r'));
    log.closeAbruptly();
    t0 = performance.now();
    const again = PartitionLog.open(dir, 'bench', 0, logConfig());
    const ms = performance.now() - t0;
    rows.push({ case: `recovery (unclean open, ${(size / 2 ** 30).toFixed(2)} GiB rescanned)`, value: Number((ms / (size / 2 ** 30)).toFixed(0)), unit: 'ms per GiB' });
    await again.close();
  } else {
    await log.close();
  }
  rmSync(dir, { recursive: true, force: true });
}

// Durable appends: fdatasync after every batch (flush.messages=1), 64 KiB batches.
{
  const batches = batchesOf(64 * 1024);
  const dir = join(work, 'log-sync');
  const log = PartitionLog.open(dir, 'bench', 0, logConfig({ flushMessages: 1 }));
  const t0 = performance.now();
  let appended = 0;
  for (let i = 0; appended < 64e6; i++) {
    const b = batches[i % batches.length]!;
    log.append(b);
    appended += b.length;
  }
  rows.push({ case: 'append 64 KiB batches, fdatasync each (flush.messages=1, no group commit)', mbPerSec: mbps(appended, performance.now() - t0) });
  await log.close();
}

rmSync(work, { recursive: true, force: true });
const width = Math.max(...rows.map((r) => r.case.length));
for (const r of rows) {
  const figure = r.mbPerSec !== undefined ? `${r.mbPerSec.toFixed(1)} MB/s` : `${r.value} ${r.unit}`;
  const raw = r.rawMbPerSec !== undefined ? `   raw fs ${r.rawMbPerSec.toFixed(1)} MB/s   ratio ${r.ratio}` : '';
  console.log(`${r.case.padEnd(width)}  ${figure.padStart(14)}${raw}`);
}
const dirOut = new URL('../../bench/results/', import.meta.url).pathname;
mkdirSync(dirOut, { recursive: true });
const file = join(dirOut, `storage-${new Date().toISOString().slice(0, 10)}-${hostname()}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, dataMbPerCase: totalMb, rows }, null, 2)}\n`);
console.log(`\nwritten to bench/results/${file.slice(dirOut.length)}`);
