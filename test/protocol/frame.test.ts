import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtocolError } from '../../src/protocol/codec/errors.js';
import { decodeRequest, decodeRequestHeader, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frame.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/header.js';
import { ApiVersions, Metadata, Produce, apiByKey } from '../../src/protocol/messages/index.js';

const isProtocolError = (e: unknown) => e instanceof ProtocolError;

test('a request frame round-trips header and body', () => {
  const body = { transactionalId: null, acks: -1, timeoutMs: 1500, topicData: [{ name: 't', partitionData: [{ index: 3, records: Buffer.from('xyz') }] }] };
  for (const version of [3, 8, 9, 11]) {
    const message = encodeRequest(Produce, version, 77, 'client-a', body);
    assert.is(message.readInt32BE(0), message.length - 4, 'size prefix');
    const frame = message.subarray(4);
    const { header, bodyOffset, api } = decodeRequestHeader(frame, apiByKey);
    assert.is(api, Produce);
    assert.equal([header.requestApiKey, header.requestApiVersion, header.correlationId, header.clientId], [0, version, 77, 'client-a']);
    const back = decodeRequest(Produce, version, frame, bodyOffset) as typeof body;
    assert.is(back.acks, -1);
    assert.ok(back.topicData[0]!.partitionData[0]!.records!.equals(Buffer.from('xyz')));
  }
});

test('flexible requests use header v2 with a non-compact client id', () => {
  assert.is(requestHeaderVersion(Produce, 8), 1);
  assert.is(requestHeaderVersion(Produce, 9), 2);
  const frame = encodeRequest(Metadata, 12, 1, 'ab', { topics: null, allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }).subarray(4);
  // apiKey, version, correlationId, then clientId as int16 length 2 and 'ab', then an empty tag section.
  assert.equal([...frame.subarray(8, 13)], [0, 2, 0x61, 0x62, 0]);
});

test('the ApiVersions response always has header v0, others follow their flexibility', () => {
  assert.is(responseHeaderVersion(ApiVersions, 3), 0);
  assert.is(responseHeaderVersion(ApiVersions, 4), 0);
  assert.is(responseHeaderVersion(Metadata, 9), 1);
  assert.is(responseHeaderVersion(Metadata, 8), 0);
  const body = { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 0 };
  const message = encodeResponse(ApiVersions, 3, 9, body);
  // size, correlationId, then straight into the body (error code): no tag section in the header.
  assert.is(message.readInt32BE(4), 9);
  assert.is(message.readInt16BE(8), 0);
  const { correlationId, body: back } = decodeResponse(ApiVersions, 3, message.subarray(4));
  assert.is(correlationId, 9);
  assert.equal((back as typeof body).apiKeys, body.apiKeys);
});

test('an unknown API key still yields the header, with no declaration', () => {
  const frame = Buffer.alloc(10);
  frame.writeInt16BE(999, 0);
  frame.writeInt16BE(0, 2);
  frame.writeInt32BE(5, 4);
  frame.writeInt16BE(-1, 8);
  const { header, api } = decodeRequestHeader(frame, apiByKey);
  assert.is(api, undefined);
  assert.is(header.correlationId, 5);
  assert.is(header.clientId, null);
});

test('a version outside the declared range is refused', () => {
  const frame = encodeRequest(Produce, 12, 1, null, { transactionalId: null, acks: 1, timeoutMs: 1, topicData: [] }).subarray(4);
  frame.writeInt16BE(Produce.highest + 1, 2);
  const { bodyOffset } = decodeRequestHeader(frame, apiByKey);
  assert.throws(() => decodeRequest(Produce, Produce.highest + 1, frame, bodyOffset), isProtocolError);
});

test('malformed frames give protocol errors: truncated, negative lengths, lengths past the end', () => {
  assert.throws(() => decodeRequestHeader(Buffer.from([0, 3]), apiByKey), isProtocolError);
  const good = encodeRequest(Metadata, 4, 1, 'c', { topics: [{ name: 'abc' }], allowAutoTopicCreation: false }).subarray(4);
  const { bodyOffset } = decodeRequestHeader(good, apiByKey);
  // The topics array count sits at the start of the body.
  const negative = Buffer.from(good);
  negative.writeInt32BE(-7, bodyOffset);
  assert.throws(() => decodeRequest(Metadata, 4, negative, bodyOffset), isProtocolError);
  const huge = Buffer.from(good);
  huge.writeInt32BE(0x7fffffff, bodyOffset);
  assert.throws(() => decodeRequest(Metadata, 4, huge, bodyOffset), isProtocolError);
  const longName = Buffer.from(good);
  longName.writeInt16BE(1000, bodyOffset + 4);
  assert.throws(() => decodeRequest(Metadata, 4, longName, bodyOffset), isProtocolError);
});

test('bytes past the end of a request body are left unread, as Kafka does; past the end of a response they are an error', () => {
  const good = encodeRequest(Metadata, 4, 1, 'c', { topics: [{ name: 'abc' }], allowAutoTopicCreation: false }).subarray(4);
  const { bodyOffset } = decodeRequestHeader(good, apiByKey);
  const trailing = Buffer.concat([good, Buffer.from([1, 2, 3])]);
  assert.equal(decodeRequest(Metadata, 4, trailing, bodyOffset), decodeRequest(Metadata, 4, good, bodyOffset));
  const answer = encodeResponse(Metadata, 4, 9, { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 0, topics: [] }).subarray(4);
  assert.throws(() => decodeResponse(Metadata, 4, Buffer.concat([answer, Buffer.from([1])])), /1 bytes past its end/);
});

test('a flexible frame with an unknown tagged field decodes and keeps it', () => {
  const message = encodeRequest(Metadata, 12, 1, 'c', { topics: null, allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  // Replace the body's empty tag section (last byte) with one unknown field, tag 7, 1 byte.
  const frame = Buffer.concat([message.subarray(4, message.length - 1), Buffer.from([1, 7, 1, 0x2a])]);
  const { bodyOffset } = decodeRequestHeader(frame, apiByKey);
  const body = decodeRequest(Metadata, 12, frame, bodyOffset);
  assert.equal(body._unknownTaggedFields, [{ tag: 7, data: Buffer.from([0x2a]) }]);
});

test.run();
