/**
 * A connection's authentication: who it is (its principal) and where it stands in a SASL
 * exchange, with the rule of what it may send at each point, as Kafka's SaslServerAuthenticator
 * decides it.
 *
 *   PLAINTEXT, SSL listeners      authenticated from the start: User:ANONYMOUS, or the client
 *                                 certificate's mapped name
 *   SASL listeners                 'handshake' ── SaslHandshake ──► 'authenticate' (v1: tokens in
 *                                  SaslAuthenticate) or 'raw-token' (v0: bare size-prefixed tokens)
 *                                  ── the mechanism completes ──► 'authenticated'
 *
 * Before authentication only ApiVersions and SaslHandshake (then only SaslAuthenticate, or bare
 * tokens) are served; anything else closes the connection, as Kafka closes it. Frames are held
 * to sasl.server.max.receive.size until the client has authenticated. A failed login is
 * answered SASL_AUTHENTICATION_FAILED after connection.failed.authentication.delay.ms, and the
 * connection is closed: a password guesser gets one try per connection and per delay.
 *
 * Sessions (KIP-368): with connections.max.reauth.ms (or a token that expires), a login opens a
 * session of that length, told to the client in SaslAuthenticate v1+. The client re-authenticates
 * on the same connection with a new SaslHandshake and SaslAuthenticate (same mechanism, same
 * principal); a request other than those after the session has ended closes the connection.
 *
 * Main thread.
 */
import type { SaslServer } from './sasl/index.js';
import type { ListenerSecurity } from './listener-security.js';

export const ANONYMOUS = 'User:ANONYMOUS';

export type AuthStage = 'handshake' | 'authenticate' | 'raw-token' | 'authenticated';

/** API keys served before authentication. */
const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

export class ConnectionAuth {
  readonly security: ListenerSecurity;
  /** Kafka's principal, "User:<name>". */
  principal: string;
  stage: AuthStage;
  /** The mechanism of the exchange in progress or completed. */
  mechanism: string | null = null;
  server: SaslServer | null = null;
  /** Epoch ms at which the session ends (KIP-368); 0 when it does not. */
  sessionEndsMs = 0;
  /** A SaslHandshake on an authenticated connection started a re-authentication. */
  reauthenticating = false;
  /** Logins completed on this connection (1, then one per re-authentication). */
  logins = 0;
  /** The SASL API versions seen, for whether the client can re-authenticate (SaslAuthenticate v1+). */
  clientSupportsReauth = false;

  constructor(security: ListenerSecurity, principal: string) {
    this.security = security;
    this.principal = principal;
    this.stage = security.sasl ? 'handshake' : 'authenticated';
  }

  get authenticated(): boolean {
    return this.logins > 0 || this.stage === 'authenticated';
  }

  /**
   * Why a request with this API key may not be served now (the connection is then closed), or
   * null when it may.
   */
  refusal(apiKey: number, nowMs?: number): string | null {
    if (this.stage === 'raw-token') return null;
    if (!this.security.sasl) return null;
    if (this.stage === 'handshake' && !this.reauthenticating) {
      return apiKey === API_VERSIONS || apiKey === SASL_HANDSHAKE ? null : `API key ${apiKey} sent before SASL authentication`;
    }
    if (this.stage === 'authenticate') {
      return apiKey === SASL_AUTHENTICATE ? null : `API key ${apiKey} sent during SASL authentication`;
    }
    // Authenticated: served while the session lasts; re-authenticating is always allowed.
    if (this.sessionEndsMs > 0 && (nowMs ?? Date.now()) > this.sessionEndsMs && apiKey !== SASL_HANDSHAKE && apiKey !== SASL_AUTHENTICATE) {
      return `the SASL session of ${this.principal} ended without re-authentication`;
    }
    return null;
  }

  /**
   * A login just completed on `server`: the principal it names (a re-authentication must keep
   * it) and the session it opens. Returns the session lifetime to tell the client (0: none), or
   * throws when a re-authentication changed the principal.
   */
  completed(server: SaslServer, nowMs: number): number {
    const principal = `User:${server.authorizationId ?? ''}`;
    if (this.logins > 0 && principal !== this.principal) {
      throw new Error(`cannot change principals during re-authentication from ${this.principal} to ${principal}`);
    }
    this.principal = principal;
    this.stage = 'authenticated';
    this.reauthenticating = false;
    this.logins++;
    this.server = null;
    // Kafka's rule (SaslServerAuthenticator): the shorter of connections.max.reauth.ms and the
    // credential's remaining life, where either is set.
    const maxReauthMs = this.security.sasl!.reauthMs(server.mechanism);
    const expiry = server.credentialExpiryMs;
    let lifetimeMs = 0;
    if (expiry !== null || maxReauthMs > 0) {
      if (expiry === null) lifetimeMs = maxReauthMs;
      else if (maxReauthMs <= 0) lifetimeMs = Math.max(0, expiry - nowMs);
      else lifetimeMs = Math.max(0, Math.min(expiry - nowMs, maxReauthMs));
      this.sessionEndsMs = nowMs + lifetimeMs;
      // A session with nothing left ends at once: the next request closes the connection.
      if (lifetimeMs === 0) this.sessionEndsMs = nowMs - 1;
    } else {
      this.sessionEndsMs = 0;
    }
    return lifetimeMs;
  }
}

/** A PLAINTEXT listener's security, for connections made outside startBroker (tests). */
export function plaintextSecurity(name = 'PLAINTEXT'): ListenerSecurity {
  return {
    listener: { name, securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 0 },
    protocol: 'PLAINTEXT',
    tls: null,
    sasl: null,
    principalRules: [],
    failedAuthDelayMs: 100,
    maxUnauthenticatedFrameBytes: 524288,
    close: () => {},
  };
}

/** What one SASL token got: the server's answer, or the failure the client is told before the close. */
export type TokenOutcome = { ok: true; challenge: Buffer; sessionLifetimeMs: number } | { ok: false; message: string };

export interface ExchangeHost {
  readonly auth: ConnectionAuth;
  readonly signal: AbortSignal;
  /** Stops reading and closes once every answer read so far is out. */
  drainAndClose(): void;
  /** The frame limits follow the SASL state. */
  authChanged(): void;
}

/**
 * Evaluates the client's next token of the exchange in progress. A failure is held for
 * connection.failed.authentication.delay.ms (or until the client goes), and the connection is
 * set to close once its answer is out.
 */
export async function evaluateToken(host: ExchangeHost, token: Buffer, counted: (ok: boolean) => void): Promise<TokenOutcome> {
  const auth = host.auth;
  const server = auth.server;
  if (!server) return { ok: false, message: 'no SASL exchange in progress' };
  let outcome: TokenOutcome;
  try {
    const challenge = await server.evaluate(token);
    let sessionLifetimeMs = 0;
    if (server.complete) {
      sessionLifetimeMs = auth.completed(server, Date.now());
      counted(true);
      host.authChanged();
    }
    outcome = { ok: true, challenge, sessionLifetimeMs };
  } catch (e) {
    counted(false);
    outcome = { ok: false, message: (e as Error).message };
  }
  if (outcome.ok) return outcome;
  auth.server = null;
  host.drainAndClose();
  await delay(auth.security.failedAuthDelayMs, host.signal);
  return outcome;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
