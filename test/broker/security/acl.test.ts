// The ACL model against Kafka's own cases: StandardAuthorizerTest (metadata), AuthorizerTest and
// BaseAuthorizerTest (core, the authorizeByResourceType ones), AclControlManagerTest, and a
// randomized check of the index against a plain scan.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../../../src/protocol/errors.js';
import {
  ACL_FILTER_ANY,
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPermissionType,
  AclSet,
  AclValidationError,
  type AuthorizerOptions,
  PatternType,
  ResourceType,
  aclBindingToString,
  aclFilterFor,
  aclFilterMatches,
  authorize,
  authorizeByResourceType,
  fromJson,
  operationFromCode,
  operationName,
  operationPascalName,
  parseAllowEveryoneIfNoAclFound,
  parseOperation,
  parsePatternType,
  parsePermissionType,
  parseResourceType,
  parseSuperUsers,
  patternTypeName,
  permissionTypeName,
  permissionTypePascalName,
  resourceTypeFromCode,
  resourceTypeName,
  resourceTypePascalName,
  toJson,
  validateAclBinding,
  validateAclFilter,
} from '../../../src/broker/security/acl.js';

const { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID } = ResourceType;
const { LITERAL, PREFIXED } = PatternType;
const { ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE } = AclOperation;
const { ALLOW, DENY } = AclPermissionType;

function acl(
  resourceType: AclBinding['resourceType'],
  resourceName: string,
  patternType: AclBinding['patternType'],
  principal: string,
  host: string,
  operation: AclBinding['operation'],
  permission: AclBinding['permission'],
): AclBinding {
  return { resourceType, resourceName, patternType, principal, host, operation, permission };
}

function setOf(...bindings: AclBinding[]): AclSet {
  const set = new AclSet();
  for (const b of bindings) set.add(b);
  return set;
}

const isValidationError = (e: unknown): boolean => e instanceof AclValidationError && e.errorCode === ErrorCode.INVALID_REQUEST;

const SUPERMAN: AuthorizerOptions = { superUsers: new Set(['User:superman']) };

/** authorize() for a User principal from 127.0.0.1 unless told otherwise. */
function check(
  set: AclSet,
  user: string,
  operation: AclBinding['operation'],
  resourceType: AclBinding['resourceType'],
  resourceName: string,
  host = '127.0.0.1',
  options: AuthorizerOptions = SUPERMAN,
): string {
  return authorize(set, { principal: `User:${user}`, host, operation, resourceType, resourceName }, options);
}

// --- enums and names ------------------------------------------------------------------------

