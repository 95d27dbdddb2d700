import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DeleteRecords } from '../../../src/protocol/messages/21-delete-records.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/deleteRecords/${path}`);

type Obj = Record<string, any>;

function decode(spec: StructSpec, version: number, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const value = compileStruct(spec, version, inVersions(DeleteRecords.flexible, version)).decode(r);
  r.ensureGood('message');
  assert.is(r.remaining, 0, 'every byte is consumed');
  return value;
}

function encode(spec: StructSpec, version: number, value: Obj): Buffer {
  const w = new Writer(64);
  compileStruct(spec, version, inVersions(DeleteRecords.flexible, version)).encode(w, value);
  return Buffer.from(w.finish());
}

const requestTopics = [
  { topic: 'orders', partitions: [{ partition: 0, offset: '120' }, { partition: 1, offset: '-1' }] },
  { topic: 'audit', partitions: [{ partition: 4, offset: '9007199254740991' }] },
];

test('DeleteRecords round-trips every version, request and response', () => {
  assert.is(DeleteRecords.lowest, 0);
  assert.is(DeleteRecords.highest, 2);
  assertRoundTrips(DeleteRecords);
});

test('DeleteRecords refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DeleteRecords);
});

test('v0 and v1 requests encoded by kafkajs decode field for field', async () => {
  for (const version of [0, 1]) {
    const request = kafkajs(`v${version}/request.js`)({ topics: requestTopics, timeout: 3000 });
    assert.is(request.apiVersion, version);
    const value = decode(DeleteRecords.request, version, (await request.encode()).buffer);
    assert.is(value.timeoutMs, 3000);
    assert.equal(value.topics, [
      { name: 'orders', partitions: [{ partitionIndex: 0, offset: 120 }, { partitionIndex: 1, offset: -1 }] },
      { name: 'audit', partitions: [{ partitionIndex: 4, offset: 9007199254740991 }] },
    ]);
  }
});

test('v0 and v1 responses encoded here are read by kafkajs', async () => {
  const value = {
    throttleTimeMs: 40,
    topics: [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, lowWatermark: 120, errorCode: 0 },
          { partitionIndex: 1, lowWatermark: -1, errorCode: 3 },
        ],
      },
    ],
  };
  const v0 = await kafkajs('v0/response.js')({ topics: requestTopics }).decode(encode(DeleteRecords.response, 0, value));
  assert.is(v0.throttleTime, 40);
  assert.is(v0.topics[0].topic, 'orders');
  assert.equal(
    v0.topics[0].partitions.map((p: Obj) => [p.partition, p.lowWatermark.toString(), p.errorCode]),
    [
      [0, '120', 0],
      [1, '-1', 3],
    ],
  );
  const v1 = await kafkajs('v1/response.js')({ topics: requestTopics }).decode(encode(DeleteRecords.response, 1, value));
  assert.is(v1.clientSideThrottleTime, 40);
});

test('v2 is flexible: compact strings and arrays, and a tag section after every struct', () => {
  const frame = Buffer.from(
    [
      '02', // one topic
      '026f', // name "o"
      '02', // one partition
      '00000005', // partitionIndex
      '000000000000002a', // offset 42
      '00', // partition tags
      '00', // topic tags
      '00007530', // timeoutMs 30000
      '00', // request tags
    ].join(''),
    'hex',
  );
  const value = decode(DeleteRecords.request, 2, frame);
  assert.equal(value.topics, [{ name: 'o', partitions: [{ partitionIndex: 5, offset: 42 }] }]);
  assert.is(value.timeoutMs, 30000);
  assert.ok(encode(DeleteRecords.request, 2, value).equals(frame));
});

test.run();
