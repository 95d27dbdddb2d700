/**
 * Hostile clients on SASL and TLS listeners: garbage inside the SASL exchange of each
 * mechanism, SCRAM exchanges with a wrong nonce or a proof made with the wrong iteration count,
 * a thousand failed logins (each answered only after the failed-authentication delay, while
 * the broker keeps answering everyone else), tokens past the size bound, requests that skip
 * the handshake, and plaintext on a TLS port. Each must get Kafka's answer (an error code, or
 * the connection closed), never a crash or a hang, and the broker must serve a good client
 * afterwards.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { AlterUserScramCredentials, ApiVersions, Metadata, SaslAuthenticate, SaslHandshake } from '../../../src/protocol/messages/index.js';
import { makeCerts, opensslMissing } from '../../helpers/certs.js';
import { needs } from '../../helpers/needs.js';
import { RawClient } from '../../helpers/raw-client.js';

const quiet = { error() {}, warn() {}, info() {} };
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';
const DELAY_MS = 100;

let b: RunningBroker;
const at = (name: string): string => b.listeners.find((l) => l.name === name)!.bootstrap;

test.before(async () => {
  b = await startBroker({
    config: {
      'num.io.threads': 0,
      'console.listener': 'none',
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'connection.failed.authentication.delay.ms': DELAY_MS,
    },
    logger: quiet,
  });
  const salt = randomBytes(16);
  const c = await RawClient.connect(at('PLAINTEXT'));
  const r = await c.request(AlterUserScramCredentials, 0, {
    deletions: [],
    upsertions: [{ name: 'sam', mechanism: 1, iterations: 4096, salt, saltedPassword: pbkdf2Sync('sam-secret', salt, 4096, 32, 'sha256') }],
  });
  c.close();
  assert.is(r.results[0]!.errorCode, ErrorCode.NONE);
});

test.after(() => b.close());

/** A good client on the SASL listener: logs in with PLAIN and gets Metadata. */
async function goodLogin(): Promise<void> {
  const c = await RawClient.connect(at('SASL_PLAINTEXT'));
  try {
    assert.is((await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
    assert.is((await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') })).errorCode, ErrorCode.NONE);
    const md = await c.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    assert.is(md.brokers.length, 1);
  } finally {
    c.close();
  }
}

/** One exchange: the handshake for `mechanism`, then `tokens` in SaslAuthenticate; the last answer and whether the connection then closed. */
async function exchange(mechanism: string, tokens: Buffer[]): Promise<{ errorCode: number; closed: boolean }> {
  const c = await RawClient.connect(at('SASL_PLAINTEXT'));
  assert.is((await c.request(SaslHandshake, 1, { mechanism })).errorCode, ErrorCode.NONE);
  let errorCode: number = ErrorCode.NONE;
  for (const token of tokens) {
    const r = await c.request(SaslAuthenticate, 2, { authBytes: token });
    errorCode = r.errorCode;
    if (errorCode !== ErrorCode.NONE) break;
  }
  const closed = await c.waitForClose(3000);
  c.close();
  return { errorCode, closed };
}

test('garbage inside the SASL exchange of every mechanism is SASL_AUTHENTICATION_FAILED and a closed connection', async () => {
  const garbage = [Buffer.alloc(0), randomBytes(64), Buffer.from('\u0000\u0000\u0000'), Buffer.from('n,,n=,r='), Buffer.from('\xff\xfe\xfd', 'latin1'), Buffer.alloc(3000, 0x41)];
  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']) {
    for (const token of garbage) {
      // OAUTHBEARER answers a bad first message with an error challenge first; the 0x01 ends it.
      const tokens = mechanism === 'OAUTHBEARER' ? [token, Buffer.from([1])] : [token];
      const r = await exchange(mechanism, tokens);
      assert.is(r.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, `${mechanism} with ${token.length} garbage bytes`);
      assert.ok(r.closed, `${mechanism}: the connection closed`);
    }
  }
  await goodLogin();
});

/** SCRAM-SHA-256's client side, enough to make a client-final with any nonce and iteration count. */
function scramFinal(serverFirst: string, clientFirstBare: string, password: string, options: { nonce?: (n: string) => string; iterations?: (i: number) => number } = {}): string {
  const attrs = new Map(serverFirst.split(',').map((kv) => [kv[0]!, kv.slice(2)] as const));
  const nonce = (options.nonce ?? ((n) => n))(attrs.get('r')!);
  const iterations = (options.iterations ?? ((i) => i))(Number(attrs.get('i')));
  const salted = pbkdf2Sync(password, Buffer.from(attrs.get('s')!, 'base64'), iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${nonce}`;
  const signature = createHmac('sha256', storedKey).update(`${clientFirstBare},${serverFirst},${withoutProof}`).digest();
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

test('SCRAM: a client-final with a wrong nonce, or a proof made with another iteration count, fails; the right one succeeds', async () => {
  const attempt = async (options: Parameters<typeof scramFinal>[3]): Promise<number> => {
    const c = await RawClient.connect(at('SASL_PLAINTEXT'));
    try {
      await c.request(SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
      const bare = `n=sam,r=${randomBytes(18).toString('base64url')}`;
      const first = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,${bare}`) });
      assert.is(first.errorCode, ErrorCode.NONE);
      const final = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(scramFinal(first.authBytes.toString(), bare, 'sam-secret', options)) });
      return final.errorCode;
    } finally {
      c.close();
    }
  };
  assert.is(await attempt({}), ErrorCode.NONE);
  assert.is(await attempt({ nonce: (n) => `${n.slice(0, -2)}zz` }), ErrorCode.SASL_AUTHENTICATION_FAILED, 'a changed server nonce');
  assert.is(await attempt({ nonce: (n) => n.slice(0, 20) }), ErrorCode.SASL_AUTHENTICATION_FAILED, 'the client nonce alone');
  assert.is(await attempt({ iterations: (i) => i + 1 }), ErrorCode.SASL_AUTHENTICATION_FAILED, 'another iteration count');
});

