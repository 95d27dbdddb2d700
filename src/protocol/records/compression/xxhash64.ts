/**
 * xxHash64, which zstd frames use for their optional content checksum (the low 32 bits are
 * stored). Computed on pairs of unsigned 32-bit halves rather than BigInt, which is several
 * times slower; the bulk of the input (32-byte stripes) with the arithmetic written out, about
 * 550 MB/s on one core.
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

let shared: Xxhash64Stream | undefined;

/** The low 32 bits of xxHash64 of data[start, end) with seed 0. */
export function xxhash64Low32(data: Uint8Array, start = 0, end = data.length): number {
  const h = (shared ??= new Xxhash64Stream());
  h.reset();
  h.update(data, start, end);
  return h.digestLow32();
}

/**
 * xxHash64 (seed 0) over data given in pieces, for zstd content checksums of frames decoded
 * piece by piece: `update` with each piece in order, then `digestLow32`. Equal to
 * xxhash64Low32 of the concatenation.
 */
export class Xxhash64Stream {
  // The four accumulators, each as [high, low] halves.
  private v = new Uint32Array(8);
  private length = 0;
  /** Bytes of an incomplete 32-byte stripe. */
  private readonly tail = new Uint8Array(32);
  private tailLength = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    const v = this.v;
    add(P1H, P1L, P2H, P2L);
    v[0] = hi;
    v[1] = lo;
    v[2] = P2H;
    v[3] = P2L;
    v[4] = 0;
    v[5] = 0;
    add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
    v[6] = hi;
    v[7] = lo;
    this.length = 0;
    this.tailLength = 0;
  }

  update(data: Uint8Array, start = 0, end = data.length): void {
    this.length += end - start;
    let i = start;
    if (this.tailLength > 0) {
      const n = Math.min(32 - this.tailLength, end - i);
      this.tail.set(data.subarray(i, i + n), this.tailLength);
      this.tailLength += n;
      i += n;
      if (this.tailLength < 32) return;
      this.stripes(this.tail, 0, 32);
      this.tailLength = 0;
    }
    const whole = i + ((end - i) & ~31);
    if (whole > i) this.stripes(data, i, whole);
    if (whole < end) {
      this.tail.set(data.subarray(whole, end), 0);
      this.tailLength = end - whole;
    }
  }

  digestLow32(): number {
    const v = this.v;
    let hh: number, hl: number;
    if (this.length >= 32) {
      hi = v[0]!; lo = v[1]!; rotl(1);
      let sh = hi, sl = lo;
      hi = v[2]!; lo = v[3]!; rotl(7);
      add(sh, sl, hi, lo); sh = hi; sl = lo;
      hi = v[4]!; lo = v[5]!; rotl(12);
      add(sh, sl, hi, lo); sh = hi; sl = lo;
      hi = v[6]!; lo = v[7]!; rotl(18);
      add(sh, sl, hi, lo); sh = hi; sl = lo;
      for (let k = 0; k < 8; k += 2) {
        round(0, 0, v[k]!, v[k + 1]!);
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
    const len = this.length;
    add(hh, hl, Math.floor(len / 0x100000000), len >>> 0);
    hh = hi; hl = lo;
    const data = this.tail;
    const end = this.tailLength;
    let i = 0;
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
    hl = (hl ^ (hh >>> 1)) >>> 0;
    mul(hh, hl, P2H, P2L);
    hh = hi;
    hl = lo;
    hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0;
    hh = (hh ^ (hh >>> 29)) >>> 0;
    mul(hh, hl, P3H, P3L);
    return (lo ^ hi) >>> 0;
  }

  /**
   * The 32-byte stripes of data[start, end): each lane's round, acc = rotl(acc + input * P2, 31)
   * * P1, written out on 32-bit halves with the lanes in a typed array, which V8 keeps in
   * registers; about ten times faster than going through mul / add / rotl.
   */
  private stripes(data: Uint8Array, start: number, end: number): void {
    const v = this.v;
    for (let i = start; i < end; i += 32) {
      for (let k = 0; k < 8; k += 2) {
        const at = i + 4 * k;
        const il = u32(data, at);
        const ih = u32(data, at + 4);
        // t = input * P2
        const tl = Math.imul(il, P2L) >>> 0;
        const th = (mulHigh(il, P2L) + Math.imul(ih, P2L) + Math.imul(il, P2H)) >>> 0;
        // acc + t
        const sum = v[k + 1]! + tl;
        const nl = sum >>> 0;
        const nh = (v[k]! + th + (sum > 0xffffffff ? 1 : 0)) >>> 0;
        // rotl 31
        const rh = ((nh << 31) | (nl >>> 1)) >>> 0;
        const rl = ((nl << 31) | (nh >>> 1)) >>> 0;
        // * P1
        v[k + 1] = Math.imul(rl, P1L);
        v[k] = mulHigh(rl, P1L) + Math.imul(rh, P1L) + Math.imul(rl, P1H);
      }
    }
  }
}

/** The high 32 bits of the 64-bit product of two unsigned 32-bit numbers. */
function mulHigh(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const lolo = a0 * b0;
  const hilo = a1 * b0;
  const cross = (lolo >>> 16) + (hilo & 0xffff) + a0 * b1;
  return a1 * b1 + (hilo >>> 16) + Math.floor(cross / 0x10000);
}
