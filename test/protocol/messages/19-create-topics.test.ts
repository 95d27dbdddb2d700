import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { CreateTopics } from '../../../src/protocol/messages/19-create-topics.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/createTopics/${path}`);
const flexible = (v: number) => inVersions(CreateTopics.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(CreateTopics[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(CreateTopics[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('CreateTopics round-trips every version, request and response', () => {
  assertRoundTrips(CreateTopics);
});

test('CreateTopics refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(CreateTopics);
});

const kafkajsTopics = [
  {
    topic: 'orders',
    numPartitions: 3,
    replicationFactor: 2,
    configEntries: [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'retention.ms', value: null },
    ],
  },
  { topic: 'manual', replicaAssignment: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [2, 3] }] },
];

for (const version of [0, 1, 2, 3]) {
  test(`a kafkajs v${version} CreateTopics request decodes to the same topics, assignments and configs`, async () => {
    const request = kafkajs(`v${version}/request`)({ topics: kafkajsTopics, timeout: 1234, validateOnly: true });
    assert.is(request.apiVersion, version);
    const decoded = decode('request', version, (await request.encode()).buffer);
    assert.equal(decoded.topics, [
      {
        name: 'orders',
        numPartitions: 3,
        replicationFactor: 2,
        assignments: [],
        configs: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'retention.ms', value: null },
        ],
      },
      {
        name: 'manual',
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [
          { partitionIndex: 0, brokerIds: [1, 2] },
          { partitionIndex: 1, brokerIds: [2, 3] },
        ],
        configs: [],
      },
    ]);
    assert.is(decoded.timeoutMs, 1234);
    // v0 has no validateOnly field: it reads as false whatever the caller asked for.
    assert.is(decoded.validateOnly, version >= 1);
  });
}

for (const version of [0, 1, 2, 3]) {
  test(`kafkajs reads our v${version} CreateTopics response`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 250,
      topics: [
        { name: 'zeta', errorCode: 36, errorMessage: 'Topic zeta already exists.' },
        { name: 'alpha', errorCode: 0, errorMessage: null },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    const byTopic = Object.fromEntries(decoded.topicErrors.map((t: { topic: string }) => [t.topic, t]));
    assert.is(byTopic.zeta.errorCode, 36);
    assert.is(byTopic.alpha.errorCode, 0);
    if (version >= 1) {
      assert.is(byTopic.zeta.errorMessage, 'Topic zeta already exists.');
      assert.is(byTopic.alpha.errorMessage, null);
    }
    if (version === 2) assert.is(decoded.throttleTime, 250);
    if (version === 3) assert.is(decoded.clientSideThrottleTime, 250);
  });
}

test('from v5 topicConfigErrorCode travels as tag 0 and only when it is not zero', () => {
  const topic = {
    name: 't',
    topicId: '00000000-0000-0000-0000-000000000000',
    errorCode: 0,
    errorMessage: null,
    numPartitions: 1,
    replicationFactor: 1,
    configs: null,
  };
  const plain = encode('response', 5, { throttleTimeMs: 0, topics: [{ ...topic, topicConfigErrorCode: 0 }] });
  const tagged = encode('response', 5, { throttleTimeMs: 0, topics: [{ ...topic, topicConfigErrorCode: 29 }] });
  // throttle, compact array of 1, name "t", error code, null message, partitions, factor, null configs
  const body = [0, 0, 0, 0, 2, 2, 0x74, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0];
  assert.equal([...plain], [...body, 0, 0]);
  assert.equal([...tagged], [...body, 1, 0, 2, 0, 29, 0]);
  assert.is((decode('response', 5, tagged).topics as { topicConfigErrorCode: number }[])[0]!.topicConfigErrorCode, 29);
});

test('v7 adds the topic id after the name; before v5 the new fields read as their defaults', () => {
  const id = '0123abcd-4567-89ef-0123-456789abcdef';
  const v7 = encode('response', 7, {
    throttleTimeMs: 0,
    topics: [{ name: 'a', topicId: id, errorCode: 0, errorMessage: null, topicConfigErrorCode: 0, numPartitions: 2, replicationFactor: 3, configs: [] }],
  });
  assert.is(v7.subarray(7, 23).toString('hex'), id.replace(/-/g, ''));
  const v4 = decode('response', 4, encode('response', 4, { throttleTimeMs: 0, topics: [{ name: 'a', errorCode: 0, errorMessage: null }] }));
  const t = (v4.topics as Record<string, unknown>[])[0]!;
  assert.is(t.numPartitions, -1);
  assert.is(t.replicationFactor, -1);
  assert.equal(t.configs, []);
});

test.run();
