import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DeleteTopics } from '../../../src/protocol/messages/20-delete-topics.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/deleteTopics/${path}`);
const flexible = (v: number) => inVersions(DeleteTopics.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(DeleteTopics[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(DeleteTopics[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('DeleteTopics round-trips every version, request and response', () => {
  assertRoundTrips(DeleteTopics);
});

test('DeleteTopics refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DeleteTopics);
});

for (const version of [0, 1]) {
  test(`a kafkajs v${version} DeleteTopics request decodes to topicNames and the timeout`, async () => {
    const request = kafkajs(`v${version}/request`)({ topics: ['orders', 'payments'], timeout: 7000 });
    assert.is(request.apiVersion, version);
    const decoded = decode('request', version, (await request.encode()).buffer);
    assert.equal(decoded.topicNames, ['orders', 'payments']);
    assert.equal(decoded.topics, []);
    assert.is(decoded.timeoutMs, 7000);
  });

  test(`kafkajs reads our v${version} DeleteTopics response`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 40,
      responses: [
        { name: 'payments', errorCode: 3 },
        { name: 'orders', errorCode: 0 },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.equal(decoded.topicErrors, [
      { topic: 'orders', errorCode: 0 },
      { topic: 'payments', errorCode: 3 },
    ]);
    if (version === 1) assert.is(decoded.clientSideThrottleTime, 40);
  });
}

test('v6 replaces topicNames with topics of a nullable name and an id', () => {
  const id = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
  const buf = encode('request', 6, { topics: [{ name: null, topicId: id }], topicNames: ['ignored'], timeoutMs: 1 });
  // compact array of 1, null name, 16-byte id, entry tags, timeout, message tags
  assert.equal([...buf], [2, 0, ...Buffer.from(id.replace(/-/g, ''), 'hex'), 0, 0, 0, 0, 1, 0]);
  const back = decode('request', 6, buf);
  assert.equal(back.topics, [{ name: null, topicId: id }]);
  assert.equal(back.topicNames, []);
});

test('the response name is nullable only from v6, and the error message exists from v5', () => {
  assert.throws(() => encode('response', 5, { throttleTimeMs: 0, responses: [{ name: null, errorCode: 0, errorMessage: null }] }));
  const v6 = decode('response', 6, encode('response', 6, {
    throttleTimeMs: 0,
    responses: [{ name: null, topicId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', errorCode: 100, errorMessage: 'unknown id' }],
  }));
  assert.equal(v6.responses, [{ name: null, topicId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', errorCode: 100, errorMessage: 'unknown id' }]);
  const v4 = decode('response', 4, encode('response', 4, { throttleTimeMs: 0, responses: [{ name: 'x', errorCode: 0, errorMessage: 'dropped' }] }));
  assert.is((v4.responses as { errorMessage: unknown }[])[0]!.errorMessage, null);
});

test.run();
