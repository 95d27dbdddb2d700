/**
 * Heartbeat (key 12), versions 0-4, flexible from 4.
 *
 * The classic group protocol's liveness call. v1 adds throttle time to the response, v3 the
 * static member id (KIP-345); v2 changes only throttling behaviour.
 */
import { defineApi, int16, int32, string } from '../schema.js';

export const Heartbeat = defineApi({
  key: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexible: '4+',
  request: {
    groupId: string('0+'),
    generationId: int32('0+'),
    memberId: string('0+'),
    groupInstanceId: string('3+', { nullable: '3+', default: null }),
  },
  response: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0+'),
  },
});
