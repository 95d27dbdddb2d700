import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { CreateAcls } from '../../../src/protocol/messages/30-create-acls.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/createAcls/${path}`);
const flexible = (v: number) => inVersions(CreateAcls.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(CreateAcls[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(CreateAcls[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('CreateAcls round-trips every version, request and response', () => {
  assert.is(CreateAcls.lowest, 0);
  assert.is(CreateAcls.highest, 3);
  assertRoundTrips(CreateAcls);
});

test('CreateAcls refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(CreateAcls);
});

const alice = { resourceType: 2, resourceName: 'orders', principal: 'User:alice', host: '*', operation: 3, permissionType: 3 };
const bob = { resourceType: 3, resourceName: 'billing-', principal: 'User:bob', host: '10.0.0.1', operation: 8, permissionType: 2 };

test('a kafkajs v0 request decodes; its bindings are literal', async () => {
  const request = kafkajs('v0/request')({ creations: [alice, bob] });
  assert.is(request.apiVersion, 0);
  assert.equal(decode('request', 0, (await request.encode()).buffer), {
    creations: [
      { ...alice, resourcePatternType: 3 },
      { ...bob, resourcePatternType: 3 },
    ],
  });
});

test('a kafkajs v1 request decodes with each binding\'s pattern type', async () => {
  const creations = [
    { ...alice, resourcePatternType: 3 },
    { ...bob, resourcePatternType: 4 },
  ];
  const request = kafkajs('v1/request')({ creations });
  assert.is(request.apiVersion, 1);
  assert.equal(decode('request', 1, (await request.encode()).buffer), { creations });
});

for (const version of [0, 1]) {
  test(`kafkajs reads a CreateAcls v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 15,
      results: [
        { errorCode: 0, errorMessage: null },
        { errorCode: 67, errorMessage: 'bad principal' },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.equal(decoded.creationResponses, [
      { errorCode: 0, errorMessage: null },
      { errorCode: 67, errorMessage: 'bad principal' },
    ]);
    assert.is(version === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime, 15);
  });
}

test('a v2 request is laid out compactly, with a tagged-field section per creation', () => {
  const value = { creations: [{ resourceType: 2, resourceName: 't', resourcePatternType: 3, principal: 'p', host: '*', operation: 4, permissionType: 3 }] };
  const buf = encode('request', 2, value);
  assert.equal([...buf], [2, 2, 2, 0x74, 3, 2, 0x70, 2, 0x2a, 4, 3, 0, 0]);
  assert.equal(decode('request', 2, buf), value);
});

test('the v3 response uses compact arrays and tag sections', () => {
  const bytes = encode('response', 3, { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null }] });
  assert.equal([...bytes], [0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
});

test.run();
