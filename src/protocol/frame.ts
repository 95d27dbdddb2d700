/**
 * Whole messages: a header and a body, framed by a 4-byte big-endian size as on the wire.
 *
 *   ┌────────────┬────────────────────┬──────────────────────────────┐
 *   │ size int32 │ header (header.ts) │ body (messages/NN-name.ts)   │
 *   └────────────┴────────────────────┴──────────────────────────────┘
 *
 * The functions here take and return the bytes after the size prefix ("the frame") when
 * decoding, and produce whole prefixed messages when encoding. Decoding never copies record
 * data: `records` fields are slices of the frame, valid as long as the frame is.
 *
 * FrameReader cuts a byte stream (socket chunks, in any sizes) into frames: the one frame
 * assembler of the broker, the client, the benchmark harness and the tests.
 *
 * No I/O here; any thread may call these.
 */
import { compileStruct } from './codec/compile.js';
import { ProtocolError } from './codec/errors.js';
import { Reader } from './codec/reader.js';
import { ExternalBytes, Writer } from './codec/writer.js';
import {
  type RequestHeader,
  isFlexible,
  requestHeaderCodec,
  requestHeaderVersion,
  responseHeaderCodec,
  responseHeaderVersion,
} from './header.js';
import type { ApiSpec, StructSpec } from './schema.js';

type Obj = Record<string, unknown>;

export interface DecodedRequestHeader {
  header: RequestHeader;
  /** Where the body starts within the frame. */
  bodyOffset: number;
}

/**
 * Reads the request header. `api` is the declaration for the header's API key, or undefined
 * when the broker does not know the key; the header version then cannot be known, and only
 * the first three fields are read.
 */
export function decodeRequestHeader(frame: Buffer, lookup: (apiKey: number) => ApiSpec | undefined): DecodedRequestHeader & { api: ApiSpec | undefined } {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  r.ensureGood('request header');
  const api = lookup(apiKey);
  r.pos = 0;
  const supported = api !== undefined && apiVersion >= api.lowest && apiVersion <= api.highest;
  const headerVersion = supported ? requestHeaderVersion(api, apiVersion) : 1;
  const header = requestHeaderCodec(headerVersion).decode(r) as RequestHeader;
  r.ensureGood('request header');
  return { header, bodyOffset: r.pos, api };
}

/**
 * Decodes a body. `trailing` says what bytes after its end mean: 'refuse' makes them a protocol
 * error (responses: an answer longer than its declaration is a broken peer), 'ignore' leaves
 * them unread, as Kafka's broker does with requests (RequestContext.parseRequest reads the
 * declared fields from the buffer and never looks at what remains). librdkafka 2.x sends
 * some requests so: its "all topics" Metadata v12 keeps 3 bytes of a 4-byte array-count slot
 * after the 1-byte null count, so its body reads as topics=null, both flags false, no tags, and
 * 3 stray bytes (test/fixtures/quirks/).
 */
export function decodeBody(
  spec: StructSpec,
  api: ApiSpec,
  version: number,
  frame: Buffer,
  offset: number,
  what: string,
  trailing: 'refuse' | 'ignore' = 'refuse',
): Obj {
  if (version < api.lowest || version > api.highest) throw new ProtocolError(`${api.name} v${version} is not supported`);
  const r = new Reader(frame, offset);
  const body = compileStruct(spec, version, isFlexible(api, version)).decode(r);
  r.ensureGood(`${api.name} v${version} ${what}`);
  if (r.remaining !== 0 && trailing === 'refuse') throw new ProtocolError(`${api.name} v${version} ${what} has ${r.remaining} bytes past its end`);
  return body;
}

export function encodeRequest(
  api: ApiSpec,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Obj,
  w = new Writer(256),
): Buffer {
  const start = w.reserve(4);
  requestHeaderCodec(requestHeaderVersion(api, version)).encode(w, {
    requestApiKey: api.key,
    requestApiVersion: version,
    correlationId,
    clientId,
  });
  compileStruct(api.request, version, isFlexible(api, version)).encode(w, body);
  w.buf.writeInt32BE(w.pos - start - 4, start);
  return w.buf.subarray(start, w.pos);
}

