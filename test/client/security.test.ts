/**
 * The client over Kafka's security protocols, against a real broker on 127.0.0.1 with
 * certificates made by openssl: SSL (and mutual TLS with and without a client certificate),
 * SASL_PLAINTEXT with PLAIN, SASL_SSL with SCRAM-SHA-512 and with OAUTHBEARER (Kafka's unsecured
 * login); the failures that must be fast and clear (a wrong password, an untrusted certificate, a
 * certificate for another host, a mechanism not offered); re-authentication (KIP-368) under a
 * producer's load; and the SASL mechanisms' client side against RFC 7677's example.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { Admin } from '../../src/client/admin.js';
import { Client } from '../../src/client/client.js';
import { type ClientSecurity, Connection } from '../../src/client/connection.js';
import { Consumer } from '../../src/client/consumer.js';
import { ClientError } from '../../src/client/errors.js';
import { Producer } from '../../src/client/producer.js';
import { AuthenticationError, createSaslClient, createScramClientWithNonce, unsecuredLoginToken } from '../../src/client/sasl.js';
import { Metadata } from '../../src/protocol/messages/index.js';
import { type Certs, makeCerts, opensslMissing } from '../helpers/certs.js';
import { needs } from '../helpers/needs.js';

const withOpenssl = needs(opensslMissing);
const quiet = { error() {}, warn() {}, info() {} };
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';

let certs: Certs | undefined;
let b: RunningBroker | undefined;
let dir: string | undefined;

const cert = (): Certs => (certs ??= makeCerts({ truststore: false }));

/** One broker with a listener of each kind (started on first use: it needs the certificates). */
async function broker(): Promise<RunningBroker> {
  if (b) return b;
  const c = cert();
  dir = mkdtempSync(join(tmpdir(), 'spindle-client-security-'));
  b = await startBroker({
    config: {
      'num.io.threads': 0,
      'console.listener': 'none',
      'log.dirs': dir,
      'num.partitions': 1,
      'offsets.topic.num.partitions': 1,
      'group.initial.rebalance.delay.ms': 0,
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,REAUTH://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,REAUTH:SASL_SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': c.server.combinedPath,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': c.ca.certPath,
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.reauth.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.reauth.connections.max.reauth.ms': 1500,
    },
    logger: quiet,
  });
  // SCRAM users are added as kafka-configs adds them: the client salts and hashes.
  const setup = new Client({ bootstrapServers: listener('PLAINTEXT') });
  try {
    await new Admin(setup).alterUserScramCredentials([{ user: 'carol', mechanism: 'SCRAM-SHA-512', password: 'carol-secret', iterations: 4096 }]);
  } finally {
    await setup.close();
  }
  return b;
}

test.after(async () => {
  await b?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  certs?.remove();
});

function listener(name: string): string {
  const l = b!.listeners.find((x) => x.name === name);
  if (!l) throw new Error(`no listener ${name}`);
  return l.bootstrap;
}

/**
 * A server certificate signed by the test CA whose only name is DNS:`name` (certs.issue gives
 * every server certificate 127.0.0.1 and localhost); returns the PEM key store's path.
 */
