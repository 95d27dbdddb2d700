import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { SaslAuthenticate } from '../../../src/protocol/messages/36-sasl-authenticate.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/saslAuthenticate/${path}`);
const plainToken = require('kafkajs/src/protocol/sasl/plain/request');

function decodeRequest(version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(SaslAuthenticate.request, version, version >= 2).decode(r);
  r.ensureGood('request');
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encodeResponse(version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(SaslAuthenticate.response, version, version >= 2).encode(w, value);
  return Buffer.from(w.finish());
}

test('SaslAuthenticate round-trips every version, request and response', () => {
  assertRoundTrips(SaslAuthenticate);
});

test('SaslAuthenticate refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(SaslAuthenticate);
});

for (const version of [0, 1]) {
  test(`a kafkajs v${version} request carrying a PLAIN token decodes to the token's bytes`, async () => {
    const authBytes = await plainToken({ username: 'alice', password: 's3cret' }).encode();
    const request = kafkajs(`v${version}/request`)({ authBytes });
    assert.is(request.apiVersion, version);
    const decoded = decodeRequest(version, (await request.encode()).buffer);
    assert.is((decoded.authBytes as Buffer).toString('utf8'), '\u0000alice\u0000s3cret');
  });
}

test('kafkajs reads our v0 response: error code, error message and the server token', async () => {
  const buf = encodeResponse(0, { errorCode: 58, errorMessage: 'bad password', authBytes: Buffer.from('srv') });
  const decoded = await kafkajs('v0/response').decode(buf);
  assert.is(decoded.errorCode, 58);
  assert.is(decoded.errorMessage, 'bad password');
  // kafkajs hands the token on with its int32 length in front.
  assert.equal([...decoded.authBytes], [0, 0, 0, 3, ...Buffer.from('srv')]);
});

test('kafkajs reads the session lifetime that v1 adds, and a null error message', async () => {
  const buf = encodeResponse(1, {
    errorCode: 0,
    errorMessage: null,
    authBytes: Buffer.alloc(0),
    sessionLifetimeMs: 3_600_000,
  });
  const decoded = await kafkajs('v1/response').decode(buf);
  assert.is(decoded.errorCode, 0);
  assert.is(decoded.errorMessage, null);
  assert.is(decoded.sessionLifetimeMs, '3600000');
});

test('the v0 response has no session lifetime, which reads back as zero', () => {
  const buf = encodeResponse(0, { errorCode: 0, errorMessage: null, authBytes: Buffer.from('x'), sessionLifetimeMs: 99 });
  assert.is(buf.length, 2 + 2 + 4 + 1);
  const r = new Reader(buf);
  assert.is(compileStruct(SaslAuthenticate.response, 0, false).decode(r).sessionLifetimeMs, 0);
});

test('v2 uses compact bytes and ends with an empty tagged-field section', () => {
  const w = new Writer(16);
  compileStruct(SaslAuthenticate.request, 2, true).encode(w, { authBytes: Buffer.from([7, 8]) });
  assert.equal([...w.finish()], [3, 7, 8, 0]);
});

test.run();
