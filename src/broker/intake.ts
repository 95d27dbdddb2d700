/**
 * Intake: the broker-wide budget of bytes that clients may make the broker hold, and the gate
 * that stops reading sockets when it is spent (Kafka's queued.max.request.bytes, KIP-72).
 *
 * What is counted, per connection and in total: the bytes of requests received and not yet
 * answered (from the socket chunk that brought them until their handler finishes), and the
 * bytes of encoded responses not yet handed to the kernel. Fetched record bytes are not:
 * they are streamed from files in bounded chunks (fetch-stream.ts).
 *
 * The gate, asked before each frame is read:
 *   - below the budget, every connection reads;
 *   - at or past it, a connection reads (and starts its next request) only while it holds less
 *     than its fair share (the budget divided among the connections holding anything) and less
 *     than LIGHT_CLIENT_BYTES, so the clients that fill the budget (a flood of pipelined
 *     requests, readers that never read) stop first and the light ones (a consumer asking for
 *     metadata, a client with one small request out) are still served; the total stays under
 *     about twice the budget;
 *   - while the partition host's command rings are full (PartitionHost.backlogged), nobody
 *     reads: the requests already read wait for room, and the sockets' own buffers push back.
 * Connections that stopped at the gate are resumed when it opens again.
 *
 * Starting requests: a connection's next request (all but pipelined Produce, which start as they
 * are read) does not start at once but asks (`requestStart`); the requests waiting start from
 * the event loop's check phase, least served connection first, for at most START_SLICE_MS per
 * turn of the loop, so that the poll phase (every other socket) always comes round. A
 * connection's service is the main thread's time its requests took: the synchronous part of
 * each start, timed here, plus the encoding of its answers, estimated from their size
 * (ENCODE_MS_PER_BYTE), halved every SERVICE_HALF_LIFE_MS. A flood of heavy requests
 * (DescribeConfigs of every topic, again and again) piles up service and waits behind a client
 * whose requests are cheap, which is served next whatever the flood: fair queuing by time, so
 * a client asking often but for little is not taken for a flood.
 *
 * Main thread.
 */

/** What the gate asks of a connection. */
export interface IntakeClient {
  /** Bytes this connection holds (requests unanswered, responses unsent). */
  readonly heldBytes: number;
  /** Called when the gate may let it read again. */
  resumeReading(): void;
}

/** Longest a turn of the event loop spends starting requests before it lets sockets be read again. */
export const START_SLICE_MS = 5;
/** How fast a connection's past service is forgotten: halved every second. */
export const SERVICE_HALF_LIFE_MS = 1000;
/** Main-thread time an answer's encoding takes per byte (about 100 MB/s), added to its connection's service. */
export const ENCODE_MS_PER_BYTE = 1e-5;

interface Service {
  /** Milliseconds of service, as of `atMs`. */
  ms: number;
  atMs: number;
}

/** Spindle's default for queued.max.request.bytes: room for a full 1 MiB producer batch from sixty connections at once. */
export const DEFAULT_QUEUED_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

/**
 * Past the budget, what a connection may hold and still be served: a few small requests and
 * answers (32 KiB), well under one chunk of pipelined requests (64 KiB, what a socket read
 * brings) or one large answer, so floods stop and light clients go on.
 */
export const LIGHT_CLIENT_BYTES = 32 * 1024;

export class Intake {
  readonly limitBytes: number;
  private usedBytes = 0;
  private hostBacklogged = false;
  /** Connections holding bytes, for the fair share. */
  private readonly holders = new Set<IntakeClient>();
  /** Connections that stopped at the gate. */
  private readonly waiting = new Set<IntakeClient>();
  private resuming = false;
  /** Requests waiting to start, and each connection's recent service. */
  private readonly starts = new Map<IntakeClient, (() => void)[]>();
  private readonly service = new WeakMap<IntakeClient, Service>();
  private dispatching = false;

  /** `limitBytes` < 0 (Kafka's -1): no byte budget, only the ring backlog gates. */
  constructor(limitBytes: number) {
    this.limitBytes = limitBytes < 0 ? Infinity : limitBytes;
  }

  get heldBytes(): number {
    return this.usedBytes;
  }

  get backlogged(): boolean {
    return this.hostBacklogged;
  }

