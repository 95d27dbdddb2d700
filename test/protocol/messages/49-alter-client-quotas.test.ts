import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { AlterClientQuotas } from '../../../src/protocol/messages/49-alter-client-quotas.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

// kafkajs has no AlterClientQuotas; the layouts below are written out by hand.
const flexible = (v: number) => inVersions(AlterClientQuotas.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(AlterClientQuotas[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(AlterClientQuotas[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('AlterClientQuotas round-trips every version, request and response', () => {
  assert.is(AlterClientQuotas.lowest, 0);
  assert.is(AlterClientQuotas.highest, 1);
  assertRoundTrips(AlterClientQuotas);
});

test('AlterClientQuotas refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(AlterClientQuotas);
});

const double = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return [...b];
};

const request = {
  entries: [{ entity: [{ entityType: 'ip', entityName: null }], ops: [{ key: 'r', value: 2.5, remove: false }] }],
  validateOnly: true,
};

test('a v0 request is laid out with int16 strings and int32 array lengths', () => {
  const buf = encode('request', 0, request);
  assert.equal(
    [...buf],
    [0, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0x69, 0x70, 0xff, 0xff, 0, 0, 0, 1, 0, 1, 0x72, ...double(2.5), 0, 1],
  );
  assert.equal(decode('request', 0, buf), request);
});

test('a v1 request is laid out compactly, with a tagged-field section per struct', () => {
  const buf = encode('request', 1, request);
  assert.equal([...buf], [2, 2, 3, 0x69, 0x70, 0, 0, 2, 2, 0x72, ...double(2.5), 0, 0, 0, 1, 0]);
  assert.equal(decode('request', 1, buf), request);
});

test('a v1 response decodes from hand-written bytes', () => {
  // throttle 9, one entry: error 42, message "no", entity [("user", "al")], tags; then tags
  const bytes = Buffer.from([0, 0, 0, 9, 2, 0, 42, 3, 0x6e, 0x6f, 2, 5, ...Buffer.from('user'), 3, 0x61, 0x6c, 0, 0, 0]);
  assert.equal(decode('response', 1, bytes), {
    throttleTimeMs: 9,
    entries: [{ errorCode: 42, errorMessage: 'no', entity: [{ entityType: 'user', entityName: 'al' }] }],
  });
});

test.run();
