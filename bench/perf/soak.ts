/**
 * The soak row's timeline: what a long run did, window by window, so that a stall or a leak
 * can be matched with what the broker's storage was doing at that moment.
 *
 *   windows        fixed windows of `windowMs` from the agreed start of the produce phase;
 *                  window w covers (w·windowMs, (w+1)·windowMs] ms after it
 *   per window     ack latency p50/p99/max of the requests acknowledged in it (load workers,
 *                  Windows below; open loop: from each send's intended time), end-to-end p99
 *                  of the records that arrived in it, broker RSS at its end, the most
 *                  deleted-but-open files and bytes the broker held during it
 *                  (proc-files.ts), and the segments that rolled, were deleted by retention
 *                  (renamed `.deleted`) and were removed (unlinked) in it
 *   rolls          a roll is a new `.log` file in a partition directory, found by listing the
 *                  directories about once a second (SegmentTracker). Its moment is taken from
 *                  the produce answers, which is exact: a segment's base offset is the base
 *                  offset of the batch whose append rolled it, and each window carries the
 *                  highest base offset acknowledged in it, so the roll belongs to the first
 *                  window whose acknowledgements reached that offset (the listing's own time
 *                  is the fallback). A segment lives at least as long as retention keeps it,
 *                  many listings, so none is missed.
 *   summary        the p99 of windows with a roll against the window right after one and the
 *                  windows with no roll in them or just before (the first 10 s left out as
 *                  warm-up); deleted-but-open bytes, most
 *                  and last; RSS at the start, peak (VmHWM) and at the end
 *
 *   load worker ──{type:'window', …}──▶ main     one message per closed window (messages.ts),
 *                                                its histogram counts transferred, so neither
 *                                                side keeps more than a window's histogram
 *
 * Windows is used by the load workers (their own thread); SoakSampler by the harness's main
 * thread; the rest is pure and tested (test/bench/soak.test.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readMemory } from './broker-process.js';
import { HdrHistogram, type HistogramSnapshot } from './hdr-histogram.js';
import { type DeletedOpenFiles, readDeletedOpenFiles } from './proc-files.js';

/** How often the main thread reads /proc and lists the partition directories: once a second, or once per window if windows are shorter. */
export const SOAK_SAMPLE_MS = 1000;

// ───────────────────────────── load workers: windows ─────────────────────────────

/**
 * Per-window state in a load worker: `at(now)` answers the window `now` falls in, closing (and
 * handing to `emit`) every earlier one first, empty ones included, so the main thread gets
 * every index exactly once and in order.
 */
export class Windows<T> {
  private index = 0;
  private current: T;

  constructor(
    readonly startEpochMs: number,
    readonly windowMs: number,
    /** Windows there are; later moments count in the last. */
    readonly windowCount: number,
    private readonly make: () => T,
    private readonly emit: (index: number, state: T) => void,
  ) {
    if (!(windowMs > 0)) throw new RangeError(`a window must be longer than 0 ms, not ${windowMs}`);
    if (!(windowCount >= 1)) throw new RangeError(`a timeline needs at least one window, not ${windowCount}`);
    this.current = make();
  }

  indexAt(epochMs: number): number {
    return Math.min(this.windowCount - 1, windowOfTime(epochMs - this.startEpochMs, this.windowMs));
  }

  at(epochMs: number): T {
    const target = this.indexAt(epochMs);
    while (this.index < target) {
      this.emit(this.index, this.current);
      this.current = this.make();
      this.index++;
    }
    return this.current;
  }

  /** Closes every window, the last included; nothing may be recorded after. */
  finish(): void {
    while (this.index < this.windowCount) {
      this.emit(this.index, this.current);
      this.current = this.make();
      this.index++;
    }
  }
}

/** The window a moment `ms` after the start belongs to: (w·W, (w+1)·W] is window w, and the start itself is window 0. */
export function windowOfTime(ms: number, windowMs: number): number {
  return Math.max(0, Math.ceil(ms / windowMs) - 1);
}

