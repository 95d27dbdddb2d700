/**
 * SASL/OAUTHBEARER (RFC 7628, KIP-255), server side, as Kafka's OAuthBearerSaslServer, with the
 * two token validators a broker chooses between:
 *
 *   unsecuredValidator   Kafka's OAuthBearerUnsecuredValidatorCallbackHandler, for development:
 *                        unsigned JWTs (alg "none"), options from the JAAS config
 *   JwksValidator        Kafka's OAuthBearerValidatorCallbackHandler: signed JWTs, checked with
 *                        the keys an identity provider publishes (sasl.oauthbearer.jwks.*)
 *
 * The exchange:
 *
 *   client  n,[a=<authzid>],^Aauth=Bearer <token>^A[<key>=<value>^A]*^A      (^A is 0x01)
 *   server  (empty)                                  the token is good: authenticated
 *        or {"status":"invalid_token"}               it is not (with "scope" for a missing scope)
 *   client  ^A                                       RFC 7628's acknowledgement of the error
 *   server  rejects: "Authentication failed: <why>"
 *
 * Extensions (the other key=value pairs) are parsed and ignored, as Kafka's validators accept
 * them all; a second 'auth' is refused. The session the login opens ends at the token's exp
 * (credentialExpiryMs, KIP-368). Anything malformed (no auth, a scheme other than Bearer, bad
 * base64url or JSON, a token longer than MAX_OAUTHBEARER_TOKEN_BYTES) is refused with Kafka's
 * generic message, the cause kept in the error's `reason`.
 *
 * Where Spindle differs from Kafka, deliberately: the client is told why its token was refused
 * (Kafka repeats the JSON status); a string scope claim is split on spaces (RFC 8693; Kafka takes
 * it as one scope, which no required scope can then match); unsecuredValidatorRequiredScope is
 * split on spaces and commas; a token whose kid is not in the JWKS makes the validator fetch the
 * JWKS again and retry at once (Kafka schedules the fetch and fails that login).
 *
 * Main thread. The JWKS validator's fetches are asynchronous (global fetch, or fs for file:),
 * its refresh timer unref'd; close() stops both.
 */
import { type KeyObject, constants, createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type SaslServer, SaslAuthenticationError, decodeUtf8, invalidCredentials, unexpectedToken } from './mechanism.js';
import { decodeSaslName } from './scram.js';

export const OAUTHBEARER_MECHANISM = 'OAUTHBEARER';
/** Longest client message taken: JWTs with many claims run to a few KiB; 64 KiB is none's. */
export const MAX_OAUTHBEARER_TOKEN_BYTES = 65536;

// --- Tokens and validators -----------------------------------------------------------------

/** A validated token (Kafka's OAuthBearerToken). */
export interface OAuthBearerToken {
  /** The token as the client sent it. */
  readonly value: string;
  readonly principalName: string;
  readonly scope: ReadonlySet<string>;
  /** exp, epoch ms. */
  readonly lifetimeMs: number;
  /** iat, epoch ms; null when the token has none. */
  readonly startTimeMs: number | null;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Why a token was refused: RFC 7628's error status, and the reason for the log and the client. */
export class OAuthBearerValidationError extends Error {
  override readonly name = 'OAuthBearerValidationError';
  /** RFC 6750's error code: invalid_token, or insufficient_scope. */
  readonly status: string;
  /** The scope that would have been needed, for insufficient_scope. */
  readonly scope: string | null;
  /** Where the client finds the provider's configuration (RFC 7628 openid-configuration). */
  readonly openidConfiguration: string | null;

