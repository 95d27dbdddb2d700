/**
 * Bad input gets Kafka's answer — an error code, or that connection closed — and the broker
 * keeps serving everyone else.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeRequest } from '../../src/protocol/frame.js';
import { ApiVersions, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { computeBatchCrc, encodeBatch } from '../../src/protocol/records/batch.js';
import { broker, dataDir } from '../interop/helpers.js';
import { RawClient } from '../helpers/raw-client.js';

const data = dataDir();
const b = await broker(data.dir, 1, { 'socket.request.max.bytes': 1 << 20 });

/** Sends raw bytes on a new connection; says whether the broker closed it in time, and how many bytes came back. */
async function sendAndWaitForClose(bytes: Buffer, timeoutMs = 5000): Promise<{ closed: boolean; received: number }> {
  const c = await RawClient.connect(b.bootstrap);
  c.write(bytes);
  const closed = await c.waitForClose(timeoutMs);
  c.close();
  return { closed, received: c.bytesReceived };
}

async function stillServes(): Promise<void> {
  const c = await RawClient.connect(b.bootstrap);
  const r = await c.request(Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  assert.is(r.brokers.length, 1, 'another client is still served');
  c.close();
}

test('a frame larger than socket.request.max.bytes closes the connection without allocating it', async () => {
  const huge = Buffer.alloc(4);
  huge.writeInt32BE(2_000_000_000);
  const r = await sendAndWaitForClose(huge);
  assert.ok(r.closed);
  assert.is(r.received, 0);
  await stillServes();
});

test('a negative frame size closes the connection', async () => {
  const negative = Buffer.alloc(4);
  negative.writeInt32BE(-1);
  assert.ok((await sendAndWaitForClose(negative)).closed);
  await stillServes();
});

test('garbage closes the connection', async () => {
  const garbage = Buffer.alloc(64, 0xff);
  garbage.writeInt32BE(60, 0);
  assert.ok((await sendAndWaitForClose(garbage)).closed);
  await stillServes();
});

test('a truncated frame followed by a hang-up leaves the broker serving', async () => {
  const frame = encodeRequest(Metadata, 4, 1, 'x', { topics: null, allowAutoTopicCreation: false });
  const r = await sendAndWaitForClose(frame.subarray(0, frame.length - 3), 300);
  assert.not.ok(r.closed, 'the broker waits for the rest');
  await stillServes();
});

test('a body that ends early closes the connection', async () => {
  const frame = encodeRequest(Metadata, 4, 1, 'x', { topics: [{ name: 'abc' }], allowAutoTopicCreation: false });
  const cut = Buffer.from(frame.subarray(0, frame.length - 4));
  cut.writeInt32BE(cut.length - 4, 0);
  assert.ok((await sendAndWaitForClose(cut)).closed);
  await stillServes();
});

test('an unknown API key closes the connection', async () => {
  const frame = Buffer.alloc(14);
  frame.writeInt32BE(10, 0);
  frame.writeInt16BE(9999, 4);
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(7, 8);
  frame.writeInt16BE(-1, 12);
  assert.ok((await sendAndWaitForClose(frame)).closed);
  await stillServes();
});

test('an unsupported ApiVersions version is answered with error 35 and the ranges, in v0 form', async () => {
  const frame = encodeRequest(ApiVersions, 3, 42, 'x', { clientSoftwareName: 'a', clientSoftwareVersion: '1' });
  frame.writeInt16BE(99, 6);
  const c = await RawClient.connect(b.bootstrap);
  c.write(frame);
  const reply = await c.nextFrame();
  assert.is(reply.readInt32BE(0), 42, 'correlation id');
  assert.is(reply.readInt16BE(4), ErrorCode.UNSUPPORTED_VERSION);
  const count = reply.readInt32BE(6);
  assert.ok(count >= 5, `${count} API ranges`);
  assert.is(reply.readInt16BE(10), 0, 'first range is Produce');
  c.close();
});

test('a corrupt batch is answered with CORRUPT_MESSAGE, a good partition in the same request is written', async () => {
  const c = await RawClient.connect(b.bootstrap);
  await c.request(Metadata, 9, { topics: [{ name: 'bad-input' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  const good = encodeBatch([{ value: 'fine' }]);
  const corrupt = encodeBatch([{ value: 'damaged' }]);
  corrupt[corrupt.length - 2]! ^= 0x40;
  const oldMagic = encodeBatch([{ value: 'old' }]);
  oldMagic[16] = 1;
  const wrongCount = encodeBatch([{ value: 'a' }, { value: 'b' }]);
  wrongCount.writeInt32BE(5, 57);
  wrongCount.writeUInt32BE(computeBatchCrc(wrongCount), 17);
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [
      {
        name: 'bad-input',
        partitionData: [
          { index: 0, records: good },
          { index: 1, records: corrupt },
        ],
      },
      { name: 'no-such-topic', partitionData: [{ index: 0, records: good }] },
    ],
  });
  const parts = r.responses[0].partitionResponses;
  assert.is(parts[0].errorCode, 0);
  assert.is(parts[1].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'one partition only (num.partitions=1)');
  assert.is(r.responses[1].partitionResponses[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  for (const [records, code] of [
    [corrupt, ErrorCode.CORRUPT_MESSAGE],
    [oldMagic, ErrorCode.UNSUPPORTED_VERSION],
    [wrongCount, ErrorCode.INVALID_RECORD],
    [Buffer.from('not a batch at all'), ErrorCode.CORRUPT_MESSAGE],
  ] as const) {
    const bad = await c.request(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'bad-input', partitionData: [{ index: 0, records }] }] });
    assert.is(bad.responses[0].partitionResponses[0].errorCode, code);
  }
  const after = await c.request(Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'bad-input', partitionData: [{ index: 0, records: encodeBatch([{ value: 'next' }]) }] }] });
  assert.is(after.responses[0].partitionResponses[0].baseOffset, 1, 'nothing bad was written');
  c.close();
});

test('acks=0 gets no response; the next request is answered', async () => {
  const c = await RawClient.connect(b.bootstrap);
  c.send(Produce, 9, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: 'bad-input', partitionData: [{ index: 0, records: encodeBatch([{ value: 'fire and forget' }]) }] }] });
  const r = await c.request(Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  assert.is(r.brokers.length, 1, 'the first frame back answers the Metadata request');
  c.close();
});

test('acks=0 that fails (an unknown topic) closes the connection, as Kafka does, since no answer can say so', async () => {
  const c = await RawClient.connect(b.bootstrap);
  c.send(Produce, 9, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: 'no-such-topic-here', partitionData: [{ index: 0, records: encodeBatch([{ value: 'lost' }]) }] }] });
  assert.ok(await c.waitForClose(), 'the broker closed the connection');
  c.close();
});

test('many connections at once are all served', async () => {
  const clients = await Promise.all(Array.from({ length: 50 }, () => RawClient.connect(b.bootstrap)));
  const answers = await Promise.all(clients.map((c) => c.request(ApiVersions, 3, { clientSoftwareName: 'many', clientSoftwareVersion: '1' })));
  assert.ok(answers.every((a) => a.errorCode === 0));
  for (const c of clients) c.close();
});

test.after(async () => {
  await b.close();
  data.remove();
});

test.run();
