/**
 * The ACL rules as the request handlers apply them, against real brokers: a DENY overriding an
 * ALLOW, PREFIXED and wildcard resources, the wildcard principal User:*, host-restricted ACLs,
 * super users, allow.everyone.if.no.acl.found, the anonymous principal of a PLAINTEXT listener,
 * ACLs kept across a restart, and a broker without an authorizer serving anonymous clients as
 * it always did.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../../src/broker/security/acl.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import {
  CreateAcls,
  CreateTopics,
  DescribeAcls,
  DescribeCluster,
  DescribeGroups,
  Fetch,
  InitProducerId,
  ListGroups,
  ListOffsets,
  Metadata,
  OffsetCommit,
  Produce,
} from '../../../src/protocol/messages/index.js';
import { encodeBatch } from '../../../src/protocol/records/batch.js';
import { RawClient } from '../../helpers/raw-client.js';
import { ALL_ACLS, QUIET, ZERO_UUID, aclBroker, fetchBody, grantAcls, loginPlain } from './helpers.js';

const E = ErrorCode;
const { READ, WRITE, DESCRIBE, ALL } = AclOperation;
const { TOPIC, GROUP } = ResourceType;
const { ALLOW, DENY } = AclPermissionType;
const USERS = ['admin', 'alice', 'bob', 'ops'];
const start = (config: Record<string, unknown> = {}): Promise<RunningBroker> => aclBroker(USERS, config);
const login = loginPlain;
const grant = grantAcls;

function listener(b: RunningBroker, name: string): string {
  return b.listeners.find((l) => l.name === name)!.bootstrap;
}

async function createTopics(c: RawClient, ...names: string[]): Promise<void> {
  const r = await c.request(CreateTopics, 7, { topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000 });
  assert.equal(
    r.topics.map((t) => t.errorCode),
    names.map(() => 0),
  );
}

async function produce(c: RawClient, topic: string): Promise<number> {
  const r = await c.request(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeBatch([{ value: 'v' }]) }] }] });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

async function fetchCode(c: RawClient, topic: string): Promise<number> {
  const r = await c.request(Fetch, 12, fetchBody(topic));
  return r.responses[0]!.partitions[0]!.errorCode;
}

async function listOffsetsCode(c: RawClient, topic: string): Promise<number> {
  const r = await c.request(ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });
  return r.topics[0]!.partitions[0]!.errorCode;
}

// --- one broker for the rules ------------------------------------------------------------------

let b: RunningBroker;
let admin: RawClient;
let alice: RawClient;
let bob: RawClient;

test.before(async () => {
  b = await start({ 'super.users': 'User:admin;User:ops' });
  admin = await login(b.bootstrap, 'admin');
  alice = await login(b.bootstrap, 'alice');
  bob = await login(b.bootstrap, 'bob');
});

test.after(async () => {
  for (const c of [admin, alice, bob]) c?.close();
  await b?.close();
});

test('a DENY overrides an ALLOW; DENY READ does not deny the DESCRIBE that ALLOW READ implies', async () => {
  await createTopics(admin, 'deny-t');
  await grant(admin, { resourceName: 'deny-t', operation: READ }, { resourceName: 'deny-t', operation: READ, principal: 'User:*' });
  assert.is(await fetchCode(alice, 'deny-t'), 0);
  await grant(admin, { resourceName: 'deny-t', operation: READ, permission: DENY });
  assert.is(await fetchCode(alice, 'deny-t'), E.TOPIC_AUTHORIZATION_FAILED, 'the DENY wins over both ALLOWs');
  assert.is(await fetchCode(bob, 'deny-t'), 0, 'the DENY is for alice only');
  assert.is(await listOffsetsCode(alice, 'deny-t'), 0, 'DESCRIBE is still allowed by ALLOW READ');
  // A DENY of ALL on a prefix covers every operation of every topic under it.
  await grant(admin, { resourceName: 'deny-', pattern: PatternType.PREFIXED, operation: ALL, permission: DENY, principal: 'User:bob' });
  assert.is(await fetchCode(bob, 'deny-t'), E.TOPIC_AUTHORIZATION_FAILED);
  assert.is(await listOffsetsCode(bob, 'deny-t'), E.TOPIC_AUTHORIZATION_FAILED);
});

test('a PREFIXED ACL grants a family of topics, and only names that start with the prefix', async () => {
  await createTopics(admin, 'orders-eu', 'orders-us', 'order', 'invoices');
  await grant(admin, { resourceName: 'orders-', pattern: PatternType.PREFIXED, operation: WRITE });
  assert.equal(await Promise.all(['orders-eu', 'orders-us', 'order', 'invoices'].map((t) => produce(alice, t))), [0, 0, E.TOPIC_AUTHORIZATION_FAILED, E.TOPIC_AUTHORIZATION_FAILED]);
  // A LITERAL ACL named like the prefix is for that one name only.
  await grant(admin, { resourceName: 'invoices', operation: WRITE, principal: 'User:bob' });
  assert.equal(await Promise.all(['invoices', 'invoices-2024'].map((t) => produce(bob, t))), [0, E.TOPIC_AUTHORIZATION_FAILED]);
});

test('the wildcard principal User:* and the wildcard resource "*" match everyone and everything', async () => {
  await createTopics(admin, 'public-news', 'wild-a', 'wild-b');
  await grant(admin, { resourceName: 'public-news', operation: READ, principal: 'User:*' });
  assert.is(await fetchCode(bob, 'public-news'), 0);
  assert.is(await fetchCode(alice, 'public-news'), 0);
  // Groups too: DESCRIBE on every group for alice.
  await admin.request(OffsetCommit, 8, {
    groupId: 'wild-g',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 'wild-a', partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
  await grant(admin, { resourceType: GROUP, resourceName: '*', operation: DESCRIBE });
  const groups = (await alice.request(ListGroups, 4, { statesFilter: [] })).groups.map((g) => g.groupId);
  assert.ok(groups.includes('wild-g'));
  assert.is((await alice.request(DescribeGroups, 5, { groups: ['wild-g'], includeAuthorizedOperations: true })).groups[0]!.errorCode, 0);
  assert.equal((await bob.request(ListGroups, 4, { statesFilter: [] })).groups.map((g) => g.groupId), []);
});

test('a host-restricted ACL matches the client address only (127.0.0.1 here, not another host)', async () => {
  await createTopics(admin, 'host-local', 'host-remote');
  await grant(admin, { resourceName: 'host-local', operation: WRITE, host: '127.0.0.1' }, { resourceName: 'host-remote', operation: WRITE, host: '10.1.2.3' });
  assert.is(await produce(alice, 'host-local'), 0);
  assert.is(await produce(alice, 'host-remote'), E.TOPIC_AUTHORIZATION_FAILED);
  // A DENY from another host does not reach this client.
  await grant(admin, { resourceName: 'host-local', operation: WRITE, host: '10.1.2.3', permission: DENY });
  assert.is(await produce(alice, 'host-local'), 0);
  await grant(admin, { resourceName: 'host-local', operation: WRITE, host: '127.0.0.1', permission: DENY });
  assert.is(await produce(alice, 'host-local'), E.TOPIC_AUTHORIZATION_FAILED);
});

test('super users (each of super.users) are allowed everything without an ACL, even with a DENY', async () => {
  await createTopics(admin, 'super-t');
  await grant(admin, { resourceName: 'super-t', operation: ALL, permission: DENY, principal: 'User:*' });
  const ops = await login(b.bootstrap, 'ops');
  try {
    for (const c of [admin, ops]) {
      assert.is(await produce(c, 'super-t'), 0);
      assert.is(await fetchCode(c, 'super-t'), 0);
      assert.is((await c.request(InitProducerId, 4, { transactionalId: 'super-txn', transactionTimeoutMs: 60000 })).errorCode, 0);
      assert.is((await c.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations, 8096);
    }
  } finally {
    ops.close();
  }
  assert.is(await produce(alice, 'super-t'), E.TOPIC_AUTHORIZATION_FAILED);
});

test('Metadata for every topic lists only the topics the principal may describe', async () => {
  await createTopics(admin, 'list-a', 'list-b', 'list-c');
  await grant(admin, { resourceName: 'list-a', operation: DESCRIBE, principal: 'User:bob' }, { resourceName: 'list-c', operation: WRITE, principal: 'User:bob' });
  const names = (await bob.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false })).topics.map((t) => t.name).filter((n) => n!.startsWith('list-'));
  assert.equal(names.sort(), ['list-a', 'list-c']);
  // v0 asks for every topic with an empty list.
  const v0 = (await bob.request(Metadata, 0, { topics: [] })).topics.map((t) => t.name).filter((n) => n!.startsWith('list-'));
  assert.equal(v0.sort(), ['list-a', 'list-c']);
});

// --- other brokers ------------------------------------------------------------------------------

test('allow.everyone.if.no.acl.found=true: a resource no ACL names is open to all, until an ACL names it', async () => {
  const open = await start({ 'allow.everyone.if.no.acl.found': true });
  const [a, o] = [await login(open.bootstrap, 'admin'), await login(open.bootstrap, 'bob')];
  try {
    await createTopics(a, 'open-t', 'guarded-t');
    assert.is(await produce(o, 'open-t'), 0);
    assert.is(await fetchCode(o, 'open-t'), 0);
    assert.is((await o.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 })).errorCode, 0);
    await grant(a, { resourceName: 'guarded-t', operation: WRITE, principal: 'User:alice' });
    assert.is(await produce(o, 'guarded-t'), E.TOPIC_AUTHORIZATION_FAILED, 'an ACL for another principal closes the topic to bob');
    assert.is(await produce(o, 'open-t'), 0);
  } finally {
    a.close();
    o.close();
    await open.close();
  }
});

test('the anonymous principal of a PLAINTEXT listener is authorized like any other: User:ANONYMOUS', async () => {
  const mixed = await start({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0' });
  const a = await login(listener(mixed, 'SASL_PLAINTEXT'), 'admin');
  const anonymous = await RawClient.connect(listener(mixed, 'PLAINTEXT'));
  try {
    await createTopics(a, 'anon-t');
    assert.is(await produce(anonymous, 'anon-t'), E.TOPIC_AUTHORIZATION_FAILED);
    assert.is((await anonymous.request(Metadata, 12, { topics: [{ name: 'anon-t', topicId: ZERO_UUID }], allowAutoTopicCreation: false })).topics[0]!.errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    await grant(a, { resourceName: 'anon-t', operation: WRITE, principal: 'User:ANONYMOUS' });
    assert.is(await produce(anonymous, 'anon-t'), 0);
  } finally {
    a.close();
    anonymous.close();
    await mixed.close();
  }
});

test('ACLs survive a restart on the same log.dirs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-acl-restart-'));
  try {
    let first: RunningBroker | undefined = await start({ 'log.dirs': dir });
    try {
      const a = await login(first.bootstrap, 'admin');
      await createTopics(a, 'kept-t');
      await grant(a, { resourceName: 'kept-', pattern: PatternType.PREFIXED, operation: WRITE }, { resourceName: 'kept-t', operation: WRITE, principal: 'User:bob', permission: DENY });
      a.close();
    } finally {
      await first.close();
      first = undefined;
    }
    const second = await start({ 'log.dirs': dir });
    try {
      const [a2, al, bo] = [await login(second.bootstrap, 'admin'), await login(second.bootstrap, 'alice'), await login(second.bootstrap, 'bob')];
      try {
        assert.is(await produce(al, 'kept-t'), 0);
        assert.is(await produce(bo, 'kept-t'), E.TOPIC_AUTHORIZATION_FAILED);
        const described = await a2.request(DescribeAcls, 3, ALL_ACLS);
        assert.is(described.errorCode, 0);
        assert.equal(described.resources.map((r) => [r.resourceName, r.patternType, r.acls.length]).sort(), [
          ['kept-', PatternType.PREFIXED, 1],
          ['kept-t', PatternType.LITERAL, 1],
        ]);
      } finally {
        for (const c of [a2, al, bo]) c.close();
      }
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without an authorizer an anonymous client may do everything, and the authorized operations are every supported one', async () => {
  const plain = await startBroker({ config: { 'num.io.threads': 0, 'console.listener': 'none', listeners: 'PLAINTEXT://127.0.0.1:0' }, logger: QUIET });
  const c = await RawClient.connect(plain.bootstrap);
  try {
    await createTopics(c, 'free-t');
    assert.is(await produce(c, 'free-t'), 0);
    assert.is(await fetchCode(c, 'free-t'), 0);
    assert.is(await listOffsetsCode(c, 'free-t'), 0);
    assert.is((await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 })).errorCode, 0);
    assert.is((await c.request(InitProducerId, 4, { transactionalId: 'free-txn', transactionTimeoutMs: 60000 })).errorCode, 0);
    const md = await c.request(Metadata, 10, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
    assert.is(md.clusterAuthorizedOperations, 8096);
    assert.equal(md.topics.filter((t) => t.name === 'free-t').map((t) => [t.errorCode, t.topicAuthorizedOperations]), [[0, 3576]]);
    // An unknown topic is auto-created, as before.
    assert.is((await c.request(Metadata, 12, { topics: [{ name: 'free-auto', topicId: ZERO_UUID }], allowAutoTopicCreation: true })).topics[0]!.errorCode, 0);
    assert.is((await c.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations, 8096);
    await c.request(OffsetCommit, 8, {
      groupId: 'free-g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'free-t', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    assert.equal((await c.request(ListGroups, 4, { statesFilter: [] })).groups.map((g) => g.groupId), ['free-g']);
    assert.is((await c.request(DescribeGroups, 5, { groups: ['free-g'], includeAuthorizedOperations: true })).groups[0]!.authorizedOperations, 328);
    // The ACL APIs answer SECURITY_DISABLED, as Kafka's do without an authorizer.
    const acl = await c.request(CreateAcls, 3, { creations: [{ resourceType: TOPIC, resourceName: 'x', resourcePatternType: 3, principal: 'User:a', host: '*', operation: READ, permissionType: ALLOW }] });
    assert.is(acl.results[0]!.errorCode, E.SECURITY_DISABLED);
  } finally {
    c.close();
    await plain.close();
  }
});

test.run();
