import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { OffsetCommit } from '../../../src/protocol/messages/08-offset-commit.js';
import type { RequestOf } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/offsetCommit/${path}`);
const flexible = (v: number) => inVersions(OffsetCommit.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(OffsetCommit[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(OffsetCommit[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('OffsetCommit round-trips every version, request and response', () => {
  assertRoundTrips(OffsetCommit);
});

test('OffsetCommit refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(OffsetCommit);
});

for (const version of [0, 1, 2, 3, 4, 5]) {
  test(`a kafkajs v${version} OffsetCommit request decodes to the same group, member and offsets`, async () => {
    const request = kafkajs(`v${version}/request`)({
      groupId: 'billing',
      groupGenerationId: 7,
      memberId: 'consumer-1',
      retentionTime: 86_400_000,
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, offset: '42', timestamp: 1_700_000_000_000, metadata: 'm0' },
            { partition: 3, offset: '9007199254740991', timestamp: 5, metadata: null },
          ],
        },
      ],
    });
    assert.is(request.apiVersion, version);
    const decoded = decode('request', version, (await request.encode()).buffer);
    assert.is(decoded.groupId, 'billing');
    // Fields absent from a version read as Kafka's defaults.
    assert.is(decoded.generationIdOrMemberEpoch, version >= 1 ? 7 : -1);
    assert.is(decoded.memberId, version >= 1 ? 'consumer-1' : '');
    assert.is(decoded.retentionTimeMs, version >= 2 && version <= 4 ? 86_400_000 : -1);
    assert.is(decoded.groupInstanceId, null);
    assert.equal(decoded.topics, [
      {
        name: 'orders',
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 42,
            committedLeaderEpoch: -1,
            commitTimestamp: version === 1 ? 1_700_000_000_000 : -1,
            committedMetadata: 'm0',
          },
          {
            partitionIndex: 3,
            committedOffset: 9007199254740991,
            committedLeaderEpoch: -1,
            commitTimestamp: version === 1 ? 5 : -1,
            committedMetadata: null,
          },
        ],
      },
    ]);
  });
}

for (const version of [0, 2, 3, 5]) {
  test(`kafkajs reads an OffsetCommit v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 150,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, errorCode: 0 },
            { partitionIndex: 1, errorCode: 22 },
          ],
        },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.equal(decoded.responses, [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, errorCode: 0 },
          { partition: 1, errorCode: 22 },
        ],
      },
    ]);
    if (version >= 3) assert.is(decoded.clientSideThrottleTime ?? decoded.throttleTime, 150);
  });
}

test('the v1-only commit timestamp and the v2-4 retention time are not written in other versions', () => {
  const value = {
    groupId: 'g',
    generationIdOrMemberEpoch: 1,
    memberId: 'm',
    groupInstanceId: null,
    retentionTimeMs: 1000,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: 99, committedMetadata: null }] }],
  };
  const sizes = [0, 1, 2, 5].map((v) => encode('request', v, value).length);
  // v1 adds generation (4), member id (2 + 1) and the timestamp (8) to v0.
  assert.is(sizes[1]! - sizes[0]!, 4 + 3 + 8);
  // v2 swaps the 8-byte timestamp for the 8-byte retention time.
  assert.is(sizes[2], sizes[1]);
  // v5 drops the retention time.
  assert.is(sizes[2]! - sizes[3]!, 8);
  const v2 = decode('request', 2, encode('request', 2, value)) as RequestOf<typeof OffsetCommit>;
  assert.is(v2.topics[0]!.partitions[0]!.commitTimestamp, -1);
  assert.is(decode('request', 5, encode('request', 5, value)).retentionTimeMs, -1);
});

test.run();
