import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { array, arrayOf, int32, int64, records, string, struct } from '../../../src/protocol/schema.js';

const Spec = {
  name: string('0+'),
  comment: string('1+', { nullable: '1+', default: null }),
  ids: arrayOf('int32', '0+'),
  items: array('0+', { id: int32('0+'), data: records('0+', { nullable: '0+' }) }),
  epoch: int64('2+', { default: -1 }),
  hint: string('2+', { tag: 0, tagged: '2+', default: 'none' }),
  leader: struct('2+', { id: int32('2+', { default: -1 }) }, { tag: 1, tagged: '2+' }),
};

function encode(version: number, flexible: boolean, v: object): Buffer {
  const w = new Writer(8);
  compileStruct(Spec, version, flexible).encode(w, v as Record<string, unknown>);
  return Buffer.from(w.finish());
}

function decode(version: number, flexible: boolean, b: Buffer) {
  const r = new Reader(b);
  const out = compileStruct(Spec, version, flexible).decode(r);
  r.ensureGood('test');
  return out;
}

test('a field absent from a version is not written and reads as its default', () => {
  const bytes = encode(0, false, { name: 'a', comment: 'dropped', ids: [], items: [], epoch: 5 });
  // name: int16 len + 1 byte; ids: int32 count; items: int32 count.
  assert.is(bytes.length, 2 + 1 + 4 + 4);
  const back = decode(0, false, bytes);
  assert.is(back.comment, null);
  assert.is(back.epoch, -1);
  assert.is(back.hint, 'none');
  assert.equal(back.leader, { id: -1 });
});

test('non-flexible versions use int16 string lengths and -1 for null', () => {
  const bytes = encode(1, false, { name: 'ab', comment: null, ids: [7], items: [] });
  assert.equal([...bytes.subarray(0, 4)], [0, 2, 0x61, 0x62]);
  assert.equal([...bytes.subarray(4, 6)], [0xff, 0xff]);
});

test('flexible versions use compact lengths and end structs with tagged fields', () => {
  const bytes = encode(2, true, { name: 'ab', comment: null, ids: [], items: [], epoch: 1, hint: 'none', leader: { id: -1 } });
  assert.equal([...bytes], [3, 0x61, 0x62, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
});

test('tagged fields are written only when they differ from their default, in tag order', () => {
  const bytes = encode(2, true, { name: '', comment: '', ids: [], items: [], epoch: 0, hint: 'x', leader: { id: 3 } });
  const back = decode(2, true, bytes);
  assert.is(back.hint, 'x');
  assert.equal(back.leader, { id: 3 });
  // The tagged section: count 2, then tag 0 (size 2: compact 'x'), tag 1 (size 5: int32 + empty tags).
  assert.equal([...bytes.subarray(bytes.length - 12)], [2, 0, 2, 2, 0x78, 1, 5, 0, 0, 0, 3, 0]);
});

test('unknown tagged fields are kept and written back unchanged', () => {
  const bytes = encode(2, true, { name: 'n', comment: null, ids: [], items: [], epoch: 0 });
  // Replace the empty tagged section (last byte, 0) with one unknown field: tag 9, 2 bytes.
  const withUnknown = Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([1, 9, 2, 0xab, 0xcd])]);
  const back = decode(2, true, withUnknown);
  assert.equal(back._unknownTaggedFields, [{ tag: 9, data: Buffer.from([0xab, 0xcd]) }]);
  assert.ok(encode(2, true, back).equals(withUnknown));
});

test('tagged fields out of order are refused', () => {
  const bytes = encode(2, true, { name: 'n', comment: null, ids: [], items: [], epoch: 0 });
  const bad = Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([2, 5, 0, 3, 0])]);
  assert.throws(() => decode(2, true, bad), /out of order/);
});

test('records are decoded as slices of the frame', () => {
  const payload = Buffer.from('record bytes');
  const bytes = encode(1, false, { name: '', comment: null, ids: [], items: [{ id: 1, data: payload }] });
  const back = decode(1, false, bytes) as { items: { data: Buffer }[] };
  assert.ok(back.items[0]!.data.equals(payload));
  assert.is(back.items[0]!.data.buffer, bytes.buffer, 'shares the frame memory');
});

test('null in a non-nullable field is refused on both sides', () => {
  assert.throws(() => encode(0, false, { name: null, ids: [], items: [] }), /not nullable/);
  // name length -1 in a non-nullable string
  assert.throws(() => decode(0, false, Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0])), /non-nullable/);
});

test('compiled codecs are cached per version', () => {
  assert.is(compileStruct(Spec, 1, false), compileStruct(Spec, 1, false));
  assert.is.not(compileStruct(Spec, 1, false), compileStruct(Spec, 2, true));
});

test.run();
