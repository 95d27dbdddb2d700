import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DeleteGroups } from '../../../src/protocol/messages/42-delete-groups.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/deleteGroups/${path}`);
const flexible = (v: number) => inVersions(DeleteGroups.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(DeleteGroups[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(DeleteGroups[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('DeleteGroups round-trips every version, request and response', () => {
  assertRoundTrips(DeleteGroups);
});

test('DeleteGroups refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DeleteGroups);
});

for (const version of [0, 1]) {
  test(`a kafkajs v${version} DeleteGroups request decodes to the same group names`, async () => {
    const request = kafkajs(`v${version}/request`)(['billing', 'audit', '']);
    assert.is(request.apiVersion, version);
    assert.equal(decode('request', version, (await request.encode()).buffer), { groupsNames: ['billing', 'audit', ''] });
  });
}

for (const version of [0, 1]) {
  test(`kafkajs reads a DeleteGroups v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 20,
      results: [
        { groupId: 'billing', errorCode: 0 },
        { groupId: 'audit', errorCode: 68 },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.equal(
      decoded.results.map((r: { groupId: string; errorCode: number }) => [r.groupId, r.errorCode]),
      [
        ['billing', 0],
        ['audit', 68],
      ],
    );
    assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTimeMs, 20);
  });
}

test('the flexible v2 response uses compact arrays and tag sections', () => {
  const bytes = encode('response', 2, { throttleTimeMs: 0, results: [{ groupId: 'g', errorCode: 69 }] });
  assert.equal([...bytes], [0, 0, 0, 0, 2, 2, 0x67, 0, 69, 0, 0]);
});

test.run();
