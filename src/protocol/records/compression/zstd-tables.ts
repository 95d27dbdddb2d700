/**
 * The fixed tables of the zstd format (RFC 8878), the FSE table construction and the reading
 * of FSE table descriptions, shared by the encoder (zstd-compress.ts) and the decoder
 * (zstd-stream.ts).
 */
import { streamFail } from './errors.js';

function fail(why: string): never {
  streamFail('zstd', why);
}

// ---------------------------------------------------------------------------------------------
// Length codes (RFC 8878 3.1.1.3.2.1): each code is a baseline plus that many extra bits.

export const LL_BITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
export const ML_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];

function baselines(bits: number[], first: number): number[] {
  const out: number[] = [];
  let v = first;
  for (const b of bits) {
    out.push(v);
    v += 1 << b;
  }
  return out;
}

export const LL_BASE = baselines(LL_BITS, 0);
/** Match length baselines, as match length minus 3. */
export const ML_BASE = baselines(ML_BITS, 0);
/** The largest offset code a decoder is asked to support. */
export const MAX_OFFSET_CODE = 31;

export function highBit(x: number): number {
  return 31 - Math.clz32(x);
}

// ---------------------------------------------------------------------------------------------
// FSE tables (RFC 8878 4.1.1).

export interface FseTable {
  log: number;
  /** For each state: the symbol it decodes, the bits its update reads, and their baseline. */
  symbol: Uint8Array;
  bits: Uint8Array;
  base: Uint16Array;
  /**
   * For encoding: from[s << log | t] is the state of symbol s whose update can land in state
   * t. Empty when built for decoding only.
   */
  from: Uint16Array;
}

/**
 * The decoding table of a normalised distribution (probabilities summing to 2^log, -1 for
 * "less than one"), built exactly as a decoder builds it; with `encoder`, also the reverse
 * map an encoder walks.
 */
export function fseTable(dist: readonly number[], log: number, encoder = true): FseTable {
  const size = 1 << log;
  const symbol = new Uint8Array(size);
  let high = size - 1;
  let total = 0;
  for (let s = 0; s < dist.length; s++) {
    if (dist[s] === -1) {
      symbol[high--] = s;
      total++;
    } else {
      total += dist[s]!;
    }
  }
  if (total !== size) throw new Error('zstd: FSE distribution does not fill its table');
  const step = (size >>> 1) + (size >>> 3) + 3;
  let pos = 0;
  for (let s = 0; s < dist.length; s++) {
    for (let i = 0; i < dist[s]!; i++) {
      symbol[pos] = s;
      do pos = (pos + step) & (size - 1);
      while (pos > high);
    }
  }
  if (pos !== 0) throw new Error('zstd: FSE distribution does not fill its table');
  const next = dist.map((d) => (d === -1 ? 1 : d));
  const bits = new Uint8Array(size);
  const base = new Uint16Array(size);
  const from = new Uint16Array(encoder ? dist.length << log : 0);
  for (let state = 0; state < size; state++) {
    const s = symbol[state]!;
    const n = next[s]!++;
    const nb = log - highBit(n);
    bits[state] = nb;
    base[state] = (n << nb) - size;
    if (encoder) for (let t = base[state]!; t < base[state]! + (1 << nb); t++) from[(s << log) | t] = state;
  }
  return { log, symbol, bits, base, from };
}

// The predefined distributions (RFC 8878 3.1.1.3.2.2).
export const LL_DIST = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
export const ML_DIST = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
export const OF_DIST = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

export const LL_TABLE = fseTable(LL_DIST, 6);
export const ML_TABLE = fseTable(ML_DIST, 6);
export const OF_TABLE = fseTable(OF_DIST, 5);
export const PREDEFINED = { literalLengths: LL_TABLE, matchLengths: ML_TABLE, offsets: OF_TABLE };

// ---------------------------------------------------------------------------------------------
// Reading FSE table descriptions (RFC 8878 4.1.1).

/** Up to 24 bits of src starting at bit position pos, little-endian. */
export function bitsAt(src: Uint8Array, pos: number, n: number): number {
  const i = pos >>> 3;
  const word = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> (pos & 7);
  return word & ((1 << n) - 1);
}

/** An FSE table description at src[p]; returns the table and where the description ends. */
export function readFseTable(src: Uint8Array, p: number, end: number, maxLog: number, maxSymbol: number): [FseTable, number] {
  if (p >= end) fail('truncated FSE table description');
  const log = (src[p]! & 15) + 5;
  if (log > maxLog) fail(`FSE accuracy log ${log} above ${maxLog}`);
  let bit = p * 8 + 4;
  let remaining = 1 << log;
  const dist: number[] = [];
  while (remaining > 0) {
    if (dist.length > maxSymbol) fail('FSE table description has too many symbols');
    const max = remaining + 1;
    const nb = highBit(max) + 1;
    const threshold = (1 << nb) - 1 - max;
    const v = bitsAt(src, bit, nb);
    const low = v & ((1 << (nb - 1)) - 1);
    let value: number;
    if (low < threshold) {
      value = low;
      bit += nb - 1;
    } else {
      value = v >= 1 << (nb - 1) ? v - threshold : v;
      bit += nb;
    }
    const prob = value - 1;
    dist.push(prob);
    remaining -= prob === -1 ? 1 : prob;
    if (remaining < 0) fail('FSE table description overfills its table');
    if (prob === 0) {
      for (;;) {
        const repeat = bitsAt(src, bit, 2);
        bit += 2;
        for (let i = 0; i < repeat; i++) dist.push(0);
        if (dist.length > maxSymbol + 1) fail('FSE table description has too many symbols');
        if (repeat !== 3) break;
      }
    }
  }
  const next = (bit + 7) >>> 3;
  if (next > end) fail('truncated FSE table description');
  return [fseTable(dist, log, false), next];
}

export function rleTable(symbol: number): FseTable {
  const dist = new Array<number>(symbol + 1).fill(0);
  dist[symbol] = 1;
  return fseTable(dist, 0, false);
}
