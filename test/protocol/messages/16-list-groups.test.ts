import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { ListGroups } from '../../../src/protocol/messages/16-list-groups.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/listGroups/${path}`);
const flexible = (v: number) => inVersions(ListGroups.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(ListGroups[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(ListGroups[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('ListGroups round-trips every version, request and response', () => {
  assertRoundTrips(ListGroups);
});

test('ListGroups refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(ListGroups);
});

for (const version of [0, 1, 2]) {
  test(`a kafkajs v${version} ListGroups request is empty and decodes with no filters`, async () => {
    const request = kafkajs(`v${version}/request`)();
    assert.is(request.apiVersion, version);
    const buf: Buffer = (await request.encode()).buffer;
    assert.is(buf.length, 0);
    assert.equal(decode('request', version, buf), { statesFilter: [], typesFilter: [] });
  });
}

for (const version of [0, 1, 2]) {
  test(`kafkajs reads a ListGroups v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 3,
      errorCode: 0,
      groups: [
        { groupId: 'billing', protocolType: 'consumer' },
        { groupId: 'connect-cluster', protocolType: 'connect' },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(decoded.errorCode, 0);
    assert.equal(decoded.groups, [
      { groupId: 'billing', protocolType: 'consumer' },
      { groupId: 'connect-cluster', protocolType: 'connect' },
    ]);
    if (version >= 1) assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 3);
  });
}

test('the state filter appears in v4 and the type filter in v5, as plain fields', () => {
  const request = { statesFilter: ['Stable'], typesFilter: ['consumer'] };
  // v3: no fields, only the empty tag section.
  assert.equal([...encode('request', 3, request)], [0]);
  // v4: compact array of one compact string, then the tag section.
  assert.equal([...encode('request', 4, request)], [2, 7, ...Buffer.from('Stable'), 0]);
  assert.equal(decode('request', 4, encode('request', 4, request)), { statesFilter: ['Stable'], typesFilter: [] });
  assert.equal(decode('request', 5, encode('request', 5, request)), request);
});

test.run();
