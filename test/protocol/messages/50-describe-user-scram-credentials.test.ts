import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DescribeUserScramCredentials } from '../../../src/protocol/messages/50-describe-user-scram-credentials.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

// kafkajs has no DescribeUserScramCredentials; the layouts below are written out by hand.
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

test('DescribeUserScramCredentials round-trips version 0, request and response', () => {
  assert.is(DescribeUserScramCredentials.lowest, 0);
  assert.is(DescribeUserScramCredentials.highest, 0);
  assertRoundTrips(DescribeUserScramCredentials);
});

test('DescribeUserScramCredentials refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DescribeUserScramCredentials);
});

test('a request names users in a compact array, or sends null for all of them', () => {
  const frame = hex(['03', '02', '61', '00', '02', '62', '00', '00']);
  const value = decode(DescribeUserScramCredentials.request, frame);
  assert.equal(value, { users: [{ name: 'a' }, { name: 'b' }] });
  assert.ok(encode(DescribeUserScramCredentials.request, value).equals(frame));

  const all = hex(['00', '00']);
  assert.equal(decode(DescribeUserScramCredentials.request, all), { users: null });
  assert.ok(encode(DescribeUserScramCredentials.request, { users: null }).equals(all));
});

test('a response carries a top-level error and one result per user', () => {
  const frame = hex([
    '00000000', // throttleTimeMs
    '0000', // errorCode
    '00', // errorMessage: null
    '03', // two results
    '06616c696365', // user "alice"
    '0000', // errorCode
    '00', // errorMessage: null
    '03', // two credentials
    '01', '00001000', '00', // SCRAM-SHA-256, 4096 iterations, tags
    '02', '00002000', '00', // SCRAM-SHA-512, 8192 iterations, tags
    '00', // result tags
    '04626f62', // user "bob"
    '005b', // errorCode 91 RESOURCE_NOT_FOUND
    '05' + Buffer.from('none').toString('hex'), // errorMessage "none"
    '01', // no credentials
    '00', // result tags
    '00', // response tags
  ]);
  const value = decode(DescribeUserScramCredentials.response, frame);
  assert.equal(value, {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    results: [
      { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }] },
      { user: 'bob', errorCode: 91, errorMessage: 'none', credentialInfos: [] },
    ],
  });
  assert.ok(encode(DescribeUserScramCredentials.response, value).equals(frame));
});

test.run();
