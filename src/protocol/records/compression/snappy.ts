/**
 * Snappy for record batches (compression type 2), in the two shapes Kafka clients send:
 *
 * - raw: one snappy block (a varint of the uncompressed length, then tagged literals and
 *   copies), as librdkafka sends it;
 * - xerial framing, as the Java client (snappy-java) and kafkajs send it: the 8 magic bytes
 *   0x82 "SNAPPY" 0x00, int32 version 1, int32 minimum compatible version 1, then any number
 *   of chunks, each an int32 big-endian length followed by that many bytes of one raw block.
 *
 * Decompression accepts both (the magic tells them apart, as librdkafka and the Java broker
 * do). Compression writes xerial framing with chunks of at most 32 KiB of input, as the Java
 * client does; librdkafka, the Java client and kafkajs all read it.
 *
 * Compression is snappyjs's block coder. Decompression is this file's own decoder
 * (snappyDecompressInto), which checks every tag against the input, every copy against the
 * output produced so far, the total against the length the block declares and that length
 * against MAX_DECOMPRESSED_BYTES before it writes anything: snappyjs's decoder trusts its input
 * (a crafted literal length can send it backwards into an endless loop, and a short stream
 * leaves zeros behind). On the 64 KiB JSON batch of bench/micro/compression.ts it decodes at
 * 314-413 MB/s, where snappyjs behind the checking pass it needed did 274-377 (two interleaved
 * rounds in one process, xerial and raw).
 */
import { createRequire } from 'node:module';
import { streamFail } from './errors.js';
import { MAX_DECOMPRESSED_BYTES, MAX_HISTORY_BYTES, STREAM_SPAN_BYTES, tooLarge } from './limits.js';
import { copyMatch, decompressWhole, type OutputWindow, type StreamEncoder } from './window.js';

interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
}

const snappyjs = createRequire(import.meta.url)('snappyjs') as SnappyJs;

/** 0x82 "SNAPPY" 0x00: the first 8 bytes of a xerial stream. */
const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_BYTES = 16;
/** Input bytes per xerial chunk, as snappy-java's default block size. */
export const XERIAL_CHUNK_BYTES = 32 * 1024;

function fail(why: string): never {
  streamFail('snappy', why);
}

