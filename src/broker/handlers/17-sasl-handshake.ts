/**
 * SaslHandshake (key 17), v0-1.
 *
 * Spindle opens PLAINTEXT listeners only, so no connection is ever in a SASL exchange. A Kafka
 * broker answers a handshake that reaches it on such a listener with ILLEGAL_SASL_STATE and no
 * mechanisms (KafkaApis.handleSaslHandshakeRequest); so does Spindle. A client configured for
 * SASL thus learns at once that this listener does not authenticate.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { SaslHandshake } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: SaslHandshake,
  async handle() {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
});