test('enum codes are Kafka wire codes', () => {
  assert.equal(
    [ResourceType.UNKNOWN, ResourceType.ANY, TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, ResourceType.DELEGATION_TOKEN, ResourceType.USER],
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.equal([PatternType.UNKNOWN, PatternType.ANY, PatternType.MATCH, LITERAL, PREFIXED], [0, 1, 2, 3, 4]);
  assert.equal(Object.values(AclOperation), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  assert.is(AclOperation.CREATE_TOKENS, 13);
  assert.is(AclOperation.DESCRIBE_TOKENS, 14);
  assert.equal([AclPermissionType.UNKNOWN, AclPermissionType.ANY, DENY, ALLOW], [0, 1, 2, 3]);
});

test('names as Kafka prints them: constant names and SecurityUtils Pascal case', () => {
  assert.is(resourceTypeName(TOPIC), 'TOPIC');
  assert.is(resourceTypeName(TRANSACTIONAL_ID), 'TRANSACTIONAL_ID');
  assert.is(resourceTypePascalName(TOPIC), 'Topic');
  assert.is(resourceTypePascalName(TRANSACTIONAL_ID), 'TransactionalId');
  assert.is(resourceTypePascalName(ResourceType.DELEGATION_TOKEN), 'DelegationToken');
  assert.is(patternTypeName(PREFIXED), 'PREFIXED');
  assert.is(operationName(IDEMPOTENT_WRITE), 'IDEMPOTENT_WRITE');
  assert.is(operationPascalName(IDEMPOTENT_WRITE), 'IdempotentWrite');
  assert.is(operationPascalName(AclOperation.CLUSTER_ACTION), 'ClusterAction');
  assert.is(operationPascalName(READ), 'Read');
  assert.is(permissionTypeName(ALLOW), 'ALLOW');
  assert.is(permissionTypePascalName(ALLOW), 'Allow');
  // A code Kafka does not define reads as UNKNOWN (fromCode).
  assert.is(resourceTypeName(99), 'UNKNOWN');
  assert.is(resourceTypeFromCode(99), ResourceType.UNKNOWN);
  assert.is(operationFromCode(-1), AclOperation.UNKNOWN);
  assert.is(operationFromCode(1.5), AclOperation.UNKNOWN);
});

test('parsing accepts constant names, Pascal case and any case; UNKNOWN otherwise', () => {
  for (const s of ['Topic', 'TOPIC', 'topic', ' Topic ']) assert.is(parseResourceType(s), TOPIC, s);
  for (const s of ['TransactionalId', 'TRANSACTIONAL_ID', 'transactional_id', 'TRANSACTIONALID']) {
    assert.is(parseResourceType(s), TRANSACTIONAL_ID, s);
  }
  for (const s of ['IdempotentWrite', 'IDEMPOTENT_WRITE', 'idempotentwrite', 'idempotent_write']) {
    assert.is(parseOperation(s), IDEMPOTENT_WRITE, s);
  }
  assert.is(parseOperation('DescribeConfigs'), DESCRIBE_CONFIGS);
  assert.is(parseOperation('All'), ALL);
  assert.is(parseOperation('Any'), AclOperation.ANY);
  assert.is(parseOperation('Fly'), AclOperation.UNKNOWN);
  assert.is(parsePermissionType('Allow'), ALLOW);
  assert.is(parsePermissionType('deny'), DENY);
  assert.is(parsePermissionType('maybe'), AclPermissionType.UNKNOWN);
  assert.is(parsePatternType('prefixed'), PREFIXED);
  assert.is(parsePatternType('MATCH'), PatternType.MATCH);
  assert.is(parsePatternType('regex'), PatternType.UNKNOWN);
  assert.is(parseResourceType(''), ResourceType.UNKNOWN);
});

test('aclBindingToString is AclBinding.toString', () => {
  assert.is(
    aclBindingToString(acl(TOPIC, 'foo', LITERAL, 'User:alice', '*', READ, ALLOW)),
    '(pattern=ResourcePattern(resourceType=TOPIC, name=foo, patternType=LITERAL), ' +
      'entry=(principal=User:alice, host=*, operation=READ, permissionType=ALLOW))',
  );
});

// --- authorize ------------------------------------------------------------------------------

test('literal ACL: the named principal on the named resource only', () => {
  const set = setOf(acl(TOPIC, 'foo', LITERAL, 'User:alice', '*', READ, ALLOW));
  assert.is(check(set, 'alice', READ, TOPIC, 'foo'), 'ALLOWED');
  assert.is(check(set, 'bob', READ, TOPIC, 'foo'), 'DENIED');
  assert.is(check(set, 'alice', WRITE, TOPIC, 'foo'), 'DENIED');
  assert.is(check(set, 'alice', READ, TOPIC, 'foobar'), 'DENIED', 'a literal name is not a prefix');
  assert.is(check(set, 'alice', READ, TOPIC, 'fo'), 'DENIED');
  assert.is(check(set, 'alice', READ, GROUP, 'foo'), 'DENIED', 'another resource type');
});

test('testSimpleAuthorizations', () => {
  const bob = (op: AclBinding['operation'], p: AclBinding['permission']) => acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', op, p);
  const bar = (op: AclBinding['operation'], p: AclBinding['permission']) => acl(GROUP, 'bar', LITERAL, 'User:*', '*', op, p);
  const set = setOf(bob(READ, ALLOW), bob(WRITE, ALLOW), bar(DESCRIBE_CONFIGS, ALLOW), bar(ALTER_CONFIGS, ALLOW));
  assert.is(check(set, 'bob', READ, TOPIC, 'foo_'), 'ALLOWED');
  assert.is(check(set, 'fred', ALTER_CONFIGS, GROUP, 'bar'), 'ALLOWED');
});

test('testPrefixAcls: prefixed patterns, with literals among them', () => {
  const set = setOf(
    acl(TOPIC, 'fooa', PREFIXED, 'User:alice', '*', ALL, ALLOW),
    acl(TOPIC, 'foobar', LITERAL, 'User:bob', '*', ALL, ALLOW),
    acl(TOPIC, 'f', PREFIXED, 'User:bob', '*', ALL, ALLOW),
  );
  assert.equal(
    [check(set, 'bob', WRITE, TOPIC, 'foobarr'), check(set, 'bob', READ, TOPIC, 'goobar'), check(set, 'bob', READ, TOPIC, 'fooa')],
    ['ALLOWED', 'DENIED', 'ALLOWED'],
  );
  assert.equal(
    [check(set, 'alice', DESCRIBE, TOPIC, 'fooa'), check(set, 'alice', WRITE, TOPIC, 'bar'), check(set, 'alice', READ, TOPIC, 'baz')],
    ['ALLOWED', 'DENIED', 'DENIED'],
  );
});

test('testSingleCharacterResourceAcls', () => {
  const allowRead = (name: string, p: AclBinding['patternType']) => acl(TOPIC, name, p, 'User:alice', '*', READ, ALLOW);
  const set = setOf(allowRead('f', LITERAL));
  assert.is(check(set, 'alice', READ, TOPIC, 'f'), 'ALLOWED');
  assert.is(check(set, 'alice', READ, TOPIC, 'foo'), 'DENIED');
  set.add(allowRead('_', PREFIXED));
  assert.is(check(set, 'alice', READ, TOPIC, '_foo'), 'ALLOWED');
  assert.is(check(set, 'alice', READ, TOPIC, '_'), 'ALLOWED', 'a prefix matches the name equal to it');
  assert.is(check(set, 'alice', READ, TOPIC, 'foo_'), 'DENIED');
});

test('the literal name "*" matches every name of its type; a prefixed "*" is just a prefix', () => {
  const set = setOf(acl(TOPIC, '*', LITERAL, 'User:alice', '*', READ, ALLOW));
  assert.is(check(set, 'alice', READ, TOPIC, 'anything'), 'ALLOWED');
  assert.is(check(set, 'alice', READ, TOPIC, '*'), 'ALLOWED');
  assert.is(check(set, 'alice', READ, GROUP, 'anything'), 'DENIED');
  const prefixed = setOf(acl(TOPIC, '*', PREFIXED, 'User:alice', '*', READ, ALLOW));
  assert.is(check(prefixed, 'alice', READ, TOPIC, 'anything'), 'DENIED');
  assert.is(check(prefixed, 'alice', READ, TOPIC, '*star'), 'ALLOWED');
});

test('the wildcard principal User:* matches every principal, of any type', () => {
  const set = setOf(acl(GROUP, 'bar', LITERAL, 'User:*', '*', READ, ALLOW));
  assert.is(check(set, 'alice', READ, GROUP, 'bar'), 'ALLOWED');
  assert.is(check(set, 'bob', READ, GROUP, 'bar'), 'ALLOWED');
  assert.is(authorize(set, { principal: 'Service:x', host: '1.2.3.4', operation: READ, resourceType: GROUP, resourceName: 'bar' }), 'ALLOWED');
  // Only User:* is the wildcard.
  const other = setOf(acl(GROUP, 'bar', LITERAL, 'Service:*', '*', READ, ALLOW));
  assert.is(authorize(other, { principal: 'Service:x', host: '1.2.3.4', operation: READ, resourceType: GROUP, resourceName: 'bar' }), 'DENIED');
  // testFindResultPrincipalMatching: a wildcard DENY applies to anyone.
  const deny = setOf(acl(GROUP, 'bar', LITERAL, 'User:*', '*', READ, DENY), acl(GROUP, 'bar', LITERAL, 'User:alice', '*', READ, ALLOW));
  assert.is(check(deny, 'alice', READ, GROUP, 'bar'), 'DENIED');
});

test('testHostAddressAclValidation: host match and mismatch', () => {
  const local = '127.0.0.1';
  const host1 = '192.168.1.1';
  const host2 = '192.168.1.2';
  const set = setOf(
    acl(TOPIC, 'foo', LITERAL, 'User:alice', host1, READ, DENY),
    acl(TOPIC, 'foo', LITERAL, 'User:alice', '*', READ, ALLOW),
    acl(TOPIC, 'bar', LITERAL, 'User:bob', host2, READ, ALLOW),
    acl(TOPIC, 'bar', LITERAL, 'User:*', local, DESCRIBE, ALLOW),
  );
  const all = (user: string, host: string) => [
    check(set, user, READ, TOPIC, 'foo', host),
    check(set, user, READ, TOPIC, 'bar', host),
    check(set, user, DESCRIBE, TOPIC, 'bar', host),
  ];
  assert.equal(all('alice', local), ['ALLOWED', 'DENIED', 'ALLOWED']);
  assert.equal(all('alice', host1), ['DENIED', 'DENIED', 'DENIED']);
  assert.equal(all('alice', host2), ['ALLOWED', 'DENIED', 'DENIED']);
  assert.equal(all('bob', local), ['DENIED', 'DENIED', 'ALLOWED']);
  assert.equal(all('bob', host1), ['DENIED', 'DENIED', 'DENIED']);
  assert.equal(all('bob', host2), ['DENIED', 'ALLOWED', 'ALLOWED']);
});

test('testDenyPrecedenceWithOperationAll', () => {
  const set = setOf(
    acl(TOPIC, 'foo', LITERAL, 'User:alice', '*', ALL, DENY),
    acl(TOPIC, 'foo', PREFIXED, 'User:alice', '*', READ, ALLOW),
    acl(TOPIC, 'foo', LITERAL, 'User:*', '*', ALL, DENY),
    acl(TOPIC, 'foo', PREFIXED, 'User:*', '*', DESCRIBE, ALLOW),
  );
  assert.equal(
    [
      check(set, 'alice', WRITE, TOPIC, 'foo'),
      check(set, 'alice', READ, TOPIC, 'foo'),
      check(set, 'alice', DESCRIBE, TOPIC, 'foo'),
      check(set, 'alice', READ, TOPIC, 'foobar'),
    ],
    ['DENIED', 'DENIED', 'DENIED', 'ALLOWED'],
  );
  assert.equal(
    [
      check(set, 'bob', DESCRIBE, TOPIC, 'foo'),
      check(set, 'bob', READ, TOPIC, 'foo'),
      check(set, 'bob', WRITE, TOPIC, 'foo'),
      check(set, 'bob', DESCRIBE, TOPIC, 'foobaz'),
      check(set, 'bob', READ, TOPIC, 'foobaz'),
    ],
    ['DENIED', 'DENIED', 'DENIED', 'ALLOWED', 'DENIED'],
  );
});

test('deny beats allow: same resource, wildcard resource, prefixed deny over literal allow', () => {
  const allow = acl(TOPIC, 'orders', LITERAL, 'User:alice', '*', WRITE, ALLOW);
  assert.is(check(setOf(allow), 'alice', WRITE, TOPIC, 'orders'), 'ALLOWED');
  assert.is(check(setOf(allow, acl(TOPIC, 'orders', LITERAL, 'User:alice', '*', WRITE, DENY)), 'alice', WRITE, TOPIC, 'orders'), 'DENIED');
  assert.is(check(setOf(allow, acl(TOPIC, '*', LITERAL, 'User:alice', '*', WRITE, DENY)), 'alice', WRITE, TOPIC, 'orders'), 'DENIED');
  assert.is(check(setOf(allow, acl(TOPIC, 'ord', PREFIXED, 'User:*', '*', WRITE, DENY)), 'alice', WRITE, TOPIC, 'orders'), 'DENIED');
  assert.is(check(setOf(allow, acl(TOPIC, 'orders', LITERAL, 'User:alice', '10.0.0.1', WRITE, DENY)), 'alice', WRITE, TOPIC, 'orders', '10.0.0.1'), 'DENIED');
  // The other way round: a wildcard allow does not beat a literal deny.
  const set = setOf(acl(TOPIC, '*', LITERAL, 'User:*', '*', ALL, ALLOW), acl(TOPIC, 'secret', LITERAL, 'User:*', '*', READ, DENY));
  assert.is(check(set, 'alice', READ, TOPIC, 'secret'), 'DENIED');
  assert.is(check(set, 'alice', READ, TOPIC, 'public'), 'ALLOWED');
  assert.is(check(set, 'alice', WRITE, TOPIC, 'secret'), 'ALLOWED', 'the deny is for READ only');
  // A deny for a different host, principal or operation is not in the way.
  assert.is(check(setOf(allow, acl(TOPIC, 'orders', LITERAL, 'User:alice', '10.0.0.1', WRITE, DENY)), 'alice', WRITE, TOPIC, 'orders'), 'ALLOWED');
  assert.is(check(setOf(allow, acl(TOPIC, 'orders', LITERAL, 'User:bob', '*', WRITE, DENY)), 'alice', WRITE, TOPIC, 'orders'), 'ALLOWED');
});

test('testTopicAclWithOperationAll', () => {
  const set = setOf(
    acl(TOPIC, 'foo', LITERAL, 'User:*', '*', ALL, ALLOW),
    acl(TOPIC, 'bar', PREFIXED, 'User:alice', '*', ALL, ALLOW),
    acl(TOPIC, 'baz', LITERAL, 'User:bob', '*', ALL, ALLOW),
  );
  assert.equal([check(set, 'alice', WRITE, TOPIC, 'foo'), check(set, 'alice', DESCRIBE_CONFIGS, TOPIC, 'bar'), check(set, 'alice', DESCRIBE, TOPIC, 'baz')], [
    'ALLOWED',
    'ALLOWED',
    'DENIED',
  ]);
  assert.equal([check(set, 'bob', WRITE, TOPIC, 'foo'), check(set, 'bob', READ, TOPIC, 'bar'), check(set, 'bob', DESCRIBE, TOPIC, 'baz')], [
    'ALLOWED',
    'DENIED',
    'ALLOWED',
  ]);
  assert.equal([check(set, 'malory', DESCRIBE, TOPIC, 'foo'), check(set, 'malory', WRITE, TOPIC, 'bar'), check(set, 'malory', READ, TOPIC, 'baz')], [
    'ALLOWED',
    'DENIED',
    'DENIED',
  ]);
});

test('testAuthorizationWithManyAcls', () => {
  const set = setOf(
    acl(TOPIC, 'green2', LITERAL, 'User:*', '*', READ, ALLOW),
    acl(TOPIC, 'green', PREFIXED, 'User:bob', '*', READ, ALLOW),
    acl(TOPIC, 'betamax4', LITERAL, 'User:bob', '*', READ, ALLOW),
    acl(TOPIC, 'betamax', LITERAL, 'User:bob', '*', READ, ALLOW),
    acl(TOPIC, 'beta', PREFIXED, 'User:*', '*', READ, ALLOW),
    acl(TOPIC, 'alpha', PREFIXED, 'User:*', '*', READ, ALLOW),
    acl(TOPIC, 'alp', PREFIXED, 'User:bob', '*', READ, DENY),
    acl(GROUP, '*', LITERAL, 'User:bob', '*', WRITE, ALLOW),
    acl(GROUP, 'wheel', LITERAL, 'User:*', '*', WRITE, DENY),
  );
  assert.equal([check(set, 'bob', READ, TOPIC, 'green1'), check(set, 'bob', WRITE, GROUP, 'wheel')], ['ALLOWED', 'DENIED']);
  assert.equal([check(set, 'bob', READ, TOPIC, 'alpha'), check(set, 'bob', WRITE, GROUP, 'arbitrary'), check(set, 'bob', READ, TOPIC, 'ala')], [
    'DENIED',
    'ALLOWED',
    'DENIED',
  ]);
  assert.is(check(set, 'alice', READ, TOPIC, 'alpha'), 'ALLOWED', "bob's prefixed deny is bob's");
  assert.is(check(set, 'alice', READ, TOPIC, 'betamax4'), 'ALLOWED', 'beta* for everyone');
});

test('testFindResultImplication: what an ALLOW implies, and that a DENY implies nothing', () => {
  const foo = (op: AclBinding['operation'], p: AclBinding['permission']) => setOf(acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', op, p));
  for (const op of [DESCRIBE, READ, WRITE, DELETE, ALTER]) {
    assert.is(check(foo(op, ALLOW), 'bob', DESCRIBE, TOPIC, 'foo_bar'), 'ALLOWED', `ALLOW ${operationName(op)} implies DESCRIBE`);
  }
  assert.is(check(foo(CREATE, ALLOW), 'bob', DESCRIBE, TOPIC, 'foo_bar'), 'DENIED', 'CREATE does not imply DESCRIBE');
  assert.is(check(foo(DESCRIBE, ALLOW), 'bob', READ, TOPIC, 'foo_bar'), 'DENIED', 'DESCRIBE does not imply READ');
  for (const op of [DESCRIBE_CONFIGS, ALTER_CONFIGS]) {
    assert.is(check(foo(op, ALLOW), 'bob', DESCRIBE_CONFIGS, TOPIC, 'foo_bar'), 'ALLOWED', `ALLOW ${operationName(op)} implies DESCRIBE_CONFIGS`);
  }
  assert.is(check(foo(ALTER_CONFIGS, ALLOW), 'bob', DESCRIBE, TOPIC, 'foo_bar'), 'DENIED', 'ALTER_CONFIGS does not imply DESCRIBE');
  assert.is(check(foo(DESCRIBE_CONFIGS, ALLOW), 'bob', ALTER_CONFIGS, TOPIC, 'foo_bar'), 'DENIED');

  // A DENY for READ (WRITE, DELETE, ALTER) does not deny DESCRIBE: with an ALLOW for the
  // operation next to it, DESCRIBE is still allowed through the ALLOW's implication.
  for (const op of [READ, WRITE, DELETE, ALTER]) {
    const set = setOf(acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', op, ALLOW), acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', op, DENY));
    assert.is(check(set, 'bob', op, TOPIC, 'foo_bar'), 'DENIED');
    assert.is(check(set, 'bob', DESCRIBE, TOPIC, 'foo_bar'), 'ALLOWED', `DENY ${operationName(op)} leaves DESCRIBE`);
  }
  const configs = setOf(acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', ALTER_CONFIGS, ALLOW), acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', ALTER_CONFIGS, DENY));
  assert.is(check(configs, 'bob', DESCRIBE_CONFIGS, TOPIC, 'foo_bar'), 'ALLOWED', 'DENY ALTER_CONFIGS leaves DESCRIBE_CONFIGS');
  // And a DENY for DESCRIBE denies exactly DESCRIBE, not READ.
  const describe = setOf(acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', READ, ALLOW), acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', DESCRIBE, DENY));
  assert.is(check(describe, 'bob', DESCRIBE, TOPIC, 'foo_bar'), 'DENIED');
  assert.is(check(describe, 'bob', READ, TOPIC, 'foo_bar'), 'ALLOWED', 'DENY DESCRIBE does not deny READ');
});

