/**
 * The output side of the streaming decoders: a window of recent output that a decoder writes
 * into and hands to its consumer (a ByteSink) piece by piece, keeping behind the write position
 * only the history its format can refer back to.
 *
 *   buf  [ history kept ........ | handed to the sink | pending          | room       ]
 *        0                            ...            mark               pos          buf.length
 *
 * `room(n)` guarantees n writable bytes at `pos`: when the buffer is full it hands the pending
 * bytes to the sink, then either grows the buffer (up to history + slack) or slides the last
 * `history` bytes to the front. The slack, the room beyond the history, is STREAM_SPAN_BYTES or
 * a quarter of the history, whichever is more, so a slide moves at most four bytes per byte
 * produced (an 8 MiB history sliding every 256 KiB would move 32). Pending bytes are handed over
 * when the buffer is full, and at any `room` call once STREAM_SPAN_BYTES of them have gathered
 * (the decoders call it at least once a block), so a consumer that refuses the data stops a
 * decoder early. `flush()` hands over what is pending; the decoders call it at the end of each
 * frame.
 *
 * Every byte handed over counts against the stream's limit (MAX_DECOMPRESSED_BYTES for a batch):
 * the decoder is stopped with a StreamError as soon as it is passed. The sink may throw to stop
 * the decoder too; whatever it throws passes through the decoder unchanged.
 *
 * One window per thread (`threadWindow()`), reused by every decompression on that thread: its
 * buffer grows to what the largest stream needed and stays, within MAX_WINDOW_BYTES (limits.ts).
 * Decoding is synchronous and never re-entered, so one is enough.
 */
import { streamFail } from './errors.js';
import { MAX_DECOMPRESSED_BYTES, MAX_HISTORY_BYTES, MAX_WINDOW_BYTES, STREAM_SPAN_BYTES } from './limits.js';

export { StreamError, streamFail } from './errors.js';

/** Takes decompressed bytes buf[start, end), in stream order. The bytes are only valid during the call. */
export interface ByteSink {
  take(buf: Uint8Array, start: number, end: number): void;
}

/**
 * The compressing counterpart, for recompression (recompress.ts): takes the original bytes in
 * pieces and gathers the compressed stream, holding at most one block of input besides it.
 */
export interface StreamEncoder extends ByteSink {
  /** Compressed bytes gathered so far. */
  readonly size: number;
  /** Ends the stream and returns all of it, in order. */
  finish(): Buffer[];
}

/** The identity encoder: the bytes themselves, copied (the window reuses its buffer). */
export class CopyEncoder implements StreamEncoder {
  size = 0;
  private readonly parts: Buffer[] = [];

  take(buf: Uint8Array, start: number, end: number): void {
    this.parts.push(Buffer.from(buf.subarray(start, end)));
    this.size += end - start;
  }

  finish(): Buffer[] {
    return this.parts;
  }
}

const NO_SINK: ByteSink = { take: () => {} };

export class OutputWindow {
  buf: Uint8Array = Buffer.alloc(0);
  /** Where the next byte goes. */
  pos = 0;
  /** Start of the bytes not yet handed to the sink. */
  mark = 0;
  /** Bytes handed to the sink since `open`. */
  total = 0;
  /** Bytes behind `pos` that must stay in the buffer when it slides. */
  private history = 0;
  /** The most the buffer holds for this stream: history + slack. */
  private capacity = STREAM_SPAN_BYTES;
  private limit = MAX_DECOMPRESSED_BYTES;
  private sink: ByteSink = NO_SINK;
  private codec = '';
  /** Called with each piece just before the sink: content checksums. */
  hash: ((buf: Uint8Array, start: number, end: number) => void) | undefined;

  /** Starts a stream: nothing pending, no history, `limit` bytes at most for `sink`. */
  open(codec: string, sink: ByteSink, limit = MAX_DECOMPRESSED_BYTES): void {
    this.codec = codec;
    this.sink = sink;
    this.limit = limit;
    this.pos = 0;
    this.mark = 0;
    this.total = 0;
    this.history = 0;
    this.capacity = STREAM_SPAN_BYTES;
    this.hash = undefined;
  }

  /** Ends the stream, dropping the sink (the window outlives it). */
  close(): void {
    this.sink = NO_SINK;
    this.hash = undefined;
  }

  /**
   * How many bytes behind the write position the decoder may refer to from now on, at most
   * MAX_HISTORY_BYTES; bytes already further back may be dropped at the next slide.
   */
  setHistory(bytes: number): void {
    if (!(bytes >= 0 && bytes <= MAX_HISTORY_BYTES)) throw new RangeError(`history of ${bytes} bytes`);
    this.history = bytes;
    this.capacity = bytes + Math.max(STREAM_SPAN_BYTES, bytes >>> 2);
  }

