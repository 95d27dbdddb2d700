/**
 * Produce v0-2 with message sets of magic 0 and 1, as Kafka 3.9 serves them: converted to
 * batches of magic 2 on the way in, so consumers read them as any records; the topic's
 * timestamp type, codec and compaction rules apply to them; a set that cannot be right is
 * refused with Kafka's code and nothing of it is written. Runs on a partition worker.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiVersions, CreateTopics, Fetch, Produce } from '../../src/protocol/messages/index.js';
import { batchPositions, compressionOf, decodeBatchDecompressing, encodeBatch, readBatchHeader, TimestampType } from '../../src/protocol/records/batch.js';
import { CompressionType, codecFor } from '../../src/protocol/records/compression/index.js';
import { broker, dataDir } from '../interop/helpers.js';
import { legacyEntry, legacySet } from '../helpers/legacy-messages.js';
import { RawClient } from '../helpers/raw-client.js';

const NO_UUID = '00000000-0000-0000-0000-000000000000';
const data = dataDir();
const b = await broker(data.dir, 1);
const c = await RawClient.connect(b.bootstrap);

await c.request(CreateTopics, 7, {
  topics: [
    { name: 'create-time', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    { name: 'append-time', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
    { name: 'zstd-topic', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'compression.type', value: 'zstd' }] },
    { name: 'compacted', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
  ],
  timeoutMs: 5000,
  validateOnly: false,
});

async function produce(version: number, topic: string, records: Buffer) {
  const r = await c.request(Produce, version, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  return r.responses[0].partitionResponses[0];
}

async function batches(topic: string) {
  const r = await c.request(Fetch, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
    topics: [{ topic, topicId: NO_UUID, partitions: [{ partition: 0, fetchOffset: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  });
  const records = r.responses[0].partitions[0].records as Buffer;
  return [...batchPositions(records)].map(({ at }) => ({ header: readBatchHeader(records, at), records: decodeBatchDecompressing(records, at).records }));
}

test('Produce v0-12 are advertised, as Kafka 4 advertises them with transaction.version 2', async () => {
  const produce = (await c.request(ApiVersions, 0, {})).apiKeys.find((k: { apiKey: number }) => k.apiKey === 0);
  assert.equal([produce?.minVersion, produce?.maxVersion], [0, 12]);
});

test('v0 and v1 (magic 0) and v2 (magic 1), uncompressed and in gzip: appended in order, read back as records of magic 2', async () => {
  const now = Date.now();
  const sent = [
    [0, legacySet(0, [{ key: 'a', value: 'v0-1' }, { key: null, value: 'v0-2' }])],
    [1, Buffer.concat([legacyEntry(0, { value: codecFor(CompressionType.Gzip)!.compress(legacySet(0, [{ value: 'v1-gzip' }])), attributes: CompressionType.Gzip })])],
    [2, legacySet(1, [{ key: 'c', value: 'v2-1', timestamp: now }, { key: 'd', value: null, timestamp: now + 1 }])],
  ] as const;
  const offsets: number[] = [];
  for (const [v, set] of sent) {
    const p = await produce(v, 'create-time', set);
    assert.is(p.errorCode, 0, `v${v}: ${p.errorMessage}`);
    offsets.push(p.baseOffset);
    if (v === 2) assert.is(p.logAppendTimeMs, -1, 'CreateTime: no log append time');
  }
  assert.equal(offsets, [0, 2, 3]);
  const got = (await batches('create-time')).flatMap((x) => x.records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]));
  assert.equal(got, [
    [0, 'a', 'v0-1', -1],
    [1, null, 'v0-2', -1],
    [2, null, 'v1-gzip', -1],
    [3, 'c', 'v2-1', now],
    [4, 'd', null, now + 1],
  ]);
  // A v2 request may carry batches of magic 2 as well; they are appended as they are.
  const p = await produce(2, 'create-time', encodeBatch([{ value: 'magic 2 in v2' }]));
  assert.equal([p.errorCode, p.baseOffset], [0, 5]);
});

test('on a LogAppendTime topic the broker sets the time, and the answer says it', async () => {
  const before = Date.now();
  const p = await produce(2, 'append-time', legacySet(1, [{ value: 'x', timestamp: 1 }]));
  assert.is(p.errorCode, 0);
  assert.ok(p.logAppendTimeMs >= before, 'the log append time is answered');
  const [batch] = await batches('append-time');
  assert.is(batch!.header.attributes & 0x08 ? TimestampType.LogAppendTime : TimestampType.CreateTime, TimestampType.LogAppendTime);
  assert.is(batch!.header.maxTimestamp, p.logAppendTimeMs);
});

test("a topic's codec applies: a snappy set lands in zstd on a zstd topic", async () => {
  const inner = legacySet(1, [{ value: 'to be zstd', timestamp: Date.now() }]);
  const p = await produce(2, 'zstd-topic', legacyEntry(1, { value: codecFor(CompressionType.Snappy)!.compress(inner), attributes: CompressionType.Snappy, timestamp: Date.now() }));
  assert.is(p.errorCode, 0, p.errorMessage ?? '');
  const [batch] = await batches('zstd-topic');
  assert.is(compressionOf(batch!.header.attributes), CompressionType.Zstd);
  assert.equal(batch!.records.map((r) => r.value!.toString()), ['to be zstd']);
});

test('refusals: no key on a compacted topic (INVALID_RECORD), a bad CRC (CORRUPT_MESSAGE), zstd in magic 1; nothing of them is written', async () => {
  let p = await produce(2, 'compacted', legacySet(1, [{ key: 'k', value: 'kept', timestamp: Date.now() }, { key: null, value: 'no key', timestamp: Date.now() }]));
  assert.is(p.errorCode, ErrorCode.INVALID_RECORD);
  const bad = legacySet(0, [{ value: 'flipped' }]);
  bad[bad.length - 1] ^= 1;
  p = await produce(1, 'compacted', bad);
  assert.equal([p.errorCode, p.baseOffset], [ErrorCode.CORRUPT_MESSAGE, -1]);
  p = await produce(2, 'compacted', legacyEntry(1, { key: 'k', value: 'z', attributes: CompressionType.Zstd }));
  assert.is(p.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  assert.equal(await batches('compacted'), [], 'nothing was written');
  p = await produce(2, 'compacted', legacySet(1, [{ key: 'k', value: 'fine', timestamp: Date.now() }]));
  assert.equal([p.errorCode, p.baseOffset], [0, 0]);
});

test.after(async () => {
  c.close();
  await b.close();
  data.remove();
});

test.run();