/** One producer thread's window (posted by load-worker.ts). */
export interface ProduceWindow {
  index: number;
  latency: HistogramSnapshot;
  /** Requests acknowledged without error in the window, and their records. */
  requests: number;
  records: number;
  errors: number;
  /** Per partition index, the highest batch base offset acknowledged in the window (-1: none). */
  maxBaseOffsets: number[];
}

/** The end-to-end consumer's window. */
export interface EndToEndWindow {
  index: number;
  latency: HistogramSnapshot;
  records: number;
}

// ───────────────────────────── segments in the partition directories ─────────────────────────────

/** A segment's `.log` file name: 20 digits of base offset, `.log`, and `.deleted` once retention took it. */
const SEGMENT_LOG = /^(\d{20})\.log(\.deleted)?$/;

export function parseSegmentLogName(name: string): { baseOffset: number; deleted: boolean } | null {
  const m = SEGMENT_LOG.exec(name);
  return m ? { baseOffset: Number(m[1]), deleted: m[2] !== undefined } : null;
}

export interface SegmentFile {
  partition: number;
  name: string;
  sizeBytes: number;
}

export interface SegmentEvent {
  partition: number;
  baseOffset: number;
  /** When the listing that first showed it was taken, ms since the start. */
  atMs: number;
}

/**
 * Follows the segments of some partitions through successive listings: each base offset seen
 * for the first time after the first listing is a roll; one that turns up as `.log.deleted` was
 * deleted by retention (or compaction); one that is gone from the directory was removed.
 */
export class SegmentTracker {
  readonly rolls: SegmentEvent[] = [];
  readonly deletes: SegmentEvent[] = [];
  readonly removals: SegmentEvent[] = [];
  private readonly known = new Map<string, { partition: number; baseOffset: number; deleted: boolean }>();
  private listings = 0;
  /** From the last listing: segments on disk (deleted ones included) and the bytes of their `.log` files. */
  segments = 0;
  logBytes = 0;

  observe(atMs: number, files: SegmentFile[]): void {
    const seen = new Set<string>();
    this.segments = 0;
    this.logBytes = 0;
    for (const f of files) {
      const parsed = parseSegmentLogName(f.name);
      if (!parsed) continue;
      const key = `${f.partition}:${parsed.baseOffset}`;
      seen.add(key);
      this.segments++;
      if (Number.isFinite(f.sizeBytes)) this.logBytes += f.sizeBytes;
      const was = this.known.get(key);
      if (!was) {
        this.known.set(key, { partition: f.partition, baseOffset: parsed.baseOffset, deleted: parsed.deleted });
        const event = { partition: f.partition, baseOffset: parsed.baseOffset, atMs };
        if (this.listings > 0) this.rolls.push(event);
        if (parsed.deleted && this.listings > 0) this.deletes.push(event);
      } else if (parsed.deleted && !was.deleted) {
        was.deleted = true;
        this.deletes.push({ partition: f.partition, baseOffset: parsed.baseOffset, atMs });
      }
    }
    for (const [key, s] of this.known) {
      if (seen.has(key)) continue;
      // Gone: retention renamed and removed it between two listings, or removed it now.
      if (!s.deleted) this.deletes.push({ partition: s.partition, baseOffset: s.baseOffset, atMs });
      this.removals.push({ partition: s.partition, baseOffset: s.baseOffset, atMs });
      this.known.delete(key);
    }
    this.listings++;
  }
}

/** The `.log` files (live and deleted) of `topic`'s partition directories under `dataDir`. */
export function listSegmentFiles(dataDir: string, topic: string, partitions: number): SegmentFile[] {
  const out: SegmentFile[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const dir = join(dataDir, `${topic}-${partition}`);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!parseSegmentLogName(name)) continue;
      let sizeBytes = NaN;
      try {
        sizeBytes = statSync(join(dir, name)).size;
      } catch {
        // renamed or removed since the listing: the next one sees where it went
      }
      out.push({ partition, name, sizeBytes });
    }
  }
  return out;
}