export function encodeResponse(api: ApiSpec, version: number, correlationId: number, body: Obj, w = new Writer(256)): Buffer {
  const start = w.reserve(4);
  responseHeaderCodec(responseHeaderVersion(api, version)).encode(w, { correlationId });
  compileStruct(api.response, version, isFlexible(api, version)).encode(w, body);
  w.buf.writeInt32BE(w.pos - start - 4, start);
  return w.buf.subarray(start, w.pos);
}

/** Decodes a response frame (after the size prefix); returns the correlation id and body. */
export function decodeResponse(api: ApiSpec, version: number, frame: Buffer): { correlationId: number; body: Obj } {
  const r = new Reader(frame);
  const { correlationId } = responseHeaderCodec(responseHeaderVersion(api, version)).decode(r) as { correlationId: number };
  r.ensureGood(`${api.name} response header`);
  return { correlationId, body: decodeBody(api.response, api, version, frame, r.pos, 'response') };
}

/** Decodes a request body; bytes after its declared end are left unread, as Kafka does (decodeBody). */
export function decodeRequest(api: ApiSpec, version: number, frame: Buffer, bodyOffset: number): Obj {
  return decodeBody(api.request, api, version, frame, bodyOffset, 'request', 'ignore');
}

/**
 * Responses are encoded into one Writer reused by every call (encoding is synchronous), then
 * copied out into a buffer of their exact size: no chain of doubling buffers per answer for the
 * collector, and an answer held until a slow client reads it keeps only its own bytes alive. A
 * scratch buffer grown past SCRATCH_BYTES_KEPT by a large answer is let go afterwards.
 */
export const SCRATCH_BYTES_KEPT = 1024 * 1024;
let scratch = new Writer(64 * 1024);

/**
 * Encodes a response whose records fields may be ExternalBytes: the result alternates encoded
 * byte ranges and the external ranges to send between them, and the size prefix counts both.
 */
export function encodeResponseParts(api: ApiSpec, version: number, correlationId: number, body: Obj): (Buffer | ExternalBytes)[] {
  const w = scratch;
  w.pos = 0;
  w.externals = [];
  try {
    const start = w.reserve(4);
    responseHeaderCodec(responseHeaderVersion(api, version)).encode(w, { correlationId });
    compileStruct(api.response, version, isFlexible(api, version)).encode(w, body);
    let external = 0;
    for (const e of w.externals) external += e.bytes.length;
    w.buf.writeInt32BE(w.pos - start - 4 + external, start);
    const exact = Buffer.allocUnsafe(w.pos - start);
    w.buf.copy(exact, 0, start, w.pos);
    const parts: (Buffer | ExternalBytes)[] = [];
    let from = 0;
    for (const e of w.externals) {
      const at = e.at - start;
      if (at > from) parts.push(exact.subarray(from, at));
      parts.push(e.bytes);
      from = at;
    }
    if (exact.length > from) parts.push(exact.subarray(from));
    return parts;
  } finally {
    w.externals = [];
    if (w.buf.length > SCRATCH_BYTES_KEPT) scratch = new Writer(64 * 1024);
  }
}

// ---------------------------------------------------------------------------------------------
// Cutting a byte stream into frames

/** Bytes of the size prefix before every frame. */
export const FRAME_SIZE_BYTES = 4;
/** The smallest request frame: request header v0 (apiKey int16, apiVersion int16, correlationId int32). */
export const MIN_REQUEST_FRAME_BYTES = 8;
/** The smallest response frame: a response header's correlation id. */
export const MIN_RESPONSE_FRAME_BYTES = 4;
/** The largest size an int32 prefix can state. */
const MAX_FRAME_SIZE = 2 ** 31 - 1;
/** Consumed chunk slots kept before the queue is compacted: keeps compaction rare and the array short. */
const COMPACT_AFTER_CHUNKS = 64;
const EMPTY = Buffer.alloc(0);

