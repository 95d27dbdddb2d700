/**
 * Authorization in every request handler, against a broker with Kafka's StandardAuthorizer on a
 * SASL_PLAINTEXT listener: for each API a principal without the ACL gets Kafka's error code, and
 * one with the ACL gets through (KafkaApis, ControllerApis, ConfigHelper of Kafka 3.9).
 *
 * Principals: admin is a super user (it creates the topics, groups and ACLs), alice is granted
 * ACLs test by test, bob none unless a test says so. Every test names its own resources, so ACLs
 * made by one never reach another; ACLs on the cluster (one resource for all) go to a user of
 * that test's own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FaultCounter } from '../../../src/broker/metrics.js';
import type { RunningBroker } from '../../../src/broker/server.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../../src/broker/security/acl.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  AlterClientQuotas,
  AlterConfigs,
  AlterUserScramCredentials,
  CreateAcls,
  CreatePartitions,
  CreateTopics,
  DeleteAcls,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeAcls,
  DescribeClientQuotas,
  DescribeCluster,
  DescribeConfigs,
  DescribeGroups,
  DescribeProducers,
  DescribeTransactions,
  DescribeUserScramCredentials,
  EndTxn,
  Fetch,
  FindCoordinator,
  Heartbeat,
  IncrementalAlterConfigs,
  InitProducerId,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  ListOffsets,
  ListTransactions,
  Metadata,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  OffsetForLeaderEpoch,
  Produce,
  SyncGroup,
  TxnOffsetCommit,
  WriteTxnMarkers,
} from '../../../src/protocol/messages/index.js';
import { encodeBatch } from '../../../src/protocol/records/batch.js';
import type { RawClient } from '../../helpers/raw-client.js';
import { ZERO_UUID, aclBroker, fetchBody, grantAcls, loginPlain } from './helpers.js';

const E = ErrorCode;
const { READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE } = AclOperation;
const { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID } = ResourceType;
const CLUSTER_NAME = 'kafka-cluster';
/** The PLAIN users, each with the password "<name>-secret". */
const USERS = ['admin', 'alice', 'bob', 'follower', 'creator', 'ops', 'lister', 'cfgreader', 'cfgwriter', 'idem', 'anywriter', 'marker', 'quota', 'scram', 'aclreader', 'acladmin'];

const bits = (...ops: number[]): number => ops.reduce((b, op) => b | (1 << op), 0);

let b: RunningBroker;
let admin: RawClient;

const login = (user: string): Promise<RawClient> => loginPlain(b.bootstrap, user);

/** Runs `fn` with `user` logged in, and closes its connection. */
async function asUser(user: string, fn: (c: RawClient) => Promise<void>): Promise<void> {
  const c = await login(user);
  try {
    await fn(c);
  } finally {
    c.close();
  }
}

/** Runs `fn` with alice and bob logged in, and closes both. */
async function asUsers(fn: (alice: RawClient, bob: RawClient) => Promise<void>): Promise<void> {
  const alice = await login('alice');
  const bob = await login('bob');
  try {
    await fn(alice, bob);
  } finally {
    alice.close();
    bob.close();
  }
}

interface AclOptions {
  principal?: string;
  pattern?: number;
  host?: string;
  permission?: number;
}

/** Creates one ACL as admin (alice, LITERAL, any host, ALLOW unless told otherwise). */
function grant(resourceType: number, resourceName: string, operation: number, o: AclOptions = {}): Promise<void> {
  return grantAcls(admin, { resourceType, resourceName, operation, ...o });
}

async function createTopic(name: string, partitions = 1): Promise<string> {
  const r = await admin.request(CreateTopics, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
  assert.is(r.topics[0]!.errorCode, 0, `create ${name}`);
  return r.topics[0]!.topicId;
}

const produceBody = (topic: string, records: Buffer, transactionalId: string | null = null) => ({
  transactionalId,
  acks: -1,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
});
const plain = (value = 'v') => encodeBatch([{ value }]);


const metadata = (c: RawClient, names: string[] | null, allowAutoTopicCreation = false, includeTopicAuthorizedOperations = false) =>
  c.request(Metadata, 12, { topics: names === null ? null : names.map((name) => ({ name, topicId: ZERO_UUID })), allowAutoTopicCreation, includeTopicAuthorizedOperations });

const commit = (c: RawClient, groupId: string, topic: string, offset = 1) =>
  c.request(OffsetCommit, 8, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });

test.before(async () => {
  b = await aclBroker(USERS);
  admin = await login('admin');
});

test.after(async () => {
  admin?.close();
  await b?.close();
});

// --- produce and consume ----------------------------------------------------------------------

