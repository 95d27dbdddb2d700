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
 *   - at or past it, a connection reads only while it holds less than its fair share (the budget
 *     divided among the connections holding anything), so the clients that fill the budget (a
 *     flood of pipelined requests, readers that never read) stop first and the others are still
 *     served; the total stays under twice the budget;
 *   - while the partition host's command rings are full (PartitionHost.backlogged), nobody
 *     reads: the requests already read wait for room, and the sockets' own buffers push back.
 * Connections that stopped at the gate are resumed when it opens again.
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

/** Spindle's default for queued.max.request.bytes: room for a full 1 MiB producer batch from sixty connections at once. */
export const DEFAULT_QUEUED_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

export class Intake {
  readonly limitBytes: number;
  private usedBytes = 0;
  private hostBacklogged = false;
  /** Connections holding bytes, for the fair share. */
  private readonly holders = new Set<IntakeClient>();
  /** Connections that stopped at the gate. */
  private readonly waiting = new Set<IntakeClient>();
  private resuming = false;

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
    const fairShare = this.limitBytes / Math.max(1, this.holders.size);
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
