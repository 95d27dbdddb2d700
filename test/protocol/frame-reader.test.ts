import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtocolError } from '../../src/protocol/codec/errors.js';
import { FrameReader, FrameSizeError, MIN_REQUEST_FRAME_BYTES } from '../../src/protocol/frame.js';

/** One size-prefixed message holding `body`. */
function prefixed(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

function sizeOnly(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size, 0);
  return b;
}

function drain(reader: FrameReader): Buffer[] {
  const out: Buffer[] = [];
  for (let f = reader.next(); f !== null; f = reader.next()) out.push(f);
  return out;
}

/** Whether `inner` lies within the memory of `outer`. */
const within = (inner: Buffer, outer: Buffer) =>
  inner.buffer === outer.buffer && inner.byteOffset >= outer.byteOffset && inner.byteOffset + inner.length <= outer.byteOffset + outer.length;

test('frames inside one chunk come out as slices of it, in order', () => {
  const chunk = Buffer.concat([prefixed(Buffer.from('first frame')), prefixed(Buffer.from('second')), prefixed(Buffer.alloc(0))]);
  const reader = new FrameReader({ minBytes: 0, maxBytes: 100 });
  reader.push(chunk);
  const frames = drain(reader);
  assert.equal(frames.map((f) => f.toString()), ['first frame', 'second', '']);
  assert.ok(within(frames[0]!, chunk) && within(frames[1]!, chunk), 'no copy');
  assert.is(reader.bufferedBytes, 0);
});

test('a frame spread over chunks is copied into one buffer of exactly its size', () => {
  const body = Buffer.from('a frame that arrives in pieces');
  const whole = prefixed(body);
  const pieces = [whole.subarray(0, 2), whole.subarray(2, 9), whole.subarray(9, 20), whole.subarray(20)].map((p) => Buffer.from(p));
  const reader = new FrameReader({ minBytes: 0, maxBytes: 100 });
  for (const p of pieces.slice(0, -1)) {
    reader.push(p);
    assert.is(reader.next(), null);
    assert.is(reader.bufferedBytes, 0, 'everything pushed is consumed before null');
  }
  assert.is(reader.assemblingBytes, body.length, 'allocated at its exact size once the prefix was complete');
  reader.push(pieces.at(-1)!);
  const frame = reader.next()!;
  assert.ok(frame.equals(body));
  assert.is(frame.length, body.length);
  assert.ok(pieces.every((p) => !within(frame, p)));
  assert.is(reader.assemblingBytes, 0);
});

test('a body that follows its split size prefix inside one chunk is still a slice', () => {
  const whole = prefixed(Buffer.from('body'));
  const second = Buffer.from(whole.subarray(3));
  const reader = new FrameReader({ minBytes: 0, maxBytes: 100 });
  reader.push(Buffer.from(whole.subarray(0, 3)));
  assert.is(reader.next(), null);
  reader.push(second);
  const frame = reader.next()!;
  assert.is(frame.toString(), 'body');
  assert.ok(within(frame, second));
});

test('a caller that stops pulling leaves the rest buffered and gets it when it pulls again', () => {
  const chunk = Buffer.concat(['one', 'two', 'three'].map((s) => prefixed(Buffer.from(s))));
  const reader = new FrameReader({ minBytes: 0, maxBytes: 100 });
  reader.push(chunk);
  assert.is(reader.next()!.toString(), 'one');
  assert.is(reader.bufferedBytes, chunk.length - 7, 'the other two frames wait');
  reader.push(prefixed(Buffer.from('four')));
  assert.equal(drain(reader).map((f) => f.toString()), ['two', 'three', 'four']);
  assert.is(reader.bufferedBytes, 0);
});

test('sizes at the limits are accepted, one past them refused with the size, before any allocation', () => {
  for (const size of [8, 64]) {
    const reader = new FrameReader({ minBytes: 8, maxBytes: 64 });
    reader.push(prefixed(Buffer.alloc(size, 1)));
    assert.is(reader.next()!.length, size);
  }
  for (const size of [7, 65, -1, -(2 ** 31), 2 ** 31 - 1]) {
    const reader = new FrameReader({ minBytes: 8, maxBytes: 64 });
    reader.push(sizeOnly(size));
    let thrown: unknown;
    try {
      reader.next();
    } catch (e) {
      thrown = e;
    }
    assert.instance(thrown, FrameSizeError);
    assert.instance(thrown, ProtocolError, 'a protocol error: the connection is closed, no bug');
    const e = thrown as FrameSizeError;
    assert.equal([e.size, e.minBytes, e.maxBytes], [size, 8, 64]);
    assert.match(e.message, `frame size ${size} outside [8, 64]`);
    assert.is(reader.assemblingBytes, 0, 'nothing allocated for it');
  }
});

test('after a bad size the reader keeps failing with the same error and holds nothing', () => {
  const reader = new FrameReader({ minBytes: MIN_REQUEST_FRAME_BYTES, maxBytes: 1000 });
  reader.push(Buffer.concat([sizeOnly(5000), Buffer.alloc(100)]));
  const first = (() => {
    try {
      reader.next();
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.instance(first, FrameSizeError);
  assert.is(reader.error, first);
  assert.is(reader.bufferedBytes, 0, 'what followed the bad prefix is dropped');
  reader.push(prefixed(Buffer.alloc(10)));
  assert.is(reader.bufferedBytes, 0, 'and later chunks are ignored');
  assert.throws(
    () => reader.next(),
    (e: unknown) => e === first,
  );
});

test('limits must be a sensible range', () => {
  assert.throws(() => new FrameReader({ minBytes: -1, maxBytes: 10 }), RangeError);
  assert.throws(() => new FrameReader({ minBytes: 10, maxBytes: 9 }), RangeError);
  assert.throws(() => new FrameReader({ minBytes: 0, maxBytes: 2 ** 31 }), RangeError);
  assert.throws(() => new FrameReader({ minBytes: 0, maxBytes: 1.5 }), RangeError);
});

test('many one-byte chunks make one frame, and the chunk queue does not grow with them', () => {
  const body = Buffer.alloc(10_000, 7);
  const whole = prefixed(body);
  const reader = new FrameReader({ minBytes: 0, maxBytes: 1 << 20 });
  let frame: Buffer | null = null;
  for (let i = 0; i < whole.length; i++) {
    reader.push(whole.subarray(i, i + 1));
    frame = reader.next();
    if (i < whole.length - 1) assert.is(frame, null);
  }
  assert.ok(frame!.equals(body));
});

test('chunks pushed without pulling are all kept, then read through in order', () => {
  const frames = Array.from({ length: 300 }, (_, i) => Buffer.from(`frame-${i}`));
  const stream = Buffer.concat(frames.map(prefixed));
  const reader = new FrameReader({ minBytes: 0, maxBytes: 100 });
  for (let at = 0; at < stream.length; at += 3) reader.push(stream.subarray(at, at + 3));
  assert.is(reader.bufferedBytes, stream.length);
  assert.equal(
    drain(reader).map((f) => f.toString()),
    frames.map((f) => f.toString()),
  );
});

test.run();
