/**
 * SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), server side, as Kafka's
 * ScramSaslServer; and the credentials that a password gives (what is stored: never the
 * password, only salt, iterations, StoredKey and ServerKey).
 *
 *   client-first   n,[a=<authzid>],n=<user>,r=<client nonce>[,<ext>=<value>]*
 *   server-first   r=<client nonce><server nonce>,s=<salt, base64>,i=<iterations>
 *   client-final   c=<base64 of the gs2 header>,r=<both nonces>[,<ext>=<value>]*,p=<proof, base64>
 *   server-final   v=<server signature, base64>
 *
 *   SaltedPassword = Hi(password, salt, i)                  PBKDF2 with HMAC-H
 *   StoredKey = H(HMAC(SaltedPassword, "Client Key"))     ServerKey = HMAC(SaltedPassword, "Server Key")
 *   AuthMessage = client-first-bare "," server-first "," client-final-without-proof
 *   proof = ClientKey XOR HMAC(StoredKey, AuthMessage)     checked as H(proof XOR signature) = StoredKey
 *   server signature = HMAC(ServerKey, AuthMessage)
 *
 * What is refused, each as SaslAuthenticationError (none crashes): a gs2 flag 'p' (no channel
 * binding is offered; 'n' and 'y' are taken), the reserved m= attribute, attributes out of
 * order or malformed, a user name with '=' not starting =2C or =3D, a nonce outside
 * MIN_NONCE_LENGTH..MAX_NONCE_LENGTH, non-base64 values, a message longer than
 * MAX_SCRAM_MESSAGE_BYTES, an authzid that is not the user, Kafka's delegation-token extension
 * (tokenauth=true: Spindle issues no delegation tokens), in client-final a c= that is not the
 * gs2 header, a nonce that does not end with the combined one (Kafka's check), and a proof that
 * does not verify.
 * Other extensions are ignored, as Kafka ignores them.
 *
 * Unknown users: the server-first message of a user with no credential looks like any other (a
 * salt derived from the name and a per-process secret, so the same every time within a
 * process, and UNKNOWN_USER_ITERATIONS), and the exchange fails at client-final with the
 * message of a wrong password. (Kafka fails at client-first; its message is the same, but the
 * step tells them apart.) The authzid check runs before the lookup for the same reason.
 *
 * Messages to the client: Kafka's generic "invalid credentials" sentence for everything but the
 * authzid mismatch, as Kafka (a SaslException there); the real cause is the error's `reason`,
 * and a failed client-final carries RFC 5802's server-error as `serverToken` (e=invalid-proof,
 * e=channel-bindings-dont-match, e=invalid-encoding, e=other-error).
 *
 * Main thread. Only deriveScramCredential runs PBKDF2; a login costs a few HMACs.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { type SaslServer, SaslAuthenticationError, decodeUtf8, invalidCredentials, unexpectedToken } from './mechanism.js';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = Object.freeze(['SCRAM-SHA-256', 'SCRAM-SHA-512']);

export interface ScramCredential {
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** Kafka's bounds on iterations, the same for both mechanisms (ScramMechanism). */
export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;
/** The iteration count shown to a user who has no credential: Kafka's usual (and least) count. */
export const UNKNOWN_USER_ITERATIONS = 4096;
/** Longest client message taken; a real one is under 300 bytes. */
export const MAX_SCRAM_MESSAGE_BYTES = 4096;
/**
 * Client nonce length bounds. Clients send 20 (RFC 7677's example) to 40-odd characters; fewer
 * than 16 is too little randomness to count as a nonce, and more than 255 is no client's.
 */
export const MIN_NONCE_LENGTH = 16;
export const MAX_NONCE_LENGTH = 255;