  /** Whether `c` may read its next frame now; if not, it is resumed when that may change. */
  mayRead(c: IntakeClient): boolean {
    if (this.hostBacklogged) return this.wait(c);
    if (this.usedBytes < this.limitBytes) return true;
    const fairShare = Math.min(LIGHT_CLIENT_BYTES, this.limitBytes / Math.max(1, this.holders.size));
    return c.heldBytes < fairShare || this.wait(c);
  }

  private wait(c: IntakeClient): false {
    this.waiting.add(c);
    return false;
  }

  charge(c: IntakeClient, bytes: number): void {
    this.usedBytes += bytes;
    if (bytes > 0) this.holders.add(c);
  }

  /** Gives bytes back; `c.heldBytes` must already be lowered. */
  release(c: IntakeClient, bytes: number): void {
    this.usedBytes -= bytes;
    if (c.heldBytes <= 0) this.holders.delete(c);
    if (this.waiting.size > 0 && !this.hostBacklogged && this.usedBytes < this.limitBytes) this.resumeWaiting();
  }

  /** A connection closed: it waits for nothing and holds nothing any more. */
  forget(c: IntakeClient): void {
    this.waiting.delete(c);
    this.holders.delete(c);
    this.starts.delete(c);
  }

  /** Queues `start` to be called from the check phase, least served connection first. */
  requestStart(c: IntakeClient, start: () => void): void {
    if (!this.service.has(c)) {
      // A newcomer joins at the service of the least served waiting, not ahead of all of them:
      // two hundred connections arriving at once do not all go before a client already here.
      const now = performance.now();
      let least = 0;
      let first = true;
      for (const w of this.starts.keys()) {
        const s = this.service.get(w);
        const ms = s ? this.decayed(s, now) : 0;
        if (first || ms < least) least = ms;
        first = false;
      }
      this.service.set(c, { ms: least, atMs: now });
    }
    const queued = this.starts.get(c);
    if (queued) queued.push(start);
    else this.starts.set(c, [start]);
    if (!this.dispatching) {
      this.dispatching = true;
      setImmediate(() => this.dispatch());
    }
  }

  /** A connection was given an answer of `bytes`: its service grows by the encoding's estimated time. */
  served(c: IntakeClient, bytes: number): void {
    this.addService(c, bytes * ENCODE_MS_PER_BYTE, performance.now());
  }

  private addService(c: IntakeClient, ms: number, now: number): void {
    const s = this.service.get(c);
    if (!s) this.service.set(c, { ms, atMs: now });
    else {
      s.ms = this.decayed(s, now) + ms;
      s.atMs = now;
    }
  }

  private decayed(s: Service, now: number): number {
    return s.ms * 0.5 ** ((now - s.atMs) / SERVICE_HALF_LIFE_MS);
  }

  private dispatch(): void {
    const began = performance.now();
    while (this.starts.size > 0 && performance.now() - began < START_SLICE_MS) {
      let best: IntakeClient | undefined;
      let least = Infinity;
      const now = performance.now();
      for (const c of this.starts.keys()) {
        const s = this.service.get(c);
        const ms = s ? this.decayed(s, now) : 0;
        if (ms < least) {
          least = ms;
          best = c;
        }
      }
      const queued = this.starts.get(best!)!;
      const start = queued.shift()!;
      if (queued.length === 0) this.starts.delete(best!);
      const startedMs = performance.now();
      start();
      const endedMs = performance.now();
      this.addService(best!, endedMs - startedMs, endedMs);
    }
    if (this.starts.size > 0) setImmediate(() => this.dispatch());
    else this.dispatching = false;
  }

  /** The partition host's rings filled (true) or drained (false). */
  setBacklogged(backlogged: boolean): void {
    this.hostBacklogged = backlogged;
    if (!backlogged && this.waiting.size > 0) this.resumeWaiting();
  }

  private resumeWaiting(): void {
    // One pass at a time: a resumed connection may read, charge and release again.
    if (this.resuming) return;
    this.resuming = true;
    try {
      const waiting = [...this.waiting];
      this.waiting.clear();
      for (const c of waiting) c.resumeReading();
    } finally {
      this.resuming = false;
    }
  }
}