test('testAclInheritance: ALL allows and denies every operation', () => {
  const ops = [READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, AclOperation.CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS];
  const allow = setOf(acl(CLUSTER, 'kafka-cluster', LITERAL, 'User:alice', '*', ALL, ALLOW));
  const deny = setOf(acl(CLUSTER, 'kafka-cluster', LITERAL, 'User:alice', '*', ALL, ALLOW), acl(CLUSTER, 'kafka-cluster', LITERAL, 'User:alice', '*', ALL, DENY));
  for (const op of ops) {
    assert.is(check(allow, 'alice', op, CLUSTER, 'kafka-cluster'), 'ALLOWED', operationName(op));
    assert.is(check(deny, 'alice', op, CLUSTER, 'kafka-cluster'), 'DENIED', operationName(op));
  }
  // Each other ALLOW: itself and what it implies, nothing else.
  const implied: [AclBinding['operation'], AclBinding['operation'][]][] = [
    [READ, [READ, DESCRIBE]],
    [WRITE, [WRITE, DESCRIBE]],
    [DELETE, [DELETE, DESCRIBE]],
    [ALTER, [ALTER, DESCRIBE]],
    [DESCRIBE, [DESCRIBE]],
    [ALTER_CONFIGS, [ALTER_CONFIGS, DESCRIBE_CONFIGS]],
    [DESCRIBE_CONFIGS, [DESCRIBE_CONFIGS]],
    [IDEMPOTENT_WRITE, [IDEMPOTENT_WRITE]],
  ];
  for (const [parent, allowed] of implied) {
    const set = setOf(acl(CLUSTER, 'kafka-cluster', LITERAL, 'User:alice', '*', parent, ALLOW));
    for (const op of ops) {
      assert.is(check(set, 'alice', op, CLUSTER, 'kafka-cluster'), allowed.includes(op) ? 'ALLOWED' : 'DENIED', `${operationName(parent)} → ${operationName(op)}`);
    }
  }
});

