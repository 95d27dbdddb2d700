/**
 * The fixed tables of the zstd format (RFC 8878) and the FSE table construction, shared by
 * the encoder (zstd-compress.ts) and the frame checks in front of fzstd (zstd.ts).
 */

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
