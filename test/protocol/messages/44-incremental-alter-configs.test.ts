import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { IncrementalAlterConfigs } from '../../../src/protocol/messages/44-incremental-alter-configs.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const flexible = (v: number) => inVersions(IncrementalAlterConfigs.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(IncrementalAlterConfigs[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(IncrementalAlterConfigs[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('IncrementalAlterConfigs round-trips every version, request and response', () => {
  assertRoundTrips(IncrementalAlterConfigs);
});

test('IncrementalAlterConfigs refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(IncrementalAlterConfigs);
});

const request = {
  resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'k', configOperation: 1, value: null }] }],
  validateOnly: true,
};

test('a v0 request is laid out with int16 strings and int32 array lengths', () => {
  const buf = encode('request', 0, request);
  assert.equal(
    [...buf],
    [0, 0, 0, 1, 2, 0, 1, 0x74, 0, 0, 0, 1, 0, 1, 0x6b, 1, 0xff, 0xff, 1],
  );
  assert.equal(decode('request', 0, buf), request);
});

test('a v1 request is laid out compactly, with a tagged-field section per struct', () => {
  const buf = encode('request', 1, request);
  assert.equal([...buf], [2, 2, 2, 0x74, 2, 2, 0x6b, 1, 0, 0, 0, 1, 0]);
  assert.equal(decode('request', 1, buf), request);
});

test('a v1 response decodes from hand-written bytes', () => {
  // throttle 5, one response: error 42, message "no", type 4, name "0", tags; then tags
  const bytes = Buffer.from([0, 0, 0, 5, 2, 0, 42, 3, 0x6e, 0x6f, 4, 2, 0x30, 0, 0]);
  assert.equal(decode('response', 1, bytes), {
    throttleTimeMs: 5,
    responses: [{ errorCode: 42, errorMessage: 'no', resourceType: 4, resourceName: '0' }],
  });
});

test.run();
