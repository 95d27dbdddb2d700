/**
 * JoinGroup (key 11), versions 0-9, flexible from 6.
 *
 * v1 adds the rebalance timeout; from v4 a first join without a member id is answered with
 * MEMBER_ID_REQUIRED and the id to retry with (KIP-394); v5 adds static membership (KIP-345).
 * v7 (KIP-559) returns the protocol type and lets `protocolName` be null. v8 adds the join
 * reason (KIP-800); v9 lets the coordinator tell the leader to skip running the assignor.
 */
import { array, bool, bytes, defineApi, int16, int32, string } from '../schema.js';

export const JoinGroup = defineApi({
  key: 11,
  name: 'JoinGroup',
  versions: '0-9',
  flexible: '6+',
  request: {
    groupId: string('0+'),
    sessionTimeoutMs: int32('0+'),
    rebalanceTimeoutMs: int32('1+', { default: -1 }),
    memberId: string('0+'),
    groupInstanceId: string('5+', { nullable: '5+', default: null }),
    protocolType: string('0+'),
    protocols: array('0+', {
      name: string('0+'),
      metadata: bytes('0+'),
    }),
    reason: string('8+', { nullable: '8+', default: null }),
  },
  response: {
    throttleTimeMs: int32('2+'),
    errorCode: int16('0+'),
    generationId: int32('0+', { default: -1 }),
    protocolType: string('7+', { nullable: '7+', default: null }),
    protocolName: string('0+', { nullable: '7+' }),
    leader: string('0+'),
    skipAssignment: bool('9+', { default: false }),
    memberId: string('0+'),
    members: array('0+', {
      memberId: string('0+'),
      groupInstanceId: string('5+', { nullable: '5+', default: null }),
      metadata: bytes('0+'),
    }),
  },
});
