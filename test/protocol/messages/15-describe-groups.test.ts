import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DescribeGroups } from '../../../src/protocol/messages/15-describe-groups.js';
import type { ResponseOf } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/describeGroups/${path}`);
const flexible = (v: number) => inVersions(DescribeGroups.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(DescribeGroups[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(DescribeGroups[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('DescribeGroups round-trips every version, request and response', () => {
  assertRoundTrips(DescribeGroups);
});

test('DescribeGroups refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DescribeGroups);
});

for (const version of [0, 1, 2]) {
  test(`a kafkajs v${version} DescribeGroups request decodes to the same group ids`, async () => {
    const request = kafkajs(`v${version}/request`)({ groupIds: ['billing', 'audit'] });
    assert.is(request.apiVersion, version);
    assert.equal(decode('request', version, (await request.encode()).buffer), {
      groups: ['billing', 'audit'],
      includeAuthorizedOperations: false,
    });
  });
}

const metadata = Buffer.from([0, 1, 0, 0, 0, 0]);
const assignment = Buffer.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);

for (const version of [0, 1, 2]) {
  test(`kafkajs reads a DescribeGroups v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 5,
      groups: [
        {
          errorCode: 0,
          groupId: 'billing',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [
            {
              memberId: 'consumer-1-abc',
              groupInstanceId: null,
              clientId: 'billing-app',
              clientHost: '/10.0.0.7',
              memberMetadata: metadata,
              memberAssignment: assignment,
            },
          ],
        },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(decoded.groups.length, 1);
    const g = decoded.groups[0];
    assert.equal([g.errorCode, g.groupId, g.state, g.protocolType, g.protocol], [0, 'billing', 'Stable', 'consumer', 'range']);
    assert.equal(
      g.members.map((m: Record<string, unknown>) => [m.memberId, m.clientId, m.clientHost]),
      [['consumer-1-abc', 'billing-app', '/10.0.0.7']],
    );
    assert.equal([...g.members[0].memberMetadata], [...metadata]);
    assert.equal([...g.members[0].memberAssignment], [...assignment]);
    if (version >= 1) assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 5);
  });
}

test('authorized operations default to INT32_MIN where the version has none', () => {
  const response = {
    throttleTimeMs: 0,
    groups: [
      { errorCode: 0, groupId: 'g', groupState: 'Empty', protocolType: '', protocolData: '', members: [], authorizedOperations: 0x0ff8 },
    ],
  };
  const v2 = decode('response', 2, encode('response', 2, response)) as ResponseOf<typeof DescribeGroups>;
  assert.is(v2.groups[0]!.authorizedOperations, -2147483648);
  const v3 = decode('response', 3, encode('response', 3, response)) as ResponseOf<typeof DescribeGroups>;
  assert.is(v3.groups[0]!.authorizedOperations, 0x0ff8);
});

test.run();
