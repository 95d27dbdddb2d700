/**
 * SCRAM-SHA-256 and SCRAM-SHA-512, server side: RFC 7677's test vector byte for byte, logins
 * by kafkajs's own SCRAM client (driven without a broker) for both mechanisms, and by a small
 * client written here from RFC 5802 to build the messages a broken or hostile client sends:
 * wrong password, unknown user (whose server-first looks like anyone's and who fails with the
 * same message), wrong nonce, tampered proof, channel binding, authzid, extensions, name
 * encoding, size and nonce bounds, and garbage that must be refused, never crash.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type SaslServer,
  type ScramCredential,
  type ScramMechanism,
  MAX_SCRAM_MESSAGE_BYTES,
  SaslAuthenticationError,
  createSaslServer,
  createScramServer,
  decodeSaslName,
  deriveScramCredential,
  encodeSaslName,
} from '../../../../src/broker/security/sasl/index.js';

const require = createRequire(import.meta.url);
// kafkajs's SCRAM client, as its broker connection uses it: it only needs saslAuthenticate.
const { SCRAM, DIGESTS } = require('kafkajs/src/broker/saslAuthenticator/scram.js') as {
  SCRAM: new (sasl: object, host: string, port: number, logger: object, saslAuthenticate: (x: { request: KafkajsRequest; response?: KafkajsResponse }) => Promise<unknown>, digest: object) => { authenticate(): Promise<void> };
  DIGESTS: { SHA256: object; SHA512: object };
};
interface KafkajsRequest {
  encode(): Promise<Buffer>;
}
interface KafkajsResponse {
  decode(raw: Buffer): Promise<Buffer>;
  parse(data: Buffer): Promise<unknown>;
}
const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs kafkajs's SCRAM client against `server`; rejects as kafkajs does when the login fails. */
async function kafkajsLogin(server: SaslServer, mechanism: ScramMechanism, username: string, password: string): Promise<void> {
  const saslAuthenticate = async ({ request, response }: { request: KafkajsRequest; response?: KafkajsResponse }) => {
    // kafkajs frames tokens as Kafka BYTES (int32 length first), as SaslAuthenticate carries them.
    const token = (await request.encode()).subarray(4);
    const answer = await server.evaluate(Buffer.from(token));
    if (!response) return undefined;
    const framed = Buffer.alloc(4 + answer.length);
    framed.writeInt32BE(answer.length, 0);
    answer.copy(framed, 4);
    return response.parse(await response.decode(framed));
  };
  const client = new SCRAM({ username, password }, 'test', 0, quietLogger, saslAuthenticate, mechanism === 'SCRAM-SHA-256' ? DIGESTS.SHA256 : DIGESTS.SHA512);
  await client.authenticate();
}

// --- A client from RFC 5802, for messages kafkajs would never send ------------------------------

const hashOf = (m: ScramMechanism) => (m === 'SCRAM-SHA-256' ? 'sha256' : 'sha512');

interface ClientFinal {
  message: string;
  withoutProof: string;
  proof: Buffer;
  serverSignature: string;
}

