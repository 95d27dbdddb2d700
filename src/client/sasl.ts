/**
 * The client side of the SASL mechanisms Spindle's client logs in with, as Kafka's Java client
 * does them; the connection (connection.ts) carries their tokens in SaslAuthenticate.
 *
 *   PLAIN           one token: NUL user NUL password; the broker answers an empty token
 *   SCRAM-SHA-256   RFC 5802 / 7677: client-first (user, a fresh nonce) ► server-first (the
 *   SCRAM-SHA-512   nonces, salt, iterations) ► client-final (the proof) ► server-final (the
 *                   broker's signature, checked: a broker that cannot prove it holds the
 *                   credential fails the login even though it let the client in)
 *   OAUTHBEARER     RFC 7628 / KIP-255: n,,^Aauth=Bearer <token>^A[<key>=<value>^A]*^A; an
 *                   error challenge (a JSON status) is acknowledged with ^A and the login fails
 *
 * A SaslClient is one exchange: made for each login and each re-authentication (KIP-368), so a
 * token provider is asked for a fresh token every time. unsecuredLoginToken builds the unsigned
 * JWT (alg "none") that Kafka's OAuthBearerUnsecuredLoginCallbackHandler builds from the
 * unsecuredLogin* options of an OAuthBearerLoginModule, for brokers that run Kafka's unsecured
 * validator (development set-ups, Spindle's default for OAUTHBEARER).
 *
 * AuthenticationError is what a failed login (or TLS handshake) becomes: a ClientError, so that
 * nothing retries it and the command line prints it as one line.
 *
 * Main thread. SCRAM's PBKDF2 runs on libuv's thread pool (crypto.pbkdf2).
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ClientError } from './errors.js';

const pbkdf2Async = promisify(pbkdf2);

export type SaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
export const CLIENT_SASL_MECHANISMS: readonly SaslMechanismName[] = Object.freeze(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);

/** What the client logs in with. */
export interface SaslOptions {
  mechanism: SaslMechanismName;
  /** PLAIN and SCRAM. */
  username?: string;
  /** PLAIN and SCRAM. */
  password?: string;
  /** PLAIN: the authorization identity (RFC 4616 authzid), a principal to act as; Kafka's client sends none. */
  authorizationId?: string;
  /** OAUTHBEARER: the bearer token for one login, asked again for every re-authentication. */
  token?: () => Promise<string>;
  /** OAUTHBEARER: SASL extensions (KIP-342) sent beside the token, key (letters) → value. */
  extensions?: Readonly<Record<string, string>>;
}

/** A login (SASL, or the TLS handshake) that failed: not retried. */
export class AuthenticationError extends ClientError {}

/** One SASL exchange, client side. */
export interface SaslClient {
  readonly mechanism: SaslMechanismName;
  /** The first token. */
  start(): Promise<Buffer>;
  /**
   * The broker's answer to the last token: resolves the next token to send, or null once the
   * exchange is complete; rejects AuthenticationError when the answer shows the login failed.
   */
  next(challenge: Buffer): Promise<Buffer | null>;
}

/** The client side of one exchange of `options.mechanism`; throws ClientError for missing credentials. */
export function createSaslClient(options: SaslOptions): SaslClient {
  switch (options.mechanism) {
    case 'PLAIN':
      return new PlainClient({ ...credentials(options), authzid: options.authorizationId ?? '' });
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return new ScramClient(options.mechanism, credentials(options));
    case 'OAUTHBEARER':
      if (!options.token) throw new ClientError('SASL/OAUTHBEARER needs a token provider');
      return new OAuthBearerClient(options.token, options.extensions ?? {});
    default:
      throw new ClientError(`SASL mechanism ${String((options as SaslOptions).mechanism)} is not supported (${CLIENT_SASL_MECHANISMS.join(', ')} are)`);
  }
}

function credentials(options: SaslOptions): { username: string; password: string } {
  const { username, password } = options;
  if (!username) throw new ClientError(`SASL/${options.mechanism} needs a username`);
  if (!password) throw new ClientError(`SASL/${options.mechanism} needs a password`);
  return { username, password };
}

