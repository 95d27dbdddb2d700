/**
 * SaslHandshake (key 17), versions 0-1, never flexible.
 *
 * The two versions carry the same fields; they differ in what follows. After a v0 handshake the
 * client sends bare SASL tokens on the socket (each a 4-byte length and the token, no Kafka
 * framing); after v1 the tokens travel inside SaslAuthenticate requests. Kafka keeps this API
 * off the flexible encodings for good: older clients negotiate its version wrongly, so it can
 * never be bumped (KAFKA-9577).
 */
import { arrayOf, defineApi, int16, string } from '../schema.js';

export const SaslHandshake = defineApi({
  key: 17,
  name: 'SaslHandshake',
  versions: '0-1',
  flexible: 'none',
  request: {
    mechanism: string('0+'),
  },
  response: {
    errorCode: int16('0+'),
    mechanisms: arrayOf('string', '0+'),
  },
});
