/**
 * SyncGroup (key 14), versions 0-5, flexible from 4.
 *
 * The group leader sends the assignments it computed; every member gets its own back. v3
 * adds the static member id (KIP-345). From v5 (KIP-559) both sides carry the protocol type
 * and name, nullable, so the coordinator can reject a sync that disagrees with the group and
 * the member can check what it was given.
 */
import { array, bytes, defineApi, int16, int32, string } from '../schema.js';

export const SyncGroup = defineApi({
  key: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexible: '4+',
  request: {
    groupId: string('0+'),
    generationId: int32('0+'),
    memberId: string('0+'),
    groupInstanceId: string('3+', { nullable: '3+', default: null }),
    protocolType: string('5+', { nullable: '5+', default: null }),
    protocolName: string('5+', { nullable: '5+', default: null }),
    assignments: array('0+', {
      memberId: string('0+'),
      assignment: bytes('0+'),
    }),
  },
  response: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0+'),
    protocolType: string('5+', { nullable: '5+', default: null }),
    protocolName: string('5+', { nullable: '5+', default: null }),
    assignment: bytes('0+'),
  },
});
