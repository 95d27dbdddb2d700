/**
 * The ring: a single-producer single-consumer queue of byte messages in a SharedArrayBuffer,
 * the data plane between the broker's main thread and one partition worker. Each worker has
 * two rings, one per direction: commands (the main thread produces, the worker consumes) and
 * answers (the worker produces, the main thread consumes). Control messages (open a
 * partition, shut down) stay on postMessage; the ring only carries bytes and knows nothing of
 * the command format inside them.
 *
 * Layout, in bytes. Every header slot is an Int32 read and written with Atomics; each thread
 * writes its own cache line on the hot path, so the two cores do not fight over one line.
 *
 *     0  ┌──────────────────────────────────────────────┐
 *        │ head              producer writes            │ line 0: the producer's
 *        │ closed            producer writes            │
 *    64  ├──────────────────────────────────────────────┤
 *        │ tail              consumer writes            │ line 1: the consumer's
 *   128  ├──────────────────────────────────────────────┤
 *        │ consumerSleeping  futex word (see below)     │ line 2: written only around
 *        │ producerWaiting   futex word (see below)     │         sleeps, read often
 *   192  ├──────────────────────────────────────────────┤
 *        │ magic, capacityBytes  set once by createRing │ line 3: constant
 *   256  ├──────────────────────────────────────────────┤
 *        │ data area: capacityBytes, a power of two     │
 *        └──────────────────────────────────────────────┘
 *
 * head and tail are free-running byte counters that wrap at 2^32 (Int32 arithmetic, `| 0`);
 * a counter's position in the data area is `counter & (capacityBytes - 1)`, and the bytes in
 * use are `(head - tail) | 0`, which stays exact because capacityBytes <= 2^30 < 2^31. With
 * counters rather than positions, a full ring and an empty one never look alike.
 *
 * Each message is one record, starting on a 4-byte boundary:
 *
 *   ┌──────────────┬───────────────────────┬────────────────────────────┐
 *   │ length int32 │ payload, length bytes │ unused, to a multiple of 4 │
 *   └──────────────┴───────────────────────┴────────────────────────────┘
 *
 * Wrap-around: a record never wraps. When it does not fit between head and the end of the
 * data area, the producer writes PADDING_MARKER (-1) in the length slot at head, skips the
 * rest of the area and writes the record at position 0; the consumer, reading -1, skips to 0.
 * We chose padding over splitting a record in two because then every message is one
 * contiguous view of shared memory: the consumer reads it in place without copying, and the
 * producer can hand out a reservation (tryReserve) into which a record batch is copied
 * straight from its socket frame, once. The price is the skipped tail of the area, and a
 * limit: a record may take at most half the area (maxMessageBytes = capacityBytes / 2 - 4).
 * That limit is what guarantees that an empty ring accepts any allowed message wherever head
 * stands: with the rest of the area r = capacityBytes - position, either the record fits in
 * r, or r < record <= capacityBytes / 2 and padding plus record, r + record, is less than
 * capacityBytes. So a message within the limit only ever waits for the consumer, never
 * forever; a larger one is refused up front (RingMessageTooLargeError).
 *
 * Wake-ups. The consumer drains everything available, then goes to sleep in three steps:
 * (1) store consumerSleeping = 1, (2) load head and closed again, and stay awake if either
 * moved, (3) Atomics.wait (worker) or Atomics.waitAsync (main thread) on consumerSleeping
 * while it still holds 1. The producer publishes by (a) storing head (or closed), then
 * (b) loading consumerSleeping, and only if it reads 1, exchanging it to 0 and calling
 * Atomics.notify. All these are sequentially consistent, so one of two orders holds: either
 * (b) comes before (1), and then (2) comes after (a) and sees the new head; or (b) comes
 * after (1), reads 1, and the producer clears the flag and notifies, and then the wait in (3)
 * either is already asleep and is woken, or starts later, finds 0 instead of 1, and returns
 * at once. No wake-up is lost, and a producer that finds the consumer awake pays one load.
 * The producer waiting for space is the mirror image: it stores producerWaiting = 1, loads
 * tail again, and waits on producerWaiting; the consumer, after storing tail, notifies only
 * when it reads 1 there. Waiting on the flag words rather than on head and tail also means a
 * notify for one side can never wake the other.
 *
 * A pending Atomics.waitAsync does not keep Node's event loop alive; the Worker on the other
 * side of the ring does, as long as it runs.
 *
 * Threads: exactly one RingProducer and one RingConsumer per ring, each used by one thread
 * (the two may share a thread, as the tests and the microbenchmark do). The *Sync waits
 * block and are refused on the main thread; the main thread uses the async ones.
 */
