/**
 * SASL/PLAIN, server side, and the JAAS config parser its users come from: Kafka's example
 * config, its quoting and comment rules and the errors it gives; logins by kafkajs's PLAIN
 * token and by hand; Kafka's checks and messages (the same one for an unknown user and a wrong
 * password), authzid, malformed and over-long tokens, and the state after the exchange.
 */
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MAX_PLAIN_TOKEN_BYTES,
  PLAIN_LOGIN_MODULE,
  SUPPORTED_MECHANISMS,
  SaslAuthenticationError,
  createPlainServer,
  createSaslServer,
  parseJaasConfig,
  passwordsEqual,
  plainUsersFromJaas,
} from '../../../../src/broker/security/sasl/index.js';

const require = createRequire(import.meta.url);
const kafkajsPlain = require('kafkajs/src/protocol/sasl/plain/request') as (x: { authorizationIdentity?: string | null; username: string; password: string }) => { encode(): Promise<Buffer> };

const KAFKA_EXAMPLE = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";';

async function rejects(p: Promise<unknown>): Promise<SaslAuthenticationError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, SaslAuthenticationError, `not a SaslAuthenticationError: ${String(e)}`);
    return e as SaslAuthenticationError;
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

const users = plainUsersFromJaas(KAFKA_EXAMPLE);
const token = (...fields: string[]) => Buffer.from(fields.join('\0'));

test("parseJaasConfig: Kafka's example", () => {
  const jaas = parseJaasConfig(KAFKA_EXAMPLE);
  assert.is(jaas.loginModule, PLAIN_LOGIN_MODULE);
  assert.is(jaas.flag, 'required');
  assert.equal([...jaas.options], [
    ['username', 'admin'],
    ['password', 'admin-secret'],
    ['user_admin', 'admin-secret'],
    ['user_alice', 'alice-secret'],
  ]);
});

test('parseJaasConfig: quoting, escapes, comments, words, flags', () => {
  const jaas = parseJaasConfig(`
    // a line comment
    org.apache.kafka.common.security.plain.PlainLoginModule /* block
       comment */ REQUIRED
      user_bob='single'
      user_a-b.c="x=y;z"
      "quoted key"="v"
      unquoted=bare_word.with-dots$and_digits9
      esc="a\\"b\\\\c\\n\\t\\101\\7x\\q"
      empty=""
      / a lone slash comments out the rest of the line user_ghost="x"
      user_bob="last wins"
      user_ümlaut="ok"
    ;`);
  assert.is(jaas.flag, 'required');
  const o = jaas.options;
  assert.is(o.get('user_a-b.c'), 'x=y;z');
  assert.is(o.get('quoted key'), 'v');
  assert.is(o.get('unquoted'), 'bare_word.with-dots$and_digits9');
  assert.is(o.get('esc'), 'a"b\\c\n\tA\x07xq');
  assert.is(o.get('empty'), '');
  assert.is(o.get('user_ghost'), undefined);
  assert.is(o.get('user_bob'), 'last wins');
  assert.is(o.get('user_ümlaut'), 'ok');
  // 'it''s' is two quoted strings, not an escaped quote: the second is a key without a value.
  assert.throws(() => parseJaasConfig("M required a='it''s';"), /Value not specified for key 's'/);
  for (const flag of ['required', 'Requisite', 'SUFFICIENT', 'optional']) assert.is(parseJaasConfig(`M ${flag};`).flag, flag.toLowerCase());
  assert.is(parseJaasConfig('M required;').options.size, 0);
});