  constructor(reason: string, status = 'invalid_token', scope: string | null = null, openidConfiguration: string | null = null) {
    super(reason);
    this.status = status;
    this.scope = scope;
    this.openidConfiguration = openidConfiguration;
  }
}

/** Checks a bearer token: resolves the token, rejects OAuthBearerValidationError when it is refused. */
export interface OAuthValidator {
  validate(token: string): Promise<OAuthBearerToken>;
}

const refuse = (reason: string) => new OAuthBearerValidationError(reason);

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** What Kafka's unsecured validator decodes: either alphabet, padding optional. */
const BASE64_LENIENT = /^[A-Za-z0-9_\-+/]*={0,2}$/;

function decodeBase64Url(part: string, lenient: boolean): Buffer | null {
  if (lenient) {
    if (!BASE64_LENIENT.test(part)) return null;
    part = part.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  } else if (!BASE64URL.test(part)) return null;
  if (part.length % 4 === 1) return null;
  return Buffer.from(part, 'base64url');
}

/** A JOSE header or claims set: base64url of a UTF-8 JSON object. */
function decodeJsonPart(part: string, what: string, lenient: boolean): Record<string, unknown> {
  const bytes = decodeBase64Url(part, lenient);
  if (bytes === null) throw refuse(`the token's ${what} is not base64url`);
  const text = decodeUtf8(bytes);
  if (text === null) throw refuse(`the token's ${what} is not UTF-8`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse(`the token's ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse(`the token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function claim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

function numericClaim(claims: Readonly<Record<string, unknown>>, name: string, required: boolean): number | null {
  const v = claim(claims, name);
  if (v === undefined || v === null) {
    if (required) throw refuse(`the token has no '${name}' claim`);
    return null;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw refuse(`the token's '${name}' claim is not a number`);
  return v;
}

function principalClaim(claims: Readonly<Record<string, unknown>>, name: string): string {
  const v = claim(claims, name);
  if (v === undefined || v === null) throw refuse(`the token has no principal claim '${name}'`);
  if (typeof v !== 'string') throw refuse(`the token's principal claim '${name}' is not a string`);
  const trimmed = v.trim();
  if (trimmed === '') throw refuse(`the token's principal claim '${name}' is blank`);
  return trimmed;
}

/**
 * The scope claim as a set: a string splits on spaces, an array gives its (trimmed) strings;
 * absent or of another type, no scope. `strict` refuses duplicates and non-strings in an
 * array, as Kafka's JWKS validator does.
 */
function scopeClaim(claims: Readonly<Record<string, unknown>>, name: string, strict: boolean): Set<string> {
  const v = claim(claims, name);
  const out = new Set<string>();
  if (typeof v === 'string') {
    for (const s of v.split(/\s+/)) if (s !== '') out.add(s);
  } else if (Array.isArray(v)) {
    for (const item of v) {
      if (typeof item !== 'string') {
        if (strict) throw refuse(`the token's '${name}' claim holds a value that is not a string`);
        continue;
      }
      const s = item.trim();
      if (s === '') {
        if (strict) throw refuse(`the token's '${name}' claim holds a blank value`);
        continue;
      }
      if (strict && out.has(s)) throw refuse(`the token's '${name}' claim holds ${s} twice`);
      out.add(s);
    }
  }
  return out;
}

const iso = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** A JAAS options map as Map or plain object. */
export type JaasOptions = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

function optionOf(options: JaasOptions, key: string): string | undefined {
  if (options instanceof Map) return options.get(key);
  const o = options as Readonly<Record<string, string>>;
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Kafka's unsecured validator's option names (OAuthBearerUnsecuredValidatorCallbackHandler). */
export const UNSECURED_VALIDATOR_OPTIONS = Object.freeze({
  principalClaimName: 'unsecuredValidatorPrincipalClaimName',
  scopeClaimName: 'unsecuredValidatorScopeClaimName',
  requiredScope: 'unsecuredValidatorRequiredScope',
  allowableClockSkewMs: 'unsecuredValidatorAllowableClockSkewMs',
});

/** RFC 6749 scope-token characters: %x21 / %x23-5B / %x5D-7E. */
const SCOPE_ITEM = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Kafka's unsecured JWS validator, for development: a JWT with header alg "none" and no
 * signature; exp required (seconds, may be fractional), iat optional, the principal claim
 * (unsecuredValidatorPrincipalClaimName, default sub) a non-blank string, the scope claim
 * (unsecuredValidatorScopeClaimName, default scope) holding every scope of
 * unsecuredValidatorRequiredScope, and times checked with unsecuredValidatorAllowableClockSkewMs
 * (default 0). Throws an Error for options that do not parse (a negative or non-integer skew, a
 * malformed scope item). `now` gives the time, epoch ms (tests).
 */
export function unsecuredValidator(options: JaasOptions, now: () => number = Date.now): OAuthValidator {
  const opt = (key: string): string | null => {
    const v = optionOf(options, key)?.trim();
    return v === undefined || v === '' ? null : v;
  };
  const principalName = opt(UNSECURED_VALIDATOR_OPTIONS.principalClaimName) ?? 'sub';
  const scopeName = opt(UNSECURED_VALIDATOR_OPTIONS.scopeClaimName) ?? 'scope';
  const requiredScope = (opt(UNSECURED_VALIDATOR_OPTIONS.requiredScope) ?? '').split(/[\s,]+/).filter((s) => s !== '');
  for (const s of requiredScope) {
    if (!SCOPE_ITEM.test(s)) throw new Error(`Invalid scope value in ${UNSECURED_VALIDATOR_OPTIONS.requiredScope}: ${s}`);
  }
  const skewText = opt(UNSECURED_VALIDATOR_OPTIONS.allowableClockSkewMs);
  const skewMs = skewText === null ? 0 : Number(skewText);
  if (!Number.isSafeInteger(skewMs) || skewMs < 0) {
    throw new Error(`${UNSECURED_VALIDATOR_OPTIONS.allowableClockSkewMs} must be a non-negative integer (ms), not ${skewText}`);
  }
  return {
    async validate(token: string): Promise<OAuthBearerToken> {
      if (token.includes('..')) throw refuse("malformed token: it contains '..'");
      const parts = token.split('.');
      if (parts.length !== 3) throw refuse('an unsecured JWS has three dot-separated parts');
      const header = decodeJsonPart(parts[0]!, 'header', true);
      const claims = decodeJsonPart(parts[1]!, 'payload', true);
      if (claim(header, 'alg') !== 'none') throw refuse(`an unsecured JWS must have alg "none", not ${JSON.stringify(claim(header, 'alg') ?? null)}`);
      if (parts[2] !== '') throw refuse('an unsecured JWS must not carry a signature');
      const scope = scopeClaim(claims, scopeName, false);
      const exp = numericClaim(claims, 'exp', true)!;
      const principal = principalClaim(claims, principalName);
      const iat = numericClaim(claims, 'iat', false);
      const t = now();
      if (iat !== null && iat * 1000 > t + skewMs) throw refuse(`the token was issued at ${iso(iat * 1000)} (iat), after now (${iso(t)}) plus ${skewMs} ms of allowed clock skew`);
      if (t - skewMs >= exp * 1000) throw refuse(`the token expired at ${iso(exp * 1000)} (exp); now is ${iso(t)}, with ${skewMs} ms of allowed clock skew`);
      if (iat !== null && exp <= iat) throw refuse(`the token expires (exp ${exp}) no later than it was issued (iat ${iat})`);
      for (const s of requiredScope) {
        if (!scope.has(s)) {
          throw new OAuthBearerValidationError(
            `the token's scope [${[...scope].join(', ')}] lacks the required scope ${s} (required: ${requiredScope.join(', ')})`,
            'insufficient_scope',
            `[${requiredScope.join(', ')}]`,
          );
        }
      }
      return { value: token, principalName: principal, scope, lifetimeMs: Math.round(exp * 1000), startTimeMs: iat === null ? null : Math.round(iat * 1000), claims };
    },
  };
}

// --- JWKS validation -----------------------------------------------------------------------

interface Algorithm {
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly kind: 'rsa' | 'pss' | 'ec';
  /** For ES: the JWK curve and the signature's length (r || s). */
  readonly crv?: 'P-256' | 'P-384' | 'P-521';
  readonly signatureBytes?: number;
}

/** The JWS algorithms a JwksValidator verifies (RFC 7518 §3). */
export const JWKS_ALGORITHMS: Readonly<Record<string, Algorithm>> = Object.freeze({
  RS256: { hash: 'sha256', kind: 'rsa' },
  RS384: { hash: 'sha384', kind: 'rsa' },
  RS512: { hash: 'sha512', kind: 'rsa' },
  PS256: { hash: 'sha256', kind: 'pss' },
  PS384: { hash: 'sha384', kind: 'pss' },
  PS512: { hash: 'sha512', kind: 'pss' },
  ES256: { hash: 'sha256', kind: 'ec', crv: 'P-256', signatureBytes: 64 },
  ES384: { hash: 'sha384', kind: 'ec', crv: 'P-384', signatureBytes: 96 },
  ES512: { hash: 'sha512', kind: 'ec', crv: 'P-521', signatureBytes: 132 },
});

/** Smallest RSA modulus accepted for verification (RFC 7518 §3.3, and jose4j's check). */
export const MIN_RSA_BITS = 2048;
/** Largest JWKS document read. */
export const MAX_JWKS_BYTES = 1 << 20;
/** A kid longer than this is not looked for, nor fetched for (Kafka's bound). */
export const MAX_KID_LENGTH = 1000;
/** After a kid was looked for in a fresh fetch and not found, it makes no new fetch for this long. */
export const MISSING_KID_RETRY_MS = 60_000;
/** Kids remembered as missing; the least recently seen is forgotten first. */
export const MISSING_KID_CACHE_SIZE = 16;
/** Candidate keys tried on one token without a kid. */
const MAX_CANDIDATE_KEYS = 16;

/** One usable key of a JWKS document. */
export interface JwksKey {
  readonly kid: string | undefined;
  readonly kty: 'RSA' | 'EC';
  readonly crv: string | undefined;
  readonly alg: string | undefined;
  readonly use: string | undefined;
  readonly key: KeyObject;
}

/** The usable verification keys of a JWKS document; keys of other types, or that do not import, are skipped. */
export function parseJwks(text: string): JwksKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('the JWKS document is not JSON');
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(keys)) throw new Error('the JWKS document has no "keys" array');
  const out: JwksKey[] = [];
  for (const jwk of keys as unknown[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const j = jwk as Record<string, unknown>;
    const str = (name: string): string | undefined => (typeof j[name] === 'string' ? (j[name] as string) : undefined);
    const kty = str('kty');
    let key: KeyObject;
    try {
      if (kty === 'RSA' && str('n') && str('e')) {
        key = createPublicKey({ key: { kty, n: str('n')!, e: str('e')! }, format: 'jwk' });
        if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) continue;
      } else if (kty === 'EC' && str('crv') && str('x') && str('y')) {
        key = createPublicKey({ key: { kty, crv: str('crv')!, x: str('x')!, y: str('y')! }, format: 'jwk' });
      } else {
        continue;
      }
    } catch {
      continue;
    }
    out.push({ kid: str('kid'), kty, crv: str('crv'), alg: str('alg'), use: str('use'), key });
  }
  return out;
}

function suits(k: JwksKey, algName: string, alg: Algorithm): boolean {
  if (k.use !== undefined && k.use !== 'sig') return false;
  if (k.alg !== undefined && k.alg !== algName) return false;
  if (alg.kind === 'ec') return k.kty === 'EC' && k.crv === alg.crv;
  return k.kty === 'RSA';
}

function verifies(k: JwksKey, alg: Algorithm, data: Buffer, signature: Buffer): boolean {
  try {
    if (alg.kind === 'ec') {
      if (signature.length !== alg.signatureBytes) return false;
      return verify(alg.hash, data, { key: k.key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (alg.kind === 'pss') return verify(alg.hash, data, { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    return verify(alg.hash, data, { key: k.key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

/** What a JwksValidator reads: Kafka's sasl.oauthbearer.* keys, as the broker's config gives them. */
export interface JwksValidatorOptions {
  /** sasl.oauthbearer.jwks.endpoint.url: http:, https: or file:. */
  jwksUrl: string;
  /** sasl.oauthbearer.jwks.endpoint.refresh.ms (3600000). */
  refreshMs?: number | null;
  /** sasl.oauthbearer.jwks.endpoint.retry.backoff.ms (100): the first pause after a failed fetch, doubling. */
  retryBackoffMs?: number | null;
  /** sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms (10000): how long a fetch is retried in all. */
  retryBackoffMaxMs?: number | null;
  /** sasl.oauthbearer.expected.issuer: the iss required; unset, any. */
  expectedIssuer?: string | null;
  /** sasl.oauthbearer.expected.audience: aud must name one of these; unset or empty, any. */
  expectedAudience?: readonly string[] | string | null;
  /** sasl.oauthbearer.clock.skew.seconds (30). */
  clockSkewSeconds?: number | null;
  /** sasl.oauthbearer.sub.claim.name (sub). */
  subClaimName?: string | null;
  /** sasl.oauthbearer.scope.claim.name (scope). */
  scopeClaimName?: string | null;
  /** How long one fetch may take (10 s). */
  fetchTimeoutMs?: number;
  /** The time tokens are checked at, epoch ms (tests). */
  now?: () => number;
}

export const JWKS_DEFAULTS = Object.freeze({ refreshMs: 3_600_000, retryBackoffMs: 100, retryBackoffMaxMs: 10_000, clockSkewSeconds: 30, fetchTimeoutMs: 10_000 });

/**
 * Kafka's JWKS-checked validator (OAuthBearerValidatorCallbackHandler with a refreshing JWKS
 * key resolver): a JWS signed with RS256/384/512, PS256/384/512 or ES256/384/512 by a key of
 * the JWKS document at jwksUrl (the one whose kid the header names; without a kid, any that
 * suits the algorithm), alg "none" and every other algorithm refused; exp and iat required,
 * nbf honoured, each with clockSkewSeconds; iss and aud checked when expected values are set;
 * the principal from subClaimName, the scope from scopeClaimName.
 *
 * The document is fetched when the validator is made (retried with backoff for up to
 * retryBackoffMaxMs), again every refreshMs (a failed refresh keeps the keys it has), and once
 * more when a token names a kid it does not know (at most once per MISSING_KID_RETRY_MS per kid,
 * not sooner than retryBackoffMs after the previous fetch). A token that arrives before the
 * first fetch has finished waits for it.
 */
export class JwksValidator implements OAuthValidator {
  readonly url: URL;
  private readonly refreshMs: number;
  private readonly retryBackoffMs: number;
  private readonly retryBackoffMaxMs: number;
  private readonly expectedIssuer: string | null;
  private readonly expectedAudience: readonly string[];
  private readonly clockSkewMs: number;
  private readonly subClaimName: string;
  private readonly scopeClaimName: string;
  private readonly fetchTimeoutMs: number;
  private readonly now: () => number;

  private keys: JwksKey[] | null = null;
  private lastError: string | null = null;
  /** The fetch (with its retries) in progress, which every waiter shares. */
  private inFlight: Promise<void> | null = null;
  private lastFetchStartedMs = -Infinity;
  private readonly initial: Promise<void>;
  private readonly missingKids = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private closed = false;
  /** Fetches made (tests). */
  fetches = 0;

  constructor(options: JwksValidatorOptions) {
    let url: URL;
    try {
      url = new URL(options.jwksUrl);
    } catch {
      throw new Error(`sasl.oauthbearer.jwks.endpoint.url ${options.jwksUrl} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'file:') {
      throw new Error(`sasl.oauthbearer.jwks.endpoint.url ${options.jwksUrl} must be an http:, https: or file: URL`);
    }
    this.url = url;
    this.refreshMs = options.refreshMs ?? JWKS_DEFAULTS.refreshMs;
    this.retryBackoffMs = options.retryBackoffMs ?? JWKS_DEFAULTS.retryBackoffMs;
    this.retryBackoffMaxMs = options.retryBackoffMaxMs ?? JWKS_DEFAULTS.retryBackoffMaxMs;
    if (!(this.refreshMs > 0)) throw new Error('sasl.oauthbearer.jwks.endpoint.refresh.ms must be positive');
    if (!(this.retryBackoffMs >= 0) || !(this.retryBackoffMaxMs >= 0)) throw new Error('the JWKS retry backoffs must not be negative');
    // Blank is unset, as Kafka reads the key.
    this.expectedIssuer = options.expectedIssuer?.trim() || null;
    const audience = options.expectedAudience ?? [];
    this.expectedAudience = (typeof audience === 'string' ? audience.split(',') : audience).map((a) => a.trim()).filter((a) => a !== '');
    this.clockSkewMs = (options.clockSkewSeconds ?? JWKS_DEFAULTS.clockSkewSeconds) * 1000;
    this.subClaimName = options.subClaimName?.trim() || 'sub';
    this.scopeClaimName = options.scopeClaimName?.trim() || 'scope';
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? JWKS_DEFAULTS.fetchTimeoutMs;
    this.now = options.now ?? Date.now;

    this.initial = this.fetchShared(true);
    // A timer that fires during the first fetch finds it in flight and lets it be.
    this.timer = setInterval(() => void this.fetchShared(true), Math.min(this.refreshMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  /** Settles when the first fetch (with its retries) has, successful or not. */
  ready(): Promise<void> {
    return this.initial;
  }

  /** The kids of the keys held (tests, diagnostics). */
  keyIds(): (string | undefined)[] {
    return (this.keys ?? []).map((k) => k.kid);
  }

  /** Stops the refresh timer and any fetch in progress; later tokens are refused. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.abort.abort();
  }

  /** Fetches the document now (sharing a fetch already in flight); resolves when done, never rejects. */
  refresh(): Promise<void> {
    return this.fetchShared(true);
  }

  private fetchShared(withRetries: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.inFlight) return this.inFlight;
    this.inFlight = (async () => {
      try {
        const keys = withRetries ? await this.fetchWithRetries() : await this.fetchOnce();
        this.keys = keys;
        this.lastError = null;
        for (const k of keys) if (k.kid !== undefined) this.missingKids.delete(k.kid);
      } catch (e) {
        this.lastError = (e as Error).message;
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  /** Kafka's retry rule: attempts until retryBackoffMaxMs has passed, pausing retryBackoffMs, doubled each time. */
  private async fetchWithRetries(): Promise<JwksKey[]> {
    const endMs = Date.now() + this.retryBackoffMaxMs;
    let firstError: unknown = null;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetchOnce();
      } catch (e) {
        firstError ??= e;
        if (this.closed) throw e;
        const waitMs = Math.min(this.retryBackoffMs * 2 ** (attempt - 1), endMs - Date.now());
        if (!(waitMs > 0)) throw firstError;
        await this.sleep(waitMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      t.unref();
      const signal = this.abort.signal;
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async fetchOnce(): Promise<JwksKey[]> {
    if (this.closed) throw new Error('the validator is closed');
    this.lastFetchStartedMs = Date.now();
    this.fetches++;
    let text: string;
    if (this.url.protocol === 'file:') {
      const bytes = await readFile(fileURLToPath(this.url), { signal: this.abort.signal });
      if (bytes.length > MAX_JWKS_BYTES) throw new Error(`the JWKS document is larger than ${MAX_JWKS_BYTES} bytes`);
      text = bytes.toString('utf8');
    } else {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.fetchTimeoutMs)]);
      const response = await fetch(this.url, { signal, headers: { accept: 'application/json' } });
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw new Error(`the JWKS endpoint answered HTTP ${response.status}`);
      }
      text = await readCapped(response, MAX_JWKS_BYTES);
    }
    return parseJwks(text);
  }

  /** Fetches once for a kid not held, when the rules allow; true when a fetch was made (or joined). */
  private async fetchForMissingKid(kid: string): Promise<boolean> {
    if (this.closed || kid.length > MAX_KID_LENGTH) return false;
    const now = Date.now();
    const next = this.missingKids.get(kid);
    if (next !== undefined && next > now) return false;
    if (!this.inFlight && now - this.lastFetchStartedMs < this.retryBackoffMs) return false;
    this.missingKids.delete(kid);
    this.missingKids.set(kid, now + MISSING_KID_RETRY_MS);
    while (this.missingKids.size > MISSING_KID_CACHE_SIZE) this.missingKids.delete(this.missingKids.keys().next().value!);
    await this.fetchShared(false);
    return true;
  }

  async validate(token: string): Promise<OAuthBearerToken> {
    if (this.closed) throw new Error('the JWKS validator is closed');
    const parts = token.trim().split('.');
    if (parts.length !== 3) throw refuse(`a JWS has three dot-separated parts, this token has ${parts.length}`);
    const [h, p, s] = parts as [string, string, string];
    if (h === '' || p === '') throw refuse('the token has an empty header or payload');
    const header = decodeJsonPart(h, 'header', false);
    const algName = claim(header, 'alg');
    if (algName === 'none') throw refuse('the token is not signed (alg "none")');
    const claims = decodeJsonPart(p, 'payload', false);
    const signature = s === '' ? null : decodeBase64Url(s, false);
    if (signature === null) throw refuse(s === '' ? 'the token has no signature' : "the token's signature is not base64url");
    if (typeof algName !== 'string' || !Object.hasOwn(JWKS_ALGORITHMS, algName)) throw refuse(`the token's algorithm ${JSON.stringify(algName ?? null)} is not one of ${Object.keys(JWKS_ALGORITHMS).join(', ')}`);
    const alg = JWKS_ALGORITHMS[algName]!;
    if (claim(header, 'crit') !== undefined) throw refuse('the token has critical header parameters (crit), none of which is understood');
    const rawKid = claim(header, 'kid');
    if (rawKid !== undefined && typeof rawKid !== 'string') throw refuse("the token's kid is not a string");
    const kid = rawKid as string | undefined;

    await this.initial;
    const candidates = (): JwksKey[] => (this.keys ?? []).filter((k) => (kid === undefined || k.kid === kid) && suits(k, algName, alg)).slice(0, MAX_CANDIDATE_KEYS);
    let keys = candidates();
    if (keys.length === 0 && (kid !== undefined || this.keys === null)) {
      if (await this.fetchForMissingKid(kid ?? '')) keys = candidates();
    }
    if (keys.length === 0) {
      if (this.keys === null) throw refuse(`no keys: the JWKS at ${this.url.href} could not be fetched (${this.lastError ?? 'not yet fetched'})`);
      throw refuse(kid === undefined ? `no key of the JWKS at ${this.url.href} suits ${algName}` : `no key of the JWKS at ${this.url.href} has kid ${JSON.stringify(kid.slice(0, 100))} for ${algName}`);
    }
    const signingInput = Buffer.from(`${h}.${p}`, 'ascii');
    if (!keys.some((k) => verifies(k, alg, signingInput, signature))) throw refuse('the token\'s signature does not verify');

    const t = this.now();
    const skew = this.clockSkewMs;
    const exp = numericClaim(claims, 'exp', true)!;
    const iat = numericClaim(claims, 'iat', true)!;
    const nbf = numericClaim(claims, 'nbf', false);
    if (t >= exp * 1000 + skew) throw refuse(`the token expired at ${iso(exp * 1000)} (exp); now is ${iso(t)}, with ${skew / 1000} s of allowed clock skew`);
    if (nbf !== null && t + skew < nbf * 1000) throw refuse(`the token is not valid before ${iso(nbf * 1000)} (nbf); now is ${iso(t)}, with ${skew / 1000} s of allowed clock skew`);
    if (iat < 0) throw refuse("the token's iat is negative");
    if (iat * 1000 > t + skew) throw refuse(`the token was issued at ${iso(iat * 1000)} (iat), in the future; now is ${iso(t)}, with ${skew / 1000} s of allowed clock skew`);
    if (this.expectedIssuer !== null) {
      const iss = claim(claims, 'iss');
      if (iss !== this.expectedIssuer) throw refuse(iss === undefined ? 'the token has no issuer (iss)' : `the token's issuer ${JSON.stringify(iss)} is not the one expected`);
    }
    if (this.expectedAudience.length > 0) {
      const aud = claim(claims, 'aud');
      const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
      if (audiences.length === 0) throw refuse('the token has no audience (aud)');
      if (!audiences.some((a) => this.expectedAudience.includes(a))) throw refuse(`the token's audience ${JSON.stringify(aud)} names none of the expected audiences`);
    }
    const principal = principalClaim(claims, this.subClaimName);
    const scope = scopeClaim(claims, this.scopeClaimName, true);
    return { value: token, principalName: principal, scope, lifetimeMs: Math.round(exp * 1000), startTimeMs: Math.round(iat * 1000), claims };
  }
}

async function readCapped(response: Response, max: number): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (length > max) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`the JWKS document is larger than ${max} bytes`);
  }
  if (!response.body) return '';
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new Error(`the JWKS document is larger than ${max} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks).toString('utf8');
}

// --- The mechanism -------------------------------------------------------------------------

const SEPARATOR = '\x01';
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x21-\x7e \t\r\n]+$/;
/** RFC 6750's credentials: a scheme, spaces, and a b64token. */
const AUTH_VALUE = /^(\w+) +([-_~+/.a-zA-Z0-9]+=*)$/;

interface InitialResponse {
  authzid: string;
  token: string;
  extensions: Map<string, string>;
}

/** The client's first message, or the reason it is malformed. */
function parseInitialResponse(message: Buffer): InitialResponse | string {
  if (message.length > MAX_OAUTHBEARER_TOKEN_BYTES) return `client message longer than ${MAX_OAUTHBEARER_TOKEN_BYTES} bytes`;
  const text = decodeUtf8(message);
  if (text === null) return 'client message is not UTF-8';
  if (text[0] === 'p') return 'the client asked for channel binding (gs2 flag p), which OAUTHBEARER does not use';
  if ((text[0] !== 'n' && text[0] !== 'y') || text[1] !== ',') return 'client message does not start with a gs2 header (n, or y,)';
  const authzidEnd = text.indexOf(',', 2);
  if (authzidEnd < 0) return 'client message has an unterminated gs2 header';
  const authzidField = text.slice(2, authzidEnd);
  let authzid = '';
  if (authzidField !== '') {
    const decoded = authzidField.startsWith('a=') ? decodeSaslName(authzidField.slice(2)) : null;
    if (decoded === null || decoded === '') return 'malformed authzid in the gs2 header';
    authzid = decoded;
  }
  // After the header: ^A, then key=value^A pairs, then a closing ^A.
  const rest = text.slice(authzidEnd + 1);
  if (rest[0] !== SEPARATOR || !rest.endsWith(SEPARATOR + SEPARATOR) || rest.length < 3) return 'client message is not framed by 0x01 separators';
  const pairs = rest.slice(1, -2).split(SEPARATOR);
  let token: string | null = null;
  const extensions = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (!EXTENSION_KEY.test(key) || !EXTENSION_VALUE.test(value)) return 'malformed key=value pair in client message';
    if (key === 'auth') {
      if (token !== null) return "client message has 'auth' twice";
      const m = AUTH_VALUE.exec(value);
      if (!m) return "client message has a malformed 'auth' value";
      if (m[1]!.toLowerCase() !== 'bearer') return `client message's auth scheme is ${m[1]}, not Bearer`;
      token = m[2]!;
    } else {
      extensions.set(key, value);
    }
  }
  if (token === null) return "client message has no 'auth'";
  return { authzid, token, extensions };
}

/** Kafka's error challenge: {"status":"…"}, with "scope" and "openid-configuration" when known. */
export function errorChallenge(e: OAuthBearerValidationError): string {
  let json = `{"status":${JSON.stringify(e.status)}`;
  if (e.scope !== null) json += `, "scope":${JSON.stringify(e.scope)}`;
  if (e.openidConfiguration !== null) json += `, "openid-configuration":${JSON.stringify(e.openidConfiguration)}`;
  return `${json}}`;
}

class OAuthBearerServer implements SaslServer {
  readonly mechanism = OAUTHBEARER_MECHANISM;
  private state: 'initial' | 'validating' | 'error sent' | 'complete' | 'failed' = 'initial';
  private pending: SaslAuthenticationError | null = null;
  private token: OAuthBearerToken | null = null;
  /** Extensions the client sent (accepted, unused). */
  extensions: ReadonlyMap<string, string> = new Map();

  constructor(private readonly validator: OAuthValidator) {}

  get complete(): boolean {
    return this.state === 'complete';
  }
  get authorizationId(): string | null {
    return this.state === 'complete' ? this.token!.principalName : null;
  }
  get credentialExpiryMs(): number | null {
    return this.state === 'complete' ? this.token!.lifetimeMs : null;
  }

  async evaluate(message: Buffer): Promise<Buffer> {
    if (this.state === 'error sent') {
      // RFC 7628: the client acknowledges the error with a lone 0x01; anything else ends the
      // exchange the same way.
      this.state = 'failed';
      throw this.pending!;
    }
    if (this.state !== 'initial') throw unexpectedToken(OAUTHBEARER_MECHANISM, this.state);
    const parsed = parseInitialResponse(message);
    if (typeof parsed === 'string') {
      this.state = 'failed';
      throw invalidCredentials(OAUTHBEARER_MECHANISM, parsed);
    }
    this.extensions = parsed.extensions;
    this.state = 'validating';
    let token: OAuthBearerToken;
    try {
      token = await this.validator.validate(parsed.token);
    } catch (e) {
      if (e instanceof OAuthBearerValidationError) {
        const challenge = errorChallenge(e);
        this.pending = new SaslAuthenticationError(`Authentication failed: ${e.message}`, { reason: e.message, serverToken: Buffer.from(challenge, 'utf8') });
        this.state = 'error sent';
        return Buffer.from(challenge, 'utf8');
      }
      this.state = 'failed';
      throw invalidCredentials(OAUTHBEARER_MECHANISM, `the token could not be validated: ${(e as Error).message}`);
    }
    if (parsed.authzid !== '' && parsed.authzid !== token.principalName) {
      this.state = 'failed';
      throw new SaslAuthenticationError(`Authentication failed: Client requested an authorization id (${parsed.authzid}) that is different from the token's principal name (${token.principalName})`);
    }
    this.token = token;
    this.state = 'complete';
    return Buffer.alloc(0);
  }
}

/** An OAUTHBEARER exchange whose tokens `validator` checks. */
export function createOAuthBearerServer(validator: OAuthValidator): SaslServer {
  return new OAuthBearerServer(validator);
}
