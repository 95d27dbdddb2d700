/**
 * zstd compression (RFC 8878), in TypeScript: npm has no pure-JavaScript zstd compressor.
 *
 * What it writes: one frame with the content size in the header and no checksum (Kafka's
 * batch CRC covers the bytes), single-segment when the input is at most 8 MiB, otherwise an
 * 8 MiB window (the most decoders are asked to support). The input is cut into 128 KiB blocks;
 * each becomes a compressed block, or a raw block when compressing does not make it smaller.
 *
 * A compressed block is:
 * - sequences from an LZ77 match finder: a hash table of the last position seen for each
 *   6-byte prefix (shorter matches seldom pay for their offset), matches reaching back anywhere
 *   in the window, extended backwards over pending literals, one step of lazy matching (a
 *   longer match at the next byte wins), lookups spaced out while nothing matches;
 * - the literals section: Huffman-coded (1 stream up to 1 KiB of literals, 4 streams above,
 *   codes of at most 11 bits) with the tree weights FSE-compressed, or written 4 bits each when
 *   that is shorter; RLE when the literals are one repeated byte; raw when coding does not pay;
 * - the sequences section: literal length, match length and offset codes each coded with the
 *   predefined FSE distribution, with one fitted to the block's own codes (FSE-compressed mode,
 *   table description included) when that is estimated smaller, or RLE when a block uses a
 *   single code. Offsets are always real offsets (offset + 3): repeat-offset codes are never
 *   used, so the decoder's repeat-offset history never matters.
 *
 * Measured on the 64 KiB JSON batch of bench/micro/compression.ts: 4.36:1 where `zstd -1`
 * (reference library, level 1) reaches 4.45:1, at roughly 80-95 MB/s.
 *
 * Our decoder, fzstd and the reference zstd decoder are all checked against this in the tests.
 */

import {
  fseTable,
  highBit,
  LL_BASE,
  LL_BITS,
  LL_DIST,
  LL_TABLE,
  ML_BASE,
  ML_BITS,
  ML_DIST,
  ML_TABLE,
  OF_DIST,
  OF_TABLE,
  type FseTable,
} from './zstd-tables.js';
import type { StreamEncoder } from './window.js';

const MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;
/** 8 MiB: inputs up to this are one segment; larger ones get a window of this size. */
const WINDOW_LOG = 23;
const SINGLE_SEGMENT_MAX = 1 << WINDOW_LOG;
const MIN_MATCH = 4;
const HASH_BYTES = 6;
const SKIP_TRIGGER = 6;

/** Codes of the small values, looked up; above them the code follows the top bit. */
function smallCodes(base: number[], bits: number[], below: number): Uint8Array {
  const t = new Uint8Array(below);
  for (let c = 0; c < base.length; c++) for (let v = base[c]!; v < base[c]! + (1 << bits[c]!) && v < below; v++) t[v] = c;
  return t;
}

const LL_SMALL = smallCodes(LL_BASE, LL_BITS, 64);
const ML_SMALL = smallCodes(ML_BASE, ML_BITS, 128);

function llCode(ll: number): number {
  return ll < 64 ? LL_SMALL[ll]! : highBit(ll) + 19;
}

/** The code of a match length given as length minus 3. */
function mlCode(ml3: number): number {
  return ml3 < 128 ? ML_SMALL[ml3]! : highBit(ml3) + 36;
}

/** Any state that decodes symbol s. */
function stateOf(t: FseTable, s: number): number {
  return t.from[s << t.log]!;
}

// ---------------------------------------------------------------------------------------------
// Bit writer: bits go in from the least significant end; decoders read them back to front.

let bw: Uint8Array = new Uint8Array(0);
let bp = 0;
let acc = 0;
let nacc = 0;

function bitsStart(buf: Uint8Array, at: number): void {
  bw = buf;
  bp = at;
  acc = 0;
  nacc = 0;
}

