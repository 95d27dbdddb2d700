/**
 * LZ4 for record batches (compression type 3): the LZ4 frame format, as Kafka has used it
 * since 0.10 for batches of magic 1 and later (KIP-57: header checksum over the descriptor
 * only), with a block coder of its own.
 *
 * Compression writes one frame: FLG 0x60 (version 01, independent blocks, no block or content
 * checksums, no content size), BD 0x40 (64 KiB blocks), the header checksum, then each 64 KiB
 * of input as an LZ4 block (or stored, high bit of the size set, when it would not shrink),
 * then the end mark. That is what the Java client writes; the Java client refuses dependent
 * blocks, librdkafka and kafkajs read anything.
 *
 * Decompression reads any frame the format allows: independent or linked blocks, 64 KiB to
 * 4 MiB, stored blocks, block checksums, content checksum and content size (both checked),
 * several frames in a row and skippable frames; not dictionaries or the legacy format, which
 * no Kafka client writes (lz4WithHeaderChecksum puts right the header checksum of magic 0's
 * frames, which is computed over the wrong bytes). Every length is checked against the data
 * before use and the output is bounded by MAX_DECOMPRESSED_BYTES; malformed input throws.
 *
 * Why not the `lz4js` package: it checks none of the checksums, decodes without bounds checks
 * (a corrupt offset or length reads and writes outside the block), reads the content size
 * field wrongly, and sizes its output from the block-size field alone (4 MiB per call for its
 * own frames); and it is slower through its API. Measured on the 64 KiB JSON batch of
 * bench/micro/compression.ts with `node dist/bench/micro/compression.js lz4` (Node 20, one
 * core, MB/s of uncompressed data, two runs):
 *
 *                                            compress   decompress
 *   this file                                ~375       311-471 (streamed and gathered; the
 *                                                       separate whole-buffer decoder it
 *                                                       replaced: 446-480 in the same runs)
 *   lz4js compress() / decompress()          ~245       62-78
 *   lz4js decompressFrame(), buffer sized
 *   in advance, no checks at all                —       494-499
 *
 * One decoder serves both record validation (its output read piece by piece) and whole-buffer
 * decompression (lz4Decompress gathers it): the bounds checks and checksums live in one place.
 */
import { streamFail } from './errors.js';
import { readU32, skipSkippableFrame } from './frames.js';
import { MAX_DECOMPRESSED_BYTES, STREAM_SPAN_BYTES, tooLarge } from './limits.js';
import { copyMatch, decompressWhole, type OutputWindow, type StreamEncoder } from './window.js';
import { Xxhash32Stream, xxhash32 } from './xxhash32.js';

const MAGIC = 0x184d2204;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION = 0x40;
const FLG_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;

const STORED = 0x80000000;
const BLOCK_BYTES = 64 * 1024;

const MIN_MATCH = 4;
/** The last match must start at least 12 bytes before the end of a block... */
const MF_LIMIT = 12;
/** ...and the last 5 bytes are always literals. */
const LAST_LITERALS = 5;
const HASH_LOG = 13;
const SKIP_TRIGGER = 6;

function fail(why: string): never {
  streamFail('lz4', why);
}

function read32(d: Uint8Array, i: number): number {
  return d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
}

function writeU32(d: Uint8Array, i: number, v: number): void {
  d[i] = v;
  d[i + 1] = v >>> 8;
  d[i + 2] = v >>> 16;
  d[i + 3] = v >>> 24;
}

function hash(seq: number): number {
  return Math.imul(seq, 0x9e3779b1) >>> (32 - HASH_LOG);
}

const table = new Uint16Array(1 << HASH_LOG);

/** Worst case size of one compressed block of n bytes. */
function blockBound(n: number): number {
  return n + ((n / 255) | 0) + 16;
}

/**
 * Compresses src[start, end) (at most 64 KiB, so positions fit the 16-bit table) as one
 * independent LZ4 block at dst[dp]; returns the end of what it wrote.
 */