function clientFinal(mechanism: ScramMechanism, password: string, clientFirstBare: string, serverFirst: string, opts: { gs2Header?: string; nonce?: string; cb?: string } = {}): ClientFinal {
  const h = hashOf(mechanism);
  const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a[0], a.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), h === 'sha256' ? 32 : 64, h);
  const clientKey = createHmac(h, salted).update('Client Key').digest();
  const storedKey = createHash(h).update(clientKey).digest();
  const serverKey = createHmac(h, salted).update('Server Key').digest();
  const withoutProof = `c=${opts.cb ?? Buffer.from(opts.gs2Header ?? 'n,,').toString('base64')},r=${opts.nonce ?? attrs.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac(h, storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  return {
    message: `${withoutProof},p=${proof.toString('base64')}`,
    withoutProof,
    proof,
    serverSignature: `v=${createHmac(h, serverKey).update(authMessage).digest('base64')}`,
  };
}

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

const GENERIC_256 = 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256';
const CLIENT_NONCE = 'fyko+d2lbbFgONRv9qkxdawL';

const credentials = new Map<string, ScramCredential>();
for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  credentials.set(`${m}/alice`, deriveScramCredential(m, 'alice-secret', null, 4096));
  credentials.set(`${m}/bob`, deriveScramCredential(m, 'bob-secret', null, 8192));
  credentials.set(`${m}/a,b=c`, deriveScramCredential(m, 'odd-secret', null, 4096));
}
const lookupFor = (m: ScramMechanism) => (user: string) => credentials.get(`${m}/${user}`);
const server256 = (opts = {}) => createScramServer('SCRAM-SHA-256', lookupFor('SCRAM-SHA-256'), opts);

/** Sends a client-first for `user` and returns the server-first. */
async function first(server: SaslServer, user: string, gs2Header = 'n,,', nonce = CLIENT_NONCE): Promise<{ bare: string; serverFirst: string }> {
  const bare = `n=${encodeSaslName(user)},r=${nonce}`;
  const serverFirst = (await server.evaluate(Buffer.from(gs2Header + bare))).toString();
  return { bare, serverFirst };
}

test("RFC 7677's SCRAM-SHA-256 example, byte for byte", async () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const credential = deriveScramCredential('SCRAM-SHA-256', 'pencil', salt, 4096);
  const server = createScramServer('SCRAM-SHA-256', (u) => (u === 'user' ? credential : undefined), { serverNonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' });
  assert.is(server.mechanism, 'SCRAM-SHA-256');
  const s1 = await server.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
  assert.is(s1.toString(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  assert.is(server.complete, false);
  assert.is(server.authorizationId, null);
  const s2 = await server.evaluate(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='));
  assert.is(s2.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  assert.is(server.complete, true);
  assert.is(server.authorizationId, 'user');
  assert.is(server.credentialExpiryMs, null);
});

for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  test(`${mechanism}: kafkajs's client logs in (4096 and 8192 iterations)`, async () => {
    for (const [user, password] of [
      ['alice', 'alice-secret'],
      ['bob', 'bob-secret'],
    ] as const) {
      const server = createScramServer(mechanism, lookupFor(mechanism));
      await kafkajsLogin(server, mechanism, user, password);
      assert.is(server.complete, true);
      assert.is(server.authorizationId, user);
    }
  });

  test(`${mechanism}: kafkajs's client with a wrong password, and an unknown user, fail alike`, async () => {
    const wrong = createScramServer(mechanism, lookupFor(mechanism));
    const e1 = await kafkajsLogin(wrong, mechanism, 'alice', 'not-it').then(
      () => null,
      (e: Error) => e,
    );
    const unknown = createScramServer(mechanism, lookupFor(mechanism));
    const e2 = await kafkajsLogin(unknown, mechanism, 'mallory', 'whatever').then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(e1 && e2, 'both logins fail');
    const generic = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
    assert.ok(e1!.message.includes(generic), e1!.message);
    assert.ok(e2!.message.includes(generic), e2!.message);
    assert.is(wrong.complete, false);
    assert.is(unknown.complete, false);
  });

  test(`${mechanism}: user names with ',' and '=' travel as =2C and =3D`, async () => {
    const server = createScramServer(mechanism, lookupFor(mechanism));
    await kafkajsLogin(server, mechanism, 'a,b=c', 'odd-secret');
    assert.is(server.authorizationId, 'a,b=c');
  });

  test(`${mechanism}: through createSaslServer, with the store's (user, mechanism) lookup`, async () => {
    const asked: string[] = [];
    const server = createSaslServer(mechanism, {
      scramCredential: (user, m) => {
        asked.push(`${user}/${m}`);
        return credentials.get(`${m}/${user}`);
      },
    });
    await kafkajsLogin(server, mechanism, 'alice', 'alice-secret');
    assert.equal(asked, [`alice/${mechanism}`]);
    assert.is(server.mechanism, mechanism);
  });
}

test('wrong password: the generic message, e=invalid-proof, the cause in reason', async () => {
  const server = server256();
  const { bare, serverFirst } = await first(server, 'alice');
  const e = await rejects(server.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'wrong', bare, serverFirst).message)));
  assert.is(e.message, GENERIC_256);
  assert.is(e.serverToken?.toString(), 'e=invalid-proof');
  assert.match(e.reason, /wrong password/);
  assert.is(server.complete, false);
  assert.is(server.authorizationId, null);
});