/** Appends the low n bits of v (n at most 24). */
function put(v: number, n: number): void {
  acc |= v << nacc;
  nacc += n;
  while (nacc >= 8) {
    bw[bp++] = acc;
    acc >>>= 8;
    nacc -= 8;
  }
}

/** Writes the end mark (a 1 bit), pads the last byte and returns the end position. */
function bitsClose(): number {
  put(1, 1);
  if (nacc > 0) bw[bp++] = acc;
  acc = 0;
  nacc = 0;
  return bp;
}

// ---------------------------------------------------------------------------------------------
// Huffman coding of literals (RFC 8878 3.1.1.3.1 and 4.2).

const MAX_CODE_BITS = 11;
const counts = new Uint32Array(256);
const codeLen = new Uint8Array(256);
const code = new Uint16Array(256);
const weights = new Uint8Array(256);

/**
 * Fills codeLen with Huffman code lengths for the symbols counted in counts[0..maxSym], no
 * longer than 11 bits and forming a complete code; returns the longest length.
 */
function buildLengths(maxSym: number): number {
  const syms: number[] = [];
  for (let s = 0; s <= maxSym; s++) {
    codeLen[s] = 0;
    if (counts[s]! > 0) syms.push(s);
  }
  syms.sort((a, b) => counts[a]! - counts[b]! || a - b);
  const n = syms.length;
  // Two-queue Huffman: leaves in ascending order, internal nodes in creation order.
  const weight = new Float64Array(2 * n);
  const parent = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) weight[i] = counts[syms[i]!]!;
  let leaf = 0;
  let node = n;
  let next = n;
  const take = (): number => (leaf < n && (node >= next || weight[leaf]! <= weight[node]!) ? leaf++ : node++);
  while (next < 2 * n - 1) {
    const a = take();
    const b = take();
    weight[next] = weight[a]! + weight[b]!;
    parent[a] = next;
    parent[b] = next;
    next++;
  }
  const depth = new Int32Array(2 * n);
  const perLen = new Int32Array(64);
  let maxLen = 0;
  for (let i = 2 * n - 3; i >= 0; i--) depth[i] = depth[parent[i]!]! + 1;
  for (let i = 0; i < n; i++) {
    perLen[depth[i]!]!++;
    if (depth[i]! > maxLen) maxLen = depth[i]!;
  }
  // Over-long codes: move leaves up while keeping the code complete.
  for (let i = maxLen; i > MAX_CODE_BITS; i--) {
    while (perLen[i]! > 0) {
      let j = i - 2;
      while (perLen[j] === 0) j--;
      perLen[i] -= 2;
      perLen[i - 1]!++;
      perLen[j + 1] += 2;
      perLen[j]!--;
    }
  }
  maxLen = Math.min(maxLen, MAX_CODE_BITS);
  // Shortest codes to the most frequent symbols.
  let len = 1;
  for (let i = n - 1; i >= 0; i--) {
    while (perLen[len] === 0) len++;
    codeLen[syms[i]!] = len;
    perLen[len]!--;
  }
  return maxLen;
}

/** Canonical codes from codeLen, assigned as a decoder does from the weights. */
function assignCodes(maxSym: number, maxBits: number): void {
  const startAt = new Uint32Array(MAX_CODE_BITS + 2);
  const perWeight = new Uint32Array(MAX_CODE_BITS + 2);
  for (let s = 0; s <= maxSym; s++) if (codeLen[s]) perWeight[maxBits + 1 - codeLen[s]!]!++;
  let at = 0;
  for (let w = 1; w <= maxBits; w++) {
    startAt[w] = at;
    at += perWeight[w]! << (w - 1);
  }
  for (let s = 0; s <= maxSym; s++) {
    const l = codeLen[s]!;
    if (!l) continue;
    const w = maxBits + 1 - l;
    code[s] = startAt[w]! >>> (w - 1);
    startAt[w] += 1 << (w - 1);
  }
}

/**
 * A distribution over symbols 0..counts.length-1 normalised to 2^log, every present symbol
 * getting at least 1: shares rounded down, the rest handed out by largest remainder.
 */
