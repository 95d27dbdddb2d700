/**
 * A streaming zstd decoder (RFC 8878), for record validation: every frame of a batch decoded
 * block by block into the thread's OutputWindow, which hands the output on and keeps only the
 * history the frame can refer back to.
 *
 * It is the broker's only zstd decoder: record validation reads its output piece by piece, and
 * the whole-buffer zstdDecompress (zstd.ts) gathers it. It does every check as it decodes: every
 * length against the data, every literal and match within the block's maximum, every offset
 * within the frame's output, its window and the history kept, every bitstream consumed exactly,
 * the content size and checksum matched, and it holds at most:
 *
 *   history    min(window, content size, MAX_HISTORY_BYTES)   in the OutputWindow, with room
 *                                                             to write a quarter as much again
 *                                                             (at least STREAM_SPAN_BYTES)
 *   literals   128 KiB   one block's literals
 *   tables     ~12 KiB   Huffman table (2 × 2 KiB), FSE tables of the current block
 *
 * (fzstd, which the tests keep as a second decoder, would allocate the window a frame header
 * declares, up to 2 GiB, and runs sequences without bounds.) Like the reference decoder, it
 * refuses bytes after a block's sequence count when that count is zero, and Huffman weights
 * that are not in canonical form (fewer than two symbols of weight one). Dictionaries are
 * refused: no Kafka client uses them. Matches further back than MAX_HISTORY_BYTES are refused
 * (limits.ts says why that is enough).
 *
 * Synchronous; any thread; one set of buffers per thread.
 */
import { streamFail } from './errors.js';
import { readU32, skipSkippableFrame } from './frames.js';
import { MAX_DECOMPRESSED_BYTES, MAX_HISTORY_BYTES, tooLarge } from './limits.js';
import { copyMatch, type OutputWindow } from './window.js';
import { Xxhash64Stream } from './xxhash64.js';
import {
  bitsAt,
  highBit,
  LL_BASE,
  LL_BITS,
  LL_TABLE,
  MAX_OFFSET_CODE,
  ML_BASE,
  ML_BITS,
  ML_TABLE,
  OF_TABLE,
  readFseTable,
  rleTable,
  type FseTable,
} from './zstd-tables.js';

const MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;
/** Huffman codes are at most 11 bits (RFC 8878 4.2.1). */
const HUFFMAN_MAX_BITS = 11;

function fail(why: string): never {
  streamFail('zstd', why);
}

/** What carries over from one block of a frame to the next. */
interface FrameState {
  /** Bytes the frame has produced before the current block. */
  produced: number;
  windowSize: number;
  blockMax: number;
  /** Repeat offsets, most recent first. */
  rep: [number, number, number];
  /** The last sequence tables, for Repeat_Mode: literal lengths, offsets, match lengths. */
  tables: [FseTable, FseTable, FseTable] | undefined;
  /** Max bits of the frame's current Huffman table, 0 before the first. */
  huffmanBits: number;
}

// Per-thread buffers, allocated on first use.
let literals: Uint8Array | undefined;
const huffSymbol = new Uint8Array(1 << HUFFMAN_MAX_BITS);
const huffBits = new Uint8Array(1 << HUFFMAN_MAX_BITS);
const weights = new Uint8Array(256);
let contentHash: Xxhash64Stream | undefined;
/** RLE tables by stream (0 literal lengths, 1 offsets, 2 match lengths) and symbol. */
const rleTables: (FseTable | undefined)[][] = [[], [], []];

/** Decodes every frame of data[start, end) (skipping skippable frames) into `w`. */
export function zstdDecompressInto(data: Uint8Array, start: number, end: number, w: OutputWindow): void {
  let pos = start;
  let frames = 0;
  while (pos < end) {
    if (end - pos < 8) fail('truncated frame');
    const skipped = skipSkippableFrame('zstd', data, pos, end);
    if (skipped >= 0) {
      pos = skipped;
      continue;
    }
    if (readU32(data, pos) !== MAGIC) fail(frames === 0 ? 'not a zstd frame' : 'garbage after the last frame');
    pos = decodeFrame(data, pos, end, w);
    frames++;
  }
  if (frames === 0) fail('no zstd frame in the data');
}

