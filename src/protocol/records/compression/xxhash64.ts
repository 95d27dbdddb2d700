/**
 * xxHash64, which zstd frames use for their optional content checksum (the low 32 bits are
 * stored). Computed on pairs of unsigned 32-bit halves rather than BigInt, which is several
 * times slower.
 */

// Each 64-bit constant as [high, low].
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

/** The running value: a 64-bit number as two unsigned 32-bit halves. */
let hi = 0;
let lo = 0;

/** (hi, lo) = (ah, al) * (bh, bl) mod 2^64. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16;
  const b0 = bl & 0xffff, b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const low = a0 * b0 + (mid % 0x10000) * 0x10000;
  lo = low >>> 0;
  hi = (a1 * b1 + Math.floor(mid / 0x10000) + Math.floor(low / 0x100000000) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (hi, lo) = (ah, al) + (bh, bl) mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const low = al + bl;
  lo = low >>> 0;
  hi = (ah + bh + (low > 0xffffffff ? 1 : 0)) >>> 0;
}

/** (hi, lo) = rotate (hi, lo) left by r (0 < r < 64). */
function rotl(r: number): void {
  let h = hi, l = lo;
  if (r >= 32) {
    const t = h;
    h = l;
    l = t;
    r -= 32;
  }
  if (r === 0) {
    hi = h;
    lo = l;
    return;
  }
  hi = ((h << r) | (l >>> (32 - r))) >>> 0;
  lo = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** (hi, lo) = round(acc, input): rotl(acc + input * P2, 31) * P1. */
function round(acch: number, accl: number, inh: number, inl: number): void {
  mul(inh, inl, P2H, P2L);
  add(acch, accl, hi, lo);
  rotl(31);
  mul(hi, lo, P1H, P1L);
}

function u32(d: Uint8Array, i: number): number {
  return (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0;
}

/** The low 32 bits of xxHash64 of data[start, end) with seed 0. */
export function xxhash64Low32(data: Uint8Array, start = 0, end = data.length): number {
  const len = end - start;
  let i = start;
  let hh: number, hl: number;
  if (len >= 32) {
    add(P1H, P1L, P2H, P2L);
    let v1h = hi, v1l = lo;
    let v2h = P2H, v2l = P2L;
    let v3h = 0, v3l = 0;
    // 0 - P1
    add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
    let v4h = hi, v4l = lo;
    const limit = end - 32;
    while (i <= limit) {
      round(v1h, v1l, u32(data, i + 4), u32(data, i));
      v1h = hi; v1l = lo;
      round(v2h, v2l, u32(data, i + 12), u32(data, i + 8));
      v2h = hi; v2l = lo;
      round(v3h, v3l, u32(data, i + 20), u32(data, i + 16));
      v3h = hi; v3l = lo;
      round(v4h, v4l, u32(data, i + 28), u32(data, i + 24));
      v4h = hi; v4l = lo;
      i += 32;
    }
    hi = v1h; lo = v1l; rotl(1);
    let sh = hi, sl = lo;
    hi = v2h; lo = v2l; rotl(7);
    add(sh, sl, hi, lo); sh = hi; sl = lo;
    hi = v3h; lo = v3l; rotl(12);
    add(sh, sl, hi, lo); sh = hi; sl = lo;
    hi = v4h; lo = v4l; rotl(18);
    add(sh, sl, hi, lo); sh = hi; sl = lo;
    for (const [vh, vl] of [[v1h, v1l], [v2h, v2l], [v3h, v3l], [v4h, v4l]] as const) {
      round(0, 0, vh, vl);
      sh = (sh ^ hi) >>> 0;
      sl = (sl ^ lo) >>> 0;
      mul(sh, sl, P1H, P1L);
      add(hi, lo, P4H, P4L);
      sh = hi; sl = lo;
    }
    hh = sh; hl = sl;
  } else {
    hh = P5H; hl = P5L;
  }
  add(hh, hl, Math.floor(len / 0x100000000), len >>> 0);
  hh = hi; hl = lo;
  while (i + 8 <= end) {
    round(0, 0, u32(data, i + 4), u32(data, i));
    hi = (hh ^ hi) >>> 0;
    lo = (hl ^ lo) >>> 0;
    rotl(27);
    mul(hi, lo, P1H, P1L);
    add(hi, lo, P4H, P4L);
    hh = hi; hl = lo;
    i += 8;
  }
  if (i + 4 <= end) {
    mul(0, u32(data, i), P1H, P1L);
    hi = (hh ^ hi) >>> 0;
    lo = (hl ^ lo) >>> 0;
    rotl(23);
    mul(hi, lo, P2H, P2L);
    add(hi, lo, P3H, P3L);
    hh = hi; hl = lo;
    i += 4;
  }
  while (i < end) {
    mul(0, data[i]!, P5H, P5L);
    hi = (hh ^ hi) >>> 0;
    lo = (hl ^ lo) >>> 0;
    rotl(11);
    mul(hi, lo, P1H, P1L);
    hh = hi; hl = lo;
    i++;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  hl = (hl ^ (hh >>> 1)) >>> 0;
  mul(hh, hl, P2H, P2L);
  hh = hi;
  hl = lo;
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0;
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L);
  return (lo ^ hi) >>> 0;
}