function normalize(counts: ArrayLike<number>, total: number, log: number): number[] {
  const size = 1 << log;
  const dist = new Array<number>(counts.length).fill(0);
  const rest: [number, number][] = [];
  let used = 0;
  for (let s = 0; s < counts.length; s++) {
    const c = counts[s]!;
    if (!c) continue;
    const exact = (c * size) / total;
    dist[s] = Math.max(1, Math.floor(exact));
    used += dist[s]!;
    rest.push([exact - dist[s]!, s]);
  }
  rest.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0; used < size; i = (i + 1) % rest.length) {
    dist[rest[i]![1]]!++;
    used++;
  }
  while (used > size) {
    let big = 0;
    for (let s = 1; s < dist.length; s++) if (dist[s]! > dist[big]!) big = s;
    dist[big]!--;
    used--;
  }
  return dist;
}

/** An accuracy log for n symbols drawn from `distinct` values, at most maxLog. */
function tableLog(n: number, distinct: number, maxLog: number): number {
  return Math.min(maxLog, Math.max(5, highBit(Math.max(1, n - 1)) - 2, highBit(distinct) + 2));
}

/**
 * The FSE table description (RFC 8878 4.1.1) of dist at out[at]: accuracy log - 5 in 4
 * bits, then each probability + 1 in a variable number of bits, zero probabilities followed by
 * 2-bit repeat counts. Returns its end.
 */
function writeFseDescription(dist: readonly number[], log: number, out: Uint8Array, at: number): number {
  let p = at;
  let bits = log - 5;
  let nbits = 4;
  const emit = (v: number, n: number): void => {
    bits |= v << nbits;
    nbits += n;
    while (nbits >= 8) {
      out[p++] = bits;
      bits >>>= 8;
      nbits -= 8;
    }
  };
  let last = dist.length - 1;
  while (last > 0 && dist[last] === 0) last--;
  let remaining = 1 << log;
  for (let s = 0; s <= last && remaining > 0; s++) {
    const value = dist[s]! + 1;
    const max = remaining + 1;
    const nb = highBit(max) + 1;
    const threshold = (1 << nb) - 1 - max;
    if (value < threshold) emit(value, nb - 1);
    else if (value < 1 << (nb - 1)) emit(value, nb);
    else emit(value + threshold, nb);
    remaining -= dist[s] === -1 ? 1 : dist[s]!;
    if (dist[s] === 0) {
      let zeros = 0;
      while (s + 1 + zeros <= last && dist[s + 1 + zeros] === 0) zeros++;
      s += zeros;
      while (zeros >= 3) {
        emit(3, 2);
        zeros -= 3;
      }
      emit(zeros, 2);
    }
  }
  if (nbits > 0) out[p++] = bits;
  return p;
}

/**
 * The tree description with FSE-compressed weights at out[at] (header byte included); returns
 * its end, or -1 when that form does not apply or is not shorter than `limit` bytes.
 */
function writeFseWeights(n: number, out: Uint8Array, at: number, limit: number): number {
  const wc = new Array<number>(MAX_CODE_BITS + 1).fill(0);
  let distinct = 0;
  for (let i = 0; i < n; i++) if (wc[weights[i]!]!++ === 0) distinct++;
  if (distinct < 2) return -1;
  const log = tableLog(n, distinct, 6);
  const size = 1 << log;
  const dist = normalize(wc, n, log);
  const table = fseTable(dist, log);
  const p = writeFseDescription(dist, log, out, at + 1);

  // The weights, two interleaved states, encoded last to first. The state that decodes the
  // next-to-last weight must read at least one bit on its next update: that read running past
  // the start of the stream is how a decoder knows the weights are done.
  bitsStart(out, p);
  let even = 0;
  let odd = 0;
  let penultimate = -1;
  for (let st = 0; st < size; st++) {
    if (table.symbol[st] === weights[n - 2] && table.bits[st]! > 0) {
      penultimate = st;
      break;
    }
  }
  if (penultimate < 0) return -1;
  const lastState = stateOf(table, weights[n - 1]!);
  if ((n - 1) & 1) {
    odd = lastState;
    even = penultimate;
  } else {
    even = lastState;
    odd = penultimate;
  }
  for (let i = n - 3; i >= 0; i--) {
    const cur = i & 1 ? odd : even;
    const from = table.from[(weights[i]! << log) | cur]!;
    put(cur - table.base[from]!, table.bits[from]!);
    if (i & 1) odd = from;
    else even = from;
  }
  put(odd, log);
  put(even, log);
  const end = bitsClose();
  const length = end - at - 1;
  if (length >= 128 || length >= limit) return -1;
  out[at] = length;
  return end;
}

