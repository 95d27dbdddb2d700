import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { SyncGroup } from '../../../src/protocol/messages/14-sync-group.js';
import type { ResponseOf } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/syncGroup/${path}`);
const flexible = (v: number) => inVersions(SyncGroup.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(SyncGroup[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(SyncGroup[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('SyncGroup round-trips every version, request and response', () => {
  assertRoundTrips(SyncGroup);
});

test('SyncGroup refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(SyncGroup);
});

const assignmentA = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 0]);
const assignmentB = Buffer.from([0, 1, 0, 0, 0, 0]);

for (const version of [0, 1, 2, 3]) {
  test(`a kafkajs v${version} SyncGroup request decodes to the same generation and assignments`, async () => {
    const request = kafkajs(`v${version}/request`)({
      groupId: 'billing',
      generationId: 4,
      memberId: 'leader-1',
      groupInstanceId: 'static-1',
      groupAssignment: [
        { memberId: 'leader-1', memberAssignment: assignmentA },
        { memberId: 'follower-2', memberAssignment: assignmentB },
      ],
    });
    assert.is(request.apiVersion, version);
    assert.equal(decode('request', version, (await request.encode()).buffer), {
      groupId: 'billing',
      generationId: 4,
      memberId: 'leader-1',
      groupInstanceId: version >= 3 ? 'static-1' : null,
      protocolType: null,
      protocolName: null,
      assignments: [
        { memberId: 'leader-1', assignment: assignmentA },
        { memberId: 'follower-2', assignment: assignmentB },
      ],
    });
  });
}

for (const version of [0, 1, 2, 3]) {
  test(`kafkajs reads a SyncGroup v${version} response encoded here`, async () => {
    const buf = encode('response', version, { throttleTimeMs: 11, errorCode: 0, assignment: assignmentA });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(decoded.errorCode, 0);
    assert.equal([...decoded.memberAssignment], [...assignmentA]);
    if (version >= 1) assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 11);
  });
}

test('v5 carries the nullable protocol type and name on both sides', () => {
  const response = { throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: null, assignment: Buffer.alloc(0) };
  const v5 = decode('response', 5, encode('response', 5, response)) as ResponseOf<typeof SyncGroup>;
  assert.is(v5.protocolType, 'consumer');
  assert.is(v5.protocolName, null);
  const v4 = decode('response', 4, encode('response', 4, response)) as ResponseOf<typeof SyncGroup>;
  assert.is(v4.protocolType, null);
  // v4 response: throttle (4) + error (2) + empty compact bytes (1) + empty tag section (1).
  assert.is(encode('response', 4, response).length, 8);
});

test.run();
