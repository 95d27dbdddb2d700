import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { OffsetFetch } from '../../../src/protocol/messages/09-offset-fetch.js';
import type { RequestOf } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/offsetFetch/${path}`);
const flexible = (v: number) => inVersions(OffsetFetch.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(OffsetFetch[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(OffsetFetch[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('OffsetFetch round-trips every version, request and response', () => {
  assertRoundTrips(OffsetFetch);
});

test('OffsetFetch refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(OffsetFetch);
});

for (const version of [1, 2, 3, 4]) {
  test(`a kafkajs v${version} OffsetFetch request decodes to the single-group form`, async () => {
    const request = kafkajs(`v${version}/request`)({
      groupId: 'billing',
      topics: [
        { topic: 'orders', partitions: [{ partition: 0 }, { partition: 5 }] },
        { topic: 'refunds', partitions: [] },
      ],
    });
    assert.is(request.apiVersion, version);
    const decoded = decode('request', version, (await request.encode()).buffer);
    assert.equal(decoded, {
      groupId: 'billing',
      topics: [
        { name: 'orders', partitionIndexes: [0, 5] },
        { name: 'refunds', partitionIndexes: [] },
      ],
      groups: [],
      requireStable: false,
    });
  });
}

for (const version of [1, 2, 3, 4]) {
  test(`kafkajs reads an OffsetFetch v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 25,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 1234567890123, committedLeaderEpoch: -1, metadata: 'host-a', errorCode: 0 },
            { partitionIndex: 5, committedOffset: -1, committedLeaderEpoch: -1, metadata: null, errorCode: 3 },
          ],
        },
      ],
      errorCode: 16,
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.equal(decoded.responses, [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: '1234567890123', metadata: 'host-a', errorCode: 0 },
          { partition: 5, offset: '-1', metadata: null, errorCode: 3 },
        ],
      },
    ]);
    // The top-level error code exists from v2, the throttle time from v3.
    if (version >= 2) assert.is(decoded.errorCode, 16);
    if (version >= 3) assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 25);
  });
}

test('a null topic list (all topics) is allowed from v2 only', () => {
  const all = { groupId: 'g', topics: null };
  assert.throws(() => encode('request', 1, all), /not nullable/);
  assert.is((decode('request', 2, encode('request', 2, all)) as RequestOf<typeof OffsetFetch>).topics, null);
  // The v2 wire form of "all topics" is an int32 length of -1 after the group id.
  assert.equal([...encode('request', 2, all)], [0, 1, 0x67, 0xff, 0xff, 0xff, 0xff]);
});

test('v9 batches groups with the member id and epoch, and null topics per group', () => {
  const value = {
    groups: [
      { groupId: 'a', memberId: 'm-1', memberEpoch: 12, topics: [{ name: 't', partitionIndexes: [0, 1] }] },
      { groupId: 'b', memberId: null, memberEpoch: -1, topics: null },
    ],
    requireStable: true,
  };
  const v9 = decode('request', 9, encode('request', 9, value)) as RequestOf<typeof OffsetFetch>;
  assert.equal(v9.groups, value.groups);
  assert.is(v9.requireStable, true);
  // v8 has no member id or epoch: they read as null and -1.
  const v8 = decode('request', 8, encode('request', 8, value)) as RequestOf<typeof OffsetFetch>;
  assert.equal(
    v8.groups.map((g) => [g.memberId, g.memberEpoch]),
    [
      [null, -1],
      [null, -1],
    ],
  );
  assert.is(v8.groupId, '');
});

test.run();