// --- PLAIN ---------------------------------------------------------------------------------

class PlainClient implements SaslClient {
  readonly mechanism = 'PLAIN';
  constructor(private readonly c: { username: string; password: string; authzid: string }) {}

  async start(): Promise<Buffer> {
    // RFC 4616: [authzid] NUL authcid NUL passwd; Kafka's client sends no authzid.
    return Buffer.from(`${this.c.authzid}\0${this.c.username}\0${this.c.password}`, 'utf8');
  }

  async next(): Promise<Buffer | null> {
    return null;
  }
}

// --- SCRAM ---------------------------------------------------------------------------------

/** Kafka's bounds on SCRAM iterations (ScramMechanism): fewer is refused, as the Java client refuses it; more is no Kafka broker's. */
const SCRAM_MIN_ITERATIONS = 4096;
const SCRAM_MAX_ITERATIONS = 16384;
const GS2_HEADER = 'n,,';

/** RFC 5802 saslname: ',' is =2C and '=' is =3D. */
export function encodeSaslName(user: string): string {
  return user.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

class ScramClient implements SaslClient {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  private readonly hash: 'sha256' | 'sha512';
  private readonly length: number;
  private readonly nonce: string;
  private state: 'first' | 'final' | 'verify' | 'done' = 'first';
  private clientFirstBare = '';
  private expectedServerSignature: Buffer | null = null;

  constructor(
    mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
    private readonly c: { username: string; password: string },
    nonce?: string,
  ) {
    this.mechanism = mechanism;
    this.hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    this.length = mechanism === 'SCRAM-SHA-256' ? 32 : 64;
    // Printable, no ',': base64url of 24 random bytes (32 characters).
    this.nonce = nonce ?? randomBytes(24).toString('base64url');
  }

  private fail(why: string): AuthenticationError {
    this.state = 'done';
    return new AuthenticationError(`SASL authentication failed: ${why} (${this.mechanism})`);
  }

  async start(): Promise<Buffer> {
    this.clientFirstBare = `n=${encodeSaslName(this.c.username)},r=${this.nonce}`;
    this.state = 'final';
    return Buffer.from(GS2_HEADER + this.clientFirstBare, 'utf8');
  }

  async next(challenge: Buffer): Promise<Buffer | null> {
    if (this.state === 'final') return this.clientFinal(challenge.toString('utf8'));
    if (this.state === 'verify') {
      this.verify(challenge.toString('utf8'));
      this.state = 'done';
      return null;
    }
    throw this.fail('the broker sent a token after the exchange ended');
  }

  private async clientFinal(serverFirst: string): Promise<Buffer> {
    if (serverFirst.startsWith('e=')) throw this.fail(`the broker answered ${serverFirst}`);
    const attrs = serverFirst.split(',');
    if (attrs[0]?.startsWith('m=')) throw this.fail('the broker requires a SCRAM extension (m=) this client does not know');
    const r = attrs[0]?.startsWith('r=') ? attrs[0].slice(2) : null;
    const s = attrs[1]?.startsWith('s=') ? attrs[1].slice(2) : null;
    const i = attrs[2]?.startsWith('i=') ? attrs[2].slice(2) : null;
    if (r === null || s === null || i === null) throw this.fail('the broker\'s server-first message is not r=…,s=…,i=…');
    if (!r.startsWith(this.nonce) || r.length <= this.nonce.length) throw this.fail('the broker\'s nonce does not extend the client\'s');
    if (!/^\d{1,9}$/.test(i)) throw this.fail(`the broker's iteration count ${i} is not a number`);
    const iterations = Number(i);
    if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
      throw this.fail(`the broker asks for ${iterations} iterations, outside ${SCRAM_MIN_ITERATIONS}-${SCRAM_MAX_ITERATIONS}`);
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) throw this.fail('the broker\'s salt is not base64');
    const salt = Buffer.from(s, 'base64');
    const salted = await pbkdf2Async(Buffer.from(this.c.password, 'utf8'), salt, iterations, this.length, this.hash);
    const hmac = (key: Buffer, data: string): Buffer => createHmac(this.hash, key).update(data, 'utf8').digest();
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=${Buffer.from(GS2_HEADER, 'utf8').toString('base64')},r=${r}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let k = 0; k < proof.length; k++) proof[k] = clientKey[k]! ^ signature[k]!;
    this.expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    this.state = 'verify';
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  private verify(serverFinal: string): void {
    if (serverFinal.startsWith('e=')) throw this.fail(`the broker answered ${serverFinal}`);
    const v = serverFinal.split(',')[0];
    if (!v?.startsWith('v=')) throw this.fail('the broker\'s server-final message has no signature (v=)');
    const given = Buffer.from(v.slice(2), 'base64');
    const expected = this.expectedServerSignature!;
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw this.fail('the broker\'s server signature does not verify: it does not know the credential');
    }
  }
}

