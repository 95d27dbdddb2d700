/**
 * Validating decompression bombs takes bounded memory: a child process (validate-memory-child.ts)
 * validates a bomb of every codec, among them a valid record that inflates to 200 MiB (which it
 * also recompresses), and reports what that added to its memory. Run apart so this suite's own
 * buffers do not count.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { STREAM_MEMORY_PER_THREAD_BYTES } from '../../../src/protocol/records/compression/limits.js';

const MiB = 1024 * 1024;

interface Report {
  results: { label: string; errorCode: number; detail?: string; ms: number }[];
  arrayBuffersGrowth: number;
  externalGrowth: number;
  rssBefore: number;
  peakRssGrowth: number | null;
}

const child = new URL('./validate-memory-child.js', import.meta.url).pathname;
const run = spawnSync(process.execPath, ['--expose-gc', child], { encoding: 'utf8', timeout: 120_000 });
const report: Report | undefined = run.status === 0 ? (JSON.parse(run.stdout) as Report) : undefined;

test('the child process validating bombs ran', () => {
  assert.ok(report, `child exited ${run.status}: ${run.stderr}`);
});

test('every bomb is refused, and quickly, except the valid 200 MiB record, which passes and recompresses', () => {
  for (const r of report!.results) {
    if (r.label.includes('valid record') || r.label.startsWith('recompressing')) {
      assert.is(r.errorCode, ErrorCode.NONE, r.label);
      assert.ok(r.ms < 5000, `${r.label}: ${r.ms} ms`);
    } else {
      assert.ok(r.errorCode === ErrorCode.CORRUPT_MESSAGE || r.errorCode === ErrorCode.INVALID_RECORD, `${r.label}: ${JSON.stringify(r)}`);
      assert.ok(r.ms < 1000, `${r.label}: ${r.ms} ms`);
    }
  }
});

test('validating them all adds less than one thread\'s stream buffers to the buffers held', () => {
  // The window grows to what the largest stream needed (8 MiB of zstd history here) and stays.
  assert.ok(report!.arrayBuffersGrowth <= STREAM_MEMORY_PER_THREAD_BYTES, `arrayBuffers grew ${(report!.arrayBuffersGrowth / MiB).toFixed(1)} MiB`);
});

test('the peak resident memory while validating them stays under 64 MiB above where it started', () => {
  // 64 MiB: the stream buffers (8.5 MiB) plus the V8 heap's own growth; inflating any one of
  // them whole would take 200 MiB to 1 GiB.
  if (report!.peakRssGrowth === null) return;
  assert.ok(report!.peakRssGrowth < 64 * MiB, `peak RSS grew ${(report!.peakRssGrowth / MiB).toFixed(1)} MiB`);
});

test.run();
