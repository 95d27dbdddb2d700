/**
 * Client quota enforcement, as Kafka's ClientQuotaManager measures and throttles:
 *
 *   producer_byte_rate   bytes of Produce requests per second
 *   consumer_byte_rate   bytes of Fetch responses' records per second
 *   request_percentage   the main thread's time on the client's requests, as a percentage of
 *                        one thread (router.ts RequestQuota says which time is counted)
 *
 * Each (user, client id) pair that has a quota gets a rate sensor: quota.window.num samples of
 * quota.window.size.seconds each, the rate taken over the samples kept, with Kafka's rule for a
 * young sensor (at least N-1 whole windows are assumed, so the first second does not look like
 * a burst). A request that takes the rate past the quota gets a throttle time,
 *
 *   throttle = (rate - quota) / quota × window,
 *
 * the time the client must stay quiet for the rate to come back to the quota. The broker puts
 * it in the response's throttle_time_ms and mutes the connection for that long (KIP-219), so a
 * client that ignores the field is held to the quota all the same. Pairs without a quota cost a
 * map lookup (the store's cached resolution) and nothing else.
 *
 * Main thread.
 */
import type { ClientQuotaStore } from './quota-store.js';

export type QuotaKind = 'produce' | 'fetch' | 'request';

/** The most sensors kept: one per (user, client id) pair with a quota; the oldest idle ones go first. */
export const MAX_QUOTA_SENSORS = 10_000;

class RateSensor {
  private readonly starts: number[];
  private readonly values: number[];
  private current = 0;
  lastRecordMs = 0;

  constructor(
    private readonly samples: number,
    private readonly windowMs: number,
    nowMs: number,
  ) {
    // One extra sample for the window that overlaps the oldest edge, as Kafka keeps.
    this.starts = new Array<number>(samples + 1).fill(nowMs);
    this.values = new Array<number>(samples + 1).fill(0);
  }

  record(value: number, nowMs: number): void {
    if (nowMs - this.starts[this.current]! >= this.windowMs) {
      this.current = (this.current + 1) % this.starts.length;
      this.starts[this.current] = nowMs;
      this.values[this.current] = 0;
    }
    this.values[this.current]! += value;
    this.lastRecordMs = nowMs;
  }

  /** The rate per second and the window it was measured over (ms). */
  measure(nowMs: number): { rate: number; windowMs: number } {
    const expire = this.samples * this.windowMs;
    let total = 0;
    let oldest = nowMs;
    for (let i = 0; i < this.starts.length; i++) {
      if (nowMs - this.starts[i]! >= expire + this.windowMs) continue; // obsolete
      total += this.values[i]!;
      oldest = Math.min(oldest, this.starts[i]!);
    }
    let elapsed = nowMs - oldest;
    const full = Math.floor(elapsed / this.windowMs);
    if (full < this.samples - 1) elapsed += (this.samples - 1 - full) * this.windowMs;
    const windowMs = Math.max(elapsed, 1);
    return { rate: (total * 1000) / windowMs, windowMs };
  }
}

export class ClientQuotaManager {
  private readonly sensors = new Map<string, RateSensor>();
  /** Throttle time given out, for the metrics (ms, summed), and how many times. */
  throttledMs = 0;
  throttles = 0;

  constructor(
    private readonly kind: QuotaKind,
    private readonly store: ClientQuotaStore,
    private readonly samples: number,
    private readonly windowMs: number,
  ) {}

  /** Whether any quota is set: without one nothing is measured, and the request path skips the counting. */
  get enabled(): boolean {
    return this.store.hasQuotas;
  }

  private bound(user: string, clientId: string): number | undefined {
    const q = this.store.quotasFor(user, clientId);
    return this.kind === 'produce' ? q.producerByteRate : this.kind === 'fetch' ? q.consumerByteRate : q.requestPercentage;
  }

  /**
   * Records `value` (bytes) for the connection's principal ("User:alice") and client id, and
   * returns the throttle time in ms (0 under the quota, or without one). With no quota set at
   * all it returns at once: no lookup, no allocation on the request path.
   */
  record(principal: string, clientId: string, value: number, nowMs = Date.now()): number {
    if (!this.store.hasQuotas) return 0;
    const user = quotaUser(principal);
    const quota = this.bound(user, clientId);
    if (quota === undefined) return 0;
    const key = `${user}\u0000${clientId}`;
    let sensor = this.sensors.get(key);
    if (!sensor) {
      if (this.sensors.size >= MAX_QUOTA_SENSORS) this.evictIdle();
      sensor = new RateSensor(this.samples, this.windowMs, nowMs);
      this.sensors.set(key, sensor);
    }
    sensor.record(value, nowMs);
    const { rate, windowMs } = sensor.measure(nowMs);
    if (rate <= quota) return 0;
    const throttle = Math.round(((rate - quota) / quota) * windowMs);
    this.throttledMs += throttle;
    this.throttles++;
    return throttle;
  }

  /**
   * Takes back `value` recorded for a response that was not sent after all: a Fetch past its
   * quota is answered without its records (Kafka's unrecordQuotaSensor), so the bytes it would
   * have carried do not count against the client.
   */
  unrecord(principal: string, clientId: string, value: number, nowMs = Date.now()): void {
    this.add(principal, clientId, -value, nowMs);
  }

  /**
   * Adds `value` to the rate of a pair already measured, without a throttle: work known only
   * after the answer was made (the encoding of a response), which the next request pays for.
   */
  add(principal: string, clientId: string, value: number, nowMs = Date.now()): void {
    if (!this.store.hasQuotas) return;
    this.sensors.get(`${quotaUser(principal)}\u0000${clientId}`)?.record(value, nowMs);
  }

  private evictIdle(): void {
    let oldestKey: string | undefined;
    let oldestMs = Infinity;
    for (const [k, s] of this.sensors) {
      if (s.lastRecordMs < oldestMs) {
        oldestMs = s.lastRecordMs;
        oldestKey = k;
      }
    }
    if (oldestKey !== undefined) this.sensors.delete(oldestKey);
  }
}

/** "User:alice" → "alice", the user a quota entity names; ANONYMOUS stays "ANONYMOUS", as Kafka's sanitized user. */
export function quotaUser(principal: string): string {
  const at = principal.indexOf(':');
  return at >= 0 ? principal.slice(at + 1) : principal;
}
