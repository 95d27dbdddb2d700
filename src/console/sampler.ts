/**
 * The console's live picture: once a second it turns the broker's counters (metrics.ts) into
 * rates and latency quantiles, keeps the last HISTORY_SAMPLES of them for the charts, and
 * pushes each new sample to the browsers listening on `GET /api/events` (server-sent events).
 *
 *   every SAMPLE_INTERVAL_MS:  counters ─► deltas ─► Sample ─► history (ring of 300) ─► SSE streams
 *
 * A sample holds:
 *   t                         when it was taken (ms since the epoch)
 *   recordsInPerSec …         per-second rates over the last interval (records out estimated)
 *   latencyMs                 { api: [p50, p99] } over the last LATENCY_WINDOW_SAMPLES intervals,
 *                             for the APIs that had requests then (bucket-interpolated quantiles)
 *   connections, eventLoopDelayP99Ms, rssBytes, heapUsedBytes
 *   workerBusy                each partition worker's busy fraction over the interval (0..1)
 *   groupLag                  { group: summed lag } for up to MAX_CHARTED_GROUPS groups
 *
 * Main thread.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServerResponse } from 'node:http';
import type { Broker } from '../broker/broker.js';
import { API_KEY_SLOTS, HISTOGRAM_WIDTH, TopicField, latencyQuantileMs } from '../broker/metrics.js';
import { groupFacts, hostStats, noteTopicSizes, partitionFacts } from './facts.js';
import { EVENT_LOOP_RESOLUTION_MS, apiName, eventLoopDelayMs } from './prometheus.js';

export const SAMPLE_INTERVAL_MS = 1_000;
/** Five minutes at one sample a second: "the last minutes" of the overview charts. */
export const HISTORY_SAMPLES = 300;
/** Latency quantiles over 5 s rather than 1 s, so that an API with a few requests a second gets a steady line. */
export const LATENCY_WINDOW_SAMPLES = 5;
/** Lag is charted for this many groups (by id); each costs a number per sample. */
export const MAX_CHARTED_GROUPS = 50;
/**
 * Open event streams at most: each gets a write a second. A browser tab holds one; 16 leaves
 * room for a few people and a few tabs, and a forgotten loop of reconnects cannot pile them up.
 */
export const MAX_EVENT_STREAMS = 16;
/** Every how many samples the logs' sizes are read, for the records-out estimate (a round trip to each worker). */
export const LOG_SIZE_EVERY_SAMPLES = 10;

export interface Sample {
  t: number;
  recordsInPerSec: number;
  recordsOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  requestsPerSec: number;
  latencyMs: Record<string, [number, number]>;
  connections: number;
  eventLoopDelayP99Ms: number;
  rssBytes: number;
  heapUsedBytes: number;
  workerBusy: number[];
  groupLag: Record<string, number>;
}

interface Totals {
  recordsIn: number;
  recordsOut: number;
  bytesIn: number;
  bytesOut: number;
  requests: number;
}

export class Sampler {
  readonly history: Sample[] = [];
  private readonly broker: Broker;
  private readonly timer: NodeJS.Timeout;
  private readonly streams = new Set<ServerResponse>();
  private readonly eventLoop: IntervalHistogram;
  /** Copies of the latency histograms at the last LATENCY_WINDOW_SAMPLES + 1 samples, oldest first. */
  private readonly latencySnapshots: Float64Array[] = [];
  private last: Totals;
  private lastMs = performance.now();
  private lastBusyMs: number[] = [];
  private samples = 0;
  private sampling = false;