// ───────────────────────────── the timeline ─────────────────────────────

export interface WindowLatency {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SoakWindow {
  index: number;
  /** Seconds since the start of the produce phase: the window is (startSec, endSec]. */
  startSec: number;
  endSec: number;
  requests: number;
  records: number;
  errors: number;
  ack: WindowLatency;
  /** Records that arrived at the reading-along consumer in the window, with their end-to-end latency; NaN without one. */
  endToEnd: WindowLatency;
  /** Broker RSS at the window's last sample, and the highest in it. */
  rssBytes: number;
  rssMaxBytes: number;
  /** The most deleted-but-open files and bytes the broker held at any sample of the window. */
  deletedOpenFiles: number;
  deletedOpenBytes: number;
  openFds: number;
  rolls: number;
  /** Segments deleted by retention (renamed `.deleted`) and removed (unlinked) in the window. */
  segmentDeletes: number;
  segmentRemovals: number;
  /** At the window's last sample: segments in the partition directories and the bytes of their `.log` files. */
  segments: number;
  logBytes: number;
}

/** A main-thread reading: taken at `atMs` after the start. */
export interface SoakSample {
  atMs: number;
  rssBytes: number;
  deleted: DeletedOpenFiles;
  segments: number;
  logBytes: number;
}

export const NO_LATENCY: WindowLatency = Object.freeze({ count: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN });

export function windowLatency(h: HdrHistogram): WindowLatency {
  if (h.totalCount === 0) return NO_LATENCY;
  const s = h.summaryMs();
  return { count: s.count, p50Ms: s.p50, p99Ms: s.p99, maxMs: s.max };
}

/**
 * The window each roll belongs to. `ackedBaseOffsets[w][p]` is the highest base offset of
 * partition p acknowledged in window w (-1 or absent: none); a roll at base offset B is in the
 * first window by whose end the acknowledgements reached B, or else where the listing saw it.
 */
export function rollWindows(rolls: SegmentEvent[], ackedBaseOffsets: number[][], windowMs: number, windowCount: number): number[] {
  const reached: number[][] = [];
  let running: number[] = [];
  for (let w = 0; w < windowCount; w++) {
    const row = ackedBaseOffsets[w] ?? [];
    running = Array.from({ length: Math.max(running.length, row.length) }, (_, p) => Math.max(running[p] ?? -1, row[p] ?? -1));
    reached.push(running);
  }
  return rolls.map((r) => {
    const w = reached.findIndex((row) => (row[r.partition] ?? -1) >= r.baseOffset);
    return w >= 0 ? w : Math.min(windowCount - 1, windowOfTime(r.atMs, windowMs));
  });
}

export interface TimelineInput {
  windowMs: number;
  windowCount: number;
  /** Per window, merged over the producer threads (absent: nothing acknowledged). */
  produce: (ProduceWindowMerged | undefined)[];
  endToEnd: (WindowLatency | undefined)[] | null;
  samples: SoakSample[];
  rolls: SegmentEvent[];
  deletes: SegmentEvent[];
  removals: SegmentEvent[];
}

export interface ProduceWindowMerged {
  ack: WindowLatency;
  requests: number;
  records: number;
  errors: number;
  maxBaseOffsets: number[];
}

export function buildTimeline(input: TimelineInput): SoakWindow[] {
  const { windowMs, windowCount } = input;
  const windows: SoakWindow[] = Array.from({ length: windowCount }, (_, index) => {
    const p = input.produce[index];
    return {
      index,
      startSec: (index * windowMs) / 1000,
      endSec: ((index + 1) * windowMs) / 1000,
      requests: p?.requests ?? 0,
      records: p?.records ?? 0,
      errors: p?.errors ?? 0,
      ack: p?.ack ?? NO_LATENCY,
      endToEnd: input.endToEnd ? (input.endToEnd[index] ?? NO_LATENCY) : NO_LATENCY,
      rssBytes: NaN,
      rssMaxBytes: NaN,
      deletedOpenFiles: NaN,
      deletedOpenBytes: NaN,
      openFds: NaN,
      rolls: 0,
      segmentDeletes: 0,
      segmentRemovals: 0,
      segments: NaN,
      logBytes: NaN,
    };
  });
  if (windowCount === 0) return windows;
  const clamp = (w: number): number => Math.min(windowCount - 1, Math.max(0, w));
  const max = (a: number, b: number): number => (Number.isFinite(a) ? Math.max(a, b) : b);
  for (const s of input.samples) {
    const w = windows[clamp(windowOfTime(s.atMs, windowMs))]!;
    w.rssBytes = s.rssBytes;
    w.rssMaxBytes = max(w.rssMaxBytes, s.rssBytes);
    if (s.deleted.available) {
      w.deletedOpenFiles = max(w.deletedOpenFiles, s.deleted.deletedFiles);
      w.deletedOpenBytes = max(w.deletedOpenBytes, s.deleted.deletedBytes);
      w.openFds = max(w.openFds, s.deleted.openFds);
    }
    w.segments = s.segments;
    w.logBytes = s.logBytes;
  }
  const acked = input.produce.map((p) => p?.maxBaseOffsets ?? []);
  for (const w of rollWindows(input.rolls, acked, windowMs, windowCount)) windows[w]!.rolls++;
  for (const d of input.deletes) windows[clamp(windowOfTime(d.atMs, windowMs))]!.segmentDeletes++;
  for (const r of input.removals) windows[clamp(windowOfTime(r.atMs, windowMs))]!.segmentRemovals++;
  return windows;
}

// ───────────────────────────── the summary ─────────────────────────────

/** The spread of the p99 of a group of windows. */
export interface P99Group {
  windows: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface SoakSummary {
  windows: number;
  windowSeconds: number;
  /** Windows left out of the groups below: those of the first WARM_UP_SECONDS (warmUpWindows). */
  warmUpWindows: number;
  rolls: number;
  segmentDeletes: number;
  segmentRemovals: number;
  /** Ack p99 of windows with a roll, of the window right after one (without its own), and of the windows with no roll in them or the one before. */
  ackP99: { withRoll: P99Group; afterRoll: P99Group; withoutRoll: P99Group };
  endToEndP99: { withRoll: P99Group; afterRoll: P99Group; withoutRoll: P99Group } | null;
  /** Highest acknowledgement latency of the run, and the window it was in. */
  ackMaxMs: number;
  ackMaxWindow: number;
  deletedOpenBytesMax: number;
  deletedOpenFilesMax: number;
  /** From the last sample, taken after the produce phase ended (before the broker stopped). */
  deletedOpenBytesFinal: number;
  deletedOpenFilesFinal: number;
  /** Deleted paths still open at the last sample (the first few). */
  deletedOpenPathsFinal: string[];
  rss: { startBytes: number; peakBytes: number; endBytes: number };
}

export function p99Group(values: number[]): P99Group {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return { windows: 0, medianMs: NaN, minMs: NaN, maxMs: NaN };
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { windows: xs.length, medianMs: median, minMs: xs[0]!, maxMs: xs[xs.length - 1]! };
}

/** Splits windows (after the warm-up) by rolls and takes the spread of `pick` in each group. */
export function groupByRolls(windows: SoakWindow[], warmUp: number, pick: (w: SoakWindow) => number): SoakSummary['ackP99'] {
  const withRoll: number[] = [];
  const afterRoll: number[] = [];
  const withoutRoll: number[] = [];
  for (const w of windows.slice(warmUp)) {
    const previous = windows[w.index - 1];
    if (w.rolls > 0) withRoll.push(pick(w));
    else if (previous && previous.rolls > 0) afterRoll.push(pick(w));
    else withoutRoll.push(pick(w));
  }
  return { withRoll: p99Group(withRoll), afterRoll: p99Group(afterRoll), withoutRoll: p99Group(withoutRoll) };
}

/**
 * Seconds at the start left out of the p99 groups: the JIT compiling the hot paths and an open
 * loop working off the backlog those first slow answers built up (1-2 s of latency in the first
 * 6 s on a busy two-core machine) say nothing about rolls.
 */
export const WARM_UP_SECONDS = 10;

/** Windows left out as warm-up: those of the first WARM_UP_SECONDS, but never more than a third of the run. */
export function warmUpWindows(windowCount: number, windowMs: number): number {
  return Math.min(Math.ceil((WARM_UP_SECONDS * 1000) / windowMs), Math.floor(windowCount / 3));
}

export function summarizeSoak(windows: SoakWindow[], windowMs: number, samples: SoakSample[], peakRssBytes: number, hasEndToEnd: boolean): SoakSummary {
  const warmUp = warmUpWindows(windows.length, windowMs);
  const finite = (xs: number[]): number[] => xs.filter(Number.isFinite);
  const maxOf = (xs: number[]): number => (finite(xs).length ? Math.max(...finite(xs)) : NaN);
  let ackMaxMs = NaN;
  let ackMaxWindow = -1;
  for (const w of windows) {
    if (Number.isFinite(w.ack.maxMs) && !(w.ack.maxMs <= ackMaxMs)) {
      ackMaxMs = w.ack.maxMs;
      ackMaxWindow = w.index;
    }
  }
  const last = samples[samples.length - 1];
  const first = samples[0];
  const lastDeleted = last?.deleted.available ? last.deleted : null;
  return {
    windows: windows.length,
    windowSeconds: windowMs / 1000,
    warmUpWindows: warmUp,
    rolls: windows.reduce((n, w) => n + w.rolls, 0),
    segmentDeletes: windows.reduce((n, w) => n + w.segmentDeletes, 0),
    segmentRemovals: windows.reduce((n, w) => n + w.segmentRemovals, 0),
    ackP99: groupByRolls(windows, warmUp, (w) => w.ack.p99Ms),
    endToEndP99: hasEndToEnd ? groupByRolls(windows, warmUp, (w) => w.endToEnd.p99Ms) : null,
    ackMaxMs,
    ackMaxWindow,
    deletedOpenBytesMax: maxOf(samples.filter((s) => s.deleted.available).map((s) => s.deleted.deletedBytes)),
    deletedOpenFilesMax: maxOf(samples.filter((s) => s.deleted.available).map((s) => s.deleted.deletedFiles)),
    deletedOpenBytesFinal: lastDeleted ? lastDeleted.deletedBytes : NaN,
    deletedOpenFilesFinal: lastDeleted ? lastDeleted.deletedFiles : NaN,
    // Names within the broker's data directory, not the machine's temporary paths.
    deletedOpenPathsFinal: lastDeleted ? lastDeleted.paths.map((p) => p.split('/').slice(-2).join('/')) : [],
    rss: { startBytes: first?.rssBytes ?? NaN, peakBytes: peakRssBytes, endBytes: last?.rssBytes ?? NaN },
  };
}

// ───────────────────────────── main thread: merging and sampling ─────────────────────────────

/** The soak settings a report shows beside its timeline. */
export interface SoakSettings {
  seconds: number;
  windowSeconds: number;
  /** MB (2^20 bytes of record values) per second, or 'max' for the closed loop. */
  rateMBps: number | 'max';
  recordBytes: number;
  recordsPerBatch: number;
  /** The broker keys the row set (segments, retention), after --override. */
  brokerConfig: Record<string, string | number>;
  /** Whether a consumer read along the tail through the fetch path (the open loop's end-to-end consumer). */
  readAlong: boolean;
}

export interface SoakResult {
  settings: SoakSettings;
  summary: SoakSummary;
  timeline: SoakWindow[];
}

/**
 * Gathers the producer threads' and the consumer's windows as they arrive, merging the
 * producers' histograms of one index and summarizing it as soon as every producer has sent it,
 * so at most a window's histograms per producer are held.
 */
export class WindowMerger {
  private readonly pending = new Map<number, { h: HdrHistogram; seen: number; merged: ProduceWindowMerged }>();
  readonly produce: (ProduceWindowMerged | undefined)[] = [];
  readonly endToEnd: (WindowLatency | undefined)[] = [];

