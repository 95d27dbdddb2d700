/**
 * zstd for record batches (compression type 4).
 *
 * Decompression is fzstd (pure JavaScript), one frame at a time, behind a check of everything
 * fzstd takes on trust. fzstd allocates whatever a header claims (up to 2 GiB for a window or
 * a content size), and it runs sequences without bounds: a compressed block of a few bytes can
 * declare 98,303 sequences of 128 KiB each and keep it copying for minutes, or copy from before
 * the start of the output. So before fzstd sees a frame, this file reads its header and every
 * block: literal section sizes, sequence counts, the FSE tables (predefined, RLE, described or
 * repeated), and the sequence bitstream itself, resolving repeat offsets, without producing any
 * output. Every block must decode within its maximum size, every match within the data produced
 * so far, every bitstream must be consumed exactly, and the frame's exact decoded size must
 * match its declared content size and fit under MAX_DECOMPRESSED_BYTES, all before anything
 * is allocated. A window larger than the frame's own content is cut down, since fzstd would
 * allocate it. Content checksums are verified (fzstd skips them). Dictionaries are refused: no
 * Kafka client uses them. The check costs about 40% of decompression time (fzstd alone decodes
 * the 64 KiB JSON batch of bench/micro/compression.ts at ~245 MB/s, checked ~140 MB/s).
 *
 * Compression is zstd-compress.ts.
 */
import { decompress as fzstdDecompress } from 'fzstd';
import { streamFail } from './errors.js';
import { readU32, skipSkippableFrame } from './frames.js';
import { MAX_DECOMPRESSED_BYTES, tooLarge } from './limits.js';
import { xxhash64Low32 } from './xxhash64.js';
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

export { zstdCompress } from './zstd-compress.js';

const MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;

function fail(why: string): never {
  streamFail('zstd', why);
}

interface Frame {
  end: number;
  /** -1 when the header does not say. */
  contentSize: number;
  /** Where the window descriptor byte is, or -1 for a single-segment frame. */
  windowAt: number;
  windowSize: number;
  checksum: boolean;
  /** What the frame's blocks decode to. */
  size: number;
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
  huffman: boolean;
}

// The backward bit reader of a sequence bitstream: the stream, the position of the next bit
// to be read from the top down, and where the stream starts.
let rs: Uint8Array = new Uint8Array(0);
let rPos = 0;
let rFloor = 0;

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
 * Decodes the headers and the sequences of the compressed block src[start, end) without
 * producing any output, and returns how many bytes it decodes to. fzstd trusts all of this: an
 * unchecked block of a few bytes can declare 98,303 sequences of 128 KiB each and keep it
 * copying for minutes, or copy from before the start of the output.
 */
function checkCompressedBlock(src: Uint8Array, start: number, end: number, st: FrameState): number {
  let p = start;
  const b0 = src[p]!;
  const litType = b0 & 3;
  const format = (b0 >>> 2) & 3;
  let regenerated: number;
  let stored: number;
  let headerBytes: number;
  if (litType < 2) {
    headerBytes = format & 1 ? (format >>> 1) + 2 : 1;
    if (end - p < headerBytes) fail('truncated literals header');
    if (headerBytes === 1) regenerated = b0 >>> 3;
    else if (headerBytes === 2) regenerated = (b0 >>> 4) | (src[p + 1]! << 4);
    else regenerated = (b0 >>> 4) | (src[p + 1]! << 4) | (src[p + 2]! << 12);
    stored = litType === 0 ? regenerated : 1;
  } else {
    headerBytes = format < 2 ? 3 : format + 2;
    if (end - p < headerBytes) fail('truncated literals header');
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
    if (litType === 3 && !st.huffman) fail('treeless literals without an earlier Huffman table');
    if (format !== 0 && stored < 10) fail('four Huffman streams in fewer than 10 bytes');
    st.huffman = true;
  }
  if (regenerated > st.blockMax) fail(`block has ${regenerated} literals, more than its maximum size`);
  p += headerBytes;
  if (stored > end - p) fail('literals run past the end of the block');
  p += stored;

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
  if (nSeq === 0) return regenerated;
  if (p >= end) fail('truncated sequence modes');
  const modes = src[p++]!;
  if (modes & 3) fail('reserved bits set in the sequence modes');
  const limits: [number, number, FseTable][] = [
    [9, 35, LL_TABLE],
    [8, MAX_OFFSET_CODE, OF_TABLE],
    [9, 52, ML_TABLE],
  ];
  const tables: FseTable[] = [];
  for (let k = 0; k < 3; k++) {
    const [maxLog, maxSymbol, predefined] = limits[k]!;
    const mode = (modes >>> (6 - 2 * k)) & 3;
    if (mode === 0) tables.push(predefined);
    else if (mode === 1) {
      if (p >= end) fail('truncated RLE sequence table');
      const symbol = src[p++]!;
      if (symbol > maxSymbol) fail(`RLE code ${symbol} out of range`);
      tables.push(rleTable(symbol));
    } else if (mode === 2) {
      const [table, next] = readFseTable(src, p, end, maxLog, maxSymbol);
      tables.push(table);
      p = next;
    } else {
      if (!st.tables) fail('repeated sequence table without an earlier one');
      tables.push(st.tables[k]!);
    }
  }
  const [ll, of, ml] = tables as [FseTable, FseTable, FseTable];
  st.tables = [ll, of, ml];

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
  let out = 0;
  let literals = 0;
  for (let i = 0; i < nSeq; i++) {
    const llc = ll.symbol[llState]!;
    const mlc = ml.symbol[mlState]!;
    const ofc = of.symbol[ofState]!;
    if (llc > 35 || mlc > 52 || ofc > MAX_OFFSET_CODE) fail('sequence code out of range');
    const ov = ((1 << ofc) >>> 0) + read(ofc);
    const matchLength = ML_BASE[mlc]! + 3 + read(ML_BITS[mlc]!);
    const literalLength = LL_BASE[llc]! + read(LL_BITS[llc]!);
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
    literals += literalLength;
    if (literals > regenerated) fail('sequences use more literals than the block holds');
    out += literalLength;
    if (offset === 0 || offset > st.produced + out || offset > st.windowSize) fail('match offset reaches before the start of the frame');
    out += matchLength;
    if (out > st.blockMax) fail('block decodes to more than its maximum size');
    if (i + 1 < nSeq) {
      llState = ll.base[llState]! + read(ll.bits[llState]!);
      mlState = ml.base[mlState]! + read(ml.bits[mlState]!);
      ofState = of.base[ofState]! + read(of.bits[ofState]!);
    }
  }
  if (rPos !== rFloor) fail('sequence bitstream not consumed exactly');
  const total = out + regenerated - literals;
  if (total > st.blockMax) fail('block decodes to more than its maximum size');
  return total;
}

