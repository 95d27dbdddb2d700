/**
 * Requests as real clients send them, with their quirks, sent byte for byte from
 * test/fixtures/quirks/<client>/ to a real broker, which must answer them as Kafka does.
 *
 * kafka-python 2.3.3's describe_cluster (Metadata v8, topics null, both operation flags set) and
 * librdkafka 2.16.0's (Metadata v10, topics empty, the cluster flag set) read the cluster's
 * authorized operations as ACL operation codes: Kafka answers 8096 there (every cluster
 * operation, without an authorizer), where Spindle once answered "not asked" and kafka-python
 * failed with "31 is not a valid ACLOperation".
 *
 * librdkafka 2.16.0 (confluent-kafka 2.16.1), "all topics" Metadata v12: the body is
 * 00 | 00 00 00 | 01 | 00 | 00. librdkafka reserves four bytes for the topics count and writes the
 * one-byte null count into the first, leaving three; Kafka's broker reads topics=null,
 * allowAutoTopicCreation=false, includeTopicAuthorizedOperations=false, no tagged fields, and never
 * looks at the three bytes left (RequestContext.parseRequest). Before this was known, Spindle
 * closed the connection ("3 bytes past its end") and librdkafka's metadata calls failed.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRequest, decodeRequestHeader, decodeResponse } from '../../src/protocol/frame.js';
import { Metadata, apiByKey } from '../../src/protocol/messages/index.js';
import { withRawClient } from '../helpers/raw-client.js';
import { broker, dataDir } from '../interop/helpers.js';

const quirks = new URL('../../../test/fixtures/quirks/', import.meta.url).pathname;
const allTopics = readFileSync(`${quirks}librdkafka-2.16.0/03-Metadata-v12-all-topics.bin`);

test('librdkafka 2.16 all-topics Metadata v12 decodes as Kafka reads it, the three stray bytes left unread', () => {
  const { header, bodyOffset } = decodeRequestHeader(allTopics, apiByKey);
  assert.is(header.requestApiKey, Metadata.key);
  assert.is(header.requestApiVersion, 12);
  assert.is(header.clientId, 'rdkafka');
  assert.is(allTopics.length - bodyOffset, 7, 'a 4-byte body and 3 bytes after it');
  assert.equal(allTopics.subarray(bodyOffset + 4), Buffer.from([1, 0, 0]));
  const body = decodeRequest(Metadata, 12, allTopics, bodyOffset);
  assert.is(body.topics, null);
  assert.is(body.allowAutoTopicCreation, false);
  assert.is(body.includeTopicAuthorizedOperations, false);
});

test('the broker answers that frame with every topic, on the same connection, and answers the next request too', async () => {
  const data = dataDir();
  const b = await broker(data.dir, 0, { 'num.partitions': 2 });
  try {
    await withRawClient(b.bootstrap, async (c) => {
      await c.request(Metadata, 12, { topics: [{ name: 'quirk-a' }], allowAutoTopicCreation: true });
      const size = Buffer.alloc(4);
      size.writeInt32BE(allTopics.length);
      c.write(Buffer.concat([size, allTopics]));
      const { correlationId, body } = decodeResponse(Metadata, 12, await c.nextFrame());
      assert.is(correlationId, allTopics.readInt32BE(4));
      const topics = body.topics as { name: string; errorCode: number; partitions: unknown[] }[];
      assert.equal(topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [['quirk-a', 0, 2]]);
      const again = await c.request(Metadata, 12, { topics: [{ name: 'quirk-a' }], allowAutoTopicCreation: false });
      assert.is(again.topics[0]!.errorCode, 0, 'the connection still serves');
    });
  } finally {
    await b.close();
    data.remove();
  }
});

for (const [client, file, version] of [
  ['kafka-python-2.3.3', '03-Metadata-v8-describe-cluster.bin', 8],
  ['librdkafka-2.16.0', '03-Metadata-v10-describe-cluster.bin', 10],
] as const) {
  test(`${client}'s describe_cluster (Metadata v${version}) gets the cluster's operations, 8096, as Kafka answers`, async () => {
    const frame = readFileSync(`${quirks}${client}/${file}`);
    const { header, bodyOffset } = decodeRequestHeader(frame, apiByKey);
    assert.is(header.requestApiVersion, version);
    assert.is(decodeRequest(Metadata, version, frame, bodyOffset).includeClusterAuthorizedOperations, true);
    const data = dataDir();
    const b = await broker(data.dir, 0);
    try {
      await withRawClient(b.bootstrap, async (c) => {
        const size = Buffer.alloc(4);
        size.writeInt32BE(frame.length);
        c.write(Buffer.concat([size, frame]));
        const { body } = decodeResponse(Metadata, version, await c.nextFrame());
        assert.is(body.clusterAuthorizedOperations, 8096);
        assert.is((body.brokers as unknown[]).length, 1);
      });
    } finally {
      await b.close();
      data.remove();
    }
  });
}

test.run();
