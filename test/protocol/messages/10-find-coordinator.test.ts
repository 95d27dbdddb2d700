import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { FindCoordinator } from '../../../src/protocol/messages/10-find-coordinator.js';
import type { ResponseOf } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/findCoordinator/${path}`);
const flexible = (v: number) => inVersions(FindCoordinator.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(FindCoordinator[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(FindCoordinator[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('FindCoordinator round-trips every version, request and response', () => {
  assertRoundTrips(FindCoordinator);
});

test('FindCoordinator refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(FindCoordinator);
});

test('a kafkajs v0 FindCoordinator request decodes to a group key', async () => {
  const request = kafkajs('v0/request')({ groupId: 'billing' });
  assert.is(request.apiVersion, 0);
  assert.equal(decode('request', 0, (await request.encode()).buffer), { key: 'billing', keyType: 0, coordinatorKeys: [] });
});

for (const version of [1, 2]) {
  test(`a kafkajs v${version} FindCoordinator request decodes to the key and its type`, async () => {
    const request = kafkajs(`v${version}/request`)({ coordinatorKey: 'txn-7', coordinatorType: 1 });
    assert.is(request.apiVersion, version);
    assert.equal(decode('request', version, (await request.encode()).buffer), {
      key: 'txn-7',
      keyType: 1,
      coordinatorKeys: [],
    });
  });
}

for (const version of [0, 1, 2]) {
  test(`kafkajs reads a FindCoordinator v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 10,
      errorCode: 15,
      errorMessage: 'not yet',
      nodeId: 3,
      host: 'broker-3.local',
      port: 9093,
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(decoded.errorCode, 15);
    assert.equal(decoded.coordinator, { nodeId: 3, host: 'broker-3.local', port: 9093 });
    if (version >= 1) {
      assert.is(decoded.errorMessage, 'not yet');
      assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 10);
    }
  });
}

test('v4 and later answer with one coordinator per requested key', () => {
  for (const version of [4, 5, 6]) {
    const request = { coordinatorKeys: ['g1', 'g2'], keyType: 0 };
    assert.equal(decode('request', version, encode('request', version, request)), { key: '', ...request });
    const response = {
      throttleTimeMs: 0,
      coordinators: [
        { key: 'g1', nodeId: 1, host: 'h1', port: 9092, errorCode: 0, errorMessage: null },
        { key: 'g2', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'unavailable' },
      ],
    };
    const back = decode('response', version, encode('response', version, response)) as ResponseOf<typeof FindCoordinator>;
    assert.equal(back.coordinators, response.coordinators);
    // The single-coordinator fields of v0-3 are gone.
    assert.is(back.host, '');
    assert.is(back.errorMessage, '');
  }
});

test.run();