/** The tree description with weights written 4 bits each; needs every symbol below 129. */
function writeDirectWeights(n: number, out: Uint8Array, at: number): number {
  out[at] = 127 + n;
  let p = at + 1;
  for (let i = 0; i < n; i += 2) out[p++] = (weights[i]! << 4) | (i + 1 < n ? weights[i + 1]! : 0);
  return p;
}

/** One Huffman stream of lit[from, to) at out[at]; returns its end. */
function writeStream(lit: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  bitsStart(out, at);
  for (let i = to - 1; i >= from; i--) {
    const s = lit[i]!;
    put(code[s]!, codeLen[s]!);
  }
  return bitsClose();
}

/**
 * The literals section for lit[0, n) at out[at]: Huffman-coded when that is shorter, else RLE
 * or raw. Returns its end.
 */
function writeLiterals(lit: Uint8Array, n: number, out: Uint8Array, at: number): number {
  if (n >= 32) {
    counts.fill(0);
    let maxSym = 0;
    for (let i = 0; i < n; i++) counts[lit[i]!]!++;
    for (let s = 255; s >= 0; s--) {
      if (counts[s]) {
        maxSym = s;
        break;
      }
    }
    if (counts[maxSym] === n) return writeRle(lit[0]!, n, out, at);
    const end = writeHuffman(lit, n, maxSym, out, at);
    if (end >= 0) return end;
  }
  return writeRaw(lit, n, out, at);
}

function writeRle(byte: number, n: number, out: Uint8Array, at: number): number {
  const p = writeSizeHeader(1, n, out, at);
  out[p] = byte;
  return p + 1;
}

function writeRaw(lit: Uint8Array, n: number, out: Uint8Array, at: number): number {
  const p = writeSizeHeader(0, n, out, at);
  out.set(lit.subarray(0, n), p);
  return p + n;
}

/** Header of a raw or RLE literals section of n bytes. */
function writeSizeHeader(type: number, n: number, out: Uint8Array, at: number): number {
  if (n < 32) {
    out[at] = type | (n << 3);
    return at + 1;
  }
  if (n < 4096) {
    out[at] = type | (1 << 2) | ((n & 15) << 4);
    out[at + 1] = n >>> 4;
    return at + 2;
  }
  out[at] = type | (3 << 2) | ((n & 15) << 4);
  out[at + 1] = n >>> 4;
  out[at + 2] = n >>> 12;
  return at + 3;
}

