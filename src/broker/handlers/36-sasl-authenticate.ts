/**
 * SaslAuthenticate (key 36), v0-2.
 *
 * No SASL exchange ever starts on Spindle's PLAINTEXT listeners. Like a Kafka broker receiving
 * the request outside one (KafkaApis.handleSaslAuthenticateRequest), Spindle answers
 * ILLEGAL_SASL_STATE with Kafka's message, no token, and no session lifetime.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { SaslAuthenticate } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';

const NO_TOKEN = Buffer.alloc(0);

export default defineHandler({
  api: SaslAuthenticate,
  async handle() {
    return {
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: 'SaslAuthenticate request received after successful authentication',
      authBytes: NO_TOKEN,
      sessionLifetimeMs: 0,
    };
  },
});