test("unknown user: server-first looks like a real user's, stable per name; fails at client-final like a wrong password", async () => {
  const realServer = server256();
  const real = await first(realServer, 'alice');
  const a = await first(server256(), 'mallory');
  const b = await first(server256(), 'mallory');
  const c = await first(server256(), 'trudy');
  const shape = /^r=fyko\+d2lbbFgONRv9qkxdawL[\x21-\x2b\x2d-\x7e]+,s=[A-Za-z0-9+/]+={0,2},i=\d+$/;
  for (const s of [real.serverFirst, a.serverFirst, c.serverFirst]) assert.match(s, shape);
  const salt = (s: string) => /s=([^,]+)/.exec(s)![1]!;
  const iterations = (s: string) => /i=(\d+)$/.exec(s)![1];
  assert.is(salt(a.serverFirst), salt(b.serverFirst), 'the same fake salt each time');
  assert.is.not(salt(a.serverFirst), salt(c.serverFirst), 'a different one per name');
  assert.is(iterations(a.serverFirst), '4096');
  // Fake salts are made like real (default) ones: Kafka-style base-36 ASCII of about the same length.
  const realSalt = Buffer.from(salt(real.serverFirst), 'base64');
  const fakeSalt = Buffer.from(salt(a.serverFirst), 'base64');
  assert.match(realSalt.toString('latin1'), /^[0-9a-z]{20,26}$/);
  assert.match(fakeSalt.toString('latin1'), /^[0-9a-z]{20,26}$/);
  // Different server nonces per exchange.
  assert.is.not(/r=([^,]+)/.exec(a.serverFirst)![1], /r=([^,]+)/.exec(b.serverFirst)![1]);

  const wrongPassword = await rejects(realServer.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'nope', real.bare, real.serverFirst).message)));
  const unknownServer = server256();
  const u = await first(unknownServer, 'mallory');
  const unknownUser = await rejects(unknownServer.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'nope', u.bare, u.serverFirst).message)));
  assert.is(unknownUser.message, wrongPassword.message);
  assert.is(unknownUser.message, GENERIC_256);
  assert.is(unknownUser.serverToken?.toString(), wrongPassword.serverToken?.toString());
  assert.match(unknownUser.reason, /unknown user mallory/);
});

test('a credential for the other mechanism counts as none; unknown-user iterations are configurable', async () => {
  const only512 = deriveScramCredential('SCRAM-SHA-512', 'x', null, 4096);
  const server = createScramServer('SCRAM-SHA-256', () => only512, { unknownUserIterations: 8192 });
  const { bare, serverFirst } = await first(server, 'alice');
  assert.match(serverFirst, /,i=8192$/);
  const e = await rejects(server.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'x', bare, serverFirst).message)));
  assert.is(e.message, GENERIC_256);
});

test("client-final: librdkafka before 2.2's nonce (its own again, then the combined one) is taken, as Kafka takes it", async () => {
  const server = server256();
  const { bare, serverFirst } = await first(server, 'alice');
  const combined = /r=([^,]+)/.exec(serverFirst)![1]!;
  const final = clientFinal('SCRAM-SHA-256', 'alice-secret', bare, serverFirst, { nonce: `${CLIENT_NONCE}${combined}` });
  await server.evaluate(Buffer.from(final.message));
  assert.ok(server.complete);
});

test('client-final: a nonce that does not end with the combined one is refused, even with a right proof', async () => {
  for (const mutate of [(n: string) => n.slice(0, -1), (n: string) => `${n}x`, (n: string) => n.slice(CLIENT_NONCE.length), () => CLIENT_NONCE]) {
    const server = server256();
    const { bare, serverFirst } = await first(server, 'alice');
    const nonce = mutate(/r=([^,]+)/.exec(serverFirst)![1]!);
    const e = await rejects(server.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'alice-secret', bare, serverFirst, { nonce }).message)));
    assert.is(e.message, GENERIC_256);
    assert.is(e.serverToken?.toString(), 'e=other-error');
  }
});

