/**
 * Produce answers what Kafka's LogValidator answers, through the partition worker and inline:
 * batches with a valid CRC but records that cannot be right are refused with CORRUPT_MESSAGE,
 * INVALID_RECORD or INVALID_TIMESTAMP and the per-record errors of KIP-467, nothing of them is
 * stored, and the partition goes on taking good batches.
 */
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { RawClient, readValues } from '../helpers/raw-client.js';
import { dataDir } from '../interop/helpers.js';
import { batchAround, gzipZeros, rawRecords, zstdClaiming } from '../protocol/records/validate-samples.js';

interface Answer {
  errorCode: number;
  errorMessage: string | null;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  baseOffset: number;
}

async function produce(c: RawClient, topic: string, records: Buffer): Promise<Answer> {
  const r = await c.request(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, 30_000);
  return r.responses[0]!.partitionResponses[0]! as Answer;
}

async function values(c: RawClient, topic: string): Promise<string[]> {
  return (await readValues(c, topic, 0)).values;
}

for (const workers of [1, 0]) {
  const mode = workers === 0 ? 'inline' : 'with a worker';
  const test = suite(mode);
  let b: RunningBroker;
  let c: RawClient;
  let remove: () => void;

  test.before(async () => {
    const data = dataDir();
    remove = data.remove;
    b = await startBroker({ port: 0, config: { 'log.dirs': data.dir, 'num.io.threads': workers } });
    c = await RawClient.connect(b.bootstrap);
    const created = await c.request(CreateTopics, 7, {
      topics: [
        { name: 'plain', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'compacted', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
        { name: 'recent', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'message.timestamp.before.max.ms', value: '3600000' }] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.ok(created.topics.every((t) => t.errorCode === 0));
  });

  test.after(async () => {
    c.close();
    await b.close();
    remove();
  });

  test(`${mode}: a record length past the end of the batch is INVALID_RECORD and nothing is stored`, async () => {
    const section = rawRecords([{ value: Buffer.from('one') }, { value: Buffer.from('two') }]);
    // The second record claims 200 bytes more than the batch holds; the CRC is right.
    const bad = Buffer.from(section);
    bad[section.length - rawRecords([{ value: Buffer.from('two') }]).length] = 0x7e;
    const r = await produce(c, 'plain', batchAround(bad, { count: 2 }));
    assert.is(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(await values(c, 'plain'), []);
  });

  test(`${mode}: a record count the records do not match is INVALID_RECORD`, async () => {
    const r = await produce(c, 'plain', batchAround(rawRecords([{ value: Buffer.from('a') }]), { count: 3 }));
    assert.is(r.errorCode, ErrorCode.INVALID_RECORD);
  });

  test(`${mode}: a gzip stream of garbage is CORRUPT_MESSAGE`, async () => {
    const r = await produce(c, 'plain', batchAround(Buffer.from('not a gzip stream at all, just bytes'), { count: 1, compression: 1 }));
    assert.is(r.errorCode, ErrorCode.CORRUPT_MESSAGE);
  });

  test(`${mode}: 1 GiB of gzip zeros and a zstd frame claiming 1 TiB are refused, quickly`, async () => {
    const started = Date.now();
    assert.not.equal((await produce(c, 'plain', batchAround(gzipZeros(), { count: 1, compression: 1 }))).errorCode, 0);
    assert.is((await produce(c, 'plain', batchAround(zstdClaiming(2 ** 40), { count: 1, compression: 4 }))).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.ok(Date.now() - started < 20_000, `${Date.now() - started} ms`);
    assert.equal(await values(c, 'plain'), []);
  });

  test(`${mode}: records without a key on a compacted topic get INVALID_RECORD with one error per record (KIP-467)`, async () => {
    const r = await produce(c, 'compacted', encodeBatch([{ key: null, value: 'a' }, { key: 'k', value: 'b' }, { key: null, value: 'c' }]));
    assert.is(r.errorCode, ErrorCode.INVALID_RECORD);
    const message = 'Compacted topic cannot accept message without key in topic partition compacted-0';
    assert.equal(r.recordErrors, [
      { batchIndex: 0, batchIndexErrorMessage: message },
      { batchIndex: 2, batchIndexErrorMessage: message },
    ]);
    assert.match(r.errorMessage ?? '', /^One or more records have been rejected due to 2 record errors in total/);
    assert.is((await produce(c, 'compacted', encodeBatch([{ key: 'k', value: 'kept' }]))).errorCode, 0, 'keyed records are taken');
    assert.equal(await values(c, 'compacted'), ['kept']);
  });

  test(`${mode}: a timestamp older than message.timestamp.before.max.ms is INVALID_TIMESTAMP`, async () => {
    const r = await produce(c, 'recent', encodeBatch([{ value: 'old', timestamp: Date.now() - 2 * 3_600_000 }, { value: 'new', timestamp: Date.now() }]));
    assert.is(r.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.equal(r.recordErrors.map((e) => e.batchIndex), [0]);
    assert.is(r.errorMessage, 'One or more records have been rejected due to invalid timestamp');
  });

  test(`${mode}: good batches, plain and compressed, are still taken after the refusals`, async () => {
    assert.is((await produce(c, 'plain', encodeBatch([{ value: 'fine' }]))).errorCode, 0);
    const gz = batchAround(gzipSync(rawRecords([{ value: Buffer.from('zipped') }])), { count: 1, compression: 1 });
    assert.is((await produce(c, 'plain', gz)).errorCode, 0);
    assert.equal(await values(c, 'plain'), ['fine', 'zipped']);
  });

  test.run();
}
