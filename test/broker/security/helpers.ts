/**
 * Helpers for the authorization suites: a broker with one SASL_PLAINTEXT listener whose PLAIN
 * users each have the password "<name>-secret", Kafka's StandardAuthorizer and User:admin as
 * super user; raw connections logged in as one of them; ACLs created as admin.
 */
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../../src/broker/security/acl.js';
import { CreateAcls, SaslAuthenticate, SaslHandshake } from '../../../src/protocol/messages/index.js';
import { RawClient } from '../../helpers/raw-client.js';

export const STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
export const QUIET = { error() {}, warn() {}, info() {} };
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** The broker, with `config` on top (more super users, allow.everyone.if.no.acl.found, other listeners). */
export function aclBroker(users: readonly string[], config: Record<string, unknown> = {}): Promise<RunningBroker> {
  const jaas = `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ${users.map((u) => `user_${u}="${u}-secret"`).join(' ')};`;
  return startBroker({
    config: {
      'num.io.threads': 0,
      'console.listener': 'none',
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': jaas,
      'authorizer.class.name': STANDARD_AUTHORIZER,
      'super.users': 'User:admin',
      'group.initial.rebalance.delay.ms': 0,
      ...config,
    },
    logger: QUIET,
  });
}

/** A raw connection logged in as `user` with PLAIN. */
export async function loginPlain(bootstrap: string, user: string): Promise<RawClient> {
  const c = await RawClient.connect(bootstrap);
  assert.is((await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, 0);
  assert.is((await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${user}-secret`) })).errorCode, 0, `login of ${user}`);
  return c;
}

export interface AclSpec {
  resourceType?: number;
  resourceName: string;
  operation: number;
  pattern?: number;
  principal?: string;
  host?: string;
  permission?: number;
}

/** Creates the ACLs (a topic, LITERAL, User:alice, any host, ALLOW unless told otherwise) and asserts each was accepted. */
export async function grantAcls(admin: RawClient, ...acls: AclSpec[]): Promise<void> {
  const r = await admin.request(CreateAcls, 3, {
    creations: acls.map((a) => ({
      resourceType: a.resourceType ?? ResourceType.TOPIC,
      resourceName: a.resourceName,
      resourcePatternType: a.pattern ?? PatternType.LITERAL,
      principal: a.principal ?? 'User:alice',
      host: a.host ?? '*',
      operation: a.operation,
      permissionType: a.permission ?? AclPermissionType.ALLOW,
    })),
  });
  assert.equal(
    r.results.map((x) => x.errorCode),
    acls.map(() => 0),
    `ACLs ${acls.map((a) => `${a.resourceType ?? ResourceType.TOPIC}/${a.resourceName}/${a.operation}`).join(', ')}`,
  );
}

/** A DescribeAcls v3 body matching every ACL. */
export const ALL_ACLS = {
  resourceTypeFilter: ResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: PatternType.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: AclOperation.ANY,
  permissionType: AclPermissionType.ANY,
};

/** A Fetch v12 body reading partition 0 of `topic` from offset 0. */
export function fetchBody(topic: string, replicaId = -1) {
  return {
    replicaId,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    forgottenTopicsData: [],
    rackId: '',
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, fetchOffset: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  };
}
