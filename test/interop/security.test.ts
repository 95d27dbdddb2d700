/**
 * Outside clients against Spindle's secured listeners, each with its own configuration keys as
 * its users write them: kcat (librdkafka), Kafka's own tools (the Java client) and kafkajs, over
 * SASL_SSL with SCRAM-SHA-512 and SCRAM-SHA-256, PLAIN over TLS, OAUTHBEARER (Kafka's unsecured
 * tokens), and mutual TLS with a principal mapping rule; SCRAM users added and described with
 * Kafka's kafka-configs. Each mechanism's failure too: a wrong password, an unknown user, an
 * expired token, an untrusted certificate.
 *
 * One broker for the file:
 *   PLAINTEXT  127.0.0.1   for the admin steps
 *   SASL_SSL   127.0.0.1   SCRAM-SHA-512, SCRAM-SHA-256, PLAIN, OAUTHBEARER
 *   MTLS       127.0.0.1   SSL with ssl.client.auth=required
 *
 * Needs openssl (the certificates), kcat, and Java with Kafka's jars (bash bench/kafka/setup.sh);
 * each part skips with its reason without its program.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kafkaMissing, runKafkaTool, type KafkaTool } from '../../bench/kafka/kafka.js';
import { deriveScramCredential } from '../../src/broker/security/sasl/scram.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { type Certs, makeCerts, opensslMissing } from '../helpers/certs.js';
import { needs } from '../helpers/needs.js';
import { dataDir, hasKcat, kcat } from './helpers.js';

const missingKafka = kafkaMissing();
const withKcat = needs(opensslMissing || (hasKcat ? '' : 'kcat is not installed'));
const withKafka = needs(opensslMissing || missingKafka);
const withOpenssl = needs(opensslMissing);

let certs: Certs;
let b: RunningBroker;
let data: { dir: string; remove: () => void };

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret";';
const UNSECURED_JAAS = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";';

function at(name: string): string {
  return b.listeners.find((l) => l.name === name)!.bootstrap;
}

test.before(async () => {
  if (opensslMissing) return;
  certs = makeCerts({ truststore: false });
  data = dataDir();
  b = await startBroker({
    config: {
      'log.dirs': data.dir,
      'num.io.threads': 1,
      'console.listener': 'none',
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,MTLS://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.server.combinedPath,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.ca.certPath,
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=([a-zA-Z0-9.]*),.*$/$1/L,DEFAULT',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': PLAIN_JAAS,
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': UNSECURED_JAAS,
      'connection.failed.authentication.delay.ms': 50,
    },
    logger: { error() {}, warn() {}, info() {} },
  });
});

test.after(async () => {
  await b?.close();
  data?.remove();
  certs?.remove();
});

// ---------------------------------------------------------------------------------------------
// Kafka's tools: kafka-configs for the SCRAM users, the console clients over each mechanism

async function tool(name: KafkaTool, args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runKafkaTool(name, args, input, 90_000);
}

function clientProperties(name: string, lines: string[]): string {
  const path = join(data.dir, `${name}.properties`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const javaTrust = (): string[] => ['ssl.truststore.type=PEM', `ssl.truststore.location=${certs.ca.certPath}`];

withKafka('kafka-configs adds SCRAM-SHA-512 and SCRAM-SHA-256 users and describes them, as it does against Kafka', async () => {
  // One mechanism per request: Kafka's controller refuses a user named twice in one request
  // (ScramControlManager), and so does Spindle.
  for (const config of ['SCRAM-SHA-512=[iterations=8192,password=alice-secret]', 'SCRAM-SHA-256=[password=alice-256]']) {
    const add = await tool('kafka-configs', ['--bootstrap-server', at('PLAINTEXT'), '--alter', '--add-config', config, '--entity-type', 'users', '--entity-name', 'alice']);
    assert.is(add.code, 0, add.stderr);
    assert.match(add.stdout, 'Completed updating config for user alice.');
  }
  const twice = await tool('kafka-configs', ['--bootstrap-server', at('PLAINTEXT'), '--alter', '--add-config', 'SCRAM-SHA-512=[password=x1],SCRAM-SHA-256=[password=x2]', '--entity-type', 'users', '--entity-name', 'carol']);
  assert.is.not(twice.code, 0);
  assert.match(twice.stdout + twice.stderr, 'A user credential cannot be altered twice in the same request');
  const addBob = await tool('kafka-configs', ['--bootstrap-server', at('PLAINTEXT'), '--alter', '--add-config', 'SCRAM-SHA-512=[password=bob-secret]', '--entity-type', 'users', '--entity-name', 'bob']);
  assert.is(addBob.code, 0, addBob.stderr);
  const d = await tool('kafka-configs', ['--bootstrap-server', at('PLAINTEXT'), '--describe', '--entity-type', 'users', '--entity-name', 'alice']);
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, "SCRAM credential configs for user-principal 'alice' are ");
  assert.match(d.stdout, 'SCRAM-SHA-512=iterations=8192');
  assert.match(d.stdout, 'SCRAM-SHA-256=iterations=4096');
  const del = await tool('kafka-configs', ['--bootstrap-server', at('PLAINTEXT'), '--alter', '--delete-config', 'SCRAM-SHA-512', '--entity-type', 'users', '--entity-name', 'bob']);
  assert.is(del.code, 0, del.stderr);
  const none = await tool('kafka-configs', ['--bootstrap-server', at('PLAINTEXT'), '--describe', '--entity-type', 'users', '--entity-name', 'bob']);
  assert.not.match(none.stdout, 'SCRAM-SHA-512=');
});

withKafka("Kafka's console producer and consumer over SASL_SSL with SCRAM-SHA-512, PLAIN and OAUTHBEARER; a wrong password fails with Kafka's message", async () => {
  const scram = clientProperties('scram', [
    'security.protocol=SASL_SSL',
    'sasl.mechanism=SCRAM-SHA-512',
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
    ...javaTrust(),
  ]);
  const plain = clientProperties('plain', [
    'security.protocol=SASL_SSL',
    'sasl.mechanism=PLAIN',
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";',
    ...javaTrust(),
  ]);
  const oauth = clientProperties('oauth', [
    'security.protocol=SASL_SSL',
    'sasl.mechanism=OAUTHBEARER',
    'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";',
    ...javaTrust(),
  ]);
  for (const [name, config] of [
    ['scram', scram],
    ['plain', plain],
    ['oauth', oauth],
  ] as const) {
    const topic = `java-${name}`;
    const p = await tool('kafka-console-producer', ['--bootstrap-server', at('SASL_SSL'), '--topic', topic, '--command-config', config], `${name}-1\n${name}-2\n`);
    assert.is(p.code, 0, `${name} producer: ${p.stderr}`);
    const c = await tool('kafka-console-consumer', ['--bootstrap-server', at('SASL_SSL'), '--topic', topic, '--from-beginning', '--max-messages', '2', '--command-config', config]);
    assert.is(c.code, 0, `${name} consumer: ${c.stderr}`);
    assert.equal(c.stdout.trim().split('\n'), [`${name}-1`, `${name}-2`]);
  }
  const wrong = clientProperties('wrong', [
    'security.protocol=SASL_SSL',
    'sasl.mechanism=SCRAM-SHA-512',
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="guess";',
    ...javaTrust(),
  ]);
  const w = await tool('kafka-topics', ['--bootstrap-server', at('SASL_SSL'), '--list', '--command-config', wrong]);
  assert.is.not(w.code, 0);
  assert.match(w.stderr + w.stdout, 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
});

withKafka("Kafka's tools over mutual TLS with a PEM key store", async () => {
  const mtls = clientProperties('mtls', [
    'security.protocol=SSL',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${certs.alice.combinedPath}`,
    ...javaTrust(),
  ]);
  const p = await tool('kafka-console-producer', ['--bootstrap-server', at('MTLS'), '--topic', 'java-mtls', '--command-config', mtls], 'm-1\n');
  assert.is(p.code, 0, p.stderr);
  const c = await tool('kafka-console-consumer', ['--bootstrap-server', at('MTLS'), '--topic', 'java-mtls', '--from-beginning', '--max-messages', '1', '--command-config', mtls]);
  assert.is(c.code, 0, c.stderr);
  assert.is(c.stdout.trim(), 'm-1');
  // Without a key store the handshake fails.
  const none = clientProperties('no-cert', ['security.protocol=SSL', ...javaTrust()]);
  const n = await tool('kafka-topics', ['--bootstrap-server', at('MTLS'), '--list', '--command-config', none]);
  assert.is.not(n.code, 0);
});

// ---------------------------------------------------------------------------------------------
// kcat (librdkafka)

const kcatTls = (): string[] => ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.ca.certPath}`];

withKcat('kcat over SASL_SSL with SCRAM-SHA-512 and SCRAM-SHA-256 and PLAIN; a wrong password and an unknown user fail', async () => {
  // The user kafka-configs made may not exist if that test was skipped: make sure of it here.
  const { pbkdf2Sync, randomBytes } = await import('node:crypto');
  const { RawClient } = await import('../helpers/raw-client.js');
  const { AlterUserScramCredentials } = await import('../../src/protocol/messages/index.js');
  const raw = await RawClient.connect(at('PLAINTEXT'));
  const salt = randomBytes(16);
  await raw.request(AlterUserScramCredentials, 0, {
    deletions: [],
    upsertions: [
      { name: 'kcat-user', mechanism: 2, iterations: 4096, salt, saltedPassword: pbkdf2Sync('kcat-secret', salt, 4096, 64, 'sha512') },
    ],
  });
  raw.close();
  for (const [mechanism, user, password] of [
    ['SCRAM-SHA-512', 'kcat-user', 'kcat-secret'],
    ['PLAIN', 'alice', 'alice-secret'],
  ] as const) {
    const sasl = ['-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`];
    const topic = `kcat-${mechanism.toLowerCase()}`;
    const p = await kcat(at('SASL_SSL'), ['-P', '-t', topic, ...kcatTls(), ...sasl], 'a\nb\n');
    assert.is(p.code, 0, `${mechanism} produce: ${p.stderr}`);
    const c = await kcat(at('SASL_SSL'), ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', ...kcatTls(), ...sasl]);
    assert.is(c.code, 0, `${mechanism} consume: ${c.stderr}`);
    assert.equal(c.stdout.trim().split('\n'), ['a', 'b']);
  }
  for (const [user, password] of [
    ['kcat-user', 'guess'],
    ['nobody', 'kcat-secret'],
  ]) {
    const r = await kcat(at('SASL_SSL'), ['-L', ...kcatTls(), '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`], '', 15_000);
    assert.is.not(r.code, 0);
    assert.match(r.stderr, 'Authentication failed');
  }
});

withKcat("kcat with OAUTHBEARER (librdkafka's unsecured tokens), and mutual TLS: a trusted certificate in, an untrusted one out", async () => {
  const oauth = ['-X', 'sasl.mechanisms=OAUTHBEARER', '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', 'sasl.oauthbearer.config=principal=alice'];
  const p = await kcat(at('SASL_SSL'), ['-P', '-t', 'kcat-oauth', ...kcatTls(), ...oauth], 'o\n');
  assert.is(p.code, 0, p.stderr);
  const mtls = (who: 'alice' | 'mallory'): string[] => [
    '-X',
    'security.protocol=SSL',
    '-X',
    `ssl.ca.location=${certs.ca.certPath}`,
    '-X',
    `ssl.certificate.location=${certs[who].certPath}`,
    '-X',
    `ssl.key.location=${certs[who].keyPath}`,
  ];
  const ok = await kcat(at('MTLS'), ['-P', '-t', 'kcat-mtls', ...mtls('alice')], 'x\n');
  assert.is(ok.code, 0, ok.stderr);
  const back = await kcat(at('MTLS'), ['-C', '-t', 'kcat-mtls', '-o', 'beginning', '-e', '-q', ...mtls('alice')]);
  assert.is(back.stdout.trim(), 'x');
  const refused = await kcat(at('MTLS'), ['-L', ...mtls('mallory')], '', 15_000);
  assert.is.not(refused.code, 0);
});

// ---------------------------------------------------------------------------------------------
// kafkajs

function kafkajs(extra: Partial<KafkaConfig>): Kafka {
  return new Kafka({ clientId: 'security-interop', brokers: [at('SASL_SSL')], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ssl: { ca: [certs.ca.cert] }, ...extra });
}

/** Why an admin client of `k` got nothing served (connecting, then listing topics), or '' when it was served. */
async function refusal(k: Kafka): Promise<string> {
  const admin = k.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return '';
  } catch (e) {
    return (e as Error).message || String(e);
  } finally {
    await admin.disconnect();
  }
}