function serverCertFor(c: Certs, where: string, name: string): string {
  const key = join(where, `${name}.key`);
  const crt = join(where, `${name}.crt`);
  const config = join(where, 'req.cnf');
  writeFileSync(config, '[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\n');
  execFileSync(
    'openssl',
    ['req', '-x509', '-config', config, '-CA', c.ca.certPath, '-CAkey', c.ca.keyPath, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc', '-keyout', key, '-out', crt, '-subj', `/CN=${name}`, '-days', '2',
      '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth', '-addext', `subjectAltName=DNS:${name}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const combined = join(where, `${name}.pem`);
  writeFileSync(combined, readFileSync(key, 'utf8') + readFileSync(crt, 'utf8'));
  return combined;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

/** Creates `topic`, produces two records, reads them back with a group consumer, and lists topics: the admin, producer and consumer over one client. */
async function roundTrip(bootstrap: string, security: ClientSecurity, topic: string): Promise<string[]> {
  const client = new Client({ bootstrapServers: bootstrap, clientId: 'security-test', security, connectTimeoutMs: 5000 });
  try {
    const admin = new Admin(client);
    await admin.createTopics([{ name: topic, numPartitions: 1 }]);
    assert.ok((await admin.listTopics()).includes(topic));
    const producer = new Producer(client, { lingerMs: 0 });
    await Promise.all([producer.send({ topic, value: 'one' }), producer.send({ topic, value: 'two' })]);
    await producer.close();
    const consumer = new Consumer(client, { groupId: `${topic}-group`, autoOffsetReset: 'earliest', maxWaitMs: 100 });
    await consumer.subscribe([topic]);
    const got: string[] = [];
    for (let i = 0; i < 100 && got.length < 2; i++) for (const r of await consumer.poll()) got.push(r.value!.toString());
    await consumer.close();
    return got;
  } finally {
    await client.close();
  }
}

withOpenssl('SSL: admin, producer and consumer over TLS, the broker\'s certificate checked against the CA and the host name', async () => {
  await broker();
  const c = cert();
  assert.equal(await roundTrip(listener('SSL'), { protocol: 'SSL', tls: { ca: c.ca.cert } }, 'over-ssl'), ['one', 'two']);
  // By host name too: the certificate names localhost.
  const port = Number(listener('SSL').split(':')[1]);
  const byName = await Connection.open({ host: 'localhost', port, clientId: 't', security: { protocol: 'SSL', tls: { ca: c.ca.cert } } });
  assert.ok(byName.supports(Metadata));
  byName.close();
});

withOpenssl('mutual TLS: with a client certificate the client is its principal; without one the handshake is refused, fast and not retried', async () => {
  await broker();
  const c = cert();
  const client = new Client({ bootstrapServers: listener('MTLS'), security: { protocol: 'SSL', tls: { ca: c.ca.cert, cert: c.alice.cert, key: c.alice.key } } });
  try {
    const admin = new Admin(client);
    await admin.createTopics([{ name: 'over-mtls', numPartitions: 1 }]);
    const producer = new Producer(client);
    await producer.send({ topic: 'over-mtls', value: 'x' });
    await producer.close();
    assert.ok(b!.sessions().some((s) => s.listener === 'MTLS' && s.principal.startsWith('User:CN=alice')), JSON.stringify(b!.sessions()));
  } finally {
    await client.close();
  }
  const began = Date.now();
  const anonymous = new Client({ bootstrapServers: listener('MTLS'), security: { protocol: 'SSL', tls: { ca: c.ca.cert } } });
  const e = await failure(new Admin(anonymous).listTopics());
  await anonymous.close();
  assert.instance(e, AuthenticationError);
  assert.match(e.message, /^SSL handshake with 127\.0\.0\.1:\d+ failed \(.+\): the broker wants a client certificate it trusts/);
  assert.ok(Date.now() - began < 5000, 'refused without waiting for a timeout');
});

withOpenssl('SASL_PLAINTEXT with PLAIN: the user logs in and is the principal; a wrong password fails fast with the broker\'s message', async () => {
  await broker();
  const plain = (password: string): ClientSecurity => ({ protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: 'alice', password } });
  assert.equal(await roundTrip(listener('SASL_PLAINTEXT'), plain('alice-secret'), 'over-sasl-plain'), ['one', 'two']);
  const failedBefore = b!.broker.metrics.failedAuthentications;
  const client = new Client({ bootstrapServers: listener('SASL_PLAINTEXT'), security: plain('wrong') });
  const began = Date.now();
  const e = await failure(new Admin(client).listTopics());
  await client.close();
  assert.instance(e, AuthenticationError);
  assert.instance(e, ClientError);
  assert.is(e.message, 'SASL authentication failed: Authentication failed: Invalid username or password');
  assert.ok(Date.now() - began < 3000, `answered in ${Date.now() - began} ms`);
  assert.is(b!.broker.metrics.failedAuthentications, failedBefore + 1, 'one try, not retried');
});

withOpenssl('SASL_SSL with SCRAM-SHA-512: admin, producer and consumer; a wrong password and a mechanism not offered are clear errors', async () => {
  await broker();
  const c = cert();
  const scram = (password: string, mechanism: 'SCRAM-SHA-512' | 'SCRAM-SHA-256' = 'SCRAM-SHA-512'): ClientSecurity => ({
    protocol: 'SASL_SSL',
    tls: { ca: c.ca.cert },
    sasl: { mechanism, username: 'carol', password },
  });
  assert.equal(await roundTrip(listener('SASL_SSL'), scram('carol-secret'), 'over-scram'), ['one', 'two']);
  assert.ok(b!.broker.metrics.authentications > 0);
  const wrong = new Client({ bootstrapServers: listener('SASL_SSL'), security: scram('guess') });
  const e = await failure(new Admin(wrong).listTopics());
  await wrong.close();
  assert.instance(e, AuthenticationError);
  assert.match(e.message, /^SASL authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
  const other = new Client({ bootstrapServers: listener('SASL_SSL'), security: scram('carol-secret', 'SCRAM-SHA-256') });
  const u = await failure(new Admin(other).listTopics());
  await other.close();
  assert.instance(u, AuthenticationError);
  assert.match(u.message, 'does not offer SASL mechanism SCRAM-SHA-256; it offers SCRAM-SHA-512, OAUTHBEARER');
});

withOpenssl('SASL_SSL with OAUTHBEARER: Kafka\'s unsecured login (an unsigned JWT naming the user) logs in; an expired token fails with the broker\'s reason', async () => {
  await broker();
  const c = cert();
  const login = unsecuredLoginToken(new Map([['unsecuredLoginStringClaim_sub', 'dana']]));
  assert.equal(await roundTrip(listener('SASL_SSL'), { protocol: 'SASL_SSL', tls: { ca: c.ca.cert }, sasl: { mechanism: 'OAUTHBEARER', token: login.token } }, 'over-oauth'), ['one', 'two']);
  // A token that expired an hour ago: the broker's error challenge is acknowledged, then the login fails.
  const stale = unsecuredLoginToken(new Map([['unsecuredLoginStringClaim_sub', 'dana'], ['unsecuredLoginLifetimeSeconds', '60']]), () => Date.now() - 3_600_000);
  const client = new Client({ bootstrapServers: listener('SASL_SSL'), security: { protocol: 'SASL_SSL', tls: { ca: c.ca.cert }, sasl: { mechanism: 'OAUTHBEARER', token: stale.token } } });
  const e = await failure(new Admin(client).listTopics());
  await client.close();
  assert.instance(e, AuthenticationError);
  assert.match(e.message, /^SASL authentication failed: Authentication failed: the token expired/);
});

withOpenssl('a broker certificate from a CA not trusted, or issued for another host, fails the TLS handshake; without the host check the second connects', async () => {
  await broker();
  const c = cert();
  const untrusted = await failure(Connection.open({ host: '127.0.0.1', port: Number(listener('SSL').split(':')[1]), clientId: 't', security: { protocol: 'SSL', tls: { ca: c.untrustedCa.cert } } }));
  assert.instance(untrusted, AuthenticationError);
  assert.match(untrusted.message, /^SSL handshake with 127\.0\.0\.1:\d+ failed \(.+\): the broker's certificate is not trusted/);
  // Node's root CAs, without `ca`, do not know the test CA either.
  const roots = await failure(Connection.open({ host: '127.0.0.1', port: Number(listener('SSL').split(':')[1]), clientId: 't', security: { protocol: 'SSL' } }));
  assert.instance(roots, AuthenticationError);

  // A broker whose certificate, signed by the trusted CA, names only elsewhere.example.
  const otherDir = mkdtempSync(join(tmpdir(), 'spindle-client-security-'));
  const keystore = serverCertFor(c, otherDir, 'elsewhere.example');
  const elsewhere = await startBroker({
    config: { 'num.io.threads': 0, 'console.listener': 'none', 'log.dirs': otherDir, listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': keystore },
    logger: quiet,
  });
  try {
    const port = Number(elsewhere.listeners[0]!.bootstrap.split(':')[1]);
    const mismatch = await failure(Connection.open({ host: '127.0.0.1', port, clientId: 't', security: { protocol: 'SSL', tls: { ca: c.ca.cert } } }));
    assert.instance(mismatch, AuthenticationError);
    assert.match(mismatch.message, 'does not name this host');
    const unchecked = await Connection.open({ host: '127.0.0.1', port, clientId: 't', security: { protocol: 'SSL', tls: { ca: c.ca.cert, checkServerIdentity: () => undefined } } });
    const md = await unchecked.request(Metadata, { topics: [], allowAutoTopicCreation: false });
    assert.is(md.brokers.length, 1);
    unchecked.close();
  } finally {
    await elsewhere.close();
    rmSync(otherDir, { recursive: true, force: true });
  }
});

withOpenssl('SASL on a listener that does not authenticate, and TLS to a plaintext port, are clear errors', async () => {
  await broker();
  const c = cert();
  const [, sslPort] = listener('SSL').split(':');
  const notSasl = await failure(Connection.open({ host: '127.0.0.1', port: Number(sslPort), clientId: 't', security: { protocol: 'SASL_SSL', tls: { ca: c.ca.cert }, sasl: { mechanism: 'PLAIN', username: 'a', password: 'b' } } }));
  assert.instance(notSasl, AuthenticationError);
  assert.match(notSasl.message, 'does not authenticate with SASL on this listener');
  const [, plainPort] = listener('PLAINTEXT').split(':');
  const tlsToPlain = await failure(Connection.open({ host: '127.0.0.1', port: Number(plainPort), clientId: 't', connectTimeoutMs: 3000, security: { protocol: 'SSL', tls: { ca: c.ca.cert } } }));
  // Spindle reads the TLS ClientHello as a frame too large and closes; a TLS server that answers in the clear gives OpenSSL's "wrong version number".
  assert.match(tlsToPlain.message, 'is this a TLS port?');
  // Settings that cannot work are refused before anything is sent.
  assert.throws(() => new Client({ bootstrapServers: listener('SASL_SSL'), security: { protocol: 'SASL_SSL' } }), /needs a SASL mechanism/);
  assert.throws(() => new Client({ bootstrapServers: listener('SASL_SSL'), security: { protocol: 'SASL_SSL', sasl: { mechanism: 'PLAIN', username: 'x' } } }), /needs a password/);
  assert.throws(() => new Client({ bootstrapServers: listener('SSL'), security: { protocol: 'SSL', sasl: { mechanism: 'PLAIN', username: 'x', password: 'y' } } }), /does not use SASL/);
});

withOpenssl('re-authentication (KIP-368): with connections.max.reauth.ms=1500 a producer keeps sending for 5 s over one connection, logging in again every session, with no error', async () => {
  await broker();
  const c = cert();
  const client = new Client({
    bootstrapServers: listener('REAUTH'),
    security: { protocol: 'SASL_SSL', tls: { ca: c.ca.cert }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'carol', password: 'carol-secret' } },
  });
  try {
    await new Admin(client).createTopics([{ name: 'reauth', numPartitions: 1 }]);
    const producer = new Producer(client, { lingerMs: 5 });
    const loginsBefore = b!.broker.metrics.authentications;
    const acceptedBefore = b!.broker.metrics.connectionsAccepted;
    const until = Date.now() + 5000;
    let sent = 0;
    let errors = 0;
    while (Date.now() < until) {
      const batch = Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'reauth', value: `r${sent + i}` }).catch(() => void errors++));
      sent += batch.length;
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, 10));
    }
    await producer.close();
    assert.is(errors, 0, 'no record failed');
    const relogins = b!.broker.metrics.authentications - loginsBefore;
    assert.ok(relogins >= 3, `${relogins} logins in 5 s`);
    assert.is(b!.broker.metrics.connectionsAccepted, acceptedBefore, 'the same connection re-authenticated; none was opened');
    // Every record arrived.
    const consumer = new Consumer(client, { autoOffsetReset: 'earliest', maxWaitMs: 100 });
    await consumer.assign([{ topic: 'reauth', partition: 0 }]);
    let read = 0;
    for (let i = 0; i < 200 && read < sent; i++) read += (await consumer.poll()).length;
    await consumer.close();
    assert.is(read, sent);
  } finally {
    await client.close();
  }
});

test('SCRAM-SHA-256 client messages match RFC 7677\'s example, and a server signature that does not verify is an error', async () => {
  const nonce = 'rOprNGfwEbeRWgbNEkqO';
  const serverFirst = Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  const s = createScramClientWithNonce('SCRAM-SHA-256', 'user', 'pencil', nonce);
  assert.is((await s.start()).toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  assert.is((await s.next(serverFirst))!.toString(), 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
  assert.is(await s.next(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), null);

  const forged = createScramClientWithNonce('SCRAM-SHA-256', 'user', 'pencil', nonce);
  await forged.start();
  await forged.next(serverFirst);
  const e = await failure(forged.next(Buffer.from('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')));
  assert.instance(e, AuthenticationError);
  assert.match(e.message, 'does not know the credential');

  const replayed = createScramClientWithNonce('SCRAM-SHA-256', 'user', 'pencil', nonce);
  await replayed.start();
  assert.match((await failure(replayed.next(Buffer.from('r=someone-elses-nonce-xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')))).message, 'nonce');
  const weak = createScramClientWithNonce('SCRAM-SHA-256', 'user', 'pencil', nonce);
  await weak.start();
  assert.match((await failure(weak.next(Buffer.from(`r=${nonce}xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1`)))).message, 'iterations');
});

test('PLAIN and OAUTHBEARER client messages; the unsecured login builds the JWT Kafka\'s login handler does', async () => {
  assert.is((await createSaslClient({ mechanism: 'PLAIN', username: 'alice', password: 'pw' }).start()).toString(), '\u0000alice\u0000pw');
  const login = unsecuredLoginToken(
    new Map([
      ['unsecuredLoginStringClaim_sub', 'alice'],
      ['unsecuredLoginListClaim_scope', ',read,write'],
      ['unsecuredLoginNumberClaim_n', '7'],
      ['unsecuredLoginExtension_traceId', 'abc'],
      ['unsecuredLoginLifetimeSeconds', '120'],
    ]),
    () => 1_700_000_000_500,
  );
  const token = await login.token();
  const [header, claims, signature] = token.split('.');
  assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString()), { alg: 'none' });
  assert.equal(JSON.parse(Buffer.from(claims!, 'base64url').toString()), { exp: 1_700_000_120, iat: 1_700_000_000, sub: 'alice', scope: ['read', 'write'], n: 7 });
  assert.is(signature, '');
  const oauth = createSaslClient({ mechanism: 'OAUTHBEARER', token: login.token, extensions: login.extensions });
  assert.is((await oauth.start()).toString(), `n,,\u0001auth=Bearer ${token}\u0001traceId=abc\u0001\u0001`);
  // An error challenge is acknowledged with 0x01; a broker that does not then fail the login still leaves the client failed.
  assert.is((await oauth.next(Buffer.from('{"status":"invalid_token"}')))!.toString(), '\u0001');
  assert.match((await failure(oauth.next(Buffer.alloc(0)))).message, 'invalid_token');
  assert.throws(() => unsecuredLoginToken(new Map([['unsecuredLoginStringClaim_exp', '1']])), /set by the login itself/);
  assert.throws(() => unsecuredLoginToken(new Map()), /unsecuredLoginStringClaim_sub/);
});

test.run();