/** A size prefix outside the reader's range; nothing was allocated for it, and the stream is unusable. */
export class FrameSizeError extends ProtocolError {
  override readonly name: string = 'FrameSizeError';
  constructor(
    /** The size prefix as read (an int32: may be negative). */
    readonly size: number,
    readonly minBytes: number,
    readonly maxBytes: number,
  ) {
    super(`frame size ${size} outside [${minBytes}, ${maxBytes}]`);
  }
}

export interface FrameLimits {
  /** Smallest frame accepted (after the prefix): the smallest header the peer may send. */
  readonly minBytes: number;
  /** Largest frame accepted: a larger prefix is refused before anything is allocated for it. */
  readonly maxBytes: number;
}

/**
 * Cuts a byte stream into frames: push chunks as they arrive, pull whole frames one at a time.
 *
 *   push(chunk) ─► [ unconsumed chunks ] ─► next() ─► frame (without its size prefix) | null
 *                          │
 *                          └─► size prefix split over chunks (≤ 4 bytes) ─► frame being assembled
 *
 * - A frame that lies inside one chunk is returned as a slice of it: no copy. A frame spread
 *   over chunks is copied once, chunk by chunk, into a buffer of exactly its size, allocated
 *   when its size prefix has been accepted and the first chunk with its body does not hold all
 *   of it. Never a re-concatenation of what has arrived so far.
 * - A size outside [minBytes, maxBytes] makes next() throw FrameSizeError (with the size)
 *   before anything is allocated for it; the reader then drops what it holds and throws the
 *   same error on every later call, since the stream has lost its framing.
 * - next() returns null only when every byte pushed so far has been consumed. So the reader
 *   holds, besides the frame being assembled (at most maxBytes) and up to 3 bytes of a size
 *   prefix, exactly the chunks pushed since the caller last pulled until null: nothing, for a
 *   caller that drains after each push. A caller that must pause (too many requests in flight)
 *   simply stops pulling and stops reading its socket; the rest stays here, and it pulls again
 *   when it resumes. `bufferedBytes` says how much that is.
 *
 * Frames handed out are never touched again by the reader: a slice shares memory with the
 * caller's chunk, a copied frame is the caller's alone.
 *
 * No I/O; any thread, one reader per stream.
 */
export class FrameReader {
  minBytes: number;
  maxBytes: number;
  /** Pushed chunks; those before `head` are consumed (emptied), `at` is the position in chunks[head]. */
  private chunks: Buffer[] = [];
  private head = 0;
  private at = 0;
  private unconsumed = 0;
  /** A size prefix that arrived split over chunks. */
  private readonly sizeBytes = Buffer.alloc(FRAME_SIZE_BYTES);
  private sizeFilled = 0;
  /** The size of the next frame, once its prefix is read and until its body is sliced or allocated; else -1. */
  private bodySize = -1;
  /** The frame being assembled from several chunks, and how much of it has arrived. */
  private frame: Buffer | null = null;
  private frameFilled = 0;
  private failure: FrameSizeError | null = null;

  constructor(limits: FrameLimits) {
    const { minBytes, maxBytes } = limits;
    if (!Number.isInteger(minBytes) || !Number.isInteger(maxBytes) || minBytes < 0 || maxBytes < minBytes || maxBytes > MAX_FRAME_SIZE) {
      throw new RangeError(`frame limits [${minBytes}, ${maxBytes}] must be integers with 0 <= min <= max <= ${MAX_FRAME_SIZE}`);
    }
    this.minBytes = minBytes;
    this.maxBytes = maxBytes;
  }

  /**
   * New limits for the frames after the one being read: a connection that has not authenticated
   * takes smaller frames (sasl.server.max.receive.size) than one that has, and after a
   * SaslHandshake v0 its bare SASL tokens may be shorter than a request header.
   */
  setLimits(limits: FrameLimits): void {
    const { minBytes, maxBytes } = limits;
    if (!Number.isInteger(minBytes) || !Number.isInteger(maxBytes) || minBytes < 0 || maxBytes < minBytes || maxBytes > MAX_FRAME_SIZE) {
      throw new RangeError(`frame limits [${minBytes}, ${maxBytes}] must be integers with 0 <= min <= max <= ${MAX_FRAME_SIZE}`);
    }
    this.minBytes = minBytes;
    this.maxBytes = maxBytes;
  }

