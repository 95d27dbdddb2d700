/**
 * SaslAuthenticate (key 36), v0-2: one SASL token each way, after a SaslHandshake v1.
 *
 * The token goes to the mechanism of the exchange in progress (security/authenticator.ts). Its
 * answer comes back in authBytes; when it completes the login, v1+ also carries the session's
 * lifetime (KIP-368: connections.max.reauth.ms, or the token's expiry; 0 for none). A failed
 * login is answered SASL_AUTHENTICATION_FAILED with the mechanism's message, after
 * connection.failed.authentication.delay.ms, and the connection is closed.
 *
 * Outside an exchange (a PLAINTEXT or SSL listener, or a connection already authenticated):
 * ILLEGAL_SASL_STATE, as Kafka (KafkaApis.handleSaslAuthenticateRequest) answers.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { SaslAuthenticate } from '../../protocol/messages/index.js';
import { evaluateToken } from '../security/authenticator.js';
import { defineHandler } from '../router.js';

const NO_TOKEN = Buffer.alloc(0);

export default defineHandler({
  api: SaslAuthenticate,
  quotaExempt: true,
  async handle({ broker, connection, version }, request) {
    const auth = connection.auth;
    if (auth.stage !== 'authenticate') {
      return {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: 'SaslAuthenticate request received after successful authentication',
        authBytes: NO_TOKEN,
        sessionLifetimeMs: 0,
      };
    }
    if (version > 0) auth.clientSupportsReauth = true;
    const outcome = await evaluateToken(connection, request.authBytes, (ok) => broker.metrics.authenticated(ok));
    if (!outcome.ok) {
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: outcome.message, authBytes: NO_TOKEN, sessionLifetimeMs: 0 };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: outcome.challenge, sessionLifetimeMs: outcome.sessionLifetimeMs };
  },
});
