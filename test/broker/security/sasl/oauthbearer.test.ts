/**
 * SASL/OAUTHBEARER, server side, with both validators.
 *
 * Unsecured (Kafka's development validator): a good token logs in and bounds the session by its
 * exp; expired, unscoped, unsigned-but-signed, malformed tokens get Kafka's JSON error challenge
 * and, after the client's 0x01, the refusal with the reason; its JAAS options are honoured.
 *
 * JWKS: RSA (RS, PS) and EC (P-256, P-384, P-521) keys made here, their JWKs served by a small
 * HTTP server on 127.0.0.1 (and from a file: URL); tokens signed by them log in, and a wrong
 * signature, issuer, audience, an unknown kid (one refetch, then none while it stays unknown),
 * alg "none" or HS256, expired or not-yet-valid tokens are refused; a rotated key is found by
 * the refetch; the refresh timer runs and close() stops it; an endpoint that is down is
 * retried and reported.
 *
 * The client message itself: kafkajs's, extensions, authzid, gs2 flags, and malformed input.
 */
import { type KeyObject, constants, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  JwksValidator,
  MAX_OAUTHBEARER_TOKEN_BYTES,
  type OAuthValidator,
  OAuthBearerValidationError,
  SaslAuthenticationError,
  createOAuthBearerServer,
  createSaslServer,
  unsecuredValidator,
} from '../../../../src/broker/security/sasl/index.js';

const require = createRequire(import.meta.url);
const kafkajsOAuth = require('kafkajs/src/protocol/sasl/oauthBearer/request') as (sasl: object, token: { value: string; extensions?: Record<string, string> }) => Promise<{ encode(): Promise<Buffer> }>;

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

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const unsecured = (claims: object, header: object = { alg: 'none' }) => `${b64(header)}.${b64(claims)}.`;
function initial(token: string, opts: { authzid?: string; extensions?: string[]; flag?: string } = {}): Buffer {
  const ext = (opts.extensions ?? []).map((e) => `\x01${e}`).join('');
  return Buffer.from(`${opts.flag ?? 'n'},${opts.authzid ? `a=${opts.authzid}` : ''},\x01auth=Bearer ${token}${ext}\x01\x01`);
}
const ACK = Buffer.from([0x01]);

const NOW = 1_700_000_000_000;
const nowS = NOW / 1000;
const clock = () => NOW;

/** The whole exchange of a refused token: the JSON challenge, then the refusal after 0x01. */
async function refusedWith(validator: OAuthValidator, message: Buffer): Promise<{ challenge: string; error: SaslAuthenticationError }> {
  const server = createOAuthBearerServer(validator);
  const challenge = (await server.evaluate(message)).toString();
  assert.is(server.complete, false);
  const error = await rejects(server.evaluate(ACK));
  assert.ok(error.message.startsWith('Authentication failed: '), error.message);
  assert.is(error.serverToken?.toString(), challenge);
  assert.is(server.complete, false);
  assert.is(server.authorizationId, null);
  return { challenge, error };
}

async function accepted(validator: OAuthValidator, message: Buffer): Promise<ReturnType<typeof createOAuthBearerServer>> {
  const server = createOAuthBearerServer(validator);
  const answer = await server.evaluate(message);
  assert.is(answer.length, 0, answer.toString());
  assert.is(server.complete, true);
  return server;
}

// --- Unsecured validator ---------------------------------------------------------------------

const dev = unsecuredValidator(new Map(), clock);

test('unsecured: a good token logs in; the session ends at exp; fractional exp is kept to the ms', async () => {
  const server = await accepted(dev, initial(unsecured({ sub: 'alice', iat: nowS, exp: nowS + 3600.25, scope: 'read' })));
  assert.is(server.mechanism, 'OAUTHBEARER');
  assert.is(server.authorizationId, 'alice');
  assert.is(server.credentialExpiryMs, NOW + 3_600_250);
  // iat is optional.
  await accepted(dev, initial(unsecured({ sub: 'bob', exp: nowS + 60 })));
});