test("parseJaasConfig: Kafka's errors", () => {
  const cases: [string, RegExp][] = [
    ['', /Login module not specified/],
    ['   // only a comment', /Login module not specified/],
    ['M', /control flag not specified/],
    ['M mandatory;', /Invalid login module control flag 'mandatory'/],
    ['M required a="b"', /not terminated by semi-colon/],
    ['M required a;', /Value not specified for key 'a'/],
    ['M required a=;', /Value not specified for key 'a'/],
    ['M required iterations=4096;', /Value not specified for key 'iterations'.*numbers must be quoted/],
    ['M required a="unterminated;', /Unterminated quoted string/],
    ['M required a="b"; N required;', /contains 2 login modules, should be 1/],
    ['= required;', /Login module not specified/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseJaasConfig(text), re, text);
  assert.is(parseJaasConfig('M required iterations="4096";').options.get('iterations'), '4096');
});

test('plainUsersFromJaas: the user_<name> options only; another login module is refused', () => {
  assert.equal([...users], [
    ['admin', 'admin-secret'],
    ['alice', 'alice-secret'],
  ]);
  assert.equal([...plainUsersFromJaas(parseJaasConfig(`${PLAIN_LOGIN_MODULE} required user_="x" user_x_y="z";`))], [['x_y', 'z']]);
  assert.throws(() => plainUsersFromJaas('org.apache.kafka.common.security.scram.ScramLoginModule required user_a="b";'), /PlainLoginModule/);
});

test("kafkajs's PLAIN token logs in", async () => {
  const server = createPlainServer(users);
  assert.is(server.mechanism, 'PLAIN');
  const framed = await kafkajsPlain({ username: 'alice', password: 'alice-secret' }).encode();
  const answer = await server.evaluate(framed.subarray(4));
  assert.is(answer.length, 0);
  assert.is(server.complete, true);
  assert.is(server.authorizationId, 'alice');
  assert.is(server.credentialExpiryMs, null);
});

test('authzid: empty or equal to the user is taken; another is refused with Kafka\'s message', async () => {
  const same = createPlainServer(users);
  await same.evaluate(token('alice', 'alice', 'alice-secret'));
  assert.is(same.authorizationId, 'alice');
  const other = createPlainServer(users);
  const e = await rejects(other.evaluate(token('admin', 'alice', 'alice-secret')));
  assert.is(e.message, 'Authentication failed: Client requested an authorization id that is different from username');
  assert.is(other.complete, false);
  assert.is(other.authorizationId, null);
});

test('a proxy user becomes the principal its authzid names, must name one, and nobody else may', async () => {
  const proxied = createPlainServer(users, 'admin');
  await proxied.evaluate(token('carol', 'admin', 'admin-secret'));
  assert.is(proxied.authorizationId, 'carol');
  const bare = createPlainServer(users, 'admin');
  assert.match((await rejects(bare.evaluate(token('', 'admin', 'admin-secret')))).message, /an authorization id is required/);
  const wrongPassword = createPlainServer(users, 'admin');
  assert.match((await rejects(wrongPassword.evaluate(token('carol', 'admin', 'guess')))).message, /Invalid username or password/);
  const notProxy = createPlainServer(users, 'admin');
  assert.match((await rejects(notProxy.evaluate(token('carol', 'alice', 'alice-secret')))).message, /different from username/);
});

test('an unknown user and a wrong password get the same message', async () => {
  const unknown = await rejects(createPlainServer(users).evaluate(token('', 'mallory', 'alice-secret')));
  const wrong = await rejects(createPlainServer(users).evaluate(token('', 'alice', 'admin-secret')));
  const prefix = await rejects(createPlainServer(users).evaluate(token('', 'alice', 'alice-secre')));
  const longer = await rejects(createPlainServer(users).evaluate(token('', 'alice', 'alice-secret!')));
  for (const e of [unknown, wrong, prefix, longer]) assert.is(e.message, 'Authentication failed: Invalid username or password');
  // An authzid mismatch is told only once the password is right, so it reveals nothing either.
  const mismatchUnknown = await rejects(createPlainServer(users).evaluate(token('x', 'mallory', 'p')));
  assert.is(mismatchUnknown.message, 'Authentication failed: Invalid username or password');
});

test("Kafka's checks on the fields", async () => {
  const cases: [Buffer, string][] = [
    [token('', '', 'pw'), 'Authentication failed: username not specified'],
    [token('', 'alice', ''), 'Authentication failed: password not specified'],
    [Buffer.from('alice-secret'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 1'],
    [token('alice', 'alice-secret'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 2'],
    [token('', 'alice', 'alice', 'secret'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 4'],
    [token('', 'alice', 'a', 'b', 'c'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 4'],
    [Buffer.alloc(0), 'Invalid SASL/PLAIN response: expected 3 tokens, got 1'],
    [Buffer.from([0, 0x61, 0, 0xff, 0xfe]), 'Invalid SASL/PLAIN response: not UTF-8'],
    [Buffer.alloc(MAX_PLAIN_TOKEN_BYTES + 1, 0x61), `Invalid SASL/PLAIN response: longer than ${MAX_PLAIN_TOKEN_BYTES} bytes`],
  ];
  for (const [t, message] of cases) {
    const e = await rejects(createPlainServer(users).evaluate(t));
    assert.is(e.message, message);
  }
});

test('UTF-8 names and passwords; a lookup function; a lookup that throws', async () => {
  const server = createPlainServer((u) => (u === 'jörg' ? 'pässwörd ✓' : undefined));
  await server.evaluate(token('', 'jörg', 'pässwörd ✓'));
  assert.is(server.authorizationId, 'jörg');
  const e = await rejects(
    createPlainServer(() => {
      throw new Error('db down');
    }).evaluate(token('', 'a', 'b')),
  );
  assert.is(e.message, 'Authentication failed: credentials for user could not be verified');
});

test('the exchange takes one token: after success or failure, more are refused', async () => {
  const ok = createPlainServer(users);
  await ok.evaluate(token('', 'admin', 'admin-secret'));
  await rejects(ok.evaluate(token('', 'admin', 'admin-secret')));
  assert.is(ok.complete, true);
  const failed = createPlainServer(users);
  await rejects(failed.evaluate(token('', 'admin', 'wrong')));
  await rejects(failed.evaluate(token('', 'admin', 'admin-secret')));
  assert.is(failed.complete, false);
});

test('passwordsEqual compares whole passwords of any lengths', () => {
  assert.ok(passwordsEqual('abc', 'abc'));
  assert.not.ok(passwordsEqual('abc', 'abd'));
  assert.not.ok(passwordsEqual('abc', 'abcd'));
  assert.not.ok(passwordsEqual('', 'a'));
  assert.ok(passwordsEqual('', ''));
});

test('createSaslServer: PLAIN from the users map; unknown mechanisms and missing dependencies throw', async () => {
  assert.equal([...SUPPORTED_MECHANISMS], ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);
  const server = createSaslServer('PLAIN', { plainUsers: users });
  await server.evaluate(token('', 'alice', 'alice-secret'));
  assert.is(server.authorizationId, 'alice');
  assert.throws(() => createSaslServer('GSSAPI', { plainUsers: users }), /Unsupported SASL mechanism GSSAPI/);
  assert.throws(() => createSaslServer('plain', { plainUsers: users }), /Unsupported/);
  assert.throws(() => createSaslServer('PLAIN', {}), /not set up/);
  assert.throws(() => createSaslServer('SCRAM-SHA-256', {}), /not set up/);
  assert.throws(() => createSaslServer('OAUTHBEARER', { oauthValidator: null }), /not set up/);
});

test.run();
