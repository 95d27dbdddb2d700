/**
 * SaslHandshake (key 17), v0-1: the client names the SASL mechanism it will use.
 *
 * On a SASL listener (security/authenticator.ts), before authentication or to re-authenticate
 * (KIP-368): an offered mechanism is answered NONE with the listener's mechanisms, and the
 * exchange starts, its tokens in SaslAuthenticate after v1, bare on the socket after v0. A
 * mechanism not offered is answered UNSUPPORTED_SASL_MECHANISM with the ones that are, and the
 * connection is closed; so is a re-authentication that names another mechanism than the first
 * login's (Kafka's SaslServerAuthenticator).
 *
 * On a PLAINTEXT or SSL listener no SASL exchange ever starts: like a Kafka broker
 * (KafkaApis.handleSaslHandshakeRequest), Spindle answers ILLEGAL_SASL_STATE and no mechanisms,
 * so a client configured for SASL learns at once that this listener does not authenticate.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { SaslHandshake } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: SaslHandshake,
  quotaExempt: true,
  async handle({ connection, version }, request) {
    const auth = connection.auth;
    const sasl = auth.security.sasl;
    if (!sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    const mechanisms = [...sasl.mechanisms];
    const mechanism = request.mechanism;
    const reauth = auth.authenticated;
    if (!mechanisms.includes(mechanism)) {
      connection.drainAndClose();
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    if ((reauth && mechanism !== auth.mechanism) || (!reauth && auth.stage !== 'handshake') || auth.reauthenticating) {
      connection.drainAndClose();
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    }
    auth.mechanism = mechanism;
    auth.server = sasl.newServer(mechanism);
    auth.reauthenticating = reauth;
    auth.stage = version === 0 ? 'raw-token' : 'authenticate';
    connection.authChanged();
    return { errorCode: ErrorCode.NONE, mechanisms };
  },
});
