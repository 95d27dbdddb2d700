import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DescribeClientQuotas } from '../../../src/protocol/messages/48-describe-client-quotas.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

// kafkajs has no DescribeClientQuotas; the layouts below are written out by hand.
const flexible = (v: number) => inVersions(DescribeClientQuotas.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(DescribeClientQuotas[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(DescribeClientQuotas[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('DescribeClientQuotas round-trips every version, request and response', () => {
  assert.is(DescribeClientQuotas.lowest, 0);
  assert.is(DescribeClientQuotas.highest, 1);
  assertRoundTrips(DescribeClientQuotas);
});

test('DescribeClientQuotas refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DescribeClientQuotas);
});

const request = {
  components: [
    { entityType: 'user', matchType: 0, match: 'al' },
    { entityType: 'client-id', matchType: 1, match: null },
  ],
  strict: true,
};

test('a v0 request is laid out with int16 strings and int32 array lengths', () => {
  const buf = encode('request', 0, request);
  assert.equal(
    [...buf],
    [
      0, 0, 0, 2,
      0, 4, ...Buffer.from('user'), 0, 0, 2, 0x61, 0x6c,
      0, 9, ...Buffer.from('client-id'), 1, 0xff, 0xff,
      1,
    ],
  );
  assert.equal(decode('request', 0, buf), request);
});

test('a v1 request is laid out compactly, with a tagged-field section per component', () => {
  const buf = encode('request', 1, request);
  assert.equal(
    [...buf],
    [3, 5, ...Buffer.from('user'), 0, 3, 0x61, 0x6c, 0, 10, ...Buffer.from('client-id'), 1, 0, 0, 1, 0],
  );
  assert.equal(decode('request', 1, buf), request);
});

test('quota values travel as big-endian float64', () => {
  const value = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    entries: [{ entity: [{ entityType: 'user', entityName: null }], values: [{ key: 'k', value: 1048576.5 }] }],
  };
  const buf = encode('response', 1, value);
  const f = Buffer.alloc(8);
  f.writeDoubleBE(1048576.5);
  assert.equal(
    [...buf],
    [0, 0, 0, 0, 0, 0, 0, 2, 2, 5, ...Buffer.from('user'), 0, 0, 2, 2, 0x6b, ...f, 0, 0, 0],
  );
  assert.equal(decode('response', 1, buf), value);
});

test('the entries of a response may be null, in either version', () => {
  for (const version of [0, 1]) {
    const value = { throttleTimeMs: 0, errorCode: 35, errorMessage: 'unsupported', entries: null };
    const buf = encode('response', version, value);
    assert.equal(buf.subarray(buf.length - (version === 0 ? 4 : 2)), Buffer.from(version === 0 ? [0xff, 0xff, 0xff, 0xff] : [0, 0]));
    assert.equal(decode('response', version, buf), value);
  }
});

test.run();
