import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { JoinGroup } from '../../../src/protocol/messages/11-join-group.js';
import type { ResponseOf } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/joinGroup/${path}`);
const flexible = (v: number) => inVersions(JoinGroup.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(JoinGroup[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(JoinGroup[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('JoinGroup round-trips every version, request and response', () => {
  assertRoundTrips(JoinGroup);
});

test('JoinGroup refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(JoinGroup);
});

const subscription = Buffer.from([0, 1, 0, 0, 0, 1, 0, 6, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73]);

for (const version of [0, 1, 2, 3, 4, 5]) {
  test(`a kafkajs v${version} JoinGroup request decodes to the same member and protocols`, async () => {
    const request = kafkajs(`v${version}/request`)({
      groupId: 'billing',
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      memberId: '',
      groupInstanceId: 'static-1',
      protocolType: 'consumer',
      groupProtocols: [
        { name: 'range', metadata: subscription },
        { name: 'roundrobin', metadata: Buffer.alloc(0) },
      ],
    });
    assert.is(request.apiVersion, version);
    const decoded = decode('request', version, (await request.encode()).buffer);
    assert.equal(decoded, {
      groupId: 'billing',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: version >= 1 ? 60_000 : -1,
      memberId: '',
      groupInstanceId: version >= 5 ? 'static-1' : null,
      protocolType: 'consumer',
      protocols: [
        { name: 'range', metadata: subscription },
        { name: 'roundrobin', metadata: Buffer.alloc(0) },
      ],
      reason: null,
    });
  });
}

for (const version of [0, 2, 4, 5]) {
  test(`kafkajs reads a JoinGroup v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 40,
      errorCode: 0,
      generationId: 3,
      protocolName: 'range',
      leader: 'member-a',
      memberId: 'member-b',
      members: [
        { memberId: 'member-a', groupInstanceId: 'static-a', metadata: subscription },
        { memberId: 'member-b', groupInstanceId: null, metadata: Buffer.from([1, 2]) },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(decoded.errorCode, 0);
    assert.is(decoded.generationId, 3);
    assert.is(decoded.groupProtocol, 'range');
    assert.is(decoded.leaderId, 'member-a');
    assert.is(decoded.memberId, 'member-b');
    assert.equal(
      decoded.members.map((m: { memberId: string; memberMetadata: Buffer }) => [m.memberId, [...m.memberMetadata]]),
      [
        ['member-a', [...subscription]],
        ['member-b', [1, 2]],
      ],
    );
    if (version >= 2) assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 40);
    if (version >= 5) assert.equal(decoded.members.map((m: { groupInstanceId: string | null }) => m.groupInstanceId), ['static-a', null]);
  });
}

test('the protocol name may be null only from v7, and v9 carries skipAssignment', () => {
  const response = {
    throttleTimeMs: 0,
    errorCode: 0,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: true,
    memberId: 'm',
    members: [],
  };
  assert.throws(() => encode('response', 6, response), /not nullable/);
  const v7 = decode('response', 7, encode('response', 7, response)) as ResponseOf<typeof JoinGroup>;
  assert.is(v7.protocolName, null);
  assert.is(v7.skipAssignment, false);
  const v9 = decode('response', 9, encode('response', 9, response)) as ResponseOf<typeof JoinGroup>;
  assert.is(v9.skipAssignment, true);
});

test.run();
