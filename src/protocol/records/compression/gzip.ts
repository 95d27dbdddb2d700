/**
 * Streaming gunzip for record validation: node:zlib inflating synchronously, in pieces of at
 * most STREAM_SPAN_BYTES, straight into the thread's OutputWindow, so memory stays at zlib's own
 * state (~45 KiB, with its 32 KiB window) plus the span, whatever the stream inflates to.
 *
 * node:zlib has no public synchronous streaming call: `gunzipSync` inflates everything before
 * it returns (bounded only by `maxOutputLength`), and the Gunzip stream is asynchronous. Its
 * synchronous functions are built on the native handle each zlib object owns, whose
 * `writeSync(flush, input, inOffset, inLength, output, outOffset, outLength)` inflates into a
 * caller's buffer and leaves the output and input still available in the object's
 * `_writeState`; this file drives that handle the same way, one output span at a time, and
 * takes its errors through the handle's `onerror`. Those two names are internal to Node (stable
 * from Node 10 to 22), so they are checked once when first used; without them this falls back
 * to pako's streaming Inflate, which is bounded the same way but slower. Measured on the 64 KiB
 * JSON batch of bench/micro/compression.ts, gzip level 1 (Node 20, one core, MB/s of inflated
 * data): this handle ~630, `gunzipSync` ~400 (it also allocates the whole output), pako's
 * streaming Inflate ~100.
 *
 * What is accepted is what gunzip accepts: one or more gzip members (Java's GZIPInputStream
 * reads several too), each with its CRC-32 and length trailer checked by zlib. Unlike
 * GZIPInputStream, which ignores anything after the last member, bytes after it are refused:
 * a batch holds the compressed records and nothing else, as for the other codecs.
 *
 * GzipEncoder is the other direction, for recompression: deflate (level 1, as the codec's
 * compress) through the same kind of handle, fed in pieces.
 *
 * One inflater and one deflater per thread, reset before each stream. Synchronous; any thread.
 */
import { createRequire } from 'node:module';
import { constants, Gunzip, Gzip } from 'node:zlib';
import { STREAM_SPAN_BYTES } from './limits.js';
import { type OutputWindow, type StreamEncoder, streamFail } from './window.js';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

interface Inflater {
  handle: ZlibHandle;
  /** After each writeSync: [output bytes still free, input bytes not consumed]. */
  state: Uint32Array;
  /** Set by onerror during a writeSync. */
  error: string | undefined;
}

let inflater: Inflater | null | undefined;
let deflater: Inflater | null | undefined;

/** The native handle of a zlib stream object, or null when this Node does not expose it. */
function nativeHandle(stream: object): Inflater | null {
  const g = stream as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
  const handle = g._handle;
  const state = g._writeState;
  if (!handle || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
    return null;
  }
  const it: Inflater = { handle: handle as ZlibHandle, state, error: undefined };
  // Replaces the stream's own handler, which would destroy the stream: the handle is reused.
  it.handle.onerror = (message, _errno, code) => {
    it.error = code ? `${message} (${code})` : message;
  };
  return it;
}

/** This thread's native inflater, or null when this Node does not expose the handle. */
function nativeInflater(): Inflater | null {
  if (inflater === undefined) inflater = nativeHandle(new Gunzip());
  return inflater;
}

/** Whether gunzipInto uses node:zlib (true on every Node this project supports) rather than pako. */
export function usesNativeInflate(): boolean {
  return nativeInflater() !== null;
}

/** Inflates the gzip stream data[start, end) into `w`, handing every byte to its sink. */
export function gunzipInto(data: Uint8Array, start: number, end: number, w: OutputWindow): void {
  const z = nativeInflater();
  if (!z) return pakoGunzipInto(data, start, end, w);
  z.handle.reset();
  z.error = undefined;
  let inOffset = start;
  let inLength = end - start;
  for (;;) {
    w.room(STREAM_SPAN_BYTES);
    const free = w.buf.length - w.pos;
    z.handle.writeSync(constants.Z_FINISH, data, inOffset, inLength, w.buf, w.pos, free);
    if (z.error !== undefined) {
      const why = z.error;
      z.error = undefined;
      z.handle.reset();
      streamFail('gzip', why);
    }
    const freeAfter = z.state[0]!;
    const inputLeft = z.state[1]!;
    w.pos += free - freeAfter;
    inOffset += inLength - inputLeft;
    inLength = inputLeft;
    // Output left free: the stream ended (or zlib stopped at bytes that are not another member).
    if (freeAfter !== 0) break;
  }
  w.flush();
  if (inLength > 0) streamFail('gzip', `${inLength} bytes after the end of the gzip stream`);
}

