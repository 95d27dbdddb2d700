/**
 * Listeners with Kafka's security protocols, against a real broker on 127.0.0.1 with
 * certificates made by openssl: TLS and mutual TLS, SASL PLAIN and SCRAM (through kafkajs and
 * the raw client), what is refused before authentication, failed logins, re-authentication
 * (KIP-368), several listeners at once, certificate reload and the safe-default check.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, type KeyObject, sign as cryptoSign } from 'node:crypto';
import { createServer } from 'node:http';
import { type AddressInfo, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { AlterUserScramCredentials, DescribeUserScramCredentials, Metadata, SaslAuthenticate, SaslHandshake } from '../../../src/protocol/messages/index.js';
import { type Certs, makeCerts, opensslMissing } from '../../helpers/certs.js';
import { needs } from '../../helpers/needs.js';
import { RawClient } from '../../helpers/raw-client.js';

const withOpenssl = needs(opensslMissing);
let certs: Certs | undefined;
const cert = (): Certs => (certs ??= makeCerts({ truststore: false }));
test.after(() => certs?.remove());

const quiet = { error() {}, warn() {}, info() {} };
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";';

function sslKeys(prefix = ''): Record<string, string> {
  const c = cert();
  return {
    [`${prefix}ssl.keystore.type`]: 'PEM',
    [`${prefix}ssl.keystore.location`]: c.server.combinedPath,
    [`${prefix}ssl.truststore.type`]: 'PEM',
    [`${prefix}ssl.truststore.location`]: c.ca.certPath,
  };
}

async function start(config: Record<string, unknown>, dir?: string): Promise<RunningBroker> {
  return startBroker({ config: { 'num.io.threads': 0, 'console.listener': 'none', ...config, ...(dir ? { 'log.dirs': dir } : {}) }, logger: quiet });
}

function listener(b: RunningBroker, name: string): string {
  const l = b.listeners.find((x) => x.name === name);
  if (!l) throw new Error(`no listener ${name}`);
  return l.bootstrap;
}

function kafka(bootstrap: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId: 'security-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 5000, ...extra });
}

async function roundTrip(k: Kafka, topic: string): Promise<string[]> {
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = k.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }] });
  await producer.disconnect();
  const consumer = k.consumer({ groupId: `${topic}-g` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${got.length} of 2`)), 20_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value!.toString());
        if (got.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return got;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

const saslListeners = (extra: Record<string, unknown> = {}) => ({
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
  ...extra,
});

/** Adds a SCRAM user through AlterUserScramCredentials, as kafka-configs does: the client salts and hashes. */
async function addScramUser(bootstrap: string, user: string, password: string, mechanism: 1 | 2, iterations = 4096): Promise<number> {
  const { pbkdf2Sync, randomBytes } = await import('node:crypto');
  const salt = randomBytes(24);
  const saltedPassword = pbkdf2Sync(password, salt, iterations, mechanism === 1 ? 32 : 64, mechanism === 1 ? 'sha256' : 'sha512');
  const c = await RawClient.connect(bootstrap);
  try {
    const r = await c.request(AlterUserScramCredentials, 0, { deletions: [], upsertions: [{ name: user, mechanism, iterations, salt, saltedPassword }] });
    return r.results[0]!.errorCode;
  } finally {
    c.close();
  }
}