test('a thousand failed logins: each answered after the delay and closed, the broker answering everyone else meanwhile', async () => {
  const TOTAL = 1000;
  const AT_ONCE = 100;
  let failed = 0;
  let fastest = Infinity;
  const one = async (): Promise<void> => {
    const c = await RawClient.connect(at('SASL_PLAINTEXT'));
    try {
      await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
      const began = performance.now();
      const r = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000alice\u0000guess-${failed}`) });
      fastest = Math.min(fastest, performance.now() - began);
      if (r.errorCode === ErrorCode.SASL_AUTHENTICATION_FAILED) failed++;
      assert.ok(await c.waitForClose(5000));
    } finally {
      c.close();
    }
  };
  const before = b.broker.metrics.failedAuthentications;
  for (let sent = 0; sent < TOTAL; sent += AT_ONCE) {
    const wave = Array.from({ length: AT_ONCE }, one);
    // While a wave of failures waits out its delay, a good client is served on both listeners.
    const plain = await RawClient.connect(at('PLAINTEXT'));
    const md = await plain.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    plain.close();
    assert.is(md.brokers.length, 1);
    if (sent % 500 === 0) await goodLogin();
    await Promise.all(wave);
  }
  assert.is(failed, TOTAL);
  assert.is(b.broker.metrics.failedAuthentications - before, TOTAL);
  assert.ok(fastest >= DELAY_MS * 0.9, `every failure was held for the delay (fastest ${fastest.toFixed(0)} ms)`);
  // Nothing is left holding a connection.
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(b.connectionCount() <= 1, `${b.connectionCount()} connections still open`);
  await goodLogin();
});

test('requests that skip or break the handshake close the connection: SaslAuthenticate first, a second handshake mid-exchange, Metadata after the handshake', async () => {
  const early = await RawClient.connect(at('SASL_PLAINTEXT'));
  // SaslAuthenticate with no handshake: not in the authenticate stage, refused and closed.
  await early.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') }).catch(() => undefined);
  assert.ok(await early.waitForClose(3000), 'SaslAuthenticate before SaslHandshake');

  const twice = await RawClient.connect(at('SASL_PLAINTEXT'));
  await twice.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
  await twice.request(SaslHandshake, 1, { mechanism: 'PLAIN' }).catch(() => undefined);
  assert.ok(await twice.waitForClose(3000), 'a second SaslHandshake during the exchange');

  const skip = await RawClient.connect(at('SASL_PLAINTEXT'));
  await skip.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
  await skip.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false }, 3000).catch(() => undefined);
  assert.ok(await skip.waitForClose(3000), 'Metadata between SaslHandshake and SaslAuthenticate');

  // ApiVersions stays answered before the login, as clients need it first.
  const versions = await RawClient.connect(at('SASL_PLAINTEXT'));
  const v = await versions.request(ApiVersions, 3, { clientSoftwareName: 'hostile', clientSoftwareVersion: '1' });
  assert.is(v.errorCode, ErrorCode.NONE);
  versions.close();
  await goodLogin();
});

needs(opensslMissing)('TLS listener: random bytes, a truncated ClientHello and a client that sends half a handshake are closed; the broker serves TLS clients after', async () => {
  const certs = makeCerts({ truststore: false });
  const tlsBroker = await startBroker({
    config: { 'num.io.threads': 0, 'console.listener': 'none', listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.server.combinedPath, 'connections.max.idle.ms': 1000 },
    logger: quiet,
  });
  try {
    const address = tlsBroker.listeners[0]!.bootstrap;
    for (const bytes of [randomBytes(512), Buffer.from('160301', 'hex'), Buffer.concat([Buffer.from('16030100c8010000c40303', 'hex'), randomBytes(40)])]) {
      const raw = await RawClient.connect(address);
      raw.write(bytes);
      assert.ok(await raw.waitForClose(5000), `${bytes.length} bytes`);
    }
    const good = await RawClient.connectTls(address, { ca: certs.ca.cert });
    const md = await good.request(Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    good.close();
    assert.is(md.brokers.length, 1);
  } finally {
    await tlsBroker.close();
    certs.remove();
  }
});

test.run();
