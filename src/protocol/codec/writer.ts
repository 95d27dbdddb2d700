/**
 * Writer: appends Kafka primitives to a growing Buffer.
 *
 * The buffer doubles when full, so a message of n bytes costs O(n) copying in all. `finish()`
 * returns a view of the bytes written, not a copy. int64 values are JavaScript numbers (see
 * reader.ts), clamped into the int64 range when written.
 *
 * Any thread may use a Writer; it owns no shared state.
 */
const TWO_32 = 4294967296;
const INT64_MAX = 9223372036854775807;

/**
 * Bytes a message refers to but the Writer does not copy: a fetch response's record data,
 * streamed from segment files after the encoded parts (broker/fetch-stream.ts). The codec writes
 * its length prefix and notes where the bytes belong.
 */
export class ExternalBytes {
  constructor(
    readonly length: number,
    readonly source: unknown,
  ) {}
}

export class Writer {
  buf: Buffer;
  pos = 0;
  /** External byte ranges, each belonging right after position `at` of the encoded bytes. */
  externals: { at: number; bytes: ExternalBytes }[] = [];

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos++);
  }

  bool(v: boolean): void {
    this.int8(v ? 1 : 0);
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  int64(v: number): void {
    this.ensure(8);
    if (v >= INT64_MAX) {
      this.buf.writeBigInt64BE(9223372036854775807n, this.pos);
    } else if (v <= -INT64_MAX) {
      this.buf.writeBigInt64BE(-9223372036854775808n, this.pos);
    } else {
      const hi = Math.floor(v / TWO_32);
      this.buf.writeInt32BE(hi, this.pos);
      this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
    }
    this.pos += 8;
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  uvarint(v: number): void {
    this.ensure(5);
    let n = v >>> 0;
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: number): void {
    this.ensure(10);
    let n = v >= 0 ? v * 2 : -v * 2 - 1;
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  uuid(v: string): void {
    this.ensure(16);
    const hex = v.replace(/-/g, '');
    if (hex.length !== 32) throw new Error(`"${v}" is not a UUID`);
    this.buf.write(hex, this.pos, 16, 'hex');
    this.pos += 16;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Writes a string's UTF-8 bytes preceded by nothing; returns the byte length. */
  utf8(s: string, byteLength: number): void {
    this.ensure(byteLength);
    this.buf.write(s, this.pos, byteLength, 'utf8');
    this.pos += byteLength;
  }

  /** Reserves n bytes to fill in later (a length known only after its body); returns where. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }
}
