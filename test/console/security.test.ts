/**
 * The console and /metrics behind console.authentication: HTTP Basic against the broker's SASL
 * users (PLAIN users of a SASL listener, SCRAM credentials), https:// with the CONSOLE
 * listener's TLS keys, client certificates (mtls), and the safe default that keeps an
 * unauthenticated console on loopback.
 *
 * Needs the openssl command for the certificates of the https cases; those skip without it.
 */
import { request } from 'node:https';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/broker/config/load.js';
import { checkListenerExposure } from '../../src/broker/security/listener-security.js';
import { deriveScramCredential } from '../../src/broker/security/sasl/scram.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { type Certs, makeCerts, opensslMissing } from '../helpers/certs.js';
import { needs } from '../helpers/needs.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_carol="carol-secret";';
const DELAY_MS = 300;

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

async function get(b: RunningBroker, path: string, headers: Record<string, string> = {}): Promise<{ status: number; challenge: string | null; body: string }> {
  const res = await fetch(`${b.consoleUrl}${path}`, { headers });
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.text() };
}

function basicBroker(): Promise<RunningBroker> {
  return startBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'listener.name.sasl.plain.sasl.jaas.config': JAAS,
      'console.listener': 'http://127.0.0.1:0',
      'console.authentication': 'basic',
      'connection.failed.authentication.delay.ms': DELAY_MS,
    },
  });
}

test('basic: no credentials get the challenge, a PLAIN or SCRAM user gets in, a wrong password waits and is refused', async () => {
  const b = await basicBroker();
  try {
    const none = await get(b, '/metrics');
    assert.is(none.status, 401);
    assert.is(none.challenge, 'Basic realm="Spindle", charset="UTF-8"');
    assert.not.match(none.body, /spindle_/);
    assert.is((await get(b, '/api/overview')).status, 401);
    assert.is((await get(b, '/')).status, 401);

    const plain = await get(b, '/metrics', basic('carol', 'carol-secret'));
    assert.is(plain.status, 200);
    assert.match(plain.body, /^spindle_build_info/m);

    await b.broker.security.scram.apply([{ user: 'dave', credential: deriveScramCredential('SCRAM-SHA-512', 'dave-secret', null, 4096) }], []);
    assert.is((await get(b, '/api/overview', basic('dave', 'dave-secret'))).status, 200);
    // Remembered, and still checked against the credential: deleted, the same header is refused.
    assert.is((await get(b, '/api/overview', basic('dave', 'dave-secret'))).status, 200);
    await b.broker.security.scram.apply([], [{ user: 'dave', mechanism: 'SCRAM-SHA-512' }]);
    assert.is((await get(b, '/api/overview', basic('dave', 'dave-secret'))).status, 401);

    for (const [user, password] of [
      ['carol', 'wrong'],
      ['nobody', 'carol-secret'],
      ['', ''],
    ] as const) {
      const started = performance.now();
      const wrong = await get(b, '/metrics', basic(user, password));
      assert.is(wrong.status, 401, `${user}:${password}`);
      assert.ok(performance.now() - started >= DELAY_MS - 20, `refused after ${(performance.now() - started).toFixed(0)} ms, not the failed-login delay`);
      assert.match(wrong.body, /wrong user name or password/);
    }
    assert.is((await get(b, '/metrics', { authorization: 'Bearer abc' })).status, 401);
  } finally {
    await b.close();
  }
});

test('the safe default: a console on another address than loopback needs authentication, or allow.plaintext.non.loopback', () => {
  const check = (config: Record<string, unknown>) => () => checkListenerExposure(loadConfig({ overrides: { 'log.dirs': '/nonexistent-never-written', ...config }, env: {} }));
  assert.throws(check({ 'console.listener': 'http://0.0.0.0:9644' }), /console and \/metrics would serve 0\.0\.0\.0 without authenticating anyone.*console\.authentication=basic/);
  assert.throws(check({ 'console.listener': 'http://10.1.2.3:9644' }), /would serve 10\.1\.2\.3/);
  check({ 'console.listener': 'http://0.0.0.0:9644', 'console.authentication': 'basic' })();
  check({ 'console.listener': 'http://0.0.0.0:9644', 'allow.plaintext.non.loopback': true })();
  check({ 'console.listener': 'http://127.0.0.1:9644' })();
  assert.throws(() => loadConfig({ overrides: { 'console.listener': 'http://127.0.0.1:9644', 'console.authentication': 'mtls' }, env: {} }), /client certificates need console\.listener=https/);
});

let certs: Certs | undefined;
const tlsMissing = opensslMissing;

function httpsGet(url: string, options: { ca: string; cert?: string; key?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { ...options, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });
}

needs(tlsMissing)('https: the console serves TLS from the listener.name.console.ssl.* keys, with Basic on top', async () => {
  certs ??= makeCerts({ truststore: false });
  const b = await startBroker({
    config: {
      'console.listener': 'https://127.0.0.1:0',
      'console.authentication': 'basic',
      'listener.name.console.ssl.keystore.type': 'PEM',
      'listener.name.console.ssl.keystore.location': certs.server.combinedPath,
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl.plain.sasl.jaas.config': JAAS,
    },
  });
  try {
    assert.match(b.consoleUrl!, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await httpsGet(`${b.consoleUrl}/metrics`, { ca: certs.ca.cert, headers: basic('admin', 'admin-secret') });
    assert.ok('status' in ok && ok.status === 200 && /spindle_build_info/.test(ok.body), JSON.stringify(ok).slice(0, 200));
    const anonymous = await httpsGet(`${b.consoleUrl}/metrics`, { ca: certs.ca.cert });
    assert.ok('status' in anonymous && anonymous.status === 401);
    // Plain HTTP on the TLS port gets nothing served.
    const plain = await fetch(`${b.consoleUrl!.replace('https:', 'http:')}/metrics`).then(
      (r) => `status ${r.status}`,
      () => 'refused',
    );
    assert.ok(plain === 'refused' || plain === 'status 400', plain);
  } finally {
    await b.close();
  }
});

needs(tlsMissing)('mtls: a certificate of the trusted CA gets in as its mapped principal; none, or an untrusted one, fails the handshake', async () => {
  certs ??= makeCerts({ truststore: false });
  const b = await startBroker({
    port: 0,
    config: {
      'console.listener': 'https://127.0.0.1:0',
      'console.authentication': 'mtls',
      'listener.name.console.ssl.keystore.type': 'PEM',
      'listener.name.console.ssl.keystore.location': certs.server.combinedPath,
      'listener.name.console.ssl.truststore.type': 'PEM',
      'listener.name.console.ssl.truststore.location': certs.ca.certPath,
      'listener.name.console.ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),.*$/$1/L,DEFAULT',
    },
  });
  try {
    const alice = await httpsGet(`${b.consoleUrl}/api/overview`, { ca: certs.ca.cert, cert: certs.alice.cert, key: certs.alice.key });
    assert.ok('status' in alice && alice.status === 200, JSON.stringify(alice).slice(0, 200));
    const none = await httpsGet(`${b.consoleUrl}/api/overview`, { ca: certs.ca.cert });
    assert.ok('error' in none || none.status !== 200, JSON.stringify(none));
    const mallory = await httpsGet(`${b.consoleUrl}/api/overview`, { ca: certs.ca.cert, cert: certs.mallory.cert, key: certs.mallory.key });
    assert.ok('error' in mallory || mallory.status !== 200, JSON.stringify(mallory));
  } finally {
    await b.close();
  }
});

test.after(() => certs?.remove());

test.run();
