/**
 * Every advertised version really works: clients such as kafka-python guess the broker's
 * version from the advertised ranges and then send fixed, older versions. Each data-path API is
 * exercised at every version the broker advertises, with a real request and a checked answer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiVersions, Fetch, ListOffsets, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { batchPositions, decodeBatchDecompressing, encodeBatch } from '../../src/protocol/records/batch.js';
import { broker, dataDir } from '../interop/helpers.js';
import { RawClient } from '../helpers/raw-client.js';

const data = dataDir();
const b = await broker(data.dir, 1);
const c = await RawClient.connect(b.bootstrap);
const advertised = (await c.request(ApiVersions, 0, {})).apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[];
const range = (key: number) => advertised.find((a) => a.apiKey === key)!;

test('ApiVersions answers at every version', async () => {
  for (let v = range(18).minVersion; v <= range(18).maxVersion; v++) {
    const r = await c.request(ApiVersions, v, { clientSoftwareName: 'every-version', clientSoftwareVersion: '1.0' });
    assert.is(r.errorCode, 0, `v${v}`);
    assert.equal(r.apiKeys, advertised, `v${v} lists the same ranges`);
  }
});

test('Metadata auto-creates and describes a topic at every version', async () => {
  for (let v = range(3).minVersion; v <= range(3).maxVersion; v++) {
    const name = `meta-v${v}`;
    const r = await c.request(Metadata, v, { topics: [{ name, topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    assert.is(r.topics[0].errorCode, 0, `v${v}`);
    assert.is(r.topics[0].name, name);
    assert.is(r.topics[0].partitions.length, 1);
    assert.is(r.brokers[0].port, b.port);
  }
});

test('Produce (v3 up), Fetch (v4 up) and ListOffsets (v0 up) work at every advertised version', async () => {
  await c.request(Metadata, 9, { topics: [{ name: 'versions' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  const topicId = (await c.request(Metadata, 12, { topics: [{ name: 'versions', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).topics[0].topicId;
  const written: number[] = [];
  for (let v = 3; v <= range(0).maxVersion; v++) {
    const r = await c.request(Produce, v, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'versions', partitionData: [{ index: 0, records: encodeBatch([{ value: `produce-v${v}` }]) }] }] });
    const p = r.responses[0].partitionResponses[0];
    assert.is(p.errorCode, 0, `Produce v${v}`);
    written.push(p.baseOffset);
  }
  assert.equal(written, written.map((_, i) => i), 'consecutive offsets');
  for (let v = range(1).minVersion; v <= range(1).maxVersion; v++) {
    const r = await c.request(Fetch, v, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'versions', topicId, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const p = r.responses[0].partitions[0];
    assert.is(p.errorCode, 0, `Fetch v${v}`);
    assert.is(p.highWatermark, written.length);
    const records = p.records!;
    const values = [...batchPositions(records)].flatMap(({ at }) => decodeBatchDecompressing(records, at).records.map((x) => x.value!.toString()));
    assert.is(values.length, written.length, `Fetch v${v} returns every record`);
  }
  for (let v = range(2).minVersion; v <= range(2).maxVersion; v++) {
    const r = await c.request(ListOffsets, v, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'versions', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] });
    const p = r.topics[0].partitions[0];
    assert.is(p.errorCode, 0, `ListOffsets v${v}`);
    assert.is(v === 0 ? p.oldStyleOffsets[0] : p.offset, written.length, `ListOffsets v${v} gives the log end`);
  }
});

test.after(async () => {
  c.close();
  await b.close();
  data.remove();
});

test.run();