/** Reads and checks the header and block framing of the frame at pos. */
function scanFrame(src: Uint8Array, pos: number): Frame {
  if (src.length - pos < 6) fail('truncated frame header');
  const fhd = src[pos + 4]!;
  if (fhd & 0x08) fail('reserved bit set in the frame header');
  const fcsFlag = fhd >>> 6;
  const single = (fhd & 0x20) !== 0;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = fcsFlag === 0 ? (single ? 1 : 0) : 1 << fcsFlag;
  let p = pos + 5;
  const headerEnd = p + (single ? 0 : 1) + dictBytes + fcsBytes;
  if (headerEnd > src.length) fail('truncated frame header');
  let windowSize = 0;
  let windowAt = -1;
  if (!single) {
    windowAt = p;
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
  }
  if (single) windowSize = contentSize;
  const blockMax = Math.min(windowSize, BLOCK_MAX);
  const st: FrameState = { produced: 0, windowSize, blockMax, rep: [1, 4, 8], tables: undefined, huffman: false };
  for (;;) {
    if (src.length - p < 3) fail('truncated block header');
    const header = src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16);
    p += 3;
    const type = (header >>> 1) & 3;
    const size = header >>> 3;
    if (type === 3) fail('reserved block type');
    // The decoded size of every block is held to the frame's maximum; a compressed block's
    // own size only to 128 KiB, as the reference decoder does.
    const most = type === 2 ? BLOCK_MAX : blockMax;
    if (size > most) fail(`block of ${size} bytes exceeds the frame's maximum of ${most}`);
    const stored = type === 1 ? 1 : size;
    if (stored > src.length - p) fail('block runs past the end of the data');
    if (type === 2 && size === 0) fail('empty compressed block');
    st.produced += type === 2 ? checkCompressedBlock(src, p, p + size, st) : size;
    if (st.produced > MAX_DECOMPRESSED_BYTES) tooLarge('zstd', st.produced);
    p += stored;
    if (header & 1) break;
  }
  const checksum = (fhd & 0x04) !== 0;
  if (checksum) {
    if (src.length - p < 4) fail('truncated content checksum');
    p += 4;
  }
  if (contentSize >= 0 && contentSize !== st.produced) fail(`frame declares ${contentSize} bytes but its blocks hold ${st.produced}`);
  return { end: p, contentSize, windowAt, windowSize, checksum, size: st.produced };
}

/** The window descriptor byte for the smallest power-of-two window of at least n bytes (and at least one block). */
function windowByteFor(n: number): number {
  let log = 17;
  while (2 ** log < n) log++;
  return (log - 10) << 3;
}

function decodeFrame(data: Uint8Array, start: number, f: Frame): Uint8Array {
  let frame = data.subarray(start, f.end);
  if (f.contentSize <= 0 && f.windowAt >= 0) {
    // fzstd sizes its buffer from the window when the content size is unknown; no offset can
    // reach further back than the frame's own output, so a window past that is cut down.
    const wanted = windowByteFor(f.size);
    const base = 2 ** (10 + (wanted >>> 3));
    if (f.windowSize > base) {
      frame = Uint8Array.from(frame);
      frame[f.windowAt - start] = wanted;
    }
  }
  let out: Uint8Array;
  try {
    out = fzstdDecompress(frame);
  } catch (e) {
    fail((e as Error).message);
  }
  if (out.length !== f.size) fail(`frame should decode to ${f.size} bytes but decodes to ${out.length}`);
  if (f.checksum && xxhash64Low32(out) !== readU32(data, f.end - 4)) fail('content checksum mismatch');
  return out;
}

/** Decodes every frame in data (skipping skippable frames) and returns the concatenation. */
export function zstdDecompress(data: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  let frames = 0;
  while (pos < data.length) {
    if (data.length - pos < 8) fail('truncated frame');
    const skipped = skipSkippableFrame('zstd', data, pos);
    if (skipped >= 0) {
      pos = skipped;
      continue;
    }
    const magic = readU32(data, pos);
    if (magic !== MAGIC) fail(frames === 0 ? 'not a zstd frame' : 'garbage after the last frame');
    const f = scanFrame(data, pos);
    // Checked before fzstd allocates anything.
    if (total + f.size > MAX_DECOMPRESSED_BYTES) tooLarge('zstd', total + f.size);
    const out = decodeFrame(data, pos, f);
    total += out.length;
    parts.push(out);
    pos = f.end;
    frames++;
  }
  if (frames === 0) fail('no zstd frame in the data');
  if (parts.length === 1) return Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength);
  return Buffer.concat(parts, total);
}