export function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, dp: number): number {
  let anchor = start;
  if (end - start >= MF_LIMIT + 1) {
    const mfLimit = end - MF_LIMIT;
    const matchLimit = end - LAST_LITERALS;
    table.fill(0);
    let ip = start + 1;
    search: for (;;) {
      // Find a match: probe the hash table, stepping faster the longer nothing matches.
      let ref: number;
      let attempts = 1 << SKIP_TRIGGER;
      for (;;) {
        if (ip > mfLimit) break search;
        const seq = read32(src, ip);
        const h = hash(seq);
        ref = start + table[h]!;
        table[h] = ip - start;
        if (ref < ip && read32(src, ref) === seq) break;
        ip += attempts++ >> SKIP_TRIGGER;
      }
      // Extend backwards into the pending literals.
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      const litLen = ip - anchor;
      const tokenAt = dp++;
      let token: number;
      if (litLen >= 15) {
        token = 0xf0;
        let n = litLen - 15;
        while (n >= 255) {
          dst[dp++] = 255;
          n -= 255;
        }
        dst[dp++] = n;
      } else {
        token = litLen << 4;
      }
      if (litLen > 32) {
        dst.set(src.subarray(anchor, ip), dp);
        dp += litLen;
      } else {
        for (let i = 0; i < litLen; i++) dst[dp++] = src[anchor + i]!;
      }
      // Extend forwards.
      const offset = ip - ref;
      const matchStart = ip;
      ip += MIN_MATCH;
      ref += MIN_MATCH;
      while (ip < matchLimit && src[ip] === src[ref]) {
        ip++;
        ref++;
      }
      dst[dp++] = offset;
      dst[dp++] = offset >>> 8;
      const extra = ip - matchStart - MIN_MATCH;
      if (extra >= 15) {
        token |= 15;
        let n = extra - 15;
        while (n >= 255) {
          dst[dp++] = 255;
          n -= 255;
        }
        dst[dp++] = n;
      } else {
        token |= extra;
      }
      dst[tokenAt] = token;
      anchor = ip;
      if (ip > mfLimit) break;
      table[hash(read32(src, ip - 2))] = ip - 2 - start;
    }
  }
  const litLen = end - anchor;
  if (litLen >= 15) {
    dst[dp++] = 0xf0;
    let n = litLen - 15;
    while (n >= 255) {
      dst[dp++] = 255;
      n -= 255;
    }
    dst[dp++] = n;
  } else {
    dst[dp++] = litLen << 4;
  }
  dst.set(src.subarray(anchor, end), dp);
  return dp + litLen;
}

/**
 * Decodes the block src[sp, send) into dst at dp, never writing at or past dend and never
 * copying from before low; returns the end of what it wrote, or -1 if the block would decode
 * past dend.
 */
export function decompressBlock(src: Uint8Array, sp: number, send: number, dst: Uint8Array, dp: number, dend: number, low: number): number {
  for (;;) {
    if (sp >= send) fail('block ends inside a sequence');
    const token = src[sp++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (sp >= send) fail('truncated literal length');
        b = src[sp++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > send - sp) fail('literals run past the end of the block');
    if (lit > dend - dp) return -1;
    if (lit > 16) {
      dst.set(src.subarray(sp, sp + lit), dp);
      sp += lit;
      dp += lit;
    } else {
      for (let i = 0; i < lit; i++) dst[dp++] = src[sp++]!;
    }
    if (sp === send) return dp;
    if (send - sp < 2) fail('truncated match offset');
    const offset = src[sp]! | (src[sp + 1]! << 8);
    sp += 2;
    if (offset === 0 || offset > dp - low) fail('match offset outside the output');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (sp >= send) fail('truncated match length');
        b = src[sp++]!;
        len += b;
      } while (b === 255);
    }
    len += MIN_MATCH;
    if (len > dend - dp) return -1;
    let from = dp - offset;
    if (offset >= len && len > 32) {
      dst.copyWithin(dp, from, from + len);
      dp += len;
    } else {
      const stop = dp + len;
      while (dp < stop) dst[dp++] = dst[from++]!;
    }
  }
}

