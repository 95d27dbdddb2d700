/**
 * SaslAuthenticate (key 36), versions 0-2, flexible from 2.
 *
 * Wraps one SASL token each way, used after a SaslHandshake v1. `authBytes` is the mechanism's
 * token, opaque here. v1 adds sessionLifetimeMs to the response (KIP-368): when non-zero, the
 * client must re-authenticate on the same connection before that many milliseconds pass.
 */
import { bytes, defineApi, int16, int64, string } from '../schema.js';

export const SaslAuthenticate = defineApi({
  key: 36,
  name: 'SaslAuthenticate',
  versions: '0-2',
  flexible: '2+',
  request: {
    authBytes: bytes('0+'),
  },
  response: {
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullable: '0+' }),
    authBytes: bytes('0+'),
    sessionLifetimeMs: int64('1+', { default: 0 }),
  },
});