import { isMainThread } from 'node:worker_threads';

export const CACHE_LINE_BYTES = 64;
export const RING_HEADER_BYTES = 4 * CACHE_LINE_BYTES;

/** Int32 indexes of the header slots; line n starts at index n * 16. */
export const RingSlot = Object.freeze({
  head: 0,
  closed: 1,
  tail: 16,
  consumerSleeping: 32,
  producerWaiting: 33,
  magic: 48,
  capacityBytes: 49,
} as const);

/** "RING" in ASCII: tells a ring from any other SharedArrayBuffer handed to a worker. */
export const RING_MAGIC = 0x52494e47;
export const RECORD_HEADER_BYTES = 4;
export const RECORD_ALIGN_BYTES = 4;
/** In a length slot: the rest of the data area is unused, the next record is at position 0. */
export const PADDING_MARKER = -1;
/** Small enough for tests to force wrap-arounds; a worker's rings are far larger. */
export const MIN_RING_CAPACITY_BYTES = 64;
/** Bytes in use must fit a positive Int32: (head - tail) | 0 is exact up to 2^31 - 1. */
export const MAX_RING_CAPACITY_BYTES = 2 ** 30;

const SLOT_BYTES = Int32Array.BYTES_PER_ELEMENT;
const lineOf = (slot: number): number => Math.floor((slot * SLOT_BYTES) / CACHE_LINE_BYTES);

check(lineOf(RingSlot.head) === 0 && lineOf(RingSlot.closed) === 0, 'producer slots on line 0');
check(lineOf(RingSlot.tail) === 1, 'tail on line 1');
check(lineOf(RingSlot.consumerSleeping) === 2 && lineOf(RingSlot.producerWaiting) === 2, 'futex words on line 2');
check(lineOf(RingSlot.magic) === 3 && lineOf(RingSlot.capacityBytes) === 3, 'constants on line 3');
check(RING_HEADER_BYTES % CACHE_LINE_BYTES === 0 && RING_HEADER_BYTES % RECORD_ALIGN_BYTES === 0, 'data area aligned');
check(RECORD_HEADER_BYTES % RECORD_ALIGN_BYTES === 0 && RECORD_ALIGN_BYTES === SLOT_BYTES, 'length slots are aligned Int32s');
check(MIN_RING_CAPACITY_BYTES % RECORD_ALIGN_BYTES === 0, 'positions stay aligned when the data area wraps');

/** A message longer than the ring can ever hold: a sizing error, not a wait. */
export class RingMessageTooLargeError extends RangeError {
  override readonly name = 'RingMessageTooLargeError';

  constructor(
    readonly messageBytes: number,
    readonly maxMessageBytes: number,
    readonly capacityBytes: number,
  ) {
    super(
      `message of ${messageBytes} bytes is larger than the ring allows: at most ${maxMessageBytes} bytes ` +
        `(half the ${capacityBytes}-byte data area, less the ${RECORD_HEADER_BYTES}-byte length)`,
    );
  }
}

/** The largest message a ring of this capacity carries (see the header: why half). */
export function maxMessageBytesFor(capacityBytes: number): number {
  return capacityBytes / 2 - RECORD_HEADER_BYTES;
}

/** Bytes a message of `length` takes in the data area, length slot and alignment included. */
export function recordBytes(length: number): number {
  return (RECORD_HEADER_BYTES + length + RECORD_ALIGN_BYTES - 1) & ~(RECORD_ALIGN_BYTES - 1);
}

/**
 * Allocates a ring with a data area of `capacityBytes`, a power of two from
 * MIN_RING_CAPACITY_BYTES to MAX_RING_CAPACITY_BYTES. The SharedArrayBuffer goes to the
 * worker in workerData or postMessage, which share it rather than copy it.
 */
export function createRing(capacityBytes: number): SharedArrayBuffer {
  if (
    !Number.isInteger(capacityBytes) ||
    capacityBytes < MIN_RING_CAPACITY_BYTES ||
    capacityBytes > MAX_RING_CAPACITY_BYTES ||
    (capacityBytes & (capacityBytes - 1)) !== 0
  ) {
    throw new RangeError(
      `ring capacity must be a power of two from ${MIN_RING_CAPACITY_BYTES} to ${MAX_RING_CAPACITY_BYTES} bytes, got ${capacityBytes}`,
    );
  }
  const ring = new SharedArrayBuffer(RING_HEADER_BYTES + capacityBytes);
  const header = new Int32Array(ring, 0, RING_HEADER_BYTES / SLOT_BYTES);
  header[RingSlot.magic] = RING_MAGIC;
  header[RingSlot.capacityBytes] = capacityBytes;
  return ring;
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
/** Node 20 has Atomics.waitAsync; TypeScript declares it only from lib ES2024. */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult })
  .waitAsync;