/** FLG 0x60, BD 0x40 and their checksum, computed once. */
const HEADER = (() => {
  const h = new Uint8Array(7);
  writeU32(h, 0, MAGIC);
  h[4] = FLG_VERSION | FLG_INDEPENDENT;
  h[5] = 4 << 4;
  h[6] = (xxhash32(h, 4, 6) >>> 8) & 0xff;
  return h;
})();

export function lz4Compress(data: Uint8Array): Buffer {
  const blocks = Math.ceil(data.length / BLOCK_BYTES);
  const out = Buffer.allocUnsafe(HEADER.length + blocks * 4 + blocks * blockBound(BLOCK_BYTES) + 4);
  out.set(HEADER, 0);
  let dp = HEADER.length;
  for (let at = 0; at < data.length; at += BLOCK_BYTES) {
    const end = Math.min(data.length, at + BLOCK_BYTES);
    const size = compressBlock(data, at, end, out, dp + 4) - (dp + 4);
    if (size < end - at) {
      writeU32(out, dp, size);
      dp += 4 + size;
    } else {
      writeU32(out, dp, (STORED | (end - at)) >>> 0);
      out.set(data.subarray(at, end), dp + 4);
      dp += 4 + end - at;
    }
  }
  writeU32(out, dp, 0);
  dp += 4;
  return out.subarray(0, dp);
}

/**
 * lz4Compress over input given in pieces: the same frame, byte for byte (independent 64 KiB
 * blocks), holding one block of input and one of output.
 */
export class Lz4FrameEncoder implements StreamEncoder {
  size = 0;
  private readonly parts: Buffer[] = [];
  private readonly block = Buffer.allocUnsafe(BLOCK_BYTES);
  private fill = 0;
  private readonly out = Buffer.allocUnsafe(4 + blockBound(BLOCK_BYTES));

  constructor() {
    this.push(Buffer.from(HEADER));
  }

  take(buf: Uint8Array, start: number, end: number): void {
    while (start < end) {
      const n = Math.min(end - start, BLOCK_BYTES - this.fill);
      this.block.set(buf.subarray(start, start + n), this.fill);
      this.fill += n;
      start += n;
      if (this.fill === BLOCK_BYTES) this.emit();
    }
  }

  finish(): Buffer[] {
    if (this.fill > 0) this.emit();
    this.push(Buffer.alloc(4));
    return this.parts;
  }

  private emit(): void {
    const n = this.fill;
    const size = compressBlock(this.block, 0, n, this.out, 4) - 4;
    if (size < n) {
      writeU32(this.out, 0, size);
      this.push(Buffer.from(this.out.subarray(0, 4 + size)));
    } else {
      const stored = Buffer.allocUnsafe(4 + n);
      writeU32(stored, 0, (STORED | n) >>> 0);
      stored.set(this.block.subarray(0, n), 4);
      this.push(stored);
    }
    this.fill = 0;
  }

  private push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }
}

interface FrameHeader {
  /** Where the first block header is. */
  blocks: number;
  blockMax: number;
  independent: boolean;
  blockChecksum: boolean;
  contentChecksum: boolean;
  /** -1 when the frame does not say. */
  contentSize: number;
}

/** Parses and checks the header of the frame at src[pos], which ends by `end`. */
function readFrameHeader(src: Uint8Array, pos: number, end: number): FrameHeader {
  if (end - pos < 7) fail('truncated frame header');
  const flg = src[pos + 4]!;
  const bd = src[pos + 5]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION) fail(`unsupported frame version ${(flg & FLG_VERSION_MASK) >>> 6}`);
  if (flg & FLG_RESERVED || bd & 0x8f) fail('reserved bits set in the frame descriptor');
  if (flg & FLG_DICT_ID) fail('frames that need a dictionary are not supported');
  const sizeId = (bd >>> 4) & 7;
  if (sizeId < 4) fail(`invalid block maximum size id ${sizeId}`);
  const blockMax = 1 << (8 + 2 * sizeId);
  let p = pos + 6;
  let contentSize = -1;
  if (flg & FLG_CONTENT_SIZE) {
    if (end - p < 9) fail('truncated frame header');
    contentSize = readU32(src, p) + readU32(src, p + 4) * 0x100000000;
    if (contentSize > MAX_DECOMPRESSED_BYTES) tooLarge('lz4', contentSize);
    p += 8;
  }
  if (((xxhash32(src, pos + 4, p) >>> 8) & 0xff) !== src[p]) fail('frame header checksum mismatch');
  p++;
  return {
    blocks: p,
    blockMax,
    independent: (flg & FLG_INDEPENDENT) !== 0,
    blockChecksum: (flg & FLG_BLOCK_CHECKSUM) !== 0,
    contentChecksum: (flg & FLG_CONTENT_CHECKSUM) !== 0,
    contentSize,
  };
}