function writeHuffman(lit: Uint8Array, n: number, maxSym: number, out: Uint8Array, at: number): number {
  const maxBits = buildLengths(maxSym);
  for (let s = 0; s < maxSym; s++) weights[s] = codeLen[s] ? maxBits + 1 - codeLen[s]! : 0;
  // Worth it at all? Estimated payload against the raw section.
  let payloadBits = 0;
  for (let s = 0; s <= maxSym; s++) payloadBits += counts[s]! * codeLen[s]!;
  const four = n > 1023;
  const headerBytes = n > 16383 ? 5 : n > 1023 ? 4 : 3;
  if ((payloadBits >>> 3) + headerBytes + (four ? 10 : 1) >= n) return -1;
  assignCodes(maxSym, maxBits);

  // Tree description after the largest header, moved into place once the size is known.
  const treeAt = at + 5;
  let p = maxSym >= 2 ? writeFseWeights(maxSym, out, treeAt, maxSym <= 128 ? (maxSym + 1) >>> 1 : 128) : -1;
  if (p < 0) {
    if (maxSym > 128) return -1;
    p = writeDirectWeights(maxSym, out, treeAt);
  }
  if (four) {
    const seg = (n + 3) >>> 2;
    const jump = p;
    p += 6;
    const e1 = writeStream(lit, 0, seg, out, p);
    const e2 = writeStream(lit, seg, 2 * seg, out, e1);
    const e3 = writeStream(lit, 2 * seg, 3 * seg, out, e2);
    const e4 = writeStream(lit, 3 * seg, n, out, e3);
    const sizes = [e1 - p, e2 - e1, e3 - e2];
    for (let i = 0; i < 3; i++) {
      out[jump + 2 * i] = sizes[i]!;
      out[jump + 2 * i + 1] = sizes[i]! >>> 8;
    }
    p = e4;
  } else {
    p = writeStream(lit, 0, n, out, p);
  }
  const compressed = p - treeAt;
  const size = Math.max(n, compressed);
  const hb = size <= 1023 ? 3 : size <= 16383 ? 4 : 5;
  if (compressed + hb >= n + (n < 32 ? 1 : n < 4096 ? 2 : 3)) return -1;
  // Literals_Section_Header: type 2, size format, regenerated size, compressed size.
  const format = four ? (hb === 3 ? 1 : hb === 4 ? 2 : 3) : 0;
  if (hb === 3) {
    const v = 2 | (format << 2) | (n << 4) | (compressed << 14);
    out[at] = v;
    out[at + 1] = v >>> 8;
    out[at + 2] = v >>> 16;
  } else if (hb === 4) {
    const v = 2 | (format << 2) | (n << 4) | (compressed << 18);
    out[at] = v;
    out[at + 1] = v >>> 8;
    out[at + 2] = v >>> 16;
    out[at + 3] = v >>> 24;
  } else {
    out[at] = 2 | (format << 2) | ((n & 0xf) << 4);
    out[at + 1] = n >>> 4;
    out[at + 2] = ((n >>> 12) & 0x3f) | ((compressed & 0x3) << 6);
    out[at + 3] = compressed >>> 2;
    out[at + 4] = compressed >>> 10;
  }
  if (hb < 5) out.copyWithin(at + hb, treeAt, p);
  return at + hb + compressed;
}

// ---------------------------------------------------------------------------------------------
// Sequences section.

const SEQ_CAP = BLOCK_MAX / MIN_MATCH + 1;
const seqLL = new Uint32Array(SEQ_CAP);
const seqML = new Uint32Array(SEQ_CAP);
const seqOF = new Uint32Array(SEQ_CAP);

const llCodes = new Uint8Array(SEQ_CAP);
const mlCodes = new Uint8Array(SEQ_CAP);
const ofCodes = new Uint8Array(SEQ_CAP);


/** How one of the three code streams is coded in a block. */
interface Coding {
  /** Symbol compression mode: 0 predefined, 1 RLE, 2 FSE-compressed. */
  mode: number;
  table: FseTable;
  /** The table description, for RLE the symbol, empty for predefined. */
  dist: number[];
}

/**
 * Picks the cheapest coding for n codes: RLE for a single code, otherwise the predefined
 * distribution or one fitted to these counts, by estimated size in bits.
 */
