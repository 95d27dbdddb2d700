import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { Heartbeat } from '../../../src/protocol/messages/12-heartbeat.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/heartbeat/${path}`);
const flexible = (v: number) => inVersions(Heartbeat.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(Heartbeat[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(Heartbeat[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('Heartbeat round-trips every version, request and response', () => {
  assertRoundTrips(Heartbeat);
});

test('Heartbeat refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(Heartbeat);
});

for (const version of [0, 1, 2, 3]) {
  test(`a kafkajs v${version} Heartbeat request decodes to the same group, generation and member`, async () => {
    const request = kafkajs(`v${version}/request`)({
      groupId: 'billing',
      groupGenerationId: 12,
      memberId: 'consumer-1-abc',
      groupInstanceId: 'static-1',
    });
    assert.is(request.apiVersion, version);
    assert.equal(decode('request', version, (await request.encode()).buffer), {
      groupId: 'billing',
      generationId: 12,
      memberId: 'consumer-1-abc',
      groupInstanceId: version >= 3 ? 'static-1' : null,
    });
  });
}

for (const version of [0, 1, 2, 3]) {
  test(`kafkajs reads a Heartbeat v${version} response encoded here`, async () => {
    const decoded = await kafkajs(`v${version}/response`).decode(encode('response', version, { throttleTimeMs: 7, errorCode: 27 }));
    assert.is(decoded.errorCode, 27);
    if (version >= 1) assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 7);
  });
}

test('the flexible v4 request uses compact strings and ends with an empty tag section', () => {
  const bytes = encode('request', 4, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null });
  assert.equal([...bytes], [2, 0x67, 0, 0, 0, 1, 2, 0x6d, 0, 0]);
});

test.run();