/** Decodes the frame at src[pos] into `w`; returns where it ends. */
function decodeFrame(src: Uint8Array, pos: number, end: number, w: OutputWindow): number {
  const fhd = src[pos + 4]!;
  if (fhd & 0x08) fail('reserved bit set in the frame header');
  const fcsFlag = fhd >>> 6;
  const single = (fhd & 0x20) !== 0;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = fcsFlag === 0 ? (single ? 1 : 0) : 1 << fcsFlag;
  let p = pos + 5;
  const headerEnd = p + (single ? 0 : 1) + dictBytes + fcsBytes;
  if (headerEnd > end) fail('truncated frame header');
  let windowSize = 0;
  if (!single) {
    const wd = src[p++]!;
    const base = 2 ** (10 + (wd >>> 3));
    windowSize = base + (base / 8) * (wd & 7);
  }
  let dict = 0;
  for (let i = dictBytes - 1; i >= 0; i--) dict = dict * 256 + src[p + i]!;
  p += dictBytes;
  if (dict !== 0) fail('frames that need a dictionary are not supported');
  let contentSize = -1;
  if (fcsBytes > 0) {
    contentSize = 0;
    for (let i = fcsBytes - 1; i >= 0; i--) contentSize = contentSize * 256 + src[p + i]!;
    if (fcsBytes === 2) contentSize += 256;
    p += fcsBytes;
    // A claim past the limit is refused before anything is decoded.
    if (contentSize > MAX_DECOMPRESSED_BYTES) tooLarge('zstd', contentSize);
  }
  if (single) windowSize = contentSize;
  const st: FrameState = {
    produced: 0,
    windowSize,
    blockMax: Math.min(windowSize, BLOCK_MAX),
    rep: [1, 4, 8],
    tables: undefined,
    huffmanBits: 0,
  };
  // Nothing reaches back further than the window, nor before the frame's first byte.
  w.setHistory(Math.min(windowSize, contentSize >= 0 ? contentSize : windowSize, MAX_HISTORY_BYTES));
  w.flush();
  const checksum = (fhd & 0x04) !== 0;
  let hash: Xxhash64Stream | undefined;
  if (checksum) {
    hash = contentHash ??= new Xxhash64Stream();
    hash.reset();
    w.hash = (b, s, e) => hash!.update(b, s, e);
  }
  for (;;) {
    if (end - p < 3) fail('truncated block header');
    const header = src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16);
    p += 3;
    const type = (header >>> 1) & 3;
    const size = header >>> 3;
    if (type === 3) fail('reserved block type');
    // The decoded size of every block is held to the frame's maximum; a compressed block's
    // own size only to 128 KiB, as the reference decoder does.
    const most = type === 2 ? BLOCK_MAX : st.blockMax;
    if (size > most) fail(`block of ${size} bytes exceeds the frame's maximum of ${most}`);
    const stored = type === 1 ? 1 : size;
    if (stored > end - p) fail('block runs past the end of the data');
    w.room(st.blockMax);
    let produced: number;
    if (type === 0) {
      w.buf.set(src.subarray(p, p + size), w.pos);
      produced = size;
    } else if (type === 1) {
      w.buf.fill(src[p]!, w.pos, w.pos + size);
      produced = size;
    } else {
      if (size === 0) fail('empty compressed block');
      produced = decodeCompressedBlock(src, p, p + size, st, w);
    }
    w.pos += produced;
    st.produced += produced;
    if (contentSize >= 0 && st.produced > contentSize) fail(`frame declares ${contentSize} bytes but its blocks hold more`);
    p += stored;
    if (header & 1) break;
  }
  if (checksum) {
    if (end - p < 4) fail('truncated content checksum');
    w.flush();
    w.hash = undefined;
    if (hash!.digestLow32() !== readU32(src, p)) fail('content checksum mismatch');
    p += 4;
  }
  if (contentSize >= 0 && contentSize !== st.produced) fail(`frame declares ${contentSize} bytes but its blocks hold ${st.produced}`);
  return p;
}

// The backward bit reader of a sequence bitstream: the stream, the position of the next bit
// to be read from the top down, and where the stream starts.
let rs: Uint8Array = new Uint8Array(0);
let rPos = 0;
let rFloor = 0;

/**
 * The 25 or more bits of src from bit position pos up (pos may be below the data's start, when
 * the caller is about to fail: the bytes there read as zeros).
 */
