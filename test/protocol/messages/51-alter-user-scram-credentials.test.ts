import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { AlterUserScramCredentials } from '../../../src/protocol/messages/51-alter-user-scram-credentials.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

// kafkajs has no AlterUserScramCredentials; the layouts below are written out by hand.
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

test('AlterUserScramCredentials round-trips version 0, request and response', () => {
  assert.is(AlterUserScramCredentials.lowest, 0);
  assert.is(AlterUserScramCredentials.highest, 0);
  assertRoundTrips(AlterUserScramCredentials);
});

test('AlterUserScramCredentials refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(AlterUserScramCredentials);
});

test('a request carries deletions, then upsertions with salt and salted password as compact bytes', () => {
  const frame = hex([
    '02', // one deletion
    '04626f62', '02', '00', // "bob", SCRAM-SHA-512, tags
    '02', // one upsertion
    '06616c696365', // "alice"
    '01', // SCRAM-SHA-256
    '00001000', // 4096 iterations
    '04', '010203', // salt
    '03', 'aabb', // saltedPassword
    '00', // upsertion tags
    '00', // request tags
  ]);
  const value = decode(AlterUserScramCredentials.request, frame);
  assert.equal(value, {
    deletions: [{ name: 'bob', mechanism: 2 }],
    upsertions: [{ name: 'alice', mechanism: 1, iterations: 4096, salt: Buffer.from([1, 2, 3]), saltedPassword: Buffer.from([0xaa, 0xbb]) }],
  });
  assert.ok(encode(AlterUserScramCredentials.request, value).equals(frame));
});

test('a response has one result per user (here the second refused: UNACCEPTABLE_CREDENTIAL)', () => {
  const frame = hex(['00000000', '03', '02', '61', '0000', '00', '00', '02', '62', '005d', '02', '78', '00', '00']);
  const value = decode(AlterUserScramCredentials.response, frame);
  assert.equal(value, {
    throttleTimeMs: 0,
    results: [
      { user: 'a', errorCode: 0, errorMessage: null },
      { user: 'b', errorCode: 93, errorMessage: 'x' },
    ],
  });
  assert.ok(encode(AlterUserScramCredentials.response, value).equals(frame));
});

test.run();
