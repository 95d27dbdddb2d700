/**
 * xxHash32, the checksum of the LZ4 frame format (header, block and content checksums).
 */

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function u32(d: Uint8Array, i: number): number {
  return d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
}

/** xxHash32 of data[start, end) with the given seed, as an unsigned 32-bit number. */
export function xxhash32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let i = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    while (i <= limit) {
      v1 = Math.imul(rotl((v1 + Math.imul(u32(data, i), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(u32(data, i + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(u32(data, i + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(u32(data, i + 12), P2)) | 0, 13), P1);
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  return finish((h + (end - start)) | 0, data, i, end);
}

/** The last step of both forms: the bytes after the last stripe, data[i, end), mixed into h, then the avalanche. */
function finish(h: number, data: Uint8Array, i: number, end: number): number {
  while (i + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(u32(data, i), P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < end) {
    h = Math.imul(rotl((h + Math.imul(data[i]!, P5)) | 0, 11), P1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * xxHash32 over data given in pieces, for content checksums of streams decoded piece by piece:
 * `update` with each piece in order, then `digest`. Equal to xxhash32 of the concatenation.
 */
export class Xxhash32Stream {
  private v1 = 0;
  private v2 = 0;
  private v3 = 0;
  private v4 = 0;
  private length = 0;
  /** Bytes of an incomplete 16-byte stripe. */
  private readonly tail = new Uint8Array(16);
  private tailLength = 0;
  private seed = 0;

  constructor(seed = 0) {
    this.reset(seed);
  }

  reset(seed = 0): void {
    this.seed = seed | 0;
    this.v1 = (seed + P1 + P2) | 0;
    this.v2 = (seed + P2) | 0;
    this.v3 = seed | 0;
    this.v4 = (seed - P1) | 0;
    this.length = 0;
    this.tailLength = 0;
  }

  update(data: Uint8Array, start = 0, end = data.length): void {
    this.length += end - start;
    let i = start;
    if (this.tailLength > 0) {
      const n = Math.min(16 - this.tailLength, end - i);
      this.tail.set(data.subarray(i, i + n), this.tailLength);
      this.tailLength += n;
      i += n;
      if (this.tailLength < 16) return;
      this.stripes(this.tail, 0, 16);
      this.tailLength = 0;
    }
    const whole = i + ((end - i) & ~15);
    if (whole > i) this.stripes(data, i, whole);
    if (whole < end) {
      this.tail.set(data.subarray(whole, end), 0);
      this.tailLength = end - whole;
    }
  }

  digest(): number {
    let h: number;
    if (this.length >= 16) h = (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0;
    else h = (this.seed + P5) | 0;
    return finish((h + this.length) | 0, this.tail, 0, this.tailLength);
  }

  private stripes(data: Uint8Array, start: number, end: number): void {
    let v1 = this.v1, v2 = this.v2, v3 = this.v3, v4 = this.v4;
    for (let i = start; i < end; i += 16) {
      v1 = Math.imul(rotl((v1 + Math.imul(u32(data, i), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(u32(data, i + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(u32(data, i + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(u32(data, i + 12), P2)) | 0, 13), P1);
    }
    this.v1 = v1;
    this.v2 = v2;
    this.v3 = v3;
    this.v4 = v4;
  }
}
