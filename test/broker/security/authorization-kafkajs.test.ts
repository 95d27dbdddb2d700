/**
 * kafkajs, a real client, against a broker with Kafka's StandardAuthorizer on a SASL_PLAINTEXT
 * listener: with READ, WRITE and group READ ACLs it produces and consumes in a group; without
 * them it fails with Kafka's authorization errors, as kafkajs reports them
 * (KafkaJSProtocolError of type TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, …).
 * And without an authorizer an anonymous kafkajs client works as it always did.
 */
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { AclOperation, ResourceType } from '../../../src/broker/security/acl.js';
import { OffsetFetch } from '../../../src/protocol/messages/index.js';
import type { RawClient } from '../../helpers/raw-client.js';
import { QUIET, aclBroker, grantAcls, loginPlain } from './helpers.js';

const USERS = ['admin', 'alice', 'bob', 'carol'];

let b: RunningBroker;
let admin: RawClient;

function kafka(user: string | null, bootstrap = b.bootstrap, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: `authz-${user ?? 'anonymous'}`,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 5000,
    ...(user ? { sasl: { mechanism: 'plain' as const, username: user, password: `${user}-secret` } } : {}),
    ...extra,
  });
}

function grant(resourceType: number, resourceName: string, operation: number, principal = 'User:alice'): Promise<void> {
  return grantAcls(admin, { resourceType, resourceName, operation, principal });
}