/**
 * A copy of `data` with its first frame's header checksum recomputed: the frames of magic 0
 * messages (Kafka before 0.10, librdkafka for message format 0) have it computed over the magic
 * number too (KAFKA-3160), and Kafka does not check it for them. Data too short for a frame
 * header comes back as it is, for the decoder to refuse.
 */
export function lz4WithHeaderChecksum(data: Uint8Array): Uint8Array {
  if (data.length < 7 || readU32(data, 0) !== MAGIC) return data;
  const at = 6 + (data[4]! & FLG_CONTENT_SIZE ? 8 : 0);
  if (at >= data.length) return data;
  const copy = Uint8Array.from(data);
  copy[at] = (xxhash32(copy, 4, at) >>> 8) & 0xff;
  return copy;
}

/** Decodes every frame in data (skipping skippable frames) and returns the concatenation. */
export function lz4Decompress(data: Uint8Array): Buffer {
  return decompressWhole('lz4', lz4DecompressInto, data);
}

// ---------------------------------------------------------------------------------------------
// Decoding, streamed: frames decoded into an OutputWindow that keeps the 64 KiB a match can reach
// back, so memory is the window's span plus 64 KiB whatever the frames declare. Record
// validation reads the window's output piece by piece; lz4Decompress gathers it.

/** LZ4 offsets are 16 bits: a match reaches back at most 65,535 bytes. */
const LZ4_HISTORY_BYTES = 64 * 1024;

let contentHash: Xxhash32Stream | undefined;

/** Decodes every frame of data[start, end) (skipping skippable frames) into `w`. */
export function lz4DecompressInto(data: Uint8Array, start: number, end: number, w: OutputWindow): void {
  if (end - start < 4) fail('truncated frame');
  w.setHistory(LZ4_HISTORY_BYTES);
  let pos = start;
  let frames = 0;
  while (pos < end) {
    if (end - pos < 8) fail('truncated frame');
    const skipped = skipSkippableFrame('lz4', data, pos, end);
    if (skipped >= 0) {
      pos = skipped;
      continue;
    }
    if (readU32(data, pos) !== MAGIC) fail(frames === 0 ? 'not an LZ4 frame' : 'garbage after the last frame');
    pos = decodeFrameInto(data, pos, end, w);
    frames++;
  }
  if (frames === 0) fail('no LZ4 frame in the data');
}