/** A SCRAM exchange with a given nonce (tests: RFC 7677's example). */
export function createScramClientWithNonce(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string, nonce: string): SaslClient {
  return new ScramClient(mechanism, { username, password }, nonce);
}

// --- OAUTHBEARER ---------------------------------------------------------------------------

const SEPARATOR = '\x01';
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x21-\x7e \t\r\n]+$/;

class OAuthBearerClient implements SaslClient {
  readonly mechanism = 'OAUTHBEARER';
  private state: 'first' | 'sent' | 'error' | 'done' = 'first';
  private errorChallenge = '';

  constructor(
    private readonly token: () => Promise<string>,
    private readonly extensions: Readonly<Record<string, string>>,
  ) {}

  async start(): Promise<Buffer> {
    const token = await this.token();
    if (!/^[-_~+/.a-zA-Z0-9]+=*$/.test(token)) throw new ClientError('the OAUTHBEARER token is not a bearer token (RFC 6750 b64token characters only)');
    let ext = '';
    for (const [key, value] of Object.entries(this.extensions)) {
      if (!EXTENSION_KEY.test(key) || key === 'auth') throw new ClientError(`SASL extension name '${key}' is not letters only, or is the reserved 'auth'`);
      if (!EXTENSION_VALUE.test(value)) throw new ClientError(`SASL extension '${key}' has a value with characters RFC 7628 does not allow`);
      ext += `${SEPARATOR}${key}=${value}`;
    }
    this.state = 'sent';
    return Buffer.from(`n,,${SEPARATOR}auth=Bearer ${token}${ext}${SEPARATOR}${SEPARATOR}`, 'utf8');
  }

  async next(challenge: Buffer): Promise<Buffer | null> {
    if (this.state === 'sent') {
      if (challenge.length === 0) {
        this.state = 'done';
        return null;
      }
      // RFC 7628 §3.2.2: an error challenge is acknowledged with a lone ^A; the broker then fails the login.
      this.errorChallenge = challenge.toString('utf8');
      this.state = 'error';
      return Buffer.from(SEPARATOR, 'utf8');
    }
    this.state = 'done';
    // The broker should have failed the login after the acknowledgement; its challenge says why.
    throw new AuthenticationError(`SASL authentication failed: the broker refused the OAUTHBEARER token: ${this.errorChallenge || 'unexpected token'}`);
  }
}

/** Kafka's unsecured login options (OAuthBearerUnsecuredLoginCallbackHandler). */
const LOGIN = 'unsecuredLogin';
const STRING_CLAIM = `${LOGIN}StringClaim_`;
const NUMBER_CLAIM = `${LOGIN}NumberClaim_`;
const LIST_CLAIM = `${LOGIN}ListClaim_`;
const EXTENSION = `${LOGIN}Extension_`;
const LOGIN_OPTIONS = new Set([`${LOGIN}PrincipalClaimName`, `${LOGIN}LifetimeSeconds`, `${LOGIN}ScopeClaimName`]);
const DEFAULT_LIFETIME_SECONDS = 3600;