test("unsecured: kafkajs's client message, with extensions, is taken (extensions ignored)", async () => {
  const framed = await (await kafkajsOAuth({}, { value: unsecured({ sub: 'alice', exp: nowS + 60 }), extensions: { traceId: 'abc123', logicalCluster: 'lkc-1' } })).encode();
  const server = await accepted(dev, framed.subarray(4));
  assert.is(server.authorizationId, 'alice');
});

test('unsecured: an expired token gets {"status":"invalid_token"}, then the reason after 0x01', async () => {
  const { challenge, error } = await refusedWith(dev, initial(unsecured({ sub: 'alice', iat: nowS - 7200, exp: nowS - 3600 })));
  assert.is(challenge, '{"status":"invalid_token"}');
  assert.match(error.message, /expired/);
  // exp exactly now is expired; a clock skew allowance lets a just-expired token in.
  await refusedWith(dev, initial(unsecured({ sub: 'alice', exp: nowS })));
  const lenient = unsecuredValidator(new Map([['unsecuredValidatorAllowableClockSkewMs', '5000']]), clock);
  await accepted(lenient, initial(unsecured({ sub: 'alice', exp: nowS - 4 })));
  await refusedWith(lenient, initial(unsecured({ sub: 'alice', exp: nowS - 6 })));
});

test('unsecured: a missing required scope gets insufficient_scope with the scope; array and space-separated scopes satisfy it', async () => {
  const v = unsecuredValidator(new Map([['unsecuredValidatorRequiredScope', 'kafka.read kafka.write']]), clock);
  const { challenge, error } = await refusedWith(v, initial(unsecured({ sub: 'alice', exp: nowS + 60, scope: ['kafka.read'] })));
  assert.is(challenge, '{"status":"insufficient_scope", "scope":"[kafka.read, kafka.write]"}');
  assert.match(error.message, /lacks the required scope kafka\.write/);
  await refusedWith(v, initial(unsecured({ sub: 'alice', exp: nowS + 60 })));
  await accepted(v, initial(unsecured({ sub: 'alice', exp: nowS + 60, scope: ['kafka.write', 'kafka.read', 'other'] })));
  await accepted(v, initial(unsecured({ sub: 'alice', exp: nowS + 60, scope: 'kafka.read kafka.write' })));
  // Comma-separated required scope, too.
  const comma = unsecuredValidator(new Map([['unsecuredValidatorRequiredScope', 'a,b']]), clock);
  await accepted(comma, initial(unsecured({ sub: 'alice', exp: nowS + 60, scope: ['a', 'b'] })));
  await refusedWith(comma, initial(unsecured({ sub: 'alice', exp: nowS + 60, scope: ['a'] })));
});

test('unsecured: the principal and scope claim names come from the JAAS options', async () => {
  const v = unsecuredValidator({ unsecuredValidatorPrincipalClaimName: 'client_id', unsecuredValidatorScopeClaimName: 'scp', unsecuredValidatorRequiredScope: 'x' }, clock);
  const s = await accepted(v, initial(unsecured({ client_id: 'svc-1', sub: 'ignored', exp: nowS + 60, scp: ['x'] })));
  assert.is(s.authorizationId, 'svc-1');
  const { error } = await refusedWith(v, initial(unsecured({ sub: 'alice', exp: nowS + 60, scp: ['x'] })));
  assert.match(error.message, /principal claim 'client_id'/);
});