function chooseCoding(codes: Uint8Array, n: number, symbols: number, maxLog: number, predefined: FseTable, predefinedDist: number[]): Coding {
  const count = new Array<number>(symbols).fill(0);
  let distinct = 0;
  let any = 0;
  for (let i = 0; i < n; i++) {
    if (count[codes[i]!]!++ === 0) distinct++;
    any = codes[i]!;
  }
  if (distinct === 1 && n > 1) {
    const dist = new Array<number>(any + 1).fill(0);
    dist[any] = 1;
    return { mode: 1, table: fseTable(dist, 0), dist: [any] };
  }
  let predefinedBits = 0;
  for (let s = 0; s < symbols; s++) {
    if (!count[s]) continue;
    if (s >= predefinedDist.length) {
      predefinedBits = Infinity;
      break;
    }
    predefinedBits += count[s]! * (predefined.log - Math.log2(Math.max(1, predefinedDist[s]!)));
  }
  if (n < 16 && predefinedBits < Infinity) return { mode: 0, table: predefined, dist: [] };
  const log = tableLog(n, distinct, maxLog);
  const dist = normalize(count, n, log);
  let last = symbols - 1;
  while (last > 0 && !count[last]) last--;
  let customBits = 4 + (last + 1) * 2 + distinct * (log - 1);
  for (let s = 0; s <= last; s++) if (count[s]) customBits += count[s]! * (log - Math.log2(dist[s]!));
  if (predefinedBits <= customBits) return { mode: 0, table: predefined, dist: [] };
  return { mode: 2, table: fseTable(dist.slice(0, last + 1), log), dist: dist.slice(0, last + 1) };
}

/** Writes nSeq sequences (offsets as offset values, match lengths minus 3) at out[at]. */
function writeSequences(nSeq: number, out: Uint8Array, at: number): number {
  let p = at;
  if (nSeq < 128) out[p++] = nSeq;
  else if (nSeq < 0x7f00) {
    out[p++] = (nSeq >>> 8) + 128;
    out[p++] = nSeq;
  } else {
    out[p++] = 255;
    out[p++] = nSeq - 0x7f00;
    out[p++] = (nSeq - 0x7f00) >>> 8;
  }
  if (nSeq === 0) return p;
  for (let i = 0; i < nSeq; i++) {
    llCodes[i] = llCode(seqLL[i]!);
    mlCodes[i] = mlCode(seqML[i]!);
    ofCodes[i] = highBit(seqOF[i]!);
  }
  const ll = chooseCoding(llCodes, nSeq, 36, 9, LL_TABLE, LL_DIST);
  const of = chooseCoding(ofCodes, nSeq, 32, 8, OF_TABLE, OF_DIST);
  const ml = chooseCoding(mlCodes, nSeq, 53, 9, ML_TABLE, ML_DIST);
  out[p++] = (ll.mode << 6) | (of.mode << 4) | (ml.mode << 2);
  for (const c of [ll, of, ml]) {
    if (c.mode === 1) out[p++] = c.dist[0]!;
    else if (c.mode === 2) p = writeFseDescription(c.dist, c.table.log, out, p);
  }
  const LL = ll.table;
  const ML = ml.table;
  const OF = of.table;
  bitsStart(out, p);
  const last = nSeq - 1;
  let llc = llCodes[last]!;
  let mlc = mlCodes[last]!;
  let ofc = ofCodes[last]!;
  let llState = stateOf(LL, llc);
  let mlState = stateOf(ML, mlc);
  let ofState = stateOf(OF, ofc);
  put(seqLL[last]! - LL_BASE[llc]!, LL_BITS[llc]!);
  put(seqML[last]! - ML_BASE[mlc]!, ML_BITS[mlc]!);
  putOffsetBits(seqOF[last]!, ofc);
  for (let i = last - 1; i >= 0; i--) {
    llc = llCodes[i]!;
    mlc = mlCodes[i]!;
    ofc = ofCodes[i]!;
    let from = OF.from[(ofc << OF.log) | ofState]!;
    put(ofState - OF.base[from]!, OF.bits[from]!);
    ofState = from;
    from = ML.from[(mlc << ML.log) | mlState]!;
    put(mlState - ML.base[from]!, ML.bits[from]!);
    mlState = from;
    from = LL.from[(llc << LL.log) | llState]!;
    put(llState - LL.base[from]!, LL.bits[from]!);
    llState = from;
    put(seqLL[i]! - LL_BASE[llc]!, LL_BITS[llc]!);
    put(seqML[i]! - ML_BASE[mlc]!, ML_BITS[mlc]!);
    putOffsetBits(seqOF[i]!, ofc);
  }
  put(mlState, ML.log);
  put(ofState, OF.log);
  put(llState, LL.log);
  return bitsClose();
}

