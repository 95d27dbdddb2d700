/**
 * The console acts as whoever signed in: its Kafka client logs in on a listener of its own as
 * the console's user with the signed-in principal as authzid, so the broker's authorizer rules
 * every page and action as it rules that principal's own client. Pages read from the broker's
 * state (the overview, the transactions) ask the authorizer as the Kafka request reading the
 * same would. The console's listener takes no other login.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AclOperation, PatternType, ResourceType } from '../../src/broker/security/acl.js';
import { CONSOLE_CLIENT_LISTENER, CONSOLE_PROXY_USER } from '../../src/broker/security/console-client.js';
import type { RunningBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { SaslAuthenticate, SaslHandshake } from '../../src/protocol/messages/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { aclBroker, grantAcls, loginPlain } from '../broker/security/helpers.js';

let b: RunningBroker;

const basic = (user: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${user}-secret`).toString('base64')}` });

async function call(method: string, path: string, user: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${b.consoleUrl}${path}`, {
    method,
    headers: { ...basic(user), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const topicNames = async (user: string): Promise<string[]> => {
  const r = await call('GET', '/api/topics', user);
  assert.is(r.status, 200, JSON.stringify(r.json));
  return (r.json.topics as { name: string }[]).map((t) => t.name).sort();
};

test.before(async () => {
  b = await aclBroker(['admin', 'alice', 'bob'], { 'console.listener': 'http://127.0.0.1:0', 'console.authentication': 'basic' });
  const admin = await loginPlain(b.bootstrap, 'admin');
  try {
    await grantAcls(
      admin,
      { resourceName: 'alice-', pattern: PatternType.PREFIXED, operation: AclOperation.ALL },
      { resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster', operation: AclOperation.DESCRIBE },
    );
  } finally {
    admin.close();
  }
});

test.after(() => b.close());

test('topics: each user sees and creates what the authorizer allows that user, a super user everything', async () => {
  assert.is((await call('POST', '/api/topics', 'admin', { name: 'shared', partitions: 1 })).status, 200);
  const created = await call('POST', '/api/topics', 'alice', { name: 'alice-orders', partitions: 1 });
  assert.is(created.status, 200, JSON.stringify(created.json));
  const refused = await call('POST', '/api/topics', 'alice', { name: 'bob-orders', partitions: 1 });
  assert.is(refused.status, 403);
  assert.match(String(refused.json.error), /not authorized|TOPIC_AUTHORIZATION_FAILED/i);
  assert.equal(await topicNames('alice'), ['alice-orders']);
  assert.equal(await topicNames('bob'), []);
  assert.equal(await topicNames('admin'), ['alice-orders', 'shared']);
  const deleted = await call('DELETE', '/api/topics/shared?confirm=shared', 'alice');
  assert.is(deleted.status, 403, `alice may not delete a topic she cannot even see: ${JSON.stringify(deleted.json)}`);
  assert.equal(await topicNames('admin'), ['alice-orders', 'shared']);
});

test('the broker sees each console request as its signed-in principal, on the console listener', async () => {
  await topicNames('alice');
  await topicNames('bob');
  const consoleSessions = b.sessions().filter((s) => s.listener === CONSOLE_CLIENT_LISTENER);
  const principals = new Set(consoleSessions.map((s) => s.principal));
  assert.ok(principals.has('User:alice') && principals.has('User:bob'), [...principals].join(', '));
  assert.not.ok(principals.has(`User:${CONSOLE_PROXY_USER}`));
});

test('the overview needs DESCRIBE on the cluster, as DescribeLogDirs does', async () => {
  assert.is((await call('GET', '/api/overview', 'alice')).status, 200);
  const bob = await call('GET', '/api/overview', 'bob');
  assert.is(bob.status, 403);
  assert.match(String(bob.json.error), /CLUSTER_AUTHORIZATION_FAILED: User:bob may not describe the cluster/);
  assert.is((await call('GET', '/api/overview', 'admin')).status, 200);
});

test('a topic the user may describe but not DESCRIBE_CONFIGS is listed without its settings, and its page shows none', async () => {
  const admin = await loginPlain(b.bootstrap, 'admin');
  try {
    await grantAcls(admin, { resourceName: 'shared', operation: AclOperation.DESCRIBE });
  } finally {
    admin.close();
  }
  const r = await call('GET', '/api/topics', 'alice');
  assert.is(r.status, 200, JSON.stringify(r.json));
  const topics = r.json.topics as { name: string; retentionMs: number | null; cleanupPolicy: string | null }[];
  assert.equal(topics.map((t) => t.name).sort(), ['alice-orders', 'shared']);
  assert.equal(topics.find((t) => t.name === 'shared'), { ...topics.find((t) => t.name === 'shared')!, retentionMs: null, cleanupPolicy: null });
  assert.is(topics.find((t) => t.name === 'alice-orders')!.cleanupPolicy, 'delete');
  const page = await call('GET', '/api/topics/shared', 'alice');
  assert.is(page.status, 200, JSON.stringify(page.json));
  assert.equal(page.json.configs, []);
});

test("the console's listener takes no login but its own: a user's password, or a guess at the console's, fails", async () => {
  const at = b.broker.advertisedByListener.get(CONSOLE_CLIENT_LISTENER)!;
  for (const token of [`\u0000alice\u0000alice-secret`, `alice\u0000${CONSOLE_PROXY_USER}\u0000guess`, `\u0000${CONSOLE_PROXY_USER}\u0000guess`]) {
    const c = await RawClient.connect(`${at.host}:${at.port}`);
    try {
      assert.is((await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
      const r = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(token) });
      assert.is(r.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, JSON.stringify(token));
    } finally {
      c.close();
    }
  }
  // Nor does the console's user sign in to the console.
  assert.is((await fetch(`${b.consoleUrl}/api/overview`, { headers: { authorization: `Basic ${Buffer.from(`${CONSOLE_PROXY_USER}:x`).toString('base64')}` } })).status, 401);
});

test.run();