withOpenssl('an SSL listener serves kafkajs over TLS beside a PLAINTEXT one, and Metadata on each advertises its own listener', async () => {
  const b = await start({ listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0', ...sslKeys() });
  try {
    const ssl = listener(b, 'SSL');
    assert.equal(await roundTrip(kafka(ssl, { ssl: { ca: [cert().ca.cert] } }), 'over-tls'), ['one', 'two']);
    assert.equal(await roundTrip(kafka(listener(b, 'PLAINTEXT')), 'over-plaintext'), ['one', 'two']);
    const c = await RawClient.connectTls(ssl, { ca: cert().ca.cert });
    const md = await c.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    c.close();
    assert.is(`${md.brokers[0]!.host}:${md.brokers[0]!.port}`, ssl);
  } finally {
    await b.close();
  }
});

withOpenssl('a PKCS12 key store with its password, and an encrypted PEM key with ssl.key.password, serve TLS; a wrong password stops the start', async () => {
  const c = cert();
  for (const keys of [
    { 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': c.server.p12Path, 'ssl.keystore.password': c.password },
    { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': c.server.encryptedCombinedPath, 'ssl.key.password': c.password },
    { 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': c.server.key.replace(/\n/g, ' '), 'ssl.keystore.certificate.chain': c.server.cert },
  ]) {
    const b = await start({ listeners: 'SSL://127.0.0.1:0', ...keys });
    try {
      const raw = await RawClient.connectTls(listener(b, 'SSL'), { ca: c.ca.cert });
      const md = await raw.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
      raw.close();
      assert.is(md.brokers.length, 1, keys['ssl.keystore.type']);
    } finally {
      await b.close();
    }
  }
  const wrong = await failure(start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': c.server.p12Path, 'ssl.keystore.password': 'wrong' }));
  assert.match(wrong.message, 'cannot be used');
});

withOpenssl('mutual TLS: a trusted client certificate is the principal its mapping rule gives; no certificate, an untrusted one, and plaintext bytes are refused while the broker keeps serving', async () => {
  const c = cert();
  const b = await start({
    listeners: 'SSL://127.0.0.1:0',
    ...sslKeys(),
    'ssl.client.auth': 'required',
    'ssl.principal.mapping.rules': 'RULE:^CN=([a-zA-Z0-9.]*),.*$/$1/L,DEFAULT',
  });
  try {
    const ssl = listener(b, 'SSL');
    const alice = await RawClient.connectTls(ssl, { ca: c.ca.cert, cert: c.alice.cert, key: c.alice.key });
    await alice.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    assert.equal(
      b.sessions().map((s) => s.principal),
      ['User:alice'],
    );
    alice.close();
    // No certificate: the handshake fails (TLS 1.3 may report it only after the client's side completes).
    const refused = async (options: Parameters<typeof RawClient.connectTls>[1]): Promise<boolean> => {
      try {
        const raw = await RawClient.connectTls(ssl, options);
        raw.write(Buffer.alloc(12));
        return await raw.waitForClose(5000);
      } catch {
        return true;
      }
    };
    assert.ok(await refused({ ca: c.ca.cert }), 'no client certificate');
    assert.ok(await refused({ ca: c.ca.cert, cert: c.mallory.cert, key: c.mallory.key }), 'a certificate from an untrusted CA');
    // Plaintext Kafka bytes on the TLS port: the TLS layer closes the connection.
    const plain = await RawClient.connect(ssl);
    plain.write(Buffer.from('000000120003000c00000001ffff0000', 'hex'));
    assert.ok(await plain.waitForClose(5000), 'plaintext on the TLS port is closed');
    assert.ok(b.broker.metrics.tlsHandshakeFailures >= 2, 'the failed handshakes are counted');
    const bob = await RawClient.connectTls(ssl, { ca: c.ca.cert, cert: c.bob.cert, key: c.bob.key });
    await bob.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    assert.equal(b.sessions().map((s) => s.principal), ['User:bob']);
    bob.close();
  } finally {
    await b.close();
  }
});

withOpenssl('a TLS handshake that stalls is cut after connections.max.idle.ms: no slot is held for ever', async () => {
  const b = await start({ listeners: 'SSL://127.0.0.1:0', ...sslKeys(), 'connections.max.idle.ms': 800 });
  try {
    const [host, port] = listener(b, 'SSL').split(':') as [string, string];
    const socket = netConnect(Number(port), host);
    socket.on('error', () => {});
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 8000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    assert.ok(closed, 'the broker closed the silent connection');
  } finally {
    await b.close();
  }
});

withOpenssl('a certificate replaced on disk is served to new connections without a restart', async () => {
  const c = cert();
  const dir = mkdtempSync(join(tmpdir(), 'spindle-reload-'));
  const next = c.issue('server-next', '/O=Spindle/CN=localhost-next', { server: true });
  const keystore = join(dir, 'server.pem');
  writeFileSync(keystore, c.server.combined);
  const b = await start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': keystore });
  const served = async (): Promise<string> => {
    const [host, port] = listener(b, 'SSL').split(':') as [string, string];
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host, port: Number(port), ca: c.ca.cert }, () => {
        const subject = s.getPeerX509Certificate()!.subject;
        s.destroy();
        resolve(subject);
      });
      s.once('error', reject);
    });
  };
  try {
    assert.match(await served(), 'CN=localhost');
    writeFileSync(keystore, next.combined);
    let subject = '';
    for (let i = 0; i < 60 && !subject.includes('localhost-next'); i++) {
      await new Promise((r) => setTimeout(r, 250));
      subject = await served();
    }
    assert.match(subject, 'CN=localhost-next');
    // A file that does not parse keeps the certificate served.
    writeFileSync(keystore, 'not a key store');
    await new Promise((r) => setTimeout(r, 6000));
    assert.match(await served(), 'CN=localhost-next');
  } finally {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SASL PLAIN with kafkajs: the JAAS users log in; a wrong password and an unknown user get the same SASL_AUTHENTICATION_FAILED', async () => {
  const b = await start(saslListeners());
  try {
    const sasl = listener(b, 'SASL_PLAINTEXT');
    assert.equal(await roundTrip(kafka(sasl, { sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } }), 'plain-ok'), ['one', 'two']);
    const wrong = await failure(kafka(sasl, { sasl: { mechanism: 'plain', username: 'alice', password: 'nope' } }).admin().connect());
    const unknown = await failure(kafka(sasl, { sasl: { mechanism: 'plain', username: 'eve', password: 'alice-secret' } }).admin().connect());
    assert.match(wrong.message, 'SASL PLAIN authentication failed');
    assert.match(unknown.message, 'SASL PLAIN authentication failed');
    assert.is(wrong.message.replace('alice', 'x'), unknown.message.replace('eve', 'x'));
    assert.ok(b.broker.metrics.failedAuthentications >= 2);
  } finally {
    await b.close();
  }
});

test('SCRAM-SHA-256 and SCRAM-SHA-512: users added with AlterUserScramCredentials log in with kafkajs, are described without secrets, and survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-scram-'));
  try {
    let b = await start(saslListeners(), dir);
    try {
      assert.is(await addScramUser(listener(b, 'PLAINTEXT'), 'carol', 'carol-secret', 1), ErrorCode.NONE);
      assert.is(await addScramUser(listener(b, 'PLAINTEXT'), 'dave', 'dave-secret', 2, 8192), ErrorCode.NONE);
      assert.is(await addScramUser(listener(b, 'PLAINTEXT'), 'erin', 'x', 2, 100), ErrorCode.UNACCEPTABLE_CREDENTIAL);
      const raw = await RawClient.connect(listener(b, 'PLAINTEXT'));
      const d = await raw.request(DescribeUserScramCredentials, 0, { users: null });
      const all = await raw.request(DescribeUserScramCredentials, 0, { users: [{ name: 'dave' }, { name: 'nobody' }] });
      raw.close();
      assert.equal(
        d.results.map((r) => [r.user, r.credentialInfos.map((i) => `${i.mechanism}/${i.iterations}`)]),
        [
          ['carol', ['1/4096']],
          ['dave', ['2/8192']],
        ],
      );
      assert.equal(all.results.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.RESOURCE_NOT_FOUND]);
      const stored = readFileSync(join(dir, '__spindle_metadata', 'scram-credentials.json'), 'utf8');
      assert.not.match(stored, 'carol-secret');
    } finally {
      await b.close();
    }
    b = await start(saslListeners(), dir);
    try {
      const sasl = listener(b, 'SASL_PLAINTEXT');
      assert.equal(await roundTrip(kafka(sasl, { sasl: { mechanism: 'scram-sha-256', username: 'carol', password: 'carol-secret' } }), 'scram-256'), ['one', 'two']);
      assert.equal(await roundTrip(kafka(sasl, { sasl: { mechanism: 'scram-sha-512', username: 'dave', password: 'dave-secret' } }), 'scram-512'), ['one', 'two']);
      const wrong = await failure(kafka(sasl, { sasl: { mechanism: 'scram-sha-512', username: 'dave', password: 'guess' } }).admin().connect());
      assert.match(wrong.message, 'SASL SCRAM SHA512 authentication failed');
      // carol has no SHA-512 credential.
      const otherMechanism = await failure(kafka(sasl, { sasl: { mechanism: 'scram-sha-512', username: 'carol', password: 'carol-secret' } }).admin().connect());
      assert.match(otherMechanism.message, 'authentication failed');
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('before a SASL login only ApiVersions and SaslHandshake are served: Metadata closes the connection, so does an unoffered mechanism (after UNSUPPORTED_SASL_MECHANISM) and an over-sized frame', async () => {
  const b = await start(saslListeners({ 'sasl.server.max.receive.size': 4096 }));
  try {
    const sasl = listener(b, 'SASL_PLAINTEXT');
    const early = await RawClient.connect(sasl);
    await failure(early.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false }, 3000));
    assert.ok(await early.waitForClose(3000), 'Metadata before authentication closes the connection');

    const mech = await RawClient.connect(sasl);
    const h = await mech.request(SaslHandshake, 1, { mechanism: 'GSSAPI' });
    assert.is(h.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    assert.equal(h.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    assert.ok(await mech.waitForClose(3000));

    const big = await RawClient.connect(sasl);
    const frame = Buffer.alloc(8);
    frame.writeInt32BE(5000, 0);
    big.write(frame);
    assert.ok(await big.waitForClose(3000), 'a frame above sasl.server.max.receive.size before login closes the connection');

    // The PLAINTEXT listener is not held to any of it.
    const plain = await RawClient.connect(listener(b, 'PLAINTEXT'));
    const md = await plain.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    assert.is(md.brokers.length, 1);
    plain.close();
  } finally {
    await b.close();
  }
});

test('a failed login is answered only after connection.failed.authentication.delay.ms, then closed', async () => {
  const b = await start(saslListeners({ 'connection.failed.authentication.delay.ms': 400 }));
  try {
    const c = await RawClient.connect(listener(b, 'SASL_PLAINTEXT'));
    await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
    const began = performance.now();
    const r = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000wrong') });
    const waited = performance.now() - began;
    assert.is(r.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.ok(waited >= 350, `answered after ${waited.toFixed(0)} ms`);
    assert.ok(await c.waitForClose(3000));
  } finally {
    await b.close();
  }
});

test('SaslHandshake v0: the PLAIN token and its answer travel bare on the socket, then requests are served', async () => {
  const b = await start(saslListeners());
  try {
    const c = await RawClient.connect(listener(b, 'SASL_PLAINTEXT'));
    const h = await c.request(SaslHandshake, 0, { mechanism: 'PLAIN' });
    assert.is(h.errorCode, ErrorCode.NONE);
    c.acceptBareFrames();
    const token = Buffer.from('\u0000admin\u0000admin-secret');
    const size = Buffer.alloc(4);
    size.writeInt32BE(token.length, 0);
    c.write(Buffer.concat([size, token]));
    const answer = await c.nextFrame();
    assert.is(answer.length, 0, 'PLAIN answers an empty token');
    const md = await c.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    assert.is(md.brokers.length, 1);
    assert.ok(b.sessions().some((s) => s.principal === 'User:admin'));
    c.close();
  } finally {
    await b.close();
  }
});

test('re-authentication (KIP-368): the session lifetime is told, a re-login on the connection extends it, and a request after it ended closes the connection', async () => {
  const b = await start(saslListeners({ 'connections.max.reauth.ms': 1500 }));
  try {
    const c = await RawClient.connect(listener(b, 'SASL_PLAINTEXT'));
    const login = async (): Promise<number> => {
      assert.is((await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
      const r = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') });
      assert.is(r.errorCode, ErrorCode.NONE);
      return Number(r.sessionLifetimeMs);
    };
    assert.is(await login(), 1500);
    await new Promise((r) => setTimeout(r, 1000));
    assert.is(await login(), 1500, 're-authenticated before the end');
    await new Promise((r) => setTimeout(r, 1000));
    await c.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    await new Promise((r) => setTimeout(r, 1000));
    await failure(c.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false }, 3000));
    assert.ok(await c.waitForClose(3000), 'the request after the session ended closed the connection');
  } finally {
    await b.close();
  }
});

test('a re-authentication may not change the principal', async () => {
  const b = await start(saslListeners({ 'connections.max.reauth.ms': 60000 }));
  try {
    const c = await RawClient.connect(listener(b, 'SASL_PLAINTEXT'));
    await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.is((await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') })).errorCode, ErrorCode.NONE);
    await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
    const r = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000admin\u0000admin-secret') });
    assert.is(r.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.match(r.errorMessage ?? '', 'principal');
    assert.ok(await c.waitForClose(3000));
  } finally {
    await b.close();
  }
});

test('safe defaults: a listener without authentication on every interface refuses to start, saying why, unless allow.plaintext.non.loopback=true', async () => {
  const err = await failure(start({ listeners: 'PLAINTEXT://0.0.0.0:0', 'advertised.listeners': 'PLAINTEXT://127.0.0.1:0' }));
  assert.match(err.message, 'without authenticating clients');
  assert.match(err.message, 'allow.plaintext.non.loopback=true');
  const b = await start({ listeners: 'PLAINTEXT://0.0.0.0:0', 'advertised.listeners': 'PLAINTEXT://127.0.0.1:0', 'allow.plaintext.non.loopback': true });
  await b.close();
});

test('security settings Spindle cannot honour stop the start with what to do: a JKS key store, GSSAPI alone, PLAIN without users', async () => {
  assert.match((await failure(start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': '/nonexistent.jks' }))).message, 'keytool -importkeystore');
  assert.match((await failure(start({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0' }))).message, 'offers no SASL mechanism Spindle serves');
  assert.match((await failure(start({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN' }))).message, 'plain.sasl.jaas.config');
});

/** A JWT signed with `key` (RS256), with `kid` in its header. */
function signedJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(claims)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

test('OAUTHBEARER against a JWKS endpoint: a token signed by a published key logs in with kafkajs; a wrongly signed, expired, foreign-issuer or wrong-audience one does not', async () => {
  const issuerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(issuerKey.publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  const b = await start({
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
    'listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': url,
    'sasl.oauthbearer.expected.issuer': 'https://issuer.example',
    'sasl.oauthbearer.expected.audience': 'spindle',
  });
  try {
    const now = Math.floor(Date.now() / 1000);
    const good = { sub: 'alice', iss: 'https://issuer.example', aud: 'spindle', iat: now, exp: now + 600 };
    const withToken = (token: string) => kafka(listener(b, 'SASL_PLAINTEXT'), { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) } });
    assert.equal(await roundTrip(withToken(signedJwt(issuerKey.privateKey, 'k1', good)), 'jwks-ok'), ['one', 'two']);
    for (const [why, token] of [
      ['signed by another key', signedJwt(otherKey.privateKey, 'k1', good)],
      ['expired', signedJwt(issuerKey.privateKey, 'k1', { ...good, iat: now - 7200, exp: now - 3600 })],
      ['another issuer', signedJwt(issuerKey.privateKey, 'k1', { ...good, iss: 'https://elsewhere.example' })],
      ['another audience', signedJwt(issuerKey.privateKey, 'k1', { ...good, aud: 'someone-else' })],
    ] as const) {
      // kafkajs takes the error challenge for success; its first request then finds the connection closed.
      const admin = withToken(token).admin();
      const e = await failure(admin.connect().then(() => admin.listTopics()));
      await admin.disconnect();
      assert.ok(e instanceof Error, why);
    }
    // A raw exchange shows the answer itself: the error challenge, then SASL_AUTHENTICATION_FAILED after 0x01.
    const c = await RawClient.connect(listener(b, 'SASL_PLAINTEXT'));
    await c.request(SaslHandshake, 1, { mechanism: 'OAUTHBEARER' });
    const bad = signedJwt(otherKey.privateKey, 'k1', good);
    const challenge = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${bad}\u0001\u0001`) });
    assert.match(challenge.authBytes.toString(), '"status":"invalid_token"');
    const end = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from([1]) });
    assert.is(end.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.ok(await c.waitForClose(3000));
  } finally {
    await b.close();
    jwks.close();
  }
});

const open = async (b: RunningBroker, name: string): Promise<RawClient> => RawClient.connect(listener(b, name));

/** Whether the connection is served: a Metadata request answered within 3 s. */
async function served(c: RawClient): Promise<boolean> {
  try {
    await c.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false }, 3000);
    return true;
  } catch {
    return false;
  }
}

test('max.connections.per.ip closes the connection past the limit, all listeners together; an override raises it for one address', async () => {
  let b = await start({ listeners: 'PLAINTEXT://127.0.0.1:0,OTHER://127.0.0.1:0', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT', 'max.connections.per.ip': 2 });
  try {
    const first = await open(b, 'PLAINTEXT');
    const second = await open(b, 'OTHER');
    const third = await open(b, 'PLAINTEXT');
    assert.ok(await served(first));
    assert.ok(await served(second));
    assert.ok(await third.waitForClose(3000), 'the third connection from 127.0.0.1 is closed');
    first.close();
    await new Promise((r) => setTimeout(r, 100));
    const again = await open(b, 'PLAINTEXT');
    assert.ok(await served(again), 'a slot freed by a close is taken again');
    again.close();
    second.close();
  } finally {
    await b.close();
  }
  b = await start({ listeners: 'PLAINTEXT://127.0.0.1:0', 'max.connections.per.ip': 1, 'max.connections.per.ip.overrides': '127.0.0.1:3,10.9.9.9:0' });
  try {
    const cs = [await open(b, 'PLAINTEXT'), await open(b, 'PLAINTEXT'), await open(b, 'PLAINTEXT')];
    for (const c of cs) assert.ok(await served(c));
    const fourth = await open(b, 'PLAINTEXT');
    assert.ok(await fourth.waitForClose(3000));
    for (const c of cs) c.close();
  } finally {
    await b.close();
  }
  assert.match((await failure(start({ listeners: 'PLAINTEXT://127.0.0.1:0', 'max.connections.per.ip.overrides': 'nonsense' }))).message, 'is not host:count');
});

test('max.connections holds the broker to that many connections over every listener; listener.name.<l>.max.connections one listener', async () => {
  const b = await start({
    listeners: 'PLAINTEXT://127.0.0.1:0,OTHER://127.0.0.1:0',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT',
    'max.connections': 3,
    'listener.name.other.max.connections': 1,
  });
  try {
    const a1 = await open(b, 'PLAINTEXT');
    const a2 = await open(b, 'PLAINTEXT');
    const o1 = await open(b, 'OTHER');
    for (const c of [a1, a2, o1]) assert.ok(await served(c));
    // Three open: the broker's limit, whichever listener the fourth comes to.
    const a3 = await open(b, 'PLAINTEXT');
    assert.ok(await a3.waitForClose(3000), 'a fourth connection is closed');
    assert.ok(b.broker.metrics.connectionsRefusedMax >= 1);
    a1.close();
    await new Promise((r) => setTimeout(r, 100));
    // A slot is free, but OTHER holds its own limit of one.
    const o2 = await open(b, 'OTHER');
    assert.ok(await o2.waitForClose(3000), "OTHER's second connection is closed by its listener's limit");
    const again = await open(b, 'PLAINTEXT');
    assert.ok(await served(again), 'the freed slot is taken on PLAINTEXT');
    for (const c of [a2, o1, again]) c.close();
  } finally {
    await b.close();
  }
});

test.run();