test('client-final: a tampered proof is refused (one bit, short, long)', async () => {
  const proofs = (p: Buffer) => [Buffer.from(p.map((b, i) => (i === 5 ? b ^ 1 : b))), p.subarray(1), Buffer.concat([p, Buffer.from([0])])];
  const probe = server256();
  const f = await first(probe, 'alice');
  for (const tampered of proofs(clientFinal('SCRAM-SHA-256', 'alice-secret', f.bare, f.serverFirst).proof)) {
    const server = server256();
    const { bare, serverFirst } = await first(server, 'alice');
    const good = clientFinal('SCRAM-SHA-256', 'alice-secret', bare, serverFirst);
    const e = await rejects(server.evaluate(Buffer.from(`${good.withoutProof},p=${tampered.toString('base64')}`)));
    assert.is(e.serverToken?.toString(), 'e=invalid-proof');
  }
  // And the untampered proof of the same exchange succeeds, with the signature the client expects.
  const server = server256();
  const { bare, serverFirst } = await first(server, 'alice');
  const good = clientFinal('SCRAM-SHA-256', 'alice-secret', bare, serverFirst);
  assert.is((await server.evaluate(Buffer.from(good.message))).toString(), good.serverSignature);
});

test("channel binding: 'p' refused; 'y' accepted with c= of its own header; c= must match the gs2 header", async () => {
  const p = await rejects(server256().evaluate(Buffer.from(`p=tls-unique,,n=alice,r=${CLIENT_NONCE}`)));
  assert.is(p.message, GENERIC_256);
  assert.match(p.reason, /channel binding/);

  const y = server256();
  const fy = await first(y, 'alice', 'y,,');
  await y.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'alice-secret', fy.bare, fy.serverFirst, { gs2Header: 'y,,' }).message));
  assert.is(y.complete, true);

  const mismatch = server256();
  const fm = await first(mismatch, 'alice', 'y,,');
  const e = await rejects(mismatch.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'alice-secret', fm.bare, fm.serverFirst, { gs2Header: 'n,,' }).message)));
  assert.is(e.serverToken?.toString(), 'e=channel-bindings-dont-match');

  const bad = server256();
  const fb = await first(bad, 'alice');
  const e2 = await rejects(bad.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'alice-secret', fb.bare, fb.serverFirst, { cb: 'bi*s' }).message)));
  assert.is(e2.serverToken?.toString(), 'e=invalid-encoding');
});

test('authzid: equal to the user is taken (and bound into c=); another is refused with Kafka\'s message, for known and unknown users alike', async () => {
  const ok = server256();
  const f = await first(ok, 'alice', 'n,a=alice,');
  await ok.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'alice-secret', f.bare, f.serverFirst, { gs2Header: 'n,a=alice,' }).message));
  assert.is(ok.authorizationId, 'alice');

  const known = await rejects(server256().evaluate(Buffer.from(`n,a=bob,n=alice,r=${CLIENT_NONCE}`)));
  const unknown = await rejects(server256().evaluate(Buffer.from(`n,a=bob,n=mallory,r=${CLIENT_NONCE}`)));
  assert.is(known.message, 'Authentication failed: Client requested an authorization id that is different from username');
  assert.is(unknown.message, known.message);
});

test("extensions: Kafka's tokenauth=true refused cleanly; others ignored; m= refused", async () => {
  const token = await rejects(server256().evaluate(Buffer.from(`n,,n=alice,r=${CLIENT_NONCE},tokenauth=true`)));
  assert.is(token.message, GENERIC_256);
  assert.match(token.reason, /delegation-token/);
  const tokenUpper = await rejects(server256().evaluate(Buffer.from(`n,,n=alice,r=${CLIENT_NONCE},tokenauth=TRUE`)));
  assert.match(tokenUpper.reason, /delegation-token/);

  const other = server256();
  const bare = `n=alice,r=${CLIENT_NONCE},tokenauth=false,x=y`;
  const serverFirst = (await other.evaluate(Buffer.from(`n,,${bare}`))).toString();
  // The AuthMessage covers client-first-bare as sent, extensions included.
  await other.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'alice-secret', bare, serverFirst).message));
  assert.is(other.complete, true);

  const m = await rejects(server256().evaluate(Buffer.from(`n,,m=ext,n=alice,r=${CLIENT_NONCE}`)));
  assert.match(m.reason, /mandatory extension/);
});

