/**
 * DescribeGroups (key 15), versions 0-5, flexible from 5.
 *
 * v3 lets the client ask for the operations it may perform on each group (KIP-430); when not
 * asked for, `authorizedOperations` is INT32_MIN (-2147483648). v4 adds the members' static
 * instance ids. Version 6 (an error message per group) came only with Kafka 4.0.
 */
import { array, arrayOf, bool, bytes, defineApi, int16, int32, string } from '../schema.js';

export const DescribeGroups = defineApi({
  key: 15,
  name: 'DescribeGroups',
  versions: '0-5',
  flexible: '5+',
  request: {
    groups: arrayOf('string', '0+'),
    includeAuthorizedOperations: bool('3+'),
  },
  response: {
    throttleTimeMs: int32('1+'),
    groups: array('0+', {
      errorCode: int16('0+'),
      groupId: string('0+'),
      groupState: string('0+'),
      protocolType: string('0+'),
      protocolData: string('0+'),
      members: array('0+', {
        memberId: string('0+'),
        groupInstanceId: string('4+', { nullable: '4+', default: null }),
        clientId: string('0+'),
        clientHost: string('0+'),
        memberMetadata: bytes('0+'),
        memberAssignment: bytes('0+'),
      }),
      authorizedOperations: int32('3+', { default: -2147483648 }),
    }),
  },
});
