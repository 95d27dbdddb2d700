/**
 * What every SASL mechanism's server side offers the connection code, and the one error they
 * reject with.
 *
 *   client token ──► evaluate() ──► server token (possibly empty)    repeated until complete
 *                         └──────► rejects SaslAuthenticationError   the login failed
 *
 * A SaslServer is one exchange on one connection: it is made when the client names the
 * mechanism (SaslHandshake) and dropped when the exchange ends. Mechanisms are pure: no socket,
 * no timer of their own; the caller delays the failure answer, closes the connection and tells
 * the client its session lifetime (KIP-368) from credentialExpiryMs.
 *
 * SaslAuthenticationError's message is what the client reads in SaslAuthenticate's
 * errorMessage, so it says only what Kafka's own messages say: in particular nothing that
 * tells an unknown user from a wrong password. Where Kafka hides a failure behind its generic
 * "invalid credentials" sentence (a SaslException in its mechanisms), so does Spindle, and the
 * real cause goes in `reason`, for the broker's log only.
 *
 * Main thread.
 */

/** One SASL exchange on one connection, server side. */
export interface SaslServer {
  readonly mechanism: string;
  /** Evaluates the client's next token and returns the server's answer (possibly empty). Rejects with SaslAuthenticationError when the client fails. */
  evaluate(token: Buffer): Promise<Buffer>;
  /** True once the exchange has authenticated the client. */
  readonly complete: boolean;
  /** The authenticated user name (Kafka principal name, "User:" not included); null before complete. */
  readonly authorizationId: string | null;
  /** For OAUTHBEARER, the token's expiry (epoch ms), which bounds the session (KIP-368); null otherwise. */
  readonly credentialExpiryMs: number | null;
}

export interface SaslAuthenticationErrorDetails {
  /** Why the exchange failed, for the broker's log (may name the user; never sent to the client). */
  readonly reason?: string;
  /**
   * The answer the mechanism defines for this failure, for a caller that sends one along with
   * the error (SCRAM's server-final "e=invalid-proof"); Kafka sends none.
   */
  readonly serverToken?: Buffer | null;
}

export class SaslAuthenticationError extends Error {
  override readonly name = 'SaslAuthenticationError';
  readonly reason: string;
  readonly serverToken: Buffer | null;

  constructor(message: string, details: SaslAuthenticationErrorDetails = {}) {
    super(message);
    this.reason = details.reason ?? message;
    this.serverToken = details.serverToken ?? null;
  }
}

/**
 * Kafka's message for a failure it does not explain to the client (SaslServerAuthenticator,
 * for a SaslException): the same for an unknown user, a wrong password and a malformed token.
 */
export function invalidCredentialsMessage(mechanism: string): string {
  return `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
}

/** The generic failure, with the real cause kept for the log. */
export function invalidCredentials(mechanism: string, reason: string, serverToken: Buffer | null = null): SaslAuthenticationError {
  return new SaslAuthenticationError(invalidCredentialsMessage(mechanism), { reason, serverToken });
}

const STATE_PHRASES: Readonly<Record<string, string>> = Object.freeze({
  complete: 'is already complete',
  failed: 'has failed',
  validating: 'is still evaluating the previous token',
});

/** A token after the exchange ended, or while the previous one is still being evaluated. */
export function unexpectedToken(mechanism: string, state: 'complete' | 'failed' | 'validating'): SaslAuthenticationError {
  return new SaslAuthenticationError(`Unexpected SASL token: the ${mechanism} exchange ${STATE_PHRASES[state]}`);
}

/** Strict: invalid UTF-8 is an error, and a byte-order mark is kept (so it fails to parse) rather than dropped. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The token as UTF-8 text, or null when it is not valid UTF-8. */
export function decodeUtf8(token: Buffer): string | null {
  try {
    return utf8.decode(token);
  } catch {
    return null;
  }
}