interface Digest {
  readonly hash: 'sha256' | 'sha512';
  readonly length: number;
}
const DIGESTS: Readonly<Record<ScramMechanism, Digest>> = Object.freeze({
  'SCRAM-SHA-256': { hash: 'sha256', length: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', length: 64 },
});

function isScramMechanism(m: string): m is ScramMechanism {
  return m === 'SCRAM-SHA-256' || m === 'SCRAM-SHA-512';
}

const hmac = (d: Digest, key: Buffer, data: string | Buffer): Buffer => createHmac(d.hash, key).update(data).digest();
const hash = (d: Digest, data: Buffer): Buffer => createHash(d.hash).update(data).digest();

/**
 * A salt as Kafka's tools make one (ScramFormatter.secureRandomBytes): the ASCII digits of a
 * 130-bit number in base 36, from `random` (17 bytes, of which 130 bits are used).
 */
function kafkaStyleSalt(random: Buffer): Buffer {
  let n = 0n;
  for (const b of random.subarray(0, 17)) n = (n << 8n) | BigInt(b);
  n &= (1n << 130n) - 1n;
  return Buffer.from(n.toString(36), 'ascii');
}

/**
 * The credential `password` gives: Hi() = PBKDF2-HMAC-H over the UTF-8 password (no SASLprep,
 * as Kafka), with `salt` (a Kafka-style random one when omitted) and `iterations`
 * (SCRAM_MIN_ITERATIONS..SCRAM_MAX_ITERATIONS). Throws RangeError outside those bounds.
 */
export function deriveScramCredential(mechanism: ScramMechanism, password: string | Buffer, salt?: Buffer | null, iterations: number = SCRAM_MIN_ITERATIONS): ScramCredential {
  const d = DIGESTS[mechanism];
  if (!d) throw new RangeError(`Unknown SCRAM mechanism ${String(mechanism)}`);
  if (!Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
    throw new RangeError(`Iterations ${iterations} for ${mechanism} must be between ${SCRAM_MIN_ITERATIONS} and ${SCRAM_MAX_ITERATIONS}`);
  }
  const s = salt ? Buffer.from(salt) : kafkaStyleSalt(randomBytes(17));
  if (s.length === 0) throw new RangeError('A SCRAM salt must not be empty');
  const salted = pbkdf2Sync(typeof password === 'string' ? Buffer.from(password, 'utf8') : password, s, iterations, d.length, d.hash);
  const clientKey = hmac(d, salted, 'Client Key');
  return { mechanism, salt: s, iterations, storedKey: hash(d, clientKey), serverKey: hmac(d, salted, 'Server Key') };
}

/** RFC 5802 saslname → user name: "=2C" is ',', "=3D" is '='; null for any other '=', or ',' or NUL. */
export function decodeSaslName(saslName: string): string | null {
  if (saslName.includes(',') || saslName.includes('\0')) return null;
  let out = '';
  for (let i = 0; i < saslName.length; i++) {
    const c = saslName[i];
    if (c !== '=') {
      out += c;
      continue;
    }
    const code = saslName.slice(i + 1, i + 3);
    if (code === '2C') out += ',';
    else if (code === '3D') out += '=';
    else return null;
    i += 2;
  }
  return out;
}

/** User name → RFC 5802 saslname. */
export function encodeSaslName(user: string): string {
  return user.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** Per process: keys the fake salts of unknown users. */
const UNKNOWN_USER_SECRET = randomBytes(32);

function fakeCredential(mechanism: ScramMechanism, user: string, iterations: number): ScramCredential {
  const d = DIGESTS[mechanism];
  const seed = createHmac('sha256', UNKNOWN_USER_SECRET).update(`${mechanism}\0${user}`, 'utf8').digest();
  // Keys no proof can match: random, not derived from anything the client knows.
  return { mechanism, salt: kafkaStyleSalt(seed), iterations, storedKey: randomBytes(d.length), serverKey: randomBytes(d.length) };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** RFC 5802 printable: %x21-7E but ','. */
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
/**
 * An extension attribute. RFC 5802's names are one letter; Kafka's (tokenauth) are words. The
 * value is one or more characters, not ',' (split on) nor NUL.
 */
const EXTENSION = /^([A-Za-z]+)=([^\0]+)$/;

function base64(value: string): Buffer | null {
  return value.length > 0 && BASE64.test(value) ? Buffer.from(value, 'base64') : null;
}

/** A fresh server nonce: 24 random bytes, base64url (printable, no ','). */
function randomServerNonce(): string {
  return randomBytes(24).toString('base64url');
}

export interface ScramServerOptions {
  /** The server nonce (tests: RFC 7677's); random by default. Must be printable, without ','. */
  serverNonce?: () => string;
  /** Iterations shown to users with no credential; UNKNOWN_USER_ITERATIONS by default. */
  unknownUserIterations?: number;
}

interface FirstExchange {
  gs2Header: string;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
  user: string;
  credential: ScramCredential;
  known: boolean;
}

class ScramServer implements SaslServer {
  readonly mechanism: ScramMechanism;
  private readonly digest: Digest;
  private state: 'client-first' | 'client-final' | 'complete' | 'failed' = 'client-first';
  private first: FirstExchange | null = null;
  private user: string | null = null;

  constructor(
    mechanism: ScramMechanism,
    private readonly lookup: (user: string) => ScramCredential | undefined,
    private readonly options: ScramServerOptions,
  ) {
    this.mechanism = mechanism;
    this.digest = DIGESTS[mechanism];
  }

  get complete(): boolean {
    return this.state === 'complete';
  }
  get authorizationId(): string | null {
    return this.state === 'complete' ? this.user : null;
  }
  get credentialExpiryMs(): number | null {
    return null;
  }

  async evaluate(token: Buffer): Promise<Buffer> {
    try {
      switch (this.state) {
        case 'client-first':
          this.first = this.clientFirst(token);
          this.state = 'client-final';
          return Buffer.from(this.first.serverFirst, 'utf8');
        case 'client-final': {
          const answer = this.clientFinal(token, this.first!);
          this.user = this.first!.user;
          this.first = null;
          this.state = 'complete';
          return answer;
        }
        default:
          throw unexpectedToken(this.mechanism, this.state);
      }
    } catch (e) {
      this.first = null;
      if (this.state !== 'complete') this.state = 'failed';
      if (e instanceof SaslAuthenticationError) throw e;
      throw invalidCredentials(this.mechanism, `internal error: ${(e as Error).message}`);
    }
  }

  private fail(reason: string, serverError: string | null = null): SaslAuthenticationError {
    return invalidCredentials(this.mechanism, reason, serverError === null ? null : Buffer.from(`e=${serverError}`, 'ascii'));
  }

  private clientFirst(token: Buffer): FirstExchange {
    if (token.length > MAX_SCRAM_MESSAGE_BYTES) throw this.fail(`client-first message longer than ${MAX_SCRAM_MESSAGE_BYTES} bytes`);
    const text = decodeUtf8(token);
    if (text === null) throw this.fail('client-first message is not UTF-8');

    // gs2-header = gs2-cbind-flag "," [ authzid ] ","
    const flag = text[0];
    if (flag === 'p') throw this.fail('the client asked for channel binding (gs2 flag p), which is not offered');
    if ((flag !== 'n' && flag !== 'y') || text[1] !== ',') throw this.fail('client-first message does not start with a gs2 header (n, or y,)');
    const authzidEnd = text.indexOf(',', 2);
    if (authzidEnd < 0) throw this.fail('client-first message has an unterminated gs2 header');
    const authzidField = text.slice(2, authzidEnd);
    let authzid = '';
    if (authzidField !== '') {
      if (!authzidField.startsWith('a=')) throw this.fail('malformed authzid in the gs2 header');
      const decoded = decodeSaslName(authzidField.slice(2));
      if (decoded === null || decoded === '') throw this.fail('malformed authzid in the gs2 header');
      authzid = decoded;
    }
    const gs2Header = text.slice(0, authzidEnd + 1);
    const clientFirstBare = text.slice(authzidEnd + 1);

    const attrs = clientFirstBare.split(',');
    if (attrs[0]?.startsWith('m=')) throw this.fail('the client requires a mandatory extension (m=), which is not supported');
    const userAttr = attrs[0] ?? '';
    const nonceAttr = attrs[1] ?? '';
    if (!userAttr.startsWith('n=')) throw this.fail('client-first message has no user name (n=)');
    const user = decodeSaslName(userAttr.slice(2));
    if (user === null || user === '') throw this.fail('malformed user name in client-first message');
    if (!nonceAttr.startsWith('r=')) throw this.fail('client-first message has no nonce (r=)');
    const nonce = nonceAttr.slice(2);
    if (!PRINTABLE.test(nonce)) throw this.fail('malformed client nonce');
    if (nonce.length < MIN_NONCE_LENGTH || nonce.length > MAX_NONCE_LENGTH) throw this.fail(`client nonce of ${nonce.length} characters (${MIN_NONCE_LENGTH} to ${MAX_NONCE_LENGTH} taken)`);
    for (const ext of attrs.slice(2)) {
      const m = EXTENSION.exec(ext);
      if (!m) throw this.fail('malformed extension in client-first message');
      if (m[1] === 'tokenauth' && m[2]!.toLowerCase() === 'true') throw this.fail('delegation-token authentication (tokenauth=true) is not supported');
    }

    // Before the lookup, so that the answer cannot depend on whether the user exists.
    if (authzid !== '' && authzid !== user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username', {
        reason: `authzid ${authzid} is not the user ${user}`,
      });
    }

    let credential = this.lookup(user);
    let known = true;
    if (credential === undefined || credential.mechanism !== this.mechanism) {
      credential = fakeCredential(this.mechanism, user, this.options.unknownUserIterations ?? UNKNOWN_USER_ITERATIONS);
      known = false;
    } else if (credential.iterations < SCRAM_MIN_ITERATIONS) {
      throw this.fail(`the stored credential of ${user} has ${credential.iterations} iterations, less than the minimum ${SCRAM_MIN_ITERATIONS} for ${this.mechanism}`);
    } else if (credential.storedKey.length !== this.digest.length || credential.serverKey.length !== this.digest.length || credential.salt.length === 0) {
      throw this.fail(`the stored ${this.mechanism} credential of ${user} is malformed`);
    }

    const serverNonce = (this.options.serverNonce ?? randomServerNonce)();
    if (!PRINTABLE.test(serverNonce)) throw new Error('server nonce is not printable');
    const combined = nonce + serverNonce;
    const serverFirst = `r=${combined},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    return { gs2Header, clientFirstBare, serverFirst, nonce: combined, user, credential, known };
  }

  private clientFinal(token: Buffer, first: FirstExchange): Buffer {
    if (token.length > MAX_SCRAM_MESSAGE_BYTES) throw this.fail(`client-final message longer than ${MAX_SCRAM_MESSAGE_BYTES} bytes`, 'invalid-encoding');
    const text = decodeUtf8(token);
    if (text === null) throw this.fail('client-final message is not UTF-8', 'invalid-encoding');
    const attrs = text.split(',');
    if (attrs.length < 3) throw this.fail('client-final message lacks c=, r= or p=', 'invalid-encoding');
    const [cbAttr, nonceAttr] = attrs as [string, string];
    const proofAttr = attrs[attrs.length - 1]!;
    if (!cbAttr.startsWith('c=') || !nonceAttr.startsWith('r=') || !proofAttr.startsWith('p=')) throw this.fail('client-final message attributes are not c=, r=, ..., p=', 'invalid-encoding');
    for (const ext of attrs.slice(2, -1)) {
      if (!EXTENSION.test(ext)) throw this.fail('malformed extension in client-final message', 'invalid-encoding');
    }
    const channelBinding = base64(cbAttr.slice(2));
    const proof = base64(proofAttr.slice(2));
    if (channelBinding === null || proof === null) throw this.fail('client-final message has a value that is not base64', 'invalid-encoding');
    if (!channelBinding.equals(Buffer.from(first.gs2Header, 'utf8'))) throw this.fail('the channel binding (c=) is not the gs2 header of client-first', 'channel-bindings-dont-match');
    // Kafka's rule (ScramSaslServer): the nonce must end with server-first's. librdkafka before
    // 2.2 sends its own nonce again in front of it, and Kafka lets that through.
    if (!nonceAttr.slice(2).endsWith(first.nonce)) throw this.fail('the nonce of client-final does not end with the one of server-first', 'other-error');
    if (proof.length !== this.digest.length) throw this.fail(`a proof of ${proof.length} bytes`, 'invalid-proof');

    const withoutProof = text.slice(0, text.length - proofAttr.length - 1);
    const authMessage = `${first.clientFirstBare},${first.serverFirst},${withoutProof}`;
    const { storedKey, serverKey } = first.credential;
    const clientSignature = hmac(this.digest, storedKey, authMessage);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const verified = timingSafeEqual(hash(this.digest, clientKey), storedKey);
    if (!verified || !first.known) throw this.fail(first.known ? `wrong password for ${first.user}` : `unknown user ${first.user}`, 'invalid-proof');
    return Buffer.from(`v=${hmac(this.digest, serverKey, authMessage).toString('base64')}`, 'ascii');
  }
}

/**
 * A SCRAM exchange for `mechanism`, with credentials from `lookup` (undefined for a user who
 * has none for this mechanism).
 */
export function createScramServer(mechanism: ScramMechanism, lookup: (user: string) => ScramCredential | undefined, options: ScramServerOptions = {}): SaslServer {
  if (!isScramMechanism(mechanism)) throw new Error(`Unknown SCRAM mechanism ${String(mechanism)}`);
  return new ScramServer(mechanism, lookup, options);
}