test("unsecured: what Kafka's validator refuses", async () => {
  const cases: [string, RegExp][] = [
    [unsecured({ sub: 'alice' }), /no 'exp' claim/],
    [unsecured({ sub: 'alice', exp: 'tomorrow' }), /'exp' claim is not a number/],
    [unsecured({ exp: nowS + 60 }), /no principal claim 'sub'/],
    [unsecured({ sub: '  ', exp: nowS + 60 }), /blank/],
    [unsecured({ sub: 42, exp: nowS + 60 }), /not a string/],
    [unsecured({ sub: 'alice', exp: nowS + 60, iat: nowS + 30 }), /issued at/],
    [unsecured({ sub: 'alice', exp: nowS + 60, iat: 'x' }), /'iat' claim is not a number/],
    [unsecured({ sub: 'alice', exp: nowS + 60 }, { alg: 'RS256' }), /alg "none"/],
    [unsecured({ sub: 'alice', exp: nowS + 60 }, { typ: 'JWT' }), /alg "none"/],
    [`${unsecured({ sub: 'alice', exp: nowS + 60 })}c2ln`, /must not carry a signature/],
    [`${b64({ alg: 'none' })}.${b64({ sub: 'a', exp: nowS + 60 })}`, /three dot-separated parts/],
    [`${b64({ alg: 'none' })}..`, /'\.\.'/],
    [`${b64({ alg: 'none' })}.${b64('not json')}.`, /not JSON/],
    [`${b64({ alg: 'none' })}.${b64('[1,2]')}.`, /not a JSON object/],
    [`${b64({ alg: 'none' })}.${b64('null')}.`, /not a JSON object/],
    [`${b64({ alg: 'none' })}.${Buffer.from([0xff, 0xfe]).toString('base64url')}.`, /not UTF-8/],
    [`${b64({ alg: 'none' })}.a.`, /not base64url/],
  ];
  for (const [token, re] of cases) {
    const { challenge, error } = await refusedWith(dev, initial(token));
    assert.is(challenge, '{"status":"invalid_token"}', token);
    assert.match(error.message, re, token);
  }
  // Kafka's unsecured validator also decodes the plain base64 alphabet ('+', '/'; RFC 6750's
  // b64token allows '=' only at the very end, so unpadded).
  const std = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64').replace(/=+$/, '');
  const claims = { sub: 'alice', exp: nowS + 60, note: '>>>???' };
  assert.match(std(claims), /[+/]/);
  await accepted(dev, initial(`${std({ alg: 'none' })}.${std(claims)}.`));
  const padded = await rejects(createOAuthBearerServer(dev).evaluate(initial(`${b64({ alg: 'none' })}=.${b64(claims)}.`)));
  assert.match(padded.reason, /malformed 'auth' value/);
});

test('unsecured: options that do not parse throw at once', () => {
  assert.throws(() => unsecuredValidator(new Map([['unsecuredValidatorAllowableClockSkewMs', '-1']])), /non-negative integer/);
  assert.throws(() => unsecuredValidator(new Map([['unsecuredValidatorAllowableClockSkewMs', 'soon']])), /non-negative integer/);
  assert.throws(() => unsecuredValidator(new Map([['unsecuredValidatorRequiredScope', 'a "b"']])), /Invalid scope value/);
});

// --- The client message ----------------------------------------------------------------------

const good = () => unsecured({ sub: 'alice', exp: nowS + 60 });
const GENERIC = 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER';

