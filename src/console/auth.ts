/**
 * Who may use the console and /metrics (console.authentication):
 *
 *   none    anyone who reaches the address: loopback only, unless allow.plaintext.non.loopback
 *           (listener-security.ts refuses the start otherwise)
 *   basic   HTTP Basic (RFC 7617) against the broker's SASL users: the SCRAM credentials
 *           (kafka-configs --entity-type users, AlterUserScramCredentials) and the PLAIN users
 *           of every SASL listener's JAAS config; the principal is User:<name>
 *   mtls    a client certificate the console's trust store accepts (https only, checked in the
 *           handshake); the principal is its subject mapped by ssl.principal.mapping.rules, as
 *           on a Kafka SSL listener
 *
 * A SCRAM password is checked by deriving its salted password (PBKDF2, thousands of HMACs) on
 * libuv's thread pool, never on the main thread. Browsers send the Authorization header with
 * every request, so a header that was verified is remembered, tied to the credential it matched:
 * a changed or deleted credential stops it at once. At most VERIFIED_LIMIT headers are
 * remembered (the oldest forgotten first). A wrong user or password is answered 401 after
 * connection.failed.authentication.delay.ms, as a failed SASL login is.
 *
 * Main thread.
 */
import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ANONYMOUS_PRINCIPAL, principalFromCertificate, type PrincipalRule } from '../broker/security/principal.js';
import { passwordsEqual } from '../broker/security/sasl/plain.js';
import { SCRAM_MECHANISMS } from '../broker/security/sasl/scram.js';
import { credentialFromSaltedPassword, type ScramStore, type StoredScramCredential } from '../broker/security/scram-store.js';

export type ConsoleAuthentication = 'none' | 'basic' | 'mtls';

/** Verified Authorization headers remembered at once. */
export const VERIFIED_LIMIT = 1024;
/** The realm browsers show in their login prompt. */
export const REALM = 'Spindle';
/** The longest Authorization header read; a longer one is refused unread. */
const MAX_HEADER_BYTES = 4096;

export interface ConsoleAuthOptions {
  kind: ConsoleAuthentication;
  scram: ScramStore;
  /** The PLAIN users of the SASL listeners, by name. */
  plainUsers: ReadonlyMap<string, string>;
  /** ssl.principal.mapping.rules of the console (mtls). */
  principalRules: readonly PrincipalRule[];
  /** connection.failed.authentication.delay.ms. */
  failedDelayMs: number;
}

export interface ConsoleAuth {
  readonly kind: ConsoleAuthentication;
  /**
   * The principal the request comes from, or null when it is refused: the 401 is then sent
   * (after the failed-login delay when credentials were given).
   */
  authenticate(req: IncomingMessage, res: ServerResponse): Promise<string | null>;
}

/** A remembered header: the principal, and what it was checked against (still current, or forgotten). */
interface Verified {
  principal: string;
  user: string;
  scram: StoredScramCredential | null;
}

export function consoleAuth(o: ConsoleAuthOptions): ConsoleAuth {
  if (o.kind === 'none') return { kind: 'none', authenticate: () => Promise.resolve(ANONYMOUS_PRINCIPAL) };
  if (o.kind === 'mtls') {
    return {
      kind: 'mtls',
      authenticate: (req) => Promise.resolve(principalFromCertificate((req.socket as TLSSocket).getPeerX509Certificate?.(), o.principalRules)),
    };
  }
  const verified = new Map<string, Verified>();

  const stillValid = (v: Verified): boolean => (v.scram ? v.scram === o.scram.get(v.user, v.scram.mechanism) : o.plainUsers.has(v.user));

  const check = async (user: string, password: string): Promise<StoredScramCredential | null | undefined> => {
    for (const mechanism of SCRAM_MECHANISMS) {
      const cred = o.scram.get(user, mechanism);
      if (!cred) continue;
      const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
      const salted = await new Promise<Buffer>((resolve, reject) =>
        pbkdf2(Buffer.from(password, 'utf8'), cred.salt, cred.iterations, cred.storedKey.length, hash, (e, key) => (e ? reject(e) : resolve(key))),
      );
      const candidate = credentialFromSaltedPassword(mechanism, cred.salt, cred.iterations, salted);
      if (timingSafeEqual(candidate.storedKey, cred.storedKey)) return cred;
    }
    const plain = o.plainUsers.get(user);
    if (plain !== undefined && passwordsEqual(password, plain)) return null;
    return undefined;
  };

  const refuse = (res: ServerResponse, message: string): null => {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `Basic realm="${REALM}", charset="UTF-8"`, 'cache-control': 'no-store' });
    res.end(`${JSON.stringify({ error: message })}\n`);
    return null;
  };

  return {
    kind: 'basic',
    async authenticate(req, res) {
      const header = req.headers.authorization;
      if (header === undefined) return refuse(res, 'sign in with a SASL user of this broker');
      if (header.length > MAX_HEADER_BYTES || !/^Basic [A-Za-z0-9+/=]+$/i.test(header)) return refuse(res, 'only Basic authentication is accepted');
      const key = createHash('sha256').update(header).digest('base64');
      const known = verified.get(key);
      if (known && stillValid(known)) return known.principal;
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      const matched = colon < 0 || user === '' ? undefined : await check(user, password);
      if (matched === undefined) {
        verified.delete(key);
        await new Promise((resolve) => setTimeout(resolve, o.failedDelayMs));
        return refuse(res, 'wrong user name or password');
      }
      if (verified.size >= VERIFIED_LIMIT) verified.delete(verified.keys().next().value!);
      const principal = `User:${user}`;
      verified.set(key, { principal, user, scram: matched });
      return principal;
    },
  };
}