/** Every Kafka error type in a kafkajs error and the errors it wraps. */
function errorTypes(e: unknown, out: string[] = []): string[] {
  if (!e || typeof e !== 'object') return out;
  const x = e as { type?: unknown; cause?: unknown; originalError?: unknown; retriableError?: unknown; errors?: unknown };
  if (typeof x.type === 'string') out.push(x.type);
  for (const inner of [x.cause, x.originalError, x.retriableError]) errorTypes(inner, out);
  if (Array.isArray(x.errors)) for (const inner of x.errors) errorTypes(inner, out);
  return out;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

async function produce(k: Kafka, topic: string, values: string[]): Promise<void> {
  const producer = k.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
}

/** Consumes `count` values in group `groupId`; rejects with the consumer's crash, if it crashes. */
async function consume(k: Kafka, topic: string, groupId: string, count: number): Promise<string[]> {
  const consumer = k.consumer({ groupId, retry: { retries: 0, restartOnFailure: async () => false } });
  await consumer.connect();
  const got: string[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length} of ${count}`)), 20_000);
      consumer.on(consumer.events.CRASH, (event) => {
        clearTimeout(timer);
        reject(event.payload.error);
      });
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push(message.value!.toString());
            if (got.length === count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

test.before(async () => {
  b = await aclBroker(USERS);
  admin = await loginPlain(b.bootstrap, 'admin');
  const a = kafka('admin').admin();
  await a.connect();
  await a.createTopics({ topics: [{ topic: 'kjs-t', numPartitions: 1 }, { topic: 'kjs-other', numPartitions: 1 }] });
  await a.disconnect();
});

test.after(async () => {
  admin?.close();
  await b?.close();
});

test('with WRITE and READ on the topic and READ on the group, kafkajs produces and consumes in a group', async () => {
  await grant(ResourceType.TOPIC, 'kjs-t', AclOperation.WRITE);
  await grant(ResourceType.TOPIC, 'kjs-t', AclOperation.READ);
  await grant(ResourceType.GROUP, 'kjs-g', AclOperation.READ);
  const alice = kafka('alice');
  await produce(alice, 'kjs-t', ['one', 'two']);
  assert.equal(await consume(alice, 'kjs-t', 'kjs-g', 2), ['one', 'two']);
  // The group's offsets were committed: the admin sees them.
  const offsets = await admin.request(OffsetFetch, 8, { groups: [{ groupId: 'kjs-g', topics: [{ name: 'kjs-t', partitionIndexes: [0] }] }], requireStable: false });
  assert.is(offsets.groups[0]!.topics[0]!.partitions[0]!.committedOffset, 2);
});

test('an idempotent kafkajs producer needs only WRITE on the topic (InitProducerId by KIP-679)', async () => {
  await grant(ResourceType.TOPIC, 'kjs-t', AclOperation.WRITE, 'User:bob');
  const producer = kafka('bob').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 1 } });
  await producer.connect();
  try {
    await producer.send({ topic: 'kjs-t', messages: [{ value: 'idempotent' }] });
  } finally {
    await producer.disconnect();
  }
});

test('without the ACLs kafkajs fails with Kafka authorization errors: TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED', async () => {
  const bob = kafka('bob');
  // No ACL at all on kjs-other: producing fails on the topic.
  const produced = await failure(produce(bob, 'kjs-other', ['x']));
  assert.ok(errorTypes(produced).includes('TOPIC_AUTHORIZATION_FAILED'), `produce: ${errorTypes(produced).join(', ') || String(produced)}`);
  // Consuming a topic bob may not describe: the subscription fails on it.
  const subscribed = await failure(consume(bob, 'kjs-other', 'kjs-bob-g', 1));
  assert.ok(errorTypes(subscribed).includes('TOPIC_AUTHORIZATION_FAILED'), `subscribe: ${errorTypes(subscribed).join(', ') || String(subscribed)}`);
  // READ on the topic but nothing on the group: FindCoordinator answers GROUP_AUTHORIZATION_FAILED,
  // which kafkajs reports as a coordinator it could not find (its broker pool drops the error,
  // against a Kafka broker too).
  await grant(ResourceType.TOPIC, 'kjs-other', AclOperation.READ, 'User:bob');
  const unfound = await failure(consume(bob, 'kjs-other', 'kjs-bob-g', 1));
  assert.is((unfound as Error).name, 'KafkaJSGroupCoordinatorNotFound', String(unfound));
  // DESCRIBE on the group finds the coordinator; joining needs READ.
  await grant(ResourceType.GROUP, 'kjs-bob-g', AclOperation.DESCRIBE, 'User:bob');
  const grouped = await failure(consume(bob, 'kjs-other', 'kjs-bob-g', 1));
  assert.ok(errorTypes(grouped).includes('GROUP_AUTHORIZATION_FAILED'), `group: ${errorTypes(grouped).join(', ') || String(grouped)}`);
  await grant(ResourceType.GROUP, 'kjs-bob-g', AclOperation.READ, 'User:bob');
  await produce(kafka('admin'), 'kjs-other', ['for-bob']);
  assert.equal(await consume(bob, 'kjs-other', 'kjs-bob-g', 1), ['for-bob'], 'with READ on the group too, bob consumes');
  // An idempotent producer of a principal with WRITE on no topic, nor IDEMPOTENT_WRITE: the
  // cluster refuses it a producer id.
  await grant(ResourceType.TOPIC, 'kjs-other', AclOperation.DESCRIBE, 'User:carol');
  const idem = kafka('carol').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 1 } });
  const refused = await failure(idem.connect().then(() => idem.send({ topic: 'kjs-other', messages: [{ value: 'x' }] })));
  await idem.disconnect();
  assert.ok(errorTypes(refused).includes('CLUSTER_AUTHORIZATION_FAILED'), `idempotent producer: ${errorTypes(refused).join(', ') || String(refused)}`);
  const admin2 = bob.admin();
  await admin2.connect();
  try {
    const created = await failure(admin2.createTopics({ topics: [{ topic: 'kjs-bob-new' }] }));
    assert.ok(errorTypes(created).includes('TOPIC_AUTHORIZATION_FAILED'), `createTopics: ${errorTypes(created).join(', ') || String(created)}`);
    const described = await failure(admin2.describeAcls({ resourceType: 1, resourcePatternType: 1, operation: 1, permissionType: 1 } as never));
    assert.ok(errorTypes(described).includes('CLUSTER_AUTHORIZATION_FAILED'), `describeAcls: ${errorTypes(described).join(', ') || String(described)}`);
  } finally {
    await admin2.disconnect();
  }
});

test('without an authorizer an anonymous kafkajs client produces and consumes as before', async () => {
  const plain = await startBroker({ config: { 'num.io.threads': 0, 'console.listener': 'none', listeners: 'PLAINTEXT://127.0.0.1:0', 'group.initial.rebalance.delay.ms': 0 }, logger: QUIET });
  try {
    const k = kafka(null, plain.bootstrap);
    const a = k.admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic: 'free-kjs', numPartitions: 1 }] });
    await a.disconnect();
    await produce(k, 'free-kjs', ['a', 'b']);
    assert.equal(await consume(k, 'free-kjs', 'free-kjs-g', 2), ['a', 'b']);
  } finally {
    await plain.close();
  }
});

test.run();