  constructor(broker: Broker) {
    this.broker = broker;
    this.eventLoop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.eventLoop.enable();
    this.last = this.totals();
    this.latencySnapshots.push(Float64Array.from(broker.metrics.latency));
    this.timer = setInterval(() => void this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  private totals(): Totals {
    const m = this.broker.metrics;
    const t: Totals = { recordsIn: 0, recordsOut: 0, bytesIn: 0, bytesOut: 0, requests: 0 };
    for (const [, slot] of m.topicSlots()) {
      t.recordsIn += m.topicValue(slot, TopicField.recordsIn);
      t.recordsOut += m.topicValue(slot, TopicField.recordsOutEstimated);
      t.bytesIn += m.topicValue(slot, TopicField.bytesIn);
      t.bytesOut += m.topicValue(slot, TopicField.bytesOut);
    }
    for (let k = 0; k < API_KEY_SLOTS; k++) t.requests += m.requests[k]!;
    return t;
  }

  /** Takes one sample and sends it to every stream. */
  async sample(): Promise<Sample | undefined> {
    if (this.sampling) return undefined;
    this.sampling = true;
    try {
      const broker = this.broker;
      const readLogs = this.samples++ % LOG_SIZE_EVERY_SAMPLES === 0;
      const stats = await hostStats(broker, readLogs);
      if (readLogs) noteTopicSizes(broker, partitionFacts(broker, stats));
      const nowMs = performance.now();
      const seconds = Math.max(1e-3, (nowMs - this.lastMs) / 1000);
      const totals = this.totals();
      const rate = (k: keyof Totals): number => Math.max(0, (totals[k] - this.last[k]) / seconds);

      const current = Float64Array.from(broker.metrics.latency);
      this.latencySnapshots.push(current);
      if (this.latencySnapshots.length > LATENCY_WINDOW_SAMPLES + 1) this.latencySnapshots.shift();
      const oldest = this.latencySnapshots[0]!;
      const latencyMs: Sample['latencyMs'] = {};
      const window = new Float64Array(HISTOGRAM_WIDTH);
      for (let k = 0; k < API_KEY_SLOTS; k++) {
        let any = false;
        for (let b = 0; b < HISTOGRAM_WIDTH - 1; b++) {
          window[b] = current[k * HISTOGRAM_WIDTH + b]! - oldest[k * HISTOGRAM_WIDTH + b]!;
          if (window[b]! > 0) any = true;
        }
        if (any) latencyMs[apiName(k)] = [round3(latencyQuantileMs(window, 0.5)), round3(latencyQuantileMs(window, 0.99))];
      }

      const workerBusy = stats.workers.map((w, i) => {
        const before = this.lastBusyMs[i] ?? w.busyMs;
        this.lastBusyMs[i] = w.busyMs;
        return Math.min(1, Math.max(0, (w.busyMs - before) / (seconds * 1000)));
      });
      const groupLag: Record<string, number> = {};
      for (const g of groupFacts(broker).slice(0, MAX_CHARTED_GROUPS)) groupLag[g.groupId] = g.totalLag;

      const mem = process.memoryUsage();
      const s: Sample = {
        t: Date.now(),
        recordsInPerSec: round3(rate('recordsIn')),
        recordsOutPerSec: round3(rate('recordsOut')),
        bytesInPerSec: round3(rate('bytesIn')),
        bytesOutPerSec: round3(rate('bytesOut')),
        requestsPerSec: round3(rate('requests')),
        latencyMs,
        connections: broker.metrics.connectionsOpen,
        eventLoopDelayP99Ms: this.eventLoop.count > 0 ? round3(eventLoopDelayMs(this.eventLoop.percentile(99))) : 0,
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        workerBusy: workerBusy.map(round3),
        groupLag,
      };
      this.eventLoop.reset();
      this.last = totals;
      this.lastMs = nowMs;
      this.history.push(s);
      if (this.history.length > HISTORY_SAMPLES) this.history.shift();
      const event = `event: sample\ndata: ${JSON.stringify(s)}\n\n`;
      for (const res of this.streams) res.write(event);
      return s;
    } finally {
      this.sampling = false;
    }
  }

  /** Adopts a response as an event stream: the history first, then a sample a second. False when there are too many. */
  attach(res: ServerResponse): boolean {
    if (this.streams.size >= MAX_EVENT_STREAMS) return false;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: 2000\nevent: history\ndata: ${JSON.stringify(this.history)}\n\n`);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    return true;
  }

  /** Lag history of one group: [t, summed lag] per sample that charted it. */
  lagHistory(groupId: string): [number, number][] {
    const out: [number, number][] = [];
    for (const s of this.history) {
      const lag = s.groupLag[groupId];
      if (lag !== undefined) out.push([s.t, lag]);
    }
    return out;
  }

  close(): void {
    clearInterval(this.timer);
    this.eventLoop.disable();
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}

function round3(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v;
}