test('client message: authzid must be the principal; gs2 y is taken, p refused; the scheme is case-insensitive', async () => {
  await accepted(dev, initial(good(), { authzid: 'alice' }));
  const e = await rejects(createOAuthBearerServer(dev).evaluate(initial(good(), { authzid: 'bob' })));
  assert.match(e.message, /^Authentication failed: Client requested an authorization id \(bob\) that is different from the token's principal name \(alice\)$/);
  await accepted(dev, initial(good(), { flag: 'y' }));
  const p = await rejects(createOAuthBearerServer(dev).evaluate(initial(good(), { flag: 'p=tls-unique' })));
  assert.is(p.message, GENERIC);
  await accepted(dev, Buffer.from(`n,,\x01auth=bearer   ${good()}\x01\x01`));
});

test('client message: malformed input is refused with the generic message', async () => {
  const t = good();
  const cases: (string | Buffer)[] = [
    '',
    '\x01',
    'n,,',
    'n,,\x01\x01',
    `n,,\x01auth=Bearer ${t}\x01`,
    `n,,auth=Bearer ${t}\x01\x01`,
    `n,,\x01host=x\x01\x01`,
    `n,,\x01auth=Basic ${t}\x01\x01`,
    `n,,\x01auth=Bearer\x01\x01`,
    `n,,\x01auth=Bearer ${t} extra\x01\x01`,
    `n,,\x01auth=Bearer ${t}\x01auth=Bearer ${t}\x01\x01`,
    `n,,\x01auth=Bearer ${t}\x01bad-key=v\x01\x01`,
    `n,,\x01auth=Bearer ${t}\x01k=\x01\x01`,
    `n,,\x01auth=Bearer ${t}\x01novalue\x01\x01`,
    `n,,\x01auth=Bearer ${t}\x01\x01\x01\x01`,
    `n,a=,\x01auth=Bearer ${t}\x01\x01`,
    `n,b=x,\x01auth=Bearer ${t}\x01\x01`,
    `x,,\x01auth=Bearer ${t}\x01\x01`,
    `n,,\x01auth=Bearer ${'a'.repeat(MAX_OAUTHBEARER_TOKEN_BYTES)}\x01\x01`,
    Buffer.from([0x6e, 0x2c, 0x2c, 0x01, 0xff, 0x01, 0x01]),
  ];
  for (const c of cases) {
    const server = createOAuthBearerServer(dev);
    const e = await rejects(server.evaluate(typeof c === 'string' ? Buffer.from(c) : c));
    assert.is(e.message, GENERIC, JSON.stringify(c.toString().slice(0, 80)));
    assert.is(server.complete, false);
  }
});

test('client message: after the error challenge anything but 0x01 fails the same way; after the end, tokens are refused', async () => {
  const server = createOAuthBearerServer(dev);
  await server.evaluate(initial(unsecured({ sub: 'alice', exp: nowS - 10 })));
  const e = await rejects(server.evaluate(initial(good())));
  assert.match(e.message, /expired/);
  await rejects(server.evaluate(ACK));
  const done = await accepted(dev, initial(good()));
  await rejects(done.evaluate(initial(good())));
  assert.is(done.complete, true);
});

test('a validator that throws something else fails with the generic message', async () => {
  const broken: OAuthValidator = {
    validate: async () => {
      throw new Error('boom');
    },
  };
  const e = await rejects(createOAuthBearerServer(broken).evaluate(initial(good())));
  assert.is(e.message, GENERIC);
  assert.match(e.reason, /boom/);
});

test('a token sent while the previous one is being validated is refused; the first still completes', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow: OAuthValidator = {
    validate: async (t) => {
      await gate;
      return dev.validate(t);
    },
  };
  const server = createOAuthBearerServer(slow);
  const firstAnswer = server.evaluate(initial(good()));
  const e = await rejects(server.evaluate(initial(good())));
  assert.match(e.message, /still evaluating the previous token/);
  release();
  assert.is((await firstAnswer).length, 0);
  assert.is(server.authorizationId, 'alice');
});

test('createSaslServer: OAUTHBEARER with the given validator', async () => {
  const s = createSaslServer('OAUTHBEARER', { oauthValidator: dev });
  await s.evaluate(initial(good()));
  assert.is(s.authorizationId, 'alice');
});

// --- JWKS validator --------------------------------------------------------------------------

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaAttacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaRotated = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaSmall = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ec521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });

