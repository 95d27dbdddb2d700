/**
 * LeaveGroup (key 13), versions 0-5, flexible from 4.
 *
 * Versions 0-2 remove one member named by `memberId`. From v3 (KIP-345) the request carries a
 * batch of `members` (member id and/or static instance id) and the response reports an error
 * per member besides the top-level one. v5 adds a per-member leave reason (KIP-800).
 */
import { array, defineApi, int16, int32, string } from '../schema.js';

export const LeaveGroup = defineApi({
  key: 13,
  name: 'LeaveGroup',
  versions: '0-5',
  flexible: '4+',
  request: {
    groupId: string('0+'),
    memberId: string('0-2'),
    members: array('3+', {
      memberId: string('3+'),
      groupInstanceId: string('3+', { nullable: '3+', default: null }),
      reason: string('5+', { nullable: '5+', default: null }),
    }),
  },
  response: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0+'),
    members: array('3+', {
      memberId: string('3+'),
      groupInstanceId: string('3+', { nullable: '3+' }),
      errorCode: int16('3+'),
    }),
  },
});
