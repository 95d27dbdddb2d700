/**
 * OffsetForLeaderEpoch (key 23), versions 0-4, flexible from 4.
 *
 * Non-obvious: `replicaId` appears in version 3 and reads as -2 when absent, the id of a
 * "debug" consumer that may see offsets beyond the high watermark; a follower sends its own
 * id, a consumer -1.
 */
import { array, defineApi, int16, int32, int64, string } from '../schema.js';

export const OffsetForLeaderEpoch = defineApi({
  key: 23,
  name: 'OffsetForLeaderEpoch',
  versions: '0-4',
  flexible: '4+',
  request: {
    replicaId: int32('3+', { default: -2 }),
    topics: array('0+', {
      topic: string('0+'),
      partitions: array('0+', {
        partition: int32('0+'),
        currentLeaderEpoch: int32('2+', { default: -1 }),
        leaderEpoch: int32('0+'),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32('2+'),
    topics: array('0+', {
      topic: string('0+'),
      partitions: array('0+', {
        errorCode: int16('0+'),
        partition: int32('0+'),
        leaderEpoch: int32('1+', { default: -1 }),
        endOffset: int64('0+', { default: -1 }),
      }),
    }),
  },
});