/** Whether data[start, end) begins with the xerial header. */
export function isXerial(data: Uint8Array, start = 0, end = data.length): boolean {
  if (end - start < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < 8; i++) if (data[start + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function readInt32BE(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
}

/** Raw block or xerial stream in, original bytes out; throws on anything malformed. */
export function snappyDecompress(data: Uint8Array): Buffer {
  return decompressWhole('snappy', snappyDecompressInto, data);
}

/** One raw snappy block, as librdkafka writes it. */
export function snappyCompressRaw(data: Uint8Array): Buffer {
  return asBuffer(snappyjs.compress(data));
}

/**
 * snappyCompress over input given in pieces: the same xerial stream, byte for byte, holding
 * one 32 KiB chunk of input.
 */
export class XerialEncoder implements StreamEncoder {
  size = XERIAL_HEADER_BYTES;
  private readonly parts: Buffer[] = [];
  private readonly chunk = Buffer.allocUnsafe(XERIAL_CHUNK_BYTES);
  private fill = 0;
  private chunks = 0;

  constructor() {
    const header = Buffer.alloc(XERIAL_HEADER_BYTES);
    for (let i = 0; i < 8; i++) header[i] = XERIAL_MAGIC[i]!;
    header.writeInt32BE(1, 8);
    header.writeInt32BE(1, 12);
    this.parts.push(header);
  }

  take(buf: Uint8Array, start: number, end: number): void {
    while (start < end) {
      const n = Math.min(end - start, XERIAL_CHUNK_BYTES - this.fill);
      this.chunk.set(buf.subarray(start, start + n), this.fill);
      this.fill += n;
      start += n;
      if (this.fill === XERIAL_CHUNK_BYTES) this.emit();
    }
  }

  finish(): Buffer[] {
    // An empty input still gets one (empty) chunk, as snappyCompress writes it.
    if (this.fill > 0 || this.chunks === 0) this.emit();
    return this.parts;
  }

  private emit(): void {
    const c = snappyjs.compress(this.chunk.subarray(0, this.fill));
    const b = Buffer.allocUnsafe(4 + c.length);
    b.writeInt32BE(c.length, 0);
    b.set(c, 4);
    this.parts.push(b);
    this.size += b.length;
    this.fill = 0;
    this.chunks++;
  }
}

/** A xerial stream with chunks of at most 32 KiB of input, as the Java client writes it. */
export function snappyCompress(data: Uint8Array): Buffer {
  const chunks: Uint8Array[] = [];
  let size = XERIAL_HEADER_BYTES;
  // An empty input still gets one (empty) chunk: every reader handles that.
  for (let at = 0; at < data.length || chunks.length === 0; at += XERIAL_CHUNK_BYTES) {
    const chunk = snappyjs.compress(data.subarray(at, Math.min(data.length, at + XERIAL_CHUNK_BYTES)));
    chunks.push(chunk);
    size += 4 + chunk.length;
  }
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < 8; i++) out[i] = XERIAL_MAGIC[i]!;
  out.writeInt32BE(1, 8);
  out.writeInt32BE(1, 12);
  let pos = XERIAL_HEADER_BYTES;
  for (const chunk of chunks) {
    out.writeInt32BE(chunk.length, pos);
    out.set(chunk, pos + 4);
    pos += 4 + chunk.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding, streamed: raw blocks and xerial streams decoded element by element into an
// OutputWindow, which record validation reads piece by piece and snappyDecompress gathers. A
// block's copies may reach back to its start, so the window keeps the block's declared length
// or MAX_HISTORY_BYTES, whichever is less; a copy reaching further back than that is refused
// (no known encoder writes one: see limits.ts).

/** Decodes the raw block or xerial stream data[start, end) into `w`. */
export function snappyDecompressInto(data: Uint8Array, start: number, end: number, w: OutputWindow): void {
  if (end === start) fail('empty input');
  if (!isXerial(data, start, end)) {
    decodeRawInto(data, start, end, w);
    return;
  }
  let pos = start + XERIAL_HEADER_BYTES;
  while (pos < end) {
    if (end - pos < 4) fail('truncated xerial chunk length');
    const len = readInt32BE(data, pos);
    pos += 4;
    if (len > end - pos) fail('xerial chunk runs past the end of the data');
    decodeRawInto(data, pos, pos + len, w);
    pos += len;
  }
}

/** Decodes one raw block, data[start, end), into `w`. */
function decodeRawInto(data: Uint8Array, start: number, end: number, w: OutputWindow): void {
  let pos = start;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= end) fail('truncated length');
    if (shift > 28) fail('length varint too long');
    const b = data[pos++]!;
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared > MAX_DECOMPRESSED_BYTES) tooLarge('snappy', declared);
  w.setHistory(Math.min(declared, MAX_HISTORY_BYTES));
  let buf = w.buf;
  let dp = w.pos;
  let out = 0;
  while (pos < end) {
    const tag = data[pos++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = (tag >>> 2) + 1;
        if (len > 60) {
          const n = len - 60;
          if (end - pos < n) fail('truncated literal length');
          len = 0;
          for (let i = n - 1; i >= 0; i--) len = len * 256 + data[pos + i]!;
          len += 1;
          pos += n;
        }
        if (len > end - pos) fail('literal runs past the end of the block');
        out += len;
        if (out > declared) fail('block decodes to more than its declared length');
        if (len > buf.length - dp) {
          // Longer than the room left: in pieces, each as large as the window allows.
          let from = pos;
          const to = pos + len;
          while (from < to) {
            w.pos = dp;
            w.room(Math.min(to - from, STREAM_SPAN_BYTES));
            buf = w.buf;
            dp = w.pos;
            const k = Math.min(to - from, buf.length - dp);
            buf.set(data.subarray(from, from + k), dp);
            dp += k;
            from += k;
          }
        } else if (len > 16) {
          buf.set(data.subarray(pos, pos + len), dp);
          dp += len;
        } else {
          for (let i = 0; i < len; i++) buf[dp + i] = data[pos + i]!;
          dp += len;
        }
        pos += len;
        continue;
      }
      case 1:
        if (pos >= end) fail('truncated copy');
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | data[pos++]!;
        break;
      case 2:
        if (end - pos < 2) fail('truncated copy');
        len = (tag >>> 2) + 1;
        offset = data[pos]! | (data[pos + 1]! << 8);
        pos += 2;
        break;
      default:
        if (end - pos < 4) fail('truncated copy');
        len = (tag >>> 2) + 1;
        offset = (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16)) + data[pos + 3]! * 0x1000000;
        pos += 4;
    }
    if (offset === 0 || offset > out) fail('copy from before the start of the output');
    out += len;
    if (out > declared) fail('block decodes to more than its declared length');
    if (len > buf.length - dp) {
      w.pos = dp;
      w.room(len);
      buf = w.buf;
      dp = w.pos;
    }
    if (offset > MAX_HISTORY_BYTES || offset > dp) fail(`copy reaches ${offset} bytes back, more than the ${MAX_HISTORY_BYTES} bytes kept`);
    dp = copyMatch(buf, dp, offset, len);
  }
  w.pos = dp;
  if (out !== declared) fail(`block decodes to ${out} bytes but declares ${declared}`);
}
