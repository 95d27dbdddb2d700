/**
 * SASL/PLAIN (RFC 4616), server side, as Kafka's PlainSaslServer with its default callback
 * handler (users are the JAAS config's user_<name>="<password>" options); and the parser of
 * Kafka's JAAS config text (sasl.jaas.config) that those users come from.
 *
 *   client: [authzid] NUL authcid NUL passwd      one token, UTF-8
 *   server: (empty)                               the login succeeded
 *
 * Kafka's checks, in its order and with its messages: exactly three fields; a user name and a
 * password; the password right ("Invalid username or password" for an unknown user as for a
 * wrong password); an authzid, when given, equal to the user. The password is compared in
 * constant time, through keyed digests of equal length, and an unknown user costs the same
 * comparison as a known one.
 *
 * JAAS config (JaasConfig's grammar, which tokenizes as java.io.StreamTokenizer does):
 *
 *   <loginModule> <flag> (<key>=<value>)* ;
 *
 * flag one of required, requisite, sufficient, optional (any case); a key or value is a word
 * (letters, '_', '$' or Latin-1 letters first, then also digits, '.' and '-') or a quoted
 * string ("..." or '...', with Java's backslash escapes \n \t \b \f \r, \a, \v, octal \ooo and
 * \<other> for <other>); a number is neither, so numeric values must be quoted, as in Kafka;
 * comments are /* ... *\/, // to the end of the line, and a lone '/' to the end of the line.
 * A broker's sasl.jaas.config holds exactly one login module (JaasContext's rule).
 *
 * Main thread.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type SaslServer, SaslAuthenticationError, decodeUtf8, unexpectedToken } from './mechanism.js';

export const PLAIN_MECHANISM = 'PLAIN';
export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
/** The JAAS option prefix that names a PLAIN user: user_<name>="<password>". */
export const PLAIN_USER_PREFIX = 'user_';
/**
 * Longest PLAIN token accepted. RFC 4616 asks servers to take fields of 255 octets at least;
 * this takes far longer passwords (API keys) and still refuses a token that is plainly not a
 * login before it is decoded and split.
 */
export const MAX_PLAIN_TOKEN_BYTES = 8192;

// --- JAAS config ---------------------------------------------------------------------------

export type JaasControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasConfigEntry {
  /** The login module's class name. */
  loginModule: string;
  /** The control flag, lower case. */
  flag: JaasControlFlag;
  /** The options in the order given; a key given twice keeps its last value. */
  options: Map<string, string>;
}

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: 'number'; text: string } | { kind: 'char'; text: string } | { kind: 'eof'; text: '' };

const FLAGS: readonly JaasControlFlag[] = ['required', 'requisite', 'sufficient', 'optional'];

function isWordStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f /* _ */ || c === 0x24 /* $ */ || c >= 0xa0;
}
function isDigitLike(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e /* . */ || c === 0x2d /* - */;
}
function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigitLike(c);
}