test('saslname decoding', () => {
  assert.is(decodeSaslName('a=2Cb=3Dc'), 'a,b=c');
  assert.is(decodeSaslName('=3D2C'), '=2C');
  assert.is(decodeSaslName('plain'), 'plain');
  assert.is(decodeSaslName('bad=2'), null);
  assert.is(decodeSaslName('bad=41'), null);
  assert.is(decodeSaslName('bad='), null);
  assert.is(decodeSaslName('bad\0'), null);
  assert.is(encodeSaslName('a,b=c'), 'a=2Cb=3Dc');
  assert.is(decodeSaslName(encodeSaslName('x=,=y')), 'x=,=y');
});

test('nonce bounds and message size', async () => {
  const short = await rejects(server256().evaluate(Buffer.from('n,,n=alice,r=abc')));
  assert.match(short.reason, /nonce of 3/);
  const long = await rejects(server256().evaluate(Buffer.from(`n,,n=alice,r=${'x'.repeat(256)}`)));
  assert.match(long.reason, /nonce of 256/);
  await server256().evaluate(Buffer.from(`n,,n=alice,r=${'x'.repeat(255)}`));
  const huge = await rejects(server256().evaluate(Buffer.from(`n,,n=${'a'.repeat(MAX_SCRAM_MESSAGE_BYTES)},r=${CLIENT_NONCE}`)));
  assert.match(huge.reason, /longer than/);

  const s = server256();
  await first(s, 'alice');
  const hugeFinal = await rejects(s.evaluate(Buffer.alloc(MAX_SCRAM_MESSAGE_BYTES + 1, 0x61)));
  assert.is(hugeFinal.serverToken?.toString(), 'e=invalid-encoding');
});

test('malformed client-first messages are refused with SaslAuthenticationError', async () => {
  const bad = [
    '',
    'n',
    'n,',
    'n,,',
    'x,,n=alice,r=' + CLIENT_NONCE,
    'n,,r=' + CLIENT_NONCE + ',n=alice',
    'n,,n=alice',
    'n,,n=,r=' + CLIENT_NONCE,
    'n,,n=al=ice,r=' + CLIENT_NONCE,
    'n,,n=alice,r=',
    'n,,n=alice,r=' + CLIENT_NONCE + ',',
    'n,,n=alice,r=' + CLIENT_NONCE + ',x',
    'n,,n=alice,r=' + CLIENT_NONCE + ',=v',
    'n,,n=alice,r=' + CLIENT_NONCE + ',1=v',
    'n,,n=alice,r=nonce with spaces!!!',
    'n,b=alice,n=alice,r=' + CLIENT_NONCE,
    'n,a=,n=alice,r=' + CLIENT_NONCE,
    'n,,n=alice,x=' + CLIENT_NONCE,
    'n,,N=alice,r=' + CLIENT_NONCE,
  ];
  for (const msg of bad) {
    const e = await rejects(server256().evaluate(Buffer.from(msg)));
    assert.is(e.message, GENERIC_256, msg);
  }
  await rejects(server256().evaluate(Buffer.from([0x6e, 0x2c, 0x2c, 0x6e, 0x3d, 0xff, 0xfe, 0x2c])));
  // A byte-order mark is not silently dropped.
  await rejects(server256().evaluate(Buffer.from(`\ufeffn,,n=alice,r=${CLIENT_NONCE}`)));
});

test('malformed client-final messages are refused with SaslAuthenticationError', async () => {
  const cases = (nonce: string, proof: string) => [
    '',
    'c=biws',
    `c=biws,r=${nonce}`,
    `r=${nonce},c=biws,p=${proof}`,
    `c=biws,p=${proof},r=${nonce}`,
    `c=biws,r=${nonce},p=`,
    `c=biws,r=${nonce},p=!!!!`,
    `c=biws,r=${nonce},p=${proof.slice(0, -2)}`,
    `c=,r=${nonce},p=${proof}`,
    `c=biws,r=${nonce},=x,p=${proof}`,
    `c=biws,r=${nonce},p=${proof},x=y`,
    `c=biws,r=${nonce},,p=${proof}`,
  ];
  const probe = server256();
  const f = await first(probe, 'alice');
  const n = /r=([^,]+)/.exec(f.serverFirst)![1]!;
  for (const template of cases(n, 'AAAA')) {
    const server = server256();
    const { serverFirst } = await first(server, 'alice');
    const nonce = /r=([^,]+)/.exec(serverFirst)![1]!;
    const msg = template.replaceAll(n, nonce);
    const e = await rejects(server.evaluate(Buffer.from(msg)));
    assert.is(e.message, GENERIC_256, msg);
    assert.ok(e.serverToken?.toString().startsWith('e='), msg);
  }
});

