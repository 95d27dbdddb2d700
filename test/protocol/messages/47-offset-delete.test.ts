import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { OffsetDelete } from '../../../src/protocol/messages/47-offset-delete.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

function encode(side: 'request' | 'response', value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(OffsetDelete[side], 0, false).encode(w, value);
  return Buffer.from(w.finish());
}

function decode(side: 'request' | 'response', buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(OffsetDelete[side], 0, false).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

test('OffsetDelete round-trips every version, request and response', () => {
  assertRoundTrips(OffsetDelete);
});

test('OffsetDelete refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(OffsetDelete);
});

test('OffsetDelete has a single, non-flexible version', () => {
  assert.is(OffsetDelete.lowest, 0);
  assert.is(OffsetDelete.highest, 0);
  assert.is(OffsetDelete.flexible, 'none');
});

test('the request is the group, then topics with their partition indexes', () => {
  const request = { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 2 }] }] };
  const bytes = encode('request', request);
  assert.equal([...bytes], [0, 1, 0x67, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.equal(decode('request', bytes), request);
});

test('the response puts the group error code before the throttle time', () => {
  const response = {
    errorCode: 86,
    throttleTimeMs: 1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 3 }] }],
  };
  const bytes = encode('response', response);
  assert.equal([...bytes.subarray(0, 6)], [0, 86, 0, 0, 0, 1]);
  assert.equal(decode('response', bytes), response);
});

test.run();
