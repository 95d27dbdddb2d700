/**
 * The soak row's timeline (bench/perf/soak.ts): windows closing in order, segment rolls,
 * deletions and removals followed through directory listings, rolls placed by the offsets the
 * producer had acknowledged, and the summary's split of windows with and without a roll.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HdrHistogram } from '../../bench/perf/hdr-histogram.js';
import { KAFKA_BATCH_SIZE, lingerBatchRecords, soakRow } from '../../bench/perf/matrix.js';
import type { DeletedOpenFiles } from '../../bench/perf/proc-files.js';
import {
  buildTimeline,
  groupByRolls,
  NO_LATENCY,
  p99Group,
  parseSegmentLogName,
  type ProduceWindowMerged,
  rollWindows,
  type SegmentFile,
  SegmentTracker,
  type SoakSample,
  type SoakWindow,
  summarizeSoak,
  WindowMerger,
  Windows,
  windowOfTime,
  warmUpWindows,
} from '../../bench/perf/soak.js';

const seg = (partition: number, base: number, deleted = false, sizeBytes = 100): SegmentFile => ({ partition, name: `${String(base).padStart(20, '0')}.log${deleted ? '.deleted' : ''}`, sizeBytes });
const deleted = (files: number, bytes: number, available = true): DeletedOpenFiles => ({ available, openFds: 40, deletedFds: files, deletedFiles: files, deletedBytes: bytes, paths: files ? ['/d/x.log.deleted'] : [] });
const sample = (atMs: number, rssBytes: number, files = 0, bytes = 0): SoakSample => ({ atMs, rssBytes, deleted: deleted(files, bytes), segments: 3, logBytes: 300 });
const latency = (p99Ms: number): ProduceWindowMerged => ({ ack: { count: 100, p50Ms: p99Ms / 2, p99Ms, maxMs: p99Ms * 2 }, requests: 100, records: 1500, errors: 0, maxBaseOffsets: [] });

test('a window is (w·W, (w+1)·W]: its end belongs to it, and the start to window 0', () => {
  assert.is(windowOfTime(0, 2000), 0);
  assert.is(windowOfTime(1, 2000), 0);
  assert.is(windowOfTime(2000, 2000), 0);
  assert.is(windowOfTime(2001, 2000), 1);
  assert.is(windowOfTime(-50, 2000), 0);
});

test('Windows hands over every window once and in order, empty ones included, and counts late moments in the last', () => {
  const emitted: [number, number][] = [];
  const w = new Windows(1000, 100, 4, () => ({ n: 0 }), (i, s) => emitted.push([i, s.n]));
  w.at(1050).n++;
  w.at(1100).n++; // the end of window 0
  w.at(1350).n++; // window 3: windows 1 and 2 close empty
  w.at(9999).n++; // past the last window: counted in it
  assert.equal(emitted, [[0, 2], [1, 0], [2, 0]]);
  w.finish();
  assert.equal(emitted, [[0, 2], [1, 0], [2, 0], [3, 2]]);
});

test('segment log names give the base offset and whether retention took them', () => {
  assert.equal(parseSegmentLogName('00000000000000001234.log'), { baseOffset: 1234, deleted: false });
  assert.equal(parseSegmentLogName('00000000000000001234.log.deleted'), { baseOffset: 1234, deleted: true });
  assert.is(parseSegmentLogName('00000000000000001234.index'), null);
  assert.is(parseSegmentLogName('00000000000000001234.timeindex.deleted'), null);
  assert.is(parseSegmentLogName('leader-epoch-checkpoint'), null);
});

test('the tracker counts new segments after the first listing as rolls, .deleted ones as deletions and vanished ones as removals', () => {
  const t = new SegmentTracker();
  t.observe(0, [seg(0, 0)]);
  assert.is(t.rolls.length, 0, 'what the first listing shows is not a roll');
  t.observe(1000, [seg(0, 0), seg(0, 500)]);
  t.observe(2000, [seg(0, 0, true), seg(0, 500), seg(0, 900)]);
  t.observe(3000, [seg(0, 500), seg(0, 900)]);
  assert.equal(t.rolls.map((r) => [r.baseOffset, r.atMs]), [[500, 1000], [900, 2000]]);
  assert.equal(t.deletes.map((r) => [r.baseOffset, r.atMs]), [[0, 2000]]);
  assert.equal(t.removals.map((r) => [r.baseOffset, r.atMs]), [[0, 3000]]);
  assert.is(t.segments, 2);
  assert.is(t.logBytes, 200);
});

test('a segment deleted and removed between two listings counts as both; partitions are kept apart', () => {
  const t = new SegmentTracker();
  t.observe(0, [seg(0, 0), seg(1, 0)]);
  t.observe(1000, [seg(0, 10), seg(1, 0)]);
  assert.equal(t.rolls.map((r) => [r.partition, r.baseOffset]), [[0, 10]]);
  assert.equal(t.deletes.map((r) => [r.partition, r.baseOffset]), [[0, 0]]);
  assert.equal(t.removals.map((r) => [r.partition, r.baseOffset]), [[0, 0]]);
});

test('a roll belongs to the first window whose acknowledgements reached its base offset, else to where the listing saw it', () => {
  const acked = [[100], [], [350], [600]];
  const rolls = [
    { partition: 0, baseOffset: 100, atMs: 3500 },
    { partition: 0, baseOffset: 300, atMs: 3500 },
    { partition: 0, baseOffset: 600, atMs: 3900 },
    { partition: 0, baseOffset: 9999, atMs: 2500 },
    { partition: 1, baseOffset: 5, atMs: 1500 },
  ];
  assert.equal(rollWindows(rolls, acked, 1000, 4), [0, 2, 3, 2, 1]);
});

test('the timeline puts samples, rolls, deletions and removals in their windows and keeps the most deleted-open bytes of each', () => {
  const windows = buildTimeline({
    windowMs: 1000,
    windowCount: 3,
    produce: [latency(5), { ...latency(50), maxBaseOffsets: [700] }, undefined],
    endToEnd: [{ count: 10, p50Ms: 1, p99Ms: 9, maxMs: 10 }],
    samples: [sample(0, 100), sample(500, 110, 1, 64), sample(1000, 120, 0, 0), sample(2000, 130, 2, 128), sample(2600, 125, 0, 0)],
    rolls: [{ partition: 0, baseOffset: 700, atMs: 2000 }],
    deletes: [{ partition: 0, baseOffset: 0, atMs: 1500 }],
    removals: [{ partition: 0, baseOffset: 0, atMs: 2600 }],
  });
  assert.equal(windows.map((w) => w.rolls), [0, 1, 0]);
  assert.equal(windows.map((w) => w.segmentDeletes), [0, 1, 0]);
  assert.equal(windows.map((w) => w.segmentRemovals), [0, 0, 1]);
  assert.equal(windows.map((w) => w.rssBytes), [120, 130, 125], 'RSS at the last sample of each window');
  assert.equal(windows.map((w) => w.deletedOpenBytes), [64, 128, 0], 'the most in the window');
  assert.is(windows[0]!.endToEnd.p99Ms, 9);
  assert.is(windows[2]!.ack, NO_LATENCY, 'nothing acknowledged');
  assert.ok(Number.isNaN(windows[1]!.endToEnd.p99Ms));
});

const plain = (index: number, p99Ms: number, rolls: number): SoakWindow => ({
  index,
  startSec: index,
  endSec: index + 1,
  requests: 1,
  records: 1,
  errors: 0,
  ack: { count: 1, p50Ms: 1, p99Ms, maxMs: p99Ms },
  endToEnd: NO_LATENCY,
  rssBytes: 1,
  rssMaxBytes: 1,
  deletedOpenFiles: 0,
  deletedOpenBytes: 0,
  openFds: 1,
  rolls,
  segmentDeletes: 0,
  segmentRemovals: 0,
  segments: 1,
  logBytes: 1,
});

test('windows split into those with a roll, the one right after, and the rest; the warm-up window is left out', () => {
  const windows = [plain(0, 900, 0), plain(1, 40, 1), plain(2, 20, 0), plain(3, 8, 0), plain(4, 10, 0), plain(5, 60, 2), plain(6, 9, 0)];
  const g = groupByRolls(windows, 1, (w) => w.ack.p99Ms);
  assert.equal(g.withRoll, { windows: 2, medianMs: 50, minMs: 40, maxMs: 60 });
  assert.equal(g.afterRoll, { windows: 2, medianMs: 14.5, minMs: 9, maxMs: 20 });
  assert.equal(g.withoutRoll, { windows: 2, medianMs: 9, minMs: 8, maxMs: 10 });
});

test('the first 10 s are warm-up, but never more than a third of the windows', () => {
  assert.is(warmUpWindows(300, 2000), 5);
  assert.is(warmUpWindows(3, 1000), 1);
  assert.is(warmUpWindows(2, 1000), 0);
});

test('p99 groups skip windows without acknowledgements', () => {
  assert.equal(p99Group([NaN, 3, 1, 2]), { windows: 3, medianMs: 2, minMs: 1, maxMs: 3 });
  assert.is(p99Group([NaN]).windows, 0);
});

test('the summary gives deleted-open bytes at most and at the last sample, and RSS at the start, peak and end', () => {
  const windows = [plain(0, 5, 0), plain(1, 30, 1), plain(2, 6, 0)];
  const samples = [sample(0, 100), sample(1000, 150, 3, 3000), sample(2000, 140, 1, 500), sample(3100, 130, 1, 400)];
  const s = summarizeSoak(windows, 1000, samples, 160, false);
  assert.is(s.rolls, 1);
  assert.is(s.deletedOpenBytesMax, 3000);
  assert.is(s.deletedOpenFilesMax, 3);
  assert.is(s.deletedOpenBytesFinal, 400);
  assert.equal(s.rss, { startBytes: 100, peakBytes: 160, endBytes: 130 });
  assert.is(s.ackMaxMs, 30);
  assert.is(s.ackMaxWindow, 1);
  assert.is(s.endToEndP99, null);
  assert.is(s.warmUpWindows, 1);
});

test('without /proc the deleted-open figures are unknown, not zero', () => {
  const samples = [{ ...sample(0, NaN), deleted: deleted(0, 0, false) }];
  const s = summarizeSoak([plain(0, 5, 0)], 1000, samples, NaN, false);
  assert.ok(Number.isNaN(s.deletedOpenBytesFinal));
  assert.ok(Number.isNaN(s.deletedOpenBytesMax));
});

test('the merger summarizes a window once every producer thread has sent it, with the highest offsets of both', () => {
  const m = new WindowMerger(2);
  const h = (us: number[]): ReturnType<HdrHistogram['snapshot']> => {
    const x = new HdrHistogram();
    for (const v of us) x.record(v);
    return x.snapshot();
  };
  m.addProduce({ index: 0, latency: h([1000, 2000]), requests: 2, records: 30, errors: 0, maxBaseOffsets: [10, 50] });
  assert.is(m.produce[0], undefined, 'waits for the other producer');
  m.addProduce({ index: 0, latency: h([3000]), requests: 1, records: 15, errors: 1, maxBaseOffsets: [40] });
  const w = m.produce[0]!;
  assert.equal([w.requests, w.records, w.errors, w.maxBaseOffsets], [3, 45, 1, [40, 50]]);
  assert.is(w.ack.count, 3);
  assert.is(w.ack.maxMs, 3);
});

test('the soak row sends what a Kafka producer with its default batch.size and linger.ms would', () => {
  assert.is(lingerBatchRecords(20_480, 1024), 15, '16 KiB fills before 5 ms pass at 20 MB/s');
  assert.is(lingerBatchRecords(1024, 1024), 6, 'at 1 MB/s, 5 ms of records');
  assert.ok(15 * 1024 < KAFKA_BATCH_SIZE);
  const row = soakRow(600);
  assert.is(row.recordsPerSec, 20_480);
  assert.is(row.openBatchRecords, 15);
  assert.equal(row.soak, { windowMs: 2000, rateMBps: 20 });
  assert.is(row.brokerConfig!['log.segment.bytes'], 128 * 1024 * 1024);
  const closed = soakRow(90, { rateMBps: 'max' });
  assert.is(closed.recordsPerSec, undefined, 'max keeps the closed loop of the earlier soak row');
  assert.is(closed.brokerConfig!['log.segment.bytes'], 256 * 1024 * 1024);
});

test.run();
