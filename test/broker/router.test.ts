/**
 * The router's safety net: a handler that throws, or an answer that cannot be encoded, is one
 * failure of the request, reported with the API, version and correlation id it happened on.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Broker } from '../../src/broker/broker.js';
import type { Connection } from '../../src/broker/connection.js';
import { ANONYMOUS, ConnectionAuth, plaintextSecurity } from '../../src/broker/security/authenticator.js';
import { BrokerMetrics } from '../../src/broker/metrics.js';
import { defineHandler, RequestFailed, Router } from '../../src/broker/router.js';
import { encodeRequest } from '../../src/protocol/frame.js';
import { Heartbeat, Metadata } from '../../src/protocol/messages/index.js';

const broker = { metrics: new BrokerMetrics(), security: { authorizer: { enabled: false }, requestQuota: { enabled: false } } } as unknown as Broker;
const connection = { auth: new ConnectionAuth(plaintextSecurity(), ANONYMOUS) } as unknown as Connection;

const throwing = defineHandler({
  api: Heartbeat,
  async handle() {
    throw new TypeError('a bug in a handler');
  },
});

/** Answers a null topic name, which Metadata's response cannot carry before v12. */
const unencodable = defineHandler({
  api: Metadata,
  async handle() {
    return {
      throttleTimeMs: 0,
      brokers: [],
      clusterId: null,
      controllerId: -1,
      topics: [{ errorCode: 0, name: null, topicId: '00000000-0000-0000-0000-000000000000', isInternal: false, partitions: [], topicAuthorizedOperations: 0 }],
      clusterAuthorizedOperations: 0,
    };
  },
});

const router = new Router(broker, [throwing, unencodable]);

function frame(api: typeof Heartbeat | typeof Metadata, version: number, correlationId: number, body: Record<string, unknown>): Buffer {
  return encodeRequest(api, version, correlationId, 'router-test', body).subarray(4);
}

async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error('the request did not fail');
}

test('a handler that throws fails its request with RequestFailed, naming the API, version and correlation id', async () => {
  const prepared = router.prepare(connection, frame(Heartbeat, 4, 17, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }));
  const e = await failureOf(() => prepared.run());
  assert.instance(e, RequestFailed);
  assert.is((e as Error).message, 'Heartbeat v4 (correlation id 17) failed: a bug in a handler');
  assert.instance((e as Error).cause, TypeError);
  assert.match((e as Error).stack!, 'a bug in a handler', "the stack is the cause's");
});

test('an answer that cannot be encoded fails its request the same way', async () => {
  const prepared = router.prepare(connection, frame(Metadata, 5, 3, { topics: [{ name: 'a' }], allowAutoTopicCreation: false }));
  const e = await failureOf(() => prepared.run());
  assert.instance(e, RequestFailed);
  assert.match((e as Error).message, /^Metadata v5 \(correlation id 3\) failed: name is not nullable/);
});

test.run();
