/**
 * AlterUserScramCredentials (key 51), version 0, flexible (KIP-554).
 *
 * Deletes and upserts SCRAM credentials, per user and mechanism (1 SCRAM-SHA-256, 2
 * SCRAM-SHA-512). The client derives the credential itself: an upsertion carries the salt and
 * the salted password, never the password. The response has one result per user touched.
 */
import { array, bytes, defineApi, int16, int32, int8, string } from '../schema.js';

export const AlterUserScramCredentials = defineApi({
  key: 51,
  name: 'AlterUserScramCredentials',
  versions: '0',
  flexible: '0+',
  request: {
    deletions: array('0+', {
      name: string('0+'),
      mechanism: int8('0+'),
    }),
    upsertions: array('0+', {
      name: string('0+'),
      mechanism: int8('0+'),
      iterations: int32('0+'),
      salt: bytes('0+'),
      saltedPassword: bytes('0+'),
    }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      user: string('0+'),
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullable: '0+' }),
    }),
  },
});