const jwk = (key: KeyObject, extra: Record<string, string>) => ({ ...(key.export({ format: 'jwk' }) as Record<string, string>), use: 'sig', ...extra });
let jwks: { keys: object[] } = {
  keys: [
    jwk(rsa.publicKey, { kid: 'rsa1' }),
    jwk(ec256.publicKey, { kid: 'ec256', alg: 'ES256' }),
    jwk(ec384.publicKey, { kid: 'ec384' }),
    jwk(ec521.publicKey, { kid: 'ec521' }),
    jwk(rsaSmall.publicKey, { kid: 'small' }),
    { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
    { kty: 'RSA', kid: 'broken', n: '!!', e: 'AQAB' },
  ],
};

function signJwt(claims: object, header: { alg: string; kid?: string }, key: KeyObject): string {
  const input = Buffer.from(`${b64(header)}.${b64(claims)}`);
  const hash = `sha${header.alg.slice(2)}`;
  let sig: Buffer;
  if (header.alg.startsWith('RS')) sig = sign(hash, input, { key, padding: constants.RSA_PKCS1_PADDING });
  else if (header.alg.startsWith('PS')) sig = sign(hash, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  else sig = sign(hash, input, { key, dsaEncoding: 'ieee-p1363' });
  return `${input.toString()}.${sig.toString('base64url')}`;
}

const ISSUER = 'https://issuer.example';
const claimsNow = (extra: object = {}) => {
  const t = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: 'spindle', sub: 'alice', iat: t, exp: t + 600, scope: 'kafka', ...extra };
};

let requests = 0;
let http: Server;
let base = '';
const validators: JwksValidator[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'spindle-jwks-'));

