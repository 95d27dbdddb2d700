import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import { readSlice, recordsIn, tempDir } from './helpers.js';

const child = new URL('./crash-child.js', import.meta.url).pathname;

/** Runs the appending child until it has reported `acks` appends, then kills it with SIGKILL. */
function appendUntilKilled(dir: string, acks: number): Promise<{ base: number; last: number; label: string }[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, '65536'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const reported: { base: number; last: number; label: string }[] = [];
    let pending = '';
    const guard = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [base, last, label] = line.split(' ');
        reported.push({ base: Number(base), last: Number(last), label: label! });
      }
      if (reported.length >= acks) p.kill('SIGKILL');
    });
    p.on('exit', (_code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`child ended by ${signal}`));
      else resolve(reported);
    });
  });
}

test('every append reported before a SIGKILL is read back byte-exact after recovery', async () => {
  const t = tempDir();
  for (const acks of [2_000, 5_000]) {
    const reported = await appendUntilKilled(t.dir, acks);
    assert.ok(reported.length >= acks);
    const log = PartitionLog.open(t.dir, 'crash', 0, logConfig({ segmentBytes: 65536, indexIntervalBytes: 512 }));
    assert.not.ok(log.wasCleanShutdown);
    const lastReported = reported[reported.length - 1]!;
    assert.ok(log.logEndOffset > lastReported.last, `log end ${log.logEndOffset} covers offset ${lastReported.last}`);
    // Read everything once and check each reported append: its offsets hold its records.
    const byOffset = new Map<number, string>();
    for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
      const records = recordsIn(readSlice(log.read(offset, 1 << 20).slice!)).filter((r) => r.offset >= offset);
      for (const r of records) byOffset.set(r.offset, r.value!.toString());
      offset = records[records.length - 1]!.offset + 1;
    }
    for (const { base, last, label } of reported) {
      for (let o = base; o <= last; o++) {
        const value = byOffset.get(o);
        assert.ok(value?.startsWith(`${label}-v${o - base}`), `offset ${o} holds ${label}-v${o - base}, found ${value}`);
      }
    }
    await log.close();
  }
  t.remove();
});

test.run();
