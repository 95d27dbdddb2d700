/**
 * OffsetCommit (key 8), versions 0-9, flexible from 8.
 *
 * The shape moved around in the early versions: v1 added group membership and a per-partition
 * commit timestamp (v1 only); v2 dropped that timestamp for a request-wide retention time,
 * which v5 dropped again (retention became broker configuration only). v6 added the leader
 * epoch, v7 the static member id. v9 has the v8 shape; it is the first version a KIP-848
 * consumer may use, which is why the generation field is named for both protocols: it carries
 * the classic generation or the new member epoch.
 */
import { array, defineApi, int16, int32, int64, string } from '../schema.js';

export const OffsetCommit = defineApi({
  key: 8,
  name: 'OffsetCommit',
  versions: '0-9',
  flexible: '8+',
  request: {
    groupId: string('0+'),
    generationIdOrMemberEpoch: int32('1+', { default: -1 }),
    memberId: string('1+'),
    groupInstanceId: string('7+', { nullable: '7+', default: null }),
    retentionTimeMs: int64('2-4', { default: -1 }),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        committedOffset: int64('0+'),
        committedLeaderEpoch: int32('6+', { default: -1 }),
        commitTimestamp: int64('1', { default: -1 }),
        committedMetadata: string('0+', { nullable: '0+' }),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32('3+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
      }),
    }),
  },
});