  constructor(private readonly producers: number) {}

  addProduce(w: ProduceWindow): void {
    let p = this.pending.get(w.index);
    if (!p) {
      p = { h: new HdrHistogram(), seen: 0, merged: { ack: NO_LATENCY, requests: 0, records: 0, errors: 0, maxBaseOffsets: [] } };
      this.pending.set(w.index, p);
    }
    p.h.merge(w.latency);
    p.seen++;
    p.merged.requests += w.requests;
    p.merged.records += w.records;
    p.merged.errors += w.errors;
    w.maxBaseOffsets.forEach((o, i) => (p.merged.maxBaseOffsets[i] = Math.max(p.merged.maxBaseOffsets[i] ?? -1, o)));
    if (p.seen >= this.producers) this.close(w.index);
  }

  addEndToEnd(w: EndToEndWindow): void {
    this.endToEnd[w.index] = windowLatency(HdrHistogram.fromSnapshot(w.latency));
  }

  /** Summarizes what is still waiting (a producer that ended early). */
  finish(): void {
    for (const index of [...this.pending.keys()]) this.close(index);
  }

  private close(index: number): void {
    const p = this.pending.get(index)!;
    p.merged.ack = windowLatency(p.h);
    this.produce[index] = p.merged;
    this.pending.delete(index);
  }
}

/**
 * Reads the broker's RSS, its deleted-but-open files and the topic's segment files at fixed
 * moments after the start (every SOAK_SAMPLE_MS, or every window if shorter), on timers of its
 * own: a stalled broker does not stall the sampling.
 */
export class SoakSampler {
  readonly samples: SoakSample[] = [];
  readonly tracker = new SegmentTracker();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private next = 0;
  private readonly sampleMs: number;
  private startEpochMs = NaN;