/** An unsigned JWT of Kafka's unsecured kind (alg none): header, claims, empty signature. */
function unsecuredJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

withOpenssl('kafkajs over SASL_SSL: SCRAM-SHA-512, PLAIN and OAUTHBEARER produce and read back; a wrong SCRAM password and an expired token fail', async () => {
  const now = Math.floor(Date.now() / 1000);
  await b.broker.security.scram.apply([{ user: 'carol', credential: deriveScramCredential('SCRAM-SHA-512', 'carol-secret', null, 8192) }], []);
  for (const [name, sasl] of [
    ['scram', { mechanism: 'scram-sha-512', username: 'carol', password: 'carol-secret' }],
    ['plain', { mechanism: 'plain', username: 'alice', password: 'alice-secret' }],
    ['oauth', { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredJwt({ sub: 'alice', iat: now, exp: now + 3600 }) }) }],
  ] as const) {
    const k = kafkajs({ sasl: sasl as KafkaConfig['sasl'] });
    const topic = `kafkajs-${name}`;
    const producer = k.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: `${name}-1` }] });
    await producer.disconnect();
    const admin = k.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    assert.is(offsets[0]!.high, '1');
  }
  // kafkajs takes the error challenge Kafka (and Spindle) answer a bad token with for success
  // (it does not send the closing 0x01): its next request then finds the connection closed.
  const expired = kafkajs({ sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredJwt({ sub: 'alice', iat: now - 7200, exp: now - 3600 }) }) } });
  assert.ok((await refusal(expired)) !== '', 'a client with an expired token gets nothing served');
  const wrong = kafkajs({ sasl: { mechanism: 'scram-sha-512', username: 'carol', password: 'guess' } }).admin();
  await wrong.connect().then(
    () => assert.unreachable('a wrong SCRAM password logs in'),
    (e: Error) => assert.match(e.message, /SASL SCRAM SHA512 authentication failed|Authentication failed/i),
  );
  await wrong.disconnect();
});

withOpenssl("kafkajs over mutual TLS: alice's certificate produces and reads back, mallory's from an untrusted CA is refused in the handshake", async () => {
  const mtls = (identity: { cert: string; key: string }): Kafka =>
    new Kafka({ clientId: 'security-interop', brokers: [at('MTLS')], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ssl: { ca: [certs.ca.cert], cert: identity.cert, key: identity.key } });
  const producer = mtls(certs.alice).producer();
  await producer.connect();
  await producer.send({ topic: 'kafkajs-mtls', messages: [{ value: 'mtls-1' }] });
  await producer.disconnect();
  const admin = mtls(certs.alice).admin();
  await admin.connect();
  assert.is((await admin.fetchTopicOffsets('kafkajs-mtls'))[0]!.high, '1');
  await admin.disconnect();
  assert.ok((await refusal(mtls(certs.mallory))) !== '', 'an untrusted client certificate gets nothing served');
});

test.run();