/** The tokens of JAAS config text, as Kafka's StreamTokenizer settings produce them. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  const skipLine = () => {
    while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c <= 0x20) {
      i++;
      continue;
    }
    if (c === 0x2f /* / */) {
      const next = text[i + 1];
      if (next === '*') {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        // "//" and a lone '/' both run to the end of the line.
        skipLine();
      }
      continue;
    }
    if (isDigitLike(c)) {
      // '-' not followed by a digit or '.' is an ordinary character.
      if (c === 0x2d && !(i + 1 < n && isDigitLike(text.charCodeAt(i + 1)) && text[i + 1] !== '-')) {
        tokens.push({ kind: 'char', text: '-' });
        i++;
        continue;
      }
      const start = i;
      i++;
      let seenDot = c === 0x2e;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) i++;
        else if (d === 0x2e && !seenDot) {
          seenDot = true;
          i++;
        } else break;
      }
      tokens.push({ kind: 'number', text: text.slice(start, i) });
      continue;
    }
    if (isWordStart(c)) {
      const start = i;
      while (i < n && isWordPart(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i) });
      continue;
    }
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      const quote = text[i];
      i++;
      let value = '';
      for (;;) {
        if (i >= n || text[i] === '\n' || text[i] === '\r') throw new Error(`Unterminated quoted string in JAAS config: ${quote}${value}`);
        const ch = text[i]!;
        if (ch === quote) {
          i++;
          break;
        }
        if (ch !== '\\') {
          value += ch;
          i++;
          continue;
        }
        i++;
        if (i >= n) throw new Error(`Unterminated quoted string in JAAS config: ${quote}${value}`);
        const e = text[i]!;
        const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\x0b' };
        if (e in simple) {
          value += simple[e];
          i++;
        } else if (e >= '0' && e <= '7') {
          // Up to three octal digits, the first at most 3 when there are three (Java's rule).
          let digits = e;
          i++;
          const max = e <= '3' ? 3 : 2;
          while (digits.length < max && i < n && text[i]! >= '0' && text[i]! <= '7') digits += text[i++];
          value += String.fromCharCode(parseInt(digits, 8));
        } else {
          value += e;
          i++;
        }
      }
      tokens.push({ kind: 'quoted', text: value });
      continue;
    }
    tokens.push({ kind: 'char', text: text[i]! });
    i++;
  }
  tokens.push({ kind: 'eof', text: '' });
  return tokens;
}

const isString = (t: Token): boolean => t.kind === 'word' || t.kind === 'quoted';

/**
 * Parses sasl.jaas.config text: exactly one login module with its flag and options. Throws an
 * Error saying what is wrong (Kafka's wording where it has one).
 */
export function parseJaasConfig(text: string): JaasConfigEntry {
  const tokens = tokenize(text);
  let p = 0;
  const entries: JaasConfigEntry[] = [];
  while (tokens[p]!.kind !== 'eof') {
    const moduleToken = tokens[p++]!;
    if (!isString(moduleToken)) throw new Error(`Login module not specified in JAAS config (found '${moduleToken.text}')`);
    const flagToken = tokens[p++]!;
    if (flagToken.kind === 'eof') throw new Error('Login module control flag not specified in JAAS config');
    const flag = flagToken.text.toLowerCase() as JaasControlFlag;
    if (!isString(flagToken) || !FLAGS.includes(flag)) throw new Error(`Invalid login module control flag '${flagToken.text}' in JAAS config`);
    const options = new Map<string, string>();
    for (;;) {
      const keyToken = tokens[p++]!;
      if (keyToken.kind === 'eof') throw new Error('JAAS config entry not terminated by semi-colon');
      if (keyToken.kind === 'char' && keyToken.text === ';') break;
      if (!isString(keyToken)) throw new Error(`Invalid option name '${keyToken.text}' in JAAS config`);
      const eq = tokens[p++]!;
      const valueToken = tokens[p++];
      if (eq.kind !== 'char' || eq.text !== '=' || !valueToken || !isString(valueToken)) {
        const hint = valueToken?.kind === 'number' ? ` (numbers must be quoted: ${keyToken.text}="${valueToken.text}")` : '';
        throw new Error(`Value not specified for key '${keyToken.text}' in JAAS config${hint}`);
      }
      options.set(keyToken.text, valueToken.text);
    }
    entries.push({ loginModule: moduleToken.text, flag, options });
  }
  if (entries.length === 0) throw new Error('Login module not specified in JAAS config');
  if (entries.length > 1) throw new Error(`JAAS config property contains ${entries.length} login modules, should be 1 module`);
  return entries[0]!;
}

/**
 * PLAIN's users, name → password: the user_<name> options of a PlainLoginModule entry (text or
 * parsed). Throws when the entry names another login module (Kafka would then find no user and
 * refuse every login).
 */
