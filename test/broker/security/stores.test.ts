/**
 * The security stores write their files off the main thread, one change at a time: SCRAM
 * credentials and client quotas take effect once the file holds them, ACLs as they are added
 * and taken back if the file cannot be written. A write that fails (EIO or ENOSPC injected
 * into fsync) rejects and leaves memory and disk as they were; changes made at once all land,
 * none lost to another's write; and through the wire the failure is Kafka's
 * UNKNOWN_SERVER_ERROR with the broker serving on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../../src/broker/config/load.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../../src/broker/security/acl.js';
import { ACLS_FILE, Authorizer } from '../../../src/broker/security/authorizer.js';
import { deriveScramCredential } from '../../../src/broker/security/sasl/scram.js';
import { SCRAM_CREDENTIALS_FILE, ScramStore } from '../../../src/broker/security/scram-store.js';
import { clearFaults, injectFaults } from '../../../src/core/fs.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { AlterUserScramCredentials, CreateAcls, DescribeAcls } from '../../../src/protocol/messages/index.js';
import { ALL_ACLS, aclBroker, loginPlain } from './helpers.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'spindle-stores-'));
  dirs.push(d);
  return d;
};
test.after(() => {
  clearFaults();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const credential = (password: string) => deriveScramCredential('SCRAM-SHA-512', password, null, 4096);
const readAcl = (principal: string) => ({
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  patternType: PatternType.LITERAL,
  principal,
  host: '*',
  operation: AclOperation.READ,
  permission: AclPermissionType.ALLOW,
});

test('SCRAM: a failed write rejects, and the old credential stays in memory and on disk', async () => {
  const dir = tempDir();
  const store = new ScramStore(dir);
  const old = credential('old-secret');
  await store.apply([{ user: 'alice', credential: old }], []);
  injectFaults([{ op: 'fsync', code: 'EIO', path: SCRAM_CREDENTIALS_FILE }]);
  try {
    await store.apply([{ user: 'alice', credential: credential('new-secret') }, { user: 'bob', credential: credential('bob-secret') }], []).then(
      () => assert.unreachable('the write should fail'),
      (e: NodeJS.ErrnoException) => assert.is(e.code, 'EIO'),
    );
  } finally {
    clearFaults();
  }
  assert.equal(store.get('alice', 'SCRAM-SHA-512')!.storedKey, old.storedKey);
  assert.is(store.get('bob', 'SCRAM-SHA-512'), undefined);
  const reloaded = new ScramStore(dir);
  assert.equal(reloaded.get('alice', 'SCRAM-SHA-512')!.storedKey, old.storedKey, 'and on disk');
  assert.is(reloaded.get('bob', 'SCRAM-SHA-512'), undefined);
});

test('SCRAM: 50 changes made at once all land, in memory and after a reload', async () => {
  const dir = tempDir();
  const store = new ScramStore(dir);
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.apply([{ user: `user-${i}`, credential: credential(`secret-${i}`) }], [])));
  const reloaded = new ScramStore(dir);
  for (let i = 0; i < 50; i++) {
    assert.ok(store.get(`user-${i}`, 'SCRAM-SHA-512'), `user-${i} in memory`);
    assert.ok(reloaded.get(`user-${i}`, 'SCRAM-SHA-512'), `user-${i} on disk`);
  }
});

test('ACLs: a failed write rejects and takes the new ACLs back; a failed delete keeps them; changes at once all land', async () => {
  const dir = tempDir();
  const config = loadConfig({ overrides: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' } });
  const authorizer = new Authorizer(config, dir);
  injectFaults([{ op: 'fsync', code: 'ENOSPC', path: ACLS_FILE }]);
  try {
    await authorizer.create([readAcl('User:alice')]).then(
      () => assert.unreachable('the write should fail'),
      (e: NodeJS.ErrnoException) => assert.is(e.code, 'ENOSPC'),
    );
  } finally {
    clearFaults();
  }
  assert.not.ok(authorizer.allows('User:alice', '127.0.0.1', AclOperation.READ, ResourceType.TOPIC, 'orders'));
  await Promise.all(Array.from({ length: 20 }, (_, i) => authorizer.create([readAcl(`User:u${i}`)])));
  assert.ok(authorizer.allows('User:u7', '127.0.0.1', AclOperation.READ, ResourceType.TOPIC, 'orders'));
  injectFaults([{ op: 'fsync', code: 'EIO', path: ACLS_FILE }]);
  try {
    await authorizer.delete([{ ...readAcl('User:u7'), patternType: PatternType.LITERAL }]).then(
      () => assert.unreachable('the write should fail'),
      (e: NodeJS.ErrnoException) => assert.is(e.code, 'EIO'),
    );
  } finally {
    clearFaults();
  }
  assert.ok(authorizer.allows('User:u7', '127.0.0.1', AclOperation.READ, ResourceType.TOPIC, 'orders'), 'the delete that failed took nothing away');
  const reloaded = new Authorizer(config, dir);
  for (let i = 0; i < 20; i++) assert.ok(reloaded.allows(`User:u${i}`, '127.0.0.1', AclOperation.READ, ResourceType.TOPIC, 'orders'), `u${i} on disk`);
  assert.not.ok(reloaded.allows('User:alice', '127.0.0.1', AclOperation.READ, ResourceType.TOPIC, 'orders'));
});

test('through the wire: CreateAcls and AlterUserScramCredentials answer UNKNOWN_SERVER_ERROR when the disk fails, and the broker serves on', async () => {
  const b = await aclBroker(['admin']);
  const admin = await loginPlain(b.bootstrap, 'admin');
  try {
    const creation = { resourceType: ResourceType.TOPIC, resourceName: 'orders', resourcePatternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.ALLOW };
    injectFaults([{ op: 'fsync', code: 'EIO', path: ACLS_FILE }, { op: 'fsync', code: 'EIO', path: SCRAM_CREDENTIALS_FILE }]);
    let created, altered;
    try {
      created = await admin.request(CreateAcls, 3, { creations: [creation] });
      altered = await admin.request(AlterUserScramCredentials, 0, {
        deletions: [],
        upsertions: [{ name: 'alice', mechanism: 2, iterations: 4096, salt: Buffer.from('salt'), saltedPassword: Buffer.alloc(64, 1) }],
      });
    } finally {
      clearFaults();
    }
    assert.equal(created.results, [{ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'The ACLs could not be stored' }]);
    assert.is(altered.results[0]!.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    const described = await admin.request(DescribeAcls, 3, ALL_ACLS);
    assert.is(described.resources.length, 0, 'the ACL that could not be stored is not in force');
    // The disk is back: the same request succeeds.
    assert.equal((await admin.request(CreateAcls, 3, { creations: [creation] })).results, [{ errorCode: ErrorCode.NONE, errorMessage: null }]);
  } finally {
    admin.close();
    await b.close();
  }
});

test.run();
