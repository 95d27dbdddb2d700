/**
 * DescribeUserScramCredentials (key 50), version 0, flexible (KIP-554).
 *
 * Tells which SCRAM mechanisms each user has a credential for, and with how many iterations;
 * never the salt or the salted password. A null or empty user list asks for every user.
 * `mechanism` is 1 SCRAM-SHA-256 or 2 SCRAM-SHA-512 (0 unknown). Errors come at two levels:
 * the top-level pair for the whole request, and one pair per user.
 */
import { array, defineApi, int16, int32, int8, string } from '../schema.js';

export const DescribeUserScramCredentials = defineApi({
  key: 50,
  name: 'DescribeUserScramCredentials',
  versions: '0',
  flexible: '0+',
  request: {
    users: array('0+', { name: string('0+') }, { nullable: '0+' }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullable: '0+' }),
    results: array('0+', {
      user: string('0+'),
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullable: '0+' }),
      credentialInfos: array('0+', {
        mechanism: int8('0+'),
        iterations: int32('0+'),
      }),
    }),
  },
});