test.before(async () => {
  http = createServer((req, res) => {
    if (req.url === '/jwks') {
      requests++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwks));
    } else if (req.url === '/broken') {
      res.statusCode = 500;
      res.end('no');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const addr = http.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
});

test.after(async () => {
  for (const v of validators) v.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

function jwksValidator(extra: Partial<ConstructorParameters<typeof JwksValidator>[0]> = {}): JwksValidator {
  const v = new JwksValidator({ jwksUrl: `${base}/jwks`, expectedIssuer: ISSUER, expectedAudience: ['spindle', 'other'], retryBackoffMs: 0, ...extra });
  validators.push(v);
  return v;
}

test('JWKS: RS256, RS512, PS256, PS384, ES256, ES384 and ES512 tokens log in; exp bounds the session', async () => {
  const v = jwksValidator();
  const cases: [string, string, KeyObject][] = [
    ['RS256', 'rsa1', rsa.privateKey],
    ['RS512', 'rsa1', rsa.privateKey],
    ['PS256', 'rsa1', rsa.privateKey],
    ['PS384', 'rsa1', rsa.privateKey],
    ['ES256', 'ec256', ec256.privateKey],
    ['ES384', 'ec384', ec384.privateKey],
    ['ES512', 'ec521', ec521.privateKey],
  ];
  for (const [alg, kid, key] of cases) {
    const claims = claimsNow();
    const server = await accepted(v, initial(signJwt(claims, { alg, kid }, key)));
    assert.is(server.authorizationId, 'alice', alg);
    assert.is(server.credentialExpiryMs, claims.exp * 1000, alg);
  }
  // Without a kid, the key that suits the algorithm and verifies is found.
  await accepted(v, initial(signJwt(claimsNow(), { alg: 'ES384' }, ec384.privateKey)));
  await accepted(v, initial(signJwt(claimsNow(), { alg: 'RS256' }, rsa.privateKey)));
  // An audience list that holds one of the expected ones.
  await accepted(v, initial(signJwt(claimsNow({ aud: ['x', 'other'] }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey)));
  // Within the clock skew (30 s by default) an expired token still passes.
  const t = Math.floor(Date.now() / 1000);
  await accepted(v, initial(signJwt(claimsNow({ iat: t - 100, exp: t - 10 }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey)));
});

test('JWKS: a token the validator refuses gets invalid_token and the reason', async () => {
  const v = jwksValidator();
  await v.ready();
  const t = Math.floor(Date.now() / 1000);
  const cases: [string, RegExp][] = [
    [signJwt(claimsNow(), { alg: 'RS256', kid: 'rsa1' }, rsaAttacker.privateKey), /signature does not verify/],
    [signJwt(claimsNow(), { alg: 'RS256' }, rsaAttacker.privateKey), /signature does not verify/],
    [signJwt(claimsNow(), { alg: 'ES256', kid: 'ec256' }, ec384.privateKey), /signature does not verify/],
    [signJwt(claimsNow(), { alg: 'ES384', kid: 'ec256' }, ec256.privateKey), /no key .* has kid "ec256" for ES384/],
    [signJwt(claimsNow(), { alg: 'PS256', kid: 'ec256' }, rsa.privateKey), /no key/],
    [signJwt(claimsNow(), { alg: 'RS256', kid: 'small' }, rsaSmall.privateKey), /no key/],
    [signJwt(claimsNow({ iss: 'https://evil.example' }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /issuer "https:\/\/evil\.example" is not the one expected/],
    [signJwt(claimsNow({ iss: undefined }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /no issuer/],
    [signJwt(claimsNow({ aud: 'someone-else' }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /audience "someone-else" names none/],
    [signJwt(claimsNow({ aud: ['a', 'b'] }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /names none/],
    [signJwt(claimsNow({ aud: undefined }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /no audience/],
    [signJwt(claimsNow({ iat: t - 7200, exp: t - 3600 }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /expired/],
    [signJwt(claimsNow({ exp: undefined }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /no 'exp' claim/],
    [signJwt(claimsNow({ iat: undefined }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /no 'iat' claim/],
    [signJwt(claimsNow({ iat: t + 3600 }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /issued at .* in the future/],
    [signJwt(claimsNow({ nbf: t + 3600 }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /not valid before/],
    [signJwt(claimsNow({ sub: undefined }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /no principal claim 'sub'/],
    [signJwt(claimsNow({ scope: ['a', 'a'] }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey), /holds a twice/],
    [unsecured(claimsNow()), /not signed \(alg "none"\)/],
    [`${unsecured(claimsNow())}c2ln`, /not signed \(alg "none"\)/],
    [`${b64({ alg: 'HS256', kid: 'hmac' })}.${b64(claimsNow())}.c2ln`, /algorithm "HS256" is not one of/],
    [`${b64({ alg: 'RS256', kid: 'rsa1', crit: ['exp'] })}.${b64(claimsNow())}.c2ln`, /crit/],
    [`${b64({ alg: 'RS256', kid: 7 })}.${b64(claimsNow())}.c2ln`, /kid is not a string/],
    [`${b64({ alg: 'RS256', kid: 'rsa1' })}.${b64(claimsNow())}.c2l+`, /not base64url/],
    [`${b64({ alg: 'RS256', kid: 'rsa1' })}.${b64(claimsNow())}`, /three dot-separated parts, this token has 2/],
    [`${b64({ alg: 'RS256', kid: 'rsa1' })}.${b64(claimsNow())}.`, /no signature/],
    [`.${b64(claimsNow())}.c2ln`, /empty header or payload/],
    ['a.b.c.d.e', /this token has 5/],
    [`${b64({ alg: 'RS256' })}.${b64('{')}.c2ln`, /not JSON/],
  ];
  for (const [token, re] of cases) {
    const { challenge, error } = await refusedWith(v, initial(token));
    assert.is(challenge, '{"status":"invalid_token"}');
    assert.match(error.message, re, `${re}: ${error.message}`);
  }
});

test('JWKS: claim names, and a blank issuer and unset audience (any accepted)', async () => {
  const v = jwksValidator({ expectedIssuer: '  ', expectedAudience: null, subClaimName: 'client_id', scopeClaimName: 'scp' });
  const s = await accepted(v, initial(signJwt(claimsNow({ iss: 'anyone', aud: undefined, client_id: 'svc-7', scp: ['x', 'y'] }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey)));
  assert.is(s.authorizationId, 'svc-7');
  const token = await v.validate(signJwt(claimsNow({ client_id: 'svc-7', scp: 'x y' }), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey));
  assert.equal([...token.scope], ['x', 'y']);
});

test('JWKS: an unknown kid refetches once, then not again while it stays unknown; a rotated key is found by the refetch', async () => {
  const v = jwksValidator();
  await v.ready();
  const before = requests;
  const { error } = await refusedWith(v, initial(signJwt(claimsNow(), { alg: 'RS256', kid: 'nope' }, rsa.privateKey)));
  assert.match(error.message, /has kid "nope"/);
  assert.is(requests, before + 1, 'one refetch for the unknown kid');
  await refusedWith(v, initial(signJwt(claimsNow(), { alg: 'RS256', kid: 'nope' }, rsa.privateKey)));
  assert.is(requests, before + 1, 'no second refetch for the same kid');

  jwks = { keys: [...jwks.keys, jwk(rsaRotated.publicKey, { kid: 'rsa2' })] };
  const s = await accepted(v, initial(signJwt(claimsNow({ sub: 'carol' }), { alg: 'RS256', kid: 'rsa2' }, rsaRotated.privateKey)));
  assert.is(s.authorizationId, 'carol');
  assert.is(requests, before + 2);
  assert.ok(v.keyIds().includes('rsa2'));
  // A kid longer than Kafka's bound is not fetched for.
  await refusedWith(v, initial(signJwt(claimsNow(), { alg: 'RS256', kid: 'k'.repeat(1001) }, rsa.privateKey)));
  assert.is(requests, before + 2);
});

test('JWKS: unknown-kid refetches wait retry.backoff.ms after the previous fetch', async () => {
  const v = jwksValidator({ retryBackoffMs: 60_000 });
  await v.ready();
  const before = requests;
  await refusedWith(v, initial(signJwt(claimsNow(), { alg: 'RS256', kid: 'other-unknown' }, rsa.privateKey)));
  assert.is(requests, before, 'too soon after the first fetch');
});

test('JWKS: the refresh timer fetches every refresh.ms, and close() stops it', async () => {
  const v = jwksValidator({ refreshMs: 25 });
  await v.ready();
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(v.fetches >= 3, `fetches ${v.fetches}`);
  v.close();
  const after = v.fetches;
  await new Promise((r) => setTimeout(r, 100));
  assert.is(v.fetches, after);
  await assert.not.throws(() => v.close());
  // A closed validator refuses tokens (the generic message: an internal matter).
  const e = await rejects(createOAuthBearerServer(v).evaluate(initial(signJwt(claimsNow(), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey))));
  assert.is(e.message, GENERIC);
});

test('JWKS: an endpoint that is down or answers 500 is retried, and the token refused with the cause', async () => {
  for (const url of ['http://127.0.0.1:1/jwks', `${base}/broken`]) {
    const v = jwksValidator({ jwksUrl: url, retryBackoffMs: 5, retryBackoffMaxMs: 40 });
    const started = Date.now();
    await v.ready();
    assert.ok(v.fetches >= 2, `retried: ${v.fetches} fetches`);
    assert.ok(Date.now() - started < 2000);
    const { error } = await refusedWith(v, initial(signJwt(claimsNow(), { alg: 'RS256', kid: 'rsa1' }, rsa.privateKey)));
    assert.match(error.message, /could not be fetched/);
  }
});

test('JWKS: a file: URL, and URLs that are refused', async () => {
  const file = join(tmp, 'jwks.json');
  writeFileSync(file, JSON.stringify(jwks));
  const v = jwksValidator({ jwksUrl: pathToFileURL(file).href });
  await accepted(v, initial(signJwt(claimsNow(), { alg: 'ES256', kid: 'ec256' }, ec256.privateKey)));
  assert.throws(() => new JwksValidator({ jwksUrl: 'ftp://example.com/jwks' }), /http:, https: or file:/);
  assert.throws(() => new JwksValidator({ jwksUrl: 'not a url' }), /not a URL/);
  assert.throws(() => new JwksValidator({ jwksUrl: `${base}/jwks`, refreshMs: 0 }), /positive/);
});

test('JWKS: validate() rejects OAuthBearerValidationError for bad tokens', async () => {
  const v = jwksValidator();
  try {
    await v.validate(unsecured(claimsNow()));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, OAuthBearerValidationError);
    assert.is((e as OAuthBearerValidationError).status, 'invalid_token');
  }
});

test.run();