function putOffsetBits(value: number, ofc: number): void {
  const extra = value - (1 << ofc);
  if (ofc > 16) {
    put(extra & 0xffff, 16);
    put(extra >>> 16, ofc - 16);
  } else {
    put(extra, ofc);
  }
}

// ---------------------------------------------------------------------------------------------
// Match finding and blocks.

const literals = new Uint8Array(BLOCK_MAX);
/** Room for a compressed block that turns out larger than the raw one. */
const scratch = new Uint8Array(2 * BLOCK_MAX + 1024);

function read32(d: Uint8Array, i: number): number {
  return d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
}

/** Hash of the 6 bytes at p: matches shorter than that rarely pay for their offset. */
function hash6(src: Uint8Array, p: number, shift: number): number {
  return (Math.imul(read32(src, p), 0x9e3779b1) ^ Math.imul(src[p + 4]! | (src[p + 5]! << 8), 0x85ebca77)) >>> shift;
}

/**
 * Compresses src[start, end) as the content of one compressed block into scratch, finding
 * matches as far back as maxOffset; returns its length.
 */
function compressBlock(src: Uint8Array, start: number, end: number, table: Int32Array, hashShift: number, maxOffset: number): number {
  let nSeq = 0;
  let nLit = 0;
  let anchor = start;
  let ip = start;
  const limit = end - HASH_BYTES;
  let attempts = 1 << SKIP_TRIGGER;
  while (ip <= limit) {
    const h = hash6(src, ip, hashShift);
    let ref = table[h]! - 1;
    table[h] = ip + 1;
    if (ref < 0 || ip - ref > maxOffset || read32(src, ref) !== read32(src, ip) || src[ref + 4] !== src[ip + 4] || src[ref + 5] !== src[ip + 5]) {
      ip += attempts++ >> SKIP_TRIGGER;
      continue;
    }
    attempts = 1 << SKIP_TRIGGER;
    while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
      ip--;
      ref--;
    }
    let len = HASH_BYTES;
    while (ip + len < end && src[ip + len] === src[ref + len]) len++;
    // One step of lazy matching: a longer match starting at the next byte wins.
    const next = ip + 1;
    if (next <= limit) {
      const h1 = hash6(src, next, hashShift);
      const ref1 = table[h1]! - 1;
      table[h1] = next + 1;
      if (ref1 >= 0 && ref1 < next && next - ref1 <= maxOffset && read32(src, ref1) === read32(src, next)) {
        let len1 = MIN_MATCH;
        while (next + len1 < end && src[next + len1] === src[ref1 + len1]) len1++;
        if (len1 > len + 1) {
          ip = next;
          ref = ref1;
          len = len1;
        }
      }
    }
    const litLen = ip - anchor;
    if (litLen > 32) {
      literals.set(src.subarray(anchor, ip), nLit);
      nLit += litLen;
    } else {
      for (let i = anchor; i < ip; i++) literals[nLit++] = src[i]!;
    }
    seqLL[nSeq] = litLen;
    seqML[nSeq] = len - 3;
    seqOF[nSeq] = ip - ref + 3;
    nSeq++;
    ip += len;
    anchor = ip;
    if (ip - 2 > start && ip - 2 <= limit) table[hash6(src, ip - 2, hashShift)] = ip - 1;
  }
  if (end > anchor) {
    literals.set(src.subarray(anchor, end), nLit);
    nLit += end - anchor;
  }
  const p = writeLiterals(literals, nLit, scratch, 0);
  return writeSequences(nSeq, scratch, p);
}