test('super users bypass every ACL, deny included; the match is on the exact principal string', () => {
  const set = setOf(acl(TOPIC, '*', LITERAL, 'User:*', '*', ALL, DENY), acl(CLUSTER, 'kafka-cluster', LITERAL, 'User:*', '*', ALL, DENY));
  assert.is(check(set, 'superman', WRITE, TOPIC, 'foo'), 'ALLOWED');
  assert.is(check(set, 'superman', ALTER, CLUSTER, 'kafka-cluster'), 'ALLOWED');
  assert.is(check(set, 'superman', READ, GROUP, 'no-acls-here'), 'ALLOWED', 'also where no ACL applies and the default is deny');
  assert.is(check(set, 'Superman', WRITE, TOPIC, 'foo'), 'DENIED');
  assert.is(check(set, 'alice', WRITE, TOPIC, 'foo'), 'DENIED');
  assert.is(check(new AclSet(), 'alice', WRITE, TOPIC, 'foo', '127.0.0.1', {}), 'DENIED');
});

test('allow.everyone.if.no.acl.found: only when no ACL at all applies to the resource', () => {
  const on: AuthorizerOptions = { superUsers: new Set(['User:alice', 'User:chris']), allowEveryoneIfNoAclFound: true };
  const off: AuthorizerOptions = { superUsers: new Set(['User:alice', 'User:chris']), allowEveryoneIfNoAclFound: false };
  // testAllowEveryoneIfNoAclFoundConfigEnabled / Disabled (the ACL's principal is User:Alice).
  const set = setOf(acl(TOPIC, 'topic1', LITERAL, 'User:Alice', '*', READ, ALLOW));
  assert.is(check(set, 'Bob', READ, TOPIC, 'topic1', '127.0.0.1', on), 'DENIED', "an ACL for someone else turns the default off");
  assert.is(check(set, 'Bob', READ, TOPIC, 'topic2', '127.0.0.1', on), 'ALLOWED');
  assert.is(check(set, 'Bob', READ, TOPIC, 'topic1', '127.0.0.1', off), 'DENIED');
  assert.is(check(set, 'Bob', READ, TOPIC, 'topic2', '127.0.0.1', off), 'DENIED');
  assert.is(check(new AclSet(), 'Bob', READ, TOPIC, 'x', '127.0.0.1', {}), 'DENIED', 'the default default is deny');
  // Any ACL that applies to the resource counts: other host, other operation, a DENY, a prefix, the wildcard.
  const counts = [
    acl(TOPIC, 'topic2', LITERAL, 'User:Bob', '10.9.9.9', READ, ALLOW),
    acl(TOPIC, 'topic2', LITERAL, 'User:Bob', '*', WRITE, ALLOW),
    acl(TOPIC, 'topic2', LITERAL, 'User:Carol', '*', READ, DENY),
    acl(TOPIC, 'top', PREFIXED, 'User:Carol', '*', READ, ALLOW),
    acl(TOPIC, '*', LITERAL, 'User:Carol', '*', READ, ALLOW),
  ];
  for (const b of counts) assert.is(check(setOf(b), 'Bob', READ, TOPIC, 'topic2', '127.0.0.1', on), 'DENIED', aclBindingToString(b));
  // ACLs that do not apply to it leave the default on.
  const apart = [
    acl(GROUP, 'topic2', LITERAL, 'User:Carol', '*', READ, ALLOW),
    acl(TOPIC, 'topic22', PREFIXED, 'User:Carol', '*', READ, ALLOW),
    acl(TOPIC, 'topic', LITERAL, 'User:Carol', '*', READ, ALLOW),
  ];
  for (const b of apart) assert.is(check(setOf(b), 'Bob', READ, TOPIC, 'topic2', '127.0.0.1', on), 'ALLOWED', aclBindingToString(b));
});

test('parseSuperUsers and parseAllowEveryoneIfNoAclFound read the configs as Kafka does', () => {
  assert.equal(parseSuperUsers(undefined), new Set());
  assert.equal(parseSuperUsers(' '), new Set());
  assert.equal(parseSuperUsers('User:bob;User:alice '), new Set(['User:bob', 'User:alice']));
  assert.equal(parseSuperUsers(';  User:bob  ;  User:alice '), new Set(['User:bob', 'User:alice']));
  assert.throws(() => parseSuperUsers('bob;:alice'), /expected a string in format principalType:principalName but got bob/);
  assert.equal(parseSuperUsers(':alice'), new Set([':alice']), 'Kafka splits at the first colon and accepts an empty type');
  assert.is(parseAllowEveryoneIfNoAclFound(undefined), false);
  assert.is(parseAllowEveryoneIfNoAclFound('true'), true);
  assert.is(parseAllowEveryoneIfNoAclFound(' TRUE '), true);
  assert.is(parseAllowEveryoneIfNoAclFound('false'), false);
  assert.is(parseAllowEveryoneIfNoAclFound('yes'), false);
  assert.is(parseAllowEveryoneIfNoAclFound(true), true);
});

// --- the set: add, describe, remove -----------------------------------------------------------

test('add deduplicates; stored bindings are frozen copies', () => {
  const set = new AclSet();
  const b = acl(TOPIC, 'foo', LITERAL, 'User:alice', '*', READ, ALLOW);
  assert.is(set.add(b), true);
  assert.is(set.add({ ...b }), false);
  assert.is(set.size, 1);
  assert.ok(set.has(b));
  assert.is(set.add({ ...b, host: '10.0.0.1' }), true);
  assert.is(set.size, 2);
  const [stored] = set.describe(aclFilterFor(b));
  assert.equal(stored, b);
  assert.ok(Object.isFrozen(stored));
  assert.throws(() => set.add({ ...b, patternType: PatternType.MATCH }), (e: unknown) => e instanceof AclValidationError && e.errorCode === ErrorCode.INVALID_REQUEST);
  assert.throws(() => set.add({ ...b, principal: 'alice' }), isValidationError);
  assert.throws(() => set.add({ ...b, resourceName: '' }), isValidationError);
  assert.is(set.size, 2);
});