function bits32(src: Uint8Array, pos: number): number {
  const i = pos >> 3;
  return (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> (pos & 7);
}

/** The next n bits (at most 31) read backwards, or a failure past the start of the stream. */
function read(n: number): number {
  rPos -= n;
  if (rPos < rFloor) fail('sequence bitstream overrun');
  if (n === 0) return 0;
  const i = rPos >>> 3;
  const word = (rs[i]! | (rs[i + 1]! << 8) | (rs[i + 2]! << 16) | (rs[i + 3]! << 24)) >>> (rPos & 7);
  if (n <= 24) return word & ((1 << n) - 1);
  return bitsAt(rs, rPos, 16) + bitsAt(rs, rPos + 16, n - 16) * 0x10000;
}

/**
 * Decodes the compressed block src[start, end) into the window at its write position (which
 * has room for the frame's block maximum) and returns how many bytes it produced.
 */
function decodeCompressedBlock(src: Uint8Array, start: number, end: number, st: FrameState, w: OutputWindow): number {
  // Literals section (RFC 8878 3.1.1.3.1).
  let p = start;
  const b0 = src[p]!;
  const litType = b0 & 3;
  const format = (b0 >>> 2) & 3;
  let regenerated: number;
  /** Where the block's literals are: in src for raw literals, else in the literals buffer. */
  let lit: Uint8Array;
  let litPos: number;
  if (litType < 2) {
    const headerBytes = format & 1 ? (format >>> 1) + 2 : 1;
    if (end - p < headerBytes) fail('truncated literals header');
    if (headerBytes === 1) regenerated = b0 >>> 3;
    else if (headerBytes === 2) regenerated = (b0 >>> 4) | (src[p + 1]! << 4);
    else regenerated = (b0 >>> 4) | (src[p + 1]! << 4) | (src[p + 2]! << 12);
    if (regenerated > st.blockMax) fail(`block has ${regenerated} literals, more than its maximum size`);
    p += headerBytes;
    if (litType === 0) {
      if (regenerated > end - p) fail('literals run past the end of the block');
      lit = src;
      litPos = p;
      p += regenerated;
    } else {
      if (p >= end) fail('literals run past the end of the block');
      lit = literals ??= Buffer.allocUnsafeSlow(BLOCK_MAX);
      lit.fill(src[p]!, 0, regenerated);
      litPos = 0;
      p += 1;
    }
  } else {
    const headerBytes = format < 2 ? 3 : format + 2;
    if (end - p < headerBytes) fail('truncated literals header');
    let stored: number;
    if (headerBytes === 3) {
      const v = b0 | (src[p + 1]! << 8) | (src[p + 2]! << 16);
      regenerated = (v >>> 4) & 1023;
      stored = (v >>> 14) & 1023;
    } else if (headerBytes === 4) {
      const v = (b0 | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
      regenerated = (v >>> 4) & 16383;
      stored = v >>> 18;
    } else {
      regenerated = (b0 >>> 4) | (src[p + 1]! << 4) | ((src[p + 2]! & 63) << 12);
      stored = (src[p + 2]! >>> 6) | (src[p + 3]! << 2) | (src[p + 4]! << 10);
    }
    if (regenerated > st.blockMax) fail(`block has ${regenerated} literals, more than its maximum size`);
    p += headerBytes;
    if (stored > end - p) fail('literals run past the end of the block');
    const streams = format === 0 ? 1 : 4;
    if (streams === 4 && stored < 10) fail('four Huffman streams in fewer than 10 bytes');
    let q = p;
    if (litType === 2) {
      q = readHuffmanTable(src, p, p + stored);
      st.huffmanBits = huffmanMaxBits;
    } else if (st.huffmanBits === 0) {
      fail('treeless literals without an earlier Huffman table');
    }
    lit = literals ??= Buffer.allocUnsafeSlow(BLOCK_MAX);
    litPos = 0;
    decodeHuffmanLiterals(src, q, p + stored, streams, lit, regenerated, st.huffmanBits);
    p += stored;
  }
  const litEnd = litPos + regenerated;

  // Sequences section (RFC 8878 3.1.1.3.2).
  if (p >= end) fail('block has no sequences section');
  let nSeq = src[p++]!;
  if (nSeq >= 128) {
    if (nSeq < 255) {
      if (p >= end) fail('truncated sequence count');
      nSeq = ((nSeq - 128) << 8) + src[p++]!;
    } else {
      if (end - p < 2) fail('truncated sequence count');
      nSeq = src[p]! + (src[p + 1]! << 8) + 0x7f00;
      p += 2;
    }
  }
  const buf = w.buf;
  const outStart = w.pos;
  if (nSeq === 0) {
    if (p !== end) fail('bytes after a block with no sequences');
    buf.set(lit.subarray(litPos, litEnd), outStart);
    return regenerated;
  }
  if (p >= end) fail('truncated sequence modes');
  const modes = src[p++]!;
  if (modes & 3) fail('reserved bits set in the sequence modes');
  const tables = sequenceTables(src, p, end, modes, st);
  p = tablesEnd;
  const [ll, of, ml] = tables;
  st.tables = tables;

  // The bitstream is read backwards from its end mark, the highest set bit of its last byte.
  if (p >= end) fail('empty sequence bitstream');
  const last = src[end - 1]!;
  if (last === 0) fail('sequence bitstream has no end mark');
  rs = src;
  rFloor = p * 8;
  rPos = (end - 1) * 8 + highBit(last);
  let llState = read(ll.log);
  let ofState = read(of.log);
  let mlState = read(ml.log);
  const rep = st.rep;
  const outMax = outStart + st.blockMax;
  const windowSize = st.windowSize;
  // Bytes of the frame before this block that a match may reach.
  const reachable = Math.min(st.produced, windowSize);
  const llSymbol = ll.symbol, llBits = ll.bits, llBase = ll.base;
  const mlSymbol = ml.symbol, mlBits = ml.bits, mlBase = ml.base;
  const ofSymbol = of.symbol, ofBits = of.bits, ofBase = of.base;
  // The bit reader, inlined: each field's bits are read below `pos`, and an overrun of the
  // stream's start is caught once per group of reads, before anything read is used.
  let pos = rPos;
  const floor = rFloor;
  let dp = outStart;
  for (let i = 0; i < nSeq; i++) {
    const llc = llSymbol[llState]!;
    const mlc = mlSymbol[mlState]!;
    const ofc = ofSymbol[ofState]!;
    if (llc > 35 || mlc > 52 || ofc > MAX_OFFSET_CODE) fail('sequence code out of range');
    pos -= ofc;
    const ov =
      ((1 << ofc) >>> 0) +
      (ofc <= 24 ? bits32(src, pos) & ((1 << ofc) - 1) : (bits32(src, pos) & 0xffff) + (bits32(src, pos + 16) & ((1 << (ofc - 16)) - 1)) * 0x10000);
    const mlb = ML_BITS[mlc]!;
    pos -= mlb;
    const matchLength = ML_BASE[mlc]! + 3 + (bits32(src, pos) & ((1 << mlb) - 1));
    const llb = LL_BITS[llc]!;
    pos -= llb;
    const literalLength = LL_BASE[llc]! + (bits32(src, pos) & ((1 << llb) - 1));
    if (pos < floor) fail('sequence bitstream overrun');
    let offset: number;
    if (ov > 3) {
      offset = ov - 3;
      rep[2] = rep[1];
      rep[1] = rep[0];
      rep[0] = offset;
    } else {
      const idx = ov - (literalLength !== 0 ? 1 : 0);
      if (idx === 0) offset = rep[0];
      else {
        offset = idx === 3 ? rep[0] - 1 : rep[idx]!;
        if (idx > 1) rep[2] = rep[1];
        rep[1] = rep[0];
        rep[0] = offset;
      }
    }
    if (literalLength > litEnd - litPos) fail('sequences use more literals than the block holds');
    if (literalLength + matchLength > outMax - dp) fail('block decodes to more than its maximum size');
    if (literalLength > 16) {
      buf.set(lit.subarray(litPos, litPos + literalLength), dp);
      dp += literalLength;
      litPos += literalLength;
    } else {
      for (let k = 0; k < literalLength; k++) buf[dp++] = lit[litPos++]!;
    }
    if (offset === 0 || offset > dp - outStart + reachable || offset > windowSize) fail('match offset reaches before the start of the frame');
    if (offset > MAX_HISTORY_BYTES || offset > dp) fail(`match offset ${offset} reaches further back than the ${MAX_HISTORY_BYTES} bytes kept`);
    if (matchLength <= 16) {
      let from = dp - offset;
      for (let k = 0; k < matchLength; k++) buf[dp++] = buf[from++]!;
    } else {
      dp = copyMatch(buf, dp, offset, matchLength);
    }
    if (i + 1 < nSeq) {
      let nb = llBits[llState]!;
      pos -= nb;
      llState = llBase[llState]! + (bits32(src, pos) & ((1 << nb) - 1));
      nb = mlBits[mlState]!;
      pos -= nb;
      mlState = mlBase[mlState]! + (bits32(src, pos) & ((1 << nb) - 1));
      nb = ofBits[ofState]!;
      pos -= nb;
      ofState = ofBase[ofState]! + (bits32(src, pos) & ((1 << nb) - 1));
      if (pos < floor) fail('sequence bitstream overrun');
    }
  }
  rPos = pos;
  if (rPos !== rFloor) fail('sequence bitstream not consumed exactly');
  const rest = litEnd - litPos;
  if (rest > outMax - dp) fail('block decodes to more than its maximum size');
  buf.set(lit.subarray(litPos, litEnd), dp);
  dp += rest;
  return dp - outStart;
}

/** Where the table descriptions read by sequenceTables end. */
let tablesEnd = 0;

/** The literal length, offset and match length tables of a block, by its modes byte. */
function sequenceTables(src: Uint8Array, p: number, end: number, modes: number, st: FrameState): [FseTable, FseTable, FseTable] {
  const out: FseTable[] = [];
  for (let k = 0; k < 3; k++) {
    const maxLog = k === 1 ? 8 : 9;
    const maxSymbol = k === 0 ? 35 : k === 1 ? MAX_OFFSET_CODE : 52;
    const mode = (modes >>> (6 - 2 * k)) & 3;
    if (mode === 0) out.push(k === 0 ? LL_TABLE : k === 1 ? OF_TABLE : ML_TABLE);
    else if (mode === 1) {
      if (p >= end) fail('truncated RLE sequence table');
      const symbol = src[p++]!;
      if (symbol > maxSymbol) fail(`RLE code ${symbol} out of range`);
      out.push((rleTables[k]![symbol] ??= rleTable(symbol)));
    } else if (mode === 2) {
      const [table, next] = readFseTable(src, p, end, maxLog, maxSymbol);
      out.push(table);
      p = next;
    } else {
      if (!st.tables) fail('repeated sequence table without an earlier one');
      out.push(st.tables[k]!);
    }
  }
  tablesEnd = p;
  return out as [FseTable, FseTable, FseTable];
}

/** Max bits of the table readHuffmanTable built last. */
let huffmanMaxBits = 0;

/**
 * Reads the Huffman tree description at src[p] (RFC 8878 4.2.1) into huffSymbol / huffBits,
 * indexed by the next maxBits bits of a stream; returns where the description ends.
 */
function readHuffmanTable(src: Uint8Array, p: number, end: number): number {
  if (p >= end) fail('truncated Huffman tree description');
  const hb = src[p++]!;
  let n = 0;
  if (hb < 128) {
    // Weights FSE-compressed in hb bytes, decoded with two interleaved states.
    const stop = p + hb;
    if (stop > end) fail('truncated Huffman tree description');
    const [t, q] = readFseTable(src, p, stop, 6, 255);
    if (q >= stop) fail('empty Huffman weight bitstream');
    const last = src[stop - 1]!;
    if (last === 0) fail('Huffman weight bitstream has no end mark');
    rs = src;
    rFloor = q * 8;
    rPos = (stop - 1) * 8 + highBit(last);
    let s1 = read(t.log);
    let s2 = read(t.log);
    // As the reference decoder: a state update that runs past the start ends the weights with
    // the other state's symbol.
    for (;;) {
      if (n > 253) fail('too many Huffman weights');
      weights[n++] = t.symbol[s1]!;
      rPos -= t.bits[s1]!;
      if (rPos < rFloor) {
        weights[n++] = t.symbol[s2]!;
        break;
      }
      s1 = t.base[s1]! + bitsAt(src, rPos, t.bits[s1]!);
      weights[n++] = t.symbol[s2]!;
      rPos -= t.bits[s2]!;
      if (rPos < rFloor) {
        weights[n++] = t.symbol[s1]!;
        break;
      }
      s2 = t.base[s2]! + bitsAt(src, rPos, t.bits[s2]!);
    }
    p = stop;
  } else {
    n = hb - 127;
    const bytes = (n + 1) >>> 1;
    if (end - p < bytes) fail('truncated Huffman tree description');
    for (let i = 0; i < n; i += 2) {
      const b = src[p + (i >>> 1)]!;
      weights[i] = b >>> 4;
      weights[i + 1] = b & 15;
    }
    p += bytes;
  }
  // The last symbol's weight is implied: the one that completes a power of two.
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const wt = weights[i]!;
    if (wt > HUFFMAN_MAX_BITS) fail(`Huffman weight ${wt} above ${HUFFMAN_MAX_BITS}`);
    if (wt > 0) sum += 1 << (wt - 1);
  }
  if (sum === 0) fail('Huffman weights are all zero');
  const maxBits = highBit(sum) + 1;
  if (maxBits > HUFFMAN_MAX_BITS) fail(`Huffman codes longer than ${HUFFMAN_MAX_BITS} bits`);
  const rest = (1 << maxBits) - sum;
  if (rest & (rest - 1)) fail('Huffman weights do not complete a power of two');
  weights[n++] = highBit(rest) + 1;
  let ones = 0;
  for (let i = 0; i < n; i++) if (weights[i] === 1) ones++;
  if (ones < 2 || ones & 1) fail('Huffman weights are not in canonical form');
  // Codes in order of weight, lowest first, then by symbol: a symbol of weight w takes
  // 2^(w-1) consecutive entries and reads maxBits + 1 - w bits.
  let at = 0;
  for (let wt = 1; wt <= maxBits; wt++) {
    const entries = 1 << (wt - 1);
    const nb = maxBits + 1 - wt;
    for (let s = 0; s < n; s++) {
      if (weights[s] !== wt) continue;
      huffSymbol.fill(s, at, at + entries);
      huffBits.fill(nb, at, at + entries);
      at += entries;
    }
  }
  huffmanMaxBits = maxBits;
  return p;
}

/** Decodes `count` literals from the Huffman stream(s) src[p, end) into out[0, count). */
function decodeHuffmanLiterals(src: Uint8Array, p: number, end: number, streams: number, out: Uint8Array, count: number, maxBits: number): void {
  if (streams === 1) {
    huffmanStream(src, p, end, out, 0, count, maxBits);
    return;
  }
  if (count < 6) fail('four Huffman streams for fewer than 6 literals');
  if (end - p < 6) fail('truncated Huffman jump table');
  const s1 = src[p]! | (src[p + 1]! << 8);
  const s2 = src[p + 2]! | (src[p + 3]! << 8);
  const s3 = src[p + 4]! | (src[p + 5]! << 8);
  const a = p + 6;
  const b = a + s1;
  const c = b + s2;
  const d = c + s3;
  if (d >= end) fail('Huffman jump table runs past the literals');
  const segment = (count + 3) >>> 2;
  huffmanStream(src, a, b, out, 0, segment, maxBits);
  huffmanStream(src, b, c, out, segment, 2 * segment, maxBits);
  huffmanStream(src, c, d, out, 2 * segment, 3 * segment, maxBits);
  huffmanStream(src, d, end, out, 3 * segment, count, maxBits);
}

/** Decodes out[o, stop) from the backward Huffman stream src[start, end), which it must consume exactly. */
function huffmanStream(src: Uint8Array, start: number, end: number, out: Uint8Array, o: number, stop: number, maxBits: number): void {
  if (end <= start) fail('empty Huffman stream');
  const last = src[end - 1]!;
  if (last === 0) fail('Huffman stream has no end mark');
  const floor = start * 8;
  let pos = (end - 1) * 8 + highBit(last);
  const mask = (1 << maxBits) - 1;
  // While maxBits bits are left the next code is read whole; the last few codes see the stream's
  // start padded with zeros, as the reference decoder does.
  const fast = floor + maxBits;
  for (; o < stop; o++) {
    let idx: number;
    if (pos >= fast) {
      const q = pos - maxBits;
      const i = q >>> 3;
      idx = ((src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16)) >>> (q & 7)) & mask;
    } else {
      const have = pos - floor;
      idx = have > 0 ? bitsAt(src, floor, have) << (maxBits - have) : 0;
    }
    out[o] = huffSymbol[idx]!;
    pos -= huffBits[idx]!;
    if (pos < floor) fail('Huffman stream overrun');
  }
  if (pos !== floor) fail('Huffman stream not consumed exactly');
}
