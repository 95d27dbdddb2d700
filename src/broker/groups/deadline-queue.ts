/**
 * DeadlineQueue: every timer of the group coordinator in one place — member sessions, pending
 * members' first joins, join phases (the initial rebalance delay and the rebalance timeout),
 * pending syncs, and the offsets retention check.
 *
 *   heap (min by at, then seq)          host timer
 *   ┌──────────────────────────┐
 *   │ [0] earliest deadline ───┼────────► one setTimeout, armed for heap[0].at
 *   │ [1] [2] …                │
 *   └──────────────────────────┘
 *
 * A Deadline is an object its owner keeps (a member holds its session deadline) and knows its
 * own position in the heap, so rescheduling after a heartbeat is a sift in place — O(log n),
 * no allocation and no stale entries left behind — and cancelling is a removal. A group with
 * no members has nothing queued, so idle groups cost nothing.
 *
 * The host timer is re-armed only when the earliest deadline moves earlier. When it moves later
 * (a heartbeat pushes the head's session further), the armed timer is left alone: it fires
 * early, finds nothing due, and arms again for the new head. So a stream of heartbeats costs
 * heap sifts, not a clearTimeout/setTimeout pair each.
 *
 * Time and the host timer come from a Scheduler, so unit tests drive time by hand.
 *
 * Main thread; callbacks run on it, one after another.
 */

/** The clock and the one host timer. */
export interface Scheduler {
  now(): number;
  setTimer(fire: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** setTimeout holds a signed 32-bit delay; longer ones would fire at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The host timer of systemScheduler: the timeout, then the turn it hands the deadlines to. */
interface SystemTimer {
  timeout: NodeJS.Timeout;
  immediate: NodeJS.Immediate | undefined;
}

/**
 * Node's timers. When the timer is due, the deadlines run one turn later (setImmediate), after
 * the event loop has read the sockets: Node runs due timers before it polls for I/O, so after
 * the main thread was held up (a slow disk under a synchronous call, a long collection) a
 * session deadline would otherwise fire before the heartbeat that arrived in time was read.
 */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  setTimer(fire, delayMs) {
    const timer: SystemTimer = {
      timeout: setTimeout(() => {
        timer.immediate = setImmediate(fire);
        timer.immediate.unref();
      }, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS)),
      immediate: undefined,
    };
    // The listeners keep a broker alive; a pending group timer alone must not.
    timer.timeout.unref();
    return timer;
  },
  clearTimer(handle) {
    const timer = handle as SystemTimer;
    clearTimeout(timer.timeout);
    if (timer.immediate) clearImmediate(timer.immediate);
  },
};

export class Deadline {
  /** When it fires (scheduler time, ms); meaningful while queued. */
  at = 0;
  /** Order among deadlines due at the same time: the one scheduled first fires first. */
  seq = 0;
  /** Position in the heap; -1 when not queued. */
  index = -1;

  constructor(readonly fire: () => void) {}

  get queued(): boolean {
    return this.index >= 0;
  }
}

const before = (a: Deadline, b: Deadline): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class DeadlineQueue {
  private readonly heap: Deadline[] = [];
  private readonly scheduler: Scheduler;
  private handle: unknown = undefined;
  /** When the host timer fires; Infinity when none is armed. */
  private armedAt = Infinity;
  private nextSeq = 0;
  private closed = false;

  constructor(scheduler: Scheduler) {
    this.scheduler = scheduler;
  }

  now(): number {
    return this.scheduler.now();
  }

  get size(): number {
    return this.heap.length;
  }

  /** (Re)schedules `d` to fire `delayMs` from now, replacing any earlier schedule of it. */
  schedule(d: Deadline, delayMs: number): void {
    if (this.closed) return;
    d.at = this.scheduler.now() + Math.max(0, delayMs);
    d.seq = this.nextSeq++;
    if (d.index < 0) {
      d.index = this.heap.length;
      this.heap.push(d);
      this.siftUp(d.index);
    } else {
      this.siftUp(d.index);
      this.siftDown(d.index);
    }
    this.arm();
  }

  cancel(d: Deadline): void {
    const i = d.index;
    if (i < 0) return;
    const last = this.heap.pop()!;
    d.index = -1;
    if (last !== d) {
      this.heap[i] = last;
      last.index = i;
      this.siftUp(i);
      this.siftDown(last.index);
    }
    // The armed timer may now be early; it will re-arm when it fires.
  }

  /** Drops every deadline and the host timer; later schedules are ignored. */
  close(): void {
    this.closed = true;
    for (const d of this.heap) d.index = -1;
    this.heap.length = 0;
    if (this.handle !== undefined) this.scheduler.clearTimer(this.handle);
    this.handle = undefined;
    this.armedAt = Infinity;
  }

  private arm(): void {
    const head = this.heap[0];
    if (!head || head.at >= this.armedAt) return;
    if (this.handle !== undefined) this.scheduler.clearTimer(this.handle);
    this.armedAt = head.at;
    this.handle = this.scheduler.setTimer(() => this.onTimer(), head.at - this.scheduler.now());
  }

  /**
   * Fires every deadline due now that was scheduled before this run began. One scheduled by a
   * callback for "now" waits for the next turn of the host timer, so a callback that keeps
   * rescheduling itself with no delay cannot starve the event loop.
   */
  private onTimer(): void {
    this.handle = undefined;
    this.armedAt = Infinity;
    const now = this.scheduler.now();
    const seqLimit = this.nextSeq;
    for (let head = this.heap[0]; head && head.at <= now && head.seq < seqLimit && !this.closed; head = this.heap[0]) {
      this.cancel(head);
      head.fire();
    }
    if (!this.closed) this.arm();
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const d = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!before(d, p)) break;
      h[i] = p;
      p.index = i;
      i = parent;
    }
    h[i] = d;
    d.index = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const d = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      const child = h[c]!;
      if (!before(child, d)) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = d;
    d.index = i;
  }
}
