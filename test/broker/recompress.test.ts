/**
 * Produce to a topic whose compression.type names a codec: batches in another codec are
 * recompressed on the pool with their records validated on the way, and a batch refused there
 * gets the answer the log would give it, with Kafka's error message and record errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { closePool } from '../../src/workers/pool.js';
import { batchAround, rawRecords, zstdClaiming } from '../protocol/records/validate-samples.js';
import { broker, dataDir } from '../interop/helpers.js';
import { RawClient } from '../helpers/raw-client.js';

const data = dataDir();
const b = await broker(data.dir, 1, { 'compression.type': 'lz4' });
const c = await RawClient.connect(b.bootstrap);
await c.request(CreateTopics, 5, {
  topics: [
    { name: 'plain', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    { name: 'keyed', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
  ],
  timeoutMs: 5000,
  validateOnly: false,
});

async function produce(topic: string, records: Buffer) {
  const r = await c.request(Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  return r.responses[0].partitionResponses[0];
}

test('a gzip batch is recompressed and appended', async () => {
  const r = await produce('plain', encodeBatch([{ key: 'k', value: 'v' }], { compression: 1 }));
  assert.is(r.errorCode, ErrorCode.NONE);
  assert.is(r.baseOffset, 0);
});

test('keyless records on a compacted topic are refused during recompression with their record errors', async () => {
  const r = await produce('keyed', encodeBatch([{ key: null, value: 'a' }, { key: 'k', value: 'b' }, { key: null, value: 'c' }], { compression: 1 }));
  assert.is(r.errorCode, ErrorCode.INVALID_RECORD);
  const message = 'Compacted topic cannot accept message without key in topic partition keyed-0';
  assert.equal(r.recordErrors, [
    { batchIndex: 0, batchIndexErrorMessage: message },
    { batchIndex: 2, batchIndexErrorMessage: message },
  ]);
  assert.match(r.errorMessage ?? '', /^One or more records have been rejected due to 2 record errors in total/);
});

test('a batch whose compressed stream claims 1 TiB is CORRUPT_MESSAGE, and nothing is written', async () => {
  const r = await produce('plain', batchAround(zstdClaiming(2 ** 40), { count: 1, compression: 4 }));
  assert.is(r.errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.is(r.errorMessage, null, 'Kafka sends no message with a refusal that is not a record error');
  const after = await produce('plain', encodeBatch([{ key: 'k', value: 'next' }], { compression: 2 }));
  assert.is(after.baseOffset, 1);
});

test('an uncompressed batch claiming more records than it holds is INVALID_RECORD', async () => {
  const r = await produce('plain', batchAround(rawRecords([{}, {}]), { count: 3 }));
  assert.is(r.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(r.recordErrors, []);
});

test.after(async () => {
  c.close();
  await b.close();
  await closePool();
  data.remove();
});

test.run();