export function plainUsersFromJaas(jaas: JaasConfigEntry | string): Map<string, string> {
  const entry = typeof jaas === 'string' ? parseJaasConfig(jaas) : jaas;
  if (entry.loginModule !== PLAIN_LOGIN_MODULE) {
    throw new Error(`PLAIN users must come from ${PLAIN_LOGIN_MODULE}, not ${entry.loginModule}`);
  }
  const users = new Map<string, string>();
  for (const [key, value] of entry.options) {
    if (key.startsWith(PLAIN_USER_PREFIX) && key.length > PLAIN_USER_PREFIX.length) users.set(key.slice(PLAIN_USER_PREFIX.length), value);
  }
  return users;
}

// --- The mechanism -------------------------------------------------------------------------

/** PLAIN's users: a map name → password, or a lookup that answers undefined for an unknown user. */
export type PlainUsers = ReadonlyMap<string, string> | ((user: string) => string | undefined);

/** Keys the digests that passwords are compared through; new per process. */
const COMPARE_KEY = randomBytes(32);
/** What an unknown user's password is compared with, so that both paths do the same work. */
const NO_PASSWORD = randomBytes(32).toString('base64');

function digest(password: string): Buffer {
  return createHmac('sha256', COMPARE_KEY).update(password, 'utf8').digest();
}

/** Constant-time equality of two passwords, whatever their lengths. */
export function passwordsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

const failed = (message: string) => new SaslAuthenticationError(message);

class PlainServer implements SaslServer {
  readonly mechanism = PLAIN_MECHANISM;
  private state: 'waiting' | 'complete' | 'failed' = 'waiting';
  private user: string | null = null;
  private readonly lookup: (user: string) => string | undefined;

  constructor(
    users: PlainUsers,
    private readonly proxyUser: string | null,
  ) {
    this.lookup = typeof users === 'function' ? users : (u) => users.get(u);
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
    if (this.state !== 'waiting') throw unexpectedToken(PLAIN_MECHANISM, this.state);
    try {
      this.user = this.check(token);
      this.state = 'complete';
      return Buffer.alloc(0);
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
  }

  /** The authenticated user, or throws the failure. */
  private check(token: Buffer): string {
    if (token.length > MAX_PLAIN_TOKEN_BYTES) throw failed(`Invalid SASL/PLAIN response: longer than ${MAX_PLAIN_TOKEN_BYTES} bytes`);
    const text = decodeUtf8(token);
    if (text === null) throw failed('Invalid SASL/PLAIN response: not UTF-8');
    // Kafka splits at most into four and wants three: a NUL in the password is refused too.
    const fields = text.split('\0', 4);
    if (fields.length !== 3) throw failed(`Invalid SASL/PLAIN response: expected 3 tokens, got ${fields.length}`);
    const [authzid, user, password] = fields as [string, string, string];
    if (user === '') throw failed('Authentication failed: username not specified');
    if (password === '') throw failed('Authentication failed: password not specified');
    let expected: string | undefined;
    try {
      expected = this.lookup(user);
    } catch {
      throw failed('Authentication failed: credentials for user could not be verified');
    }
    const equal = passwordsEqual(password, expected ?? NO_PASSWORD);
    if (expected === undefined || !equal) throw failed('Authentication failed: Invalid username or password');
    if (user === this.proxyUser) {
      if (authzid === '') throw failed('Authentication failed: this user logs in only on behalf of another (an authorization id is required)');
      return authzid;
    }
    if (authzid !== '' && authzid !== user) throw failed('Authentication failed: Client requested an authorization id that is different from username');
    return user;
  }
}

/**
 * A PLAIN exchange checked against `users`. `proxyUser`, when given, is the one user whose
 * login names another principal in its authzid and becomes it (RFC 4616's authorization
 * identity; Kafka's PlainSaslServer allows none): the console's client, which acts as whoever
 * signed in to the console (security/console-client.ts). That user must give an authzid.
 */
export function createPlainServer(users: PlainUsers, proxyUser: string | null = null): SaslServer {
  return new PlainServer(users, proxyUser);
}