test('testListAcls: describe in Kafka order, by type filter, after a removal', () => {
  const set = new AclSet();
  const foo = [acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', READ, ALLOW), acl(TOPIC, 'foo_', PREFIXED, 'User:bob', '*', WRITE, ALLOW)];
  const bar = [acl(GROUP, 'bar', LITERAL, 'User:*', '*', DESCRIBE_CONFIGS, DENY), acl(GROUP, 'bar', LITERAL, 'User:*', '*', ALTER_CONFIGS, DENY)];
  for (const b of [bar[1]!, foo[1]!, bar[0]!, foo[0]!]) set.add(b);
  assert.equal(set.describe(ACL_FILTER_ANY), [foo[0], foo[1], bar[0], bar[1]]);
  assert.equal(set.all(), [foo[0], foo[1], bar[0], bar[1]]);
  assert.equal(set.remove(aclFilterFor(foo[1]!)), [foo[1]]);
  assert.equal(set.describe({}), [foo[0], bar[0], bar[1]]);
  assert.equal(set.describe({ resourceType: TOPIC, patternType: PatternType.ANY }), [foo[0]]);
});

test('describe orders names in reverse, then pattern type, operation, principal, host', () => {
  const set = setOf(
    acl(TOPIC, 'a', LITERAL, 'User:b', '*', READ, ALLOW),
    acl(TOPIC, 'b', LITERAL, 'User:a', '*', READ, ALLOW),
    acl(TOPIC, 'ab', PREFIXED, 'User:a', '*', READ, ALLOW),
    acl(TOPIC, 'ab', LITERAL, 'User:a', '*', WRITE, ALLOW),
    acl(TOPIC, 'ab', LITERAL, 'User:a', '*', READ, ALLOW),
    acl(TOPIC, 'a', LITERAL, 'User:a', 'h2', READ, ALLOW),
    acl(TOPIC, 'a', LITERAL, 'User:a', 'h1', READ, ALLOW),
  );
  assert.equal(
    set.all().map((b) => `${b.resourceName} ${patternTypeName(b.patternType)} ${operationName(b.operation)} ${b.principal} ${b.host}`),
    [
      'b LITERAL READ User:a *',
      'ab LITERAL READ User:a *',
      'ab LITERAL WRITE User:a *',
      'ab PREFIXED READ User:a *',
      'a LITERAL READ User:a h1',
      'a LITERAL READ User:a h2',
      'a LITERAL READ User:b *',
    ],
  );
});

function fixture(): { set: AclSet; lit: AclBinding; wild: AclBinding; pre: AclBinding; preLong: AclBinding; other: AclBinding; preSame: AclBinding; group: AclBinding } {
  const lit = acl(TOPIC, 'foobar', LITERAL, 'User:alice', '*', READ, ALLOW);
  const wild = acl(TOPIC, '*', LITERAL, 'User:bob', '*', WRITE, DENY);
  const pre = acl(TOPIC, 'foo', PREFIXED, 'User:alice', '10.0.0.1', READ, ALLOW);
  const preLong = acl(TOPIC, 'foobarbaz', PREFIXED, 'User:alice', '*', READ, ALLOW);
  const other = acl(TOPIC, 'foo', LITERAL, 'User:alice', '*', DESCRIBE, ALLOW);
  const preSame = acl(TOPIC, 'foobar', PREFIXED, 'User:carol', '*', ALL, ALLOW);
  const group = acl(GROUP, 'foobar', LITERAL, 'User:alice', '*', READ, ALLOW);
  return { set: setOf(lit, wild, pre, preLong, other, preSame, group), lit, wild, pre, preLong, other, preSame, group };
}

test('filters: ANY, exact pattern types, MATCH, and the entry fields', () => {
  const { set, lit, wild, pre, preLong, other, preSame, group } = fixture();
  const names = (f: AclBindingFilter) => new Set(set.describe(f));
  // ANY pattern with a name: bindings of exactly that name, literal or prefixed; not the wildcard.
  assert.equal(names({ resourceType: TOPIC, resourceName: 'foobar', patternType: PatternType.ANY }), new Set([lit, preSame]));
  assert.equal(names({ resourceType: TOPIC, resourceName: 'foobar', patternType: LITERAL }), new Set([lit]));
  assert.equal(names({ resourceType: TOPIC, resourceName: 'foobar', patternType: PREFIXED }), new Set([preSame]));
  assert.equal(names({ resourceType: TOPIC, resourceName: '*', patternType: LITERAL }), new Set([wild]));
  // MATCH: what applies to a resource named foobar — the literal, the wildcard, prefixes of it.
  assert.equal(names({ resourceType: TOPIC, resourceName: 'foobar', patternType: PatternType.MATCH }), new Set([lit, wild, pre, preSame]));
  assert.ok(!names({ resourceType: TOPIC, resourceName: 'foobar', patternType: PatternType.MATCH }).has(preLong), 'a longer prefix does not match');
  assert.ok(!names({ resourceType: TOPIC, resourceName: 'foobar', patternType: PatternType.MATCH }).has(other), 'nor a literal prefix');
  assert.equal(names({ resourceType: TOPIC, resourceName: 'x', patternType: PatternType.MATCH }), new Set([wild]));
  assert.equal(names({ resourceType: ResourceType.ANY, resourceName: 'foobar', patternType: PatternType.MATCH }), new Set([lit, wild, pre, preSame, group]));
  // MATCH without a name: every binding of the type.
  assert.is(set.describe({ resourceType: TOPIC, patternType: PatternType.MATCH }).length, 6);
  // No name: all of the type and pattern.
  assert.equal(names({ resourceType: TOPIC, patternType: PREFIXED }), new Set([pre, preLong, preSame]));
  assert.equal(names({ resourceType: GROUP }), new Set([group]));
  // Entry fields.
  assert.equal(names({ principal: 'User:bob' }), new Set([wild]));
  assert.equal(names({ host: '10.0.0.1' }), new Set([pre]));
  assert.equal(names({ operation: DESCRIBE }), new Set([other]));
  assert.equal(names({ operation: ALL }), new Set([preSame]), 'the filter operation is exact: ALL is not a wildcard');
  assert.equal(names({ permission: DENY }), new Set([wild]));
  assert.equal(names({ principal: 'User:*' }), new Set(), 'a principal filter is exact too');
  assert.equal(names({ resourceType: TOPIC, resourceName: 'foobar', patternType: PatternType.MATCH, principal: 'User:alice', operation: READ }), new Set([lit, pre]));
  // An UNKNOWN field matches nothing.
  assert.equal(set.describe({ resourceType: ResourceType.UNKNOWN }), []);
  assert.equal(set.describe({ patternType: PatternType.UNKNOWN }), []);
  assert.equal(set.describe({ operation: AclOperation.UNKNOWN }), []);
  assert.equal(set.describe({ permission: AclPermissionType.UNKNOWN }), []);
  assert.ok(aclFilterMatches(aclFilterFor(lit), lit));
  assert.ok(!aclFilterMatches(aclFilterFor(lit), preSame));
});

test('validateAclFilter refuses UNKNOWN fields as the controller does', () => {
  assert.is(validateAclFilter(ACL_FILTER_ANY), null);
  assert.is(validateAclFilter({}), null);
  assert.is(validateAclFilter({ patternType: PatternType.MATCH, resourceName: 'x' }), null);
  assert.equal(validateAclFilter({ resourceType: ResourceType.UNKNOWN }), { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown patternFilter.' });
  assert.equal(validateAclFilter({ patternType: 77 as PatternType }), { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown patternFilter.' });
  assert.equal(validateAclFilter({ operation: AclOperation.UNKNOWN }), { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown entryFilter.' });
  assert.equal(validateAclFilter({ permission: AclPermissionType.UNKNOWN }), { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown entryFilter.' });
});

test('testDeleteAclOnPrefixedResource / wildcard: delete by filter, per filter, and authorization follows', () => {
  const { set, lit, wild, pre, preSame } = fixture();
  const before = set.size;
  // Two filters selecting the same binding both report it (each sees the set before the request).
  const results = set.removeAll([
    { resourceType: TOPIC, resourceName: 'foobar', patternType: PatternType.MATCH, principal: 'User:alice', operation: READ },
    aclFilterFor(lit),
    { resourceType: TOPIC, resourceName: 'nothing', patternType: LITERAL },
  ]);
  assert.equal(new Set(results[0]), new Set([lit, pre]));
  assert.equal(results[1], [lit]);
  assert.equal(results[2], []);
  assert.is(set.size, before - 2);
  assert.ok(!set.has(lit) && !set.has(pre));
  assert.is(check(set, 'alice', READ, TOPIC, 'foobar', '10.0.0.1'), 'DENIED', 'the removed allows no longer allow');
  assert.is(check(set, 'carol', READ, TOPIC, 'foobar'), 'ALLOWED', 'the others still apply');
  // Remove the wildcard deny: bob's writes go back to the default.
  assert.equal(set.remove({ resourceType: TOPIC, resourceName: '*', patternType: LITERAL }), [wild]);
  assert.is(check(set, 'bob', WRITE, TOPIC, 'unrelated', '127.0.0.1', { allowEveryoneIfNoAclFound: true }), 'ALLOWED');
  assert.equal(set.remove({ resourceType: TOPIC, resourceName: 'foobar', patternType: PREFIXED }), [preSame]);
  // Delete everything.
  const rest = set.size;
  assert.ok(rest > 0);
  assert.is(set.remove(ACL_FILTER_ANY).length, rest);
  assert.is(set.size, 0);
  assert.is(check(set, 'carol', READ, TOPIC, 'foobar', '127.0.0.1', { allowEveryoneIfNoAclFound: true }), 'ALLOWED', 'an emptied set has no ACLs left');
});

test('removing prefixed bindings keeps the other prefixes along the same path', () => {
  const a = acl(TOPIC, 'a', PREFIXED, 'User:x', '*', READ, ALLOW);
  const abc = acl(TOPIC, 'abc', PREFIXED, 'User:x', '*', WRITE, ALLOW);
  const abd = acl(TOPIC, 'abd', PREFIXED, 'User:x', '*', DELETE, ALLOW);
  const set = setOf(a, abc, abd);
  set.remove(aclFilterFor(abc));
  assert.is(check(set, 'x', READ, TOPIC, 'abcz'), 'ALLOWED');
  assert.is(check(set, 'x', WRITE, TOPIC, 'abcz'), 'DENIED');
  assert.is(check(set, 'x', DELETE, TOPIC, 'abdz'), 'ALLOWED');
  set.remove(aclFilterFor(a));
  assert.is(check(set, 'x', READ, TOPIC, 'abdz'), 'DENIED');
  assert.is(check(set, 'x', DELETE, TOPIC, 'abdz'), 'ALLOWED');
  set.add(abc);
  assert.is(check(set, 'x', WRITE, TOPIC, 'abc'), 'ALLOWED');
});

// --- CreateAcls validation ----------------------------------------------------------------------

test('validateAclBinding: Kafka codes and messages', () => {
  const ok = acl(TOPIC, 'foo', LITERAL, 'User:alice', '*', READ, ALLOW);
  const err = (errorMessage: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
  assert.is(validateAclBinding(ok), null);
  assert.equal(validateAclBinding({ ...ok, resourceType: ResourceType.UNKNOWN }), err('Invalid resourceType UNKNOWN'));
  assert.equal(validateAclBinding({ ...ok, resourceType: ResourceType.ANY }), err('Invalid resourceType ANY'));
  assert.equal(validateAclBinding({ ...ok, resourceType: 42 as ResourceType }), err('Invalid resourceType UNKNOWN'));
  assert.equal(validateAclBinding({ ...ok, patternType: PatternType.UNKNOWN }), err('Invalid patternType UNKNOWN'));
  assert.equal(validateAclBinding({ ...ok, patternType: PatternType.ANY }), err('Invalid patternType ANY'));
  assert.equal(validateAclBinding({ ...ok, patternType: PatternType.MATCH }), err('Invalid patternType MATCH'));
  assert.equal(validateAclBinding({ ...ok, operation: AclOperation.UNKNOWN }), err('Invalid operation UNKNOWN'));
  assert.equal(validateAclBinding({ ...ok, operation: AclOperation.ANY }), err('Invalid operation ANY'));
  assert.equal(validateAclBinding({ ...ok, permission: AclPermissionType.UNKNOWN }), err('Invalid permissionType UNKNOWN'));
  assert.equal(validateAclBinding({ ...ok, permission: AclPermissionType.ANY }), err('Invalid permissionType ANY'));
  assert.equal(validateAclBinding({ ...ok, resourceName: '' }), err('Invalid empty resource name'));
  // CLUSTER: only kafka-cluster, checked before the empty name (AclApis' order).
  assert.is(validateAclBinding({ ...ok, resourceType: CLUSTER, resourceName: 'kafka-cluster' }), null);
  assert.equal(validateAclBinding({ ...ok, resourceType: CLUSTER, resourceName: 'other' }), err('The only valid name for the CLUSTER resource is kafka-cluster'));
  assert.equal(validateAclBinding({ ...ok, resourceType: CLUSTER, resourceName: '*' }), err('The only valid name for the CLUSTER resource is kafka-cluster'));
  assert.equal(validateAclBinding({ ...ok, resourceType: CLUSTER, resourceName: '' }), err('The only valid name for the CLUSTER resource is kafka-cluster'));
  assert.equal(
    validateAclBinding({ ...ok, resourceType: CLUSTER, resourceName: 'kafka-cluster', patternType: PREFIXED }),
    null,
    'Kafka takes a PREFIXED kafka-cluster too',
  );
  // The enums come first.
  assert.equal(validateAclBinding({ ...ok, resourceName: '', operation: AclOperation.ANY }), err('Invalid operation ANY'));
  // Principal: "Type:name", any type.
  assert.equal(validateAclBinding({ ...ok, principal: 'alice' }), err('expected a string in format principalType:principalName but got alice'));
  assert.equal(validateAclBinding({ ...ok, principal: '' }), err('expected a string in format principalType:principalName but got '));
  assert.is(validateAclBinding({ ...ok, principal: 'Group:admins' }), null);
  assert.is(validateAclBinding({ ...ok, principal: 'User:*' }), null);
  // Not checked, as in Kafka: the host, a prefixed "*", the operation against the type.
  assert.is(validateAclBinding({ ...ok, host: 'not-an-address' }), null);
  assert.is(validateAclBinding({ ...ok, resourceName: '*', patternType: PREFIXED }), null);
  assert.is(validateAclBinding({ ...ok, operation: IDEMPOTENT_WRITE }), null);
});

test('the set stores what passes the structural checks, a CLUSTER "*" too (the name rule is CreateAcls\')', () => {
  const set = new AclSet();
  assert.ok(set.add(acl(CLUSTER, '*', LITERAL, 'User:*', '*', ALL, DENY)));
  assert.is(check(set, 'alice', ALTER, CLUSTER, 'kafka-cluster'), 'DENIED');
});

// --- JSON -------------------------------------------------------------------------------------

test('toJson / fromJson round trip, with names not codes', () => {
  const bindings = [
    acl(TOPIC, 'orders', LITERAL, 'User:alice', '*', READ, ALLOW),
    acl(TRANSACTIONAL_ID, 'tx-', PREFIXED, 'User:*', '10.0.0.1', IDEMPOTENT_WRITE, DENY),
    acl(CLUSTER, 'kafka-cluster', LITERAL, 'User:admin', '*', ALTER_CONFIGS, ALLOW),
    acl(ResourceType.USER, 'bob', LITERAL, 'User:bob', '*', AclOperation.CREATE_TOKENS, ALLOW),
  ];
  assert.equal(toJson(bindings[1]!), {
    resourceType: 'TRANSACTIONAL_ID',
    resourceName: 'tx-',
    patternType: 'PREFIXED',
    principal: 'User:*',
    host: '10.0.0.1',
    operation: 'IDEMPOTENT_WRITE',
    permissionType: 'DENY',
  });
  for (const b of bindings) {
    assert.equal(fromJson(toJson(b)), b);
    assert.equal(fromJson(JSON.parse(JSON.stringify(toJson(b)))), b);
  }
  // kafka-acls spellings are read too; other properties are ignored.
  assert.equal(
    fromJson({ resourceType: 'Topic', resourceName: 'x', patternType: 'literal', principal: 'User:a', host: '*', operation: 'IdempotentWrite', permissionType: 'Allow', id: 7 }),
    acl(TOPIC, 'x', LITERAL, 'User:a', '*', IDEMPOTENT_WRITE, ALLOW),
  );
  // A whole set survives the trip.
  const set = setOf(...bindings);
  const copy = setOf(...JSON.parse(JSON.stringify(set.all().map(toJson))).map(fromJson));
  assert.equal(copy.all(), set.all());
});

test('fromJson validates what it reads', () => {
  const good = toJson(acl(TOPIC, 'orders', LITERAL, 'User:alice', '*', READ, ALLOW));
  const bad: unknown[] = [
    null,
    'string',
    [good],
    { ...good, resourceType: 2 },
    { ...good, operation: 3 },
    { ...good, resourceType: 'ANY' },
    { ...good, resourceType: 'Planet' },
    { ...good, patternType: 'MATCH' },
    { ...good, patternType: 'ANY' },
    { ...good, operation: 'ANY' },
    { ...good, operation: 'Fly' },
    { ...good, permissionType: 'ANY' },
    { ...good, principal: 'alice' },
    { ...good, resourceName: '' },
    { ...good, host: null },
    (({ host: _host, ...rest }) => rest)(good),
  ];
  for (const obj of bad) assert.throws(() => fromJson(obj), isValidationError, JSON.stringify(obj));
  assert.throws(() => fromJson({ ...good, principal: 'alice' }), /principalType:principalName/);
});

// --- authorizeByResourceType (KIP-679) ------------------------------------------------------------

const U1 = 'User:user1';
const H1 = '192.168.1.1';
const H2 = '192.168.1.2';

function byType(set: AclSet, principal: string, host: string, operation: AclBinding['operation'], resourceType: AclBinding['resourceType'], options: AuthorizerOptions = {}): boolean {
  return authorizeByResourceType(set, { principal, host, operation, resourceType }, options) === 'ALLOWED';
}

test('testAuthorizeByResourceTypeMultipleAddAndRemove', () => {
  const set = new AclSet();
  const denyRead = acl(TOPIC, 'sb1', LITERAL, U1, H1, READ, DENY);
  const allowRead = acl(TOPIC, 'sb1', LITERAL, U1, H1, READ, ALLOW);
  for (let i = 0; i < 3; i++) {
    assert.not.ok(byType(set, U1, H1, READ, TOPIC));
    set.add(allowRead);
    assert.ok(byType(set, U1, H1, READ, TOPIC));
    for (let j = 0; j < 3; j++) {
      set.add(denyRead);
      assert.not.ok(byType(set, U1, H1, READ, TOPIC));
      set.remove(aclFilterFor(denyRead));
      set.add(allowRead);
      assert.ok(byType(set, U1, H1, READ, TOPIC));
    }
    set.remove(aclFilterFor(allowRead));
    assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  }
});

test('testAuthorizeByResourceTypeIsolationUnrelatedDenyWontDominateAllow', () => {
  const U2 = 'User:user2';
  const set = setOf(
    acl(TOPIC, 'sb1', LITERAL, U1, H1, READ, DENY),
    acl(TOPIC, 'sb1', LITERAL, U2, H1, READ, DENY),
    acl(TOPIC, 'sb1', LITERAL, U1, H2, WRITE, DENY),
    acl(TOPIC, 'sb1', LITERAL, U2, H2, READ, DENY),
    acl(TOPIC, 'sb1', LITERAL, U1, H2, READ, ALLOW),
    acl(TOPIC, 'sb2', LITERAL, U1, H2, READ, DENY),
    acl(GROUP, 's', PREFIXED, U1, H2, READ, DENY),
  );
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  assert.not.ok(byType(set, U1, H1, READ, GROUP));
  assert.not.ok(byType(set, U1, H1, READ, TRANSACTIONAL_ID));
  assert.not.ok(byType(set, U1, H1, READ, CLUSTER));
  assert.ok(byType(set, U1, H2, READ, TOPIC));
});

test('testAuthorizeByResourceTypeDenyTakesPrecedence', () => {
  const set = setOf(acl(TOPIC, 'sb1', LITERAL, U1, H1, WRITE, ALLOW));
  assert.ok(byType(set, U1, H1, WRITE, TOPIC));
  set.add(acl(TOPIC, 'sb1', LITERAL, U1, H1, WRITE, DENY));
  assert.not.ok(byType(set, U1, H1, WRITE, TOPIC));
});

test('testAuthorizeByResourceTypePrefixedResourceDenyDominate', () => {
  const allow = (name: string) => acl(GROUP, name, PREFIXED, U1, H1, READ, ALLOW);
  const deny = (name: string) => acl(GROUP, name, PREFIXED, U1, H1, READ, DENY);
  const set = setOf(allow('abcde'));
  assert.ok(byType(set, U1, H1, READ, GROUP));
  set.add(deny('abcd'));
  assert.not.ok(byType(set, U1, H1, READ, GROUP));
  set.add(allow('abc'));
  assert.ok(byType(set, U1, H1, READ, GROUP));
  set.add(deny('a'));
  assert.not.ok(byType(set, U1, H1, READ, GROUP));
  set.add(allow('ab'));
  assert.not.ok(byType(set, U1, H1, READ, GROUP));
});

test('testAuthorizeByResourceTypeWildcardResourceDenyDominate', () => {
  const set = setOf(acl(GROUP, 'hello', PREFIXED, U1, H1, WRITE, ALLOW));
  assert.ok(byType(set, U1, H1, WRITE, GROUP));
  set.add(acl(GROUP, '*', LITERAL, U1, H1, WRITE, DENY));
  assert.not.ok(byType(set, U1, H1, WRITE, GROUP));
  set.add(acl(GROUP, '*', LITERAL, U1, H1, WRITE, ALLOW));
  assert.not.ok(byType(set, U1, H1, WRITE, GROUP));
  set.add(acl(GROUP, 'aloha', LITERAL, U1, H1, WRITE, ALLOW));
  assert.not.ok(byType(set, U1, H1, WRITE, GROUP));
});

test('testAuthorizeByResourceTypeWithAllOperationAce', () => {
  const set = new AclSet();
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb1', LITERAL, U1, H1, WRITE, DENY));
  set.add(acl(TOPIC, 'sb1', LITERAL, U1, H1, ALL, ALLOW));
  assert.ok(byType(set, U1, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb1', LITERAL, U1, H1, ALL, DENY));
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
});

test('testAuthorizeByResourceTypeWithAllHostAce', () => {
  const set = new AclSet();
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb1', LITERAL, U1, H1, READ, ALLOW));
  assert.ok(byType(set, U1, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb1', LITERAL, U1, '*', READ, DENY));
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb2', LITERAL, U1, H1, READ, DENY));
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  assert.not.ok(byType(set, U1, H2, READ, TOPIC));
  set.add(acl(TOPIC, 'sb2', LITERAL, U1, '*', READ, ALLOW));
  assert.ok(byType(set, U1, H2, READ, TOPIC));
  set.add(acl(TOPIC, 'sb2', LITERAL, U1, '*', READ, DENY));
  assert.not.ok(byType(set, U1, H2, READ, TOPIC));
});

test('testAuthorizeByResourceTypeWithAllPrincipalAce', () => {
  const U2 = 'User:user2';
  const set = new AclSet();
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb1', LITERAL, U1, H1, READ, ALLOW));
  assert.ok(byType(set, U1, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb1', LITERAL, 'User:*', H1, READ, DENY));
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb2', LITERAL, U1, H1, READ, DENY));
  assert.not.ok(byType(set, U1, H1, READ, TOPIC));
  assert.not.ok(byType(set, U2, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb2', LITERAL, 'User:*', H1, READ, ALLOW));
  assert.ok(byType(set, U2, H1, READ, TOPIC));
  set.add(acl(TOPIC, 'sb2', LITERAL, 'User:*', H1, READ, DENY));
  assert.not.ok(byType(set, U2, H1, READ, TOPIC));
});

test('testAuthorizeByResourceTypeSuperUserHasAccess', () => {
  const set = new AclSet();
  for (const type of [TOPIC, CLUSTER, GROUP, TRANSACTIONAL_ID]) set.add(acl(type, '*', LITERAL, 'User:*', '*', ALL, DENY));
  const options = { superUsers: parseSuperUsers('User:superuser1; User:superuser2') };
  for (const type of [TOPIC, CLUSTER, GROUP, TRANSACTIONAL_ID]) {
    assert.ok(byType(set, 'User:superuser1', '192.0.4.4', READ, type, options), resourceTypeName(type));
    assert.not.ok(byType(set, 'User:alice', '192.0.4.4', READ, type, options), resourceTypeName(type));
  }
});

test('testAuthorizeByResourceTypeNoAclFoundOverride, and the "hardcode" probe', () => {
  const on = { allowEveryoneIfNoAclFound: true };
  assert.ok(byType(new AclSet(), 'User:alice', H1, READ, TOPIC, on));
  assert.ok(byType(new AclSet(), 'User:alice', H1, WRITE, TOPIC, on));
  assert.not.ok(byType(new AclSet(), 'User:alice', H1, WRITE, TOPIC));
  // The probe is authorize() on a topic named "hardcode": an ACL that applies to that name for
  // someone else turns the default off for it, and with no ALLOW of our own the answer is DENIED.
  const set = setOf(acl(TOPIC, 'hard', PREFIXED, 'User:bob', '*', WRITE, ALLOW));
  assert.not.ok(byType(set, 'User:alice', H1, WRITE, TOPIC, on));
  // An ACL that does not apply to "hardcode" leaves the default on, so the probe allows.
  assert.ok(byType(setOf(acl(TOPIC, 'other', LITERAL, 'User:bob', '*', WRITE, ALLOW)), 'User:alice', H1, WRITE, TOPIC, on));
});

test('authorizeByResourceType: exact operation or ALL, no implication — except through the probe', () => {
  // ALLOW READ on some topics does not count for DESCRIBE here ...
  assert.not.ok(byType(setOf(acl(TOPIC, 'foo', PREFIXED, U1, '*', READ, ALLOW)), U1, H1, DESCRIBE, TOPIC));
  // ... but ALLOW READ on "*" makes the probe (authorize on "hardcode") allow DESCRIBE by implication.
  assert.ok(byType(setOf(acl(TOPIC, '*', LITERAL, U1, '*', READ, ALLOW)), U1, H1, DESCRIBE, TOPIC));
  // A literal allow dominated by a prefixed deny of a prefix of it; a prefixed allow is not dominated by a literal deny.
  assert.not.ok(byType(setOf(acl(TOPIC, 'foobar', LITERAL, U1, '*', WRITE, ALLOW), acl(TOPIC, 'foo', PREFIXED, U1, '*', WRITE, DENY)), U1, H1, WRITE, TOPIC));
  assert.not.ok(byType(setOf(acl(TOPIC, 'foobar', LITERAL, U1, '*', WRITE, ALLOW), acl(TOPIC, 'foobar', PREFIXED, U1, '*', WRITE, DENY)), U1, H1, WRITE, TOPIC));
  assert.ok(byType(setOf(acl(TOPIC, 'foo', PREFIXED, U1, '*', WRITE, ALLOW), acl(TOPIC, 'foo', LITERAL, U1, '*', WRITE, DENY)), U1, H1, WRITE, TOPIC));
  assert.ok(byType(setOf(acl(TOPIC, 'foo', PREFIXED, U1, '*', WRITE, ALLOW), acl(TOPIC, 'foobar', PREFIXED, U1, '*', WRITE, DENY)), U1, H1, WRITE, TOPIC));
  // The idempotent-producer question: WRITE on any topic.
  const producer = setOf(acl(TOPIC, 'events-', PREFIXED, 'User:producer', '*', WRITE, ALLOW));
  assert.ok(byType(producer, 'User:producer', H1, WRITE, TOPIC));
  assert.not.ok(byType(producer, 'User:other', H1, WRITE, TOPIC));
  assert.is(check(producer, 'producer', IDEMPOTENT_WRITE, CLUSTER, 'kafka-cluster', H1, {}), 'DENIED');
});

test('authorizeByResourceType refuses ANY and UNKNOWN as Kafka does', () => {
  const set = new AclSet();
  assert.throws(() => byType(set, U1, H1, READ, ResourceType.ANY), /non-filter resource type/);
  assert.throws(() => byType(set, U1, H1, READ, ResourceType.UNKNOWN), /Unknown resource type/);
  assert.throws(() => byType(set, U1, H1, AclOperation.ANY, TOPIC), /non-filter operation type/);
  assert.throws(() => byType(set, U1, H1, AclOperation.UNKNOWN, TOPIC), /Unknown operation type/);
});

// --- the index against a plain scan ------------------------------------------------------------

/** Kafka's rule written the slow way: the MATCH filter picks the ACLs that apply, then findResult. */
function reference(set: AclSet, principal: string, host: string, op: number, type: number, name: string, allowEveryone: boolean): string {
  const applicable = set.describe({ resourceType: type as AclBinding['resourceType'], resourceName: name, patternType: PatternType.MATCH });
  let allowed = false;
  for (const b of applicable) {
    if (b.principal !== principal && b.principal !== 'User:*') continue;
    if (b.host !== '*' && b.host !== host) continue;
    let matches: boolean;
    if (b.operation === ALL) matches = true;
    else if (b.permission === DENY) matches = b.operation === op;
    else if (op === DESCRIBE) matches = [DESCRIBE, READ, WRITE, DELETE, ALTER].includes(b.operation as never);
    else if (op === DESCRIBE_CONFIGS) matches = b.operation === DESCRIBE_CONFIGS || b.operation === ALTER_CONFIGS;
    else matches = b.operation === op;
    if (!matches) continue;
    if (b.permission === DENY) return 'DENIED';
    allowed = true;
  }
  if (allowed) return 'ALLOWED';
  if (applicable.length > 0) return 'DENIED';
  return allowEveryone ? 'ALLOWED' : 'DENIED';
}

test('randomized: authorize agrees with a plain scan, through adds and removes', () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
  const names = ['a', 'ab', 'abc', 'abd', 'b', 'ba', '*', '*a', 'abcd', 'x'];
  const principals = ['User:alice', 'User:bob', 'User:*'];
  const hosts = ['*', '10.0.0.1', '10.0.0.2'];
  const ops = [ALL, READ, WRITE, DELETE, ALTER, DESCRIBE, CREATE, DESCRIBE_CONFIGS, ALTER_CONFIGS];
  const set = new AclSet();
  let checks = 0;
  for (let round = 0; round < 60; round++) {
    for (let i = 0; i < 8; i++) {
      set.add(acl(pick([TOPIC, GROUP]), pick(names), pick([LITERAL, PREFIXED]), pick(principals), pick(hosts), pick(ops), pick([ALLOW, DENY])));
    }
    if (rand(3) === 0) set.remove({ resourceName: pick(names), patternType: pick([LITERAL, PREFIXED, PatternType.MATCH, PatternType.ANY]), principal: pick(principals) });
    for (let i = 0; i < 40; i++) {
      const principal = pick(['User:alice', 'User:bob', 'User:carol']);
      const host = pick(['10.0.0.1', '10.0.0.2']);
      const op = pick(ops.slice(1));
      const type = pick([TOPIC, GROUP]);
      const name = pick([...names, 'abcde', 'zz', 'abx', '']);
      const everyone = rand(2) === 0;
      const want = reference(set, principal, host, op, type, name, everyone);
      const got = authorize(set, { principal, host, operation: op, resourceType: type, resourceName: name }, { allowEveryoneIfNoAclFound: everyone });
      if (got !== want) {
        assert.unreachable(`${principal}@${host} ${operationName(op)} ${resourceTypeName(type)}:${name} → ${got}, want ${want}\n${set.all().map(aclBindingToString).join('\n')}`);
      }
      checks++;
    }
  }
  assert.is(checks, 2400);
});

test('a check on one topic among many ACLs', () => {
  const set = new AclSet();
  for (let i = 0; i < 20_000; i++) {
    set.add(acl(TOPIC, `topic-${i}`, LITERAL, `User:u${i % 100}`, '*', READ, ALLOW));
    if (i % 10 === 0) set.add(acl(TOPIC, `topic-${i}-`, PREFIXED, `User:u${i % 100}`, '*', WRITE, ALLOW));
  }
  const request = { principal: 'User:u42', host: '10.1.1.1', operation: READ, resourceType: TOPIC, resourceName: 'topic-1242' } as const;
  assert.is(authorize(set, request), 'ALLOWED');
  assert.is(authorize(set, { ...request, principal: 'User:u41' }), 'DENIED');
  const started = process.hrtime.bigint();
  for (let i = 0; i < 200_000; i++) authorize(set, request);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // Generous: a scan of the 22,000 bindings per check would take minutes.
  assert.ok(ms < 5_000, `${ms} ms for 200,000 checks`);
});

test.run();
