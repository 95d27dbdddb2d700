import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { LeaveGroup } from '../../../src/protocol/messages/13-leave-group.js';
import type { RequestOf } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/leaveGroup/${path}`);
const flexible = (v: number) => inVersions(LeaveGroup.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(LeaveGroup[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(LeaveGroup[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('LeaveGroup round-trips every version, request and response', () => {
  assertRoundTrips(LeaveGroup);
});

test('LeaveGroup refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(LeaveGroup);
});

for (const version of [0, 1, 2]) {
  test(`a kafkajs v${version} LeaveGroup request decodes to the single leaving member`, async () => {
    const request = kafkajs(`v${version}/request`)({ groupId: 'billing', memberId: 'consumer-1-abc' });
    assert.is(request.apiVersion, version);
    assert.equal(decode('request', version, (await request.encode()).buffer), {
      groupId: 'billing',
      memberId: 'consumer-1-abc',
      members: [],
    });
  });
}

test('a kafkajs v3 LeaveGroup request decodes to the batch of leaving members', async () => {
  const request = kafkajs('v3/request')({
    groupId: 'billing',
    members: [{ memberId: 'consumer-1-abc', groupInstanceId: 'static-1' }, { memberId: 'consumer-2-def' }],
  });
  assert.is(request.apiVersion, 3);
  assert.equal(decode('request', 3, (await request.encode()).buffer), {
    groupId: 'billing',
    memberId: '',
    members: [
      { memberId: 'consumer-1-abc', groupInstanceId: 'static-1', reason: null },
      { memberId: 'consumer-2-def', groupInstanceId: null, reason: null },
    ],
  });
});

for (const version of [0, 1, 2, 3]) {
  test(`kafkajs reads a LeaveGroup v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 9,
      errorCode: 0,
      members: [
        { memberId: 'consumer-1-abc', groupInstanceId: 'static-1', errorCode: 0 },
        { memberId: 'consumer-2-def', groupInstanceId: null, errorCode: 25 },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(decoded.errorCode, 0);
    if (version >= 1) assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 9);
    if (version >= 3) {
      assert.equal(decoded.members, [
        { memberId: 'consumer-1-abc', groupInstanceId: 'static-1', errorCode: 0 },
        { memberId: 'consumer-2-def', groupInstanceId: null, errorCode: 25 },
      ]);
    }
  });
}

test('the leave reason travels from v5 only', () => {
  const value = { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null, reason: 'shutting down' }] };
  const v4 = decode('request', 4, encode('request', 4, value)) as RequestOf<typeof LeaveGroup>;
  const v5 = decode('request', 5, encode('request', 5, value)) as RequestOf<typeof LeaveGroup>;
  assert.is(v4.members[0]!.reason, null);
  assert.is(v5.members[0]!.reason, 'shutting down');
});

test.run();
