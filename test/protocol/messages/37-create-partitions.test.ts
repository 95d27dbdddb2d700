import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { CreatePartitions } from '../../../src/protocol/messages/37-create-partitions.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/createPartitions/${path}`);
const flexible = (v: number) => inVersions(CreatePartitions.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(CreatePartitions[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(CreatePartitions[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('CreatePartitions round-trips every version, request and response', () => {
  assertRoundTrips(CreatePartitions);
});

test('CreatePartitions refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(CreatePartitions);
});

for (const version of [0, 1]) {
  test(`a kafkajs v${version} request decodes; no assignment arrives as a null list`, async () => {
    const request = kafkajs(`v${version}/request`)({
      topicPartitions: [
        { topic: 'orders', count: 6 },
        { topic: 'placed', count: 4, assignments: [[1, 2], [2, 3]] },
      ],
      timeout: 3000,
      validateOnly: true,
    });
    assert.is(request.apiVersion, version);
    const decoded = decode('request', version, (await request.encode()).buffer);
    assert.equal(decoded, {
      topics: [
        { name: 'orders', count: 6, assignments: null },
        { name: 'placed', count: 4, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }] },
      ],
      timeoutMs: 3000,
      validateOnly: true,
    });
  });

  test(`kafkajs reads our v${version} CreatePartitions response`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 77,
      results: [
        { name: 'placed', errorCode: 37, errorMessage: 'Topic already has 4 partitions.' },
        { name: 'orders', errorCode: 0, errorMessage: null },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.equal(decoded.topicErrors, [
      { topic: 'orders', errorCode: 0, errorMessage: null },
      { topic: 'placed', errorCode: 37, errorMessage: 'Topic already has 4 partitions.' },
    ]);
    assert.is(version === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime, 77);
  });
}

test('a null assignment list is a compact null from v2', () => {
  const buf = encode('request', 2, { topics: [{ name: 'a', count: 2, assignments: null }], timeoutMs: 0, validateOnly: false });
  // compact array of 1, "a", count, null assignments, topic tags, timeout, validateOnly, tags
  assert.equal([...buf], [2, 2, 0x61, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(decode('request', 2, buf).topics, [{ name: 'a', count: 2, assignments: null }]);
});

test.run();