  /**
   * Makes `n` bytes (at most STREAM_SPAN_BYTES) writable at `pos`, handing over the pending bytes
   * first when there are STREAM_SPAN_BYTES of them. `buf` and `pos` may change.
   */
  room(n: number): void {
    if (this.pos - this.mark >= STREAM_SPAN_BYTES) this.flush();
    if (this.buf.length - this.pos >= n) return;
    if (!(n >= 0 && n <= STREAM_SPAN_BYTES)) throw new RangeError(`room for ${n} bytes`);
    this.flush();
    const capacity = this.capacity;
    if (this.pos + n <= capacity) {
      // Still within what this stream may keep: grow, keeping everything.
      this.grow(Math.min(capacity, Math.max(2 * this.buf.length, this.pos + n, 64 * 1024)));
      return;
    }
    const keep = Math.min(this.history, this.pos);
    this.buf.copyWithin(0, this.pos - keep, this.pos);
    this.pos = keep;
    this.mark = keep;
    if (this.buf.length - this.pos < n) this.grow(Math.min(MAX_WINDOW_BYTES, Math.max(this.pos + n, capacity)));
  }

  /** Hands the pending bytes to the sink. */
  flush(): void {
    const start = this.mark;
    const end = this.pos;
    if (end === start) return;
    this.total += end - start;
    if (this.total > this.limit) streamFail(this.codec, `decompresses to more than the limit of ${this.limit} bytes`);
    this.mark = end;
    this.hash?.(this.buf, start, end);
    this.sink.take(this.buf, start, end);
  }

  private grow(size: number): void {
    if (size <= this.buf.length) return;
    // Not zero-filled: pages are only committed where output is written.
    const next = Buffer.allocUnsafeSlow(size);
    next.set(this.buf.subarray(0, this.pos), 0);
    this.buf = next;
  }
}

/**
 * Copies the match of n bytes from `offset` back to buf[dp] and returns the new end. A match
 * longer than its offset repeats its first `offset` bytes: it is copied in runs, each a whole
 * number of periods long and about twice the last, from that many bytes back, so each run is a
 * plain copy of bytes already written.
 */
export function copyMatch(buf: Uint8Array, dp: number, offset: number, n: number): number {
  const from = dp - offset;
  if (n <= 32) {
    for (let i = 0; i < n; i++) buf[dp + i] = buf[from + i]!;
    return dp + n;
  }
  if (offset >= n) {
    buf.copyWithin(dp, from, from + n);
    return dp + n;
  }
  const stop = dp + n;
  if (offset < 8) {
    // Tiny periods: byte by byte until the run is long enough to double.
    for (let i = 0; i < 16; i++) buf[dp + i] = buf[from + i]!;
    dp += 16;
  }
  while (dp < stop) {
    // The last whole number of periods before dp: the bytes dp must repeat, in phase.
    const span = dp - from - ((dp - from) % offset);
    const k = Math.min(span, stop - dp);
    buf.copyWithin(dp, dp - span, dp - span + k);
    dp += k;
  }
  return stop;
}

/** Gathers everything a decoder hands over into one growing Buffer, refusing past `limit` bytes. */
class GatherSink implements ByteSink {
  buf: Buffer = Buffer.alloc(0);
  size = 0;

  constructor(
    private readonly codec: string,
    private readonly limit: number,
  ) {}

  take(buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.size + n > this.limit) streamFail(this.codec, `decompressed size exceeds the limit of ${this.limit} bytes`);
    if (this.size + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.size + n, 2 * this.buf.length, 64 * 1024));
      next.set(this.buf.subarray(0, this.size), 0);
      this.buf = next;
    }
    this.buf.set(buf.subarray(start, end), this.size);
    this.size += n;
  }
}

/** A streaming decoder: decodes data[start, end) into the window `w`. */
export type StreamDecoder = (data: Uint8Array, start: number, end: number, w: OutputWindow) => void;

/**
 * Whole-buffer decompression through a streaming decoder: all of `data` decoded by `into`
 * through this thread's window, gathered into one Buffer of at most `limit` bytes
 * (MAX_DECOMPRESSED_BYTES unless the caller needs less); past it a StreamError is thrown.
 */
export function decompressWhole(codec: string, into: StreamDecoder, data: Uint8Array, limit = MAX_DECOMPRESSED_BYTES): Buffer {
  const sink = new GatherSink(codec, limit);
  const w = threadWindow();
  w.open(codec, sink);
  try {
    into(data, 0, data.length, w);
    w.flush();
  } finally {
    w.close();
  }
  return sink.buf.subarray(0, sink.size);
}

let window: OutputWindow | undefined;

/** This thread's window. */
export function threadWindow(): OutputWindow {
  window ??= new OutputWindow();
  return window;
}