interface PakoInflate {
  onData: (chunk: Uint8Array) => void;
  push(data: Uint8Array, final: boolean): boolean;
  err: number;
  msg: string;
  strm: { avail_in: number };
  ended: boolean;
}

/** The fallback: pako's streaming Inflate, its output chunks copied through the window. Exported for its test. */
export function pakoGunzipInto(data: Uint8Array, start: number, end: number, w: OutputWindow): void {
  const pako = createRequire(import.meta.url)('pako') as { Inflate: new (options: object) => PakoInflate };
  const inf = new pako.Inflate({ chunkSize: STREAM_SPAN_BYTES });
  inf.onData = (chunk) => {
    w.room(chunk.length);
    w.buf.set(chunk, w.pos);
    w.pos += chunk.length;
  };
  inf.push(data.subarray(start, end), true);
  if (inf.err) streamFail('gzip', inf.msg || `inflate error ${inf.err}`);
  if (!inf.ended) streamFail('gzip', 'unexpected end of file');
  w.flush();
  if (inf.strm.avail_in > 0) streamFail('gzip', `${inf.strm.avail_in} bytes after the end of the gzip stream`);
}

/** Output bytes a GzipEncoder takes from zlib per call. */
const DEFLATE_OUT_BYTES = 64 * 1024;
const NO_INPUT = new Uint8Array(0);

/** gzip (level 1, as the codec's compress) over input given in pieces. */
export class GzipEncoder implements StreamEncoder {
  size = 0;
  private readonly parts: Buffer[] = [];
  private readonly z: Inflater | null;
  private readonly out: Buffer | undefined;
  private readonly pako: PakoDeflate | undefined;

  constructor() {
    if (deflater === undefined) deflater = nativeHandle(new Gzip({ level: 1 }));
    this.z = deflater;
    if (this.z) {
      this.z.handle.reset();
      this.z.error = undefined;
      this.out = Buffer.allocUnsafe(DEFLATE_OUT_BYTES);
    } else {
      const pako = createRequire(import.meta.url)('pako') as { Deflate: new (options: object) => PakoDeflate };
      this.pako = new pako.Deflate({ level: 1, gzip: true });
      this.pako.onData = (chunk) => this.push(Buffer.from(chunk));
    }
  }

  take(buf: Uint8Array, start: number, end: number): void {
    if (this.pako) this.pako.push(buf.subarray(start, end), false);
    else this.deflate(constants.Z_NO_FLUSH, buf, start, end - start);
  }

  finish(): Buffer[] {
    if (this.pako) this.pako.push(NO_INPUT, true);
    else this.deflate(constants.Z_FINISH, NO_INPUT, 0, 0);
    return this.parts;
  }

  private deflate(flush: number, input: Uint8Array, offset: number, length: number): void {
    const z = this.z!;
    const out = this.out!;
    for (;;) {
      z.handle.writeSync(flush, input, offset, length, out, 0, out.length);
      // Deflating takes any input: an error here is a bug, not bad data.
      if (z.error !== undefined) throw new Error(`gzip: deflate failed: ${z.error}`);
      const free = z.state[0]!;
      const left = z.state[1]!;
      if (free < out.length) this.push(Buffer.from(out.subarray(0, out.length - free)));
      offset += length - left;
      length = left;
      // Output left free: all input taken (and, finishing, the stream ended).
      if (free !== 0) return;
    }
  }

  private push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }
}

interface PakoDeflate {
  onData: (chunk: Uint8Array) => void;
  push(data: Uint8Array, final: boolean): boolean;
}