test('Produce: WRITE on the topic, else TOPIC_AUTHORIZATION_FAILED per partition (the topic may not even exist)', async () => {
  await createTopic('produce-t');
  await asUsers(async (alice, bob) => {
    const denied = await bob.request(Produce, 9, produceBody('produce-t', plain()));
    assert.is(denied.responses[0]!.partitionResponses[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    const unknown = await bob.request(Produce, 9, produceBody('produce-nowhere', plain()));
    assert.is(unknown.responses[0]!.partitionResponses[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED, 'not UNKNOWN_TOPIC_OR_PARTITION');
    // READ does not allow WRITE.
    await grant(TOPIC, 'produce-t', READ);
    assert.is((await alice.request(Produce, 9, produceBody('produce-t', plain()))).responses[0]!.partitionResponses[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    await grant(TOPIC, 'produce-t', WRITE);
    const ok = await alice.request(Produce, 9, produceBody('produce-t', plain()));
    assert.is(ok.responses[0]!.partitionResponses[0]!.errorCode, 0);
    // Two topics in one request: each is answered on its own.
    const mixed = await alice.request(Produce, 9, { ...produceBody('produce-t', plain()), topicData: [...produceBody('produce-t', plain()).topicData, ...produceBody('produce-nowhere', plain()).topicData] });
    assert.equal(
      mixed.responses.map((r) => r.partitionResponses[0]!.errorCode),
      [0, E.TOPIC_AUTHORIZATION_FAILED],
    );
  });
  // acks=0 has no answer to carry the refusal: the connection is closed instead, as Kafka closes it.
  const fireAndForget = await login('bob');
  fireAndForget.send(Produce, 9, { ...produceBody('produce-t', plain()), acks: 0 });
  assert.ok(await fireAndForget.waitForClose(), 'an unauthorized acks=0 produce closes the connection');
  fireAndForget.close();
});

test('Produce: an idempotent batch needs only WRITE on the topic (Kafka 3.x)', async () => {
  await createTopic('produce-idem');
  await grant(TOPIC, 'produce-idem', WRITE);
  await asUsers(async (alice) => {
    const pid = await alice.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 });
    assert.is(pid.errorCode, 0);
    const records = encodeBatch([{ value: 'i' }], { producerId: pid.producerId, producerEpoch: pid.producerEpoch, baseSequence: 0 });
    assert.is((await alice.request(Produce, 9, produceBody('produce-idem', records))).responses[0]!.partitionResponses[0]!.errorCode, 0);
  });
});

test('Produce: a transactional batch needs WRITE on the transactional id, and a transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED everywhere', async () => {
  await createTopic('produce-txn');
  await grant(TOPIC, 'produce-txn', WRITE);
  await asUsers(async (alice) => {
    const records = encodeBatch([{ value: 't' }], { producerId: 1000, producerEpoch: 0, baseSequence: 0, transactional: true });
    const noAcl = await alice.request(Produce, 9, produceBody('produce-txn', records, 'produce-txn-id'));
    assert.is(noAcl.responses[0]!.partitionResponses[0]!.errorCode, E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const noId = await alice.request(Produce, 9, produceBody('produce-txn', records, null));
    assert.is(noId.responses[0]!.partitionResponses[0]!.errorCode, E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    // A non-transactional batch with a transactional id asks nothing of the id.
    assert.is((await alice.request(Produce, 9, produceBody('produce-txn', plain(), 'produce-txn-id'))).responses[0]!.partitionResponses[0]!.errorCode, 0);
    await grant(TRANSACTIONAL_ID, 'produce-txn-id', WRITE);
    const authorized = await alice.request(Produce, 9, produceBody('produce-txn', records, 'produce-txn-id'));
    // Past authorization: the coordinator refuses a batch of no ongoing transaction.
    const code = authorized.responses[0]!.partitionResponses[0]!.errorCode;
    assert.ok(code !== E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED && code !== E.TOPIC_AUTHORIZATION_FAILED, `got ${code}`);
  });
});

test('Fetch: READ on the topic for a consumer; CLUSTER_ACTION on the cluster for a follower; else TOPIC_AUTHORIZATION_FAILED', async () => {
  await createTopic('fetch-t');
  await admin.request(Produce, 9, produceBody('fetch-t', plain('f')));
  await asUsers(async (alice, bob) => {
    assert.is((await bob.request(Fetch, 12, fetchBody('fetch-t'))).responses[0]!.partitions[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    assert.is((await bob.request(Fetch, 12, fetchBody('fetch-nowhere'))).responses[0]!.partitions[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    await grant(TOPIC, 'fetch-t', READ);
    const ok = (await alice.request(Fetch, 12, fetchBody('fetch-t'))).responses[0]!.partitions[0]!;
    assert.is(ok.errorCode, 0);
    assert.ok((ok.records as Buffer).length > 0);
    // A follower's fetch (replica id 1): READ on the topic is not enough.
    assert.is((await alice.request(Fetch, 12, fetchBody('fetch-t', 1))).responses[0]!.partitions[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
  });
  await grant(CLUSTER, CLUSTER_NAME, CLUSTER_ACTION, { principal: 'User:follower' });
  await asUser('follower', async (follower) => {
    assert.is((await follower.request(Fetch, 12, fetchBody('fetch-t', 1))).responses[0]!.partitions[0]!.errorCode, 0);
    assert.is((await follower.request(Fetch, 12, fetchBody('fetch-t'))).responses[0]!.partitions[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED, 'a consumer fetch still needs READ');
  });
  // By topic id (v13+): an unknown id is UNKNOWN_TOPIC_ID whoever asks.
  await asUsers(async (_alice, bob) => {
    const body = fetchBody('');
    body.topics[0]!.topicId = '11111111-2222-3333-4444-555555555555';
    assert.is((await bob.request(Fetch, 13, body)).responses[0]!.partitions[0]!.errorCode, E.UNKNOWN_TOPIC_ID);
  });
});

test('ListOffsets: DESCRIBE on the topic (READ implies it), else TOPIC_AUTHORIZATION_FAILED', async () => {
  await createTopic('list-offsets-t');
  const body = { replicaId: -1, isolationLevel: 0, topics: [{ name: 'list-offsets-t', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] };
  await asUsers(async (alice, bob) => {
    const denied = (await bob.request(ListOffsets, 7, body)).topics[0]!.partitions[0]!;
    assert.equal([denied.errorCode, denied.offset, denied.timestamp], [E.TOPIC_AUTHORIZATION_FAILED, -1, -1]);
    await grant(TOPIC, 'list-offsets-t', READ);
    assert.is((await alice.request(ListOffsets, 7, body)).topics[0]!.partitions[0]!.errorCode, 0);
  });
});

test('OffsetForLeaderEpoch: CLUSTER_ACTION on the cluster or DESCRIBE on the topic, else TOPIC_AUTHORIZATION_FAILED', async () => {
  await createTopic('ofle-t');
  const body = { replicaId: -1, topics: [{ topic: 'ofle-t', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] };
  await asUsers(async (alice, bob) => {
    const denied = (await bob.request(OffsetForLeaderEpoch, 4, body)).topics[0]!.partitions[0]!;
    assert.equal([denied.errorCode, denied.leaderEpoch, denied.endOffset], [E.TOPIC_AUTHORIZATION_FAILED, -1, -1]);
    await grant(TOPIC, 'ofle-t', DESCRIBE);
    assert.is((await alice.request(OffsetForLeaderEpoch, 4, body)).topics[0]!.partitions[0]!.errorCode, 0);
  });
  // The follower of the Fetch test has CLUSTER_ACTION and nothing on the topic.
  await asUser('follower', async (follower) => {
    assert.is((await follower.request(OffsetForLeaderEpoch, 4, body)).topics[0]!.partitions[0]!.errorCode, 0);
  });
});

test('DeleteRecords: DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED', async () => {
  await createTopic('delete-records-t');
  const body = { topics: [{ name: 'delete-records-t', partitions: [{ partitionIndex: 0, offset: -1 }] }], timeoutMs: 5000 };
  await asUsers(async (alice, bob) => {
    const denied = (await bob.request(DeleteRecords, 2, body)).topics[0]!.partitions[0]!;
    assert.equal([denied.errorCode, denied.lowWatermark], [E.TOPIC_AUTHORIZATION_FAILED, -1]);
    await grant(TOPIC, 'delete-records-t', DELETE);
    assert.is((await alice.request(DeleteRecords, 2, body)).topics[0]!.partitions[0]!.errorCode, 0);
  });
});

test('DescribeProducers: READ on the topic, else TOPIC_AUTHORIZATION_FAILED', async () => {
  await createTopic('describe-producers-t');
  const body = { topics: [{ name: 'describe-producers-t', partitionIndexes: [0] }] };
  await asUsers(async (alice, bob) => {
    assert.is((await bob.request(DescribeProducers, 0, body)).topics[0]!.partitions[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    await grant(TOPIC, 'describe-producers-t', DESCRIBE);
    assert.is((await alice.request(DescribeProducers, 0, body)).topics[0]!.partitions[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED, 'DESCRIBE is not READ');
    await grant(TOPIC, 'describe-producers-t', READ);
    assert.is((await alice.request(DescribeProducers, 0, body)).topics[0]!.partitions[0]!.errorCode, 0);
  });
});

// --- metadata -----------------------------------------------------------------------------------

test('Metadata: DESCRIBE on each topic; a named one refused answers TOPIC_AUTHORIZATION_FAILED whether it exists or not; all topics lists the describable ones', async () => {
  const id = await createTopic('md-visible');
  await createTopic('md-hidden');
  await grant(TOPIC, 'md-visible', DESCRIBE);
  await asUsers(async (alice, bob) => {
    const named = await alice.request(Metadata, 12, {
      topics: [
        { name: 'md-visible', topicId: ZERO_UUID },
        { name: 'md-hidden', topicId: ZERO_UUID },
        { name: 'md-nowhere', topicId: ZERO_UUID },
      ],
      allowAutoTopicCreation: false,
    });
    assert.equal(
      named.topics.map((t) => [t.name, t.errorCode, t.topicId, t.partitions.length]),
      [
        ['md-visible', 0, id, 1],
        ['md-hidden', E.TOPIC_AUTHORIZATION_FAILED, ZERO_UUID, 0],
        ['md-nowhere', E.TOPIC_AUTHORIZATION_FAILED, ZERO_UUID, 0],
      ],
    );
    const all = await metadata(alice, null);
    assert.ok(all.topics.some((t) => t.name === 'md-visible'));
    assert.not.ok(all.topics.some((t) => t.name === 'md-hidden'), 'a topic alice may not describe is not listed');
    assert.equal((await metadata(bob, null)).topics.map((t) => t.name), [], 'bob may describe nothing');
    // By id: the id is told back, the name is not.
    const byId = await bob.request(Metadata, 12, { topics: [{ name: null, topicId: id }], allowAutoTopicCreation: false });
    assert.equal([byId.topics[0]!.errorCode, byId.topics[0]!.name, byId.topics[0]!.topicId], [E.TOPIC_AUTHORIZATION_FAILED, null, id]);
    // The admin sees all.
    const everything = (await metadata(admin, null)).topics.map((t) => t.name);
    assert.ok(everything.includes('md-visible') && everything.includes('md-hidden'));
  });
});

test('Metadata: auto-creation needs CREATE on the cluster or the topic, else TOPIC_AUTHORIZATION_FAILED; without auto-creation UNKNOWN_TOPIC_OR_PARTITION', async () => {
  await grant(TOPIC, 'md-auto-', DESCRIBE, { pattern: PatternType.PREFIXED });
  await asUsers(async (alice) => {
    assert.is((await metadata(alice, ['md-auto-one'], true)).topics[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    assert.is((await metadata(alice, ['md-auto-one'], false)).topics[0]!.errorCode, E.UNKNOWN_TOPIC_OR_PARTITION);
    await grant(TOPIC, 'md-auto-one', CREATE);
    const created = (await metadata(alice, ['md-auto-one'], true)).topics[0]!;
    assert.equal([created.errorCode, created.partitions.length], [0, 1]);
    assert.ok(b.broker.topics.has('md-auto-one'));
  });
  await asUser('creator', async (creator) => {
    await grant(TOPIC, 'md-auto-two', DESCRIBE, { principal: 'User:creator' });
    assert.is((await metadata(creator, ['md-auto-two'], true)).topics[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    await grant(CLUSTER, CLUSTER_NAME, CREATE, { principal: 'User:creator' });
    assert.is((await metadata(creator, ['md-auto-two'], true)).topics[0]!.errorCode, 0, 'CREATE on the cluster creates any topic');
  });
});

test('Metadata and DescribeCluster: authorized operations are what the authorizer grants', async () => {
  await createTopic('md-ops');
  await grant(TOPIC, 'md-ops', READ);
  await grant(TOPIC, 'md-ops', ALTER_CONFIGS);
  await asUsers(async (alice, bob) => {
    const t = (await metadata(alice, ['md-ops'], false, true)).topics[0]!;
    // READ implies DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS.
    assert.is(t.topicAuthorizedOperations, bits(READ, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS));
    assert.is((await metadata(admin, ['md-ops'], false, true)).topics[0]!.topicAuthorizedOperations, 3576, 'a super user has every topic operation');
    // The cluster's operations (Metadata v8-10, DescribeCluster): 0 without DESCRIBE on it.
    const v10 = await bob.request(Metadata, 10, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true });
    assert.is(v10.clusterAuthorizedOperations, 0);
    const cluster = await bob.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    assert.equal([cluster.errorCode, cluster.clusterAuthorizedOperations, cluster.brokers.length], [0, 0, 1], 'DescribeCluster itself needs nothing');
    assert.is((await admin.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations, 8096);
  });
  await grant(CLUSTER, CLUSTER_NAME, DESCRIBE, { principal: 'User:ops' });
  await grant(CLUSTER, CLUSTER_NAME, IDEMPOTENT_WRITE, { principal: 'User:ops' });
  await asUser('ops', async (ops) => {
    assert.is((await ops.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations, bits(DESCRIBE, IDEMPOTENT_WRITE));
    const v8 = await ops.request(Metadata, 8, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true });
    assert.is(v8.clusterAuthorizedOperations, bits(DESCRIBE, IDEMPOTENT_WRITE));
    const notAsked = await ops.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    assert.is(notAsked.clusterAuthorizedOperations, -2147483648);
  });
});

// --- groups -------------------------------------------------------------------------------------

test('OffsetCommit: READ on the group (GROUP_AUTHORIZATION_FAILED), then READ on each topic (TOPIC_AUTHORIZATION_FAILED)', async () => {
  await createTopic('oc-t');
  await asUsers(async (alice, bob) => {
    assert.is((await commit(bob, 'oc-g', 'oc-t')).topics[0]!.partitions[0]!.errorCode, E.GROUP_AUTHORIZATION_FAILED);
    await grant(GROUP, 'oc-g', READ);
    assert.is((await commit(alice, 'oc-g', 'oc-t')).topics[0]!.partitions[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    await grant(TOPIC, 'oc-t', READ);
    assert.is((await commit(alice, 'oc-g', 'oc-t')).topics[0]!.partitions[0]!.errorCode, 0);
  });
});

test('OffsetFetch: DESCRIBE on the group, then DESCRIBE on each topic; every partition leaves out undescribable topics', async () => {
  await createTopic('of-a');
  await createTopic('of-b');
  assert.is((await commit(admin, 'of-g', 'of-a', 5)).topics[0]!.partitions[0]!.errorCode, 0);
  assert.is((await commit(admin, 'of-g', 'of-b', 7)).topics[0]!.partitions[0]!.errorCode, 0);
  const named = { groups: [{ groupId: 'of-g', topics: [{ name: 'of-a', partitionIndexes: [0] }, { name: 'of-b', partitionIndexes: [0] }] }], requireStable: false };
  const every = { groups: [{ groupId: 'of-g', topics: null }], requireStable: false };
  await asUsers(async (alice, bob) => {
    const denied = (await bob.request(OffsetFetch, 8, named)).groups[0]!;
    assert.equal([denied.errorCode, denied.topics.length], [E.GROUP_AUTHORIZATION_FAILED, 0]);
    // v5: the group error at the top level.
    const v5 = await bob.request(OffsetFetch, 5, { groupId: 'of-g', topics: [{ name: 'of-a', partitionIndexes: [0] }] });
    assert.is(v5.errorCode, E.GROUP_AUTHORIZATION_FAILED);
    await grant(GROUP, 'of-g', DESCRIBE);
    await grant(TOPIC, 'of-a', DESCRIBE);
    const g = (await alice.request(OffsetFetch, 8, named)).groups[0]!;
    assert.is(g.errorCode, 0);
    assert.equal(
      g.topics.map((t) => [t.name, t.partitions[0]!.errorCode, t.partitions[0]!.committedOffset]),
      [
        ['of-a', 0, 5],
        ['of-b', E.TOPIC_AUTHORIZATION_FAILED, -1],
      ],
    );
    const all = (await alice.request(OffsetFetch, 8, every)).groups[0]!;
    assert.equal(all.topics.map((t) => t.name), ['of-a']);
  });
});

test('FindCoordinator: DESCRIBE on the group or the transactional id, per key and in the old single-key form', async () => {
  await asUsers(async (alice, bob) => {
    const v3 = await bob.request(FindCoordinator, 3, { key: 'fc-g', keyType: 0 });
    assert.equal([v3.errorCode, v3.errorMessage, v3.nodeId, v3.host, v3.port], [E.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.', -1, '', -1]);
    const txn = await bob.request(FindCoordinator, 3, { key: 'fc-t', keyType: 1 });
    assert.is(txn.errorCode, E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    await grant(GROUP, 'fc-g', DESCRIBE);
    await grant(TRANSACTIONAL_ID, 'fc-t', DESCRIBE);
    const v4 = await alice.request(FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['fc-g', 'fc-other'] });
    assert.equal(
      v4.coordinators.map((c) => [c.key, c.errorCode, c.nodeId]),
      [
        ['fc-g', 0, b.broker.nodeId],
        ['fc-other', E.GROUP_AUTHORIZATION_FAILED, -1],
      ],
    );
    assert.is((await alice.request(FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['fc-t'] })).coordinators[0]!.errorCode, 0);
  });
});

test('JoinGroup, SyncGroup, Heartbeat, LeaveGroup: READ on the group, else GROUP_AUTHORIZATION_FAILED', async () => {
  const join = (c: RawClient, memberId = '') =>
    c.request(JoinGroup, 5, { groupId: 'jg-g', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
  await asUsers(async (alice, bob) => {
    const denied = await join(bob);
    assert.equal([denied.errorCode, denied.memberId, denied.generationId, denied.members.length], [E.GROUP_AUTHORIZATION_FAILED, '', -1, 0]);
    assert.is((await bob.request(SyncGroup, 3, { groupId: 'jg-g', generationId: 1, memberId: 'm', groupInstanceId: null, assignments: [] })).errorCode, E.GROUP_AUTHORIZATION_FAILED);
    assert.is((await bob.request(Heartbeat, 3, { groupId: 'jg-g', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode, E.GROUP_AUTHORIZATION_FAILED);
    assert.is((await bob.request(LeaveGroup, 3, { groupId: 'jg-g', members: [{ memberId: 'm', groupInstanceId: null }] })).errorCode, E.GROUP_AUTHORIZATION_FAILED);
    await grant(GROUP, 'jg-g', READ);
    const first = await join(alice);
    assert.is(first.errorCode, E.MEMBER_ID_REQUIRED);
    const joined = await join(alice, first.memberId);
    assert.is(joined.errorCode, 0);
    const synced = await alice.request(SyncGroup, 3, { groupId: 'jg-g', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, assignments: [{ memberId: joined.memberId, assignment: Buffer.from('a') }] });
    assert.is(synced.errorCode, 0);
    assert.is((await alice.request(Heartbeat, 3, { groupId: 'jg-g', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null })).errorCode, 0);
    const left = await alice.request(LeaveGroup, 3, { groupId: 'jg-g', members: [{ memberId: joined.memberId, groupInstanceId: null }] });
    assert.equal([left.errorCode, left.members[0]!.errorCode], [0, 0]);
  });
});

test('DescribeGroups: DESCRIBE on each group (GROUP_AUTHORIZATION_FAILED, listed first); authorized operations from the authorizer', async () => {
  await createTopic('dg-t');
  await commit(admin, 'dg-seen', 'dg-t');
  await commit(admin, 'dg-unseen', 'dg-t');
  await grant(GROUP, 'dg-seen', DESCRIBE);
  await asUsers(async (alice) => {
    const r = await alice.request(DescribeGroups, 5, { groups: ['dg-seen', 'dg-unseen'], includeAuthorizedOperations: true });
    assert.equal(
      r.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.authorizedOperations]),
      [
        ['dg-unseen', E.GROUP_AUTHORIZATION_FAILED, '', -2147483648],
        ['dg-seen', 0, 'Empty', bits(DESCRIBE)],
      ],
    );
    await grant(GROUP, 'dg-seen', DELETE);
    const after = await alice.request(DescribeGroups, 5, { groups: ['dg-seen'], includeAuthorizedOperations: true });
    assert.is(after.groups[0]!.authorizedOperations, bits(DESCRIBE, DELETE));
    assert.is((await admin.request(DescribeGroups, 5, { groups: ['dg-seen'], includeAuthorizedOperations: true })).groups[0]!.authorizedOperations, 328);
  });
});

test('ListGroups: DESCRIBE on the cluster lists every group, else only the groups the principal may DESCRIBE', async () => {
  await createTopic('lg-t');
  await commit(admin, 'lg-mine', 'lg-t');
  await commit(admin, 'lg-theirs', 'lg-t');
  await grant(GROUP, 'lg-mine', READ);
  await asUsers(async (alice, bob) => {
    const names = async (c: RawClient) => {
      const r = await c.request(ListGroups, 4, { statesFilter: [] });
      assert.is(r.errorCode, 0);
      return r.groups.map((g) => g.groupId).filter((g) => g.startsWith('lg-')).sort();
    };
    assert.equal(await names(bob), []);
    assert.equal(await names(alice), ['lg-mine']);
    assert.equal(await names(admin), ['lg-mine', 'lg-theirs']);
    await grant(CLUSTER, CLUSTER_NAME, DESCRIBE, { principal: 'User:lister' });
    await asUser('lister', async (lister) => assert.equal(await names(lister), ['lg-mine', 'lg-theirs']));
  });
});

test('DeleteGroups: DELETE on each group, else GROUP_AUTHORIZATION_FAILED', async () => {
  await createTopic('dlg-t');
  await commit(admin, 'dlg-g', 'dlg-t');
  await asUsers(async (alice, bob) => {
    assert.equal((await bob.request(DeleteGroups, 2, { groupsNames: ['dlg-g'] })).results.map((r) => [r.groupId, r.errorCode]), [['dlg-g', E.GROUP_AUTHORIZATION_FAILED]]);
    await grant(GROUP, 'dlg-g', DELETE);
    assert.equal((await alice.request(DeleteGroups, 2, { groupsNames: ['dlg-g'] })).results.map((r) => [r.groupId, r.errorCode]), [['dlg-g', 0]]);
  });
});

test('OffsetDelete: DELETE on the group (GROUP_AUTHORIZATION_FAILED), then READ on each topic (TOPIC_AUTHORIZATION_FAILED)', async () => {
  await createTopic('od-a');
  await createTopic('od-b');
  await commit(admin, 'od-g', 'od-a');
  await commit(admin, 'od-g', 'od-b');
  const body = { groupId: 'od-g', topics: [{ name: 'od-a', partitions: [{ partitionIndex: 0 }] }, { name: 'od-b', partitions: [{ partitionIndex: 0 }] }] };
  await asUsers(async (alice, bob) => {
    const denied = await bob.request(OffsetDelete, 0, body);
    assert.equal([denied.errorCode, denied.topics.length], [E.GROUP_AUTHORIZATION_FAILED, 0]);
    await grant(GROUP, 'od-g', DELETE);
    await grant(TOPIC, 'od-a', READ);
    const r = await alice.request(OffsetDelete, 0, body);
    assert.is(r.errorCode, 0);
    assert.equal(
      r.topics.map((t) => [t.name, t.partitions[0]!.errorCode]).sort(),
      [
        ['od-a', 0],
        ['od-b', E.TOPIC_AUTHORIZATION_FAILED],
      ],
    );
  });
});

// --- topics and configs -------------------------------------------------------------------------

test('CreateTopics: CREATE on the cluster or the topic (TOPIC_AUTHORIZATION_FAILED "Authorization failed."); configs only with DESCRIBE_CONFIGS', async () => {
  const create = (c: RawClient, name: string) => c.request(CreateTopics, 7, { topics: [{ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
  await asUsers(async (alice, bob) => {
    const denied = (await create(bob, 'ct-bob')).topics[0]!;
    assert.equal([denied.errorCode, denied.errorMessage], [E.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.']);
    assert.not.ok(b.broker.topics.has('ct-bob'));
    await grant(TOPIC, 'ct-', CREATE, { pattern: PatternType.PREFIXED });
    const hidden = (await create(alice, 'ct-one')).topics[0]!;
    assert.equal([hidden.errorCode, hidden.topicConfigErrorCode, hidden.numPartitions, hidden.replicationFactor, (hidden.configs ?? []).length], [0, E.TOPIC_AUTHORIZATION_FAILED, -1, -1, 0]);
    assert.is(b.broker.topics.get('ct-one')?.partitions.length, 2, 'created all the same');
    await grant(TOPIC, 'ct-two', DESCRIBE_CONFIGS);
    const shown = (await create(alice, 'ct-two')).topics[0]!;
    assert.equal([shown.errorCode, shown.topicConfigErrorCode, shown.numPartitions, shown.replicationFactor], [0, 0, 2, 1]);
    assert.ok((shown.configs ?? []).length > 0);
  });
  // The creator of the Metadata test has CREATE on the cluster.
  await asUser('creator', async (creator) => assert.is((await create(creator, 'ct-bob')).topics[0]!.errorCode, 0, 'CREATE on the cluster'));
});

test('DeleteTopics: DELETE on the topic; by name, undescribable topics are TOPIC_AUTHORIZATION_FAILED whether they exist or not; by id, the name is told only with DESCRIBE', async () => {
  await createTopic('dt-a');
  const idB = await createTopic('dt-b');
  await asUsers(async (alice, bob) => {
    const byName = await bob.request(DeleteTopics, 6, { topics: [{ name: 'dt-a', topicId: ZERO_UUID }, { name: 'dt-nowhere', topicId: ZERO_UUID }], timeoutMs: 5000 });
    assert.equal(byName.responses.map((r) => [r.name, r.errorCode]), [
      ['dt-a', E.TOPIC_AUTHORIZATION_FAILED],
      ['dt-nowhere', E.TOPIC_AUTHORIZATION_FAILED],
    ]);
    const byId = await bob.request(DeleteTopics, 6, { topics: [{ name: null, topicId: idB }], timeoutMs: 5000 });
    assert.equal(byId.responses.map((r) => [r.name, r.topicId, r.errorCode]), [[null, idB, E.TOPIC_AUTHORIZATION_FAILED]]);
    // DESCRIBE without DELETE: an unknown topic is told apart now; a known one is still refused.
    await grant(TOPIC, 'dt-', DESCRIBE, { pattern: PatternType.PREFIXED });
    const described = await alice.request(DeleteTopics, 6, { topics: [{ name: 'dt-a', topicId: ZERO_UUID }, { name: 'dt-nowhere', topicId: ZERO_UUID }, { name: null, topicId: idB }], timeoutMs: 5000 });
    assert.equal(
      described.responses.map((r) => [r.name, r.errorCode]).sort(),
      [
        ['dt-a', E.TOPIC_AUTHORIZATION_FAILED],
        ['dt-b', E.TOPIC_AUTHORIZATION_FAILED],
        ['dt-nowhere', E.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
    await grant(TOPIC, 'dt-a', DELETE);
    assert.equal((await alice.request(DeleteTopics, 5, { topicNames: ['dt-a'], timeoutMs: 5000 })).responses.map((r) => [r.name, r.errorCode]), [['dt-a', 0]]);
    assert.not.ok(b.broker.topics.has('dt-a'));
  });
});

test('CreatePartitions: ALTER on the topic, else TOPIC_AUTHORIZATION_FAILED', async () => {
  await createTopic('cp-t');
  const body = { topics: [{ name: 'cp-t', count: 2, assignments: null }], timeoutMs: 5000, validateOnly: false };
  await asUsers(async (alice, bob) => {
    assert.equal((await bob.request(CreatePartitions, 3, body)).results.map((r) => [r.name, r.errorCode, r.errorMessage]), [['cp-t', E.TOPIC_AUTHORIZATION_FAILED, null]]);
    await grant(TOPIC, 'cp-t', ALTER);
    assert.is((await alice.request(CreatePartitions, 3, body)).results[0]!.errorCode, 0);
    assert.is(b.broker.topics.get('cp-t')!.partitions.length, 2);
  });
});

test('DescribeConfigs: DESCRIBE_CONFIGS on the topic, or on the cluster for a broker resource; refused ones come last', async () => {
  await createTopic('dc-t');
  const body = {
    resources: [
      { resourceType: 2, resourceName: 'dc-t', configurationKeys: ['retention.ms'] },
      { resourceType: 4, resourceName: String(b.broker.nodeId), configurationKeys: ['log.retention.ms'] },
    ],
    includeSynonyms: false,
    includeDocumentation: false,
  };
  await asUsers(async (alice, bob) => {
    const denied = await bob.request(DescribeConfigs, 4, body);
    assert.equal(
      denied.results.map((r) => [r.resourceType, r.errorCode, r.errorMessage, r.configs.length]),
      [
        [2, E.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.', 0],
        [4, E.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.', 0],
      ],
    );
    // ALTER_CONFIGS implies DESCRIBE_CONFIGS.
    await grant(TOPIC, 'dc-t', ALTER_CONFIGS);
    const half = await alice.request(DescribeConfigs, 4, body);
    assert.equal(half.results.map((r) => [r.resourceType, r.errorCode]), [
      [2, 0],
      [4, E.CLUSTER_AUTHORIZATION_FAILED],
    ]);
    assert.is(half.results[0]!.configs[0]!.name, 'retention.ms');
  });
  await grant(CLUSTER, CLUSTER_NAME, DESCRIBE_CONFIGS, { principal: 'User:cfgreader' });
  await grant(TOPIC, 'dc-t', DESCRIBE_CONFIGS, { principal: 'User:cfgreader' });
  await asUser('cfgreader', async (reader) => assert.equal((await reader.request(DescribeConfigs, 4, body)).results.map((r) => r.errorCode), [0, 0]));
});

test('AlterConfigs and IncrementalAlterConfigs: ALTER_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or the cluster (CLUSTER_AUTHORIZATION_FAILED, after the values are checked)', async () => {
  await createTopic('ac-t');
  const topicLegacy = { resources: [{ resourceType: 2, resourceName: 'ac-t', configs: [{ name: 'retention.ms', value: '3600000' }] }], validateOnly: false };
  const topicIncremental = { resources: [{ resourceType: 2, resourceName: 'ac-t', configs: [{ name: 'retention.ms', configOperation: 0, value: '7200000' }] }], validateOnly: false };
  const broker = (name: string, value: string) => ({ resources: [{ resourceType: 4, resourceName: '', configs: [{ name, configOperation: 0, value }] }], validateOnly: true });
  await asUsers(async (alice, bob) => {
    assert.equal((await bob.request(AlterConfigs, 2, topicLegacy)).responses.map((r) => [r.errorCode, r.errorMessage]), [[E.TOPIC_AUTHORIZATION_FAILED, null]]);
    assert.is((await bob.request(IncrementalAlterConfigs, 1, topicIncremental)).responses[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    // An unknown topic is refused before it is looked up.
    const nowhere = { resources: [{ resourceType: 2, resourceName: 'ac-nowhere', configs: [] }], validateOnly: false };
    assert.is((await bob.request(IncrementalAlterConfigs, 1, nowhere)).responses[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    assert.is((await bob.request(IncrementalAlterConfigs, 1, broker('log.retention.ms', '86400000'))).responses[0]!.errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
    const legacyBroker = { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.ms', value: '86400000' }] }], validateOnly: true };
    assert.is((await bob.request(AlterConfigs, 2, legacyBroker)).responses[0]!.errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
    // Kafka's broker checks the change before its controller authorizes it.
    assert.is((await bob.request(IncrementalAlterConfigs, 1, broker('num.io.threads', '4'))).responses[0]!.errorCode, E.INVALID_REQUEST);
    // BROKER_LOGGER: the cluster first.
    const logger = { resources: [{ resourceType: 8, resourceName: '1', configs: [{ name: 'kafka', configOperation: 0, value: 'INFO' }] }], validateOnly: true };
    assert.is((await bob.request(IncrementalAlterConfigs, 1, logger)).responses[0]!.errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
    await grant(TOPIC, 'ac-t', ALTER_CONFIGS);
    assert.is((await alice.request(AlterConfigs, 2, topicLegacy)).responses[0]!.errorCode, 0);
    assert.is((await alice.request(IncrementalAlterConfigs, 1, topicIncremental)).responses[0]!.errorCode, 0);
    assert.is(b.broker.topics.get('ac-t')!.meta.configs['retention.ms'], '7200000');
  });
  await grant(CLUSTER, CLUSTER_NAME, ALTER_CONFIGS, { principal: 'User:cfgwriter' });
  await asUser('cfgwriter', async (writer) => {
    assert.is((await writer.request(IncrementalAlterConfigs, 1, broker('log.retention.ms', '86400000'))).responses[0]!.errorCode, 0);
    // ALTER_CONFIGS on the cluster says nothing about topics.
    assert.is((await writer.request(IncrementalAlterConfigs, 1, topicIncremental)).responses[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
  });
});

// --- transactions -------------------------------------------------------------------------------

test('InitProducerId: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); idempotent: IDEMPOTENT_WRITE on the cluster or WRITE on some topic (CLUSTER_AUTHORIZATION_FAILED)', async () => {
  await asUsers(async (alice, bob) => {
    const txn = await bob.request(InitProducerId, 4, { transactionalId: 'ipi-t', transactionTimeoutMs: 60000 });
    assert.equal([txn.errorCode, txn.producerId, txn.producerEpoch], [E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1, -1]);
    assert.is((await bob.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 })).errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
    // READ on a topic is not WRITE.
    await grant(TOPIC, 'ipi-read', READ, { principal: 'User:anywriter' });
    await asUser('anywriter', async (c) => assert.is((await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 })).errorCode, E.CLUSTER_AUTHORIZATION_FAILED));
    // WRITE on any topic, through a prefixed ACL, even one for a topic that does not exist.
    await grant(TOPIC, 'ipi-any-', WRITE, { pattern: PatternType.PREFIXED, principal: 'User:anywriter' });
    await asUser('anywriter', async (c) => assert.is((await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 })).errorCode, 0));
    await grant(CLUSTER, CLUSTER_NAME, IDEMPOTENT_WRITE, { principal: 'User:idem' });
    await asUser('idem', async (c) => assert.is((await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 })).errorCode, 0));
    await grant(TRANSACTIONAL_ID, 'ipi-t', WRITE);
    assert.is((await alice.request(InitProducerId, 4, { transactionalId: 'ipi-t', transactionTimeoutMs: 60000 })).errorCode, 0);
  });
});

test('a transaction: AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn check the transactional id, the topics and the group', async () => {
  await createTopic('txn-t');
  await createTopic('txn-other');
  await asUsers(async (alice, bob) => {
    await grant(TRANSACTIONAL_ID, 'txn-id', WRITE);
    const pid = await alice.request(InitProducerId, 4, { transactionalId: 'txn-id', transactionTimeoutMs: 60000 });
    assert.is(pid.errorCode, 0);
    const { producerId, producerEpoch } = pid;
    const addBody = (topics: { name: string; partitions: number[] }[]) => ({ v3AndBelowTransactionalId: 'txn-id', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: topics });
    const codes = (r: { resultsByTopicV3AndBelow: { name: string; resultsByPartition: { partitionErrorCode: number }[] }[] }) =>
      r.resultsByTopicV3AndBelow.map((t) => [t.name, t.resultsByPartition[0]!.partitionErrorCode]);
    assert.equal(codes(await bob.request(AddPartitionsToTxn, 3, addBody([{ name: 'txn-t', partitions: [0] }]))), [['txn-t', E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]]);
    await grant(TOPIC, 'txn-t', WRITE);
    assert.equal(codes(await alice.request(AddPartitionsToTxn, 3, addBody([{ name: 'txn-t', partitions: [0] }, { name: 'txn-other', partitions: [0] }]))), [
      ['txn-t', E.OPERATION_NOT_ATTEMPTED],
      ['txn-other', E.TOPIC_AUTHORIZATION_FAILED],
    ]);
    // An internal topic is never a client's to add, whatever the ACLs (AddOffsetsToTxn adds it).
    assert.equal(codes(await admin.request(AddPartitionsToTxn, 3, addBody([{ name: '__consumer_offsets', partitions: [0] }]))), [['__consumer_offsets', E.TOPIC_AUTHORIZATION_FAILED]]);
    // v4+ is for brokers: CLUSTER_ACTION.
    const v4 = await alice.request(AddPartitionsToTxn, 4, { transactions: [{ transactionalId: 'txn-id', producerId, producerEpoch, verifyOnly: true, topics: [{ name: 'txn-t', partitions: [0] }] }] });
    assert.equal([v4.errorCode, v4.resultsByTransaction.length], [E.CLUSTER_AUTHORIZATION_FAILED, 0]);
    assert.equal(codes(await alice.request(AddPartitionsToTxn, 3, addBody([{ name: 'txn-t', partitions: [0] }]))), [['txn-t', 0]]);
    const records = encodeBatch([{ value: 'in-txn' }], { producerId, producerEpoch, baseSequence: 0, transactional: true });
    assert.is((await alice.request(Produce, 9, produceBody('txn-t', records, 'txn-id'))).responses[0]!.partitionResponses[0]!.errorCode, 0);

    const offsetsBody = { transactionalId: 'txn-id', producerId, producerEpoch, groupId: 'txn-g' };
    assert.is((await bob.request(AddOffsetsToTxn, 3, offsetsBody)).errorCode, E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.is((await alice.request(AddOffsetsToTxn, 3, offsetsBody)).errorCode, E.GROUP_AUTHORIZATION_FAILED);
    await grant(GROUP, 'txn-g', READ);
    assert.is((await alice.request(AddOffsetsToTxn, 3, offsetsBody)).errorCode, 0);

    const commitBody = (topic: string) => ({
      transactionalId: 'txn-id',
      groupId: 'txn-g',
      producerId,
      producerEpoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    const committed = (r: { topics: { partitions: { errorCode: number }[] }[] }) => r.topics[0]!.partitions[0]!.errorCode;
    assert.is(committed(await bob.request(TxnOffsetCommit, 3, commitBody('txn-t'))), E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    await grant(TRANSACTIONAL_ID, 'txn-id', WRITE, { principal: 'User:bob' });
    assert.is(committed(await bob.request(TxnOffsetCommit, 3, commitBody('txn-t'))), E.GROUP_AUTHORIZATION_FAILED);
    assert.is(committed(await alice.request(TxnOffsetCommit, 3, commitBody('txn-t'))), E.TOPIC_AUTHORIZATION_FAILED, 'WRITE is not READ');
    await grant(TOPIC, 'txn-t', READ);
    assert.is(committed(await alice.request(TxnOffsetCommit, 3, commitBody('txn-t'))), 0);

    // DescribeTransactions: DESCRIBE on the id, then only the topics it may describe.
    const described = async (c: RawClient) => (await c.request(DescribeTransactions, 0, { transactionalIds: ['txn-id'] })).transactionStates[0]!;
    const bobView = await described(bob);
    assert.equal([bobView.errorCode, bobView.transactionState, bobView.topics.map((t) => t.topic)], [0, 'Ongoing', []], 'WRITE on the id implies DESCRIBE; bob may describe no topic of it');
    const aliceView = await described(alice);
    assert.equal([aliceView.errorCode, aliceView.transactionState], [0, 'Ongoing']);
    assert.equal(aliceView.topics.map((t) => t.topic).sort(), ['txn-t'], 'alice may describe txn-t (READ, WRITE) but not __consumer_offsets');
    assert.ok((await described(admin)).topics.some((t) => t.topic === '__consumer_offsets'));

    assert.is((await alice.request(EndTxn, 3, { transactionalId: 'txn-id', producerId, producerEpoch, committed: true })).errorCode, 0);
  });
  const bob = await login('bob');
  try {
    const denied = await bob.request(EndTxn, 3, { transactionalId: 'txn-nobody', producerId: 1, producerEpoch: 0, committed: true });
    assert.equal([denied.errorCode], [E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);
    const unknown = await bob.request(DescribeTransactions, 0, { transactionalIds: ['txn-nobody'] });
    assert.equal(
      [unknown.transactionStates[0]!.errorCode, unknown.transactionStates[0]!.transactionState, unknown.transactionStates[0]!.producerId],
      [E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, '', 0],
    );
  } finally {
    bob.close();
  }
});

test('ListTransactions lists only the transactional ids the principal may DESCRIBE; WriteTxnMarkers needs ALTER or CLUSTER_ACTION on the cluster', async () => {
  await createTopic('lt-t');
  for (const id of ['lt-mine', 'lt-theirs']) assert.is((await admin.request(InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60000 })).errorCode, 0);
  await grant(TRANSACTIONAL_ID, 'lt-mine', DESCRIBE);
  await asUsers(async (alice, bob) => {
    const ids = async (c: RawClient) => {
      const r = await c.request(ListTransactions, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1 });
      assert.is(r.errorCode, 0);
      return r.transactionStates.map((t) => t.transactionalId).filter((t) => t.startsWith('lt-')).sort();
    };
    assert.equal(await ids(bob), []);
    assert.equal(await ids(alice), ['lt-mine']);
    assert.equal(await ids(admin), ['lt-mine', 'lt-theirs']);

    const markers = { markers: [{ producerId: 1, producerEpoch: 0, transactionResult: false, topics: [{ name: 'lt-t', partitionIndexes: [0] }], coordinatorEpoch: 0 }] };
    const denied = await bob.request(WriteTxnMarkers, 1, markers);
    assert.equal(denied.markers[0]!.topics[0]!.partitions.map((p) => p.errorCode), [E.CLUSTER_AUTHORIZATION_FAILED]);
  });
  await grant(CLUSTER, CLUSTER_NAME, ALTER, { principal: 'User:marker' });
  await asUser('marker', async (marker) => {
    const markers = { markers: [{ producerId: 1, producerEpoch: 0, transactionResult: false, topics: [{ name: 'lt-t', partitionIndexes: [0] }], coordinatorEpoch: 0 }] };
    const allowed = await marker.request(WriteTxnMarkers, 1, markers);
    assert.not.equal(allowed.markers[0]!.topics[0]!.partitions[0]!.errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
  });
});

// --- cluster administration ---------------------------------------------------------------------

test('DescribeClientQuotas (DESCRIBE_CONFIGS) and AlterClientQuotas (ALTER_CONFIGS) on the cluster, else CLUSTER_AUTHORIZATION_FAILED', async () => {
  const entries = [{ entity: [{ entityType: 'user', entityName: 'quota-user' }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }];
  await asUsers(async (alice, bob) => {
    const d = await bob.request(DescribeClientQuotas, 1, { components: [], strict: false });
    assert.equal([d.errorCode, d.errorMessage, d.entries], [E.CLUSTER_AUTHORIZATION_FAILED, null, null]);
    const a = await bob.request(AlterClientQuotas, 1, { entries, validateOnly: false });
    assert.equal(
      a.entries.map((e) => [e.errorCode, e.errorMessage, e.entity[0]!.entityName]),
      [[E.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.', 'quota-user']],
    );
  });
  await grant(CLUSTER, CLUSTER_NAME, DESCRIBE_CONFIGS, { principal: 'User:quota' });
  await asUser('quota', async (quota) => {
    assert.is((await quota.request(DescribeClientQuotas, 1, { components: [], strict: false })).errorCode, 0);
    assert.is((await quota.request(AlterClientQuotas, 1, { entries, validateOnly: true })).entries[0]!.errorCode, E.CLUSTER_AUTHORIZATION_FAILED, 'DESCRIBE_CONFIGS does not alter');
    await grant(CLUSTER, CLUSTER_NAME, ALTER_CONFIGS, { principal: 'User:quota' });
    assert.is((await quota.request(AlterClientQuotas, 1, { entries, validateOnly: true })).entries[0]!.errorCode, 0);
  });
});

test('DescribeUserScramCredentials (DESCRIBE) and AlterUserScramCredentials (ALTER) on the cluster, else CLUSTER_AUTHORIZATION_FAILED', async () => {
  const upsert = { deletions: [], upsertions: [{ name: 'zed', mechanism: 1, iterations: 4096, salt: Buffer.from('salt'), saltedPassword: Buffer.alloc(32, 1) }, { name: 'amy', mechanism: 1, iterations: 4096, salt: Buffer.from('salt'), saltedPassword: Buffer.alloc(32, 2) }] };
  await asUsers(async (alice, bob) => {
    const d = await bob.request(DescribeUserScramCredentials, 0, { users: [{ name: 'zed' }] });
    assert.equal([d.errorCode, d.results.map((r) => r.errorCode)], [E.CLUSTER_AUTHORIZATION_FAILED, [E.CLUSTER_AUTHORIZATION_FAILED]]);
    const a = await bob.request(AlterUserScramCredentials, 0, upsert);
    assert.equal(a.results.map((r) => [r.user, r.errorCode]), [
      ['amy', E.CLUSTER_AUTHORIZATION_FAILED],
      ['zed', E.CLUSTER_AUTHORIZATION_FAILED],
    ]);
    assert.is(b.broker.security.scram.describeUser('zed'), undefined, 'nothing stored');
  });
  await grant(CLUSTER, CLUSTER_NAME, ALTER, { principal: 'User:scram' });
  await asUser('scram', async (scram) => {
    assert.equal((await scram.request(AlterUserScramCredentials, 0, upsert)).results.map((r) => r.errorCode), [0, 0]);
    // ALTER implies DESCRIBE.
    assert.is((await scram.request(DescribeUserScramCredentials, 0, { users: null })).errorCode, 0);
  });
});

test('DescribeAcls (DESCRIBE), CreateAcls and DeleteAcls (ALTER) on the cluster, else CLUSTER_AUTHORIZATION_FAILED and nothing changed', async () => {
  const acl = { resourceType: TOPIC, resourceName: 'acl-target', resourcePatternType: PatternType.LITERAL, principal: 'User:bob', host: '*', operation: READ, permissionType: AclPermissionType.ALLOW };
  const filter = { resourceTypeFilter: TOPIC, resourceNameFilter: 'acl-target', patternTypeFilter: PatternType.LITERAL, principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY };
  const describe = (c: RawClient) => c.request(DescribeAcls, 3, filter);
  await grant(CLUSTER, CLUSTER_NAME, DESCRIBE, { principal: 'User:aclreader' });
  await grant(CLUSTER, CLUSTER_NAME, ALTER, { principal: 'User:acladmin' });
  await asUsers(async (_alice, bob) => {
    assert.equal([(await describe(bob)).errorCode, (await describe(bob)).resources], [E.CLUSTER_AUTHORIZATION_FAILED, []]);
    assert.equal((await bob.request(CreateAcls, 3, { creations: [acl] })).results.map((r) => r.errorCode), [E.CLUSTER_AUTHORIZATION_FAILED]);
    assert.equal((await bob.request(DeleteAcls, 3, { filters: [filter] })).filterResults.map((r) => r.errorCode), [E.CLUSTER_AUTHORIZATION_FAILED]);
  });
  await asUser('aclreader', async (reader) => {
    assert.equal([(await describe(reader)).errorCode, (await describe(reader)).resources], [0, []], 'refused creations stored nothing');
    assert.equal((await reader.request(CreateAcls, 3, { creations: [acl] })).results.map((r) => r.errorCode), [E.CLUSTER_AUTHORIZATION_FAILED], 'DESCRIBE does not alter');
  });
  await asUser('acladmin', async (acladmin) => {
    assert.equal((await acladmin.request(CreateAcls, 3, { creations: [acl] })).results.map((r) => r.errorCode), [0]);
    // ALTER implies DESCRIBE.
    assert.is((await describe(acladmin)).resources.length, 1);
  });
  await asUsers(async (_alice, bob) => {
    await bob.request(DeleteAcls, 3, { filters: [filter] });
  });
  await asUser('acladmin', async (acladmin) => {
    assert.is((await describe(acladmin)).resources.length, 1, "bob's refused DeleteAcls removed nothing");
    assert.equal((await acladmin.request(DeleteAcls, 3, { filters: [filter] })).filterResults.map((r) => [r.errorCode, r.matchingAcls.length]), [[0, 1]]);
  });
});

test('none of these answers was an internal error', () => {
  assert.is(b.broker.metrics.faults[FaultCounter.internalErrors], 0);
});

test.run();