/**
 * The most input one frame of ZstdFramesEncoder holds: 1 MiB. A longer stream becomes several
 * frames one after another, which every zstd decoder reads as one stream (the format allows it;
 * the Java client's, librdkafka's and Go's decoders read on to the next frame), at the cost of
 * matches not reaching across frames; almost all batches inflate to less.
 */
export const ZSTD_FRAME_INPUT_BYTES = 1024 * 1024;

/**
 * zstdCompress over input given in pieces, a frame per ZSTD_FRAME_INPUT_BYTES: the same bytes
 * as zstdCompress for an input up to that size.
 */
export class ZstdFramesEncoder implements StreamEncoder {
  size = 0;
  private readonly parts: Buffer[] = [];
  private readonly input = Buffer.allocUnsafe(ZSTD_FRAME_INPUT_BYTES);
  private fill = 0;
  private frames = 0;

  take(buf: Uint8Array, start: number, end: number): void {
    while (start < end) {
      const n = Math.min(end - start, ZSTD_FRAME_INPUT_BYTES - this.fill);
      this.input.set(buf.subarray(start, start + n), this.fill);
      this.fill += n;
      start += n;
      if (this.fill === ZSTD_FRAME_INPUT_BYTES) this.emit();
    }
  }

  finish(): Buffer[] {
    if (this.fill > 0 || this.frames === 0) this.emit();
    return this.parts;
  }

  private emit(): void {
    // Copied out: zstdCompress's result is a view of a buffer sized for its input.
    const frame = Buffer.from(zstdCompress(this.input.subarray(0, this.fill)));
    this.parts.push(frame);
    this.size += frame.length;
    this.fill = 0;
    this.frames++;
  }
}

export function zstdCompress(src: Uint8Array): Buffer {
  const n = src.length;
  const blocks = Math.max(1, Math.ceil(n / BLOCK_MAX));
  const out = Buffer.allocUnsafe(18 + n + 3 * blocks);
  out.writeUInt32LE(MAGIC, 0);
  let p = 4;
  let maxOffset: number;
  if (n <= SINGLE_SEGMENT_MAX) {
    // Single segment: the content size is the window, written in as few bytes as allowed.
    maxOffset = n;
    if (n < 256) {
      out[p++] = 0x20;
      out[p++] = n;
    } else if (n < 65536 + 256) {
      out[p++] = 0x60;
      out.writeUInt16LE(n - 256, p);
      p += 2;
    } else {
      out[p++] = 0xa0;
      out.writeUInt32LE(n, p);
      p += 4;
    }
  } else {
    maxOffset = SINGLE_SEGMENT_MAX - 1;
    const wide = n > 0xffffffff;
    out[p++] = wide ? 0xc0 : 0x80;
    out[p++] = (WINDOW_LOG - 10) << 3;
    if (wide) {
      out.writeUInt32LE(n >>> 0, p);
      out.writeUInt32LE(Math.floor(n / 0x100000000), p + 4);
      p += 8;
    } else {
      out.writeUInt32LE(n, p);
      p += 4;
    }
  }
  let hashLog = 10;
  while (hashLog < 17 && 1 << hashLog < n) hashLog++;
  const table = new Int32Array(1 << hashLog);
  const hashShift = 32 - hashLog;
  for (let at = 0; at < n || at === 0; at += BLOCK_MAX) {
    const end = Math.min(n, at + BLOCK_MAX);
    const last = end === n ? 1 : 0;
    const size = end - at;
    const csize = size > 16 ? compressBlock(src, at, end, table, hashShift, maxOffset) : size;
    if (csize < size) {
      const header = last | (2 << 1) | (csize << 3);
      out[p] = header;
      out[p + 1] = header >>> 8;
      out[p + 2] = header >>> 16;
      out.set(scratch.subarray(0, csize), p + 3);
      p += 3 + csize;
    } else {
      const header = last | (size << 3);
      out[p] = header;
      out[p + 1] = header >>> 8;
      out[p + 2] = header >>> 16;
      out.set(src.subarray(at, end), p + 3);
      p += 3 + size;
    }
    if (last) break;
  }
  return out.subarray(0, p);
}
