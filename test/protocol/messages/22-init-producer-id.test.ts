import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { InitProducerId } from '../../../src/protocol/messages/22-init-producer-id.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/initProducerId/${path}`);
const flexible = (v: number) => inVersions(InitProducerId.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(InitProducerId[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(32);
  compileStruct(InitProducerId[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('InitProducerId round-trips every version, request and response', () => {
  assertRoundTrips(InitProducerId);
});

test('InitProducerId refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(InitProducerId);
});

for (const version of [0, 1]) {
  test(`a kafkajs v${version} request decodes, with a transactional id or with null`, async () => {
    for (const transactionalId of ['txn-7', null]) {
      const request = kafkajs(`v${version}/request`)({ transactionalId, transactionTimeout: 60000 });
      assert.is(request.apiVersion, version);
      const decoded = decode('request', version, (await request.encode()).buffer);
      assert.is(decoded.transactionalId, transactionalId);
      assert.is(decoded.transactionTimeoutMs, 60000);
      // Not on the wire before v3: the producer presents no id and no epoch.
      assert.is(decoded.producerId, -1);
      assert.is(decoded.producerEpoch, -1);
    }
  });

  test(`kafkajs reads our v${version} response's producer id and epoch`, async () => {
    const buf = encode('response', version, { throttleTimeMs: 5, errorCode: 0, producerId: 2 ** 40 + 17, producerEpoch: 3 });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(decoded.errorCode, 0);
    assert.is(decoded.producerId, String(2 ** 40 + 17));
    assert.is(decoded.producerEpoch, 3);
  });
}

test('from v3 the request carries the current producer id and epoch', () => {
  const buf = encode('request', 3, { transactionalId: null, transactionTimeoutMs: 100, producerId: 42, producerEpoch: 7 });
  // null compact string, timeout, id, epoch, tags
  assert.equal([...buf], [0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 42, 0, 7, 0]);
  assert.is(encode('request', 2, { transactionalId: null, transactionTimeoutMs: 100, producerId: 42, producerEpoch: 7 }).length, 6);
});

test('v5 is encoded exactly as v4', () => {
  for (const side of ['request', 'response'] as const) {
    const value =
      side === 'request'
        ? { transactionalId: 't', transactionTimeoutMs: 1, producerId: 9, producerEpoch: 2 }
        : { throttleTimeMs: 0, errorCode: 0, producerId: 9, producerEpoch: 2 };
    assert.ok(encode(side, 5, value).equals(encode(side, 4, value)), side);
  }
});

test.run();