test('random and mutated bytes never crash the server: every failure is a SaslAuthenticationError', async () => {
  const valid = `n,,n=alice,r=${CLIENT_NONCE}`;
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 400; i++) {
    let token: Buffer;
    if (i % 2 === 0) token = randomBytes(rand(80));
    else {
      token = Buffer.from(valid);
      for (let k = 0; k <= rand(4); k++) token[rand(token.length)] = rand(256);
    }
    const server = server256();
    try {
      const answer = await server.evaluate(token);
      // A mutation may still be a valid client-first; then a random client-final must fail.
      assert.ok(answer.length > 0);
      await rejects(server.evaluate(randomBytes(rand(120))));
    } catch (e) {
      assert.instance(e, SaslAuthenticationError, `${token.toString('hex')}: ${String(e)}`);
    }
  }
});

test('tokens after the exchange ended are refused; a failed exchange stays failed', async () => {
  const ok = server256();
  const f = await first(ok, 'alice');
  await ok.evaluate(Buffer.from(clientFinal('SCRAM-SHA-256', 'alice-secret', f.bare, f.serverFirst).message));
  await rejects(ok.evaluate(Buffer.from('anything')));
  assert.is(ok.complete, true, 'still authenticated');

  const failed = server256();
  await rejects(failed.evaluate(Buffer.from('garbage')));
  await rejects(failed.evaluate(Buffer.from(`n,,n=alice,r=${CLIENT_NONCE}`)));
  assert.is(failed.complete, false);
});

test('stored credentials: fewer than 4096 iterations, or keys of the wrong length, are refused', async () => {
  const weak = { ...deriveScramCredential('SCRAM-SHA-256', 'p', null, 4096), iterations: 1024 };
  const e = await rejects(createScramServer('SCRAM-SHA-256', () => weak).evaluate(Buffer.from(`n,,n=alice,r=${CLIENT_NONCE}`)));
  assert.match(e.reason, /less than the minimum 4096/);
  const broken = { ...deriveScramCredential('SCRAM-SHA-256', 'p', null, 4096), storedKey: Buffer.alloc(5) };
  await rejects(createScramServer('SCRAM-SHA-256', () => broken).evaluate(Buffer.from(`n,,n=alice,r=${CLIENT_NONCE}`)));
  const throwing = createScramServer('SCRAM-SHA-256', () => {
    throw new Error('store down');
  });
  const t = await rejects(throwing.evaluate(Buffer.from(`n,,n=alice,r=${CLIENT_NONCE}`)));
  assert.is(t.message, GENERIC_256);
});

test('deriveScramCredential: the RFC 5802 keys, Kafka-style salts, iteration bounds', () => {
  const salt = Buffer.from('salt');
  const c = deriveScramCredential('SCRAM-SHA-512', 'pw', salt, 4096);
  const salted = pbkdf2Sync('pw', salt, 4096, 64, 'sha512');
  const clientKey = createHmac('sha512', salted).update('Client Key').digest();
  assert.equal(c.storedKey, createHash('sha512').update(clientKey).digest());
  assert.equal(c.serverKey, createHmac('sha512', salted).update('Server Key').digest());
  assert.is(c.mechanism, 'SCRAM-SHA-512');
  assert.is(c.iterations, 4096);
  const random = deriveScramCredential('SCRAM-SHA-256', 'pw');
  assert.match(random.salt.toString('latin1'), /^[0-9a-z]+$/);
  assert.is(random.iterations, 4096);
  assert.is.not(random.salt.toString(), deriveScramCredential('SCRAM-SHA-256', 'pw').salt.toString());
  assert.throws(() => deriveScramCredential('SCRAM-SHA-256', 'pw', null, 4095), RangeError);
  assert.throws(() => deriveScramCredential('SCRAM-SHA-256', 'pw', null, 16385), RangeError);
  assert.throws(() => deriveScramCredential('SCRAM-SHA-256', 'pw', Buffer.alloc(0), 4096), RangeError);
  deriveScramCredential('SCRAM-SHA-256', 'pw', null, 16384);
});

test.run();