/** Decodes the frame at data[pos] into `w`; returns where the frame ends. */
function decodeFrameInto(data: Uint8Array, pos: number, end: number, w: OutputWindow): number {
  const f = readFrameHeader(data, pos, end);
  // The previous frame's bytes are handed over before this frame's checksum starts.
  w.flush();
  let hash: Xxhash32Stream | undefined;
  if (f.contentChecksum) {
    hash = contentHash ??= new Xxhash32Stream();
    hash.reset();
    w.hash = (b, s, e) => hash!.update(b, s, e);
  }
  let produced = 0;
  let p = f.blocks;
  for (;;) {
    if (end - p < 4) fail('truncated block header');
    const word = readU32(data, p);
    p += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > f.blockMax) fail(`block of ${size} bytes exceeds the frame's maximum of ${f.blockMax}`);
    if (size > end - p) fail('block runs past the end of the data');
    if (f.blockChecksum) {
      if (end - p - size < 4) fail('truncated block checksum');
      if (xxhash32(data, p, p + size) !== readU32(data, p + size)) fail('block checksum mismatch');
    }
    if (word & STORED) {
      w.room(0);
      copyInto(data, p, p + size, w);
      produced += size;
    } else if (f.blockMax <= STREAM_SPAN_BYTES) {
      // Blocks of 64 or 256 KiB (what clients write) decode whole into room made for them, with
      // the whole-buffer decoder: its matches reach no lower than the frame's kept bytes allow.
      w.room(f.blockMax);
      const low = f.independent ? w.pos : w.pos - Math.min(produced, w.pos);
      const next = decompressBlock(data, p, p + size, w.buf, w.pos, w.pos + f.blockMax, low);
      if (next < 0) fail(`block decodes to more than the frame's maximum of ${f.blockMax}`);
      produced += next - w.pos;
      w.pos = next;
    } else {
      w.room(0);
      produced += decodeBlockInto(data, p, p + size, w, f.blockMax, f.independent ? 0 : produced);
    }
    if (f.contentSize >= 0 && produced > f.contentSize) fail(`frame decodes to more than the ${f.contentSize} bytes it declares`);
    p += size + (f.blockChecksum ? 4 : 0);
  }
  if (f.contentSize >= 0 && produced !== f.contentSize) fail(`frame declares ${f.contentSize} bytes but decodes to ${produced}`);
  if (f.contentChecksum) {
    if (end - p < 4) fail('truncated content checksum');
    w.flush();
    w.hash = undefined;
    if (hash!.digest() !== readU32(data, p)) fail('content checksum mismatch');
    p += 4;
  }
  return p;
}

/** Copies src[from, to) into the window, in pieces as room allows. */
function copyInto(src: Uint8Array, from: number, to: number, w: OutputWindow): void {
  while (from < to) {
    w.room(Math.min(to - from, STREAM_SPAN_BYTES));
    const n = Math.min(to - from, w.buf.length - w.pos);
    w.buf.set(src.subarray(from, from + n), w.pos);
    w.pos += n;
    from += n;
  }
}

/**
 * Decodes the block src[sp, send) into the window, its matches reaching back over at most
 * `reach` bytes produced before the block (0 for independent blocks) besides its own; returns
 * how many bytes it produced, at most `blockMax`.
 */
function decodeBlockInto(src: Uint8Array, sp: number, send: number, w: OutputWindow, blockMax: number, reach: number): number {
  let buf = w.buf;
  let dp = w.pos;
  let out = 0;
  for (;;) {
    if (sp >= send) fail('block ends inside a sequence');
    const token = src[sp++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (sp >= send) fail('truncated literal length');
        b = src[sp++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > send - sp) fail('literals run past the end of the block');
    out += lit;
    if (out > blockMax) fail(`block decodes to more than the frame's maximum of ${blockMax}`);
    if (lit > buf.length - dp) {
      w.pos = dp;
      copyInto(src, sp, sp + lit, w);
      sp += lit;
      buf = w.buf;
      dp = w.pos;
    } else if (lit > 16) {
      buf.set(src.subarray(sp, sp + lit), dp);
      sp += lit;
      dp += lit;
    } else {
      for (let i = 0; i < lit; i++) buf[dp++] = src[sp++]!;
    }
    if (sp === send) {
      w.pos = dp;
      return out;
    }
    if (send - sp < 2) fail('truncated match offset');
    const offset = src[sp]! | (src[sp + 1]! << 8);
    sp += 2;
    if (offset === 0 || offset > out + reach || offset > dp) fail('match offset outside the output');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (sp >= send) fail('truncated match length');
        b = src[sp++]!;
        len += b;
      } while (b === 255);
    }
    len += MIN_MATCH;
    out += len;
    if (out > blockMax) fail(`block decodes to more than the frame's maximum of ${blockMax}`);
    while (len > 0) {
      if (dp === buf.length) {
        w.pos = dp;
        w.room(Math.min(len, STREAM_SPAN_BYTES));
        buf = w.buf;
        dp = w.pos;
      }
      const n = Math.min(len, buf.length - dp);
      dp = copyMatch(buf, dp, offset, n);
      len -= n;
    }
  }
}
