import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DescribeProducers } from '../../../src/protocol/messages/61-describe-producers.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

type Obj = Record<string, any>;

function decode(spec: StructSpec, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const value = compileStruct(spec, 0, true).decode(r);
  r.ensureGood('message');
  assert.is(r.remaining, 0, 'every byte is consumed');
  return value;
}

function encode(spec: StructSpec, value: Obj): Buffer {
  const w = new Writer(64);
  compileStruct(spec, 0, true).encode(w, value);
  return Buffer.from(w.finish());
}

const hex = (parts: string[]) => Buffer.from(parts.join(''), 'hex');

test('DescribeProducers round-trips version 0, request and response', () => {
  assert.is(DescribeProducers.lowest, 0);
  assert.is(DescribeProducers.highest, 0);
  assertRoundTrips(DescribeProducers);
});

test('DescribeProducers refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DescribeProducers);
});

test('a request lists partition indexes per topic as a compact int32 array', () => {
  const frame = hex(['02', '0274', '04', '00000000', '00000001', '00000007', '00', '00']);
  const value = decode(DescribeProducers.request, frame);
  assert.equal(value, { topics: [{ name: 't', partitionIndexes: [0, 1, 7] }] });
  assert.ok(encode(DescribeProducers.request, value).equals(frame));
});

test('a response describes each active producer with an int32 epoch', () => {
  const frame = hex([
    '00000000', // throttleTimeMs
    '02', '0274', // one topic "t"
    '02', // one partition
    '00000001', // partitionIndex
    '0000', // errorCode
    '00', // errorMessage: null
    '02', // one active producer
    '0000000000000fa0', // producerId 4000
    '00000002', // producerEpoch, four bytes wide
    '00000063', // lastSequence 99
    '0000018bcfe56800', // lastTimestamp 1700000000000
    '00000005', // coordinatorEpoch
    'ffffffffffffffff', // currentTxnStartOffset: none
    '00', // producer tags
    '00', // partition tags
    '00', // topic tags
    '00', // response tags
  ]);
  const value = decode(DescribeProducers.response, frame);
  assert.equal(value.topics[0].partitions[0].activeProducers, [
    {
      producerId: 4000,
      producerEpoch: 2,
      lastSequence: 99,
      lastTimestamp: 1700000000000,
      coordinatorEpoch: 5,
      currentTxnStartOffset: -1,
    },
  ]);
  assert.is(value.topics[0].partitions[0].errorMessage, null);
  assert.ok(encode(DescribeProducers.response, value).equals(frame));
});

test.run();