export interface UnsecuredLogin {
  /** A fresh token for each call: iat now, exp lifetime seconds later. */
  token: () => Promise<string>;
  /** The unsecuredLoginExtension_<key> options. */
  extensions: Record<string, string>;
  /** The principal the token names. */
  principal: string;
}

/**
 * Kafka's unsecured OAUTHBEARER login from an OAuthBearerLoginModule's options: an unsigned
 * JWT (header {"alg":"none"}, no signature) with exp (unsecuredLoginLifetimeSeconds, default
 * 3600, from now), iat, and the claims of unsecuredLoginStringClaim_<name>,
 * unsecuredLoginNumberClaim_<name> and unsecuredLoginListClaim_<name> (the first character of
 * the value is the delimiter), the principal claim (unsecuredLoginPrincipalClaimName, default
 * sub) required. Throws ClientError for options Kafka's handler would refuse.
 */
export function unsecuredLoginToken(options: ReadonlyMap<string, string>, now: () => number = Date.now): UnsecuredLogin {
  const opt = (key: string): string | undefined => {
    const v = options.get(key)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const principalClaim = opt(`${LOGIN}PrincipalClaimName`) ?? 'sub';
  const lifetimeText = opt(`${LOGIN}LifetimeSeconds`) ?? String(DEFAULT_LIFETIME_SECONDS);
  if (!/^\d+$/.test(lifetimeText) || Number(lifetimeText) <= 0) throw new ClientError(`${LOGIN}LifetimeSeconds must be a positive number of seconds, not '${lifetimeText}'`);
  const lifetimeSeconds = Number(lifetimeText);
  const claims: [string, unknown][] = [];
  const extensions: Record<string, string> = {};
  const claimName = (key: string, prefix: string): string => {
    const name = key.slice(prefix.length);
    if (name === 'iat' || name === 'exp') throw new ClientError(`${key}: the claim ${name} is set by the login itself and cannot be given`);
    return name;
  };
  for (const [key, value] of options) {
    if (key.startsWith(STRING_CLAIM) && key.length > STRING_CLAIM.length) claims.push([claimName(key, STRING_CLAIM), value]);
    else if (key.startsWith(NUMBER_CLAIM) && key.length > NUMBER_CLAIM.length) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new ClientError(`${key}="${value}" is not a number`);
      claims.push([claimName(key, NUMBER_CLAIM), n]);
    } else if (key.startsWith(LIST_CLAIM) && key.length > LIST_CLAIM.length) {
      // Java's String.split: trailing empty elements are dropped.
      const items = value.length <= 1 ? [] : value.slice(1).split(value[0]!);
      while (items.length > 0 && items[items.length - 1] === '') items.pop();
      claims.push([claimName(key, LIST_CLAIM), items]);
    } else if (key.startsWith(EXTENSION) && key.length > EXTENSION.length) {
      extensions[key.slice(EXTENSION.length)] = value;
    } else if (key.startsWith(LOGIN) && !LOGIN_OPTIONS.has(key)) {
      throw new ClientError(`unknown OAuthBearerLoginModule option ${key}`);
    }
  }
  const principal = claims.find(([name]) => name === principalClaim)?.[1];
  if (typeof principal !== 'string' || principal.trim() === '') {
    throw new ClientError(`the unsecured OAUTHBEARER login needs its principal claim: set ${STRING_CLAIM}${principalClaim}="<user>" in sasl.jaas.config`);
  }
  const encode = (json: string): string => Buffer.from(json, 'utf8').toString('base64url');
  const header = encode('{"alg":"none"}');
  return {
    principal,
    extensions,
    token: async () => {
      // Whole seconds: a fractional iat may land a fraction of a millisecond after the broker's clock.
      const seconds = Math.floor(now() / 1000);
      const body: Record<string, unknown> = { exp: seconds + lifetimeSeconds, iat: seconds };
      for (const [name, value] of claims) body[name] = value;
      return `${header}.${encode(JSON.stringify(body))}.`;
    },
  };
}