  /** Bytes pushed and not yet consumed (returned in a frame or copied into the frame being assembled). */
  get bufferedBytes(): number {
    return this.unconsumed;
  }

  /** Size of the frame being assembled from several chunks, or 0. */
  get assemblingBytes(): number {
    return this.frame?.length ?? 0;
  }

  /** The error the stream failed with, or null. */
  get error(): FrameSizeError | null {
    return this.failure;
  }

  /** Queues a received chunk; it is read, not copied, until next() consumes it. Ignored after a failure. */
  push(chunk: Buffer): void {
    if (this.failure || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.unconsumed += chunk.length;
  }

  /** The next whole frame (the bytes after its size prefix), or null until more bytes arrive. Throws FrameSizeError. */
  next(): Buffer | null {
    if (this.failure) throw this.failure;
    if (this.frame === null) {
      if (this.bodySize < 0) {
        const size = this.takeSize();
        if (size === null) return null;
        if (size < this.minBytes || size > this.maxBytes) {
          this.failure = new FrameSizeError(size, this.minBytes, this.maxBytes);
          this.chunks = [];
          this.head = 0;
          this.at = 0;
          this.unconsumed = 0;
          throw this.failure;
        }
        this.bodySize = size;
      }
      const size = this.bodySize;
      const chunk = this.chunks[this.head];
      if (chunk !== undefined && chunk.length - this.at >= size) {
        const whole = chunk.subarray(this.at, this.at + size);
        this.bodySize = -1;
        this.consume(size);
        return whole;
      }
      // Nothing of the body yet: the next chunk may hold all of it, so allocate nothing now.
      if (chunk === undefined && size > 0) return null;
      this.frame = Buffer.allocUnsafe(size);
      this.frameFilled = 0;
      this.bodySize = -1;
    }
    const frame = this.frame;
    while (this.frameFilled < frame.length && this.unconsumed > 0) {
      const chunk = this.chunks[this.head]!;
      const take = Math.min(frame.length - this.frameFilled, chunk.length - this.at);
      chunk.copy(frame, this.frameFilled, this.at, this.at + take);
      this.frameFilled += take;
      this.consume(take);
    }
    if (this.frameFilled < frame.length) return null;
    this.frame = null;
    return frame;
  }

  /** The next size prefix, read straight from the chunk when it holds all four bytes; null when incomplete. */
  private takeSize(): number | null {
    if (this.sizeFilled === 0) {
      const chunk = this.chunks[this.head];
      if (chunk !== undefined && chunk.length - this.at >= FRAME_SIZE_BYTES) {
        const size = chunk.readInt32BE(this.at);
        this.consume(FRAME_SIZE_BYTES);
        return size;
      }
    }
    while (this.sizeFilled < FRAME_SIZE_BYTES && this.unconsumed > 0) {
      const chunk = this.chunks[this.head]!;
      const take = Math.min(FRAME_SIZE_BYTES - this.sizeFilled, chunk.length - this.at);
      chunk.copy(this.sizeBytes, this.sizeFilled, this.at, this.at + take);
      this.sizeFilled += take;
      this.consume(take);
    }
    if (this.sizeFilled < FRAME_SIZE_BYTES) return null;
    this.sizeFilled = 0;
    return this.sizeBytes.readInt32BE(0);
  }

  /** Moves past n bytes of the current chunk (never more than it has left). */
  private consume(n: number): void {
    this.at += n;
    this.unconsumed -= n;
    if (this.at < this.chunks[this.head]!.length) return;
    this.chunks[this.head] = EMPTY;
    this.head++;
    this.at = 0;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER_CHUNKS) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }
}