  constructor(
    private readonly pid: number,
    private readonly dataDir: string,
    private readonly topic: string,
    private readonly partitions: number,
    windowMs: number,
  ) {
    this.sampleMs = Math.min(SOAK_SAMPLE_MS, windowMs);
  }

  /** The first sample, before the load starts: the segments it lists are not rolls. */
  baseline(): void {
    this.take(0);
  }

  start(startEpochMs: number): void {
    this.startEpochMs = startEpochMs;
    this.running = true;
    this.next = 1;
    this.schedule();
  }

  /** Stops the timer and takes the last sample now; again, or before start, it does nothing. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.take(this.sinceStart());
  }

  private sinceStart(): number {
    return performance.timeOrigin + performance.now() - this.startEpochMs;
  }

  private schedule(): void {
    const due = this.next * this.sampleMs;
    this.timer = setTimeout(() => {
      this.take(due);
      this.next++;
      this.schedule();
    }, Math.max(0, due - this.sinceStart()));
    // Never what keeps the harness alive: a row that failed half-way must not hang the run.
    this.timer.unref();
  }

  private take(atMs: number): void {
    const rssBytes = readMemory(this.pid).rssBytes;
    const deleted = readDeletedOpenFiles(this.pid);
    this.tracker.observe(atMs, listSegmentFiles(this.dataDir, this.topic, this.partitions));
    this.samples.push({ atMs, rssBytes, deleted, segments: this.tracker.segments, logBytes: this.tracker.logBytes });
  }
}
