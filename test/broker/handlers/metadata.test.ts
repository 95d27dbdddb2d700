/**
 * Metadata's answers to topics named oddly or by id, at every version that carries them: each
 * gets Kafka's code and the response always encodes (the fuzz suite once found Metadata v0-11
 * taking an empty name for a lookup by id and answering a null name, which those versions
 * cannot encode).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBroker } from '../../../src/broker/server.js';
import { FaultCounter } from '../../../src/broker/metrics.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { Metadata } from '../../../src/protocol/messages/index.js';
import { withRawClient } from '../../helpers/raw-client.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const UNKNOWN_ID = '0b7e4a2c-9d31-4f6a-8e15-3c2d1a0f9e87';

const b = await startBroker({ port: 0, config: { 'num.io.threads': 0, 'auto.create.topics.enable': true } });
const { topicId } = await withRawClient(b.bootstrap, async (c) => {
  const r = await c.request(Metadata, 12, { topics: [{ name: 'known', topicId: ZERO_UUID }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  return r.topics[0]!;
});

const ask = (version: number, topics: { name: string | null; topicId?: string }[], allowAutoTopicCreation = false) =>
  withRawClient(b.bootstrap, (c) =>
    c.request(Metadata, version, {
      topics: topics.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID })),
      allowAutoTopicCreation,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }),
  );

test('an empty topic name is INVALID_TOPIC_EXCEPTION at every version, and the other topics are served', async () => {
  for (let v = 1; v <= 12; v++) {
    const r = await ask(v, [{ name: '' }, { name: 'known' }]);
    assert.equal(
      r.topics.map((t) => [t.name, t.errorCode]),
      [
        ['', ErrorCode.INVALID_TOPIC_EXCEPTION],
        ['known', 0],
      ],
      `v${v}`,
    );
    assert.is(r.topics[1]!.partitions.length, 1, `v${v}`);
  }
});

test('an illegal name is INVALID_TOPIC_EXCEPTION whether or not it could be auto-created', async () => {
  for (const allow of [false, true]) {
    const r = await ask(9, [{ name: 'has space' }, { name: '..' }], allow);
    assert.equal(r.topics.map((t) => t.errorCode), [ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_TOPIC_EXCEPTION], `auto-creation ${allow}`);
  }
  assert.is(b.broker.topics.has('has space'), false);
});

test('v10 and v11 with a null name refuse the whole request: every topic INVALID_REQUEST, the null name as ""', async () => {
  for (const v of [10, 11]) {
    const r = await ask(v, [{ name: 'known' }, { name: null }]);
    assert.equal(
      r.topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
      [
        ['known', ErrorCode.INVALID_REQUEST, 0],
        ['', ErrorCode.INVALID_REQUEST, 0],
      ],
      `v${v}`,
    );
    assert.equal(r.brokers, [], 'an error answer lists no brokers, as Kafka');
  }
});

test('v10 and v11 with a topic id refuse the whole request, as Kafka does before v12', async () => {
  for (const v of [10, 11]) {
    const r = await ask(v, [{ name: 'known', topicId }]);
    assert.is(r.topics[0]!.errorCode, ErrorCode.INVALID_REQUEST, `v${v}`);
    assert.is(r.topics[0]!.topicId, topicId);
  }
});

test('v12 looks topics up by id: a known id is described, an unknown one or none at all is UNKNOWN_TOPIC_ID with a null name', async () => {
  const r = await ask(12, [{ name: null, topicId }, { name: null, topicId: UNKNOWN_ID }, { name: null }, { name: 'known' }]);
  assert.equal(
    r.topics.map((t) => [t.name, t.topicId, t.errorCode]),
    [
      ['known', topicId, 0],
      [null, UNKNOWN_ID, ErrorCode.UNKNOWN_TOPIC_ID],
      [null, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_ID],
      ['known', topicId, 0],
    ],
  );
});

test('authorized operations as Kafka answers them without an authorizer: the cluster (v8-10) and each topic, when asked', async () => {
  for (const version of [8, 9, 10]) {
    const r = await withRawClient(b.bootstrap, (c) =>
      c.request(Metadata, version, { topics: [{ name: 'known', topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true }),
    );
    // kafka-python 2.3 sends v8 with both flags and reads the cluster's bits as ACL operations.
    assert.is(r.clusterAuthorizedOperations, 8096, `v${version} cluster`);
    assert.is(r.topics[0]!.topicAuthorizedOperations, 3576, `v${version} topic`);
    const unasked = await ask(version, [{ name: 'known' }]);
    assert.is(unasked.clusterAuthorizedOperations, -2147483648, `v${version} cluster, not asked`);
    assert.is(unasked.topics[0]!.topicAuthorizedOperations, -2147483648, `v${version} topic, not asked`);
  }
});

test('none of these answers was an internal error', () => {
  assert.is(b.broker.metrics.faults[FaultCounter.internalErrors], 0);
});

test.after(async () => {
  await b.close();
});

test.run();
