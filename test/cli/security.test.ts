/**
 * The client commands against secured listeners, configured as Kafka's tools are: a
 * client.properties file given to --command-config (and --producer.config, --consumer.config),
 * written as a Kafka user writes it for SASL_SSL with SCRAM-SHA-512 (a JAAS line continued over
 * lines, a PEM trust store), against a broker started in-process on 127.0.0.1 with openssl's
 * certificates. topics, produce, consume, groups, configs and transactions all log in, with
 * SCRAM and with OAUTHBEARER's unsecured login; a wrong password, a JKS or PKCS12 trust store,
 * GSSAPI, a token endpoint and a missing JAAS config stop the command with one line; key stores
 * (PKCS12, PEM inline or in a file, an encrypted key) become node:tls options; ssl.* and sasl.*
 * settings on a PLAINTEXT connection are named and ignored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { Admin } from '../../src/client/admin.js';
import { Client } from '../../src/client/client.js';
import { type Certs, makeCerts, opensslMissing } from '../helpers/certs.js';
import { needs } from '../helpers/needs.js';
import { type ClientProperties, resolveClientProperties } from '../../src/cli/client-config.js';
import { lines, spindle } from './helpers.js';

const withOpenssl = needs(opensslMissing);
const quiet = { error() {}, warn() {}, info() {} };

let certs: Certs | undefined;
let b: RunningBroker | undefined;
let dir: string | undefined;

/** The broker (PLAINTEXT for set-up, SASL_SSL with SCRAM-SHA-512 for the commands) with user carol; started on first use. */
async function broker(): Promise<RunningBroker> {
  if (b) return b;
  certs = makeCerts({ truststore: false });
  dir = mkdtempSync(join(tmpdir(), 'spindle-cli-security-'));
  b = await startBroker({
    config: {
      'num.io.threads': 0,
      'console.listener': 'none',
      'log.dirs': join(dir, 'data'),
      'num.partitions': 1,
      'offsets.topic.num.partitions': 1,
      'group.initial.rebalance.delay.ms': 0,
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512,OAUTHBEARER',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.server.combinedPath,
    },
    logger: quiet,
  });
  // SCRAM users are added as kafka-configs adds them: the client salts and hashes.
  const setup = new Client({ bootstrapServers: listener('PLAINTEXT') });
  try {
    await new Admin(setup).alterUserScramCredentials([{ user: 'carol', mechanism: 'SCRAM-SHA-512', password: 'carol-secret', iterations: 8192 }]);
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

/** A properties file in the test's directory. */
function file(name: string, text: string): string {
  const path = join(dir!, name);
  writeFileSync(path, text);
  return path;
}

/** client.properties as Kafka's documentation has users write it for SASL_SSL with SCRAM. */
function clientProperties(password = 'carol-secret', extra = ''): string {
  return file(
    `client-${password}.properties`,
    [
      '# Spindle over SASL_SSL',
      `bootstrap.servers=${listener('SASL_SSL')}`,
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\',
      '    username="carol" \\',
      `    password="${password}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certs!.ca.certPath}`,
      extra,
      '',
    ].join('\n'),
  );
}

withOpenssl('topics --create and --list, produce and consume log in with --command-config client.properties (SASL_SSL, SCRAM-SHA-512)', async () => {
  await broker();
  const config = clientProperties();
  const created = await spindle(['topics', '--create', '--topic', 'secured', '--partitions', '1', '--command-config', config]);
  assert.is(created.code, 0, created.stderr);
  assert.is(created.stderr, '');
  assert.match(created.stdout, 'Created topic secured.');
  const listed = await spindle(['topics', '--list', '--command-config', config]);
  assert.is(listed.code, 0, listed.stderr);
  assert.ok(lines(listed.stdout).includes('secured'), listed.stdout);

  const produced = await spindle(['produce', '--topic', 'secured', '--command-config', config], { input: 'one\ntwo\nthree\n' });
  assert.is(produced.code, 0, produced.stderr);
  assert.is(produced.stderr, '');
  const consumed = await spindle(['consume', '--topic', 'secured', '--from-beginning', '--max-messages', '3', '--group', 'secured-readers', '--command-config', config]);
  assert.is(consumed.code, 0, consumed.stderr);
  assert.equal(lines(consumed.stdout), ['one', 'two', 'three']);
  // The broker saw carol log in over SASL_SSL, and nobody over PLAINTEXT but the set-up.
  assert.ok(b!.broker.metrics.authentications >= 4, `${b!.broker.metrics.authentications} logins`);
});

withOpenssl('a SCRAM credential that spindle configs sets logs in with its password, and the old password no longer does', async () => {
  await broker();
  const added = await spindle(['configs', '--bootstrap-server', listener('PLAINTEXT'), '--alter', '--user', 'carol', '--add-config', 'SCRAM-SHA-512=[iterations=4096,password=carol-new-secret]']);
  assert.is(added.code, 0, added.stderr);
  assert.is(added.stdout, 'Completed updating config for user carol.\n');
  const described = await spindle(['configs', '--bootstrap-server', listener('PLAINTEXT'), '--describe', '--user', 'carol']);
  assert.is(described.stdout, "SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-512=iterations=4096\n");
  const listed = await spindle(['topics', '--list', '--command-config', clientProperties('carol-new-secret')]);
  assert.is(listed.code, 0, listed.stderr);
  const old = await spindle(['topics', '--list', '--command-config', clientProperties('carol-secret')]);
  assert.is.not(old.code, 0);
  assert.match(old.stderr, 'SASL authentication failed');
  // Back to the password the other tests use.
  const restored = await spindle(['configs', '--bootstrap-server', listener('PLAINTEXT'), '--alter', '--user', 'carol', '--add-config', 'SCRAM-SHA-512=[iterations=8192,password=carol-secret]']);
  assert.is(restored.code, 0, restored.stderr);
  assert.is((await spindle(['topics', '--list', '--command-config', clientProperties('carol-secret')])).code, 0);
});

withOpenssl('Kafka 3\'s --producer.config and --consumer.config, and groups, configs and transactions, take the same file', async () => {
  await broker();
  const config = clientProperties();
  const produced = await spindle(['produce', '--topic', 'secured-old-flags', '--producer.config', config], { input: 'a\nb\n' });
  assert.is(produced.code, 0, produced.stderr);
  const consumed = await spindle(['consume', '--topic', 'secured-old-flags', '--from-beginning', '--max-messages', '2', '--group', 'old-flags', '--consumer.config', config]);
  assert.is(consumed.code, 0, consumed.stderr);
  assert.equal(lines(consumed.stdout), ['a', 'b']);
  const groups = await spindle(['groups', '--list', '--command-config', config]);
  assert.is(groups.code, 0, groups.stderr);
  assert.ok(lines(groups.stdout).includes('old-flags'), groups.stdout);
  const configs = await spindle(['configs', '--describe', '--entity-type', 'topics', '--entity-name', 'secured-old-flags', '--command-config', config]);
  assert.is(configs.code, 0, configs.stderr);
  const txns = await spindle(['transactions', '--command-config', config, 'list']);
  assert.is(txns.code, 0, txns.stderr);
  // --command-property wins over the file, as in Kafka's tools: a wrong password there fails.
  const overridden = await spindle(['produce', '--topic', 'secured-old-flags', '--command-config', config, '--command-property', 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="carol" password="nope";'], { input: 'c\n' });
  assert.is(overridden.code, 1);
  assert.match(overridden.stderr, /^spindle produce: SASL authentication failed: /);
});

withOpenssl('a wrong password stops the command with the broker\'s message in one line, at once', async () => {
  await broker();
  const began = Date.now();
  const r = await spindle(['topics', '--list', '--command-config', clientProperties('guess')]);
  assert.is(r.code, 1);
  assert.is(r.stderr, 'spindle topics: SASL authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512\n');
  assert.not.match(r.stderr, 'guess');
  assert.ok(Date.now() - began < 10_000, 'not retried until a timeout');
});

withOpenssl('settings that cannot be honoured stop the command in one line, saying what to do; none repeats the password', async () => {
  await broker();
  const c = certs!;
  const base = (body: string) => file('refused.properties', `bootstrap.servers=${listener('SASL_SSL')}\n${body}\n`);
  const jaas = 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="carol" password="carol-secret";';
  const cases: [string, string | RegExp][] = [
    ['security.protocol=SASL_SSL', 'needs sasl.mechanism: Kafka\'s default, GSSAPI (Kerberos), is not supported'],
    ['security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512', 'needs sasl.jaas.config (org.apache.kafka.common.security.scram.ScramLoginModule required username="<user>" password="<password>";)'],
    [`security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\n${jaas}`, 'GSSAPI (Kerberos) is not supported'],
    [`security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n${jaas}\nssl.truststore.type=JKS\nssl.truststore.location=${join(dir!, 'truststore.jks')}`, 'keytool -exportcert -rfc'],
    [`security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n${jaas}\nssl.truststore.location=${c.alice.p12Path}`, 'openssl pkcs12'],
    [`security.protocol=SSL\nssl.keystore.type=JKS\nssl.keystore.location=${join(dir!, 'keystore.jks')}`, 'keytool -importkeystore'],
    [`security.protocol=SSL\nssl.keystore.type=PKCS12\nssl.keystore.location=${c.alice.p12Path}\nssl.keystore.password=wrong-one`, 'cannot be used'],
    [`security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\nsasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;\nsasl.oauthbearer.token.endpoint.url=https://idp.example/token`, 'does not fetch OAUTHBEARER tokens from a token endpoint'],
    ['security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="carol" password="carol-secret', 'does not parse'],
    ['security.protocol=TLS', 'security.protocol=TLS (' ],
    ['security.protocol=SSL\nssl.endpoint.identification.algorithm=none', 'must be https'],
  ];
  // A JKS store: its magic number is enough for the refusal.
  writeFileSync(join(dir!, 'truststore.jks'), Buffer.from('feedfeed0000000200000001', 'hex'));
  writeFileSync(join(dir!, 'keystore.jks'), Buffer.from('feedfeed0000000200000001', 'hex'));
  for (const [body, expected] of cases) {
    const r = await spindle(['topics', '--list', '--command-config', base(body)]);
    assert.is(r.code, 1, `${body}: ${r.stderr}`);
    assert.is(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^spindle topics: /);
    assert.match(r.stderr, expected, body);
    assert.not.match(r.stderr, 'carol-secret');
  }
});

withOpenssl('OAUTHBEARER with Kafka\'s unsecured login module logs in from a properties file', async () => {
  await broker();
  const config = file(
    'oauth.properties',
    [
      `bootstrap.servers=${listener('SASL_SSL')}`,
      'security.protocol=SASL_SSL',
      'sasl.mechanism=OAUTHBEARER',
      'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="dana";',
      `ssl.truststore.certificates=${certs!.ca.cert.replace(/\n/g, ' ')}`,
      '',
    ].join('\n'),
  );
  const r = await spindle(['topics', '--create', '--topic', 'by-oauth', '--command-config', config]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
});

withOpenssl('key stores map to node:tls options: PKCS12 with its password, PEM inline on one line (as a properties file holds it), an encrypted PEM key with ssl.key.password', async () => {
  await broker();
  const c = certs!;
  const resolve = (entries: Record<string, string>) => {
    const props: ClientProperties = new Map(Object.entries({ 'security.protocol': 'SSL', ...entries }).map(([k, v]) => [k, { value: v, origin: 'test' }]));
    const warnings: string[] = [];
    const r = resolveClientProperties(props, 'admin', 'test', {}, (l) => warnings.push(l));
    assert.equal(warnings, []);
    return r.client.security!;
  };
  const p12 = resolve({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': c.alice.p12Path, 'ssl.keystore.password': c.password, 'ssl.truststore.location': c.ca.certPath });
  assert.is(p12.protocol, 'SSL');
  assert.ok(Buffer.isBuffer(p12.tls!.pfx));
  assert.is(p12.tls!.passphrase, c.password);
  assert.match(String(p12.tls!.ca), '-----BEGIN CERTIFICATE-----');
  // No type: told from the file, as Java's JKS type reads PKCS12.
  assert.ok(Buffer.isBuffer(resolve({ 'ssl.keystore.location': c.alice.p12Path, 'ssl.keystore.password': c.password }).tls!.pfx));
  const inline = resolve({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': c.alice.key.replace(/\n/g, ' '), 'ssl.keystore.certificate.chain': c.alice.cert.replace(/\n/g, ' ') });
  assert.match(String(inline.tls!.key), /^-----BEGIN PRIVATE KEY-----\n/);
  const encrypted = resolve({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': c.alice.encryptedCombinedPath, 'ssl.key.password': c.password });
  assert.is(encrypted.tls!.passphrase, c.password);
  const unchecked = resolve({ 'ssl.endpoint.identification.algorithm': '', 'ssl.enabled.protocols': 'TLSv1.3' });
  assert.is(unchecked.tls!.checkServerIdentity!('elsewhere', {} as never), undefined);
  assert.is(unchecked.tls!.minVersion, 'TLSv1.3');
  // PLAINTEXT leaves the client's options as they were: no security at all.
  assert.is(resolveClientProperties(new Map(), 'admin', 'test', {}, () => {}).client.security, undefined);
});

withOpenssl('ssl.* and sasl.* settings on a PLAINTEXT connection are named on stderr and ignored, as Kafka ignores them', async () => {
  await broker();
  const config = file('plaintext.properties', `sasl.mechanism=PLAIN\nssl.truststore.location=${certs!.ca.certPath}\n`);
  const r = await spindle(['topics', '--list', '--bootstrap-server', listener('PLAINTEXT'), '--command-config', config]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(lines(r.stderr), [
    `spindle topics: ignoring sasl.mechanism (${config}): security.protocol is PLAINTEXT (the default), which does not use SASL (SASL_SSL or SASL_PLAINTEXT does)`,
    `spindle topics: ignoring ssl.truststore.location (${config}): security.protocol is PLAINTEXT (the default), which does not use TLS (SSL or SASL_SSL does)`,
  ]);
});

test.run();
