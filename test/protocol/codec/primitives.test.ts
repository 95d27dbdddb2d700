import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { parseVersions, inVersions } from '../../../src/protocol/codec/versions.js';

function roundTrip<T>(write: (w: Writer, v: T) => void, read: (r: Reader) => T, values: T[]): void {
  for (const v of values) {
    const w = new Writer(1);
    write(w, v);
    const r = new Reader(Buffer.from(w.finish()));
    assert.equal(read(r), v, `value ${String(v)}`);
    assert.not.ok(r.bad, `value ${String(v)} read cleanly`);
    assert.is(r.remaining, 0);
  }
}

test('fixed-width integers round-trip at their limits', () => {
  roundTrip((w, v) => w.int8(v), (r) => r.int8(), [0, 1, -1, 127, -128]);
  roundTrip((w, v) => w.int16(v), (r) => r.int16(), [0, -1, 32767, -32768]);
  roundTrip((w, v) => w.uint16(v), (r) => r.uint16(), [0, 65535]);
  roundTrip((w, v) => w.int32(v), (r) => r.int32(), [0, -1, 2147483647, -2147483648]);
  roundTrip((w, v) => w.uint32(v), (r) => r.uint32(), [0, 4294967295]);
  roundTrip((w, v) => w.float64(v), (r) => r.float64(), [0, -1.5, Math.PI, 1e300]);
  roundTrip((w, v) => w.bool(v), (r) => r.bool(), [true, false]);
});

test('int64 round-trips every value below 2^53 exactly', () => {
  const values = [0, 1, -1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_000];
  roundTrip((w, v) => w.int64(v), (r) => r.int64(), values);
});

test('int64 writes the int64 limits when given values past them', () => {
  const w = new Writer();
  w.int64(Number.MAX_VALUE);
  w.int64(-Number.MAX_VALUE);
  const b = w.finish();
  assert.is(b.readBigInt64BE(0), 9223372036854775807n);
  assert.is(b.readBigInt64BE(8), -9223372036854775808n);
});

test('varints use zig-zag and the fewest bytes', () => {
  const sizes: [number, number][] = [
    [0, 1],
    [-1, 1],
    [63, 1],
    [-64, 1],
    [64, 2],
    [2147483647, 5],
    [-2147483648, 5],
  ];
  for (const [v, size] of sizes) {
    const w = new Writer();
    w.varint(v);
    assert.is(w.pos, size, `varint ${v}`);
  }
  roundTrip((w, v) => w.varint(v), (r) => r.varint(), sizes.map(([v]) => v));
  roundTrip((w, v) => w.uvarint(v), (r) => r.uvarint(), [0, 127, 128, 16383, 16384, 4294967295]);
  roundTrip((w, v) => w.varlong(v), (r) => r.varlong(), [0, -1, 1, 2 ** 40, -(2 ** 40), 2 ** 52 - 1, -(2 ** 52)]);
});

test('the zig-zag encoding matches the protocol guide: 0→0, -1→1, 1→2, -2→3', () => {
  for (const [v, byte] of [
    [0, 0],
    [-1, 1],
    [1, 2],
    [-2, 3],
  ] as const) {
    const w = new Writer();
    w.varint(v);
    assert.is(w.finish()[0], byte);
  }
});

test('a varint longer than five bytes is refused, not looped on', () => {
  const r = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
  assert.is(r.uvarint(), 0);
  assert.ok(r.bad);
});

test('reads past the end set the sticky bad flag and return zero values', () => {
  const r = new Reader(Buffer.from([1, 2, 3]));
  assert.is(r.int32(), 0);
  assert.ok(r.bad);
  assert.is(r.int8(), 0, 'stays bad');
  assert.throws(() => r.ensureGood('test'), /malformed test/);
});

test('an array count larger than the bytes left is refused before allocation', () => {
  const r = new Reader(Buffer.alloc(10));
  assert.is(r.count(2_000_000_000), 0);
  assert.ok(r.bad);
  assert.is(new Reader(Buffer.alloc(10)).count(-3), 0);
});

test('a string whose bytes are not UTF-8 is refused, so no echoed name can outgrow its int16 length', () => {
  const r = new Reader(Buffer.from([0xff, 0xfe, 0x61]));
  assert.is(r.utf8(3), '');
  assert.ok(r.bad);
  assert.match(r.why, 'not UTF-8');
  // 12,000 such bytes would decode to 36,000 bytes of replacement characters: more than an int16 string holds.
  const long = new Reader(Buffer.alloc(12_000, 0xff));
  long.utf8(12_000);
  assert.ok(long.bad);
  const good = new Reader(Buffer.from('grüße 日本語'));
  assert.is(good.utf8(good.remaining), 'grüße 日本語');
  assert.not.ok(good.bad);
});

test('uuids round-trip as dashed lower-case hex', () => {
  roundTrip((w, v) => w.uuid(v), (r) => r.uuid(), ['00000000-0000-0000-0000-000000000000', '0123abcd-4567-89ef-0123-456789abcdef']);
});

test('slices are views of the buffer, not copies', () => {
  const buf = Buffer.from([9, 8, 7, 6]);
  const s = new Reader(buf).slice(3);
  buf[0] = 42;
  assert.is(s[0], 42);
});

test('version ranges parse the forms Kafka uses', () => {
  assert.equal(parseVersions('3+'), { lowest: 3, highest: Infinity });
  assert.equal(parseVersions('0-7'), { lowest: 0, highest: 7 });
  assert.equal(parseVersions('5'), { lowest: 5, highest: 5 });
  assert.ok(!inVersions('none', 0));
  assert.ok(inVersions('2+', 9) && !inVersions('2+', 1));
  assert.throws(() => parseVersions('x'));
});

test.run();
