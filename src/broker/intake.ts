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
 *     than LIGHT_CLIENT_BYTES, or holds nothing but requests it has not started (no request
 *     running, no answer unsent: the rest of a large frame, one request at a time), so the
 *     clients that fill the budget (a flood of pipelined requests, readers that never read)
 *     stop first and the light ones (a consumer asking for metadata, a client with one small
 *     request out) are still served; a request larger than what is left of the budget is still
 *     read and run, so the budget can never stay spent; the total stays under about twice the
 *     budget, plus a frame per connection at most;
 *   - while the partition host's command rings are full (PartitionHost.backlogged), nobody
 *     reads: the requests already read wait for room, and the sockets' own buffers push back.
 * Connections that stopped at the gate are resumed when it opens again.
 *
 * Starting requests: a connection's next request (all but pipelined Produce, which start as they
 * are read) does not start at once but asks (`requestStart`); the requests waiting start from
 * the event loop's check phase, for at most START_SLICE_MS per turn of the loop, so that the
 * poll phase (every other socket) always comes round. Which one starts next is fair queuing by
 * main-thread time (start-time fair queuing): each connection has a virtual finish tag, the
 * sum of what its requests cost the main thread (the synchronous part of each start, timed
 * here, plus the encoding of its answer, estimated from its size at ENCODE_MS_PER_BYTE); a
 * request is tagged on arrival with the later of its connection's finish tag and the virtual
 * time (the tag of the request started last), and the lowest tag starts first; among equal
 * tags, the connection whose requests have cost least (a moving average; DEFAULT_COST_MS before
 * it has any). So every connection gets an equal share of the main thread whatever it asks: a
 * flood of heavy requests (DescribeConfigs of every topic, again and again, from two hundred
 * connections at once) runs one request per connection per round, and a client asking for
 * little is started within a round's first requests, never behind the whole flood. No one
 * starves, and idle time is not banked.
 *
 * Main thread.
 */

/** What the gate asks of a connection. */
export interface IntakeClient {
  /** Bytes this connection holds (requests unanswered, responses unsent). */
  readonly heldBytes: number;
  /** Whether it holds only requests it received and has not started (connection.ts): it may go on past the budget. */
  readonly holdsOnlyRequests: boolean;
  /** Called when the gate may let it read again. */
  resumeReading(): void;
}

/** Longest a turn of the event loop spends starting requests before it lets sockets be read again. */
export const START_SLICE_MS = 5;
/** Main-thread time an answer's encoding takes per byte (about 100 MB/s), part of its request's cost. */
export const ENCODE_MS_PER_BYTE = 1e-5;
/** What a connection's request is expected to cost before any of its requests was measured. */
export const DEFAULT_COST_MS = 1;
/** Weight of the newest request in a connection's moving average of cost. */
const COST_WEIGHT = 0.3;

interface Queued {
  start: () => void;
  /** Its start tag (virtual milliseconds). */
  tag: number;
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
  /** Requests waiting to start, per connection, oldest first. */
  private readonly starts = new Map<IntakeClient, Queued[]>();
  /** Starts of connections the gate stopped when their turn came: queued again when it opens. */
  private readonly parked = new Map<IntakeClient, Queued[]>();
  /** Each connection's moving average of what a request costs the main thread, in ms. */
  private readonly cost = new WeakMap<IntakeClient, number>();
  /** Each connection's virtual finish tag, and the virtual time (the tag last started). */
  private readonly finish = new WeakMap<IntakeClient, number>();
  private virtualMs = 0;
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
    if (this.usedBytes < this.limitBytes || c.holdsOnlyRequests) return true;
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
    const queued = [...(this.starts.get(c) ?? []), ...(this.parked.get(c) ?? [])];
    this.starts.delete(c);
    this.parked.delete(c);
    // Whoever waits to start learns the connection is gone (the start sees it closed).
    for (const q of queued) q.start();
  }

  /** Queues `start` (a request of `frameBytes`) to be called from the check phase, cheapest expected first. */
  requestStart(c: IntakeClient, start: () => void): void {
    this.queueStart(c, { start, tag: Math.max(this.finish.get(c) ?? 0, this.virtualMs) });
  }

  private queueStart(c: IntakeClient, q: Queued): void {
    const queued = this.starts.get(c);
    if (queued) queued.push(q);
    else this.starts.set(c, [q]);
    if (!this.dispatching) {
      this.dispatching = true;
      setImmediate(() => this.dispatch());
    }
  }

  /** A connection was given an answer of `bytes`: its encoding is part of what its requests cost. */
  served(c: IntakeClient, bytes: number): void {
    const encodeMs = bytes * ENCODE_MS_PER_BYTE;
    this.finish.set(c, (this.finish.get(c) ?? this.virtualMs) + encodeMs);
    this.cost.set(c, (this.cost.get(c) ?? DEFAULT_COST_MS) + COST_WEIGHT * encodeMs);
  }

  private noteCost(c: IntakeClient, tag: number, ms: number): void {
    this.finish.set(c, Math.max(this.finish.get(c) ?? 0, tag + ms));
    const known = this.cost.get(c);
    this.cost.set(c, known === undefined ? ms : known + COST_WEIGHT * (ms - known));
  }

  private dispatch(): void {
    const began = performance.now();
    while (this.starts.size > 0 && performance.now() - began < START_SLICE_MS) {
      let best: IntakeClient | undefined;
      let lowestTag = Infinity;
      let lowestCost = Infinity;
      for (const [c, queued] of this.starts) {
        const tag = queued[0]!.tag;
        const cost = this.cost.get(c) ?? DEFAULT_COST_MS;
        if (tag < lowestTag || (tag === lowestTag && cost < lowestCost)) {
          lowestTag = tag;
          lowestCost = cost;
          best = c;
        }
      }
      const queued = this.starts.get(best!)!;
      // The budget may have filled since the request queued: the gate is asked again, and a
      // connection it stops waits, with its starts, until bytes come back.
      if (!this.mayRead(best!)) {
        this.starts.delete(best!);
        this.parked.set(best!, [...(this.parked.get(best!) ?? []), ...queued]);
        continue;
      }
      const q = queued.shift()!;
      if (queued.length === 0) this.starts.delete(best!);
      this.virtualMs = Math.max(this.virtualMs, q.tag);
      const startedMs = performance.now();
      q.start();
      this.noteCost(best!, q.tag, performance.now() - startedMs);
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
      for (const [c, queued] of this.parked) {
        this.parked.delete(c);
        for (const q of queued) this.queueStart(c, q);
      }
      for (const c of waiting) c.resumeReading();
    } finally {
      this.resuming = false;
    }
  }
}
