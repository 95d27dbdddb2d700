/**
 * Golden frames: requests exactly as kafkajs and kcat (librdkafka) sent them on the wire,
 * captured by test/golden/capture.ts into test/fixtures/golden/. Each decodes to the values the
 * client was asked to send and re-encodes to the same bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRequest, decodeRequestHeader, encodeRequest } from '../../src/protocol/frame.js';
import { apiByKey } from '../../src/protocol/messages/index.js';
import { decodeBatchDecompressing, batchPositions } from '../../src/protocol/records/batch.js';

const root = new URL('../../../test/fixtures/golden/', import.meta.url).pathname;
type Obj = Record<string, any>;

interface Golden {
  client: string;
  file: string;
  frame: Buffer;
}

const goldens: Golden[] = [];
for (const client of readdirSync(root).sort()) {
  for (const file of readdirSync(join(root, client)).sort()) {
    goldens.push({ client, file, frame: readFileSync(join(root, client, file)) });
  }
}

function decoded(g: Golden) {
  const { header, bodyOffset, api } = decodeRequestHeader(g.frame, apiByKey);
  assert.ok(api, `${g.client}/${g.file}: API known`);
  return { header, api: api!, body: decodeRequest(api!, header.requestApiVersion, g.frame, bodyOffset) as Obj };
}

function recordsOf(batchSet: Buffer) {
  return [...batchPositions(batchSet)].flatMap(({ at }) => decodeBatchDecompressing(batchSet, at).records);
}

test('there are golden frames from both kafkajs and kcat', () => {
  assert.ok(goldens.some((g) => g.client === 'kafkajs'));
  assert.ok(goldens.some((g) => g.client === 'kcat'));
});

for (const g of goldens) {
  test(`${g.client} ${g.file} decodes and re-encodes to the same bytes`, () => {
    const { header, api, body } = decoded(g);
    const [key, , v] = g.file.replace('.bin', '').split('-');
    assert.is(header.requestApiKey, Number(key));
    assert.is(`v${header.requestApiVersion}`, v);
    assert.is(header.clientId, `golden-${g.client}`);
    const again = encodeRequest(api, header.requestApiVersion, header.correlationId, header.clientId, body);
    assert.ok(again.subarray(4).equals(g.frame), 'same bytes');
  });
}

const byName = (client: string, prefix: string) => {
  const g = goldens.find((x) => x.client === client && x.file.startsWith(prefix));
  assert.ok(g, `${client} ${prefix} captured`);
  return decoded(g!).body;
};

test('kafkajs Produce carries the gzip batch it was given, idempotent, acks=-1', () => {
  const body = byName('kafkajs', '00-Produce');
  assert.is(body.acks, -1);
  assert.is(body.topicData[0].name, 'golden');
  const batch = decodeBatchDecompressing(body.topicData[0].partitionData[0].records);
  assert.is(batch.header.attributes & 7, 1, 'gzip');
  assert.is(batch.header.producerId, 4242, 'the id InitProducerId handed out');
  assert.is(batch.header.baseSequence, 0);
  assert.equal(batch.records.map((r) => [r.key!.toString(), r.value!.toString(), r.timestamp]), [
    ['k0', 'golden-0', 1_700_000_000_000],
    ['k1', 'golden-1', 1_700_000_000_001],
  ]);
  assert.is(batch.records[0]!.headers[0]!.key, 'origin');
  assert.is(batch.records[0]!.headers[0]!.value!.toString(), 'kafkajs');
});

test('kcat Produce carries a snappy batch with its keys and values', () => {
  const body = byName('kcat', '00-Produce');
  const records = recordsOf(body.topicData[0].partitionData[0].records);
  const batch = decodeBatchDecompressing(body.topicData[0].partitionData[0].records);
  assert.is(batch.header.attributes & 7, 2, 'snappy');
  const pad = 'spindle '.repeat(32);
  assert.equal(records.map((r) => [r.key!.toString(), r.value!.toString()]), [
    ['k0', `golden-0 ${pad}`],
    ['k1', `golden-1 ${pad}`],
  ]);
});

test('kafkajs CreateTopics and Metadata name the topic', () => {
  const create = byName('kafkajs', '19-CreateTopics');
  assert.is(create.topics[0].name, 'golden');
  assert.is(create.topics[0].numPartitions, 1);
  const metadata = byName('kafkajs', '03-Metadata');
  assert.ok(metadata.topics === null || metadata.topics.every((t: Obj) => t.name === 'golden'));
});

test('kcat ListOffsets asks for the earliest offset and Fetch starts there', () => {
  const list = byName('kcat', '02-ListOffsets');
  assert.is(list.topics[0].name, 'golden');
  assert.is(list.topics[0].partitions[0].timestamp, -2);
  const fetch = byName('kcat', '01-Fetch');
  assert.is(fetch.topics[0].topic, 'golden');
  assert.is(fetch.topics[0].partitions[0].fetchOffset, 0);
});

test('kcat ApiVersions v3 names librdkafka as its software', () => {
  const body = byName('kcat', '18-ApiVersions');
  assert.is(body.clientSoftwareName, 'librdkafka');
  assert.match(body.clientSoftwareVersion, /^\d+\.\d+/);
});

test.run();