interface RingViews {
  header: Int32Array;
  /** The data area as bytes, for payloads. */
  data: Buffer;
  /** The same data area as Int32s, for length slots (positions are 4-aligned). */
  words: Int32Array;
  capacityBytes: number;
}

function openRing(ring: SharedArrayBuffer): RingViews {
  check(ring instanceof SharedArrayBuffer && ring.byteLength > RING_HEADER_BYTES, 'a ring is a SharedArrayBuffer from createRing');
  const header = new Int32Array(ring, 0, RING_HEADER_BYTES / SLOT_BYTES);
  const capacityBytes = Atomics.load(header, RingSlot.capacityBytes);
  check(Atomics.load(header, RingSlot.magic) === RING_MAGIC, 'ring magic');
  check(ring.byteLength === RING_HEADER_BYTES + capacityBytes, 'ring size matches its header');
  return {
    header,
    data: Buffer.from(ring, RING_HEADER_BYTES, capacityBytes),
    words: new Int32Array(ring, RING_HEADER_BYTES, capacityBytes / SLOT_BYTES),
    capacityBytes,
  };
}

/** Milliseconds left before `deadline` (performance.now() time), Infinity for no deadline. */
function remainingMs(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

/** Whether `promise` (one that never rejects) settles within `ms`. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  if (ms === Infinity) {
    await promise;
    return true;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function deadlineAfter(timeoutMs: number): number {
  check(timeoutMs >= 0, 'timeoutMs >= 0');
  return timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
}

/**
 * The writing end, used in one of two ways: write(), which queues behind a full ring by
 * itself; or tryWrite/tryReserve, with waitForSpace when they find no room and a queue of the
 * caller's own. Messages are published in call order: while write() calls are queued,
 * tryWrite and tryReserve answer "no room" rather than overtake them.
 */
export class RingProducer {
  readonly capacityBytes: number;
  readonly maxMessageBytes: number;
  private readonly header: Int32Array;
  private readonly data: Buffer;
  private readonly words: Int32Array;
  private readonly mask: number;
  /** Our copy of the head slot, which only we write. */
  private head: number;
  /** The tail as last loaded: the free space is at least what this says. */
  private tailSeen: number;
  /** Length of the outstanding reservation, -1 when there is none. */
  private reservedLength = -1;
  /** Bytes skipped to the end of the area before the reserved record (0 if it did not wrap). */
  private reservedPaddingBytes = 0;
  private queuedWrites = 0;
  /** Our copy of the closed slot, which only we write. */
  private closed: boolean;
  private writeChain: Promise<void> = Promise.resolve();
  private spaceWaiters = 0;

  constructor(ring: SharedArrayBuffer) {
    const v = openRing(ring);
    this.header = v.header;
    this.data = v.data;
    this.words = v.words;
    this.capacityBytes = v.capacityBytes;
    this.maxMessageBytes = maxMessageBytesFor(v.capacityBytes);
    this.mask = v.capacityBytes - 1;
    this.head = Atomics.load(v.header, RingSlot.head);
    this.tailSeen = Atomics.load(v.header, RingSlot.tail);
    this.closed = Atomics.load(v.header, RingSlot.closed) === 1;
  }

  /** Bytes the consumer has not yet released, as of the last look at the tail. */
  get usedBytes(): number {
    this.tailSeen = Atomics.load(this.header, RingSlot.tail);
    return (this.head - this.tailSeen) | 0;
  }

  /**
   * A view of `length` bytes inside the ring for the caller to fill, or null when the ring
   * has no room yet. Nothing is visible to the consumer until commit(); the view must be
   * filled and committed before this producer is used again.
   */
  tryReserve(length: number): Buffer | null {
    this.checkLength(length);
    if (this.queuedWrites > 0) return null;
    const start = this.reserveNow(length);
    return start < 0 ? null : this.data.subarray(start, start + length);
  }

  /**
   * Publishes the reservation with its first `length` bytes (all of them by default; fewer
   * when the caller reserved for the worst case) and wakes the consumer if it sleeps.
   */
  commit(length = this.reservedLength): void {
    check(this.reservedLength >= 0, 'commit follows tryReserve');
    check(Number.isInteger(length) && length >= 0 && length <= this.reservedLength, 'commit at most the bytes reserved');
    let position = this.head & this.mask;
    if (this.reservedPaddingBytes > 0) {
      this.words[position >> 2] = PADDING_MARKER;
      position = 0;
    }
    this.words[position >> 2] = length;
    this.head = (this.head + this.reservedPaddingBytes + recordBytes(length)) | 0;
    this.reservedLength = -1;
    this.reservedPaddingBytes = 0;
    // (a) of the wake-up protocol: every byte of the record is written before head moves.
    Atomics.store(this.header, RingSlot.head, this.head);
    this.wakeConsumer();
  }

  /** Copies `message` into the ring and publishes it; false when the ring has no room yet. */
  tryWrite(message: Uint8Array): boolean {
    this.checkLength(message.length);
    if (this.queuedWrites > 0) return false;
    return this.writeNow(message);
  }

  /**
   * Writes `message`, waiting without blocking for room when the ring is full. Queued writes
   * go out in call order; the caller must leave `message` unchanged until the promise
   * settles. A message over maxMessageBytes throws at once.
   */
  write(message: Uint8Array): Promise<void> {
    this.checkLength(message.length);
    check(this.reservedLength < 0, 'commit the reservation before writing');
    if (this.queuedWrites === 0 && this.tryWrite(message)) return Promise.resolve();
    this.queuedWrites++;
    const written = this.writeChain.then(() => this.writeWhenRoom(message));
    const dequeue = (): void => {
      this.queuedWrites--;
    };
    this.writeChain = written.then(dequeue, dequeue);
    return written;
  }

  /**
   * Resolves true once a message of `length` bytes fits, false after `timeoutMs`. Never
   * blocks the thread (Atomics.waitAsync). Queued write() calls go first: it waits for them
   * to settle before it looks for room.
   */
  async waitForSpace(length: number, timeoutMs = Infinity): Promise<boolean> {
    this.checkLength(length);
    const deadline = deadlineAfter(timeoutMs);
    while (this.queuedWrites > 0) {
      if (!(await settlesWithin(this.writeChain, remainingMs(deadline)))) return false;
    }
    return this.waitForRoom(length, deadline);
  }

  /** The wait itself; one waiter at a time, as there is one producer. */
  private async waitForRoom(length: number, deadline: number): Promise<boolean> {
    check(this.spaceWaiters === 0, 'one waiter for space at a time');
    this.spaceWaiters++;
    try {
      for (;;) {
        if (this.hasRoomFor(length)) return true;
        if (!this.announceWaiting(length)) return true;
        const left = remainingMs(deadline);
        if (left === 0) return this.stopWaiting(length);
        const r = waitAsync(this.header, RingSlot.producerWaiting, 1, left);
        if (r.async) await r.value;
        Atomics.store(this.header, RingSlot.producerWaiting, 0);
      }
    } finally {
      this.spaceWaiters--;
    }
  }

  /** As waitForSpace, blocking the thread with Atomics.wait: for workers only. */
  waitForSpaceSync(length: number, timeoutMs = Infinity): boolean {
    check(!isMainThread, 'the main thread never blocks: use waitForSpace');
    this.checkLength(length);
    const deadline = deadlineAfter(timeoutMs);
    for (;;) {
      if (this.hasRoomFor(length)) return true;
      if (!this.announceWaiting(length)) return true;
      const left = remainingMs(deadline);
      if (left === 0) return this.stopWaiting(length);
      Atomics.wait(this.header, RingSlot.producerWaiting, 1, left);
      Atomics.store(this.header, RingSlot.producerWaiting, 0);
    }
  }

  /**
   * Tells the consumer no more messages will come. It reads what is in the ring, then its
   * waits answer false. Call after the last write has settled.
   */
  close(): void {
    check(this.reservedLength < 0 && this.queuedWrites === 0, 'close after the last write has settled');
    this.closed = true;
    Atomics.store(this.header, RingSlot.closed, 1);
    this.wakeConsumer();
  }

  private checkLength(length: number): void {
    check(Number.isInteger(length) && length >= 0, 'a message length is a non-negative integer');
    if (length > this.maxMessageBytes) throw new RingMessageTooLargeError(length, this.maxMessageBytes, this.capacityBytes);
  }

  /** Bytes a record of `length` needs from head: itself, plus the padding when it would wrap. */
  private neededBytes(length: number): number {
    const record = recordBytes(length);
    const toEnd = this.capacityBytes - (this.head & this.mask);
    return record <= toEnd ? record : toEnd + record;
  }

  private hasRoomFor(length: number): boolean {
    const needed = this.neededBytes(length);
    if (this.capacityBytes - ((this.head - this.tailSeen) | 0) >= needed) return true;
    this.tailSeen = Atomics.load(this.header, RingSlot.tail);
    return this.capacityBytes - ((this.head - this.tailSeen) | 0) >= needed;
  }

  /** Reserves room for `length` bytes and answers where they start in the data area, or -1. */
  private reserveNow(length: number): number {
    check(this.reservedLength < 0, 'one reservation at a time: commit before reserving again');
    check(!this.closed, 'no writes after close');
    if (!this.hasRoomFor(length)) return -1;
    const position = this.head & this.mask;
    const toEnd = this.capacityBytes - position;
    const wraps = recordBytes(length) > toEnd;
    this.reservedLength = length;
    this.reservedPaddingBytes = wraps ? toEnd : 0;
    return (wraps ? 0 : position) + RECORD_HEADER_BYTES;
  }

  /** Copies `message` in and publishes it, if there is room; no view is made for it. */
  private writeNow(message: Uint8Array): boolean {
    const start = this.reserveNow(message.length);
    if (start < 0) return false;
    this.data.set(message, start);
    this.commit();
    return true;
  }

  private async writeWhenRoom(message: Uint8Array): Promise<void> {
    while (!this.writeNow(message)) await this.waitForRoom(message.length, Infinity);
  }

  /**
   * Step one of waiting for space: raise producerWaiting, then look at the tail again, since
   * the consumer may have freed space after our last look and before it could see the flag.
   * Returns false (flag lowered) when that second look finds room.
   */
  private announceWaiting(length: number): boolean {
    Atomics.store(this.header, RingSlot.producerWaiting, 1);
    if (!this.hasRoomFor(length)) return true;
    Atomics.store(this.header, RingSlot.producerWaiting, 0);
    return false;
  }

  private stopWaiting(length: number): boolean {
    Atomics.store(this.header, RingSlot.producerWaiting, 0);
    return this.hasRoomFor(length);
  }

  /** (b) of the wake-up protocol: one load when the consumer is awake, the common case. */
  private wakeConsumer(): void {
    if (Atomics.load(this.header, RingSlot.consumerSleeping) === 1 && Atomics.exchange(this.header, RingSlot.consumerSleeping, 0) === 1) {
      Atomics.notify(this.header, RingSlot.consumerSleeping);
    }
  }
}

/**
 * The reading end. A message is a view of the ring's memory, valid until it is released:
 * whoever needs the bytes longer copies them (or, better, finishes with them first).
 */
export class RingConsumer {
  readonly capacityBytes: number;
  readonly maxMessageBytes: number;
  private readonly header: Int32Array;
  private readonly data: Buffer;
  private readonly words: Int32Array;
  private readonly mask: number;
  /** Our copy of the tail slot, which only we write. */
  private tail: number;
  /** The head as last loaded: at least this much has been published. */
  private headSeen: number;
  /** Bytes the peeked message occupies, padding before it included; 0 when none is peeked. */
  private peekedBytes = 0;
  private messageWaiters = 0;

  constructor(ring: SharedArrayBuffer) {
    const v = openRing(ring);
    this.header = v.header;
    this.data = v.data;
    this.words = v.words;
    this.capacityBytes = v.capacityBytes;
    this.maxMessageBytes = maxMessageBytesFor(v.capacityBytes);
    this.mask = v.capacityBytes - 1;
    this.tail = Atomics.load(v.header, RingSlot.tail);
    this.headSeen = Atomics.load(v.header, RingSlot.head);
  }

  /** True once the producer has closed the ring; messages may still be waiting in it. */
  get closed(): boolean {
    return Atomics.load(this.header, RingSlot.closed) === 1;
  }

  /** Whether a message is waiting (loads the head only when the last look found none). */
  hasMessages(): boolean {
    if (this.headSeen !== this.tail) return true;
    this.headSeen = Atomics.load(this.header, RingSlot.head);
    return this.headSeen !== this.tail;
  }

  /**
   * The next message as a view of shared memory, without copying, or null when none is
   * waiting. The view stays valid until release(); peek again only after releasing.
   */
  peek(): Buffer | null {
    check(this.peekedBytes === 0, 'release the message before peeking the next');
    if (!this.hasMessages()) return null;
    const available = (this.headSeen - this.tail) | 0;
    let position = this.tail & this.mask;
    let skippedBytes = 0;
    let length = this.words[position >> 2]!;
    if (length === PADDING_MARKER) {
      skippedBytes = this.capacityBytes - position;
      position = 0;
      length = this.words[0]!;
    }
    check(
      length >= 0 && length <= this.maxMessageBytes && skippedBytes + recordBytes(length) <= available,
      'a record lies within the published bytes',
    );
    this.peekedBytes = skippedBytes + recordBytes(length);
    const start = position + RECORD_HEADER_BYTES;
    return this.data.subarray(start, start + length);
  }

  /** Frees the peeked message's space and wakes the producer if it waits for space. */
  release(): void {
    check(this.peekedBytes > 0, 'release follows peek');
    this.tail = (this.tail + this.peekedBytes) | 0;
    this.peekedBytes = 0;
    Atomics.store(this.header, RingSlot.tail, this.tail);
    if (Atomics.load(this.header, RingSlot.producerWaiting) === 1 && Atomics.exchange(this.header, RingSlot.producerWaiting, 0) === 1) {
      Atomics.notify(this.header, RingSlot.producerWaiting);
    }
  }

  /**
   * Hands every waiting message (up to `maxMessages`) to `onMessage`, releasing each after
   * its call returns, and answers how many there were. Messages the producer publishes
   * meanwhile are drained too: one wake-up, as many messages as there are.
   */
  drain(onMessage: (message: Buffer) => void, maxMessages = Infinity): number {
    let count = 0;
    while (count < maxMessages) {
      const message = this.peek();
      if (message === null) break;
      try {
        onMessage(message);
      } finally {
        this.release();
      }
      count++;
    }
    return count;
  }

  /**
   * Resolves true when a message is waiting, false when the ring is closed and empty or
   * `timeoutMs` passed. Never blocks the thread (Atomics.waitAsync): the main thread's wait.
   */
  async waitForMessages(timeoutMs = Infinity): Promise<boolean> {
    check(this.peekedBytes === 0 && this.messageWaiters === 0, 'one waiter, holding no message');
    const deadline = deadlineAfter(timeoutMs);
    this.messageWaiters++;
    try {
      for (;;) {
        if (this.hasMessages()) return true;
        if (this.closed) return false;
        if (!this.announceSleeping()) return this.hasMessages();
        const left = remainingMs(deadline);
        if (left === 0) return this.wakeUp();
        const r = waitAsync(this.header, RingSlot.consumerSleeping, 1, left);
        if (r.async) await r.value;
        Atomics.store(this.header, RingSlot.consumerSleeping, 0);
      }
    } finally {
      this.messageWaiters--;
    }
  }

  /** As waitForMessages, blocking the thread with Atomics.wait: for workers only. */
  waitForMessagesSync(timeoutMs = Infinity): boolean {
    check(!isMainThread, 'the main thread never blocks: use waitForMessages');
    check(this.peekedBytes === 0, 'release the message before waiting');
    const deadline = deadlineAfter(timeoutMs);
    for (;;) {
      if (this.hasMessages()) return true;
      if (this.closed) return false;
      if (!this.announceSleeping()) return this.hasMessages();
      const left = remainingMs(deadline);
      if (left === 0) return this.wakeUp();
      Atomics.wait(this.header, RingSlot.consumerSleeping, 1, left);
      Atomics.store(this.header, RingSlot.consumerSleeping, 0);
    }
  }

  /**
   * Steps (1) and (2) of the wake-up protocol: raise the flag, then look at head and closed
   * again. Returns false (flag lowered) when the second look finds a reason to stay awake.
   */
  private announceSleeping(): boolean {
    Atomics.store(this.header, RingSlot.consumerSleeping, 1);
    if (!this.hasMessages() && !this.closed) return true;
    Atomics.store(this.header, RingSlot.consumerSleeping, 0);
    return false;
  }

  private wakeUp(): boolean {
    Atomics.store(this.header, RingSlot.consumerSleeping, 0);
    return this.hasMessages();
  }
}

/** Broken invariants are programmer errors: they crash loudly. */
function check(condition: boolean, invariant: string): asserts condition {
  if (!condition) throw new Error(`ring invariant broken: ${invariant}`);
}
