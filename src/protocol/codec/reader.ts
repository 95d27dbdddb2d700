/**
 * Reader: a cursor over one Buffer holding a Kafka message.
 *
 * Every read checks its bounds; a read past the end, a negative length other than the null
 * marker, a string that is not UTF-8, or a varint longer than its type allows sets the sticky
 * `bad` flag and returns a zero value, so a decoder runs to its end with no branch per field
 * and is checked once (`ensureGood`). No length read from the wire is ever used to allocate
 * before it has been checked against the bytes that remain, so a hostile length costs nothing.
 *
 * int64 values are read as JavaScript numbers: exact for |value| < 2^53, which covers every
 * offset, timestamp and id the broker deals in (see docs/ARCHITECTURE.md, "non-obvious").
 *
 * Any thread may use a Reader; it owns no shared state.
 */
import { isUtf8 } from 'node:buffer';
import { ProtocolError } from './errors.js';

const TWO_32 = 4294967296;

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  bad = false;
  /** Why the first failure happened, for the error message. */
  why = '';

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(why: string): void {
    if (!this.bad) {
      this.bad = true;
      this.why = `${why} at byte ${this.pos}`;
    }
    this.pos = this.end;
  }

  ensureGood(what: string): void {
    if (this.bad) throw new ProtocolError(`malformed ${what}: ${this.why}`);
  }

  private need(n: number): boolean {
    if (this.pos + n > this.end) {
      this.fail(`needed ${n} bytes, ${this.end - this.pos} left`);
      return false;
    }
    return true;
  }

  int8(): number {
    if (!this.need(1)) return 0;
    return this.buf.readInt8(this.pos++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    if (!this.need(2)) return 0;
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    if (!this.need(2)) return 0;
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    if (!this.need(4)) return 0;
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    if (!this.need(4)) return 0;
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): number {
    if (!this.need(8)) return 0;
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  float64(): number {
    if (!this.need(8)) return 0;
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128, at most 5 bytes (32 bits). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) {
        this.fail('varint runs past the end');
        return 0;
      }
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result > 0xffffffff ? (this.fail('varint too large'), 0) : result;
      shift += 7;
    }
    this.fail('varint longer than 5 bytes');
    return 0;
  }

  /** Zig-zag signed varint, 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return (u & 1) === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zig-zag signed varlong; exact for magnitudes below 2^52. */
  varlong(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) {
        this.fail('varlong runs past the end');
        return 0;
      }
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      scale *= 128;
    }
    this.fail('varlong longer than 10 bytes');
    return 0;
  }

  uuid(): string {
    if (!this.need(16)) return ZERO_UUID;
    const h = this.buf.toString('hex', this.pos, this.pos + 16);
    this.pos += 16;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A view of the next n bytes, not a copy. */
  slice(n: number): Buffer {
    if (n < 0) {
      this.fail(`negative length ${n}`);
      return EMPTY;
    }
    if (!this.need(n)) return EMPTY;
    const s = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /**
   * A string of n bytes, which must be UTF-8 (the protocol's STRING). Bytes that are not would
   * decode to replacement characters of up to three times their size, so a name echoed in a
   * response could outgrow its int16 length: they are refused here instead.
   */
  /**
   * n bytes as UTF-8 whatever they hold, bytes that are not decoding to replacement characters:
   * what Kafka's Utils.utf8 does for a record header key, which no one checks on produce.
   */
  utf8Lenient(n: number): string {
    if (n < 0) {
      this.fail(`negative length ${n}`);
      return '';
    }
    if (!this.need(n)) return '';
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  utf8(n: number): string {
    if (n < 0) {
      this.fail(`negative length ${n}`);
      return '';
    }
    if (!this.need(n)) return '';
    if (!isUtf8(this.buf.subarray(this.pos, this.pos + n))) {
      this.fail(`string of ${n} bytes is not UTF-8`);
      return '';
    }
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  skip(n: number): void {
    if (this.need(n)) this.pos += n;
  }

  /**
   * An array count, checked against the bytes left: every element takes at least one byte,
   * so a count larger than what remains cannot be honest and is refused before anything is
   * allocated for it.
   */
  count(n: number): number {
    if (n < 0) {
      this.fail(`negative array length ${n}`);
      return 0;
    }
    if (n > this.end - this.pos) {
      this.fail(`array of ${n} elements cannot fit in ${this.end - this.pos} bytes`);
      return 0;
    }
    return n;
  }
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
export const EMPTY = Buffer.alloc(0);
