import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { SaslHandshake } from '../../../src/protocol/messages/17-sasl-handshake.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/saslHandshake/${path}`);

function decodeRequest(version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(SaslHandshake.request, version, false).decode(r);
  r.ensureGood('request');
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encodeResponse(version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(SaslHandshake.response, version, false).encode(w, value);
  return Buffer.from(w.finish());
}

test('SaslHandshake round-trips every version, request and response', () => {
  assertRoundTrips(SaslHandshake);
});

test('SaslHandshake refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(SaslHandshake);
});

test('SaslHandshake is never flexible, so no version ends with a tagged-field section', () => {
  for (let v = SaslHandshake.lowest; v <= SaslHandshake.highest; v++) {
    const w = new Writer(16);
    compileStruct(SaslHandshake.request, v, false).encode(w, { mechanism: 'PLAIN' });
    assert.equal([...w.finish()], [0, 5, ...Buffer.from('PLAIN')]);
  }
});

for (const version of [0, 1]) {
  test(`a kafkajs v${version} handshake request decodes to the mechanism it named`, async () => {
    const request = kafkajs(`v${version}/request`)({ mechanism: 'SCRAM-SHA-512' });
    assert.is(request.apiVersion, version);
    const decoded = decodeRequest(version, (await request.encode()).buffer);
    assert.is(decoded.mechanism, 'SCRAM-SHA-512');
  });

  test(`kafkajs reads our v${version} handshake response's error code and mechanism list`, async () => {
    const buf = encodeResponse(version, { errorCode: 33, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER'] });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(decoded.errorCode, 33);
    assert.equal(decoded.enabledMechanisms, ['PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER']);
  });
}

test.run();
